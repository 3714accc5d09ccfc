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

from civicstats.format import (  # noqa: F401  (re-exported: the charts' public names)
    LANGS, MINUS, MONTHS, NBSP, NNBSP, _check_lang, as_of_date, format_as_of, format_number, format_percent,
)
from civicstats.labels import LABEL_TABLES, TEXTS, _labels, _text, label  # noqa: F401
from civicstats.charts.style import (  # noqa: F401
    GREY, LIGHT_GREY, OKABE_ITO, PALETTE, STYLE, TEXT_GREY, _LABEL_BOX, _LEADER, _bare_value_axis, _new_figure, _tick_formatter, house_style,
)
from civicstats.charts.stamp import (  # noqa: F401
    _LINE, _MARGIN_X, _SOURCE_PT, _TITLE_PT, _UNITS_PT, _declutter, _record, _restore_positions, _state, _text_width_in, _wrap, finish, source_line,
)
from civicstats.charts.save import (  # noqa: F401
    _atomic_savefig, _figure_name, save_figure,
)
from civicstats.charts.common import (  # noqa: F401
    _default, _grouped_hbar, _ids, _ids_text, _is_missing, _level_wave_bars, _order, _require, _waves, _waves_text,
)
from civicstats.charts.adoption import (  # noqa: F401
    _civictech_levels, _denominator_text, adoption_by_level, adoption_shares, survey_total_gap,
)
from civicstats.charts.open_data import (  # noqa: F401
    EPCI_TYPES, _span, open_data_by_level, open_data_waves,
)
from civicstats.charts.budgets import (  # noqa: F401
    UNIT_MARKERS, participatory_budgets,
)
from civicstats.charts.tools import (  # noqa: F401
    tool_landscape,
)
from civicstats.charts.audit import (  # noqa: F401
    _finding_label, audit_findings,
)
from civicstats.charts.selection import (  # noqa: F401
    selection_scores,
)

__all__ = [
    "adoption_by_level", "adoption_shares", "survey_total_gap", "open_data_waves",
    "open_data_by_level", "participatory_budgets", "tool_landscape", "audit_findings",
    "selection_scores", "save_figure", "finish", "house_style", "format_number",
    "format_percent", "format_as_of", "as_of_date", "label", "source_line", "TEXTS",
    "STYLE", "PALETTE", "GREY",
]
