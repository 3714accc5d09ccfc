"""The one parse of a sheet's XML, with expat, before python-calamine reads it.

calamine allocates every cell from A1 to a sheet's farthest value, and a
failed allocation aborts the process: :func:`scan_sheet` measures the sheet
(and finds its formula, error and percent-styled cells), :func:`check_extent`
refuses it over ``CIVICSTATS_MAX_XLSX_CELLS`` cells (default 1 million).
:func:`first_row` reads a sheet's header and no further.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from civicstats.readers import xlsx_safety as safety
from civicstats.readers.cells import MAX_COLUMNS, column_index, column_letter

__all__ = ["SheetScan", "scan_sheet", "check_extent", "first_row"]


@dataclass
class SheetScan:
    """What the one safety.parse of a sheet found (:func:`scan_sheet`)."""

    rows: int  # from row 1 to the farthest value
    columns: int  # from column A to the farthest value
    marked: list[tuple[int, int, str, str]] = field(default_factory=list)  # (row, column index, kind, text)
    styled: set[tuple[int, int]] = field(default_factory=set)  # (row, column index) of cells with a style asked for


def _number(digits: str) -> int:
    return int(digits) if 0 < len(digits) <= 10 else 1 << 40


_CELL_REF = re.compile(r"\$?([A-Za-z]{1,4})\$?\s*([0-9]+)")


def scan_sheet(path: str | Path, member: str, styles: frozenset[int] = frozenset()) -> SheetScan:
    """The sheet's extent, its formula and error cells, and its cells styled in ``styles``, in one expat parse.

    Places cells as calamine does: by their reference, or, without one,
    after the previous cell of the row, in the row its ``<row r>`` names (or
    the row after the previous one); a cell counts in the extent when it holds
    a value (``<v>``, ``<is>``) or a formula. A formula's text is shown; a
    formula copied from another cell (``<f t="shared" si="0"/>``) shows the
    formula it copies. A document type is refused (``xlsx.dtd``), never
    expanded, and malformed XML is a corrupt workbook.

    Only the start of each element is handled, most of them in a comparison
    or two (an element name's prefix, as in ``x:c``, is looked at only when the
    name is not one of a sheet's usual ones): the scan costs a handler call per
    element. Without end events it cannot tell where ``sheetData`` ends: a
    cell placed after it (no writer does that) is measured too, which can only
    make the extent larger, never smaller.
    """
    scan = SheetScan(0, 0)
    shared: dict[str, str] = {}
    places: dict[str, int] = {}  # a reference's letters → its column index (-1: not letters)
    # 0-based: the row (none yet), the next column; the open cell's column and type, whether a cell is open
    row, after, col, kind, open_cell = -1, 0, 0, None, False
    rows = columns = 0  # the extent: one past the farthest row and column holding a value
    parser = safety.xml_parser(namespaces=False)
    parser.buffer_text = True

    def start(name: str, attrs: dict) -> None:
        nonlocal row, after, col, kind, open_cell, rows, columns
        if name == "c":
            ref = attrs.get("r") or next((v for k, v in attrs.items() if k.rpartition(":")[2] == "r"), "")
            letters = ref.rstrip("0123456789")
            c = places.get(letters)
            if c is None:
                c = places[letters] = column_index(letters) if letters.isalpha() and len(letters) <= 3 else -1
            if c >= 0 and 0 < len(ref) - len(letters) <= 10:
                row = int(ref[len(letters):]) - 1
            elif (found := _CELL_REF.fullmatch(ref.strip())) is not None:  # $A$1, or too far to be typed
                row, c = _number(found[2]) - 1, column_index(found[1]) if len(found[1]) <= 3 else 1 << 40
            else:  # no reference: after the previous cell
                c = after
            after, col, kind, open_cell = c + 1, c, attrs.get("t"), True
            if styles and (style := attrs.get("s")) is not None and style.isdigit() and int(style) in styles:
                scan.styled.add((row + 1, c))
        elif not open_cell:  # outside a cell: a value or formula of something else (extLst, ...) is not one
            if name == "row":
                start_row(attrs)
            elif ":" in name:  # a prefixed name (x:row): its local part
                start(name.rpartition(":")[2], attrs)
        elif name == "v" or name == "is":
            if kind != "e" or name == "v":
                if row >= rows:
                    rows = row + 1
                if col >= columns:
                    columns = col + 1
                if kind == "e":
                    read_text("error", None)
        elif name == "t" or name == "r" or name == "rPr":  # rich text: the cell goes on
            pass
        elif name == "f":
            if row >= rows:
                rows = row + 1
            if col >= columns:
                columns = col + 1
            read_text("formula", attrs.get("si"))
        elif name == "row":
            start_row(attrs)
        elif ":" in name:
            start(name.rpartition(":")[2], attrs)
        else:  # anything else ends the open cell
            open_cell = False

    def start_row(attrs: dict) -> None:
        nonlocal row, after, open_cell
        r = attrs.get("r") or next((v for k, v in attrs.items() if k.rpartition(":")[2] == "r"), None)
        row = _number(r.strip()) - 1 if r is not None and r.strip().isdigit() else row + 1
        after, open_cell = 0, False

    def read_text(what: str, si: str | None) -> None:
        """Read the text of a formula or an error value: it ends where the next element starts, or the part does."""
        parts: list[str] = []
        at = (row + 1, col)

        def done() -> None:
            parser.CharacterDataHandler, parser.StartElementHandler = None, start
            value = "".join(parts).strip()
            if what == "formula":
                if value and si is not None:
                    shared[si] = value
                value = ("=" + value if value else "=" + shared[si] + " (copied)" if si in shared
                         else "(a formula copied from another cell)")
            scan.marked.append((*at, what, value or "#error"))
            ending.clear()

        def then(name: str, attrs: dict) -> None:  # the next element: the text ends, then it is handled
            done()
            start(name, attrs)

        parser.CharacterDataHandler, parser.StartElementHandler = parts.append, then
        ending.append(done)

    ending: list = []  # what reads the text being read when the part ends
    parser.StartElementHandler = start
    with safety.opened(Path(path)) as zf:
        safety.parse(parser, safety.chunks(zf, zf.getinfo(member)), member, safety.Stop)
    for done in ending:
        done()
    scan.rows, scan.columns = rows, columns
    scan.marked.sort(key=lambda m: (m[0], m[1], m[2] != "formula"))
    return scan


def check_extent(scan: SheetScan) -> None:
    """Refuse a sheet whose farthest value makes it larger than ``max_cells()``, or wider than the column cap."""
    rows, columns, limit = scan.rows, scan.columns, safety.max_cells()
    letters = column_letter(columns - 1) if 0 < columns <= 1 << 20 else f"number {columns:,}"
    if rows * columns > limit:
        raise safety.Refused("xlsx.too-many-cells", letters=letters, rows=rows, columns=columns, cells=rows * columns,
                      limit=limit, env=safety.MAX_CELLS_ENV, hard=safety.HARD_MAX_CELLS)
    if columns > MAX_COLUMNS:
        raise safety.Refused("xlsx.too-many-columns", letters=letters, columns=columns, limit=MAX_COLUMNS)


def first_row(path: Path, member: str) -> dict[int, str]:
    """Column index → text of the cells of a sheet's first row, parsing nothing beyond it.

    Shared strings are looked up, parsing their list only up to the last one the row uses.
    """
    cells: dict[int, list] = {}  # column → [type, text parts]
    at: list = [0, None]  # the next column; the open cell

    def start(name: str, attrs: dict) -> None:
        tag = safety.local_name(name)
        if tag == "c":
            ref = _CELL_REF.match(attrs.get("r") or "")
            at[0] = (column_index(ref[1]) if ref and len(ref[1]) <= 3 else at[0]) + 1
            at[1] = [attrs.get("t"), []]
            if at[0] <= MAX_COLUMNS:
                cells[at[0] - 1] = at[1]
        elif tag in ("v", "t") and at[1] is not None:
            parser.CharacterDataHandler = at[1][1].append

    def end(name: str) -> None:
        tag, parser.CharacterDataHandler = safety.local_name(name), None
        if tag == "c":
            at[1] = None
        elif tag in ("row", "sheetData"):
            raise safety.Stop

    parser = safety.xml_parser(start)
    parser.EndElementHandler = end
    with safety.opened(path) as zf:
        safety.parse(parser, safety.chunks(zf, zf.getinfo(member)), member, safety.Stop)
        texts = {j: (kind, "".join(parts)) for j, (kind, parts) in cells.items()}
        wanted = {int(text) for kind, text in texts.values() if kind == "s" and text.strip().isdigit()}
        strings = next((n for n in zf.namelist() if n.lower().endswith("sharedstrings.xml")), None)
        found = _strings(zf, strings, wanted) if wanted and strings else {}
    return {j: found.get(int(text), "") if kind == "s" and text.strip().isdigit() else text
            for j, (kind, text) in texts.items()}


def _strings(zf: zipfile.ZipFile, member: str, wanted: set[int]) -> dict[int, str]:
    """Shared strings number ``wanted``, parsing the list only up to the last one wanted."""
    found: dict[int, str] = {}
    state: list = [0, None]  # the index of the next string; the text of the open one

    def start(name: str, attrs: dict) -> None:
        if safety.local_name(name) == "si":
            state[1] = []
            parser.CharacterDataHandler = state[1].append

    def end(name: str) -> None:
        if safety.local_name(name) == "si":
            if state[0] in wanted:
                found[state[0]] = "".join(state[1])
            state[0] += 1
            parser.CharacterDataHandler = None
            if state[0] > max(wanted):
                raise safety.Stop

    parser = safety.xml_parser(start)
    parser.EndElementHandler = end
    safety.parse(parser, safety.chunks(zf, zf.getinfo(member)), member, safety.Stop)
    return found
