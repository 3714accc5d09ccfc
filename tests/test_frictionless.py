"""The data package, validated by the standard's own tool: ``frictionless validate``.

civicstats validates its tables with its own code (civicstats.schema), for
located messages in two languages; this test runs the reference validator of
the Data Package standard on the shipped package, so that the two cannot
drift apart. Two adaptations, both for frictionless 5.21: its new ``list``
field type crashes row reading (``set(cells)`` on a list: TypeError), so list
fields are given to it as strings; and a foreign key over a list field (each
id of ``NL;LOC`` in ``sources``) is not part of the standard, so those keys
are checked by civicstats alone (tests/test_data_package.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from civicstats import paths

pytest.importorskip("frictionless")


def standard_descriptor(package: dict) -> dict:
    """The package with its list fields as strings, and without the foreign keys over them."""
    for resource in package["resources"]:
        schema = resource["schema"]
        lists = {f["name"] for f in schema["fields"] if f["type"] == "list"}
        for f in schema["fields"]:
            if f["name"] in lists:
                f["type"] = "string"
                f.pop("delimiter", None), f.pop("itemType", None)
        keys = [k for k in schema.get("foreignKeys", []) if not lists & set(k["fields"] if isinstance(
            k["fields"], list) else [k["fields"]])]
        if keys:
            schema["foreignKeys"] = keys
        else:
            schema.pop("foreignKeys", None)
    return package


def test_frictionless_validate_finds_the_shipped_package_valid(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, folder, ignore=shutil.ignore_patterns("raw"))
    package = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    (folder / "datapackage.json").write_text(json.dumps(standard_descriptor(package)), encoding="utf-8")
    proc = subprocess.run([str(Path(sys.executable).parent / "frictionless"), "validate", "--json",
                           str(folder / "datapackage.json")], capture_output=True, text=True, timeout=300)
    report = json.loads(proc.stdout)
    errors = [(task["name"], e["type"], e["message"]) for task in report["tasks"] for e in task["errors"]]
    assert report["valid"] and not errors, errors[:10]
    assert len(report["tasks"]) == len(package["resources"])


def test_frictionless_finds_what_civicstats_finds_in_a_broken_table(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, folder, ignore=shutil.ignore_patterns("raw"))
    budgets = folder / "participatory_budgets.csv"
    lines = budgets.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(lines[1].split(",")[1], "-5", 1)  # a negative count
    budgets.write_text("\n".join(lines) + "\n", encoding="utf-8")
    package = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    (folder / "datapackage.json").write_text(json.dumps(standard_descriptor(package)), encoding="utf-8")
    proc = subprocess.run([str(Path(sys.executable).parent / "frictionless"), "validate", "--json",
                           "--resource-name", "participatory_budgets", str(folder / "datapackage.json")],
                          capture_output=True, text=True, timeout=300)
    report = json.loads(proc.stdout)
    found = [(t["name"], e["type"], e.get("fieldName")) for t in report["tasks"] for e in t["errors"]]
    assert ("participatory_budgets", "constraint-error", "count") in found

    from civicstats.check import check

    assert [p.column for p in check(folder).problems] == ["count"]
