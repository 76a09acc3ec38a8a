"""The data quality review as a reader sees it: one table of units × dimensions and a list of
flags, each said in the report language from its rule's template (``quality/messages.yaml``)
with the figures in that language's number format."""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from dx_metrics import safe_yaml
from dx_metrics.registry import share_ids
from dx_metrics.formats import MISSING, fmt_number, fmt_percent, fmt_period
from dx_metrics.report.labels import COLUMNS, KIND, TEXT, check_lang
from dx_metrics.report.tables import source_text
from dx_metrics.units import unit_names

DIMENSIONS = ("completeness", "consistency", "external", "records", "denominators")
_HEAD = {"vi": {"metric": "Chỉ số DQR", "dimension": "Khía cạnh", "rule": "Dấu hiệu", "subject": "Số liệu",
                "message": "Nội dung", "completeness_share": "Tỷ lệ báo cáo đủ", "flags": "Tổng số dấu hiệu",
                "overall": "Toàn bộ"},
         "en": {"metric": "DQR metric", "dimension": "Dimension", "rule": "Flag", "subject": "Figure",
                "message": "What was found", "completeness_share": "Reports received", "flags": "Flags in all",
                "overall": "Overall"}}


@lru_cache(maxsize=1)
def messages() -> dict:
    return safe_yaml.load_package_data("dx_metrics.quality", "messages.yaml")


def subject_label(subject: object, lang: str) -> str:
    from dx_metrics.report.tables import indicator_name

    if not isinstance(subject, str):        # None, or NaN in a frame: a flag about no one figure
        return MISSING[lang]
    if subject in messages()["subjects"]:
        return messages()["subjects"][subject][lang]
    if subject in KIND[lang]:
        return KIND[lang][subject]
    return indicator_name(str(subject), lang)


def _figure(x: object, share: bool, lang: str) -> str:
    """A share as a percent; a count whole, or with one decimal where it has them (a mean);
    a missing figure as MISSING."""
    if share:
        return fmt_percent(x, lang=lang)
    return fmt_number(x, digits=1 if pd.notna(x) and not float(x).is_integer() else 0, lang=lang)


def _figures(f: pd.Series, how: str, lang: str) -> tuple[str, str]:
    """The flag's value and reference as its rule shows them (``shown.figures``)."""
    if how == "count":
        return fmt_number(f["value"], lang=lang), fmt_number(f["reference"], lang=lang)
    if how == "ratio":
        return fmt_number(f["value"], digits=2, lang=lang), fmt_number(f["reference"], digits=2, lang=lang)
    share = str(f["subject"]) in share_ids()
    value = fmt_percent(f["value"], digits=0, lang=lang) if how == "percent" else _figure(f["value"], share, lang)
    return value, _figure(f["reference"], share, lang)


def _compared(compared: list, how: str, lang: str) -> str:
    """What the flag's figure was compared with, as its rule shows it (``shown.compared``)."""
    if how == "units":
        return ", ".join(unit_names(pd.Series(compared, dtype="string"), lang=lang).astype(str))
    if how == "sources":
        return source_text(", ".join(compared), lang)
    if how == "span" and len(compared) == 2:
        return f"{fmt_period(compared[0], lang=lang)} – {fmt_period(compared[1], lang=lang)}"
    return ", ".join(fmt_period(p, lang=lang) for p in compared)


def _params(f: pd.Series, lang: str) -> dict[str, str]:
    """The flag's figures formatted for its rule's template, as the rule's ``shown`` says."""
    shown = messages()["rules"][f["rule"]].get("shown", {})
    value, reference = _figures(f, shown.get("figures", "figure"), lang)
    compared = f["compared_with"] if isinstance(f["compared_with"], list) else []
    threshold = f["threshold"]
    if shown.get("threshold") == "percent":
        threshold = fmt_percent(threshold, digits=0, lang=lang)
    elif pd.notna(threshold):                   # None or NaN: a rule without a threshold
        threshold = fmt_number(threshold, digits=0 if float(threshold).is_integer() else 1, lang=lang)
    return {"value": value, "reference": reference, "threshold": str(threshold),
            "score": fmt_number(f["score"], digits=2, lang=lang),     # a missing score as MISSING
            "period": fmt_period(f["period"], lang=lang), "subject": subject_label(f["subject"], lang),
            "compared_with": _compared(compared, shown.get("compared", "periods"), lang), "n": str(len(compared) + 1),
            "others": str(len(compared)),
            "examples": ", ".join(f["examples"]) if isinstance(f["examples"], list) else "",
            "examples_suffix": (f" ({'ví dụ' if lang == 'vi' else 'e.g.'} {', '.join(f['examples'])})"
                                if isinstance(f["examples"], list) and f["examples"] else "")}


def flag_text(f: pd.Series, lang: str = "vi") -> str:
    """What a flag says, in the report language."""
    return messages()["rules"][f["rule"]][lang]["text"].format(**_params(f, lang))


def not_judged_text(not_judged: dict[str, dict], lang: str = "vi") -> list[str]:
    """Why each rule that could not be applied was not, in the report language."""
    out = []
    for rule, figures in not_judged.items():
        shown = {k: fmt_number(v, digits=0 if float(v).is_integer() else 1, lang=lang) for k, v in figures.items()}
        out.append(messages()["not_judged"][rule][lang].format(**shown))
    return out


def absent_text(absent: list[str], scope: str, lang: str = "vi") -> str:
    """The registry's units under ``scope`` that no input reports on (not counted as missing)."""

    names = unit_names(pd.Series([*absent, scope], dtype="string"), lang=lang).astype(str).tolist()
    return TEXT[lang]["review_absent"].format(units=", ".join(names[:-1]), scope=names[-1])


def settings_text(changed: dict[str, dict], lang: str = "vi") -> str:
    """The thresholds a plan set, each with the default it replaces."""
    from dx_metrics.quality import load_settings

    def shown(v: object) -> str:
        return str(v) if isinstance(v, str) else fmt_number(v, digits=2, lang=lang)
    defaults = load_settings()
    parts = [f"{section}.{key} = {shown(v)} ({'mặc định' if lang == 'vi' else 'default'} {shown(defaults[section][key])})"
             for section, values in changed.items() for key, v in values.items()]
    return ("Ngưỡng do kế hoạch đặt: " if lang == "vi" else "Thresholds set by the plan: ") + "; ".join(parts)


def flags_frame(flags: pd.DataFrame, lang: str = "vi") -> tuple[pd.DataFrame, dict]:
    """One row per flag: metric, dimension, flag, unit, period, figure, what was found, where."""
    check_lang(lang)
    c, h, m = COLUMNS[lang], _HEAD[lang], messages()
    df = pd.DataFrame({
        h["metric"]: flags["metric"],
        h["dimension"]: flags["dimension"].map(lambda d: m["dimensions"][d][lang]),
        h["rule"]: flags["rule"].map(lambda r: m["rules"][r][lang]["label"]),
        c["unit"]: unit_names(flags["unit_id"].astype("string"), lang=lang),
        c["period"]: flags["period"].map(lambda p: fmt_period(p, lang=lang) if pd.notna(p) else MISSING[lang]),
        h["subject"]: flags["subject"].map(lambda s: subject_label(s, lang)),
        h["message"]: [flag_text(f, lang) for _, f in flags.iterrows()],
        c["source"]: flags["source"].map(lambda s: source_text(s, lang), na_action="ignore"),
    })
    return df, {}


def summary_frame(flags: pd.DataFrame, completeness: pd.DataFrame, lang: str = "vi") -> tuple[pd.DataFrame, dict]:
    """Units × dimensions: the share of expected reports received, and the flags per dimension."""
    check_lang(lang)
    c, h, m = COLUMNS[lang], _HEAD[lang], messages()
    units = list(dict.fromkeys([*completeness["unit_id"], *flags["unit_id"]]))
    counts = flags.groupby(["unit_id", "dimension"]).size().unstack(fill_value=0).reindex(
        index=units, columns=list(DIMENSIONS), fill_value=0)
    received = completeness.groupby("unit_id")[["received", "expected"]].sum().reindex(units)
    df = pd.DataFrame({c["unit"]: unit_names(pd.Series(units, dtype="string"), lang=lang).to_numpy(),
                       h["completeness_share"]: (received["received"] / received["expected"]).to_numpy()})
    for d in DIMENSIONS:
        df[m["dimensions"][d][lang]] = counts[d].to_numpy()
    df[h["flags"]] = counts.sum(axis=1).to_numpy()
    if len(units) > 1:     # DQR 1a is per unit and overall
        total = {c["unit"]: h["overall"], h["completeness_share"]: received["received"].sum() /
                 received["expected"].sum() if received["expected"].sum() else None,
                 **{col: df[col].sum() for col in df.columns[2:]}}
        df = pd.concat([df, pd.DataFrame([total])], ignore_index=True)
    return df, {h["completeness_share"]: "percent", **{m["dimensions"][d][lang]: "integer" for d in DIMENSIONS},
                h["flags"]: "integer"}

