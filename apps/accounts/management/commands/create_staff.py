"""`manage.py create_staff --role ROLE [--username U] [--email E] [--password P] [--totp]`: a staff account with
one role, so a new user can see the portal and the admin as that role sees them.

The account is made by `staff_user_create` (password policy, the role's group, an audit event). Without
--password a password is generated and printed once (it is not stored anywhere). The second factor stays
required for every staff account: by default the first sign-in at /portal/ or /admin/ enrols an authenticator
app (the page shows a QR code and the key); with --totp the command enrols one now, through the same
enrolment service, and prints its key and otpauth:// URI for an authenticator app (or `oathtool`).
"""

import secrets
from base64 import b32encode

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.oath import totp

from apps.accounts.choices import StaffRole
from apps.accounts.services import staff_user_create, totp_device_enrol_confirm, totp_device_enrol_start
from apps.core.actors import Actor
from apps.core.errors import ApplicationError

PORTAL_ROLES = {StaffRole.SUPERUSER, StaffRole.COMPLIANCE_OFFICER, StaffRole.SECURITY_ANALYST}


def generated_password() -> str:
    """Long enough for the password policy (12+), random, typeable."""
    return secrets.token_urlsafe(15)


class Command(BaseCommand):
    help = "Create a staff account with one role (compliance_officer, security_analyst, ops, support, superuser)."

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, choices=StaffRole.values, help="the account's role")
        parser.add_argument("--username", default="", help="default: the role's name, e.g. compliance_officer")
        parser.add_argument("--email", default="", help="optional e-mail address (notifications to the role)")
        parser.add_argument("--password", default="", help="default: a generated one, printed once")
        parser.add_argument(
            "--totp",
            action="store_true",
            help="enrol the authenticator now and print its key and otpauth:// URI (default: enrol at first sign-in)",
        )

    def handle(self, *args, **options):
        role = StaffRole(options["role"])
        username = options["username"].strip() or role.value
        password = options["password"] or generated_password()
        actor = Actor.system("manage.py create_staff")
        try:
            with transaction.atomic():
                user = staff_user_create(
                    actor=actor, username=username, email=options["email"].strip(), password=password, role=role
                )
                device = self._enrol(user, actor) if options["totp"] else None
        except ApplicationError as error:
            raise CommandError(error.message) from None
        where = "/portal/ and /admin/" if role in PORTAL_ROLES else "/admin/ (this role has no portal pages)"
        self.stdout.write(f"Staff account {username!r} ({role.label}) created; sign in at {where}.")
        if options["password"]:
            self.stdout.write("Password: the one you gave.")
        else:
            self.stdout.write(f"Password: {password}  (shown once: only its hash is stored)")
        if device is None:
            self.stdout.write(
                "Second factor: required. The first sign-in enrols an authenticator app (TOTP): scan the QR code "
                "or type the key the page shows, then enter its 6-digit code."
            )
        else:
            self.stdout.write("Second factor: required; an authenticator is enrolled. Add it to your app:")
            self.stdout.write(f"  key (base32): {b32encode(device.bin_key).decode()}")
            self.stdout.write(f"  URI: {device.config_url}")

    def _enrol(self, user, actor):
        """The portal's own enrolment: a fresh device, confirmed with the code it shows now."""
        device = totp_device_enrol_start(user=user)
        token = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"
        return totp_device_enrol_confirm(device=device, token=token, actor=actor)
