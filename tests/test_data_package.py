"""The shipped data: every figure of FACTS.md, every row sourced."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import civicstats as cs
from civicstats import paths
from civicstats.schema import spec, table_names

TABLES = ["civictech_adoption", "open_data_adopters", "participatory_budgets", "collectivity_universe",
          "civictech_categories", "civictech_tools", "selection_criteria", "sources"]


def test_every_contract_table_is_in_the_package():
    assert set(TABLES) <= set(table_names())


@pytest.mark.parametrize("name", table_names())
def test_every_table_loads_and_matches_its_csv(name):
    frame = cs.load(name)
    with open(paths.DATA_DIR / spec(name).path, encoding="utf-8") as f:
        lines = [line for line in f.read().splitlines()[1:] if line.strip()]
    assert len(frame) == len(lines) > 0
    assert list(frame.columns) == spec(name).columns


@pytest.mark.parametrize("name", [n for n in table_names() if "source" in spec(n).columns])
def test_every_row_cites_sources_that_exist(name):
    register = set(cs.sources()["id"])
    frame = cs.load(name)
    for cell in frame["source"]:
        ids = str(cell).split(";")
        assert ids and all(i in register for i in ids), cell


def test_every_source_in_the_register_is_cited():
    # every column citing sources: "source", and the per-figure ones ("universe_source", "concerned_source")
    cited = {i for n in table_names() for col in spec(n).columns if col == "source" or col.endswith("_source")
             for c in cs.load(n)[col].dropna() for i in c.split(";")}
    assert cited <= set(cs.sources()["id"])
    unused = set(cs.sources()["id"]) - cited
    # GUIDE (the guide), CRPA (the law, cited by the obligation function) are cited in prose;
    # ODFX is cited by open-data waves counted from observatory exports (updated data);
    # GEO18 by the map outlines (data/raw/geo), DA22 by the 2022 per-organisation populations
    assert unused <= {"GUIDE", "CRPA", "ODFX", "GEO18", "DA22"}, unused


# figure table from FACTS.md section 1
SURVEY_2018 = {"region": 9, "departement": 14, "metropole": 18, "ville_plus_100k": 11,
               "ville_5k_100k": 76, "intercommunalite": 9, "commune_moins_5k": 19}
SURVEY_UNIVERSE = {"ville_plus_100k": 37, "intercommunalite": 2581, "commune_moins_5k": 34672}


def test_survey_figures():
    t = cs.load("civictech_adoption").set_index("level")
    assert {str(k): int(v) for k, v in t["count"].items()} == SURVEY_2018
    assert {str(k): int(v) for k, v in t["universe"].dropna().items()} == SURVEY_UNIVERSE
    assert t.loc["metropole", "source"] == "LOC"
    published = cs.load("published_figures").set_index("measure")
    assert int(published.loc["civictech_users_total", "value"]) == 157


def test_survey_levels_are_an_ordered_categorical():
    level = cs.load("civictech_adoption")["level"]
    assert level.cat.ordered
    assert list(level.cat.categories)[:7] == ["region", "departement", "metropole", "ville_plus_100k",
                                              "ville_5k_100k", "commune_moins_5k", "intercommunalite"]
    assert cs.load("civictech_adoption")["count"].dtype == "Int64"


def test_every_level_column_shares_one_ordered_dtype():
    """Issue 24: one category list for every level column of every table and output, the levels' order."""
    levels = cs.load("levels").sort_values("order")
    codes = [str(c) for c in levels["level"]]
    dtypes = {(name, c): cs.load(name)[c].dtype for name in table_names()
              for c in ("level", "official_level") if c in spec(name).columns}
    od = cs.load("open_data_adopters")
    outputs = {"adoption_rates": cs.adoption_rates("open_data_adopters", denominator="law"),
               "wave_changes": cs.wave_changes(od, conflicts="by_source"),
               "survey": cs.adoption_rates("civictech_adoption", denominator="survey")}
    dtypes.update({(name, "level"): out["level"].dtype for name, out in outputs.items()})
    assert len(dtypes) == 9 and len(set(dtypes.values())) == 1, dtypes
    dtype = next(iter(dtypes.values()))
    assert dtype.ordered and list(dtype.categories)[:len(codes)] == codes
    # each table still allows only its own levels
    assert "epci" not in spec("civictech_adoption").field("level").enum
    # sorting and merging follow the levels' order
    merged = cs.load("collectivity_universe").merge(levels[["level", "order"]], on="level", how="left")
    assert merged["level"].dtype == dtype
    assert merged.sort_values("level")["order"].is_monotonic_increasing
    rates = outputs["adoption_rates"].sort_values("level")
    assert rates["level"].cat.codes.is_monotonic_increasing and rates["level"].iloc[-1] == "all"


def test_counts_stay_integer_through_a_left_merge():
    """Issue 24: counts are nullable integers, so a row without a match keeps the column whole."""
    levels = cs.load("levels")
    merged = levels.merge(cs.load("collectivity_universe"), on="level", how="left")
    assert merged["count"].dtype == "Int64" and merged["count"].isna().any()
    for name in table_names():
        for f in spec(name).fields:
            if f.type == "integer":
                assert cs.load(name)[f.name].dtype == "Int64", (name, f.name)


def test_qualifiers_are_written_out():
    """Issue 24: an exact figure's qualifier is ``exact`` in the tables (blank in the CSV), as in the outputs."""
    seen = 0
    for name in table_names():
        for c in spec(name).columns:
            if c.endswith("_qualifier"):
                cells = cs.load(name)[c]
                assert cells.notna().all() and "exact" in set(cells), (name, c)
                seen += 1
    assert seen == 4
    od = cs.load("open_data_adopters")
    rates = cs.adoption_rates("open_data_adopters", denominator="law", counts=od)
    assert rates["count_qualifier"].tolist() == od.loc[od["count"].notna() | od["share_pct"].notna(),
                                                       "count_qualifier"].astype(str).tolist()
    assert ",," in (paths.DATA_DIR / "open_data_adopters.csv").read_text(encoding="utf-8")  # the CSV stays blank


@pytest.mark.parametrize("year,count,unit,source", [
    (2014, 6, "communes", "BEZ"), (2016, 26, "villes", "BEZ"), (2016, 25, "villes", "BEZ"),
    (2017, 47, "villes", "BEZ"), (2017, 67, "villes", "NL;LOC"), (2018, 80, "communes", "BEZ"),
    (2022, 400, "communes", "MI22"), (2024, 465, "collectivites", "DEM24"),
])
def test_participatory_budget_figures(year, count, unit, source):
    t = cs.load("participatory_budgets")
    match = t[(t["year"] == year) & (t["count"] == count)]
    assert match[["unit", "source"]].astype(str).values.tolist() == [[unit, source]]


@pytest.mark.parametrize("as_of,level,count", [
    ("2017-01", "all", 142), ("2018-01", "region_metropolitan", 12), ("2018-01", "all", 257),
    ("2018-03", "region", 12), ("2018-03", "departement", 33), ("2018-03", "epci", 62),
    ("2018-03", "commune", 150), ("2018-03", "metropole", 15), ("2018-03-21", "all_3500_plus", 219),
    ("2018-01", "all_under_3500", 38), ("2018-09", "all_3500_plus", 308),
    ("2018-03", "communaute_agglomeration", 24), ("2018-03", "communaute_urbaine", 2),
    ("2018-03", "communaute_communes", 19), ("2018-10-01", "epci", 125), ("2018-10-01", "commune", 200),
    ("2018-10-01", "all", 343), ("2019-10", "epci", 131), ("2019-10", "commune", 268),
    ("2019-10", "all", 460), ("2020-10", "all", 589), ("2022", "all", 868),
])
def test_open_data_figures(as_of, level, count):
    t = cs.load("open_data_adopters")
    row = t[(t["as_of"] == as_of) & (t["level"] == level)]
    assert row["count"].tolist() == [count]


@pytest.mark.parametrize("as_of,level,concerned,share", [
    ("2018-01", "all", 4411, 6.5), ("2018-10-01", "all", 4510, 8.0), ("2019-10", "all", 4510, 10.2),
    ("2022", "all", 5000, 16.0), ("2018-03-21", "all_3500_plus", 4411, 5.0), ("2018-09", "all_3500_plus", 4500, None),
])
def test_open_data_concerned_and_shares(as_of, level, concerned, share):
    t = cs.load("open_data_adopters")
    row = t[(t["as_of"] == as_of) & (t["level"] == level)].iloc[0]
    assert row["concerned"] == concerned
    assert (pd.isna(row["share_pct"]) if share is None else row["share_pct"] == share)


@pytest.mark.parametrize("as_of,level,count", [
    ("2018-01-01", "commune", 35357), ("2018-01-01", "epci", 1263), ("2018-01-01", "metropole", 21),
    ("2018-01-01", "communaute_urbaine", 11), ("2018-01-01", "communaute_agglomeration", 222),
    ("2018-01-01", "communaute_communes", 1009), ("2018-01-01", "departement", 101),
    ("2018-01-01", "region", 18), ("2019-01-01", "commune", 34970), ("2019-01-01", "epci", 1258),
])
def test_universe_figures(as_of, level, count):
    t = cs.load("collectivity_universe")
    assert t[(t["as_of"] == as_of) & (t["level"] == level)]["count"].tolist() == [count]


def test_categories_questions_and_tools():
    cats = cs.load("civictech_categories")
    assert cats["label_fr"].tolist() == ["Dialogue, vote et concertation", "Cartographie participative", "Signalement",
                                         "Budget participatif", "Financement participatif", "Portails open data"]
    crit = cs.load("selection_criteria")
    questions = crit[crit["kind"] == "question"]
    assert questions["label_fr"].tolist() == ["Objectif", "Public cible", "Échelle", "Durée", "Moyens"]
    assert len(crit[crit["kind"] == "watch_point"]) == 3
    tools = cs.load("civictech_tools")
    assert set(tools["category"].astype(str)) <= set(cats["category"].astype(str))
    assert tools.set_index("tool").loc["Decidim", "licence"] == "AGPL-3.0"


def test_datapackage_describes_every_csv_and_its_license():
    package = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    assert package["licenses"]
    on_disk = {p.name for p in paths.DATA_DIR.glob("*.csv")}
    assert on_disk == {r["path"] for r in package["resources"]}
    for r in package["resources"]:
        assert r["title"] and r["description"]
        assert all("name" in f and "type" in f for f in r["schema"]["fields"])


def test_datasets_lists_every_table():
    d = cs.datasets()
    assert d["name"].tolist() == table_names()
    assert (d["rows"] > 0).all()
    assert d.set_index("name").loc["participatory_budgets", "sources"] == "BEZ;DEM24;LOC;MI22;NL"


def test_every_foreign_key_names_a_table_and_its_key():
    """Issue 9, bug 7: a key names the table it is checked against (levels, categories, sources)."""
    named = set()
    for name in table_names():
        for column, resource, ref in spec(name).foreign_keys:
            assert resource in table_names() and ref in spec(resource).columns, (name, column)
            named.add((column, resource))
    assert {("source", "sources"), ("level", "levels"), ("category", "civictech_categories")} <= named


@pytest.mark.parametrize("name", table_names())
def test_every_key_value_is_in_the_table_it_names(name):
    for column, resource, ref in spec(name).foreign_keys:
        allowed = set(cs.load(resource)[ref].astype(str))
        cells = cs.load(name)[column].dropna().astype(str)
        values = {v for cell in cells for v in (cell.split(";") if column == "source" else [cell])}
        assert values <= allowed, (name, column, values - allowed)


def test_every_code_column_shares_one_ordered_dtype_in_tables_and_outputs():
    """Issue 24: a code column (qualifiers, unit, kind, zone, type…) has one ordered category list in every table
    and every function output that has it; every enum declares ``categoriesOrdered`` (honoured: tests/test_discover)."""
    from civicstats.schema import code_family

    dtypes: dict[str, dict] = {}
    for name in table_names():
        frame = cs.load(name)
        for field in spec(name).descriptor["schema"]["fields"]:
            if "enum" in field.get("constraints", {}):
                column = field["name"]
                assert field.get("categoriesOrdered") is True and frame[column].cat.ordered, (name, column)
                dtypes.setdefault(code_family(column), {})[(name, column)] = frame[column].dtype
    populations = cs.load("official_populations")
    outputs = {"adoption_rates": cs.adoption_rates("open_data_adopters", denominator="law"),
               "join_populations": cs.join_populations(cs.load("open_data_organisations"), populations),
               "law_universe": cs.law_universe(populations), "audit": cs.audit()}
    for name, out in outputs.items():
        for column in out.columns:
            if code_family(column) in dtypes and (name, column) != ("audit", "kind"):  # the audit's own kinds
                dtypes[code_family(column)][(name, column)] = out[column].dtype
    assert {"qualifier", "kind", "zone", "type", "level", "unit", "channel", "band"} <= set(dtypes)
    for family, found in dtypes.items():
        assert len(set(found.values())) == 1, (family, found)
    assert {("adoption_rates", "share_qualifier"), ("audit", "observed_qualifier"), ("law_universe", "kind"),
            ("join_populations", "zone"), ("published_figures", "value_qualifier")} <= {
        k for found in dtypes.values() for k in found}
    # concatenating or merging two tables' qualifiers keeps the one dtype and its order
    both = pd.concat([cs.load("open_data_adopters")["count_qualifier"], cs.load("published_figures")["value_qualifier"]])
    assert both.dtype == dtypes["qualifier"][("published_figures", "value_qualifier")]
    assert both.sort_values().iloc[0] == "exact" and both.sort_values().iloc[-1] != "exact"


@pytest.mark.parametrize("as_of,level,count,bound,source,concerned,concerned_source", [
    # issue 20, finding 1: each figure cites the source that gives it
    ("2018-03", "all", 257, "exact", "LOC3", None, None),        # « notre dernier recensement de mars … 257 »
    ("2018-03", "all", 250, "about", "LOC2", 4500, None),       # « quelque 250 », « près de 4.500 »
    ("2018-01", "all", 257, "exact", "LSN", 4411, None),
    ("2018-03-21", "all", 257, "exact", "GAZ18B", None, None),
    ("2018-03-21", "all_3500_plus", 219, "exact", "GAZ18B", 4411, None),
    ("2018-09", "all_3500_plus", 308, "exact", "LOC3", 4500, None),
])
def test_open_data_2018_figures_cite_the_source_that_gives_them(as_of, level, count, bound, source, concerned,
                                                               concerned_source):
    t = cs.load("open_data_adopters")
    rows = t[(t["as_of"] == as_of) & (t["level"] == level) & (t["source"] == source)]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row["count"] == count and (row["count_qualifier"] if pd.notna(row["count_qualifier"]) else "exact") == bound
    assert (pd.isna(row["concerned"]) if concerned is None else row["concerned"] == concerned)
    march = t[(t["as_of"] == "2018-03") & (t["level"] == "all")]
    assert sorted(march["source"]) == ["LOC2", "LOC3"]  # never 257 cited to LOC2


def test_2020_regions_scope_is_the_metropolitan_regional_councils():
    """Issue 20, finding 11: ODF20's 100 % is of the metropolitan regional councils, not of all régions."""
    t = cs.load("open_data_adopters")
    rows = t[(t["as_of"] == "2020-10") & t["share_pct"].notna()]
    assert rows[["level", "share_pct"]].astype(str).values.tolist() == [["region_metropolitan", "100.0"]]


def test_2018_intercommunalities_without_metropoles_from_dgcl18():
    """Issue 20, finding 8: CU 11 + CA 222 + CC 1,009 = 1,242 (DGCL18) exists for 2018."""
    u = cs.load("collectivity_universe")
    u = u[u["as_of"] == "2018-01-01"].set_index(u[u["as_of"] == "2018-01-01"]["level"].astype(str))
    parts = sum(int(u.loc[k, "count"]) for k in ("communaute_urbaine", "communaute_agglomeration",
                                                  "communaute_communes"))
    assert int(u.loc["intercommunalite", "count"]) == parts == 1242
    assert "DGCL18" in u.loc["intercommunalite", "source"]
    rates = cs.adoption_rates(denominator="official").set_index("level")
    assert rates.loc["intercommunalite", ["universe", "universe_as_of"]].tolist() == [1242, "2018-01-01"]


def test_ept_are_labelled_as_epci_not_a_fiscalite_propre():
    """Issue 20, finding 14: an EPT is an EPCI (not à fiscalité propre)."""
    en, fr = cs.text("reason_ept", "en"), cs.text("reason_ept", "fr")
    assert "not an EPCI" not in en and "pas un EPCI" not in fr
    assert "an EPCI" in en and "un EPCI sans fiscalité propre" in fr


def test_provenance_row_counts_match_the_raw_files():
    """Issue 20, finding 18: PROVENANCE said "218 + header" for the platforms file (219 rows)."""
    import csv
    import re
    from pathlib import Path

    raw = Path(__file__).parents[1] / "data" / "raw"
    stated = dict(re.findall(r"\| `([\w.-]+\.csv)` \|[^\n]*\| (\d+) \+ header \|",
                             (raw / "PROVENANCE.md").read_text(encoding="utf-8")))
    assert set(stated) >= {"ODF-Observatoire-organisations-221019.csv", "ODF-Observatoire-plateformes.csv"}
    for name, rows in stated.items():
        with open(raw / "odf" / name, encoding="utf-8-sig", newline="") as f:
            assert len(list(csv.reader(f))) - 1 == int(rows), name


def test_readme_counts_the_notebooks_it_ships():
    """Issue 20, finding 18: "the five executed notebooks" when there are six."""
    from pathlib import Path

    root = Path(__file__).parents[1]
    words = {5: "five", 6: "six", 7: "seven", 8: "eight"}
    n = len(list((root / "notebooks" / "source").glob("*.ipynb")))
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert f"the {words[n]} executed notebooks" in readme


def test_the_epci_universe_says_it_holds_the_metropole_de_lyon():
    """Issue 20, finding 18: the 1,255 'epci' rows include the Métropole de Lyon, which is not an EPCI."""
    import json
    from pathlib import Path

    pops = cs.load("official_populations")
    epci = pops[pops["kind"].astype(str) == "epci"]
    lyon = epci[epci["epci_type"].astype(str) == "MET69"]
    assert len(lyon) == 1 and len(epci) - len(lyon) == 1254
    package = json.loads((Path(__file__).parents[1] / "data" / "datapackage.json").read_text(encoding="utf-8"))
    described = next(r["description"] for r in package["resources"] if r["name"] == "official_populations")
    assert "1,254 EPCI à fiscalité propre and the Métropole de Lyon" in described
