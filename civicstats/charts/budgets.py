"""Chart of participatory budgets per year, as counted by each source."""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicstats.charts.common import frame_of, require, source_ids
from civicstats.charts.stamp import record
from civicstats.charts.style import GREY, LABEL_BOX, LEADER, PALETTE, house_style, new_figure, tick_formatter
from civicstats.format import check_lang, format_number
from civicstats.labels import has_text, ids_text, text

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["UNIT_MARKERS", "participatory_budgets"]

#: Marker of each participatory-budget unit.
UNIT_MARKERS = {"communes": "o", "villes": "s", "collectivites": "D"}


def participatory_budgets(budgets: pd.DataFrame, lang: str = "en", *,
                          register: pd.DataFrame | None = None) -> Figure:
    """Participatory budgets per year: one marker per source, side by side.

    Where sources disagree for a year (2016: 25 and 26; 2017: 47 and 67) each
    figure is its own marker, labelled with its source ids; the marker's shape
    says what the source counts (communes, villes, collectivités).
    """
    check_lang(lang)
    budgets = frame_of(budgets, "participatory_budgets")
    require(budgets, ("year", "count", "unit", "source"), "participatory_budgets")
    frame = budgets.assign(year=budgets["year"].astype(int), unit=budgets["unit"].astype(str))
    frame = frame.sort_values(["year", "count"], kind="stable")
    colors = {u: PALETTE[i] for i, u in enumerate(UNIT_MARKERS)}
    labels = []
    with house_style():
        fig, ax = new_figure(8, 4.4)
        seen_units: list[str] = []
        for year, rows in frame.groupby("year", sort=True):
            n = len(rows)
            for j, rec in enumerate(rows.itertuples(index=False)):
                dx = (j - (n - 1) / 2) * 0.32
                unit = rec.unit
                marker = UNIT_MARKERS.get(unit, "o")
                colour = colors.get(unit, GREY)
                lab = text(f"unit_{unit}", lang) if has_text(f"unit_{unit}") else unit
                ax.scatter([year + dx], [rec.count], marker=marker, s=46, color=colour, zorder=3,
                           label=None if unit in seen_units else lab, gid=f"budget:{year}:{j}")
                if unit not in seen_units:
                    seen_units.append(unit)
                words = f"{format_number(rec.count, lang)} ({ids_text(rec.source)})"
                # a lone figure is labelled above it; figures side by side are labelled on their
                # left, except one too close in value to the figure before it, labelled on its right
                side = 0 if n == 1 else 1 if j and rec.count / max(rows["count"].iloc[j - 1], 1) < 1.15 else -1
                ann = ax.annotate(words, (year + dx, rec.count), xytext=(7 * side, 0 if side else 7),
                                  textcoords="offset points", ha={-1: "right", 0: "center", 1: "left"}[side],
                                  va="center" if side else "bottom", fontsize=8.5, arrowprops=LEADER,
                                  bbox=LABEL_BOX)
                labels.append(ann)
        years = sorted(set(frame["year"]))
        ax.set_xticks(years, [str(y) for y in years])
        ax.set_xlim(years[0] - 1, years[-1] + 1)
        # a logarithmic axis: the counts run from 6 to 465, and the disagreements between
        # sources in 2016-2017 would be a few pixels apart on a linear one
        ax.set_yscale("log")
        low, high = float(frame["count"].min()), float(frame["count"].max())
        ax.set_ylim(low / 1.6, high * 1.8)
        from matplotlib.ticker import FixedLocator, NullLocator

        ticks = [t for t in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
                 if low / 1.6 <= t <= high * 1.8]
        ax.yaxis.set_major_locator(FixedLocator(ticks))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(tick_formatter(lang))
        ax.grid(axis="y")
        ax.legend(title=text("counted_as", lang), loc="upper left")
    return record(fig, title=text("budgets_title", lang), units=text("budgets_units", lang),
                   sources=source_ids(frame["source"]), lang=lang, declutter=labels, register=register)
