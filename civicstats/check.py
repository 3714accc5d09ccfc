"""Checking a file or folder of updated data before building on it.

:func:`check` validates every table it finds in a CSV file, a folder of CSV
files named after the tables, or a workbook (every sheet named after a
table), and gathers every problem of every table into one
:class:`CheckReport`. Survey responses (a workbook's ``responses`` sheet, a
folder's ``responses.csv``, a CSV file of responses) are checked through the
``civictech_adoption`` rows they add, and an OpenDataFrance observatory
export through the ``open_data_adopters`` rows it adds. Sheets and files it
does not read are reported as :class:`~civicstats.errors.DataWarning`, not
problems.

>>> report = check(paths.DATA_DIR)
>>> report.ok, report.tables["civictech_adoption"]
(True, 7)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

from civicstats import paths
from civicstats.errors import DataError, DataWarning, Problem
from civicstats.schema import suggest, table_names
from civicstats.tables import XLSX_SUFFIXES, load


@dataclass
class CheckReport:
    """What :func:`check` found: rows per valid table, and every problem."""

    path: str
    tables: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem_lines(self) -> list[str]:
        return [str(p) for p in self.problems]

    def summary(self) -> str:
        if self.ok:
            shown = ", ".join(f"{name} ({rows} rows)" for name, rows in self.tables.items())
            return f"ok: {self.path}: {len(self.tables)} table{'s' if len(self.tables) != 1 else ''} valid: {shown}"
        n = len(self.problems)
        return f"invalid: {self.path}: {n} problem{'s' if n != 1 else ''} (one per line above)"


def table_for_file(path: Path, table: str | None = None) -> str:
    """The table a CSV file holds: ``table`` if given, else its file name."""
    names = table_names()
    if table is not None:
        if table not in names:
            raise DataError([Problem(str(path), None, None, None, table, f"unknown table (tables: {', '.join(names)})")])
        return table
    if path.stem in names:
        return path.stem
    hint = suggest(path.stem, names)
    rule = f"cannot tell which table this file holds: name it after a table ({', '.join(names)}) or pass --table"
    if hint:
        rule += f"; did you mean {hint}.csv?"
    raise DataError([Problem(str(path), None, None, None, None, rule)])


def _tables_in(path: Path, table: str | None) -> list[tuple[str, Path]]:
    from civicstats.tables import RESPONSES, csv_holds

    if path.is_dir():
        found = []
        for f in sorted(path.iterdir()):
            if f.suffix.lower() != ".csv":
                continue
            if f.stem in table_names():
                found.append((f.stem, path))
            elif f.stem == RESPONSES:
                found.append(("civictech_adoption", path))
            elif f.name != "datapackage.json":
                warnings.warn(f"{f}: not a table name, ignored (tables: {', '.join(table_names())})", DataWarning, stacklevel=3)
        if not found:
            raise DataError([Problem(str(path), None, None, None, None,
                                     f"no table found: the folder needs CSV files named after tables ({', '.join(table_names())})")])
        found = list(dict.fromkeys(found))
        return [t for t in found if table is None or t[0] == table]
    if not path.exists():
        raise DataError([Problem(str(path), None, None, None, None, "no such file or folder")])
    if path.suffix.lower() in XLSX_SUFFIXES:
        from civicstats.readers.xlsx import known_sheets, renamed_sheets

        sheets = known_sheets(path)
        renamed = renamed_sheets(path)  # tables in sheets named otherwise: load reports them
        names = [s for s in sheets if s in table_names()] + [t for t in renamed if t in table_names()]
        if (RESPONSES in sheets or RESPONSES in renamed) and "civictech_adoption" not in names:
            names.insert(0, "civictech_adoption")
        if not names:
            raise DataError([Problem(str(path), None, None, None, None,
                                     "no table found: the workbook needs sheets named after tables "
                                     f"({', '.join(table_names())}) or a '{RESPONSES}' sheet; "
                                     "civicstats template writes one to start from")])
        return [(name, path) for name in names if table is None or name == table]
    if table is None and path.stem not in table_names():
        holds = csv_holds(path)
        if holds is not None:  # an observatory export also holds open_data_organisations (orgs)
            return [(holds, path), *([("open_data_organisations", path)] if holds == "open_data_adopters" else [])]
    return [(table_for_file(path, table), path)]


def _responses_rows(path: Path) -> int | None:
    """Rows of the survey responses a workbook, folder or CSV file holds, if any."""
    from civicstats.tables import RESPONSES, read_csv_cached, csv_holds

    if path.is_dir():
        found = path / f"{RESPONSES}.csv"
        return len(read_csv_cached(found).frame) if found.exists() else None
    if path.suffix.lower() in XLSX_SUFFIXES:
        from civicstats.readers.xlsx import read_sheet, sheet_names

        return len(read_sheet(path, RESPONSES).frame) if RESPONSES in sheet_names(path) else None
    if path.stem not in table_names() and csv_holds(path) == "civictech_adoption":
        return len(read_csv_cached(path).frame)
    return None


def check(path: str | Path, table: str | None = None) -> CheckReport:
    """Validate every table in ``path``; never raises for bad data."""
    path = Path(path)
    report = CheckReport(str(path))
    try:
        found = _tables_in(path, table)
    except DataError as exc:
        report.problems += exc.problems
        return report
    for name, source in found:
        try:
            report.tables[name] = len(load(name, source))
        except DataError as exc:
            report.problems += exc.problems
    if "civictech_adoption" in report.tables:
        responses = _responses_rows(path)
        if responses:
            report.tables["responses"] = responses
    return report
