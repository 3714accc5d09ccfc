"""Where civicstats finds its shipped data and writes its outputs.

Every path in the project is built here from this file's location, so
notebooks and scripts never need ``../data`` or ``sys.path`` edits.

>>> DATA_DIR.name
'data'
>>> DATAPACKAGE.name
'datapackage.json'
"""

from __future__ import annotations

import os
from pathlib import Path

#: The package folder (``civicstats/``).
PACKAGE_DIR = Path(__file__).resolve().parent
#: The project root: the folder that holds ``pyproject.toml``.
ROOT = PACKAGE_DIR.parent
#: The shipped data package: one CSV per table and its descriptor.
DATA_DIR = ROOT / "data"
DATAPACKAGE = DATA_DIR / "datapackage.json"
#: Committed, executed notebooks.
NOTEBOOKS_DIR = ROOT / "notebooks"
#: Committed figures (PNG and SVG).
FIGURES_DIR = ROOT / "figures"
#: HTML renderings of the notebooks (not committed).
REPORTS_DIR = ROOT / "reports"

#: Environment variable a build sets so that ``save_figure`` writes into a
#: staging folder instead of ``figures/``.
FIGURES_ENV = "CIVICSTATS_FIGURES_DIR"


def figures_dir() -> Path:
    """The folder figures are saved to: ``$CIVICSTATS_FIGURES_DIR`` or ``figures/``.

    >>> figures_dir() == FIGURES_DIR or FIGURES_ENV in os.environ
    True
    """
    override = os.environ.get(FIGURES_ENV)
    return Path(override) if override else FIGURES_DIR


def protected_dirs() -> tuple[Path, ...]:
    """Project folders that a build on other data must never write into."""
    return (DATA_DIR, NOTEBOOKS_DIR, FIGURES_DIR)
