"""The real notebooks: committed up to date, executed by the suite, and
re-run on updated data (the analyst's routine, end to end)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from civicstats import paths
from civicstats.build import stale_notebooks
from tests.conftest import EditedBuild, project_outputs

NOTEBOOKS = sorted(p.stem for p in paths.SOURCES_DIR.glob("*.ipynb"))
RUNS = [(name, lang) for name in NOTEBOOKS for lang in paths.EDITIONS]


def executed(name: str, lang: str = "en", notebooks: Path = paths.NOTEBOOKS_DIR) -> dict:
    return json.loads((notebooks / lang / f"{name}.ipynb").read_text(encoding="utf-8"))


def test_the_six_notebooks_exist():
    assert NOTEBOOKS == ["01-civic-tech-adoption", "02-open-data", "03-participatory-budgets",
                         "04-choosing-a-tool", "05-source-audit", "06-where-is-open-data"]


def test_committed_notebooks_are_not_stale():
    """A change to the data, the notebooks' cells or the library needs `make report`."""
    assert stale_notebooks() == [], "run `make report` and commit notebooks/ and figures/"


@pytest.mark.parametrize("name, lang", RUNS)
def test_committed_notebooks_are_executed_with_their_figures(name, lang):
    nb = executed(name, lang)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] is not None for c in code)
    assert not [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
    figures = nb["metadata"]["civicstats"]["figures"]
    assert figures, "every notebook draws at least one chart"
    folder = paths.FIGURES_DIR if lang == "en" else paths.FIGURES_DIR / lang
    for figure in figures:
        assert (folder / figure).is_file(), figure
    assert "tags" in code[0]["metadata"] and "parameters" in code[0]["metadata"]["tags"]


@pytest.mark.parametrize("name, lang", RUNS)
def test_each_committed_notebook_reads_in_one_language(name, lang):
    nb = executed(name, lang)
    other = next(e for e in paths.EDITIONS if e != lang)
    tags = [t for c in nb["cells"] for t in c["metadata"].get("tags", [])]
    assert f"lang-{other}" not in tags
    first = nb["cells"][0]
    assert f"lang-{lang}" in first["metadata"].get("tags", []) and "".join(first["source"]).startswith("# ")


def test_the_sources_hold_no_outputs():
    for name in NOTEBOOKS:
        nb = json.loads((paths.SOURCES_DIR / f"{name}.ipynb").read_text(encoding="utf-8"))
        assert not [c for c in nb["cells"] if c.get("outputs") or c.get("execution_count")], name


def test_notebooks_start_with_purpose_and_sources_and_use_the_package():
    for name in NOTEBOOKS:
        nb = executed(name)
        first = "".join(nb["cells"][0]["source"])
        assert first.startswith("# ") and "**Purpose.**" in first and "**Sources.**" in first
        sources = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        assert "import civicstats as cs" in sources
        assert "sys.path" not in sources and "../data" not in sources and "%run" not in sources


def html(out: Path, name: str) -> str:
    return (out / "reports" / f"{name}.html").read_text(encoding="utf-8")


def printed(out: Path, name: str) -> str:
    """What the executed notebook printed or displayed as text (not its code)."""
    nb = executed(name, "en", out / "notebooks")
    texts = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            texts.append("".join(output.get("text", "")))
            texts.append("".join(output.get("data", {}).get("text/plain", "")))
    return "\n".join(texts)


# shipped_build: tests/conftest.py (every notebook executed once per edition, once per session)


def test_every_notebook_executes_as_committed(shipped_build: Path):
    """The suite executes every notebook afresh; the build gives the very bytes committed."""
    for name, lang in RUNS:
        folder = shipped_build / "reports" / ("" if lang == "en" else lang)
        assert (folder / f"{name}.html").stat().st_size > 10_000
        built = shipped_build / "notebooks" / lang / f"{name}.ipynb"
        assert built.read_bytes() == (paths.NOTEBOOKS_DIR / lang / f"{name}.ipynb").read_bytes(), (name, lang)
    built = sorted(p.relative_to(shipped_build / "figures") for p in (shipped_build / "figures").rglob("*.*"))
    assert built == sorted(p.relative_to(paths.FIGURES_DIR) for p in paths.FIGURES_DIR.rglob("*.*"))


def test_a_warm_build_through_the_command_runs_nothing(shipped_build: Path):
    code = ("import sys; from civicstats.cli import main; code = main(['build', '--out', sys.argv[1]]); "
            "print(code, sorted(m for m in ('nbclient', 'nbconvert', 'pandas') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code, str(shipped_build)], capture_output=True, text=True,
                         check=True, timeout=60)
    lines = run.stdout.splitlines()
    assert lines[-1] == "0 []", run.stdout + run.stderr
    assert lines[-2] == f"built 0, up to date {2 * len(NOTEBOOKS)}"
    assert lines[0] == f"up to date {NOTEBOOKS[0]}" and lines[1] == f"up to date {NOTEBOOKS[0]} [fr]"


def test_the_reports_print_the_survey_figures(shipped_build: Path):
    import civicstats as cs

    text = printed(shipped_build, "01-civic-tech-adoption")
    assert "156 collectivities are counted across 7 levels" in text
    # issue 10: the gap sentence is printed from the data (see the updated build for the other branch)
    assert "The levels add up to 156, 1 short of the published total of 157 (NL, LOC)" in text
    assert "Communes under 5,000: 19 of 32,797 (0.058%; official count of the same scope, 2019" in text
    assert "35,357" not in text  # never a share of all communes for a population band
    assert "257 against 4,411 collectivities concerned (5.8%, computed here); published: 6.5% (LSN)" in printed(
        shipped_build, "02-open-data")
    # ODF22's rate is its own measure, never set against 868 ÷ 5,000 as the same thing (issue 20, finding 3)
    assert "the source's own rate measures something else: about 16% of the collectivities concerned meet the " \
        "obligation (ODF22), not this quotient" in printed(shipped_build, "02-open-data")
    disagreements = f"Findings where the figures do not meet: {len(cs.audit())}."
    assert disagreements in printed(shipped_build, "05-source-audit")
    assert disagreements in html(shipped_build, "05-source-audit")
    assert "more than 74 (NL) against 79 (OCZ); consistent" in printed(shipped_build, "05-source-audit")


# edited_build: tests/conftest.py (the analyst's routine on one edited workbook: template → edit in Excel,
# here openpyxl → build; shared with tests/test_hardening.py)


def test_updated_data_reaches_the_rendered_notebooks(edited_build: EditedBuild):
    book, out = edited_build.book, edited_build.out
    text = printed(out, "01-civic-tech-adoption")
    # the new 2026 wave computed from the responses, and the change since 2018
    assert "In the 2026 wave, 3 collectivities are counted across 3 levels" in text
    assert "Only one wave" not in text and "Change" in text
    # the corrected 2018 count
    assert "Regions: 10 of 18" in text
    # the respondents of 2026 are not divided by the national universe (issue 9, bug 3)
    assert "a count among survey respondents, not among all collectivities of the level" in text
    # issue 10: the corrected count closes the 156/157 gap, and the printed sentence follows the data
    assert "The levels add up to the published total of 157 (NL, LOC)." in text
    assert "short of the published total" not in text
    assert "In the 2026 wave" in html(out, "01-civic-tech-adoption")
    nb = executed("01-civic-tech-adoption", "en", out / "notebooks")
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert injected and str(book) in "".join(injected[0]["source"])
    assert (out / "figures" / "adoption-by-level.png").is_file()


def test_updated_build_leaves_the_project_untouched(edited_build: EditedBuild):
    assert project_outputs() == edited_build.project_before


def test_a_committed_notebook_runs_with_the_kernel_jupyterlab_uses():
    """`make lab` opens notebooks/ with the environment's own python3 kernel: a reader's "run all" works."""
    import nbformat
    from nbclient import NotebookClient

    source = paths.NOTEBOOKS_DIR / "fr" / "03-participatory-budgets.ipynb"
    nb = nbformat.read(source, as_version=4)
    # what Lab's "run all" (and nbconvert --execute) does: the installed kernelspec by name, in the notebook's folder
    NotebookClient(nb, kernel_name="python3", timeout=300,
                   resources={"metadata": {"path": str(source.parent)}}).execute()
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert outputs and not [o for o in outputs if o["output_type"] == "error"]


def test_make_lab_works_as_root():
    makefile = (paths.ROOT / "Makefile").read_text(encoding="utf-8")
    lab = makefile[makefile.index("\nlab:"):].split("\n\n")[0]
    assert "--allow-root" in lab and "notebooks" in lab


def test_the_notebooks_quote_only_words_a_source_wrote():
    """Issue 20 re-read: notebook 05 set « about 4,500 » and « environ 4 500 » in quotation marks, where LOC2 wrote
    « près de 4.500 »: a figure in « » is the source's own words, as the data's notes quote them."""
    import re

    import nbformat

    written = " ".join(p.read_text(encoding="utf-8") for p in sorted(paths.DATA_DIR.glob("*.csv")))
    wrong = []
    for source in sorted(paths.SOURCES_DIR.glob("*.ipynb")):
        for cell in nbformat.read(source, as_version=4).cells:
            if cell.cell_type == "markdown":
                wrong += [(source.stem, cell.id, q) for q in re.findall(r"«\s*([^»]*?\d[^»]*?)\s*»", cell.source)
                          if f"« {q}" not in written]
    assert wrong == []
