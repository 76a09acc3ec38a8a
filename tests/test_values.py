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


def test_a_count_of_a_quadrillion_is_the_largest_read():
    # MAX_COUNT = 10^15: at it a count is read, one more is refused as too large
    values, errors = parse_counts(pd.Series([10**15, 10**15 + 1, "1.000.000.000.000.000"], dtype=object))
    assert values.tolist()[0] == 10**15 and pd.isna(errors[0])
    assert errors[1] == "count_too_large" and pd.isna(values[1])
    assert values.tolist()[2] == 10**15


def test_a_share_of_exactly_0_and_exactly_100_percent_is_a_share():
    values, errors = parse_shares(pd.Series(["0", "0%", "100%", "-0,1%", "100,1%"], dtype=object))
    assert values.tolist()[:3] == [0.0, 0.0, 1.0] and errors[:3].isna().all()
    assert errors[3:].tolist() == ["not_a_share", "not_a_share"]


def test_excel_serials_written_as_text_within_excels_range_only():
    # Excel's serials run to 2.958.465 (31/12/9999); counted from the epoch 30/12/1899 they fall on
    # the dates Excel shows from 61 (01/03/1900) on only: Excel's 60 is a 29/02/1900 that never was,
    # and its 1 is 01/01/1900, not the epoch's 31/12/1899
    values, errors = parse_dates(pd.Series(["44927", "61", "2958465", "2958466", "0", "45000%", "1", "60"],
                                           dtype=object))
    assert values[0] == pd.Timestamp("2023-01-01") and values[1] == pd.Timestamp("1900-03-01")
    assert values[2] == pd.Timestamp("9999-12-31")
    assert errors[3:6].tolist() == ["not_a_date"] * 3 and values[3:].isna().all()
    assert errors[6:].tolist() == ["excel_serial_1900"] * 2


def test_text_in_a_column_mixed_with_numbers_is_kept_cleaned():
    from dx_metrics.ingest.values import parse_text

    # codes written as numbers lose their ".0"; the text beside them is cleaned, not dropped
    got = parse_text(pd.Series([1.0, "  Phòng   A ", 2.5, None, "-"], dtype=object))
    assert got.tolist()[:3] == ["1", "Phòng A", "2.5"] and got.isna().tolist()[3:] == [True, True]


def test_text_is_cleaned_alike_in_a_column_of_text_and_in_a_mixed_one():
    # found by review: Arrow's \s is ASCII only, so a no-break space inside a name stayed in a
    # text column while the same name in a column that also held a number was cleaned
    import sys

    import pandas as pd

    from dx_metrics.ingest.values import parse_text
    from dx_metrics.text import clean_label

    from dx_metrics.text import HIDDEN_RANGES

    spaces = [chr(i) for i in range(sys.maxunicode + 1) if chr(i).isspace()]
    # hidden characters (U+200B, U+202E, U+0001 ...) are no space: removed alike by both paths
    hidden = [chr(i) for a, b in HIDDEN_RANGES for i in range(a, b + 1)]
    names = [f"{c}Văn{c}{c}phòng Sở{c}" for c in spaces] + [f"Phòng{h}A" for h in hidden]
    text_only = parse_text(pd.Series(names + [None], dtype=object)).tolist()
    mixed = parse_text(pd.Series(names + [1.0], dtype=object)).tolist()
    assert text_only[:-1] == mixed[:-1] == [clean_label(n) for n in names]
    assert set(text_only[:len(spaces)]) == {"Văn phòng Sở"} and set(text_only[len(spaces):-1]) == {"PhòngA"}
