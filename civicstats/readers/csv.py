"""CSV files, including the dialects French spreadsheets write.

Detected, not guessed: a byte-order mark, UTF-8 or Windows-1252 text, the
separator (comma, semicolon or tab), and lines ending in ``\\r\\n``, ``\\n``
or ``\\r`` alone (Excel for Mac's "CSV (Macintosh)"). Files that are not
text (a workbook saved as ``.csv``, binary data) are refused, saying what they are.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
>>> _ = p.write_bytes("level;count\\r\\nrégion;9\\r\\n".encode("cp1252"))
>>> t = read_csv(p)
>>> t.frame.to_dict("records"), list(t.frame.index)
([{'level': 'région', 'count': '9'}], [2])
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
from pathlib import Path

from civicstats.errors import DataError, Origin
from civicstats.readers import MAX_CSV_BYTES_ENV, RawTable, file_identity, max_csv_bytes, read_once
from civicstats.readers.cells import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    OLE_MAGIC,
    ZIP_MAGIC,
    column_letter,
    env_limit,
    screen_cells,
)

__all__ = ["read_csv", "read_csv_header", "read_text_table", "decode", "sniff_separator", "check_bytes", "max_cells",
           "MAX_CELLS_ENV", "DEFAULT_MAX_CELLS", "HARD_MAX_CELLS", "line_of"]

#: Most cells (rows × header columns) in one CSV file: what validation handles within its time and memory budget.
MAX_CELLS_ENV = "CIVICSTATS_MAX_CSV_CELLS"
DEFAULT_MAX_CELLS = 1_000_000
#: Most cells whatever the environment says: beyond it a check needs gigabytes.
HARD_MAX_CELLS = 20_000_000
#: The part of the text the separator is detected from.
SNIFF_LINES, SNIFF_CHARS = 20, 65_536
#: Windows-1252 characters that, next to a letter, mean the bytes were Mac Roman text (é → Ž, à → ˆ, ô → ™).
MAC_ROMAN_SIGNS = re.compile("(?<=[^\\W\\d_])[ŽˆŠ˜šžŸƒ‰‹›†‡‚„•]|[ŽˆŠ˜šžŸƒ‰‹›†‡‚„•](?=[^\\W\\d_])"
                             "|(?<=[^\\W\\d_])™(?=[a-z])")


def max_cells() -> int:
    """Most cells of a CSV file: ``$CIVICSTATS_MAX_CSV_CELLS`` or 1 million, never over 20 million."""
    return env_limit(MAX_CELLS_ENV, DEFAULT_MAX_CELLS, HARD_MAX_CELLS)


def _refuse(origin: Origin, code: str, row: int | None = None, **params) -> DataError:
    return DataError([origin.problem(row, None, None, code=code, **params)])


def line_of(text: str | bytes, end: int) -> int:
    """The line number (from 1) of position ``end``, lines ending in ``\\r\\n``, ``\\n`` or ``\\r``.

    >>> [line_of(t, len(t)) for t in ("a\\nb", "a\\r\\nb", "a\\rb\\rc", b"a\\n\\nb")]
    [2, 2, 3, 3]
    """
    cr, lf, crlf = ("\r", "\n", "\r\n") if isinstance(text, str) else (b"\r", b"\n", b"\r\n")
    return text.count(lf, 0, end) + text.count(cr, 0, end) - text.count(crlf, 0, end) + 1


def decode(data: bytes, origin: Origin) -> str:
    """Bytes → text, only when the encoding is certain; else a :class:`DataError` naming the encodings tried.

    A byte-order mark says UTF-8, UTF-16 or UTF-32; without one the text must
    be UTF-8, or Windows-1252 (what French Excel writes as "CSV") showing no
    sign of another encoding (Mac Roman's é read as Ž). A byte-order mark
    anywhere but at the start (two files pasted together) is refused.

    >>> decode("région".encode("cp1252"), Origin("a.csv"))
    'région'
    >>> try:
    ...     decode("région".encode("mac_roman"), Origin("a.csv"))
    ... except DataError as exc:
    ...     print(exc.problems[0].code, exc.problems[0].params["shown"])
    csv.mac-roman 'rŽgion'
    """
    for bom, codec, name in ((codecs.BOM_UTF32_LE, "utf-32", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
                             (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
                             (codecs.BOM_UTF16_BE, "utf-16", "UTF-16")):
        if data.startswith(bom):
            try:
                text = data.decode(codec)
                break
            except UnicodeDecodeError as exc:  # a mark, then bytes that are not that encoding: damaged
                raise _refuse(origin, "csv.damaged-encoding", encoding=name, byte=exc.start) from None
    else:
        _check_no_nul(data, origin)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as exc:
                raise _refuse(origin, "csv.unknown-encoding", byte=exc.start, hex=f"{data[exc.start]:02X}") from None
            sign = MAC_ROMAN_SIGNS.search(text)
            if sign:
                around = (re.search(r"[^\s,;\"]{0,20}\Z", text[max(sign.start() - 20, 0):sign.start()])[0] + sign[0]
                          + re.match(r"[^\s,;\"]{0,20}", text[sign.end():sign.end() + 20])[0])
                raise _refuse(origin, "csv.mac-roman", shown=repr(around)) from None
    if "\ufeff" in text:
        raise _refuse(origin, "csv.mark-inside", row=line_of(text, text.index("\ufeff")))
    return text


def _check_no_nul(data: bytes, origin: Origin) -> None:
    """Refuse text with NUL bytes: UTF-16 or UTF-32 without a byte-order mark, or not text at all."""
    if b"\x00" not in data:
        return
    head = data[:65536]
    even, odd, quarter = head[0::2], head[1::2], len(head) // 4 * 0.6
    if head[0::4].count(0) == 0 and head[1::4].count(0) > quarter and head[2::4].count(0) > quarter \
            or head[3::4].count(0) == 0 and head[0::4].count(0) > quarter:
        raise _refuse(origin, "csv.utf32-without-mark")
    if odd.count(0) > len(odd) * 0.6 or even.count(0) > len(even) * 0.6:
        raise _refuse(origin, "csv.utf16-without-mark")
    if head.count(b"\x00") > len(head) // 100:  # NULs everywhere: binary data
        raise _refuse(origin, "csv.binary")
    raise _refuse(origin, "csv.nul-byte", row=line_of(data, data.index(b"\x00")))


def sniff_separator(text: str) -> str:
    """The separator of a CSV text: ``,``, ``;`` or tab, from its first lines (linear time, quotes skipped).

    The separator found in the header that splits the most of the next lines
    into as many cells wins; no backtracking parser sees the text.

    >>> sniff_separator("a;b;c\\n1,5;2;3\\n")
    ';'
    >>> sniff_separator("a,b\\r1,2\\r")
    ','
    >>> sniff_separator('"x;y",b\\n"1;2",3\\n')
    ','
    """
    counts: list[dict[str, int]] = []
    current = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for ch in text[:SNIFF_CHARS]:
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch in current:
            current[ch] += 1
        elif ch in "\r\n":
            counts.append(current)
            current = {",": 0, ";": 0, "\t": 0}
            if len(counts) == SNIFF_LINES:
                break
    else:
        counts.append(current)
    header = counts[0]
    candidates = [d for d in (";", "\t", ",") if header[d]]
    if len(candidates) <= 1:
        return candidates[0] if candidates else ","
    rows = [c for c in counts[1:] if any(c.values())]
    return max(candidates, key=lambda d: (sum(r[d] == header[d] for r in rows), header[d]))


def check_bytes(data: bytes, origin: Origin, what: str = "CSV") -> None:
    """Refuse bytes that are not a text table, saying what they look like."""
    if data.startswith(ZIP_MAGIC):
        ods = b"mimetypeapplication/vnd.oasis.opendocument" in data[:200]
        raise _refuse(origin, "csv.is-ods" if ods else "csv.is-zip", what=what)
    if data.startswith(OLE_MAGIC):
        raise _refuse(origin, "csv.is-xls")
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table", b"<!--")):
        xml = head.startswith(b"<?xml") and b"<html" not in head
        raise _refuse(origin, "csv.is-xml" if xml else "csv.is-html", what=what)


def read_text_table(text: str, origin: Origin, rows: int | None = None):
    """Parse CSV text into a frame of text cells indexed by row number (the first ``rows`` rows: all if None).

    The header is taken as written: a name typed twice stays twice (pandas
    would rename the second ``count.1``), a blank one is named after its
    column letter, as a spreadsheet opening the file shows it
    (``Unnamed: C``). A row with more cells than the header is a located
    problem (pandas would silently take the extra cells of the first row
    as an index, shifting every column).
    """
    import pandas as pd

    if not text.strip():
        raise _refuse(origin, "csv.empty")
    sep = sniff_separator(text)
    end = min((i for i in (text.find("\r"), text.find("\n")) if i >= 0), default=len(text))
    width = text.count(sep, 0, end) + 1
    if width > MAX_COLUMNS:
        raise _refuse(origin, "header.too-many-columns", row=origin.header_row, width=width, limit=MAX_COLUMNS)
    lines = line_of(text, len(text))
    cells, limit = lines * width, max_cells()
    if cells > limit and rows is None:
        raise _refuse(origin, "csv.too-many-cells", cells=cells, lines=lines, width=width, limit=limit,
                      env=MAX_CELLS_ENV, hard=HARD_MAX_CELLS)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=str, keep_default_na=False,
                            na_filter=False, skip_blank_lines=False, engine="c", nrows=rows)
    except pd.errors.ParserError as exc:
        raise DataError([_parser_problem(str(exc), origin)]) from None
    except pd.errors.EmptyDataError:
        raise _refuse(origin, "csv.empty") from None
    header = ["" if pd.isna(v) else str(v) for v in frame.iloc[0]] if len(frame) else []
    frame = frame.iloc[1:]
    frame.columns = [name if name.strip() else f"Unnamed: {column_letter(j)}" for j, name in enumerate(header)]
    frame.index = pd.RangeIndex(origin.header_row + 1, origin.header_row + 1 + len(frame))
    frame = frame.fillna("")
    blank = frame.eq("").all(axis=1) if len(frame.columns) else frame.index.to_series().astype(bool)
    return frame[~blank]


def _longest_run(data: bytes) -> tuple[int, int]:
    """(length, start) of the longest run of bytes holding no separator, line break or quote of any kind.

    numpy, by chunks of 4 MB (no copy of the whole): a run longer than four
    bytes per character of :data:`MAX_CELL_CHARS` is a cell too long whatever
    the encoding, refused before the text is decoded.
    """
    import numpy as np

    longest, at, last, step = 0, 0, -1, 1 << 22
    for start in range(0, len(data), step):
        chunk = np.frombuffer(data, np.uint8, count=min(step, len(data) - start), offset=start)
        stops = np.flatnonzero(np.isin(chunk, (44, 59, 9, 10, 13, 34))) + start
        if not len(stops):
            continue
        gaps = np.diff(stops, prepend=last)
        i = int(gaps.argmax())
        if gaps[i] > longest:
            longest, at = int(gaps[i]), int(stops[i] - gaps[i]) + 1
        last = int(stops[-1])
    if len(data) - last > longest:
        longest, at = len(data) - last, last + 1
    return longest, at


def _parser_problem(message: str, origin: Origin):
    """pandas' tokenizer error → a problem located to its row, in words.

    >>> p = _parser_problem("Error tokenizing data. C error: Expected 6 fields in line 3, saw 8", Origin("a.csv"))
    >>> p.row, p.code, p.params
    (3, 'csv.row-too-wide', {'cells': 8, 'width': 6})
    >>> _parser_problem("Error tokenizing data. C error: EOF inside string starting at row 1", Origin("a.csv")).row
    2
    """
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if fields:
        expected, row, saw = (int(g) for g in fields.groups())
        return origin.problem(row, None, None, code="csv.row-too-wide", cells=saw, width=expected)
    quote = re.search(r"EOF inside string starting at row (\d+)", message)
    if quote:
        return origin.problem(int(quote[1]) + 1, None, None, code="csv.unclosed-quote")
    detail = message.replace("Error tokenizing data. C error: ", "").strip()
    return origin.problem(None, None, None, code="csv.malformed", detail=detail)


def read_csv(path: str | Path, max_bytes: int | None = None, rows: int | None = None) -> RawTable:
    """Read one CSV file into a :class:`RawTable` of text cells (its first ``rows`` rows: all if None).

    Within :func:`civicstats.readers.reading`, a file is read once.
    """
    path, limit = Path(path), max_csv_bytes() if max_bytes is None else max_bytes
    try:
        key = ("csv", *file_identity(path), limit, max_cells(), rows)
    except OSError:
        return _read(path, limit, rows)  # which says why
    table = read_once(key, lambda: _read(path, limit, rows))
    return RawTable(table.frame.copy(deep=False), table.origin, list(table.problems), set(table.covered))


def _read(path: Path, limit: int, rows: int | None) -> RawTable:
    origin = Origin(str(path))
    try:
        # opened without waiting: a named pipe with no writer would block ``open`` for ever
        with open(path, "rb", opener=lambda p, flags: os.open(p, flags | getattr(os, "O_NONBLOCK", 0))) as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):  # a device or a pipe could be endless, or block
                raise _refuse(origin, "csv.not-a-regular-file")
            data = fh.read(limit + 1)  # the file may have grown since its size was read
            if st.st_size > limit or len(data) > limit:
                size = f"{st.st_size:,}" if st.st_size > limit else f"more than {limit:,}"
                raise _refuse(origin, "csv.too-large", size=size, limit=limit, env=MAX_CSV_BYTES_ENV)
    except OSError as exc:
        raise _refuse(origin, "file.unreadable", reason=exc.strerror or str(exc)) from None
    check_bytes(data, origin)
    run, at = _longest_run(data)
    if run > 4 * MAX_CELL_CHARS:  # refused before decoding: a 30 MB cell costs no 30 MB of text
        raise _refuse(origin, "cell.too-long-file", row=origin.header_row - 1 + line_of(data, at), limit=MAX_CELL_CHARS)
    try:
        text = decode(data, origin)
        del data  # the bytes are not kept while pandas reads the text
        frame, problems, covered = screen_cells(read_text_table(text, origin, rows), origin)
    except DataError as exc:
        problems = exc.problems
    else:
        return RawTable(frame, origin, problems, covered)
    text = None  # a refusal's traceback must not keep megabytes of text alive
    raise DataError(problems)


def read_csv_header(path: str | Path) -> list[str]:
    """The column names of a CSV file (the same refusals as :func:`read_csv`), parsing no row beyond the first."""
    return list(read_csv(path, rows=1).frame.columns)
