"""The audit's organisation-level part (``civicstats audit`` prints it after the published figures'):
where the export's own codes contradict the official data, located (:func:`civicstats.geography_findings`).

>>> found = organisation_audit()
>>> sorted(found["code"].value_counts().items())
[('geography.departement-contradicts-siren', 10), ('geography.region-contradicts-departement', 44)]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicstats.geography import geography_findings
from civicstats.tables import Source, load

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["organisation_audit"]


def organisation_audit(source: Source = None) -> pd.DataFrame:
    """Every located contradiction between the export's codes and the official geography, by code then SIREN."""
    found = geography_findings(load("open_data_organisations", source), load("official_populations", source))
    return found.sort_values(["code", "siren"], kind="stable", ignore_index=True)
