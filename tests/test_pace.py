"""The pace still needed to meet a target, worked out by hand (issue 13): for a share, the
share of the rest of the year's expected volume that must be reached; for a count, the monthly
rate; unreachable when even all of the remaining volume would not do."""
from __future__ import annotations

import pandas as pd
import pytest

from dx_metrics.plans import evaluate, load_plan
from dx_metrics.plans.pace import required_pace


def test_a_share_needs_42_percent_of_the_remaining_five_months():
    # Jan–Jul: 1.500 online of 7.000 received. The rest of the year is expected to bring
    # 7.000 ÷ 7 × 5 = 5.000 more; 30 % of 12.000 is 3.600, so 2.100 of the 5.000 (42 %)
    p = required_pace(">=", 0.30, share=True, numerator=1500, denominator=7000, value=1500 / 7000, months=7)
    assert p == {"required_pace": pytest.approx(0.42), "pace_unit": "share_of_remaining", "pace_reachable": True,
                 "pace_months_left": 5}


def test_a_share_out_of_reach():
    # 500 of 7.000 by July against 60 %: 7.200 − 500 = 6.700 needed of 5.000 (134 %)
    p = required_pace(">=", 0.60, share=True, numerator=500, denominator=7000, value=500 / 7000, months=7)
    assert p["required_pace"] == pytest.approx(1.34) and p["pace_reachable"] is False


def test_a_share_already_secured_needs_nothing_more():
    # 4.000 of 7.000 by July against 30 %: 3.600 already reached, the rest may be 0 %
    p = required_pace(">=", 0.30, share=True, numerator=4000, denominator=7000, value=4000 / 7000, months=7)
    assert p["required_pace"] == 0 and p["pace_reachable"] is True


def test_an_at_most_share_allows_the_rest_a_ceiling():
    # at most 10 % overdue; 500 of 7.000 overdue by July: 1.200 − 500 = 700 of 5.000 (14 %) allowed
    p = required_pace("<=", 0.10, share=True, numerator=500, denominator=7000, value=500 / 7000, months=7)
    assert p["required_pace"] == pytest.approx(0.14) and p["pace_reachable"] is True
    over = required_pace("<=", 0.05, share=True, numerator=700, denominator=7000, value=0.1, months=7)
    assert over["required_pace"] == pytest.approx(-0.02) and over["pace_reachable"] is False   # 600 − 700 < 0


def test_a_count_needs_a_monthly_rate():
    # 20 tasks done by year end; 9 done in H1: (20 − 9) ÷ 6 = 1,83 a month
    p = required_pace(">=", 20, share=False, numerator=9, denominator=None, value=9, months=6)
    assert p == {"required_pace": pytest.approx(11 / 6), "pace_unit": "per_month", "pace_reachable": True,
                 "pace_months_left": 6}


def test_no_pace_for_a_closed_year_or_a_share_without_its_counts():
    assert required_pace(">=", 0.3, share=True, numerator=1, denominator=2, value=0.5, months=12) is None
    assert required_pace(">=", 0.3, share=True, numerator=None, denominator=None, value=0.25, months=7) is None


def test_evaluate_gives_the_pace_for_a_target_judged_on_the_year_to_date(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("id: e\ntitle: Thử\nunit: baclieu_dot\nyear: 2023\ntargets:\n"
                    "  - {indicator: online_dossier_share, value: 30%}\n", encoding="utf-8")
    obs = pd.DataFrame([{"indicator_id": "online_dossier_share", "unit_id": "baclieu_dot", "period": "2023-01/2023-07",
                         "numerator": 1500, "denominator": 7000, "value": 1500 / 7000, "source": "t", "note": None}])
    row = evaluate(load_plan(path), obs, as_of="2023-07-31").iloc[0]
    assert row["required_pace"] == pytest.approx(0.42) and row["pace_reachable"] and row["pace_unit"] == \
        "share_of_remaining"
    closed = evaluate(load_plan(path), obs).iloc[0]
    assert pd.isna(closed["required_pace"])


def test_the_pace_as_the_reports_say_it():
    from dx_metrics.report.tables import pace_text

    def row(comparator, pace, unit, reachable, months=5):
        return pd.Series({"required_pace": pace, "pace_unit": unit, "pace_reachable": reachable,
                          "pace_months_left": months, "comparator": comparator})
    assert pace_text(row(">=", 0.42, "share_of_remaining", True), "vi") == "42,00% số còn lại (5 tháng)"
    assert pace_text(row(">=", 0.42, "share_of_remaining", True), "en") == "42.00% of the rest (5 months)"
    assert pace_text(row(">=", 1.34, "share_of_remaining", False), "vi") == "không thể đạt (cần 134,00%)"
    assert pace_text(row(">=", 0.0, "share_of_remaining", True), "vi") == "đã bảo đảm"
    assert pace_text(row("<=", 0.14, "share_of_remaining", True), "vi") == "tối đa 14,00% số còn lại (5 tháng)"
    assert pace_text(row(">=", 11 / 6, "per_month", True, 6), "vi") == "1,83 mỗi tháng (6 tháng)"
    assert pace_text(row(">=", None, None, None), "vi") is None


def test_the_ministrys_mid_year_report_says_the_pace(tmp_path):
    # the 2019 ministry plan on seven months (as_of 31/07/2019, as in the sample schedule)
    import json

    from conftest import ROOT
    from dx_metrics.pipeline import build_plan_report
    from dx_metrics.report import write_outputs

    r = build_plan_report(ROOT / "params" / "mot_nq17_2019.yaml", as_of="2019-07-31")
    ev = r.evaluation.set_index("indicator_id")
    share = ev.loc["online_dossier_share"]
    n, d = float(share["numerator"]), float(share["denominator"])
    expected = (float(share["target"]) * (d + d * 5 / 7) - n) / (d * 5 / 7)       # by hand, from its counts
    assert share["required_pace"] == pytest.approx(max(expected, 0.0))
    written = write_outputs(r, tmp_path, lang="vi")
    summary = json.loads(written["summary"].read_text("utf-8"))
    target = next(t for t in summary["targets"] if t["indicator_id"] == "online_dossier_share")
    assert target["required_pace"] == pytest.approx(max(expected, 0.0)) and target["pace_months_left"] == 5
    import docx
    texts = [p.text for p in docx.Document(written["document"]).paragraphs]
    assert "Để đạt các chỉ tiêu vào cuối năm, phần còn lại của năm cần đạt:" in texts


def test_exactly_all_of_the_remaining_volume_is_within_reach():
    # 1.000 online of 7.000 by July against 50 %: the rest brings 7.000 ÷ 7 × 5 = 5.000 more;
    # 50 % of 12.000 is 6.000, so 5.000 of the 5.000 are needed: 100 %, hard but possible
    p = required_pace(">=", 0.50, share=True, numerator=1000, denominator=7000, value=1000 / 7000, months=7)
    assert p["required_pace"] == 1.0 and p["pace_reachable"] is True
    from dx_metrics.report.tables import pace_text

    row = pd.Series({**p, "comparator": ">="})
    assert pace_text(row, "vi") == "100,00% số còn lại (5 tháng)"


def test_a_count_target_already_met_needs_no_negative_pace():
    # 25 tasks done by June against 20: (20 − 25) ÷ 6 would be −0,83 a month; nothing more is needed
    p = required_pace(">=", 20, share=False, numerator=25, denominator=None, value=25, months=6)
    assert p == {"required_pace": 0.0, "pace_unit": "per_month", "pace_reachable": True, "pace_months_left": 6}
