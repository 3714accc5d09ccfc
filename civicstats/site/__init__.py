"""The reports: a static website of the executed notebooks, in English and in French.

``civicstats build`` ends with :func:`publish`, which writes::

    reports/index.html, reports/NAME.html       English edition (from notebooks/en/)
    reports/figures/                           the charts its pages show and link to
    reports/fr/index.html, reports/fr/NAME.html French edition (from notebooks/fr/)
    reports/fr/figures/
    reports/collectivities.html, reports/fr/collectivities.html
                                               every collectivity: are we concerned, do we publish?
    reports/data/                              downloads: tables as CSV, datapackage.json, Excel template, and
                                               collectivities.csv (the rows of cs.collectivities() on the build's data)

Every link stays inside ``reports/``: the folder can be copied or served as it
is. Nothing is loaded from a CDN; the one script is the collectivities page's
own, inline (code is folded in ``<details>``). Each page starts with a stamp (a JSON script element) holding
its key, a digest of what it shows: the run it renders, its navigation and the
site's templates; a page whose key has not changed is not rendered again.

>>> edition_href("en", "fr", "02-open-data.html"), edition_href("fr", "en", "index.html")
('fr/02-open-data.html', '../index.html')
"""

from __future__ import annotations

import functools
import hashlib
import json
import posixpath
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from civicstats import paths
from civicstats.files import read_executed, write_atomic
from civicstats.site import collectivities, findings, index, pages

__all__ = ["EDITIONS", "SITE_FORMAT", "built_from", "edition_href", "publish", "read_stamp"]

#: Bump to re-render every page when the site's layout changes.
SITE_FORMAT = 3
EDITIONS = paths.EDITIONS
_STAMP_OPEN, _STAMP_CLOSE = '<script type="application/json" id="civicstats-page">', "</script>"
#: How many bytes of a page to read to find its stamp.
_STAMP_BYTES = 16_384


def _prefix(lang: str) -> str:
    return "" if lang == EDITIONS[0] else lang


def edition_href(from_lang: str, to_lang: str, page: str) -> str:
    """Relative link from a page of one edition to ``page`` of another."""
    return posixpath.relpath(posixpath.join(_prefix(to_lang) or ".", page), _prefix(from_lang) or ".")


def read_stamp(page: Path) -> dict[str, Any] | None:
    """The stamp at the top of a page the site wrote, or None."""
    try:
        with page.open("rb") as handle:
            head = handle.read(_STAMP_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return None
    start, end = head.find(_STAMP_OPEN), head.find(_STAMP_CLOSE)
    try:
        stamp = json.loads(head[start + len(_STAMP_OPEN):end]) if 0 <= start < end else None
    except ValueError:
        return None
    return stamp if isinstance(stamp, dict) else None


def _stamp_json(stamp: dict[str, Any]) -> str:
    # inside <script>: no "</" may appear, and no "<!--"
    return json.dumps(stamp, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")


def _key(*parts: object) -> str:
    return hashlib.sha256(json.dumps([SITE_FORMAT, *parts], sort_keys=True).encode()).hexdigest()


def _templates_digest() -> str:
    files = sorted(p for p in Path(str(pages.TEMPLATES)).iterdir() if p.is_file())
    return _key([(p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in files])


@functools.cache
def _words(lang: str) -> dict[str, str]:
    from civicstats.labels import catalog

    return {key: texts[lang] for key, texts in catalog().items() if lang in texts}


def _common(lang: str, page: str, editions: Sequence[str], provenance: dict[str, Any] | None) -> dict[str, Any]:
    other = next((e for e in editions if e != lang), None)
    switch = other and {"href": edition_href(lang, other, page), "lang": other,
                        "label": _words(other)["site_switch"]}
    return {"lang": lang, "site": _words(lang)["site_name"], "home": "index.html", "switch": switch or None,
            "built_from": built_from(provenance, _words(lang), lang), "footer": _words(lang)["site_footer"],
            "css": _css()}


@functools.cache
def _css() -> str:
    """The site's CSS and the code highlighting's, read once per build."""
    from pygments.formatters import HtmlFormatter

    css = (Path(str(pages.TEMPLATES)) / "site.css").read_text(encoding="utf-8")
    return css + HtmlFormatter(style="default").get_style_defs(".highlight")


def _render_page(raw_text: str, name: str, lang: str, nav: dict[str, Any], editions: Sequence[str],
                 stamp: dict[str, Any], figures: Path, folder: Path,
                 provenance: dict[str, Any] | None = None) -> dict[str, Any]:
    """Render one executed notebook to ``folder/NAME.html``, with the figures it links to copied beside it."""
    import nbformat

    words = _words(lang)
    nb = nbformat.reads(raw_text, as_version=4)
    prepared, linked, finding = pages.prepare(nb, words)
    stamp.update(figures=linked, finding=finding, summary=pages.summary(nb.cells))
    for name_ in linked:
        if (figures / name_).is_file():
            write_atomic(folder / "figures" / name_, (figures / name_).read_bytes())

    def link(entry: Sequence[str] | None) -> dict[str, str] | None:
        return {"href": f"{entry[0]}.html", "title": entry[1]} if entry else None

    text = pages.templates().get_template("report.html.j2").render(
        **_common(lang, f"{name}.html", editions, provenance), stamp=_stamp_json(stamp), title=stamp["title"],
        toc=pages.toc(nb.cells), body=pages.render_body(prepared, words), prev=link(nav["prev"]),
        next=link(nav["next"]), toc_label=words["site_contents"], pager_label=words["site_pager"],
        index_label=words["site_index"])
    write_atomic(folder / f"{name}.html", text.encode("utf-8"))
    return stamp


def _language_cells(source: Path, lang: str) -> list[dict[str, Any]]:
    """The cells of a source notebook that its ``lang`` notebook holds (its title is read there: small, no outputs)."""
    cells = json.loads(source.read_text(encoding="utf-8")).get("cells", [])
    return [c for c in cells if not any(t.startswith("lang-") and t != f"lang-{lang}"
                                        for t in c.get("metadata", {}).get("tags", []))]


def built_from(provenance: dict[str, Any] | None, words: dict[str, str], lang: str = "en") -> str:
    """The note a page of a build on other data starts with: the file, its date (in words), what came from it and
    from data/.

    >>> built_from({"file": "odf.csv", "as_of": None, "read": ["open_data_adopters"], "shipped": ["levels"]},
    ...            {"built_from": "Built from {file}{date}: {read}; {shipped}.", "built_from_date": " of {as_of}",
    ...             "built_from_shipped": "{tables} from the shipped data"})
    'Built from odf.csv: open_data_adopters; levels from the shipped data.'
    """
    if not provenance:
        return ""
    from civicstats.format import format_as_of

    as_of = provenance.get("as_of")
    date = words["built_from_date"].format(as_of=format_as_of(as_of, lang, of=True)) if as_of else ""
    shipped = words["built_from_shipped"].format(tables=", ".join(provenance["shipped"])) if provenance[
        "shipped"] else ""
    return words["built_from"].format(file=provenance["file"], date=date, read=", ".join(provenance["read"]),
                                      shipped=shipped).replace("; .", ".")


def _inputs_digest(data: Path | None) -> str:
    """What the collectivities table is computed from, read as bytes (no pandas for a build with nothing to do):
    the shipped tables it reads, the data given, and the code that joins them."""
    files = [paths.DATAPACKAGE, paths.DATA_DIR / "open_data_organisations.csv",
             paths.DATA_DIR / "official_populations.csv"]
    files += [paths.PACKAGE_DIR / name for name in ("analysis/collectivities.py", "analysis/organisations.py",
                                                    "geography.py", "site/collectivities.py")]
    if data is not None:
        files += [data] if data.is_file() else sorted(p for p in data.rglob("*") if p.is_file())
    return _key([hashlib.sha256(f.read_bytes()).hexdigest() for f in files])


def _collectivities_page(lang: str, folder: Path, key: str, table: Callable[[], Any], csv_path: Path,
                         editions: Sequence[str], provenance: dict[str, Any] | None,
                         log: Callable[[str], None]) -> dict[str, Any]:
    """Render the collectivities page of ``lang`` (and write its CSV) unless its stamp's key is current."""
    key = _key(key, list(editions), _words(lang), "collectivities")
    stamp = read_stamp(folder / collectivities.PAGE) or {}
    if stamp.get("key") == key and csv_path.is_file():
        return stamp
    csv = collectivities.csv_bytes(table())
    if not csv_path.is_file() or csv_path.read_bytes() != csv:
        write_atomic(csv_path, csv)
    words = _words(lang)
    stamp = {"name": "collectivities", "lang": lang, "key": key, "title": words["coll_title"],
             "finding": collectivities.finding(table(), words, lang)["sentence"]}
    script = (Path(str(pages.TEMPLATES)) / "collectivities.js").read_text(encoding="utf-8")
    write_atomic(folder / collectivities.PAGE, collectivities.render(
        _common(lang, collectivities.PAGE, editions, provenance), words, table(),
        posixpath.relpath(f"data/{collectivities.CSV}", _prefix(lang) or "."), _stamp_json(stamp), script))
    log(f"page {lang}/collectivities")
    return stamp


def publish(where: Any, editions: Sequence[str], sources: Sequence[Path], data: Path | None,
            log: Callable[[str], None] = print, provenance: dict[str, Any] | None = None) -> None:
    """Render the pages whose run, navigation, templates or data note changed, then each edition's index.

    ``where`` is the build's :class:`civicstats.build.plan.Targets`: where each language's notebooks,
    figures and pages are.
    """
    site = _key(_templates_digest(), provenance)  # a build on other data says so at the top of every page
    downloads_folder = where.reports / "data"
    if data is None and not (downloads_folder / "datapackage.json").is_file():
        index.write_downloads(downloads_folder)
    inputs = _key(site, _inputs_digest(data))

    @functools.cache
    def table() -> Any:  # computed once, and only if a collectivities page or an index is out of date
        from civicstats.analysis.collectivities import collectivities as table_of

        return table_of(data)

    for lang in editions:
        folder = where.reports_of(lang)
        executed = {s.stem: (s, found) for s in sources if (found := read_executed(where.notebook(s.stem, lang)))}
        titles = [(name, pages.title_of(_language_cells(source, lang), name)) for name, (source, _) in executed.items()]
        stamps = []
        for i, (name, title) in enumerate(titles):
            nav = {"prev": list(titles[i - 1]) if i else None,
                   "next": list(titles[i + 1]) if i + 1 < len(titles) else None}
            top, cells = executed[name][1]
            key = _key(site, top.get("metadata", {}).get("civicstats", {}).get("fingerprint"), cells, nav,
                       list(editions))
            stamp = read_stamp(folder / f"{name}.html") or {}
            if stamp.get("key") != key:
                text = where.notebook(name, lang).read_text(encoding="utf-8")
                stamp = _render_page(text, name, lang, nav, editions,
                                     {"name": name, "lang": lang, "title": title, "key": key},
                                     where.figures_of(lang), folder, provenance)
                log(f"page {lang}/{name}")
            stamps.append(stamp)
        page = _collectivities_page(lang, folder, inputs, table, downloads_folder / collectivities.CSV, editions,
                                    provenance, log)
        key = _key(site, [s["key"] for s in stamps], page["key"], list(editions), None if data is None else str(data))
        if (read_stamp(folder / "index.html") or {}).get("key") != key:
            prefix = posixpath.relpath("data", _prefix(lang) or ".")
            offered = index.downloads(_words(lang), prefix, downloads_folder) if data is None else []
            common = _common(lang, "index.html", editions, provenance)
            stated = {s["name"]: findings.finding(s["name"], data, lang, table) for s in stamps}
            html = index.render_index(common, _words(lang), stamps, offered, data,
                                      _stamp_json({"name": "index", "lang": lang, "key": key}), stated, page)
            write_atomic(folder / "index.html", html)
            log(f"index {lang}: {len(stamps)} reports")
