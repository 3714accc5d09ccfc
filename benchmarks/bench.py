"""Benchmarks: the waits users know, each held to a target against a baseline measured in the same run.

    make bench                          # every figure but the test suite's
    make bench ARGS="--quick check"     # or: .venv/bin/python benchmarks/bench.py [--quick] [--with-tests] [FIGURE ...]

The figures (measured against baseline: target; ``--help`` lists them too):

* ``cold``: ``civicstats build --out NEW --force``, every notebook in each
  edition (6 notebooks x English, French = 12 runs), against as many trivial
  notebooks run one after another by ``jupyter nbconvert --execute``: <= 0.8;
* ``noop``: ``civicstats build --out DIR`` again, nothing changed, against ``import civicstats``: <= 3;
* ``check-export``: ``civicstats check`` of the shipped observatory export
  (``data/raw/PROVENANCE.md``), against ``pandas.read_csv`` of it: <= 2;
* ``check-workbook``: ``civicstats check`` of a 35,000-row responses workbook
  (one row per commune: the national scale), against calamine's read of its
  sheet through pandas (``pandas.read_excel(engine="calamine")``, what an
  analyst would run): <= 1.5, both on one processor (calamine reads on one thread);
* ``hostile``: ``civicstats check`` of each file of ``tests/hostile.py``'s
  corpus, against that of a small valid file: at most 2 s and 100 MB more;
* ``tests``: ``make test``: at most 180 s (long: only with ``--with-tests`` or named).

Every command runs as a whole process, as a person would run it. A figure and
its baseline are timed alternately (A B A B ...), after an untimed run of
each where that is cheap, and their medians compared: other work on the
machine weighs on both alike. A run must exit 0 and print what shows it did
its work (``built N``, ``ok``), else the figure is "not measured": missed.
The two checks also show their processor times (user + system) and their
ratio: on a busy machine, the steadier figure. The script prints one
Markdown table (the README's Performance section) and exits 1 on a miss. ``--quick`` times each figure once (to try the script);
``check`` names both checks. Inputs are written into ``benchmarks/.work/``
(git-ignored); the workbook is kept while its generator is unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work"
PYTHON = sys.executable
BIN = Path(PYTHON).parent
CIVICSTATS = [str(BIN / "civicstats")]
NBCONVERT = [str(BIN / "jupyter"), "nbconvert"]
EXPORT = ROOT / "data" / "raw" / "odf" / "ODF-Observatoire-organisations-221019.csv"
RESPONSES_ROWS = 35_000
HOSTILE = ROOT / "tests" / "hostile.py"
HOSTILE_SECONDS, HOSTILE_MB = 2.0, 100.0
TESTS_SECONDS = 180.0
#: Every command's environment: this one, with Python's default bytecode caching (the untimed first run of
#: each command writes the caches, as a user's first run does).
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
TRIVIAL_CELLS = (
    "import pandas as pd\nimport matplotlib.pyplot as plt",
    "frame = pd.DataFrame({'year': range(2014, 2025), 'count': [0, 2, 5, 47, 80, 120, 170, 200, 230, 250, 270]})\n"
    "frame['share'] = frame['count'] / frame['count'].sum()\nframe",
    "frame.describe()",
    "fig, ax = plt.subplots(figsize=(6, 3))\nax.bar(frame['year'], frame['count'])\nplt.show()",
)


class BenchmarkError(Exception):
    """A command failed or did not do its work: the figure is not measured."""


@dataclass
class Verdict:
    """One row of the table."""

    figure: str
    measured: str
    baseline: str
    ratio: str
    target: str
    met: bool

    def row(self) -> str:
        result = "met" if self.met else "**missed**"
        return "| " + " | ".join((self.figure, self.measured, self.baseline, self.ratio, self.target, result)) + " |"


def ratio_verdict(figure: str, measured: list[float], baseline: list[float], what: str, target: float,
                  processor: tuple[list[float], list[float]] | None = None) -> Verdict:
    """The verdict on ``median(measured) / median(baseline) <= target``; ``what`` names the baseline.

    ``processor``: the processor times of both, shown beside (on a busy machine, their ratio is the steadier).
    """
    a, b = statistics.median(measured), statistics.median(baseline)
    verdict = Verdict(f"{figure} (n={len(measured)})", f"{a:.3f} s", f"{b:.3f} s: {what}", f"{a / b:.2f}×",
                      f"≤ {target:g}×", a / b <= target)
    if processor:
        pa, pb = map(statistics.median, processor)
        verdict.measured += f" ({pa:.2f} s of processor time)"
        verdict.baseline = f"{b:.3f} s ({pb:.2f} s): {what}"
        verdict.ratio += f" (processor time: {pa / pb:.2f}×)"
    return verdict


def table(verdicts: list[Verdict]) -> str:
    return "\n".join(["| figure | measured | baseline | ratio | target | result |", "|---|---|---|---|---|---|",
                      *(v.row() for v in verdicts)])


def one_processor() -> None:
    """Run the calling process (a child, before exec) on one processor."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def run_output(cmd: Sequence[str], expect: str | None = None, pinned: bool = False) -> tuple[float, str]:
    """Seconds and standard output of ``cmd``; a failure, or output without ``expect``, raises BenchmarkError."""
    pin = one_processor if pinned and hasattr(os, "sched_setaffinity") else None
    started = time.perf_counter()
    done = subprocess.run(list(cmd), cwd=ROOT, env=ENV, capture_output=True, text=True, preexec_fn=pin)
    seconds = time.perf_counter() - started
    if done.returncode != 0 or (expect is not None and not re.search(expect, done.stdout, re.MULTILINE)):
        raise BenchmarkError(f"{' '.join(map(str, cmd))} exited {done.returncode} (expected {expect!r}):\n"
                             f"{done.stdout[-1500:]}{done.stderr[-1500:]}")
    return seconds, done.stdout


def run(cmd: Sequence[str], expect: str | None = None, pinned: bool = False) -> float:
    return run_output(cmd, expect, pinned)[0]


def processor_timed(runs: int, cmd: Sequence[str], expect: str | None = None,
                    pinned: bool = False) -> tuple[Callable[[], float], Callable[[], list[float]]]:
    """A command that runs ``cmd`` and returns its seconds, and one that returns the processor times (user +
    system) of its last ``runs`` runs."""
    times: list[float] = []

    def timed() -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds = run(cmd, expect, pinned)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        return seconds

    return timed, lambda: times[-runs:]


def alternate(runs: int, measured: Callable[[], float], baseline: Callable[[], float],
              warmup: bool = True) -> tuple[list[float], list[float]]:
    """``runs`` timings of each, alternately, after one untimed run of each (unless ``warmup`` is false)."""
    if warmup:
        measured()
        baseline()
    a, b = [], []
    for _ in range(runs):
        a.append(measured())
        b.append(baseline())
    return a, b


def responses_workbook() -> Path:
    """The 35,000-row responses workbook, written by ``scripts/make_national_responses.py`` unless up to date."""
    script = ROOT / "scripts" / "make_national_responses.py"
    digest = hashlib.sha256(script.read_bytes() + (ROOT / "data" / "collectivity_universe.csv").read_bytes())
    path = WORK / f"responses-{RESPONSES_ROWS}-{digest.hexdigest()[:12]}.xlsx"
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        for old in WORK.glob("responses-*.xlsx"):
            old.unlink()
        partial = path.with_suffix(".partial.xlsx")
        run([PYTHON, str(script), str(partial), "--rows", str(RESPONSES_ROWS)])
        partial.replace(path)
    return path


def trivial_notebooks(folder: Path, count: int) -> list[Path]:
    """``count`` trivial notebooks (a DataFrame, a summary, a small chart): the cold build's baseline."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        nb = new_notebook(cells=[new_code_cell(source) for source in TRIVIAL_CELLS])
        nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
        paths.append(folder / f"trivial-{i + 1}.ipynb")
        nbformat.write(nb, paths[-1])
    return paths


def hostile_corpus(folder: Path) -> list[Path]:
    """The files of ``tests/hostile.py``'s corpus, written into ``folder`` (``corpus(folder) -> list[Path]``)."""
    spec = importlib.util.spec_from_file_location("civicstats_bench_hostile", HOSTILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        files = [Path(p) for p in module.corpus(folder)]
    except (OSError, ImportError, AttributeError) as exc:
        raise BenchmarkError(f"no hostile corpus: {HOSTILE} must define corpus(folder) -> list[Path] ({exc})") from exc
    finally:
        sys.modules.pop(spec.name, None)
    if not files:
        raise BenchmarkError(f"no hostile corpus: {HOSTILE}'s corpus(folder) returned no file")
    return files


def cold(runs: int) -> Verdict:
    counts: list[int] = []

    def build() -> float:
        out = Path(tempfile.mkdtemp(prefix="cold-", dir=WORK))
        try:
            seconds, stdout = run_output([*CIVICSTATS, "build", "--out", str(out), "--force"], expect=r"built [1-9]")
        finally:
            shutil.rmtree(out, ignore_errors=True)
        counts.append(int(re.search(r"built (\d+)", stdout).group(1)))
        return seconds

    def trivial() -> float:
        notebooks = trivial_notebooks(WORK / "trivial", counts[-1])
        html = ["--execute", "--to", "html", "--output-dir", str(WORK / "trivial-html")]
        return sum(run([*NBCONVERT, *html, str(nb)]) for nb in notebooks)

    WORK.mkdir(parents=True, exist_ok=True)
    run([*NBCONVERT, "--execute", "--to", "html", "--output-dir", str(WORK / "trivial-html"),
         str(trivial_notebooks(WORK / "trivial", 1)[0])])  # one untimed kernel start (the build is too long to warm)
    a, b = alternate(runs, build, trivial, warmup=False)
    if len(set(counts)) != 1:
        raise BenchmarkError(f"the builds made different numbers of notebook runs: {counts}")
    return ratio_verdict(f"cold build, {counts[0]} notebook runs", a, b,
                         f"{counts[0]} trivial notebooks, `nbconvert --execute`", 0.8)


def noop(runs: int) -> Verdict:
    out = WORK / "noop"  # kept between runs of the bench: only its first build is a full one
    build = [*CIVICSTATS, "build", "--out", str(out)]
    WORK.mkdir(parents=True, exist_ok=True)
    run(build)
    a, b = alternate(runs, lambda: run(build, expect=r"\bbuilt 0\b"), lambda: run([PYTHON, "-c", "import civicstats"]))
    return ratio_verdict("no-op build", a, b, "`import civicstats`", 3)


def check_export(runs: int) -> Verdict:
    check, check_cpu = processor_timed(runs, [*CIVICSTATS, "check", str(EXPORT)], expect="^ok")
    read, read_cpu = processor_timed(runs, [PYTHON, "-c", f"import pandas; pandas.read_csv({str(EXPORT)!r})"])
    a, b = alternate(runs, check, read)
    return ratio_verdict("`civicstats check` of the observatory export", a, b, "`pandas.read_csv`", 2,
                         (check_cpu(), read_cpu()))


def check_workbook(runs: int) -> Verdict:
    path = responses_workbook()
    # the read an analyst would do: pandas with calamine as its engine (what the previous bench compared with)
    read = f"import pandas; pandas.read_excel({str(path)!r}, sheet_name='responses', engine='calamine')"
    check, check_cpu = processor_timed(runs, [*CIVICSTATS, "check", str(path)], expect="^ok", pinned=True)
    excel, excel_cpu = processor_timed(runs, [PYTHON, "-c", read], pinned=True)
    a, b = alternate(runs, check, excel)
    return ratio_verdict(f"`civicstats check` of a {RESPONSES_ROWS:,}-row workbook", a, b,
                         "`pandas.read_excel(engine=\"calamine\")` of the sheet", 1.5, (check_cpu(), excel_cpu()))


#: Runs a command, then writes its exit status, seconds and peak memory (kB) to a file: a small process of
#: its own, since Linux keeps a process's peak memory across exec (a child of the bench would inherit its size).
MEASURE = """\
import resource, subprocess, sys, time
started = time.perf_counter()
status = subprocess.call(sys.argv[2:], stdout=subprocess.DEVNULL)
seconds = time.perf_counter() - started
with open(sys.argv[1], "w") as out:
    out.write(f"{status} {seconds} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
"""


def measured_check(path: Path) -> tuple[float, float]:
    """Seconds and peak memory (MB) of ``civicstats check PATH``; an internal error (exit 3, a crash) raises."""
    with tempfile.TemporaryDirectory() as folder:
        result = Path(folder) / "result"
        done = subprocess.run([PYTHON, "-c", MEASURE, str(result), *CIVICSTATS, "check", str(path)], cwd=ROOT,
                              env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        status, seconds, peak_kb = result.read_text().split() if result.exists() else ("?", "0", "0")
    if status not in ("0", "1", "2") or "Traceback" in done.stderr:
        raise BenchmarkError(f"civicstats check {path} exited {status}:\n{done.stderr[-2000:]}")
    return float(seconds), int(peak_kb) / 1024


def hostile_verdict(seconds: dict[str, float], mb: dict[str, float], trivial_seconds: float,
                    trivial_mb: float) -> Verdict:
    """The worst time and the worst peak memory over the corpus, against the trivial check's."""
    slow, big = max(seconds, key=seconds.get), max(mb, key=mb.get)
    extra_seconds, extra_mb = seconds[slow] - trivial_seconds, mb[big] - trivial_mb
    return Verdict(f"hostile inputs, worst of {len(seconds)} files", f"{seconds[slow]:.2f} s ({slow}), "
                   f"{mb[big]:.0f} MB ({big})", f"{trivial_seconds:.2f} s, {trivial_mb:.0f} MB: a trivial check",
                   f"{extra_seconds:+.2f} s, {extra_mb:+.0f} MB", f"≤ +{HOSTILE_SECONDS:g} s, +{HOSTILE_MB:g} MB",
                   extra_seconds <= HOSTILE_SECONDS and extra_mb <= HOSTILE_MB)


def hostile(runs: int) -> Verdict:
    folder = WORK / "hostile"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    files = hostile_corpus(folder)
    trivial = folder / "trivial" / "participatory_budgets.csv"
    trivial.parent.mkdir(parents=True)
    shutil.copyfile(ROOT / "data" / "participatory_budgets.csv", trivial)
    measured_check(trivial)  # untimed: warms the disk cache
    times: dict[str, list[float]] = {}
    peaks: dict[str, float] = {}
    for _ in range(runs):  # every file, then the trivial check, per round
        for path in [*files, trivial]:
            name = str(path.relative_to(folder))
            seconds, mb = measured_check(path)
            times.setdefault(name, []).append(seconds)
            peaks[name] = max(peaks.get(name, 0.0), mb)
    base = str(trivial.relative_to(folder))
    trivial_seconds, trivial_mb = statistics.median(times.pop(base)), peaks.pop(base)
    return hostile_verdict({name: statistics.median(t) for name, t in times.items()}, peaks, trivial_seconds,
                           trivial_mb)


def tests(runs: int) -> Verdict:
    seconds = run(["make", "test"])
    return Verdict("`make test`", f"{seconds:.0f} s", "", "", f"≤ {TESTS_SECONDS:g} s", seconds <= TESTS_SECONDS)


class Figure(NamedTuple):
    measure: Callable[[int], Verdict]
    runs: int  # pairs of timings; --quick: 1
    help: str


FIGURES = {
    "cold": Figure(cold, 3, "cold build of every notebook run <= 0.8x as many trivial `nbconvert --execute`"),
    "noop": Figure(noop, 10, "no-op build <= 3x `import civicstats`"),
    "check-export": Figure(check_export, 7, "check of the observatory export <= 2x pandas.read_csv of it"),
    "check-workbook": Figure(check_workbook, 5, f"check of a {RESPONSES_ROWS:,}-row workbook <= 1.5x calamine's read"),
    "hostile": Figure(hostile, 3, f"every hostile input <= +{HOSTILE_SECONDS:g} s, +{HOSTILE_MB:g} MB over a "
                                  "trivial check"),
    "tests": Figure(tests, 1, f"`make test` <= {TESTS_SECONDS:g} s (only with --with-tests, or named)"),
}


def chosen(names: Sequence[str], with_tests: bool) -> list[str]:
    """The figures named (a name before a dash names them all: ``check``), in table order; none: the default set."""
    if not names:
        return [name for name in FIGURES if name != "tests" or with_tests]
    unknown = [n for n in names if not any(f == n or f.startswith(n + "-") for f in FIGURES)]
    if unknown:
        raise ValueError(f"unknown figure {', '.join(unknown)} (figures: {', '.join(FIGURES)})")
    return [f for f in FIGURES if any(f == n or f.startswith(n + "-") for n in names) or (f == "tests" and with_tests)]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Time what users wait for, against baselines; exit 1 on a miss.",
                                epilog="figures:\n" + "\n".join(f"  {n:<15} {f.help}" for n, f in FIGURES.items()),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("figures", nargs="*", metavar="FIGURE", help="measure only these (default: all but tests)")
    p.add_argument("--quick", action="store_true", help="one timing of each (to try the script)")
    p.add_argument("--with-tests", action="store_true", help="also time `make test` (about 3 minutes)")
    args = p.parse_args(argv)
    try:
        names = chosen(args.figures, args.with_tests)
    except ValueError as exc:
        p.error(str(exc))
    started = time.perf_counter()
    print(f"civicstats benchmarks: {os.cpu_count()} cores, Python {sys.version.split()[0]}"
          + (", --quick: not the README's figures" if args.quick else ""), flush=True)
    verdicts = []
    for name in names:
        figure = FIGURES[name]
        t = time.perf_counter()
        try:
            verdicts.append(figure.measure(1 if args.quick else figure.runs))
        except BenchmarkError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            verdicts.append(Verdict(name, "not measured", " ".join(str(exc).split())[:200], "", "", False))
        print(f"  {name}: {time.perf_counter() - t:.0f} s", flush=True)
    print("\n" + table(verdicts) + f"\n\ntotal {time.perf_counter() - started:.0f} s")
    missed = [v.figure for v in verdicts if not v.met]
    if missed:
        print(f"make bench: missed or not measured: {'; '.join(missed)}", file=sys.stderr)
        return 1
    print(f"make bench: {len(verdicts)} of {len(verdicts)} targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
