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
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import civicstats as cs
from civicstats.check import check
from civicstats.errors import DataError, DataWarning
from civicstats.readers import reading, sheet_scan, xlsx
from civicstats.readers import xlsx_safety as safety
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
    located = [(p.sheet, p.row, p.column, p.value, p.code) for p in error.problems]
    assert located == [
        ("participatory_budgets", 2, "note", '=HYPERLINK("http://example.org")', "xlsx.formula"),
        ("participatory_budgets", 4, "count", "=SUM(B2:B3)", "xlsx.formula"),
    ]  # one problem per cell: not also "a value is required" for the count
    assert str(error.problems[1]).endswith("value '=SUM(B2:B3)': a formula where a value belongs: type the value itself")
    assert error.problems[1].text("fr") == "une formule à la place d'une valeur : tapez la valeur elle-même"


def test_excel_error_values_are_located(tmp_path: Path):
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS})
    # Excel writes an error value as t="e"; openpyxl cannot, so edit the XML
    rewrite_member(path, "xl/worksheets/sheet1.xml",
                   lambda x: x.replace(b'<c r="B3" t="n"><v>47</v></c>', b'<c r="B3" t="e"><v>#DIV/0!</v></c>'))
    error = load_error("participatory_budgets", path)
    assert [(p.row, p.column, p.value, p.code) for p in error.problems] == [(3, "count", "#DIV/0!", "xlsx.error-value")]
    assert "an Excel error (#DIV/0!)" in error.problems[0].text()


def test_merged_cells_are_named_by_their_range(tmp_path: Path):
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS})
    wb = openpyxl.load_workbook(path)
    wb["participatory_budgets"].merge_cells("A3:B3")
    wb.save(path)
    error = load_error("participatory_budgets", path)
    assert [(p.row, p.column, p.code, p.params) for p in error.problems] == [
        (3, "year", "xlsx.merged", {"range": "A3:B3"})]
    assert error.problems[0].text() == "merged cells A3:B3: unmerge them (each cell holds its own value)"


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
    assert report.problems[0].text() == "this is not an .xlsx workbook: it looks like a CSV file (text): give it the .csv extension"


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
    assert words in report.problems[0].text()


def test_a_truncated_workbook(tmp_path: Path):
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    report, _ = checked(path)
    assert [p.code for p in report.problems] == ["xlsx.corrupt"]
    assert "corrupt or truncated" in report.problems[0].text()
    with pytest.raises(DataError, match="corrupt or truncated"):
        cs.load("participatory_budgets", path)


def test_a_zip_that_is_not_a_workbook(tmp_path: Path):
    path = tmp_path / "b.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    report, _ = checked(path)
    assert "not an Excel workbook" in report.problems[0].text()


def test_the_size_limit_names_its_environment_variable(tmp_path: Path, monkeypatch):
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS})
    monkeypatch.setenv("CIVICSTATS_MAX_XLSX_BYTES", "2000")
    report, _ = checked(path)
    rule = report.problems[0].text()
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
        print(json.dumps({{"seconds": seconds, "growth_kb": after - before, "rules": [p.text() for p in report.problems]}}))
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
    assert result["growth_kb"] < 50 * 1024, result
    assert len(result["rules"]) == 1 and f"over the {safety.DEFAULT_MAX_BYTES:,}-byte limit" in result["rules"][0]
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
    report, _ = checked(path)
    assert [p.code for p in report.problems] == ["xlsx.larger-than-declared"]
    assert "larger than its zip directory declares" in report.problems[0].text()


def test_an_absurd_compression_ratio_is_refused(tmp_path: Path, monkeypatch):
    path = tmp_path / "b.xlsx"
    zeros_member(path, 20 * 1024 * 1024)
    report, _ = checked(path)
    assert "looks like a zip bomb" in report.problems[0].text() and "CIVICSTATS_MAX_XLSX_RATIO" in report.problems[0].text()


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
    report, _ = checked(path)
    assert [p.code for p in report.problems] == ["xlsx.dtd"] and "billion laughs" in report.problems[0].text()


def test_xml_entities_in_the_list_of_sheets_are_refused(tmp_path: Path):
    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS})
    for attack in (BILLION_LAUGHS + b"<workbook>&lol9;</workbook>",
                   b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'):
        rewrite_member(path, "xl/workbook.xml", lambda _xml, attack=attack: attack)
        with pytest.raises(DataError) as info:
            xlsx.sheet_names(path)
        assert [p.code for p in info.value.problems] == ["xlsx.dtd"]


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
    scan = sheet_scan.scan_sheet(path, "xl/worksheets/sheet1.xml")
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


def test_the_readers_stay_small_and_import_one_way():
    folder = Path(xlsx.__file__).parent
    for module in ("xlsx", "xlsx_safety", "sheet_scan", "csv", "cells", "__init__"):
        lines = (folder / f"{module}.py").read_text(encoding="utf-8").count("\n")
        assert lines <= 450, (module, lines)
    # the byte-level modules never import back up: cells ← csv, xlsx_safety ← sheet_scan ← xlsx
    for module, above in (("cells", {"csv", "xlsx"}), ("csv", {"xlsx"}), ("xlsx_safety", {"xlsx", "csv", "sheet_scan"}),
                          ("sheet_scan", {"xlsx", "csv"})):
        source = (folder / f"{module}.py").read_text(encoding="utf-8")
        imported = set(re.findall(r"^from civicstats\.readers\.(\w+) import", source, re.M))
        assert not imported & above, (module, imported)


def test_read_header_takes_shared_strings_up_to_the_last_it_needs(tmp_path: Path):
    path = book(tmp_path / "b.xlsx", {"Notes": [["year", None, "count"], *[[2017, "x", i] for i in range(3000)]]})
    assert xlsx.read_header(path, "Notes") == ["year", "Unnamed: B", "count"]


@pytest.mark.parametrize("env, value, words", [
    ("CIVICSTATS_MAX_XLSX_BYTES", str(10**15), None),
    ("CIVICSTATS_MAX_XLSX_CELLS", str(10**15), None),
])
def test_environment_variables_cannot_lift_the_hard_caps(monkeypatch, env: str, value: str, words):
    monkeypatch.setenv(env, value)
    assert safety.max_bytes() <= safety.HARD_MAX_BYTES and safety.max_cells() <= safety.HARD_MAX_CELLS
    from civicstats.readers import csv as csv_reader

    monkeypatch.setenv("CIVICSTATS_MAX_CSV_CELLS", str(10**15))
    assert csv_reader.max_cells() == csv_reader.HARD_MAX_CELLS


@pytest.mark.parametrize("content, words", [
    (b"<html><head><meta charset='utf-8'></head><body><table><tr><td>1</td></tr></table></body></html>",
     "web page (HTML)"),
    (b'<?xml version="1.0"?><WorkbookReader xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>', "Excel 2003 XML"),
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
# One parse of each sheet read: extent, formulas, percent styles


def _cells_book(path: Path, rows: bytes, styles: bytes | None = None) -> Path:
    from tests.hostile import PB_HEADER, _inline_row, hand_book

    return hand_book(path, {"participatory_budgets": _inline_row(1, PB_HEADER) + rows}, styles)


def _rows(first: int, last: int) -> bytes:
    """Valid participatory_budgets rows ``first``..``last``, one year each."""
    from tests.hostile import _inline_row

    return b"".join(_inline_row(r, [float(r), 47.0, "villes", "BEZ"]) for r in range(first, last + 1))


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The sheet parts the reader parses (the one scan), in order."""
    seen: list[str] = []
    scan = xlsx.scan_sheet

    def spy(path, member, styles=frozenset()):
        seen.append(member)
        return scan(path, member, styles)

    monkeypatch.setattr(xlsx, "scan_sheet", spy)
    return seen


def test_a_thousand_row_sheet_is_parsed_once_and_read(tmp_path: Path, parsed: list[str]):
    path = _cells_book(tmp_path / "b.xlsx", _rows(2, 1001))
    assert safety.max_cells() == safety.DEFAULT_MAX_CELLS
    with reading():
        assert len(xlsx.read_sheet(path, "participatory_budgets").frame) == 1000
        assert len(xlsx.read_sheet(path, "participatory_budgets").frame) == 1000
    assert parsed == ["xl/worksheets/sheet1.xml"]


@pytest.mark.parametrize("far_cell, reach", [
    (b'<row r="2"><c r="Z99999"><v>1</v></c></row>', "column Z and row 99,999"),  # out of order, before the rest
    (b'<row r="2"><c r="E250000"><v>1</v></c></row>', "column E and row 250,000"),
    (b'<row r="2"><c r="$E$250000"><v>1</v></c></row>', "column E and row 250,000"),
])
def test_a_few_far_cells_still_reach_past_the_limit(tmp_path: Path, far_cell: bytes, reach: str):
    path = _cells_book(tmp_path / "b.xlsx", far_cell + _rows(3, 1001))
    with pytest.raises(DataError, match=f"as far as {reach}.*over the limit of 1,000,000") as info:
        xlsx.read_sheet(path, "participatory_budgets")
    assert [p.code for p in info.value.problems] == ["xlsx.too-many-cells"]


PERCENT = (b'<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="3"/><xf numFmtId="9"/></cellXfs></styleSheet>')


@pytest.mark.parametrize("style", [b"", b' s="1"', b' s="2"', b" s='2'"])
def test_a_percent_style_on_a_count_is_found_however_written(tmp_path: Path, style: bytes):
    row = b'<row r="2"><c r="A2"><v>2017</v></c><c r="B2"%s><v>47</v></c><c r="C2" t="inlineStr"><is><t>villes</t>' \
          b'</is></c><c r="D2" t="inlineStr"><is><t>BEZ</t></is></c></row>' % style
    path = _cells_book(tmp_path / "b.xlsx", row, PERCENT)
    assert safety.inspect(path).percent_styles == frozenset({2})
    table = xlsx.read_sheet(path, "participatory_budgets")
    percent = [p for p in table.problems if p.code == "xlsx.percent-outside-pct"]
    assert [(p.row, p.column, p.value) for p in percent] == ([(2, "count", "4700 %")] if b"2" in style else [])


@pytest.mark.parametrize("xml, code", [
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><worksheet><sheetData><row><c><v>&e;</v></c></row>'
     b"</sheetData></worksheet>", "xlsx.dtd"),
    (b'<?xml version="1.0"?><worksheet><sheetData><row><c><v>1</c></row></sheetData></worksheet>',
     "xlsx.malformed-part"),
    (b'<?xml version="1.0"?><worksheet><sheetData><row><c><v>&e;</v></c></row></sheetData></worksheet>',
     "xlsx.malformed-part"),  # an entity never declared
])
def test_the_sheet_scan_refuses_entities_and_malformed_xml(tmp_path: Path, xml: bytes, code: str):
    path = tmp_path / "b.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/worksheets/sheet1.xml", xml)
    with pytest.raises(safety.Refused) as info:
        sheet_scan.scan_sheet(path, "xl/worksheets/sheet1.xml")
    assert info.value.code == code


def test_the_sheet_scan_reads_only_the_direct_children_of_a_cell(tmp_path: Path):
    xml = (b'<?xml version="1.0"?><worksheet xmlns="urn:m"><sheetData><row r="4">'
           b'<c r="B4" t="e"><is><t>x</t></is><v>#DIV/0!</v></c>'  # an error, its value the <v> child's text
           b'<c t="str"><f>SUM(A1:A2)<x xmlns="urn:o"/>ignored</f><v>3</v></c>'  # placed after B4: C4
           b'<c r="E4" s="7"><extLst><f>not a formula of the cell</f></extLst></c>'
           b'</row></sheetData></worksheet>')
    path = tmp_path / "b.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/worksheets/sheet1.xml", xml)
    scan = sheet_scan.scan_sheet(path, "xl/worksheets/sheet1.xml", frozenset({7}))
    assert scan.marked == [(4, 1, "error", "#DIV/0!"), (4, 2, "formula", "=SUM(A1:A2)")]
    assert (scan.rows, scan.columns, scan.styled) == (4, 3, {(4, 4)})


# --------------------------------------------------------------------------
# Nothing kept: no file open, no sheet held, after a read or a check (bug 7)


def _open_on(path: Path) -> list[str]:
    """The file descriptors of this process open on ``path``."""
    import os

    fds = Path("/proc/self/fd")
    found = []
    for fd in fds.iterdir():
        with contextlib.suppress(OSError):
            if os.path.realpath(fd) == str(path.resolve()):
                found.append(fd.name)
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_after_a_check_the_workbook_is_closed_and_no_sheet_is_kept(tmp_path: Path):
    import gc

    from civicstats.readers import RawTable

    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS, "sources": [["id", "title"], ["X", "y"]]})
    report = check(path)
    assert report.tables == {"participatory_budgets": 3, "sources": 1}
    gc.collect()
    assert _open_on(path) == []
    assert [o for o in gc.get_objects() if isinstance(o, RawTable) and o.origin.file == str(path)] == []


def _shown_otherwise_book(path: Path) -> Path:
    """A sheet with a formula, merged cells, a percent-styled share, dates typed as dates."""
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


def test_a_sheet_read_twice_reads_the_same_within_and_without_one_reading(tmp_path: Path):
    path = _shown_otherwise_book(tmp_path / "b.xlsx")
    alone = [xlsx.read_sheet(path, "open_data_adopters") for _ in range(2)]
    with reading():
        shared = [xlsx.read_sheet(path, "open_data_adopters") for _ in range(2)]
    for table in (*alone, *shared):
        assert table.frame.equals(alone[0].frame) and [str(p) for p in table.problems] == [
            str(p) for p in alone[0].problems]
    assert alone[0].frame.loc[2].tolist() == ["2018-03-14", "departement", "12", "33.6", "LSN", ""]
    assert {(p.row, p.column, p.code) for p in alone[0].problems} == {
        (3, "count", "xlsx.formula"), (4, "source", "xlsx.merged"), (4, "as_of", "xlsx.date-first-of-month")}


@pytest.mark.parametrize("refused", ["not a zip", "over the byte limit"])
def test_a_refused_workbook_is_never_opened_by_calamine_and_says_why_each_time(tmp_path: Path, monkeypatch,
                                                                              refused: str):
    import python_calamine

    path = tmp_path / "b.xlsx"
    if refused == "not a zip":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
        code = "xlsx.not-a-zip"
    else:
        book(path, {"participatory_budgets": BUDGETS})
        monkeypatch.setenv("CIVICSTATS_MAX_XLSX_BYTES", "2000")
        code = "xlsx.too-large"

    def refuse(*args, **kwargs):
        raise AssertionError("calamine opened a refused workbook")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", refuse)
    told = []
    for shared in (False, True, True):
        with reading() if shared else contextlib.nullcontext():
            with pytest.raises(DataError) as info:
                xlsx.read_sheet(path, "participatory_budgets")
        told.append([str(p) for p in info.value.problems])
        assert [(p.file, p.sheet, p.code) for p in info.value.problems] == [(str(path), None, code)]
    assert told[0] == told[1] == told[2]


def test_what_calamine_meets_is_a_located_problem(tmp_path: Path, monkeypatch):
    import python_calamine

    path = book(tmp_path / "b.xlsx", {"participatory_budgets": BUDGETS})

    def fail(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", fail)
    with pytest.raises(DataError) as info:
        xlsx.read_sheet(path, "participatory_budgets")
    (problem,) = info.value.problems
    assert (problem.sheet, problem.code) == ("participatory_budgets", "xlsx.unreadable")
    assert str(problem).endswith("(ValueError: boom)")
