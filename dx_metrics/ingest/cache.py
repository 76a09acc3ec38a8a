"""Parsed exports cached as Parquet, keyed by the file's content and the reader's version.

A notebook re-run, or a batch of reports over the same inputs, parses each workbook once.
The key covers the file's sha256, the kind, sheet and period override, the reader version
and the alias table and unit registry in force, so editing any of them invalidates it.
Set ``DX_METRICS_CACHE`` to move the cache, or to ``off`` to disable it.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import warnings
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from dx_metrics.errors import Problem
from dx_metrics import paths, registry, settings, units

READER_VERSION = "3"
ANY_SCOPE = "\0any scope"       # the key part of a parse that reads the same in every scope


def cache_dir() -> Path | None:
    setting = settings.value("DX_METRICS_CACHE")
    if setting == settings.OFF:
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dx_metrics"


_warned = False


def _cache_failed(action: str, e: Exception) -> None:
    """The cache is an optimisation: when it cannot be used the file is read again, and the
    user is told once per process."""
    global _warned
    if not _warned:
        _warned = True
        why = (e.strerror or str(e)) if isinstance(e, OSError) else str(e)
        warnings.warn(f"dx_metrics: the cache folder {cache_dir()} cannot be {action} ({why}); reading files "
                      f"without it (set DX_METRICS_CACHE to another folder, or to 'off')", RuntimeWarning,
                      stacklevel=3)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@lru_cache(maxsize=1)
def _package_digest() -> str:
    h = hashlib.sha256(READER_VERSION.encode())
    for name in ("columns.yaml", "vocabulary.yaml", "indexes.yaml"):
        h.update(resources.files("dx_metrics.ingest").joinpath(name).read_bytes())
    h.update(resources.files("dx_metrics.indicators").joinpath("registry.yaml").read_bytes())
    # the code that reads and resolves: an upgrade or an edit never serves an old parse
    root = resources.files("dx_metrics")
    for part in ("ingest", "indicators"):
        for f in sorted(root.joinpath(part).iterdir(), key=lambda f: f.name):
            if f.name.endswith(".py"):
                h.update(f.read_bytes())
    for name in ("units.py", "periods.py", "text.py", "canonical.py", "registry.py"):
        h.update(root.joinpath(name).read_bytes())
    return h.hexdigest()[:16]


def reader_digest() -> str:
    """The reader's code and tables with the workspace's header aliases: what decides how a
    file's bytes become rows (the unit registry's digest is kept apart)."""
    from dx_metrics.ingest import header

    return _package_digest() + header.overlay_digest()


def _config_digest() -> str:
    """The reader, its vocabularies, the unit registry and the indicators in force (a
    workspace's overlays included) and the dates a dossier record may carry (its last day moves
    with the calendar): changing any of them invalidates the cache."""
    from dx_metrics.ingest import header
    from dx_metrics.ingest.dataset import record_dates

    return (_package_digest() + units.registry_digest() + header.overlay_digest() + registry.overlay_digest()
            + "".join(d.isoformat() for d in record_dates()))


def cache_key(sha256: str, kind: str, sheet: str | None, period: str | None, scope: str | None = None,
              index: str | None = None) -> str:
    parts = json.dumps([sha256, kind, sheet, period, scope, index, _config_digest()])
    return hashlib.sha256(parts.encode()).hexdigest()[:32]


def load(key: str) -> tuple[pd.DataFrame, list[Problem], dict] | None:
    d = cache_dir()
    if d is None:
        return None
    table, meta = d / f"{key}.parquet", d / f"{key}.json"
    try:
        if not (table.exists() and meta.exists()):
            return None
        info = json.loads(meta.read_text("utf-8"))
        df = pd.read_parquet(table)
        _used(table, meta)
        return df, [Problem(**p) for p in info["problems"]], info["origin"]
    except PermissionError as e:
        _cache_failed("read", e)
        return None
    except Exception:  # noqa: BLE001 - a damaged cache entry is re-parsed
        return None


def store(key: str, df: pd.DataFrame, problems: list[Problem], origin: dict) -> None:
    try:
        _store(key, df, problems, origin)
    except OSError as e:    # read-only, full, or not a folder: the result stands without the cache
        _cache_failed("written", e)


def _store(key: str, df: pd.DataFrame, problems: list[Problem], origin: dict) -> None:
    d = cache_dir()
    if d is None:
        return
    d.mkdir(parents=True, exist_ok=True)
    # write then rename: parallel runs never read a half-written entry
    paths.write_atomically(d / f"{key}.parquet", lambda p: df.to_parquet(p, index=False))
    paths.write_atomically(d / f"{key}.json", lambda p: p.write_text(json.dumps(
        {"problems": [x.to_dict() for x in problems], "origin": origin}, ensure_ascii=False), "utf-8"))
    evict(d)


def _used(*files: Path) -> None:
    """Mark an entry used now: eviction takes the entries used least recently first."""
    for f in files:
        try:
            os.utime(f)
        except OSError:
            pass


def evict(d: Path | None = None, max_bytes: int | None = None) -> list[str]:
    """Remove whole entries (a key's .parquet and .json), least recently used first, until the
    cache holds at most ``max_bytes`` (``DX_METRICS_CACHE_MAX_BYTES``); returns the keys removed."""
    d = d if d is not None else cache_dir()
    if d is None or not d.is_dir():
        return []
    limit = settings.value("DX_METRICS_CACHE_MAX_BYTES") if max_bytes is None else max_bytes
    entries: dict[str, list] = {}
    for f in d.iterdir():
        if f.suffix not in (".parquet", ".json") or not f.is_file():
            continue
        try:
            st = f.stat()
        except OSError:
            continue
        e = entries.setdefault(f.stem, [0, 0.0, []])
        e[0] += st.st_size
        e[1] = max(e[1], st.st_mtime)
        e[2].append(f)
    held = sum(e[0] for e in entries.values())
    removed = []
    for key, (size, _, files) in sorted(entries.items(), key=lambda kv: (kv[1][1], kv[0])):
        if held <= limit:
            break
        for f in files:
            with contextlib.suppress(OSError):
                f.unlink()
        held -= size
        removed.append(key)
    return removed


def load_note(key: str) -> object:
    """A small answer kept beside the tables (a file's guessed kind), or None."""
    d = cache_dir()
    note = d / f"{key}.json" if d else None
    try:
        if note is None or not note.exists():
            return None
        value = json.loads(note.read_text("utf-8"))["note"]
        _used(note)
        return value
    except PermissionError as e:
        _cache_failed("read", e)
        return None
    except Exception:  # noqa: BLE001 - a damaged note is worked out again
        return None


def store_note(key: str, value: object) -> None:
    d = cache_dir()
    if d is None:
        return
    try:
        d.mkdir(parents=True, exist_ok=True)
        paths.write_atomically(d / f"{key}.json", lambda p: p.write_text(json.dumps({"note": value}), "utf-8"))
        evict(d)
    except OSError as e:
        _cache_failed("written", e)


def frame_key(*parts: object) -> str:
    """A cache key for a derived table (e.g. indicators computed from given inputs)."""
    return "derived-" + hashlib.sha256(json.dumps([_config_digest(), *map(str, parts)]).encode()).hexdigest()[:32]


def load_frame(key: str) -> pd.DataFrame | None:
    d = cache_dir()
    path = d / f"{key}.parquet" if d else None
    try:
        if path is None or not path.exists():
            return None
        df = pd.read_parquet(path)
        _used(path)
        return df
    except PermissionError as e:
        _cache_failed("read", e)
        return None
    except Exception:  # noqa: BLE001 - a damaged entry is recomputed
        return None


def store_frame(key: str, df: pd.DataFrame) -> None:
    d = cache_dir()
    if d is None:
        return
    try:
        d.mkdir(parents=True, exist_ok=True)
        paths.write_atomically(d / f"{key}.parquet", lambda p: df.to_parquet(p, index=False))
        evict(d)
    except OSError as e:
        _cache_failed("written", e)
