"""What the tables' columns and codes mean, in English and French: ``cs.describe`` and ``cs.label``.

>>> label("type", "CA", "fr")
"communauté d'agglomération"
>>> label("value_qualifier", "about")
'about'
>>> describe("participatory_budgets").loc["count", "type"]
'integer'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicstats import labels as words
from civicstats.display import CODE_COLUMNS, WORD_COLUMNS
from civicstats.errors import UnknownNameError
from civicstats.naming import name_argument, resolve
from civicstats.schema import code_family, spec, table_names, unshipped_spec, unshipped_tables

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LABEL_TABLES", "describe", "label"]

#: The table whose ``label_en``/``label_fr`` columns name the codes of a column (see ``display.CODE_COLUMNS``).
LABEL_TABLES = {"level": "levels", "category": "civictech_categories", "id": "selection_criteria"}


def label(column: str | pd.DataFrame | None, code: object, lang: str = "en", *,
          labels: pd.DataFrame | None = None) -> str:
    """The words for ``code`` of ``column`` in ``lang`` ("en" or "fr"): what ``cs.show`` prints for it.

    Columns of :data:`~civicstats.display.WORD_COLUMNS` take their words from the catalog; ``level``, ``category``
    and ``id`` from the table of labels ``labels``, else the shipped one (:data:`LABEL_TABLES`), which may also be
    given in place of the column. An unknown column or code raises :class:`~civicstats.errors.UnknownNameError`
    with the allowed ones.

    >>> label("level", "region", "fr")
    'Régions'
    >>> label("channel", "datagouv")
    'data.gouv.fr only'
    >>> label("unit", "mairies")
    Traceback (most recent call last):
    civicstats.errors.UnknownNameError: unknown unit code 'mairies'; the unit codes are: collectivites, communes, villes
    """
    import pandas as pd

    if column is None or isinstance(column, pd.DataFrame):
        return words.label(column, code, lang)
    name = name_argument(column, "a column's name", "type")
    prefix = f"{code_family(name)}_"
    if name in CODE_COLUMNS:
        if labels is None:
            from civicstats.tables import load

            labels = load(LABEL_TABLES[CODE_COLUMNS[name]])
        known = list(words.labels_of(labels, lang))
        if str(code) not in known and words.has_text(prefix + str(code)):  # a code no table labels (associated_body)
            return words.text(prefix + str(code), lang).strip() or str(code)
        return words.label(labels, resolve(str(code), known, f"{name} code"), lang)
    if code_family(name) not in WORD_COLUMNS:
        raise UnknownNameError(f"column {name!r} holds no codes with words; those that do are: "
                               f"{', '.join(sorted([*CODE_COLUMNS, *WORD_COLUMNS]))}")
    known = sorted(key.removeprefix(prefix) for key in words.catalog() if key.startswith(prefix))
    code = resolve(str(code), known, f"{name} code")
    return words.text(prefix + code, lang).strip() or code  # an exact figure's qualifier prints as nothing


def describe(name: str) -> pd.DataFrame:
    """Each column of table ``name``: its title, description, type, pandas dtype and constraints.

    One row per column, indexed by its name; ``allowed`` lists a fixed vocabulary's codes; ``attrs`` holds the
    table's title and description. Tables analysts fill (``responses``) are described too.

    >>> d = describe("levels")
    >>> bool(d.loc["level", "required"]), d.attrs["title"]
    (True, 'Levels of collectivity')
    """
    import pandas as pd

    unshipped = list(unshipped_tables())
    name = resolve(name_argument(name, "a table's name", "open_data_adopters"), [*table_names(), *unshipped], "table")
    table = unshipped_spec(name) if name in unshipped else spec(name)
    rows = [{"column": f.name, "title": f.title, "description": f.description, "type": f.type,
             "dtype": f.pandas_dtype, "required": f.required, "unique": f.unique,
             "allowed": ", ".join(f.enum) if f.enum else "", "minimum": f.minimum, "maximum": f.maximum,
             "pattern": f.pattern or ""} for f in table.fields]
    frame = pd.DataFrame(rows).set_index("column")
    frame.attrs = {"table": name, "title": table.title, "description": table.description}
    return frame
