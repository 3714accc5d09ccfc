"""The data-entry workbook: every updatable table, prefilled, ready for Excel.

``civicstats template BOOK.xlsx`` (:func:`write_template`) writes a workbook
that people who do not program can fill in: a bilingual ``README`` sheet,
then one sheet per table named exactly as the table, prefilled with the
shipped data (numbers as numbers, text as text, blanks empty), and an empty
``responses`` sheet for per-collectivity answers of a new survey wave. Row 1
holds the column names (bold, frozen, each with its description as a
comment); row 2 on is data. Columns with allowed values offer them in a
drop-down, ``source`` cells offer the ids of the ``sources`` sheet (several
ids separated by ``;`` stay allowed), numbers have a number format and
text columns the Text format, so that Excel keeps ``2018-03`` or a SIREN as
typed instead of turning them into a date or a number.

``civicstats check BOOK.xlsx`` then validates it, and ``load(name, BOOK.xlsx)``
reads it: a sheet left as written gives the shipped table back.

Every cell is written by :func:`write_cell`: a text a spreadsheet would take
for a formula (``=HYPERLINK(...)`` in a source title) stays text, unchanged.

>>> safe_cell_value('=HYPERLINK("http://x", "click")')
('=HYPERLINK("http://x", "click")', True)
>>> safe_cell_value(12), safe_cell_value("region"), safe_cell_value(float("nan"))
((12, False), ('region', False), (None, False))
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import TYPE_CHECKING

from civicstats.errors import UsageError
from civicstats.files import write_atomic

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

    from civicstats.schema import FieldSpec

__all__ = ["FORMULA_TRIGGERS", "README_SHEET", "REPRODUCIBLE_DATE", "RESPONSES_SHEET", "TEMPLATE_TABLES", "TEXTS",
           "build_template", "safe_cell_value", "write_cell", "write_template"]

#: The tables of the template, in the order of their sheets (``responses`` after the first).
TEMPLATE_TABLES = ("civictech_adoption", "open_data_adopters", "participatory_budgets", "published_figures",
                   "collectivity_universe", "civictech_tools", "sources")
RESPONSES_SHEET = "responses"
README_SHEET = "README"
#: First characters that make a spreadsheet read a text as a formula (a line feed too:
#: a carriage return is written as one, see :func:`safe_cell_value`).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
#: Rows of the sources sheet offered in the source drop-downs beyond the shipped ones.
SPARE_SOURCE_ROWS = 500
#: Last row the drop-downs and formats cover (Excel's last row).
LAST_ROW = 1_048_576
#: Excel refuses a drop-down list written inline longer than this, and longer messages and titles.
MAX_INLINE_LIST = 255
MAX_MESSAGE = 255
MAX_TITLE = 32
YES_NO = ("yes", "no", "oui", "non")
#: Each type's rule in a header's comment, and its number format (text, ``@``, for the others).
TYPE_RULES = {"integer": "whole number / nombre entier", "year": "whole number / nombre entier",
              "number": "number / nombre", "boolean": "yes or no / oui ou non (blank = no / vide = non)"}
NUMBER_FORMATS = {"integer": "0", "year": "0", "number": "0.0", "boolean": "General"}

#: The words of the README sheet and of each sheet's help, English and French.
TEXTS = Path(__file__).resolve().parent / "texts" / "workbook.json"


# --------------------------------------------------------------------------
# Cells


def safe_cell_value(value: object) -> tuple[object, bool]:
    """The value a cell should hold, and whether it is text to protect from formula reading.

    Blanks (``None``, NaN, pandas' NA) become ``None``; numpy numbers plain
    ``int``/``float``; everything else text, without the control characters
    XML cannot hold, and with line breaks as line feeds (an XML reader turns
    a carriage return into a line feed anyway: writing one would not read
    back the same). The flag is true for a text that starts with one of
    :data:`FORMULA_TRIGGERS`: :func:`write_cell` stores it as an explicit
    string with Excel's quote prefix.

    >>> safe_cell_value("-5 %"), safe_cell_value("@admin"), safe_cell_value("a\\x00b")
    (('-5 %', True), ('@admin', True), ('ab', False))
    >>> safe_cell_value("\\r=1+1")
    ('\\n=1+1', True)
    """
    import numbers

    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None, False
    if isinstance(value, bool):
        return value, False
    if isinstance(value, numbers.Integral):
        return int(value), False
    if isinstance(value, numbers.Real):
        value = float(value)
        return (None, False) if math.isnan(value) else (value, False)
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    if text == "":
        return None, False
    return text, text.startswith(FORMULA_TRIGGERS)


def write_cell(cell: Cell, value: object) -> Cell:
    """Put ``value`` in ``cell`` so that no spreadsheet runs it: the one door for every cell written."""
    plain, protect = safe_cell_value(value)
    cell.value = plain
    if protect:
        cell.data_type = "s"  # openpyxl made "=…" a formula: it is text
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    return cell


# --------------------------------------------------------------------------
# Sheets


def _comment_text(f: FieldSpec) -> str:
    lines = [f"{f.name}: {f.title}" if f.title and f.title != f.name else f.name]
    if f.description:
        lines.append(f.description)
    rules = ["required / obligatoire"] if f.required else []
    if f.type in TYPE_RULES:
        rules.append(TYPE_RULES[f.type])
    if f.minimum is not None:
        rules.append(f"≥ {f.minimum:g}")
    if f.maximum is not None:
        rules.append(f"≤ {f.maximum:g}")
    if f.enum:
        rules.append("one of / au choix: " + ", ".join(f.enum))
    if f.delimiter:
        rules.append(f"several values separated by {f.delimiter} / plusieurs valeurs séparées par {f.delimiter}")
    if rules:
        lines.append("; ".join(rules))
    return "\n".join(lines)


def _width(header: str, values: list[object]) -> float:
    longest = max([len(header)] + [len(str(v)) for v in values if v is not None], default=8)
    return float(min(max(longest + 2, 9), 50))


def _list_validation(values: tuple[str, ...], *, strict: bool, title: str):
    from openpyxl.worksheet.datavalidation import DataValidation

    formula = '"' + ",".join(values) + '"'
    if len(formula) > MAX_INLINE_LIST:
        return None
    dv = DataValidation(type="list", formula1=formula, allow_blank=True, showDropDown=False)
    dv.showErrorMessage = True
    dv.errorStyle = "stop" if strict else "information"
    dv.errorTitle = title[:MAX_TITLE]
    dv.error = _fit("Choose one of / choisissez parmi : " + ", ".join(values) if strict else
                    "civicstats reads yes/no, oui/non, x, 1/0, true/false; blank means no. "
                    "/ civicstats lit oui/non, yes/no, x, 1/0, true/false ; vide = non.")
    return dv


def _fit(text: str) -> str:
    """A message cut to what Excel accepts in a drop-down's error or prompt."""
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _source_validation(sources_rows: int):
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from civicstats.schema import spec

    last = sources_rows + 1 + SPARE_SOURCE_ROWS
    ids = get_column_letter(spec("sources").columns.index("id") + 1)
    dv = DataValidation(type="list", formula1=f"sources!${ids}$2:${ids}${last}", allow_blank=True)
    dv.showErrorMessage = False  # a cell may cite several ids: NL;LOC
    dv.showInputMessage = True
    dv.promptTitle = "source"
    dv.prompt = _fit("Ids of the sources sheet, several separated by ; / identifiants de la feuille sources, "
                     "séparés par ;")
    return dv


def _write_table_sheet(ws: Worksheet, fields: tuple[FieldSpec, ...], rows: list[tuple], sources_rows: int) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    for j, f in enumerate(fields, start=1):
        cell = write_cell(ws.cell(row=1, column=j), f.name)
        cell.font = bold
        text = _comment_text(f)
        height = min(40 + 16 * (len(text) // 45 + text.count("\n")), 400)
        cell.comment = Comment(text, "civicstats", width=360, height=height)
    for i, values in enumerate(rows, start=2):
        for j, (f, v) in enumerate(zip(fields, values, strict=True), start=1):
            write_cell(ws.cell(row=i, column=j), v).number_format = NUMBER_FORMATS.get(f.type, "@")
    for j, f in enumerate(fields, start=1):
        letter = get_column_letter(j)
        dim = ws.column_dimensions[letter]
        dim.width = _width(f.name, [r[j - 1] for r in rows])
        dim.number_format = NUMBER_FORMATS.get(f.type, "@")  # the format of the rows people add
        area = f"{letter}2:{letter}{LAST_ROW}"
        dv = None
        if f.name == "source" or f.type == "list":
            dv = _source_validation(sources_rows)
        elif f.enum:
            dv = _list_validation(f.enum, strict=True, title=f.name)
        elif f.type == "boolean":
            dv = _list_validation(YES_NO, strict=False, title=f.name)
        if dv is not None:
            dv.add(area)
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"


def _rows(name: str) -> list[tuple]:
    """The shipped rows of a table as plain Python values (None for blanks)."""
    from civicstats.schema import spec
    from civicstats.tables import load

    frame = load(name)[spec(name).columns]
    return [tuple(safe_cell_value(v)[0] for v in rec) for rec in frame.astype("object").itertuples(index=False)]


def _responses_fields() -> tuple[FieldSpec, ...]:
    """The fields of the responses sheet, in the order of :data:`~civicstats.readers.responses.RESPONSES_COLUMNS`."""
    from civicstats.readers.responses import RESPONSES_COLUMNS
    from civicstats.schema import unshipped_spec

    described = {f.name: f for f in unshipped_spec("responses").fields}
    return tuple(described[c] for c in RESPONSES_COLUMNS)


def _write_readme(ws: Worksheet, file_name: str) -> None:
    import json

    from openpyxl.styles import Alignment, Font

    from civicstats import __version__
    from civicstats.schema import spec

    fonts = {"title": Font(bold=True, size=14), "heading": Font(bold=True, size=12), "code": Font(name="Consolas")}
    wrap = Alignment(wrap_text=True, vertical="top")
    texts = json.loads(TEXTS.read_text(encoding="utf-8"))
    rows = [(r["en"], r["fr"], r["style"]) for r in texts["readme_before_sheets"]]
    for name in (TEMPLATE_TABLES[0], RESPONSES_SHEET, *TEMPLATE_TABLES[1:]):
        words = texts["sheets"].get(name) or {"en": spec(name).description, "fr": spec(name).description}
        rows.append((f"{name}: {words['en']}", f"{name} : {words['fr']}", None))
    rows += [(r["en"], r["fr"], r["style"]) for r in texts["readme_after_sheets"]]
    for i, (en, fr, style) in enumerate(rows, start=1):
        for j, text in enumerate((en, fr), start=1):
            cell = write_cell(ws.cell(row=i, column=j), text.format(version=__version__, file=file_name))
            cell.alignment = wrap
            if style is not None:
                cell.font = fonts[style]
    ws.column_dimensions["A"].width = 80
    ws.column_dimensions["B"].width = 80


def build_template(file_name: str = "civicstats-data.xlsx"):
    """The template as an openpyxl ``Workbook`` (not saved); ``file_name`` appears in its instructions."""
    from openpyxl import Workbook

    from civicstats.schema import spec

    wb = Workbook()
    readme = wb.active
    readme.title = README_SHEET
    _write_readme(readme, file_name)
    sources_rows = len(_rows("sources"))
    for name in (TEMPLATE_TABLES[0], RESPONSES_SHEET, *TEMPLATE_TABLES[1:]):
        ws = wb.create_sheet(name)
        if name == RESPONSES_SHEET:
            _write_table_sheet(ws, _responses_fields(), [], sources_rows)
        else:
            _write_table_sheet(ws, spec(name).fields, _rows(name), sources_rows)
    wb.properties.creator = "civicstats"
    return wb


#: The date a reproducible template says it was made (``reproducible=True``): the zip format's first day.
REPRODUCIBLE_DATE = (1980, 1, 1, 0, 0, 0)


def _reproducible(data: bytes) -> bytes:
    """The same workbook with its dates fixed: created and modified, and every zip member's time.

    openpyxl stamps the time of saving in both, so two templates written a
    second apart differ in bytes; the reports' download must not (a build
    changes no byte of its outputs when its inputs did not change).
    """
    import re
    import zipfile

    stamp = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*REPRODUCIBLE_DATE).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = source.read(info)
            if info.filename == "docProps/core.xml":
                member = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, member)
            target.writestr(zipfile.ZipInfo(info.filename, REPRODUCIBLE_DATE), member, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def write_template(path: str | Path, overwrite: bool = False, *, reproducible: bool = False) -> Path:
    """Write the data-entry workbook to ``path`` (``.xlsx``) and return the path.

    Refuses to replace an existing file unless ``overwrite`` (``FileExistsError``).
    It is written atomically (:func:`~civicstats.files.write_atomic`): never half-written. ``reproducible``
    fixes its dates (created, modified, every zip member's time): the same shipped data, the
    same bytes.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"{path}: the template is an Excel workbook: give it the .xlsx extension")
    if path.is_dir():
        raise UsageError(f"{path} is a folder: give the path of the workbook to write, "
                         f"e.g. {path / 'civicstats-data.xlsx'}")
    exists = f"{path} already exists: choose another name, or replace it with --force"
    if path.exists() and not overwrite:
        raise FileExistsError(exists)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"the folder {path.parent} does not exist: create it first")
    buffer = io.BytesIO()
    build_template(path.name).save(buffer)
    try:
        write_atomic(path, _reproducible(buffer.getvalue()) if reproducible else buffer.getvalue(), replace=overwrite)
    except FileExistsError:
        raise FileExistsError(exists) from None
    return path
