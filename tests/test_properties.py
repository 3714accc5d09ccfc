"""Property-based tests of the readers (issue 5): whatever the bytes, a table or a DataError.

Hypothesis feeds arbitrary bytes, and valid files mutated byte by byte (a
shipped CSV file, the template workbook, and the XML inside the template's
zip, re-zipped), to ``cs.load`` and to ``check``. The only outcomes allowed
are a validated DataFrame or a :class:`~civicstats.errors.DataError` (and,
for ``check``, a report): no other exception, no hang (a hard alarm stops
any example that runs too long), and the file is never written. Runs are
derandomized, so that CI sees the same examples every time.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import html
import io
import itertools
import re
import signal
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import civicstats as cs
from civicstats import paths
from civicstats.check import check
from civicstats.errors import DataError
from civicstats.readers.responses import RESPONSES_COLUMNS
from civicstats.workbook import write_template

#: Seconds any single example may take before it counts as a hang.
HANG = 20
SETTINGS = dict(derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
#: Examples per test, scaled by the hypothesis profile (tests/conftest.py; default: 30 and 10).
CSV_EXAMPLES = settings().max_examples * 5 // 2
WORKBOOK_EXAMPLES = settings().max_examples * 5 // 6

_state: dict[str, Path] = {}
_names = itertools.count()


@pytest.fixture(scope="module", autouse=True)
def _folder(tmp_path_factory):
    """One folder for the module's files (hypothesis runs many examples per test: no per-test tmp_path)."""
    _state["folder"] = tmp_path_factory.mktemp("properties")
    yield
    _state.clear()


@contextlib.contextmanager
def no_hang(seconds: int = HANG):
    """Fail (instead of waiting for ever) when the block runs longer than ``seconds``."""
    if not hasattr(signal, "SIGALRM"):  # pragma: no cover - not on Windows
        yield
        return

    def alarm(signum, frame):
        raise TimeoutError(f"still running after {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def fresh(name: str, data: bytes) -> Path:
    """``data`` in a new file (a new name each time: no reader's cache may answer for another example)."""
    folder = _state["folder"] / str(next(_names))
    folder.mkdir()
    path = folder / name
    path.write_bytes(data)
    return path


def outcome(table: str, path: Path, with_check: bool = True) -> str:
    """Load ``table`` from ``path`` (and check it): "table" or "error"; anything else fails the test."""
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with warnings.catch_warnings(), no_hang():
        warnings.simplefilter("ignore")
        try:
            result = cs.load(table, path)
            assert isinstance(result, pd.DataFrame)
            found = "table"
        except DataError as exc:
            assert exc.problems and str(exc)
            found = "error"
        if with_check:
            report = check(path)
            assert report.ok == (not report.problems)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    return found


# --------------------------------------------------------------------------
# Mutations: a few edits of a valid file's bytes

TOKENS = [b",", b";", b"\t", b'"', b"\n", b"\r\n", b"\x00", b"=", b"-", b"+", b"@", b"1e999", b"9" * 30,
          b"\xff\xfe", b"\xef\xbb\xbf", b"\xa0", "é".encode(), b"Total", b"NaN", b"PK\x03\x04", b"\x80", b"<", b">",
          b"&amp;", b"&#0;", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', b"&e;",
          b'<c r="XFD1048576"><v>1</v></c>', b'<mergeCell ref="A1:XFD1048576"/>', b"<f>SUM(A1:A9)</f>", b' t="e"']

edit = st.tuples(
    st.sampled_from(["flip", "insert", "delete", "token"]),
    st.floats(min_value=0, max_value=1, allow_nan=False),
    st.binary(min_size=1, max_size=8),
    st.integers(min_value=0, max_value=7),
    st.sampled_from(TOKENS),
)


def mutate(data: bytes, edits) -> bytes:
    out = bytearray(data)
    for kind, where, blob, bit, token in edits:
        at = int(where * len(out))
        if kind == "flip" and out:
            at = min(at, len(out) - 1)
            out[at] ^= 1 << bit
        elif kind == "insert":
            out[at:at] = blob
        elif kind == "delete":
            del out[at:at + len(blob) * 4]
        else:
            out[at:at] = token
    return bytes(out)


# --------------------------------------------------------------------------
# CSV

RESPONSES_CSV = (",".join(RESPONSES_COLUMNS) + "\n" + "".join(
    f"2026,2131000{i:02d},Commune {i},commune,{1000 * i + 10},oui,,x,,non,yes,Decidim,NL\n" for i in range(4))
    + "2026,200046977,Métropole,metropole,,,,,,,oui,,LOC\n").encode()
CSV_SEEDS = {
    "participatory_budgets": (paths.DATA_DIR / "participatory_budgets.csv").read_bytes(),
    "civictech_adoption": (paths.DATA_DIR / "civictech_adoption.csv").read_bytes(),
    "open_data_adopters": (paths.DATA_DIR / "open_data_adopters.csv").read_bytes(),
    "responses": RESPONSES_CSV,
}


def test_the_csv_seeds_are_valid():
    for name, data in CSV_SEEDS.items():
        table = "civictech_adoption" if name == "responses" else name
        assert outcome(table, fresh(f"{name}.csv", data)) == "table"


@settings(max_examples=CSV_EXAMPLES, **SETTINGS)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_as_a_csv_file(data: bytes):
    outcome("participatory_budgets", fresh("update.csv", data), with_check=False)


@settings(max_examples=CSV_EXAMPLES, **SETTINGS)
@given(st.sampled_from(sorted(CSV_SEEDS)), st.sampled_from(["utf-8", "cp1252", "utf-16", ";"]),
       st.lists(edit, min_size=1, max_size=6))
def test_a_mutated_csv_file(name: str, dialect: str, edits):
    data = CSV_SEEDS[name]
    if dialect == ";":
        data = data.replace(b",", b";")
    elif dialect != "utf-8":
        data = data.decode("utf-8").encode(dialect)
    table = "civictech_adoption" if name == "responses" else name
    outcome(table, fresh(f"{name}.csv", mutate(data, edits)))


#: Any value a person could type or paste in a cell (XML-legal, as a spreadsheet stores it).
cell_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff"), max_size=40)
cell_value = st.one_of(cell_text, st.integers(min_value=-10**30, max_value=10**30).map(str),
                       st.floats(allow_nan=True, allow_infinity=True).map(repr),
                       st.sampled_from(["", " ", "Total", "region", "Régions", "EPCI ", "NL;LOC", "NL;", ";", "=1+1",
                                        "2018-13", "0x1A", "1 000", "1,5", "١٢", "９", "+5", "-0", "#N/A"]))


@settings(max_examples=CSV_EXAMPLES, **SETTINGS)
@example("civictech_adoption", [(0, 2, "cuont"), (1, 2, "=1+1"), (2, 2, "1e999"), (3, 1, "Régions"), (4, 4, "NL;")])
@example("open_data_adopters", [(1, 2, "#N/A"), (2, 2, "１٢"), (3, 1, "EPCI "), (5, 0, "2018-13"), (6, 2, "-0")])
@given(st.sampled_from(["participatory_budgets", "civictech_adoption", "open_data_adopters"]),
       st.lists(st.tuples(st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=9), cell_value),
                min_size=1, max_size=5))
def test_arbitrary_values_in_a_csv_file(name: str, changes):
    """Values typed into cells (the header included), written as a spreadsheet writes a CSV file."""
    rows = list(csv.reader(io.StringIO(CSV_SEEDS[name].decode("utf-8"))))
    for i, j, value in changes:
        row = rows[i % len(rows)]
        row[j % len(row)] = value
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    outcome(name, fresh(f"{name}.csv", text.getvalue().encode("utf-8")))


# --------------------------------------------------------------------------
# Workbooks

_template: list[bytes] = []


def template_bytes() -> bytes:
    if not _template:
        _template.append(write_template(_state["folder"] / "template.xlsx").read_bytes())
    return _template[0]


def members() -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(template_bytes())) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def rezip(parts: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts:
            zf.writestr(name, data)
    return buf.getvalue()


def test_the_template_is_a_valid_seed():
    assert outcome("civictech_adoption", fresh("book.xlsx", template_bytes())) == "table"
    assert outcome("civictech_adoption", fresh("book.xlsx", rezip(members()))) == "table"


@settings(max_examples=WORKBOOK_EXAMPLES, **SETTINGS)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_as_a_workbook(data: bytes):
    outcome("participatory_budgets", fresh("book.xlsx", data), with_check=False)


@settings(max_examples=WORKBOOK_EXAMPLES, **SETTINGS)
@given(st.lists(edit, min_size=1, max_size=4))
def test_a_mutated_workbook_file(edits):
    outcome("civictech_adoption", fresh("book.xlsx", mutate(template_bytes(), edits)))


def _xml_text(value: str) -> str:
    return html.escape(value, quote=False)


@settings(max_examples=WORKBOOK_EXAMPLES, **SETTINGS)
@example([(0, "cuont", False), (8, "=1+1", False), (9, "1e999", True), (10, "#N/A", False), (14, "Total", False)])
@example([(8, "nan", True), (9, "-0", True), (10, "1 000", False), (11, "Régions", False), (12, "NL;", False)])
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=60), cell_value, st.booleans()), min_size=1, max_size=5))
def test_arbitrary_values_in_workbook_cells(changes):
    """Values typed into cells of the civictech_adoption sheet, as text or as numbers."""
    parts = members()
    sheet = dict(parts)["xl/worksheets/sheet2.xml"]
    cells = list(re.finditer(rb'<c r="([A-Z]+[0-9]+)"[^>]*?(?:/>|>.*?</c>)', sheet))
    assert len(cells) > 40
    replacements = {}
    for k, value, as_number in changes:
        found = cells[k % len(cells)]
        ref = found[1].decode()
        if as_number and re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|inf|-inf|nan", value):
            new = f'<c r="{ref}"><v>{value}</v></c>'
        else:
            new = f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_xml_text(value)}</t></is></c>'
        replacements[found.start()] = (found.end(), new.encode("utf-8"))
    out, at = bytearray(), 0
    for start in sorted(replacements):
        end, new = replacements[start]
        out += sheet[at:start] + new
        at = end
    out += sheet[at:]
    changed = [(name, bytes(out) if name == "xl/worksheets/sheet2.xml" else data) for name, data in parts]
    outcome("civictech_adoption", fresh("book.xlsx", rezip(changed)))


#: The parts worth mutating most: the list of sheets, two table sheets, the responses sheet.
PARTS = ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml",
         "xl/worksheets/sheet5.xml", "[Content_Types].xml", "xl/styles.xml"]


@settings(max_examples=WORKBOOK_EXAMPLES, **SETTINGS)
@given(st.sampled_from(PARTS), st.lists(edit, min_size=1, max_size=4))
def test_a_workbook_with_mutated_xml(part: str, edits):
    parts = members()
    assert part in dict(parts)
    changed = [(name, mutate(data, edits) if name == part else data) for name, data in parts]
    outcome("civictech_adoption", fresh("book.xlsx", rezip(changed)))


# --------------------------------------------------------------------------
# Issue 13: what is printed is one safe line; text is decoded only when certain


@settings(max_examples=settings().max_examples * 8, **SETTINGS)  # cheap examples: eight times the profile's
@given(st.text(max_size=200))
def test_escaped_text_is_one_printable_line_and_escaping_is_stable(text: str):
    from civicstats.errors import Problem, escape

    shown = escape(text)
    assert "\n" not in shown and "\r" not in shown and "\x1b" not in shown
    import unicodedata

    # no control, format (bidirectional overrides, invisible marks), line or paragraph separator, surrogate
    assert not [ch for ch in shown if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs")]
    assert escape(shown) == shown
    line = str(Problem(text, text, 3, text, text, text))
    assert "\n" not in line and "\x1b" not in line and "\x00" not in line


@settings(max_examples=settings().max_examples * 4, **SETTINGS)
@given(st.text(alphabet=st.sampled_from(list(',;\t"\nab1 ')), max_size=4000))
def test_the_separator_is_found_in_linear_time_whatever_the_text(text: str):
    import time

    from civicstats.readers.csv import sniff_separator

    start = time.process_time()
    assert sniff_separator(text) in (",", ";", "\t")
    assert time.process_time() - start < 0.5


@settings(max_examples=settings().max_examples * 4, **SETTINGS)
@given(st.text(max_size=300), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252", "mac_roman",
                                                "utf-16-le", "utf-32-be"]))
def test_decoded_text_is_the_text_or_a_refusal(text: str, encoding: str):
    from civicstats.errors import Origin
    from civicstats.readers.csv import decode

    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    try:
        got = decode(data, Origin("x.csv"))
    except DataError as exc:
        assert len(exc.problems) == 1 and "\n" not in str(exc.problems[0])
        return
    assert "\ufeff" not in got
    if encoding in ("utf-8", "utf-8-sig", "utf-16", "utf-32") and "\ufeff" not in text:
        assert got == text  # a certain encoding is never misread


# --------------------------------------------------------------------------
# Shortcuts that must give what the long way gives: numbers written once, personal data searched joined

#: Examples per test of these shortcuts (arrays of a few thousand cells: a few examples suffice).
ARRAY_EXAMPLES = max(settings().max_examples // 3, 1)


def _column(pool: list, n: int, seed: int):
    """An object array of ``n`` cells drawn from ``pool`` (each cell an object of its own, as calamine gives)."""
    import random

    import numpy as np

    rng = random.Random(seed)
    cells = np.empty(n, dtype=object)
    cells[:] = [_copy(rng.choice(pool)) for _ in range(n)]
    return cells


def _copy(value):
    return (value + "\x00")[:-1] if isinstance(value, str) else value


FLOATS = st.one_of(
    st.integers(-10**6, 10**6).map(float),
    st.sampled_from([-0.0, 0.0, 2.0**53 - 1, -(2.0**53 - 1), 2.0**53, -(2.0**53), 2.0**53 + 2, 1e20, 33.6, 1e-05,
                     0.1, -2.5, 1e16, 213100017.0]),
    st.floats(allow_nan=True, allow_infinity=True),
)
WHOLE_FLOATS = st.one_of(st.integers(-(2**53 - 1), 2**53 - 1).map(float), st.sampled_from([-0.0, 0.0, 12.0]))


@settings(max_examples=ARRAY_EXAMPLES * 3, **SETTINGS)
@given(st.data(), st.booleans(), st.sampled_from([0.0, 0.1, 0.9]), st.integers(1, 3000), st.integers(0, 2**32))
def test_a_column_of_numbers_becomes_the_text_of_each_cell(data, whole: bool, blank_share: float, n: int, seed: int):
    import random

    from pandas.api.types import infer_dtype

    from civicstats.readers import xlsx

    pool = data.draw(st.lists(WHOLE_FLOATS if whole else FLOATS, min_size=1, max_size=50), label="pool")
    cells = _column(pool, n, seed)
    rng = random.Random(seed)
    for i in range(n):
        if rng.random() < blank_share:
            cells[i] = ""
    original = list(cells)
    kind = infer_dtype(cells, skipna=False)
    if blank_share and "" in original and any(type(v) is float for v in original):
        assert kind == "mixed"  # numbers with blank cells: the path of a column of numbers with gaps
    xlsx._as_text(cells, kind if data.draw(st.booleans(), label="kind given") else None)
    assert list(cells) == [xlsx.cell_text(v) for v in original]
    assert all(type(c) is str for c in cells)


#: Values of a name or tools column: plain text, numbered names, e-mail addresses, phone numbers.
PERSONAL_VALUES = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.sampled_from(list("0123456789 .-+()@\nabx")), max_size=30),
    st.sampled_from(["Commune 01469", "Ville de Paris", "", "Decidim", "01", "2026", "75056", "213100017",
                     "tel. 01 23 45 67 89", "01 23 45 67 89", "+33 1 23 45 67 89", "0123456789", "01.23.45.67.89",
                     "+33 (0)1 23 45 67 89", "0033 1 23 45 67 89", "+44 20 7946 0958", "+1 202 555 0143",
                     "contact: marie.curie@mairie.fr", "a@b.fr", "x@y", "@mairie", "Mairie 01 23 45 67 89 (accueil)",
                     "+33 6 12 34 56 78", "012345678", "01 23 45 67 890"]),
)
#: Two values that form a phone number only when joined across a line break (a false alarm of the joined search).
SPLIT_PHONES = st.sampled_from([("tel 01 23", "45 67 89"), ("01 23 45", "67 89"), ("+33 1 23", "45 67 89"),
                                ("Mairie 0123", "456789"), ("+44 20", "7946 0958"), ("0", "1 23 45 67 89")])


@settings(max_examples=settings().max_examples * 5, **SETTINGS)
@given(st.lists(st.one_of(PERSONAL_VALUES.map(lambda v: [v]), SPLIT_PHONES.map(list)), max_size=12))
def test_personal_kinds_is_personal_kind_of_each_value(groups: list[list[str]]):
    from civicstats.personal import personal_kind, personal_kinds

    values = [v for group in groups for v in group]
    assert personal_kinds(values) == [personal_kind(v) for v in values]


def test_values_joined_across_a_line_break_are_a_false_alarm_that_changes_nothing():
    from civicstats.personal import PHONE_IN_TEXT, personal_kind, personal_kinds

    values = ["tel 01 23", "45 67 89", "Commune 01469"]
    assert PHONE_IN_TEXT.search("\n".join(values))  # the joined search finds a number no value holds...
    assert [personal_kind(v) for v in values] == [None, None, None]
    assert personal_kinds(values) == [None, None, None]  # ...and each value is then searched on its own
    assert personal_kinds([*values, "01 23 45 67 89", "a@b.fr"]) == [None, None, None, "phone",
                                                                    "email"]


def test_personal_kinds_searches_each_value_as_far_as_personal_kind_does():
    """A number cut by personal_kind's limit on what it reads is found whole only in the joined text."""
    from civicstats.personal import MAX_SCREENED_CHARS, personal_kind, personal_kinds

    cut = "x" * (MAX_SCREENED_CHARS - 14) + "01 23 45 67 89" + "0"  # the limit falls before the last digit
    assert personal_kind(cut) == "phone"
    assert personal_kinds([cut, "Commune 01469"]) == ["phone", None]
