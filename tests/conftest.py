from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "reference-data"


@pytest.fixture(autouse=True, scope="session")
def _private_world(tmp_path_factory):
    """For the whole session, before any fixture of any scope: parsing goes to the session's own
    cache, never the user's, and runs record nothing unless a test asks (tests/test_history.py)
    — a test's runs never land in this repository's data/history.duckdb, nor give another test
    last year's figures. A module-scoped fixture runs before function-scoped ones, so this
    cannot be a function-scoped fixture."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DX_METRICS_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
        mp.setenv("DX_METRICS_HISTORY", "off")
        # the command line speaks Vietnamese by default; the suite's older assertions read its
        # English, and the tests of the Vietnamese say so themselves (tests/test_cli_language.py)
        mp.setenv("DX_METRICS_LANG", "en")
        yield


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """A test that changed the cache setting gets the session's back."""
    monkeypatch.setenv("DX_METRICS_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(autouse=True)
def _no_history(monkeypatch):
    monkeypatch.setenv("DX_METRICS_HISTORY", "off")


def _user_cache() -> Path:
    import os

    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dx_metrics"


def _snapshot() -> dict:
    """What the suite must leave as it found it: the repository's history store, the user's cache."""
    history = sorted(p.name for p in (ROOT / "data").glob("history.duckdb*"))
    cache = _user_cache()
    listed = sorted((str(p.relative_to(cache)), p.stat().st_mtime_ns) for p in cache.rglob("*")) if cache.exists() else []
    return {"history": history, "cache": listed}


def pytest_sessionstart(session):
    session.config._dx_world = _snapshot()


def pytest_sessionfinish(session, exitstatus):
    before, after = getattr(session.config, "_dx_world", None), _snapshot()
    if before is not None and after != before:
        changed = [k for k in before if before[k] != after[k]]
        session.config.get_terminal_writer().line(
            f"the test suite wrote into the developer's world: {', '.join(changed)} changed "
            f"({ROOT / 'data'}/history.duckdb*, {_user_cache()})", red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _bundled_registry():
    """A test that puts a workspace registry or alias table over the bundled one takes it away after."""
    from dx_metrics import registry, units
    from dx_metrics.ingest import header

    yield
    if units.overlay() is not None:
        units.set_overlay(None)
    if header.overlay() is not None:
        header.set_overlay(None)
    if registry.overlay() is not None:
        registry.set_overlay(None)


def write_sheet(path: Path, rows: list[list], *, title: str = "Biểu 06a", merges: list[str] = ()) -> Path:
    """A workbook with one sheet holding ``rows`` from A1 (None = empty cell)."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    wb.save(path)
    return path


ONE_STOP_TOP = ["STT", "Đơn vị", "Số hồ sơ nhận giải quyết", None, None, None, "Kết quả giải quyết", None, None,
                None, "Số hồ sơ đang giải quyết", None, None]
ONE_STOP_SUB = [None, None, "Tổng số", "Trực tuyến", "Trực tiếp, dịch vụ bưu chính", "Kỳ trước chuyển qua",
                "Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn", "Tổng số", "Trong hạn", "Quá hạn"]
ONE_STOP_MERGES = ["A5:A6", "B5:B6", "C5:F5", "G5:J5", "K5:M5"]


def one_stop_rows(units: list[list], *, period_line: str | None = "Năm 2023", total: list | None = None,
                  footer: bool | list[list] = True) -> list[list]:
    """A Biểu II.06a-style sheet: 3 title rows, a blank, a two-row header from row 5, data from
    row 7. Each unit row is [name, total incl. carried, online, offline, carried, resolved, early,
    on time, late, pending, within, overdue]. ``footer``: the two signers' titles below a blank
    row (True), none (False), or these rows (a footer shape: see tests/test_footers.py)."""
    rows = [["UBND TỈNH BẠC LIÊU"], ["SỞ GIAO THÔNG VẬN TẢI"], [period_line], [None],
            ONE_STOP_TOP, ONE_STOP_SUB]
    for i, u in enumerate(units, start=1):
        rows.append([i, *u])
    if total is not None:
        rows.append([None, "Tổng cộng", *total])
    if isinstance(footer, list):
        rows += footer
    elif footer:
        rows += [[None], [None, "Người lập biểu", None, None, None, None, None, None, "Thủ trưởng đơn vị"]]
    return rows


def unit_row(name: str, newly: int, online: int, carried: int = 0) -> list:
    """A consistent unit row: everything resolved on time, nothing pending."""
    total = newly + carried
    return [name, total, online, newly - online, carried, total, 0, total, 0, 0, 0, 0]


# a workspace's own indicator (indicators.yaml): the share of resolved dossiers resolved late
LATE_SHARE_INDICATOR = """\
late_dossier_share:
  name_vi: Tỷ lệ hồ sơ giải quyết quá hạn
  name_en: Late dossier share
  unit: share
  direction: lower
  formula: hồ sơ giải quyết quá hạn ÷ hồ sơ đã giải quyết
  source_table: dossiers
  aggregation: sum
  numerator: resolved_late
  denominator: resolved_total
"""
