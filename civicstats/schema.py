"""The tables' schemas, read from ``data/datapackage.json``, and validation.

Size (over 500 lines): the Table Schema reading, the cell parsers (one per
type, with French number and date forms) and the constraint checks are one
job, validation, and share the same located-problem helpers.

``data/datapackage.json`` follows the Data Package / Table Schema convention
(types, constraints, enums, primary and foreign keys). This module turns each
table's schema into a :class:`TableSpec`, and :func:`validate` turns a raw
table of text cells into a typed DataFrame, or raises a
:class:`~civicstats.errors.DataError` listing every problem with its file,
sheet, row, column, value and rule.

Validation has two stages. Parsing each cell into its type (whole numbers,
decimals with a point or a comma, lists of source ids) is done here, so that a
cell that is not a number is reported as such. The constraints (minimum,
allowed values, patterns, keys, row rules) are then checked on the typed
columns, a few vectorised comparisons each (pandera did this once: its import
alone cost more per process than the checks).

>>> spec("participatory_budgets").primary_key
('year', 'count', 'source')
>>> "civictech_adoption" in table_names()
True
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from civicstats import paths
from civicstats.errors import DataError, Origin, Problem
from civicstats.naming import fold, suggest

if TYPE_CHECKING:
    import pandas as pd

#: How rules are worded for the patterns the data package uses.
PATTERN_RULES = {
    r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$": "must be a date written YYYY, YYYY-MM or YYYY-MM-DD",
    r"^[a-z0-9_]+$": "must be an id in lower case letters, digits and _",
    r"^[A-Z][A-Z0-9]*$": "must be an id in capital letters and digits, starting with a letter",
    r"^https?://\S+$": "must be a web address starting with http:// or https://",
}
#: The one yes/no vocabulary (lower case, stripped), shared by the survey
#: responses and the selection aid: "o" is the French short "oui", "x" a ticked box.
YES_TEXTS = frozenset({"yes", "oui", "y", "o", "x", "1", "true"})
NO_TEXTS = frozenset({"no", "non", "n", "0", "false"})
YES_NO_RULE = "must be yes or no (yes/no, oui/non, y/n, o, x, 1/0, true/false; a blank cell means no)"
#: Values that mean someone typed a total row into a table.
TOTAL_WORDS = {"total", "totaux", "totals", "sum", "somme", "ensemble", "grand total"}


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


@functools.cache
def spec(name: str) -> TableSpec:
    """The :class:`TableSpec` of table ``name``; ``KeyError`` lists the known tables."""
    for r in package()["resources"]:
        if r["name"] == name:
            s = r["schema"]
            pk = s.get("primaryKey", [])
            fks = tuple(
                (fk["fields"], fk["reference"]["resource"], fk["reference"]["fields"])
                for fk in s.get("foreignKeys", [])
            )
            return TableSpec(
                name=name,
                path=r["path"],
                title=r.get("title", name),
                description=r.get("description", ""),
                fields=tuple(field_spec(f) for f in s["fields"]),
                primary_key=tuple([pk] if isinstance(pk, str) else pk),
                foreign_keys=fks,
                row_checks=tuple(c["rule"] for c in s.get("x-rowChecks", [])),
                descriptor=r,
            )
    raise KeyError(f"unknown table {name!r}; the tables are: {', '.join(table_names())}")


def table_names() -> list[str]:
    """Names of every table of the data package, in the descriptor's order."""
    return [r["name"] for r in package()["resources"]]


# --------------------------------------------------------------------------
# Messages


def _enum_rule(value: str, allowed: tuple[str, ...]) -> str:
    if fold(value) in {fold(w) for w in TOTAL_WORDS}:
        return "looks like a total row: remove it (totals are computed from the rows, not typed)"
    hint = suggest(value, allowed)
    shown = ", ".join(allowed) if len(allowed) <= 20 else ", ".join(allowed[:20]) + ", …"
    rule = f"not an allowed value (allowed: {shown})"
    return f"{rule}; did you mean {hint!r}?" if hint else rule


@functools.lru_cache(maxsize=1024)
def _enum_rule_of(value: object, allowed: tuple[str, ...]) -> str:
    """:func:`_enum_rule` of a cell, worded (and its close match searched) once per distinct value."""
    return _enum_rule(str(value), allowed)


def _pattern_rule(pattern: str) -> str:
    return PATTERN_RULES.get(pattern, f"must match the pattern {pattern}")


# --------------------------------------------------------------------------
# Validation

#: Largest number read (2**53): beyond it a float no longer holds every whole number.
MAX_EXACT = 2**53
# ASCII digits only: \d would also take "９" or "١٢", which no number parser reads (the cell would turn blank)
_INT_RE = r"^[+-]?([0-9]+|[0-9]{1,3}([ \u00a0\u202f][0-9]{3})+)$"
_NUM_RE = r"^[+-]?([0-9]+|[0-9]{1,3}([ \u00a0\u202f][0-9]{3})+)([.,][0-9]+)?$"


def check_header(raw: pd.DataFrame, table: TableSpec, origin: Origin) -> list[Problem]:
    """Problems with the columns: missing, unknown or repeated."""
    problems: list[Problem] = []
    columns = [str(c) for c in raw.columns]
    seen: set[str] = set()
    for c in columns:
        if c in seen:
            problems.append(origin.problem(origin.header_row, c, None, "this column appears twice in the header"))
        seen.add(c)
    known = table.columns
    for c in columns:
        if c not in known:
            if c == "" or c.startswith("Unnamed:"):
                rule = "a column without a name: give it one of the table's column names or delete it"
                c = c or "(blank)"
            else:
                hint = suggest(c, known)
                rule = f"unknown column for table '{table.name}' (columns: {', '.join(known)})"
                if hint and hint not in columns:
                    rule += f"; did you mean {hint!r}?"
            problems.append(origin.problem(origin.header_row, c, None, rule))
    for name in table.required_columns:
        if name not in columns:
            problems.append(
                origin.problem(origin.header_row, name, None, f"required column is missing (the header must have: {', '.join(table.required_columns)})")
            )
    return problems


def _parse_column(text: pd.Series, f: FieldSpec, origin: Origin, rows: pd.Series, problems: list[Problem]) -> pd.Series:
    """Parse one column of text cells into its type; unparsable cells become problems."""
    import pandas as pd

    text = text.str.strip()
    blank = text.eq("")
    if f.required:
        for r, v in zip(rows[blank], text[blank]):
            problems.append(origin.problem(int(r), f.name, None, "a value is required here"))
    if f.type in ("integer", "year", "number"):
        pattern = _INT_RE if f.type != "number" else _NUM_RE
        ok = text.str.fullmatch(pattern) | blank
        bad = ~ok
        if bad.any():
            if f.type == "number":
                rule = "must be a number"
            elif f.type == "year":
                rule = "must be a year (four digits)"
            else:
                rule = "must be a whole number"
            for r, v in zip(rows[bad], text[bad]):
                why = rule
                if re.fullmatch(r"[+-]?\d+[.,]\d+", v) and f.type != "number":
                    why = rule + " (no decimals)"
                elif v.startswith("="):
                    why = "a formula where a value belongs: type the value itself"
                problems.append(origin.problem(int(r), f.name, v, why))
        cleaned = text.where(ok, "").str.replace(r"[ \u00a0\u202f]", "", regex=True).str.replace(",", ".", regex=False)
        numbers = pd.to_numeric(cleaned.mask(cleaned.eq("")), errors="coerce").astype("float64")
        # digits a float cannot hold exactly (or at all: 1e400 is infinite) are no count anyone typed
        huge = numbers.abs().ge(MAX_EXACT).fillna(False)
        if huge.any():
            for r, v in zip(rows[huge], text[huge]):
                problems.append(origin.problem(int(r), f.name, v, f"too large: numbers here must be below {MAX_EXACT:,}"))
            numbers = numbers.mask(huge)
        if f.type == "number":
            return numbers.astype("float64")
        return numbers.astype("Int64")
    if f.type == "list":
        text = text.str.replace(r"\s*" + re.escape(f.delimiter or ";") + r"\s*", f.delimiter or ";", regex=True)
    return text.astype("string").mask(blank)


def _constraint_problems(frame: pd.DataFrame, table: TableSpec, present: list[str], origin: Origin,
                         official: dict[str, int] | None) -> list[Problem]:
    """Cells and rows breaking the table's constraints, each located.

    A few vectorised comparisons per column: minimum, maximum, allowed values,
    pattern, uniqueness, and the row rules (``x-rowChecks``, and the official
    counts). A missing value never breaks a constraint (a required cell left
    blank is reported when it is parsed).

    Problems come grouped by rule, the row rules first, then column by column
    in the table's order (unique, minimum, maximum, allowed values, pattern);
    :func:`sort_problems`, a stable sort by row, keeps that order within a row.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"year": pd.array([1999, 2017], dtype="Int64"),
    ...                       "count": pd.array([-3, pd.NA], dtype="Int64"),
    ...                       "unit": pd.array(["villes", "towns"], dtype="string")}, index=[2, 3])
    >>> for p in _constraint_problems(frame, spec("participatory_budgets"), ["year", "count", "unit"], Origin("pb.csv"), None):
    ...     print(p.row, p.column, p.value, p.rule.split(" (")[0])
    2 year 1999 must be at least 2000
    2 count -3 must be at least 0
    3 unit towns not an allowed value
    """
    import numpy as np
    import pandas as pd

    problems: list[Problem] = []
    keys = frame.index.to_numpy()
    columns = set(present)

    def some_value() -> pd.Series:
        # a row whose every cell is blank breaks no row rule (its required cells are reported blank)
        return frame.notna().any(axis=1)

    if "count_le_universe" in table.row_checks and {"count", "universe"} <= columns:
        over = (frame["count"] > frame["universe"]).fillna(False).astype(bool)
        if over.any():
            over &= some_value()
            for r, count, universe in zip(keys[over.to_numpy()], frame["count"][over], frame["universe"][over]):
                problems.append(origin.problem(int(r), "count", int(count), f"count is larger than its universe ({int(universe)})"))
    if "count_or_share" in table.row_checks and {"count", "share_pct"} <= columns:
        neither = (frame["count"].isna() & frame["share_pct"].isna()).astype(bool)
        if neither.any():
            neither &= some_value()
            for r in keys[neither.to_numpy()]:
                problems.append(origin.problem(int(r), "count", None, "give a count, a share (share_pct) or both"))
    if official and {"count", "level"} <= columns:
        limit = frame["level"].astype(object).map(official).astype("float64")
        over = (frame["count"].astype("float64") > limit).fillna(False).astype(bool)
        if over.any():
            over &= some_value()
            for r, count, level in zip(keys[over.to_numpy()], frame["count"][over], frame["level"][over]):
                level = str(level)
                problems.append(origin.problem(int(r), "count", int(count),
                                               f"count is larger than the official number of {level} ({official[level]})"))

    def located(f: FieldSpec, bad, rule, whole: bool = True) -> None:
        """A problem for each cell of column ``f`` where ``bad``; ``rule`` is a text, or a function of the value."""
        mask = np.asarray(bad, dtype=bool)
        if not mask.any():
            return
        for r, value in zip(keys[mask], frame[f.name][mask].tolist()):
            if whole and isinstance(value, float) and value.is_integer():
                value = int(value)  # 12.0 shown as 12
            problems.append(origin.problem(int(r), f.name, value, rule if isinstance(rule, str) else rule(value)))

    for f in table.fields:
        if f.name not in columns:
            continue
        cells = frame[f.name]
        given = cells.notna().to_numpy(dtype=bool)
        if f.unique:
            located(f, given & cells.duplicated(keep=False).to_numpy(dtype=bool),
                    "must be unique in the table: this value appears more than once", whole=False)
        if f.minimum is not None:
            located(f, given & ~(cells >= f.minimum).fillna(True).to_numpy(dtype=bool), f"must be at least {f.minimum:g}")
        if f.maximum is not None:
            located(f, given & ~(cells <= f.maximum).fillna(True).to_numpy(dtype=bool), f"must be at most {f.maximum:g}")
        if f.enum is not None:
            located(f, given & ~cells.isin(list(f.enum)).to_numpy(dtype=bool),
                    functools.partial(_enum_rule_of, allowed=f.enum), whole=False)
        if f.pattern is not None:
            # re.match, anchored by the pattern's own ^ and $ (as pandera's str_matches)
            pattern = re.compile(f.pattern, re.ASCII)  # \d: 0-9, not "２"
            if f.unique:  # as many distinct values as rows: match every cell
                fits = cells.str.match(pattern, na=True).to_numpy(dtype=bool)  # a blank cell fits
            else:  # few distinct values (dates, codes): match each once
                codes, values = pd.factorize(cells)  # a blank cell's code is -1: the last entry, True
                fits = np.append(pd.Series(values, dtype="string").str.match(pattern).to_numpy(dtype=bool), True)[codes]
            located(f, ~fits, _pattern_rule(f.pattern))
    return problems


def validate(
    raw: pd.DataFrame,
    table: TableSpec | str,
    origin: Origin | str,
    *,
    source_ids: set[str] | None = None,
    references: dict[str, set[str]] | None = None,
    official: dict[str, int] | None = None,
    extra_problems: list[Problem] | None = None,
    computed: list[tuple[pd.DataFrame, Origin]] | None = None,
) -> pd.DataFrame:
    """Turn a raw table of text cells into a typed, validated DataFrame.

    ``raw`` has one column per header cell, text cells, and as index the row
    number of each row in its file. ``references`` maps each table a foreign
    key names (``sources``, ``levels``, ``civictech_categories``) to the values
    the key may take; a foreign key whose table is not in ``references`` is
    not checked. ``source_ids`` is ``references["sources"]``, the source
    register the ``source`` column must cite. ``computed`` holds rows already
    typed (computed by :mod:`civicstats.analysis` from validated input), each
    with its origin: they are checked with the raw rows (constraints, keys),
    never turned back into text. ``official`` maps a level to the largest
    number of collectivities of that level (a count above it is an error).
    Raises :class:`DataError` with every problem found.

    >>> import pandas as pd
    >>> raw = pd.DataFrame({"year": ["2017"], "count": ["47"], "unit": ["villes"],
    ...                     "source": ["BEZ"]}, index=[2])
    >>> validate(raw, "participatory_budgets", "pb.csv", source_ids={"BEZ"})["count"].tolist()
    [47]
    >>> raw.loc[2, "count"] = "-47"
    >>> validate(raw, "participatory_budgets", "pb.csv", source_ids={"BEZ"})
    Traceback (most recent call last):
    civicstats.errors.DataError: 1 problem in pb.csv:
      pb.csv, row 2, column 'count', value '-47': must be at least 0
    """
    import pandas as pd

    table = spec(table) if isinstance(table, str) else table
    origin = Origin(origin) if isinstance(origin, str) else origin
    problems: list[Problem] = list(extra_problems or [])
    raw = raw.copy()
    raw.columns = [str(c).strip() for c in raw.columns]
    problems += check_header(raw, table, origin)
    references = dict(references or {})
    if source_ids is not None:
        references.setdefault("sources", set(source_ids))
    computed = [(c, o) for c, o in (computed or []) if len(c)]
    if raw.empty and not computed:
        problems.append(origin.problem(None, None, None, f"no data rows: table '{table.name}' needs at least one row under its header"))
        raise DataError(problems)

    rows = pd.Series(raw.index, index=raw.index)
    present = [f.name for f in table.fields if f.name in raw.columns and list(raw.columns).count(f.name) == 1]
    parsed: dict[str, pd.Series] = {}
    for f in table.fields:
        if f.name in present:
            parsed[f.name] = _parse_column(raw[f.name].astype("str"), f, origin, rows, problems)
        else:
            parsed[f.name] = pd.Series(pd.NA, index=raw.index, dtype="object")
    frame = pd.DataFrame(parsed, index=raw.index)
    if computed:
        frame, origin = _with_computed(frame, origin, computed, table, present)
    rows = pd.Series(frame.index, index=frame.index)
    from civicstats.personal import (
        personal_problems,  # issue 13: every free-text column of every table
    )

    problems += personal_problems(frame, table, origin, rows)

    problems += _constraint_problems(frame, table, present, origin, official)

    # primary key: duplicates reported with the row they repeat
    key = [k for k in table.primary_key if k in present]
    if key and len(key) == len(table.primary_key):
        keyframe = frame[key].astype("string").fillna("")
        dup = keyframe.duplicated(keep=False)
        if dup.any():
            first_row: dict[tuple, int] = {}
            for r, values in zip(rows[dup], keyframe[dup].itertuples(index=False, name=None)):
                if values in first_row:
                    shown = ", ".join(f"{k}={v}" for k, v in zip(key, values))
                    problems.append(origin.problem(int(r), key[0] if len(key) == 1 else None, None,
                                                   f"duplicate key ({shown}): {origin.row_name(first_row[values], seen_from=int(r))} has the same"))
                else:
                    first_row[values] = int(r)

    # foreign keys: every value exists in the table the key names
    for column, resource, ref in table.foreign_keys:
        if column not in present or resource not in references:
            continue
        problems += _foreign_key_problems(frame[column], rows, table.field(column), resource, ref,
                                          references[resource], origin)

    if problems:
        raise DataError(sort_problems(problems))
    return _typed(frame, table)


def _foreign_key_problems(cells: pd.Series, rows: pd.Series, f: FieldSpec, resource: str, ref: str,
                          allowed: set[str], origin: Origin) -> list[Problem]:
    """Cells citing a value missing from table ``resource``, each located, naming that table."""
    import pandas as pd

    cells = cells.astype("object").where(cells.notna(), "").astype(str)
    what = "source id" if resource == "sources" else f"{f.name}"
    where = ("the source register (sources table)" if resource == "sources"
             else f"table '{resource}' (column '{ref}')")
    # each distinct cell is judged once (a large table cites few values), then located
    rules: dict[str, list[str]] = {}
    for v in pd.unique(cells.to_numpy(dtype=object)):
        ids = v.split(f.delimiter) if (v and f.delimiter) else ([v] if v else [])
        # a value outside the column's allowed values is reported by that rule already
        missing = [i for i in ids if i not in allowed and (f.enum is None or i in f.enum)]
        found = []
        if f.delimiter and any(i == "" for i in ids):
            found.append(f"an empty {what} between separators")
        missing = [i for i in missing if i != ""]
        if missing:
            hint = [suggest(i, sorted(allowed)) for i in missing]
            plural = "s" if len(missing) > 1 else ""
            rule = f"{what}{plural} {', '.join(missing)} not in {where}"
            if any(hint):
                rule += f"; did you mean {', '.join(h for h in hint if h)}?"
            found.append(rule)
        if found:
            rules[v] = found
    problems = []
    if rules:
        bad = cells.isin(list(rules))
        for r, v in zip(rows[bad], cells[bad]):
            for rule in rules[v]:
                problems.append(origin.problem(int(r), f.name, v, rule))
    return problems


def _with_computed(frame: pd.DataFrame, origin: Origin, computed: list[tuple[pd.DataFrame, Origin]],
                   table: TableSpec, present: list[str]) -> tuple[pd.DataFrame, Origin]:
    """Parsed raw rows followed by typed computed rows, as one frame to check; each row keeps its place."""
    import dataclasses

    import pandas as pd

    frames = [frame]
    locations = dict(origin.locations or {})
    key = max([int(k) for k in frame.index] + [origin.header_row]) + 1
    for rows, where in computed:
        keys = range(key, key + len(rows))
        for k, n in zip(keys, range(len(rows))):
            locations[k] = where.locate(where.header_row + 1 + n)
        parsed = {}
        for f in table.fields:
            s = rows[f.name] if (f.name in rows and f.name in present) else pd.Series(pd.NA, index=rows.index)
            s = s.reset_index(drop=True).set_axis(keys)
            if f.type in ("integer", "year"):
                parsed[f.name] = s.astype("Int64")
            elif f.type == "number":
                parsed[f.name] = s.astype("float64")
            elif f.name in present:
                parsed[f.name] = s.astype("object").where(s.notna(), None).astype("string")
            else:
                parsed[f.name] = s.astype("object")
        frames.append(pd.DataFrame(parsed, index=keys))
        key += len(rows)
    both = pd.concat([f for f in frames if len(f)])
    return both, dataclasses.replace(origin, locations=locations)


def sort_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, p.sheet or "", p.row if p.row is not None else -1))


def _typed(frame: pd.DataFrame, table: TableSpec) -> pd.DataFrame:
    """Meaningful dtypes: ordered categoricals for enums, integers for counts."""
    import pandas as pd

    out = {}
    for f in table.fields:
        s = frame[f.name]
        if f.enum is not None:
            out[f.name] = pd.Categorical(s.astype("object").where(s.notna(), None), categories=list(f.enum), ordered=f.ordered)
        elif f.type in ("integer", "year"):
            out[f.name] = s.astype("Int64").astype(f.pandas_dtype)
        elif f.type == "number":
            out[f.name] = s.astype("float64")
        else:
            out[f.name] = s.astype("string").replace("", pd.NA)
    return pd.DataFrame(out).reset_index(drop=True)
