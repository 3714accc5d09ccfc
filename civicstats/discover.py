"""Which file or sheet of a source holds which table, and what comes from ``data/``.

:func:`discover` is the one place that knows file names, sheet names and the
fallback to the shipped data. ``load``, ``check`` and ``build`` all go
through it, so what a check reports, what a notebook loads and what a build's
cache key covers are the same files.

One naming rule for folders and workbooks: a file's stem (in a folder) or a
sheet's name (in a workbook) names table ``T`` when, lower-cased, stripped
and with spaces or hyphens read as ``_``, it is ``T``
(``Participatory_Budgets``, ``participatory_budgets.CSV``). ``responses``
names survey responses. A near miss is read or is an error, never skipped:

* in a folder, a table's file is read as CSV when it ends in ``.csv``,
  ``.txt`` or ``.tsv`` (the separator is detected); a table's name with any
  other extension (``.xlsx``, ``.ods``, ``.json``...) is an error, and so are
  two files for one table, a file whose name is a misspelt table's
  (``participatory_budget.csv``: did you mean…) and a symbolic link leading
  out of the folder;
* in a workbook, two sheets for one table are an error, and so is a sheet
  whose header is the header of a table the workbook lacks (a renamed
  sheet: "Budgets" holding ``participatory_budgets``);
* everything else (notes, scratch sheets, ``README``) is not read, and
  reported in ONE note per source (:attr:`Discovery.notes`), not one each.

A single CSV file holds the table its name says, or what its header says (an
OpenDataFrance observatory export, survey responses), or, if neither, the
table the caller names (``load(name, file)``, ``check --table``).

Every table the source lacks is taken from ``data/``, and says so: each
:class:`Part` has an ``origin``, ``"source"`` or ``"shipped"``.

>>> d = discover(None)
>>> d.parts["levels"][0].origin, d.from_source
('shipped', [])
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from civicstats import paths
from civicstats.errors import DataError, MissingFileError, Problem
from civicstats.naming import fold, plain, suggest
from civicstats.schema import spec, table_names, unshipped_spec

__all__ = ["DERIVED", "IGNORED_SHEETS", "RESPONSES", "SHIPPED", "SOURCE", "TABLE_LIKE_SUFFIXES", "TEXT_SUFFIXES",
           "WHOLE", "WORKBOOK_SUFFIXES", "Discovery", "Part", "discover", "export_kind", "normal", "readable",
           "sheet_hint"]

#: Origins of a part: read from the source the caller gave, or from ``data/``.
SOURCE, SHIPPED = "source", "shipped"
#: The name of the sheet or file of per-collectivity survey responses.
RESPONSES = "responses"
#: Extensions of text tables read as CSV (the separator is detected).
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
#: Extensions of workbooks read as a source.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
#: Files a person might mean as a table, though civicstats does not read them inside a folder.
TABLE_LIKE_SUFFIXES = (*TEXT_SUFFIXES, *WORKBOOK_SUFFIXES, ".xls", ".ods", ".json", ".xml", ".parquet")
#: Sheets never read and never reported (folded names).
IGNORED_SHEETS = ("readme", "lisezmoi")
#: How many ignored names a note shows before "and N more".
SHOWN = 8

#: Rows an export recognised by its kind adds to tables: kind → {table: "module:function"}.
#: Each function takes the export's :class:`~civicstats.readers.RawTable` (and
#: ``source_ids``, the source register, when it has that keyword) and returns
#: the table's rows: a RawTable of text cells, or a typed DataFrame. This is
#: the one place to add a table computed from an export: ``discover`` then
#: lists it, ``load`` reads it, ``check`` checks it, ``build`` fingerprints it.
DERIVED: dict[str, dict[str, str]] = {
    RESPONSES: {"civictech_adoption": "civicstats.derive:adoption_from_responses"},
    "observatory": {"open_data_adopters": "civicstats.derive:observatory_to_open_data",
                    "open_data_organisations": "civicstats.derive:observatory_to_organisations"},
}
#: (kind, table) pairs where an export holds the WHOLE table rather than rows to add:
#: the export's rows replace the shipped table instead of joining it (an observatory
#: export lists every organisation it knows; adding the shipped ones would count them twice).
WHOLE: frozenset[tuple[str, str]] = frozenset({("observatory", "open_data_organisations")})


@dataclass(frozen=True)
class Part:
    """Rows of a table and where they are read from.

    ``kind`` is ``"table"`` for the table's own rows, or the kind of export
    its rows are computed from (a key of :data:`DERIVED`). ``origin`` is
    :data:`SOURCE` or :data:`SHIPPED`.
    """

    table: str
    origin: str
    path: Path
    sheet: str | None = None
    kind: str = "table"

    @property
    def where(self) -> str:
        """The file (and sheet) as messages name it."""
        return f"{self.path}, sheet '{self.sheet}'" if self.sheet is not None else str(self.path)


@dataclass
class Discovery:
    """What :func:`discover` found: every table's parts, own rows first.

    ``parts[table]`` always starts with the table's own rows (from the source,
    or shipped when the source lacks them), followed by rows computed from
    exports of the source. ``notes`` are what was not read (one line per
    source), for ``check`` to show; ``problems`` what could not be read as
    named.
    """

    source: Path | None
    parts: dict[str, tuple[Part, ...]]
    notes: list[str] = field(default_factory=list)
    #: Table → why its rows in the source cannot be read as named (a renamed sheet, two files...):
    #: ``load`` of that table raises them, ``check`` reports them all.
    problems: dict[str, list[Problem]] = field(default_factory=dict)
    #: Tables validated so far (``tables.load`` fills it): within one call, each table is read once.
    loaded: dict = field(default_factory=dict, repr=False, compare=False)

    @functools.cached_property
    def shipped(self) -> Discovery:
        """The discovery of the shipped data (this one, when it is): what the source lacks, the shared register."""
        return self if self.source is None else discover(None)

    @property
    def from_source(self) -> list[str]:
        """Tables with rows read from the source (their own, or computed from an export)."""
        return [t for t, ps in self.parts.items() if any(p.origin == SOURCE for p in ps)]

    @property
    def from_shipped(self) -> list[str]:
        """Tables whose own rows are taken from ``data/``, the source lacking them."""
        return [t for t, ps in self.parts.items() if ps[0].origin == SHIPPED]

    def origin(self, table: str) -> str:
        """``"source"``, ``"shipped"``, or ``"shipped+source"`` (shipped rows and rows computed from the source)."""
        origins = [p.origin for p in self.parts[table]]
        if all(o == SOURCE for o in origins):
            return SOURCE
        return SHIPPED if all(o == SHIPPED for o in origins) else f"{SHIPPED}+{SOURCE}"


def normal(name: str) -> str:
    """The one naming rule: lower case, stripped, spaces and hyphens as ``_``.

    >>> normal(" Participatory Budgets "), normal("participatory-budgets")
    ('participatory_budgets', 'participatory_budgets')
    """
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def readable() -> list[str]:
    """What a file or sheet may be named after: every table, and ``responses``."""
    return [*table_names(), RESPONSES]


def sheet_hint(name: str, candidates: list[str]) -> str | None:
    """The name ``name`` was probably meant to be ("Budgets" → participatory_budgets).

    >>> sheet_hint("Budgets", ["participatory_budgets", "sources"])
    'participatory_budgets'
    """
    hint = suggest(name, candidates)
    if hint:
        return hint
    folded = fold(name)
    if len(folded) >= 4:
        inside = [c for c in candidates if folded in fold(c) or fold(c) in folded]
        if len(inside) == 1:
            return inside[0]
    words = [w for w in re.split(r"[^a-z0-9]+", plain(name)) if len(w) >= 4]
    scores = {}
    for c in candidates:
        theirs = [w for w in re.split(r"[^a-z0-9]+", plain(c)) if w]
        scores[c] = sum(any(w[:5] == t[:5] for t in theirs) for w in words)
    best = max(scores.values(), default=0)
    winners = [c for c, s in scores.items() if s == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def _whole(path: Path | str, code: str, sheet: str | None = None, value: object = None, **params) -> Problem:
    return Problem(str(path), sheet, None, None, value, code=code, params=params)


def _shown(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")


def _table_arg(table: str | None, source: str | Path | None) -> None:
    if table is not None and table not in table_names():
        hint = suggest(table, table_names())
        where = str(source) if source is not None else "--table"
        raise DataError([_whole(where, "source.unknown-table" + ("-hint" if hint else ""), value=table, table=table,
                                tables=", ".join(table_names()), hint=hint)])


def discover(source: str | Path | None, table: str | None = None) -> Discovery:
    """Which file or sheet of ``source`` holds which table; the rest from ``data/``.

    ``source`` is ``None`` (the shipped data), a folder, a workbook or a CSV
    file; an empty path is an error (it is not the current folder).
    ``table`` names the table an unnamed CSV file holds (it must be a
    table). Raises :class:`~civicstats.errors.DataError` for a source that
    cannot be read as it is named (see the module's docstring).
    """
    _table_arg(table, source)
    found: dict[str, Part] = {}
    exports: list[Part] = []
    notes: list[str] = []
    problems: dict[str, list[Problem]] = {}
    path = None
    if source is not None:
        if str(source).strip() == "":
            raise DataError([_whole("''", "source.empty-path")])
        path = Path(source).expanduser()
        if path.is_dir():
            _folder(path, found, exports, notes, problems)
        elif not path.exists():
            raise MissingFileError([_whole(path, "file.missing")])  # also a FileNotFoundError
        elif path.suffix.lower() in WORKBOOK_SUFFIXES:
            _workbook(path, found, exports, notes, problems)
        else:
            _file(path, table, found, exports)
    parts: dict[str, tuple[Part, ...]] = {}
    for name in table_names():
        own = found.get(name) or Part(name, SHIPPED, paths.DATA_DIR / spec(name).path)
        derived = [Part(name, SOURCE, e.path, e.sheet, e.kind) for e in exports if name in DERIVED.get(e.kind, {})]
        whole = own.origin == SHIPPED and any((p.kind, name) in WHOLE for p in derived)
        parts[name] = tuple(derived) if whole else (own, *derived)
    # a problem with responses (or another export) is a problem of the tables it adds rows to
    for kind, tables in DERIVED.items():
        for t in tables:
            problems.setdefault(t, []).extend(problems.get(kind, []))
    return Discovery(path, parts, notes, {t: ps for t, ps in problems.items() if ps and t in parts})


def _folder(folder: Path, found: dict[str, Part], exports: list[Part], notes: list[str],
            problems: dict[str, list[Problem]]) -> None:
    names = readable()
    held: dict[str, list[Path]] = {}
    ignored: list[str] = []
    base = folder.resolve()
    for f in sorted(folder.iterdir()):
        if f.name.startswith(".") or f.name == paths.DATAPACKAGE.name:
            continue
        key, suffix = normal(f.stem), f.suffix.lower()
        kind = _entry_kind(f)
        if kind is not None:  # a folder, a device, a broken link...: named if it is named like a table
            if key in names and suffix in TEXT_SUFFIXES:
                problems.setdefault(key, []).append(_whole(f, "source.not-a-file", table=key, kind=kind))
            continue
        if key in names:
            if suffix not in TEXT_SUFFIXES:
                problems.setdefault(key, []).append(_whole(f, "source.not-csv", table=key,
                                                           suffixes=", ".join(TEXT_SUFFIXES)))
                continue
            held.setdefault(key, []).append(f)
        elif suffix in TABLE_LIKE_SUFFIXES:
            ignored.append(f.name)
    for key, files in held.items():
        if len(files) > 1:
            problems.setdefault(key, []).append(_whole(folder, "source.several-files", table=key, n=len(files),
                                                       names=", ".join(f.name for f in files)))
            continue
        f = files[0]
        try:
            inside = f.resolve().is_relative_to(base)
        except OSError:
            inside = False
        if f.is_symlink() and not inside:
            problems.setdefault(key, []).append(_whole(f, "source.link-out", folder=str(folder),
                                                       target=os.path.realpath(f)))
            continue
        if key == RESPONSES:
            exports.append(Part(RESPONSES, SOURCE, f, None, RESPONSES))
        else:
            found[key] = Part(key, SOURCE, f)
    rest = []
    for name in ignored:
        hint = suggest(Path(name).stem, names)  # a misspelt name, not one merely alike (as sheet_hint finds)
        if hint and hint not in held:
            code = "source.misnamed-responses" if hint == RESPONSES else "source.misnamed-file"
            problems.setdefault(hint, []).append(_whole(folder / name, code, table=hint))
        else:
            rest.append(name)
    if rest:
        notes.append(f"{folder}: {len(rest)} file{'s' if len(rest) > 1 else ''} not read (not named after a table): "
                     f"{_shown(rest)}")
    _refuse_if_nothing_read(held, problems, _whole(folder, "source.empty-folder", tables=", ".join(names)))


def _entry_kind(entry: Path) -> str | None:
    """What a folder entry is when it is not a regular file (or a link to one): None for a file."""
    import stat

    try:
        mode = entry.stat().st_mode
    except OSError:
        return "broken link" if entry.is_symlink() else "unreadable entry"
    if stat.S_ISREG(mode):
        return None
    return ("folder" if stat.S_ISDIR(mode) else "named pipe" if stat.S_ISFIFO(mode) else "socket"
            if stat.S_ISSOCK(mode) else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "special file")


def _refuse_if_nothing_read(held: object, problems: dict[str, list[Problem]], empty: Problem) -> None:
    """A folder or workbook of which nothing can be read: every reason why, or ``empty`` when there is none."""
    if held:
        return
    raise DataError([p for ps in problems.values() for p in ps] or [empty])


def _header(path: Path, sheet: str) -> set[str] | None:
    """The column names of a sheet not read as a table: its first row only, never the whole sheet."""
    from civicstats.readers.xlsx import read_header

    try:
        return {str(c).strip() for c in read_header(path, sheet)}
    except DataError:
        return None


def _required(name: str) -> tuple[list[str], list[str]]:
    """(required columns, all columns) of a sheet civicstats reads."""
    if name == RESPONSES:
        from civicstats.readers.responses import RESPONSES_COLUMNS

        return unshipped_spec("responses").required_columns, list(RESPONSES_COLUMNS)
    return spec(name).required_columns, spec(name).columns


def _workbook(book: Path, found: dict[str, Part], exports: list[Part], notes: list[str],
              problems: dict[str, list[Problem]]) -> None:
    from civicstats.readers.xlsx import sheet_names

    names = readable()
    sheets = sheet_names(book)
    held: dict[str, list[str]] = {}
    others: list[str] = []
    for s in sheets:
        key = normal(s)
        if key in names:
            held.setdefault(key, []).append(s)
        elif fold(s) not in IGNORED_SHEETS:
            others.append(s)
    for key, named in held.items():
        if len(named) > 1:
            problems.setdefault(key, []).append(_whole(book, "source.several-sheets", table=key, n=len(named),
                                                       names=", ".join(repr(s) for s in named)))
        elif key == RESPONSES:
            exports.append(Part(RESPONSES, SOURCE, book, named[0], RESPONSES))
        else:
            found[key] = Part(key, SOURCE, book, named[0])
    ignored: list[str] = []
    renamed: set[str] = set()
    for s in others:
        header = _header(book, s)
        hint = sheet_hint(s, names)
        fits = []
        for t in names if header else []:
            required, columns = _required(t)
            if required and set(required) <= header:
                fits.append((len(set(columns) - header), t != hint, names.index(t), t))
        table = min(fits)[3] if fits else None
        if table is not None and table not in held and table not in renamed:
            renamed.add(table)
            problems.setdefault(table, []).append(_whole(book, "source.renamed-sheet", sheet=s, table=table))
        else:
            ignored.append(f"'{s}'" + (f" (did you mean '{hint}'?)" if hint else ""))
    if ignored:
        notes.append(f"{book}: {len(ignored)} sheet{'s' if len(ignored) > 1 else ''} ignored (civicstats reads only "
                     f"sheets named after a table: {', '.join(names)}): {_shown(ignored)}")
    _refuse_if_nothing_read(held, problems, _whole(book, "source.empty-workbook", tables=", ".join(table_names())))


def export_kind(path: Path) -> str | None:
    """The kind of export a CSV file is, from its header: ``"observatory"``, ``"responses"`` or None."""
    from civicstats.readers.csv import read_csv_header
    from civicstats.readers.observatory import is_observatory
    from civicstats.readers.responses import is_responses

    columns = [str(c).strip().lower() for c in read_csv_header(path)]
    return "observatory" if is_observatory(columns) else RESPONSES if is_responses(columns) else None


def _file(path: Path, table: str | None, found: dict[str, Part], exports: list[Part]) -> None:
    key = normal(path.stem)
    if key == RESPONSES:
        exports.append(Part(RESPONSES, SOURCE, path, None, RESPONSES))
    elif key in table_names():
        found[key] = Part(key, SOURCE, path)
    else:
        kind = export_kind(path)
        if kind is not None:
            exports.append(Part(kind, SOURCE, path, None, kind))
        elif table is not None:
            found[table] = Part(table, SOURCE, path)
        else:
            hint = suggest(path.stem, table_names())
            raise DataError([_whole(path, "source.unknown-file" + ("-hint" if hint else ""),
                                    tables=", ".join(table_names()), hint=hint)])
