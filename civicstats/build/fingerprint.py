"""The build's one cache: a content fingerprint of everything a run reads.

A run's fingerprint is a sha256 over its language's cells (type, source and
tags: outputs and other metadata do not count), its language, every data
file it reads (the schema, each table as :func:`civicstats.discover.discover`
finds it, and the raw files the notebook declares in its metadata, e.g.
``"civicstats": {"inputs": ["raw/geo/*.geojson"]}``), and the package's own
files (but the site's, which key the pages instead). The executed notebook records it; a run whose recorded
fingerprint matches, and whose figures are in place, is not executed again.

Standard library only at module level: a no-op build must stay light.

>>> cells = [{"cell_type": "markdown", "source": "# Hi", "metadata": {"tags": ["lang-fr"]}}]
>>> fingerprint({"cells": cells}, "en", "x") == fingerprint({"cells": []}, "en", "x")
True
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from civicstats import paths
from civicstats.build.plan import keep_cell
from civicstats.errors import UsageError, escape
from civicstats.files import cell_text

__all__ = ["FORMAT", "INJECTED_TAG", "declared_inputs", "fingerprint", "inputs_digest",
           "read_notebook", "recorded", "shared_files"]

#: Bump to invalidate every fingerprint when the build's output format changes.
FORMAT = 2
#: Tag of the cell the build inserts after the ``parameters`` cell (papermill's convention).
INJECTED_TAG = "injected-parameters"


def read_notebook(path: Path) -> dict[str, Any]:
    """A notebook as plain JSON: enough to fingerprint it without nbformat."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot read notebook {escape(path)}: {escape(error)}") from None
    if not isinstance(raw, dict) or raw.get("nbformat") != 4:
        raise UsageError(f"{escape(path)} is not a version 4 Jupyter notebook")
    return raw


def recorded(raw: dict[str, Any] | None) -> tuple[str | None, list[str]]:
    """The fingerprint and figure names a previous build stored in an executed notebook."""
    meta = (raw or {}).get("metadata", {}).get("civicstats", {})
    if not isinstance(meta, dict):
        return None, []
    figures = [f for f in meta.get("figures", []) if isinstance(f, str) and _inside(f)]
    return meta.get("fingerprint"), figures


def _inside(name: str) -> bool:
    """A recorded figure name stays inside its figures folder."""
    pure = PurePosixPath(name)
    return bool(name) and not pure.is_absolute() and ".." not in pure.parts


def declared_inputs(raw: dict[str, Any]) -> list[str]:
    """The globs, relative to the data folder, of the raw files a notebook declares it reads."""
    meta = raw.get("metadata", {}).get("civicstats", {})
    inputs = meta.get("inputs", []) if isinstance(meta, dict) else []
    return sorted(g for g in inputs if isinstance(g, str) and _inside(g))


def fingerprint(raw: dict[str, Any], lang: str, inputs: str) -> str:
    """Combine the ``lang`` cells of a source notebook with the digest of its inputs."""
    cells = [[cell.get("cell_type"), cell_text(cell), sorted(tags)]
             for cell in raw.get("cells", [])
             for tags in [cell.get("metadata", {}).get("tags", [])]
             if keep_cell(tags, lang) and INJECTED_TAG not in tags]
    payload = json.dumps({"format": FORMAT, "lang": lang, "inputs": inputs, "cells": cells}, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def shared_files(data: Path | None) -> list[tuple[str, Path]]:
    """(name, path) of what every notebook of a build reads: the schema, the tables as discovered, the package."""
    from civicstats.discover import SHIPPED, discover

    files = [("schema", paths.DATAPACKAGE)]
    root = None if data is None else (data if data.is_dir() else data.parent)
    for name, parts in discover(data).parts.items():
        for part in parts:
            where = (f"data/{part.path.name}" if part.origin == SHIPPED
                     else f"source/{part.path.relative_to(root).as_posix() if root else part.path.name}")
            files.append((f"{name}:{part.kind}:{where}:{part.sheet or ''}", part.path))
    site = paths.PACKAGE_DIR / "site"  # pages, not notebooks: the site keys its pages on its own files
    files += [(f"code:{p.relative_to(paths.PACKAGE_DIR).as_posix()}", p) for p in paths.PACKAGE_DIR.rglob("*")
              if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
              and not p.is_relative_to(site)]
    return files


def inputs_digest(shared: list[tuple[str, Path]], declared: Iterable[str], cache: dict[Path, str]) -> str:
    """Digest of the ``shared`` files and of the raw files a notebook declares (globs under ``data/``)."""
    files = list(shared)
    for pattern in declared:
        files += [(f"raw:{p.relative_to(paths.DATA_DIR).as_posix()}", p) for p in paths.DATA_DIR.glob(pattern)]
    digest = hashlib.sha256()  # over names and contents, in name order; ``cache`` keeps each file's digest
    for name, path in sorted(files):
        if path not in cache:
            with path.open("rb") as handle:
                cache[path] = hashlib.file_digest(handle, "sha256").hexdigest()
        digest.update(f"{name}\0{cache[path]}\n".encode())
    return digest.hexdigest()

