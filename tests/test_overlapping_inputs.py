"""Two inputs of a plan that hold the same figures (the same unit and period twice) are never
summed: the run is refused, naming both cells, unless the plan marks one as a comparison
source (`compare: true`), whose figures the data quality review holds against the others."""
from __future__ import annotations

import pytest

from conftest import RAW, one_stop_rows, unit_row, write_sheet
from dx_metrics.errors import DxDataError
from dx_metrics.pipeline import build_plan_report


def _plan(tmp_path, inputs: str):
    plan = tmp_path / "p.yaml"
    plan.write_text("id: p\ntitle: Thử\nunit: baclieu_dot\nyear: 2023\ninputs:\n" + inputs +
                    "targets:\n  - {indicator: online_dossier_share, value: 0.2}\n", encoding="utf-8")
    return plan


def _one_stop(tmp_path, name, online_office):
    rows = one_stop_rows([unit_row("Văn phòng Sở", 50, online_office), unit_row("Thanh tra Sở", 40, 4)],
                         period_line="Năm 2023")
    return write_sheet(tmp_path / name, rows)


def test_the_same_unit_and_period_in_two_inputs_is_refused_naming_both(tmp_path):
    _one_stop(tmp_path, "a.xlsx", 10)
    _one_stop(tmp_path, "b.xlsx", 10)
    plan = _plan(tmp_path, "  - {path: a.xlsx, kind: dossiers}\n  - {path: b.xlsx, kind: dossiers}\n")
    with pytest.raises(DxDataError) as e:
        build_plan_report(plan, data_dir=tmp_path)
    p = e.value.problems[0]
    assert p.reason == "duplicate_key" and p.file == "b.xlsx"
    assert "Văn phòng Sở" in p.message and "2023" in p.message and "a.xlsx" in p.message
    assert "would be counted twice" in p.message and "compare: true" in p.hint


def test_the_same_file_listed_twice_is_refused(tmp_path):
    _one_stop(tmp_path, "a.xlsx", 10)
    plan = _plan(tmp_path, "  - {path: a.xlsx, kind: dossiers}\n  - {path: a.xlsx, kind: dossiers}\n")
    with pytest.raises(DxDataError, match="would be counted twice"):
        build_plan_report(plan, data_dir=tmp_path)


def test_different_periods_of_one_unit_in_two_inputs_are_fine(tmp_path):
    _one_stop(tmp_path, "a.xlsx", 10)
    rows = one_stop_rows([unit_row("Văn phòng Sở", 60, 30)], period_line="Năm 2022")
    write_sheet(tmp_path / "b.xlsx", rows)
    plan = _plan(tmp_path, "  - {path: a.xlsx, kind: dossiers}\n  - {path: b.xlsx, kind: dossiers}\n")
    r = build_plan_report(plan, data_dir=tmp_path)
    row = r.evaluation.iloc[0]
    assert (row["numerator"], row["denominator"]) == (14, 90)      # 2023 only: (10 + 4) ÷ (50 + 40)


def test_a_copy_of_a_file_read_from_the_cache_names_itself(tmp_path):
    from dx_metrics import read_export

    a = _one_stop(tmp_path, "a.xlsx", 10)
    b = tmp_path / "b.xlsx"
    b.write_bytes(a.read_bytes())
    read_export(a, "dossiers", scope="baclieu_dot")
    df = read_export(b, "dossiers", scope="baclieu_dot")                 # same bytes: a cache hit
    assert set(df["source_file"]) == {"b.xlsx"} and df.attrs["origin"]["file"] == "b.xlsx"


def test_a_comparison_source_is_not_counted_and_is_held_against_the_report(tmp_path):
    _one_stop(tmp_path, "a.xlsx", 10)
    _one_stop(tmp_path, "portal.xlsx", 14)          # the portal says 14 online for the office, the report 10
    plan = _plan(tmp_path, "  - {path: a.xlsx, kind: dossiers}\n  - {path: portal.xlsx, kind: dossiers, compare: true}\n")
    r = build_plan_report(plan, data_dir=tmp_path)
    row = r.evaluation.iloc[0]
    assert (row["numerator"], row["denominator"]) == (14, 90)      # a.xlsx only: (10 + 4) ÷ (50 + 40)
    f = r.quality.flags
    f = f[f["rule"] == "external_differs"]
    # office, received online: 10 against 14 = 0,714, beyond 1 ± 10 %; everything else agrees
    assert f[["subject", "value", "reference"]].values.tolist() == [["received_online", 10, 14]]
    assert f.iloc[0]["score"] == pytest.approx(10 / 14)
    assert f.iloc[0]["source"].startswith("a.xlsx, Biểu 06a, row ") and f.iloc[0]["compared_with"][0].startswith(
        "portal.xlsx, Biểu 06a, row ")
    from dx_metrics.report.quality import flag_text
    assert flag_text(f.iloc[0], "vi").startswith("Số hồ sơ tiếp nhận trực tuyến: 10 theo báo cáo, 14 theo portal.xlsx, "
                                                 "Biểu 06a, dòng ")


def test_compare_is_only_for_one_stop_inputs(tmp_path):
    from dx_metrics.plans import load_plan
    from dx_metrics.plans.model import DxPlanError

    plan = _plan(tmp_path, "  - {path: a.xlsx, kind: tasks, compare: true}\n")
    with pytest.raises(DxPlanError, match="compare"):
        load_plan(plan)


def test_a_named_sheet_is_the_only_one_parsed():
    # the 2024 plan reads four quarters' sheets of one workbook: each read parses its own sheet only
    from dx_metrics.ingest.workbook import open_sheets

    path = RAW / "sgtvt_baclieu_mot_cua_quy_2024.xlsx"
    assert [s.name for s in open_sheets(path, only="Quý II")] == ["Quý II"]
    assert [s.name for s in open_sheets(path, only="Quý V")] == ["Quý I", "Quý II", "Quý III", "Quý IV"]
    assert [s.name for s in open_sheets(path)] == ["Quý I", "Quý II", "Quý III", "Quý IV"]
