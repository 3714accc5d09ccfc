"""Numbers, percentages and dates as text, the English or the French way.

One place for number formatting, below both analysis and charts: charts,
notebooks, reports and the command line all write numbers through here.

>>> format_number(35357, "fr") == "35\\u202f357"
True
>>> format_percent(0.5), format_percent(0.5, "fr") == "50\\u00a0%"
('50%', True)
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["LANGS", "NBSP", "NNBSP", "MINUS", "MONTHS", "check_lang", "format_number", "format_percent",
           "as_of_date", "format_as_of", "QUALIFIER_WORDS", "format_qualified"]

LANGS = ("en", "fr")
NNBSP = "\u202f"  # narrow no-break space: French thousands separator
NBSP = "\u00a0"   # no-break space: before "%" and ":" in French
MINUS = "\u2212"

MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"],
}


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return lang


def _format(x: float, lang: str, decimals: int, strip: bool, sign: bool) -> str:
    # rounded half up on the shortest decimal form (4.25 → 4.3, as by hand), not on the binary value
    rounded = Decimal(repr(abs(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    body = f"{rounded:,.{decimals}f}"
    if strip and "." in body:
        body = body.rstrip("0").rstrip(".")
    if lang == "fr":
        body = body.replace(",", NNBSP).replace(".", ",")
    negative = x < 0 and body.strip("0.,") != ""
    prefix = MINUS if negative else ("+" if sign and x > 0 and body.strip("0.,") != "" else "")
    return prefix + body


def format_number(value: float, lang: str = "en", decimals: int | None = None, *, sign: bool = False) -> str:
    """``value`` written the English or the French way.

    English: comma thousands separator, decimal point (``35,357``, ``8.9``).
    French: narrow no-break space (U+202F) thousands separator, decimal comma
    (``35 357``, ``8,9``). ``decimals=None`` writes integers without decimals
    and other numbers with up to three, trailing zeros dropped. Negative
    numbers take a true minus sign (U+2212); ``sign=True`` adds ``+`` to
    positive ones.

    >>> format_number(35357)
    '35,357'
    >>> format_number(35357, "fr") == "35\\u202f357"
    True
    >>> format_number(8.9, "fr"), format_number(8.90), format_number(4.25, decimals=1)
    ('8,9', '8.9', '4.3')
    >>> format_number(-1, sign=True) == "\\u22121", format_number(1, sign=True)
    (True, '+1')
    """
    check_lang(lang)
    x = float(value)
    if math.isnan(x):
        return "–"
    if decimals is None:
        return _format(x, lang, 0 if x.is_integer() else 3, True, sign)
    return _format(x, lang, decimals, False, sign)


def format_percent(fraction: float, lang: str = "en", decimals: int | None = None, *, sign: bool = False) -> str:
    """A fraction (0–1) as a percentage: ``50%`` in English, ``50 %`` in French.

    French puts a no-break space (U+00A0) before the sign. ``decimals=None``
    keeps one decimal (dropped when zero), or two significant digits under
    1 % so that small shares do not read as zero.

    >>> format_percent(0.5), format_percent(0.5, "fr") == "50\\u00a0%"
    ('50%', True)
    >>> format_percent(0.138614), format_percent(0.138614, "fr") == "13,9\\u00a0%"
    ('13.9%', True)
    >>> format_percent(0.000537), format_percent(0.0071)
    ('0.054%', '0.71%')
    """
    check_lang(lang)
    pct = 100 * float(fraction)
    if math.isnan(pct):
        return "–"
    if decimals is None:
        if pct == 0 or abs(pct) >= 1:
            number = _format(pct, lang, 1, True, sign)
        else:
            number = _format(pct, lang, 1 - math.floor(math.log10(abs(pct))), True, sign)
    else:
        number = format_number(pct, lang, decimals, sign=sign)
    return number + ("%" if lang == "en" else NBSP + "%")


def as_of_date(as_of: str) -> date:
    """Where an ``as_of`` value (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) sits on a time axis.

    A full date is itself; a year-month is placed on the 15th (mid-month); a
    year alone on 1 July (mid-year), which is why charts draw it with a line
    spanning the year.

    >>> as_of_date("2018-10-01"), as_of_date("2018-03"), as_of_date("2017")
    (datetime.date(2018, 10, 1), datetime.date(2018, 3, 15), datetime.date(2017, 7, 1))
    """
    text = str(as_of)
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text)
    if not match:
        raise ValueError(f"as_of must be YYYY, YYYY-MM or YYYY-MM-DD, not {as_of!r}")
    year, month, day = match.groups()
    if month is None:
        return date(int(year), 7, 1)
    return date(int(year), int(month), 15 if day is None else int(day))


def format_as_of(as_of: str, lang: str = "en") -> str:
    """An ``as_of`` value in words: ``2018``, ``March 2018``, ``1 October 2018``.

    >>> format_as_of("2018-03", "fr"), format_as_of("2018-10-01", "fr"), format_as_of("2018-10-01")
    ('mars 2018', '1er octobre 2018', '1 October 2018')
    """
    check_lang(lang)
    text = str(as_of)
    as_of_date(text)  # validates
    parts = text.split("-")
    if len(parts) == 1:
        return text
    month = MONTHS[lang][int(parts[1]) - 1]
    if len(parts) == 2:
        return f"{month} {parts[0]}"
    day = int(parts[2])
    day_text = "1er" if lang == "fr" and day == 1 else str(day)
    return f"{day_text} {month} {parts[0]}"


#: How a qualified figure reads (``exact`` adds nothing).
QUALIFIER_WORDS = {
    "en": {"exact": "", "about": "about ", "more_than": "more than ", "at_least": "at least ",
           "less_than": "less than ", "at_most": "at most "},
    "fr": {"exact": "", "about": "environ ", "more_than": "plus de ", "at_least": "au moins ",
           "less_than": "moins de ", "at_most": "au plus "},
}


def format_qualified(value: float, qualifier: object = "exact", lang: str = "en", *, percent: bool = False,
                     decimals: int | None = None) -> str:
    """A figure with its qualifier: ``about 4,500``, ``more than 74``, ``less than 8%``.

    ``qualifier`` is a code (``exact``, ``about``, ``more_than``, ``at_least``,
    ``less_than``, ``at_most``; empty or missing is ``exact``). ``percent``
    formats ``value`` (a fraction) as a percentage.

    >>> format_qualified(4500, "about"), format_qualified(74, "more_than")
    ('about 4,500', 'more than 74')
    >>> format_qualified(0.08, "less_than", "fr", percent=True) == "moins de 8\u00a0%"
    True
    """
    check_lang(lang)
    code = "exact" if qualifier is None or str(qualifier) in ("", "nan", "<NA>") else str(qualifier)
    if code not in QUALIFIER_WORDS[lang]:
        raise ValueError(f"unknown qualifier {qualifier!r}; qualifiers: {', '.join(QUALIFIER_WORDS[lang])}")
    number = format_percent(value, lang, decimals) if percent else format_number(value, lang, decimals)
    return QUALIFIER_WORDS[lang][code] + number


_check_lang = check_lang
