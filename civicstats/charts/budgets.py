"""Chart of participatory budgets per year, as counted by each source."""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicstats.format import _check_lang, format_number
from civicstats.labels import TEXTS, _text

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

from civicstats.charts.common import _default, _ids, _ids_text, _require
from civicstats.charts.stamp import _record
from civicstats.charts.style import (
    _LABEL_BOX,
    _LEADER,
    GREY,
    PALETTE,
    _new_figure,
    _tick_formatter,
    house_style,
)

#: Marker of each participatory-budget unit.
UNIT_MARKERS = {"communes": "o", "villes": "s", "collectivites": "D"}


def participatory_budgets(budgets: pd.DataFrame | None = None, lang: str = "en", *,
                          register: pd.DataFrame | None = None) -> Figure:
    """Participatory budgets per year: one marker per source, side by side.

    Where sources disagree for a year (2016: 25 and 26; 2017: 47 and 67) each
    figure is its own marker, labelled with its source ids; the marker's shape
    says what the source counts (communes, villes, collectivités).
    """
    _check_lang(lang)
    budgets = _default(budgets, "participatory_budgets")
    _require(budgets, ("year", "count", "unit", "source"), "participatory_budgets")
    frame = budgets.assign(year=budgets["year"].astype(int), unit=budgets["unit"].astype(str))
    frame = frame.sort_values(["year", "count"], kind="stable")
    colors = {u: PALETTE[i] for i, u in enumerate(UNIT_MARKERS)}
    labels = []
    with house_style():
        fig, ax = _new_figure(8, 4.4)
        seen_units: list[str] = []
        for year, rows in frame.groupby("year", sort=True):
            n = len(rows)
            for j, rec in enumerate(rows.itertuples(index=False)):
                dx = (j - (n - 1) / 2) * 0.32
                unit = rec.unit
                marker = UNIT_MARKERS.get(unit, "o")
                colour = colors.get(unit, GREY)
                lab = _text(f"unit_{unit}", lang) if f"unit_{unit}" in TEXTS[lang] else unit
                ax.scatter([year + dx], [rec.count], marker=marker, s=46, color=colour, zorder=3,
                           label=None if unit in seen_units else lab, gid=f"budget:{year}:{j}")
                if unit not in seen_units:
                    seen_units.append(unit)
                text = f"{format_number(rec.count, lang)} ({_ids_text(rec.source)})"
                # a lone figure is labelled above it; figures side by side are labelled on their
                # left, except one too close in value to the figure before it, labelled on its right
                if n == 1:
                    side = 0
                else:
                    side = 1 if j and rec.count / max(rows["count"].iloc[j - 1], 1) < 1.15 else -1
                ann = ax.annotate(text, (year + dx, rec.count), xytext=(7 * side, 0 if side else 7),
                                  textcoords="offset points", ha={-1: "right", 0: "center", 1: "left"}[side],
                                  va="center" if side else "bottom", fontsize=8.5, arrowprops=_LEADER,
                                  bbox=_LABEL_BOX)
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

        ticks = [t for t in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000) if low / 1.6 <= t <= high * 1.8]
        ax.yaxis.set_major_locator(FixedLocator(ticks))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(_tick_formatter(lang))
        ax.grid(axis="y")
        ax.legend(title=_text("counted_as", lang), loc="upper left")
    return _record(fig, title=_text("budgets_title", lang), units=_text("budgets_units", lang),
                   sources=_ids(frame["source"]), lang=lang, declutter=labels, register=register)
