"""Excel workbooks (.xlsx): refused when hostile, read fast, never evaluated.

A workbook is a zip of XML files, and a file from outside can be built to
hurt whoever opens it. So before any XML parser or spreadsheet library sees
it, :func:`sheet_names` (which every other function goes through) checks it
once, streaming:

* it must be a zip (a CSV file renamed ``.xlsx``, an old ``.xls``, a
  truncated download are each refused with a message saying what they are);
* the file, and the sum of its members' sizes as the zip directory declares
  them, must stay under ``CIVICSTATS_MAX_XLSX_BYTES`` (default 200 MB), and
  no member larger than 1 MB may expand more than ``CIVICSTATS_MAX_XLSX_RATIO``
  times (default 200; real sheets expand 5 to 30 times, zip bombs a
  thousand);
* the declared sizes are not trusted: every member is decompressed in
  bounded chunks and refused as soon as it produces more than declared, or
  when its length or checksum differs at the end;
* no sheet may reach so far that reading it needs more than
  ``CIVICSTATS_MAX_XLSX_CELLS`` cells (default 5 million): the reader
  allocates the whole rectangle from A1 to the farthest cell holding a
  value, so a few bytes naming cell XFD1048576 would ask for 500 GB (see
  :class:`_Extent`); nor may the list of shared strings declare more
  strings than its size can hold (the reader reserves room for them first);
* XML with a document type declaration (``<!DOCTYPE``, ``<!ENTITY``: the
  "billion laughs" and external-entity attacks) is refused; Excel never
  writes one. The few XML parts parsed here (the list of sheets, cells
  holding formulas) are parsed with :mod:`defusedxml`, and openpyxl, used
  only to write the template, uses defusedxml too when it reads
  (``openpyxl.xml.DEFUSEDXML``).

The same pass notes which sheets hold formulas or Excel error values (a
byte search for ``f>`` and ``t="e"``, no parsing), so that reading the other
sheets costs nothing more. Values are then read by python-calamine, which
never evaluates a formula, and turned into the text cells every reader
returns (``12.0`` → ``"12"``, ``33.6`` → ``"33.6"``, dates → ``YYYY-MM-DD``,
booleans → ``true``/``false``). A formula, an error value or merged cells
in a sheet that is read are problems located to the cell: the data must be
typed values, one per cell.

Results are cached per file (path, size, modification time, inode), so the
many ``load`` calls of a check or a build read a workbook once.

>>> import tempfile, pathlib, openpyxl
>>> path = pathlib.Path(tempfile.mkdtemp()) / "book.xlsx"
>>> wb = openpyxl.Workbook(); ws = wb.active; ws.title = "participatory_budgets"
>>> for row in (["year", "count", "unit", "source"], [2017, 47, "villes", "BEZ"]): ws.append(row)
>>> wb.save(path)
>>> t = read_sheet(path, "participatory_budgets")
>>> t.frame.to_dict("records"), list(t.frame.index), t.origin.sheet
([{'year': '2017', 'count': '47', 'unit': 'villes', 'source': 'BEZ'}], [2], 'participatory_budgets')
"""

from __future__ import annotations

import datetime
import math
import os
import posixpath
import re
import stat
import struct
import threading
import zipfile
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from civicstats.errors import DataError, Problem
from civicstats.readers import RawTable
from civicstats.schema import Origin, suggest

#: Environment variable: largest workbook in bytes, on disk and uncompressed.
MAX_BYTES_ENV = "CIVICSTATS_MAX_XLSX_BYTES"
#: Environment variable: largest compression ratio of a member over 1 MB.
MAX_RATIO_ENV = "CIVICSTATS_MAX_XLSX_RATIO"
#: Environment variable: largest sheet, in cells from A1 to its farthest value (rows × columns).
MAX_CELLS_ENV = "CIVICSTATS_MAX_XLSX_CELLS"
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_RATIO = 200
DEFAULT_MAX_CELLS = 5_000_000
#: Members smaller than this are never refused for their ratio (tiny XML parts compress very well).
RATIO_FLOOR = 1024 * 1024
#: More files than this inside the zip: not a workbook anyone typed.
MAX_MEMBERS = 10_000
#: Formula and error cells reported per sheet, at most; the rest are counted.
MAX_CELL_PROBLEMS = 200

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK_IN = 1 << 20
_CHUNK_OUT = 1 << 23
_TAIL = 16

CORRUPT = ("corrupt or truncated workbook: it cannot be read as an .xlsx file "
           "(open it in Excel or LibreOffice and save it again)")
DTD_RULE = ("the workbook's XML declares a document type or entities (<!DOCTYPE>, <!ENTITY>), which Excel never "
            "writes and which can hide an entity-expansion attack ('billion laughs'): refused, nothing was expanded "
            "(save the workbook again from Excel or LibreOffice)")
FORMULA_RULE = "a formula where a value belongs: type the value itself"


def _limit(env: str, default: int) -> int:
    text = os.environ.get(env, "").strip().replace("_", "")
    try:
        return int(text) if text else default
    except ValueError:
        raise ValueError(f"environment variable {env} must be a whole number, not {text!r}") from None


def max_bytes() -> int:
    """The size limit of a workbook: ``$CIVICSTATS_MAX_XLSX_BYTES`` or 200 MB."""
    return _limit(MAX_BYTES_ENV, DEFAULT_MAX_BYTES)


def max_ratio() -> int:
    """The compression-ratio limit: ``$CIVICSTATS_MAX_XLSX_RATIO`` or 200."""
    return _limit(MAX_RATIO_ENV, DEFAULT_MAX_RATIO)


def max_cells() -> int:
    """The largest sheet read, in cells from A1 to its farthest value: ``$CIVICSTATS_MAX_XLSX_CELLS`` or 5 million."""
    return _limit(MAX_CELLS_ENV, DEFAULT_MAX_CELLS)


# --------------------------------------------------------------------------
# The safety pass: zip directory, streamed members, list of sheets


@dataclass(frozen=True)
class _Book:
    """What the safety pass learnt: the sheets, and which of them need a closer look."""

    sheets: dict[str, str]  # sheet name → zip member, in the workbook's order
    flagged: frozenset[str]  # members holding formulas or error values
    far: frozenset[str] = frozenset()  # members whose extent the byte scan could not bound: parsed before reading


class _Extent:
    """How far a sheet's cells may reach, from its bytes as they stream by, without parsing.

    calamine, which reads the values, allocates every cell of the rectangle
    from A1 to the farthest cell holding a value (rows × columns), and a Rust
    allocation that fails aborts the process: a sheet of a few bytes naming
    cell XFD1048576 would ask for 500 GB. Excel writes every cell as
    ``<c r="B7" ...>``, and in such a sheet only a reference of two letters
    or more (column AA on) or of six digits or more (row 100,000 on) can
    reach beyond 26 columns × 99,999 rows: one regular expression finds the
    cell tags that are not so near (0.1 s for 60 MB of sheet), and they are
    rare. A sheet whose bound is too large, or whose cells are written
    otherwise (a cell without its reference is placed by counting, prefixed
    tags, quotes or spaces Excel does not write), is parsed before it is
    read, to measure it exactly (:func:`_parsed_extent`).

    >>> e = _Extent(); e.feed(b'<row r="1"><c r="A1"><v>1</v></c><c r="C1"><v>2</v></c></row>'); e.close()
    >>> e.bound(), e.odd
    (2599974, False)
    >>> e.feed(b'<c r="XFD1048576"><v>3</v></c>'); e.close(); e.bound()
    17179869184
    >>> e = _Extent(); e.feed(b'<row r="1048576"><c><v>1</v></c></row>'); e.close(); e.odd
    True
    """

    #: A cell tag that is not ``<c r="`` + one letter + at most five digits.
    NOT_NEAR = re.compile(rb'<c(?! r="[A-Za-z][0-9]{1,5}")(?=[\s/>])')
    REF = re.compile(rb' r="([A-Za-z]{1,4})([0-9]{1,10})"')
    PREFIXED = re.compile(rb':c[\s/>]')
    #: What a sheet whose references are all near (one letter, five digits) can reach.
    NEAR_ROWS, NEAR_COLUMNS = 99_999, 26
    HUGE = 1 << 40
    #: Bytes kept from one chunk to the next, so that no tag is judged cut in two.
    CARRY = 64

    def __init__(self) -> None:
        self.rows = self.columns = 0
        self.odd = False
        self.carry = b""

    def feed(self, out: bytes) -> None:
        self._scan(self.carry + out, final=False)

    def close(self) -> None:
        self._scan(self.carry, final=True)

    def _scan(self, text: bytes, final: bool) -> None:
        cut = len(text) if final else max(len(text) - self.CARRY, 0)
        self.carry = text[cut:]
        if self.odd:
            return
        if self.PREFIXED.search(text):
            self.odd = True
            return
        for tag in self.NOT_NEAR.finditer(text):
            if tag.start() >= cut:
                break
            ref = self.REF.match(text, tag.end())
            if ref is None:
                self.odd = True
                return
            self.columns = max(self.columns, _column_number(ref[1]))
            self.rows = max(self.rows, _row_number(ref[2]))

    def bound(self) -> int:
        """Most cells reading the sheet can allocate, as far as the bytes seen tell."""
        return max(self.rows, self.NEAR_ROWS) * max(self.columns, self.NEAR_COLUMNS)


def _row_number(digits: bytes | str) -> int:
    return int(digits) if 0 < len(digits) <= 10 else (_Extent.HUGE if digits else 0)


def _column_number(letters: bytes | str) -> int:
    """1-based column number of spreadsheet letters (any case); absurd lengths are huge."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    return _column_index(letters.upper()) + 1 if len(letters) <= 4 else _Extent.HUGE


class _Refused(Exception):
    def __init__(self, rule: str):
        super().__init__(rule)
        self.rule = rule


def _not_a_zip(head: bytes) -> str:
    """Why bytes that are not a zip are not a workbook, in words."""
    if not head:
        return "the file is empty: it is not an .xlsx workbook"
    if head.startswith(OLE_MAGIC):
        return ("this is an old Excel .xls workbook, or a password-protected one: "
                "save it as .xlsx (without a password) or as CSV")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" not in head:
        if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
            return ("this is not an .xlsx workbook: it looks like a web page or an XML file; "
                    "open it in a spreadsheet and save it as .xlsx")
        return "this is not an .xlsx workbook: it looks like a CSV file (text): give it the .csv extension"
    return "this is not an .xlsx workbook (it is not a zip file): save it from Excel or LibreOffice as .xlsx"


def _stream_member(fp, info: zipfile.ZipInfo, *, scan: bool, keep: bool,
                   extent: _Extent | None = None) -> tuple[bytes | None, bool]:
    """Decompress one member in bounded chunks, trusting none of its declared sizes.

    Returns the member's bytes when ``keep``, and whether it holds a formula
    or an error value (when ``scan``); feeds ``extent`` with every chunk.
    Refuses DTDs in XML members, and a list of shared strings declaring
    more strings than it can hold.
    """
    fp.seek(info.header_offset)
    local = fp.read(30)
    if len(local) < 30 or local[:4] != ZIP_MAGIC:
        raise _Refused(CORRUPT)
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    fp.seek(info.header_offset + 30 + name_len + extra_len)
    inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    is_xml = info.filename.lower().endswith((".xml", ".rels", ".vml"))
    left, produced, crc = info.compress_size, 0, 0
    kept: list[bytes] = []
    tail, flagged, first = b"", False, True

    def take(out: bytes) -> None:
        nonlocal produced, crc, tail, flagged, first
        if not out:
            return
        produced += len(out)
        if produced > info.file_size:
            raise _Refused(f"{info.filename} inside the workbook is larger than its zip directory declares: "
                           "refused (a damaged file or a zip bomb)")
        crc = zlib.crc32(out, crc)
        if is_xml:
            if first and (out.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in out[:4]):
                raise _Refused(f"{info.filename} inside the workbook is not UTF-8 XML, as Excel writes it: "
                               "save the workbook again from Excel or LibreOffice")
            if first:
                _check_declared_strings(out, info)
            if extent is not None:
                extent.feed(out)
            edge = tail + out[:_TAIL]
            if b"<!" in out or b"<!" in edge:
                if any(m in out or m in edge for m in (b"<!DOCTYPE", b"<!ENTITY")):
                    raise _Refused(DTD_RULE)
            if scan and not flagged:
                flagged = any(m in out or m in edge for m in (b"f>", b't="e"'))
            tail = out[-_TAIL:]
        first = False
        if keep:
            kept.append(out)

    while left > 0:
        raw = fp.read(min(left, _CHUNK_IN))
        if not raw:
            raise _Refused(CORRUPT)
        left -= len(raw)
        if inflate is None:
            take(raw)
            continue
        if inflate.eof:
            raise _Refused(CORRUPT)
        buf = raw
        while buf:
            try:
                out = inflate.decompress(buf, _CHUNK_OUT)
            except zlib.error:
                raise _Refused(CORRUPT) from None
            take(out)
            buf = inflate.unconsumed_tail
            if inflate.eof:
                if buf or inflate.unused_data:
                    raise _Refused(CORRUPT)
                break
    if inflate is not None:
        while not inflate.eof:  # data still buffered in the decompressor
            out = inflate.decompress(b"", _CHUNK_OUT)
            if not out:
                break
            take(out)
        if not inflate.eof:
            raise _Refused(CORRUPT)
    if extent is not None:
        extent.close()
    if produced != info.file_size or crc != info.CRC:
        raise _Refused(CORRUPT)
    return (b"".join(kept) if keep else None), flagged


_SST_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sst[\s>/][^>]*", re.S)
_UNIQUE_COUNT = re.compile(rb"""uniqueCount\s*=\s*["']\s*([0-9]+)""")


def _check_declared_strings(head: bytes, info: zipfile.ZipInfo) -> None:
    """Refuse a list of shared strings that declares more strings than its bytes can hold.

    The reader reserves room for the declared number first: four billion
    strings declared in a few bytes would ask for 96 GB. A string takes at
    least five bytes (``<si/>``).
    """
    tag = _SST_TAG.search(head[:65536])
    count = _UNIQUE_COUNT.search(tag[0]) if tag else None
    if count is None:
        return
    declared = int(count[1]) if len(count[1]) <= 12 else 10**12
    if declared > info.file_size // 5 + 1:
        raise _Refused(f"{info.filename} inside the workbook declares {declared:,} strings but holds at most "
                       f"{info.file_size // 5 + 1:,}: refused (a damaged file, or one built to exhaust memory)")


def _xml(data: bytes, member: str):
    """Parse a small XML part with defusedxml: DTDs, entities and external references refused."""
    import defusedxml
    import defusedxml.ElementTree as safe_et

    try:
        return safe_et.fromstring(data, forbid_dtd=True)
    except (defusedxml.DTDForbidden, defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise _Refused(DTD_RULE) from None
    except safe_et.ParseError:
        raise _Refused(f"{CORRUPT}; its part {member} is not well-formed XML") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(elem, local: str) -> str | None:
    for k, v in elem.attrib.items():
        if _local(k) == local:
            return v
    return None


def _target(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _relationships(data: bytes, member: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, target) of a .rels part."""
    rels = {}
    for el in _xml(data, member).iter():
        if _local(el.tag) == "Relationship" and el.get("Id") and el.get("Target"):
            rels[el.get("Id")] = (el.get("Type", ""), el.get("Target"))
    return rels


def _inspect(path: Path) -> _Book:
    """The safety pass (see the module's docstring): refuse, or list the sheets."""
    limit, ratio = max_bytes(), max_ratio()
    size = path.stat().st_size
    if size > limit:
        raise _Refused(f"the file is {size:,} bytes, over the {limit:,}-byte limit for workbooks; to read it "
                       f"anyway raise the limit with the environment variable {MAX_BYTES_ENV}")
    with open(path, "rb") as fp:
        head = fp.read(65536)
        if not head.startswith(ZIP_MAGIC):
            raise _Refused(_not_a_zip(head))
        fp.seek(0)
        try:
            infos = zipfile.ZipFile(fp).infolist()
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, struct.error, NotImplementedError):
            raise _Refused(CORRUPT) from None
        if len(infos) > MAX_MEMBERS:
            raise _Refused(f"the zip holds {len(infos):,} files, over the {MAX_MEMBERS:,} a workbook may have: refused")
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            raise _Refused(f"{CORRUPT}; the same part appears twice in the zip")
        declared = sum(i.file_size for i in infos)
        if declared > limit:
            raise _Refused(f"the workbook holds {declared:,} bytes once uncompressed, over the {limit:,}-byte limit; "
                           f"to read it anyway raise the limit with the environment variable {MAX_BYTES_ENV}")
        for i in infos:
            if i.flag_bits & 0x1:
                raise _Refused("the workbook is encrypted (password-protected): save it without a password")
            if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _Refused(f"{CORRUPT}; its part {i.filename} uses a compression Excel does not write")
            if i.compress_type == zipfile.ZIP_STORED and i.compress_size != i.file_size:
                raise _Refused(CORRUPT)
            if i.file_size > RATIO_FLOOR and i.file_size > ratio * max(i.compress_size, 1):
                raise _Refused(
                    f"{i.filename} inside the workbook expands {i.file_size / max(i.compress_size, 1):,.0f} times "
                    f"({i.compress_size:,} → {i.file_size:,} bytes), over the limit of {ratio}: this looks like a "
                    f"zip bomb; if the workbook is genuine raise the limit with the environment variable {MAX_RATIO_ENV}")
        parts: dict[str, bytes] = {}
        flagged, scanned, far = set(), set(), set()
        for i in infos:
            lower = i.filename.lower()
            keep = lower.endswith(".rels") or lower.endswith("workbook.xml")
            # any XML part may be a sheet (the workbook's relationships say which): each is scanned
            extent = _Extent() if lower.endswith(".xml") else None
            data, has_cells = _stream_member(fp, i, scan=extent is not None, keep=keep, extent=extent)
            if data is not None:
                parts[i.filename] = data
            if has_cells:
                flagged.add(i.filename)
            if extent is not None:
                scanned.add(i.filename)
                if extent.odd or extent.bound() > max_cells():
                    far.add(i.filename)

    root = parts.get("_rels/.rels")
    book_part = None
    if root is not None:
        for kind, target in _relationships(root, "_rels/.rels").values():
            if kind.endswith("/officeDocument"):
                book_part = _target("", target)
    if book_part is None or book_part not in parts:
        raise _Refused("this is a zip file but not an Excel workbook (no workbook inside: a .docx, an .ods or "
                       "another archive?): save it from Excel or LibreOffice as .xlsx")
    rels = _relationships(parts.get(_rels_path(book_part), b"<Relationships/>"), _rels_path(book_part))
    sheets: dict[str, str] = {}
    for el in _xml(parts[book_part], book_part).iter():
        if _local(el.tag) != "sheet":
            continue
        name, rid = el.get("name"), _attr(el, "id")
        if name is None or rid not in rels:
            raise _Refused(f"{CORRUPT}; a sheet of its list has no name or no part")
        member = _target(book_part, rels[rid][1])
        if member not in names:
            raise _Refused(f"{CORRUPT}; the part of sheet '{name}' is missing")
        if member not in scanned:
            raise _Refused(f"{CORRUPT}; the part of sheet '{name}' is not an .xml part")
        sheets[name] = member
    return _Book(sheets, frozenset(flagged), frozenset(far))


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


def sheet_names(path: str | Path) -> list[str]:
    """The sheets of a workbook, in order, after checking it is safe to read.

    Raises :class:`~civicstats.errors.DataError` when the file is not a
    workbook or is refused (see the module's docstring). Cached per file.
    """
    return list(_book(Path(path))[1].sheets)


# --------------------------------------------------------------------------
# Reading a sheet


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


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


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


def _as_text(cells) -> None:
    """Turn one column (a contiguous numpy object array) of calamine values into text, in place.

    Text columns, the common case, are recognised by pandas' C type inference
    without a Python loop; columns of numbers only are converted at once.
    """
    import numpy as np
    from pandas.api.types import infer_dtype

    kind = infer_dtype(cells, skipna=False)
    if kind in ("string", "empty"):
        return
    if kind == "floating":
        numbers = cells.astype(np.float64)
        whole = np.isfinite(numbers) & (np.trunc(numbers) == numbers) & (np.abs(numbers) < 2.0**53)
        if whole.all():
            cells[:] = numbers.astype(np.int64).astype(str).astype(object)
            return
    cells[:] = [v if type(v) is str else cell_text(v) for v in cells]


class _Unusual(Exception):
    """XML the fast formula scan does not follow: parse the sheet instead."""


def _marked_cells(path: Path, member: str) -> list[tuple[int, int, str, str]]:
    """(row, column index, kind, text) of every formula and error cell of a sheet.

    Called only for sheets the safety pass flagged (and checked: no DTD, true
    sizes). The fast way looks only at the cells around each ``<f`` tag and
    ``t="e"`` attribute in the sheet's bytes (a hundred thousand formulas in
    0.4 s, against 4 s to parse the sheet); XML it does not expect (cells
    without references, odd prefixes) sends it to :func:`_parsed_marked_cells`.
    """
    with zipfile.ZipFile(path) as zf:
        data = zf.read(member)
    try:
        return _scanned_marked_cells(data)
    except _Unusual:
        return _parsed_marked_cells(path, member)


def _scanned_marked_cells(data: bytes) -> list[tuple[int, int, str, str]]:
    import html

    root = re.search(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>]", data[:65536])
    if root is None:
        raise _Unusual
    p = re.escape(root.group(1) + b":") if root.group(1) else b""
    prefix = root.group(1) + b":" if root.group(1) else b""
    cell_open, cell_close = b"<" + prefix + b"c ", b"</" + prefix + b"c>"
    formula = re.compile(rb"<" + p + rb"f(\s[^>]*)?(?:/>|>(.*?)</" + p + rb"f>)", re.S)
    value = re.compile(rb"<" + p + rb"v>(.*?)</" + p + rb"v>", re.S)
    ref = re.compile(rb'\sr="\$?([A-Z]{1,3})\$?(\d+)"')
    data_end = data.find(b"</" + prefix + b"sheetData>")
    data_end = len(data) if data_end == -1 else data_end

    hits = []
    for marker in (b"<" + prefix + b"f>", b"<" + prefix + b"f ", b"<" + prefix + b"f/", b't="e"'):
        at = data.find(marker)
        while at != -1:
            hits.append(at)
            at = data.find(marker, at + 1)
    found: list[tuple[int, int, str, str]] = []
    shared: dict[bytes, str] = {}
    done: set[int] = set()
    for hit in sorted(hits):
        start = data.rfind(cell_open, 0, hit)
        end = data.find(cell_close, start) if start != -1 else -1
        if start == -1 or end == -1 or end < hit:
            # not inside a cell: a formula tag here, among the cells, is in a cell this scan cannot see
            # (formulas after the cells, of conditional formats say, are not data)
            if hit < data_end and data[hit:hit + 1] == b"<":
                raise _Unusual
            continue
        if start in done:
            continue
        done.add(start)
        tag_end = data.find(b">", start)
        cell = data[start:end]
        attrs = data[start:tag_end]
        where = ref.search(attrs)
        if where is None:
            raise _Unusual
        row, col = int(where[2]), _column_index(where[1].decode())
        f = formula.search(cell)
        if f is not None:
            text = html.unescape(f[2].decode("utf-8", "replace")) if f[2] else ""
            si = re.search(rb'\ssi="(\d+)"', f[1] or b"")
            if text and si:
                shared[si[1]] = text
            if text:
                shown = "=" + text
            elif si and si[1] in shared:
                shown = "=" + shared[si[1]] + " (copied)"
            else:
                shown = "(a formula copied from another cell)"
            found.append((row, col, "formula", shown))
        elif re.search(rb'\st="e"', attrs):
            v = value.search(cell)
            found.append((row, col, "error", html.unescape(v[1].decode("utf-8", "replace")) if v else "#error"))
    # formula tags written with another prefix than the sheet's are cells this scan does not see
    if prefix:
        if re.search(rb"<(?!" + p + rb"f[\s/>])(?:[A-Za-z_][\w.-]*:)?f[\s/>]", data[:data_end]):
            raise _Unusual
    elif any(data.find(m, 0, data_end) != -1 for m in (b":f>", b":f ", b":f/")):
        raise _Unusual
    return found


def _sheet_events(path: Path, member: str):
    """(event, element) pairs of a sheet part, streamed by defusedxml, up to ``sheetData``'s end.

    DTD or entity declarations and malformed XML become :class:`_Refused`
    with the rule a person reads.
    """
    import defusedxml
    import defusedxml.ElementTree as safe_et

    with zipfile.ZipFile(path) as zf, zf.open(member) as stream:
        try:
            for event, el in safe_et.iterparse(stream, events=("start", "end"), forbid_dtd=True):
                yield event, el
                if event == "end" and _local(el.tag) == "sheetData":
                    return
        except (defusedxml.DTDForbidden, defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
            raise _Refused(DTD_RULE) from None
        except safe_et.ParseError:
            raise _Refused(f"{CORRUPT}; its sheet part {member} is not well-formed XML") from None


def _parsed_marked_cells(path: Path, member: str) -> list[tuple[int, int, str, str]]:
    """What :func:`_marked_cells` finds, by parsing the sheet with defusedxml (streaming)."""
    found: list[tuple[int, int, str, str]] = []
    shared: dict[str, str] = {}
    row, col = 0, -1
    for event, el in _sheet_events(path, member):
        tag = _local(el.tag)
        if event == "start":
            if tag == "row":
                r = el.get("r")
                row = int(r) if r and r.isdigit() else row + 1
                col = -1
            continue
        if tag == "c":
            ref = el.get("r")
            m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", ref or "")
            col = _column_index(m[1]) if m else col + 1
            cell_row = int(m[2]) if m else row
            formula = value = None
            for child in el:
                t = _local(child.tag)
                if t == "f":
                    formula = child
                elif t == "v":
                    value = child.text
            if formula is not None:
                text = formula.text or ""
                si = formula.get("si")
                if text and si is not None:
                    shared[si] = text
                if text:
                    shown = "=" + text
                elif si in shared:
                    shown = "=" + shared[si] + " (copied)"
                else:
                    shown = "(a formula copied from another cell)"
                found.append((cell_row, col, "formula", shown))
            elif el.get("t") == "e":
                found.append((cell_row, col, "error", value or "#error"))
            el.clear()
        elif tag == "row":
            el.clear()
    return found


def _parsed_extent(path: Path, member: str) -> tuple[int, int]:
    """(rows, columns) from A1 to the farthest cell holding a value, by parsing the sheet (streaming).

    Places cells as calamine does: by their reference, or, without one, after
    the previous cell of the row, in the row its ``<row r>`` names (or the
    row after the previous one). Used for the sheets :class:`_Extent` could
    not bound from their bytes.
    """
    rows = columns = 0
    row, column = 0, 0  # 0-based: the next row, and the next cell of the current row
    place = (0, 0)
    for event, el in _sheet_events(path, member):
        tag = _local(el.tag)
        if event == "start":
            if tag == "row":
                r = _attr(el, "r")
                if r is not None and r.strip().isdigit():
                    row = _row_number(r.strip()) - 1
                column = 0
            elif tag == "c":
                ref = re.search(r"([A-Za-z]+)\s*([0-9]+)", _attr(el, "r") or "")
                place = (_row_number(ref[2]) - 1, _column_number(ref[1]) - 1) if ref else (row, column)
                column = place[1] + 1
            continue
        if tag == "c":
            if any(_local(child.tag) in ("is", "f") or _local(child.tag) == "v" and child.text
                   for child in el):  # a value, or a formula (an error of its own)
                rows, columns = max(rows, place[0] + 1), max(columns, place[1] + 1)
            el.clear()
        elif tag == "row":
            row, column = row + 1, 0
            el.clear()
    return rows, columns


def _check_extent(path: Path, member: str) -> None:
    """Refuse a sheet whose farthest value makes it larger than :func:`max_cells`."""
    rows, columns = _parsed_extent(path, member)
    limit = max_cells()
    if rows * columns > limit:
        letters = column_letter(columns - 1) if columns <= 1 << 20 else f"number {columns:,}"
        raise _Refused(
            f"this sheet holds values as far as column {letters} and row {rows:,}: reading it means {rows:,} rows × "
            f"{columns:,} columns = {rows * columns:,} cells, over the limit of {limit:,}; delete what lies beyond "
            f"the table (in Excel, Ctrl+End goes to the last cell) or, if the sheet is genuine, raise the limit "
            f"with the environment variable {MAX_CELLS_ENV}")


def _frame(rows: list[list], origin: Origin, marked, merges) -> RawTable:
    """calamine rows (from A1) → a RawTable of text cells, with the cell problems found."""
    import numpy as np
    import pandas as pd

    problems: list[Problem] = []
    covered: set = set()
    width = max(map(len, rows), default=0)
    if len(set(map(len, rows))) > 1:
        rows = [list(r) + [""] * (width - len(r)) for r in rows]
    header = [cell_text(v) for v in rows[0]] if rows else []
    # column-major, so that each column is one contiguous array
    cells = np.array(rows[1:], dtype=object).reshape(max(len(rows) - 1, 0), width).T.copy()

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

    for j in range(width):
        _as_text(cells[j])
    # a column with neither a name nor a value is formatting, not data
    keep = [j for j in range(width) if header[j].strip() or (cells[j] != "").any()]
    cells = cells[keep]
    frame = pd.DataFrame({i: cells[i] for i in range(len(keep))},
                         index=pd.RangeIndex(2, len(rows) + 1) if rows else pd.RangeIndex(0), dtype="str")
    frame.columns = [name_of(j) for j in keep]
    blank = (cells == "").all(axis=0)
    if blank.any():
        frame = frame[~blank]
    return RawTable(frame, origin, problems, covered)


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
        if _open.get("key") != key:
            _open.clear()
            _open.update(key=key, sheets={})
        cached = _open["sheets"].get(name)
        if isinstance(cached, DataError):  # refused once: not measured again
            raise DataError(cached.problems)
        if cached is None:
            try:
                workbook = _open.get("calamine")
                if workbook is None:
                    workbook = _open["calamine"] = calamine.CalamineWorkbook.from_path(str(path))
                member = book.sheets[name]
                if member in book.far:
                    _check_extent(path, member)  # before calamine allocates the sheet
                sheet = workbook.get_sheet_by_name(name)
                rows = sheet.to_python(skip_empty_area=False)
                merges = sheet.merged_cell_ranges
                marked = _marked_cells(path, member) if member in book.flagged else []
            except _Refused as exc:
                _open["sheets"][name] = DataError([origin.problem(None, None, None, exc.rule)])
                raise DataError(_open["sheets"][name].problems) from None
            except (calamine.CalamineError, OSError, ValueError, zipfile.BadZipFile) as exc:
                raise DataError([origin.problem(None, None, None, f"{CORRUPT} ({type(exc).__name__}: {exc})")]) from None
            except BaseException as exc:  # a panic in the Rust reader (pyo3's PanicException) is a damaged file
                if type(exc).__name__ != "PanicException":
                    raise
                raise DataError([origin.problem(None, None, None, f"{CORRUPT} (the reader failed: {exc})")]) from None
            cached = _open["sheets"][name] = _frame(rows, origin, marked, merges)
    return RawTable(cached.frame.copy(deep=False), cached.origin, list(cached.problems), set(cached.covered))
