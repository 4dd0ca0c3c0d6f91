"""factory-boy factories for the models of every app."""

import factory
from factory.django import DjangoModelFactory

from apps.accounts.models import Member, User
from apps.tenants.models import Tenant

PASSWORD = "correct-horse-battery-staple"  # every UserFactory user's


class TenantFactory(DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("guild_id",)

    guild_id = factory.Sequence(lambda n: str(300000000000000000 + n))
    name = factory.Sequence(lambda n: f"Guild {n}")


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = Member

    tenant = factory.SubFactory(TenantFactory)
    discord_user_id = factory.Sequence(lambda n: str(400000000000000000 + n))
    username = factory.Sequence(lambda n: f"member{n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.test")
    is_staff = True
    password = factory.django.Password(PASSWORD)
