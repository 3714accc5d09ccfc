"""The index page of an edition, and the downloads it offers (``reports/data/``).

The index lists every report with its first chart, and the sources of the
data the edition was built from; the English edition sits at the top of
``reports/``, each other in ``reports/LANG/``. Downloads (each shipped
table as CSV, ``datapackage.json``, the Excel template) are written once into
``reports/data/`` and linked from every edition.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from civicstats import paths
from civicstats.files import write_atomic

__all__ = ["downloads", "render_index", "sources", "write_downloads"]


def downloads(words: Mapping[str, str], prefix: str, folder: Path) -> list[dict[str, str]]:
    """The files of ``folder`` (``reports/data/``) to offer, linked through ``prefix``, titled in ``words``'s language
    (``table_NAME`` in the catalog, else the data package's title)."""
    package = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    items = [{"href": posixpath.join(prefix, r["path"]), "label": f"{r['path']} (CSV)",
              "note": words.get(f"table_{r.get('name')}", r.get("title", ""))}  # the catalog's words, each language
             for r in package.get("resources", []) if isinstance(r.get("path"), str)]
    items += [{"href": posixpath.join(prefix, name), "label": label, "note": words[note]} for name, label, note in (
        ("datapackage.json", "datapackage.json", "site_datapackage"),
        ("civicstats-data.xlsx", "civicstats-data.xlsx", "site_template"),
        ("collectivities.csv", "collectivities.csv (CSV)", "coll_table"))]
    return [item for item in items if (folder / posixpath.basename(item["href"])).is_file()]


def write_downloads(folder: Path) -> None:
    """Copy the shipped data package into ``folder`` and write the Excel template there."""
    from civicstats.workbook import write_template

    for source in sorted(paths.DATA_DIR.glob("*")):
        if source.is_file() and source.suffix in (".csv", ".json"):  # datapackage.json among them: folder made
            write_atomic(folder / source.name, source.read_bytes())
    write_template(folder / "civicstats-data.xlsx", overwrite=True, reproducible=True)


def sources(data: Path | None) -> list[dict[str, str]]:
    """The rows of the ``sources`` table the edition was built from, as text (web addresses only if http/https)."""
    from civicstats.tables import load

    rows = []
    for record in load("sources", data).to_dict("records"):
        url = record.get("url")
        url = url if isinstance(url, str) and url.startswith(("https://", "http://")) else ""
        rows.append({k: ("" if not isinstance(record.get(k), str) else record[k])
                     for k in ("id", "title", "publisher", "date")} | {"url": url})
    return rows


def render_index(common: Mapping[str, Any], words: Mapping[str, str], pages: Sequence[Mapping[str, Any]],
                 offered: list[dict[str, str]], data: Path | None, stamp: str, stated: Mapping[str, str],
                 collectivities: Mapping[str, Any]) -> bytes:
    """The index of one edition: findings (``stated``: each page's sentence, else its first chart's), reports,
    the collectivities page, downloads, sources."""
    from civicstats.site.pages import templates

    entries = []
    for page in pages:
        finding = page.get("finding") or {}
        entries.append({"href": f"{page['name']}.html", "title": page["title"], "summary": page.get("summary", ""),
                        "figure": f"figures/{finding['figure']}.png" if finding else "",
                        "alt": finding.get("alt", ""), "sentence": finding.get("sentence", ""),
                        "stated": stated.get(page["name"], "")})
    text = templates().get_template("index.html.j2").render(
        **common, stamp=stamp, title=words["site_name"], site_title=words["site_title"], lead=words["site_lead"],
        pages=entries, collectivities=collectivities, findings_label=words["site_findings"],
        reports_label=words["site_reports"],
        downloads_label=words["site_downloads"], downloads_intro=words["site_downloads_intro"], downloads=offered,
        sources_label=words["site_sources"],
        source_headers=[words[k] for k in ("col_id", "col_title", "col_publisher", "col_date")],
        sources=sources(data))
    return text.encode("utf-8")
