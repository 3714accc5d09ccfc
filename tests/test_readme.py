"""The README is tested: its Python blocks run, its commands exist.

Every ```python block of README.md is run as a script by a fresh interpreter
in an empty temporary folder (so a snippet that uses an undefined name, or an
API that changed, fails here), one after another in the same folder (a later
block may read what an earlier one wrote). Every command the README shows,
in a ```sh block or an inline `code` span, is checked more lightly:
a `civicstats SUBCOMMAND --option` must name a subcommand and options the
command line has (as `civicstats --help` lists them), a `make TARGET` must
be a target of the Makefile.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from civicstats import paths
from civicstats.cli import parser

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

#: Files a README snippet reads as the reader's own: name in the snippet -> the shipped table copied there.
READER_FILES = {"my_update.csv": "participatory_budgets.csv"}


def blocks(language: str, text: str | None = None) -> list[str]:
    """The fenced blocks of ``language`` in the README, in order.

    >>> blocks("python", "text\\n```python\\nx = 1\\n```\\n```sh\\nls\\n```\\n")
    ['x = 1\\n']
    """
    text = README.read_text(encoding="utf-8") if text is None else text
    return re.findall(rf"^ *```{language}\n(.*?)^ *```", text, flags=re.M | re.S)


def commands(text: str | None = None) -> list[str]:
    """Every `civicstats ...` and `make ...` command the README shows (blocks and inline code).

    >>> commands("run `civicstats check x.csv` or\\n```sh\\nmake test   # all\\n```\\n")
    ['make test', 'civicstats check x.csv']
    """
    text = README.read_text(encoding="utf-8") if text is None else text
    found = []
    for block in blocks("sh", text):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith(("civicstats ", "make ")):
                found.append(line)
    for span in re.findall(r"(?<!`)`([^`\n]+)`(?!`)", text):
        if span.startswith(("civicstats ", "make ")):
            found.append(span.strip())
    return found


def test_the_readme_has_python_blocks_and_commands():
    assert blocks("python"), "README.md has no ```python block to test"
    assert any(c.startswith("civicstats ") for c in commands())
    assert any(c.startswith("make ") for c in commands())
    for name in READER_FILES:  # the stand-ins below stay tied to what the README shows
        assert name in "".join(blocks("python")), f"{name} is no longer in a README snippet"


def test_python_blocks_run(tmp_path: Path):
    for name, table in READER_FILES.items():
        shutil.copy(paths.DATA_DIR / table, tmp_path / name)
    env = {**os.environ, "MPLBACKEND": "Agg"}
    for number, code in enumerate(blocks("python"), start=1):
        script = tmp_path / f"readme_block_{number}.py"
        script.write_text(code, encoding="utf-8")
        done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"README python block {number} fails:\n{code}\n{done.stderr[-3000:]}"


#: The environment of the make commands run here: none of a calling make's flags (`make test`), no DATA.
MAKE_ENV = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "DATA")}


def _options(subparser) -> set[str]:
    return {option for action in subparser._actions for option in action.option_strings}


def test_the_civicstats_commands_exist():
    script = Path(sys.executable).parent / "civicstats"  # the installed command, as a reader runs it
    cli = [str(script)] if script.exists() else [sys.executable, "-m", "civicstats.cli"]
    help_text = subprocess.run([*cli, "--help"], capture_output=True, text=True, timeout=120, cwd=ROOT).stdout
    listed = set(re.findall(r"^ {4}([a-z][a-z-]*) ", help_text, flags=re.M))
    subparsers = next(a for a in parser()._actions if a.dest == "command").choices
    assert listed == set(subparsers)
    shown = [c.split() for c in commands() if c.startswith("civicstats ")]
    assert shown
    for words in shown:
        assert words[1] in listed, f"README shows `{' '.join(words)}`: no such subcommand in civicstats --help"
        options = set(re.findall(r"--[a-z][a-z-]*", " ".join(words[2:])))
        unknown = options - _options(subparsers[words[1]])
        assert not unknown, f"README shows `{' '.join(words)}`: civicstats {words[1]} has no {sorted(unknown)}"


def test_the_make_targets_exist():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    for command in (c for c in commands() if c.startswith("make")):
        for word in command.split()[1:]:
            if "=" not in word:
                assert word in targets, f"README shows `{command}`: the Makefile has no target {word!r}"


@pytest.mark.parametrize("target", ["", "help"])
def test_make_alone_lists_the_targets(target):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(["make", "-s", *([target] if target else [])], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env=MAKE_ENV)
    assert done.returncode == 0
    for name in ("report", "test", "bench", "check", "clean"):
        assert f"make {name}" in done.stdout


def test_make_check_without_data_prints_its_usage():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(["make", "-s", "check"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=MAKE_ENV)
    assert done.returncode == 2
    assert "usage: make check DATA=" in done.stderr
    assert "Traceback" not in done.stderr and "error: the following arguments" not in done.stderr


def test_make_clean_removes_every_ignored_folder():
    """Every folder .gitignore names is one `make clean` removes (dry run: nothing is deleted)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    recipe = subprocess.run(["make", "-n", "clean"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env=MAKE_ENV).stdout
    ignored = [line.strip().strip("/") for line in (ROOT / ".gitignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    missing = [name for name in ignored if name not in recipe]
    assert not missing, f"make clean leaves {missing}"


def test_the_readme_links_to_files_that_exist():
    links = re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", README.read_text(encoding="utf-8"))
    assert links
    missing = [link for link in links if not (ROOT / link).exists()]
    assert not missing, f"README links to {missing}"


def test_the_readme_quotes_only_words_a_source_wrote():
    """Issue 20 re-read: « about 4,500 » and « environ 4 500 » were set in quotation marks, but LOC2 wrote « près
    de 4.500 »; a figure in « » must be the source's own words, as the data's notes quote them."""
    written = " ".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "data").glob("*.csv")))
    quoted = re.findall(r"«\s*([^»]*?\d[^»]*?)\s*»", README.read_text(encoding="utf-8"))
    assert quoted and [q for q in quoted if f"« {q}" not in written] == []


def test_the_readme_gives_the_2017_budgets_to_the_census_that_counted_them():
    """67 towns with a participatory budget in 2017 come from a doctoral student's census (NL, LOC), not the survey."""
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert "with a survey: 157 collectivities using such tools [NL, LOC] (its reporters also cite a doctoral " \
        "student's census of 67 towns" in text
