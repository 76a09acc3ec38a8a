"""Rendering: tables, charts, the Excel workbook, summary.json, the DOCX and the HTML report of a
``dx_metrics.pipeline.PlanReport`` (the report layer only renders; the pipeline computes)."""
from dx_metrics.report.figures import followed_units
from dx_metrics.report.outputs import write_outputs

__all__ = ["followed_units", "write_outputs"]
