"""Readers: bytes on disk → raw tables of text cells, and nothing else.

Each reader returns :class:`RawTable` objects: a DataFrame whose cells are all
text (blank cells are ``""``), indexed by the row number a person sees in the
file, with the :class:`~civicstats.errors.Origin` needed to locate problems.
Readers never validate values; they refuse files they cannot read with a
:class:`~civicstats.errors.DataError`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from civicstats.errors import Origin, Problem

if TYPE_CHECKING:
    import pandas as pd

#: Environment variable: largest CSV file read, in bytes.
MAX_CSV_BYTES_ENV = "CIVICSTATS_MAX_CSV_BYTES"
#: Largest CSV file read when the environment does not say (32 MB: what a check reads within its budget of 2 s and 100 MB).
MAX_CSV_BYTES = 32 * 1024 * 1024


def max_csv_bytes() -> int:
    """The size limit of a CSV file: ``$CIVICSTATS_MAX_CSV_BYTES`` or 32 MB, read at each call.

    >>> max_csv_bytes() == MAX_CSV_BYTES or MAX_CSV_BYTES_ENV in os.environ
    True
    """
    text = os.environ.get(MAX_CSV_BYTES_ENV, "").strip().replace("_", "")
    try:
        return int(text) if text else MAX_CSV_BYTES
    except ValueError:
        raise ValueError(f"environment variable {MAX_CSV_BYTES_ENV} must be a whole number, not {text!r}") from None


@dataclass
class RawTable:
    """A table as read from a file: text cells, row numbers as index.

    ``problems`` are what the reader found wrong itself (a formula or merged
    cells in a workbook), reported with the validation's; ``covered`` holds
    the cells ``(file, sheet, row, column)`` those problems already explain,
    so that validation does not report them a second time.
    """

    frame: pd.DataFrame
    origin: Origin
    problems: list[Problem] = field(default_factory=list)
    covered: set[tuple[str, str | None, int | None, str | None]] = field(default_factory=set)


def file_identity(path) -> tuple:
    """What says a file is unchanged: path, inode, size, modification time (ns).

    The one caching rule of civicstats: a result read from a file is reused
    only while the file's identity is the same.
    """
    st = os.stat(path)
    return (str(path), st.st_ino, st.st_size, st.st_mtime_ns)


_csv_cache: dict[tuple, RawTable] = {}
_CSV_KEPT = 16


def read_csv_cached(path) -> RawTable:
    """A CSV file read once per version of the file (a check or a build asks many times)."""
    from civicstats.readers.csv import read_csv

    try:
        key = (*file_identity(path), max_csv_bytes())
    except OSError:
        return read_csv(path)  # the reader words the problem
    cached = _csv_cache.pop(key, None)
    if cached is None:
        cached = read_csv(path)
    _csv_cache[key] = cached  # most recent last
    while len(_csv_cache) > _CSV_KEPT:
        del _csv_cache[next(iter(_csv_cache))]
    return RawTable(cached.frame.copy(deep=False), cached.origin, list(cached.problems), set(cached.covered))
