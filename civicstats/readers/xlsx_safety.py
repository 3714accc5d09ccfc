"""The safety pass over an Excel workbook: refuse it when hostile, before anything parses it.

A workbook is a zip of XML files, and a file from outside can be built to
hurt whoever opens it. So before any XML parser or spreadsheet library sees
it, :func:`inspect` (which :mod:`civicstats.readers.xlsx` goes through for
every workbook) checks it once, streaming, on a bounded read of the zip:

* it must be a zip (a CSV file renamed ``.xlsx``, an old ``.xls``, a web
  page or an OpenDocument ``.ods`` are each refused with a message saying
  what they are);
* the file, and the sum of all its members' sizes as the zip directory
  declares them, must stay under ``CIVICSTATS_MAX_XLSX_BYTES`` (default
  32 MB: what a check reads within its budget of 2 s and 100 MB), at most
  :data:`MAX_MEMBERS` members and :data:`MAX_SHEETS` sheets; no member
  larger than 1 MB, nor the members together, may expand more than
  ``CIVICSTATS_MAX_XLSX_RATIO`` times (default 200; real sheets expand 5 to
  30 times, zip bombs a thousand);
* the declared sizes are not trusted: every member is decompressed in
  bounded chunks and refused as soon as it produces more than declared, or
  when its length or checksum differs at the end;
* no sheet may reach so far that reading it needs more than
  ``CIVICSTATS_MAX_XLSX_CELLS`` cells (default 1 million, never more than
  :data:`HARD_MAX_CELLS` whatever the environment says: the reader
  allocates the whole rectangle from A1 to the farthest cell holding a
  value, and a failed allocation aborts the process), nor hold more than
  :data:`~civicstats.readers.csv.MAX_COLUMNS` columns; nor may the list of
  shared strings declare more strings than its size can hold;
* XML with a document type declaration (``<!DOCTYPE``, ``<!ENTITY``: the
  "billion laughs" and external-entity attacks) is refused; Excel never
  writes one. The XML parsed here is parsed with :mod:`defusedxml`.

Two scans, one implementation each. The **extent** of a sheet is bounded
from its bytes as they stream by (:class:`_Extent`); a sheet it cannot bound
is measured exactly by the **sheet scan** (:func:`scan_sheet`), the one
parse of a sheet's XML, which also finds formula and error cells (for sheets
whose bytes hold ``f>`` or ``t="e"``) and cells styled as percentages.

Size: about 600 lines, on purpose: every refusal above is one pass over the
same bytes, and splitting the pass would mean reading a hostile file twice.
"""

from __future__ import annotations

import os
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from civicstats.readers.csv import MAX_COLUMNS

MAX_BYTES_ENV = "CIVICSTATS_MAX_XLSX_BYTES"
#: Environment variable: largest compression ratio of a member over 1 MB.
MAX_RATIO_ENV = "CIVICSTATS_MAX_XLSX_RATIO"
#: Environment variable: largest sheet, in cells from A1 to its farthest value (rows × columns).
MAX_CELLS_ENV = "CIVICSTATS_MAX_XLSX_CELLS"
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_RATIO = 200
DEFAULT_MAX_CELLS = 1_000_000
#: Limits no environment variable lifts: past them the process itself may not survive the read.
HARD_MAX_BYTES = 2 * 1024**3
HARD_MAX_CELLS = 20_000_000
#: More sheets than this: not a workbook anyone typed (each would be listed in a warning).
MAX_SHEETS = 255
#: Members smaller than this are never refused for their ratio (tiny XML parts compress very well).
RATIO_FLOOR = 1024 * 1024
#: More files than this inside the zip: not a workbook anyone typed.
MAX_MEMBERS = 2_000

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


def _limit(env: str, default: int, hard: int | None = None) -> int:
    text = os.environ.get(env, "").strip().replace("_", "")
    try:
        value = int(text) if text else default
    except ValueError:
        raise ValueError(f"environment variable {env} must be a whole number, not {text!r}") from None
    return value if hard is None else min(value, hard)


def max_bytes() -> int:
    """The size limit of a workbook: ``$CIVICSTATS_MAX_XLSX_BYTES`` or 32 MB, at most 2 GB."""
    return _limit(MAX_BYTES_ENV, DEFAULT_MAX_BYTES, HARD_MAX_BYTES)


def max_ratio() -> int:
    """The compression-ratio limit: ``$CIVICSTATS_MAX_XLSX_RATIO`` or 200."""
    return _limit(MAX_RATIO_ENV, DEFAULT_MAX_RATIO)


def max_cells() -> int:
    """The largest sheet read, in cells from A1 to its farthest value: ``$CIVICSTATS_MAX_XLSX_CELLS`` or 1 million.

    Never more than :data:`HARD_MAX_CELLS` (20 million), whatever the environment says.
    """
    return _limit(MAX_CELLS_ENV, DEFAULT_MAX_CELLS, HARD_MAX_CELLS)



# --------------------------------------------------------------------------
# The safety pass: zip directory, streamed members, list of sheets


@dataclass(frozen=True)
class _Book:
    """What the safety pass learnt: the sheets, and which of them need a closer look."""

    sheets: dict[str, str]  # sheet name → zip member, in the workbook's order
    flagged: frozenset[str]  # members holding formulas or error values
    far: frozenset[str] = frozenset()  # members whose extent the byte scan could not bound: parsed before reading
    percent_styles: frozenset[int] = frozenset()  # cell styles (indexes of cellXfs) showing numbers as percentages


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
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if b"<html" in text[:4096] or text.startswith((b"<!doctype html", b"<table", b"<meta")):
            return ("this is not an .xlsx workbook: it is a web page (HTML), as some portals export under a "
                    "spreadsheet's name; open it in a spreadsheet and save it as .xlsx")
        if text[:1] == b"<":
            return ("this is not an .xlsx workbook: it is an XML file (an Excel 2003 XML spreadsheet?); "
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
        if any(i.filename == "mimetype" for i in infos[:1]) and b"opendocument" in head[:200]:
            raise _Refused("this is an OpenDocument spreadsheet (.ods, from LibreOffice), not an .xlsx workbook: "
                           "save it from LibreOffice as .xlsx (File > Save As > Excel 2007-365)")
        if len(infos) > MAX_MEMBERS:
            raise _Refused(f"the zip holds {len(infos):,} files, over the {MAX_MEMBERS:,} a workbook may have: refused")
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            raise _Refused(f"{CORRUPT}; the same part appears twice in the zip")
        declared = sum(i.file_size for i in infos)
        if declared > limit:
            raise _Refused(f"the workbook holds {declared:,} bytes once uncompressed, over the {limit:,}-byte limit; "
                           f"to read it anyway raise the limit with the environment variable {MAX_BYTES_ENV}")
        packed = sum(i.compress_size for i in infos)
        if declared > RATIO_FLOOR and declared > ratio * max(packed, 1):
            raise _Refused(
                f"the workbook's {len(infos):,} parts expand {declared / max(packed, 1):,.0f} times together "
                f"({packed:,} → {declared:,} bytes), over the limit of {ratio}: this looks like a zip bomb; if the "
                f"workbook is genuine raise the limit with the environment variable {MAX_RATIO_ENV}")
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
            keep = lower.endswith((".rels", "workbook.xml", "styles.xml"))
            # any XML part may be a sheet (the workbook's relationships say which): each is scanned
            extent = _Extent() if lower.endswith(".xml") else None
            data, has_cells = _stream_member(fp, i, scan=extent is not None, keep=keep, extent=extent)
            if data is not None:
                parts[i.filename] = data
            if has_cells:
                flagged.add(i.filename)
            if extent is not None:
                scanned.add(i.filename)
                if extent.odd or extent.bound() > max_cells() or extent.columns > MAX_COLUMNS:
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
        if len(sheets) > MAX_SHEETS:
            raise _Refused(f"the workbook has more than {MAX_SHEETS} sheets: not a workbook of tables; "
                           "keep the sheets civicstats reads (one per table)")
    styles = next((m for m in parts if m.lower().endswith("styles.xml") and m.startswith(posixpath.dirname(book_part))), None)
    return _Book(sheets, frozenset(flagged), frozenset(far), _percent_styles(parts[styles], styles) if styles else frozenset())


#: Built-in number formats showing a percentage (0% and 0.00%).
PERCENT_FORMATS = frozenset({9, 10})


def _percent_styles(data: bytes, member: str) -> frozenset[int]:
    """Indexes of the cell styles (``cellXfs``) whose number format shows a percentage."""
    root = _xml(data, member)
    custom = {el.get("numFmtId"): el.get("formatCode", "") for el in root.iter() if _local(el.tag) == "numFmt"}
    found = set()
    for xfs in (el for el in root.iter() if _local(el.tag) == "cellXfs"):
        for index, xf in enumerate(child for child in xfs if _local(child.tag) == "xf"):
            fmt = xf.get("numFmtId", "0")
            code = re.sub(r'"[^"]*"|\\.', "", custom.get(fmt, ""))  # quoted text and escaped characters are not a %
            if (fmt.isdigit() and int(fmt) in PERCENT_FORMATS) or "%" in code:
                found.add(index)
    return frozenset(found)



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



@dataclass
class SheetScan:
    """What the one parse of a sheet found (:func:`scan_sheet`)."""

    rows: int  # from row 1 to the farthest value
    columns: int  # from column A to the farthest value
    marked: list[tuple[int, int, str, str]] = field(default_factory=list)  # (row, column index, kind, text)
    styled: set[tuple[int, int]] = field(default_factory=set)  # (row, column index) of cells with a style asked for


def scan_sheet(path: Path, member: str, styles: frozenset[int] = frozenset()) -> SheetScan:
    """The sheet's extent, its formula and error cells, and its cells styled in ``styles``, by parsing it (streaming).

    Places cells as the reader (calamine) does: by their reference, or,
    without one, after the previous cell of the row, in the row its
    ``<row r>`` names (or the row after the previous one). A formula's text
    is shown; a formula copied from another cell (``<f t="shared" si="0"/>``)
    shows the formula it copies.
    """
    scan = SheetScan(0, 0)
    shared: dict[str, str] = {}
    row, column, place = 0, 0, (0, 0)  # 0-based: the current row, the next cell of it, the current cell
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
        if tag == "row":
            row, column = row + 1, 0
            el.clear()
        if tag != "c":
            continue
        children = {_local(child.tag): child for child in el}
        formula, value = children.get("f"), children.get("v")
        if formula is not None or "is" in children or value is not None and value.text:
            scan.rows, scan.columns = max(scan.rows, place[0] + 1), max(scan.columns, place[1] + 1)
        where = (place[0] + 1, place[1])
        if formula is not None:
            text, si = formula.text or "", formula.get("si")
            if text and si is not None:
                shared[si] = text
            shown = ("=" + text if text else "=" + shared[si] + " (copied)" if si in shared
                     else "(a formula copied from another cell)")
            scan.marked.append((*where, "formula", shown))
        elif el.get("t") == "e":
            scan.marked.append((*where, "error", value.text if value is not None and value.text else "#error"))
        style = el.get("s")
        if styles and style is not None and style.isdigit() and int(style) in styles:
            scan.styled.add(where)
        el.clear()
    return scan
