"""An observatory export checked against itself: its consistency rules, on its raw text cells.

Columns are named as :mod:`civicstats.readers.observatory` folds them
(``nb_ptf``, ``url_ptf``, ``nb_datagouv``, ``url_datagouv``, ``siren``):

* a dataset count without its address, or an address without its count
  (``export.count-without-address``, ``export.address-without-count``);
* a count column whose values line up with the addresses only when shifted
  by one row (``export.shifted-column``): a fault of the export, named once
  instead of as hundreds of rows;
* a SIREN that appears on more than one row (``export.duplicated-siren``);
* a population (``pop-insee``) more than :data:`POPULATION_FACTOR` times above or below the official one
  (``export.population-contradicts-official``: :func:`population_findings`; Paris 27,501 for 2,145,906).

Findings are codes and numbers (rows as a person counts them in the file,
the header being row 1); :mod:`civicstats.derive` turns them into warnings.

>>> import pandas as pd
>>> raw = pd.DataFrame({"siren": ["1", "2", "3", "4"], "nb_ptf": ["", "3", "", "5"],
...                     "url_ptf": ["", "https://a", "", "https://b"]}, index=[2, 3, 4, 5])
>>> quality_findings(raw).empty
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COUNT_ADDRESS_PAIRS", "FINDING_COLUMNS", "POPULATION_FACTOR", "population_findings", "quality_findings",
           "shifted_by"]

#: (count column, address column) pairs of the export: platform and data.gouv.fr.
COUNT_ADDRESS_PAIRS = (("nb_ptf", "url_ptf"), ("nb_datagouv", "url_datagouv"))
#: The columns of a findings frame.
FINDING_COLUMNS = ["code", "column", "rows", "count", "shift", "value"]
#: The export's population is named when it is more than this many times above or below the official one.
POPULATION_FACTOR = 2
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
    return _shift(_filled(count).to_numpy(), _filled(address).to_numpy())


def _shift(has_count, has_address) -> int | None:
    """:func:`shifted_by` of the cells that hold something (two boolean arrays)."""
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
        has_count, has_address = _filled(raw[count]), _filled(raw[address])
        shift = _shift(has_count.to_numpy(), has_address.to_numpy())
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


def population_findings(export: pd.Series, official: pd.Series, factor: float = POPULATION_FACTOR) -> pd.DataFrame:
    """Rows whose export population is more than ``factor`` times above or below the official one (both known).

    ``export`` and ``official`` share an index (the export's rows). Columns: row, export, official.

    >>> import pandas as pd
    >>> population_findings(pd.Series([27501, 3600, None, 100]), pd.Series([2145906, 3500, 9000, 200]))
       row  export  official
    0    0   27501   2145906
    """
    import pandas as pd

    ratio = export.astype("Float64") / official.astype("Float64")
    far = ((ratio > factor) | (ratio < 1 / factor)).fillna(False).astype(bool)
    return pd.DataFrame({"row": export.index[far], "export": export[far].astype("Int64").to_numpy(),
                         "official": official[far].astype("Int64").to_numpy()})
