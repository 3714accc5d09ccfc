"""The benchmark's logic (benchmarks/bench.py): verdicts, the table, the exit status, its inputs.

Nothing here times anything: timings are faked; `make bench` measures.
"""

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


def test_a_ratio_of_medians_over_its_target_is_missed(bench):
    met = bench.ratio_verdict("check", [1.1, 1.2, 50.0], [1.0, 1.0, 0.1], "read", 1.2)  # medians: one outlier each
    missed = bench.ratio_verdict("check", [1.3, 1.3, 0.1], [1.0, 1.0, 9.0], "read", 1.2)
    assert met.met and met.ratio == "1.20×" and met.target == "≤ 1.2×"
    assert not missed.met and missed.ratio == "1.30×"
    assert missed.row().endswith("| **missed** |") and met.row().endswith("| met |")


def test_processor_times_are_shown_beside_the_seconds(bench):
    verdict = bench.ratio_verdict("check", [2.0, 3.0, 9.0], [1.0, 1.0, 1.0], "read", 2, ([1.5, 1.6, 1.7], [1.0, 0.8]))
    assert verdict.measured == "3.000 s (1.60 s of processor time)" and verdict.baseline == "1.000 s (0.90 s): read"
    assert verdict.ratio == "3.00× (processor time: 1.78×)" and not verdict.met  # the verdict is the seconds'


def test_the_hostile_budget_is_over_the_trivial_check(bench):
    def verdict(seconds, mb):
        return bench.hostile_verdict({"a.xlsx": seconds, "b.csv": 0.5}, {"a.xlsx": 90.0, "b.csv": mb}, 1.0, 95.0)

    assert verdict(2.9, 190.0).met
    assert not verdict(3.1, 100.0).met  # 2.1 s over the trivial check
    assert not verdict(1.0, 196.0).met  # 101 MB over
    within = verdict(2.9, 190.0)
    assert "a.xlsx" in within.measured and "b.csv" in within.measured and within.ratio == "+1.90 s, +95 MB"


@pytest.fixture
def fake_figures(bench, monkeypatch):
    """Every figure replaced by one that returns the given verdict, recording the runs it was asked for."""
    asked = {}

    def install(**met):
        for name in bench.FIGURES:
            def measure(runs, name=name):
                asked[name] = runs
                if name not in met:
                    raise bench.BenchmarkError(f"{name} failed")
                return bench.ratio_verdict(name, [met[name] and 1.0 or 3.0], [1.0], "base", 2)
            monkeypatch.setitem(bench.FIGURES, name, bench.FIGURES[name]._replace(measure=measure))
        return asked

    return install


def test_a_missed_target_exits_non_zero_and_says_which(bench, fake_figures, capsys):
    fake_figures(cold=True, noop=False)
    assert bench.main(["cold", "noop"]) == 1
    out, err = capsys.readouterr()
    assert "| cold (n=1) | 1.000 s | 1.000 s: base | 1.00× | ≤ 2× | met |" in out
    assert "| noop (n=1) | 3.000 s | 1.000 s: base | 3.00× | ≤ 2× | **missed** |" in out
    assert "missed or not measured: noop" in err


def test_a_figure_not_measured_is_missed(bench, fake_figures, capsys):
    fake_figures()
    assert bench.main(["hostile", "--quick"]) == 1
    out, err = capsys.readouterr()
    assert "| hostile | not measured | hostile failed |" in out and "hostile failed" in err


def test_all_met_exits_zero_and_quick_times_once(bench, fake_figures, capsys):
    asked = fake_figures(**{name: True for name in bench.FIGURES})
    assert bench.main(["--quick"]) == 0
    assert asked == {name: 1 for name in bench.FIGURES if name != "tests"}  # make test only when asked
    assert "5 of 5 targets met" in capsys.readouterr().out


def test_figures_are_chosen_by_name_or_prefix(bench):
    assert bench.chosen([], False) == ["cold", "noop", "check-export", "check-workbook", "hostile"]
    assert bench.chosen([], True)[-1] == "tests"
    assert bench.chosen(["check", "cold"], False) == ["cold", "check-export", "check-workbook"]
    assert bench.chosen(["check-export"], True) == ["check-export", "tests"]
    with pytest.raises(ValueError, match="unknown figure col"):
        bench.chosen(["col"], False)


def test_help_lists_every_figure(bench, capsys):
    with pytest.raises(SystemExit) as exited:
        bench.main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "--quick" in out and "--with-tests" in out
    for name in bench.FIGURES:
        assert f"\n  {name} " in out


def test_the_cold_baseline_runs_as_many_notebooks_as_the_build(bench, monkeypatch, tmp_path):
    """The build says `built 12`: each baseline round executes 12 trivial notebooks (faked: 0.1 s each)."""
    calls = []

    def fake_run_output(cmd, expect=None, pinned=False):
        calls.append("build" if "build" in cmd else "nbconvert")
        return (1.0, "built 12, up to date 0\n") if "build" in cmd else (0.1, "")

    monkeypatch.setattr(bench, "WORK", tmp_path)
    monkeypatch.setattr(bench, "run_output", fake_run_output)
    verdict = bench.cold(2)
    assert calls == ["nbconvert"] + (["build"] + ["nbconvert"] * 12) * 2  # one untimed kernel start first
    assert len(list((tmp_path / "trivial").glob("*.ipynb"))) == 12
    assert verdict.baseline.startswith("1.200 s: 12 trivial notebooks") and verdict.ratio == "0.83×"
    assert not verdict.met  # over 0.8


def test_an_internal_error_in_the_hostile_corpus_is_never_a_figure(bench, monkeypatch, tmp_path):
    corpus = tmp_path / "hostile.py"
    corpus.write_text("from pathlib import Path\n"
                      "def corpus(folder):\n"
                      "    (Path(folder) / 'a.csv').write_text('x')\n"
                      "    return [Path(folder) / 'a.csv']\n")
    monkeypatch.setattr(bench, "HOSTILE", corpus)
    monkeypatch.setattr(bench, "WORK", tmp_path / "work")
    monkeypatch.setattr(bench, "CIVICSTATS", [sys.executable, "-c", "import sys; sys.exit(3)"])
    with pytest.raises(bench.BenchmarkError, match="exited 3"):
        bench.hostile(1)
    monkeypatch.setattr(bench, "HOSTILE", tmp_path / "missing.py")
    with pytest.raises(bench.BenchmarkError, match="no hostile corpus"):
        bench.hostile(1)


def test_the_national_workbook_has_its_rows_and_passes_check(bench, monkeypatch, tmp_path):
    """The bench writes it once (35,000 rows, about 15 s) and keeps it; here a smaller one, same generator."""
    from python_calamine import CalamineWorkbook

    from civicstats.check import check

    assert bench.RESPONSES_ROWS == 35_000  # one row per commune: the national scale
    monkeypatch.setattr(bench, "RESPONSES_ROWS", 2_000)
    monkeypatch.setattr(bench, "WORK", tmp_path)
    path = bench.responses_workbook()
    assert bench.responses_workbook() == path and path.parent == tmp_path  # kept, not written again
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("responses").to_python()
    assert len(rows) == 1 + 2_000
    report = check(path)
    assert report.ok, report.problems[:5]
