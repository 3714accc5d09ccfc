"""Organisations of the observatory's export counted by level of local authority: pure counting.

The export's ``type`` code gives each organisation's level of ``open_data_adopters`` (:data:`LEVEL_OF_TYPE`);
``epci`` adds up :data:`EPCI_TYPES`, ``all`` every local authority. Other bodies are counted apart (``left_out``).

>>> counts, left_out = count_by_level(["COM", "com ", "CA", "EPT", "SDE"])
>>> counts["commune"], counts["epci"], counts["all"], left_out
(2, 1, 4, {'SDE': 1})
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["EPCI_TYPES", "LEVELS", "LEVEL_OF_TYPE", "NOT_LOCAL_AUTHORITIES", "count_by_level"]

#: Local-authority type codes → level of open_data_adopters.
LEVEL_OF_TYPE = {
    "REG": "region", "DEP": "departement", "MET": "metropole", "CU": "communaute_urbaine",
    "CA": "communaute_agglomeration", "CC": "communaute_communes", "EPT": "etablissement_public_territorial",
    "COM": "commune",
}
#: EPCI à fiscalité propre (the ``epci`` row); EPT are counted in ``all`` only.
EPCI_TYPES = ("MET", "CU", "CA", "CC")
#: Bodies in the export that are not local authorities: left out of every count.
NOT_LOCAL_AUTHORITIES = ("AGCT", "OACT", "DSPT", "SDE")
#: Output levels, in the order of open_data_adopters' level enum.
LEVELS = ("region", "departement", "epci", "metropole", "communaute_urbaine", "communaute_agglomeration",
          "communaute_communes", "etablissement_public_territorial", "commune", "all")


def count_by_level(types: Iterable[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Organisations per level of :data:`LEVELS` (zeros included), and the bodies left out per type code.

    ``types`` are the organisations' type codes (case and spaces ignored);
    a code that is neither a level's nor a body's is in neither result.
    """
    per_code = Counter(str(t).strip().upper() for t in types)
    counts = {level: per_code[code] for code, level in LEVEL_OF_TYPE.items()}
    counts["epci"] = sum(per_code[c] for c in EPCI_TYPES)
    counts["all"] = sum(per_code[c] for c in LEVEL_OF_TYPE)
    left_out = {c: per_code[c] for c in NOT_LOCAL_AUTHORITIES if per_code[c]}
    return {level: counts[level] for level in LEVELS}, left_out
