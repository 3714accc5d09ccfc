"""Charts: plotting functions that take tidy tables and return a ``Figure``.

Every plotting function takes the DataFrames that :func:`civicstats.load`,
:func:`civicstats.adoption_rates`, :func:`civicstats.audit` or
:func:`civicstats.select_tools` return (the defaults load the shipped data),
draws only what those rows hold, and returns a finished
:class:`matplotlib.figure.Figure`: house style, title, units and a source line
naming the ids of the rows drawn. What :func:`save_figure` needs is recorded
on the figure::

    fig.civicstats == {"title": ..., "units": ..., "sources": ["NL", "LOC"], "lang": "en"}

Labels are English by default and French with ``lang="fr"``: level, category
and criterion labels come from the ``levels``, ``civictech_categories`` and
``selection_criteria`` tables, the other texts from :data:`TEXTS`; numbers are
formatted the French way (``35 357``, ``8,9``, ``50 %``).

Dates (``as_of``) are placed on a time axis by :func:`as_of_date`: a full date
as is, a year-month on the 15th, a year alone on 1 July, drawn with a line
spanning the year so the reader sees it is only known to the year.

Figures are created with ``plt.subplots`` and closed at once: nothing is left
in pyplot's global state, and a figure that is the last expression of a
notebook cell is shown exactly once. matplotlib is imported inside the
functions, so the number formatters here are cheap to import.

>>> format_number(35357, "fr") == "35\\u202f357"
True
>>> format_percent(0.5), format_percent(0.5, "fr") == "50\\u00a0%"
('50%', True)
>>> label("levels", "departement", "fr")
'Départements'
"""

from __future__ import annotations

from civicstats.charts.adoption import (  # noqa: F401
    adoption_by_level,
    adoption_shares,
    survey_total_gap,
)
from civicstats.charts.audit import audit_findings  # noqa: F401
from civicstats.charts.budgets import UNIT_MARKERS, participatory_budgets  # noqa: F401
from civicstats.charts.open_data import EPCI_TYPES, open_data_by_level, open_data_waves  # noqa: F401
from civicstats.charts.save import save_figure  # noqa: F401
from civicstats.charts.selection import selection_scores  # noqa: F401
from civicstats.charts.stamp import finish, source_line  # noqa: F401
from civicstats.charts.style import (  # noqa: F401
    GREY,
    LIGHT_GREY,
    OKABE_ITO,
    PALETTE,
    STYLE,
    TEXT_GREY,
    house_style,
)
from civicstats.charts.tools import tool_landscape  # noqa: F401
from civicstats.format import (  # noqa: F401  (re-exported: the charts' public names)
    LANGS,
    MINUS,
    MONTHS,
    NBSP,
    NNBSP,
    _check_lang,
    as_of_date,
    format_as_of,
    format_number,
    format_percent,
)
from civicstats.labels import LABEL_TABLES, TEXTS, _labels, _text, label  # noqa: F401

__all__ = [
    "adoption_by_level", "adoption_shares", "survey_total_gap", "open_data_waves",
    "open_data_by_level", "participatory_budgets", "tool_landscape", "audit_findings",
    "selection_scores", "save_figure", "finish", "house_style", "format_number",
    "format_percent", "format_as_of", "as_of_date", "label", "source_line", "TEXTS",
    "STYLE", "PALETTE", "GREY",
]
