"""Rates, the audit and the legal obligation."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import civicstats as cs


@pytest.fixture(scope="module")
def shipped_audit() -> pd.DataFrame:
    """``cs.audit(include_consistent=True)`` on the shipped data, once per module: the tests that take it only read it."""
    return cs.audit(include_consistent=True)


@pytest.mark.parametrize("population,agents,expected", [
    (3_500, 50, True), (3_499, 50, False), (3_500, 49, False), (3_499.9, 1000, False),
    (2_000_000, 49.99, False), (0, 0, False), (10_000, 50.0, True),
])
def test_open_data_obligation_thresholds(population, agents, expected):
    assert cs.open_data_obligation(population, agents) is expected


@pytest.mark.parametrize("population,agents,expected", [
    (250_000, None, None), (250_000, float("nan"), None), (None, 80, None), (float("nan"), 50, None),
    (None, 20, False), (2_000, None, False), (pd.NA, pd.NA, None),
])
def test_open_data_obligation_says_unknown_when_a_figure_is_missing(population, agents, expected):
    assert cs.open_data_obligation(population, agents) is expected


def test_open_data_obligation_takes_series():
    result = cs.open_data_obligation(pd.Series([500, 5_000, 5_000, None], index=list("abcd")), [None, 80, None, 10])
    assert str(result.dtype) == "boolean" and list(result.index) == list("abcd")
    assert result.tolist() == [False, True, pd.NA, False]
    assert cs.open_data_obligation([3_500, 100], 50).tolist() == [True, False]
    with pytest.raises(ValueError, match="different lengths"):
        cs.open_data_obligation([1, 2], [1])


@pytest.mark.parametrize("population,agents,error", [
    (-1, 50, ValueError), (3500, -0.5, ValueError), ("3500", 50, TypeError), (True, 50, TypeError),
    ([3500, "x"], 50, TypeError),
])
def test_open_data_obligation_refuses_bad_input(population, agents, error):
    with pytest.raises(error):
        cs.open_data_obligation(population, agents)


def test_rates_name_their_denominator():
    official = cs.adoption_rates(denominator="official").set_index("level")
    survey = cs.adoption_rates(denominator="survey").set_index("level")
    assert official.loc["region", "universe"] == 18
    assert math.isclose(official.loc["region", "share_pct"], 100 * 9 / 18)
    assert official.loc["departement", "universe"] == 101
    assert set(official["denominator"]) == {"official"}
    assert survey.loc["intercommunalite", "universe"] == 2581
    assert survey.loc["intercommunalite", "universe_source"] == "LOC"
    assert math.isclose(survey.loc["ville_plus_100k", "share_pct"], 100 * 11 / 37)
    assert set(survey["denominator"]) == {"survey"}
    law = cs.adoption_rates("open_data_adopters", denominator="law")
    assert law["universe"].dropna().tolist() == [4411, 4411, 4500, 4500, 4510, 4510, 5000]
    about = law.loc[law["universe_qualifier"] == "about", ["count", "count_qualifier", "share_qualifier",
                                                             "universe_source"]]
    assert about.values.tolist()[0] == [250, "about", "about", "LOC2"]


def test_official_shares_use_a_universe_of_the_same_scope_and_name_its_year():
    """Issue 10: communes under 5,000 are not divided by all communes, nor intercommunalités by EPCI with métropoles."""
    levels = cs.load("levels").set_index("level")
    universe = cs.load("collectivity_universe")
    r = cs.adoption_rates(denominator="official").set_index("level")
    for level, rec in r.iterrows():
        if pd.isna(rec["universe"]):
            assert isinstance(rec["no_share"], str) and math.isnan(rec["share_pct"])
            continue
        assert rec["universe_level"] == levels.loc[level, "official_level"]
        scope = ["kind", "population_min", "population_max", "metropoles", "territory"]
        same = levels.loc[rec["universe_level"], scope].astype(str).tolist()
        assert levels.loc[level, scope].astype(str).tolist() == same
        assert isinstance(rec["universe_as_of"], str) and rec["universe_as_of"][:4] in ("2018", "2019")
    assert r.loc["commune_moins_5k", "universe"] != 35357
    assert r.loc["commune_moins_5k", ["universe_source", "universe_as_of"]].tolist() == ["DA19", "2019-01-01"]
    expected = universe[(universe["level"] == "intercommunalite")]["count"].iloc[0]
    assert r.loc["intercommunalite", "universe"] == expected != 1263


def test_a_level_without_a_same_scope_count_gets_no_share_and_a_reason(data_copy):
    universe = data_copy / "collectivity_universe.csv"
    universe.write_text("\n".join(line for line in universe.read_text(encoding="utf-8").splitlines()
                                  if ",commune_moins_5k," not in line) + "\n", encoding="utf-8")
    r = cs.adoption_rates(denominator="official", source=data_copy).set_index("level")
    assert pd.isna(r.loc["commune_moins_5k", "universe"]) and math.isnan(r.loc["commune_moins_5k", "share_pct"])
    assert r.loc["commune_moins_5k", "no_share"] == "no_same_scope_universe"

    assert "same scope" in cs.reason_text(r.loc["commune_moins_5k", "no_share"], "en")
    assert "même périmètre" in cs.reason_text(r.loc["commune_moins_5k", "no_share"], "fr")


def test_rates_pick_the_official_count_of_the_closest_earlier_date():
    r = cs.adoption_rates("open_data_adopters", denominator="official").set_index(["as_of", "level"])
    assert r.loc[("2018-10-01", "commune"), "universe"] == 35357
    assert r.loc[("2019-10", "commune"), "universe"] == 34970


def test_rows_with_a_share_but_no_count_are_kept_with_the_published_share():
    """Issue 9, bug 10: rows with a published share and no count vanished from adoption_rates."""
    for denominator in ("official", "law"):
        r = cs.adoption_rates("open_data_adopters", denominator=denominator).set_index(["as_of", "level"])
        row = r.loc[("2018-01", "departement")]
        assert pd.isna(row["count"]) and math.isclose(row["published_share_pct"], 33.6)
        assert row["no_share"] == "no_count"
        assert r.loc[("2018-10-01", "all"), "published_share_qualifier"] == "less_than"


def test_published_and_computed_shares_side_by_side():
    r = cs.adoption_rates("open_data_adopters", denominator="law").set_index(["as_of", "level"])
    row = r.loc[("2018-01", "all")]
    assert math.isclose(row["published_share_pct"], 6.5) and math.isclose(row["share_pct"], 100 * 257 / 4411)


@pytest.mark.parametrize("as_of", [2018, "2018"])
def test_as_of_accepts_a_year_as_int_or_text(as_of):
    """Issue 9, bug 11: as_of=2018 (an int) silently returned no rows."""
    r = cs.adoption_rates(denominator="official", as_of=as_of)
    assert len(r) == 7 and set(r["as_of"]) == {"2018"}


def test_as_of_absent_or_malformed_is_a_clear_error():
    with pytest.raises(ValueError, match="no rows as of '1999'.*2018"):
        cs.adoption_rates(as_of=1999)
    with pytest.raises(ValueError, match="as_of must be"):
        cs.adoption_rates(as_of=2018.0)


def test_respondents_are_not_divided_by_the_national_universe(tmp_path):
    """Issue 9, bug 3: a responses wave (three respondents) got "1 of 18 régions (5.6 %)"."""
    header = "as_of,siren,name,level,population,dialogue_concertation,participatory_mapping,reporting," \
             "participatory_budgeting,crowdfunding,open_data_portal,tools,source\n"
    rows = ["2026,200000001,Région A,region,,oui,,,,,,,NL", "2026,200000002,Région B,region,,,,,,,,,NL",
            "2026,200000003,Région C,region,,,,,,,,,NL"]
    folder = tmp_path / "update"
    folder.mkdir()
    (folder / "responses.csv").write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    r = cs.adoption_rates(denominator="official", source=folder, as_of="2026").set_index("level")
    assert r.loc["region", "count"] == 1
    assert math.isnan(r.loc["region", "share_pct"]) and r.loc["region", "no_share"] == "respondents"


@pytest.mark.parametrize("kwargs", [
    {"table": "participatory_budgets"}, {"denominator": "census"},
    {"table": "civictech_adoption", "denominator": "law"}, {"table": "open_data_adopters", "denominator": "survey"},
])
def test_rates_refuse_meaningless_requests(kwargs):
    with pytest.raises(ValueError):
        cs.adoption_rates(**kwargs)


def finding(findings, check, **where):
    rows = findings[findings["check"] == check]
    for k, v in where.items():
        rows = rows[rows[k] == v]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_audit_reports_the_known_disagreements():
    f = cs.audit()
    assert set(f.columns) >= {"check", "dataset", "subject", "expected", "expected_qualifier", "observed",
                              "observed_qualifier", "sources", "tolerance", "consistent", "gap"}
    assert "message" not in f.columns  # analysis returns codes and numbers, labels write the sentences
    total = finding(f, "survey_total")
    assert (total["expected"], total["observed"]) == (157, 156)
    epci = finding(f, "detail_vs_total", as_of="2018-03")
    assert (epci["expected"], epci["observed"]) == (62, 60) and epci["kind"] == "disagreement"
    budgets = finding(f, "conflicting_figures", dataset="participatory_budgets", as_of="2017")
    assert {budgets["expected"], budgets["observed"]} == {47, 67}
    assert set(budgets["sources"].split(";")) == {"BEZ", "NL", "LOC"}
    universes = f[f["check"] == "survey_universe_vs_official"]
    assert {(int(e), int(o)) for e, o in zip(universes["expected"], universes["observed"], strict=True)} == \
        {(1242, 2581), (32797, 34672), (42, 37)}
    assert set(universes["expected_as_of"]) == {"2018-01-01", "2019-01-01"}
    assert set(universes["kind"]) == {"different_dates"}  # the survey's denominators are older counts
    assert not f["consistent"].any()


def test_audit_compares_intervals_so_compatible_figures_are_consistent(shipped_audit: pd.DataFrame):
    """Issue 10: "more than 74" and 79 are compatible; "about 4,500" carries its tolerance."""
    f = shipped_audit
    tools = finding(f, "conflicting_figures", dataset="published_figures")
    assert (tools["expected"], tools["expected_qualifier"], tools["observed"]) == (74, "more_than", 79)
    assert bool(tools["consistent"]) is True
    assert not ((f["subject"] == "civictech_tools_inventoried") & ~f["consistent"]).any()
    about = f[(f["subject"] == "concerned") & (f["observed_qualifier"] == "about")]
    assert len(about) and (about["tolerance"] == 0.05).all()
    assert set(f["expected_qualifier"]) | set(f["observed_qualifier"]) <= {"exact", "about", "more_than", "at_least",
                                                                           "less_than", "at_most"}

    assert "more than 74 (NL) against 79 (OCZ); consistent" in cs.finding_text(tools, "en")
    assert "plus de 74 (NL) contre 79 (OCZ)" in cs.finding_text(tools, "fr")


def test_audit_never_compares_figures_of_different_scope(shipped_audit: pd.DataFrame):
    f = shipped_audit
    universes = f[f["check"] == "survey_universe_vs_official"]
    assert 35357 not in set(universes["expected"]) and 1263 not in set(universes["expected"])


def test_sources_of_about_250_and_about_4500_are_loc2_only():
    od = cs.load("open_data_adopters")
    row = od[(od["as_of"] == "2018-03") & (od["level"] == "all") & (od["source"] == "LOC2")].iloc[0]
    assert (row["count"], row["count_qualifier"]) == (250, "about")
    assert row["concerned"] == 4500 and row["concerned_qualifier"] == "about"
    adoption = cs.load("civictech_adoption").set_index("level")
    assert adoption.loc["commune_moins_5k", "universe_source"] == "LOC"
    assert adoption.loc["intercommunalite", "universe_source"] == "LOC"


def test_detail_vs_total_does_not_add_a_second_sources_row(data_copy):
    """Issue 9, bug 2: a second source's commune row made "257 published, detail adds up to 407"."""
    od = data_copy / "open_data_adopters.csv"
    od.write_text(od.read_text(encoding="utf-8") + "2018-03,commune,150,,,,,,URB,another source,\n",
                  encoding="utf-8")
    f = cs.audit(data_copy, include_consistent=True)
    whole = finding(f, "detail_vs_total", as_of="2018-03", subject="all", expected_source="LOC3")
    assert (whole["expected"], whole["observed"]) == (257, 257) and bool(whole["consistent"])


def test_wave_changes_never_picks_the_first_source():
    """Issue 9, bug 1: aggfunc="first" kept whichever source came first."""
    t = pd.DataFrame({"as_of": ["2018", "2018", "2026"], "level": ["region", "region", "region"],
                      "count": [9, 12, 14], "source": ["NL", "XX", "W26"]})
    with pytest.raises(ValueError, match="same level and wave.*9 \\(NL\\), 12 \\(XX\\)"):
        cs.wave_changes(t)
    both = cs.wave_changes(t, conflicts="by_source")
    assert both[["level", "source"]].values.tolist() == [["region", "NL"], ["region", "W26"], ["region", "XX"]]
    assert both["2018"].tolist()[0::2] == [9, 12] and pd.isna(both["2018"].iloc[1])
    assert cs.wave_changes(t, conflicts="max").loc[0, "2018"] == 12
    assert pd.isna(cs.wave_changes(t, conflicts="min").loc[0, "change"])  # 9 (NL) and 14 (W26): two sources


def test_audit_checks_against_data_not_literals(data_copy):
    # change the published total in the data: the audit follows it
    published = data_copy / "published_figures.csv"
    text = published.read_text(encoding="utf-8")
    published.write_text(text.replace("civictech_users_total,2018,157", "civictech_users_total,2018,156"),
                         encoding="utf-8")
    f = cs.audit(data_copy, include_consistent=True)
    assert bool(finding(f, "survey_total")["consistent"]) is True
    assert "survey_total" not in set(cs.audit(data_copy)["check"])


def test_audit_include_consistent_adds_passing_checks(shipped_audit: pd.DataFrame):
    f = shipped_audit
    assert finding(f, "published_sum")["consistent"]
    assert finding(f, "detail_vs_total", as_of="2018-03", expected=257)["consistent"]
    assert finding(f, "detail_vs_total", as_of="2018-03", expected=250)["consistent"]  # « quelque 250 »


def test_audit_runs_only_the_checks_named_and_cites_what_they_read(shipped_audit: pd.DataFrame):
    everything = shipped_audit
    some = cs.audit(include_consistent=True, checks=["Survey_total", "conflicting_figures"])
    expected = everything[everything["check"].isin(["survey_total", "published_sum", "conflicting_figures"])]
    plain = lambda f: f.astype(object).where(f.notna(), None).reset_index(drop=True)  # an all-blank column is object
    pd.testing.assert_frame_equal(plain(some), plain(expected))
    assert "official_populations" in everything.attrs["tables"]
    assert "official_populations" not in some.attrs["tables"] and "participatory_budgets" in some.attrs["tables"]
    with pytest.raises(cs.UnknownNameError, match="'detail_vs_total'"):
        cs.audit(checks="detail_vs_totals")


def test_derive_official_counts_on_a_tiny_fixture(tmp_path):
    """scripts/derive_official_counts.py: bands, current communes only, EPCI types, rows of DA19 replaced."""
    import importlib.util
    import json
    from pathlib import Path

    script = Path(__file__).parents[1] / "scripts" / "derive_official_counts.py"
    spec = importlib.util.spec_from_file_location("derive_official_counts", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    communes = [{"code": "1", "type": "commune-actuelle", "population": 4999},
                {"code": "2", "type": "commune-actuelle", "population": 5000},
                {"code": "3", "type": "commune-actuelle", "population": 100000},
                {"code": "4", "type": "commune-actuelle", "population": 100001},
                {"code": "5", "type": "commune-deleguee", "population": 10},
                {"code": "6", "type": "commune-actuelle"},
                {"code": "97101", "type": "commune-actuelle", "population": 3000},  # Guadeloupe: a commune
                {"code": "97502", "type": "commune-actuelle", "population": 5412},  # overseas collectivities:
                {"code": "98818", "type": "commune-actuelle"}]  # not in the official count of communes
    epci = [{"code": "a", "type": "METRO"}, {"code": "b", "type": "CA"}, {"code": "c", "type": "CC"},
            {"code": "d", "type": "MET69"}]
    package = tmp_path / "package"
    (package / "data").mkdir(parents=True)
    (package / "data" / "communes.json").write_text(json.dumps(communes), encoding="utf-8")
    (package / "data" / "epci.json").write_text(json.dumps(epci), encoding="utf-8")
    (package / "package.json").write_text(json.dumps({"version": "0.7.0"}), encoding="utf-8")
    target = tmp_path / "collectivity_universe.csv"
    target.write_text("as_of,level,count,source,note\n2018-01-01,commune,35357,DGCL18,\n"
                      "2019-01-01,intercommunalite,999,DA19,old\n", encoding="utf-8")
    assert module.main([str(package), "--write", str(target)]) == 0
    rows = {r.split(",")[1]: r.split(",") for r in target.read_text(encoding="utf-8").splitlines()[1:]}
    counts = {level: int(r[2]) for level, r in rows.items()}
    assert counts == {"commune": 35357, "commune_moins_5k": 2, "ville_5k_100k": 2, "ville_plus_100k": 1,
                      "intercommunalite": 2, "metropole": 1, "communaute_urbaine": 0,
                      "communaute_agglomeration": 1, "communaute_communes": 1}
    assert all(r[3] == "DA19" for level, r in rows.items() if level != "commune")
    assert "1 without population" in target.read_text(encoding="utf-8")
    assert "the 2 communes of overseas collectivities (INSEE codes 975, 977, 978, 98x) left out" in \
        target.read_text(encoding="utf-8")


def test_the_2019_bands_of_communes_add_up_to_the_official_count_of_communes():
    """Issue 20, finding 17: the bands held 94 communes of overseas collectivities (35,064 against 34,970)."""
    import re
    universe = cs.load("collectivity_universe")
    of_2019 = universe[universe["as_of"].astype(str).str.startswith("2019")].set_index("level")
    bands = of_2019.loc[["commune_moins_5k", "ville_5k_100k", "ville_plus_100k"]]
    unknown = {int(re.search(r"(\d+) without population", note).group(1)) for note in bands["note"]}
    assert len(unknown) == 1
    assert int(bands["count"].sum()) + unknown.pop() == int(of_2019.loc["commune", "count"]) == 34970


# ---------------------------------------------------------------- the logic, on small inline frames
# (a correction of the shipped data cannot break these: each case holds its own rows)

LEVELS = pd.DataFrame({"level": ["region", "commune_moins_5k", "all"], "official_level": ["region", None, None],
                       "note": [None, None, None]})
UNIVERSE = pd.DataFrame({"as_of": ["2017-01-01", "2018-01-01", "2019-01-01"], "level": ["region"] * 3,
                         "count": [13, 18, 20], "source": ["U17", "U18", "U19"]})


@pytest.mark.parametrize("row,expected", [
    ({"as_of": "2018-03", "level": "region", "count": 9},  # the latest count on or before the date
     {"universe": 18, "universe_as_of": "2018-01-01", "universe_source": "U18", "share_pct": 50.0, "no_share": None}),
    ({"as_of": "2016", "level": "region", "count": 13},  # none before: the earliest after
     {"universe": 13, "universe_as_of": "2017-01-01", "share_pct": 100.0, "no_share": None}),
    ({"as_of": "2018", "level": "commune_moins_5k", "count": 19},  # no count of the same scope: no share
     {"universe": None, "share_pct": None, "no_share": "no_same_scope_universe"}),
    ({"as_of": "2018", "level": "region", "count": 9, "respondents": 40},  # among respondents: never a share
     {"universe": 18, "share_pct": None, "no_share": "respondents"}),
    ({"as_of": "2018", "level": "region", "count": None, "share_pct": 40.0},  # a published share, no count
     {"share_pct": None, "no_share": "no_count", "published_share_pct": 40.0}),
])
def test_official_rates_on_inline_frames(row, expected):
    counts = pd.DataFrame([{"source": "S", **row}])
    got = cs.adoption_rates(denominator="official", counts=counts, universe=UNIVERSE, levels=LEVELS).iloc[0]
    for column, value in expected.items():
        if value is None:
            assert pd.isna(got[column]), column
        elif isinstance(value, float):
            assert math.isclose(got[column], value), column
        else:
            assert got[column] == value, column


@pytest.mark.parametrize("row,share,qualifier,no_share", [
    ({"level": "all", "count": 257, "concerned": 4411}, 100 * 257 / 4411, "exact", None),
    ({"level": "all", "count": 257, "concerned": 4500, "concerned_qualifier": "about"}, 100 * 257 / 4500, "about", None),
    ({"level": "all", "count": 100, "concerned": 400, "concerned_qualifier": "more_than"}, 25.0, "less_than", None),
    ({"level": "region", "count": 9, "concerned": 4411}, None, None, "not_all_levels"),
    ({"level": "all", "count": 257}, None, None, "no_concerned"),
])
def test_law_rates_on_inline_frames(row, share, qualifier, no_share):
    counts = pd.DataFrame([{"as_of": "2018", "source": "S", **row}])
    got = cs.adoption_rates("open_data_adopters", denominator="law", counts=counts).iloc[0]
    assert (pd.isna(got["share_pct"]) if share is None else math.isclose(got["share_pct"], share))
    assert (pd.isna(got["share_qualifier"]) if qualifier is None else got["share_qualifier"] == qualifier)
    assert (pd.isna(got["no_share"]) if no_share is None else got["no_share"] == no_share)


@pytest.mark.parametrize("row,share,no_share", [
    ({"count": 11, "universe": 37, "universe_source": "LOC"}, 100 * 11 / 37, None),
    ({"count": 11}, None, "no_survey_universe"),
])
def test_survey_rates_on_inline_frames(row, share, no_share):
    counts = pd.DataFrame([{"as_of": "2018", "level": "ville_plus_100k", "source": "NL", **row}])
    got = cs.adoption_rates(denominator="survey", counts=counts).iloc[0]
    assert (pd.isna(got["share_pct"]) if share is None else math.isclose(got["share_pct"], share))
    assert (pd.isna(got["no_share"]) if no_share is None else got["no_share"] == no_share)


@pytest.mark.parametrize("expected,observed,consistent", [
    ((74, "more_than"), (79, "exact"), True),
    ((74, "more_than"), (74, "exact"), False),   # "more than 74" excludes 74
    ((74, "at_least"), (74, "exact"), True),
    ((4500, "about"), (4411, "exact"), True),    # within ±5 %
    ((4500, "about"), (4200, "exact"), False),
    ((8, "less_than"), (8, "at_most"), True),    # both allow 7.9
    ((157, "exact"), (156, "exact"), False),
])
def test_intervals_decide_what_is_consistent(expected, observed, consistent):
    from civicstats.analysis.audit import interval, overlap

    assert overlap(interval(*expected), interval(*observed)) is consistent


def test_a_share_published_to_one_decimal_is_the_interval_it_rounds_from():
    from civicstats.analysis.audit import interval, overlap

    assert overlap(interval(6.5, rounded=True), interval(6.54))
    assert not overlap(interval(6.5, rounded=True), interval(6.56))


@pytest.mark.parametrize("rec,lang,line", [
    ({"level": "region", "count": 9, "universe": 18, "universe_qualifier": "exact", "share_pct": 50.0,
      "share_qualifier": "exact", "denominator": "official", "universe_as_of": "2018-01-01", "source": "NL",
      "universe_source": "DGCL18"}, "en",
     "Regions: 9 of 18 (50%; official count of the same scope, 2018; sources: NL, DGCL18)"),
    ({"level": "region", "count": 9, "share_pct": float("nan"), "no_share": "respondents", "source": "NL"}, "en",
     "Regions: 9, no share: a count among survey respondents, not among all collectivities of the level"),
    ({"level": "region", "count": None, "share_pct": None, "no_share": "no_count"}, "fr",
     "Régions\u00a0: –, pas de part\u00a0: la source publie une part, pas un effectif"),
])
def test_share_lines_on_inline_rows(rec, lang, line):
    levels = pd.DataFrame({"level": ["region"], "label_en": ["Regions"], "label_fr": ["Régions"]})
    assert cs.share_line(rec, lang, levels) == line


@pytest.mark.parametrize("rows,changes", [
    # issue 20, finding 12: a change only between figures that share a source
    ([("2017", 142, "URB"), ("2022", 868, "ODF22")], [None]),
    ([("2018", 100, "A"), ("2020", 130, "A")], [30]),
    ([("2018", 100, "A;B"), ("2020", 130, "B")], [30]),
])
def test_wave_changes_subtract_only_figures_of_one_source(rows, changes):
    t = pd.DataFrame([{"as_of": a, "level": "all", "count": c, "source": s} for a, c, s in rows])
    got = cs.wave_changes(t)["change"].tolist()
    assert [None if pd.isna(v) else int(v) for v in got] == changes


@pytest.mark.parametrize("count_q,universe_q,expected", [
    ("exact", "exact", "exact"), ("about", "exact", "about"), ("exact", "about", "about"), ("about", "about", "about"),
    ("exact", "more_than", "less_than"), ("more_than", "less_than", "more_than"), ("more_than", "about", None),
])
def test_a_qualified_count_gives_a_qualified_share(count_q, universe_q, expected):
    from civicstats.analysis.rates import share_qualifier

    assert share_qualifier(count_q, universe_q) == expected
    counts = pd.DataFrame([{"as_of": "2018", "level": "all", "source": "S", "count": 250, "count_qualifier": count_q,
                            "concerned": 4500, "concerned_qualifier": universe_q}])
    got = cs.adoption_rates("open_data_adopters", denominator="law", counts=counts).iloc[0]
    assert (got["no_share"] == "mixed_qualifiers") if expected is None else (got["share_qualifier"] == expected)


def _audit_on(data_copy, text):
    (data_copy / "open_data_adopters.csv").write_text(
        "as_of,level,count,count_qualifier,share_pct,share_qualifier,concerned,concerned_qualifier,source,note\n" + text,
        encoding="utf-8")
    return cs.audit(data_copy, include_consistent=True)


@pytest.mark.parametrize("rows,expected", [
    # issue 20, finding 7: a partial detail leaves at most total − parts for the levels it omits
    ("2018-03,region,12,,,,,,NL,\n2018-03,departement,33,,,,,,NL,\n2018-03,epci,62,,,,,,NL,\n"
     "2018-03,commune,150,,,,,,NL,\n2018-10-01,epci,125,,,,,,MI18,\n2018-10-01,commune,200,,,,,,MI18,\n"
     "2018-10-01,all,343,,,,,,MI18,\n", (45, 18, False)),
    ("2018-03,region,12,,,,,,NL,\n2018-03,departement,33,,,,,,NL,\n2018-03,epci,62,,,,,,NL,\n"
     "2018-03,commune,150,,,,,,NL,\n2019-10,epci,131,,,,,,MI19,\n2019-10,commune,268,,,,,,MI19,\n"
     "2019-10,all,460,,,,,,MI19,\n", (45, 61, True)),
    # no earlier wave gives the omitted levels: nothing to compare
    ("2018-10-01,epci,125,,,,,,MI18,\n2018-10-01,commune,200,,,,,,MI18,\n2018-10-01,all,343,,,,,,MI18,\n", None),
])
def test_detail_remainder_on_inline_tables(data_copy, rows, expected):
    f = _audit_on(data_copy, rows)
    got = f[f["check"] == "detail_remainder"]
    if expected is None:
        assert got.empty
        return
    row = got.iloc[0]
    assert (row["expected"], row["observed"], bool(row["consistent"])) == expected
    assert row["observed_qualifier"] == "at_most" and row["expected_as_of"] == "2018-03"


def test_audit_finds_the_two_missed_disagreements():
    """Issue 20, finding 7: October 2018's remainder, and ODF22's « près de 5 000 » over the upper bound."""
    f = cs.audit()
    october = finding(f, "detail_remainder", as_of="2018-10-01")
    assert (october["expected"], october["observed"], october["kind"]) == (45, 18, "disagreement")
    concerned = finding(f, "recomputed_concerned")
    assert (concerned["expected"], concerned["expected_qualifier"], concerned["observed_qualifier"]) == \
        (5000, "about", "at_most")
    assert concerned["observed"] < 4750 and concerned["kind"] == "disagreement"


@pytest.mark.parametrize("rows,kind", [
    # issue 20, finding 6: a revision and figures of different dates are not disagreements
    ("2016,25,villes,BEZ,earlier post\n2016,26,villes,BEZ,\n", "revision"),
    ("2017,47,villes,BEZ,\n2017,67,villes,NL;LOC,\n", "disagreement"),
])
def test_conflicting_budgets_are_classified(data_copy, rows, kind):
    (data_copy / "participatory_budgets.csv").write_text("year,count,unit,source,note\n" + rows, encoding="utf-8")
    f = cs.audit(data_copy)
    assert f.loc[f["dataset"] == "participatory_budgets", "kind"].tolist() == [kind]


def test_audit_classifies_revisions_and_dates_on_the_shipped_data():
    f = cs.audit()
    law = f[(f["subject"] == "concerned")]
    assert set(law["kind"]) == {"different_dates"}  # 4,411 (January/March 2018) against 4,510 (October 2018)
    assert finding(f, "conflicting_figures", as_of="2016")["kind"] == "revision"
    assert finding(f, "recomputed_headline")["kind"] == "different_dates"  # the edition against an October export
    counts = f["kind"].astype(str).value_counts()
    assert counts["disagreement"] + counts["revision"] + counts["different_dates"] == len(f)


def test_audit_chart_labels_name_the_year_of_the_official_universe_and_the_observatory():
    """Issue 20, finding 5: the observatory's row had the label "survey vs official universe" with no year."""
    from civicstats.charts.audit import audit_findings

    f = cs.audit()
    fig = audit_findings(f, levels=cs.load("levels"))
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    observatory = [t for t in ticks if "868" in t]
    assert observatory and all(t.startswith("Observatory 2022: published vs its export") for t in observatory)
    universes = [t for t in ticks if "2,581" in t]
    assert universes and "vs official 2018" in universes[0]
    colours = {c.get_gid(): c.get_facecolor()[0][:3] for c in fig.axes[0].collections if c.get_gid()}
    assert len({tuple(v) for v in colours.values()}) == 2  # disagreements apart from revisions and dates


def test_recomputed_concerned_needs_a_published_number_concerned(data_copy):
    # an edition without its number concerned (an export's own wave has none): no comparison, no crash
    od = data_copy / "open_data_adopters.csv"
    od.write_text(od.read_text(encoding="utf-8").replace("2022,all,868,,16,about,5000,about,", "2022,all,868,,16,about,,,"),
                  encoding="utf-8")
    f = cs.audit(data_copy, include_consistent=True)
    assert "recomputed_concerned" not in set(f["check"]) and "recomputed_headline" in set(f["check"])


def test_wave_changes_keeps_the_qualifier_a_source_gives():
    """Issue 20 re-read: LOC2's « quelque 250 » showed as a bare 250 in notebook 02's table of changes."""
    t = pd.DataFrame({"as_of": ["2018", "2026", "2018", "2026"], "level": ["all", "all", "region", "region"],
                      "count": [250, 300, 9, 12], "count_qualifier": ["about", None, None, "more_than"],
                      "source": ["S"] * 4})
    changes = cs.wave_changes(t)
    shown = repr(cs.show(changes))
    assert "about 250" in shown and "more than 12" in shown and "about 50" in shown
    assert changes["change"].tolist()[0] == 50 and pd.isna(changes["change"].tolist()[1])  # no number from a bound
    shipped = cs.wave_changes(cs.load("open_data_adopters"), levels=["all"], conflicts="by_source")
    assert "about 250" in repr(cs.show(shipped)) and "environ 250" in repr(cs.show(shipped, "fr"))


def test_odf22s_own_rate_is_never_compared_with_its_count_over_the_concerned(shipped_audit: pd.DataFrame):
    """Issue 20, finding 3 (FACTS): ODF22's « près de 16 % » is the rate of the concerned meeting the obligation,
    not 868 ÷ 5,000 (17.4 %): the audit does not call the two consistent, and the rates say what it measures."""
    f = shipped_audit
    shares = f[f["check"] == "published_share"]
    assert not shares["as_of"].astype(str).str.startswith("2022").any()
    assert set(shares["as_of"].astype(str)) == {"2018-01", "2018-03-21", "2018-10-01", "2019-10"}
    r = cs.adoption_rates("open_data_adopters", denominator="law")
    rec = r[(r["as_of"] == "2022") & (r["level"] == "all")].iloc[0]
    assert rec["published_share_measure"] == "meeting_obligation" and rec["published_share_pct"] == 16
    mi19 = r[(r["as_of"] == "2019-10") & (r["level"] == "all")].iloc[0]
    assert pd.isna(mi19["published_share_measure"])  # MI19's 10.2 % is 460 ÷ 4,510: the source's own quotient
