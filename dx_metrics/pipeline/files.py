"""Exports read as they are, without a plan: what each file is and holds (``check_exports``), and
the data quality review of them together (``review_files``, `dx-metrics review FILE...`)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dx_metrics.context import Context
from dx_metrics.errors import ERROR, DxDataError, Problem, problems_of
from dx_metrics.indicators import compute_indicators
from dx_metrics.ingest import read_export
from dx_metrics.ingest.reader import guess_kind
from dx_metrics.ingest.workbook import EXCEL_EXTS, TEXT_EXTS
from dx_metrics.pipeline.plan import merge_inputs
from dx_metrics.quality import Review, review
from dx_metrics.workspace import from_here


@dataclass
class CheckedFile:
    file: str
    kind: str | None
    rows: int
    errors: int
    warnings: int
    table: pd.DataFrame | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.table is None:
            return "unreadable"
        return "errors" if self.errors else ("warnings" if self.warnings else "ok")


@dataclass
class Checked:
    files: list[CheckedFile]

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"file": f.file, "kind": f.kind, "rows": f.rows, "errors": f.errors,
                              "warnings": f.warnings, "status": f.status} for f in self.files])

    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]

    def previews(self, rows: int = 5) -> list[tuple[str, str, pd.DataFrame]]:
        return [(f.file, f.kind, f.table.head(rows)) for f in self.files if f.table is not None]


def _files(paths: list[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        p = from_here(p)
        if p.is_dir():
            out += sorted(x for x in p.iterdir() if x.suffix.lower() in EXCEL_EXTS | TEXT_EXTS)
        else:
            out.append(p)
    return out


def check_exports(paths: list[str | Path], *, context: Context | None = None) -> Checked:
    """Read every export under ``paths`` leniently, guessing each file's table kind, in ``context``
    (default: the workspace of the current folder's)."""
    with (context or Context.of_folder(Path.cwd())).applied():
        return _check_exports(paths)


def _check_exports(paths: list[str | Path]) -> Checked:
    checked = []
    for path in _files(paths):
        try:
            kind = guess_kind(path, keep=True)      # one parse for the kind and the reading after it
            if kind is None:
                checked.append(CheckedFile(path.name, None, 0, 1, 0, None, [Problem(
                    file=path.name, code="no_known_table", message="", reason="no_header")]))
                continue
            df = read_export(path, kind, strict=False)
        except DxDataError as e:
            checked.append(CheckedFile(path.name, None, 0, len(e.problems), 0, None, e.problems))
            continue
        problems = problems_of(df)
        errors = sum(p.severity == ERROR for p in problems)
        checked.append(CheckedFile(path.name, kind, len(df), errors, len(problems) - errors, df, problems))
    return Checked(checked)


@dataclass(frozen=True)
class FileRead:
    """One export (or one sheet of it) read for a review: its kind (None: no table found in it),
    the rows kept and the rows the reading left out (one problem may stand for many rows)."""
    file: str
    sheet: str | None
    kind: str | None
    rows: int = 0
    rejected: int = 0


def review_files(paths: list[str | Path], *, kind: str | None = None, sheets: list[str] | None = None,
                 scope: str | None = None, within: str | Path | None = None,
                 on_read: Callable[[FileRead], None] | None = None,
                 context: Context | None = None) -> tuple[Review, list[FileRead]]:
    """The data quality review of exports read as they are: each read leniently (its kind guessed
    unless given, each of ``sheets`` or the one it holds), the tables of a kind joined (the same
    unit and period in two exports is refused, never summed), the indicators computed and
    reviewed, in ``context`` (default: the workspace of the current folder's). ``on_read`` hears
    of each file as it is read. A file that cannot be read raises DxDataError with its problems."""
    with (context or Context.of_folder(Path.cwd())).applied():
        return _review_files(paths, kind=kind, sheets=sheets, scope=scope, within=within, on_read=on_read)


def _review_files(paths: list[str | Path], *, kind: str | None, sheets: list[str] | None, scope: str | None,
                  within: str | Path | None, on_read: Callable[[FileRead], None] | None
                  ) -> tuple[Review, list[FileRead]]:
    tables: dict[str, list[pd.DataFrame]] = {}
    reads: list[FileRead] = []
    for path in (Path(p) for p in paths):
        found = kind or guess_kind(path, keep=True)
        for sheet in ([None] if found is None else sheets or [None]):
            if found is None:
                read = FileRead(path.name, None, None)
            else:
                df = read_export(path, found, sheet=sheet, strict=False, scope=scope, within=within)
                read = FileRead(path.name, sheet, found, len(df), int(df.attrs["origin"].get("rejected_rows", 0)))
                tables.setdefault(found, []).append(df)
            reads.append(read)
            if on_read is not None:
                on_read(read)
    merged = merge_inputs(tables)
    computable = {k: v for k, v in merged.items() if k != "index_scores"}
    return review(compute_indicators(computable) if computable else None, merged, scope=scope), reads
