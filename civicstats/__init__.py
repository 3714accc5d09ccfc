"""civicstats: the 2018 French civic-tech survey and its context, as data.

>>> import civicstats as cs
>>> int(cs.load("civictech_adoption")["count"].sum())
156

Importing the package is cheap: every public name below is imported from its
module on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from civicstats.errors import DataError, DataWarning, Problem

__version__ = "0.1.0"

#: public name → module that defines it
_LAZY = {
    "load": "civicstats.tables",
    "datasets": "civicstats.tables",
    "sources": "civicstats.tables",
    "audit": "civicstats.analysis.audit",
    "adoption_rates": "civicstats.analysis.rates",
    "open_data_obligation": "civicstats.analysis.obligation",
    "wave_changes": "civicstats.analysis.waves",
    "waves": "civicstats.analysis.waves",
    "select_tools": "civicstats.analysis.selection",
    "save_figure": "civicstats.charts",
    "show": "civicstats.display",
    "compare_exports": "civicstats.analysis.exports",
    "official_geography": "civicstats.geography",
    "geography_findings": "civicstats.geography",
}
#: public submodules, reachable as attributes (``cs.charts``) without an import
_SUBMODULES = {"charts": "civicstats.charts"}

__all__ = ["DataError", "DataWarning", "Problem", "__version__", *_LAZY, *_SUBMODULES]

if TYPE_CHECKING:  # pragma: no cover
    from civicstats import charts
    from civicstats.analysis.audit import audit
    from civicstats.analysis.obligation import open_data_obligation
    from civicstats.analysis.rates import adoption_rates
    from civicstats.analysis.selection import select_tools
    from civicstats.analysis.waves import wave_changes, waves
    from civicstats.charts import save_figure
    from civicstats.analysis.exports import compare_exports
    from civicstats.display import show
    from civicstats.geography import geography_findings, official_geography
    from civicstats.tables import datasets, load, sources


def __getattr__(name: str):
    if name in _SUBMODULES:
        value = import_module(_SUBMODULES[name])
    elif name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'civicstats' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))
