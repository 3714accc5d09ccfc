"""Execute the project's notebooks: deterministic, parallel, cached, atomic.

Size (about 1,300 lines, a known debt): the fingerprints, the kernel pool,
the staging and atomic commit, and the editions share the ``_Job`` and
``_Targets`` state of one build, and every part must import only the standard
library at module level (a kernel imports this module); splitting it into a
``build/`` package (fingerprint, execute, stage, editions) is the next step.

``build()`` runs every notebook of ``notebooks/`` top to bottom in a fresh
kernel, several at once, and writes three things per notebook: the executed
notebook, its HTML rendering and the figures it saved. It is all-or-nothing:
outputs are staged in a temporary folder and moved into place only when every
notebook succeeded, so a failing cell never leaves half a build behind.

Each output notebook carries a fingerprint of everything its result depends on
(its cells, the data, the package's source, the language). A notebook whose
fingerprint, HTML and figures are all in place is skipped without starting a
kernel, which is why this module imports only the standard library at module
level: the Jupyter machinery is imported when something has to run.

Example, from the command line or a script::

    from civicstats.build import build
    result = build()                                  # shipped data, in place
    result = build(data="other.csv", out="/tmp/run")  # other data, elsewhere

>>> BuildResult(built=["survey"], skipped=["context"], failed=[]).ok
True
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from civicstats import paths

if TYPE_CHECKING:  # imported lazily at run time: a warm build must stay light
    from collections.abc import Coroutine

    from nbformat import NotebookNode

#: Bump to invalidate every fingerprint when the build's output format changes.
BUILD_FORMAT = 1
#: The kernel every notebook runs in: the ipykernel of the current interpreter.
KERNEL_NAME = "python3"
#: Kernels run at once by default, per core. A kernel is not busy all the time
#: (starting, waiting on its messages, shutting down), and with one per core
#: the last notebooks run alone on an otherwise idle machine: two per core
#: keep every core busy (5 notebooks on 2 cores: 8.4 s instead of 9.5 s).
KERNELS_PER_CORE = 2
#: Environment variable: when set (to anything), kernels are started from nothing, never forked.
NO_FORK_ENV = "CIVICSTATS_NO_FORK"
#: Seconds a single cell may run before the notebook fails.
CELL_TIMEOUT = 300
#: Tag of the cell that defines the notebook's parameters (papermill convention).
PARAMETERS_TAG = "parameters"
#: Tag of the cell the build inserts after it when parameters differ from defaults.
INJECTED_TAG = "injected-parameters"
#: Parameter defaults: what the ``parameters`` cell of every notebook sets.
DEFAULT_DATA: str | None = None
DEFAULT_LANG = "en"

#: Kernel environment that makes outputs the same on every machine and run:
#: a fixed hash seed (set and dict-of-str ordering), the inline backend so
#: charts are embedded even if the caller exported MPLBACKEND, and silence
#: for the debugger's frozen-modules warning on stderr.
_KERNEL_ENV = {
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}
#: Notebook and cell metadata that only records when or how a run happened.
_VOLATILE_NOTEBOOK_METADATA = ("papermill", "widgets")
_VOLATILE_CELL_METADATA = ("execution", "papermill", "ExecuteTime")
#: Output MIME types that embed random ids (ipywidgets' model ids).
_VOLATILE_MIME_TYPES = ("application/vnd.jupyter.widget-view+json",)
#: IPython extension every kernel loads (see civicstats.display.load_ipython_extension).
_KERNEL_EXTENSION = "civicstats.display"
_DEFAULT_KERNELSPEC = {
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
    "name": KERNEL_NAME,
}


@dataclass
class BuildResult:
    """What a build did, notebook names (stems) in each list.

    ``built`` lists the notebooks whose outputs were written; when any notebook
    fails nothing is written, so ``built`` is empty and ``failed`` says why.

    >>> BuildResult(built=[], skipped=["survey"], failed=["context"]).ok
    False
    """

    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no notebook failed."""
        return not self.failed


@dataclass(frozen=True)
class _Targets:
    """The three folders a build writes into."""

    notebooks: Path
    reports: Path
    figures: Path


@dataclass
class _Job:
    """One notebook to execute, and what the build learns about it."""

    name: str
    source: Path
    fingerprint: str
    old_figures: list[str]
    notebook: Any = None  # the prepared, then executed, NotebookNode
    injected_at: int | None = None  # index of the injected-parameters cell
    figures: list[str] = field(default_factory=list)
    html: bytes | None = None  # the HTML rendering, made as soon as the notebook has run
    error: str | None = None  # "at cell N: ErrorName: message" once failed
    # the report: which edition this run is for, and where its outputs go
    edition: str | None = None  # None: the run written to notebooks/; else a language of the site only
    targets: _Targets | None = None  # this run's folders (reports: its edition's folder)
    page: Any = None  # civicstats.site.Page
    nav: dict[str, Any] = field(default_factory=dict)
    recorded: str | None = None  # the fingerprint a previous build recorded for this run

    @property
    def key(self) -> str:
        """Unique among the runs of one build: the name, prefixed by a site-only edition."""
        return self.name if self.edition is None else f"{self.edition}/{self.name}"

    @property
    def label(self) -> str:
        return self.name if self.edition is None else f"{self.name} [{self.edition}]"


class _NotebookError(Exception):
    """A notebook could not be prepared, executed or rendered."""


# --------------------------------------------------------------------------
# Fingerprints: pure functions of the inputs, standard library only.
# --------------------------------------------------------------------------


def fingerprint(
    notebook_path: str | Path, data: str | Path | None = None, lang: str = DEFAULT_LANG
) -> str:
    """The sha256 that identifies one notebook's build from its inputs.

    It covers the notebook's cells (type, source and tags only: outputs,
    execution counts and other metadata do not count), the data (the schema
    and every table as :func:`civicstats.discover.discover` finds it in
    ``data`` — the tables it lacks taken from ``data/`` — and nothing else),
    every ``civicstats/**/*.py`` file, ``lang`` and :data:`BUILD_FORMAT`.

    >>> import json, tempfile
    >>> cell = {"cell_type": "code", "id": "a", "metadata": {}, "source": "1 + 1",
    ...         "outputs": [], "execution_count": None}
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     nb = Path(tmp) / "demo.ipynb"
    ...     _ = nb.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5,
    ...                                   "metadata": {}, "cells": [cell]}))
    ...     len(fingerprint(nb)), fingerprint(nb) == fingerprint(nb, lang="fr")
    (64, False)
    """
    data_path = None if data is None else _existing_data(data)
    return _fingerprint(_read_notebook_json(Path(notebook_path)), _inputs_digest(data_path, lang))


def stale_notebooks(notebooks_dir: Path = paths.NOTEBOOKS_DIR) -> list[str]:
    """Committed notebooks whose recorded fingerprint does not match their inputs.

    A committed notebook is built on the shipped data in the default language;
    one listed here was edited, or its data or the package changed, since the
    last build (``civicstats build`` fixes it).
    """
    inputs = _inputs_digest(None, DEFAULT_LANG)
    stale = []
    for source in sorted(Path(notebooks_dir).glob("*.ipynb")):
        raw = _read_notebook_json(source)
        if _recorded(raw)[0] != _fingerprint(raw, inputs):
            stale.append(source.stem)
    return stale


def _fingerprint(raw: dict[str, Any], inputs: str) -> str:
    """Combine a notebook's cells with the digest of everything else."""
    cells = [
        [cell.get("cell_type"), _text(cell.get("source", "")), sorted(_tags(cell))]
        for cell in raw.get("cells", [])
        if INJECTED_TAG not in _tags(cell)
    ]
    payload = json.dumps({"inputs": inputs, "cells": cells}, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _inputs_digest(data: Path | None, lang: str, files: tuple[str, str] | None = None) -> str:
    """Digest of what every notebook of one build shares: data, code, options.

    ``files`` is :func:`_files_digests` of ``data`` when the caller already
    has it (a build of several editions hashes the files once).
    """
    data_digest, code_digest = files or _files_digests(data)
    payload = {"format": BUILD_FORMAT, "lang": lang, "data": data_digest, "code": code_digest}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()


def _files_digests(data: Path | None) -> tuple[str, str]:
    """(digest of the data read, digest of the library code): what every edition of a build shares."""
    return _files_digest(_data_files(data)), _files_digest(_files_under(paths.PACKAGE_DIR, "*.py"))


def _data_files(data: Path | None) -> list[tuple[str, Path]]:
    """(name, path) of exactly the data a build reads: the schema, and every table as discovered.

    The tables ``data`` holds and those it lacks (taken from ``data/``), so
    that a build on other data is stale when a shipped table it uses
    changes; nothing else under ``data`` (an unrelated file there is never
    read, so never hashed).
    """
    from civicstats.discover import SHIPPED, discover

    files = [("schema", paths.DATAPACKAGE)]
    root = None if data is None else (data if data.is_dir() else data.parent)
    for name, parts in discover(data).parts.items():
        for part in parts:
            where = (f"data/{part.path.name}" if part.origin == SHIPPED
                     else f"source/{part.path.relative_to(root).as_posix() if root else part.path.name}")
            files.append((f"{name}:{part.kind}:{where}:{part.sheet or ''}", part.path))
    return files


def _files_under(root: Path, pattern: str = "*") -> list[tuple[str, Path]]:
    """(relative name, path) of every file under ``root``; ``root`` itself if a file."""
    if root.is_file():
        return [(root.name, root)]
    if not root.is_dir():
        return []
    return [(p.relative_to(root).as_posix(), p) for p in root.rglob(pattern) if p.is_file()]


def _files_digest(files: Iterable[tuple[str, Path]]) -> str:
    """sha256 over relative names and contents, in name order (a file named twice is read once)."""
    digest = hashlib.sha256()
    contents: dict[Path, str] = {}
    for name, path in sorted(files):
        if path not in contents:
            with path.open("rb") as handle:
                contents[path] = hashlib.file_digest(handle, "sha256").hexdigest()
        digest.update(f"{name}\0{contents[path]}\n".encode())
    return digest.hexdigest()


def _read_notebook_json(path: Path) -> dict[str, Any]:
    """A notebook as plain JSON: enough to fingerprint it without nbformat."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read notebook {path}: {error}") from error
    if not isinstance(raw, dict) or raw.get("nbformat") != 4:
        raise ValueError(f"{path} is not a version 4 Jupyter notebook")
    return raw


def _recorded(raw: dict[str, Any] | None) -> tuple[str | None, list[str]]:
    """The fingerprint and figure names a previous build stored in a notebook."""
    if raw is None:
        return None, []
    meta = raw.get("metadata", {}).get("civicstats", {})
    if not isinstance(meta, dict):
        return None, []
    figures = [f for f in meta.get("figures", []) if isinstance(f, str) and _is_safe(f)]
    return meta.get("fingerprint"), figures


def _text(source: str | list[str]) -> str:
    """Notebook JSON stores text as a string or as a list of lines."""
    return source if isinstance(source, str) else "".join(source)


def _tags(cell: dict[str, Any]) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _is_safe(name: str) -> bool:
    """A recorded figure name stays inside the figures folder."""
    pure = PurePosixPath(name)
    return bool(name) and not pure.is_absolute() and ".." not in pure.parts


# --------------------------------------------------------------------------
# The build.
# --------------------------------------------------------------------------


def build(
    data: str | Path | None = None,
    out: str | Path | None = None,
    lang: str = DEFAULT_LANG,
    jobs: int | None = None,
    force: bool = False,
    notebooks: Sequence[str] | None = None,
    log: Callable[[str], None] = print,
    notebooks_dir: Path = paths.NOTEBOOKS_DIR,
    editions: Sequence[str] | None = None,
) -> BuildResult:
    """Execute the notebooks that are out of date, and write their outputs.

    With ``out=None`` (shipped data) executed notebooks replace their sources,
    HTML goes to ``reports/`` and figures to ``figures/``. With ``out`` they go
    to ``out/notebooks``, ``out/reports`` and ``out/figures``; ``out`` is
    required with ``data`` and may not point into the project's own folders.
    ``notebooks`` selects notebooks by stem; ``force`` rebuilds up-to-date ones.

    One line per notebook goes through ``log``: ``started NAME``, ``done NAME
    in 3.2 s``, ``up to date NAME`` or ``FAILED NAME at cell N: Error: message``
    where N counts the cells of the source notebook from 1, markdown included.
    If any notebook fails, nothing is written and ``result.ok`` is False.

    The HTML reports form a small site (:mod:`civicstats.site`): one page per
    notebook and an index, for each language of ``editions`` (default: only
    ``lang``; ``civicstats build`` builds :data:`civicstats.site.EDITIONS`).
    The ``lang`` edition is rendered from the executed notebooks; every other
    edition is executed again with its own ``lang`` (logged as ``NAME [fr]``),
    its cells of other languages left out, and cached by fingerprint in the
    stamp of its page: only the reports and its figures are written.
    ``data`` is checked first: invalid data raises
    :class:`~civicstats.errors.DataError` before anything runs or is written.
    """
    from civicstats import uptodate

    notebooks_dir = Path(notebooks_dir).expanduser().resolve()
    data_path = None if data is None else _existing_data(data)
    # the inputs as they are before anything is read: recorded if the build succeeds (civicstats.uptodate)
    recorder = uptodate.Recorder(data_path, notebooks_dir, None if out is None else Path(out).expanduser().resolve())
    if data_path is not None and out is None:
        raise ValueError(
            "a build on other data needs `out`: the project's notebooks and figures "
            "are built from the shipped data only"
        )
    targets = _targets(out, notebooks_dir)
    if out is not None:
        _check_out(Path(out).expanduser().resolve(), targets, notebooks_dir, data_path)
    if jobs is not None and jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    if data_path is not None:
        _check_data(data_path, log)

    from civicstats import site

    result = BuildResult()
    _remove_stale_staging(_existing_parent(targets.notebooks))
    languages = _editions(lang, editions)
    selected = {source.stem for source in _select(notebooks_dir, notebooks)}
    sources = _select(notebooks_dir, None)
    raws = {source.stem: _read_notebook_json(source) for source in sources}
    navs = {
        edition: site.navigation([(s.stem, site.title_of(raws[s.stem], edition, s.stem)) for s in sources],
                                 languages)
        for edition in languages
    }
    files = _files_digests(data_path)  # hashed once for every edition
    inputs = {edition: _inputs_digest(data_path, edition, files) for edition in languages}
    decided: list[tuple[_Job, str]] = []
    for source in sources:
        if source.stem in selected:
            for edition in languages:
                job = _job(source, raws[source.stem], edition, lang, inputs[edition], targets,
                           navs[edition][source.stem])
                decided.append((job, _state(job, force)))
    todo = [job for job, state in decided if state == "run"]
    render: list[_Job] = []  # current runs whose page alone is redone, once the build has succeeded
    for job, state in decided:
        if state == "current":
            result.skipped.append(job.label)
            log(f"up to date {job.label}")
        elif state == "render":
            # executed and current (a fresh clone, or a neighbour's title changed): start no kernel
            result.skipped.append(job.label)
            if todo:
                render.append(job)
            else:
                _render_existing(job)
                log(f"up to date {job.label} (HTML rendered)")
    options = uptodate.options(data_path, recorder.out, lang, languages, notebooks)
    labels = [job.label for job, _ in decided]
    if not todo:
        _finish_site([], targets, languages, sources, data_path, log)
        recorder.record(options, labels, written=set())
        return result

    recorder.forget()

    staging_parent = _existing_parent(targets.notebooks)
    _check_writable(staging_parent, targets)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=staging_parent))
    except OSError as error:
        raise OutputError(_os_reason(error, staging_parent, "cannot create the build's staging folder in")) from None
    try:
        _execute_all(todo, data_path, lang, notebooks_dir, staging, jobs, log)
        _check_figure_owners(todo, targets, log)
        try:
            if not any(job.error for job in todo):
                _stage_outputs(todo, staging, log)
        except OSError as error:
            raise OutputError(_os_reason(error, staging_parent, "cannot write the build's outputs in")
                              + "; nothing was written, earlier outputs are unchanged") from None
        failed = [job.label for job in todo if job.error]
        if failed:
            result.failed = failed
            return result
        try:
            _commit(todo, staging, targets)
        except OSError as error:
            raise OutputError(_os_reason(error, targets.notebooks.parent, "cannot move the build's outputs into")
                              + "; some outputs may be new and others old: run the build again") from None
        result.built = [job.label for job in todo]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _finish_site(render, targets, languages, sources, data_path, log)
    recorder.record(options, labels, written={str(targets.notebooks / job.source.name) for job in todo
                                              if job.edition is None})
    return result


# --------------------------------------------------------------------------
# Editions of the reports (civicstats.site): which runs each notebook needs.
# --------------------------------------------------------------------------


def _editions(lang: str, editions: Sequence[str] | None) -> list[str]:
    """The languages to build, ``lang`` first; each must be one the site knows."""
    from civicstats.site import EDITIONS

    wanted = [lang] if editions is None else [lang, *(e for e in editions if e != lang)]
    unknown = [e for e in wanted if e not in EDITIONS]
    if unknown:
        raise ValueError(f"no edition in {', '.join(map(repr, unknown))}: the reports exist in "
                         f"{', '.join(EDITIONS)}")
    return list(dict.fromkeys(wanted))


def _job(source: Path, raw: dict[str, Any], edition: str, lang: str, inputs: str, targets: _Targets,
         nav: dict[str, Any]) -> _Job:
    """The run that makes one notebook's page of one edition, with what a previous build recorded."""
    from civicstats import site

    reports = site.edition_dir(targets.reports, edition)
    # a site-only edition depends only on its own cells: editing English prose does not rerun French
    fingerprint = _fingerprint(raw if edition == lang else site.edition_cells(raw, edition), inputs)
    if edition == lang:  # the run whose executed notebook is kept
        output = targets.notebooks / source.name
        recorded = _recorded(raw if output == source else _read_output(output))
        job = _Job(source.stem, source, fingerprint, recorded[1], recorded=recorded[0],
                   targets=_Targets(targets.notebooks, reports, targets.figures))
    else:
        stamp = site.read_stamp(reports / f"{source.stem}.html") or {}
        figures = [f for f in stamp.get("figures") or [] if isinstance(f, str) and _is_safe(f)]
        job = _Job(source.stem, source, fingerprint, figures, edition=edition, recorded=stamp.get("fingerprint"),
                   targets=_Targets(targets.notebooks, reports, reports / "figures"))
    job.nav = nav
    job.page = site.Page(source.stem, edition, site.title_of(raw, edition, source.stem),
                         fingerprint=fingerprint, key=site.page_key(fingerprint, nav))
    return job


def _state(job: _Job, force: bool) -> str:
    """"current" (nothing to do), "render" (page only, no kernel) or "run"."""
    from civicstats import site

    if force:
        return "run"
    assert job.targets is not None
    figures = all((job.targets.figures / name).is_file() for name in job.old_figures)
    if job.recorded != job.fingerprint or not figures:
        return "run"
    if (site.read_stamp(job.targets.reports / f"{job.name}.html") or {}).get("key") == job.page.key:
        return "current"
    return "render" if job.edition is None else "run"  # only the kept run can be rendered again


def _finish_site(render: list[_Job], targets: _Targets, languages: list[str], sources: list[Path],
                 data: Path | None, log: Callable[[str], None]) -> None:
    """After a successful build: render the pages of current runs that need it, then the indexes."""
    for job in render:
        _render_existing(job)
        log(f"up to date {job.label} (HTML rendered)")
    _write_indexes(targets, languages, sources, data, log)


def _write_indexes(targets: _Targets, languages: list[str], sources: list[Path], data: Path | None,
                   log: Callable[[str], None]) -> None:
    """Write each edition's index.html when a page it lists changed (read from the pages' stamps)."""
    from civicstats import site

    downloads = True
    for edition in languages:
        folder = site.edition_dir(targets.reports, edition)
        pages = []
        for source in sources:
            stamp = site.read_stamp(folder / f"{source.stem}.html")
            if stamp:
                pages.append(site.Page.from_stamp(stamp))
        key = site.index_key([p.key for p in pages], languages, None if data is None else str(data))
        if (site.read_stamp(folder / "index.html") or {}).get("key") == key:
            continue
        figures = _relative(targets.figures if edition == languages[0] else folder / "figures", folder)
        site.write_index(targets.reports, edition, pages, languages, key, data, figures,
                         downloads=downloads and data is None)
        downloads = False
        log(f"index {edition}: {len(pages)} reports")


def _relative(path: Path, start: Path) -> str:
    """``path`` relative to ``start`` as a URL path."""
    return Path(os.path.relpath(path, start)).as_posix()


#: Staging folders are named ``.civicstats-build-<pid>-<random>``, beside the outputs.
STAGING_PREFIX = ".civicstats-build-"
#: A staging folder older than this is stale whatever its process id says (ids are reused).
STALE_STAGING_SECONDS = 24 * 3600
#: Free space a build needs before it starts (its outputs take a few MB).
MIN_FREE_BYTES = 20 * 1024 * 1024


class OutputError(OSError):
    """The outputs cannot be written (a read-only folder, a full disk, ...): the environment, not the data."""


def _os_reason(error: OSError, folder: Path, doing: str) -> str:
    from civicstats.errors import escape

    reason = error.strerror or str(error)
    where = f" ({escape(error.filename)})" if error.filename and str(error.filename) != str(folder) else ""
    return f"{doing} {escape(folder)}: {reason}{where}"


def _remove_stale_staging(folder: Path) -> None:
    """Remove the staging folders that builds killed before their end left in ``folder``.

    A folder is stale when the process named in it is gone, or when it is
    older than :data:`STALE_STAGING_SECONDS`; a running build's is kept.
    """
    try:
        found = [p for p in folder.iterdir() if p.name.startswith(STAGING_PREFIX)]
    except OSError:
        return
    for staging in found:
        if staging.is_symlink() or not staging.is_dir():
            continue
        pid_text = staging.name[len(STAGING_PREFIX):].split("-", 1)[0]
        try:
            age = time.time() - staging.stat().st_mtime
        except OSError:
            continue
        alive = True  # this process's own (a build running in another thread)
        if pid_text.isdigit() and int(pid_text) != os.getpid():
            try:
                os.kill(int(pid_text), 0)
                alive = True
            except ProcessLookupError:
                alive = False
            except PermissionError:  # another user's live process
                alive = True
        elif not pid_text.isdigit():  # named before process ids were recorded
            alive = age < 3600
        if not alive or age > STALE_STAGING_SECONDS:
            shutil.rmtree(staging, ignore_errors=True)


def _check_writable(folder: Path, targets: _Targets) -> None:
    """Refuse, before any notebook runs, outputs that cannot be written: read-only, full, or files in the way."""
    for target in (targets.notebooks, targets.reports, targets.figures):
        for path in (target, *target.parents):
            if path == folder:
                break
            if path.exists() and not path.is_dir():
                raise OutputError(f"{_escaped(path)} is a file, not a folder: the build writes its outputs into "
                                  f"{_escaped(target)}; move the file or choose another --out")
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=f"{STAGING_PREFIX}probe-") as probe:
            probe.write(b"civicstats")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as error:
        raise OutputError(_os_reason(error, folder, "cannot write the build's outputs in")
                          + "; nothing was run, earlier outputs are unchanged") from None
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if free < MIN_FREE_BYTES:
        raise OutputError(f"cannot write the build's outputs in {_escaped(folder)}: only {free:,} bytes free on its "
                          f"disk, under the {MIN_FREE_BYTES:,} a build needs; nothing was run")


def _escaped(path: Path) -> str:
    from civicstats.errors import escape

    return escape(path)


def _check_data(data: Path, log: Callable[[str], None]) -> None:
    """Validate other data before any kernel starts: invalid data writes nothing.

    Raises :class:`~civicstats.errors.DataError` with every located problem.
    """
    import warnings

    from civicstats.check import check
    from civicstats.errors import DataError

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = check(data)
    for w in caught:
        log(f"warning: {w.message}")
    if not report.ok:
        raise DataError(report.problems)
    for line in report.summary_lines():
        log(line)


def _existing_data(data: str | Path) -> Path:
    path = Path(data).expanduser().resolve()
    if not path.exists():
        raise FileNotFoundError(f"data not found: {path}")
    return path


def _targets(out: str | Path | None, notebooks_dir: Path) -> _Targets:
    if out is None:
        if not paths.IN_CHECKOUT:
            raise ValueError("an installed civicstats builds into a folder of your own: give `out` (--out FOLDER); "
                             "the shipped notebooks and figures are rebuilt from a checkout of the repository")
        return _Targets(notebooks_dir, paths.REPORTS_DIR, paths.FIGURES_DIR)
    root = Path(out).expanduser().resolve()
    return _Targets(root / "notebooks", root / "reports", root / "figures")


def _check_out(out: Path, targets: _Targets, notebooks_dir: Path, data: Path | None = None) -> None:
    """Refuse an ``out`` whose outputs would land in the project's own folders, in ``data``, or outside ``out``.

    Outputs inside the data folder would be read back as data (and the next
    build never be up to date); ``out`` being a file is refused here, before
    anything runs.
    """
    from civicstats.errors import escape

    if out.exists() and not out.is_dir():
        raise ValueError(f"out={escape(out)} is a file, not a folder: choose a folder for the outputs")
    if data is not None and data.is_dir():
        written = (targets.notebooks, targets.reports, targets.figures)
        if out.is_relative_to(data) or any(data.is_relative_to(t.resolve()) for t in written):
            raise ValueError(f"out={escape(out)} is inside the data folder {escape(data)} (or the data inside a "
                             "folder the build writes): outputs would be read back as data and the next build "
                             "never be up to date; choose an output folder outside the data folder")
    protected = {p.resolve() for p in (*paths.protected_dirs(), paths.DATA_DIR, notebooks_dir)}
    for given in (out, targets.notebooks, targets.reports, targets.figures):
        path = given.resolve()  # where it points: out/figures may be a link to the project's figures/
        for folder in sorted(protected):
            if path == folder or path.is_relative_to(folder):
                raise ValueError(
                    f"out={out} would write into {folder}, which only the build on the "
                    "shipped data (out=None) may change; choose a folder outside the "
                    "project's data, notebooks and figures"
                )
        if not path.is_relative_to(out):
            raise ValueError(f"{given} is a link to {path}, outside out={out}: a build writes only inside "
                             "its out folder; remove the link or choose another folder")


def _select(notebooks_dir: Path, names: Sequence[str] | None) -> list[Path]:
    sources = sorted(notebooks_dir.glob("*.ipynb"))
    if names is None:
        return sources
    known = {source.stem for source in sources}
    unknown = sorted(set(names) - known)
    if unknown:
        raise ValueError(
            f"no such notebook in {notebooks_dir}: {', '.join(unknown)} "
            f"(available: {', '.join(sorted(known)) or 'none'})"
        )
    return [source for source in sources if source.stem in set(names)]


def _read_output(path: Path) -> dict[str, Any] | None:
    """A previously built notebook, or None if missing or unreadable."""
    try:
        return _read_notebook_json(path)
    except ValueError:
        return None


def _render_existing(job: _Job) -> None:
    """Render the page of an executed, up-to-date notebook, written atomically with mode 0644."""
    import nbformat

    from civicstats import site

    assert job.targets is not None
    node = nbformat.read(job.targets.notebooks / job.source.name, as_version=4)
    job.page.figures = list(job.old_figures)
    site.write_file(job.targets.reports / f"{job.name}.html", _render_html(node, job))


def _existing_parent(path: Path) -> Path:
    """The nearest existing folder above ``path``: staging shares its filesystem."""
    for parent in path.parents:
        if parent.is_dir():
            return parent
    return Path(tempfile.gettempdir())


# --------------------------------------------------------------------------
# Execution: one fresh kernel per notebook, several at once.
# --------------------------------------------------------------------------


def _execute_all(
    todo: list[_Job],
    data: Path | None,
    lang: str,
    cwd: Path,
    staging: Path,
    jobs: int | None,
    log: Callable[[str], None],
) -> None:
    """Prepare and execute every job, recording outputs or errors on the jobs."""
    for job in todo:
        try:
            job.notebook, job.injected_at = _prepare(job.source, data, job.page.lang if job.page else lang,
                                                     edition=job.edition)
        except _NotebookError as error:
            job.error = f": {error}"
            log(f"FAILED {job.label}{job.error}")
    runnable = [job for job in todo if not job.error]
    if runnable:
        workers = jobs or min(len(runnable), KERNELS_PER_CORE * (os.cpu_count() or 1))
        _run_async(_execute_concurrently(runnable, cwd, staging, workers, log, shipped=data is None))


def _kernel_env() -> dict[str, str]:
    """The environment every kernel of a build starts with (each adds its own figures folder)."""
    env = {**os.environ, **_KERNEL_ENV}
    env.setdefault("SOURCE_DATE_EPOCH", "0")  # matplotlib's SVG/PDF dates
    return env


def _start_fork_server(folder: Path, shipped: bool = False) -> Any:
    """A :class:`civicstats.forkserver.ForkServer` importing in the background, or None where kernels are not forked.

    ``shipped``: the build reads the shipped data only, which the server validates once for every kernel.
    """
    from civicstats import forkserver

    if not forkserver.available() or os.environ.get(NO_FORK_ENV):
        return None
    try:
        return forkserver.ForkServer(folder, _kernel_env(), preload=shipped)
    except OSError:
        return None


async def _execute_concurrently(
    todo: list[_Job], cwd: Path, staging: Path, workers: int, log: Callable[[str], None], *, shipped: bool = False
) -> None:
    """Run up to ``workers`` kernels at a time on one event loop.

    nbclient is asynchronous, so kernels run side by side from a single
    thread; each gets its own environment (hence its own figures folder).
    Each notebook is rendered to HTML as soon as it has run, in a worker
    thread, while the other kernels go on: rendering (and importing nbconvert,
    done while the first kernels start) no longer waits for the slowest
    notebook, and does not hold a kernel slot.
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    slots = asyncio.Semaphore(workers)
    loop = asyncio.get_running_loop()
    # import the kernel machinery here, before the renderer thread imports nbconvert: two threads
    # importing the same modules at once may see one half-initialised (a rare ImportError)
    native = _native_kernel_manager()
    import nbclient  # noqa: F401
    renderer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="civicstats-html")
    # kernels are forked from a server that imported what they all import (see civicstats.forkserver);
    # its socket lives in a short private folder (a Unix socket's path is limited to about 100 bytes)
    sockets = tempfile.mkdtemp(prefix="civicstats-kernels-")
    server = None
    forked: type | None = None
    tasks: list[asyncio.Task[None]] = []
    try:
        server = _start_fork_server(Path(sockets), shipped) if len(todo) > 1 else None
        renderer.submit(_html_exporter)  # import nbconvert and load its templates meanwhile
        if server is not None:
            if await loop.run_in_executor(None, server.wait_ready):
                forked = _forked_kernel_manager(server.socket)
            else:  # it could not start: every kernel starts from nothing, as without it
                server.stop()
                server = None

        def manager() -> type:
            """The forked kernels' manager while the server runs; if it died, kernels start from nothing."""
            return forked if forked is not None and server.process.poll() is None else native

        async def run(job: _Job) -> None:
            async with slots:
                figures = staging / "kernel-figures" / job.key
                figures.mkdir(parents=True)
                env = {**_kernel_env(), paths.FIGURES_ENV: str(figures)}
                log(f"started {job.label}")
                started = time.perf_counter()
                current: list[int | None] = [None]  # index of the cell being executed

                def on_cell(index: int) -> None:
                    current[0] = index

                try:
                    await _execute_notebook(job.notebook, cwd=cwd, env=env, on_cell=on_cell, manager=manager())
                except Exception as error:  # any failure fails this notebook, not the build
                    if asyncio.current_task().cancelling():  # type: ignore[union-attr]
                        # Ctrl-C: nbclient reports the cancelled cell as a dead kernel
                        raise asyncio.CancelledError from error
                    job.error = _describe_failure(error, current[0], job.injected_at)
                    log(f"FAILED {job.label}{job.error}")
                    return
                job.figures = sorted(name for name, _ in _files_under(figures))
                log(f"done {job.label} in {time.perf_counter() - started:.1f} s")
            await loop.run_in_executor(renderer, _render_job, job, log)

        tasks = [asyncio.create_task(run(job)) for job in todo]
        await asyncio.wait(tasks)
    except asyncio.CancelledError:  # Ctrl-C: stop every kernel, and wait until each is down
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        raise
    finally:
        renderer.shutdown(wait=True, cancel_futures=True)
        if server is not None:
            server.stop()
        shutil.rmtree(sockets, ignore_errors=True)
    for task in tasks:
        task.result()  # a bug in run() must not pass silently


async def _execute_notebook(
    nb: NotebookNode, *, cwd: Path, env: dict[str, str], on_cell: Callable[[int], None], manager: type | None = None
) -> None:
    """Execute ``nb`` in place in a fresh kernel started in ``cwd`` with ``env`` (by ``manager``'s class)."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        kernel_manager_class=manager or _native_kernel_manager(),
        timeout=CELL_TIMEOUT,
        # a cell's last outputs may reach the client after its reply: on a busy machine, later than nbclient's 4 s,
        # which would then drop them without a word; waited for as long as a cell may run, and an error past that
        iopub_timeout=CELL_TIMEOUT,
        raise_on_iopub_timeout=True,
        record_timing=False,
        shutdown_kernel="immediate",  # nothing to save; also quiet on Ctrl-C
        resources={"metadata": {"path": str(cwd)}},
        on_cell_start=lambda cell, cell_index: on_cell(cell_index),
        extra_arguments=[f"--IPKernelApp.extensions={_KERNEL_EXTENSION}"],
    )
    # Keyword arguments of execute() go to the kernel manager's start_kernel(),
    # whose provisioner uses `env` instead of os.environ for the kernel process.
    # The civicstats.display extension records each chart's title and file in
    # the output's metadata, for the reports' alt texts and figure links.
    await client.async_execute(env=env, **_encryption_option())


@functools.cache
def _encryption_option() -> dict[str, str]:
    """Ask for CurveZMQ encryption of kernel traffic where jupyter_client offers it.

    Recent jupyter_client versions can encrypt the local TCP sockets (the kernel
    otherwise warns on stderr that it runs unencrypted); older ones lack the
    option and would pass it on to the process launch, so ask only if known.
    """
    import zmq

    manager = _native_kernel_manager()
    if "transport_encryption" in manager.class_trait_names() and zmq.has("curve"):
        return {"transport_encryption": "auto"}
    return {}


@functools.cache
def _native_kernel_manager() -> type:
    """A kernel manager that always starts this interpreter's ipykernel.

    A ``python3`` kernelspec installed elsewhere (user folder, JUPYTER_PATH)
    could point at another Python; looking in no folder makes jupyter_client
    fall back to ipykernel's built-in spec, which runs ``sys.executable``.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class NativeKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _native_only(self) -> KernelSpecManager:
            return KernelSpecManager(kernel_dirs=[], parent=self)

    return NativeKernelManager


def _forked_kernel_manager(socket: str) -> type:
    """A kernel manager whose kernels are forked by the server listening on ``socket`` (civicstats.forkserver).

    jupyter_client starts the launcher instead of ``ipykernel_launcher``,
    with the same arguments; the launcher stands for the kernel.
    """
    import sys

    class ForkedKernelManager(_native_kernel_manager()):
        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            command = super().format_kernel_cmd(extra_arguments)
            if command[1:3] != ["-m", "ipykernel_launcher"]:  # not the kernel this build knows how to fork
                return command
            return [sys.executable, "-P", "-m", "civicstats.forkserver", "kernel", socket, "--", *command[3:]]

    return ForkedKernelManager


def _run_async(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run ``coroutine`` on an event loop of its own, in a worker thread.

    The worker thread keeps kernels working when the caller already runs an
    event loop (a Jupyter notebook) and keeps nbclient's per-kernel signal
    handlers out of the main thread; Ctrl-C cancels the build, which shuts
    every kernel down, and is then raised again.
    """
    import asyncio
    import threading

    finished = threading.Event()

    async def guarded() -> None:
        try:
            await coroutine
        finally:
            finished.set()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:  # as asyncio.run does: nothing left pending when the loop closes
            leftovers = asyncio.all_tasks(loop)
            for task in leftovers:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=serve, name="civicstats-build", daemon=True)
    thread.start()
    try:
        future = asyncio.run_coroutine_threadsafe(guarded(), loop)
        try:
            future.result()
        except KeyboardInterrupt:
            future.cancel()  # cancels the kernels' tasks, which shut them down
            finished.wait(timeout=60)
            raise
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()


def _describe_failure(error: Exception, index: int | None, injected_at: int | None) -> str:
    """`` at cell N: ErrorName: first line`` with N counted in the source notebook.

    >>> _describe_failure(RuntimeError("Kernel died\\nmore"), 4, injected_at=2)
    ' at cell 4: RuntimeError: Kernel died'
    """
    ename = getattr(error, "ename", None) or type(error).__name__
    evalue = getattr(error, "evalue", None)
    message = str(error) if evalue is None else str(evalue)
    first_line = next((line.strip() for line in message.splitlines() if line.strip()), "")
    where = ""
    if index is not None:
        if injected_at is not None and index >= injected_at:
            index -= 1  # the injected cell is not in the source; it counts as the parameters cell
        where = f" at cell {index + 1}"
    return f"{where}: {ename}: {first_line}" if first_line else f"{where}: {ename}"


# --------------------------------------------------------------------------
# Notebooks in and out: parameters, normalisation, HTML.
# --------------------------------------------------------------------------


def _prepare(
    source: Path, data: Path | None, lang: str, edition: str | None = None
) -> tuple[NotebookNode, int | None]:
    """Read a source notebook, clean it, and inject parameters if needed.

    For a site-only ``edition``, code cells tagged for another language
    become raw cells (not run, left out of the page; cells keep their
    numbers, so errors name the source's cell). Returns the notebook and the
    index of the injected cell (None if none).
    """
    import nbformat

    from civicstats.site import keep_cell

    nb = nbformat.read(source, as_version=4)
    nb.cells = [cell for cell in nb.cells if INJECTED_TAG not in cell.metadata.get("tags", [])]
    if edition is not None:
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and not keep_cell(cell.metadata.get("tags", []), edition):
                nb.cells[index] = nbformat.v4.new_raw_cell(cell.source, metadata=cell.metadata, id=cell.get("id"))
    _stable_cell_ids(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    injected = _injected_source(data, lang)
    if injected is None:
        return nb, None
    parameters = next(
        (
            index
            for index, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and PARAMETERS_TAG in cell.metadata.get("tags", [])
        ),
        None,
    )
    if parameters is None:
        raise _NotebookError(
            f"no code cell tagged '{PARAMETERS_TAG}' to receive data/lang; "
            "the notebook would silently use its defaults"
        )
    cell = nbformat.v4.new_code_cell(source=injected, metadata={"tags": [INJECTED_TAG]})
    cell.id = INJECTED_TAG
    nb.cells.insert(parameters + 1, cell)
    return nb, parameters + 1


def _injected_source(data: Path | str | None, lang: str) -> str | None:
    """The code of the injected-parameters cell, or None when all are defaults.

    >>> print(_injected_source("/srv/other", "fr"))
    # Parameters injected by civicstats.build
    data = '/srv/other'
    lang = 'fr'
    >>> _injected_source(None, "en") is None
    True
    """
    lines = []
    if data != DEFAULT_DATA:
        lines.append(f"data = {str(data)!r}")
    if lang != DEFAULT_LANG:
        lines.append(f"lang = {lang!r}")
    if not lines:
        return None
    return "\n".join(["# Parameters injected by civicstats.build", *lines])


def _stable_cell_ids(nb: NotebookNode) -> None:
    """Give every cell a unique, reproducible id.

    nbformat invents random ids for cells that lack one (notebooks older than
    format 4.5) or share one; deriving them from the position instead keeps
    rebuilds byte-identical.
    """
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        cell_id = cell.get("id")
        if not cell_id or cell_id in seen or cell_id == INJECTED_TAG:
            cell_id = f"cell-{index}"
            while cell_id in seen:
                cell_id += "-"
            cell["id"] = cell_id
        seen.add(cell_id)
    nb.nbformat, nb.nbformat_minor = 4, max(nb.get("nbformat_minor", 5), 5)
    nb.metadata.pop("orig_nbformat_minor", None)


def _normalise(nb: NotebookNode, fingerprint: str, figures: list[str]) -> None:
    """Remove what depends on when or where a run happened; record the build."""
    for key in _VOLATILE_NOTEBOOK_METADATA:
        nb.metadata.pop(key, None)
    nb.metadata.setdefault("kernelspec", dict(_DEFAULT_KERNELSPEC))
    nb.metadata["civicstats"] = {"fingerprint": fingerprint, "figures": figures}
    for cell in nb.cells:
        for key in _VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        for output in cell.get("outputs", []):
            for mime in _VOLATILE_MIME_TYPES:
                output.get("data", {}).pop(mime, None)
        if cell.get("outputs"):
            cell.outputs = _joined_streams(cell.outputs)


def _joined_streams(outputs: list[Any]) -> list[Any]:
    """Consecutive outputs of one stream as one output, as Jupyter shows them.

    The kernel sends what a cell prints in pieces whose cuts depend on
    timing (``print(text)`` may arrive as the text, then its newline, when
    the machine is busy): joined, the notebook no longer depends on them.

    >>> from nbformat.v4 import new_output
    >>> joined = _joined_streams([new_output("stream", name="stdout", text="a"),
    ...                           new_output("stream", name="stdout", text="\\n"),
    ...                           new_output("stream", name="stderr", text="b\\n")])
    >>> [(o.name, o.text) for o in joined]
    [('stdout', 'a\\n'), ('stderr', 'b\\n')]
    """
    joined: list[Any] = []
    for output in outputs:
        last = joined[-1] if joined else None
        if (output.get("output_type") == "stream" and last is not None and last.get("output_type") == "stream"
                and last.get("name") == output.get("name")):
            last["text"] = _text(last.get("text", "")) + _text(output.get("text", ""))
        else:
            joined.append(output)
    return joined


def _notebook_bytes(nb: NotebookNode) -> bytes:
    """nbformat's own serialisation (sorted keys, one-space indent), newline-ended."""
    import nbformat

    text = nbformat.writes(nb)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def _html_exporter() -> Any:
    """The HTML exporter of the reports, made once and warmed up (see civicstats.site).

    Importing nbconvert, compiling its templates and importing what they use
    (markdown, syntax highlighting) takes about half a second, paid once,
    while the kernels start, rather than when the last notebook is done.
    """
    from civicstats.site import html_exporter

    return html_exporter()


def _render_html(nb: NotebookNode, job: _Job) -> bytes:
    """The report page of ``job``'s executed notebook ``nb`` (see civicstats.site)."""
    from civicstats import site

    assert job.targets is not None
    figures = Path(os.path.relpath(job.targets.figures, job.targets.reports)).as_posix()
    return site.render_page(nb, job.page, job.nav, figures)


def _render_job(job: _Job, log: Callable[[str], None]) -> None:
    """Normalise an executed notebook and render its page, or record why it failed."""
    _normalise(job.notebook, job.fingerprint, job.figures)
    job.page.figures = list(job.figures)
    try:
        job.html = _render_html(job.notebook, job)
    except Exception as error:
        job.error = f": rendering HTML: {type(error).__name__}: {error}"
        log(f"FAILED {job.label}{job.error}")


def _stage_outputs(todo: list[_Job], staging: Path, log: Callable[[str], None]) -> None:
    """Write each executed notebook and its HTML into the staging folder."""
    for folder in ("notebooks", "reports"):
        (staging / folder).mkdir()
    for job in todo:
        if job.html is None:  # not rendered yet (executed by other means than _execute_concurrently)
            _render_job(job, log)
            if job.error:
                continue
        if job.edition is None:  # a site-only edition keeps its page, not its notebook
            (staging / "notebooks" / f"{job.name}.ipynb").write_bytes(_notebook_bytes(job.notebook))
        page = staging / "reports" / f"{job.key}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_bytes(job.html)
        page.chmod(0o644)  # readable by everyone, whatever created the staging folder


# --------------------------------------------------------------------------
# Figures and the final move into place.
# --------------------------------------------------------------------------


def _figures_of_others(todo: list[_Job], targets: _Targets) -> dict[str, str]:
    """Figure name -> notebook, for built notebooks this run does not rebuild."""
    rebuilt = {job.name for job in todo}
    owners: dict[str, str] = {}
    for output in sorted(targets.notebooks.glob("*.ipynb")):
        if output.stem not in rebuilt:
            for name in _recorded(_read_output(output))[1]:
                owners.setdefault(name, output.stem)
    return owners


def _check_figure_owners(todo: list[_Job], targets: _Targets, log: Callable[[str], None]) -> None:
    """Fail a notebook that saves a figure another notebook already saves.

    The figures folder is shared: two notebooks writing ``chart.png`` would
    silently overwrite each other.
    """
    owners = _figures_of_others(todo, targets)
    for job in todo:
        if job.error or job.edition is not None:  # a site-only edition has its own figures folder
            continue
        for name in job.figures:
            owner = owners.setdefault(name, job.name)
            if owner != job.name:
                job.error = f": figure '{name}' is also saved by notebook '{owner}'"
                log(f"FAILED {job.name}{job.error}")
                break


def _commit(todo: list[_Job], staging: Path, targets: _Targets) -> None:
    """Move staged outputs into place, notebooks last.

    The notebook carries the fingerprint, so if the build is interrupted
    between two moves the next build sees it as out of date and redoes it.
    Figures a notebook recorded before but no longer saves, and that no other
    notebook records, are removed: the build made them and owns them.
    """
    for job in todo:
        figures = staging / "kernel-figures" / job.key
        for name in job.figures:
            _replace(figures / name, (job.targets or targets).figures / name)
    for job in todo:
        _replace(staging / "reports" / f"{job.key}.html", (job.targets or targets).reports / f"{job.name}.html")
    for job in todo:
        if job.edition is None:
            name = f"{job.name}.ipynb"
            _replace(staging / "notebooks" / name, targets.notebooks / name)
    kept = set(_figures_of_others([], targets))
    for job in todo:
        folder = (job.targets or targets).figures
        figures_dir = folder.resolve()
        # a site-only edition's figures belong to its page alone
        for name in set(job.old_figures) - (kept if job.edition is None else set(job.figures)):
            old = folder / name
            if old.parent.resolve().is_relative_to(figures_dir):  # never through a link to elsewhere
                old.unlink(missing_ok=True)


def _replace(staged: Path, final: Path) -> None:
    """os.replace, with a copy-then-replace fallback across filesystems."""
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(staged, final)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        partial = final.with_name(f".{final.name}.{os.getpid()}.partial")
        try:
            shutil.copyfile(staged, partial)
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)
