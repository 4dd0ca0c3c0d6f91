"""A Django test client signed in to the portal, past the second factor: what the dashboard benches render
pages with (the whole stack: session, second factor, view, template). A superuser by default (who may edit
the shipped dashboards: their pages carry the edit forms), or staff in one portal role (who only view)."""


def signed_in_client(username: str = "bench.dashboards", *, role_group: str | None = None):
    """A client whose session passed the second factor (as after the portal's TOTP step); `role_group`: a
    staff member of that role's group (e.g. "Security analyst") instead of a superuser."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": True, "is_superuser": role_group is None}
    )
    if role_group is not None:
        user.groups.add(Group.objects.get_or_create(name=role_group)[0])
    device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
        user=user, name="bench", confirmed=True
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
