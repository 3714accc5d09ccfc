"""The date of an observatory export: from its name, from --as-of / $CIVICSTATS_AS_OF, or from its content."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

import civicstats as cs
from civicstats.cli import main
from civicstats.readers.observatory import AS_OF_ENV
from tests.test_organisations import EXPORT, october_rows, write_april


def new_waves(source: Path) -> list[str]:
    return sorted(set(cs.waves(cs.load("open_data_adopters", source))) - set(cs.waves(cs.load("open_data_adopters"))))


def test_an_undated_export_without_a_timestamp_says_how_to_give_its_date(tmp_path: Path, capsys) -> None:
    export = write_april(tmp_path / "export.csv", october_rows()[:40])
    assert main(["check", str(export)]) == 1
    err = capsys.readouterr().err
    assert "export.csv" in err and "--as-of 2022-04" in err and "CIVICSTATS_AS_OF" in err


def test_as_of_dates_an_undated_export_and_leaves_the_environment_as_it_was(tmp_path: Path, capsys,
                                                                         monkeypatch) -> None:
    monkeypatch.delenv(AS_OF_ENV, raising=False)
    export = write_april(tmp_path / "export.csv", october_rows()[:40])
    assert main(["check", "--as-of", "2022-04-15", str(export)]) == 0
    assert AS_OF_ENV not in __import__("os").environ
    monkeypatch.setenv(AS_OF_ENV, "2022-04-15")
    assert new_waves(export) == ["2022-04-15"]


def test_a_bad_as_of_is_a_usage_error(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["check", "--as-of", "April 2022", str(tmp_path)])
    assert stop.value.code == 2 and "not a date: write YYYY-MM or YYYY-MM-DD" in capsys.readouterr().err


def test_a_date_in_the_name_wins_over_as_of(tmp_path: Path, monkeypatch) -> None:
    export = write_april(tmp_path / "observatoire-2022-04.csv", october_rows()[:40])
    monkeypatch.setenv(AS_OF_ENV, "2021-01")
    assert new_waves(export) == ["2022-04"]


def test_an_undated_export_with_timestamps_is_dated_by_its_latest_one_and_says_so(tmp_path: Path,
                                                                                 monkeypatch) -> None:
    monkeypatch.delenv(AS_OF_ENV, raising=False)
    export = shutil.copyfile(EXPORT, tmp_path / "export.csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert new_waves(export) == ["2022-10-04"]
    said = [str(w.message) for w in caught if "no date in its name" in str(w.message)]
    assert said and "dated 2022-10-04" in said[0] and "--as-of" in said[0]
    # on a page, the same note in the page's language (issue 22: data notes were English on French pages)
    from civicstats.display import data_note

    note = next(w.message for w in caught if "no date in its name" in str(w.message))
    assert "daté du 4 octobre 2022" in data_note(note, "fr") and "no date" not in data_note(note, "fr")
    assert "export.csv" in data_note(note, "fr") and str(tmp_path) not in data_note(note, "fr")
