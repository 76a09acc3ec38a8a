"""Compute indicators from canonical tables, per unit and period, with roll-ups.

A ratio indicator is declared in the registry with the table and the two columns it
sums: value = Σ numerator ÷ Σ denominator over the rows of a unit and period. Parent
organisations (from the unit registry) get the sums of their children, never an average
of their ratios; provinces are not organisations and get no roll-up. A zero denominator gives a missing value with the reason in ``note``, not 0 or
infinity; a missing count stays missing.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from dx_metrics.indicators.registry import indicator, indicator_ids
from dx_metrics.units import load_units

# Organisations add up their parts; a province is a territory whose total would need every
# organisation in it, so a department's figures are never rolled up into it.
ROLLUP_KINDS = {"ministry", "department", "agency", "division"}
OBSERVATION_COLUMNS = ["indicator_id", "unit_id", "period", "numerator", "denominator", "value", "source", "note"]


def empty_observations() -> pd.DataFrame:
    return pd.DataFrame({
        "indicator_id": pd.Series(dtype="string"), "unit_id": pd.Series(dtype="string"),
        "period": pd.Series(dtype="string"), "numerator": pd.Series(dtype="Float64"),
        "denominator": pd.Series(dtype="Float64"), "value": pd.Series(dtype="Float64"),
        "source": pd.Series(dtype="string"), "note": pd.Series(dtype="string")})


def _source(table: pd.DataFrame, name: str) -> str:
    origin = table.attrs.get("origin") or {}
    return str(origin.get("file") or name)


def _with_rollups(sums: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Add a row for each parent unit (recursively) holding the sums of its children.

    A parent that the input already reports itself is left as reported.
    """
    units = load_units()
    kind = dict(zip(units["unit_id"], units["kind"]))
    parent = {u: p for u, p in zip(units["unit_id"], units["parent_id"])
              if pd.notna(p) and kind.get(p) in ROLLUP_KINDS}
    frames = [sums]
    level = sums
    have = set(zip(sums["unit_id"], sums["period"]))
    while True:
        up = level.assign(unit_id=level["unit_id"].map(parent))
        up = up[up["unit_id"].notna()]
        if up.empty:
            break
        up = up.groupby(["unit_id", "period"], as_index=False)[cols].sum(min_count=1)
        up = up[[(u, p) not in have for u, p in zip(up["unit_id"], up["period"])]]
        if up.empty:
            break
        have |= set(zip(up["unit_id"], up["period"]))
        frames.append(up)
        level = up
    return pd.concat(frames, ignore_index=True)


def ratio(table: pd.DataFrame, indicator_id: str, *, numerator: str, denominator: str,
          source: str, rollup: bool = True) -> pd.DataFrame:
    """Σ numerator ÷ Σ denominator per (unit_id, period), plus parent-unit roll-ups."""
    if table.empty:
        return empty_observations()
    sums = (table.groupby(["unit_id", "period"], as_index=False, dropna=False)[[numerator, denominator]]
            .sum(min_count=1))
    if rollup:
        sums = _with_rollups(sums, [numerator, denominator])
    num = sums[numerator].astype("Float64")
    den = sums[denominator].astype("Float64")
    zero = den.eq(0).fillna(False)
    value = (num / den.mask(zero)).astype("Float64")
    note = pd.Series(pd.NA, index=sums.index, dtype="string")
    note[zero] = "denominator is 0"
    note[num.isna() & ~zero] = f"{numerator} missing"
    note[den.isna()] = f"{denominator} missing"
    out = pd.DataFrame({"indicator_id": indicator_id, "unit_id": sums["unit_id"], "period": sums["period"],
                        "numerator": num, "denominator": den, "value": value, "source": source, "note": note})
    return out.astype({"indicator_id": "string", "unit_id": "string", "period": "string", "source": "string"})


def compute_indicators(tables: Mapping[str, pd.DataFrame], ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Every indicator the given tables allow, as rows of the ``observations`` table.

    ``tables`` maps canonical table names (``dossiers``, ``observations`` …) to frames;
    ``ids`` limits the result to some indicators (unknown ids raise KeyError). Self-
    reported indicators pass through from ``tables["observations"]``. The result is
    sorted by indicator, unit and period, so it does not depend on input row order.
    """
    wanted = list(ids) if ids is not None else indicator_ids()
    frames = []
    for iid in wanted:
        meta = indicator(iid)
        src = meta["source_table"]
        table = tables.get(src)
        if table is None:
            continue
        if src == "observations":
            rows = table[table["indicator_id"] == iid].reindex(columns=OBSERVATION_COLUMNS)
            if not rows.empty:
                rows["source"] = rows["source"].astype("string").fillna(_source(table, src))
                frames.append(rows)
        elif meta.get("numerator") and meta.get("denominator"):
            if meta["numerator"] in table and meta["denominator"] in table:
                frames.append(ratio(table, iid, numerator=meta["numerator"], denominator=meta["denominator"],
                                    source=_source(table, src)))
    if not frames:
        return empty_observations()
    out = pd.concat([empty_observations()] + frames, ignore_index=True)
    out = out.astype(empty_observations().dtypes.to_dict())
    return out.sort_values(["indicator_id", "unit_id", "period"], ignore_index=True)
