"""Validation: a raw table of text cells → a typed DataFrame, or every located problem.

:func:`validate` checks a table against its :class:`~civicstats.schema.TableSpec`
in two stages. Each cell is parsed into its type (whole numbers, decimals with
a point or a comma, lists of source ids), so that a cell that is not a number
is reported as such. The constraints (minimum, allowed values, patterns, keys,
row rules, personal data) are then checked on the typed columns, a few
vectorised comparisons each. Every problem has a code (``value.not-an-integer``,
``key.duplicate``...) whose sentences are in ``civicstats/texts/problems.json``.

>>> import pandas as pd
>>> raw = pd.DataFrame({"year": ["2017"], "count": ["47"], "unit": ["villes"], "source": ["BEZ"]}, index=[2])
>>> validate(raw, "participatory_budgets", "pb.csv", source_ids={"BEZ"})["count"].tolist()
[47]
>>> raw.loc[2, "count"] = "-47"
>>> validate(raw, "participatory_budgets", "pb.csv", source_ids={"BEZ"})
Traceback (most recent call last):
civicstats.errors.DataError: 1 problem in pb.csv:
  pb.csv, row 2, column 'count', value '-47': must be at least 0
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from typing import TYPE_CHECKING

from civicstats.errors import DataError, DataWarning, Origin, Problem
from civicstats.naming import fold, suggest
from civicstats.personal import personal_problems
from civicstats.schema import FieldSpec, TableSpec, code_dtype, package, spec

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MAX_EXACT", "PATTERN_CODES", "TOTAL_WORDS", "check_header", "repeated_columns", "sort_problems",
           "typed", "validate"]

#: The problem code of each pattern the data package uses (others: ``value.pattern``).
PATTERN_CODES = {
    r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$": "value.not-a-date",
    r"^[a-z0-9_]+$": "value.not-a-lower-id",
    r"^[A-Z][A-Z0-9]*$": "value.not-an-upper-id",
    r"^https?://\S+$": "value.not-a-url",
}
#: Values that mean someone typed a total row into a table.
TOTAL_WORDS = {"total", "totaux", "totals", "sum", "somme", "ensemble", "grand total"}
#: Largest number read (2**53): beyond it a float no longer holds every whole number.
MAX_EXACT = 2**53
# ASCII digits only: \d would also take "９" or "١٢", which no number parser reads (the cell would turn blank)
_INTEGER = re.compile(r"[+-]?([0-9]+|[0-9]{1,3}([ \u00a0\u202f][0-9]{3})+)")
_NUMBER = re.compile(r"[+-]?([0-9]+|[0-9]{1,3}([ \u00a0\u202f][0-9]{3})+)([.,][0-9]+)?")
_DECIMAL = re.compile(r"[+-]?\d+[.,]\d+")
#: What a number's text loses before float() reads it: the spaces between groups of digits, a decimal comma.
_DIGITS_ONLY = str.maketrans({" ": None, "\u00a0": None, "\u202f": None, ",": "."})
#: Code of a cell that does not parse, per field type.
_NOT_PARSED = {"number": "value.not-a-number", "year": "value.not-a-year", "integer": "value.not-an-integer"}


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Problems by file, sheet and row (stable: a row's problems keep their order)."""
    return sorted(problems, key=lambda p: (p.file, p.sheet or "", p.row if p.row is not None else -1))


def repeated_columns(columns: list[str], origin: Origin, key=lambda c: c) -> list[Problem]:
    """One ``header.repeated-column`` problem per column named twice (the same once ``key`` folds them).

    >>> [(p.code, p.params["names"]) for p in repeated_columns(["Siren", "nom", "siren"], Origin("x.csv"), str.lower)]
    [('header.repeated-column', "'Siren', 'siren'")]
    """
    named: dict[str, list[str]] = {}
    for c in columns:
        named.setdefault(key(c), []).append(c)
    return [origin.problem(origin.header_row, same[-1], None, code="header.repeated-column",
                           names=", ".join(repr(c) for c in same))
            for same in named.values() if len(same) > 1]


def check_header(raw: pd.DataFrame, table: TableSpec, origin: Origin) -> list[Problem]:
    """Problems with the columns: repeated, unknown or missing."""
    columns = [str(c) for c in raw.columns]
    problems = repeated_columns(columns, origin)
    known = table.columns
    for c in columns:
        if c in known:
            continue
        if c == "" or c.startswith("Unnamed:"):
            problems.append(origin.problem(origin.header_row, c or "(blank)", None, code="header.unnamed-column"))
            continue
        hint = suggest(c, known)
        code = "header.unknown-column-hint" if hint and hint not in columns else "header.unknown-column"
        problems.append(origin.problem(origin.header_row, c, None, code=code, table=table.name,
                                       columns=", ".join(known), hint=hint))
    for name in table.required_columns:
        if name not in columns:
            problems.append(origin.problem(origin.header_row, name, None, code="header.missing-column",
                                           columns=", ".join(table.required_columns)))
    return problems


def _parse_column(cells: pd.Series, f: FieldSpec, origin: Origin, rows: pd.Series,
                  problems: list[Problem]) -> pd.Series:
    """Parse one column of text cells into its type; unparsable cells become problems.

    Each distinct value is parsed once, in plain Python (a column of 100,000 cells holds a few thousand values at
    most, SIRENs and names aside), then spread back to its cells by numpy; a missing cell reads as blank.
    """
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(cells.to_numpy(dtype=object))
    codes = np.where(codes < 0, len(uniques), codes)  # missing: the blank appended last
    text = [str(u).strip() for u in uniques] + [""]
    found: dict[int, tuple[str, dict]] = {}  # distinct value → the problem of its cells
    if f.type in ("integer", "year", "number"):
        number, values = _NUMBER if f.type == "number" else _INTEGER, np.full(len(text), np.nan)
        for i, v in enumerate(text):
            if not v:
                continue
            if not number.fullmatch(v):
                found[i] = ("value.no-decimals" if f.type == "integer" and _DECIMAL.fullmatch(v)
                            else "value.formula" if v.startswith("=") else _NOT_PARSED[f.type], {})
            elif abs(x := float(v.translate(_DIGITS_ONLY))) >= MAX_EXACT:  # no float holds every digit of it
                found[i] = ("value.too-large", {"limit": MAX_EXACT})
            else:
                values[i] = x
        array = pd.array(values, dtype="float64" if f.type == "number" else "Int64")
    else:
        if f.type == "list":
            delimiter = f.delimiter or ";"
            text = [re.sub(r"\s*" + re.escape(delimiter) + r"\s*", delimiter, v) for v in text]
        array = pd.array([v or None for v in text], dtype="string")
    if f.required:
        found.update((i, ("value.required", {})) for i, v in enumerate(text) if not v)
    bad = np.isin(codes, list(found))
    for r, i in zip(rows.to_numpy()[bad], codes[bad], strict=True):
        code, params = found[i]
        problems.append(origin.problem(int(r), f.name, text[i] or None, code=code, **params))
    return pd.Series(array.take(codes), index=cells.index)


def _not_allowed(value: str, allowed: tuple[str, ...]) -> tuple[str, dict]:
    """The code and parameters of a value outside ``allowed``."""
    if fold(value) in {fold(w) for w in TOTAL_WORDS}:
        return "value.total-row", {}
    hint = suggest(value, allowed)
    shown = ", ".join(allowed) if len(allowed) <= 20 else ", ".join(allowed[:20]) + ", …"
    return ("value.not-allowed-hint" if hint else "value.not-allowed"), {"allowed": shown, "hint": hint}


def _row_problems(frame: pd.DataFrame, table: TableSpec, columns: set[str], origin: Origin,
                  official: dict[str, int] | None) -> list[Problem]:
    """Rows breaking the row rules (``x-rowChecks``, and the official counts); a blank row breaks none."""
    keys = frame.index.to_numpy()
    some_value = frame.notna().any(axis=1)  # a blank row's required cells are reported blank
    count = frame["count"] if "count" in columns else None
    problems = []
    if "count_le_universe" in table.row_checks and {"count", "universe"} <= columns:
        over = (frame["count"] > frame["universe"]).fillna(False).astype(bool) & some_value
        problems += [origin.problem(int(r), "count", int(c), code="row.count-over-universe", universe=int(u))
                     for r, c, u in zip(keys[over.to_numpy()], count[over], frame["universe"][over], strict=True)]
    if "count_or_share" in table.row_checks and {"count", "share_pct"} <= columns:
        neither = (frame["count"].isna() & frame["share_pct"].isna()).astype(bool) & some_value
        problems += [origin.problem(int(r), "count", None, code="row.count-or-share") for r in keys[neither.to_numpy()]]
    if official and {"count", "level"} <= columns:
        limit = frame["level"].astype(object).map(official).astype("float64")
        over = (frame["count"].astype("float64") > limit).fillna(False).astype(bool) & some_value
        problems += [origin.problem(int(r), "count", int(c), code="row.count-over-official", level=str(lv),
                                    official=official[str(lv)])
                     for r, c, lv in zip(keys[over.to_numpy()], count[over], frame["level"][over], strict=True)]
    return problems


def _constraint_problems(frame: pd.DataFrame, table: TableSpec, present: list[str], origin: Origin,
                         official: dict[str, int] | None) -> list[Problem]:
    """Cells and rows breaking the table's constraints, each located.

    Row rules first, then column by column in the table's order (unique,
    minimum, maximum, allowed values, pattern); :func:`sort_problems`, a
    stable sort by row, keeps that order within a row. A missing value never
    breaks a constraint (a required cell left blank is reported when parsed).

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"year": pd.array([1999, 2017], dtype="Int64"),
    ...                       "count": pd.array([-3, pd.NA], dtype="Int64"),
    ...                       "unit": pd.array(["villes", "towns"], dtype="string")}, index=[2, 3])
    >>> for p in _constraint_problems(frame, spec("participatory_budgets"), ["year", "count", "unit"],
    ...                               Origin("pb.csv"), None):
    ...     print(p.row, p.column, p.value, p.code)
    2 year 1999 value.below-minimum
    2 count -3 value.below-minimum
    3 unit towns value.not-allowed
    """
    import numpy as np
    import pandas as pd

    columns = set(present)
    problems = _row_problems(frame, table, columns, origin, official)
    keys = frame.index.to_numpy()

    def located(f: FieldSpec, bad, code, whole: bool = True, **params) -> None:
        """A problem for each cell of column ``f`` where ``bad``; ``code`` is a code, or a function of the value."""
        mask = np.asarray(bad, dtype=bool)
        for r, value in zip(keys[mask], frame[f.name][mask].tolist() if mask.any() else [], strict=True):
            if whole and isinstance(value, float) and value.is_integer():
                value = int(value)  # 12.0 shown as 12
            found, more = code(value) if callable(code) else (code, {})
            problems.append(origin.problem(int(r), f.name, value, code=found, **params, **more))

    for f in table.fields:
        if f.name not in columns:
            continue
        cells = frame[f.name]
        given = cells.notna().to_numpy(dtype=bool)
        if f.unique:
            located(f, given & cells.duplicated(keep=False).to_numpy(dtype=bool), "value.not-unique", whole=False)
        if f.minimum is not None:
            located(f, given & ~(cells >= f.minimum).fillna(True).to_numpy(dtype=bool), "value.below-minimum",
                    minimum=f.minimum)
        if f.maximum is not None:
            located(f, given & ~(cells <= f.maximum).fillna(True).to_numpy(dtype=bool), "value.above-maximum",
                    maximum=f.maximum)
        if f.enum is not None:
            worded: dict[str, tuple[str, dict]] = {}  # each distinct value worded (its close match searched) once

            def not_allowed(v, f=f, worded=worded):
                return worded.setdefault(str(v), _not_allowed(str(v), f.enum))

            located(f, given & ~cells.isin(list(f.enum)).to_numpy(dtype=bool), not_allowed, whole=False)
        if f.pattern is not None:
            # re.match, anchored by the pattern's own ^ and $
            pattern = re.compile(f.pattern, re.ASCII)  # \d: 0-9, not "２"
            if f.unique:  # as many distinct values as rows: match every cell
                fits = cells.str.match(pattern, na=True).to_numpy(dtype=bool)  # a blank cell fits
            else:  # few distinct values (dates, codes): match each once
                codes, values = pd.factorize(cells)  # a blank cell's code is -1: the last entry, True
                fits = np.append(pd.Series(values, dtype="string").str.match(pattern).to_numpy(dtype=bool), True)[codes]
            located(f, ~fits, PATTERN_CODES.get(f.pattern, "value.pattern"), pattern=f.pattern)
    return problems


def _key_problems(frame: pd.DataFrame, key: list[str], origin: Origin) -> list[Problem]:
    """Rows repeating the primary key, each naming the row it repeats."""
    keyframe = frame[key].astype("string").fillna("")
    dup = keyframe.duplicated(keep=False).to_numpy()
    first_row: dict[tuple, int] = {}
    problems = []
    for r, values in zip(frame.index[dup], keyframe[dup].itertuples(index=False, name=None), strict=True):
        if values in first_row:
            problems.append(origin.problem(int(r), key[0] if len(key) == 1 else None, None, code="key.duplicate",
                                           key=", ".join(f"{k}={v}" for k, v in zip(key, values, strict=True)),
                                           first=origin.row_name(first_row[values], seen_from=int(r))))
        else:
            first_row[values] = int(r)
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
    typed (computed from validated input), each with its origin: they are
    checked with the raw rows (constraints, keys), never turned back into
    text. ``official`` maps a level to the largest number of collectivities
    of that level (a count above it is an error). Raises :class:`DataError`
    with every problem found.
    """
    import pandas as pd

    table = spec(table) if isinstance(table, str) else table
    origin = Origin(origin) if isinstance(origin, str) else origin
    problems: list[Problem] = list(extra_problems or [])
    columns = [str(c).strip() for c in raw.columns]
    former = {c: new for c, new in package().get("x-formerNames", {}).items()  # a file older than a rename
              if c in columns and new in table.columns and new not in columns}
    for c, new in former.items():
        warnings.warn(str(origin.problem(origin.header_row, c, None, code="header.former-name", new=new)), DataWarning)
    raw = raw.set_axis([former.get(c, c) for c in columns], axis=1)  # a new frame: the caller's is left alone
    problems += check_header(raw, table, origin)
    references = dict(references or {})
    if source_ids is not None:
        references.setdefault("sources", set(source_ids))
    computed = [(c, o) for c, o in (computed or []) if len(c)]
    if raw.empty and not computed:
        problems.append(origin.problem(None, None, None, code="table.no-rows", table=table.name))
        raise DataError(problems)

    rows = pd.Series(raw.index, index=raw.index)
    present = [f.name for f in table.fields if f.name in raw.columns and list(raw.columns).count(f.name) == 1]
    parsed: dict[str, pd.Series] = {}
    for f in table.fields:
        if f.name in present:
            parsed[f.name] = _parse_column(raw[f.name], f, origin, rows, problems)
        else:
            parsed[f.name] = pd.Series(pd.NA, index=raw.index, dtype="object")
    frame = pd.DataFrame(parsed, index=raw.index)
    if computed:
        frame, origin = _with_computed(frame, origin, computed, table, present)
    rows = pd.Series(frame.index, index=frame.index)
    problems += personal_problems(frame, table, origin, rows)
    problems += _constraint_problems(frame, table, present, origin, official)
    key = [k for k in table.primary_key if k in present]
    if key and len(key) == len(table.primary_key):
        problems += _key_problems(frame, key, origin)
    for column, resource, ref in table.foreign_keys:  # every value exists in the table the key names
        if column in present and resource in references:
            problems += _foreign_key_problems(frame[column], rows, table.field(column), resource, ref,
                                              references[resource], origin)
    if problems:  # each once: a cell the caller's own checks reported too (personal data, say) is one problem
        raise DataError(sort_problems(list(dict.fromkeys(problems))))
    return typed(frame, table)


def _foreign_key_problems(cells: pd.Series, rows: pd.Series, f: FieldSpec, resource: str, ref: str,
                          allowed: set[str], origin: Origin) -> list[Problem]:
    """Cells citing a value missing from table ``resource``, each located, naming that table."""
    import pandas as pd

    cells = cells.astype("object").where(cells.notna(), "").astype(str)
    sources = resource == "sources"
    # each distinct cell is judged once (a large table cites few values), then located
    found: dict[str, list[tuple[str, dict]]] = {}
    for v in pd.unique(cells.to_numpy(dtype=object)):
        ids = v.split(f.delimiter) if (v and f.delimiter) else ([v] if v else [])
        # a value outside the column's allowed values is reported by that rule already
        missing = [i for i in ids if i and i not in allowed and (f.enum is None or i in f.enum)]
        rules = []
        if f.delimiter and "" in ids:
            rules.append(("reference.empty-id", {"what": "source id" if sources else f.name}))
        if missing:
            hint = ", ".join(h for h in (suggest(i, sorted(allowed)) for i in missing) if h)
            code = ("reference.missing-source" if sources else "reference.missing") + ("-hint" if hint else "")
            rules.append((code, {"ids": ", ".join(missing), "field": f.name, "table": resource, "ref": ref,
                                 "hint": hint}))
        if rules:
            found[v] = rules
    problems = []
    bad = cells.isin(list(found))
    for r, v in zip(rows[bad], cells[bad], strict=True):
        problems += [origin.problem(int(r), f.name, v, code=code, **params) for code, params in found[v]]
    return problems


def _with_computed(frame: pd.DataFrame, origin: Origin, computed: list[tuple[pd.DataFrame, Origin]],
                   table: TableSpec, present: list[str]) -> tuple[pd.DataFrame, Origin]:
    """Parsed raw rows followed by typed computed rows, as one frame to check; each row keeps its place."""
    import pandas as pd

    frames = [frame]
    locations = dict(origin.locations or {})
    key = max([int(k) for k in frame.index] + [origin.header_row]) + 1
    for rows, where in computed:
        keys = range(key, key + len(rows))
        for k, n in zip(keys, range(len(rows)), strict=True):
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


def typed(frame: pd.DataFrame, table: TableSpec) -> pd.DataFrame:
    """``frame`` with a loaded table's dtypes, rows 0..n-1.

    Enums are categoricals: columns of the same codes share one list (:func:`~civicstats.schema.code_dtype`),
    a blank qualifier reads ``exact``. Counts are nullable integers (``Int64``).
    """
    import pandas as pd

    out = {}
    for f in table.fields:
        s = frame[f.name] if f.name in frame else pd.Series(pd.NA, index=frame.index)
        if f.enum is not None:
            cells = s.to_numpy(dtype=object, na_value="exact" if "exact" in f.enum else None)  # a qualifier
            out[f.name] = pd.Categorical(cells, categories=code_dtype(f.name).categories, ordered=f.ordered)
        elif f.type in ("integer", "year"):
            out[f.name] = s.astype("Int64").astype(f.pandas_dtype)
        elif f.type == "number":
            out[f.name] = s.astype("float64")
        else:
            out[f.name] = s.astype("string").replace("", pd.NA)
    return pd.DataFrame(out).reset_index(drop=True)
