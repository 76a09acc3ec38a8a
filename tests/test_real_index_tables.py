"""Real index tables written by others (../shared/reference-data/vn_indexes): PAPI and PCI.

Every expected figure is read straight from the file's cells with python-calamine at
positions picked by hand from the sheets (printed once and checked by eye), never through
dx_metrics. PCI summary sheets sort each component on its own, as a (province, score) pair
of columns; the components are checked against the per-component detail sheets, where each
province has one row.
"""
from __future__ import annotations

import pytest
from python_calamine import CalamineWorkbook

from conftest import REFERENCE, write_sheet
from dx_metrics.errors import DxDataError, problems_of
from dx_metrics.indicators.rankings import rank_units
from dx_metrics.ingest import read_export
from dx_metrics.text import fold

VN = REFERENCE / "vn_indexes"
pytestmark = pytest.mark.skipif(not VN.is_dir(), reason="../shared/reference-data/vn_indexes is not beside the project")


def _rows(file: str, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(VN / file).get_sheet_by_name(sheet).to_python()


# --- PCI ------------------------------------------------------------------------------------
# summary sheet; total: (name column, score column); rank: (name column, rank column), 0-based
PCI = {
    2010: ("PCI_2010.xls", "Tong hop", (21, 22), (23, 24)),
    2012: ("PCI_2012.xlsx", "Tong hop", (19, 20), (21, 22)),
    2015: ("PCI_2015.xlsx", "Summary_VN", (21, 22), (21, 23)),
    2016: ("PCI_2016.xlsx", "Summary_VN", (21, 22), (21, 23)),
}
# detail sheets, in sub-index order: (sheet, component id); data from the row whose first cell is 1
DETAIL = {
    2010: ["Chi phi gia nhap thi truong", "Tiep can dat dai", "Tinh minh bach", "Chi phi thoi gian",
           "Chi phi khong chinh thuc", "Tinh nang dong", "Ho tro doanh nghiep", "Dao tao lao dong",
           "Thiet che phap ly"],
    2012: ["Chi phi gia nhap thi truong", "Tiep can dat dai", "Tinh minh bach", "Chi phi thoi gian",
           "Chi phi khong chinh thuc", "Tinh nang dong", "Ho tro doanh nghiep", "Dao tao lao dong",
           "Thiet che phap ly"],
    2015: ["Chi phí gia nhập thị trường", "Tiếp cận đất đai", "Tính minh bạch", "Chi phí thời gian",
           "Chi phí không chính thức", "Cạnh tranh bình đẳng", "Tính năng động", "Dịch vụ hỗ trợ DN",
           "Đào tạo lao động", "Thiết chế pháp lý"],
}
DETAIL[2016] = DETAIL[2015]
COMPONENTS_9 = ["entry_costs", "land_access", "transparency", "time_costs", "informal_charges", "proactivity",
                "business_support", "labor_training", "legal_institutions"]
COMPONENTS_10 = COMPONENTS_9[:5] + ["policy_bias"] + COMPONENTS_9[5:]
FIVE = ["ha noi", "da nang", "lao cai", "ca mau", "yen bai"]


def _by_name(df, component: str) -> dict[str, tuple[float, object]]:
    part = df[df["component"] == component]
    return {fold(n): (s, r) for n, s, r in zip(part["unit_name"], part["score"], part.get("rank", part["score"]))}


@pytest.mark.parametrize("year", sorted(PCI))
def test_pci_total_and_rank_of_every_province_as_published(year):
    file, sheet, (tn, ts), (rn, rr) = PCI[year]
    df = read_export(VN / file, "index_scores")          # strict: no error in the whole table
    assert set(df["index"]) == {"PCI"} and set(df["year"]) == {year}
    rows = [r for r in _rows(file, sheet)[1:64]]
    score = {fold(r[tn]): r[ts] for r in rows}
    rank = {fold(r[rn]): int(r[rr]) for r in rows}
    got = _by_name(df, "total")
    assert len(got) == 63 and set(got) == set(score)
    for name, (s, r) in got.items():
        assert s == pytest.approx(score[name], abs=1e-9), name
        assert int(r) == rank[name], name


@pytest.mark.parametrize("year", sorted(PCI))
def test_pci_components_are_paired_with_their_own_province(year):
    file = PCI[year][0]
    df = read_export(VN / file, "index_scores")
    comps = COMPONENTS_10 if len(DETAIL[year]) == 10 else COMPONENTS_9
    for sheet, comp in zip(DETAIL[year], comps):
        rows = _rows(file, sheet)
        start = next(i for i, r in enumerate(rows) if r[0] == 1.0)
        published = {fold(r[1]): r[2] for r in rows[start:start + 63] if isinstance(r[1], str)}
        got = _by_name(df, comp)
        assert len(got) == 63, comp
        for name in FIVE:
            assert got[name][0] == pytest.approx(published[name], abs=1e-6), (comp, name)
        # and every province, not only five (the old reader got 60 of 63 wrong)
        same = sum(1 for n, (s, _) in got.items() if n in published and abs(s - published[n]) < 1e-6)
        assert same == len(set(got) & set(published)) >= 60, comp


def test_pci_reading_says_how_the_blocks_were_paired():
    df = read_export(VN / "PCI_2016.xlsx", "index_scores")
    layout = " ".join(df.attrs["origin"]["layout"])
    assert "sorted on its own" in layout and "row 66" in layout     # the look-up block under the table is left out


def _sorted_blocks(tmp_path, second_block: list[str]):
    rows = [["PCI 2016 — bảng tóm tắt"], ["Tỉnh", "PCI 2016", None, "Tiếp cận đất đai"],
            ["Hà Nội", 60.0, second_block[0], 5.0], ["Đà Nẵng", 70.0, second_block[1], 6.0],
            ["Lào Cai", 65.0, second_block[2], 7.0]]
    return write_sheet(tmp_path / "pci.xlsx", rows, title="Summary_VN")


def test_sorted_blocks_are_paired_by_name(tmp_path):
    df = read_export(_sorted_blocks(tmp_path, ["Lào Cai", "Hà Nội", "Đà Nẵng"]), "index_scores")
    land = dict(zip(df[df["component"] == "land_access"]["unit_name"], df[df["component"] == "land_access"]["score"]))
    # the land-access column is sorted on its own: Lào Cai 5, Hà Nội 6, Đà Nẵng 7
    assert land == {"Hà Nội": 6.0, "Đà Nẵng": 7.0, "Lào Cai": 5.0}


def test_sorted_blocks_that_cannot_be_paired_are_refused(tmp_path):
    with pytest.raises(DxDataError) as e:
        read_export(_sorted_blocks(tmp_path, ["Lào Cai", "Hà Nội", "Cà Mau"]), "index_scores")
    msg = str(e.value)
    assert "column C" in msg and "column(s) D" in msg and "Cà Mau" in msg and "Đà Nẵng" in msg
    assert "across blocks" in msg


# --- PAPI -----------------------------------------------------------------------------------
PAPI = "PAPI_2011-2016.xlsx"


@pytest.mark.parametrize("year", range(2011, 2017))
def test_papi_every_year_reads_63_provinces_and_keeps_the_highest_row_unranked(year):
    sheet = f"{year}_PAPI"
    df = read_export(VN / PAPI, "index_scores", sheet=sheet, strict=False)
    assert set(df["index"]) == {"PAPI"} and set(df["year"]) == {year}
    rows = _rows(PAPI, sheet)
    # a total of 0 with every dimension blank (the 2014 sheet has two: provinces without data)
    # is below PAPI's minimum of 6: read as not published, said, and never ranked as the worst
    zero = [i + 1 for i, r in enumerate(rows) if i >= 2 and r[31] == 0]
    assert not [p for p in problems_of(df) if p.severity == "error"]
    gaps = [p for p in problems_of(df) if "read as not published" in p.message]
    assert sorted(r for p in gaps for r in ([p.row] if p.row else [])) == zero
    total = df[df["component"] == "total"]
    provinces = total[total["reference"].isna()]
    assert len(provinces) == 63 and provinces["unit_id"].notna().all()
    assert provinces["score"].isna().sum() == len(zero)
    (best,) = total[total["reference"].notna()].itertuples()
    assert best.unit_name == "Điểm cao nhất" and best.reference == "highest"
    cells = {r[2]: r for r in rows[2:]}
    # total: last column; transparency: column I (8), as published
    assert best.score == pytest.approx(cells["Điểm cao nhất"][31])
    hanoi = df[df["unit_name"] == "Hà Nội"].set_index("component")["score"]
    assert hanoi["total"] == pytest.approx(cells["Hà Nội"][31])
    assert hanoi["transparency"] == pytest.approx(cells["Hà Nội"][8])
    ranked = rank_units(total)
    assert ranked.loc[ranked["reference"].notna(), "rank"].isna().all()
    assert set(ranked["rank_of"].dropna()) == {63 - len(zero)}
    top = ranked.loc[ranked["rank"] == 1, "unit_name"].tolist()
    assert top == [max((r[31], r[2]) for r in rows[2:] if r[0] != 999.0)[1]]


def test_a_papi_dimension_never_makes_a_table_the_766_index(tmp_path):
    # "Công khai, minh bạch" is a 766 component and a PAPI dimension: alone it names neither
    rows = [["Tỉnh", "Công khai, minh bạch", "Điểm"], ["Hà Nội", 6.0, 36.4], ["Đà Nẵng", 6.5, 38.1]]
    path = write_sheet(tmp_path / "scores.xlsx", rows, title="Sheet1")
    with pytest.raises(DxDataError) as e:
        read_export(path, "index_scores", period="2016")
    msg = str(e.value)
    assert "which index" in msg and "PAPI" in msg and "766" in msg and "PCI" in msg    # the catalogue is listed
    df = read_export(path, "index_scores", period="2016", index="PAPI")
    assert set(df["index"]) == {"PAPI"} and "transparency" in set(df["component"])
