"""The report notebook executed end to end through papermill, outputs opened and checked."""
import json
import re

import pandas as pd
import pytest

from conftest import ROOT
from dx_metrics.runner import run_plan

pytestmark = pytest.mark.notebook
PLAN = ROOT / "params" / "baclieu_dot_2023.yaml"


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs")
    result = run_plan(PLAN, out_root=out, generated_at="2024-01-15T08:00:00+00:00")
    assert result.status == "ok", result.error
    return result.output


def test_run_writes_the_four_files_where_the_design_says(report_dir):
    assert report_dir.parts[-2:] == ("2023", "baclieu_dot_2023")
    for name in ("report.ipynb", "report.html", "evaluation.xlsx", "summary.json", "charts/online_dossier_share.png"):
        assert (report_dir / name).is_file(), name


def test_summary_json(report_dir):
    s = json.loads((report_dir / "summary.json").read_text("utf-8"))
    assert {"plan_id", "year", "unit_id", "generated_at", "indicators", "targets", "tasks", "data_quality",
            "sources"} <= set(s)
    assert (s["plan_id"], s["year"], s["unit_id"]) == ("baclieu_dot_2023", 2023, "baclieu_dot")
    share = [t for t in s["targets"] if t["indicator_id"] == "online_dossier_share"][0]
    # sample 2023: 2.076 online of 6.800 received = 30,53 %, target 20 % -> achieved
    assert (share["numerator"], share["denominator"], share["status"]) == (2076, 6800, "achieved")
    assert share["actual"] == pytest.approx(2076 / 6800)
    assert s["tasks"]["total"] == 16 and s["tasks"]["no_deadline"] == 4
    assert s["sources"][0]["sha256"] and len(s["sources"][0]["sha256"]) == 64


def test_html_shows_the_share_without_code_and_offline(report_dir):
    page = (report_dir / "report.html").read_text("utf-8")
    assert "build_plan_report" not in page and "import " not in page          # no code cells
    assert not re.search(r"<script[^>]+src=", page) and "<link" not in page    # nothing fetched
    # sample self-assessment: work records online 405 / 1.500 = 27 % against 30 % -> not achieved
    for text in ("30,53%", "2.076", "6.800", "Đạt", "Tỷ lệ hồ sơ trực tuyến", "27,00%", "Không đạt", "−3,00 điểm %"):
        assert text in page, text


def test_workbook_sheets(report_dir):
    sheets = pd.read_excel(report_dir / "evaluation.xlsx", sheet_name=None, engine="calamine")
    assert list(sheets) == ["Tổng hợp", "Chỉ tiêu", "Chỉ số", "Nhiệm vụ", "Xếp hạng", "Chất lượng dữ liệu",
                            "Nguồn dữ liệu"]
    targets = sheets["Chỉ tiêu"]
    row = targets[targets["Chỉ tiêu"] == "Tỷ lệ hồ sơ trực tuyến"].iloc[0]
    assert (row["Tử số"], row["Mẫu số"], row["Đánh giá"]) == (2076, 6800, "Đạt")


def test_a_failed_run_keeps_the_last_good_report(report_dir, tmp_path):
    before = (report_dir / "summary.json").read_bytes()
    broken = tmp_path / "broken.yaml"
    broken.write_text(PLAN.read_text("utf-8").replace("raw/sgtvt_baclieu_mot_cua_2023.xlsx", "raw/missing.xlsx"),
                      encoding="utf-8")
    result = run_plan(broken, out_root=report_dir.parents[1])
    assert result.status == "failed" and "does not exist" in result.error
    assert (report_dir / "summary.json").read_bytes() == before
    assert (result.output / "report.ipynb").is_file()        # the failed notebook is kept with its error
