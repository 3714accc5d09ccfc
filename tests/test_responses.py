"""Responses → survey tables: bands, open data excluded, yes/no, bad input, personal data, national scale."""

from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import civicstats as cs
from civicstats import paths
from civicstats.analysis.responses import aggregate_responses
from civicstats.check import check
from civicstats.derive import adoption_from_responses
from civicstats.errors import DataError, DataWarning, Origin
from civicstats.readers import RawTable
from civicstats.readers.csv import read_csv
from civicstats.readers.responses import CATEGORIES, RESPONSES_COLUMNS
from civicstats.responses import validate_responses
from civicstats.schema import spec, unshipped_spec
from civicstats.tables import official_limits, source_ids
from civicstats.validate import validate
from tests.conftest import write_csv


def response(siren: str = "213100017", level: str = "commune", population: str = "1000", yes: tuple[str, ...] = (),
             as_of: str = "2026", source: str = "NL", **cells: str) -> dict[str, str]:
    """One row of a responses sheet, as text cells; ``yes`` names the categories answered yes."""
    row = {"as_of": as_of, "siren": siren, "name": f"Collectivité {siren}", "level": level,
           "population": population, **{c: ("oui" if c in yes else "") for c in CATEGORIES},
           "tools": "", "source": source}
    row.update(cells)
    return row


def raw(*rows: dict[str, str], file: str = "responses.csv", sheet: str | None = None) -> RawTable:
    frame = pd.DataFrame(list(rows), dtype="str").fillna("")
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    return RawTable(frame, Origin(file, sheet))


def siren(i: int) -> str:
    return f"{200_000_000 + i}"


def adoption(*rows: dict[str, str]) -> dict[str, int]:
    t = aggregate_responses(validate_responses(raw(*rows)))["civictech_adoption"]
    return {str(level): int(n) for level, n in zip(t["level"], t["count"])}


# --------------------------------------------------------------------------
# counting


@pytest.mark.parametrize("population,level", [
    ("0", "commune_moins_5k"), ("4999", "commune_moins_5k"), ("5000", "ville_5k_100k"),
    ("100000", "ville_5k_100k"), ("100 000", "ville_5k_100k"), ("100001", "ville_plus_100k"),
])
def test_population_bands(population, level):
    assert adoption(response(population=population, yes=("reporting",))) == {level: 1}


@pytest.mark.parametrize("level,population", [
    ("region", ""), ("departement", "550000"), ("metropole", ""), ("intercommunalite", "1000"),
])
def test_other_levels_keep_their_level_whatever_their_population(level, population):
    assert adoption(response(level=level, population=population, yes=("dialogue_concertation",))) == {level: 1}


@pytest.mark.parametrize("yes,counted", [
    (("open_data_portal",), 0),
    ((), 0),
    (("open_data_portal", "crowdfunding"), 1),
    (("participatory_budgeting",), 1),
    (tuple(CATEGORIES), 1),
])
def test_open_data_alone_does_not_count(yes, counted):
    assert adoption(response(yes=yes)) == {"commune_moins_5k": counted}


@pytest.mark.parametrize("cell,value", [
    *[(v, True) for v in ("yes", "YES", "Oui", "OUI", "y", "Y", "x", "X", " x ", "1", "true", "True")],
    *[(v, False) for v in ("no", "No", "non", "NON", "n", "N", "0", "false", "FALSE", "", "  ")],
])
def test_yes_no_variants(cell, value):
    t = validate_responses(raw(response(reporting=cell)))
    assert t["reporting"].tolist() == [value]
    assert t["reporting"].dtype == bool


def test_counts_per_category_include_open_data():
    rows = [
        response(siren(1), yes=("reporting", "open_data_portal")),
        response(siren(2), yes=("reporting",)),
        response(siren(3), yes=("open_data_portal",)),
        response(siren(4)),
        response(siren(5), level="region", population="", yes=("dialogue_concertation", "participatory_mapping")),
    ]
    tables = aggregate_responses(validate_responses(raw(*rows)))
    use = tables["civictech_category_use"]
    got = {(str(lvl), str(c)): (int(n), int(r)) for lvl, c, n, r in
           zip(use["level"], use["category"], use["count"], use["respondents"])}
    assert len(got) == 2 * len(CATEGORIES)           # every category of every level present, zeros included
    assert got[("commune_moins_5k", "reporting")] == (2, 4)
    assert got[("commune_moins_5k", "open_data_portal")] == (2, 4)
    assert got[("commune_moins_5k", "crowdfunding")] == (0, 4)
    assert got[("region", "dialogue_concertation")] == (1, 1)
    assert got[("region", "participatory_mapping")] == (1, 1)
    assert [str(lvl) for lvl in use["level"]][:: len(CATEGORIES)] == ["region", "commune_moins_5k"]
    assert [str(c) for c in use["category"]][: len(CATEGORIES)] == list(CATEGORIES)
    adoption_rows = tables["civictech_adoption"].set_index(tables["civictech_adoption"]["level"].astype(str))
    assert int(adoption_rows.loc["commune_moins_5k", "count"]) == 2   # siren 3 has open data only
    assert adoption_rows["universe"].isna().all()
    assert "4 responses" in adoption_rows.loc["commune_moins_5k", "note"]


def test_waves_are_counted_apart_and_the_same_siren_may_answer_each():
    rows = [response(as_of="2026", yes=("reporting",)), response(as_of="2027"),
            response(siren(9), as_of="2027", yes=("crowdfunding",))]
    t = aggregate_responses(validate_responses(raw(*rows)))["civictech_adoption"]
    assert t[["as_of", "count"]].astype(str).values.tolist() == [["2026", "1"], ["2027", "1"]]


def test_rows_cite_the_sources_of_their_responses():
    rows = [response(siren(1), source="NL"), response(siren(2), source="LOC; NL"),
            response(siren(3), level="region", population="", source="GUIDE")]
    t = aggregate_responses(validate_responses(raw(*rows), source_ids={"NL", "LOC", "GUIDE"}))["civictech_adoption"]
    assert dict(zip(t["level"].astype(str), t["source"])) == {"region": "GUIDE", "commune_moins_5k": "LOC;NL"}


def test_respondents_as_universe_for_a_census():
    t = aggregate_responses(validate_responses(raw(response(siren(1), yes=("reporting",)), response(siren(2)))),
                            respondents_as_universe=True)["civictech_adoption"]
    assert t[["count", "universe"]].astype(int).values.tolist() == [[1, 2]]


def test_typed_like_a_loaded_table():
    t = aggregate_responses(validate_responses(raw(response())))
    shipped = spec("civictech_adoption")
    assert list(t["civictech_adoption"].columns) == shipped.columns
    assert t["civictech_adoption"]["level"].dtype == cs.load("civictech_adoption")["level"].dtype
    assert set(t["civictech_adoption"]["level"].astype(str)) <= set(shipped.field("level").enum)
    assert t["civictech_adoption"]["count"].dtype == "Int64"
    assert list(t["civictech_category_use"].columns) == unshipped_spec("civictech_category_use").columns


# --------------------------------------------------------------------------
# bad input, located

GOOD = response(siren(1))

# (case, rows, expected (row, column, value, problem code))
BAD = [
    ("SIREN too short", [response("21310001")], (2, "siren", "21310001", "siren.8-digits")),
    ("SIREN with letters", [response("21310001A")], (2, "siren", "21310001A", "siren.not-9-digits")),
    ("SIREN blank", [response("")], (2, "siren", None, "value.required")),
    ("SIREN as a number", [response("213100017.0")], (2, "siren", "213100017.0", "siren.as-number")),
    ("duplicate SIREN", [GOOD, response(siren(2)), response(siren(1))],
     (4, "siren", siren(1), "siren.repeated-in-wave")),
    ("commune without population", [response(population="")], (2, "population", None, "responses.commune-population")),
    ("negative population", [response(population="-5")], (2, "population", -5, "value.below-minimum")),
    ("decimal population", [response(population="12.5")], (2, "population", "12.5", "value.no-decimals")),
    ("maybe", [GOOD, response(siren(2), reporting="maybe")], (3, "reporting", "maybe", "value.not-yes-no")),
    ("unknown level", [response(level="Communes")], (2, "level", "Communes", "value.not-allowed-hint")),
    ("band given as level", [response(level="ville_5k_100k")], (2, "level", "ville_5k_100k", "value.not-allowed")),
    ("bad wave", [response(as_of="juin 2026")], (2, "as_of", "juin 2026", "value.not-a-date")),
    ("no source", [response(source="")], (2, "source", None, "value.required")),
    ("e-mail in the tools", [response(tools="Decidim (jean.dupont@ville.fr)")],
     (2, "tools", "Decidim (jean.dupont@ville.fr)", "personal.email")),
    ("phone in the name", [response(name="Mairie 01 23 45 67 89")],
     (2, "name", "Mairie 01 23 45 67 89", "personal.phone")),
]


@pytest.mark.parametrize("case,rows,expected", BAD, ids=[c[0] for c in BAD])
def test_bad_input_is_located(case, rows, expected):
    with pytest.raises(DataError) as info:
        validate_responses(raw(*rows, file="survey.xlsx", sheet="responses"))
    row, column, value, code = expected
    matches = [p for p in info.value.problems if p.row == row and p.column == column and p.code == code]
    assert len(matches) == 1, str(info.value)
    assert matches[0].value == value or str(matches[0].value) == str(value)
    assert (matches[0].file, matches[0].sheet) == ("survey.xlsx", "responses")


def test_a_short_siren_says_why_in_english():
    with pytest.raises(DataError) as info:
        validate_responses(raw(response("21310001"), file="survey.xlsx", sheet="responses"))
    assert str(info.value.problems[0]) == ("survey.xlsx, sheet 'responses', row 2, column 'siren', value '21310001': "
                                           "a SIREN is 9 digits (8 here: a leading zero dropped by a spreadsheet? "
                                           "format the column as text)")


@pytest.mark.parametrize("drop,add,column,code", [
    ("reporting", {}, "reporting", "responses.missing-category"),
    ("population", {}, "population", "responses.missing-population-column"),
    ("source", {}, "source", "header.missing-column"),
    (None, {"commentaire": "ok"}, "commentaire", "header.unknown-column"),
    ("level", {"levle": "commune"}, "levle", "header.unknown-column-hint"),
])
def test_header_problems(drop, add, column, code):
    row = {k: v for k, v in response().items() if k != drop} | add
    with pytest.raises(DataError) as info:
        validate_responses(raw(row))
    assert any(p.row == 1 and p.column == column and p.code == code for p in info.value.problems), str(info.value)


def test_population_may_be_missing_when_there_is_no_commune():
    row = {k: v for k, v in response(level="region").items() if k != "population"}
    assert validate_responses(raw(row))["population"].isna().all()


def test_every_problem_is_reported():
    rows = [response("123"), response(siren(2), population="", reporting="peut-être"), response(siren(2))]
    with pytest.raises(DataError) as info:
        validate_responses(raw(*rows))
    located = {(p.row, p.column) for p in info.value.problems}
    assert {(2, "siren"), (3, "population"), (3, "reporting"), (4, "siren")} <= located


def test_source_ids_are_checked_when_given():
    with pytest.raises(DataError, match="not in the source register"):
        validate_responses(raw(response(source="NL;NOPE")), source_ids={"NL"})


def test_no_rows_under_a_correct_header_are_no_responses_yet():
    """A responses sheet not filled yet (the template's) is fine: no rows, no problem."""
    frame = pd.DataFrame(columns=list(RESPONSES_COLUMNS), dtype="str")
    assert validate_responses(RawTable(frame, Origin("responses.csv"))).columns.tolist() == list(RESPONSES_COLUMNS)
    assert len(adoption_from_responses(RawTable(frame, Origin("responses.csv")))) == 0


def test_bug2_a_wrong_header_without_rows_is_reported(tmp_path: Path):
    """Issue 19, bug 2: ``responses.csv`` holding only ``foo,bar`` passed ``check``."""
    path = write_csv(tmp_path / "responses.csv", "foo,bar\n")
    report = check(path)
    assert not report.ok
    codes = {(p.column, p.code) for p in report.problems}
    assert {(c, "responses.missing-category") for c in CATEGORIES} <= codes
    assert {("foo", "header.unknown-column"), ("bar", "header.unknown-column"),
            ("as_of", "header.missing-column"), ("siren", "header.missing-column")} <= codes
    with pytest.raises(DataError) as info:
        cs.load("civictech_adoption", path)
    assert {p.code for p in info.value.problems} == {p.code for p in report.problems}


# --------------------------------------------------------------------------
# personal data

PERSONAL = {
    "email": "marie.curie@mairie.fr",
    "Nom du contact": "Marie Curie",
    "Prénom": "Marie",
    "Téléphone": "06 12 34 56 78",
    "respondent": "M. Dupont",
    "notes": "+33 1 23 45 67 89",        # header says nothing; its cells are phone numbers
}


def test_personal_data_is_warned_about_and_dropped_everywhere():
    rows = [response(siren(1), yes=("reporting",), **PERSONAL), response(siren(2), **PERSONAL)]
    with pytest.warns(DataWarning) as caught:
        table = raw(*rows)
        responses = validate_responses(table)
        tables = aggregate_responses(responses)
        loaded = adoption_from_responses(table)
    message = str(caught[0].message)
    assert all(repr(name) in message for name in PERSONAL) and "dropped" in message
    assert list(responses.columns) == list(RESPONSES_COLUMNS)
    outputs = [responses, *tables.values(), loaded]
    for frame in outputs:
        assert not set(PERSONAL) & set(frame.columns)
        cells = [str(v) for v in frame.to_numpy().ravel()]
        for value in PERSONAL.values():
            assert not any(value in cell for cell in cells), value


def test_no_warning_without_personal_data():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validate_responses(raw(response()))


# --------------------------------------------------------------------------
# raw tables for the loader


def test_computed_rows_are_typed_and_validate_with_the_table():
    table = raw(response(siren(1), yes=("reporting",)), response(siren(2), population="250000"),
                file="survey.xlsx", sheet="responses")
    out = adoption_from_responses(table, source_ids=source_ids())
    assert list(out.columns) == spec("civictech_adoption").columns
    assert out["count"].dtype == "Int64" and isinstance(out["level"].dtype, pd.CategoricalDtype)
    assert out[["level", "count", "source"]].astype(str).values.tolist() == [
        ["ville_plus_100k", "0", "NL"], ["commune_moins_5k", "1", "NL"]]
    empty = pd.DataFrame({c: pd.Series(dtype="str") for c in spec("civictech_adoption").columns})
    origin = Origin("survey.xlsx", "responses → civictech_adoption (computed)", header_row=0)
    typed = validate(empty, "civictech_adoption", "survey.xlsx", source_ids=source_ids(), official=official_limits(),
                     computed=[(out, origin)])
    assert typed["count"].tolist() == [0, 1]


def test_responses_are_validated_once_and_never_turned_back_into_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Bug 9 of issue 9's neighbour: typed responses were written back as text and validated again."""
    import civicstats as cs
    from civicstats import derive as module

    path = write_csv(tmp_path / "responses.csv", pd.DataFrame(
        [response(siren(1), yes=("reporting",)), response(siren(2))]).to_csv(index=False))
    calls = []
    validate_once = module.validate_responses
    monkeypatch.setattr(module, "validate_responses", lambda *a, **k: calls.append(1) or validate_once(*a, **k))
    monkeypatch.setattr(module, "as_text", lambda *a, **k: pytest.fail("computed rows turned back into text"))
    loaded = cs.load("civictech_adoption", path)
    assert calls == [1]
    wave = loaded[loaded["as_of"] == "2026"]
    assert wave["count"].tolist() == [1] and str(wave["level"].iloc[0]) == "commune_moins_5k"
    assert loaded.attrs["origin"] == "shipped+source"


def test_a_bad_computed_row_is_located_in_the_responses():
    rows = [response(siren(i), level="region", yes=("reporting",)) for i in range(20)]  # 20 régions of 18
    with pytest.raises(DataError) as info:
        validate(pd.DataFrame(columns=spec("civictech_adoption").columns), "civictech_adoption", "survey.xlsx",
                 official=official_limits(),
                 computed=[(adoption_from_responses(raw(*rows)), Origin("survey.xlsx", "responses → x (computed)", header_row=0))])
    assert [(p.sheet, p.row, p.column) for p in info.value.problems] == [("responses → x (computed)", 1, "count")]
    assert "larger than the official number of region (18)" in info.value.problems[0].text()


# --------------------------------------------------------------------------
# national scale


def _generator():
    path = paths.ROOT / "scripts" / "make_national_responses.py"
    module_spec = importlib.util.spec_from_file_location("make_national_responses", path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_spec.name] = module
    module_spec.loader.exec_module(module)
    return module


def test_national_scale_aggregation_reproduces_the_generator(tmp_path: Path):
    gen = _generator()
    generated = gen.generate(seed=7)
    assert len(generated.rows) == 35_357 + 1_263 + 101 + 18
    assert generated.respondents[("2026", "ville_plus_100k")] >= 30     # about 40 large cities
    path = gen.write(generated, tmp_path / "responses.csv")
    tables = aggregate_responses(validate_responses(read_csv(path), source_ids={gen.SOURCE_ID}))

    a = tables["civictech_adoption"]
    assert {(str(w), str(lvl)): int(n) for w, lvl, n in zip(a["as_of"], a["level"], a["count"])} == generated.adoption
    use = tables["civictech_category_use"]
    assert {(str(w), str(lvl), str(c)): int(n) for w, lvl, c, n in
            zip(use["as_of"], use["level"], use["category"], use["count"])} == generated.category_use
    assert {(str(w), str(lvl)): int(n) for w, lvl, n in
            zip(use["as_of"], use["level"], use["respondents"])} == generated.respondents


def test_generator_is_deterministic_and_scales():
    gen = _generator()
    assert gen.generate(rows=500, seed=3).rows == gen.generate(rows=500, seed=3).rows
    assert gen.generate(rows=500, seed=3).rows != gen.generate(rows=500, seed=4).rows
    small = gen.generate(rows=500, seed=3)
    assert len(small.rows) == 500 and len({r[1] for r in small.rows}) == 500


def test_validating_distinct_values_gives_what_validating_every_row_gives(monkeypatch: pytest.MonkeyPatch):
    from civicstats import responses as module

    frame = _generator().generate(rows=3_000, seed=5).frame()
    # spellings a spreadsheet produces: grouped digits, stray spaces, several sources
    frame.loc[2, "siren"] = f" {frame.loc[2, 'siren'][:3]} {frame.loc[2, 'siren'][3:6]}\u00a0{frame.loc[2, 'siren'][6:]} "
    frame.loc[3, "as_of"], frame.loc[4, "level"], frame.loc[5, "source"] = " 2026", frame.loc[4, "level"] + " ", "SYNTH ; NL"
    grouped = frame["population"].str.len().between(4, 6)
    frame.loc[grouped, "population"] = frame["population"].str[:-3] + " " + frame["population"].str[-3:]
    table = RawTable(frame, Origin("national.xlsx", "responses"))
    distinct, used = module._validate_distinct, []
    monkeypatch.setattr(module, "_validate_distinct", lambda *args: used.append(distinct(*args)) or used[-1])
    fast = validate_responses(table, source_ids={"SYNTH", "NL"})
    assert used and used[0] is not None  # the distinct values were valid: no row-by-row validation
    monkeypatch.setattr(module, "_validate_distinct", lambda *args: None)
    every_row = validate_responses(table, source_ids={"SYNTH", "NL"})
    pd.testing.assert_frame_equal(fast, every_row, check_exact=True)
    assert fast.loc[0, "siren"] == frame.loc[2, "siren"].replace(" ", "").replace("\u00a0", "")


# --------------------------------------------------------------------------
# shortcuts of validation: nine-digit SIRENs keyed by their number, columns of many values validated on their own


def test_a_duplicate_siren_of_nine_digits_is_located_leading_zeros_included(monkeypatch: pytest.MonkeyPatch):
    from civicstats import responses as module

    rows = [response("012345678"), response("123456789"), response("000000000"), response("012345678"),
            response("012345678", as_of="2027"), response("000000000", as_of="2027"), response("123456789"),
            response("102345678"), response("112345678"), response("012345679")]  # (distinct: one digit apart)
    keyed_by_code = []  # which columns' values are keyed by code (canonical): not the nine-digit SIRENs
    canonical = module._Distinct.canonical
    monkeypatch.setattr(module._Distinct, "canonical", lambda self: keyed_by_code.append(self.digits) or canonical(self))
    with pytest.raises(DataError) as info:
        validate_responses(raw(*rows, file="survey.xlsx", sheet="responses"))
    assert True not in keyed_by_code  # the usual case: SIRENs keyed by their number
    assert [(p.row, p.column, p.value, p.text()) for p in info.value.problems] == [
        (5, "siren", "012345678", "duplicate SIREN in wave 2026: row 2 has the same"),
        (8, "siren", "123456789", "duplicate SIREN in wave 2026: row 3 has the same"),
    ]
    # a SIREN written with spaces takes the other way: the same duplicates, told the same
    spaced = [dict(r) for r in rows]
    spaced[3]["siren"] = "012 345 678"
    with pytest.raises(DataError) as other:
        validate_responses(raw(*spaced, file="survey.xlsx", sheet="responses"))
    assert [str(p) for p in other.value.problems] == [str(p) for p in info.value.problems]
    # without the duplicates of 2026: valid, the leading zeros kept
    typed = validate_responses(raw(*(r for i, r in enumerate(rows) if i not in (3, 6))))
    assert typed["siren"].tolist() == ["012345678", "123456789", "000000000", "012345678", "000000000", "102345678",
                                     "112345678", "012345679"]
    assert typed["as_of"].tolist() == ["2026"] * 3 + ["2027"] * 2 + ["2026"] * 3


def test_sirens_in_other_digits_are_compared_as_written_whatever_the_other_rows():
    """Full-width digits are decimal digits to Python, and int() reads them as ASCII ones: not the same SIREN."""
    full_width = "２００００００01"
    for others in ([], [response("200 000 009")]):  # with a spaced SIREN, the general way; without, the fast one
        typed = validate_responses(raw(response("200000001"), response(full_width), *others))
        assert typed["siren"].tolist()[:2] == ["200000001", full_width]


def _many_values(n: int = 300) -> list[dict[str, str]]:
    """``n`` communes of distinct populations and tools: more distinct values than ``_FEW``."""
    return [response(siren(i), population=f"{1000 + 7 * i:,}".replace(",", " ") if i % 5 == 0 else str(1000 + 7 * i),
                     tools=f"Outil {i}", yes=("reporting",) if i % 3 else ()) for i in range(n)]


@pytest.mark.parametrize("bad, words", [("-5", "must be at least 0"), ("abc", "must be a whole number"),
                                        ("12.5", "no decimals")])
def test_a_bad_value_among_many_distinct_ones_is_located(bad: str, words: str):
    from civicstats import responses as module

    rows = _many_values()
    assert len({r["population"] for r in rows}) > module._FEW
    rows[150]["population"] = bad
    with pytest.raises(DataError) as info:
        validate_responses(raw(*rows, file="survey.xlsx", sheet="responses"))
    assert [(p.row, p.column, str(p.value)) for p in info.value.problems] == [(152, "population", bad)]
    assert words in info.value.problems[0].text()


def _validated_three_ways(monkeypatch: pytest.MonkeyPatch, table: RawTable) -> tuple[pd.DataFrame, ...]:
    """validate_responses of ``table``: columns of many values on their own, every column together, every row."""
    from civicstats import responses as module

    groups, fast_spec = [], module._fast_spec
    monkeypatch.setattr(module, "_fast_spec", lambda columns=None: groups.append(columns) or fast_spec(columns))
    distinct, used = module._validate_distinct, []
    monkeypatch.setattr(module, "_validate_distinct", lambda *args: used.append(distinct(*args)) or used[-1])
    grouped = validate_responses(table)
    alone = [g for g in groups if g is not None and len(g) == 1]
    monkeypatch.setattr(module, "_FEW", 10**9)
    together = validate_responses(table)
    assert used[0] is not None and used[1] is not None  # both from the distinct values, no row-by-row validation
    monkeypatch.setattr(module, "_validate_distinct", lambda *args: None)
    every_row = validate_responses(table)
    return grouped, together, every_row, alone


def test_columns_of_many_values_validated_on_their_own_give_the_same_table(monkeypatch: pytest.MonkeyPatch):
    grouped, together, every_row, alone = _validated_three_ways(monkeypatch, raw(*_many_values()))
    assert sorted(alone) == [("population",), ("tools",)]
    pd.testing.assert_frame_equal(grouped, together, check_exact=True)
    pd.testing.assert_frame_equal(grouped, every_row, check_exact=True)
    assert grouped["population"].dtype == "Int64"
    assert grouped["population"].tolist()[:6] == [1000, 1007, 1014, 1021, 1028, 1035]
    assert grouped["tools"].tolist()[-1] == "Outil 299"


def test_the_population_column_may_be_absent_when_no_commune_is_there(monkeypatch: pytest.MonkeyPatch):
    levels = ("region", "departement", "metropole", "intercommunalite")
    rows = [{k: v for k, v in response(siren(i), level=levels[i % 4], tools=f"Outil {i}").items() if k != "population"}
            for i in range(300)]
    grouped, together, every_row, alone = _validated_three_ways(monkeypatch, raw(*rows))
    assert alone == [("tools",)]  # the absent column is validated with the columns of few values
    for typed in (grouped, together, every_row):
        assert typed["population"].dtype == "Int64" and typed["population"].isna().all()
        assert list(typed.columns) == list(RESPONSES_COLUMNS)
    pd.testing.assert_frame_equal(grouped, together, check_exact=True)
    pd.testing.assert_frame_equal(grouped, every_row, check_exact=True)
