"""Where civicstats finds its shipped data and writes its outputs.

Every path in the project is built here, so notebooks and scripts never need
``../data`` or ``sys.path`` edits. Two layouts are found:

* a checkout (an editable install, or running from the repository):
  ``data/``, ``notebooks/`` and ``figures/`` beside the package folder;
* an installed wheel or sdist: the same folders shipped inside the package
  as ``civicstats/_data``, ``_notebooks`` and ``_figures`` (see ``setup.py``),
  found beside this module (real folders on disk, not :mod:`importlib.resources`).

>>> DATA_DIR.name in ("data", "_data")
True
>>> DATAPACKAGE.name
'datapackage.json'
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "DATAPACKAGE", "DATA_DIR", "EDITIONS", "FIGURES_DIR", "FIGURES_ENV", "IN_CHECKOUT", "NOTEBOOKS_DIR",
    "PACKAGE_DIR", "REPORTS_DIR", "ROOT", "SOURCES_DIR", "figures_dir", "protected_dirs",
]

#: The package folder (``civicstats/``).
PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped(packaged: str, checkout: str) -> Path:
    """The folder shipped in the package (an installed copy), else the checkout's."""
    resource = PACKAGE_DIR / packaged
    if resource.is_dir():
        return resource
    return PACKAGE_DIR.parent / checkout


#: The shipped data package: one CSV per table, its descriptor, ``raw/`` files.
DATA_DIR = _shipped("_data", "data")
#: True in a checkout (the repository's folders are used), False in an installed copy.
IN_CHECKOUT = DATA_DIR == PACKAGE_DIR.parent / "data"
#: The project root in a checkout (the folder that holds ``pyproject.toml``); the package folder when installed.
ROOT = PACKAGE_DIR.parent if IN_CHECKOUT else PACKAGE_DIR
DATAPACKAGE = DATA_DIR / "datapackage.json"
#: The notebooks: ``source/`` (bilingual, edited by people) and ``en/``, ``fr/`` (executed by the build).
NOTEBOOKS_DIR = _shipped("_notebooks", "notebooks")
#: The bilingual sources of the notebooks, without outputs: the one place to edit a notebook.
SOURCES_DIR = NOTEBOOKS_DIR / "source"
#: Committed figures (PNG and SVG): the English ones, and ``fr/`` the French ones.
FIGURES_DIR = _shipped("_figures", "figures")
#: HTML renderings of the notebooks (not committed; a checkout only: an installed copy builds into ``--out``).
REPORTS_DIR = PACKAGE_DIR.parent / "reports" if IN_CHECKOUT else PACKAGE_DIR / "_reports"

#: The languages of the notebooks and reports; the first is the default
#: (``reports/`` holds its pages, ``reports/<lang>/`` each other's).
EDITIONS = ("en", "fr")

#: Environment variable a build sets for its kernels: where ``save_figure`` writes the figures it makes.
FIGURES_ENV = "CIVICSTATS_FIGURES_DIR"


def figures_dir() -> Path:
    """Where ``save_figure`` writes when not told: the build's folder (``$CIVICSTATS_FIGURES_DIR``), else a
    scratch folder (``civicstats-figures`` in the temporary folder). Only the build writes ``figures/``: a chart
    cell run by hand, in any language, never changes a committed file.

    >>> figures_dir() != FIGURES_DIR
    True
    """
    import tempfile

    override = os.environ.get(FIGURES_ENV)
    return Path(override) if override else Path(tempfile.gettempdir()) / "civicstats-figures"


def protected_dirs() -> tuple[Path, ...]:
    """Project folders that a build on other data must never write into."""
    return (DATA_DIR, NOTEBOOKS_DIR, FIGURES_DIR)
