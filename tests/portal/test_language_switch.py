"""The portal's language switch (issue 17 §7): the header's form (on the sign-in page too) stores the choice,
the pages, the navigation and the role names follow it; without a choice the browser's Accept-Language decides."""

import pytest
from django.conf import settings

from apps.accounts.choices import StaffRole
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db


def test_the_language_switch_sets_spanish_and_the_dashboard_speaks_it(portal_user):
    client = verified_client(portal_user(StaffRole.COMPLIANCE_OFFICER, username="oficial"))
    english = client.get("/portal/")
    assert '<html lang="en">' in english.content.decode()

    switched = client.post("/i18n/setlang/", {"language": "es", "next": "/portal/"})

    assert switched.status_code == 302 and switched["Location"] == "/portal/"
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = client.get("/portal/").content.decode()
    assert '<html lang="es">' in page
    assert "<h1>Panel de cumplimiento</h1>" in page  # the heading
    assert ">Marcos</a>" in page and ">Cumplimiento</h2>" in page  # navigation: a page and its section
    assert "Oficial de cumplimiento" in page  # the role, as words
    assert "Compliance dashboard" not in page


def test_the_sign_in_page_offers_the_switch_and_follows_accept_language(client):
    english = client.get("/portal/login/").content.decode()
    spanish = client.get("/portal/login/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9").content.decode()

    assert 'action="/i18n/setlang/"' in english and '<option value="es" lang="es">Español</option>' in english
    assert "<h1>Sign in</h1>" in english
    assert "<h1>Iniciar sesión</h1>" in spanish


def test_the_script_catalogue_serves_the_portal_scripts_strings_in_spanish(client):
    catalogue = client.get("/i18n/js/", HTTP_ACCEPT_LANGUAGE="es")

    assert catalogue.status_code == 200 and catalogue["Content-Type"].startswith("text/javascript")
    assert "Actualizaciones en vivo:" in catalogue.content.decode()
