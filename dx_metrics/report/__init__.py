"""Rendering: tables, charts, the Excel workbook, summary.json and the HTML report."""
from dx_metrics.report.assemble import PlanReport, build_plan_report
from dx_metrics.report.figures import followed_units
from dx_metrics.report.outputs import write_outputs

__all__ = ["PlanReport", "build_plan_report", "followed_units", "write_outputs"]
