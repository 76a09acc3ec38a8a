"""The batch table's words for a failed run, capped as the house style caps long lists (issue 27,
mutation testing of runner.py)."""
from __future__ import annotations

from dx_metrics import runner
from dx_metrics.errors import DxDataError, Problem


def _problems(n: int) -> list[Problem]:
    return [Problem(file="mot_cua_2023.xlsx", sheet="Biểu 06a", row=10 + i, column="Trực tuyến", value="N/A",
                    reason="not_a_count", message="is not a count") for i in range(n)]


def _line(row: int) -> str:
    return f'mot_cua_2023.xlsx, sheet "Biểu 06a", row {row}, column "Trực tuyến": is not a count'


def test_a_failed_run_names_three_problems_and_counts_the_rest():
    assert runner._describe(DxDataError(_problems(3))) == "; ".join(_line(r) for r in (10, 11, 12))
    assert runner._describe(DxDataError(_problems(4))) == "; ".join(_line(r) for r in (10, 11, 12)) + " … +1 more"
    result = runner.RunResult(plan="p.yaml", status="failed", seconds=1.0, output=None, problems=_problems(5))
    assert runner.said(result, "en") == "; ".join(_line(r) for r in (10, 11, 12)) + " … +2 more"
    result = runner.RunResult(plan="p.yaml", status="failed", seconds=1.0, output=None, problems=_problems(3))
    assert runner.said(result, "en") == "; ".join(_line(r) for r in (10, 11, 12))


def test_nothing_evaluated_names_four_targets_and_counts_the_rest():
    four = [{"indicator_id": f"target_{i}", "notes": "no data"} for i in range(4)]
    assert runner._reasons(four, "en") == "target_0: no data; target_1: no data; target_2: no data; target_3: no data"
    five = [*four, {"indicator_id": "target_4", "notes": "no data"}]
    assert runner._reasons(five, "en") == runner._reasons(four, "en") + " … +1 more"
