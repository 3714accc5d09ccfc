"""Files as civicstats writes and reads them: atomic writes, executed notebooks read without their cells, cells' text.

A file is written to a temporary file beside its target, then renamed into
place (:func:`os.replace`), so that a reader never sees half a file and a
failure leaves the earlier file as it was. Outputs are readable by everyone.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> write_atomic(folder / "a" / "page.html", b"<p>hi</p>"); (folder / "a" / "page.html").read_bytes()
b'<p>hi</p>'
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["FILE_MODE", "cell_text", "read_executed", "write_atomic"]

#: Mode of every file written: readable by everyone (mkstemp's 0600 is not for readers).
FILE_MODE = 0o644


def write_atomic(path: Path, content: bytes, replace: bool = True) -> None:
    """Write ``content`` to ``path`` through a temporary file in the same folder: never half a file.

    With ``replace=False`` an existing ``path`` is kept (``FileExistsError``), even one that appears meanwhile.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(tmp, FILE_MODE)
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # atomic, and fails if the file exists
            except OSError as error:  # that, or a file system without hard links
                if isinstance(error, FileExistsError) or path.exists():
                    raise FileExistsError(path) from None
                os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def cell_text(cell: dict[str, Any]) -> str:
    """A notebook cell's source: notebook JSON stores text as a string or as a list of lines."""
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


#: Where an executed notebook's top-level metadata starts, as nbformat (and JupyterLab) write it: sorted keys,
#: one space of indent, so ``"cells"`` come first and everything after them is small.
_TOP_METADATA = b'\n "metadata": '


def read_executed(path: Path) -> tuple[dict[str, Any], str] | None:
    """An executed notebook's top-level fields except its cells, and a digest of its cells as written.

    The cells (sources and outputs) are hashed as bytes, not parsed: a run
    saved by hand changes the digest. None for a missing file, or one not
    laid out as nbformat writes it (then it is simply run again).
    """
    try:
        data = path.read_bytes()
    except OSError:
        return None
    at = data.rfind(_TOP_METADATA)
    if not data.startswith(b'{\n "cells": [') or at < 0:
        return None
    try:
        top = json.loads(b"{" + data[at + 1:])
    except ValueError:
        return None
    return (top, hashlib.sha256(data[:at]).hexdigest()) if isinstance(top, dict) else None
