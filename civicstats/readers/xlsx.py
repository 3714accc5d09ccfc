"""Excel workbooks (.xlsx): refused when hostile, read fast, never evaluated.

Every workbook first goes through the safety pass of
:mod:`civicstats.readers.xlsx_safety` (size, zip bombs, XML entities, far
cells, what the file really is), once per file. Values are then read by
python-calamine, which never evaluates a formula, and turned into the text
cells every reader returns (``12.0`` → ``"12"``, ``33.6`` → ``"33.6"``,
dates → ``YYYY-MM-DD``, booleans → ``true``/``false``). A formula, an
Excel error value, merged cells, a control character or a cell longer than
a spreadsheet cell can be, in a sheet that is read, are problems located to
the cell: the data must be typed values, one per cell.

What a cell shows is what is read, never silently something else:

* a cell formatted as a percentage (``33,6 %``, stored as ``0.336``) is
  read as ``33.6`` in a column of percentages (``*_pct``), and is a problem
  in any other column;
* a date in a column of text dates (``as_of``: a year, ``YYYY-MM`` or
  ``YYYY-MM-DD``) is read as ``YYYY-MM-DD`` when its day says it was typed
  as a day; on the 1st of a month it is a problem, since Excel turns a typed
  ``2018-03`` into 1 March 2018 (type the text instead).

Size: this module is over ~500 lines only while it still holds the
sheet-naming policy (``known_sheets`` … ``renamed_problem``), which moves to
:mod:`civicstats.discover` (issue 9); the safety pass is in
:mod:`civicstats.readers.xlsx_safety`.

Results are cached per file (path, size, modification time, inode), so the
many ``load`` calls of a check or a build read a workbook once. Loading a
table starts reading its sheets in a thread (:func:`prefetch`) once the
safety pass let the workbook through: calamine parses a sheet without
holding the GIL, so the shipped tables load meanwhile. Sheets that
are not read as tables are only looked at through :func:`read_header`, which
reads their first row and nothing more.

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

import contextlib
import datetime
import gc
import itertools
import math
import os
import re
import stat
import threading
import zipfile
from collections import OrderedDict
from pathlib import Path

from civicstats.errors import DataError, Origin, Problem
from civicstats.naming import suggest
from civicstats.readers import RawTable
from civicstats.readers.csv import CONTROL, MAX_CELL_CHARS, MAX_COLUMNS, screen_cells
from civicstats.readers.xlsx_safety import (  # noqa: F401 - the reader's public names stay importable from here
    CORRUPT,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_CELLS,
    DEFAULT_MAX_RATIO,
    DTD_RULE,
    HARD_MAX_BYTES,
    HARD_MAX_CELLS,
    MAX_BYTES_ENV,
    MAX_CELLS_ENV,
    MAX_MEMBERS,
    MAX_RATIO_ENV,
    MAX_SHEETS,
    OLE_MAGIC,
    RATIO_FLOOR,
    ZIP_MAGIC,
    SheetScan,
    _Book,
    _column_index,
    _Extent,
    _inspect,
    _Refused,
    _sheet_events,
    _xml,
    column_letter,
    max_bytes,
    max_cells,
    max_ratio,
    scan_sheet,
    styles_used,
)
from civicstats.schema import table_names

#: The sheet of per-collectivity answers (read by civicstats.readers.responses).
RESPONSES_SHEET = "responses"
#: Formula and error cells reported per sheet, at most; the rest are counted.
MAX_CELL_PROBLEMS = 200
FORMULA_RULE = "a formula where a value belongs: type the value itself"
#: A text column of dates: a year, a month or a day (the pattern of ``as_of`` in the data package).
TEXT_DATE_PATTERN = r"^\d{4}(-"


# --------------------------------------------------------------------------
# One cache for the workbook being read

_lock = threading.RLock()
_books: OrderedDict[tuple, _Book | DataError] = OrderedDict()
_open: dict[str, object] = {}  # the workbook whose sheets are cached: key, calamine handle, sheets
_BOOKS_KEPT = 16


def _key(path: Path) -> tuple:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise DataError([Problem(str(path), None, None, None, None, "no such file or folder")]) from None
    except OSError as exc:
        raise DataError([Problem(str(path), None, None, None, None, f"cannot be read: {exc.strerror or exc}")]) from None
    if not stat.S_ISREG(st.st_mode):  # a device or a pipe could be endless, or block
        raise DataError([Problem(str(path), None, None, None, None, "not a regular file: give the path of a workbook")])
    return (str(path), st.st_ino, st.st_size, st.st_mtime_ns, max_bytes(), max_ratio(), max_cells())


def _book(path: Path) -> tuple[tuple, _Book]:
    key = _key(path)
    with _lock:
        found = _books.get(key)
        if found is None:
            try:
                found = _inspect(path)
            except _Refused as exc:
                found = DataError([Problem(str(path), None, None, None, None, exc.rule)])
            except OSError as exc:
                found = DataError([Problem(str(path), None, None, None, None, f"cannot be read: {exc.strerror or exc}")])
            _books[key] = found
            while len(_books) > _BOOKS_KEPT:
                _books.popitem(last=False)
        _books.move_to_end(key)
    if isinstance(found, DataError):
        raise DataError(found.problems)
    return key, found


def clear_cache() -> None:
    """Forget every workbook read (they are re-read, and re-checked, on next use)."""
    with _lock:
        _books.clear()
        _open.clear()
    with _pending_lock:
        _pending.clear()


def sheet_names(path: str | Path) -> list[str]:
    """The sheets of a workbook, in order, after checking it is safe to read.

    Raises :class:`~civicstats.errors.DataError` when the file is not a
    workbook or is refused (see the module's docstring). Cached per file.
    """
    return list(_book(Path(path))[1].sheets)


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



def _share_repeats(cells) -> None:
    """Make the equal cells of a column of text one string object, in place, when the column repeats its values.

    calamine gives every cell a string of its own, scattered in memory, and
    every pass over a column (lengths, control characters, distinct values,
    yes or no) pays for reaching each. A column of a few values (levels,
    yes/no answers, sources) then costs what a column of a few strings does.
    Columns of mostly distinct values (names, SIRENs) are left as they are,
    as a sample of the column tells. The values are unchanged.
    """
    import numpy as np

    n = len(cells)
    if n < 4096 or len(set(cells[:: n // 1024])) > 256:
        return
    first = {}  # each value → its first string (a dict: one pass in C, faster here than pandas' factorize)
    cells[:] = np.fromiter(map(first.setdefault, cells, cells), dtype=object, count=n)


def _fields(sheet: str) -> dict:
    """Column name → FieldSpec of the table a sheet holds (none for a sheet that is not a table)."""
    from civicstats.schema import spec

    try:
        if sheet == RESPONSES_SHEET:
            from civicstats.readers.responses import unshipped_spec

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
            problems.append(origin.problem(r, name, f"{value * 100:g} %", "a number formatted as a percentage in a "
                            "column that holds no percentage: type the number itself, without the % format"))
            covered.add((origin.file, origin.sheet, r, name))
        elif text_date and isinstance(value, datetime.date):
            day = value.date() if isinstance(value, datetime.datetime) else value
            if day.day == 1:
                problems.append(origin.problem(r, name, day.isoformat(), f"a date, where Excel may have turned a typed "
                                f"month ({day:%Y-%m}) or year into the 1st of the month: type the text "
                                f"'{day:%Y-%m} (or '{day.isoformat()}), with an apostrophe first"))
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
    cells = np.fromiter(itertools.chain.from_iterable(rows[1:]), dtype=object, count=n * width).reshape(n, width).T.copy()

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
            problems.append(origin.problem(r, None, None, f"this row and the rows below hold {len(marked) - n:,} more "
                                           f"formulas or Excel errors (only the first {MAX_CELL_PROBLEMS} are listed)"))
            break
        if kind == "formula":
            problems.append(origin.problem(r, name_of(j), text, FORMULA_RULE))
        else:
            problems.append(origin.problem(r, name_of(j), text,
                                           f"an Excel error ({text}) where a value belongs: type the value itself"))
    for r, j, _kind, text in marked:
        covered.add((origin.file, origin.sheet, r, name_of(j)))
        if 2 <= r <= len(rows) and j < width:
            cells[j, r - 2] = text  # the formula, not its cached value: never read as data
    merges = list(merges or ())
    for n, ((r0, c0), (r1, c1)) in enumerate(merges):
        if n == MAX_CELL_PROBLEMS:
            problems.append(origin.problem(r0 + 1, None, None, f"this row and the rows below hold {len(merges) - n:,} "
                                           f"more merged ranges (only the first {MAX_CELL_PROBLEMS} are listed)"))
            break
        ref = f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}"
        problems.append(origin.problem(r0 + 1, name_of(c0), None,
                                       f"merged cells {ref}: unmerge them (each cell holds its own value)"))
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
        _share_repeats(cells[j])
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
    if lengths.max(initial=0) > MAX_CELL_CHARS or _may_hold_control(cells, frame.columns):
        frame, screened, screened_cells = screen_cells(frame, origin)
    return RawTable(frame, origin, problems + screened, covered | screened_cells)


def _may_hold_control(cells, names) -> bool:
    """Whether a column name or a cell holds a control character (what :func:`~civicstats.readers.csv.screen_cells`
    looks for, with cells longer than a spreadsheet cell): tested on each column's cells joined, ``str.isprintable``
    first (a control character is never printable), without building pandas strings.

    >>> import numpy as np
    >>> [_may_hold_control(np.array([[a]], dtype=object), ["x"]) for a in ("ok", "a\tb", "a\x1bb", "\x85")]
    [False, False, True, True]
    """
    if any(CONTROL.search(str(name)) for name in names):
        return True
    for column in cells:
        joined = "".join(column)
        if not joined.isprintable() and CONTROL.search(joined):
            return True
    return False


def _check_extent(scan: SheetScan) -> None:
    """Refuse a sheet whose farthest value makes it larger than :func:`max_cells`, or wider than the column cap."""
    rows, columns, limit = scan.rows, scan.columns, max_cells()
    letters = column_letter(columns - 1) if 0 < columns <= 1 << 20 else f"number {columns:,}"
    if rows * columns > limit:
        raise _Refused(
            f"this sheet holds values as far as column {letters} and row {rows:,}: reading it means {rows:,} rows × "
            f"{columns:,} columns = {rows * columns:,} cells, over the limit of {limit:,}; delete what lies beyond "
            f"the table (in Excel, Ctrl+End goes to the last cell) or, if the sheet is genuine, raise the limit "
            f"with the environment variable {MAX_CELLS_ENV} (at most {HARD_MAX_CELLS:,})")
    if columns > MAX_COLUMNS:
        raise _Refused(f"this sheet holds values as far as column {letters}: {columns:,} columns, over the limit of "
                       f"{MAX_COLUMNS:,} (no table has that many); delete what lies beyond the table")


def read_header(path: str | Path, name: str) -> list[str]:
    """The first row of sheet ``name`` (its column names), reading nothing beyond it.

    For sheets that are not read as tables (to tell what table a renamed
    sheet holds): the sheet's XML is parsed up to the end of its first row
    and shared strings up to the last one that row uses, whatever the sheet
    holds below.
    """
    path = Path(path)
    _key_, book = _book(path)
    if name not in book.sheets:
        raise DataError([Problem(str(path), None, None, None, None, f"no sheet named '{name}' in this workbook")])
    member = book.sheets[name]
    try:
        cells: dict[int, tuple[str | None, str]] = {}
        column = 0
        for event, el in _sheet_events(path, member):
            tag = el.tag.rsplit("}", 1)[-1]
            if event == "end" and tag == "c":
                ref = re.match(r"\$?([A-Za-z]{1,3})\$?[0-9]+", el.get("r") or "")
                column = _column_index(ref[1].upper()) if ref else column
                text = "".join(t.text or "" for t in el.iter() if t.tag.rsplit("}", 1)[-1] in ("v", "t"))
                if column < MAX_COLUMNS:
                    cells[column] = (el.get("t"), text)
                column += 1
                el.clear()
            elif event == "end" and tag == "row":
                break
        strings = _shared_strings(path, {int(v) for t, v in cells.values() if t == "s" and v.strip().isdigit()})
    except _Refused as exc:
        raise DataError([Origin(str(path), sheet=name).problem(None, None, None, exc.rule)]) from None
    width = max(cells, default=-1) + 1
    shown = [strings.get(int(v), "") if t == "s" and v.strip().isdigit() else v for t, v in
             (cells.get(j, (None, "")) for j in range(width))]
    return [v if v.strip() else f"Unnamed: {column_letter(j)}" for j, v in enumerate(shown)]


def _shared_strings(path: Path, wanted: set[int]) -> dict[int, str]:
    """Shared strings number ``wanted`` of a workbook, parsing its list of strings only up to the last one wanted."""
    if not wanted:
        return {}
    import defusedxml.ElementTree as safe_et

    found: dict[int, str] = {}
    with zipfile.ZipFile(path) as zf:
        member = next((n for n in zf.namelist() if n.lower().endswith("sharedstrings.xml")), None)
        if member is None:
            return {}
        with zf.open(member) as stream:
            index = 0
            for _event, el in safe_et.iterparse(stream, events=("end",), forbid_dtd=True):
                if el.tag.rsplit("}", 1)[-1] != "si":
                    continue
                if index in wanted:
                    found[index] = "".join(t.text or "" for t in el.iter() if t.tag.rsplit("}", 1)[-1] == "t")
                el.clear()
                index += 1
                if index > max(wanted):
                    break
    return found


#: Pauses of the garbage collector under way (:func:`_gc_paused`): a token each, and whether it ran before.
_gc_pauses: dict[object, bool] = {}


@contextlib.contextmanager
def _gc_paused():
    """Python's cyclic garbage collector paused while a sheet becomes Python objects.

    A sheet of 100,000 rows is as many lists, and the collector, counting
    them, would run some 150 times over them, for nothing: rows and cells
    hold no reference cycles. It runs again afterwards if it ran before,
    whatever interrupts the pause. (The collector's state is the process's:
    a ``gc.disable()`` made by another thread during a pause is undone by
    its end.)
    """
    token = object()
    try:
        _gc_pauses[token] = gc.isenabled()
        gc.disable()
        yield
    finally:
        if _gc_pauses.pop(token, False):
            gc.enable()


def _after_fork() -> None:
    """In a forked child, which has none of the parent's other threads: a pause of the garbage collector made by
    one of them ends, their background reads are forgotten, and the locks they may have held are new."""
    global _lock, _pending_lock
    if any(_gc_pauses.values()):
        gc.enable()
    _gc_pauses.clear()
    _lock, _pending_lock = threading.RLock(), threading.Lock()
    _pending.clear()


def _opened(key: tuple) -> None:
    """Make ``_open`` the cache of workbook ``key`` (forgetting another's); under ``_lock``."""
    if _open.get("key") != key:
        _open.clear()
        _open.update(key=key, sheets={})
        forget(key[0], keep=key)  # reads of the file as it was before a change


def _values(path: Path, book: _Book, name: str, workbook) -> tuple[object, list, set]:
    """Sheet ``name`` of a workbook the safety pass let through, as calamine parsed it; its marked and styled cells.

    A sheet whose bytes may hold far cells, formulas or cells shown as
    percentages is first parsed (:func:`scan_sheet`), and refused when too
    large (:class:`_Refused`), before calamine allocates it. Raises what
    calamine raises on a damaged file. The values become Python objects in
    :func:`read_sheet` (``to_python``), in the thread that asks for them.
    """
    member = book.sheets[name]
    scan = None
    parse = member in book.far or member in book.flagged
    if not parse and book.percent_styles:  # a cell may be shown as a percentage: looked for if it can be
        used = styles_used(path, member)
        parse = used is None or not used.isdisjoint(book.percent_styles)
    if parse:
        scan = scan_sheet(path, member, book.percent_styles)
        if member in book.far:
            _check_extent(scan)  # before calamine allocates the sheet
    sheet = workbook.get_sheet_by_name(name)
    marked = scan.marked if scan is not None and member in book.flagged else []
    return sheet, marked, scan.styled if scan is not None else set()


#: Sheets being read in the background, or read and not yet taken: (workbook key, sheet name) → its reader.
_pending: dict[tuple, _Prefetch] = {}
#: Guards ``_pending``; never held while waiting, and the only lock a background reader takes.
_pending_lock = threading.Lock()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


class _Prefetch:
    """Sheets of one workbook parsed by calamine in a thread of their own, one after another.

    calamine parses a sheet without holding the GIL, so the caller goes on
    (importing pandas, reading the shipped tables) while the sheet is read.
    The thread has its own calamine workbook: calamine's workbooks cannot be
    used from two threads at once. Each sheet stays in ``_pending`` until a
    read takes it (:meth:`take`) or it is forgotten (:meth:`forget`): one
    forgotten before its turn is not read; one forgotten while being parsed
    is dropped when parsed, unless a read asks for it meanwhile (it then
    waits for it rather than parse it a second time at once). What reading
    a sheet raises is kept and raised again by :meth:`take`, in the caller's
    thread.
    """

    def __init__(self, path: Path, key: tuple, book: _Book, names: list[str]) -> None:
        self.path, self.key, self.book, self.names = path, key, book, names
        self.done = {name: threading.Event() for name in names}
        self.got: dict[str, tuple] = {}  # written and taken under _pending_lock
        self.parsing: str | None = None
        self.orphaned: set[str] = set()
        self.thread = threading.Thread(target=self._run, name="civicstats-prefetch", daemon=True)

    def _run(self) -> None:
        try:
            import python_calamine as calamine

            workbook = None
            for name in self.names:
                with _pending_lock:
                    if _pending.get((self.key, name)) is not self:
                        continue  # forgotten, or taken by a read of its own: not read here
                    self.parsing = name
                try:
                    if workbook is None:
                        workbook = calamine.CalamineWorkbook.from_path(str(self.path))
                    got = (True, _values(self.path, self.book, name, workbook))
                except BaseException as exc:  # raised again where the sheet is asked for
                    got = (False, exc)
                with _pending_lock:
                    self.parsing = None
                    if name in self.orphaned:  # forgotten while parsed, and asked for by no read since
                        self.orphaned.discard(name)
                        if _pending.get((self.key, name)) is self:
                            del _pending[self.key, name]
                    else:
                        self.got[name] = got
                del got
                self.done[name].set()
        finally:
            for event in self.done.values():
                event.set()

    def take(self, name: str) -> tuple | None:
        """What reading sheet ``name`` gave (raised again if it raised), no longer pending; None if not read here.

        Waits for it; an interrupted wait leaves it pending, for the next read to take. (:func:`_taken` finds
        the reader of a sheet and asks for it.)
        """
        self.done[name].wait()
        with _pending_lock:
            if _pending.get((self.key, name)) is self:
                del _pending[self.key, name]
            found = self.got.pop(name, None)
        if found is None:
            return None
        ok, got = found
        if not ok:
            raise got
        return got

    def forget(self, names: list[str] | None = None) -> None:
        """Drop sheets ``names`` (all: None) this reader reads and nobody took; not those another reader reads."""
        with _pending_lock:
            self._drop(names)

    def _drop(self, names: list[str] | None = None) -> None:
        """:meth:`forget`, under ``_pending_lock``."""
        for name in self.names if names is None else names:
            if _pending.get((self.key, name)) is not self:
                continue
            if self.parsing == name:  # dropped when parsed (a read may still ask for it)
                self.orphaned.add(name)
            else:
                del _pending[self.key, name]
                self.got.pop(name, None)


def prefetch(path: str | Path, names: list[str]) -> _Prefetch | None:
    """Start reading sheets ``names`` of a workbook in the background, for :func:`read_sheet` to take.

    Only once the workbook passed the safety pass (a refused workbook starts
    nothing: :func:`read_sheet` says why), and only sheets it holds that are
    neither read nor being read. What is read stays until :func:`read_sheet`
    takes it, or :func:`forget` or :func:`clear_cache` drops it: a caller
    that may not read a sheet it prefetched forgets it (:func:`forget`, or
    the returned reader's ``forget()``, which leaves the reads others
    started). Never raises for the file, nor when no thread can be started:
    the sheets are then read when asked for, as without prefetching.
    """
    path = Path(path)
    try:
        key, book = _book(path)
    except DataError:
        return None
    with _lock:
        _opened(key)
        with _pending_lock:
            for n in names:  # being read for a caller that forgot it: wanted again
                if (key, n) in _pending:
                    _pending[key, n].orphaned.discard(n)
            wanted = [n for n in dict.fromkeys(names)
                      if n in book.sheets and n not in _open["sheets"] and (key, n) not in _pending]
            if not wanted:
                return None
            reader = _Prefetch(path, key, book, wanted)
            _pending.update(((key, n), reader) for n in wanted)
    try:
        reader.thread.start()
    except BaseException as exc:  # no thread (a limit, the interpreter shutting down), or interrupted: none started
        reader.forget()
        for event in reader.done.values():
            event.set()  # a read that found the sheet pending meanwhile reads it itself
        if not isinstance(exc, RuntimeError):
            raise
        return None
    return reader


def forget(path: str | Path, names: list[str] | None = None, *, keep: tuple | None = None) -> None:
    """Drop what :func:`prefetch` reads of sheets ``names`` (all: None) of workbook ``path`` and nobody took.

    A sheet whose turn has not come is not read; one being parsed is dropped
    when parsed. ``keep``: the reads of that version of the file are kept
    (the others are of the file before a change).
    """
    file = str(Path(path))
    with _pending_lock:
        for key, name in [k for k in _pending if k[0][0] == file and (names is None or k[1] in names) and k[0] != keep]:
            _pending[key, name]._drop([name])


def _taken(key: tuple, name: str) -> tuple | None:
    """What the background read of sheet ``name`` of workbook ``key`` gave (:meth:`_Prefetch.take`); None if none."""
    with _pending_lock:
        reader = _pending.get((key, name))
        if reader is None:
            return None
        reader.orphaned.discard(name)  # asked for: kept when parsed, even if forgotten before
    return reader.take(name)


def read_sheet(path: str | Path, name: str) -> RawTable:
    """Sheet ``name`` of a workbook as a :class:`RawTable` of text cells.

    Row 1 is the header; the index holds each row's number in the sheet;
    blank rows are dropped. Formulas are never evaluated: a formula, an Excel
    error value or merged cells are problems of the table (``problems``),
    located to the cell.
    """
    import python_calamine as calamine

    path = Path(path)
    key, book = _book(path)
    origin = Origin(str(path), sheet=name)
    if name not in book.sheets:
        rule = f"no sheet named '{name}' in this workbook (sheets: {', '.join(book.sheets) or 'none'})"
        hint = suggest(name, list(book.sheets))
        raise DataError([Problem(str(path), None, None, None, None, rule + (f"; did you mean '{hint}'?" if hint else ""))])
    with _lock:
        _opened(key)
        cached = _open["sheets"].get(name)
        if isinstance(cached, DataError):  # refused once: not measured again
            raise DataError(cached.problems)
        if cached is None:
            try:
                got = _taken(key, name)  # the background read's, when it made one
                if got is None:
                    if _open.get("calamine") is None:
                        _open["calamine"] = calamine.CalamineWorkbook.from_path(str(path))
                    got = _values(path, book, name, _open["calamine"])
                sheet, marked, styled = got
                with _gc_paused():
                    rows = sheet.to_python(skip_empty_area=False)
                merges = sheet.merged_cell_ranges
                del got, sheet  # calamine's copy of the cells, freed before they are turned into text
            except _Refused as exc:
                _open["sheets"][name] = DataError([origin.problem(None, None, None, exc.rule)])
                raise DataError(_open["sheets"][name].problems) from None
            except (calamine.CalamineError, OSError, ValueError, zipfile.BadZipFile) as exc:
                raise DataError([origin.problem(None, None, None, f"{CORRUPT} ({type(exc).__name__}: {exc})")]) from None
            except BaseException as exc:  # a panic in the Rust reader (pyo3's PanicException) is a damaged file
                if type(exc).__name__ != "PanicException":
                    raise
                raise DataError([origin.problem(None, None, None, f"{CORRUPT} (the reader failed: {exc})")]) from None
            with _gc_paused():
                cached = _open["sheets"][name] = _frame(rows, origin, marked, merges, styled)
    return RawTable(cached.frame.copy(deep=False), cached.origin, list(cached.problems), set(cached.covered))

