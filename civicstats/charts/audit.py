"""Chart of the source audit's findings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from civicstats.charts.common import frame_of, require, source_ids
from civicstats.charts.stamp import record
from civicstats.charts.style import GREY, LIGHT_GREY, OKABE_ITO, house_style, new_figure, tick_formatter
from civicstats.format import check_lang, format_as_of, format_percent, is_missing
from civicstats.labels import format_qualified, ids_text, subject_label, text

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["audit_findings"]


def _finding_label(rec: Any, lang: str, levels: pd.DataFrame | None) -> str:
    """A finding's short label, from its codes (check, dataset, subject, as_of)."""
    check, dataset, subject = str(rec.check), str(rec.dataset), str(rec.subject)
    as_of = format_as_of(str(rec.as_of), lang)
    what = subject_label(subject, lang, levels)
    if check == "conflicting_figures":
        if dataset == "participatory_budgets":
            return text("f_conflict_budgets", lang, as_of=as_of)
        if dataset == "open_data_adopters":
            return text("f_conflict_law" if subject == "concerned" else "f_conflict_counts", lang, as_of=as_of,
                        level=what)
    official = getattr(rec, "expected_as_of", None)  # the words take what they need
    return text(f"f_{check}", lang, level=what, measure=what, as_of=as_of,
                expected_as_of=str(official)[:4] if isinstance(official, str) else "–")


def audit_findings(findings: pd.DataFrame, lang: str = "en", *, levels: pd.DataFrame | None = None,
                   register: pd.DataFrame | None = None) -> Figure:
    """Each finding of :func:`civicstats.audit`: how far the observed figure is from the expected one.

    The figures range from 6.5 (a share) to 34,672 (communes), so each is drawn on a relative scale: its ``gap``
    (0 when the two figures' ranges meet), the qualified values and sources written under its label. ``levels``
    labels the findings about a level; ``register``: see :func:`civicstats.charts.source_line`.
    """
    check_lang(lang)
    findings = frame_of(findings, "audit")
    require(findings, ("check", "dataset", "as_of", "subject", "expected", "expected_qualifier", "observed",
                        "observed_qualifier", "sources", "gap"), "audit_findings")
    recs = list(findings.itertuples(index=False))
    if not recs:
        raise ValueError("no findings to draw")
    with house_style():
        fig, ax = new_figure(8, 0.7 + 0.56 * len(recs))
        rels = []
        ticks = []
        for i, rec in enumerate(recs):
            consistent, kind = getattr(rec, "consistent", False), str(getattr(rec, "kind", "disagreement"))
            colour = OKABE_ITO["blue"] if not is_missing(consistent) and bool(consistent) else \
                GREY if kind in ("revision", "different_dates") else OKABE_ITO["vermillion"]
            share = str(rec.check) in ("published_share", "recomputed_share")  # these two figures are percentages
            expected, observed = ((format_qualified(float(v) / 100 if share else float(v), q, lang, percent=share))
                                  for v, q in ((rec.expected, rec.expected_qualifier),
                                               (rec.observed, rec.observed_qualifier)))
            ticks.append(f"{_finding_label(rec, lang, levels)}\n{expected} → {observed}  ({ids_text(rec.sources)})")
            if is_missing(rec.gap):
                continue
            rel = 100 * float(rec.gap)
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
        ax.xaxis.set_major_formatter(tick_formatter(lang, percent=True, sign=True))
        ax.grid(axis="x")
        ax.spines["left"].set_visible(False)
        ax.set_xlabel(text("audit_xlabel", lang))
    return record(fig, title=text("audit_title", lang), units=text("audit_units", lang),
                   sources=source_ids(findings["sources"]), lang=lang, register=register)
