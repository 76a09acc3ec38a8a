"""Run report notebooks through papermill, unattended and safely.

Each run executes the notebook on the project's own kernel (installed into this virtual
environment as ``dx-metrics``), in a temporary folder beside the final one, renders the
HTML report, and only then swaps the folder into place: a failed or interrupted run never
leaves a half-written report over the last good one. A failed run keeps its executed
notebook (with the error) in ``<plan id>.failed/`` next to the output folder.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from dx_metrics import paths
from dx_metrics.errors import DxDataError
from dx_metrics.plans import load_plan

KERNEL = "dx-metrics"
DEFAULT_NOTEBOOK = "yearly_plan_evaluation"
CELL_TIMEOUT = 600  # seconds: a hung cell cannot hang a scheduled batch


def _ipc_kernel_manager():
    """A kernel manager on IPC sockets: no TCP ports to collide when runs start together
    (papermill issues 511, 239), and no "running over TCP without encryption" warning."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum

    class IPCKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    return IPCKernelManager


@dataclass
class RunResult:
    plan: str
    status: str                 # "ok" | "failed"
    seconds: float
    output: Path | None
    error: str | None = None


def ensure_kernel() -> str:
    """Install the ``dx-metrics`` kernel spec into this environment if it is missing or
    points at another Python; return its name."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
        if Path(spec.argv[0]).resolve() == Path(sys.executable).resolve():
            return KERNEL
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=KERNEL, display_name="Python (dx_metrics)", prefix=sys.prefix)
    return KERNEL


def _swap_into_place(tmp: Path, final: Path) -> None:
    old = final.with_name(final.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    if old.exists():
        shutil.rmtree(old)


def run_plan(plan_path: str | Path, *, notebook: str = DEFAULT_NOTEBOOK, out_root: str | Path = paths.OUTPUTS,
             data_dir: str | Path = paths.DATA, lang: str = "vi", as_of: str | None = None,
             generated_at: str | None = None, timeout: int = CELL_TIMEOUT) -> RunResult:
    """Evaluate one plan with ``notebook``; write ``<out_root>/<year>/<plan id>/``."""
    import papermill as pm

    from dx_metrics.report.html import notebook_to_html

    start = time.monotonic()
    plan_path = paths.project_path(plan_path)
    try:
        plan = load_plan(plan_path)
    except DxDataError as e:
        return RunResult(str(plan_path), "failed", time.monotonic() - start, None, str(e))
    final = paths.run_dir(out_root, plan.year, plan.plan_id)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    executed = tmp / paths.REPORT_NOTEBOOK
    params = {"plan": str(plan_path), "data_dir": str(paths.project_path(data_dir)), "output_dir": str(tmp),
              "lang": lang, "as_of": as_of,
              "generated_at": generated_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    try:
        pm.execute_notebook(str(paths.notebook_path(notebook)), str(executed), parameters=params,
                            kernel_name=ensure_kernel(), cwd=str(paths.PROJECT_ROOT), progress_bar=False,
                            log_output=False, execution_timeout=timeout, report_mode=False,
                            kernel_manager_class=_ipc_kernel_manager())
        notebook_to_html(executed, tmp / paths.REPORT_HTML, title=plan.title)
        _swap_into_place(tmp, final)
    except BaseException as e:  # keep the failed notebook; never touch the last good report
        failed = final.with_name(final.name + ".failed")
        if failed.exists():
            shutil.rmtree(failed)
        if tmp.exists():
            tmp.rename(failed)
        if isinstance(e, KeyboardInterrupt):
            raise
        return RunResult(plan.plan_id, "failed", time.monotonic() - start, failed, _describe(e))
    return RunResult(plan.plan_id, "ok", time.monotonic() - start, final)


def _describe(e: BaseException) -> str:
    name = type(e).__name__
    if name == "PapermillExecutionError":
        return f"cell {getattr(e, 'exec_count', '?')}: {getattr(e, 'ename', '')}: {getattr(e, 'evalue', '')}"
    text = str(e).strip() or "".join(traceback.format_exception_only(type(e), e)).strip()
    return f"{name}: {text}"
