"""Bad input for load and check: every problem located, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import civicstats as cs
from civicstats.check import check
from civicstats.errors import DataError
from tests.conftest import write_csv

HEADER = "as_of,level,count,universe,source,note\n"
GOOD = "2018,region,9,,NL;LOC,\n2018,departement,14,,NL;LOC,\n"

# (case, csv text, expected (row, column, value, problem code))
CASES = [
    ("wrong type", HEADER + "2018,region,neuf,,NL,\n", (2, "count", "neuf", "value.not-an-integer")),
    ("decimal count", HEADER + "2018,region,9.5,,NL,\n", (2, "count", "9.5", "value.no-decimals")),
    ("negative count", HEADER + "2018,region,-9,,NL,\n", (2, "count", -9, "value.below-minimum")),
    ("blank count", HEADER + "2018,region,,,NL,\n", (2, "count", None, "value.required")),
    ("unknown level", HEADER + "2018,Régions,9,,NL,\n", (2, "level", "Régions", "value.not-allowed-hint")),
    ("trailing space level", HEADER + "2018,planet ,9,,NL,\n", (2, "level", "planet", "value.not-allowed")),
    ("duplicate key", HEADER + GOOD + "2018,region,10,,NL,\n", (4, None, None, "key.duplicate")),
    ("unknown source", HEADER + "2018,region,9,,NL;NOPE,\n", (2, "source", "NL;NOPE", "reference.missing-source")),
    ("bad date", HEADER + "March 2018,region,9,,NL,\n", (2, "as_of", "March 2018", "value.not-a-date")),
    ("count over its universe", HEADER + "2018,ville_plus_100k,40,37,LOC,\n",
     (2, "count", 40, "row.count-over-universe")),
    ("count over the official universe", HEADER + "2018,region,19,,NL,\n", (2, "count", 19, "row.count-over-official")),
    ("total row", HEADER + GOOD + "2018,Total,23,,NL,\n", (4, "level", "Total", "value.total-row")),
    ("formula", HEADER + "2018,region,=SUM(A1:A3),,NL,\n", (2, "count", "=SUM(A1:A3)", "value.formula")),
    ("missing column", "as_of,level,source\n2018,region,NL\n", (1, "count", None, "header.missing-column")),
    ("misspelt column", "as_of,level,cont,source\n2018,region,9,NL\n", (1, "cont", None, "header.unknown-column-hint")),
    ("repeated column", "as_of,level,count,count,source\n2018,region,9,9,NL\n",
     (1, "count", None, "header.repeated-column")),
]


@pytest.mark.parametrize("case,text,expected", CASES, ids=[c[0] for c in CASES])
def test_load_locates_the_problem(tmp_path: Path, case, text, expected):
    path = write_csv(tmp_path / "civictech_adoption.csv", text)
    before = path.read_bytes()
    with pytest.raises(DataError) as info:
        cs.load("civictech_adoption", path)
    row, column, value, code = expected
    matches = [p for p in info.value.problems if p.row == row and p.column == column and p.code == code]
    assert matches, str(info.value)
    assert matches[0].value == value or str(matches[0].value) == str(value)
    assert matches[0].file == str(path)
    assert matches[0].text("fr") != matches[0].text("en")  # said in both languages
    assert path.read_bytes() == before  # input never written


@pytest.mark.parametrize(("text", "line"), [
    (HEADER + GOOD + "2018,region,10,,NL,\n", "row 4: duplicate key (as_of=2018, level=region): row 2 has the same"),
    (HEADER + "2018,Régions,9,,NL,\n", "row 2, column 'level', value 'Régions': not an allowed value (allowed: "
                                        "region, departement, "),
    (HEADER + "2018,region,9,,NL;NOPE,\n", "value 'NL;NOPE': source id NOPE not in the source register "
                                            "(sources table)"),
])
def test_the_english_line_of_a_problem(tmp_path: Path, text: str, line: str):
    path = write_csv(tmp_path / "civictech_adoption.csv", text)
    with pytest.raises(DataError) as info:
        cs.load("civictech_adoption", path)
    assert line in str(info.value)


def test_the_catalog_says_each_problem_in_english_and_french_with_the_same_parameters():
    import json
    import string

    from civicstats.errors import CATALOG

    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))
    assert list(catalog) == sorted(catalog)
    for code, texts in catalog.items():
        assert set(texts) == {"en", "fr"}, code
        names = [{f for _, f, _, _ in string.Formatter().parse(t) if f} for t in texts.values()]
        assert names[0] == names[1], code


def test_every_code_the_data_side_raises_is_in_the_catalog():
    import ast
    import json

    from civicstats import paths
    from civicstats.errors import CATALOG

    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))
    package = paths.ROOT / "civicstats"
    modules = ["schema", "validate", "responses", "derive", "personal", "tables", "discover", "check"]
    used = set()
    for name in modules:
        for node in ast.walk(ast.parse((package / f"{name}.py").read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.count(".") == 1 \
                    and not node.value.endswith(".") \
                    and node.value.split(".")[0] in {"header", "value", "row", "key", "reference", "table", "siren",
                                                     "responses", "observatory", "source", "check", "personal"}:
                used.add(node.value)
    hinted = {c + "-hint" for c in used if c + "-hint" in catalog}
    assert used - set(catalog) == set()
    assert {"header.repeated-column", "observatory.unknown-type", "source.renamed-sheet"} <= used | hinted


def test_every_problem_is_reported_not_only_the_first(tmp_path: Path):
    path = write_csv(tmp_path / "civictech_adoption.csv",
                     HEADER + "2018,region,-1,,NL,\n2018,Régions,x,,ZZ,\n2018,metropole,3,,NL,\n")
    with pytest.raises(DataError) as info:
        cs.load("civictech_adoption", path)
    located = {(p.row, p.column) for p in info.value.problems}
    assert {(2, "count"), (3, "level"), (3, "count"), (3, "source")} <= located
    assert str(info.value).startswith("4 problems in")


@pytest.mark.parametrize("content,words", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (HEADER.encode(), "no data rows"),
    (b"PK\x03\x04" + b"\x00" * 100, "Excel workbook"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
])
def test_files_that_are_not_tables(tmp_path: Path, content: bytes, words: str):
    path = tmp_path / "civictech_adoption.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        cs.load("civictech_adoption", path)
    assert words in str(info.value)


def test_french_spreadsheet_csv(tmp_path: Path):
    text = "\ufeff" + HEADER.replace(",", ";") + "2018;région;9;;NL;\r\n2018;departement;14;;NL;LOC\r\n"
    path = write_csv(tmp_path / "civictech_adoption.csv", text.replace("région", "region"))
    t = cs.load("civictech_adoption", path)
    assert t["count"].tolist() == [9, 14]
    cp = write_csv(tmp_path / "x" / "open_data_adopters.csv",
                   "as_of;level;count;share_pct;share_qualifier;concerned;concerned_qualifier;source;note\r\n"
                   "2018-01;departement;;33,6;;;;LSN;part des départements\r\n", encoding="cp1252")
    t = cs.load("open_data_adopters", cp)
    assert t["share_pct"].tolist() == [33.6]
    assert t["note"].tolist() == ["part des départements"]


def test_check_csv_and_folder(data_copy: Path):
    assert check(data_copy).ok
    broken = data_copy / "participatory_budgets.csv"
    broken.write_text(broken.read_text(encoding="utf-8").replace("2017,47,", "2017,quarante-sept,"), encoding="utf-8")
    report = check(data_copy)
    assert not report.ok
    assert [(p.row, p.column, p.value) for p in report.problems] == [(5, "count", "quarante-sept")]
    assert "participatory_budgets" not in report.tables and "sources" in report.tables


def test_check_infers_the_table_from_the_file_name(tmp_path: Path):
    path = write_csv(tmp_path / "budgets.csv", "year,count,unit,source\n2017,47,villes,BEZ\n")
    report = check(path)
    assert not report.ok and "cannot tell which table" in report.problems[0].text()
    assert check(path, table="participatory_budgets").ok


def _shown(problems) -> list[tuple]:
    return [(p.row, p.column, p.text().split(" (")[0].split(":")[0]) for p in problems]


def test_a_rows_problems_come_row_rules_first_then_in_the_tables_column_order(tmp_path: Path):
    # row 2 breaks both row rules; row 3 a row rule and a column; row 4 two columns, 'level' before 'count'
    # in the table. Enough problems (more than 16 cells) that pandera's unstable sort once shuffled them.
    path = write_csv(tmp_path / "civictech_adoption.csv",
                     HEADER + "2018,region,30,20,NL,\n2018,departement,40,-5,NL,\n2018,commune,-1,,NL,\n")
    with pytest.raises(DataError) as info:
        cs.load("civictech_adoption", path)
    assert _shown(info.value.problems) == [
        (2, "count", "count is larger than its universe"),
        (2, "count", "count is larger than the official number of region"),
        (3, "count", "count is larger than its universe"),
        (3, "universe", "must be at least 0"),
        (4, "level", "not an allowed value"),
        (4, "count", "must be at least 0"),
    ]
    assert [p.value for p in info.value.problems] == [30, 30, 40, -5, "commune", -1]
    assert all(type(p.value) in (int, str) for p in info.value.problems)  # plain values, not numpy scalars


def test_a_columns_uniqueness_comes_before_its_other_rules_and_the_key(tmp_path: Path):
    path = write_csv(tmp_path / "sources.csv", "id,title,date\na1,T,2018-13\na1,T,2018\nNL,T,\n")
    with pytest.raises(DataError) as info:
        cs.load("sources", path)
    assert _shown(info.value.problems) == [
        (2, "id", "must be unique in the table"),
        (2, "id", "must be an id in capital letters and digits, starting with a letter"),
        (2, "date", "must be a date written YYYY, YYYY-MM or YYYY-MM-DD"),
        (3, "id", "must be unique in the table"),
        (3, "id", "must be an id in capital letters and digits, starting with a letter"),
        (3, "id", "duplicate key"),
    ]


def test_blank_cells_break_no_constraint_and_keep_their_types(tmp_path: Path):
    # blank optional cells: an integer (Int64), a decimal (float) and a text column; the row rule needs only one of two
    path = write_csv(tmp_path / "open_data_adopters.csv",
                     "as_of,level,count,share_pct,share_qualifier,source\n2018,region,,33.5,,NL\n2018,departement,14,,,NL\n")
    t = cs.load("open_data_adopters", path)
    assert t["count"].dtype == "Int64" and t["count"].isna().tolist() == [True, False]
    assert t["share_pct"].dtype == "float64" and t["share_pct"].isna().tolist() == [False, True]
    assert t["share_qualifier"].tolist() == ["exact", "exact"]  # a blank qualifier is written out
    broken = write_csv(tmp_path / "x" / "open_data_adopters.csv",
                       "as_of,level,count,share_pct,source\n2018,region,,,NL\n2018,departement,14,100.0,NL\n"
                       "2018,commune,,150.0,NL\n2018,epci,,100.5,NL\n")
    with pytest.raises(DataError) as info:
        cs.load("open_data_adopters", broken)
    assert [(p.row, p.column, p.value) for p in info.value.problems] == [(2, "count", None), (4, "share_pct", 150),
                                                                         (5, "share_pct", 100.5)]
    assert "must be at most 100" in info.value.problems[1].text()


def test_validation_imports_no_validation_framework():
    # pandera (and the hypothesis it imports) cost more per process than the checks themselves
    code = ("import sys, civicstats as cs; cs.load('sources'); cs.load('civictech_adoption'); "
            "print(sorted(m for m in ('pandera', 'hypothesis') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


def test_a_file_with_a_former_column_name_is_read_with_a_warning_naming_the_new_one(tmp_path: Path):
    """Issue 24: qualifier columns were renamed (``bound`` → ``value_qualifier``, ``count_bound`` →
    ``count_qualifier``…); a file written before still reads, with a located warning naming the new column."""
    from civicstats import paths

    for table, old, new in [("published_figures", "bound", "value_qualifier"),
                            ("open_data_adopters", "concerned_bound", "concerned_qualifier")]:
        text = (paths.DATA_DIR / f"{table}.csv").read_text(encoding="utf-8")
        (tmp_path / f"{table}.csv").write_text(text.replace(new, old, 1), encoding="utf-8")
        with pytest.warns(cs.DataWarning, match=f"{table}.csv, row 1, column '{old}'.*'{new}'"):
            got = cs.load(table, tmp_path)
        assert got[new].equals(cs.load(table)[new])
    (tmp_path / "published_figures.csv").write_text("measure,as_of,value,bound,value_qualifier,source\n",
                                                    encoding="utf-8")  # both: the former is an unknown column
    with pytest.raises(DataError) as caught:
        cs.load("published_figures", tmp_path)
    assert any(p.code.startswith("header.unknown-column") and p.column == "bound" for p in caught.value.problems)
