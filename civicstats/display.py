"""Tables for readers: codes as labels, numbers formatted, no index, "–" for missing.

Notebooks show a table with :func:`show` instead of the raw DataFrame, so that
a report never prints a level code, ``<NA>``, ``NaN`` or a raw fraction where a
reader expects a label or a percentage::

    cs.show(cs.adoption_rates(adoption), lang=lang, labels=levels)

The module is also the IPython extension every build kernel loads: a chart
shown carries its title and file names (:func:`civicstats.save_figure`).

>>> import pandas as pd
>>> levels = pd.DataFrame({"level": ["departement"], "label_en": ["Départements"], "label_fr": ["Départements"]})
>>> t = show(pd.DataFrame({"level": ["departement"], "count": [35357], "share_pct": [13.86]}), lang="fr",
...          labels=levels)
>>> t.frame.to_dict("records") == [{"Niveau": "Départements", "Effectif": "35\\u202f357",
...                                 "Part": "13,9\\u00a0%"}]
True
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from civicstats.format import check_lang, format_as_of, format_number, format_percent, is_missing
from civicstats.labels import code_column, format_qualified, has_text, ids_text, labels_of, text
from civicstats.schema import code_family

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Table", "data_note", "show", "MISSING", "CODE_COLUMNS", "NAME_COLUMNS", "PERCENT_COLUMNS",
           "WORD_COLUMNS", "load_ipython_extension"]

#: What a missing value looks like in a table for readers.
MISSING = "–"

#: Columns whose codes are turned into labels, and the code column of the table of labels to use.
CODE_COLUMNS = {"level": "level", "official_level": "level", "category": "category", "id": "id"}

#: Code columns whose codes the catalog of words names (``type_COM``: "commune"), by ``schema.code_family``
#: (``count_qualifier``: ``qualifier``), also the prefix of their words.
WORD_COLUMNS = ("type", "unit", "channel", "kind", "band", "qualifier", "reason", "group", "zone", "epci_type",
                "metropoles", "territory", "share_measure")
#: Columns of numbers that are names, not quantities (a year, a SIREN): shown as written, without separators.
NAME_COLUMNS = ("year", "as_of", "siren", "code", "insee", "departement_code", "region_code")

#: Columns holding percentages (0–100): every share of ours, in every table and output (``*_pct``).
PERCENT_COLUMNS = ("share_pct", "published_share_pct")


class Table:
    """A formatted table: ``.frame`` (strings), HTML for notebooks, text for terminals."""

    def __init__(self, frame: pd.DataFrame, *, caption: str | None = None, index: bool = False,
                 numeric: Iterable[str] = ()) -> None:
        self.frame = frame
        self.caption = caption
        self.index = index
        self.numeric = frozenset(numeric)  # headers of the columns of numbers, aligned right

    def _class(self, column: object) -> str:
        # the inline style too: JupyterLab and notebook viewers align every cell right by default
        if column in self.numeric:
            return ' class="cs-num" style="text-align: right"'
        return ' style="text-align: left"'

    def to_html(self) -> str:
        head = "".join(f"<th{self._class(c)}>{html.escape(str(c))}</th>" for c in self.frame.columns)
        if self.index:
            head = f"<th>{html.escape(str(self.frame.index.name or ''))}</th>" + head
        rows = []
        for key, row in zip(self.frame.index, self.frame.itertuples(index=False), strict=True):
            cells = "".join(f"<td{self._class(c)}>{html.escape(str(v))}</td>"
                            for c, v in zip(self.frame.columns, row, strict=True))
            if self.index:
                cells = f"<th>{html.escape(str(key))}</th>" + cells
            rows.append(f"<tr>{cells}</tr>")
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return (f'<table class="cs-table tex2jax_ignore mathjax_ignore">{caption}'
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        text = self.frame.to_string(index=self.index)
        return f"{self.caption}\n{text}" if self.caption else text


def _header(column: object, lang: str, headers: Mapping[str, str] | None) -> str:
    name = str(column)
    if headers and name in headers:
        return headers[name]
    return text(f"col_{name}", lang) if has_text(f"col_{name}") else name.replace("_", " ").capitalize()


def _cell(column: str, value: object, lang: str, percent: Iterable[str], words: Mapping[str, Mapping[str, str]]) -> str:
    if value is None or (not isinstance(value, (list, tuple, dict)) and is_missing(value)):
        return MISSING
    if isinstance(value, bool):
        return text("yes" if value else "no", lang)
    if column in CODE_COLUMNS:
        return words.get(CODE_COLUMNS[column], {}).get(str(value), str(value))
    if code_family(column) in WORD_COLUMNS and has_text(key := f"{code_family(column)}_{value}"):
        return text(key, lang).strip()
    if column in NAME_COLUMNS or column.endswith("_year"):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    if column in ("source", "sources") or column.endswith("_source"):  # register ids: "NL;LOC" → "NL, LOC"
        return ids_text(value)
    if isinstance(value, (int, float)) or hasattr(value, "__index__") or type(value).__module__ == "numpy":
        try:
            number = float(value)
        except (TypeError, ValueError):
            return str(value)
        if column in percent:
            return format_percent(number / 100, lang)
        return format_number(number, lang)
    return str(value)


def show(frame: pd.DataFrame, lang: str = "en", *, columns: Iterable[str] | None = None,
         headers: Mapping[str, str] | None = None, percent: Iterable[str] = PERCENT_COLUMNS, index: bool = False,
         caption: str | None = None, labels: pd.DataFrame | Iterable[pd.DataFrame] = ()) -> Table:
    """``frame`` formatted for readers in ``lang`` ("en" or "fr").

    ``columns`` picks and orders the columns; ``headers`` overrides column titles; ``percent`` columns hold
    percentages (0–100); ``labels`` (tables of labels: ``levels``...) turn the codes of :data:`CODE_COLUMNS` into
    labels; missing values are ``–``. A frame whose ``attrs["qualifiers"]`` holds a qualifier per cell
    (:func:`civicstats.wave_changes`) prints it: ``about 250``.

    >>> import pandas as pd
    >>> print(repr(show(pd.DataFrame({"as_of": ["2018"], "count": [None]}))))
    As of Count
     2018     –
    """
    import pandas as pd

    check_lang(lang)
    data = frame if columns is None else frame[list(columns)]
    percent = tuple(percent)
    tables = [labels] if isinstance(labels, pd.DataFrame) else list(labels)
    words = {code_column(t): labels_of(t, lang) for t in tables}
    bounds = frame.attrs.get("qualifiers")  # a qualifier per cell, where a source qualifies its figure

    def cell(column: object, position: int, value: object) -> str:
        shown = _cell(str(column), value, lang, percent, words)
        if isinstance(bounds, pd.DataFrame) and column in bounds.columns and shown != MISSING:
            qualifier = bounds[column].iloc[position]
            if not is_missing(qualifier):
                return format_qualified(float(value), qualifier, lang)
        return shown

    formatted = pd.DataFrame(
        {_header(c, lang, headers): [cell(c, i, v) for i, v in enumerate(data[c].tolist())] for c in data.columns},
        index=data.index if index else None,
    )
    if not index:
        formatted.index = pd.RangeIndex(len(formatted))
    numeric = [_header(c, lang, headers) for c in data.columns
               if str(c) not in CODE_COLUMNS and str(c) not in NAME_COLUMNS and _is_numeric(data[c])]
    return Table(formatted, caption=caption, index=index, numeric=numeric)


def _is_numeric(column: pd.Series) -> bool:
    """A column of numbers, missing values aside (booleans are not): shown aligned right."""
    import numbers

    values = [v for v in column.tolist() if not (v is None or is_missing(v))]
    return bool(values) and all(isinstance(v, numbers.Number) and not isinstance(v, bool) for v in values)


# ---------------------------------------------------------------- charts: what a report needs to know

def _chart_metadata(fig: Any) -> tuple[dict, dict] | None:
    """A chart's record (``fig.civicstats``) as metadata of its PNG: the reports' alt text and file links."""
    record = getattr(fig, "civicstats", None)
    if not isinstance(record, dict):
        return None
    chart: dict[str, Any] = {k: record[k] for k in ("title", "units", "lang") if isinstance(record.get(k), str)}
    if isinstance(record.get("name"), str):
        chart["figure"] = record["name"]
    if not chart:
        return None
    return {}, {"civicstats": chart, **({"image/png": {"alt": chart["title"]}} if chart.get("title") else {})}


class _SavedPNG:
    """Shows a saved chart as the PNG ``save_figure`` wrote, when the figure has not changed since.

    Wraps the inline backend's PNG formatter: a figure holding its saved bytes
    (``_civicstats_png``) and not ``stale`` is not drawn a third time.
    """

    def __init__(self, inline: Any) -> None:
        self.inline = inline

    def __call__(self, fig: Any) -> Any:
        saved = getattr(fig, "_civicstats_png", None)
        if isinstance(saved, bytes) and not fig.stale:
            import base64

            return base64.b64encode(saved).decode("ascii")
        return self.inline(fig)


def _wrap_png_formatter(ipython: Any) -> None:
    """Put :class:`_SavedPNG` in front of the PNG formatter of figures (again, if the backend was set anew)."""
    from matplotlib.figure import Figure  # imported already: a figure is being shown

    formatter = ipython.display_formatter.formatters.get("image/png")
    if formatter is None:
        return
    try:
        current = formatter.lookup_by_type(Figure)
    except KeyError:
        return
    if not isinstance(current, _SavedPNG):
        formatter.for_type(Figure, _SavedPNG(current))


#: A path of the machine inside a message: only the file's name is shown.
_PATH = r"(?:[A-Za-z]:)?(?:[\\/][^\\/\s:'\"]+)+[\\/]([^\\/\s:'\"]+)"


def data_note(message: object, lang: str = "en", data: bool = True) -> str:
    """A warning as a note for readers (``data``: about the data): files named by their name, never their path.

    >>> data_note("/home/ana/odf-2022-04.csv: 178 organisations left out", "fr")
    '**Remarque sur les données :** odf-2022-04.csv: 178 organisations left out'

    A :class:`~civicstats.errors.DataWarning` with a ``note`` is said in ``lang``, organisation types in words:

    >>> from civicstats.errors import DataWarning
    >>> warning = DataWarning("x", "data_note_left_out", file="/tmp/odf.csv", n=2, types={"OACT": 2})
    >>> data_note(warning)[-61:]
    'left out of the counts (association or other public body: 2).'
    """
    import re

    values = dict(getattr(message, "values", {}))
    if isinstance(values.get("types"), dict):  # organisation type codes → their words, with their counts
        values["types"] = text("semicolon", lang).join(
            f"{text(f'type_{code}', lang)}{text('colon', lang)} {format_number(n, lang)}"
            for code, n in values["types"].items())
    if isinstance(values.get("date"), str):
        values["date"] = format_as_of(values["date"], lang)
    if getattr(message, "note", None):
        from civicstats.errors import escape

        said = escape(text(message.note, lang, **values))  # as the message itself is: one printable line
    else:
        said = str(message)
    return f"**{text('data_note' if data else 'note', lang)}** " + re.sub(_PATH, r"\1", said)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext civicstats.display``: charts carry their title and file into the notebook.

    The build loads it in every kernel. A chart saved by ``save_figure`` and
    not changed since is shown as the PNG saved (:class:`_SavedPNG`).
    """
    def record(fig: Any, include: object = None, exclude: object = None) -> tuple[dict, dict] | None:
        # the inline backend registers its PNG formatter when matplotlib is first used, after this
        # extension is loaded: wrap it here, as each figure is about to be shown
        _wrap_png_formatter(ipython)
        return _chart_metadata(fig)

    formatter = ipython.display_formatter.mimebundle_formatter
    formatter.for_type_by_name("matplotlib.figure", "Figure", record)

    import warnings

    from civicstats.errors import DataWarning

    def show_warning(message: object, category: type, *args: Any, **kwargs: Any) -> None:
        """A warning becomes a note in the notebook's language: no warning line, no code, no path."""
        from IPython.display import Markdown, display

        lang = ipython.user_ns.get("lang", "en")
        display(Markdown(data_note(message, lang if lang in ("en", "fr") else "en", issubclass(category, DataWarning))))

    warnings.showwarning = show_warning
