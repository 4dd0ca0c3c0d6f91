"""Actors of the tests: who did something, as the services record it."""

from apps.core.actors import Actor


def staff_actor(user) -> Actor:
    """The actor of a staff user acting in the portal or the admin (as actor_for_request makes it)."""
    return Actor(kind="user", identifier=str(user.pk), label=user.get_username())
