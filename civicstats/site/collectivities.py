"""The collectivities page of each edition: the table of :func:`civicstats.collectivities`, searchable.

``reports/data/collectivities.csv`` holds the rows of ``cs.collectivities()`` on the build's data; each
edition's ``collectivities.html`` shows them as an HTML table (complete without JavaScript), with a small
inline script of the site's own (``templates/collectivities.js``: search, filters, sorting, a count of the
rows shown), and its own finding: how many collectivities of the universe publish nothing, by kind and région.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from civicstats.format import format_number, format_percent
from civicstats.labels import ids_text

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CSV", "LIMIT", "PAGE", "csv_bytes", "finding", "render"]

PAGE = "collectivities.html"
#: Rows shown at first (with JavaScript: thousands of rows are slow to lay out); a button shows every row.
LIMIT = 100
CSV = "collectivities.csv"


def csv_bytes(table: pd.DataFrame) -> bytes:
    """The table as the page's CSV download (UTF-8, ``\\n`` line ends): pandas reads it back as the same rows.

    A text a spreadsheet would take for a formula (starting with one of
    :data:`~civicstats.workbook.FORMULA_TRIGGERS`, as ``=HYPERLINK(…)`` in an export's name) starts with an
    apostrophe, as is advised for CSV (the shipped data hold none).
    """
    from civicstats.workbook import FORMULA_TRIGGERS

    safe = table.astype(object).map(lambda v: f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_TRIGGERS) else v)
    return safe.to_csv(index=False, lineterminator="\n").encode("utf-8")


def finding(table: pd.DataFrame, words: Mapping[str, str], lang: str) -> dict[str, Any]:
    """The page's finding: a sentence, the counts by kind and by région (rows of text for the page's tables)."""
    from civicstats.analysis.collectivities import unpublished

    def n(value: object) -> str:
        return format_number(value, lang)

    kinds = unpublished(table, "kind")
    universe, listed = int(kinds["concerned_upper_bound"].sum()), int(kinds["listed"].sum())
    sources = ids_text(";".join(table["source"].dropna().unique()))  # the export's, the official data's
    sentence = words["coll_finding"].format(universe=n(universe), listed=n(listed), silent=n(universe - listed),
                                            sources=sources)
    sentence += " " + words["coll_finding_kinds"].format(kinds=words["semicolon"].join(
        words["coll_kind_count"].format(silent=n(r.not_listed), universe=n(r.concerned_upper_bound),
                                        kind=words[f"kind_{r.kind}"]) for r in kinds.itertuples()))
    regions = unpublished(table, "region_name").assign(
        share=lambda t: t["not_listed"] / t["concerned_upper_bound"]).sort_values("share", kind="stable")
    if len(regions) > 1:
        low, high = regions.iloc[0], regions.iloc[-1]
        sentence += " " + words["coll_finding_regions"].format(
            low=low["region_name"], low_share=format_percent(low["share"], lang, 0), high=high["region_name"],
            high_share=format_percent(high["share"], lang, 0))

    def rows(frame: pd.DataFrame, name: str, label: Any) -> list[list[str]]:
        return [[label(r[name]), n(r["concerned_upper_bound"]), n(r["listed"]), n(r["not_listed"]),
                 format_percent(r["not_listed"] / r["concerned_upper_bound"], lang, 0)] for _, r in frame.iterrows()]

    return {"sentence": sentence, "by_kind": rows(kinds, "kind", lambda k: words[f"coll_kind_{k}"]),
            "by_region": rows(regions.sort_values("region_name", kind="stable"), "region_name", str)}


def _text(value: object) -> str:
    import pandas as pd

    return "" if pd.isna(value) else str(value)


def render(common: Mapping[str, Any], words: Mapping[str, str], table: pd.DataFrame, csv_href: str,
           stamp: str, script: str) -> bytes:
    """The collectivities page of one edition."""
    from civicstats.site.pages import templates

    lang = common["lang"]
    rows = []
    for r in table.itertuples(index=False):
        links = [(words["coll_portal"], _text(r.portal_url)), ("data.gouv.fr", _text(r.datagouv_url))]
        rows.append({"name": _text(r.name), "kind": str(r.kind), "kind_label": words[f"coll_kind_{r.kind}"],
                     "siren": _text(r.siren), "code": _text(r.code), "dep": _text(r.departement_code),
                     "dep_label": " ".join(filter(None, (_text(r.departement_code), _text(r.departement_name)))),
                     "reg": _text(r.region_code), "reg_label": _text(r.region_name),
                     "population": _text(r.population), "population_label": format_number(r.population, lang)
                     if _text(r.population) else "–",
                     "status": "outside" if not r.in_universe else "listed" if r.publishes else "silent",
                     "universe": words["yes" if r.in_universe else "no"],
                     "publishes": words["yes" if r.publishes else "no"],
                     "channel": words[f"channel_{r.channel}"] if _text(r.channel) else "–",
                     "links": [(label, href) for label, href in links if href.startswith(("https://", "http://"))]})
    deps = sorted({(row["dep"], row["dep_label"]) for row in rows if row["dep"]})
    regs = sorted({(row["reg"], row["reg_label"] or row["reg"]) for row in rows if row["reg"]}, key=lambda x: x[1])
    kinds = sorted({(row["kind"], row["kind_label"]) for row in rows},
                   key=lambda k: list(table["kind"].cat.categories).index(k[0]))
    text = templates().get_template("collectivities.html.j2").render(
        **common, stamp=stamp, title=words["coll_title"], w=words, rows=rows, total=format_number(len(rows), lang),
        deps=deps, regs=regs, kinds=kinds, statuses=[(s, words[f"coll_status_{s}"]) for s in
                                                     ("listed", "silent", "outside")],
        finding=finding(table, words, lang), csv_href=csv_href, script=script, limit=LIMIT)
    return text.encode("utf-8")
