"""Rows computed from exports: what :data:`civicstats.discover.DERIVED` names, called by ``tables.load``.

Each function takes an export's raw cells (a :class:`~civicstats.readers.RawTable`) and returns a table's rows
(an observatory export → ``open_data_organisations`` or ``open_data_adopters``; survey responses →
``civictech_adoption``), every problem located in the export. Counts cite ``ODFX``, the register's entry for the
observatory's per-organisation exports, never an edition that did not print them.

>>> str(computed_origin(Origin("survey.xlsx", "responses"), "civictech_adoption").problem(2, "count", 9, "x"))
"survey.xlsx, sheet 'responses → civictech_adoption (computed)', row 2, column 'count', value '9': x"
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from civicstats.analysis.observatory import LEVEL_OF_TYPE, LEVELS, NOT_LOCAL_AUTHORITIES, count_by_level
from civicstats.analysis.responses import aggregate_responses
from civicstats.errors import DataError, DataWarning, Origin, Problem
from civicstats.naming import suggest
from civicstats.readers import RawTable
from civicstats.readers.observatory import (AS_OF_ENV, CORE_COLUMNS, DATE_PATTERN, FULL_DATE, LAYOUTS, OCTOBER_CORE,
                                             YEAR, YEAR_MONTH, header_names, latest_timestamp, observatory_as_of,
                                             observatory_layout)
from civicstats.responses import validate_responses
from civicstats.validate import repeated_columns, sort_problems

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ASSOCIATED_BODY", "CHANNEL_OF_MERGE", "DEFAULT_SOURCE", "OPEN_DATA_COLUMNS", "ORGANISATION_COLUMNS",
           "adoption_from_responses", "as_text", "clean_siren", "computed_origin", "observatory_to_open_data",
           "observatory_to_organisations", "organisations_csv"]

OPEN_DATA_COLUMNS = ("as_of", "level", "count", "share_pct", "share_qualifier", "concerned", "concerned_qualifier",
                     "source", "note")
#: Columns of ``open_data_organisations``, in order.
ORGANISATION_COLUMNS = ("siren", "name", "type", "level", "region_code", "departement_code", "departement_codes",
                        "population_export", "platform_datasets", "datagouv_datasets", "channel", "technology",
                        "portal_url", "datagouv_url", "source")
#: Register id cited by rows computed or read from an export, whatever its date.
DEFAULT_SOURCE = "ODFX"
#: The export's ``merge`` → publishing channel.
CHANNEL_OF_MERGE = {"ptf": "local_portal", "datagouv": "datagouv", "ptf+datagouv": "both"}
#: ``level`` of the bodies that are not local authorities (AGCT, OACT, DSPT, SDE).
ASSOCIATED_BODY = "associated_body"
#: Characters that are no part of a SIREN: spaces of every kind, and invisible marks
#: (left-to-right/right-to-left marks U+200E/U+200F, zero-width spaces and joiners, BOM).
_NOT_IN_SIREN = r"[\s\u00a0\u202f\u200b-\u200f\u2060\ufeff]"
_REGCODE = re.compile(r"^[A-Z]{2,3}-(\d{2})$")
_DEPARTEMENT = re.compile(r"^(\d{2,3}|2[AB])$")


def computed_origin(origin: Origin, table: str) -> Origin:
    """Where computed rows come from: the input file, a sheet label naming the table; row ``k``: the ``k``-th row."""
    label = f"{origin.sheet} → {table} (computed)" if origin.sheet else f"{table} (computed)"
    return Origin(origin.file, label, header_row=0)


def as_text(frame: pd.DataFrame, origin: Origin) -> RawTable:
    """A typed table → a :class:`RawTable` of text cells (blank for missing), rows 1..n."""
    import pandas as pd

    text = pd.DataFrame({c: frame[c].astype("object").where(frame[c].notna(), "").astype("str") for c in frame.columns})
    text.index = pd.RangeIndex(origin.header_row + 1, origin.header_row + 1 + len(text))
    return RawTable(text, origin)


def adoption_from_responses(raw: RawTable, *, source_ids: set[str] | None = None) -> pd.DataFrame:
    """``civictech_adoption`` rows computed from survey responses: validated once, then counted.

    Returns a typed frame; a sheet with a correct header and no rows gives
    none (responses not collected yet are no error), a wrong header is
    reported whatever the number of rows.
    """
    if raw.frame.empty and not raw.problems:
        validate_responses(raw)  # the header, checked all the same
        return raw.frame.iloc[0:0, 0:0]
    if raw.problems:  # a formula or merged cells in the responses: reported, located, with the others
        raise DataError(covered_problems(raw, lambda: validate_responses(raw, source_ids=source_ids)))
    return aggregate_responses(validate_responses(raw, source_ids=source_ids))["civictech_adoption"]


def covered_problems(raw: RawTable, run) -> list[Problem]:
    """The reader's problems and those ``run`` raises, without reporting a covered cell twice.

    A cell the reader already reported (a formula, merged cells) is not
    reported again, nor are the problems of its whole row (a duplicate key
    made of a formula's blank, say): they follow from it.
    """
    try:
        run()
        found: list[Problem] = []
    except DataError as exc:
        found = exc.problems
    rows = {cell[:3] for cell in raw.covered}
    again = [p for p in found if (p.file, p.sheet, p.row, p.column) not in raw.covered
             and not (p.column is None and (p.file, p.sheet, p.row) in rows)]
    return sort_problems([*raw.problems, *again])


# --------------------------------------------------------------------------
# The observatory's export


def _whole_file(origin: Origin, code: str, value: object = None, **params) -> DataError:
    return DataError([Problem(origin.file, origin.sheet, None, None, value, code=code, params=params)])


def _export(raw: RawTable) -> tuple[pd.DataFrame, str]:
    """The export's cells with folded column names, and its layout; a DataError if it is not one."""
    origin = raw.origin
    layout = observatory_layout(raw.frame.columns)
    if layout is None:
        raise DataError([origin.problem(origin.header_row, None, None, code="observatory.not-an-export",
                                        april=", ".join(CORE_COLUMNS), october=", ".join(OCTOBER_CORE))])
    read = {*LAYOUTS[layout].values(), *CORE_COLUMNS}
    repeated = repeated_columns([str(c) for c in raw.frame.columns], origin, key=lambda c: header_names([c])[0])
    repeated = [p for p in repeated if header_names([p.column])[0] in read]  # other columns are not read
    if repeated:
        raise DataError(repeated)
    if raw.frame.empty:
        raise _whole_file(origin, "observatory.no-rows")
    frame = raw.frame.copy()
    frame.columns = header_names(frame.columns)
    return frame, layout


def _as_of(origin: Origin, as_of: str | None, frame: pd.DataFrame) -> str:
    """The date an export describes: ``as_of`` if given, else the one in its name, else ``$CIVICSTATS_AS_OF``, else
    the latest of its ``TimeStamp`` column (said in a warning: the export may be later)."""
    found = observatory_as_of(origin.file) if as_of is None else None
    as_of = as_of if as_of is not None or found is not None else os.environ.get(AS_OF_ENV)
    if as_of is not None:
        as_of = str(as_of).strip()
        if not re.fullmatch(DATE_PATTERN, as_of):
            raise _whole_file(origin, "observatory.bad-date", as_of)
        return as_of
    if found is not None:
        return found
    latest = latest_timestamp(frame)
    if latest is not None:
        warnings.warn(DataWarning(f"{origin.file}: no date in its name: dated {latest}, its latest row update "
                                  f"('TimeStamp'); the export may be later: give its date with --as-of (or "
                                  f"${AS_OF_ENV})", "data_note_timestamp", file=Path(origin.file).name, date=latest,
                                  env=AS_OF_ENV), stacklevel=4)
        return latest
    name = Path(origin.file).name
    dated = FULL_DATE.search(name) or YEAR_MONTH.search(name)
    code = "observatory.no-date-several" if dated else (
        "observatory.no-date-year" if YEAR.search(name) else "observatory.no-date")
    raise _whole_file(origin, code)


def _type_problems(frame: pd.DataFrame, origin: Origin, siren_column: str = "siren") -> list[Problem]:
    """Unknown or missing type codes, repeated SIRENs: located in the file."""
    problems: list[Problem] = []
    cells = frame["type"].astype("str").str.strip()
    known = tuple(LEVEL_OF_TYPE) + NOT_LOCAL_AUTHORITIES
    listed = ", ".join(f"{c} ({lvl})" for c, lvl in LEVEL_OF_TYPE.items())
    bad = ~cells.str.upper().isin(known)
    for r, v in zip(frame.index[bad], cells[bad], strict=True):
        hint = suggest(v, list(known)) if v else None
        code = "observatory.type-required" if v == "" else (
            "observatory.unknown-type-hint" if hint else "observatory.unknown-type")
        problems.append(origin.problem(int(r), "type", v or None, code=code, codes=listed,
                                       others=", ".join(NOT_LOCAL_AUTHORITIES), hint=hint))
    siren = clean_siren(frame["siren"])
    dup = siren.ne("") & siren.duplicated(keep=False)
    first: dict[str, int] = {}
    for r, s in zip(frame.index[dup], siren[dup], strict=True):
        if s in first:
            problems.append(origin.problem(int(r), siren_column, s, code="observatory.duplicate-siren", first=first[s]))
        else:
            first[s] = int(r)
    return problems


def observatory_to_open_data(raw: RawTable, as_of: str | None = None, *, source: str | None = None) -> RawTable:
    """Count an observatory export's local authorities → ``open_data_adopters`` rows (text cells).

    One row per level of :data:`~civicstats.analysis.observatory.LEVELS`
    (zeros included: the export lists every organisation the observatory
    knows), columns :data:`OPEN_DATA_COLUMNS`, index 1..n, origin naming the
    export and saying the rows are computed. ``as_of`` defaults to the date
    in the file name; ``source`` to :data:`DEFAULT_SOURCE`. Raises
    :class:`~civicstats.errors.DataError` for an unknown type code, a
    repeated SIREN, or a missing date; warns
    (:class:`~civicstats.errors.DataWarning`) about the bodies left out.
    """
    import pandas as pd

    origin = raw.origin
    frame, _ = _export(raw)
    problems: list[Problem] = []
    when = None
    try:  # the file's date, then its rows: every problem reported at once
        when = _as_of(origin, as_of, frame)
    except DataError as exc:
        problems += exc.problems
    problems += _type_problems(frame, origin)
    if problems:
        raise DataError(problems)
    count, left_out = count_by_level(frame["type"])

    basis = f"counted from the observatory's per-organisation export {Path(origin.file).name}"
    notes = {level: f"{basis} (type {code})" for code, level in LEVEL_OF_TYPE.items()}
    notes["epci"] = f"{basis} (MET + CU + CA + CC; EPT are not EPCI à fiscalité propre)"
    notes["all"] = f"{basis} (régions, départements, EPCI, EPT and communes)"
    if left_out:
        shown = ", ".join(f"{c} {n}" for c, n in left_out.items())
        notes["all"] += f"; left out, not local authorities: {shown}"
        n = sum(left_out.values())
        warnings.warn(DataWarning(f"{origin.file}: {n} organisation{'s' if n > 1 else ''} that are not local "
                                  f"authorities left out of the counts: {shown}", "data_note_left_out",
                                  file=Path(origin.file).name, n=n, types=left_out), stacklevel=2)
    out = pd.DataFrame({
        "as_of": when, "level": list(LEVELS), "count": [str(count[level]) for level in LEVELS],
        "share_pct": "", "share_qualifier": "", "concerned": "", "concerned_qualifier": "",
        "source": source or DEFAULT_SOURCE, "note": [notes[level] for level in LEVELS],
    }, columns=list(OPEN_DATA_COLUMNS))
    return as_text(out, computed_origin(origin, "open_data_adopters"))


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


def _warn_quality(frame: pd.DataFrame, raw: RawTable) -> None:
    """The export's consistency rules (:func:`civicstats.analysis.exports.quality_findings`) as located warnings,
    naming the export's own columns."""
    from civicstats.export_quality import quality_findings

    origin, own = raw.origin, dict(zip(header_names(raw.frame.columns), raw.frame.columns, strict=True))
    name = Path(origin.file).name
    for f in quality_findings(frame).itertuples(index=False):
        f = f._replace(column=own.get(f.column, f.column), value=own.get(f.value, f.value))
        rows = ", ".join(map(str, f.rows[:8])) + (", …" if len(f.rows) > 8 else "")
        if f.code == "export.shifted-column":
            warnings.warn(DataWarning(f"{origin.file}: column '{f.column}' looks shifted by {int(f.shift):+d} row "
                                      f"against '{f.value}': {f.count} rows have one without the other (rows {rows}); "
                                      "shifted back, none do: an export fault, not data", "data_note_shifted",
                                      file=name, column=f.column, value=f.value, shift=f"{int(f.shift):+d}",
                                      n=f.count, rows=rows), stacklevel=3)
        elif f.code != "export.duplicated-siren":  # a repeated SIREN is a problem, reported as such
            count_only = f.code == "export.count-without-address"
            which = "a count without its address" if count_only else "an address without its count"
            warnings.warn(DataWarning(f"{origin.file}: {f.count} row{'s' if f.count > 1 else ''} with {which} "
                                      f"('{f.column}' beside '{f.value}'): rows {rows}",
                                      "data_note_count_only" if count_only else "data_note_address_only",
                                      file=name, column=f.column, value=f.value, rows=rows), stacklevel=3)


def observatory_to_organisations(raw: RawTable, *, source: str | None = None,
                                 populations: pd.DataFrame | None = None) -> RawTable:
    """An observatory export (either layout) → ``open_data_organisations`` rows (text cells).

    One row per organisation, columns :data:`ORGANISATION_COLUMNS`, keyed by the export's own row numbers. SIRENs
    lose stray spaces and marks (:func:`clean_siren`); ``regcode`` ``BRE-53`` gives région ``53`` (``NC``, ``PF``:
    none); ``merge`` gives the channel (:data:`CHANNEL_OF_MERGE`; blank: what the counts imply); other bodies get
    level :data:`ASSOCIATED_BODY`; ``departement_code`` is the first département given, ``departement_codes`` all
    (``77;91``). A blank département (but for a région), or a ``pop-insee`` off the official ``populations`` by more
    than :data:`~civicstats.export_quality.POPULATION_FACTOR`, is a located warning. Rows cite ``source`` (default
    :data:`DEFAULT_SOURCE`). Raises :class:`~civicstats.errors.DataError` listing every located problem in the
    export's own terms.
    """
    import pandas as pd

    origin = raw.origin
    frame, layout = _export(raw)
    _warn_quality(frame, raw)
    columns = LAYOUTS[layout]
    original = dict(zip(header_names(raw.frame.columns), raw.frame.columns, strict=True))

    def cells(field: str):
        name = columns[field]
        if name not in frame.columns:
            return pd.Series("", index=frame.index, dtype="object")
        return frame[name].astype("str").str.strip()

    def shown(field: str) -> str:  # the export's own column name, for messages
        return str(original.get(columns[field], columns[field])).replace("\ufeff", "")

    def problem(r, field: str, value, code: str) -> Problem:
        return origin.problem(int(r), shown(field), value, code=code)

    siren = clean_siren(frame[columns["siren"]])
    malformed = siren.ne("") & ~siren.str.fullmatch(r"\d{9}")
    problems = [problem(r, "siren", v, "observatory.bad-siren")
                for r, v in zip(frame.index[malformed], frame[columns["siren"]][malformed], strict=True)]
    problems += [problem(r, "siren", None, "observatory.siren-required") for r in frame.index[siren.eq("")]]
    problems += _type_problems(frame, origin, shown("siren"))

    merge = cells("merge").str.lower().str.replace(r"\s+", "", regex=True)
    # no merge cell (or column): the channel is what the counts say, else left blank (unknown)
    on_ptf, on_gouv = cells("platform_datasets").ne(""), cells("datagouv_datasets").ne("")
    implied = pd.Series("", index=frame.index, dtype="object").mask(on_gouv, "datagouv") \
        .mask(on_ptf, "local_portal").mask(on_ptf & on_gouv, "both")
    channel = merge.map(CHANNEL_OF_MERGE).where(merge.ne(""), implied)
    problems += [problem(r, "merge", v or None, "observatory.bad-channel")
                 for r, v in zip(frame.index[channel.isna()], cells("merge")[channel.isna()], strict=True)]
    regcode = cells("regcode")
    region = regcode.str.extract(_REGCODE)[0].fillna("")
    odd_region = region.eq("") & ~regcode.isin(["", "NC", "PF"])
    problems += [problem(r, "regcode", v, "observatory.bad-region")
                 for r, v in zip(frame.index[odd_region], regcode[odd_region], strict=True)]
    departement = cells("departement").map(_departements)
    odd_dep = ~departement.map(lambda d: all(_DEPARTEMENT.match(p) for p in d.split(";")) if d else True)
    problems += [problem(r, "departement", v, "observatory.bad-departement")
                 for r, v in zip(frame.index[odd_dep], cells("departement")[odd_dep], strict=True)]
    numbers = {}
    for field in ("population_export", "platform_datasets", "datagouv_datasets"):
        text = cells(field).str.replace(r"[\s\u00a0\u202f]", "", regex=True)
        bad = ~text.str.fullmatch(r"\d*")
        problems += [problem(r, field, v, "observatory.not-a-count")
                     for r, v in zip(frame.index[bad], cells(field)[bad], strict=True)]
        numbers[field] = text.where(~bad, "")
    if problems:
        raise DataError(sort_problems(problems))

    code = cells("type").str.upper()
    blank = departement.eq("") & code.ne("REG") & (columns["departement"] in frame.columns)  # a région has none
    for r in frame.index[blank]:
        warnings.warn(str(origin.problem(int(r), shown("departement"), None, code="observatory.no-departement",
                                         name=cells("name")[r], type=code[r])), DataWarning, stacklevel=2)
    out = pd.DataFrame({
        "siren": siren, "name": cells("name"), "type": code,
        "level": code.map(LEVEL_OF_TYPE).fillna(ASSOCIATED_BODY),
        "region_code": region, "departement_code": departement.str.split(";").str[0],
        "departement_codes": departement, **numbers, "channel": channel,
        # "CKAN, CKAN" (two portals of one software) → "CKAN": each software once, in the export's order
        "technology": cells("technology").map(
            lambda v: ", ".join(dict.fromkeys(t.strip() for t in v.split(",") if t.strip()))),
        "portal_url": cells("portal_url"), "datagouv_url": cells("datagouv_url"), "source": source or DEFAULT_SOURCE,
    }, index=frame.index, columns=list(ORGANISATION_COLUMNS))
    if populations is not None:
        _warn_population(out, populations, origin, shown("population_export"))
    return RawTable(out.astype("str"), origin)


def _warn_population(table: pd.DataFrame, populations: pd.DataFrame, origin: Origin, column: str) -> None:
    """The export's population against the official one (:func:`civicstats.export_quality.population_findings`)."""
    import pandas as pd

    from civicstats.analysis.organisations import join_populations
    from civicstats.export_quality import POPULATION_FACTOR, population_findings

    export = pd.to_numeric(table["population_export"], errors="coerce").astype("Int64")
    official = join_populations(table.assign(population_export=export), populations)["official_population"]
    for r, e, o in population_findings(export, official.set_axis(table.index)).itertuples(index=False):
        warnings.warn(str(origin.problem(int(r), column, str(e), code="export.population-contradicts-official",
                                         name=table.at[r, "name"], official=o, factor=POPULATION_FACTOR)),
                      DataWarning, stacklevel=3)


def organisations_csv(raw: RawTable, *, source: str | None = None) -> str:
    """The CSV text of ``open_data_organisations`` for an export: what ``data/open_data_organisations.csv`` holds.

    Rows sorted by SIREN, ``\\n`` line ends, UTF-8 without BOM; the same
    export always gives the same bytes (a test compares them with the
    shipped file, which ``scripts/derive_organisations.py`` writes).
    """
    table = observatory_to_organisations(raw, source=source).frame.sort_values("siren", kind="stable")
    return table.to_csv(index=False, lineterminator="\n")  # a data file read back by civicstats, not a spreadsheet
