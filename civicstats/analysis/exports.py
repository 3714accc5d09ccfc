"""Two observatory exports compared (their consistency rules: :mod:`civicstats.export_quality`).

:func:`compare` lists what changed between two exports' organisations:
added, removed, and changed field by field; a field that changes in most of
the organisations both list is flagged as a likely layout or export fault.

Changes are codes and values; sentences are made at the edge.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from civicstats.analysis import cited

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MOST", "compare", "compare_exports"]

#: A field that changes in more than this share of the organisations two exports share is a likely fault.
MOST = 0.5


def compare(old: pd.DataFrame, new: pd.DataFrame, key: str = "siren") -> pd.DataFrame:
    """What changed between two exports' organisations: one row per organisation added or removed, and per
    field changed (``change``: added, removed, changed; ``field``, ``old``, ``new``; ``likely_fault``: the field
    changes in most of the organisations both list).

    >>> import pandas as pd
    >>> old = pd.DataFrame({"siren": ["1", "2"], "name": ["A", "B"], "population": [10, 20]})
    >>> new = pd.DataFrame({"siren": ["2", "3"], "name": ["B", "C"], "population": [21, 30]})
    >>> c = compare(old, new)
    >>> c["change"].tolist(), c["siren"].tolist(), c["field"].dropna().tolist(), c["likely_fault"].tolist()
    (['added', 'removed', 'changed'], ['3', '1', '2'], ['population'], [False, False, True])
    """
    import pandas as pd

    old, new = old.drop_duplicates(key).set_index(key), new.drop_duplicates(key).set_index(key)
    rows = [("added", k, None, None, None) for k in sorted(new.index.difference(old.index))]
    rows += [("removed", k, None, None, None) for k in sorted(old.index.difference(new.index))]
    both = old.index.intersection(new.index).sort_values()
    faults = set()
    for field in [c for c in old.columns if c in new.columns]:
        before = old.loc[both, field].astype("string").fillna("")
        after = new.loc[both, field].astype("string").fillna("")
        changed = both[(before != after).to_numpy()]
        if len(both) and len(changed) > MOST * len(both):
            faults.add(field)
        rows += [("changed", k, field, before[k], after[k]) for k in changed]
    frame = pd.DataFrame(rows, columns=["change", key, "field", "old", "new"])
    frame["likely_fault"] = frame["field"].isin(faults)
    order = {"added": 0, "removed": 1, "changed": 2}
    return frame.sort_values(["change", key, "field"], key=lambda c: c.map(order) if c.name == "change" else c,
                             kind="stable", ignore_index=True)


def compare_exports(old: str | Path | pd.DataFrame, new: str | Path | pd.DataFrame) -> pd.DataFrame:
    """:func:`compare` two observatory exports, given as files (either layout) or as loaded
    ``open_data_organisations`` frames; the result's ``attrs`` name both.

    >>> from civicstats import paths
    >>> export = paths.DATA_DIR / "raw" / "odf" / "ODF-Observatoire-organisations-221019.csv"
    >>> compare_exports(export, export).empty
    True
    """
    import pandas as pd

    from civicstats.tables import load

    frames = []
    for given in (old, new):
        if isinstance(given, pd.DataFrame):
            frames.append(given)
        elif isinstance(given, (str, Path)):
            frames.append(load("open_data_organisations", given))
        else:
            raise TypeError(f"compare_exports takes a file or a DataFrame of organisations, not {type(given).__name__}")
    result = cited(compare(*frames), *frames)
    result.attrs.update(old=str(old) if not isinstance(old, pd.DataFrame) else old.attrs.get("origin", "a frame"),
                        new=str(new) if not isinstance(new, pd.DataFrame) else new.attrs.get("origin", "a frame"))
    return result
