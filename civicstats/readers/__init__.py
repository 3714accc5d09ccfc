"""Readers: bytes on disk → raw tables of text cells, and nothing else.

Each reader returns :class:`RawTable` objects: a DataFrame whose cells are all
text (blank cells are ``""``), indexed by the row number a person sees in the
file, with the :class:`~civicstats.errors.Origin` needed to locate problems.
Readers never validate values; they refuse files they cannot read with a
:class:`~civicstats.errors.DataError`.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from civicstats.errors import Origin, Problem
from civicstats.readers.cells import env_limit

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RawTable", "MAX_CSV_BYTES", "MAX_CSV_BYTES_ENV", "max_csv_bytes", "file_identity", "reading", "read_once"]

#: Environment variable: largest CSV file read, in bytes.
MAX_CSV_BYTES_ENV = "CIVICSTATS_MAX_CSV_BYTES"
#: Largest CSV file read when the environment does not say (32 MB: a check's budget is 2 s and 100 MB).
MAX_CSV_BYTES = 32 * 1024 * 1024


def max_csv_bytes() -> int:
    """The size limit of a CSV file: ``$CIVICSTATS_MAX_CSV_BYTES`` or 32 MB, read at each call.

    >>> max_csv_bytes() == MAX_CSV_BYTES or MAX_CSV_BYTES_ENV in os.environ
    True
    """
    return env_limit(MAX_CSV_BYTES_ENV, MAX_CSV_BYTES)


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
    """What says a file is unchanged: path, inode, size, modification time (ns)."""
    st = os.stat(path)
    return (str(path), st.st_ino, st.st_size, st.st_mtime_ns)


#: What the ``with reading():`` under way has read: key → what reading gave, or the DataError it raised.
_session: contextvars.ContextVar[dict | None] = contextvars.ContextVar("civicstats_reading", default=None)


@contextlib.contextmanager
def reading():
    """Within it (a check, a load), a file is read once, however often it is asked for; all forgotten on leaving."""
    token = _session.set({}) if _session.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _session.reset(token)


def read_once(key: tuple, read):
    """``read()``, or what it gave for ``key`` earlier in the ``with reading():`` under way."""
    found = _session.get()
    if found is not None and key not in found:
        found[key] = read()
    return read() if found is None else found[key]
