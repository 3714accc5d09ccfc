"""Charts of open data by local authorities: every published figure over time, and by level."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from civicstats.charts.common import frame_of, order_of, require, sorted_waves, source_ids
from civicstats.charts.stamp import record
from civicstats.charts.style import (GREY, LABEL_BOX, LEADER, OKABE_ITO, TEXT_GREY, bare_value_axis, house_style,
                                     new_figure, tick_formatter)
from civicstats.format import as_of_date, check_lang, format_as_of, format_number, is_missing
from civicstats.labels import format_qualified, ids_text, labels_of, text

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["EPCI_TYPES", "open_data_waves", "open_data_by_level"]

#: EPCI sub-types: drawn in a panel of their own by :func:`open_data_by_level`.
EPCI_TYPES = ("metropole", "communaute_urbaine", "communaute_agglomeration", "communaute_communes")


def _span(as_of: str) -> tuple[date, date] | None:
    text = str(as_of)
    if len(text) == 4:
        return date(int(text), 1, 1), date(int(text), 12, 31)
    return None


def open_data_waves(open_data: pd.DataFrame, lang: str = "en", *,
                    register: pd.DataFrame | None = None) -> Figure:
    """Every published total of collectivities opening their data, over time.

    Draws the ``all`` and ``all_3500_plus`` rows of ``open_data_adopters`` and, where given, the number the law
    concerns, each point labelled with its (qualified) value and source ids. The points come from different
    sources, so no line joins them. ``register``: see :func:`civicstats.charts.source_line`.
    """
    check_lang(lang)
    open_data = frame_of(open_data, "open_data_adopters")
    require(open_data, ("as_of", "level", "count", "concerned", "source"), "open_data_waves")
    rows = open_data[open_data["level"].astype(str).isin(("all", "all_3500_plus"))]
    rows = rows.assign(as_of=rows["as_of"].astype(str), level=rows["level"].astype(str))
    rows = rows.iloc[sorted(range(len(rows)), key=lambda i: (as_of_date(rows["as_of"].iloc[i]), rows["as_of"].iloc[i]))]
    if rows.empty:
        raise ValueError("open_data_waves draws the rows of level 'all' or 'all_3500_plus'; there are none")
    column = lambda name: rows[name].astype("object") if name in rows.columns else [None] * len(rows)  # noqa: E731
    concerned_source = [c if isinstance(c, str) and c else s for c, s in zip(column("concerned_source"),
                                                                              rows["source"], strict=True)]
    recs = list(zip(rows.itertuples(index=False), column("count_qualifier"), column("concerned_qualifier"), concerned_source,
                    strict=True))
    series = [
        (key, [(r.as_of, int(r.count), r.source, q) for r, q, _, _ in recs if r.level == level
               and not is_missing(r.count)], colour, marker)
        for key, level, colour, marker in (("with_open_data", "all", OKABE_ITO["blue"], "o"),
                                           ("with_open_data_3500", "all_3500_plus", OKABE_ITO["bluish_green"], "D"))
    ] + [("concerned", [(r.as_of, int(r.concerned), cs, b) for r, _, b, cs in recs if not is_missing(r.concerned)],
          OKABE_ITO["vermillion"], "s")]
    from matplotlib.lines import Line2D

    labels = []
    with house_style():
        fig, ax = new_figure(8, 4.6)
        largest = 0
        span_drawn = False
        for key, points, color, marker in series:
            if not points:
                continue
            xs = [as_of_date(p[0]) for p in points]
            ys = [p[1] for p in points]
            ax.scatter(xs, ys, marker=marker, color=color, s=36, zorder=3, gid=f"{key}", label=text(key, lang))
            for (as_of, value, source, qualifier), x in zip(points, xs, strict=True):
                span = _span(as_of)
                if span:
                    ax.hlines(value, span[0], span[1], color=color, linewidth=2.2, alpha=0.45, zorder=1)
                    span_drawn = True
                words = f"{format_qualified(value, qualifier, lang)} ({ids_text(source)})"
                labels.append(ax.annotate(words, (x, value), xytext=(0, 7), textcoords="offset points",
                                          ha="center", va="bottom", fontsize=8.5, color="#222222",
                                          arrowprops=LEADER, bbox=LABEL_BOX))
                largest = max(largest, value)
        ax.set_ylim(0, largest * 1.22)
        ax.yaxis.set_major_formatter(tick_formatter(lang))
        ax.grid(axis="y")
        import matplotlib.dates as mdates

        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        first, last = as_of_date(rows["as_of"].iloc[0]), as_of_date(rows["as_of"].iloc[-1])
        ax.set_xlim(date(first.year, 1, 1), date(last.year + 1, 1, 1))
        handles, texts = ax.get_legend_handles_labels()
        if span_drawn:
            handles.append(Line2D([], [], color=GREY, linewidth=2.2, alpha=0.6))
            texts.append(text("year_only", lang))
        ax.legend(handles, texts, loc="center left", bbox_to_anchor=(0, 0.55))
    sources = source_ids(rows["source"], [p[2] for p in series[-1][1]])
    units = text("waves_units", lang) + text("semicolon", lang) + text("not_joined", lang)
    return record(fig, title=text("waves_title", lang), units=units, sources=sources,
                   lang=lang, declutter=labels, register=register)


def open_data_by_level(open_data: pd.DataFrame, as_of: str = "2018-03", lang: str = "en", *,
                       levels: pd.DataFrame | None = None, register: pd.DataFrame | None = None) -> Figure:
    """Collectivities opening their data by level, for one wave.

    First panel: the total and the levels (one published only as a share is written, not drawn); second, when
    the wave details them, the EPCI sub-types against the published EPCI count. ``levels`` labels and orders the
    levels.
    """
    check_lang(lang)
    open_data = frame_of(open_data, "open_data_adopters")
    require(open_data, ("as_of", "level", "count", "source"), "open_data_by_level")
    frame = open_data.assign(as_of=open_data["as_of"].astype(str), level=open_data["level"].astype(str))
    wave = frame[frame["as_of"] == str(as_of)]
    if wave.empty:
        raise ValueError(f"no open-data rows for as_of {as_of!r}; waves: {', '.join(sorted_waves(frame['as_of']))}")
    order, names = order_of(levels), labels_of(levels, lang)
    wave = wave.iloc[sorted(range(len(wave)), key=lambda i: (wave["level"].iloc[i] != "all",
                                                             order.get(wave["level"].iloc[i], len(order))))]
    main = wave[~wave["level"].isin(EPCI_TYPES)]
    types = wave[wave["level"].isin(EPCI_TYPES)]
    has_share = "share_pct" in wave.columns

    def panel(ax, rows, color):
        largest = 1.0
        recs = list(rows.itertuples(index=False))
        for i, rec in enumerate(recs):
            colour = "#4D4D4D" if rec.level == "all" else color
            if is_missing(rec.count):
                share = (format_qualified(rec.share_pct / 100, getattr(rec, "share_qualifier", "exact"), lang, percent=True)
                         if has_share and not is_missing(rec.share_pct) else "–")
                ax.annotate(text("share_only", lang, share=share), (0, i), xytext=(3, 0), textcoords="offset points",
                            va="center", fontsize=9.5, color=GREY, fontstyle="italic")
                continue
            bars = ax.barh([i], [int(rec.count)], height=0.66, color=colour)
            bars.patches[0].set_gid(f"count:{rec.level}:{i}")
            words = format_qualified(rec.count, getattr(rec, "count_qualifier", None), lang)
            if len(rows[rows["level"] == rec.level]) > 1:
                words += f" ({ids_text(rec.source)})"
            ax.bar_label(bars, labels=[words], padding=3, fontsize=9.5)
            largest = max(largest, float(rec.count))
        ax.set_yticks(range(len(recs)), [names.get(r.level, r.level) for r in recs])
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(len(recs) - 0.5, -0.5)
        ax.set_xlim(0, largest * 1.25)
        bare_value_axis(ax)

    with house_style():
        if types.empty:
            fig, ax = new_figure(7.5, 0.5 + 0.42 * len(main))
            panel(ax, main, OKABE_ITO["blue"])
        else:
            fig, (ax, ax2) = new_figure(7.5, 1.2 + 0.42 * (len(main) + len(types)), 2, 1,
                                         gridspec_kw={"height_ratios": [len(main) + 0.3, len(types) + 0.9]})
            panel(ax, main, OKABE_ITO["blue"])
            ax.set_title(text("levels_panel", lang), fontsize=10.5)
            panel(ax2, types, OKABE_ITO["bluish_green"])
            ax2.set_xlim(ax.get_xlim())  # one scale for both panels: the types are parts of the EPCI bar
            ax2.set_title(text("epci_types", lang), fontsize=10.5)
            epci = wave[(wave["level"] == "epci") & wave["count"].notna()]
            if len(epci):
                summed = int(types["count"].dropna().sum())
                ax2.set_ylim(len(types) + 0.2, -0.5)
                ax2.text(0, len(types) - 0.35, text("types_sum", lang, sum=format_number(summed, lang),
                                                     epci=", ".join(format_number(v, lang) for v in epci["count"])),
                         fontsize=9.5, color=OKABE_ITO["vermillion"]
                         if summed not in set(int(v) for v in epci["count"]) else TEXT_GREY, va="top")
    title = text("by_level_title", lang, as_of=format_as_of(str(as_of), lang))
    return record(fig, title=title, units=text("by_level_units", lang), sources=source_ids(wave["source"]), lang=lang,
                   register=register)
