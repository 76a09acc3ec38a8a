"""Report labels in Vietnamese (default) and English."""
from __future__ import annotations

from dx_metrics import notes

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

TRAJECTORY = {
    "vi": {"achieved": "Đã đạt", "on_track": "Đúng lộ trình", "acceleration_needed": "Cần đẩy nhanh",
           "limited_progress": "Tiến triển hạn chế", "deterioration": "Đi xuống"},
    "en": {"achieved": "Achieved", "on_track": "On track", "acceleration_needed": "Acceleration needed",
           "limited_progress": "Limited progress", "deterioration": "Deterioration"},
}

SEVERITY = {"vi": {"error": "lỗi", "warning": "cảnh báo"}, "en": {"error": "error", "warning": "warning"}}
# table kinds by name: one list, in dx_metrics/notes.yaml (the notes name them too)
KIND = {lang: {kind: names[lang] for kind, names in notes.templates()["tables"].items()} for lang in LANGS}

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
        "projected": "Dự báo cuối năm", "pace": "Phần còn lại của năm cần đạt", "basis_period": "Kỳ số liệu", "source": "Nguồn", "notes": "Ghi chú",
        "note": "Ghi chú", "task_id": "Mã", "title": "Nhiệm vụ", "deadline": "Thời hạn",
        "completed_on": "Ngày hoàn thành", "overdue": "Quá hạn", "severity": "Mức độ", "reason": "Loại",
        "file": "Tệp", "sheet": "Trang tính", "row": "Dòng", "column": "Cột", "message": "Nội dung",
        "hint": "Cách khắc phục", "kind": "Loại bảng", "sha256": "SHA-256", "rows": "Số dòng", "path": "Đường dẫn",
        "key": "Mục", "count": "Số lượng", "task_status": "Tình trạng",
        "index": "Chỉ số", "year": "Năm", "component": "Thành phần", "peer_group": "Nhóm", "score": "Điểm",
        "rank": "Hạng trong nhóm", "rank_of": "Số đơn vị", "rank_change": "Thay đổi hạng", "percentile": "Bách phân vị",
        "rank_published": "Hạng công bố", "rank_published_change": "Thay đổi hạng công bố",
        "trajectory": "Lộ trình", "horizon": "Mốc", "projected_note": "Dự báo", "kind_item": "Loại", "item": "Nội dung",
        "value_previous": "Năm trước", "value_current": "Năm nay", "change": "Thay đổi",
        "span_previous": "Kỳ năm trước", "span_current": "Kỳ năm nay",
        "target_previous": "Chỉ tiêu năm trước", "target_current": "Chỉ tiêu năm nay", "target_raised": "Nâng chỉ tiêu",
        "definition_change": "Đổi định nghĩa", "predecessors": "Đơn vị tiền thân",
    },
    "en": {
        "indicator": "Indicator", "indicator_id": "Indicator id", "unit": "Unit", "unit_id": "Unit id",
        "period": "Period", "numerator": "Numerator", "denominator": "Denominator", "value": "Value",
        "actual": "Actual", "target": "Target", "comparator": "Comparator", "met": "Met", "gap": "Gap",
        "attainment": "Attainment", "status": "Status", "owner_unit": "Owner", "projected": "Projected year end", "pace": "The rest of the year needs",
        "basis_period": "Data period", "source": "Source", "notes": "Notes", "note": "Note", "task_id": "Id",
        "title": "Task", "deadline": "Deadline", "completed_on": "Completed on", "overdue": "Overdue",
        "severity": "Severity", "reason": "Reason", "file": "File", "sheet": "Sheet", "row": "Row",
        "column": "Column", "message": "Message", "hint": "Fix", "kind": "Table kind", "sha256": "SHA-256",
        "rows": "Rows", "path": "Path", "key": "Item", "count": "Count", "task_status": "Status",
        "index": "Index", "year": "Year", "component": "Component", "peer_group": "Peer group", "score": "Score",
        "rank": "Rank in group", "rank_of": "Units", "rank_change": "Rank change", "percentile": "Percentile",
        "rank_published": "Published rank", "rank_published_change": "Published rank change",
        "trajectory": "Trajectory", "horizon": "Horizon", "projected_note": "Projection", "kind_item": "Kind",
        "item": "Item", "value_previous": "Last year", "value_current": "This year", "change": "Change",
        "span_previous": "Last year's span", "span_current": "This year's span",
        "target_previous": "Last year's target", "target_current": "This year's target",
        "target_raised": "Target raised", "definition_change": "Definition changed", "predecessors": "Predecessors",
    },
}

SHEETS = {
    "vi": {"summary": "Tổng hợp", "indicators": "Chỉ số", "targets": "Chỉ tiêu", "tasks": "Nhiệm vụ",
           "comparison": "So với năm trước",
           "rankings": "Xếp hạng", "data_quality": "Chất lượng dữ liệu", "sources": "Nguồn dữ liệu",
           "review": "Rà soát số liệu", "review_flags": "Rà soát - dấu hiệu"},
    "en": {"summary": "Summary", "indicators": "Indicators", "targets": "Targets", "tasks": "Tasks",
           "comparison": "Against last year",
           "rankings": "Rankings", "data_quality": "Data quality", "sources": "Sources",
           "review": "Data review", "review_flags": "Data review - flags"},
}

TEXT = {
    "vi": {"yes": "Có", "no": "Không", "plan": "Kế hoạch", "year": "Năm", "generated": "Lập lúc",
           "targets_met": "Chỉ tiêu: đạt / có số liệu / tổng số",
           "targets_met_running": "Chỉ tiêu: đúng tiến độ / có số liệu / tổng số", "tasks_total": "Tổng số nhiệm vụ", "tasks_done": "Đã hoàn thành",
           "tasks_due": "Có thời hạn trong năm", "tasks_overdue": "Quá hạn", "tasks_no_deadline": "Không đề ra thời hạn",
           "problems": "Vấn đề dữ liệu", "errors": "Lỗi", "warnings": "Cảnh báo", "target_line": "Chỉ tiêu",
           "no_problems": "Không phát hiện vấn đề nào trong dữ liệu đầu vào.", "legal": "Căn cứ",
           "headline_target": "Chỉ tiêu", "headline_figure": "Kết quả", "headline_status": "Đánh giá",
           "headline_caveat": "Lưu ý về số liệu", "no_figure": "Chưa có số liệu",
           "caveat_note": "* Số liệu mà đánh giá dựa vào có dấu hiệu cần kiểm tra lại (xem mục rà soát chất lượng số liệu).",
           "no_flags": "Không phát hiện dấu hiệu nào cần kiểm tra lại.", "flags_found": "Phát hiện {n} dấu hiệu cần kiểm tra lại:",
           "no_tasks": "Kế hoạch không có nhiệm vụ.",
           "review_counts": "Đã xem xét {judged} giá trị; {flags} dấu hiệu cần kiểm tra lại.",
           "no_rankings": "Không có số liệu xếp hạng.",
           "review_nothing": "Các tệp đầu vào không có chuỗi số liệu nào đủ để rà soát (cần ít nhất hai kỳ hoặc "
                             "năm đơn vị cùng cấp).",
           "review_absent": "Danh mục đơn vị có {units} trực thuộc {scope} nhưng không có trong báo cáo nào của các "
                            "tệp đầu vào; chưa được tính là thiếu báo cáo (để tính, đặt quality: completeness: "
                            "expected: registry trong kế hoạch).",
           "unit": "Đơn vị", "as_of": "Số liệu đến ngày", "files_written": "Các tệp kết quả",
           "recorded_at": "Ghi lúc (UTC)", "no_history": "Chưa có lần chạy nào được ghi trong lịch sử ({path})."},
    "en": {"yes": "Yes", "no": "No", "plan": "Plan", "year": "Year", "generated": "Generated",
           "targets_met": "Targets: met / with data / total",
           "targets_met_running": "Targets: on track / with data / total", "tasks_total": "Tasks", "tasks_done": "Done", "tasks_due": "Due this year",
           "tasks_overdue": "Overdue", "tasks_no_deadline": "No deadline", "problems": "Data problems",
           "errors": "Errors", "warnings": "Warnings", "target_line": "Target",
           "no_problems": "No problems were found in the inputs.", "legal": "Basis", "unit": "Unit",
           "headline_target": "Target", "headline_figure": "Result", "headline_status": "Status",
           "headline_caveat": "About the figures", "no_figure": "No figure yet",
           "caveat_note": "* The figures the status rests on show signs to check (see the data quality review).",
           "no_flags": "No sign to check was found.", "flags_found": "{n} sign(s) to check:",
           "no_tasks": "The plan has no tasks.",
           "review_counts": "{judged} values judged; {flags} flag(s) to check.",
           "no_rankings": "No ranking data.",
           "review_nothing": "The inputs hold no series the review can judge (it needs two periods at least, or "
                             "five peer units).",
           "review_absent": "The unit registry lists {units} under {scope}, in no report of the inputs; they are not "
                            "counted as missing reports (to count them, set quality: completeness: expected: registry "
                            "in the plan).",
           "as_of": "Data as of", "files_written": "Files written",
           "recorded_at": "Recorded (UTC)", "no_history": "No run has been recorded in the history yet ({path})."},
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
                         "trước chuyển qua). Tỷ lệ của đơn vị cấp trên được tính từ tổng tử số và tổng mẫu số của các "
                         "đơn vị trực thuộc, không lấy trung bình các tỷ lệ."),
        "indicators": ("Các chỉ số tính từ dữ liệu", "Mọi chỉ số tính được từ các tệp đầu vào, kèm tử số và mẫu số."),
        "tasks": ("Nhiệm vụ theo đơn vị chủ trì",
                  "Nhiệm vụ của kế hoạch theo đơn vị chủ trì; nhiệm vụ quá thời hạn mà chưa hoàn thành được tô đỏ."),
        "data_quality": ("Chất lượng dữ liệu đầu vào",
                         "Mọi vấn đề phát hiện khi đọc tệp, kèm dòng và cột trong Excel. Dòng có lỗi không được tính."),
        "sources": ("Nguồn dữ liệu", "Các tệp đã đọc và mã SHA-256 của chúng, để đối chiếu đúng phiên bản tệp."),
        "review": ("Rà soát chất lượng số liệu",
                   "Theo bộ công cụ rà soát chất lượng số liệu của WHO (DQR): tính đầy đủ của báo cáo, giá trị bất "
                   "thường so với các đơn vị cùng cấp và với chính chuỗi số liệu, biến động so với các kỳ trước, "
                   "tồn đầu kỳ so với tồn cuối kỳ trước. Đây là dấu hiệu cần kiểm tra lại, không phải lỗi: số liệu "
                   "vẫn được tính."),
        "early_warning": ("Cảnh báo sớm",
                          "Khi năm kế hoạch còn đang diễn ra, mỗi chỉ tiêu được tính lũy kế từ đầu năm đến ngày có "
                          "số liệu (cộng các tháng, quý có báo cáo), dự báo đến cuối năm (tỷ lệ giữ nguyên, số "
                          "lượng theo tốc độ bình quân tháng) và so với chỉ tiêu."),
        "review_summary": ("Rà soát chất lượng số liệu",
                           "Những dấu hiệu trong số liệu đầu vào cần kiểm tra lại trước khi dùng; số liệu vẫn được "
                           "tính. Cách phát hiện và ngưỡng của từng dấu hiệu ở phụ lục."),
        "appendix": ("Phụ lục: chi tiết dành cho người lập báo cáo",
                     "Các bảng dưới đây phục vụ việc kiểm tra, đối chiếu số liệu: nguồn của từng số liệu (tệp, "
                     "trang tính, dòng), vấn đề phát hiện khi đọc tệp và cách sửa, cách tính và ngưỡng của từng "
                     "dấu hiệu rà soát."),
        "owners": ("Đơn vị nào đang chậm",
                   "Chỉ tiêu không đạt hoặc có nguy cơ và nhiệm vụ quá hạn, theo đơn vị chủ trì."),
        "rankings": ("Xếp hạng", "Hạng của đơn vị trong từng chỉ số, nhóm và thành phần; hạng bằng nhau dùng chung "
                     "thứ hạng cao nhất. Hạng công bố giữ nguyên như nguồn (có thể xếp trên phạm vi rộng hơn nhóm)."),
        "rank_chart": ("Thứ hạng qua các năm", "Hạng công bố của đơn vị theo từng năm (càng lên cao càng tốt)."),
        "rankings_all": ("Bảng xếp hạng năm gần nhất", "Mỗi chỉ số, năm gần nhất: mọi đơn vị của nhóm so sánh theo "
                         "thứ hạng, điểm tổng và điểm từng thành phần; đơn vị theo dõi được tô đậm. Bảng dài chỉ "
                         "giữ nhóm đầu, đơn vị theo dõi với các đơn vị liền kề và nhóm cuối; bảng tính có đủ."),
        "comparison": ("So sánh với năm trước",
                       "Giá trị năm trước và năm nay, thay đổi (điểm phần trăm với tỷ lệ), chỉ tiêu hai năm và việc "
                       "nâng chỉ tiêu. Số liệu được quy về đơn vị hiện hành; chỉ số đổi định nghĩa được ghi rõ."),
        "explore": ("Các tệp dữ liệu", "Kết quả kiểm tra từng tệp: loại bảng nhận ra, số dòng hợp lệ, lỗi và cảnh báo."),
        "preview": ("Xem trước bảng chuẩn hóa", "Vài dòng đầu của mỗi bảng sau khi đọc và chuẩn hóa."),
        "history": ("Lịch sử đánh giá", "Các lần chạy trước đã ghi trong lịch sử của thư mục làm việc "
                    "(data/history.duckdb): chỉ tiêu của đơn vị qua các năm, kể cả khi tệp gốc không còn."),
        "scorecard_766": ("Bảng điểm Bộ chỉ số 766 (ước tính)",
                          "Mọi đơn vị có trong sổ theo dõi hồ sơ, xếp theo điểm ước tính của tháng (trên tổng điểm "
                          "tối đa của các nhóm có điểm); điểm công bố đặt bên cạnh khi có."),
        "components_766": ("Điểm từng nhóm so với điểm tối đa",
                           "Mỗi nhóm chỉ số: điểm ước tính từ sổ theo dõi, hoặc điểm Cổng công bố với nhóm không "
                           "tính được từ sổ (ghi trong ngoặc), trên điểm tối đa của nhóm."),
        "gains_766": ("Hồ sơ làm mất điểm và số điểm có thể tăng",
                      "Nhóm hồ sơ (theo phòng ban và thủ tục) làm đơn vị mất điểm: trễ hạn, có phí chưa thanh toán "
                      "trực tuyến, chưa số hóa, bị phản ánh; và số điểm tăng thêm nếu khắc phục riêng nhóm đó."),
        "reconcile_766": ("Đối chiếu với điểm Cổng công bố",
                          "Điểm ước tính và điểm công bố của cùng tháng theo từng nhóm; chênh lệch vượt ngưỡng được "
                          "đánh dấu kèm nguyên nhân có thể. Nhóm không tính được từ sổ không được so sánh."),
        "method_766": ("Phương pháp tính và độ tin cậy",
                       "Các tỷ lệ, ngưỡng và điểm tối đa của từng nhóm, với độ tin cậy của từng phần "
                       "(dx_metrics/indicators/method_766.yaml)."),
    },
    "en": {
        "targets": ("Targets",
                    "Each target of the plan: the measured result, the target, the gap (percentage points for "
                    "shares) and the owner. Targets without data are shown as such, not left out."),
        "online_share": ("Online dossier share by unit",
                         "Dossiers received online over all dossiers newly received in the period (carried-over "
                         "dossiers excluded). A parent unit's share sums its units' numerators and denominators; it is "
                         "not an average of their shares."),
        "indicators": ("Indicators computed from the data", "Every indicator the inputs allow, with numerator and "
                       "denominator."),
        "tasks": ("Tasks by owner", "The plan's tasks by owner; tasks past their deadline and not done are in red."),
        "data_quality": ("Input data quality",
                         "Every problem found while reading the files, with its Excel row and column. Rows with "
                         "errors are not counted."),
        "sources": ("Sources", "The files read and their SHA-256, to tell exactly which version was used."),
        "review": ("Data quality review",
                   "After the WHO Data Quality Review toolkit: completeness of reporting, values unlike the peer "
                   "units' or the unit's own series, changes against earlier periods, opening stock against the "
                   "last closing stock. These are signs to check, not errors: the figures are still counted."),
        "early_warning": ("Early warning",
                          "While the plan year is running, each target is taken on the year to date (the months and "
                          "quarters reported, added up), projected to the year end (a share as it stands, a count by "
                          "its monthly run rate) and compared with the target."),
        "review_summary": ("Data quality review",
                           "Signs in the input figures to check before relying on them; the figures are still "
                           "counted. How each sign is found, and its threshold, are in the appendix."),
        "appendix": ("Appendix: details for the analyst",
                     "The tables below are for checking the figures: where each figure comes from (file, sheet, "
                     "row), problems found while reading the files and how to fix them, how each review sign is "
                     "computed and its threshold."),
        "owners": ("Who is behind", "Targets missed or at risk and overdue tasks, by owner."),
        "rankings": ("Rankings", "The unit's rank in each index, peer group and component; equal scores share the "
                     "best rank. Published ranks are kept as published (they may rank a wider population)."),
        "rank_chart": ("Rank over the years", "The unit's published rank each year (higher on the chart is better)."),
        "rankings_all": ("Latest rankings", "Each index, latest year: every unit of the peer group by rank, with "
                         "the overall and component scores; the followed units in bold. Long pages keep the top, the "
                         "followed units with their neighbours and the bottom; the workbook has every row."),
        "comparison": ("Against last year",
                       "Last year's and this year's values, the change (percentage points for shares), both targets "
                       "and whether the target was raised; series on today's units, definition changes flagged."),
        "explore": ("Files", "Each file checked: the table kind recognised, valid rows, errors and warnings."),
        "preview": ("Canonical tables", "The first rows of each table as read and standardised."),
        "history": ("Evaluation history", "Earlier runs kept in the workspace's history (data/history.duckdb): "
                    "the unit's targets over the years, also when the source files are gone."),
        "scorecard_766": ("766 index scorecard (estimated)",
                          "Every unit in the dossier log, ranked by its estimated score for the month (over the "
                          "maxima of the components it has); the published score beside it when given."),
        "components_766": ("Component points against their maxima",
                           "Each component: the points estimated from the log, or the portal's published points for "
                           "a component a log cannot give (in brackets), against the component's maximum."),
        "gains_766": ("Dossiers that cost points, and the points to gain",
                      "Groups of dossiers (by division and procedure) that cost the unit points: late, a fee not "
                      "paid online, not digitised, a complaint; and the points fixing that group alone would add."),
        "reconcile_766": ("Against the portal's published scores",
                          "Estimated and published points of the same month per component; differences beyond the "
                          "tolerance are flagged with their likely cause. Components a log cannot give are not "
                          "compared."),
        "method_766": ("Method and confidence",
                       "The rates, thresholds and maxima of each component, with the confidence of each part "
                       "(dx_metrics/indicators/method_766.yaml)."),
    },
}


# Problem types (errors.REASONS) as a reader names them; a test keeps this list complete.
REASON = {
    "vi": {"unreadable": "Không đọc được tệp", "too_large": "Bảng quá lớn",
           "formula_without_value": "Công thức chưa có kết quả", "stray_cell": "Ô lạc ngoài bảng",
           "hidden_sheet": "Trang tính ẩn", "extra_field": "Thừa trường dữ liệu", "no_header": "Không thấy dòng tiêu đề",
           "missing_column": "Thiếu cột hoặc ô bắt buộc", "duplicate_column": "Hai cột cùng nghĩa",
           "not_a_count": "Không phải số đếm", "not_a_number": "Không phải số", "not_a_date": "Không phải ngày",
           "out_of_range": "Ngoài khoảng cho phép", "inconsistent": "Số liệu mâu thuẫn",
           "totals_mismatch": "Dòng tổng không khớp", "duplicate_key": "Dòng trùng",
           "unknown_unit": "Đơn vị không có trong danh mục", "ambiguous_unit": "Tên đơn vị không rõ",
           "provisional_unit": "Đơn vị tạm", "unknown_value": "Giá trị hoặc cột không nhận ra",
           "no_period": "Thiếu kỳ báo cáo", "empty": "Bảng không có dữ liệu", "skipped_row": "Dòng bỏ qua",
           "other_sheets": "Trang tính khác", "skipped_files": "Tệp không được đọc", "plan": "Lỗi kế hoạch",
           "lookalike_text": "Ký tự ẩn hoặc giống chữ Việt", "overlay": "Danh mục riêng của thư mục làm việc"},
    "en": {"unreadable": "Unreadable file", "too_large": "Table too large",
           "formula_without_value": "Formula without a result", "stray_cell": "Stray cell",
           "hidden_sheet": "Hidden sheet", "extra_field": "Extra field", "no_header": "No header row",
           "missing_column": "Missing column or cell", "duplicate_column": "Two columns, one meaning",
           "not_a_count": "Not a count", "not_a_number": "Not a number", "not_a_date": "Not a date",
           "out_of_range": "Out of range", "inconsistent": "Inconsistent figures",
           "totals_mismatch": "Totals row mismatch", "duplicate_key": "Duplicate row",
           "unknown_unit": "Unit not in the registry", "ambiguous_unit": "Ambiguous unit name",
           "provisional_unit": "Provisional unit", "unknown_value": "Unrecognised value or column",
           "no_period": "No reporting period", "empty": "Empty table", "skipped_row": "Row skipped",
           "other_sheets": "Other sheets", "skipped_files": "Files not read", "plan": "Plan problem",
           "lookalike_text": "Hidden or look-alike characters", "overlay": "Workspace reference file"},
}


# The 766 scorecard page (scorecard_766 notebook; report/scorecard_page.py): its columns, sheets
# and sentences. The component names are the method's (method_766.yaml).
SCORECARD_766 = {
    "vi": {
        "rank": "Hạng (ước tính)", "unit": "Đơn vị", "score": "Điểm ước tính", "score_max": "Trên tối đa",
        "published_total": "Điểm công bố", "difference": "Chênh lệch", "estimated": "Điểm từ sổ theo dõi",
        "estimated_ytd": "Từ sổ, lũy kế từ đầu năm", "points_lost": "Điểm có thể tăng (từ sổ)",
        "gains": "Hồ sơ làm mất điểm nhiều nhất", "component": "Nhóm chỉ số", "max_points": "Điểm tối đa",
        "points": "Điểm", "source": "Nguồn điểm", "confidence": "Độ tin cậy của phương pháp",
        "flagged": "Cần xem lại", "cause": "Nguyên nhân có thể", "published": "Điểm công bố",
        "estimated_c": "Điểm ước tính", "dossiers": "Số hồ sơ", "points_gain": "Điểm tăng thêm",
        "gain": "Nếu khắc phục", "rate": "Tỷ lệ", "threshold": "Ngưỡng đạt điểm tối đa", "rate_name": "Tỷ lệ",
        "formula": "cách tính mẫu số",
        "from_log": "Tính được từ sổ", "total": "Tổng",
        "source_log": "sổ theo dõi", "source_published": "Cổng (công bố)",
        "confidence_corroborated": "đối chiếu nhiều nguồn (chưa xác minh với văn bản gốc)",
        "confidence_assumed": "giả định của dx_metrics", "confidence_verified": "đã xác minh",
        "confidence_recalled": "theo trí nhớ, cần kiểm tra",
        "estimate_note": ("Điểm trên trang này là điểm ƯỚC TÍNH từ sổ theo dõi hồ sơ của đơn vị theo phương pháp "
                          "tính của Bộ chỉ số 766 — độ tin cậy: {confidence} — không phải điểm chính thức. Điểm "
                          "chính thức là điểm do Cổng Dịch vụ công quốc gia công bố{published}. Các nhóm không tính "
                          "được từ sổ (Công khai, minh bạch; Dịch vụ công trực tuyến) lấy điểm công bố khi có, ghi "
                          "rõ nguồn; không có thì để trống, không tự đặt ra."),
        "assumed_parts": ("Ở các nhóm {components}, một phần phương pháp (ngưỡng hoặc mẫu số mà nguồn không nêu) do "
                          "dx_metrics giả định: xem mục Phương pháp tính và độ tin cậy."),
        "reconcile_cells": "Mỗi ô: điểm ước tính / điểm công bố; chênh lệch ghi trong ngoặc khi vượt ngưỡng.",
        "not_compared": "Không so sánh: {components} (không tính được từ sổ theo dõi hồ sơ).",
        "published_given": " (đặt bên cạnh để đối chiếu)", "published_none": " (chưa có trong dữ liệu đầu vào)",
        "period": "Kỳ", "chart_title": "Điểm từng nhóm so với điểm tối đa, {period}",
        "chart_log": "Ước tính từ sổ", "chart_published": "Điểm công bố (nhóm không tính được từ sổ)",
        "chart_max": "Điểm tối đa", "chart_published_mark": "Điểm công bố",
        "tolerance": "Ngưỡng chênh lệch: {tolerance} điểm (mặc định)",
        "no_published": "Chưa có bảng điểm 766 do Cổng công bố trong dữ liệu đầu vào: không có đối chiếu.",
        "nothing_lost": "Không có hồ sơ nào làm mất điểm ở các nhóm tính được từ sổ.",
        "of": "/",
    },
    "en": {
        "rank": "Rank (estimated)", "unit": "Unit", "score": "Estimated score", "score_max": "Out of",
        "published_total": "Published score", "difference": "Difference", "estimated": "Score from the log",
        "estimated_ytd": "From the log, year to date", "points_lost": "Points to gain (from the log)",
        "gains": "Dossiers that cost most", "component": "Component", "max_points": "Maximum",
        "points": "Points", "source": "Points from", "confidence": "Confidence of the method",
        "flagged": "To check", "cause": "Likely cause", "published": "Published",
        "estimated_c": "Estimated", "dossiers": "Dossiers", "points_gain": "Points to gain",
        "gain": "If fixed", "rate": "Rate", "threshold": "Full points at", "rate_name": "Rate",
        "formula": "the formula's bases",
        "from_log": "From the log", "total": "Total",
        "source_log": "the log", "source_published": "the portal (published)",
        "confidence_corroborated": "corroborated (not verified against the decision's text)",
        "confidence_assumed": "assumed by dx_metrics", "confidence_verified": "verified",
        "confidence_recalled": "recalled, to be checked",
        "estimate_note": ("The scores on this page are ESTIMATES from the units' own dossier logs under the 766 "
                          "index method — confidence: {confidence} — not official scores. The official score is the "
                          "one the national public service portal publishes{published}. Components a log cannot give "
                          "(publicity; online public services) take the published points when given, their source "
                          "named; otherwise they are left empty, never invented."),
        "assumed_parts": ("In {components}, part of the method (a threshold or base the sources do not state) is "
                          "dx_metrics' assumption: see Method and confidence."),
        "reconcile_cells": "Each cell: estimated / published; the difference in brackets when beyond the tolerance.",
        "not_compared": "Not compared: {components} (not computable from the dossier log).",
        "published_given": " (set beside for comparison)", "published_none": " (not among the inputs)",
        "period": "Period", "chart_title": "Component points against their maxima, {period}",
        "chart_log": "Estimated from the log", "chart_published": "Published (not computable from the log)",
        "chart_max": "Maximum", "chart_published_mark": "Published",
        "tolerance": "Tolerance: {tolerance} points (default)",
        "no_published": "No published 766 table among the inputs: nothing to reconcile.",
        "nothing_lost": "No dossier costs points on the components the log gives.",
        "of": "/",
    },
}
SCORECARD_766_SHEETS = {
    "vi": {"card": "Điểm 766", "components": "Điểm 766 - nhóm", "gains": "Điểm 766 - hồ sơ",
           "reconciliation": "Điểm 766 - đối chiếu", "method": "Điểm 766 - phương pháp"},
    "en": {"card": "766 scorecard", "components": "766 components", "gains": "766 dossiers",
           "reconciliation": "766 reconciliation", "method": "766 method"},
}
