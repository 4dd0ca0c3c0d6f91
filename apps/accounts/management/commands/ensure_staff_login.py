"""Make sure a staff login exists for `make run` / `make up`, and print it.

With DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD set, that superuser is created (or its
password reset) from the environment. Otherwise a superuser `admin` gets a generated password,
kept in $DBSBM_DATA_DIR/staff-login.txt (mode 600, ignored by git) so later runs print the same.
Refuses to invent a password in production settings.
"""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.accounts.choices import StaffRole
from apps.accounts.models import User
from apps.accounts.services import staff_user_create
from apps.core.actors import Actor
from apps.core.errors import ApplicationError

DEFAULT_USERNAME = "admin"
SECOND_FACTOR_HINT = (
    "The first sign-in at /admin/ or /portal/ enrols an authenticator app (TOTP): scan the QR code or type "
    "the key shown on the page, then enter its 6-digit code; later sign-ins ask for a code."
)


class Command(BaseCommand):
    help = "Create or confirm the staff login used to sign in to /admin/, and print it."

    def handle(self, *args, **options):
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        if username and password:
            self._ensure(username, password)
            self.stdout.write(f"Staff login: {username} / (the password in DJANGO_SUPERUSER_PASSWORD)")
            self.stdout.write(SECOND_FACTOR_HINT)
            return
        if settings.SECURE_SSL_REDIRECT:
            raise CommandError("In production set DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD.")
        login_file = Path(settings.DATA_DIR) / "staff-login.txt"
        stored = login_file.read_text().strip() if login_file.exists() else ""
        if stored and User.objects.filter(username=DEFAULT_USERNAME).exists():
            password = stored
            user = User.objects.get(username=DEFAULT_USERNAME)
            if not user.check_password(password):
                self._ensure(DEFAULT_USERNAME, password)
        else:
            password = secrets.token_urlsafe(12)
            self._ensure(DEFAULT_USERNAME, password)
            login_file.parent.mkdir(parents=True, exist_ok=True)
            login_file.write_text(password + "\n")
            login_file.chmod(0o600)
        self.stdout.write(f"Staff login for /admin/: {DEFAULT_USERNAME} / {password}  (kept in {login_file})")
        self.stdout.write(SECOND_FACTOR_HINT)

    @transaction.atomic
    def _ensure(self, username: str, password: str) -> None:
        actor = Actor.system("manage.py ensure_staff_login")
        user = User.objects.filter(username=username).first()
        if user is None:
            try:
                staff_user_create(actor=actor, username=username, email="", password=password, role=StaffRole.SUPERUSER)
            except ApplicationError as error:
                raise CommandError(error.message) from None
            return
        user.set_password(password)
        user.is_staff = user.is_superuser = user.is_active = True
        user.save(update_fields=["password", "is_staff", "is_superuser", "is_active"])
