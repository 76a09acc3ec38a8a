"""The data quality review, rule by rule, on figures worked out by hand (WHO DQR metrics)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dx_metrics.quality import load_settings, review
from dx_metrics.units import provisional_id


def _obs(rows):
    return pd.DataFrame(rows, columns=["indicator_id", "unit_id", "period", "numerator", "denominator", "value",
                                       "source"])


def _parent_and_division(parent: tuple, division: tuple):
    """A count for 2023 and 2024 of the province and of one division under it: (division id, obs)."""
    u = _divisions(1)[0]
    return u, _obs([["tasks_done_count", unit, year, v, None, v, "f"]
                    for unit, values in (("prov_95", parent), (u, division)) for year, v in zip(("2023", "2024"), values)])


def _divisions(n):
    # divisions of Bạc Liêu the registry lacks: provisional units under the province
    return [provisional_id("prov_95", f"Phòng {i}") for i in range(n)]


def test_over_time_the_400_after_100_110_90_is_flagged_with_ratio_4():
    obs = _obs([["tasks_done_count", "prov_95", str(y), v, None, v, "f.xlsx"]
                for y, v in zip(range(2021, 2025), [100, 110, 90, 400])])
    r = review(obs)
    f = r.flags[r.flags["rule"] == "over_time"]
    assert f["period"].tolist() == ["2024"]
    row = f.iloc[0]
    # 400 ÷ mean(100, 110, 90) = 400 ÷ 100 = 4.0, outside 1 ± 0.33
    assert (row["value"], row["reference"], row["score"], row["threshold"]) == (400, 100, 4.0, 0.33)
    assert row["compared_with"] == ["2021", "2022", "2023"]
    # 2022: 110 ÷ 100 = 1.10; 2023: 90 ÷ mean(100, 110) = 0.857: within the band; each judged
    assert r.judged["2b"] == 3


def test_over_time_uses_the_same_quarter_of_earlier_years_when_there_is_one():
    values = {"2022-Q2": 50, "2023-Q1": 10, "2023-Q2": 60, "2024-Q1": 12, "2024-Q2": 55}
    obs = _obs([["tasks_done_count", "prov_95", p, v, None, v, "f"] for p, v in values.items()])
    r = review(obs)
    judged = r.flags[r.flags["period"] == "2024-Q2"]
    assert judged.empty               # 55 ÷ mean(50, 60) = 1.0, not 55 ÷ 12 (the quarter before)
    # 2023-Q2 ÷ 2022-Q2 = 1.2 within; 2024-Q1 ÷ 2023-Q1 = 1.2 within; 2023-Q1 has only 2022-Q2 before it
    # of its length and not its season: 10 ÷ 50 = 0.2, flagged
    f = r.flags[r.flags["rule"] == "over_time"]
    assert f["period"].tolist() == ["2023-Q1"] and f.iloc[0]["score"] == pytest.approx(0.2)


def test_outlier_across_units_80_among_20_22_25_21_is_flagged_with_its_modified_z():
    units = _divisions(5)
    shares = [0.20, 0.22, 0.25, 0.21, 0.80]
    obs = _obs([["online_dossier_share", u, "2024", None, None, v, "f"] for u, v in zip(units, shares)])
    r = review(obs)
    f = r.flags[r.flags["rule"] == "outlier_across_units"]
    assert f["unit_id"].tolist() == [units[4]]
    # median 0.22; |deviations| 0.02 0 0.03 0.01 0.58 -> MAD 0.02; M = 0.6745 × 0.58 ÷ 0.02 = 19.56
    assert f.iloc[0]["reference"] == pytest.approx(0.22)
    assert f.iloc[0]["score"] == pytest.approx(19.5605)
    # 0.25: M = 0.6745 × 0.03 ÷ 0.02 = 1.01, not flagged; five units judged
    assert r.judged["2a_moderate"] == 5
    from dx_metrics.report.quality import flag_text
    # the unit against the median of the five (itself and its four peers)
    assert flag_text(f.iloc[0], "vi") == ("80,00% so với trung vị 22,00% của 5 đơn vị cùng cấp: điểm z hiệu chỉnh 19,56 "
                                          "(ngưỡng ±3,5)")


def test_four_units_are_too_few_for_a_median_to_judge():
    obs = _obs([["online_dossier_share", u, "2024", None, None, v, "f"]
                for u, v in zip(_divisions(4), [0.2, 0.22, 0.21, 0.9])])
    r = review(obs)
    assert r.flags.empty and "2a_moderate" not in r.judged


def test_extreme_value_in_a_monthly_series():
    # eleven months at 100 and one at 500: mean 133.33, sample SD 115.47, z = 366.67 ÷ 115.47 = 3.175
    values = [100] * 11 + [500]
    obs = _obs([["tasks_done_count", "prov_95", f"2024-{m:02d}", v, None, v, "f"]
                for m, v in zip(range(1, 13), values)])
    r = review(obs)
    f = r.flags[r.flags["rule"] == "extreme_in_series"]
    assert f["period"].tolist() == ["2024-12"]
    assert f.iloc[0]["score"] == pytest.approx(3.1754, abs=1e-4)
    assert f.iloc[0]["reference"] == pytest.approx(133.3333, abs=1e-4)
    from dx_metrics.report.quality import flag_text
    # a count's mean with one decimal, the whole count without
    assert flag_text(f.iloc[0], "vi") == "500 cách trung bình 133,3 của chuỗi trong năm 3,18 độ lệch chuẩn (ngưỡng 3)"


def test_a_quarterly_series_cannot_reach_three_sd_and_says_so():
    obs = _obs([["tasks_done_count", "prov_95", f"2024-Q{q}", v, None, v, "f"]
                for q, v in zip(range(1, 5), [10, 10, 10, 90])])
    r = review(obs)
    assert "extreme_in_series" not in set(r.flags["rule"])
    # n values are at most (n − 1)/√n SD from their mean: 3 SD needs 11 values at least
    assert r.not_judged["2a_extreme"] == {"values": 11, "sd": 3.0}
    from dx_metrics.report.quality import not_judged_text
    assert not_judged_text(r.not_judged, "vi") == [
        "Giá trị cực đoan trong chuỗi (2a) chưa áp dụng: chuỗi dưới 11 giá trị trong một năm (như số liệu quý) "
        "không thể cách trung bình 3 độ lệch chuẩn."]
    assert not_judged_text({"2a_extreme": {"values": 8, "sd": 2.5}}, "en") == [
        "Extreme values in a series (2a) not applied: a series of fewer than 8 values in a year (quarterly data) "
        "can never lie 2.5 standard deviations from its mean."]


def test_a_unit_whose_ratio_departs_from_its_parents():
    # the parent grows 10 % (100 -> 110); a division grows 60 % (50 -> 80): 1.6 ÷ 1.1 = 1.4545 > 1.33
    u, obs = _parent_and_division((100, 110), (50, 80))
    r = review(obs)
    f = r.flags[r.flags["rule"] == "over_time_vs_parent"]
    assert f["unit_id"].tolist() == [u]
    assert f.iloc[0]["score"] == pytest.approx(1.6 / 1.1)
    assert f.iloc[0]["compared_with"] == ["prov_95"]
    assert r.judged["2b_parent"] == 1          # the division's 2024 against the province's 2024
    from dx_metrics.report.quality import flag_text
    # ratios with two decimals (80/50 = 1,60; 110/100 = 1,10; 1,6/1,1 = 1,45), the parent by its name
    assert flag_text(f.iloc[0], "vi") == ("tỷ số so với các kỳ trước 1,60, của đơn vị cấp trên (Tỉnh Bạc Liêu) 1,10: "
                                          "gấp 1,45 lần (ngưỡng 1 ± 33%)")
    assert flag_text(f.iloc[0], "en") == ("ratio to earlier periods 1.60, the parent's (Bac Lieu Province) 1.10: "
                                          "1.45 times (threshold 1 ± 33%)")


def _dossiers(rows):
    return pd.DataFrame(rows, columns=["unit_id", "period", "carried_over", "received_total", "received_online",
                                       "resolved_total", "pending", "source_file", "source_sheet", "source_row"])


def test_a_quarter_a_unit_did_not_report_is_listed_with_its_completeness():
    rows = [["A", f"2024-Q{q}", 0, 10, 5, 10, 0, "q.xlsx", "Q", 5 + q] for q in range(1, 5)]
    rows += [["B", f"2024-Q{q}", 0, 10, 5, 10, 0, "q.xlsx", "Q", 10 + q] for q in (1, 2, 4)]
    r = review(tables={"dossiers": _dossiers(rows)})
    f = r.flags[r.flags["rule"] == "missing_report"]
    assert f[["unit_id", "period"]].values.tolist() == [["B", "2024-Q3"]]
    c = r.completeness.set_index("unit_id")
    assert (c.at["B", "received"], c.at["B", "expected"], c.at["B", "share"]) == (3, 4, 0.75)
    assert c.at["A", "share"] == 1.0
    assert r.judged["1a"] == 8


def test_closing_stock_must_be_the_next_opening_stock():
    rows = [["A", "2024-Q1", 3, 10, 5, 8, 5, "q.xlsx", "Q", 6],
            ["A", "2024-Q2", 5, 10, 5, 12, 3, "q.xlsx", "Q", 7],      # 5 carried over = 5 pending: fine
            ["A", "2024-Q3", 4, 10, 5, 10, 4, "q.xlsx", "Q", 8]]      # 4 carried over, 3 were pending
    r = review(tables={"dossiers": _dossiers(rows)})
    f = r.flags[r.flags["rule"] == "stock_mismatch"]
    assert f[["period", "value", "reference"]].values.tolist() == [["2024-Q3", 4, 3]]
    assert f.iloc[0]["source"] == "q.xlsx, Q, row 8"
    assert r.judged["2c"] == 2


def test_a_missing_count_and_an_implausible_zero():
    rows = [["A", "2024-Q1", 0, 10, 5, 10, 0, "q.xlsx", "Q", 6],
            ["A", "2024-Q2", 0, 0, 0, 0, 0, "q.xlsx", "Q", 7],
            ["A", "2024-Q3", 0, 12, None, 12, 0, "q.xlsx", "Q", 8]]
    r = review(tables={"dossiers": _dossiers(rows)})
    missing = r.flags[r.flags["rule"] == "missing_value"]
    assert missing[["period", "subject"]].values.tolist() == [["2024-Q3", "received_online"]]
    zero = r.flags[r.flags["rule"] == "zero_value"]
    # received_total 10, 0, 12: the 0 is implausible; resolved_total likewise. pending is 0 throughout,
    # and received_online's 0 has one positive report beside it (5; the third is missing): too little to judge
    assert sorted(zero[["period", "subject"]].values.tolist()) == [["2024-Q2", "received_total"],
                                                                  ["2024-Q2", "resolved_total"]]


def test_dossier_logs_months_without_dossiers_and_answers_within_minutes():
    t0 = pd.Timestamp("2024-01-10 08:00")
    rec = pd.DataFrame({
        "dossier_id": ["d1", "d2", "d3", "d4", "d5"],
        "unit_id": ["A", "A", "A", "B", "B"],
        "received_at": [t0, t0 + pd.Timedelta(days=31), t0 + pd.Timedelta(days=62), t0, t0 + pd.Timedelta(days=62)],
        "channel": ["online", "online", "direct", "online", "online"],
        "resolved_at": [t0 + pd.Timedelta(minutes=3), t0 + pd.Timedelta(days=3), t0 + pd.Timedelta(minutes=2),
                        t0 + pd.Timedelta(minutes=10), t0 + pd.Timedelta(days=64)]})
    r = review(tables={"dossier_records": rec})
    gaps = r.flags[r.flags["rule"] == "month_without_records"]
    assert gaps[["unit_id", "period"]].values.tolist() == [["B", "2024-02"]]
    fast = r.flags[r.flags["rule"] == "fast_online"].set_index("unit_id")
    # A: d1 in 3 minutes (d3 in 2 minutes was direct); B: d4 in exactly 10 minutes
    assert fast.loc["A", "value"] == 1 and fast.loc["A", "examples"] == ["d1"] and fast.loc["A", "reference"] == 2
    assert fast.loc["B", "value"] == 1 and fast.loc["B", "examples"] == ["d4"]


def test_settings_are_defaults_that_can_be_changed_and_are_checked():
    assert load_settings()["over_time"]["band"] == 0.33
    assert load_settings({"over_time": {"band": 0.5}})["over_time"]["band"] == 0.5
    with pytest.raises(ValueError, match="over_time has no bnad"):
        load_settings({"over_time": {"bnad": 0.5}})
    with pytest.raises(ValueError, match="unknown section 'over_time'"):      # a section is a mapping
        load_settings({"over_time": 0.5})
    with pytest.raises(ValueError, match="unknown section 'overtime'"):
        load_settings({"overtime": {"band": 0.5}})
    obs = _obs([["tasks_done_count", "prov_95", str(y), v, None, v, "f"] for y, v in [(2023, 100), (2024, 140)]])
    assert len(review(obs).flags) == 1                                  # 1.40 outside 1 ± 0.33
    assert review(obs, settings={"over_time": {"band": 0.5}}).flags.empty


def test_a_self_reported_share_unlike_the_computed_one():
    computed = _obs([["online_dossier_share", "prov_95", "2023", 2076, 6800, 2076 / 6800, "one-stop"],
                     ["on_time_resolution_rate", "prov_95", "2023", 950, 1000, 0.95, "one-stop"]])
    reported = _obs([["online_dossier_share", "prov_95", "2023", None, None, 0.5, "self-assessment"],
                     ["on_time_resolution_rate", "prov_95", "2023", None, None, 0.9, "self-assessment"]])
    r = review(computed, {"observations": reported})
    f = r.flags[r.flags["rule"] == "self_reported_differs"]
    # 50 % against 2.076 ÷ 6.800 = 30,53 %: 1,638 times, beyond 1 ± 10 %; 90 % against 95 %: 0,947, within
    assert f["subject"].tolist() == ["online_dossier_share"]
    assert f.iloc[0]["score"] == pytest.approx(0.5 / (2076 / 6800)) and f.iloc[0]["source"] == "self-assessment"
    assert r.judged["2c_self"] == 2


def test_what_each_flag_says_in_vietnamese_and_english():
    from dx_metrics.report.quality import flag_text, flags_frame

    obs = _obs([["online_dossier_share", "prov_95", f"{y}", None, None, v, "f.xlsx, S, row 9"]
                for y, v in [(2021, 0.20), (2022, 0.22), (2023, 0.21), (2024, 0.63)]])
    f = review(obs).flags.iloc[0]
    # 63 % ÷ mean(20, 22, 21 %) = 63 ÷ 21 = 3,00
    assert flag_text(f, "vi") == "63,00% bằng 3,00 lần trung bình 21,00% của Năm 2021, Năm 2022, Năm 2023 (ngưỡng 1 ± 33%)"
    assert flag_text(f, "en") == "63.00% is 3.00 times the mean 21.00% of 2021, 2022, 2023 (threshold 1 ± 33%)"
    shown = flags_frame(review(obs).flags, "vi")[0].iloc[0]
    assert (shown["Dấu hiệu"], shown["Đơn vị"], shown["Kỳ"], shown["Nguồn"]) == (
        "Biến động bất thường theo thời gian", "Tỉnh Bạc Liêu", "Năm 2024", "f.xlsx, S, dòng 9")
    rows = [["A", "2024-Q1", 3, 1200, 5, 8, 1205, "q.xlsx", "Q", 6], ["A", "2024-Q2", 1250, 10, 5, 12, 3, "q.xlsx", "Q", 7]]
    stock = review(tables={"dossiers": _dossiers(rows)}).flags
    stock = stock[stock["rule"] == "stock_mismatch"].iloc[0]
    assert flag_text(stock, "vi") == "kỳ trước chuyển qua 1.250 hồ sơ nhưng cuối kỳ Quý I/2024 còn tồn 1.205"
    assert flag_text(stock, "en") == "1,250 dossiers carried over, but 1,205 were pending at the end of Q1 2024"


def test_the_stock_carries_over_the_new_year_and_one_period_judges_no_completeness():
    rows = [["A", "2023-Q4", 0, 10, 5, 8, 7, "q.xlsx", "Q", 6],
            ["A", "2024-Q1", 9, 10, 5, 12, 7, "q.xlsx", "Q", 7]]          # 7 pending at the end of 2023, 9 carried
    r = review(tables={"dossiers": _dossiers(rows)})
    f = r.flags[r.flags["rule"] == "stock_mismatch"]
    assert f[["period", "value", "reference", "compared_with"]].values.tolist() == [["2024-Q1", 9, 7, ["2023-Q4"]]]
    one = review(tables={"dossiers": _dossiers(rows[:1])})
    assert one.completeness.empty and "1a" not in one.judged


def test_equal_shares_give_no_median_deviation_to_judge_by():
    # four units at 20 % and one at 80 %: the MAD is 0, the modified z-score undefined: not judged
    obs = _obs([["online_dossier_share", u, "2024", None, None, v, "f"]
                for u, v in zip(_divisions(5), [0.2, 0.2, 0.2, 0.2, 0.8])])
    r = review(obs)
    assert "outlier_across_units" not in set(r.flags["rule"]) and "2a_moderate" not in r.judged


def test_an_online_dossier_answered_the_minute_it_arrived_counts():
    t0 = pd.Timestamp("2024-03-01 09:00")
    rec = pd.DataFrame({"dossier_id": ["x1", "x2"], "unit_id": ["A", "A"], "received_at": [t0, t0],
                        "channel": ["online", "online"], "resolved_at": [t0, t0 + pd.Timedelta(minutes=11)]})
    fast = review(tables={"dossier_records": rec}).flags
    assert fast[fast["rule"] == "fast_online"][["value", "reference", "examples"]].values.tolist() == [[1, 2, ["x1"]]]


def test_a_review_kept_to_a_units_family_and_written_for_summary_json():
    units = _divisions(5)
    obs = _obs([["online_dossier_share", u, "2024", None, None, v, "f"]
                for u, v in zip(units, [0.20, 0.22, 0.25, 0.21, 0.80])])
    r = review(obs)
    assert r.within("prov_95").flag_count == 1 and r.within("prov_96").flag_count == 0
    d = r.within("prov_95").to_dict()
    assert d["flag_count"] == 1 and d["flags"][0]["rule"] == "outlier_across_units"
    assert d["flags"][0]["value"] == 0.8 and isinstance(d["flags"][0]["compared_with"], list)
    assert d["settings"]["outliers"]["modified_z"] == 3.5 and d["judged"] == {"2a_moderate": 5}


def test_a_plan_changes_a_threshold_and_the_schema_knows_every_setting(tmp_path):
    import json

    from dx_metrics.plans import load_plan
    from dx_metrics.plans.model import DxPlanError

    schema = json.loads((Path(__file__).resolve().parents[1] / "dx_metrics" / "plans" / "plan.schema.json").read_text())
    sections = schema["properties"]["quality"]["properties"]
    assert {k: set(v["properties"]) for k, v in sections.items()} == {k: set(v) for k, v in load_settings().items()}
    base = "id: q\ntitle: Thử\nunit: baclieu_dot\nyear: 2024\n"
    (tmp_path / "p.yaml").write_text(base + "quality:\n  over_time: {band: 0.5}\n", encoding="utf-8")
    assert load_plan(tmp_path / "p.yaml").quality == {"over_time": {"band": 0.5}}
    (tmp_path / "bad.yaml").write_text(base + "quality:\n  over_time: {bnad: 0.5}\n", encoding="utf-8")
    with pytest.raises(DxPlanError) as e:
        load_plan(tmp_path / "bad.yaml")
    assert "quality.over_time" in str(e.value) and "bnad" in str(e.value)


def test_thresholds_a_plan_sets_are_said_beside_their_defaults():
    from dx_metrics.report.quality import settings_text

    assert settings_text({"over_time": {"band": 0.5}}, "vi") == "Ngưỡng do kế hoạch đặt: over_time.band = 0,50 (mặc định 0,33)"
    assert settings_text({"outliers": {"modified_z": 3}}, "en") == \
        "Thresholds set by the plan: outliers.modified_z = 3.00 (default 3.50)"


def test_online_dossiers_of_a_procedure_the_catalogue_offers_only_at_the_counter():
    services = pd.DataFrame({"procedure_id": ["1.007538", "1.001408"], "provided_online": [False, True]})
    t0 = pd.Timestamp("2024-02-01 08:00")
    rec = pd.DataFrame({"dossier_id": ["h1", "h2", "h3", "h4"], "unit_id": ["A", "A", "A", "A"],
                        "procedure_id": ["1.007538", "1.007538", "1.007538", "1.001408"],
                        "received_at": [t0] * 4, "channel": ["online", "direct", "online", "online"],
                        "resolved_at": [t0 + pd.Timedelta(days=2)] * 4})
    r = review(tables={"dossier_records": rec, "services": services})
    f = r.flags[r.flags["rule"] == "online_without_service"]
    # h1 and h3 online for 1.007538 (not offered online); h2 came to the counter; h4's service is online
    assert f[["unit_id", "subject", "value", "examples"]].values.tolist() == [["A", "1.007538", 2, ["h1", "h3"]]]
    from dx_metrics.report.quality import flag_text
    assert flag_text(f.iloc[0], "vi") == ("2 hồ sơ trực tuyến của thủ tục 1.007538, mà danh mục dịch vụ công ghi là "
                                          "không cung cấp trực tuyến (ví dụ h1, h3)")
    one_stop = pd.DataFrame({"unit_id": ["A", "A"], "period": ["2024", "2024"], "procedure_id": ["1.007538", "1.001408"],
                             "received_online": [5, 7]})
    g = review(tables={"dossiers": one_stop, "services": services}).flags
    g = g[g["rule"] == "online_without_service"]
    assert g[["subject", "value", "period"]].values.tolist() == [["1.007538", 5, "2024"]]


# --- expected units, the log's period, bursts, the catalogue as a denominator ------------------------

DIVISIONS = ["baclieu_dot_transport", "baclieu_dot_infra", "baclieu_dot_quality", "baclieu_dot_office"]


def _four_divisions(periods):
    # the registry lists five divisions under baclieu_dot; the inspectorate (baclieu_dot_inspect) never reports
    return _dossiers([[u, p, 0, 10, 5, 10, 0, "q.xlsx", "Q", 6 + i] for i, (u, p) in
                      enumerate((u, p) for p in periods for u in DIVISIONS)])


def test_expected_units_from_the_registry_flag_a_division_that_never_reported():
    table = _four_divisions(["2024-Q1", "2024-Q2"])
    r = review(tables={"dossiers": table}, scope="baclieu_dot", settings={"completeness": {"expected": "registry"}})
    f = r.flags[r.flags["rule"] == "missing_report"]
    assert f[["unit_id", "period"]].values.tolist() == [["baclieu_dot_inspect", "2024-Q1"],
                                                       ["baclieu_dot_inspect", "2024-Q2"]]
    c = r.completeness.set_index("unit_id")
    assert (c.at["baclieu_dot_inspect", "received"], c.at["baclieu_dot_inspect", "expected"]) == (0, 2)
    assert c.at["baclieu_dot_inspect", "share"] == 0.0 and c.at["baclieu_dot_office", "share"] == 1.0
    assert r.judged["1a"] == 10            # 5 expected units x 2 quarters
    assert r.absent == []


def test_one_year_is_judged_against_the_registry_but_not_against_the_units_seen():
    table = _four_divisions(["2023"])
    seen = review(tables={"dossiers": table}, scope="baclieu_dot")
    assert seen.flags.empty and "1a" not in seen.judged
    # the units seen cannot tell a division that never reported: it is named, not flagged
    assert seen.absent == ["baclieu_dot_inspect"]
    listed = review(tables={"dossiers": table}, scope="baclieu_dot", settings={"completeness": {"expected": "registry"}})
    assert listed.flags[["unit_id", "period", "value"]].values.tolist() == [["baclieu_dot_inspect", "2023", 0.0]]
    assert listed.judged["1a"] == 5


def test_a_unit_the_registry_ends_before_the_period_is_not_expected():
    # Bạc Liêu's transport divisions end on 2025-02-28 (the merger): nothing is expected of them in Q2/2025
    table = _dossiers([["prov_95", "2025-Q2", 0, 10, 5, 10, 0, "q.xlsx", "Q", 6]])
    r = review(tables={"dossiers": table}, scope="baclieu_dot", settings={"completeness": {"expected": "registry"}})
    assert r.flags.empty and r.absent == []


def test_registry_expectation_needs_a_scope():
    with pytest.raises(ValueError, match="scope"):
        review(tables={"dossiers": _four_divisions(["2024-Q1"])}, settings={"completeness": {"expected": "registry"}})


def test_dossiers_dated_outside_the_plan_year_are_counted_per_unit():
    rec = pd.DataFrame({"dossier_id": ["h1", "h2", "h3", "h4", "h5"], "unit_id": ["A", "A", "A", "B", "B"],
                        "received_at": pd.to_datetime(["2022-12-20 09:00", "2023-05-01 10:00", "2024-01-02 08:00",
                                                       "2023-12-31 16:00", "2023-01-01 07:00"]),
                        "channel": ["online", "direct", "direct", "online", "online"]})
    r = review(tables={"dossier_records": rec}, period="2023")
    f = r.flags[r.flags["rule"] == "outside_period"]
    # A: h1 (2022) and h3 (2024) of 3 dossiers; B: both inside 2023
    assert f[["unit_id", "value", "reference", "examples"]].values.tolist() == [["A", 2, 3, ["h1", "h3"]]]
    assert f.iloc[0]["period"] == "2023" and r.judged["records_period"] == 5


def test_a_burst_of_online_dossiers_from_one_applicant_in_a_day():
    day1, day2 = pd.Timestamp("2024-03-01 08:00"), pd.Timestamp("2024-03-02 08:00")
    rows = [(f"a{i}", f"d{i}", day1 + pd.Timedelta(minutes=i), "online") for i in range(20)]
    rows += [("x", f"x{i}", day2 + pd.Timedelta(minutes=i), "online") for i in range(12)]
    rows += [("y", f"y{i}", day2 + pd.Timedelta(minutes=i), "direct") for i in range(30)]   # at the counter
    rows += [("z", f"z{i}", day2 + pd.Timedelta(minutes=i), "online") for i in range(9)]    # under 10
    rec = pd.DataFrame(rows, columns=["applicant", "dossier_id", "received_at", "channel"]).assign(unit_id="A")
    r = review(tables={"dossier_records": rec})
    f = r.flags[r.flags["rule"] == "burst"]
    # (applicant, day) online counts: twenty 1s, a 12 and a 9 -> median 1; 12 >= 10 and >= 5 x 1
    assert f[["unit_id", "subject", "period", "value", "reference", "examples"]].values.tolist() == \
        [["A", "applicant", "2024-03-02", 12, 1.0, ["x0", "x1", "x2"]]]
    assert r.judged["records_burst"] == 22


def test_a_receiving_account_busy_every_day_is_no_burst():
    t0 = pd.Timestamp("2024-03-01 08:00")
    rows = [("k1", f"d{d}-{i}", t0 + pd.Timedelta(days=d, minutes=i)) for d in range(5) for i in range(20)]
    rows += [("k1", f"e{i}", t0 + pd.Timedelta(days=5, minutes=i)) for i in range(99)]   # 99 < 5 x 20
    rows += [("k1", f"f{i}", t0 + pd.Timedelta(days=6, minutes=i)) for i in range(100)]  # 100 = 5 x 20
    rec = pd.DataFrame(rows, columns=["received_by", "dossier_id", "received_at"]).assign(unit_id="A", channel="online")
    f = review(tables={"dossier_records": rec}).flags
    assert f.loc[f["rule"] == "burst", ["subject", "period", "value", "reference"]].values.tolist() == \
        [["received_by", "2024-03-07", 100, 20.0]]


def test_procedures_with_dossiers_that_the_catalogue_lacks():
    services = pd.DataFrame({"procedure_id": ["1.001", "1.002"], "provided_online": [True, False]})
    table = _dossiers([["A", "2024", 0, 10, 5, 10, 0, "m.xlsx", "S", 6], ["A", "2024", 0, 4, 0, 4, 0, "m.xlsx", "S", 7],
                       ["A", "2024", 0, 3, 1, 3, 0, "m.xlsx", "S", 8], ["B", "2024", 0, 2, 0, 2, 0, "m.xlsx", "S", 9]])
    table["procedure_id"] = ["1.001", "1.009", "2.004", "1.002"]
    r = review(tables={"dossiers": table, "services": services})
    f = r.flags[r.flags["rule"] == "not_in_catalogue"]
    # A's 1.009 (4 dossiers) and 2.004 (3): the catalogue, the denominator of service coverage, lacks them
    assert f[["metric", "unit_id", "value", "reference", "examples"]].values.tolist() == \
        [["4", "A", 2, 3, ["1.009", "2.004"]]]
    assert r.judged["4_catalogue"] == 4


def test_a_log_read_from_a_workbook_with_applicants_and_receivers_and_what_its_flags_say(tmp_path):
    from openpyxl import Workbook

    from dx_metrics import read_export
    from dx_metrics.report.quality import flag_text, flags_frame, summary_frame

    wb = Workbook()
    ws = wb.active
    ws.append(["SỔ THEO DÕI HỒ SƠ NĂM 2023"])
    ws.append(["STT", "Mã hồ sơ", "Đơn vị", "Ngày nộp", "Hình thức nộp", "Người nộp", "Cán bộ tiếp nhận"])
    t0 = pd.Timestamp("2023-03-01 08:00")
    rows = [(f"H{i:03d}", t0 + pd.Timedelta(days=i % 20, minutes=i), f"Công dân {i}") for i in range(40)]
    rows += [(f"K{i:03d}", t0 + pd.Timedelta(days=30, minutes=i), "Công ty X") for i in range(12)]
    rows += [("Z001", pd.Timestamp("2022-12-30 09:00"), "Công dân Z")]
    for n, (code, when, who) in enumerate(rows, 1):
        ws.append([n, code, "Văn phòng Sở", when.to_pydatetime(), "Trực tuyến", who, "cb01"])
    wb.save(tmp_path / "so.xlsx")
    log = read_export(tmp_path / "so.xlsx", "dossier_records", scope="baclieu_dot")
    assert {"applicant", "received_by"} <= set(log) and log["received_at"].notna().all()
    r = review(tables={"dossier_records": log}, period="2023")
    by = {s: r.flags[r.flags["subject"] == s].iloc[0] for s in ("applicant", "received_by")}
    by["outside"] = r.flags[r.flags["rule"] == "outside_period"].iloc[0]
    assert "month_without_records" not in set(r.flags["rule"])   # March alone is the span of 2023's records
    # Công ty X: 12 online dossiers on 31/03/2023, the usual (applicant, day) count 1
    assert (by["applicant"]["value"], by["applicant"]["reference"], by["applicant"]["period"]) == (12, 1.0, "2023-03-31")
    assert flag_text(by["applicant"], "vi") == ("12 hồ sơ trực tuyến trong ngày 31/03/2023 cùng một người nộp, gấp ít "
                                                "nhất 5 lần mức thường gặp (1 hồ sơ mỗi ngày), ví dụ K000, K001, K002")
    # the account cb01 took two a day (H000-H039 over 20 days), one on 30/12/2022, twelve on 31/03: median 2
    assert (by["received_by"]["value"], by["received_by"]["reference"]) == (12, 2.0)
    assert flag_text(by["outside"], "en") == ("1 of the log's 53 dossiers were received outside 2023 and "
                                                      "count in none of its figures, e.g. Z001")
    shown = flags_frame(r.flags, "vi")[0]
    assert "Công ty X" not in shown.to_string() and "cb01" not in shown.to_string()
    dims = summary_frame(r.flags, r.completeness, "vi")[0].iloc[0]
    assert (dims["Sổ theo dõi hồ sơ"], dims["Mẫu số"], dims["Tổng số dấu hiệu"]) == (3, 0, 3)


def test_what_the_catalogue_flag_and_the_absent_units_say():
    from dx_metrics.report.quality import absent_text, flag_text, settings_text

    services = pd.DataFrame({"procedure_id": ["1.001"], "provided_online": [True]})
    table = _dossiers([["A", "2024", 0, 10, 5, 10, 0, "m.xlsx", "S", 6], ["A", "2024", 0, 4, 0, 4, 0, "m.xlsx", "S", 7]])
    table["procedure_id"] = ["1.001", "1.009"]
    f = review(tables={"dossiers": table, "services": services}).flags.iloc[0]
    assert flag_text(f, "vi") == ("1 trong 2 thủ tục có hồ sơ của đơn vị không có trong danh mục dịch vụ công (mẫu số "
                                  "của các chỉ tiêu về dịch vụ công), ví dụ 1.009")
    assert absent_text(["baclieu_dot_inspect"], "baclieu_dot", "vi").startswith(
        "Danh mục đơn vị có Thanh tra Sở Giao thông vận tải tỉnh Bạc Liêu trực thuộc Sở Giao thông vận tải tỉnh Bạc Liêu "
        "nhưng không có trong báo cáo nào")
    assert settings_text({"completeness": {"expected": "registry"}}, "en") == \
        "Thresholds set by the plan: completeness.expected = registry (default seen)"


def test_the_summary_has_each_unit_and_the_overall_completeness():
    from dx_metrics.report.quality import summary_frame

    rows = [["A", f"2024-Q{q}", 0, 10, 5, 10, 0, "q.xlsx", "Q", 5 + q] for q in range(1, 5)]
    rows += [["B", f"2024-Q{q}", 0, 10, 5, 10, 0, "q.xlsx", "Q", 10 + q] for q in (1, 2, 4)]
    r = review(tables={"dossiers": _dossiers(rows)})
    df = summary_frame(r.flags, r.completeness, "en")[0].set_index("Unit")
    # A 4 of 4, B 3 of 4: overall 7 of 8 = 87.5 %; B's missing Q3 is the one completeness flag
    assert df.loc["Overall", "Reports received"] == 0.875 and df.loc["Overall", "Completeness"] == 1
    assert df["Reports received"].drop("Overall").tolist() == [1.0, 0.75]
    # no flag in any other dimension: zeros, for B (one flag) as for A (none)
    others = ["Internal consistency", "External comparison", "Dossier logs", "Denominators"]
    assert df.loc["B", others].tolist() == [0, 0, 0, 0] and df.loc["A", others + ["Completeness"]].sum() == 0
    assert df["Flags in all"].tolist() == [0, 1, 1]


def test_every_rule_is_said_in_both_languages_and_shown_in_known_ways():
    from dx_metrics.report.quality import messages

    known = {"figures": {"figure", "count", "percent", "ratio"}, "threshold": {"number", "percent"},
             "compared": {"periods", "span", "units", "sources"}}
    for rule, said in messages()["rules"].items():
        assert {"vi", "en"} <= set(said) and all(set(said[lang]) == {"label", "text"} for lang in ("vi", "en")), rule
        for what, how in said.get("shown", {}).items():
            assert how in known[what], (rule, what, how)


def test_an_answer_five_seconds_past_the_minutes_is_not_fast():
    t0 = pd.Timestamp("2024-03-01 08:00")
    rec = pd.DataFrame({"dossier_id": ["in", "out"], "unit_id": ["A", "A"], "channel": ["online", "online"],
                        "received_at": [t0, t0],
                        "resolved_at": [t0 + pd.Timedelta(minutes=10), t0 + pd.Timedelta(minutes=10, seconds=5)]})
    f = review(tables={"dossier_records": rec}).flags
    assert f.loc[f["rule"] == "fast_online", "examples"].tolist() == [["in"]]     # 600 s is within 10 minutes, 605 s not


def test_a_flag_about_no_one_figure_says_so_and_a_missing_figure_is_a_dash():
    from dx_metrics.report.quality import _figure, subject_label

    assert subject_label(None, "vi") == subject_label(float("nan"), "en") == "—"
    assert subject_label("received_online", "vi") == "Số hồ sơ tiếp nhận trực tuyến"
    assert subject_label("dossiers", "en") == "one-stop report"
    assert subject_label("online_dossier_share", "vi") == "Tỷ lệ hồ sơ trực tuyến"
    assert [_figure(x, False, "vi") for x in (None, float("nan"), 1250.0, 12.5)] == ["—", "—", "1.250", "12,5"]
    assert _figure(0.1875, True, "vi") == "18,75%" and _figure(None, True, "en") == "—"


def test_a_change_exactly_on_the_band_is_not_flagged():
    # 75 after 100: a ratio of 0,75, exactly 1 − 0,25: inside the band 1 ± 0,25 (outside means beyond it)
    obs = _obs([["tasks_done_count", "prov_95", str(y), v, None, v, "f"] for y, v in ((2023, 100), (2024, 75))])
    on_band = review(obs, settings={"over_time": {"band": 0.25}})
    assert on_band.flags[on_band.flags["rule"] == "over_time"].empty and on_band.judged["2b"] == 1
    beyond = review(obs, settings={"over_time": {"band": 0.24}})
    assert beyond.flags[beyond.flags["rule"] == "over_time"]["score"].tolist() == [0.75]


def test_a_unit_that_shrinks_as_its_parent_does_is_not_flagged():
    # parent 100 -> 80 (0,8), a division 50 -> 40 (0,8): the same change, a ratio of 1 between them
    u, obs = _parent_and_division((100, 80), (50, 40))
    r = review(obs)
    assert r.flags[r.flags["rule"] == "over_time_vs_parent"].empty and r.judged["2b_parent"] == 1


def test_the_summary_counts_each_units_flags_per_dimension_and_zero_elsewhere():
    from dx_metrics.report.quality import summary_frame

    u1, u2 = _divisions(2)
    flags = pd.DataFrame({"unit_id": [u1, u2, u2], "dimension": ["completeness", "consistency", "consistency"]})
    completeness = pd.DataFrame({"unit_id": [u1, u2], "received": [3, 4], "expected": [4, 4]})
    df = summary_frame(flags, completeness, "en")[0].set_index("Unit")
    first, second = df.index[:2]
    assert df.loc[first, ["Completeness", "Internal consistency", "External comparison"]].tolist() == [1, 0, 0]
    assert df.loc[second, ["Completeness", "Internal consistency", "External comparison"]].tolist() == [0, 2, 0]
    assert df["Flags in all"].tolist() == [1, 2, 3] and df.loc["Overall", "Reports received"] == 7 / 8


def test_one_divisions_jump_does_not_flag_its_clean_siblings():
    # five divisions of 100 each in 2023; in 2024 one jumps 18-fold (1.800), the others hold at
    # 100 (ratio 1,0). The province's ratio is (4 × 100 + 1.800) ÷ 500 = 4,4: against it every
    # clean division (1,0 ÷ 4,4 = 0,23) would look out of step. Against the median of its
    # siblings' ratios (1,0, 1,0, 1,0 and 18,0: median 1,0) a clean division is in step, and the
    # jumping one is 18 times its siblings' median.
    units = _divisions(5)
    rows = [["tasks_done_count", u, year, v, None, v, "f"] for u in units
            for year, v in (("2023", 100), ("2024", 1800 if u == units[0] else 100))]
    rows += [["tasks_done_count", "prov_95", "2023", 500, None, 500, "f"],
             ["tasks_done_count", "prov_95", "2024", 2200, None, 2200, "f"]]
    r = review(_obs(rows))
    f = r.flags[r.flags["rule"].isin(["over_time_vs_parent", "over_time_vs_siblings"])]
    assert f["unit_id"].tolist() == [units[0]]
    row = f.iloc[0]
    assert (row["rule"], row["value"], row["reference"], row["score"]) == ("over_time_vs_siblings", 18.0, 1.0, 18.0)
    assert row["compared_with"] == units[1:]
    from dx_metrics.report.quality import flag_text
    # (the divisions are named by id here: no export was read to give their written names)
    assert flag_text(row, "vi") == ("tỷ số so với các kỳ trước 18,00, trung vị của 4 đơn vị cùng cấp (prov_95~phong_1, "
                                    "prov_95~phong_2, prov_95~phong_3, prov_95~phong_4) 1,00: gấp 18,00 lần "
                                    "(ngưỡng 1 ± 33%)")
