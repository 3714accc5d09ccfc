"""Which runs a build makes: one per notebook source and language, and where each writes.

A source notebook (``notebooks/source/NAME.ipynb``) holds the cells of every
language: markdown tagged ``lang-en`` belongs to the English notebook only,
``lang-fr`` to the French one, untagged cells to both. A :class:`Run` is one
source executed in one language, written to ``notebooks/LANG/NAME.ipynb``,
its figures to ``figures/`` (English) or ``figures/LANG/``, its page to
``reports/`` or ``reports/LANG/``.

>>> keep_cell(["lang-fr"], "en"), keep_cell(["lang-fr"], "fr"), keep_cell([], "fr")
(False, True, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from civicstats import paths
from civicstats.errors import OutputError, UsageError, escape

__all__ = ["LANG_TAG", "Run", "Targets", "check_out", "editions", "keep_cell", "select",
           "targets", "untagged_markdown"]

#: Cells tagged ``lang-XX`` belong to the XX notebook only.
LANG_TAG = "lang-"


def keep_cell(tags: Iterable[str], lang: str) -> bool:
    """Whether a cell with ``tags`` belongs to the ``lang`` notebook."""
    return not any(t.startswith(LANG_TAG) and t != LANG_TAG + lang for t in tags)


def untagged_markdown(raw: dict[str, Any]) -> list[int]:
    """The numbers (from 1) of the markdown cells of a source that no language tag claims.

    >>> untagged_markdown({"cells": [{"cell_type": "markdown", "metadata": {"tags": ["lang-en"]}},
    ...                              {"cell_type": "code", "metadata": {}}, {"cell_type": "markdown"}]})
    [3]
    """
    return [n for n, cell in enumerate(raw.get("cells", []), start=1) if cell.get("cell_type") == "markdown"
            and not any(t.startswith(LANG_TAG) for t in cell.get("metadata", {}).get("tags", []))]


@dataclass(frozen=True)
class Targets:
    """The three folders a build writes into, and each language's place in them."""

    notebooks: Path
    reports: Path
    figures: Path

    def notebook(self, name: str, lang: str) -> Path:
        return self.notebooks / lang / f"{name}.ipynb"

    def figures_of(self, lang: str) -> Path:
        return self.figures if lang == paths.EDITIONS[0] else self.figures / lang

    def reports_of(self, lang: str) -> Path:
        return self.reports if lang == paths.EDITIONS[0] else self.reports / lang


@dataclass
class Run:
    """One source notebook executed in one language, and what the build learns about it."""

    name: str
    lang: str
    source: Path
    fingerprint: str
    recorded: str | None  # the fingerprint the executed notebook in place records
    old_figures: list[str]  # the figures it records
    figures: list[str] = field(default_factory=list)
    notebook: Any = None  # the prepared, then executed, NotebookNode
    injected_at: int | None = None
    error: str | None = None

    @property
    def label(self) -> str:
        return self.name if self.lang == paths.EDITIONS[0] else f"{self.name} [{self.lang}]"

    @property
    def key(self) -> str:
        return f"{self.lang}/{self.name}"


def editions(lang: str, wanted: Sequence[str] | None) -> list[str]:
    """The languages to build, ``lang`` first; each must be one the project knows."""
    chosen = [lang] if wanted is None else [lang, *(e for e in wanted if e != lang)]
    unknown = [e for e in chosen if e not in paths.EDITIONS]
    if unknown:
        raise UsageError(f"no edition in {', '.join(map(repr, unknown))}: the notebooks exist in "
                         f"{', '.join(paths.EDITIONS)}")
    return list(dict.fromkeys(chosen))


def select(sources_dir: Path, names: Sequence[str] | None) -> list[Path]:
    """The source notebooks to build: all, or those named (by stem)."""
    sources = sorted(sources_dir.glob("*.ipynb"))
    if names is None:
        return sources
    known = {source.stem for source in sources}
    unknown = sorted(set(names) - known)
    if unknown:
        raise UsageError(f"no such notebook in {escape(sources_dir)}: {', '.join(map(escape, unknown))} "
                         f"(available: {', '.join(sorted(known)) or 'none'})")
    return [source for source in sources if source.stem in set(names)]


def targets(out: Path | None, notebooks_dir: Path) -> Targets:
    """The shipped folders (``out=None``, a checkout only) or ``out/notebooks``, ``out/reports``, ``out/figures``."""
    if out is None:
        if not paths.IN_CHECKOUT:
            raise UsageError("an installed civicstats builds into a folder of your own: give `out` (--out FOLDER); "
                             "the shipped notebooks and figures are rebuilt from a checkout of the repository")
        return Targets(notebooks_dir, paths.REPORTS_DIR, paths.FIGURES_DIR)
    return Targets(out / "notebooks", out / "reports", out / "figures")


def check_out(out: Path, where: Targets, protected: Iterable[Path], data: Path | None) -> None:
    """Refuse an ``out`` that is a file, lies in the project's own folders or in ``data``, or links outside itself."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"out={escape(out)} is a file, not a folder: choose a folder for the outputs")
    written = (where.notebooks, where.reports, where.figures)
    if data is not None and data.is_dir() and (out.is_relative_to(data)
                                               or any(data.is_relative_to(t.resolve()) for t in written)):
        raise OutputError(f"out={escape(out)} is inside the data folder {escape(data)} (or the data inside a folder "
                          "the build writes): outputs would be read back as data; choose a folder outside it")
    for given in (out, *written):
        path = given.resolve()  # where it points: out/figures may be a link to the project's figures/
        for folder in sorted(p.resolve() for p in protected):
            if path == folder or path.is_relative_to(folder):
                raise OutputError(f"out={escape(out)} would write into {escape(folder)}, which only the build on "
                                  "the shipped data (no --out) may change; choose a folder outside the project's "
                                  "data, notebooks and figures")
        if not path.is_relative_to(out):
            raise OutputError(f"{escape(given)} is a link to {escape(path)}, outside out={escape(out)}: a build "
                              "writes only inside its out folder; remove the link or choose another folder")
