"""OpenDataFrance's per-organisation export: its two layouts, recognised by their header, and its date.

The observatory of open data in French territories (OpenDataFrance) publishes
an export with one row per organisation that opens data, in two layouts
(:data:`LAYOUTS`): April 2022 (``id_odf, siren, nom, type, …``) and October
2022 (``siren, nom, type, regcode, url-ptf, …``). :func:`observatory_layout`
tells them apart by their header; :func:`header_names` folds a header the way
both layouts are matched. The export is read as any CSV file
(:mod:`civicstats.readers.csv`); the rows it adds to tables are computed in
:mod:`civicstats.derive`.

The date an export describes is in its file name (``observatoire-2022-04.csv``
→ ``2022-04``, ``export_20220415.csv`` → ``2022-04-15``): :func:`observatory_as_of`.

>>> observatory_as_of("observatoire-2022-04.csv"), observatory_as_of("export_20220415.csv")
('2022-04', '2022-04-15')
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd

__all__ = ["CORE_COLUMNS", "DATE_PATTERN", "FULL_DATE", "LAYOUTS", "OBSERVATORY_COLUMNS", "OCTOBER_2022_COLUMNS",
           "OCTOBER_CORE", "YEAR", "YEAR_MONTH", "header_names", "is_observatory", "observatory_as_of",
           "observatory_layout", "AS_OF_ENV", "latest_timestamp"]

#: Every column of the export (FACTS.md §3).
OBSERVATORY_COLUMNS = (
    "id_odf", "siren", "nom", "type", "adress", "url_ptf", "nb_ptf", "url_datagouv", "nb_datagouv",
    "id_datagouv", "merge", "tranche_ptf", "platform_clean", "orga", "tags", "id_ods", "depcode",
    "dep_label", "regcode", "reg_code_short", "reg_code_geo", "pop_insee", "tranche_pop", "lat", "lon", "text",
)
#: The columns that identify the export; the others may be missing or added.
CORE_COLUMNS = ("id_odf", "siren", "nom", "type")
#: The October 2022 export's header, as published (``ODF-Observatoire-organisations-221019.csv``).
OCTOBER_2022_COLUMNS = (
    "siren", "nom", "type", "regcode", "url-ptf", "nb-ptf", "url-datagouv", "nb-datagouv", "id-datagouv", "id-ods",
    "pop-insee", "lat", "long", "merge", "Département", "ptf", "Techno (from Plateformes)", "Thèmatiques", "ACV",
    "A vériifier", "TimeStamp",
)
#: Each layout: the export column (header folded by :func:`header_names`) holding each field read.
LAYOUTS: dict[str, dict[str, str]] = {
    "2022-04": {"siren": "siren", "name": "nom", "type": "type", "regcode": "regcode", "departement": "depcode",
                "population_export": "pop_insee", "platform_datasets": "nb_ptf", "datagouv_datasets": "nb_datagouv",
                "merge": "merge", "technology": "platform_clean", "portal_url": "url_ptf",
                "datagouv_url": "url_datagouv"},
    "2022-10": {"siren": "siren", "name": "nom", "type": "type", "regcode": "regcode", "departement": "département",
                "population_export": "pop_insee", "platform_datasets": "nb_ptf", "datagouv_datasets": "nb_datagouv",
                "merge": "merge", "technology": "techno (from plateformes)", "portal_url": "url_ptf",
                "datagouv_url": "url_datagouv"},
}
#: The columns that identify the October 2022 layout (it has no ``id_odf``).
OCTOBER_CORE = ("siren", "nom", "type", "regcode", "merge", "nb_ptf")
DATE_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"
FULL_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)")
YEAR_MONTH = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_.]?(0[1-9]|1[0-2])(?!\d)")
YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
#: The observatory's own file names: ``ODF-Observatoire-organisations-221019.csv`` (YYMMDD).
_ODF_NAME = re.compile(r"(?i)^odf-observatoire-organisations-(\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\.\w+$")


#: The date of an export whose file name holds none (``civicstats build --as-of`` sets it).
AS_OF_ENV = "CIVICSTATS_AS_OF"
#: How the October 2022 export writes its rows' update times (``15/12/2021 11:57am``).
TIMESTAMP_FORMAT = "%d/%m/%Y %I:%M%p"


def latest_timestamp(frame: pd.DataFrame) -> str | None:
    """The latest date of an export's ``timestamp`` column (headers folded by :func:`header_names`), if any.

    >>> import pandas as pd
    >>> latest_timestamp(pd.DataFrame({"timestamp": ["15/12/2021 11:57am", "4/10/2022 4:16pm", "?"]}))
    '2022-10-04'
    >>> latest_timestamp(pd.DataFrame({"siren": ["1"]})) is None
    True
    """
    import pandas as pd

    if "timestamp" not in frame.columns:
        return None
    latest = pd.to_datetime(frame["timestamp"].astype(str).str.strip().str.lower(), format=TIMESTAMP_FORMAT,
                            errors="coerce").max()
    return None if pd.isna(latest) else latest.date().isoformat()


def header_names(columns: Iterable[object]) -> list[str]:
    """Header cells folded for matching: no BOM, trimmed, lower case, ``-`` read as ``_``.

    >>> header_names(["\ufeffSiren ", "url-ptf", "Département"])
    ['siren', 'url_ptf', 'département']
    """
    return [str(c).replace("\ufeff", "").strip().lower().replace("-", "_") for c in columns]


def observatory_layout(columns: Iterable[object]) -> str | None:
    """Which layout of the export a header is: ``"2022-04"``, ``"2022-10"`` or ``None``.

    >>> observatory_layout(OBSERVATORY_COLUMNS), observatory_layout(OCTOBER_2022_COLUMNS)
    ('2022-04', '2022-10')
    >>> observatory_layout(["as_of", "level", "count", "source"]) is None
    True
    """
    names = set(header_names(columns))
    if set(CORE_COLUMNS) <= names:
        return "2022-04"
    if set(OCTOBER_CORE) <= names:
        return "2022-10"
    return None


def is_observatory(columns: Iterable[object]) -> bool:
    """Whether a header is the observatory's per-organisation export (either layout).

    >>> is_observatory(["id_odf", "siren", "nom", "type", "url_ptf", "extra"])
    True
    >>> is_observatory(OCTOBER_2022_COLUMNS)
    True
    >>> is_observatory(["as_of", "level", "count", "source"])
    False
    """
    return observatory_layout(columns) is not None


def observatory_as_of(file_name: str) -> str | None:
    """The date in an export's file name (ISO: ``YYYY-MM-DD`` or ``YYYY-MM``), if there is exactly one.

    >>> observatory_as_of("odf_2022_04_15.csv"), observatory_as_of("observatoire-2022.csv")
    ('2022-04-15', None)
    >>> observatory_as_of("ODF-Observatoire-organisations-221019.csv")
    '2022-10-19'
    """
    name = Path(file_name).name
    own = _ODF_NAME.match(name)
    if own:  # the observatory's own naming: YYMMDD
        return f"20{own[1]}-{own[2]}-{own[3]}"
    found: list[str] = []
    for m in FULL_DATE.finditer(name):
        try:
            found.append(datetime.date(int(m[1]), int(m[3]), int(m[4])).isoformat())
        except ValueError:
            continue
        name = name[: m.start()] + " " * (m.end() - m.start()) + name[m.end():]
    found += [f"{m[1]}-{m[2]}" for m in YEAR_MONTH.finditer(name)]
    return found[0] if len(set(found)) == 1 else None
