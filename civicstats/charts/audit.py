"""Chart of the source audit's findings."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from civicstats.format import _check_lang, format_as_of, format_number, format_percent
from civicstats.labels import TEXTS, _text, label

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

from civicstats.charts.common import _default, _ids, _ids_text, _is_missing, _require
from civicstats.charts.stamp import _record
from civicstats.charts.style import LIGHT_GREY, OKABE_ITO, _new_figure, _tick_formatter, house_style


def _finding_label(rec: Any, lang: str) -> str:
    check, dataset, message = str(rec.check), str(rec.dataset), str(rec.message)
    try:
        as_of = format_as_of(str(rec.as_of), lang)
    except ValueError:
        as_of = str(rec.as_of)

    def measure() -> str:
        key = message.split(":")[0].split(" ")[0]
        return TEXTS[lang].get(f"m_{key}", key.replace("_", " "))

    def level(pattern: str) -> str:
        found = re.search(pattern, message)
        code = found.group(1) if found else ""
        try:
            return label("levels", code, lang)
        except ValueError:
            return code or dataset

    if check == "survey_total":
        return _text("f_survey_total", lang, as_of=as_of)
    if check == "published_sum":
        return _text("f_published_sum", lang, measure=measure(), as_of=as_of)
    if check == "detail_vs_total":
        return _text("f_detail_vs_total", lang, level=level(r"^\S+: (\w+) published as"), as_of=as_of)
    if check == "conflicting_figures":
        if dataset == "participatory_budgets":
            return _text("f_conflict_budgets", lang, as_of=as_of)
        if dataset == "open_data_adopters":
            return _text("f_conflict_law", lang, as_of=as_of)
        return _text("f_conflict_figures", lang, measure=measure(), as_of=as_of)
    if check == "published_share":
        return _text("f_published_share", lang, as_of=as_of)
    if check == "survey_universe_vs_official":
        return _text("f_universe", lang, level=level(r"^(\w+):"))
    return message if len(message) <= 48 else message[:47] + "…"


def audit_findings(findings: pd.DataFrame | None = None, lang: str = "en") -> Figure:
    """Each finding of :func:`civicstats.audit`: observed against expected, in % difference.

    The figures range from 6.5 (a share) to 35,357 (communes), so each
    finding is drawn on a relative scale: a line from the expected figure (0 %)
    to the observed one. The values themselves and the sources are written on
    the right.
    """
    _check_lang(lang)
    if findings is None:
        from civicstats.analysis.audit import audit

        findings = audit()
    findings = _default(findings, "published_figures")
    _require(findings, ("check", "dataset", "as_of", "expected", "observed", "sources", "message"), "audit_findings")
    recs = list(findings.itertuples(index=False))
    if not recs:
        raise ValueError("no findings to draw")
    with house_style():
        fig, ax = _new_figure(8, 0.7 + 0.56 * len(recs))
        rels = []
        ticks = []
        for i, rec in enumerate(recs):
            expected, observed = float(rec.expected), float(rec.observed)
            consistent = getattr(rec, "consistent", False)
            colour = OKABE_ITO["blue"] if not _is_missing(consistent) and bool(consistent) else OKABE_ITO["vermillion"]
            if str(rec.check) == "published_share":  # these two figures are percentages
                def fmt(v):
                    return format_percent(v / 100, lang)
            else:
                def fmt(v):
                    return format_number(v, lang)
            ticks.append(f"{_finding_label(rec, lang)}\n{fmt(expected)} → {fmt(observed)}  ({_ids_text(rec.sources)})")
            if expected == 0:
                continue
            rel = 100 * (observed / expected - 1)
            rels.append(rel)
            ax.hlines(i, 0, rel, color=LIGHT_GREY, linewidth=2.5, zorder=1)
            ax.scatter([0], [i], s=34, facecolor="white", edgecolor="#333333", zorder=2)
            ax.scatter([rel], [i], s=40, color=colour, zorder=3, gid=f"finding:{i}")
            ax.annotate(format_percent(rel / 100, lang, 1 if abs(rel) < 10 else 0, sign=True), (max(rel, 0), i),
                        xytext=(7, 0), textcoords="offset points", va="center", ha="left", fontsize=9,
                        color=colour)
        ax.set_yticks(range(len(recs)), ticks, fontsize=9.5, linespacing=1.35)
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(len(recs) - 0.5, -0.5)
        low, high = min(rels + [0]), max(rels + [0])
        span = max(high - low, 10)
        ax.set_xlim(low - 0.08 * span, high + 0.22 * span)
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
        ax.axvline(0, color="#333333", linewidth=0.8, zorder=0)
        ax.xaxis.set_major_formatter(_tick_formatter(lang, percent=True, sign=True))
        ax.grid(axis="x")
        ax.spines["left"].set_visible(False)
        ax.set_xlabel(_text("audit_xlabel", lang))
    return _record(fig, title=_text("audit_title", lang), units=_text("audit_units", lang),
                   sources=_ids(findings["sources"]), lang=lang)
