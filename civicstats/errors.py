"""Errors and warnings about data, located the way a person finds a cell.

A :class:`Problem` names the file, the sheet (for workbooks), the row as a
person counts it in the file (the header is row 1), the column, the value and
the rule it breaks; in a workbook, the cell too (``cell C5``), so that a
person who does not count columns finds it. A :class:`DataError` carries
every problem found, not only the first, and its message lists them one per
line.

>>> p = Problem("survey.csv", None, 4, "count", "-3", "must be at least 0")
>>> str(p)
"survey.csv, row 4, column 'count', value '-3': must be at least 0"
>>> str(DataError([p]))
"1 problem in survey.csv:\\n  survey.csv, row 4, column 'count', value '-3': must be at least 0"
>>> str(Problem("book.xlsx", "civictech_adoption", 3, "count", "x", "must be a whole number", cell="C3"))
"book.xlsx, sheet 'civictech_adoption', row 3, column 'count' (cell C3), value 'x': must be a whole number"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Longest value shown in a message; longer ones are cut with an ellipsis.
MAX_VALUE_CHARS = 60


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, located to the cell where possible."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: object
    rule: str
    #: The cell's reference in a workbook ("C3"), when the sheet says which column letter a name has.
    cell: str | None = None

    def location(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'" + (f" (cell {self.cell})" if self.cell else ""))
        return ", ".join(parts)

    def __str__(self) -> str:
        text = self.location()
        if self.value is not None:
            shown = str(self.value)
            if len(shown) > MAX_VALUE_CHARS:
                shown = shown[: MAX_VALUE_CHARS - 1] + "…"
            text += f", value {shown!r}"
        return f"{text}: {self.rule}"


class DataError(ValueError):
    """Invalid data: every problem found, each located in its file.

    ``problems`` is the list of :class:`Problem`; ``str(error)`` is a summary
    line followed by one line per problem.
    """

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__(self._message())

    def _message(self) -> str:
        files = sorted({p.file for p in self.problems})
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in {', '.join(files) or 'the data'}:"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


class DataWarning(UserWarning):
    """Something in a file that was accepted but deserves a look."""
