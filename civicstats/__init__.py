"""civicstats: the 2018 French civic-tech survey and its context, as data.

>>> import civicstats as cs
>>> int(cs.load("civictech_adoption")["count"].sum())
156

Importing the package is cheap: every public name below is imported from its
module on first use.
"""

# ruff: noqa: F401  (the imports under TYPE_CHECKING name the lazy attributes for type checkers)
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from civicstats.errors import (
    CivicstatsError,
    DataError,
    DataWarning,
    MissingFileError,
    OutputError,
    Problem,
    SetupError,
    UnknownNameError,
    UsageError,
)

__version__ = "0.1.0"

#: public name → module that defines it, listed by module
_LAZY = {name: module for module, names in {
    "civicstats.tables": ["load", "datasets", "sources"],
    "civicstats.analysis.audit": ["audit"],
    "civicstats.analysis.organisation_audit": ["organisation_audit"],
    "civicstats.analysis.rates": ["adoption_rates"],
    "civicstats.analysis.obligation": ["open_data_obligation"],
    "civicstats.analysis.waves": ["wave_changes", "waves"],
    "civicstats.analysis.selection": ["select_tools"],
    "civicstats.readers.observatory": ["observatory_as_of"],
    "civicstats.raw": ["platforms", "outlines"],
    "civicstats.charts": ["save_figure"],
    "civicstats.display": ["show"],
    "civicstats.analysis.exports": ["compare_exports"],
    "civicstats.analysis.collectivities": ["collectivities", "unpublished"],
    # organisation level: the observatory's organisations on the official populations (notebook 06)
    "civicstats.analysis.organisations": ["join_populations", "law_universe", "commune_coverage",
                                          "organisations_by_departement"],
    "civicstats.geography": ["official_geography", "geography_findings"],
    # words and numbers for the sentences a notebook prints (EN/FR)
    "civicstats.labels": ["explain_selection", "text", "labels_of", "subject_label", "finding_text", "origin_text",
                          "share_line", "reason_text", "ids_text", "format_qualified"],
    "civicstats.vocabulary": ["label", "describe"],
    "civicstats.format": ["format_number", "format_percent", "format_as_of"],
}.items() for name in names}
#: public submodules, reachable as attributes (``cs.charts``) without an import
_SUBMODULES = {"charts": "civicstats.charts", "organisations": "civicstats.analysis.organisations",
               "obligation": "civicstats.analysis.obligation"}

__all__ = ["CivicstatsError", "DataError", "MissingFileError", "UsageError", "UnknownNameError", "SetupError",
           "OutputError", "DataWarning", "Problem", "__version__", *_LAZY, *_SUBMODULES]

if TYPE_CHECKING:  # pragma: no cover
    from civicstats import charts
    from civicstats.analysis import obligation, organisations
    from civicstats.analysis.audit import audit
    from civicstats.analysis.collectivities import collectivities, unpublished
    from civicstats.analysis.exports import compare_exports
    from civicstats.analysis.organisation_audit import organisation_audit
    from civicstats.analysis.organisations import (
        commune_coverage,
        join_populations,
        law_universe,
        organisations_by_departement,
    )
    from civicstats.analysis.obligation import open_data_obligation
    from civicstats.analysis.rates import adoption_rates
    from civicstats.analysis.selection import select_tools
    from civicstats.analysis.waves import wave_changes, waves
    from civicstats.charts import save_figure
    from civicstats.display import show
    from civicstats.format import format_as_of, format_number, format_percent
    from civicstats.geography import geography_findings, official_geography
    from civicstats.labels import (
        explain_selection,
        finding_text,
        format_qualified,
        ids_text,
        labels_of,
        origin_text,
        reason_text,
        share_line,
        subject_label,
        text,
    )
    from civicstats.raw import outlines, platforms
    from civicstats.readers.observatory import observatory_as_of
    from civicstats.tables import datasets, load, sources
    from civicstats.vocabulary import describe, label


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
