"""Syncing framework catalogues (the shipped YAML files, imported OSCAL catalogs) into the database.

A catalogue is a plain dict (see `CatalogueNode`): the sync upserts the framework and each
requirement by (framework, ref), re-links parents, and removes requirements the new version no
longer has, so loading a file twice changes nothing and a newer version updates rows in place
(requirement ids, and so attestations and evidence links, survive).
"""

import copy
import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction
from django.utils.translation import gettext

from apps.audit.services import audit_record
from apps.compliance.choices import FrameworkSource, MappingRelation
from apps.compliance.models import Framework, Requirement, RequirementMapping
from apps.core.actors import Actor
from apps.core.errors import ApplicationError

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "catalogues"


class CatalogueError(ApplicationError):
    code = "catalogue_invalid"


@dataclass
class CatalogueNode:
    ref: str
    title: str
    description: str = ""
    is_group: bool = False
    children: list["CatalogueNode"] = field(default_factory=list)


@dataclass
class Catalogue:
    id: str
    name: str
    version: str
    source: str
    nodes: list[CatalogueNode]
    description: str = ""
    checksum: str = ""
    # (own ref, "framework:ref", relation)
    mappings: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class SyncResult:
    framework: Framework
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: bool = False


def _walk(nodes: list[CatalogueNode], parent_ref: str | None = None):
    for node in nodes:
        yield node, parent_ref
        yield from _walk(node.children, node.ref)


def _node_from_yaml(item: dict, where: str) -> CatalogueNode:
    if not isinstance(item, dict) or not item.get("ref") or not item.get("title"):
        raise CatalogueError(
            gettext("%(where)s: every requirement needs a ref and a title (%(item)s).")
            % {"where": where, "item": repr(item)[:80]}
        )
    children = [_node_from_yaml(child, where) for child in item.get("children") or []]
    return CatalogueNode(
        ref=str(item["ref"]),
        title=str(item["title"]),
        description=str(item.get("description") or ""),
        is_group=bool(item.get("group", bool(children))),
        children=children,
    )


def catalogue_from_yaml(path: Path) -> Catalogue:
    """Parse one catalogue file (see apps/compliance/catalogues/*.yaml for the shape)."""
    raw = path.read_bytes()
    try:
        data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        raise CatalogueError(
            gettext("%(name)s: not valid YAML (%(error)s).") % {"name": path.name, "error": error}
        ) from error
    if not isinstance(data, dict) or not all(data.get(key) for key in ("id", "name", "version", "requirements")):
        raise CatalogueError(gettext("%(name)s: needs id, name, version and requirements.") % {"name": path.name})
    mappings = []
    for item in data.get("mappings") or []:
        for target in item.get("to") or []:
            mappings.append((str(item["ref"]), str(target), item.get("relation", MappingRelation.RELATED)))
    return Catalogue(
        id=str(data["id"]),
        name=str(data["name"]),
        version=str(data["version"]),
        source=FrameworkSource.CATALOGUE,
        description=str(data.get("description") or ""),
        nodes=[_node_from_yaml(item, path.name) for item in data["requirements"]],
        checksum=hashlib.sha256(raw).hexdigest(),
        mappings=mappings,
    )


def _checksum(catalogue: Catalogue) -> str:
    if catalogue.checksum:
        return catalogue.checksum
    payload = json.dumps([catalogue.version, [(n.ref, n.title, n.description) for n, _ in _walk(catalogue.nodes)]])
    return hashlib.sha256(payload.encode()).hexdigest()


@transaction.atomic
def catalogue_sync(*, catalogue: Catalogue, actor: Actor | None) -> SyncResult:  # noqa: C901 - one upsert, step by step
    """Upsert a framework and its requirement tree; unchanged content (same checksum) writes nothing.

    Audited when an actor is given (commands, imports); the post_migrate sync of the shipped, code-reviewed
    files passes none, like the role sync of the accounts app.
    """
    refs = [node.ref for node, _ in _walk(catalogue.nodes)]
    if len(refs) != len(set(refs)):
        duplicates = sorted({ref for ref in refs if refs.count(ref) > 1})
        raise CatalogueError(
            gettext("%(id)s: duplicate requirement ids %(ids)s.") % {"id": catalogue.id, "ids": duplicates[:10]}
        )
    checksum = _checksum(catalogue)
    framework = Framework.objects.select_for_update().filter(pk=catalogue.id).first()
    if framework is not None and framework.source_checksum == checksum and framework.version == catalogue.version:
        return SyncResult(framework=framework, unchanged=True)
    before = {"version": framework.version} if framework else {}
    framework, _ = Framework.objects.update_or_create(
        pk=catalogue.id,
        defaults={
            "name": catalogue.name[:200],
            "version": catalogue.version[:64],
            "source": catalogue.source,
            "description": catalogue.description,
            "source_checksum": checksum,
        },
    )
    existing = {req.ref: req for req in Requirement.objects.filter(framework=framework)}
    result = SyncResult(framework=framework)
    saved: dict[str, Requirement] = {}
    parents: dict[str, str | None] = {}
    new_rows, changed = [], []
    for position, (node, parent_ref) in enumerate(_walk(catalogue.nodes)):
        values = {"title": node.title[:300], "description": node.description, "position": position}
        values["is_group"] = node.is_group
        parents[node.ref] = parent_ref
        requirement = existing.get(node.ref)
        if requirement is None:
            requirement = Requirement(framework=framework, ref=node.ref[:64], **values)
            new_rows.append(requirement)
        elif any(getattr(requirement, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(requirement, key, value)
            changed.append(requirement)
        saved[node.ref] = requirement
    Requirement.objects.bulk_create(new_rows, batch_size=500)
    relinked = []
    for ref, requirement in saved.items():
        parent_id = saved[parents[ref]].pk if parents[ref] else None
        if requirement.parent_id != parent_id:
            requirement.parent_id = parent_id
            relinked.append(requirement)
    Requirement.objects.bulk_update(changed, ["title", "description", "position", "is_group"], batch_size=500)
    Requirement.objects.bulk_update(relinked, ["parent"], batch_size=500)
    result.created = len(new_rows)
    result.updated = len({row.pk for row in changed} | {row.pk for row in relinked if row not in new_rows})
    gone = [requirement.pk for ref, requirement in existing.items() if ref not in saved]
    if gone:
        Requirement.objects.filter(pk__in=gone).delete()
        result.removed = len(gone)
    if actor is not None:
        audit_record(
            actor=actor,
            action="compliance.framework_synced",
            target=framework,
            changes={"version": {"before": before.get("version"), "after": framework.version}},
            reason=f"{result.created} created, {result.updated} updated, {result.removed} removed",
        )
    return result


def _requirement_index() -> dict[str, int]:
    return {
        f"{framework_id}:{ref}": pk
        for pk, framework_id, ref in Requirement.objects.values_list("pk", "framework", "ref")
    }


@transaction.atomic
def catalogue_mappings_sync(*, catalogues: list[Catalogue]) -> int:
    """Replace the mappings declared by these catalogues; an unknown requirement is an error."""
    index = _requirement_index()
    wanted = {}
    for catalogue in catalogues:
        for ref, target, relation in catalogue.mappings:
            source_key = f"{catalogue.id}:{ref}"
            for key in (source_key, target):
                if key not in index:
                    raise CatalogueError(
                        gettext("%(id)s: mapping names unknown requirement %(key)s.") % {"id": catalogue.id, "key": key}
                    )
            wanted[(index[source_key], index[target])] = relation
    current = {
        (mapping.source_id, mapping.target_id): mapping
        for mapping in RequirementMapping.objects.filter(source__framework__in=[c.id for c in catalogues])
    }
    stale = [mapping.pk for pair, mapping in current.items() if wanted.get(pair) != mapping.relation]
    RequirementMapping.objects.filter(pk__in=stale).delete()
    RequirementMapping.objects.bulk_create(
        [
            RequirementMapping(source_id=source_id, target_id=target_id, relation=relation)
            for (source_id, target_id), relation in wanted.items()
            if (source_id, target_id) not in current or current[(source_id, target_id)].pk in stale
        ]
    )
    return len(wanted)


@functools.lru_cache(maxsize=64)
def _parsed(path: Path, modified_ns: int) -> Catalogue:
    return catalogue_from_yaml(path)


def shipped_catalogues() -> list[Catalogue]:
    """The shipped catalogue files, parsed once per process and file version (the sync runs after every
    migrate and every test-database flush). Callers get copies: they may change them."""
    return [copy.deepcopy(_parsed(path, path.stat().st_mtime_ns)) for path in sorted(CATALOGUE_DIR.glob("*.yaml"))]


def catalogues_load(*, actor: Actor | None) -> list[SyncResult]:
    """Sync every shipped catalogue file, then their cross-framework mappings (idempotent)."""
    catalogues = shipped_catalogues()
    results = [catalogue_sync(catalogue=catalogue, actor=actor) for catalogue in catalogues]
    catalogue_mappings_sync(catalogues=catalogues)
    return results
