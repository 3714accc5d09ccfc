"""Checking a file or folder of updated data before building on it.

:func:`check` validates every table the source holds — as
:func:`civicstats.discover.discover` finds them: a CSV file, a folder of CSV
files named after the tables, a workbook (sheets named after the tables) —
and gathers every problem of every table into one :class:`CheckReport`.
It says what it read and what it did not: ``tables`` are the tables read
from the source (with their rows), ``shipped`` the tables the source lacks,
which ``load`` and ``build`` take from ``data/``. Survey responses (a
``responses`` sheet or file, a CSV file of responses) are checked through
the ``civictech_adoption`` rows they add, and an OpenDataFrance observatory
export through the ``open_data_adopters`` rows it adds. Files and sheets it
does not read are reported in one :class:`~civicstats.errors.DataWarning`
per source.

>>> from civicstats import paths
>>> report = check(paths.DATA_DIR)
>>> report.ok, report.tables["civictech_adoption"], report.shipped
(True, 7, [])
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

from civicstats.discover import RESPONSES, SOURCE, discover
from civicstats.errors import DataError, DataWarning, Problem
from civicstats.naming import suggest
from civicstats.schema import table_names
from civicstats.tables import load, read_part

__all__ = ["CheckReport", "check"]


@dataclass
class CheckReport:
    """What :func:`check` found: rows per table read from the source, tables taken from ``data/``, every problem."""

    path: str
    tables: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: Tables the source lacks: ``load`` and ``build`` take them from ``data/``.
    shipped: list[str] = field(default_factory=list)
    #: Where each table was read: file name, or sheet of the workbook.
    read_from: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem_lines(self) -> list[str]:
        return [str(p) for p in self.problems]

    def summary_lines(self) -> list[str]:
        """The summary, one line per item; every name from the source escaped (no line can be forged)."""
        from civicstats.errors import escape

        if self.ok:
            n = len([t for t in self.tables if t != RESPONSES])
            shown = ", ".join(f"{name} ({rows} rows" + (f", from {escape(self.read_from[name])}"
                                                        if name in self.read_from else "") + ")"
                              for name, rows in self.tables.items())
            lines = [f"ok: {escape(self.path)}: {n} table{'s' if n != 1 else ''} read from the source, valid: {shown}"]
            if self.shipped:
                lines.append(f"taken from data/ (the source lacks them): {', '.join(self.shipped)}")
            return lines
        n = len(self.problems)
        return [f"invalid: {escape(self.path)}: {n} problem{'s' if n != 1 else ''} (one per line above)"]

    def summary(self) -> str:
        return "\n".join(self.summary_lines())


def _missing(d, path: Path, table: str) -> Problem:
    """The problem of ``--table NAME`` that the source does not hold, with a suggestion."""
    held = d.from_source
    places = sorted({p.sheet or p.path.name for t in held for p in d.parts[t] if p.origin == SOURCE})
    hint = suggest(table, places) or suggest(table, held)
    return Problem(str(path), None, None, None, table, code="check.no-such-table" + ("-hint" if hint else ""),
                   params={"table": table, "held": ", ".join(held) or "-", "places": ", ".join(places) or "-",
                           "hint": hint})


def check(path: str | Path, table: str | None = None) -> CheckReport:
    """Validate every table ``path`` holds (or only ``table``); never raises for bad data.

    The report is invalid when the source holds no table at all, or not
    ``table``: a check never says "ok" on rows it did not read.
    """
    from civicstats.readers import reading

    with reading():  # each workbook checked and each sheet read once; nothing kept afterwards
        return _check(Path(path), table)


def _check(path: Path, table: str | None) -> CheckReport:
    report = CheckReport(str(path))
    try:
        d = discover(path, table=table)
    except DataError as exc:
        report.problems += exc.problems
        return report
    for note in d.notes:
        warnings.warn(note, DataWarning, stacklevel=2)
    reported = [p for ps in d.problems.values() for p in ps]
    report.problems += list(dict.fromkeys(reported))
    held = d.from_source
    if table is not None and table not in held and table not in d.problems:
        report.problems.append(_missing(d, path, table))
        return report
    if not held and not report.problems:
        report.problems.append(Problem(str(path), None, None, None, None, code="check.no-table",
                                       params={"tables": ", ".join(table_names())}))
        return report
    for name in ([table] if table else held):
        if name in d.problems:
            continue
        try:
            report.tables[name] = len(load(name, path))
        except DataError as exc:
            report.problems += exc.problems
    report.problems = list(dict.fromkeys(report.problems))  # a table's problems, met again through a foreign key
    report.shipped = [t for t in d.from_shipped if t not in held]
    for name in report.tables:
        places = [f"sheet '{p.sheet}'" if p.sheet is not None else p.path.name
                  for p in d.parts[name] if p.origin == SOURCE]
        if d.parts[name][0].origin != SOURCE:
            places.append("data/")
        if places not in ([f"sheet '{name}'"], [f"{name}.csv"]):  # named otherwise, or several places: said
            report.read_from[name] = " + ".join(places)
    if table is None and "civictech_adoption" in report.tables:
        responses = [p for p in d.parts["civictech_adoption"] if p.kind == RESPONSES]
        rows = sum(len(read_part(p).frame) for p in responses)
        if rows:
            report.tables[RESPONSES] = rows
    return report



