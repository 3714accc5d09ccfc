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
here: ``default`` (what ``make test`` runs) and ``thorough`` (ten times the
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
    "default", max_examples=60, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("thorough", settings.get_profile("default"), max_examples=600)
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
    """Every notebook executed afresh on the shipped data, once per edition, once per session.

    The folder holds ``notebooks/`` (executed in English), ``figures/`` and
    ``reports/`` (every edition, as the build lays them out). Read only.
    """
    from civicstats.build import build

    out = tmp_path_factory.mktemp("shipped")
    options = {}
    if "editions" in inspect.signature(build).parameters:
        options["editions"] = editions()
    result = build(out=out, force=True, log=lambda line: None, **options)
    assert result.ok, result
    return out
