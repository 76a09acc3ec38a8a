"""A Context (dx_metrics.context) passed in, in force for a block only: building or rendering one
workspace's report no longer switches the registries and settings of what runs after it."""
from __future__ import annotations

import shutil

import pytest

from conftest import LATE_SHARE_INDICATOR, RAW
from dx_metrics import settings, units
from dx_metrics.cli import main
from dx_metrics.context import Context
from dx_metrics.errors import DxDataError
from dx_metrics.indicators import compute_indicators
from dx_metrics.ingest import header, read_export
from dx_metrics.pipeline import build_plan_report
from dx_metrics.registry import overlay as indicators_overlay
from dx_metrics.report import tables

HEAD = "unit_id,name_vi,name_en,kind,parent_id,valid_from,valid_to,successor_id,name_variants\n"
EXPORT = "sgtvt_baclieu_mot_cua_2023.xlsx"


def _workspace(root, office_name: str):
    """A workspace whose units.csv names the department office its own way, with the 2023 plan."""
    main(["init", str(root)])
    (root / "units.csv").write_text(
        HEAD + f"baclieu_dot_office,{office_name},Department Office,division,baclieu_dot,,2025-02-28,,"
               "Văn phòng Sở|Văn phòng Sở GTVT\n", encoding="utf-8")
    shutil.copy(RAW / EXPORT, root / "data" / EXPORT)
    (root / "params" / "p.yaml").write_text(
        "id: p\ntitle: t\nunit: baclieu_dot\nyear: 2023\n"
        f"inputs:\n  - {{path: {EXPORT}, kind: dossiers}}\n"
        "targets:\n  - {indicator: online_dossier_share, value: 20%}\n", encoding="utf-8")
    return root / "params" / "p.yaml"


def _in_force():
    return header.overlay(), indicators_overlay(), units.overlay()


def _office_names(r) -> set[str]:
    frame, _ = tables.indicators_frame(r, "vi")
    return {str(v) for v in frame.to_numpy().ravel() if str(v).startswith("Văn phòng")}


def test_a_report_is_built_in_its_workspace_and_leaves_the_registries_as_they_were(tmp_path):
    plan = _workspace(tmp_path / "a", "Văn phòng Sở (tên của A)")
    before = _in_force()
    r = build_plan_report(plan)
    assert _in_force() == before == (None, None, None)         # was: a.units.csv in force from then on
    assert r.context.units_file == (tmp_path / "a" / "units.csv").resolve()
    assert _office_names(r) == {"Văn phòng Sở (tên của A)"}    # rendered in its own context


def test_two_workspaces_reports_in_one_process_each_name_their_units_their_way(tmp_path):
    a = build_plan_report(_workspace(tmp_path / "a", "Văn phòng Sở (tên của A)"))
    b = build_plan_report(_workspace(tmp_path / "b", "Văn phòng Sở (tên của B)"))
    # the last report built used to win: A's tables named the office as B's units.csv does
    assert _office_names(a) == {"Văn phòng Sở (tên của A)"}
    assert _office_names(b) == {"Văn phòng Sở (tên của B)"}
    assert _office_names(a) == {"Văn phòng Sở (tên của A)"}
    # the bundled registry outside both
    assert units.load_units().set_index("unit_id").at["baclieu_dot_office", "name_vi"] == \
        "Văn phòng Sở Giao thông vận tải tỉnh Bạc Liêu"


def test_compute_indicators_reads_the_registries_of_the_context_it_is_given(tmp_path):
    ws = tmp_path / "a"
    _workspace(ws, "Văn phòng Sở (tên của A)")
    (ws / "indicators.yaml").write_text(LATE_SHARE_INDICATOR, encoding="utf-8")
    df = read_export(RAW / EXPORT, "dossiers")
    plain = compute_indicators({"dossiers": df})
    ctx = Context.of_folder(ws)
    mine = compute_indicators({"dossiers": df}, context=ctx)
    # the workspace's own indicator, for the department: its four divisions resolved 4.876 + 675 +
    # 387 + 263 = 6.201 dossiers in 2023, 17 + 5 + 9 + 0 = 31 of them late (the sheet's rows 9-12)
    late = mine[(mine["indicator_id"] == "late_dossier_share") & (mine["unit_id"] == "baclieu_dot")].iloc[0]
    assert (late["numerator"], late["denominator"]) == (31, 6201)
    assert "late_dossier_share" not in set(plain["indicator_id"])
    assert plain.equals(compute_indicators({"dossiers": df}))        # nothing left in force after it
    assert _in_force() == (None, None, None)


def test_a_setting_of_the_context_is_what_deep_reads_see_whatever_the_environment(monkeypatch, tmp_path):
    from conftest import one_stop_rows, unit_row, write_sheet

    monkeypatch.setenv("DX_METRICS_MAX_CELLS", "50000000")
    export = write_sheet(tmp_path / "mot_cua.xlsx", one_stop_rows([unit_row("Văn phòng Sở", 100, 60)]))
    small = Context().with_settings(DX_METRICS_MAX_CELLS="10", DX_METRICS_CACHE="off")
    with small.applied():
        assert settings.value("DX_METRICS_MAX_CELLS") == 10
        with pytest.raises(DxDataError, match="more than the limit of 10 cells"):
            read_export(export, "dossiers")
    assert settings.value("DX_METRICS_MAX_CELLS") == 50_000_000
    assert len(read_export(export, "dossiers")) == 1


def test_an_overlay_that_cannot_be_used_changes_nothing(tmp_path):
    ws = tmp_path / "a"
    _workspace(ws, "Văn phòng Sở (tên của A)")
    (ws / "columns.yaml").write_text("dossiers:\n  received_online: {type: count, aliases: [Nộp qua mạng]}\n",
                                     encoding="utf-8")
    (ws / "units.csv").write_text(HEAD + "x_a,Phòng A,,division,no_such_parent,,,,\n", encoding="utf-8")
    with pytest.raises(DxDataError, match="no_such_parent"):
        with Context.of_folder(ws).applied():
            pass
    assert _in_force() == (None, None, None)       # the columns.yaml put in force before it was undone


def test_figures_kept_in_the_cache_are_kept_apart_per_workspace_indicators(tmp_path):
    """The indicators computed from the same exports are cached under a key that names the
    workspace's indicators.yaml in force: a workspace without it is never served the figures of
    one with it (late_dossier_share missing from them), nor the other way round."""
    from dx_metrics.ingest import cache

    ws = tmp_path / "a"
    _workspace(ws, "Văn phòng Sở (tên của A)")
    (ws / "indicators.yaml").write_text(LATE_SHARE_INDICATOR, encoding="utf-8")
    bundled = cache.frame_key("indicators", "same exports")
    with Context.of_folder(ws).applied():
        own = cache.frame_key("indicators", "same exports")
    assert own != bundled
    assert cache.frame_key("indicators", "same exports") == bundled
