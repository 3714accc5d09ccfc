"""Write a synthetic responses table at national scale, and the counts it holds.

Every commune, EPCI, département and région of 1 January 2018 answers (the
official counts of ``data/collectivity_universe.csv``: 35,357 communes, 1,263
EPCI of which 21 métropoles, 101 départements, 18 régions: 36,739 rows), with
plausible populations (communes heavy-tailed: most under 5,000, about 40 over
100,000, and one commune on each side of each band boundary), seeded yes/no
answers written in the spellings analysts use (oui, Yes, x, 1, blank…), fake
unique 9-digit SIRENs and names like "Commune 00001". Deterministic given the
seed. The data is synthetic: its rows cite the source id ``SYNTH``, which a
workbook written here registers in its ``sources`` sheet (a CSV file has no
register of its own: check it next to a ``sources.csv`` that has ``SYNTH``).

The expected counts are computed here with plain Python from the answers as
drawn, independently of :mod:`civicstats.responses`, so a test can
check that the aggregation reproduces them.

    python scripts/make_national_responses.py OUT.xlsx|OUT.csv [--rows N] [--seed S]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from civicstats import paths
from civicstats.readers.responses import CATEGORIES, RESPONSES_COLUMNS

SOURCE_ID = "SYNTH"
SOURCE_ROW = (SOURCE_ID, "Synthetic national-scale survey responses (scripts/make_national_responses.py)",
              "civicstats", "", "")
#: Spellings of yes and no, as analysts type them (a blank no is the most common).
YES_SPELLINGS = ("yes", "Yes", "oui", "OUI", "Oui", "x", "X", "1", "y", "true", "TRUE")
NO_SPELLINGS = ("", "", "", "", "no", "non", "Non", "N", "0", "false")
#: Probability of a yes, per survey level and category (order of CATEGORIES).
YES_PROBABILITY = {
    "region": (0.30, 0.10, 0.05, 0.20, 0.03, 0.65),
    "departement": (0.06, 0.02, 0.02, 0.05, 0.005, 0.35),
    "metropole": (0.50, 0.20, 0.35, 0.30, 0.03, 0.80),
    "ville_plus_100k": (0.15, 0.05, 0.10, 0.08, 0.02, 0.55),
    "ville_5k_100k": (0.015, 0.004, 0.01, 0.007, 0.002, 0.08),
    "commune_moins_5k": (0.0001, 0.00005, 0.0003, 0.00005, 0.0001, 0.002),
    "intercommunalite": (0.003, 0.001, 0.002, 0.0005, 0.0005, 0.04),
}
#: Example tools per category (civictech_tools), written in the tools column.
TOOLS = ("Decidim", "Carticipe", "TellMyCity", "Cap Collectif", "Collecticity", "OpenDataSoft")
NAMES = {"commune": "Commune", "intercommunalite": "Intercommunalité", "metropole": "Métropole",
         "departement": "Département", "region": "Région"}
#: Share of communes of 5,000 or more, and over 100,000 (about 1,900 and 42 of 35,357).
MID_SHARE, BIG_SHARE = 1_900 / 35_357, 42 / 35_357


@dataclass
class NationalResponses:
    """Generated responses (text cells, header :data:`RESPONSES_COLUMNS`) and the counts they hold."""

    rows: list[tuple]
    adoption: dict[tuple[str, str], int]
    category_use: dict[tuple[str, str, str], int]
    respondents: dict[tuple[str, str], int]

    def frame(self, first_row: int = 2):
        """The rows as a DataFrame of text cells indexed by row number (a reader's output)."""
        import pandas as pd

        frame = pd.DataFrame([[str(v) for v in row] for row in self.rows], columns=list(RESPONSES_COLUMNS), dtype="str")
        frame.index = pd.RangeIndex(first_row, first_row + len(frame))
        return frame


def official_counts(as_of: str = "2018-01-01") -> dict[str, int]:
    """Rows per responses level, from the official counts (EPCI split into métropoles and the others)."""
    with open(paths.DATA_DIR / "collectivity_universe.csv", encoding="utf-8", newline="") as f:
        counts = {r["level"]: int(r["count"]) for r in csv.DictReader(f) if r["as_of"] == as_of}
    return {"commune": counts["commune"], "intercommunalite": counts["epci"] - counts["metropole"],
            "metropole": counts["metropole"], "departement": counts["departement"], "region": counts["region"]}


def _allocate(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Split ``total`` rows across levels in proportion to ``weights`` (largest remainders, at least 1 each)."""
    whole = sum(weights.values())
    if total == whole:
        return dict(weights)
    exact = {k: total * w / whole for k, w in weights.items()}
    alloc = {k: max(1, int(v)) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: exact[k] - int(exact[k]), reverse=True)[: max(0, total - sum(alloc.values()))]:
        alloc[k] += 1
    return alloc


def _commune_populations(rng, n: int):
    """Heavy-tailed populations: mostly small, a band of towns, a few large cities; boundaries included."""
    import numpy as np

    n_big = max(1, round(n * BIG_SHARE)) if n >= 10 else 0
    n_mid = max(3, round(n * MID_SHARE)) if n >= 10 else 0
    n_small = n - n_big - n_mid
    small = np.exp(rng.normal(np.log(420), 1.05, n_small))
    while (over := (small >= 5_000) | (small < 1)).any():
        small[over] = np.exp(rng.normal(np.log(420), 1.05, int(over.sum())))
    a, b, alpha = 5_000, 100_000, 1.1          # truncated Pareto on [5,000, 100,000)
    u = rng.random(n_mid)
    mid = a / (1 - u * (1 - (a / b) ** alpha)) ** (1 / alpha)
    big = np.minimum(100_001 + 100_000 * rng.pareto(1.2, n_big), 2_200_000)
    pops = np.concatenate([np.floor(small), np.minimum(np.floor(mid), b - 1), np.floor(big)]).astype(np.int64)
    if n_small and n_mid >= 3 and n_big:
        pops[0], pops[n_small], pops[n_small + 1], pops[n_small + n_mid] = 4_999, 5_000, 100_000, 100_001
    return pops[rng.permutation(n)]


def _other_populations(rng, level: str, n: int):
    import numpy as np

    median, sigma = {"intercommunalite": (25_000, 0.9), "metropole": (600_000, 0.5),
                     "departement": (550_000, 0.7), "region": (3_000_000, 0.6)}[level]
    pops = np.floor(np.exp(rng.normal(np.log(median), sigma, n))).astype(np.int64)
    blank = rng.random(n) < 0.2             # population is optional outside communes
    return [("" if b else int(p)) for p, b in zip(pops, blank)]


def _band(level: str, population) -> str:
    """The survey level, written independently of the library (plain comparisons)."""
    if level != "commune":
        return level
    if population < 5_000:
        return "commune_moins_5k"
    if population <= 100_000:
        return "ville_5k_100k"
    return "ville_plus_100k"


def generate(rows: int | None = None, seed: int = 0, as_of: str = "2026") -> NationalResponses:
    """Synthetic responses for every collectivity of 2018 (or ``rows`` rows in the same proportions)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    counts = official_counts()
    alloc = _allocate(rows if rows is not None else sum(counts.values()), counts)
    total = sum(alloc.values())
    sirens = rng.choice(100_000_000, size=total, replace=False) + 200_000_000

    levels: list[str] = []
    populations: list = []
    for level in ("region", "departement", "metropole", "intercommunalite", "commune"):
        n = alloc[level]
        levels += [level] * n
        populations += list(_commune_populations(rng, n)) if level == "commune" else _other_populations(rng, level, n)
    bands = [_band(lvl, pop) for lvl, pop in zip(levels, populations)]

    draws = rng.random((total, len(CATEGORIES)))
    probability = np.array([YES_PROBABILITY[b] for b in bands])
    answers = draws < probability
    yes_pick = rng.integers(0, len(YES_SPELLINGS), size=answers.shape)
    no_pick = rng.integers(0, len(NO_SPELLINGS), size=answers.shape)

    out: list[tuple] = []
    adoption: Counter = Counter()
    category_use: Counter = Counter()
    respondents: Counter = Counter()
    numbering: Counter = Counter()
    for i in range(total):
        level, band = levels[i], bands[i]
        numbering[level] += 1
        width = 5 if level == "commune" else 4 if level == "intercommunalite" else 3 if level == "departement" else 2
        yes = [bool(v) for v in answers[i]]
        cells = [YES_SPELLINGS[yes_pick[i, j]] if yes[j] else NO_SPELLINGS[no_pick[i, j]] for j in range(len(CATEGORIES))]
        tools = "; ".join(TOOLS[j] for j in range(len(CATEGORIES)) if yes[j])
        out.append((as_of, str(int(sirens[i])), f"{NAMES[level]} {numbering[level]:0{width}d}", level,
                    "" if populations[i] == "" else int(populations[i]), *cells, tools, SOURCE_ID))
        respondents[(as_of, band)] += 1
        # the survey's count: any participation tool, open data (the last category) excluded
        adoption[(as_of, band)] += any(yes[:-1])
        for j, category in enumerate(CATEGORIES):
            category_use[(as_of, band, category)] += yes[j]
    order = rng.permutation(total)
    return NationalResponses([out[k] for k in order], dict(adoption), dict(category_use), dict(respondents))


def write(responses: NationalResponses, path: str | Path) -> Path:
    """Write the rows to ``path``: a CSV file, or a workbook with a ``responses`` and a ``sources`` sheet."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(RESPONSES_COLUMNS)
            writer.writerows(responses.rows)
        return path
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"write a .csv or an .xlsx file, not {path.name}")
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("responses")
    ws.append(list(RESPONSES_COLUMNS))
    for row in responses.rows:
        ws.append([int(row[0]) if str(row[0]).isdigit() else row[0], *row[1:]])
    sources = wb.create_sheet("sources")
    sources.append(["id", "title", "publisher", "date", "url"])
    sources.append(list(SOURCE_ROW))
    wb.save(path)
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", help="file to write: .xlsx or .csv")
    p.add_argument("--rows", type=int, default=None,
                   help="number of rows, in the proportions of 2018 (default: every collectivity of 2018); more rows "
                        "than collectivities exist is for timing only: counts may exceed the official numbers")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = p.parse_args(argv)
    start = time.perf_counter()
    responses = generate(args.rows, args.seed)
    path = write(responses, args.out)
    users = sum(responses.adoption.values())
    print(f"wrote {path}: {len(responses.rows):,} responses, {users:,} using civic tech (open data excluded), "
          f"in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
