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

__all__ = ["FieldSpec", "TableSpec", "NO_TEXTS", "YES_TEXTS", "field_spec", "package", "spec", "table_names",
           "unshipped_spec"]

#: The one yes/no vocabulary (lower case, stripped), shared by the survey
#: responses and the selection aid: "o" is the French short "oui", "x" a ticked box.
YES_TEXTS = frozenset({"yes", "oui", "y", "o", "x", "1", "true"})
NO_TEXTS = frozenset({"no", "non", "n", "0", "false"})


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
        if self.type in ("integer", "year"):
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
    pkg = package()
    for key in ("x-inputs", "x-computed"):
        if name in pkg.get(key, {}):
            return _table_spec(name, pkg[key][name])
    known = [n for key in ("x-inputs", "x-computed") for n in pkg.get(key, {})]
    raise KeyError(f"unknown unshipped table {name!r}; they are: {', '.join(known)}")


def table_names() -> list[str]:
    """Names of every table of the data package, in the descriptor's order."""
    return [r["name"] for r in package()["resources"]]
