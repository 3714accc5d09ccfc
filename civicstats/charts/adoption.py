"""Charts of civic-tech adoption: counts and shares by level, the survey's total and its gap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicstats.format import NBSP, _check_lang, format_as_of, format_number, format_percent
from civicstats.labels import _text, label

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

from civicstats.charts.common import _default, _ids, _is_missing, _level_wave_bars, _order, _require, _waves, _waves_text
from civicstats.charts.stamp import _record, _wrap
from civicstats.charts.style import OKABE_ITO, TEXT_GREY, _bare_value_axis, _new_figure, house_style


def adoption_by_level(adoption: pd.DataFrame | None = None, lang: str = "en") -> Figure:
    """Collectivities using civic tech by level: one bar per level, grouped by wave.

    ``adoption`` is ``cs.load("civictech_adoption")`` (the default) or rows of
    the same shape (``as_of``, ``level``, ``count``, ``source``). With one wave
    the bars are labelled with their counts; with several, each level has one
    bar per wave, so the change between waves shows.
    """
    _check_lang(lang)
    adoption = _default(adoption, "civictech_adoption")
    _require(adoption, ("as_of", "level", "count", "source"), "adoption_by_level")
    frame = adoption.assign(level=adoption["level"].astype(str), as_of=adoption["as_of"].astype(str))
    order = _order("levels")
    codes = sorted(set(frame["level"]), key=lambda c: (order.get(c, len(order)), c))
    cats = [(c, label("levels", c, lang)) for c in codes]
    waves = _waves(frame["as_of"])
    cells = {(r.level, r.as_of): r for r in frame.itertuples(index=False)}

    def cell(code, wave):
        rec = cells.get((code, wave))
        return None if rec is None else (int(rec.count), format_number(rec.count, lang))

    with house_style():
        fig, _ax = _level_wave_bars(cats, waves, cell, "count", lang, _text("wave", lang), 1.12)
    title = _text("adoption_title", lang, waves=_waves_text(waves, lang))
    return _record(fig, title=title, units=_text("adoption_units", lang), sources=_ids(frame["source"]), lang=lang)


def _denominator_text(text: object, lang: str) -> str:
    from civicstats.analysis.rates import DENOMINATORS

    for key, english in DENOMINATORS.items():
        if str(text) == english:
            return _text(f"den_{key}", lang)
    return str(text)


def adoption_shares(rates: pd.DataFrame | None = None, lang: str = "en") -> Figure:
    """Shares of adopters by level, from :func:`civicstats.adoption_rates`.

    The denominator the rates name is printed in the units line; a level
    without a universe is written "no universe", never drawn as zero. Bars are
    labelled with the share and "count of universe"; a level whose universe
    carries a note (e.g. the official count covers a wider set) is starred and
    the note printed.
    """
    _check_lang(lang)
    if rates is None:
        from civicstats.analysis.rates import adoption_rates

        rates = adoption_rates("civictech_adoption", denominator="official")
    rates = _default(rates, "civictech_adoption")
    _require(rates, ("as_of", "level", "count", "universe", "share", "denominator", "source"), "adoption_shares")
    frame = rates.assign(level=rates["level"].astype(str), as_of=rates["as_of"].astype(str))
    order = _order("levels")
    codes = sorted(set(frame["level"]), key=lambda c: (order.get(c, len(order)), c))
    waves = _waves(frame["as_of"])
    cells = {(r.level, r.as_of): r for r in frame.itertuples(index=False)}
    has_note = "universe_note" in frame.columns
    notes: dict[str, str] = {}

    def cell(code, wave):
        rec = cells.get((code, wave))
        if rec is None:
            return None
        if _is_missing(rec.universe) or _is_missing(rec.share):
            return None, _text("no_universe", lang, count=format_number(rec.count, lang))
        star = ""
        if has_note and not _is_missing(rec.universe_note):
            notes.setdefault(code, str(rec.universe_note))
            star = NBSP + "*"
        text = (f"{format_percent(rec.share, lang)} ("
                + _text("count_of", lang, count=format_number(rec.count, lang), universe=format_number(rec.universe, lang))
                + ")" + star)
        return 100 * float(rec.share), text

    cats = [(c, label("levels", c, lang)) for c in codes]
    with house_style():
        fig, _ax = _level_wave_bars(cats, waves, cell, "share", lang, _text("as_of", lang), 1.45)
    denominators = "; ".join(dict.fromkeys(_denominator_text(d, lang) for d in frame["denominator"].dropna()))
    units = _text("shares_units", lang, denominator=denominators)
    for code, note in notes.items():
        units += "\n" + _text("note_prefix", lang, level=label("levels", code, lang), note=note)
    civic = set(codes) <= set(_civictech_levels())
    title = _text("shares_title" if civic else "shares_title_open", lang,
                  waves=_waves_text(waves, lang))
    drawn_universe = frame[frame["universe"].notna()] if "universe_source" in frame.columns else frame.iloc[0:0]
    sources = _ids(frame["source"], drawn_universe.get("universe_source", []))
    return _record(fig, title=title, units=units, sources=sources, lang=lang)


def _civictech_levels() -> list[str]:
    from civicstats.schema import spec

    return list(spec("civictech_adoption").field("level").enum or ())


def survey_total_gap(adoption: pd.DataFrame | None = None, published: pd.DataFrame | None = None,
                     lang: str = "en", *, as_of: str | None = None) -> Figure:
    """The survey's rows added up against the published total, the gap marked.

    ``published`` is ``cs.load("published_figures")`` (the default); its
    ``civictech_users_total`` row of the wave is the total. ``as_of`` picks the
    wave (default: the latest wave that has both rows and a published total).
    """
    _check_lang(lang)
    adoption = _default(adoption, "civictech_adoption")
    published = _default(published, "published_figures")
    _require(adoption, ("as_of", "level", "count", "source"), "survey_total_gap")
    _require(published, ("measure", "as_of", "value", "source"), "survey_total_gap")
    adoption = adoption.assign(as_of=adoption["as_of"].astype(str), level=adoption["level"].astype(str))
    totals = published[published["measure"].astype(str) == "civictech_users_total"]
    totals = totals.assign(as_of=totals["as_of"].astype(str))
    both = [w for w in _waves(adoption["as_of"]) if w in set(totals["as_of"])]
    if as_of is None:
        if not both:
            raise ValueError("no survey wave has both rows and a published total (civictech_users_total)")
        as_of = both[-1]
    if as_of not in both:
        raise ValueError(f"wave {as_of!r} needs rows and a published total; waves with both: {', '.join(both) or 'none'}")
    rows = adoption[adoption["as_of"] == as_of]
    order = _order("levels")
    rows = rows.iloc[sorted(range(len(rows)), key=lambda i: order.get(rows["level"].iloc[i], len(order)))]
    total_row = totals[totals["as_of"] == as_of].iloc[0]
    total = int(total_row["value"])
    counts = [int(c) for c in rows["count"]]
    summed = sum(counts)
    gap = total - summed

    with house_style():
        fig, ax = _new_figure(7.5, 2.9)
        blue, orange = OKABE_ITO["blue"], OKABE_ITO["orange"]
        y_sum, y_pub = 0.0, 1.45
        left = 0
        for code, count in zip(rows["level"], counts):
            bars = ax.barh([y_sum], [count], left=left, height=0.6, color=blue, edgecolor="white", linewidth=1.2)
            bars.patches[0].set_gid(f"level:{code}")
            if count / max(total, summed) > 0.045:
                ax.text(left + count / 2, y_sum, format_number(count, lang), ha="center", va="center",
                        color="white", fontsize=9)
            left += count
        bars = ax.barh([y_pub], [total], height=0.6, color=orange)
        bars.patches[0].set_gid("published")
        end = max(summed, total)
        ax.annotate(format_number(summed, lang), (end, y_sum), xytext=(5, 0), textcoords="offset points",
                    va="center", ha="left", fontweight="bold")
        ax.annotate(format_number(total, lang), (end, y_pub), xytext=(5, 0), textcoords="offset points",
                    va="center", ha="left", fontweight="bold")
        if gap:
            from matplotlib.patches import Rectangle

            ax.add_patch(Rectangle((min(summed, total), y_sum - 0.3), abs(gap), 0.6, fill=False,
                                   edgecolor=OKABE_ITO["vermillion"], linestyle="--", linewidth=1.2, gid="gap"))
        note = (_text("gap_missing", lang, gap=format_number(gap, lang)) if gap > 0
                else _text("gap_excess", lang, gap=format_number(-gap, lang)) if gap < 0 else _text("gap_none", lang))
        ax.annotate(note, (end, y_sum - 0.3), xytext=(0, 3), textcoords="offset points",
                    ha="right", va="bottom", color=OKABE_ITO["vermillion"], fontsize=9.5)
        # what the segments are, in words, between the two bars
        parts = " + ".join(f"{label('levels', code, lang)}{NBSP}{format_number(c, lang)}".replace(" ", NBSP)
                           for code, c in zip(rows["level"], counts))
        ax.annotate("\n".join(_wrap(parts, 5.2, 8.5)), (0, y_sum + 0.34), va="top", ha="left", fontsize=8.5,
                    color=TEXT_GREY, xytext=(0, -2), textcoords="offset points", linespacing=1.2)
        ax.set_yticks([y_sum, y_pub], [_text("sum_of_levels", lang, n=len(counts)), _text("published_total", lang)])
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(y_pub + 0.45, y_sum - 0.75)
        ax.set_xlim(0, end * 1.08)
        _bare_value_axis(ax)
    title = _text("gap_title", lang, sum=format_number(summed, lang), published=format_number(total, lang),
                  as_of=format_as_of(as_of, lang))
    return _record(fig, title=title, units=_text("gap_units", lang),
                   sources=_ids(rows["source"], total_row["source"]), lang=lang)
