"""Plans: targets and tasks from ``params/*.yaml``, and their evaluation."""
from dx_metrics.plans.compare import compare_years
from dx_metrics.plans.evaluate import (EVALUATION_COLUMNS, STATUSES, evaluate, owner_view, task_summary,
                                       tasks_table)
from dx_metrics.plans.model import DxPlanError, Input, Plan, Target, Task, check_as_of, load_plan

__all__ = ["EVALUATION_COLUMNS", "STATUSES", "DxPlanError", "check_as_of", "compare_years", "Input", "Plan", "Target", "Task",
           "evaluate", "load_plan", "owner_view", "task_summary", "tasks_table"]
