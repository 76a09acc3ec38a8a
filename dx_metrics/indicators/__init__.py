"""Indicators: metadata registry and pure functions from canonical tables to observations."""
from dx_metrics.indicators.compute import OBSERVATION_COLUMNS, compute_indicators
from dx_metrics.registry import catalog, indicator

__all__ = ["OBSERVATION_COLUMNS", "catalog", "compute_indicators", "indicator"]
