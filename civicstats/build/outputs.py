"""Writing a build's outputs: one atomic writer, the staging folder, and the checks before anything runs.

Every file a build writes goes through :func:`civicstats.files.write_atomic`. Figures
saved by the kernels wait in a staging folder beside the outputs until every
run has succeeded; then figures, pages and notebooks are put in place,
notebooks last (they carry the fingerprint, so an interrupted build is
redone by the next one).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from civicstats.build.plan import Targets
from civicstats.errors import OutputError, escape

__all__ = ["MIN_FREE_BYTES", "STAGING_PREFIX", "check_writable", "existing_parent", "remove_stale_staging",
           "staging_folder"]

#: Staging folders are named ``.civicstats-build-<random>``, beside the outputs.
STAGING_PREFIX = ".civicstats-build-"
#: A staging folder older than this was left by a build that was killed.
STALE_STAGING_SECONDS = 3600
#: Free space a build needs before it starts (its outputs take a few MB).
MIN_FREE_BYTES = 20 * 1024 * 1024


def existing_parent(path: Path) -> Path:
    """The nearest existing folder above ``path``: staging shares its disk."""
    for folder in path.parents:
        if folder.is_dir():
            return folder
    return Path(tempfile.gettempdir())


def remove_stale_staging(folder: Path) -> None:
    """Remove the staging folders that killed builds left in ``folder`` (older than an hour)."""
    try:
        found = [p for p in folder.iterdir() if p.name.startswith(STAGING_PREFIX)]
    except OSError:
        return
    for staging in found:
        try:
            stale = staging.is_dir() and not staging.is_symlink() and (
                time.time() - staging.stat().st_mtime > STALE_STAGING_SECONDS)
        except OSError:
            continue
        if stale:
            shutil.rmtree(staging, ignore_errors=True)


def staging_folder(parent: Path) -> Path:
    """A new private staging folder in ``parent``."""
    try:
        return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=parent))
    except OSError as error:
        raise OutputError(_reason(error, parent, "cannot create the build's staging folder in")) from None


def check_writable(folder: Path, where: Targets) -> None:
    """Refuse, before any notebook runs, outputs that cannot be written: a file in the way, read-only, full."""
    for target in (where.notebooks, where.reports, where.figures):
        for path in (target, *target.parents):
            if path == folder:
                break
            if path.exists() and not path.is_dir():
                raise OutputError(f"{escape(path)} is a file, not a folder: the build writes its outputs into "
                                  f"{escape(target)}; move the file or choose another --out")
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=f"{STAGING_PREFIX}probe-") as probe:
            probe.write(b"civicstats")
            probe.flush()
    except OSError as error:
        raise OutputError(_reason(error, folder, "cannot write the build's outputs in")
                          + "; nothing was run, earlier outputs are unchanged") from None
    free = shutil.disk_usage(folder).free
    if free < MIN_FREE_BYTES:
        raise OutputError(f"cannot write the build's outputs in {escape(folder)}: only {free:,} bytes free on its "
                          f"disk, under the {MIN_FREE_BYTES:,} a build needs; nothing was run")


def _reason(error: OSError, folder: Path, doing: str) -> str:
    where = f" ({escape(error.filename)})" if error.filename and str(error.filename) != str(folder) else ""
    return f"{doing} {escape(folder)}: {error.strerror or escape(error)}{where}"
