"""Report labels in Vietnamese (default) and English."""
from __future__ import annotations

LANGS = ("vi", "en")

STATUS = {
    "vi": {"achieved": "Đạt", "not_achieved": "Không đạt", "on_track": "Đúng tiến độ", "at_risk": "Có nguy cơ",
           "off_track": "Chậm tiến độ", "no_data": "Chưa có số liệu"},
    "en": {"achieved": "Achieved", "not_achieved": "Not achieved", "on_track": "On track", "at_risk": "At risk",
           "off_track": "Off track", "no_data": "No data"},
}
# fill colours (Excel and HTML) by status
STATUS_COLOURS = {"achieved": "C6EFCE", "on_track": "C6EFCE", "at_risk": "FFEB9C", "not_achieved": "FFC7CE",
                  "off_track": "FFC7CE", "no_data": "E7E6E6"}

TASK_STATUS = {
    "vi": {"not_started": "Chưa triển khai", "in_progress": "Đang thực hiện", "done": "Hoàn thành"},
    "en": {"not_started": "Not started", "in_progress": "In progress", "done": "Done"},
}

COLUMNS = {
    "vi": {
        "indicator": "Chỉ tiêu", "indicator_id": "Mã chỉ tiêu", "unit": "Đơn vị", "unit_id": "Mã đơn vị",
        "period": "Kỳ", "numerator": "Tử số", "denominator": "Mẫu số", "value": "Giá trị", "actual": "Kết quả",
        "target": "Chỉ tiêu kế hoạch", "comparator": "So sánh", "met": "Đạt", "gap": "Chênh lệch",
        "attainment": "Mức hoàn thành", "status": "Đánh giá", "owner_unit": "Đơn vị chủ trì",
        "projected": "Dự báo cuối năm", "basis_period": "Kỳ số liệu", "source": "Nguồn", "notes": "Ghi chú",
        "note": "Ghi chú", "task_id": "Mã", "title": "Nhiệm vụ", "deadline": "Thời hạn",
        "completed_on": "Ngày hoàn thành", "overdue": "Quá hạn", "severity": "Mức độ", "reason": "Loại",
        "file": "Tệp", "sheet": "Trang tính", "row": "Dòng", "column": "Cột", "message": "Nội dung",
        "hint": "Cách khắc phục", "kind": "Loại bảng", "sha256": "SHA-256", "rows": "Số dòng", "path": "Đường dẫn",
        "key": "Mục", "count": "Số lượng", "task_status": "Tình trạng",
    },
    "en": {
        "indicator": "Indicator", "indicator_id": "Indicator id", "unit": "Unit", "unit_id": "Unit id",
        "period": "Period", "numerator": "Numerator", "denominator": "Denominator", "value": "Value",
        "actual": "Actual", "target": "Target", "comparator": "Comparator", "met": "Met", "gap": "Gap",
        "attainment": "Attainment", "status": "Status", "owner_unit": "Owner", "projected": "Projected year end",
        "basis_period": "Data period", "source": "Source", "notes": "Notes", "note": "Note", "task_id": "Id",
        "title": "Task", "deadline": "Deadline", "completed_on": "Completed on", "overdue": "Overdue",
        "severity": "Severity", "reason": "Reason", "file": "File", "sheet": "Sheet", "row": "Row",
        "column": "Column", "message": "Message", "hint": "Fix", "kind": "Table kind", "sha256": "SHA-256",
        "rows": "Rows", "path": "Path", "key": "Item", "count": "Count", "task_status": "Status",
    },
}

SHEETS = {
    "vi": {"summary": "Tổng hợp", "indicators": "Chỉ số", "targets": "Chỉ tiêu", "tasks": "Nhiệm vụ",
           "rankings": "Xếp hạng", "data_quality": "Chất lượng dữ liệu", "sources": "Nguồn dữ liệu"},
    "en": {"summary": "Summary", "indicators": "Indicators", "targets": "Targets", "tasks": "Tasks",
           "rankings": "Rankings", "data_quality": "Data quality", "sources": "Sources"},
}

TEXT = {
    "vi": {"yes": "Có", "no": "Không", "plan": "Kế hoạch", "year": "Năm", "generated": "Lập lúc",
           "targets_met": "Chỉ tiêu: đạt / có số liệu / tổng số", "tasks_total": "Tổng số nhiệm vụ", "tasks_done": "Đã hoàn thành",
           "tasks_due": "Có thời hạn trong năm", "tasks_overdue": "Quá hạn", "tasks_no_deadline": "Không đề ra thời hạn",
           "problems": "Vấn đề dữ liệu", "errors": "Lỗi", "warnings": "Cảnh báo", "target_line": "Chỉ tiêu",
           "no_problems": "Không phát hiện vấn đề nào trong dữ liệu đầu vào.", "legal": "Căn cứ",
           "unit": "Đơn vị", "as_of": "Số liệu đến ngày", "files_written": "Các tệp kết quả"},
    "en": {"yes": "Yes", "no": "No", "plan": "Plan", "year": "Year", "generated": "Generated",
           "targets_met": "Targets: met / with data / total", "tasks_total": "Tasks", "tasks_done": "Done", "tasks_due": "Due this year",
           "tasks_overdue": "Overdue", "tasks_no_deadline": "No deadline", "problems": "Data problems",
           "errors": "Errors", "warnings": "Warnings", "target_line": "Target",
           "no_problems": "No problems were found in the inputs.", "legal": "Basis", "unit": "Unit",
           "as_of": "Data as of", "files_written": "Files written"},
}


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be 'vi' or 'en', not {lang!r}")
    return lang

# Report sections: a heading and one or two sentences telling the reader what they see.
SECTIONS = {
    "vi": {
        "targets": ("Kết quả thực hiện các chỉ tiêu",
                    "Mỗi chỉ tiêu của kế hoạch: kết quả đo được, chỉ tiêu đặt ra, chênh lệch (điểm phần trăm đối với "
                    "tỷ lệ) và đơn vị chủ trì. Chỉ tiêu chưa có số liệu được ghi rõ, không bị bỏ qua."),
        "online_share": ("Tỷ lệ hồ sơ trực tuyến theo đơn vị",
                         "Hồ sơ tiếp nhận trực tuyến trên tổng số hồ sơ mới tiếp nhận trong kỳ (không tính hồ sơ kỳ "
                         "trước chuyển qua). Tỷ lệ của Sở được tính từ tổng tử số và tổng mẫu số, không lấy trung bình "
                         "các tỷ lệ."),
        "indicators": ("Các chỉ số tính từ dữ liệu", "Mọi chỉ số tính được từ các tệp đầu vào, kèm tử số và mẫu số."),
        "tasks": ("Nhiệm vụ theo đơn vị chủ trì",
                  "Nhiệm vụ của kế hoạch theo đơn vị chủ trì; nhiệm vụ quá thời hạn mà chưa hoàn thành được tô đỏ."),
        "data_quality": ("Chất lượng dữ liệu đầu vào",
                         "Mọi vấn đề phát hiện khi đọc tệp, kèm dòng và cột trong Excel. Dòng có lỗi không được tính."),
        "sources": ("Nguồn dữ liệu", "Các tệp đã đọc và mã SHA-256 của chúng, để đối chiếu đúng phiên bản tệp."),
    },
    "en": {
        "targets": ("Targets",
                    "Each target of the plan: the measured result, the target, the gap (percentage points for "
                    "shares) and the owner. Targets without data are shown as such, not left out."),
        "online_share": ("Online dossier share by unit",
                         "Dossiers received online over all dossiers newly received in the period (carried-over "
                         "dossiers excluded). The department's share sums numerators and denominators; it is not an "
                         "average of the units' shares."),
        "indicators": ("Indicators computed from the data", "Every indicator the inputs allow, with numerator and "
                       "denominator."),
        "tasks": ("Tasks by owner", "The plan's tasks by owner; tasks past their deadline and not done are in red."),
        "data_quality": ("Input data quality",
                         "Every problem found while reading the files, with its Excel row and column. Rows with "
                         "errors are not counted."),
        "sources": ("Sources", "The files read and their SHA-256, to tell exactly which version was used."),
    },
}
