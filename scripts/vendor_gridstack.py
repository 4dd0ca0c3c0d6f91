"""Vendor gridstack.js (the dashboards' drag-and-resize grid, MIT) into static/vendor/gridstack/ from the npm
registry: one pinned version, checked against the registry's integrity hash (SHA-512, as in package-lock.json)
before anything is unpacked; served by us, never from a CDN (scripts/npm_vendor.py does the work).

Writes gridstack-all.js (the library, no dependencies), gridstack.min.css and the LICENSE beside them.
Idempotent: does nothing when the pinned version's files are already there. `make vendor-static` runs it
(after scripts/vendor_plotly.py). DBSBM_NPM_REGISTRY points at a mirror (default: the public registry).
"""

import sys

from npm_vendor import REPO, NpmPackage, vendor

GRIDSTACK = NpmPackage(
    name="gridstack",
    version="14.1.1",
    # `npm view gridstack@14.1.1 dist.integrity`
    integrity="sha512-7oxosr/htheY2QCgONtyMt/lQAS0z/34aQpib7X/VEDTWsINIiJQ/aI7+yVAvoW1GI7BhRBlbo/gXlXhLM/LOg==",
    files={  # path in the package -> name in static/vendor/gridstack/
        "package/dist/gridstack-all.js": "gridstack-all.js",
        "package/dist/gridstack-all.js.LICENSE.txt": "gridstack-all.js.LICENSE.txt",
        "package/dist/gridstack.min.css": "gridstack.min.css",
        "package/LICENSE": "LICENSE",
    },
    target=REPO / "static" / "vendor" / "gridstack",
)

if __name__ == "__main__":
    sys.exit(vendor(GRIDSTACK))
