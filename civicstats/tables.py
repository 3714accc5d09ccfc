"""Loading tables: pick a reader, validate, return a typed DataFrame.

:func:`load` is the one door through which data enters a notebook. It reads
the shipped data package by default, or the same table from another file or
folder, and validates it against the table's schema every time.

>>> budgets = load("participatory_budgets")
>>> budgets.loc[budgets["year"] == 2017, ["count", "source"]].to_dict("records")
[{'count': 47, 'source': 'BEZ'}, {'count': 67, 'source': 'NL;LOC'}]
"""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from civicstats import paths
from civicstats.errors import DataError, Problem
from civicstats.schema import sort_problems, spec, table_names, validate

if TYPE_CHECKING:
    import pandas as pd

    from civicstats.readers import RawTable

#: Tables whose counts must not exceed the official count of their level.
BOUNDED_BY_OFFICIAL = ("civictech_adoption", "open_data_adopters")
#: Text files read as CSV; workbooks are read by the workbook reader.
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}

Source = str | Path | None


#: Where per-collectivity survey answers are read from: a workbook's sheet, a
#: folder's CSV file, or a CSV file with their header. They add the waves
#: they hold to ``civictech_adoption``.
RESPONSES = "responses"


def read_csv_cached(path: Path) -> RawTable:
    """A CSV file read once per version of the file (a check or a build asks many times)."""
    from civicstats.readers import max_csv_bytes
    from civicstats.readers.csv import read_csv

    st = path.stat()
    key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns, max_csv_bytes())
    cached = _csv_cache.pop(key, None)
    if cached is None:
        cached = read_csv(path)
    _csv_cache[key] = cached  # most recent last
    while len(_csv_cache) > _CSV_KEPT:
        del _csv_cache[next(iter(_csv_cache))]
    return type(cached)(cached.frame.copy(deep=False), cached.origin, list(cached.problems), set(cached.covered))


_csv_cache: dict[tuple, RawTable] = {}
_CSV_KEPT = 16


def csv_holds(path: str | Path) -> str | None:
    """The table a CSV file adds rows to by its header, whatever its name.

    ``"open_data_adopters"`` for an OpenDataFrance observatory export,
    ``"civictech_adoption"`` for survey responses (one row per collectivity),
    ``None`` for anything else.
    """
    from civicstats.readers.observatory import is_observatory
    from civicstats.readers.responses import CATEGORIES

    columns = [str(c).strip().lower() for c in read_csv_cached(Path(path)).frame.columns]
    if is_observatory(columns):
        return "open_data_adopters"
    if {"as_of", "siren", "level", *CATEGORIES} <= set(columns):
        return "civictech_adoption"
    return None


def combine(parts: list[RawTable], name: str | None = None) -> RawTable:
    """Rows of several raw tables as one raw table, every row keeping its place.

    The first part keeps its row numbers as keys; the rows of the others get
    new keys after them, and the first part's :class:`~civicstats.schema.Origin`
    maps each new key to the file, sheet and row it came from
    (``Origin.locations``), so that a problem in a combined table is still
    located where a person can fix it. Columns are the union of the parts'.
    When the first part's header is wrong for table ``name`` it is returned
    alone: its header problems come first, and are clearer without the rows
    of the others.
    """
    import pandas as pd

    from civicstats.readers import RawTable
    from civicstats.schema import Origin, check_header

    first, rest = parts[0], [p for p in parts[1:] if not p.frame.empty]
    if not rest or not first.frame.columns.is_unique:
        return first
    if name is not None and check_header(first.frame, spec(name), first.origin):
        return first
    columns = list(dict.fromkeys([*first.frame.columns, *(c for p in rest for c in p.frame.columns)]))
    locations = dict(first.origin.locations or {})
    letters = {place: names for part in parts for place, names in (part.origin.letters or {}).items()}
    frames = [first.frame.reindex(columns=columns, fill_value="")]
    problems, covered = list(first.problems), set(first.covered)
    key = max([int(k) for k in first.frame.index] + [first.origin.header_row]) + 1
    for part in rest:
        keys = range(key, key + len(part.frame))
        for k, row in zip(keys, part.frame.index):
            locations[k] = part.origin.locate(int(row))
        frames.append(part.frame.reindex(columns=columns, fill_value="").set_axis(keys))
        problems += part.problems
        covered |= part.covered
        key += len(part.frame)
    origin = Origin(first.origin.file, first.origin.sheet, first.origin.header_row, locations, letters or None)
    return RawTable(pd.concat(frames).astype("str"), origin, problems, covered)


def _shipped_raw(name: str) -> RawTable:
    from civicstats.readers.csv import read_csv

    return read_csv(paths.DATA_DIR / spec(name).path)


def read_raw(name: str, source: Source = None) -> RawTable:
    """Table ``name`` as raw text cells, from the shipped data or ``source``.

    ``source`` is a workbook (the sheet named ``name``), a folder (the CSV
    file named after the table) or a CSV file (read as table ``name``, unless
    its name is another table's). A source that lacks the table gives the
    shipped table. Rows computed from the source are added to the table they
    belong to: survey responses (a ``responses`` sheet, a folder's
    ``responses.csv``, a CSV file of responses) add their waves to
    ``civictech_adoption``; an OpenDataFrance observatory export (a CSV file)
    adds its wave to ``open_data_adopters``.
    """
    spec(name)
    if source is None:
        return _shipped_raw(name)
    path = Path(source)
    own: RawTable | None = None
    derived: list = []  # functions computing rows of this table from the source
    if path.is_dir():
        candidate = path / spec(name).path
        if candidate.exists():
            own = read_csv_cached(candidate)
        if name == "civictech_adoption" and (path / f"{RESPONSES}.csv").exists():
            derived.append(lambda: _from_responses(read_csv_cached(path / f"{RESPONSES}.csv"), source))
    elif not path.exists():
        raise DataError([Problem(str(path), None, None, None, None, "no such file or folder")])
    elif path.suffix.lower() in XLSX_SUFFIXES:
        from civicstats.readers.xlsx import read_sheet, renamed_problem, renamed_sheets, sheet_names

        sheets = sheet_names(path)
        renamed = renamed_sheets(path)
        lost = [t for t in (name, *([RESPONSES] if name == "civictech_adoption" else [])) if t in renamed]
        if lost:  # the person's rows are in a sheet that is not read: the shipped table would silently replace them
            raise DataError([renamed_problem(path, t, renamed[t]) for t in lost])
        if name in sheets:
            own = read_sheet(path, name)
        if name == "civictech_adoption" and RESPONSES in sheets:
            derived.append(lambda: _from_responses(read_sheet(path, RESPONSES), source))
    elif path.stem in table_names() and path.stem != name:
        pass  # a CSV file of another table
    else:
        holds = csv_holds(path)
        if holds is None:
            own = read_csv_cached(path)
        elif holds == "open_data_adopters" and name == "open_data_organisations":  # orgs: the export IS this table
            from civicstats.readers.observatory import observatory_to_organisations

            own = observatory_to_organisations(read_csv_cached(path))
        elif holds == name == "open_data_adopters":
            from civicstats.readers.observatory import observatory_to_open_data

            derived.append(lambda: observatory_to_open_data(read_csv_cached(path)))
        elif holds == name == "civictech_adoption":
            derived.append(lambda: _from_responses(read_csv_cached(path), source))
    parts, failed = [own if own is not None else _shipped_raw(name)], []
    for compute in derived:
        try:
            parts.append(compute())
        except DataError as exc:  # reported with the table's own problems, not instead of them
            failed += exc.problems
    combined = combine(parts, name)
    if failed:
        combined = dataclasses.replace(combined, problems=[*combined.problems, *failed])
    return combined


def _from_responses(raw: RawTable, source: Source) -> RawTable:
    """``civictech_adoption`` rows computed from responses (none from an empty sheet)."""
    from civicstats.readers import RawTable
    from civicstats.readers.responses import responses_to_adoption

    if raw.frame.empty and not raw.problems:
        return RawTable(raw.frame.iloc[0:0, 0:0], raw.origin)
    if raw.problems:  # a formula or merged cells in the responses: reported, located, with the others
        raise DataError(_validated_problems(raw, lambda: responses_to_adoption(raw, source_ids=source_ids(source))))
    return responses_to_adoption(raw, source_ids=source_ids(source))


def _validated_problems(raw: RawTable, run) -> list[Problem]:
    """The reader's problems and those ``run`` raises, without reporting a covered cell twice.

    A cell the reader already reported (a formula, merged cells) is not
    reported again, nor are the problems of its whole row (a duplicate key
    made of a formula's blank, say): they follow from it.
    """
    try:
        run()
        found: list[Problem] = []
    except DataError as exc:
        found = exc.problems
    rows = {cell[:3] for cell in raw.covered}
    again = [p for p in found if (p.file, p.sheet, p.row, p.column) not in raw.covered
             and not (p.column is None and (p.file, p.sheet, p.row) in rows)]
    return sort_problems([*raw.problems, *again])


def _has_table(name: str, source: Source) -> bool:
    """Whether ``source`` holds rows of table ``name``: its own, or computed from responses or an export."""
    if source is None:
        return True
    path = Path(source)
    if path.is_dir():
        return (path / spec(name).path).exists() or (
            name == "civictech_adoption" and (path / f"{RESPONSES}.csv").exists())
    if path.suffix.lower() in XLSX_SUFFIXES:
        from civicstats.readers.xlsx import sheet_names

        try:
            sheets = sheet_names(path)
        except DataError:
            return False
        return name in sheets or (name == "civictech_adoption" and RESPONSES in sheets)
    if not path.is_file():
        return False
    if path.stem in table_names():
        return path.stem == name
    try:
        holds = csv_holds(path)
        return holds == name or (holds, name) == ("open_data_adopters", "open_data_organisations")
    except DataError:
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
    if not raw.problems:
        return validate(raw.frame, name, raw.origin, source_ids=ids, official=official)
    raise DataError(_validated_problems(
        raw, lambda: validate(raw.frame, name, raw.origin, source_ids=ids, official=official)))


@cache
def _load_shipped(name: str) -> pd.DataFrame:
    return _validate(read_raw(name), name, None)


def load(name: str, source: Source = None) -> pd.DataFrame:
    """Table ``name`` as a validated DataFrame with meaningful dtypes.

    ``source=None`` reads the shipped data package; a path reads the same
    table from a CSV file, a folder of CSV files named after the tables, or a
    workbook (the sheet named after the table). A source that lacks the
    table — a workbook without that sheet, a folder without that CSV file, a
    CSV file that holds another table — gives the shipped table, so that
    updated data need only hold what changed. Survey responses in the source
    (a ``responses`` sheet or CSV file) add the waves they hold to
    ``civictech_adoption``, and an OpenDataFrance observatory export (a CSV
    file) adds its wave to ``open_data_adopters``: see :func:`read_raw`.
    Raises :class:`~civicstats.errors.DataError` listing every problem (file,
    sheet, row, column, value, rule) when the data is invalid.

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
