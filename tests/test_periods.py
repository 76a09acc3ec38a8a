import pytest

from dx_metrics.periods import parse_period, period_from_text


@pytest.mark.parametrize("text, expected", [
    ("Năm 2023", "2023"),
    ("NAM 2023", "2023"),
    ("Quý 3/2023", "2023-Q3"),
    ("Quy III nam 2023", "2023-Q3"),
    ("6 tháng đầu năm 2023", "2023-H1"),
    ("7 tháng đầu năm 2019", "2019-01/2019-07"),      # seed 001: the first 7 months of 2019
    ("Tháng 7/2023", "2023-07"),
    ("Kỳ báo cáo: từ ngày 15/12/2022 đến ngày 14/12/2023", "2023"),   # Decree 09/2019 year
    ("Từ ngày 15/06/2023 đến ngày 14/07/2023", "2023-07"),           # Decree 09/2019 month
    ("tu ngay 01/01/2023 den ngay 31/03/2023", "2023-Q1"),
    ("UBND TỈNH BẠC LIÊU", None),
    ("Kế hoạch số 37/KH-SGTVT ngày 23/11/2022", None),
])
def test_period_from_title(text, expected):
    assert period_from_text(text) == expected


def test_parse_period_months():
    assert parse_period("2019-01/2019-07").months == 7
    assert parse_period("2023-Q3").start_month == 7
    assert parse_period("2023").months == 12
    with pytest.raises(ValueError, match="is not a period"):
        parse_period("Q3 2023")


@pytest.mark.parametrize("text, expected", [
    ("Bạc Liêu, ngày 15 tháng 12 năm 2023", None),          # a signing date, not a period
    ("Báo cáo 6 tháng năm 2023", "2023-H1"),
    ("9 tháng năm 2023", "2023-01/2023-09"),
    ("Tháng 6 năm 2023", "2023-06"),
])
def test_dates_and_part_years_in_titles(text, expected):
    assert period_from_text(text) == expected
