"""Numbers, percentages and dates as text, the British English or the French way (Babel's ``en_GB``, ``fr_FR``).

Babel supplies the separators, the place of the percent sign and the month
names; rounding is half up on the shortest decimal form (4.25 → 4.3, as by
hand), done here before Babel writes the digits. Babel is imported on first
use, so importing this module costs nothing.

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

__all__ = ["LANGS", "LOCALES", "NBSP", "NNBSP", "MINUS", "check_lang", "is_missing", "format_number",
           "format_percent", "as_of_date", "format_as_of"]

LANGS = ("en", "fr")
#: The Babel locale of each language.
LOCALES = {"en": "en_GB", "fr": "fr_FR"}
NNBSP = "\u202f"  # narrow no-break space: French thousands separator
NBSP = "\u00a0"   # no-break space: before "%" and ":" in French
MINUS = "\u2212"


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return lang


def is_missing(value: object) -> bool:
    """None, NaN, pandas' NA or NaT: a value written "–".

    >>> is_missing(None), is_missing(float("nan")), is_missing(0), is_missing([1, 2])
    (True, True, False, False)
    """
    if value is None:
        return True
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _digits(x: float, lang: str, decimals: int, strip: bool, sign: bool, percent: bool = False) -> str:
    from babel import Locale, numbers

    rounded = Decimal(repr(abs(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    pattern = "#,##0" + ("." + ("#" if strip else "0") * decimals if decimals else "")
    if percent:  # the locale's own place for the sign ("50%", "50 %"), digits as above
        standard = Locale.parse(LOCALES[lang]).percent_formats[None].pattern
        body = numbers.format_percent(rounded.scaleb(-2), standard.replace("#,##0", pattern, 1), locale=LOCALES[lang])
    else:
        body = numbers.format_decimal(rounded, pattern, locale=LOCALES[lang])
    nonzero = rounded != 0
    return (MINUS if x < 0 and nonzero else "+" if sign and x > 0 and nonzero else "") + body


def format_number(value: float, lang: str = "en", decimals: int | None = None, *, sign: bool = False) -> str:
    """``value`` written the English or the French way.

    ``decimals=None`` writes integers without decimals and other numbers with up to three, trailing zeros
    dropped. Negative numbers take a true minus sign (U+2212); ``sign=True`` adds ``+`` to positive ones.

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
        return _digits(x, lang, 0 if x.is_integer() else 3, True, sign)
    return _digits(x, lang, decimals, False, sign)


def format_percent(fraction: float, lang: str = "en", decimals: int | None = None, *, sign: bool = False) -> str:
    """A fraction (0–1) as a percentage: ``50%`` in English, ``50 %`` in French.

    ``decimals=None`` keeps one decimal (dropped when zero), or two significant digits under 1 % so that small
    shares do not read as zero.

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
    if decimals is not None:
        return _digits(pct, lang, decimals, False, sign, percent=True)
    small = pct != 0 and abs(pct) < 1
    return _digits(pct, lang, 1 - math.floor(math.log10(abs(pct))) if small else 1, True, sign, percent=True)


def as_of_date(as_of: str) -> date:
    """Where an ``as_of`` value (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) sits on a time axis.

    A full date is itself; a year-month is placed on the 15th (mid-month); a
    year alone on 1 July (mid-year), which is why charts draw it with a line
    spanning the year.

    >>> as_of_date("2018-10-01"), as_of_date("2018-03"), as_of_date("2017")
    (datetime.date(2018, 10, 1), datetime.date(2018, 3, 15), datetime.date(2017, 7, 1))
    """
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", str(as_of))
    if not match:
        raise ValueError(f"as_of must be YYYY, YYYY-MM or YYYY-MM-DD, not {as_of!r}")
    year, month, day = match.groups()
    if month is None:
        return date(int(year), 7, 1)
    return date(int(year), int(month), 15 if day is None else int(day))


def format_as_of(as_of: str, lang: str = "en", *, of: bool = False) -> str:
    """An ``as_of`` value in words: ``2018``, ``March 2018``, ``1 October 2018``; ``of``: "of" before it, as each
    language says it (French: "d'avril 2022", "de mars 2018", "du 1er octobre 2018", never "du avril 2022").

    >>> format_as_of("2018-03", "fr"), format_as_of("2018-10-01", "fr"), format_as_of("2018-10-01")
    ('mars 2018', '1er octobre 2018', '1 October 2018')
    >>> [format_as_of(d, "fr", of=True) for d in ("2022-04", "2018-03", "2022-10-19", "2018")]
    ["d'avril 2022", 'de mars 2018', 'du 19 octobre 2022', 'de 2018']
    """
    words = _as_of_words(as_of, lang)
    if not of:
        return words
    if lang == "en":
        return f"of {words}"
    return f"du {words}" if str(as_of).count("-") == 2 else ("d'" if words[0] in "aeiou" else "de ") + words


def _as_of_words(as_of: str, lang: str) -> str:
    from babel import Locale

    check_lang(lang)
    text = str(as_of)
    as_of_date(text)  # validates
    parts = text.split("-")
    if len(parts) == 1:
        return text
    month = Locale.parse(LOCALES[lang]).months["format"]["wide"][int(parts[1])]
    if len(parts) == 2:
        return f"{month} {parts[0]}"
    day = int(parts[2])
    return f"{'1er' if lang == 'fr' and day == 1 else day} {month} {parts[0]}"
