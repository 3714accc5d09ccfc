"""Who is concerned by the open-data obligation of the loi pour une République numérique.

Article L312-1-1 of the Code des relations entre le public et l'administration
(CRPA, created by article 6 of loi n° 2016-1321 of 7 October 2016) obliges
administrations to publish their documents and databases online, but not
collectivités territoriales of fewer than 3,500 inhabitants; article
D312-1-1-1 exempts administrations with fewer than 50 agents in full-time
equivalents. Both thresholds apply together, and the boundary values are
concerned [CRPA].
"""

from __future__ import annotations

import math
from numbers import Real

__all__ = ["MIN_POPULATION", "MIN_AGENTS", "OBLIGATION_DATE", "open_data_obligation"]

#: Smallest population concerned (CRPA L312-1-1).
MIN_POPULATION = 3_500
#: Smallest number of full-time-equivalent agents concerned (CRPA D312-1-1-1).
MIN_AGENTS = 50
#: Date from which the full obligation applies.
OBLIGATION_DATE = "2018-10-07"


def _check(name: str, value: object) -> float | None:
    """``value`` as a float, or None when unknown (None, NaN, pandas' NA); a clear error for anything else."""
    if value is None or type(value).__name__ == "NAType" or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number (or None when unknown), not {type(value).__name__} {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an int beyond any float (10**400): no collectivity is that large
        number = math.inf
    if math.isnan(number):
        return None
    if math.isinf(number):
        shown = f"{value:.3g}" if isinstance(value, float) else f"a number of {len(str(abs(int(value)))):,} digits"
        raise ValueError(f"{name} must be a finite count, not {shown}")
    if number < 0:
        raise ValueError(f"{name} cannot be negative (got {value!r})")
    return number


def _one(population: object, agents: object) -> bool | None:
    inhabitants, staff = _check("population", population), _check("agents", agents)
    if (inhabitants is not None and inhabitants < MIN_POPULATION) or (staff is not None and staff < MIN_AGENTS):
        return False
    if inhabitants is None or staff is None:
        return None  # unknown: concerned only if the missing figure reaches its threshold
    return True


def open_data_obligation(population: object, agents: object = None) -> object:
    """Whether a collectivity must open its data (CRPA L312-1-1 and D312-1-1-1): True, False, or unknown.

    A collectivity is concerned when it has at least 3,500 inhabitants AND at
    least 50 agents in full-time equivalents. No public table gives the
    agents: without them (``None``, NaN) the answer is ``None``, unknown, for a
    collectivity of 3,500 inhabitants or more (it is concerned if it has 50
    agents), and ``False`` below 3,500 whatever its agents. Pandas Series (or
    lists) give a Series of the nullable ``boolean`` dtype, ``<NA>`` where unknown;
    ``law_universe`` counts the collectivities for which it is not ``False``: an upper bound.

    >>> open_data_obligation(3_500, 50), open_data_obligation(3_499, 200), open_data_obligation(120_000, 49.5)
    (True, False, False)
    >>> open_data_obligation(250_000) is None, open_data_obligation(2_000)
    (True, False)
    >>> import pandas as pd
    >>> open_data_obligation(pd.Series([500, 5_000, 5_000]), pd.Series([None, 80, None])).tolist()
    [False, True, <NA>]
    >>> open_data_obligation(-1, 50)
    Traceback (most recent call last):
    ValueError: population cannot be negative (got -1)
    >>> open_data_obligation("3500", 50)
    Traceback (most recent call last):
    TypeError: population must be a number (or None when unknown), not str '3500'
    """
    if _is_many(population) or _is_many(agents):
        import pandas as pd

        populations = pd.Series(population) if _is_many(population) else None
        index = populations.index if populations is not None else pd.Series(agents).index
        populations = populations if populations is not None else pd.Series(population, index=index)
        staff = pd.Series(agents, index=index) if not _is_many(agents) else pd.Series(agents)
        if len(staff) != len(populations):
            raise ValueError(f"population and agents have different lengths ({len(populations)}, {len(staff)})")
        values = [_one(p, a) for p, a in zip(populations.astype(object), staff.astype(object))]
        return pd.Series([pd.NA if v is None else v for v in values], index=index, dtype="boolean")
    return _one(population, agents)


def _is_many(value: object) -> bool:
    return hasattr(value, "__len__") and not isinstance(value, (str, bytes))
