"""Where open data is: the observatory's organisations joined to the official populations.

Pure functions (frames in, codes and numbers out) on ``open_data_organisations``, ``official_populations`` and
``commune_bands`` (INSEE 2022, @etalab/decoupage-administratif 2.3.1).

**The universe is an upper bound.** The law (CRPA L312-1-1 and D312-1-1-1)
concerns collectivities of at least 3,500 inhabitants *and* at least 50 agents
(FTE). No public per-commune file gives the agents, so :func:`law_universe`
keeps every collectivity of 3,500 inhabitants or more: more than the law
concerns. Shares computed against it are *lower* bounds of the true shares. Both are approximate:
populations *municipales*; the law reads the (higher) *totale*, so those of :data:`NEAR_THRESHOLD`+ may count.

>>> from civicstats.tables import load
>>> joined = join_populations(load("open_data_organisations"), load("official_populations"))
>>> int((joined["reason"] == "").sum()) + int((joined["reason"] != "").sum()) == len(joined)
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicstats.analysis import cited
from civicstats.geography import first_code, official_sirens

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["THRESHOLD", "NEAR_THRESHOLD", "OVERSEAS_COLLECTIVITIES", "UNIVERSE_ZONES", "BANDS", "REASONS", "KIND_OF_TYPE",
           "JOINED_COLUMNS", "join_populations", "unmatched", "reasons", "band_of", "law_universe",
           "national_headline", "commune_coverage", "band_coverage", "organisations_by_departement",
           "organisations_by_region", "overseas", "channels", "technologies", "platform_technologies"]

#: The law's population threshold (CRPA L312-1-1).
THRESHOLD = 3500
#: Populations municipales from here up to the threshold may reach it in population totale, which the law reads.
NEAR_THRESHOLD = 3400
#: Overseas collectivities (COM) and other territories that are neither département nor région.
OVERSEAS_COLLECTIVITIES = ("975", "977", "978", "984", "986", "987", "988", "989")
#: Zones of the official data whose collectivities the universe counts (COM left out: see OVERSEAS_COLLECTIVITIES).
UNIVERSE_ZONES = ("metro", "drom")
#: Population bands of communes (codes of ``commune_bands``), smallest first.
BANDS = ("under_3500", "3500_9999", "10k_19999", "20k_49999", "50k_99999", "100k_plus")
#: Why an organisation has no official population (``reason``; words: ``reason_<code>`` in the catalog).
REASONS = (
    "associated_body",            # not a local authority (AGCT, OACT, DSPT, SDE): no official population
    "ept",                        # établissement public territorial: not an EPCI à fiscalité propre (DGCL)
    "overseas_collectivity",      # Nouvelle-Calédonie, Polynésie française…: not in the INSEE populations used
    "small_commune_not_shipped",  # commune under 3,500 inhabitants not in the shipped population table
    "unknown_siren",              # SIREN (or code) not in the official data of 2022
)
#: Organisation type → kind of the official data it is joined to.
KIND_OF_TYPE = {"COM": "commune", "MET": "epci", "CU": "epci", "CA": "epci", "CC": "epci",
                "DEP": "departement", "REG": "region"}
JOINED_COLUMNS = ["siren", "name", "type", "level", "matched_by", "official_code", "reason", "official_population",
                  "population_export", "departement_code", "region_code", "zone", "concerned_upper_bound", "export_population_3500"]


def join_populations(organisations: pd.DataFrame, populations: pd.DataFrame) -> pd.DataFrame:
    """Every organisation with its official 2022 population, or the reason it has none: one row per organisation.

    ``organisations``: ``cs.load("open_data_organisations")`` (or an export's); ``populations``:
    ``cs.load("official_populations")``. Communes and EPCI are matched by SIREN (or a merged commune's successor:
    :func:`~civicstats.geography.official_sirens`), départements and régions by INSEE code. Columns
    (:data:`JOINED_COLUMNS`): ``matched_by`` (``siren``, ``successor``, ``code`` or ``""``), ``official_code``
    (the official row's code), ``reason`` (a key of :data:`REASONS`, ``""`` when matched), ``official_population``
    (Int64), the official ``departement_code``, ``region_code`` and ``zone``, ``concerned_upper_bound`` (in :func:`law_universe`: 3,500+ inhabitants),
    ``export_population_3500`` (no official population, 3,500+ by the export's own). No row is dropped. The
    export's own ``population_export`` (optional; wrong for Paris, 27,501) stays beside the official one and is
    read only where there is none.

    >>> import civicstats as cs
    >>> joined = cs.join_populations(cs.load("open_data_organisations"), cs.load("official_populations"))
    >>> joined.set_index("name").loc[["PARIS", "MARSEILLE"], "official_population"].tolist()
    [2145906, 870321]
    """
    import numpy as np
    import pandas as pd

    orgs = organisations.reset_index(drop=True)
    own_population = pd.to_numeric(orgs.get("population_export", pd.Series(pd.NA, index=orgs.index)), errors="coerce")
    type_ = orgs["type"].astype(str)
    kind = type_.map(KIND_OF_TYPE)
    dep = first_code(orgs["departement_code"]).fillna("").astype(str)
    reg = orgs["region_code"].astype("object").fillna("").astype(str)
    by_siren = kind.isin(["commune", "epci"])
    sirens = official_sirens(orgs, populations)
    key = np.where(by_siren, sirens["siren"].astype("object").fillna(""),
                   np.where(kind == "departement", dep, np.where(kind == "region", reg, "")))
    pops = populations.assign(kind=populations["kind"].astype(str))
    pops = pops.assign(_key=np.where(pops["kind"].isin(["commune", "epci"]), pops["siren"].astype("object").fillna(""),
                                     pops["code"].astype(str)))
    lookup = pops[["kind", "_key", "code", "population", "departement_code", "region_code", "zone"]]
    lookup = lookup[lookup["_key"] != ""].drop_duplicates(["kind", "_key"])
    found = pd.DataFrame({"kind": kind.fillna("-"), "_key": key}).merge(lookup, on=["kind", "_key"], how="left",
                                                                      indicator=True, validate="many_to_one")
    matched = (found["_merge"] == "both").to_numpy()
    # the shipped official table lists every small commune of the shipped export still in the 2022 data
    derived_for = organisations.attrs.get("origin") == "shipped"
    small = (kind == "commune") & own_population.lt(THRESHOLD).fillna(False)
    reason = np.select(
        [matched, type_.eq("EPT"), kind.isna(), dep.isin(OVERSEAS_COLLECTIVITIES), small & (not derived_for)],
        ["", "ept", "associated_body", "overseas_collectivity", "small_commune_not_shipped"], default="unknown_siren")
    own_dep = dep.where(dep != "", None)
    out = orgs[["siren", "name", "type", "level"]].copy()
    out["matched_by"] = np.where(matched, np.where(by_siren, sirens["matched_by"], "code"), "")
    out["official_code"] = found["code"].astype("string").where(matched)
    out["reason"] = reason
    out["official_population"] = pd.array(found["population"].where(matched), dtype="Int64")
    out["population_export"] = pd.array(own_population, dtype="Int64")
    out["departement_code"] = pd.Series(np.where(matched & (kind != "region").to_numpy(),
                                                 found["departement_code"].astype("object"), own_dep)).astype("string")
    out["region_code"] = pd.Series(np.where(matched, found["region_code"].astype("object"),
                                            reg.where(reg != "", None))).astype("string")
    out["zone"] = found["zone"].astype("object").where(matched, "").fillna("").astype(str)
    out["concerned_upper_bound"] = (out["official_population"].ge(THRESHOLD).fillna(False)
                                    & out["zone"].isin(UNIVERSE_ZONES)).astype(bool)
    out["export_population_3500"] = (np.isin(reason, ["ept", "unknown_siren"])
                                     & own_population.ge(THRESHOLD).fillna(False))
    return cited(out[JOINED_COLUMNS], organisations, populations)


def unmatched(joined: pd.DataFrame) -> pd.DataFrame:
    """The organisations without an official population, with their reason (none dropped silently)."""
    return cited(joined[joined["reason"] != ""].reset_index(drop=True), joined)


def reasons(joined: pd.DataFrame) -> pd.DataFrame:
    """How many organisations per reason for not matching (``""``: matched), in :data:`REASONS` order."""
    import pandas as pd

    counts = joined["reason"].value_counts()
    keys = [""] + [r for r in REASONS if r in counts.index]
    return cited(pd.DataFrame({"reason": keys, "count": [int(counts.get(k, 0)) for k in keys]}), joined)


def band_of(population: pd.Series) -> pd.Series:
    """The band code (:data:`BANDS`) of each population; missing stays missing.

    >>> import pandas as pd
    >>> band_of(pd.Series([3499, 3500, 250000, None], dtype="Int64")).tolist()
    ['under_3500', '3500_9999', '100k_plus', nan]
    """
    import pandas as pd

    edges = [0, THRESHOLD, 10_000, 20_000, 50_000, 100_000, float("inf")]
    values = pd.to_numeric(population, errors="coerce").astype("float64")
    return pd.cut(values, edges, right=False, labels=list(BANDS)).astype("object")


def law_universe(populations: pd.DataFrame, threshold: int = THRESHOLD) -> pd.DataFrame:
    """Collectivities of at least ``threshold`` inhabitants: an UPPER BOUND of those the law concerns.

    ``populations``: ``cs.load("official_populations")``. Communes, EPCI, départements and régions of metropolitan
    France and the overseas départements/régions (zones :data:`UNIVERSE_ZONES`) whose 2022 population is at least
    ``threshold``. The 50-agent criterion is in no public per-collectivity file, so some of these are not
    concerned: a share computed against this universe is a lower bound. One row per collectivity. Columns:
    kind, code, siren, departement_code, region_code, population, band (:data:`BANDS`).

    >>> import civicstats as cs
    >>> cs.law_universe(cs.load("official_populations")).groupby("kind").size().to_dict()
    {'region': 18, 'departement': 101, 'epci': 1255, 'commune': 3183}
    """
    pops = populations[populations["zone"].astype(str).isin(UNIVERSE_ZONES)]
    pops = pops[pops["population"].ge(threshold).fillna(False)]
    out = pops[["kind", "code", "siren", "departement_code", "region_code", "population"]].copy()
    out["kind"] = out["kind"].astype(str)
    out["band"] = band_of(out["population"])
    return cited(out.reset_index(drop=True), populations)


def national_headline(joined: pd.DataFrame, universe: pd.DataFrame) -> pd.DataFrame:
    """The observatory's headline recomputed from its own rows, by kind and in all.

    ``publishing``: organisations of the export in the universe; ``concerned_upper_bound``: the universe;
    ``share_pct``: a LOWER bound of the true share (computed, not published); ``export_population_3500``: 3,500+
    by the export's own population only (outside the official universe, so not in the share).
    """
    import pandas as pd

    kinds = ["region", "departement", "epci", "commune"]
    inside = joined[joined["concerned_upper_bound"]]
    kind = inside["type"].astype(str).map(KIND_OF_TYPE)
    by_export = joined.loc[joined["export_population_3500"], "type"].astype(str).map(KIND_OF_TYPE)
    rows = []
    for k in [*kinds, "all"]:
        pub = int(len(inside)) if k == "all" else int((kind == k).sum())
        uni = int(len(universe)) if k == "all" else int((universe["kind"] == k).sum())
        rows.append({"kind": k, "publishing": pub, "concerned_upper_bound": uni,
                     "share_pct": round(100 * pub / uni, 1) if uni else float("nan"),
                     "export_population_3500": len(by_export) if k == "all" else int((by_export == k).sum())})
    return cited(pd.DataFrame(rows), joined, universe)


def commune_coverage(joined: pd.DataFrame, universe: pd.DataFrame, by: str = "departement_code") -> pd.DataFrame:
    """Communes of 3,500+ inhabitants that publish, per ``by`` (``departement_code``, ``region_code`` or ``band``).

    ``joined``: :func:`join_populations`; ``universe``: :func:`law_universe`. Columns: ``by``,
    ``communes_concerned`` (an upper bound: the universe's communes), ``communes_publishing`` (those the export
    lists, official population 3,500+), ``share_pct`` (percent, a lower bound of the true share).

    >>> import civicstats as cs
    >>> pops = cs.load("official_populations")
    >>> joined = cs.join_populations(cs.load("open_data_organisations"), pops)
    >>> cs.commune_coverage(joined, cs.law_universe(pops), by="band")["band"].tolist()
    ['3500_9999', '10k_19999', '20k_49999', '50k_99999', '100k_plus']
    """
    concerned = universe[universe["kind"] == "commune"]
    publishing = joined[joined["concerned_upper_bound"] & (joined["type"].astype(str) == "COM")]
    if by == "band":
        publishing = publishing.assign(band=band_of(publishing["official_population"]))
    left = concerned.groupby(by, observed=True).size().rename("communes_concerned")
    right = publishing.groupby(by, observed=True).size().rename("communes_publishing")
    out = left.to_frame().join(right, how="outer").fillna(0).astype("int64").reset_index()
    if by == "band":
        out = out.set_index("band").reindex([b for b in BANDS if b in set(out["band"])]).reset_index()
    out["share_pct"] = (100 * out["communes_publishing"] / out["communes_concerned"]).round(1)
    return cited(out, joined, universe)


def band_coverage(joined: pd.DataFrame, bands: pd.DataFrame) -> pd.DataFrame:
    """Communes of every size that publish, per population band (all 2022 communes from ``commune_bands``).

    Columns: band, communes, communes_publishing, share_pct. Communes under
    3,500 inhabitants are not concerned by the law, and counted all the same.
    """
    import pandas as pd

    totals = bands.assign(band=bands["band"].astype(str))
    totals = totals[totals["zone"].astype(str).isin(UNIVERSE_ZONES)].groupby("band")["communes"].sum()
    com = joined[(joined["type"].astype(str) == "COM") & (joined["matched_by"] == "siren")
                 & joined["zone"].isin(UNIVERSE_ZONES)]
    publishing = band_of(com["official_population"]).value_counts()
    rows = [{"band": b, "communes": int(totals.get(b, 0)), "communes_publishing": int(publishing.get(b, 0))}
            for b in BANDS]
    out = pd.DataFrame(rows)
    out["share_pct"] = (100 * out["communes_publishing"] / out["communes"].where(out["communes"] > 0)).round(2)
    return cited(out, joined, bands)


def organisations_by_departement(organisations: pd.DataFrame, *, local_authorities_only: bool = True,
                                 column: str = "departement_code") -> pd.DataFrame:
    """Organisations per département, each counted once: under its primary (first) code.

    ``organisations``: ``cs.load("open_data_organisations")``, or :func:`civicstats.official_geography`'s output
    with ``column="departement_official"`` (the official codes). An organisation over two départements (``77;91``
    in ``departement_codes``) counts once, under the first; one with no code counts under ``""`` (no row
    dropped). ``local_authorities_only`` leaves associated bodies out. Columns: departement_code, organisations.

    >>> import pandas as pd
    >>> orgs = pd.DataFrame({"level": ["commune", "epci", "epci", "associated_body"],
    ...                      "departement_code": ["35", "77;91", None, "29"]})
    >>> organisations_by_departement(orgs).values.tolist()
    [['', 1], ['35', 1], ['77', 1]]
    """
    orgs = organisations
    if local_authorities_only:
        orgs = orgs[orgs["level"].astype(str) != "associated_body"]
    codes = first_code(orgs[column]).fillna("").astype(str)
    out = codes.value_counts().rename_axis("departement_code").rename("organisations").reset_index()
    return cited(out.sort_values("departement_code", kind="stable").reset_index(drop=True), organisations)


def organisations_by_region(organisations: pd.DataFrame, *, local_authorities_only: bool = True,
                            column: str = "region_code") -> pd.DataFrame:
    """Organisations per région code of ``column`` (``region_official``: official codes; blank: missing),
    largest first. Columns: region_code, organisations."""
    orgs = organisations
    if local_authorities_only:
        orgs = orgs[orgs["level"].astype(str) != "associated_body"]
    out = orgs[column].astype("object").fillna("").value_counts().rename_axis("region_code")
    out = out.rename("organisations").reset_index()
    out = out.sort_values(["organisations", "region_code"], ascending=[False, True], kind="stable")
    return cited(out.reset_index(drop=True), organisations)


def overseas(organisations: pd.DataFrame) -> pd.DataFrame:
    """Organisations outside metropolitan France (no outline on the maps): codes 97x/98x, or région code below 11."""
    dep = first_code(organisations["departement_code"]).fillna("")
    reg = organisations["region_code"].astype("object").fillna("")
    mask = dep.str.match(r"^9[78]\d$") | reg.isin(["01", "02", "03", "04", "06"])
    return cited(organisations[mask.to_numpy()].reset_index(drop=True), organisations)


def channels(organisations: pd.DataFrame) -> pd.DataFrame:
    """Organisations per publishing channel, local authorities and associated bodies apart.

    Columns: group (``local_authority``/``associated_body``), channel (``unknown`` where the export
    does not say), organisations.
    """
    import pandas as pd

    group = organisations["level"].astype(str).eq("associated_body").map({True: "associated_body",
                                                                         False: "local_authority"})
    channel = organisations["channel"].astype("object").fillna("unknown")  # blank: the export does not say
    out = pd.crosstab(group, channel)
    order = [c for c in ("local_portal", "both", "datagouv", "unknown") if c in out.columns]
    out = out[order].stack().rename("organisations").reset_index()
    out.columns = ["group", "channel", "organisations"]
    return cited(out, organisations)


def technologies(organisations: pd.DataFrame) -> pd.DataFrame:
    """Organisations per portal software (an organisation on two programs counts for each), largest first.

    Spellings differing only by case (``ArcGis``/``ArcGIS``) are one program,
    named by its most frequent spelling. Columns: technology, organisations.
    """
    counts = organisations.assign(_k=organisations["technology"].fillna("").astype(str).str.split(", ")) \
        .explode("_k")
    counts = counts[counts["_k"].str.strip() != ""]
    per = counts.groupby(counts["_k"].str.casefold())["siren"].nunique()
    return cited(_by_spelling(counts["_k"], per, "organisations"), organisations)


def _by_spelling(names: pd.Series, per: pd.Series, column: str) -> pd.DataFrame:
    """``per`` (counts by case-folded name) named by each name's most frequent spelling, largest first."""
    import pandas as pd

    spelled = names.groupby(names.str.casefold()).agg(lambda s: s.value_counts().index[0])
    out = pd.DataFrame({"technology": [spelled[k] for k in per.index], column: per.to_numpy()})
    return out.sort_values([column, "technology"], ascending=[False, True], kind="stable").reset_index(drop=True)


def platform_technologies(platforms: pd.DataFrame) -> pd.DataFrame:
    """Publishing platforms per software, from the observatory's platforms file (columns Nom, Techno).

    Columns: technology, platforms (case variants merged as in :func:`technologies`); ``attrs["as_of"]``: the
    file's latest ``Last Modified`` day (ISO), the date it describes, or None.
    """
    import pandas as pd

    techno = platforms["Techno"].fillna("").astype(str).str.strip()
    techno = techno[techno != ""]
    out = _by_spelling(techno, techno.str.casefold().value_counts(), "platforms")
    days = pd.to_datetime(platforms.get("Last Modified", pd.Series(dtype=str)).str.split().str[0], errors="coerce",
                          format="%d/%m/%Y")  # written 10/10/2021 4:39pm, day first
    out.attrs["as_of"] = None if days.isna().all() else days.max().date().isoformat()
    return cited(out, platforms)
