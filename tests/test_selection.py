"""The selection aid: a worked example by hand, the objective rule, and bad inputs."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import civicstats as cs

NBSP = "\u00a0"
ALL_MET = {"personal_data": True, "fair_platform": True, "reversibility": True}

# The worked example. Weights: objective 2, target public 1, means 1 (total 4), so the
# weight shares are 2/4 = 50 %, 1/4 = 25 %, 1/4 = 25 %.
#
#   Decidim     objective 4, target public 5, means 2 → 0.5×4 + 0.25×5 + 0.25×2 = 2 + 1.25 + 0.5 = 3.75
#   Fluicity    objective 5, target public 3, means 4 → 0.5×5 + 0.25×3 + 0.25×4 = 2.5 + 0.75 + 1  = 4.25
#   TellMyCity  objective 3, target public 4, means 5 → 0.5×3 + 0.25×4 + 0.25×5 = 1.5 + 1 + 1.25  = 3.75
#
# Fluicity fails the reversibility watch point, so despite the best score it ranks after
# every eligible tool. Decidim and TellMyCity tie at 3.75: the tie goes by name.
# Expected ranking: 1 Decidim (3.75), 2 TellMyCity (3.75), 3 Fluicity (4.25, excluded).
RATINGS = [
    {"tool": "TellMyCity", "category": "reporting", "objective": 3, "target_public": 4, "means": 5, **ALL_MET},
    {"tool": "Fluicity", "category": "dialogue_concertation", "objective": 5, "target_public": 3, "means": 4,
     **ALL_MET, "reversibility": False},
    {"tool": "Decidim", "category": "dialogue_concertation", "objective": 4, "target_public": 5, "means": 2, **ALL_MET},
]
WEIGHTS = {"objective": 2, "target_public": 1, "means": 1}
CRITERIA, CATEGORIES = cs.load("selection_criteria"), cs.load("civictech_categories")


def explained(ranked: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The ranking with its words, labelled by the shipped tables."""
    return cs.explain_selection(ranked, lang, criteria=CRITERIA, categories=CATEGORIES)


def test_worked_example_scores_ranks_and_contributions():
    ranked = cs.select_tools(RATINGS, WEIGHTS)
    assert ranked["tool"].tolist() == ["Decidim", "TellMyCity", "Fluicity"]
    assert ranked["rank"].tolist() == [1, 2, 3]
    assert ranked["score"].tolist() == pytest.approx([3.75, 3.75, 4.25])
    assert ranked["eligible"].tolist() == [True, True, False]
    assert ranked["fails"].tolist() == ["", "", "reversibility"]  # codes: the words are made at the edge
    assert ranked["not_assessed"].tolist() == ["", "", ""]
    assert ranked.attrs["unchecked"] == []
    contrib = ["contrib_objective", "contrib_target_public", "contrib_means"]
    assert [c for c in ranked.columns if c.startswith("contrib_")] == contrib  # only the questions used
    by_tool = ranked.set_index("tool")
    assert by_tool.loc["Decidim", contrib].tolist() == pytest.approx([2.0, 1.25, 0.5])
    assert by_tool.loc["Fluicity", contrib].tolist() == pytest.approx([2.5, 0.75, 1.0])
    assert ranked[contrib].sum(axis=1).tolist() == pytest.approx(ranked["score"].tolist())
    assert ranked.attrs["weights"] == {"objective": 0.5, "target_public": 0.25, "means": 0.25}


def test_worked_example_explanations_give_the_numbers():
    ranked = explained(cs.select_tools(RATINGS, WEIGHTS)).set_index("tool")
    assert ranked.loc["Fluicity", "excluded_because"] == "Reversibility"
    assert ranked.loc["Decidim", "explanation"] == "3.8/5: objective 4 × 50% + target public 5 × 25% + means 2 × 25%"
    assert ranked.loc["Fluicity", "explanation"] == (
        "4.3/5: objective 5 × 50% + target public 3 × 25% + means 4 × 25%; fails reversibility")
    fr = explained(cs.select_tools(RATINGS, WEIGHTS), "fr").set_index("tool")
    assert fr.loc["Decidim", "explanation"] == (
        f"3,8/5{NBSP}: objectif 4 × 50{NBSP}% + public cible 5 × 25{NBSP}% + moyens 2 × 25{NBSP}%")
    assert fr.loc["Fluicity", "excluded_because"] == "Réversibilité"
    assert fr.loc["Fluicity", "explanation"].endswith(f"{NBSP}; ne respecte pas réversibilité")


def test_objective_lists_matching_tools_first_without_changing_scores():
    # TellMyCity (reporting) ties Decidim and would come second anyway; give it the best
    # score to see the rule: a tool of another category is listed after the matching ones.
    ratings = [dict(r) for r in RATINGS]
    ratings[0].update(objective=5, target_public=5, means=5)  # TellMyCity: 5.0
    ranked = cs.select_tools(ratings, WEIGHTS, objective="dialogue_concertation")
    assert ranked["tool"].tolist() == ["Decidim", "TellMyCity", "Fluicity"]
    assert ranked["score"].tolist() == pytest.approx([3.75, 5.0, 4.25])
    assert ranked["matches_objective"].tolist() == [True, False, True]
    tell = explained(ranked).set_index("tool").loc["TellMyCity", "explanation"]
    assert tell.endswith("; category differs from the objective (reporting, not dialogue, vote and concertation)")
    without = cs.select_tools(ratings, WEIGHTS)
    assert without["tool"].tolist() == ["TellMyCity", "Decidim", "Fluicity"]
    assert without["matches_objective"].isna().all()


def test_default_weights_are_equal_and_absent_or_zero_weights_are_ignored():
    ratings = [{"tool": "A", "scale": 4, "duration": 2, **ALL_MET}]
    assert cs.select_tools(ratings)["score"].tolist() == [3.0]
    only_scale = cs.select_tools(ratings, {"scale": 1})
    assert only_scale["score"].tolist() == [4.0]
    assert [c for c in only_scale.columns if c.startswith("contrib_")] == ["contrib_scale"]
    assert cs.select_tools(ratings, {"scale": 1, "duration": 0, "means": 5})["score"].tolist() == [4.0]
    # a missing rating does not matter for a question that does not count
    assert cs.select_tools([{"tool": "A", "scale": 4, "duration": None}], {"scale": 1})["score"].tolist() == [4.0]


def test_watch_points_not_assessed_or_not_checked_are_said():
    ranked = cs.select_tools([
        {"tool": "A", "scale": 4, "personal_data": True, "fair_platform": "yes", "reversibility": None},
        {"tool": "B", "scale": 3, "personal_data": 1, "fair_platform": True, "reversibility": "non"},
    ])
    assert ranked["eligible"].tolist() == [False, False]
    assert ranked[["fails", "not_assessed"]].values.tolist() == [["", "reversibility"], ["reversibility", ""]]
    assert explained(ranked)["excluded_because"].tolist() == ["Reversibility (not assessed)", "Reversibility"]
    unchecked = cs.select_tools([{"tool": "A", "scale": 4}])
    assert bool(unchecked.loc[0, "eligible"])
    assert unchecked.attrs["unchecked"] == ["personal_data", "fair_platform", "reversibility"]
    assert "watch points not checked: protection of personal data" in explained(unchecked).loc[0, "explanation"]


def test_explanations_without_the_tables_of_labels_use_the_codes():
    ranked = cs.select_tools(RATINGS, WEIGHTS, objective="dialogue_concertation")
    words = cs.explain_selection(ranked).set_index("tool")
    assert words.loc["Fluicity", "excluded_because"] == "reversibility"
    assert words.loc["Decidim", "explanation"] == "3.8/5: objective 4 × 50% + target_public 5 × 25% + means 2 × 25%"
    with pytest.raises(ValueError, match="lang"):
        cs.explain_selection(ranked, "de")


def test_dataframe_and_list_of_dicts_give_the_same_result_and_input_is_untouched():
    frame = pd.DataFrame(RATINGS)
    before = frame.copy()
    assert cs.select_tools(frame, WEIGHTS).equals(cs.select_tools(RATINGS, WEIGHTS))
    pd.testing.assert_frame_equal(frame, before)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.floats(0, 5), st.integers(0, 5)), min_size=1, max_size=6),
       st.tuples(st.floats(0.1, 10), st.floats(0, 10), st.floats(0, 10)))
def test_contributions_always_add_up_to_the_score(rows, weights):
    ratings = [{"tool": f"T{i}", "objective": a, "scale": b, "means": c} for i, (a, b, c) in enumerate(rows)]
    ranked = cs.select_tools(ratings, dict(zip(("objective", "scale", "means"), weights, strict=True)))
    contrib = ranked[[c for c in ranked.columns if c.startswith("contrib_")]].sum(axis=1)
    assert all(math.isclose(a, b, abs_tol=1e-9) for a, b in zip(contrib, ranked["score"], strict=True))
    assert ((ranked["score"] >= 0) & (ranked["score"] <= 5 + 1e-9)).all()
    assert ranked["rank"].tolist() == list(range(1, len(rows) + 1))
    # all eligible: best first; scores equal to 9 decimals are ties (float noise does not rank)
    assert ranked["score"].round(9).is_monotonic_decreasing


@pytest.mark.parametrize("ratings,weights,kwargs,message", [
    ([{"tool": "A", "scale": 6}], None, {}, "tool 'A', column 'scale': rating 6 is outside 0–5"),
    ([{"tool": "A", "scale": -0.5}], None, {}, "rating -0.5 is outside 0–5"),
    ([{"tool": "A", "scale": "good"}], None, {}, "rating 'good' is not a number"),
    ([{"tool": "A", "scale": None}], None, {}, "tool 'A', column 'scale': rating missing"),
    ([{"tool": "A", "scale": 3}], {"sclae": 1}, {}, "unknown question id 'sclae'"),
    ([{"tool": "A", "scale": 3}], {"reversibility": 1}, {}, "'reversibility' is a watch point"),
    ([{"tool": "A", "scale": 3}], {"scale": -1}, {}, "weight of 'scale' must be a finite number ≥ 0, not -1"),
    ([{"tool": "A", "scale": 3}], {"scale": float("nan")}, {}, "weight of 'scale'"),
    ([{"tool": "A", "scale": 3}], {"scale": 0}, {}, "no question is both rated and weighted"),
    ([{"name": "A", "scale": 3}], None, {}, "ratings need a 'tool' column"),
    ([{"tool": "A", "scale": 3}, {"tool": "A", "scale": 2}], None, {}, "duplicated: 'A'"),
    ([{"tool": "A", "scale": 3, "category": "blogs"}], None, {}, "tool 'A': unknown category 'blogs'"),
    ([{"tool": "A", "scale": 3}], None, {"objective": "blogs"}, "objective must be a category id"),
    ([{"tool": "A", "scale": 3, "reversibility": "maybe"}], None, {}, "watch point 'reversibility': 'maybe'"),
    ([], None, {}, "ratings need a 'tool' column"),
    ("A", None, {}, "ratings must be a DataFrame or a list of dicts"),
])
def test_bad_inputs_raise_clear_errors(ratings, weights, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cs.select_tools(ratings, weights, **kwargs)
