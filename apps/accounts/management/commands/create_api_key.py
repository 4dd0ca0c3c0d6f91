"""python manage.py create_api_key --name NAME [--tenant GUILD_ID] [--scopes a,b] [--expires-days N]"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.accounts.services import api_key_create
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.tenants.selectors import tenant_get


class Command(BaseCommand):
    help = "Create an API key and print it alone on the last line (it is shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--tenant", metavar="GUILD_ID", help="Tie the key to one tenant; omit for platform-wide.")
        parser.add_argument("--scopes", default="", help="Comma-separated, e.g. bets:read,bets:write")
        parser.add_argument("--expires-days", type=int, default=None, help="Expire after N days (default: never).")

    def handle(self, *args, name, tenant, scopes, expires_days, **options):
        try:
            tenant_obj = tenant_get(guild_id=tenant) if tenant else None
            expires_at = timezone.now() + timedelta(days=expires_days) if expires_days is not None else None
            api_key, secret = api_key_create(
                actor=Actor.system("manage.py create_api_key"),
                name=name,
                scopes=[scope.strip() for scope in scopes.split(",") if scope.strip()],
                tenant=tenant_obj,
                expires_at=expires_at,
            )
        except ApplicationError as error:
            raise CommandError(error.message) from None
        where = f"tenant {tenant}" if tenant else "platform-wide"
        self.stdout.write(f"Created {where} key {api_key.prefix} with scopes {', '.join(api_key.scopes)}.")
        self.stdout.write("Store it now: it is not kept and cannot be shown again.")
        self.stdout.write(secret)
