"""Executing runs: each source prepared for its language, then run by plain nbclient, several kernels at once.

A source is prepared with nbconvert's own preprocessors (the other
languages' cells removed by tag, outputs cleared), its parameters injected
after the cell tagged ``parameters``, then executed in a fresh kernel of this
interpreter with :class:`nbclient.NotebookClient`; the kernels of a build run
side by side on one event loop. After the run, the notebook is normalised
(streams coalesced, volatile metadata cleared) so that a rebuild writes the
same bytes.

>>> print(injected_source("/srv/other", "fr"))
# Parameters injected by civicstats.build
data = '/srv/other'
lang = 'fr'
>>> injected_source(None, "en") is None
True
"""

from __future__ import annotations

import atexit
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from civicstats import paths
from civicstats.build.fingerprint import INJECTED_TAG
from civicstats.build.plan import LANG_TAG, Run

__all__ = ["CELL_TIMEOUT", "KERNEL_ENV", "describe_failure", "execute_all", "injected_source", "normalise",
           "prepare"]

#: Seconds a single cell may run before its notebook fails.
CELL_TIMEOUT = 300
#: Kernel starts tried before a run fails without having run a cell.
START_ATTEMPTS = 3
#: Tag of the cell that defines the notebook's parameters (papermill's convention).
PARAMETERS_TAG = "parameters"
#: What every kernel's environment adds: a fixed hash seed, the inline backend whatever the caller exported,
#: no debugger warning, and no dates in SVG files.
KERNEL_ENV = {
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    "SOURCE_DATE_EPOCH": "0",
}
#: The IPython extension every kernel loads: charts carry their title and file (civicstats.display).
KERNEL_EXTENSION = "civicstats.display"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
#: Notebook metadata kept after a run (the rest records when or how it ran); the language's version is dropped.
KEPT_METADATA = {"kernelspec", "civicstats", "language_info"}


def injected_source(data: Path | str | None, lang: str) -> str | None:
    """The code of the injected-parameters cell, or None when every parameter has its default."""
    lines = [*([f"data = {str(data)!r}"] if data is not None else []),
             *([f"lang = {lang!r}"] if lang != paths.EDITIONS[0] else [])]
    return "\n".join(["# Parameters injected by civicstats.build", *lines]) if lines else None


def prepare(run: Run, data: Path | None) -> None:
    """Read ``run``'s source as its language's notebook, outputs cleared, parameters injected."""
    import nbformat
    from nbconvert.preprocessors import ClearOutputPreprocessor, TagRemovePreprocessor

    nb = nbformat.read(run.source, as_version=4)
    nb.cells = [cell for cell in nb.cells if INJECTED_TAG not in cell.metadata.get("tags", [])]
    for index, cell in enumerate(nb.cells):  # ids from positions: nbformat would invent random ones
        cell["id"] = cell.get("id") or f"cell-{index}"
    others = {LANG_TAG + e for e in paths.EDITIONS if e != run.lang}  # the other languages' cells
    nb, _ = TagRemovePreprocessor(remove_cell_tags=others).preprocess(nb, {})
    nb, _ = ClearOutputPreprocessor().preprocess(nb, {})
    nb.metadata.setdefault("kernelspec", dict(KERNELSPEC))
    code = injected_source(data, run.lang)
    if code is not None:
        at = next((i for i, c in enumerate(nb.cells) if PARAMETERS_TAG in c.metadata.get("tags", [])), None)
        if at is None:
            run.error = f": no code cell tagged '{PARAMETERS_TAG}' to receive data/lang"
            return
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell(code, id=INJECTED_TAG, metadata={"tags": [INJECTED_TAG]}))
        run.injected_at = at + 1
    run.notebook = nb


def normalise(nb: Any, record: dict[str, Any]) -> None:
    """Streams coalesced and volatile metadata cleared (nbconvert's preprocessors); ``record`` stored."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CoalesceStreamsPreprocessor

    nb.metadata["civicstats"] = record
    CoalesceStreamsPreprocessor().preprocess(nb, {})
    ClearMetadataPreprocessor(preserve_nb_metadata_mask=KEPT_METADATA,
                              preserve_cell_metadata_mask={"tags"}).preprocess(nb, {})
    nb.metadata.get("language_info", {}).pop("version", None)  # the machine's Python, not the notebook's
    nb.nbformat, nb.nbformat_minor = 4, 5


def describe_failure(error: Exception, index: int | None, injected_at: int | None) -> str:
    """`` at cell N: ErrorName: first line`` with N counted in the language's notebook, from 1.

    >>> describe_failure(RuntimeError("Kernel died\\nmore"), 4, injected_at=2)
    ' at cell 4: RuntimeError: Kernel died'
    """
    name = getattr(error, "ename", None) or type(error).__name__
    value = getattr(error, "evalue", None)
    first = next((line.strip() for line in str(error if value is None else value).splitlines() if line.strip()), "")
    where = ""
    if index is not None:
        where = f" at cell {index + (0 if injected_at is not None and index >= injected_at else 1)}"
    return f"{where}: {name}: {first}" if first else f"{where}: {name}"


def _encryption(manager: type) -> dict[str, str]:
    import zmq

    known = "transport_encryption" in manager.class_trait_names() and zmq.has("curve")
    return {"transport_encryption": "auto"} if known else {}


def _kernel_manager() -> type:
    """A kernel manager that starts this interpreter's ipykernel, whatever kernelspecs are installed."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class NativeKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _native_only(self) -> KernelSpecManager:
            return KernelSpecManager(kernel_dirs=[], parent=self)

    return NativeKernelManager


async def _execute(run: Run, cwd: Path, figures: Path, manager: type, slots: Any,
                   log: Callable[[str], None]) -> None:
    from nbclient import NotebookClient

    async with slots:
        figures.mkdir(parents=True)
        current: list[int | None] = [None]

        def client(nb: Any) -> NotebookClient:
            return NotebookClient(
                nb, kernel_name=KERNELSPEC["name"], kernel_manager_class=manager, timeout=CELL_TIMEOUT,
                # a cell's last outputs may arrive after its reply on a busy machine: wait, and fail past the limit
                iopub_timeout=CELL_TIMEOUT, raise_on_iopub_timeout=True, record_timing=False,
                shutdown_kernel="immediate", resources={"metadata": {"path": str(cwd)}},
                on_cell_start=lambda cell, cell_index: current.__setitem__(0, cell_index),
                extra_arguments=[f"--IPKernelApp.extensions={KERNEL_EXTENSION}"],
            )
        log(f"started {run.label}")
        started = time.perf_counter()
        env = {**os.environ, **KERNEL_ENV, paths.FIGURES_ENV: str(figures)}
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                # keyword arguments go to the kernel manager's start_kernel(): the kernel's environment, and CurveZMQ
                # encryption of its local sockets where jupyter_client offers it (else the kernel warns on stderr)
                notebook_client = client(run.notebook)
                await notebook_client.async_execute(env=env, **_encryption(manager))
                break
            except Exception as error:  # any failure fails this run, not the build
                # nbclient leaves its exit hook registered when the kernel dies at startup; at exit it would fail
                atexit.unregister(notebook_client._cleanup_kernel)
                if current[0] is None and attempt < START_ATTEMPTS:
                    # the kernel died before running a cell: most often it lost the race for a port another
                    # process took between jupyter_client choosing it and the kernel binding it (papermill#511)
                    log(f"restarting the kernel of {run.label}: {describe_failure(error, None, None)[2:]}")
                    continue
                run.error = describe_failure(error, current[0], run.injected_at)
                log(f"FAILED {run.label}{run.error}")
                return
        run.figures = sorted(p.name for p in figures.iterdir() if p.is_file())
        log(f"done {run.label} in {time.perf_counter() - started:.1f} s")


def execute_all(runs: list[Run], cwd: Path, staging: Path, jobs: int, log: Callable[[str], None]) -> None:
    """Execute every prepared run, ``jobs`` kernels at a time; figures go to ``staging/figures/LANG/NAME``."""
    import asyncio

    from jupyter_core.utils import run_sync

    manager = _kernel_manager()

    async def everything() -> None:
        slots = asyncio.Semaphore(jobs)
        await asyncio.gather(*(_execute(run, cwd, staging / "figures" / run.key, manager, slots, log)
                               for run in runs))

    run_sync(everything)()
