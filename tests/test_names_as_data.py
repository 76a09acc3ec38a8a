"""Names are data everywhere: text from an export reaches charts, workbooks and CSV files as the
text it is, never as a formula, a mathtext expression or a character the file format cannot hold;
and a name that only looks like a registered one is flagged at its cell (issue 28, item 2)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import one_stop_rows, unit_row, write_sheet

MACRO = r"$\undefinedmacro{x}$"       # mathtext: matplotlib failed the figure on the unknown macro


def _plan(tmp_path: Path, units: list[list], *, csv: str | None = None) -> Path:
    """A workspace with one one-stop export (Bạc Liêu's transport department) and a plan on it."""
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "params").mkdir(exist_ok=True)
    if csv is None:
        write_sheet(tmp_path / "data" / "a.xlsx", one_stop_rows(units))
        name = "a.xlsx"
    else:
        (tmp_path / "data" / "a.csv").write_text(csv, encoding="utf-8")
        name = "a.csv"
    plan = tmp_path / "params" / "p.yaml"
    plan.write_text("id: p\ntitle: Kế hoạch chuyển đổi số\nunit: baclieu_dot\nyear: 2023\n"
                    "targets:\n  - {indicator: online_dossier_share, comparator: '>=', value: 0.3}\n"
                    f"inputs:\n  - {{path: {name}, kind: dossiers, period: '2023'}}\n", encoding="utf-8")
    return plan


# --- charts: text is drawn as written

@pytest.mark.parametrize("name", [MACRO, "Chi phí 5$ và 10$", r"Phòng $\alpha$"])
def test_a_chart_label_holding_dollar_signs_is_drawn_as_written(name):
    from matplotlib.text import Text

    from dx_metrics.report.charts import drawn_shares, png_bytes, rank_over_years, share_by_unit

    fig = share_by_unit(pd.DataFrame({"unit": [name, "Văn phòng Sở"], "value": [0.25, 0.5]}), title=name, target=0.3)
    assert png_bytes(fig).startswith(b"\x89PNG")           # drawn: no ParseFatalException
    bars, target = drawn_shares(fig)
    assert bars == {name: 0.25, "Văn phòng Sở": 0.5} and target == 0.3
    assert fig.axes[0].get_title(loc="left") == name
    # and drawn as those characters: "$\alpha$" is not turned into "α", nor "5$ và 10$" into italics
    assert not any(t.get_parse_math() for t in fig.findobj(Text))
    fig = rank_over_years(pd.DataFrame({"year": [2022, 2023], "rank": [3, 2], "unit": [name, name]}), title="ICT")
    assert png_bytes(fig).startswith(b"\x89PNG")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [name]


def test_a_report_on_a_unit_named_like_a_formula_is_written_with_its_chart(tmp_path):
    from dx_metrics.report import build_plan_report
    from dx_metrics.report.charts import drawn_shares
    from dx_metrics.report.figures import chart_online_share
    from dx_metrics.report.outputs import write_outputs

    r = build_plan_report(_plan(tmp_path, [unit_row(MACRO, 10, 5), unit_row("Văn phòng Sở", 20, 5)]))
    written = write_outputs(r, tmp_path / "out")
    chart = written["chart_online_dossier_share"]
    assert chart == tmp_path / "out" / "charts" / "online_dossier_share.png"
    assert chart.read_bytes().startswith(b"\x89PNG")
    bars, _ = drawn_shares(chart_online_share(r, "vi"))
    # 5 of 10 online; the department's total 10 of 30 (the provisional unit counts in it)
    assert bars[f"{MACRO} (tạm)"] == pytest.approx(0.5)
    assert bars["Sở Giao thông vận tải tỉnh Bạc Liêu"] == pytest.approx(10 / 30)
