"""Raw files read beside the tables: the observatory's platforms file and the outlines of the maps.

Each is read from the data folder given as ``source`` (as for
:func:`civicstats.load`: the file at the same place under it, ``raw/…``),
else from the shipped data; the frame says which: ``attrs["origin"]`` is
``"source"`` or ``"shipped"``, ``attrs["files"]`` names the file read.

>>> departements = outlines("departement")
>>> departements.attrs["origin"], list(departements.columns)
('shipped', ['code', 'name', 'polygons'])
>>> platforms().attrs["origin"]
'shipped'
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from civicstats.paths import DATA_DIR

if TYPE_CHECKING:
    import pandas as pd

    from civicstats.tables import Source

__all__ = ["PLATFORMS", "OUTLINES", "platforms", "outlines"]

#: The observatory's platforms file, relative to a data folder.
PLATFORMS = "raw/odf/ODF-Observatoire-plateformes.csv"
#: The outlines of each map level (GeoJSON, IGN Admin Express COG 2018, register id GEO18), relative to a data folder.
OUTLINES = {"departement": "raw/geo/departements-version-simplifiee.geojson",
            "region": "raw/geo/regions-version-simplifiee.geojson"}


def _find(relative: str, source: Source) -> tuple[Path, str]:
    """The file at ``relative`` under the folder ``source``, else the shipped one; and which it is."""
    if source is not None and Path(source).is_dir() and (Path(source) / relative).is_file():
        return Path(source) / relative, "source"
    return DATA_DIR / relative, "shipped"


def platforms(source: Source = None) -> pd.DataFrame:
    """The observatory's platforms file (one row per publishing platform: ``Nom``, ``Techno``…), as text cells."""
    from civicstats.readers.csv import read_csv

    path, origin = _find(PLATFORMS, source)
    frame = read_csv(path).frame
    frame.attrs.update(origin=origin, files=[str(path)])
    return frame


def outlines(level: str, source: Source = None) -> pd.DataFrame:
    """The outlines of ``level`` (``departement`` or ``region``): ``code``, ``name``, ``polygons``.

    ``polygons`` holds the outer ring of each polygon, as (longitude,
    latitude) pairs; overseas départements have no outline in these files.
    """
    import pandas as pd

    if level not in OUTLINES:
        raise ValueError(f"outlines are of {', '.join(OUTLINES)}, not {level!r}")
    path, origin = _find(OUTLINES[level], source)
    rows = []
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        rows.append({"code": str(feature["properties"]["code"]), "name": str(feature["properties"]["nom"]),
                     "polygons": [[(lon, lat) for lon, lat in polygon[0]] for polygon in polygons]})
    frame = pd.DataFrame(rows, columns=["code", "name", "polygons"])
    frame.attrs.update(origin=origin, files=[str(path)])
    return frame
