"""The safety pass over an Excel workbook: refuse it when hostile, before anything parses it.

A workbook is a zip of XML files, and a file from outside can be built to
hurt whoever opens it. :func:`inspect` refuses, saying why:

* what is not a zip (a CSV file, an old ``.xls``, a web page or an ``.ods``
  under an ``.xlsx`` name), an encrypted zip, more than :data:`MAX_MEMBERS`
  members or :data:`MAX_SHEETS` sheets;
* more than ``CIVICSTATS_MAX_XLSX_BYTES`` (default 32 MB) in the file or in
  its members' declared sizes; a member over 1 MB, or all together,
  expanding more than ``CIVICSTATS_MAX_XLSX_RATIO`` times (default 200);
* a member giving more bytes than declared: members are read through
  :mod:`zipfile` (bounded chunks, checksums checked), never trusted;
* XML declaring a document type or entities ("billion laughs", external
  entities): expat parses the prolog of every part, the only place one can
  be; a list of shared strings declaring more strings than it can hold.

A sheet read as a table is then parsed by :mod:`civicstats.readers.sheet_scan`.
"""

from __future__ import annotations

import contextlib
import copy
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from civicstats.readers.cells import OLE_MAGIC, ZIP_MAGIC, env_limit

__all__ = ["Refused", "Book", "Stop", "opened", "chunks", "xml_parser", "parse", "local_name", "inspect", "max_bytes",
           "max_ratio", "max_cells", "MAX_BYTES_ENV", "MAX_RATIO_ENV", "MAX_CELLS_ENV",
           "DEFAULT_MAX_BYTES", "DEFAULT_MAX_RATIO", "DEFAULT_MAX_CELLS", "HARD_MAX_BYTES", "HARD_MAX_CELLS",
           "MAX_SHEETS", "MAX_MEMBERS", "RATIO_FLOOR", "PERCENT_FORMATS"]

#: Environment variables: largest workbook (bytes), largest ratio of a member over 1 MB, largest sheet (cells).
MAX_BYTES_ENV, MAX_RATIO_ENV, MAX_CELLS_ENV = "CIVICSTATS_MAX_XLSX_BYTES", "CIVICSTATS_MAX_XLSX_RATIO", \
    "CIVICSTATS_MAX_XLSX_CELLS"
DEFAULT_MAX_BYTES, DEFAULT_MAX_RATIO, DEFAULT_MAX_CELLS = 32 * 1024 * 1024, 200, 1_000_000
#: Limits no environment variable lifts: past them the process itself may not survive the read.
HARD_MAX_BYTES, HARD_MAX_CELLS = 2 * 1024**3, 20_000_000
#: More sheets, or more files inside the zip, than this: not a workbook anyone typed.
MAX_SHEETS, MAX_MEMBERS = 255, 2_000
#: Members smaller than this are never refused for their ratio (tiny XML parts compress very well).
RATIO_FLOOR = 1024 * 1024
#: Built-in number formats showing a percentage (0% and 0.00%).
PERCENT_FORMATS = frozenset({9, 10})
CHUNK = 1 << 20
BROKEN = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
          struct.error)


def max_bytes() -> int:
    """The size limit of a workbook: ``$CIVICSTATS_MAX_XLSX_BYTES`` or 32 MB, at most 2 GB."""
    return env_limit(MAX_BYTES_ENV, DEFAULT_MAX_BYTES, HARD_MAX_BYTES)


def max_ratio() -> int:
    """The compression-ratio limit: ``$CIVICSTATS_MAX_XLSX_RATIO`` or 200."""
    return env_limit(MAX_RATIO_ENV, DEFAULT_MAX_RATIO)


def max_cells() -> int:
    """The largest sheet read, in cells from A1 to its farthest value: ``$CIVICSTATS_MAX_XLSX_CELLS`` or 1 million.

    Never more than :data:`HARD_MAX_CELLS` (20 million), whatever the environment says.
    """
    return env_limit(MAX_CELLS_ENV, DEFAULT_MAX_CELLS, HARD_MAX_CELLS)


class Refused(Exception):
    """Why a workbook, or one of its sheets, is not read: a problem code and its parameters."""

    def __init__(self, code: str, **params: object):
        super().__init__(code, params)
        self.code, self.params = code, params


@dataclass(frozen=True)
class Book:
    """What the safety pass learnt: the sheets (name → zip member, in order), the styles showing a percentage."""

    sheets: dict[str, str]
    percent_styles: frozenset[int] = frozenset()


def chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo):
    """The bytes of member ``info``, in chunks, refused as soon as they are more than its declared size.

    zipfile checks the checksum where the member ends; told it is larger than declared, it lets a member that
    inflates past its declared size show it, rather than cut it short.
    """
    wider = copy.copy(info)
    wider.file_size = info.file_size + 2 * CHUNK
    produced = 0
    try:
        with zf.open(wider) as stream:
            while chunk := stream.read(min(CHUNK, info.file_size + 1 - produced)):
                produced += len(chunk)
                if produced > info.file_size:
                    raise Refused("xlsx.larger-than-declared", part=info.filename)
                yield chunk
    except BROKEN:
        raise Refused("xlsx.corrupt") from None
    if produced != info.file_size:
        raise Refused("xlsx.corrupt")


def xml_parser(start=None, namespaces: bool = True) -> expat.XMLParserType:
    """An expat parser refusing any document type or entity declaration (:class:`Refused`)."""

    def refuse(*_args) -> None:
        raise Refused("xlsx.dtd")

    parser = expat.ParserCreate(namespace_separator="}" if namespaces else None)
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = start
    return parser


def parse(parser, parts, member: str, stop: type[Exception]) -> None:
    """Parse ``parts`` (byte chunks) to their end or to ``stop``; malformed XML is a corrupt workbook."""
    try:
        for part in parts:
            parser.Parse(part, False)
        parser.Parse(b"", True)
    except stop:
        pass
    except expat.ExpatError:
        raise Refused("xlsx.malformed-part", part=member) from None


class Stop(Exception):
    """Raised by a handler of :func:`parse`: enough was parsed."""


def local_name(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _root(parts, member: str) -> dict[str, str]:
    """The attributes of an XML part's root element (none for an empty part), parsing its prolog only.

    A document type can only be declared in the prolog: it is refused here
    (``xlsx.dtd``), as is XML that is not UTF-8, as Excel writes it.
    """
    found: dict[str, str] = {}

    def start(_name: str, attrs: dict) -> None:
        found.update({local_name(k): v for k, v in attrs.items()})
        raise Stop

    parser, seen = xml_parser(start, namespaces=False), False
    try:
        for part in parts:
            if not seen and (part.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in part[:4]):
                raise Refused("xlsx.not-utf8", part=member)
            seen = seen or bool(part)
            parser.Parse(part, False)
        if seen:
            parser.Parse(b"", True)
    except Stop:
        pass
    except expat.ExpatError:
        raise Refused("xlsx.malformed-part", part=member) from None
    return found


@contextlib.contextmanager
def opened(path: Path):
    """Workbook ``path`` as an open :class:`zipfile.ZipFile`, once its size and zip directory passed; closed after."""
    size, limit = path.stat().st_size, max_bytes()
    if size > limit:
        raise Refused("xlsx.too-large", size=size, limit=limit, env=MAX_BYTES_ENV)
    with open(path, "rb") as fp:
        head = fp.read(65536)
        if not head.startswith(ZIP_MAGIC):
            raise Refused(_not_a_zip(head))
        fp.seek(0)
        try:
            zf = zipfile.ZipFile(fp)
        except BROKEN:
            raise Refused("xlsx.corrupt") from None
        with zf:
            _directory(zf, head)
            yield zf


def _as_text(head: bytes) -> bytes | None:
    """The first bytes of a file as UTF-8 text when they are text in UTF-8, UTF-16 or UTF-32 (with or without a
    byte-order mark), else None.

    >>> _as_text("<table>".encode("utf-16")), _as_text("<tr>".encode("utf-32-le")), _as_text("<tr>".encode("utf-16-be"))
    (b'<table>', b'<tr>', b'<tr>')
    >>> _as_text(b"PK\\x03\\x04\\x00\\x00")
    """
    boms = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16-le"),
            (b"\xfe\xff", "utf-16-be"), (b"\xef\xbb\xbf", "utf-8"))
    for bom, encoding in boms:
        if head.startswith(bom):
            return head[len(bom):].decode(encoding, "ignore").encode()
    if b"\x00" not in head:
        return head
    sample = head[: len(head) // 4 * 4]  # without a mark: where the zero bytes fall says which (ASCII text)
    # (encoding, bytes per character, where an ASCII character's own byte falls): every other byte is zero
    for encoding, width, at in (("utf-32-le", 4, 0), ("utf-32-be", 4, 3), ("utf-16-le", 2, 0), ("utf-16-be", 2, 1)):
        zeros = [sample[i] == 0 for i in range(len(sample)) if i % width != at]
        if zeros and all(zeros):
            return sample.decode(encoding, "ignore").encode()
    return None


def _not_a_zip(head: bytes) -> str:
    """The code of what bytes that are not a zip are."""
    if not head:
        return "xlsx.empty"
    if head.startswith(OLE_MAGIC):
        return "xlsx.is-xls"
    decoded = _as_text(head)
    if decoded is not None:
        text = decoded.lstrip(b" \t\r\n").lower()
        if b"<html" in text[:4096] or text.startswith((b"<!doctype html", b"<table", b"<meta")):
            return "xlsx.is-html"
        return "xlsx.is-xml" if text[:1] == b"<" else "xlsx.is-csv"
    return "xlsx.not-a-zip"


def _directory(zf: zipfile.ZipFile, head: bytes) -> list[zipfile.ZipInfo]:
    """The members of the zip, refused on what its directory alone shows."""
    infos, limit, ratio = zf.infolist(), max_bytes(), max_ratio()
    if infos[:1] and infos[0].filename == "mimetype" and b"opendocument" in head[:200]:
        raise Refused("xlsx.is-ods")
    if len(infos) > MAX_MEMBERS:
        raise Refused("xlsx.too-many-parts", count=len(infos), limit=MAX_MEMBERS)
    if len({i.filename for i in infos}) != len(infos):
        raise Refused("xlsx.duplicate-part")
    declared, packed = sum(i.file_size for i in infos), sum(i.compress_size for i in infos)
    if declared > limit:
        raise Refused("xlsx.too-large-inside", size=declared, limit=limit, env=MAX_BYTES_ENV)
    if declared > RATIO_FLOOR and declared > ratio * max(packed, 1):
        raise Refused("xlsx.bomb-together", parts=len(infos), ratio=round(declared / max(packed, 1)), packed=packed,
                      size=declared, limit=ratio, env=MAX_RATIO_ENV)
    for i in infos:
        if i.flag_bits & 0x1:
            raise Refused("xlsx.encrypted")
        if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Refused("xlsx.compression", part=i.filename)
        if i.compress_type == zipfile.ZIP_STORED and i.compress_size != i.file_size:
            raise Refused("xlsx.corrupt")
        if i.file_size > RATIO_FLOOR and i.file_size > ratio * max(i.compress_size, 1):
            raise Refused("xlsx.bomb", part=i.filename, ratio=round(i.file_size / max(i.compress_size, 1)),
                          packed=i.compress_size, size=i.file_size, limit=ratio, env=MAX_RATIO_ENV)
    return infos


def _xml(data: bytes, member: str):
    """A small XML part as an ElementTree, parsed by defusedxml: document types refused."""
    import defusedxml
    import defusedxml.ElementTree as safe_et

    try:
        return safe_et.fromstring(data, forbid_dtd=True)
    except (defusedxml.DTDForbidden, defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise Refused("xlsx.dtd") from None
    except safe_et.ParseError:
        raise Refused("xlsx.malformed-part", part=member) from None


def _relationships(data: bytes | None, member: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, target) of a .rels part."""
    root = _xml(data or b"<Relationships/>", member)
    return {el.get("Id"): (el.get("Type", ""), el.get("Target")) for el in root.iter()
            if local_name(el.tag) == "Relationship" and el.get("Id") and el.get("Target")}


def _target(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _percent_styles(data: bytes, member: str) -> frozenset[int]:
    """Indexes of the cell styles (``cellXfs``) whose number format shows a percentage."""
    root = _xml(data, member)
    custom = {el.get("numFmtId"): el.get("formatCode", "") for el in root.iter() if local_name(el.tag) == "numFmt"}
    found = set()
    for xfs in (el for el in root.iter() if local_name(el.tag) == "cellXfs"):
        for index, xf in enumerate(child for child in xfs if local_name(child.tag) == "xf"):
            fmt = xf.get("numFmtId", "0")
            code = re.sub(r'"[^"]*"|\\.', "", custom.get(fmt, ""))  # quoted text and escaped characters are not a %
            if (fmt.isdigit() and int(fmt) in PERCENT_FORMATS) or "%" in code:
                found.add(index)
    return frozenset(found)


def inspect(path: Path) -> Book:
    """The safety pass (see the module's docstring) over workbook ``path``: refuse it, or list its sheets.

    Every part but the sheets is read whole (and its size and checksum
    checked); of each sheet, only the prolog is read here: it is read whole
    when it is read (:func:`scan_sheet`).
    """
    with opened(path) as zf:
        return _inspect(zf)


def _inspect(zf: zipfile.ZipFile) -> Book:
    infos = {i.filename: i for i in zf.infolist()}
    parts: dict[str, bytes] = {}

    def whole(name: str) -> bytes:
        if name not in parts:
            data = b"".join(chunks(zf, infos[name]))
            if name.lower().endswith((".xml", ".rels", ".vml")):
                _root([data[:CHUNK]], name)
            parts[name] = data
        return parts[name]

    book_part = None
    if "_rels/.rels" in infos:
        book_part = next((_target("", t) for k, t in _relationships(whole("_rels/.rels"), "_rels/.rels").values()
                          if k.endswith("/officeDocument")), None)
    if book_part not in infos:
        raise Refused("xlsx.not-a-workbook")
    rels_part = posixpath.join(posixpath.dirname(book_part), "_rels", posixpath.basename(book_part) + ".rels")
    rels = _relationships(whole(rels_part) if rels_part in infos else None, rels_part)
    sheets: dict[str, str] = {}
    for el in _xml(whole(book_part), book_part).iter():
        if local_name(el.tag) != "sheet":
            continue
        name, rid = el.get("name"), next((v for k, v in el.attrib.items() if local_name(k) == "id"), None)
        if name is None or rid not in rels:
            raise Refused("xlsx.sheet-without-part")
        member = _target(book_part, rels[rid][1])
        if member not in infos:
            raise Refused("xlsx.sheet-part-missing", sheet=name)
        if not member.lower().endswith(".xml"):
            raise Refused("xlsx.sheet-part-not-xml", sheet=name)
        sheets[name] = member
        if len(sheets) > MAX_SHEETS:
            raise Refused("xlsx.too-many-sheets", limit=MAX_SHEETS)
    for name, info in infos.items():
        if name in sheets.values():  # its prolog only, for now
            _root(chunks(zf, info), name)
        else:
            whole(name)
            if name.lower().endswith("sharedstrings.xml"):
                _check_declared_strings(_root([parts[name][:CHUNK]], name), info)
            if not name.lower().endswith((".rels", "workbook.xml", "styles.xml")):
                del parts[name]
    styles = next((m for m in parts if m.lower().endswith("styles.xml")
                   and m.startswith(posixpath.dirname(book_part))), None)
    return Book(sheets, _percent_styles(parts[styles], styles) if styles else frozenset())


def _check_declared_strings(root: dict, info: zipfile.ZipInfo) -> None:
    """Refuse a list of shared strings that declares more strings than its bytes can hold.

    The reader reserves room for the declared number first: four billion
    strings declared in a few bytes would ask for 96 GB. A string takes at
    least five bytes (``<si/>``).
    """
    count = (root.get("uniqueCount") or "").strip()
    if count.isdigit() and int(count) > info.file_size // 5 + 1:
        raise Refused("xlsx.too-many-strings", part=info.filename, count=int(count), most=info.file_size // 5 + 1)
