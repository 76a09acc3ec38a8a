"""Contracts at the door of compute_indicators, and provenance per row.

A figure must be traceable to its cells, and a misspelt table or column must stop with
its name instead of counting nothing. Row numbers are the sample's Excel rows, read by
eye from ``data/raw/sgtvt_baclieu_mot_cua_2022.xlsx`` (divisions on rows 9–12, the totals
row on 13).
"""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import RAW, one_stop_rows, unit_row, write_sheet
from dx_metrics.indicators import compute_indicators
from dx_metrics.ingest import read_export
from dx_metrics.pipeline import build_plan_report

SAMPLE_2022 = RAW / "sgtvt_baclieu_mot_cua_2022.xlsx"


def test_every_canonical_row_carries_its_file_sheet_and_excel_row():
    df = read_export(SAMPLE_2022, "dossiers")
    assert df["source_file"].astype(str).unique().tolist() == ["sgtvt_baclieu_mot_cua_2022.xlsx"]
    assert df["source_sheet"].astype(str).unique().tolist() == ["Biểu 06a"]
    office = df[df["unit_name"] == "Văn phòng Sở"].iloc[0]
    assert office["source_row"] == 12 and office["received_online"] == 40


def test_a_figure_names_the_cells_it_was_computed_from():
    obs = compute_indicators({"dossiers": read_export(SAMPLE_2022, "dossiers")}, ["online_dossier_share"])
    dept = obs[obs["unit_id"] == "baclieu_dot"].iloc[0]
    # 18,75 % = 1.200 / 6.400: the department's share is the sum of its four divisions (rows 9–12)
    assert (dept["numerator"], dept["denominator"]) == (1200, 6400)
    assert dept["source"] == "sgtvt_baclieu_mot_cua_2022.xlsx, Biểu 06a, rows 9–12"
    office = obs[obs["unit_id"] == "baclieu_dot_office"].iloc[0]
    assert office["source"] == "sgtvt_baclieu_mot_cua_2022.xlsx, Biểu 06a, row 12"


def test_two_files_of_one_kind_keep_their_own_sources_and_rejected_rows(tmp_path):
    write_sheet(tmp_path / "y2022.xlsx", one_stop_rows([unit_row("Văn phòng Sở", 100, 30)], period_line="Năm 2022"))
    rows = one_stop_rows([unit_row("Văn phòng Sở", 50, 10), unit_row("Thanh tra Sở", 40, 4)],
                         period_line="Năm 2023")
    rows[7][3] = 999                      # Thanh tra Sở, row 8: 999 online of 40 received: an error at its row
    write_sheet(tmp_path / "y2023.xlsx", rows)
    plan = tmp_path / "p.yaml"
    plan.write_text("id: p\ntitle: Kế hoạch thử\nunit: baclieu_dot\nyear: 2023\ninputs:\n"
                    "  - {path: y2022.xlsx, kind: dossiers}\n  - {path: y2023.xlsx, kind: dossiers}\n"
                    "targets:\n  - {indicator: online_dossier_share, value: 0.2}\n", encoding="utf-8")
    r = build_plan_report(plan, data_dir=tmp_path)
    share = r.observations[(r.observations["indicator_id"] == "online_dossier_share")
                           & (r.observations["unit_id"] == "baclieu_dot")].set_index("period")["source"]
    assert share["2022"] == "y2022.xlsx, Biểu 06a, row 7"
    assert share["2023"] == "y2023.xlsx, Biểu 06a, row 7"           # row 8 was rejected: not counted
    assert set(r.tables["dossiers"]["source_file"].astype(str)) == {"y2022.xlsx", "y2023.xlsx"}
    target = r.evaluation.set_index("indicator_id").loc["online_dossier_share"]
    assert (target["numerator"], target["denominator"]) == (10, 50)
    assert "1 row(s) of y2023.xlsx rejected for data errors are not counted" in target["notes"]


def test_unknown_tables_and_misspelt_columns_are_refused_with_their_names():
    df = read_export(SAMPLE_2022, "dossiers")
    with pytest.raises(ValueError, match=r"unknown table\(s\) 'dosiers' \(did you mean 'dossiers'\?\)"):
        compute_indicators({"dosiers": df})
    with pytest.raises(ValueError, match=r"has 'recieved_online', not a dossiers column \(did you mean "
                                         r"'received_online'\?\)"):
        compute_indicators({"dossiers": df.rename(columns={"received_online": "recieved_online"})})
    with pytest.raises(ValueError, match="the dossiers table lacks period"):
        compute_indicators({"dossiers": df.drop(columns=["period"])})


def test_zero_division_sets_the_value_of_a_ratio_over_nothing():
    frame = pd.DataFrame({"unit_id": ["baclieu_dot_office"], "period": ["2023"], "received_total": [0],
                          "received_online": [0]}).astype({"received_total": "Int64", "received_online": "Int64"})
    default = compute_indicators({"dossiers": frame}, ["online_dossier_share"])
    row = default[default["unit_id"] == "baclieu_dot_office"].iloc[0]
    assert pd.isna(row["value"]) and row["note"] == "denominator is 0"
    zero = compute_indicators({"dossiers": frame}, ["online_dossier_share"], zero_division=0)
    row = zero[zero["unit_id"] == "baclieu_dot_office"].iloc[0]
    assert row["value"] == 0 and "set to 0" in row["note"]
