"""CSV files, including the dialects French spreadsheets write.

Detected, not guessed: a byte-order mark, UTF-8 or Windows-1252 text, and the
separator (comma, semicolon or tab). Decimal commas are handled when cells are
parsed (:mod:`civicstats.schema`). Files that are not text (a workbook saved
as ``.csv``, binary data) are refused with a message saying what they are.

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
from civicstats.readers import MAX_CSV_BYTES_ENV, RawTable, max_csv_bytes

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


#: Widest header read: no table has more than a few dozen columns (a hard cap, for CSV and workbooks alike).
MAX_COLUMNS = 1_000
#: Longest cell read, in characters: Excel's own limit (a hard cap, for CSV and workbooks alike).
MAX_CELL_CHARS = 32_767
#: Most cells (rows × header columns) in one CSV file: what validation handles within its time and memory budget.
MAX_CELLS_ENV = "CIVICSTATS_MAX_CSV_CELLS"
DEFAULT_MAX_CELLS = 1_000_000
#: Most cells whatever the environment says: beyond it a check needs gigabytes.
HARD_MAX_CELLS = 20_000_000
#: The part of the text the separator is detected from.
SNIFF_LINES, SNIFF_CHARS = 20, 65_536

#: Characters no spreadsheet writes in a cell: C0 controls but tab and line breaks, DEL, C1 controls.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Windows-1252 characters that, next to a letter, mean the bytes were Mac Roman text (é → Ž, à → ˆ, ô → ™).
MAC_ROMAN_SIGNS = re.compile("(?<=[^\\W\\d_])[ŽˆŠ˜šžŸƒ‰‹›†‡‚„•]|[ŽˆŠ˜šžŸƒ‰‹›†‡‚„•](?=[^\\W\\d_])|(?<=[^\\W\\d_])™(?=[a-z])")
TRIED = "tried: UTF-8, UTF-16 and UTF-32 with a byte-order mark, Windows-1252"
SAVE_AS = "save it as CSV UTF-8 (in Excel: File > Save As > CSV UTF-8)"


def max_cells() -> int:
    """Most cells of a CSV file: ``$CIVICSTATS_MAX_CSV_CELLS`` or 1 million, never over 20 million."""
    text = os.environ.get(MAX_CELLS_ENV, "").strip().replace("_", "")
    try:
        return min(int(text), HARD_MAX_CELLS) if text else DEFAULT_MAX_CELLS
    except ValueError:
        raise ValueError(f"environment variable {MAX_CELLS_ENV} must be a whole number, not {text!r}") from None


def _refuse(origin: Origin, rule: str, row: int | None = None) -> DataError:
    return DataError([origin.problem(row, None, None, rule)])


def decode(data: bytes, origin: Origin) -> str:
    """Bytes → text, only when the encoding is certain; else a :class:`DataError` naming the encodings tried.

    A byte-order mark says UTF-8, UTF-16 or UTF-32; without one the text must
    be UTF-8, or Windows-1252 (what French Excel writes as "CSV") showing no
    sign of another encoding (Mac Roman's é read as Ž). A byte-order mark
    anywhere but at the start (two files pasted together) is refused.

    >>> decode("région".encode("cp1252"), Origin("a.csv"))
    'région'
    >>> decode("région".encode("mac_roman"), Origin("a.csv"))
    Traceback (most recent call last):
    civicstats.errors.DataError: 1 problem in a.csv:
      a.csv: the encoding of this text is not certain: read as Windows-1252 it shows 'rŽgion', a sign of Mac Roman text (tried: UTF-8, UTF-16 and UTF-32 with a byte-order mark, Windows-1252): save it as CSV UTF-8 (in Excel: File > Save As > CSV UTF-8)
    """
    for bom, codec, name in ((codecs.BOM_UTF32_LE, "utf-32", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
                             (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
                             (codecs.BOM_UTF16_BE, "utf-16", "UTF-16")):
        if data.startswith(bom):
            try:
                text = data.decode(codec)
                break
            except UnicodeDecodeError as exc:  # a mark, then bytes that are not that encoding: damaged
                raise _refuse(origin, f"starts as {name} text but byte {exc.start:,} is not {name} (a damaged or "
                                      f"truncated file?): {SAVE_AS}") from None
    else:
        _check_no_nul(data, origin)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as exc:
                raise _refuse(origin, f"not readable as text: byte {exc.start:,} (0x{data[exc.start]:02X}) is neither "
                                      f"UTF-8 nor Windows-1252, perhaps Mac Roman or another encoding ({TRIED}): "
                                      f"{SAVE_AS}") from None
            sign = MAC_ROMAN_SIGNS.search(text)
            if sign:
                around = (re.search(r"[^\s,;\"]{0,20}\Z", text[max(sign.start() - 20, 0):sign.start()])[0] + sign[0]
                          + re.match(r"[^\s,;\"]{0,20}", text[sign.end():sign.end() + 20])[0])
                raise _refuse(origin, f"the encoding of this text is not certain: read as Windows-1252 it shows "
                                      f"{around!r}, a sign of Mac Roman text ({TRIED}): {SAVE_AS}")
    if "\ufeff" in text:
        line = text.count("\n", 0, text.index("\ufeff")) + 1
        raise _refuse(origin, "a byte-order mark (an invisible encoding mark, U+FEFF) in the middle of the text: two "
                              f"files pasted together? remove it (or {SAVE_AS[0].lower() + SAVE_AS[1:]})", row=line)
    return text


def _check_no_nul(data: bytes, origin: Origin) -> None:
    """Refuse text with NUL bytes: UTF-16 or UTF-32 without a byte-order mark, or not text at all."""
    head = data[:65536]
    if b"\x00" not in data:
        return
    even, odd = head[0::2], head[1::2]
    if head[0::4].count(0) == 0 and head[1::4].count(0) > len(head) // 4 * 0.6 and head[2::4].count(0) > len(head) // 4 * 0.6 \
            or head[3::4].count(0) == 0 and head[0::4].count(0) > len(head) // 4 * 0.6:
        raise _refuse(origin, f"this looks like UTF-32 text without a byte-order mark: its encoding is not certain "
                              f"({TRIED}): {SAVE_AS}")
    if odd.count(0) > len(odd) * 0.6 or even.count(0) > len(even) * 0.6:
        raise _refuse(origin, f"this looks like UTF-16 text without a byte-order mark: its encoding is not certain "
                              f"({TRIED}): {SAVE_AS}")
    if head.count(b"\x00") > len(head) // 100:  # NULs everywhere: binary data
        raise _refuse(origin, "not a text file: this does not look like a CSV")
    line = data.count(b"\n", 0, data.index(b"\x00")) + 1
    raise _refuse(origin, "a NUL byte (a control character no spreadsheet writes): a damaged file, or not a text "
                          "file: remove it", row=line)


def sniff_separator(text: str) -> str:
    """The separator of a CSV text: ``,``, ``;`` or tab, from its first lines (linear time, quotes skipped).

    The separator found in the header that splits the most of the next lines
    into as many cells wins; no backtracking parser sees the text.

    >>> sniff_separator("a;b;c\\n1,5;2;3\\n")
    ';'
    >>> sniff_separator("a,b\\n1,2\\n")
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
        elif ch == "\n":
            counts.append(current)
            current = {",": 0, ";": 0, "\t": 0}
            if len(counts) == SNIFF_LINES:
                break
    else:
        counts.append(current)
    header = counts[0]
    candidates = [d for d in (";", "\t", ",") if header[d]]
    if not candidates:
        return ","
    if len(candidates) == 1:
        return candidates[0]
    rows = [c for c in counts[1:] if any(c.values())]
    return max(candidates, key=lambda d: (sum(r[d] == header[d] for r in rows), header[d]))


def check_bytes(data: bytes, origin: Origin, what: str = "CSV") -> None:
    """Refuse bytes that are not a text table, saying what they look like."""
    if data.startswith(ZIP_MAGIC):
        if b"mimetypeapplication/vnd.oasis.opendocument" in data[:200]:
            raise _refuse(origin, f"this is an OpenDocument spreadsheet (.ods), not a {what}: save it as .xlsx or CSV")
        raise DataError([origin.problem(None, None, None, f"this is an Excel workbook (or another zip file), not a {what}: give it the .xlsx extension")])
    if data.startswith(OLE_MAGIC):
        raise DataError([origin.problem(None, None, None, "this is an old Excel .xls workbook: save it as .xlsx or as CSV")])
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table", b"<!--")):
        kind = "an XML file (an Excel 2003 XML spreadsheet?)" if head.startswith(b"<?xml") and b"<html" not in head \
            else "a web page (HTML), as some portals export under a spreadsheet's name"
        raise _refuse(origin, f"this is {kind}, not a {what}: open it in a spreadsheet and save it as .xlsx or CSV UTF-8")


def screen_cells(frame, origin: Origin) -> tuple[object, list, set]:
    """Cells no spreadsheet writes: control characters, cells over :data:`MAX_CELL_CHARS`.

    Returns the frame (an over-long cell cut, so that no fuzzy matching ever
    reads it whole), the located problems and the cells they cover. Header
    names are screened too.
    """
    problems, covered = [], set()
    for j, name in enumerate(frame.columns):
        if CONTROL.search(str(name)):
            problems.append(origin.problem(origin.header_row, None, str(name),
                                           "a control character (invisible, no spreadsheet writes it) in this column's name: remove it"))
    cut = {}
    for j, name in enumerate(frame.columns):
        column = frame.iloc[:, j]
        joined = "\n".join(column.tolist())
        long = len(joined) > MAX_CELL_CHARS and column.str.len().gt(MAX_CELL_CHARS)
        bad = column.str.contains(CONTROL) if CONTROL.search(joined) else None
        for mask, rule in ((bad, "a control character (invisible, no spreadsheet writes it) in this cell: a damaged "
                                 "file, or text pasted from elsewhere: remove it"),
                           (long if long is not False and long.any() else None,
                            f"this cell is longer than {MAX_CELL_CHARS:,} characters, the most a spreadsheet cell holds")):
            if mask is None or not mask.any():
                continue
            for r, v in zip(column.index[mask.to_numpy()], column[mask.to_numpy()]):
                problems.append(origin.problem(int(r), str(name), v[:200], rule))
                covered.add((origin.file, origin.sheet, int(r), str(name)))
        if long is not False and long.any():
            cut[j] = column.where(~long, column.str.slice(0, 100))
    if cut:
        frame = frame.copy()
        for j, column in cut.items():
            frame.iloc[:, j] = column
    return frame, problems, covered


def read_text_table(text: str, origin: Origin, long_lines: bool = True):
    """Parse CSV text into a frame of text cells indexed by row number.

    The header is taken as written: a name typed twice stays twice (pandas
    would rename the second ``count.1``), a blank one is named after its
    column letter, as a spreadsheet opening the file shows it
    (``Unnamed: C``). A row with more cells than the header is a located
    problem (pandas would silently take the extra cells of the first row
    as an index, shifting every column).
    """
    import pandas as pd

    if not text.strip():
        raise DataError([origin.problem(None, None, None, "the file is empty: it needs a header row and at least one row of data")])
    sep = sniff_separator(text)
    first = text[: text.find("\n") + 1 or len(text)]
    width = first.count(sep) + 1
    if width > MAX_COLUMNS:
        raise _refuse(origin, f"the header has {width:,} columns, over the limit of {MAX_COLUMNS:,} (no table has "
                              "that many): is this the right file?", row=origin.header_row)
    long = _long_cell(text, sep) if long_lines else None
    if long is not None:  # refused before pandas copies it, and before any fuzzy matching reads it
        raise _refuse(origin, f"a cell longer than {MAX_CELL_CHARS:,} characters, the most a spreadsheet cell holds "
                              "(is this the right file?)", row=origin.header_row + text.count("\n", 0, long))
    cells, limit = (text.count("\n") + 1) * width, max_cells()
    if cells > limit:
        raise _refuse(origin, f"about {cells:,} cells ({text.count(chr(10)) + 1:,} lines × {width:,} columns), over "
                              f"the limit of {limit:,}; if the file is genuine raise the limit with the environment "
                              f"variable {MAX_CELLS_ENV} (at most {HARD_MAX_CELLS:,})")
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, header=None, dtype=str, keep_default_na=False, na_filter=False,
            skip_blank_lines=False, engine="c",
        )
    except pd.errors.ParserError as exc:
        raise DataError([_parser_problem(str(exc), origin)]) from None
    except pd.errors.EmptyDataError:
        raise DataError([origin.problem(None, None, None, "the file is empty: it needs a header row and at least one row of data")]) from None
    header = ["" if pd.isna(v) else str(v) for v in frame.iloc[0]] if len(frame) else []
    frame = frame.iloc[1:]
    frame.columns = [name if name.strip() else f"Unnamed: {_letter(j)}" for j, name in enumerate(header)]
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
        stops = np.flatnonzero((chunk == 44) | (chunk == 59) | (chunk == 9) | (chunk == 10) | (chunk == 34)) + start
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


def _long_cell(text: str, sep: str) -> int | None:
    """Where a cell longer than :data:`MAX_CELL_CHARS` starts, or None (linear time: runs are tried from their start only)."""
    if len(text) <= MAX_CELL_CHARS:
        return None
    s = re.escape(sep)
    plain = re.compile(f'(?<![^{s}\\n"])[^{s}\\n"]{{{MAX_CELL_CHARS + 1}}}')
    quoted = re.compile(f'(?<![^{s}\\n])"(?:[^"]|""){{{MAX_CELL_CHARS + 1}}}')
    found = [m.start() for m in (plain.search(text), quoted.search(text)) if m]
    return min(found, default=None)


def _letter(index: int) -> str:
    from civicstats.readers.xlsx import column_letter

    return column_letter(index)


def _parser_problem(message: str, origin: Origin):
    """pandas' tokenizer error → a problem located to its row, in words.

    >>> print(_parser_problem("Error tokenizing data. C error: Expected 6 fields in line 3, saw 8", Origin("a.csv")))
    a.csv, row 3: this row has 8 cells but the header has 6: a separator too many, or a value holding the separator without quotes around it
    >>> print(_parser_problem("Error tokenizing data. C error: EOF inside string starting at row 1", Origin("a.csv")))
    a.csv, row 2: a quote (") opened in this row is never closed: the rest of the file reads as one value
    """
    import re

    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if fields:
        expected, row, saw = (int(g) for g in fields.groups())
        return origin.problem(row, None, None, f"this row has {saw} cells but the header has {expected}: a separator "
                              "too many, or a value holding the separator without quotes around it")
    quote = re.search(r"EOF inside string starting at row (\d+)", message)
    if quote:
        return origin.problem(int(quote[1]) + 1, None, None,
                              'a quote (") opened in this row is never closed: the rest of the file reads as one value')
    detail = message.replace("Error tokenizing data. C error: ", "").strip()
    return origin.problem(None, None, None, f"not a well-formed CSV file: {detail}")


def _no_block(path: str, flags: int) -> int:
    """Open without waiting: a named pipe with no writer would block ``open`` for ever."""
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def read_csv(path: str | Path, max_bytes: int | None = None) -> RawTable:
    """Read one CSV file into a :class:`RawTable` of text cells."""
    path = Path(path)
    origin = Origin(str(path))
    limit = max_csv_bytes() if max_bytes is None else max_bytes

    def too_large(size: str) -> DataError:
        return DataError([origin.problem(None, None, None,
            f"the file is {size} bytes, over the {limit:,}-byte limit for CSV files; "
            f"to read it anyway raise the limit with the environment variable {MAX_CSV_BYTES_ENV}")])

    try:
        with open(path, "rb", opener=_no_block) as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):  # a device or a pipe could be endless, or block
                raise DataError([origin.problem(None, None, None, "not a regular file: give the path of a CSV file")])
            if st.st_size > limit:
                raise too_large(f"{st.st_size:,}")
            data = fh.read(limit + 1)  # the file may have grown since
            if len(data) > limit:
                raise too_large(f"more than {limit:,}")
    except OSError as exc:
        raise DataError([origin.problem(None, None, None, f"cannot be read: {exc.strerror or exc}")]) from None
    check_bytes(data, origin)
    run, at = _longest_run(data)
    if run > 4 * MAX_CELL_CHARS:  # refused before decoding: a 30 MB cell costs no 30 MB of text
        raise _refuse(origin, f"a cell longer than {MAX_CELL_CHARS:,} characters, the most a spreadsheet cell holds "
                              "(is this the right file?)", row=origin.header_row + data.count(b"\n", 0, at))
    long_lines = run > MAX_CELL_CHARS  # a long cell is looked for in the text only where one may be
    try:
        text = decode(data, origin)
        del data  # the bytes are not kept while pandas reads the text
        frame, problems, covered = screen_cells(read_text_table(text, origin, long_lines), origin)
    except DataError as exc:
        problems = exc.problems
    else:
        return RawTable(frame, origin, problems, covered)
    data = text = None  # a refusal's traceback must not keep megabytes of text alive
    raise DataError(problems)
