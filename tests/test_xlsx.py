"""Reading workbooks: located problems, hostile files refused, sources that lack tables.

Every check is made on a file whose bytes are compared before and after:
civicstats never writes into the data it reads.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import subprocess
import sys
import textwrap
import time
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import civicstats as cs
from civicstats.check import check
from civicstats.errors import DataError, DataWarning
from civicstats.readers import xlsx
from tests.conftest import write_book as book
from tests.conftest import write_csv

BUDGETS = [["year", "count", "unit", "source", "note"],
           [2016, 40, "villes", "BEZ", None],
           [2017, 47, "villes", "BEZ", None],
           [2018, 80, "villes", "BEZ", None]]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()



def checked(path: Path, **kwargs):
    """check(path), asserting the file is unchanged, with the warnings it gave."""
    before = digest(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = check(path, **kwargs)
    assert digest(path) == before
    return report, [w for w in caught if issubclass(w.category, DataWarning)]


def load_error(name: str, path: Path) -> DataError:
    before = digest(path)
    with pytest.raises(DataError) as info:
        cs.load(name, path)
    assert digest(path) == before
    return info.value


# --------------------------------------------------------------------------
# values and located problems


def test_values_become_the_text_validation_reads(tmp_path: Path):
    path = book(tmp_path / "b.xlsx", {"open_data_adopters": [
        ["as_of", "level", "count", "share_pct", "source", "note"],
        ["2018-01", "departement", None, 33.6, "LSN", "  spaced  "],
        [2026, "region", 12.0, None, "LSN", None],
        [None, None, None, None, None, None],  # a blank row is skipped, numbering kept
        ["2018-01", "epci", 213100017, 6.5, "LSN", True],
    ]})
    raw = xlsx.read_sheet(path, "open_data_adopters")
    assert list(raw.frame.index) == [2, 3, 5]
    assert raw.frame.loc[3].tolist() == ["2026", "region", "12", "", "LSN", ""]
    assert raw.frame.loc[2, "share_pct"] == "33.6"
    assert raw.frame.loc[5, "count"] == "213100017" and raw.frame.loc[5, "note"] == "true"
    assert (raw.origin.file, raw.origin.sheet) == (str(path), "open_data_adopters")


def test_a_text_in_a_count_cell_is_located(tmp_path: Path):
    rows = [r[:] for r in BUDGETS]
    rows[2][1] = "quarante-sept"
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": rows})
    report, _ = checked(path)
    assert not report.ok
    assert [(p.sheet, p.row, p.column, p.value) for p in report.problems] == [
        ("participatory_budgets", 3, "count", "quarante-sept")]
    assert str(report.problems[0]).startswith(f"{path}, sheet 'participatory_budgets', row 3, column 'count'")


def test_a_formula_is_a_located_problem_never_evaluated(tmp_path: Path):
    rows = [r[:] for r in BUDGETS]
    rows[3][1] = "=SUM(B2:B3)"
    rows[1][4] = '=HYPERLINK("http://example.org")'
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": rows})
    error = load_error("participatory_budgets", path)
    located = [(p.sheet, p.row, p.column, p.value, p.rule) for p in error.problems]
    rule = "a formula where a value belongs: type the value itself"
    assert located == [
        ("participatory_budgets", 2, "note", '=HYPERLINK("http://example.org")', rule),
        ("participatory_budgets", 4, "count", "=SUM(B2:B3)", rule),
    ]  # one problem per cell: not also "a value is required" for the count


def test_excel_error_values_are_located(tmp_path: Path):
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS})
    # Excel writes an error value as t="e"; openpyxl cannot, so edit the XML
    rewrite_member(path, "xl/worksheets/sheet1.xml",
                   lambda x: x.replace(b'<c r="B3" t="n"><v>47</v></c>', b'<c r="B3" t="e"><v>#DIV/0!</v></c>'))
    error = load_error("participatory_budgets", path)
    assert [(p.row, p.column, p.value) for p in error.problems] == [(3, "count", "#DIV/0!")]
    assert "an Excel error (#DIV/0!)" in error.problems[0].rule


def test_merged_cells_are_named_by_their_range(tmp_path: Path):
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS})
    wb = openpyxl.load_workbook(path)
    wb["participatory_budgets"].merge_cells("A3:B3")
    wb.save(path)
    error = load_error("participatory_budgets", path)
    assert [(p.row, p.column, p.rule) for p in error.problems] == [
        (3, "year", "merged cells A3:B3: unmerge them (each cell holds its own value)")]


def test_header_problems_come_from_the_schema(tmp_path: Path):
    rows = [r[:] for r in BUDGETS]
    rows[0] = ["year", "count", "count", "source", None]
    for r in rows[1:]:
        r[4] = "x"
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": rows})
    error = load_error("participatory_budgets", path)
    rules = {(p.row, p.column): p.text() for p in error.problems}
    assert "appears twice" in rules[(1, "count")]
    assert "a column without a name" in rules[(1, "Unnamed: E")]
    assert "required column is missing" in rules[(1, "unit")]


def test_a_renamed_sheet_is_a_problem_when_it_holds_a_missing_table(tmp_path: Path):
    """A table sheet renamed would be ignored and the shipped table used: a located problem, not a warning."""
    path = book(tmp_path / "b.xlsx", {"Budgets": BUDGETS, "sources": [["id", "title"], ["ZZ", "A source"]],
                                      "Feuil1": [["scratch"]]})
    report, caught = checked(path)
    assert [(p.sheet, p.row, p.column) for p in report.problems] == [("Budgets", None, None)]
    assert "holds table 'participatory_budgets'" in report.problems[0].text()
    assert "rename the sheet 'participatory_budgets'" in report.problems[0].text()
    assert report.tables == {"sources": 1}
    messages = [str(w.message) for w in caught]
    assert not any("'Budgets'" in m for m in messages)  # a problem, not also a warning
    assert any("1 sheet ignored" in m and "'Feuil1'" in m and "did you mean" not in m for m in messages)
    with pytest.raises(DataError, match="rename the sheet 'participatory_budgets'"):
        cs.load("participatory_budgets", path)


def test_a_renamed_copy_of_a_present_table_is_a_warning(tmp_path: Path):
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS, "Budgets": BUDGETS, "Sourcs": [["id"], ["ZZ"]]})
    report, caught = checked(path)
    assert report.ok, report.problem_lines()
    assert report.tables == {"participatory_budgets": 3}
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1  # one note for every sheet not read
    assert "'Budgets' (did you mean 'participatory_budgets'?)" in messages[0]
    assert "'Sourcs' (did you mean 'sources'?)" in messages[0]


def test_a_sheet_named_in_other_case_is_read(tmp_path: Path):
    """Issue 9: a 'Sources' sheet was ignored (a warning) and the shipped register used instead."""
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS, "Sources": [["id"], ["ZZ"]]})
    report, _ = checked(path)
    assert [(p.sheet, p.column) for p in report.problems] == [("Sources", "title")]


def test_cli_prints_warnings_and_located_lines(tmp_path: Path):
    rows = [r[:] for r in BUDGETS]
    rows[2][1] = "=B2+7"
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": rows, "Sourcs": [["id"], ["ZZ"]]})
    proc = subprocess.run([sys.executable, "-m", "civicstats.cli", "check", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert any(line.startswith("warning: ") and "did you mean 'sources'?" in line for line in lines)
    assert (f"{path}, sheet 'participatory_budgets', row 3, column 'count' (cell B3), value '=B2+7': "
            "a formula where a value belongs: type the value itself") in lines


# --------------------------------------------------------------------------
# files that are not workbooks, or hostile ones


def test_a_csv_file_named_xlsx(tmp_path: Path):
    path = write_csv(tmp_path / "participatory_budgets.xlsx", "year,count,unit,source\n2017,47,villes,BEZ\n")
    report, _ = checked(path)
    assert not report.ok
    assert report.problems[0].rule == "this is not an .xlsx workbook: it looks like a CSV file (text): give it the .csv extension"


@pytest.mark.parametrize("content,words", [
    (b"", "the file is empty"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old Excel .xls workbook"),
    (b"<html><body>table</body></html>", "web page"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a zip file"),
])
def test_other_files_named_xlsx(tmp_path: Path, content: bytes, words: str):
    path = tmp_path / "b.xlsx"
    path.write_bytes(content)
    report, _ = checked(path)
    assert words in report.problems[0].rule


def test_a_truncated_workbook(tmp_path: Path):
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    report, _ = checked(path)
    assert [p.rule for p in report.problems] == [xlsx.CORRUPT]
    assert "corrupt or truncated" in xlsx.CORRUPT
    with pytest.raises(DataError, match="corrupt or truncated"):
        cs.load("participatory_budgets", path)


def test_a_zip_that_is_not_a_workbook(tmp_path: Path):
    path = tmp_path / "b.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    report, _ = checked(path)
    assert "not an Excel workbook" in report.problems[0].rule


def test_the_size_limit_names_its_environment_variable(tmp_path: Path, monkeypatch):
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS})
    monkeypatch.setenv("CIVICSTATS_MAX_XLSX_BYTES", "2000")
    report, _ = checked(path)
    rule = report.problems[0].rule
    assert "over the 2,000-byte limit" in rule and "CIVICSTATS_MAX_XLSX_BYTES" in rule
    monkeypatch.delenv("CIVICSTATS_MAX_XLSX_BYTES")
    assert checked(path)[0].ok


def zeros_member(path: Path, size: int, name: str = "xl/worksheets/sheet1.xml") -> None:
    """A workbook-looking zip with a member of ``size`` zero bytes, written streaming."""
    chunk = b"\x00" * (1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open(name, "w", force_zip64=True) as member:
            left = size
            while left:
                member.write(chunk[: min(left, len(chunk))])
                left -= min(left, len(chunk))


def peak_growth(path: Path) -> dict:
    """Check ``path`` in a fresh process: seconds taken, peak memory growth (kB), problems."""
    code = textwrap.dedent(f"""
        import json, resource, time, warnings
        import pandas, civicstats.tables, civicstats.readers.xlsx
        from civicstats.check import check
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        report = check({str(path)!r})
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({{"seconds": seconds, "growth_kb": after - before, "rules": [p.rule for p in report.problems]}}))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_a_zip_bomb_is_refused_quickly_without_memory(tmp_path: Path):
    path = tmp_path / "bomb.xlsx"
    zeros_member(path, 500 * 1024 * 1024)
    assert path.stat().st_size < 5 * 1024 * 1024
    before = digest(path)
    result = peak_growth(path)
    assert result["seconds"] < 5 and result["growth_kb"] < 50 * 1024, result
    assert len(result["rules"]) == 1 and f"over the {xlsx.DEFAULT_MAX_BYTES:,}-byte limit" in result["rules"][0]
    assert digest(path) == before


def rewrite_member(path: Path, member: str, change) -> None:
    """Rewrite one member of a zip, keeping the others as they are."""
    with zipfile.ZipFile(path) as zf:
        parts = [(i, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts:
            zf.writestr(info.filename, change(data) if info.filename == member else data)


def lie_about_size(path: Path, member: str, declared: int) -> None:
    """Make the zip directory and local header declare ``declared`` bytes for ``member``."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    data[info.header_offset + 22: info.header_offset + 26] = declared.to_bytes(4, "little")
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_len = int.from_bytes(data[at + 28: at + 30], "little")
        if bytes(data[at + 46: at + 46 + name_len]) == member.encode():
            data[at + 24: at + 28] = declared.to_bytes(4, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


def test_declared_sizes_are_not_trusted(tmp_path: Path):
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS})
    padding = b"<!-- " + b"x" * (60 * 1024 * 1024) + b" -->"
    rewrite_member(path, "xl/worksheets/sheet1.xml", lambda x: x + padding)
    lie_about_size(path, "xl/worksheets/sheet1.xml", 2000)
    start = time.perf_counter()
    report, _ = checked(path)
    assert time.perf_counter() - start < 5
    assert "larger than its zip directory declares" in report.problems[0].rule


def test_an_absurd_compression_ratio_is_refused(tmp_path: Path, monkeypatch):
    path = tmp_path / "b.xlsx"
    zeros_member(path, 20 * 1024 * 1024)
    report, _ = checked(path)
    assert "looks like a zip bomb" in report.problems[0].rule and "CIVICSTATS_MAX_XLSX_RATIO" in report.problems[0].rule


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b"]>")


def test_xml_entities_are_refused_not_expanded(tmp_path: Path):
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS})

    def attack(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        return BILLION_LAUGHS + body.replace(b"<t>villes</t>", b"<t>&lol9;</t>", 1)

    rewrite_member(path, "xl/worksheets/sheet1.xml", attack)
    assert b"&lol9;" in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    start = time.perf_counter()
    report, _ = checked(path)
    assert time.perf_counter() - start < 5
    assert len(report.problems) == 1 and "billion laughs" in report.problems[0].rule


def test_xml_entities_in_the_list_of_sheets_are_refused_by_defusedxml(tmp_path: Path):
    with pytest.raises(xlsx._Refused, match="billion laughs"):
        xlsx._xml(BILLION_LAUGHS + b"<workbook>&lol9;</workbook>", "xl/workbook.xml")
    with pytest.raises(xlsx._Refused, match="billion laughs"):
        xlsx._xml(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', "x.xml")


def test_openpyxl_parses_with_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


# --------------------------------------------------------------------------
# sources that lack a table, and sources that add computed rows


def test_a_workbook_without_a_sheet_gives_the_shipped_table(tmp_path: Path):
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS})
    pd.testing.assert_frame_equal(cs.load("sources", path), cs.load("sources"))
    assert cs.load("participatory_budgets", path)["count"].tolist() == [40, 47, 80]


def test_a_folder_without_a_file_gives_the_shipped_table(tmp_path: Path):
    write_csv(tmp_path / "participatory_budgets.csv", "year,count,unit,source\n2017,50,villes,BEZ\n")
    pd.testing.assert_frame_equal(cs.load("civictech_adoption", tmp_path), cs.load("civictech_adoption"))
    assert cs.load("participatory_budgets", tmp_path)["count"].tolist() == [50]


def test_a_csv_file_of_another_table_gives_the_shipped_table(tmp_path: Path):
    path = write_csv(tmp_path / "participatory_budgets.csv", "year,count,unit,source\n2017,50,villes,BEZ\n")
    pd.testing.assert_frame_equal(cs.load("sources", path), cs.load("sources"))
    # a file not named after a table is read as the table asked for, as before
    other = write_csv(tmp_path / "update.csv", "year,count,unit,source\n2017,50,villes,BEZ\n")
    assert cs.load("participatory_budgets", other)["count"].tolist() == [50]


def test_an_observatory_export_adds_its_wave(tmp_path: Path):
    header = "id_odf,siren,nom,type,url_ptf\n"
    rows = "".join(f"{i},{200000000 + i},Org {i},{t},\n" for i, t in enumerate(["REG", "DEP", "COM", "COM", "CA"]))
    path = write_csv(tmp_path / "observatoire-2022-04.csv", header + rows)
    shipped = cs.load("open_data_adopters")
    loaded = cs.load("open_data_adopters", path)
    assert len(loaded) > len(shipped)
    wave = loaded[loaded["as_of"] == "2022-04"].set_index(loaded[loaded["as_of"] == "2022-04"]["level"].astype(str))
    assert wave.loc["commune", "count"] == 2 and wave.loc["epci", "count"] == 1
    pd.testing.assert_frame_equal(cs.load("sources", path), cs.load("sources"))
    report, _ = checked(path)
    assert report.ok and report.tables == {"open_data_adopters": len(loaded), "open_data_organisations": 5}  # orgs: the export is also that table


def test_combined_rows_keep_their_own_location():
    """Rows from two files validated as one table: each problem is located in its own file."""
    from civicstats.errors import Origin
    from civicstats.readers import RawTable
    from civicstats.validate import validate
    from civicstats.tables import combine

    header = ["year", "count", "unit", "source"]
    first = RawTable(pd.DataFrame([["2017", "47", "villes", "BEZ"], ["2018", "80", "villes", "BEZ"]],
                                  columns=header, index=[2, 3]), Origin("a.csv"))
    second = RawTable(pd.DataFrame([["2019", "-1", "villes", "BEZ"], ["2017", "47", "villes", "BEZ"]],
                                   columns=header, index=[4, 7]), Origin("b.xlsx", "participatory_budgets"))
    both = combine([first, second], "participatory_budgets")
    assert len(both.frame) == 4 and both.origin.file == "a.csv"
    with pytest.raises(DataError) as info:
        validate(both.frame, "participatory_budgets", both.origin, source_ids={"BEZ"})
    assert [str(p) for p in info.value.problems] == [
        "b.xlsx, sheet 'participatory_budgets', row 4, column 'count', value '-1': must be at least 0",
        "b.xlsx, sheet 'participatory_budgets', row 7: duplicate key (year=2017, count=47, source=BEZ): "
        "a.csv, row 2 has the same",
    ]


PREFIXED_SHEET = (b'<?xml version="1.0"?><x:worksheet xmlns:x="urn:s"><x:sheetData>'
                  b'<x:row r="2"><x:c r="B2"><x:f t="shared" ref="B2:B3" si="0">A1&amp;"x"</x:f><x:v>1</x:v></x:c></x:row>'
                  b'<x:row r="3"><x:c r="B3"><x:f t="shared" si="0"/><x:v>2</x:v></x:c>'
                  b'<x:c r="C3" t="e"><x:v>#N/A</x:v></x:c><x:c r="D3" t="inlineStr"><x:is><x:t>if&gt; f&gt;</x:t></x:is></x:c>'
                  b'</x:row></x:sheetData><x:extLst><xm:f>S!A1</xm:f></x:extLst></x:worksheet>')


@pytest.mark.parametrize("sheet_xml,copied_column", [
    (PREFIXED_SHEET, 1),
    (PREFIXED_SHEET.replace(b' r="B3"', b""), 0),  # a cell without its reference (so in A3): parsed instead
    (PREFIXED_SHEET.replace(b"x:", b"").replace(b"xmlns:x", b"xmlns"), 1),  # no prefix
])
def test_the_sheet_scan_finds_formulas_errors_and_extent(tmp_path: Path, sheet_xml: bytes, copied_column: int):
    path = tmp_path / "b.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    scan = xlsx.scan_sheet(path, "xl/worksheets/sheet1.xml")
    assert scan.marked == [(2, 1, "formula", '=A1&"x"'), (3, copied_column, "formula", '=A1&"x" (copied)'),
                           (3, 2, "error", "#N/A")]
    assert (scan.rows, scan.columns) == (3, 4)


def test_a_folder_with_responses_adds_their_wave(tmp_path: Path):
    from civicstats.readers.responses import RESPONSES_COLUMNS

    row = {"as_of": "2026", "siren": "213100017", "name": "Commune A", "level": "commune", "population": "4000",
           "dialogue_concertation": "oui", "source": "NL"}
    write_csv(tmp_path / "responses.csv",
              ",".join(RESPONSES_COLUMNS) + "\n" + ",".join(row.get(c, "") for c in RESPONSES_COLUMNS) + "\n")
    adoption = cs.load("civictech_adoption", tmp_path)
    assert adoption[adoption["as_of"] == "2026"][["level", "count"]].astype(str).values.tolist() == [
        ["commune_moins_5k", "1"]]
    report = check(tmp_path)
    assert report.ok and report.tables == {"civictech_adoption": len(adoption), "responses": 1}


# --------------------------------------------------------------------------
# Issue 13: bounded reads, hard caps, what the file really is


def test_the_xlsx_modules_stay_small_or_say_why():
    for module in ("xlsx", "xlsx_safety"):
        text = (Path(xlsx.__file__).parent / f"{module}.py").read_text(encoding="utf-8")
        lines = text.count("\n")
        assert lines < 500 or "Size:" in text.split('"""')[1], (module, lines)
    source = Path(xlsx.__file__).read_text(encoding="utf-8") + (Path(xlsx.__file__).parent / "xlsx_safety.py").read_text(encoding="utf-8")
    for twin in ("_scanned_marked_cells", "_parsed_marked_cells", "_parsed_extent"):  # one scan each, no twins
        assert f"def {twin}" not in source


def test_read_header_takes_shared_strings_up_to_the_last_it_needs(tmp_path: Path):
    path = book(tmp_path / "b.xlsx", {"Notes": [["year", None, "count"], *[[2017, "x", i] for i in range(3000)]]})
    assert xlsx.read_header(path, "Notes") == ["year", "Unnamed: B", "count"]


@pytest.mark.parametrize("env, value, words", [
    ("CIVICSTATS_MAX_XLSX_BYTES", str(10**15), None),
    ("CIVICSTATS_MAX_XLSX_CELLS", str(10**15), None),
])
def test_environment_variables_cannot_lift_the_hard_caps(monkeypatch, env: str, value: str, words):
    monkeypatch.setenv(env, value)
    assert xlsx.max_bytes() <= xlsx.HARD_MAX_BYTES and xlsx.max_cells() <= xlsx.HARD_MAX_CELLS
    from civicstats.readers import csv as csv_reader

    monkeypatch.setenv("CIVICSTATS_MAX_CSV_CELLS", str(10**15))
    assert csv_reader.max_cells() == csv_reader.HARD_MAX_CELLS


@pytest.mark.parametrize("content, words", [
    (b"<html><head><meta charset='utf-8'></head><body><table><tr><td>1</td></tr></table></body></html>",
     "web page (HTML)"),
    (b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>', "Excel 2003 XML"),
])
def test_text_files_named_xlsx_say_what_they_are(tmp_path: Path, content: bytes, words: str):
    path = tmp_path / "export.xlsx"
    path.write_bytes(content)
    with pytest.raises(DataError, match=re.escape(words)):
        xlsx.sheet_names(path)


def test_an_ods_named_xlsx_says_what_it_is(tmp_path: Path):
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(DataError, match=r"OpenDocument spreadsheet \(\.ods"):
        xlsx.sheet_names(path)


def test_many_small_parts_that_expand_together_are_a_zip_bomb(tmp_path: Path):
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(40):
            zf.writestr(f"xl/part{i}.xml", b" " * 500_000)  # each under the 1 MB floor of the per-part ratio
    with pytest.raises(DataError, match="parts expand .* times together"):
        xlsx.sheet_names(path)


# --------------------------------------------------------------------------
# Issue 14: the sheet is parsed only when its bytes say it must be


def _cells_book(path: Path, rows: bytes, styles: bytes | None = None) -> Path:
    from tests.hostile import PB_HEADER, _inline_row, hand_book

    return hand_book(path, {"participatory_budgets": _inline_row(1, PB_HEADER) + rows}, styles)


def _rows(first: int, last: int) -> bytes:
    """Valid participatory_budgets rows ``first``..``last``, one year each (13 columns wide: a note far right)."""
    from tests.hostile import _inline_row

    return b"".join(_inline_row(r, [float(r), 47.0, "villes", "BEZ"]) for r in range(first, last + 1))


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The sheet parts the reader parses (the exact scan), in order."""
    seen: list[str] = []
    scan = xlsx.scan_sheet

    def spy(path, member, styles=frozenset()):
        seen.append(member)
        return scan(path, member, styles)

    monkeypatch.setattr(xlsx, "scan_sheet", spy)
    return seen


def test_a_thousand_row_sheet_is_bounded_by_its_bytes_and_never_parsed(tmp_path: Path, parsed: list[str]):
    path = _cells_book(tmp_path / "b.xlsx", _rows(2, 1001))
    assert xlsx.max_cells() == xlsx.DEFAULT_MAX_CELLS
    assert xlsx._inspect(path).far == frozenset()  # 1,001 rows × 4 columns, not 99,999 × 26
    assert len(xlsx.read_sheet(path, "participatory_budgets").frame) == 1000
    assert parsed == []


@pytest.mark.parametrize("far_cell, reach", [
    (b'<row r="2"><c r="Z99999"><v>1</v></c></row>', "column Z and row 99,999"),  # near, out of order, before the rest
    (b'<row r="2"><c r="E250000"><v>1</v></c></row>', "column E and row 250,000"),  # six digits: not near
])
def test_a_few_far_cells_still_reach_past_the_limit(tmp_path: Path, parsed: list[str], far_cell: bytes, reach: str):
    path = _cells_book(tmp_path / "b.xlsx", far_cell + _rows(3, 1001))
    with pytest.raises(DataError, match=f"as far as {reach}.*over the limit of 1,000,000"):
        xlsx.read_sheet(path, "participatory_budgets")
    assert parsed == ["xl/worksheets/sheet1.xml"]


def test_the_byte_bound_covers_every_cell_however_the_bytes_are_cut():
    """Rows in any order, cut anywhere: the bound reaches every reference, and counts near rows at most 10 % over."""
    import random

    rng = random.Random(14)
    for _ in range(60):
        refs = [(rng.choice("ABCDMZabz"), rng.choice([rng.randint(1, 40), rng.randint(1, 99_999), rng.randint(1, 300_000)]))
                for _ in range(rng.randint(1, 120))]
        if rng.random() < 0.5:
            refs.sort(key=lambda ref: ref[1])
        data = b"".join(b'<row r="%d"><c r="%s%d"><v>1</v></c></row>' % (r, c.encode(), r) for c, r in refs)
        extent, pos = xlsx._Extent(), 0
        while pos < len(data):
            step = rng.randint(1, 2000)
            extent.feed(data[pos:pos + step])
            pos += step
        extent.close()
        rows, columns = max(r for _, r in refs), max(ord(c.upper()) - 64 for c, _ in refs)
        assert not extent.odd and extent.columns == columns
        assert rows <= extent.rows <= max(rows, rows * 1.1), (refs, extent.rows)


@pytest.mark.parametrize("cell, words", [
    (b"<c><v>1</v></c>", "no reference"),
    (b"<c r='B2'><v>1</v></c>", "single quotes"),
    (b'<c s="1" r="B2"><v>1</v></c>', "reference not first"),
    (b'<c r="B02"><v>1</v></c>', "leading zero: measured, not near"),
    (b'<c r="B2">\x1b<v>1</v></c>', "a byte XML does not allow"),
])
def test_cells_written_otherwise_are_odd_or_measured(cell: bytes, words: str):
    extent = xlsx._Extent()
    extent.feed(b'<row r="2">' + cell + b"</row>")
    extent.close()
    assert (extent.odd, extent.rows, extent.columns) == ((False, 2, 2) if "measured" in words else (True, 0, 0)), words


PERCENT = (b'<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="3"/><xf numFmtId="9"/></cellXfs></styleSheet>')


@pytest.mark.parametrize("style, is_parsed", [
    (b"", False),  # no cell styled: the workbook's percent style is not looked for
    (b' s="1"', False),  # a style that is no percentage
    (b' s="2"', True),  # the percent style
    (b" s='1'", True),  # a style written otherwise: looked for
])
def test_only_a_sheet_that_may_hold_a_percent_style_is_parsed_for_it(tmp_path: Path, parsed: list[str], style: bytes,
                                                                   is_parsed: bool):
    row = b'<row r="2"><c r="A2"><v>2017</v></c><c r="B2"%s><v>47</v></c><c r="C2" t="inlineStr"><is><t>villes</t>' \
          b'</is></c><c r="D2" t="inlineStr"><is><t>BEZ</t></is></c></row>' % style
    path = _cells_book(tmp_path / "b.xlsx", row, PERCENT)
    assert xlsx._inspect(path).percent_styles == frozenset({2})
    table = xlsx.read_sheet(path, "participatory_budgets")
    assert parsed == (["xl/worksheets/sheet1.xml"] if is_parsed else [])
    percent = [p for p in table.problems if "percentage" in p.rule]
    assert [(p.row, p.column, p.value) for p in percent] == ([(2, "count", "4700 %")] if style == b' s="2"' else [])


@pytest.mark.parametrize("xml, rule", [
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><worksheet><sheetData><row><c><v>&e;</v></c></row>'
     b"</sheetData></worksheet>", "billion laughs"),
    (b'<?xml version="1.0"?><worksheet><sheetData><row><c><v>1</c></row></sheetData></worksheet>', "not well-formed"),
    (b'<?xml version="1.0"?><worksheet><sheetData><row><c><v>&e;</v></c></row></sheetData></worksheet>',
     "not well-formed"),  # an entity never declared
])
def test_the_sheet_scan_refuses_entities_and_malformed_xml(tmp_path: Path, xml: bytes, rule: str):
    path = tmp_path / "b.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/worksheets/sheet1.xml", xml)
    with pytest.raises(xlsx._Refused, match=rule):
        xlsx.scan_sheet(path, "xl/worksheets/sheet1.xml")


def test_the_sheet_scan_reads_only_the_direct_children_of_a_cell(tmp_path: Path):
    xml = (b'<?xml version="1.0"?><worksheet xmlns="urn:m"><sheetData><row r="4">'
           b'<c r="B4" t="e"><is><t>x</t></is><v>#DIV/0!</v></c>'  # an error, its value the <v> child's text
           b'<c t="str"><f>SUM(A1:A2)<x xmlns="urn:o"/>ignored</f><v>3</v></c>'  # placed after B4: C4
           b'<c r="E4" s="7"><extLst><f>not a formula of the cell</f></extLst></c>'
           b'</row></sheetData><c r="Z99"><f>after the data</f></c></worksheet>')
    path = tmp_path / "b.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/worksheets/sheet1.xml", xml)
    scan = xlsx.scan_sheet(path, "xl/worksheets/sheet1.xml", frozenset({7}))
    assert scan.marked == [(4, 1, "error", "#DIV/0!"), (4, 2, "formula", "=SUM(A1:A2)")]
    assert (scan.rows, scan.columns, scan.styled) == (4, 3, {(4, 4)})


# --------------------------------------------------------------------------
# Sheets read in the background (prefetch): what read_sheet gives, and raises, is as without it


def _shown_otherwise_book(path: Path) -> Path:
    """A sheet the reader must parse: a formula, merged cells, a percent-styled share, dates typed as dates."""
    import datetime

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "open_data_adopters"
    for row in (["as_of", "level", "count", "share_pct", "source", "note"],
                [datetime.date(2018, 3, 14), "departement", 12, 0.336, "LSN", None],
                ["2018-01", "region", "=1+1", None, "LSN", "x"],
                [datetime.date(2019, 1, 1), "epci", 3, None, "LSN", "a"],
                ["2020", "commune", 4, 5.5, "LSN", "b"]):
        ws.append(row)
    ws["D2"].number_format = "0.0%"
    ws.merge_cells("E4:F4")
    wb.save(path)
    return path


def _read_in(monkeypatch, path: Path, name: str, prefetched: bool) -> tuple:
    """read_sheet(path, name) from a cold cache, prefetched or not: the table (or the DataError), and the threads
    that read the sheet's values."""
    import threading

    readers: list[str] = []
    values = xlsx._values
    monkeypatch.setattr(xlsx, "_values", lambda *args: readers.append(threading.current_thread().name)
                        or values(*args))
    xlsx.clear_cache()
    try:
        if prefetched:
            xlsx.prefetch(path, [name])
        try:
            got = xlsx.read_sheet(path, name)
        except DataError as exc:
            got = exc
    finally:
        monkeypatch.setattr(xlsx, "_values", values)
        xlsx.clear_cache()
    return got, readers


@pytest.mark.parametrize("kind", ["parsed", "plain"])
def test_a_prefetched_sheet_reads_as_it_does_without_prefetching(tmp_path: Path, monkeypatch, kind: str):
    if kind == "parsed":
        path, name = _shown_otherwise_book(tmp_path / "b.xlsx"), "open_data_adopters"
        book_ = xlsx._inspect(path)
        assert book_.flagged and book_.percent_styles  # the sheet is parsed (scan_sheet) before calamine reads it
    else:
        path, name = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS, "sources": [["id"], ["ZZ"]]}), \
            "participatory_budgets"
    before = digest(path)
    direct, direct_readers = _read_in(monkeypatch, path, name, prefetched=False)
    fetched, fetched_readers = _read_in(monkeypatch, path, name, prefetched=True)
    import threading

    assert direct_readers == [threading.current_thread().name] and fetched_readers == ["civicstats-prefetch"]
    pd.testing.assert_frame_equal(fetched.frame, direct.frame, check_exact=True)
    assert list(fetched.frame.columns) == list(direct.frame.columns)
    assert [str(p) for p in fetched.problems] == [str(p) for p in direct.problems]
    assert fetched.covered == direct.covered
    assert (fetched.origin.file, fetched.origin.sheet) == (direct.origin.file, direct.origin.sheet)
    if kind == "parsed":  # what the parse found, so that equal means something
        assert direct.frame.loc[2].tolist() == ["2018-03-14", "departement", "12", "33.6", "LSN", ""]
        assert {(p.row, p.column) for p in direct.problems} == {(3, "count"), (4, "source"), (4, "as_of")}
    assert digest(path) == before


@pytest.mark.parametrize("refused", ["not a zip", "over the byte limit"])
def test_a_refused_workbook_starts_no_prefetch_and_read_sheet_says_why(tmp_path: Path, monkeypatch, refused: str):
    import threading

    import python_calamine

    path = tmp_path / "b.xlsx"
    if refused == "not a zip":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
        words = "not a zip file"
    else:
        book(path, {"participatory_budgets": BUDGETS})
        monkeypatch.setenv("CIVICSTATS_MAX_XLSX_BYTES", "2000")
        words = "over the 2,000-byte limit"
    xlsx.clear_cache()
    with pytest.raises(DataError) as info:
        xlsx.read_sheet(path, "participatory_budgets")
    expected = [str(p) for p in info.value.problems]
    assert words in expected[0]

    def refuse(*args, **kwargs):
        raise AssertionError("calamine opened a refused workbook")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", refuse)
    started: list = []
    monkeypatch.setattr(xlsx, "_Prefetch", lambda *args: started.append(args))
    running = {t.ident for t in threading.enumerate() if t.name == "civicstats-prefetch"}
    xlsx.clear_cache()
    xlsx.prefetch(path, ["participatory_budgets"])  # does not raise
    assert started == []
    assert not {t.ident for t in threading.enumerate() if t.name == "civicstats-prefetch"} - running
    with pytest.raises(DataError) as info:
        xlsx.read_sheet(path, "participatory_budgets")
    assert [str(p) for p in info.value.problems] == expected
    xlsx.clear_cache()


@pytest.mark.parametrize("error, words", [
    (ValueError("boom"), [xlsx.CORRUPT, "ValueError: boom"]),
    (xlsx._Refused("a sheet refused in the background"), ["a sheet refused in the background"]),
], ids=["damaged", "refused"])
def test_what_the_background_read_meets_is_raised_as_without_prefetching(tmp_path: Path, monkeypatch, error, words):
    import threading

    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS})
    seen: list[str] = []

    def fail(*args):
        seen.append(threading.current_thread().name)
        raise error

    monkeypatch.setattr(xlsx, "_values", fail)
    told = {}
    for prefetched in (False, True):
        xlsx.clear_cache()
        if prefetched:
            xlsx.prefetch(path, ["participatory_budgets"])
        with pytest.raises(DataError) as info:
            xlsx.read_sheet(path, "participatory_budgets")
        told[prefetched] = [str(p) for p in info.value.problems]
    xlsx.clear_cache()
    assert seen == [threading.current_thread().name, "civicstats-prefetch"]
    assert told[True] == told[False]
    assert len(told[True]) == 1 and all(w in told[True][0] for w in words), told
    assert "sheet 'participatory_budgets'" in told[True][0]  # located: the file and the sheet


def test_prefetching_a_sheet_the_workbook_lacks_or_twice_is_harmless(tmp_path: Path, monkeypatch):
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS, "sources": [["id", "title"], ["ZZ", "A"]]})
    xlsx.clear_cache()
    direct = xlsx.read_sheet(path, "participatory_budgets")
    xlsx.clear_cache()
    started: list[list[str]] = []
    real = xlsx._Prefetch
    monkeypatch.setattr(xlsx, "_Prefetch", lambda p, k, b, names: started.append(list(names)) or real(p, k, b, names))
    xlsx.prefetch(path, ["participatory_budgets", "no such sheet", "participatory_budgets"])
    xlsx.prefetch(path, ["participatory_budgets"])  # being read already: nothing more
    xlsx.prefetch(path, ["no such sheet"])  # nothing to read: no thread
    assert started == [["participatory_budgets"]]
    fetched = xlsx.read_sheet(path, "participatory_budgets")
    pd.testing.assert_frame_equal(fetched.frame, direct.frame, check_exact=True)
    assert fetched.problems == direct.problems == []
    xlsx.prefetch(path, ["participatory_budgets", "sources"])  # read already: only the other
    assert started == [["participatory_budgets"], ["sources"]]
    assert xlsx.read_sheet(path, "sources").frame["id"].tolist() == ["ZZ"]
    with pytest.raises(DataError, match="no sheet named 'no such sheet'"):
        xlsx.read_sheet(path, "no such sheet")
    xlsx.clear_cache()


def test_loading_with_the_responses_sheet_prefetched_gives_what_loading_without_gives(tmp_path: Path, monkeypatch):
    from civicstats import tables
    from civicstats.readers.responses import RESPONSES_COLUMNS

    rows = [list(RESPONSES_COLUMNS)]
    for i in range(40):
        answer = {"as_of": "2026", "siren": f"{200_000_000 + i}", "name": f"Commune {i:02d}", "level": "commune",
                  "population": 800 + 300 * i, "reporting": "oui" if i % 3 else "", "crowdfunding": "x" if i % 7 == 0
                  else "", "tools": "Decidim" if i % 2 else "", "source": "NL"}
        rows.append([answer.get(c, "") for c in RESPONSES_COLUMNS])
    path = book(tmp_path / "survey.xlsx", {"responses": rows})
    started: list[list[str]] = []
    real = xlsx._Prefetch
    monkeypatch.setattr(xlsx, "_Prefetch", lambda p, k, b, names: started.append(list(names)) or real(p, k, b, names))

    def load_cold():
        tables._cache.clear()
        xlsx.clear_cache()
        try:
            return cs.load("civictech_adoption", path)
        finally:
            tables._cache.clear()
            xlsx.clear_cache()

    fetched = load_cold()
    assert started == [["responses"]]
    monkeypatch.setattr(tables, "_prefetching", lambda parts: contextlib.nullcontext())
    direct = load_cold()
    assert started == [["responses"]]
    pd.testing.assert_frame_equal(fetched, direct, check_exact=True)
    wave = fetched[fetched["as_of"] == "2026"]
    assert dict(zip(wave["level"].astype(str), wave["respondents"])) == {"ville_5k_100k": 26, "commune_moins_5k": 14}


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_left_as_it_was_found(tmp_path: Path, enabled: bool):
    """Paused while sheets become Python objects (in the thread that reads them), then as it was before."""
    import gc

    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS, "sources": [["id", "title"], ["ZZ", "A"]]})
    xlsx.clear_cache()
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        paused = []
        with xlsx._gc_paused():  # nested and overlapping pauses: the collector is back only after the last
            paused.append(gc.isenabled())
            xlsx.prefetch(path, ["participatory_budgets", "sources"])
            xlsx.read_sheet(path, "participatory_budgets")
            paused.append(gc.isenabled())
        xlsx.read_sheet(path, "sources")
        assert paused == [False, False]
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
        xlsx.clear_cache()


def _survey_rows(n: int = 40) -> list[list]:
    from civicstats.readers.responses import RESPONSES_COLUMNS

    rows = [list(RESPONSES_COLUMNS)]
    for i in range(n):
        answer = {"as_of": "2026", "siren": f"{200_000_000 + i}", "name": f"Commune {i:02d}", "level": "commune",
                  "population": 800 + 300 * i, "reporting": "oui", "source": "NL"}
        rows.append([answer.get(c, "") for c in RESPONSES_COLUMNS])
    return rows


def test_a_load_that_fails_before_reading_a_prefetched_sheet_leaves_nothing_pending(tmp_path: Path):
    """The sheet read in the background for nothing is dropped, not kept until another workbook is read."""
    from civicstats import tables

    bad_sources = [["id", "title"], ["NL", "A"], ["NL", "twice"]]  # a duplicate id: the sources table fails
    path = book(tmp_path / "survey.xlsx", {"responses": _survey_rows(), "sources": bad_sources})
    tables._cache.clear()
    xlsx.clear_cache()
    try:
        with pytest.raises(DataError, match="duplicate"):
            cs.load("civictech_adoption", path)
        for reader in list(xlsx._pending.values()):  # a sheet forgotten while parsed is dropped once parsed
            reader.thread.join(10)
            assert reader.got == {}
        assert xlsx._pending == {}
    finally:
        tables._cache.clear()
        xlsx.clear_cache()


def test_a_background_read_is_taken_by_the_next_read_whatever_came_between(tmp_path: Path, monkeypatch):
    """Reading another workbook, or an interrupted wait, leaves the read for the next ask: never parsed twice."""
    import threading

    first = book(tmp_path / "a.xlsx", {"participatory_budgets": BUDGETS})
    other = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS[:2]})
    parsed: list[tuple[str, str]] = []
    values = xlsx._values
    monkeypatch.setattr(xlsx, "_values", lambda path, *args: parsed.append((Path(path).name, args[1]))
                        or values(path, *args))
    xlsx.clear_cache()
    try:
        xlsx.prefetch(first, ["participatory_budgets"])
        assert len(xlsx.read_sheet(other, "participatory_budgets").frame) == 1  # another workbook, meanwhile
        reader = xlsx._pending[next(iter(xlsx._pending))]

        class Interrupted(threading.Event):
            def wait(self, timeout=None):  # Ctrl-C while waiting for the background read
                monkeypatch.setattr(reader, "done", {"participatory_budgets": original})
                raise KeyboardInterrupt

        original = reader.done["participatory_budgets"]
        monkeypatch.setattr(reader, "done", {"participatory_budgets": Interrupted()})
        with pytest.raises(KeyboardInterrupt):
            xlsx.read_sheet(first, "participatory_budgets")
        assert len(xlsx._pending) == 1  # still there, for the next read
        assert len(xlsx.read_sheet(first, "participatory_budgets").frame) == 3
        assert xlsx._pending == {}
        reader.thread.join()
        assert sorted(parsed) == [("a.xlsx", "participatory_budgets"), ("b.xlsx", "participatory_budgets")]
    finally:
        xlsx.clear_cache()


def test_a_forgotten_sheet_whose_turn_has_not_come_is_not_read(tmp_path: Path, monkeypatch):
    import threading

    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS, "sources": [["id", "title"], ["ZZ", "A"]]})
    gate, parsed = threading.Event(), []
    values = xlsx._values
    monkeypatch.setattr(xlsx, "_values", lambda *args: gate.wait(10) and parsed.append(args[2]) or values(*args))
    xlsx.clear_cache()
    try:
        xlsx.prefetch(path, ["participatory_budgets", "sources"])
        xlsx.forget(path, ["sources"])
        gate.set()
        assert xlsx.read_sheet(path, "participatory_budgets").frame["count"].tolist() == ["40", "47", "80"]
        assert xlsx._pending == {}
        assert xlsx.read_sheet(path, "sources").frame["id"].tolist() == ["ZZ"]  # read when asked for
        assert parsed == ["participatory_budgets", "sources"]
    finally:
        xlsx.clear_cache()


def test_no_thread_to_be_had_means_reading_when_asked(tmp_path: Path, monkeypatch):
    import threading

    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS})

    def refuse(self):
        raise RuntimeError("can't start new thread")

    xlsx.clear_cache()
    monkeypatch.setattr(threading.Thread, "start", refuse)
    try:
        xlsx.prefetch(path, ["participatory_budgets"])  # does not raise
        assert xlsx._pending == {}
        assert xlsx.read_sheet(path, "participatory_budgets").frame["year"].tolist() == ["2016", "2017", "2018"]
    finally:
        xlsx.clear_cache()


def test_the_garbage_collector_runs_again_after_an_interrupted_pause_and_in_a_forked_child():
    import gc
    import os
    import threading

    assert gc.isenabled()
    with pytest.raises(KeyboardInterrupt):
        with xlsx._gc_paused():
            raise KeyboardInterrupt
    assert gc.isenabled() and xlsx._gc_pauses == {}
    paused, go_on = threading.Event(), threading.Event()

    def pause():
        with xlsx._gc_paused():
            paused.set()
            go_on.wait(10)

    thread = threading.Thread(target=pause)
    thread.start()
    try:
        assert paused.wait(10) and not gc.isenabled()
        pid = os.fork()
        if pid == 0:  # the child has no thread to end the pause: it ends at the fork
            os._exit(0 if gc.isenabled() and not xlsx._gc_pauses else 1)
        assert os.waitpid(pid, 0)[1] == 0
    finally:
        go_on.set()
        thread.join()
    assert gc.isenabled()


def _gated_values(monkeypatch) -> tuple:
    """``_values`` made to wait for a gate (a parse under way for as long as a test needs), counting its calls."""
    import threading

    gate, parsed = threading.Event(), []
    values = xlsx._values
    monkeypatch.setattr(xlsx, "_values", lambda *args: parsed.append(args[2]) or gate.wait(10) and values(*args))
    return gate, parsed


def test_a_thread_that_cannot_start_leaves_no_read_waiting(tmp_path: Path, monkeypatch):
    """A read that finds the sheet pending while the thread fails to start reads it itself, never waits for ever."""
    import threading
    import time

    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS})
    real_start = threading.Thread.start
    got: list = []

    def read_meanwhile():
        got.append(xlsx.read_sheet(path, "participatory_budgets"))

    def slow_failure(self):
        if self.name != "civicstats-prefetch":
            return real_start(self)
        reader = threading.Thread(target=read_meanwhile)
        real_start(reader)  # asks for the sheet while it is pending
        time.sleep(0.3)
        raise RuntimeError("can't start new thread")

    xlsx.clear_cache()
    monkeypatch.setattr(threading.Thread, "start", slow_failure)
    try:
        assert xlsx.prefetch(path, ["participatory_budgets"]) is None
        monkeypatch.setattr(threading.Thread, "start", real_start)
        deadline = time.monotonic() + 10
        while not got and time.monotonic() < deadline:
            time.sleep(0.02)
        assert got and got[0].frame["year"].tolist() == ["2016", "2017", "2018"]
        assert xlsx._pending == {}
    finally:
        xlsx.clear_cache()


def test_an_interrupted_load_leaves_the_parse_under_way_to_the_next_load(tmp_path: Path, monkeypatch):
    """Ctrl-C while a load waits for the responses sheet, then the same load again: the sheet is parsed once."""
    import threading

    from civicstats import tables

    path = book(tmp_path / "survey.xlsx", {"responses": _survey_rows()})
    gate, parsed = _gated_values(monkeypatch)
    take = xlsx._Prefetch.take

    def interrupted(self, name):
        monkeypatch.setattr(xlsx._Prefetch, "take", take)
        raise KeyboardInterrupt

    monkeypatch.setattr(xlsx._Prefetch, "take", interrupted)
    tables._cache.clear()
    xlsx.clear_cache()
    try:
        with pytest.raises(KeyboardInterrupt):
            cs.load("civictech_adoption", path)
        assert list(xlsx._pending) and parsed == ["responses"]  # the parse goes on, for whoever asks next
        threading.Timer(0.3, gate.set).start()
        again = cs.load("civictech_adoption", path)
        assert parsed == ["responses"]  # taken, not parsed a second time
        assert int(again.loc[again["as_of"] == "2026", "respondents"].sum()) == 40
        assert xlsx._pending == {}
    finally:
        gate.set()
        tables._cache.clear()
        xlsx.clear_cache()


def _parse_under_way(tmp_path: Path, monkeypatch) -> tuple:
    """A workbook whose sheet is being parsed in the background until ``gate`` is set: path, gate, reader."""
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS})
    gate, parsed = _gated_values(monkeypatch)
    xlsx.clear_cache()
    reader = xlsx.prefetch(path, ["participatory_budgets"])
    while not parsed:
        reader.thread.join(0.01)
    return path, gate, reader


def test_a_forgotten_sheet_being_parsed_is_dropped_once_parsed(tmp_path: Path, monkeypatch):
    path, gate, reader = _parse_under_way(tmp_path, monkeypatch)
    try:
        xlsx.forget(path)
        assert list(xlsx._pending)  # still there while parsed: a read may ask for it
        gate.set()
        reader.thread.join(10)
        assert xlsx._pending == {} and reader.got == {}  # dropped, with what it read
    finally:
        gate.set()
        xlsx.clear_cache()


def test_a_reader_forgets_only_the_reads_it_started(tmp_path: Path):
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS, "sources": [["id", "title"], ["ZZ", "A"]]})
    xlsx.clear_cache()
    try:
        first = xlsx.prefetch(path, ["participatory_budgets"])
        second = xlsx.prefetch(path, ["participatory_budgets", "sources"])
        assert second.names == ["sources"]
        second.forget()
        second.thread.join(10)  # (forgotten while parsed, the sheet is dropped once parsed)
        assert [name for _key, name in xlsx._pending] == ["participatory_budgets"]
        assert xlsx.read_sheet(path, "participatory_budgets").frame["count"].tolist() == ["40", "47", "80"]
        first.thread.join(10)
    finally:
        xlsx.clear_cache()


def test_a_table_read_from_its_own_sheet_is_not_prefetched(tmp_path: Path, monkeypatch):
    """Only the sheets read after the tables a foreign key names are read in the background: a table's own
    sheet is read at once, in the caller's thread."""
    from civicstats import tables

    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS})
    started: list = []
    real = xlsx._Prefetch
    monkeypatch.setattr(xlsx, "_Prefetch", lambda *args: started.append(args[3]) or real(*args))
    tables._cache.clear()
    xlsx.clear_cache()
    try:
        assert cs.load("participatory_budgets", path)["count"].tolist() == [40, 47, 80]
        assert started == []
    finally:
        tables._cache.clear()
        xlsx.clear_cache()


def test_a_child_forked_during_a_background_read_reads_the_sheet_itself(tmp_path: Path, monkeypatch):
    import os
    import signal

    path, gate, _reader = _parse_under_way(tmp_path, monkeypatch)
    try:
        pid = os.fork()
        if pid == 0:  # no background thread here: the pending read is the parent's
            signal.alarm(10)
            gate.set()
            ok = xlsx.read_sheet(path, "participatory_budgets").frame["year"].tolist() == ["2016", "2017", "2018"]
            os._exit(0 if ok and xlsx._pending == {} else 1)
        assert os.waitpid(pid, 0)[1] == 0
    finally:
        gate.set()
        xlsx.clear_cache()
