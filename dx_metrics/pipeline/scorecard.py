"""A plan's 766 scorecard for a month, computed once from its inputs (the report renders it).

A plan whose inputs hold a one-stop log (``dossier_records``) and, optionally, the portal's
published 766 table (``index_scores``, index 766, e.g. the "Sở Ban" or "Xã Phường" sheet of its
monthly workbook with ``period: 2025-10``) gets, for ``month``: the scorecard
(``scorecard766.scorecard_766``), each component against its maximum
(``scorecard_components_766``), the dossiers that cost points (``score766.explain_766``), the
reconciliation with the published table (``reconcile766.reconcile_766``) and the method as a
table with its confidence (``method766.method_table``).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dx_metrics.context import in_its_context
from dx_metrics.indicators.method766 import load_method_766, method_table
from dx_metrics.indicators.reconcile766 import DEFAULT_TOLERANCE, reconcile_766
from dx_metrics.indicators.scorecard766 import scorecard_766, scorecard_components_766
from dx_metrics.indicators.score766 import explain_766, score_766
from dx_metrics.ingest.dataset import RecordSet
from dx_metrics.periods import parse_period
from dx_metrics.pipeline.plan import PlanReport


@dataclass
class Scorecard766:
    period: str
    card: pd.DataFrame              # one row per unit, ranked (scorecard_766)
    components: pd.DataFrame        # one row per unit and component (scorecard_components_766)
    gains: pd.DataFrame             # the dossiers that cost points, grouped (explain_766)
    reconciliation: pd.DataFrame    # estimated against published (reconcile_766); empty without a published table
    method: pd.DataFrame            # the method's components, rates, thresholds and confidence (method_table)
    published: bool                 # whether the portal's table was an input
    tolerance: float
    confidence: str = "corroborated"    # the method's as a whole (method_766.yaml); its parts may be weaker


def _published_766(r: PlanReport) -> pd.DataFrame | None:
    scores = r.tables.get("index_scores")
    if scores is None or scores.empty or "index" not in scores:
        return None
    mine = scores[(scores["index"].astype("string") == "766").fillna(False)]
    return mine if not mine.empty else None


def _latest_month(records: pd.DataFrame, published: pd.DataFrame | None) -> str:
    """The month of the published table when it is one month, else the latest month of receipt."""
    if published is not None and "period" in published:
        months = {p for p in published["period"].dropna().astype(str) if parse_period(p).first_day.month ==
                  parse_period(p).last_day.month and parse_period(p).first_day.year == parse_period(p).last_day.year}
        if len(months) == 1:
            return months.pop()
    last = pd.to_datetime(records["received_at"]).max()
    if pd.isna(last):
        raise ValueError("the dossier log has no day of receipt: give month= (\"2025-10\")")
    return f"{last.year}-{last.month:02d}"


@in_its_context
def build_scorecard_766(r: PlanReport, *, month: str | None = None, units: list[str] | None = None,
                        tolerance: float = DEFAULT_TOLERANCE, gains: int = 3, lang: str = "vi",
                        method_file: str | None = None) -> Scorecard766:
    """The 766 scorecard of the plan report ``r`` for ``month`` ("2025-10"; default: the month of
    the published table, else the latest month of the log), of ``units`` (ids; default every unit
    of the log), the published table taken from the plan's ``index_scores`` inputs of index 766.
    ``method_file``: a workspace's ``method_766.yaml`` (a local variant). A log kept in Parquet
    (a ``RecordSet``) is read into memory for the month's scorecard. Raises ``ValueError`` when
    the plan has no dossier log."""
    records = r.tables.get("dossier_records")
    if records is None:
        raise ValueError(f"plan {r.plan.plan_id}: the 766 scorecard needs an input of kind dossier_records "
                         "(a one-stop log)")
    if isinstance(records, RecordSet):
        records = records.to_pandas()
    method = load_method_766(method_file)
    published = _published_766(r)
    period = month or _latest_month(records, published)
    comps = scorecard_components_766(records, published, method, period=period, units=units, tolerance=tolerance)
    card = scorecard_766(records, published, method, period=period, units=units, tolerance=tolerance,
                         gains=gains, lang=lang, components=comps)
    mine = records if units is None else records[records["unit_id"].isin(units).fillna(False).to_numpy(dtype=bool)]
    explained = explain_766(mine, method, period=period)
    reconciliation = reconcile_766(score_766(mine, method, period=period), published, method,
                                   names=mine[["unit_id", "unit_name"]] if "unit_name" in mine else None,
                                   tolerance=tolerance) if published is not None else pd.DataFrame()
    return Scorecard766(period=period, card=card, components=comps, gains=explained, reconciliation=reconciliation,
                        method=method_table(method), published=published is not None, tolerance=tolerance,
                        confidence=method["confidence"])
