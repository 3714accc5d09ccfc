"""Where open data is: open_data_organisations, official populations, universe, maps, notebook 06."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import re
import warnings
from html import unescape
from pathlib import Path

import pandas as pd
import pytest

import civicstats as cs
from civicstats import paths
from civicstats.analysis import organisations as orgs
from civicstats.derive import observatory_to_organisations, organisations_csv
from civicstats.errors import DataError, DataWarning
from civicstats.readers.csv import read_csv
from civicstats.readers.observatory import (
    OBSERVATORY_COLUMNS,
    OCTOBER_2022_COLUMNS,
    observatory_layout,
)

RAW = paths.DATA_DIR / "raw"
EXPORT = RAW / "odf" / "ODF-Observatoire-organisations-221019.csv"
# FACTS.md §3 (they add up to 891: the file has 891 organisations)
TYPE_COUNTS = {"COM": 454, "CA": 101, "OACT": 78, "AGCT": 65, "DEP": 61, "CC": 53, "DSPT": 34, "MET": 19,
               "REG": 16, "CU": 6, "EPT": 3, "SDE": 1}
# April 2022 column ← October 2022 column (the fields both layouts hold)
APRIL_FROM_OCTOBER = {"siren": "siren", "nom": "nom", "type": "type", "regcode": "regcode", "url_ptf": "url-ptf",
                      "nb_ptf": "nb-ptf", "url_datagouv": "url-datagouv", "nb_datagouv": "nb-datagouv",
                      "id_datagouv": "id-datagouv", "merge": "merge", "platform_clean": "Techno (from Plateformes)",
                      "id_ods": "id-ods", "depcode": "Département", "pop_insee": "pop-insee", "lat": "lat",
                      "lon": "long"}


def type_counts(frame) -> dict[str, int]:
    return {str(k): int(v) for k, v in frame["type"].astype(str).value_counts().items()}


def october_rows() -> list[dict[str, str]]:
    with open(EXPORT, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def write_april(path: Path, rows: list[dict[str, str]]) -> Path:
    """The October rows in the April 2022 layout (FACTS.md §3 header): renamed, reordered, extra columns blank."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(OBSERVATORY_COLUMNS)
        for i, row in enumerate(rows):
            out = {c: "" for c in OBSERVATORY_COLUMNS}
            out.update({a: row[o] for a, o in APRIL_FROM_OCTOBER.items()})
            out["id_odf"] = str(i + 1)
            writer.writerow([out[c] for c in OBSERVATORY_COLUMNS])
    return path


def write_october(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(OCTOBER_2022_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_raw_files_are_unchanged():
    for line in (RAW / "PROVENANCE.md").read_text(encoding="utf-8").splitlines():
        m = re.fullmatch(r"([0-9a-f]{64})  (\S+)", line)
        if m:
            assert hashlib.sha256((RAW / m[2]).read_bytes()).hexdigest() == m[1], m[2]
    from civicstats.schema import package

    described = {s["path"]: s["hash"] for s in package()["sources"] if "hash" in s}
    assert len(described) == 6
    for path, digest in described.items():
        assert digest == "sha256:" + hashlib.sha256((paths.DATA_DIR / path).read_bytes()).hexdigest()


def test_load_gives_every_organisation_with_the_published_type_counts():
    table = cs.load("open_data_organisations")
    assert type_counts(table) == TYPE_COUNTS
    assert len(table) == sum(TYPE_COUNTS.values()) == 891
    assert table["siren"].str.fullmatch(r"\d{9}").all() and table["siren"].is_unique
    assert set(table["source"]) == {"ODFX22"}
    assert (table["level"].astype(str) == "associated_body").sum() == 178
    assert table.set_index("siren").loc["213500010", "channel"] == "local_portal"


def test_shipped_table_is_the_raw_export_read_by_the_reader():
    expected = organisations_csv(read_csv(EXPORT), source="ODFX22")
    assert (paths.DATA_DIR / "open_data_organisations.csv").read_text(encoding="utf-8") == expected


def test_sirens_lose_spaces_and_invisible_marks():
    table = observatory_to_organisations(read_csv(EXPORT)).frame
    raw = pd.read_csv(EXPORT, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    dirty = raw["siren"][~raw["siren"].str.fullmatch(r"\d{9}")]
    assert len(dirty) == 9 and any("\u200e" in s for s in dirty)
    assert "187609110" in set(table["siren"]) and "254002272" in set(table["siren"])


def test_april_layout_gives_the_same_table(tmp_path: Path):
    april = write_april(tmp_path / "observatoire-2022-04.csv", october_rows())
    assert observatory_layout(read_csv(april).frame.columns) == "2022-04"
    assert observatory_layout(read_csv(EXPORT).frame.columns) == "2022-10"
    table = cs.load("open_data_organisations", april)
    assert type_counts(table) == TYPE_COUNTS
    shipped = cs.load("open_data_organisations")
    assert table.drop(columns="source").equals(
        shipped.set_index("siren").loc[table["siren"]].reset_index().drop(columns="source"))
    assert set(table["source"]) == {"ODFX"}


@pytest.mark.parametrize("layout", ["april", "october"])
def test_adopters_wave_from_either_layout(tmp_path: Path, layout):
    rows = october_rows()
    path = (write_april(tmp_path / "odf-2022-04.csv", rows) if layout == "april"
            else write_october(tmp_path / "ODF-Observatoire-organisations-221019.csv", rows))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        wave = cs.load("open_data_adopters", path)
    as_of = "2022-04" if layout == "april" else "2022-10-19"
    got = wave[wave["as_of"] == as_of].set_index(wave[wave["as_of"] == as_of]["level"].astype(str))["count"]
    assert int(got["commune"]) == 454 and int(got["epci"]) == 179 and int(got["all"]) == 713


def test_malformed_siren_is_located(tmp_path: Path):
    rows = october_rows()[:20]
    rows[4]["siren"] = "21350001"  # 8 digits
    rows[7]["siren"] = "2135OOO1O"
    path = write_october(tmp_path / "ODF-Observatoire-organisations-221019.csv", rows)
    with pytest.raises(DataError) as info:
        cs.load("open_data_organisations", path)
    located = [(p.row, p.column, p.value) for p in info.value.problems]
    assert located == [(6, "siren", "21350001"), (9, "siren", "2135OOO1O")]
    assert "9 digits" in info.value.problems[0].text() and str(path) in str(info.value)


def test_other_located_problems(tmp_path: Path):
    rows = october_rows()[:10]
    rows[0]["merge"], rows[1]["regcode"], rows[2]["nb-ptf"], rows[3]["type"] = "portail", "Bretagne", "12,5", "PETR"
    path = write_october(tmp_path / "ODF-Observatoire-organisations-221019.csv", rows)
    with pytest.raises(DataError) as info:
        observatory_to_organisations(read_csv(path))
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "merge"), (3, "regcode"), (4, "nb-ptf"),
                                                                (5, "type")]


def test_check_accepts_either_layout(tmp_path: Path):
    from civicstats.check import check

    for path in (EXPORT, write_april(tmp_path / "observatoire-2022-04.csv", october_rows())):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            report = check(path)
        assert report.ok, report.problem_lines()
        assert report.tables["open_data_organisations"] == 891


def test_a_departement_code_is_one_primary_code_and_the_list_has_its_own_column():
    """Issue 24: codes were lists ("37;41") or blank, and organisations_by_departement counted a list twice."""
    table = cs.load("open_data_organisations").set_index("name")
    assert table.loc["SMO VAL DE LOIRE NUMERIQUE", ["departement_code", "departement_codes"]].tolist() == ["37", "37;41"]
    assert table.loc["CA GRAND PARIS SUD SEINE ESSONNE SENART", "departement_codes"] == "77;91"
    assert table["departement_code"].dropna().str.fullmatch(r"\d{2,3}|2[AB]").all()
    assert pd.isna(table.loc["CA PARIS - VALLEE DE LA MARNE", "departement_code"])


def test_a_blank_departement_is_a_located_warning_when_the_export_is_read(tmp_path: Path):
    with pytest.warns(DataWarning) as caught:
        observatory_to_organisations(read_csv(EXPORT))
    blank = [str(w.message) for w in caught if "names no département" in str(w.message)]
    assert f"{EXPORT}, row 192, column 'Département': CA PARIS - VALLEE DE LA MARNE (CA)" in blank[-1]
    assert len(blank) == 3  # two associated bodies and the CA; régions have none, and are not named
    without = tmp_path / "observatoire-2022-04.csv"  # an export without the column: no row to name
    without.write_text("id_odf,siren,nom,type\n1,213500010,ACIGNE,COM\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        observatory_to_organisations(read_csv(without))
    assert not [w for w in caught if "names no département" in str(w.message)]


def test_organisations_by_departement_counts_each_organisation_once_and_drops_none():
    frame = pd.DataFrame({"level": ["commune", "epci", "epci", "region", "associated_body"],
                          "departement_code": ["77", "77;91", None, None, "91"]})
    counted = orgs.organisations_by_departement(frame)
    assert counted.values.tolist() == [["", 2], ["77", 2]]
    assert counted["organisations"].sum() == 4  # every local authority, once
    assert orgs.organisations_by_departement(frame, local_authorities_only=False)["organisations"].sum() == 5


def test_the_export_s_population_is_named_as_the_export_s_and_checked_against_the_official_one(tmp_path: Path):
    """Issue 24: the export's population (PARIS 27,501) was loaded as `population`, beside no warning."""
    table = cs.load("open_data_organisations")
    assert "population" not in table.columns and table.set_index("name").at["PARIS", "population_export"] == 27501
    rows = [r for r in october_rows() if r["nom"] in ("PARIS", "RENNES", "MARSEILLE")]
    path = write_october(tmp_path / "ODF-Observatoire-organisations-221019.csv", rows)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cs.load("open_data_organisations", path)
    said = [str(w.message) for w in caught if "official 2022 population" in str(w.message)]
    paris = 2 + [r["nom"] for r in rows].index("PARIS")
    assert len(said) == 2 and f"{path}, row {paris}, column 'pop-insee', value '27501': PARIS" in "".join(said)
    assert "2145906" in "".join(said)  # Rennes' export population is near enough: not named


@pytest.mark.parametrize("export, official, named", [(27501, 2145906, True), (1000, 2000, False), (1000, 2001, True),
                                                     (4001, 2000, True), (None, 2000, False), (500, None, False)])
def test_the_population_rule_names_a_factor_of_more_than_two_either_way(export, official, named):
    from civicstats.export_quality import population_findings

    found = population_findings(pd.Series([export], dtype="Int64"), pd.Series([official], dtype="Int64"))
    assert len(found) == int(named)


def test_the_export_s_population_is_never_used_where_the_official_one_exists():
    organisations = fixture_orgs([("213502388", "Rennes", "COM", "commune", "53", "35", 1_000),
                                  ("213500010", "Acigné", "COM", "commune", "53", "35", 90_000)])
    joined = orgs.join_populations(organisations, POPS)
    assert joined["official_population"].tolist() == [222_000, 3_499]
    assert joined["concerned_upper_bound"].tolist() == [True, False]  # by the official populations only
    assert not joined["export_population_3500"].any() and joined["population_export"].tolist() == [1_000, 90_000]


# ------------------------------------------------------------------ join and universe

def fixture_orgs(rows):
    cols = ["siren", "name", "type", "level", "region_code", "departement_code", "population_export"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["population_export"] = frame["population_export"].astype("Int64")
    return frame


POPS = pd.DataFrame({
    "kind": ["region", "departement", "epci", "commune", "commune", "commune"],
    "code": ["53", "35", "243500139", "35238", "35001", "97101"],
    "siren": [None, None, "243500139", "213502388", "213500010", "219710017"],
    "epci_type": [None, None, "METRO", None, None, None],
    "zone": ["metro", "metro", "metro", "metro", "metro", "drom"],
    "departement_code": [None, "35", "35", "35", "35", "971"],
    "region_code": ["53", "53", "53", "53", "53", "01"],
    "population": pd.array([3_400_000, 1_100_000, 460_000, 222_000, 3_499, 50_000], dtype="Int64"),
})


def test_join_reasons_never_drop_a_row():
    organisations = fixture_orgs([
        ("213502388", "Rennes", "COM", "commune", "53", "35", 222000),
        ("213500010", "Acigné", "COM", "commune", "53", "35", 3499),
        ("243500139", "Rennes Métropole", "MET", "metropole", "53", "35", None),
        ("223500018", "Ille-et-Vilaine", "DEP", "departement", "53", "35", None),
        ("235300012", "Bretagne", "REG", "region", "53", None, None),
        ("200046977", "EPT", "EPT", "etablissement_public_territorial", "11", "92", None),
        ("200012345", "Nouméa", "COM", "commune", None, "988", 94000),
        ("219999999", "Gone", "COM", "commune", "53", "35", 12000),
        ("219999998", "Tiny", "COM", "commune", "53", "35", 300),
        ("306966110", "ADEUPa", "OACT", "associated_body", "53", "29", None),
    ])
    joined = orgs.join_populations(organisations, POPS)
    assert len(joined) == len(organisations)
    assert joined["reason"].tolist() == ["", "", "", "", "", "ept", "overseas_collectivity", "unknown_siren",
                                         "small_commune_not_shipped", "associated_body"]
    assert joined["matched_by"].tolist()[:5] == ["siren", "siren", "siren", "code", "code"]
    # 3,499 is under the threshold, 3,500 would be in
    assert joined["concerned_upper_bound"].tolist()[:5] == [True, False, True, True, True]
    assert orgs.reasons(joined).set_index("reason")["count"].sum() == len(organisations)


def test_universe_bounds():
    pops = POPS.copy()
    universe = orgs.law_universe(pops)
    assert set(universe["code"]) == {"53", "35", "243500139", "35238", "97101"}  # 3,499 left out
    assert orgs.law_universe(pops, threshold=3_499)["code"].tolist().count("35001") == 1
    pops.loc[pops["code"] == "35001", "population"] = 3_500
    assert "35001" in set(orgs.law_universe(pops)["code"])
    com = pops.assign(zone=["metro"] * 5 + ["com"])
    assert "97101" not in set(orgs.law_universe(com)["code"])


def test_shipped_universe_and_headline():
    pops = cs.load("official_populations")
    universe = orgs.law_universe(pops)
    counts = universe.groupby("kind").size().to_dict()
    assert counts == {"commune": 3183, "departement": 101, "epci": 1255, "region": 18}
    assert int((pops.loc[pops["kind"].astype(str) == "commune", "population"] >= 3500).sum()) == 3220
    joined = orgs.join_populations(cs.load("open_data_organisations"), pops)
    head = orgs.national_headline(joined, universe).set_index("kind")
    assert head.loc["all", "concerned_upper_bound"] == len(universe)
    assert head.loc["all", "publishing"] == head.drop("all")["publishing"].sum()
    assert 0 < head.loc["all", "share_pct"] < 16


def test_the_communes_the_approximate_bound_may_miss_are_counted():
    """Finding 9: the bound is on populations municipales; the law reads the population totale, a little higher."""
    pops = cs.load("official_populations")
    universe = orgs.law_universe(pops)
    near = orgs.law_universe(pops, threshold=orgs.NEAR_THRESHOLD)
    assert len(universe) == 4557 and len(near) - len(universe) == 95
    assert set(near.loc[~near["code"].isin(universe["code"]), "kind"]) == {"commune"}


def test_the_epci_of_the_universe_are_named_with_the_metropole_de_lyon():
    """Finding 18: the 1,255 EPCI include the Métropole de Lyon, a collectivité à statut particulier, not an EPCI."""
    universe = orgs.law_universe(cs.load("official_populations"))
    assert "200046977" in set(universe.loc[universe["kind"] == "epci", "siren"])
    assert "Métropole de Lyon" in cs.text("kind_epci", "en") and "Métropole de Lyon" in cs.text("kind_epci", "fr")


def test_audit_check_headline_vs_rows():
    found = cs.audit(include_consistent=True)
    mine = found[found["check"] == "recomputed_headline"]
    assert mine["expected"].tolist()[0] == 868 and mine["observed"].tolist()[0] == 713
    assert not mine["consistent"].any()


def test_band_coverage_counts_every_commune():
    bands = cs.load("commune_bands")
    assert int(bands["communes"].sum()) == 35049
    joined = orgs.join_populations(cs.load("open_data_organisations"), cs.load("official_populations"))
    coverage = orgs.band_coverage(joined, bands)
    assert coverage["band"].tolist() == list(orgs.BANDS)
    assert (coverage["communes_publishing"] <= coverage["communes"]).all()
    # finding 17: the 94 communes of overseas collectivities are in no band (34,955, the official count of 2022)
    overseas = int(bands.loc[bands["zone"].astype(str) == "com", "communes"].sum())
    assert overseas == 94 and int(coverage["communes"].sum()) == 35049 - overseas == 34955


# ------------------------------------------------------------------ derive script on a fixture

def derive_module():
    script = paths.ROOT / "scripts" / "derive_populations.py"
    spec = importlib.util.spec_from_file_location("derive_populations", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_derive_populations_logic_on_a_fixture():
    derive = derive_module()
    communes = [
        {"code": "35238", "nom": "Rennes", "departement": "35", "region": "53", "zone": "metro",
         "type": "commune-actuelle", "siren": "213502388", "population": 222000},
        {"code": "35001", "nom": "Acigné", "departement": "35", "region": "53", "zone": "metro",
         "type": "commune-actuelle", "siren": "213500010", "population": 3499},
        {"code": "35002", "nom": "Small", "departement": "35", "region": "53", "zone": "metro",
         "type": "commune-actuelle", "siren": "213500028", "population": 100},
        {"code": "35999", "nom": "Old", "departement": "35", "region": "53", "zone": "metro",
         "type": "commune-deleguee", "population": 9000},
        {"code": "97501", "nom": "Miquelon", "departement": "975", "region": "975", "zone": "com",
         "type": "commune-actuelle"},
    ]
    epci = [{"code": "243500139", "nom": "Rennes Métropole", "type": "METRO", "populationMunicipale": 225599,
             "membres": [{"code": "35238", "populationMunicipale": 222000},
                         {"code": "35001", "populationMunicipale": 3499}]}]
    deps = [{"code": "35", "nom": "Ille-et-Vilaine", "region": "53", "zone": "metro"},
            {"code": "975", "nom": "Saint-Pierre-et-Miquelon", "region": "975", "zone": "com"}]
    regs = [{"code": "53", "nom": "Bretagne", "zone": "metro"},
            {"code": "975", "nom": "Saint-Pierre-et-Miquelon", "zone": "com"}]
    rows, bands = derive.derive(communes, epci, deps, regs, keep_sirens={"213500010"})
    got = {(r["kind"], r["code"]): r for r in rows}
    assert set(got) == {("region", "53"), ("region", "975"), ("departement", "35"), ("overseas_collectivity", "975"),
                        ("epci", "243500139"), ("commune", "35238"), ("commune", "35001")}
    assert [got[k]["name"] for k in [("region", "53"), ("departement", "35"), ("epci", "243500139")]] == [
        "Bretagne", "Ille-et-Vilaine", "Rennes Métropole"]
    every = derive.derive_communes(communes, epci)
    assert [(c["code"], c["name"], c["epci_siren"]) for c in every] == [
        ("35001", "Acigné", "243500139"), ("35002", "Small", ""), ("35238", "Rennes", "243500139"),
        ("97501", "Miquelon", "")]
    assert got[("departement", "35")]["population"] == str(222000 + 3499 + 100)
    assert got[("region", "975")]["population"] == ""  # Miquelon has no population
    assert got[("epci", "243500139")]["departement_code"] == "35" and got[("epci", "243500139")]["siren"] == "243500139"
    assert {r["source"] for r in rows} == {"DA22"}
    per_band = {(b["departement_code"], b["band"]): int(b["communes"]) for b in bands}
    assert per_band == {("35", "under_3500"): 2, ("35", "100k_plus"): 1, ("975", "unknown"): 1}
    assert derive.band(3499) == "under_3500" and derive.band(3500) == "3500_9999"


# ------------------------------------------------------------------ maps

def test_lambert93_reference_point():
    from civicstats.charts.maps import lambert93

    x, y = lambert93(3.0, 46.5)
    assert (round(x), round(y)) == (700000, 6600000)
    x, y = lambert93(-4.486, 48.390)  # Brest: west and north of the origin
    assert 140_000 < x < 160_000 and 6_830_000 < y < 6_850_000


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_map_figure_has_title_units_and_source_line(tmp_path: Path, lang):
    from civicstats.charts import maps

    outlines = cs.outlines("departement")
    assert len(outlines) == 96 and "2A" in set(outlines["code"]) and outlines.attrs["origin"] == "shipped"
    values = pd.DataFrame({"departement_code": ["35", "29"], "organisations": [30, 10]})
    fig = maps.departement_map(values, outlines, column="organisations", lang=lang, sources=["ODFX22", "GEO18"],
                               left_out=11)
    meta = fig.civicstats
    assert meta["title"] and meta["units"] and meta["sources"] == ["ODFX22", "GEO18"]
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    assert any("GEO18" in t for t in texts) and any("11" in t for t in texts)
    png, svg = cs.save_figure(fig, "map-test", out_dir=tmp_path)
    first = png.read_bytes()
    cs.save_figure(fig, "map-test", out_dir=tmp_path)
    assert png.read_bytes() == first and svg.stat().st_size > 0


# ------------------------------------------------------------------ notebook 06 on another export

#: An organisation-type code alone in a table cell (issue 22: types are shown in words)
TYPE_CELL = re.compile(r"<td[^>]*>\s*(?:" + "|".join(TYPE_COUNTS) + r")\s*</td>")


def test_build_renders_notebook_06_for_another_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Issue 22: the prose named the shipped export's date on a page built from another; issue 20: findings 10, 16.

    Issue 22's Done-when, on the pages: an April-layout export whose name holds no date, dated by --as-of (its
    environment variable, which the kernels inherit): no warning, no path of the machine, no type code in a table, the
    export and its date named in words on every page, the data note in the page's language. The French edition, read
    most (notebook 06 is the costliest run): the English one runs the same cells on the shipped export in the
    session's build (tests/test_notebooks.py), and its words for another export are the catalog's, tested with it.
    """
    from civicstats.build import build
    from civicstats.readers.observatory import AS_OF_ENV

    before = {str(p): p.stat().st_mtime_ns for d in (paths.NOTEBOOKS_DIR, paths.FIGURES_DIR, paths.DATA_DIR)
              for p in d.rglob("*") if p.is_file()}
    rows = [r for r in october_rows() if r["regcode"].startswith(("BRE", "PDL"))]
    export = write_april(tmp_path / "observatoire.csv", rows)
    monkeypatch.setenv(AS_OF_ENV, "2022-04")  # what civicstats build --as-of 2022-04 sets
    out = tmp_path / "out"
    result = build(data=export, out=out, log=lambda line: None, notebooks=["06-where-is-open-data"], lang="fr")
    assert result.ok, result
    date, shipped_date = "avril 2022", "19 octobre 2022"
    built = "à partir de observatoire.csv (données d'avril 2022)"
    nb = json.loads((out / "notebooks" / "fr" / "06-where-is-open-data.ipynb").read_text(encoding="utf-8"))
    page = json.dumps(nb, ensure_ascii=False)
    printed = "".join(o.get("text", "") if isinstance(o.get("text"), str) else "".join(o.get("text", []))
                      for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []))
    assert shipped_date not in page and "19 Oct" not in page and date in printed
    assert "observatoire.csv" in printed and "Ce que dit l'export face aux données officielles" in page
    assert f"L'export d'avril 2022 liste {len(rows)} organisations" in printed and "du avril" not in printed
    tables = "".join("".join(o.get("data", {}).get("text/html", "")) for c in nb["cells"] if c["cell_type"] == "code"
                     for o in c.get("outputs", []))
    assert ">Organisation</th>" in tables and ">Table</th>" not in tables
    assert "Published share" not in tables and "Part publiée" not in tables
    reports = out / "reports" / "fr"
    for name in ("index", "06-where-is-open-data", "collectivities"):
        html = (reports / f"{name}.html").read_text(encoding="utf-8")
        seen = unescape(re.sub(r"<details.*?</details>", "", html, flags=re.S))  # the code aside
        assert built in seen, name
        assert "Warning" not in html and str(tmp_path) not in html and "site-packages" not in html, name
        assert shipped_date not in html, name  # the index's register of sources lists ODFX22 (19 Oct)
        assert not TYPE_CELL.findall(html), (name, TYPE_CELL.findall(html)[:5])
    seen = unescape(re.sub(r"<details.*?</details>", "", (reports / "06-where-is-open-data.html").read_text(
        encoding="utf-8"), flags=re.S))
    assert "hors des comptes (groupement de collectivités" in seen and not re.search(r"\b(?:AGCT|OACT|DSPT) \d", seen)
    # the data note in the page's language, not in English
    assert "lignes avec une adresse sans son nombre" in seen and "rows with an address without its count" not in seen
    assert (out / "figures" / "fr" / "open-data-map-organisations.svg").is_file()
    after = {str(p): p.stat().st_mtime_ns for d in (paths.NOTEBOOKS_DIR, paths.FIGURES_DIR, paths.DATA_DIR)
             for p in d.rglob("*") if p.is_file()}
    assert after == before


# ------------------------------------------------------------------ raw files beside the tables (bug 5)

def test_platforms_and_outlines_come_from_the_data_folder_given(data_copy: Path):
    """Bug 5: notebook 06 read data/raw/odf and data/raw/geo directly, so --data charted the shipped files."""
    shipped = cs.platforms()
    assert shipped.attrs["origin"] == "shipped" and len(shipped) > 10
    platforms = data_copy / "raw" / "odf" / "ODF-Observatoire-plateformes.csv"
    lines = platforms.read_text(encoding="utf-8-sig").splitlines()
    platforms.write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")
    given = cs.platforms(data_copy)
    assert given.attrs["origin"] == "source" and given.attrs["files"] == [str(platforms)] and len(given) == 3
    assert cs.organisations.platform_technologies(given)["platforms"].sum() <= 3
    (data_copy / "raw" / "geo" / "regions-version-simplifiee.geojson").unlink()
    assert cs.outlines("region", data_copy).attrs["origin"] == "shipped"  # the source lacks it: said, not silent
    assert cs.outlines("departement", data_copy).attrs["origin"] == "source"
    with pytest.raises(ValueError, match="departement, region"):
        cs.outlines("commune")


def test_the_platforms_file_is_dated_by_its_latest_change():
    """Finding 19: the portal-software chart had no date (its file's latest change: 25 April 2022, not the export's)."""
    assert orgs.platform_technologies(cs.platforms()).attrs["as_of"] == "2022-04-25"
    assert orgs.platform_technologies(pd.DataFrame({"Techno": ["CKAN"]})).attrs["as_of"] is None


def test_notebook_06_declares_the_raw_files_it_reads():
    nb = json.loads((paths.SOURCES_DIR / "06-where-is-open-data.ipynb").read_text(encoding="utf-8"))
    inputs = nb["metadata"]["civicstats"]["inputs"]
    assert all(list(paths.DATA_DIR.glob(pattern)) for pattern in inputs)
    code = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "raw/" not in code.replace("data/raw/", "") and "DATA_DIR" not in code


def test_notebooks_use_only_the_public_api():
    """Issue 19: notebooks imported readers, paths, labels and format directly."""
    for notebook in sorted(paths.SOURCES_DIR.glob("*.ipynb")):
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        imports = re.findall(r"^\s*(?:from|import) (\S+)", code, flags=re.M)
        assert set(imports) <= {"civicstats", "pandas"}, (notebook.name, imports)
        assert not re.search(r"civicstats\.\w", code), notebook.name
