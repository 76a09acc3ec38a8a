"""Index tables on first contact (issue 24): tables built here the way each publisher writes
them, the refusals that must help, and names as publishers write them.

Every table is written in the test with openpyxl from what the publishers' pages show
(pcivietnam.vn and its English pages, the PAR INDEX 2023 results of the ministries, PAPI
report table 3.6, the UN E-Government Survey's regional tables, a provincial portal's
multi-year PCI page, the MIC's 2017 e-government ranking with "01 (0,727)" cells). The
figures are made up; every expected value below is the value written into the sheet, and
every Excel row is counted by hand from the rows list (row 1 is the first list).

Before issue 24 (78cc61a) each of these failed: "Điểm số PCI", "Bảng xếp hạng", "Chính sách
hỗ trợ doanh nghiệp", "Labor Policy", "Law & Order", "Các bộ, cơ quan ngang bộ", "Chỉ số tổng
hợp (PAR Index 2023)" and numbered PAPI headers were not aliases (score dropped or no header);
the multi-year page was read as 2005; "(2024)" was not a year; components × years, "Năm 2017"
columns of rank (score) cells and a "Trung bình" label in the rank column were refused or ranked;
"Vietnam", "HCMC", "Korea, Republic of" did not resolve.
"""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import write_sheet
from dx_metrics import read_export, units
from dx_metrics.cli import main
from dx_metrics.errors import DxDataError, problems_of
from dx_metrics.indicators.rankings import rank_units


def _read(tmp_path, rows, *, title="Sheet1", name="t.xlsx", **kw) -> pd.DataFrame:
    df = read_export(write_sheet(tmp_path / name, rows, title=title), "index_scores", **kw)
    assert not [p for p in problems_of(df) if p.severity == "error"]
    return df


def _facts(df, component="total") -> dict:
    """unit_id -> (year, score, rank, Excel row) of one component."""
    part = df[df["component"] == component]
    rank = part["rank"] if "rank" in part else pd.Series(pd.NA, index=part.index)
    return {u: (int(y), None if pd.isna(s) else float(s), None if pd.isna(r) else int(r), int(row))
            for u, y, s, r, row in zip(part["unit_id"], part["year"], part["score"], rank, part["source_row"])}


# --- PCI: the index's own site, Vietnamese and English ------------------------------------

def test_pci_ranking_page_in_vietnamese(tmp_path):
    rows = [["Bảng xếp hạng PCI 2023"],                                       # row 1
            ["Bảng xếp hạng", "Tỉnh/Thành phố", "Điểm số PCI"],               # row 2: the site's headers
            [1, "Quảng Ninh", 72.95], [2, "Long An", 71.27], [3, "Đồng Tháp", 70.99]]
    df = _read(tmp_path, rows)
    assert set(df["index"]) == {"PCI"} and set(df["component"]) == {"total"}
    assert _facts(df) == {"prov_22": (2023, 72.95, 1, 3), "prov_80": (2023, 71.27, 2, 4),
                          "prov_87": (2023, 70.99, 3, 5)}


def test_pci_ranking_page_in_english(tmp_path):
    rows = [["PCI 2022 Ranking"], ["Rank", "Province", "PCI Score"],
            [1, "Quang Ninh", 72.95], [2, "Long An", 71.27], [3, "HCMC", 65.30], [4, "Thua Thien Hue", 64.10]]
    df = _read(tmp_path, rows)
    assert set(df["index"]) == {"PCI"}
    assert _facts(df) == {"prov_22": (2022, 72.95, 1, 3), "prov_80": (2022, 71.27, 2, 4),
                          "prov_79": (2022, 65.30, 3, 5), "prov_46_tth": (2022, 64.10, 4, 6)}


def test_pci_components_page_with_the_2021_names(tmp_path):
    rows = [["PCI 2021 - Chỉ số thành phần"],
            ["Tỉnh/Thành phố", "Chính sách hỗ trợ doanh nghiệp", "Access to land", "Labor Policy", "Law & Order",
             "Điểm số PCI"],
            ["Hà Nội", 6.5, 6.1, 7.2, 7.0, 67.0], ["Đà Nẵng", 6.9, 6.3, 6.8, 7.1, 65.2]]
    df = _read(tmp_path, rows)
    got = df.set_index(["unit_id", "component"])["score"].astype(float).to_dict()
    assert got == {("prov_01", "total"): 67.0, ("prov_48", "total"): 65.2,
                   ("prov_01", "business_support"): 6.5, ("prov_48", "business_support"): 6.9,
                   ("prov_01", "land_access"): 6.1, ("prov_48", "land_access"): 6.3,
                   ("prov_01", "labor_training"): 7.2, ("prov_48", "labor_training"): 6.8,
                   ("prov_01", "legal_institutions"): 7.0, ("prov_48", "legal_institutions"): 7.1}
    assert set(df["year"]) == {2021}
    assert df.groupby("unit_id")["source_row"].unique().map(list).to_dict() == {"prov_01": [3], "prov_48": [4]}


# --- PAR INDEX 2023, ministries --------------------------------------------------------------

def test_par_index_ministries_with_the_average_row_in_the_rank_column(tmp_path):
    rows = [["Kết quả Chỉ số cải cách hành chính năm 2023 của các bộ, cơ quan ngang bộ"],
            ["TT", "Các bộ, cơ quan ngang bộ", "Điểm thẩm định", "Điểm điều tra XHH",
             "Chỉ số tổng hợp (PAR Index 2023)"],
            [1, "Ngân hàng Nhà nước Việt Nam", 63.50, 27.91, 91.41],
            [2, "Bộ Tư pháp", 62.00, 27.51, 89.51],
            [3, "Bộ Tài chính", 61.80, 27.31, 89.11],
            ["Trung bình", None, 58.00, 26.00, 84.00]]                     # row 6: the label sits in "TT"
    df = _read(tmp_path, rows)
    assert set(df["index"]) == {"PAR"} and set(df["year"]) == {2023}
    total = df[df["component"] == "total"]
    units_ = total[total["reference"].isna()]
    assert dict(zip(units_["unit_id"], units_["score"])) == {"sbv": 91.41, "moj": 89.51, "mof": 89.11}
    (avg,) = total[total["reference"].notna()].itertuples()
    assert (avg.unit_name, avg.reference, avg.score, avg.source_row) == ("Trung bình", "average", 84.0, 6)
    assert pd.isna(avg.unit_id)
    ranked = rank_units(total)
    assert ranked.loc[ranked["reference"].notna(), "rank"].isna().all()      # never ranked
    assert dict(zip(ranked["unit_id"].dropna(), ranked["rank"].dropna().astype(int))) == {"sbv": 1, "moj": 2, "mof": 3}
    assert set(ranked["rank_of"].dropna()) == {3}                            # out of three ministries, not four
    parts = df[df["component"] == "appraisal"].set_index("unit_name")["score"]
    assert parts["Bộ Tư pháp"] == 62.0 and parts["Trung bình"] == 58.0


def test_par_average_label_in_a_rank_column_is_not_a_rank(tmp_path):
    rows = [["Chỉ số PAR INDEX 2023 các bộ"], ["Xếp hạng", "Các bộ, cơ quan ngang bộ", "Chỉ số tổng hợp (PAR Index 2023)"],
            [1, "Bộ Tư pháp", 89.51], [2, "Bộ Tài chính", 89.11], ["Trung bình", None, 84.0]]
    df = _read(tmp_path, rows)
    assert _facts(df)["moj"] == (2023, 89.51, 1, 3) and _facts(df)["mof"] == (2023, 89.11, 2, 4)
    avg = df[df["reference"].notna()]
    assert avg["unit_name"].tolist() == ["Trung bình"] and avg["rank"].isna().all()


# --- PAPI report table with numbered headers -------------------------------------------------

PAPI_HEAD = ["Province", "6: Public Service Delivery", "6.1: Public Health", "6.2: Public Primary Education",
             "6.3: Basic Infrastructure", "6.4: Law and Order"]
PAPI_ROWS = [["Ha Noi", 7.45, 1.85, 1.90, 1.95, 1.75], ["Da Nang", 7.60, 1.88, 1.92, 1.98, 1.82]]


def test_papi_table_that_does_not_name_its_index_is_refused_then_read_with_index(tmp_path):
    # a report table's own caption need not say PAPI (the report's cover does): not guessed from
    # the component names, and "6.4: Law and Order" is a PCI heading too
    rows = [["Table 3.6: Provincial performance in Public Service Delivery, 2023"], PAPI_HEAD, *PAPI_ROWS]
    path = write_sheet(tmp_path / "p.xlsx", rows, title="Sheet1")
    with pytest.raises(DxDataError) as e:
        read_export(path, "index_scores")
    (p,) = e.value.problems
    assert p.row == 2 and "does not say which index" in p.message and "PAPI (" in p.hint
    df = read_export(path, "index_scores", index="PAPI")
    got = df.set_index(["unit_id", "component"])["score"].astype(float).to_dict()
    assert got[("prov_01", "law_and_order")] == 1.75 and got[("prov_48", "service_delivery")] == 7.60
    assert set(df["year"]) == {2023} and len(got) == 10      # 2 provinces × 5 columns, no blank total


def test_papi_report_table_with_numbered_headers(tmp_path):
    rows = [["PAPI 2023 - Table 3.6: Provincial performance in Public Service Delivery, 2023"],
            ["Province", "6: Public Service Delivery", "6.1: Public Health", "6.2: Public Primary Education",
             "6.3: Basic Infrastructure", "6.4: Law and Order"],
            ["Ha Noi", 7.45, 1.85, 1.90, 1.95, 1.75], ["Da Nang", 7.60, 1.88, 1.92, 1.98, 1.82],
            ["Highest", 7.90, 1.95, 1.97, 1.99, 1.90]]
    df = _read(tmp_path, rows)
    assert set(df["index"]) == {"PAPI"} and set(df["year"]) == {2023}
    scores = df.dropna(subset=["score"]).set_index(["unit_name", "component"])["score"]
    assert scores[("Ha Noi", "service_delivery")] == 7.45 and scores[("Da Nang", "public_health")] == 1.88
    assert scores[("Ha Noi", "primary_education")] == 1.90 and scores[("Da Nang", "basic_infrastructure")] == 1.98
    assert scores[("Ha Noi", "law_and_order")] == 1.75
    assert len(scores) == 15                                  # 3 rows × 5 columns written, nothing more
    hn = df[df["unit_name"] == "Ha Noi"]
    assert set(hn["unit_id"]) == {"prov_01"} and set(hn["source_row"]) == {3}
    assert set(df.loc[df["unit_name"] == "Highest", "reference"]) == {"highest"}
    # the table publishes no total: no "total" row is invented for it
    assert "total" not in set(df["component"])


# --- UN EGDI, ASEAN extract ------------------------------------------------------------------

def test_un_egdi_regional_extract_for_asean(tmp_path):
    rows = [["E-Government Development Index of ASEAN countries (2024)"],
            ["Country", "EGDI", "EGDI Rank"],
            ["Singapore", 0.9691, 3], ["Viet Nam", 0.7709, 71], ["Lao PDR", 0.3988, 150]]
    df = _read(tmp_path, rows)
    assert set(df["index"]) == {"EGDI"}
    assert _facts(df) == {"SGP": (2024, 0.9691, 3, 3), "VNM": (2024, 0.7709, 71, 4), "LAO": (2024, 0.3988, 150, 5)}


def test_un_egdi_extract_with_sub_indices_and_a_comma_year(tmp_path):
    rows = [["EGDI and its components, South-Eastern Asia, 2024"],
            ["Country", "OSI", "TII", "HCI", "EGDI"],
            ["Singapore", 0.99, 1.00, 0.92, 0.9691], ["Vietnam", 0.80, 0.79, 0.73, 0.7709]]
    df = _read(tmp_path, rows)
    assert set(df["year"]) == {2024}
    got = df.set_index(["unit_id", "component"])["score"].astype(float).to_dict()
    assert got == {("SGP", "total"): 0.9691, ("VNM", "total"): 0.7709, ("SGP", "osi"): 0.99, ("VNM", "osi"): 0.80,
                   ("SGP", "tii"): 1.00, ("VNM", "tii"): 0.79, ("SGP", "hci"): 0.92, ("VNM", "hci"): 0.73}


# --- years from the nearest heading ----------------------------------------------------------

def test_multi_year_block_page_reads_each_block_with_its_own_year(tmp_path):
    rows = [["Bảng xếp hạng PCI các tỉnh từ năm 2005 đến 2014"],                    # 1
            [None],                                                                 # 2
            ["Top 10 tỉnh có chỉ số PCI cao nhất năm 2014"],                         # 3
            ["Xếp hạng", "Tỉnh", "Điểm PCI"],                                       # 4
            [1, "Đà Nẵng", 66.87], [2, "Đồng Tháp", 66.78],                         # 5, 6
            [None],                                                                 # 7
            ["Top 10 tỉnh có chỉ số PCI cao nhất năm 2013"],                         # 8
            ["Xếp hạng", "Tỉnh", "Điểm PCI"],                                       # 9
            [1, "Lào Cai", 66.09], [2, "Đà Nẵng", 66.05]]                           # 10, 11
    df = _read(tmp_path, rows)
    got = sorted(zip(df["year"], df["unit_id"], df["score"], df["rank"], df["source_row"]))
    assert got == [(2013, "prov_10", 66.09, 1, 10), (2013, "prov_48", 66.05, 2, 11),
                   (2014, "prov_48", 66.87, 1, 5), (2014, "prov_87", 66.78, 2, 6)]
    assert 2005 not in set(df["year"])


def test_a_block_whose_heading_states_only_the_span_is_refused_not_given_a_year(tmp_path):
    rows = [["Bảng xếp hạng PCI các tỉnh từ năm 2005 đến 2014"],
            ["Xếp hạng", "Tỉnh", "Điểm PCI"], [1, "Đà Nẵng", 66.87],
            [None], ["Top 10 năm 2013"], ["Xếp hạng", "Tỉnh", "Điểm PCI"], [1, "Lào Cai", 66.09]]
    with pytest.raises(DxDataError) as e:
        read_export(write_sheet(tmp_path / "b.xlsx", rows, title="Sheet1"), "index_scores", strict=False)
    msg = str(e.value)
    assert "2 tables" in msg and "span of years (2005–2014)" in msg and "'Top 10 năm 2013' (row 5)" in msg


@pytest.mark.parametrize("title, span", [("Bảng xếp hạng PCI các tỉnh từ năm 2005 đến 2014", "2005–2014"),
                                         ("PCI rankings from 2018 to 2022", "2018–2022"),
                                         ("Chỉ số PCI 2011 - 2022", "2011–2022")])
def test_a_single_table_under_a_span_is_refused_with_the_heading_named(tmp_path, title, span):
    rows = [[title], ["Xếp hạng", "Tỉnh", "Điểm PCI"], [1, "Đà Nẵng", 66.87], [2, "Đồng Tháp", 66.78]]
    with pytest.raises(DxDataError) as e:
        read_export(write_sheet(tmp_path / "s.xlsx", rows, title="Sheet1"), "index_scores")
    (p,) = e.value.problems
    assert p.reason == "no_period" and p.sheet == "Sheet1" and p.row == 1
    assert f"states a span of years ({span})" in p.message
    end = span[-4:]                          # the example year is the heading's own, offered as an "if"
    assert f'period="{end}" if the figures are of {end}' in p.hint


# --- layouts nobody chose --------------------------------------------------------------------

def test_one_province_components_by_year_pairs(tmp_path):
    rows = [["Chỉ số PCI của tỉnh Bạc Liêu giai đoạn 2011 - 2013"],                 # 1: the province only here
            ["Chỉ số thành phần", "2011", None, "2012", None, "2013", None],          # 2
            [None, "Điểm số", "Thứ hạng", "Điểm số", "Thứ hạng", "Điểm số", "Thứ hạng"],   # 3
            ["Gia nhập thị trường", 8.1, 30, 8.3, 25, 8.5, 20],                       # 4
            ["Tiếp cận đất đai", 6.0, 40, 6.2, 35, 6.4, 33],                          # 5
            ["Chỉ số PCI", 55.5, 50, 56.6, 45, 57.7, 40]]                            # 6
    df = _read(tmp_path, rows)
    assert set(df["unit_id"]) == {"prov_95"} and set(df["index"]) == {"PCI"}
    got = {(c, int(y)): (float(s), int(r), int(row))
           for c, y, s, r, row in zip(df["component"], df["year"], df["score"], df["rank"], df["source_row"])}
    assert got == {("entry_costs", 2011): (8.1, 30, 4), ("entry_costs", 2012): (8.3, 25, 4),
                   ("entry_costs", 2013): (8.5, 20, 4), ("land_access", 2011): (6.0, 40, 5),
                   ("land_access", 2012): (6.2, 35, 5), ("land_access", 2013): (6.4, 33, 5),
                   ("total", 2011): (55.5, 50, 6), ("total", 2012): (56.6, 45, 6), ("total", 2013): (57.7, 40, 6)}


def test_rank_only_list(tmp_path):
    rows = [["Xếp hạng PCI năm 2019"], ["Tỉnh", "Xếp hạng"], ["Quảng Ninh", 1], ["Đồng Tháp", 2], ["Long An", 3]]
    df = _read(tmp_path, rows)
    assert _facts(df) == {"prov_22": (2019, None, 1, 3), "prov_87": (2019, None, 2, 4), "prov_80": (2019, None, 3, 5)}


def test_rank_and_score_cells_under_a_year_column(tmp_path):
    rows = [["Xếp hạng và chỉ số đánh giá tổng thể mức độ ứng dụng CNTT, phát triển Chính phủ điện tử"],
            ["Bộ, ngành", "Năm 2017"], ["Bộ Tài chính", "01 (0,727)"], ["Bộ Giao thông vận tải", "02 (0,690)"]]
    df = _read(tmp_path, rows)
    assert set(df["index"]) == {"MIC_EGOV"}
    assert _facts(df) == {"mof": (2017, 0.727, 1, 3), "mot": (2017, 0.690, 2, 4)}


# --- refusals --------------------------------------------------------------------------------

def test_an_unread_total_column_is_an_error_naming_the_cell_and_closest_aliases(tmp_path):
    rows = [["Bảng xếp hạng PCI 2023"], ["Xếp hạng", "Tỉnh/Thành phố", "Điểm số chỉ số PCI tổng"],
            [1, "Quảng Ninh", 72.95], [2, "Long An", 71.27]]
    with pytest.raises(DxDataError) as e:
        read_export(write_sheet(tmp_path / "u.xlsx", rows, title="Sheet1"), "index_scores", strict=False)
    (p,) = e.value.problems
    assert (p.sheet, p.row, p.column) == ("Sheet1", 2, "Điểm số chỉ số PCI tổng")
    assert "column C 'Điểm số chỉ số PCI tổng' holds figures" in p.message
    assert "closest aliases: 'Điểm số PCI'" in p.message


def test_no_header_names_the_rows_scanned_and_suggest_still_drafts(tmp_path, capsys):
    rows = [["Báo cáo tổng hợp"], ["abc", "def"], [1, 2], [3, 4]]
    path = write_sheet(tmp_path / "n.xlsx", rows, title="Sheet1")
    with pytest.raises(DxDataError) as e:
        read_export(path, "index_scores")
    msg = str(e.value)
    assert 'rows 1–4 of sheet "Sheet1" looked in' in msg and "row 2: A 'abc', B 'def'" in msg
    assert main(["validate", str(path), "--suggest"]) == 1
    out = capsys.readouterr().out
    assert "# columns.yaml draft for n.xlsx" in out and "no header was found, so every line below is a guess" in out
    assert 'from row 2 of sheet "Sheet1"' in out


def test_validate_with_an_unknown_kind_is_a_clean_error_listing_the_kinds(tmp_path, capsys):
    path = write_sheet(tmp_path / "k.xlsx", [["Tỉnh", "Điểm"], ["Hà Nội", 1]], title="Sheet1")
    assert main(["validate", str(path), "--kind", "dosiers"]) == 2
    said = capsys.readouterr()
    text = said.out + said.err
    assert "Traceback" not in text and "'dosiers' is not a table kind" in text and "did you mean dossiers" in text
    assert "dossiers, dossier_records, services, index_scores, tasks, observations, units" in text


# --- names as publishers write them ----------------------------------------------------------

@pytest.mark.parametrize("name, unit_id", [
    ("Vietnam", "VNM"), ("Viet Nam", "VNM"), ("Lào", "LAO"), ("Lao PDR", "LAO"), ("Korea, Republic of", "KOR"),
    ("HCMC", "prov_79"), ("Ho Chi Minh City", "prov_79"), ("TP. HCM", "prov_79"),
    ("Thua Thien Hue", "prov_46_tth"), ("Ba Ria-Vung Tau", "prov_77"), ("Ba Ria - Vung Tau", "prov_77")])
def test_names_as_publishers_write_them(name, unit_id):
    r = units.resolve(name, at=pd.Timestamp("2023-12-31"))           # before the 2025 mergers
    assert (r.unit_id, r.status) == (unit_id, "matched")


def test_names_after_the_2025_merger_follow_the_new_units():
    at = pd.Timestamp("2025-10-31")
    assert units.resolve("HCMC", at=at).unit_id == units.resolve("Thành phố Hồ Chí Minh", at=at).unit_id
    assert units.resolve("Huế", at=at).unit_id == "prov_46"
