"""The indicator registry (``dx_metrics/indicators/registry.yaml``): names, units, formulas,
legal basis. A bottom-layer module: the reader, the unit registry, the plans and the reports
read it without importing the indicator computations.

A workspace may add indicators of its own in ``indicators.yaml`` (same schema; ``set_overlay``,
put in force with the workspace's other overlays): a ratio of two columns a table kind has
("late dossiers ÷ resolved") or a sum of one, without editing the package. An overlay adds;
it never redefines a bundled indicator."""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from dx_metrics import safe_yaml
from dx_metrics.canonical import OUTPUT_COLUMNS
from dx_metrics.errors import DxDataError, Problem

FIELDS = ["indicator_id", "name_vi", "name_en", "unit", "direction", "formula", "source_table",
          "numerator", "denominator", "legal_basis", "confidence", "definition_change", "aggregation", "stock"]
_REQUIRED = ("name_vi", "name_en", "unit", "direction", "formula", "source_table", "aggregation")


_overlay: Path | None = None
_overlay_entries: dict[str, dict] = {}
# the columns an overlay's ratio may name: a kind's canonical columns, and the per-row counts
# dx_metrics/indicators/prepare.py makes of catalogues and task lists
_COUNTABLE = {"dossiers": OUTPUT_COLUMNS["dossiers"], "dossier_records": OUTPUT_COLUMNS["dossiers"],
              "services": ["n_services", "n_online", "n_full", "n_full_mobile"],
              "tasks": ["n_tasks", "n_done", "n_due", "n_overdue", "n_no_deadline", "n_due_by_date",
                        "n_done_on_time"]}


def _checked(key: object, meta: object, where: str) -> list[str]:
    """What is wrong with one registry entry (nothing: [])."""
    if not isinstance(meta, dict):
        return [f"{key}: an indicator is a mapping of its fields (name_vi, name_en, unit, ...)"]
    said = []
    missing = [f for f in _REQUIRED if not meta.get(f)]
    if missing:
        said.append(f"{key} lacks {', '.join(missing)}")
    unknown = [f for f in meta if f not in FIELDS]
    if unknown:
        said.append(f"{key} has {', '.join(map(str, unknown))}, not an indicator field ({', '.join(FIELDS[1:])})")
    for field, allowed in (("unit", ("share", "count")), ("direction", ("higher", "lower")),
                           ("aggregation", ("sum", "last"))):
        if meta.get(field) is not None and meta[field] not in allowed:
            said.append(f"{key}.{field} must be {' or '.join(allowed)}, not {meta[field]!r}")
    return said


@lru_cache(maxsize=1)
def _bundled() -> dict[str, dict]:
    raw = safe_yaml.load_package_data("dx_metrics", "indicators", "registry.yaml")
    said = [s for key, meta in raw.items() for s in _checked(key, meta, "registry.yaml")]
    if said:
        raise ValueError(f"dx_metrics/indicators/registry.yaml: {'; '.join(said)}")
    return raw


@lru_cache(maxsize=1)
def _load() -> dict[str, dict]:
    return {**_bundled(), **_overlay_entries}


def overlay() -> Path | None:
    return _overlay


def overlay_digest() -> str:
    """Of the workspace's indicators in force (empty without): part of the cache keys of
    figures computed, so that another workspace's indicators.yaml is never served its figures."""
    if not _overlay_entries:
        return ""
    return hashlib.sha256(json.dumps(_overlay_entries, sort_keys=True, default=str).encode()).hexdigest()[:16]


def set_overlay(path: str | Path | None) -> None:
    """Put a workspace's ``indicators.yaml`` in force (None: the bundled registry alone). Each
    entry is checked as the bundled ones are, and more: a new id, a table kind whose figures
    dx_metrics computes, and numerator and denominator columns that kind has. Every problem
    is a ``DxDataError`` naming the file, line and key; the registry in force is kept then."""
    global _overlay, _overlay_entries
    entries: dict[str, dict] = {}
    if path is not None:
        path = Path(path)
        raw, lines = safe_yaml.load_file_or_refuse(path, "indicators_unreadable")
        raw = {} if raw is None else raw
        problems = []
        if not isinstance(raw, dict):
            problems.append(Problem(file=path.name, reason="overlay", code="indicators_not_a_mapping", message=""))
            raw = {}
        for key, meta in raw.items():
            said = _checked(key, meta, path.name)
            if key in _bundled():
                said.append(f"{key} is a bundled indicator; a workspace adds indicators, it does not redefine them")
            if isinstance(meta, dict) and not said:
                table = meta["source_table"]
                columns = _COUNTABLE.get(table)
                if columns is None:
                    said.append(f"{key}.source_table must be one of {', '.join(_COUNTABLE)} (the tables whose "
                                f"figures dx_metrics computes), not {table!r}")
                else:
                    for part in ("numerator", "denominator"):
                        if meta.get(part) is not None and meta[part] not in columns:
                            said.append(f"{key}.{part}: {meta[part]!r} is not a column of {table} "
                                        f"({', '.join(columns)})")
                    if not meta.get("numerator"):
                        said.append(f"{key} lacks numerator (the column summed)")
                    if meta.get("denominator") and meta["unit"] != "share":
                        said.append(f"{key}: a ratio has unit share")
            problems += [Problem(file=path.name, row=lines.get((key,)), column=str(key), reason="overlay", message=m)
                         for m in said]
        if problems:
            raise DxDataError(problems)
        entries = {str(k): dict(v) for k, v in raw.items()}
    _overlay, _overlay_entries = path, entries
    _load.cache_clear()
    _catalog.cache_clear()
    share_ids.cache_clear()


@lru_cache(maxsize=1)
def _catalog() -> pd.DataFrame:
    rows = [{"indicator_id": k, **{f: (str(x) if x is not None else None) for f, x in v.items()}}
            for k, v in _load().items()]
    return pd.DataFrame(rows).reindex(columns=FIELDS).astype("string")


def catalog() -> pd.DataFrame:
    """Every indicator with its metadata, one row each."""
    return _catalog().copy()


def indicator(indicator_id: str) -> dict:
    """Metadata of one indicator; KeyError naming the registry if it is unknown."""
    reg = _load()
    if indicator_id not in reg:
        raise KeyError(f"unknown indicator {indicator_id!r}: not in dx_metrics/indicators/registry.yaml")
    return {"indicator_id": indicator_id, **reg[indicator_id]}


@lru_cache(maxsize=1)
def share_ids() -> frozenset[str]:
    """The indicators measured as a share (the others are counts).

    >>> "online_dossier_share" in share_ids(), "tasks_done_count" in share_ids()
    (True, False)
    """
    return frozenset(k for k, v in _load().items() if v["unit"] == "share")


def indicator_ids() -> list[str]:
    return list(_load())
