"""Survey responses validated: raw cells of a responses sheet → a typed frame, or every located problem.

:func:`validate_responses` checks a responses sheet
(:mod:`civicstats.readers.responses`) against the ``responses`` schema
(``x-inputs`` in ``data/datapackage.json``) and the survey's own rules: yes/no
cells, SIRENs of 9 digits unique within a wave, a population for every
commune, no personal data. Columns holding personal data (e-mail addresses,
phone numbers, named people) are dropped with a
:class:`~civicstats.errors.DataWarning` and never reach a table.

>>> import pandas as pd
>>> from civicstats.errors import Origin
>>> from civicstats.readers import RawTable
>>> raw = RawTable(pd.DataFrame({
...     "as_of": ["2026", "2026"], "siren": ["213100017", "200046977"],
...     "name": ["Commune A", "Métropole B"], "level": ["commune", "metropole"],
...     "population": ["5000", ""], "dialogue_concertation": ["oui", ""],
...     "participatory_mapping": ["", ""], "reporting": ["", ""],
...     "participatory_budgeting": ["", ""], "crowdfunding": ["", ""],
...     "open_data_portal": ["", "yes"], "tools": ["Decidim", ""], "source": ["NL", "NL"],
... }, index=[2, 3]), Origin("responses.csv"))
>>> typed = validate_responses(raw)
>>> typed["dialogue_concertation"].tolist(), typed["population"].tolist()
([True, False], [5000, <NA>])
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from functools import cache
from typing import TYPE_CHECKING

from civicstats.errors import DataError, DataWarning, Origin, Problem
from civicstats.personal import looks_personal, personal_kinds
from civicstats.readers import RawTable
from civicstats.readers.responses import CATEGORIES, RESPONSES_COLUMNS
from civicstats.schema import NO_TEXTS, YES_TEXTS, TableSpec, unshipped_spec
from civicstats.validate import check_header, typed, validate

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["NO", "YES", "drop_personal", "validate_responses", "yes_no"]

#: Yes and no as cells of responses: the one vocabulary of :mod:`civicstats.schema`; a blank cell means no.
YES = YES_TEXTS
NO = NO_TEXTS | {""}


@cache
def _validation_spec() -> TableSpec:
    """The responses spec as :func:`schema.validate` should check it.

    The checks this module makes itself, with messages of its own, are taken
    out: the SIREN pattern, the primary key (a duplicate SIREN is located in
    the siren column), and the category columns (yes/no cells, read here).
    """
    table = unshipped_spec("responses")
    fields = tuple(dataclasses.replace(f, pattern=None) if f.name == "siren" else f
                   for f in table.fields if f.name not in CATEGORIES)
    return dataclasses.replace(table, fields=fields, primary_key=())


# --------------------------------------------------------------------------
# Personal data


def drop_personal(frame: pd.DataFrame, origin: Origin) -> pd.DataFrame:
    """``frame`` without its personal-data columns, with a warning naming them."""
    known = set(RESPONSES_COLUMNS)
    dropped = []
    for i, c in enumerate(frame.columns):
        if c in known:
            continue
        if looks_personal(c, frame.iloc[:, i]):
            dropped.append(i)
    if not dropped:
        return frame
    names = [str(frame.columns[i]) for i in dropped]
    where = origin.file + (f", sheet '{origin.sheet}'" if origin.sheet else "")
    warnings.warn(
        f"{where}: column{'s' if len(names) > 1 else ''} {', '.join(repr(n) for n in names)} "
        f"look{'' if len(names) > 1 else 's'} like personal data (e-mail addresses, phone numbers or named people): "
        "dropped, not read into any table",
        DataWarning, stacklevel=3,
    )
    keep = [i for i in range(len(frame.columns)) if i not in set(dropped)]
    return frame.iloc[:, keep]


# --------------------------------------------------------------------------
# Validation


def yes_no(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Each cell read as yes or no, and which cells are neither.

    Vectorised on the distinct spellings (a column holds a handful), not on
    every cell.

    >>> import pandas as pd
    >>> yes, bad = yes_no(pd.Series([" Oui", "x", "", "NON", "maybe"]))
    >>> yes.tolist(), bad.tolist()
    ([True, True, False, False, False], [False, False, False, False, True])
    """
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(cells.to_numpy(dtype=object), use_na_sentinel=True)
    folded = [str(u).strip().lower() for u in uniques]
    is_yes = np.array([f in YES for f in folded] + [False], dtype=bool)
    is_bad = np.array([f not in YES and f not in NO for f in folded] + [False], dtype=bool)
    return (pd.Series(is_yes[codes], index=cells.index, dtype=bool),
            pd.Series(is_bad[codes], index=cells.index, dtype=bool))


class _Distinct:
    """One column's cells as codes into its distinct values, stripped.

    A column of responses holds few distinct values (waves, levels, tools,
    sources) or values that are each checked by a regular expression (SIREN,
    names): testing each distinct value once and spreading the answer back
    through the codes costs a fraction of a per-cell string operation.
    ``repeats=False`` is for a column whose cells all differ (SIREN): each
    cell is its own value, without hashing them. Missing cells (NaN) read as
    blank.

    >>> import pandas as pd
    >>> d = _Distinct(pd.Series([" a", "b", "a ", None]))
    >>> d.text().tolist(), d.test(lambda v: v == "a").tolist(), d.blank().tolist()
    (['a', 'b', 'a', ''], [True, False, True, False], [False, False, False, True])
    """

    def __init__(self, cells: pd.Series, normalise=str.strip, repeats: bool = True):
        import numpy as np
        import pandas as pd

        cells = cells.astype("str").to_numpy(dtype=object)
        if repeats:
            codes, uniques = pd.factorize(cells, use_na_sentinel=True)
        else:
            codes, uniques = np.arange(len(cells)), cells
            codes[pd.isna(cells)] = -1
        self.missing = bool((codes < 0).any())
        self.codes = codes  # -1, a missing cell, picks the "" appended last
        #: Every value is digits only, as it was (no space to take out).
        self.digits = normalise is _no_spaces and not self.missing and "".join(uniques).isdecimal()
        if self.digits:
            self.values = np.append(uniques, "")
        else:
            self.values = np.array([normalise(u) if isinstance(u, str) else "" for u in uniques] + [""], dtype=object)
        self.distinct = len(uniques)  # values[:distinct] are the column's own

    def test(self, predicate) -> np.ndarray:
        """``predicate`` of each cell's value, evaluated once per distinct value."""
        import numpy as np

        return np.array([bool(predicate(v)) for v in self.values], dtype=bool)[self.codes]

    def blank(self) -> np.ndarray:
        """Which cells are blank (or missing)."""
        return (self.values == "")[self.codes]

    def text(self) -> np.ndarray:
        """Every cell's value (an object array of str)."""
        return self.values[self.codes]

    def canonical(self) -> np.ndarray:
        """Integer codes of the values after normalisation (two spellings of one SIREN: one code)."""
        import pandas as pd

        return pd.factorize(self.values)[0][self.codes]


def _no_spaces(text: str) -> str:
    """A SIREN without its spaces (any, non-breaking ones included), as spreadsheets group digits."""
    return text if text.isdecimal() else "".join(text.split())




def _precheck(frame: pd.DataFrame, text: dict[str, _Distinct],
              origin: Origin) -> tuple[list[Problem], dict[str, pd.Series]]:
    """Problems schema.validate does not see, and the yes/no columns read.

    ``text`` holds the stripped cells of the single-occurrence columns this
    function looks at. Checks: yes/no cells and category columns, SIREN
    format and uniqueness within a wave, population of communes, personal
    data in the name and tools columns.
    """
    import numpy as np
    import pandas as pd

    problems: list[Problem] = []
    columns = [str(c) for c in frame.columns]
    rows = np.asarray(frame.index)

    answers: dict[str, pd.Series] = {}
    for c in CATEGORIES:
        if c not in columns:
            problems.append(origin.problem(origin.header_row, c, None, code="responses.missing-category"))
        elif columns.count(c) > 1:
            problems.append(origin.problem(origin.header_row, c, None, code="header.repeated-column",
                                           names=f"{c!r}, {c!r}"))
        else:
            answers[c], bad = yes_no(frame[c])
            if bad.any():
                for r, v in zip(rows[bad.to_numpy()], frame[c][bad], strict=True):
                    problems.append(origin.problem(int(r), c, str(v).strip(), code="value.not-yes-no"))

    if "siren" in text:
        siren = text["siren"]
        # (\d is any decimal digit, str.isdecimal: the same test as fullmatch(r"\d{9}"), without a regex)
        # nine ASCII digits each: the usual case, checked at once, each SIREN keyed by its number (other digits,
        # full-width say, are keyed as written: int() would make "２００…" the same SIREN as "200…")
        usual = siren.digits and "".join(siren.values).isascii() and set(map(len, siren.values[:-1])) <= {9}
        if usual:
            bad = np.zeros(len(siren.codes), dtype=bool)
        else:
            bad = np.array([v != "" and not (len(v) == 9 and v.isdecimal()) for v in siren.values],
                           dtype=bool)[siren.codes]
        for r, v in zip(rows[bad], siren.text()[bad], strict=True):
            code = "siren.not-9-digits"
            if re.fullmatch(r"\d{8}", v):
                code = "siren.8-digits"
            elif re.fullmatch(r"\d+[.,]0+|\d(\.\d+)?[eE]\+?\d+", v):
                code = "siren.as-number"
            problems.append(origin.problem(int(r), "siren", v, code=code))
        if "as_of" in text:
            as_of = text["as_of"]
            keyed = ~siren.blank() & ~as_of.blank()
            # nine digits each: the number is the SIREN (codes -1, missing cells, are not keyed)
            sirens = np.append(siren.values[:-1].astype(np.int64), 0)[siren.codes] if usual else siren.canonical()
            key = as_of.canonical().astype(np.int64) * (int(sirens.max(initial=0)) + 1) + sirens
            dup = keyed & pd.Series(key).duplicated(keep=False).to_numpy()
            if dup.any():
                first: dict[int, int] = {}
                for r, k, s, a in zip(rows[dup], key[dup], siren.text()[dup], as_of.text()[dup], strict=True):
                    if k in first:
                        problems.append(origin.problem(int(r), "siren", s, code="siren.repeated-in-wave",
                                                       wave=a, first=first[k]))
                    else:
                        first[k] = int(r)

    if "level" in text:
        commune = text["level"].test(lambda v: v == "commune")
        if "population" not in columns:
            if commune.any():
                problems.append(origin.problem(origin.header_row, "population", None,
                                               code="responses.missing-population-column"))
        elif "population" in text:
            missing = commune & text["population"].blank()
            for r in rows[missing]:
                problems.append(origin.problem(int(r), "population", None, code="responses.commune-population"))

    for c in ("name", "tools"):
        if c in text:
            kinds = personal_kinds(list(text[c].values))
            personal = np.array([k is not None for k in kinds], dtype=bool)[text[c].codes]
            for r, code in zip(rows[personal], text[c].codes[personal], strict=True):
                problems.append(origin.problem(int(r), c, text[c].values[code], code=f"personal.{kinds[code]}"))
    return problems, answers


#: Columns whose every cell differs (or nearly): validated here, not by distinct value.
_CHECKED_HERE = ("siren", "name")


#: Columns with at most this many distinct values are validated in one table (:func:`_validate_distinct`).
_FEW = 256


@cache
def _fast_spec(columns: tuple[str, ...] | None = None) -> TableSpec:
    """The validation spec without the columns :func:`_validate_distinct` checks itself (or only ``columns``)."""
    table = _validation_spec()
    return dataclasses.replace(table, fields=tuple(f for f in table.fields if f.name not in _CHECKED_HERE
                                                   and (columns is None or f.name in columns)))


def _validate_distinct(rest: pd.DataFrame, text: dict[str, _Distinct], origin: Origin,
                       source_ids: set[str] | None) -> pd.DataFrame | None:
    """What ``validate(rest, _validation_spec(), ...)`` returns, validating each distinct cell once.

    Every rule of the responses schema is about one cell (types, required,
    allowed values, patterns, cited sources; the key and the SIREN format are
    checked by :func:`_precheck`), so a column is valid when each of its
    distinct values is: they are validated as a table of distinct values
    (~11,000 rows for 100,000 responses), and the typed values are spread
    back to every row. SIREN and name, different in every row, need only be
    present and non-blank here. Returns None when anything is wrong (or
    unusual: a repeated or missing column, a missing cell): the caller then
    validates every row, which locates each problem.
    """
    import numpy as np
    import pandas as pd

    columns = [str(c) for c in rest.columns]
    if rest.empty or len(set(columns)) != len(columns):
        return None
    for c in _CHECKED_HERE:
        if c not in text or text[c].missing or text[c].blank().any():
            return None
    distinct: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for c in columns:
        if c in _CHECKED_HERE:
            continue
        # validate strips every cell first: the stripped distinct values are as good as the cells
        d = text[c] if c in text else _Distinct(rest[c])
        if d.missing:
            return None
        distinct[c] = d.codes, d.values[:d.distinct]
    if not set(distinct) <= set(_fast_spec().columns):  # an unknown column: reported by the caller's validation
        return None
    # a table pads each column to its longest: each column of many values on its own, the others together
    # (with the columns the sheet lacks, which validate() types as missing)
    many = [c for c, (_, u) in distinct.items() if len(u) > _FEW]
    typed: dict[str, pd.Series] = {}
    for group in [tuple(c for c in _fast_spec().columns if c not in many), *((c,) for c in many)]:
        present = [c for c in group if c in distinct]
        size = max((len(distinct[c][1]) for c in present), default=1)
        table = pd.DataFrame({c: np.concatenate([u, np.repeat(u[:1], size - len(u))])
                              for c, (_, u) in ((c, distinct[c]) for c in present)},
                             index=pd.RangeIndex(origin.header_row + 1, origin.header_row + 1 + size), dtype="str")
        try:
            typed.update(validate(table, _fast_spec(group), origin, source_ids=source_ids).items())
        except DataError:
            return None
    n = len(rest)
    out = {}
    for f in _validation_spec().fields:
        if f.name in _CHECKED_HERE:
            out[f.name] = pd.array(text[f.name].text(), dtype="string")
        else:
            codes = distinct[f.name][0] if f.name in distinct else np.zeros(n, dtype=np.intp)
            out[f.name] = typed[f.name].array.take(codes)
    return pd.DataFrame(out, index=pd.RangeIndex(n))


def validate_responses(raw: RawTable, *, source_ids: set[str] | None = None) -> pd.DataFrame:
    """Validated, typed responses: one row per collectivity and wave.

    Raises :class:`~civicstats.errors.DataError` listing every problem (file,
    sheet, row, column, value, rule): a SIREN that is not 9 digits or repeats
    within a wave, a commune without population, a category cell that is not
    yes or no, an unknown level or column... Columns that look like personal
    data are dropped with a :class:`~civicstats.errors.DataWarning`.
    ``source_ids`` is the source register the ``source`` column must cite
    (``None``: not checked here; the computed rows are checked when loaded).

    The result has the columns of :data:`RESPONSES_COLUMNS`: ``level`` an
    ordered categorical, ``population`` Int64, one bool column per category.
    """
    import pandas as pd

    origin = raw.origin
    frame = raw.frame.copy(deep=False)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = drop_personal(frame, origin)
    columns = list(frame.columns)
    text = {c: _Distinct(frame[c], _no_spaces, repeats=False) if c == "siren" else _Distinct(frame[c])
            for c in ("as_of", "siren", "level", "population", "name", "tools", "source") if columns.count(c) == 1}
    problems, answers = _precheck(frame, text, origin)
    rest = frame.loc[:, [c not in CATEGORIES for c in columns]]
    if rest.empty:  # no responses yet: the header is checked all the same
        problems += check_header(rest, _validation_spec(), origin)
        if problems:
            raise DataError(problems)
        out = typed(rest, unshipped_spec("responses"))
    else:
        out = None if problems else _validate_distinct(rest, text, origin, source_ids)
    if out is None:  # every row, to locate every problem
        if "siren" in text:
            rest = rest.assign(siren=pd.Series(text["siren"].text(), index=rest.index, dtype="str"))
        out = validate(rest, _validation_spec(), origin, source_ids=source_ids, extra_problems=problems)
    for c in CATEGORIES:
        out[c] = answers[c].to_numpy(dtype=bool) if c in answers else False
    out["siren"] = out["siren"].astype("string")
    out["population"] = out["population"].astype("Int64")
    return out[list(RESPONSES_COLUMNS)]
