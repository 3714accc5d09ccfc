"""The warm build's shortcut: nothing changed since the last build, so there is nothing to do.

A build decides what to run from content digests (:mod:`civicstats.build`):
it hashes the data, the library code and every notebook, reads what the last
build recorded in each output, and imports the site machinery to compare
pages. That is right, and it is most of what ``civicstats build`` costs when
everything is up to date. So, like ``make``, a successful build also records
the state of the files it read and wrote: for each file under the library,
the shipped data, ``--data``, the notebooks and the output folders, its
name, size, modification and change times, inode and mode. The next build
with the same options first compares that record with the files as they are
(a walk of the folders, no file read): when nothing differs it prints what a
full build would print and stops; when anything differs (a file edited,
touched, added, removed or replaced, an option or a ``CIVICSTATS_``
variable changed), or the record is missing or unreadable, the full build
decides from content digests as before, and records again.

The inputs' state is taken when the build starts and compared again
before recording: when an input changed while the build ran (a notebook
saved by an editor meanwhile, in a build that writes notebooks in place),
nothing is recorded and the next build looks again. A symbolic link among
the files makes them unrecordable (a change behind a link does not show in
its stat): such builds always decide from content digests. A build on
``--data`` is recorded but never replayed (the data check says what it
found each time).
Standard library only: this module is what a warm build imports.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from civicstats import paths

#: The record's file name, in the reports folder (``reports/``, or ``OUT/reports/``); never a committed file.
RECORD_NAME = ".civicstats-uptodate.json"
#: Bump when the record's content changes meaning.
RECORD_FORMAT = 1
#: Folders not walked: bytecode caches, editors' checkpoints, a running build's staging folders.
_SKIPPED = ("__pycache__", ".ipynb_checkpoints", ".civicstats-build-")
#: A tree with more files than this is not recorded (the walk would cost more than it saves).
MAX_FILES = 20_000


class _Unrecorded(Exception):
    """The files cannot be told unchanged from their stat: too many of them, or a symbolic link among them."""


def _walk(root: Path, found: list[tuple], budget: list[int]) -> None:
    """Append (path, size, mtime, ctime, inode, mode) of every file under ``root``.

    A symbolic link makes the whole state unrecordable: a change behind it
    would not show in the link's own stat.
    """
    try:
        info = os.lstat(root)
    except OSError:
        found.append((str(root), None))
        return
    if os.path.islink(root):
        raise _Unrecorded
    if not os.path.isdir(root):
        found.append((str(root), info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_mode))
        return
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            found.append((folder, None))
            continue
        for entry in entries:
            if entry.name.startswith(_SKIPPED) or entry.name == RECORD_NAME:
                continue
            if entry.is_symlink():
                raise _Unrecorded
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
                continue
            budget[0] -= 1
            if budget[0] < 0:
                raise _Unrecorded
            st = entry.stat(follow_symlinks=False)
            found.append((entry.path, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_mode))


def entries(roots: Iterable[Path]) -> dict[str, list] | None:
    """Path → [size, mtime, ctime, inode, mode] of the files under ``roots`` now; None if unrecordable."""
    found: list[tuple] = []
    budget = [MAX_FILES]
    try:
        for root in dict.fromkeys(roots):
            _walk(root, found, budget)
    except _Unrecorded:
        return None
    return {item[0]: list(item[1:]) for item in found}


def digest(files: dict[str, list] | None) -> str | None:
    """A digest of :func:`entries`."""
    if files is None:
        return None
    return hashlib.sha256(json.dumps(sorted(files.items())).encode()).hexdigest()


def state(roots: Iterable[Path]) -> str | None:
    """A digest of the files under ``roots`` as they are now; None when they cannot be recorded."""
    return digest(entries(roots))


def options(data: Path | None, out: Path | None, lang: str, editions: Sequence[str],
            notebooks: Sequence[str] | None) -> str:
    """The build's options, and the environment variables that change what it reads."""
    env = sorted((k, v) for k, v in os.environ.items() if k.startswith("CIVICSTATS_"))
    editions = list(dict.fromkeys([lang, *editions]))  # as the build orders them: ``lang`` first
    return json.dumps([RECORD_FORMAT, str(data), str(out), lang, editions,
                       None if notebooks is None else sorted(notebooks), env])


def input_roots(data: Path | None, notebooks_dir: Path, out: Path | None) -> list[Path]:
    """What a build reads: the library (code and templates), the shipped data, ``data``, the notebooks.

    When the build writes its notebooks in place (no ``out``), they are outputs: see :func:`output_roots`.
    """
    roots = [paths.PACKAGE_DIR, paths.DATA_DIR]
    if data is not None:
        roots.append(data)
    if out is not None:
        roots.append(notebooks_dir)
    return roots


def output_roots(out: Path | None, notebooks_dir: Path) -> list[Path]:
    """What a build writes: its notebooks, reports (every edition) and figures."""
    if out is None:
        return [notebooks_dir, paths.REPORTS_DIR, paths.FIGURES_DIR]
    return [out / "notebooks", out / "reports", out / "figures"]


def record_path(out: Path | None) -> Path:
    return (paths.REPORTS_DIR if out is None else out / "reports") / RECORD_NAME


def replay(data: str | Path | None, out: str | Path | None, lang: str, editions: Sequence[str],
           notebooks_dir: Path = paths.NOTEBOOKS_DIR) -> list[str] | None:
    """The labels of an up-to-date build with these options, if nothing changed since it was recorded; else None.

    Never raises: any doubt (a path that does not resolve, a record missing
    or unreadable) is None, and the full build decides.
    """
    try:
        data_path = None if data is None else Path(data).expanduser().resolve(strict=True)
        out_path = None if out is None else Path(out).expanduser().resolve()
        notebooks_dir = Path(notebooks_dir).expanduser().resolve()
        with open(record_path(out_path), encoding="utf-8") as handle:
            record = json.load(handle)
        if record.get("options") != options(data_path, out_path, lang, editions, None):
            return None
        if record.get("inputs") != state(input_roots(data_path, notebooks_dir, out_path)):
            return None
        if record.get("outputs") != state(output_roots(out_path, notebooks_dir)):
            return None
        labels = record.get("labels")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        return None
    return labels


class Recorder:
    """One build's side of the record: the inputs as they were when it started, then the record if still true.

    The build makes one before it reads anything and calls :meth:`record`
    once it has succeeded: nothing is recorded when an input changed
    meanwhile (the library, the data, or a notebook built in place that the
    build did not write: a notebook saved by an editor while it ran), so
    the next build looks again.
    """

    def __init__(self, data: Path | None, notebooks_dir: Path, out: Path | None) -> None:
        self.data, self.notebooks_dir, self.out = data, notebooks_dir, out
        self.path = record_path(out)
        self.inputs = entries(input_roots(data, notebooks_dir, out))
        # built in place, the notebooks are outputs (see output_roots) and inputs both
        self.notebooks = entries([notebooks_dir]) if out is None else {}

    def forget(self) -> None:
        """Remove the record (before a build writes anything: a build that stops half-way records nothing)."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass

    def record(self, options: str, labels: list[str], written: set[str]) -> None:
        """Record the files now, if no input changed since the start (``written``: notebooks the build wrote)."""
        if self.inputs is None or self.notebooks is None or not self.path.parent.is_dir():
            return
        if entries(input_roots(self.data, self.notebooks_dir, self.out)) != self.inputs:
            return
        if self.out is None:
            now = entries([self.notebooks_dir]) or {}
            if any(now.get(name) != self.notebooks.get(name)
                   for name in set(now) | set(self.notebooks) if name not in written):
                return
        outputs = state(output_roots(self.out, self.notebooks_dir))
        if outputs is not None:
            write_record(self.path, {"options": options, "inputs": digest(self.inputs), "outputs": outputs,
                                     "labels": labels})


def write_record(path: Path, record: dict) -> None:
    """Write the record atomically (a reader sees the old one or the new one), readable by all."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError:  # a record is an optimisation: failing to write one loses nothing
        temporary.unlink(missing_ok=True)
