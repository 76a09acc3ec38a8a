"""Issue 27's smaller points: a frame read with problems writes to Parquet and reads back, the
parse cache is bounded, history.connect() leaves no copy per call."""
from __future__ import annotations

import os

import pandas as pd
import pytest

from dx_metrics.ingest import cache


def _entry_files(d):
    return sorted(f.name for f in d.iterdir() if f.suffix in (".parquet", ".json"))


def test_the_parse_cache_is_evicted_least_recently_used_first_past_its_bound(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("DX_METRICS_CACHE", str(d))
    frame = pd.DataFrame({"x": list(range(100))})
    cache.store("a", frame, [], {"file": "a"})
    one = sum(f.stat().st_size for f in d.iterdir())             # one entry: its .parquet and .json
    monkeypatch.setenv("DX_METRICS_CACHE_MAX_BYTES", str(2 * one))  # room for two entries
    for i, key in enumerate("abc"):
        if key != "a":
            cache.store(key, frame, [], {"file": key})
        for f in d.glob(f"{key}.*"):                              # a, b, c written a minute apart
            os.utime(f, (1_700_000_000 + 60 * i,) * 2)
    # three entries do not fit in two entries' room: a, the oldest, is gone
    cache.evict()
    assert _entry_files(d) == ["b.json", "b.parquet", "c.json", "c.parquet"]
    # b is read (used now), then d is stored: c, now the least recently used, goes
    assert cache.load("b") is not None
    cache.store("d", frame, [], {"file": "d"})
    assert _entry_files(d) == ["b.json", "b.parquet", "d.json", "d.parquet"]


def test_a_cache_bounded_to_nothing_keeps_nothing_and_reading_still_works(tmp_path, monkeypatch):
    from conftest import RAW
    import dx_metrics as dx

    d = tmp_path / "cache"
    monkeypatch.setenv("DX_METRICS_CACHE", str(d))
    monkeypatch.setenv("DX_METRICS_CACHE_MAX_BYTES", "0")
    df = dx.read_export(RAW / "sgtvt_baclieu_mot_cua_2022.xlsx", "dossiers")
    assert int(df["received_online"].sum()) == 1200             # 1.024 + 96 + 40 + 40
    assert _entry_files(d) == []


def test_the_cache_bound_is_a_setting_checked_with_its_name():
    from dx_metrics import settings

    assert settings.value("DX_METRICS_CACHE_MAX_BYTES", {}) == 1 << 30
    assert settings.value("DX_METRICS_CACHE_MAX_BYTES", {"DX_METRICS_CACHE_MAX_BYTES": "1000"}) == 1000
    with pytest.raises(settings.SettingError, match="DX_METRICS_CACHE_MAX_BYTES"):
        settings.value("DX_METRICS_CACHE_MAX_BYTES", {"DX_METRICS_CACHE_MAX_BYTES": "-1"})
