"""Build the bundled sample exports in data/raw/ (run: python data/make_samples.py).

The files imitate what analysts receive: title rows, merged two-row Vietnamese headers,
Vietnamese number text, totals rows and signature footers. Figures published in the
seed articles are reproduced exactly; everything else is synthetic, drawn from a
random generator with a fixed seed so the files are the same on every run. data/README.md
says which is which.
"""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

RAW = Path(__file__).resolve().parent / "raw"
SEED = 20231214
FIXED_TIME = dt.datetime(2024, 1, 15, 8, 0, 0)
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

DOT_UNITS = [
    "Phòng Quản lý vận tải, phương tiện và người lái",
    "Phòng Quản lý kết cấu hạ tầng giao thông",
    "Phòng Quản lý chất lượng công trình giao thông",
    "Văn phòng Sở",
]
# (newly received, received online) per unit. 2022 adds up to 1.200 / 6.400 = 18,75 %,
# the share published for the department in seed 002; 2023 is synthetic.
DOT_2022 = [(5120, 1024), (640, 96), (400, 40), (240, 40)]
DOT_2023 = [(5400, 1782), (700, 161), (420, 63), (280, 70)]

MOT_UNITS = [
    "Cục Hàng hải Việt Nam", "Cục Đăng kiểm Việt Nam", "Tổng cục Đường bộ Việt Nam",
    "Cục Hàng không Việt Nam", "Cục Đường thủy nội địa Việt Nam",
    "Cục Quản lý xây dựng và Chất lượng công trình giao thông", "Cục Đường sắt Việt Nam",
]
MOT_ONLINE_WEIGHTS = [0.30, 0.25, 0.22, 0.08, 0.07, 0.05, 0.03]
MOT_ONLINE_TOTAL = 375_462          # seed 001: online dossiers, first 7 months of 2019

PROCEDURE_BASES = [
    "Cấp Giấy phép lái xe", "Đổi Giấy phép lái xe do ngành Giao thông vận tải cấp",
    "Cấp lại Giấy phép lái xe", "Cấp phù hiệu xe ô tô kinh doanh vận tải",
    "Cấp Giấy phép kinh doanh vận tải bằng xe ô tô", "Cấp Giấy phép xe tập lái",
    "Cấp giấy phép thi công công trình trên đường bộ đang khai thác",
    "Chấp thuận xây dựng cùng thời điểm với cấp giấy phép thi công",
    "Cấp Giấy phép lưu hành xe quá tải trọng, xe quá khổ giới hạn",
    "Đăng ký phương tiện thủy nội địa lần đầu", "Đăng ký lại phương tiện thủy nội địa",
    "Xóa giấy chứng nhận đăng ký phương tiện thủy nội địa",
    "Cấp giấy chứng nhận khả năng chuyên môn thuyền trưởng",
    "Công bố đưa bến thủy nội địa vào sử dụng", "Cấp giấy phép hoạt động bến khách ngang sông",
    "Thẩm định thiết kế xây dựng công trình giao thông",
    "Chấp thuận thiết kế kỹ thuật và phương án tổ chức giao thông",
    "Cấp Giấy chứng nhận giáo viên dạy thực hành lái xe", "Cấp mới Giấy phép đào tạo lái xe ô tô",
    "Công bố đưa trạm dừng nghỉ vào khai thác", "Đăng ký khai thác tuyến vận tải hành khách cố định",
    "Cấp biển hiệu xe ô tô vận chuyển khách du lịch", "Gia hạn Giấy phép vận tải quốc tế",
    "Cấp Giấy phép liên vận Việt Nam – Lào", "Cấp Giấy phép liên vận Việt – Campuchia",
]
VARIANTS = ["", " (cấp mới)", " (cấp lại do hết hạn)", " (cấp lại do mất, hỏng)"]


def _save(wb: Workbook, name: str) -> Path:
    wb.properties.creator = "dx_metrics sample generator"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    RAW.mkdir(parents=True, exist_ok=True)
    path = RAW / name
    wb.save(path)
    return path


def _title(ws, lines: list[tuple[str, str | None]], width: int) -> int:
    """Write title lines (left text, right text); return the next free row."""
    for i, (left, right) in enumerate(lines, start=1):
        ws.cell(i, 1, left).font = Font(bold=True)
        if right:
            ws.cell(i, width - 3, right).font = Font(bold=True)
    return len(lines) + 1


def _listing(ws, unit_lines: list[tuple[str, str | None]], title: str, subtitle: str | None,
             header: list[str], *, gap: int = 3) -> int:
    """Title lines, a bold title, an italic subtitle and a boxed header; returns the header row."""
    r = _title(ws, unit_lines, len(header))
    ws.cell(r, 1, title).font = Font(bold=True, size=13)
    if subtitle:
        ws.cell(r + 1, 1, subtitle).font = Font(italic=True)
    h = r + gap
    for c, v in enumerate(header, start=1):
        cell = ws.cell(h, c, v)
        cell.font, cell.border = Font(bold=True), BOX
    return h


def _one_stop_rows(rng: random.Random, received: list[tuple[int, int]]):
    rows = []
    for total, online in received:
        carried = rng.randint(total // 40, total // 15)
        available = total + carried
        resolved = round(available * rng.uniform(0.86, 0.95))
        late = round(resolved * rng.uniform(0.0, 0.03))
        early = round((resolved - late) * rng.uniform(0.15, 0.45))
        on_time = resolved - late - early
        pending = available - resolved
        overdue = round(pending * rng.uniform(0.0, 0.1))
        rows.append([available, online, total - online, carried, resolved, early, on_time, late,
                     pending, pending - overdue, overdue])
    return rows


def _one_stop_sheet(ws, *, unit: str, province: str, period_line: str, names: list[str], rows,
                    column_numbers: bool, as_text: bool, signed: str) -> None:
    width = 13
    r = _title(ws, [(province, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), (unit, "Độc lập - Tự do - Hạnh phúc"),
                    ("", None)], width)
    ws.cell(r, 1, "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH").font = Font(bold=True, size=13)
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
    ws.cell(r + 1, 1, period_line).font = Font(italic=True)
    ws.merge_cells(start_row=r + 1, start_column=1, end_row=r + 1, end_column=width)
    h = r + 3
    top = ["STT", "Đơn vị", "Số hồ sơ nhận giải quyết", None, None, None, "Kết quả giải quyết", None, None, None,
           "Số hồ sơ đang giải quyết", None, None]
    sub = [None, None, "Tổng số", "Trực tuyến", "Trực tiếp, dịch vụ bưu chính", "Kỳ trước chuyển qua",
           "Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn", "Tổng số", "Trong hạn", "Quá hạn"]
    for c, (a, b) in enumerate(zip(top, sub), start=1):
        for rr, v in ((h, a), (h + 1, b)):
            cell = ws.cell(rr, c, v)
            cell.font, cell.border = Font(bold=True), BOX
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.merge_cells(start_row=h, start_column=1, end_row=h + 1, end_column=1)
    ws.merge_cells(start_row=h, start_column=2, end_row=h + 1, end_column=2)
    for c1, c2 in ((3, 6), (7, 10), (11, 13)):
        ws.merge_cells(start_row=h, start_column=c1, end_row=h, end_column=c2)
    r = h + 2
    if column_numbers:
        for c in range(1, width + 1):
            ws.cell(r, c, f"({c})").alignment = Alignment(horizontal="center")
        r += 1
    for i, (name, values) in enumerate(zip(names, rows), start=1):
        ws.cell(r, 1, i)
        ws.cell(r, 2, name)
        for c, v in enumerate(values, start=3):
            ws.cell(r, c, f"{v:,}".replace(",", ".") if as_text else v)
        r += 1
    ws.cell(r, 2, "Tổng cộng").font = Font(bold=True)
    for c in range(3, width + 1):
        total = sum(row[c - 3] for row in rows)
        ws.cell(r, c, f"{total:,}".replace(",", ".") if as_text else total).font = Font(bold=True)
    r += 2
    ws.cell(r, 9, signed).font = Font(italic=True)
    ws.cell(r + 1, 2, "Người lập biểu").font = Font(bold=True)
    ws.cell(r + 1, 9, "Thủ trưởng đơn vị").font = Font(bold=True)
    ws.column_dimensions["B"].width = 48
    for c in range(3, width + 1):
        ws.column_dimensions[get_column_letter(c)].width = 13


def department_one_stop(year: int, received, *, period_line: str, column_numbers: bool, as_text: bool,
                        rng: random.Random) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Biểu 06a"
    _one_stop_sheet(ws, unit="SỞ GIAO THÔNG VẬN TẢI", province="UBND TỈNH BẠC LIÊU", period_line=period_line,
                    names=DOT_UNITS, rows=_one_stop_rows(rng, received), column_numbers=column_numbers,
                    as_text=as_text, signed=f"Bạc Liêu, ngày 15 tháng 12 năm {year}")
    return _save(wb, f"sgtvt_baclieu_mot_cua_{year}.xlsx")


# 2024 by quarter, five divisions (the four above and the inspectorate): (newly received,
# received online, resolved on time or early, late) per quarter; None: no report that quarter.
# Synthetic, with one planted anomaly of each kind the data quality review looks for
# (data/README.md lists them and the flags they raise).
DOT_2024_UNITS = DOT_UNITS + ["Thanh tra Sở"]
DOT_2024 = {
    "Phòng Quản lý vận tải, phương tiện và người lái":
        [(1320, 436, 1180, 12), (1400, 460, 1250, 14), (1380, 455, 1240, 12), (1450, 480, 1300, 15)],
    "Phòng Quản lý kết cấu hạ tầng giao thông":
        [(170, 39, 150, 3), (180, 41, 160, 3), (175, 40, 158, 3), (185, 43, 165, 4)],
    "Phòng Quản lý chất lượng công trình giao thông":      # planted: nothing received in Q3
        [(100, 15, 90, 2), (110, 17, 98, 2), (0, 0, 12, 0), (105, 16, 95, 2)],
    "Văn phòng Sở":                                        # planted: 25 % online, then 90 % in Q4
        [(68, 17, 62, 1), (72, 18, 65, 1), (70, 18, 63, 1), (70, 63, 63, 1)],
    "Thanh tra Sở":                                        # planted: no report for Q3
        [(40, 8, 36, 1), (42, 8, 38, 1), None, (40, 8, 36, 1)],
}
DOT_2024_CARRIED_Q1 = [60, 9, 6, 3, 2]
DOT_2024_STOCK_SLIP = ("Phòng Quản lý vận tải, phương tiện và người lái", 1, 12)   # Q2 carries 12 too many


def _quarter_rows(figures: dict, carried_q1: list[int]) -> list[list[tuple[str, list[int]]]]:
    """Each quarter's (unit, row) pairs, the pending dossiers of one quarter carried into the
    next (but for the planted slip)."""
    pending = dict(zip(figures, carried_q1))
    quarters = []
    for q in range(4):
        rows = []
        for name, series in figures.items():
            if series[q] is None:
                continue
            new, online, resolved_in_time, late = series[q]
            carried = pending[name] + (DOT_2024_STOCK_SLIP[2] if (name, q) == DOT_2024_STOCK_SLIP[:2] else 0)
            resolved = resolved_in_time + late
            early = resolved_in_time // 4
            left = carried + new - resolved
            overdue = left // 10
            rows.append((name, [carried + new, online, new - online, carried, resolved, early,
                                resolved_in_time - early, late, left, left - overdue, overdue]))
            pending[name] = left
        quarters.append(rows)
    return quarters


def department_quarters_2024() -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for q, rows in enumerate(_quarter_rows(DOT_2024, DOT_2024_CARRIED_Q1), start=1):
        ws = wb.create_sheet(f"Quý {'I' * q if q < 4 else 'IV'}")
        _one_stop_sheet(ws, unit="SỞ GIAO THÔNG VẬN TẢI", province="UBND TỈNH BẠC LIÊU",
                        period_line=f"Quý {'I' * q if q < 4 else 'IV'} năm 2024", names=[n for n, _ in rows],
                        rows=[r for _, r in rows], column_numbers=False, as_text=False,
                        signed=f"Bạc Liêu, ngày {[5, 5, 7, 6][q - 1]} tháng {3 * q % 12 + 1} năm {2024 + (q == 4)}")
    return _save(wb, "sgtvt_baclieu_mot_cua_quy_2024.xlsx")


def _split(total: int, weights: list[float]) -> list[int]:
    parts = [round(total * w) for w in weights[:-1]]
    return parts + [total - sum(parts)]


def ministry_one_stop_2019(rng: random.Random) -> Path:
    online = _split(MOT_ONLINE_TOTAL, MOT_ONLINE_WEIGHTS)
    received = [(round(o / rng.uniform(0.35, 0.85)), o) for o in online]
    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    _one_stop_sheet(ws, unit="TRUNG TÂM CÔNG NGHỆ THÔNG TIN", province="BỘ GIAO THÔNG VẬN TẢI",
                    period_line="Kỳ báo cáo: 7 tháng đầu năm 2019 (từ 01/01/2019 đến 31/7/2019)",
                    names=MOT_UNITS, rows=_one_stop_rows(rng, received), column_numbers=True, as_text=False,
                    signed="Hà Nội, ngày 09 tháng 8 năm 2019")
    return _save(wb, "bo_gtvt_mot_cua_7thang_2019.xlsx")


def services_catalogue(name: str, *, unit_lines, title: str, as_of_line: str, agencies: list[str],
                       levels: list[str], mobile: list[str], rng: random.Random) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh mục"
    h = _listing(ws, unit_lines + [("", None)], title, as_of_line,
                 ["STT", "Mã thủ tục", "Tên thủ tục hành chính", "Cơ quan thực hiện", "Mức độ DVC trực tuyến",
                  "Thiết bị di động"])
    codes = rng.sample(range(1000, 9999), len(levels))
    names = [b + v for v in VARIANTS for b in PROCEDURE_BASES]
    for i, (level, mob) in enumerate(zip(levels, mobile), start=1):
        row = [i, f"1.00{codes[i - 1]}", names[(i - 1) % len(names)] + ("" if i <= len(names) else f" – đợt {i // len(names) + 1}"),
               agencies[(i - 1) % len(agencies)], level, mob]
        for c, v in enumerate(row, start=1):
            ws.cell(h + i, c, v)
    ws.cell(h + len(levels) + 2, 3, "Ghi chú: Mức độ theo Nghị định 43/2011/NĐ-CP").font = Font(italic=True)
    ws.column_dimensions["C"].width = 70
    ws.column_dimensions["D"].width = 45
    return _save(wb, name)


# Self-reported results of the department for 2023 (synthetic): indicator name as the
# form writes it, numerator, denominator.
SELF_REPORT_2023 = [
    ("Tỷ lệ CCVCNLĐ có nhận thức đúng, đầy đủ về chuyển đổi số", 130, 180),
    ("Tỷ lệ hồ sơ TTHC được quản lý, theo dõi trên Cổng DVC và hệ thống một cửa điện tử", 6800, 6800),
    ("Tỷ lệ DVC trực tuyến mức độ 4 (toàn trình) dùng được trên thiết bị di động", 51, 60),
    ("Tỷ lệ hồ sơ công việc được xử lý trên môi trường mạng", 405, 1500),
    ("Tỷ lệ báo cáo định kỳ, thống kê thực hiện qua hệ thống thông tin báo cáo", 48, 48),
    ("Tỷ lệ máy tính được nâng cấp", 90, 120),
]

# Resolution 17/NQ-CP tasks of the Ministry of Transport (seed 001: 12 tasks, 3 due in
# 2019, 9 without a deadline). The three dated tasks follow the seed; the nine titles
# without a deadline and every status except the three are synthetic.
MOT_TASKS_2019 = [
    ("Xây dựng Cổng Dịch vụ công cấp bộ và Hệ thống thông tin một cửa điện tử tập trung",
     "Trung tâm Công nghệ thông tin", "Quý IV/2019", "Hoàn thành"),
    ("Thành lập Ban Chỉ đạo xây dựng Chính phủ điện tử và Tổ công tác giúp việc Trưởng ban",
     "Văn phòng Bộ", "Quý I/2019", "Hoàn thành"),
    ("Xây dựng, cập nhật Kiến trúc Chính phủ điện tử cấp bộ theo Khung kiến trúc phiên bản 2.0",
     "Trung tâm Công nghệ thông tin", "31/12/2019", "Chưa thực hiện"),
    ("Kết nối, liên thông hệ thống quản lý văn bản và điều hành với Trục liên thông văn bản quốc gia",
     "Văn phòng Bộ", "Không", "Đang thực hiện"),
    ("Xây dựng cơ sở dữ liệu chuyên ngành giao thông vận tải", "Trung tâm Công nghệ thông tin", "Thường xuyên",
     "Đang thực hiện"),
    ("Tăng cường cung cấp dịch vụ công trực tuyến mức độ 3, 4", "Văn phòng Bộ", "Không", "Đang thực hiện"),
    ("Tích hợp, chia sẻ dữ liệu với các cơ sở dữ liệu quốc gia", "Trung tâm Công nghệ thông tin", "Không",
     "Đang thực hiện"),
    ("Triển khai hệ thống thông tin báo cáo của Bộ, kết nối Hệ thống thông tin báo cáo Chính phủ",
     "Văn phòng Bộ", "Không", "Chưa thực hiện"),
    ("Bảo đảm an toàn, an ninh thông tin cho các hệ thống thông tin của Bộ", "Trung tâm Công nghệ thông tin",
     "Thường xuyên", "Đang thực hiện"),
    ("Đào tạo, bồi dưỡng kỹ năng ứng dụng công nghệ thông tin cho cán bộ, công chức", "Vụ Tổ chức cán bộ",
     "Hàng năm", "Đang thực hiện"),
    ("Tham gia Cơ chế một cửa quốc gia, Cơ chế một cửa ASEAN", "Cục Hàng hải Việt Nam", "Không", "Đang thực hiện"),
    ("Sử dụng chữ ký số trong gửi, nhận văn bản điện tử", "Văn phòng Bộ", "Không", "Đang thực hiện"),
]


def self_report_2023() -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Tự đánh giá"
    h = _listing(ws, [("UBND TỈNH BẠC LIÊU", None), ("SỞ GIAO THÔNG VẬN TẢI", None), ("", None)],
                 "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU CHUYỂN ĐỔI SỐ (ĐƠN VỊ TỰ ĐÁNH GIÁ)", "Năm 2023",
                 ["STT", "Chỉ tiêu", "Đơn vị", "Tử số", "Mẫu số", "Tỷ lệ"])
    for i, (name, num, den) in enumerate(SELF_REPORT_2023, start=1):
        pct = f"{num / den * 100:.2f}%".replace(".", ",")
        for c, v in enumerate([i, name, "Sở GTVT Bạc Liêu", num, den, pct], start=1):
            ws.cell(h + i, c, v)
    ws.column_dimensions["B"].width = 80
    return _save(wb, "sgtvt_baclieu_tu_danh_gia_2023.xlsx")


def ministry_tasks_2019() -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "NQ17"
    h = _listing(ws, [("BỘ GIAO THÔNG VẬN TẢI", None), ("TRUNG TÂM CÔNG NGHỆ THÔNG TIN", None), ("", None)],
                 "TÌNH HÌNH THỰC HIỆN NHIỆM VỤ TẠI NGHỊ QUYẾT 17/NQ-CP NGÀY 07/3/2019", "Số liệu đến ngày 09/9/2019",
                 ["STT", "Nhiệm vụ", "Đơn vị chủ trì", "Thời hạn hoàn thành", "Tình trạng"])
    for i, row in enumerate(MOT_TASKS_2019, start=1):
        for c, v in enumerate([i, *row], start=1):
            ws.cell(h + i, c, v)
    ws.column_dimensions["B"].width = 90
    ws.column_dimensions["C"].width = 32
    return _save(wb, "bo_gtvt_nhiem_vu_nq17_2019.xlsx")


def ict_index_2018_2019(rng: random.Random) -> Path:
    """ICT Index of the 20 ministries with public services, 2018 and 2019, as a long table.

    Published (seed 001): Bộ GTVT 17/20 in 2018, 13/20 in 2019; in 2019 component "Ứng
    dụng CNTT" 4/20 and "Dịch vụ công trực tuyến" 1/20. The other ministries appear as
    "Bộ, ngành 01" ... "Bộ, ngành 19" and every score is synthetic, drawn so that the
    ranks come out as published.
    """
    others = [f"Bộ, ngành {i:02d}" for i in range(1, 20)]

    def scores(mot_rank: int) -> list[tuple[str, float]]:
        values = sorted((round(rng.uniform(0.30, 0.95), 4) for _ in range(20)), reverse=True)
        while len(set(values)) < 20:
            values = sorted((round(rng.uniform(0.30, 0.95), 4) for _ in range(20)), reverse=True)
        mot = values.pop(mot_rank - 1)
        shuffled = others[:]
        rng.shuffle(shuffled)
        return [("Bộ Giao thông vận tải", mot)] + list(zip(shuffled, values))

    rows = []
    for year, component, rank in ((2018, "Tổng", 17), (2019, "Tổng", 13), (2019, "Ứng dụng CNTT", 4),
                                  (2019, "Dịch vụ công trực tuyến", 1)):
        rows += [(year, component, unit, score) for unit, score in scores(rank)]
    wb = Workbook()
    ws = wb.active
    ws.title = "ICT Index"
    h = _listing(ws, [("BỘ THÔNG TIN VÀ TRUYỀN THÔNG - HỘI TIN HỌC VIỆT NAM", None), ("", None)],
                 "BÁO CÁO ICT INDEX - KHỐI BỘ, NGÀNH CÓ DỊCH VỤ CÔNG (MẪU)", None,
                 ["Năm", "Nhóm", "Bộ, ngành", "Chỉ số thành phần", "Điểm", "Xếp hạng"], gap=2)
    ranks: dict[tuple[int, str], list[float]] = {}
    for year, component, _unit, score in rows:
        ranks.setdefault((year, component), []).append(score)
    for i, (year, component, unit, score) in enumerate(rows, start=1):
        rank = 1 + sum(s > score for s in ranks[(year, component)])
        for c, v in enumerate([year, "Bộ, ngành có dịch vụ công", unit, component,
                               f"{score:.4f}".replace(".", ","), rank], start=1):
            ws.cell(h + i, c, v)
    ws.column_dimensions["C"].width = 28
    ws.column_dimensions["D"].width = 26
    return _save(wb, "ict_index_bo_nganh_2018_2019.xlsx")


# --- the 766 scorecard (issue 29): An Giang's departments, October 2025 --------------------------
# The published side: the national portal's 766 scores of four departments for October 2025, copied
# from its own export (../shared/reference-data/vn_dvc_766/bao_cao_T10_2025__so_ban.csv, its layout
# and columns). The log side is synthetic: counts chosen so that dx_metrics' method gives the
# published TDGQ, TTTT, MDHL and MDSH of Ban Quản lý Khu kinh tế and Sở Công Thương to the portal's
# two decimals; Sở Dân tộc và Tôn giáo's MDHL cannot be met (17 with TDGQ 15: an overdue rate of
# 25 % leaves at most 0,75 satisfaction, 15 points), and Sở Y tế is published but not in the log.
PORTAL_766_HEADER = ["ID", "TEN", "TEN_COQUAN", "MA_COQUAN", "LOAI_COQUAN", "CAPDONVIID", "ID_COQUAN", "TDGQ",
                     "MDHL", "MDSH", "TTTT", "CLGQ", "CKMB", "TONG_SCORE", "ROW_STT"]
PORTAL_766_ROWS = [
    (398313, "Ban Quản lý Khu kinh tế - tỉnh An Giang", "H01.13", 20, 18, 17.75, 10, 10, 18, 93.75, 1),
    (398155, "Sở Công Thương - tỉnh An Giang", "H01.06", 19.03, 18, 15.37, 9.79, 10, 18, 90.19, 37),
    (398149, "Sở Dân tộc và Tôn giáo - tỉnh An Giang", "H01.07", 15, 17, 18, 10, 10, 18, 88, 78),
    (398167, "Sở Y tế - tỉnh An Giang", "H01.10", 18.31, 18, 8.95, 10, 10, 18, 83.26, 103),
]
# per department: October's received split into finished on time (of them `waited` after their
# day but within the days waited for supplements), finished late, and still open at the month's
# end not yet due; September's dossiers finished on time, late, or still open and overdue in
# October; of October's received: with a fee (paid online), digitised, with a complaint, online
LOG_766 = [
    # code, name, on time, waited, late, open, sep on time, sep late, sep open, fee, paid, digitised, complaints, online
    ("H01.13", "Ban Quản lý Khu kinh tế - tỉnh An Giang", 95, 5, 0, 15, 5, 0, 0, 20, 20, 71, 0, 90),
    ("H01.06", "Sở Công Thương - tỉnh An Giang", 88, 4, 3, 11, 10, 1, 1, 48, 47, 57, 2, 70),
    ("H01.07", "Sở Dân tộc và Tôn giáo - tỉnh An Giang", 28, 2, 8, 19, 2, 1, 1, 10, 10, 36, 0, 30),
]
LOG_766_WORK = {
    "H01.13": (["Cấp Giấy phép lao động cho người nước ngoài làm việc trong khu kinh tế",
                "Cấp Giấy chứng nhận đăng ký đầu tư"], ["Phòng Quản lý đầu tư", "Phòng Quản lý lao động"]),
    "H01.06": (["Cấp Giấy phép bán lẻ sản phẩm rượu", "Cấp Giấy chứng nhận đủ điều kiện an toàn thực phẩm",
                "Cấp Giấy xác nhận kiến thức về an toàn thực phẩm"], ["Phòng Quản lý thương mại", "Phòng Kỹ thuật an toàn"]),
    "H01.07": (["Đăng ký sinh hoạt tôn giáo tập trung", "Thông báo danh mục hoạt động tôn giáo"],
               ["Ban Tôn giáo", "Phòng Chính sách dân tộc"]),
}


def province_766_october_2025() -> list[Path]:
    """The portal's published 766 table of four departments, and a one-stop log of three of them."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sở Ban"
    ws.append(PORTAL_766_HEADER)
    for pid, name, code, *scores, row in PORTAL_766_ROWS:
        ws.append([pid, name, name, code, 2, 1, pid, *scores, row])
    published = _save(wb, "ag_chi_so_766_so_ban_T10_2025.xlsx")
    wb = Workbook()
    ws = wb.active
    ws.title = "Sổ theo dõi"
    header = ["Mã hồ sơ", "Mã cơ quan", "Đơn vị", "Tên thủ tục", "Phòng ban xử lý", "Ngày tiếp nhận",
              "Hình thức nộp", "Ngày hẹn trả", "Ngày trả kết quả", "Số ngày tạm dừng/bổ sung", "Phí, lệ phí",
              "Thanh toán trực tuyến", "Số hóa", "Phản ánh, kiến nghị"]
    h = _listing(ws, [("UBND TỈNH AN GIANG", None)], "SỔ THEO DÕI HỒ SƠ TIẾP NHẬN VÀ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
                 "Tháng 10/2025 (và hồ sơ kỳ trước giải quyết trong tháng)", header, gap=2)
    r = h + 1
    day = dt.datetime
    for code, name, on_time, waited, late, open_, s_on, s_late, s_open, fee, paid, digit, compl, online in LOG_766:
        procedures, divisions = LOG_766_WORK[code]
        october = ([("on_time", k < waited) for k in range(on_time)] + [("late", False)] * late
                   + [("open", False)] * open_)
        rows = []
        for i, (fate, wait) in enumerate(october):
            received = day(2025, 10, 1 + i % 20, 8 + i % 8)
            due = received + dt.timedelta(days=7)
            resolved = {"on_time": due + dt.timedelta(days=2) if wait else due - dt.timedelta(days=1 + i % 3),
                        "late": due + dt.timedelta(days=1 + i % 4), "open": None}[fate]
            if fate == "open":
                received = day(2025, 10, 24 + i % 8, 9)
                due = day(2025, 11, 5 + i % 5)
            k = i
            rows.append([f"{code}-{i + 1:04d}", received, "Trực tuyến" if k < online else "Trực tiếp", due,
                         resolved, 3 if wait else None, 50000 if k < fee else 0, "Có" if k < paid else "Không",
                         "Có" if (k + 7) % len(october) < digit else "Không",
                         "Có" if compl and k in (late + 3, late + 11)[:compl] else "Không", i])
        for j, fate in enumerate(["on_time"] * s_on + ["late"] * s_late + ["open"] * s_open):
            received = day(2025, 9, 10 + j % 15, 10)
            due = day(2025, 10, 1 + j % 5)
            resolved = {"on_time": due - dt.timedelta(days=1) if due.day > 1 else due, "late": due + dt.timedelta(days=6),
                        "open": None}[fate]
            if fate == "open":
                due = day(2025, 9, 30)
            rows.append([f"{code}-T9-{j + 1:03d}", received, "Trực tiếp", due, resolved, None, 50000, "Không",
                         "Không", "Có" if fate == "late" else "Không", j])
        for dossier, received, channel, due, resolved, wait, fee_, paid_, dig, comp, i in rows:
            values = [dossier, code, name, procedures[i % len(procedures)], divisions[i % len(divisions)],
                      received, channel, due, resolved, wait, fee_, paid_, dig, comp]
            for c, v in enumerate(values, start=1):
                cell = ws.cell(r, c, v)
                if isinstance(v, dt.datetime):
                    cell.number_format = "dd/mm/yyyy hh:mm" if c == 6 else "dd/mm/yyyy"
            r += 1
    for col, width in zip("ABCDEFGHIJKLMN", (16, 10, 36, 48, 26, 16, 12, 12, 16, 12, 10, 12, 8, 12)):
        ws.column_dimensions[col].width = width
    return [published, _save(wb, "ag_so_ban_mot_cua_T10_2025.xlsx")]


def main() -> list[Path]:
    rng = random.Random(SEED)
    paths = [
        department_one_stop(2022, DOT_2022, period_line="Năm 2022", column_numbers=False, as_text=True, rng=rng),
        department_one_stop(2023, DOT_2023, period_line="Kỳ báo cáo: từ ngày 15/12/2022 đến ngày 14/12/2023",
                            column_numbers=True, as_text=False, rng=rng),
        ministry_one_stop_2019(rng),
    ]
    # Department catalogue 2022: 94 services, 93 of them online (seed 002).
    dot_levels = ["Mức độ 2"] + [rng.choice(["Mức độ 3", "Mức độ 4", "Mức độ 4"]) for _ in range(93)]
    dot_mobile = ["Không" if lv == "Mức độ 2" else rng.choice(["Có", "Có", "x", ""]) for lv in dot_levels]
    paths.append(services_catalogue(
        "sgtvt_baclieu_dich_vu_cong_2022.xlsx", unit_lines=[("UBND TỈNH BẠC LIÊU", None), ("SỞ GIAO THÔNG VẬN TẢI", None)],
        title="DANH MỤC THỦ TỤC HÀNH CHÍNH VÀ MỨC ĐỘ CUNG CẤP DỊCH VỤ CÔNG TRỰC TUYẾN",
        as_of_line="Năm 2022 (tính đến ngày 14/12/2022)", agencies=["Sở Giao thông vận tải tỉnh Bạc Liêu"],
        levels=dot_levels, mobile=dot_mobile, rng=rng))
    # Ministry catalogue 2019: 310 online public services (seed 001); 22 offline is synthetic.
    mot_levels = [rng.choice(["Mức độ 3", "Mức độ 4"]) for _ in range(310)] + ["Mức độ 2"] * 22
    rng.shuffle(mot_levels)
    mot_mobile = ["" for _ in mot_levels]
    paths.append(services_catalogue(
        "bo_gtvt_dich_vu_cong_2019.xlsx", unit_lines=[("BỘ GIAO THÔNG VẬN TẢI", None)],
        title="DANH MỤC DỊCH VỤ CÔNG TRỰC TUYẾN CỦA BỘ GIAO THÔNG VẬN TẢI",
        as_of_line="Tháng 9/2019", agencies=MOT_UNITS, levels=mot_levels, mobile=mot_mobile, rng=rng))
    paths += [self_report_2023(), ministry_tasks_2019(), ict_index_2018_2019(rng), department_quarters_2024()]
    paths += province_766_october_2025()
    return paths


if __name__ == "__main__":
    for p in main():
        print(p.relative_to(RAW.parent.parent))
