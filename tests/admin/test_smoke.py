"""Every registered admin renders its changelist, add page and a change page within a query budget."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from tests.admin.helpers import ROWS

# A page's fixed cost (session, user, counts, filters, the rows themselves) stays well under ROWS:
# a query per row pushes any page past its budget.
CHANGELIST_BUDGET = 15
FORM_BUDGET = 15
assert CHANGELIST_BUDGET < ROWS and FORM_BUDGET < ROWS

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
ADMINS = [pytest.param(model, model_admin, id=model._meta.label) for model, model_admin in REGISTERED]


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize(("model", "model_admin"), ADMINS)
def test_changelist_renders_every_row_within_budget(
    model, model_admin, admin_rows, superuser_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(CHANGELIST_BUDGET):
        response = superuser_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == model_admin.get_queryset(response.wsgi_request).count()


@pytest.mark.parametrize(("model", "model_admin"), ADMINS)
def test_add_page_renders_within_budget_or_is_refused(
    model, model_admin, admin_rows, superuser, superuser_client, django_assert_max_num_queries
):
    request = RequestFactory().get("/")
    request.user = superuser
    with django_assert_max_num_queries(FORM_BUDGET):
        response = superuser_client.get(_url(model, "add"))
    assert response.status_code == (200 if model_admin.has_add_permission(request) else 403)


@pytest.mark.parametrize(("model", "model_admin"), ADMINS)
def test_change_page_renders_within_budget(
    model, model_admin, admin_rows, superuser_client, django_assert_max_num_queries
):
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"seed rows of {model._meta.label} in tests/admin/conftest.py:admin_rows"
    with django_assert_max_num_queries(FORM_BUDGET):
        response = superuser_client.get(_url(model, "change", obj.pk))
    assert response.status_code == 200
    assert response.context["original"] == obj


APP_LABELS = sorted({model._meta.app_label for model, _ in REGISTERED})


@pytest.mark.parametrize("app_label", [None, *APP_LABELS])
def test_index_and_app_pages_render_within_budget(
    app_label, admin_rows, superuser_client, django_assert_max_num_queries
):
    url = reverse("admin:index") if app_label is None else reverse("admin:app_list", args=[app_label])
    with django_assert_max_num_queries(FORM_BUDGET):
        response = superuser_client.get(url)
    assert response.status_code == 200
