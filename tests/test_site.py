"""The reports as a bilingual static site (civicstats.site), on the toy build of tests/conftest.py.

The two tiny notebooks are built once per run in both languages; the tests
read the pages the build wrote, or change a copy (``toy_copy``).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from html import unescape
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

import civicstats as cs
from civicstats import paths, site
from civicstats.build import build
from tests.conftest import Log, Toy, snapshot, write_alpha

DEFAULT_ALT = "No description has been provided for this image"


def visible_text(page: str) -> str:
    """What a reader sees without opening the code: no code, style, stamp or tags."""
    page = re.sub(r"<details.*?</details>|<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", page))


def folder(toy: Toy, lang: str) -> Path:
    return toy.out / "reports" if lang == "en" else toy.out / "reports" / lang


def test_both_editions_are_written_with_their_figures_inside_reports(toy: Toy) -> None:
    reports = toy.out / "reports"
    for name in ("index.html", "01-alpha.html", "02-beta.html", "figures/alpha-bars.png", "figures/beta-more.svg",
                 "fr/index.html", "fr/01-alpha.html", "fr/02-beta.html", "fr/figures/alpha-bars.png",
                 "fr/figures/alpha-bars.svg", "data/datapackage.json", "data/civicstats-data.xlsx"):
        assert (reports / name).is_file(), name


def test_each_edition_shows_its_own_language_only(toy: Toy) -> None:
    en, fr = visible_text(toy.page("01-alpha")), visible_text(toy.page("01-alpha", "fr"))
    assert "How many departments answered" in en and "Combien de départements" not in en
    assert "Combien de départements" in fr and "How many departments" not in fr
    assert "english only" in en and "english only" not in fr  # a code cell tagged lang-en
    assert '<html lang="fr">' in toy.page("01-alpha", "fr")
    # the table, formatted for readers in each language
    assert "Departments" in en and "35,357" in en and "13.9%" in en
    assert "Départements" in fr and "35\u202f357" in fr and "13,9\u00a0%" in fr
    for text in (en, fr):
        assert "departement" not in text and "NaN" not in text and "<NA>" not in text and "0.1386" not in text
        assert "$5 and $6, 1 < 2" in text  # text from data is shown as is, never as math or markup


def test_both_editions_carry_the_same_numbers(toy: Toy) -> None:
    def numbers(page: str) -> list[str]:
        tables = " ".join(re.findall(r"<table.*?</table>", page, flags=re.S))
        return re.findall(r"\d+", re.sub(r"(?<=\d)[,\u202f\u00a0.](?=\d)", "", visible_text(tables)))

    assert numbers(toy.page("01-alpha")) == numbers(toy.page("01-alpha", "fr")) == ["35357", "139", "50"]


def test_pages_have_title_contents_navigation_and_hidden_code(toy: Toy) -> None:
    page = toy.page("01-alpha")
    assert "<title>Alpha counts &amp; &lt;totals&gt; – civicstats</title>" in page
    assert "<title>Histoire bêta – civicstats</title>" in toy.page("02-beta", "fr")
    assert 'rel="next" href="02-beta.html">Beta story →' in page
    assert 'rel="prev" href="01-alpha.html">← Les effectifs alpha' in toy.page("02-beta", "fr")
    assert 'href="fr/01-alpha.html" hreflang="fr"' in page
    assert 'href="../01-alpha.html" hreflang="en"' in toy.page("01-alpha", "fr")
    # code is folded away; the parameters cell is not shown at all
    assert page.count('<details class="cs-code">') == 6
    assert '<span class="n">data</span> <span class="o">=</span> <span class="kc">None</span>' not in page


def test_the_contents_link_to_headings_with_ampersands_and_angle_brackets(toy: Toy) -> None:
    """Bug 6: a heading holding &, < or > had its id escaped twice in the table of contents."""
    page = toy.page("01-alpha")
    ids = {unescape(i) for i in re.findall(r' id="([^"]+)"', page)}
    toc = re.search(r'<nav class="cs-toc".*?</nav>', page, flags=re.S).group(0)
    anchors = [unescape(a) for a in re.findall(r'href="#([^"]+)"', toc)]
    assert len(anchors) == 2 and set(anchors) <= ids, (anchors, ids)
    assert "The table &amp; its share: 0 &lt; x &gt; 1" in toc


def test_no_cdn_no_script_no_math(toy: Toy) -> None:
    for path in (toy.out / "reports").rglob("*.html"):
        page = path.read_text(encoding="utf-8")
        scripts = page.replace('<script type="application/json" id="civicstats-page">', "").count("<script")
        assert scripts == (1 if path.name == "collectivities.html" else 0), path  # its own, inline: no src
        assert "<script>" in page or not scripts, path
        assert not re.search(r'<(link|script|img)[^>]+(src|href)="(https?:)?//', page), path
        assert "mathjax" not in page.lower().replace("mathjax_ignore", "") and "require.js" not in page


def test_every_chart_has_a_real_alt_text_and_links_to_its_files_inside_its_edition(toy: Toy) -> None:
    for lang, title, sentence in (("en", "Bars of alpha-bars", "Departments answer most."),
                                  ("fr", "Barres de alpha-bars", "Les départements répondent le plus.")):
        page = toy.page("01-alpha", lang)
        alts = [re.search(r'\balt="([^"]*)"', tag)[1] for tag in re.findall(r"<img\b[^>]*>", page)]
        assert alts == [f"{title}. {sentence}"]
        links = re.findall(r"<figcaption>.*?</figcaption>", page, flags=re.S)[0]
        hrefs = re.findall(r'href="([^"]+)"', links)
        assert hrefs == ["figures/alpha-bars.png", "figures/alpha-bars.svg"]
        for href in hrefs:
            assert (folder(toy, lang) / href).is_file(), href
    assert DEFAULT_ALT not in toy.page("02-beta") + toy.page("02-beta", "fr")


def test_two_charts_saved_before_they_are_shown_keep_their_download_links(toy: Toy) -> None:
    """Bug 4: two figures saved between displays lost their links (the figures folder was diffed)."""
    for lang in ("en", "fr"):
        links = re.findall(r"<figcaption>.*?</figcaption>", toy.page("02-beta", lang), flags=re.S)
        assert [re.findall(r'href="figures/([^"]+)\.png"', f) for f in links] == [["beta-bars"], ["beta-more"]]


def test_index_links_every_report_the_data_and_the_sources(toy: Toy) -> None:
    for lang in paths.EDITIONS:
        index = (folder(toy, lang) / "index.html").read_text(encoding="utf-8")
        hrefs = re.findall(r'href="([^"#]+)"', index)
        assert {"01-alpha.html", "02-beta.html"} <= set(hrefs)
        for href in hrefs:
            if not href.startswith(("http://", "https://", "data:")):  # data: the empty icon, inline
                target = (folder(toy, lang) / href).resolve()
                assert target.is_file() and target.is_relative_to(toy.out / "reports"), (lang, href)
        assert any(h.endswith("data/civictech_adoption.csv") for h in hrefs)
        assert any(h.endswith("data/civicstats-data.xlsx") for h in hrefs)
        urls = [h for h in hrefs if h.startswith("https://")]
        assert urls and all(f'<a href="{u}">' in index for u in urls)  # the source register's links
        figures = re.findall(r'<img src="([^"]+)" alt="([^"]+)"', index)
        assert len(figures) == 2 and all((folder(toy, lang) / src).is_file() for src, _ in figures)
    assert "Principaux résultats" in (toy.out / "reports" / "fr" / "index.html").read_text(encoding="utf-8")


def test_reports_are_readable_by_everyone(toy: Toy) -> None:
    for path in (toy.out / "reports").rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), (path, oct(mode))


def test_a_fresh_clone_renders_its_pages_without_a_kernel(toy_copy: Toy, no_kernel: None) -> None:
    shutil.rmtree(toy_copy.out / "reports")  # notebooks and figures committed, reports/ not
    log = Log()
    old = os.umask(0o022)
    try:
        result = build(out=toy_copy.out, notebooks_dir=toy_copy.notebooks, editions=paths.EDITIONS, log=log)
    finally:
        os.umask(old)
    assert result.ok and result.built == [] and len(result.skipped) == 4
    assert {"page en/01-alpha", "page fr/02-beta", "index fr: 2 reports"} <= set(log)
    assert snapshot(toy_copy.out) == toy_copy.files


def test_a_changed_title_reruns_that_notebook_and_renders_its_neighbour_without_a_kernel(toy_copy: Toy) -> None:
    write_alpha(toy_copy.sources, title="Alpha, renamed")
    log = Log()
    result = build(out=toy_copy.out, notebooks_dir=toy_copy.notebooks, editions=paths.EDITIONS, log=log)
    assert result.built == ["01-alpha"]  # the French cells did not change: the French run is current
    assert "page en/02-beta" in log and "page fr/02-beta" not in log
    beta = (toy_copy.out / "reports" / "02-beta.html").read_text(encoding="utf-8")
    assert 'rel="prev" href="01-alpha.html">← Alpha, renamed' in beta
    assert "Alpha, renamed" in (toy_copy.out / "reports" / "index.html").read_text(encoding="utf-8")
    assert (toy_copy.out / "reports/fr/02-beta.html").read_bytes() == toy_copy.files["reports/fr/02-beta.html"]


def test_a_failing_french_run_writes_nothing(toy_copy: Toy) -> None:
    notebook = toy_copy.sources / "02-beta.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(new_code_cell('if lang == "fr":\n    raise ValueError("only in French")'))
    nbformat.write(nb, notebook)
    log = Log()
    result = build(out=toy_copy.out, notebooks_dir=toy_copy.notebooks, editions=paths.EDITIONS, log=log)
    assert result.failed == ["02-beta [fr]"] and result.built == []
    assert "FAILED 02-beta [fr] at cell 5: ValueError: only in French" in log
    assert snapshot(toy_copy.out) == toy_copy.files


def test_the_stamp_survives_text_that_looks_like_markup(toy: Toy) -> None:
    stamp = site.read_stamp(toy.out / "reports" / "01-alpha.html")
    assert stamp["title"] == "Alpha counts & <totals>" and stamp["key"]
    assert site.read_stamp(toy.out / "reports" / "figures" / "alpha-bars.svg") is None


# ---------------------------------------------------------------- tables for readers (civicstats.display)

def test_show_gives_labels_formatted_numbers_and_dashes_without_index() -> None:
    import pandas as pd

    import civicstats as cs

    frame = pd.DataFrame({"level": ["ville_5k_100k", "departement"], "count": [35357, pd.NA],
                          "share_pct": [13.8614, float("nan")], "consistent": [True, False],
                          "message": ["x" * 300, "<b>not markup</b> $x$"]}, index=[7, 9])
    levels = cs.load("levels")  # the labels of the level codes
    en, fr = cs.show(frame, lang="en", labels=levels), cs.show(frame, lang="fr", labels=levels)
    assert en.frame.to_dict("list") == {
        "Level": ["Towns of 5,000–100,000", "Departments"], "Count": ["35,357", "–"],
        "Share": ["13.9%", "–"], "Consistent": ["yes", "no"],
        "Finding": ["x" * 300, "<b>not markup</b> $x$"]}
    assert fr.frame["Part"].tolist() == ["13,9\u00a0%", "–"] and fr.frame["Effectif"].tolist() == ["35\u202f357", "–"]
    page = en.to_html()
    assert "x" * 300 in page  # full messages, never cut
    assert "&lt;b&gt;not markup&lt;/b&gt;" in page and "mathjax_ignore" in page
    assert ">7<" not in page and ">9<" not in page  # no index
    right, left = ' class="cs-num" style="text-align: right"', ' style="text-align: left"'
    assert f"<th{right}>Count</th>" in page and f"<td{right}>35,357</td>" in page
    assert f"<th{left}>Level</th>" in page and f"<td{left}>Departments</td>" in page


def test_show_picks_columns_and_keeps_a_meaningful_index_on_request() -> None:
    import pandas as pd

    import civicstats as cs

    frame = pd.DataFrame({"year": [2019, 2020], "count": [80, 170], "unit": ["communes", "villes"]})
    table = cs.show(frame.set_index("year"), lang="en", columns=["count"], index=True,
                    headers={"count": "Budgets"})
    assert list(table.frame.columns) == ["Budgets"]
    assert "<th>2019</th>" in table.to_html()
    with pytest.raises(ValueError):
        cs.show(frame, lang="de")


def test_show_writes_years_and_codes_as_written_and_names_every_code() -> None:
    import pandas as pd

    import civicstats as cs

    frame = pd.DataFrame({"year": [2014, 2017], "siren": [210500070, 216001446], "count": [6, 2_047],
                          "unit": ["communes", "villes"], "share_qualifier": ["at_least", None], "type": ["COM", "OACT"]})
    fr = cs.show(frame, lang="fr").frame
    assert fr["Année"].tolist() == ["2014", "2017"] and fr["Effectif"].tolist() == ["6", "2\u202f047"]
    assert fr.iloc[0, 1] == "210500070"
    assert fr["Type"].tolist() == ["commune", "association ou autre organisme public"]
    assert fr["Qualificatif de la part"].tolist() == ["au moins", "–"] and "Share qualifier" not in fr.columns
    en = cs.show(frame, lang="en").frame
    assert en["Year"].tolist() == ["2014", "2017"] and en["Count"].tolist() == ["6", "2,047"]


# ---------------------------------------------------------------- the collectivities page and the index's findings


def test_the_collectivities_csv_holds_the_rows_of_cs_collectivities(toy: Toy) -> None:
    """Issue 21: a notebook user gets what the page shows: the page's CSV is cs.collectivities() on the same data."""
    import pandas as pd

    import civicstats as cs

    csv = pd.read_csv(toy.out / "reports" / "data" / "collectivities.csv", dtype=str, keep_default_na=False)
    table = cs.collectivities()
    assert list(csv.columns) == list(table.columns)
    as_text = table.astype(object).where(table.notna(), "").astype(str)
    assert csv.values.tolist() == as_text.values.tolist()
    for lang in paths.EDITIONS:
        page = (folder(toy, lang) / "collectivities.html").read_text(encoding="utf-8")
        assert page.count("<tr hidden data-kind=") + page.count("<tr data-kind=") == len(table)
        assert 'href="../data/collectivities.csv"' in page if lang == "fr" else 'href="data/collectivities.csv"' in page
        assert f'<a href="{table["datagouv_url"].dropna().iloc[0]}">data.gouv.fr</a>' in page
        assert '<label for="cs-q">' in page and "<noscript>" in page  # without the script, every row shows
        index = (folder(toy, lang) / "index.html").read_text(encoding="utf-8")
        assert 'href="collectivities.html"' in index


def findings_of(index: Path) -> dict[str, str]:
    """Each card of an index: its report → the finding it states."""
    cards = re.findall(r'<h3><a href="([^"]+)\.html">.*?</a></h3>\s*<p class="cs-key">(.*?)</p>',
                       index.read_text(encoding="utf-8"), flags=re.S)
    return {name: unescape(sentence) for name, sentence in cards}


def test_the_index_states_each_finding_with_numbers_and_sources_in_both_languages(shipped_build: Path) -> None:
    en, fr = (findings_of(shipped_build / "reports" / p / "index.html") for p in ("", "fr"))
    assert set(en) == set(fr) == {p.stem for p in paths.SOURCES_DIR.glob("*.ipynb")}
    assert "18 of 21 metropolises" in en["01-civic-tech-adoption"] and "(NL, LOC)" in en["01-civic-tech-adoption"]
    assert "18 sur 21 métropoles" in fr["01-civic-tech-adoption"]
    assert "142 in January 2017 (URB)" in en["02-open-data"] and "868 en 2022 (ODF22)" in fr["02-open-data"]
    # a source's own rate is given as that source's, never 868 ÷ 5,000 (issue 20, finding 3)
    assert "about 16%" in en["02-open-data"] and "17.4" not in en["02-open-data"] + fr["02-open-data"]
    # under half: most of those concerned publish nothing (a share in percent, compared as one)
    assert "Most of those concerned still publish nothing" in en["02-open-data"]
    assert "La plupart des collectivités concernées ne publient toujours rien" in fr["02-open-data"]
    for sentence in [*en.values(), *fr.values()]:
        assert re.search(r"\d", sentence) and re.search(r"\([A-Z0-9]+[,;) ]", sentence), sentence


def test_the_audit_finding_never_calls_figures_of_different_dates_disagreements() -> None:
    """Issue 20, finding 6: 14 findings are not 14 disagreements; the index card says how many of each kind."""
    from civicstats.site.findings import finding

    found = cs.audit()
    kinds = found["kind"].astype(str).value_counts()
    assert kinds["different_dates"] and kinds["revision"]
    en, fr = (finding("05-source-audit", None, lang) for lang in ("en", "fr"))
    assert "figures disagree" not in en and "chiffres publiés divergent" not in fr
    assert f"(disagreements: {kinds['disagreement']}; revisions by the same source: {kinds['revision']}; " \
        f"figures of different dates, not disagreements: {kinds['different_dates']})" in en
    assert f"(divergences : {kinds['disagreement']} ; révisions par une même source : {kinds['revision']} ;" in fr


def test_the_index_findings_change_when_the_data_change(shipped_build: Path, edited_build) -> None:
    """The edited workbook corrects the 2018 régions to 10 and adds a 2026 wave: the findings printed from it say so."""
    shipped, edited = (findings_of(out / "reports" / "index.html") for out in (shipped_build, edited_build.out))
    assert shipped["01-civic-tech-adoption"] != edited["01-civic-tech-adoption"]
    assert "2026" in edited["01-civic-tech-adoption"] and "WAVE26" in edited["01-civic-tech-adoption"]
    assert shipped["05-source-audit"] != edited["05-source-audit"]
    assert shipped["04-choosing-a-tool"] == edited["04-choosing-a-tool"]  # a tool renamed: the counts, unchanged
