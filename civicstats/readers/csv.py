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
from pathlib import Path

from civicstats.errors import DataError
from civicstats.readers import MAX_CSV_BYTES, RawTable
from civicstats.schema import Origin

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def decode(data: bytes, origin: Origin) -> str:
    """Bytes → text: BOMs honoured, UTF-8 if it decodes, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
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
    """Parse CSV text into a frame of text cells indexed by row number."""
    import pandas as pd

    if not text.strip():
        raise DataError([origin.problem(None, None, None, "the file is empty: it needs a header row and at least one row of data")])
    sep = sniff_separator(text)
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False,
            skip_blank_lines=False, engine="c",
        )
    except pd.errors.ParserError as exc:
        raise DataError([origin.problem(None, None, None, f"not a well-formed CSV file: {exc}".rstrip())]) from None
    except pd.errors.EmptyDataError:
        raise DataError([origin.problem(None, None, None, "the file is empty: it needs a header row and at least one row of data")]) from None
    frame.index = pd.RangeIndex(origin.header_row + 1, origin.header_row + 1 + len(frame))
    frame = frame.fillna("")
    blank = frame.eq("").all(axis=1) if len(frame.columns) else frame.index.to_series().astype(bool)
    return frame[~blank]


def read_csv(path: str | Path, max_bytes: int | None = None) -> RawTable:
    """Read one CSV file into a :class:`RawTable` of text cells."""
    path = Path(path)
    origin = Origin(str(path))
    limit = MAX_CSV_BYTES if max_bytes is None else max_bytes
    try:
        size = path.stat().st_size
        if size > limit:
            raise DataError([origin.problem(None, None, None,
                f"the file is {size:,} bytes, over the {limit:,}-byte limit for CSV files; "
                "to read it anyway raise the limit with the environment variable CIVICSTATS_MAX_CSV_BYTES")])
        data = path.read_bytes()
    except OSError as exc:
        raise DataError([origin.problem(None, None, None, f"cannot be read: {exc.strerror or exc}")]) from None
    check_bytes(data, origin)
    return RawTable(read_text_table(decode(data, origin), origin), origin)
