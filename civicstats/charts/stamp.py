"""The stamp of a chart: title, units line and source line, laid out so that nothing overlaps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from civicstats.charts.common import source_ids
from civicstats.charts.style import STYLE, TEXT_GREY, house_style
from civicstats.format import check_lang, is_missing
from civicstats.labels import text

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["source_line", "wrap", "finish", "restore_positions", "record"]


def source_line(sources: Sequence[str], lang: str = "en", register: pd.DataFrame | None = None) -> str:
    """The line printed under a chart: source ids, grouped by publisher.

    ``register`` (the ``sources`` table loaded with the data drawn) names the publishers; an id it lacks, or
    every id without it, is printed alone.

    >>> import civicstats as cs
    >>> source_line(["NL", "LOC", "LOC2"], register=cs.load("sources"))
    'Sources: NL — Villes de France; LOC, LOC2 — Localtis / Banque des Territoires'
    >>> source_line(["BEZ"], "fr", cs.load("sources")) == "Source\\u00a0: BEZ — Antoine Bézard"
    True
    >>> source_line(["NL", "LOC"])
    'Sources: NL, LOC'
    """
    check_lang(lang)
    if register is None:  # no register given: the ids alone (a chart never loads the register itself)
        import pandas as pd

        register = pd.DataFrame({"id": [], "title": [], "publisher": []})
    register = register.assign(id=register["id"].astype(str)).set_index("id")
    groups: dict[str, list[str]] = {}
    for sid in sources:
        if sid in register.index:
            rec = register.loc[sid]
            who = rec["publisher"] if not is_missing(rec["publisher"]) else rec["title"]
            who = str(who) if len(str(who)) <= 45 else str(who)[:44].rstrip() + "…"
        else:
            who = ""
        groups.setdefault(who, []).append(sid)
    parts = [", ".join(ids) + (f" — {who}" if who else "") for who, ids in groups.items()]
    word = text("sources" if len(list(sources)) > 1 else "source", lang)
    return f"{word}{text('colon', lang)} " + text("semicolon", lang).join(parts)


def _text_width_in(text: str, fontsize: float, weight: str = "normal") -> float:
    """Width of ``text`` in the house font, in inches."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family=STYLE["font.family"], size=fontsize, weight=weight)
    width, _height, _descent = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return width / 72


def wrap(text: str, width_in: float, fontsize: float, weight: str = "normal") -> list[str]:
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
           sources: Sequence[str] | None = None, lang: str | None = None,
           register: pd.DataFrame | None = None, source_text: str | None = None) -> Figure:
    """Stamp the title (top left), the units (subtitle) and the source line (bottom).

    ``register`` (see :func:`source_line`) is kept for later stampings; ``source_text`` replaces the source line
    of a chart that draws no sourced data. The arguments override what ``fig.civicstats`` records, and are
    recorded; ``lang`` is the source line's. The figure grows by the stamps' height, so the chart keeps its size.
    Idempotent: stamping again replaces the previous stamps.
    """
    import warnings

    meta = dict(getattr(fig, "civicstats", None) or {})
    for key, value in (("title", title), ("units", units), ("lang", lang)):
        if value is not None:
            meta[key] = value
    if sources is not None:
        meta["sources"] = source_ids(list(sources))
    meta.setdefault("lang", "en")
    meta.setdefault("sources", [])
    check_lang(meta["lang"])
    state = _state(fig)
    if register is not None:
        state["register"] = register
    if source_text is not None:
        state["source_text"] = source_text
    if not meta["sources"] and not state.get("source_text"):
        warnings.warn("this figure names no source: pass sources=[...] (ids of the sources table)", stacklevel=2)
    # where the axes started: every layout starts again from here (see restore_positions)
    state.setdefault("positions", [(ax, ax.get_position(original=True).frozen()) for ax in fig.axes])
    for artist in state.get("stamps", []):
        artist.remove()
    width, base_height = state.setdefault("base_size", tuple(float(v) for v in fig.get_size_inches()))
    usable = width - 2 * _MARGIN_X
    with house_style():
        wrapped = state.setdefault("wrapped", {})  # stamping again (saving) wraps the same texts: once per figure

        def lines(words: str, pt: float, weight: str = "normal") -> list[str]:
            if (words, usable, pt, weight) not in wrapped:
                wrapped[words, usable, pt, weight] = wrap(words, usable, pt, weight)
            return wrapped[words, usable, pt, weight]

        title_lines = lines(meta["title"], _TITLE_PT, "bold") if meta.get("title") else []
        units_lines = lines(meta["units"], _UNITS_PT) if meta.get("units") else []
        bottom_line = state.get("source_text") or (
            source_line(meta["sources"], meta["lang"], state.get("register")) if meta["sources"] else "")
        source_lines = lines(bottom_line, _SOURCE_PT) if bottom_line else []

        def height(lines: list[str], pt: float) -> float:
            return len(lines) * pt * _LINE / 72

        units_height = 0.04 + height(units_lines, _UNITS_PT) if units_lines else 0
        top = 0.14 + height(title_lines, _TITLE_PT) + units_height + 0.1
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
        fig.civicstats = {k: meta[k] for k in ("title", "units", "sources", "lang", "name") if k in meta}
        _declutter(fig)
    return fig


def restore_positions(fig: Figure) -> None:
    """Put the axes back where they were created before a layout runs.

    Constrained layout lands on the same layout only to within rounding, which changes the SVG's clip-path ids:
    starting every save from the same positions makes the bytes depend on the figure only. (``set_position``
    would take the axes out of the layout.)
    """
    for ax, pos in _state(fig).get("positions", []):
        if ax.figure is fig:
            ax._set_position(pos, which="both")


def record(fig: Figure, *, title: str, units: str, sources: Sequence[str], lang: str,
            declutter: Sequence[Any] = (), register: pd.DataFrame | None = None,
            source_text: str | None = None) -> Figure:
    fig.civicstats = {"title": title, "units": units, "sources": source_ids(list(sources)), "lang": lang}
    _state(fig)["declutter"] = [(a, tuple(a.xyann)) for a in declutter]
    return finish(fig, register=register, source_text=source_text)


def _declutter(fig: Figure, pad_pt: float = 1.5, marker_pt: float = 8.0) -> None:
    """Move labels up, in the given order, until none overlaps a labelled point or a label placed before it."""
    entries = _state(fig).get("declutter") or []
    if not entries:
        return
    for ann, offset in entries:
        ann.xyann = offset
        if ann.arrow_patch is not None:
            ann.arrow_patch.set_visible(False)
    restore_positions(fig)
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
    for ann, _offset in entries:
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
