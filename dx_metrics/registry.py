"""The indicator registry (``dx_metrics/indicators/registry.yaml``): names, units, formulas,
legal basis. A bottom-layer module: the reader, the unit registry, the plans and the reports
read it without importing the indicator computations."""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from dx_metrics import safe_yaml

FIELDS = ["indicator_id", "name_vi", "name_en", "unit", "direction", "formula", "source_table",
          "numerator", "denominator", "legal_basis", "confidence", "definition_change", "aggregation", "stock"]
_REQUIRED = ("name_vi", "name_en", "unit", "direction", "formula", "source_table", "aggregation")


@lru_cache(maxsize=1)
def _load() -> dict[str, dict]:
    raw = safe_yaml.load_package_data("dx_metrics", "indicators", "registry.yaml")
    for key, meta in raw.items():
        missing = [f for f in _REQUIRED if not meta.get(f)]
        if missing:
            raise ValueError(f"dx_metrics/indicators/registry.yaml: {key} lacks {missing}")
        if meta["unit"] not in ("share", "count"):
            raise ValueError(f"dx_metrics/indicators/registry.yaml: {key}.unit must be share or count")
        if meta["direction"] not in ("higher", "lower"):
            raise ValueError(f"dx_metrics/indicators/registry.yaml: {key}.direction must be higher or lower")
        if meta["aggregation"] not in ("sum", "last"):
            raise ValueError(f"dx_metrics/indicators/registry.yaml: {key}.aggregation must be sum or last")
    return raw


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
