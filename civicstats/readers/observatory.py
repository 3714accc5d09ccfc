"""OpenDataFrance's per-organisation export → ``open_data_organisations`` and ``open_data_adopters`` rows.

The observatory of open data in French territories (OpenDataFrance) publishes
an export with one row per organisation that opens data, in two layouts
(:data:`LAYOUTS`): April 2022 (``id_odf, siren, nom, type, …``) and October
2022 (``siren, nom, type, regcode, url-ptf, …``). :func:`observatory_layout`
tells them apart by their header. :func:`observatory_to_organisations` turns
either into the rows of ``open_data_organisations`` (one per organisation,
SIRENs cleaned of stray spaces and invisible marks, problems located in the
export). :func:`observatory_to_open_data` counts the organisations by their
``type`` code into the levels of ``open_data_adopters``:

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

import dataclasses
import datetime
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from civicstats.errors import DataError, DataWarning, Origin, Problem
from civicstats.naming import suggest
from civicstats.readers import RawTable
from civicstats.readers.responses import as_text, computed_origin
from civicstats.schema import sort_problems

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
#: The October 2022 export's header, as published (``ODF-Observatoire-organisations-221019.csv``).
OCTOBER_2022_COLUMNS = (
    "siren", "nom", "type", "regcode", "url-ptf", "nb-ptf", "url-datagouv", "nb-datagouv", "id-datagouv", "id-ods",
    "pop-insee", "lat", "long", "merge", "Département", "ptf", "Techno (from Plateformes)", "Thèmatiques", "ACV",
    "A vériifier", "TimeStamp",
)
#: Each layout: the export column (header folded by :func:`_names`) holding each field read.
LAYOUTS: dict[str, dict[str, str]] = {
    "2022-04": {"siren": "siren", "name": "nom", "type": "type", "regcode": "regcode", "departement": "depcode",
                "population": "pop_insee", "platform_datasets": "nb_ptf", "datagouv_datasets": "nb_datagouv",
                "merge": "merge", "technology": "platform_clean"},
    "2022-10": {"siren": "siren", "name": "nom", "type": "type", "regcode": "regcode", "departement": "département",
                "population": "pop_insee", "platform_datasets": "nb_ptf", "datagouv_datasets": "nb_datagouv",
                "merge": "merge", "technology": "techno (from plateformes)"},
}
#: The columns that identify the October 2022 layout (it has no ``id_odf``).
OCTOBER_CORE = ("siren", "nom", "type", "regcode", "merge", "nb_ptf")
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
#: The observatory's own file names: ``ODF-Observatoire-organisations-221019.csv`` (YYMMDD).
_ODF_NAME = re.compile(r"(?i)^odf-observatoire-organisations-(\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\.\w+$")


def _names(columns: Iterable[object]) -> list[str]:
    """Header cells folded for matching: no BOM, trimmed, lower case, ``-`` read as ``_``.

    >>> _names(["\ufeffSiren ", "url-ptf", "Département"])
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
    names = set(_names(columns))
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

    siren = clean_siren(frame["siren"])
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


# --------------------------------------------------------------------------
# One row per organisation: open_data_organisations

#: Columns of ``open_data_organisations``, in order.
ORGANISATION_COLUMNS = ("siren", "name", "type", "level", "region_code", "departement_code", "population",
                        "platform_datasets", "datagouv_datasets", "channel", "technology", "source")
#: The export's ``merge`` → publishing channel.
CHANNEL_OF_MERGE = {"ptf": "local_portal", "datagouv": "datagouv", "ptf+datagouv": "both"}
#: ``level`` of the bodies that are not local authorities (AGCT, OACT, DSPT, SDE).
ASSOCIATED_BODY = "associated_body"
#: Register id cited by rows read from an export other than the shipped one.
ORGANISATIONS_SOURCE = "ODFX"
#: Characters that are no part of a SIREN: spaces of every kind, and invisible marks
#: (left-to-right/right-to-left marks U+200E/U+200F, zero-width spaces and joiners, BOM).
_NOT_IN_SIREN = r"[\s\u00a0\u202f\u200b-\u200f\u2060\ufeff]"
_REGCODE = re.compile(r"^[A-Z]{2,3}-(\d{2})$")
_DEPARTEMENT = re.compile(r"^(\d{2,3}|2[AB])$")


def clean_siren(cells):
    """SIRENs without the spaces and invisible marks that copy-paste leaves in them (a Series).

    >>> import pandas as pd
    >>> clean_siren(pd.Series(["254002272 ", "\\u200e187609110", "213 500 010"])).tolist()
    ['254002272', '187609110', '213500010']
    """
    return cells.astype("str").str.replace(_NOT_IN_SIREN, "", regex=True)


def _departements(cell: str) -> str:
    """``"37,41"`` → ``"37;41"``, ``"1"`` → ``"01"``: the départements an organisation names."""
    parts = [p.strip() for p in re.split(r"[,;/]", cell) if p.strip()]
    return ";".join(p.zfill(2) if p.isdigit() and len(p) == 1 else p.upper() for p in parts)


def observatory_to_organisations(raw: RawTable, *, source: str | None = None) -> RawTable:
    """An observatory export (either layout) → ``open_data_organisations`` rows (text cells).

    One row per organisation, columns :data:`ORGANISATION_COLUMNS`, keyed by
    the export's own row numbers (origin: the export file), so that every
    problem names the export's row. SIRENs lose their stray spaces and
    invisible marks (:func:`clean_siren`); ``regcode`` ``BRE-53`` gives the
    INSEE région code ``53`` (``NC``, ``PF`` and blanks give none: New
    Caledonia and French Polynesia are no région); ``merge`` gives the
    publishing channel (:data:`CHANNEL_OF_MERGE`; where ``merge`` is blank, the
    dataset counts imply it, or it stays blank); non-local-authority types
    get level :data:`ASSOCIATED_BODY`. Rows cite ``source`` (default
    :data:`ORGANISATIONS_SOURCE`).

    Raises :class:`~civicstats.errors.DataError` listing every located
    problem in the export's own terms (file, row, export column, value): a
    malformed SIREN, an unknown type, a repeated SIREN, an unknown ``merge``,
    ``regcode`` or département, a count that is not a whole number.
    """
    import pandas as pd

    origin = raw.origin
    frame = raw.frame.copy()
    frame.columns = _names(frame.columns)
    layout = observatory_layout(frame.columns)
    if layout is None:
        rule = ("not an OpenDataFrance observatory export: its header needs "
                f"{', '.join(CORE_COLUMNS)} (April 2022) or {', '.join(OCTOBER_CORE)} (October 2022)")
        raise DataError([origin.problem(origin.header_row, None, None, rule)])
    if frame.empty:
        raise _whole_file(origin, "the export has no organisations under its header")
    columns = LAYOUTS[layout]
    original = {n: c for n, c in zip(_names(raw.frame.columns), raw.frame.columns)}

    def cells(field: str):
        name = columns[field]
        if name not in frame.columns:
            return pd.Series("", index=frame.index, dtype="object")
        return frame[name].astype("str").str.strip()

    def shown(field: str) -> str:  # the export's own column name, for messages
        return str(original.get(columns[field], columns[field])).replace("\ufeff", "")

    problems: list[Problem] = []
    siren = clean_siren(frame[columns["siren"]])
    malformed = siren.ne("") & ~siren.str.fullmatch(r"\d{9}")
    for r, v in zip(frame.index[malformed], frame[columns["siren"]][malformed]):
        problems.append(origin.problem(int(r), shown("siren"), v,
                                       "a SIREN is 9 digits (spaces and invisible marks are removed before this check)"))
    for r in frame.index[siren.eq("")]:
        problems.append(origin.problem(int(r), shown("siren"), None, "a SIREN is required here (9 digits)"))
    problems += [p if p.column != "siren" else dataclasses.replace(p, column=shown("siren"))
                 for p in _problems(frame, origin)]

    merge = cells("merge").str.lower().str.replace(r"\s+", "", regex=True)
    channel = merge.map(CHANNEL_OF_MERGE)
    # no merge cell (or column): the channel is what the counts say, else left blank (unknown)
    on_ptf = cells("platform_datasets").ne("")
    on_gouv = cells("datagouv_datasets").ne("")
    implied = (on_ptf & on_gouv).map({True: "both"}).fillna(on_ptf.map({True: "local_portal"})) \
        .fillna(on_gouv.map({True: "datagouv"})).fillna("")
    channel = channel.where(merge.ne(""), implied)
    for r, v in zip(frame.index[channel.isna()], cells("merge")[channel.isna()]):
        problems.append(origin.problem(int(r), shown("merge"), v or None,
                                       "the publishing channel must be ptf, datagouv or ptf+datagouv"))
    regcode = cells("regcode")
    region = regcode.str.extract(_REGCODE)[0].fillna("")
    odd_region = region.eq("") & ~regcode.isin(["", "NC", "PF"])
    for r, v in zip(frame.index[odd_region], regcode[odd_region]):
        problems.append(origin.problem(int(r), shown("regcode"), v,
                                       "a région code is written like BRE-53 (letters, a dash, the INSEE code)"))
    departement = cells("departement").map(_departements)
    odd_dep = ~departement.map(lambda d: all(_DEPARTEMENT.match(p) for p in d.split(";")) if d else True)
    for r, v in zip(frame.index[odd_dep], cells("departement")[odd_dep]):
        problems.append(origin.problem(int(r), shown("departement"), v,
                                       "a département code is 2 or 3 digits, or 2A/2B (several separated by ',')"))
    numbers = {}
    for field in ("population", "platform_datasets", "datagouv_datasets"):
        text = cells(field).str.replace(r"[\s\u00a0\u202f]", "", regex=True)
        bad = ~text.str.fullmatch(r"\d*")
        for r, v in zip(frame.index[bad], cells(field)[bad]):
            problems.append(origin.problem(int(r), shown(field), v, "must be a whole number (or blank)"))
        numbers[field] = text.where(~bad, "")
    if problems:
        raise DataError(sort_problems(problems))

    code = cells("type").str.upper()
    out = pd.DataFrame({
        "siren": siren,
        "name": cells("name"),
        "type": code,
        "level": code.map(LEVEL_OF_TYPE).fillna(ASSOCIATED_BODY),
        "region_code": region,
        "departement_code": departement,
        **numbers,
        "channel": channel,
        # "CKAN, CKAN" (two portals of one software) → "CKAN": each software once, in the export's order
        "technology": cells("technology").map(lambda v: ", ".join(dict.fromkeys(t.strip() for t in v.split(",") if t.strip()))),
        "source": source or ORGANISATIONS_SOURCE,
    }, index=frame.index, columns=list(ORGANISATION_COLUMNS))
    return RawTable(out.astype("str"), origin)


def organisations_csv(raw: RawTable, *, source: str | None = None) -> str:
    """The CSV text of ``open_data_organisations`` for an export: what ``data/open_data_organisations.csv`` holds.

    Rows sorted by SIREN, ``\\n`` line ends, UTF-8 without BOM; the same
    export always gives the same bytes (a test compares them with the
    shipped file, which ``scripts/derive_organisations.py`` writes).
    """
    import csv
    import io

    table = observatory_to_organisations(raw, source=source).frame.sort_values("siren", kind="stable")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")  # a data file read back by civicstats, not a spreadsheet
    writer.writerow(table.columns)
    writer.writerows(table.itertuples(index=False, name=None))
    return buffer.getvalue()
