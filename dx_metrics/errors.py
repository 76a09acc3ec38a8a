"""The one exception family for bad input data, and the problem records it carries."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd

ERROR = "error"
WARNING = "warning"

# A short fixed list, so tests and reports can group problems.
REASONS = (
    "unreadable",          # the file cannot be opened at all
    "too_large",           # a sheet beyond the cell budget (DX_METRICS_MAX_CELLS)
    "formula_without_value",  # a formula saved without its result: every reader sees a blank
    "stray_cell",          # a value far outside the table, left out
    "hidden_sheet",        # a hidden sheet not read
    "extra_field",         # a CSV line with more fields than the header
    "no_header",           # no header row with the columns this table needs
    "missing_column",      # a required column is absent
    "duplicate_column",    # two columns map to the same canonical column
    "not_a_count",         # a count that is not a whole number >= 0
    "not_a_number",        # a value that is not a number
    "not_a_date",          # a value that is not a date
    "out_of_range",        # a share outside 0-100 %, a level outside 1-4 ...
    "inconsistent",        # counts that contradict each other (online > total ...)
    "totals_mismatch",     # a totals row that is not the sum of the rows above it
    "duplicate_key",       # the same (unit, period, procedure) twice
    "unknown_unit",        # a unit name missing from the unit registry
    "ambiguous_unit",      # a unit name that fits several units in the file's scope
    "provisional_unit",    # a unit the registry lacks, counted under the file's scope
    "unknown_value",       # a value with no mapping (service level ...)
    "no_period",           # no reporting period in the table, the title rows or the call
    "empty",               # a table with no data rows
    "skipped_row",         # a row that was ignored (heading, note ...)
    "other_sheets",        # more sheets hold this kind of table; one was read
    "skipped_files",       # files in a dataset folder not read (under a hidden or linked folder)
    "plan",                # a plan file that cannot be used as written
    "lookalike_text",      # a text with hidden characters (removed) or letters that only look Vietnamese
    "overlay",             # a workspace's units.csv or columns.yaml: unusable as written, or replacing bundled rows
)

MAX_LISTED = 10
_WHERE = {"en": {"sheet": 'sheet "{}"', "row": "row {}", "line": "line {}", "column": 'column "{}"', "key": 'key "{}"'},
          "vi": {"sheet": 'trang tính "{}"', "row": "dòng {}", "line": "dòng {}", "column": 'cột "{}"',
                 "key": 'khóa "{}"'}}


@dataclass(frozen=True)
class Problem:
    """One finding about an input, pointing at the cell a user can open.

    ``row`` is 1-based as Excel shows it; ``column`` is the header text as written in the
    file. ``severity`` is "error" (the row cannot be used) or "warning" (kept, reported).
    """

    file: str
    message: str
    severity: str = ERROR
    reason: str = "inconsistent"
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None
    hint: str | None = None
    # what it says, as a code of problems.yaml with its figures: said in either language
    code: str | None = None
    params: dict = field(default_factory=dict, compare=False, hash=False)
    hint_code: str | None = None     # the hint as a code of problems.yaml's hints

    def __post_init__(self) -> None:
        if self.severity not in (ERROR, WARNING):
            raise ValueError(f"severity must be 'error' or 'warning', not {self.severity!r}")
        if self.reason not in REASONS:
            raise ValueError(f"unknown problem reason {self.reason!r}; expected one of {REASONS}")
        if self.code is not None:
            if self.code not in problem_templates()["problems"]:
                raise KeyError(f"unknown problem code {self.code!r} (dx_metrics/problems.yaml)")
            if not self.message:
                object.__setattr__(self, "message", self.say("en"))
        if self.hint_code is not None:
            if self.hint_code not in problem_templates()["hints"]:
                raise KeyError(f"unknown hint code {self.hint_code!r} (dx_metrics/problems.yaml)")
            if self.hint is None:
                object.__setattr__(self, "hint", self.hint_said("en"))

    def say(self, lang: str = "en") -> str:
        """What the problem says in ``lang`` (a problem without a code: its message as written)."""
        if self.code is None:
            return self.message
        from dx_metrics.notes import render

        t = problem_templates()
        text = render(t["problems"][self.code][lang], self.params, lang)
        if self.params.get("quoted") is not None:     # a cell's value before what is wrong with it
            text = f"{self.params['quoted']} {text}"
        if self.params.get("rows") is not None:       # one problem standing for many rows
            text += render(t["rows"][lang], self.params, lang)
        return text

    def hint_said(self, lang: str = "en") -> str | None:
        """The hint in ``lang`` (a hint without a code: as written)."""
        if self.hint_code is None:
            return self.hint
        from dx_metrics.notes import render

        return render(problem_templates()["hints"][self.hint_code][lang], self.params, lang)

    def text(self, lang: str = "en") -> str:
        """The whole problem as a person reads it in ``lang``: where, what, and how to fix it
        (a problem without a code says its message as written)."""
        text = f"{self.location(lang)}: {self.say(lang)}"
        hint = self.hint_said(lang)
        return f"{text} ({hint})" if hint else text

    def location(self, lang: str = "en") -> str:
        """Where the problem is, in ``lang``: file, sheet, row (a line of a text file), column or key."""
        w = _WHERE[lang]
        parts = [self.file]
        if self.sheet:
            parts.append(w["sheet"].format(self.sheet))
        if self.row is not None:
            # a workspace's units.csv or columns.yaml is a text file: its lines, as an editor numbers them
            parts.append(w["line" if self.reason == "overlay" else "row"].format(self.row))
        if self.column:
            # a plan problem points at a key path (targets[2].value), a sheet problem at a column
            keyed = self.reason == "plan" or (self.reason == "overlay" and not self.file.endswith(".csv"))
            parts.append(w["key" if keyed else "column"].format(self.column))
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.location()}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The problem as JSON values (a cell's value that is no number or text as its text)."""
        d = asdict(self)
        v = _plain(d["value"])
        d["value"] = v if v is None or isinstance(v, (str, int, float, bool)) else str(v)
        d["params"] = _plain(d["params"])
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Problem:
        return cls(**d)


def _plain(v: Any) -> Any:
    """``v`` with NumPy numbers as Python's, inside lists and dicts too (JSON writes those only)."""
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v.item() if hasattr(v, "item") and hasattr(v, "dtype") else v


def problems_of(table: Any) -> list[Problem]:
    """The problems the reading of ``table`` (a frame ``read_export`` returned, or a record set)
    found. They are kept in ``table.attrs["problems"]`` as plain dicts, so that pandas can write
    them with the frame (``to_parquet`` writes ``attrs`` as JSON) and read them back."""
    return [p if isinstance(p, Problem) else Problem.from_dict(p) for p in table.attrs.get("problems", [])]


@lru_cache(maxsize=1)
def problem_templates() -> dict:
    from dx_metrics import safe_yaml

    return safe_yaml.load_package_data("dx_metrics", "problems.yaml")


def coded(text: str | None, section: str = "problems") -> tuple[str | None, str | None]:
    """(code, text) for what a check says (or, with ``section="hints"``, how to fix it): a code
    of problems.yaml, or a text as written."""
    return (text, None if section == "hints" else "") if text in problem_templates()[section] else (None, text)


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table (one row each), with the columns of ``Problem``."""
    cols = ["severity", "reason", "file", "sheet", "row", "column", "value", "message", "hint", "code", "params",
            "hint_code"]
    return pd.DataFrame([p.to_dict() for p in problems], columns=cols)


def summarize(problems: list[Problem], *, limit: int = MAX_LISTED, lang: str | None = None) -> str:
    """One line per problem (in ``lang``; as programs log them when None), capped at ``limit``
    with "… +N more"."""
    lines = [str(p) if lang is None else p.text(lang) for p in problems[:limit]]
    if len(problems) > limit:
        more = len(problems) - limit
        lines.append(f"… +{more} more" if lang in (None, "en") else f"… và {more} vấn đề khác")
    return "\n".join(lines)


class DxDataError(ValueError):
    """Bad input data. ``problems`` lists every finding, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self._text())

    def __reduce__(self):  # survives pickling across worker processes
        return (type(self), (self.problems,))

    def _text(self) -> str:
        errors = [p for p in self.problems if p.severity == ERROR]
        shown = errors or self.problems
        head = f"{len(errors)} error(s) in the input" if errors else "problems in the input"
        return f"{head}:\n{summarize(shown)}"
