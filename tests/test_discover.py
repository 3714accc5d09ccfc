"""discover(): which file or sheet holds which table, and what comes from data/ (issue 9).

Regression tests for issue 9's bugs 4 (check says ok on rows it never read),
5 (the build's key), 6 (load cached forever), 7 (foreign keys), 8
(categoriesOrdered) and 9 (two yes/no vocabularies), and the rules of
``civicstats.discover``.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

import civicstats as cs
from civicstats import paths
from civicstats.check import check
from civicstats.cli import main
from civicstats.discover import SHIPPED, SOURCE, discover
from civicstats.errors import DataError, DataWarning
from tests.conftest import write_book as book
from tests.conftest import write_csv

BUDGETS = (paths.DATA_DIR / "participatory_budgets.csv").read_text(encoding="utf-8")



def budget_rows(edit: int | None = None) -> list[list]:
    rows = [line.split(",") for line in BUDGETS.strip().splitlines()]
    out = [rows[0]] + [[int(r[0]), int(r[1]), *[c or None for c in r[2:]]] for r in rows[1:]]
    if edit is not None:
        out[1][1] = edit
    return out


def quiet_check(path, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = check(path, **kwargs)
    return report, [str(w.message) for w in caught if issubclass(w.category, DataWarning)]


# --------------------------------------------------------------------------
# bug 4: check exits 0 on data it did not read


def test_bug4_a_table_file_in_upper_case_extension_is_read(tmp_path: Path, capsys):
    write_csv(tmp_path / "participatory_budgets.CSV", BUDGETS.replace("BEZ,start", "ZZZ,start"))
    assert main(["check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'participatory_budgets.CSV'}, row 2, column 'source', value 'ZZZ'" in err


def test_bug4_an_unknown_table_is_an_error_with_a_suggestion(capsys):
    assert main(["check", str(paths.DATA_DIR), "--table", "participatory_budgetz"]) == 1
    err = capsys.readouterr().err
    assert "unknown table 'participatory_budgetz'" in err and "did you mean 'participatory_budgets'?" in err


def test_bug4_a_missing_table_is_an_error_with_a_suggestion(tmp_path: Path, capsys):
    path = book(tmp_path / "b.xlsx", {"Participatory_Budgets": budget_rows()})
    assert main(["check", str(path), "--table", "sources"]) == 1
    assert "no table 'sources' in this source" in capsys.readouterr().err


def test_bug4_a_sheet_in_other_case_is_read_never_replaced(tmp_path: Path, capsys):
    path = book(tmp_path / "b.xlsx", {"Participatory_Budgets": budget_rows(edit=999)})
    loaded = cs.load("participatory_budgets", path)
    assert loaded["count"].iloc[0] == 999 and loaded.attrs["origin"] == SOURCE
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "participatory_budgets (8 rows, from sheet 'Participatory_Budgets')" in out
    assert "taken from data/ (the source lacks them): civictech_adoption" in out
    # the edit, made invalid, is an error located in that sheet
    path = book(tmp_path / "c.xlsx", {"Participatory_Budgets": budget_rows(edit=-1)})
    assert main(["check", str(path)]) == 1
    assert "sheet 'Participatory_Budgets', row 2, column 'count'" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".txt", ".tsv"])
def test_bug4_a_table_as_txt_or_tsv_is_read(tmp_path: Path, suffix: str, capsys):
    write_csv(tmp_path / f"participatory_budgets{suffix}", BUDGETS.replace(",", "\t").replace("BEZ\t", "ZZZ\t", 1))
    assert main(["check", str(tmp_path)]) == 1
    assert f"participatory_budgets{suffix}, row 2, column 'source', value 'ZZZ'" in capsys.readouterr().err


def test_bug4_a_table_as_xlsx_in_a_folder_is_a_located_error(tmp_path: Path, capsys):
    book(tmp_path / "participatory_budgets.xlsx", {"participatory_budgets": budget_rows()})
    assert main(["check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'participatory_budgets.xlsx'}: named after 'participatory_budgets' but not a CSV file" in err


def test_a_source_holding_no_table_is_an_error(tmp_path: Path):
    write_csv(tmp_path / "notes.csv", "a,b\n1,2\n")
    report, _ = quiet_check(tmp_path)
    assert not report.ok and report.problems[0].code in ("source.empty-folder", "check.no-table")


# --------------------------------------------------------------------------
# discover's rules


def test_every_table_says_where_it_comes_from(tmp_path: Path):
    write_csv(tmp_path / "participatory_budgets.csv", BUDGETS)
    d = discover(tmp_path)
    assert d.from_source == ["participatory_budgets"]
    assert d.parts["participatory_budgets"][0].origin == SOURCE
    assert d.parts["levels"][0].origin == SHIPPED and d.parts["levels"][0].path == paths.DATA_DIR / "levels.csv"
    assert set(d.from_shipped) == set(cs.datasets()["name"]) - {"participatory_budgets"}
    assert cs.load("levels", tmp_path).attrs["origin"] == SHIPPED
    report, _ = quiet_check(tmp_path)
    assert report.tables == {"participatory_budgets": 8} and "levels" in report.shipped


def test_responses_add_rows_to_the_shipped_table_and_say_so(tmp_path: Path):
    header = "as_of,siren,name,level,population,dialogue_concertation,participatory_mapping,reporting," \
             "participatory_budgeting,crowdfunding,open_data_portal,tools,source\n"
    write_csv(tmp_path / "Responses.csv", header + "2026,213100017,A,commune,1000,oui,,,,,,,NL\n")
    d = discover(tmp_path / "Responses.csv")
    assert [(p.origin, p.kind) for p in d.parts["civictech_adoption"]] == [(SHIPPED, "table"), (SOURCE, "responses")]
    assert d.origin("civictech_adoption") == "shipped+source"
    assert len(cs.load("civictech_adoption", tmp_path)) == len(cs.load("civictech_adoption")) + 1


def test_two_files_for_one_table_are_an_error(tmp_path: Path):
    write_csv(tmp_path / "participatory_budgets.csv", BUDGETS)
    write_csv(tmp_path / "Participatory_Budgets.tsv", BUDGETS)
    write_csv(tmp_path / "levels.csv", (paths.DATA_DIR / "levels.csv").read_text(encoding="utf-8"))
    report, _ = quiet_check(tmp_path)
    assert [(p.code, p.params["table"], p.params["n"]) for p in report.problems] == [
        ("source.several-files", "participatory_budgets", 2)]
    assert report.tables == {"levels": 20}  # the other tables are still checked
    with pytest.raises(DataError, match="2 files hold"):
        cs.load("participatory_budgets", tmp_path)


def test_a_misspelt_file_name_is_an_error_not_a_fallback(tmp_path: Path):
    write_csv(tmp_path / "participatory_budget.csv", BUDGETS)
    with pytest.raises(DataError, match="did you mean participatory_budgets.csv"):
        cs.load("participatory_budgets", tmp_path)


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path):
    outside = write_csv(tmp_path / "elsewhere" / "secret.csv", BUDGETS)
    folder = tmp_path / "data"
    folder.mkdir()
    write_csv(folder / "levels.csv", (paths.DATA_DIR / "levels.csv").read_text(encoding="utf-8"))
    os.symlink(outside, folder / "participatory_budgets.csv")
    report, _ = quiet_check(folder)
    assert [p.file for p in report.problems] == [str(folder / "participatory_budgets.csv")]
    assert report.problems[0].code == "source.link-out"
    os.symlink(folder / "levels.csv", folder / "sources.csv")  # inside: read (and invalid as sources)
    assert "sources" in discover(folder).from_source


def test_many_ignored_sheets_give_one_note(tmp_path: Path):
    sheets = {"participatory_budgets": budget_rows(), **{f"Feuil{i}": [] for i in range(30)}, "README": [["x"]]}
    report, messages = quiet_check(book(tmp_path / "b.xlsx", sheets))
    assert report.ok, report.problem_lines()
    assert len(messages) == 1 and "30 sheets ignored" in messages[0] and "and 22 more" in messages[0]


def test_an_empty_path_is_not_the_current_folder():
    with pytest.raises(DataError, match="an empty path is no source"):
        cs.load("levels", "")


# --------------------------------------------------------------------------
# bug 5: the build's key covers exactly the inputs read


def test_bug5_a_data_build_is_stale_when_a_shipped_table_it_uses_changes(tmp_path: Path, monkeypatch):
    from civicstats.build import fingerprint

    shipped = tmp_path / "shipped"
    shutil.copytree(paths.DATA_DIR, shipped)
    monkeypatch.setattr(paths, "DATA_DIR", shipped)
    update = tmp_path / "update"
    write_csv(update / "participatory_budgets.csv", BUDGETS)
    before = fingerprint.inputs_digest(fingerprint.shared_files(update), [], {})
    levels = shipped / "levels.csv"
    levels.write_text(levels.read_text(encoding="utf-8").replace("Regions", "Régions!"), encoding="utf-8")
    assert fingerprint.inputs_digest(fingerprint.shared_files(update), [], {}) != before


def test_bug5_an_unrelated_file_is_not_hashed(tmp_path: Path):
    from civicstats.build import fingerprint

    update = tmp_path / "update"
    write_csv(update / "participatory_budgets.csv", BUDGETS)
    big = update / "video.mp4"
    with big.open("wb") as f:  # sparse: large, costs no disk
        f.seek(8 * 1024**3)
        f.write(b"\0")
    hashed = {path for _, path in fingerprint.shared_files(update)}
    assert big not in hashed and update / "participatory_budgets.csv" in hashed


# --------------------------------------------------------------------------
# bug 6: load → edit → load


def test_bug6_load_sees_an_edit_of_the_shipped_data(tmp_path: Path, monkeypatch):
    shipped = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, shipped)
    monkeypatch.setattr(paths, "DATA_DIR", shipped)
    assert cs.load("participatory_budgets")["count"].iloc[0] == 6
    target = shipped / "participatory_budgets.csv"
    target.write_text(target.read_text(encoding="utf-8").replace("2014,6,", "2014,6000,"), encoding="utf-8")
    assert cs.load("participatory_budgets")["count"].iloc[0] == 6000


def test_bug6_load_sees_an_edit_of_a_source(tmp_path: Path):
    path = write_csv(tmp_path / "participatory_budgets.csv", BUDGETS)
    assert cs.load("participatory_budgets", tmp_path)["count"].iloc[0] == 6
    write_csv(path, BUDGETS.replace("2014,6,", "2014,60,"))
    assert cs.load("participatory_budgets", tmp_path)["count"].iloc[0] == 60


def test_a_loaded_table_can_be_changed_without_changing_the_next_load():
    first = cs.load("levels")
    first.loc[0, "order"] = 999
    assert cs.load("levels").loc[0, "order"] != 999


# --------------------------------------------------------------------------
# bug 7: foreign keys checked against the table they name


def test_bug7_a_category_key_names_the_categories_table(tmp_path: Path):
    categories = (paths.DATA_DIR / "civictech_categories.csv").read_text(encoding="utf-8")
    write_csv(tmp_path / "civictech_categories.csv",
              "\n".join(line for line in categories.splitlines() if not line.startswith("crowdfunding")) + "\n")
    shutil.copy(paths.DATA_DIR / "civictech_tools.csv", tmp_path / "civictech_tools.csv")
    with pytest.raises(DataError) as info:
        cs.load("civictech_tools", tmp_path)
    rules = {p.text() for p in info.value.problems}
    assert rules == {"category crowdfunding not in table 'civictech_categories' (column 'category')"}
    assert not any("source register" in r for r in rules)


def test_bug7_a_level_key_names_the_levels_table(tmp_path: Path):
    levels = (paths.DATA_DIR / "levels.csv").read_text(encoding="utf-8")
    write_csv(tmp_path / "levels.csv", "\n".join(line for line in levels.splitlines() if not line.startswith("region,")) + "\n")
    shutil.copy(paths.DATA_DIR / "civictech_adoption.csv", tmp_path / "civictech_adoption.csv")
    with pytest.raises(DataError) as info:
        cs.load("civictech_adoption", tmp_path)
    assert [(p.row, p.column, p.value) for p in info.value.problems] == [(2, "level", "region")]
    assert (info.value.problems[0].code, info.value.problems[0].params["table"]) == ("reference.missing", "levels")


def test_bug7_validate_checks_each_key_against_its_own_table():
    from civicstats.validate import validate

    raw = pd.DataFrame({"tool": ["X"], "category": ["reporting"], "source": ["NL"]}, index=[2])
    with pytest.raises(DataError) as info:
        validate(raw, "civictech_tools", "t.csv", references={"sources": {"NL"}, "civictech_categories": {"crowdfunding"}})
    assert [p.text() for p in info.value.problems] == [
        "category reporting not in table 'civictech_categories' (column 'category')"]


# --------------------------------------------------------------------------
# bug 8: categoriesOrdered false loads as unordered


def test_bug8_categories_ordered_false_loads_unordered(tmp_path: Path, monkeypatch):
    from civicstats import schema
    from civicstats.validate import validate

    descriptor = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    for r in descriptor["resources"]:
        for f in r["schema"]["fields"]:
            if r["name"] == "civictech_adoption" and f["name"] == "level":
                f["categoriesOrdered"] = False
    monkeypatch.setattr(schema, "package", lambda: descriptor)
    schema._resource_spec.cache_clear()
    try:
        raw = pd.DataFrame({"as_of": ["2018"], "level": ["region"], "count": ["9"], "source": ["NL"]}, index=[2])
        assert not validate(raw, "civictech_adoption", "a.csv")["level"].cat.ordered
    finally:
        monkeypatch.undo()
        schema._resource_spec.cache_clear()
    assert cs.load("civictech_adoption")["level"].cat.ordered  # true where the schema says so
    assert cs.load("participatory_budgets")["unit"].cat.ordered  # every enum of ours says so (issue 24)


# --------------------------------------------------------------------------
# bug 9: one yes/no vocabulary


@pytest.mark.parametrize("text", ["o", "x", "oui", "yes", "1", "true", "y"])
def test_bug9_one_yes_vocabulary(text: str):
    from civicstats.analysis import selection
    from civicstats.responses import yes_no

    yes, bad = yes_no(pd.Series([text, text.upper()]))
    assert yes.all() and not bad.any()  # responses ('o' was refused)
    assert text in selection.TRUE_TEXTS  # the selection aid ('x' was refused)
    from civicstats.schema import YES_TEXTS

    assert selection.TRUE_TEXTS is YES_TEXTS
