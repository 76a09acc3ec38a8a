"""The indicator registry, where it was first published (it lives in ``dx_metrics.registry``)."""
from dx_metrics.registry import FIELDS, catalog, indicator, indicator_ids

__all__ = ["FIELDS", "catalog", "indicator", "indicator_ids"]
