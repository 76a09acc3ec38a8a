"""The ranking page: one row per unit, components named from the catalogue, scores at the
published precision, the followed unit marked, long pages cut, focus found by name."""
from __future__ import annotations

import pytest

from conftest import ROOT
from dx_metrics.pipeline import build_plan_report
from dx_metrics.report import view
from dx_metrics.report.ranking_page import bounded, published_decimals, ranking_page, resolve_focus


def _highlighted_rows(html: str) -> set[str]:
    """The rows whose cells the page's CSS paints as highlighted."""
    import re

    blocks = re.findall(r"([^{}]+)\{([^{}]*)\}", html)
    return {m for selectors, body in blocks if "#FFF2CC" in body
            for m in re.findall(r"_row(\d+)_col1\b", selectors)}


@pytest.fixture(scope="module")
def ministry():
    return build_plan_report(ROOT / "params" / "mot_nq17_2019.yaml")


def test_one_row_per_ministry_sorted_by_rank_with_named_components(ministry):
    page = ranking_page(ministry, "ICT", lang="vi", focus=["mot"])
    rk = ministry.rankings
    latest = rk[(rk["index"] == "ICT") & (rk["year"] == 2019) & (rk["component"] == "total")]
    mine = latest[latest["unit_id"] == "mot"]
    group = latest[latest["peer_group"] == mine["peer_group"].iloc[0]]
    assert len(page) == len(group) and page["Đơn vị"].is_unique
    assert [int(x) for x in page["Hạng"]] == sorted(int(x) for x in page["Hạng"])
    row = page[page["_focus"]].iloc[0]
    assert row["Đơn vị"] == "Bộ Giao thông vận tải"
    assert row["Hạng"] == str(int(mine["rank_published"].iloc[0]))
    # the ICT Index publishes four decimals: 0,5592 is shown as written, in Vietnamese marks
    total = f"{float(mine['score'].iloc[0]):.4f}".replace(".", ",")
    assert total in row.tolist()
    assert not any(c in page.columns for c in ("total", "ha_tang", "ung_dung"))       # names, never codes


def test_decimals_as_published():
    import pandas as pd

    assert published_decimals(pd.Series([0.5592, 0.9213, 0.81])) == 4
    assert published_decimals(pd.Series([89.91, 70.5, 66.0])) == 2


def test_a_long_page_keeps_the_top_the_followed_unit_and_the_bottom():
    import pandas as pd

    # 100 units, the followed one 50th: top 10, a gap, 47th–53rd, a gap, bottom 5
    page = pd.DataFrame({"Rank": [str(i) for i in range(1, 101)], "Unit": [f"u{i}" for i in range(1, 101)],
                         "_focus": [i == 50 for i in range(1, 101)], "_score": [1.0 - i / 1000 for i in range(1, 101)]})
    cut = bounded(page, "en")
    assert cut["Unit"].tolist() == ([f"u{i}" for i in range(1, 11)] + ["…"] + [f"u{i}" for i in range(47, 54)]
                                    + ["…"] + [f"u{i}" for i in range(96, 101)])
    assert cut.loc[cut["_focus"], "Unit"].tolist() == ["u50"]
    short = page.head(40)
    assert bounded(short, "en").equals(short)                        # 40 rows or fewer: kept whole


def test_focus_by_name_short_form_or_id_and_a_clear_error(ministry):
    assert resolve_focus(ministry, ["Bộ Giao thông vận tải"]) == ["mot"]
    assert resolve_focus(ministry, ["mot", "VNM"]) == ["mot", "VNM"]
    with pytest.raises(ValueError, match="is no unit of the rankings"):
        resolve_focus(ministry, ["Bộ Không Có Thật"])


def test_the_html_page_marks_the_followed_unit(ministry):
    parts = view.ranking_pages(ministry, "vi", focus=["mot"])
    html = "".join(p.to_html() if hasattr(p, "to_html") else p.data for p in parts if isinstance(getattr(p, "data", ""), str))
    import re

    ict = next(p.to_html() for p in parts if hasattr(p, "to_html") and "Bộ Giao thông vận tải" in p.to_html())
    marked = _highlighted_rows(ict)
    named = re.search(r'_row(\d+)_col1" class="data row\d+ col1" >Bộ Giao thông vận tải<', ict).group(1)
    assert marked == {named}                          # exactly the ministry's row is highlighted
    assert "_focus" not in html


def test_summary_json_keeps_the_followed_units_and_the_latest_ranks(ministry):
    from dx_metrics.report.outputs import summary

    s = summary(ministry, generated_at="2024-01-15T08:00:00+00:00")
    rows = s["rankings"]
    rk = ministry.rankings
    followed = rk[rk["unit_id"].isin(["mot", "VNM"])]
    latest_totals = rk[(rk["component"] == "total") & (rk["year"] == rk.groupby("index")["year"].transform("max"))]
    assert len(rows) == len(followed.index.union(latest_totals.index))
    others = [r for r in rows if r["unit_id"] not in ("mot", "VNM")]
    assert all(r["component"] == "total" and r["year"] == (2019 if r["index"] == "ICT" else 2024) for r in others)


def test_a_registered_unit_no_index_ranks_is_left_out_not_refused(ministry):
    # the notebook follows the plan's unit, the bodies above it and Viet Nam by default
    assert resolve_focus(ministry, ["mot", "baclieu_dot", "VNM"]) == ["mot", "VNM"]


def test_every_page_highlights_its_own_followed_unit_in_the_report_language(ministry):
    import re

    parts = view.ranking_pages(ministry, "vi", focus=["mot", "VNM"])
    egdi = next(p.to_html() for p in parts if hasattr(p, "to_html") and "Singapore" in p.to_html())
    marked = _highlighted_rows(egdi)
    named = re.search(r'_row(\d+)_col1" class="data row\d+ col1" >Việt Nam<', egdi).group(1)   # the registry's name
    assert marked == {named}


def test_files_written_at_once_are_readable_by_others(tmp_path):
    import os
    import stat

    from dx_metrics.paths import write_atomically

    path = write_atomically(tmp_path / "x.txt", lambda p: p.write_text("x"))
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def _index_plan(tmp_path, inputs: str, unit: str = "prov2025_96", year: int = 2025):
    plan = tmp_path / "p.yaml"
    plan.write_text(f"id: r\ntitle: Thử\nunit: {unit}\nyear: {year}\ninputs:\n{inputs}", encoding="utf-8")
    return build_plan_report(plan, data_dir=tmp_path)


def test_the_766_page_of_october_2025_names_its_components_and_finds_ca_mau_by_name(tmp_path):
    from conftest import REFERENCE

    path = REFERENCE / "vn_dvc_766" / "bao_cao_T10_2025.xlsx"
    if not path.exists():
        pytest.skip("../shared/reference-data is not beside the project")
    r = _index_plan(tmp_path, f"  - {{path: {path}, kind: index_scores, sheet: Điểm năm, period: 2025-01/2025-10}}\n")
    focus = resolve_focus(r, ["Cà Mau"])                              # the short form, not "UBND tỉnh Cà Mau"
    assert focus == ["prov2025_96"]
    page = ranking_page(r, "766", lang="vi", focus=focus)
    assert len(page) == 34 and page["Đơn vị"].is_unique               # one row per province after the merger
    assert {"Công khai, minh bạch", "Tiến độ giải quyết"} <= set(page.columns)      # named, not ckmb / tdgq
    assert not {"ckmb", "tdgq", "mdsh", "tttt", "clgq", "mdhl"} & set(page.columns)
    row = page[page["_focus"]].iloc[0]
    assert row["Đơn vị"] == "Tỉnh Cà Mau" and row["Tổng"] == "90,04"   # two decimals, as the portal publishes
    # the HTML a director receives: named components, Cà Mau's row and no other highlighted, no codes
    import re

    html = next(p.to_html() for p in view.ranking_pages(r, "vi", focus=["Cà Mau"]) if hasattr(p, "to_html"))
    assert "Công khai, minh bạch" in html and not re.search(r">(ckmb|tdgq|mdsh|tttt|clgq|mdhl)<", html)
    named = re.search(r'_row(\d+)_col1" class="data row\d+ col1" >Tỉnh Cà Mau<', html).group(1)
    assert _highlighted_rows(html) == {named}
    assert html.count("<tr>") == 35                                    # the header and 34 provinces


def test_the_egdi_2024_page_for_the_asean_peer_group(tmp_path):
    from conftest import REFERENCE

    path = REFERENCE / "un_egov" / "un_datacenter_exports" / "EGOV_DATA_2024_renamed_cols.csv"
    if not path.exists():
        pytest.skip("../shared/reference-data is not beside the project")
    r = _index_plan(tmp_path, f"  - {{path: {path}, kind: index_scores, index: EGDI}}\n", unit="VNM", year=2024)
    page = ranking_page(r, "EGDI", lang="en", focus=["VNM"], peer_group="asean")
    assert len(page) == 10 and set(page["Unit"]) >= {"Singapore", "Viet Nam"}
    # UN ranks among 193 countries, as published: Singapore 3rd, Viet Nam 71st (EGDI 2024)
    assert page.iloc[0]["Unit"] == "Singapore" and page.iloc[0]["Rank"] == "3"
    assert page[page["_focus"]]["Rank"].tolist() == ["71"]
    with pytest.raises(ValueError, match="peer group 'asea'"):
        ranking_page(r, "EGDI", lang="en", focus=["VNM"], peer_group="asea")


def test_the_egdi_page_of_the_asean_extract_shows_the_published_world_rank(ministry):
    # the sample extract holds the ten ASEAN members only; Viet Nam is 5th among them, but
    # the UN publishes it 71st of 193 in EGDI 2024 (SOURCES.md), and the page says 71
    page = ranking_page(ministry, "EGDI", lang="en", focus=["VNM"])
    assert len(page) == 10
    assert page[page["_focus"]]["Rank"].tolist() == ["71"]
    assert page.iloc[0]["Rank"] == "3"                    # Singapore, 3rd in the world
