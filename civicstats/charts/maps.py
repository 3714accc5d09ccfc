"""Maps of where open data is: départements and régions of metropolitan France.

Outlines are the frames :func:`civicstats.outlines` returns (IGN Admin
Express COG 2018, register id GEO18), given by the caller, projected to
Lambert-93 (EPSG:2154, the official projection of metropolitan France)
by :func:`lambert93`, a plain implementation of the Lambert conformal conic
formulas on the GRS80 ellipsoid; no geometry library is needed. Polygons are
drawn with a matplotlib ``PolyCollection``. Overseas départements have no
outline in these files: the maps say how many organisations they leave out.

>>> x, y = lambert93(3.0, 46.5)
>>> round(x), round(y)
(700000, 6600000)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from civicstats.charts.stamp import finish
from civicstats.charts.style import PALETTE, bare_value_axis, house_style, new_figure
from civicstats.format import check_lang, format_as_of, format_number, format_percent
from civicstats.labels import text

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["lambert93", "dated", "choropleth", "departement_map", "ranked_bars"]

# Lambert-93: GRS80, standard parallels 44° and 49°, origin 46.5° N 3° E, false easting/northing.
_A, _E = 6378137.0, 0.0818191910428158
_PHI1, _PHI2, _PHI0, _LAMBDA0 = (math.radians(v) for v in (49.0, 44.0, 46.5, 3.0))
_X0, _Y0 = 700000.0, 6600000.0


def _m(phi: float) -> float:
    return math.cos(phi) / math.sqrt(1 - (_E * math.sin(phi)) ** 2)


def _t(phi: float) -> float:
    s = _E * math.sin(phi)
    return math.tan(math.pi / 4 - phi / 2) / ((1 - s) / (1 + s)) ** (_E / 2)


_N = (math.log(_m(_PHI1)) - math.log(_m(_PHI2))) / (math.log(_t(_PHI1)) - math.log(_t(_PHI2)))
_F = _m(_PHI1) / (_N * _t(_PHI1) ** _N)
_RHO0 = _A * _F * _t(_PHI0) ** _N


def lambert93(lon: float, lat: float) -> tuple[float, float]:
    """Longitude/latitude (degrees, WGS 84 ≈ RGF93) → Lambert-93 metres.

    >>> [round(v, -2) for v in lambert93(2.3522, 48.8566)]  # Paris, Hôtel de Ville
    [652500.0, 6862000.0]
    """
    rho = _A * _F * _t(math.radians(lat)) ** _N
    theta = _N * (math.radians(lon) - _LAMBDA0)
    return _X0 + rho * math.sin(theta), _Y0 + _RHO0 - rho * math.cos(theta)


def dated(title: str, as_of: str | None, lang: str = "en") -> str:
    """``title`` followed by the date the data describes, when it is known.

    >>> dated("Organisations", "2022-10-19"), dated("Organisations", None)
    ('Organisations (19 October 2022)', 'Organisations')
    """
    return f"{title} ({format_as_of(as_of, lang)})" if as_of else title


def choropleth(outlines: pd.DataFrame, values: pd.Series, *, lang: str = "en", title: str, units: str,
               sources: list[str], legend: str, left_out: int = 0, percent: bool = False,
               grey: str | None = None, register: pd.DataFrame | None = None) -> Figure:
    """A map of ``outlines`` (:func:`civicstats.outlines`) coloured by ``values`` (a Series indexed by code).

    Grey where there is no value (``grey`` says what it means); ``left_out`` organisations (overseas, no
    outline) are counted under the map.
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import LinearSegmentedColormap, Normalize

    check_lang(lang)
    cmap = LinearSegmentedColormap.from_list("civicstats", ["#f2f6fa", PALETTE[0], "#0b2d4a"])
    vmax = float(values.max()) if len(values) and values.max() > 0 else 1.0
    norm = Normalize(0, vmax)
    polys, colours = [], []
    for code, polygons in sorted(zip(outlines["code"], outlines["polygons"], strict=True)):
        value = values.get(code)
        colour = "#dddddd" if value is None or value != value else cmap(norm(float(value)))
        for ring in polygons:
            polys.append([lambert93(lon, lat) for lon, lat in ring])
            colours.append(colour)
    with house_style():
        fig, ax = new_figure(7.2, 7.0)
        ax.add_collection(PolyCollection(polys, facecolors=colours, edgecolors="white", linewidths=0.4))
        xs = [x for ring in polys for x, _ in ring]
        ys = [y for ring in polys for _, y in ring]
        ax.set_xlim(min(xs), max(xs))
        ax.set_ylim(min(ys), max(ys))
        ax.set_aspect("equal")
        ax.set_axis_off()
        bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.6, pad=0.02,
                           anchor=(0.0, 0.8))  # clear of the notes under the map
        bar.set_label(legend)
        bar.outline.set_visible(False)
        if percent:
            bar.ax.yaxis.set_major_formatter(lambda v, _pos: format_percent(v / 100, lang))
        notes = [grey if grey is not None else text("orgs_map_grey", lang)]
        if left_out:
            notes.append(text("orgs_map_overseas", lang, n=format_number(left_out, lang)))
        ax.text(0.0, -0.02, " ".join(notes), transform=ax.transAxes, fontsize=8, color="#444444", va="top",
                wrap=True)
    return finish(fig, title=title, units=units, sources=sources, lang=lang, register=register)


def departement_map(values: pd.DataFrame, outlines: pd.DataFrame, *, column: str, lang: str = "en",
                    sources: list[str], left_out: int = 0, as_of: str | None = None,
                    register: pd.DataFrame | None = None) -> Figure:
    """Choropleth of départements: ``values`` has ``departement_code`` and ``column``.

    ``column`` is ``organisations`` (local authorities with open data) or
    ``share_pct`` (communes of 3,500+ inhabitants that publish, of the upper
    bound of those concerned). ``as_of``: the date of the export, added to the title.
    """
    series = values.set_index("departement_code")[column].astype("float64")
    key = {"organisations": "orgs_map_count", "share_pct": "orgs_map_share"}[column]
    return choropleth(outlines, series, lang=lang, title=dated(text(f"{key}_title", lang), as_of, lang),
                      units=text(f"{key}_units", lang), sources=sources, legend=text(f"{key}_legend", lang),
                      left_out=left_out, percent=column == "share_pct", grey=text(f"{key}_grey", lang),
                      register=register)


def ranked_bars(labels: list[str], values: list[float], *, lang: str = "en", title: str, units: str,
                sources: list[str], percent: bool = False, colours: list[str] | None = None,
                register: pd.DataFrame | None = None) -> Figure:
    """Horizontal bars, largest on top, each labelled with its value."""
    check_lang(lang)
    with house_style():
        fig, ax = new_figure(7.2, 0.9 + 0.32 * len(labels))
        ys = list(range(len(labels)))[::-1]
        ax.barh(ys, values, color=colours or PALETTE[0], height=0.7)
        ax.set_yticks(ys, labels)
        for y, v in zip(ys, values, strict=True):
            shown = format_percent(v / 100, lang) if percent else format_number(v, lang)
            ax.text(v, y, " " + shown, va="center", fontsize=8.5)
        ax.set_xlim(0, max(values) * 1.15 if values and max(values) > 0 else 1)
        bare_value_axis(ax)  # top and right spines: none in the house style
    return finish(fig, title=title, units=units, sources=sources, lang=lang, register=register)
