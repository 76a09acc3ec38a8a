"""The Decision 766/QĐ-TTg (2022) service index method as data (``method_766.yaml``), read and checked.

The six components (CKMB 18, TDGQ 20, CLGQ 12, TTTT 10, MDHL 18, MDSH 22 points), the rates
each rests on, the thresholds, the linear rule below them, and the confidence and source of
each, as ../shared/METHODS.md ("Decision 766/QĐ-TTg (2022) service index — corroborated")
states them. ``load_method_766`` refuses a method with an unknown key, a missing one, a value
of the wrong kind, maxima not summing to 100 or rate points not summing to their component's
maximum, every problem collected in one ``DxDataError`` naming the file, line and key.

A workspace where the province applies a local variant gives its own ``method_766.yaml`` as
``overlay``: only the values it changes, under the same keys (a threshold, the split of CLGQ's
points); it can replace values but not add components or rates. The merged method is checked
as the bundled one is.

>>> m = load_method_766()
>>> sum(c["max_points"] for c in m["components"].values()), m["components"]["mdsh"]["rates"]["digitization_rate"]["threshold"]
(100, 0.8)
"""
from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd

from dx_metrics import safe_yaml
from dx_metrics.errors import DxDataError, Problem

BUNDLED = "method_766.yaml"
RULES = ("linear_below_threshold",)
CONFIDENCE = ("verified", "corroborated", "recalled", "assumed")
TOP_FIELDS = ("method", "name_vi", "name_en", "source", "confidence", "rule", "components")
COMPONENT_FIELDS = ("name_vi", "name_en", "max_points", "from_log", "confidence", "source", "note", "rates")
RATE_FIELDS = ("name_vi", "name_en", "formula", "formula_confidence", "from_log", "threshold",
               "threshold_confidence", "points")
_OPTIONAL = {"note", "points", "formula_confidence"}


def _number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# each field's check: (test, what is expected, said in the problem)
_CHECKS = {
    "confidence": (lambda v: v in CONFIDENCE, "one of " + ", ".join(CONFIDENCE)),
    "threshold_confidence": (lambda v: v in CONFIDENCE, "one of " + ", ".join(CONFIDENCE)),
    "formula_confidence": (lambda v: v in CONFIDENCE, "one of " + ", ".join(CONFIDENCE)),
    "rule": (lambda v: v in RULES, "one of " + ", ".join(RULES)),
    "from_log": (lambda v: isinstance(v, bool), "true or false"),
    "max_points": (lambda v: _number(v) and v > 0, "a number of points > 0"),
    "threshold": (lambda v: _number(v) and 0 < v <= 1, "a fraction > 0 and ≤ 1 (0.8 for 80 %)"),
    "points": (lambda v: v is None or (_number(v) and v >= 0), "a number of points ≥ 0, or null"),
    "components": (lambda v: isinstance(v, dict), "a mapping of component ids to their fields"),
    "rates": (lambda v: isinstance(v, dict), "a mapping of rate ids to their fields"),
}
_TEXT = (lambda v: isinstance(v, str) and v.strip() != "", "a text")


def _checked(raw: object, file: str, lines: dict, reason: str) -> list[Problem]:
    """Every problem of a whole method (nothing: [])."""
    problems: list[Problem] = []

    def say(path: tuple, code: str, **params) -> None:
        problems.append(Problem(file=file, row=lines.get(path), column=".".join(map(str, path)) or None,
                                reason=reason, code=code, message="", params=params))

    def fields(node: object, path: tuple, allowed: tuple[str, ...]) -> dict:
        if not isinstance(node, dict):
            say(path, "method_766_bad_value", value=repr(node), expected="a mapping of " + ", ".join(allowed))
            return {}
        for key in node:
            if key not in allowed:
                say((*path, key), "method_766_unknown_key", key=str(key), allowed=", ".join(allowed))
        for key in allowed:
            if key not in node and key not in _OPTIONAL:
                say(path, "method_766_missing_key", key=key)
        for key, v in node.items():
            test, expected = _CHECKS.get(key, _TEXT)
            if key in allowed and not test(v):
                say((*path, key), "method_766_bad_value", value=repr(v), expected=expected)
        return node

    top = fields(raw, (), TOP_FIELDS)
    components = top.get("components")
    if not isinstance(components, dict):
        return problems
    total = 0.0
    for cid, comp in components.items():
        comp = fields(comp, ("components", cid), COMPONENT_FIELDS)
        if _number(comp.get("max_points")):
            total += comp["max_points"]
        rates = comp.get("rates")
        if not isinstance(rates, dict):
            continue
        points = []
        for rid, rate in rates.items():
            rate = fields(rate, ("components", cid, "rates", rid), RATE_FIELDS)
            points.append(rate.get("points"))
        if points and all(_number(p) for p in points) and _number(comp.get("max_points")) \
                and abs(sum(points) - comp["max_points"]) > 1e-9:
            say(("components", cid, "rates"), "method_766_points_sum", total=f"{sum(points):g}",
                max=f"{comp['max_points']:g}")
    if abs(total - 100) > 1e-9:
        say(("components",), "method_766_maxima_sum", total=f"{total:g}")
    return problems


def _merged(base: dict, over: object, file: str, lines: dict) -> tuple[dict, list[Problem]]:
    """``base`` with the values of a workspace's ``over`` in place; new keys or ids refused."""
    problems: list[Problem] = []
    out = copy.deepcopy(base)

    def walk(into: dict, node: object, path: tuple, allowed: tuple[str, ...], nested: str | None) -> None:
        if not isinstance(node, dict):
            problems.append(Problem(file=file, row=lines.get(path), column=".".join(map(str, path)) or None,
                                    reason="overlay", code="method_766_bad_value", message="",
                                    params={"value": repr(node), "expected": "a mapping"}))
            return
        for key, v in node.items():
            here = (*path, key)
            known = allowed if allowed else tuple(into)
            if key not in known:
                problems.append(Problem(file=file, row=lines.get(here), column=".".join(map(str, here)),
                                        reason="overlay", code="method_766_unknown_key", message="",
                                        params={"key": str(key), "allowed": ", ".join(map(str, known))}))
            elif key == nested:        # components or rates: ids of the bundled method only
                ids = into.get(key) or {}
                if not isinstance(v, dict):
                    walk(ids, v, here, (), None)
                    continue
                for i, sub in v.items():
                    if i not in ids:
                        problems.append(Problem(file=file, row=lines.get((*here, i)), column=".".join(map(str, (*here, i))),
                                                reason="overlay", code="method_766_unknown_key", message="",
                                                params={"key": str(i), "allowed": ", ".join(ids) or "—"}))
                        continue
                    fields = COMPONENT_FIELDS if key == "components" else RATE_FIELDS
                    walk(ids[i], sub, (*here, i), fields, "rates" if key == "components" else None)
            else:
                into[key] = copy.deepcopy(v)

    if over is not None:
        walk(out, over, (), TOP_FIELDS, "components")
    return out, problems


def load_method_766(overlay: str | Path | None = None) -> dict:
    """The 766 method (a plain nested dict, as ``method_766.yaml`` writes it), with a workspace's
    ``overlay`` file's values in place when one is given. ``DxDataError`` lists every problem."""
    raw = safe_yaml.load_package_data("dx_metrics", "indicators", BUNDLED)
    problems = _checked(raw, f"dx_metrics/indicators/{BUNDLED}", {}, "inconsistent")
    if problems:
        raise DxDataError(problems)
    if overlay is None:
        return raw
    path = Path(overlay)
    over, lines = safe_yaml.load_file_or_refuse(path, "method_766_unreadable")
    merged, problems = _merged(raw, over, path.name, lines)
    if not problems:
        problems = _checked(merged, path.name, lines, "overlay")
    if problems:
        raise DxDataError(problems)
    return merged


def method_table(method: dict) -> pd.DataFrame:
    """One row per component and rate (a component with no rate: one row, rate empty), with the
    fields a report shows beside a score: names, maximum, threshold, points, confidence (the
    component's, and the threshold's and formula's where they are weaker), source."""
    rows = []
    for cid, c in method["components"].items():
        rates = c["rates"] or {None: {}}
        for rid, r in rates.items():
            rows.append({"component": cid, "component_name_vi": c["name_vi"], "component_name_en": c["name_en"],
                         "max_points": c["max_points"], "from_log": c["from_log"] and r.get("from_log", True),
                         "confidence": c["confidence"], "source": c["source"], "rate_id": rid,
                         "rate_name_vi": r.get("name_vi"), "rate_name_en": r.get("name_en"),
                         "threshold": r.get("threshold"), "threshold_confidence": r.get("threshold_confidence"),
                         "formula_confidence": r.get("formula_confidence"), "points": r.get("points")})
    return pd.DataFrame(rows)
