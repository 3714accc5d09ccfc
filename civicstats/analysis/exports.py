"""An observatory export checked against itself, and two exports compared.

:func:`quality_findings` runs the export's own consistency rules on its raw
text cells (columns named as :mod:`civicstats.readers.observatory` folds them:
``nb_ptf``, ``url_ptf``, ``nb_datagouv``, ``url_datagouv``, ``siren``):

* a dataset count without its address, or an address without its count
  (``export.count-without-address``, ``export.address-without-count``);
* a count column whose values line up with the addresses only when shifted
  by one row (``export.shifted-column``): a fault of the export, named once
  instead of as hundreds of rows;
* a SIREN that appears on more than one row (``export.duplicated-siren``).

:func:`compare` lists what changed between two exports' organisations:
added, removed, and changed field by field; a field that changes in most of
the organisations both list is flagged as a likely layout or export fault.

Findings are codes and numbers (rows as a person counts them in the file,
the header being row 1); sentences are made at the edge.

>>> import pandas as pd
>>> raw = pd.DataFrame({"siren": ["1", "2", "3", "4"], "nb_ptf": ["", "3", "", "5"],
...                     "url_ptf": ["", "https://a", "", "https://b"]}, index=[2, 3, 4, 5])
>>> quality_findings(raw).empty
True
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COUNT_ADDRESS_PAIRS", "FINDING_COLUMNS", "MOST", "compare", "compare_exports", "quality_findings",
           "shifted_by"]

#: (count column, address column) pairs of the export: platform and data.gouv.fr.
COUNT_ADDRESS_PAIRS = (("nb_ptf", "url_ptf"), ("nb_datagouv", "url_datagouv"))
#: The columns of a findings frame.
FINDING_COLUMNS = ["code", "column", "rows", "count", "shift", "value"]
#: A field that changes in more than this share of the organisations two exports share is a likely fault.
MOST = 0.5
#: A column is named shifted when shifting it leaves at most this share of its mismatches...
SHIFT_LEFT = 0.1
#: ... and it had at least this many (a handful of mismatches is data, not a shift).
SHIFT_MINIMUM = 10


def _filled(column: pd.Series) -> pd.Series:
    """Cells that hold something (a count of 0 says "none", like a blank)."""
    text = column.fillna("").astype(str).str.strip()
    return (text != "") & (text != "0")


def shifted_by(count: pd.Series, address: pd.Series) -> int | None:
    """The shift (+1 or −1 rows) that lines ``count`` up with ``address``, if one does and none is needed.

    >>> import pandas as pd
    >>> address = pd.Series(["u", "", "", "u"] * 6)
    >>> shifted_by(address.shift(1, fill_value=""), address), shifted_by(address, address)
    (-1, None)
    """
    has_count, has_address = _filled(count).to_numpy(), _filled(address).to_numpy()
    before = int((has_count != has_address).sum())
    if before < SHIFT_MINIMUM:
        return None
    for shift in (-1, 1):
        moved = has_count[1:] if shift == -1 else has_count[:-1]
        against = has_address[:-1] if shift == -1 else has_address[1:]
        if int((moved != against).sum()) <= SHIFT_LEFT * before:
            return shift
    return None


def quality_findings(raw: pd.DataFrame) -> pd.DataFrame:
    """The export's consistency findings: one row per rule broken (code, column, rows, count, shift, value)."""
    import pandas as pd

    found = []
    for count, address in COUNT_ADDRESS_PAIRS:
        if count not in raw.columns or address not in raw.columns:
            continue
        shift = shifted_by(raw[count], raw[address])
        has_count, has_address = _filled(raw[count]), _filled(raw[address])
        if shift is not None:
            rows = list(raw.index[has_count != has_address])
            found.append(("export.shifted-column", count, rows, len(rows), shift, address))
            continue
        for code, rows in (("export.count-without-address", raw.index[has_count & ~has_address]),
                           ("export.address-without-count", raw.index[has_address & ~has_count])):
            if len(rows):
                found.append((code, count if code.endswith("address") else address, list(rows), len(rows), None,
                              address if code.endswith("address") else count))
    if "siren" in raw.columns:
        siren = raw["siren"].fillna("").astype(str).str.strip()
        repeated = siren[(siren != "") & siren.duplicated(keep=False)]
        for value, rows in repeated.groupby(repeated, sort=True).groups.items():
            found.append(("export.duplicated-siren", "siren", list(rows), len(rows), None, value))
    return pd.DataFrame(found, columns=FINDING_COLUMNS)


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
    result = compare(*frames)
    result.attrs = {"old": str(old) if not isinstance(old, pd.DataFrame) else old.attrs.get("origin", "a frame"),
                    "new": str(new) if not isinstance(new, pd.DataFrame) else new.attrs.get("origin", "a frame")}
    return result
