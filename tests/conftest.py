"""Shared test helpers: copies of the shipped data to break on purpose, and
outputs that are expensive to make, made once per test session.

Executing the real notebooks is what makes the suite slow (a kernel per
notebook, per edition), so the suite does it as few times as it can:
``shipped_build`` executes every notebook once per edition (English and
French once the build makes both) into a temporary folder, once per session,
and hands the folder to every test that inspects the rendered notebooks,
reports or figures. Those tests must only read it (copy it first to change
anything).

Property tests (hypothesis) are bounded by a settings profile registered
here: ``default`` (what ``make test`` runs) and ``thorough`` (twenty times the
examples, for a run before a release: ``pytest --hypothesis-profile=thorough``
or ``CIVICSTATS_HYPOTHESIS=thorough``). A test sets its own example count as a
multiple of ``settings().max_examples`` so that the profile scales it.
"""

from __future__ import annotations

import inspect
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from civicstats import paths

settings.register_profile(
    "default", max_examples=30, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("thorough", settings.get_profile("default"), max_examples=600)  # 20x the default
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


def editions() -> tuple[str, ...]:
    """The languages the reports are built in: ``civicstats.site.EDITIONS`` once it exists, else English."""
    try:
        from civicstats.site import EDITIONS
    except ImportError:
        return ("en",)
    return tuple(EDITIONS)


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory) -> Path:
    """Every notebook executed afresh on the shipped data, once per edition, once per test run.

    The folder holds ``notebooks/`` (executed in English), ``figures/`` and
    ``reports/`` (every edition, as the build lays them out). Read only.
    Under pytest-xdist (``make test`` runs two workers) the first worker that
    needs it builds it in the run's shared temporary folder while holding a
    lock; the other waits for it and reuses it, so it is built once per run.
    """
    import fcntl

    from civicstats.build import build

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by the workers of this run
    out = base / "shipped-build"
    with open(base / "shipped-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / ".complete").is_file():
            shutil.rmtree(out, ignore_errors=True)
            options = {}
            if "editions" in inspect.signature(build).parameters:
                options["editions"] = editions()
            result = build(out=out, force=True, log=lambda line: None, **options)
            assert result.ok, result
            (out / ".complete").touch()
    return out
