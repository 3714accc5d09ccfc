"""Packaging beyond what pyproject.toml can say: the shipped folders inside the wheel.

``data/``, ``notebooks/`` and ``figures/`` stay at the repository's root,
where people and the README expect them; a wheel carries copies of them as
``civicstats/_data``, ``civicstats/_notebooks`` and ``civicstats/_figures``
(every file under them, ``data/raw/`` included), so that an installed copy
finds them with :mod:`importlib.resources` (see :mod:`civicstats.paths`).

They are copied by the ``build_py`` step rather than declared as mapped
packages: a folder of data declared as a package makes setuptools warn about
every sub-folder, and a mapped package turns an editable install into an
import hook with its own warning box. An editable install copies nothing: it
is a plain path entry, and :mod:`civicstats.paths` reads the checkout's
folders. ``MANIFEST.in`` puts the three folders in the source distribution.
"""

import shutil
from pathlib import Path

from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py

#: folder inside the installed package → folder of the repository
SHIPPED = {"_data": "data", "_notebooks": "notebooks", "_figures": "figures"}
SKIP = shutil.ignore_patterns(".*", "__pycache__", ".ipynb_checkpoints")


class BuildWithShippedFolders(build_py):
    """``build_py``, then a copy of each shipped folder into the built package."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's own folders
        root = Path(__file__).resolve().parent
        for packaged, folder in SHIPPED.items():
            target = Path(self.build_lib) / "civicstats" / packaged
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(root / folder, target, ignore=SKIP)


setup(
    # the folders of data files (texts/, site/templates/) as packages too, so that their files ship
    packages=find_namespace_packages(include=["civicstats", "civicstats.*"], exclude=["*.__pycache__"]),
    # words, problem messages and the site's templates and CSS: data files of the package
    package_data={"civicstats.texts": ["*.json"], "civicstats.site.templates": ["*"]},
    # the packages at the root: an editable install is a plain path entry (no import hook, no warning)
    package_dir={"": "."},
    cmdclass={"build_py": BuildWithShippedFolders},
)
