"""Change between survey waves: one row per level, one column per wave.

>>> import pandas as pd
>>> t = pd.DataFrame({"as_of": ["2018", "2018", "2026", "2026"],
...                   "level": ["region", "commune", "region", "commune"],
...                   "count": [9, 19, 12, 25]})
>>> wave_changes(t)
     level  2018  2026  change
0   region     9    12       3
1  commune    19    25       6
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def waves(table: pd.DataFrame) -> list[str]:
    """The waves (``as_of`` values) of a table, oldest first."""
    return sorted({str(v) for v in table["as_of"].dropna()})


def wave_changes(table: pd.DataFrame, value: str = "count", levels: list[str] | None = None) -> pd.DataFrame:
    """Counts per level for every wave, and the change from the first to the last.

    Levels keep the table's order (ordered categoricals stay in their order).
    ``change`` is missing where a level is absent from the first or last wave.
    """
    import pandas as pd

    rows = table[table[value].notna()]
    if levels is not None:
        rows = rows[rows["level"].astype(str).isin(levels)]
    ordered = rows.sort_values("level", kind="stable") if isinstance(rows["level"].dtype, pd.CategoricalDtype) else rows
    order = list(dict.fromkeys(ordered["level"].astype(str)))
    pivot = (rows.assign(level=rows["level"].astype(str), as_of=rows["as_of"].astype(str))
             .pivot_table(index="level", columns="as_of", values=value, aggfunc="first")
             .reindex(order))
    pivot = pivot.astype("Int64")
    pivot.columns = [str(c) for c in pivot.columns]
    if len(pivot.columns) > 1:
        pivot["change"] = pivot[pivot.columns[-1]] - pivot[pivot.columns[0]]
    out = pivot.reset_index()
    out.columns.name = None
    return out
