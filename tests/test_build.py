"""Tests of civicstats.build on tiny throwaway notebooks.

The notebooks are written here with nbformat and need nothing from the rest of
the package. Kernels are slow to start, so one build is shared by the whole
run (both xdist workers): tests that change sources or outputs work on a copy
of it.
"""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from civicstats import build as build_module
from civicstats import paths
from civicstats.build import build, fingerprint, stale_notebooks
from tests.conftest import Log, made_once, refuse_kernels, snapshot

PARAMETERS = 'data = None\nlang = "en"'
FIGURE_CODE = """\
import os
from pathlib import Path
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(2, 2))
ax.plot([1, 2, 3])
fig.savefig(Path(os.environ["CIVICSTATS_FIGURES_DIR"]) / "{name}")"""


def write_notebook(path: Path, *sources: str, markdown: str | None = None) -> None:
    """A notebook: optional markdown, the parameters cell, then code cells."""
    cells = [new_markdown_cell(markdown)] if markdown else []
    cells.append(new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}))
    cells += [new_code_cell(source) for source in sources]
    nb = new_notebook(cells=cells)
    for index, cell in enumerate(nb.cells):
        cell.id = f"c{index}"
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def write_alpha(folder: Path, *extra: str) -> None:
    write_notebook(
        folder / "alpha.ipynb",
        'print(f"lang={lang} data={data}")',
        "1 + 1",
        *extra,
        markdown="# Alpha",
    )


def write_beta(folder: Path, figure: str = "beta-line.png") -> None:
    write_notebook(folder / "beta.ipynb", FIGURE_CODE.format(name=figure))


@dataclass
class Built:
    notebooks: Path
    out: Path
    result: build_module.BuildResult
    log: Log
    files: dict[str, bytes]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """alpha and beta, built once per test run (shared by the xdist workers: ``made_once``). Read only."""
    def make(root: Path) -> None:
        notebooks = root / "notebooks"
        notebooks.mkdir()
        write_alpha(notebooks)
        write_beta(notebooks)
        log = Log()
        result = build(out=root / "out", notebooks_dir=notebooks, log=log, jobs=2)
        (root / "built.pickle").write_bytes(pickle.dumps((result, list(log), snapshot(root / "out"))))

    root = made_once(tmp_path_factory, "test_build-built", make)
    result, log, files = pickle.loads((root / "built.pickle").read_bytes())
    return Built(root / "notebooks", root / "out", result, Log(log), files)


@pytest.fixture
def copy(built: Built, tmp_path: Path) -> Built:
    """A private copy of the module's build, free to change."""
    shutil.copytree(built.notebooks, tmp_path / "notebooks")
    shutil.copytree(built.out, tmp_path / "out")
    return Built(tmp_path / "notebooks", tmp_path / "out", built.result, Log(), built.files)


@pytest.fixture
def no_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_kernels(monkeypatch)


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def test_cold_build_writes_notebooks_reports_and_figures(built: Built) -> None:
    assert built.result.ok
    assert built.result.built == ["alpha", "beta"]
    assert {"started alpha", "started beta"} <= set(built.log)
    assert any(line.startswith("done alpha in ") and line.endswith(" s") for line in built.log)
    alpha = read(built.out / "notebooks" / "alpha.ipynb")
    assert alpha.cells[2].outputs[0].text == "lang=en data=None\n"
    assert alpha.cells[3].outputs[0].data["text/plain"] == "2"
    assert alpha.metadata.kernelspec.name == "python3"
    assert alpha.metadata.language_info.name == "python"
    beta = read(built.out / "notebooks" / "beta.ipynb")
    assert beta.metadata.civicstats.figures == ["beta-line.png"]
    assert beta.metadata.civicstats.fingerprint == fingerprint(built.notebooks / "beta.ipynb")
    assert (built.out / "figures" / "beta-line.png").read_bytes().startswith(b"\x89PNG")
    assert "lang=en data=None" in (built.out / "reports" / "alpha.html").read_text()
    assert (built.out / "reports" / "beta.html").is_file()


def test_written_notebooks_are_clean_and_end_with_a_newline(built: Built) -> None:
    text = (built.out / "notebooks" / "alpha.ipynb").read_text()
    assert text.endswith("}\n")
    assert "papermill" not in text and '"execution"' not in text
    cells = read(built.out / "notebooks" / "alpha.ipynb").cells
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in cells)
    assert not list(built.out.parent.glob(".civicstats-build-*"))  # staging cleaned


def test_rebuilding_gives_byte_identical_outputs(copy: Built) -> None:
    result = build(out=copy.out, notebooks_dir=copy.notebooks, log=copy.log, force=True)
    assert result.built == ["alpha", "beta"]
    assert snapshot(copy.out) == copy.files


def test_warm_build_skips_everything_without_a_kernel(built: Built, no_kernel: None) -> None:
    log = Log()
    result = build(out=built.out, notebooks_dir=built.notebooks, log=log)
    assert result.ok and result.built == [] and result.skipped == ["alpha", "beta"]
    assert log == ["up to date alpha", "up to date beta"]
    assert snapshot(built.out) == built.files


def test_warm_build_imports_nothing_heavy(built: Built) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from civicstats.build import build
        notebooks = Path({str(built.notebooks)!r})
        result = build(out={str(built.out)!r}, notebooks_dir=notebooks, log=lambda _: None)
        heavy = ("nbformat", "nbclient", "nbconvert", "jupyter_client", "zmq")
        heavy = sorted(m for m in heavy if m in sys.modules)
        print(result.skipped, heavy)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=paths.ROOT
    )
    assert run.stdout.strip() == "['alpha', 'beta'] []"


def test_missing_figure_rebuilds_that_notebook(copy: Built, no_kernel: None) -> None:
    (copy.out / "figures" / "beta-line.png").unlink()
    result = build(out=copy.out, notebooks_dir=copy.notebooks, log=copy.log)
    # the refused kernel makes it fail, which proves it was out of date
    assert result.failed == ["beta"] and result.skipped == ["alpha"]


def test_missing_report_of_a_current_notebook_is_rendered_without_a_kernel(copy: Built, no_kernel: None) -> None:
    # a fresh clone: executed notebooks and figures committed, reports/ not
    (copy.out / "reports" / "alpha.html").unlink()
    log = Log()
    result = build(out=copy.out, notebooks_dir=copy.notebooks, log=log)
    assert result.ok and result.skipped == ["alpha", "beta"]
    assert log == ["up to date alpha (HTML rendered)", "up to date beta"]
    assert snapshot(copy.out) == copy.files


def test_changed_cell_rebuilds_only_that_notebook_and_drops_its_old_figure(copy: Built) -> None:
    write_beta(copy.notebooks, figure="beta-renamed.png")
    result = build(out=copy.out, notebooks_dir=copy.notebooks, log=copy.log)
    assert result.built == ["beta"] and result.skipped == ["alpha"]
    assert "up to date alpha" in copy.log
    assert (copy.out / "figures" / "beta-renamed.png").is_file()
    assert not (copy.out / "figures" / "beta-line.png").exists()
    alpha = (copy.out / "notebooks" / "alpha.ipynb").read_bytes()
    assert alpha == copy.files["notebooks/alpha.ipynb"]


def test_failing_notebook_writes_nothing(copy: Built) -> None:
    # cell 5: after the markdown, the parameters and two code cells
    write_alpha(copy.notebooks, 'raise ValueError("boom")')
    write_beta(copy.notebooks, figure="beta-other.png")  # succeeds, but must not be written either
    result = build(out=copy.out, notebooks_dir=copy.notebooks, log=copy.log)
    assert not result.ok
    assert result.failed == ["alpha"] and result.built == []
    assert "FAILED alpha at cell 5: ValueError: boom" in copy.log
    assert not any("Traceback" in line for line in copy.log)
    assert snapshot(copy.out) == copy.files
    assert not list(copy.out.parent.glob(".civicstats-build-*"))


def test_failure_counts_cells_of_the_source_not_the_injected_one(copy: Built) -> None:
    write_alpha(copy.notebooks, 'raise ValueError("boom")')
    result = build(
        out=copy.out, notebooks_dir=copy.notebooks, lang="fr", notebooks=["alpha"], log=copy.log
    )
    assert result.failed == ["alpha"]
    assert "FAILED alpha at cell 5: ValueError: boom" in copy.log


def test_two_notebooks_may_not_save_the_same_figure(copy: Built) -> None:
    write_notebook(copy.notebooks / "gamma.ipynb", FIGURE_CODE.format(name="beta-line.png"))
    result = build(out=copy.out, notebooks_dir=copy.notebooks, log=copy.log)
    assert result.failed == ["gamma"] and result.skipped == ["alpha", "beta"]
    assert "FAILED gamma: figure 'beta-line.png' is also saved by notebook 'beta'" in copy.log
    assert snapshot(copy.out) == copy.files


def test_build_in_place_replaces_the_source(
    copy: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paths, "REPORTS_DIR", tmp_path / "reports")
    monkeypatch.setattr(paths, "FIGURES_DIR", tmp_path / "figures")
    assert stale_notebooks(copy.notebooks) == ["alpha", "beta"]
    result = build(notebooks=["alpha"], notebooks_dir=copy.notebooks, log=copy.log)
    assert result.built == ["alpha"]
    # same inputs, same bytes, wherever the outputs go
    assert (copy.notebooks / "alpha.ipynb").read_bytes() == copy.files["notebooks/alpha.ipynb"]
    assert (tmp_path / "reports" / "alpha.html").is_file()
    assert stale_notebooks(copy.notebooks) == ["beta"]
    refuse_kernels(monkeypatch)
    again = build(notebooks=["alpha"], notebooks_dir=copy.notebooks, log=copy.log)
    assert again.skipped == ["alpha"] and again.ok


def test_parameters_are_injected_only_when_not_defaults(built: Built, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    # valid updated data (the build checks it first): one table, the rest from the shipped data
    (data / "participatory_budgets.csv").write_text("year,count,unit,source\n2025,500,communes,BEZ\n")
    out = tmp_path / "out"
    result = build(
        data=data, out=out, lang="fr", notebooks=["alpha"], notebooks_dir=built.notebooks,
        log=Log(),
    )
    assert result.built == ["alpha"]
    cells = read(out / "notebooks" / "alpha.ipynb").cells
    assert cells[1].metadata.tags == ["parameters"]
    assert cells[2].metadata.tags == ["injected-parameters"]
    assert f"data = {str(data)!r}" in cells[2].source and "lang = 'fr'" in cells[2].source
    assert cells[3].outputs[0].text == f"lang=fr data={data}\n"
    # the default build injected nothing
    default_cells = read(built.out / "notebooks" / "alpha.ipynb").cells
    assert len(default_cells) == len(cells) - 1


def test_data_needs_an_out_folder(built: Built, tmp_path: Path, no_kernel: None) -> None:
    with pytest.raises(ValueError, match="needs `out`"):
        build(data=tmp_path, notebooks_dir=built.notebooks, log=Log())


@pytest.mark.parametrize(
    "out",
    [paths.DATA_DIR, paths.NOTEBOOKS_DIR / "other", paths.FIGURES_DIR, paths.ROOT],
    ids=["data", "inside-notebooks", "figures", "project-root"],
)
def test_out_may_not_write_into_the_project(
    built: Built, tmp_path: Path, out: Path, no_kernel: None
) -> None:
    with pytest.raises(ValueError, match="would write into"):
        build(data=tmp_path, out=out, notebooks_dir=built.notebooks, log=Log())


def test_unknown_notebook_name_is_an_error(built: Built, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such notebook.*gamma"):
        build(out=tmp_path, notebooks=["gamma"], notebooks_dir=built.notebooks, log=Log())


def test_stale_notebooks_reports_changed_sources(copy: Built) -> None:
    committed = copy.out / "notebooks"  # executed notebooks, as if committed
    assert stale_notebooks(committed) == []
    nb = read(committed / "alpha.ipynb")
    nb.cells[2].source += "  # edited"
    nbformat.write(nb, committed / "alpha.ipynb")
    assert stale_notebooks(committed) == ["alpha"]
    assert stale_notebooks(copy.notebooks) == ["alpha", "beta"]  # never built in place


def test_fingerprint_ignores_outputs_and_metadata_but_not_tags(tmp_path: Path) -> None:
    path = tmp_path / "n.ipynb"
    write_notebook(path, "1 + 1")
    before = fingerprint(path)
    nb = read(path)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="x")]
    nb.cells[1].execution_count = 7
    nb.cells[1].metadata["collapsed"] = True
    nb.metadata["civicstats"] = {"fingerprint": "old", "figures": []}
    nbformat.write(nb, path)
    assert fingerprint(path) == before
    nb.cells[1].metadata["tags"] = ["hide-input"]
    nbformat.write(nb, path)
    assert fingerprint(path) != before
    assert fingerprint(path, lang="fr") != fingerprint(path)


def test_fingerprint_covers_the_data(tmp_path: Path) -> None:
    path = tmp_path / "n.ipynb"
    write_notebook(path, "1 + 1")
    data = tmp_path / "data"
    data.mkdir()
    table = data / "participatory_budgets.csv"
    table.write_text("year,count,unit,source\n2017,47,villes,BEZ\n")
    first = fingerprint(path, data=data)
    table.write_text("year,count,unit,source\n2017,48,villes,BEZ\n")
    assert fingerprint(path, data=data) != first
    second = fingerprint(path, data=data)
    table.rename(data / "Participatory_Budgets.csv")
    assert fingerprint(path, data=data) != second  # names count too
    (data / "Participatory_Budgets.csv").rename(table)
    # a file alone, or the folder that holds only it: same names, same bytes
    assert fingerprint(path, data=table) == fingerprint(path, data=data)
    # a file that is no table is never read, so never hashed (issue 9, bug 5)
    (data / "notes.bin").write_bytes(b"x" * 1000)
    assert fingerprint(path, data=data) == second
    with pytest.raises(FileNotFoundError):
        fingerprint(path, data=tmp_path / "missing")


def test_notebook_without_parameters_cell_fails_when_parameters_are_given(
    tmp_path: Path, no_kernel: None
) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = new_notebook(cells=[new_code_cell("1")])
    nbformat.write(nb, notebooks / "plain.ipynb")
    log = Log()
    result = build(out=tmp_path / "out", lang="fr", notebooks_dir=notebooks, log=log)
    assert result.failed == ["plain"]
    assert log[0].startswith("FAILED plain: no code cell tagged 'parameters'")
    assert json.loads((notebooks / "plain.ipynb").read_text())["cells"][0]["outputs"] == []
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------
# The environment (issue 13): a clear message and exit 1 (2 for usage), before anything runs where possible


def test_out_that_is_a_file_is_refused_before_anything_runs(built: Built, tmp_path: Path, no_kernel: None) -> None:
    (tmp_path / "out").write_text("a file")
    with pytest.raises(ValueError, match="is a file, not a folder"):
        build(out=tmp_path / "out", notebooks_dir=built.notebooks, log=Log())
    (tmp_path / "out2").mkdir()
    (tmp_path / "out2" / "reports").write_text("a file where a folder goes")
    with pytest.raises(build_module.OutputError, match="reports is a file, not a folder"):
        build(out=tmp_path / "out2", notebooks_dir=built.notebooks, log=Log(), force=True)


def test_out_inside_the_data_folder_is_refused(built: Built, data_copy: Path, no_kernel: None) -> None:
    for out in (data_copy, data_copy / "out"):
        with pytest.raises(ValueError, match="inside the data folder"):
            build(data=data_copy, out=out, notebooks_dir=built.notebooks, log=Log())
    assert not (data_copy / "out").exists()


def test_out_inside_data_through_the_command_is_usage(data_copy: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "civicstats", "build", "--data", str(data_copy),
                           "--out", str(data_copy / "reports")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "inside the data folder" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("code, words", [(30, "Read-only file system"), (13, "Permission denied")])
def test_an_unwritable_out_is_refused_before_any_notebook_runs(built: Built, tmp_path: Path, monkeypatch, no_kernel,
                                                               code: int, words: str) -> None:
    import os

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(build_module.tempfile, "TemporaryFile", refuse)
    with pytest.raises(build_module.OutputError, match=f"cannot write the build's outputs in .*{words}.*nothing was run"):
        build(out=tmp_path / "out", notebooks_dir=built.notebooks, log=Log(), force=True)
    assert not (tmp_path / "out").exists()


def test_a_full_disk_while_staging_writes_nothing_and_says_so(copy: Built, monkeypatch) -> None:
    import errno
    import os

    real = Path.write_bytes

    def full(self: Path, data: bytes) -> int:
        if build_module.STAGING_PREFIX in str(self):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(build_module.OutputError, match="No space left on device.*earlier outputs are unchanged"):
        build(out=copy.out, notebooks_dir=copy.notebooks, log=Log(), force=True, notebooks=["alpha"])
    assert snapshot(copy.out) == copy.files
    assert not list(copy.out.parent.glob(".civicstats-build-*")) and not list(copy.out.glob(".civicstats-build-*"))


def test_a_full_disk_is_exit_1_with_a_message(built: Built, tmp_path: Path, monkeypatch, no_kernel, capsys) -> None:
    import errno
    import os

    from civicstats.cli import main

    monkeypatch.setattr(build_module.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9, 1000))
    with pytest.raises(build_module.OutputError, match="only 1,000 bytes free"):
        build(out=tmp_path / "out", notebooks_dir=built.notebooks, log=Log(), force=True)

    def full(*args, **kwargs):
        raise build_module.OutputError(errno.ENOSPC, "cannot write the build's outputs in x: " + os.strerror(errno.ENOSPC))

    monkeypatch.setattr(build_module, "_check_writable", full)  # the shipped notebooks never start
    code = main(["build", "--out", str(tmp_path / "out2"), "--force"])
    err = capsys.readouterr().err
    assert code == 1 and "No space left on device" in err and "internal error" not in err


def test_stale_staging_folders_of_killed_builds_are_removed(copy: Built, no_kernel: None) -> None:
    import os
    import time

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    parent = copy.out  # out exists: staging goes beside out/notebooks
    stale = parent / f".civicstats-build-{dead}-abc"
    old = parent / ".civicstats-build-xyz"  # named before process ids were recorded
    live = parent / f".civicstats-build-{os.getpid()}-def"
    for folder in (stale, old, live):
        (folder / "notebooks").mkdir(parents=True)
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    result = build(out=copy.out, notebooks_dir=copy.notebooks, log=Log())
    assert result.ok and not result.built
    assert not stale.exists() and not old.exists() and live.exists()
