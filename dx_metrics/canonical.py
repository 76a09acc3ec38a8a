"""The canonical tables: their kinds, columns and keys (the bottom layer: imports nothing of
dx_metrics, so the reader, the indicators, the plans and the reports can all use it).

Every canonical table also carries its provenance per row: ``source_file``, ``source_sheet``
and ``source_row`` (the Excel row, 1-based), so that a figure can be traced to its cells
and frames of one kind from several files can be concatenated without losing where each
row came from.
"""
from __future__ import annotations

KINDS = ("dossiers", "dossier_records", "services", "index_scores", "tasks", "observations", "units")
PROVENANCE = ["source_file", "source_sheet", "source_row"]

# Columns each kind returns, in order (optional ones only when present).
OUTPUT_COLUMNS = {
    "dossiers": ["unit_id", "unit_name", "period", "procedure_id", "service_level", "carried_over", "received_total",
                 "received_online", "resolved_total", "resolved_on_time", "resolved_late", "pending",
                 "digitized", "paid_online", "fee_dossiers"],
    "dossier_records": ["dossier_id", "unit_id", "unit_name", "procedure_id", "procedure_name", "division",
                        "received_at", "channel", "due_at", "resolved_at", "supplement_days", "digitized", "fee",
                        "paid_online", "complained", "applicant", "received_by"],
    "services": ["procedure_id", "procedure_name", "unit_id", "unit_name", "field", "as_of", "level", "online_mode",
                 "mobile_ready", "provided_online"],
    "index_scores": ["index", "year", "period", "unit_id", "unit_name", "unit_code", "peer_group", "component",
                     "score", "rank", "reference"],
    "tasks": ["plan_id", "task_id", "title", "owner_unit", "owner_name", "deadline", "status", "completed_on",
              "as_of"],
    "observations": ["indicator_id", "unit_id", "unit_name", "period", "numerator", "denominator", "value",
                     "source"],
    "units": ["unit_id", "name_vi", "name_en", "kind", "parent_id", "valid_from", "valid_to", "successor_id",
              "name_variants"],
}
# Optional dossier_records columns the Decision 766 index reads (``indicators/score766.py``):
# ``division`` the division (phòng, bộ phận) of the unit that handled the dossier, for the lost
# points explained per division; ``supplement_days`` the days the clock stood still waiting for
# the applicant's supplements (a number of days, empty = none); ``fee`` the fee the procedure
# charges: the amount in đồng where the log writes one, 1 where it only marks "Có" (yes), 0 for
# "Không" or "Miễn phí" (a frame may also hold true/false): "> 0" is a dossier with a fee;
# ``complained`` a complaint or dislike about the dossier (true/false).
# A log without them reads as before; the 766 components needing them are "not computable".
RECORD_766_COLUMNS = ("division", "supplement_days", "fee", "complained")

# Columns that identify a row: the same key twice is an error.
KEYS = {"dossiers": ["unit_name", "period", "procedure_id", "service_level"], "dossier_records": ["dossier_id"],
        "services": ["procedure_id", "unit_name"], "index_scores": ["index", "year", "period", "unit_name", "component"],
        "tasks": ["plan_id", "task_id"], "observations": ["indicator_id", "unit_name", "period"],
        "units": ["unit_id"]}

# What compute_indicators needs of each table it reads (a frame without them is refused).
REQUIRED = {"dossiers": ["unit_id", "period"], "dossier_records": ["unit_id", "received_at", "channel"],
            "services": ["unit_id", "as_of", "online_mode", "provided_online"],
            "tasks": ["owner_unit", "status", "deadline"],
            "observations": ["indicator_id", "unit_id", "period", "value"]}
