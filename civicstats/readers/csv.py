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
import csv as _csv
import io
import os
import stat
from pathlib import Path

from civicstats.errors import DataError
from civicstats.readers import MAX_CSV_BYTES_ENV, RawTable, max_csv_bytes
from civicstats.schema import Origin

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def decode(data: bytes, origin: Origin) -> str:
    """Bytes → text: BOMs honoured, UTF-8 if it decodes, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:  # a UTF-16 mark, then bytes that are not UTF-16: damaged
            rule = (f"starts as UTF-16 text but byte {exc.start:,} is not UTF-16 (a damaged or truncated file?): "
                    "save it again as CSV UTF-8")
            raise DataError([origin.problem(None, None, None, rule)]) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:1_000_000], cp_isolation=["cp1252", "latin_1", "utf_16"]).best()
        encoding = best.encoding if best is not None else "cp1252"
    except ImportError:  # pragma: no cover - charset-normalizer is a dependency
        encoding = "cp1252"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise DataError([origin.problem(None, None, None, "not readable as text (neither UTF-8 nor Windows-1252): save it as CSV UTF-8")]) from None


def sniff_separator(text: str) -> str:
    """The separator of a CSV text: ``,``, ``;`` or tab.

    >>> sniff_separator("a;b;c\\n1,5;2;3\\n")
    ';'
    >>> sniff_separator("a,b\\n1,2\\n")
    ','
    """
    sample = "\n".join(text[:20_000].splitlines()[:20])
    try:
        return _csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except _csv.Error:
        header = sample.splitlines()[0] if sample else ""
        counts = {d: header.count(d) for d in (",", ";", "\t")}
        return max(counts, key=counts.get) if any(counts.values()) else ","


def check_bytes(data: bytes, origin: Origin, what: str = "CSV") -> None:
    """Refuse bytes that are not a text table, saying what they look like."""
    if data.startswith(ZIP_MAGIC):
        raise DataError([origin.problem(None, None, None, f"this is an Excel workbook (or another zip file), not a {what}: give it the .xlsx extension")])
    if data.startswith(OLE_MAGIC):
        raise DataError([origin.problem(None, None, None, "this is an old Excel .xls workbook: save it as .xlsx or as CSV")])
    head = data[:8192]
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError([origin.problem(None, None, None, f"not a text file: this does not look like a {what}")])


def read_text_table(text: str, origin: Origin):
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
    return RawTable(read_text_table(decode(data, origin), origin), origin)
