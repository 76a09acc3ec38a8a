"""Is a multi-year target on track? The CAGR ratio method of the Open SDG platform.

Method (Statistics Canada / Open SDG progress measure, for SDG indicators with a target):

    CAGR_obs = (y_t / y_0) ** (1 / (t − t0)) − 1        observed growth since the baseline
    CAGR_req = (y_T / y_0) ** (1 / (T − t0)) − 1        growth needed to reach the target
    R = CAGR_obs / CAGR_req                             (sign flipped when lower is better)

The target counts as achieved first; then R ≥ 0.95 is on track, 0.60 ≤ R < 0.95 needs
acceleration, 0 ≤ R < 0.60 is limited progress, R < 0 is deterioration. A zero baseline
or target is replaced by 0.001. The thresholds are parameters (``THRESHOLDS``).

Shares close to 100 % make growth rates misleading: 70 % → 100 % is "only" 43 % growth,
and the gap to a 100 % target is 0, which the method's 0.001 floor turns into a required
shrinkage no real path can match. For shares dx_metrics therefore judges progress along
the *linear path* from the baseline to the target (``method="linear"``, the default for
shares): R = (y_t − y_0) ÷ (y_T̂ − y_0), where y_T̂ = y_0 + (y_T − y_0)(t − t0)/(T − t0) is
where the straight line stands in year t, with the same thresholds. ``method="cagr"``
applies the CAGR ratio to the share itself, ``method="gap"`` to the gap to 100 % (1 − y).
Counts use the CAGR ratio.
"""
from __future__ import annotations

from dataclasses import dataclass

THRESHOLDS = (0.95, 0.60, 0.0)
LABELS = ("achieved", "on_track", "acceleration_needed", "limited_progress", "deterioration")
_FLOOR = 0.001


@dataclass(frozen=True)
class Trajectory:
    label: str
    ratio: float | None
    cagr_observed: float | None
    cagr_required: float | None


def _cagr(start: float, end: float, years: float) -> float:
    start, end = max(start, _FLOOR), max(end, _FLOOR)
    return (end / start) ** (1.0 / years) - 1.0


def assess(*, baseline_year: int, baseline: float, year: int, value: float, target_year: int, target: float,
           higher_is_better: bool = True, share: bool = False, method: str | None = None,
           thresholds: tuple[float, float, float] = THRESHOLDS) -> Trajectory:
    """The trajectory label of ``value`` (in ``year``) on the way from ``baseline`` to ``target``."""
    if not (baseline_year < year and baseline_year < target_year):
        raise ValueError("the baseline year must come before the current and the target year")
    method = method or ("linear" if share else "cagr")
    if method not in ("linear", "cagr", "gap"):
        raise ValueError(f"method must be 'linear', 'cagr' or 'gap', not {method!r}")
    achieved = value >= target if higher_is_better else value <= target
    if achieved:
        return Trajectory("achieved", None, None, None)
    if method == "linear":
        expected = baseline + (target - baseline) * (year - baseline_year) / (target_year - baseline_year)
        obs, req = value - baseline, expected - baseline
    else:
        y0, yt, yT = baseline, value, target
        if method == "gap" and higher_is_better:   # the gap to 100 %, which should shrink
            y0, yt, yT = 1 - y0, 1 - yt, 1 - yT
        obs = _cagr(y0, yt, year - baseline_year)
        req = _cagr(y0, yT, target_year - baseline_year)
    if req == 0:
        return Trajectory("on_track" if obs == 0 else "deterioration", None, obs, req)
    # observed and required change point the same way when the unit moves towards its
    # target (both negative when a gap or a lower-is-better value shrinks): R > 0 then
    ratio = obs / req
    on, accel, limited = thresholds
    if ratio >= on:
        label = "on_track"
    elif ratio >= accel:
        label = "acceleration_needed"
    elif ratio >= limited:
        label = "limited_progress"
    else:
        label = "deterioration"
    return Trajectory(label, ratio, obs, req)
