"""Charts: plotting functions that take tidy tables and return a finished ``Figure``.

Every plotting function draws only the rows it is given and the tables of words passed with them (``levels``,
``criteria``: labels, else the codes; ``register``: the publishers in the source line). It returns a
:class:`matplotlib.figure.Figure` in the house style, with a title, units and a source line naming the ids of
the rows drawn, recorded for :func:`save_figure`::

    fig.civicstats == {"title": ..., "units": ..., "sources": ["NL", "LOC"], "lang": "en"}

(and ``"name"``, the file name, once saved).

Texts are English by default and French with ``lang="fr"``. Figures are closed at once (nothing is left in
pyplot's state; a figure ending a notebook cell is shown once); matplotlib is imported inside the functions.
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
