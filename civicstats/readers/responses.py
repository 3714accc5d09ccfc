"""The survey's responses sheet: one row per collectivity and wave, and the columns it has.

Analysts collect answers in a ``responses`` sheet (or a ``responses.csv``):
one row per collectivity and wave, with its SIREN, level, population and a
yes/no cell per category of civic tech (:data:`RESPONSES_COLUMNS`). The sheet
is read as any sheet or CSV file; its schema is ``x-inputs`` → ``responses``
in ``data/datapackage.json`` (:func:`~civicstats.schema.unshipped_spec`);
validating it is :func:`civicstats.responses.validate_responses`, counting it
:func:`civicstats.analysis.responses.aggregate_responses`.

>>> is_responses(["as_of", "siren", "level", *CATEGORIES, "extra"]), is_responses(["as_of", "siren"])
(True, False)
"""

from __future__ import annotations

__all__ = ["CATEGORIES", "PARTICIPATION", "RESPONSES_COLUMNS", "is_responses"]

#: The guide's six categories (data/civictech_categories.csv), in its order.
CATEGORIES = ("dialogue_concertation", "participatory_mapping", "reporting",
              "participatory_budgeting", "crowdfunding", "open_data_portal")
#: Categories that count as digital participation: open data is excluded, as in the survey.
PARTICIPATION = tuple(c for c in CATEGORIES if c != "open_data_portal")
#: The header of a responses sheet, in order.
RESPONSES_COLUMNS = ("as_of", "siren", "name", "level", "population", *CATEGORIES, "tools", "source")


def is_responses(columns) -> bool:
    """Whether a header is a responses sheet's: its key, its level and every category (case and spaces ignored)."""
    return {"as_of", "siren", "level", *CATEGORIES} <= {str(c).strip().lower() for c in columns}
