"""An installed copy works outside any checkout (issue 13).

The wheel is built from a copy of the sources (so the checkout gets no
``build/`` folder), offline (``--no-build-isolation``: setuptools comes from
the test extras), and installed without its dependencies into a fresh
virtual environment in a temporary folder. That environment borrows the
dependencies (pandas, nbclient, ...) from the test environment through a
``.pth`` line, which adds their folder but not the test environment's own
``.pth`` files: the editable install of this checkout stays invisible, and
the test asserts it. Every call then runs with a temporary folder as its
working directory. The environment is made once per test run (shared by the
xdist workers). About 15 s on two cores, the notebook build included.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from civicstats import paths
from tests.conftest import made_once

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("civicstats", "data", "notebooks", "figures", "pyproject.toml", "setup.py", "README.md", "LICENSE")


def run(args: list[str], cwd: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CIVICSTATS_", "VIRTUAL_ENV"))}
    # nbconvert's HTML templates are data files of the borrowed dependencies (a full install has its own)
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The python of a fresh virtual environment holding the built wheel (made once per test run)."""
    if not paths.IN_CHECKOUT:
        pytest.skip("runs from a checkout: it builds the wheel from the sources")
    return made_once(tmp_path_factory, "installed", install) / "venv" / "bin" / "python"


def install(base: Path) -> None:
    """Build the wheel from a copy of the sources in ``base``, and install it into ``base/venv``."""
    src = base / "src"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", ".*"))
        else:
            shutil.copy2(ROOT / name, src / name)
    wheels = base / "wheels"
    proc = run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
                "--wheel-dir", str(wheels), str(src)], cwd=base, timeout=180)
    assert proc.returncode == 0, proc.stderr
    wheel = next(wheels.glob("civicstats-*.whl"))

    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    proc = run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                "--no-index", str(wheel)], cwd=base, timeout=180)
    assert proc.returncode == 0, proc.stderr
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                    cwd=base).stdout.strip())
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")


@pytest.fixture(scope="module")
def answers(installed: Path, tmp_path_factory) -> dict:
    """What one process of the installed copy, started outside any checkout, says of itself and answers to the
    commands ``datasets``, ``audit`` and ``check`` (run in it: each process start costs seconds on a busy machine)."""
    code = """
import contextlib, io, json, civicstats as cs
from civicstats import paths
from civicstats.cli import main
codes = {}
for args in (["datasets"], ["audit"], ["check", str(paths.DATA_DIR)]):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        codes[args[0]] = (main(args), out.getvalue()[:200])
print(json.dumps({"codes": codes, "own": {
    "file": cs.__file__, "data": str(paths.DATA_DIR), "checkout": paths.IN_CHECKOUT,
    "adoption": int(cs.load("civictech_adoption")["count"].sum()),
    "datasets": len(cs.datasets()), "sources": len(cs.sources()), "audit": len(cs.audit()),
    "raw": sorted(p.name for p in (paths.DATA_DIR / "raw").glob("*")) if (paths.DATA_DIR / "raw").is_dir() else None,
    "notebooks": sorted(p.relative_to(paths.NOTEBOOKS_DIR).as_posix() for p in paths.NOTEBOOKS_DIR.rglob("*.ipynb")),
}}))
"""
    proc = run([str(installed), "-c", code], cwd=tmp_path_factory.mktemp("answers"))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


def test_the_installed_copy_reads_its_own_data(installed: Path, answers: dict):
    got = answers["own"]
    site = installed.parents[1]
    assert Path(got["file"]).is_relative_to(site) and Path(got["data"]).is_relative_to(site), got
    assert not got["checkout"]
    assert got["adoption"] == 156
    assert got["datasets"] > 0 and got["sources"] > 0 and got["audit"] > 0
    assert got["notebooks"] == sorted(p.relative_to(paths.NOTEBOOKS_DIR).as_posix()
                                      for p in paths.NOTEBOOKS_DIR.rglob("*.ipynb"))
    if (paths.DATA_DIR / "raw").is_dir():  # raw files, once engineer orgs adds them, ship too
        assert got["raw"] == sorted(p.name for p in (paths.DATA_DIR / "raw").glob("*"))


def test_the_installed_command_line(installed: Path, tmp_path: Path):
    proc = run([str(installed), "-m", "civicstats", "template", "book.xlsx"], cwd=tmp_path)
    assert proc.returncode == 0 and (tmp_path / "book.xlsx").is_file(), proc.stderr
    proc = run([str(installed.parent / "civicstats"), "check", "book.xlsx"], cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("ok:"), proc.stderr


def test_the_installed_commands_answer(answers: dict):
    codes = answers["codes"]
    assert {name: code for name, (code, _) in codes.items()} == {"datasets": 0, "audit": 0, "check": 0}, codes
    assert codes["check"][1].startswith("ok:")


def test_the_installed_copy_builds_on_other_data(installed: Path, tmp_path: Path):
    """``build --data X --out Y`` (one notebook, through the same function the command calls)."""
    shutil.copytree(paths.DATA_DIR, tmp_path / "mydata")
    code = """
from civicstats.build import build
result = build(data="mydata", out="out", notebooks=["03-participatory-budgets"], log=lambda line: None)
assert result.ok and result.built == ["03-participatory-budgets"], result
"""
    proc = run([str(installed), "-c", code], cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "reports" / "03-participatory-budgets.html").is_file()
    assert (tmp_path / "out" / "notebooks" / "en" / "03-participatory-budgets.ipynb").is_file()
    assert list((tmp_path / "out" / "figures").glob("*.png"))
    # the installed package was not written into
    assert not list(installed.parents[1].rglob("*.html"))
