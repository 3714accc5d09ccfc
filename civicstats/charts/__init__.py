"""Charts: plotting functions that take tidy tables and return a ``Figure``.

Every plotting function takes the DataFrames that :func:`civicstats.load`,
:func:`civicstats.adoption_rates`, :func:`civicstats.audit` or
:func:`civicstats.select_tools` return (the defaults load the shipped data),
draws only what those rows hold, and returns a finished
:class:`matplotlib.figure.Figure`: house style, title, units and a source line
naming the ids of the rows drawn. What :func:`save_figure` needs is recorded
on the figure::

    fig.civicstats == {"title": ..., "units": ..., "sources": ["NL", "LOC"], "lang": "en"}

Labels are English by default and French with ``lang="fr"``: level, category
and criterion labels come from the ``levels``, ``civictech_categories`` and
``selection_criteria`` tables, the other texts from :data:`TEXTS`; numbers are
formatted the French way (``35 357``, ``8,9``, ``50 %``).

Dates (``as_of``) are placed on a time axis by :func:`as_of_date`: a full date
as is, a year-month on the 15th, a year alone on 1 July, drawn with a line
spanning the year so the reader sees it is only known to the year.

Figures are created with ``plt.subplots`` and closed at once: nothing is left
in pyplot's global state, and a figure that is the last expression of a
notebook cell is shown exactly once. matplotlib is imported inside the
functions, so the number formatters here are cheap to import.

>>> format_number(35357, "fr") == "35\\u202f357"
True
>>> format_percent(0.5), format_percent(0.5, "fr") == "50\\u00a0%"
('50%', True)
>>> label("levels", "departement", "fr")
'Départements'
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from civicstats.format import (  # noqa: F401  (re-exported: the charts' public names)
    LANGS, MINUS, MONTHS, NBSP, NNBSP, _check_lang, as_of_date, format_as_of, format_number, format_percent,
)
from civicstats.labels import LABEL_TABLES, TEXTS, _labels, _text, label  # noqa: F401

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "adoption_by_level", "adoption_shares", "survey_total_gap", "open_data_waves",
    "open_data_by_level", "participatory_budgets", "tool_landscape", "audit_findings",
    "selection_scores", "save_figure", "finish", "house_style", "format_number",
    "format_percent", "format_as_of", "as_of_date", "label", "source_line", "TEXTS",
]


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
    "axes.titlesize": 11.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 10.5,
    "axes.labelcolor": "#333333",
    "axes.edgecolor": "#333333",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.axisbelow": True,
    "grid.color": "#E3E3E3",
    "grid.linewidth": 0.8,
    "xtick.labelsize": 10.5,
    "ytick.labelsize": 10.5,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.frameon": False,
    "legend.fontsize": 10,
    "legend.title_fontsize": 10,
    "figure.facecolor": "white",
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.facecolor": "white",
    "svg.fonttype": "path",          # text as paths: the SVG does not depend on installed fonts
    "svg.hashsalt": "civicstats",    # fixed ids in the SVG
    "axes.unicode_minus": True,
    "text.parse_math": False,        # text from data is never read as mathtext ("$x$")
}

#: EPCI sub-types: drawn in a panel of their own by :func:`open_data_by_level`.
EPCI_TYPES = ("metropole", "communaute_urbaine", "communaute_agglomeration", "communaute_communes")
#: Marker of each participatory-budget unit.
UNIT_MARKERS = {"communes": "o", "villes": "s", "collectivites": "D"}


# ---------------------------------------------------------------- formatting

def _order(table: str) -> dict[str, int]:
    return {code: i for i, code in enumerate(_labels(table))}


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _ids(*cells: object) -> list[str]:
    """Source ids in ``cells`` (each ``"NL;LOC"``, an iterable of them, or missing), first seen first."""
    ids: list[str] = []
    stack = list(cells)
    while stack:
        cell = stack.pop(0)
        if not isinstance(cell, str) and isinstance(cell, Iterable):
            stack[0:0] = list(cell)
            continue
        if _is_missing(cell):
            continue
        for part in str(cell).split(";"):
            part = part.strip()
            if part and part not in ids:
                ids.append(part)
    return ids


def _ids_text(cell: object) -> str:
    return ", ".join(_ids(cell))


# ---------------------------------------------------------------- style and stamping

@contextmanager
def house_style():
    """Context in which the charts are built and saved: type, palette, no chart junk."""
    import matplotlib as mpl
    from cycler import cycler

    with mpl.rc_context({**STYLE, "axes.prop_cycle": cycler(color=PALETTE)}):
        yield


def _new_figure(width: float, height: float, nrows: int = 1, ncols: int = 1, **kwargs: Any):
    """A figure from pyplot (so notebooks display it), closed at once (so nothing leaks)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained", **kwargs)
    plt.close(fig)
    return fig, axes


def source_line(sources: Sequence[str], lang: str = "en") -> str:
    """The line printed under a chart: source ids, grouped by publisher.

    >>> source_line(["NL", "LOC", "LOC2"])
    'Sources: NL — Villes de France; LOC, LOC2 — Localtis / Banque des Territoires'
    >>> source_line(["BEZ"], "fr") == "Source\\u00a0: BEZ — Antoine Bézard"
    True
    """
    from civicstats.tables import load

    _check_lang(lang)
    register = load("sources").set_index("id")
    groups: dict[str, list[str]] = {}
    for sid in sources:
        if sid in register.index:
            rec = register.loc[sid]
            who = rec["publisher"] if not _is_missing(rec["publisher"]) else rec["title"]
            who = str(who) if len(str(who)) <= 45 else str(who)[:44].rstrip() + "…"
        else:
            who = ""
        groups.setdefault(who, []).append(sid)
    parts = [", ".join(ids) + (f" — {who}" if who else "") for who, ids in groups.items()]
    word = _text("sources" if len(list(sources)) > 1 else "source", lang)
    return f"{word}{_text('colon', lang)} " + _text("semicolon", lang).join(parts)


@lru_cache(maxsize=4096)
def _text_width_in(text: str, fontsize: float, weight: str = "normal") -> float:
    """Width of ``text`` in the house font, in inches (cached: every stamping wraps the same texts again)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family=STYLE["font.family"], size=fontsize, weight=weight)
    width, _height, _descent = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return width / 72


def _wrap(text: str, width_in: float, fontsize: float, weight: str = "normal") -> list[str]:
    """Greedy word wrap of ``text`` to ``width_in`` inches, measured with the house font."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        start = len(lines)
        for word in paragraph.split(" "):
            candidate = f"{lines[-1]} {word}" if len(lines) > start else word
            if len(lines) > start and _text_width_in(candidate, fontsize, weight) <= width_in:
                lines[-1] = candidate
            else:
                lines.append(word)
    return lines or [""]


#: Stamp geometry, in inches and points.
_MARGIN_X = 0.12
_TITLE_PT, _UNITS_PT, _SOURCE_PT, _LINE = 13.0, 10.0, 8.5, 1.3


def _state(fig: Figure) -> dict[str, Any]:
    """What the stamping keeps between calls (stamps, sizes, positions, labels to declutter)."""
    return fig.__dict__.setdefault("_civicstats_state", {})


def finish(fig: Figure, *, title: str | None = None, units: str | None = None,
           sources: Sequence[str] | None = None, lang: str | None = None) -> Figure:
    """Stamp the title (top left), the units (subtitle) and the source line (bottom).

    The arguments override what ``fig.civicstats`` records, and are recorded;
    ``lang`` sets the language of the source line (the chart's own labels keep
    the language it was drawn in). The figure grows by the height of the
    stamps, so the chart keeps its size; a figure without a constrained layout
    gets one. Idempotent: stamping again replaces the previous stamps. Every
    plotting function of this module returns a finished figure.
    """
    import warnings

    meta = dict(getattr(fig, "civicstats", None) or {})
    for key, value in (("title", title), ("units", units), ("lang", lang)):
        if value is not None:
            meta[key] = value
    if sources is not None:
        meta["sources"] = _ids(list(sources))
    meta.setdefault("lang", "en")
    meta.setdefault("sources", [])
    _check_lang(meta["lang"])
    if not meta["sources"]:
        warnings.warn("this figure names no source: pass sources=[...] (ids of the sources table)", stacklevel=2)
    state = _state(fig)
    # where the axes started: every layout starts again from here (see _restore_positions)
    state.setdefault("positions", [(ax, ax.get_position(original=True).frozen()) for ax in fig.axes])
    for artist in state.get("stamps", []):
        artist.remove()
    width, base_height = state.setdefault("base_size", tuple(float(v) for v in fig.get_size_inches()))
    usable = width - 2 * _MARGIN_X
    with house_style():
        title_lines = _wrap(meta["title"], usable, _TITLE_PT, "bold") if meta.get("title") else []
        units_lines = _wrap(meta["units"], usable, _UNITS_PT) if meta.get("units") else []
        source_lines = (_wrap(source_line(meta["sources"], meta["lang"]), usable, _SOURCE_PT)
                        if meta["sources"] else [])

        def height(lines: list[str], pt: float) -> float:
            return len(lines) * pt * _LINE / 72

        top = 0.14 + height(title_lines, _TITLE_PT) + (0.04 + height(units_lines, _UNITS_PT) if units_lines else 0) + 0.1
        bottom = 0.1 + (height(source_lines, _SOURCE_PT) + 0.1 if source_lines else 0)
        total = base_height + top + bottom
        fig.set_size_inches(width, total)
        x = _MARGIN_X / width
        common = {"ha": "left", "linespacing": _LINE * 0.95, "fontfamily": STYLE["font.family"]}
        stamps = []
        y = 1 - 0.14 / total
        if title_lines:
            stamps.append(fig.text(x, y, "\n".join(title_lines), va="top", fontsize=_TITLE_PT, fontweight="bold",
                                   color="#111111", gid="civicstats-title", **common))
            y -= (height(title_lines, _TITLE_PT) + 0.04) / total
        if units_lines:
            stamps.append(fig.text(x, y, "\n".join(units_lines), va="top", fontsize=_UNITS_PT, color=TEXT_GREY,
                                   gid="civicstats-units", **common))
        if source_lines:
            stamps.append(fig.text(x, 0.1 / total, "\n".join(source_lines), va="bottom", fontsize=_SOURCE_PT,
                                   color=TEXT_GREY, gid="civicstats-sources", **common))
        state["stamps"] = stamps
        rect = (0.0, bottom / total, 1.0, (total - top - bottom) / total)
        engine = fig.get_layout_engine()
        if engine is None or "rect" not in engine.get():
            fig.set_layout_engine("constrained")
            engine = fig.get_layout_engine()
        engine.set(rect=rect)
        fig.civicstats = {k: meta[k] for k in ("title", "units", "sources", "lang") if k in meta}
        _declutter(fig)
    return fig


def _restore_positions(fig: Figure) -> None:
    """Put the axes back where they were created before a layout runs.

    Constrained layout starts from the axes' current positions and lands on
    the same layout only to within rounding (1e-16), which the SVG writer
    turns into different clip-path ids. Starting every save from the same
    positions makes the bytes depend on the figure only, not on how many
    times it was drawn (displayed in a notebook, saved before...).
    ``_set_position`` is used because ``set_position`` takes the axes out of
    the layout.
    """
    for ax, pos in _state(fig).get("positions", []):
        if ax.figure is fig:
            ax._set_position(pos, which="both")


def _record(fig: Figure, *, title: str, units: str, sources: Sequence[str], lang: str,
            declutter: Sequence[Any] = ()) -> Figure:
    fig.civicstats = {"title": title, "units": units, "sources": _ids(list(sources)), "lang": lang}
    _state(fig)["declutter"] = [(a, tuple(a.xyann)) for a in declutter]
    return finish(fig)


def _declutter(fig: Figure, pad_pt: float = 1.5, marker_pt: float = 8.0) -> None:
    """Move labels up, in the given order, until none overlaps a labelled point or a label placed before it."""
    entries = _state(fig).get("declutter") or []
    if not entries:
        return
    for ann, offset in entries:
        ann.xyann = offset
        if ann.arrow_patch is not None:
            ann.arrow_patch.set_visible(False)
    _restore_positions(fig)
    fig.draw_without_rendering()
    to_pt = 72 / fig.dpi
    from matplotlib.text import Text

    renderer = fig._get_renderer()

    def text_box(ann):  # the label's text only (Annotation's own extent includes the leader line)
        ann.update_positions(renderer)
        return Text.get_window_extent(ann, renderer)

    from matplotlib.transforms import Bbox

    radius = marker_pt / 2 / to_pt  # the labelled points are obstacles too
    anchors = [Bbox.from_extents(x - radius, y - radius, x + radius, y + radius)
               for x, y in (ann.axes.transData.transform((ann.axes.convert_xunits(ann.xy[0]),
                                                           ann.axes.convert_yunits(ann.xy[1])))
                            for ann, _ in entries)]
    placed = list(anchors)
    for ann, offset in entries:
        for _ in range(40):
            box = text_box(ann)
            hit = next((b for b in placed if box.x0 < b.x1 and b.x0 < box.x1 and box.y0 < b.y1 + pad_pt / to_pt
                        and b.y0 - pad_pt / to_pt < box.y1), None)
            if hit is None:
                break
            dx, dy = ann.xyann
            ann.xyann = (dx, dy + (hit.y1 - box.y0) * to_pt + pad_pt)
        placed.append(text_box(ann))
    for ann, offset in entries:  # a label that had to move gets a leader line to its point,
        moved = tuple(ann.xyann) != tuple(offset)  # drawn under the labels that did not move
        ann.set_zorder(4 if moved else 5)
        if ann.arrow_patch is not None and moved:
            ann.arrow_patch.set_visible(True)


#: White box behind point labels, so lines and leaders pass under them.
_LABEL_BOX = {"boxstyle": "square,pad=0.08", "facecolor": "white", "edgecolor": "none"}
#: Leader line from a label that had to move to its point.
_LEADER = {"arrowstyle": "-", "color": GREY, "linewidth": 0.6, "shrinkA": 0, "shrinkB": 4}


def _figure_name(name: str) -> str:
    stem = str(name)
    for suffix in (".png", ".svg"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    if not stem or stem in (".", "..") or "/" in stem or "\\" in stem or stem.startswith("."):
        raise ValueError(f"a figure name is a plain file name without folders, not {name!r}")
    return stem


def _atomic_savefig(fig: Figure, target: Path, fmt: str, **kwargs: Any) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as fh:
            fig.savefig(fh, format=fmt, **kwargs)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_figure(fig: Figure, name: str, *, out_dir: str | Path | None = None, title: str | None = None,
                units: str | None = None, sources: Sequence[str] | None = None,
                lang: str | None = None) -> list[Path]:
    """Finish ``fig`` in the house style and write ``name.png`` and ``name.svg``.

    Stamps the title, units and source line (from ``fig.civicstats``, or the
    arguments, which override it; stamping again replaces the stamps), then
    writes both files into ``out_dir`` or :func:`civicstats.paths.figures_dir`
    (``$CIVICSTATS_FIGURES_DIR`` when a build sets it). The bytes depend only
    on the figure: no timestamp or software version in the PNG, no date in the
    SVG, fixed SVG ids, text drawn as paths. Each file is written to a
    temporary file in the same folder, then renamed into place. Returns
    ``[png_path, svg_path]``; display ``fig`` afterwards to see it stamped.
    """
    from civicstats import paths

    stem = _figure_name(name)
    folder = Path(out_dir) if out_dir is not None else paths.figures_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with house_style():
        finish(fig, title=title, units=units, sources=sources, lang=lang)
        written = []
        for fmt, kwargs in (("png", {"dpi": 150, "metadata": {"Software": None}}),
                            ("svg", {"metadata": {"Date": None}})):
            target = folder / f"{stem}.{fmt}"
            _restore_positions(fig)
            _atomic_savefig(fig, target, fmt, facecolor="white", **kwargs)
            written.append(target)
    return written


# ---------------------------------------------------------------- shared drawing helpers

def _default(frame: Any, table: str) -> pd.DataFrame:
    import pandas as pd

    from civicstats.tables import load

    if frame is None:
        return load(table)
    return frame.copy() if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame)


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs the column(s) {', '.join(missing)}; columns found: {', '.join(map(str, frame.columns))}")


def _waves(values: Iterable[object]) -> list[str]:
    return sorted({str(v) for v in values}, key=lambda v: (as_of_date(v), v))


def _bare_value_axis(ax: Axes, axis: str = "x") -> None:
    """Bars labelled with their values need no value axis."""
    getattr(ax, f"{axis}axis").set_visible(False)
    ax.spines["bottom" if axis == "x" else "left"].set_visible(False)


def _tick_formatter(lang: str, percent: bool = False, sign: bool = False):
    from matplotlib.ticker import FuncFormatter

    if percent:
        return FuncFormatter(lambda v, _pos: format_percent(v / 100, lang, 0 if float(v).is_integer() else 1, sign=sign))
    return FuncFormatter(lambda v, _pos: format_number(v, lang, 0 if float(v).is_integer() else 1, sign=sign))


def _grouped_hbar(ax: Axes, cats: list[tuple[str, str]], groups: list[tuple[str, str]],
                  cell: Any, colors: list[str], gid: Any) -> float:
    """Horizontal bars, one row per category, one bar per group; returns the largest value.

    ``cats`` and ``groups`` are (code, label) pairs; ``cell(code, group)``
    gives ``None`` (no row), or ``(value, text)`` where ``value`` may be
    ``None`` (row without a value: ``text`` printed at 0); ``gid(code, group)``
    names each bar.
    """
    n = len(groups)
    height = 0.72 / n
    largest = 0.0
    labelled: set[str] = set()
    for j, (group, group_label) in enumerate(groups):
        offset = (j - (n - 1) / 2) * height
        for i, (code, _lab) in enumerate(cats):
            got = cell(code, group)
            if got is None:
                continue
            value, text = got
            y = i + offset
            if value is None:
                ax.annotate(text, (0, y), xytext=(3, 0), textcoords="offset points", va="center",
                            ha="left", fontsize=9.5, color=GREY, fontstyle="italic")
                continue
            bars = ax.barh([y], [value], height=height * 0.92, color=colors[j % len(colors)],
                           label=None if group in labelled else group_label)
            labelled.add(group)
            bars.patches[0].set_gid(gid(code, group))
            ax.bar_label(bars, labels=[text], padding=3, fontsize=9.5, color="#222222")
            largest = max(largest, float(value))
    ax.set_yticks(range(len(cats)), [lab for _code, lab in cats])
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(cats) - 0.5, -0.5)  # first category on top
    return largest


def _waves_text(waves: list[str], lang: str) -> str:
    words = [format_as_of(w, lang) for w in waves]
    return ", ".join(words) if len(words) <= 2 else f"{words[0]} – {words[-1]}"


def _level_wave_bars(cats: list[tuple[str, str]], waves: list[str], cell: Any, kind: str, lang: str,
                     legend_title: str, room: float):
    """Bars by level and wave: one bar per level (one wave), one per wave (one level), or grouped."""
    wave_pairs = [(w, format_as_of(w, lang)) for w in waves]
    fig, ax = None, None
    if len(waves) == 1 or len(cats) == 1:
        transposed = len(waves) > 1
        rows = wave_pairs if transposed else cats
        fig, ax = _new_figure(7.5, 0.7 + 0.42 * len(rows))
        if transposed:  # one level over several waves: the waves are the rows
            largest = _grouped_hbar(ax, wave_pairs, [cats[0]], lambda w, lv: cell(lv, w),
                                    [OKABE_ITO["blue"]], lambda w, lv: f"{kind}:{lv}:{w}")
            ax.set_title(cats[0][1], fontsize=10.5)
        else:
            largest = _grouped_hbar(ax, cats, wave_pairs, cell, [OKABE_ITO["blue"]],
                                    lambda lv, w: f"{kind}:{lv}:{w}")
    else:
        fig, ax = _new_figure(7.5, 0.5 + (0.26 * len(waves) + 0.12) * len(cats))
        largest = _grouped_hbar(ax, cats, wave_pairs, cell, PALETTE, lambda lv, w: f"{kind}:{lv}:{w}")
        ax.legend(title=legend_title, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_xlim(0, largest * room or 1)
    _bare_value_axis(ax)
    return fig, ax


# ---------------------------------------------------------------- the charts

def adoption_by_level(adoption: pd.DataFrame | None = None, lang: str = "en") -> Figure:
    """Collectivities using civic tech by level: one bar per level, grouped by wave.

    ``adoption`` is ``cs.load("civictech_adoption")`` (the default) or rows of
    the same shape (``as_of``, ``level``, ``count``, ``source``). With one wave
    the bars are labelled with their counts; with several, each level has one
    bar per wave, so the change between waves shows.
    """
    _check_lang(lang)
    adoption = _default(adoption, "civictech_adoption")
    _require(adoption, ("as_of", "level", "count", "source"), "adoption_by_level")
    frame = adoption.assign(level=adoption["level"].astype(str), as_of=adoption["as_of"].astype(str))
    order = _order("levels")
    codes = sorted(set(frame["level"]), key=lambda c: (order.get(c, len(order)), c))
    cats = [(c, label("levels", c, lang)) for c in codes]
    waves = _waves(frame["as_of"])
    cells = {(r.level, r.as_of): r for r in frame.itertuples(index=False)}

    def cell(code, wave):
        rec = cells.get((code, wave))
        return None if rec is None else (int(rec.count), format_number(rec.count, lang))

    with house_style():
        fig, _ax = _level_wave_bars(cats, waves, cell, "count", lang, _text("wave", lang), 1.12)
    title = _text("adoption_title", lang, waves=_waves_text(waves, lang))
    return _record(fig, title=title, units=_text("adoption_units", lang), sources=_ids(frame["source"]), lang=lang)


def _denominator_text(text: object, lang: str) -> str:
    from civicstats.analysis.rates import DENOMINATORS

    for key, english in DENOMINATORS.items():
        if str(text) == english:
            return _text(f"den_{key}", lang)
    return str(text)


def adoption_shares(rates: pd.DataFrame | None = None, lang: str = "en") -> Figure:
    """Shares of adopters by level, from :func:`civicstats.adoption_rates`.

    The denominator the rates name is printed in the units line; a level
    without a universe is written "no universe", never drawn as zero. Bars are
    labelled with the share and "count of universe"; a level whose universe
    carries a note (e.g. the official count covers a wider set) is starred and
    the note printed.
    """
    _check_lang(lang)
    if rates is None:
        from civicstats.analysis.rates import adoption_rates

        rates = adoption_rates("civictech_adoption", denominator="official")
    rates = _default(rates, "civictech_adoption")
    _require(rates, ("as_of", "level", "count", "universe", "share", "denominator", "source"), "adoption_shares")
    frame = rates.assign(level=rates["level"].astype(str), as_of=rates["as_of"].astype(str))
    order = _order("levels")
    codes = sorted(set(frame["level"]), key=lambda c: (order.get(c, len(order)), c))
    waves = _waves(frame["as_of"])
    cells = {(r.level, r.as_of): r for r in frame.itertuples(index=False)}
    has_note = "universe_note" in frame.columns
    notes: dict[str, str] = {}

    def cell(code, wave):
        rec = cells.get((code, wave))
        if rec is None:
            return None
        if _is_missing(rec.universe) or _is_missing(rec.share):
            return None, _text("no_universe", lang, count=format_number(rec.count, lang))
        star = ""
        if has_note and not _is_missing(rec.universe_note):
            notes.setdefault(code, str(rec.universe_note))
            star = NBSP + "*"
        text = (f"{format_percent(rec.share, lang)} ("
                + _text("count_of", lang, count=format_number(rec.count, lang), universe=format_number(rec.universe, lang))
                + ")" + star)
        return 100 * float(rec.share), text

    cats = [(c, label("levels", c, lang)) for c in codes]
    with house_style():
        fig, _ax = _level_wave_bars(cats, waves, cell, "share", lang, _text("as_of", lang), 1.45)
    denominators = "; ".join(dict.fromkeys(_denominator_text(d, lang) for d in frame["denominator"].dropna()))
    units = _text("shares_units", lang, denominator=denominators)
    for code, note in notes.items():
        units += "\n" + _text("note_prefix", lang, level=label("levels", code, lang), note=note)
    civic = set(codes) <= set(_civictech_levels())
    title = _text("shares_title" if civic else "shares_title_open", lang,
                  waves=_waves_text(waves, lang))
    drawn_universe = frame[frame["universe"].notna()] if "universe_source" in frame.columns else frame.iloc[0:0]
    sources = _ids(frame["source"], drawn_universe.get("universe_source", []))
    return _record(fig, title=title, units=units, sources=sources, lang=lang)


def _civictech_levels() -> list[str]:
    from civicstats.schema import spec

    return list(spec("civictech_adoption").field("level").enum or ())


def survey_total_gap(adoption: pd.DataFrame | None = None, published: pd.DataFrame | None = None,
                     lang: str = "en", *, as_of: str | None = None) -> Figure:
    """The survey's rows added up against the published total, the gap marked.

    ``published`` is ``cs.load("published_figures")`` (the default); its
    ``civictech_users_total`` row of the wave is the total. ``as_of`` picks the
    wave (default: the latest wave that has both rows and a published total).
    """
    _check_lang(lang)
    adoption = _default(adoption, "civictech_adoption")
    published = _default(published, "published_figures")
    _require(adoption, ("as_of", "level", "count", "source"), "survey_total_gap")
    _require(published, ("measure", "as_of", "value", "source"), "survey_total_gap")
    adoption = adoption.assign(as_of=adoption["as_of"].astype(str), level=adoption["level"].astype(str))
    totals = published[published["measure"].astype(str) == "civictech_users_total"]
    totals = totals.assign(as_of=totals["as_of"].astype(str))
    both = [w for w in _waves(adoption["as_of"]) if w in set(totals["as_of"])]
    if as_of is None:
        if not both:
            raise ValueError("no survey wave has both rows and a published total (civictech_users_total)")
        as_of = both[-1]
    if as_of not in both:
        raise ValueError(f"wave {as_of!r} needs rows and a published total; waves with both: {', '.join(both) or 'none'}")
    rows = adoption[adoption["as_of"] == as_of]
    order = _order("levels")
    rows = rows.iloc[sorted(range(len(rows)), key=lambda i: order.get(rows["level"].iloc[i], len(order)))]
    total_row = totals[totals["as_of"] == as_of].iloc[0]
    total = int(total_row["value"])
    counts = [int(c) for c in rows["count"]]
    summed = sum(counts)
    gap = total - summed

    with house_style():
        fig, ax = _new_figure(7.5, 2.9)
        blue, orange = OKABE_ITO["blue"], OKABE_ITO["orange"]
        y_sum, y_pub = 0.0, 1.45
        left = 0
        for code, count in zip(rows["level"], counts):
            bars = ax.barh([y_sum], [count], left=left, height=0.6, color=blue, edgecolor="white", linewidth=1.2)
            bars.patches[0].set_gid(f"level:{code}")
            if count / max(total, summed) > 0.045:
                ax.text(left + count / 2, y_sum, format_number(count, lang), ha="center", va="center",
                        color="white", fontsize=9)
            left += count
        bars = ax.barh([y_pub], [total], height=0.6, color=orange)
        bars.patches[0].set_gid("published")
        end = max(summed, total)
        ax.annotate(format_number(summed, lang), (end, y_sum), xytext=(5, 0), textcoords="offset points",
                    va="center", ha="left", fontweight="bold")
        ax.annotate(format_number(total, lang), (end, y_pub), xytext=(5, 0), textcoords="offset points",
                    va="center", ha="left", fontweight="bold")
        if gap:
            from matplotlib.patches import Rectangle

            ax.add_patch(Rectangle((min(summed, total), y_sum - 0.3), abs(gap), 0.6, fill=False,
                                   edgecolor=OKABE_ITO["vermillion"], linestyle="--", linewidth=1.2, gid="gap"))
        note = (_text("gap_missing", lang, gap=format_number(gap, lang)) if gap > 0
                else _text("gap_excess", lang, gap=format_number(-gap, lang)) if gap < 0 else _text("gap_none", lang))
        ax.annotate(note, (end, y_sum - 0.3), xytext=(0, 3), textcoords="offset points",
                    ha="right", va="bottom", color=OKABE_ITO["vermillion"], fontsize=9.5)
        # what the segments are, in words, between the two bars
        parts = " + ".join(f"{label('levels', code, lang)}{NBSP}{format_number(c, lang)}".replace(" ", NBSP)
                           for code, c in zip(rows["level"], counts))
        ax.annotate("\n".join(_wrap(parts, 5.2, 8.5)), (0, y_sum + 0.34), va="top", ha="left", fontsize=8.5,
                    color=TEXT_GREY, xytext=(0, -2), textcoords="offset points", linespacing=1.2)
        ax.set_yticks([y_sum, y_pub], [_text("sum_of_levels", lang, n=len(counts)), _text("published_total", lang)])
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(y_pub + 0.45, y_sum - 0.75)
        ax.set_xlim(0, end * 1.08)
        _bare_value_axis(ax)
    title = _text("gap_title", lang, sum=format_number(summed, lang), published=format_number(total, lang),
                  as_of=format_as_of(as_of, lang))
    return _record(fig, title=title, units=_text("gap_units", lang),
                   sources=_ids(rows["source"], total_row["source"]), lang=lang)


def _span(as_of: str) -> tuple[date, date] | None:
    text = str(as_of)
    if len(text) == 4:
        return date(int(text), 1, 1), date(int(text), 12, 31)
    return None


def open_data_waves(open_data: pd.DataFrame | None = None, lang: str = "en") -> Figure:
    """Every published total of collectivities opening their data, over time.

    Draws the ``all`` rows of ``open_data_adopters``: the count of each wave
    and, where the source gives it, the number of collectivities concerned by
    the law, so the gap to the obligation shows. Each point is labelled with
    its value and source ids; two sources for the same date are both drawn.
    Dates: see :func:`as_of_date` (a year alone sits at mid-year, with a line
    spanning the year).
    """
    _check_lang(lang)
    open_data = _default(open_data, "open_data_adopters")
    _require(open_data, ("as_of", "level", "count", "concerned", "source"), "open_data_waves")
    rows = open_data[open_data["level"].astype(str) == "all"]
    rows = rows.assign(as_of=rows["as_of"].astype(str))
    rows = rows.iloc[sorted(range(len(rows)), key=lambda i: (as_of_date(rows["as_of"].iloc[i]), rows["as_of"].iloc[i]))]
    if rows.empty:
        raise ValueError("open_data_waves draws the rows of level 'all'; there are none")
    bound = rows["concerned_bound"] if "concerned_bound" in rows.columns else [None] * len(rows)
    series = [
        ("with_open_data", [(r.as_of, int(r.count), r.source, "") for r in rows.itertuples(index=False)
                            if not _is_missing(r.count)], OKABE_ITO["blue"], "o", "-"),
        ("concerned", [(r.as_of, int(r.concerned), r.source, "≈" if str(b) == "about" else "")
                       for r, b in zip(rows.itertuples(index=False), bound) if not _is_missing(r.concerned)],
         OKABE_ITO["vermillion"], "s", ":"),
    ]
    from matplotlib.lines import Line2D

    labels = []
    with house_style():
        fig, ax = _new_figure(8, 4.6)
        largest = 0
        span_drawn = False
        for key, points, color, marker, style in series:
            if not points:
                continue
            xs = [as_of_date(p[0]) for p in points]
            ys = [p[1] for p in points]
            ax.plot(xs, ys, linestyle=style, color=color, linewidth=1.3, zorder=2)
            ax.scatter(xs, ys, marker=marker, color=color, s=36, zorder=3, gid=f"{key}", label=_text(key, lang))
            for (as_of, value, source, prefix), x in zip(points, xs):
                span = _span(as_of)
                if span:
                    ax.hlines(value, span[0], span[1], color=color, linewidth=2.2, alpha=0.45, zorder=1)
                    span_drawn = True
                text = f"{prefix}{format_number(value, lang)} ({_ids_text(source)})"
                labels.append(ax.annotate(text, (x, value), xytext=(0, 7), textcoords="offset points",
                                          ha="center", va="bottom", fontsize=8.5, color="#222222",
                                          arrowprops=_LEADER, bbox=_LABEL_BOX))
                largest = max(largest, value)
        ax.set_ylim(0, largest * 1.22)
        ax.yaxis.set_major_formatter(_tick_formatter(lang))
        ax.grid(axis="y")
        import matplotlib.dates as mdates

        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        first, last = as_of_date(rows["as_of"].iloc[0]), as_of_date(rows["as_of"].iloc[-1])
        ax.set_xlim(date(first.year, 1, 1), date(last.year + 1, 1, 1))
        handles, texts = ax.get_legend_handles_labels()
        if span_drawn:
            handles.append(Line2D([], [], color=GREY, linewidth=2.2, alpha=0.6))
            texts.append(_text("year_only", lang))
        ax.legend(handles, texts, loc="center left", bbox_to_anchor=(0, 0.55))
    sources = _ids(rows["source"])
    return _record(fig, title=_text("waves_title", lang), units=_text("waves_units", lang), sources=sources,
                   lang=lang, declutter=labels)


def open_data_by_level(open_data: pd.DataFrame | None = None, as_of: str = "2018-03", lang: str = "en") -> Figure:
    """Collectivities opening their data by level, for one wave.

    First panel: the total (``all``) and the levels (région, département,
    EPCI, commune, population bands); a level published only as a share is
    written, not drawn. Second panel, when the wave details them: the EPCI
    sub-types, with what they add up to against the published EPCI count.
    """
    _check_lang(lang)
    open_data = _default(open_data, "open_data_adopters")
    _require(open_data, ("as_of", "level", "count", "source"), "open_data_by_level")
    frame = open_data.assign(as_of=open_data["as_of"].astype(str), level=open_data["level"].astype(str))
    wave = frame[frame["as_of"] == str(as_of)]
    if wave.empty:
        raise ValueError(f"no open-data rows for as_of {as_of!r}; waves: {', '.join(_waves(frame['as_of']))}")
    order = _order("levels")
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
            if _is_missing(rec.count):
                share = format_percent(rec.share_pct / 100, lang) if has_share and not _is_missing(rec.share_pct) else "–"
                ax.annotate(_text("share_only", lang, share=share), (0, i), xytext=(3, 0), textcoords="offset points",
                            va="center", fontsize=9.5, color=GREY, fontstyle="italic")
                continue
            bars = ax.barh([i], [int(rec.count)], height=0.66, color=colour)
            bars.patches[0].set_gid(f"count:{rec.level}:{i}")
            text = format_number(rec.count, lang)
            if len(rows[rows["level"] == rec.level]) > 1:
                text += f" ({_ids_text(rec.source)})"
            ax.bar_label(bars, labels=[text], padding=3, fontsize=9.5)
            largest = max(largest, float(rec.count))
        ax.set_yticks(range(len(recs)), [label("levels", r.level, lang) for r in recs])
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(len(recs) - 0.5, -0.5)
        ax.set_xlim(0, largest * 1.25)
        _bare_value_axis(ax)

    with house_style():
        if types.empty:
            fig, ax = _new_figure(7.5, 0.5 + 0.42 * len(main))
            panel(ax, main, OKABE_ITO["blue"])
        else:
            fig, (ax, ax2) = _new_figure(7.5, 1.2 + 0.42 * (len(main) + len(types)), 2, 1,
                                         gridspec_kw={"height_ratios": [len(main) + 0.3, len(types) + 0.9]})
            panel(ax, main, OKABE_ITO["blue"])
            ax.set_title(_text("levels_panel", lang), fontsize=10.5)
            panel(ax2, types, OKABE_ITO["bluish_green"])
            ax2.set_xlim(ax.get_xlim())  # one scale for both panels: the types are parts of the EPCI bar
            ax2.set_title(_text("epci_types", lang), fontsize=10.5)
            epci = wave[(wave["level"] == "epci") & wave["count"].notna()]
            if len(epci):
                summed = int(types["count"].dropna().sum())
                ax2.set_ylim(len(types) + 0.2, -0.5)
                ax2.text(0, len(types) - 0.35, _text("types_sum", lang, sum=format_number(summed, lang),
                                                     epci=", ".join(format_number(v, lang) for v in epci["count"])),
                         fontsize=9.5, color=OKABE_ITO["vermillion"]
                         if summed not in set(int(v) for v in epci["count"]) else TEXT_GREY, va="top")
    title = _text("by_level_title", lang, as_of=format_as_of(str(as_of), lang))
    return _record(fig, title=title, units=_text("by_level_units", lang), sources=_ids(wave["source"]), lang=lang)


def participatory_budgets(budgets: pd.DataFrame | None = None, lang: str = "en") -> Figure:
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
                   sources=_ids(frame["source"]), lang=lang, declutter=labels)


def tool_landscape(categories: pd.DataFrame | None = None, tools: pd.DataFrame | None = None,
                   lang: str = "en") -> Figure:
    """The six categories, each with the number of example tools named in public sources.

    The tools are examples found in public sources (``civictech_tools``), not
    the guide's own inventory, whose list was not published; a category with
    no example says so.
    """
    _check_lang(lang)
    categories = _default(categories, "civictech_categories")
    tools = _default(tools, "civictech_tools")
    _require(categories, ("category", "source"), "tool_landscape")
    _require(tools, ("tool", "category", "source"), "tool_landscape")
    if "order" in categories.columns:
        categories = categories.sort_values("order", kind="stable")
    cats = [str(c) for c in categories["category"]]
    tools = tools.assign(category=tools["category"].astype(str))
    with house_style():
        fig, ax = _new_figure(8, 0.5 + 0.62 * len(cats))
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
                ax.annotate(_text("no_example", lang), (0, i), xytext=(3, 0), textcoords="offset points",
                            va="center", fontsize=9.5, color=GREY, fontstyle="italic")
        ax.set_yticks(range(len(cats)), [label("civictech_categories", c, lang) for c in cats])
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(len(cats) - 0.5, -0.5)
        ax.set_xlim(0, largest * 2.2)
        _bare_value_axis(ax)
        # wrap each list of names to the room left between its bar and the figure's right edge
        fig.draw_without_rendering()
        right = fig.bbox.x1 - 0.15 * fig.dpi
        for ann in listings:
            room = (right - ann.get_window_extent().x0) / fig.dpi
            ann.set_text("\n".join(_wrap(ann.get_text(), room, 8.5)))
    drawn = tools[tools["category"].isin(cats)]
    return _record(fig, title=_text("tools_title", lang), units=_text("tools_units", lang),
                   sources=_ids(drawn["source"], categories["source"]), lang=lang)


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


def selection_scores(ranked: pd.DataFrame, lang: str = "en") -> Figure:
    """Each candidate tool's score from :func:`civicstats.select_tools`, split by question.

    Stacked horizontal bars, best first: each segment is one question's
    contribution (weight share × rating), so the bar's length is the score
    (0–5). Tools that fail a watch point are greyed and say why.
    """
    _check_lang(lang)
    ranked = _default(ranked, "selection_criteria")
    _require(ranked, ("tool", "score", "eligible", "excluded_because"), "selection_scores")
    if "rank" in ranked.columns:
        ranked = ranked.sort_values("rank", kind="stable")
    questions = [c[len("contrib_"):] for c in ranked.columns if c.startswith("contrib_")]
    order = _order("selection_criteria")
    colors = {q: PALETTE[order.get(q, i) % len(PALETTE)] for i, q in enumerate(questions)}
    greys = ["#B8B8B8", "#D6D6D6"]
    recs = [r._asdict() for r in ranked.itertuples(index=False)]
    from matplotlib.patches import Patch

    with house_style():
        fig, ax = _new_figure(8, 1.0 + 0.55 * len(recs))
        for i, row in enumerate(recs):
            eligible = bool(row["eligible"])
            differs = "matches_objective" in row and not _is_missing(row["matches_objective"]) \
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
                caption.append(_text("excluded", lang, reasons=str(row["excluded_because"]).lower()))
            if differs:
                caption.append(_text("differs", lang))
            if caption:
                ax.text(0, i + 0.33, "; ".join(caption) if lang == "en" else (NBSP + "; ").join(caption),
                        va="center", ha="left", fontsize=8.5, fontstyle="italic",
                        color=OKABE_ITO["vermillion"] if not eligible else TEXT_GREY)
        names = [f"{r['rank']}. {r['tool']}" if "rank" in r else str(r["tool"]) for r in recs]
        ax.set_yticks([i - 0.1 for i in range(len(recs))], names)
        for tick, row in zip(ax.get_yticklabels(), recs):
            if not bool(row["eligible"]):
                tick.set_color(GREY)
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(len(recs) - 0.45, -0.55)
        ax.set_xlim(0, 5.45)  # room for the score after a bar of 5
        ax.spines["bottom"].set_bounds(0, 5)
        ax.set_xticks(range(6))
        ax.xaxis.set_major_formatter(_tick_formatter(lang))
        ax.grid(axis="x")
        ax.spines["left"].set_visible(False)
        handles = [Patch(color=colors[q], label=label("selection_criteria", q, lang)) for q in questions]
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=min(len(handles), 5),
                  fontsize=9, handlelength=1.2, columnspacing=1.0, borderaxespad=0.2)
    from civicstats.tables import load

    criteria = load("selection_criteria")
    used = criteria[criteria["id"].astype(str).isin(questions) | (criteria["kind"].astype(str) == "watch_point")]
    return _record(fig, title=_text("selection_title", lang), units=_text("selection_units", lang),
                   sources=_ids(used["source"]), lang=lang)
