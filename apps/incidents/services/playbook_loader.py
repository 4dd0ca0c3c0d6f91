"""Loading the playbooks from YAML in the repo (`playbooks/<kind>.yaml`) into Playbook/PlaybookStep rows.

Versioned by content: a file whose SHA-256 differs from its kind's active version becomes version N+1
and the active one (incidents already running keep the steps they started with); an unchanged file
does nothing. Every file is validated before anything is written, and a bad file is refused with an
error naming the file and the step, so a typo never replaces a working playbook.

A file:

    kind: account_takeover            # one of IncidentKind, one file per kind
    name: Account takeover
    steps:
      - slug: block-address           # unique in the file
        title: Block the attacking address for 24 hours
        action: block_address         # one of StepAction
        params: {hours: 24}           # optional, the action's parameters
        timeout_seconds: 60           # optional (default 60)
        max_attempts: 3               # optional (default 3)
      - slug: review
        title: Review what the account changed
        action: manual
        owner_role: security_analyst  # manual steps: the staff role that owns the task
        due_minutes: 120              #               and when it is due
"""

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction
from django.db.models import Max

from apps.accounts.choices import StaffRole
from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.incidents.choices import IncidentKind, StepAction
from apps.incidents.models import Playbook, PlaybookStep

_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")
_FILE_KEYS = {"kind", "name", "steps"}
_STEP_KEYS = {"slug", "title", "action", "params", "owner_role", "due_minutes", "timeout_seconds", "max_attempts"}
MAX_ATTEMPTS_LIMIT = 10
MAX_TIMEOUT_SECONDS = 3600


class PlaybookInvalid(ApplicationError):
    code = "playbook_invalid"


@dataclass(frozen=True)
class LoadResult:
    kind: str
    path: str
    version: int
    created: bool  # False: the file is unchanged


def _fail(where: str, problem: str) -> PlaybookInvalid:
    return PlaybookInvalid(f"{where}: {problem}")


def _positive_int(value: Any, where: str, name: str, *, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise _fail(where, f"{name} must be a whole number from 1 to {maximum}, not {value!r}.")
    return value


def _step(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _fail(where, "a step must be a mapping with slug, title and action.")
    unknown = sorted(set(raw) - _STEP_KEYS)
    if unknown:
        raise _fail(where, f"unknown field(s) {', '.join(unknown)}; a step has {', '.join(sorted(_STEP_KEYS))}.")
    missing = [name for name in ("slug", "title", "action") if not raw.get(name)]
    if missing:
        raise _fail(where, f"missing {', '.join(missing)}.")
    if not isinstance(raw["slug"], str) or not _SLUG.match(raw["slug"]):
        raise _fail(where, f"slug {raw['slug']!r} must be letters, digits, - or _ (at most 64).")
    if raw["action"] not in StepAction.values:
        raise _fail(where, f"unknown action {raw['action']!r}; choose one of {', '.join(StepAction.values)}.")
    params = raw.get("params", {}) or {}
    if not isinstance(params, dict):
        raise _fail(where, "params must be a mapping.")
    step = {
        "slug": raw["slug"],
        "title": str(raw["title"])[:200],
        "action": raw["action"],
        "params": params,
        "owner_role": raw.get("owner_role", "") or "",
        "due_minutes": None,
        "timeout_seconds": _positive_int(
            raw.get("timeout_seconds", 60), where, "timeout_seconds", maximum=MAX_TIMEOUT_SECONDS
        ),
        "max_attempts": _positive_int(raw.get("max_attempts", 3), where, "max_attempts", maximum=MAX_ATTEMPTS_LIMIT),
    }
    if raw["action"] == StepAction.MANUAL:
        if step["owner_role"] not in StaffRole.values:
            raise _fail(where, f"a manual step needs owner_role, one of {', '.join(StaffRole.values)}.")
        step["due_minutes"] = _positive_int(raw.get("due_minutes"), where, "due_minutes", maximum=60 * 24 * 30)
    elif step["owner_role"] or raw.get("due_minutes") is not None:
        raise _fail(where, "owner_role and due_minutes are for manual steps only.")
    return step


def playbook_parse(*, content: bytes, source: str) -> dict[str, Any]:
    """The validated playbook of one YAML file, or PlaybookInvalid naming the file (and the step)."""
    try:
        raw = yaml.safe_load(content)
    except yaml.YAMLError as error:
        raise _fail(source, f"not valid YAML ({error}).") from None
    if not isinstance(raw, dict):
        raise _fail(source, "must be a mapping with kind, name and steps.")
    unknown = sorted(set(raw) - _FILE_KEYS)
    if unknown:
        raise _fail(source, f"unknown field(s) {', '.join(unknown)}; a playbook has kind, name and steps.")
    if raw.get("kind") not in IncidentKind.values:
        raise _fail(source, f"kind {raw.get('kind')!r} is not one of {', '.join(IncidentKind.values)}.")
    if not raw.get("name") or not isinstance(raw["name"], str):
        raise _fail(source, "missing name.")
    if not isinstance(raw.get("steps"), list) or not raw["steps"]:
        raise _fail(source, "steps must be a non-empty list.")
    steps = []
    for position, raw_step in enumerate(raw["steps"], start=1):
        label = raw_step.get("slug") if isinstance(raw_step, dict) else None
        steps.append(_step(raw_step, f"{source}, step {position}" + (f" ({label})" if label else "")))
    slugs = [step["slug"] for step in steps]
    duplicates = sorted({slug for slug in slugs if slugs.count(slug) > 1})
    if duplicates:
        raise _fail(source, f"step slug(s) {', '.join(duplicates)} used twice.")
    return {"kind": raw["kind"], "name": raw["name"][:150], "steps": steps}


def _read(directory: Path) -> list[tuple[str, bytes, dict[str, Any]]]:
    if not directory.is_dir():
        raise PlaybookInvalid(f"{directory}: no such directory of playbooks.")
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    parsed, kinds = [], {}
    for path in files:
        source = str(path.relative_to(settings.BASE_DIR)) if path.is_relative_to(settings.BASE_DIR) else str(path)
        content = path.read_bytes()
        playbook = playbook_parse(content=content, source=source)
        if playbook["kind"] in kinds:
            raise _fail(
                source, f"a second playbook of kind {playbook['kind']} (the first is {kinds[playbook['kind']]})."
            )
        kinds[playbook["kind"]] = source
        parsed.append((source, content, playbook))
    return parsed


def _store(*, source: str, content: bytes, playbook: dict[str, Any], actor: Actor | None) -> LoadResult:
    sha256 = hashlib.sha256(content).hexdigest()
    kind = playbook["kind"]
    active = Playbook.objects.select_for_update().filter(kind=kind, is_active=True).first()
    if active is not None and active.source_sha256 == sha256:
        return LoadResult(kind=kind, path=source, version=active.version, created=False)
    version = (Playbook.objects.filter(kind=kind).aggregate(last=Max("version"))["last"] or 0) + 1
    Playbook.objects.filter(kind=kind, is_active=True).update(is_active=False)
    row = Playbook.objects.create(
        kind=kind, name=playbook["name"], version=version, source_path=source, source_sha256=sha256, is_active=True
    )
    PlaybookStep.objects.bulk_create(
        PlaybookStep(playbook=row, position=position, **step) for position, step in enumerate(playbook["steps"], 1)
    )
    if actor is None:  # the after-migrate load of the shipped, code-reviewed files (as compliance's catalogues)
        return LoadResult(kind=kind, path=source, version=version, created=True)
    audit_record(
        actor=actor,
        action="incidents.playbook_loaded",
        target=row,
        changes=field_changes({"version": active.version if active else None}, {"version": version, "sha256": sha256}),
    )
    return LoadResult(kind=kind, path=source, version=version, created=True)


@transaction.atomic
def playbooks_load(*, actor: Actor | None = None, directory: Path | str | None = None) -> list[LoadResult]:
    """Load every playbook file of `directory` (default: the repo's playbooks/): a changed file becomes the
    active next version of its kind, an unchanged one does nothing; one bad file and nothing is loaded.
    Audited when an actor is given (the command); the load after migrate is not."""
    parsed = _read(Path(directory or settings.INCIDENTS_PLAYBOOK_DIRECTORY))
    return [
        _store(source=source, content=content, playbook=playbook, actor=actor) for source, content, playbook in parsed
    ]
