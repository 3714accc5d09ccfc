"""Write ``data/open_data_organisations.csv`` from the shipped observatory export.

The table is derived, not typed: :func:`civicstats.derive.organisations_csv`
reads ``data/raw/odf/ODF-Observatoire-organisations-221019.csv`` (October 2022
layout) exactly as ``cs.load(..., source=EXPORT)`` would, and a test checks the
shipped CSV is byte-identical to what this writes. Run after changing the
reader::

    .venv/bin/python scripts/derive_organisations.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPORT = ROOT / "data" / "raw" / "odf" / "ODF-Observatoire-organisations-221019.csv"
TARGET = ROOT / "data" / "open_data_organisations.csv"
#: Register id of the shipped export (FACTS.md: ODFX22).
SOURCE = "ODFX22"


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from civicstats.readers.csv import read_csv
    from civicstats.derive import organisations_csv

    TARGET.write_text(organisations_csv(read_csv(EXPORT), source=SOURCE), encoding="utf-8", newline="")
    print(f"{TARGET.name}: {TARGET.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
