"""The reports as a bilingual static site (civicstats.site, built by civicstats.build).

Two small notebooks with English and French cells are built once per test run
in both editions (shared by the xdist workers); the tests read the pages the
build wrote.
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
import stat
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from civicstats import build as build_module
from civicstats import paths, site
from civicstats.build import build
from tests.conftest import Log, made_once, refuse_kernels, snapshot

EDITIONS = ("en", "fr")
DEFAULT_ALT = "No description has been provided for this image"


def md(text: str, lang: str | None = None) -> nbformat.NotebookNode:
    return new_markdown_cell(text, metadata={"tags": [f"lang-{lang}"]} if lang else {})


def chart_cell(name: str) -> nbformat.NotebookNode:
    return new_code_cell(textwrap.dedent(f"""\
        import matplotlib.pyplot as plt
        fig = plt.figure(figsize=(4, 3))
        plt.close(fig)  # shown once, below, as the cell's result
        fig.subplots().bar(["a", "b"], [3, 5])
        cs.save_figure(fig, "{name}", title=("Bars of {name}" if lang == "en" else "Barres de {name}"),
                       sources=["NL"], lang=lang)
        fig"""))


def write(path: Path, cells: list[nbformat.NotebookNode]) -> None:
    nb = new_notebook(cells=cells)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def write_alpha(folder: Path, title: str = "Alpha counts") -> None:
    write(folder / "01-alpha.ipynb", [
        md(f"# {title}\n\nHow many departments answered, and what share.", "en"),
        md("# Les effectifs alpha\n\nCombien de départements ont répondu, et quelle part.", "fr"),
        new_code_cell('data = None\nlang = "en"', metadata={"tags": ["parameters"]}),
        new_code_cell("import civicstats as cs\nimport pandas as pd"),
        md("## The table", "en"),
        md("## Le tableau", "fr"),
        new_code_cell('cs.show(pd.DataFrame({"level": ["departement", "region"], "count": [35357, None],\n'
                      '                      "share": [0.1386, 0.5]}), lang=lang, labels=cs.load("levels"))'),
        new_code_cell('print("Price: $5 and $6, 1 < 2")'),
        new_code_cell('print("english only")', metadata={"tags": ["lang-en"]}),
        md("## The chart", "en"),
        md("## Le graphique", "fr"),
        chart_cell("alpha-bars"),
        md("Departments answer most. The rest is noise.", "en"),
        md("Les départements répondent le plus. Le reste est du bruit.", "fr"),
    ])


def write_beta(folder: Path) -> None:
    write(folder / "02-beta.ipynb", [
        md("# Beta story\n\nA second report.", "en"),
        md("# Histoire bêta\n\nUn second rapport.", "fr"),
        new_code_cell('data = None\nlang = "en"', metadata={"tags": ["parameters"]}),
        new_code_cell("import civicstats as cs"),
        chart_cell("beta-bars"),
    ])


@dataclass
class Site:
    notebooks: Path
    out: Path
    result: build_module.BuildResult
    log: Log
    files: dict[str, bytes]

    def page(self, name: str, lang: str = "en") -> str:
        return (site.edition_dir(self.out / "reports", lang) / f"{name}.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Both notebooks in both editions, built once per test run (shared by the xdist workers). Read only."""
    def make(root: Path) -> None:
        notebooks = root / "notebooks"
        notebooks.mkdir()
        write_alpha(notebooks)
        write_beta(notebooks)
        log = Log()
        old = os.umask(0o022)
        try:
            result = build(out=root / "out", notebooks_dir=notebooks, editions=EDITIONS, log=log)
        finally:
            os.umask(old)
        (root / "built.pickle").write_bytes(pickle.dumps((result, list(log), snapshot(root / "out"))))

    root = made_once(tmp_path_factory, "test_site-built", make)
    result, log, files = pickle.loads((root / "built.pickle").read_bytes())
    return Site(root / "notebooks", root / "out", result, Log(log), files)


@pytest.fixture
def copy(built: Site, tmp_path: Path) -> Site:
    shutil.copytree(built.notebooks, tmp_path / "notebooks")
    shutil.copytree(built.out, tmp_path / "out")
    return Site(tmp_path / "notebooks", tmp_path / "out", built.result, Log(), built.files)


@pytest.fixture
def no_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_kernels(monkeypatch)


def visible_text(page: str) -> str:
    """What a reader sees without opening the code: no code, style, stamp or tags."""
    page = re.sub(r"<details.*?</details>|<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", page))


def test_both_editions_are_built_and_the_french_one_runs_in_french(built: Site) -> None:
    assert built.result.ok, built.log
    assert built.result.built == ["01-alpha", "01-alpha [fr]", "02-beta", "02-beta [fr]"]
    reports = built.out / "reports"
    for name in ("index.html", "01-alpha.html", "02-beta.html", "fr/index.html", "fr/01-alpha.html",
                 "fr/02-beta.html", "fr/figures/alpha-bars.png", "fr/figures/alpha-bars.svg"):
        assert (reports / name).is_file(), name
    # only the English run is kept as a notebook; the French one only as pages and figures
    assert sorted(p.name for p in (built.out / "notebooks").iterdir()) == ["01-alpha.ipynb", "02-beta.ipynb"]
    committed = nbformat.read(built.out / "notebooks" / "01-alpha.ipynb", as_version=4)
    assert sum("lang-fr" in c.metadata.get("tags", []) for c in committed.cells) == 4


def test_each_edition_shows_its_own_language_only(built: Site) -> None:
    en, fr = visible_text(built.page("01-alpha")), visible_text(built.page("01-alpha", "fr"))
    assert "How many departments answered" in en and "Combien de départements" not in en
    assert "Combien de départements" in fr and "How many departments" not in fr
    assert "english only" in en and "english only" not in fr  # a code cell tagged lang-en
    assert '<html lang="fr">' in built.page("01-alpha", "fr")
    # the table, formatted for readers in each language
    assert "Departments" in en and "35,357" in en and "13.9%" in en
    assert "Départements" in fr and "35\u202f357" in fr and "13,9\u00a0%" in fr
    for text in (en, fr):
        assert "departement" not in text and "NaN" not in text and "<NA>" not in text and "0.1386" not in text
        assert "$5 and $6, 1 < 2" in text  # text from data is shown as is, never as math or markup


def test_both_editions_carry_the_same_numbers(built: Site) -> None:
    def numbers(page: str) -> list[str]:
        tables = " ".join(re.findall(r"<table.*?</table>", page, flags=re.S))
        return re.findall(r"\d+", re.sub(r"(?<=\d)[,\u202f\u00a0.](?=\d)", "", visible_text(tables)))

    assert numbers(built.page("01-alpha")) == numbers(built.page("01-alpha", "fr")) == ["35357", "139", "50"]


def test_pages_have_title_contents_navigation_and_hidden_code(built: Site) -> None:
    page = built.page("01-alpha")
    assert "<title>Alpha counts – civicstats</title>" in page
    assert "<title>Histoire bêta – civicstats</title>" in built.page("02-beta", "fr")
    ids = set(re.findall(r' id="([^"]+)"', page))
    toc = re.search(r'<nav class="cs-toc".*?</nav>', page, flags=re.S).group(0)
    anchors = re.findall(r'href="#([^"]+)"', toc)
    assert len(anchors) == 2 and set(anchors) <= ids
    assert 'rel="next" href="02-beta.html">Beta story →' in page
    assert 'rel="prev" href="01-alpha.html">← Les effectifs alpha' in built.page("02-beta", "fr")
    assert 'href="fr/01-alpha.html" hreflang="fr"' in page
    assert 'href="../01-alpha.html" hreflang="en"' in built.page("01-alpha", "fr")
    # code is folded away; the parameters cell is not shown at all
    assert page.count('<details class="cs-code">') == 5
    assert '<span class="n">data</span>' not in page


def test_no_cdn_no_script_no_math(built: Site) -> None:
    for path in (built.out / "reports").rglob("*.html"):
        page = path.read_text(encoding="utf-8")
        assert "<script" not in page.replace('<script type="application/json" id="civicstats-page">', ""), path
        assert not re.search(r'<(link|script|img)[^>]+(src|href)="(https?:)?//', page), path
        assert "mathjax" not in page.lower().replace("mathjax_ignore", "") and "require.js" not in page


def test_every_chart_has_a_real_alt_text_and_links_to_its_files(built: Site) -> None:
    for lang, title, sentence in (("en", "Bars of alpha-bars", "Departments answer most."),
                                  ("fr", "Barres de alpha-bars", "Les départements répondent le plus.")):
        page = built.page("01-alpha", lang)
        alts = [re.search(r'\balt="([^"]*)"', tag)[1] for tag in re.findall(r"<img\b[^>]*>", page)]
        assert alts == [f"{title}. {sentence}"]
        folder = site.edition_dir(built.out / "reports", lang)
        links = re.findall(r'<figcaption>.*?</figcaption>', page, flags=re.S)[0]
        hrefs = re.findall(r'href="([^"]+)"', links)
        assert [h.rsplit("/", 1)[1] for h in hrefs] == ["alpha-bars.png", "alpha-bars.svg"]
        for href in hrefs:
            assert (folder / href).resolve().is_file(), href
    # the English page links the kept run's figures; the French one its own
    assert 'href="../figures/alpha-bars.png"' in built.page("01-alpha")
    assert 'href="figures/alpha-bars.png"' in built.page("01-alpha", "fr")
    assert DEFAULT_ALT not in built.page("02-beta") + built.page("02-beta", "fr")


def test_index_links_every_report_the_data_and_the_sources(built: Site) -> None:
    for lang in EDITIONS:
        folder = site.edition_dir(built.out / "reports", lang)
        index = (folder / "index.html").read_text(encoding="utf-8")
        hrefs = re.findall(r'href="([^"#]+)"', index)
        assert {"01-alpha.html", "02-beta.html"} <= set(hrefs)
        for href in hrefs:
            if not href.startswith(("http://", "https://")):
                assert (folder / href).resolve().is_file(), (lang, href)
        assert any(h.endswith("data/civictech_adoption.csv") for h in hrefs)
        assert any(h.endswith("data/datapackage.json") for h in hrefs)
        assert any(h.endswith("data/civicstats-data.xlsx") for h in hrefs)
        urls = [h for h in hrefs if h.startswith("https://")]
        assert urls and all(f'<a href="{u}">' in index for u in urls)  # the source register's links
        figures = re.findall(r'<img src="([^"]+)" alt="([^"]+)"', index)
        assert len(figures) == 2 and all((folder / src).resolve().is_file() for src, _ in figures)
    assert "Principaux résultats" in (built.out / "reports" / "fr" / "index.html").read_text(encoding="utf-8")


def test_reports_are_readable_by_everyone(built: Site) -> None:
    # bug 12: reports written through a temporary file came out 0600
    for path in (built.out / "reports").rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), (path, oct(mode))


def test_fresh_clone_renders_pages_with_normal_permissions_without_a_kernel(copy: Site, no_kernel: None) -> None:
    # a fresh clone: notebooks and figures committed, reports/ not; the French edition needs its kernels
    shutil.rmtree(copy.out / "reports")
    old = os.umask(0o022)
    try:
        result = build(out=copy.out, notebooks_dir=copy.notebooks, log=copy.log)  # English only
    finally:
        os.umask(old)
    assert result.ok and result.skipped == ["01-alpha", "02-beta"]
    assert copy.log == ["up to date 01-alpha (HTML rendered)", "up to date 02-beta (HTML rendered)",
                        "index en: 2 reports"]
    for name in ("01-alpha.html", "02-beta.html", "index.html"):
        page = copy.out / "reports" / name
        assert stat.S_IMODE(page.stat().st_mode) == 0o644, name
    # the same pages as the cold build, but for the language switch (no French edition this time)
    assert (copy.out / "reports" / "01-alpha.html").read_bytes() != copy.files["reports/01-alpha.html"]
    assert "hreflang" not in (copy.out / "reports" / "01-alpha.html").read_text(encoding="utf-8")


def test_warm_build_starts_no_kernel_and_writes_nothing(built: Site, no_kernel: None) -> None:
    log = Log()
    result = build(out=built.out, notebooks_dir=built.notebooks, editions=EDITIONS, log=log)
    assert result.ok and result.built == [] and len(result.skipped) == 4
    assert log == ["up to date 01-alpha", "up to date 01-alpha [fr]", "up to date 02-beta",
                   "up to date 02-beta [fr]"]
    assert snapshot(built.out) == built.files


def test_warm_build_of_both_editions_imports_nothing_heavy(built: Site) -> None:
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from civicstats.build import build
        result = build(out={str(built.out)!r}, notebooks_dir=Path({str(built.notebooks)!r}),
                       editions=("en", "fr"), log=lambda _: None)
        heavy = ("nbformat", "nbclient", "nbconvert", "jupyter_client", "zmq", "jinja2", "pandas")
        print(len(result.skipped), sorted(m for m in heavy if m in sys.modules))
        """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=paths.ROOT)
    assert run.stdout.strip() == "4 []"


def test_a_build_on_unchanged_files_is_replayed_and_any_change_is_looked_at_again(copy: Site, no_kernel: None) -> None:
    from civicstats import uptodate

    def replay(lang: str = "en") -> list[str] | None:
        return uptodate.replay(None, copy.out, lang, EDITIONS, copy.notebooks)

    everything = ["01-alpha", "01-alpha [fr]", "02-beta", "02-beta [fr]"]
    # a copy: other inodes and change times than the record says, so the full build decides (and records)
    assert replay() is None
    assert build(out=copy.out, notebooks_dir=copy.notebooks, editions=EDITIONS, log=copy.log).skipped == everything
    assert replay() == everything
    assert replay("fr") is None  # other options: another build
    os.utime(copy.notebooks / "02-beta.ipynb")  # touched, not changed: looked at, found current, recorded again
    assert replay() is None
    assert build(out=copy.out, notebooks_dir=copy.notebooks, editions=EDITIONS, log=copy.log).skipped == everything
    assert replay() == everything
    (copy.out / "reports" / "fr" / "index.html").unlink()  # an output removed
    assert replay() is None
    build(out=copy.out, notebooks_dir=copy.notebooks, editions=EDITIONS, log=copy.log)
    assert (copy.out / "reports" / "fr" / "index.html").is_file() and replay() == everything
    (copy.out / "reports" / uptodate.RECORD_NAME).write_text("{not json", encoding="utf-8")
    assert replay() is None
    build(out=copy.out, notebooks_dir=copy.notebooks, editions=EDITIONS, log=copy.log)
    assert replay() == everything
    # a symbolic link among the outputs: a change behind it would not show, so nothing is replayed or recorded
    (copy.out / "figures" / "link.png").symlink_to(copy.out / "figures" / "alpha-bars.png")
    assert replay() is None
    build(out=copy.out, notebooks_dir=copy.notebooks, editions=EDITIONS, log=copy.log)
    assert replay() is None
    (copy.out / "figures" / "link.png").unlink()
    assert snapshot(copy.out) == copy.files


def test_a_changed_title_reruns_that_notebook_and_renders_its_neighbour_without_a_kernel(copy: Site) -> None:
    write_alpha(copy.notebooks, title="Alpha, renamed")
    result = build(out=copy.out, notebooks_dir=copy.notebooks, editions=EDITIONS, log=copy.log)
    assert result.built == ["01-alpha"]  # the French cells did not change: the French run is current
    assert result.skipped == ["01-alpha [fr]", "02-beta", "02-beta [fr]"]
    assert "up to date 02-beta (HTML rendered)" in copy.log
    beta = (copy.out / "reports" / "02-beta.html").read_text(encoding="utf-8")
    assert 'rel="prev" href="01-alpha.html">← Alpha, renamed' in beta
    assert "Alpha, renamed" in (copy.out / "reports" / "index.html").read_text(encoding="utf-8")
    assert (copy.out / "reports" / "fr" / "02-beta.html").read_bytes() == copy.files["reports/fr/02-beta.html"]


def test_a_failing_french_run_writes_nothing(copy: Site) -> None:
    notebook = copy.notebooks / "02-beta.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(new_code_cell('if lang == "fr":\n    raise ValueError("only in French")'))
    nbformat.write(nb, notebook)
    result = build(out=copy.out, notebooks_dir=copy.notebooks, editions=EDITIONS, log=copy.log)
    assert result.failed == ["02-beta [fr]"] and result.built == []
    assert "FAILED 02-beta [fr] at cell 6: ValueError: only in French" in copy.log
    assert snapshot(copy.out) == copy.files


def test_unknown_edition_is_an_error(built: Site, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no edition in 'de'"):
        build(out=tmp_path, notebooks_dir=built.notebooks, editions=["de"], log=Log())


def test_stamp_survives_text_that_looks_like_markup(tmp_path: Path) -> None:
    page = site.Page("x", "en", "A </script> title", fingerprint="f", key="k", summary="<!-- s -->")
    path = tmp_path / "x.html"
    site.write_file(path, site.page_html(page, "<p>body</p>", {"editions": ["en"]}))
    assert site.read_stamp(path)["title"] == "A </script> title"
    assert "<title>A &lt;/script&gt; title – civicstats</title>" in path.read_text(encoding="utf-8")


# ---------------------------------------------------------------- tables for readers (civicstats.display)

def test_show_gives_labels_formatted_numbers_and_dashes_without_index() -> None:
    import pandas as pd

    import civicstats as cs

    frame = pd.DataFrame({"level": ["ville_5k_100k", "departement"], "count": [35357, pd.NA],
                          "share": [0.138614, float("nan")], "consistent": [True, False],
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
    assert '<th class="cs-num">Count</th>' in page and '<td class="cs-num">35,357</td>' in page
    assert "<th>Level</th>" in page


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
