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
    },
}

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


_text = text
