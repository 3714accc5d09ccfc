"""Questions answered from the tables, one module each: rates, the source audit, waves, the legal
obligation, the tool selection aid, where open data is (organisations).

What they return says where it comes from (:func:`cited`), as :func:`civicstats.load` does for a table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicstats.schema import with_codes

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["OWN_ATTRS", "cited"]

#: What a loaded table's ``attrs`` say of that table alone: not passed on to a frame computed from it (``origin``
#: is: :func:`~civicstats.analysis.organisations.join_populations` reads it on organisations placed by
#: :func:`~civicstats.geography.official_geography`).
OWN_ATTRS = ("table", "title")


def cited(out: pd.DataFrame, *inputs: pd.DataFrame) -> pd.DataFrame:
    """``out``, code columns typed as in the tables (:func:`~civicstats.schema.with_codes`), ``attrs`` naming its
    inputs: ``tables`` (their names, in order), ``sources``, ``licenses`` and ``files`` (the union of the inputs').
    An input computed itself passes its ``tables`` on; a frame without ``attrs`` adds nothing. Others stay.

    >>> import pandas as pd
    >>> budgets, levels = pd.DataFrame(), pd.DataFrame()
    >>> budgets.attrs.update(table="participatory_budgets", sources=["NL", "BEZ"], licenses=["etalab-2.0"])
    >>> levels.attrs.update(tables=["levels"], sources=["LOC"], licenses=["etalab-2.0"], files=["levels.csv"])
    >>> cited(pd.DataFrame(), budgets, levels).attrs
    {'tables': ['participatory_budgets', 'levels'], 'sources': ['BEZ', 'LOC', 'NL'], 'licenses': ['etalab-2.0'], \
'files': ['levels.csv']}
    """
    tables: list[str] = []
    sources: set[str] = set()
    licenses: set[str] = set()
    files: list[str] = []
    for frame in inputs:
        given = frame.attrs
        tables += [given["table"]] if "table" in given else list(given.get("tables", []))
        sources |= set(given.get("sources", []))
        licenses |= set(given.get("licenses", []))
        files += [str(f) for f in given.get("files", [])]
    out = with_codes(out)
    kept = {k: v for k, v in out.attrs.items() if k not in OWN_ATTRS}
    out.attrs = {**kept, "tables": list(dict.fromkeys(tables)), "sources": sorted(sources),
                 "licenses": sorted(licenses), "files": list(dict.fromkeys(files))}
    return out
