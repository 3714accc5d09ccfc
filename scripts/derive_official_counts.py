"""Derive same-scope official counts of collectivities from @etalab/decoupage-administratif.

The 2018 survey counts collectivities by population band (communes under
5,000, 5,000–100,000, over 100,000) and intercommunalités without the
métropoles. No source gives official counts of those scopes for 2018, so the
project uses the nearest year published as data: the npm package
``@etalab/decoupage-administratif`` 0.7.x (INSEE COG 2019, INSEE legal
populations, DGCL list of EPCI 2019; MIT), source id DA19.

This script is run by hand, never by the tests (they check its logic on a
tiny fixture of the same JSON shape)::

    tmp=$(mktemp -d) && (cd "$tmp" && npm pack @etalab/decoupage-administratif@0.7.0 && tar xzf *.tgz)
    python scripts/derive_official_counts.py "$tmp/package" --write data/collectivity_universe.csv

It replaces the rows of ``collectivity_universe.csv`` whose source is DA19
with freshly derived ones and leaves every other row as it is. Without
``--write`` it prints the derived rows.

Rules (each row's note repeats them):

- communes: current communes only (``type`` "commune-actuelle"; delegated and
  associated communes and municipal arrondissements are not communes), of
  metropolitan France and the five overseas départements and régions: the
  package also lists as communes those of the overseas collectivities and
  territories (INSEE codes 975, 977, 978 and 98x: Saint-Pierre-et-Miquelon,
  Saint-Barthélemy, Saint-Martin, the TAAF, Wallis-et-Futuna, French
  Polynesia, New Caledonia, Clipperton), which the official count of communes
  (34,970 on 1 Jan 2019, APVF19) does not hold; they are left out (the note
  says how many). A commune without a population in the package is counted
  in no band (the note says how many);
- bands on the legal population: under 5,000 (< 5,000), 5,000–100,000
  (5,000 ≤ p ≤ 100,000), over 100,000 (> 100,000);
- EPCI à fiscalité propre: types METRO, CU, CA, CC (the Métropole de Lyon,
  type MET69, is a collectivité à statut particulier, not an EPCI);
  intercommunalités without métropoles: CU, CA, CC. The 2019 total of EPCI
  (1,258, the same as the package's METRO+CU+CA+CC) is already in the table
  from APVF19, so it is not derived again (one row per date and level).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

SOURCE = "DA19"
AS_OF = "2019-01-01"
VERSION = "0.7.0"
COLUMNS = ["as_of", "level", "count", "source", "note"]

#: survey level → inclusive population bounds (None: no bound)
BANDS = {
    "commune_moins_5k": (None, 4_999),
    "ville_5k_100k": (5_000, 100_000),
    "ville_plus_100k": (100_001, None),
}
#: INSEE code prefixes of the overseas collectivities and territories (not in the official count of communes)
OVERSEAS_COLLECTIVITIES = ("975", "977", "978", "98")
#: level → EPCI types it counts
EPCI_TYPES = {
    "intercommunalite": ("CU", "CA", "CC"),
    "metropole": ("METRO",),
    "communaute_urbaine": ("CU",),
    "communaute_agglomeration": ("CA",),
    "communaute_communes": ("CC",),
}


def derive(communes: list[dict], epci: list[dict], *, as_of: str = AS_OF, source: str = SOURCE,
           version: str = VERSION) -> list[dict]:
    """Rows of ``collectivity_universe`` (as_of, level, count, source, note) from the package's JSON."""
    actual = [c for c in communes if c.get("type", "commune-actuelle") == "commune-actuelle"]
    current = [c for c in actual if not str(c.get("code", "")).startswith(OVERSEAS_COLLECTIVITIES)]
    overseas = len(actual) - len(current)
    unknown = sum(1 for c in current if c.get("population") is None)
    origin = f"derived from @etalab/decoupage-administratif {version} by scripts/derive_official_counts.py"
    rows = []
    for level, (low, high) in BANDS.items():
        n = sum(1 for c in current if c.get("population") is not None
                and (low is None or c["population"] >= low) and (high is None or c["population"] <= high))
        bounds = (f"population {low if low is not None else 0:,}–{high:,}" if high is not None
                  else f"population over {low - 1:,}")
        rows.append({"as_of": as_of, "level": level, "count": n, "source": source,
                     "note": f"current communes, legal {bounds}; {unknown} without population in the package, "
                             f"counted in no band; the {overseas} communes of overseas collectivities (INSEE codes "
                             f"975, 977, 978, 98x) left out; {origin}"})
    for level, types in EPCI_TYPES.items():
        n = sum(1 for e in epci if e.get("type") in types)
        rows.append({"as_of": as_of, "level": level, "count": n, "source": source,
                     "note": f"EPCI à fiscalité propre of type {'/'.join(types)} (Métropole de Lyon not counted); "
                             f"{origin}"})
    return rows


def merge(existing_csv: str, rows: list[dict], source: str = SOURCE) -> str:
    """``existing_csv`` with its rows of ``source`` replaced by ``rows`` (other rows kept, in order)."""
    reader = csv.DictReader(io.StringIO(existing_csv))
    kept = [r for r in reader if r["source"] != source]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames or COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(kept)
    writer.writerows({k: r.get(k, "") for k in (reader.fieldnames or COLUMNS)} for r in rows)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the unpacked npm package folder (holding data/communes.json)")
    parser.add_argument("--write", type=Path, help="collectivity_universe.csv to update in place")
    args = parser.parse_args(argv)
    data = args.package / "data"
    meta = json.loads((args.package / "package.json").read_text(encoding="utf-8"))
    rows = derive(json.loads((data / "communes.json").read_text(encoding="utf-8")),
                  json.loads((data / "epci.json").read_text(encoding="utf-8")), version=meta["version"])
    if args.write:
        args.write.write_text(merge(args.write.read_text(encoding="utf-8"), rows), encoding="utf-8")
    else:
        for r in rows:
            print(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
