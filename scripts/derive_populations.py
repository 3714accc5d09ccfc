"""Derive ``data/official_populations.csv`` from @etalab/decoupage-administratif 2.3.1 (2022).

The official populations of 2022 (INSEE legal populations in the INSEE COG,
and the DGCL list of EPCI à fiscalité propre) come in the npm package
``@etalab/decoupage-administratif`` (MIT; register id DA22). Its JSON is
8.6 MB; civicstats ships only the small table this script derives from it.
The tests do not run this script (it needs the package); they run
:func:`derive` on a small fixture of the same JSON shape.

Reproduce (from the project root)::

    mkdir -p /tmp/da && cd /tmp/da && npm pack @etalab/decoupage-administratif@2.3.1 \
        && tar xzf etalab-decoupage-administratif-2.3.1.tgz && cd -
    .venv/bin/python scripts/derive_populations.py /tmp/da/package/data

What it writes (one row per collectivity, columns :data:`COLUMNS`; ``name`` is the package's ``nom``):

* every **commune** (``type`` "commune-actuelle") of at least 3,400
  inhabitants (the law's threshold is 3,500 in population totale; these are
  populations municipales, a little lower: the communes of 3,400–3,499 are
  those the bound may miss), and the smaller communes
  whose SIREN the shipped observatory export names (so that every commune of
  the export can be joined); the other ~31,000 small communes are counted,
  not listed, in ``data/commune_bands.csv`` (communes per département and
  population band, every size) so that shares of "all communes" stay possible;
* every **EPCI** à fiscalité propre (``code`` is its SIREN; population
  ``populationMunicipale``; its département and région are those holding most
  of its members' population);
* every **département** and **région** (no SIREN in the package: joined by
  INSEE code; population = the sum of their communes').

Populations are *populations municipales* (the package's ``population`` for
communes). Six communes have none (``population`` empty). A commune's
``former_codes`` are the INSEE codes of the communes merged into it
(``anciensCodes``): how the successor of a commune whose SIREN is gone is found.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
EXPORT = DATA / "raw" / "odf" / "ODF-Observatoire-organisations-221019.csv"
PACKAGE_VERSION = "2.3.1"
SOURCE = "DA22"
#: The law's population threshold (CRPA L312-1-1): collectivities under it are not concerned.
THRESHOLD = 3500
#: Communes from this population municipale up are listed too: the law reads the population totale, a little
#: higher (it adds the population counted apart), so a commune just under 3,500 here may be concerned.
NEAR_THRESHOLD = 3400
#: Population bands of communes: (code, lowest population, highest population or None).
BANDS = (("under_3500", 0, 3499), ("3500_9999", 3500, 9999), ("10k_19999", 10000, 19999),
         ("20k_49999", 20000, 49999), ("50k_99999", 50000, 99999), ("100k_plus", 100000, None))
COLUMNS = ("kind", "code", "name", "siren", "epci_type", "zone", "departement_code", "region_code", "population",
           "former_codes", "source")
COMMUNE_COLUMNS = ("code", "name", "siren", "epci_siren", "zone", "departement_code", "region_code", "population",
                   "source")
#: The zone of the overseas collectivities (Saint-Pierre-et-Miquelon… New Caledonia): not départements.
OVERSEAS_ZONE = "com"
BAND_COLUMNS = ("departement_code", "region_code", "zone", "band", "communes", "population", "source")


def band(population: int | None) -> str | None:
    """The population band code of a commune.

    >>> band(3499), band(3500), band(100000), band(None)
    ('under_3500', '3500_9999', '100k_plus', None)
    """
    if population is None:
        return None
    for code, low, high in BANDS:
        if population >= low and (high is None or population <= high):
            return code
    raise ValueError(population)


def derive(communes: list[dict], epci: list[dict], departements: list[dict], regions: list[dict],
           keep_sirens: set[str] = frozenset()) -> tuple[list[dict], list[dict]]:
    """The rows of ``official_populations`` and of ``commune_bands``, from the package's four JSON lists.

    ``keep_sirens``: SIRENs of communes under the threshold to list anyway.
    Pure: lists of dicts in, lists of dicts (text cells) out, sorted.
    """
    current = [c for c in communes if c.get("type") == "commune-actuelle"]
    by_code = {c["code"]: c for c in current}
    zone_of_dep = {d["code"]: d.get("zone", "") for d in departements}
    zone_of_reg = {r["code"]: r.get("zone", "") for r in regions}
    rows: list[dict] = []
    dep_pop: Counter = Counter()
    reg_pop: Counter = Counter()
    bands: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for c in current:
        pop = c.get("population")
        dep, reg = c.get("departement", ""), c.get("region", "")
        if pop is not None:
            dep_pop[dep] += pop
            reg_pop[reg] += pop
        cell = bands[(dep, reg, c.get("zone", ""), band(pop) or "unknown")]
        cell[0] += 1
        cell[1] += pop or 0
        if (pop is not None and pop >= NEAR_THRESHOLD) or c.get("siren") in keep_sirens:
            rows.append({"kind": "commune", "code": c["code"], "name": c["nom"], "siren": c.get("siren", ""),
                         "epci_type": "",
                         "zone": c.get("zone", ""), "departement_code": dep, "region_code": reg,
                         "population": "" if pop is None else str(pop),
                         "former_codes": ";".join(c.get("anciensCodes") or [])})
    for e in epci:
        weight: Counter = Counter()
        for m in e.get("membres", []):
            home = by_code.get(m.get("code"))
            if home is not None:
                weight[(home.get("departement", ""), home.get("region", ""), home.get("zone", ""))] += (
                    m.get("populationMunicipale") or 0) + 1
        (dep, reg, zone), _ = weight.most_common(1)[0] if weight else (("", "", ""), 0)
        pop = e.get("populationMunicipale")
        rows.append({"kind": "epci", "code": e["code"], "name": e["nom"], "siren": e["code"],
                     "epci_type": e.get("type", ""),
                     "zone": zone, "departement_code": dep, "region_code": reg,
                     "population": "" if pop is None else str(pop)})
    for d in departements:
        kind = "overseas_collectivity" if d.get("zone") == OVERSEAS_ZONE else "departement"
        rows.append({"kind": kind, "code": d["code"], "name": d["nom"], "siren": "", "epci_type": "",
                     "zone": d.get("zone", ""),
                     "departement_code": d["code"], "region_code": d.get("region", ""),
                     "population": str(dep_pop[d["code"]]) if d["code"] in dep_pop else ""})
    for r in regions:
        rows.append({"kind": "region", "code": r["code"], "name": r["nom"], "siren": "", "epci_type": "",
                     "zone": r.get("zone", ""),
                     "departement_code": "", "region_code": r["code"],
                     "population": str(reg_pop[r["code"]]) if r["code"] in reg_pop else ""})
    order = {"region": 0, "departement": 1, "overseas_collectivity": 2, "epci": 3, "commune": 4}
    rows.sort(key=lambda r: (order[r["kind"]], r["code"]))
    for r in rows:
        r["source"] = SOURCE
    band_rows = [{"departement_code": dep, "region_code": reg, "zone": zone or zone_of_dep.get(dep, zone_of_reg.get(reg, "")),
                  "band": b, "communes": str(n), "population": str(p), "source": SOURCE}
                 for (dep, reg, zone, b), (n, p) in sorted(bands.items())]
    return rows, band_rows


def derive_communes(communes: list[dict], epci: list[dict]) -> list[dict]:
    """The rows of ``communes``: every current commune with its name, codes, EPCI and population, by INSEE code.

    >>> rows = derive_communes([{"code": "05007", "nom": "Arvieux", "type": "commune-actuelle", "siren": "210500070",
    ...                          "zone": "metro", "departement": "05", "region": "93", "population": 344}],
    ...                        [{"code": "200067825", "membres": [{"code": "05007"}]}])
    >>> rows[0]["name"], rows[0]["epci_siren"], rows[0]["population"]
    ('Arvieux', '200067825', '344')
    """
    epci_of = {m["code"]: e["code"] for e in epci for m in e.get("membres", [])}
    rows = [{"code": c["code"], "name": c["nom"], "siren": c.get("siren", ""), "epci_siren": epci_of.get(c["code"], ""),
             "zone": c.get("zone", ""), "departement_code": c.get("departement", ""),
             "region_code": c.get("region", ""),
             "population": "" if c.get("population") is None else str(c["population"]), "source": SOURCE}
            for c in communes if c.get("type") == "commune-actuelle"]
    return sorted(rows, key=lambda r: r["code"])


def export_sirens(path: Path = EXPORT) -> set[str]:
    """SIRENs of the communes an observatory export names (cleaned, either layout)."""
    sys.path.insert(0, str(ROOT))
    from civicstats.readers.csv import read_csv
    from civicstats.derive import observatory_to_organisations

    table = observatory_to_organisations(read_csv(path)).frame
    return set(table.loc[table["type"] == "COM", "siren"])


def write_csv(path: Path, rows: list[dict], columns: tuple[str, ...]) -> int:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns), lineterminator="\n", restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path.stat().st_size


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    folder = Path(argv[0])
    version = json.loads((folder.parent / "package.json").read_text(encoding="utf-8")).get("version")
    if version != PACKAGE_VERSION:
        print(f"expected @etalab/decoupage-administratif {PACKAGE_VERSION}, found {version}")
        return 1
    load = lambda name: json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))  # noqa: E731
    rows, band_rows = derive(load("communes"), load("epci"), load("departements"), load("regions"),
                             keep_sirens=export_sirens())
    size = write_csv(DATA / "official_populations.csv", rows, COLUMNS)
    size_bands = write_csv(DATA / "commune_bands.csv", band_rows, BAND_COLUMNS)
    commune_rows = derive_communes(load("communes"), load("epci"))
    size_communes = write_csv(DATA / "communes.csv", commune_rows, COMMUNE_COLUMNS)
    print(f"official_populations.csv: {len(rows)} rows, {size:,} bytes; "
          f"commune_bands.csv: {len(band_rows)} rows, {size_bands:,} bytes; "
          f"communes.csv: {len(commune_rows)} rows, {size_communes:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
