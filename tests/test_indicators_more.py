"""Catalogue, task, account and dossier-record indicators, against hand counts and seeds."""
import pandas as pd
import pytest
from openpyxl import load_workbook

from conftest import RAW
from dx_metrics import compute_indicators, read_export
from dx_metrics.indicators.records import aggregate_records, month_index


def _value(obs, iid, unit, period):
    row = obs[(obs.indicator_id == iid) & (obs.unit_id == unit) & (obs.period == period)]
    assert len(row) == 1, f"expected one {iid} row for {unit} {period}, got {len(row)}"
    return row.iloc[0]


def _count_cells(path, column_header, wanted):
    """Count cells under a header straight from the workbook (independent of read_export)."""
    ws = load_workbook(path, read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    h = next(i for i, r in enumerate(rows) if column_header in r)
    col = rows[h].index(column_header)
    return sum(1 for r in rows[h + 1:] if r[col] in wanted), sum(1 for r in rows[h + 1:] if r[col])


def test_online_service_provision_93_of_94():
    path = RAW / "sgtvt_baclieu_dich_vu_cong_2022.xlsx"
    obs = compute_indicators({"services": read_export(path, "services")})
    row = _value(obs, "online_service_provision", "baclieu_dot", "2022")
    assert (row.numerator, row.denominator) == (93, 94)                   # seed 002
    full, total = _count_cells(path, "Mức độ DVC trực tuyến", {"Mức độ 4"})
    cov = _value(obs, "full_process_coverage", "baclieu_dot", "2022")
    assert (cov.numerator, cov.denominator) == (full, total)


def test_ministry_310_online_services_roll_up():
    obs = compute_indicators({"services": read_export(RAW / "bo_gtvt_dich_vu_cong_2019.xlsx", "services")})
    assert _value(obs, "online_service_provision", "mot", "2019").numerator == 310    # seed 001


def test_resolution_17_task_counts():
    obs = compute_indicators({"tasks": read_export(RAW / "bo_gtvt_nhiem_vu_nq17_2019.xlsx", "tasks")})
    # seed 001: 12 tasks, 3 due in 2019, 9 without a deadline; the list is dated 09/9/2019
    assert _value(obs, "tasks_due_count", "mot", "2019").value == 3
    assert _value(obs, "tasks_no_deadline_count", "mot", "2019").value == 9
    done = _value(obs, "task_completion_rate", "mot", "2019")
    assert (done.numerator, done.denominator) == (2, 12)
    # the only task whose deadline passed by 09/9/2019 (Quý I/2019) is done
    assert _value(obs, "tasks_overdue_count", "mot", "2019").value == 0


def test_task_counts_at_another_date():
    tasks = read_export(RAW / "bo_gtvt_nhiem_vu_nq17_2019.xlsx", "tasks")
    obs = compute_indicators({"tasks": tasks}, ids=["tasks_overdue_count"], as_of="2020-01-15")
    # by 15/01/2020 the 2019 architecture task (31/12/2019, not started) is overdue
    assert _value(obs, "tasks_overdue_count", "mot", "2020").value == 1


def test_accounts_total_from_parts_and_growth():
    obs = pd.DataFrame({"indicator_id": ["accounts_individual_count", "accounts_business_count",
                                         "accounts_total"],
                        "unit_id": ["mot"] * 3, "period": ["2019-01/2019-07", "2019-01/2019-07", "2018-06/2018-12"],
                        "value": [20_579, 73_824, 80_000]})
    out = compute_indicators({"observations": obs})
    assert _value(out, "accounts_total", "mot", "2019-01/2019-07").value == 94_403      # seed 001
    growth = _value(out, "accounts_growth_rate", "mot", "2019-01/2019-07")
    # (94.403 − 80.000) ÷ 80.000 = 18,00375 %
    assert growth.value == pytest.approx(14_403 / 80_000)
    # the first period has nothing before it: no growth, not a growth of 0 against itself
    rates = out[out["indicator_id"] == "accounts_growth_rate"]
    assert rates["period"].tolist() == ["2019-01/2019-07"]


def test_accounts_grow_against_the_period_of_the_same_length_just_before():
    # 2022: 100.000; 2023: 120.000 (+20 %); 2024-Q1 has no quarter before it, and a year is not one
    obs = pd.DataFrame({"indicator_id": ["accounts_total"] * 3, "unit_id": ["mot"] * 3,
                        "period": ["2022", "2023", "2024-Q1"], "value": [100_000, 120_000, 125_000]})
    out = compute_indicators({"observations": obs})
    rates = out[out["indicator_id"] == "accounts_growth_rate"]
    assert rates["period"].tolist() == ["2023"]
    assert (rates["numerator"].iloc[0], rates["denominator"].iloc[0]) == (20_000, 100_000)
    assert rates["value"].iloc[0] == pytest.approx(0.20)


def test_online_payment_rate_needs_dossiers_with_a_fee():
    d = pd.DataFrame({"unit_id": ["baclieu_dot_office"], "period": ["2023"], "received_total": [100],
                      "received_online": [40], "paid_online": [12], "fee_dossiers": [60]})
    row = _value(compute_indicators({"dossiers": d}), "online_payment_rate", "baclieu_dot_office", "2023")
    assert row.value == pytest.approx(0.2)                                      # 12 ÷ 60


def test_self_reported_value_gives_way_to_the_computed_one():
    services = read_export(RAW / "sgtvt_baclieu_dich_vu_cong_2022.xlsx", "services")
    reported = pd.DataFrame({"indicator_id": ["online_service_provision"], "unit_id": ["baclieu_dot"],
                             "period": ["2022"], "value": [0.5], "source": ["tự đánh giá"]})
    row = _value(compute_indicators({"services": services, "observations": reported}),
                 "online_service_provision", "baclieu_dot", "2022")
    assert row.numerator == 93 and "self-reported value 0.5" in row.note


def test_series_across_decree_42_is_flagged():
    obs = pd.DataFrame({"indicator_id": ["full_process_coverage"] * 2, "unit_id": ["baclieu_dot"] * 2,
                        "period": ["2021", "2023"], "value": [0.4, 0.6]})
    out = compute_indicators({"observations": obs})
    assert out["note"].str.contains("definition change of 01/08/2022").all()


@pytest.mark.parametrize("day, decree09, calendar", [
    ("2022-12-14", "2022-12", "2022-12"), ("2022-12-15", "2023-01", "2022-12"),
    ("2023-01-14", "2023-01", "2023-01"), ("2023-01-15", "2023-02", "2023-01"),
])
def test_decree09_months(day, decree09, calendar):
    s = pd.Series([pd.Timestamp(day)])
    for cal, expected in (("decree09", decree09), ("calendar", calendar)):
        y, m = divmod(int(month_index(s, calendar=cal)[0]), 12)
        assert f"{y}-{m + 1:02d}" == expected


def test_records_aggregate_to_one_stop_counts():
    r = pd.DataFrame({
        "dossier_id": list("ABCDE"), "unit_id": ["u"] * 5,
        "received_at": pd.to_datetime(["2022-12-20", "2023-03-01", "2023-06-10", "2023-12-10", "2023-12-16"]),
        "channel": ["online", "direct", "online", "postal", "online"],
        "due_at": pd.to_datetime(["2023-01-05", "2023-03-10", "2023-06-20", "2023-12-20", "2023-12-30"]),
        "resolved_at": pd.to_datetime(["2023-01-05", "2023-03-12", None, None, "2023-12-20"]),
    })
    d = aggregate_records(r, freq="year").set_index("period")
    # Decree 09 year 2023 = 15/12/2022-14/12/2023: A, B, C, D received (A, C online); E is 2024
    y = d.loc["2023"]
    assert (y.received_total, y.received_online, y.resolved_total, y.resolved_late, y.pending) == (4, 2, 2, 1, 2)
    assert y.resolved_on_time == 1 and y.carried_over == 0
    # 2024: the log stops in its first Decree 09 month, so the period is labelled 2024-01, not
    # the whole year; E received online and resolved on time; C and D carried over, still pending
    z = d.loc["2024-01"]
    assert (z.carried_over, z.received_total, z.resolved_total, z.pending) == (2, 1, 1, 2)
    cal = aggregate_records(r, freq="year", calendar="calendar").set_index("period")
    assert cal.loc["2022"].received_total == 1 and cal.loc["2023"].received_total == 4


def test_records_feed_the_indicators():
    r = pd.DataFrame({"dossier_id": ["A", "B"], "unit_id": ["baclieu_dot_office"] * 2,
                      "received_at": pd.to_datetime(["2023-03-01", "2023-03-02"]), "channel": ["online", "direct"]})
    obs = compute_indicators({"dossier_records": r}, ids=["online_dossier_share"], freq="month")
    assert _value(obs, "online_dossier_share", "baclieu_dot", "2023-03").value == pytest.approx(0.5)


def test_month_index_at_the_edges_of_a_day():
    # hand: 14/01 23:59:59.999999 is still the Decree 09 January; 15/01 00:00 is February;
    # dates before 1970 count too
    s = pd.Series(pd.to_datetime(["2023-01-15 00:00:00", "2023-01-14 23:59:59.999999", "1969-12-31 23:00:00"],
                                 format="ISO8601")).astype("datetime64[us]")
    assert month_index(s).tolist() == [2023 * 12 + 1, 2023 * 12 + 0, 1970 * 12 + 0]
    assert month_index(s, calendar="calendar").tolist() == [2023 * 12, 2023 * 12, 1969 * 12 + 11]


def test_year_to_date_records_are_not_a_whole_year():
    r = pd.DataFrame({"dossier_id": ["A", "B"], "unit_id": ["baclieu_dot_office"] * 2, "channel": ["online", "direct"],
                      "received_at": pd.to_datetime(["2023-01-05", "2023-03-10"])})
    assert aggregate_records(r, calendar="calendar")["period"].tolist() == ["2023-Q1"]
    months = aggregate_records(r, calendar="calendar", freq="month").set_index("period")
    # February has nothing new but A is still pending (no result date in the log)
    assert months["received_total"].to_dict() == {"2023-01": 1, "2023-02": 0, "2023-03": 1}


def test_a_one_stop_report_and_records_for_the_same_unit_are_not_added():
    d = pd.DataFrame({"unit_id": ["baclieu_dot_office"], "period": ["2023-03"], "received_total": [2],
                      "received_online": [1]})
    r = pd.DataFrame({"dossier_id": ["A", "B"], "unit_id": ["baclieu_dot_office"] * 2, "channel": ["online", "direct"],
                      "received_at": pd.to_datetime(["2023-03-01", "2023-03-02"])})
    obs = compute_indicators({"dossiers": d, "dossier_records": r}, ids=["online_dossier_share"], freq="month",
                             calendar="calendar")
    row = _value(obs, "online_dossier_share", "baclieu_dot_office", "2023-03")
    assert (row.numerator, row.denominator) == (1, 2)


def test_day_numbers_become_the_dates_pandas_gives_for_four_centuries():
    import numpy as np

    from dx_metrics.indicators.records import _civil

    days = np.arange(-25_567, 120_000)          # 1900-01-01 to 2298-07-20: leap centuries 2000 and not 1900, 2100, 2200
    year, month, day = _civil(days)
    expected = pd.to_datetime(days, unit="D")
    assert (year == expected.year).all() and (month == expected.month).all() and (day == expected.day).all()


def test_a_log_stopping_inside_a_quarter_labels_that_quarter_as_its_months():
    r = pd.DataFrame({"dossier_id": ["A", "B", "C"], "unit_id": ["baclieu_dot_office"] * 3, "channel": ["online"] * 3,
                      "received_at": pd.to_datetime(["2024-01-05", "2024-04-10", "2024-05-20"])})
    assert aggregate_records(r, calendar="calendar", freq="quarter")["period"].tolist() == ["2024-Q1", "2024-04/2024-05"]


def test_a_unit_that_stops_before_the_last_period_keeps_its_rows():
    # the office (the last unit in the grid's order) has its last dossier in 2023: the last cell of
    # the units x periods grid is empty; the log stops in March 2024, so that year is labelled by
    # its months (Jan-Mar: "2024-Q1")
    r = pd.DataFrame({"dossier_id": ["A1", "A2", "B1"], "unit_id": ["baclieu_dot_infra", "baclieu_dot_infra",
                                                                    "baclieu_dot_office"],
                      "channel": ["online", "direct", "online"],
                      "received_at": pd.to_datetime(["2023-03-05", "2024-03-05", "2023-06-01"]),
                      "resolved_at": pd.to_datetime(["2023-03-06", "2024-03-06", "2023-06-02"])})
    assert r["unit_id"].astype("category").cat.categories[-1] == "baclieu_dot_office"
    d = aggregate_records(r, calendar="calendar").set_index(["unit_id", "period"])["received_total"]
    assert d.to_dict() == {("baclieu_dot_infra", "2023"): 1, ("baclieu_dot_infra", "2024-Q1"): 1,
                           ("baclieu_dot_office", "2023"): 1}


def test_where_a_figure_comes_from_lists_files_then_sheets_in_order():
    from dx_metrics.indicators.compute import describe_cells

    cells = {("b.xlsx", "Quý II"): {7, 8, 9, 12}, ("a.xlsx", "Quý II"): {5}, ("a.xlsx", "Quý I"): {5, 6},
             ("records.parquet", None): set()}
    assert describe_cells(cells) == ("a.xlsx, Quý I, rows 5–6; a.xlsx, Quý II, row 5; b.xlsx, Quý II, rows 7–9, 12; "
                                     "records.parquet, dossier records")


def test_records_by_half_year_count_their_digitised_and_paid_dossiers():
    r = pd.DataFrame({
        "dossier_id": list("ABCD"), "unit_id": ["u"] * 4,
        "received_at": pd.to_datetime(["2024-01-10", "2024-06-30", "2024-07-01", "2024-12-31"]),
        "channel": ["online", "direct", "online", "online"],
        "due_at": pd.to_datetime([None] * 4), "resolved_at": pd.to_datetime([None] * 4),
        "digitized": pd.array([True, True, None, False], dtype="boolean"),
        "paid_online": pd.array([False, None, True, True], dtype="boolean"),
    })
    d = aggregate_records(r, freq="half", calendar="calendar").set_index("period")
    # H1: A, B (both digitised, none paid online); H2: C, D (C not known to be digitised: not counted)
    assert d.index.tolist() == ["2024-H1", "2024-H2"]
    assert (d.loc["2024-H1", "received_total"], d.loc["2024-H1", "digitized"], d.loc["2024-H1", "paid_online"]) == (2, 2, 0)
    assert (d.loc["2024-H2", "received_total"], d.loc["2024-H2", "digitized"], d.loc["2024-H2", "paid_online"]) == (2, 0, 2)
    assert d.loc["2024-H2", "received_online"] == 2



def test_records_without_a_single_receipt_date_count_nothing():
    # found by review: with every receipt date missing, a resolution date must not open 2.024
    # years of empty periods
    r = pd.DataFrame({"dossier_id": ["A", "B"], "unit_id": ["u", "u"], "channel": ["online", "online"],
                      "received_at": pd.to_datetime([None, None]), "due_at": pd.to_datetime([None, None]),
                      "resolved_at": pd.to_datetime(["2023-05-02", None])})
    assert month_index(r["received_at"]).tolist() == [-1, -1]
    assert aggregate_records(r).empty


def test_a_dossiers_table_without_received_online_says_the_online_share_lacks_that_column():
    from dx_metrics import compute_indicators

    # 6.400 dossiers newly received, the online count not given: no share, and a note saying why
    dossiers = pd.DataFrame({"unit_id": ["baclieu_dot"], "period": ["2022"], "received_total": [6400]})
    obs = compute_indicators({"dossiers": dossiers}).set_index("indicator_id")
    row = obs.loc["online_dossier_share"]
    assert pd.isna(row["value"]) and row["denominator"] == 6400
    assert "received_online" in row["note"]
    from dx_metrics import notes

    said = notes.say(notes.decode(row["note_codes"]), "vi")
    assert said == "thiếu số hồ sơ tiếp nhận trực tuyến"          # the column, named in the reader's words
