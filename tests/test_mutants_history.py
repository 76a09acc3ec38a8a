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


def test_on_windows_the_lock_and_its_release_are_on_the_first_byte(tmp_path, monkeypatch):
    # msvcrt.locking locks n bytes from the file's current position, and a release must name the
    # very bytes locked: both at byte 0, wherever the writer left the position (a fake msvcrt
    # records the position of each call; os.name is Windows' for these two calls only)
    import sys
    import types

    calls = []
    fake = types.SimpleNamespace(LK_NBLCK=2, LK_UNLCK=0,
                                 locking=lambda fd, mode, n: calls.append((mode, n, lock.tell())))
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    with open(tmp_path / "history.duckdb.lock", "a+") as lock:
        lock.write("written by another process")
        monkeypatch.setattr(history.os, "name", "nt")
        history._try_lock(lock, exclusive=False)
        lock.seek(5)
        history._unlock(lock)
        monkeypatch.undo()
    assert calls == [(2, 1, 0), (0, 1, 0)]
