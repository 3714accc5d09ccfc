"""The source audit: where the published figures disagree with each other.

Every check compares figures that are all data (published totals live in the
``published_figures`` table, with their sources) and returns one row per
finding: ``check``, ``dataset``, ``expected`` (the published or reference
figure), ``observed`` (the computed or competing figure), ``sources``,
``message``, and ``consistent`` (False for a disagreement).

>>> findings = audit()
>>> sorted(set(findings["check"]))[:3]
['conflicting_figures', 'detail_vs_total', 'published_share']
>>> row = findings[findings["check"] == "survey_total"].iloc[0]
>>> int(row["expected"]), int(row["observed"])
(157, 156)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from civicstats.tables import Source, load

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ["check", "dataset", "as_of", "expected", "observed", "sources", "message", "consistent"]

#: Published figures that are the sum of levels of a table: measure → (table, levels).
PUBLISHED_SUMS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "civictech_users_total": ("civictech_adoption", None),
    "civictech_metropoles_and_large_cities": ("civictech_adoption", ("metropole", "ville_plus_100k")),
}
#: Parts that add up to a whole in open_data_adopters: whole → parts.
OPEN_DATA_PARTS: dict[str, tuple[str, ...]] = {
    # EPT are not EPCI à fiscalité propre: counted in "all", not in "epci"
    "epci": ("metropole", "communaute_urbaine", "communaute_agglomeration", "communaute_communes"),
    "all": ("region", "departement", "epci", "commune", "etablissement_public_territorial"),
}
#: How far (percentage points) a published share may be from the computed one.
SHARE_TOLERANCE = {"": 0.05, "about": 1.0, "under": 0.0}

Finding = dict


def _sources(*cells: object) -> str:
    ids: list[str] = []
    for cell in cells:
        for i in str(cell).split(";"):
            if i and i != "<NA>" and i not in ids:
                ids.append(i)
    return ";".join(ids)


def survey_total(source: Source = None) -> Iterator[Finding]:
    """Published totals against the sum of the levels they cover."""
    published = load("published_figures", source)
    for measure, (dataset, levels) in PUBLISHED_SUMS.items():
        table = load(dataset, source)
        for rec in published[published["measure"] == measure].itertuples(index=False):
            rows = table[table["as_of"] == rec.as_of]
            if levels is not None:
                rows = rows[rows["level"].astype(str).isin(levels)]
            if rows.empty:
                continue
            total = int(rows["count"].sum())
            what = "all levels" if levels is None else " + ".join(levels)
            yield {
                "check": "survey_total" if levels is None else "published_sum",
                "dataset": dataset, "as_of": rec.as_of, "expected": int(rec.value), "observed": total,
                "sources": _sources(rec.source, *rows["source"]),
                "message": (f"{measure}: the source publishes {rec.value}, the rows ({what}) add up to {total}"
                            + ("" if total == rec.value else f", a gap of {int(rec.value) - total:+d} that no source explains")),
                "consistent": total == rec.value,
            }


def detail_vs_total(source: Source = None) -> Iterator[Finding]:
    """Open-data detail (EPCI sub-types, levels) against the published whole."""
    table = load("open_data_adopters", source)
    table = table[table["count"].notna()]
    for as_of, wave in table.groupby("as_of", sort=True):
        by_level = wave.assign(level=wave["level"].astype(str))
        for whole, parts in OPEN_DATA_PARTS.items():
            whole_rows = by_level[by_level["level"] == whole]
            part_rows = by_level[by_level["level"].isin(parts)]
            present = set(part_rows["level"])
            # compare only when the detail is complete enough to be meant as one
            needed = set(parts) - {"etablissement_public_territorial"}
            if whole_rows.empty or not needed <= present:
                continue
            total = int(part_rows["count"].sum())
            for rec in whole_rows.itertuples(index=False):
                yield {
                    "check": "detail_vs_total", "dataset": "open_data_adopters", "as_of": as_of,
                    "expected": int(rec.count), "observed": total,
                    "sources": _sources(rec.source, *part_rows["source"]),
                    "message": f"{as_of}: {whole} published as {rec.count}; its detail ({', '.join(sorted(present))}) adds up to {total}",
                    "consistent": total == rec.count,
                }


def conflicting_figures(source: Source = None) -> Iterator[Finding]:
    """Different figures published for the same thing at the same date."""
    groups: list[tuple[str, pd.DataFrame, list[str], str, str]] = [
        ("participatory_budgets", load("participatory_budgets", source), ["year"], "count", "unit"),
        ("published_figures", load("published_figures", source), ["measure", "as_of"], "value", "bound"),
    ]
    law = load("open_data_adopters", source)
    law = law[law["concerned"].notna()].assign(year=law["as_of"].str[:4], what="concerned by the law")
    groups.append(("open_data_adopters", law, ["year", "what"], "concerned", "concerned_bound"))
    for dataset, table, keys, value, qualifier in groups:
        for key, rows in table.groupby(keys, sort=True):
            values = rows.drop_duplicates(value)
            if len(values) < 2:
                continue
            key = key if isinstance(key, tuple) else (key,)
            recs = list(values.itertuples(index=False))
            first = recs[0]
            for other in recs[1:]:
                def show(r):
                    q = getattr(r, qualifier)
                    prefix = {"more_than": "more than ", "about": "about ", "under": "under "}.get(str(q), "")
                    return f"{prefix}{getattr(r, value)} ({r.source})"
                yield {
                    "check": "conflicting_figures", "dataset": dataset,
                    "as_of": str(key[1] if dataset == "published_figures" else key[0]),
                    "expected": int(getattr(first, value)), "observed": int(getattr(other, value)),
                    "sources": _sources(first.source, other.source),
                    "message": f"{' '.join(str(k) for k in key)}: {show(first)} against {show(other)}",
                    "consistent": False,
                }


def published_share(source: Source = None) -> Iterator[Finding]:
    """Published shares against count ÷ collectivities concerned by the law."""
    table = load("open_data_adopters", source)
    rows = table[table["count"].notna() & table["share_pct"].notna() & table["concerned"].notna()]
    for rec in rows.itertuples(index=False):
        computed = 100 * rec.count / rec.concerned
        bound = "" if rec.share_bound is None or str(rec.share_bound) == "nan" else str(rec.share_bound)
        if bound == "under":
            ok = computed < rec.share_pct
        else:
            ok = abs(computed - rec.share_pct) <= SHARE_TOLERANCE.get(bound, 0.05)
        qual = {"about": "about ", "under": "under "}.get(bound, "")
        yield {
            "check": "published_share", "dataset": "open_data_adopters", "as_of": rec.as_of,
            "expected": float(rec.share_pct), "observed": round(computed, 1), "sources": _sources(rec.source),
            "message": (f"{rec.as_of}: published share {qual}{rec.share_pct:g} %; {rec.count} ÷ {rec.concerned} = {computed:.1f} %"
                        + ("" if ok else " does not match it")),
            "consistent": bool(ok),
        }


def survey_universe_vs_official(source: Source = None) -> Iterator[Finding]:
    """The survey's own denominators against the official counts of 2018."""
    from civicstats.analysis.rates import adoption_rates

    survey = adoption_rates("civictech_adoption", "survey", source=source)
    official = adoption_rates("civictech_adoption", "official", source=source)
    merged = survey.merge(official, on=["as_of", "level"], suffixes=("_survey", "_official"))
    merged = merged[merged["universe_survey"].notna() & merged["universe_official"].notna()]
    for rec in merged.itertuples(index=False):
        note = f" ({rec.universe_note_official})" if isinstance(rec.universe_note_official, str) else ""
        yield {
            "check": "survey_universe_vs_official", "dataset": "civictech_adoption", "as_of": rec.as_of,
            "expected": int(rec.universe_official), "observed": int(rec.universe_survey),
            "sources": _sources(rec.source_survey, rec.universe_source_official),
            "message": (f"{rec.level}: the survey divides by {rec.universe_survey}, the official count of "
                        f"{rec.universe_as_of_official} is {rec.universe_official}{note}"),
            "consistent": rec.universe_survey == rec.universe_official,
        }


CHECKS: tuple[Callable[[Source], Iterator[Finding]], ...] = (
    survey_total, detail_vs_total, conflicting_figures, published_share, survey_universe_vs_official,
)
CHECKS += (__import__("civicstats.analysis.organisations", fromlist=["_"]).recomputed_headline,)  # orgs: headline vs its rows


def audit(source: Source = None, *, include_consistent: bool = False) -> pd.DataFrame:
    """Every consistency finding across the tables, as a DataFrame.

    ``source`` audits updated data (tables it lacks come from the shipped
    data). By default only disagreements are listed; ``include_consistent``
    adds the checks that passed.
    """
    import pandas as pd

    rows = [f for check in CHECKS for f in check(source)]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("expected", "observed"):  # counts stay whole numbers, shares keep their decimals
        frame[column] = pd.Series([int(v) if float(v).is_integer() else float(v) for v in frame[column]],
                                  index=frame.index, dtype="object")
    if not include_consistent:
        frame = frame[~frame["consistent"].astype(bool)]
    return frame.sort_values(["check", "dataset", "as_of"], kind="stable").reset_index(drop=True)
