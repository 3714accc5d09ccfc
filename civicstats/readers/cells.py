"""What the CSV and workbook readers share: hard caps, file signatures, column letters, cell screening.

>>> column_letter(0), column_letter(27), column_index("AB")
('A', 'AB', 27)
"""

from __future__ import annotations

import functools
import os
import re

from civicstats.errors import Origin, UsageError

__all__ = ["MAX_COLUMNS", "MAX_CELL_CHARS", "CONTROL", "ZIP_MAGIC", "OLE_MAGIC", "env_limit", "column_letter",
           "column_index", "screen_cells"]

#: Widest header read: no table has more than a few dozen columns (a hard cap, for CSV and workbooks alike).
MAX_COLUMNS = 1_000
#: Longest cell read, in characters: Excel's own limit (a hard cap, for CSV and workbooks alike).
MAX_CELL_CHARS = 32_767
#: Characters no spreadsheet writes in a cell: C0 controls but tab and line breaks, DEL, C1 controls.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def env_limit(env: str, default: int, hard: int | None = None) -> int:
    """A limit from environment variable ``env`` (``_`` allowed between digits), else ``default``; never over ``hard``.

    >>> env_limit("CIVICSTATS_NO_SUCH_LIMIT", 5, 3)
    3
    """
    text = os.environ.get(env, "").strip().replace("_", "")
    try:
        value = int(text) if text else default
    except ValueError:
        raise UsageError(f"environment variable {env} must be a whole number, not {text!r}") from None
    return value if hard is None else min(value, hard)


def column_letter(index: int) -> str:
    """Spreadsheet column letters of a 0-based column index.

    >>> column_letter(0), column_letter(25), column_letter(26), column_letter(701)
    ('A', 'Z', 'AA', 'ZZ')
    """
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """0-based column index of spreadsheet letters (any case)."""
    return functools.reduce(lambda n, ch: n * 26 + ord(ch) - 64, letters.upper(), 0) - 1


def screen_cells(frame, origin: Origin) -> tuple[object, list, set]:
    """Cells no spreadsheet writes: control characters, cells over :data:`MAX_CELL_CHARS`.

    Returns the frame (an over-long cell cut, so that no fuzzy matching ever
    reads it whole), the located problems and the cells they cover. Header
    names are screened too.
    """
    problems, covered, cut = [], set(), {}
    for name in frame.columns:
        if CONTROL.search(str(name)):
            problems.append(origin.problem(origin.header_row, None, str(name), code="header.control-character"))
    for j, name in enumerate(frame.columns):
        column = frame.iloc[:, j]
        joined = "\n".join(column.tolist())
        long = column.str.len().gt(MAX_CELL_CHARS) if len(joined) > MAX_CELL_CHARS else None
        bad = column.str.contains(CONTROL) if CONTROL.search(joined) else None
        for mask, code in ((bad, "cell.control-character"), (long, "cell.too-long")):
            if mask is None or not mask.any():
                continue
            for r, v in zip(column.index[mask.to_numpy()], column[mask.to_numpy()], strict=True):
                problems.append(origin.problem(int(r), str(name), v[:200], code=code, limit=MAX_CELL_CHARS))
                covered.add((origin.file, origin.sheet, int(r), str(name)))
        if long is not None and long.any():
            cut[j] = column.where(~long, column.str.slice(0, 100))
    if cut:
        frame = frame.copy()
        for j, column in cut.items():
            frame.iloc[:, j] = column
    return frame, problems, covered
