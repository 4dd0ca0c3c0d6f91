"""Importing NIST OSCAL catalogs (any catalog JSON, not one file's shape) as frameworks.

The OSCAL catalog model: `catalog.metadata` (title, version), then `groups` (which may nest groups and
hold controls) and/or top-level `controls`; a control may hold `controls` (its enhancements), `params`
and `parts`; the part named "statement" is the requirement's text, its sub-parts (named "item", with a
"label" prop) are the lettered items. Group ids are optional in OSCAL: a group without one gets a ref
made from its position. Withdrawn controls (prop status=withdrawn) are skipped.
"""

import json
import re
from pathlib import Path

from django.utils.text import slugify
from django.utils.translation import gettext

from apps.compliance.choices import FrameworkSource
from apps.compliance.services.catalogues import Catalogue, CatalogueError, CatalogueNode

_PARAM = re.compile(r"\{\{\s*insert:\s*param,\s*([\w.-]+)\s*\}\}")


class OscalError(CatalogueError):
    code = "oscal_invalid"


def _prop(item: dict, name: str) -> str | None:
    for prop in item.get("props") or []:
        if isinstance(prop, dict) and prop.get("name") == name:
            return prop.get("value")
    return None


def _param_text(param: dict, params: dict[str, dict]) -> str:
    if param.get("values"):
        return ", ".join(str(value) for value in param["values"])
    select = param.get("select")
    if isinstance(select, dict) and select.get("choice"):
        choices = [_PARAM.sub(lambda m: _substitute(m, params), str(choice)) for choice in select["choice"]]
        how = "one or more" if select.get("how-many") == "one-or-more" else "one"
        return f"[Selection ({how}): {'; '.join(choices)}]"
    if param.get("label"):
        return f"[Assignment: {param['label']}]"
    return f"[{param.get('id', 'parameter')}]"


def _substitute(match: re.Match, params: dict[str, dict]) -> str:
    param = params.get(match.group(1))
    return _param_text(param, params) if param else f"[{match.group(1)}]"


def _prose(text: str, params: dict[str, dict] | None) -> str:
    text = " ".join(str(text).split())
    return _PARAM.sub(lambda match: _substitute(match, params), text) if params is not None else text


def _statement_lines(part: dict, params: dict[str, dict] | None, depth: int = 0) -> list[str]:
    lines = []
    label = _prop(part, "label")
    prose = _prose(part.get("prose") or "", params)
    if prose or label:
        lines.append(("  " * depth) + " ".join(item for item in (label, prose) if item))
    for child in part.get("parts") or []:
        if isinstance(child, dict) and child.get("name") in ("item", "statement"):
            lines.extend(_statement_lines(child, params, depth + 1 if (prose or label) else depth))
    return lines


def _statement(control: dict, params: dict[str, dict] | None) -> str:
    lines = []
    for part in control.get("parts") or []:
        if isinstance(part, dict) and part.get("name") == "statement":
            lines.extend(_statement_lines(part, params))
    return "\n".join(lines)


def _collect_params(node: dict, into: dict[str, dict]) -> None:
    for param in node.get("params") or []:
        if isinstance(param, dict) and param.get("id"):
            into[param["id"]] = param
    for key in ("groups", "controls"):
        for child in node.get(key) or []:
            if isinstance(child, dict):
                _collect_params(child, into)


def _control_node(control: dict, params: dict[str, dict] | None, where: str) -> CatalogueNode | None:
    if not isinstance(control, dict) or not control.get("id") or not control.get("title"):
        raise OscalError(gettext("%(where)s: a control without an id or a title.") % {"where": where})
    if (_prop(control, "status") or "").lower() == "withdrawn":
        return None
    label = _prop(control, "label")
    children = [
        node
        for node in (
            _control_node(child, params, f"{where}/{control['id']}") for child in control.get("controls") or []
        )
        if node is not None
    ]
    return CatalogueNode(
        ref=str(control["id"]),
        title=f"{label} {control['title']}" if label and label not in control["title"] else str(control["title"]),
        description=_statement(control, params),
        is_group=False,
        children=children,
    )


def _group_node(group: dict, params: dict[str, dict] | None, position: str) -> CatalogueNode:
    if not isinstance(group, dict) or not group.get("title"):
        raise OscalError(gettext("group %(position)s: a group without a title.") % {"position": position})
    ref = str(group.get("id") or f"group-{position}")
    children = [
        _group_node(child, params, f"{position}.{index}") for index, child in enumerate(group.get("groups") or [], 1)
    ]
    children += [
        node for node in (_control_node(control, params, ref) for control in group.get("controls") or []) if node
    ]
    return CatalogueNode(ref=ref, title=str(group["title"]), description="", is_group=True, children=children)


def oscal_catalogue_parse(
    *, raw: bytes, framework_id: str | None = None, substitute_params: bool = True, source_name: str = "catalog"
) -> Catalogue:
    """An OSCAL catalog JSON document as a Catalogue (raises OscalError with a message a person can act on)."""
    try:
        document = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise OscalError(
            gettext("%(source_name)s is not valid JSON (%(error)s).") % {"source_name": source_name, "error": error}
        ) from error
    catalog = document.get("catalog") if isinstance(document, dict) else None
    if not isinstance(catalog, dict):
        found = sorted(document)[:5] if isinstance(document, dict) else type(document).__name__
        raise OscalError(
            gettext("%(source_name)s is not an OSCAL catalog: no top-level 'catalog' object (found %(found)s).")
            % {"source_name": source_name, "found": found}
        )
    metadata = catalog.get("metadata")
    if not isinstance(metadata, dict) or not metadata.get("title") or not metadata.get("version"):
        raise OscalError(
            gettext("%(source_name)s: the catalog's metadata needs a title and a version.")
            % {"source_name": source_name}
        )
    if not catalog.get("groups") and not catalog.get("controls"):
        raise OscalError(
            gettext("%(source_name)s: the catalog has no groups and no controls.") % {"source_name": source_name}
        )
    params: dict[str, dict] | None = None
    if substitute_params:
        params = {}
        _collect_params(catalog, params)
    nodes = [_group_node(group, params, str(index)) for index, group in enumerate(catalog.get("groups") or [], 1)]
    nodes += [node for node in (_control_node(c, params, "catalog") for c in catalog.get("controls") or []) if node]
    identifier = framework_id or slugify(metadata["title"])[:64].strip("-")
    if not re.fullmatch(r"[-a-zA-Z0-9_]{1,64}", identifier or ""):
        raise OscalError(
            gettext("%(identifier)r is not a usable framework id (letters, digits, - and _, at most 64).")
            % {"identifier": identifier}
        )
    return Catalogue(
        id=identifier,
        name=str(metadata["title"])[:200],
        version=str(metadata["version"])[:64],
        source=FrameworkSource.OSCAL,
        description=f"Imported from OSCAL catalog {catalog.get('uuid', '')} ({metadata.get('last-modified', '')}).",
        nodes=nodes,
    )


def oscal_catalogue_read(path: Path, **options) -> Catalogue:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise OscalError(
            gettext("cannot read %(path)s: %(reason)s.") % {"path": path, "reason": error.strerror or error}
        ) from error
    return oscal_catalogue_parse(raw=raw, source_name=path.name, **options)


def count_controls(nodes: list[CatalogueNode]) -> int:
    return sum((0 if node.is_group else 1) + count_controls(node.children) for node in nodes)
