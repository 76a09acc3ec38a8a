"""Workspaces: an analyst's folder of exports, plans and reports.

A workspace is a folder holding ``data/`` (exports), ``params/`` (plans), ``outputs/``
(reports) and, optionally, overlays merged over what the package bundles: ``units.csv``
(unit registry rows; its rows win), ``columns.yaml`` (header aliases added to the bundled
ones) and ``indicators.yaml`` (indicators added to the bundled registry). ``dx-metrics init DIR`` makes one, marked by
``dx-workspace.yaml``; the repository itself is the bundled workspace.

Where paths start (the rule, written once):
- a plan's inputs: the plan file's folder first, then the workspace's ``data/``
  (an absolute path as written); a folder (dossier records in Parquet) only inside the
  workspace or the data folder, unless it is a dataset written by ``dx-metrics import-records``
  (it holds ``_imports.json``), and never a filesystem root (``refused_inputs``);
- paths given on the command line: the current folder;
- reports: the workspace's ``outputs/``, unless ``--out``.
The workspace of a plan is the nearest folder at or above the plan file that is marked, or
holds both ``data/`` and ``params/``; a plan outside any workspace is its own folder's.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from dx_metrics import units
from dx_metrics.errors import Problem

MARKER = "dx-workspace.yaml"


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def params(self) -> Path:
        return self.root / "params"

    @property
    def outputs(self) -> Path:
        return self.root / "outputs"

    @property
    def units_file(self) -> Path:
        return self.root / "units.csv"

    @property
    def columns_file(self) -> Path:
        return self.root / "columns.yaml"

    @property
    def indicators_file(self) -> Path:
        return self.root / "indicators.yaml"


def find(start: str | Path) -> Workspace | None:
    """The workspace at or above ``start`` (a folder or a file), or None."""
    start = Path(start).expanduser().resolve()
    if start.is_file() or not start.exists():
        start = start.parent
    for d in (start, *start.parents):
        if (d / MARKER).is_file() or ((d / "data").is_dir() and (d / "params").is_dir()):
            return Workspace(d)
    return None


def of_plan(plan_path: str | Path) -> Workspace:
    """The workspace a plan file belongs to (its own folder when it is in none)."""
    return of_folder(Path(plan_path).expanduser().resolve().parent)


def of_folder(folder: str | Path) -> Workspace:
    """The workspace a folder lies in (the folder itself when it is in none)."""
    folder = Path(folder).expanduser().resolve()
    return find(folder) or Workspace(folder)


def current() -> Workspace:
    """The workspace of the current folder (the current folder itself when in none)."""
    return find(Path.cwd()) or Workspace(Path.cwd().resolve())


def activate(ws: Workspace) -> list[str]:
    """Put ``ws``'s overlays (if any) in force for the rest of the process: its ``columns.yaml``
    (header aliases), its ``indicators.yaml`` (indicators of its own) and its ``units.csv``
    (registry rows), each checked first (an edited file is checked again); returns the registry
    conflicts it reports. A file that cannot be used raises ``DxDataError``. A command works in
    one workspace and calls this once; code that works for a plan passes its
    ``dx_metrics.context.Context`` instead, which is in force for a block only."""
    def present(p: Path) -> Path | None:
        return p.resolve() if p.is_file() else None

    return put_overlays(present(ws.columns_file), present(ws.indicators_file), present(ws.units_file))


def put_overlays(columns: Path | None, indicators: Path | None, unit_rows: Path | None) -> list[str]:
    """These overlays in force (None: the bundled table alone), each set only when it differs
    from the one in force or was edited since; returns the unit registry's conflict lines."""
    from dx_metrics import registry
    from dx_metrics.ingest import header

    if columns != header.overlay():
        header.set_overlay(columns)
    if indicators != registry.overlay():
        registry.set_overlay(indicators)
    if unit_rows == units.overlay() and not units.overlay_changed():
        return []
    return units.set_overlay(unit_rows)


def from_here(p: str | Path) -> Path:
    """A path a user typed (CLI, notebook parameter): from the current folder, else from
    the current workspace's root (a notebook runs in notebooks/, its plan is params/…)."""
    from dx_metrics.paths import from_here as _from_here

    return _from_here(p, base=current().root)


def resolve_input(path: str | Path, *, plan_dir: Path, data_dir: Path | None = None) -> Path:
    """Where a plan's input lives: as written if absolute; else beside the plan file, then
    under ``data_dir`` (the workspace's ``data/``). The first that exists wins; if none
    does, the path under ``data_dir`` is returned so the error names it."""
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    beside = plan_dir / p
    if beside.exists():
        return beside
    if data_dir is None:
        data_dir = of_folder(plan_dir).data
    return Path(data_dir) / p


def refused_inputs(paths: list[str], *, plan_file: Path, data_dir: Path | None = None) -> list[Problem]:
    """The plan inputs (as written, in order) that resolve to a folder the plan may not read as
    dossier records: a filesystem root, or a folder outside the plan's workspace and ``data_dir``
    that holds no dataset manifest (``dx-metrics import-records`` writes one). Reading such a
    folder would read every Parquet file under it (``path: /``: every one on the machine). Each
    problem names the input's key, ``inputs[i].path``; nothing is crawled to tell."""
    from dx_metrics.ingest import dataset

    plan_dir = Path(plan_file).parent
    ws = of_plan(plan_file).root
    roots_vi = {"the workspace": "thư mục làm việc", "the data folder": "thư mục dữ liệu"}
    roots = {"the workspace": ws}
    if data_dir is not None and not dataset.inside(data_dir, ws):
        roots["the data folder"] = Path(data_dir)
    out = []
    for i, written in enumerate(paths):
        p = resolve_input(written, plan_dir=plan_dir, data_dir=data_dir)
        if not p.is_dir():
            continue
        where = f'"{written}"' + (f" ({os.path.abspath(p)})" if os.path.abspath(p) != written else "")
        params = {"shown": where, "manifest": dataset.MANIFEST}
        if dataset.folder_refusal(p) is not None:
            code = "dataset_folder_is_root"
        elif not dataset.is_dataset_folder(p) and not any(dataset.inside(p, r) for r in roots.values()):
            code = "dataset_folder_outside"
            params["roots"] = " and ".join(f"{k} ({v})" for k, v in roots.items())
            params["roots_vi"] = " và ".join(f"{roots_vi[k]} ({v})" for k, v in roots.items())
        else:
            continue
        out.append(Problem(file=Path(plan_file).name, column=f"inputs[{i}].path", reason="plan", value=written,
                           code=code, message="", hint_code="dataset_folder", params=params))
    return out


def missing_inputs(paths: list[str], *, plan_dir: Path, data_dir: Path | None = None) -> list[str]:
    """The plan input paths (as written) that exist neither beside the plan nor under ``data_dir``
    (an input is a file, or a folder of Parquet dossier records)."""
    return [p for p in paths if not resolve_input(p, plan_dir=plan_dir, data_dir=data_dir).exists()]


def init(folder: str | Path) -> Workspace:
    """Make ``folder`` a workspace: data/ with the sample exports, params/ with a sample plan
    and the plan schema, outputs/, a README. Existing files are never overwritten."""
    root = Path(folder).expanduser().resolve()
    ws = Workspace(root)
    for d in (ws.data / "raw", ws.params, ws.outputs):
        d.mkdir(parents=True, exist_ok=True)
    package = resources.files("dx_metrics")
    copies = {ws.params / "plan.schema.json": package.joinpath("plans", "plan.schema.json")}
    for f in package.joinpath("samples").iterdir():
        if f.name.endswith(".xlsx"):
            copies[ws.data / "raw" / f.name] = f
    for f in package.joinpath("workspace_template").iterdir():
        target = {"sample_plan.yaml": ws.params / "sample_plan.yaml", "README.md": root / "README.md",
                  MARKER: root / MARKER}.get(f.name)
        if target is not None:
            copies[target] = f
    for target, source in copies.items():
        if not target.exists():
            with source.open("rb") as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
    return ws
