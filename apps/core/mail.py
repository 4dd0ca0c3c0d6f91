"""E-mail pieces several apps share: checking the addresses staff type, and attachments sent byte for byte.

Report definitions (compliance, analytics) take recipients as typed into a form or an API body; the
notification layer and the compliance reports attach stored files whose SHA-256 is on record.
"""

from email import encoders
from email.mime.base import MIMEBase
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError


def email_addresses_validate(
    addresses: Any, *, code: str = "invalid_recipients", field: str = "recipients"
) -> list[str]:
    """Distinct, valid e-mail addresses in the order given (a list, or text separated by commas, semicolons
    or lines); an invalid one is refused with a message naming it (`code`, under `field`)."""
    if addresses is None:
        return []
    if isinstance(addresses, str):
        addresses = addresses.replace(";", ",").replace("\n", ",").split(",")
    if not isinstance(addresses, list | tuple):
        message = _("Recipients must be a list of e-mail addresses.")
        raise ApplicationError(message, code=code, fields={field: [message]})
    cleaned: list[str] = []
    for address in addresses:
        address = address.strip() if isinstance(address, str) else address
        if address == "":
            continue
        try:
            validate_email(address)
        except (ValidationError, TypeError):
            message = _("%(address)s is not a valid e-mail address.") % {"address": repr(address)}
            raise ApplicationError(message, code=code, fields={field: [message]}) from None
        if address.lower() not in {existing.lower() for existing in cleaned}:
            cleaned.append(address)
    return cleaned


def exact_attachment(filename: str, data: bytes, content_type: str) -> MIMEBase:
    """An attachment part that arrives as these exact bytes.

    base64 for every type, text included: no line-ending or charset conversion on the way, so the
    recipient's file has the SHA-256 the sender recorded (and printed in the message)."""
    part = MIMEBase(*content_type.split("/", 1))
    part.set_payload(data)
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part
