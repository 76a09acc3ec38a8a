"""Malformed sheets thrown at the reader: only DxDataError may escape, and no row is lost
silently (every non-blank row under the header is returned or named in a problem)."""
import datetime as dt
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from dx_metrics import DxDataError, read_export
from dx_metrics.errors import problems_of

HEADERS = ["Đơn vị", "Số mới tiếp nhận", "Trực tuyến", "Kỳ trước chuyển qua", "Thanh toán trực tuyến"]
names = st.text(alphabet="qxzwk ", min_size=1, max_size=6).map(lambda s: "Phòng " + s)
vn_numbers = st.integers(0, 10**7).map(lambda n: f"{n:,}".replace(",", "."))
cells = st.one_of(
    st.none(), st.integers(-5, 10**7), vn_numbers,
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
    st.text(alphabet="xyz0123456789.,%- ", max_size=8), st.booleans(),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 1, 1)),
)
row = st.tuples(st.one_of(st.none(), names), st.lists(cells, min_size=4, max_size=4))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.sampled_from(["Năm 2023", "Quý 3/2023", None]), blank_top=st.integers(0, 4),
       rows=st.lists(row, min_size=0, max_size=12))
def test_malformed_sheets(tmp_path, title, blank_top, rows):
    wb = Workbook()
    ws = wb.active
    for _ in range(blank_top):
        ws.append([None])
    ws.append([title])
    ws.append(HEADERS)
    data = [[name, *values] for name, values in rows]
    for r in data:
        ws.append(r)
    path = tmp_path / f"m{abs(hash((title, blank_top, str(rows))))}.xlsx"
    wb.save(path)

    try:
        df = read_export(path, "dossiers", strict=False)
    except DxDataError as e:
        assert e.problems and all(p.file == path.name for p in e.problems)
        return
    # a cell holding only spaces holds nothing (a trailing line of spaces is not a row)
    nonblank = [r for r in data if any(v is not None and not (isinstance(v, float) and math.isnan(v))
                                       and not (isinstance(v, str) and not v.strip()) for v in r)]
    reported = {p.row for p in problems_of(df)
                if p.row is not None and (p.severity == "error" or p.reason == "skipped_row")}
    assert len(df) + len(reported) == len(nonblank)
