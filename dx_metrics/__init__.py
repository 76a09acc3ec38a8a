"""dx_metrics: KPI analytics for public-sector digital-transformation plans.

Spreadsheet exports in (``read_export``), indicators out (``compute_indicators``),
evaluated against a plan's targets (``load_plan``, ``evaluate``); every run kept in the
workspace's history (``open_history()``: a DuckDB connection for your own questions).
"""
from dx_metrics import notes
from dx_metrics.history import connect as open_history
from dx_metrics.errors import DxDataError, Problem, problems_of
from dx_metrics.indicators import catalog, compute_indicators
from dx_metrics.indicators.rankings import rank_mismatches, rank_units
from dx_metrics.ingest import read_export
from dx_metrics.plans import DxPlanError, compare_years, evaluate, load_plan

__version__ = "0.1.0"
__all__ = ["DxDataError", "DxPlanError", "Problem", "catalog", "compare_years", "compute_indicators", "evaluate", "open_history",
           "load_plan", "notes",
           "problems_of", "rank_mismatches", "rank_units", "read_export"]
