"""Benchmarks (issue 6): fast to import, fast to rebuild, fast on a national survey.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench.py``). Every
figure is a ratio to a baseline measured in the same run, on the same
machine, so that a slower or faster machine moves the verdict far less than
absolute times would: each pair is measured alternately (A B A B ...) and the
medians are compared. Other work on the machine still weighs on it (the cold
build uses every core, its baseline about one): run it on an idle machine. Nothing
here asserts a time and none of it is part of the test suite; it prints one
line per figure (median of the measured command, median of its baseline, the
ratio, the target, met or missed) and the total time, under five minutes on
two cores.

The figures, each against its baseline, and the target ratio:

* ``import civicstats`` in a fresh interpreter, against ``import pandas``: <= 1.15;
* warm build (``civicstats build --out DIR`` into a folder built once, so
  every notebook is up to date), against ``import civicstats``: <= 3;
* cold build (``civicstats build --out NEW --force``: every notebook executed
  in a fresh kernel and rendered), against executing as many trivial
  notebooks one after another with ``jupyter nbconvert --execute --to html``: <= 0.8;
* ``civicstats check`` of the 100,000-row responses workbook, against
  ``pandas.read_excel(path, sheet_name="responses", engine="calamine")`` in a
  fresh interpreter: <= 1.5;
* ``aggregate_responses`` of the 100,000 validated responses, against
  reading the sheet with ``civicstats.readers.xlsx.read_sheet``: <= 0.5.

Commands are timed as whole processes (``subprocess`` and
``time.perf_counter``), as a person would run them, and each run is checked
to have done its work (the build's and the check's summaries); the
aggregation is timed in-process, against reading the same sheet in-process.

Inputs are generated here, into ``benchmarks/.work/`` (git-ignored):

* the national responses workbook, 100,000 rows, written with
  ``scripts/make_national_responses.py``. One wave can hold at most one row
  per collectivity: with 100,000 rows in a single wave there would be more
  régions and métropoles answering than exist, their counts would exceed the
  official numbers and ``civicstats check`` would stop at those errors
  instead of doing the full work. So the workbook holds three waves
  (``as_of`` 2024, 2025 and 2026) of 33,334, 33,333 and 33,333 rows, each
  drawn in the proportions of 2018 with its own seed (1, 2, 3): every level of
  every wave stays under its official count, and the workbook is valid (this
  script checks that ``civicstats check`` exits 0 on it before timing). The
  generated workbook is deterministic and reused while the generator, the
  responses module and the official counts are unchanged;
* as many trivial notebooks as ``notebooks/`` holds (a DataFrame, a summary,
  a small matplotlib chart), the baseline of the cold build, each executed
  with ``jupyter nbconvert --execute --to html``, one after another.

Options: ``--quick`` (fewer runs, to try the script), ``--only NAME``
(repeatable: import, warm, cold, check, aggregate).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import hashlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work"
PYTHON = sys.executable
BIN = Path(PYTHON).parent
#: The workbook's waves: (as_of, rows, seed); 100,000 rows, each wave within the official counts.
WAVES = (("2024", 33_334, 1), ("2025", 33_333, 2), ("2026", 33_333, 3))
ROWS = sum(rows for _, rows, _ in WAVES)
#: Runs per figure (each run times the command and its baseline once): (full, --quick).
#: (The warm build comes before the cold one: building its output once warms the disk cache for both.)
RUNS = {"import": (15, 3), "warm": (15, 3), "cold": (4, 1), "check": (5, 2), "aggregate": (7, 2)}

TRIVIAL_CELLS = (
    "import pandas as pd\nimport matplotlib.pyplot as plt",
    "frame = pd.DataFrame({'year': range(2014, 2025), 'count': [0, 2, 5, 47, 80, 120, 170, 200, 230, 250, 270]})\n"
    "frame['share'] = frame['count'] / frame['count'].sum()\nframe",
    "frame.describe()",
    "fig, ax = plt.subplots(figsize=(6, 3))\nax.bar(frame['year'], frame['count'])\n"
    "ax.set_title('A trivial chart')\nplt.show()",
)


@dataclass
class Comparison:
    """One figure of the benchmark: the measured command's times and its baseline's, in seconds."""

    what: str
    baseline: str
    target: float
    measured: list[float]
    base: list[float]

    @property
    def ratio(self) -> float:
        return statistics.median(self.measured) / statistics.median(self.base)

    def line(self) -> str:
        verdict = "met" if self.ratio <= self.target else "missed"
        target = f"<= {self.target:g}x"
        return (f"{self.what:<44} {statistics.median(self.measured):8.3f} s   {self.baseline:<44} "
                f"{statistics.median(self.base):8.3f} s   {self.ratio:5.2f}x   {target:<8}  "
                f"{verdict:<6}  (n={len(self.measured)})")


# --------------------------------------------------------------------------
# Running and timing


def command(name: str, *module: str) -> list[str]:
    """A console script of this environment, or ``python -m MODULE`` when it has none."""
    script = BIN / name
    return [str(script)] if script.exists() else [PYTHON, "-m", *module]


CIVICSTATS = command("civicstats", "civicstats.cli")
NBCONVERT = [*command("jupyter", "jupyter"), "nbconvert"]


def run(cmd: Sequence[str], cwd: Path = ROOT, expect: str | None = None) -> float:
    """Seconds ``cmd`` takes as a whole process; a failure, or output without ``expect``, stops the benchmark."""
    started = time.perf_counter()
    done = subprocess.run(list(cmd), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or (expect is not None and expect not in done.stdout):
        sys.exit(f"benchmark command failed ({done.returncode}, expected {expect!r}): {' '.join(cmd)}\n"
                 f"{done.stdout}{done.stderr}")
    return elapsed


def pairs(runs: int, measured: Callable[[], float], baseline: Callable[[], float]) -> tuple[list[float], list[float]]:
    """Time ``measured`` and ``baseline`` alternately, ``runs`` times each."""
    a, b = [], []
    for _ in range(runs):
        a.append(measured())
        b.append(baseline())
    return a, b


def in_process(function: Callable[[], object]) -> Callable[[], float]:
    """A timer of ``function`` called in this process, after a garbage collection."""

    def timed() -> float:
        gc.collect()
        started = time.perf_counter()
        function()
        return time.perf_counter() - started

    return timed


# --------------------------------------------------------------------------
# Inputs


def _digest(*paths: Path) -> str:
    h = hashlib.sha256(repr(WAVES).encode())
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()


def national_workbook() -> Path:
    """The 100,000-row responses workbook (see the module's docstring), made if missing or outdated."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import make_national_responses as national
    from civicstats import paths

    path = WORK / f"national-responses-{ROWS}.xlsx"
    stamp = path.with_suffix(".sha256")
    digest = _digest(Path(national.__file__), ROOT / "civicstats" / "readers" / "responses.py",
                     paths.DATA_DIR / "collectivity_universe.csv")
    if path.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return path
    started = time.perf_counter()
    waves = [national.generate(rows=rows, seed=seed, as_of=as_of) for as_of, rows, seed in WAVES]
    combined = national.NationalResponses([row for w in waves for row in w.rows], {}, {}, {})
    national.write(combined, path)
    stamp.write_text(digest + "\n")
    print(f"wrote {path.relative_to(ROOT)}: {len(combined.rows):,} responses in {len(WAVES)} waves "
          f"in {time.perf_counter() - started:.1f} s")
    return path


def verify_valid(path: Path) -> None:
    """``civicstats check`` must accept the workbook, or its timing would be of an early exit."""
    done = subprocess.run([*CIVICSTATS, "check", str(path)], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0 or f"responses ({ROWS} rows)" not in done.stdout:
        sys.exit(f"the benchmark workbook is not valid (civicstats check exited {done.returncode}):\n"
                 f"{done.stdout}{done.stderr[-3000:]}")
    print(f"civicstats check: {done.stdout.strip()}")


def trivial_notebooks(folder: Path, count: int) -> list[Path]:
    """``count`` trivial pandas + matplotlib notebooks, the cold build's baseline."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(count):
        nb = new_notebook(cells=[new_markdown_cell(f"# Trivial notebook {i + 1}"),
                                 *(new_code_cell(source) for source in TRIVIAL_CELLS)])
        for index, cell in enumerate(nb.cells):
            cell.id = f"c{index}"
        nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
        path = folder / f"trivial-{i + 1}.ipynb"
        nbformat.write(nb, path)
        made.append(path)
    return made


# --------------------------------------------------------------------------
# The figures


def figure_import(runs: int) -> Comparison:
    a, b = pairs(runs, lambda: run([PYTHON, "-c", "import civicstats"]),
                 lambda: run([PYTHON, "-c", "import pandas"]))
    return Comparison("import civicstats (fresh interpreter)", "import pandas", 1.15, a, b)


def notebook_count() -> int:
    """Notebook runs of one build: every notebook, once per edition of the reports (EN, FR)."""
    from civicstats import paths
    from civicstats.site import EDITIONS

    return len(list(paths.NOTEBOOKS_DIR.glob("*.ipynb"))) * len(EDITIONS)


def figure_cold(runs: int) -> Comparison:
    count = notebook_count()
    notebooks = trivial_notebooks(WORK / "trivial", count)
    html = WORK / "trivial-html"

    def cold_build() -> float:
        out = Path(tempfile.mkdtemp(prefix="cold-", dir=WORK))
        try:
            return run([*CIVICSTATS, "build", "--out", str(out), "--force"], expect=f"built {count}, up to date 0")
        finally:
            shutil.rmtree(out, ignore_errors=True)

    def trivial() -> float:
        return sum(run([*NBCONVERT, "--execute", "--to", "html", "--output-dir", str(html), str(nb)])
                   for nb in notebooks)

    run([*NBCONVERT, "--execute", "--to", "html", "--output-dir", str(html), str(notebooks[0])])  # warm-up
    a, b = pairs(runs, cold_build, trivial)
    return Comparison(f"cold build, {count} notebook runs, both editions (--force, new --out)",
                      f"nbconvert --execute --to html, {count} trivial", 0.8, a, b)


def figure_warm(runs: int) -> Comparison:
    out = WORK / "warm"
    shutil.rmtree(out, ignore_errors=True)
    count = notebook_count()
    run([*CIVICSTATS, "build", "--out", str(out)], expect=f"built {count}")  # every timed run finds it up to date
    a, b = pairs(runs, lambda: run([*CIVICSTATS, "build", "--out", str(out)], expect=f"built 0, up to date {count}"),
                 lambda: run([PYTHON, "-c", "import civicstats"]))
    return Comparison("warm build, nothing changed", "import civicstats", 3.0, a, b)


def figure_check(runs: int, workbook: Path) -> Comparison:
    read = f"import pandas; pandas.read_excel({str(workbook)!r}, sheet_name='responses', engine='calamine')"
    a, b = pairs(runs, lambda: run([*CIVICSTATS, "check", str(workbook)], expect=f"responses ({ROWS} rows)"),
                 lambda: run([PYTHON, "-c", read]))
    return Comparison(f"civicstats check, {ROWS:,}-row workbook", "pandas.read_excel(calamine), same sheet", 1.5, a, b)


def figure_aggregate(runs: int, workbook: Path) -> Comparison:
    import pandas as pd

    from civicstats.readers import RawTable
    from civicstats.readers.responses import aggregate_responses, validate_responses
    from civicstats.schema import Origin
    from civicstats.tables import source_ids

    try:
        from civicstats.readers.xlsx import clear_cache, read_sheet

        def read() -> RawTable:
            clear_cache()  # read_sheet caches per file: every timed read starts from the file
            return read_sheet(workbook, "responses")

        baseline = "xlsx.read_sheet, same sheet (in-process)"
    except ImportError:  # no workbook reader yet: pandas' calamine reader, as the issue allows
        def read() -> RawTable:
            frame = pd.read_excel(workbook, sheet_name="responses", engine="calamine", dtype=str).fillna("")
            frame.index = pd.RangeIndex(2, len(frame) + 2)
            return RawTable(frame, Origin(str(workbook), "responses"))

        baseline = "pandas.read_excel calamine (in-process)"
    responses = validate_responses(read(), source_ids=source_ids(workbook))
    aggregate_responses(responses)  # warm-up: the first calls import modules and parse the schemas
    a, b = pairs(runs, in_process(lambda: aggregate_responses(responses)), in_process(read))
    return Comparison(f"aggregate_responses, {len(responses):,} responses", baseline, 0.5, a, b)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{datetime.date.today().isoformat()}, {os.cpu_count()} cores ({model}), "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer runs per figure (to try the script)")
    p.add_argument("--only", choices=list(RUNS), action="append", help="measure only this figure (repeatable)")
    args = p.parse_args(argv)
    started = time.perf_counter()
    WORK.mkdir(parents=True, exist_ok=True)
    chosen = [name for name in RUNS if name in (args.only or RUNS)]
    runs = {name: counts[1 if args.quick else 0] for name, counts in RUNS.items()}
    print(f"civicstats benchmarks: {machine()}")

    workbook = None
    if {"check", "aggregate"} & set(chosen):
        workbook = national_workbook()
        verify_valid(workbook)

    measure = {
        "import": lambda n: figure_import(n),
        "warm": lambda n: figure_warm(n),
        "cold": lambda n: figure_cold(n),
        "check": lambda n: figure_check(n, workbook),
        "aggregate": lambda n: figure_aggregate(n, workbook),
    }
    figures = []
    for name in chosen:
        t = time.perf_counter()
        figures.append(measure[name](runs[name]))
        print(f"  measured {name} in {time.perf_counter() - t:.0f} s ({runs[name]} runs of each)", flush=True)

    print()
    print(f"{'figure':<44} {'median':>10}   {'baseline':<44} {'median':>10}   {'ratio':>6}   target    result")
    for f in figures:
        print(f.line())
    print(f"\ntotal time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
