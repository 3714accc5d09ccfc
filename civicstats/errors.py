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

import functools
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "CivicstatsError", "DataError", "DataWarning", "MissingFileError", "Origin", "OutputError", "Problem",
    "SetupError", "UnknownNameError", "UsageError", "escape", "message",
]

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
    #: The rule broken, in English; ``None`` when :attr:`code` names it in the catalog (:func:`message`).
    rule: str | None = None
    #: The cell's reference in a workbook ("C3"), when the sheet says which column letter a name has.
    cell: str | None = None
    #: A stable name for the rule broken (``header.too-many-columns``): what programs and tests match.
    code: str = "data.invalid"
    #: The values the catalog's sentence for :attr:`code` is filled with.
    params: Mapping[str, object] = field(default_factory=dict, hash=False)

    def text(self, lang: str = "en") -> str:
        """The rule broken, in ``lang``: the catalog's sentence for :attr:`code`, else :attr:`rule`."""
        if self.rule is not None and (lang == "en" or self.code not in _catalog()):
            return self.rule
        return message(self.code, lang, **self.params)

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
        return f"{text}: {escape(self.text())}"


class CivicstatsError(Exception):
    """The root of every error civicstats raises on purpose (not a bug)."""


class UsageError(CivicstatsError, ValueError):
    """A call or a command given what it cannot use (an unknown table, edition or option)."""


class UnknownNameError(UsageError, KeyError):
    """A name that is not one of those allowed (a table, a level): a :class:`UsageError` that is also a ``KeyError``."""

    __str__ = Exception.__str__  # the message as written, not KeyError's repr of it


class SetupError(CivicstatsError):
    """The environment lacks what a task needs (a Jupyter kernel, a browser...)."""


class OutputError(CivicstatsError, OSError):
    """A place to write outputs that cannot be used (read-only, inside the project, full disk)."""


class DataError(CivicstatsError, ValueError):
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


class MissingFileError(DataError, FileNotFoundError):
    """A data file or folder that does not exist: a :class:`DataError` that is also a ``FileNotFoundError``."""


class DataWarning(UserWarning):
    """Something in a file that was accepted but deserves a look.

    Its text is escaped like a problem's (:func:`escape`), whoever wrote it:

    >>> print(DataWarning("sheet 'a\\nok: b' is ignored"))
    sheet 'a\\nok: b' is ignored

    ``note`` and ``values``: the words (``texts/words.json``) a page says it in, in its own language
    (:func:`civicstats.display.data_note`); the message stays the command line's.
    """

    def __init__(self, message: object = "", note: str | None = None, **values: object) -> None:
        super().__init__(message)
        self.note, self.values = note, values

    def __str__(self) -> str:
        return escape(super().__str__())


#: The catalog of problem messages: code → {"en": template, "fr": template}.
CATALOG = Path(__file__).resolve().parent / "texts" / "problems.json"


@functools.cache
def _catalog() -> dict[str, dict[str, str]]:
    return json.loads(CATALOG.read_text(encoding="utf-8"))


def message(code: str, lang: str = "en", **params: object) -> str:
    """The catalog's sentence for ``code`` in ``lang``, filled with ``params``.

    >>> message("file.missing", "fr")
    'fichier ou dossier introuvable'
    """
    texts = _catalog()[code]
    return texts.get(lang, texts["en"]).format(**params)


@dataclass
class Origin:
    """Where a raw table came from, to locate problems: file, sheet, rows.

    A raw frame's index holds each row's number as a person counts it in the
    file (the header being row ``header_row``). A table combined from several
    files or sheets (a workbook's rows plus rows computed from its
    ``responses`` sheet, say) keeps every row's place in ``locations``: row
    key → ``(file, sheet, row)``, for the rows that do not come from
    ``file``/``sheet`` themselves.

    ``letters`` gives each column's letters, per file and sheet, for the
    cell references of problems in workbooks.

    >>> o = Origin("book.xlsx", "civictech_adoption", locations={9: ("book.xlsx", "responses", 4)},
    ...            letters={("book.xlsx", "responses"): {"count": "C"}})
    >>> str(o.problem(9, "count", None, "x")), o.row_name(3, seen_from=9)
    ("book.xlsx, sheet 'responses', row 4, column 'count' (cell C4): x", "sheet 'civictech_adoption', row 3")
    """

    file: str
    sheet: str | None = None
    header_row: int = 1
    locations: dict[int, tuple[str, str | None, int | None]] | None = None
    #: ``(file, sheet)`` → column name → its letters in that sheet ("C"): problems then name their cell.
    letters: dict[tuple[str, str | None], dict[str, str]] | None = None

    def locate(self, row: int | None) -> tuple[str, str | None, int | None]:
        """``(file, sheet, row)`` of row key ``row`` of the raw frame."""
        if row is not None and self.locations and row in self.locations:
            return self.locations[row]
        return self.file, self.sheet, row

    def problem(self, row: int | None, column: str | None, value: object, rule: str | None = None,
                *, code: str = "data.invalid", **params: object) -> Problem:
        file, sheet, number = self.locate(row)
        cell = None
        if self.letters and sheet is not None and number is not None and column is not None:
            letter = self.letters.get((file, sheet), {}).get(column)
            cell = f"{letter}{number}" if letter else None
        return Problem(file, sheet, number, column, value, rule, cell, code, params)

    def row_name(self, row: int, seen_from: int | None = None) -> str:
        """How a message names row key ``row``: "row 5", with its sheet or file
        when those differ from the place of row key ``seen_from``."""
        file, sheet, number = self.locate(row)
        here_file, here_sheet, _ = self.locate(seen_from)
        name = f"row {number}" if number is not None else "a row"
        if sheet and (sheet, file) != (here_sheet, here_file):
            name = f"sheet '{sheet}', {name}"
        if file != here_file:
            name = f"{file}, {name}"
        return name
