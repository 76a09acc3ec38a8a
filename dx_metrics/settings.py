"""The ``DX_METRICS_*`` environment variables: each one's name, type, allowed values, default
and meaning, read and checked in one place.

A value is read when it is used (``value(name)``), never when a module is imported, so a bad
value fails the one thing that needs it, with a ``SettingError`` that names the variable, the
value as set and what would be accepted. An empty value counts as not set (``VAR= command``).
``check_all`` reads every variable at once (the command line does, before any work), and
``unknown`` lists ``DX_METRICS_*`` names that no setting has (a typo is otherwise ignored).

>>> value("DX_METRICS_MAX_CELLS", {"DX_METRICS_MAX_CELLS": "2_000_000"})
2000000
>>> value("DX_METRICS_ENGINE", {})
'duckdb'
>>> value("DX_METRICS_REVIEW_RECORDS", {"DX_METRICS_REVIEW_RECORDS": "-5x"})
Traceback (most recent call last):
...
dx_metrics.settings.SettingError: DX_METRICS_REVIEW_RECORDS='-5x' is not a whole number: expected a whole number ≥ 0 (how many dossier records kept in Parquet the data quality review reads into memory; default 5000000)
"""
from __future__ import annotations

import contextlib
import difflib
import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass

PREFIX = "DX_METRICS_"
OFF = "off"


class SettingError(ValueError):
    """A ``DX_METRICS_*`` variable holds a value dx_metrics cannot use."""

    def __init__(self, name: str, value: str, problem: str, setting: Setting) -> None:
        self.name, self.value = name, value
        super().__init__(f"{name}={value!r} {problem}: expected {setting.expected} "
                         f"({setting.meaning}; default {setting.shown_default})")


@dataclass(frozen=True)
class Setting:
    name: str
    expected: str                       # what is accepted, as a person reads it
    default: object
    meaning: str                        # one line: what it changes
    parse: Callable[[str, Setting], object]   # the value as set (stripped, not empty) -> the value used; raises ValueError
    shown_default: str = ""

    def read(self, env: Mapping[str, str]) -> object:
        raw = env.get(self.name)
        if raw is None or not raw.strip():
            return self.default
        try:
            return self.parse(raw.strip(), self)
        except ValueError as e:
            raise SettingError(self.name, raw, str(e), self) from None


def _whole(low: int, high: int) -> Callable[[str, Setting], int]:
    def parse(text: str, _s: Setting) -> int:
        if re.fullmatch(r"\d{1,3}([.,]\d{3})+", text):
            raise ValueError(f"has thousands separators (write {re.sub(r'[.,]', '', text)})")
        if not re.fullmatch(r"[+-]?\d+(_\d+)*", text):
            raise ValueError("is not a whole number")
        n = int(text)
        if n < low:
            raise ValueError(f"is less than {low}")
        if n > high:
            raise ValueError(f"is more than {high}")
        return n
    return parse


def _choice(*allowed: str) -> Callable[[str, Setting], str]:
    def parse(text: str, _s: Setting) -> str:
        if text.lower() not in allowed:
            raise ValueError(f"is not one of {', '.join(allowed)}")
        return text.lower()
    return parse


def _path_or_off(text: str, _s: Setting) -> str:
    """A path, or ``off`` (in lower case). Whether the path can be used is for its user to find
    out when it tries (the cache and the history store fall back with a note, never a failed report)."""
    return OFF if text.lower() == OFF else text


_MEMORY = re.compile(r"(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib|k|m|g|t|%)", re.IGNORECASE)
_BYTES = {"b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
MIN_DUCKDB_MEMORY = 64_000_000     # below this DuckDB cannot allocate its first buffers


def _memory(text: str, _s: Setting) -> str:
    """A size DuckDB reads as ``memory_limit`` ("2GB", "512MiB", "1.5 GB", "80%"), written
    without spaces; DuckDB itself takes "-1GB" as no limit and "10KB" as a limit it cannot work in."""
    m = _MEMORY.fullmatch(text)
    if m is None:
        raise ValueError("is not a memory size")
    number, unit = float(m.group(1)), m.group(2).lower()
    if unit == "%":
        if not 1 <= number <= 100:
            raise ValueError("is outside 1–100 %")
    elif number * _BYTES[unit] < MIN_DUCKDB_MEMORY:
        raise ValueError("is less than 64MB, too little for DuckDB to work in")
    return f"{m.group(1)}{m.group(2)}"


def _iso_date(text: str, _s: Setting):
    import datetime as dt

    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise ValueError("is not a date written YYYY-MM-DD")


_MASTERS = ("local", "spark://", "yarn", "k8s://", "mesos://")
SPARK_MODULES = ("pyspark", "sqlglot")     # the [spark] extra: not in a `make report` install


def missing_spark() -> str | None:
    """What the Spark engine lacks on this machine, said with the install that gives it; None when
    PySpark and SQLGlot are installed (found, not imported: importing PySpark takes seconds)."""
    import importlib.util

    lacking = [m for m in SPARK_MODULES if importlib.util.find_spec(m) is None]
    if not lacking:
        return None
    return (f"needs {' and '.join(lacking)}, which {'is' if len(lacking) == 1 else 'are'} not installed here: "
            "install the spark extra (pip install -e '.[spark]' in the project folder, or "
            "pip install 'dx_metrics[spark]'; Java 17 on the machine), or count with duckdb")


def _engine(text: str, s: Setting) -> str:
    engine = _choice("duckdb", "spark")(text, s)
    if engine == "spark" and (problem := missing_spark()):
        raise ValueError(f"is the Spark engine, which {problem}")
    return engine


def _spark_master(text: str, _s: Setting) -> str:
    """A Spark master URL as ``spark-submit --master`` takes it."""
    if re.fullmatch(r"local(\[(\*|\d+)(,\s*\d+)?\])?", text) or text == "yarn" or \
            re.fullmatch(r"(spark|k8s|mesos)://\S+", text):
        return text
    raise ValueError("is not a Spark master URL")


SETTINGS: dict[str, Setting] = {s.name: s for s in (
    Setting("DX_METRICS_MAX_CELLS", "a whole number ≥ 1", 5_000_000,
            "the cell budget of a workbook, rows × columns of the sheets read; a workbook beyond it is refused",
            _whole(1, 10**10), "5000000"),
    Setting("DX_METRICS_MAX_XML_BYTES", "a whole number ≥ 1", 1 << 30,
            "the bytes of XML an .xlsx may unzip to; a workbook beyond it is refused before it is read",
            _whole(1, 10**13), "1073741824 (1 GiB)"),
    Setting("DX_METRICS_READ_MEMORY", "a whole number ≥ 268435456", 4 << 30,
            "the memory (bytes of address space) of the child process that reads an .xls, .xlsb or .ods file",
            _whole(1 << 28, 10**13), "4294967296 (4 GiB)"),
    Setting("DX_METRICS_RECORD_DATES_FROM", "a date written YYYY-MM-DD", None,
            "the first day a dossier record may carry", _iso_date, "2000-01-01"),
    Setting("DX_METRICS_RECORD_DATES_UNTIL", "a date written YYYY-MM-DD", None,
            "the last day a dossier record may carry", _iso_date, "today + 1 year"),
    Setting("DX_METRICS_REVIEW_RECORDS", "a whole number ≥ 0", 5_000_000,
            "how many dossier records kept in Parquet the data quality review reads into memory",
            _whole(0, 10**12), "5000000"),
    Setting("DX_METRICS_DUCKDB_MEMORY", 'a memory size such as "2GB", "512MiB" or "50%", at least 64MB', None,
            "the memory DuckDB may use for dossier records before it spills to disk", _memory,
            "none for counting, 1GB for the checks"),
    Setting("DX_METRICS_ENGINE", "duckdb or spark", "duckdb",
            "the engine that counts dossier records kept in Parquet", _engine, "duckdb"),
    Setting("DX_METRICS_SPARK_MASTER", 'a Spark master URL: "local[*]", "local[4]", "spark://host:7077", "yarn" '
            'or "k8s://..."', "local[*]", "the Spark cluster that counts records when DX_METRICS_ENGINE=spark",
            _spark_master, "local[*]"),
    Setting("DX_METRICS_CACHE", 'a folder, or "off"', None,
            "where parsed exports are cached as Parquet (off: no cache)", _path_or_off,
            "~/.cache/dx_metrics, or $XDG_CACHE_HOME/dx_metrics"),
    Setting("DX_METRICS_CACHE_MAX_BYTES", "a whole number ≥ 0", 1 << 30,
            "the bytes the cache of parsed exports may hold; past it the entries used least recently go first",
            _whole(0, 10**15), "1073741824 (1 GiB)"),
    Setting("DX_METRICS_HISTORY", 'a file path, or "off"', None,
            "the history store of runs (off: nothing is recorded)", _path_or_off,
            "data/history.duckdb of the workspace"),
    Setting("DX_METRICS_LANG", "vi or en", None,
            "the language the command line speaks (messages, help); --lang on a command wins",
            _choice("vi", "en"), "lang: of dx-workspace.yaml, else vi"),
)}


# the settings a dx_metrics.context.Context puts in force for a block (None: the environment's)
_IN_FORCE: ContextVar[Mapping[str, str] | None] = ContextVar("dx_metrics_settings", default=None)


def value(name: str, env: Mapping[str, str] | None = None):
    """The value of the setting ``name`` in ``env`` (default: the settings in force, ``in_force``,
    else this process's environment), its default when unset or empty; ``SettingError`` when
    set to something it cannot be."""
    if name not in SETTINGS:
        raise KeyError(f"{name} is not a dx_metrics setting (settings: {', '.join(SETTINGS)})")
    return SETTINGS[name].read(_environment() if env is None else env)


def _environment() -> Mapping[str, str]:
    given = _IN_FORCE.get()
    return os.environ if given is None else given


def snapshot(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The ``DX_METRICS_*`` variables of ``env`` (default: the environment, now)."""
    return {k: v for k, v in (os.environ if env is None else env).items() if k.startswith(PREFIX)}


@contextlib.contextmanager
def in_force(values: Mapping[str, str]) -> Iterator[None]:
    """``values`` (``DX_METRICS_*`` -> text) are the settings for a block, whatever the
    environment says meanwhile; what was in force before is back after it."""
    token = _IN_FORCE.set(dict(values))
    try:
        yield
    finally:
        _IN_FORCE.reset(token)


def check_all(env: Mapping[str, str] | None = None) -> dict[str, object]:
    """Every setting's value; ``SettingError`` for the first one set to something it cannot be."""
    return {name: value(name, env) for name in SETTINGS}


def unknown_names(env: Mapping[str, str] | None = None) -> list[str]:
    """The ``DX_METRICS_*`` variables set that no setting has (a typo, most likely)."""
    env = os.environ if env is None else env
    return sorted(n for n in env if n.startswith(PREFIX) and n not in SETTINGS)


def unknown(env: Mapping[str, str] | None = None) -> list[str]:
    """One line per ``DX_METRICS_*`` variable that is set but is no setting (a typo, most likely)."""
    env = os.environ if env is None else env
    out = []
    for name in sorted(n for n in env if n.startswith(PREFIX) and n not in SETTINGS):
        close = difflib.get_close_matches(name, list(SETTINGS), n=1, cutoff=0.85)
        out.append(f"{name} is not a dx_metrics setting, and is ignored"
                   + (f" (did you mean {close[0]}?)" if close else f" (settings: {', '.join(SETTINGS)})"))
    return out
