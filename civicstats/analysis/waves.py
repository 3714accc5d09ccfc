"""Change between survey waves: one row per level, one column per wave.

>>> import pandas as pd
>>> t = pd.DataFrame({"as_of": ["2018", "2018", "2026", "2026"],
...                   "level": ["region", "commune", "region", "commune"],
...                   "count": [9, 19, 12, 25], "source": ["S", "S", "S", "W26"]})
>>> wave_changes(t)
     level  2018  2026  change
0   region     9    12       3
1  commune    19    25    <NA>
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from civicstats.analysis import cited
from civicstats.errors import UsageError
from civicstats.naming import resolve

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Conflicts", "CONFLICTS", "waves", "wave_changes"]

Conflicts = Literal["error", "by_source", "min", "max"]
CONFLICTS = ("error", "by_source", "min", "max")


def waves(table: pd.DataFrame) -> list[str]:
    """The waves (``as_of`` values) of a table, oldest first."""
    return sorted({str(v) for v in table["as_of"].dropna()})


def wave_changes(table: pd.DataFrame, value: str = "count", levels: list[str] | None = None, *,
                 conflicts: Conflicts = "error") -> pd.DataFrame:
    """Counts per level for every wave, and the change from the first to the last.

    Levels keep the table's order. ``change`` is missing where a level is absent from the first or last wave,
    where those two figures share no source (they are not one series), or where one is a bound (« less than 8 % »).
    ``attrs["qualifiers"]`` holds each qualified cell's qualifier (« about 250 »), which :func:`civicstats.show`
    prints. ``conflicts``, for several rows (sources) giving a figure for one level and wave: ``"error"`` raises
    a ``ValueError`` naming them, ``"by_source"`` keeps one row per level and source, ``"min"``/``"max"`` keep the
    smaller/larger figure. ``levels`` keeps the levels named (any case; an unknown one raises
    :class:`~civicstats.errors.UnknownNameError`).
    """
    import pandas as pd

    if not isinstance(table, pd.DataFrame):
        raise UsageError(f"wave_changes() takes a table, not a {type(table).__name__}: "
                         + (f"pass cs.load({table!r})" if isinstance(table, str) else "pass a DataFrame"))
    if conflicts not in CONFLICTS:
        raise ValueError(f"conflicts must be one of {', '.join(CONFLICTS)}, not {conflicts!r}")
    rows = table[table[value].notna()]
    if levels is not None:  # each level named as the table names it (any case), else an error with the nearest
        known = [str(v) for v in dict.fromkeys(table["level"].dropna())]
        rows = rows[rows["level"].astype(str).isin([resolve(str(v), known, "level") for v in levels])]
    ordered = rows.sort_values("level", kind="stable") if isinstance(rows["level"].dtype, pd.CategoricalDtype) else rows
    order = list(dict.fromkeys(ordered["level"].astype(str)))
    flat = rows.assign(level=rows["level"].astype(str), as_of=rows["as_of"].astype(str))
    has_source = "source" in flat.columns
    if has_source:
        flat = flat.assign(source=flat["source"].astype(str))
    index = ["level"]
    if conflicts == "by_source":
        if not has_source:
            raise ValueError('conflicts="by_source" needs a source column')
        index = ["level", "source"]
    dup = flat[flat.duplicated(["level", "as_of"] + index[1:], keep=False)]
    if len(dup) and conflicts == "error":
        first = dup.iloc[0]
        same = dup[(dup["level"] == first["level"]) & (dup["as_of"] == first["as_of"])]
        named = same["source"] if has_source else ["?"] * len(same)
        given = ", ".join(f"{v} ({s})" for v, s in zip(same[value], named, strict=True))
        raise ValueError(f"{len(dup)} rows give a {value} for the same level and wave (e.g. {first['level']} "
                         f"{first['as_of']}: {given}); pass conflicts='by_source' to keep each source's row, or "
                         "'min'/'max' to choose")
    aggfunc = {"error": "sum", "by_source": "sum", "min": "min", "max": "max"}[conflicts]  # "sum" sees one row
    pivot = flat.pivot_table(index=index, columns="as_of", values=value, aggfunc=aggfunc)
    if conflicts == "by_source":
        pivot = pivot.reindex(sorted(pivot.index, key=lambda k: (order.index(k[0]), k[1])))
    else:
        pivot = pivot.reindex(order)
    pivot = pivot.astype("Int64")
    pivot.columns = [str(c) for c in pivot.columns]
    qualified = _qualifiers(flat, value, index, conflicts)
    if len(pivot.columns) > 1:
        first, last = pivot.columns[0], pivot.columns[-1]
        change = pivot[last] - pivot[first]
        if has_source and conflicts != "by_source":  # by source, a row is one source's series
            ids = {k: set(";".join(g).split(";")) for k, g in flat.groupby(["level", "as_of"])["source"]}
            change = change.where([bool(ids.get((k, first), set()) & ids.get((k, last), set())) for k in pivot.index])
        ends = [{qualified.get((k, first)), qualified.get((k, last))} - {None} for k in pivot.index]
        pivot["change"] = change.where([e <= {"about"} for e in ends])  # a change from a bound is no number
    out = pivot.reset_index()
    out.columns.name = None
    out.attrs["conflicts"] = conflicts
    if qualified:  # each qualified figure's qualifier; a change from an « about » figure is about as well
        grid = pd.DataFrame(None, index=out.index, columns=out.columns, dtype=object)
        for row, key in enumerate(pivot.index):
            for column in pivot.columns:
                if column == "change":
                    grid.iloc[row, out.columns.get_loc(column)] = "about" if ends[row] else None
                elif (key, column) in qualified:
                    grid.iloc[row, out.columns.get_loc(column)] = qualified[(key, column)]
        out.attrs["qualifiers"] = grid
    return cited(out, table)


def _qualifiers(flat: pd.DataFrame, value: str, index: list[str], conflicts: str) -> dict:
    """``{(row key, as_of): qualifier}`` of the figures a source qualifies (``<value>_qualifier``), exact ones left out."""
    bound = f"{value}_qualifier"
    if bound not in flat.columns:
        return {}
    rows = flat[flat[bound].notna() & ~flat[bound].astype(str).isin(["", "exact"])]
    if conflicts in ("min", "max"):  # the qualifier of the figure kept
        kept = flat.groupby(index + ["as_of"])[value].transform(conflicts)
        rows = rows[rows[value] == kept.loc[rows.index]]
    out = {}
    for rec in rows.to_dict("records"):
        key = tuple(rec[c] for c in index) if len(index) > 1 else rec[index[0]]
        out[(key, rec["as_of"])] = str(rec[bound])
    return out
