"""The civicstats command as a user runs it: exit codes, lines, no traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import civicstats as cs

from civicstats import paths
from civicstats.cli import main


def test_check_valid_folder_exits_0_with_one_line(capsys):
    from civicstats import paths

    assert main(["check", str(paths.DATA_DIR)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("ok: ") and "civictech_adoption (7 rows)" in out[0]


def test_check_broken_copy_gives_located_lines(data_copy: Path, capsys):
    """In-process: exit codes of a real process are tested by tests/test_hardening.py and below (a closed pipe)."""
    target = data_copy / "civictech_adoption.csv"
    target.write_text(target.read_text(encoding="utf-8").replace("2018,region,9,", "2018,region,-9,").replace(
        "2018,departement,14,", "2018,Départements,14,"), encoding="utf-8")
    assert main(["check", str(target)]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in err + out
    lines = err.strip().splitlines()
    assert f"{target}, row 2, column 'count', value '-9': must be at least 0" in lines
    assert any("row 3, column 'level', value 'Départements'" in line and "did you mean 'departement'" in line for line in lines)
    assert out.startswith("invalid: ")


def test_check_missing_file_and_unknown_table(tmp_path: Path, capsys):
    assert main(["check", str(tmp_path / "nope.csv")]) == 1
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "x.csv").write_text("a\n1\n")
    assert main(["check", str(tmp_path / "x.csv"), "--table", "nope"]) == 1
    assert "unknown table" in capsys.readouterr().err


def test_datasets_and_audit_commands(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert "civictech_adoption" in out and "selection_criteria" in out
    assert main(["audit"]) == 0
    out = capsys.readouterr().out
    assert "157" in out and "156" in out
    # issue 20, finding 6: the count says how many of each kind
    assert "revisions by the same source: 1;" in out
    # a disagreement can be within one source (157 published against its own levels' 156): never "between sources"
    findings = cs.audit()
    within = findings[(findings["kind"] == "disagreement") & (findings["expected_source"] == findings["observed_source"])]
    assert len(within) and "Disagreements between sources" not in out
    assert f"Disagreements, between sources or within one source: {(findings['kind'] == 'disagreement').sum()};" in out


def test_console_script_is_installed():
    exe = Path(sys.executable).parent / "civicstats"
    proc = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "check" in proc.stdout


def test_import_is_light():
    code = "import sys, civicstats; print(sorted(m for m in ('pandas','pandera','matplotlib','nbclient','openpyxl') if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[]"


def test_build_on_invalid_data_stops_before_writing(data_copy: Path, tmp_path: Path, capsys):
    target = data_copy / "civictech_adoption.csv"
    target.write_text(target.read_text(encoding="utf-8").replace("2018,region,9,", "2018,region,-9,"), encoding="utf-8")
    before = target.read_bytes()
    out = tmp_path / "out"
    assert main(["build", "--data", str(data_copy), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "row 2, column 'count', value '-9'" in err and "Traceback" not in err
    assert not out.exists()
    assert target.read_bytes() == before


def test_datasets_with_data_says_where_each_table_comes_from(tmp_path: Path, capsys):
    from civicstats import paths

    (tmp_path / "levels.csv").write_bytes((paths.DATA_DIR / "levels.csv").read_bytes())
    assert main(["datasets", "--data", str(tmp_path)]) == 0
    lines = {line.split()[0]: line.split()[-1] for line in capsys.readouterr().out.splitlines()[1:]}
    assert lines["levels"] == "source" and lines["sources"] == "shipped"


def test_check_lists_the_tables_taken_from_data(tmp_path: Path, capsys):
    from civicstats import paths

    (tmp_path / "levels.csv").write_bytes((paths.DATA_DIR / "levels.csv").read_bytes())
    assert main(["check", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("ok: ") and "1 table read from the source, valid: levels (20 rows)" in out[0]
    assert out[1].startswith("taken from data/ (the source lacks them): civictech_adoption, ")


def test_a_closed_pipe_ends_the_command_quietly():
    """Bug 8: `civicstats audit --all | head -2` printed "Broken pipe" and exited 1."""
    proc = subprocess.run(f"set -o pipefail; {sys.executable} -m civicstats audit --all | head -2",
                          shell=True, capture_output=True, text=True, executable="/bin/bash", timeout=120)
    assert len(proc.stdout.splitlines()) == 2
    assert proc.stderr == "" and proc.returncode == 141


def test_exit_codes_follow_the_error_hierarchy(tmp_path: Path, capsys, monkeypatch):
    from civicstats import cli
    from civicstats.errors import OutputError, SetupError, UsageError

    def raising(error):
        def command(args):
            raise error
        return command

    for error, code in ((UsageError("no such edition"), 2), (OutputError("read-only"), 4),
                        (SetupError("no kernel"), 4), (KeyError("a bug"), 3), (TypeError("a bug"), 3)):
        monkeypatch.setattr(cli, "cmd_datasets", raising(error))
        assert cli.main(["datasets"]) == code, error
        err = capsys.readouterr().err
        assert "Traceback" not in err and (code != 3 or "internal error" in err and "report" in err)


def test_check_lists_every_problem_of_every_table_at_once(tmp_path: Path):
    """Issue 22: a bad value in sources.csv hid one in collectivity_universe.csv, which names it by a key."""
    from civicstats.check import check

    for name in ("sources.csv", "collectivity_universe.csv"):
        shutil.copyfile(paths.DATA_DIR / name, tmp_path / name)
    sources = (tmp_path / "sources.csv").read_text(encoding="utf-8").splitlines()
    sources[1] = sources[1].rsplit(",", 1)[0] + ",notadate"
    (tmp_path / "sources.csv").write_text("\n".join(sources) + "\n", encoding="utf-8")
    universe = (tmp_path / "collectivity_universe.csv").read_text(encoding="utf-8").splitlines()
    cells = universe[1].split(",")
    cells[2] = "-5"
    universe[1] = ",".join(cells)
    (tmp_path / "collectivity_universe.csv").write_text("\n".join(universe) + "\n", encoding="utf-8")
    found = {(Path(p.file).name, p.column) for p in check(tmp_path).problems}
    assert found == {("sources.csv", "url"), ("collectivity_universe.csv", "count")}


@pytest.mark.parametrize("make, kind", [
    (lambda p: p.mkdir(), "folder"),
    (lambda p: p.symlink_to(p.parent / "nowhere.csv"), "broken link"),
    (lambda p: os.mkfifo(p), "named pipe"),
])
def test_an_entry_named_like_a_table_that_is_no_file_is_named(tmp_path: Path, make, kind):
    entry = tmp_path / "participatory_budgets.csv"
    make(entry)
    from civicstats.check import check

    problems = check(tmp_path).problems
    assert [(p.code, p.file, p.params["kind"]) for p in problems] == [("source.not-a-file", str(entry), kind)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"])
def test_a_web_page_under_a_workbook_s_name_is_named_whatever_its_encoding(tmp_path: Path, encoding: str):
    from civicstats.check import check

    book = tmp_path / "export.xlsx"
    book.write_bytes("<html><body><table><tr><td>a</td></tr></table></body></html>".encode(encoding))
    assert [p.code for p in check(book).problems] == ["xlsx.is-html"]
