"""Tests of civicstats.build on two tiny bilingual notebooks (tests/conftest.py: ``toy``).

The toy build is made once per run; tests that change sources or outputs
work on a copy (``toy_copy``). ``no_kernel`` makes any execution fail, so a
test that uses it proves that nothing was executed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from civicstats import paths
from civicstats.build import build, fingerprint, outputs, stale_notebooks
from civicstats.errors import MissingFileError, OutputError, UsageError
from tests.conftest import Log, Toy, refuse_kernels, snapshot, write_alpha, write_beta, write_notebook

EVERY_RUN = ["01-alpha", "01-alpha [fr]", "02-beta", "02-beta [fr]"]


def test_a_cold_build_writes_each_language_its_notebook_figures_and_page(toy: Toy) -> None:
    assert toy.result.ok and sorted(toy.result.built) == sorted(EVERY_RUN)
    assert {"started 01-alpha", "started 02-beta [fr]"} <= set(toy.log)
    assert any(line.startswith("done 01-alpha in ") and line.endswith(" s") for line in toy.log)
    alpha = toy.notebook("01-alpha")
    printed = [o.text for c in alpha.cells for o in c.get("outputs", []) if o.get("name") == "stdout"]
    assert "lang=en data=None\n" in printed
    assert alpha.metadata.kernelspec.name == "python3" and alpha.metadata.language_info.name == "python"
    beta = toy.notebook("02-beta", "fr")
    assert sorted(beta.metadata.civicstats.figures) == ["beta-bars.png", "beta-bars.svg", "beta-more.png",
                                                        "beta-more.svg"]
    assert (toy.out / "figures" / "fr" / "beta-bars.png").read_bytes().startswith(b"\x89PNG")
    assert (toy.out / "figures" / "beta-bars.png").read_bytes() != (toy.out / "figures" / "fr" / "beta-bars.png"
                                                                    ).read_bytes()  # French labels


def test_each_notebook_holds_its_own_language_only(toy: Toy) -> None:
    for lang, other in (("en", "fr"), ("fr", "en")):
        nb = toy.notebook("01-alpha", lang)
        tags = [t for c in nb.cells for t in c.metadata.get("tags", [])]
        assert f"lang-{other}" not in tags and f"lang-{lang}" in tags
        first = next(c.source for c in nb.cells if c.cell_type == "markdown")
        assert first.startswith("# Alpha counts" if lang == "en" else "# Les effectifs alpha")


def test_written_notebooks_are_clean_and_end_with_a_newline(toy: Toy) -> None:
    text = (toy.out / "notebooks" / "en" / "01-alpha.ipynb").read_text()
    assert text.endswith("}\n")
    assert "papermill" not in text and '"execution"' not in text and '"version": "3.' not in text
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in toy.notebook("01-alpha").cells)
    assert not list(toy.out.parent.glob(".civicstats-build-*"))  # staging cleaned


def test_rebuilding_gives_byte_identical_outputs(toy_copy: Toy) -> None:
    """(The real notebooks are rebuilt by the suite and compared with the committed ones: tests/test_notebooks.py.)"""
    result = build(out=toy_copy.out, notebooks_dir=toy_copy.notebooks, editions=paths.EDITIONS, log=Log(),
                   force=True, notebooks=["02-beta"])
    assert sorted(result.built) == ["02-beta", "02-beta [fr]"]
    assert snapshot(toy_copy.out) == toy_copy.files


def test_a_warm_build_starts_no_kernel_and_writes_nothing(toy: Toy, no_kernel: None) -> None:
    log = Log()
    result = build(out=toy.out, notebooks_dir=toy.notebooks, editions=paths.EDITIONS, log=log)
    assert result.ok and result.built == [] and sorted(result.skipped) == sorted(EVERY_RUN)
    assert sorted(log) == sorted(f"up to date {run}" for run in EVERY_RUN)
    assert snapshot(toy.out) == toy.files


def test_a_warm_build_imports_nothing_heavy(toy: Toy) -> None:
    code = textwrap.dedent(f"""
        import sys
        from civicstats.build import build
        result = build(out={str(toy.out)!r}, notebooks_dir={str(toy.notebooks)!r}, editions=("en", "fr"),
                       log=lambda _: None)
        heavy = ("nbformat", "nbclient", "nbconvert", "jupyter_client", "zmq", "pandas", "asyncio")
        print(len(result.skipped), sorted(m for m in heavy if m in sys.modules))
        """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=paths.ROOT)
    assert run.stdout.strip() == "4 []"


def test_a_missing_figure_reruns_its_notebook(toy_copy: Toy, no_kernel: None) -> None:
    (toy_copy.out / "figures" / "fr" / "beta-more.svg").unlink()
    result = build(out=toy_copy.out, notebooks_dir=toy_copy.notebooks, editions=paths.EDITIONS, log=Log())
    assert result.failed == ["02-beta [fr]"]  # the refused kernel makes it fail: it was out of date


def test_outputs_the_build_did_not_write_are_stale(toy_copy: Toy, no_kernel: None) -> None:
    """A run in JupyterLab, saved, changes the outputs (and maybe figures): the next build redoes them."""
    path = toy_copy.out / "notebooks" / "en" / "01-alpha.ipynb"
    nb = nbformat.read(path, as_version=4)
    next(c for c in nb.cells if c.get("outputs")).outputs[0]["text"] = "run by hand\n"
    nbformat.write(nb, path)
    (toy_copy.out / "figures" / "beta-bars.png").write_bytes(b"\x89PNG other bytes")
    result = build(out=toy_copy.out, notebooks_dir=toy_copy.notebooks, editions=paths.EDITIONS, log=Log())
    assert sorted(result.failed) == ["01-alpha", "02-beta"]


def test_a_missing_page_of_a_current_run_is_rendered_without_a_kernel(toy_copy: Toy, no_kernel: None) -> None:
    (toy_copy.out / "reports" / "fr" / "01-alpha.html").unlink()
    log = Log()
    result = build(out=toy_copy.out, notebooks_dir=toy_copy.notebooks, editions=paths.EDITIONS, log=log)
    assert result.ok and result.built == []
    assert "page fr/01-alpha" in log
    assert snapshot(toy_copy.out) == toy_copy.files


def test_a_changed_cell_reruns_only_its_language_and_drops_an_old_figure(toy_copy: Toy) -> None:
    write_beta(toy_copy.sources, "beta-renamed")
    result = build(out=toy_copy.out, notebooks_dir=toy_copy.notebooks, editions=paths.EDITIONS, log=Log())
    assert sorted(result.built) == ["02-beta", "02-beta [fr]"]
    assert (toy_copy.out / "figures" / "beta-renamed.png").is_file()
    assert not (toy_copy.out / "figures" / "beta-bars.png").exists()
    assert not (toy_copy.out / "figures" / "fr" / "beta-more.svg").exists()
    alpha = "notebooks/en/01-alpha.ipynb"
    assert (toy_copy.out / alpha).read_bytes() == toy_copy.files[alpha]


def test_a_failing_notebook_writes_nothing_and_names_its_cell(toy_copy: Toy) -> None:
    write_alpha(toy_copy.sources, 'raise ValueError("boom")')
    write_beta(toy_copy.sources, "beta-other")  # succeeds, but must not be written either
    log = Log()
    result = build(out=toy_copy.out, notebooks_dir=toy_copy.notebooks, lang="fr", log=log)
    assert result.failed == ["01-alpha [fr]"] and result.built == []
    # the French notebook: its title, the parameters, the injected cell (not counted), then its cells
    assert "FAILED 01-alpha [fr] at cell 11: ValueError: boom" in log
    assert not any("Traceback" in line for line in log)
    assert snapshot(toy_copy.out) == toy_copy.files
    assert not list(toy_copy.out.parent.glob(".civicstats-build-*"))


def test_a_kernel_that_dies_before_its_first_cell_is_started_again(toy_copy: Toy, monkeypatch) -> None:
    """A kernel that loses the race for a port (another process bound it first) dies at startup: start another."""
    from civicstats.build import execute

    native = execute._kernel_manager()
    starts: list[int] = []

    class DiesOnce(native):
        def format_kernel_cmd(self, extra_arguments=None):
            starts.append(1)
            if len(starts) == 1:
                return [sys.executable, "-c", "raise SystemExit(1)"]
            return super().format_kernel_cmd(extra_arguments)

    monkeypatch.setattr(execute, "_kernel_manager", lambda: DiesOnce)
    write_notebook(toy_copy.sources / "03-gamma.ipynb", [  # a notebook that only starts its kernel
        nbformat.v4.new_code_cell('data = None\nlang = "en"', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell('print("once more")')])
    log = Log()
    result = build(out=toy_copy.out, notebooks_dir=toy_copy.notebooks, lang="en", jobs=1, log=log,
                   notebooks=["03-gamma"])
    assert result.ok and result.built == ["03-gamma"] and len(starts) == 2
    assert any(line.startswith("restarting the kernel of 03-gamma: RuntimeError") for line in log)


def test_two_notebooks_may_not_save_the_same_figure(toy_copy: Toy) -> None:
    write_notebook(toy_copy.sources / "03-gamma.ipynb", [
        nbformat.v4.new_code_cell('data = None\nlang = "en"', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import civicstats as cs\nimport matplotlib.pyplot as plt\n"
                                  "cs.save_figure(plt.figure(), 'beta-bars')")])
    log = Log()
    result = build(out=toy_copy.out, notebooks_dir=toy_copy.notebooks, log=log)
    assert result.failed == ["03-gamma"]
    assert "FAILED 03-gamma: figure 'beta-bars.png' is also saved by notebook '02-beta'" in log
    assert snapshot(toy_copy.out) == toy_copy.files


def test_a_build_in_place_writes_the_language_folders(toy_copy: Toy, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "REPORTS_DIR", tmp_path / "reports")
    monkeypatch.setattr(paths, "FIGURES_DIR", tmp_path / "figures")
    assert stale_notebooks(toy_copy.notebooks) == ["en/01-alpha", "fr/01-alpha", "en/02-beta", "fr/02-beta"]
    result = build(notebooks=["01-alpha"], notebooks_dir=toy_copy.notebooks, log=Log())
    assert result.built == ["01-alpha"]
    # same inputs, same bytes, wherever the outputs go
    assert (toy_copy.notebooks / "en" / "01-alpha.ipynb").read_bytes() == toy_copy.files["notebooks/en/01-alpha.ipynb"]
    assert (tmp_path / "reports" / "01-alpha.html").is_file()
    assert stale_notebooks(toy_copy.notebooks) == ["fr/01-alpha", "en/02-beta", "fr/02-beta"]


def test_parameters_are_injected_only_when_not_defaults(toy: Toy, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    # valid updated data (the build checks it first): one table, the rest from the shipped data
    (data / "participatory_budgets.csv").write_text("year,count,unit,source\n2025,500,communes,BEZ\n")
    out = tmp_path / "out"
    result = build(data=data, out=out, lang="fr", notebooks=["01-alpha"], notebooks_dir=toy.notebooks, log=Log())
    assert result.built == ["01-alpha [fr]"]
    cells = nbformat.read(out / "notebooks" / "fr" / "01-alpha.ipynb", as_version=4).cells
    injected = cells[2]
    assert cells[1].metadata.tags == ["parameters"] and injected.metadata.tags == ["injected-parameters"]
    assert f"data = {str(data)!r}" in injected.source and "lang = 'fr'" in injected.source
    assert any(o.get("text") == f"lang=fr data={data}\n" for c in cells for o in c.get("outputs", []))
    assert len(toy.notebook("01-alpha", "en").cells) == len(cells)  # English drops the French title, adds none


def test_a_notebook_without_parameters_cell_fails_when_parameters_are_given(tmp_path: Path, no_kernel: None) -> None:
    (tmp_path / "notebooks" / "source").mkdir(parents=True)
    write_notebook(tmp_path / "notebooks" / "source" / "plain.ipynb", [nbformat.v4.new_code_cell("1")])
    log = Log()
    result = build(out=tmp_path / "out", lang="fr", notebooks_dir=tmp_path / "notebooks", log=log)
    assert result.failed == ["plain [fr]"]
    assert log[0].startswith("FAILED plain [fr]: no code cell tagged 'parameters'")
    assert not (tmp_path / "out" / "notebooks").exists()


def test_usage_mistakes_are_usage_errors(toy: Toy, tmp_path: Path, no_kernel: None) -> None:
    with pytest.raises(UsageError, match="needs `out`"):
        build(data=tmp_path, notebooks_dir=toy.notebooks, log=Log())
    with pytest.raises(UsageError, match="no such notebook.*gamma"):
        build(out=tmp_path, notebooks=["gamma"], notebooks_dir=toy.notebooks, log=Log())
    with pytest.raises(UsageError, match="no edition in 'de'"):
        build(out=tmp_path, notebooks_dir=toy.notebooks, editions=["de"], log=Log())
    with pytest.raises(MissingFileError) as missing:
        build(data=tmp_path / "missing", out=tmp_path / "out", notebooks_dir=toy.notebooks, log=Log())
    assert isinstance(missing.value, FileNotFoundError) and missing.value.problems[0].code == "file.missing"


@pytest.mark.parametrize("out", [paths.DATA_DIR, paths.NOTEBOOKS_DIR / "other", paths.FIGURES_DIR, paths.ROOT],
                         ids=["data", "inside-notebooks", "figures", "project-root"])
def test_out_may_not_write_into_the_project(toy: Toy, tmp_path: Path, out: Path, no_kernel: None) -> None:
    with pytest.raises(OutputError, match="would write into"):
        build(data=tmp_path, out=out, notebooks_dir=toy.notebooks, log=Log())


def test_stale_notebooks_lists_what_changed(toy_copy: Toy) -> None:
    assert stale_notebooks(toy_copy.out / "notebooks") == []  # no sources there
    shutil.copytree(toy_copy.sources, toy_copy.out / "notebooks" / "source")
    assert stale_notebooks(toy_copy.out / "notebooks") == []
    write_beta(toy_copy.out / "notebooks" / "source", "beta-x")
    assert stale_notebooks(toy_copy.out / "notebooks") == ["en/02-beta", "fr/02-beta"]


def test_the_fingerprint_ignores_outputs_and_metadata_but_not_tags_nor_language() -> None:
    cell = {"cell_type": "code", "source": "1 + 1", "metadata": {}, "outputs": []}
    before = fingerprint.fingerprint({"cells": [cell]}, "en", "inputs")
    ran = {**cell, "outputs": [{"output_type": "stream", "text": "x"}], "execution_count": 7,
           "metadata": {"collapsed": True}}
    assert fingerprint.fingerprint({"cells": [ran], "metadata": {"x": 1}}, "en", "inputs") == before
    assert fingerprint.fingerprint({"cells": [{**cell, "metadata": {"tags": ["x"]}}]}, "en", "inputs") != before
    assert fingerprint.fingerprint({"cells": [cell]}, "fr", "inputs") != before
    assert fingerprint.fingerprint({"cells": [cell]}, "en", "other inputs") != before


def test_the_fingerprint_covers_the_data_read_and_only_that(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    table = data / "participatory_budgets.csv"

    def digest(source: Path) -> str:
        return fingerprint.inputs_digest(fingerprint.shared_files(source), [], {})

    table.write_text("year,count,unit,source\n2017,47,villes,BEZ\n")
    first = digest(data)
    table.write_text("year,count,unit,source\n2017,48,villes,BEZ\n")
    second = digest(data)
    assert second != first
    table.rename(data / "Participatory_Budgets.csv")
    assert digest(data) != second  # names count too
    (data / "Participatory_Budgets.csv").rename(table)
    assert digest(table) == digest(data)  # a file alone, or the folder that holds only it
    (data / "notes.bin").write_bytes(b"x" * 1000)  # never read, so never hashed
    assert digest(data) == second


def test_raw_files_a_notebook_declares_are_part_of_its_fingerprint(tmp_path: Path, monkeypatch) -> None:
    """Bug 5: notebook 06 reads raw files; editing one makes the notebook stale."""
    shipped = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, shipped)
    monkeypatch.setattr(paths, "DATA_DIR", shipped)
    monkeypatch.setattr(paths, "DATAPACKAGE", shipped / "datapackage.json")
    raw = {"metadata": {"civicstats": {"inputs": ["raw/geo/*.geojson", "../outside"]}}}
    assert fingerprint.declared_inputs(raw) == ["raw/geo/*.geojson"]  # never outside the data folder
    shared = fingerprint.shared_files(None)
    before = fingerprint.inputs_digest(shared, ["raw/geo/*.geojson"], {})
    assert fingerprint.inputs_digest(shared, [], {}) != before
    outline = next((shipped / "raw" / "geo").glob("*.geojson"))
    outline.write_bytes(outline.read_bytes() + b" ")
    assert fingerprint.inputs_digest(shared, ["raw/geo/*.geojson"], {}) != before
    committed = fingerprint.read_notebook(paths.SOURCES_DIR / "06-where-is-open-data.ipynb")
    assert "raw/geo/*.geojson" in fingerprint.declared_inputs(committed)


# --------------------------------------------------------------------------
# The environment: a clear message, before anything runs where possible


def test_an_out_that_is_a_file_is_refused_before_anything_runs(toy: Toy, tmp_path: Path, no_kernel: None) -> None:
    (tmp_path / "out").write_text("a file")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        build(out=tmp_path / "out", notebooks_dir=toy.notebooks, log=Log())
    (tmp_path / "out2").mkdir()
    (tmp_path / "out2" / "reports").write_text("a file where a folder goes")
    with pytest.raises(OutputError, match="reports is a file, not a folder"):
        build(out=tmp_path / "out2", notebooks_dir=toy.notebooks, log=Log(), force=True)


def test_an_out_inside_the_data_folder_is_refused(toy: Toy, data_copy: Path, no_kernel: None) -> None:
    for out in (data_copy, data_copy / "out"):
        with pytest.raises(OutputError, match="inside the data folder"):
            build(data=data_copy, out=out, notebooks_dir=toy.notebooks, log=Log())
    assert not (data_copy / "out").exists()


def test_an_out_inside_data_through_the_command_is_an_environment_error(data_copy: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "civicstats", "build", "--data", str(data_copy),
                           "--out", str(data_copy / "reports")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 4, proc.stderr
    assert "inside the data folder" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("code, words", [(30, "Read-only file system"), (13, "Permission denied")])
def test_an_unwritable_out_is_refused_before_any_notebook_runs(toy: Toy, tmp_path: Path, monkeypatch, no_kernel,
                                                               code: int, words: str) -> None:
    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(outputs.tempfile, "TemporaryFile", refuse)
    with pytest.raises(OutputError, match=f"cannot write the build's outputs in .*{words}.*nothing was run"):
        build(out=tmp_path / "out", notebooks_dir=toy.notebooks, log=Log(), force=True)
    assert not (tmp_path / "out" / "notebooks").exists()


def test_a_full_disk_is_refused_before_anything_runs_and_is_exit_4(toy: Toy, tmp_path: Path, monkeypatch,
                                                                    no_kernel, capsys) -> None:
    from civicstats.cli import main

    monkeypatch.setattr(outputs.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9, 1000))
    with pytest.raises(OutputError, match="only 1,000 bytes free"):
        build(out=tmp_path / "out", notebooks_dir=toy.notebooks, log=Log(), force=True)
    code = main(["build", "--out", str(tmp_path / "out2"), "--force"])
    err = capsys.readouterr().err
    assert code == 4 and "only 1,000 bytes free" in err and "internal error" not in err


def test_stale_staging_folders_of_killed_builds_are_removed(toy_copy: Toy, no_kernel: None) -> None:
    import time

    old = toy_copy.out / ".civicstats-build-abc"
    recent = toy_copy.out / ".civicstats-build-def"
    for folder in (old, recent):
        (folder / "figures").mkdir(parents=True)
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    (toy_copy.out / "figures" / "beta-bars.png").unlink()  # something to run (and fail: no kernel)
    build(out=toy_copy.out, notebooks_dir=toy_copy.notebooks, log=Log())
    assert not old.exists() and recent.exists()


def test_the_committed_notebooks_record_their_figures_and_outputs() -> None:
    """What the build wrote in place: each language, its figures under figures/ (or figures/LANG/)."""
    for lang in paths.EDITIONS:
        for path in sorted((paths.NOTEBOOKS_DIR / lang).glob("*.ipynb")):
            record = json.loads(path.read_text(encoding="utf-8"))["metadata"]["civicstats"]
            folder = paths.FIGURES_DIR if lang == "en" else paths.FIGURES_DIR / lang
            assert record["figures"] and all((folder / name).is_file() for name in record["figures"]), path


def test_a_markdown_cell_without_a_language_tag_is_named_in_a_warning(toy_copy: Toy, no_kernel: None) -> None:
    nb = nbformat.read(toy_copy.sources / "02-beta.ipynb", as_version=4)
    nb.cells.insert(2, nbformat.v4.new_markdown_cell("Forgotten tag."))
    nbformat.write(nb, toy_copy.sources / "02-beta.ipynb")
    log = Log()
    build(out=toy_copy.out, notebooks_dir=toy_copy.notebooks, log=log)
    assert [line for line in log if line.startswith("warning:")] == [
        "warning: 02-beta.ipynb, cell 3: a markdown cell without a language tag appears in every language's "
        "notebook; tag it lang-en or lang-fr"]


def test_a_chart_saved_outside_a_build_never_touches_the_committed_figures(tmp_path: Path, monkeypatch) -> None:
    import tempfile

    import matplotlib.pyplot as plt

    import civicstats as cs

    monkeypatch.delenv(paths.FIGURES_ENV, raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    before = {p: p.read_bytes() for p in paths.FIGURES_DIR.rglob("*.png")}
    fig = plt.figure()
    fig.subplots().bar(["a"], [1])
    written = cs.save_figure(fig, "open-data-waves", title="Bars", sources=["NL"], lang="fr")
    plt.close(fig)
    assert all(p.is_relative_to(tmp_path) for p in written)
    assert {p: p.read_bytes() for p in paths.FIGURES_DIR.rglob("*.png")} == before


def test_a_run_all_saved_in_jupyterlab_is_undone_by_the_next_build(toy_copy: Toy) -> None:
    """Issue 24: Lab's "run all" and save changed outputs and chart metadata, and the build called it current."""
    from nbclient import NotebookClient

    path = toy_copy.out / "notebooks" / "en" / "01-alpha.ipynb"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, kernel_name="python3").execute()  # as JupyterLab runs it: no build extension
    nbformat.write(nb, path)
    assert path.read_bytes() != toy_copy.files["notebooks/en/01-alpha.ipynb"]
    result = build(out=toy_copy.out, notebooks_dir=toy_copy.notebooks, editions=paths.EDITIONS, log=Log())
    assert result.built == ["01-alpha"]
    assert snapshot(toy_copy.out) == toy_copy.files


def test_a_data_warning_reaches_the_page_as_a_note_without_a_path(toy_copy: Toy) -> None:
    """Issue 22: a DataWarning was printed on the page as a Python warning line, with the machine's paths."""
    write_notebook(toy_copy.sources / "03-gamma.ipynb", [
        nbformat.v4.new_markdown_cell("# Gamma", metadata={"tags": ["lang-en"]}),
        nbformat.v4.new_markdown_cell("# Gamma", metadata={"tags": ["lang-fr"]}),
        nbformat.v4.new_code_cell('data = None\nlang = "en"', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import warnings\nimport civicstats as cs\nimport matplotlib.pyplot as plt\n"
                                  "warnings.warn(cs.DataWarning('/home/ana/exports/odf-2022-04.csv: 3 left out'))\n"
                                  "cs.save_figure(plt.figure(), 'gamma')")])
    result = build(out=toy_copy.out, notebooks_dir=toy_copy.notebooks, lang="fr", log=Log(), notebooks=["03-gamma"])
    assert result.ok, result
    for lang, note in (("fr", "Remarque sur les données :"),):
        import re

        page = re.sub(r"<details.*?</details>", "", toy_copy.page("03-gamma", lang), flags=re.S)  # the code aside
        assert note in page and "odf-2022-04.csv: 3 left out" in page
        assert "/home/ana" not in page and "Warning" not in page and "/civicstats/" not in page
        assert "Remarque :" in page  # the chart's own warning (no source), as a note in the page's language


def test_a_build_on_other_data_says_what_it_was_built_from_on_every_page(toy: Toy, tmp_path: Path) -> None:
    """Issue 22: a published copy did not say which file it was built from, nor which tables came from it."""
    data = tmp_path / "update-2025-06-30"
    data.mkdir()
    (data / "participatory_budgets.csv").write_text("year,count,unit,source\n2025,500,communes,BEZ\n")
    out = tmp_path / "out"
    result = build(data=data, out=out, notebooks=["02-beta"], notebooks_dir=toy.notebooks, log=Log(),
                   editions=paths.EDITIONS)
    assert result.ok, result
    for page in ("02-beta.html", "index.html", "fr/02-beta.html", "fr/index.html"):
        text = (out / "reports" / page).read_text(encoding="utf-8")
        assert 'class="cs-built-from"' in text and "update-2025-06-30" in text, page
        assert str(tmp_path) not in text.split("<details")[0], page  # its name, never its path
    english = (out / "reports" / "index.html").read_text(encoding="utf-8")
    assert "participatory_budgets read from it" in english and "taken from the shipped data" in english
    assert "repris des données livrées" in (out / "reports" / "fr" / "index.html").read_text(encoding="utf-8")
    assert 'class="cs-built-from"' not in toy.page("02-beta")  # the shipped data: no note
