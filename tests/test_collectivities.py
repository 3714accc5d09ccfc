"""cs.collectivities(): every collectivity of the law's universe and every organisation of the export (issue 21)."""

from __future__ import annotations

import pandas as pd
import pytest

import civicstats as cs
from civicstats.analysis.collectivities import COLUMNS, unpublished

POPS = pd.DataFrame({
    "kind": ["region", "departement", "epci", "commune", "commune", "commune"],
    "code": ["93", "05", "200067452", "05007", "05061", "05023"],
    "name": ["Provence-Alpes-Côte d'Azur", "Hautes-Alpes", "CA Gap-Tallard-Durance", "Arvieux", "Gap", "Briançon"],
    "siren": [None, None, "200067452", "210500070", "210500617", "210500237"], "zone": ["metro"] * 6,
    "departement_code": [None, "05", "05", "05", "05", "05"], "region_code": ["93"] * 6,
    "population": [5_000_000, 140_000, 48_000, 354, 40_000, 11_000], "source": ["DA22"] * 6})
ORGS = pd.DataFrame({
    "siren": ["210500070", "210500237", "130004658"], "name": ["ARVIEUX", "VILLE DE BRIANCON", "GIP TEST"],
    "type": ["COM", "COM", "OACT"], "level": ["commune", "commune", "associated_body"],
    "region_code": ["52", "93", "75"], "departement_code": ["05", "05", "33"], "population_export": [361, 11_000, None],
    "channel": ["datagouv", "local_portal", "both"], "portal_url": [None, "https://data.example/briancon", None],
    "datagouv_url": ["https://www.data.gouv.fr/fr/organizations/arvieux/", None, None],
    "source": ["ODFX22"] * 3})


def test_one_row_per_collectivity_of_the_universe_and_per_organisation() -> None:
    table = cs.collectivities(organisations=ORGS, populations=POPS)
    assert list(table.columns) == COLUMNS
    rows = {r.name: r for r in table.itertuples()}
    # the universe (3,500 or more): région, département, EPCI, Gap, Briançon; the export: Arvieux, Briançon, the GIP
    assert set(rows) == {"Provence-Alpes-Côte d'Azur", "Hautes-Alpes", "CA Gap-Tallard-Durance", "Gap", "Briançon",
                         "Arvieux", "GIP TEST"}
    assert (rows["Briançon"].in_universe, rows["Briançon"].publishes, rows["Briançon"].channel) == (
        True, True, "local_portal")
    assert (rows["Gap"].in_universe, rows["Gap"].publishes) == (True, False)
    assert (rows["Arvieux"].in_universe, rows["Arvieux"].publishes, rows["Arvieux"].region_code) == (False, True, "93")
    assert rows["Arvieux"].region_name == "Provence-Alpes-Côte d'Azur"  # the official région, not the export's 52
    assert rows["GIP TEST"].kind == "other" and pd.isna(rows["GIP TEST"].population)
    assert table["kind"].tolist()[:3] == ["region", "departement", "epci"]


def test_unpublished_counts_the_universe_the_export_does_not_list() -> None:
    counts = unpublished(cs.collectivities(organisations=ORGS, populations=POPS), "kind")
    assert counts.set_index("kind")["not_listed"].to_dict() == {"region": 1, "departement": 1, "epci": 1,
                                                                "commune": 1}
    assert counts["concerned_upper_bound"].sum() == 5 and counts["listed"].sum() == 1


def test_the_shipped_data_place_arvieux_in_hautes_alpes_and_provence_alpes_cote_d_azur() -> None:
    table = cs.collectivities()
    arvieux = table[table["siren"] == "210500070"].iloc[0]
    assert (arvieux["name"], arvieux["departement_code"], arvieux["region_name"]) == (
        "Arvieux", "05", "Provence-Alpes-Côte d'Azur")
    assert arvieux["publishes"] and not arvieux["in_universe"]
    organisations, universe = cs.load("open_data_organisations"), cs.organisations.law_universe(
        cs.load("official_populations"))
    assert int(table["publishes"].sum()) == len(organisations)
    assert int(table["in_universe"].sum()) == len(universe)
    assert not table[table["in_universe"]].duplicated(["kind", "code"]).any()
    # the three provinces of New Caledonia (type DEP): their own names, and not the whole territory's population
    provinces = table[(table["departement_code"] == "988") & (table["type"] == "DEP")]
    assert len(provinces) == 3 and provinces["name"].nunique() == 3
    assert provinces["population"].isna().all() and not provinces["in_universe"].any()


@pytest.mark.parametrize("lang, words", [("en", "publish nothing as far as it knows"),
                                         ("fr", "ne publient rien à sa connaissance")])
def test_notebook_06_states_the_pages_finding_with_the_librarys_numbers(lang: str, words: str) -> None:
    """Issue 21: the collectivities of the universe that publish nothing, in notebook 06 as on the page."""
    import nbformat

    from civicstats import paths

    nb = nbformat.read(paths.NOTEBOOKS_DIR / lang / "06-where-is-open-data.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells if c.get("id") == "silent-code" for o in c.outputs)
    silent = cs.unpublished(cs.collectivities(), "kind")
    missing = cs.format_number(int(silent["not_listed"].sum()), lang)
    assert words in printed and f"{missing} " in printed
