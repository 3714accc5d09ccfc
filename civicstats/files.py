"""Writing files atomically: the one way civicstats writes an output.

A file is written to a temporary file beside its target, then renamed into
place (:func:`os.replace`), so that a reader never sees half a file and a
failure leaves the earlier file as it was. Outputs are readable by everyone.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> write_atomic(folder / "a" / "page.html", b"<p>hi</p>"); (folder / "a" / "page.html").read_bytes()
b'<p>hi</p>'
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["FILE_MODE", "write_atomic"]

#: Mode of every file written: readable by everyone (mkstemp's 0600 is not for readers).
FILE_MODE = 0o644


def write_atomic(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` through a temporary file in the same folder: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
