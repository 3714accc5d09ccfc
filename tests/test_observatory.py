"""OpenDataFrance's per-organisation export → open_data_adopters rows."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import pytest

from civicstats.analysis.audit import OPEN_DATA_PARTS
from civicstats.derive import OPEN_DATA_COLUMNS, observatory_to_open_data
from civicstats.errors import DataError, DataWarning
from civicstats.readers.csv import read_csv
from civicstats.readers.observatory import (
    OBSERVATORY_COLUMNS,
    is_observatory,
    observatory_as_of,
)
from civicstats.tables import official_limits, source_ids
from civicstats.validate import validate

# (type code, how many organisations of that type in the test export)
TYPES = [("REG", 2), ("DEP", 3), ("MET", 2), ("CU", 1), ("CA", 3), ("CC", 4), ("EPT", 2), ("COM", 5),
         ("AGCT", 1), ("SDE", 1)]
EXPECTED = {"region": 2, "departement": 3, "epci": 10, "metropole": 2, "communaute_urbaine": 1,
            "communaute_agglomeration": 3, "communaute_communes": 4, "etablissement_public_territorial": 2,
            "commune": 5, "all": 22}


def organisation(i: int, code: str, **cells: str) -> dict[str, str]:
    row = {c: "" for c in OBSERVATORY_COLUMNS}
    row.update({"id_odf": str(1000 + i), "siren": f"{210_000_000 + i}", "nom": f"Organisation {i}", "type": code,
                "url_ptf": f"https://data.example.fr/{i}", "nb_ptf": "12", "platform_clean": "OpenDataSoft",
                "regcode": "BRE-53", "tranche_pop": "p_5_10", "pop_insee": "" if i % 3 else str(5000 + i)})
    row.update(cells)
    return row


def export_rows(extra: list[dict[str, str]] = ()) -> list[dict[str, str]]:
    codes = [code for code, n in TYPES for _ in range(n)]
    return [organisation(i, code) for i, code in enumerate(codes)] + list(extra)


def write_export(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    columns = columns or list(OBSERVATORY_COLUMNS)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def counts(table) -> dict[str, int]:
    return {level: int(n) for level, n in zip(table.frame["level"], table.frame["count"])}


def convert(path: Path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return observatory_to_open_data(read_csv(path), **kw)


def test_counts_per_level_epci_and_all(tmp_path: Path):
    out = convert(write_export(tmp_path / "observatoire-2022-04.csv", export_rows()))
    assert counts(out) == EXPECTED
    assert list(out.frame.columns) == list(OPEN_DATA_COLUMNS)
    assert list(out.frame.index) == list(range(1, len(EXPECTED) + 1))
    assert set(out.frame["as_of"]) == {"2022-04"} and set(out.frame["source"]) == {"ODFX"}
    assert out.frame.map(lambda v: isinstance(v, str)).all().all()
    assert out.origin.file.endswith("observatoire-2022-04.csv") and "computed" in out.origin.sheet
    assert all("observatoire-2022-04.csv" in note for note in out.frame["note"])


def test_parts_add_up_the_way_the_audit_adds_them(tmp_path: Path):
    got = counts(convert(write_export(tmp_path / "odf-2022-04.csv", export_rows())))
    for whole, parts in OPEN_DATA_PARTS.items():
        assert got[whole] == sum(got[p] for p in parts), whole


def test_rows_validate_as_open_data_adopters(tmp_path: Path):
    out = convert(write_export(tmp_path / "odf-2022-04.csv", export_rows()))
    typed = validate(out.frame, "open_data_adopters", out.origin, source_ids=source_ids(), official=official_limits())
    assert int(typed.loc[typed["level"] == "all", "count"].iloc[0]) == 22


def test_non_local_authorities_are_warned_about_with_counts(tmp_path: Path):
    path = write_export(tmp_path / "odf-2022-04.csv", export_rows([organisation(90, "SDE"), organisation(91, "OACT")]))
    with pytest.warns(DataWarning) as caught:
        out = observatory_to_open_data(read_csv(path))
    message = str(caught[0].message)
    assert "4 organisations" in message and "OACT 1" in message and "SDE 2" in message and "AGCT 1" in message
    assert counts(out)["all"] == 22
    assert "SDE 2" in out.frame.set_index("level").loc["all", "note"]


def test_unknown_code_is_located(tmp_path: Path):
    rows = export_rows([organisation(99, "PETR")])
    path = write_export(tmp_path / "odf-2022-04.csv", rows)
    with pytest.raises(DataError) as info:
        convert(path)
    [problem] = info.value.problems
    assert (problem.row, problem.column, problem.value) == (len(rows) + 1, "type", "PETR")
    assert problem.code == "observatory.unknown-type"
    assert "COM (commune)" in problem.text() and "SDE" in problem.text() and "COM (commune)" in problem.text("fr")


def test_blank_and_lower_case_codes(tmp_path: Path):
    rows = export_rows([organisation(98, "com"), organisation(99, "")])
    with pytest.raises(DataError) as info:
        convert(write_export(tmp_path / "odf-2022-04.csv", rows))
    assert [(p.row, p.column, p.value, p.code) for p in info.value.problems] == [
        (len(rows) + 1, "type", None, "observatory.type-required")]
    assert counts(convert(write_export(tmp_path / "odf-2022-05.csv", rows[:-1])))["commune"] == 6


def test_duplicate_siren_is_located(tmp_path: Path):
    rows = export_rows([organisation(99, "COM", siren="210000003"), organisation(100, "COM", siren="")])
    with pytest.raises(DataError) as info:
        convert(write_export(tmp_path / "odf-2022-04.csv", rows))
    [problem] = info.value.problems
    assert (problem.row, problem.column, problem.value) == (len(rows), "siren", "210000003")
    assert problem.code == "observatory.duplicate-siren" and problem.params["first"] == 5
    assert "row 5" in problem.text()


@pytest.mark.parametrize("name,as_of", [
    ("observatoire-2022-04.csv", "2022-04"),
    ("export_20220415.csv", "2022-04-15"),
    ("odf-2022-04-15.csv", "2022-04-15"),
    ("odf_2022_04.csv", "2022-04"),
    ("observatoire-open-data-202204-v2.csv", "2022-04"),
])
def test_as_of_from_the_file_name(tmp_path: Path, name, as_of):
    assert observatory_as_of(name) == as_of
    assert set(convert(write_export(tmp_path / name, export_rows())).frame["as_of"]) == {as_of}


@pytest.mark.parametrize("name,code", [
    ("observatoire.csv", "observatory.no-date"),
    ("observatoire-2022.csv", "observatory.no-date-year"),
    ("odf-2022-04-vs-2022-05.csv", "observatory.no-date-several"),
])
def test_missing_date_is_an_error(tmp_path: Path, name, code):
    with pytest.raises(DataError) as info:
        convert(write_export(tmp_path / name, export_rows()))
    [problem] = info.value.problems
    assert problem.row is None and problem.code == code and "observatoire-2022-04.csv" in problem.text()


def test_as_of_given(tmp_path: Path):
    path = write_export(tmp_path / "observatoire.csv", export_rows())
    assert set(convert(path, as_of="2022-06").frame["as_of"]) == {"2022-06"}
    with pytest.raises(DataError, match="YYYY-MM"):
        convert(path, as_of="June 2022")


def test_source_defaults_to_the_exports_register_entry(tmp_path: Path):
    path = write_export(tmp_path / "observatoire-2024-01.csv", export_rows())
    assert set(convert(path).frame["source"]) == {"ODFX"}
    assert set(convert(path, source="LOC2").frame["source"]) == {"LOC2"}
    assert "ODFX" in source_ids()


def test_recognised_by_its_core_header(tmp_path: Path):
    assert is_observatory(OBSERVATORY_COLUMNS)
    assert is_observatory(["ID_ODF ", "siren", "nom", "type"])
    assert not is_observatory(["as_of", "level", "count", "share_pct", "source", "note"])
    assert not is_observatory(["id_odf", "siren", "name", "type"])
    few = write_export(tmp_path / "odf-2022-04.csv", export_rows(), columns=["id_odf", "siren", "nom", "type", "extra"])
    assert counts(convert(few)) == EXPECTED
    other = write_export(tmp_path / "other-2022-04.csv", export_rows(), columns=["id_odf", "siren", "name", "type"])
    with pytest.raises(DataError, match="not an OpenDataFrance observatory export"):
        convert(other)


def test_every_problem_at_once(tmp_path: Path):
    rows = export_rows([organisation(99, "PETR"), organisation(100, "COM", siren="210000000")])
    with pytest.raises(DataError) as info:
        convert(write_export(tmp_path / "observatoire.csv", rows))
    located = [(p.row, p.column) for p in info.value.problems]
    assert located == [(None, None), (len(rows), "type"), (len(rows) + 1, "siren")]


def test_october_2022_layout_is_recognised_and_dated(tmp_path: Path):
    from civicstats.readers.observatory import OCTOBER_2022_COLUMNS, observatory_layout

    assert observatory_layout(OCTOBER_2022_COLUMNS) == "2022-10" and is_observatory(OCTOBER_2022_COLUMNS)
    assert observatory_layout(["\ufeffsiren", "nom", "type", "regcode", "merge", "NB-PTF"]) == "2022-10"
    assert observatory_layout(["siren", "nom", "type"]) is None
    assert observatory_as_of("ODF-Observatoire-organisations-221019.csv") == "2022-10-19"
    rows = [{"siren": f"21000000{i}", "nom": f"O{i}", "type": code, "regcode": "BRE-53", "merge": "ptf", "nb-ptf": "1"}
            for i, code in enumerate(["COM", "COM", "DEP", "OACT"])]
    path = write_export(tmp_path / "ODF-Observatoire-organisations-221019.csv", rows, columns=list(OCTOBER_2022_COLUMNS))
    got = counts(convert(path))
    assert got["commune"] == 2 and got["departement"] == 1 and got["all"] == 3


# --------------------------------------------------------------------------
# issue 19, bug 1: a repeated column was an internal error (AttributeError), not a located problem

def _with_repeated_column(path: Path, header: list[str], at: int, source: int) -> Path:
    """An export whose column ``at`` repeats (under ``header[at]``) the cells of column ``source``."""
    rows = [[row[c] for c in OBSERVATORY_COLUMNS] for row in export_rows()]
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(row[:at] + [row[source]] + row[at:] for row in rows)
    return path


@pytest.mark.parametrize(("name", "first", "second"), [("nom", "nom", "nom"), ("Siren", "Siren", "siren")])
def test_bug1_a_repeated_column_is_a_located_problem(tmp_path: Path, name: str, first: str, second: str):
    import civicstats as cs
    from civicstats.check import check

    columns = list(OBSERVATORY_COLUMNS)
    at = columns.index(name.lower())
    path = _with_repeated_column(tmp_path / "observatoire-2022-04.csv", columns[:at] + [name] + columns[at:], at, at)
    report = check(path)
    assert not report.ok
    repeated = [p for p in report.problems if p.code == "header.repeated-column"]
    assert repeated and {(p.row, p.params["names"]) for p in repeated} == {(1, f"{first!r}, {second!r}")}
    assert f"'{first}', '{second}'" in str(repeated[0])
    for table in ("open_data_adopters", "open_data_organisations"):
        with pytest.raises(DataError) as info:
            cs.load(table, path)
        assert [p.code for p in info.value.problems] == ["header.repeated-column"]


def test_a_repeated_column_the_export_does_not_read_is_no_problem(tmp_path: Path):
    columns = list(OBSERVATORY_COLUMNS)
    at = columns.index("lat")
    path = _with_repeated_column(tmp_path / "observatoire-2022-04.csv", columns[:at] + ["lat"] + columns[at:], at, at)
    assert counts(convert(path)) == EXPECTED
