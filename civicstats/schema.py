"""The tables' schemas: ``data/datapackage.json`` read into :class:`TableSpec` objects.

``data/datapackage.json`` follows the Data Package / Table Schema convention
(types, constraints, enums, primary and foreign keys). Shipped tables are its
``resources``; tables never shipped as CSV are described under ``x-inputs``
(tables analysts fill, like ``responses``) and ``x-computed`` (tables computed
from inputs, like ``civictech_category_use``): :func:`unshipped_spec`.
Checking a table against its spec is :func:`civicstats.validate.validate`.

>>> spec("participatory_budgets").primary_key
('year', 'count', 'source')
>>> "civictech_adoption" in table_names()
True
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field

from civicstats import paths
from civicstats.naming import name_argument, resolve

__all__ = ["FieldSpec", "LEVEL_COLUMNS", "TableSpec", "NO_TEXTS", "YES_TEXTS", "as_codes", "code_dtype", "code_family",
           "code_lists", "field_spec", "package", "spec", "table_names", "unshipped_spec", "unshipped_tables", "with_codes"]

#: The one yes/no vocabulary (lower case, stripped), shared by the survey
#: responses and the selection aid: "o" is the French short "oui", "x" a ticked box.
YES_TEXTS = frozenset({"yes", "oui", "y", "o", "x", "1", "true"})
NO_TEXTS = frozenset({"no", "non", "n", "0", "false"})
#: Columns holding level codes: they share one list of codes (:func:`code_dtype`), as qualifier columns do.
LEVEL_COLUMNS = ("level", "official_level", "universe_level")


@dataclass(frozen=True)
class FieldSpec:
    """One column of a table, as its Table Schema describes it."""

    name: str
    type: str
    title: str = ""
    description: str = ""
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] | None = None
    ordered: bool = False
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    delimiter: str | None = None

    @property
    def pandas_dtype(self) -> str:
        """The dtype of this column in a loaded table."""
        if self.enum is not None:
            return "category"
        if self.type == "integer":  # nullable: a count stays whole through a left merge
            return "Int64"
        if self.type == "year":
            return "int64" if self.required else "Int64"
        if self.type == "number":
            return "float64"
        return "string"


@dataclass(frozen=True)
class TableSpec:
    """One table of the data package: its file, title and schema."""

    name: str
    path: str
    title: str
    description: str
    fields: tuple[FieldSpec, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...] = ()
    row_checks: tuple[str, ...] = ()
    descriptor: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def required_columns(self) -> list[str]:
        return [f.name for f in self.fields if f.required]

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


@functools.cache
def package() -> dict:
    """The data package descriptor (``data/datapackage.json``), parsed once."""
    return json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))


def field_spec(d: dict) -> FieldSpec:
    c = d.get("constraints", {})
    return FieldSpec(
        name=d["name"], type=d.get("type", "string"), title=d.get("title", ""), description=d.get("description", ""),
        required=bool(c.get("required", False)), unique=bool(c.get("unique", False)),
        enum=tuple(c["enum"]) if "enum" in c else None, ordered=bool(d.get("categoriesOrdered", False)),
        minimum=c.get("minimum"), maximum=c.get("maximum"), pattern=c.get("pattern"),
        delimiter=d.get("delimiter") if d.get("type") == "list" else None)


def _table_spec(name: str, r: dict) -> TableSpec:
    s = r["schema"]
    pk = s.get("primaryKey", [])
    return TableSpec(
        name=name, path=r.get("path", f"{name}.csv"), title=r.get("title", name),
        description=r.get("description", ""), fields=tuple(field_spec(f) for f in s["fields"]),
        primary_key=tuple([pk] if isinstance(pk, str) else pk),
        foreign_keys=tuple((fk["fields"], fk["reference"]["resource"], fk["reference"]["fields"])
                           for fk in s.get("foreignKeys", [])),
        row_checks=tuple(c["rule"] for c in s.get("x-rowChecks", [])),
        descriptor=r,
    )


def spec(name: str) -> TableSpec:
    """The :class:`TableSpec` of table ``name``, matched whatever its case.

    An unknown name raises :class:`~civicstats.errors.UnknownNameError` (a
    ``KeyError``) with the nearest table's name and the list of tables.
    """
    return _resource_spec(resolve(name_argument(name, "a table's name", "open_data_adopters"), table_names(), "table"))


@functools.cache
def _resource_spec(name: str) -> TableSpec:
    return _table_spec(name, next(r for r in package()["resources"] if r["name"] == name))


@functools.cache
def unshipped_spec(name: str) -> TableSpec:
    """The :class:`TableSpec` of a table described under ``x-inputs`` or ``x-computed``, not ``resources``.

    >>> unshipped_spec("responses").primary_key
    ('as_of', 'siren')
    >>> unshipped_spec("civictech_category_use").columns[:4]
    ['as_of', 'level', 'category', 'count']
    """
    found = unshipped_tables()
    if name in found:
        return _table_spec(name, found[name])
    raise KeyError(f"unknown unshipped table {name!r}; they are: {', '.join(found)}")


def unshipped_tables() -> dict[str, dict]:
    """The tables described under ``x-inputs`` and ``x-computed``: name → descriptor."""
    pkg = package()
    return {n: r for key in ("x-inputs", "x-computed") for n, r in pkg.get(key, {}).items()}


def code_family(name: str) -> str:
    """The code list column ``name`` takes: ``level`` for every level column, ``qualifier`` for ``*_qualifier``."""
    return "level" if name in LEVEL_COLUMNS else "qualifier" if name.endswith("_qualifier") else name


@functools.cache
def code_lists() -> dict[str, tuple[str, ...]]:
    """The one list of codes of each code column (:func:`code_family`) in every table and output: the longest
    list a table declares (for ``level``, the ``levels`` table's), then the codes other tables add. Each table
    still allows only its own codes (its enum); sorting or merging by a code column follows one order.

    >>> code_lists()["level"][:3], code_lists()["qualifier"][:3]
    (('region', 'departement', 'metropole'), ('exact', 'about', 'more_than'))
    """
    fields = [f for r in [*package()["resources"], *unshipped_tables().values()] for f in r["schema"]["fields"]
              if "enum" in f.get("constraints", {})]
    lists: dict[str, tuple[str, ...]] = {}
    for f in sorted(fields, key=lambda f: -len(f["constraints"]["enum"])):  # the longest list first
        family = code_family(f["name"])
        lists[family] = tuple(dict.fromkeys([*lists.get(family, ()), *f["constraints"]["enum"]]))
    return lists


def code_dtype(name: str):
    """The one dtype of code column ``name``: its :func:`code_lists` codes, ordered."""
    import pandas as pd

    return pd.CategoricalDtype(list(code_lists()[code_family(name)]), ordered=True)


def as_codes(values, name: str | None = None):
    """``values`` (codes of column ``name``, by default the Series' name; blank: missing) typed with
    :func:`code_dtype`; a code outside the list raises :class:`~civicstats.errors.UnknownNameError`.

    >>> as_codes(__import__("pandas").Series(["all", "region"], name="level")).sort_values().tolist()
    ['region', 'all']
    """
    import pandas as pd

    from civicstats.errors import UnknownNameError

    name, cells = name or str(values.name), values.astype("object").where(values.notna(), "").replace("", None)
    dtype = code_dtype(name)
    if unknown := sorted({str(v) for v in cells.dropna()} - set(dtype.categories)):
        raise UnknownNameError(f"unknown {name} {', '.join(unknown)}; the codes are: {', '.join(dtype.categories)}")
    return pd.Series(pd.Categorical(cells, dtype=dtype), index=values.index, name=values.name)


def with_codes(frame):
    """``frame``, each column with a code list typed by :func:`as_codes`, unless categorical already."""
    codes = {str(c): as_codes(frame[c], str(c)) for c in frame.columns
             if code_family(str(c)) in code_lists() and frame[c].dtype != "category"}
    return frame.assign(**codes) if codes else frame


def table_names() -> list[str]:
    """Names of every table of the data package, in the descriptor's order."""
    return [r["name"] for r in package()["resources"]]
