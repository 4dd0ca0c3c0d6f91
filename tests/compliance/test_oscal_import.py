"""`compliance_import_oscal`: any OSCAL catalog (groups, nesting, enhancements, statements), updated in place."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.compliance.models import Framework, Requirement

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
NIST = DATA / "NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json"
SMALL = DATA / "small_catalog.json"


def _import(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("compliance_import_oscal", str(path), *args, stdout=out)
    return out.getvalue()


def test_nist_800_53_moderate_imports_287_controls_and_enhancements_with_statements():
    output = _import(NIST, "--framework-id", "nist_800_53")

    assert "287 controls; 305 created, 0 updated, 0 removed" in output
    framework = Framework.objects.get(pk="nist_800_53")
    assert (framework.source, framework.version) == ("oscal", "5.1.1+u4")
    assert Requirement.objects.filter(framework=framework, is_group=False).count() == 287
    assert Requirement.objects.filter(framework=framework, is_group=True).count() == 18
    enhancement = Requirement.objects.get(framework=framework, ref="ac-2.1")
    assert (enhancement.parent.ref, enhancement.parent.parent.ref) == ("ac-2", "ac")
    assert enhancement.title == "AC-02(01) Automated System Account Management"
    policy = Requirement.objects.get(framework=framework, ref="ac-1").description
    assert policy.startswith("a. Develop, document, and disseminate to [Assignment: organization-defined personnel")
    assert "\n    (a) Addresses purpose, scope, roles" in policy  # nested items keep their labels and depth
    assert "{{" not in policy


def test_reimporting_a_newer_version_updates_in_place_without_duplicates(tmp_path):
    _import(NIST, "--framework-id", "nist_800_53")
    before = dict(Requirement.objects.filter(framework_id="nist_800_53").values_list("ref", "pk"))
    document = json.loads(NIST.read_text())
    catalog = document["catalog"]
    catalog["metadata"]["version"] = "5.2.0"
    access = catalog["groups"][0]
    access["controls"][1]["title"] = "Account Management (revised)"
    dropped = access["controls"].pop()  # the last access control leaves the baseline
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(document))

    output = _import(newer, "--framework-id", "nist_800_53")

    removed = 1 + sum(1 for _ in _ids(dropped.get("controls", [])))
    assert "0 created," in output and f", {removed} removed" in output  # later rows move up: position updates
    after = dict(Requirement.objects.filter(framework_id="nist_800_53").values_list("ref", "pk"))
    assert {ref: pk for ref, pk in before.items() if ref in after} == after
    assert Requirement.objects.get(framework_id="nist_800_53", ref="ac-2").title.endswith(
        "Account Management (revised)"
    )
    assert Framework.objects.get(pk="nist_800_53").version == "5.2.0"
    assert "unchanged" in _import(newer, "--framework-id", "nist_800_53")


def _ids(controls):
    for control in controls:
        yield control["id"]
        yield from _ids(control.get("controls", []))


def test_a_catalog_of_another_shape_nested_groups_without_ids_top_level_controls():
    output = _import(SMALL)

    assert "tiny-lab-controls (Tiny Lab Controls 0.9): 3 controls" in output
    rows = {
        ref: (parent, is_group)
        for ref, parent, is_group in Requirement.objects.filter(framework_id="tiny-lab-controls").values_list(
            "ref", "parent__ref", "is_group"
        )
    }
    assert rows == {
        "group-1": (None, True),
        "doors": ("group-1", True),
        "dl-1": ("doors", False),
        "dl-1.1": ("dl-1", False),
        "top-1": (None, False),
    }  # the withdrawn enhancement is skipped
    lock = Requirement.objects.get(framework_id="tiny-lab-controls", ref="dl-1")
    assert lock.title == "DL-1 Lock the lab"
    assert lock.description == (
        "Keep the lab locked with a [Selection (one or more): badge; key].\n  a. Review access every 30 days."
    )


def test_parameters_can_be_left_as_placeholders():
    _import(SMALL, "--keep-param-placeholders")
    description = Requirement.objects.get(framework_id="tiny-lab-controls", ref="dl-1").description
    assert "{{ insert: param, dl-1_prm }}" in description


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('{"profile": {"uuid": "x"}}', "is not an OSCAL catalog: no top-level 'catalog' object (found ['profile'])"),
        ("[1, 2]", "is not an OSCAL catalog"),
        ('{"catalog": {"metadata": {"title": "T"}, "groups": []}}', "metadata needs a title and a version"),
        ('{"catalog": {"metadata": {"title": "T", "version": "1"}}}', "has no groups and no controls"),
        (
            '{"catalog": {"metadata": {"title": "T", "version": "1"}, "controls": [{"id": "x"}]}}',
            "without an id or a title",
        ),
    ],
)
def test_bad_files_are_refused_with_a_clear_message_and_nothing_is_written(tmp_path, content, message):
    frameworks = Framework.objects.count()
    path = tmp_path / "bad.json"
    path.write_text(content)

    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        _import(path)

    assert Framework.objects.count() == frameworks


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        _import(tmp_path / "absent.json")
