"""Plan files (``params/*.yaml``) loaded into typed objects, with errors that name the key.

Format (see params/README.md for the full description):

    id: baclieu_dot_2023
    title: Kế hoạch chuyển đổi số năm 2023 ...
    legal_reference: KH 37/KH-SGTVT ngày 23/11/2022
    unit: baclieu_dot              # unit_id of the unit registry (dx_metrics/reference/units.csv or a workspace units.csv)
    year: 2023
    inputs:                        # exports the plan is evaluated from (relative to the data folder)
      - {path: raw/sgtvt_baclieu_mot_cua_2023.xlsx, kind: dossiers}
    targets:
      - indicator: work_records_online_share   # an id from dx_metrics/indicators/registry.yaml
        comparator: ">="
        value: 30%                 # "30%", 0.3 and 30 mean the same for a share
        owner: baclieu_dot_office
    tasks:
      - {id: T01, title: ..., owner: baclieu_dot_office, deadline: 2023-12-31, status: in_progress}
"""
from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from dx_metrics import safe_yaml
from dx_metrics.errors import DxDataError, Problem
from dx_metrics.registry import indicator_ids, indicator
from dx_metrics.canonical import KINDS
from dx_metrics.ingest.values import number_from_text

COMPARATORS = (">=", "<=", "==")
TASK_STATUSES = ("not_started", "in_progress", "done")


class DxPlanError(DxDataError):
    """A plan file that cannot be used as written; each problem names the key path."""


@dataclass(frozen=True)
class Target:
    indicator_id: str
    comparator: str
    value: float
    written: str                      # the value as the planner wrote it
    owner_unit: str | None = None
    unit_id: str | None = None        # the unit measured, when not the plan's unit
    baseline_year: int | None = None
    baseline_value: float | None = None
    horizons: dict[int, float] = field(default_factory=dict)
    note: str | None = None


@dataclass(frozen=True)
class Task:
    task_id: str
    title: str
    owner_unit: str | None
    deadline: dt.date | None
    status: str
    completed_on: dt.date | None = None


@dataclass(frozen=True)
class Input:
    path: str
    kind: str
    sheet: str | None = None
    period: str | None = None
    index: str | None = None     # index tables: the catalogue id, when the file does not name it
    compare: bool = False        # another source for the same figures: reviewed against the others, not counted


@dataclass(frozen=True)
class Plan:
    plan_id: str
    title: str
    legal_reference: str | None
    unit_id: str
    year: int
    targets: tuple[Target, ...]
    tasks: tuple[Task, ...]
    inputs: tuple[Input, ...]
    path: Path | None = None
    quality: dict = field(default_factory=dict, hash=False)   # the review's thresholds that differ from the defaults


class _Checker:
    """Collects plan problems by key path. The schema's findings come first; a later check
    of a key (or of anything under it) that the schema already refused is not repeated."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.refused: set[str] = set()

    def bad(self, key: str, message: str, hint: str | None = None, value: object = None) -> None:
        if any(key == k or key.startswith(k + ".") or key.startswith(k + "[") for k in self.refused):
            return
        self.problems.append(Problem(file=self.path.name, column=key, message=message, reason="plan",
                                     hint=hint, value=value if value is None else _short(value)))

    def schema(self, raw: object) -> None:
        """Every finding of the plan's JSON Schema (types, keys, names), by key path. A plan
        the schema passed before (the same content and schema: a run checks the plan before
        its notebook's kernel reads it again) is not checked twice: importing jsonschema
        costs a report about a second (its format checkers' grammars)."""
        marker = _schema_passed(raw)
        if marker is not None and marker.is_file():
            return
        errors = sorted(_validator().iter_errors(raw), key=lambda e: [str(p) for p in e.absolute_path])
        if not errors and marker is not None:
            with contextlib.suppress(OSError):
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
        for e in errors:
            for key, message, hint, value in _schema_problem(e, raw):
                if key not in self.refused:
                    self.problems.append(Problem(file=self.path.name, column=key or None, message=message,
                                                 reason="plan", hint=hint, value=value))
                    self.refused.add(key)

    def text(self, d: dict, key: str, where: str, *, required: bool = True) -> str | None:
        v = d.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            if required:
                self.bad(f"{where}{key}", "is missing", f"add '{key}:' to the plan")
            return None
        return str(v).strip()


@lru_cache(maxsize=1)
def plan_schema() -> dict:
    """The plan format as a JSON Schema (``dx_metrics/plans/plan.schema.json``)."""
    return json.loads(resources.files("dx_metrics.plans").joinpath("plan.schema.json").read_text("utf-8"))


def _schema_passed(raw: object) -> Path | None:
    """Where a plan content that passed the schema is marked (in the parse cache; None when
    the cache is off)."""
    from dx_metrics.ingest.cache import cache_dir

    folder = cache_dir()
    if folder is None:
        return None
    try:
        text = json.dumps([raw, plan_schema()], sort_keys=True, default=str)
    except TypeError:           # keys of several types in one mapping ({2025: .., abc: ..}): no marker
        return None
    key = hashlib.sha256(text.encode()).hexdigest()[:32]
    return folder / "plans_schema_ok" / key


@lru_cache(maxsize=1)
def _validator():
    import jsonschema

    return jsonschema.Draft202012Validator(plan_schema())


def _key_path(parts, root: object) -> str:
    """"targets[0].horizons.2030": a list's items by position, a mapping's by key (a year
    written 2030 is an int key, spelt as the code's own checks spell it)."""
    out, node = "", root
    for p in parts:
        out += f"[{p}]" if isinstance(node, list) else (f".{p}" if out else str(p))
        try:
            node = node[p]
        except (KeyError, IndexError, TypeError):
            node = None
    return out


def _short(value: object, limit: int = 80) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _schema_problem(e, root: object) -> list[tuple[str, str, str | None, str | None]]:
    """(key path, message, hint, value) for one schema finding, in the plan's words."""
    where = _key_path(e.absolute_path, root)
    sub = e.schema if isinstance(e.schema, dict) else {}
    if e.validator == "required":
        missing = [k for k in e.validator_value if isinstance(e.instance, dict) and k not in e.instance]
        props = sub.get("properties", {})
        return [(_key_path([*e.absolute_path, k], root), "is missing",
                 props.get(k, {}).get("x-hint") or f"add '{k}:' to the plan", None) for k in missing]
    if e.validator == "additionalProperties" and isinstance(e.instance, dict):
        allowed = sorted(sub.get("properties", {}))
        extra = sorted((k for k in e.instance if k not in allowed), key=str)
        return [(_key_path([*e.absolute_path, str(k)], root), "is not a known key",
                 f"known keys here: {', '.join(allowed)}", None) for k in extra]
    if e.validator == "propertyNames":
        return [(where, f"{_short(e.instance)} has a key that is not a year", sub.get("x-hint"), None)]
    noun = sub.get("title") or "valid here"
    value = e.instance
    shown = _short(value) if not isinstance(value, (dict, list)) else ("a list" if isinstance(value, list) else
                                                                      "a mapping")
    if isinstance(value, str):
        shown = repr(_short(value))
    return [(where, f"{shown} is not {noun}", sub.get("x-hint"), None if isinstance(value, (dict, list))
             else _short(value))]


def target_value(raw: object, unit: str) -> float | None:
    """A target as planners write it: for a share "90%", 0.9 and 90 all mean 0.9."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        try:
            num, pct = float(raw), False
        except OverflowError:
            return None
    elif isinstance(raw, str):
        num, pct = number_from_text(raw)
        if num is None:
            return None
    else:
        return None
    if not math.isfinite(num):
        return None
    if unit == "share" and (pct or num > 1):
        num /= 100.0
    elif pct:
        return None
    return num


def _date(c: _Checker, v: object, key: str) -> dt.date | None:
    if v is None or v == "":
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(str(v).strip(), fmt).date()
        except ValueError:
            continue
    c.bad(key, f"{v!r} is not a date", "write 2023-12-31 or 31/12/2023", v)
    return None


def _targets(c: _Checker, raw: object) -> list[Target]:
    if raw is None:
        return []
    if not isinstance(raw, list):      # the schema has said so
        return []
    known = set(indicator_ids())
    out = []
    seen: set[tuple[str, str | None]] = set()
    for i, t in enumerate(raw):
        if not isinstance(t, dict):    # the schema has said so
            continue
        target = _target(c, t, f"targets[{i}].", known)
        if target is None:
            continue
        key = (target.indicator_id, t.get("unit"))
        if key in seen:
            c.bad(f"targets[{i}].indicator", f"{target.indicator_id!r} has a target already",
                  "keep one target per indicator and unit", target.indicator_id)
            continue
        seen.add(key)
        out.append(target)
    return out


def _target(c: _Checker, t: dict, where: str, known: set[str]) -> Target | None:
    """One target as written, or None with its problems collected."""
    iid = c.text(t, "indicator", where)
    if iid and iid not in known:
        close = difflib.get_close_matches(iid, sorted(known), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        c.bad(f"{where}indicator", f"unknown indicator {iid!r}",
              hint + "ids are listed by 'dx-metrics indicators' (dx_metrics/indicators/registry.yaml)", iid)
        iid = None
    comp = str(t.get("comparator", ">=")).strip()
    if comp not in COMPARATORS:
        c.bad(f"{where}comparator", f"{comp!r} is not a comparator", "use >=, <= or ==", comp)
    if "value" not in t:
        c.bad(f"{where}value", "is missing", "add 'value: 90%'")
        return None
    if iid is None or comp not in COMPARATORS:
        return None
    unit = indicator(iid)["unit"]
    if unit == "count" and isinstance(t["value"], float):
        c.bad(f"{where}value", f"{t['value']!r} has a decimal point, but {iid} is a count",
              "write a whole number (150000), or quote Vietnamese thousands: '150.000'", t["value"])
        return None
    value = target_value(t["value"], unit)
    if value is None:
        c.bad(f"{where}value", f"{t['value']!r} is not a target value", _VALUE_HINT, t["value"])
        return None
    path = _path_over_years(c, t, where, unit)
    if path is None:
        return None
    horizons, baseline_year, baseline_value = path
    return Target(iid, comp, value, str(t["value"]), t.get("owner"), t.get("unit"), baseline_year, baseline_value,
                  horizons, t.get("note"))


def _is_year(key: object) -> bool:
    """A horizon's year as YAML gives it: 2030 (an int) or "2030"; 1900–2099, as the schema's pattern."""
    if isinstance(key, str):
        return re.fullmatch(r"(19|20)[0-9]{2}", key) is not None
    return isinstance(key, int) and not isinstance(key, bool) and 1900 <= key <= 2099


_VALUE_HINT = "write a number: 90%, 0.9 or 90 for a share; a whole number for a count"


def _path_over_years(c: _Checker, t: dict, where: str, unit: str) -> tuple[dict, int | None, float | None] | None:
    """A target's horizons ({2025: 0.8}) and baseline (year, value), or None when they are
    written so that neither can be used. Their shapes (a map of years; a year and a value)
    are the schema's to judge; here, whether each value is one in the indicator's unit
    (a "40%" for a count is not)."""
    raw_horizons, baseline = t.get("horizons"), t.get("baseline")
    if (raw_horizons is not None and not isinstance(raw_horizons, dict)) or \
            (baseline is not None and not isinstance(baseline, dict)):
        return None                                         # the schema has said so
    horizons = {}
    for year, hv in (raw_horizons or {}).items():
        parsed = target_value(hv, unit)
        if not _is_year(year):      # the schema's pattern sees text keys only: 2150, true, ~ are judged here
            c.bad(f"{where}horizons.{year}", "is not a year (1900–2099)", "write 'horizons: {2025: 80%, 2030: 100%}'",
                  year)
        elif parsed is None:
            c.bad(f"{where}horizons.{year}", f"{hv!r} is not a target value for a year", _VALUE_HINT, hv)
        else:
            horizons[int(year)] = parsed
    baseline = baseline or {}
    b_value = target_value(baseline["value"], unit) if "value" in baseline else None
    if "value" in baseline and b_value is None:
        c.bad(f"{where}baseline.value", f"{baseline['value']!r} is not a value for this indicator", _VALUE_HINT,
              baseline["value"])
    if baseline and (not isinstance(baseline.get("year"), int) or b_value is None):
        return None                                         # a missing year or value: the schema has said so
    return horizons, baseline.get("year"), b_value


def _tasks(c: _Checker, raw: object) -> list[Task]:
    if raw is None:
        return []
    if not isinstance(raw, list):      # the schema has said so
        return []
    out, seen = [], set()
    for i, t in enumerate(raw):
        where = f"tasks[{i}]."
        if not isinstance(t, dict):    # the schema has said so
            continue
        tid, title = c.text(t, "id", where), c.text(t, "title", where)
        status = str(t.get("status", "not_started")).strip()      # one of TASK_STATUSES, or the schema has said so
        if tid in seen:
            c.bad(f"{where}id", f"task id {tid!r} is used twice", "give each task its own id", tid)
        seen.add(tid)
        deadline = _date(c, t.get("deadline"), f"{where}deadline")
        completed = _date(c, t.get("completed_on"), f"{where}completed_on")
        if tid and title and status in TASK_STATUSES:
            out.append(Task(tid, title, t.get("owner"), deadline, status, completed))
    return out


def _inputs(c: _Checker, raw: object) -> list[Input]:
    out = []
    if not isinstance(raw, list):
        return out
    for i, d in enumerate(raw):
        if not isinstance(d, dict) or "path" not in d:     # the schema has said so
            continue
        kind = d.get("kind")
        if kind not in KINDS:                               # the schema's list of kinds has said so
            continue
        index = d.get("index")
        if index is not None:
            from dx_metrics.ingest import indexes
            try:
                index = indexes.resolve(str(index))
            except ValueError as e:
                c.bad(f"inputs[{i}].index", str(e).split(";")[0], "use one of: " + indexes.listing(), index)
                continue
            if kind != "index_scores":
                c.bad(f"inputs[{i}].index", "is only for index_scores inputs", "remove it, or set kind: index_scores",
                      index)
                continue
        compare = d.get("compare", False)
        if compare and kind != "dossiers":
            c.bad(f"inputs[{i}].compare", "is only for dossiers inputs (one-stop figures from another source)",
                  "remove it", compare)
            continue
        out.append(Input(str(d["path"]), kind, d.get("sheet"), None if d.get("period") is None else str(d["period"]),
                         index, bool(compare)))
    return out


def _registered_units(c: _Checker, raw: dict) -> None:
    """The plan's unit, each target's owner and measured unit, and each task's owner must be
    unit ids of the registry in force (bundled, or with the workspace's units.csv)."""
    from dx_metrics.units import REGISTRY_HINT, load_units

    known = set(load_units()["unit_id"])
    keys = [("unit", raw.get("unit"))]
    for name, fields in (("targets", ("owner", "unit")), ("tasks", ("owner",))):
        items = raw.get(name)
        for i, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                keys += [(f"{name}[{i}].{f}", item.get(f)) for f in fields]
    for key, value in keys:
        if isinstance(value, str) and value.strip() and value.strip() not in known:
            close = difflib.get_close_matches(value.strip(), sorted(known), n=1)
            hint = (f"did you mean {close[0]!r}? " if close else "") + f"a unit_id of the registry; {REGISTRY_HINT}"
            c.bad(key, f"{value!r} is not in the unit registry", hint, value)


def load_plan(path: str | Path) -> Plan:
    """Read a plan file safely; ``DxPlanError`` lists every problem with its key path.

    The file is read with limits (size, alias expansion; ``dx_metrics.safe_yaml``), checked
    against the plan schema (``plan.schema.json``: every key's type), then against what a
    schema cannot know: indicator ids in the registry, values in the indicator's unit,
    real dates, duplicates."""
    path = Path(path)
    c = _Checker(path)

    def refuse(message: str, *, row: int | None = None, hint: str | None = None) -> DxPlanError:
        return DxPlanError([Problem(file=path.name, row=row, message=message, reason="plan", hint=hint)])

    try:
        raw = safe_yaml.load_file(path)
    except FileNotFoundError:
        raise refuse(f"the plan file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise refuse("is a folder, not a plan file") from None
    except OSError as e:
        raise refuse(f"cannot be read ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise refuse("is not UTF-8 text", hint="save the plan as UTF-8 (the encoding of every YAML file)") from None
    except safe_yaml.YamlLimitError as e:
        raise refuse(f"cannot be read: {e}", row=e.line,
                     hint="a plan needs no aliases (*name); write the values out") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise refuse(f"is not valid YAML ({getattr(e, 'problem', None) or e})", row=mark.line + 1 if mark else None,
                     hint="check the indentation and quotes on that line") from None
    if not isinstance(raw, dict):
        raise refuse("must be a mapping of keys (id, unit, year, targets …)")
    c.schema(raw)
    plan_id = c.text(raw, "id", "")
    title = c.text(raw, "title", "")
    unit = c.text(raw, "unit", "")
    year = raw.get("year")     # an integer 2000-2100: the schema refuses anything else
    targets, tasks, inputs = _targets(c, raw.get("targets")), _tasks(c, raw.get("tasks")), _inputs(c, raw.get("inputs"))
    _registered_units(c, raw)
    if c.problems:
        raise DxPlanError(c.problems)
    return Plan(plan_id, title, raw.get("legal_reference"), unit, year, tuple(targets), tuple(tasks),
                tuple(inputs), path.resolve(), quality=raw.get("quality") or {})
