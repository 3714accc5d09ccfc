"""OpenDataFrance's per-organisation export → ``open_data_adopters`` rows.

The observatory of open data in French territories (OpenDataFrance) publishes
an export with one row per organisation that opens data (columns ``id_odf,
siren, nom, type, …``). :func:`observatory_to_open_data` counts its
organisations by their ``type`` code into the levels of
``open_data_adopters``:

* COM → commune, DEP → departement, REG → region, MET → metropole,
  CU → communaute_urbaine, CA → communaute_agglomeration,
  CC → communaute_communes, EPT → etablissement_public_territorial;
* ``epci`` = MET + CU + CA + CC (EPCI à fiscalité propre; an EPT is not one);
* ``all`` = every local authority: régions, départements, EPCI, EPT, communes.

Bodies that are not local authorities (AGCT, OACT, DSPT, SDE) are left out,
with a :class:`~civicstats.errors.DataWarning` giving their number per code.
An unknown code or a repeated SIREN is a located problem.

The date the counts describe is the export's: taken from its file name
(``observatoire-2022-04.csv`` → ``2022-04``, ``export_20220415.csv`` →
``2022-04-15``) unless given. A year alone is refused: the observatory changes
month to month, and ``2022`` is already the 2022 edition's own figure.

Rows cite ``source``; by default ``ODFX``, the register's entry for the
observatory's per-organisation exports (not an edition such as ``ODF22``, which
would attribute counts to a publication that never printed them). The note of
every row says the count was made from the export, naming the file.

>>> observatory_as_of("observatoire-2022-04.csv"), observatory_as_of("export_20220415.csv")
('2022-04', '2022-04-15')
"""

from __future__ import annotations

import datetime
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from civicstats.errors import DataError, DataWarning, Problem
from civicstats.readers import RawTable
from civicstats.readers.responses import as_text, computed_origin
from civicstats.schema import Origin, suggest

if TYPE_CHECKING:
    from collections.abc import Iterable

#: Every column of the export (FACTS.md §3).
OBSERVATORY_COLUMNS = (
    "id_odf", "siren", "nom", "type", "adress", "url_ptf", "nb_ptf", "url_datagouv", "nb_datagouv",
    "id_datagouv", "merge", "tranche_ptf", "platform_clean", "orga", "tags", "id_ods", "depcode",
    "dep_label", "regcode", "reg_code_short", "reg_code_geo", "pop_insee", "tranche_pop", "lat", "lon", "text",
)
#: The columns that identify the export; the others may be missing or added.
CORE_COLUMNS = ("id_odf", "siren", "nom", "type")
#: Local-authority type codes → level of open_data_adopters.
LEVEL_OF_TYPE = {
    "REG": "region", "DEP": "departement", "MET": "metropole", "CU": "communaute_urbaine",
    "CA": "communaute_agglomeration", "CC": "communaute_communes", "EPT": "etablissement_public_territorial",
    "COM": "commune",
}
#: EPCI à fiscalité propre (the ``epci`` row); EPT are counted in ``all`` only.
EPCI_TYPES = ("MET", "CU", "CA", "CC")
#: Bodies in the export that are not local authorities: left out of every count.
NOT_LOCAL_AUTHORITIES = ("AGCT", "OACT", "DSPT", "SDE")
#: Output levels, in the order of open_data_adopters' level enum.
LEVELS = ("region", "departement", "epci", "metropole", "communaute_urbaine", "communaute_agglomeration",
          "communaute_communes", "etablissement_public_territorial", "commune", "all")
OPEN_DATA_COLUMNS = ("as_of", "level", "count", "share_pct", "share_bound", "concerned", "concerned_bound",
                     "source", "note")
#: Default source id per year of the export (the register has no entry for the exports themselves).
#: Register id cited by rows counted from an export, whatever its date.
DEFAULT_SOURCE = "ODFX"

DATE_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"
_FULL_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)")
_YEAR_MONTH = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_.]?(0[1-9]|1[0-2])(?!\d)")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def _names(columns: Iterable[object]) -> list[str]:
    return [str(c).strip().lower() for c in columns]


def is_observatory(columns: Iterable[object]) -> bool:
    """Whether a header is the observatory's per-organisation export.

    >>> is_observatory(["id_odf", "siren", "nom", "type", "url_ptf", "extra"])
    True
    >>> is_observatory(["as_of", "level", "count", "source"])
    False
    """
    return set(CORE_COLUMNS) <= set(_names(columns))


def observatory_as_of(file_name: str) -> str | None:
    """The date in an export's file name (ISO: ``YYYY-MM-DD`` or ``YYYY-MM``), if there is exactly one.

    >>> observatory_as_of("odf_2022_04_15.csv"), observatory_as_of("observatoire-2022.csv")
    ('2022-04-15', None)
    """
    name = Path(file_name).name
    found: list[str] = []
    for m in _FULL_DATE.finditer(name):
        try:
            found.append(datetime.date(int(m[1]), int(m[3]), int(m[4])).isoformat())
        except ValueError:
            continue
        name = name[: m.start()] + " " * (m.end() - m.start()) + name[m.end():]
    found += [f"{m[1]}-{m[2]}" for m in _YEAR_MONTH.finditer(name)]
    return found[0] if len(set(found)) == 1 else None


def _whole_file(origin: Origin, rule: str, value: object = None, column: str | None = None) -> DataError:
    return DataError([Problem(origin.file, origin.sheet, None, column, value, rule)])


def _as_of(origin: Origin, as_of: str | None) -> str:
    if as_of is not None:
        as_of = str(as_of).strip()
        if not re.fullmatch(DATE_PATTERN, as_of):
            raise _whole_file(origin, "as_of must be a date written YYYY, YYYY-MM or YYYY-MM-DD", as_of)
        return as_of
    found = observatory_as_of(origin.file)
    if found is not None:
        return found
    name = Path(origin.file).name
    rule = ("cannot tell the date of this export: put it in the file name, e.g. observatoire-2022-04.csv "
            "or observatoire-20220415.csv (or pass as_of)")
    if _YEAR.search(name) and not (_FULL_DATE.search(name) or _YEAR_MONTH.search(name)):
        rule += "; a year alone is not enough (the observatory changes month to month)"
    elif _FULL_DATE.search(name) or _YEAR_MONTH.search(name):
        rule += "; this name holds more than one date"
    raise _whole_file(origin, rule)


def _source(origin: Origin, as_of: str, source: str | None) -> str:
    if source is not None:
        return source
    return DEFAULT_SOURCE


def _problems(frame, origin: Origin) -> list[Problem]:
    """Unknown or missing type codes, repeated SIRENs: located in the file."""
    import pandas as pd

    problems: list[Problem] = []
    rows = pd.Series(frame.index, index=frame.index)
    cells = frame["type"].astype("str").str.strip()
    code = cells.str.upper()
    known = tuple(LEVEL_OF_TYPE) + NOT_LOCAL_AUTHORITIES
    bad = ~code.isin(known)
    listed = ", ".join(f"{c} ({lvl})" for c, lvl in LEVEL_OF_TYPE.items()) + ", and " + ", ".join(NOT_LOCAL_AUTHORITIES) + " (not local authorities)"
    for r, v in zip(rows[bad], cells[bad]):
        if v == "":
            problems.append(origin.problem(int(r), "type", None, f"a type code is required here (known codes: {listed})"))
            continue
        rule = f"unknown organisation type code (known codes: {listed})"
        hint = suggest(v, list(known))
        problems.append(origin.problem(int(r), "type", v, rule + (f"; did you mean {hint!r}?" if hint else "")))

    siren = frame["siren"].astype("str").str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    keyed = siren.ne("")
    dup = keyed & siren.duplicated(keep=False)
    if dup.any():
        first = rows[dup].groupby(siren[dup], sort=False).transform("first")
        repeat = first.ne(rows[dup])
        for r, f, s in zip(rows[dup][repeat], first[repeat], siren[dup][repeat]):
            problems.append(origin.problem(int(r), "siren", s, f"duplicate SIREN: row {int(f)} has the same organisation"))
    return problems


def observatory_to_open_data(raw: RawTable, as_of: str | None = None, *, source: str | None = None) -> RawTable:
    """Count an observatory export's local authorities → ``open_data_adopters`` rows (text cells).

    One row per level of :data:`LEVELS` (zeros included: the export lists
    every organisation the observatory knows), columns
    :data:`OPEN_DATA_COLUMNS`, index 1..n, origin naming the export and saying
    the rows are computed. ``as_of`` defaults to the date in the file name;
    ``source`` to :data:`DEFAULT_SOURCE`. Raises
    :class:`~civicstats.errors.DataError` for an unknown type code, a repeated
    SIREN, or a missing date; warns (:class:`~civicstats.errors.DataWarning`)
    about the bodies left out.
    """
    import pandas as pd

    origin = raw.origin
    frame = raw.frame.copy()
    frame.columns = _names(frame.columns)
    if not is_observatory(frame.columns):
        missing = [c for c in CORE_COLUMNS if c not in frame.columns]
        raise DataError([origin.problem(origin.header_row, c, None,
                                        "not an OpenDataFrance observatory export: its header needs "
                                        f"{', '.join(CORE_COLUMNS)}") for c in missing])
    if frame.empty:
        raise _whole_file(origin, "the export has no organisations under its header")
    problems: list[Problem] = []
    when = cite = None
    try:  # the file's date and source, then its rows: every problem reported at once
        when = _as_of(origin, as_of)
        cite = _source(origin, when, source)
    except DataError as exc:
        problems += exc.problems
    problems += _problems(frame, origin)
    if problems:
        raise DataError(problems)

    code = frame["type"].astype("str").str.strip().str.upper()
    per_code = code.value_counts()
    count = {level: int(per_code.get(c, 0)) for c, level in LEVEL_OF_TYPE.items()}
    count["epci"] = sum(int(per_code.get(c, 0)) for c in EPCI_TYPES)
    count["all"] = sum(int(per_code.get(c, 0)) for c in LEVEL_OF_TYPE)
    left_out = {c: int(per_code[c]) for c in NOT_LOCAL_AUTHORITIES if c in per_code.index}

    name = Path(origin.file).name
    basis = f"counted from the observatory's per-organisation export {name}"
    code_of = {level: c for c, level in LEVEL_OF_TYPE.items()}
    notes = {level: f"{basis} (type {code_of[level]})" for level in code_of}
    notes["epci"] = f"{basis} (MET + CU + CA + CC; EPT are not EPCI à fiscalité propre)"
    notes["all"] = f"{basis} (régions, départements, EPCI, EPT and communes)"
    if left_out:
        shown = ", ".join(f"{c} {n}" for c, n in left_out.items())
        notes["all"] += f"; left out, not local authorities: {shown}"
        warnings.warn(
            f"{origin.file}: {sum(left_out.values())} organisation{'s' if sum(left_out.values()) > 1 else ''} "
            f"that are not local authorities left out of the counts: {shown}",
            DataWarning, stacklevel=2,
        )

    out = pd.DataFrame({
        "as_of": when,
        "level": list(LEVELS),
        "count": [str(count[level]) for level in LEVELS],
        "share_pct": "", "share_bound": "", "concerned": "", "concerned_bound": "",
        "source": cite,
        "note": [notes[level] for level in LEVELS],
    }, columns=list(OPEN_DATA_COLUMNS))
    return as_text(out, computed_origin(origin, "open_data_adopters"))
