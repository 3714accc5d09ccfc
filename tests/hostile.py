"""A corpus of hostile and odd input files (issue 13), and a way to measure civicstats on them.

:func:`hostile_corpus` writes every file into a folder (a few MB in all, in
about a second) and says what ``civicstats check`` must answer: a refusal
holding some words, or ``ok``. :func:`measure_corpus` runs ``check`` on each
file in a child of one warm process (``fork``: the imports and a trivial
check are paid once, before), and returns per file the seconds, the peak
memory growth over that baseline and the messages. The test suite asserts
the budget (2 s, 100 MB) with it; ``make bench`` (engineer *loop*) reports
the worst case with it::

    from tests.hostile import hostile_corpus, measure_corpus
    results = measure_corpus(hostile_corpus(folder))
    worst = max(r.seconds for r in results), max(r.growth_kb for r in results)

Everything here is generated: no file is downloaded or committed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Hostile:
    """One file of the corpus: ``expect`` is ``"ok"`` or words every refusal must hold; ``load``, a table that
    :func:`civicstats.load` is also asked to read from it (its message, or ``loaded``, is then measured too)."""

    name: str
    path: Path
    expect: str
    env: dict[str, str] = field(default_factory=dict)
    load: str | None = None


@dataclass
class Measured:
    """``seconds`` is processor time (user + system: a busy machine does not inflate it); ``wall`` the clock's."""

    name: str
    seconds: float
    growth_kb: int
    ok: bool
    lines: list[str]
    crashed: str = ""
    wall: float = 0.0
    load: str = ""


def _data_dir() -> Path:
    from civicstats import paths

    return paths.DATA_DIR


def _csv(folder: Path, name: str, data: bytes, table: str = "participatory_budgets") -> Path:
    path = folder / name / f"{table}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _shipped(table: str = "participatory_budgets") -> str:
    return (_data_dir() / f"{table}.csv").read_text(encoding="utf-8")


def _zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


CONTENT_TYPES = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 b'<Default Extension="xml" ContentType="application/xml"/></Types>')
ROOT_RELS = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
             b'officeDocument" Target="xl/workbook.xml"/></Relationships>')


def hand_book(path: Path, sheets: dict[str, bytes], styles: bytes | None = None) -> Path:
    """A minimal workbook written by hand: sheet name → the XML of its ``sheetData`` content."""
    names = b"".join(b'<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (n.encode(), i + 1, i + 1)
                     for i, n in enumerate(sheets))
    rels = b"".join(b'<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/worksheet" Target="worksheets/sheet%d.xml"/>' % (i + 1, i + 1)
                    for i in range(len(sheets)))
    members = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                           b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                           b"<sheets>" + names + b"</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                                      b'package/2006/relationships">' + rels + b"</Relationships>",
    }
    if styles is not None:
        members["xl/styles.xml"] = styles
    for i, data in enumerate(sheets.values()):
        members[f"xl/worksheets/sheet{i + 1}.xml"] = (
            b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<sheetData>" + data + b"</sheetData></worksheet>")
    return _zip(path, members)


def _inline_row(r: int, values: list[str | float], styles: dict[int, int] | None = None) -> bytes:
    from civicstats.readers.cells import column_letter

    cells = []
    for j, v in enumerate(values):
        ref = f"{column_letter(j)}{r}".encode()
        style = b' s="%d"' % styles[j] if styles and j in styles else b""
        if isinstance(v, str):
            text = v.replace("&", "&amp;").replace("<", "&lt;").encode()
            cells.append(b'<c r="%s" t="inlineStr"%s><is><t>%s</t></is></c>' % (ref, style, text))
        else:
            cells.append(b'<c r="%s"%s><v>%s</v></c>' % (ref, style, repr(v).encode()))
    return b'<row r="%d">' % r + b"".join(cells) + b"</row>"


PB_HEADER = ["year", "count", "unit", "source"]
PB_ROW = [2017.0, 47.0, "villes", "BEZ"]


def hostile_corpus(folder: str | Path) -> list[Hostile]:
    """Write the hostile corpus into ``folder`` and return its files with what ``check`` must answer."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out: list[Hostile] = []
    shipped = _shipped()

    def add(name: str, path: Path, expect: str, **env: str) -> None:
        out.append(Hostile(name, path, expect, env))

    # --- resource exhaustion from small files
    add("csv-million-header-columns", _csv(folder, "wide", ("a," * 1_000_000 + "a\n1\n").encode()),
        "over the limit of 1,000")
    add("csv-sniffer-backtracking", _csv(folder, "sniff", ('"' + "a,;\t" * 5000 + '"x' + ",'" * 5000 + "\n").encode()
                                         + shipped.encode()), "")
    add("csv-one-huge-cell", _csv(folder, "cell", shipped.replace("villes", "v" * 5_000_000, 1).encode()),
        "longer than 32,767 characters")
    add("csv-too-many-cells", _csv(folder, "cells", ("year\n" + "2017\n" * 1_100_000).encode()),
        "over the limit of 1,000,000")
    add("xlsx-far-cell-env-raised", hand_book(folder / "far" / "book.xlsx", {
        "participatory_budgets": _inline_row(1, PB_HEADER) + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'}),
        "over the limit of 20,000,000", CIVICSTATS_MAX_XLSX_CELLS=str(10**12))
    add("xlsx-many-small-members", _zip(folder / "members" / "book.xlsx", {
        **{f"xl/media/part{i}.xml": b"\0" * 300_000 for i in range(90)}, "_rels/.rels": ROOT_RELS}),
        "zip bomb")
    add("xlsx-too-many-sheets", hand_book(folder / "sheets" / "book.xlsx",
                                          {f"s{i}": b"" for i in range(300)}), "more than 255 sheets")

    # --- silent wrong values
    add("csv-utf16-without-bom", _csv(folder, "utf16", shipped.encode("utf-16-le")), "UTF-16")
    add("csv-utf32", _csv(folder, "utf32", shipped.encode("utf-32")), "ok")
    add("csv-utf32-without-bom", _csv(folder, "utf32nb", shipped.encode("utf-32-le")), "UTF-32")
    add("csv-mac-roman", _csv(folder, "macroman", shipped.replace("villes", "collectivités", 1).encode("mac_roman")),
        "Mac Roman")
    add("csv-bom-in-the-header", _csv(folder, "bom", shipped.replace(",count", ",\ufeffcount", 1).encode()),
        "byte-order mark")
    add("csv-nul-after-8-kb", _csv(folder, "nul", (shipped + "\n" * 9000).replace("villes", "vil\0les", 1).encode()
                                   .replace(b"\n\n", b"\n")), "NUL")
    add("csv-nul-late", _csv(folder, "nullate", shipped.encode() + b" " * 9000 + b"\n2018,3,vil\0les,BEZ\n"), "NUL")

    # --- output injection
    add("csv-escape-sequences-in-header", _csv(folder, "escape", shipped.replace(
        "unit", "unit\x1b]0;pwned\x07", 1).encode()), "control character")
    add("xlsx-sheet-name-forging-ok", hand_book(folder / "forge" / "book.xlsx", {
        "participatory_budgets": _inline_row(1, PB_HEADER) + _inline_row(2, ["x", 47.0, "villes", "BEZ"]),
        "x&#10;ok: all 10 tables valid": b""}), "")

    # --- misidentified files
    html = b"<!DOCTYPE html><html><body><table><tr><td>year</td></tr></table></body></html>"
    add("html-saved-as-xlsx", _write(folder / "htmlx" / "book.xlsx", html), "web page (HTML)")
    add("html-saved-as-csv", _csv(folder, "htmlc", html), "web page (HTML)")
    add("ods-saved-as-xlsx", _zip(folder / "ods" / "book.xlsx", {
        "mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<office/>"},
        zipfile.ZIP_STORED), "OpenDocument")

    # --- budget baseline: valid files must stay ok
    shutil.copytree(_data_dir(), folder / "valid", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("raw", "datapackage.json"))
    add("valid-folder", folder / "valid", "ok")
    return out


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


_CHILD = textwrap.dedent("""
    import json, os, resource, sys, time, warnings
    import pandas, python_calamine, numpy
    import civicstats.tables, civicstats.check, civicstats.readers.xlsx
    import civicstats as cs
    from civicstats.check import check
    from civicstats.errors import DataError, escape
    warnings.simplefilter("ignore")
    check(sys.argv[1])  # a trivial check: the baseline, warm
    for line in sys.stdin:
        item = json.loads(line)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            os.environ.update(item["env"])
            usage = resource.getrusage(resource.RUSAGE_SELF)
            before, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
            start = time.perf_counter()
            try:
                report = check(item["path"])
                result = {"ok": report.ok, "lines": [escape(p) for p in report.problems][:5] or report.summary_lines()}
                if item["load"]:
                    try:
                        cs.load(item["load"], item["path"])
                        result["load"] = "loaded"
                    except DataError as exc:
                        result["load"] = str(exc)
            except BaseException as exc:
                result = {"ok": False, "lines": [], "crashed": f"{type(exc).__name__}: {exc}"[:500]}
            result["wall"] = time.perf_counter() - start
            usage = resource.getrusage(resource.RUSAGE_SELF)
            result["seconds"] = usage.ru_utime + usage.ru_stime - cpu
            result["growth_kb"] = usage.ru_maxrss - before
            os.write(write, json.dumps(result).encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as fh:
            data = fh.read()
        _, status = os.waitpid(pid, 0)
        print(data.decode() if data else json.dumps({"ok": False, "lines": [], "seconds": 0, "growth_kb": 0,
                                                     "crashed": f"the process died (status {status})"}), flush=True)
""")


def corpus(folder: str | Path) -> list[Path]:
    """The corpus's files for ``make bench`` (benchmarks/bench.py), each checked as ``civicstats check FILE``.

    The few cases that need an environment variable (a raised limit) are left
    out here: the bench runs the plain command; the tests measure those too.
    """
    return [h.path for h in hostile_corpus(folder) if not h.env]


def measure_corpus(corpus: list[Hostile], timeout: float = 300) -> list[Measured]:
    """``check`` on every file of ``corpus``, each in a fork of one warm process: time, memory growth, messages."""
    trivial = _data_dir() / "participatory_budgets.csv"
    lines = "".join(json.dumps({"path": str(h.path), "env": h.env, "load": h.load}) + "\n" for h in corpus)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVICSTATS_")}
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(trivial)], input=lines, capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return [Measured(h.name, r["seconds"], r["growth_kb"], r["ok"], r["lines"], r.get("crashed", ""), r.get("wall", 0),
                     r.get("load", "")) for h, r in zip(corpus, results)]


if __name__ == "__main__":  # python tests/hostile.py: the table, worst case last
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for m in measure_corpus(hostile_corpus(tmp)):
            print(f"{m.seconds:6.2f} s cpu {m.wall:6.2f} s wall {m.growth_kb / 1024:7.1f} MB  {'ok ' if m.ok else 'no '} {m.name}: "
                  f"{(m.crashed or (m.lines or [''])[0])[:150]}")
