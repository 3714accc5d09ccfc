"""Build the notebooks, figures and reports: plan, fingerprint, execute, write, render.

``build()`` executes each source notebook of ``notebooks/source/`` once per
language (:mod:`~civicstats.build.plan`), skipping the runs whose recorded
fingerprint still matches their inputs (:mod:`~civicstats.build.fingerprint`),
runs the others with plain nbclient, several kernels at once
(:mod:`~civicstats.build.execute`), writes every output atomically
(:mod:`~civicstats.build.outputs`), and renders the site (:mod:`civicstats.site`).
It is all-or-nothing: if any run fails, nothing is written.

Example, from a script::

    from civicstats.build import build
    result = build()                                  # shipped data, in place
    result = build(data="other.csv", out="/tmp/run")  # other data, elsewhere

>>> BuildResult(built=["survey"], skipped=["context"], failed=[]).ok
True
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from civicstats import paths
from civicstats.build import fingerprint, outputs, plan
from civicstats.errors import DataError, MissingFileError, Problem, UsageError
from civicstats.files import read_executed, write_atomic

__all__ = ["BuildResult", "build", "stale_notebooks"]

#: Kernels run at once by default, per core: a kernel is not busy all the time (starting, waiting, stopping).
KERNELS_PER_CORE = 2


@dataclass
class BuildResult:
    """What a build did: run labels (``NAME`` or ``NAME [fr]``) in each list.

    >>> BuildResult(built=[], skipped=["survey"], failed=["context"]).ok
    False
    """

    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no run failed."""
        return not self.failed


def build(data: str | Path | None = None, out: str | Path | None = None, lang: str = paths.EDITIONS[0],
          jobs: int | None = None, force: bool = False, notebooks: Sequence[str] | None = None,
          log: Callable[[str], None] = print, notebooks_dir: Path = paths.NOTEBOOKS_DIR,
          editions: Sequence[str] | None = None) -> BuildResult:
    """Execute the runs that are out of date, write their outputs, and render the reports.

    With ``out=None`` (shipped data, a checkout only) executed notebooks go to
    ``notebooks/LANG/``, figures to ``figures/`` (``figures/LANG/`` for other
    languages) and pages to ``reports/``; with ``out``, into ``out/notebooks``,
    ``out/figures`` and ``out/reports``. ``out`` is required with ``data``.
    ``notebooks`` selects sources by stem; ``editions`` the languages (default:
    ``lang`` only); ``force`` reruns what is up to date. One line per run goes
    through ``log``: ``started``, ``done NAME in 3.2 s``, ``up to date NAME`` or
    ``FAILED NAME at cell N: Error: message``. ``data`` is checked first:
    invalid data raises :class:`~civicstats.errors.DataError` before anything runs.
    """
    notebooks_dir = Path(notebooks_dir).expanduser().resolve()
    data_path = None if data is None else Path(data).expanduser().resolve()
    if data_path is not None and not data_path.exists():
        raise MissingFileError([Problem(str(data), None, None, None, None, code="file.missing")])
    if data_path is not None and out is None:
        raise UsageError("a build on other data needs `out` (--out FOLDER): the project's notebooks and figures "
                         "are built from the shipped data only")
    out_path = None if out is None else Path(out).expanduser().resolve()
    where = plan.targets(out_path, notebooks_dir)
    if out_path is not None:
        plan.check_out(out_path, where, (*paths.protected_dirs(), notebooks_dir), data_path)
    if jobs is not None and jobs < 1:
        raise UsageError(f"jobs must be at least 1, not {jobs}")
    provenance = None if data_path is None else _check_data(data_path, log)
    languages = plan.editions(lang, editions)
    sources_dir = notebooks_dir / "source"
    runs = _runs(plan.select(sources_dir, notebooks), languages, data_path, where, log)
    result = BuildResult()
    todo = []
    for run in runs:
        if not force and _current(run, where):
            result.skipped.append(run.label)
            log(f"up to date {run.label}")
        else:
            todo.append(run)
    if todo:
        _run_and_write(todo, data_path, where, notebooks_dir, jobs, log, result)
        if not result.ok:
            return result
    from civicstats import site

    site.publish(where, languages, plan.select(sources_dir, None), data_path, log, provenance)
    return result


def stale_notebooks(notebooks_dir: Path = paths.NOTEBOOKS_DIR) -> list[str]:
    """Executed notebooks (``LANG/NAME``) whose recorded fingerprint no longer matches their inputs.

    A committed notebook is built on the shipped data; one listed here was
    edited, or its data or the package changed, since the last build
    (``civicstats build`` fixes it). A missing executed notebook is stale too.
    """
    where = plan.Targets(notebooks_dir, paths.REPORTS_DIR, paths.FIGURES_DIR)
    runs = _runs(plan.select(notebooks_dir / "source", None), list(paths.EDITIONS), None, where, lambda line: None)
    return [run.key for run in runs if not _current(run, None)]


def _check_data(data: Path, log: Callable[[str], None]) -> dict[str, Any]:
    """Validate other data before any kernel starts (invalid data writes nothing); what the pages say of it."""
    import warnings

    from civicstats.check import check

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = check(data)
    for w in caught:
        log(f"warning: {w.message}")
    if not report.ok:
        raise DataError(report.problems)
    for line in report.summary_lines():
        log(line)
    from civicstats.analysis.waves import waves
    from civicstats.tables import load

    # the waves the data adds (an export's date, from its name, --as-of or its content): named when there is one
    added = sorted(set(waves(load("open_data_adopters", data))) - set(waves(load("open_data_adopters"))))
    return {"file": data.name, "as_of": added[0] if len(added) == 1 else None,
            "read": sorted(report.tables), "shipped": sorted(report.shipped)}


def _runs(sources: list[Path], languages: list[str], data: Path | None, where: plan.Targets,
          log: Callable[[str], None]) -> list[plan.Run]:
    cache: dict[Path, str] = {}
    shared = fingerprint.shared_files(data)
    runs = []
    for source in sources:
        raw = fingerprint.read_notebook(source)
        for number in plan.untagged_markdown(raw):
            log(f"warning: {source.name}, cell {number}: a markdown cell without a language tag appears in every "
                f"language's notebook; tag it {' or '.join(plan.LANG_TAG + e for e in paths.EDITIONS)}")
        inputs = fingerprint.inputs_digest(shared, fingerprint.declared_inputs(raw), cache)
        for lang in languages:
            done = read_executed(where.notebook(source.stem, lang))
            recorded, figures = fingerprint.recorded(done and done[0])
            run = plan.Run(source.stem, lang, source, fingerprint.fingerprint(raw, lang, inputs), recorded, figures)
            run.notebook = done  # what is in place, for _current
            runs.append(run)
    return runs


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _current(run: plan.Run, where: plan.Targets | None) -> bool:
    """The executed notebook in place records this fingerprint, its outputs and its figures as the build wrote them
    (figures in ``where``; None: not looked at)."""
    done, run.notebook = run.notebook, None
    if done is None or run.recorded != run.fingerprint:
        return False
    top, cells = done
    record = top["metadata"]["civicstats"]
    if record.get("outputs") != cells or not isinstance(record.get("figures"), dict):
        return False
    if where is None:
        return True
    folder = where.figures_of(run.lang)
    try:
        return all(_digest((folder / name).read_bytes()) == sha for name, sha in record["figures"].items())
    except OSError:
        return False


def _run_and_write(todo: list[plan.Run], data: Path | None, where: plan.Targets, notebooks_dir: Path,
                   jobs: int | None, log: Callable[[str], None], result: BuildResult) -> None:
    from civicstats.build import execute  # the Jupyter machinery: only when something runs

    parent = outputs.existing_parent(where.notebooks)
    outputs.remove_stale_staging(parent)
    outputs.check_writable(parent, where)
    staging = outputs.staging_folder(parent)
    try:
        for run in todo:
            execute.prepare(run, data)
            if run.error:
                log(f"FAILED {run.label}{run.error}")
        # the longest first (a larger source, more to run), so that no long run starts last and runs alone
        runnable = sorted((run for run in todo if not run.error), key=lambda run: -run.source.stat().st_size)
        workers = jobs or min(len(runnable) or 1, KERNELS_PER_CORE * (os.cpu_count() or 1))
        execute.execute_all(runnable, notebooks_dir / "source", staging, workers, log)
        _check_figure_owners(todo, where, log)
        result.failed = [run.label for run in todo if run.error]
        if result.failed:
            return
        for run in todo:  # figures, then notebooks: a notebook in place means its figures are too
            for name in run.figures:
                write_atomic(where.figures_of(run.lang) / name, (staging / "figures" / run.key / name).read_bytes())
        for run in todo:
            write_atomic(where.notebook(run.name, run.lang), _notebook_bytes(run, where))
        _remove_unsaved_figures(todo, where)
        result.built = [run.label for run in todo]
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _notebook_bytes(run: plan.Run, where: plan.Targets) -> bytes:
    """The executed notebook, normalised, recording its fingerprint, figures and outputs."""
    import nbformat

    from civicstats.build.execute import normalise

    folder = where.figures_of(run.lang)
    figures = {name: _digest((folder / name).read_bytes()) for name in run.figures}
    normalise(run.notebook, {"fingerprint": run.fingerprint, "figures": figures})
    written = nbformat.writes(run.notebook).encode("utf-8")
    # the digest of the cells as written, which read_executed recomputes: a run saved by hand changes it
    run.notebook.metadata["civicstats"]["outputs"] = _digest(written[:written.rfind(b'\n "metadata": ')])
    text = nbformat.writes(run.notebook)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def _owners(where: plan.Targets, lang: str, rebuilt: set[str]) -> dict[str, str]:
    """Figure name → notebook, for the executed notebooks of ``lang`` this build does not rebuild."""
    owners: dict[str, str] = {}
    for output in sorted((where.notebooks / lang).glob("*.ipynb")):
        if output.stem not in rebuilt:
            for name in fingerprint.recorded((read_executed(output) or ({},))[0])[1]:
                owners.setdefault(name, output.stem)
    return owners


def _check_figure_owners(todo: list[plan.Run], where: plan.Targets, log: Callable[[str], None]) -> None:
    """Fail a run that saves a figure another notebook of its language saves: they would overwrite each other."""
    for lang in {run.lang for run in todo}:
        owners = _owners(where, lang, {run.name for run in todo if run.lang == lang})
        for run in (r for r in todo if r.lang == lang and not r.error):
            for name in run.figures:
                if owners.setdefault(name, run.name) != run.name:
                    run.error = f": figure '{name}' is also saved by notebook '{owners[name]}'"
                    log(f"FAILED {run.label}{run.error}")
                    break


def _remove_unsaved_figures(todo: list[plan.Run], where: plan.Targets) -> None:
    """Remove the figures a rebuilt run recorded before but no longer saves, unless another notebook does."""
    for run in todo:
        kept = set(_owners(where, run.lang, set())) | set(run.figures)
        folder = where.figures_of(run.lang)
        for name in set(run.old_figures) - kept:
            old = folder / name
            if old.parent.resolve().is_relative_to(folder.resolve()):  # never through a link elsewhere
                old.unlink(missing_ok=True)
