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


def _check(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, not {type(value).__name__} {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an int beyond any float (10**400): no collectivity is that large
        number = math.inf
    if math.isnan(number):
        raise ValueError(f"{name} must be a number, not NaN")
    if math.isinf(number):
        shown = f"{value:.3g}" if isinstance(value, float) else f"a number of {len(str(abs(int(value)))):,} digits"
        raise ValueError(f"{name} must be a finite count, not {shown}")
    if number < 0:
        raise ValueError(f"{name} cannot be negative (got {value!r})")
    return number


def open_data_obligation(population: float, agents: float) -> bool:
    """True when a collectivity must open its data (CRPA L312-1-1 and D312-1-1-1).

    A collectivity is concerned when it has at least 3,500 inhabitants AND at
    least 50 agents in full-time equivalents.

    >>> open_data_obligation(3_500, 50)
    True
    >>> open_data_obligation(3_499, 200)
    False
    >>> open_data_obligation(120_000, 49.5)
    False
    >>> open_data_obligation(-1, 50)
    Traceback (most recent call last):
    ValueError: population cannot be negative (got -1)
    >>> open_data_obligation("3500", 50)
    Traceback (most recent call last):
    TypeError: population must be a number, not str '3500'
    >>> open_data_obligation(10**400, 50)
    Traceback (most recent call last):
    ValueError: population must be a finite count, not a number of 401 digits
    """
    return _check("population", population) >= MIN_POPULATION and _check("agents", agents) >= MIN_AGENTS
