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
from dx_metrics.errors import WARNING, DxDataError, Problem, problem_templates
from dx_metrics.registry import indicator_ids, indicator
from dx_metrics.canonical import KINDS
from dx_metrics.ingest.values import number_from_text
from dx_metrics.text import fold

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

    def __init__(self, path: Path, lines: dict[tuple, int] | None = None) -> None:
        self.path = path
        self.lines = lines or {}          # the line of each key path (safe_yaml.load_located)
        self.problems: list[Problem] = []
        self.refused: set[str] = set()

    def bad(self, at: str, code: str, hint_code: str | None = None, value: object = None, /, **params) -> None:
        """A problem at key path ``at``: what it says is ``code`` of problems.yaml with ``params``."""
        if any(at == k or at.startswith(k + ".") or at.startswith(k + "[") for k in self.refused):
            return
        self.problems.append(_problem(self.path, code, hint_code, column=at,
                                      value=value if value is None else _short(value), **params))

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
        found = [f for e in errors for f in _schema_problem(e, raw, self.lines)]
        # a misspelt key ("valeu") is said once, with its likely meaning, not again as "value is missing"
        missing = {key for key, code, _, _, _ in found if code == "plan_key_missing"}
        meant = missing & {key[: len(key) - len(params["key"])] + params["suggestion"]
                           for key, code, params, _, _ in found if code == "plan_unknown_key" and "suggestion" in params}
        self.refused |= meant
        for key, code, params, hint_code, value in found:
            if key not in self.refused:
                self.problems.append(_problem(self.path, code, hint_code, column=key or None, value=value, **params))
                self.refused.add(key)

    def text(self, d: dict, key: str, where: str, *, required: bool = True) -> str | None:
        v = d.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            if required:
                self.bad(f"{where}{key}", "plan_key_missing", "plan_add_key", key=key)
            return None
        return str(v).strip()


def _problem(path: Path, code: str, hint_code: str | None = None, /, *, column: str | None = None, row: int | None = None,
             value: object = None, severity: str = "error", **params) -> Problem:
    """A plan problem said by its code (problems.yaml) with its figures; its English message and
    hint are filled in from the code (``Problem.say("en")``)."""
    return Problem(file=path.name, message="", reason="plan", severity=severity, column=column, row=row, value=value,
                   code=code, params=params, hint_code=hint_code)


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


def _shown(value: object) -> str:
    """A value as a message shows it: text in quotes ('twenty'), anything else as Python writes it."""
    return repr(_short(value)) if isinstance(value, str) else _short(value)


def _term(node: object) -> dict:
    """The noun a schema node stands for ("a year" / "năm"), by its ``x-term`` (problems.yaml, plan_terms)."""
    code = node.get("x-term") if isinstance(node, dict) else None
    term = problem_templates()["plan_terms"][code or "valid_here"]
    return {"noun": term["en"], "noun_vi": term["vi"]}


def _hint_of(node: object) -> tuple[str | None, dict]:
    """A schema node's hint code and the figures it needs (the node's keys)."""
    if not isinstance(node, dict) or "x-hint-code" not in node:
        return None, {}
    return node["x-hint-code"], {"keys": ", ".join(node.get("properties", {}))}


def _schema_problem(e, root: object, lines: dict[tuple, int]) -> list[tuple[str, str, dict, str | None, object]]:
    """(key path, code, params, hint code, value) for one schema finding, in the plan's words."""
    where = _key_path(e.absolute_path, root)
    sub = e.schema if isinstance(e.schema, dict) else {}
    if e.validator == "required":
        missing = [k for k in e.validator_value if isinstance(e.instance, dict) and k not in e.instance]
        props = sub.get("properties", {})
        out = []
        for k in missing:
            hint, params = _hint_of(props.get(k))
            out.append((_key_path([*e.absolute_path, k], root), "plan_key_missing", {**params, "key": k},
                        hint or "plan_add_key", None))
        return out
    if e.validator == "additionalProperties" and isinstance(e.instance, dict):
        return _unknown_keys(e, root, lines, list(sub.get("properties", {})))
    if e.validator == "propertyNames":
        hint, params = _hint_of(sub)
        return [(where, "plan_key_not_a_year", {**params, "shown": _short(e.instance)}, hint, None)]
    hint, params = _hint_of(sub)
    params.update(_term(sub))
    value = e.instance
    if isinstance(value, (dict, list)):
        return [(where, "plan_list_is_not" if isinstance(value, list) else "plan_mapping_is_not", params, hint, None)]
    return [(where, "plan_value_is_not", {**params, "shown": _shown(value)}, hint, _short(value))]


def _unknown_keys(e, root: object, lines: dict[tuple, int], allowed: list[str]) -> list[tuple]:
    """Keys the schema does not know at a place: a text cut at a comma in a one-line mapping
    (``{title: Rà soát, tái cấu trúc, owner: …}``), said once at the text's own key; a key of
    another place (a wrong indentation); a misspelt key, with the closest known one."""
    d, path = e.instance, list(e.absolute_path)
    keys = list(d)
    extra = [k for k in keys if k not in allowed]
    out, cut = [], set()
    for text_key, pieces in _cut_texts(d, path, lines, allowed).items():
        cut.update(pieces)
        whole = ", ".join([str(d[text_key]).strip(), *(_piece(k, d[k]) for k in pieces)])
        quote = "'" if '"' in whole else '"'
        out.append((_key_path([*path, text_key], root), "plan_cut_at_comma",
                    {"piece": _piece(pieces[0], d[pieces[0]]), "field": text_key,
                     "quoted_text": f"{quote}{whole}{quote}"}, "plan_quote_text", None))
    shown = ", ".join(sorted(allowed))
    for k in sorted((k for k in extra if k not in cut), key=str):
        key = _key_path([*path, str(k)], root)
        place = _other_place(str(k), e.schema)
        if place is not None:
            out.append((key, "plan_unknown_key", {"key": str(k), "keys": shown, **place}, "plan_key_belongs_elsewhere",
                        None))
            continue
        close = _closest(str(k), allowed)
        out.append((key, "plan_unknown_key", {"key": str(k), "keys": shown, **({"suggestion": close} if close else {})},
                    "plan_key_did_you_mean" if close else "plan_known_keys", None))
    return out


def _piece(key: object, value: object) -> str:
    """What a comma cut off, as the planner wrote it ("tái cấu trúc quy trình", or "a: b")."""
    return str(key) if value is None else f"{key}: {value}"


def _cut_texts(d: dict, path: list, lines: dict[tuple, int], allowed: list[str]) -> dict[str, list]:
    """Texts cut at a comma in a one-line mapping: {text key: [the keys its pieces became]}.
    A piece is an unknown key on the same line as the known key before it (or the piece before
    it), whose value is text; it holds a space or a letter beyond ASCII (words, not a key
    name), or has no value (``, b`` after a text)."""
    out: dict[str, list] = {}
    keys = list(d)
    owner = None
    for i, k in enumerate(keys):
        if k in allowed:
            owner = k if isinstance(d[k], (str, int, float)) and not isinstance(d[k], bool) else None
            continue
        previous = keys[i - 1] if i else None
        line, before = lines.get((*path, str(k))), lines.get((*path, str(previous)))
        wordy = isinstance(k, str) and (any(ch.isspace() for ch in k.strip()) or not k.isascii())
        if owner is None or previous is None or line is None or line != before or not (wordy or d[k] is None):
            owner = None
            continue
        out.setdefault(owner, []).append(k)
    return out


def _closest(word: str, choices: list[str]) -> str | None:
    """The choice closest to ``word`` (case aside), or None when none is close."""
    lower = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(word.strip().lower(), list(lower), n=1, cutoff=0.6)
    return lower[close[0]] if close else None


def _other_place(key: str, here: dict) -> dict | None:
    """Where else in a plan ``key`` is a key, when it is not one here: {"place", "place_vi"}."""
    schema = plan_schema()
    places = [(schema, "plan_top"), (schema["properties"]["targets"]["items"], "target"),
              (schema["properties"]["tasks"]["items"], "task"), (schema["properties"]["inputs"]["items"], "input")]
    for node, term in places:
        if node is not here and key in node.get("properties", {}):
            said = problem_templates()["plan_terms"][term]
            return {"place": said["en"], "place_vi": said["vi"]}
    return None


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
    hint, figures = _date_hint(str(v))
    c.bad(key, "plan_not_a_date", hint, v, shown=_shown(v), **figures)
    return None


def _date_hint(text: str) -> tuple[str, dict]:
    """How to write a date that is not one: a day past its month's end (2025-02-30) is told
    how many days the month has; anything else, the forms a date takes."""
    import calendar

    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*", text)
    n = re.fullmatch(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*", text)
    year, month, day = (m.groups() if m else n.groups()[::-1] if n else (0, 0, 0))
    year, month, day = int(year), int(month), int(day)
    if 1 <= month <= 12 and 1900 <= year <= 2100 and day > calendar.monthrange(year, month)[1]:
        days = calendar.monthrange(year, month)[1]
        return "plan_day_not_in_month", {"month": month, "year": year, "days": days,
                                         "last": dt.date(year, month, days).isoformat()}
    return "plan_write_date", {}


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
            c.bad(f"targets[{i}].indicator", "plan_target_twice", "plan_one_target_each", target.indicator_id,
                  shown=_shown(target.indicator_id))
            continue
        seen.add(key)
        out.append(target)
    return out


def _target(c: _Checker, t: dict, where: str, known: set[str]) -> Target | None:
    """One target as written, or None with its problems collected."""
    iid = c.text(t, "indicator", where)
    if iid and iid not in known:
        close = difflib.get_close_matches(iid, sorted(known), n=1)
        c.bad(f"{where}indicator", "plan_unknown_indicator",
              "plan_indicator_did_you_mean" if close else "plan_listed_indicators", iid, shown=_shown(iid),
              **({"suggestion": close[0]} if close else {}))
        iid = None
    comp = str(t.get("comparator", ">=")).strip()
    if comp not in COMPARATORS:
        c.bad(f"{where}comparator", "plan_not_a_comparator", "plan_use_comparator", comp, shown=_shown(comp))
    if "value" not in t:
        c.bad(f"{where}value", "plan_key_missing", "plan_add_value", key="value")
        return None
    if iid is None or comp not in COMPARATORS:
        return None
    unit = indicator(iid)["unit"]
    if unit == "count" and isinstance(t["value"], float):
        c.bad(f"{where}value", "plan_count_with_decimals", "plan_whole_count", t["value"], shown=_shown(t["value"]),
              indicator=iid)
        return None
    value = target_value(t["value"], unit)
    if value is None:
        c.bad(f"{where}value", "plan_not_a_target_value", "plan_write_value", t["value"], shown=_shown(t["value"]))
    elif not _a_share(c, f"{where}value", t["value"], value, unit):
        value = None
    path = _path_over_years(c, t, where, unit)      # its horizons and baseline are checked all the same
    if path is None or value is None:
        return None
    horizons, baseline_year, baseline_value = path
    return Target(iid, comp, value, str(t["value"]), t.get("owner"), t.get("unit"), baseline_year, baseline_value,
                  horizons, t.get("note"))


def _is_year(key: object) -> bool:
    """A horizon's year as YAML gives it: 2030 (an int) or "2030"; 1900–2099, as the schema's pattern."""
    if isinstance(key, str):
        return re.fullmatch(r"(19|20)[0-9]{2}", key) is not None
    return isinstance(key, int) and not isinstance(key, bool) and 1900 <= key <= 2099


def _a_share(c: _Checker, key: str, written: object, value: float, unit: str) -> bool:
    """Whether a value read for a share lies within 0–100 %; if not, it is refused at ``key``,
    with the share it likely meant when one digit too many is the likely slip (980 → 98 %)."""
    if unit != "share" or 0 <= value <= 1:
        return True
    if value < 0:
        c.bad(key, "plan_share_below_0", "plan_write_share", written, shown=_shown(written))
        return False
    percent, guess = round(value * 100, 6), None
    if percent.is_integer():
        guess = percent
        while guess > 100 and (guess / 10).is_integer():
            guess /= 10
        guess = int(guess) if guess <= 100 else None
    if guess is None:
        c.bad(key, "plan_share_over_100", "plan_write_share", written, shown=_shown(written))
    else:
        c.bad(key, "plan_share_typo", "plan_write_share", written, shown=_shown(written), guess=guess)
    return False


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
            c.bad(f"{where}horizons.{year}", "plan_horizon_not_a_year", "plan_write_horizons", year)
        elif parsed is None:
            c.bad(f"{where}horizons.{year}", "plan_not_a_horizon_value", "plan_write_value", hv, shown=_shown(hv))
        elif _a_share(c, f"{where}horizons.{year}", hv, parsed, unit):
            horizons[int(year)] = parsed
    baseline = baseline or {}
    b_value = target_value(baseline["value"], unit) if "value" in baseline else None
    if "value" in baseline and b_value is None:
        c.bad(f"{where}baseline.value", "plan_not_a_baseline_value", "plan_write_value", baseline["value"],
              shown=_shown(baseline["value"]))
    elif b_value is not None and not _a_share(c, f"{where}baseline.value", baseline["value"], b_value, unit):
        b_value = None
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
            c.bad(f"{where}id", "plan_task_id_twice", "plan_own_task_ids", tid, shown=_shown(tid))
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
            except ValueError:
                listed = indexes.catalogue().values()
                c.bad(f"inputs[{i}].index", "plan_unknown_index", "plan_use_index", index, shown=_shown(index),
                      indexes=", ".join(f"{ix.id} ({ix.name_en})" for ix in listed),
                      indexes_vi=", ".join(f"{ix.id} ({ix.name_vi})" for ix in listed))
                continue
            if kind != "index_scores":
                c.bad(f"inputs[{i}].index", "plan_index_only_for_scores", "plan_remove_or_index_kind", index)
                continue
        compare = d.get("compare", False)
        if compare and kind != "dossiers":
            c.bad(f"inputs[{i}].compare", "plan_compare_only_for_dossiers", "plan_remove_key", compare)
            continue
        out.append(Input(str(d["path"]), kind, d.get("sheet"), None if d.get("period") is None else str(d["period"]),
                         index, bool(compare)))
    return out


def _registered_units(c: _Checker, raw: dict) -> None:
    """The plan's unit, each target's owner and measured unit, and each task's owner must be
    unit ids of the registry in force (bundled, or with the workspace's units.csv). A unit
    written by its name (official, short or without diacritics) is refused with the id that
    bears it; a division's name ("Văn phòng Sở") is looked for under the plan's unit."""
    from dx_metrics.units import load_units, named

    known = set(load_units()["unit_id"])
    year = raw.get("year") if isinstance(raw.get("year"), int) and not isinstance(raw.get("year"), bool) else None
    scope = raw.get("unit").strip() if isinstance(raw.get("unit"), str) else None
    scope = scope if scope in known else None
    keys = [("unit", raw.get("unit"))]
    for name, fields in (("targets", ("owner", "unit")), ("tasks", ("owner",))):
        items = raw.get(name)
        for i, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                keys += [(f"{name}[{i}].{f}", item.get(f)) for f in fields]
    for key, value in keys:
        if not isinstance(value, str) or not value.strip() or value.strip() in known:
            continue
        written = value.strip()
        ids = _units_named(written, scope=None if key == "unit" else scope, year=year)
        field_name = key.rsplit(".", 1)[-1]
        if len(ids) == 1 and fold(ids[0]) != fold(written):
            if key == "unit":
                scope = ids[0]          # the owners are looked for under the unit the plan meant
            c.bad(key, "plan_unit_by_name", "plan_units_by_id", value, shown=_shown(value), field=field_name,
                  unit_id=ids[0], unit=named(ids[0]))
        elif len(ids) > 1:
            shown = ids[:_LISTED_UNITS]
            c.bad(key, "plan_unit_name_of_several", "plan_choose_unit_id", value, shown=_shown(value), count=len(ids),
                  choices=", ".join(f"{u} ({named(u)['vi']})" for u in shown),
                  choices_en=", ".join(f"{u} ({named(u)['en']})" for u in shown), more=len(ids) - len(shown))
        else:
            close = ids or difflib.get_close_matches(written, sorted(known), n=1)
            c.bad(key, "plan_unknown_unit", "plan_unit_did_you_mean" if close else "plan_unit_registered", value,
                  shown=_shown(value), **({"suggestion": close[0]} if close else {}))


_LISTED_UNITS = 5


def _units_named(name: str, *, scope: str | None, year: int | None) -> list[str]:
    """The registry's units that bear ``name`` (``dx_metrics.units.resolve``): under ``scope``
    first, then anywhere; when several fit, those in force in the plan ``year`` if any are."""
    from dx_metrics.units import active_during, resolve

    ids: list[str] = []
    for where in dict.fromkeys([scope, None]):
        r = resolve(name, scope=where)
        ids = [r.unit_id] if r.status == "matched" else list(r.candidates)
        if ids:
            break
    if len(ids) > 1 and year is not None:
        ids = [u for u in ids if active_during(u, f"{year}-01-01", f"{year}-12-31")] or ids
    return ids


def check_as_of(plan: Plan, as_of: dt.date | str | None) -> Problem | None:
    """A warning when the day the data covers (``as_of``) is not in the plan year: before the
    year, no figure of it can be known and nothing is judged; two years or more after, the
    year is judged as closed, and the date was likely meant for the plan year. A day of the
    year after is a closing date like any (an index of the year is published then). None
    when ``as_of`` is None or fits."""
    if as_of is None:
        return None
    day = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of)[:10])
    if isinstance(day, dt.datetime):
        day = day.date()
    if plan.year <= day.year <= plan.year + 1:
        return None
    guess = day.replace(year=plan.year, day=min(day.day, 28 if day.month == 2 else day.day))
    code = "plan_as_of_before_year" if day.year < plan.year else "plan_as_of_years_after"
    return _problem(plan.path or Path(f"{plan.plan_id}.yaml"), code, "plan_as_of_in_year", severity=WARNING,
                    value=day.isoformat(), as_of=day.isoformat(), year=plan.year, guess=guess.isoformat())


def load_plan(path: str | Path) -> Plan:
    """Read a plan file safely; ``DxPlanError`` lists every problem with its key path.

    The file is read with limits (size, alias expansion; ``dx_metrics.safe_yaml``), checked
    against the plan schema (``plan.schema.json``: every key's type), then against what a
    schema cannot know: indicator ids in the registry, values in the indicator's unit,
    real dates, duplicates. Each problem is a code of ``dx_metrics/problems.yaml`` with its
    figures, said in Vietnamese or English (``Problem.say``)."""
    path = Path(path)

    def refuse(code: str, hint_code: str | None = None, *, row: int | None = None, **params) -> DxPlanError:
        return DxPlanError([_problem(path, code, hint_code, row=row, **params)])

    try:
        raw, lines = safe_yaml.load_file_located(path)
    except FileNotFoundError:
        raise refuse("plan_file_missing", "plan_check_path", path=str(path)) from None
    except IsADirectoryError:
        raise refuse("plan_is_folder", "plan_name_a_file") from None
    except OSError as e:
        raise refuse("plan_unreadable", "plan_check_access", reason=str(e.strerror or e)) from None
    except UnicodeDecodeError:
        raise refuse("plan_not_utf8", "plan_save_utf8") from None
    except safe_yaml.YamlLimitError as e:
        code, hint = _LIMITS.get(e.limit, _LIMITS["aliases"])
        params = dict(e.params)
        if "key" in params:
            params["key_shown"] = repr(params.pop("key"))
        raise refuse(code, hint, row=e.line, **params) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = str(getattr(e, "problem", None) or e)
        raise refuse("plan_not_yaml", _yaml_hint(problem), row=mark.line + 1 if mark else None,
                     problem=problem) from None
    if not isinstance(raw, dict):
        raise refuse("plan_not_a_mapping", "plan_one_key_per_line")
    c = _Checker(path, lines)
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


# a file over a limit of safe_yaml: (problem code, hint code) by the limit it is over
_LIMITS = {"too_large": ("plan_too_large", "plan_right_file"), "aliases": ("plan_aliases", "plan_no_aliases"),
           "too_deep": ("plan_too_deep", "plan_fewer_levels"), "key_twice": ("plan_key_twice", "plan_keep_one_key")}


def _yaml_hint(problem: str) -> str:
    """What to look for on the line PyYAML stopped at, from what it says."""
    if "mapping values are not allowed" in problem:
        return "plan_yaml_colon"              # title: Kế hoạch: năm 2025
    if "'\\t'" in problem:                  # a Tab where an indentation should be
        return "plan_yaml_tab"
    if "expected ','" in problem or "end of stream" in problem or "unexpected end" in problem:
        return "plan_yaml_brackets"
    return "plan_yaml_line"
