"""Words for codes and fixed texts, in English and French.

Size (over 500 lines): most of it is the EN and FR text tables themselves,
kept in one module on purpose so that every text has its twin beside it.

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

__all__ = ["TEXTS", "LABEL_TABLES", "text", "label", "subject_label", "finding_text", "reason_text", "share_line",
           "ids_text"]

#: Fixed texts of the charts, by language.
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "source": "Source", "sources": "Sources", "colon": ":", "semicolon": "; ",
        "adoption_title": "Collectivities using civic tech, by level ({waves})",
        "adoption_units": "Number of collectivities using at least one digital participation tool (open data excluded)",
        "wave": "Survey wave", "as_of": "As of",
        "shares_title": "Share of collectivities using civic tech, by level ({waves})",
        "shares_title_open": "Share of collectivities opening their data ({waves})",
        "shares_units": "% of the collectivities of each level; denominator: {denominator}; the universe's year beside each bar",
        "no_universe": "no universe (count {count})",
        "count_of": "{count} of {universe}",
        "note_prefix": "*" + NBSP + "{level}: {note}",
        "den_official": "official count of the same scope",
        "den_survey": "the survey's own (older data, LOC)",
        "den_law": "collectivities concerned by the open-data obligation",
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
        "audit_units": ("How far the observed figure (computed or competing) is from the expected one "
                        "(published): the gap between the ranges the two figures allow, in % of the expected "
                        "one, 0 when they are compatible (« about » read as ±5%); under each finding: "
                        "expected → observed (sources)"),
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
        "shares_units": ("% des collectivités de chaque niveau ; dénominateur" + NBSP + ": {denominator} ; "
                         "l'année de l'univers à côté de chaque barre"),
        "no_universe": "sans univers (effectif {count})",
        "count_of": "{count} sur {universe}",
        "note_prefix": "*" + NBSP + "{level} : « {note} »",
        "den_official": "effectif officiel de même périmètre",
        "den_survey": "celui de l'enquête (données plus anciennes, LOC)",
        "den_law": "collectivités concernées par l'obligation d'open data",
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
        "audit_units": ("Écart entre le chiffre observé (calculé ou concurrent) et le chiffre attendu "
                        "(publié) : distance entre les fourchettes que permettent les deux chiffres, en % du "
                        "chiffre attendu, 0 quand ils sont compatibles (« environ » lu comme ±5 %) ; sous chaque "
                        "constat : attendu → observé (sources)"),
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

# --- area "truth": shares, reasons for no share, audit findings (EN and FR) ---
TEXTS["en"].update({
    "no_share_no_count": "the source publishes a share, not a count",
    "no_share_respondents": "a count among survey respondents, not among all collectivities of the level",
    "no_share_no_same_scope_universe": "no official count of the same scope in the sources",
    "no_share_no_survey_universe": "the survey gives no denominator for this level",
    "no_share_not_all_levels": "the number concerned by the law covers every level, not this one",
    "no_share_no_concerned": "no number concerned by the law for this date",
    "share_of": "{count} of {universe} ({share}; {denominator}, {year}, {sources})",
    "published_vs_computed": "published: {published} ({sources}); computed here: {computed}",
    "published": "published", "computed": "computed here",
    "consistent": "consistent", "disagree": "they disagree",
    "tolerance": "« about » read as ±{tolerance}",
    "fd_survey_total": "{subject} {as_of}: published {expected} ({expected_source}); the levels add up to {observed} ({observed_source})",
    "fd_published_sum": "{subject} {as_of}: published {expected} ({expected_source}); the levels add up to {observed} ({observed_source})",
    "fd_detail_vs_total": "{subject} {as_of}: published {expected} ({expected_source}); its detail adds up to {observed} ({observed_source})",
    "fd_conflicting_figures": "{subject} {as_of}: {expected} ({expected_source}) against {observed} ({observed_source})",
    "fd_published_share": "{as_of}: published share {expected} ({expected_source}); count ÷ concerned computed here: {observed}",
    "fd_survey_universe_vs_official": "{subject}: the survey divides by {observed} ({observed_source}); the official count of the same scope ({expected_as_of}) is {expected} ({expected_source})",
    "subject_concerned": "Concerned by the law",
    "fd_recomputed_headline": ("{subject} {as_of}: the observatory publishes {expected} ({expected_source}); its "
                               "own per-organisation export lists {observed} local authorities ({observed_source})"),
    "fd_recomputed_share": ("{subject} {as_of}: published share {expected} of those concerned ({expected_source}); "
                            "recomputed from the export against the official collectivities of 3,500+ inhabitants "
                            "(an upper bound of those concerned): {observed} ({observed_source})"),
    "reason": "reason",
    "no_share_bar": "no share (count {count}): {reason}",
    "universe_note_departement": ("Départements: the official count (101 INSEE geographic codes, LC) is a weak "
                                  "source; LSN's 33.6 % of départements implies about 98"),
    "illustration": "Illustration: hypothetical tools and ratings, not data from a source",
    "not_joined": "points of different sources are not joined: they are not one series",
    # notebook sentences (printed by code, so they follow the data)
    "nb_wave_total": "In the {wave} wave, {total} collectivities are counted across {n} levels; the largest group is {level} ({count}).",
    "nb_share_line": "{level}: {count} of {universe} ({share}; {denominator}, {year}; sources: {sources})",
    "nb_no_share_line": "{level}: {count}, no share: {reason}",
    "nb_ranking": "Highest share: {top}; lowest: {bottom}. Each share has its own denominator and year (table above).",
    "nb_gap": "The levels add up to {sum}, {gap} short of the published total of {total} ({sources}); no source explains the gap.",
    "nb_gap_excess": "The levels add up to {sum}, {gap} more than the published total of {total} ({sources}).",
    "nb_gap_none": "The levels add up to the published total of {total} ({sources}).",
    "nb_one_wave": "Only one wave in this data ({wave}): add a wave to see the change (see the README, 'Re-running the analyses').",
    "nb_law_line": "{as_of}: {count} of {universe} collectivities concerned ({share}, computed here)",
    "nb_law_published": "; published: {published} ({sources})",
    "nb_obligation": "Concerned: at least {population} inhabitants AND at least {agents} full-time-equivalent agents; full obligation from {date}.",
    "nb_budgets_range": "From {first} {first_unit} in {first_year} ({first_sources}) to {last} {last_unit} in {last_year} ({last_sources}).",
    "nb_units": "Units counted by the sources: {units}.",
    "nb_figure_line": "{what}: {value} ({sources})",
    "nb_findings": "{n} disagreements found by {kinds} kinds of check.",
    "nb_none": "None in this data.",
    "col_finding": "Finding", "col_universe_as_of": "Universe as of", "col_universe_source": "Universe sources",
    "col_no_share": "Why no share", "col_published_share": "Published share", "col_concerned_source": "Sources (concerned)",
    "col_concerned_bound": "Qualifier", "col_bound": "Qualifier", "col_universe_qualifier": "Qualifier",
    "col_case": "Case", "col_population": "Population", "col_agents": "Agents (FTE)", "col_kind": "Kind",
    "col_criterion": "Criterion", "col_eligible": "Eligible", "col_excluded_because": "Excluded because",
    "col_change": "Change", "col_rows": "Rows", "col_name": "Table",
    "kind_question": "question", "kind_watch_point": "watch point", "col_computed": "Share computed here",
})
TEXTS["fr"].update({
    "no_share_no_count": "la source publie une part, pas un effectif",
    "no_share_respondents": "effectif parmi les répondants à l'enquête, pas parmi toutes les collectivités du niveau",
    "no_share_no_same_scope_universe": "aucun effectif officiel de même périmètre dans les sources",
    "no_share_no_survey_universe": "l'enquête ne donne pas de dénominateur pour ce niveau",
    "no_share_not_all_levels": "le nombre de collectivités concernées par la loi couvre tous les niveaux, pas celui-ci",
    "no_share_no_concerned": "aucun nombre de collectivités concernées par la loi à cette date",
    "share_of": "{count} sur {universe} ({share} ; {denominator}, {year}, {sources})",
    "published_vs_computed": "publiée : {published} ({sources}) ; calculée ici : {computed}",
    "published": "publiée", "computed": "calculée ici",
    "consistent": "cohérents", "disagree": "ils divergent",
    "tolerance": "« environ » lu comme ±{tolerance}",
    "fd_survey_total": "{subject} {as_of} : total publié {expected} ({expected_source}) ; les niveaux totalisent {observed} ({observed_source})",
    "fd_published_sum": "{subject} {as_of} : publié {expected} ({expected_source}) ; les niveaux totalisent {observed} ({observed_source})",
    "fd_detail_vs_total": "{subject} {as_of} : publié {expected} ({expected_source}) ; le détail totalise {observed} ({observed_source})",
    "fd_conflicting_figures": "{subject} {as_of} : {expected} ({expected_source}) contre {observed} ({observed_source})",
    "fd_published_share": "{as_of} : part publiée {expected} ({expected_source}) ; effectif ÷ concernées calculé ici : {observed}",
    "fd_survey_universe_vs_official": "{subject} : l'enquête divise par {observed} ({observed_source}) ; l'effectif officiel de même périmètre ({expected_as_of}) est {expected} ({expected_source})",
    "subject_concerned": "Concernées par la loi",
    "fd_recomputed_headline": ("{subject} {as_of} : l'observatoire publie {expected} ({expected_source}) ; son "
                               "export par organisation liste {observed} collectivités ({observed_source})"),
    "fd_recomputed_share": ("{subject} {as_of} : part publiée {expected} des concernées ({expected_source}) ; "
                            "recalculée depuis l'export sur les collectivités officielles de 3 500 habitants ou plus "
                            "(un majorant des concernées) : {observed} ({observed_source})"),
    "reason": "raison",
    "no_share_bar": "pas de part (effectif {count}) : {reason}",
    "universe_note_departement": ("Départements : l'effectif officiel (101 codes géographiques INSEE, LC) est une "
                                  "source fragile ; les 33,6 % de départements de LSN en supposent environ 98"),
    "illustration": "Illustration : outils et notes fictifs, pas des données d'une source",
    "not_joined": "les points de sources différentes ne sont pas reliés : ils ne forment pas une série",
    "nb_wave_total": "Vague {wave} : {total} collectivités comptées sur {n} niveaux ; le groupe le plus nombreux : {level} ({count}).",
    "nb_share_line": "{level} : {count} sur {universe} ({share} ; {denominator}, {year} ; sources : {sources})",
    "nb_no_share_line": "{level} : {count}, pas de part : {reason}",
    "nb_ranking": "Part la plus élevée : {top} ; la plus faible : {bottom}. Chaque part a son dénominateur et son année (tableau ci-dessus).",
    "nb_gap": "Les niveaux totalisent {sum}, {gap} de moins que le total publié de {total} ({sources}) ; aucune source n'explique l'écart.",
    "nb_gap_excess": "Les niveaux totalisent {sum}, {gap} de plus que le total publié de {total} ({sources}).",
    "nb_gap_none": "Les niveaux totalisent le total publié de {total} ({sources}).",
    "nb_one_wave": "Une seule vague dans ces données ({wave}) : ajoutez une vague pour voir l'évolution (voir le README).",
    "nb_law_line": "{as_of} : {count} sur {universe} collectivités concernées ({share}, calculé ici)",
    "nb_law_published": " ; publié : {published} ({sources})",
    "nb_obligation": "Concernée : au moins {population} habitants ET au moins {agents} agents en équivalent temps plein ; obligation pleine à partir du {date}.",
    "nb_budgets_range": "De {first} {first_unit} en {first_year} ({first_sources}) à {last} {last_unit} en {last_year} ({last_sources}).",
    "nb_units": "Unités comptées par les sources : {units}.",
    "nb_figure_line": "{what} : {value} ({sources})",
    "nb_findings": "{n} divergences trouvées par {kinds} types de contrôle.",
    "nb_none": "Aucun dans ces données.",
    "col_finding": "Constat", "col_universe_as_of": "Date de l'univers", "col_universe_source": "Sources de l'univers",
    "col_no_share": "Pourquoi pas de part", "col_published_share": "Part publiée", "col_concerned_source": "Sources (concernées)",
    "col_concerned_bound": "Qualificatif", "col_bound": "Qualificatif", "col_universe_qualifier": "Qualificatif",
    "col_case": "Cas", "col_population": "Population", "col_agents": "Agents (ETP)", "col_kind": "Type",
    "col_criterion": "Critère", "col_eligible": "Éligible", "col_excluded_because": "Exclu car",
    "col_change": "Évolution", "col_rows": "Lignes", "col_name": "Table",
    "kind_question": "question", "kind_watch_point": "point de vigilance", "col_computed": "Part calculée ici",
})
# ---- area: site — texts of the HTML reports (civicstats/site.py)
TEXTS["en"].update({
    "site_name": "civicstats",
    "site_title": "Civic tech and open data in French local authorities",
    "site_lead": ("The 2018 French civic-tech survey (Caisse des Dépôts / OpenCitiz) and the public figures "
                  "around it — the OpenDataFrance open-data observatory, participatory budgets, the official "
                  "counts of local authorities and the open-data law — checked against their sources, "
                  "charted and explained. Every figure links to its source; the data can be downloaded below."),
    "site_findings": "Key findings", "site_reports": "Reports", "site_downloads": "Data downloads",
    "site_downloads_intro": ("Each table as a CSV file, the data package that describes them, and the Excel "
                             "template for entering updated data (civicstats template)."),
    "site_datapackage": "descriptor of every table (Frictionless data package)",
    "site_template": "Excel template to enter updated data",
    "site_sources": "Sources", "site_contents": "Contents", "site_pager": "Other reports",
    "site_index": "All reports", "site_switch": "English", "site_show_code": "Show the code",
    "site_download_chart": "Download the chart:", "site_chart": "Chart",
    "site_chart_of": "Chart: {section}",
    "site_footer": "civicstats — data, code and reports under the MIT licence; figures from the sources listed.",
})
TEXTS["fr"].update({
    "site_name": "civicstats",
    "site_title": "Civic tech et données ouvertes dans les collectivités françaises",
    "site_lead": ("L'enquête 2018 sur la civic tech dans les collectivités (Caisse des Dépôts / OpenCitiz) et "
                  "les chiffres publics qui l'entourent — l'observatoire open data d'OpenDataFrance, les budgets "
                  "participatifs, les effectifs officiels des collectivités et la loi sur l'open data — vérifiés "
                  "auprès de leurs sources, mis en graphiques et expliqués. Chaque chiffre renvoie à sa source ; "
                  "les données sont téléchargeables ci-dessous."),
    "site_findings": "Principaux résultats", "site_reports": "Rapports",
    "site_downloads": "Télécharger les données",
    "site_downloads_intro": ("Chaque table en fichier CSV, le paquet de données qui les décrit et le modèle "
                             "Excel pour saisir des données mises à jour (civicstats template)."),
    "site_datapackage": "description de chaque table (paquet de données Frictionless)",
    "site_template": "modèle Excel pour saisir des données mises à jour",
    "site_sources": "Sources", "site_contents": "Sommaire", "site_pager": "Autres rapports",
    "site_index": "Tous les rapports", "site_switch": "Français", "site_show_code": "Afficher le code",
    "site_download_chart": "Télécharger le graphique :", "site_chart": "Graphique",
    "site_chart_of": "Graphique : {section}",
    "site_footer": "civicstats — données, code et rapports sous licence MIT ; chiffres tirés des sources citées.",
})

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


def subject_label(subject: str, lang: str = "en") -> str:
    """The words for an audit finding's ``subject``: a level, a published measure, a unit or "concerned"."""
    key = f"m_{subject}" if f"m_{subject}" in TEXTS[check_lang(lang)] else f"unit_{subject}"
    if key in TEXTS[lang]:
        words = TEXTS[lang][key]
        return words[:1].upper() + words[1:]
    if f"subject_{subject}" in TEXTS[lang]:
        return TEXTS[lang][f"subject_{subject}"]
    return label("levels", subject, lang)


def finding_text(finding: object, lang: str = "en") -> str:
    """One audit finding (a row of ``cs.audit()``, as a mapping or namedtuple) as a sentence.

    >>> from civicstats.analysis.audit import audit
    >>> f = audit(include_consistent=True)
    >>> print(finding_text(f[f["subject"] == "civictech_tools_inventoried"].iloc[0]))
    Tools inventoried 2018: more than 74 (NL) against 79 (OCZ); consistent
    """
    from civicstats.format import format_as_of, format_percent, format_qualified

    get = finding.get if hasattr(finding, "get") else lambda k: getattr(finding, k)
    share = get("check") in ("published_share", "recomputed_share")

    def number(value: object, qual: object) -> str:
        return format_qualified(float(value) / 100 if share else float(value), qual, lang, percent=share)

    expected_as_of = get("expected_as_of")
    sentence = text(f"fd_{get('check')}", lang, subject=subject_label(str(get("subject")), lang),
                    as_of=format_as_of(str(get("as_of")), lang),
                    expected=number(get("expected"), get("expected_qualifier")),
                    observed=number(get("observed"), get("observed_qualifier")),
                    expected_source=ids_text(get("expected_source")), observed_source=ids_text(get("observed_source")),
                    expected_as_of=format_as_of(str(expected_as_of), lang) if isinstance(expected_as_of, str) else "")
    verdict = text("consistent" if bool(get("consistent")) else "disagree", lang)
    tolerance = get("tolerance")
    if tolerance is not None and tolerance == tolerance:
        verdict += f" ({text('tolerance', lang, tolerance=format_percent(float(tolerance), lang))})"
    sentence = sentence[:1].upper() + sentence[1:]  # a French month starts the sentence in lower case
    return sentence + text("semicolon", lang) + verdict


def ids_text(cell: object) -> str:
    """Source ids of a cell ("NL;LOC") for readers: "NL, LOC"."""
    return ", ".join(i for i in str(cell).split(";") if i and i not in ("nan", "<NA>", "None"))


def share_line(rec: object, lang: str = "en") -> str:
    """One row of ``adoption_rates`` as a sentence: its share, denominator, year and sources, or why it has none."""
    from civicstats.format import format_number, format_qualified

    get = rec.get if hasattr(rec, "get") else lambda k: getattr(rec, k)
    level = label("levels", str(get("level")), lang)
    count = get("count")
    count_text = "–" if count is None or count != count or str(count) == "<NA>" else format_number(count, lang)
    share = get("share")
    if share is None or share != share:
        return text("nb_no_share_line", lang, level=level, count=count_text, reason=reason_text(get("no_share"), lang))
    year = get("universe_as_of")
    return text("nb_share_line", lang, level=level, count=count_text,
                universe=format_qualified(get("universe"), get("universe_qualifier"), lang),
                share=format_qualified(share, get("share_qualifier"), lang, percent=True),
                denominator=text(f"den_{get('denominator')}", lang),
                year=str(year)[:4] if isinstance(year, str) else "–",
                sources=ids_text(";".join(str(c) for c in (get("source"), get("universe_source")) if isinstance(c, str))))


def reason_text(code: object, lang: str = "en") -> str:
    """Why a row has no share (a ``no_share`` code of ``adoption_rates``), in words; "" for none."""
    if code is None or str(code) in ("", "nan", "<NA>"):
        return ""
    return text(f"no_share_{code}", lang)


_text = text
