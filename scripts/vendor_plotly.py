"""Copy plotly.js from the installed plotly package into static/vendor/ (served by us, never a CDN).

Idempotent: copies only when the file is missing or differs. `make setup` and `make lint` run it.
"""

import filecmp
import shutil
import sys
from pathlib import Path

import plotly

SOURCE = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
TARGET = Path(__file__).resolve().parent.parent / "static" / "vendor" / "plotly.min.js"


def main() -> int:
    if not SOURCE.is_file():
        sys.stderr.write(f"plotly.min.js not found in the plotly package ({SOURCE})\n")
        return 1
    if TARGET.is_file() and filecmp.cmp(SOURCE, TARGET, shallow=False):
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, TARGET)
    sys.stdout.write(f"copied plotly.js {plotly.__version__} to {TARGET}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
