"""Rates, the audit and the legal obligation."""

from __future__ import annotations

import math

import pytest

import civicstats as cs


@pytest.mark.parametrize("population,agents,expected", [
    (3_500, 50, True), (3_499, 50, False), (3_500, 49, False), (3_499.9, 1000, False),
    (2_000_000, 49.99, False), (0, 0, False), (10_000, 50.0, True),
])
def test_open_data_obligation_thresholds(population, agents, expected):
    assert cs.open_data_obligation(population, agents) is expected


@pytest.mark.parametrize("population,agents,error", [
    (-1, 50, ValueError), (3500, -0.5, ValueError), ("3500", 50, TypeError), (None, 50, TypeError),
    (True, 50, TypeError), (float("nan"), 50, ValueError),
])
def test_open_data_obligation_refuses_bad_input(population, agents, error):
    with pytest.raises(error):
        cs.open_data_obligation(population, agents)


def test_rates_name_their_denominator():
    official = cs.adoption_rates(denominator="official").set_index("level")
    survey = cs.adoption_rates(denominator="survey").set_index("level")
    assert official.loc["region", "universe"] == 18
    assert math.isclose(official.loc["region", "share"], 9 / 18)
    assert official.loc["departement", "universe"] == 101
    assert "official" in official["denominator"].iloc[0]
    assert survey.loc["intercommunalite", "universe"] == 2581
    assert math.isclose(survey.loc["ville_plus_100k", "share"], 11 / 37)
    assert survey["denominator"].iloc[0] != official["denominator"].iloc[0]
    law = cs.adoption_rates("open_data_adopters", denominator="law")
    assert law["universe"].tolist() == [4411, 4500, 4510, 4510, 5000]


def test_rates_pick_the_official_count_of_the_closest_earlier_date():
    r = cs.adoption_rates("open_data_adopters", denominator="official").set_index(["as_of", "level"])
    assert r.loc[("2018-10-01", "commune"), "universe"] == 35357
    assert r.loc[("2019-10", "commune"), "universe"] == 34970


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


def test_audit_reports_the_five_known_disagreements():
    f = cs.audit()
    assert set(f.columns) >= {"check", "dataset", "expected", "observed", "sources", "message"}
    total = finding(f, "survey_total")
    assert (total["expected"], total["observed"]) == (157, 156)
    epci = finding(f, "detail_vs_total", as_of="2018-03")
    assert (epci["expected"], epci["observed"]) == (62, 60)
    budgets = finding(f, "conflicting_figures", dataset="participatory_budgets", as_of="2017")
    assert {budgets["expected"], budgets["observed"]} == {47, 67}
    assert set(budgets["sources"].split(";")) == {"BEZ", "NL", "LOC"}
    tools = finding(f, "conflicting_figures", dataset="published_figures")
    assert {tools["expected"], tools["observed"]} == {74, 79}
    universes = f[f["check"] == "survey_universe_vs_official"]
    assert {(int(e), int(o)) for e, o in zip(universes["expected"], universes["observed"])} == {(1263, 2581), (35357, 34672)}
    assert not f["consistent"].any()


def test_audit_checks_against_data_not_literals(data_copy):
    # change the published total in the data: the audit follows it
    published = data_copy / "published_figures.csv"
    published.write_text(published.read_text(encoding="utf-8").replace("civictech_users_total,2018,157", "civictech_users_total,2018,156"), encoding="utf-8")
    f = cs.audit(data_copy, include_consistent=True)
    assert bool(finding(f, "survey_total")["consistent"]) is True
    assert "survey_total" not in set(cs.audit(data_copy)["check"])


def test_audit_include_consistent_adds_passing_checks():
    f = cs.audit(include_consistent=True)
    assert finding(f, "published_sum")["consistent"]
    assert finding(f, "detail_vs_total", as_of="2018-03", expected=257)["consistent"]
