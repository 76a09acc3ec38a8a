"""The top of a report: per target, the figure judged with its span, its status, and —
where the data quality review flagged a figure it rests on — a marked caveat, so the
headline never says less than the report knows ("Đạt*: Thiếu báo cáo: Thanh tra Sở …,
Quý III/2024")."""
from __future__ import annotations

import pandas as pd

from dx_metrics.canonical import KINDS
from dx_metrics.formats import fmt_period, fmt_value
from dx_metrics.periods import parse_period
from dx_metrics.registry import indicator, share_ids
from dx_metrics.pipeline import PlanReport
from dx_metrics.report.labels import STATUS, TEXT, check_lang
from dx_metrics.report.quality import messages, subject_label
from dx_metrics.report.tables import indicator_name
from dx_metrics.units import in_family, unit_names
from dx_metrics.context import in_its_context


@in_its_context
def headline(r: PlanReport, lang: str = "vi") -> list[dict]:
    """Per target, what the top of a report says: the indicator, the figure judged with its span
    ("31,27% (Năm 2024)"), the status — marked "*" where the review flagged a figure it rests on
    — and those flags, said plainly ("Thiếu báo cáo: Thanh tra Sở …, Quý III/2024")."""
    check_lang(lang)
    t = TEXT[lang]
    out = []
    for _, row in r.evaluation.iterrows():
        share = row["indicator_id"] in share_ids()
        if pd.notna(row["actual"]):
            value = fmt_value(row["projected"] if pd.notna(row["projected"]) else row["actual"],
                              "share" if share else "count", lang=lang)
            span = row["basis_period"] if pd.notna(row["basis_period"]) else row["span"]
            figure = f"{value} ({fmt_period(span, lang=lang)})" if pd.notna(span) else value
        else:
            figure = t["no_figure"]
        flags = resting_on(r, row)
        out.append({"indicator": indicator_name(row["indicator_id"], lang), "figure": figure,
                    "status": STATUS[lang][row["status"]] + ("*" if len(flags) else ""),
                    "caveats": list(dict.fromkeys(caveat_text(f, lang) for _, f in flags.iterrows()))})
    return out


@in_its_context
def resting_on(r, row: pd.Series) -> pd.DataFrame:
    """The review's flags on figures a target's figure rests on: a flag of the target's unit,
    a unit under it or one it counts (a merged unit's predecessors), within the span judged,
    about the target's indicator, the table it is computed from or one of the two columns it
    sums. These are what a signer must know before trusting the figure."""
    q = r.quality
    if q is None or q.flags.empty or pd.isna(row.get("actual")) or pd.isna(row.get("span")):
        return pd.DataFrame(columns=q.flags.columns if q is not None else [])
    meta = indicator(row["indicator_id"])
    subjects = {row["indicator_id"], meta["source_table"], meta.get("numerator"), meta.get("denominator")} - {None}
    units = [row["unit_id"], *(str(row["units_counted"]).split("|") if pd.notna(row.get("units_counted")) else [])]
    flags = q.flags
    mine = pd.Series(False, index=flags.index)
    for u in units:
        mine |= in_family(flags["unit_id"].astype("string"), u).to_numpy(dtype=bool)
    span = parse_period(str(row["span"]))

    def inside(p: object) -> bool:
        if not isinstance(p, str):
            return True
        if len(p) == 10:                       # a day, where a dossier log's flag points
            return span.first_day.isoformat() <= p <= span.last_day.isoformat()
        try:
            q_ = parse_period(p)
        except ValueError:
            return True
        return span.first_day <= q_.first_day and q_.last_day <= span.last_day

    keep = mine & flags["subject"].isin(subjects) & flags["period"].map(inside).astype(bool)
    return flags[keep]


def caveat_text(f: pd.Series, lang: str = "vi") -> str:
    """A flag as a caveat beside a headline figure: what it is, whose, when ("Thiếu báo cáo:
    Thanh tra Sở Giao thông vận tải tỉnh Bạc Liêu, Quý III/2024")."""
    label = messages()["rules"][f["rule"]][lang]["label"]
    if isinstance(f["subject"], str) and f["subject"] not in KINDS:     # which figure: "Số 0 bất thường (…)"
        label = f"{label} ({subject_label(f['subject'], lang).lower()})"
    unit = str(unit_names(pd.Series([f["unit_id"]], dtype="string"), lang=lang).iloc[0])
    when = fmt_period(f["period"], lang=lang) if isinstance(f["period"], str) else ""
    return f"{label}: {unit}" + (f", {when}" if when else "")
