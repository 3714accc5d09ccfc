"""The source audit: where the published figures agree or disagree with each other.

Every check compares figures that are all data (published totals are in ``published_figures``) and returns one
row per finding (:data:`COLUMNS`), codes and numbers only (``civicstats.labels.finding_text`` writes the
sentence): ``expected`` (the published or reference figure) and ``observed`` (the computed or competing one),
each with its qualifier, interval (``*_low``, ``*_high``) and sources; ``tolerance``, the relative half-width of
an ``about`` figure; ``consistent`` when the intervals overlap ("more than 74" and 79 are), else ``gap``, their
signed distance relative to the expected figure; ``kind`` (:data:`KINDS`).

Figures of different scope are never compared: the survey's universes are
compared with official counts of the same scope (``levels.official_level``),
whatever their year (``expected_as_of`` gives the official count's date).

>>> findings = audit()
>>> sorted(set(findings["check"]))[:3]
['conflicting_figures', 'detail_remainder', 'detail_vs_total']
>>> row = findings[findings["check"] == "survey_total"].iloc[0]
>>> int(row["expected"]), int(row["observed"])
(157, 156)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from civicstats.analysis import cited
from civicstats.analysis.organisations import join_populations, law_universe, national_headline
from civicstats.analysis.rates import adoption_rates, qualifier, share_qualifier
from civicstats.naming import name_argument, resolve
from civicstats.tables import Source, load

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "KINDS", "PUBLISHED_SUMS", "OPEN_DATA_PARTS", "ABOUT_TOLERANCE", "Finding", "Interval", "interval",
           "overlap", "survey_total", "detail_vs_total", "conflicting_figures", "published_share",
           "survey_universe_vs_official", "recomputed_headline", "CHECKS", "audit"]

COLUMNS = ["check", "dataset", "as_of", "subject", "expected", "expected_qualifier", "expected_low",
           "expected_high", "expected_source", "observed", "observed_qualifier", "observed_low", "observed_high",
           "observed_source", "expected_as_of", "sources", "tolerance", "consistent", "gap", "kind"]
#: What a finding is (``kind``): two figures that agree; that disagree; one source's figure and its own later
#: revision; or figures of different dates (a change over time, not a disagreement).
KINDS = ("consistent", "disagreement", "revision", "different_dates")

#: Published figures that are the sum of levels of a table: measure → (table, levels).
PUBLISHED_SUMS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "civictech_users_total": ("civictech_adoption", None),
    "civictech_metropoles_and_large_cities": ("civictech_adoption", ("metropole", "ville_plus_100k")),
}
#: Parts that add up to a whole in open_data_adopters: whole → parts.
OPEN_DATA_PARTS: dict[str, tuple[str, ...]] = {
    # EPT are EPCI but not à fiscalité propre: counted in "all", not in "epci"
    "epci": ("metropole", "communaute_urbaine", "communaute_agglomeration", "communaute_communes"),
    "all": ("region", "departement", "epci", "commune", "etablissement_public_territorial"),
}
#: "About" a figure: within this fraction of it, either way (« environ 4 500 » → 4,275–4,725).
ABOUT_TOLERANCE = 0.05

Finding = dict
Interval = tuple[float, bool, float, bool]  # low, low open, high, high open


def interval(value: float, qual: str = "exact", *, rounded: bool = False) -> Interval:
    """The values a qualified figure allows.

    ``rounded`` reads an exact figure as the interval it rounds from (a share
    published as 6.5 is 6.45–6.55).

    >>> interval(74, "more_than")
    (74.0, True, inf, False)
    >>> interval(4500, "about")
    (4275.0, False, 4725.0, False)
    >>> interval(6.5, rounded=True)
    (6.45, False, 6.55, False)
    """
    v = float(value)
    if qual == "about":
        return (v * (1 - ABOUT_TOLERANCE), False, v * (1 + ABOUT_TOLERANCE), False)
    if qual == "more_than":
        return (v, True, math.inf, False)
    if qual == "at_least":
        return (v, False, math.inf, False)
    if qual == "less_than":
        return (-math.inf, False, v, True)
    if qual == "at_most":
        return (-math.inf, False, v, False)
    if qual != "exact":
        raise ValueError(f"unknown qualifier {qual!r}")
    if rounded:
        exponent = Decimal(repr(v)).normalize().as_tuple().exponent
        half = 0.5 * 10 ** min(0, int(exponent))
        return (round(v - half, 10), False, round(v + half, 10), False)
    return (v, False, v, False)


def overlap(a: Interval, b: Interval) -> bool:
    """True when two intervals share a value."""
    lo, lo_open = (a[0], a[1]) if a[0] > b[0] else (b[0], b[1]) if b[0] > a[0] else (a[0], a[1] or b[1])
    hi, hi_open = (a[2], a[3]) if a[2] < b[2] else (b[2], b[3]) if b[2] < a[2] else (a[2], a[3] or b[3])
    return lo < hi or (lo == hi and not lo_open and not hi_open)


def _gap(expected: Interval, observed: Interval, reference: float) -> float:
    if overlap(expected, observed):
        return 0.0
    distance = observed[0] - expected[2] if observed[0] >= expected[2] else observed[2] - expected[0]
    return distance / reference if reference else math.nan


def _sources(*cells: object) -> str:
    ids: list[str] = []
    for cell in cells:
        for i in str(cell).split(";"):
            if i and i not in ("<NA>", "nan") and i not in ids:
                ids.append(i)
    return ";".join(ids)


def _finding(check: str, dataset: str, as_of: object, subject: str, expected: float, expected_q: str,
             expected_source: object, observed: float, observed_q: str, observed_source: object, *,
             expected_iv: Interval | None = None, observed_iv: Interval | None = None,
             expected_as_of: object = None, kind: str = "disagreement") -> Finding:
    e = expected_iv or interval(expected, expected_q)
    o = observed_iv or interval(observed, observed_q)
    return {
        "check": check, "dataset": dataset, "as_of": str(as_of), "subject": subject,
        "expected": expected, "expected_qualifier": expected_q, "expected_low": e[0], "expected_high": e[2],
        "expected_source": _sources(expected_source),
        "observed": observed, "observed_qualifier": observed_q, "observed_low": o[0], "observed_high": o[2],
        "observed_source": _sources(observed_source),
        "expected_as_of": None if expected_as_of is None else str(expected_as_of),
        "sources": _sources(expected_source, observed_source),
        "tolerance": ABOUT_TOLERANCE if "about" in (expected_q, observed_q) else math.nan,
        "consistent": overlap(e, o), "gap": _gap(e, o, float(expected)),
        "kind": "consistent" if overlap(e, o) else kind,
    }


def _parts_sum(parts: pd.DataFrame, whole_source: object) -> tuple[float, float, str] | None:
    """The parts summed, level by level: (low, high, sources), or None without parts.

    For each level, the rows citing a source of the whole are used when there
    are any, else every row of the level. When a level still has several rows
    (sources), the sum is an interval (smallest to largest): a second source's
    row is never added to the first's, nor one of them picked silently.
    """
    if parts.empty:
        return None
    whole = set(str(whole_source).split(";"))
    low = high = 0.0
    ids = []
    for _, rows in parts.groupby(parts["level"].astype(str), sort=False):
        mine = rows[rows["source"].map(lambda c: bool(set(str(c).split(";")) & whole))]
        use = mine if len(mine) else rows
        low, high = low + float(use["count"].min()), high + float(use["count"].max())
        ids.extend(use["source"])
    return low, high, _sources(*ids)


def survey_total(source: Source = None) -> Iterator[Finding]:
    """Published totals against the sum of the levels they cover."""
    published = load("published_figures", source)
    for measure, (dataset, levels) in PUBLISHED_SUMS.items():
        table = load(dataset, source)
        for rec in published[published["measure"] == measure].itertuples(index=False):
            rows = table[table["as_of"].astype(str) == str(rec.as_of)]
            if levels is not None:
                rows = rows[rows["level"].astype(str).isin(levels)]
            summed = _parts_sum(rows, rec.source) if len(rows) else None
            if summed is None:
                continue
            low, high, ids = summed
            yield _finding("survey_total" if levels is None else "published_sum", dataset, rec.as_of, measure,
                           int(rec.value), qualifier(rec.value_qualifier), rec.source, int(low), "exact", ids,
                           observed_iv=(low, False, high, False))


def detail_vs_total(source: Source = None) -> Iterator[Finding]:
    """Open-data detail (EPCI sub-types, levels) against the published whole, source by source, in every wave.

    A complete detail is added up (``detail_vs_total``). A partial one (October 2018: communes and EPCI only)
    leaves at most the whole less its parts for the levels it omits (``detail_remainder``), compared with those
    levels' count in the latest earlier wave giving them all (a collectivity rarely closes its data).
    """
    table = load("open_data_adopters", source)
    table = table[table["count"].notna()]
    table = table.assign(as_of=table["as_of"].astype(str), level=table["level"].astype(str))
    table = table.assign(q=[qualifier(b) for b in table["count_qualifier"]])
    order = sorted(set(table["as_of"]))  # ISO dates: text order is date order
    for as_of in order:
        wave = table[table["as_of"] == as_of]
        for whole, parts in OPEN_DATA_PARTS.items():
            needed = set(parts) - {"etablissement_public_territorial"}
            part_rows = wave[wave["level"].isin(parts)]
            present = set(part_rows["level"])
            for rec in wave[wave["level"] == whole].itertuples(index=False):
                whole_iv = interval(rec.count, rec.q)
                if needed <= present:
                    low, high, part_ids = _parts_sum(part_rows, rec.source)
                    yield _finding("detail_vs_total", "open_data_adopters", as_of, whole, int(rec.count), rec.q,
                                   rec.source, int(low), "exact", part_ids, expected_iv=whole_iv,
                                   observed_iv=(low, False, high, False))
                    continue
                missing = needed - present
                earlier = [w for w in order[:order.index(as_of)]
                           if missing <= set(table.loc[table["as_of"] == w, "level"])]
                if not present or not earlier:
                    continue
                low, _, part_ids = _parts_sum(part_rows, rec.source)
                before = table[(table["as_of"] == earlier[-1]) & table["level"].isin(missing)]
                b_low, b_high, b_ids = _parts_sum(before, "")
                left = whole_iv[2] - low  # at most: the whole's highest value less the parts' lowest
                yield _finding("detail_remainder", "open_data_adopters", as_of, whole, int(b_low), "exact", b_ids,
                               int(left), "at_most", _sources(rec.source, part_ids),
                               expected_iv=(b_low, False, b_high, False), expected_as_of=earlier[-1])


def _kind(first: dict, other: dict) -> str:
    """A revision (the same sources on both sides), figures of different dates, or a disagreement."""
    if set(str(first["source"]).split(";")) == set(str(other["source"]).split(";")):
        return "revision"
    return "different_dates" if first["when"] != other["when"] else "disagreement"


def conflicting_figures(source: Source = None) -> Iterator[Finding]:
    """Figures published for the same thing in the same year (open-data counts: month), compared pairwise.

    Each figure keeps its own date (``when``): two dates make ``different_dates``, not a disagreement.
    """
    budgets = load("participatory_budgets", source)
    figures = load("published_figures", source)
    adopters = load("open_data_adopters", source)
    law = adopters[adopters["concerned"].notna()]
    counts = adopters[adopters["count"].notna()]
    groups = [
        ("participatory_budgets", budgets.assign(as_of=budgets["year"].astype(str), subject=budgets["unit"].astype(str),
                                                 value=budgets["count"], q="exact")),
        ("published_figures", figures.assign(subject=figures["measure"].astype(str), value=figures["value"],
                                             q=figures["value_qualifier"].map(qualifier))),
        ("open_data_adopters", law.assign(as_of=law["as_of"].astype(str).str[:4], subject="concerned",
                                          value=law["concerned"], q=law["concerned_qualifier"].map(qualifier),
                                          when=law["as_of"].astype(str),
                                          source=[c if isinstance(c, str) and c else s for c, s in
                                                  zip(law["concerned_source"].astype("object").fillna(""),
                                                      law["source"], strict=True)])),
        ("open_data_adopters", counts.assign(as_of=counts["as_of"].astype(str).str[:7], value=counts["count"],
                                             subject=counts["level"].astype(str), when=counts["as_of"].astype(str),
                                             q=[qualifier(b) for b in counts["count_qualifier"]])),
    ]
    for dataset, table in groups:
        table = table if "when" in table.columns else table.assign(when=table["as_of"].astype(str))
        for (subject, as_of), rows in table.groupby(["subject", "as_of"], sort=True):
            # one figure given by several sources is one figure, citing them all
            recs = [{**same.iloc[0].to_dict(), "source": _sources(*same["source"])}
                    for _, same in rows.groupby(["value", "q"], sort=False)]
            for i, first in enumerate(recs):
                for other in recs[i + 1:]:
                    yield _finding("conflicting_figures", dataset, as_of, subject, int(first["value"]), first["q"],
                                   first["source"], int(other["value"]), other["q"], other["source"],
                                   kind=_kind(first, other))


def published_share(source: Source = None) -> Iterator[Finding]:
    """Published shares against count ÷ collectivities concerned by the law (both as intervals, in %).

    A share that measures something else (``share_measure``: ODF22's rate of the collectivities concerned
    that meet the obligation) is not that quotient and is not compared with it.
    """
    table = load("open_data_adopters", source)
    rows = table[table["count"].notna() & table["share_pct"].notna() & table["concerned"].notna()]
    for rec in rows.to_dict("records"):
        if rec.get("share_measure") == "meeting_obligation":  # the source's own rate, not count ÷ concerned (ODF22)
            continue
        share_q, concerned_q = qualifier(rec["share_qualifier"]), qualifier(rec["concerned_qualifier"])
        count_q = qualifier(rec.get("count_qualifier"))
        low_n, _, high_n, _ = interval(rec["count"], count_q)
        low_c, _, high_c, _ = interval(rec["concerned"], concerned_q)
        observed_iv = (100 * low_n / high_c if high_c > 0 else math.inf, False,
                       100 * high_n / low_c if low_c > 0 else math.inf, False)
        concerned_source = rec.get("concerned_source")
        concerned_source = concerned_source if isinstance(concerned_source, str) and concerned_source \
            else rec["source"]
        yield _finding("published_share", "open_data_adopters", rec["as_of"], str(rec["level"]),
                       float(rec["share_pct"]), share_q, rec["source"],
                       round(100 * rec["count"] / rec["concerned"], 1), share_qualifier(count_q, concerned_q) or "about",
                       _sources(rec["source"], concerned_source),
                       expected_iv=interval(rec["share_pct"], share_q, rounded=share_q == "exact"),
                       observed_iv=observed_iv)


def survey_universe_vs_official(source: Source = None) -> Iterator[Finding]:
    """The survey's own denominators against official counts of the same scope (their year named).

    The survey's denominators come from older data (LOC): an older count, ``different_dates``, not a dispute.
    """
    survey = adoption_rates("civictech_adoption", "survey", source=source)
    official = adoption_rates("civictech_adoption", "official", source=source)
    merged = survey.merge(official, on=["as_of", "level", "source"], suffixes=("_survey", "_official"))
    merged = merged[merged["universe_survey"].notna() & merged["universe_official"].notna()]
    for rec in merged.itertuples(index=False):
        yield _finding("survey_universe_vs_official", "civictech_adoption", rec.as_of, rec.level,
                       int(rec.universe_official), "exact", rec.universe_source_official,
                       int(rec.universe_survey), "exact", rec.universe_source_survey,
                       expected_as_of=rec.universe_as_of_official, kind="different_dates")


def recomputed_headline(source: Source = None) -> Iterator[Finding]:
    """The 2022 edition's count, number concerned and share against its export's rows and the official data.

    The count against the export's local authorities (another date when the register dates them apart); the
    number concerned and the share against the official collectivities of 3,500+ inhabitants (an upper bound).
    """
    published = load("open_data_adopters", source)
    published = published[(published["level"].astype(str) == "all") & published["as_of"].str.startswith("2022")
                          & published["count"].notna()]
    organisations = load("open_data_organisations", source)
    populations = load("official_populations", source)
    joined = join_populations(organisations, populations)
    universe = law_universe(populations)
    local = int((organisations["level"].astype(str) != "associated_body").sum())
    ids = sorted({i for cell in organisations["source"].dropna() for i in str(cell).split(";")})
    register = load("sources", source)
    dates = {str(d) for i, d in zip(register["id"], register["date"], strict=True) if i in ids and isinstance(d, str)}
    headline = national_headline(joined, universe).set_index("kind").loc["all"]
    export = ";".join(ids)
    for rec in published.itertuples(index=False):
        # the count: the local authorities the observatory publishes against those its export lists
        yield _finding("recomputed_headline", "open_data_organisations", rec.as_of, "all",
                       int(rec.count), "exact", rec.source, local, "exact", export,
                       kind="different_dates" if dates and dates != {str(rec.as_of)} else "disagreement")
        if str(rec.concerned) not in ("<NA>", "nan", "None"):  # the number concerned against the upper bound
            yield _finding("recomputed_concerned", "official_populations", rec.as_of, "all", int(rec.concerned),
                           qualifier(rec.concerned_qualifier), _sources(rec.concerned_source) or rec.source,
                           len(universe), "at_most", "DA22")
        if rec.share_pct == rec.share_pct and rec.share_pct is not None:
            # the share: recomputed against the official universe of 3,500+ inhabitants, an upper bound
            # of those concerned (the 50-agent criterion is in no public file), so the share is a lower bound
            yield _finding("recomputed_share", "open_data_organisations", rec.as_of, "all",
                           float(rec.share_pct), qualifier(rec.share_qualifier), rec.source,
                           float(headline["share_pct"]), "at_least", f"{export};DA22")


#: Each check, by name, with the tables it reads (what its findings cite).
CHECKS: dict[str, tuple[Callable[[Source], Iterator[Finding]], tuple[str, ...]]] = {
    "survey_total": (survey_total, ("published_figures", "civictech_adoption")),
    "detail_vs_total": (detail_vs_total, ("open_data_adopters",)),
    "conflicting_figures": (conflicting_figures, ("participatory_budgets", "published_figures", "open_data_adopters")),
    "published_share": (published_share, ("open_data_adopters",)),
    "survey_universe_vs_official": (survey_universe_vs_official,
                                    ("civictech_adoption", "levels", "collectivity_universe")),
    "recomputed_headline": (recomputed_headline,
                            ("open_data_adopters", "open_data_organisations", "official_populations", "sources")),
}


def audit(source: Source = None, *, include_consistent: bool = False,
          checks: Iterable[str] | None = None) -> pd.DataFrame:
    """Every consistency finding across the tables, as a DataFrame of codes and numbers.

    ``source`` audits updated data. By default only disagreements are
    listed; ``include_consistent`` adds the checks that passed. ``checks``
    runs only the checks named (the keys of :data:`CHECKS`; all by default). A check's
    findings may carry other names in ``check`` (``survey_total`` also finds
    ``published_sum``, ``detail_vs_total`` ``detail_remainder``,
    ``recomputed_headline`` ``recomputed_concerned`` and ``recomputed_share``).
    ``civicstats.labels.finding_text(row, lang)`` writes a finding as a sentence.

    >>> sorted(set(audit(checks=["Survey_total"], include_consistent=True)["check"]))
    ['published_sum', 'survey_total']
    """
    import pandas as pd

    if isinstance(checks, str):
        checks = [checks]
    names = list(CHECKS) if checks is None else [
        resolve(name_argument(c, "a check's name", "survey_total"), list(CHECKS), "check") for c in checks]
    rows = [f for name in names for f in CHECKS[name][0](source)]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("expected", "observed"):  # counts stay whole numbers, shares keep their decimals
        frame[column] = pd.Series([int(v) if float(v).is_integer() else float(v) for v in frame[column]],
                                  index=frame.index, dtype="object")
    frame["consistent"] = frame["consistent"].astype(bool)
    frame["kind"] = pd.Categorical(frame["kind"], categories=KINDS)
    if not include_consistent:
        frame = frame[~frame["consistent"]]
    frame = frame.sort_values(["check", "dataset", "as_of", "subject"], kind="stable").reset_index(drop=True)
    read = dict.fromkeys(table for name in names for table in CHECKS[name][1])
    return cited(frame, *(load(table, source) for table in read))
