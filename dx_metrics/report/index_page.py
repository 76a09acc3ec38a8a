"""One page for every report under an output root: ``<root>/index.html``.

The page lists each plan × year report the root holds (a run folder with ``summary.json``,
``paths.run_folders``): the plan's title and unit, the year, the data date, the targets counted
by status, each target's figure with a small chart of it over the years, a relative link to
each report, and when it was made (Vietnam time, UTC+7). Above them, "what changed since the
last run": figures and statuses that moved and review flags that are new, against what the
previous page showed (kept beside it in ``.index.json``). Failed runs are listed with a link
to their log. The page is one file: inline CSS and SVG, no script, nothing fetched, so it opens
offline; every text from inputs (plan titles, unit and indicator names) is HTML-escaped.

The years of the charts come from the history store (``dx_metrics.history``, read only) and
from the reports found; without a history the page says so and draws what the reports give.
The page and its state are each written atomically (a temporary file, then one rename).
"""
from __future__ import annotations

import datetime as dt
import html
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from dx_metrics import history, notes, paths
from dx_metrics.formats import MISSING, VIETNAM, fmt_period, fmt_time, fmt_value
from dx_metrics.registry import indicator, share_ids
from dx_metrics.report.labels import LANGS, STATUS, STATUS_COLOURS
from dx_metrics.units import unit_names

STATE_VERSION = 1
DEFAULT_NOTEBOOK = "yearly_plan_evaluation"           # the evaluation report; the others rank, compare, explore
STATUSES = ("achieved", "not_achieved", "on_track", "at_risk", "off_track", "no_data")
_COMPARATOR = {">=": "≥", "<=": "≤", "==": "="}
_KIND = {"yearly_plan_evaluation": "Báo cáo đánh giá", "year_over_year": "So sánh với năm trước",
         "index_ranking": "Xếp hạng chỉ số", "explore_exports": "Kiểm tra tệp dữ liệu"}

WORDS = {
    "title": "Tổng hợp các báo cáo đánh giá thực hiện kế hoạch",
    "updated": "Cập nhật lúc {time} (giờ Việt Nam)",
    "count": "{reports} báo cáo của {plans} kế hoạch",
    "none_yet": "Thư mục này chưa có báo cáo nào.",
    "overview": "Các báo cáo",
    "overview_lead": "Mỗi dòng là một báo cáo đánh giá của một kế hoạch trong một năm: số chỉ tiêu theo từng mức "
                     "đánh giá. Bấm tên kế hoạch để mở báo cáo.",
    "year": "Năm", "plan": "Kế hoạch", "unit": "Đơn vị", "as_of": "Số liệu đến ngày", "generated": "Lập lúc",
    "changes": "Thay đổi so với lần chạy trước",
    "changes_since": "So với trang lập lúc {time}: số liệu, đánh giá đã thay đổi và dấu hiệu rà soát mới.",
    "first_run": "Chưa có lần chạy trước để so sánh: đây là lần đầu trang này được lập cho thư mục báo cáo này.",
    "no_change": "Không có số liệu, đánh giá hay dấu hiệu rà soát nào thay đổi.",
    "new_report": "Báo cáo mới (lần trước chưa có).",
    "gone_report": "Không còn trong thư mục báo cáo.",
    "figure_moved": "{name}: {old} → {new}",
    "status_moved": "đánh giá {old} → {new}",
    "new_flags": "Dấu hiệu rà soát mới",
    "gone_flags": "Dấu hiệu rà soát không còn: {n}",
    "targets": "Kết quả từng chỉ tiêu",
    "targets_lead": "Kết quả đo được, kỳ số liệu, chỉ tiêu kế hoạch, đánh giá, và kết quả qua các năm (đường "
                    "nét đứt: chỉ tiêu kế hoạch năm nay; chấm đậm: năm của báo cáo).",
    "indicator": "Chỉ tiêu", "figure": "Kết quả", "span": "Kỳ số liệu", "target": "Chỉ tiêu kế hoạch",
    "status": "Đánh giá", "years": "Qua các năm", "projected": "dự báo cuối năm {value}",
    "open": "Mở báo cáo", "english": "bản tiếng Anh", "flags": "{n} dấu hiệu rà soát số liệu",
    "failed": "Lần chạy không thành công",
    "failed_lead": "Các lần chạy dưới đây không lập được báo cáo; báo cáo đang có (nếu có) là của lần chạy "
                   "thành công trước đó.",
    "failed_at": "lúc {time}", "failed_log": "nhật ký chạy", "failed_detail": "chi tiết",
    "failed_stale": "Lần chạy lúc {time} không thành công; báo cáo này là của lần chạy trước.",
    "failed_now": "không lập được báo cáo trong lần chạy này",
    "history_off": "Lịch sử đánh giá đang tắt: biểu đồ qua các năm chỉ dựa trên các báo cáo có trong thư mục này.",
    "history_absent": "Chưa có lịch sử đánh giá ({store}): biểu đồ qua các năm chỉ dựa trên các báo cáo có trong "
                      "thư mục này.",
    "history_unavailable": "Không đọc được lịch sử đánh giá: {why}. Biểu đồ qua các năm chỉ dựa trên các báo cáo "
                           "có trong thư mục này.",
    "history_used": "Biểu đồ qua các năm lấy kết quả từ lịch sử đánh giá ({store}) và các báo cáo trong thư mục này.",
    "footer": "Trang này được lập lại sau mỗi lần chạy báo cáo; mở được khi không có mạng.",
}


# --- what the root holds

@dataclass
class Report:
    """One run folder with its summary.json."""

    folder: Path
    rel: str                       # the folder from the root, with "/" (the link's start)
    year: int
    summary: dict
    notebook: str | None           # None: a notebook whose folder name could not be read back
    lang: str | None

    @property
    def plan_id(self) -> str:
        return str(self.summary.get("plan_id") or self.folder.name)

    @property
    def as_of(self) -> str | None:
        a = self.summary.get("as_of")
        return a if isinstance(a, str) and a else None

    @property
    def is_evaluation(self) -> bool:
        return self.notebook == DEFAULT_NOTEBOOK


@dataclass
class Failed:
    """A run that made no report this time: its folder kept as ``<name>.failed``, or only a message."""

    name: str
    year: int | None = None
    title: str | None = None
    log: str | None = None          # the run.log's link from the root
    at: dt.datetime | None = None
    detail: str | None = None
    report: str | None = None       # the rel of the last good report it left in place


@dataclass
class Page:
    reports: list[Report]
    failed: list[Failed]
    history_note: str
    series: dict[tuple[str, str], dict[int, float]] = field(default_factory=dict)


def _notebooks() -> list[str]:
    return sorted(p.stem for p in paths.NOTEBOOKS.glob("*.ipynb"))


def _kind(folder: Path, summary: dict) -> tuple[str | None, str | None]:
    """The notebook and language of a run folder, read back from its name (``paths.run_name``)."""
    plan_id, as_of = summary.get("plan_id"), summary.get("as_of") or None
    for notebook in _notebooks():
        for lang in LANGS:
            try:
                if paths.run_name(plan_id, notebook, lang, as_of=as_of) == folder.name:
                    return notebook, lang
            except ValueError:
                return None, None
    return None, None


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def find_reports(root: Path) -> list[Report]:
    """Every run folder under ``root`` with a readable summary.json (``paths.run_folders``)."""
    out = []
    for year, folder in paths.run_folders(root):
        summary = _read_json(folder / paths.SUMMARY)
        if summary is None or not (folder / paths.REPORT_HTML).is_file():
            continue
        notebook, lang = _kind(folder, summary)
        out.append(Report(folder, folder.relative_to(root).as_posix(), year, summary, notebook, lang))
    return out


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def _ran_at(folder: Path) -> float | None:
    return _mtime(folder / paths.RUN_LOG) or _mtime(folder / paths.RUN_MARKER)


def find_failed(root: Path, reports: list[Report]) -> list[Failed]:
    """Failed runs kept under ``root`` that are newer than the report they left in place (or
    that left none): a later success makes an old ``.failed`` folder history."""
    by_folder = {r.folder.name: r for r in reports}
    out = []
    for year, folder in paths.failed_folders(root):
        name = folder.name[: -len(paths.FAILED)]
        good = by_folder.get(name) if (folder.parent / name).is_dir() else None
        failed_at, good_at = _ran_at(folder), (_ran_at(good.folder) if good else None)
        if good is not None and (failed_at is None or (good_at is not None and good_at >= failed_at)):
            continue
        summary = _read_json(folder / paths.SUMMARY) or {}
        try:
            marker = (folder / paths.RUN_MARKER).read_text("utf-8").strip()
        except OSError:
            marker = ""
        log = folder / paths.RUN_LOG
        out.append(Failed(name=summary.get("plan_id") or marker or name, year=year, title=summary.get("title"),
                          log=log.relative_to(root).as_posix() if log.is_file() else None,
                          at=dt.datetime.fromtimestamp(failed_at, VIETNAM) if failed_at else None,
                          report=good.rel if good else None))
    return out


# --- the figures over the years

def _history_series(stores: Sequence[Path | None]) -> tuple[pd.DataFrame, str]:
    """Every target figure the history stores hold, and the sentence the page says about them."""
    if not stores or all(s is None for s in stores):
        return pd.DataFrame(columns=history.TARGET_FIGURES), WORDS["history_off"]
    frames, absent, unavailable = [], [], []
    for store in dict.fromkeys(s for s in stores if s is not None):
        if not store.is_file():
            absent.append(str(store))
            continue
        try:
            frames.append(history.target_figures(store))
        except history.HistoryUnavailable as e:
            unavailable.append(notes.say_one(e.cause, "vi"))
        except Exception as e:  # noqa: BLE001 - the page stands without its history
            unavailable.append(f"{store}: {type(e).__name__}")
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=history.TARGET_FIGURES)
    if unavailable:
        return frame, WORDS["history_unavailable"].format(why="; ".join(unavailable))
    if not frames:
        return frame, WORDS["history_absent"].format(store=", ".join(dict.fromkeys(absent)))
    used = dict.fromkeys(str(s) for s in stores if s is not None and s.is_file())
    return frame, WORDS["history_used"].format(store=", ".join(used))


def _number(x: object) -> float | None:
    if x is None or isinstance(x, bool):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def series(figures: pd.DataFrame, reports: list[Report]) -> dict[tuple[str, str], dict[int, float]]:
    """Per (indicator, unit): the figure of each year, from the history, then from the evaluation
    reports found (what the page shows wins for its year; a year-end report over an early warning).
    Each report's own row puts its own figure on its year (``_target_row``)."""
    out: dict[tuple[str, str], dict[int, float]] = {}
    for row in figures.itertuples(index=False):
        v = _number(row.actual)
        if v is not None:
            out.setdefault((str(row.indicator_id), str(row.unit_id)), {})[int(row.year)] = v
    found = sorted((r for r in reports if r.is_evaluation),
                   key=lambda r: (r.as_of is None, r.as_of or "", str(r.summary.get("generated_at") or "")))
    for r in found:
        for t in _targets(r.summary):
            v = _number(t.get("actual"))
            if v is not None:
                out.setdefault((str(t.get("indicator_id")), str(t.get("unit_id"))), {})[r.year] = v
    return out


# --- formatting

def esc(text: object) -> str:
    """Text from an input, safe in HTML text and attribute values."""
    return html.escape("" if text is None else str(text), quote=True)


def vietnam_time(value: object) -> str:
    """A time stamp as a Vietnamese reader reads it: dd/mm/yyyy HH:MM in Vietnam's time zone
    (``formats.fmt_time`` without the zone's name); an ISO text without a zone is UTC (as the
    runner writes it). Unreadable: as it is."""
    if not value:
        return MISSING["vi"]
    try:
        return fmt_time(value, lang="vi", zone=False)
    except (TypeError, ValueError):
        return str(value)


def _date(value: str | None) -> str:
    return fmt_period(value, lang="vi") if value else MISSING["vi"]


def _targets(summary: dict) -> list[dict]:
    t = summary.get("targets")
    return [x for x in t if isinstance(x, dict)] if isinstance(t, list) else []


def _status(t: dict) -> str | None:
    """A target's status when it is one of ``STATUSES``."""
    s = t.get("status")
    return s if isinstance(s, str) and s in STATUSES else None


def _flags(summary: dict) -> list[dict]:
    review = summary.get("data_quality_review")
    flags = review.get("flags") if isinstance(review, dict) else None
    return [f for f in flags if isinstance(f, dict)] if isinstance(flags, list) else []


def _flag_key(f: dict) -> tuple:
    return tuple(None if f.get(k) is None else str(f.get(k)) for k in ("rule", "unit_id", "period", "subject"))


def _unit_name(unit_id: object) -> str:
    if not unit_id:
        return MISSING["vi"]
    try:
        return str(unit_names(pd.Series([str(unit_id)], dtype="string"), lang="vi").iloc[0])
    except Exception:  # noqa: BLE001 - a registry that cannot be read: the id, not a broken page
        return str(unit_id)


def _indicator_name(iid: object) -> str:
    try:
        return str(indicator(str(iid))["name_vi"])
    except (KeyError, TypeError):
        return str(iid)


def _is_share(iid: object) -> bool:
    return str(iid) in share_ids()


def _shown(t: dict, key: str = "actual") -> str:
    v = _number(t.get(key))
    if v is None:
        return MISSING["vi"]
    return fmt_value(v, "share" if _is_share(t.get("indicator_id")) else "count", lang="vi")


def _target_name(t: dict, plan_unit: object) -> str:
    name = _indicator_name(t.get("indicator_id"))
    if t.get("unit_id") and t.get("unit_id") != plan_unit:
        name += f" ({_unit_name(t.get('unit_id'))})"
    return name


def _flag_text(f: dict) -> str:
    """A flag as one line: what it is, whose, when, about which figure."""
    from dx_metrics.report.quality import messages, subject_label

    rule = messages()["rules"].get(str(f.get("rule")), {}).get("vi", {}).get("label") or str(f.get("rule"))
    parts = [_unit_name(f.get("unit_id"))]
    if isinstance(f.get("period"), str):
        parts.append(fmt_period(f["period"], lang="vi"))
    text = f"{rule}: {', '.join(parts)}"
    if isinstance(f.get("subject"), str):
        text += f" ({subject_label(f['subject'], 'vi')})"
    return text


# --- the state kept for "what changed"

def state_of(rows: list[Report], now: dt.datetime) -> dict:
    """What the page shows, per evaluation report listed: each target's figure and status, and the flags."""
    out = {}
    for r in rows:
        if not r.is_evaluation:
            continue
        s = r.summary
        out[_state_key(r)] = {
            "plan_id": r.plan_id, "year": r.year, "as_of": r.as_of, "title": s.get("title"),
            "targets": {f"{t.get('indicator_id')}|{t.get('unit_id')}": {
                "name": _target_name(t, s.get("unit_id")), "shown": _shown(t), "status": _status(t)}
                for t in _targets(s)},
            "flags": [{k: f.get(k) for k in ("rule", "unit_id", "period", "subject")} for f in _flags(s)],
        }
    return {"version": STATE_VERSION, "written_at": now.isoformat(timespec="seconds"), "reports": out}


def _state_key(r: Report) -> str:
    """A report's key in the state: its year, plan and data date (not its folder: the English
    report stands for the plan until a Vietnamese one appears, and is the same report)."""
    return f"{r.year}/{r.plan_id}" + (f"@{r.as_of}" if r.as_of else "")


def read_state(root: Path) -> dict | None:
    """The state the last page was written with, or None (none yet, or unreadable)."""
    data = _read_json(paths.index_state_path(root))
    if not data or data.get("version") != STATE_VERSION or not isinstance(data.get("reports"), dict):
        return None
    return data


def changes(previous: dict, current: dict) -> list[tuple[str, list[str], list[str]]]:
    """Per report that changed: its heading, the lines that say what moved, and its new flags."""
    out = []
    before, now = previous.get("reports", {}), current["reports"]
    for key in sorted(set(before) | set(now), key=lambda k: (-int(k.split("/")[0]) if k.split("/")[0].isdigit()
                                                              else 0, k)):
        old, new = before.get(key), now.get(key)
        head = _heading(new or old)
        if old is None:
            out.append((head, [WORDS["new_report"]], []))
            continue
        if new is None:
            out.append((head, [WORDS["gone_report"]], []))
            continue
        lines = []
        old_t, new_t = old.get("targets", {}), new["targets"]
        for target in list(new_t) + [k for k in old_t if k not in new_t]:
            a, b = old_t.get(target) or {}, new_t.get(target) or {}
            name = b.get("name") or a.get("name") or target
            shown_a, shown_b = a.get("shown", MISSING["vi"]), b.get("shown", MISSING["vi"])
            moved = []
            if shown_a != shown_b:
                moved.append(WORDS["figure_moved"].format(name=name, old=shown_a, new=shown_b))
            if a.get("status") != b.get("status"):
                said = WORDS["status_moved"].format(old=STATUS["vi"].get(a.get("status") or "", MISSING["vi"]),
                                                    new=STATUS["vi"].get(b.get("status") or "", MISSING["vi"]))
                moved.append(said if moved else f"{name}: {said}")
            if moved:
                lines.append("; ".join(moved))
        old_flags = {_flag_key(f) for f in old.get("flags", [])}
        new_keys = {_flag_key(f) for f in new["flags"]}
        fresh = [_flag_text(f) for f in new["flags"] if _flag_key(f) not in old_flags]
        gone = len(old_flags - new_keys)
        if gone:
            lines.append(WORDS["gone_flags"].format(n=gone))
        if lines or fresh:
            out.append((head, lines, list(dict.fromkeys(fresh))))
    return out


def _heading(entry: dict) -> str:
    head = f"{entry.get('title') or entry.get('plan_id')} – {WORDS['year']} {entry.get('year')}"
    if entry.get("as_of"):
        head += f", {WORDS['as_of'].lower()} {_date(entry['as_of'])}"
    return head


# --- the page

_CSS = """
body{font-family:"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",Arial,sans-serif;margin:24px auto;max-width:1240px;
color:#1f2328;padding:0 16px;line-height:1.45}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.25em;margin:28px 0 6px;border-bottom:2px solid #d0d7de;
padding-bottom:4px}h3{font-size:1.05em;margin:18px 0 4px}
.meta,.lead{color:#57606a;margin:4px 0 10px}.small{font-size:.85em;color:#57606a}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:.93em}
th,td{border:1px solid #d0d7de;padding:5px 7px;vertical-align:middle;text-align:left}
th{background:#f6f8fa;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.zero{color:#afb8c1;text-align:right}th.st{font-size:.85em;text-align:center;width:70px}
.badge{display:inline-block;padding:1px 7px;border-radius:10px;white-space:nowrap}
.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;margin:12px 0}
.card h3{margin-top:6px}.card th{white-space:nowrap}.warn{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:8px 12px;
margin:10px 0}.changes li{margin:2px 0}.flag{color:#9a6700}svg{vertical-align:middle}
a{color:#0969da}ul{margin:4px 0 8px;padding-left:22px}details{display:inline}
code{font-size:.85em;white-space:pre-wrap}td.nw{white-space:nowrap}
@media print{a{color:inherit;text-decoration:none}.card{break-inside:avoid}}
"""


def _href(rel: str) -> str:
    return esc("/".join(quote(part) for part in rel.split("/")))


def _status_badge(status: str | None, caveat: bool = False) -> str:
    """A status as a coloured badge; "*" where the review flagged a figure it rests on."""
    label = STATUS["vi"].get(status, MISSING["vi"]) if status else MISSING["vi"]
    label += "*" if caveat else ""
    colour = STATUS_COLOURS.get(status, "FFFFFF") if status else "FFFFFF"
    return f'<span class="badge" style="background:#{colour}">{esc(label)}</span>'


def sparkline(points: dict[int, float], *, share: bool, year: int, target: float | None = None,
              width: int = 120, height: int = 30) -> str:
    """The figure over the years as a small inline SVG: a line through one point per year (the
    report's year filled), the target as a dashed line; each point says its year and figure."""
    years = sorted(points)
    if not years:
        return f'<span class="small">{MISSING["vi"]}</span>'
    shown = [fmt_value(points[y], "share" if share else "count", lang="vi") for y in years]
    values = [points[y] for y in years] + ([target] if target is not None else [])
    lo, hi = min(values), max(values)
    pad = 5

    def x(i: int) -> float:
        return width / 2 if len(years) == 1 else pad + i * (width - 2 * pad) / (len(years) - 1)

    def y(v: float) -> float:
        return height / 2 if hi == lo else pad + (1 - (v - lo) / (hi - lo)) * (height - 2 * pad)

    label = "; ".join(f"{yr}: {s}" for yr, s in zip(years, shown))
    parts = [(f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
              f'aria-label="{esc(label)}"><title>{esc(label)}</title>')]
    if target is not None:
        parts.append(f'<line x1="0" x2="{width}" y1="{y(target):.1f}" y2="{y(target):.1f}" stroke="#8c959f" '
                     f'stroke-dasharray="3,3" stroke-width="1"/>')
    if len(years) > 1:
        line = " ".join(f"{x(i):.1f},{y(points[yr]):.1f}" for i, yr in enumerate(years))
        parts.append(f'<polyline points="{line}" fill="none" stroke="#0969da" stroke-width="1.6"/>')
    for i, yr in enumerate(years):
        mine = yr == year
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(points[yr]):.1f}" r="{3.2 if mine else 2.2}" '
                     f'fill="{"#0969da" if mine else "#ffffff"}" stroke="#0969da" stroke-width="1.2">'
                     f'<title>{yr}: {esc(shown[i])}</title></circle>')
    parts.append("</svg>")
    if len(years) == 1:
        caption = f"{years[0]}: {shown[0]}"
    else:
        caption = f"{years[0]}: {shown[0]} … {years[-1]}: {shown[-1]}"
    return "".join(parts) + f' <span class="small">{esc(caption)}</span>'


def _others(report: Report, reports: list[Report]) -> list[str]:
    """Links to the other reports of the plan and year (another language, another notebook)."""
    out = []
    for o in reports:
        if o is report or o.plan_id != report.plan_id or o.year != report.year:
            continue
        if o.is_evaluation and o.lang == "vi":
            continue            # its own row
        what = _KIND.get(o.notebook or "", o.folder.name)
        if o.lang == "en":
            what += f" ({WORDS['english']})"
        if o.as_of:
            what += f", {WORDS['as_of'].lower()} {_date(o.as_of)}"
        out.append(f'<a href="{_href(o.rel + "/" + paths.REPORT_HTML)}">{esc(what)}</a>')
    return out


def _rows(reports: list[Report]) -> list[Report]:
    """The reports the page lists in full: every evaluation report in Vietnamese, its English one
    where it has none; a plan and year with no evaluation report, by its first report. Newest year
    first; in a plan's year, the year-end report, then its early warnings, newest first."""
    def key(r: Report):
        return (r.plan_id, r.year, r.as_of)

    vi = {key(r) for r in reports if r.is_evaluation and r.lang == "vi"}
    rows = [r for r in reports if r.is_evaluation and (r.lang == "vi" or key(r) not in vi)]
    covered = {(r.plan_id, r.year) for r in rows}
    for r in reports:
        if (r.plan_id, r.year) not in covered:
            rows.append(r)
            covered.add((r.plan_id, r.year))
    rows.sort(key=lambda r: r.as_of or "", reverse=True)          # early warnings newest first ...
    return sorted(rows, key=lambda r: (-r.year, str(r.summary.get("title") or r.plan_id), r.plan_id,
                                       r.as_of is not None))       # ... after the year-end report


def _overview(rows: list[Report], stale: dict[str, Failed]) -> str:
    """One row per report: year, plan (linked), unit, the data date where any report has one,
    the targets counted by status, when it was made. Other reports of a plan are in its card."""
    dated = any(r.as_of for r in rows)
    head = "".join(f'<th class="st">{esc(STATUS["vi"][s])}</th>' for s in STATUSES)
    out = [f'<table class="overview"><thead><tr><th>{WORDS["year"]}</th><th>{WORDS["plan"]}</th>'
           f'<th>{WORDS["unit"]}</th>' + (f'<th>{WORDS["as_of"]}</th>' if dated else "")
           + f'{head}<th>{WORDS["generated"]}</th></tr></thead><tbody>']
    for r in rows:
        s = r.summary
        counts = {k: 0 for k in STATUSES}
        for t in _targets(s):
            if _status(t):
                counts[_status(t)] += 1
        cells = "".join(f'<td class="n" style="background:#{STATUS_COLOURS[k]}">{n}</td>' if n else
                        '<td class="zero">0</td>' for k, n in counts.items())
        title = esc(s.get("title") or r.plan_id)
        warn = ""
        if r.rel in stale:
            at = stale[r.rel].at
            warn = f'<br><span class="flag">⚠ {WORDS["failed"]}' + (f" ({vietnam_time(at)})" if at else "") + "</span>"
        out.append(f'<tr><td class="n">{r.year}</td><td><a href="{_href(r.rel + "/" + paths.REPORT_HTML)}">'
                   f'{title}</a>{warn}</td><td>{esc(_unit_name(s.get("unit_id")))}</td>'
                   + (f'<td class="nw">{esc(_date(r.as_of))}</td>' if dated else "") + cells
                   + f'<td class="n">{esc(vietnam_time(s.get("generated_at")))}</td></tr>')
    out.append("</tbody></table>")
    return "".join(out)


def _card(r: Report, reports: list[Report], page: Page, stale: dict[str, Failed]) -> str:
    s = r.summary
    meta = [f'{WORDS["unit"]}: {esc(_unit_name(s.get("unit_id")))}', f'{WORDS["year"]}: {r.year}']
    if r.as_of:
        meta.append(f'{WORDS["as_of"]}: {esc(_date(r.as_of))}')
    meta.append(f'{WORDS["generated"]}: {esc(vietnam_time(s.get("generated_at")))} (giờ Việt Nam)')
    flags = _flags(s)
    if flags:
        meta.append(f'<span class="flag">{WORDS["flags"].format(n=len(flags))}</span>')
    links = [f'<a href="{_href(r.rel + "/" + paths.REPORT_HTML)}">{WORDS["open"]}</a>', *_others(r, reports)]
    out = [(f'<div class="card" id="{esc(r.rel.replace("/", "-"))}"><h3>'
            f'<a href="{_href(r.rel + "/" + paths.REPORT_HTML)}">{esc(s.get("title") or r.plan_id)}</a></h3>'),
           f'<p class="meta">{" · ".join(meta)}</p>', f'<p class="small">{" · ".join(links)}</p>']
    if r.rel in stale:
        f = stale[r.rel]
        out.append(f'<p class="warn">{esc(WORDS["failed_stale"].format(time=vietnam_time(f.at) if f.at else ""))}'
                   + (f' <a href="{_href(f.log)}">{WORDS["failed_log"]}</a>' if f.log else "") + "</p>")
    targets = _targets(s)
    if targets:
        out.append(f'<table><thead><tr><th>{WORDS["indicator"]}</th><th>{WORDS["figure"]}</th>'
                   f'<th>{WORDS["span"]}</th><th>{WORDS["target"]}</th><th>{WORDS["status"]}</th>'
                   f'<th>{WORDS["years"]}</th></tr></thead><tbody>')
        out += [_target_row(t, r, page) for t in targets]
        out.append("</tbody></table>")
    out.append("</div>")
    return "".join(out)


def _target_row(t: dict, r: Report, page: Page) -> str:
    """A target: its indicator, figure (and year-end projection), period, target, status, and chart."""
    figure = esc(_shown(t))
    if _number(t.get("projected")) is not None and _shown(t, "projected") != _shown(t):
        projected = WORDS["projected"].format(value=_shown(t, "projected"))
        figure += f'<br><span class="small">{esc(projected)}</span>'
    span = t.get("basis_period") or t.get("span")
    target = _number(t.get("target"))
    comparator = str(t.get("comparator") or "")
    target_text = (f'{esc(_COMPARATOR.get(comparator, comparator))} {esc(_shown(t, "target"))}'
                   if target is not None else MISSING["vi"])
    points = dict(page.series.get((str(t.get("indicator_id")), str(t.get("unit_id"))), {}))
    points.pop(r.year, None)                  # this year's point is the figure this row shows
    if _number(t.get("actual")) is not None:
        points[r.year] = _number(t.get("actual"))
    chart = sparkline(points, share=_is_share(t.get("indicator_id")), year=r.year, target=target)
    return (f'<tr><td>{esc(_target_name(t, r.summary.get("unit_id")))}</td><td class="n">{figure}</td>'
            f'<td class="nw">{esc(_date(span) if isinstance(span, str) else MISSING["vi"])}</td>'
            f'<td class="n">{target_text}</td><td>{_status_badge(_status(t), bool(t.get("caveats")))}</td>'
            f'<td class="nw">{chart}</td></tr>')


def _changes(previous: dict | None, current: dict) -> str:
    out = [f'<h2 id="thay-doi">{WORDS["changes"]}</h2>']
    if previous is None:
        return "".join(out) + f'<p class="lead">{WORDS["first_run"]}</p>'
    since = WORDS["changes_since"].format(time=vietnam_time(previous.get("written_at")))
    out.append(f'<p class="lead">{esc(since)}</p>')
    found = changes(previous, current)
    if not found:
        return "".join(out) + f'<p>{WORDS["no_change"]}</p>'
    for head, lines, fresh in found:
        out.append(f'<h3>{esc(head)}</h3><ul class="changes">')
        out += [f"<li>{esc(line)}</li>" for line in lines]
        if fresh:
            out.append(f'<li class="flag">{WORDS["new_flags"]}:<ul>' + "".join(f"<li>{esc(f)}</li>" for f in fresh)
                       + "</ul></li>")
        out.append("</ul>")
    return "".join(out)


def _failures(failed: list[Failed]) -> str:
    if not failed:
        return ""
    out = [f'<div class="warn"><strong>{WORDS["failed"]}</strong><p class="small">{WORDS["failed_lead"]}</p><ul>']
    for f in failed:
        what = esc(f.title or f.name) + (f" – {WORDS['year']} {f.year}" if f.year else "")
        bits = [WORDS["failed_at"].format(time=vietnam_time(f.at))] if f.at else [WORDS["failed_now"]]
        if f.log:
            bits.append(f'<a href="{_href(f.log)}">{WORDS["failed_log"]}</a>')
        if f.detail:
            bits.append(f'<details><summary>{WORDS["failed_detail"]}</summary><code>{esc(f.detail)}</code></details>')
        out.append(f"<li>{what}: {' · '.join(bits)}</li>")
    return "".join(out) + "</ul></div>"


def render(page: Page, rows: list[Report], *, previous: dict | None, current: dict, now: dt.datetime) -> str:
    """The page as HTML text; ``rows``: the reports listed in full (``_rows``)."""
    stale = {f.report: f for f in page.failed if f.report}
    plans = len({(r.plan_id, r.year) for r in rows})
    head = (f'<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{WORDS["title"]}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n')
    body = [f'<h1>{WORDS["title"]}</h1>',
            (f'<p class="meta">{esc(WORDS["updated"].format(time=vietnam_time(now)))} · '
             f'{WORDS["count"].format(reports=len(rows), plans=plans)}</p>'),
            _failures(page.failed)]
    if not rows:
        body.append(f'<p>{WORDS["none_yet"]}</p>')
    else:
        body += [f'<h2 id="bao-cao">{WORDS["overview"]}</h2><p class="lead">{WORDS["overview_lead"]}</p>',
                 _overview(rows, stale)]
    body.append(_changes(previous, current))
    if rows:
        body += [f'<h2 id="chi-tieu">{WORDS["targets"]}</h2><p class="lead">{WORDS["targets_lead"]}</p>',
                 *(_card(r, page.reports, page, stale) for r in rows)]
    body.append(f'<hr><p class="small">{esc(page.history_note)}</p><p class="small">{WORDS["footer"]}</p>')
    return head + "\n".join(b for b in body if b) + "\n</body>\n</html>\n"


def _write_text(path: Path, text: str) -> None:
    """The page's bytes into ``path`` (a temporary file beside the page)."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def write_index(root: str | Path, *, history_stores: Sequence[Path | None] = (),
                failures: Iterable[dict] = (), now: dt.datetime | None = None) -> Path:
    """Write ``<root>/index.html`` for every report under ``root``, then ``<root>/.index.json``
    (what it shows, for the next page's "what changed"), each atomically. ``history_stores``:
    the history files of the runs' workspaces (None: the history is off); ``failures``: runs
    of this batch that failed before writing any folder, as ``{"name", "detail", "title"?, "year"?}``
    (plan id or file, why, and the plan's title and year when it could be read). Returns the page's path."""
    root = Path(root)
    now = now or dt.datetime.now(dt.timezone.utc)
    reports = find_reports(root)
    failed = find_failed(root, reports) + [Failed(name=str(f["name"]), detail=f.get("detail"), title=f.get("title"),
                                                  year=f.get("year")) for f in failures]
    figures, note = _history_series(list(history_stores))
    page = Page(reports, failed, note, series(figures, reports))
    rows = _rows(reports)
    previous, current = read_state(root), state_of(rows, now)
    text = render(page, rows, previous=previous, current=current, now=now)
    target = paths.index_path(root)
    paths.write_atomically(target, lambda tmp: _write_text(tmp, text))
    paths.write_atomically(paths.index_state_path(root),
                           lambda tmp: _write_text(tmp, json.dumps(current, ensure_ascii=False, indent=1)))
    return target
