"""outputs/index.html: one page for every report of an output root, read as a person sees it.

Sample figures, worked out from the bundled exports (data/README.md):
- 2023 plan (KH 37): online share 2.076 / 6.800 = 30,53 % (target ≥ 20 %: Đạt); staff awareness
  130/180 = 72,22 % ≥ 70 % Đạt; dossiers tracked 100 % ≥ 100 % Đạt; mobile full-process 85 % < 90 %
  Không đạt; work records online 405/1.500 = 27 % < 30 % Không đạt; reports via the system 100 %
  Đạt; computers upgraded 75 % ≥ 70 % Đạt -> 5 Đạt, 2 Không đạt.
- 2024 plan: the four quarters add up to 2.182 online of 6.977 received = 31,27 % (≥ 30 %: Đạt).
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from conftest import ROOT
from dx_metrics import paths
from dx_metrics.report import index_page
from dx_metrics.runner import Job, run_batch, run_plan, write_indexes

pytestmark = pytest.mark.notebook
PLAN_2023 = ROOT / "params" / "baclieu_dot_2023.yaml"
PLAN_2024 = ROOT / "params" / "baclieu_dot_2024.yaml"
STAMP = "2024-01-15T08:00:00+00:00"        # 15:00 in Viet Nam (UTC+7)


class Page(HTMLParser):
    """What a reader sees of a page: its text, its tables (rows of cell texts), its links and
    the text of the SVG titles (a sparkline's tooltips), and every tag with its attributes."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.words: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.svg_titles: list[str] = []
        self._cell: list[str] | None = None
        self._in_title = False
        self._svg = 0
        self.feed(text)
        self.text = " ".join(" ".join(self.words).split())

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "svg":
            self._svg += 1
        elif tag == "title" and self._svg:
            self._in_title = True
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "svg":
            self._svg -= 1
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.svg_titles.append(data)
            return
        if self._svg:
            return
        self.words.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def links(self) -> list[str]:
        return [a["href"] for t, a in self.tags if t == "a" and a.get("href")]

    def rows(self, first: str) -> list[dict[str, str]]:
        """The rows of every table whose header starts with ``first``, as {header: cell}."""
        rows = [dict(zip(table[0], row)) for table in self.tables if table and table[0] and table[0][0] == first
                for row in table[1:]]
        assert rows, f"no table headed {first!r}"
        return rows


def read_page(root: Path) -> Page:
    return Page((root / "index.html").read_text("utf-8"))


def _title(plan: Path) -> str:
    return yaml.safe_load(plan.read_text("utf-8"))["title"]


def _workspace(tmp: Path, name: str) -> Path:
    ws = tmp / name
    (ws / "params").mkdir(parents=True)
    (ws / "data" / "raw").mkdir(parents=True)
    for f in ("sgtvt_baclieu_mot_cua_2023.xlsx", "sgtvt_baclieu_tu_danh_gia_2023.xlsx"):
        shutil.copy(ROOT / "data" / "raw" / f, ws / "data" / "raw" / f)
    return ws


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """Both sample plans run as one batch, with two plans that fail: one whose targets all lack
    data (its folder is kept as ``.failed``) and one whose input file does not exist."""
    tmp = tmp_path_factory.mktemp("index")
    ws = _workspace(tmp, "broken")
    (ws / "params" / "baclieu_dot_empty.yaml").write_text(
        "id: baclieu_dot_empty\ntitle: Kế hoạch thử không có số liệu\nunit: baclieu_dot\nyear: 2023\n"
        "inputs:\n  - {path: raw/sgtvt_baclieu_mot_cua_2023.xlsx, kind: dossiers}\n"
        "targets:\n  - {indicator: accounts_total, comparator: '>=', value: 100}\n", "utf-8")
    (ws / "params" / "baclieu_dot_missing.yaml").write_text(
        "id: baclieu_dot_missing\ntitle: Kế hoạch thử thiếu tệp\nunit: baclieu_dot\nyear: 2023\n"
        "inputs:\n  - {path: raw/khong_co_tep_nay.xlsx, kind: dossiers}\n"
        "targets:\n  - {indicator: online_dossier_share, comparator: '>=', value: 20%}\n", "utf-8")
    out = tmp / "outputs"
    jobs = [Job(PLAN_2023), Job(PLAN_2024), Job(ws / "params" / "baclieu_dot_empty.yaml"),
            Job(ws / "params" / "baclieu_dot_missing.yaml")]
    told = []
    results = run_batch(jobs, out_root=out, generated_at=STAMP, on_index=lambda page, why: told.append((page, why)))
    return out, {r.plan: r for r in results}, told


def test_index_lists_both_sample_plans_with_status_figures_and_links(sample):
    out, _, told = sample
    assert told == [(out.resolve() / "index.html", None)]
    page = read_page(out)
    rows = {r["Kế hoạch"]: r for r in page.rows("Năm")}
    y23, y24 = rows[_title(PLAN_2023)], rows[_title(PLAN_2024)]
    assert (y23["Năm"], y23["Đơn vị"], y23["Lập lúc"]) == ("2023", "Sở Giao thông vận tải tỉnh Bạc Liêu",
                                                           "15/01/2024 15:00")
    assert [y23[s] for s in ("Đạt", "Không đạt", "Đúng tiến độ", "Có nguy cơ", "Chậm tiến độ",
                             "Chưa có số liệu")] == ["5", "2", "0", "0", "0", "0"]
    assert (y24["Năm"], y24["Đạt"], y24["Không đạt"]) == ("2024", "2", "0")
    # the figure per target, in each plan's table of targets
    targets = page.rows("Chỉ tiêu")
    online = [t for t in targets if t["Chỉ tiêu"] == "Tỷ lệ hồ sơ trực tuyến"]
    # 2024 rests on figures the review flagged (the inspectorate's missing Q3 ...): marked as the report marks it
    assert [(t["Kết quả"], t["Đánh giá"]) for t in online] == [("31,27%", "Đạt*"), ("30,53%", "Đạt")]
    work = [t for t in targets if t["Chỉ tiêu"] == "Tỷ lệ hồ sơ công việc được xử lý trên môi trường mạng"]
    assert [(t["Kết quả"], t["Chỉ tiêu kế hoạch"], t["Đánh giá"]) for t in work] == [("27,00%", "≥ 30,00%",
                                                                                    "Không đạt")]
    # links are relative and open the two reports
    links = page.links()
    assert all(not re.match(r"[a-z]+:|/", h) for h in links), links
    opened = {(out / h).resolve() for h in links if h.endswith("report.html")}
    assert {out.resolve() / "2023" / "baclieu_dot_2023" / "report.html",
            out.resolve() / "2024" / "baclieu_dot_2024" / "report.html"} <= opened
    assert all(p.is_file() for p in opened)
    # the history is off in the tests: the years come from the two reports found, and the page says so
    assert "2023: 30,53%; 2024: 31,27%" in page.svg_titles
    assert "Lịch sử đánh giá đang tắt" in page.text
    assert "Chưa có lần chạy trước để so sánh" in page.text


def test_a_failed_plan_is_listed_as_failed_and_breaks_nothing(sample):
    out, results, _ = sample
    assert results["baclieu_dot_empty"].status == "failed" and results["baclieu_dot_missing"].status == "failed"
    page = read_page(out)
    assert {r["Kế hoạch"] for r in page.rows("Năm")} == {_title(PLAN_2023), _title(PLAN_2024)}
    # the run that got as far as a folder: its title, and a link to its log kept in <name>.failed/
    assert "Lần chạy không thành công" in page.text
    assert "Kế hoạch thử không có số liệu – Năm 2023" in page.text
    log = [h for h in page.links() if h.endswith("run.log")]
    assert log == ["2023/baclieu_dot_empty.failed/run.log"] and (out / log[0]).is_file()
    # the run that failed before writing anything: its plan, and why
    assert "Kế hoạch thử thiếu tệp – Năm 2023: không lập được báo cáo trong lần chạy này" in page.text
    assert "khong_co_tep_nay.xlsx" in page.text
    assert not [h for h in page.links() if ".failed/report.html" in h]


def test_the_page_opens_offline_and_is_vietnamese(sample):
    out, _, _ = sample
    text = (out / "index.html").read_text("utf-8")
    page = Page(text)
    assert text.startswith("<!DOCTYPE html>") and '<html lang="vi">' in text
    assert not [t for t, _ in page.tags if t in ("script", "link", "iframe", "img", "object", "embed")]
    assert not re.search(r"https?:|url\(|@import", text)
    assert [a for _, a in page.tags if "src" in a] == []
    assert text.count("<svg") >= 9           # one chart per target: 7 + 2


def test_the_page_and_its_state_are_written_atomically(sample, tmp_path, monkeypatch):
    out, _, _ = sample
    root = tmp_path / "outputs"
    shutil.copytree(out, root)
    page_before = (root / "index.html").read_bytes()
    state_before = (root / ".index.json").read_bytes()

    def half_then_fail(path, text):
        with open(path, "w", encoding="utf-8") as f:
            f.write(text[: len(text) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(index_page, "_write_text", half_then_fail)
    said = write_indexes([(PLAN_2023, run_result_ok(root))], out_root=root)
    why = f"index.html not rewritten in {root.resolve()}: OSError: [Errno 28] No space left on device"
    assert said == [(root.resolve(), why)]
    assert (root / "index.html").read_bytes() == page_before
    assert (root / ".index.json").read_bytes() == state_before
    assert not list(root.glob(".*.tmp"))


def run_result_ok(root: Path):
    from dx_metrics.runner import RunResult

    return RunResult("baclieu_dot_2023", "ok", 1.0, root / "2023" / "baclieu_dot_2023")


@pytest.fixture(scope="module")
def changed(tmp_path_factory):
    """With a history: the 2024 sample run into another folder; then a copy of the 2023 plan run,
    one count of its export changed (a division's online dossiers 1.782 -> 1.882, so its
    in-person ones 3.618 -> 3.518 and the totals row with them), and run again. The pages as
    they were after each step."""
    tmp = tmp_path_factory.mktemp("changed")
    ws = _workspace(tmp, "ws")
    plan = ws / "params" / "baclieu_dot_2023.yaml"
    shutil.copy(PLAN_2023, plan)
    pages = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DX_METRICS_HISTORY", str(tmp / "history.duckdb"))
        other = run_plan(PLAN_2024, out_root=tmp / "other", generated_at=STAMP)
        assert other.status == "ok", other.error
        pages["other"] = read_page(tmp / "other")
        first = run_batch([Job(plan)], generated_at=STAMP)
        assert first[0].status == "ok", first[0].error
        pages["first"] = read_page(ws / "outputs")
        export = ws / "data" / "raw" / "sgtvt_baclieu_mot_cua_2023.xlsx"
        wb = load_workbook(export)
        sheet = wb.active
        assert (sheet["B10"].value, sheet["D10"].value, sheet["E10"].value) == (
            "Phòng Quản lý vận tải, phương tiện và người lái", 1782, 3618)
        assert (sheet["B14"].value, sheet["D14"].value, sheet["E14"].value) == ("Tổng cộng", 2076, 4724)
        sheet["D10"], sheet["E10"], sheet["D14"], sheet["E14"] = 1882, 3518, 2176, 4624
        wb.save(export)
        second = run_batch([Job(plan)], generated_at="2024-02-01T01:30:00+00:00")
        assert second[0].status == "ok", second[0].error
        pages["second"] = read_page(ws / "outputs")
    return pages


def test_a_single_run_writes_the_page_too(changed):
    page = changed["other"]
    assert [r["Kế hoạch"] for r in page.rows("Năm")] == [_title(PLAN_2024)]


def test_a_changed_input_shows_in_what_changed(changed):
    first, second = changed["first"].text, changed["second"].text
    assert "Tỷ lệ hồ sơ trực tuyến: 30,53% →" not in first
    # 2.176 online of 6.800 received = 32,00 % (was 2.076 / 6.800 = 30,53 %); still Đạt
    section = second[second.index("Thay đổi so với lần chạy trước"):second.index("Kết quả từng chỉ tiêu")]
    assert "Tỷ lệ hồ sơ trực tuyến: 30,53% → 32,00%" in section
    assert "đánh giá" not in section.split("→ 32,00%")[1][:20]          # the status did not change
    assert "Tỷ lệ máy tính được nâng cấp" not in section                 # nor did the other figures
    rows = {r["Kế hoạch"]: r for r in changed["second"].rows("Năm")}
    assert rows[_title(PLAN_2023)]["Lập lúc"] == "01/02/2024 08:30"


def test_the_years_come_from_the_history(changed):
    # the 2024 figure was recorded by the run into another folder: only the history has it here
    first, second = changed["first"], changed["second"]
    assert "2023: 30,53%; 2024: 31,27%" in first.svg_titles
    assert "2023: 32,00%; 2024: 31,27%" in second.svg_titles
    assert "lấy kết quả từ lịch sử đánh giá" in second.text


# --- the page's rules on folders written by hand (no notebook run)

def _report(root: Path, rel: str, **summary) -> Path:
    folder = root / rel
    folder.mkdir(parents=True, exist_ok=True)
    (folder / paths.RUN_MARKER).write_text(summary["plan_id"] + "\n", "utf-8")
    (folder / paths.RUN_LOG).write_text("done\n", "utf-8")
    (folder / paths.REPORT_HTML).write_text("<html></html>", "utf-8")
    (folder / paths.SUMMARY).write_text(json.dumps(summary, ensure_ascii=False), "utf-8")
    return folder


def _summary(title: str, actual: float, status: str, flags: list[dict]) -> dict:
    return {"plan_id": "baclieu_dot_2024", "year": 2024, "unit_id": "baclieu_dot", "title": title, "as_of": None,
            "generated_at": "2024-12-31T17:30:00+00:00",
            "targets": [{"indicator_id": "online_dossier_share", "unit_id": "baclieu_dot", "actual": actual,
                         "target": 0.3, "comparator": ">=", "status": status, "span": "2024",
                         "basis_period": "2024"}],
            "data_quality_review": {"flags": flags}}


ZERO = {"rule": "zero_value", "unit_id": "baclieu_dot_quality", "period": "2024-Q3", "subject": "received_total"}
MISSING = {"rule": "missing_report", "unit_id": "baclieu_dot_inspect", "period": "2024-Q3", "subject": "dossiers"}
NOW = dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.timezone.utc)


def test_statuses_that_changed_and_new_flags(tmp_path):
    title = 'Kế hoạch <script>alert("x")</script> & mẫu'
    _report(tmp_path, "2024/baclieu_dot_2024", **_summary(title, 0.29, "not_achieved", [MISSING]))
    index_page.write_index(tmp_path, now=NOW)
    _report(tmp_path, "2024/baclieu_dot_2024", **_summary(title, 0.3127, "achieved", [MISSING, ZERO]))
    index_page.write_index(tmp_path, now=NOW + dt.timedelta(days=1))
    text = (tmp_path / "index.html").read_text("utf-8")
    page = Page(text)
    section = page.text[page.text.index("Thay đổi so với lần chạy trước"):page.text.index("Kết quả từng chỉ tiêu")]
    assert "So với trang lập lúc 02/01/2025 10:04" in section
    assert "Tỷ lệ hồ sơ trực tuyến: 29,00% → 31,27%; đánh giá Không đạt → Đạt" in section
    # the new flag only: Phòng Quản lý chất lượng's zero in Q3; the missing report was there before
    assert ("Dấu hiệu rà soát mới: Số 0 bất thường: Phòng Quản lý chất lượng công trình giao thông, Quý III/2024 "
            "(Số hồ sơ mới tiếp nhận)") in section
    assert "Thiếu báo cáo" not in section
    # the title from the plan file is shown as written, never as markup
    assert title in page.text and "<script" not in text and "&lt;script&gt;" in text
    # run again with nothing new: nothing changed
    index_page.write_index(tmp_path, now=NOW + dt.timedelta(days=2))
    assert "Không có số liệu, đánh giá hay dấu hiệu rà soát nào thay đổi." in read_page(tmp_path).text


def test_a_later_failed_run_marks_the_report_it_left(tmp_path):
    import os

    good = _report(tmp_path, "2024/baclieu_dot_2024", **_summary("Kế hoạch 2024", 0.3127, "achieved", []))
    failed = tmp_path / "2024" / "baclieu_dot_2024.failed"
    failed.mkdir()
    (failed / paths.RUN_MARKER).write_text("baclieu_dot_2024\n", "utf-8")
    (failed / paths.RUN_LOG).write_text("failed: cell 3\n", "utf-8")
    t = (good / paths.RUN_LOG).stat().st_mtime
    os.utime(failed / paths.RUN_LOG, (t + 60, t + 60))
    index_page.write_index(tmp_path, now=NOW)
    page = read_page(tmp_path)
    assert "⚠ Lần chạy không thành công" in page.rows("Năm")[0]["Kế hoạch"]
    assert "báo cáo này là của lần chạy trước" in page.text
    # a success after it: the old failure is history, not news
    os.utime(good / paths.RUN_LOG, (t + 120, t + 120))
    index_page.write_index(tmp_path, now=NOW)
    assert "không thành công" not in read_page(tmp_path).text


def test_an_unreadable_history_leaves_the_page_standing(tmp_path):
    _report(tmp_path, "2024/baclieu_dot_2024", **_summary("Kế hoạch 2024", 0.3127, "achieved", []))
    store = tmp_path / "history.duckdb"
    store.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    index_page.write_index(tmp_path, history_stores=[store], now=NOW)
    page = read_page(tmp_path)
    assert "Không đọc được lịch sử đánh giá" in page.text and "không phải tệp lịch sử DuckDB" in page.text
    assert "2024: 31,27%" in page.svg_titles
    assert page.rows("Chỉ tiêu")[0]["Kết quả"] == "31,27%"


def test_a_report_is_the_same_report_in_either_language_and_each_row_charts_its_own_figure(tmp_path):
    # an English report first, then the Vietnamese one of the same plan and year: not a new report
    _report(tmp_path, "2024/baclieu_dot_2024_en", **_summary("Kế hoạch 2024", 0.3127, "achieved", []))
    index_page.write_index(tmp_path, now=NOW)
    _report(tmp_path, "2024/baclieu_dot_2024", **_summary("Kế hoạch 2024", 0.3127, "achieved", []))
    early = {**_summary("Kế hoạch 2024", 0.2641, "at_risk", []), "as_of": "2024-07-31"}
    _report(tmp_path, "2024/baclieu_dot_2024_asof_2024-07-31", **early)
    index_page.write_index(tmp_path, now=NOW)
    page = read_page(tmp_path)
    section = page.text[page.text.index("Thay đổi so với lần chạy trước"):page.text.index("Kết quả từng chỉ tiêu")]
    assert section.count("Báo cáo mới") == 1 and "số liệu đến ngày 31/07/2024" in section
    assert "Không còn" not in section
    # the year-end row and the early warning (data to 31/07/2024) each put their own figure on 2024
    rows = {r["Số liệu đến ngày"]: r for r in page.rows("Năm")}
    assert (rows["31/07/2024"]["Có nguy cơ"], rows["—"]["Đạt"]) == ("1", "1")
    assert {"2024: 26,41%", "2024: 31,27%"} <= set(page.svg_titles)
    assert [h for h in page.links() if h.endswith("report.html")][:1] == ["2024/baclieu_dot_2024/report.html"]
