"""Vendor gridstack.js (the dashboards' drag-and-resize grid, MIT) into static/vendor/gridstack/ from the npm
registry: one pinned version, checked against the registry's integrity hash (SHA-512, as in package-lock.json)
before anything is unpacked; served by us, never from a CDN.

Writes gridstack-all.js (the library, no dependencies), gridstack.min.css and the LICENSE beside them.
Idempotent: does nothing when the pinned version's files are already there. `make vendor-static` runs it
(after scripts/vendor_plotly.py). DBSBM_NPM_REGISTRY points at a mirror (default: the public registry).
"""

import base64
import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

NAME = "gridstack"
VERSION = "14.1.1"
# `npm view gridstack@14.1.1 dist.integrity`
INTEGRITY = "sha512-7oxosr/htheY2QCgONtyMt/lQAS0z/34aQpib7X/VEDTWsINIiJQ/aI7+yVAvoW1GI7BhRBlbo/gXlXhLM/LOg=="
FILES = {  # path in the package -> name in static/vendor/gridstack/
    "package/dist/gridstack-all.js": "gridstack-all.js",
    "package/dist/gridstack-all.js.LICENSE.txt": "gridstack-all.js.LICENSE.txt",
    "package/dist/gridstack.min.css": "gridstack.min.css",
    "package/LICENSE": "LICENSE",
}
TARGET = Path(__file__).resolve().parent.parent / "static" / "vendor" / NAME
STAMP = TARGET / "VERSION"


def tarball_url() -> str:
    registry = os.environ.get("DBSBM_NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")
    return f"{registry}/{NAME}/-/{NAME}-{VERSION}.tgz"


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def is_current() -> bool:
    return (
        STAMP.is_file()
        and STAMP.read_text().strip() == f"{VERSION} {INTEGRITY}"
        and all((TARGET / name).is_file() for name in FILES.values())
    )


def download(url: str) -> bytes:
    if not url.startswith("https://") and not url.startswith("http://"):
        raise ValueError(f"not an HTTP(S) registry URL: {url}")
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - the scheme is checked above
        return response.read()


def unpack(data: bytes) -> dict[str, bytes]:
    found = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            if member.name in FILES and member.isfile():
                found[FILES[member.name]] = archive.extractfile(member).read()
    missing = sorted(set(FILES.values()) - set(found))
    if missing:
        raise ValueError(f"{NAME}-{VERSION}.tgz lacks {', '.join(missing)}")
    return found


def main() -> int:
    if is_current():
        return 0
    url = tarball_url()
    try:
        data = download(url)
    except OSError as error:
        sys.stderr.write(f"could not download {url}: {error}\n")
        return 1
    if integrity_of(data) != INTEGRITY:
        sys.stderr.write(f"{url} does not match the pinned integrity {INTEGRITY}: nothing written\n")
        return 1
    TARGET.mkdir(parents=True, exist_ok=True)
    for name, content in unpack(data).items():
        (TARGET / name).write_bytes(content)
    STAMP.write_text(f"{VERSION} {INTEGRITY}\n")
    sys.stdout.write(f"vendored {NAME} {VERSION} into {TARGET}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
