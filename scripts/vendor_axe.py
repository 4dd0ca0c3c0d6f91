"""Vendor axe-core (Deque's accessibility rules engine, MPL-2.0) into tests/e2e/assets/axe-core/ from the npm
registry: one pinned version, checked against the registry's integrity hash (SHA-512) before anything is
unpacked (scripts/npm_vendor.py does the work).

A test asset only: tests/e2e/test_accessibility.py injects axe.min.js into every portal page it opens. It lives
outside static/, so the portal never serves it to users, and it is fetched rather than committed (like the
other vendored files; the LICENSE is written beside it). `make test-assets` runs it, and `make test` depends on
that. DBSBM_NPM_REGISTRY points at a mirror (default: the public registry).
"""

import sys

from npm_vendor import REPO, NpmPackage, vendor

AXE_CORE = NpmPackage(
    name="axe-core",
    version="4.14.1",
    # `npm view axe-core@4.14.1 dist.integrity`
    integrity="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
    files={  # path in the package -> name in tests/e2e/assets/axe-core/
        "package/axe.min.js": "axe.min.js",
        "package/LICENSE": "LICENSE",
    },
    target=REPO / "tests" / "e2e" / "assets" / "axe-core",
)

if __name__ == "__main__":
    sys.exit(vendor(AXE_CORE))
