"""Name folding and "did you mean": how civicstats compares what people type.

>>> suggest("Participatory_Budgets", ["participatory_budgets", "sources"])
'participatory_budgets'
"""

from __future__ import annotations

import difflib
import re
import unicodedata

__all__ = ["fold", "plain", "suggest"]


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
