"""Charts: plotting functions that take tidy tables and return a finished ``Figure``.

Every plotting function draws only the rows it is given (the DataFrames that
:func:`civicstats.load`, :func:`civicstats.adoption_rates`,
:func:`civicstats.audit` or :func:`civicstats.select_tools` return) and the
tables of words passed with them (``levels``, ``criteria``: their labels;
without them the codes are shown; ``register``: the source register named in
the source line). It returns a :class:`matplotlib.figure.Figure` in the house
style with a title, units and a source line naming the ids of the rows drawn.
What :func:`save_figure` needs is recorded on the figure::

    fig.civicstats == {"title": ..., "units": ..., "sources": ["NL", "LOC"], "lang": "en"}

(and ``"name"``, the file name, once saved).

Texts are English by default and French with ``lang="fr"``
(:mod:`civicstats.labels`, :mod:`civicstats.format`). Dates (``as_of``) are
placed on a time axis by :func:`civicstats.format.as_of_date`: a year alone
sits at mid-year, drawn with a line spanning the year.

Figures are created with ``plt.subplots`` and closed at once: nothing is left
in pyplot's global state, and a figure that is the last expression of a
notebook cell is shown exactly once. matplotlib is imported inside the
functions, so this package is cheap to import.
"""

from __future__ import annotations

from civicstats.charts.adoption import adoption_by_level, adoption_shares, survey_total_gap
from civicstats.charts.audit import audit_findings
from civicstats.charts.budgets import UNIT_MARKERS, participatory_budgets
from civicstats.charts.maps import dated, departement_map, ranked_bars
from civicstats.charts.open_data import EPCI_TYPES, open_data_by_level, open_data_waves
from civicstats.charts.save import save_figure
from civicstats.charts.selection import selection_scores
from civicstats.charts.stamp import finish, source_line
from civicstats.charts.style import GREY, PALETTE, STYLE, house_style
from civicstats.charts.tools import tool_landscape

__all__ = [
    "adoption_by_level", "adoption_shares", "survey_total_gap", "open_data_waves", "open_data_by_level",
    "participatory_budgets", "tool_landscape", "audit_findings", "selection_scores", "departement_map",
    "ranked_bars", "dated", "save_figure", "finish", "source_line", "house_style", "STYLE", "PALETTE", "GREY",
    "UNIT_MARKERS", "EPCI_TYPES",
]
