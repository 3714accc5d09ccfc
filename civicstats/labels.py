"""Words for codes and fixed texts, in English and French.

One place that turns codes (levels, categories, criteria, chart and report
texts) into words, below both analysis and charts.

>>> label("levels", "departement", "fr")
'Départements'
>>> text("sources", "fr")
'Sources'
"""

from __future__ import annotations

from functools import cache

from civicstats.format import NBSP, check_lang

__all__ = ["TEXTS", "LABEL_TABLES", "text", "label"]

#: Fixed texts of the charts, by language.
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "source": "Source", "sources": "Sources", "colon": ":", "semicolon": "; ",
        "adoption_title": "Collectivities using civic tech, by level ({waves})",
        "adoption_units": "Number of collectivities using at least one digital participation tool (open data excluded)",
        "wave": "Survey wave", "as_of": "As of",
        "shares_title": "Share of collectivities using civic tech, by level ({waves})",
        "shares_title_open": "Share of collectivities opening their data ({waves})",
        "shares_units": "% of the collectivities of each level; denominator: {denominator}",
        "no_universe": "no universe (count {count})",
        "count_of": "{count} of {universe}",
        "note_prefix": "*" + NBSP + "{level}: {note}",
        "den_official": "official count of collectivities of this level (collectivity_universe)",
        "den_survey": "the survey's own (universe column, older data)",
        "den_law": "collectivities concerned by the open-data obligation (concerned column)",
        "gap_title": "The survey's levels add up to {sum}, not the published {published} ({as_of})",
        "gap_units": "Number of collectivities using digital participation tools (open data excluded)",
        "sum_of_levels": "Sum of the {n} levels",
        "published_total": "Published total",
        "gap_missing": "gap of {gap}: no source explains it",
        "gap_excess": "the levels exceed the total by {gap}",
        "gap_none": "no gap",
        "waves_title": "Collectivities opening their data, every published figure",
        "waves_units": "Number of collectivities; dates known only to the year are drawn at mid-year",
        "with_open_data": "With open data",
        "concerned": "Concerned by the open-data law",
        "year_only": "Date known only to the year",
        "by_level_title": "Collectivities opening their data, by level ({as_of})",
        "by_level_units": "Number of collectivities with open data",
        "share_only": "{share} of the level (share only, no count)",
        "epci_types": "EPCI by type",
        "levels_panel": "By level",
        "types_sum": "The types add up to {sum}; EPCI published: {epci}",
        "budgets_title": "Participatory budgets per year, as counted by each source",
        "budgets_units": ("Number of local authorities running a participatory budget (logarithmic scale); each "
                          "source counts its own unit"),
        "counted_as": "Counted as",
        "unit_communes": "communes", "unit_villes": "towns (villes)", "unit_collectivites": "local authorities (collectivités)",
        "tools_title": "Civic-tech categories and example tools",
        "tools_units": ("Number of example tools named in public sources: examples, not the guide's own "
                        "inventory (its list was not found)"),
        "no_example": "no example in the sources",
        "audit_title": "Where the published figures disagree",
        "audit_units": ("Observed figure (computed or competing) against the expected one (published), "
                        "% difference; under each finding: expected → observed (sources)"),
        "audit_xlabel": "Difference from the expected figure",
        "selection_title": "Candidate tools ranked by the selection aid",
        "selection_units": ("Score: weighted mean of the collectivity's ratings (0–5); segments: each "
                            "question's contribution (weight share × rating)"),
        "excluded": "excluded: fails {reasons}",
        "differs": "category differs from the objective",
        "ineligible": "Excluded (fails a watch point)",
        # audit finding labels
        "f_survey_total": "Survey total {as_of}: published vs levels",
        "f_published_sum": "{measure} {as_of}: published vs levels",
        "f_detail_vs_total": "{level} {as_of}: published vs detail",
        "f_conflict_budgets": "Participatory budgets {as_of}: two counts",
        "f_conflict_figures": "{measure} {as_of}: two figures",
        "f_conflict_law": "Concerned by the law {as_of}: two counts",
        "f_published_share": "Open-data share {as_of}: published vs computed",
        "f_universe": "{level}: survey vs official universe",
        "m_civictech_users_total": "Civic-tech users",
        "m_civictech_metropoles_and_large_cities": "Metropolises and large cities",
        "m_civictech_tools_inventoried": "Tools inventoried",
        "m_civictech_tools_with_local_authority_offer": "Tools with a local-authority offer",
        "m_participatory_budget_population": "Population with a participatory budget",
        # --- table headers for readers (civicstats.display): "col_<column>"
        "yes": "yes", "no": "no",
        "col_as_of": "As of", "col_level": "Level", "col_count": "Count", "col_universe": "Out of",
        "col_share": "Share", "col_share_pct": "Published share", "col_source": "Sources", "col_sources": "Sources",
        "col_note": "Note", "col_denominator": "Denominator", "col_year": "Year", "col_unit": "Unit",
        "col_concerned": "Concerned by the law", "col_measure": "Figure", "col_value": "Value",
        "col_category": "Category", "col_tool": "Tool", "col_message": "Finding", "col_expected": "Expected",
        "col_observed": "Observed", "col_consistent": "Consistent", "col_check": "Check", "col_dataset": "Table",
        "col_title": "Title", "col_publisher": "Publisher", "col_date": "Date", "col_url": "Link",
        "col_id": "Id", "col_score": "Score", "col_rank": "Rank",
        # --- orgs: notebook 06 "Where is open data?" and its maps (area orgs)
        "orgs_map_grey": "Grey: no organisation.",
        "orgs_map_overseas": "Not on the map (no outline): {n} organisations overseas, listed in the notebook.",
        "orgs_map_count_title": "Local authorities publishing open data, by département",
        "orgs_map_count_units": "Number of local authorities in the OpenDataFrance observatory export (an organisation over two départements counts in both)",
        "orgs_map_count_legend": "local authorities",
        "orgs_map_count_grey": "Grey: no local authority in the export.",
        "orgs_map_share_grey": "Grey: no commune of 3,500 inhabitants or more.",
        "orgs_map_share_title": "Communes of 3,500+ inhabitants that publish open data, by département",
        "orgs_map_share_units": "Share of communes of 3,500 inhabitants or more, in % — an upper bound of those the law concerns (the 50-agent criterion is unknown), so a lower bound of the share",
        "orgs_map_share_legend": "% of communes of 3,500+",
        "orgs_region_title": "Local authorities publishing open data, by région",
        "orgs_region_units": "Number of local authorities in the observatory export",
        "orgs_band_title": "Communes publishing open data, by population",
        "orgs_band_units": "Share of all communes of each band, in %; bands of 3,500+ are an upper bound of those the law concerns",
        "orgs_channel_title": "Where organisations publish",
        "orgs_channel_units": "Number of organisations by publishing channel",
        "orgs_tech_title": "Portal software of the observatory's platforms",
        "orgs_tech_units": "Number of publishing platforms (observatory platforms file)",
        "orgs_no_region": "no région (NC, PF, blank)",
        "region_01": "Guadeloupe", "region_02": "Martinique", "region_03": "French Guiana", "region_04": "La Réunion",
        "region_06": "Mayotte",
        "band_under_3500": "under 3,500", "band_3500_9999": "3,500–9,999", "band_10k_19999": "10,000–19,999",
        "band_20k_49999": "20,000–49,999", "band_50k_99999": "50,000–99,999", "band_100k_plus": "100,000 and more",
        "channel_local_portal": "local portal only", "channel_datagouv": "data.gouv.fr only", "channel_both": "both", "channel_unknown": "not said",
        "f_recomputed_headline": "Observatory {as_of}: published / its rows",
        "group_local_authority": "local authorities", "group_associated_body": "associated bodies",
        "kind_region": "régions", "kind_departement": "départements", "kind_epci": "EPCI", "kind_commune": "communes", "kind_all": "all",
        "reason_": "matched", "reason_associated_body": "not a local authority", "reason_ept": "EPT (not an EPCI)",
        "reason_overseas_collectivity": "overseas collectivity", "reason_small_commune_not_shipped": "small commune, not in the shipped table",
        "reason_unknown_siren": "SIREN not in the 2022 official data",
        "orgs_count": "The export of {as_of} lists {n} organisations: {local} local authorities and {bodies} associated bodies.",
        "orgs_unmatched": "{n} organisations have no official population; each is listed below with the reason.",
        "orgs_universe": "At most {n} collectivities are concerned by the law (an upper bound: every commune, EPCI, département and région of 3,500 inhabitants or more; the 50-agent criterion is in no public file).",
        "orgs_headline": "The observatory published {published} collectivities, about {share} of about {concerned} concerned. Its own export lists {local} local authorities; {inside} of them have 3,500 inhabitants or more: at least {recomputed} of at most {universe} concerned (an upper bound).",
        "orgs_overseas": "{n} organisations are overseas, where the maps have no outline:",
        "col_siren": "SIREN", "col_name": "Name", "col_type": "Type", "col_reason": "Reason", "col_departement_code": "Département",
        "col_region_code": "Région", "col_organisations": "Organisations", "col_communes": "Communes",
        "col_communes_concerned": "Communes of 3,500+ (upper bound)", "col_communes_publishing": "Publishing",
        "col_concerned_upper_bound": "Concerned (upper bound)", "col_publishing": "Publishing", "col_kind": "Kind",
        "col_band": "Population", "col_channel": "Channel", "col_group": "Group", "col_technology": "Software",
        "col_platforms": "Platforms", "col_population": "Population", "col_official_population": "Official population",
    },
    "fr": {
        "source": "Source", "sources": "Sources", "colon": NBSP + ":", "semicolon": NBSP + "; ",
        "adoption_title": "Collectivités utilisant la civic tech, par niveau ({waves})",
        "adoption_units": ("Nombre de collectivités utilisant au moins un outil numérique de participation "
                           "(open data exclu)"),
        "wave": "Vague d'enquête", "as_of": "Date",
        "shares_title": "Part des collectivités utilisant la civic tech, par niveau ({waves})",
        "shares_title_open": "Part des collectivités ouvrant leurs données ({waves})",
        "shares_units": "% des collectivités de chaque niveau ; dénominateur" + NBSP + ": {denominator}",
        "no_universe": "sans univers (effectif {count})",
        "count_of": "{count} sur {universe}",
        "note_prefix": "*" + NBSP + "{level} : « {note} »",
        "den_official": "effectif officiel des collectivités de ce niveau (collectivity_universe)",
        "den_survey": "celui de l'enquête (colonne universe, données plus anciennes)",
        "den_law": "collectivités concernées par l'obligation d'open data (colonne concerned)",
        "gap_title": "Somme des niveaux de l'enquête : {sum} ; total publié : {published} ({as_of})",
        "gap_units": "Nombre de collectivités utilisant des outils numériques de participation (open data exclu)",
        "sum_of_levels": "Somme des {n} niveaux",
        "published_total": "Total publié",
        "gap_missing": "écart de {gap}" + NBSP + ": aucune source ne l'explique",
        "gap_excess": "les niveaux dépassent le total de {gap}",
        "gap_none": "pas d'écart",
        "waves_title": "Collectivités ouvrant leurs données, tous les chiffres publiés",
        "waves_units": "Nombre de collectivités ; les dates connues à l'année près sont placées au milieu de l'année",
        "with_open_data": "Avec des données ouvertes",
        "concerned": "Concernées par l'obligation d'open data",
        "year_only": "Date connue à l'année près",
        "by_level_title": "Collectivités ouvrant leurs données, par niveau ({as_of})",
        "by_level_units": "Nombre de collectivités ayant ouvert des données",
        "share_only": "{share} du niveau (part seule, sans effectif)",
        "epci_types": "EPCI par type",
        "levels_panel": "Par niveau",
        "types_sum": "Les types totalisent {sum} ; EPCI publiés" + NBSP + ": {epci}",
        "budgets_title": "Budgets participatifs par an, selon chaque source",
        "budgets_units": ("Nombre de collectivités ayant un budget participatif (échelle logarithmique) ; "
                          "chaque source compte sa propre unité"),
        "counted_as": "Unité comptée",
        "unit_communes": "communes", "unit_villes": "villes", "unit_collectivites": "collectivités",
        "tools_title": "Catégories de civic tech et exemples d'outils",
        "tools_units": ("Nombre d'outils cités en exemple par des sources publiques : des exemples, pas "
                        "l'inventaire du guide (sa liste est introuvable)"),
        "no_example": "aucun exemple dans les sources",
        "audit_title": "Où les chiffres publiés divergent",
        "audit_units": ("Chiffre observé (calculé ou concurrent) face au chiffre attendu (publié), écart "
                        "en % ; sous chaque constat : attendu → observé (sources)"),
        "audit_xlabel": "Écart au chiffre attendu",
        "selection_title": "Outils candidats classés par l'aide au choix",
        "selection_units": ("Score : moyenne pondérée des notes de la collectivité (0 à 5) ; segments : "
                            "contribution de chaque question (part du poids × note)"),
        "excluded": "exclu" + NBSP + ": ne respecte pas {reasons}",
        "differs": "catégorie différente de l'objectif",
        "ineligible": "Exclu (point de vigilance non respecté)",
        "f_survey_total": "Total de l'enquête {as_of}" + NBSP + ": publié / niveaux",
        "f_published_sum": "{measure} {as_of}" + NBSP + ": publié / niveaux",
        "f_detail_vs_total": "{level} {as_of}" + NBSP + ": publié / détail",
        "f_conflict_budgets": "Budgets participatifs {as_of}" + NBSP + ": deux effectifs",
        "f_conflict_figures": "{measure} {as_of}" + NBSP + ": deux chiffres",
        "f_conflict_law": "Concernées par la loi {as_of}" + NBSP + ": deux effectifs",
        "f_published_share": "Part open data {as_of}" + NBSP + ": publiée / calculée",
        "f_universe": "{level}" + NBSP + ": univers de l'enquête / officiel",
        "m_civictech_users_total": "Utilisateurs de civic tech",
        "m_civictech_metropoles_and_large_cities": "Métropoles et grandes villes",
        "m_civictech_tools_inventoried": "Outils recensés",
        "m_civictech_tools_with_local_authority_offer": "Outils avec une offre pour les collectivités",
        "m_participatory_budget_population": "Population concernée par un budget participatif",
        # --- en-têtes de tableaux pour les lecteurs (civicstats.display) : "col_<colonne>"
        "yes": "oui", "no": "non",
        "col_as_of": "Date", "col_level": "Niveau", "col_count": "Effectif", "col_universe": "Sur",
        "col_share": "Part", "col_share_pct": "Part publiée", "col_source": "Sources", "col_sources": "Sources",
        "col_note": "Note", "col_denominator": "Dénominateur", "col_year": "Année", "col_unit": "Unité",
        "col_concerned": "Concernées par la loi", "col_measure": "Chiffre", "col_value": "Valeur",
        "col_category": "Catégorie", "col_tool": "Outil", "col_message": "Constat", "col_expected": "Attendu",
        "col_observed": "Observé", "col_consistent": "Cohérent", "col_check": "Contrôle", "col_dataset": "Table",
        "col_title": "Titre", "col_publisher": "Éditeur", "col_date": "Date", "col_url": "Lien",
        "col_id": "Identifiant", "col_score": "Score", "col_rank": "Rang",
        # --- orgs : carnet 06 « Où sont les données ouvertes ? » et ses cartes (domaine orgs)
        "orgs_map_grey": "En gris : aucune organisation.",
        "orgs_map_overseas": "Hors carte (pas de contour) : {n} organisations d'outre-mer, listées dans le carnet.",
        "orgs_map_count_title": "Collectivités publiant des données ouvertes, par département",
        "orgs_map_count_units": "Nombre de collectivités dans l'export de l'observatoire OpenDataFrance (une organisation sur deux départements compte dans les deux)",
        "orgs_map_count_legend": "collectivités",
        "orgs_map_count_grey": "En gris : aucune collectivité dans l'export.",
        "orgs_map_share_grey": "En gris : aucune commune de 3 500 habitants ou plus.",
        "orgs_map_share_title": "Communes de 3 500 habitants et plus publiant des données ouvertes, par département",
        "orgs_map_share_units": "Part des communes de 3 500 habitants ou plus, en % — majorant des communes concernées par la loi (le critère des 50 agents est inconnu), donc minorant de la part",
        "orgs_map_share_legend": "% des communes de 3 500 hab. et plus",
        "orgs_region_title": "Collectivités publiant des données ouvertes, par région",
        "orgs_region_units": "Nombre de collectivités dans l'export de l'observatoire",
        "orgs_band_title": "Communes publiant des données ouvertes, par population",
        "orgs_band_units": "Part de toutes les communes de chaque tranche, en % ; les tranches de 3 500 et plus majorent les communes concernées par la loi",
        "orgs_channel_title": "Où les organisations publient",
        "orgs_channel_units": "Nombre d'organisations par canal de publication",
        "orgs_tech_title": "Logiciels des plateformes de l'observatoire",
        "orgs_tech_units": "Nombre de plateformes de publication (fichier des plateformes de l'observatoire)",
        "orgs_no_region": "sans région (NC, PF, vide)",
        "region_01": "Guadeloupe", "region_02": "Martinique", "region_03": "Guyane", "region_04": "La Réunion",
        "region_06": "Mayotte",
        "band_under_3500": "moins de 3 500", "band_3500_9999": "3 500 à 9 999", "band_10k_19999": "10 000 à 19 999",
        "band_20k_49999": "20 000 à 49 999", "band_50k_99999": "50 000 à 99 999", "band_100k_plus": "100 000 et plus",
        "channel_local_portal": "portail local seul", "channel_datagouv": "data.gouv.fr seul", "channel_both": "les deux", "channel_unknown": "non précisé",
        "f_recomputed_headline": "Observatoire {as_of} : publié / ses lignes",
        "group_local_authority": "collectivités", "group_associated_body": "organismes associés",
        "kind_region": "régions", "kind_departement": "départements", "kind_epci": "EPCI", "kind_commune": "communes", "kind_all": "ensemble",
        "reason_": "rapprochée", "reason_associated_body": "pas une collectivité", "reason_ept": "EPT (pas un EPCI)",
        "reason_overseas_collectivity": "collectivité d'outre-mer", "reason_small_commune_not_shipped": "petite commune absente de la table livrée",
        "reason_unknown_siren": "SIREN absent des données officielles 2022",
        "orgs_count": "L'export du {as_of} liste {n} organisations : {local} collectivités et {bodies} organismes associés.",
        "orgs_unmatched": "{n} organisations n'ont pas de population officielle ; chacune est listée ci-dessous avec la raison.",
        "orgs_universe": "Au plus {n} collectivités sont concernées par la loi (un majorant : toutes les communes, EPCI, départements et régions de 3 500 habitants ou plus ; le critère des 50 agents ne figure dans aucun fichier public).",
        "orgs_headline": "L'observatoire a publié {published} collectivités, environ {share} d'environ {concerned} concernées. Son propre export liste {local} collectivités ; {inside} ont 3 500 habitants ou plus : au moins {recomputed} d'au plus {universe} concernées (un majorant).",
        "orgs_overseas": "{n} organisations sont en outre-mer, où les cartes n'ont pas de contour :",
        "col_siren": "SIREN", "col_name": "Nom", "col_type": "Type", "col_reason": "Raison", "col_departement_code": "Département",
        "col_region_code": "Région", "col_organisations": "Organisations", "col_communes": "Communes",
        "col_communes_concerned": "Communes de 3 500 hab. et plus (majorant)", "col_communes_publishing": "Publiant",
        "col_concerned_upper_bound": "Concernées (majorant)", "col_publishing": "Publiant", "col_kind": "Type",
        "col_band": "Population", "col_channel": "Canal", "col_group": "Groupe", "col_technology": "Logiciel",
        "col_platforms": "Plateformes", "col_population": "Population", "col_official_population": "Population officielle",
    },
}

# French typography: a no-break space before ";" and ":", inside « ».
TEXTS["fr"] = {k: v.replace(" ;", NBSP + ";").replace(" :", NBSP + ":").replace("« ", "«" + NBSP)
               .replace(" »", NBSP + "»") for k, v in TEXTS["fr"].items()}

#: Tables that carry English and French labels, and the column holding their codes.
LABEL_TABLES = {"levels": "level", "civictech_categories": "category", "selection_criteria": "id"}


def text(key: str, lang: str, **values: object) -> str:
    return TEXTS[check_lang(lang)][key].format(**values)


@cache
def _labels(table: str) -> dict[str, tuple[str, str]]:
    from civicstats.tables import load

    frame = load(table)
    key = LABEL_TABLES[table]
    return {str(k): (str(en), str(fr)) for k, en, fr in zip(frame[key], frame["label_en"], frame["label_fr"])}


def label(table: str, code: str, lang: str = "en") -> str:
    """The English or French label of ``code`` in ``table``.

    ``table`` is ``levels``, ``civictech_categories`` or ``selection_criteria``.

    >>> label("levels", "ville_5k_100k")
    'Towns of 5,000–100,000'
    >>> label("civictech_categories", "reporting", "fr")
    'Signalement'
    >>> label("selection_criteria", "target_public", "fr")
    'Public cible'
    >>> label("levels", "canton")
    Traceback (most recent call last):
    ValueError: no label for 'canton' in levels
    """
    check_lang(lang)
    if table not in LABEL_TABLES:
        raise ValueError(f"labels come from {', '.join(LABEL_TABLES)}, not {table!r}")
    labels = _labels(table)
    if str(code) not in labels:
        raise ValueError(f"no label for {str(code)!r} in {table}")
    return labels[str(code)][0 if lang == "en" else 1]


_text = text
