"""The Excel workbook of a report, written with openpyxl.

Each sheet: bold header row, frozen, with filters; percent and thousands formats; status
colours; widths fitted to the content. Text from inputs is always written as text, so a
unit name such as "=HYPERLINK(...)" can never become a live formula.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dx_metrics.report.labels import STATUS_COLOURS

NUMBER_FORMATS = {"percent": "0.00%", "integer": "#,##0", "points": "+0.00;-0.00;0.00", "number": "#,##0.00",
                  "date": "dd/mm/yyyy"}
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
MAX_WIDTH = 60


def _cell_value(v: object) -> object:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, (str, int, float, dt.date, dt.datetime)):
        return v
    return str(v)


def write_workbook(path: str | Path, sheets: list[tuple[str, pd.DataFrame, dict[str, str]]]) -> Path:
    """Write ``(sheet name, frame, {column: format})`` sheets; columns starting with "_" are
    not written (``_status`` colours the row's status cells, ``_share`` marks share rows)."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, df, formats in sheets:
        ws = wb.create_sheet(title=name[:31])
        visible = [c for c in df.columns if not str(c).startswith("_")]
        ws.append([str(c) for c in visible])
        for cell in ws[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        status = df["_status"].tolist() if "_status" in df else None
        share = df["_share"].tolist() if "_share" in df else None
        status_cols = {i for i, c in enumerate(visible, start=1) if formats.get(c) == "status"}
        widths = [len(str(c)) for c in visible]
        for r, row in enumerate(df[visible].itertuples(index=False), start=2):
            for ci, v in enumerate(row, start=1):
                cell = ws.cell(row=r, column=ci)
                value = _cell_value(v)
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever the text starts with
                fmt = formats.get(visible[ci - 1])
                if fmt == "percent" and share is not None and not share[r - 2]:
                    fmt = "integer"
                if fmt in NUMBER_FORMATS:
                    cell.number_format = NUMBER_FORMATS[fmt]
                if status and ci in status_cols and status[r - 2] in STATUS_COLOURS:
                    cell.fill = PatternFill("solid", fgColor=STATUS_COLOURS[status[r - 2]])
                widths[ci - 1] = max(widths[ci - 1], len(str(value)) if value is not None else 0)
        for ci, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(ci)].width = min(MAX_WIDTH, max(8, w + 2))
        ws.freeze_panes = "A2"
        if ws.max_row > 1:
            ws.auto_filter.ref = ws.dimensions
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
