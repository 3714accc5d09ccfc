"""The export against the official geography, its quality rules, and two exports compared (issue 20).

Logic on small inline frames; the shipped export where the finding is about it.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import civicstats as cs
from civicstats import export_quality, geography, paths
from civicstats.analysis import exports
from tests.test_organisations import october_rows, write_april, write_october

OFFICIAL = pd.DataFrame({
    "kind": ["region", "region", "departement", "departement", "departement", "commune", "commune", "epci"],
    "code": ["93", "52", "05", "44", "988", "05007", "60157", "200067"],
    "siren": [None, None, None, None, None, "210500070", "216001446", "200067000"],
    "departement_code": [None, None, "05", "44", "988", "05", "60", "05"],
    "region_code": ["93", "52", "93", "52", "988", "93", "32", "93"],
})


def orgs(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["siren", "name", "type", "departement_code", "region_code"])


@pytest.mark.parametrize("row, expected", [
    (("210500070", "ARVIEUX", "COM", "05", "52"), [("geography.region-contradicts-departement", "52", "93")]),
    (("216001446", "CHELLES", "COM", "77", "11"), [("geography.departement-contradicts-siren", "77", "60")]),
    (("210500070", "ARVIEUX", "COM", "05", "93"), []),
    (("210500070", "GAP", "COM", "05", None), [("geography.region-contradicts-departement", None, "93")]),
    (("200012490", "PROVINCE SUD", "DEP", "988", None), []),  # overseas collectivities have no région
    (("200067000", "CC X", "CC", "05;44", "93"), []),  # its département among the listed ones
    (("999999999", "UNKNOWN", "COM", "44", "52"), []),
])
def test_each_contradiction_is_one_located_finding(row, expected):
    found = geography.geography_findings(orgs(row), OFFICIAL)
    assert [(r.code, r.export, r.official) for r in found.itertuples()] == expected
    assert found["siren"].tolist() == [row[0]] * len(expected)


def test_the_listed_departements_are_read_from_their_own_column():
    frame = orgs(("200067000", "CC X", "CC", "44", "52")).assign(departement_codes="44;05")
    assert geography.geography_findings(frame, OFFICIAL).empty  # 05, its official one, is the second listed


def test_official_codes_come_first_and_the_export_s_stay_beside_them():
    frame = geography.official_geography(orgs(("210500070", "ARVIEUX", "COM", "05", "52"),
                                              ("999999999", "UNKNOWN", "COM", "44", "52"),
                                              (None, "HAUTES-ALPES", "DEP", "05", "52")), OFFICIAL)
    assert frame["region_official"].tolist() == ["93", "52", "93"]  # UNKNOWN: the région of its département, 44
    assert frame["region_code"].tolist() == ["52", "52", "52"]
    assert frame["geography"].tolist() == ["official", "export", "official"]


def test_the_shipped_export_contradicts_the_official_geography_where_the_issue_says():
    found = cs.geography_findings(cs.load("open_data_organisations"), cs.load("official_populations"))
    by_siren = {(r.siren, r.code): (r.export, r.official) for r in found.itertuples()}
    assert by_siren[("210500070", "geography.region-contradicts-departement")] == ("52", "93")  # ARVIEUX
    assert by_siren[("216001446", "geography.departement-contradicts-siren")] == ("77", "60")  # CHELLES
    assert by_siren[("218300523", "geography.departement-contradicts-siren")] == ("04", "83")  # ESPARRON
    assert by_siren[("210500104", "geography.departement-contradicts-siren")] == ("04", "05")  # ASPRES-SUR-BUECH
    pdl = found[(found["export"] == "52") & (found["official"] == "93")]
    assert len(pdl) == 28  # communes of 04 and 05 coded Pays de la Loire


def test_on_official_codes_paca_and_pays_de_la_loire_count_as_the_departement_map_does():
    frame = geography.official_geography(cs.load("open_data_organisations"), cs.load("official_populations"))
    local = frame[~frame["type"].astype(str).isin(["AGCT", "OACT", "DSPT", "SDE"])]
    counts = local.groupby("region_official").size()
    # Saint-Bonnet-en-Champsaur (SIREN absent from 2022, département 05, région 52 in the export) is counted in
    # the région of its département, as on the map: PACA 114 and PDL 43, not the 113 and 44 that kept its 52
    assert (counts["93"], counts["52"]) == (114, 43)


def raw_export(**columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    frame.index = range(2, len(frame) + 2)  # rows as a person counts them: the header is row 1
    return frame


def test_a_count_without_its_address_and_the_reverse_are_located():
    raw = raw_export(siren=["1", "2", "3"], nb_ptf=["4", "", "0"], url_ptf=["", "https://x", ""])
    found = export_quality.quality_findings(raw)
    assert [(r.code, r.rows) for r in found.itertuples()] == [("export.count-without-address", [2]),
                                                             ("export.address-without-count", [3])]


def test_a_shifted_column_is_named_once_with_its_shift():
    urls = ["https://x" if i % 3 else "" for i in range(60)]
    counts = ["5" if u else "" for u in urls]
    shifted = raw_export(nb_datagouv=[""] + counts[:-1], url_datagouv=urls)
    found = export_quality.quality_findings(shifted)
    assert found[["code", "column", "shift"]].values.tolist() == [["export.shifted-column", "nb_datagouv", -1]]
    assert export_quality.quality_findings(raw_export(nb_datagouv=counts, url_datagouv=urls)).empty


def test_a_shifted_column_of_the_real_export_is_found_and_the_clean_export_has_none():
    rows = list(csv.DictReader(open(paths.DATA_DIR / "raw/odf/ODF-Observatoire-organisations-221019.csv",
                                    encoding="utf-8-sig")))
    raw = pd.DataFrame(rows).rename(columns=lambda c: c.lower().replace("-", "_"))
    raw.index = range(2, len(raw) + 2)
    assert "export.shifted-column" not in set(export_quality.quality_findings(raw)["code"])
    raw["nb_datagouv"] = raw["nb_datagouv"].shift(1, fill_value="")
    found = export_quality.quality_findings(raw)
    shifted = found[found["code"] == "export.shifted-column"]
    assert shifted["column"].tolist() == ["nb_datagouv"] and shifted["count"].iloc[0] > 100


def test_a_repeated_siren_is_a_finding():
    found = export_quality.quality_findings(raw_export(siren=["1", "2", "1"]))
    assert found[["code", "rows", "value"]].values.tolist() == [["export.duplicated-siren", [2, 4], "1"]]


def test_two_exports_compared_in_either_layout(tmp_path: Path):
    rows = october_rows()
    april = write_april(tmp_path / "odf-2022-04.csv", rows[:-5])
    changed = [dict(r) for r in rows]
    changed[0]["nom"] = changed[0]["nom"] + " (renamed)"
    october = write_october(tmp_path / "odf-2022-10.csv", changed)
    result = cs.compare_exports(april, october)
    added = result[result["change"] == "added"]
    assert sorted(added["siren"]) == sorted(r["siren"] for r in rows[-5:])
    renamed = result[(result["change"] == "changed") & (result["field"] == "name")]
    assert renamed["siren"].tolist() == [rows[0]["siren"]] and not renamed["likely_fault"].any()
    proc = subprocess.run([sys.executable, "-m", "civicstats", "compare", str(april), str(october)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1].startswith("5 added, 0 removed")


def test_a_field_that_changes_almost_everywhere_is_a_likely_fault():
    old = pd.DataFrame({"siren": list("abcd"), "population": [1, 2, 3, 4], "name": list("ABCD")})
    new = old.assign(population=[10, 20, 30, 4])
    result = exports.compare(old, new)
    assert result["likely_fault"].all() and set(result["field"]) == {"population"}


def test_check_warns_about_a_shifted_column_and_not_about_a_clean_export(tmp_path: Path):
    """Issue 20: a real export had nb-datagouv shifted by one row, and loaded without a word."""
    import warnings

    from civicstats.check import check

    rows = list(csv.DictReader(open(paths.DATA_DIR / "raw/odf/ODF-Observatoire-organisations-221019.csv",
                                    encoding="utf-8-sig")))
    (tmp_path / "clean").mkdir()
    clean = write_october(tmp_path / "clean" / "ODF-Observatoire-organisations-221019.csv", rows)
    counts = [r["nb-datagouv"] for r in rows]
    for row, count in zip(rows, ["", *counts[:-1]]):
        row["nb-datagouv"] = count
    (tmp_path / "shifted").mkdir()
    shifted = write_october(tmp_path / "shifted" / "ODF-Observatoire-organisations-221019.csv", rows)
    said = {}
    for name, path in (("clean", clean), ("shifted", shifted)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert check(path).ok
        said[name] = [str(w.message) for w in caught if "looks shifted" in str(w.message)]
    assert said["clean"] == []
    assert len(said["shifted"]) == 1 and "column 'nb-datagouv' looks shifted by -1 row" in said["shifted"][0]


# ------------------------------------------------------------------ official geography first (issue 20, notebook 06)

def test_a_commune_whose_siren_is_gone_is_matched_to_its_successor():
    official = OFFICIAL
    gone = orgs(("216001578", "OLD NAME", "COM", "60", "32"),  # embeds INSEE 60157, now under SIREN 216001446
                ("245900410", "METROPOLE", "MET", "59", "32"),  # an EPCI: no code to follow
                ("216001446", "CHELLES", "COM", "60", "32"))
    found = geography.official_sirens(gone.iloc[:2], official)
    assert found.values.tolist() == [["216001446", "successor"], [pd.NA, ""]]
    twice = geography.official_sirens(gone, official)  # the successor listed itself: not the same commune twice
    assert twice["matched_by"].tolist() == ["", "", "siren"]
    pops = official.assign(population=[5_000_000, 3_800_000, 140_000, 1_400_000, 270_000, 1_000, 56_000, 20_000],
                           zone=["metro"] * 4 + ["com"] + ["metro"] * 3)
    joined = cs.organisations.join_populations(gone.iloc[:2].assign(level="commune", population=[56_000, 1_100_000]),
                                               pops)
    assert joined["matched_by"].tolist() == ["successor", ""]
    assert joined["official_population"].tolist()[0] == 56_000


def test_local_authorities_of_3500_by_the_export_s_population_alone_are_counted_apart():
    """Finding 4: "524 of them have 3,500 or more" left out the unmatched SIRENs and the EPT (at least 540)."""
    joined = cs.organisations.join_populations(cs.load("open_data_organisations"), cs.load("official_populations"))
    head = cs.organisations.national_headline(joined, cs.organisations.law_universe(cs.load("official_populations")))
    total = head.set_index("kind").loc["all"]
    assert total["publishing"] + total["export_population_3500"] >= 540
    # Chéméré, merged into Chaumes-en-Retz (former code 44040); Saint-Germain-en-Laye, a commune nouvelle (78551)
    assert joined.loc[joined["matched_by"] == "successor", "siren"].tolist() == ["214400400", "217805514"]
    # finding 15: these SIRENs are absent from the 2022 data, not small communes left out of the shipped table
    gone = joined.set_index("siren").loc[["240500215", "510651441"], "reason"]
    assert set(gone) == {"unknown_siren"}


def test_the_region_chart_and_the_departement_map_agree_on_official_codes():
    """Finding 2: the région chart counted the export's région codes (PACA 85, PDL 71)."""
    official = cs.load("official_populations")
    located = cs.official_geography(cs.load("open_data_organisations"), official)
    by_region = cs.organisations.organisations_by_region(located, column="region_official").set_index("region_code")
    assert (by_region.loc["93", "organisations"], by_region.loc["52", "organisations"]) == (114, 43)
    deps = official[official["kind"] == "departement"].set_index("code")["region_code"]
    placed = located.dropna(subset=["departement_official"])  # official or not, as on the map
    assert (placed["departement_official"].map(deps).where(lambda r: r.str.len() == 2)
            .fillna("") == placed["region_official"].fillna("")).all()
    by_dep = cs.organisations.organisations_by_departement(located, column="departement_official")
    assert by_dep.set_index("departement_code").loc["05", "organisations"] > \
        cs.organisations.organisations_by_departement(cs.load("open_data_organisations")).set_index(
            "departement_code").loc["05", "organisations"]  # communes of 05 coded 04 in the export come home


def test_without_an_official_match_the_region_is_that_of_the_export_s_departement():
    frame = geography.official_geography(orgs(("240500215", "SAINT-BONNET", "COM", "05", "52")), OFFICIAL)
    assert frame[["departement_official", "region_official", "geography"]].values.tolist() == [["05", "93", "export"]]


def test_an_overseas_collectivity_has_no_region():
    frame = geography.official_geography(orgs(("200012490", "PROVINCE SUD", "DEP", "988", None)), OFFICIAL)
    assert frame["region_official"].isna().all()


def test_the_audit_lists_every_located_contradiction(tmp_path: Path):
    found = cs.organisation_audit()
    assert found["code"].value_counts().to_dict() == {"geography.region-contradicts-departement": 44,
                                                      "geography.departement-contradicts-siren": 10}
    proc = subprocess.run([sys.executable, "-m", "civicstats", "audit"], capture_output=True, text=True, check=True)
    assert "ARVIEUX (SIREN 210500070): the export's région 52 is not the région of its own département (93)" \
        in proc.stdout
    # each kind is counted (issue 20: the audit states its counts of each kind)
    assert "54 contradictions of the export with the official geography: 44 organisations with a région that is " \
        "not that of their own département, 10 with a département that is not the official one of their SIREN." \
        in proc.stdout
    # an export without a région says so, not "the export's région –"
    assert "GAP (SIREN 210500617): the export gives no région; the région of its own département is 93" in proc.stdout
    assert "région – is" not in proc.stdout


def test_the_map_colour_bar_stays_clear_of_its_notes():
    """Finding 19: the communes-share map's colour bar overlapped its footnote."""
    values = pd.DataFrame({"departement_code": ["35", "29"], "share_pct": [30.0, 10.0]})
    fig = cs.charts.departement_map(values, cs.outlines("departement"), column="share_pct", lang="fr",
                                    sources=["ODFX22"], left_out=11)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    bar = next(a for a in fig.axes if a.get_label() == "<colorbar>").get_window_extent(renderer)
    note = next(t for t in fig.axes[0].texts if "Hors carte" in t.get_text()).get_window_extent(renderer)
    assert bar.y0 > note.y1
