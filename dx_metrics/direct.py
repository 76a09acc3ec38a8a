"""Run a report notebook's own code cells in this process, without a kernel.

The notebook stays the one place that defines what a report shows: this module reads the same
``.ipynb``, injects the run's parameters exactly as papermill does (papermill's own
``parameterize_notebook``: a cell tagged ``injected-parameters`` after the one tagged
``parameters``), runs each code cell in an IPython shell of this process, and writes what the
cell displayed, printed or raised into the notebook object as a kernel would (``display_data``,
``execute_result``, ``stream``, ``error`` outputs with the same MIME bundles). The executed
notebook then goes to ``report.html.notebook_to_html`` like one papermill wrote.

What a kernel gave for free is kept per run: a fresh namespace (the shell is reset before every
run, its output cache off), the working directory (the workspace root, for the run only), open
pyplot figures shown at the end of their cell and closed as the inline backend does, warnings
shown again in each run as in a new kernel, and a time limit per cell (POSIX, main thread:
``SIGALRM``; elsewhere none, like papermill's default). The shell, papermill's parameter writer
and the report's own imports are paid once per process, not once per report.

A cell that raises stops the run with ``CellFailed`` (the cell's number as the kernel counted
it, the exception's name and text, and the exception itself: a ``DxDataError`` keeps its
problems); the notebook, error output included, is on the exception for the failed folder.
"""
from __future__ import annotations

import contextlib
import copy
import json
import platform
import signal
import sys
import threading
import warnings
from pathlib import Path

import nbformat

from dx_metrics import paths

KERNEL = "dx-metrics"
LANGUAGE_INFO = {     # what ipykernel tells papermill; nbconvert reads it for the page
    "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py", "mimetype": "text/x-python",
    "name": "python", "nbconvert_exporter": "python", "pygments_lexer": "ipython3",
    "version": platform.python_version()}


class CellFailed(Exception):
    """A notebook cell raised: ``exec_count`` (as a kernel numbers code cells, the parameters
    cell 1), ``ename`` and ``evalue`` as papermill's ``PapermillExecutionError`` has them, the
    exception itself as ``original`` (and ``__cause__``), and the executed notebook so far."""

    def __init__(self, exec_count: int, ename: str, evalue: str, original: BaseException | None,
                 notebook: nbformat.NotebookNode) -> None:
        self.exec_count, self.ename, self.evalue = exec_count, ename, evalue
        self.original, self.notebook = original, notebook
        super().__init__(f"cell {exec_count}: {ename}: {evalue}")


class CellTimeout(TimeoutError):
    """A cell ran longer than the run's limit."""


_NOTEBOOKS: dict[tuple[str, int, int], nbformat.NotebookNode] = {}


def _path(notebook: str | Path) -> Path:
    """A report notebook by name (``dx_metrics/notebooks/<name>.ipynb``), or an ``.ipynb`` file."""
    if isinstance(notebook, Path) and notebook.suffix == ".ipynb":
        return notebook
    return paths.notebook_path(notebook)


def _read(notebook: str | Path) -> nbformat.NotebookNode:
    """A copy of ``notebook`` as committed (read once per process while its file is unchanged)."""
    path = _path(notebook)
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _NOTEBOOKS:
        _NOTEBOOKS[key] = nbformat.read(str(path), as_version=4)
    return copy.deepcopy(_NOTEBOOKS[key])


def parameterize(notebook: str | Path, parameters: dict) -> nbformat.NotebookNode:
    """``notebook`` with ``parameters`` injected by papermill's own code, so the injected cell's
    text (and the page made from it) is what ``papermill.execute_notebook`` would give."""
    from papermill.parameterize import parameterize_notebook

    nb = _read(notebook)
    for cell in nb.cells:                       # as papermill's prepare_notebook_metadata
        cell.metadata.setdefault("tags", [])
    nb.metadata["papermill"] = {"input_path": str(_path(notebook)), "parameters": {},
                                "environment_variables": {}, "version": _papermill_version()}
    nb = parameterize_notebook(nb, parameters, kernel_name=KERNEL, language="python")
    nb.metadata["language_info"] = dict(LANGUAGE_INFO)
    return nb


def _papermill_version() -> str:
    import papermill

    return papermill.__version__


def execute(notebook: str | Path, parameters: dict, *, cwd: str | Path, timeout: int | None = None
            ) -> nbformat.NotebookNode:
    """Run ``notebook`` with ``parameters`` top to bottom in this process, in ``cwd``; return the
    executed notebook. A cell that raises (or outlasts ``timeout`` seconds) raises
    ``CellFailed``; a KeyboardInterrupt goes through."""
    nb = parameterize(notebook, parameters)
    shell = _shell()
    count = 0
    with _in_force(shell), contextlib.chdir(cwd), warnings.catch_warnings():
        # a new kernel shows a warning again even where this process has shown it before
        warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
        try:
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                count += 1
                cell.execution_count = count
                cell.outputs = outputs = shell.run(cell.source, count, timeout)
                failure = shell.failure
                if failure is not None:
                    if isinstance(failure, KeyboardInterrupt):
                        raise failure
                    error = next(o for o in outputs if o.output_type == "error")
                    raise CellFailed(count, error.ename, error.evalue, failure, nb) from failure
        finally:
            shell.clean()
    return nb


# --- the shell: one per process, made lazily, reset for every run

_SHELL = None


def _shell():
    global _SHELL
    if _SHELL is None:
        _SHELL = _make_shell()
    return _SHELL


def _make_shell():
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from jupyter_client.jsonutil import json_default
    from traitlets.config import Config

    def clean(value):
        return json.loads(json.dumps(value, default=json_default))

    class Publisher(DisplayPublisher):
        """display() as a kernel's ``display_data`` output of the running cell."""

        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            self.shell.add_output(nbformat.v4.new_output("display_data", data=clean(data),
                                                         metadata=clean(metadata or {})))

        def clear_output(self, wait=False):
            self.shell.outputs.clear()

    class Hook(DisplayHook):
        """A cell's last expression as a kernel's ``execute_result``."""

        def start_displayhook(self):
            self._bundle = None

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            self._bundle = (format_dict, md_dict or {})

        def finish_displayhook(self):
            if self._bundle is not None:
                data, md = self._bundle
                self.shell.add_output(nbformat.v4.new_output(
                    "execute_result", data=clean(data), metadata=clean(md),
                    execution_count=self.shell.current_count))
            self._bundle = None

    class Shell(InteractiveShell):
        display_pub_class = Publisher
        displayhook_class = Hook

        outputs: list = []
        failure: BaseException | None = None
        current_count = 0

        def add_output(self, output) -> None:
            self.outputs.append(output)

        def _showtraceback(self, etype, evalue, stb):
            self.add_output(nbformat.v4.new_output("error", ename=str(etype.__name__), evalue=str(evalue),
                                                   traceback=list(stb)))

        def run(self, source: str, count: int, timeout: int | None) -> list:
            self.outputs, self.failure, self.current_count = [], None, count
            out, err = _Stream(self, "stdout"), _Stream(self, "stderr")
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _time_limit(timeout):
                result = self.run_cell(source, store_history=False)
                self.show_figures()
            self.failure = result.error_before_exec or result.error_in_exec
            if self.failure is not None and not any(o.output_type == "error" for o in self.outputs):
                self.add_output(nbformat.v4.new_output("error", ename=type(self.failure).__name__,
                                                       evalue=str(self.failure), traceback=[]))
            return self.outputs

        def show_figures(self) -> None:
            """What the inline backend does at a cell's end: show every open pyplot figure, close it."""
            plt = sys.modules.get("matplotlib.pyplot")
            if plt is None:
                return
            from IPython.core.pylabtools import print_figure

            for num in plt.get_fignums():
                fig = plt.figure(num)
                self.add_output(nbformat.v4.new_output(
                    "display_data", data=clean({"image/png": print_figure(fig, "png"), "text/plain": repr(fig)}),
                    metadata={}))
            plt.close("all")

        def fresh(self) -> None:
            self.reset(new_session=False)

        def clean(self) -> None:
            """After a run: nothing of it stays (its variables, its figures)."""
            self.reset(new_session=False)
            plt = sys.modules.get("matplotlib.pyplot")
            if plt is not None:
                plt.close("all")

    config = Config()
    config.HistoryManager.enabled = False        # no history database written by a report
    config.InteractiveShell.cache_size = 0       # no Out[] cache keeping a run's objects alive
    config.InteractiveShell.colors = "nocolor"   # tracebacks as plain text in the run's row and notebook
    config.InteractiveShell.xmode = "Context"
    main = sys.modules.get("__main__")
    shell = Shell(config=config)
    sys.modules["__main__"] = main     # the shell's namespace is __main__ only while a report runs
    shell.outputs = []
    return shell


@contextlib.contextmanager
def _in_force(shell):
    """``shell`` as the one ``IPython.display.display`` talks to, and its namespace as
    ``__main__``, while a report runs; what was there before (another shell of this process, e.g.
    the Jupyter kernel that called ``run_plan``; the process's own ``__main__``) is put back after."""
    from IPython.core.interactiveshell import InteractiveShell

    classes = [c for c in type(shell).mro() if issubclass(c, InteractiveShell)]   # as instance() sets them
    before = [(c, c.__dict__.get("_instance", None), "_instance" in c.__dict__) for c in classes]
    for c in classes:
        c._instance = shell
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = shell.user_module      # as in a kernel (pickling what a cell defines)
    shell.fresh()
    try:
        yield shell
    finally:
        sys.modules["__main__"] = main               # the process's own: multiprocessing spawns from it
        for c, value, had in before:
            if had:
                c._instance = value
            else:
                del c._instance


class _Stream:
    """A cell's stdout or stderr as its ``stream`` outputs (consecutive writes in one output)."""

    encoding = "utf-8"

    def __init__(self, shell, name: str) -> None:
        self.shell, self.name = shell, name

    def write(self, text: str) -> int:
        if not text:
            return 0
        outputs = self.shell.outputs
        if outputs and outputs[-1].output_type == "stream" and outputs[-1].name == self.name:
            outputs[-1].text += text
        else:
            outputs.append(nbformat.v4.new_output("stream", name=self.name, text=text))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


@contextlib.contextmanager
def _time_limit(seconds: int | None):
    """Stop a cell after ``seconds`` (POSIX, main thread; elsewhere no limit)."""
    usable = (seconds and hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def stop(signum, frame):
        raise CellTimeout(f"the cell ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def write(nb: nbformat.NotebookNode, path: str | Path) -> Path:
    """The executed notebook as a file (the run's ``report.ipynb``)."""
    path = Path(path)
    with open(path, "w", encoding="utf-8") as f:
        nbformat.write(nb, f)
    return path


__all__ = ["CellFailed", "CellTimeout", "execute", "parameterize", "write"]
