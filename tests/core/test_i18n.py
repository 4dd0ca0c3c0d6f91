"""Languages (issue 17 §7): the Spanish catalogue is complete and compiled, every marked string is in it, no portal
template shows unmarked text, the API answers in the client's Accept-Language with its error codes unchanged (the
portal's language switch: tests/portal/test_language_switch.py).

Needs GNU gettext (`msgfmt`, `xgettext`): `make gettext` installs it, and `make test` depends on it."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from tests.api.helpers import assert_error

ROOT = Path(settings.BASE_DIR)
CATALOGUES = ROOT / "locale" / "es" / "LC_MESSAGES"
DOMAINS = ("django", "djangojs")
# what `make messages` reads (apps, templates, the portal's scripts; never tests, vendored scripts or the venv)
SOURCES = ("apps", "dbsbm", "templates", "static")
IGNORED = ("static/vendor/*", "tests/*", "*/tests/*")


def _msgfmt() -> str:
    found = shutil.which("msgfmt")
    if found is None:
        pytest.fail("GNU gettext is missing: run `make gettext` (apt-get install gettext)")
    return found


def _entries(path: Path) -> dict[tuple[str, str | None], list[str]]:
    """{(msgid, msgid_plural): [msgstr, ...]} of a .po file, with '#, fuzzy' entries keyed under 'FUZZY'."""
    entries: dict = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        key = None
        fuzzy = False
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            match = re.match(r'^(msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                key = match.group(1)
                fields[key] = match.group(2)
            elif line.startswith('"') and key:
                fields[key] += line[1:-1]
        if "msgid" not in fields or not fields["msgid"]:
            continue  # the header
        strings = [value for name, value in fields.items() if name.startswith("msgstr")]
        entries[(fields["msgid"], fields.get("msgid_plural"))] = ["FUZZY"] if fuzzy else strings
    return entries


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_spanish_catalogue_translates_every_entry_without_fuzzy_ones(domain):
    po = CATALOGUES / f"{domain}.po"
    entries = _entries(po)
    assert entries, f"{po} has no entries"

    untranslated = [msgid for (msgid, _), strings in entries.items() if not all(strings) or strings == ["FUZZY"]]
    checked = subprocess.run(
        [_msgfmt(), "--check", "--statistics", "-o", os.devnull, str(po)], capture_output=True, text=True
    )

    assert untranslated == []
    assert checked.returncode == 0, checked.stderr  # placeholders (python-format) agree, the header is sound
    assert "fuzzy" not in checked.stderr and "untranslated" not in checked.stderr, checked.stderr


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_committed_mo_files_are_compiled_from_the_po_files(domain, tmp_path):
    """`make run` serves Spanish without gettext: the committed .mo must match its .po."""
    fresh = tmp_path / f"{domain}.mo"
    subprocess.run([_msgfmt(), "--check-format", "-o", str(fresh), str(CATALOGUES / f"{domain}.po")], check=True)

    assert (CATALOGUES / f"{domain}.mo").read_bytes() == fresh.read_bytes(), "run `make messages` and commit"


def test_every_marked_string_is_in_the_spanish_catalogue(tmp_path, monkeypatch):
    """makemessages over the sources (into a scratch locale dir) finds no msgid the committed catalogue lacks:
    a string marked without a translation fails here (fix: `make messages`, translate the new entries)."""
    _msgfmt()
    for name in SOURCES:
        (tmp_path / name).symlink_to(ROOT / name)
    (tmp_path / "locale").mkdir()
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[str(tmp_path / "locale")]):
        for domain in DOMAINS:
            call_command(
                "makemessages", locale=["es"], domain=domain, symlinks=True, ignore_patterns=list(IGNORED),
                no_location=True, verbosity=0,
            )  # fmt: skip

    missing = {}
    for domain in DOMAINS:
        found = set(_entries(tmp_path / "locale" / "es" / "LC_MESSAGES" / f"{domain}.po"))
        committed = set(_entries(CATALOGUES / f"{domain}.po"))
        missing[domain] = sorted(msgid for msgid, _ in found - committed)
    assert missing == {"django": [], "djangojs": []}


# text a template may show untranslated: names, formats, units
UNTRANSLATED_WORDS = re.compile(r"\b(?:CSV|XLSX|PDF|DBSBM|JSON|SHA-256|MASE|sMAPE)(?![\w-])")
SKIPPED_BLOCKS = re.compile(
    r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|\{#.*?#\}|<(script|style|pre|code)\b.*?</\1>"
    r"|\{%\s*blocktranslate\b.*?\{%\s*endblocktranslate\s*%\}|\{%\s*block body_class\s*%\}.*?\{%\s*endblock\s*%\}",
    re.S,
)
TAGS = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
VISIBLE_ATTRIBUTES = re.compile(r'\b(?:aria-label|title|placeholder|alt)="([^"]*)"')


def _unmarked(source: str) -> list[str]:
    source = SKIPPED_BLOCKS.sub(" ", source)
    attributes = [value for value in VISIBLE_ATTRIBUTES.findall(source) if "{%" not in value]
    source = re.sub(r"<[^<>]*>", " ", TAGS.sub(" ", source))  # tags and attributes gone: the text nodes stay
    candidates = [*attributes, *source.split("\n")]
    words = (re.sub(r"\{\{.*?\}\}", " ", text).strip() for text in candidates)
    return [text for text in words if re.search(r"[A-Za-z]{2}", UNTRANSLATED_WORDS.sub(" ", text))]


def test_portal_templates_show_no_text_outside_translate_tags():
    """A heuristic over the text nodes and the visible attributes: new unmarked text fails here."""
    templates = [*sorted((ROOT / "templates" / "portal").rglob("*.html"))]
    templates += [ROOT / "templates" / "core" / "home.html", ROOT / "templates" / "403.html"]

    found = {str(path.relative_to(ROOT)): unmarked for path in templates if (unmarked := _unmarked(path.read_text()))}

    assert found == {}


def test_the_heuristic_sees_unmarked_text_and_attributes():
    assert _unmarked('<p>Hello {{ name }}</p><a title="Open it">{% translate "Fine" %}</a>') == ["Open it", "Hello"]
    assert _unmarked("<p>{% blocktranslate %}Hi {{ name }}{% endblocktranslate %} <code>x.y</code> CSV</p>") == []


@pytest.mark.django_db
def test_an_api_400_follows_accept_language_and_keeps_its_code(tenant, make_key, client_with_key):
    _, secret = make_key(["bets:read"], tenant=tenant)
    client = client_with_key(secret)
    url = f"/api/v1/tenants/{tenant.guild_id}/analytics/query/?metrics=bogus"

    english = assert_error(client.get(url), 400, "invalid_query", {"metrics"})
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
    spanish = assert_error(response, 400, "invalid_query", {"metrics"})

    assert english["message"].startswith("Unknown metric bogus: allowed are ")
    assert spanish["message"].startswith("Métrica desconocida bogus: las permitidas son ")
    assert spanish["fields"]["metrics"] == [spanish["message"]]
    assert response["Content-Language"] == "es"
    assert "Accept-Language" in response["Vary"]


@pytest.mark.django_db
def test_api_authentication_errors_follow_accept_language(client_with_key):
    client = client_with_key("not-a-real-key")

    body = assert_error(client.get("/api/v1/tenants/", HTTP_ACCEPT_LANGUAGE="es"), 401, "authentication_failed")

    assert body["message"] == "Clave de API no válida."


def test_the_rate_limit_message_is_translated_when_it_is_built():
    from apps.core.api.throttling import ApiKeyRateThrottle  # noqa: PLC0415

    with translation.override("es"):
        assert ApiKeyRateThrottle.message.format(limit=60) == "Esta clave de API ya usó sus 60 llamadas de este minuto."
    assert ApiKeyRateThrottle.message.format(limit=60) == "This API key has used its 60 calls of this minute."
