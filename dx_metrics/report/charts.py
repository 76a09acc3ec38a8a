"""Charts for reports, drawn with matplotlib's object API (no global pyplot state).

Text uses DejaVu Sans, which matplotlib bundles and which covers Vietnamese; labels are
normalised to NFC so accents sit on their letters. Text is drawn as written, never as
mathtext: a unit name holding "$...$" ("Chi phí 5$ và 10$", "$\\undefinedmacro{x}$") is a name,
not a formula that would fail the whole figure (``_plain_text``).
"""
from __future__ import annotations

import functools
import io
import textwrap
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator

from dx_metrics.formats import fmt_number, fmt_percent
from dx_metrics.report.labels import TEXT, check_lang
from dx_metrics.text import nfc

FONT = "DejaVu Sans"
BAR = "#1F4E78"
TOTAL = "#C55A11"
# matplotlib reads "$...$" in any text as a formula (and fails the figure on a macro it lacks);
# labels here come from the inputs, so every text is plain. A text keeps the setting it was
# made with, but tick labels are also made when a figure is drawn: drawing and saving both
# run under it.
PLAIN_TEXT = {"text.parse_math": False, "text.usetex": False}


def _plain_text(draw):
    """``draw`` (a chart function) under ``PLAIN_TEXT``, every text of its figure made plain."""
    @functools.wraps(draw)
    def plain(*args, **kwargs):
        with matplotlib.rc_context(PLAIN_TEXT):
            fig = draw(*args, **kwargs)
            for text in fig.findobj(Text):
                text.set_parse_math(False)
        return fig
    return plain


@_plain_text
def share_by_unit(values: pd.DataFrame, *, title: str, target: float | None = None, total_unit: str | None = None,
                  lang: str = "vi") -> Figure:
    """Horizontal bars of a share per unit (``values`` has columns unit, value, and period
    when it holds several periods: each bar then says its period), the total in its own
    colour, and the target as a dashed line."""
    check_lang(lang)
    df = values.dropna(subset=["value"]).reset_index(drop=True)
    fig = Figure(figsize=(9, 0.55 * max(len(df), 2) + 1.6), dpi=110)
    ax = fig.add_subplot()
    periods = "period" in df and df["period"].nunique() > 1
    labels = [nfc(f"{u} ({p})" if periods else str(u)) for u, p in zip(df["unit"], df.get("period", df["unit"]))]
    colours = [TOTAL if total_unit is not None and u == total_unit else BAR for u in df["unit"]]
    y = range(len(df))[::-1]
    ax.barh(list(y), df["value"].astype(float), color=colours)
    ax.set_yticks(list(y), labels, fontfamily=FONT, fontsize=9)
    for yi, v in zip(y, df["value"].astype(float)):
        ax.text(v, yi, " " + fmt_percent(v, lang=lang), va="center", fontfamily=FONT, fontsize=9)
    if target is not None:
        ax.axvline(target, color="#A50021", linestyle="--", linewidth=1.2)
        ax.text(target, len(df) - 0.45, f" {TEXT[lang]['target_line']} {fmt_percent(target, digits=0, lang=lang)}",
                color="#A50021", fontfamily=FONT, fontsize=9, va="bottom")
    top = max([float(df["value"].max()) if len(df) else 0.0, target or 0.0]) * 1.25 or 1.0
    ax.set_xlim(0, min(1.05, top) if top <= 1 else top)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: fmt_percent(x, digits=0, lang=lang)))
    ax.set_title(nfc(title), fontfamily=FONT, fontsize=12, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def drawn_shares(fig: Figure) -> tuple[dict[str, float], float | None]:
    """What a ``share_by_unit`` figure shows, read back from its drawn bars and lines (not
    from the data it was given): ({unit label: bar length}, the target line's position)."""
    ax = fig.axes[0]
    labels = {round(t.get_position()[1]): t.get_text() for t in ax.get_yticklabels()}
    bars = {labels[round(p.get_y() + p.get_height() / 2)]: float(p.get_width()) for p in ax.patches}
    dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    return bars, float(dashed[0].get_xdata()[0]) if dashed else None


@_plain_text
def years_against_targets(rows: pd.DataFrame, *, title: str, years: tuple[int, int], lang: str = "vi") -> Figure:
    """Last year's and this year's share per indicator (``rows``: label, previous, current,
    target_previous, target_current), each year's target marked on its bar."""
    check_lang(lang)
    fig = Figure(figsize=(9, 0.9 * max(len(rows), 2) + 1.6), dpi=110)
    ax = fig.add_subplot()
    y = list(range(len(rows)))[::-1]
    for offset, column, colour, year in ((0.2, "previous", "#A6A6A6", years[0]), (-0.2, "current", BAR, years[1])):
        values = rows[column].astype(float).fillna(0.0)
        ax.barh([v + offset for v in y], values, height=0.38, color=colour, label=str(year), gid=column)
        for yi, v, shown in zip(y, values, rows[column]):
            if pd.notna(shown):
                ax.text(v, yi + offset, " " + fmt_percent(v, lang=lang), va="center", fontfamily=FONT, fontsize=8)
        targets = rows[f"target_{column}"].astype(float)
        marked = [(t, yi + offset) for t, yi in zip(targets, y) if pd.notna(t)]
        if marked:
            ax.plot([t for t, _ in marked], [v for _, v in marked], linestyle="none", marker="|", markersize=16,
                    markeredgewidth=2.2, color="#A50021" if column == "current" else "#595959",
                    gid=f"target_{column}", label=f"{TEXT[lang]['target_line']} {year}")
    ax.set_yticks(y, [textwrap.fill(nfc(str(label)), 38) for label in rows["label"]], fontfamily=FONT, fontsize=9)
    top = max([float(rows[c].astype(float).max()) for c in ("previous", "current", "target_previous",
                                                             "target_current") if rows[c].notna().any()] + [0.0])
    ax.set_xlim(0, min(1.05, top * 1.25) if top <= 1 else top * 1.25)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: fmt_percent(x, digits=0, lang=lang)))
    ax.legend(prop={"family": FONT, "size": 8}, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=4)
    ax.set_title(nfc(title), fontfamily=FONT, fontsize=12, loc="left", pad=24)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def drawn_years(fig: Figure) -> dict[str, dict[str, float]]:
    """What a ``years_against_targets`` figure shows, read back from what was drawn:
    {label: {"previous": bar, "current": bar, "target_previous": mark, "target_current": mark}}."""
    ax = fig.axes[0]
    labels = {round(t.get_position()[1]): t.get_text() for t in ax.get_yticklabels()}
    out: dict[str, dict[str, float]] = {}
    for p in ax.patches:
        centre = p.get_y() + p.get_height() / 2
        label = labels[round(centre)]
        out.setdefault(label, {})[p.get_gid() or ("previous" if centre > round(centre) else "current")] = \
            float(p.get_width())
    for line in ax.lines:
        if str(line.get_gid()).startswith("target_"):
            for x, yv in zip(line.get_xdata(), line.get_ydata()):
                out.setdefault(labels[round(yv)], {})[line.get_gid()] = float(x)
    return out


@_plain_text
def ranking_bars(rows: pd.DataFrame, *, title: str, decimals: int, lang: str = "vi") -> Figure:
    """The overall score of the units of a ranking page (``rows``: label, score, focus): the
    top, the followed units with their neighbours and the bottom, the followed ones in colour."""
    check_lang(lang)

    df = rows.dropna(subset=["score"]).reset_index(drop=True)
    fig = Figure(figsize=(9, 0.32 * max(len(df), 3) + 1.4), dpi=110)
    ax = fig.add_subplot()
    y = list(range(len(df)))[::-1]
    colours = [TOTAL if f else BAR for f in df["focus"]]
    ax.barh(y, df["score"].astype(float), color=colours)
    ax.set_yticks(y, [nfc(str(label)) for label in df["label"]], fontfamily=FONT, fontsize=8)
    for yi, v in zip(y, df["score"].astype(float)):
        ax.text(v, yi, " " + fmt_number(v, digits=decimals, lang=lang), va="center", fontfamily=FONT, fontsize=7)
    ax.set_xlim(0, float(df["score"].max()) * 1.15 if len(df) else 1)
    # the axis writes numbers as the bars' labels do (a decimal comma in Vietnamese)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: fmt_number(x, digits=_axis_digits(ax.get_xticks()),
                                                                          lang=lang)))
    ax.set_title(nfc(title), fontfamily=FONT, fontsize=12, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def _axis_digits(ticks) -> int:
    """The decimals an axis's ticks need (0,2 0,4 … one; 10 20 … none)."""
    for digits in range(4):
        if all(abs(t * 10 ** digits - round(t * 10 ** digits)) < 1e-9 for t in ticks):
            return digits
    return 4


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG, for embedding in a notebook (and so in the HTML report)."""
    buf = io.BytesIO()
    with matplotlib.rc_context(PLAIN_TEXT):
        fig.savefig(buf, format="png")
    return buf.getvalue()


def save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(PLAIN_TEXT):
        fig.savefig(path, format="png")
    return path


@_plain_text
def rank_over_years(series: pd.DataFrame, *, title: str, lang: str = "vi") -> Figure:
    """Rank per year for one or more units (``series``: columns year, rank, unit, rank_of);
    rank 1 at the top."""
    check_lang(lang)
    fig = Figure(figsize=(9, 3.8), dpi=110)
    ax = fig.add_subplot()
    for unit, g in series.dropna(subset=["rank"]).groupby("unit", sort=False):
        g = g.sort_values("year")
        ax.plot(g["year"].astype(int), g["rank"].astype(int), marker="o", label=nfc(str(unit)))
        for x, y in zip(g["year"].astype(int), g["rank"].astype(int)):
            ax.annotate(str(y), (x, y), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8,
                        fontfamily=FONT)
    ax.invert_yaxis()
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("Hạng" if lang == "vi" else "Rank", fontfamily=FONT)
    years = sorted(series["year"].dropna().astype(int).unique())
    ax.set_xticks(years, [str(y) for y in years], fontfamily=FONT, fontsize=8)
    ax.set_title(nfc(title), fontfamily=FONT, fontsize=12, loc="left")
    ax.legend(prop={"family": FONT, "size": 9}, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig
