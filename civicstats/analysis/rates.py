"""Adoption rates: counts divided by a universe the caller names.

A share only means something with its denominator, and the sources offer
three: the official counts of collectivities (``collectivity_universe``), the
survey's own denominators (the ``universe`` column of ``civictech_adoption``,
from older data), and the collectivities concerned by the open-data law (the
``concerned`` column of ``open_data_adopters``). The result names the one used
on every row.

>>> r = adoption_rates("civictech_adoption", denominator="official")
>>> r.loc[r["level"] == "region", ["count", "universe", "share"]].round(2).to_dict("records")
[{'count': 9, 'universe': 18, 'share': 0.5}]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from civicstats.tables import Source, load

if TYPE_CHECKING:
    import pandas as pd

Denominator = Literal["official", "survey", "law"]
DENOMINATORS: dict[str, str] = {
    "official": "official count of collectivities of this level (collectivity_universe)",
    "survey": "the survey's own denominator (universe column, older data)",
    "law": "collectivities concerned by the open-data obligation (concerned column)",
}
COLUMNS = ["as_of", "level", "count", "universe", "share", "denominator",
           "universe_as_of", "universe_source", "universe_note", "source"]


def _date_key(as_of: str) -> str:
    """An ISO partial date padded so that string order is date order."""
    return (str(as_of) + "-12-31")[:10] if len(str(as_of)) == 4 else (str(as_of) + "-31")[:10]


def _official(counts: pd.DataFrame, source: Source) -> pd.DataFrame:
    import pandas as pd

    table = load("levels")
    table = table.set_index(table["level"].astype(str))
    notes, levels = table["note"], table["official_level"]
    universe = load("collectivity_universe", source)  # the shipped one when source has none
    universe = universe.assign(level=universe["level"].astype(str), key=universe["as_of"].map(_date_key))
    rows = []
    for rec in counts.itertuples(index=False):
        level = str(rec.level)
        official = levels.get(level)
        match = universe[universe["level"] == official] if isinstance(official, str) else universe.iloc[0:0]
        if len(match):
            before = match[match["key"] <= _date_key(rec.as_of)]
            pick = (before if len(before) else match).sort_values("key").iloc[-1 if len(before) else 0]
            rows.append((int(pick["count"]), pick["as_of"], pick["source"], notes.get(level)))
        else:
            rows.append((pd.NA, pd.NA, pd.NA, notes.get(level) if isinstance(notes.get(level), str) else "no official count of this level in the sources"))
    extra = pd.DataFrame(rows, columns=["universe", "universe_as_of", "universe_source", "universe_note"], index=counts.index)
    return counts.drop(columns=[c for c in ("universe",) if c in counts]).join(extra)


def adoption_rates(
    table: str = "civictech_adoption",
    denominator: Denominator = "official",
    *,
    as_of: str | None = None,
    source: Source = None,
) -> pd.DataFrame:
    """Counts of ``table`` joined to a universe, with the share of adopters.

    ``denominator`` is ``"official"`` (official counts, the closest earlier
    date), ``"survey"`` (the survey's own universe, ``civictech_adoption``
    only) or ``"law"`` (collectivities concerned by the open-data obligation,
    ``open_data_adopters`` only). ``share`` is a fraction (0–1), missing where
    there is no universe; ``denominator`` and ``universe_source`` say where the
    universe comes from.

    >>> r = adoption_rates("open_data_adopters", denominator="law")
    >>> r.loc[r["as_of"] == "2019-10", ["count", "universe", "share"]].round(3).to_dict("records")
    [{'count': 460, 'universe': 4510, 'share': 0.102}]
    >>> adoption_rates("participatory_budgets")
    Traceback (most recent call last):
    ValueError: adoption_rates works on civictech_adoption or open_data_adopters, not 'participatory_budgets'
    """
    import pandas as pd

    if table not in ("civictech_adoption", "open_data_adopters"):
        raise ValueError(f"adoption_rates works on civictech_adoption or open_data_adopters, not {table!r}")
    if denominator not in DENOMINATORS:
        raise ValueError(f"denominator must be one of {', '.join(DENOMINATORS)}, not {denominator!r}")
    counts = load(table, source)
    if as_of is not None:
        counts = counts[counts["as_of"] == as_of]
    counts = counts[counts["count"].notna()].copy()

    if denominator == "survey":
        if table != "civictech_adoption":
            raise ValueError("the survey's own denominators exist only for civictech_adoption")
        out = counts.assign(universe_as_of=pd.NA, universe_source=counts["source"],
                            universe_note=pd.NA)
    elif denominator == "law":
        if table != "open_data_adopters":
            raise ValueError("the number of collectivities concerned by the law exists only for open_data_adopters")
        counts = counts[counts["concerned"].notna()]
        out = counts.assign(universe=counts["concerned"], universe_as_of=counts["as_of"],
                            universe_source=counts["source"],
                            universe_note=counts["concerned_bound"].astype("object").map(
                                lambda b: "approximate (« about »)" if b == "about" else pd.NA))
    else:
        out = _official(counts, source)
    out["universe"] = out["universe"].astype("Int64")
    out["count"] = out["count"].astype("Int64")
    share = out["count"].astype("Float64") / out["universe"].astype("Float64")
    out["share"] = share.astype("float64")
    out["denominator"] = DENOMINATORS[denominator]
    for c in ("universe_as_of", "universe_source", "universe_note"):
        out[c] = out[c].astype("string")
    return out[COLUMNS].reset_index(drop=True)
