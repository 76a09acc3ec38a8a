"""Reading analysts' exports into canonical tables (see ``read_export``)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from dx_metrics import units
from dx_metrics.errors import ERROR, DxDataError
from dx_metrics.ingest import cache, dataset
from dx_metrics.ingest.reader import KINDS, parse_export

__all__ = ["KINDS", "read_export"]


def read_export(path: str | Path, kind: str, *, sheet: str | None = None, period: str | None = None,
                strict: bool = True, scope: str | None = None, index: str | None = None,
                within: str | Path | Sequence[str | Path] | None = None) -> pd.DataFrame:
    """Read one export (xlsx, xls, csv) as the canonical table ``kind``.

    Dossier records in Parquet (a file, or a folder such as ``dx-metrics import-records``
    writes) are checked where they lie and returned as a ``dataset.RecordSet``, which
    ``compute_indicators`` counts with DuckDB out of core (see ``dx_metrics.ingest.dataset``).
    A folder that import-records did not write (it holds no ``_imports.json``) is read only
    inside ``within`` when given (a plan's workspace and data folder), and never when it is a filesystem root.

    The header is found under any title rows; headers are matched through the alias table
    (``dx_metrics/ingest/columns.yaml``); Vietnamese numbers ("2.062", "18,75%") and
    day-first dates are parsed; the period comes from a period column, the title rows
    ("Năm 2023", "Quý 3/2023", "Kỳ báo cáo: từ ngày 15/12/2022 đến ngày 14/12/2023"), or
    ``period``, which overrides both.

    Every problem is collected (file, sheet, Excel row, header as written, value, hint)
    in ``df.attrs["problems"]``, as plain dicts that ``df.to_parquet`` keeps (``problems_of(df)``
    gives them as Problem objects). With ``strict=True`` any error raises ``DxDataError``
    carrying them all; with ``strict=False`` the rows with errors are left out and each
    is listed there. Warnings (an unknown unit, a missing totals row) never raise.
    ``df.attrs["origin"]`` records the file, its sha256, sheet, period and read time.

    Unit names are resolved in the file's scope: the issuing body in its title rows, else
    ``scope`` (a unit_id, e.g. the plan's unit). Generic division names ("Văn phòng Sở")
    resolve only under it; names the registry lacks become provisional units under it and
    count in its total (``origin["provisional_units"]`` lists them).

    An index table (``index_scores``) is read once its index is known: ``index`` (a catalogue
    id or name: "PCI", "PAPI", "EGDI", ... see ``dx_metrics.ingest.indexes``), an index
    column, or a name of exactly one index in the file (title, header, sheet or file name).
    Component headers are matched only among that index's components. Rows such as "Điểm cao
    nhất" or "EU27" are kept with ``reference`` set and are never ranked.

    Parsed tables are cached as Parquet keyed by content (see ``dx_metrics.ingest.cache``).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    path = Path(path)
    if dataset.is_dataset(path) or (kind == dataset.KIND and path.is_dir()):
        if kind != dataset.KIND:
            raise ValueError(f"{path.name}: Parquet is read for dossier records only (kind dossier_records), "
                             f"not {kind}")
        return dataset.read_records(path, strict=strict, within=within)
    sha = cache.file_sha256(path) if path.is_file() else None
    key = cache.cache_key(sha, kind, sheet, period, scope, index) if sha else None
    # a file read the same in every scope (no title scope; each unit named as a province or a
    # ministry is) is parsed once for the plans of all units: a national export, 63 provinces
    any_scope = cache.cache_key(sha, kind, sheet, period, cache.ANY_SCOPE, index) if sha else None
    hit = cache.load(key) if key else None
    if hit is None and any_scope and scope is not None:
        hit = cache.load(any_scope)
        if hit is not None:
            hit = (hit[0], hit[1], {**hit[2], **_scope_of(scope)})
    if hit is None:
        df, problems, origin = parse_export(path, kind, sheet=sheet, period=period, scope=scope, index=index)
        if key:
            cache.store(key, df, problems, origin)
            if origin.get("scope_free") and scope is not None:
                cache.store(any_scope, df, problems, origin)
    else:
        df, problems, origin = hit
        if origin.get("file") != path.name:     # the same bytes read before under another name
            df, problems, origin = _renamed(df, problems, origin, path.name)
    if "unit_id" in df and "unit_name" in df:
        units.remember_provisional(df["unit_id"], df["unit_name"])
    if origin.get("scope_provisional") and origin.get("scope_id"):
        units.remember_provisional(pd.Series([origin["scope_id"]]), pd.Series([origin.get("scope_name")]))
    origin = {**origin, "path": str(path.resolve()), "sha256": sha, "kind": kind,
              "read_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    df.attrs["problems"] = [p.to_dict() for p in problems]      # JSON: to_parquet keeps them (problems_of)
    df.attrs["origin"] = origin
    if strict and any(p.severity == ERROR for p in problems):
        raise DxDataError(problems)
    return df


def _scope_of(scope: str) -> dict:
    """The origin's scope fields for a file whose title names no scope, read in ``scope``."""
    return {"scope_id": scope, "scope_name": str(units.unit_names(pd.Series([scope])).iloc[0]),
            "scope_provisional": bool(units.is_provisional(scope))}


def _renamed(df: pd.DataFrame, problems: list, origin: dict, name: str) -> tuple[pd.DataFrame, list, dict]:
    """A cached table (keyed by content) as read from the file ``name``: its rows, problems
    and origin name this file, not the copy first read."""
    import dataclasses

    df = df.copy()
    if "source_file" in df:
        same = pd.Series(name, index=df.index, dtype="string")
        df["source_file"] = same.astype("category") if isinstance(df["source_file"].dtype, pd.CategoricalDtype) \
            else same.astype(df["source_file"].dtype)
    problems = [dataclasses.replace(p, file=name) if p.file == origin.get("file") else p for p in problems]
    return df, problems, {**origin, "file": name}
