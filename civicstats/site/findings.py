"""The finding each index card states: one or two sentences with their numbers and source ids, from the data.

One small function per notebook computes its sentence from the tables the
notebook reads (loaded from the build's data, so that an update changes
them), with the words of the catalog; the method notes stay in the notebooks.
A notebook without a function here keeps its first chart's sentence.

>>> sorted(FINDINGS)[:2]
['01-civic-tech-adoption', '02-open-data']
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from civicstats.format import format_as_of, format_number, format_percent
from civicstats.labels import format_qualified, ids_text, label, text
from civicstats.tables import load

__all__ = ["FINDINGS", "finding"]


def _ids(*cells: object) -> str:
    return ids_text(";".join(str(c) for c in cells if isinstance(c, str)))


def adoption(data: Path | None, lang: str, _table: Callable[[], Any]) -> str:
    from civicstats.analysis.rates import adoption_rates
    from civicstats.analysis.waves import waves

    adoption_ = load("civictech_adoption", data)
    levels = load("levels", data)
    wave = waves(adoption_)[-1]
    rows = adoption_[adoption_["as_of"] == wave]
    total = dict(wave=wave, total=format_number(rows["count"].sum(), lang), sources=_ids(*rows["source"]))
    rates = adoption_rates("civictech_adoption", denominator="official", source=data)
    ranked = rates[rates["as_of"] == wave].dropna(subset=["share_pct"]).sort_values("share_pct", ascending=False, kind="stable")
    if len(ranked) < 2:
        return text("find_adoption_total", lang, **total)

    def share(rec) -> str:
        return text("find_share", lang, count=format_number(rec["count"], lang),
                    universe=format_qualified(rec["universe"], rec["universe_qualifier"], lang),
                    level=label(levels, rec["level"], lang).lower(), sources=_ids(rec["universe_source"]),
                    share=format_qualified(rec["share_pct"] / 100, rec["share_qualifier"], lang, percent=True))

    return text("find_adoption", lang, **total, top=share(ranked.iloc[0]), bottom=share(ranked.iloc[-1]))


def open_data(data: Path | None, lang: str, _table: Callable[[], Any]) -> str:
    from civicstats.analysis.rates import adoption_rates

    law = adoption_rates("open_data_adopters", denominator="law", source=data)
    law = law[(law["level"] == "all") & law["count"].notna()]
    first, last = law.iloc[0], law.dropna(subset=["share_pct"]).iloc[-1]
    # the source's own rate where it gives one; else a share computed here, whose count is wider than the law's
    # scope (it holds collectivities under 3,500 inhabitants), said as such (issue 20, finding 3)
    own = last["published_share_pct"] == last["published_share_pct"]
    share, qualifier = (last["published_share_pct"], last["published_share_qualifier"]) if own else (
        last["share_pct"], last["share_qualifier"])
    rate = text("find_rate_published" if own else "find_rate_computed", lang,
                share=format_qualified(share / 100, qualifier, lang, percent=True),
                universe=format_qualified(last["universe"], last["universe_qualifier"], lang))
    sentence = text("find_open_data", lang, first=format_number(first["count"], lang),
                    first_date=format_as_of(first["as_of"], lang), first_sources=_ids(first["source"]),
                    last=format_number(last["count"], lang), last_date=format_as_of(last["as_of"], lang),
                    last_sources=_ids(last["source"], last["universe_source"]), rate=rate)
    return sentence + (text("find_most_silent", lang) if share < 50 else "")  # a percentage


def budgets(data: Path | None, lang: str, _table: Callable[[], Any]) -> str:
    ordered = load("participatory_budgets", data).sort_values(["year", "count"], kind="stable")
    first, last = ordered.iloc[0], ordered.iloc[-1]
    return text("find_budgets", lang, first=format_number(first["count"], lang),
                first_unit=text(f"unit_{first['unit']}", lang), first_year=first["year"],
                first_sources=_ids(first["source"]), last=format_number(last["count"], lang),
                last_unit=text(f"unit_{last['unit']}", lang), last_year=last["year"], last_sources=_ids(last["source"]))


def tools(data: Path | None, lang: str, _table: Callable[[], Any]) -> str:
    categories, tools_ = load("civictech_categories", data), load("civictech_tools", data)
    return text("find_tools", lang, categories=format_number(len(categories), lang),
                tools=format_number(len(tools_), lang), sources=_ids(*categories["source"], *tools_["source"]))


def audit(data: Path | None, lang: str, _table: Callable[[], Any]) -> str:
    from civicstats.analysis.audit import audit as audit_

    found = audit_(data)
    kinds = found["kind"].astype(str).value_counts()  # different dates and revisions are not disagreements
    return text("find_audit", lang, n=format_number(len(found), lang),
                kinds=format_number(found["check"].nunique(), lang),
                **{k: format_number(int(kinds.get(k, 0)), lang) for k in ("disagreement", "revision", "different_dates")},
                sources=_ids(*found["expected_source"], *found["observed_source"]))


def where(_data: Path | None, lang: str, table_: Callable[[], Any]) -> str:
    from civicstats.analysis.collectivities import unpublished

    table = table_()
    counts = unpublished(table, "kind")
    universe, listed = int(counts["concerned_upper_bound"].sum()), int(counts["listed"].sum())
    return text("find_where", lang, listed=format_number(listed, lang), universe=format_number(universe, lang),
                share=format_percent(listed / universe, lang, 1) if universe else "–",
                silent=format_number(universe - listed, lang), sources=_ids(*table["source"].dropna().unique()))


FINDINGS = {"01-civic-tech-adoption": adoption, "02-open-data": open_data, "03-participatory-budgets": budgets,
            "04-choosing-a-tool": tools, "05-source-audit": audit, "06-where-is-open-data": where}


def finding(name: str, data: Path | None, lang: str, table: Callable[[], Any] | None = None) -> str:
    """The finding of notebook ``name`` in ``lang`` from ``data`` (None: the shipped data); "" if it has none.

    ``table`` gives ``cs.collectivities(data)`` where a caller has it already.
    """
    from civicstats.analysis.collectivities import collectivities

    compute = FINDINGS.get(name)
    return compute(data, lang, table or (lambda: collectivities(data))) if compute else ""
