"""Cell values as Vietnamese exports write them; expected values worked out by hand."""
import datetime as dt

import pandas as pd
import pytest

from dx_metrics.ingest.values import number_from_text, parse_counts, parse_dates, parse_shares


@pytest.mark.parametrize("text, expected", [
    ("2.062", (2062.0, False)),            # seed 001: 2.062 dossiers
    ("375.462", (375462.0, False)),         # seed 001: 375.462 online dossiers
    ("1.234.567", (1234567.0, False)),
    ("18,75%", (18.75, True)),              # seed 002
    ("18,75", (18.75, False)),
    ("0.85", (0.85, False)),                # a lone dot not followed by 3 digits is a decimal point
    ("1,234,567", (1234567.0, False)),      # two comma groups can only be thousands
    ("1.234,5", (1234.5, False)),
    (" 94.403 ", (94403.0, False)),
    ("abc", (None, False)),
    ("12a", (None, False)),
])
def test_number_from_text(text, expected):
    assert number_from_text(text) == expected


def test_counts_keep_missing_and_reject_bad_cells():
    raw = pd.Series(["2.062", 5.0, None, "", "N/A", "-3", "2,5", 7], dtype=object)
    values, errors = parse_counts(raw)
    assert values.tolist()[:2] == [2062, 5]
    assert values.isna().tolist() == [False, False, True, True, True, True, True, False]
    assert errors.notna().tolist() == [False, False, False, False, True, True, True, False]
    assert errors[4] == "not_a_count"


def test_shares_in_percent_points_and_fractions():
    points, err = parse_shares(pd.Series(["18,75%", "18,75", 30, None], dtype=object))
    assert points.round(6).tolist()[:3] == [0.1875, 0.1875, 0.30]
    fractions, _ = parse_shares(pd.Series([0.1875, 0.3, 1.0], dtype=object))
    assert fractions.round(6).tolist() == [0.1875, 0.3, 1.0]
    _, err = parse_shares(pd.Series(["120%", "50%"], dtype=object))
    assert err[0] == "not_a_share" and pd.isna(err[1])


def test_dates_day_first_serial_and_native():
    raw = pd.Series(["14/12/2022", 44909, dt.datetime(2022, 12, 14, 9, 30), "2022-12-14", "31/02/2022"], dtype=object)
    values, errors = parse_dates(raw)
    # Excel serial 44909 = 1899-12-30 + 44909 days = 2022-12-14
    assert [v.date() for v in values[:4]] == [dt.date(2022, 12, 14)] * 4
    assert pd.isna(values[4]) and errors[4] == "not_a_date"
