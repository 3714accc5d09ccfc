"""The selection aid: rank candidate tools by the guide's five questions and three watch points.

The guide's questions (``selection_criteria`` of kind ``question``) are rated 0–5 per tool by the collectivity;
its watch points (kind ``watch_point``) are met or not. Ranking, best first: eligible (every watch point met; a
tool failing one is ranked after, never dropped), then of the ``objective`` category (a flag, not a filter), then
by score (equal to 9 decimals: a tie), then by name. The ranking holds codes and numbers;
:func:`civicstats.explain_selection` writes its sentences.

>>> ratings = [
...     {"tool": "Decidim", "objective": 5, "scale": 3,
...      "personal_data": True, "fair_platform": True, "reversibility": True},
...     {"tool": "Fluicity", "objective": 4, "scale": 4,
...      "personal_data": True, "fair_platform": True, "reversibility": False},
... ]
>>> ranked = select_tools(ratings, {"objective": 3, "scale": 1})
>>> ranked[["rank", "tool", "score", "eligible", "fails"]].to_dict("records")
[{'rank': 1, 'tool': 'Decidim', 'score': 4.5, 'eligible': True, 'fails': ''}, \
{'rank': 2, 'tool': 'Fluicity', 'score': 4.0, 'eligible': False, 'fails': 'reversibility'}]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from typing import TYPE_CHECKING, Any

from civicstats.schema import NO_TEXTS, YES_TEXTS
from civicstats.tables import Source, load

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RATING_MIN", "RATING_MAX", "TRUE_TEXTS", "FALSE_TEXTS", "select_tools"]

#: Ratings run from 0 (does not fit) to 5 (fits perfectly).
RATING_MIN, RATING_MAX = 0, 5
#: Text values accepted in a watch-point column (for ratings read from CSV files): the one yes/no vocabulary.
TRUE_TEXTS, FALSE_TEXTS = YES_TEXTS, NO_TEXTS


def _frame(ratings: Any) -> pd.DataFrame:
    import pandas as pd

    if isinstance(ratings, pd.DataFrame):
        frame = ratings.copy()
    elif isinstance(ratings, (list, tuple)) and all(isinstance(r, Mapping) for r in ratings):
        frame = pd.DataFrame(list(ratings))
    else:
        raise ValueError("ratings must be a DataFrame or a list of dicts, one per candidate tool")
    if "tool" not in frame.columns:
        raise ValueError("ratings need a 'tool' column naming each candidate tool; columns found: "
                         + (", ".join(map(str, frame.columns)) or "none"))
    if frame.empty:
        raise ValueError("ratings hold no tool")
    return frame.reset_index(drop=True)


def _check_tools(frame: pd.DataFrame) -> list[str]:
    tools = []
    for i, value in enumerate(frame["tool"]):
        if _missing(value) or not str(value).strip():
            raise ValueError(f"ratings row {i + 1}: the 'tool' column is empty")
        tools.append(str(value).strip())
    seen: set[str] = set()
    duplicates = sorted({t for t in tools if t in seen or seen.add(t)})
    if duplicates:
        raise ValueError(f"each tool must appear once in ratings; duplicated: {', '.join(map(repr, duplicates))}")
    return tools


def _missing(value: object) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _rating(tool: str, column: str, value: object) -> float:
    if _missing(value):
        raise ValueError(f"tool {tool!r}, column {column!r}: rating missing (rate every tool on every question "
                         "that has a weight, or give this one a weight of 0)")
    if isinstance(value, bool) or type(value).__name__ == "bool_" or not isinstance(value, (Real, str)):
        raise ValueError(f"tool {tool!r}, column {column!r}: rating {value!r} is not a number from 0 to 5")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"tool {tool!r}, column {column!r}: rating {value!r} is not a number from 0 to 5") from None
    if not RATING_MIN <= number <= RATING_MAX:
        raise ValueError(f"tool {tool!r}, column {column!r}: rating {value!r} is outside 0–5")
    return number


def _meets(tool: str, column: str, value: object) -> bool | None:
    """True/False, or None when the cell is empty (not assessed)."""
    if _missing(value):
        return None
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    if isinstance(value, Real) and float(value) in (0.0, 1.0):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE_TEXTS | FALSE_TEXTS:
        return value.strip().lower() in TRUE_TEXTS
    raise ValueError(f"tool {tool!r}, watch point {column!r}: {value!r} is not True or False")


def _weights(weights: Mapping[str, float] | None, questions: list[str], watch_points: list[str],
             rated: list[str], columns: list[str]) -> dict[str, float]:
    if weights is None:
        used = {q: 1.0 for q in rated}
    else:
        if not isinstance(weights, Mapping):
            raise ValueError("weights must be a dict: question id → non-negative weight")
        used = {}
        for key, value in weights.items():
            if key not in questions:
                hint = (f"; {key!r} is a watch point (pass or fail), not a weighted question" if key in watch_points
                        else "")
                raise ValueError(f"unknown question id {key!r} in weights; questions: {', '.join(questions)}{hint}")
            if isinstance(value, bool) or not isinstance(value, Real):
                raise ValueError(f"weight of {key!r} must be a number, not {value!r}")
            if math.isnan(float(value)) or math.isinf(float(value)) or float(value) < 0:
                raise ValueError(f"weight of {key!r} must be a finite number ≥ 0, not {value!r}")
            if key in rated and float(value) > 0:
                used[key] = float(value)
        used = {q: used[q] for q in questions if q in used}
    if not used:
        raise ValueError("no question is both rated and weighted above 0; question columns found: "
                         + (", ".join(rated) or "none") + f" (question ids: {', '.join(questions)}; "
                         + f"columns of ratings: {', '.join(columns)})")
    return used


def select_tools(ratings: Any, weights: Mapping[str, float] | None = None, *, objective: str | None = None,
                 source: Source = None) -> pd.DataFrame:
    """Rank candidate tools by the guide's questions, excluding those that fail a watch point.

    ``ratings`` is a DataFrame or a list of dicts, one row per candidate tool:
    ``tool``; optionally ``category`` (an id of ``civictech_categories``);
    one column per question id (``objective``, ``target_public``, ``scale``,
    ``duration``, ``means``) with a rating from 0 to 5 of how well the tool
    fits the collectivity's answer; one column per watch point id
    (``personal_data``, ``fair_platform``, ``reversibility``) with True when
    the tool meets it. An empty watch-point cell counts as not met ("not
    assessed"); a watch-point column left out is not checked
    (``attrs["unchecked"]``). Other columns are ignored. The questions,
    watch points and categories are those of ``source`` (as ``cs.load``).

    ``weights`` maps question ids to non-negative weights (default: equal
    weights for every rated question). A question missing from ``weights``,
    weighted 0 or not rated is left out of the score.

    ``objective`` (a category id) lists the tools of that category first; it does not change scores.

    Returns one row per tool, best first: ``rank``, ``tool``, ``category``,
    ``score`` (weighted mean rating, 0–5), ``contrib_<question>`` for each
    question used (weight share × rating; they add up to ``score``),
    ``eligible``, ``matches_objective`` (missing without an objective),
    ``fails`` and ``not_assessed`` (ids of the watch points failed, and left
    empty, joined by ";"). ``attrs`` holds ``weights`` (the weight shares
    used), ``objective`` and ``unchecked``.

    Raises ``ValueError`` naming the tool, column and value for ratings outside
    0–5 or missing, unknown question ids or negative weights, a missing
    ``tool`` column, duplicated tools, unknown categories or objective.
    """
    import pandas as pd

    criteria = load("selection_criteria", source).sort_values(["kind", "order"], kind="stable")
    kind = criteria["kind"].astype(str)
    questions = [str(i) for i in criteria.loc[kind == "question", "id"]]
    watch_points = [str(i) for i in criteria.loc[kind == "watch_point", "id"]]
    categories = [str(c) for c in load("civictech_categories", source)["category"]]
    frame = _frame(ratings)
    tools = _check_tools(frame)
    if objective is not None and objective not in categories:
        raise ValueError(f"objective must be a category id ({', '.join(categories)}), not {objective!r}")

    rated = [q for q in questions if q in frame.columns]
    used = _weights(weights, questions, watch_points, rated, [str(c) for c in frame.columns])
    # every rating given is checked; a missing one matters only for a question that counts
    ratings_of = {q: [None if _missing(v) and q not in used else _rating(t, q, v)
                      for t, v in zip(tools, frame[q], strict=True)]
                  for q in rated}
    total = sum(used.values())
    shares = {q: w / total for q, w in used.items()}
    checked = [w for w in watch_points if w in frame.columns]
    unchecked = [w for w in watch_points if w not in frame.columns]
    meets = {w: [_meets(t, w, v) for t, v in zip(tools, frame[w], strict=True)] for w in checked}

    if "category" in frame.columns:
        cats = []
        for tool, value in zip(tools, frame["category"], strict=True):
            if _missing(value) or not str(value).strip():
                cats.append(None)
            elif str(value) not in categories:
                raise ValueError(f"tool {tool!r}: unknown category {value!r}; categories: {', '.join(categories)}")
            else:
                cats.append(str(value))
    else:
        cats = [None] * len(tools)

    rows = []
    for i, tool in enumerate(tools):
        contribs = {q: shares[q] * ratings_of[q][i] for q in used}
        failed = [w for w in checked if meets[w][i] is False]
        unassessed = [w for w in checked if meets[w][i] is None]
        rows.append({"tool": tool, "category": cats[i], "score": sum(contribs.values()),
                     **{f"contrib_{q}": c for q, c in contribs.items()},
                     "eligible": not failed and not unassessed,
                     "matches_objective": None if objective is None else cats[i] == objective,
                     "fails": ";".join(failed), "not_assessed": ";".join(unassessed)})

    def key(row: dict) -> tuple:
        return (not row["eligible"], row["matches_objective"] is False, -round(row["score"], 9),
                row["tool"].casefold(), row["tool"])

    rows.sort(key=key)
    out = pd.DataFrame(rows)
    out.insert(0, "rank", range(1, len(out) + 1))
    out["category"] = out["category"].astype("string")
    out["matches_objective"] = out["matches_objective"].astype("boolean")
    out["eligible"] = out["eligible"].astype(bool)
    out.attrs.update(weights=shares, objective=objective, unchecked=unchecked)
    return out
