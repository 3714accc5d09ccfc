"""Name folding and "did you mean": how civicstats compares what people type.

>>> suggest("Participatory_Budgets", ["participatory_budgets", "sources"])
'participatory_budgets'
"""

from __future__ import annotations

import difflib
import re
import unicodedata

from civicstats.errors import UnknownNameError, UsageError

__all__ = ["fold", "name_argument", "plain", "resolve", "suggest"]


def plain(text: str) -> str:
    """Lower case, accents removed: for comparing what people type.

    >>> plain("Régions Île")
    'regions ile'
    """
    return unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()


def fold(text: str) -> str:
    """Lower case, no accents, no spaces or punctuation: for close matches.

    >>> fold(" Départements ")
    'departements'
    """
    return re.sub(r"[^a-z0-9]", "", plain(text))


def suggest(value: str, allowed: tuple[str, ...] | list[str]) -> str | None:
    """The allowed value ``value`` was probably meant to be, if any.

    >>> suggest("Régions", ["region", "departement"])
    'region'
    >>> suggest("EPCI ", ["epci", "commune"])
    'epci'
    >>> suggest("zzz", ["epci", "commune"]) is None
    True
    """
    folded = fold(value)
    by_fold = {fold(a): a for a in allowed}
    if folded in by_fold:
        return by_fold[folded]
    # plural or a trailing letter
    for f, a in by_fold.items():
        if folded.rstrip("sx") == f.rstrip("sx") and folded:
            return a
    close = difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=0.75)
    return by_fold[close[0]] if close else None


def name_argument(value: object, what: str, example: str) -> str:
    """``value`` when it is a name; a frame (or anything else) passed where a name is expected is a UsageError.

    >>> import pandas as pd
    >>> name_argument(pd.DataFrame(), "a table's name", "open_data_adopters")
    Traceback (most recent call last):
    civicstats.errors.UsageError: expected a table's name such as 'open_data_adopters', not a DataFrame (a DataFrame is already loaded: use it as it is)
    """
    if isinstance(value, str):
        return value
    kind = type(value).__name__
    hint = " (a DataFrame is already loaded: use it as it is)" if kind == "DataFrame" else ""
    raise UsageError(f"expected {what} such as {example!r}, not a {kind}{hint}")


def resolve(value: str, allowed: list[str] | tuple[str, ...], what: str) -> str:
    """The allowed name ``value`` stands for, whatever its case; else :class:`UnknownNameError` with the nearest.

    >>> resolve("Participatory_Budgets", ["participatory_budgets", "sources"], "table")
    'participatory_budgets'
    >>> resolve("participatory_budget", ["participatory_budgets", "sources"], "table")
    Traceback (most recent call last):
    civicstats.errors.UnknownNameError: unknown table 'participatory_budget' (did you mean 'participatory_budgets'?); the tables are: participatory_budgets, sources
    """
    if value in allowed:  # exactly as written, before a name differing only in case
        return value
    found = {a.casefold(): a for a in allowed}.get(value.strip().casefold())
    if found is not None:
        return found
    hint = suggest(value, allowed)
    raise UnknownNameError(f"unknown {what} {value!r}" + (f" (did you mean {hint!r}?)" if hint else "")
                           + f"; the {what}s are: {', '.join(allowed)}")
