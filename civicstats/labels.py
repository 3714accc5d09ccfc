"""Words for codes, in English and French: the edge where codes and numbers become sentences.

Fixed words come from the catalog ``texts/words.json`` (one key, its English
and its French); the labels of levels, categories and criteria come from the
``label_en``/``label_fr`` columns of the table the caller passes (the table
loaded with the data, never one loaded here).

>>> text("sources", "fr")
'Sources'
>>> import pandas as pd
>>> levels = pd.DataFrame({"level": ["departement"], "label_en": ["Départements"], "label_fr": ["Départements"]})
>>> label(levels, "departement", "fr")
'Départements'
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from civicstats.format import check_lang, format_as_of, format_number, format_percent

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CATALOG", "CODE_COLUMNS", "catalog", "text", "has_text", "code_column", "labels_of", "label",
           "format_qualified", "subject_label", "finding_text", "ids_text", "share_line", "reason_text",
           "explain_selection", "origin_text"]

#: The catalog of words: key → {"en": ..., "fr": ...} (str.format templates).
CATALOG = Path(__file__).resolve().parent / "texts" / "words.json"
#: The column that holds the codes of a table with ``label_en``/``label_fr`` columns, in the order looked for.
CODE_COLUMNS = ("level", "category", "id")


@functools.cache
def catalog() -> dict[str, dict[str, str]]:
    """The catalog of words, read once from :data:`CATALOG`."""
    return json.loads(CATALOG.read_text(encoding="utf-8"))


def text(key: str, lang: str = "en", **values: object) -> str:
    """The words of ``key`` in ``lang``, with ``values`` filled in.

    >>> text("count_of", "fr", count=3, universe=4)
    '3 sur 4'
    """
    return catalog()[key][check_lang(lang)].format(**values)


def origin_text(frame: pd.DataFrame, lang: str = "en") -> str:
    """Where a loaded table was read from, in words: its files' names (never their paths) and whose they are.

    >>> import pandas as pd
    >>> frame = pd.DataFrame(); frame.attrs = {"origin": "source", "files": ["/tmp/odf-2022-04.csv"]}
    >>> origin_text(frame)
    'odf-2022-04.csv, the data given'
    """
    names = ", ".join(Path(f).name for f in frame.attrs.get("files", []))
    return text(f"origin_{frame.attrs.get('origin', 'shipped')}", lang, files=names or "?")


def has_text(key: str) -> bool:
    return key in catalog()


def _get(row: object) -> Any:
    """A reader of a row's fields, for a mapping (or Series) and for a namedtuple alike."""
    return row.get if hasattr(row, "get") else lambda k: getattr(row, k, None)


def _missing(value: object) -> bool:
    return value is None or str(value) in ("", "nan", "<NA>", "None", "NaT")


def code_column(table: pd.DataFrame) -> str:
    """The column of a table of labels that holds its codes: the first of :data:`CODE_COLUMNS` it has."""
    code = next((c for c in CODE_COLUMNS if c in table.columns), None)
    if code is None or "label_en" not in table.columns or "label_fr" not in table.columns:
        raise ValueError(f"a table of labels has a code column ({', '.join(CODE_COLUMNS)}) and label_en, label_fr; "
                         f"columns found: {', '.join(map(str, table.columns))}")
    return code


def labels_of(table: pd.DataFrame | None, lang: str = "en") -> dict[str, str]:
    """``{code: label}`` of a table with label columns (:func:`code_column`), in its order; ``{}`` for none."""
    check_lang(lang)
    if table is None:
        return {}
    return {str(k): str(v) for k, v in zip(table[code_column(table)], table[f"label_{lang}"], strict=True)}


def label(table: pd.DataFrame | None, code: object, lang: str = "en") -> str:
    """The label of ``code`` in ``table`` (see :func:`labels_of`); without a table, the code itself.

    >>> import pandas as pd
    >>> levels = pd.DataFrame({"level": ["region"], "label_en": ["Regions"], "label_fr": ["Régions"]})
    >>> label(levels, "region", "fr"), label(None, "region")
    ('Régions', 'region')
    >>> label(levels, "canton")
    Traceback (most recent call last):
    ValueError: no label for 'canton' in the table given
    """
    if table is None:
        return str(code)
    labels = labels_of(table, lang)
    if str(code) not in labels:
        raise ValueError(f"no label for {str(code)!r} in the table given")
    return labels[str(code)]


def format_qualified(value: float, qualifier: object = "exact", lang: str = "en", *, percent: bool = False,
                     decimals: int | None = None) -> str:
    """A figure with its qualifier: ``about 4,500``, ``more than 74``, ``less than 8%``.

    ``qualifier`` is a code (``exact``, ``about``, ``more_than``, ``at_least``,
    ``less_than``, ``at_most``; empty or missing is ``exact``). ``percent``
    formats ``value`` (a fraction) as a percentage.

    >>> format_qualified(4500, "about"), format_qualified(74, "more_than")
    ('about 4,500', 'more than 74')
    >>> format_qualified(0.08, "less_than", "fr", percent=True) == "moins de 8\\u00a0%"
    True
    """
    check_lang(lang)
    code = "exact" if _missing(qualifier) else str(qualifier)
    if not has_text(f"qualifier_{code}"):
        raise ValueError(f"unknown qualifier {qualifier!r}; qualifiers: exact, about, more_than, at_least, "
                         "less_than, at_most")
    number = format_percent(value, lang, decimals) if percent else format_number(value, lang, decimals)
    return text(f"qualifier_{code}", lang) + number


def subject_label(subject: str, lang: str = "en", levels: pd.DataFrame | None = None) -> str:
    """The words for an audit finding's ``subject``: a published measure, a unit, "concerned" or a level."""
    for key in (f"m_{subject}", f"unit_{subject}", f"subject_{subject}"):
        if has_text(key):
            words = text(key, lang)
            return words[:1].upper() + words[1:]
    labels = labels_of(levels, lang)
    return labels.get(str(subject), str(subject))


def ids_text(cell: object) -> str:
    """Source ids of a cell ("NL;LOC") for readers: "NL, LOC"."""
    ids = (i.strip() for i in str(cell).split(";"))
    return ", ".join(dict.fromkeys(i for i in ids if i and i not in ("nan", "<NA>", "None")))


def finding_text(finding: object, lang: str = "en", levels: pd.DataFrame | None = None) -> str:
    """One audit finding (a row of ``cs.audit()``, as a mapping or namedtuple) as a sentence.

    ``levels`` labels a finding about a level (its code without it).

    >>> print(finding_text({"check": "conflicting_figures", "subject": "civictech_tools_inventoried",
    ...     "as_of": "2018", "expected": 74, "expected_qualifier": "more_than", "observed": 79,
    ...     "observed_qualifier": None, "expected_source": "NL", "observed_source": "OCZ", "consistent": True,
    ...     "expected_as_of": None, "tolerance": None}))
    Tools inventoried 2018: more than 74 (NL) against 79 (OCZ); consistent
    """
    get = _get(finding)
    share = get("check") in ("published_share", "recomputed_share")

    def number(value: object, qual: object) -> str:
        return format_qualified(float(value) / 100 if share else float(value), qual, lang, percent=share)

    expected_as_of = get("expected_as_of")
    sentence = text(f"fd_{get('check')}", lang, subject=subject_label(str(get("subject")), lang, levels),
                    as_of=format_as_of(str(get("as_of")), lang),
                    expected=number(get("expected"), get("expected_qualifier")),
                    observed=number(get("observed"), get("observed_qualifier")),
                    expected_source=ids_text(get("expected_source")), observed_source=ids_text(get("observed_source")),
                    expected_as_of=format_as_of(str(expected_as_of), lang) if isinstance(expected_as_of, str) else "")
    kind = str(get("kind"))
    verdict = text("consistent" if bool(get("consistent")) else f"finding_{kind}"
                   if kind in ("revision", "different_dates") else "disagree", lang)
    tolerance = get("tolerance")
    if not _missing(tolerance):
        verdict += f" ({text('tolerance', lang, tolerance=format_percent(float(tolerance), lang))})"
    sentence = sentence[:1].upper() + sentence[1:]  # a French month starts the sentence in lower case
    return sentence + text("semicolon", lang) + verdict


def share_line(rec: object, lang: str = "en", levels: pd.DataFrame | None = None) -> str:
    """One row of ``adoption_rates`` as a sentence: its share, denominator, year and sources, or why it has none."""
    get = _get(rec)
    level = label(levels, get("level"), lang)
    count = get("count")
    count_text = "–" if _missing(count) else format_qualified(count, get("count_qualifier"), lang)
    if _missing(get("share_pct")):
        return text("nb_no_share_line", lang, level=level, count=count_text, reason=reason_text(get("no_share"), lang))
    year = get("universe_as_of")
    return text("nb_share_line", lang, level=level, count=count_text,
                universe=format_qualified(get("universe"), get("universe_qualifier"), lang),
                share=format_qualified(get("share_pct") / 100, get("share_qualifier"), lang, percent=True),
                denominator=text(f"den_{get('denominator')}", lang),
                year=str(year)[:4] if isinstance(year, str) else "–",
                sources=ids_text(";".join(c for c in (get("source"), get("universe_source")) if isinstance(c, str))))


def reason_text(code: object, lang: str = "en") -> str:
    """Why a row has no share (a ``no_share`` code of ``adoption_rates``), in words; "" for none."""
    return "" if _missing(code) else text(f"no_share_{code}", lang)


def _lower_first(words: str) -> str:
    return words[:1].lower() + words[1:]


def explain_selection(ranked: pd.DataFrame, lang: str = "en", *, criteria: pd.DataFrame | None = None,
                      categories: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ranking of :func:`civicstats.select_tools` with its words: ``excluded_because`` and ``explanation``.

    ``criteria`` and ``categories`` (the ``selection_criteria`` and
    ``civictech_categories`` tables loaded with the data) label the codes.

    >>> import pandas as pd
    >>> ranked = pd.DataFrame({"tool": ["A"], "category": ["x"], "score": [4.5], "contrib_scale": [4.5],
    ...                        "fails": ["reversibility"], "not_assessed": [""]})
    >>> ranked.attrs.update(weights={"scale": 1.0}, unchecked=[], objective=None)
    >>> explain_selection(ranked).loc[0, ["excluded_because", "explanation"]].tolist()
    ['reversibility', '4.5/5: scale 4.5 × 100%; fails reversibility']
    """
    check_lang(lang)
    criterion, category = labels_of(criteria, lang), labels_of(categories, lang)
    shares, objective = ranked.attrs.get("weights", {}), ranked.attrs.get("objective")

    def words(code: str) -> str:
        return criterion.get(code, code)

    excluded, explanations = [], []
    for row in ranked.to_dict("records"):
        failed = [words(c) for c in str(row["fails"]).split(";") if c]
        failed += [text("sel_not_assessed", lang, what=words(c)) for c in str(row["not_assessed"]).split(";") if c]
        parts = [f"{_lower_first(words(q))} {format_number(row[f'contrib_{q}'] / s, lang)} × {format_percent(s, lang)}"
                 for q, s in shares.items()]
        tails = []
        if failed:
            tails.append(text("sel_fails", lang, what=", ".join(_lower_first(x) for x in failed)))
        if ranked.attrs.get("unchecked"):
            tails.append(text("sel_not_checked", lang, what=", ".join(_lower_first(words(w))
                                                                      for w in ranked.attrs["unchecked"])))
        if objective is not None and not _missing(row.get("matches_objective")) and not row["matches_objective"]:
            wanted = _lower_first(category.get(objective, objective))
            mine = _lower_first(category.get(row["category"], str(row["category"])))
            tails.append(text("sel_no_category", lang, objective=wanted) if _missing(row["category"]) else
                         text("sel_differs", lang, category=mine, objective=wanted))
        excluded.append(", ".join(failed))
        explanations.append(f"{format_number(row['score'], lang, 1)}/5{text('colon', lang)} " + " + ".join(parts)
                            + "".join(text("semicolon", lang) + t for t in tails))
    return ranked.assign(excluded_because=excluded, explanation=explanations)
