"""Any OS (issue 27): dx_metrics imports and validates without POSIX-only modules, probes a
process without ending it on Windows, and talks to kernels over TCP where IPC is absent."""
from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import dx_metrics
from dx_metrics import history, runner

ROOT = Path(dx_metrics.__file__).resolve().parents[1]
SAMPLE = ROOT / "dx_metrics" / "samples" / "sgtvt_baclieu_mot_cua_2023.xlsx"
XLS = ROOT / "tests" / "fixtures" / "one_stop_2023.xls"     # read in a child process (ingest/isolated.py)
REAL_OS_NAME = os.name
POSIX_ONLY = ("fcntl", "resource", "pwd", "grp", "termios")

# Put in every interpreter started with this folder on PYTHONPATH (the reader's child too):
# the POSIX-only modules cannot be imported, as on Windows.
SITECUSTOMIZE = f"""
import importlib.abc, sys
BLOCKED = {POSIX_ONLY!r}
class _Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"No module named {{name!r}} (blocked: not on Windows)", name=name)
        return None
for _name in [m for m in sys.modules if m.split(".")[0] in BLOCKED]:
    del sys.modules[_name]
sys.meta_path.insert(0, _Blocked())
"""

PROGRAM = textwrap.dedent("""
    import sys
    for name in {blocked!r}:
        try:
            __import__(name)
        except ImportError:
            pass
        else:
            sys.exit("the blocker let " + name + " through")
    import dx_metrics
    import dx_metrics.cli
    assert dx_metrics.__file__.startswith({root!r}), dx_metrics.__file__
    code = dx_metrics.cli.main(["validate", *sys.argv[1:]])
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in {blocked!r})
    print("LOADED", loaded)
    sys.exit(code)
""")


def test_import_and_validate_without_posix_only_modules(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
           "XDG_CACHE_HOME": str(tmp_path / "xdg"), "DX_METRICS_HISTORY": "off", "DX_METRICS_LANG": "en"}
    done = subprocess.run([sys.executable, "-c", PROGRAM.format(blocked=POSIX_ONLY, root=str(ROOT)),
                           str(SAMPLE), str(XLS)],
                          cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "LOADED []" in done.stdout
    assert f"{SAMPLE.name}: dossiers" in done.stdout
    assert f"{XLS.name}: dossiers" in done.stdout


# --- the history lock: fcntl on POSIX, msvcrt on Windows, each imported only when a lock is taken

def test_history_lock_takes_msvcrt_on_windows(tmp_path, monkeypatch):
    calls = []

    class FakeMsvcrt:
        LK_NBLCK, LK_UNLCK = 2, 0

        @staticmethod
        def locking(fd, mode, nbytes):
            calls.append((mode, nbytes))

    monkeypatch.setitem(sys.modules, "msvcrt", FakeMsvcrt)
    with open(tmp_path / "h.lock", "a+") as f:
        monkeypatch.setattr(os, "name", "nt")
        try:
            history._try_lock(f, exclusive=False)
            history._unlock(f)
        finally:
            monkeypatch.setattr(os, "name", REAL_OS_NAME)
    assert calls == [(FakeMsvcrt.LK_NBLCK, 1), (FakeMsvcrt.LK_UNLCK, 1)]


# --- probing a process: signal 0 on POSIX, its exit code on Windows (os.kill would end it)

@pytest.mark.skipif(os.name == "nt", reason="the POSIX probe")
def test_alive_posix():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert runner._alive(child.pid)
        assert child.poll() is None                  # probed, not ended
    finally:
        child.kill()
        child.wait()
    assert not runner._alive(child.pid)              # gone (and reaped)
    assert not runner._alive(os.getpid())            # our own leftover
    assert runner._alive(1)                          # another user's process: PermissionError, alive
    assert not runner._alive(0) and not runner._alive(-1)
    assert not runner._alive(10 ** 30)               # no process has such a number


class FakeKernel32:
    """kernel32 as _alive_windows uses it: processes by id, with their exit codes."""

    def __init__(self, processes: dict[int, int], denied: set[int] = frozenset(), query_fails: bool = False):
        self.processes, self.denied, self.query_fails = processes, denied, query_fails
        self.error, self.opened, self.closed = 0, [], []

    def OpenProcess(self, access, inherit, pid):
        assert access == 0x1000 and not inherit      # PROCESS_QUERY_LIMITED_INFORMATION, not inherited
        if pid in self.denied:
            self.error = 5                            # ERROR_ACCESS_DENIED
            return None
        if pid not in self.processes:
            self.error = 87                           # ERROR_INVALID_PARAMETER: no such process
            return None
        handle = 1000 + pid
        self.opened.append(handle)
        return handle

    def GetExitCodeProcess(self, handle, code_ref):
        if self.query_fails:
            return 0
        code_ref._obj.value = self.processes[handle - 1000]
        return 1

    def CloseHandle(self, handle):
        self.closed.append(handle)
        return 1


@pytest.mark.parametrize(("pid", "alive"), [(10, True), (11, False), (12, False), (13, True)])
def test_alive_windows(monkeypatch, pid, alive):
    fake = FakeKernel32({10: 259, 11: 0}, denied={13})    # 10 runs, 11 ended, 12 never was, 13 another user's
    monkeypatch.setattr(runner, "_win32", lambda: (fake, lambda: fake.error))
    monkeypatch.setattr(runner.os, "kill", lambda *a: pytest.fail("os.kill would end the process on Windows"))
    monkeypatch.setattr(os, "name", "nt")
    try:
        got = runner._alive(pid)
    finally:
        monkeypatch.setattr(os, "name", REAL_OS_NAME)
    assert got is alive
    assert fake.closed == fake.opened                # every handle opened is closed


def test_alive_windows_keeps_what_it_cannot_tell(monkeypatch):
    fake = FakeKernel32({10: 0}, query_fails=True)
    monkeypatch.setattr(runner, "_win32", lambda: (fake, lambda: fake.error))
    assert runner._alive_windows(10) is True
    assert fake.closed == [1010]


def test_still_active_read_through_a_real_ctypes_value():
    code = ctypes.c_uint32()
    FakeKernel32({7: 259}).GetExitCodeProcess(1007, ctypes.byref(code))
    assert code.value == runner._STILL_ACTIVE


# --- the kernels' transport: IPC where the system has it, TCP elsewhere

def test_transport_ipc_on_posix_with_a_short_path(tmp_path, monkeypatch):
    if os.name == "nt":
        pytest.skip("POSIX")
    base = str(tmp_path / "dx-kernel-1-abc")
    if len(os.fsencode(base)) + 6 > 103:
        base = os.path.join("/tmp", "dx-kernel-1-abc")
    assert runner._kernel_transport(base) == "ipc"


def test_transport_tcp_on_windows(monkeypatch):
    monkeypatch.setattr(os, "name", "nt")
    try:
        got = runner._kernel_transport("/tmp/dx-kernel-1-abc")
    finally:
        monkeypatch.setattr(os, "name", REAL_OS_NAME)
    assert got == "tcp"


def test_transport_tcp_when_the_socket_path_is_too_long(tmp_path):
    fits = "/tmp/" + "k" * (103 - 6 - len("/tmp/"))
    assert runner._kernel_transport(fits) == ("tcp" if os.name == "nt" else "ipc")
    assert runner._kernel_transport(fits + "k") == "tcp"


def test_transport_tcp_when_the_socket_folder_is_not_writable(tmp_path):
    assert runner._kernel_transport(str(tmp_path / "missing" / "dx-kernel-1")) == "tcp"


def test_transport_tcp_without_zmq_ipc(monkeypatch):
    import zmq

    monkeypatch.setattr(zmq, "has", lambda capability: capability != "ipc")
    assert runner._kernel_transport("/tmp/dx-kernel-1-abc") == "tcp"


@pytest.mark.parametrize("transport", ["ipc", "tcp"])
def test_kernel_manager_follows_the_transport(monkeypatch, transport):
    from jupyter_client.localinterfaces import localhost

    monkeypatch.setattr(runner, "_kernel_transport", lambda base: transport)
    km = runner._ipc_kernel_manager()()
    assert km.transport == transport
    if transport == "ipc":
        assert Path(km.ip).name.startswith(f"dx-kernel-{os.getpid()}-")
        assert km.ip != runner._ipc_kernel_manager()().ip      # one socket path per kernel
    else:
        assert km.ip == localhost()
