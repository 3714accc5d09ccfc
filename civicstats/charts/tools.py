"""Chart of the civic-tech categories and the example tools named in public sources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicstats.charts.common import frame_of, require, source_ids
from civicstats.charts.stamp import record, wrap
from civicstats.charts.style import GREY, OKABE_ITO, TEXT_GREY, bare_value_axis, house_style, new_figure
from civicstats.format import check_lang, format_number
from civicstats.labels import labels_of, text

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["tool_landscape"]


def tool_landscape(categories: pd.DataFrame, tools: pd.DataFrame, lang: str = "en", *,
                   register: pd.DataFrame | None = None) -> Figure:
    """The six categories, each with the number of example tools named in public sources.

    The tools are examples from public sources (``civictech_tools``), not the guide's unpublished inventory; a
    category with none says so. ``categories`` gives the order and the labels.
    """
    check_lang(lang)
    categories = frame_of(categories, "civictech_categories")
    tools = frame_of(tools, "civictech_tools")
    require(categories, ("category", "source"), "tool_landscape")
    require(tools, ("tool", "category", "source"), "tool_landscape")
    if "order" in categories.columns:
        categories = categories.sort_values("order", kind="stable")
    cats = [str(c) for c in categories["category"]]
    tools = tools.assign(category=tools["category"].astype(str))
    with house_style():
        fig, ax = new_figure(8, 0.5 + 0.62 * len(cats))
        listings = []
        largest = max([int((tools["category"] == c).sum()) for c in cats] + [1])
        for i, code in enumerate(cats):
            names = [str(t) for t in tools.loc[tools["category"] == code, "tool"]]
            if names:
                bars = ax.barh([i], [len(names)], height=0.62, color=OKABE_ITO["blue"])
                bars.patches[0].set_gid(f"tools:{code}")
                ax.bar_label(bars, labels=[format_number(len(names), lang)], padding=3, fontsize=10,
                             fontweight="bold")
                listings.append(ax.annotate(", ".join(names), (len(names), i), xytext=(20, 0),
                                            textcoords="offset points", va="center", ha="left", fontsize=8.5,
                                            color=TEXT_GREY, linespacing=1.15))
            else:
                ax.annotate(text("no_example", lang), (0, i), xytext=(3, 0), textcoords="offset points",
                            va="center", fontsize=9.5, color=GREY, fontstyle="italic")
        ax.set_yticks(range(len(cats)), [labels_of(categories, lang).get(c, c) for c in cats])
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(len(cats) - 0.5, -0.5)
        ax.set_xlim(0, largest * 2.2)
        bare_value_axis(ax)
        # wrap each list of names to the room left between its bar and the figure's right edge
        fig.draw_without_rendering()
        right = fig.bbox.x1 - 0.15 * fig.dpi
        for ann in listings:
            room = (right - ann.get_window_extent().x0) / fig.dpi
            ann.set_text("\n".join(wrap(ann.get_text(), room, 8.5)))
    drawn = tools[tools["category"].isin(cats)]
    return record(fig, title=text("tools_title", lang), units=text("tools_units", lang),
                   sources=source_ids(drawn["source"], categories["source"]), lang=lang, register=register)
