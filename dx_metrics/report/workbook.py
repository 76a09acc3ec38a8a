"""The Excel workbook of a report, written with openpyxl.

Each sheet: bold header row, frozen, with filters; percent and thousands formats; status
colours; widths fitted to the content. Text from inputs is always written as text, so a
unit name such as "=HYPERLINK(...)" can never become a live formula; a character a workbook
cannot hold is written as "�" (``cell_text``), never a failed report, and ``replaced``
lists each such cell for the report's data quality sheet.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dx_metrics.report.labels import STATUS_COLOURS
from dx_metrics.text import XML_ILLEGAL

NUMBER_FORMATS = {"percent": "0.00%", "integer": "#,##0", "points": "+0.00;-0.00;0.00", "number": "#,##0.00",
                  "date": "dd/mm/yyyy"}
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
MAX_WIDTH = 60
REPLACEMENT = "\ufffd"
# XML_ILLEGAL: what a workbook cannot hold (openpyxl refuses the cell: IllegalCharacterError). And
# OOXML's escape of a character in a cell's text: Excel, LibreOffice and calamine read "_x0001_" as
# U+0001, so the six characters written as they are would be that character once read
_ILLEGAL = re.compile(f"[{XML_ILLEGAL}]")
_UNSAFE = re.compile(f"_x([0-9A-Fa-f]{{4}})_|[{XML_ILLEGAL}]")


def cell_text(text: str) -> tuple[str, list[str]]:
    r"""``text`` as a workbook cell can hold it, and the characters that could not be held.

    A character XML cannot hold, and its escape written out ("_x0001_"), become "\ufffd";
    an escape of another character ("_x0041_") is protected ("_x005F_x0041_"), so Excel shows
    the six characters as written.

    >>> cell_text("Phòng A\x01B_x0002_ _x0041_")
    ('Phòng A�B� _x005F_x0041_', ['\x01', '\x02'])
    """
    lost: list[str] = []

    def safe(m: re.Match) -> str:
        ch = chr(int(m.group(1), 16)) if m.group(1) else m.group(0)
        if m.group(1) and not _ILLEGAL.match(ch):
            return "_x005F" + m.group(0)
        lost.append(ch)
        return REPLACEMENT

    return _UNSAFE.sub(safe, text), list(dict.fromkeys(lost))


def replaced(sheets: list[tuple[str, pd.DataFrame, dict[str, str]]]) -> list[tuple[str, int, str, str, list[str]]]:
    """The text cells of ``sheets`` that ``cell_text`` changes: (sheet, Excel row, column
    header, the text, the characters replaced), in the order they are written."""
    out = []
    for name, df, _ in sheets:
        for column in (c for c in df.columns if not str(c).startswith("_")):
            values = df[column]
            if values.dtype.kind in "biufcmM":
                continue
            for pos, v in enumerate(values.tolist()):
                if isinstance(v, str) and (_ILLEGAL.search(v) or "_x" in v):
                    lost = cell_text(v)[1]
                    if lost:
                        out.append((name[:31], pos + 2, str(column), v, lost))
    return out


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
        ws.append([cell_text(str(c))[0] for c in visible])
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
                if isinstance(value, str):
                    value = cell_text(value)[0]
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
