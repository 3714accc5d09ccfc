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

Every name and value that comes from a file is shown escaped (:func:`escape`):
no control character, no line break, no bidirectional override reaches a
terminal or a log, so a header cannot retitle a terminal and a sheet name
cannot forge an ``ok:`` line.

>>> print(Problem("a.csv", "x\\nok: all good", None, "\\x1b]0;pwned\\x07", None, "unknown column"))
a.csv, sheet 'x\\nok: all good', column '\\x1b]0;pwned\\x07': unknown column
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

#: Longest value shown in a message; longer ones are cut with an ellipsis.
MAX_VALUE_CHARS = 60
#: Longest name (file, sheet, column) or rule shown in a message; the rest is cut.
MAX_TEXT_CHARS = 2_000

#: What a terminal could act on: C0 and C1 controls, DEL, line and paragraph
#: separators, bidirectional and invisible format characters, lone surrogates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
                     "\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]")


_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _escaped(match: re.Match) -> str:
    char = match[0]
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def escape(text: object, limit: int = MAX_TEXT_CHARS) -> str:
    """``text`` as one printable line: control and format characters shown as escapes, cut at ``limit``.

    >>> print(escape("Budgets\\nok: 3 tables valid"))
    Budgets\\nok: 3 tables valid
    >>> print(escape("\\x1b]2;title\\x07région \\u202eabc"))
    \\x1b]2;title\\x07région \\u202eabc
    >>> escape("x" * 10, limit=5)
    'xxxx…'
    """
    text = str(text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = _UNSAFE.sub(_escaped, text)
    if not text.isascii():  # the rarer format characters (Arabic number signs, tags, ...): by category
        text = "".join((f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
                       if unicodedata.category(ch) in _UNSAFE_CATEGORIES else ch for ch in text)
    return text


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
        parts = [escape(self.file)]
        if self.sheet:
            parts.append(f"sheet '{escape(self.sheet, MAX_VALUE_CHARS * 2)}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{escape(self.column, MAX_VALUE_CHARS * 2)}'"
                         + (f" (cell {escape(self.cell)})" if self.cell else ""))
        return ", ".join(parts)

    def __str__(self) -> str:
        text = self.location()
        if self.value is not None:
            shown = str(self.value)
            if len(shown) > MAX_VALUE_CHARS:
                shown = shown[: MAX_VALUE_CHARS - 1] + "…"
            text += f", value {escape(repr(shown))}"  # repr escapes the rest; escape() what repr leaves
        return f"{text}: {escape(self.rule)}"


class DataError(ValueError):
    """Invalid data: every problem found, each located in its file.

    ``problems`` is the list of :class:`Problem`; ``str(error)`` is a summary
    line followed by one line per problem.
    """

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__(self._message())

    def _message(self) -> str:
        files = sorted({escape(p.file) for p in self.problems})
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in {', '.join(files) or 'the data'}:"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


class DataWarning(UserWarning):
    """Something in a file that was accepted but deserves a look.

    Its text is escaped like a problem's (:func:`escape`), whoever wrote it:

    >>> print(DataWarning("sheet 'a\\nok: b' is ignored"))
    sheet 'a\\nok: b' is ignored
    """

    def __str__(self) -> str:
        return escape(super().__str__())
