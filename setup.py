"""Packaging beyond what pyproject.toml can say: the shipped folders as package data.

``data/``, ``notebooks/`` and ``figures/`` stay at the repository's root,
where people and the README expect them; in the wheel they become
``civicstats/_data``, ``civicstats/_notebooks`` and ``civicstats/_figures``
(every file under them, ``data/raw/`` included), so that an installed copy
finds them with :mod:`importlib.resources` (see :mod:`civicstats.paths`).
The Python packages are found here rather than listed in pyproject.toml
because setuptools cannot combine ``packages.find`` with mapped folders.
"""

from setuptools import find_packages, setup

SHIPPED = {
    "civicstats._data": "data",
    "civicstats._notebooks": "notebooks",
    "civicstats._figures": "figures",
}

setup(
    packages=[*find_packages(include=["civicstats", "civicstats.*"]), *SHIPPED],
    # "": "." (the packages at the root, as found) keeps an editable install a plain path entry
    package_dir={"": ".", **SHIPPED},
    package_data={name: ["*", "**/*"] for name in SHIPPED},
    exclude_package_data={name: ["**/.*", "**/__pycache__/*", "**/.ipynb_checkpoints/*"] for name in SHIPPED},
)
