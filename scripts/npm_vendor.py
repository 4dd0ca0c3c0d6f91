"""Vendor files of one npm package from the npm registry: one pinned version, checked against the registry's
integrity hash (SHA-512, as in package-lock.json) before anything is unpacked; served or used from our own
files, never from a CDN. Shared by scripts/vendor_gridstack.py (static/vendor/) and scripts/vendor_axe.py (the
browser tests' assets).

Idempotent: does nothing when the pinned version's files are already there (a VERSION stamp beside them).
DBSBM_NPM_REGISTRY points at a mirror (default: the public registry).
"""

import base64
import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class NpmPackage:
    name: str
    version: str
    integrity: str  # `npm view <name>@<version> dist.integrity`
    files: dict[str, str]  # path in the package tarball -> name in target
    target: Path

    @property
    def stamp(self) -> Path:
        return self.target / "VERSION"

    def tarball_url(self) -> str:
        registry = os.environ.get("DBSBM_NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")
        return f"{registry}/{self.name}/-/{self.name}-{self.version}.tgz"

    def is_current(self) -> bool:
        return (
            self.stamp.is_file()
            and self.stamp.read_text().strip() == f"{self.version} {self.integrity}"
            and all((self.target / name).is_file() for name in self.files.values())
        )


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def download(url: str) -> bytes:
    if not url.startswith("https://") and not url.startswith("http://"):
        raise ValueError(f"not an HTTP(S) registry URL: {url}")
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - the scheme is checked above
        return response.read()


def unpack(package: NpmPackage, data: bytes) -> dict[str, bytes]:
    found = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            if member.name in package.files and member.isfile():
                found[package.files[member.name]] = archive.extractfile(member).read()
    missing = sorted(set(package.files.values()) - set(found))
    if missing:
        raise ValueError(f"{package.name}-{package.version}.tgz lacks {', '.join(missing)}")
    return found


def vendor(package: NpmPackage) -> int:
    """Download, verify and unpack `package` into its target unless it is already there; an exit status."""
    if package.is_current():
        return 0
    url = package.tarball_url()
    try:
        data = download(url)
    except OSError as error:
        sys.stderr.write(f"could not download {url}: {error}\n")
        return 1
    if integrity_of(data) != package.integrity:
        sys.stderr.write(f"{url} does not match the pinned integrity {package.integrity}: nothing written\n")
        return 1
    package.target.mkdir(parents=True, exist_ok=True)
    for name, content in unpack(package, data).items():
        (package.target / name).write_bytes(content)
    package.stamp.write_text(f"{package.version} {package.integrity}\n")
    sys.stdout.write(f"vendored {package.name} {package.version} into {package.target}\n")
    return 0
