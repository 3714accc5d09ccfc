"""Are we concerned, and do we publish? One row per collectivity of the law's universe and per organisation.

The observatory's export lists only those that publish; the official data list every collectivity.
:func:`collectivities` joins them: the law's universe (an UPPER bound) and every organisation of the export.

>>> import pandas as pd
>>> pops = pd.DataFrame({"kind": ["region", "departement", "commune", "commune"],
...     "code": ["93", "05", "05007", "05061"],
...     "name": ["Provence-Alpes-Côte d'Azur", "Hautes-Alpes", "Arvieux", "Gap"],
...     "siren": [None, None, "210500070", "210500617"], "zone": ["metro"] * 4,
...     "departement_code": [None, "05", "05", "05"], "region_code": ["93"] * 4,
...     "population": [5_000_000, 140_000, 354, 40_000], "source": ["DA22"] * 4})
>>> orgs = pd.DataFrame({"siren": ["210500070"], "name": ["ARVIEUX"], "type": ["COM"], "level": ["commune"],
...     "region_code": ["52"], "departement_code": ["05"], "population_export": [361], "channel": ["datagouv"],
...     "portal_url": [None], "datagouv_url": ["https://www.data.gouv.fr/fr/organizations/arvieux/"],
...     "source": ["ODFX22"]})
>>> table = collectivities(organisations=orgs, populations=pops)
>>> table[["code", "departement_code", "region_code", "in_universe", "publishes"]].values.tolist()
[['93', <NA>, '93', True, False], ['05', '05', '93', True, False], ['05007', '05', '93', False, True], \
['05061', '05', '93', True, False]]
>>> table.loc[2, ["name", "region_name", "channel"]].tolist()
['Arvieux', "Provence-Alpes-Côte d'Azur", 'datagouv']
>>> unpublished(table, "kind")[["kind", "concerned_upper_bound", "not_listed"]].values.tolist()
[['region', 1, 1], ['departement', 1, 1], ['commune', 1, 1]]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicstats.analysis import cited
from civicstats.analysis.organisations import KIND_OF_TYPE, join_populations, law_universe
from civicstats.geography import official_geography

if TYPE_CHECKING:
    import pandas as pd

    from civicstats.tables import Source

__all__ = ["COLUMNS", "KINDS", "collectivities", "unpublished"]

#: Kinds of rows, in the table's order: local authorities, then the export's other bodies (``other``).
KINDS = ("region", "departement", "epci", "commune", "other")
COLUMNS = ["name", "kind", "type", "siren", "code", "departement_code", "departement_name", "region_code",
           "region_name", "population", "in_universe", "publishes", "channel", "portal_url", "datagouv_url", "source"]


def _official(populations: pd.DataFrame) -> pd.DataFrame:
    pops = populations.assign(kind=populations["kind"].astype(str))
    return pops.assign(key=pops["kind"] + ":" + pops["code"].astype(str))


def collectivities(source: Source = None, *, organisations: pd.DataFrame | None = None,
                   populations: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every collectivity of the universe and every organisation of the export: columns :data:`COLUMNS`.

    ``organisations`` and ``populations`` (the tables ``open_data_organisations`` and ``official_populations``)
    are loaded from ``source`` (as :func:`civicstats.load`) unless given. ``in_universe``: official population
    of 3,500 or more (an upper bound of the law's scope); ``publishes``: listed by the export. Names,
    départements and régions are the official ones where the official data know the organisation, else the
    export's. Rows in :data:`KINDS` order, then by name.
    """
    import pandas as pd

    if organisations is None or populations is None:
        from civicstats.tables import load

        organisations = load("open_data_organisations", source) if organisations is None else organisations
        populations = load("official_populations", source) if populations is None else populations
    pops = _official(populations)
    orgs = official_geography(organisations.reset_index(drop=True), populations)
    joined = join_populations(orgs, populations)
    kind = orgs["type"].astype(str).map(KIND_OF_TYPE)
    code = joined["official_code"]  # the official row's code (a merged commune's successor's): listed once
    key = kind + ":" + code
    names = pops.set_index("key")["name"]
    official_name = key.where(~key.duplicated(keep=False)).map(names)  # not for the 3 provinces of one code (988)
    listed = pd.DataFrame({
        "name": official_name.fillna(orgs["name"]), "kind": kind.fillna("other"), "type": orgs["type"],
        "siren": orgs["siren"], "code": code, "departement_code": orgs["departement_official"],
        "region_code": orgs["region_official"], "population": joined["official_population"],
        "in_universe": joined["concerned_upper_bound"], "publishes": True, "channel": orgs["channel"],
        "portal_url": orgs["portal_url"], "datagouv_url": orgs["datagouv_url"], "source": orgs["source"]})
    universe = _official(law_universe(populations))
    universe = universe[~universe["key"].isin(set(key.dropna()))]
    silent = pd.DataFrame({
        "name": universe["key"].map(names), "kind": universe["kind"],
        "type": pd.NA, "siren": universe["siren"], "code": universe["code"],
        "departement_code": universe["departement_code"], "region_code": universe["region_code"],
        "population": universe["population"], "in_universe": True, "publishes": False,
        "source": universe["key"].map(pops.set_index("key")["source"])})
    out = pd.concat([listed, silent.reindex(columns=listed.columns)], ignore_index=True)
    out["departement_name"] = ("departement:" + out["departement_code"].astype("string")).map(names)
    out["region_name"] = ("region:" + out["region_code"].astype("string")).map(names)
    out["kind"] = pd.Categorical(out["kind"], categories=list(KINDS), ordered=True)
    out = out.sort_values(["kind", "name", "code"], key=lambda s: s.str.casefold() if s.name == "name" else s,
                          kind="stable")
    for column in ("name", "type", "siren", "code", "departement_code", "departement_name", "region_code",
                   "region_name", "channel", "portal_url", "datagouv_url", "source"):
        out[column] = out[column].astype("string")
    out["population"] = out["population"].astype("Int64")
    out[["in_universe", "publishes"]] = out[["in_universe", "publishes"]].astype(bool)
    return cited(out[COLUMNS].reset_index(drop=True), organisations, populations)


def unpublished(table: pd.DataFrame, by: str = "kind") -> pd.DataFrame:
    """Collectivities of the universe the export does not list, per ``by`` (``kind``, ``region_code``…).

    Columns: ``by``, ``concerned_upper_bound`` (the universe), ``listed``, ``not_listed``. ``not_listed`` is an
    upper bound too: some of those the universe holds are not concerned (fewer than 50 agents).
    """
    inside = table[table["in_universe"]]
    out = inside.groupby(by, observed=True).agg(concerned_upper_bound=("publishes", "size"),
                                                listed=("publishes", "sum")).reset_index()
    out["not_listed"] = out["concerned_upper_bound"] - out["listed"]
    return cited(out.astype({"concerned_upper_bound": "int64", "listed": "int64", "not_listed": "int64"}), table)
