"""One answer to "figure F of unit U over span S, as known on date D".

Observations are stored at their own unit and period, as the exports gave them (a
quarter's report, a month's, a catalogue at a date). A report asks for other spans: the
plan year, or the year to date at ``as_of``. ``compose`` answers such a request the way
DHIS2's analytics answers any org unit × period (METHODS.md, "Composing a figure"):

- a **flow** (``aggregation: sum`` in the registry: dossiers received, resolved) over a
  span is the export of exactly that span when there is one, else the sum of the periods
  that tile it without gap or overlap (months, quarters, halves, Decree 09 periods),
  numerators and denominators summed and the share taken of the sums; a span the
  periods cannot cover is missing, naming the missing part ("thiếu Quý II/2025"); two
  overlapping periods that give different figures for the same months are a conflict
  naming both sources;
- a **stock** (``aggregation: last``: services offered, accounts, a self-assessed share)
  is the latest value dated on or before the span's end within its year — a catalogue
  "tính đến ngày 30/09/2025" answers for any span of 2025 ending on or after that date;
- a **unit over a span** is itself for the months it existed, and for the months before,
  the units that became it (merged, renamed: ``successor_id`` and validity dates of the
  registry), each for the months it existed; a unit's own consolidated figures for
  months before it existed are used when its predecessors' are not there.

Figures of periods that end after ``as_of`` are not used: they were not known on that
date. Evaluation, year over year, the review and the reports all ask ``compose``, so two
notebooks never give two answers.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from dx_metrics import notes
from dx_metrics.periods import Period, parse_period
from dx_metrics.registry import indicator

_TOL = 1e-9


@dataclass(frozen=True)
class Part:
    """One observation a figure was composed from."""

    unit_id: str
    period: str
    numerator: float | None
    denominator: float | None
    value: float | None
    source: str | None


@dataclass
class Figure:
    """A composed figure: ``value`` with its ``numerator`` and ``denominator`` over ``span``
    for ``unit_id``; ``parts`` the observations summed (or the stock read); ``missing``
    the periods no input covers (then ``value`` is None and ``reason`` says why)."""

    indicator_id: str
    unit_id: str
    span: str
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    parts: list[Part] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)     # (unit_id, period label)
    reason: str | None = None       # a no-data reason code of plans.evaluate, or "conflicting_periods"
    note_codes: list[dict] = field(default_factory=list)
    as_of: str | None = None        # a stock: the date its value stands at

    @property
    def known(self) -> bool:
        return self.value is not None

    @property
    def units(self) -> list[str]:
        """The units whose figures were counted, in order of first use."""
        return list(dict.fromkeys(p.unit_id for p in self.parts))

    @property
    def source(self) -> str | None:
        said = list(dict.fromkeys(p.source for p in self.parts if p.source))
        return "; ".join(said) or None

    @property
    def basis(self) -> str:
        """The period the figure stands for: the span, or a stock's own period."""
        return self.parts[0].period if len(self.parts) == 1 and self.aggregation == "last" else self.span

    @property
    def aggregation(self) -> str:
        return aggregation(self.indicator_id)


def aggregation(indicator_id: str) -> str:
    """How an indicator's figures combine over time: "sum" (a flow) or "last" (a stock)."""
    return indicator(indicator_id).get("aggregation", "last")


def span_of(year: int, as_of: dt.date | None = None) -> Period:
    """A plan run's span: the year, or the year to date when ``as_of`` lies inside it
    (through the month of ``as_of``: periods ending in that month count as known)."""
    if as_of is not None and dt.date(year, 1, 1) <= as_of < dt.date(year, 12, 31):
        return Period(year, 1, year, as_of.month)
    return Period(year, 1, year, 12)


def _month(y: int, m: int) -> int:
    return y * 12 + m - 1


def _period_of(first: int, last: int) -> Period:
    return Period(first // 12, first % 12 + 1, last // 12, last % 12 + 1)


def _dated(row, span: Period) -> dt.date | None:
    """The date a stock's value stands at: its ``as_of``, else its period's last day."""
    when = row.get("as_of") if hasattr(row, "get") else None
    if when is not None and not (isinstance(when, float) and pd.isna(when)) and pd.notna(when) and str(when):
        return pd.Timestamp(str(when)).date()
    try:
        return parse_period(row["period"]).last_day
    except ValueError:
        return None


def lineage(unit_id: str, span: Period) -> list[tuple[str, int, int]]:
    """(unit, first month, last month) covering ``span``: the unit for the months it was in
    force, and before it existed the units that became it, each for its own months (a month
    belongs to the unit in force on its last day). Months after the unit ended (and those
    before it began with no predecessor) are not the unit's and are left out."""
    from dx_metrics.units import load_units

    units = load_units().set_index("unit_id")
    out: list[tuple[str, int, int]] = []

    def months_of(u: str) -> tuple[int, int]:
        if u not in units.index:
            return -10 ** 9, 10 ** 9
        start, end = units.loc[u, "valid_from"], units.loc[u, "valid_to"]
        a = -10 ** 9 if pd.isna(start) else _month(start.year, start.month)
        b = 10 ** 9 if pd.isna(end) else _month(end.year, end.month) - (0 if _last_day(end) else 1)
        return a, b

    def walk(u: str, lo: int, hi: int, seen: frozenset) -> None:
        start, end = months_of(u)
        a, b = max(start, lo), min(end, hi)
        if a <= b:
            out.append((u, a, b))
        before = min(hi, start - 1)             # months before the unit began: its predecessors'
        if lo <= before:
            for p in units.index[units["successor_id"] == u]:
                if p not in seen:
                    walk(str(p), lo, before, seen | {p})

    walk(unit_id, _month(span.start_year, span.start_month), _month(span.end_year, span.end_month),
         frozenset({unit_id}))
    return sorted(out, key=lambda s: (s[1], s[0]))


def _last_day(d: pd.Timestamp) -> bool:
    return (d + pd.Timedelta(days=1)).day == 1


def compose(observations: pd.DataFrame, indicator_id: str, unit_id: str, span: Period | str, *,
            as_of: dt.date | None = None) -> Figure:
    """The figure of ``indicator_id`` for ``unit_id`` over ``span`` as known on ``as_of``."""
    span = parse_period(span) if isinstance(span, str) else span
    fig = Figure(indicator_id, unit_id, span.label())
    rows = observations[observations["indicator_id"] == indicator_id]
    stock = aggregation(indicator_id) == "last"
    # a flow of a period that ends after as_of was not known then; a stock is judged by its date
    known_by = _month(as_of.year, as_of.month) if as_of is not None and not stock else None
    cands = []
    for i, r in rows.iterrows():
        try:
            p = parse_period(r["period"])
        except ValueError:
            continue
        a, b = _month(p.start_year, p.start_month), _month(p.end_year, p.end_month)
        if known_by is not None and b > known_by:
            continue            # not known yet on as_of
        cands.append((i, str(r["unit_id"]), a, b))
    if stock:
        return _stock(fig, rows, cands, span, as_of)
    return _flow(fig, rows, cands, span)


def _stock(fig: Figure, rows: pd.DataFrame, cands: list, span: Period, as_of: dt.date | None) -> Figure:
    """The latest value dated within the span's year and on or before its end: the unit's own,
    else (a unit that did not exist yet) the sum of the units that became it and stood at the
    span's end (counts added, a share from its summed counts)."""
    end = span.last_day if as_of is None else min(span.last_day, as_of)

    def latest(unit: str):
        best = None
        for i, u, a, b in cands:
            if u != unit:
                continue
            when = _dated(rows.loc[i], span)
            if when is None or when > end or when.year != span.end_year:
                continue
            if best is None or (when, b - a) > best[0]:
                best = ((when, b - a), i)
        return best

    found = latest(fig.unit_id)
    if found is not None:
        picked = [found]
    else:
        last = _month(span.end_year, span.end_month)
        standing = [u for u, a, b in lineage(fig.unit_id, span) if b == last and u != fig.unit_id]
        picked = [latest(u) for u in standing]
        if not standing or any(p is None for p in picked):
            return _missing(fig, [(fig.unit_id, span.label())])
    parts = [rows.loc[i] for _, i in picked]
    fig.parts = [_part(r) for r in parts]
    fig.as_of = max(when for (when, _), _ in picked).isoformat()
    return _valued(fig, parts)


def _flow(fig: Figure, rows: pd.DataFrame, cands: list, span: Period) -> Figure:
    first, last = _month(span.start_year, span.start_month), _month(span.end_year, span.end_month)
    exact = [i for i, u, a, b in cands if u == fig.unit_id and (a, b) == (first, last)]
    if exact:
        chosen = [exact[0]]
        mine = [(i, ca, cb) for i, cu, ca, cb in cands if cu == fig.unit_id and first <= ca and cb <= last]
        if (conflict := _conflict(rows, mine, chosen)) is not None:
            return _conflicting(fig, rows, conflict)
    else:
        chosen, missing = [], []
        for u, a, b in lineage(fig.unit_id, span):
            mine = [(i, ca, cb) for i, cu, ca, cb in cands if cu == u and a <= ca and cb <= b]
            tiles = _tile(mine, a, b)
            if tiles is None and u != fig.unit_id:      # a consolidated export under the new unit
                own = [(i, ca, cb) for i, cu, ca, cb in cands if cu == fig.unit_id and a <= ca and cb <= b]
                tiles = _tile(own, a, b)
            if tiles is None:
                missing += [(u, p) for p in _uncovered(mine, a, b)]
                continue
            if (conflict := _conflict(rows, mine, tiles)) is not None:
                return _conflicting(fig, rows, conflict)
            chosen += tiles
        if missing or not chosen:
            return _missing(fig, missing or [(fig.unit_id, span.label())])
    parts = [rows.loc[i] for i in chosen]
    fig.parts = [_part(r) for r in parts]
    return _valued(fig, parts)


def _tile(cands: list[tuple], a: int, b: int) -> list | None:
    """Row ids of periods that cover months a..b without gap or overlap, longest first."""
    by_start: dict[int, list[tuple]] = {}
    for i, ca, cb in cands:
        by_start.setdefault(ca, []).append((cb, i))
    for options in by_start.values():
        options.sort(reverse=True)

    def go(m: int) -> list | None:
        if m == b + 1:
            return []
        for cb, i in by_start.get(m, []):
            if cb <= b and (rest := go(cb + 1)) is not None:
                return [i, *rest]
        return None

    return go(a)


def _uncovered(cands: list[tuple], a: int, b: int) -> list[str]:
    """The spans of months a..b no candidate period covers, as period labels (whole runs)."""
    covered = {m for _, ca, cb in cands for m in range(ca, cb + 1)}
    out, run = [], []
    for m in range(a, b + 2):
        if m <= b and m not in covered:
            run.append(m)
        elif run:
            out.append(_period_of(run[0], run[-1]).label())
            run = []
    if not out:     # every month has a figure, but the periods overlap without tiling
        out.append(_period_of(a, b).label())
    return out


def _conflict(rows: pd.DataFrame, cands: list[tuple], tiles: list) -> list | None:
    """Two inputs that give the same months different figures, or None: a period not chosen
    whose months are exactly some chosen periods, or a chosen period whose months the
    periods not chosen tile too, with other sums. Returns the row ids of both sides."""
    chosen = {i: (ca, cb) for i, ca, cb in cands if i in tiles}
    others = [(i, ca, cb) for i, ca, cb in cands if i not in chosen]
    pairs = []
    for i, ca, cb in others:            # a longer period made of chosen ones
        inside = [j for j, (ja, jb) in chosen.items() if ca <= ja and jb <= cb]
        if sum(chosen[j][1] - chosen[j][0] + 1 for j in inside) == cb - ca + 1:
            pairs.append((inside, [i]))
    for j, (ja, jb) in chosen.items():  # a chosen period the shorter ones tile as well
        inside = [(i, ca, cb) for i, ca, cb in others if ja <= ca and cb <= jb]
        if inside and (tiling := _tile(inside, ja, jb)) is not None:
            pairs.append(([j], tiling))
    for one, other in pairs:
        for col in ("numerator", "denominator"):
            a, b = rows.loc[one][col], rows.loc[other][col]
            if a.isna().any() or b.isna().any():
                continue
            if abs(float(a.sum()) - float(b.sum())) > _TOL * max(1.0, abs(float(a.sum()))):
                return sorted([*one, *other], key=lambda i: str(rows.loc[i]["period"]))
    return None


def _conflicting(fig: Figure, rows: pd.DataFrame, ids: list) -> Figure:
    fig.parts = [_part(rows.loc[i]) for i in ids]
    fig.reason = "conflicting_periods"
    fig.note_codes = [notes.note("conflicting_periods", periods=[str(rows.loc[i]["period"]) for i in ids],
                                 sources=" | ".join(str(rows.loc[i]["source"]) for i in ids))]
    return fig


def _part(r: pd.Series) -> Part:
    def num(v):
        return None if pd.isna(v) else float(v)

    return Part(str(r["unit_id"]), str(r["period"]), num(r["numerator"]), num(r["denominator"]), num(r["value"]),
                None if pd.isna(r["source"]) else str(r["source"]))


def _missing(fig: Figure, missing: list[tuple[str, str]]) -> Figure:
    fig.missing = missing
    fig.reason = "period_not_covered"
    return fig


def _valued(fig: Figure, parts: list[pd.Series]) -> Figure:
    """The value of the composed parts: one part as it is; several summed (a share from the
    summed numerators and denominators). A part without its figure leaves the value missing
    with the part's own note; a share given without its counts cannot be combined."""
    share = indicator(fig.indicator_id)["unit"] == "share"
    if len(parts) == 1:
        r = parts[0]
        fig.numerator = None if pd.isna(r["numerator"]) else float(r["numerator"])
        fig.denominator = None if pd.isna(r["denominator"]) else float(r["denominator"])
        if pd.isna(r["value"]):
            fig.reason = "value_missing"
            fig.note_codes = notes.decode(r.get("note_codes"))
        else:
            fig.value = float(r["value"])
        return fig
    blank = [r for r in parts if pd.isna(r["value"]) or pd.isna(r["numerator"])
             or (share and pd.isna(r["denominator"]))]
    if blank:
        fig.reason = "value_missing"
        fig.note_codes = notes.decode(blank[0].get("note_codes")) or [
            notes.note("part_not_computable", period=str(blank[0]["period"]), unit=str(blank[0]["unit_id"]))]
        return fig
    fig.numerator = float(sum(float(r["numerator"]) for r in parts))
    if share:
        fig.denominator = float(sum(float(r["denominator"]) for r in parts))
        if not fig.denominator:
            fig.reason = "value_missing"
            fig.note_codes = [notes.note("denominator_zero")]
            return fig
        fig.value = fig.numerator / fig.denominator
    else:
        fig.value = fig.numerator
    return fig
