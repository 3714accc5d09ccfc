"""Readers: bytes on disk → raw tables of text cells, and nothing else.

Each reader returns :class:`RawTable` objects: a DataFrame whose cells are all
text (blank cells are ``""``), indexed by the row number a person sees in the
file, with the :class:`~civicstats.schema.Origin` needed to locate problems.
Readers never validate values; they refuse files they cannot read with a
:class:`~civicstats.errors.DataError`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from civicstats.errors import Problem
from civicstats.schema import Origin

if TYPE_CHECKING:
    import pandas as pd

#: Largest CSV file read, in bytes; raise with ``CIVICSTATS_MAX_CSV_BYTES``.
MAX_CSV_BYTES = int(os.environ.get("CIVICSTATS_MAX_CSV_BYTES", 200 * 1024 * 1024))


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
