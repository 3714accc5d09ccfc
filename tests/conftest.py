"""Shared test helpers: copies of the shipped data to break on purpose, and
outputs that are expensive to make, made once per test session.

Executing the real notebooks is what makes the suite slow (a kernel per
notebook, per edition), so the suite does it as few times as it can, twice:
``shipped_build`` executes every notebook once per edition on the shipped
data, and ``edited_build`` runs the three notebooks the edits show in once
(English) on one edited survey workbook that carries every edit the tests of
other data need (an update, personal data, markup in a name). Each is made once per run, whichever xdist worker needs it
first (``made_once``), and handed to every test that inspects the rendered
notebooks, reports or figures. Those tests must only read them (copy first to
change anything). The template workbook is shared the same way.

Property tests (hypothesis) are bounded by a settings profile registered
here: ``default`` (what ``make test`` runs) and ``thorough`` (fifty times the
examples, for a run before a release: ``pytest --hypothesis-profile=thorough``
or ``CIVICSTATS_HYPOTHESIS=thorough``). A test sets its own example count as a
multiple of ``settings().max_examples`` so that the profile scales it. The
default is small because an example that reads a workbook costs about half a
second of processor time; examples are derandomized (the same ones every run),
and the cases that matter most are written out with ``@example``.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from hypothesis import HealthCheck, settings
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from civicstats import paths

settings.register_profile(
    "default", max_examples=12, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("thorough", settings.get_profile("default"), max_examples=600)  # 50x the default
settings.load_profile(os.environ.get("CIVICSTATS_HYPOTHESIS", "default"))


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped data folder."""
    target = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, target)
    return target


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def write_book(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A workbook written with openpyxl, one sheet per entry, rows as given."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file a build wrote under ``folder``: relative name -> bytes."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


def refuse_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any notebook execution fail: what must be skipped is then provably skipped."""
    from civicstats.build import execute

    def refuse(runs, *args: object, **kwargs: object) -> None:
        for run in runs:
            run.error = ": a kernel was started"

    monkeypatch.setattr(execute, "execute_all", refuse)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (symlinks included, not followed): relative name → sha256."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): (digest(p) if p.is_file() and not p.is_symlink() else "link")
            for p in sorted(folder.rglob("*")) if not p.is_dir() or p.is_symlink()}


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """The folder ``name``, filled by ``make(folder)`` once per test run, shared by the xdist workers.

    Under pytest-xdist (``make test`` runs two workers) the first worker that
    needs it makes it in the run's shared temporary folder while holding a
    lock; the other waits for it and reuses it. A folder whose making failed
    is made again by the next test that needs it (and fails again, visibly).
    """
    import fcntl

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by the workers of this run
    folder = base / name
    complete = base / f"{name}.complete"
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not complete.is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            complete.touch()
    return folder


#: Test modules whose tests share a setup that keeps one core busy for a long time (a browser opening every page, pip
#: building and installing the wheel): under xdist all of a module's tests go to one worker, the largest such module
#: first, so the setup starts with the run and the other worker never idles on ``made_once``'s lock. (The notebook
#: builds need no such care: while one worker makes them, their kernels keep both cores busy.) ``--dist
#: loadgroup`` would say this with marks, but xdist 3.8 loses the groups under pytest 9.2 (pytest-xdist#1386).
SERIAL_SETUPS = ("tests/test_browser.py", "tests/test_installed.py")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """``--dist load`` (what ``-n 2`` means), each module of ``SERIAL_SETUPS`` as one unit of work."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SerialSetupsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in SERIAL_SETUPS else nodeid

    return SerialSetupsTogether(config, log)


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory) -> Path:
    """Every notebook executed afresh on the shipped data, once per edition, once per test run.

    The folder holds ``notebooks/`` (executed in English), ``figures/`` and
    ``reports/`` (every edition, as the build lays them out). Read only.
    """
    def make(out: Path) -> None:
        from civicstats.build import build

        result = build(out=out, force=True, log=lambda line: None, editions=paths.EDITIONS)
        assert result.ok, result

    return made_once(tmp_path_factory, "shipped-build", make)


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> Path:
    """The data-entry workbook (``civicstats template``), written once per run. Read only: edit a copy."""
    from civicstats.workbook import write_template

    return made_once(tmp_path_factory, "template",
                     lambda folder: write_template(folder / "civicstats-data.xlsx")) / "civicstats-data.xlsx"


#: Personal data a person might leave in a survey export: three columns the responses table does not know.
PERSONAL = {"email": "alice@example.org", "téléphone": "+33 6 12 34 56 78", "contact": "Alice Martin"}
#: A tool name that HTML or a math renderer would run, were the reports to take data for markup.
MARKUP_TOOL = r"Pay $\foo{x}$ now <b>x</b>"
#: The 2026 wave of the edited survey: one row per answer, ``responses`` columns by name.
WAVE_2026 = [
    {"siren": "200000001", "name": "Région test", "level": "region", "dialogue_concertation": "oui"},
    {"siren": "200000002", "name": "Ville test", "level": "commune", "population": 42_000, "reporting": "x"},
    {"siren": "200000003", "name": "Village test", "level": "commune", "population": 800, "open_data_portal": "oui"},
    {"siren": "200000004", "name": "Bourg test", "level": "commune", "population": 3_000, "crowdfunding": "yes"},
]


def project_outputs() -> dict[str, str]:
    """The project's committed notebooks, figures and data: file → sha256."""
    return {str(p): digest(p) for d in (paths.NOTEBOOKS_DIR, paths.FIGURES_DIR, paths.DATA_DIR)
            for p in sorted(d.rglob("*")) if p.is_file()}


@dataclass(frozen=True)
class EditedBuild:
    book: Path  # the edited workbook
    out: Path  # the build's out folder: read only
    log: str  # what the build printed (stdout and stderr)
    files: dict[str, str]  # tree(out) as the build left it
    project_before: dict[str, str]  # project_outputs() just before the build


def edit_survey(template: Path, book: Path) -> Path:
    """An analyst's routine, in one workbook: the template, edited in Excel (here openpyxl).

    A 2026 wave of four answers (with its source), the 2018 count of regions
    corrected to 10 (which closes the 156/157 gap), the three ``PERSONAL``
    columns filled on every answer, and the first tool renamed ``MARKUP_TOOL``.
    """
    import openpyxl

    shutil.copyfile(template, book)
    wb = openpyxl.load_workbook(book)
    wb["sources"].append(["WAVE26", "Survey of French local authorities, 2026 wave (test)", "civicstats tests",
                          "2026", None])
    for row in wb["civictech_adoption"].iter_rows(min_row=2):
        if row[1].value == "region":
            row[2].value = 10  # a corrected count
    tools = wb["civictech_tools"]
    assert tools["A2"].value == "Cap Collectif"
    tools["A2"].value = MARKUP_TOOL
    responses = wb["responses"]
    header = [c.value for c in responses[1]]
    for j, name in enumerate(PERSONAL, start=len(header) + 1):
        responses.cell(row=1, column=j, value=name)
    for answer in WAVE_2026:
        values = {"as_of": "2026", "source": "WAVE26", **answer}
        responses.append([values.get(column) for column in header] + list(PERSONAL.values()))
    wb.save(book)
    return book


#: The notebooks ``edited_build`` runs: those that show what the edits change (the adoption counts and the 2026
#: wave from ``responses``, the tools, the audit of every table). 04 is also the control of the index's findings:
#: its tool renamed, its counts stay, and so does its finding. 02, 03 and 06 chart tables the edit does not touch; of
#: the audit they print only the findings about those tables.
EDITED_NOTEBOOKS = ("01-civic-tech-adoption", "04-choosing-a-tool", "05-source-audit")


@pytest.fixture(scope="session")
def edited_build(tmp_path_factory, template: Path) -> EditedBuild:
    """The edited survey (``edit_survey``) built in a real process, English only, once per test run.

    Only the notebooks that show what the edits change are run (``EDITED_NOTEBOOKS``).

    Shared by the tests of updated data (tests/test_notebooks.py) and of
    personal data and failed builds (tests/test_hardening.py): one build of
    every notebook instead of one per module and worker.
    """
    def make(folder: Path) -> None:
        book = edit_survey(template, folder / "survey-2026.xlsx")
        (folder / "project-before.json").write_text(json.dumps(project_outputs()))
        out = folder / "out"
        # a real process, as the command line runs it; the English edition only (the French one runs the same
        # cells on the same data, and would double the suite's longest setup), and only EDITED_NOTEBOOKS
        script = ("import sys\nfrom civicstats.build import build\n"
                  "sys.exit(0 if build(data=sys.argv[1], out=sys.argv[2], editions=('en',), log=print,\n"
                  "                    notebooks=sys.argv[3:]).ok else 1)")
        proc = subprocess.run([sys.executable, "-c", script, str(book), str(out), *EDITED_NOTEBOOKS],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        (folder / "build.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
        (folder / "files.json").write_text(json.dumps(tree(out)))

    folder = made_once(tmp_path_factory, "edited-build", make)
    return EditedBuild(folder / "survey-2026.xlsx", folder / "out", (folder / "build.log").read_text(encoding="utf-8"),
                       json.loads((folder / "files.json").read_text()),
                       json.loads((folder / "project-before.json").read_text()))



# --------------------------------------------------------------------------
# Two tiny bilingual notebooks, built once per run in both languages: the build's and the site's tests


def md(text: str, lang: str | None = None) -> nbformat.NotebookNode:
    return new_markdown_cell(text, metadata={"tags": [f"lang-{lang}"]} if lang else {})


def chart_code(*names: str) -> str:
    """Code that saves one chart per name, then shows them all: the chart's record names its files."""
    lines = ["import matplotlib.pyplot as plt", "figs = []"]
    for name in names:
        lines += [f"fig = plt.figure(figsize=(4, 3)); plt.close(fig); fig.subplots().bar(['a', 'b'], [3, 5])",
                  f"cs.save_figure(fig, {name!r}, title=('Bars of {name}' if lang == 'en' else 'Barres de {name}'),"
                  " sources=['NL'], lang=lang)", "figs.append(fig)"]
    lines += ["for fig in figs:", "    display(fig)"]
    return "\n".join(lines)


def write_notebook(path: Path, cells: list[nbformat.NotebookNode]) -> None:
    nb = new_notebook(cells=cells)
    for index, cell in enumerate(nb.cells):
        cell.id = f"c{index}"
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def parameters() -> nbformat.NotebookNode:
    return new_code_cell('data = None\nlang = "en"', metadata={"tags": ["parameters"]})


def write_alpha(folder: Path, *extra: str, title: str = "Alpha counts & <totals>") -> None:
    write_notebook(folder / "01-alpha.ipynb", [
        md(f"# {title}\n\nHow many departments answered, and what share.", "en"),
        md("# Les effectifs alpha\n\nCombien de départements ont répondu, et quelle part.", "fr"),
        parameters(),
        new_code_cell("import civicstats as cs\nimport pandas as pd"),
        new_code_cell('print(f"lang={lang} data={data}")'),
        md("## The table & its share: 0 < x > 1", "en"),
        md("## Le tableau", "fr"),
        new_code_cell('cs.show(pd.DataFrame({"level": ["departement", "region"], "count": [35357, None],\n'
                      '                      "share_pct": [13.86, 50.0]}), lang=lang, labels=cs.load("levels"))'),
        new_code_cell('print("Price: $5 and $6, 1 < 2")'),
        new_code_cell('print("english only")', metadata={"tags": ["lang-en"]}),
        md("## The chart", "en"),
        md("## Le graphique", "fr"),
        new_code_cell(chart_code("alpha-bars")),
        md("Departments answer most. The rest is noise.", "en"),
        md("Les départements répondent le plus. Le reste est du bruit.", "fr"),
        *(new_code_cell(code) for code in extra),
    ])


def write_beta(folder: Path, *figures: str) -> None:
    write_notebook(folder / "02-beta.ipynb", [
        md("# Beta story\n\nA second report.", "en"),
        md("# Histoire bêta\n\nUn second rapport.", "fr"),
        parameters(),
        new_code_cell("import civicstats as cs"),
        new_code_cell(chart_code(*(figures or ("beta-bars", "beta-more")))),
    ])


class Log(list):
    """A build's ``log``: the lines it wrote, in order."""

    def __call__(self, line: str) -> None:
        self.append(line)


@dataclass
class Toy:
    """The two tiny notebooks: ``notebooks/source/`` and the build's ``out`` folder."""

    notebooks: Path
    out: Path
    result: object
    log: Log
    files: dict[str, bytes]

    @property
    def sources(self) -> Path:
        return self.notebooks / "source"

    def page(self, name: str, lang: str = "en") -> str:
        folder = self.out / "reports" if lang == "en" else self.out / "reports" / lang
        return (folder / f"{name}.html").read_text(encoding="utf-8")

    def notebook(self, name: str, lang: str = "en") -> nbformat.NotebookNode:
        return nbformat.read(self.out / "notebooks" / lang / f"{name}.ipynb", as_version=4)


@pytest.fixture(scope="session")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Toy:
    """alpha and beta built in both languages, once per test run (shared by the xdist workers). Read only."""
    def make(root: Path) -> None:
        from civicstats.build import build

        (root / "notebooks" / "source").mkdir(parents=True)
        write_alpha(root / "notebooks" / "source")
        write_beta(root / "notebooks" / "source")
        log = Log()
        old = os.umask(0o022)
        try:
            result = build(out=root / "out", notebooks_dir=root / "notebooks", editions=paths.EDITIONS, log=log)
        finally:
            os.umask(old)
        (root / "built.pickle").write_bytes(pickle.dumps((result, list(log), snapshot(root / "out"))))

    root = made_once(tmp_path_factory, "toy-build", make)
    result, log, files = pickle.loads((root / "built.pickle").read_bytes())
    return Toy(root / "notebooks", root / "out", result, Log(log), files)


@pytest.fixture
def toy_copy(toy: Toy, tmp_path: Path) -> Toy:
    """A private copy of the toy build, free to change."""
    shutil.copytree(toy.notebooks, tmp_path / "notebooks")
    shutil.copytree(toy.out, tmp_path / "out")
    return Toy(tmp_path / "notebooks", tmp_path / "out", toy.result, Log(), toy.files)


@pytest.fixture
def no_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_kernels(monkeypatch)
