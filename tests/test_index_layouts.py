"""Index tables in other layouts: long tables of the OECD and the European Commission
(../shared/reference-data/intl_indexes), rank-only lists, rank and score in one cell,
components as rows with "." for not published, and how the index is told.

Expected values are read straight from the files with the csv module or python-calamine,
or worked out by hand from the rows written here.
"""
from __future__ import annotations

import csv

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from conftest import REFERENCE, write_sheet
from dx_metrics.cli import main
from dx_metrics.errors import DxDataError, problems_of
from dx_metrics.indicators.rankings import rank_units
from dx_metrics.ingest import indexes, read_export
from dx_metrics.plans import DxPlanError, load_plan

INTL = REFERENCE / "intl_indexes"
needs_intl = pytest.mark.skipif(not INTL.is_dir(), reason="../shared/reference-data/intl_indexes is not beside the project")


@needs_intl
def test_oecd_dgi_long_table_reads_every_value_with_registry_names():
    path = INTL / "oecd_dgi_2023_long.csv"
    df = read_export(path, "index_scores")
    assert set(df["index"]) == {"OECD_DGI"} and set(df["year"]) == {2023}
    with open(path, encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    dims = {"digital_design", "data_driven", "govt_as_platform", "open_default", "proactiveness", "user_driven"}
    got = df.set_index(["unit_id", "component"])
    for r in rows:
        if r["variable"] in dims:
            assert got.loc[(r["cc_iso3c"], r["variable"]), "score"] == pytest.approx(float(r["value"]))
        elif r["variable"] == "composite_index":
            assert got.loc[(r["cc_iso3c"], "total"), "score"] == pytest.approx(float(r["value"]))
        elif r["variable"] == "composite_rank":     # the rank variable is the total's published rank
            assert got.loc[(r["cc_iso3c"], "total"), "rank"] == int(float(r["value"]))
    totals = df[df["component"] == "total"]
    assert len(totals) == 38 and totals["unit_id"].notna().all()
    # names through the registry: the Republic of Korea is the top of the 2023 DGI
    kor = totals.set_index("unit_id").loc["KOR"]
    assert kor["unit_name"] == "Hàn Quốc" and kor["rank"] == 1 and kor["score"] == pytest.approx(0.935)
    assert totals["rank"].isna().sum() == 5      # five partner countries are scored but not ranked


@needs_intl
def test_eu_egovernment_benchmark_long_workbook():
    path = INTL / "eu_egovernment_benchmark_2023_machine_readable.xlsx"
    df = read_export(path, "index_scores")
    assert set(df["index"]) == {"EU_EGOV"}
    cells = CalamineWorkbook.from_path(path).get_sheet_by_name("Machine Readable Format").to_python()[1:]
    overall = {(int(r[0]), r[1], r[2]): r[5] for r in cells if r[2] and r[3] == "EGOV_LIFE_EVENTS"}
    assert len(df) == len(overall)            # one row per (year, country, variable) of the overall rows
    got = df.set_index(["year", "unit_id", "component"])["score"]
    iso3 = {"AT": "AUT", "EL": "GRC", "MT": "MLT", "UK": "GBR"}
    for (year, code, variable), value in overall.items():
        if code in iso3 and variable in ("e_gov_0_score", "e_gov_1_UC", "e_gov_3a_KE_EID"):
            comp = {"e_gov_0_score": "total", "e_gov_1_UC": "user_centricity", "e_gov_3a_KE_EID": "eid"}[variable]
            assert got.loc[(year, iso3[code], comp)] == pytest.approx(value), (year, code, variable)
    assert df.loc[df["unit_id"] == "GRC", "unit_name"].iloc[0] == "Greece"      # "EL" named through the registry
    # the EU averages are reference rows: kept, never ranked
    eu = df[df["unit_name"].isin(["EU", "EUplus"])]
    assert len(eu) and set(eu["reference"]) == {"aggregate"} and eu["unit_id"].isna().all()
    ranked = rank_units(df[(df["component"] == "total") & (df["year"] == 2022)])
    assert ranked.loc[ranked["reference"].notna(), "rank"].isna().all()
    best = max((v, c) for (y, c, var), v in overall.items() if y == 2022 and var == "e_gov_0_score"
               and c not in ("EU", "EUplus"))
    assert ranked.loc[ranked["rank"] == 1, "unit_id"].tolist() == [iso3.get(best[1], best[1])]
    notes = [p.message for p in problems_of(df)]
    # the rows broken down by life event, counted and named from the cells: the first six kinds, then how many more
    apart = sorted({r[3] for r in cells if r[3] != "EGOV_LIFE_EVENTS"})
    count = sum(r[3] != "EGOV_LIFE_EVENTS" for r in cells)
    assert f"{count} row(s) break scores down ({', '.join(apart[:6])} … +{len(apart) - 6} more); only the overall " \
           "rows are read" in notes
    blank = sum(r[3] == "EGOV_LIFE_EVENTS" and not r[2] for r in cells)
    assert f"{blank} row(s) name no variable while others name the overall score; they are not read" in notes


def test_dti_page_title_names_the_index_and_a_rank_only_list_keeps_its_ties(tmp_path):
    rows = [["Đánh giá mức độ chuyển đổi số năm 2022"], ["Tỉnh", "Xếp hạng"],
            ["Đà Nẵng", "1"], ["Thừa Thiên Huế", "2"], ["Quảng Ninh", "2"], ["Hà Nội", "4"]]
    df = read_export(write_sheet(tmp_path / "dti.xlsx", rows), "index_scores")
    assert set(df["index"]) == {"DTI"} and set(df["year"]) == {2022}
    assert df["score"].isna().all()
    ranked = rank_units(df)
    assert ranked["rank"].tolist() == [1, 2, 2, 4]
    # out of how many is not known (the list may be the top of 63): no rank_of, no percentile
    assert ranked["rank_of"].isna().all() and ranked["percentile"].isna().all()


def test_rank_and_score_in_one_cell_are_split(tmp_path):
    rows = [["BẢNG XẾP HẠNG ICT INDEX NĂM 2017"], ["Bộ, ngành", "Xếp hạng"],
            ["Bộ Tài chính", "01 (0,727)"], ["Bộ Giao thông vận tải", "02 (0,690)"]]
    df = read_export(write_sheet(tmp_path / "ict.xlsx", rows), "index_scores")
    assert df["rank"].tolist() == [1, 2] and df["score"].tolist() == [0.727, 0.69]
    assert any("one cell" in n for n in df.attrs["origin"]["layout"])


def test_components_as_rows_with_a_dot_for_not_published(tmp_path):
    rows = [["Chỉ số DTI cấp tỉnh năm 2023"], ["Tỉnh", "Trụ cột", "Điểm"],
            ["Đà Nẵng", "Chính quyền số", "0,81"], ["Đà Nẵng", "Kinh tế số", "."],
            ["Hà Nội", "Chính quyền số", "0,79"], ["Hà Nội", "Kinh tế số", "0,55"]]
    df = read_export(write_sheet(tmp_path / "dti.xlsx", rows), "index_scores")      # strict: "." is no error
    assert len(df) == 4 and not [p for p in problems_of(df) if p.severity == "error"]
    scores = df.set_index(["unit_name", "component"])["score"]
    gov, econ = (indexes.catalogue()["DTI"].components[c] for c in ("digital_government", "digital_economy"))
    assert gov.name_vi == "Chính quyền số" and econ.name_vi == "Kinh tế số"
    assert scores[("Đà Nẵng", "digital_government")] == 0.81
    assert scores.isna().sum() == 1 and scores[("Hà Nội", "digital_economy")] == 0.55
    ranked = rank_units(df)
    assert ranked.set_index(["unit_name", "component"]).loc[("Hà Nội", "digital_economy"), "rank_of"] == 1


def test_a_table_naming_two_indexes_is_refused_and_index_settles_it(tmp_path):
    rows = [["So sánh PCI và PAPI năm 2016"], ["Tỉnh", "Điểm"], ["Hà Nội", "60"], ["Đà Nẵng", "70"]]
    path = write_sheet(tmp_path / "two.xlsx", rows)
    with pytest.raises(DxDataError) as e:
        read_export(path, "index_scores")
    assert "names more than one index (PAPI, PCI)" in str(e.value)
    assert set(read_export(path, "index_scores", index="pci")["index"]) == {"PCI"}
    with pytest.raises(ValueError, match="not an index dx_metrics knows.*EGDI"):
        read_export(path, "index_scores", index="Chỉ số hạnh phúc")


def test_validate_takes_index_and_explains_it(tmp_path, capsys):
    rows = [["Tỉnh", "Công khai, minh bạch", "Điểm"], ["Hà Nội", 6.0, 36.4], ["Đà Nẵng", 6.5, 38.1]]
    path = write_sheet(tmp_path / "scores.xlsx", rows, title="Sheet1")
    assert main(["validate", str(path), "--kind", "index_scores", "--period", "2016"]) == 1
    assert "which index" in capsys.readouterr().out
    assert main(["validate", str(path), "--kind", "index_scores", "--period", "2016", "--index", "PAPI",
                 "--explain"]) == 0
    out = capsys.readouterr().out
    assert "index: PAPI" in out and "component__transparency" in out


def test_a_plan_input_names_its_index(tmp_path):
    plan = tmp_path / "p.yaml"
    body = ("id: p\ntitle: Xếp hạng PCI\nunit: prov_01\nyear: 2016\n"
            "inputs:\n  - {path: x.xlsx, kind: index_scores, index: %s}\n")
    plan.write_text(body % "pci", encoding="utf-8")
    assert load_plan(plan).inputs[0].index == "PCI"
    plan.write_text(body % "Chỉ số hạnh phúc", encoding="utf-8")
    with pytest.raises(DxPlanError) as e:
        load_plan(plan)
    assert "inputs[0].index" in str(e.value) and "PAPI" in str(e.value)


@needs_intl
def test_a_rankings_report_follows_the_plan_unit_and_names_components(tmp_path):
    """What an analyst sees for a province's PCI: the province followed without a focus list,
    components by their Vietnamese names, the overall score first."""
    from dx_metrics.pipeline import build_plan_report
    from dx_metrics.report import followed_units
    from dx_metrics.report.tables import rankings_frame

    vn = REFERENCE / "vn_indexes"
    (tmp_path / "data").mkdir()
    for f in ("PCI_2015.xlsx", "PCI_2016.xlsx"):
        (tmp_path / "data" / f).write_bytes((vn / f).read_bytes())
    plan = tmp_path / "pci.yaml"
    plan.write_text("id: pci_hn\ntitle: PCI của Hà Nội\nunit: prov_01\nyear: 2016\ninputs:\n"
                    "  - {path: PCI_2016.xlsx, kind: index_scores}\n  - {path: PCI_2015.xlsx, kind: index_scores}\n",
                    encoding="utf-8")
    r = build_plan_report(plan, data_dir=tmp_path / "data")
    assert followed_units(r)[0] == "prov_01" and followed_units(r, ["mot"]) == ["mot"]
    df, _ = rankings_frame(r, "vi", focus=followed_units(r))
    df = df[df["Năm"] == 2016]
    assert df["Thành phần"].iloc[0] == "Tổng" and "Tiếp cận đất đai" in set(df["Thành phần"])
    hanoi = df[df["Thành phần"] == "Tổng"].iloc[0]
    # PCI 2016 summary sheet, row 15, columns V/W/X (the total's block): Hà Nội, 60,7409935, rank 14
    assert hanoi["Đơn vị"] == "Hà Nội" and hanoi["Hạng trong nhóm"] == "14/63"
    assert hanoi["Điểm"] == pytest.approx(60.740993, abs=1e-6)


@pytest.mark.parametrize("rows, said", [
    ([["BÁO CÁO NĂM 2023"], ["Tỉnh", "PCI 2022", "Xếp hạng"], ["Hà Nội", 60, 2], ["Đà Nẵng", 70, 1]],
     "the title says 2023 but the header 'PCI 2022' says 2022"),
    ([["Tỉnh", "PCI 2023", "Xếp hạng 2022"], ["Hà Nội", 60, 2], ["Đà Nẵng", 70, 1]],
     "the headers state different years"),
])
def test_years_that_disagree_are_refused(tmp_path, rows, said):
    with pytest.raises(DxDataError) as e:
        read_export(write_sheet(tmp_path / "pci.xlsx", rows, title="Sheet1"), "index_scores")
    assert said in str(e.value)


def test_pairs_in_a_score_column_or_without_decimals_are_not_split(tmp_path):
    # "87 (5)" in the score column, "5 (7)" (this year's and last year's rank?) in the rank column
    for head, cell in (("Điểm", "87 (5)"), ("Xếp hạng", "5 (7)")):
        rows = [["Chỉ số SIPAS năm 2023"], ["Tỉnh", head], ["Hà Nội", cell], ["Đà Nẵng", "12"]]
        df = read_export(write_sheet(tmp_path / "s.xlsx", rows), "index_scores", strict=False)
        assert any(p.severity == "error" and p.row == 3 for p in problems_of(df)), head
        assert "Hà Nội" not in set(df["unit_name"])


def test_an_overall_score_outside_the_index_scale_is_refused(tmp_path):
    # the DTI runs 0-1; "62" is a percentage or another index's score
    rows = [["Chỉ số DTI cấp tỉnh năm 2023"], ["Tỉnh", "Điểm"], ["Hà Nội", "0,62"], ["Đà Nẵng", "62"]]
    df = read_export(write_sheet(tmp_path / "dti.xlsx", rows), "index_scores", strict=False)
    (p,) = [p for p in problems_of(df) if p.severity == "error"]
    assert p.row == 4 and "outside the DTI scale" in p.message
    assert df["unit_name"].tolist() == ["Hà Nội"]


def test_a_decision_numbered_766_by_another_body_names_no_index(tmp_path):
    rows = [["Phụ lục kèm theo Quyết định 766/QĐ-UBND"], ["Năm 2023"], ["Tỉnh", "Điểm"], ["Hà Nội", "0,71"],
            ["Đà Nẵng", "0,69"]]
    with pytest.raises(DxDataError, match="does not say which index"):
        read_export(write_sheet(tmp_path / "pl.xlsx", rows), "index_scores")


def test_misleading_index_tables_are_refused_or_read_plainly(tmp_path):
    # components of another index under a title naming PCI: no PCI column is there (it crashed)
    rows = [["Chỉ số PCI năm 2023"], ["Tỉnh", "Kinh tế số", "Xã hội số"], ["Hà Nội", 0.5, 0.6], ["Huế", 0.4, 0.5]]
    with pytest.raises(DxDataError, match="no header of a PCI index table"):
        read_export(write_sheet(tmp_path / "a.xlsx", rows), "index_scores")
    # an index column that says PCI in a table titled DTI
    rows = [["Chỉ số DTI năm 2023"], ["Chỉ số", "Tỉnh", "Điểm"], ["PCI", "Hà Nội", 0.5], ["DTI", "Huế", 0.4]]
    df = read_export(write_sheet(tmp_path / "b.xlsx", rows), "index_scores", strict=False)
    (p,) = [p for p in problems_of(df) if p.severity == "error"]
    assert p.row == 3 and "is not DTI" in p.message and df["unit_name"].tolist() == ["Huế"]
    # a column of regions without a header beside the provinces is not a block of its own
    rows = [["Chỉ số PAPI năm 2016"], ["Tỉnh", None, "Điểm", "Xếp hạng"], ["Hà Nội", "Đồng bằng sông Hồng", 36.4, 2],
            ["Hải Phòng", "Đồng bằng sông Hồng", 35.1, 3], ["Đà Nẵng", "Duyên hải miền Trung", 38.2, 1]]
    df = read_export(write_sheet(tmp_path / "c.xlsx", rows), "index_scores")
    assert df["unit_name"].tolist() == ["Hà Nội", "Hải Phòng", "Đà Nẵng"] and not df.attrs["origin"]["layout"]
    # nor a group column ("Cao" / "Thấp") between a score and its rank
    rows = [["Chỉ số PAPI năm 2016"], ["Tỉnh", "Điểm", None, "Xếp hạng"], ["Hà Nội", 36.4, "Cao", 2],
            ["Hải Phòng", 35.1, "Thấp", 3], ["Đà Nẵng", 38.2, "Cao", 1]]
    df = read_export(write_sheet(tmp_path / "d.xlsx", rows), "index_scores")
    assert df.set_index("unit_name")["rank"].to_dict() == {"Hà Nội": 2, "Hải Phòng": 3, "Đà Nẵng": 1}
    # a "Giá trị trung bình" row is a reference value, not a province ranked among them
    rows = [["Chỉ số PAPI năm 2016"], ["Tỉnh", "Điểm"], ["Hà Nội", 36.4], ["Giá trị trung bình", 36.0],
            ["Đà Nẵng", 38.2]]
    ranked = rank_units(read_export(write_sheet(tmp_path / "e.xlsx", rows), "index_scores")).set_index("unit_name")
    assert (ranked.loc["Hà Nội", "rank"], ranked.loc["Đà Nẵng", "rank"]) == (2, 1)
    assert pd.isna(ranked.loc["Giá trị trung bình", "rank"]) and ranked.loc["Đà Nẵng", "rank_of"] == 2


def test_a_long_table_says_what_it_cannot_pair(tmp_path):
    path = tmp_path / "dgi.csv"
    path.write_text("cc_iso3c,ref_year,variable,value\nKOR,2023,digital_design,0.9\nKOR,2023,composite_rank,1\n"
                    "DNK,2023,composite_index,0.8\nDNK,2023,composite_rank,2\nDNK,2023,composite_rank,7\n",
                    encoding="utf-8")
    df = read_export(path, "index_scores", strict=False)
    msgs = [(p.severity, p.message) for p in problems_of(df)]
    assert any(s == "warning" and "no overall score row" in m and "KOR" in m for s, m in msgs)
    assert sum(s == "error" and "two different ranks" in m for s, m in msgs) == 2
    assert df.loc[df["component"] == "total", "rank"].isna().all()


def test_a_row_repeating_at_least_half_the_header_ends_the_table():
    import pandas as pd

    from dx_metrics.ingest.layouts import repeated_header

    head = ["Tỉnh", "Điểm", "Xếp hạng", "Năm", "Nhóm", "Ghi chú"]
    def body(*rows):
        return pd.DataFrame(list(rows), dtype=object)
    data = ["Bạc Liêu", 0.7, 12, 2023, "A", None]
    # six header texts: three of them repeated in their own columns is the header again (row 1)
    assert repeated_header(body(data, ["Tỉnh", "Điểm", "Xếp hạng", 5, 6, 7]), head) == 1
    # two of six is not: a unit named like a header cell is data
    assert repeated_header(body(data, ["Tỉnh", "Điểm", 3, 4, 5, 6]), head) is None
    # five texts: three needed, two are not enough
    assert repeated_header(body(data[:5], ["Tỉnh", "Điểm", 3, 4, 5]), head[:5]) is None
    assert repeated_header(body(data[:5], ["Tỉnh", "Điểm", "Xếp hạng", 4, 5]), head[:5]) == 1
    # four texts: two are half, and two is the least ever needed
    assert repeated_header(body(data[:4], [1, "Điểm", 3, "Năm"]), head[:4]) == 1
    assert repeated_header(body(data[:4], [1, "Điểm", 3, 4]), head[:4]) is None
    # a body of one row that is the header again, however few its rows
    assert repeated_header(body(head[:4]), head[:4]) == 0
    # a text in another column is not a repeat of it
    assert repeated_header(body(data[:4], ["Điểm", "Tỉnh", 3, 4]), head[:4]) is None


def test_a_lone_rank_and_score_cell_is_split_and_an_empty_rank_column_is_left_alone():
    import pandas as pd

    from dx_metrics.ingest.layouts import split_rank_and_score

    one = pd.DataFrame({"unit_name": ["Bộ Tài chính"], "rank": ["01 (0,727)"]})
    assert split_rank_and_score(one) is not None
    assert one["rank"].tolist() == ["01"] and one["score"].tolist() == ["0,727"]
    empty = pd.DataFrame({"unit_name": ["Bộ Tài chính", "Bộ Công an"], "rank": [None, None]})
    assert split_rank_and_score(empty) is None and "score" not in empty
    # four pairs of five ranks is enough (80 %), three of five is not
    some = pd.DataFrame({"rank": ["01 (0,7)", "02 (0,6)", "03 (0,5)", "04 (0,4)", "5"]})
    assert split_rank_and_score(some) is not None and some["rank"].tolist() == ["01", "02", "03", "04", "5"]
    few = pd.DataFrame({"rank": ["01 (0,7)", "02 (0,6)", "03 (0,5)", "4", "5"]})
    assert split_rank_and_score(few) is None and "score" not in few


def test_a_region_heading_is_skipped_but_a_province_with_a_dot_is_kept(tmp_path):
    rows = [["Chỉ số DTI cấp tỉnh năm 2023"], ["Tỉnh", "Điểm", "Xếp hạng"],
            ["Đồng bằng sông Hồng", None, None],                   # a heading: no figures at all
            ["Hà Nội", "0,79", "1"], ["Hải Phòng", ".", "."],       # not published: kept, no score
            ["Đồng bằng sông Cửu Long", None, None], ["Cần Thơ", "0,61", "2"]]
    df = read_export(write_sheet(tmp_path / "dti.xlsx", rows), "index_scores", strict=False)
    assert df["unit_name"].tolist() == ["Hà Nội", "Hải Phòng", "Cần Thơ"]
    assert df["score"].isna().tolist() == [False, True, False]
