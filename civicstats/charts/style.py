"""House style of the charts: palette, matplotlib settings, figure creation, axis formatters."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from civicstats.format import format_number, format_percent

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["OKABE_ITO", "PALETTE", "GREY", "LIGHT_GREY", "TEXT_GREY", "STYLE", "LABEL_BOX", "LEADER", "house_style",
           "new_figure", "bare_value_axis", "tick_formatter"]

#: The Okabe–Ito colour-blind-safe palette.
OKABE_ITO = {
    "blue": "#0072B2", "orange": "#E69F00", "bluish_green": "#009E73", "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7", "sky_blue": "#56B4E9", "yellow": "#F0E442", "black": "#000000",
}
#: Colour order for series (yellow last: it is weak on white).
PALETTE = [OKABE_ITO[c] for c in ("blue", "orange", "bluish_green", "vermillion",
                                  "reddish_purple", "sky_blue", "black", "yellow")]
GREY = "#8C8C8C"
LIGHT_GREY = "#D0D0D0"
TEXT_GREY = "#555555"


#: The house style, applied while a figure is built and while it is saved.
STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",  # shipped with matplotlib: same glyphs everywhere
    "font.size": 11,
    "axes.titlesize": 11.5, "axes.titleweight": "bold", "axes.titlelocation": "left",
    "axes.labelsize": 10.5, "axes.labelcolor": "#333333", "axes.edgecolor": "#333333", "axes.linewidth": 0.8,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": False, "axes.axisbelow": True,
    "grid.color": "#E3E3E3", "grid.linewidth": 0.8,
    "xtick.labelsize": 10.5, "ytick.labelsize": 10.5, "xtick.color": "#333333", "ytick.color": "#333333",
    "legend.frameon": False, "legend.fontsize": 10, "legend.title_fontsize": 10,
    "figure.facecolor": "white", "figure.dpi": 100, "savefig.dpi": 150, "savefig.facecolor": "white",
    "svg.fonttype": "path",          # text as paths: the SVG does not depend on installed fonts
    "svg.hashsalt": "civicstats",    # fixed ids in the SVG
    "axes.unicode_minus": True,
    "text.parse_math": False,        # text from data is never read as mathtext ("$x$")
}


@contextmanager
def house_style():
    """Context in which the charts are built and saved: type, palette, no chart junk."""
    import matplotlib as mpl
    from cycler import cycler

    with mpl.rc_context({**STYLE, "axes.prop_cycle": cycler(color=PALETTE)}):
        yield


def new_figure(width: float, height: float, nrows: int = 1, ncols: int = 1, **kwargs: Any):
    """A figure from pyplot (so notebooks display it), closed at once (so nothing leaks)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained", **kwargs)
    plt.close(fig)
    return fig, axes


#: White box behind point labels, so lines and leaders pass under them.
LABEL_BOX = {"boxstyle": "square,pad=0.08", "facecolor": "white", "edgecolor": "none"}
#: Leader line from a label that had to move to its point.
LEADER = {"arrowstyle": "-", "color": GREY, "linewidth": 0.6, "shrinkA": 0, "shrinkB": 4}

def bare_value_axis(ax: Axes, axis: str = "x") -> None:
    """Bars labelled with their values need no value axis."""
    getattr(ax, f"{axis}axis").set_visible(False)
    ax.spines["bottom" if axis == "x" else "left"].set_visible(False)


def tick_formatter(lang: str, percent: bool = False, sign: bool = False):
    from matplotlib.ticker import FuncFormatter

    if percent:
        return FuncFormatter(lambda v, _pos: format_percent(v / 100, lang, 0 if float(v).is_integer() else 1,
                                                            sign=sign))
    return FuncFormatter(lambda v, _pos: format_number(v, lang, 0 if float(v).is_integer() else 1, sign=sign))
