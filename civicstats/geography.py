"""The official geography of the observatory's organisations, and where the export contradicts it.

An export's région and département codes are data to check, not truth: the
October 2022 export codes Hautes-Alpes communes in Pays de la Loire. Here each
organisation gets its official codes from ``official_populations`` (the 2022
COG): by SIREN for communes and EPCI, by code for départements and régions
(a département's région is the official one of its code). The export's codes
stay beside them; an organisation the official data do not list keeps the
export's département, and says so (``geography``: ``official`` or ``export``),
with the région of that département (so that maps and région charts agree). A
commune whose SIREN the official data no longer hold is matched to its
successor where its SIREN allows it (:func:`official_sirens`).

Every contradiction is a finding (codes and values, no sentence):

* ``geography.region-contradicts-departement``: the export's région is not the
  région of the export's own département (overseas collectivities, which
  have no région, are left out of this rule);
* ``geography.departement-contradicts-siren``: the export's département is
  not the official département of the organisation's SIREN.

>>> import pandas as pd
>>> official = pd.DataFrame({"kind": ["departement", "departement", "commune"], "code": ["05", "44", "05007"],
...     "siren": [None, None, "210500070"], "departement_code": ["05", "44", "05"], "region_code": ["93", "52", "93"]})
>>> orgs = pd.DataFrame({"siren": ["210500070"], "name": ["ARVIEUX"], "type": ["COM"],
...                      "departement_code": ["05"], "region_code": ["52"]})
>>> geography_findings(orgs, official)[["code", "siren", "field", "export", "official"]].values.tolist()
[['geography.region-contradicts-departement', '210500070', 'region_code', '52', '93']]
>>> official_geography(orgs, official)[["departement_official", "region_official", "geography"]].values.tolist()
[['05', '93', 'official']]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicstats.analysis import cited

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FINDING_COLUMNS", "first_code", "geography_findings", "official_geography", "official_sirens"]

FINDING_COLUMNS = ["code", "siren", "name", "type", "field", "export", "official"]
#: Organisation types the official data list by SIREN (communes, EPCI à fiscalité propre, EPT).
BY_SIREN = ("COM", "MET", "CU", "CA", "CC", "EPT")


def first_code(codes: pd.Series) -> pd.Series:
    """The first of a list of codes (``"37;41"`` → ``"37"``); blank stays missing."""
    first = codes.astype("string").str.split(";").str[0].str.strip()
    return first.mask(first == "")


def official_sirens(organisations: pd.DataFrame, official: pd.DataFrame) -> pd.DataFrame:
    """Each organisation's SIREN in the official data (``siren``), and how it was found (``matched_by``).

    ``siren``; ``successor``: a commune whose SIREN is gone, matched to the commune of the INSEE code its SIREN
    embeds (digits 3–4 and 6–8) or holding that code in its ``former_codes``, unless that commune is listed itself.

    >>> import pandas as pd
    >>> official = pd.DataFrame({"kind": ["commune"] * 2, "code": ["78551", "44005"],
    ...                          "siren": ["200086924", "200058121"], "former_codes": [None, "44040;44140"]})
    >>> orgs = pd.DataFrame({"siren": ["217805514", "214400400", "245900410"], "type": ["COM", "COM", "MET"]})
    >>> official_sirens(orgs, official).values.tolist()
    [['200086924', 'successor'], ['200058121', 'successor'], [<NA>, '']]
    """
    import pandas as pd

    siren = organisations["siren"].astype("string").reset_index(drop=True)
    listed = siren.isin(set(official["siren"].dropna().astype(str).tolist()))
    communes = official[official["kind"].astype(str) == "commune"].drop_duplicates("code")
    by_code = communes.set_index(communes["code"].astype(str))["siren"].astype("string")
    if "former_codes" in communes:
        merged = communes.dropna(subset=["former_codes"])  # the others have no former code to explode
        merged = merged.assign(former=merged["former_codes"].astype("string").str.split(";")).explode("former")
        by_code = pd.concat([by_code, merged.set_index("former")["siren"].astype("string")])
        by_code = by_code[~by_code.index.duplicated()]  # a current code first
    old = ~listed & siren.str.fullmatch(r"21\d{7}").fillna(False).to_numpy() \
        & (organisations["type"].astype(str) == "COM").to_numpy()
    successor = (siren.str[2:4] + siren.str[5:8]).map(by_code).where(old)
    successor = successor.where(~successor.isin(set(siren.dropna())))  # listed itself: the same commune twice
    found = siren.where(listed, successor)
    how = listed.map({True: "siren", False: ""}).where(listed | successor.isna(), "successor").astype("object")
    return pd.DataFrame({"siren": found, "matched_by": how})


def _region_of_departement(official: pd.DataFrame) -> pd.Series:
    deps = official[official["kind"].astype(str) == "departement"]
    return deps.set_index(deps["code"].astype(str))["region_code"].astype("string")


def official_geography(organisations: pd.DataFrame, official: pd.DataFrame) -> pd.DataFrame:
    """``organisations`` with ``departement_official``, ``region_official`` and ``geography`` (whose codes)."""
    import pandas as pd

    out = organisations.copy()
    by_siren = official.dropna(subset=["siren"]).drop_duplicates("siren").set_index("siren")
    region_of = _region_of_departement(official)
    regions = set(official.loc[official["kind"].astype(str) == "region", "code"].astype(str))
    siren = official_sirens(out, official)["siren"].set_axis(out.index)
    listed = out["type"].astype(str).isin(BY_SIREN) & siren.isin(by_siren.index)
    dep = pd.Series(pd.NA, index=out.index, dtype="string")
    reg = pd.Series(pd.NA, index=out.index, dtype="string")
    dep[listed] = by_siren.loc[siren[listed], "departement_code"].astype("string").to_numpy()
    reg[listed] = by_siren.loc[siren[listed], "region_code"].astype("string").to_numpy()
    export_dep = first_code(out["departement_code"])
    is_dep = (out["type"].astype(str) == "DEP") & export_dep.isin(region_of.index)
    dep[is_dep] = export_dep[is_dep]
    reg[is_dep] = region_of.reindex(export_dep[is_dep]).to_numpy()
    is_reg = (out["type"].astype(str) == "REG") & out["region_code"].astype("string").isin(regions)
    reg[is_reg] = out.loc[is_reg, "region_code"].astype("string")
    official_rows = listed | is_dep | is_reg
    out["departement_official"] = dep.where(official_rows, export_dep)
    # overseas collectivities (988...) have no région: the official data give their own code
    # without an official match, the région of the export's département (official, by code), else the export's
    own = region_of.reindex(export_dep).set_axis(out.index).fillna(out["region_code"].astype("string"))
    out["region_official"] = reg.where(official_rows, own).where(lambda r: r.str.len() == 2)
    out["geography"] = pd.Categorical(official_rows.map({True: "official", False: "export"}),
                                      categories=["official", "export"])
    return cited(out, organisations, official)


def geography_findings(organisations: pd.DataFrame, official: pd.DataFrame) -> pd.DataFrame:
    """Every contradiction between the export's codes and the official geography, one row each."""
    import pandas as pd

    region_of = _region_of_departement(official)
    by_siren = official.dropna(subset=["siren"]).drop_duplicates("siren").set_index("siren")
    rows = []
    for org in organisations.itertuples(index=False):
        listed = getattr(org, "departement_codes", org.departement_code)  # every one the export gives, primary first
        deps = [] if pd.isna(listed) else [c.strip() for c in str(listed).split(";")]
        region = None if pd.isna(org.region_code) else str(org.region_code)
        expected = region_of.get(deps[0]) if deps else None
        # overseas collectivities (New Caledonia, 988...) have no région: the official data give their own code
        if expected is not None and len(str(expected)) == 2 and region != expected:
            rows.append(("geography.region-contradicts-departement", org.siren, org.name, str(org.type),
                         "region_code", region, expected))
        if str(org.type) in BY_SIREN and org.siren in by_siren.index:
            official_dep = str(by_siren.at[org.siren, "departement_code"])
            if deps and official_dep not in deps:
                rows.append(("geography.departement-contradicts-siren", org.siren, org.name, str(org.type),
                             "departement_code", str(org.departement_code), official_dep))
    return cited(pd.DataFrame(rows, columns=FINDING_COLUMNS), organisations, official)
