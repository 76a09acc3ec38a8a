"""Edges of target evaluation that the report's figures depend on, worked out by hand:
a count projected by run rate, the at-risk margin of a count, the gap of a count, and a
"<=" target met exactly (with float noise)."""
from __future__ import annotations

import pandas as pd
import pytest

from dx_metrics.plans import evaluate, load_plan


def _plan(tmp_path, targets: str):
    path = tmp_path / "p.yaml"
    path.write_text(f"id: e\ntitle: Thử\nunit: baclieu_dot\nyear: 2023\ntargets:\n{targets}", encoding="utf-8")
    return load_plan(path)


def _obs(rows):
    return pd.DataFrame([{"indicator_id": i, "unit_id": "baclieu_dot", "period": p, "numerator": v, "denominator": None,
                          "value": v, "source": "test", "note": None} for i, p, v in rows]).astype(
        {"numerator": "Float64", "denominator": "Float64", "value": "Float64", "note": "string"})


def test_a_count_to_date_is_projected_by_run_rate_and_judged_with_a_ten_percent_margin(tmp_path):
    plan = _plan(tmp_path, "  - {indicator: tasks_done_count, value: 20}\n")
    # H1: 9 done -> 9 × 12 / 6 = 18 by year end; 2 short of 20 is within 10 % of 20 (2): at risk
    at_risk = evaluate(plan, _obs([("tasks_done_count", "2023-H1", 9)]), as_of="2023-06-30").iloc[0]
    assert at_risk["projected"] == pytest.approx(18) and at_risk["status"] == "at_risk"
    # H1: 8 done -> 16 by year end; 4 short is beyond the margin: off track
    off = evaluate(plan, _obs([("tasks_done_count", "2023-H1", 8)]), as_of="2023-06-30").iloc[0]
    assert off["projected"] == pytest.approx(16) and off["status"] == "off_track"
    # Jan–Jul: 7 done -> 7 × 12 / 7 = 12 by year end
    jul = evaluate(plan, _obs([("tasks_done_count", "2023-01/2023-07", 7)]), as_of="2023-07-31").iloc[0]
    assert jul["projected"] == pytest.approx(12)


def test_the_gap_of_a_count_is_in_its_own_units(tmp_path):
    plan = _plan(tmp_path, "  - {indicator: tasks_done_count, value: 12}\n")
    row = evaluate(plan, _obs([("tasks_done_count", "2023", 15)])).iloc[0]
    assert (row["status"], row["gap"]) == ("achieved", 3)          # 15 done against 12: 3 more, not 300 points


def test_an_at_most_target_met_exactly_is_achieved_even_with_float_noise(tmp_path):
    plan = _plan(tmp_path, "  - {indicator: tasks_overdue_count, comparator: '<=', value: 2}\n")
    for value in (2, 2 + 1e-12):
        row = evaluate(plan, _obs([("tasks_overdue_count", "2023", value)])).iloc[0]
        assert row["status"] == "achieved", value
    row = evaluate(plan, _obs([("tasks_overdue_count", "2023", 3)])).iloc[0]
    assert row["status"] == "not_achieved"


def _dossier_obs(rows):
    return pd.DataFrame([{"indicator_id": "online_dossier_share", "unit_id": "baclieu_dot", "period": p,
                          "numerator": n, "denominator": d, "value": n / d, "source": f"q.xlsx, {p}", "note": None}
                         for p, n, d in rows]).astype(
        {"numerator": "Float64", "denominator": "Float64", "value": "Float64", "note": "string"})


def test_four_quarterly_reports_are_judged_as_the_year_they_cover(tmp_path):
    plan = _plan(tmp_path, "  - {indicator: online_dossier_share, value: 30%}\n")
    quarters = [("2023-Q1", 515, 1698), ("2023-Q2", 544, 1804), ("2023-Q3", 513, 1625), ("2023-Q4", 610, 1850)]
    row = evaluate(plan, _dossier_obs(quarters)).iloc[0]
    # (515 + 544 + 513 + 610) ÷ (1.698 + 1.804 + 1.625 + 1.850) = 2.182 ÷ 6.977 = 31,27 %, not a mean of shares
    assert (row["numerator"], row["denominator"]) == (2182, 6977)
    assert row["actual"] == pytest.approx(0.312742, abs=1e-6) and row["status"] == "achieved"
    assert row["basis_period"] == "2023" and row["source"] == "q.xlsx, 2023-Q1; q.xlsx, 2023-Q2; q.xlsx, 2023-Q3; q.xlsx, 2023-Q4"
    # a quarter missing: no year figure is made up from three
    gap = evaluate(plan, _dossier_obs([quarters[0], quarters[1], quarters[3]])).iloc[0]
    assert gap["status"] == "no_data" and gap["no_data_reason"] == "period_not_covered"
    # H1 and two quarters tile the year too
    mixed = evaluate(plan, _dossier_obs([("2023-H1", 1059, 3502), quarters[2], quarters[3]])).iloc[0]
    assert (mixed["numerator"], mixed["denominator"], mixed["status"]) == (2182, 6977, "achieved")


@pytest.mark.parametrize("comparator, value, status", [
    (">=", 20, "achieved"), (">=", 20 - 1e-9, "achieved"), (">=", 20 - 1e-6, "not_achieved"),
    ("<=", 20, "achieved"), ("<=", 20 + 1e-9, "achieved"), ("<=", 20 + 1e-6, "not_achieved"),
    ("==", 20, "achieved"), ("==", 20 + 5e-10, "achieved"), ("==", 21, "not_achieved"), ("==", 19, "not_achieved"),
])
def test_a_target_is_met_up_to_float_noise_and_no_further(tmp_path, comparator, value, status):
    # the tolerance (1e-9) absorbs the noise of sums and divisions, never a real shortfall
    plan = _plan(tmp_path, f"  - {{indicator: tasks_done_count, comparator: '{comparator}', value: 20}}\n")
    row = evaluate(plan, _obs([("tasks_done_count", "2023", value)])).iloc[0]
    assert row["status"] == status
