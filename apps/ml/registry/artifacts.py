"""Estimators as bytes: skops (never pickle), a SHA-256 over the bytes, loading only the types trusted by an
explicit allowlist, and a small in-process cache of loaded estimators keyed by that SHA-256.

skops refuses, at load time, any type outside skops' own defaults (scikit-learn, numpy, scipy) and the list
passed as `trusted`; we pass exactly settings.ML_ARTIFACT_TRUSTED_TYPES plus what model kinds registered with
`artifact_types_trust`, never "whatever the file names". A file naming any other type is refused before a
single object of it is built."""

import hashlib
import threading
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.ml.training import artifact_trusted_types


class ArtifactRefused(ApplicationError):
    """The artifact names a type nobody trusted (or is not a skops file): nothing was loaded."""

    status_code = 409
    code = "artifact_refused"


def _skops_io():
    """skops.io, imported on first use: its import lists every scikit-learn type it trusts (about 2.5 s of CPU),
    which every process would otherwise pay at start (each `manage.py` command, the server, the workers)."""
    import skops.io  # noqa: PLC0415

    return skops.io


def artifact_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def artifact_dump(estimator: Any) -> bytes:
    """The estimator as skops bytes."""
    return _skops_io().dumps(estimator)


def allowed_types() -> frozenset[str]:
    return frozenset(settings.ML_ARTIFACT_TRUSTED_TYPES) | artifact_trusted_types()


def artifact_load(data: bytes) -> Any:
    """The estimator stored in skops bytes, built only from trusted types (ArtifactRefused otherwise)."""
    try:
        untrusted = _skops_io().get_untrusted_types(data=data)
    except Exception as error:  # a truncated or foreign file: zip or schema errors of any kind
        raise ArtifactRefused(
            _("The artifact is not a readable skops file (%(name)s).") % {"name": type(error).__name__}
        ) from error
    refused = sorted(set(untrusted) - allowed_types())
    if refused:
        raise ArtifactRefused(
            _(
                "The artifact contains types nobody trusted: %(refused)s. Add them to ML_ARTIFACT_TRUSTED_TYPES (or "
                "artifact_types_trust) only if their code is this project's."
            )
            % {"refused": ", ".join(refused)}
        )
    return _skops_io().loads(data, trusted=list(untrusted))


class LoadedCache:
    """The last few loaded estimators by SHA-256 (the bytes were verified before they got here)."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sha256: str) -> Any | None:
        with self._lock:
            estimator = self._items.get(sha256)
            if estimator is not None:
                self._items.move_to_end(sha256)
            return estimator

    def put(self, sha256: str, estimator: Any) -> None:
        with self._lock:
            self._items[sha256] = estimator
            self._items.move_to_end(sha256)
            while len(self._items) > max(1, settings.ML_LOADED_MODELS_CACHED):
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


loaded_estimators = LoadedCache()
