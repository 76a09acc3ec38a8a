"""Unit names resolved in the file's scope: another department's "Văn phòng Sở" is never
Bạc Liêu's, unknown units count in their issuing body's total, ambiguity is an error."""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import ONE_STOP_MERGES, RAW, one_stop_rows, unit_row, write_sheet
from dx_metrics import DxDataError, compute_indicators, read_export
from dx_metrics import units
from dx_metrics.units import match_units, unit_key

CAMAU_DIVISIONS = [("Văn phòng Sở", 60, 40), ("Thanh tra Sở", 20, 5), ("Phòng Kế hoạch – Tài chính", 30, 10),
                   ("Phòng Bưu chính, Viễn thông", 150, 120), ("Phòng Công nghệ thông tin", 40, 30),
                   ("Trung tâm Công nghệ thông tin và Truyền thông", 50, 25)]
# newly received 60+20+30+150+40+50 = 350, online 40+5+10+120+30+25 = 230: 230/350 = 65,71 %
CAMAU_TOTAL = [350, 230, 120, 0, 350, 0, 350, 0, 0, 0, 0]


def camau_q3(tmp_path, total=CAMAU_TOTAL, *, period="QUÝ III NĂM 2024", name="camau_stttt_q3_2024.xlsx"):
    rows = one_stop_rows([unit_row(n, newly, online) for n, newly, online in CAMAU_DIVISIONS],
                         period_line=f"BÁO CÁO TÌNH HÌNH GIẢI QUYẾT TTHC {period}", total=total)
    rows[0], rows[1] = ["UBND TỈNH CÀ MAU"], ["SỞ THÔNG TIN VÀ TRUYỀN THÔNG"]
    return write_sheet(tmp_path / name, rows, merges=ONE_STOP_MERGES)


def test_another_departments_divisions_never_land_under_bac_lieu(tmp_path):
    df = read_export(camau_q3(tmp_path), "dossiers")
    scope = "prov_96~so_thong_tin_va_truyen_thong"       # Cà Mau's department, not in the registry
    assert df["period"].unique().tolist() == ["2024-Q3"]
    assert all(u.startswith(scope + "~") for u in df["unit_id"]), df["unit_id"].tolist()
    assert not any("baclieu" in u for u in df["unit_id"])
    origin = df.attrs["origin"]
    assert (origin["scope_id"], origin["scope_provisional"]) == (scope, True)
    assert len(origin["provisional_units"]) == 6
    warned = {p.value for p in problems_of(df) if p.reason == "provisional_unit"}
    assert warned == {n for n, _, _ in CAMAU_DIVISIONS}


def test_the_scope_total_counts_every_row_and_equals_the_totals_row(tmp_path):
    obs = compute_indicators({"dossiers": read_export(camau_q3(tmp_path), "dossiers")})
    share = obs[(obs.indicator_id == "online_dossier_share") & (obs.unit_id == "prov_96~so_thong_tin_va_truyen_thong")]
    assert (share.numerator.iloc[0], share.denominator.iloc[0]) == (230, 350)     # the totals row
    assert share.value.iloc[0] == pytest.approx(230 / 350)


def test_a_totals_row_that_disagrees_names_both_figures(tmp_path):
    bad = list(CAMAU_TOTAL)
    bad[1] = 240
    with pytest.raises(DxDataError) as info:
        read_export(camau_q3(tmp_path, total=bad), "dossiers")
    (p,) = [p for p in info.value.problems if p.severity == "error"]
    assert (p.row, p.message) == (13, "the totals row says 240 but the rows above add up to 230")


def test_the_ministrys_2019_report_with_an_unregistered_row_totals_to_its_totals_row(tmp_path):
    # the bundled 7-month report plus the ministry's own one-stop desk, which the registry lacks
    from openpyxl import load_workbook

    wb = load_workbook(RAW / "bo_gtvt_mot_cua_7thang_2019.xlsx")
    ws = wb.active
    ws.insert_rows(17)
    desk = [8, "Văn phòng Bộ (Bộ phận Một cửa)", 2062, 1500, 500, 62, 2062, 1000, 1062, 0, 0, 0, 0]
    for col, v in enumerate(desk, start=1):
        ws.cell(17, col, v)
    totals = [ws.cell(18, c).value for c in range(1, 14)]
    assert totals[1] == "Tổng cộng"
    for col in range(3, 14):
        ws.cell(18, col, totals[col - 1] + desk[col - 1])
    path = tmp_path / "bo_gtvt_mot_cua_7thang_2019.xlsx"
    wb.save(path)
    df = read_export(path, "dossiers")
    assert "mot~van_phong_bo_bo_phan_mot_cua" in set(df["unit_id"])
    obs = compute_indicators({"dossiers": df})
    row = obs[(obs.indicator_id == "online_dossier_share") & (obs.unit_id == "mot")].iloc[0]
    # totals row: online 375.462 + 1.500 = 376.962; newly received 593.899 − 23.452 carried
    # + 2.000 (the desk's 2.062 less its 62 carried) = 572.447
    assert (row.numerator, row.denominator) == (376_962, 572_447)


def test_generic_names_without_an_issuing_body_are_not_guessed(tmp_path):
    rows = [["Năm 2023"], ["Đơn vị", "Tiếp nhận trong kỳ", "Trực tuyến"], ["Văn phòng Sở", 10, 5]]
    df = read_export(write_sheet(tmp_path / "bare.xlsx", rows), "dossiers", strict=False)
    assert df["unit_id"].tolist() == ["?Văn phòng Sở"]
    (p,) = [p for p in problems_of(df) if p.reason == "unknown_unit"]
    assert "without the issuing body above the table" in p.message
    # read for a plan of Bạc Liêu's department, the plan's unit is the scope
    df = read_export(write_sheet(tmp_path / "bare2.xlsx", rows), "dossiers", scope="baclieu_dot")
    assert df["unit_id"].tolist() == ["baclieu_dot_office"]


def _overlay(tmp_path, rows: list[str]) -> list[str]:
    path = tmp_path / "units.csv"
    path.write_text(",".join(units.COLUMNS) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return units.set_overlay(path)


def test_a_name_that_fits_two_units_in_scope_is_an_error_listing_both(tmp_path):
    # a workspace lists the department's one-stop desk also as "Văn phòng Sở"
    _overlay(tmp_path, ["baclieu_dot_desk,Bộ phận Một cửa Sở Giao thông vận tải tỉnh Bạc Liêu,,division,baclieu_dot,"
                        ",2025-02-28,,Văn phòng Sở|Bộ phận Một cửa"])
    rows = one_stop_rows([unit_row("Văn phòng Sở", 10, 5), unit_row("Thanh tra Sở", 8, 2)])
    df = read_export(write_sheet(tmp_path / "dot.xlsx", rows), "dossiers", strict=False)
    (p,) = [p for p in problems_of(df) if p.reason == "ambiguous_unit"]
    assert p.severity == "error" and p.row == 7
    assert p.message == ('"Văn phòng Sở" fits several units: baclieu_dot_office (Văn phòng Sở Giao thông vận tải '
                         'tỉnh Bạc Liêu); baclieu_dot_desk (Bộ phận Một cửa Sở Giao thông vận tải tỉnh Bạc Liêu)')
    assert "write the unit's full name" in p.hint
    assert df["unit_name"].tolist() == ["Thanh tra Sở"]        # the other row is kept


def test_another_department_of_the_same_province_keeps_its_own_divisions(tmp_path):
    # "UBND TỈNH BẠC LIÊU / SỞ Y TẾ": the health department is not in the registry; its
    # "Văn phòng Sở" is not the transport department's office
    rows = one_stop_rows([unit_row("Văn phòng Sở", 10, 5), unit_row("Thanh tra Sở", 8, 2)])
    rows[1] = ["SỞ Y TẾ"]
    df = read_export(write_sheet(tmp_path / "syte.xlsx", rows), "dossiers")
    assert df["unit_id"].tolist() == ["prov_95~so_y_te~van_phong_so", "prov_95~so_y_te~thanh_tra_so"]
    # only the province above the table: its departments' divisions are not its own
    rows[1] = [None]
    df = read_export(write_sheet(tmp_path / "prov.xlsx", rows), "dossiers", strict=False)
    assert not any(u.startswith("baclieu_dot") for u in df["unit_id"])
    # the same file read for the transport department's plan is that department's
    df = read_export(write_sheet(tmp_path / "prov2.xlsx", rows), "dossiers", scope="baclieu_dot")
    assert df["unit_id"].tolist() == ["baclieu_dot_office", "baclieu_dot_inspect"]


def test_a_bare_short_form_is_the_scopes_own_unit_not_a_registry_namesake(tmp_path):
    rows = one_stop_rows([unit_row("TTCNTT", 10, 5)])
    rows[0], rows[1] = ["UBND TỈNH CÀ MAU"], ["SỞ THÔNG TIN VÀ TRUYỀN THÔNG"]
    df = read_export(write_sheet(tmp_path / "cm.xlsx", rows), "dossiers")
    assert df["unit_id"].tolist() == ["prov_96~so_thong_tin_va_truyen_thong~ttcntt"]      # not mot_it_centre


def test_a_document_number_is_not_an_issuing_body(tmp_path):
    # "Số: 45/BC-SGTVT" under the department starts like "Sở …"; it must not become a body
    # holding the department's (here unregistered) division
    rows = one_stop_rows([unit_row("Phòng Pháp chế", 10, 5)])
    rows[1] = ["Số: 45/BC-SGTVT"]
    rows.insert(1, ["SỞ GIAO THÔNG VẬN TẢI"])
    df = read_export(write_sheet(tmp_path / "so.xlsx", rows), "dossiers")
    assert df.attrs["origin"]["scope_id"] == "baclieu_dot"
    assert df["unit_id"].tolist() == ["baclieu_dot~phong_phap_che"]


def test_a_workspace_registry_row_wins_over_the_bundled_one_and_is_reported(tmp_path):
    notes = _overlay(tmp_path, ["baclieu_dot_office,Văn phòng Sở GTVT Bạc Liêu,Office,division,baclieu_dot,,2025-02-28,,"
                                "Văn phòng Sở|VP Sở"])
    assert notes == ["units.csv: baclieu_dot_office replaces the bundled row (name_vi, name_en, name_variants differ)"]
    assert match_units(pd.Series(["VP Sở"]), scope="baclieu_dot").tolist() == ["baclieu_dot_office"]
    assert units.unit_names(pd.Series(["baclieu_dot_office"])).tolist() == ["Văn phòng Sở GTVT Bạc Liêu"]
    units.set_overlay(None)
    assert match_units(pd.Series(["VP Sở"]), scope="baclieu_dot").tolist() == ["baclieu_dot~vp_so"]


@pytest.mark.parametrize("written, unit", [
    ("TP. Hồ Chí Minh", "prov_79"), ("Tp.HCM", "prov_79"), ("T.P. Hồ Chí Minh", "prov_79"), ("TP HCM", "prov_79"),
    ("Thành phố Hà Nội", "prov_01"), ("TP. Hà Nội", "prov_01"), ("Tỉnh Bạc Liêu", "prov_95"),
    ("UBND tỉnh Bạc Liêu", "prov_95"), ("Ủy ban nhân dân tỉnh Bạc Liêu", "prov_95"),
    ("Thừa Thiên - Huế", "prov_46_tth"), ("Thừa Thiên-Huế", "prov_46_tth"), ("TT.Huế", "prov_46_tth"),
    ("Tỉnh Thừa Thiên Huế", "prov_46_tth"), ("BRVT", "prov_77"), ("Bà Rịa - Vũng Tàu", "prov_77"),
    ("Bắc Cạn", "prov_06"), ("Bắc Kạn", "prov_06"),
])
def test_official_short_and_variant_forms(written, unit):
    # a 2024 table: the provinces before the 2025 mergers
    assert match_units(pd.Series([written]), at=pd.Series([pd.Timestamp("2024-06-30")])).tolist() == [unit]


def test_a_2026_table_says_hue_and_means_the_city():
    assert match_units(pd.Series(["Huế"]), at=pd.Series([pd.Timestamp("2026-01-31")])).tolist() == ["prov_46"]
    assert unit_key("UBND TP. Huế") == "thanh pho hue"


# --- the registry covers the country's bodies, the UN's members, and the portal's codes ----

from conftest import REFERENCE  # noqa: E402
from dx_metrics.units import in_group, successor_at, valid_at  # noqa: E402
from dx_metrics.errors import problems_of  # noqa: E402


def test_ministries_in_force_before_and_after_1_march_2025():
    # 18 ministries until 28/02/2025 (Resolution 176/2025/QH15 reorganised them into 14)
    assert len(valid_at("2025-02-28", kind="ministry")) == 18
    assert len(valid_at("2025-03-01", kind="ministry")) == 14
    assert len(valid_at("2025-03-01", kind="ministerial_agency")) == 3
    for old, new in (("mot", "moc"), ("mic", "most"), ("mpi", "mof"), ("mard", "mae"), ("monre", "mae"),
                     ("molisa", "moha"), ("cema", "moera"), ("moc_2024", "moc")):
        assert successor_at(old, "2025-06-01") == new, old
    at = pd.Series([pd.Timestamp("2024-12-31"), pd.Timestamp("2025-12-31")])
    assert match_units(pd.Series(["Bộ Xây dựng", "Bộ Xây dựng"]), at=at).tolist() == ["moc_2024", "moc"]
    assert match_units(pd.Series(["Bộ TT&TT"]), at=at[:1]).tolist() == ["mic"]


def test_un_members_and_asean_are_groups_of_the_registry():
    assert len(in_group("un_member")) == 193
    assert sorted(in_group("asean")["unit_id"]) == ["BRN", "IDN", "KHM", "LAO", "MMR", "MYS", "PHL", "SGP", "THA",
                                                   "VNM"]
    assert match_units(pd.Series(["Viet Nam", "VNM", "Lao People's Democratic Republic"])).tolist() == \
        ["VNM", "VNM", "LAO"]


def test_the_portals_province_codes_identify_provinces():
    at = pd.Series([pd.Timestamp("2025-10-31")] * 3)
    assert match_units(pd.Series(["H12", "H26", "H57"]), at=at).tolist() == ["prov2025_96", "prov_01", "prov_46"]


def test_the_766_portal_table_maps_every_province():
    path = REFERENCE / "vn_dvc_766" / "bao_cao_thang_10_2025__bao_cao_766.csv"
    if not path.exists():
        pytest.skip("../shared/reference-data is not beside the project")
    df = read_export(path, "index_scores", period="2025-10", strict=False)
    by_name = dict(zip(df["unit_name"], df["unit_id"]))
    assert len(set(by_name.values())) == 34 and not any(u.startswith("?") for u in by_name.values())
    assert by_name["UBND tỉnh Cà Mau"] == "prov2025_96" and by_name["UBND Thành phố Huế"] == "prov_46"


def test_a_plan_reads_a_province_titled_file_as_its_departments(tmp_path):
    # title: only "UBND TỈNH BẠC LIÊU"; read for the transport department's plan, an unknown
    # division counts in the department's total: (60 + 40 + 400) of (100 + 100 + 1000)
    from dx_metrics.pipeline import build_plan_report

    rows = one_stop_rows([unit_row("Phòng Quản lý vận tải, phương tiện và người lái", 100, 60),
                          unit_row("Văn phòng Sở", 100, 40), unit_row("Phòng Pháp chế", 1000, 400)])
    rows[1] = [None]
    (tmp_path / "data").mkdir()
    (tmp_path / "params").mkdir()
    write_sheet(tmp_path / "data" / "prov.xlsx", rows)
    plan = tmp_path / "params" / "p.yaml"
    plan.write_text("id: p\ntitle: t\nunit: baclieu_dot\nyear: 2023\ninputs:\n  - {path: prov.xlsx, kind: dossiers}\n"
                    "targets:\n  - {indicator: online_dossier_share, value: 20%}\n", encoding="utf-8")
    row = build_plan_report(plan).evaluation.iloc[0]
    assert (row.numerator, row.denominator) == (500, 1200)
    # the same file in a plan of another unit: its own scope, its own figures (and cache entry)
    other = tmp_path / "params" / "q.yaml"
    other.write_text(plan.read_text("utf-8").replace("id: p", "id: q").replace("baclieu_dot", "prov_95"),
                     encoding="utf-8")
    ev = build_plan_report(other).evaluation.iloc[0]
    assert ev.status == "no_data" and ev.no_data_reason == "unit_not_in_input"   # a province is no sum of offices


def test_validate_uses_the_workspace_registry(tmp_path, monkeypatch, capsys):
    from dx_metrics.cli import main

    rows = one_stop_rows([unit_row("Văn phòng Sở", 10, 5)])
    rows[0], rows[1] = ["UBND TỈNH CÀ MAU"], ["SỞ THÔNG TIN VÀ TRUYỀN THÔNG"]
    (tmp_path / "data").mkdir()
    (tmp_path / "params").mkdir()
    write_sheet(tmp_path / "data" / "cm.xlsx", rows)
    (tmp_path / "units.csv").write_text(
        ",".join(units.COLUMNS) + "\n"
        "camau_dic,Sở Thông tin và Truyền thông tỉnh Cà Mau,,department,prov_96,,2025-02-28,,Sở Thông tin và Truyền thông\n"
        "camau_dic_office,Văn phòng Sở Thông tin và Truyền thông tỉnh Cà Mau,,division,camau_dic,,2025-02-28,,Văn phòng Sở\n",
        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "data/cm.xlsx"]) == 0
    assert "1 valid row(s), 0 error(s), 0 warning(s)" in capsys.readouterr().out


def test_a_name_deeper_in_the_scope_is_found_there(tmp_path):
    # a ministry's report listing a unit two levels down: "Cảng vụ Đường thủy nội địa khu vực I"
    # (under the Inland Waterways Administration) names no province and no ministry, yet it is the
    # ministry's own, not a provisional unit
    _overlay(tmp_path, ["mot_viwa_port1,Cảng vụ Đường thủy nội địa khu vực I,,agency,mot_viwa,,,,"])
    rows = one_stop_rows([unit_row("Cảng vụ Đường thủy nội địa khu vực I", 10, 5)], period_line="Năm 2019")
    rows[0], rows[1] = ["BỘ GIAO THÔNG VẬN TẢI"], [None]
    df = read_export(write_sheet(tmp_path / "mot.xlsx", rows), "dossiers")
    assert df["unit_id"].tolist() == ["mot_viwa_port1"]


def _national_records(tmp_path, title="CỔNG DỊCH VỤ CÔNG QUỐC GIA", names=("Bạc Liêu", "Cà Mau", "Hà Nội")):
    rows = [[title], ["DANH SÁCH HỒ SƠ NĂM 2023"], ["Mã hồ sơ", "Đơn vị", "Ngày tiếp nhận", "Hình thức nộp"]]
    for i in range(30):
        rows.append([f"HS-{i}", names[i % len(names)], f"{1 + i % 28:02d}/03/2023", "Trực tuyến"])
    return write_sheet(tmp_path / "quoc_gia.xlsx", rows, title="Hồ sơ")


def test_a_national_export_naming_provinces_is_parsed_once_for_the_plans_of_every_province(tmp_path, monkeypatch):
    import dx_metrics.ingest as ingest

    path = _national_records(tmp_path)
    parsed = []
    real = ingest.parse_export
    monkeypatch.setattr(ingest, "parse_export", lambda *a, **k: parsed.append(k.get("scope")) or real(*a, **k))
    a = read_export(path, "dossier_records", scope="baclieu_dot")
    b = read_export(path, "dossier_records", scope="prov_96")
    assert parsed == ["baclieu_dot"]                      # the second scope reads the first parse
    pd.testing.assert_frame_equal(a, b)
    assert (a.attrs["origin"]["scope_id"], b.attrs["origin"]["scope_id"]) == ("baclieu_dot", "prov_96")
    assert b.attrs["origin"]["scope_name"] == "Tỉnh Cà Mau"
    assert set(b["unit_id"]) == {"prov_95", "prov_96", "prov_01"}


@pytest.mark.parametrize("title,names", [("SỞ GIAO THÔNG VẬN TẢI", ("Bạc Liêu",)),      # a title naming a body
                                         ("CỔNG DỊCH VỤ CÔNG QUỐC GIA", ("Văn phòng Sở",))])  # a generic name
def test_a_file_whose_reading_depends_on_the_scope_is_parsed_in_each(tmp_path, monkeypatch, title, names):
    import dx_metrics.ingest as ingest

    path = _national_records(tmp_path, title=title, names=names)
    parsed = []
    real = ingest.parse_export
    monkeypatch.setattr(ingest, "parse_export", lambda *a, **k: parsed.append(k.get("scope")) or real(*a, **k))
    for scope in ("baclieu_dot", "prov_96"):
        read_export(path, "dossier_records", scope=scope, strict=False)
    assert parsed == ["baclieu_dot", "prov_96"]


def test_an_issuing_body_the_registry_lacks_becomes_a_provisional_scope(tmp_path):
    rows = one_stop_rows([unit_row("Văn phòng Sở", 100, 30)], total=None)
    rows[0], rows[1] = ["CỤC THỬ NGHIỆM SỐ HÓA"], [None]       # a body the registry has never heard of
    df = read_export(write_sheet(tmp_path / "dp.xlsx", rows, merges=ONE_STOP_MERGES), "dossiers", strict=False)
    origin = df.attrs["origin"]
    assert origin["scope_provisional"] and origin["scope_name"] == "CỤC THỬ NGHIỆM SỐ HÓA"
    assert df["unit_id"].iloc[0].startswith(origin["scope_id"] + "~")      # its office, under it
