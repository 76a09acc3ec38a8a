"""Mutation testing: how many small deliberate bugs in ingest, indicators, plans and report the tests catch.

    .venv/bin/python benchmarks/mutants.py [--modules GLOB ...] [--limit N] [--seed S] [--jobs 2] [--out FILE ...]
                                           [--src DIR] [--run-uncovered] [--list] [--keep]

Default modules: the whole package, `dx_metrics/**/*.py` (a module with nothing to mutate, such as an
`__init__.py` of imports only, is left out, and the run says so); `--modules GLOB ...` for some of them.
`make mutants` runs `--limit 25` of each (many hours on 2 cores: a module without an entry in TESTS
runs the whole suite for each mutant that survives).

Each mutant is one small change to one line of a module, made on its AST and written back into the
source text (everything else in the file is untouched):

  comparison    <  <=   >  >=   ==  !=   is  is not   in  not in      (each flipped to its partner)
  arithmetic    +  -    *  /    // -> /    ** -> *    (also += -= *= /=; not on string constants)
  boolean       and  or;   `not x` -> `x`
  constant      0 -> 1, 1 -> 0, other numbers n -> n + 1;  True  False
  return        `return x` -> `return None`, in functions of at most 30 lines (not generators)
  call          a call statement removed (`t.flag(...)` -> `pass`)

Not mutated: docstrings and other strings, f-strings, type hints (annotations, `if TYPE_CHECKING:`),
logging calls (log./logger./logging.), imports, `__all__`, cache sizes (`@lru_cache(maxsize=N)`: a
mutant there changes speed only, it can never be caught), and lines marked `# pragma: no mutate`.
A mutant that does not compile, or whose AST equals the original's, is dropped.

Every run happens in temporary copies of the source tree (--src, default the tree holding this
script; its git-tracked and untracked-but-not-ignored files), one per job, beside a `shared` link to
the tree's ../shared: the tree itself is never written. A module's tests are the test files that import
it or its package (TESTS below; the whole suite for a module without an entry). Steps:

  1. baseline  each distinct set of test files, unmutated, with `-q -p no:cacheprovider -m "not notebook"`
               (and a fixed --hypothesis-seed): its wall time, each test's time, and the tests that already
               fail (left out of every mutant's run, and listed);
  2. trace     the same again under a line tracer, in every Python process of the run (pytest, its forked
               workers, CLI subprocesses, notebook kernels): which lines run, and which test ran them;
  3. mutants   each mutant's module file is replaced in a job's copy and its test files run with `-x`,
               the tests that execute the mutated line first (the quickest of them first), so a killed
               mutant usually stops within seconds. Killed: a test fails (or collection does). Timeout: the
               run takes longer than 3 x its test files' baseline (at least 20 s); counted as killed.
               Survived: every test passes. A mutant on a line that no run of its test files executes
               survives without a run ("not run" in the table; --run-uncovered runs them all the same).

--limit N draws N mutants per module at random (fixed --seed, drawn per module, so a module's sample
does not change when other modules are added); the table says so. --out FILE (repeatable) writes the
report as markdown, or as JSON (every mutant and its outcome) when FILE ends in .json. A glob that
matches no module is skipped (the run says so).

Survivors that no test can ever catch (the same result for every input; most change only speed) are
listed in benchmarks/mutants_equivalent.txt, each with its reason; the report shows the raw share
killed and, beside it, the share with those left out.

Goal (issue 14): >= 85 % killed overall, and no survivor in the report's figures. Not in CI (too slow).
"""
from __future__ import annotations

import argparse
import ast
import datetime as dt
import fnmatch
import importlib.util
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
# every module of the package (those with nothing to mutate are left out when the run starts)
DEFAULT_MODULES = ["dx_metrics/**/*.py"]
# module glob -> the test files that import it or its package (the first entry matching a module wins)
TESTS = {
    "dx_metrics/history.py": ["test_history.py", "test_any_os.py", "test_small_points.py", "test_index_page.py",
                              "test_composed_figures.py"],
    "dx_metrics/units.py": ["test_units*.py", "test_composed_figures.py", "test_import_records.py",
                            "test_names_as_data.py", "test_overlays.py", "test_plan_mistakes.py", "test_quality.py",
                            "test_first_contact.py", "test_doctests.py"],
    "dx_metrics/runner.py": ["test_cli*.py", "test_error_paths.py", "test_history.py", "test_hostile_plans.py",
                             "test_index_page.py", "test_records_engines.py", "test_any_os.py"],
    "dx_metrics/indicators/engines.py": ["test_records_engines.py", "test_settings.py", "test_import_records.py"],
    "dx_metrics/ingest/dataset.py": ["test_import_records.py", "test_records_engines.py", "test_history.py"],
    "dx_metrics/ingest/*": ["test_ingest*.py", "test_hostile_inputs.py", "test_header_matching.py",
                            "test_index_layouts.py", "test_real_index_tables.py", "test_values.py",
                            "test_text_encodings.py", "test_units_in_context.py", "test_contracts.py",
                            "test_input_checks.py", "test_doctests.py"],
    "dx_metrics/indicators/*": ["test_indicators*.py", "test_rankings.py", "test_header_matching.py",
                                "test_index_layouts.py", "test_real_index_tables.py", "test_units_in_context.py",
                                "test_contracts.py", "test_input_checks.py", "test_doctests.py"],
    "dx_metrics/plans/*": ["test_plans.py", "test_hostile_plans.py", "test_trajectory.py", "test_compare.py",
                           "test_index_layouts.py", "test_evaluation_edges.py", "test_pace.py", "test_report_content.py"],
    "dx_metrics/quality/*": ["test_quality.py", "test_overlapping_inputs.py"],
    "dx_metrics/pipeline/*": ["test_pipeline.py", "test_composed_figures.py", "test_report_content.py", "test_plans.py",
                              "test_overlapping_inputs.py", "test_history.py", "test_scorecard_766.py", "test_notes.py"],
    "dx_metrics/context.py": ["test_context.py", "test_overlays.py", "test_workspaces.py", "test_settings.py"],
    "dx_metrics/direct.py": ["test_direct_render.py"],
    "dx_metrics/formats.py": ["test_report.py", "test_notes.py", "test_doctests.py"],
    "dx_metrics/notes.py": ["test_notes.py", "test_doctests.py", "test_indicators*.py", "test_plans.py",
                            "test_input_checks.py", "test_problem_messages.py"],
    "dx_metrics/report/*": ["test_report*.py", "test_quality.py", "test_plans.py", "test_index_layouts.py", "test_units_in_context.py",
                            "test_document.py", "test_ranking_page.py", "test_pace.py", "test_problem_messages.py",
                            "test_contracts.py", "test_doctests.py", "test_history.py",
                            "test_overlapping_inputs.py", "test_composed_figures.py"],
}
PYTEST_ARGS = ["-x", "-q", "-p", "no:cacheprovider", "-m", "not notebook"]
TIMEOUT_FACTOR = 3
MIN_TIMEOUT = 20.0
SMALL_FUNCTION = 30          # lines: `return x` -> `return None` only in functions this short
CACHES = {"lru_cache", "cache"}
LOGGERS = {"log", "logger", "logging", "_log", "_logger", "LOG"}
COMPARE_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
                ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
ARITH_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
              ast.Pow: ast.Mult}
SYMBOL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.Is: "is",
          ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in", ast.Add: "+", ast.Sub: "-", ast.Mult: "*",
          ast.Div: "/", ast.FloorDiv: "//", ast.Pow: "**", ast.And: "and", ast.Or: "or"}


# ---------------------------------------------------------------------------------------------
# mutants

@dataclass
class Mutant:
    module: str              # dx_metrics/ingest/rules.py
    line: int
    end_line: int
    start: int               # byte offsets of the replaced text in the module's source
    end: int
    replacement: str
    mutation: str            # `<` -> `<=`
    original: str            # the original line, stripped
    cover: list[int]         # lines whose execution means the mutant is reached
    status: str = ""         # killed / timeout / survived / error
    seconds: float = 0.0
    covered: bool = True
    detail: str = ""

    @property
    def where(self) -> str:
        return f"{self.module}:{self.line}"


def _offsets(source: bytes) -> list[int]:
    starts, pos = [0], 0
    for line in source.splitlines(keepends=True):
        pos += len(line)
        starts.append(pos)
    return starts


def _is_logging(call: ast.Call) -> bool:
    f = call.func
    while isinstance(f, ast.Attribute):
        f = f.value
        if isinstance(f, ast.Call):      # logging.getLogger(...).info(...)
            f = f.func
    return isinstance(f, ast.Name) and f.id in LOGGERS


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
           (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _cache_size(decorator: ast.expr) -> bool:
    """``@lru_cache(maxsize=N)``: its size changes how fast, never what a function returns."""
    f = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (isinstance(f, ast.Name) and f.id in CACHES) or (isinstance(f, ast.Attribute) and f.attr in CACHES)


def _has_yield(fn: ast.AST) -> bool:
    return any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in ast.walk(fn))


class _Finder:
    """Walks a module's AST and yields (node, replacement node or text, description, statement, function)."""

    def __init__(self) -> None:
        self.found: list[tuple[ast.AST, ast.AST | str, str, ast.stmt | None, ast.AST | None]] = []

    def visit(self, node: ast.AST, stmt: ast.stmt | None = None, fn: ast.AST | None = None) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.JoinedStr, ast.pattern)):
            return
        if isinstance(node, ast.stmt):
            stmt = node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            if not isinstance(node, ast.Lambda):
                for d in node.decorator_list:
                    if not _cache_size(d):
                        self.visit(d, stmt, fn)
                node.returns = None      # type hints: not mutated
            for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs:
                a.annotation = None
            for a in (node.args.vararg, node.args.kwarg):
                if a is not None:
                    a.annotation = None
            for d in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
                self.visit(d, stmt, fn)
            body = node.body if isinstance(node.body, list) else [node.body]
            for child in body:
                self.visit(child, stmt, node)
            return
        if isinstance(node, ast.ClassDef):
            for child in node.bases + node.keywords + node.decorator_list + node.body:
                self.visit(child, stmt, fn)
            return
        if isinstance(node, ast.If) and _type_checking(node.test):
            return
        if isinstance(node, ast.If) and ast.unparse(node.test) == "__name__ == '__main__'":
            return
        if isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.visit(node.value, stmt, fn)
            return
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and _is_logging(node.value):
            return
        self._mutate(node, stmt, fn)
        for child in ast.iter_child_nodes(node):
            self.visit(child, stmt, fn)

    def _add(self, node, new, what, stmt, fn) -> None:
        self.found.append((node, new, what, stmt, fn))

    def _mutate(self, node, stmt, fn) -> None:
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                new = _copy(node)
                new.ops[i] = COMPARE_SWAP[type(op)]()
                self._add(node, new, f"`{SYMBOL[type(op)]}` -> `{SYMBOL[type(new.ops[i])]}`", stmt, fn)
        elif isinstance(node, ast.BinOp) and type(node.op) in ARITH_SWAP and not _stringy(node):
            new = _copy(node)
            new.op = ARITH_SWAP[type(node.op)]()
            self._add(node, new, f"`{SYMBOL[type(node.op)]}` -> `{SYMBOL[type(new.op)]}`", stmt, fn)
        elif isinstance(node, ast.AugAssign) and type(node.op) in ARITH_SWAP and not _stringy(node):
            new = _copy(node)
            new.op = ARITH_SWAP[type(node.op)]()
            self._add(node, new, f"`{SYMBOL[type(node.op)]}=` -> `{SYMBOL[type(new.op)]}=`", stmt, fn)
        elif isinstance(node, ast.BoolOp):
            new = _copy(node)
            new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            self._add(node, new, f"`{SYMBOL[type(node.op)]}` -> `{SYMBOL[type(new.op)]}`", stmt, fn)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self._add(node, _copy(node.operand), "`not` removed", stmt, fn)
        elif isinstance(node, ast.Constant) and type(node.value) in (bool, int, float):
            v = node.value
            if isinstance(v, bool):
                new_v = not v
            elif v in (0, 1):
                new_v = type(v)(1 - v)
            else:
                new_v = v + 1
            self._add(node, ast.Constant(new_v), f"`{v!r}` -> `{new_v!r}`", stmt, fn)
        elif isinstance(node, ast.Return) and node.value is not None and fn is not None \
                and not (isinstance(node.value, ast.Constant) and node.value.value is None) \
                and not isinstance(fn, ast.Lambda) and fn.end_lineno - fn.lineno + 1 <= SMALL_FUNCTION \
                and not _has_yield(fn):
            self._add(node, "return None", "`return ...` -> `return None`", stmt, fn)
        elif isinstance(node, ast.Expr) and isinstance(node.value, (ast.Call, ast.Await)):
            call = node.value.value if isinstance(node.value, ast.Await) else node.value
            if isinstance(call, ast.Call):
                self._add(node, "pass", f"call removed: `{_short(ast.unparse(call.func))}(...)`", stmt, fn)


def _copy(node: ast.AST) -> ast.AST:
    return ast.parse(ast.unparse(node), mode="eval").body if isinstance(node, ast.expr) else \
        ast.parse(ast.unparse(node)).body[0]


def _stringy(node) -> bool:
    parts = (node.left, node.right) if isinstance(node, ast.BinOp) else (node.value,)
    return any(isinstance(p, ast.JoinedStr) or (isinstance(p, ast.Constant) and isinstance(p.value, (str, bytes)))
               for p in parts)


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."


def mutants_of(root: Path, module: str) -> list[Mutant]:
    """Every mutant of ``module`` (a path relative to ``root``) that compiles and changes the AST."""
    source = (root / module).read_bytes()
    text_lines = source.decode("utf-8").splitlines()
    starts = _offsets(source)
    tree = ast.parse(source)
    original_dump = ast.dump(tree)
    finder = _Finder()
    for node in tree.body:
        finder.visit(node)
    out, seen = [], set()
    for node, new, what, stmt, _fn in finder.found:
        first = text_lines[node.lineno - 1]
        if "pragma: no mutate" in first:
            continue
        start = starts[node.lineno - 1] + node.col_offset
        end = starts[node.end_lineno - 1] + node.end_col_offset
        pad = "\n" * (node.end_lineno - node.lineno)      # keep every later line where it was
        if isinstance(new, str):
            replacement = new + pad
        elif isinstance(node, ast.stmt):
            replacement = ast.unparse(new) + pad
        else:
            replacement = f"({ast.unparse(new)}{pad})"
        mutated = source[:start] + replacement.encode("utf-8") + source[end:]
        try:
            if ast.dump(ast.parse(mutated)) == original_dump:
                continue
            compile(mutated, module, "exec")
        except (SyntaxError, ValueError):
            continue
        if (start, end, replacement) in seen:
            continue
        seen.add((start, end, replacement))
        cover = set(range(node.lineno, node.end_lineno + 1))
        if stmt is not None:
            cover.add(stmt.lineno)
        out.append(Mutant(module, node.lineno, node.end_lineno, start, end, replacement, what, first.strip(),
                          sorted(cover)))
    out.sort(key=lambda m: (m.line, m.start, m.end))
    return out


def apply(m: Mutant, source: bytes) -> bytes:
    return source[:m.start] + m.replacement.encode("utf-8") + source[m.end:]


# ---------------------------------------------------------------------------------------------
# line tracer: started by the sitecustomize.py this script writes for the trace run, so it is in
# every Python process of that run (pytest, its forked workers, notebook kernels, CLI subprocesses)

_DATA: dict[str, dict[str, set[int]]] = {}
_CURRENT = ""                                 # the test running (in subprocesses: MUTANTS_TEST at start)
_FILES: dict[str, str | None] = {}
_TARGETS: set[str] = set()


def _where(filename: str) -> str | None:
    rel = _FILES.get(filename, "?")
    if rel == "?":
        i = filename.replace(os.sep, "/").rfind("/dx_metrics/")
        rel = filename.replace(os.sep, "/")[i + 1:] if i >= 0 else None
        rel = rel if rel in _TARGETS else None
        _FILES[filename] = rel
    return rel


def _trace(frame, event, arg):
    rel = _where(frame.f_code.co_filename)
    if rel is None:
        return None
    lines = _DATA.setdefault(_CURRENT, {}).setdefault(rel, set())
    lines.add(frame.f_lineno)

    def local(frame, event, arg):
        if event == "line":
            lines.add(frame.f_lineno)
        return local
    return local


def _dump() -> None:
    out = Path(os.environ["MUTANTS_TRACE"]) / f"lines-{os.getpid()}-{time.monotonic_ns()}.json"
    out.write_text(json.dumps({"argv": sys.argv, "lines": {t: {f: sorted(s) for f, s in files.items()}
                                                          for t, files in _DATA.items()}}))


def _after_fork() -> None:
    _DATA.clear()
    sys.settrace(_trace)


class _Forked:
    """A multiprocessing worker leaves through os._exit, so atexit never runs: dump in its finalizers
    (registered after the fork: multiprocessing clears the ones it inherits)."""

    def __call__(self, _obj) -> None:
        import multiprocessing.util

        multiprocessing.util.Finalize(None, _dump, exitpriority=0)


_FORKED = _Forked()


def start_trace() -> None:
    import atexit

    global _CURRENT
    _TARGETS.update(json.loads(os.environ["MUTANTS_TRACE_FILES"]))
    _CURRENT = os.environ.get("MUTANTS_TEST", "")
    sys.settrace(_trace)
    threading.settrace(_trace)
    atexit.register(_dump)
    os.register_at_fork(after_in_child=_after_fork)
    import multiprocessing.util

    multiprocessing.util.register_after_fork(_FORKED, _FORKED)


# ---------------------------------------------------------------------------------------------
# pytest plugin (`-p mutants`): records each test's time and outcome, and for a mutant's run
# leaves out the tests that fail unmutated and puts the tests that reach the mutant first

_RECORD: dict = {"order": [], "seconds": {}, "failed": []}


def pytest_collection_modifyitems(session, config, items) -> None:
    plan = os.environ.get("MUTANTS_PLAN")
    if not plan:
        return
    plan = json.loads(Path(plan).read_text("utf-8"))
    skip, first = set(plan["deselect"]), {t: i for i, t in enumerate(plan["first"])}
    gone = [it for it in items if it.nodeid in skip]
    if gone:
        config.hook.pytest_deselected(items=gone)
    kept = [it for it in items if it.nodeid not in skip]
    kept.sort(key=lambda it: first.get(it.nodeid, len(first)))      # stable: the rest keep their order
    items[:] = kept


def pytest_collection_finish(session) -> None:
    _RECORD["order"] = [it.nodeid for it in session.items]


def pytest_runtest_logstart(nodeid, location) -> None:
    global _CURRENT
    _CURRENT = nodeid
    os.environ["MUTANTS_TEST"] = nodeid
    if _TARGETS:
        sys.settrace(_trace)     # again: a trace function that raised (a RecursionError, say) was removed


def pytest_runtest_logfinish(nodeid, location) -> None:
    global _CURRENT
    _CURRENT = ""
    os.environ.pop("MUTANTS_TEST", None)


def pytest_runtest_logreport(report) -> None:
    _RECORD["seconds"][report.nodeid] = _RECORD["seconds"].get(report.nodeid, 0.0) + report.duration
    if report.failed and report.nodeid not in _RECORD["failed"]:
        _RECORD["failed"].append(report.nodeid)


def pytest_sessionfinish(session, exitstatus) -> None:
    if os.environ.get("MUTANTS_RECORD"):
        Path(os.environ["MUTANTS_RECORD"]).write_text(json.dumps(_RECORD), "utf-8")


# ---------------------------------------------------------------------------------------------
# runner

def tests_for(module: str) -> list[str]:
    for pattern, files in TESTS.items():
        if fnmatch.fnmatch(module, pattern):
            return files
    return []


def test_files(root: Path, module: str) -> list[str]:
    patterns = tests_for(module)
    if not patterns:
        return ["tests"]
    found = sorted({p.relative_to(root).as_posix() for pat in patterns for p in (root / "tests").glob(pat)})
    return found


def braces(pattern: str) -> list[str]:
    """'a/{b,c}.py' -> ['a/b.py', 'a/c.py'] (glob has no braces)."""
    head, brace, rest = pattern.partition("{")
    if not brace or "}" not in rest:
        return [pattern]
    inner, _, tail = rest.partition("}")
    return [p for alt in inner.split(",") for p in braces(head + alt + tail)]


def copy_tree(src: Path, dest: Path) -> None:
    """The tree's git-tracked and untracked-but-not-ignored files (or all but caches, outside git)."""
    if (src / ".git").exists():
        out = subprocess.run(["git", "-C", str(src), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             capture_output=True, check=True).stdout
        names = sorted({n for n in out.decode("utf-8").split("\0") if n})
        for name in names:
            p = src / name
            if not (p.exists() or p.is_symlink()) or p.is_dir() and not p.is_symlink():
                continue
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, dest / name, follow_symlinks=False)
    else:
        shutil.copytree(src, dest, symlinks=True, ignore=shutil.ignore_patterns(
            ".venv", "__pycache__", ".pytest_cache", ".hypothesis", "build", "*.egg-info", "_work", "outputs"))


class Workspace:
    """Temporary copies of the tree, one per job, beside a `shared` link; a frozen copy of this script
    (the pytest plugin of every run) and, for the trace runs only, a sitecustomize.py that starts the tracer."""

    def __init__(self, src: Path, jobs: int, seed: int) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="dx-mutants-"))
        shared = (src.parent / "shared").resolve()
        if shared.exists():
            (self.base / "shared").symlink_to(shared)
        self.free: queue.Queue[Path] = queue.Queue()
        self.jobs = []
        for i in range(jobs):
            job = self.base / f"job{i}"
            copy_tree(src, job)
            self.jobs.append(job)
            self.free.put(job)
        self.plugin, self.site = self.base / "plugin", self.base / "site"
        self.plugin.mkdir()
        shutil.copy2(__file__, self.plugin / "mutants.py")
        self.site.mkdir()
        (self.site / "sitecustomize.py").write_text(
            "import os\nif os.environ.get('MUTANTS_TRACE'):\n    import mutants\n    mutants.start_trace()\n")
        # the same examples in the trace and in every mutant's run
        self.args = [f"--hypothesis-seed={seed}"] if importlib.util.find_spec("hypothesis") else []

    def env(self, job: Path, *, trace: bool = False, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MUTANTS_", "PYTEST_"))}
        path = [job, self.site, self.plugin] if trace else [job, self.plugin]
        env.update(PYTHONPATH=os.pathsep.join(map(str, path)), PYTHONDONTWRITEBYTECODE="1",
                   DX_METRICS_CACHE=str(job.with_suffix(".cache")))
        env.update(extra)
        return env

    def pytest(self, job: Path, files: list[str], *, timeout: float | None = None, first_failure: bool = True,
               trace: bool = False, **extra: str) -> tuple[str, float, str]:
        """Run pytest in ``job``; return (killed/survived/timeout/error, seconds, last lines of output)."""
        args = [a for a in PYTEST_ARGS if first_failure or a != "-x"] + self.args
        if trace:       # the tracer imported this script before pytest could rewrite its asserts
            args += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
        cmd = [sys.executable, "-m", "pytest", *args, "-p", "mutants", f"--basetemp={job}.pytest", *files]
        log = job.with_suffix(".log")
        shutil.rmtree(job.with_suffix(".cache"), ignore_errors=True)     # a fresh cache for every run
        t0 = time.perf_counter()
        with open(log, "wb") as out:
            proc = subprocess.Popen(cmd, cwd=job, env=self.env(job, trace=trace, **extra), stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
            try:
                rc = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                rc = None
        seconds = time.perf_counter() - t0
        tail = "\n".join(log.read_text("utf-8", "replace").splitlines()[-15:])
        status = {None: "timeout", 0: "survived", 1: "killed", 2: "killed", 3: "killed"}.get(rc, "error")
        return status, seconds, tail

    def close(self, keep: bool = False) -> None:
        if keep:
            print(f"kept {self.base}")
        else:
            shutil.rmtree(self.base, ignore_errors=True)


@dataclass
class Selection:
    """The test files of some modules, measured unmutated: the baseline (each test's time, the tests
    that fail) and the trace (the lines each test executes, in any process)."""
    files: list[str]
    modules: list[str]
    order: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    failing: list[str] = field(default_factory=list)
    wall: float = 0.0
    lines: dict[str, dict[str, set[int]]] = field(default_factory=dict)

    def reached(self, m: Mutant) -> tuple[bool, list[str]]:
        """Is the mutant's line executed at all in a run of these files, and by which tests (quickest first)?"""
        hit = [t for t, per in self.lines.items() if not set(m.cover).isdisjoint(per.get(m.module, ()))]
        tests = sorted((t for t in hit if t in self.seconds), key=lambda t: self.seconds[t])
        return bool(hit), tests


def measure(ws: Workspace, selections: list[Selection]) -> None:
    """The baseline and the trace of every selection, as many at once as there are jobs."""
    def one(task: tuple[int, str]) -> None:
        i, kind = task
        sel, job = selections[i], ws.free.get()
        try:
            if kind == "baseline":
                record = ws.base / f"baseline{i}.json"
                status, sel.wall, tail = ws.pytest(job, sel.files, first_failure=False, MUTANTS_RECORD=str(record))
                if status == "error" or not record.exists():
                    raise SystemExit(f"the baseline run of {' '.join(sel.files)} did not finish:\n{tail}")
                rec = json.loads(record.read_text("utf-8"))
                sel.order, sel.seconds, sel.failing = rec["order"], rec["seconds"], rec["failed"]
            else:
                folder = ws.base / f"trace{i}"
                folder.mkdir()
                status, _, tail = ws.pytest(job, sel.files, first_failure=False, trace=True,
                                            MUTANTS_TRACE=str(folder), MUTANTS_TRACE_FILES=json.dumps(sel.modules))
                if status == "error":
                    raise SystemExit(f"the traced run of {' '.join(sel.files)} did not finish:\n{tail}")
                for f in folder.glob("lines-*.json"):
                    for test, per_file in json.loads(f.read_text())["lines"].items():
                        for module, ls in per_file.items():
                            sel.lines.setdefault(test, {}).setdefault(module, set()).update(ls)
        finally:
            ws.free.put(job)

    tasks = [(i, kind) for kind in ("trace", "baseline") for i in range(len(selections))]
    with ThreadPoolExecutor(len(ws.jobs)) as pool:
        list(pool.map(one, tasks))


def run(args) -> dict:
    src = Path(args.src).resolve()
    t0 = time.perf_counter()
    modules, skipped = [], []
    for pattern in args.modules:
        found = sorted(p.relative_to(src).as_posix() for one in braces(pattern) for p in src.glob(one)
                       if p.suffix == ".py")
        if not found:
            skipped.append(pattern)
        modules += [m for m in found if m not in modules]
    chosen: list[Mutant] = []
    totals, empty = {}, []
    for module in modules:
        every = mutants_of(src, module)
        if not every:
            empty.append(module)
            continue
        totals[module] = len(every)
        if args.limit and len(every) > args.limit:
            every = sorted(random.Random(f"{args.seed}:{module}").sample(every, args.limit),
                           key=lambda m: (m.line, m.start))
        chosen += every
    modules = [m for m in modules if m not in empty]
    for pattern in skipped:
        print(f"{pattern}: no such module (yet), skipped")
    if empty:
        print(f"nothing to mutate, left out: {', '.join(empty)}")
    if args.list:
        for m in chosen:
            print(f"{m.where:40} {m.mutation:40} | {m.original}")
        print(f"\n{len(chosen)} mutants of {sum(totals.values())} in {len(modules)} modules")
        return {}
    commit = subprocess.run(["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "-C", str(src), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True).stdout.strip())
    ws = Workspace(src, max(1, args.jobs), args.seed)
    try:
        where = subprocess.run([sys.executable, "-c", "import dx_metrics; print(dx_metrics.__file__)"],
                               cwd=ws.jobs[0], env=ws.env(ws.jobs[0]), capture_output=True, text=True).stdout.strip()
        if not where.startswith(str(ws.jobs[0])):
            sys.exit(f"dx_metrics is imported from {where}, not from the copy {ws.jobs[0]}")
        by_files: dict[tuple[str, ...], Selection] = {}
        for m in modules:
            files = test_files(ws.jobs[0], m)
            by_files.setdefault(tuple(files), Selection(files, [])).modules.append(m)
        selection_of = {m: sel for sel in by_files.values() for m in sel.modules}
        print(f"{len(chosen)} mutants of {sum(totals.values())} in {len(modules)} modules; baseline and trace of "
              f"{len(by_files)} test selections ...", flush=True)
        measure(ws, list(by_files.values()))
        for sel in by_files.values():
            print(f"  {len(sel.files):2} test files, {len(sel.order):3} tests, {len(sel.failing)} failing unmutated, "
                  f"{sel.wall:5.1f} s: {', '.join(sel.modules)}", flush=True)
        print(f"measured in {time.perf_counter() - t0:.0f} s", flush=True)
        pending = []
        for m in chosen:
            sel = selection_of[m.module]
            m.covered, reach = sel.reached(m)
            if not m.covered and not args.run_uncovered:
                m.status = "survived"
                continue
            pending.append((m, sel, reach))
        done = [0]
        lock = threading.Lock()

        def one(item: tuple[Mutant, Selection, list[str]]) -> None:
            m, sel, reach = item
            job = ws.free.get()
            path = job / m.module
            original = path.read_bytes()
            plan = job.with_suffix(".plan.json")
            plan.write_text(json.dumps({"first": reach, "deselect": sel.failing}), "utf-8")
            try:
                path.write_bytes(apply(m, original))
                m.status, m.seconds, tail = ws.pytest(job, sel.files, MUTANTS_PLAN=str(plan),
                                                      timeout=max(MIN_TIMEOUT, TIMEOUT_FACTOR * sel.wall))
                if m.status == "error":
                    m.detail = tail
            finally:
                path.write_bytes(original)
                ws.free.put(job)
            with lock:
                done[0] += 1
                print(f"[{done[0]:>4}/{len(pending)}] {m.status:8} {m.seconds:6.1f} s  {m.where:42} {m.mutation}",
                      flush=True)

        with ThreadPoolExecutor(len(ws.jobs)) as pool:
            list(pool.map(one, pending))
    finally:
        ws.close(args.keep)
    seconds = time.perf_counter() - t0
    return dict(date=dt.date.today().isoformat(), commit=commit + ("+changes" if dirty else ""),
                limit=args.limit, seed=args.seed, jobs=args.jobs, seconds=round(seconds), skipped=skipped,
                failing_unmutated=sorted({t for sel in by_files.values() for t in sel.failing}), totals=totals,
                selections=[dict(modules=sel.modules, files=sel.files, tests=len(sel.order), seconds=round(sel.wall, 1))
                            for sel in by_files.values()],
                mutants=[asdict(m) for m in chosen])


EQUIVALENT = HERE / "mutants_equivalent.txt"


def equivalents(path: Path = EQUIVALENT) -> dict[tuple[str, str, str], str]:
    """The mutants judged equivalent (no test can tell them from the original), each with why:
    ``module | original line | mutation | why`` per line, matched on the line's text, not its
    number. A listed mutant still runs; it is reported apart only when it survives."""
    out = {}
    if path.exists():
        for line in path.read_text("utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                module, original, mutation, why = (x.strip() for x in line.split(" | ", 3))
                out[(module, original, mutation)] = why
    return out


def _equivalent(m: dict, listed: dict) -> str | None:
    return listed.get((m["module"], m["original"], m["mutation"])) if m["status"] == "survived" else None


def summarise(result: dict) -> list[dict]:
    rows = []
    by_module: dict[str, list[dict]] = {}
    listed = equivalents()
    for m in result["mutants"]:
        by_module.setdefault(m["module"], []).append(m)
    for module in result["totals"]:
        ms = by_module.get(module, [])
        count = {s: sum(m["status"] == s for m in ms) for s in ("killed", "timeout", "survived", "error")}
        not_run = sum(not m["covered"] for m in ms if m["status"] == "survived")
        equivalent = sum(_equivalent(m, listed) is not None for m in ms)
        rows.append(dict(module=module, of=result["totals"][module], mutants=len(ms), not_run=not_run,
                         equivalent=equivalent, **count))
    return rows


def pct(row: dict, *, without_equivalent: bool = False) -> str:
    judged = row["mutants"] - row["error"] - (row["equivalent"] if without_equivalent else 0)
    return f"{100 * (row['killed'] + row['timeout']) / judged:.1f}" if judged else "-"


def report_text(result: dict, *, markdown: bool) -> str:
    rows = summarise(result)
    total = {k: sum(r[k] for r in rows) for k in ("of", "mutants", "killed", "timeout", "survived", "not_run", "error",
                                                  "equivalent")}
    total["module"] = "all"
    sample = f"at most {result['limit']} per module, seed {result['seed']}" if result["limit"] else "all"
    head = (f"Mutation run of {result['date']} on {result['commit']}: mutants {sample}; {result['jobs']} jobs, "
            f"{result['seconds'] / 60:.0f} min.")
    out = [head, ""]
    if markdown:
        out += ["| module | mutants (of) | killed | timeout | survived | of which not run | of which equivalent "
                "| % killed | % killed, equivalent aside |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for r in rows + [total]:
            name = f"**{r['module']}**" if r is total else f"`{r['module']}`"
            out.append(f"| {name} | {r['mutants']} ({r['of']}) | {r['killed']} | {r['timeout']} | {r['survived']} "
                       f"| {r['not_run']} | {r['equivalent']} | {pct(r)} | {pct(r, without_equivalent=True)} |")
    else:
        out.append(f"{'module':38} {'mutants':>8} {'(of)':>6} {'killed':>7} {'timeout':>8} {'survived':>9} "
                   f"{'not run':>8} {'equiv.':>7} {'% killed':>9} {'% w/o eq.':>10}")
        for r in rows + [total]:
            out.append(f"{r['module']:38} {r['mutants']:8} {r['of']:6} {r['killed']:7} {r['timeout']:8} "
                       f"{r['survived']:9} {r['not_run']:8} {r['equivalent']:7} {pct(r):>9} "
                       f"{pct(r, without_equivalent=True):>10}")
    out += ["", "Killed counts timeouts; % killed = (killed + timeout) / mutants; 'not run': no test of the module "
                "executes the line (survived without a run); 'equivalent': survivors listed in "
                "benchmarks/mutants_equivalent.txt, each with why no test can catch it (the last column leaves "
                "them out of the count)."]
    out.append("Test files per module, run unmutated (at once with another run, as the mutants are):")
    for sel in result["selections"]:
        out.append(f"{'- ' if markdown else '  '}{', '.join(sel['modules'])}: {', '.join(sel['files'])} "
                   f"({sel['tests']} tests, {sel['seconds']} s)")
    if result["skipped"]:
        out.append("Skipped, no such module: " + ", ".join(result["skipped"]) + ".")
    if result["failing_unmutated"]:
        out.append("Failing unmutated (left out of every run): " + ", ".join(result["failing_unmutated"]) + ".")
    survivors = [m for m in result["mutants"] if m["status"] == "survived"]
    listed = equivalents()
    out += ["", f"Survivors ({len(survivors)}):", ""]
    for m in survivors:
        where = f"{m['module']}:{m['line']}"
        why = _equivalent(m, listed)
        mark = ("" if m["covered"] else " [not run]") + (f" [equivalent: {why}]" if why else "")
        if markdown:
            out.append(f"- `{where}` {m['mutation']}{mark} — `{m['original']}`")
        else:
            out.append(f"{where:42} {m['mutation'] + mark:52} | {m['original']}")
    errors = [m for m in result["mutants"] if m["status"] == "error"]
    if errors:
        out += ["", f"Errors ({len(errors)}): pytest could not run (usage error or no test collected):"]
        out += [f"{m['module']}:{m['line']} {m['mutation']}\n{m['detail']}" for m in errors]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description="Mutation testing of dx_metrics (see the module docstring).")
    ap.add_argument("--modules", nargs="+", default=DEFAULT_MODULES, metavar="GLOB",
                    help="module globs relative to --src, {a,b} and ** allowed (default: dx_metrics/**/*.py, "
                         "every module of the package)")
    ap.add_argument("--limit", type=int, default=0, help="at most N mutants per module, drawn at random (0: all)")
    ap.add_argument("--seed", type=int, default=14, help="seed of the --limit draw")
    ap.add_argument("--jobs", type=int, default=2, help="mutants run at once, each in its own copy of the tree")
    ap.add_argument("--out", action="append", metavar="FILE",
                    help="write the report here too: markdown, or JSON when the name ends in .json (repeatable)")
    ap.add_argument("--src", default=str(HERE.parent), help="the tree to mutate (it is copied, never written)")
    ap.add_argument("--run-uncovered", action="store_true",
                    help="run the mutants of lines that no test executes too (they are counted survived otherwise)")
    ap.add_argument("--list", action="store_true", help="list the mutants that would run, and stop")
    ap.add_argument("--keep", action="store_true", help="keep the temporary copies, logs and line traces")
    args = ap.parse_args()
    result = run(args)
    if not result:
        return
    print()
    print(report_text(result, markdown=False))
    for out in map(Path, args.out or []):
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix == ".json":
            out.write_text(json.dumps(result, indent=1, ensure_ascii=False), "utf-8")
        else:
            out.write_text(report_text(result, markdown=True) + "\n", "utf-8")
        print(f"report written to {out}")


if __name__ == "__main__":
    main()
