"""Helpers shared by the story modules: source ids, level order, argument checks, grouped bars."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from civicstats.charts.style import GREY, OKABE_ITO, PALETTE, bare_value_axis, new_figure
from civicstats.format import as_of_date, format_as_of, is_missing
from civicstats.labels import labels_of

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["order_of", "source_ids", "frame_of", "require", "sorted_waves", "waves_text",
           "level_wave_bars"]


def order_of(table: pd.DataFrame | None) -> dict[str, int]:
    """``{code: position}`` in a table of labels (``levels``, ``selection_criteria``); ``{}`` without one."""
    return {code: i for i, code in enumerate(labels_of(table))}


def source_ids(*cells: object) -> list[str]:
    """Source ids in ``cells`` (each ``"NL;LOC"``, an iterable of them, or missing), first seen first."""
    ids: list[str] = []
    stack = list(cells)
    while stack:
        cell = stack.pop(0)
        if not isinstance(cell, str) and isinstance(cell, Iterable):
            stack[0:0] = list(cell)
            continue
        if is_missing(cell):
            continue
        for part in str(cell).split(";"):
            part = part.strip()
            if part and part not in ids:
                ids.append(part)
    return ids


def frame_of(frame: Any, table: str) -> pd.DataFrame:
    """The frame a chart was given, as a DataFrame: a chart never loads data on its own."""
    import pandas as pd

    if frame is None:
        raise TypeError(f"a chart draws only the rows it is given: pass the table, e.g. cs.load({table!r}, data)")
    return frame.copy() if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame)


def require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs the column(s) {', '.join(missing)}; "
                         f"columns found: {', '.join(map(str, frame.columns))}")


def sorted_waves(values: Iterable[object]) -> list[str]:
    return sorted({str(v) for v in values}, key=lambda v: (as_of_date(v), v))


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


def waves_text(waves: list[str], lang: str) -> str:
    words = [format_as_of(w, lang) for w in waves]
    return ", ".join(words) if len(words) <= 2 else f"{words[0]} – {words[-1]}"


def level_wave_bars(cats: list[tuple[str, str]], waves: list[str], cell: Any, kind: str, lang: str,
                     legend_title: str, room: float):
    """Bars by level and wave: one bar per level (one wave), one per wave (one level), or grouped."""
    wave_pairs = [(w, format_as_of(w, lang)) for w in waves]
    if len(waves) == 1 or len(cats) == 1:
        transposed = len(waves) > 1
        rows = wave_pairs if transposed else cats
        fig, ax = new_figure(7.5, 0.7 + 0.42 * len(rows))
        if transposed:  # one level over several waves: the waves are the rows
            largest = _grouped_hbar(ax, wave_pairs, [cats[0]], lambda w, lv: cell(lv, w),
                                    [OKABE_ITO["blue"]], lambda w, lv: f"{kind}:{lv}:{w}")
            ax.set_title(cats[0][1], fontsize=10.5)
        else:
            largest = _grouped_hbar(ax, cats, wave_pairs, cell, [OKABE_ITO["blue"]],
                                    lambda lv, w: f"{kind}:{lv}:{w}")
    else:
        fig, ax = new_figure(7.5, 0.5 + (0.26 * len(waves) + 0.12) * len(cats))
        largest = _grouped_hbar(ax, cats, wave_pairs, cell, PALETTE, lambda lv, w: f"{kind}:{lv}:{w}")
        ax.legend(title=legend_title, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_xlim(0, largest * room or 1)
    bare_value_axis(ax)
    return fig, ax
