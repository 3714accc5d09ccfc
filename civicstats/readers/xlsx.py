"""Excel workbooks (.xlsx): refused when hostile, read with python-calamine, never evaluated.

A workbook goes through the safety pass (:mod:`~civicstats.readers.xlsx_safety`),
a sheet read as a table through its one parse (:mod:`~civicstats.readers.sheet_scan`),
then calamine reads its values, which become text cells (``12.0`` → ``"12"``,
dates → ``YYYY-MM-DD``, booleans → ``true``/``false``). Formulas, Excel
errors, merged cells, control characters and over-long cells are problems
located to the cell. What a cell shows is what is read: a number formatted
as a percentage is read as shown in a ``*_pct`` column and is a problem
elsewhere; a date in a column of text dates on the 1st of a month is a
problem (Excel turns a typed ``2018-03`` into 1 March 2018).

A :class:`WorkbookReader` checks its file once and reads each sheet once;
within :func:`civicstats.readers.reading` every read of one file shares one
reader, and nothing is kept after it. No file stays open between reads.

>>> import tempfile, pathlib, openpyxl
>>> path = pathlib.Path(tempfile.mkdtemp()) / "book.xlsx"
>>> wb = openpyxl.Workbook(); ws = wb.active; ws.title = "participatory_budgets"
>>> for row in (["year", "count", "unit", "source"], [2017, 47, "villes", "BEZ"]): ws.append(row)
>>> wb.save(path)
>>> t = read_sheet(path, "participatory_budgets")
>>> t.frame.to_dict("records"), list(t.frame.index), t.origin.sheet
([{'year': '2017', 'count': '47', 'unit': 'villes', 'source': 'BEZ'}], [2], 'participatory_budgets')
>>> read_header(path, "participatory_budgets")
['year', 'count', 'unit', 'source']
"""

from __future__ import annotations

import datetime
import itertools
import math
import stat
from pathlib import Path

from civicstats.errors import DataError, Origin, Problem
from civicstats.naming import suggest
from civicstats.readers import RawTable, file_identity, read_once
from civicstats.readers.cells import CONTROL, MAX_CELL_CHARS, column_letter, screen_cells
from civicstats.readers.sheet_scan import check_extent, first_row, scan_sheet
from civicstats.readers.xlsx_safety import Book, Refused, inspect, max_bytes, max_cells, max_ratio

__all__ = ["WorkbookReader", "open_workbook", "sheet_names", "read_sheet", "read_header", "cell_text",
           "RESPONSES_SHEET", "MAX_CELL_PROBLEMS", "TEXT_DATE_PATTERN"]

#: The sheet of per-collectivity answers (read by civicstats.readers.responses).
RESPONSES_SHEET = "responses"
#: Formula and error cells reported per sheet, at most; the rest are counted.
MAX_CELL_PROBLEMS = 200
#: A text column of dates: a year, a month or a day (the pattern of ``as_of`` in the data package).
TEXT_DATE_PATTERN = r"^\d{4}(-"


def _whole(path: Path, code: str, sheet: str | None = None, **params) -> DataError:
    return DataError([Origin(str(path), sheet=sheet).problem(None, None, None, code=code, **params)])


class WorkbookReader:
    """One workbook, through the safety pass once (a :class:`~civicstats.errors.DataError` if it is refused); its
    sheets read, and kept, once each. No file is held open between two reads."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            st = self.path.stat()
            if not stat.S_ISREG(st.st_mode):  # a device or a pipe could be endless, or block
                raise _whole(self.path, "xlsx.not-a-regular-file")
            self.book: Book = inspect(self.path)
        except FileNotFoundError:
            raise _whole(self.path, "file.missing") from None
        except Refused as exc:
            raise _whole(self.path, exc.code, **exc.params) from None
        except OSError as exc:
            raise _whole(self.path, "file.unreadable", reason=exc.strerror or str(exc)) from None
        self._read: dict[str, RawTable | DataError] = {}

    @property
    def sheet_names(self) -> list[str]:
        """The sheets, in order."""
        return list(self.book.sheets)

    def _member(self, name: str) -> str:
        if name not in self.book.sheets:
            hint = suggest(name, self.sheet_names)
            raise _whole(self.path, "xlsx.no-such-sheet-hint" if hint else "xlsx.no-such-sheet", name=name,
                         sheets=", ".join(self.book.sheets) or "none", hint=hint)
        return self.book.sheets[name]

    def read_sheet(self, name: str) -> RawTable:
        """Sheet ``name`` as a :class:`RawTable` of text cells (see :func:`read_sheet`)."""
        found = self._read.get(name)
        if found is None:
            try:
                found = self._read[name] = self._sheet(name)
            except DataError as exc:
                self._read[name] = exc
                raise
        if isinstance(found, DataError):
            raise DataError(found.problems)
        return RawTable(found.frame.copy(deep=False), found.origin, list(found.problems), set(found.covered))

    def _sheet(self, name: str) -> RawTable:
        import python_calamine as calamine

        member, origin = self._member(name), Origin(str(self.path), sheet=name)
        try:
            scan = scan_sheet(self.path, member, self.book.percent_styles)
            check_extent(scan)  # before calamine allocates the sheet
            workbook = calamine.CalamineWorkbook.from_path(str(self.path))
            try:
                sheet = workbook.get_sheet_by_name(name)
                rows, merges = sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges
            finally:
                workbook.close()
            del sheet  # calamine's copy of the cells, freed before they are turned into text
        except Refused as exc:
            raise DataError([origin.problem(None, None, None, code=exc.code, **exc.params)]) from None
        except (calamine.CalamineError, OSError, ValueError) as exc:
            raise DataError([origin.problem(None, None, None, code="xlsx.unreadable",
                                            detail=f"{type(exc).__name__}: {exc}")]) from None
        except BaseException as exc:  # a panic in the Rust reader (pyo3's PanicException) is a damaged file
            if type(exc).__name__ != "PanicException":
                raise
            raise DataError([origin.problem(None, None, None, code="xlsx.unreadable",
                                            detail=f"the reader failed: {exc}")]) from None
        return _frame(rows, origin, scan.marked, merges, scan.styled)

    def read_header(self, name: str) -> list[str]:
        """The first row of sheet ``name`` (see :func:`read_header`)."""
        member = self._member(name)
        try:
            cells = first_row(self.path, member)
        except Refused as exc:
            raise _whole(self.path, exc.code, sheet=name, **exc.params) from None
        shown = [cells.get(j, "") for j in range(max(cells, default=-1) + 1)]
        return [v if v.strip() else f"Unnamed: {column_letter(j)}" for j, v in enumerate(shown)]


def open_workbook(path: str | Path) -> WorkbookReader:
    """The reader of workbook ``path``: the one of the ``with reading():`` under way, or a new one."""
    path = Path(path)
    try:
        key = ("xlsx", *file_identity(path), max_bytes(), max_ratio(), max_cells())
    except OSError:
        return WorkbookReader(path)  # which says why
    return read_once(key, lambda: WorkbookReader(path))


def sheet_names(path: str | Path) -> list[str]:
    """The sheets of a workbook, in order; a :class:`~civicstats.errors.DataError` if it is refused."""
    return open_workbook(path).sheet_names


def read_sheet(path: str | Path, name: str) -> RawTable:
    """Sheet ``name`` as a :class:`RawTable` of text cells: row 1 the header, each row indexed by its number, blank
    rows dropped; formulas, Excel errors and merged cells are its ``problems``, located to the cell."""
    return open_workbook(path).read_sheet(name)


def read_header(path: str | Path, name: str) -> list[str]:
    """The first row of sheet ``name`` (its column names), reading nothing beyond it: for sheets not read as tables
    (to tell what table a renamed sheet holds)."""
    return open_workbook(path).read_header(name)


def cell_text(value: object) -> str:
    """One cell's value as the text validation reads.

    >>> [cell_text(v) for v in (12.0, 33.6, 213100017.0, 1e-05, True, "", None)]
    ['12', '33.6', '213100017', '0.00001', 'true', '', '']
    >>> import datetime
    >>> cell_text(datetime.date(2018, 3, 1)), cell_text(datetime.datetime(2018, 3, 1))
    ('2018-03-01', '2018-03-01')
    """
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer():
            return str(int(value))
        text = repr(value)
        if "e" in text:
            import numpy as np

            text = np.format_float_positional(value, trim="-")
        return text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def _as_text(cells, kind: str | None = None) -> None:
    """Turn one column (a contiguous numpy object array) of calamine values into text, in place.

    Text columns, the common case, are recognised by pandas' C type inference
    (``kind``, when the caller already has it) without a Python loop; columns
    of numbers only, blank cells aside, are converted at once.
    """
    import numpy as np
    from pandas.api.types import infer_dtype

    kind = kind or infer_dtype(cells, skipna=False)
    if kind in ("string", "empty"):
        return
    if kind == "mixed":  # numbers and blank cells (""), as a column of numbers with gaps reads
        filled = cells != ""
        if not filled.all() and infer_dtype(cells[filled], skipna=False) == "floating":
            numbers = cells[filled]
            _as_text(numbers)
            cells[filled] = numbers
            return
    if kind == "floating":  # each distinct number written once, its text shared by its cells
        import pandas as pd

        numbers = cells.astype(np.float64)
        whole = np.isfinite(numbers) & (np.trunc(numbers) == numbers) & (np.abs(numbers) < 2.0**53)
        if whole.all():
            codes, uniques = pd.factorize(numbers.astype(np.int64))
            cells[:] = uniques.astype(str).astype(object)[codes]
            return
    cells[:] = [v if type(v) is str else cell_text(v) for v in cells]



def _fields(sheet: str) -> dict:
    """Column name → FieldSpec of the table a sheet holds (none for a sheet that is not a table)."""
    from civicstats.schema import spec, table_names, unshipped_spec

    try:
        if sheet == RESPONSES_SHEET:
            return {f.name: f for f in unshipped_spec("responses").fields}
        return {f.name: f for f in spec(sheet).fields} if sheet in table_names() else {}
    except (KeyError, ValueError):
        return {}


def _shown_as_typed(cells, j: int, name: str, field, styled: set, origin: Origin, problems: list, covered: set) -> None:
    """A column's percent-styled numbers and dates, as the person typed them, or a located problem (in place)."""
    from pandas.api.types import infer_dtype

    percent = name.endswith("_pct")
    text_date = field is not None and field.type == "string" and (field.pattern or "").startswith(TEXT_DATE_PATTERN)
    if not any(c == j for _r, c in styled) and (
            not text_date or infer_dtype(cells[j], skipna=False) in ("string", "empty", "floating", "integer",
                                                                      "mixed-integer-float", "boolean")):
        return  # neither a styled cell nor a date: nothing this column shows otherwise
    for r0 in range(len(cells[j])):
        value, r = cells[j, r0], r0 + 2
        if (r, j) in styled and isinstance(value, (int, float)) and not isinstance(value, bool):
            if percent:
                cells[j, r0] = round(value * 100, 9)
                continue
            problems.append(origin.problem(r, name, f"{value * 100:g} %", code="xlsx.percent-outside-pct"))
            covered.add((origin.file, origin.sheet, r, name))
        elif text_date and isinstance(value, datetime.date):
            day = value.date() if isinstance(value, datetime.datetime) else value
            if day.day == 1:
                problems.append(origin.problem(r, name, day.isoformat(), code="xlsx.date-first-of-month",
                                               month=f"{day:%Y-%m}", day=day.isoformat()))
                covered.add((origin.file, origin.sheet, r, name))
                cells[j, r0] = day.isoformat()


def _frame(rows: list[list], origin: Origin, marked, merges, styled: set = frozenset()) -> RawTable:
    """calamine rows (from A1) → a RawTable of text cells, with the cell problems found."""
    import numpy as np
    import pandas as pd
    from pandas.api.types import infer_dtype

    problems: list[Problem] = []
    covered: set = set()
    width = max(map(len, rows), default=0)
    if len(set(map(len, rows))) > 1:
        rows = [list(r) + [""] * (width - len(r)) for r in rows]
    header = [cell_text(v) for v in rows[0]] if rows else []
    # column-major, so that each column is one contiguous array
    n = max(len(rows) - 1, 0)
    cells = np.fromiter(itertools.chain.from_iterable(rows[1:]), dtype=object, count=n * width)
    cells = cells.reshape(n, width).T.copy()

    def name_of(j: int) -> str:
        return header[j] if j < width and header[j].strip() else f"Unnamed: {column_letter(j)}"

    # each column name's letters, for the cell references of problems (a name given twice has none)
    names = [name_of(j) for j in range(width)]
    letters: dict[str, str] = {}
    for j, name in enumerate(names):
        for key in dict.fromkeys((name, name.strip())):
            if names.count(name) == 1 and [n.strip() for n in names].count(name.strip()) == 1:
                letters[key] = column_letter(j)
    origin.letters = {**(origin.letters or {}), (origin.file, origin.sheet): letters}

    for n, (r, j, kind, text) in enumerate(sorted(marked)):
        if n == MAX_CELL_PROBLEMS:
            problems.append(origin.problem(r, None, None, code="xlsx.more-formulas", count=len(marked) - n,
                                           limit=MAX_CELL_PROBLEMS))
            break
        if kind == "formula":
            problems.append(origin.problem(r, name_of(j), text, code="xlsx.formula"))
        else:
            problems.append(origin.problem(r, name_of(j), text, code="xlsx.error-value", error=text))
    for r, j, _kind, text in marked:
        covered.add((origin.file, origin.sheet, r, name_of(j)))
        if 2 <= r <= len(rows) and j < width:
            cells[j, r - 2] = text  # the formula, not its cached value: never read as data
    merges = list(merges or ())
    for n, ((r0, c0), (r1, c1)) in enumerate(merges):
        if n == MAX_CELL_PROBLEMS:
            problems.append(origin.problem(r0 + 1, None, None, code="xlsx.more-merges", count=len(merges) - n,
                                           limit=MAX_CELL_PROBLEMS))
            break
        ref = f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}"
        problems.append(origin.problem(r0 + 1, name_of(c0), None, code="xlsx.merged", range=ref))
    for (r0, c0), (r1, c1) in merges:
        # only the cells of the sheet's values can be covered (a merge may span the whole sheet)
        for r in range(r0 + 1, min(r1 + 1, len(rows)) + 1):
            for j in range(c0, min(c1, width - 1) + 1):
                covered.add((origin.file, origin.sheet, r, name_of(j)))

    fields = _fields(origin.sheet or "")
    # the cells' lengths, once: which columns and rows are blank, whether a cell is too long
    lengths = np.zeros(cells.shape, dtype=np.int64)
    for j in range(width):
        kind = infer_dtype(cells[j], skipna=False)
        if styled or (fields and fields.get(name_of(j).strip()) is not None and kind != "string"):
            _shown_as_typed(cells, j, name_of(j).strip(), fields.get(name_of(j).strip()), styled, origin, problems,
                            covered)
            kind = None
        _as_text(cells[j], kind)
        lengths[j] = np.fromiter(map(len, cells[j]), dtype=np.int64, count=cells.shape[1])
    # a column with neither a name nor a value is formatting, not data
    keep = [j for j in range(width) if header[j].strip() or lengths[j].any()]
    if len(keep) < width:  # (taking every column would copy them all)
        cells, lengths = cells[keep], lengths[keep]
    frame = pd.DataFrame({i: cells[i] for i in range(len(keep))},
                         index=pd.RangeIndex(2, len(rows) + 1) if rows else pd.RangeIndex(0), dtype="str")
    frame.columns = [name_of(j) for j in keep]
    blank = (lengths == 0).all(axis=0)
    if blank.any():
        frame = frame[~blank]
    screened, screened_cells = [], set()
    # a control character is never printable: tested on each column joined, without building pandas strings
    if lengths.max(initial=0) > MAX_CELL_CHARS or any(CONTROL.search(str(n)) for n in frame.columns) or any(
            not (joined := "".join(column)).isprintable() and CONTROL.search(joined) for column in cells):
        frame, screened, screened_cells = screen_cells(frame, origin)
    return RawTable(frame, origin, problems + screened, covered | screened_cells)
