"""History details that mutation testing of history.py found unpinned (issue 27)."""
from __future__ import annotations

from dx_metrics import history


def test_the_history_of_a_workspace_folder_is_in_its_own_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DX_METRICS_HISTORY")                 # the suite turns it off: the default here
    ws = tmp_path / "so_gtvt"
    (ws / "params").mkdir(parents=True)
    (ws / "dx-workspace.yaml").write_text("", encoding="utf-8")
    plan = ws / "params" / "plan.yaml"
    plan.write_text("id: p\n", encoding="utf-8")
    # the folder itself, not the folder above it; a plan file, the workspace it lies in
    assert history.location(ws) == ws.resolve() / "data" / "history.duckdb"
    assert history.location(plan) == ws.resolve() / "data" / "history.duckdb"
    monkeypatch.chdir(ws / "params")
    assert history.location() == ws.resolve() / "data" / "history.duckdb"
