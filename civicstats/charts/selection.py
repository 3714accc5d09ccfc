"""Chart of the selection aid's ranking (an illustration: the tools and ratings are the caller's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicstats.charts.common import order_of, require
from civicstats.charts.stamp import record
from civicstats.charts.style import GREY, OKABE_ITO, PALETTE, TEXT_GREY, house_style, new_figure, tick_formatter
from civicstats.format import NBSP, check_lang, format_number, is_missing
from civicstats.labels import explain_selection, labels_of, text

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["selection_scores"]


def selection_scores(ranked: pd.DataFrame, lang: str = "en", *, criteria: pd.DataFrame | None = None,
                     note: str | None = None) -> Figure:
    """Each candidate tool's score from :func:`civicstats.select_tools`, split by question.

    Stacked bars, best first, one segment per question's contribution; tools failing a watch point are greyed and
    say why. The ratings are the caller's, so the chart cites no source: its bottom line is ``note`` (by default,
    "Illustration: hypothetical tools..."). ``criteria`` (``selection_criteria``) labels and orders the questions.
    """
    import pandas as pd

    check_lang(lang)
    if not isinstance(ranked, pd.DataFrame):
        raise ValueError("selection_scores draws the frame civicstats.select_tools returns")
    require(ranked, ("tool", "score", "eligible", "fails", "not_assessed"), "selection_scores")
    ranked = explain_selection(ranked, lang, criteria=criteria)
    if "rank" in ranked.columns:
        ranked = ranked.sort_values("rank", kind="stable")
    questions = [c[len("contrib_"):] for c in ranked.columns if c.startswith("contrib_")]
    order, criterion_names = order_of(criteria), labels_of(criteria, lang)
    colors = {q: PALETTE[order.get(q, i) % len(PALETTE)] for i, q in enumerate(questions)}
    greys = ["#B8B8B8", "#D6D6D6"]
    recs = [r._asdict() for r in ranked.itertuples(index=False)]
    from matplotlib.patches import Patch

    with house_style():
        fig, ax = new_figure(8, 1.0 + 0.55 * len(recs))
        for i, row in enumerate(recs):
            eligible = bool(row["eligible"])
            differs = "matches_objective" in row and not is_missing(row["matches_objective"]) \
                and not bool(row["matches_objective"])
            left = 0.0
            y = i - 0.1  # each row: the bar, and under it a caption when there is something to say
            for k, q in enumerate(questions):
                value = float(row[f"contrib_{q}"])
                bars = ax.barh([y], [value], left=left, height=0.55, linewidth=0.8, edgecolor="white",
                               color=colors[q] if eligible else greys[k % 2])
                bars.patches[0].set_gid(f"contrib:{row['tool']}:{q}")
                left += value
            ax.annotate(format_number(row["score"], lang, 1), (left, y), xytext=(4, 0), textcoords="offset points",
                        va="center", ha="left", fontsize=9.5, fontweight="bold", color="#222222" if eligible else GREY)
            caption = []
            if not eligible:
                caption.append(text("excluded", lang, reasons=str(row["excluded_because"]).lower()))
            if differs:
                caption.append(text("differs", lang))
            if caption:
                ax.text(0, i + 0.33, "; ".join(caption) if lang == "en" else (NBSP + "; ").join(caption),
                        va="center", ha="left", fontsize=8.5, fontstyle="italic",
                        color=OKABE_ITO["vermillion"] if not eligible else TEXT_GREY)
        names = [f"{r['rank']}. {r['tool']}" if "rank" in r else str(r["tool"]) for r in recs]
        ax.set_yticks([i - 0.1 for i in range(len(recs))], names)
        for tick, row in zip(ax.get_yticklabels(), recs, strict=True):
            if not bool(row["eligible"]):
                tick.set_color(GREY)
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(len(recs) - 0.45, -0.55)
        ax.set_xlim(0, 5.45)  # room for the score after a bar of 5
        ax.spines["bottom"].set_bounds(0, 5)
        ax.set_xticks(range(6))
        ax.xaxis.set_major_formatter(tick_formatter(lang))
        ax.grid(axis="x")
        ax.spines["left"].set_visible(False)
        handles = [Patch(color=colors[q], label=criterion_names.get(q, q)) for q in questions]
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=min(len(handles), 5),
                  fontsize=9, handlelength=1.2, columnspacing=1.0, borderaxespad=0.2)
    return record(fig, title=text("selection_title", lang), units=text("selection_units", lang),
                   sources=[], lang=lang, source_text=note if note is not None else text("illustration", lang))
