"""The pipeline: read -> compute -> evaluate -> review, once, for a plan (``build_plan_report``,
last year's ``previous_report`` and the ``build_comparison`` of the two) or for exports read as
they are (``review_files``, ``check_exports``). It sits between the figures (plans, quality) and
the report, which only renders what it built; the runner records the history of a run."""
from dx_metrics.pipeline.files import Checked, CheckedFile, FileRead, check_exports, review_files
from dx_metrics.pipeline.plan import (PlanReport, build_comparison, build_plan_report, from_history, merge_inputs,
                                      previous_report, refuse_overlap, resolve_date)

__all__ = ["Checked", "CheckedFile", "FileRead", "PlanReport", "build_comparison", "build_plan_report", "check_exports",
           "from_history", "merge_inputs", "previous_report", "refuse_overlap", "resolve_date", "review_files"]
