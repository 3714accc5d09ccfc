"""Charts of civic-tech adoption: counts and shares by level, the survey's total and its gap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicstats.charts.common import frame_of, level_wave_bars, order_of, require, sorted_waves, source_ids, waves_text
from civicstats.charts.stamp import record, wrap
from civicstats.charts.style import OKABE_ITO, TEXT_GREY, bare_value_axis, house_style, new_figure
from civicstats.format import NBSP, check_lang, format_as_of, format_number, is_missing
from civicstats.labels import format_qualified, has_text, labels_of, reason_text, text

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["adoption_by_level", "adoption_shares", "survey_total_gap"]


def adoption_by_level(adoption: pd.DataFrame, lang: str = "en", *, levels: pd.DataFrame | None = None,
                      register: pd.DataFrame | None = None) -> Figure:
    """Collectivities using civic tech by level: one bar per level, grouped by wave.

    ``adoption``: rows of ``civictech_adoption`` (``as_of``, ``level``, ``count``, ``source``). ``levels`` (the
    ``levels`` table) labels and orders the levels: without it, the codes are shown. ``register``: see
    :func:`civicstats.charts.source_line`.
    """
    check_lang(lang)
    adoption = frame_of(adoption, "civictech_adoption")
    require(adoption, ("as_of", "level", "count", "source"), "adoption_by_level")
    frame = adoption.assign(level=adoption["level"].astype(str), as_of=adoption["as_of"].astype(str))
    order, names = order_of(levels), labels_of(levels, lang)
    codes = sorted(set(frame["level"]), key=lambda c: (order.get(c, len(order)), c))
    cats = [(c, names.get(c, c)) for c in codes]
    waves = sorted_waves(frame["as_of"])
    dup = frame[frame.duplicated(["level", "as_of"], keep=False)]
    if len(dup):  # one bar per level and wave: never one source's row picked silently
        raise ValueError(f"adoption_by_level draws one row per level and wave; {dup['level'].iloc[0]} "
                         f"{dup['as_of'].iloc[0]} has several (sources {', '.join(map(str, dup['source']))}): "
                         "pass the rows of one source")
    cells = {(r.level, r.as_of): r for r in frame.itertuples(index=False)}

    def cell(code, wave):
        rec = cells.get((code, wave))
        return None if rec is None else (int(rec.count), format_number(rec.count, lang))

    with house_style():
        fig, _ax = level_wave_bars(cats, waves, cell, "count", lang, text("wave", lang), 1.12)
    title = text("adoption_title", lang, waves=waves_text(waves, lang))
    return record(fig, title=title, units=text("adoption_units", lang), sources=source_ids(frame["source"]), lang=lang,
                   register=register)


def adoption_shares(rates: pd.DataFrame, lang: str = "en", *, levels: pd.DataFrame | None = None,
                    register: pd.DataFrame | None = None) -> Figure:
    """Shares of adopters by level, from :func:`civicstats.adoption_rates`.

    Each bar is labelled with the share, "count of universe" and the universe's year, and a published share
    beside it; a level without a share says why (``no_share``), never drawn as zero. ``levels`` and
    ``register``: see :func:`adoption_by_level`.
    """
    check_lang(lang)
    rates = frame_of(rates, "adoption_rates")
    require(rates, ("as_of", "level", "measure", "count", "universe", "share_pct", "denominator", "no_share", "source"),
             "adoption_shares")
    frame = rates.assign(level=rates["level"].astype(str), as_of=rates["as_of"].astype(str))
    dup = frame[frame.duplicated(["level", "as_of"], keep=False)]
    if len(dup):
        raise ValueError(f"adoption_shares draws one row per level and date; {dup['level'].iloc[0]} "
                         f"{dup['as_of'].iloc[0]} has {int((dup['level'] == dup['level'].iloc[0]).sum())} "
                         "(several sources): pass the rows of one source")
    order, names = order_of(levels), labels_of(levels, lang)
    codes = sorted(set(frame["level"]), key=lambda c: (order.get(c, len(order)), c))
    waves = sorted_waves(frame["as_of"])
    cells = {(r.level, r.as_of): r for r in frame.itertuples(index=False)}
    notes: list[str] = []

    def cell(code, wave):
        rec = cells.get((code, wave))
        if rec is None:
            return None
        published = ""
        if "published_share_pct" in frame.columns and not is_missing(rec.published_share_pct):
            published = "; " + text("published", lang) + " " + format_qualified(
                rec.published_share_pct / 100, getattr(rec, "published_share_qualifier", "exact"), lang, percent=True)
        if is_missing(rec.share_pct):
            count = "–" if is_missing(rec.count) else format_number(rec.count, lang)
            return None, text("no_share_bar", lang, count=count, reason=reason_text(rec.no_share, lang)) + published
        year = str(rec.universe_as_of)[:4] if "universe_as_of" in frame.columns and not is_missing(rec.universe_as_of) \
            else ""
        universe = format_qualified(rec.universe, getattr(rec, "universe_qualifier", "exact"), lang)
        share = format_qualified(rec.share_pct / 100, getattr(rec, "share_qualifier", "exact"), lang, percent=True)
        count = format_qualified(rec.count, getattr(rec, "count_qualifier", "exact"), lang)  # « quelque 250 »
        words = f"{share} (" + text("count_of", lang, count=count, universe=universe) \
            + (f", {year}" if year else "") + ")" + published
        note_key = f"universe_note_{code}"
        if has_text(note_key) and text(note_key, lang) not in notes:
            notes.append(text(note_key, lang))
            words += NBSP + "*"
        return float(rec.share_pct), words

    cats = [(c, names.get(c, c)) for c in codes]
    with house_style():
        fig, _ax = level_wave_bars(cats, waves, cell, "share", lang, text("as_of", lang), 1.6)
    denominators = "; ".join(text(f"den_{d}", lang) for d in dict.fromkeys(frame["denominator"].dropna()))
    units = text("shares_units", lang, denominator=denominators)
    for note in notes:
        units += "\n*" + NBSP + note
    measures = set(frame["measure"].dropna())
    title = text("shares_title" if measures == {"civictech_adoption"} else "shares_title_open", lang,
                  waves=waves_text(waves, lang))
    drawn_universe = frame[frame["universe"].notna()] if "universe_source" in frame.columns else frame.iloc[0:0]
    sources = source_ids(frame["source"], drawn_universe.get("universe_source", []))
    return record(fig, title=title, units=units, sources=sources, lang=lang, register=register)


def survey_total_gap(adoption: pd.DataFrame, published: pd.DataFrame, lang: str = "en", *,
                     as_of: str | None = None, levels: pd.DataFrame | None = None,
                     register: pd.DataFrame | None = None) -> Figure:
    """The survey's rows added up against the published total, the gap marked.

    ``published`` is ``cs.load("published_figures", data)``; its
    ``civictech_users_total`` row of the wave is the total. ``as_of`` picks the
    wave (default: the latest wave that has both rows and a published total).
    ``levels`` and ``register``: see :func:`adoption_by_level`.
    """
    check_lang(lang)
    adoption = frame_of(adoption, "civictech_adoption")
    published = frame_of(published, "published_figures")
    require(adoption, ("as_of", "level", "count", "source"), "survey_total_gap")
    require(published, ("measure", "as_of", "value", "source"), "survey_total_gap")
    adoption = adoption.assign(as_of=adoption["as_of"].astype(str), level=adoption["level"].astype(str))
    totals = published[published["measure"].astype(str) == "civictech_users_total"]
    totals = totals.assign(as_of=totals["as_of"].astype(str))
    both = [w for w in sorted_waves(adoption["as_of"]) if w in set(totals["as_of"])]
    if as_of is None:
        if not both:
            raise ValueError("no survey wave has both rows and a published total (civictech_users_total)")
        as_of = both[-1]
    if as_of not in both:
        raise ValueError(f"wave {as_of!r} needs rows and a published total; "
                         f"waves with both: {', '.join(both) or 'none'}")
    rows = adoption[adoption["as_of"] == as_of]
    order, names = order_of(levels), labels_of(levels, lang)
    rows = rows.iloc[sorted(range(len(rows)), key=lambda i: order.get(rows["level"].iloc[i], len(order)))]
    total_row = totals[totals["as_of"] == as_of].iloc[0]
    total = int(total_row["value"])
    counts = [int(c) for c in rows["count"]]
    summed = sum(counts)
    gap = total - summed

    with house_style():
        fig, ax = new_figure(7.5, 2.9)
        blue, orange = OKABE_ITO["blue"], OKABE_ITO["orange"]
        y_sum, y_pub = 0.0, 1.45
        left = 0
        for code, count in zip(rows["level"], counts, strict=True):
            bars = ax.barh([y_sum], [count], left=left, height=0.6, color=blue, edgecolor="white", linewidth=1.2)
            bars.patches[0].set_gid(f"level:{code}")
            if count / max(total, summed) > 0.045:
                ax.text(left + count / 2, y_sum, format_number(count, lang), ha="center", va="center",
                        color="white", fontsize=9)
            left += count
        bars = ax.barh([y_pub], [total], height=0.6, color=orange)
        bars.patches[0].set_gid("published")
        end = max(summed, total)
        for y, value in ((y_sum, summed), (y_pub, total)):
            ax.annotate(format_number(value, lang), (end, y), xytext=(5, 0), textcoords="offset points",
                        va="center", ha="left", fontweight="bold")
        if gap:
            from matplotlib.patches import Rectangle

            ax.add_patch(Rectangle((min(summed, total), y_sum - 0.3), abs(gap), 0.6, fill=False,
                                   edgecolor=OKABE_ITO["vermillion"], linestyle="--", linewidth=1.2, gid="gap"))
        note = (text("gap_missing", lang, gap=format_number(gap, lang)) if gap > 0
                else text("gap_excess", lang, gap=format_number(-gap, lang)) if gap < 0 else text("gap_none", lang))
        ax.annotate(note, (end, y_sum - 0.3), xytext=(0, 3), textcoords="offset points",
                    ha="right", va="bottom", color=OKABE_ITO["vermillion"], fontsize=9.5)
        # what the segments are, in words, between the two bars
        parts = " + ".join(f"{names.get(code, code)}{NBSP}{format_number(c, lang)}".replace(" ", NBSP)
                           for code, c in zip(rows["level"], counts, strict=True))
        ax.annotate("\n".join(wrap(parts, 5.2, 8.5)), (0, y_sum + 0.34), va="top", ha="left", fontsize=8.5,
                    color=TEXT_GREY, xytext=(0, -2), textcoords="offset points", linespacing=1.2)
        ax.set_yticks([y_sum, y_pub], [text("sum_of_levels", lang, n=len(counts)), text("published_total", lang)])
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(y_pub + 0.45, y_sum - 0.75)
        ax.set_xlim(0, end * 1.08)
        bare_value_axis(ax)
    title = text("gap_title", lang, sum=format_number(summed, lang), published=format_number(total, lang),
                  as_of=format_as_of(as_of, lang))
    return record(fig, title=title, units=text("gap_units", lang),
                   sources=source_ids(rows["source"], total_row["source"]), lang=lang, register=register)
