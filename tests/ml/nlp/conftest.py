import pytest

from tests.ml.nlp.catalogue import demo_catalogue_build


@pytest.fixture
def catalogue(db):
    """The demo's leagues, teams, aliases and players, with one scheduled game per team tomorrow."""
    return demo_catalogue_build()
