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
  writes one. The XML parsed here is parsed with :mod:`defusedxml`, or
  with expat refusing any document type (the sheet scan).

Two scans, one implementation each. The **extent** of a sheet is bounded
from its bytes as they stream by (:class:`_Extent`: the rows × columns its
cell references reach, without a parse); a sheet it cannot bound under the
limit is measured exactly by the **sheet scan** (:func:`scan_sheet`), the
one parse of a sheet's XML (expat callbacks), which also finds formula and
error cells (for sheets whose bytes hold ``f>`` or ``t="e"``) and cells
styled as percentages (for sheets whose bytes may use a percent style,
:class:`_StyleUse`). A sheet that is none of these is never parsed here:
calamine reads it.

Size: about 800 lines, on purpose: every refusal above is one pass over the
same bytes, and splitting the pass would mean reading a hostile file twice.
"""

from __future__ import annotations

import functools
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
    ``<c r="B7" ...>``; a reference of one letter and one to five digits
    (without a leading zero) is *near*. One regular expression finds, in each
    chunk, the cell tags that are not near (rare: each is measured by its
    reference) and the near ones beyond the farthest seen so far; counting
    from the chunk's last cells, in a sheet written row after row, there are
    none. So a sheet is bounded by the rows × columns its references reach
    (a 100,001 × 13 sheet at 1.3 million cells; near rows are counted up to
    their first two digits, 45,678 as 45,999, to keep the search short), at
    the cost of one search.
    A sheet whose bound is too large, or whose cells are written otherwise
    (a cell without its reference is placed by counting, prefixed tags,
    quotes or spaces Excel does not write, bytes XML does not allow), is
    measured exactly by parsing it (:func:`scan_sheet`) before it is read.

    >>> e = _Extent(); e.feed(b'<row r="1"><c r="A1"><v>1</v></c><c r="C1"><v>2</v></c></row>'); e.close()
    >>> e.bound(), e.odd
    (3, False)
    >>> e.feed(b'<row r="70000"><c r="B70000"><v>3</v></c></row><row r="3"><c r="D3"/></row>'); e.close()
    >>> e.rows, e.columns, e.bound()  # rows counted up to their first two digits: at most 10 % more
    (70999, 4, 283996)
    >>> e.feed(b'<c r="XFD1048576"><v>3</v></c>'); e.close(); e.bound()
    17179869184
    >>> e = _Extent(); e.feed(b'<row r="1048576"><c><v>1</v></c></row>'); e.close(); e.odd
    True
    """

    NEAR = re.compile(rb'<c r="([A-Za-z])([1-9][0-9]{0,4})"')
    REF = re.compile(rb' r="([A-Za-z]{1,4})([0-9]{1,10})"')
    PREFIXED = re.compile(rb':c[\s/>]')
    #: The bytes XML 1.0 allows: not the control characters other than tab, line feed and carriage return.
    XML_BYTES = bytes(b for b in range(256) if b in (9, 10, 13) or b >= 32)
    #: Near cells beyond the farthest seen, in one chunk, before the rest of the chunk is measured at once.
    MAX_JUMPS = 16
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

    def bound(self) -> int:
        """Most cells reading the sheet can allocate, as far as the bytes seen tell."""
        return self.rows * self.columns

    def _scan(self, text: bytes, final: bool) -> None:
        cut = len(text) if final else max(len(text) - self.CARRY, 0)
        self.carry = text[cut:]
        if self.odd:
            return
        if self.PREFIXED.search(text) or text.translate(None, self.XML_BYTES):
            self.odd = True
            return
        for letter, digits in self.NEAR.findall(text, max(cut - 4096, 0)):  # the last cells: usually the farthest
            self._reach(letter, digits)
        tags, pos, jumps = self._tags(), 0, 0
        while (tag := tags.search(text, pos)) is not None and tag.start() < cut:
            pos = tag.end()
            near = self.NEAR.match(text, tag.start())
            if near is None:  # not near: measured by its reference
                ref = self.REF.match(text, pos)
                if ref is None:
                    self.odd = True
                    return
                self._reach(ref[1], ref[2])
                continue
            jumps += 1
            if jumps < self.MAX_JUMPS:
                self._reach(near[1], near[2])
            else:  # cells out of order: the rest of the chunk measured at once
                refs = self.NEAR.findall(text, tag.start())
                self._reach(max(c.upper() for c, _ in refs), max(r.rjust(5) for _, r in refs).lstrip())
            tags = self._tags()

    def _reach(self, letters: bytes, digits: bytes) -> None:
        self.columns = max(self.columns, _column_number(letters))
        self.rows = max(self.rows, _row_number(digits))

    def _tags(self):
        """Cell tags that are not near, or near and beyond the farthest cell seen so far (rows rounded up)."""
        self.rows = _rounded(self.rows)  # the rows the expression lets pass without a look
        return _beyond(self.rows, min(self.columns, 26))


@functools.lru_cache(maxsize=256)
def _beyond(rows: int, columns: int):
    r"""Cell tags (``<c`` and a space, ``/`` or ``>``) other than ``<c r="`` + a near reference within rows × columns.

    ``rows`` is 99,999 or more, or has at most two digits, or two digits then nines (``45999``, see
    :func:`_rounded`): so the expression has three branches at most, the usual one first.

    >>> [bool(_beyond(4599, 3).match(t)) for t in (b'<c r="C4599">', b'<c r="D1">', b'<c r="A4600">', b'<c>', b'<col>')]
    [False, True, True, True, False]
    """
    if rows < 1 or columns < 1:
        return re.compile(rb"<c(?=[\s/>])")
    digits = str(min(rows, 99_999)).encode()
    lead, second, rest = digits[0], digits[1:2], len(digits) - 2
    if len(digits) == 1:
        within = [b"[1-%c]" % lead]
    else:  # a number of as many digits, first the same first digit, then a smaller one; then fewer digits
        within = [b"%c[0-%c][0-9]{%d}" % (lead, second[0], rest)] + ([b"[1-%c][0-9]{%d}" % (lead - 1, rest + 1)]
                                                                    if lead > ord("1") else [])
        within.append(b"[1-9][0-9]{0,%d}" % rest)
    letters = b"A-%ca-%c" % (64 + columns, 96 + columns)
    return re.compile(rb'<c(?! r="[' + letters + rb'](?:' + b"|".join(within) + rb')")(?=[\s/>])')


def _rounded(rows: int) -> int:
    """A row number rounded up to its first two digits (45,678 → 45,999), for a short expression (:func:`_beyond`).

    >>> [_rounded(n) for n in (0, 7, 45, 100, 45678, 10000, 99999, 123456)]
    [0, 7, 45, 109, 45999, 10999, 99999, 123456]
    """
    if rows < 100 or rows >= 99_999:
        return rows
    text = str(rows)
    return int(text[:2] + "9" * (len(text) - 2))


def _row_number(digits: bytes | str) -> int:
    return int(digits) if 0 < len(digits) <= 10 else (_Extent.HUGE if digits else 0)


def _column_number(letters: bytes | str) -> int:
    """1-based column number of spreadsheet letters (any case); absurd lengths are huge."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    return _column_index(letters.upper()) + 1 if len(letters) <= 4 else _Extent.HUGE


class _StyleUse:
    """The cell styles a sheet's bytes may use, noted as they stream by, without parsing.

    Only a sheet that may hold a cell styled as a percentage is parsed to find
    such cells (:func:`scan_sheet`): one regular expression finds the style
    attributes (``s="3"``) whose value is not one already noted, so each
    distinct style costs one look. ``styles`` becomes None (any style) when
    one is written in a way not followed here (single quotes, a character
    reference, more than :attr:`MAX_STYLES` distinct styles).

    >>> u = _StyleUse(); u.feed(b'<c r="A1" s="3" t="s"><v>1</v></c><c r="B1" s="3"/><c r="C1" s="12"/>'); u.close()
    >>> sorted(u.styles)
    [3, 12]
    >>> u.feed(b'<c r="D1" s="&#57;"/>'); u.close(); u.styles is None
    True
    """

    STYLE = rb"s\s*+=\s*+"
    VALUE = re.compile(rb'"([0-9]{1,9})"')
    MAX_STYLES = 64
    CARRY = 64

    def __init__(self) -> None:
        self.styles: set[int] | None = set()
        self.carry = b""
        self._known: list[bytes] = []

    def feed(self, out: bytes) -> None:
        self._scan(self.carry + out, final=False)

    def close(self) -> None:
        self._scan(self.carry, final=True)

    def _scan(self, text: bytes, final: bool) -> None:
        cut = len(text) if final else max(len(text) - self.CARRY, 0)
        self.carry = text[cut:]
        pattern, pos = self._pattern(), 0
        while self.styles is not None and (found := pattern.search(text, pos)) is not None and found.start() < cut:
            pos = found.end()
            before = text[found.start() - 1:found.start()]
            if before and before not in b" \t\r\n":  # not an attribute of its own: xmlns=, x:s=
                if before in b"\"'":  # or no space before it, which a parser would refuse
                    self.styles = None
                continue
            value = self.VALUE.match(text, pos)
            if value is None or len(self._known) >= self.MAX_STYLES:
                self.styles = None
                return
            if value[1] not in self._known:
                self.styles.add(int(value[1]))
                self._known.append(value[1])
                pattern = self._pattern()

    def _pattern(self):
        """Style attributes whose value is not one already noted."""
        known = b"|".join(self._known)
        return re.compile(self.STYLE + (b'(?!"(?:' + known + b')")' if known else b""))


def styles_used(path: Path, member: str) -> frozenset[int] | None:
    """The cell styles sheet part ``member`` may use (:class:`_StyleUse`), streaming it once more; None: any."""
    with open(path, "rb") as fp:
        info = zipfile.ZipFile(fp).getinfo(member)
        use = _StyleUse()
        _stream_member(fp, info, scan=False, keep=False, extent=use)
    return None if use.styles is None else frozenset(use.styles)


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
                   extent: _Extent | _StyleUse | None = None) -> tuple[bytes | None, bool]:
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
            if b"<!DOCTYPE" in edge or b"<!ENTITY" in edge or any(
                    out[bang.start() - 1:bang.start()] == b"<" for bang in _DTD_BANG.finditer(out, 1)):
                raise _Refused(DTD_RULE)
            if scan and not flagged:
                flagged = b"f>" in edge or b't="e"' in edge or _FORMULA_END.search(out) is not None or b't="e"' in out
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


#: Searched by regular expression: a rare first byte makes it several times faster than ``in``.
_DTD_BANG = re.compile(rb"!(?=DOCTYPE|ENTITY)")
_FORMULA_END = re.compile(rb"f>")
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
    styles_part = next((m for m in parts if m.lower().endswith("styles.xml") and m.startswith(posixpath.dirname(book_part))),
                       None)
    percent = _percent_styles(parts[styles_part], styles_part) if styles_part else frozenset()
    return _Book(sheets, frozenset(flagged), frozenset(far), percent)


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

    Parsed with expat's callbacks, which look only at ``<row>`` and ``<c>``
    and the text of a cell's ``<f>`` and ``<v>``, up to the end of
    ``sheetData``: a document type, entities or external references are
    refused (:data:`DTD_RULE`), never expanded, and malformed XML is a
    corrupt workbook.
    """
    from xml.parsers import expat

    scan = SheetScan(0, 0)
    shared: dict[str, str] = {}
    row, column, place = 0, 0, (0, 0)  # 0-based: the current row, the next cell of it, the current cell
    depth = 0
    cells: list[list] = []  # the open cells: [depth, t, s, f text, f si, has f, v text, has v, has is]
    text: list[str] | None = None  # where the text of the open <f> or <v> goes, until its first child
    locals_: dict[str, str] = {}

    def local(name: str) -> str:
        found = locals_.get(name)
        if found is None:
            found = locals_[name] = name.rsplit("}", 1)[-1]
        return found

    def start(name: str, attrs: dict) -> None:
        nonlocal depth, row, column, place, text
        depth += 1
        text = None
        tag = locals_.get(name) or local(name)
        if cells and cells[-1][0] == depth - 1:  # a child of the open cell: the last of each name counts
            cell = cells[-1]
            if tag == "f":
                cell[3:6] = [[], attrs.get("si"), True]
                text = cell[3]
            elif tag == "v":
                cell[6:8] = [[], True]
                text = cell[6]
            elif tag == "is":
                cell[8] = True
        if tag == "row":
            r = attrs.get("r")
            if r is None:
                r = next((v for k, v in attrs.items() if local(k) == "r"), None)
            if r is not None and r.strip().isdigit():
                row = _row_number(r.strip()) - 1
            column = 0
        elif tag == "c":
            r = attrs.get("r")
            if r is None:
                r = next((v for k, v in attrs.items() if local(k) == "r"), None)
            ref = _CELL_REF.search(r or "")
            place = (_row_number(ref[2]) - 1, _column_number(ref[1]) - 1) if ref else (row, column)
            column = place[1] + 1
            cells.append([depth, attrs.get("t"), attrs.get("s"), None, None, False, None, False, False])

    def end(name: str) -> None:
        nonlocal depth, row, column, text
        depth -= 1
        text = None
        tag = locals_.get(name) or local(name)
        if tag == "row":
            row, column = row + 1, 0
        elif tag == "c":
            _depth, kind, style, formula, si, has_formula, value, has_value, has_is = cells.pop()
            formula = "".join(formula) if formula is not None else ""
            value = "".join(value) if value is not None else ""
            if has_formula or has_is or value:
                scan.rows, scan.columns = max(scan.rows, place[0] + 1), max(scan.columns, place[1] + 1)
            where = (place[0] + 1, place[1])
            if has_formula:
                if formula and si is not None:
                    shared[si] = formula
                shown = ("=" + formula if formula else "=" + shared[si] + " (copied)" if si in shared
                         else "(a formula copied from another cell)")
                scan.marked.append((*where, "formula", shown))
            elif kind == "e":
                scan.marked.append((*where, "error", value or "#error"))
            if styles and style is not None and style.isdigit() and int(style) in styles:
                scan.styled.add(where)
        elif tag == "sheetData":
            raise _SheetEnd

    def characters(data: str) -> None:
        if text is not None:
            text.append(data)

    def refuse(*_args) -> None:
        raise _Refused(DTD_RULE)

    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, characters
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    with zipfile.ZipFile(path) as zf, zf.open(member) as stream:
        try:
            while chunk := stream.read(1 << 20):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except _SheetEnd:
            pass
        except expat.ExpatError:
            raise _Refused(f"{CORRUPT}; its sheet part {member} is not well-formed XML") from None
    return scan


class _SheetEnd(Exception):
    """The end of ``sheetData``: nothing after it is parsed."""


_CELL_REF = re.compile(r"([A-Za-z]+)\s*([0-9]+)")
