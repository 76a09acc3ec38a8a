"""Every notebook executed end to end through papermill; outputs opened and checked."""
import json
import re
import shutil
import subprocess

import pandas as pd
import pytest
from openpyxl import load_workbook

from conftest import ROOT
from dx_metrics.runner import Job, expand, run_batch, run_plan

pytestmark = pytest.mark.notebook
PLAN = ROOT / "params" / "baclieu_dot_2023.yaml"
STAMP = "2024-01-15T08:00:00+00:00"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The sample schedule (4 notebooks, 2 languages, 2 plans) run with 2 workers."""
    out = tmp_path_factory.mktemp("outputs")
    jobs = expand([ROOT / "params" / "schedule.yaml"]) + [Job(PLAN, "explore_exports", "vi")]
    results = run_batch(jobs, workers=2, out_root=out, generated_at=STAMP)
    return out, {(r.plan, r.notebook, r.lang): r for r in results}


@pytest.fixture(scope="module")
def report_dir(batch):
    return batch[1][("baclieu_dot_2023", "yearly_plan_evaluation", "vi")].output


def test_every_notebook_runs(batch):
    _, results = batch
    assert {k[1] for k in results} == {"yearly_plan_evaluation", "year_over_year", "index_ranking", "explore_exports"}
    failed = {k: r.error for k, r in results.items() if r.status != "ok"}
    assert not failed
    for r in results.values():
        for name in ("report.ipynb", "report.html", "evaluation.xlsx", "summary.json", "run.log"):
            assert (r.output / name).is_file(), (r.output, name)
        # each report is of its own plan, in its own language, with its figures' sections
        page = (r.output / "report.html").read_text("utf-8")
        assert f'<html lang="{r.lang}"' in page, r.output
        summary = json.loads((r.output / "summary.json").read_text("utf-8"))
        assert summary["plan_id"] == r.plan and summary["title"] in page, r.output


def test_output_folders_follow_the_layout(batch):
    out, results = batch
    assert results[("baclieu_dot_2023", "yearly_plan_evaluation", "vi")].output == out / "2023" / "baclieu_dot_2023"
    assert results[("baclieu_dot_2023", "year_over_year", "en")].output == \
        out / "2023" / "baclieu_dot_2023_year_over_year_en"
    # an early-warning run names its data date, so it never replaces the year-end report
    assert results[("mot_nq17_2019", "yearly_plan_evaluation", "vi")].output == \
        out / "2019" / "mot_nq17_2019_asof_2019-07-31"
    assert results[("mot_nq17_2019", "index_ranking", "vi")].output == out / "2019" / "mot_nq17_2019_index_ranking"


def test_summary_json(report_dir):
    s = json.loads((report_dir / "summary.json").read_text("utf-8"))
    assert {"plan_id", "year", "unit_id", "generated_at", "indicators", "targets", "tasks", "data_quality",
            "sources"} <= set(s)
    assert (s["plan_id"], s["year"], s["unit_id"], s["generated_at"]) == ("baclieu_dot_2023", 2023, "baclieu_dot", STAMP)
    share = [t for t in s["targets"] if t["indicator_id"] == "online_dossier_share"][0]
    # sample 2023: 2.076 online of 6.800 received = 30,53 %, target 20 % -> achieved
    assert (share["numerator"], share["denominator"], share["status"]) == (2076, 6800, "achieved")
    assert share["actual"] == pytest.approx(2076 / 6800)
    assert s["tasks"]["total"] == 16 and s["tasks"]["no_deadline"] == 4
    assert all(len(src["sha256"]) == 64 for src in s["sources"])


def test_html_without_code_offline_and_vietnamese(report_dir):
    page = (report_dir / "report.html").read_text("utf-8")
    assert "build_plan_report" not in page and "display(" not in page            # no code cells
    assert not re.search(r"<script[^>]+src=", page) and "<link" not in page     # nothing fetched
    # sample self-assessment: work records online 405 / 1.500 = 27 % against 30 % -> not achieved
    for text in ("30,53%", "2.076", "6.800", "Đạt", "Tỷ lệ hồ sơ trực tuyến", "27,00%", "Không đạt", "−3,00 điểm %"):
        assert text in page, text


def test_english_report(batch):
    _, results = batch
    page = (results[("baclieu_dot_2023", "yearly_plan_evaluation", "en")].output / "report.html").read_text("utf-8")
    assert "Online dossier share" in page and "30.53%" in page and "Not achieved" in page


def test_workbook_sheets_and_formats(report_dir):
    sheets = pd.read_excel(report_dir / "evaluation.xlsx", sheet_name=None, engine="calamine")
    assert list(sheets) == ["Tổng hợp", "Chỉ tiêu", "Chỉ số", "Nhiệm vụ", "Xếp hạng", "Chất lượng dữ liệu",
                            "Rà soát số liệu", "Rà soát - dấu hiệu", "Nguồn dữ liệu"]
    targets = sheets["Chỉ tiêu"]
    row = targets[targets["Chỉ tiêu"] == "Tỷ lệ hồ sơ trực tuyến"].iloc[0]
    assert (row["Tử số"], row["Mẫu số"], row["Đánh giá"]) == (2076, 6800, "Đạt")
    ws = load_workbook(report_dir / "evaluation.xlsx")["Chỉ tiêu"]
    header = [c.value for c in ws[1]]
    actual, status = header.index("Kết quả") + 1, header.index("Đánh giá") + 1
    achieved_row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, status).value == "Đạt")
    assert ws.cell(achieved_row, actual).number_format == "0.00%"
    assert ws.cell(achieved_row, status).fill.fgColor.rgb.endswith("C6EFCE")      # green
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    assert ws.cell(2, header.index("Tử số") + 1).number_format == "#,##0"


def test_index_ranking_report(batch):
    _, results = batch
    out = results[("mot_nq17_2019", "index_ranking", "vi")].output
    assert (out / "charts" / "ict_rank.png").is_file() and (out / "charts" / "egdi_rank.png").is_file()
    page = (out / "report.html").read_text("utf-8")
    assert "13/20" in page and "Bộ Giao thông vận tải" in page
    ranks = pd.read_excel(out / "evaluation.xlsx", sheet_name="Xếp hạng", engine="calamine")
    mot = ranks[(ranks["Đơn vị"] == "Bộ Giao thông vận tải") & (ranks["Năm"] == 2019) & (ranks["Thành phần"] == "Tổng")]
    assert mot["Hạng trong nhóm"].tolist() == ["13/20"] and mot["Thay đổi hạng"].tolist() == [4]
    # components by their names in the ICT Index catalogue; the overall score listed first
    assert "Dịch vụ công trực tuyến" in set(ranks["Thành phần"]) and ranks["Thành phần"].iloc[0] == "Tổng"


def test_year_over_year_report(batch):
    _, results = batch
    out = results[("baclieu_dot_2023", "year_over_year", "vi")].output
    cmp = pd.read_excel(out / "evaluation.xlsx", sheet_name="So với năm trước", engine="calamine")
    # the 2023 report compares on the units of 2023: the department under its own name (it became
    # part of Cà Mau's Department of Construction only in 2025)
    row = cmp[(cmp["Chỉ tiêu"] == "Tỷ lệ hồ sơ trực tuyến")
              & (cmp["Đơn vị"] == "Sở Giao thông vận tải tỉnh Bạc Liêu")].iloc[0]
    assert pd.isna(row["Đơn vị tiền thân"])
    assert (row["Năm trước"], round(row["Năm nay"], 6)) == (0.1875, round(2076 / 6800, 6))


def test_early_warning_in_the_ministry_report(batch):
    _, results = batch
    s = json.loads((results[("mot_nq17_2019", "yearly_plan_evaluation", "vi")].output / "summary.json").read_text())
    share = [t for t in s["targets"] if t["indicator_id"] == "online_dossier_share"][0]
    assert (share["status"], share["basis_period"]) == ("on_track", "2019-01/2019-07")


def test_failed_run_keeps_the_last_good_report_and_others_finish(batch, tmp_path):
    out, results = batch
    good = results[("baclieu_dot_2023", "yearly_plan_evaluation", "vi")].output
    before = (good / "summary.json").read_bytes()
    broken = tmp_path / "baclieu_dot_2023.yaml"
    (tmp_path / "empty.xlsx").write_bytes(b"")      # an export that arrived empty: it fails inside the notebook
    broken.write_text(PLAN.read_text("utf-8").replace("raw/sgtvt_baclieu_mot_cua_2023.xlsx", "empty.xlsx"),
                      encoding="utf-8")
    rerun = run_batch([Job(broken), Job(ROOT / "params" / "baclieu_dot_2022.yaml")], workers=2, out_root=out,
                      data_dir=ROOT / "data", generated_at=STAMP)
    status = {r.plan: r for r in rerun}
    assert status["baclieu_dot_2023"].status == "failed"
    assert "empty.xlsx: the file is empty (0 bytes)" in status["baclieu_dot_2023"].error
    assert status["baclieu_dot_2022"].status == "ok"
    assert (good / "summary.json").read_bytes() == before                      # last good report intact
    assert (status["baclieu_dot_2023"].output / "report.ipynb").is_file()      # failed notebook kept
    assert "failed" in (status["baclieu_dot_2023"].output / "run.log").read_text("utf-8")


def test_year_over_year_keeps_the_names_and_order_of_the_plan_year(batch):
    """A 2023 report of Bạc Liêu's Department of Transport compares 2023 with 2022 under the
    department's own name; the unit it became after the 2025 mergers is for matching only."""
    out, results = batch
    html = (results[("baclieu_dot_2023", "year_over_year", "vi")].output / "report.html").read_text("utf-8")
    assert "Sở Xây dựng tỉnh Cà Mau" not in html and "Sở Giao thông vận tải tỉnh Bạc Liêu" in html
    cmp = pd.read_excel(results[("baclieu_dot_2023", "year_over_year", "vi")].output / "evaluation.xlsx",
                        sheet_name="So với năm trước", engine="calamine")
    from dx_metrics import load_plan
    from dx_metrics.indicators import catalog

    names = catalog().set_index("indicator_id")["name_vi"]
    shown = list(dict.fromkeys(cmp["Chỉ tiêu"]))
    planned = [names[t.indicator_id] for t in load_plan(PLAN).targets]
    assert [n for n in shown if n in planned] == [n for n in planned if n in shown]   # the plan's order
    assert len([n for n in shown if n in planned]) >= 3


def test_runs_are_idempotent(tmp_path):
    a = run_plan(PLAN, out_root=tmp_path / "a", generated_at="2024-01-01T00:00:00+00:00")
    b = run_plan(PLAN, out_root=tmp_path / "b", generated_at="2024-02-02T00:00:00+00:00")
    sa, sb = (json.loads((r.output / "summary.json").read_text("utf-8")) for r in (a, b))
    sa.pop("generated_at"), sb.pop("generated_at")
    assert sa == sb


def test_input_text_is_escaped_in_html(tmp_path):
    plan = tmp_path / "p.yaml"
    plan.write_text(PLAN.read_text("utf-8").replace(
        "title: Kế hoạch chuyển đổi số năm 2023", "title: <script>alert(1)</script> Kế hoạch"), encoding="utf-8")
    r = run_plan(plan, out_root=tmp_path / "o", data_dir=ROOT / "data")
    assert r.status == "ok", r.error
    page = (r.output / "report.html").read_text("utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed (apt-get install chromium)")
def test_report_renders_in_headless_chromium(report_dir, tmp_path):
    shot = tmp_path / "report.png"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,1600",
                    f"--screenshot={shot}", (report_dir / "report.html").as_uri()],
                   check=True, capture_output=True, timeout=120)
    assert shot.stat().st_size > 50_000          # a page with tables and a chart, not a blank one
    # what the browser shows: the page's text after rendering, with the figure and its status
    dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          "--disable-background-networking", "--disable-component-update", "--disable-sync",
                          f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", (report_dir / "report.html").as_uri()],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    assert "30,53" in dom and "Tỷ lệ hồ sơ trực tuyến" in dom and "Đạt" in dom
    assert "<img" in dom and "data:image/png;base64" in dom            # the chart is embedded, not linked


def test_the_2024_quarterly_sample_shows_exactly_its_planted_anomalies(tmp_path):
    """data/README.md plants one anomaly of each kind in the 2024 quarterly one-stop sample;
    the report shows those flags and no other, in the HTML, the workbook and summary.json."""
    r = run_plan(ROOT / "params" / "baclieu_dot_2024.yaml", out_root=tmp_path, generated_at=STAMP)
    assert r.status == "ok", r.error
    summary = json.loads((r.output / "summary.json").read_text("utf-8"))
    flags = sorted((f["rule"], f["unit_id"], f["period"], f["subject"]) for f in summary["data_quality_review"]["flags"])
    assert flags == sorted([
        ("missing_report", "baclieu_dot_inspect", "2024-Q3", "dossiers"),       # the inspectorate sent no Q3 report
        ("zero_value", "baclieu_dot_quality", "2024-Q3", "received_total"),     # nothing received in Q3 ...
        ("zero_value", "baclieu_dot_quality", "2024-Q3", "received_online"),    # ... so nothing online either
        ("outlier_across_units", "baclieu_dot_office", "2024-Q4", "online_dossier_share"),   # 63 of 70 online
        ("over_time", "baclieu_dot_office", "2024-Q4", "online_dossier_share"),
        ("over_time_vs_siblings", "baclieu_dot_office", "2024-Q4", "online_dossier_share"),
        ("stock_mismatch", "baclieu_dot_transport", "2024-Q2", "carried_over"),  # 12 more than were pending
    ])
    assert summary["data_quality_review"]["flag_count"] == 7
    by_rule = {f["rule"]: f for f in summary["data_quality_review"]["flags"]}
    # 63 ÷ 70 = 90 % against 25 %, 25 %, 25,71 % (17/68, 18/72, 18/70): mean 25,24 %, ratio 3,566
    assert by_rule["over_time"]["value"] == pytest.approx(0.9)
    assert by_rule["over_time"]["reference"] == pytest.approx((17 / 68 + 18 / 72 + 18 / 70) / 3)
    # transport: Q1 pending = 60 + 1.320 − 1.192 = 188; Q2 carries 200
    assert (by_rule["stock_mismatch"]["value"], by_rule["stock_mismatch"]["reference"]) == (200, 188)
    page = (r.output / "report.html").read_text("utf-8")
    # the headline at the top says the year's figure, its span, and that flagged figures lie under it
    top = page[:page.index("</table>", page.index("dx-headline-table"))]
    assert "31,27% (Năm 2024)" in top and "<b>Đạt*</b>" in top
    assert "Thiếu báo cáo: Thanh tra Sở Giao thông vận tải tỉnh Bạc Liêu, Quý III/2024" in top
    import docx

    general = [p.text for p in docx.Document(r.output / "report.docx").paragraphs]
    assert any(t.startswith("- Tỷ lệ hồ sơ trực tuyến: 31,27% (Năm 2024) — Đạt* (Thiếu báo cáo: Thanh tra Sở") for t in general)
    assert "Rà soát chất lượng số liệu" in page
    assert "90,00% bằng 3,57 lần trung bình 25,24% của Quý I/2024, Quý II/2024, Quý III/2024" in page
    assert "kỳ trước chuyển qua 200 hồ sơ nhưng cuối kỳ Quý I/2024 còn tồn 188" in page
    assert "sgtvt_baclieu_mot_cua_quy_2024.xlsx, Quý II, dòng 9" in page        # the cell, in Vietnamese
    assert "Giá trị cực đoan trong chuỗi (2a) chưa áp dụng: chuỗi dưới 11 giá trị" in page
    review = pd.read_excel(r.output / "evaluation.xlsx", sheet_name="Rà soát số liệu", engine="calamine")
    inspect = review[review["Đơn vị"] == "Thanh tra Sở Giao thông vận tải tỉnh Bạc Liêu"].iloc[0]
    assert (inspect["Tỷ lệ báo cáo đủ"], inspect["Tính đầy đủ"]) == (0.75, 1)       # 3 of 4 quarters
    flags_sheet = pd.read_excel(r.output / "evaluation.xlsx", sheet_name="Rà soát - dấu hiệu", engine="calamine")
    assert len(flags_sheet) == 7
    import docx

    texts = [p.text for p in docx.Document(r.output / "report.docx").paragraphs]     # the run writes the DOCX too
    assert "Rà soát chất lượng số liệu phát hiện 7 dấu hiệu cần kiểm tra lại:" in texts
    # the year is judged on the four quarters summed: 2.182 online of 6.977 received
    target = next(t for t in summary["targets"] if t["indicator_id"] == "online_dossier_share")
    assert (target["numerator"], target["denominator"], target["status"]) == (2182, 6977, "achieved")


def _english_words() -> set[str]:
    """Words of four letters or more that dx_metrics writes in English (report labels, notes,
    problems, review messages) and never in Vietnamese: a Vietnamese report's body holds none."""
    import yaml

    from dx_metrics.report import labels

    en, vi = [], []

    def walk(x, into):
        if isinstance(x, dict):
            for v in x.values():
                walk(v, into)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v, into)
        elif isinstance(x, str):
            into.append(x)

    for table in (labels.TEXT, labels.SECTIONS, labels.COLUMNS, labels.STATUS, labels.TASK_STATUS, labels.REASON):
        walk(table["en"], en)
        walk(table["vi"], vi)
    for name in ("notes.yaml", "problems.yaml", "quality/messages.yaml", "report/document.yaml"):
        data = yaml.safe_load((ROOT / "dx_metrics" / name).read_text("utf-8"))
        for key in ("en",):
            walk([v.get(key) for v in _leaves(data) if isinstance(v, dict)], en)
        walk([v.get("vi") for v in _leaves(data) if isinstance(v, dict)], vi)
    words = {w.lower() for t in en for w in re.findall(r"[A-Za-z]{4,}", t)}
    return words - {w.lower() for t in vi for w in re.findall(r"[A-Za-z]{4,}", t)}


def _leaves(data):
    """Every mapping of a YAML tree that holds texts per language."""
    if isinstance(data, dict):
        if "vi" in data or "en" in data:
            yield data
        for v in data.values():
            yield from _leaves(v)


def _body_text(page: str) -> str:
    import html

    body = page[:page.index('id="appendix"')]
    body = re.sub(r"(?s)<(style|script)[^>]*>.*?</\1>", " ", body)
    body = re.sub(r"(?s)<!--.*?-->", " ", body)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_a_vietnamese_report_speaks_to_a_director_and_keeps_the_details_for_its_appendix(batch, tmp_path):
    """The body of report.html (up to the appendix) and all of report.docx: no unit id, no hint of
    the command line or a file to edit, no statistics jargon, no English word dx_metrics writes."""
    import docx

    english = _english_words()
    assert {"share", "target", "provisional", "missing"} <= english      # the check can see
    r24 = run_plan(ROOT / "params" / "baclieu_dot_2024.yaml", out_root=tmp_path, generated_at=STAMP)
    for out in (batch[1][("baclieu_dot_2023", "yearly_plan_evaluation", "vi")].output, r24.output):
        page = (out / "report.html").read_text("utf-8")
        d = docx.Document(out / "report.docx")
        texts = [p.text for p in d.paragraphs] + [c.text for t in d.tables for row in t.rows for c in row.cells]
        for where, text in (("report.html", _body_text(page)), ("report.docx", "\n".join(texts))):
            assert not re.findall(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b|~", text), (out.name, where)      # ids
            for hint in ("dx-metrics", "as_of", "--", ".yaml", "units.csv", "columns.yaml", "điểm z"):
                assert hint not in text, (out.name, where, hint)
            found = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)} & english
            assert not found, (out.name, where, sorted(found))
        assert 'id="appendix"' in page and "Phụ lục: chi tiết dành cho người lập báo cáo" in page
