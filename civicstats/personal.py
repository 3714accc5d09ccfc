"""Personal data: e-mail addresses, phone numbers, columns naming people.

civicstats tables describe collectivities and tools, never people, and what
they hold ends up in notebooks and HTML reports that anyone may read. So
every free-text column of every table (a ``note``, a tool's name, a label:
string columns with no list of allowed values and no pattern) is screened
when it is validated (:func:`personal_problems`, called by
:func:`civicstats.validate.validate`), and survey responses lose the columns
whose header or cells look personal (:func:`looks_personal`).

>>> personal_kind("ask Marie: marie.dupont@mairie.fr"), personal_kind("tel. 01 23 45 67 89")
('email', 'phone')
>>> personal_kind("47 villes en 2017") is None
True
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from civicstats.naming import plain

if TYPE_CHECKING:
    import pandas as pd

    from civicstats.errors import Origin, Problem
    from civicstats.schema import TableSpec

__all__ = ["EMAIL", "MAX_SCREENED_CHARS", "PERSONAL_HEADER", "PERSONAL_SHARE", "PHONE", "PHONE_IN_TEXT",
           "free_text_columns", "looks_personal", "personal_kind", "personal_kinds", "personal_problems"]

#: Headers that name personal data (folded: lower case, no accents, words separated by spaces).
PERSONAL_HEADER = re.compile(
    r"\b(e ?mails?|mails?|courriels?|phones?|telephones?|tels?|fax|contacts?|prenoms?"
    r"|(first|last|given|family|full) ?names?|surnames?|persons?|personnes?|people"
    r"|respondents?|repondants?|repondantes?|interlocuteurs?|interlocutrices?|referents?)\b"
)
EMAIL = r"[^@\s<>()]+@[^@\s<>()]+\.[A-Za-z]{2,}"
#: A French number (01 23 45 67 89, +33 1 23 45 67 89) or an international one (+, 8 to 15 digits).
PHONE = r"(?:(?:\+|00)33[\s.\-]?(?:\(0\)[\s.\-]?)?|0)[1-9](?:[\s.\-]?\d{2}){4}|(?:\+|00)[1-9](?:[\s.\-]?\(?\d\)?){7,14}"
#: Share of a column's non-blank cells that must look like e-mails or phones for it to be personal data.
PERSONAL_SHARE = 0.5
#: Longest part of a cell searched (the patterns are linear, but a 30 MB cell need not be read whole).
MAX_SCREENED_CHARS = 100_000

_EMAIL_RE = re.compile(EMAIL)
#: A phone number inside a longer text (each starts with + or 0: said first, the search skips other characters fast).
PHONE_IN_TEXT = re.compile(r"(?=[+0])(?<![\d+])(?:" + PHONE + r")(?!\d)")
_TWO_DIGITS_RE = re.compile(r"\d{2}")


def looks_personal(header: str, values: pd.Series | None = None) -> bool:
    """Whether a column holds personal data, from its header or its cells.

    >>> looks_personal("Courriel du répondant"), looks_personal("Nom du contact"), looks_personal("prénom")
    (True, True, True)
    >>> looks_personal("firstName"), looks_personal("level"), looks_personal("nom")
    (True, False, False)
    >>> import pandas as pd
    >>> looks_personal("x", pd.Series(["a@b.fr", "01 23 45 67 89", ""]))
    True
    >>> looks_personal("x", pd.Series(["12000", "35", ""]))
    False
    """
    folded = re.sub(r"[^a-z0-9]+", " ", plain(re.sub(r"([a-z])([A-Z])", r"\1 \2", str(header)[:MAX_SCREENED_CHARS])))
    if PERSONAL_HEADER.search(folded):
        return True
    if values is None:
        return False
    text = values.astype("str").str.slice(0, MAX_SCREENED_CHARS).str.strip()
    text = text[text.ne("")]
    if text.empty:
        return False
    personal = text.str.contains(EMAIL, regex=True) | text.str.fullmatch(PHONE)
    return bool(personal.mean() > PERSONAL_SHARE)


def personal_kind(text: str) -> str | None:
    """``"email"`` or ``"phone"`` when a cell holds an e-mail address or a phone number, else None.

    The problems' codes are ``personal.email`` and ``personal.phone``.
    """
    text = text[:MAX_SCREENED_CHARS]
    if "@" in text and _EMAIL_RE.search(text):
        return "email"
    if _TWO_DIGITS_RE.search(text) and PHONE_IN_TEXT.search(text):
        return "phone"
    return None


def personal_kinds(values) -> list[str | None]:
    """:func:`personal_kind` of each of ``values`` (strings), searching them joined first.

    A value holding an e-mail address or a phone number makes the joined text hold it too (joined by NUL, which
    keeps the patterns' edges and, unlike a line break, joins no digits of two values into a phone number), so a
    joined text holding neither means no value does: one search instead of one per value.

    >>> personal_kinds(["Commune 01469", "tel. 01 23 45 67 89", ""])
    [None, 'phone', None]
    """
    joined = "\0".join(v[:MAX_SCREENED_CHARS] for v in values)  # each value as personal_kind searches it
    if "@" not in joined and not (_TWO_DIGITS_RE.search(joined) and PHONE_IN_TEXT.search(joined)):
        return [None] * len(values)
    return [personal_kind(v) for v in values]


def free_text_columns(table: TableSpec) -> list[str]:
    """The columns of ``table`` where anything may be typed: text with no allowed values and no pattern."""
    return [f.name for f in table.fields if f.type == "string" and not f.enum and not f.pattern]


def personal_problems(frame: pd.DataFrame, table: TableSpec, origin: Origin, rows: pd.Series) -> list[Problem]:
    """One located problem per free-text cell of ``frame`` holding an e-mail address or a phone number."""
    import pandas as pd

    problems = []
    for column in free_text_columns(table):
        if column not in frame.columns:
            continue
        cells = frame[column]
        if not isinstance(cells, pd.Series):  # a name typed twice: the header's problem
            continue
        cells = cells.fillna("").astype("str")
        distinct = [v for v in pd.unique(cells.to_numpy(dtype=object)) if v]
        kinds = dict(zip(distinct, personal_kinds(distinct), strict=True))
        bad = {v: k for v, k in kinds.items() if k}
        if not bad:
            continue
        hit = cells.isin(list(bad))
        for r, v in zip(rows[hit], cells[hit], strict=True):
            problems.append(origin.problem(int(r), column, v, code=f"personal.{bad[v]}"))
    return problems
