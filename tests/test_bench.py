"""The benchmark's verdicts (benchmarks/bench.py): a missed target or a figure
not measured makes `make bench` exit non-zero and say which. Nothing here times
anything; the figures themselves are measured by `make bench` only."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("civicstats_bench", ROOT / "benchmarks" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_each_timed_figure_is_held_to_its_issue_14_target(bench):
    assert {name: target for name, (target, _) in bench.TARGETS.items()} == {
        "check": 1.2, "cold": 0.6, "warm": 2.0, "import": 0.3, "aggregate": 0.1}
    assert (bench.HOSTILE_SECONDS, bench.HOSTILE_MB) == (2.0, 100.0)
    assert set(bench.RUNS) == {*bench.TARGETS, "hostile"}


def test_a_ratio_over_its_target_is_missed(bench):
    met = bench.Comparison("check", "check", "read", [1.1, 1.2, 5.0], [1.0, 1.0, 1.0])
    missed = bench.Comparison("check", "check", "read", [1.3, 1.3, 0.1], [1.0, 1.0, 1.0])
    assert met.ratio == pytest.approx(1.2) and met.ok and "met" in met.line() and "<= 1.2x" in met.line()
    assert not missed.ok and "MISSED" in missed.line() and "**missed**" in missed.row()
    invalid = bench.Comparison("cold", "cold", "trivial", [1.0], [10.0], invalid="5 runs, not 10")
    assert not invalid.ok and "INVALID" in invalid.line()


def test_the_hostile_budget_is_over_the_trivial_check(bench):
    within = bench.Budget(3, (2.9, "a.xlsx"), (190.0, "b.csv"), 1.0, 95.0, 3)
    slow = bench.Budget(3, (3.1, "a.xlsx"), (100.0, "b.csv"), 1.0, 95.0, 3)
    big = bench.Budget(3, (1.0, "a.xlsx"), (196.0, "b.csv"), 1.0, 95.0, 3)
    assert within.ok and not slow.ok and not big.ok
    assert "+1.900 s" in within.line() and "a.xlsx" in within.line() and "b.csv" in within.line()


def test_the_build_summary_gives_the_runs(bench):
    assert bench.built_runs("index en: 5 reports\nbuilt 10, up to date 0\n") == (10, 0)
    with pytest.raises(bench.BenchmarkError):
        bench.built_runs("build failed")


def test_a_missing_corpus_is_said_and_fails_the_bench(bench, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(bench, "CORPUS_MODULE", tmp_path / "hostile.py")
    monkeypatch.setattr(bench, "WORK", tmp_path / "work")
    assert bench.main(["--quick", "--only", "hostile"]) == 1
    out, err = capsys.readouterr()
    assert "corpus not available" in out and "NOT MEASURED" in out
    assert "make bench: MISSED" in err and "1 of 1 figures" in err


def test_a_corpus_is_checked_file_by_file(bench, monkeypatch, tmp_path):
    """Each file in its own process; the worst time and the worst peak memory are found per file.

    A stand-in for `civicstats check` (a process that holds 60 MB for a file named big, sleeps 0.5 s
    for a file named slow) keeps this test fast and its expectations exact.
    """
    module = tmp_path / "hostile.py"
    module.write_text("from pathlib import Path\n"
                      "def corpus(folder):\n"
                      "    paths = [Path(folder) / name for name in ('big.csv', 'slow.xlsx', 'plain.csv')]\n"
                      "    for path in paths:\n"
                      "        path.write_bytes(b'x')\n"
                      "    return paths\n")
    stand_in = ("import sys, time\n"
                "name = sys.argv[-1]\n"
                "held = bytearray(60 * 1024 * 1024) if 'big' in name else bytearray()\n"
                "held[::4096] = b'x' * len(held[::4096])\n"  # touch every page: resident, not just reserved
                "time.sleep(0.5 if 'slow' in name else 0)\n"
                "sys.exit(1)\n")
    monkeypatch.setattr(bench, "CORPUS_MODULE", module)
    monkeypatch.setattr(bench, "WORK", tmp_path / "work")
    monkeypatch.setattr(bench, "CIVICSTATS", [sys.executable, "-c", stand_in])
    figure = bench.figure_hostile(1)
    assert isinstance(figure, bench.Budget), figure
    assert figure.files == 3
    assert figure.worst_seconds[1] == "slow.xlsx" and figure.extra_seconds >= 0.4
    assert figure.worst_mb[1] == "big.csv" and 55 <= figure.extra_mb <= 100
    assert figure.ok  # within +2 s and +100 MB of the trivial check
    monkeypatch.setattr(bench, "CIVICSTATS", [sys.executable, "-c", "import sys; sys.exit(3)"])
    with pytest.raises(bench.BenchmarkError, match="exited 3"):  # an internal error is never a figure
        bench.figure_hostile(1)
