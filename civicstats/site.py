"""The HTML reports as a small static website, in English and in French.

Size (over 500 lines): about a third is the HTML templates and the CSS, kept
as Python strings so that they ship in the wheel and count in the build's
fingerprint.

``civicstats build`` renders each executed notebook to one page and writes an
index per edition::

    reports/index.html            English edition (the default)
    reports/NAME.html
    reports/fr/index.html         French edition, built from the same notebooks
    reports/fr/NAME.html
    reports/fr/figures/           the French charts (PNG and SVG)
    reports/data/                 downloads: each table as CSV, datapackage.json,
                                  the Excel template

One source per notebook: markdown cells tagged ``lang-en`` appear only in the
English edition, ``lang-fr`` only in the French one; untagged cells appear in
both (:func:`keep_cell`). Each edition is executed with its own ``lang``.

The pages are made with the tools Jupyter uses: nbconvert's ``classic`` cell
templates (through a template given here as a string, so that the templates
are part of the package and of the build's fingerprint) render the cells, and
a jinja2 page template adds the site around them: title, table of contents,
previous/next links, the language switch. Nothing is loaded from a CDN (no
require.js, no MathJax: text from data is never read as math), and there is
no JavaScript at all: code is hidden in ``<details>`` elements.

Every page starts with a stamp (a JSON script element) recording the
fingerprint of the notebook run it shows, the page key (fingerprint, site
format and navigation) and its figures: a warm build reads the stamps, not
the notebooks, to know that nothing needs rendering.

>>> keep_cell(["lang-fr"], "en"), keep_cell(["lang-fr"], "fr"), keep_cell([], "fr")
(False, True, True)
>>> edition_href("en", "fr", "02-open-data.html"), edition_href("fr", "en", "index.html")
('fr/02-open-data.html', '../index.html')
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import os
import posixpath
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from civicstats import paths
from civicstats.labels import text as words

__all__ = ["EDITIONS", "SITE_FORMAT", "keep_cell", "edition_dir", "edition_href", "title_of",
           "Page", "read_stamp", "render_body", "page_html", "write_index", "index_key"]

#: Bump to re-render every page when the site's layout changes.
SITE_FORMAT = 1
#: The editions of the site; the first is the default, at the top of reports/.
EDITIONS = paths.EDITIONS
#: Cells tagged ``lang-XX`` belong to the XX edition only.
LANG_TAG = "lang-"
#: Where a page's stamp sits: the first element of its <head>.
_STAMP_OPEN, _STAMP_CLOSE = '<script type="application/json" id="civicstats-page">', "</script>"
#: How many bytes of a page to read to find its stamp.
_STAMP_BYTES = 16_384
#: Tags of code cells readers never need to see, even folded.
_HIDDEN_TAGS = ("parameters", "injected-parameters")
#: Mode of every file the site writes (bug 12: mkstemp's 0600 is not for readers).
FILE_MODE = 0o644


# ---------------------------------------------------------------- editions and pages

def keep_cell(tags: Iterable[str], lang: str) -> bool:
    """Whether a cell with ``tags`` belongs to the ``lang`` edition."""
    return not any(t.startswith(LANG_TAG) and t != LANG_TAG + lang for t in tags)


def edition_dir(reports: Path, lang: str) -> Path:
    """The folder of one edition: ``reports/`` for the default, ``reports/LANG/`` otherwise."""
    return reports if lang == EDITIONS[0] else reports / lang


def _edition_prefix(lang: str) -> str:
    return "" if lang == EDITIONS[0] else lang


def edition_href(from_lang: str, to_lang: str, page: str) -> str:
    """Relative link from a page of one edition to ``page`` of another."""
    start = _edition_prefix(from_lang) or "."
    return posixpath.relpath(posixpath.join(_edition_prefix(to_lang) or ".", page), start)


def _cells(raw: Mapping[str, Any], lang: str) -> list[Mapping[str, Any]]:
    return [c for c in raw.get("cells", []) if keep_cell(c.get("metadata", {}).get("tags", []), lang)]


def edition_cells(raw: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Notebook JSON with only the cells of the ``lang`` edition (for its fingerprint)."""
    return {**raw, "cells": _cells(raw, lang)}


def _text(source: str | list[str]) -> str:
    return source if isinstance(source, str) else "".join(source)


def title_of(raw: Mapping[str, Any], lang: str, default: str) -> str:
    """The first level-1 heading of the ``lang`` edition's markdown, else ``default``.

    >>> nb = {"cells": [{"cell_type": "markdown", "metadata": {"tags": ["lang-en"]}, "source": "# Who?"},
    ...                 {"cell_type": "markdown", "metadata": {"tags": ["lang-fr"]}, "source": "# Qui ?"}]}
    >>> title_of(nb, "fr", "01"), title_of({"cells": []}, "en", "01-demo")
    ('Qui ?', '01-demo')
    """
    for cell in _cells(raw, lang):
        if cell.get("cell_type") == "markdown":
            for line in _text(cell.get("source", "")).splitlines():
                if line.startswith("# "):
                    return _plain(line[2:])
    return default


def _plain(markdown: str) -> str:
    """Markdown inline text as plain text (links, emphasis, code marks removed)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"\[([^\]]*)\]", r"\1", text)
    text = re.sub(r"(\*\*|__|\*|`)", "", text)
    return " ".join(text.split())


def _first_sentence(markdown: str) -> str:
    """The first sentence of the first paragraph that is not a heading."""
    for block in re.split(r"\n\s*\n", markdown):
        block = block.strip()
        if block and not block.startswith(("#", "|", "```", "<")):
            plain = _plain(block)
            match = re.match(r"(.+?[.!?])(\s|$)", plain)
            return match.group(1) if match else plain
    return ""


def _summary(raw: Mapping[str, Any], lang: str) -> str:
    """The page's first paragraph after its title, as plain text (for the index)."""
    for cell in _cells(raw, lang):
        if cell.get("cell_type") == "markdown":
            blocks = [b.strip() for b in re.split(r"\n\s*\n", _text(cell.get("source", "")))]
            for block in blocks:
                if block and not block.startswith("#"):
                    plain = _plain(re.sub(r"^\*\*[^*]{1,20}[.:]\*\*\s*", "", block))  # no "**Purpose.**" label
                    return plain if len(plain) <= 400 else plain[:399].rsplit(" ", 1)[0] + "…"
    return ""


@dataclass
class Page:
    """One page of one edition, as the build and the index see it."""

    name: str
    lang: str
    title: str
    fingerprint: str = ""
    key: str = ""
    summary: str = ""
    figures: list[str] = field(default_factory=list)  # files (PNG and SVG) the page links to
    finding: dict[str, str] | None = None  # the first chart: {"figure": stem, "alt": text}

    def stamp(self) -> dict[str, Any]:
        return {"name": self.name, "lang": self.lang, "title": self.title, "fingerprint": self.fingerprint,
                "key": self.key, "summary": self.summary, "figures": self.figures, "finding": self.finding}

    @classmethod
    def from_stamp(cls, stamp: Mapping[str, Any]) -> Page:
        return cls(**{k: stamp.get(k) for k in ("name", "lang", "title", "fingerprint", "key", "summary")},
                   figures=list(stamp.get("figures") or []), finding=stamp.get("finding"))


def navigation(titles: Sequence[tuple[str, str]], editions: Sequence[str]) -> dict[str, dict[str, Any]]:
    """name -> what its page links to: previous, next and the editions built.

    >>> navigation([("a", "A"), ("b", "B")], ["en"])["b"]
    {'prev': ['a', 'A'], 'next': None, 'editions': ['en']}
    """
    nav = {}
    for i, (name, _) in enumerate(titles):
        nav[name] = {"prev": list(titles[i - 1]) if i > 0 else None,
                     "next": list(titles[i + 1]) if i + 1 < len(titles) else None,
                     "editions": list(editions)}
    return nav


def page_key(fingerprint: str, nav: Mapping[str, Any]) -> str:
    """What a page depends on beyond its notebook run: its links and the site format."""
    payload = json.dumps({"site": SITE_FORMAT, "fingerprint": fingerprint, "nav": nav}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def index_key(page_keys: Iterable[str], editions: Sequence[str], data: str | None) -> str:
    """What an index depends on: every page of its edition, the editions, the data."""
    payload = json.dumps({"site": SITE_FORMAT, "pages": sorted(page_keys), "editions": list(editions),
                          "data": data}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def read_stamp(page: Path) -> dict[str, Any] | None:
    """The stamp at the top of a page this module wrote, or None."""
    try:
        with page.open("rb") as handle:
            head = handle.read(_STAMP_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return None
    start = head.find(_STAMP_OPEN)
    end = head.find(_STAMP_CLOSE, start)
    if start < 0 or end < 0:
        return None
    try:
        stamp = json.loads(head[start + len(_STAMP_OPEN):end])
    except ValueError:
        return None
    return stamp if isinstance(stamp, dict) else None


def _stamp_json(stamp: Mapping[str, Any]) -> str:
    # inside <script>: no "</" may appear, and no "<!--"
    return json.dumps(stamp, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")


def t(key: str, lang: str, **values: object) -> str:
    """A text of the site, from the catalog of words (:func:`civicstats.labels.text`)."""
    return words(key, lang, **values)


# ---------------------------------------------------------------- rendering one notebook

_CELL_TEMPLATE = r"""
{%- extends 'classic/base.html.j2' -%}
{% block input_group -%}
<details class="cs-code"><summary>{{ resources.civicstats.show_code }}</summary>
{{ super() }}
</details>
{%- endblock input_group %}
{% block data_png scoped %}
{%- set cs = output.metadata.get('civicstats', {}) -%}
<figure class="cs-figure">
{{ super() }}
{%- if cs.get('links') %}
<figcaption>{{ resources.civicstats.download_chart }} {% for label, href in cs['links'] -%}
<a href="{{ href | escape_html }}">{{ label }}</a>{% if not loop.last %} · {% endif %}{%- endfor %}</figcaption>
{%- endif %}
</figure>
{% endblock data_png %}
{% block input %}
{#- as the classic template, without running the highlighted code through an HTML sanitiser (bleach): pygments
    escapes the code it highlights, and sanitising every cell again was a third of the rendering time #}
<div class="inner_cell">
    <div class="input_area">
{{ cell.source | highlight_code(metadata=cell.metadata) }}
    </div>
</div>
{%- endblock input %}
"""


@functools.cache
def html_exporter() -> Any:
    """nbconvert's HTML exporter on the classic cell templates, body only, no prompts.

    Made once and warmed up: importing nbconvert and compiling its templates
    takes about half a second, paid while the first kernels start.
    """
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter, TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class Exporter(HTMLExporter):
        """HTMLExporter without its last pass, which parses the whole page again with BeautifulSoup.

        That pass gives images without an alt text a placeholder one (every
        image of a report has its own: see :func:`prepare_for_page`) and makes
        JupyterLab's cell wrappers focusable (the classic cells have none);
        it took a third of the rendering time.
        """

        def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> tuple[str, dict]:
            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    exporter = Exporter(
        template_name="classic",
        template_file="civicstats-cells.html.j2",
        extra_loaders=[jinja2.DictLoader({"civicstats-cells.html.j2": _CELL_TEMPLATE})],
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="#",
    )
    v4 = nbformat.v4
    cell = v4.new_code_cell("1", outputs=[v4.new_output("execute_result", {"text/html": "<b>1</b>", "text/plain": "1"},
                                                       execution_count=1)])
    exporter.from_notebook_node(v4.new_notebook(cells=[v4.new_markdown_cell("# *1*"), cell]),
                                resources={"civicstats": {"show_code": "", "download_chart": ""}})
    return exporter


def _figure_outputs(nb: Any) -> Iterable[tuple[int, Any]]:
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if "image/png" in output.get("data", {}):
                    yield index, output


def _supporting_sentence(nb: Any, index: int) -> str:
    """The first sentence of the next paragraph after cell ``index``: what the chart supports."""
    for cell in nb.cells[index + 1:]:
        if cell.cell_type == "markdown":
            if cell.source.lstrip().startswith("#"):
                return ""  # the next section began: this chart has no sentence of its own
            sentence = _first_sentence(cell.source)
            if sentence:
                return sentence
    return ""


def _section_heading(nb: Any, index: int) -> str:
    for cell in reversed(nb.cells[:index]):
        if cell.cell_type == "markdown":
            for line in reversed(cell.source.splitlines()):
                if line.startswith("#"):
                    return _plain(line.lstrip("#"))
    return ""


def prepare_for_page(nb: Any, lang: str, figures_href: str) -> tuple[Any, list[str], dict[str, str] | None]:
    """A copy of the executed ``nb`` as the ``lang`` page shows it.

    Drops the other editions' cells and the parameter cells, gives every
    chart an alt text (its title and the sentence it supports) and links to
    its PNG and SVG files under ``figures_href``. Returns the copy, the figure
    files it links to, and the first chart (for the index).
    """
    import copy

    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if keep_cell(c.metadata.get("tags", []), lang)
                and not (c.cell_type == "code" and set(_HIDDEN_TAGS) & set(c.metadata.get("tags", [])))]
    linked: list[str] = []
    finding = None
    for index, output in _figure_outputs(nb):
        meta = output.setdefault("metadata", {})
        chart = dict(meta.get("civicstats") or {})
        title = chart.get("title") or meta.get("image/png", {}).get("alt") or ""
        if not title:
            section = _section_heading(nb, index)
            title = t("site_chart_of", lang, section=section) if section else t("site_chart", lang)
        sentence = _supporting_sentence(nb, index)
        alt = f"{title.rstrip('.')}. {sentence}" if sentence else title
        meta.setdefault("image/png", {})["alt"] = alt
        figure = chart.get("figure")
        if figure:
            files = [f"{figure}.png", f"{figure}.svg"]
            chart["links"] = [[f.rsplit(".", 1)[1].upper(), posixpath.join(figures_href, f)] for f in files]
            linked.extend(f for f in files if f not in linked)
            if finding is None:
                finding = {"figure": figure, "alt": alt, "title": title, "sentence": sentence}
        meta["civicstats"] = chart
    return nb, linked, finding


def render_body(nb: Any, lang: str) -> str:
    """The cells of a prepared notebook as an HTML fragment."""
    resources = {"civicstats": {"show_code": t("site_show_code", lang),
                                "download_chart": t("site_download_chart", lang)}}
    body, _ = html_exporter().from_notebook_node(nb, resources=resources)
    return body


_HEADING = r'<h([23]) id="([^"]+)">(.*?)<a class="anchor-link"'
_TAG = r"<[^>]+>"


def _toc(body: str) -> list[tuple[int, str, str]]:
    """(level, id, text) of the level 2 and 3 headings of a rendered body."""
    return [(int(level), anchor, html.unescape(re.sub(_TAG, "", text)).strip())
            for level, anchor, text in re.findall(_HEADING, body, flags=re.S)]


@functools.cache
def _css() -> str:
    from pygments.formatters import HtmlFormatter

    return _SITE_CSS + HtmlFormatter(style="default").get_style_defs(".highlight")


_PAGE = r"""<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<script type="application/json" id="civicstats-page">{{ stamp | safe }}</script>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="civicstats">
<title>{{ title }}{% if title != site %} – {{ site }}{% endif %}</title>
<style>{{ css() | safe }}</style>
</head>
<body>
<header class="cs-top">
<a class="cs-home" href="{{ home }}">{{ site }}</a>
{% if switch %}<a class="cs-lang" href="{{ switch.href }}" hreflang="{{ switch.lang }}" lang="{{ switch.lang }}">{{ switch.label }}</a>{% endif %}
</header>
<main>
{% block main %}{% endblock %}
</main>
<footer class="cs-foot"><p>{{ footer }}</p></footer>
</body>
</html>
"""

_REPORT = r"""{% extends "page" %}
{% block main %}
<h1 class="cs-title">{{ title }}</h1>
{% if toc %}
<nav class="cs-toc" aria-label="{{ toc_label }}"><h2>{{ toc_label }}</h2><ol>
{% for level, anchor, text in toc %}<li class="cs-toc-{{ level }}"><a href="#{{ anchor }}">{{ text }}</a></li>
{% endfor %}</ol></nav>
{% endif %}
<article class="cs-report">
{{ body | safe }}
</article>
<nav class="cs-pager" aria-label="{{ pager_label }}">
{% if prev %}<a rel="prev" href="{{ prev.href }}">← {{ prev.title }}</a>{% else %}<span></span>{% endif %}
<a href="{{ home }}">{{ index_label }}</a>
{% if next %}<a rel="next" href="{{ next.href }}">{{ next.title }} →</a>{% else %}<span></span>{% endif %}
</nav>
{% endblock %}
"""

_INDEX = r"""{% extends "page" %}
{% block main %}
<h1 class="cs-title">{{ site_title }}</h1>
<p class="cs-lead">{{ lead }}</p>
<h2 id="findings">{{ findings_label }}</h2>
<div class="cs-findings">
{% for page in pages %}
<section class="cs-finding">
<h3><a href="{{ page.href }}">{{ page.title }}</a></h3>
{% if page.figure %}<figure class="cs-figure"><a href="{{ page.href }}"><img src="{{ page.figure }}" alt="{{ page.alt }}"></a>
{% if page.sentence %}<figcaption class="cs-key">{{ page.sentence }}</figcaption>{% endif %}</figure>{% endif %}
{% if page.summary %}<p>{{ page.summary }}</p>{% endif %}
</section>
{% endfor %}
</div>
<h2 id="reports">{{ reports_label }}</h2>
<ol class="cs-reports">
{% for page in pages %}<li><a href="{{ page.href }}">{{ page.title }}</a></li>
{% endfor %}</ol>
{% if downloads %}
<h2 id="downloads">{{ downloads_label }}</h2>
<p>{{ downloads_intro }}</p>
<ul class="cs-downloads">
{% for item in downloads %}<li><a href="{{ item.href }}" download>{{ item.label }}</a>{% if item.note %} — {{ item.note }}{% endif %}</li>
{% endfor %}</ul>
{% endif %}
<h2 id="sources">{{ sources_label }}</h2>
<div class="cs-scroll"><table class="cs-table">
<thead><tr>{% for h in source_headers %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>
{% for s in sources %}<tr><td>{{ s.id }}</td><td>{% if s.url %}<a href="{{ s.url }}">{{ s.title }}</a>{% else %}{{ s.title }}{% endif %}</td><td>{{ s.publisher }}</td><td>{{ s.date }}</td></tr>
{% endfor %}</tbody></table></div>
{% endblock %}
"""


@functools.cache
def _templates() -> tuple[Any, Any]:
    import jinja2

    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined,
                             loader=jinja2.DictLoader({"page": _PAGE, "report": _REPORT, "index": _INDEX}))
    env.globals["css"] = _css
    return env.get_template("report"), env.get_template("index")


def _common(lang: str, page: str, editions: Sequence[str]) -> dict[str, Any]:
    others = [e for e in editions if e != lang]
    switch = None
    if others:
        other = others[0]
        switch = {"href": edition_href(lang, other, page), "lang": other, "label": t("site_switch", other)}
    return {"lang": lang, "site": t("site_name", lang), "home": "index.html", "switch": switch,
            "footer": t("site_footer", lang)}


def page_html(page: Page, body: str, nav: Mapping[str, Any]) -> bytes:
    """The full page of one report: stamp, title, contents, cells, previous/next."""
    report, _ = _templates()
    lang = page.lang

    def link(entry: Sequence[str] | None) -> dict[str, str] | None:
        return None if not entry else {"href": f"{entry[0]}.html", "title": entry[1]}

    text = report.render(
        **_common(lang, f"{page.name}.html", nav.get("editions", [lang])),
        stamp=_stamp_json(page.stamp()), title=page.title, toc=_toc(body), body=body,
        prev=link(nav.get("prev")), next=link(nav.get("next")),
        toc_label=t("site_contents", lang), pager_label=t("site_pager", lang),
        index_label=t("site_index", lang),
    )
    return text.encode("utf-8")


def render_page(nb: Any, page: Page, nav: Mapping[str, Any], figures_href: str) -> bytes:
    """Prepare, render and wrap an executed notebook; fills ``page.figures`` and ``page.finding``."""
    prepared, page.figures, page.finding = prepare_for_page(nb, page.lang, figures_href)
    if not page.summary:
        page.summary = _summary({"cells": [dict(c) for c in prepared.cells]}, page.lang)
    return page_html(page, render_body(prepared, page.lang), nav)


# ---------------------------------------------------------------- the index of an edition

def _downloads(lang: str, prefix: str, folder: Path) -> list[dict[str, str]]:
    """The files of ``folder`` (``reports/data/``) to offer, linked through ``prefix``."""
    from civicstats import paths

    items = []
    try:
        package = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        package = {"resources": []}
    for resource in package.get("resources", []):
        path = resource.get("path")
        if isinstance(path, str) and (paths.DATA_DIR / path).is_file():
            items.append({"href": posixpath.join(prefix, path), "label": f"{path} (CSV)",
                          "note": resource.get("title", "")})
    items.append({"href": posixpath.join(prefix, "datapackage.json"), "label": "datapackage.json",
                  "note": t("site_datapackage", lang)})
    items.append({"href": posixpath.join(prefix, "civicstats-data.xlsx"), "label": "civicstats-data.xlsx",
                  "note": t("site_template", lang)})
    return [item for item in items if (folder / posixpath.basename(item["href"])).is_file()]


def _write_downloads(reports: Path) -> None:
    """Copy the shipped data package into ``reports/data/`` and write the Excel template there."""
    import shutil

    from civicstats import paths
    from civicstats.workbook import write_template

    folder = reports / "data"
    folder.mkdir(parents=True, exist_ok=True)
    _chmod_dir(folder)
    for source in sorted(paths.DATA_DIR.glob("*")):
        if source.is_file() and source.suffix in (".csv", ".json"):
            tmp = _temporary(folder, source.name)
            shutil.copyfile(source, tmp)
            _publish(tmp, folder / source.name)
    write_template(folder / "civicstats-data.xlsx", overwrite=True, reproducible=True)
    os.chmod(folder / "civicstats-data.xlsx", FILE_MODE)


def _sources(data: Path | None) -> list[dict[str, str]]:
    from civicstats.tables import load

    frame = load("sources", data)
    rows = []
    for record in frame.to_dict("records"):
        url = record.get("url")
        url = url if isinstance(url, str) and url.startswith(("https://", "http://")) else ""
        rows.append({k: ("" if _missing(record.get(k)) else str(record.get(k)))
                     for k in ("id", "title", "publisher", "date")} | {"url": url})
    return rows


def _missing(value: object) -> bool:
    try:
        return value is None or value != value  # NaN, NA
    except (TypeError, ValueError):
        return True


def write_index(reports: Path, lang: str, pages: Sequence[Page], editions: Sequence[str], key: str,
                data: Path | None, figures_href: str, downloads: bool) -> None:
    """Write ``index.html`` of one edition (and, with ``downloads``, ``reports/data/``)."""
    _, index = _templates()
    folder = edition_dir(reports, lang)
    prefix = posixpath.relpath("data", _edition_prefix(lang) or ".")
    if downloads:
        _write_downloads(reports)
    entries = []
    for page in pages:
        finding = page.finding or {}
        entries.append({"href": f"{page.name}.html", "title": page.title, "summary": page.summary,
                        "figure": posixpath.join(figures_href, f"{finding['figure']}.png") if finding else "",
                        "alt": finding.get("alt", ""), "sentence": finding.get("sentence", "")})
    stamp = {"name": "index", "lang": lang, "key": key, "pages": [p.name for p in pages]}
    text = index.render(
        **_common(lang, "index.html", editions), stamp=_stamp_json(stamp), title=t("site_name", lang),
        site_title=t("site_title", lang), lead=t("site_lead", lang), pages=entries,
        findings_label=t("site_findings", lang), reports_label=t("site_reports", lang),
        downloads_label=t("site_downloads", lang), downloads_intro=t("site_downloads_intro", lang),
        downloads=_downloads(lang, prefix, reports / "data"), sources_label=t("site_sources", lang),
        source_headers=[words(k, lang) for k in ("col_id", "col_title", "col_publisher", "col_date")],
        sources=_sources(data),
    )
    write_file(folder / "index.html", text.encode("utf-8"))


# ---------------------------------------------------------------- files with normal permissions

def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temporary(folder: Path, name: str) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    return Path(tmp)


def _publish(tmp: Path, final: Path) -> None:
    """Give a temporary file the mode of a normal file, then move it into place."""
    os.chmod(tmp, FILE_MODE & ~_umask() | 0o400)
    os.replace(tmp, final)


def _chmod_dir(folder: Path) -> None:
    try:
        os.chmod(folder, 0o755 & ~_umask() | 0o700)
    except OSError:
        pass


def write_file(path: Path, content: bytes) -> None:
    """Write ``content`` atomically, readable by everyone (0644 under the usual umask)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(path.parent, path.name)
    try:
        tmp.write_bytes(content)
        _publish(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- style

_SITE_CSS = r"""
:root { --ink: #1a1a1a; --muted: #5a5a5a; --line: #d8d8d8; --accent: #0b5fa5; --paper: #fff; --soft: #f5f6f8; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: var(--paper); font: 17px/1.55 system-ui, -apple-system,
       "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; overflow-wrap: break-word; }
main { max-width: 52rem; margin: 0 auto; padding: 0 1rem 2rem; }
a { color: var(--accent); }
.cs-top { display: flex; justify-content: space-between; align-items: center; gap: 1rem;
          padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
.cs-home { font-weight: 700; text-decoration: none; color: var(--ink); }
.cs-lang { font-size: .95rem; }
h1, h2, h3 { line-height: 1.25; }
h1.cs-title { font-size: 1.9rem; margin: 1.2rem 0 .8rem; }
.cs-report h1 { display: none; }  /* the notebook's own title: shown once, above the contents */
.anchor-link { margin-left: .3rem; font-size: .8em; text-decoration: none; color: var(--line); }
.anchor-link:hover, .anchor-link:focus { color: var(--accent); }
.cs-toc { background: var(--soft); border-radius: .4rem; padding: .6rem 1rem; margin: 1rem 0 1.5rem; }
.cs-toc h2 { font-size: 1rem; margin: .2rem 0; }
.cs-toc ol { margin: .2rem 0; padding-left: 1.2rem; }
.cs-toc-3 { margin-left: 1rem; list-style: circle; }
.cell { margin: .6rem 0; }
details.cs-code { margin: .4rem 0; }
details.cs-code > summary { cursor: pointer; color: var(--muted); font-size: .85rem; }
.input_area, pre { max-width: 100%; overflow-x: auto; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font: .85rem/1.45 ui-monospace, "SFMono-Regular",
      Menlo, Consolas, monospace; margin: .4rem 0; }
.highlight { background: var(--soft); padding: .4rem .6rem; border-radius: .3rem; }
.output_stream pre, .output_text pre { background: none; font-family: inherit; font-size: 1rem;
                                        white-space: pre-wrap; }
.output_error pre { color: #a00; }
.output_html, .cs-scroll { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .9rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: var(--soft); }
td { min-width: 4rem; }
img, svg { max-width: 100%; height: auto; }
figure.cs-figure { margin: 1rem 0; }
figure.cs-figure figcaption { font-size: .85rem; color: var(--muted); }
figure.cs-figure figcaption.cs-key { font-size: 1.05rem; color: var(--ink); font-weight: 600; margin-top: .4rem; }
td.cs-num, th.cs-num { text-align: right; font-variant-numeric: tabular-nums; }
.cs-pager { display: flex; justify-content: space-between; gap: 1rem; flex-wrap: wrap;
            border-top: 1px solid var(--line); margin-top: 2rem; padding-top: 1rem; }
.cs-lead { font-size: 1.1rem; }
.cs-findings { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 20rem), 1fr)); gap: 1.2rem; }
.cs-finding h3 { margin: .4rem 0; }
.cs-foot { color: var(--muted); font-size: .85rem; border-top: 1px solid var(--line); padding: .6rem 1rem; }
@media (max-width: 480px) { body { font-size: 16px; } h1.cs-title { font-size: 1.5rem; } }
@media print {
  .cs-top, .cs-pager, details.cs-code, .anchor-link, .cs-lang { display: none !important; }
  body { font-size: 11pt; } main { max-width: none; }
  a { color: inherit; } .output_html, .cs-scroll { overflow: visible; }
  figure, table, img { break-inside: avoid; }
}
"""
