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

__all__ = ["FieldSpec", "LEVEL_COLUMNS", "TableSpec", "NO_TEXTS", "YES_TEXTS", "field_spec", "is_qualifier",
           "as_levels", "level_dtype", "package", "spec", "table_names", "unshipped_spec", "unshipped_tables"]

#: The one yes/no vocabulary (lower case, stripped), shared by the survey
#: responses and the selection aid: "o" is the French short "oui", "x" a ticked box.
YES_TEXTS = frozenset({"yes", "oui", "y", "o", "x", "1", "true"})
NO_TEXTS = frozenset({"no", "non", "n", "0", "false"})
#: Columns holding level codes: every table and output types them with :func:`level_dtype`.
LEVEL_COLUMNS = ("level", "official_level")


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
        name=d["name"],
        type=d.get("type", "string"),
        title=d.get("title", ""),
        description=d.get("description", ""),
        required=bool(c.get("required", False)),
        unique=bool(c.get("unique", False)),
        enum=tuple(c["enum"]) if "enum" in c else None,
        ordered=bool(d.get("categoriesOrdered", False)),
        minimum=c.get("minimum"),
        maximum=c.get("maximum"),
        pattern=c.get("pattern"),
        delimiter=d.get("delimiter") if d.get("type") == "list" else None,
    )


def _table_spec(name: str, r: dict) -> TableSpec:
    s = r["schema"]
    pk = s.get("primaryKey", [])
    return TableSpec(
        name=name,
        path=r.get("path", f"{name}.csv"),
        title=r.get("title", name),
        description=r.get("description", ""),
        fields=tuple(field_spec(f) for f in s["fields"]),
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

    Keeping them out of ``resources`` keeps ``datasets()`` and the
    shipped-data tests about shipped data.

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


@functools.cache
def level_dtype():
    """The one dtype of every level column: the ``levels`` table's codes in its ``order``, ordered.

    Level codes of other tables that ``levels`` lacks (``open_data_organisations``'
    ``associated_body``, no collectivity) follow them. Each table still
    allows only its own levels (its enum); sorting or merging two tables by
    level follows one order.

    >>> level_dtype().categories[:3].tolist(), level_dtype().ordered
    (['region', 'departement', 'metropole'], True)
    """
    import pandas as pd

    schemas = [r["schema"] for r in [*package()["resources"], *unshipped_tables().values()]]
    codes = list(_resource_spec("levels").field("level").enum)
    codes += [c for s in schemas for f in s["fields"] if f["name"] in LEVEL_COLUMNS
              for c in f.get("constraints", {}).get("enum", [])]
    return pd.CategoricalDtype(list(dict.fromkeys(codes)), ordered=True)


def as_levels(values):
    """``values`` (level codes, a Series) typed with :func:`level_dtype`; a code ``levels`` lacks raises.

    >>> as_levels(__import__("pandas").Series(["all", "region"])).sort_values().tolist()
    ['region', 'all']
    """
    import pandas as pd

    from civicstats.errors import UnknownNameError

    unknown = sorted({str(v) for v in values.dropna()} - set(level_dtype().categories))
    if unknown:
        raise UnknownNameError(f"unknown level {', '.join(unknown)}; the levels are: "
                               + ", ".join(level_dtype().categories))
    return pd.Series(pd.Categorical(values.astype("object").where(values.notna(), None), dtype=level_dtype()),
                     index=values.index, name=values.name)


def is_qualifier(name: str) -> bool:
    """Whether column ``name`` qualifies a figure (``bound``, ``count_bound``…): blank there means ``exact``."""
    return name == "bound" or name.endswith("_bound")


def table_names() -> list[str]:
    """Names of every table of the data package, in the descriptor's order."""
    return [r["name"] for r in package()["resources"]]
