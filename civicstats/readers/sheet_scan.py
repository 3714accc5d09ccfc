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
    """The sheet's extent, its formula and error cells, and its cells styled in ``styles``, in one expat safety.parse.

    Places cells as calamine does: by their reference, or, without one,
    after the previous cell of the row, in the row its ``<row r>`` names (or
    the row after the previous one). A formula's text is shown; a formula
    copied from another cell (``<f t="shared" si="0"/>``) shows the formula
    it copies. Only the direct children of a cell count, up to the end of
    ``sheetData``. A document type is refused (``xlsx.dtd``), never expanded,
    and malformed XML is a corrupt workbook.
    """
    scan = SheetScan(0, 0)
    shared: dict[str, str] = {}
    row = column = depth = 0  # 0-based: the current row, the next cell of it; the element depth
    cell: list | None = None  # the open cell: [depth, row, column, t, s, formula text, si, value text, holds a value]
    text: list[str] | None = None  # where the text of the open <f> or <v> goes
    names: dict[str, str] = {}
    places: dict[str, int] = {}  # a reference's letters → its column index (-1: not letters)
    parser = safety.xml_parser()
    parser.buffer_text = True

    def characters(data: str) -> None:
        text.append(data)

    def start(name: str, attrs: dict) -> None:
        nonlocal depth, row, column, cell, text
        depth += 1
        tag = names.get(name) or names.setdefault(name, safety.local_name(name))
        if cell is not None and cell[0] == depth - 1:  # a child of the open cell: the last of each name counts
            if tag == "v" or tag == "is":
                cell[8] = True
                if tag == "v" and cell[3] == "e":
                    cell[7] = text = []
                    parser.CharacterDataHandler = characters
            elif tag == "f":
                cell[5:7], cell[8] = [[], attrs.get("si")], True
                text = cell[5]
                parser.CharacterDataHandler = characters
        elif tag == "c":
            ref = attrs.get("r") or next((v for k, v in attrs.items() if safety.local_name(k) == "r"), "")
            letters = ref.rstrip("0123456789")
            c = places.get(letters)
            if c is None:
                c = places[letters] = column_index(letters) if letters.isalpha() and len(letters) <= 3 else -1
            if c >= 0 and 0 < len(ref) - len(letters) <= 10:
                r = int(ref[len(letters):]) - 1
            elif (ref := _CELL_REF.fullmatch(ref.strip())) is not None:  # $A$1, or too far to be typed
                r, c = _number(ref[2]) - 1, column_index(ref[1]) if len(ref[1]) <= 3 else 1 << 40
            else:  # no reference: after the previous cell
                r, c = row, column
            column = c + 1
            cell = [depth, r, c, attrs.get("t"), attrs.get("s"), None, None, None, False]
        elif tag == "row":
            r = attrs.get("r") or next((v for k, v in attrs.items() if safety.local_name(k) == "r"), None)
            if r is not None and r.strip().isdigit():
                row = _number(r.strip()) - 1
            column = 0

    def end(name: str) -> None:
        nonlocal depth, row, column, cell, text
        depth -= 1
        if text is not None:
            text = parser.CharacterDataHandler = None
        if cell is not None and depth < cell[0]:
            _depth, r, c, kind, style, formula, si, value, holds = cell
            cell = None
            if holds:
                if r >= scan.rows:
                    scan.rows = r + 1
                if c >= scan.columns:
                    scan.columns = c + 1
            if formula is not None:
                formula = "".join(formula)
                if formula and si is not None:
                    shared[si] = formula
                shown = ("=" + formula if formula else "=" + shared[si] + " (copied)" if si in shared
                         else "(a formula copied from another cell)")
                scan.marked.append((r + 1, c, "formula", shown))
            elif kind == "e":
                scan.marked.append((r + 1, c, "error", "".join(value or ()) or "#error"))
            if styles and style is not None and style.isdigit() and int(style) in styles:
                scan.styled.add((r + 1, c))
            return
        tag = names.get(name) or names.setdefault(name, safety.local_name(name))
        if tag == "row":
            row, column = row + 1, 0
        elif tag == "sheetData":
            raise safety.Stop

    parser.StartElementHandler, parser.EndElementHandler = start, end
    with safety.opened(Path(path)) as zf:
        safety.parse(parser, safety.chunks(zf, zf.getinfo(member)), member, safety.Stop)
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
