"""Adoption rates: counts divided by a universe the caller names, of the same scope.

A share only means something with its denominator, and the sources offer
three (the ``denominator`` codes):

- ``official``: official counts of collectivities (``collectivity_universe``)
  of the *same scope* as the count: ``levels.official_level`` names, for each
  level, the universe level with the same kind, population band, métropoles
  and territory (``levels`` states each level's scope). Where none exists
  there is no share, never a share of another scope;
- ``survey``: the survey's own denominators (``universe`` of
  ``civictech_adoption``, from older data, its sources in ``universe_source``);
- ``law``: the collectivities concerned by the open-data law (``concerned`` of
  ``open_data_adopters``), a count of every level: only the rows of
  :data:`LAW_LEVELS` (the whole, the collectivities of 3,500+ inhabitants) get a share.

Every row names its denominator, the universe's level, date, sources and qualifier; a row without a share says
why in ``no_share`` (:data:`NO_SHARE`). Shares a source published stay beside the computed ones
(``published_share_*``; ``published_share_measure`` names what one measures when it is not count ÷ concerned).

>>> r = adoption_rates("civictech_adoption", denominator="official")
>>> r.loc[r["level"] == "region", ["count", "universe", "universe_as_of", "share_pct"]].round(1).to_dict("records")
[{'count': 9, 'universe': 18, 'universe_as_of': '2018-01-01', 'share_pct': 50.0}]
>>> r.loc[r["level"] == "commune_moins_5k", ["universe", "universe_as_of", "universe_source"]].to_dict("records")
[{'universe': 32797, 'universe_as_of': '2019-01-01', 'universe_source': 'DA19'}]
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from civicstats.analysis import cited
from civicstats.analysis.waves import waves
from civicstats.tables import Source, load

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Denominator", "DENOMINATORS", "NO_SHARE", "SHARE_QUALIFIER", "COLUMNS", "TABLES",
           "LAW_LEVELS", "check_as_of", "qualifier", "share_qualifier", "adoption_rates"]

Denominator = Literal["official", "survey", "law"]
#: The denominator codes (labels: ``den_<code>`` in ``civicstats.labels``).
DENOMINATORS = ("official", "survey", "law")
#: Why a row has no share (labels: ``no_share_<code>``).
NO_SHARE = (
    "no_count",                # the source publishes a share, not a count
    "respondents",             # the count is among respondents to a survey, not among all collectivities
    "no_same_scope_universe",  # no official count of the level's scope
    "no_survey_universe",      # the survey gives no denominator for this level
    "not_all_levels",          # the law's "concerned" counts every level: only LAW_LEVELS have a share
    "no_concerned",            # no number concerned by the law for this date
    "mixed_qualifiers",        # e.g. "more than" a count over "about" a universe: no range for the share
)
#: A qualified denominator turns into a qualified share: count ÷ "more than X" is "less than" the quotient.
SHARE_QUALIFIER = {"exact": "exact", "about": "about", "more_than": "less_than", "at_least": "at_most",
                   "less_than": "more_than", "at_most": "at_least"}
#: Levels whose count the law's "concerned" divides: the whole, or the collectivities of 3,500+ inhabitants.
LAW_LEVELS = ("all", "all_3500_plus")
COLUMNS = ["as_of", "level", "measure", "count", "count_qualifier", "universe", "universe_qualifier", "share_pct",
           "share_qualifier", "denominator", "universe_level", "universe_as_of", "universe_source", "universe_note",
           "no_share", "published_share_pct", "published_share_qualifier", "published_share_measure", "source"]
TABLES = ("civictech_adoption", "open_data_adopters")
_AS_OF = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def _date_key(as_of: str) -> str:
    """An ISO partial date padded to its period's end, so that string order is date order."""
    return (str(as_of) + "-12-31")[:10] if len(str(as_of)) == 4 else (str(as_of) + "-31")[:10]


def check_as_of(as_of: object) -> str:
    """``as_of`` as the text a table holds: a year (int or text), year-month or date.

    >>> check_as_of(2018), check_as_of("2018-03")
    ('2018', '2018-03')
    >>> check_as_of(18.5)
    Traceback (most recent call last):
    ValueError: as_of must be a year (2018 or "2018"), a year-month ("2018-03") or a date ("2018-10-01"), not 18.5
    """
    if isinstance(as_of, int) and not isinstance(as_of, bool):
        as_of = str(as_of)
    if not isinstance(as_of, str) or not _AS_OF.match(as_of.strip()):
        raise ValueError('as_of must be a year (2018 or "2018"), a year-month ("2018-03") or a date '
                         f'("2018-10-01"), not {as_of!r}')
    return as_of.strip()


def qualifier(value: object) -> str:
    """A qualifier cell as a code: empty is ``exact``."""
    import pandas as pd

    return "exact" if _cell(value) is pd.NA else str(value)


def share_qualifier(count_q: str, universe_q: str) -> str | None:
    """The qualifier of count ÷ universe, from theirs; None when they allow no range together.

    >>> share_qualifier("about", "exact"), share_qualifier("exact", "more_than"), share_qualifier("about", "about")
    ('about', 'less_than', 'about')
    >>> share_qualifier("more_than", "about") is None
    True
    """
    from_universe = SHARE_QUALIFIER[universe_q]
    if count_q == "exact" or count_q == from_universe:
        return from_universe
    return count_q if from_universe == "exact" else None


def _cell(value: object) -> object:
    import pandas as pd

    return pd.NA if value is None or value is pd.NA or (isinstance(value, float) and value != value) \
        or str(value) == "" else value


def _pick_universe(universe: pd.DataFrame, level: str | None, as_of: str) -> object:
    """The official count of ``level`` dated last on or before ``as_of``, else the earliest after; or None."""
    if level is None:
        return None
    match = universe[universe["level"] == level]
    if match.empty:
        return None
    before = match[match["key"] <= _date_key(as_of)]
    return (before.sort_values("key").iloc[-1] if len(before) else match.sort_values("key").iloc[0])


def adoption_rates(
    table: str = "civictech_adoption",
    denominator: Denominator = "official",
    *,
    as_of: str | int | None = None,
    source: Source = None,
    counts: pd.DataFrame | None = None,
    universe: pd.DataFrame | None = None,
    levels: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Counts of ``table`` joined to a universe of the same scope, with the share of adopters.

    ``table`` is ``civictech_adoption`` or ``open_data_adopters``; its rows, ``universe`` (official counts) and
    ``levels`` (scopes) are taken as given or loaded from ``source``. ``as_of`` keeps one wave (an error naming
    those held if the table lacks it).

    ``denominator``: ``official`` (same-scope official count, the latest on
    or before the count's date, else the earliest after: ``universe_as_of``
    says which year), ``survey`` (the survey's own, ``civictech_adoption``
    only) or ``law`` (collectivities concerned by the open-data obligation,
    ``open_data_adopters`` only).

    Returns one row per row of the table, the columns of :data:`COLUMNS`. ``share_pct`` is a percentage (0–100),
    missing where ``no_share`` gives the reason.

    >>> r = adoption_rates("open_data_adopters", denominator="law", as_of="2019-10")
    >>> r.loc[r["level"] == "all", ["count", "universe", "share_pct", "published_share_pct"]].round(1).to_dict(
    ...     "records")
    [{'count': 460, 'universe': 4510, 'share_pct': 10.2, 'published_share_pct': 10.2}]
    >>> adoption_rates("participatory_budgets")
    Traceback (most recent call last):
    ValueError: adoption_rates works on civictech_adoption or open_data_adopters, not 'participatory_budgets'
    """
    import pandas as pd

    if table not in TABLES:
        raise ValueError(f"adoption_rates works on civictech_adoption or open_data_adopters, not {table!r}")
    if denominator not in DENOMINATORS:
        raise ValueError(f"denominator must be one of {', '.join(DENOMINATORS)}, not {denominator!r}")
    if denominator == "survey" and table != "civictech_adoption":
        raise ValueError("the survey's own denominators exist only for civictech_adoption")
    if denominator == "law" and table != "open_data_adopters":
        raise ValueError("the number of collectivities concerned by the law exists only for open_data_adopters")
    rows = load(table, source) if counts is None else counts
    inputs = [rows]
    if as_of is not None:
        wanted = check_as_of(as_of)
        held = waves(rows)
        if wanted not in held:
            raise ValueError(f"{table} has no rows as of {wanted!r}; its dates: {', '.join(held) or 'none'}")
        rows = rows[rows["as_of"].astype(str) == wanted]
    share_pct = rows["share_pct"] if "share_pct" in rows else pd.Series(pd.NA, index=rows.index)
    rows = rows[rows["count"].notna() | share_pct.notna()]

    if denominator == "official":
        scopes = load("levels", source) if levels is None else levels
        official = {str(k): (None if pd.isna(v) else str(v))
                    for k, v in zip(scopes["level"], scopes["official_level"], strict=True)}
        notes = {str(k): _cell(v) for k, v in zip(scopes["level"], scopes["note"], strict=True)}
        uni = load("collectivity_universe", source) if universe is None else universe
        inputs += [scopes, uni]
        uni = uni.assign(level=uni["level"].astype(str), key=uni["as_of"].astype(str).map(_date_key))

    out = []
    for rec in rows.to_dict("records"):
        level, when = str(rec["level"]), str(rec["as_of"])
        count = _cell(rec.get("count"))
        row = dict.fromkeys(COLUMNS, pd.NA) | {
            "as_of": when, "level": level, "measure": table, "count": count, "denominator": denominator,
            "count_qualifier": qualifier(rec.get("count_qualifier")), "share_pct": float("nan"),
            "published_share_pct": float("nan"), "published_share_measure": _cell(rec.get("share_measure")),
            "source": _cell(rec.get("source"))}
        if _cell(rec.get("share_pct")) is not pd.NA:
            row["published_share_pct"] = float(rec["share_pct"])
            row["published_share_qualifier"] = qualifier(rec.get("share_qualifier"))
        if denominator == "official":
            pick = _pick_universe(uni, official.get(level), when)
            row["universe_note"] = notes.get(level, pd.NA)
            if pick is not None:
                row.update(universe=int(pick["count"]), universe_qualifier="exact", universe_level=str(pick["level"]),
                           universe_as_of=str(pick["as_of"]), universe_source=_cell(pick["source"]))
            if _cell(rec.get("respondents")) is not pd.NA:
                row["no_share"] = "respondents"
            elif pick is None:
                row["no_share"] = "no_same_scope_universe"
        elif denominator == "survey":
            if _cell(rec.get("universe")) is not pd.NA:
                row.update(universe=int(rec["universe"]), universe_qualifier="exact", universe_level=level,
                           universe_source=_cell(rec.get("universe_source")) if _cell(rec.get("universe_source"))
                           is not pd.NA else row["source"])
            else:
                row["no_share"] = "no_survey_universe"
        else:  # law
            if _cell(rec.get("concerned")) is not pd.NA:
                row.update(universe=int(rec["concerned"]), universe_qualifier=qualifier(rec.get("concerned_qualifier")),
                           universe_level="all", universe_as_of=when,
                           universe_source=_cell(rec.get("concerned_source")) if _cell(rec.get("concerned_source"))
                           is not pd.NA else row["source"])
            if level not in LAW_LEVELS:
                row.update(universe=pd.NA, universe_qualifier=pd.NA, universe_level=pd.NA, universe_as_of=pd.NA,
                           universe_source=pd.NA, no_share="not_all_levels")
            elif row["universe"] is pd.NA:
                row["no_share"] = "no_concerned"
        if count is pd.NA:
            row["no_share"] = "no_count"
        share_q = None if row["universe"] is pd.NA else share_qualifier(row["count_qualifier"],
                                                                        str(row["universe_qualifier"]))
        if row["no_share"] is pd.NA and row["universe"] is not pd.NA and share_q is None:
            row["no_share"] = "mixed_qualifiers"
        if row["no_share"] is pd.NA and row["universe"] is not pd.NA:
            row["share_pct"] = 100 * int(count) / int(row["universe"])
            row["share_qualifier"] = share_q
        elif row["no_share"] is pd.NA:
            row["no_share"] = "no_same_scope_universe"
        out.append(row)

    numbers = {"count": "Int64", "universe": "Int64", "share_pct": "float64", "published_share_pct": "float64"}
    frame = pd.DataFrame(out, columns=COLUMNS).astype({c: numbers.get(c, "string") for c in COLUMNS})
    return cited(frame, *inputs)  # level and qualifier columns: their codes
