"""Demo data for a first look (`make run`): idempotent, never touches existing rows."""

from django.core.management.base import BaseCommand

from apps.accounts.models import Member
from apps.accounts.services import member_create
from apps.core.actors import Actor
from apps.tenants.choices import PlanCode
from apps.tenants.models import Tenant
from apps.tenants.services import tenant_create

DEMO_TENANTS = [
    ("100000000000000001", "Demo Sharps", PlanCode.PREMIUM, "America/New_York"),
    ("100000000000000002", "Demo Parlay Club", PlanCode.FREE, "Europe/London"),
]
DEMO_MEMBERS = [("200000000000000001", "capper_joe"), ("200000000000000002", "capper_ann")]


class Command(BaseCommand):
    help = "Create demo tenants and members unless they exist."

    def handle(self, *args, **options):
        actor = Actor.system("manage.py seed_demo")
        created = 0
        for guild_id, name, plan_code, timezone_name in DEMO_TENANTS:
            tenant = Tenant.objects.filter(guild_id=guild_id).first()
            if tenant is None:
                tenant = tenant_create(
                    actor=actor, guild_id=guild_id, name=name, plan_code=plan_code, timezone_name=timezone_name
                )
                created += 1
            for discord_user_id, username in DEMO_MEMBERS:
                if not Member.objects.filter(tenant=tenant, discord_user_id=discord_user_id).exists():
                    member_create(actor=actor, tenant=tenant, discord_user_id=discord_user_id, username=username)
                    created += 1
        self.stdout.write(f"Demo data: {created} rows created." if created else "Demo data already present.")
