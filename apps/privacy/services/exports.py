"""Access and portability: everything held about a member, read from the classification registry.

For every model the registry declares (apps.core.personal_data), the rows about the member and their
declared personal fields go into `<app_label>.<Model>.json` and `.csv` inside a zip, beside a
`manifest.json` listing each file with its SHA-256, size and row count. A new app that declares its
personal data is exported without a change here. The zip is sealed (AES-GCM under a key of its own,
kept on the `DataExport` row encrypted by the data key ring, see keyring.services.file_seal) and
written to the export storage; its SHA-256 is kept on the row, and the download checks both.
"""

import base64
import hashlib
import io
import json
import secrets
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Member
from apps.audit.services import audit_record
from apps.core.actors import Actor
from apps.core.csv_cells import csv_writer
from apps.core.errors import ApplicationError
from apps.core.personal_data import PersonalModel, personal_models
from apps.keyring.services import file_open, file_seal
from apps.privacy.models import DataExport, DataSubjectRequest
from apps.privacy.services.staff import request_staff_required

EXPORT_FORMAT = "dbsbm-data-subject-export/1"


def export_storage() -> FileSystemStorage:
    """Where export zips live: PRIVACY_EXPORT_DIR, else <DBSBM_DATA_DIR>/privacy-exports (never public)."""
    location = settings.PRIVACY_EXPORT_DIR or str(Path(settings.DATA_DIR) / "privacy-exports")
    return FileSystemStorage(location=location, base_url=None)


def _plain(value: Any) -> Any:
    """A JSON value for a field value (dates as ISO 8601, decimals as text, bytes as base64)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value if not isinstance(value, str) else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(item) for item in value]
    return str(value)


def export_columns(entry: PersonalModel) -> list[str]:
    """The columns of a model's files: its primary key, then its declared personal fields in model order."""
    model = entry.model
    order = {field.name: position for position, field in enumerate(model._meta.get_fields())}
    personal = sorted(entry.fields, key=lambda name: (order.get(name, len(order)), name))
    primary = model._meta.pk.name
    return [primary, *(name for name in personal if name != primary)]


def _value(instance: models.Model, name: str) -> Any:
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist:  # a declared property rather than a field
        return _plain(getattr(instance, name))
    if getattr(field, "concrete", False):
        # ForeignKeys export the id they hold rather than the whole related row
        return _plain(getattr(instance, field.attname))
    related = getattr(instance, name)
    if hasattr(related, "all"):
        return [item.pk for item in related.all()]
    return _plain(related)


def _csv_bytes(columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv_writer(buffer)  # a member wrote some of these values: no formulas
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            ["" if row[name] is None else json.dumps(row[name]) if isinstance(row[name], dict | list) else row[name]
             for name in columns]
        )  # fmt: skip
    return buffer.getvalue().encode()


def member_export_files(*, member: Member) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The files of a member's export (name → bytes), and the manifest describing them."""
    files: dict[str, bytes] = {}
    described = []
    for entry in personal_models():
        columns = export_columns(entry)
        rows = [
            {name: _value(instance, name) for name in columns}
            for instance in entry.rows_about(member).order_by(entry.model._meta.pk.name)
        ]
        for extension, content in (
            ("json", json.dumps({"model": entry.model_label, "fields": columns, "rows": rows}, indent=2).encode()),
            ("csv", _csv_bytes(columns, rows)),
        ):
            name = f"{entry.model_label}.{extension}"
            files[name] = content
            described.append(
                {
                    "name": name,
                    "model": entry.model_label,
                    "kind": entry.kind,
                    "fields": columns,
                    "rows": len(rows),
                    "bytes": len(content),
                    "sha256": hashlib.sha256(content).hexdigest(),
                }
            )
    manifest = {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now().isoformat(),
        "subject": {"guild_id": member.tenant.guild_id, "discord_user_id": member.discord_user_id},
        "files": described,
    }
    return files, manifest


def export_zip(files: dict[str, bytes], manifest: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        for name in sorted(files):
            archive.writestr(name, files[name])
    return buffer.getvalue()


def request_export(*, request: DataSubjectRequest, actor: Actor) -> DataExport:
    """Write the zip of an access or portability request and record it (called inside its transaction)."""
    files, manifest = member_export_files(member=request.member)
    manifest["request_id"] = request.pk
    content = export_zip(files, manifest)
    digest = hashlib.sha256(content).hexdigest()
    name = f"requests/{request.pk}/export-{timezone.now():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.zip.sealed"
    sealed, file_key = file_seal(content, context=_file_context(request.pk, digest))
    stored = export_storage().save(name, ContentFile(sealed))
    return DataExport.objects.create(
        request=request,
        file_name=stored,
        file_key=file_key,
        sha256=digest,
        size_bytes=len(content),
        # the person's ids stay inside the zip: the database row names the request only
        manifest={key: value for key, value in manifest.items() if key != "subject"},
        created_by=actor.label[:150],
    )


def _file_context(request_id: int, sha256: str) -> str:
    """What a sealed export file is bound to: its request and its content (a file swapped in from
    another export does not open)."""
    return f"privacy.DataExport request {request_id} sha256 {sha256}"


def export_download(*, export: DataExport, actor: Actor) -> bytes:
    """The zip of an export for a staff person (never an API key), checked against its SHA-256; audited."""
    request_staff_required(actor=actor, doing="Downloading a data-subject export", request_id=export.request_id)
    try:
        with export_storage().open(export.file_name, "rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        raise ApplicationError(
            _("The file of export #%(pk)s is gone; produce a new export.") % {"pk": export.pk},
            code="export_missing",
            status_code=409,
        ) from None
    if export.file_key:
        try:
            context = _file_context(export.request_id, export.sha256)
            content = file_open(content, file_key=export.file_key, context=context)
        except ApplicationError:  # altered, truncated or moved: the hash check below says what to do
            content = b""
    if hashlib.sha256(content).hexdigest() != export.sha256:
        raise ApplicationError(
            _("Export #%(pk)s no longer matches its SHA-256; produce a new export.") % {"pk": export.pk},
            code="export_corrupted",
            status_code=409,
        )
    with transaction.atomic():
        DataExport.objects.filter(pk=export.pk).update(downloaded_count=F("downloaded_count") + 1)
        audit_record(
            actor=actor,
            action="privacy.export_downloaded",
            target=export,
            guild_id=export.request.tenant.guild_id,
            changes={"sha256": export.sha256, "bytes": export.size_bytes},
        )
    return content
