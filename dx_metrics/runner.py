"""Run report notebooks, unattended and safely.

Each run executes a notebook's code cells in this process (``dx_metrics.direct``: the same
notebook, its parameters injected as papermill injects them, no kernel to start), or with
``kernel=True`` through papermill on the project's own kernel (installed into this virtual
environment as ``dx-metrics``), in a temporary folder beside the final one; writes the executed
notebook (``report.ipynb``), renders the HTML report from it, and only then swaps the folder
into place: a failed or interrupted run never
leaves a half-written report over the last good one. A failed run keeps its executed
notebook (with the error) and its log in ``<run>.failed/`` next to the output folder.

A batch does the shared work once: every distinct set of inputs is parsed and its
indicators computed (and cached) before the notebooks start, so each notebook only loads
the cache. Runs go to separate processes (papermill is process-safe, not thread-safe);
kernels talk over IPC sockets where the system has them (Linux, macOS), so parallel starts
cannot collide on TCP ports; on Windows, and where a socket's path would be too long, over
TCP on the loopback interface (``_kernel_transport``).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path


from dx_metrics import messages, history, paths, safe_yaml, workspace
from dx_metrics.context import Context
from dx_metrics.plans import DxPlanError, Plan, load_plan

KERNEL = "dx-metrics"
DEFAULT_NOTEBOOK = "yearly_plan_evaluation"
NOTEBOOKS = ("yearly_plan_evaluation", "index_ranking", "year_over_year", "explore_exports", "scorecard_766")
CELL_TIMEOUT = 600  # seconds: a hung cell cannot hang a scheduled batch
KERNEL_START_RETRIES = 2
LANGS = ("vi", "en")
KERNEL_LOG = "kernel.log"   # the kernel's stderr; kept only when it says more than shutdown chatter


@dataclass
class RunResult:
    plan: str
    status: str                 # "ok" | "failed"
    seconds: float
    output: Path | None
    error: str | None = None
    notebook: str = DEFAULT_NOTEBOOK
    lang: str = "vi"
    note: str | None = None     # what an ok run could not do besides its report (e.g. record its history)
    # why it failed, for any language (``said``): the problems found, or a message code and its figures
    problems: list | None = None
    reason: tuple[str, dict] | None = None


@dataclass
class Job:
    plan_path: Path
    notebook: str = DEFAULT_NOTEBOOK
    lang: str = "vi"
    as_of: str | None = None
    parameters: dict = field(default_factory=dict)


_LOADED: dict[tuple[str, int, int], Plan] = {}


def _load(plan_path: str | Path) -> Plan:
    """The plan in ``plan_path``, loaded once per process while the file stays as it is (a
    batch's ``prepare`` and its runs read each plan once, not once per step)."""
    path = Path(plan_path)
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    if key not in _LOADED:
        _LOADED[key] = load_plan(path)
    return _LOADED[key]


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


# the longest path of a Unix socket: 104 bytes on macOS, 108 on Linux, the final NUL included
_SOCKET_PATH_MAX = 103
_SOCKET_SUFFIX = len("-65535")    # jupyter_client names each of a kernel's sockets "<path>-<n>"


def _kernel_transport(socket_base: str) -> str:
    """How a kernel and papermill talk: "ipc" (Unix sockets at ``socket_base``-<n>) where the
    system has them, the path fits and its folder is writable; "tcp" on the loopback interface
    otherwise (Windows, a long ``TMPDIR``, a zmq built without IPC)."""
    if os.name == "nt":
        return "tcp"
    if len(os.fsencode(socket_base)) + _SOCKET_SUFFIX > _SOCKET_PATH_MAX:
        return "tcp"
    if not os.access(os.path.dirname(socket_base) or ".", os.W_OK | os.X_OK):
        return "tcp"
    try:
        import zmq
    except ImportError:          # pragma: no cover - jupyter_client needs zmq
        return "tcp"
    return "ipc" if zmq.has("ipc") else "tcp"


def _ipc_kernel_manager(stderr_path: Path | None = None):
    """A kernel manager on IPC sockets where the system has them (``_kernel_transport``): no
    TCP ports to collide when runs start together (papermill issues 511, 239), and no "running
    over TCP without encryption" warning; on TCP elsewhere (Windows). The kernel's own stderr
    goes to ``stderr_path`` (the run folder's ``kernel.log``), not to the terminal of a
    scheduled batch."""
    import tempfile
    import uuid

    from jupyter_client.localinterfaces import localhost
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum, default

    def socket_base() -> str:
        # one socket path per kernel: kernels started at the same moment never share one
        return os.path.join(tempfile.gettempdir(), f"dx-kernel-{os.getpid()}-{uuid.uuid4().hex[:12]}")

    chosen = _kernel_transport(socket_base())     # every kernel's path has this one's length

    class IPCKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value=chosen, config=True)

        @default("ip")
        def _unique_ip(self) -> str:
            return socket_base() if self.transport == "ipc" else localhost()

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            if stderr_path is None or "stderr" in kw:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            with open(stderr_path, "ab") as err:     # the kernel keeps its own copy of the handle
                return await super()._async_launch_kernel(kernel_cmd, stderr=err, **kw)

    return IPCKernelManager


def _is_run_folder(path: Path) -> bool:
    """A folder dx_metrics wrote (marker file; ``run.log`` for folders of earlier versions)."""
    return paths.is_run_folder(path)


def _claim(final: Path) -> None:
    """Check ``final`` may be replaced, and tidy what interrupted runs of it left behind:
    ``.<name>.tmp-<pid>`` folders of processes that are gone, and ``<name>.old`` (put
    back as ``<name>`` when a run was killed between the two renames of a swap). A link found
    at one of these names is removed, never followed."""
    if final.exists() and not (final.is_dir() and _is_run_folder(final)):
        raise FileExistsError(f"{final} exists and is not a dx_metrics report folder; dx_metrics does not replace "
                              f"it: move it away or choose another --out")
    old = final.with_name(final.name + ".old")
    if _is_link(old):
        _remove(old)
    elif old.is_dir() and _is_run_folder(old):
        if os.path.lexists(final):
            _remove(old)
        else:
            old.rename(final)
    elif os.path.lexists(old):
        raise FileExistsError(f"{old} exists and is not a dx_metrics report folder; the swap of a new report "
                              f"would remove it: move it away or choose another --out")
    for tmp in final.parent.glob(f".{final.name}.tmp-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)) and (tmp.is_dir() or _is_link(tmp)):
            with contextlib.suppress(OSError):
                _remove(tmp)


def _is_link(path: Path) -> bool:
    """A symbolic link, or on Windows a junction: a name for a folder elsewhere."""
    return path.is_symlink() or bool(getattr(os.path, "isjunction", lambda p: False)(path))


def _remove(path: Path) -> None:
    """Remove a folder of ours beside the report: a link is unlinked (what it points at is
    left alone), a folder deleted with what is in it (links inside it unlinked, not followed)."""
    if _is_link(path):
        try:
            path.unlink()
        except OSError:          # pragma: no cover - a Windows link to a folder goes as a folder
            os.rmdir(path)
    elif path.is_dir():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs, without disturbing it: on POSIX signal 0 (no signal is
    sent); on Windows, where ``os.kill`` ends the process whatever the signal, by asking the
    process's exit code (``_alive_windows``)."""
    if pid == os.getpid():
        return False    # our own leftover from an earlier run in this process
    if pid <= 0:
        return False    # no process of ours: 0 and -1 would probe a whole group
    if os.name == "nt":
        return _alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True     # it runs, under another user
    except OverflowError:
        return False    # no process has such a number
    return True


_PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
_STILL_ACTIVE = 259
_ERROR_ACCESS_DENIED = 5


def _win32():                                              # pragma: no cover - Windows
    """kernel32 with its last-error value (ctypes), the return types set for 64-bit handles."""
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.OpenProcess.restype = ctypes.c_void_p
    kernel32.OpenProcess.argtypes = (ctypes.c_uint32, ctypes.c_int, ctypes.c_uint32)
    kernel32.GetExitCodeProcess.argtypes = (ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32))
    kernel32.CloseHandle.argtypes = (ctypes.c_void_p,)
    return kernel32, ctypes.get_last_error


def _alive_windows(pid: int) -> bool:
    """Windows: a process runs while it can be opened and has no exit code yet (STILL_ACTIVE);
    one that cannot be opened for want of rights runs under another user."""
    import ctypes

    kernel32, last_error = _win32()
    handle = kernel32.OpenProcess(_PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
    if not handle:
        return last_error() == _ERROR_ACCESS_DENIED
    try:
        code = ctypes.c_uint32()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True     # cannot tell: keep what it may still be writing
        return code.value == _STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _swap_into_place(tmp: Path, final: Path) -> None:
    old = final.with_name(final.name + ".old")
    _remove(old)
    if os.path.lexists(final):
        final.rename(old)            # a link is renamed itself, not what it points at
    tmp.rename(final)
    _remove(old)


class _KernelNoise(logging.Filter):
    """The kernel's shutdown chatter is not news in a run's log."""

    NOISE = ("KeyboardInterrupt caught in kernel", "running over TCP without encryption")

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return not any(n in text for n in self.NOISE)


def _run_logger(path: Path) -> tuple[logging.Logger, logging.Handler]:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_KernelNoise())
    log = logging.getLogger("papermill")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return log, handler


def run_plan(plan_path: str | Path, *, notebook: str = DEFAULT_NOTEBOOK, out_root: str | Path | None = None,
             data_dir: str | Path | None = None, lang: str = "vi", as_of: str | None = None,
             generated_at: str | None = None, timeout: int = CELL_TIMEOUT,
             parameters: dict | None = None, allow_empty: bool = False, record: bool = True,
             index: bool | None = None, kernel: bool = False) -> RunResult:
    """Run ``notebook`` for one plan; write ``<out_root>/<year>/<run name>/`` (``out_root``
    default: the plan's workspace's ``outputs/``; inputs beside the plan, then under
    ``data_dir``, default the workspace's ``data/``).

    A run in which no target could be evaluated fails, naming each target's reason, unless
    ``allow_empty``. A run that succeeds is recorded in the workspace's history
    (``dx_metrics.history``) unless ``record`` is false (a batch records in its own process,
    one writer). Then the output root's ``index.html`` is rewritten (``write_indexes``) unless
    ``index`` is false (default: as ``record``; a batch writes it once, at its end). Whatever goes
    wrong (a broken plan, an output folder that cannot be written, a cell that fails, an index
    that cannot be written) is this run's failed result or note, never an exception: a batch goes on.

    The notebook's cells run in this process (``dx_metrics.direct``), or, with ``kernel``, in a
    Jupyter kernel through papermill: the same notebook, the same report."""
    result = _run_plan(plan_path, notebook=notebook, out_root=out_root, data_dir=data_dir, lang=lang, as_of=as_of,
                       generated_at=generated_at, timeout=timeout, parameters=parameters, allow_empty=allow_empty,
                       record=record, kernel=kernel)
    if record if index is None else index:
        for _, why in write_indexes([(plan_path, result)], out_root=out_root):
            if why:
                result.note = f"{result.note}; {why}" if result.note else why
    return result


def _run_plan(plan_path: str | Path, *, notebook: str, out_root: str | Path | None, data_dir: str | Path | None,
              lang: str, as_of: str | None, generated_at: str | None, timeout: int, parameters: dict | None,
              allow_empty: bool, record: bool, kernel: bool = False) -> RunResult:
    start = time.monotonic()
    name = Path(plan_path).name
    try:
        plan_path = workspace.from_here(plan_path)
        ws = workspace.of_plan(plan_path)
        with Context.of_workspace(ws).applied():       # its indicators.yaml, for the plan's targets
            plan = _load(plan_path)
        name = plan.plan_id
        out_root = Path(out_root) if out_root is not None else ws.outputs
        data_dir = workspace.from_here(data_dir) if data_dir is not None else ws.data
        final = paths.run_dir(out_root, plan.year, paths.run_name(plan.plan_id, notebook, lang, as_of=as_of))
        missing = workspace.missing_inputs([i.path for i in plan.inputs], plan_dir=plan_path.parent, data_dir=data_dir)
        if missing:
            raise InputsMissing(missing, plan_path.parent, data_dir)
        refused = workspace.refused_inputs([i.path for i in plan.inputs], plan_file=plan_path, data_dir=data_dir)
        if refused:
            raise DxPlanError(refused)
        final.parent.mkdir(parents=True, exist_ok=True)
        _claim(final)
    except Exception as e:  # noqa: BLE001 - the run's row says why
        return _failed(name, e, time.monotonic() - start, None, notebook, lang)
    result = _execute(plan, plan_path, final, notebook=notebook, data_dir=data_dir, lang=lang, as_of=as_of,
                      generated_at=generated_at, timeout=timeout, parameters=parameters, start=start, cwd=ws.root,
                      allow_empty=allow_empty, kernel=kernel)
    return record_history(result) if record else result


def record_history(result: RunResult) -> RunResult:
    """Merge a successful run's findings into the history; a history that cannot keep them
    leaves the run ok (its report is right) and says why, in the run's note and in its
    summary.json (``report.outputs.record_history``)."""
    if result.status != "ok" or result.output is None:
        return result
    from dx_metrics.report.outputs import record_history as record

    try:
        outcome = record(result.output)
    except Exception as e:  # noqa: BLE001 - its summary.json unusable: the report stands, the note says so
        outcome = history.failed(e, result.output / paths.SUMMARY)
    if outcome is not None and not outcome.get("recorded"):
        result.note = outcome.get("note")
    return result


def _execute(plan, plan_path: Path, final: Path, *, notebook: str, data_dir: Path, lang: str,
             as_of: str | None, generated_at: str | None, timeout: int, parameters: dict | None,
             start: float, cwd: Path, allow_empty: bool, kernel: bool = False) -> RunResult:
    from dx_metrics.report.html import notebook_to_html

    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    try:
        _remove(tmp)
        tmp.mkdir()
        (tmp / paths.RUN_MARKER).write_text(f"{plan.plan_id}\n", "utf-8")
        log, handler = _run_logger(tmp / paths.RUN_LOG)
    except Exception as e:  # noqa: BLE001 - an output folder we cannot write is this run's failure
        with contextlib.suppress(OSError):
            _remove(tmp)
        return _failed(plan.plan_id, e, time.monotonic() - start, None, notebook, lang)
    log.info("run %s with %s (%s, %s)", plan_path, notebook, lang, "kernel" if kernel else "in process")
    executed = tmp / paths.REPORT_NOTEBOOK
    params = {"plan": str(plan_path), "data_dir": str(data_dir), "output_dir": str(tmp),
              "lang": lang, "as_of": as_of, "record_history": False,      # recorded here, once the run succeeds
              "generated_at": generated_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              **(parameters or {})}
    try:
        if kernel:
            _papermill(notebook, executed, params, cwd=cwd, timeout=timeout, kernel_log=tmp / KERNEL_LOG, log=log)
            rendered = executed
        else:
            rendered = _direct(notebook, executed, params, cwd=cwd, timeout=timeout)
        notebook_to_html(rendered, tmp / paths.REPORT_HTML, title=plan.title, lang=lang)
        if not allow_empty and notebook == DEFAULT_NOTEBOOK:    # the others rank, compare or explore
            _require_evaluated(tmp / paths.SUMMARY)
        _keep_kernel_log_if_news(tmp / KERNEL_LOG)
        log.info("done in %.1f s", time.monotonic() - start)
        log.removeHandler(handler)
        handler.close()
        _swap_into_place(tmp, final)
    except BaseException as e:  # keep the failed notebook; never touch the last good report
        log.error("failed: %s", _describe(e))
        log.removeHandler(handler)
        handler.close()
        failed = _keep_failed(tmp, final)
        if isinstance(e, KeyboardInterrupt):
            raise
        return _failed(plan.plan_id, _coded(e, plan, data_dir, as_of), time.monotonic() - start, failed,
                       notebook, lang)
    return RunResult(plan.plan_id, "ok", time.monotonic() - start, final, None, notebook, lang)


def _papermill(notebook: str, executed: Path, params: dict, *, cwd: Path, timeout: int, kernel_log: Path,
               log) -> None:
    """Run the notebook through papermill into ``executed``; a kernel that dies or hangs while
    starting is started again (``KERNEL_START_RETRIES`` times)."""
    import papermill as pm

    for attempt in range(KERNEL_START_RETRIES + 1):
        try:
            with _history_setting_absolute():
                pm.execute_notebook(str(paths.notebook_path(notebook)), str(executed), parameters=params,
                                    kernel_name=ensure_kernel(), cwd=str(cwd), progress_bar=False,
                                    log_output=False, execution_timeout=timeout, report_mode=False,
                                    kernel_manager_class=_ipc_kernel_manager(kernel_log),
                                    request_save_on_cell_execute=False, autosave_cell_every=0,
                                    # every output is written when the last cell ends: no need to
                                    # wait for a graceful shutdown (0,5 s of a report's 5)
                                    shutdown_kernel="immediate")
            return
        except RuntimeError as e:  # a kernel that died or hung while starting: start it again
            starting = "Kernel died" in str(e) or "didn't respond" in str(e)
            if not starting or attempt == KERNEL_START_RETRIES:
                raise
            log.warning("kernel failed to start (%s); retrying", e)


def _direct(notebook: str, executed: Path, params: dict, *, cwd: Path, timeout: int):
    """Run the notebook's cells in this process (``dx_metrics.direct``); write the executed
    notebook to ``executed`` (a failed one too, with its error) and return it."""
    from dx_metrics import direct

    try:
        with _history_setting_absolute():
            nb = direct.execute(notebook, params, cwd=cwd, timeout=timeout)
    except direct.CellFailed as e:
        with contextlib.suppress(OSError):
            direct.write(e.notebook, executed)
        raise
    direct.write(nb, executed)
    return nb


@contextlib.contextmanager
def _history_setting_absolute():
    """A relative ``DX_METRICS_HISTORY`` names a file from the folder this run was started in;
    the kernel (which inherits this environment) runs in the workspace, so it is given the
    same file's absolute path while it runs."""
    before = {"DX_METRICS_HISTORY": os.environ.get("DX_METRICS_HISTORY")}
    store = before["DX_METRICS_HISTORY"]
    if store and store.lower() != "off":    # the kernel runs in the workspace: a relative path would move
        os.environ["DX_METRICS_HISTORY"] = str(Path(store).expanduser().absolute())
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _keep_failed(tmp: Path, final: Path) -> Path:
    """A failed run's folder kept beside the last good report as ``NAME.failed`` (the folder
    itself when it cannot be renamed)."""
    failed = paths.failed_dir(final)
    try:
        _remove(failed)
        if tmp.exists():
            tmp.rename(failed)
    except OSError:
        failed = tmp
    return failed


def _keep_kernel_log_if_news(path: Path) -> None:
    """A successful run's kernel log is removed when it holds only shutdown chatter."""
    if not path.is_file():
        return
    lines = path.read_text("utf-8", errors="replace").splitlines()
    if all(not line.strip() or any(n in line for n in _KernelNoise.NOISE) for line in lines):
        path.unlink()


class InputsMissing(FileNotFoundError):
    """Input files of a plan that are not where the plan says."""

    def __init__(self, files: list[str], plan_dir: Path, data_dir: Path) -> None:
        self.figures = {"files": ", ".join(files), "plan_dir": str(plan_dir), "data_dir": str(data_dir)}
        super().__init__(messages.say("inputs_missing", "en", **self.figures))

    def __reduce__(self):
        return (type(self), (self.figures["files"].split(", "), Path(self.figures["plan_dir"]),
                             Path(self.figures["data_dir"])))


class EmptyEvaluation(RuntimeError):
    """A plan whose targets all came out ``no_data``: a report that says nothing. ``targets``
    keeps each one's indicator and notes (codes), to be said in any language."""

    def __init__(self, targets: list[dict]) -> None:
        self.targets = targets
        super().__init__(messages.say("nothing_evaluated", "en", reasons=_reasons(targets, "en")))

    def __reduce__(self):
        return (type(self), (self.targets,))


def _reasons(targets: list[dict], lang: str) -> str:
    from dx_metrics import notes
    from dx_metrics.report.tables import indicator_name

    shown = []
    for t in targets[:4]:
        codes = t.get("note_codes") or []
        said = notes.say(codes, lang) if codes else (t.get("notes") or t.get("no_data_reason"))
        name = t["indicator_id"] if lang == "en" else indicator_name(t["indicator_id"], lang)
        shown.append(f"{name}: {said}")
    more = "" if len(targets) <= 4 else (f" … +{len(targets) - 4} more" if lang == "en"
                                         else f" … và {len(targets) - 4} chỉ tiêu khác")
    return "; ".join(shown) + more


def _require_evaluated(summary_path: Path) -> None:
    if not summary_path.is_file():
        return   # the notebook failed before writing it: its own error is the run's
    import json

    targets = json.loads(summary_path.read_text("utf-8")).get("targets", [])
    if targets and all(t.get("status") == "no_data" for t in targets):
        raise EmptyEvaluation([{k: t.get(k) for k in ("indicator_id", "note_codes", "notes", "no_data_reason")}
                               for t in targets])


def _failed(plan: str, e: BaseException, seconds: float, output: Path | None, notebook: str,
            lang: str) -> RunResult:
    """A failed run's row: the error as programs log it (English), and what it is made of, to be
    said in the reader's language (``said``)."""
    from dx_metrics.errors import DxDataError

    r = RunResult(plan, "failed", seconds, output, _describe(e), notebook, lang)
    if isinstance(e, DxDataError):
        r.problems = list(e.problems)
    elif isinstance(e, InputsMissing):
        r.reason = ("inputs_missing", e.figures)
    elif isinstance(e, EmptyEvaluation):
        r.reason = ("nothing_evaluated", {"targets": e.targets})
    elif _is_cell_error(e):
        value = " ".join(str(getattr(e, "evalue", "")).split())
        r.reason = ("cell_failed", {"cell": getattr(e, "exec_count", "?"), "error": f"{getattr(e, 'ename', '')}: {value}"})
    return r


def _coded(e: BaseException, plan, data_dir: Path, as_of: str | None) -> BaseException:
    """A notebook that stopped on the inputs' errors says them as text from its kernel: read
    the inputs again here (from the cache, as the notebook did) for the problems with their
    codes, so that the run's row says them in the reader's language."""
    from dx_metrics.errors import DxDataError

    if isinstance(getattr(e, "original", None), DxDataError):
        return e.original         # run in this process: the notebook's own error, its problems coded
    if not _is_cell_error(e) or getattr(e, "ename", "") != "DxDataError":
        return e
    from dx_metrics.pipeline import build_plan_report

    try:
        build_plan_report(plan, data_dir=data_dir, as_of=as_of)
    except DxDataError as coded:
        return coded
    except Exception:  # noqa: BLE001 - not the same failure here: the kernel's words stand
        return e
    return e


def _is_cell_error(e: BaseException) -> bool:
    """A notebook cell that raised: papermill's ``PapermillExecutionError`` (from a kernel) or
    ``direct.CellFailed`` (in this process); both carry ``exec_count``, ``ename``, ``evalue``."""
    return type(e).__name__ in ("PapermillExecutionError", "CellFailed")


def said(r: RunResult, lang: str = "vi") -> str | None:
    """Why a run failed, in ``lang`` (a failure dx_metrics cannot name: as the error says it)."""
    from dx_metrics.errors import ERROR

    if r.problems:
        shown = [p for p in r.problems if p.severity == ERROR] or r.problems
        more = "" if len(shown) <= 3 else (f" … +{len(shown) - 3} more" if lang == "en"
                                           else f" … và {len(shown) - 3} vấn đề khác")
        return "; ".join(p.text(lang) for p in shown[:3]) + more
    if r.reason is not None:
        code, figures = r.reason
        if code == "nothing_evaluated":
            return messages.say(code, lang, reasons=_reasons(figures["targets"], lang))
        return messages.say(code, lang, **figures)
    return r.error


def _describe(e: BaseException) -> str:
    """One line for the batch table: the exception's name and what it says."""
    from dx_metrics.errors import ERROR, DxDataError

    if isinstance(e, DxDataError):
        shown = [p for p in e.problems if p.severity == ERROR] or e.problems
        more = f" … +{len(shown) - 3} more" if len(shown) > 3 else ""
        return "; ".join(str(p) for p in shown[:3]) + more
    name = type(e).__name__
    if _is_cell_error(e):
        value = " ".join(str(getattr(e, "evalue", "")).split())
        return f"cell {getattr(e, 'exec_count', '?')}: {getattr(e, 'ename', '')}: {value}"
    text = str(e).strip() or "".join(traceback.format_exception_only(type(e), e)).strip()
    return f"{name}: {text}"


def expand(items: Iterable[str | Path], *, notebooks: list[str] | None = None, langs: list[str] | None = None,
           as_of: str | None = None, _schedules: tuple[Path, ...] = ()) -> list[Job]:
    """Jobs for plan files, folders of plan files, and schedule files (YAML with ``runs:``).

    A schedule lists runs as ``{plans: [...], notebooks: [...], langs: [...], as_of: ...}``
    (plans relative to the schedule file's folder); the command line's notebooks and
    languages apply to plans given directly.
    """
    notebooks = notebooks or [DEFAULT_NOTEBOOK]
    langs = langs or ["vi"]
    for lang in langs:
        if lang not in LANGS:
            raise ValueError(f"language {lang!r} is not one of {', '.join(LANGS)}")
    if as_of is not None:
        as_of = _as_of_date(as_of)
    jobs: list[Job] = []
    for item in items:
        p = paths.from_here(item)
        if p.is_dir():
            files = [f for f in sorted(p.glob("*.yaml")) if not _is_schedule(f)]
            jobs += [Job(f, nb, lang, as_of) for f in files for nb in notebooks for lang in langs]
        elif _is_schedule(p):
            if p.resolve() in _schedules:
                raise ValueError(f"{p.name}: the schedule lists itself (directly or through another schedule)")
            jobs += _schedule(p, (*_schedules, p.resolve()))
        else:
            jobs += [Job(p, nb, lang, as_of) for nb in notebooks for lang in langs]
    for job in jobs:
        if job.notebook not in NOTEBOOKS and not paths.notebook_path(job.notebook).exists():
            raise ValueError(f"no notebook {job.notebook!r} (notebooks: {', '.join(NOTEBOOKS)})")
    return jobs


def _as_of_date(text: object) -> str:
    """``as_of`` as YYYY-MM-DD, from 2019-07-31 or, as Vietnamese write it, 31/07/2019."""
    for parse in (lambda v: dt.date.fromisoformat(v), lambda v: dt.datetime.strptime(v, "%d/%m/%Y").date()):
        try:
            return parse(str(text).strip()).isoformat()
        except ValueError:
            continue
    raise ValueError(f"as_of {text!r} is not a date (write 2019-07-31 or 31/07/2019)")


def _read_yaml(path: Path) -> object:
    """A YAML file read with limits; anything unreadable is None (a plan's own load says why)."""
    try:
        return safe_yaml.load_file(path)
    except Exception:  # noqa: BLE001 - any unreadable file: the plan's own load says why
        return None


def _is_schedule(path: Path) -> bool:
    if path.suffix not in (".yaml", ".yml") or not path.is_file():
        return False
    return isinstance(data := _read_yaml(path), dict) and "runs" in data


def _schedule(path: Path, seen: tuple[Path, ...] = ()) -> list[Job]:
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
        raise ValueError(f"{path.name}: 'runs:' must be a list of runs")
    jobs = []
    for i, run in enumerate(data["runs"]):
        if not isinstance(run, dict) or "plans" not in run:
            raise ValueError(f"{path.name}: runs[{i}] needs 'plans:' (a list of plan files or folders)")
        if not isinstance(run["plans"], list) or not all(isinstance(p, str) for p in run["plans"]):
            raise ValueError(f"{path.name}: runs[{i}].plans must be a list of plan files or folders")
        plans = [path.parent / p for p in run["plans"]]
        for job in expand(plans, notebooks=run.get("notebooks"), langs=run.get("langs"), as_of=run.get("as_of"),
                          _schedules=seen):
            jobs.append(job)
    return jobs


@dataclass
class InputNote:
    """What ``prepare`` found wrong with a plan's inputs: the plan's inputs could not be read
    (``failure``, its run will fail alike), or ``errors`` rows of ``file`` were left out."""
    plan: str
    failure: RunResult | None = None
    file: str | None = None
    errors: int = 0

    def text(self, lang: str = "vi") -> str:
        if self.failure is not None:
            return f"{self.plan}: {said(self.failure, lang)}"
        return messages.say("input_rows_left_out", lang, plan=self.plan, file=self.file, n=self.errors)

    def __str__(self) -> str:
        return self.text("en")


def prepare(jobs: list[Job], *, data_dir: str | Path | None = None, workers: int = 1) -> list[InputNote]:
    """The shared work of a batch, once: parse every distinct input set and compute its
    indicators into the cache (``workers`` processes at a time: plans of 63 provinces
    reading one national export are 63 input sets, one per scope). Returns a note per problem
    found, to be said in any language (a bad plan is left for its run to report)."""
    seen, distinct = set(), []
    for job in jobs:
        try:
            with Context.of_plan(job.plan_path).applied():
                plan = _load(job.plan_path)
        except Exception:  # noqa: BLE001 - a bad plan is left for its run to report
            continue
        key = (str(Path(job.plan_path).parent), plan.unit_id,
               tuple((i.path, i.kind, i.sheet, i.period, i.index) for i in plan.inputs), job.as_of)
        if key not in seen:
            seen.add(key)
            distinct.append((plan, None if data_dir is None else str(data_dir), job.as_of))
    if workers > 1 and len(distinct) > 1:
        # in order, so that each process reads a file once and parses it in its scopes
        share = [distinct[i::workers] for i in range(workers)]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return [n for part in pool.map(_prepare_some, share) for n in part]
    return _prepare_some(distinct)


def _prepare_some(items: list[tuple[Plan, str | None, str | None]]) -> list[InputNote]:
    from dx_metrics.pipeline import build_plan_report

    notes = []
    for plan, data_dir, as_of in items:
        try:
            report = build_plan_report(plan, data_dir=data_dir, as_of=as_of)      # puts its workspace in force
        except Exception as e:  # noqa: BLE001 - the run itself will fail and say why
            notes.append(InputNote(plan.path.stem, failure=_failed(plan.path.stem, e, 0.0, None,
                                                                   DEFAULT_NOTEBOOK, "en")))
            continue
        by_file: dict[str, int] = {}
        for p in report.problems:
            if p.severity == "error":
                by_file[p.file] = by_file.get(p.file, 0) + 1
        notes += [InputNote(report.plan.plan_id, file=file, errors=n) for file, n in sorted(by_file.items())]
    return notes


def _run_job(kwargs: dict) -> RunResult:
    return run_plan(**kwargs)


def write_indexes(runs: Iterable[tuple[str | Path, RunResult]], *,
                  out_root: str | Path | None = None) -> list[tuple[Path, str | None]]:
    """Rewrite ``index.html`` (``dx_metrics.report.index_page``) in every output root the runs
    wrote to: ``out_root``, else each plan's workspace ``outputs/``. Runs that failed before
    writing any folder are listed on their root's page. Returns (page, None) for each page
    written and (root, why) for each that could not be: a page never fails a run."""
    from dx_metrics.report.index_page import write_index

    roots: dict[Path, dict] = {}
    for plan_path, result in runs:
        try:
            plan_path = workspace.from_here(plan_path)
            root = Path(out_root) if out_root is not None else workspace.of_plan(plan_path).outputs
            store = history.location(plan_path)
        except Exception:  # noqa: BLE001 - a plan path that names no workspace: its run said why
            continue
        entry = roots.setdefault(root.resolve(), {"stores": [], "failures": [], "plan": plan_path})
        entry["stores"].append(store)
        if result.status == "failed" and result.output is None:
            try:
                plan = _load(plan_path)
                said = {"title": plan.title, "year": plan.year}
            except Exception:  # noqa: BLE001 - a plan that cannot be read is named by its file
                said = {}
            entry["failures"].append({"name": result.plan, "detail": result.error, **said})
    written: list[tuple[Path, str | None]] = []
    for root, entry in roots.items():
        if not root.is_dir():
            continue                 # nothing was ever written there: no page to make
        try:
            with contextlib.ExitStack() as stack:
                with contextlib.suppress(Exception):     # unit names from its workspace's units.csv, if any
                    stack.enter_context(Context.of_plan(entry["plan"]).applied())
                written.append((write_index(root, history_stores=entry["stores"], failures=entry["failures"]), None))
        except Exception as e:  # noqa: BLE001 - the reports stand; the batch says why the page did not
            written.append((root, f"{paths.INDEX_HTML} not rewritten in {root}: {_describe(e)}"))
    return written


def run_batch(jobs: list[Job], *, workers: int = 1, out_root: str | Path | None = None,
              data_dir: str | Path | None = None, generated_at: str | None = None, timeout: int = CELL_TIMEOUT,
              on_result: Callable[[int, int, RunResult], None] | None = None,
              allow_empty: bool = False,
              on_index: Callable[[Path, str | None], None] | None = None, kernel: bool = False) -> list[RunResult]:
    """Run every job (``workers`` processes at a time); one failure never stops the others. At
    the end, each output root's ``index.html`` is rewritten once (``write_indexes``);
    ``on_index(page, None)`` or ``on_index(root, why not)`` is told of each. The notebooks run in
    the workers' processes (``kernel``: each in a kernel of its own, through papermill)."""
    generated_at = generated_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    kwargs = [dict(plan_path=j.plan_path, notebook=j.notebook, out_root=out_root, data_dir=data_dir, lang=j.lang,
                   as_of=j.as_of, generated_at=generated_at, timeout=timeout, parameters=j.parameters,
                   allow_empty=allow_empty, record=False, index=False, kernel=kernel)
              for j in jobs]
    results: list[RunResult] = []
    done: list[tuple[Path, RunResult]] = []
    if workers <= 1:
        for i, kw in enumerate(kwargs, start=1):
            results.append(record_history(_run_job(kw)))
            done.append((kw["plan_path"], results[-1]))
            if on_result:
                on_result(i, len(kwargs), results[-1])
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_run_job, kw): kw for kw in kwargs}
            for i, f in enumerate(as_completed(futures), start=1):
                try:
                    r = f.result()
                except Exception as e:  # noqa: BLE001 - a worker that died is one failed run
                    kw = futures[f]
                    r = _failed(Path(kw["plan_path"]).name, e, 0.0, None, kw["notebook"], kw["lang"])
                results.append(record_history(r))     # the parent is the history's one writer
                done.append((futures[f]["plan_path"], r))
                if on_result:
                    on_result(i, len(kwargs), r)
    for page, why in write_indexes(done, out_root=out_root):    # once every run is in the history
        if on_index:
            on_index(page, why)
    return results
