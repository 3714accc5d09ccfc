"""Loading tables: discover → read → validate, and a typed DataFrame out.

:func:`load` is the one door through which data enters a notebook. It reads
the shipped data package by default, or the same table from another file or
folder (:func:`civicstats.discover.discover` says which file or sheet holds
it, and whether it comes from that source or from ``data/``), and validates
it against the table's schema. A validated table is kept while none of the
files its discovery found has changed (their size, modification time and
inode, and the schema's) nor the limits set in the environment: a notebook that loads the same tables again, or
an audit that loads a dozen, validates each once; edit a file and the next
``load`` reads and validates it again. Rows computed from exports (survey responses, an
observatory export) come from :mod:`civicstats.derive`, the functions
:data:`civicstats.discover.DERIVED` names.

>>> budgets = load("participatory_budgets")
>>> budgets.loc[budgets["year"] == 2017, ["count", "source"]].to_dict("records")
[{'count': 47, 'source': 'BEZ'}, {'count': 67, 'source': 'NL;LOC'}]
>>> budgets.attrs["origin"]
'shipped'
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import TYPE_CHECKING

from civicstats.derive import computed_origin, covered_problems
from civicstats.discover import DERIVED, SHIPPED, Discovery, Part, discover
from civicstats.errors import DataError, Origin
from civicstats.readers import RawTable
from civicstats.schema import package, spec, table_names
from civicstats.validate import check_header, sort_problems, validate

if TYPE_CHECKING:
    import pandas as pd

#: Tables whose counts must not exceed the official count of their level.
BOUNDED_BY_OFFICIAL = ("civictech_adoption", "open_data_adopters")

Source = str | Path | None

__all__ = ["BOUNDED_BY_OFFICIAL", "KEPT", "Source", "combine", "datasets", "load", "official_limits", "read_part",
           "source_ids", "sources"]


def combine(parts: list[RawTable], name: str | None = None) -> RawTable:
    """Rows of several raw tables as one raw table, every row keeping its place.

    The first part keeps its row numbers as keys; the rows of the others get
    new keys after them, and the first part's :class:`~civicstats.errors.Origin`
    maps each new key to the file, sheet and row it came from
    (``Origin.locations``), so that a problem in a combined table is still
    located where a person can fix it. Columns are the union of the parts'.
    When the first part's header is wrong for table ``name`` it is returned
    alone: its header problems come first, and are clearer without the rows
    of the others.
    """
    import pandas as pd

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
        for k, row in zip(keys, part.frame.index, strict=True):
            locations[k] = part.origin.locate(int(row))
        frames.append(part.frame.reindex(columns=columns, fill_value="").set_axis(keys))
        problems += part.problems
        covered |= part.covered
        key += len(part.frame)
    origin = Origin(first.origin.file, first.origin.sheet, first.origin.header_row, locations, letters or None)
    return RawTable(pd.concat(frames).astype("str"), origin, problems, covered)


def read_part(part: Part) -> RawTable:
    """The raw text cells of one part: a sheet of a workbook, or a CSV file."""
    if part.sheet is not None:
        from civicstats.readers.xlsx import read_sheet

        return read_sheet(part.path, part.sheet)
    from civicstats.readers.csv import read_csv

    return read_csv(part.path)


def _deriver(kind: str, table: str):
    module, _, name = DERIVED[kind][table].partition(":")
    return getattr(importlib.import_module(module), name)


# --------------------------------------------------------------------------
# The tables a foreign key names, and the official limits


def _references(name: str, d: Discovery, upstream: list | None = None) -> dict[str, set[str]]:
    """For each table a foreign key of ``name`` names, the values the key may take.

    The referenced table as ``d`` discovered it (the source's own, or
    shipped); the source register is the shipped one plus the source's own,
    so that updated data may cite a shipped source without copying the
    register. A referenced table that is itself invalid adds its problems to
    ``upstream`` and is replaced by the shipped one, so that ``name`` still
    has its own columns checked (every problem of every table, at once).
    """
    found: dict[str, set[str]] = {}
    for _column, resource, ref in spec(name).foreign_keys:
        if resource == name or resource in found:
            continue
        try:
            values = {str(v) for v in _load(resource, d)[ref].dropna()}
        except DataError as exc:
            if upstream is None:
                raise
            upstream += exc.problems
            values = set()
        if resource == "sources" and d.parts[resource][0].origin != SHIPPED or not values:
            values |= {str(v) for v in _load(resource, d.shipped)[ref].dropna()}
        found[resource] = values
    return found


def _official(d: Discovery) -> dict[str, int]:
    import pandas as pd

    levels = _load("levels", d)
    universe = _load("collectivity_universe", d.shipped)
    if d.parts["collectivity_universe"][0].origin != SHIPPED:
        universe = pd.concat([universe, _load("collectivity_universe", d)], ignore_index=True)
    largest = universe.groupby(universe["level"].astype(str))["count"].max()
    limits: dict[str, int] = {}
    for level, official in zip(levels["level"].astype(str), levels["official_level"].astype("object"), strict=True):
        if isinstance(official, str) and official in largest.index:
            limits[level] = int(largest[official])
    return limits


def source_ids(source: Source = None) -> set[str]:
    """Ids of the source register: the shipped one, plus ``source``'s own.

    >>> {"NL", "BEZ"} <= source_ids()
    True
    """
    return _references("participatory_budgets", discover(source))["sources"]


def official_limits(source: Source = None) -> dict[str, int]:
    """For each level, the largest official count of collectivities of that level.

    >>> official_limits()["region"]
    18
    """
    return _official(discover(source))


# --------------------------------------------------------------------------
# Loading


def _shipped_only(name: str, d: Discovery) -> bool:
    """Whether ``name`` and every table its validation reads (foreign keys, official limits) are shipped in ``d``."""
    reads = {resource for _column, resource, _ref in spec(name).foreign_keys} - {name}
    if name in BOUNDED_BY_OFFICIAL:
        reads |= {"levels", "collectivity_universe"}
    return (all(p.origin == SHIPPED for p in d.parts[name]) and not d.problems.get(name)
            and all(_shipped_only(t, d) for t in reads))


def _load(name: str, d: Discovery) -> pd.DataFrame:
    """Table ``name`` of discovery ``d``, validated (once per discovery: a table a foreign key names is read once)."""
    if name not in d.loaded and d.source is not None and _shipped_only(name, d):
        d.loaded[name] = _load(name, d.shipped)  # the shipped table, as the shipped data validate it: once for both
    if name not in d.loaded:
        frame = _validated(name, d)
        table = spec(name)
        cited = frame["source"].dropna().astype(str).str.split(";").explode() if "source" in frame else []
        frame.attrs.update(table=name, title=table.title, origin=d.origin(name),
                           files=[p.where for p in d.parts[name]], sources=sorted(set(cited)),
                           licenses=[lic.get("name", "") for lic in table.descriptor.get("licenses") or package()["licenses"]])
        d.loaded[name] = frame
    return d.loaded[name]


#: Validated tables kept, by table and the identity of every file their discovery found (at most this many).
KEPT = 64
_kept: dict[tuple, pd.DataFrame] = {}


def _identity(name: str, d: Discovery) -> tuple | None:
    """What a validated table depends on: every file the discovery found, the schema, and the limits set in the
    environment (``CIVICSTATS_MAX_...``); None if a file is gone."""
    import os

    from civicstats import paths
    from civicstats.readers import file_identity

    try:
        files = sorted({p.path for parts in d.parts.values() for p in parts} | {paths.DATAPACKAGE})
        limits = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("CIVICSTATS_")))
        return (name, limits, tuple(file_identity(f) for f in files),
                tuple(sorted((n, p.kind, str(p.path), p.sheet or "") for n, parts in d.parts.items() for p in parts)))
    except OSError:
        return None


def _validated(name: str, d: Discovery) -> pd.DataFrame:
    key = _identity(name, d)
    if key is not None and key in _kept:
        return _kept[key]
    frame = _validated_uncached(name, d)
    if key is not None:
        if len(_kept) >= KEPT:
            _kept.pop(next(iter(_kept)))
        _kept[key] = frame
    return frame


def _validated_uncached(name: str, d: Discovery) -> pd.DataFrame:
    if d.problems.get(name):  # its rows are in the source, but not where they can be read
        raise DataError(d.problems[name])
    own_part, *derived = d.parts[name]
    from civicstats.readers import reading

    with reading():  # a file read for several parts is read once
        return _validated_parts(name, d, own_part, derived)


def _official_populations(d: Discovery) -> pd.DataFrame | None:
    """``official_populations`` as ``d`` gives it; None if invalid (its problems are reported when it is loaded)."""
    try:
        return _load("official_populations", d)
    except DataError:
        return None


def _validated_parts(name: str, d: Discovery, own_part: Part, derived: list[Part]) -> pd.DataFrame:
    """Table ``name`` of ``d`` from its own part and the parts it is derived from, validated."""
    if own_part.kind != "table":  # the source's export holds the whole table (discover.WHOLE)
        derived, texts = [own_part, *derived], []
    else:
        texts = [read_part(own_part)]
    upstream: list = []  # the problems of an invalid table a foreign key names, reported with this one's
    references = _references(name, d, upstream)
    if name in BOUNDED_BY_OFFICIAL and any(p.sheet is not None for p in derived):
        try:  # loaded first; what goes wrong is raised again below, in turn
            _official(d)
        except DataError:
            pass
    typed, failed = [], []
    for part in derived:
        compute = _deriver(part.kind, name)
        try:
            raw = read_part(part)
            wanted = inspect.signature(compute).parameters
            kwargs = {"source_ids": references.get("sources")} if "source_ids" in wanted else {}
            if "populations" in wanted:  # an export's populations, checked against the official ones given with it
                kwargs["populations"] = _official_populations(d)
            rows = compute(raw, **kwargs)
        except DataError as exc:  # reported with the table's own problems, not instead of them
            failed += exc.problems
            continue
        if isinstance(rows, RawTable):  # text cells, validated with the table's own
            texts.append(rows)
        elif len(rows):
            typed.append((rows, computed_origin(raw.origin, name)))
    if not texts:
        raise DataError(sort_problems(failed))
    raw = combine(texts, name)
    official = _official(d) if name in BOUNDED_BY_OFFICIAL else None

    def run():
        return validate(raw.frame, name, raw.origin, references=references, official=official, computed=typed)

    if raw.problems or failed or upstream:
        raise DataError(sort_problems(list(dict.fromkeys([*covered_problems(raw, run), *failed, *upstream]))))
    return run()


def load(name: str, source: Source = None) -> pd.DataFrame:
    """Table ``name`` as a validated DataFrame with meaningful dtypes.

    ``source=None`` reads the shipped data package; a path reads the same
    table from a CSV file, a folder of CSV files named after the tables, or a
    workbook (the sheet named after the table); an empty path is an error.
    A source that lacks the table — a workbook without that sheet, a folder
    without that file, a CSV file that holds another table — gives the
    shipped table, so that updated data need only hold what changed; the
    frame says which: ``attrs["origin"]`` is ``"source"``, ``"shipped"`` or
    ``"shipped+source"`` (shipped rows plus rows computed from the source),
    ``attrs["files"]`` names what was read (``civicstats check`` lists both);
    ``attrs`` also holds the table's name and ``title``, the ids of the
    ``sources`` its rows cite and its ``licenses``.
    Survey responses in the source (a ``responses`` sheet or CSV file) add
    the waves they hold to ``civictech_adoption``, and an OpenDataFrance
    observatory export (a CSV file) adds its wave to ``open_data_adopters``.
    Raises :class:`~civicstats.errors.DataError` listing every problem (file,
    sheet, row, column, value, rule) when the data is invalid.

    >>> load("civictech_adoption")["level"].cat.ordered
    True
    >>> int(load("civictech_adoption")["count"].sum())
    156
    """
    name = spec(name).name  # any case; unknown names fail here, with the nearest and the list of tables
    frame = _load(name, discover(source, table=name))
    copy = frame.copy()
    copy.attrs = {k: (list(v) if isinstance(v, list) else v) for k, v in frame.attrs.items()}
    return copy


def datasets(source: Source = None) -> pd.DataFrame:
    """One row per table of the data package: name, title, rows, sources.

    With ``source``, each table as read from it, and an ``origin`` column:
    ``source``, ``shipped`` (the source lacks it: taken from ``data/``) or
    ``shipped+source``.

    >>> d = datasets().set_index("name")
    >>> int(d.loc["civictech_adoption", "rows"])
    7
    """
    import pandas as pd

    rows = []
    d = discover(source)  # one discovery: each table a foreign key names is validated once
    for name in table_names():
        t = _load(name, d)
        cited = sorted({i for cell in t["source"].dropna() for i in str(cell).split(";")}) if "source" in t else []
        row = {"name": name, "title": spec(name).title, "rows": len(t), "sources": ";".join(cited)}
        if source is not None:
            row["origin"] = t.attrs["origin"]
        rows.append(row)
    return pd.DataFrame(rows)


def sources() -> pd.DataFrame:
    """The source register: id, title, publisher, date, url."""
    return load("sources")

