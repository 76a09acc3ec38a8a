"""Where do we stand today: figures composed across periods, merged units and years.

A planner at a department merged on 01/07/2025 from two predecessors, with quarterly one-stop
exports as offices write them (title rows naming the issuing body, a Biểu II.06a table, a
totals row, a signer's footer), asks at 30/09/2025 where the plan stands. Figures worked by
hand (the online-dossier share, online ÷ newly received):

    Q1  Cà Mau (before the merger)   700 / 1.000     Bạc Liêu   720 / 1.000
    Q2  Cà Mau (before the merger)   760 / 1.000     Bạc Liêu   768 / 1.000
    Q3  Cà Mau (merged)            1.670 / 2.100   = 79,52 % (the quarter alone)
    Q1–Q3                          4.618 / 6.100   = 75,70 %: 4,30 points under 80 %
    Q4  Cà Mau (merged)            1.800 / 2.200
    year                           6.418 / 8.300   = 77,33 %

Pace at 30/09 for 80 %: the last three months are expected to bring 6.100 × 3 ÷ 9 = 2.033,33
dossiers; 80 % of 8.133,33 is 6.506,67, so 1.888,67 more online, 92,89 % of them.
"""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from conftest import LATE_SHARE_INDICATOR, ONE_STOP_MERGES, one_stop_rows, unit_row, write_sheet
from dx_metrics import notes
from dx_metrics.indicators.compose import compose, lineage, span_of
from dx_metrics.periods import parse_period

UNITS = """\
unit_id,name_vi,name_en,kind,parent_id,valid_from,valid_to,successor_id,name_variants
camau_dost_old,Sở Khoa học và Công nghệ tỉnh Cà Mau (trước hợp nhất),Ca Mau Department of Science and Technology (before the merger),department,prov_96,,2025-06-30,camau_dost,Sở Khoa học và Công nghệ|Sở KH&CN Cà Mau
baclieu_dost,Sở Khoa học và Công nghệ tỉnh Bạc Liêu,Bac Lieu Department of Science and Technology,department,prov_95,,2025-06-30,camau_dost,Sở Khoa học và Công nghệ|Sở KH&CN Bạc Liêu
camau_dost,Sở Khoa học và Công nghệ tỉnh Cà Mau,Ca Mau Department of Science and Technology,department,prov2025_96,2025-07-01,,,Sở Khoa học và Công nghệ|Sở KH&CN Cà Mau
"""
# (file, province line, quarter, [(division, newly received, online)])
EXPORTS = [
    ("camau_q1.xlsx", "UBND TỈNH CÀ MAU", "QUÝ I NĂM 2025", [("Văn phòng Sở", 560, 400), ("Thanh tra Sở", 440, 300)]),
    ("baclieu_q1.xlsx", "UBND TỈNH BẠC LIÊU", "QUÝ I NĂM 2025", [("Văn phòng Sở", 600, 420), ("Thanh tra Sở", 400, 300)]),
    ("camau_q2.xlsx", "UBND TỈNH CÀ MAU", "QUÝ II NĂM 2025", [("Văn phòng Sở", 560, 430), ("Thanh tra Sở", 440, 330)]),
    ("baclieu_q2.xlsx", "UBND TỈNH BẠC LIÊU", "QUÝ II NĂM 2025", [("Văn phòng Sở", 600, 448), ("Thanh tra Sở", 400, 320)]),
    ("camau_q3.xlsx", "UBND TỈNH CÀ MAU", "QUÝ III NĂM 2025", [("Văn phòng Sở", 1200, 1000), ("Thanh tra Sở", 900, 670)]),
    ("camau_q4.xlsx", "UBND TỈNH CÀ MAU", "QUÝ IV NĂM 2025", [("Văn phòng Sở", 1300, 1100), ("Thanh tra Sở", 900, 700)]),
]
PLAN = """\
id: camau_dost_2025
title: Kế hoạch chuyển đổi số năm 2025 của Sở Khoa học và Công nghệ tỉnh Cà Mau
unit: camau_dost
year: 2025
inputs:
{inputs}
targets:
  - {{indicator: online_dossier_share, value: 80%}}
"""


def _export(folder, name: str, province: str, quarter: str, divisions: list) -> None:
    rows = [unit_row(n, newly, online) for n, newly, online in divisions]
    newly, online = sum(d[1] for d in divisions), sum(d[2] for d in divisions)
    total = [newly, online, newly - online, 0, newly, 0, newly, 0, 0, 0, 0]
    sheet = one_stop_rows(rows, period_line=f"BÁO CÁO TÌNH HÌNH GIẢI QUYẾT TTHC {quarter}", total=total)
    sheet[0], sheet[1] = [province], ["SỞ KHOA HỌC VÀ CÔNG NGHỆ"]
    sheet += [[None, "Người lập biểu", None, None, None, None, None, None, "KT. GIÁM ĐỐC"],
              [None, None, None, None, None, None, None, None, "PHÓ GIÁM ĐỐC"]]
    write_sheet(folder / name, sheet, merges=ONE_STOP_MERGES)


@pytest.fixture
def merged_workspace(tmp_path):
    from dx_metrics.cli import main

    main(["init", str(tmp_path / "ws")])
    ws = tmp_path / "ws"
    (ws / "units.csv").write_text(UNITS, encoding="utf-8")
    for name, province, quarter, divisions in EXPORTS:
        _export(ws / "data" / "raw", name, province, quarter, divisions)
    return ws


def _plan(ws, files: list[str], name: str = "camau_dost_2025.yaml"):
    inputs = "\n".join(f"  - {{path: raw/{f}, kind: dossiers}}" for f in files)
    path = ws / "params" / name
    path.write_text(PLAN.format(inputs=inputs), encoding="utf-8")
    return path


def _report(ws, files, as_of=None):
    from dx_metrics.pipeline import build_plan_report

    return build_plan_report(_plan(ws, files), as_of=as_of)


ALL = [e[0] for e in EXPORTS]


# ----------------------------------------------------------------------------- a merged department

def test_at_30_09_the_year_to_date_adds_up_the_predecessors_quarters(merged_workspace):
    r = _report(merged_workspace, ALL, as_of="2025-09-30")
    row = r.evaluation.iloc[0]
    assert (row["numerator"], row["denominator"]) == (4618, 6100)       # not Q3's 1.670 / 2.100
    assert row["actual"] == pytest.approx(4618 / 6100) and round(row["actual"] * 100, 2) == 75.70
    assert row["gap"] == pytest.approx(-4.295082, abs=1e-6)              # −4,30 points, not −0,48
    assert (row["status"], row["span"], row["basis_period"]) == ("at_risk", "2025-01/2025-09", "2025-01/2025-09")
    assert row["required_pace"] == pytest.approx(1888.6667 / 2033.3333, abs=1e-6)   # 92,89 % of the rest
    assert row["units_counted"] == "baclieu_dost|camau_dost_old|camau_dost"
    said = notes.say([n for n in notes.decode(row["note_codes"]) if n["code"] == "units_counted"], "vi")
    assert said == ("cộng từ số liệu của 6 tháng đầu năm 2025: Sở Khoa học và Công nghệ tỉnh Bạc Liêu, Sở Khoa học "
                    "và Công nghệ tỉnh Cà Mau (trước hợp nhất); Quý III/2025: Sở Khoa học và Công nghệ tỉnh Cà Mau")


def test_at_year_end_the_four_quarters_are_the_year(merged_workspace):
    row = _report(merged_workspace, ALL).evaluation.iloc[0]
    assert (row["numerator"], row["denominator"], row["status"]) == (6418, 8300, "not_achieved")
    assert round(row["actual"] * 100, 2) == 77.33 and row["basis_period"] == "2025"


def test_a_predecessors_missing_quarter_is_no_data_naming_it(merged_workspace):
    files = [f for f in ALL if f != "baclieu_q2.xlsx"]
    row = _report(merged_workspace, files, as_of="2025-09-30").evaluation.iloc[0]
    assert (row["status"], row["no_data_reason"]) == ("no_data", "period_not_covered")
    said = notes.say(notes.decode(row["note_codes"]), "vi")
    assert said == ("thiếu số liệu Quý II/2025 của Sở Khoa học và Công nghệ tỉnh Bạc Liêu nên chưa cộng được số liệu "
                    "Quý I–III/2025")


def test_the_review_expects_no_report_of_a_division_for_months_its_department_did_not_exist(merged_workspace):
    r = _report(merged_workspace, ALL)
    missing = r.quality.flags[r.quality.flags["rule"] == "missing_report"]
    # divisions of the predecessors sent Q1 and Q2 and no more; the merged department's
    # divisions Q3 and Q4: none of them is missing a report
    assert missing.empty, missing[["unit_id", "period"]].to_dict("records")
    judged = r.quality.completeness.set_index("unit_id")
    assert judged.loc["camau_dost~van_phong_so", "expected"] == 2          # Q3 and Q4
    assert judged.loc["baclieu_dost~thanh_tra_so", "expected"] == 2        # Q1 and Q2


def test_the_signed_document_states_the_span_and_the_units_counted(merged_workspace, tmp_path):
    import docx

    from dx_metrics.report import write_outputs

    r = _report(merged_workspace, ALL, as_of="2025-09-30")
    written = write_outputs(r, tmp_path / "out", lang="vi", generated_at="2025-10-01T08:00:00+07:00")
    d = docx.Document(written["document"])
    (row,) = [[c.text for c in r.cells] for r in d.tables[1].rows[1:]]
    assert row[1:] == ["Tỷ lệ hồ sơ trực tuyến", "≥ 80%", "75,70%\n(Quý I–III/2025)", "−4,30\u00a0điểm\u00a0%",
                       "Có nguy cơ"]
    text = "\n".join(p.text for p in d.paragraphs)
    assert ("- Tỷ lệ hồ sơ trực tuyến: cộng từ số liệu của 6 tháng đầu năm 2025: Sở Khoa học và Công nghệ tỉnh Bạc "
            "Liêu, Sở Khoa học và Công nghệ tỉnh Cà Mau (trước hợp nhất); Quý III/2025: Sở Khoa học và Công nghệ "
            "tỉnh Cà Mau.") in text
    summary = json.loads(written["summary"].read_text("utf-8"))
    (target,) = summary["targets"]
    assert (target["numerator"], target["denominator"], target["span"]) == (4618, 6100, "2025-01/2025-09")


# ----------------------------------------------------------------------------- compose, by hand

def _obs(rows, indicator="online_dossier_share"):
    return pd.DataFrame([{"indicator_id": indicator, "unit_id": u, "period": p, "numerator": n, "denominator": d,
                          "value": (n / d) if d else n, "source": f"{u}.xlsx, {p}", "note": None, "note_codes": None,
                          "as_of": a} for u, p, n, d, *rest in rows for a in [rest[0] if rest else None]])


def test_a_cumulative_export_of_exactly_the_span_is_used_as_it_is():
    obs = _obs([("baclieu_dot", "2024-01/2024-09", 4618, 6100), ("baclieu_dot", "2024-Q1", 1, 10)])
    fig = compose(obs, "online_dossier_share", "baclieu_dot", span_of(2024, dt.date(2024, 9, 30)))
    assert (fig.numerator, fig.denominator, [p.period for p in fig.parts]) == (4618, 6100, ["2024-01/2024-09"])


def test_months_and_a_quarter_tile_the_span_and_a_later_period_is_not_known_yet():
    obs = _obs([("baclieu_dot", "2024-01", 100, 200), ("baclieu_dot", "2024-02", 110, 200),
                ("baclieu_dot", "2024-03", 120, 200), ("baclieu_dot", "2024-Q2", 400, 600),
                ("baclieu_dot", "2024-Q3", 999, 1000)])
    fig = compose(obs, "online_dossier_share", "baclieu_dot", parse_period("2024-H1"), as_of=dt.date(2024, 6, 30))
    # (100 + 110 + 120 + 400) ÷ (200 × 3 + 600) = 730 ÷ 1.200
    assert (fig.numerator, fig.denominator) == (730, 1200)
    late = compose(obs, "online_dossier_share", "baclieu_dot", span_of(2024, dt.date(2024, 8, 31)),
                   as_of=dt.date(2024, 8, 31))
    assert not late.known and late.missing == [("baclieu_dot", "2024-07/2024-08")]   # Q3 ends after 31/08


def test_two_inputs_giving_the_same_months_different_figures_is_a_conflict_naming_both():
    months = [("baclieu_dot", "2024-07", 100, 200), ("baclieu_dot", "2024-08", 100, 200),
              ("baclieu_dot", "2024-09", 100, 200)]
    same = _obs([("baclieu_dot", "2024-Q3", 300, 600), *months])
    assert compose(same, "online_dossier_share", "baclieu_dot", parse_period("2024-Q3")).numerator == 300
    months[2] = ("baclieu_dot", "2024-09", 90, 200)
    rest = [("baclieu_dot", q, 1, 2) for q in ("2024-Q1", "2024-Q2", "2024-Q4")]
    obs = _obs([("baclieu_dot", "2024-Q3", 300, 600), *months, *rest])
    # the quarter says 300 online, its three months 290: one of the two inputs is wrong,
    # whether the quarter is asked for or the year it is part of
    for span in ("2024-Q3", "2024"):
        fig = compose(obs, "online_dossier_share", "baclieu_dot", parse_period(span))
        assert not fig.known and fig.reason == "conflicting_periods", span
        assert notes.say(fig.note_codes, "en") == (
            "the inputs give the same months different figures (Jul 2024, Aug 2024, Sep 2024, Q3 2024: "
            "baclieu_dot.xlsx, 2024-07 | baclieu_dot.xlsx, 2024-08 | baclieu_dot.xlsx, 2024-09 | baclieu_dot.xlsx, "
            "2024-Q3); one of them is wrong")


def test_a_merged_units_lineage_gives_each_predecessor_its_months():
    from dx_metrics.units import load_units

    assert "camau_doc" in set(load_units()["unit_id"])
    # the registry: baclieu_dot until 28/02/2025, then baclieu_doc until 30/06, then camau_doc
    got = [(u, parse_period_of(a, b)) for u, a, b in lineage("camau_doc", parse_period("2025"))]
    assert got == [("baclieu_dot", "2025-01/2025-02"), ("baclieu_doc", "2025-03/2025-06"), ("camau_doc", "2025-H2")]


def parse_period_of(a: int, b: int) -> str:
    from dx_metrics.periods import Period

    return Period(a // 12, a % 12 + 1, b // 12, b % 12 + 1).label()


# ----------------------------------------------------------------------------- stocks

def test_a_catalogue_dated_inside_the_year_judges_a_coverage_target_at_as_of(tmp_path):
    from dx_metrics import compute_indicators, evaluate, load_plan

    services = pd.DataFrame({
        "procedure_id": [f"P{i}" for i in range(25)], "unit_id": "baclieu_dot",
        "as_of": pd.Timestamp("2025-09-30"), "online_mode": ["full"] * 18 + ["partial"] * 7,
        "provided_online": True})
    obs = compute_indicators({"services": services})
    plan = tmp_path / "p.yaml"
    plan.write_text("id: p\ntitle: Thử\nunit: baclieu_dot\nyear: 2025\ntargets:\n"
                    "  - {indicator: full_process_coverage, value: 70%}\n", encoding="utf-8")
    at = evaluate(load_plan(plan), obs, as_of="2025-09-30").iloc[0]
    # 18 of 25 procedures full-process = 72 %, as the catalogue of 30/09 says
    assert (at["actual"], at["status"], at["stock_as_of"]) == (pytest.approx(0.72), "on_track", "2025-09-30")
    before = evaluate(load_plan(plan), obs, as_of="2025-08-31").iloc[0]
    assert before["status"] == "no_data"          # the catalogue of 30/09 was not known on 31/08
    year = evaluate(load_plan(plan), obs).iloc[0]
    assert (year["actual"], year["status"]) == (pytest.approx(0.72), "achieved")   # the latest in the year


# ----------------------------------------------------------------------------- plan-native and workspace indicators

def test_an_at_most_target_on_the_plans_own_overdue_tasks_is_judged(tmp_path):
    from dx_metrics.pipeline import build_plan_report

    plan = tmp_path / "p.yaml"
    plan.write_text("""\
id: p_2023
title: Thử
unit: baclieu_dot
year: 2023
targets:
  - {indicator: tasks_overdue_count, comparator: "<=", value: 2}
  - {indicator: tasks_done_on_time_share, value: 50%}
tasks:
  - {id: NV01, title: Một, owner: baclieu_dot_office, deadline: 2023-03-31, status: in_progress}
  - {id: NV02, title: Hai, owner: baclieu_dot_office, deadline: 2023-06-30, status: not_started}
  - {id: NV03, title: Ba, owner: baclieu_dot_infra, deadline: 2023-09-30, status: in_progress}
  - {id: NV04, title: Bốn, owner: baclieu_dot_infra, deadline: 2023-05-31, status: done, completed_on: 2023-06-15}
  - {id: NV05, title: Năm, owner: baclieu_dot_office, deadline: 2023-04-30, status: done, completed_on: 2023-04-20}
  - {id: NV06, title: Sáu, owner: baclieu_dot_office, deadline: null, status: in_progress}
""", encoding="utf-8")
    ev = build_plan_report(plan).evaluation.set_index("indicator_id")
    # overdue at 31/12: NV01, NV02, NV03 (deadline passed, not done) = 3 > 2
    assert (ev.at["tasks_overdue_count", "actual"], ev.at["tasks_overdue_count", "status"]) == (3, "not_achieved")
    # due by 31/12: NV01–NV05 (5); done on time: NV05 only (NV04 was 15 days late) = 1 / 5 = 20 %
    assert (ev.at["tasks_done_on_time_share", "numerator"], ev.at["tasks_done_on_time_share", "denominator"]) == (1, 5)
    assert ev.at["tasks_done_on_time_share", "status"] == "not_achieved"


def test_a_late_share_declared_in_the_workspace_is_computed_and_judged(merged_workspace):
    from dx_metrics.pipeline import build_plan_report

    ws = merged_workspace
    (ws / "indicators.yaml").write_text(LATE_SHARE_INDICATOR, encoding="utf-8")
    # Q3 of the merged department with 42 of its 2.100 resolved dossiers late (Văn phòng Sở)
    rows = [unit_row("Văn phòng Sở", 1200, 1000), unit_row("Thanh tra Sở", 900, 670)]
    rows[0][6:9] = [0, 1158, 42]
    sheet = one_stop_rows(rows, period_line="BÁO CÁO TÌNH HÌNH GIẢI QUYẾT TTHC QUÝ III NĂM 2025",
                          total=[2100, 1670, 430, 0, 2100, 0, 2058, 42, 0, 0, 0])
    sheet[0], sheet[1] = ["UBND TỈNH CÀ MAU"], ["SỞ KHOA HỌC VÀ CÔNG NGHỆ"]
    write_sheet(ws / "data" / "raw" / "late_q3.xlsx", sheet, merges=ONE_STOP_MERGES)
    plan = ws / "params" / "late.yaml"
    plan.write_text("id: late_2025\ntitle: Thử\nunit: camau_dost\nyear: 2025\ninputs:\n"
                    "  - {path: raw/late_q3.xlsx, kind: dossiers}\n"
                    "targets:\n  - {indicator: late_dossier_share, comparator: '<=', value: 2%}\n", encoding="utf-8")
    row = build_plan_report(plan, as_of="2025-09-30").evaluation.iloc[0]
    # months before the merged department existed are its predecessors', absent here: Q1–Q2 missing
    assert row["status"] == "no_data" and row["no_data_reason"] == "period_not_covered"
    # the quarter itself: 42 ÷ 2.100 = 2,00 %, at most 2 % — met
    from dx_metrics.indicators.compose import compose as one

    report = build_plan_report(plan, as_of="2025-09-30")
    with report.context.applied():            # the workspace's indicators.yaml, as the report had it
        fig = one(report.observations, "late_dossier_share", "camau_dost", parse_period("2025-Q3"))
    assert (fig.numerator, fig.denominator) == (42, 2100)


def test_a_workspace_indicator_that_redefines_a_bundled_one_or_names_no_column_is_refused(tmp_path):
    from dx_metrics import DxDataError, registry

    bad = tmp_path / "indicators.yaml"
    bad.write_text("""\
online_dossier_share:
  name_vi: x
  name_en: x
  unit: share
  direction: higher
  formula: x
  source_table: dossiers
  aggregation: sum
  numerator: received_online
  denominator: received_total
late_share:
  name_vi: Trễ hạn
  name_en: Late
  unit: share
  direction: lower
  formula: x
  source_table: dossiers
  aggregation: sum
  numerator: resolved_lately
  denominator: resolved_total
""", encoding="utf-8")
    with pytest.raises(DxDataError) as e:
        registry.set_overlay(bad)
    said = {(p.row, p.column): p.message for p in e.value.problems}
    assert said[(1, "online_dossier_share")] == ("online_dossier_share is a bundled indicator; a workspace adds "
                                                 "indicators, it does not redefine them")
    assert said[(11, "late_share")].startswith("late_share.numerator: 'resolved_lately' is not a column of dossiers")
    assert registry.overlay() is None and "late_share" not in registry.indicator_ids()


# ----------------------------------------------------------------------------- year over year

# 2024 of the predecessors, quarter by quarter (online / newly received):
#   Cà Mau (before the merger)  600, 650, 700, 750 of 1.000 each
#   Bạc Liêu                    500, 550, 600, 650 of 1.000 each
# Jan–Sep 2024 of today's department: (600 + 650 + 700 + 500 + 550 + 600) ÷ 6.000 = 60,00 %;
# against 75,70 % in Jan–Sep 2025: +15,70 points.
LAST_YEAR = [("camau", "UBND TỈNH CÀ MAU", [600, 650, 700, 750]), ("baclieu", "UBND TỈNH BẠC LIÊU", [500, 550, 600, 650])]


def test_year_over_year_at_30_09_compares_the_same_months_of_the_predecessors_from_the_history(
        merged_workspace, tmp_path, monkeypatch):
    from dx_metrics.report import write_outputs
    from dx_metrics.pipeline import build_comparison, build_plan_report, previous_report

    ws = merged_workspace
    monkeypatch.setenv("DX_METRICS_HISTORY", str(tmp_path / "history.duckdb"))
    recorded = []
    for who, province, online in LAST_YEAR:
        files = []
        for q, n in zip(("I", "II", "III", "IV"), online):
            name = f"{who}_2024_q{len(files) + 1}.xlsx"
            _export(ws / "data" / "raw", name, province, f"QUÝ {q} NĂM 2024",
                    [("Văn phòng Sở", 500, n // 2), ("Thanh tra Sở", 500, n - n // 2)])
            files.append(name)
        unit = "camau_dost_old" if who == "camau" else "baclieu_dost"
        plan = ws / "params" / f"{unit}_2024.yaml"
        plan.write_text(PLAN.format(inputs="\n".join(f"  - {{path: raw/{f}, kind: dossiers}}" for f in files))
                        .replace("camau_dost_2025", f"{unit}_2024").replace("unit: camau_dost", f"unit: {unit}")
                        .replace("year: 2025", "year: 2024"), encoding="utf-8")
        write_outputs(build_plan_report(plan), tmp_path / "out" / unit, generated_at="2025-01-10T08:00:00+07:00")
        recorded += [plan, *(ws / "data" / "raw" / f for f in files)]
    for f in recorded:                        # last year's plans and exports are gone: the history remains
        f.unlink()
    current = _report(ws, ALL, as_of="2025-09-30")
    last = previous_report(current)
    assert last is not None and last.recorded is not None
    cmp = build_comparison(current, last)
    row = cmp[(cmp["indicator_id"] == "online_dossier_share") & (cmp["unit_id"] == "camau_dost")].iloc[0]
    assert (row["span_previous"], row["span_current"]) == ("2024-01/2024-09", "2025-01/2025-09")
    assert row["value_previous"] == pytest.approx(0.60) and row["value_current"] == pytest.approx(4618 / 6100)
    assert row["change"] == pytest.approx((4618 / 6100 - 0.60) * 100)          # +15,70 points
    assert row["predecessors"] == "baclieu_dost|camau_dost_old"
    assert notes.say(notes.decode(row["note_codes"]), "vi").startswith("so với cùng kỳ năm trước (Quý I–III/2024)")
    written = write_outputs(current, tmp_path / "yoy", comparison=cmp, generated_at="2025-10-01T08:00:00+07:00")
    summary = json.loads(written["summary"].read_text("utf-8"))
    (said,) = [c for c in summary["comparison"] if c["indicator_id"] == "online_dossier_share"
               and c["unit_id"] == "camau_dost"]
    assert (said["span_previous"], said["value_previous"], said["span_current"]) == ("2024-01/2024-09", 0.6,
                                                                                      "2025-01/2025-09")


def test_year_over_year_says_when_last_year_is_only_a_whole_year():
    from dx_metrics import compare_years

    obs = _obs([("prov_01", "2024", 1200, 6000), ("prov_01", "2025-Q1", 300, 1000), ("prov_01", "2025-Q2", 350, 1000)])
    (row,) = compare_years(obs, year=2025, as_of="2025-06-30").itertuples()
    # Jan–Jun 2025: 650 ÷ 2.000 = 32,5 %; 2024 has no half-year figure, only the year: 20 %
    assert (row.span_current, row.value_current, row.span_previous, row.value_previous) == (
        "2025-H1", 0.325, "2024", 0.2)
    assert notes.say(notes.decode(row.note_codes), "vi") == (
        "năm trước không có số liệu cùng kỳ với 6 tháng đầu năm 2025: so với cả năm 2024")


# ----------------------------------------------------------------------------- as of a date, everywhere

def test_a_ranking_page_as_of_a_date_shows_no_index_published_later():
    from conftest import ROOT
    from dx_metrics.pipeline import build_plan_report
    from dx_metrics.report.ranking_page import ranking_page

    r = build_plan_report(ROOT / "params" / "mot_nq17_2019.yaml", as_of="2019-07-31")
    # on 31/07/2019 the ICT Index 2019 (published in 2020) and the EGDI of 2020–2024 were not out
    assert r.rankings.groupby("index")["year"].max().to_dict() == {"EGDI": 2018, "ICT": 2018}
    page = ranking_page(r, "ICT", lang="vi").set_index("Đơn vị")
    # the page is 2018's: the ministry 17th of 20 (seed 001: 13th in 2019, "up 4 places")
    assert page.at["Bộ Giao thông vận tải", "Hạng"] == "17"
    (said,) = [p for p in r.problems if p.code == "scores_after_as_of"]
    assert said.say("vi") == ("không dùng EGDI 2020, EGDI 2022, EGDI 2024, ICT 2019: chỉ số của một năm được công bố "
                              "sau khi năm đó kết thúc, sau ngày số liệu 31/07/2019")
    closed = build_plan_report(ROOT / "params" / "mot_nq17_2019.yaml")          # the year closed: all of them
    assert closed.rankings.groupby("index")["year"].max().to_dict() == {"EGDI": 2024, "ICT": 2019}


def test_an_export_of_another_year_in_a_plan_is_a_warning_naming_it(merged_workspace):
    r = _report(merged_workspace, ALL)
    assert not [p for p in r.problems if p.code == "input_outside_year"]
    _export(merged_workspace / "data" / "raw", "old.xlsx", "UBND TỈNH CÀ MAU", "QUÝ IV NĂM 2024",
            [("Văn phòng Sở", 100, 50)])
    r = _report(merged_workspace, [*ALL, "old.xlsx"])
    (p,) = [p for p in r.problems if p.code == "input_outside_year"]
    assert (p.file, p.severity) == ("old.xlsx", "warning")
    assert p.say("vi") == ("có số liệu kỳ Quý IV/2024, không thuộc năm kế hoạch 2025: số liệu của tệp không được tính "
                           "cho chỉ tiêu nào (có đúng tệp không?)")


def test_a_plan_of_the_merged_unit_for_a_year_before_it_existed_counts_its_predecessors(merged_workspace):
    from dx_metrics.pipeline import build_plan_report

    ws = merged_workspace
    files = []
    for who, province, online in LAST_YEAR:
        for i, (q, n) in enumerate(zip(("I", "II", "III", "IV"), online), start=1):
            files.append(f"{who}_2024_q{i}.xlsx")
            _export(ws / "data" / "raw", files[-1], province, f"QUÝ {q} NĂM 2024",
                    [("Văn phòng Sở", 500, n // 2), ("Thanh tra Sở", 500, n - n // 2)])
    plan = _plan(ws, files, "camau_dost_2024.yaml")
    plan.write_text(plan.read_text("utf-8").replace("camau_dost_2025", "camau_dost_2024").replace("year: 2025",
                                                                                                 "year: 2024"), "utf-8")
    row = build_plan_report(plan).evaluation.iloc[0]
    # 2024 of today's department: (600 + 650 + 700 + 750) + (500 + 550 + 600 + 650) = 5.000 of 8.000
    assert (row["numerator"], row["denominator"], row["status"]) == (5000, 8000, "not_achieved")
    assert row["units_counted"] == "baclieu_dost|camau_dost_old"
