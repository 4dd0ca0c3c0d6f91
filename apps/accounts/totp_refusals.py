"""The refusals of authenticator enrolment and reset, worded for the person typing the code."""

from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError


def invalid_token_error() -> ApplicationError:
    return ApplicationError(
        _("That code does not match: type the 6 digits your authenticator app shows now."),
        code="invalid_token",
        fields={"token": [_("Wrong or expired code.")]},
    )


def already_enrolled_error() -> ApplicationError:
    return ApplicationError(
        _("This account already has a confirmed authenticator: sign in with it, or have it reset first."),
        code="already_enrolled",
    )
