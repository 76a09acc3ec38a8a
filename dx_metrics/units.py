"""The unit registry (``data/reference/units.csv``): ids, names, parents, lineage.

Exports name units the way their authors write them ("Sở GTVT Bạc Liêu", "Văn phòng
Sở"); the registry lists each unit's official name and the variants seen in exports,
separated by "|" in ``name_variants``. Matching ignores diacritics, case and spacing.
An unknown name is kept and reported, never dropped: add it to ``name_variants``.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from dx_metrics.paths import DATA
from dx_metrics.text import fold

UNITS_FILE = DATA / "reference" / "units.csv"
COLUMNS = ["unit_id", "name_vi", "name_en", "kind", "parent_id", "valid_from", "valid_to",
           "successor_id", "name_variants"]


@lru_cache(maxsize=4)
def load_units(path: str | Path = UNITS_FILE) -> pd.DataFrame:
    """The registry as a DataFrame with the ``units`` columns of DESIGN.md."""
    df = pd.read_csv(path, dtype="string", keep_default_na=False, na_values=[""])
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    for c in ("valid_from", "valid_to"):
        df[c] = pd.to_datetime(df[c], format="%Y-%m-%d")
    dup = df["unit_id"][df["unit_id"].duplicated()]
    if len(dup):
        raise ValueError(f"{path}: duplicate unit_id {list(dup)}")
    return df


@lru_cache(maxsize=4)
def _name_index(path: str | Path = UNITS_FILE) -> dict[str, list[tuple[str, object, object]]]:
    """Folded name -> the units that bear it, as (unit_id, valid_from, valid_to), in file order."""
    units = load_units(path)
    index: dict[str, list[tuple[str, object, object]]] = {}
    for row in units.itertuples(index=False):
        names = [row.name_vi, row.unit_id] + (str(row.name_variants).split("|") if pd.notna(row.name_variants) else [])
        for name in names:
            key = fold(name)
            if key and all(u != row.unit_id for u, _, _ in index.get(key, [])):
                index.setdefault(key, []).append((row.unit_id, row.valid_from, row.valid_to))
    return index


def _pick(candidates: list[tuple[str, object, object]], at: pd.Timestamp | None) -> str:
    """The unit valid on ``at`` among those bearing a name (the first listed otherwise)."""
    if at is not None and not pd.isna(at):
        for unit, start, end in candidates:
            if (pd.isna(start) or start <= at) and (pd.isna(end) or end >= at):
                return unit
    return candidates[0][0]


def match_units(names: pd.Series, *, at: pd.Series | None = None, path: str | Path = UNITS_FILE) -> pd.Series:
    """``unit_id`` for each name as written, missing where the registry has no match.

    A name borne by several units over time ("Tỉnh Cà Mau" before and after 1 July 2025)
    goes to the unit valid on the row's date ``at`` (a Series of dates aligned with
    ``names``); without a date, to the first unit the registry lists.
    """
    index = _name_index(path)
    candidates = {n: index.get(fold(n), []) for n in pd.unique(names.dropna())}
    ids = names.map({n: (c[0][0] if c else None) for n, c in candidates.items()}).astype("string")
    ambiguous = [n for n, c in candidates.items() if len(c) > 1]
    if at is None or not ambiguous:
        return ids
    # only names borne by several units need the date, looked up once per name and day
    rows = names.isin(ambiguous).to_numpy()
    days = pd.to_datetime(pd.Series(at, index=names.index)[rows]).dt.normalize()
    pairs = list(zip(names[rows], days))
    found = {p: _pick(candidates[p[0]], p[1]) for p in set(pairs)}
    ids[rows] = [found[p] for p in pairs]
    return ids


def unit_names(ids: pd.Series, *, lang: str = "vi", path: str | Path = UNITS_FILE) -> pd.Series:
    """Official names for unit ids (the id itself where the registry lacks it)."""
    units = load_units(path).set_index("unit_id")
    col = "name_en" if lang == "en" else "name_vi"
    return ids.map(units[col]).fillna(ids).astype("string")


def _registry(path: str | Path = UNITS_FILE) -> pd.DataFrame:
    return load_units(path).set_index("unit_id")


def valid_at(at: str | pd.Timestamp, *, kind: str | None = None, path: str | Path = UNITS_FILE) -> pd.DataFrame:
    """The units in force on date ``at`` (optionally of one kind)."""
    at = pd.Timestamp(at)
    u = load_units(path)
    ok = (u["valid_from"].isna() | (u["valid_from"] <= at)) & (u["valid_to"].isna() | (u["valid_to"] >= at))
    if kind is not None:
        ok &= u["kind"] == kind
    return u[ok].reset_index(drop=True)


def successor_at(unit_id: str, at: str | pd.Timestamp, *, path: str | Path = UNITS_FILE) -> str:
    """The unit that carries ``unit_id`` on date ``at``: follow successors while it has ended.

    A unit unknown to the registry is its own successor.
    """
    at = pd.Timestamp(at)
    reg = _registry(path)
    seen = set()
    current = unit_id
    while current in reg.index and current not in seen:
        seen.add(current)
        row = reg.loc[current]
        if pd.isna(row["valid_to"]) or row["valid_to"] >= at or pd.isna(row["successor_id"]):
            return current
        current = str(row["successor_id"])
    return current


def to_units_at(observations: pd.DataFrame, at: str | pd.Timestamp, *, path: str | Path = UNITS_FILE) -> pd.DataFrame:
    """Observations mapped onto the units in force on ``at``.

    Predecessors that merged into one unit add up: counts are summed, and shares are
    recomputed from their summed numerators and denominators (never averaged). A share
    reported without numerator and denominator cannot be combined with another: the
    merged value is missing, with the reason in ``note``. ``unit_id`` becomes the unit at
    ``at``; ``predecessors`` lists where the figures came from.
    """
    from dx_metrics.indicators.registry import catalog

    if observations.empty:
        return observations.assign(predecessors=pd.Series(dtype="string"))
    unit_of = catalog().set_index("indicator_id")["unit"]
    df = observations.copy()
    df["unit_at"] = [successor_at(u, at, path=path) for u in df["unit_id"]]
    rows = []
    for (iid, unit, period), g in df.groupby(["indicator_id", "unit_at", "period"], sort=True, dropna=False):
        base = {"indicator_id": iid, "unit_id": unit, "period": period,
                "predecessors": "|".join(sorted(set(g["unit_id"]))),
                "source": "|".join(sorted(set(g["source"].dropna().astype(str)))) if "source" in g else pd.NA}
        if len(g) == 1:
            r = g.iloc[0]
            rows.append({**base, "numerator": r.get("numerator"), "denominator": r.get("denominator"),
                         "value": r["value"], "note": r.get("note")})
            continue
        names = ", ".join(sorted(set(g["unit_id"])))
        if unit_of.get(iid) == "count":
            total = g["value"].sum() if g["value"].notna().all() else pd.NA   # a missing part: unknown
            rows.append({**base, "numerator": total, "denominator": pd.NA, "value": total,
                         "note": f"sum of {names}"})
        elif g["numerator"].notna().all() and g["denominator"].notna().all():
            num, den = g["numerator"].sum(), g["denominator"].sum()
            rows.append({**base, "numerator": num, "denominator": den, "value": num / den if den else pd.NA,
                         "note": f"Σ numerators ÷ Σ denominators of {names}"})
        else:
            rows.append({**base, "numerator": pd.NA, "denominator": pd.NA, "value": pd.NA,
                         "note": f"cannot combine {names}: a share without numerator and denominator"})
    out = pd.DataFrame(rows)
    for c in ("numerator", "denominator", "value"):
        out[c] = out[c].astype("Float64")
    for c in ("indicator_id", "unit_id", "period", "predecessors", "source", "note"):
        out[c] = out[c].astype("string")
    return out


def scores_at(scores: pd.DataFrame, at: str | pd.Timestamp, *, path: str | Path = UNITS_FILE) -> pd.DataFrame:
    """Index scores and ranks beside the unit in force on ``at``, never combined.

    Adds ``unit_at`` and a ``note`` where the scored unit is a predecessor: scores and
    ranks of merged units are shown side by side, not summed or averaged.
    """
    df = scores.copy()
    df["unit_at"] = [successor_at(u, at, path=path) for u in df["unit_id"]]
    names = unit_names(df["unit_at"], path=path)
    moved = df["unit_at"] != df["unit_id"]
    note = pd.Series(pd.NA, index=df.index, dtype="string")
    note[moved] = [f"predecessor of {n}: score and rank shown as published, not combined" for n in names[moved]]
    df["note"] = note
    return df


def family(unit_id: str, *, path: str | Path = UNITS_FILE) -> set[str]:
    """The unit and every unit under it (children, their children ...) in the registry."""
    units = load_units(path)
    children: dict[str, list[str]] = {}
    for u, p in zip(units["unit_id"], units["parent_id"]):
        if pd.notna(p):
            children.setdefault(str(p), []).append(str(u))
    out, todo = set(), [unit_id]
    while todo:
        u = todo.pop()
        if u not in out:
            out.add(u)
            todo += children.get(u, [])
    return out
