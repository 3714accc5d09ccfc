"""Charts: the data each chart draws, its labels and sources, and save_figure's files."""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import date

import pytest

import civicstats as cs
from civicstats import charts
from civicstats.format import as_of_date

NNBSP, NBSP, MINUS = "\u202f", "\u00a0", "\u2212"
LEVELS = cs.load("levels")  # the labels and order of the levels, passed to every chart that names levels
REGISTER = cs.load("sources")  # the source register the source lines name

LEVELS_EN = ["Regions", "Departments", "Metropolises", "Cities over 100,000", "Towns of 5,000–100,000",
             "Communes under 5,000", "Intercommunal bodies (métropoles excluded)"]
LEVELS_FR = ["Régions", "Départements", "Métropoles", "Villes de plus de 100 000 habitants",
             "Villes de 5 000 à 100 000 habitants", "Communes de moins de 5 000 habitants",
             "Intercommunalités (hors métropoles)"]


def bars(ax, prefix):
    """The bars of ``ax`` whose gid starts with ``prefix``, in drawing order."""
    return [p for p in ax.patches if (p.get_gid() or "").startswith(prefix)]


def texts(fig):
    """Every text drawn on the figure (axes texts, annotations, tick labels, figure texts)."""
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts]
        out += [t.get_text() for t in ax.get_yticklabels() + ax.get_xticklabels()]
        out += [ax.get_title(), ax.get_xlabel()]
    return out


def ids(*columns):
    return {i for col in columns for cell in col.dropna() for i in str(cell).split(";") if i}


# ---------------------------------------------------------------- number formatting

@pytest.mark.parametrize("value,lang,decimals,expected", [
    (35357, "en", None, "35,357"),
    (35357, "fr", None, f"35{NNBSP}357"),
    (8.9, "fr", None, "8,9"),
    (8.9, "en", None, "8.9"),
    (1234567.5, "fr", None, f"1{NNBSP}234{NNBSP}567,5"),
    (157, "fr", None, "157"),
    (4.25, "en", 1, "4.3"),
    (4.0, "fr", 1, "4,0"),
    (-3.5, "fr", None, f"{MINUS}3,5"),
    (0.1 + 0.2, "en", None, "0.3"),
])
def test_format_number(value, lang, decimals, expected):
    assert cs.format_number(value, lang, decimals) == expected


@pytest.mark.parametrize("fraction,lang,expected", [
    (0.5, "en", "50%"),
    (0.5, "fr", f"50{NBSP}%"),
    (0.138614, "fr", f"13,9{NBSP}%"),
    (0.000537, "en", "0.054%"),
    (0.000537, "fr", f"0,054{NBSP}%"),
    (0.102, "fr", f"10,2{NBSP}%"),
    (0, "en", "0%"),
])
def test_format_percent(fraction, lang, expected):
    assert cs.format_percent(fraction, lang) == expected


@pytest.mark.parametrize("as_of,expected", [
    ("2018-10-01", date(2018, 10, 1)), ("2018-03", date(2018, 3, 15)), ("2017", date(2017, 7, 1)),
])
def test_as_of_dates(as_of, expected):
    assert as_of_date(as_of) == expected


def test_labels_and_languages_are_checked():
    assert cs.label(cs.load("civictech_categories"), "open_data_portal", "fr") == "Portails open data"
    assert cs.label(cs.load("selection_criteria"), "target_public", "fr") == "Public cible"
    import pandas as pd

    with pytest.raises(ValueError, match="a table of labels has a code column"):
        cs.label(pd.DataFrame({"code": ["a"], "label_en": ["A"]}), "a")
    with pytest.raises(ValueError, match="no label for 'canton'"):
        cs.label(LEVELS, "canton")
    with pytest.raises(ValueError, match="lang"):
        cs.format_number(1, "de")
    with pytest.raises(ValueError, match="lang"):
        charts.adoption_by_level(cs.load("civictech_adoption"), lang="de", levels=LEVELS)


# ---------------------------------------------------------------- the charts' data

def test_adoption_by_level_draws_the_counts_with_level_labels():
    fig = charts.adoption_by_level(cs.load("civictech_adoption"), register=cs.load("sources"), levels=LEVELS)
    ax = fig.axes[0]
    assert [p.get_width() for p in bars(ax, "count:")] == [9, 14, 18, 11, 76, 19, 9]
    assert [t.get_text() for t in ax.get_yticklabels()] == LEVELS_EN
    assert {"9", "14", "18", "11", "76", "19"} <= set(texts(fig))
    assert fig.civicstats["sources"] == ["NL", "LOC"]
    assert "2018" in fig.civicstats["title"]

    fr = charts.adoption_by_level(cs.load("civictech_adoption"), lang="fr", register=cs.load("sources"), levels=LEVELS)
    assert [t.get_text() for t in fr.axes[0].get_yticklabels()] == LEVELS_FR
    assert fr.civicstats["title"].startswith("Collectivités")


def test_adoption_by_level_groups_several_waves():
    shipped = cs.load("civictech_adoption")
    later = shipped.assign(as_of="2020", count=shipped["count"] * 2)
    import pandas as pd

    fig = charts.adoption_by_level(pd.concat([shipped, later], ignore_index=True), levels=LEVELS)
    ax = fig.axes[0]
    assert [p.get_width() for p in bars(ax, "count:") if p.get_gid().endswith(":2018")] == [9, 14, 18, 11, 76, 19, 9]
    assert [p.get_width() for p in bars(ax, "count:") if p.get_gid().endswith(":2020")] == [18, 28, 36, 22, 152, 38, 18]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["2018", "2020"]


def test_adoption_shares_names_the_denominator_and_never_draws_a_missing_universe(data_copy):
    rates = cs.adoption_rates(denominator="official")
    fig = charts.adoption_shares(rates, levels=LEVELS)
    ax = fig.axes[0]
    drawn = {p.get_gid().split(":")[1]: p.get_width() for p in bars(ax, "share:")}
    expected = {r.level: r.share_pct for r in rates.itertuples() if not math.isnan(r.share_pct)}
    assert drawn.keys() == expected.keys()
    assert all(math.isclose(drawn[k], expected[k]) for k in drawn)
    shown = texts(fig)
    assert "50% (9 of 18, 2018)" in shown
    assert "0.058% (19 of 32,797, 2019)" in shown  # same scope, its year named; never 19 of 35,357
    assert "official count of the same scope" in fig.civicstats["units"]
    assert "collectivity_universe" not in fig.civicstats["units"]  # no internal names
    assert set(fig.civicstats["sources"]) == {"NL", "LOC", "LC", "DGCL18", "VP18", "DA19"}

    fr = charts.adoption_shares(rates, lang="fr", levels=LEVELS)
    assert f"50{NBSP}% (9 sur 18, 2018)" in texts(fr)
    # issue 20, finding 13: no "LSN's 33.6 % implies about 98" (33.6 % is January's share, 33 March's count);
    # the caveat about 101 keeps a true reason, and cites no source missing from the source line
    assert "LSN" not in fr.civicstats["units"] and "codes géographiques INSEE" in fr.civicstats["units"]

    # a level without a same-scope universe: written with its reason, never drawn
    universe = data_copy / "collectivity_universe.csv"
    universe.write_text("\n".join(line for line in universe.read_text(encoding="utf-8").splitlines()
                                  if ",ville_5k_100k," not in line) + "\n", encoding="utf-8")
    fewer = cs.adoption_rates(denominator="official", source=data_copy)
    fig = charts.adoption_shares(fewer, levels=LEVELS)
    assert "ville_5k_100k" not in {p.get_gid().split(":")[1] for p in bars(fig.axes[0], "share:")}
    assert "no share (count 76): no official count of the same scope in the sources" in texts(fig)


def test_adoption_shares_title_follows_the_measure_not_the_level_codes():
    """Issue 9: an open-data share chart got the civic-tech title."""
    rates = cs.adoption_rates("open_data_adopters", denominator="official")
    rates = rates[rates["level"].isin(["region", "departement"]) & rates["as_of"].isin(["2018-03"])]
    fig = charts.adoption_shares(rates, levels=LEVELS)
    assert fig.civicstats["title"].startswith("Share of collectivities opening their data")
    law = cs.adoption_rates("open_data_adopters", denominator="law")
    fig = charts.adoption_shares(law[(law["level"] == "all") & (law["source"] != "LOC3")], levels=LEVELS)
    shown = texts(fig)
    assert "5.8% (257 of 4,411, 2018); published 6.5%" in shown  # published and computed side by side
    assert "about 5.6% (about 250 of about 4,500, 2018)" in shown  # the count keeps its qualifier (issue 20)


def test_charts_use_the_register_they_are_given():
    import pandas as pd

    register = pd.DataFrame({"id": ["NL", "LOC"], "title": ["t", "t"], "publisher": ["My publisher", "Other"],
                             "date": [None, None], "url": [None, None]})
    fig = charts.adoption_by_level(cs.load("civictech_adoption"), register=register, levels=LEVELS)
    assert "Sources: NL — My publisher; LOC — Other" in texts(fig)
    assert charts.source_line(["WAVE26"], register=register) == "Source: WAVE26"


def test_survey_total_gap_shows_156_against_157():
    fig = charts.survey_total_gap(cs.load("civictech_adoption"), cs.load("published_figures"), register=REGISTER,
                                  levels=LEVELS)
    ax = fig.axes[0]
    assert sum(p.get_width() for p in bars(ax, "level:")) == 156
    assert [p.get_width() for p in bars(ax, "published")] == [157]
    assert [p.get_width() for p in bars(ax, "gap")] == [1]
    assert {"156", "157"} <= set(texts(fig))
    assert "156" in fig.civicstats["title"] and "157" in fig.civicstats["title"]
    assert fig.civicstats["sources"] == ["NL", "LOC"]


def test_open_data_waves_plots_every_total_and_the_number_concerned():
    import matplotlib.dates as mdates

    fig = charts.open_data_waves(cs.load("open_data_adopters"), register=cs.load("sources"))
    ax = fig.axes[0]
    series = {c.get_gid(): c.get_offsets() for c in ax.collections if c.get_gid()}
    # issue 20, finding 1: March 2018's 257 is LOC3's, LOC2 writes « quelque 250 »; GAZ18B and LOC3 count
    # the collectivities of 3,500+ inhabitants apart
    assert list(series["with_open_data"][:, 1]) == [142, 257, 257, 250, 257, 343, 460, 589, 868]
    assert list(series["with_open_data_3500"][:, 1]) == [219, 308]
    assert list(series["concerned"][:, 1]) == [4411, 4500, 4411, 4500, 4510, 4510, 5000]
    assert not fig.axes[0].get_lines()  # figures of different sources are not joined as a trend
    first = mdates.num2date(series["with_open_data"][0, 0]).date()
    assert first == date(2017, 1, 15)  # URB's « début 2017 » is early 2017, not mid-2017 (issue 20, finding 19)
    last = mdates.num2date(series["with_open_data"][-1, 0]).date()
    assert last == date(2022, 7, 1)  # a year alone (the 2022 edition) sits at mid-year
    shown = texts(fig)
    assert {"257 (LSN)", "257 (LOC3)", "about 250 (LOC2)", "257 (GAZ18B)"} <= set(shown)  # every source shown
    assert "257 (LOC2)" not in shown
    assert "about 4,500 (LOC2)" in shown  # the qualifier and the figure's own source
    rows = cs.load("open_data_adopters")
    assert set(fig.civicstats["sources"]) == ids(rows.loc[rows["level"].isin(["all", "all_3500_plus"]), "source"])


def test_open_data_by_level_draws_levels_and_epci_types():
    fig = charts.open_data_by_level(cs.load("open_data_adopters"), as_of="2018-03", levels=LEVELS)
    levels_ax, types_ax = fig.axes
    assert [p.get_width() for p in bars(levels_ax, "count:")] == [257, 250, 12, 33, 62, 150]
    assert {"257 (LOC3)", "about 250 (LOC2)"} <= set(texts(fig))
    assert [p.get_width() for p in bars(types_ax, "count:")] == [15, 2, 24, 19]
    assert "The types add up to 60; EPCI published: 62" in texts(fig)
    assert set(fig.civicstats["sources"]) == {"NL", "LOC2", "LOC3"}

    october = charts.open_data_by_level(cs.load("open_data_adopters"), as_of="2018-10-01", lang="fr", levels=LEVELS)
    assert len(october.axes) == 1
    assert f"3,1{NBSP}% du niveau (part seule, sans effectif)" in texts(october)
    with pytest.raises(ValueError, match="2018-03"):
        charts.open_data_by_level(cs.load("open_data_adopters"), as_of="1999", levels=LEVELS)


def test_participatory_budgets_shows_every_source_side_by_side():
    fig = charts.participatory_budgets(cs.load("participatory_budgets"), register=cs.load("sources"))
    ax = fig.axes[0]
    points = {}
    for c in ax.collections:
        if (c.get_gid() or "").startswith("budget:"):
            x, y = c.get_offsets()[0]
            points.setdefault(int(c.get_gid().split(":")[1]), []).append((float(x), float(y)))
    assert sorted(y for _, y in points[2017]) == [47, 67]
    assert sorted(y for _, y in points[2016]) == [25, 26]
    assert len({x for x, _ in points[2017]}) == 2  # side by side, not on top of each other
    shown = texts(fig)
    assert "47 (BEZ)" in shown and "67 (NL, LOC)" in shown
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["communes", "towns (villes)",
                                                                   "local authorities (collectivités)"]
    assert fig.civicstats["sources"] == ["BEZ", "NL", "LOC", "MI22", "DEM24"]


def test_tool_landscape_counts_the_example_tools():
    fig = charts.tool_landscape(cs.load("civictech_categories"), cs.load("civictech_tools"), register=REGISTER)
    ax = fig.axes[0]
    assert {p.get_gid(): p.get_width() for p in bars(ax, "tools:")} == {
        "tools:dialogue_concertation": 8, "tools:participatory_mapping": 2, "tools:reporting": 4,
        "tools:crowdfunding": 1, "tools:open_data_portal": 6}
    assert "no example in the sources" in texts(fig)
    assert "not the guide's own inventory" in fig.civicstats["units"]
    tools, cats = cs.load("civictech_tools"), cs.load("civictech_categories")
    assert set(fig.civicstats["sources"]) == ids(tools["source"], cats["source"])


def test_audit_findings_draws_observed_against_expected():
    findings = cs.audit()
    fig = charts.audit_findings(findings, levels=LEVELS)
    ax = fig.axes[0]
    drawn = [c.get_offsets()[0][0] for c in ax.collections if (c.get_gid() or "").startswith("finding:")]
    assert len(drawn) == len(findings)
    assert all(math.isclose(a, 100 * g) for a, g in zip(drawn, findings["gap"], strict=True))
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert any("157 → 156" in t and "Survey total" in t for t in ticks)
    assert any("32,797 → 34,672" in t for t in ticks)
    every = charts.audit_findings(cs.audit(include_consistent=True), lang="fr", levels=LEVELS)
    ticks = [t.get_text() for t in every.axes[0].get_yticklabels()]
    assert any("plus de 74 → 79" in t for t in ticks) and any("environ 4" in t for t in ticks)
    assert set(fig.civicstats["sources"]) == ids(findings["sources"])
    # half the findings are revisions or figures of different dates: the title does not call them all disagreements
    assert fig.civicstats["title"] == "Where the published figures do not meet", fig.civicstats


def test_selection_scores_draws_the_contributions_and_greys_excluded_tools():
    ranked = cs.select_tools([
        {"tool": "A", "objective": 5, "means": 3, "personal_data": True, "fair_platform": True, "reversibility": True},
        {"tool": "B", "objective": 4, "means": 4, "personal_data": True, "fair_platform": True, "reversibility": False},
    ], {"objective": 3, "means": 1})
    fig = charts.selection_scores(ranked)
    ax = fig.axes[0]
    assert [p.get_width() for p in bars(ax, "contrib:A:")] == [3.75, 0.75]
    assert [p.get_width() for p in bars(ax, "contrib:B:")] == [3.0, 1.0]
    grey = {p.get_facecolor() for p in bars(ax, "contrib:B:")}
    assert all(r == g == b for r, g, b, _ in grey)  # excluded: greyed
    assert "excluded: fails reversibility" in texts(fig)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1. A", "2. B"]
    assert fig.civicstats["sources"] == []  # hypothetical tools and ratings: no source cited
    assert any(t.startswith("Illustration: hypothetical tools") for t in texts(fig))
    assert not any(t.startswith("Source") for t in texts(fig))


# ---------------------------------------------------------------- save_figure

def test_save_figure_writes_deterministic_png_and_svg(tmp_path):
    first = cs.save_figure(charts.participatory_budgets(cs.load("participatory_budgets"), register=REGISTER), "budgets",
                           out_dir=tmp_path / "a")
    second = cs.save_figure(charts.participatory_budgets(cs.load("participatory_budgets"), register=REGISTER),
                            "budgets", out_dir=tmp_path / "b")
    assert [p.name for p in first] == ["budgets.png", "budgets.svg"]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    png, svg = first[0].read_bytes(), first[1].read_text(encoding="utf-8")
    assert png.startswith(b"\x89PNG") and b"Software" not in png and b"matplotlib" not in png
    assert "<dc:date>" not in svg
    assert "Sources: BEZ — Antoine Bézard; NL — Villes de France" in svg  # text is kept as a comment
    assert 'id="civicstats-sources"' in svg
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["budgets.png", "budgets.svg"]  # no temp files


def test_stamping_is_idempotent_and_bytes_do_not_depend_on_history(tmp_path):
    fig = charts.survey_total_gap(cs.load("civictech_adoption"), cs.load("published_figures"), register=REGISTER,
                                  levels=LEVELS)
    stamps = [t.get_text() for t in fig.texts]
    size = tuple(fig.get_size_inches())
    one = [p.read_bytes() for p in cs.save_figure(fig, "gap", out_dir=tmp_path / "one")]
    two = [p.read_bytes() for p in cs.save_figure(fig, "gap", out_dir=tmp_path / "two")]
    assert [t.get_text() for t in fig.texts] == stamps
    assert tuple(fig.get_size_inches()) == size
    assert one == two
    assert sum("Sources: NL — Villes de France; LOC — Localtis" in t for t in stamps) == 1


def test_save_figure_overrides_and_french_source_line(tmp_path):
    fig = charts.tool_landscape(cs.load("civictech_categories"), cs.load("civictech_tools"), lang="fr",
                                register=REGISTER)
    cs.save_figure(fig, "outils.png", out_dir=tmp_path, title="Autre titre", sources=["NL"])
    assert fig.civicstats["title"] == "Autre titre" and fig.civicstats["sources"] == ["NL"]
    assert [t.get_text() for t in fig.texts if t.get_gid() == "civicstats-sources"] == [
        f"Source{NBSP}: NL — Villes de France"]
    assert (tmp_path / "outils.png").exists() and (tmp_path / "outils.svg").exists()


def test_save_figure_honours_the_build_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CIVICSTATS_FIGURES_DIR", str(tmp_path / "staging"))
    paths = cs.save_figure(charts.adoption_by_level(cs.load("civictech_adoption"), register=REGISTER, levels=LEVELS),
                           "adoption")
    assert all(p.parent == tmp_path / "staging" for p in paths)


@pytest.mark.parametrize("name", ["../escape", "sub/name", "", ".hidden"])
def test_save_figure_refuses_names_that_are_not_plain_file_names(tmp_path, name):
    with pytest.raises(ValueError, match="plain file name"):
        cs.save_figure(charts.adoption_by_level(cs.load("civictech_adoption"), register=REGISTER, levels=LEVELS), name,
                       out_dir=tmp_path)


def test_charts_are_lazy_and_leave_no_pyplot_figure():
    code = ("import sys, civicstats as cs; cs.charts; cs.save_figure; cs.select_tools; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported too early'; "
            "fig = cs.charts.adoption_by_level(cs.load('civictech_adoption')); import matplotlib.pyplot as plt; "
            "assert plt.get_fignums() == [], plt.get_fignums(); print(type(fig).__name__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Figure"


def test_any_figure_can_be_saved_with_its_sources_and_one_without_warns(tmp_path):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3))
    plt.close(fig)
    ax.plot([2016, 2017], [26, 47])
    cs.save_figure(fig, "own", out_dir=tmp_path, title="My chart", units="towns", sources=["BEZ"],
                   register=cs.load("sources"))
    assert fig.civicstats == {"title": "My chart", "units": "towns", "sources": ["BEZ"], "lang": "en",
                              "name": "own"}  # the files saved, which a notebook links to
    assert "Source: BEZ — Antoine Bézard" in [t.get_text() for t in fig.texts]
    bare, _ = plt.subplots()
    plt.close(bare)
    with pytest.warns(UserWarning, match="names no source"):
        cs.save_figure(bare, "bare", out_dir=tmp_path)


def test_open_data_waves_shows_two_sources_for_the_same_date():
    import pandas as pd

    rows = cs.load("open_data_adopters")
    other = rows[(rows["as_of"] == "2019-10") & (rows["level"] == "all")].assign(count=470, concerned=pd.NA,
                                                                                  source="ODF20")
    fig = charts.open_data_waves(pd.concat([rows, other], ignore_index=True))
    offsets = {c.get_gid(): c.get_offsets() for c in fig.axes[0].collections if c.get_gid()}
    october_2019 = [y for x, y in offsets["with_open_data"] if x == offsets["with_open_data"][6][0]]
    assert sorted(october_2019) == [460, 470]
    assert {"460 (MI19)", "470 (ODF20)"} <= set(texts(fig))


def test_a_saved_chart_is_shown_as_its_png_until_it_changes(tmp_path, monkeypatch):
    # the build's kernels load civicstats.display: a chart saved and unchanged is shown as the PNG saved
    # (not drawn a third time); a chart changed after saving, or never saved, is drawn by the inline backend
    import base64

    import matplotlib
    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib.figure import Figure
    from matplotlib_inline.backend_inline import configure_inline_support

    monkeypatch.setenv(cs.paths.FIGURES_ENV, str(tmp_path))
    shell = InteractiveShell.instance()

    def shown(fig: Figure) -> tuple[bytes, dict]:
        data, metadata = shell.display_formatter.format(fig)
        return base64.b64decode(data["image/png"]), metadata

    with matplotlib.rc_context():  # the inline backend sets rcParams: they are put back after
        try:
            shell.extension_manager.load_extension("civicstats.display")
            configure_inline_support(shell, "module://matplotlib_inline.backend_inline")  # as a kernel does: after
            fig = Figure(figsize=(4, 3))
            fig.add_subplot().bar(["a", "b"], [1, 2])
            png, _svg = cs.save_figure(fig, "saved-chart", title="A saved chart", sources=["OCZ"])
            image, metadata = shown(fig)
            assert image == png.read_bytes()
            assert metadata["civicstats"]["figure"] == "saved-chart"
            assert metadata["image/png"]["alt"] == "A saved chart"
            fig.axes[0].set_xlabel("changed after saving")
            changed, _ = shown(fig)
            assert changed.startswith(b"\x89PNG") and changed != png.read_bytes()
            for draw in (lambda f: f.canvas.draw(), lambda f: f.draw_without_rendering()):
                cs.save_figure(fig, "saved-chart", title="A saved chart", sources=["OCZ"])
                assert shown(fig)[0] == png.read_bytes()
                fig.axes[0].set_xlabel("changed, then drawn")  # drawing clears matplotlib's "stale" mark
                draw(fig)
                assert shown(fig)[0] != png.read_bytes()
            other = Figure(figsize=(4, 3))
            other.add_subplot().plot([1, 2])
            assert shown(other)[0].startswith(b"\x89PNG")
            assert "figure" not in shown(other)[1].get("civicstats", {})  # never saved: no files to link
            # bug 4: two figures saved before either is shown each keep the link to their own files
            first, second = Figure(figsize=(4, 3)), Figure(figsize=(4, 3))
            for name, figure in (("first-chart", first), ("second-chart", second)):
                figure.add_subplot().plot([1, 2])
                cs.save_figure(figure, name, title=name, sources=["OCZ"])
            assert shown(second)[1]["civicstats"]["figure"] == "second-chart"
            assert shown(first)[1]["civicstats"]["figure"] == "first-chart"
        finally:
            InteractiveShell.clear_instance()


# ---------------------------------------------------------------- one-way: charts and labels load nothing

def test_charts_draw_only_the_frames_they_are_given():
    """A chart never computes an analysis nor loads a table when none is given (issue 19)."""
    for draw in (charts.adoption_shares, charts.audit_findings, charts.adoption_by_level, charts.open_data_waves):
        with pytest.raises(TypeError):
            draw()
        with pytest.raises(TypeError, match="pass the table"):
            draw(None)


def test_labels_come_from_the_table_given_not_the_shipped_one():
    """Issue 19: labels came from the shipped tables even in a --data build."""
    relabelled = LEVELS.assign(label_en=LEVELS["label_en"].where(LEVELS["level"] != "region", "Régions (updated)"))
    fig = charts.adoption_by_level(cs.load("civictech_adoption"), levels=relabelled)
    assert "Régions (updated)" in [t.get_text() for t in fig.axes[0].get_yticklabels()]
    bare = charts.adoption_by_level(cs.load("civictech_adoption"))  # no table of labels: the codes, never a load
    assert "region" in [t.get_text() for t in bare.axes[0].get_yticklabels()]
    code = ("import sys, civicstats as cs, civicstats.labels, civicstats.display, civicstats.charts; "
            "cs.label(None, 'region'); cs.text('sources', 'fr'); "
            "assert 'civicstats.tables' not in sys.modules, 'labels, display or charts loaded the tables'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_explained_selection_is_made_from_codes():
    ranked = cs.select_tools([{"tool": "A", "objective": 5, "reversibility": False}])
    assert ranked.loc[0, "fails"] == "reversibility" and "explanation" not in ranked.columns
    fig = charts.selection_scores(ranked, lang="fr", criteria=cs.load("selection_criteria"))
    assert f"exclu{NBSP}: ne respecte pas réversibilité" in texts(fig)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["Objectif"]
