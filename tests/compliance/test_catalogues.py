"""Shipped framework catalogues: every file loads, mappings resolve, loading is idempotent, versions update in place."""

import pytest
from django.core.management import call_command

from apps.audit.models import AuditEvent
from apps.compliance.checks.registry import checks_for
from apps.compliance.models import Framework, Requirement, RequirementMapping
from apps.compliance.services.catalogues import (
    Catalogue,
    CatalogueError,
    CatalogueNode,
    catalogue_sync,
    catalogues_load,
    shipped_catalogues,
)

pytestmark = pytest.mark.django_db
SHIPPED = {"gdpr", "soc2", "pci_dss", "hipaa", "sox_itgc", "ccpa", "iso27001", "nist_csf", "betting_integrity"}


def test_every_shipped_framework_is_loaded_after_migrate_with_its_tree_and_mappings():
    assert set(Framework.objects.values_list("id", flat=True)) >= SHIPPED
    article = Requirement.objects.get(framework_id="gdpr", ref="Art.32(1)(a)")
    assert (article.parent.ref, article.parent.parent.ref, article.is_group) == ("Art.32", "Ch.IV", False)
    assert Requirement.objects.get(framework_id="iso27001", ref="A.8").is_group is True
    mapped = set(
        RequirementMapping.objects.filter(source__framework_id="gdpr", source__ref="Art.32(1)(a)").values_list(
            "target__framework_id", "target__ref"
        )
    )
    assert mapped == {("iso27001", "A.8.24"), ("pci_dss", "3.5.1"), ("hipaa", "164.312(a)(2)(iv)")}


def test_every_requirement_a_check_names_exists_and_every_framework_has_a_check():
    keys = {f"{framework}:{ref}" for framework, ref in Requirement.objects.values_list("framework_id", "ref")}
    named = {requirement for check in checks_for() for requirement in check.requirements}
    assert named - keys == set()
    assert {check_framework for check in checks_for() for check_framework in check.frameworks} >= SHIPPED


def test_loading_again_changes_nothing_and_writes_no_audit_event():
    rows = list(Requirement.objects.order_by("pk").values_list("pk", "framework_id", "ref", "title", "parent_id"))
    events = AuditEvent.objects.count()

    results = catalogues_load(actor=None)

    assert all(result.unchanged for result in results)
    assert (
        list(Requirement.objects.order_by("pk").values_list("pk", "framework_id", "ref", "title", "parent_id")) == rows
    )
    assert AuditEvent.objects.count() == events


def test_a_new_version_updates_rows_in_place_and_drops_what_it_no_longer_has(actor):
    [soc2] = [catalogue for catalogue in shipped_catalogues() if catalogue.id == "soc2"]
    kept = Requirement.objects.get(framework_id="soc2", ref="CC6.1")
    removed_ref = soc2.nodes[-1].children[-1].ref  # PI1.4
    soc2.version = "2017-r2022.cat2"
    soc2.checksum = ""
    soc2.nodes[-1].children.pop()
    soc2.nodes[1].children[0].title = "Restrict access (reworded)"
    soc2.nodes.append(CatalogueNode("A1", "Availability", children=[CatalogueNode("A1.2", "Back up and recover")]))

    result = catalogue_sync(catalogue=soc2, actor=actor)

    assert (result.created, result.removed) == (2, 1)
    kept.refresh_from_db()
    assert (kept.title, kept.framework.version) == ("Restrict access (reworded)", "2017-r2022.cat2")
    assert not Requirement.objects.filter(framework_id="soc2", ref=removed_ref).exists()
    assert Requirement.objects.get(framework_id="soc2", ref="A1.2").parent.ref == "A1"
    event = AuditEvent.objects.get(action="compliance.framework_synced")
    assert event.changes["version"] == {"before": "2017-r2022.cat1", "after": "2017-r2022.cat2"}


def test_duplicate_refs_are_refused_and_nothing_is_written(actor):
    catalogue = Catalogue(
        id="broken",
        name="Broken",
        version="1",
        source="catalogue",
        nodes=[CatalogueNode("X", "x"), CatalogueNode("X", "y")],
    )
    with pytest.raises(CatalogueError, match="duplicate requirement ids"):
        catalogue_sync(catalogue=catalogue, actor=actor)
    assert not Framework.objects.filter(pk="broken").exists()


def test_the_load_command_reports_each_framework(capsys):
    call_command("compliance_load_catalogues")
    output = capsys.readouterr().out
    assert "gdpr 2016-679.cat1: unchanged" in output
    assert len(output.strip().splitlines()) == len(SHIPPED)
