"""One report page per executed notebook: nbconvert's HTML exporter, the site's templates around it.

The cells are rendered by nbconvert's ``classic`` templates through
``templates/cells.html.j2`` (code folded in ``<details>``, chart download
links under each chart), the parameter cells removed by nbconvert's
:class:`~nbconvert.preprocessors.TagRemovePreprocessor`. The table of
contents is read from the notebook's markdown headings, with the ids
nbconvert gives them.

>>> toc([{"cell_type": "markdown", "source": "# T\\n## Who & why?\\n### a < b"}])
[(2, 'Who-&-why?', 'Who & why?'), (3, 'a-%3C-b', 'a < b')]
"""

from __future__ import annotations

import copy
import functools
import posixpath
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any
from urllib.parse import quote

from civicstats.files import cell_text

__all__ = ["HIDDEN_TAGS", "exporter", "first_sentence", "plain", "prepare", "render_body", "summary", "templates",
           "title_of", "toc"]

#: Tags of code cells readers never need to see, even folded.
HIDDEN_TAGS = {"parameters", "injected-parameters"}
TEMPLATES = resources.files("civicstats.site") / "templates"


def plain(markdown: str) -> str:
    """Markdown inline text as plain text (links, emphasis, code marks removed).

    >>> plain("**Who** uses [tools](x.html)?")
    'Who uses tools?'
    """
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"\[([^\]]*)\]", r"\1", text)
    text = re.sub(r"(\*\*|__|\*|`)", "", text)
    return " ".join(text.split())


def _markdown(cells: list[Any]) -> list[str]:
    return [cell_text(c) for c in cells if c.get("cell_type") == "markdown"]


def title_of(cells: list[Any], default: str) -> str:
    """The first level-1 heading of the markdown, else ``default``."""
    for text in _markdown(cells):
        for line in text.splitlines():
            if line.startswith("# "):
                return plain(line[2:])
    return default


def toc(cells: list[Any]) -> list[tuple[int, str, str]]:
    """(level, id, text) of the level 2 and 3 headings, with the ids nbconvert's ``add_anchor`` gives them."""
    found = []
    for text in _markdown(cells):
        for line in text.splitlines():
            match = re.match(r"(#{2,3})\s+(.+?)\s*#*\s*$", line)
            if match:
                title = plain(match.group(2))
                found.append((len(match.group(1)), quote(title.replace(" ", "-"), safe="?/:@!$&'()*+,;="), title))
    return found


def first_sentence(markdown: str) -> str:
    """The first sentence of the first paragraph that is not a heading, a table, code or HTML."""
    for block in re.split(r"\n\s*\n", markdown):
        block = block.strip()
        if block and not block.startswith(("#", "|", "```", "<")):
            text = plain(block)
            match = re.match(r"(.+?[.!?])(\s|$)", text)
            return match.group(1) if match else text
    return ""


def summary(cells: list[Any]) -> str:
    """The first paragraph after the title, as plain text without its bold label (for the index)."""
    for text in _markdown(cells):
        for block in (b.strip() for b in re.split(r"\n\s*\n", text)):
            if block and not block.startswith("#"):
                text = plain(re.sub(r"^\*\*[^*]{1,20}[.:]\*\*\s*", "", block))
                return text if len(text) <= 400 else text[:399].rsplit(" ", 1)[0] + "…"
    return ""


@functools.cache
def templates() -> Any:
    """The jinja2 environment of the site's own templates (page, report, index)."""
    import jinja2

    return jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined,
                              loader=jinja2.FileSystemLoader(str(TEMPLATES)))


@functools.cache
def exporter() -> Any:
    """nbconvert's HTML exporter on the classic cell templates, body only, no prompts, parameter cells removed."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    html = HTMLExporter(template_name="classic", template_file="cells.html.j2", extra_template_paths=[str(TEMPLATES)],
                        exclude_input_prompt=True, exclude_output_prompt=True, anchor_link_text="#")
    html.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=HIDDEN_TAGS), enabled=True)
    return html


def _section_heading(cells: list[Any], index: int) -> str:
    for cell in reversed(cells[:index]):
        if cell.get("cell_type") == "markdown":
            for line in reversed(cell_text(cell).splitlines()):
                if line.startswith("#"):
                    return plain(line.lstrip("#"))
    return ""


def _supporting_sentence(cells: list[Any], index: int) -> str:
    """The first sentence of the next paragraph after cell ``index``: what the chart supports."""
    for cell in cells[index + 1:]:
        if cell.get("cell_type") == "markdown":
            if cell_text(cell).lstrip().startswith("#"):
                return ""  # the next section began: this chart has no sentence of its own
            sentence = first_sentence(cell_text(cell))
            if sentence:
                return sentence
    return ""


def prepare(nb: Any, words: Mapping[str, str]) -> tuple[Any, list[str], dict[str, str] | None]:
    """A copy of an executed notebook as its page shows it: alt texts and download links on every chart.

    Returns the copy, the figure files it links to (under ``figures/``), and its first chart (for the index).
    """
    nb = copy.deepcopy(nb)
    linked: list[str] = []
    finding = None
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if "image/png" not in output.get("data", {}):
                continue
            meta = output.setdefault("metadata", {})
            chart = dict(meta.get("civicstats") or {})
            title = chart.get("title") or meta.get("image/png", {}).get("alt") or ""
            if not title:
                section = _section_heading(nb.cells, index)
                title = words["site_chart_of"].format(section=section) if section else words["site_chart"]
            sentence = _supporting_sentence(nb.cells, index)
            alt = f"{title.rstrip('.')}. {sentence}" if sentence else title
            meta.setdefault("image/png", {})["alt"] = alt
            figure = chart.get("figure")
            if figure:
                files = [f"{figure}.png", f"{figure}.svg"]
                chart["links"] = [[f.rsplit(".", 1)[1].upper(), posixpath.join("figures", f)] for f in files]
                linked.extend(f for f in files if f not in linked)
                finding = finding or {"figure": figure, "alt": alt, "title": title, "sentence": sentence}
            meta["civicstats"] = chart
    return nb, linked, finding


def render_body(nb: Any, words: Mapping[str, str]) -> str:
    """The cells of a prepared notebook as an HTML fragment."""
    body, _ = exporter().from_notebook_node(nb, resources={"civicstats": {
        "show_code": words["site_show_code"], "download_chart": words["site_download_chart"]}})
    return body
