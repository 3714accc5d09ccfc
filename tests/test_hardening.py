"""Untrusted input (issue 5): every way a person breaks a file, and files built to hurt.

One table of broken files, each built here the way a person would break it
(CSV files from a copy of a shipped one, workbooks from the template edited
with openpyxl), goes through three doors: ``cs.load`` raises a
:class:`~civicstats.errors.DataError` locating the problem (file, sheet, row,
column, value, rule); ``civicstats check`` exits 1 with that line and no
traceback; and the file's bytes are the same afterwards. Then: a build on
broken data writes nothing and leaves an earlier build whole, a build never
writes into the project; hostile files (size limits, bombs, XML entities)
are refused fast and small; cells a spreadsheet would run are escaped;
personal data in the responses never reaches an output.

Property-based tests (arbitrary bytes, mutated files) are in
``tests/test_properties.py``.
"""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
import textwrap
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

import civicstats as cs
from civicstats import paths, workbook
from civicstats.cli import main
from civicstats.errors import DataError, DataWarning
from civicstats.readers import xlsx
from civicstats.readers.responses import RESPONSES_COLUMNS
from civicstats.workbook import FORMULA_TRIGGERS, write_template
from tests.conftest import MARKUP_TOOL, PERSONAL, EditedBuild, digest, made_once, tree

# digest, tree: tests/conftest.py; so is ``template``, the data-entry workbook written once per run (cases edit
# copies of it), and ``edited_build``, the run's one build on an edited workbook holding personal data.


# --------------------------------------------------------------------------
# The table of broken files


@dataclass(frozen=True)
class Where:
    """Where the problem must be reported: a ``None`` field must be ``None`` (not "anything")."""

    sheet: str | None
    row: int | None
    column: str | None
    value: str | None  # a substring of the value shown, or None for no value
    rule: str  # a substring of the rule
    cell: str | None = None  # the cell reference a workbook problem names


@dataclass(frozen=True)
class Case:
    id: str
    table: str  # the table cs.load is asked for
    make: Callable[[Path, Path], Path]  # (folder, template) → the broken file
    where: Where


def shipped_text(table: str) -> str:
    return (paths.DATA_DIR / f"{table}.csv").read_text(encoding="utf-8")


def csv_file(table: str, edit: Callable[[str], str | bytes]) -> Callable[[Path, Path], Path]:
    """A copy of the shipped CSV of ``table``, edited as text (or replaced by bytes)."""
    def make(folder: Path, template: Path) -> Path:
        path = folder / f"{table}.csv"
        out = edit(shipped_text(table))
        path.write_bytes(out if isinstance(out, bytes) else out.encode("utf-8"))
        return path
    return make


def replace(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)
    return edit


def drop_column(index: int) -> Callable[[str], str]:
    return lambda text: "".join(",".join(c for j, c in enumerate(line.split(",")) if j != index) + "\n"
                                for line in text.splitlines())


def book(edit: Callable[[openpyxl.Workbook], None]) -> Callable[[Path, Path], Path]:
    """A copy of the template, opened, edited and saved with openpyxl, as a person would in Excel."""
    def make(folder: Path, template: Path) -> Path:
        path = folder / "book.xlsx"
        shutil.copyfile(template, path)
        wb = openpyxl.load_workbook(path)
        edit(wb)
        wb.save(path)
        return path
    return make


def cell(sheet: str, ref: str, value: object) -> Callable[[openpyxl.Workbook], None]:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[sheet][ref] = value
    return edit


def append(sheet: str, values: list) -> Callable[[openpyxl.Workbook], None]:
    return lambda wb: wb[sheet].append(values)


def first_row_again(sheet: str) -> Callable[[openpyxl.Workbook], None]:
    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb[sheet]
        ws.append([c.value for c in ws[2]])
    return edit


def template_bytes(change: Callable[[bytes], bytes], name: str = "book.xlsx") -> Callable[[Path, Path], Path]:
    def make(folder: Path, template: Path) -> Path:
        path = folder / name
        path.write_bytes(change(template.read_bytes()))
        return path
    return make


def flip_inside_a_sheet(data: bytes) -> bytes:
    """One bit changed in the compressed bytes of a sheet: the file is damaged, the zip still opens."""
    import io

    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet2.xml")
    at = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + info.compress_size // 2
    return data[:at] + bytes([data[at] ^ 0x10]) + data[at + 1:]


def responses_row(**cells: object) -> list:
    values = {"as_of": "2026", "siren": "213100017", "name": "Commune A", "level": "commune",
              "population": 4000, "source": "NL", **cells}
    return [values.get(c) for c in RESPONSES_COLUMNS]


A = "civictech_adoption"
CASES = [
    # ---- CSV files: a copy of a shipped one, broken
    Case("csv-empty-file", A, csv_file(A, lambda t: ""), Where(None, None, None, None, "the file is empty")),
    Case("csv-header-only", A, csv_file(A, lambda t: t.splitlines()[0] + "\n"),
         Where(None, None, None, None, "no data rows")),
    Case("csv-missing-column", A, csv_file(A, drop_column(2)),
         Where(None, 1, "count", None, "required column is missing")),
    Case("csv-misspelt-column", A, csv_file(A, replace("level,count,", "level,cuont,")),
         Where(None, 1, "cuont", None, "did you mean 'count'?")),
    Case("csv-extra-column", A, csv_file(A, lambda t: "".join(line + (",comment\n" if i == 0 else ",x\n")
                                                              for i, line in enumerate(t.splitlines()))),
         Where(None, 1, "comment", None, "unknown column for table 'civictech_adoption'")),
    Case("csv-column-twice", A, csv_file(A, replace("count,universe,", "count,count,")),
         Where(None, 1, "count", None, "this column appears twice")),
    Case("csv-text-in-count", A, csv_file(A, replace("2018,region,9,", "2018,region,neuf,")),
         Where(None, 2, "count", "neuf", "must be a whole number")),
    Case("csv-decimal-count", A, csv_file(A, replace("2018,region,9,", "2018,region,9.5,")),
         Where(None, 2, "count", "9.5", "no decimals")),
    Case("csv-negative-count", A, csv_file(A, replace("2018,region,9,", "2018,region,-9,")),
         Where(None, 2, "count", "-9", "must be at least 0")),
    Case("csv-blank-count", A, csv_file(A, replace("2018,region,9,", "2018,region,,")),
         Where(None, 2, "count", None, "a value is required")),
    Case("csv-digits-that-are-not-ascii", A, csv_file(A, replace("2018,region,9,", "2018,region,９,")),
         Where(None, 2, "count", "９", "must be a whole number")),
    Case("csv-count-too-large", A, csv_file(A, replace("2018,region,9,", "2018,region,99999999999999999999999,")),
         Where(None, 2, "count", "99999999999999999999999", "too large")),
    Case("csv-duplicated-key", A, csv_file(A, lambda t: t + "2018,region,10,,NL,\n"),
         Where(None, 9, None, None, "duplicate key (as_of=2018, level=region): row 2 has the same")),
    Case("csv-unknown-level", A, csv_file(A, replace("2018,region,9,", "2018,Régions,9,")),
         Where(None, 2, "level", "Régions", "(allowed: region, departement")),
    Case("csv-level-with-a-space", "open_data_adopters",
         csv_file("open_data_adopters", replace("2018-03,epci,62,", "2018-03,EPCI ,62,")),
         Where(None, 11, "level", "EPCI", "did you mean 'epci'?")),
    Case("csv-unknown-source", A, csv_file(A, replace("2018,region,9,,NL;LOC,", "2018,region,9,,NL;NOPE,")),
         Where(None, 2, "source", "NL;NOPE", "source id NOPE not in the source register")),
    Case("csv-not-a-date", A, csv_file(A, replace("2018,departement,", "mars 2018,departement,")),
         Where(None, 3, "as_of", "mars 2018", "must be a date written YYYY, YYYY-MM or YYYY-MM-DD")),
    Case("csv-19-regions", A, csv_file(A, replace("2018,region,9,", "2018,region,19,")),
         Where(None, 2, "count", "19", "larger than the official number of region (18)")),
    Case("csv-count-over-its-universe", A, csv_file(A, replace("ville_plus_100k,11,37", "ville_plus_100k,40,37")),
         Where(None, 5, "count", "40", "larger than its universe (37)")),
    Case("csv-total-row", A, csv_file(A, lambda t: t + "2018,Total,156,,NL;LOC,\n"),
         Where(None, 9, "level", "Total", "looks like a total row")),
    Case("csv-formula", A, csv_file(A, replace("2018,departement,14,", "2018,departement,=C2+5,")),
         Where(None, 3, "count", "=C2+5", "a formula where a value belongs")),
    Case("csv-row-with-extra-cells", A, csv_file(A, replace("2018,departement,14,,NL;LOC,", "2018,departement,14,,NL,LOC,")),
         Where(None, 3, None, None, "this row has 9 cells but the header has 8")),
    Case("csv-quote-never-closed", A, csv_file(A, replace("2018,departement,14,", '2018,"departement,14,')),
         Where(None, 3, None, None, "never closed")),
    Case("csv-that-is-a-workbook", A, lambda folder, template: _write(folder / f"{A}.csv", template.read_bytes()),
         Where(None, None, None, None, "this is an Excel workbook")),
    Case("csv-that-is-an-old-xls", A, csv_file(A, lambda t: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
         Where(None, None, None, None, "old Excel .xls workbook")),
    Case("csv-not-text-at-all", A, csv_file(A, lambda t: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
         Where(None, None, None, None, "not a text file")),
    Case("csv-truncated-utf16", A, csv_file(A, lambda t: t.encode("utf-16")[:-1]),
         Where(None, None, None, None, "starts as UTF-16 text")),
    # ---- workbooks: the template, edited
    Case("xlsx-text-in-count", A, book(cell(A, "C3", "quatorze")),
         Where(A, 3, "count", "quatorze", "must be a whole number", "C3")),
    Case("xlsx-decimal-count", A, book(cell(A, "C3", 14.5)), Where(A, 3, "count", "14.5", "no decimals", "C3")),
    Case("xlsx-negative-count", A, book(cell(A, "C3", -14)), Where(A, 3, "count", "-14", "at least 0", "C3")),
    Case("xlsx-blank-count", A, book(cell(A, "C3", None)), Where(A, 3, "count", None, "a value is required", "C3")),
    Case("xlsx-count-too-large", A, book(cell(A, "C3", 1e300)), Where(A, 3, "count", "1000000", "too large", "C3")),
    Case("xlsx-unknown-level", A, book(cell(A, "B2", "Régions")),
         Where(A, 2, "level", "Régions", "did you mean 'region'?", "B2")),
    Case("xlsx-level-with-a-space", "open_data_adopters", book(cell("open_data_adopters", "B8", "EPCI ")),
         Where("open_data_adopters", 8, "level", "EPCI", "did you mean 'epci'?", "B8")),
    Case("xlsx-unknown-source", A, book(cell(A, "E2", "NL;NOPE")),
         Where(A, 2, "source", "NL;NOPE", "not in the source register", "E2")),
    Case("xlsx-not-a-date", A, book(cell(A, "A3", "mars 2018")),
         Where(A, 3, "as_of", "mars 2018", "must be a date", "A3")),
    Case("xlsx-19-regions", A, book(cell(A, "C2", 19)),
         Where(A, 2, "count", "19", "official number of region (18)", "C2")),
    Case("xlsx-total-row", A, book(append(A, ["2018", "Total", 156, None, "NL;LOC", None])),
         Where(A, 9, "level", "Total", "looks like a total row", "B9")),
    Case("xlsx-duplicated-key", A, book(first_row_again(A)),
         Where(A, 9, None, None, "duplicate key (as_of=2018, level=region): row 2 has the same")),
    Case("xlsx-formula", A, book(cell(A, "C3", "=C2+5")),
         Where(A, 3, "count", "=C2+5", "a formula where a value belongs", "C3")),
    Case("xlsx-excel-error", A, book(cell(A, "C3", "#DIV/0!")),
         Where(A, 3, "count", "#DIV/0!", "an Excel error (#DIV/0!)", "C3")),
    Case("xlsx-merged-cells", A, book(lambda wb: wb[A].merge_cells("A3:B3")),
         Where(A, 3, "as_of", None, "merged cells A3:B3", "A3")),
    Case("xlsx-missing-column", A, book(lambda wb: wb[A].delete_cols(3)),
         Where(A, 1, "count", None, "required column is missing")),
    Case("xlsx-misspelt-column", A, book(cell(A, "C1", "cuont")),
         Where(A, 1, "cuont", None, "did you mean 'count'?", "C1")),
    Case("xlsx-extra-column", A, book(lambda wb: (cell(A, "G1", "comment")(wb), cell(A, "G2", "x")(wb))),
         Where(A, 1, "comment", None, "unknown column", "G1")),
    Case("xlsx-header-only", "participatory_budgets", book(lambda wb: wb["participatory_budgets"].delete_rows(2, 50)),
         Where("participatory_budgets", None, None, None, "no data rows")),
    Case("xlsx-sheet-renamed", "participatory_budgets",
         book(lambda wb: setattr(wb["participatory_budgets"], "title", "Budgets participatifs")),
         Where("Budgets participatifs", None, None, None, "rename the sheet 'participatory_budgets'")),
    Case("xlsx-value-in-the-last-cell", A, book(cell(A, "XFD1048576", "x")),
         Where(A, None, None, None, "CIVICSTATS_MAX_XLSX_CELLS")),
    Case("xlsx-responses-not-yes-or-no", A, book(append("responses", responses_row(dialogue_concertation="peut-être"))),
         Where("responses", 2, "dialogue_concertation", "peut-être", "must be yes or no", "F2")),
    Case("xlsx-that-is-a-csv", A, lambda folder, template: _write(folder / "book.xlsx", shipped_text(A).encode()),
         Where(None, None, None, None, "it looks like a CSV file")),
    Case("xlsx-truncated", A, template_bytes(lambda b: b[: len(b) // 2]),
         Where(None, None, None, None, "corrupt or truncated workbook")),
    Case("xlsx-corrupt", A, template_bytes(flip_inside_a_sheet), Where(None, None, None, None, "corrupt")),
    Case("xlsx-not-a-file-at-all", A, template_bytes(lambda b: bytes(range(256)) * 4),
         Where(None, None, None, None, "not a zip file")),
]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_the_table_is_large_and_each_case_distinct():
    assert len(CASES) >= 25
    assert len({c.id for c in CASES}) == len(CASES)
    assert sum(c.id.startswith("csv") for c in CASES) >= 12 and sum(c.id.startswith("xlsx") for c in CASES) >= 12


def located(problems, path: Path, where: Where):
    """The problem of ``problems`` reported at ``where``, or None."""
    for p in problems:
        if (p.file, p.sheet, p.row, p.column) != (str(path), where.sheet, where.row, where.column):
            continue
        if where.rule not in p.text():
            continue
        if where.value is None and p.value is not None or where.value is not None and where.value not in str(p.value):
            continue
        if where.cell is not None and p.cell != where.cell:
            continue
        return p
    return None


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_file_through_load_and_check(case: Case, template: Path, tmp_path: Path, capsys):
    path = case.make(tmp_path, template)
    before = digest(path)
    # door 1: the library
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        with pytest.raises(DataError) as info:
            cs.load(case.table, path)
    problem = located(info.value.problems, path, case.where)
    assert problem is not None, f"expected {case.where}, got:\n{info.value}"
    assert f"  {problem}" in str(info.value).splitlines()
    # door 2: the command line (in-process; a few real processes below)
    capsys.readouterr()
    assert main(["check", str(path)]) == 1
    out, err = capsys.readouterr()
    assert str(problem) in err.splitlines(), err
    assert "Traceback" not in out + err and out.startswith("invalid: ")
    # door 3: the file is never written
    assert digest(path) == before


SUBPROCESS_CASES = ["csv-row-with-extra-cells", "xlsx-formula", "xlsx-sheet-renamed", "xlsx-value-in-the-last-cell"]


@pytest.mark.parametrize("case", [c for c in CASES if c.id in SUBPROCESS_CASES], ids=SUBPROCESS_CASES)
def test_broken_file_through_the_real_command(case: Case, template: Path, tmp_path: Path):
    path = case.make(tmp_path, template)
    before = digest(path)
    proc = subprocess.run([sys.executable, "-m", "civicstats.cli", "check", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("warning: ")]
    assert lines and all(line.startswith(str(path)) for line in lines), proc.stderr
    assert any(case.where.rule in line for line in lines)
    assert digest(path) == before


def test_cell_references_stay_out_of_csv_messages(tmp_path: Path):
    """A CSV file has no cells to name: its messages read as before."""
    path = csv_file(A, replace("2018,region,9,", "2018,region,-9,"))(tmp_path, tmp_path)
    with pytest.raises(DataError) as info:
        cs.load(A, path)
    assert [str(p) for p in info.value.problems] == [f"{path}, row 2, column 'count', value '-9': must be at least 0"]


def test_not_a_regular_file_is_refused_without_reading(tmp_path: Path):
    """A named pipe would block a reader for ever, a device would never end."""
    import os

    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    for name in ("participatory_budgets.csv", "book.xlsx"):
        pipe = tmp_path / name
        os.mkfifo(pipe)
        with pytest.raises(DataError, match="not a regular file") as info:
            cs.load("participatory_budgets", pipe)
        assert [p.code for p in info.value.problems] in (["csv.not-a-regular-file"], ["xlsx.not-a-regular-file"])


# --------------------------------------------------------------------------
# Builds: broken data writes nothing, earlier outputs stay whole, the project is never written

# PERSONAL: tests/conftest.py (the edited workbook of edited_build carries the same columns)
#: What must appear in no output: the e-mail, the phone (as any notebook could reformat it), the name.
LEAKS = [b"alice@example.org", b"12 34 56 78", b"Alice Martin", b"Alice"]


def personal_book(template: Path, path: Path) -> Path:
    """The template with a responses sheet of a few rows, and three columns of personal data."""
    shutil.copyfile(template, path)
    wb = openpyxl.load_workbook(path)
    ws = wb["responses"]
    first_extra = len(RESPONSES_COLUMNS) + 1
    for j, header in enumerate(PERSONAL, start=first_extra):
        ws.cell(row=1, column=j, value=header)
    rows = [dict(siren="200000001", name="Région test", level="region", population=None, dialogue_concertation="oui"),
            dict(siren="200000002", name="Ville test", level="commune", population=42_000, reporting="x"),
            dict(siren="200000003", name="Village test", level="commune", population=800, open_data_portal="oui")]
    for i, cells in enumerate(rows, start=2):
        for j, value in enumerate(responses_row(**cells), start=1):
            ws.cell(row=i, column=j, value=value)
        for j, value in enumerate(PERSONAL.values(), start=first_extra):
            ws.cell(row=i, column=j, value=value)
    wb.save(path)
    return path


@pytest.fixture
def good_build(edited_build: EditedBuild) -> EditedBuild:
    """A successful build, in a real process, on a workbook whose responses hold the ``PERSONAL`` columns.

    The run's shared ``edited_build`` (tests/conftest.py): read only, and the tests below that aim a build at
    its out folder assert that they wrote nothing there.
    """
    return edited_build


def test_personal_data_is_warned_about_and_check_passes(template: Path, tmp_path: Path, capsys):
    path = personal_book(template, tmp_path / "book.xlsx")
    before = digest(path)
    assert main(["check", str(path)]) == 0
    out, err = capsys.readouterr()
    warning = [line for line in err.splitlines() if line.startswith("warning: ") and "personal data" in line]
    assert len(warning) == 1 and all(f"'{c}'" in warning[0] for c in PERSONAL), err
    assert not any(v in err + out for v in PERSONAL.values())  # the warning names columns, never values
    assert out.startswith("ok: ") and "responses (3 rows)" in out
    assert digest(path) == before


def test_personal_data_reaches_no_output(good_build: EditedBuild):
    assert "personal data" in good_build.log
    assert all(f"'{column}'" in good_build.log for column in PERSONAL)  # the data built on held them
    files = [good_build.out / name for name in good_build.files]
    kinds = {p.suffix for p in files}
    assert {".ipynb", ".html", ".png", ".svg"} <= kinds, kinds
    for path in files:
        data = path.read_bytes()
        for leak in LEAKS:
            assert leak not in data, f"{leak!r} in {path}"
    assert not list(good_build.out.rglob(".civicstats-build-*"))  # no staging left behind


BUILD_CASES = ["csv-negative-count", "xlsx-formula", "xlsx-sheet-renamed", "xlsx-truncated", "xlsx-value-in-the-last-cell"]


@pytest.mark.parametrize("case", [c for c in CASES if c.id in BUILD_CASES], ids=BUILD_CASES)
def test_a_build_on_broken_data_writes_nothing(case: Case, template: Path, good_build: EditedBuild, tmp_path: Path, capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    path = case.make(folder, template)
    data = folder if path.suffix == ".csv" else path  # a CSV is built on as a folder of tables
    before = digest(path)
    for out in (tmp_path / "new-out", good_build.out):  # a fresh folder, and the earlier build's
        capsys.readouterr()
        assert main(["build", "--data", str(data), "--out", str(out)]) == 1
        _, err = capsys.readouterr()
        assert case.where.rule in err and "Traceback" not in err
        assert "nothing was written" in err
    assert not (tmp_path / "new-out").exists()
    assert tree(good_build.out) == good_build.files  # the earlier build, byte for byte
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # no staging folder left beside either


def test_a_failed_build_in_a_real_process_leaves_the_earlier_build_whole(template: Path, good_build: EditedBuild,
                                                                         tmp_path: Path):
    broken = book(cell(A, "C3", "=C2+5"))(tmp_path, template)
    proc = subprocess.run([sys.executable, "-m", "civicstats.cli", "build", "--data", str(broken),
                           "--out", str(good_build.out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "sheet 'civictech_adoption', row 3, column 'count' (cell C3), value '=C2+5'" in proc.stderr
    assert tree(good_build.out) == good_build.files


@pytest.mark.parametrize("where", ["data", "data/sub", "notebooks", "figures", "figures/new", "root", "link-to-data",
                                   "out-whose-figures-link-to-the-project", "out-whose-notebooks-link-to-the-project"])
def test_a_build_on_other_data_never_writes_into_the_project(where: str, template: Path, tmp_path: Path, capsys,
                                                             monkeypatch):
    from civicstats.build import execute

    def run_nothing(*args, **kwargs):  # were the refusal to fail, this test still writes nothing
        raise AssertionError("the build went on to execute notebooks")

    monkeypatch.setattr(execute, "execute_all", run_nothing)
    if where == "link-to-data":
        out = tmp_path / "innocent-looking"
        out.symlink_to(paths.DATA_DIR, target_is_directory=True)
    elif where.startswith("out-whose-"):
        out = tmp_path / "out"
        out.mkdir()
        linked = "figures" if "figures" in where else "notebooks"
        (out / linked).symlink_to(paths.ROOT / linked, target_is_directory=True)
    elif where == "root":
        out = paths.ROOT
    else:
        out = paths.ROOT / where
    data = tmp_path / "book.xlsx"
    shutil.copyfile(template, data)
    project = {str(d): tree(d) for d in paths.protected_dirs()}
    assert main(["build", "--data", str(data), "--out", str(out)]) == 4  # the output place, not the data
    err = capsys.readouterr().err
    assert "would write into" in err and "Traceback" not in err
    assert {str(d): tree(d) for d in paths.protected_dirs()} == project
    assert not (paths.ROOT / "data" / "sub").exists() and not (paths.ROOT / "figures" / "new").exists()


def test_a_build_writes_only_inside_its_out_folder(template: Path, tmp_path: Path, capsys, monkeypatch):
    from civicstats.build import execute

    monkeypatch.setattr(execute, "execute_all", lambda *a, **k: pytest.fail("notebooks were executed"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "reports").symlink_to(elsewhere, target_is_directory=True)
    data = tmp_path / "book.xlsx"
    shutil.copyfile(template, data)
    assert main(["build", "--data", str(data), "--out", str(out)]) == 4
    err = capsys.readouterr().err
    assert f"{out / 'reports'} is a link to {elsewhere}, outside out={out}" in err
    assert list(elsewhere.iterdir()) == []


def test_a_build_never_deletes_through_a_link(tmp_path: Path):
    """A figure a previous build recorded is removed when no longer made, but never through a link out of out/."""
    from civicstats.build import _remove_unsaved_figures
    from civicstats.build.plan import Run, Targets

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "victim.png").write_bytes(b"keep me")
    out = tmp_path / "out"
    targets = Targets(out / "notebooks", out / "reports", out / "figures")
    targets.figures.mkdir(parents=True)
    (targets.figures / "sub").symlink_to(elsewhere, target_is_directory=True)
    (targets.figures / "old.png").write_bytes(b"made by the last build")
    run = Run("alpha", "en", tmp_path / "alpha.ipynb", "fingerprint", None, ["old.png", "sub/victim.png"])
    _remove_unsaved_figures([run], targets)
    assert not (targets.figures / "old.png").exists()  # the build's own figure, gone
    assert (elsewhere / "victim.png").read_bytes() == b"keep me"  # what the link points to, untouched


# --------------------------------------------------------------------------
# Hostile files: limits before parsing, refused fast and small


def measured(code: str) -> dict:
    """Run ``code`` (which sets ``result``) in a fresh process after the heavy imports.

    Returns its seconds, its peak memory growth in kB (ru_maxrss after minus
    before) and what it put in ``result``.
    """
    script = textwrap.dedent("""
        import json, resource, time, warnings
        import pandas, python_calamine, civicstats.tables, civicstats.check, civicstats.readers.xlsx
        import civicstats as cs
        from civicstats.errors import DataError
        warnings.simplefilter("ignore")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
    """) + textwrap.dedent(code) + textwrap.dedent("""
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"seconds": seconds, "growth_kb": after - before, "result": result}))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def refusal(path: Path, table: str = "participatory_budgets") -> dict:
    """Load and check ``path`` in a fresh process: the messages (``load``, ``check``), seconds and memory growth."""
    found = measured(f"""
        try:
            cs.load({table!r}, {str(path)!r})
            loaded = "loaded"
        except DataError as exc:
            loaded = str(exc)
        from civicstats.check import check
        result = {{"load": loaded, "check": [str(p) for p in check({str(path)!r}).problems]}}
    """)
    return {**found.pop("result"), **found}


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"], ids=["cr-only", "crlf", "lf"])
def test_a_csv_of_400_rows_reads_row_by_row_whatever_ends_its_lines(tmp_path: Path, newline: str):
    """Bug 3: Excel for Mac's "CSV (Macintosh)" ends lines with a carriage return alone; its header is one line."""
    from civicstats.check import check

    lines = ["year,count,unit,source,note"] + [f"{2000 + i % 100},{i},villes,BEZ," for i in range(400)]
    path = tmp_path / "participatory_budgets.csv"
    path.write_bytes((newline.join(lines) + newline).encode("utf-8"))
    report = check(path)
    assert report.ok, [str(p) for p in report.problems]
    assert report.tables == {"participatory_budgets": 400}
    assert cs.load("participatory_budgets", path)["count"].tolist() == list(range(400))
    path.write_bytes((newline.join(lines).replace(",299,villes", ",-299,villes") + newline).encode("utf-8"))
    with pytest.raises(DataError) as info:
        cs.load("participatory_budgets", path)
    assert [(p.row, p.column, str(p.value)) for p in info.value.problems] == [(301, "count", "-299")]


def test_a_csv_over_the_size_limit_is_refused_before_reading(tmp_path: Path, monkeypatch):
    path = tmp_path / "participatory_budgets.csv"
    with open(path, "wb") as fh:  # 300 MB that take no room on disk (a sparse file)
        fh.truncate(300 * 1024 * 1024)
    result = refusal(path)
    assert result["growth_kb"] < 50 * 1024, result
    from civicstats.readers import MAX_CSV_BYTES

    rule = f"over the {MAX_CSV_BYTES:,}-byte limit for CSV files; to read it anyway raise the limit with the " \
           "environment variable CIVICSTATS_MAX_CSV_BYTES"
    assert rule in result["load"] and len(result["check"]) == 1 and rule in result["check"][0]
    # the limit is read when a file is read, not when civicstats is imported
    small = tmp_path / "x" / "participatory_budgets.csv"
    small.parent.mkdir()
    shutil.copyfile(paths.DATA_DIR / "participatory_budgets.csv", small)
    assert len(cs.load("participatory_budgets", small)) == 8
    monkeypatch.setenv("CIVICSTATS_MAX_CSV_BYTES", "100")
    with pytest.raises(DataError, match="over the 100-byte limit.*CIVICSTATS_MAX_CSV_BYTES"):
        cs.load("participatory_budgets", small)
    monkeypatch.setenv("CIVICSTATS_MAX_CSV_BYTES", "a lot")
    assert main(["check", str(small)]) == 2  # a wrong setting is a usage error, in words


# A workbook built part by part, for attacks openpyxl would never write.
CONTENT_TYPES = b"""<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"""
ROOT_RELS = b"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
WORKBOOK = b"""<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="participatory_budgets" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = b"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"""
STRINGS = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
           b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="6" uniqueCount="6">'
           b"<si><t>year</t></si><si><t>count</t></si><si><t>unit</t></si><si><t>source</t></si>"
           b"<si><t>villes</t></si><si><t>BEZ</t></si></sst>")
SHEET = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
         b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
         b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
         b'<c r="D1" t="s"><v>3</v></c></row>'
         b'<row r="2"><c r="A2"><v>2017</v></c><c r="B2"><v>47</v></c><c r="C2" t="s"><v>4</v></c>'
         b'<c r="D2" t="s"><v>5</v></c></row></sheetData></worksheet>')


def parts_book(path: Path, sheet: bytes = SHEET, strings: bytes = STRINGS) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": ROOT_RELS, "xl/workbook.xml": WORKBOOK,
                           "xl/_rels/workbook.xml.rels": WORKBOOK_RELS, "xl/sharedStrings.xml": strings,
                           "xl/worksheets/sheet1.xml": sheet}.items():
            zf.writestr(name, data)
    return path


def with_doctype(xml: bytes, doctype: bytes, entity_at: bytes, entity: bytes) -> bytes:
    head, body = xml.split(b"\n", 1)
    assert entity_at in body
    return head + b"\n" + doctype + body.replace(entity_at, entity, 1)


XXE = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
LAUGHS = (b'<!DOCTYPE x [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
          + b"]>")


def test_the_hand_built_workbook_reads(tmp_path: Path):
    path = parts_book(tmp_path / "ok.xlsx")
    assert cs.load("participatory_budgets", path)[["year", "count", "unit", "source"]].values.tolist() == [
        [2017, 47, "villes", "BEZ"]]


def sheet_with(extra_cells: bytes = b"", after_data: bytes = b"") -> bytes:
    """The hand-built sheet, with cells added to its last row, or parts after its data."""
    return SHEET.replace(b"</row></sheetData>", extra_cells + b"</row></sheetData>" + after_data)


def prefixed(sheet: bytes) -> bytes:
    """The same sheet written with a namespace prefix on every tag (valid XML, odd to a byte scan)."""
    for tag in (b"worksheet", b"sheetData", b"row", b"c", b"v"):
        sheet = sheet.replace(b"<" + tag + b" ", b"<x:" + tag + b" ").replace(b"<" + tag + b">", b"<x:" + tag + b">")
        sheet = sheet.replace(b"</" + tag + b">", b"</x:" + tag + b">")
    return sheet.replace(b"<x:worksheet xmlns=", b"<x:worksheet xmlns:x=")


def utf16(xml: bytes) -> bytes:
    return xml.replace(b'encoding="UTF-8"', b'encoding="UTF-16"').decode("utf-8").encode("utf-16")


XINCLUDE = (b'<c r="E2" t="inlineStr"><is><t><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
            b'href="file:///etc/passwd" parse="text"/></t></is></c>')
LIMIT = "CIVICSTATS_MAX_XLSX_CELLS"
# attack → (the workbook, words of the refusal; None: read, with the attack neutralised)
HOSTILE = {
    "external-entity-in-a-sheet": (
        lambda p: parts_book(p, sheet=with_doctype(SHEET, XXE, b"<v>2017</v>", b"<v>&e;</v>")), "billion laughs"),
    "external-entity-in-shared-strings": (
        lambda p: parts_book(p, strings=with_doctype(STRINGS, XXE, b"<t>villes</t>", b"<t>&e;</t>")), "billion laughs"),
    "entity-expansion-in-shared-strings": (
        lambda p: parts_book(p, strings=with_doctype(STRINGS, LAUGHS, b"<t>villes</t>", b"<t>&lol9;</t>")),
        "billion laughs"),
    "xinclude-in-a-sheet": (lambda p: parts_book(p, sheet=sheet_with(XINCLUDE)), None),
    "utf16-sheet-hiding-a-doctype": (
        lambda p: parts_book(p, sheet=utf16(with_doctype(SHEET, XXE, b"<v>2017</v>", b"<v>&e;</v>"))), "not UTF-8 XML"),
    "four-billion-shared-strings": (
        lambda p: parts_book(p, strings=STRINGS.replace(b'uniqueCount="6"', b'uniqueCount="4000000000"')),
        "declares 4,000,000,000 strings"),
    "value-in-the-last-cell": (lambda p: parts_book(p, sheet=sheet_with(b'<c r="XFD1048576"><v>1</v></c>')), LIMIT),
    "last-cell-in-single-quotes": (
        lambda p: parts_book(p, sheet=sheet_with(b"<c r = 'XFD1048576'><v>1</v></c>")), LIMIT),
    "cells-without-references-far-down": (lambda p: parts_book(p, sheet=SHEET.replace(
        b"</sheetData>", b'<row r="1048576">' + b"<c><v>1</v></c>" * 30 + b"</row></sheetData>")), LIMIT),
    "prefixed-far-cell": (lambda p: parts_book(p, sheet=prefixed(sheet_with(b'<c r="ZZZ999999"><v>1</v></c>'))), LIMIT),
    "a-merge-over-the-whole-sheet": (lambda p: parts_book(p, sheet=sheet_with(
        after_data=b'<mergeCells count="1"><mergeCell ref="A2:XFD1048576"/></mergeCells>')),
        "merged cells A2:XFD1048576"),
}


def measured_once(tmp_path_factory, name: str, measure: Callable[[Path], object]) -> object:
    """What ``measure(folder)`` returns, measured once per test run whichever xdist worker asks first."""
    def make(folder: Path) -> None:
        (folder / "measured.pickle").write_bytes(pickle.dumps(measure(folder)))

    return pickle.loads((made_once(tmp_path_factory, name, make) / "measured.pickle").read_bytes())


@pytest.fixture(scope="module")
def hostile_books(tmp_path_factory) -> dict[str, tuple[Path, str, object]]:
    """Each HOSTILE workbook, loaded and checked in a fork of one warm process (tests/hostile.py): attack → (the
    file, its sha256 before, what was measured)."""
    from tests.hostile import Hostile, measure_corpus

    def measure(folder: Path) -> dict:
        books = [Hostile(attack, make(folder / f"{attack}.xlsx"), rule or "ok", load="participatory_budgets")
                 for attack, (make, rule) in HOSTILE.items()]
        before = [digest(book.path) for book in books]
        return {book.name: (book.path, sha, m) for book, sha, m in zip(books, before, measure_corpus(books))}

    return measured_once(tmp_path_factory, "hostile-small", measure)


@pytest.mark.parametrize("attack", list(HOSTILE), ids=list(HOSTILE))
def test_a_hostile_workbook_is_refused_small(attack: str, hostile_books):
    rule = HOSTILE[attack][1]
    path, before, result = hostile_books[attack]
    assert not result.crashed and result.growth_kb < 50 * 1024, result
    messages = result.load + "\n".join(result.lines)
    assert "root:" not in messages and "/bin/" not in messages  # nothing of /etc/passwd was read
    if rule is None:  # neutralised rather than refused: the include is not followed
        assert result.load and "root:" not in result.load, result
    else:
        assert rule in result.load, result
        assert not result.ok and any(rule in line for line in result.lines), result
    assert digest(path) == before


def test_a_far_cell_is_measured_not_guessed(tmp_path: Path, monkeypatch):
    """The cell limit counts cells holding values, from A1: formatting alone far away is no problem."""
    empty_far = parts_book(tmp_path / "styled.xlsx", sheet=sheet_with(b'<c r="XFD1048576" s="1"/>'))
    assert len(cs.load("participatory_budgets", empty_far)) == 1
    wide = parts_book(tmp_path / "wide.xlsx", sheet=sheet_with(b'<c r="AD2"><v>1</v></c>'))  # 30 columns × 2 rows
    with pytest.raises(DataError) as info:
        cs.load("participatory_budgets", wide)
    assert [(p.sheet, p.row, p.column, p.cell) for p in info.value.problems] == [
        ("participatory_budgets", 1, "Unnamed: AD", "AD1")]  # a value without a column name, nothing about size
    monkeypatch.setenv("CIVICSTATS_MAX_XLSX_CELLS", "50")
    with pytest.raises(DataError, match=r"2 rows × 30 columns = 60 cells, over the limit of 50"):
        cs.load("participatory_budgets", wide)


# --------------------------------------------------------------------------
# Cells a spreadsheet would run: every cell the template writes


def test_the_template_escapes_every_text_cell_that_a_spreadsheet_would_run(tmp_path: Path, monkeypatch):
    """Every shipped text, in every table, made to start with each trigger: none becomes a formula."""
    shipped_rows = workbook._rows
    triggers = [t for t in FORMULA_TRIGGERS if t != "\n"] + ["\n"]

    def rows(name):
        found = shipped_rows(name)
        out, k = [], 0
        for row in found:
            changed = []
            for v in row:
                if isinstance(v, str):
                    v = triggers[k % len(triggers)] + ("HYPERLINK(\"http://evil.example\",\"x\")" if k % 2 else v)
                    k += 1
                changed.append(v)
            out.append(tuple(changed))
        return out

    monkeypatch.setattr(workbook, "_rows", rows)
    path = write_template(tmp_path / "t.xlsx")
    with zipfile.ZipFile(path) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in zf.read(n) or b"<f " in zf.read(n) for n in sheets)
    wb = openpyxl.load_workbook(path)
    escaped = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith(FORMULA_TRIGGERS):
                    assert c.data_type == "s" and c.quotePrefix, (ws.title, c.coordinate, c.value)
                    escaped += 1
    assert escaped > 100
    # and civicstats reads each text back as written: no apostrophe was added to the data
    raw = xlsx.read_sheet(path, "sources").frame
    assert raw["title"].str.startswith(tuple(triggers)).all()


def test_no_other_spreadsheet_writer_exists():
    """The template is the only spreadsheet civicstats writes; a new writer must go through write_cell."""
    def code(path: Path) -> str:  # without the doctests, which may build a workbook to read
        lines = path.read_text(encoding="utf-8").splitlines()
        return "\n".join(line for line in lines if not line.lstrip().startswith((">>>", "...")))

    writers = sorted(str(p.relative_to(paths.PACKAGE_DIR)) for p in paths.PACKAGE_DIR.rglob("*.py")
                     if any(w in code(p) for w in (".to_excel(", ".to_csv(", "xlsxwriter", "Workbook(")))
    # the collectivities page's CSV: a text read as a formula starts with an apostrophe (FORMULA_TRIGGERS);
    # derive.py writes data/open_data_organisations.csv, a data file civicstats reads back, kept as the export has it
    assert writers == ["derive.py", "site/collectivities.py", "workbook.py"], writers


# --------------------------------------------------------------------------
# Issue 13: the hostile corpus within budget, what a cell shows, safe output, personal data, check ⇒ build

from tests.hostile import Hostile, hand_book, hostile_corpus, measure_corpus  # noqa: E402

#: The budget of issue 13, over a trivial check: processor seconds and peak memory growth.
BUDGET_SECONDS, BUDGET_KB = 2.0, 100 * 1024


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[tuple[Hostile, object]]:
    def measure(folder: Path) -> list:
        files = hostile_corpus(folder)
        return list(zip(files, measure_corpus(files)))

    return measured_once(tmp_path_factory, "hostile-corpus", measure)


def test_the_hostile_corpus_is_refused_early_or_read_within_budget(corpus):
    assert len(corpus) >= 18
    failures = []
    for hostile, m in corpus:
        if m.crashed:
            failures.append(f"{hostile.name}: crashed: {m.crashed}")
            continue
        if m.seconds > BUDGET_SECONDS or m.growth_kb > BUDGET_KB:
            failures.append(f"{hostile.name}: {m.seconds:.2f} s, {m.growth_kb / 1024:.0f} MB")
        if hostile.expect == "ok":
            if not m.ok:
                failures.append(f"{hostile.name}: expected ok, got {m.lines}")
        elif m.ok or not all(hostile.expect in line or not hostile.expect for line in m.lines[:1]):
            failures.append(f"{hostile.name}: expected a refusal holding {hostile.expect!r}, got {m.lines}")
        for line in m.lines:
            if any(ch in line for ch in "\n\r\x1b\x07\x00"):
                failures.append(f"{hostile.name}: unescaped output {line!r}")
    assert not failures, "\n".join(failures)


def test_the_env_variable_cannot_lift_the_cell_cap_past_what_the_process_survives(corpus):
    hostile, m = next((h, m) for h, m in corpus if h.name == "xlsx-far-cell-env-raised")
    assert hostile.env["CIVICSTATS_MAX_XLSX_CELLS"] == str(10**12)
    assert not m.crashed and "at most 20,000,000" in m.lines[0], m


def test_an_ignored_sheet_is_read_no_further_than_its_header(tmp_path: Path):
    far = b'<row r="1"><c r="A1" t="inlineStr"><is><t>year</t></is></c><c r="B1" t="inlineStr"><is><t>count</t>' \
          b'</is></c></row>' + b"".join(b'<row r="%d"><c r="Z%d"><v>1</v></c></row>' % (r, r) for r in range(2, 30_000))
    path = hand_book(tmp_path / "book.xlsx", {f"Notes {i}": far for i in range(20)})
    found = measured(f"""
        from civicstats.readers.xlsx import read_header
        result = [read_header({str(path)!r}, f"Notes {{i}}") for i in range(20)]
    """)
    assert found["result"] == [["year", "count"]] * 20
    assert found["growth_kb"] < 50 * 1024, found


def test_a_check_never_reads_ignored_sheets_whole(tmp_path: Path):
    rows = b"".join(b'<row r="%d"><c r="Z%d"><v>1</v></c></row>' % (r, r) for r in range(2, 38_000))
    sheets = {"participatory_budgets": b'<row r="1">' + b"".join(
        b'<c r="%s1" t="inlineStr"><is><t>%s</t></is></c>' % (c, n) for c, n in
        zip((b"A", b"B", b"C", b"D"), (b"year", b"count", b"unit", b"source"))) + b"</row>" + b'<row r="2"><c r="A2"><v>2017</v></c>'
        b'<c r="B2"><v>47</v></c><c r="C2" t="inlineStr"><is><t>villes</t></is></c><c r="D2" t="inlineStr"><is><t>BEZ'
        b"</t></is></c></row>"}
    sheets.update({f"Notes {i}": b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>' + rows
                   for i in range(20)})
    path = hand_book(tmp_path / "book.xlsx", sheets)
    found = measured(f"""
        from civicstats.check import check
        result = check({str(path)!r}).ok
    """)
    assert found["growth_kb"] < 100 * 1024, found


# what a cell shows is what is read


PERCENT_STYLES = (b'<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                  b'<numFmts count="1"><numFmt numFmtId="164" formatCode="0.0&quot;%&quot;"/></numFmts>'
                  b'<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="10"/><xf numFmtId="164"/><xf numFmtId="9"/>'
                  b"</cellXfs></styleSheet>")
OPEN_DATA = ["as_of", "level", "count", "share_pct", "share_qualifier", "concerned", "concerned_qualifier", "source", "note"]


def _od_book(path: Path, row: list, styles: dict[int, int]) -> Path:
    from tests.hostile import _inline_row

    return hand_book(path, {"open_data_adopters": _inline_row(1, OPEN_DATA) + _inline_row(2, row, styles)},
                     PERCENT_STYLES)


def test_a_percent_formatted_share_is_read_as_it_shows(tmp_path: Path):
    path = _od_book(tmp_path / "book.xlsx", ["2018-10", "region", 5.0, 0.336, "", "", "", "ODF", ""], {3: 1})
    assert xlsx.read_sheet(path, "open_data_adopters").frame.loc[2, "share_pct"] == "33.6"
    # a text format that shows a literal "%" sign is not a percentage: the number is read as typed
    path = _od_book(tmp_path / "literal.xlsx", ["2018-10", "region", 5.0, 33.6, "", "", "", "ODF", ""], {3: 2})
    assert xlsx.read_sheet(path, "open_data_adopters").frame.loc[2, "share_pct"] == "33.6"


def test_a_percent_format_on_a_count_is_a_located_problem(tmp_path: Path):
    path = _od_book(tmp_path / "book.xlsx", ["2018-10", "region", 0.05, "", "", "", "", "ODF", ""], {2: 3})
    with pytest.raises(DataError) as info:
        cs.load("open_data_adopters", path)
    p = next(p for p in info.value.problems if p.code == "xlsx.percent-outside-pct")
    assert (p.sheet, p.row, p.column, p.value, p.cell) == ("open_data_adopters", 2, "count", "5 %", "C2")


@pytest.mark.parametrize("day, shown", [(1, None), (15, "2018-03-15")])
def test_an_excel_date_in_a_text_date_column(tmp_path: Path, day: int, shown: str | None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "open_data_adopters"
    import datetime

    ws.append(OPEN_DATA)
    ws.append([datetime.date(2018, 3, day), "region", 5, None, None, None, None, "ODF", None])
    wb.save(tmp_path / "book.xlsx")
    if shown:
        assert xlsx.read_sheet(tmp_path / "book.xlsx", "open_data_adopters").frame.loc[2, "as_of"] == shown
        return
    with pytest.raises(DataError) as info:
        cs.load("open_data_adopters", tmp_path / "book.xlsx")
    p = info.value.problems[0]
    assert (p.row, p.column, p.value, p.cell) == (2, "as_of", "2018-03-01", "A2") and "'2018-03" in p.text()


@pytest.mark.parametrize("char", ["\x00", "\x1b", "_x001B_", "\x7f", "\x85"])
def test_control_characters_are_refused_in_any_workbook_cell(tmp_path: Path, char: str):
    from tests.hostile import PB_HEADER, _inline_row

    path = hand_book(tmp_path / "book.xlsx", {"participatory_budgets": _inline_row(1, PB_HEADER) + _inline_row(
        2, [2017.0, 47.0, f"vil{char}les", "BEZ"])})
    with pytest.raises(DataError) as info:
        cs.load("participatory_budgets", path)
    p = info.value.problems[0]
    if char in "\x00\x1b":  # raw, not even well-formed XML: the sheet is refused whole (Excel writes _x001B_)
        assert p.code == "xlsx.malformed-part" and "corrupt" in p.text()
        return
    assert (p.row, p.column, p.cell, p.code) == (2, "unit", "C2", "cell.control-character")


def test_control_characters_are_refused_in_any_csv_cell(tmp_path: Path):
    path = tmp_path / "participatory_budgets.csv"
    path.write_bytes(shipped_text("participatory_budgets").replace("BEZ", "B\x1bEZ", 1).encode())
    with pytest.raises(DataError) as info:
        cs.load("participatory_budgets", path)
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "source")]
    assert "control character" in info.value.problems[0].text() and "\\x1b" in str(info.value)


@pytest.mark.parametrize("encoding, words", [("utf-16-be", "UTF-16"), ("cp437", "not certain|neither")])
def test_text_in_an_uncertain_encoding_is_refused_naming_the_encodings_tried(tmp_path: Path, encoding, words):
    import re

    path = tmp_path / "participatory_budgets.csv"
    path.write_bytes(shipped_text("participatory_budgets").replace("villes", "collectivités", 1).encode(encoding, "replace"))
    with pytest.raises(DataError) as info:
        cs.load("participatory_budgets", path)
    assert re.search(words, str(info.value)) and ("tried" in str(info.value)), str(info.value)


def test_utf32_and_utf16_with_their_mark_are_read(tmp_path: Path):
    for encoding in ("utf-32", "utf-16"):
        path = tmp_path / encoding / "participatory_budgets.csv"
        path.parent.mkdir()
        path.write_bytes(shipped_text("participatory_budgets").encode(encoding))
        assert len(cs.load("participatory_budgets", path)) == 8


def test_latin1_french_text_is_still_read(tmp_path: Path):
    text = shipped_text("levels")
    assert "é" in text and "€" not in text
    path = tmp_path / "levels.csv"
    path.write_bytes(text.encode("cp1252"))
    assert cs.load("levels", path).equals(cs.load("levels"))


# safe output


def test_a_header_with_escape_sequences_is_printed_escaped(tmp_path: Path):
    path = tmp_path / "participatory_budgets.csv"
    path.write_bytes(shipped_text("participatory_budgets").replace("unit", "unit\x1b]0;pwned\x07\r\nok: x", 1).encode())
    proc = subprocess.run([sys.executable, "-m", "civicstats", "check", str(path)], capture_output=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1 and b"\x1b" not in out and b"\x07" not in out and b"\r" not in out
    assert not any(line.startswith(b"ok:") for line in out.splitlines()), out


def test_a_sheet_name_with_newlines_cannot_forge_an_ok_line(tmp_path: Path):
    from tests.hostile import PB_HEADER, PB_ROW, _inline_row

    path = hand_book(tmp_path / "book.xlsx", {
        "participatory_budgets": _inline_row(1, PB_HEADER) + _inline_row(2, ["x", *PB_ROW[1:]]),
        "Notes&#10;ok: book.xlsx: 10 tables valid&#10;": b""})
    assert "Notes\nok: book.xlsx: 10 tables valid\n" in xlsx.sheet_names(path)
    proc = subprocess.run([sys.executable, "-m", "civicstats", "check", str(path)], capture_output=True, text=True,
                          timeout=120)
    lines = (proc.stdout + proc.stderr).splitlines()
    assert proc.returncode == 1 and not any(line.startswith("ok:") for line in lines), lines
    assert any("Notes\\nok: book.xlsx" in line for line in lines), lines


def test_ten_thousand_sheets_print_no_ten_thousand_warnings(tmp_path: Path):
    path = hand_book(tmp_path / "book.xlsx", {f"s{i}": b"" for i in range(9_990)})
    proc = subprocess.run([sys.executable, "-m", "civicstats", "check", str(path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1 and len(proc.stderr.splitlines()) < 5 and "refused" in proc.stderr, proc.stderr
    path = hand_book(tmp_path / "book300.xlsx", {f"s{i}": b"" for i in range(300)})
    proc = subprocess.run([sys.executable, "-m", "civicstats", "check", str(path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1 and len(proc.stderr.splitlines()) < 5 and "more than 255 sheets" in proc.stderr


# personal data in every free-text column


@pytest.mark.parametrize("table, column, text, kind", [
    ("participatory_budgets", "note", "contact: jean.dupont@ville.fr", "an e-mail address"),
    ("civictech_adoption", "note", "appeler le 06 12 34 56 78", "a phone number"),
    ("civictech_tools", "tool", "Ask +33 1 23 45 67 89", "a phone number"),
])
def test_personal_data_in_any_free_text_column_is_a_located_problem(tmp_path: Path, table, column, text, kind):
    import csv as std_csv
    import io

    rows = list(std_csv.DictReader(io.StringIO(shipped_text(table))))
    rows[0][column] = text
    out = io.StringIO()
    writer = std_csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / f"{table}.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    with pytest.raises(DataError) as info:
        cs.load(table, path)
    p = next(p for p in info.value.problems if "personal data" in p.text())
    assert (p.row, p.column, p.value) == (2, column, text) and kind in p.text()


def test_the_shipped_data_holds_no_personal_data():
    from civicstats.personal import free_text_columns, personal_kind
    from civicstats.schema import spec, table_names

    for table in table_names():
        frame = cs.load(table)
        for column in free_text_columns(spec(table)):
            assert not [v for v in frame[column].dropna() if personal_kind(str(v))], (table, column)


# check ⇒ build: text from data is never markup


def test_a_tool_name_with_math_and_html_passes_check_and_builds(data_copy: Path, edited_build: EditedBuild):
    assert MARKUP_TOOL == r"Pay $\foo{x}$ now <b>x</b>"
    path = data_copy / "civictech_tools.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Cap Collectif", MARKUP_TOOL, 1), encoding="utf-8")
    assert main(["check", str(data_copy)]) == 0
    # the run's edited workbook names its first tool so, and its build succeeded (tests/conftest.py)
    assert main(["check", str(edited_build.book)]) == 0
    assert "04-choosing-a-tool" in edited_build.log
    html = (edited_build.out / "reports" / "04-choosing-a-tool.html").read_text(encoding="utf-8")
    assert "<b>x</b>" not in html
    assert "Pay $\\foo{x}$ now &lt;b&gt;x&lt;/b&gt;" in html or "Pay $\\foo{x}$ now &amp;lt;b" in html


def test_a_data_file_that_links_outside_the_folder_is_refused(data_copy: Path, tmp_path: Path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-FIRST-LINE,x\n1,2\n")
    target = data_copy / "civictech_adoption.csv"
    target.unlink()
    target.symlink_to(secret)
    assert main(["check", str(data_copy)]) == 1
    out, err = capsys.readouterr()
    assert "SECRET-FIRST-LINE" not in out + err
    assert "link" in err


def test_open_data_obligation_of_an_absurd_number_is_a_value_error():
    for population in (10**400, float("inf"), -(10**400)):
        with pytest.raises(ValueError, match="finite|negative"):
            cs.open_data_obligation(population, 50)
    with pytest.raises(ValueError, match="finite"):
        cs.open_data_obligation(5000, 10**400)
