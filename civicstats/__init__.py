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
}

__all__ = ["DataError", "DataWarning", "Problem", "__version__", *_LAZY]

if TYPE_CHECKING:  # pragma: no cover
    from civicstats.analysis.audit import audit
    from civicstats.analysis.obligation import open_data_obligation
    from civicstats.analysis.rates import adoption_rates
    from civicstats.analysis.waves import wave_changes, waves
    from civicstats.tables import datasets, load, sources


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'civicstats' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
