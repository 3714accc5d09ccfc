"""Saving a finished chart as SVG and PNG, atomically, under a stable name."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from civicstats.charts.stamp import finish, restore_positions
from civicstats.charts.style import house_style
from civicstats.files import write_atomic

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["save_figure"]


def _figure_name(name: str) -> str:
    stem = str(name)
    for suffix in (".png", ".svg"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    if not stem or stem in (".", "..") or "/" in stem or "\\" in stem or stem.startswith("."):
        raise ValueError(f"a figure name is a plain file name without folders, not {name!r}")
    return stem


def save_figure(fig: Figure, name: str, *, out_dir: str | Path | None = None, title: str | None = None,
                units: str | None = None, sources: Sequence[str] | None = None,
                lang: str | None = None, register: pd.DataFrame | None = None) -> list[Path]:
    """Finish ``fig`` in the house style and write ``name.png`` and ``name.svg``.

    Stamps the title, units and source line (:func:`~civicstats.charts.finish`), then writes both files,
    atomically, into ``out_dir`` or :func:`civicstats.paths.figures_dir`. The bytes depend only on the figure (no
    timestamp, version or date; fixed SVG ids; text as paths). Returns ``[png_path, svg_path]``.
    """
    from civicstats import paths

    stem = _figure_name(name)
    folder = Path(out_dir) if out_dir is not None else paths.figures_dir()
    folder.mkdir(parents=True, exist_ok=True)
    _forget_saved_png(fig)
    with house_style():
        finish(fig, title=title, units=units, sources=sources, lang=lang, register=register)
        fig.civicstats["name"] = stem  # the files a notebook links to when it shows this figure
        written = []
        for fmt, kwargs in (("png", {"dpi": 150, "metadata": {"Software": None}}),
                            ("svg", {"metadata": {"Date": None}})):
            target = folder / f"{stem}.{fmt}"
            restore_positions(fig)
            drawn = io.BytesIO()
            fig.savefig(drawn, format=fmt, facecolor="white", **kwargs)
            write_atomic(target, drawn.getvalue())
            written.append(target)
            if fmt == "png":
                png = drawn.getvalue()
    # what a notebook shows of this figure while it stays as saved (civicstats.display): any change from here on
    # marks it stale, and any drawing forgets the PNG
    fig._civicstats_png = png
    fig._civicstats_png_drawn = fig.canvas.mpl_connect("draw_event", lambda _event: _forget_saved_png(fig))
    fig.stale = False
    return written


def _forget_saved_png(fig: Figure) -> None:
    fig.__dict__.pop("_civicstats_png", None)
    connection = fig.__dict__.pop("_civicstats_png_drawn", None)
    if connection is not None:
        fig.canvas.mpl_disconnect(connection)
