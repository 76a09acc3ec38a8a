"""Read a workbook no check can vouch for in a child process, so that not even a native
abort of the reader ends the caller.

An .xlsx is scanned before calamine opens it (``extent.py``); a binary .xls, an .xlsb and
an OpenDocument .ods are not: their records or repeat counts can make calamine ask for
more memory than the machine has, which Rust answers by aborting the process (a batch of
reports would die with it). Here calamine runs in a fresh interpreter that imports only
calamine, under a memory limit where the system has one (``RLIMIT_AS``; Windows has none,
and the child still takes the abort for the caller); the rows come back pickled.

The limit is ``DX_METRICS_READ_MEMORY`` bytes (default 4 GiB of address space); a read
taking longer than ``TIMEOUT`` seconds is stopped.
"""
from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

from dx_metrics import settings

TIMEOUT = 600

# The child's whole program: no dx_metrics import (it would load pandas for nothing).
_CHILD = r"""
import os, pickle, sys, tempfile
path, fmt, only, nrows, limit, cells = sys.argv[1:7]
only, nrows, limit, cells = only or None, int(nrows) or None, int(limit), int(cells)
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
except (ImportError, ValueError, OSError):
    pass
from python_calamine import CalamineWorkbook


def read(named):
    # calamine names the format from the file's extension, and its own errors are clearer
    # then than those of its guess from the content
    wb = CalamineWorkbook.from_path(named)
    out = []
    for name in [only] if only in wb.sheet_names else wb.sheet_names:
        sheet = wb.get_sheet_by_name(name)
        if sheet.height * sheet.width > cells:
            return ("error", f"the sheet {name!r} holds {sheet.height:,} rows x {sheet.width:,} columns, more than "
                             f"the limit of {cells:,} cells (DX_METRICS_MAX_CELLS)")
        rows = sheet.to_python(skip_empty_area=False, nrows=nrows) if nrows else sheet.to_python(skip_empty_area=False)
        out.append((name, rows))
    return ("ok", out)


try:
    if path.lower().endswith("." + fmt):
        result = read(path)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            named = os.path.join(tmp, "workbook." + fmt)
            try:
                os.link(path, named)
            except OSError:
                import shutil
                shutil.copyfile(path, named)
            result = read(named)
except MemoryError:
    result = ("memory", "")
except BaseException as e:      # calamine's panics are BaseExceptions
    result = ("error", (str(e).splitlines() or [type(e).__name__])[0][:200])
sys.stdout.buffer.write(pickle.dumps(result))
"""


class ReadFailed(Exception):
    """The reader could not read the file; ``str()`` says why in a few words."""


def read_memory() -> int:
    return settings.value("DX_METRICS_READ_MEMORY")


def read_sheets(path: Path, fmt: str, *, nrows: int | None, only: str | None,
                max_cells: int) -> list[tuple[str, list[list]]]:
    """(sheet name, rows of cell values) of every sheet, or of ``only``, of a workbook of
    format ``fmt`` ("xls", "xlsb", "ods"), read by calamine in a child process; a sheet of
    more than ``max_cells`` cells is refused before its cells become Python values. Raises
    ``ReadFailed`` when the child fails, runs out of memory or dies."""
    limit = read_memory()
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, str(path), fmt, only or "", str(nrows or 0), str(limit),
                               str(max_cells)],
                              capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ReadFailed(f"reading it took longer than {TIMEOUT} seconds and was stopped") from None
    memory = f"reading it needs more memory than the limit of {limit / (1 << 30):.1f} GiB (DX_METRICS_READ_MEMORY)"
    if done.returncode == 0:
        try:
            status, payload = pickle.loads(done.stdout)
        except Exception:  # noqa: BLE001 - a child that printed something else
            raise ReadFailed("the reader's answer could not be read") from None
        if status == "ok":
            return payload
        raise ReadFailed(memory if status == "memory" else payload)
    if done.returncode in (-6, 134) or b"memory allocation" in done.stderr:
        raise ReadFailed(memory)
    raise ReadFailed(f"the reader stopped on it (exit status {done.returncode})")
