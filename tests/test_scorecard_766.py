"""The 766 scorecard of a month (issue 29, item 4), worked out by hand on two departments' logs."""
from __future__ import annotations

import pandas as pd
import pytest

from dx_metrics.indicators.scorecard766 import scorecard_766, scorecard_components_766

PERIOD = "2025-10"
STP, SYT = "ag_so_tu_phap", "ag_so_y_te"


def _log() -> pd.DataFrame:
    """Sở Tư pháp: 10 received in October, all finished on time, 4 with a fee (2 paid online),
    8 digitised, no complaint. Sở Y tế: 10 received in October, finished, 8 on time and 2 late,
    no fee, 4 digitised, 1 complaint; and 5 received and finished on time in September, digitised."""
    t = pd.Timestamp
    rows = []
    for k in range(10):
        rows.append((f"T{k}", STP, "Sở Tư pháp", t("2025-10-06 08:00"), "online", t("2025-10-13"),
                     t("2025-10-10 08:00"), 50000.0 if k < 4 else 0.0, k < 2, k < 8, False))
    for k in range(10):
        rows.append((f"Y{k}", SYT, "Sở Y tế", t("2025-10-06 08:00"), "direct", t("2025-10-13"),
                     t("2025-10-15 08:00") if k < 2 else t("2025-10-10 08:00"), 0.0, False, k < 4, k == 9))
    for k in range(5):
        rows.append((f"YS{k}", SYT, "Sở Y tế", t("2025-09-08 08:00"), "direct", t("2025-09-15"),
                     t("2025-09-12 08:00"), 0.0, False, True, False))
    df = pd.DataFrame(rows, columns=["dossier_id", "unit_id", "unit_name", "received_at", "channel", "due_at",
                                     "resolved_at", "fee", "paid_online", "digitized", "complained"])
    df["supplement_days"] = pd.Series(pd.NA, index=df.index, dtype="Float64")
    return df.astype({"dossier_id": "string", "unit_id": "string", "unit_name": "string", "channel": "string",
                      "paid_online": "boolean", "digitized": "boolean", "complained": "boolean"})


def _published() -> pd.DataFrame:
    """The portal's table as read_export gives it (index_scores), the two departments by their names."""
    pub = {"H01.12": ("Sở Tư pháp - tỉnh An Giang", dict(ckmb=18, tdgq=20, clgq=10, tttt=5, mdhl=18, mdsh=22, total=93)),
           "H01.10": ("Sở Y tế - tỉnh An Giang", dict(ckmb=9, tdgq=15, clgq=8, tttt=10, mdhl=14, mdsh=11, total=67))}
    rows = [{"index": "766", "period": PERIOD, "unit_id": u, "unit_name": name, "component": c, "score": float(v)}
            for u, (name, scores) in pub.items() for c, v in scores.items()]
    return pd.DataFrame(rows)


def test_the_log_alone_ranks_by_the_share_of_the_points_it_can_give():
    # Sở Tư pháp: TDGQ 20 (10 of 10 on time), TTTT 10 × 2/4 = 5, MDHL 18 (no overdue, no complaint),
    #   MDSH 22 (8/10 = the 80 % threshold): 65 of 70.
    # Sở Y tế: TDGQ 20 × 8/10 = 16; TTTT no dossier with a fee: not computable; MDHL 1 − 2/10 − 1/10
    #   = 0,7 -> 18 × 0,7 ÷ 0,9 = 14; MDSH 22 × 0,4 ÷ 0,8 = 11: 41 of 60.
    # 65/70 = 0,929 > 41/60 = 0,683
    card = scorecard_766(_log(), period=PERIOD).set_index("unit_id")
    assert card["rank"].to_dict() == {STP: 1, SYT: 2} and set(card["rank_of"]) == {2}
    assert (card.at[STP, "score"], card.at[STP, "score_max"]) == (65, 70)
    assert (card.at[SYT, "score"], card.at[SYT, "score_max"]) == (41, 60)
    assert card.at[SYT, "score_share"] == pytest.approx(41 / 60)
    assert card.at[SYT, "estimated"] == card.at[SYT, "score"] and pd.isna(card.at[SYT, "published_total"])
    # points lost where the log says why: Sở Y tế TDGQ 4 + MDHL 4 + MDSH 11 = 19; Sở Tư pháp TTTT 5
    assert (card.at[SYT, "points_lost"], card.at[STP, "points_lost"]) == (19, 5)
    # year to date (January-October): Sở Y tế 15 received, 13 of 15 on time -> 20 × 13/15 = 17,333;
    # digitised 9/15 = 0,6 -> 22 × 0,6 ÷ 0,8 = 16,5; 1 − 2/15 − 1/15 = 0,8 -> 16: 49,833 of 60
    assert card.at[SYT, "estimated_ytd"] == pytest.approx(20 * 13 / 15 + 16.5 + 16)
    assert card.at[SYT, "estimated_ytd_max"] == 60


def test_the_gains_are_the_largest_groups_of_dossiers_said_in_vietnamese():
    card = scorecard_766(_log(), period=PERIOD, gains=3).set_index("unit_id")
    # Sở Y tế: digitising its 6 dossiers gives MDSH 22: +11; its 2 late ones on time give TDGQ 20 (+4) and
    # MDHL 1 − 1/10 = 0,9 -> 18 (+4); its complaint (+2) is the fourth
    assert card.at[SYT, "gains"] == ("6 hồ sơ chưa số hóa: +11 điểm MDSH; 2 hồ sơ trễ hạn: +4 điểm TDGQ; "
                                     "2 hồ sơ trễ hạn: +4 điểm MDHL")
    assert card.at[STP, "gains"] == "2 hồ sơ có phí chưa thanh toán trực tuyến: +5 điểm TTTT"


def test_published_scores_fill_what_the_log_cannot_give_and_the_difference_is_flagged():
    comps = scorecard_components_766(_log(), _published(), period=PERIOD)
    c = comps.set_index(["unit_id", "component"])
    # CKMB and CLGQ are the portal's for both; Sở Y tế's TTTT too (no dossier with a fee in its log)
    assert c.loc[(SYT, "tttt"), ["points", "source"]].tolist() == [10, "published"]
    assert c.loc[(STP, "ckmb"), ["points", "source"]].tolist() == [18, "published"]
    assert c.loc[(SYT, "tdgq"), ["estimated", "published", "difference", "source"]].tolist() == [16, 15, 1, "log"]
    # TDGQ rests on a threshold dx_metrics assumed (100 %): that is the likely cause named
    assert c.loc[(SYT, "tdgq"), "cause"] == "method_assumed" and c.loc[(SYT, "tdgq"), "flagged"]
    assert c.loc[(STP, "tdgq"), "component_name_vi"] == "Tiến độ giải quyết"
    card = scorecard_766(_log(), _published(), period=PERIOD, components=comps).set_index("unit_id")
    # Sở Tư pháp 65 from the log + CKMB 18 + CLGQ 10 = 93 = published; Sở Y tế 16 + 14 + 11 + 9 + 8 + 10 = 68
    assert (card.at[STP, "score"], card.at[STP, "score_max"], card.at[STP, "difference"]) == (93, 100, 0)
    assert (card.at[SYT, "score"], card.at[SYT, "published_total"], card.at[SYT, "difference"]) == (68, 67, 1)
    assert card.at[SYT, "flagged"] and not card.at[STP, "flagged"]
    assert card.at[SYT, "published_unit_id"] == "H01.10" and card["rank"].to_dict() == {STP: 1, SYT: 2}


def test_a_scope_keeps_only_its_units_and_the_order_of_rows_does_not_matter():
    log = _log()
    one = scorecard_766(log, period=PERIOD, units=[SYT])
    assert list(one["unit_id"]) == [SYT] and one.at[0, "rank"] == 1
    shuffled = scorecard_766(log.sample(frac=1, random_state=3), period=PERIOD)
    pd.testing.assert_frame_equal(shuffled, scorecard_766(log, period=PERIOD))


# --- the sample plan: the portal's published October 2025 scores of four An Giang departments and a
# synthetic log of three of them (data/make_samples.py, province_766_october_2025) -------------------

def _sample_card():
    from conftest import ROOT
    from dx_metrics.pipeline import build_plan_report
    from dx_metrics.pipeline.scorecard import build_scorecard_766

    return build_scorecard_766(build_plan_report(ROOT / "params" / "ag_766_T10_2025.yaml"))


@pytest.fixture(scope="module")
def sample():
    return _sample_card()


def test_the_sample_plan_scores_the_month_of_the_published_table(sample):
    sc = sample
    assert sc.period == "2025-10" and sc.published and sc.confidence == "corroborated"
    card = sc.card.set_index("unit_id")
    # Ban Quản lý Khu kinh tế: 100 judged all on time (TDGQ 20), 20 of 20 paid online (TTTT 10), no
    # complaint (MDHL 18), 71 of 110 digitised: 22 × 71/110 ÷ 0,8 = 17,75; + CKMB 18 + CLGQ 10 published
    assert card.at["H01.13", "score"] == pytest.approx(93.75) and card.at["H01.13", "published_total"] == 93.75
    # Sở Công Thương: 98 of 103 on time -> 19,029; 47 of 48 -> 9,792; 57 of 102 -> 15,368; MDHL 18
    # (1 − 5/103 − 2/102 = 0,932): 62,188 + 28 = 90,188 against 90,19 published
    assert card.at["H01.06", "estimated"] == pytest.approx(20 * 98 / 103 + 10 * 47 / 48 + 18 + 27.5 * 57 / 102)
    assert abs(card.at["H01.06", "difference"]) < 0.005 and not card.at["H01.06", "flagged"]
    # Sở Dân tộc và Tôn giáo: 30 of 40 on time -> TDGQ 15 as published; MDHL 1 − 10/40 = 0,75 -> 15,
    # published 17: the portal cannot be reached by this method (it must count MDHL otherwise): flagged
    assert card.at["H01.07", "difference"] == pytest.approx(-2) and card.at["H01.07", "flagged"]
    assert card["rank"].tolist() == [1, 2, 3] and list(card.index) == ["H01.13", "H01.06", "H01.07"]
    r = sc.reconciliation.set_index(["published_unit_id", "component"])
    assert r.loc[("H01.07", "mdhl"), "cause"] == "method_assumed"
    assert set(r.loc["H01.10", "cause"]) == {"unit_not_in_log"}       # Sở Y tế: published, not in the log


def test_the_page_says_the_scores_are_estimates_and_names_components_in_vietnamese(sample):
    from dx_metrics.report import scorecard_page

    note = scorecard_page.estimate_note(sample, "vi").data
    assert "ƯỚC TÍNH" in note and "không phải điểm chính thức" in note
    assert "độ tin cậy: đối chiếu nhiều nguồn (chưa xác minh với văn bản gốc)" in note
    assert "Ở các nhóm TDGQ, TTTT, MDHL, một phần phương pháp" in note
    card, _ = scorecard_page.card_frame(sample, "vi")
    assert list(card.columns[:5]) == ["Hạng (ước tính)", "Đơn vị", "Điểm ước tính", "Điểm công bố", "Chênh lệch"]
    assert card.iloc[1]["Điểm ước tính"] == "90,19\u00a0/\u00a0100" and card.iloc[2]["Chênh lệch"] == "−2"
    comps, _ = scorecard_page.components_frame(sample, "vi")
    row = comps.set_index("Đơn vị").loc["Sở Công Thương - tỉnh An Giang"]
    assert row["Công khai, minh bạch"] == "(18)\u00a0/\u00a018" and row["Tiến độ giải quyết"] == "19,03\u00a0/\u00a020"
    page, said = scorecard_page.reconciliation_page_frame(sample, "vi")
    assert said[1] == "Không so sánh: CKMB, CLGQ, Tổng (không tính được từ sổ theo dõi hồ sơ)."
    flagged = page.set_index("Đơn vị").loc["Sở Dân tộc và Tôn giáo - tỉnh An Giang"]
    assert flagged["MDHL"] == "15\u00a0/\u00a017 (−2)" and flagged["Cần xem lại"].startswith("MDHL: chênh quá 0,50 điểm")
    fig = scorecard_page.components_chart(sample, "vi")
    assert len(fig.axes) == 6 and fig.axes[1].get_title(loc="left") == "TDGQ – Tiến độ giải quyết (20)"


def test_a_plan_without_a_dossier_log_is_refused(tmp_path):
    from dx_metrics.pipeline import build_plan_report
    from dx_metrics.pipeline.scorecard import build_scorecard_766
    from conftest import ROOT

    plan = tmp_path / "p.yaml"
    plan.write_text("id: p\ntitle: t\nunit: prov2025_91\nyear: 2025\ninputs:\n"
                    f"  - {{path: {ROOT / 'data' / 'raw' / 'ag_chi_so_766_so_ban_T10_2025.xlsx'}, kind: index_scores, "
                    "period: 2025-10}\n", "utf-8")
    with pytest.raises(ValueError, match="needs an input of kind dossier_records"):
        build_scorecard_766(build_plan_report(plan, data_dir=tmp_path))


@pytest.mark.notebook
def test_the_scorecard_notebook_runs_and_writes_its_sheets_chart_and_summary(tmp_path):
    import json

    from openpyxl import load_workbook

    from conftest import ROOT
    from dx_metrics.runner import run_plan

    result = run_plan(ROOT / "params" / "ag_766_T10_2025.yaml", notebook="scorecard_766", out_root=tmp_path,
                      generated_at="2025-11-05T08:00:00+00:00")
    assert result.status == "ok", result.error
    out = result.output
    assert out == tmp_path / "2025" / "ag_766_T10_2025_scorecard_766"
    sheets = load_workbook(out / "evaluation.xlsx", read_only=True).sheetnames
    assert sheets[:6] == ["Tổng hợp", "Điểm 766", "Điểm 766 - nhóm", "Điểm 766 - hồ sơ", "Điểm 766 - đối chiếu",
                          "Điểm 766 - phương pháp"]
    s = json.loads((out / "summary.json").read_text("utf-8"))["score_766"]
    assert (s["period"], s["estimate"], s["official"], s["method_confidence"]) == ("2025-10", True, False, "corroborated")
    assert [r["unit_id"] for r in s["scorecard"]] == ["H01.13", "H01.06", "H01.07"]
    assert (out / "charts" / "766_components.png").is_file()
    page = (out / "report.html").read_text("utf-8")
    assert "không phải điểm chính thức" in page and "Đối chiếu với điểm Cổng công bố" in page
