"""Survey responses (validated, typed) → the survey's tables: pure counting.

:func:`aggregate_responses` counts per-collectivity answers the way the 2018
survey did (:func:`civicstats.responses.validate_responses` validates them):

* levels are the survey's, communes in its three population bands (5,000 and
  100,000 inclusive are ``ville_5k_100k``: :func:`survey_level`);
* ``civictech_adoption`` counts users of a participation tool, **open data
  excluded**; ``civictech_category_use`` counts each category, open data included;
* ``universe`` is left empty: a wave of responses only knows who answered,
  not how many collectivities a level has in France.

Typed frame in, typed frames out: nothing here reads a file or validates.

>>> import pandas as pd
>>> responses = pd.DataFrame({
...     "as_of": ["2026", "2026"], "siren": ["213100017", "200046977"],
...     "name": ["Commune A", "Métropole B"], "level": ["commune", "metropole"],
...     "population": pd.array([5000, None], dtype="Int64"),
...     **{c: [False, False] for c in CATEGORIES}, "tools": ["Decidim", ""], "source": ["NL", "NL"]})
>>> responses.loc[0, "dialogue_concertation"] = True
>>> adoption = aggregate_responses(responses)["civictech_adoption"]
>>> adoption[["level", "count"]].astype(str).values.tolist()
[['metropole', '0'], ['ville_5k_100k', '1']]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicstats.readers.responses import CATEGORIES, PARTICIPATION
from civicstats.schema import spec, unshipped_spec
from civicstats.validate import typed

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LARGE_TOWN", "SMALL_TOWN", "SURVEY_LEVELS", "aggregate_responses", "survey_level"]

#: The survey's levels (civictech_adoption), in its order.
SURVEY_LEVELS = ("region", "departement", "metropole", "ville_plus_100k", "ville_5k_100k",
                 "commune_moins_5k", "intercommunalite")
#: Commune population bands: below SMALL → commune_moins_5k; SMALL..LARGE (inclusive) → ville_5k_100k.
SMALL_TOWN, LARGE_TOWN = 5_000, 100_000


def survey_level(level: pd.Series, population: pd.Series) -> pd.Series:
    """The survey's level of each collectivity (an ordered categorical): communes by population band.

    >>> import pandas as pd
    >>> survey_level(pd.Series(["commune"] * 4 + ["metropole"]),
    ...              pd.Series([4_999, 5_000, 100_000, 100_001, None], dtype="Int64")).tolist()
    ['commune_moins_5k', 'ville_5k_100k', 'ville_5k_100k', 'ville_plus_100k', 'metropole']
    """
    import numpy as np
    import pandas as pd

    if isinstance(level.dtype, pd.CategoricalDtype):
        codes, names = level.cat.codes.to_numpy(), list(level.cat.categories)
    else:
        codes, uniques = pd.factorize(level)
        names = list(uniques)
    # the survey level of each response level (code -1, a missing level, maps to the last entry: -1)
    survey = np.array([SURVEY_LEVELS.index(n) if n in SURVEY_LEVELS else -1 for n in names] + [-1])[codes]
    commune = np.array([n == "commune" for n in names] + [False])[codes]
    pop = population.astype("Float64")
    if pd.isna(pop[commune]).any():
        raise ValueError("every commune needs a population to be placed in a band (validate_responses checks it)")
    pop = pop.fillna(-1).to_numpy(dtype="float64")
    band = np.select([pop < SMALL_TOWN, pop <= LARGE_TOWN],
                     [SURVEY_LEVELS.index("commune_moins_5k"), SURVEY_LEVELS.index("ville_5k_100k")],
                     SURVEY_LEVELS.index("ville_plus_100k"))
    survey = np.where(commune, band, survey)
    if (survey < 0).any():
        unknown = sorted({str(v) for v in level[survey < 0]})
        raise ValueError(f"not a level of the responses: {', '.join(unknown)}")
    return pd.Series(pd.Categorical.from_codes(survey, SURVEY_LEVELS, ordered=True), index=level.index)


def aggregate_responses(responses: pd.DataFrame, *, respondents_as_universe: bool = False) -> dict[str, pd.DataFrame]:
    """The survey's tables computed from validated responses.

    Returns ``{"civictech_adoption": ..., "civictech_category_use": ...}``,
    typed like loaded tables. Adoption: one row per wave and survey level with
    at least one respondent; ``count`` = collectivities using at least one
    participation tool, open data excluded; ``universe`` empty (or the
    respondents with ``respondents_as_universe=True``, for a census). Category
    use: one row per wave, level and category, with ``respondents``. Sources:
    the ids the group's responses cite, sorted.
    """
    import numpy as np
    import pandas as pd

    n_levels, n_cat = len(SURVEY_LEVELS), len(CATEGORIES)
    wave_codes, waves = pd.factorize(responses["as_of"].astype("str"), sort=True)
    level_codes = survey_level(responses["level"], responses["population"]).cat.codes.to_numpy()
    # one integer per (wave, level), in the table's order: waves sorted, levels in the survey's order
    keys, group = np.unique(wave_codes * n_levels + level_codes, return_inverse=True)
    cats = responses[list(CATEGORIES)].to_numpy(dtype=bool)
    users = cats[:, [CATEGORIES.index(c) for c in PARTICIPATION]].any(axis=1)
    per_category = np.stack([np.bincount(group, weights=cats[:, j], minlength=len(keys)) for j in range(n_cat)],
                            axis=1).astype(np.int64)
    users = np.bincount(group, weights=users, minlength=len(keys)).astype(np.int64)
    respondents = np.bincount(group, minlength=len(keys)).astype(np.int64)

    # sources: the distinct (group, source cell) pairs, a handful, joined per group
    source_codes, source_cells = pd.factorize(responses["source"].astype("str"))
    width = len(source_cells) + 1
    cited: list[set[str]] = [set() for _ in keys]
    for pair in np.unique(group.astype(np.int64) * width + source_codes):
        g, cell = divmod(int(pair), width)
        cited[g].update(i for i in str(source_cells[cell]).split(";") if i)
    sources = [";".join(sorted(ids)) for ids in cited]

    as_of = [str(waves[k // n_levels]) for k in keys]
    level = [SURVEY_LEVELS[k % n_levels] for k in keys]
    basis = ("respondents, not every collectivity of this level"
             if not respondents_as_universe else "respondents, given as the universe")
    adoption = pd.DataFrame({
        "as_of": as_of, "level": level, "count": users,
        "universe": respondents if respondents_as_universe else pd.array([pd.NA] * len(keys), dtype="Int64"),
        "respondents": respondents,
        "source": sources,
        "note": [f"computed from {n} response{'s' if n != 1 else ''} ({basis}); open-data portals excluded"
                 for n in respondents],
    })
    use = pd.DataFrame({
        "as_of": np.repeat(as_of, n_cat), "level": np.repeat(level, n_cat),
        "category": np.tile(CATEGORIES, len(keys)), "count": per_category.ravel(),
        "respondents": np.repeat(respondents, n_cat), "source": np.repeat(sources, n_cat),
        "note": "computed from responses; open-data portals included",
    })
    return {
        "civictech_adoption": typed(adoption, spec("civictech_adoption")),
        "civictech_category_use": typed(use, unshipped_spec("civictech_category_use")),
    }
