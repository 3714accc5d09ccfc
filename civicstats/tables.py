"""Loading tables: pick a reader, validate, return a typed DataFrame.

:func:`load` is the one door through which data enters a notebook. It reads
the shipped data package by default, or the same table from another file or
folder, and validates it against the table's schema every time.

>>> budgets = load("participatory_budgets")
>>> budgets.loc[budgets["year"] == 2017, ["count", "source"]].to_dict("records")
[{'count': 47, 'source': 'BEZ'}, {'count': 67, 'source': 'NL;LOC'}]
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from civicstats import paths
from civicstats.errors import DataError, Problem
from civicstats.schema import spec, table_names, validate

if TYPE_CHECKING:
    import pandas as pd

    from civicstats.readers import RawTable

#: Tables whose counts must not exceed the official count of their level.
BOUNDED_BY_OFFICIAL = ("civictech_adoption", "open_data_adopters")
#: Text files read as CSV; workbooks are read by the workbook reader.
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}

Source = str | Path | None


def read_raw(name: str, source: Source = None) -> RawTable:
    """Table ``name`` as raw text cells, from the shipped data or ``source``."""
    from civicstats.readers.csv import read_csv

    table = spec(name)
    if source is None:
        return read_csv(paths.DATA_DIR / table.path)
    path = Path(source)
    if path.is_dir():
        candidate = path / table.path
        if not candidate.exists():
            raise DataError([Problem(str(path), None, None, None, None,
                                     f"no file {table.path} in this folder (tables are read from files named after them)")])
        return read_csv(candidate)
    if not path.exists():
        raise DataError([Problem(str(path), None, None, None, None, "no such file or folder")])
    if path.suffix.lower() in XLSX_SUFFIXES:
        from civicstats.readers.xlsx import read_sheet

        return read_sheet(path, name)
    return read_csv(path)


def _has_table(name: str, source: Source) -> bool:
    if source is None:
        return True
    path = Path(source)
    if path.is_dir():
        return (path / spec(name).path).exists()
    if path.suffix.lower() in XLSX_SUFFIXES:
        from civicstats.readers.xlsx import sheet_names

        try:
            return name in sheet_names(path)
        except DataError:
            return False
    return False


def source_ids(source: Source = None) -> set[str]:
    """Ids of the source register: the shipped one, plus ``source``'s own."""
    ids = set(_load_shipped("sources")["id"])
    if source is not None and _has_table("sources", source):
        ids |= set(load("sources", source)["id"])
    return ids


def official_limits(source: Source = None) -> dict[str, int]:
    """For each level, the largest official count of collectivities of that level.

    >>> official_limits()["region"]
    18
    """
    levels = _load_shipped("levels")
    universe = _load_shipped("collectivity_universe")
    if source is not None and _has_table("collectivity_universe", source):
        import pandas as pd

        universe = pd.concat([universe, load("collectivity_universe", source)], ignore_index=True)
    largest = universe.groupby(universe["level"].astype(str))["count"].max()
    limits: dict[str, int] = {}
    for level, official in zip(levels["level"].astype(str), levels["official_level"].astype("object")):
        if isinstance(official, str) and official in largest.index:
            limits[level] = int(largest[official])
    return limits


def _validate(raw: RawTable, name: str, source: Source) -> pd.DataFrame:
    ids = None if name in ("sources", "levels") else source_ids(source)
    official = official_limits(source) if name in BOUNDED_BY_OFFICIAL else None
    return validate(raw.frame, name, raw.origin, source_ids=ids, official=official)


@cache
def _load_shipped(name: str) -> pd.DataFrame:
    return _validate(read_raw(name), name, None)


def load(name: str, source: Source = None) -> pd.DataFrame:
    """Table ``name`` as a validated DataFrame with meaningful dtypes.

    ``source=None`` reads the shipped data package; a path reads the same
    table from a CSV file, a folder of CSV files named after the tables, or a
    workbook. Raises :class:`~civicstats.errors.DataError` listing every
    problem (file, sheet, row, column, value, rule) when the data is invalid.

    >>> load("civictech_adoption")["level"].cat.ordered
    True
    >>> int(load("civictech_adoption")["count"].sum())
    156
    """
    spec(name)  # unknown names fail here, with the list of tables
    if source is None:
        return _load_shipped(name).copy()
    return _validate(read_raw(name, source), name, source)


def datasets() -> pd.DataFrame:
    """One row per table of the data package: name, title, rows, sources.

    >>> d = datasets().set_index("name")
    >>> int(d.loc["civictech_adoption", "rows"])
    7
    """
    import pandas as pd

    rows = []
    for name in table_names():
        t = load(name)
        cited = sorted({i for cell in t["source"].dropna() for i in str(cell).split(";")}) if "source" in t else []
        rows.append({"name": name, "title": spec(name).title, "rows": len(t), "sources": ";".join(cited)})
    return pd.DataFrame(rows)


def sources() -> pd.DataFrame:
    """The source register: id, title, publisher, date, url."""
    return load("sources")
