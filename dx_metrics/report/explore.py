"""Checking a batch of new exports: what each file is, how many rows are usable, what is wrong."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dx_metrics.errors import ERROR, DxDataError, Problem
from dx_metrics.ingest import read_export
from dx_metrics.ingest.reader import guess_kind
from dx_metrics.ingest.workbook import EXCEL_EXTS, TEXT_EXTS
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


def check_exports(paths: list[str | Path]) -> Checked:
    """Read every export under ``paths`` leniently, guessing each file's table kind."""
    checked = []
    for path in _files(paths):
        try:
            kind = guess_kind(path)
            if kind is None:
                checked.append(CheckedFile(path.name, None, 0, 1, 0, None, [Problem(
                    file=path.name, code="no_known_table", message="", reason="no_header")]))
                continue
            df = read_export(path, kind, strict=False)
        except DxDataError as e:
            checked.append(CheckedFile(path.name, None, 0, len(e.problems), 0, None, e.problems))
            continue
        problems = df.attrs["problems"]
        errors = sum(p.severity == ERROR for p in problems)
        checked.append(CheckedFile(path.name, kind, len(df), errors, len(problems) - errors, df, problems))
    return Checked(checked)
