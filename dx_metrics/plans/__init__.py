"""Plans: targets and tasks from ``params/*.yaml``, and their evaluation."""
from dx_metrics.plans.evaluate import EVALUATION_COLUMNS, STATUSES, evaluate, task_summary, tasks_table
from dx_metrics.plans.model import DxPlanError, Input, Plan, Target, Task, load_plan

__all__ = ["EVALUATION_COLUMNS", "STATUSES", "DxPlanError", "Input", "Plan", "Target", "Task", "evaluate",
           "load_plan", "task_summary", "tasks_table"]
