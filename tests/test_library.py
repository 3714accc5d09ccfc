"""The library as a pandas user meets it: names found whatever their case, mistakes answered with what to pass."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import civicstats as cs
from civicstats.display import CODE_COLUMNS, WORD_COLUMNS
from civicstats.schema import spec, table_names


def test_a_table_name_matches_whatever_its_case() -> None:
    assert cs.load("Participatory_Budgets").equals(cs.load("participatory_budgets"))


def test_an_unknown_table_name_suggests_the_nearest_and_is_a_key_error() -> None:
    with pytest.raises(cs.UnknownNameError, match=r"did you mean 'participatory_budgets'\?") as caught:
        cs.load("participatory_budget")
    assert isinstance(caught.value, KeyError) and isinstance(caught.value, cs.UsageError)
    assert "the tables are: civictech_adoption" in str(caught.value)


def test_a_frame_where_a_name_is_expected_and_the_reverse_say_what_to_pass() -> None:
    with pytest.raises(cs.UsageError, match="not a DataFrame"):
        cs.load(pd.DataFrame())
    with pytest.raises(cs.UsageError, match=r"pass cs.load\('open_data_adopters'\)"):
        cs.wave_changes("open_data_adopters")


def test_an_unknown_level_raises_with_the_allowed_ones_and_a_known_one_matches_any_case() -> None:
    table = pd.DataFrame({"as_of": ["2018", "2020"], "level": ["region", "region"], "count": [9, 12]})
    with pytest.raises(cs.UnknownNameError, match=r"'regions' \(did you mean 'region'\?\); the levels are: region"):
        cs.wave_changes(table, levels=["regions"])
    assert cs.wave_changes(table, levels=["Region"])["change"].tolist() == [3]


@pytest.mark.parametrize("column", sorted(WORD_COLUMNS))
def test_every_code_column_with_words_is_labelled_in_both_languages(column: str) -> None:
    from civicstats.labels import catalog

    prefix = column + "_"
    codes = [key.removeprefix(prefix) for key in catalog() if key.startswith(prefix)]
    assert codes
    for code in codes:
        en, fr = cs.label(column, code, "en"), cs.label(column, code, "fr")
        assert en and fr and "{" not in en + fr
    with pytest.raises(cs.UnknownNameError, match=f"unknown {column} code 'zzz'"):
        cs.label(column, "zzz")


@pytest.mark.parametrize("column", sorted(CODE_COLUMNS))
def test_codes_labelled_by_a_table_use_the_shipped_table_or_the_one_given(column: str) -> None:
    mine = pd.DataFrame({CODE_COLUMNS[column]: ["x"], "label_en": ["Ex"], "label_fr": ["Ix"]})
    assert cs.label(column, "x", "fr", labels=mine) == "Ix"
    if column in ("level", "official_level"):
        assert cs.label(column, "region", "fr") == "Régions"


def test_a_column_without_codes_is_refused_with_those_that_have_them() -> None:
    with pytest.raises(cs.UnknownNameError, match="those that do are: band, category, channel"):
        cs.label("population", 3500)


@pytest.mark.parametrize("name", table_names())
def test_describe_gives_every_column_its_type_and_constraints(name: str) -> None:
    described = cs.describe(name)
    assert described.index.tolist() == spec(name).columns
    assert described["description"].str.len().gt(0).all(), "every column of the data package is described"
    loaded = cs.load(name)
    for column in described.index:
        if described.loc[column, "dtype"] == "category":
            assert set(loaded[column].dropna().astype(str)) <= set(described.loc[column, "allowed"].split(", "))


def test_describe_covers_the_tables_analysts_fill() -> None:
    assert "siren" in cs.describe("Responses").index


def test_every_commune_is_a_row_a_user_can_find_by_name_and_join_by_siren() -> None:
    communes = cs.load("communes")
    assert len(communes) == 35_049 and communes["code"].is_unique
    village = communes[communes["name"] == "Collonges-la-Rouge"].iloc[0]
    assert (village["departement_code"], village["population"]) == ("19", 483)
    assert communes["population"].dtype == "Int64" and communes["population"].isna().sum() == 6
    arvieux = communes.set_index("siren").loc["210500070"]
    assert (arvieux["name"], arvieux["departement_code"], arvieux["region_code"]) == ("Arvieux", "05", "93")
    # every EPCI a commune names is an EPCI of the official populations
    epci = cs.load("official_populations").query("kind == 'epci'")["code"]
    assert set(communes["epci_siren"].dropna()) <= set(epci)


def test_overseas_collectivities_are_a_kind_of_their_own_and_every_collectivity_has_its_name() -> None:
    official = cs.load("official_populations")
    overseas = official[official["kind"] == "overseas_collectivity"]
    assert set(overseas["code"]) == {"975", "977", "978", "984", "986", "987", "988", "989"}
    assert len(official[official["kind"] == "departement"]) == 101
    assert official["name"].notna().all()
    names = official.set_index(["kind", "code"])["name"]
    assert (names[("region", "93")], names[("departement", "05")]) == ("Provence-Alpes-Côte d'Azur", "Hautes-Alpes")


@pytest.mark.parametrize("name", ["participatory_budgets", "communes"])
def test_a_loaded_table_carries_its_provenance(name: str) -> None:
    attrs = cs.load(name).attrs
    assert attrs["table"] == name and attrs["title"] == spec(name).title and attrs["origin"] == "shipped"
    assert attrs["sources"] and set(attrs["sources"]) <= set(cs.sources()["id"])
    assert attrs["licenses"] == (["MIT"] if name == "communes" else ["etalab-2.0"])


@pytest.mark.parametrize("name", ["join_populations", "organisations_by_departement", "law_universe",
                                  "commune_coverage"])
def test_the_organisation_level_functions_are_public(name: str) -> None:
    """Issue 24: they were only in civicstats.analysis.organisations, in neither cs nor the README."""
    function = getattr(cs, name)
    assert function is getattr(cs.organisations, name) and name in cs.__all__ and name in dir(cs)
    assert "Columns" in function.__doc__ and ">>> " in function.__doc__
    assert f"cs.{name}(" in (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def test_what_the_analysis_functions_return_names_its_tables_sources_and_licences() -> None:
    """Issue 24: provenance did not travel: adoption_rates(...).attrs was empty."""
    rates = cs.adoption_rates("civictech_adoption")
    assert rates.attrs["tables"] == ["civictech_adoption", "levels", "collectivity_universe"]
    inputs = [cs.load(t) for t in rates.attrs["tables"]]
    assert rates.attrs["sources"] == sorted({s for t in inputs for s in t.attrs["sources"]})
    assert rates.attrs["licenses"] == ["etalab-2.0"] and "table" not in rates.attrs and "title" not in rates.attrs
    pops = cs.load("official_populations")
    joined = cs.join_populations(cs.load("open_data_organisations"), pops)
    coverage = cs.commune_coverage(joined, cs.law_universe(pops))  # computed from computed frames: passed on
    assert coverage.attrs["tables"] == ["open_data_organisations", "official_populations"]
    assert {"ODFX22", "DA22"} <= set(coverage.attrs["sources"]) and "ODbL-1.0" in coverage.attrs["licenses"]
    assert cs.audit().attrs["tables"][:2] == ["published_figures", "civictech_adoption"]
    assert cs.wave_changes(cs.load("open_data_adopters"), conflicts="by_source").attrs["tables"] == ["open_data_adopters"]


def test_a_frame_of_ones_own_adds_no_provenance_and_the_function_s_own_attrs_stay() -> None:
    mine = pd.DataFrame({"as_of": ["2018", "2020"], "level": ["region", "region"], "count": [3, 5]})
    out = cs.wave_changes(mine)
    assert out.attrs == {"conflicts": "error", "tables": [], "sources": [], "licenses": [], "files": []}


def test_every_declared_code_has_words_in_both_languages() -> None:
    """Issue 24: every code of every code column of the data package (its one list) is labelled by ``cs.label``."""
    from civicstats.schema import code_lists

    for family, codes in code_lists().items():
        for code in codes:
            en, fr = cs.label(family, code, "en"), cs.label(family, code, "fr")
            assert en and fr and "{" not in en + fr, (family, code)


def test_a_missing_file_is_a_file_not_found_error_for_load_too(tmp_path) -> None:
    """Issue 24: ``cs.load(name, missing)`` raised a DataError only, which a FileNotFoundError handler misses."""
    with pytest.raises(FileNotFoundError) as missing:
        cs.load("participatory_budgets", tmp_path / "nope.csv")
    assert isinstance(missing.value, cs.DataError) and missing.value.problems[0].code == "file.missing"
