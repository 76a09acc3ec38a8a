"""The 766 service index estimated from a one-stop dossier log (issue 29, items 1-2): every
component's rate and points worked out by hand on records built like a real log (supplement
waits, dossiers unfinished at the period's end, fee-free procedures), above, at and below the
thresholds, the same on pandas and DuckDB; a missing column is "not computable", never a figure."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dx_metrics.errors import DxDataError
from dx_metrics.indicators.method766 import load_method_766, method_table
from dx_metrics.indicators.score766 import count_766, explain_766, points_766, say_766_gain, score_766
from dx_metrics.notes import decode

DEPT, COMMUNE = "ag_so_tu_phap", "ag_xa_dong_thai"
PERIOD = "2025-10"          # the portal counts calendar months: 1-31 October 2025
COLUMNS = ["dossier_id", "unit_id", "received_at", "channel", "due_at", "resolved_at", "supplement_days", "fee",
           "paid_online", "digitized", "complained"]


def _log() -> pd.DataFrame:
    t, no = pd.Timestamp, pd.NaT
    rows = [
        # --- the department, received in October: 20 dossiers
        # id      unit  received                channel   due              resolved                wait  fee    paid   digit  compl
        ("R01", DEPT, t("2025-10-01 08:00"), "online", t("2025-10-06"), t("2025-10-06 23:00"), None, 0, False, True, False),  # due day, late hour: on time
        ("R02", DEPT, t("2025-10-01 09:00"), "online", t("2025-10-08"), t("2025-10-03 10:00"), None, 25000, True, True, False),
        ("R03", DEPT, t("2025-10-02 10:00"), "online", t("2025-10-09"), t("2025-10-07 15:00"), None, 25000, True, True, False),
        ("R04", DEPT, t("2025-10-03 14:00"), "online", t("2025-10-10"), t("2025-10-09 08:00"), 0, 0, True, True, False),    # fee-free, "paid": not counted
        ("R05", DEPT, t("2025-10-06 08:30"), "online", t("2025-10-13"), t("2025-10-10 09:00"), None, 50000, True, True, False),
        ("R06", DEPT, t("2025-10-06 15:00"), "online", t("2025-10-14"), t("2025-10-14 16:00"), None, 0, False, True, True),  # complaint
        ("R07", DEPT, t("2025-10-07 08:00"), "online", t("2025-10-15"), t("2025-10-11 08:00"), None, 50000, True, True, False),
        ("R08", DEPT, t("2025-10-08 08:00"), "online", t("2025-10-15"), t("2025-10-15 08:00"), None, 0, pd.NA, True, False),
        ("R09", DEPT, t("2025-10-09 08:00"), "online", t("2025-10-16"), t("2025-10-13 08:00"), None, 100000, True, True, False),
        ("R10", DEPT, t("2025-10-10 08:00"), "direct", t("2025-10-17"), t("2025-10-16 08:00"), None, 100000, False, True, False),
        ("R11", DEPT, t("2025-10-13 08:00"), "direct", t("2025-10-20"), t("2025-10-17 08:00"), None, 0, False, True, pd.NA),
        ("R12", DEPT, t("2025-10-14 08:00"), "direct", t("2025-10-21"), t("2025-10-21 08:00"), None, 0, True, True, False),  # fee-free, "paid"
        ("R13", DEPT, t("2025-10-15 08:00"), "postal", t("2025-10-22"), t("2025-10-20 08:00"), None, 0, False, True, False),
        ("R14", DEPT, t("2025-10-01 08:00"), "online", t("2025-10-08"), t("2025-10-13 10:00"), 5, 0, False, True, False),     # 8 Oct + 5 days waited = 13 Oct: on time
        ("R15", DEPT, t("2025-10-02 08:00"), "direct", t("2025-10-10"), t("2025-10-12 10:00"), 2.5, 25000, False, False, False),  # 10 Oct + 2 whole days = 12: on time
        ("R16", DEPT, t("2025-10-02 09:00"), "direct", t("2025-10-10"), t("2025-10-13 10:00"), 2.9, 25000, True, False, False),   # 10 Oct + 2 = 12 < 13: late
        ("R17", DEPT, t("2025-10-27 08:00"), "online", t("2025-11-05"), no, None, 0, False, False, False),                 # open, due in November: not judged
        ("R18", DEPT, t("2025-10-29 08:00"), "direct", t("2025-11-07"), no, None, 0, False, False, False),                 # open, not judged
        ("R19", DEPT, t("2025-10-10 08:00"), "online", t("2025-10-20"), no, None, 0, False, True, False),                  # open, overdue at 31 Oct
        ("R20", DEPT, t("2025-10-15 08:00"), "direct", t("2025-10-25"), t("2025-11-03 08:00"), 10, pd.NA, False, pd.NA, False),  # open at 31 Oct; 25 Oct + 10 = 4 Nov: not judged
        # --- the department, received in September (not in October's received counts)
        ("S1", DEPT, t("2025-09-20 08:00"), "direct", t("2025-09-29"), t("2025-10-02 08:00"), None, 0, False, True, True),    # finished late in October
        ("S2", DEPT, t("2025-09-22 08:00"), "online", t("2025-10-01"), t("2025-10-06 08:00"), 3, 0, False, True, False),      # 1 Oct + 3 = 4 Oct < 6: late
        ("S3", DEPT, t("2025-09-15 08:00"), "direct", t("2025-09-30"), no, None, 0, False, False, False),                   # still open: overdue at 31 Oct
        ("S4", DEPT, t("2025-09-10 08:00"), "online", t("2025-09-20"), t("2025-09-18 08:00"), None, 0, False, True, False),  # finished in September: not in October
        ("S5", DEPT, t("2025-09-29 08:00"), "online", t("2025-10-03"), t("2025-10-02 08:00"), None, 0, False, True, False),  # finished on time in October
        # --- the department, received in November: outside the period
        ("N1", DEPT, t("2025-11-01 08:00"), "online", t("2025-11-10"), no, None, 0, False, True, True),
        # --- a commune, October: 10 dossiers, all on time
        ("C01", COMMUNE, t("2025-10-01 08:00"), "online", t("2025-10-03"), t("2025-10-02 08:00"), None, 20000, True, True, False),
        ("C02", COMMUNE, t("2025-10-02 08:00"), "online", t("2025-10-04"), t("2025-10-03 08:00"), None, 20000, True, True, False),
        ("C03", COMMUNE, t("2025-10-03 08:00"), "online", t("2025-10-06"), t("2025-10-09 08:00"), 3, 20000, True, True, False),   # 6 Oct + 3 = 9: on time
        ("C04", COMMUNE, t("2025-10-06 08:00"), "online", t("2025-10-08"), t("2025-10-07 08:00"), None, 20000, True, True, False),
        ("C05", COMMUNE, t("2025-10-07 08:00"), "online", t("2025-10-09"), t("2025-10-08 08:00"), None, 0, False, True, False),
        ("C06", COMMUNE, t("2025-10-08 08:00"), "online", no, t("2025-10-20 08:00"), None, 0, False, True, False),               # no appointment date: never late
        ("C07", COMMUNE, t("2025-10-09 08:00"), "online", t("2025-10-13"), t("2025-10-10 08:00"), None, 0, False, True, False),
        ("C08", COMMUNE, t("2025-10-10 08:00"), "online", t("2025-10-14"), t("2025-10-13 08:00"), None, 0, False, True, False),
        ("C09", COMMUNE, t("2025-10-13 08:00"), "online", t("2025-10-15"), t("2025-10-14 08:00"), None, 0, False, False, False),
        ("C10", COMMUNE, t("2025-10-14 08:00"), "direct", t("2025-10-16"), t("2025-10-15 08:00"), None, 0, False, False, False),
        # --- a row with no unit counts nowhere
        ("X1", None, t("2025-10-14 08:00"), "online", t("2025-10-16"), no, None, 0, False, True, True),
    ]
    df = pd.DataFrame(rows, columns=COLUMNS)
    return df.astype({"dossier_id": "string", "unit_id": "string", "channel": "string", "supplement_days": "Float64",
                      "fee": "Float64", "paid_online": "boolean", "digitized": "boolean", "complained": "boolean"})


def _row(scores: pd.DataFrame, unit: str, rate_id: str | None = None, component: str | None = None) -> pd.Series:
    pick = scores["unit_id"] == unit
    pick &= (scores["rate_id"] == rate_id) if rate_id else (scores["component"] == component)
    got = scores[pick.fillna(False)]
    assert len(got) == 1
    return got.iloc[0]


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_the_counts_of_october_by_hand(engine):
    c = count_766(_log(), period=PERIOD, engine=engine).set_index("unit_id")
    assert list(c.index) == [DEPT, COMMUNE] or list(c.index) == sorted([DEPT, COMMUNE])
    d = c.loc[DEPT]
    # received R01-R20 = 20; online R01-R09, R14, R17, R19 = 12; digitised R01-R14, R19 = 15 (R20's empty
    # cell is not digitised); fee > 0: R02, R03, R05, R07, R09, R10, R15, R16 = 8 (R20's empty fee is
    # neither); paid among them R02, R03, R05, R07, R09, R16 = 6 (R04, R12 "paid" a zero fee: not
    # counted); complaint R06 = 1 (S1's is September's)
    assert (d.received, d.online, d.digitized, d.fee_dossiers, d.paid_online_fee, d.complained) == (20, 12, 15, 8, 6, 1)
    # finished in October on time: R01-R13 (13), R14, R15 (waits), S5 = 16; late: R16, S1, S2 = 3;
    # open at 31 October past due: R19, S3 = 2 (R17, R18 due in November, R20 due 4 Nov with its wait)
    assert (d.resolved_on_time, d.resolved_late, d.overdue_open) == (16, 3, 2)
    k = c.loc[COMMUNE]
    assert (k.received, k.online, k.digitized, k.fee_dossiers, k.paid_online_fee, k.complained,
            k.resolved_on_time, k.resolved_late, k.overdue_open) == (10, 9, 8, 4, 4, 0, 10, 0, 0)


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_each_component_of_the_department_below_its_threshold(engine):
    s = score_766(_log(), period=PERIOD, engine=engine)
    # TDGQ: on time 16 ÷ judged (16 + 3 + 2 = 21) = 0.761905; no threshold stated, taken as 100 %
    # (assumed): 20 × 16/21 = 320/21 = 15.238095 points, 4.761905 lost
    r = _row(s, DEPT, "on_time_rate")
    assert (r.numerator, r.denominator) == (16, 21)
    assert r.rate == pytest.approx(16 / 21) and r.points == pytest.approx(320 / 21)
    assert r.points_lost == pytest.approx(20 - 320 / 21) and r.max_points == 20 and r.confidence == "assumed"
    # TTTT: paid online 6 ÷ 8 with a fee = 0.75 -> 10 × 0.75 = 7.5 points, 2.5 lost
    r = _row(s, DEPT, "online_payment_rate")
    assert (r.numerator, r.denominator, r.rate, r.points, r.points_lost) == (6, 8, 0.75, 7.5, 2.5)
    # MDSH: digitised 15 ÷ 20 = 0.75 < 0.8 -> 22 × 0.75 ÷ 0.8 = 20.625 points, 1.375 lost
    r = _row(s, DEPT, "digitization_rate")
    assert (r.numerator, r.denominator, r.threshold) == (15, 20, 0.8)
    assert (r.points, r.points_lost) == (pytest.approx(20.625), pytest.approx(1.375))
    assert r.confidence == "corroborated" and bool(r.computable)
    # MDHL: overdue (3 late + 2 open past due) ÷ 21 judged = 5/21; complaints 1 ÷ 20 received = 1/20;
    # satisfaction = 1 − 5/21 − 1/20 = (420 − 100 − 21)/420 = 299/420 = 0.711905 < 0.9
    # -> 18 × (299/420) ÷ 0.9 = 20 × 299/420 = 5980/420 = 14.238095 points, 3.761905 lost
    r = _row(s, DEPT, "satisfaction_rate")
    assert r.rate == pytest.approx(299 / 420) and r.points == pytest.approx(5980 / 420)
    assert r.points_lost == pytest.approx(18 - 5980 / 420) and r.confidence == "assumed"
    assert pd.isna(r.numerator)          # two rates, no single ratio
    # CLGQ: online 12 ÷ 20 = 0.6, above its 50 % threshold, but METHODS.md does not say how the 12
    # points divide between it and the procedures offered online: rate shown, points not
    r = _row(s, DEPT, "online_dossier_rate")
    assert (r.numerator, r.denominator, r.rate, r.threshold) == (12, 20, 0.6, 0.5)
    assert pd.isna(r.points) and not r.computable
    assert [n["code"] for n in decode(r.note_codes)] == ["score_766_points_not_stated"]
    for rate_id, component in (("online_procedure_share", "clgq"), (None, "ckmb")):
        r = _row(s, DEPT, rate_id, component)
        assert not r.computable and pd.isna(r.rate) and pd.isna(r.points)
        assert [n["code"] for n in decode(r.note_codes)] == ["score_766_not_from_log"]
    # every unit: the six components in the method's order, seven rows (CLGQ has two rates)
    assert list(s[s.unit_id == DEPT].component) == ["ckmb", "tdgq", "clgq", "clgq", "tttt", "mdhl", "mdsh"]
    assert (s.component_max.groupby([s.unit_id, s.component]).first().groupby(level=0).sum() == 100).all()
    assert set(s.period) == {PERIOD}


def test_the_commune_at_and_above_every_threshold():
    s = score_766(_log(), period=PERIOD)
    # on time 10/10 -> 20; paid 4/4 -> 10; digitised 8/10 = 0.8, exactly the threshold -> 22;
    # satisfaction 1 − 0/10 − 0/10 = 1 ≥ 0.9 -> 18; nothing lost
    got = {r.rate_id: (r.rate, r.points, r.points_lost) for r in s[s.unit_id == COMMUNE].itertuples()
           if r.computable}
    assert got == {"on_time_rate": (1.0, 20.0, 0.0), "online_payment_rate": (1.0, 10.0, 0.0),
                   "digitization_rate": (0.8, 22.0, 0.0), "satisfaction_rate": (1.0, 18.0, 0.0)}
    assert _row(s, COMMUNE, "online_dossier_rate").rate == 0.9       # 9 online of 10


def test_the_linear_rule():
    # below: rate × max ÷ threshold; at and above: max; a negative satisfaction (more overdue and
    # complaints than dossiers) gives 0, a missing rate missing points
    got = points_766(pd.Series([0.45, 0.9, 0.95, -0.2, None], dtype="Float64"), max_points=18, threshold=0.9)
    assert list(got[:4]) == [pytest.approx(9.0), 18.0, 18.0, 0.0] and pd.isna(got[4])


def test_pandas_and_duckdb_give_the_same_table_on_random_logs():
    rng = np.random.default_rng(29)
    n = 5_000
    start = np.datetime64("2025-08-01T00:00", "m")
    received = start + rng.integers(0, 120 * 24 * 60, n).astype("timedelta64[m]")
    due = (received.astype("datetime64[D]") + rng.integers(0, 20, n)).astype("datetime64[m]")
    resolved = received + rng.integers(0, 30 * 24 * 60, n).astype("timedelta64[m]")
    df = pd.DataFrame({
        "dossier_id": pd.array([f"h{i}" for i in range(n)], dtype="string"),
        "unit_id": pd.array(np.array(["a", "b", "c", "d"], dtype=object)[rng.integers(0, 4, n)], dtype="string"),
        "received_at": received.astype("datetime64[us]"),
        "channel": pd.array(np.array(["online", "direct", "postal"], dtype=object)[rng.integers(0, 3, n)],
                            dtype="string"),
        "due_at": pd.Series(due.astype("datetime64[us]")).mask(rng.random(n) < 0.05),
        "resolved_at": pd.Series(resolved.astype("datetime64[us]")).mask(rng.random(n) < 0.2),
        "supplement_days": pd.Series(rng.integers(0, 6, n) * (rng.random(n) < 0.2), dtype="Float64")
        .mask(rng.random(n) < 0.5),
        "fee": pd.Series(rng.choice([0.0, 0.0, 15000.0, 50000.0], n)).mask(rng.random(n) < 0.05),   # float NaN
        "paid_online": pd.array(rng.random(n) < 0.5, dtype="boolean"),
        "digitized": pd.array(rng.random(n) < 0.7, dtype="boolean"),
        "complained": pd.array(rng.random(n) < 0.02, dtype="boolean"),
    })
    for period in ("2025-09", "2025-10", "2025-Q4"):
        a = score_766(df, period=period)
        b = score_766(df, period=period, engine="duckdb")
        assert int(a["computable"].sum()) == 4 * 4
        pd.testing.assert_frame_equal(a, b)


def test_a_missing_column_makes_its_components_not_computable():
    log = _log()
    s = score_766(log.drop(columns=["complained"]), period=PERIOD)
    r = _row(s, DEPT, "satisfaction_rate")
    assert not r.computable and pd.isna(r.points) and pd.isna(r.rate)
    assert r.note == "not computable from the log: the records lack complained"
    assert _row(s, DEPT, "on_time_rate").points == pytest.approx(320 / 21)     # the others stand
    # without the days waited for supplements, on-time cannot be judged as the method says
    s = score_766(log.drop(columns=["supplement_days", "fee"]), period=PERIOD, engine="duckdb")
    for rate_id, lacks in (("on_time_rate", "supplement_days"), ("satisfaction_rate", "supplement_days"),
                           ("online_payment_rate", "fee")):
        r = _row(s, DEPT, rate_id)
        assert not r.computable and pd.isna(r.points)
        assert decode(r.note_codes) == [{"code": "score_766_missing_columns", "params": {"columns": lacks}}]
    assert _row(s, DEPT, "digitization_rate").points == pytest.approx(20.625)


def test_no_dossier_with_a_fee_leaves_online_payment_missing():
    log = _log()
    log["fee"] = log["fee"].where(log["unit_id"] != COMMUNE, 0)     # the commune's procedures are all free
    r = _row(score_766(log, period=PERIOD), COMMUNE, "online_payment_rate")
    assert (r.numerator, r.denominator) == (0, 0) and pd.isna(r.rate) and pd.isna(r.points)
    assert not r.computable and r.note == "denominator is 0"


def test_the_method_is_the_one_methods_md_states():
    m = load_method_766()
    t = method_table(m)
    maxima = t.groupby("component", sort=False)["max_points"].first()
    assert maxima.to_dict() == {"ckmb": 18, "tdgq": 20, "clgq": 12, "tttt": 10, "mdhl": 18, "mdsh": 22}
    thresholds = t.set_index("rate_id")["threshold"].dropna().to_dict()
    assert thresholds == {"on_time_rate": 1.0, "online_dossier_rate": 0.5, "online_procedure_share": 0.8,
                          "online_payment_rate": 1.0, "satisfaction_rate": 0.9, "digitization_rate": 0.8}
    assert m["rule"] == "linear_below_threshold" and m["confidence"] == "corroborated"
    assert not m["components"]["ckmb"]["from_log"]
    # the thresholds METHODS.md does not state are marked as dx_metrics' assumption
    assert t.set_index("rate_id").loc[["on_time_rate", "online_payment_rate"], "threshold_confidence"].eq(
        "assumed").all()
    assert all("METHODS.md" in c["source"] for c in m["components"].values())


def test_a_workspace_method_replaces_values(tmp_path):
    # a province splitting CLGQ's 12 points 6 + 6 and asking 60 % of dossiers online
    f = tmp_path / "method_766.yaml"
    f.write_text("components:\n  clgq:\n    rates:\n      online_dossier_rate: {points: 6, threshold: 0.6,"
                 " threshold_confidence: assumed}\n      online_procedure_share: {points: 6}\n", encoding="utf-8")
    m = load_method_766(f)
    s = score_766(_log(), m, period=PERIOD)
    # department: online 0.6 ≥ 0.6 -> 6; commune 0.9 -> 6; the procedures' half stays not computable
    assert _row(s, DEPT, "online_dossier_rate").points == 6.0
    assert _row(s, COMMUNE, "online_dossier_rate").points == 6.0
    assert not _row(s, DEPT, "online_procedure_share").computable
    assert load_method_766()["components"]["clgq"]["rates"]["online_dossier_rate"]["threshold"] == 0.5


def test_a_workspace_method_with_an_unknown_key_or_wrong_maxima_is_refused(tmp_path):
    f = tmp_path / "method_766.yaml"
    f.write_text("components:\n  tdgq:\n    max_point: 25\n  xyz:\n    max_points: 1\n", encoding="utf-8")
    with pytest.raises(DxDataError) as e:
        load_method_766(f)
    said = [p.text() for p in e.value.problems]
    assert said[0].startswith("method_766.yaml, line 3, key \"components.tdgq.max_point\": max_point is not a key "
                              "of the 766 method here (expected one of: name_vi, name_en, max_points,")
    assert said[1].startswith("method_766.yaml, line 4, key \"components.xyz\": xyz is not a key of the 766 method")
    f.write_text("components:\n  tdgq:\n    max_points: 25\n    rates:\n      on_time_rate: {points: 25}\n",
                 encoding="utf-8")
    with pytest.raises(DxDataError) as e:
        load_method_766(f)
    assert [p.text() for p in e.value.problems] == [
        "method_766.yaml, line 1, key \"components\": the components' maximum points sum to 105, not 100"]
    assert [p.text("vi") for p in e.value.problems][0].endswith(
        "tổng điểm tối đa của các nhóm chỉ số là 105, không phải 100")
    f.write_text("components:\n  mdsh:\n    rates:\n      digitization_rate: {threshold: 80}\n", encoding="utf-8")
    with pytest.raises(DxDataError) as e:
        load_method_766(f)
    assert [p.text() for p in e.value.problems] == [
        "method_766.yaml, line 4, key \"components.mdsh.rates.digitization_rate.threshold\": 80 is not a fraction "
        "> 0 and ≤ 1 (0.8 for 80 %)"]


# --- item 3: the points lost explained to the dossier, by procedure and division
P1, P2, P3 = "Cấp phiếu lý lịch tư pháp", "Chứng thực bản sao từ bản chính", "Đăng ký khai sinh"


def _explained_log() -> pd.DataFrame:
    """The department's October 2025: 300 dossiers received online, all judged in the month.
    Phòng X, P1 (100, fee 50.000): X001-X080 paid online; X001-X010 finished a day after their
    appointment day, X011-X012 still open at 31 October, due 6 October (12 late); X013 finished 3
    days after it, having waited 3 days for supplements (on time). Phòng Y, P2 (120, free):
    Y001-Y080 not digitised. Phòng Y, P3 (80, free): Z001-Z040 not digitised, Z041-Z070 complaints."""
    t = pd.Timestamp
    rows = []

    def add(i, prefix, proc, div, *, late=False, open_overdue=False, fee=0, paid=False, digit=True, compl=False,
            wait=None):
        recv = t("2025-10-01 08:00") + pd.Timedelta(days=i % 20)
        due = recv.normalize() + pd.Timedelta(days=5)
        res = recv + pd.Timedelta(days=2)
        if open_overdue:
            recv, due, res = t("2025-10-01 08:00"), t("2025-10-06"), pd.NaT
        elif late:
            res = due + pd.Timedelta(days=1, hours=9)
        elif wait:
            res = due + pd.Timedelta(days=wait, hours=9)
        rows.append((f"{prefix}{i:03d}", DEPT, proc, div, recv, "online", due, res, wait, fee, paid, digit, compl))

    for i in range(1, 101):
        add(i, "X", P1, "Phòng X", late=i <= 10, open_overdue=i in (11, 12), fee=50000, paid=i <= 80,
            wait=3 if i == 13 else None)
    for i in range(1, 121):
        add(i, "Y", P2, "Phòng Y", digit=i > 80)
    for i in range(1, 81):
        add(i, "Z", P3, "Phòng Y", digit=i > 40, compl=41 <= i <= 70)
    df = pd.DataFrame(rows, columns=["dossier_id", "unit_id", "procedure_name", "division", "received_at", "channel",
                                     "due_at", "resolved_at", "supplement_days", "fee", "paid_online", "digitized",
                                     "complained"])
    return df.astype({"dossier_id": "string", "unit_id": "string", "procedure_name": "string", "division": "string",
                      "channel": "string", "supplement_days": "Float64", "fee": "Float64", "paid_online": "boolean",
                      "digitized": "boolean", "complained": "boolean"})


def test_the_points_lost_explained_by_procedure_and_division_by_hand():
    e = explain_766(_explained_log(), period=PERIOD, unit=DEPT)
    got = [(r.component, r.reason, r.division, r.procedure_name, r.dossiers) for r in e.itertuples()]
    # TDGQ: judged 300 (298 finished + X011, X012 open past due), on time 288 -> 0.96 × 20 = 19.2;
    #   the 12 late of Phòng X fixed -> 300/300 -> 20: +0.8
    # TTTT: paid 80 of 100 with a fee -> 8; the 20 unpaid fixed -> 10: +2
    # MDHL: 1 − (12/300 + 30/300) = 0.86 < 0.9 -> 18 × 0.86 ÷ 0.9 = 17.2; the 30 complaints fixed
    #   -> 1 − 0.04 = 0.96 -> 18: +0.8; the 12 late fixed -> 1 − 0.1 = 0.9 -> 18: +0.8 (a tie: the larger
    #   group first)
    # MDSH: digitised 180/300 = 0.6 -> 22 × 0.6 ÷ 0.8 = 16.5; P2's 80 fixed -> 260/300 ≥ 0.8 -> 22:
    #   +5.5; P3's 40 fixed -> 220/300 -> 22 × (220/300) ÷ 0.8 = 20.1667: +3.6667
    # (CKMB, CLGQ: not computable from the log, no rows)
    assert got == [("tdgq", "late", "Phòng X", P1, 12), ("tttt", "not_paid_online", "Phòng X", P1, 20),
                   ("mdhl", "complained", "Phòng Y", P3, 30), ("mdhl", "late", "Phòng X", P1, 12),
                   ("mdsh", "not_digitized", "Phòng Y", P2, 80), ("mdsh", "not_digitized", "Phòng Y", P3, 40)]
    assert e["points_gain"].tolist() == pytest.approx([0.8, 2.0, 0.8, 0.8, 5.5, 22 * 220 / 300 / 0.8 - 16.5])
    assert e["points"].tolist() == pytest.approx([19.2, 8.0, 17.2, 17.2, 16.5, 16.5])
    assert e.loc[0, "dossier_ids"] == [f"X{i:03d}" for i in range(1, 13)]       # X013 waited: on time
    assert set(e["unit_id"]) == {DEPT} and set(e["period"]) == {PERIOD}
    # the sentences, numbers as Vietnamese writes them
    assert say_766_gain(e.iloc[0]) == "12 hồ sơ trễ hạn của Phòng X (thủ tục Cấp phiếu lý lịch tư pháp): +0,8 điểm TDGQ"
    assert say_766_gain(e.iloc[5]) == "40 hồ sơ chưa số hóa của Phòng Y (thủ tục Đăng ký khai sinh): +3,67 điểm MDSH"
    assert say_766_gain(e.iloc[1], "en") == ("20 dossier(s) with a fee not paid online of Phòng X (procedure Cấp phiếu "
                                             "lý lịch tư pháp): +2 TTTT points")


def test_explained_by_division_alone_says_the_issue_s_sentence():
    # a log without procedure names groups by division alone; Phòng Y's two procedures become one group:
    # MDSH 120 not digitised fixed -> 300/300 -> 22: +5.5 (the gains of the two groups above do not add up)
    e = explain_766(_explained_log().drop(columns="procedure_name"), period=PERIOD, unit=DEPT)
    assert say_766_gain(e.iloc[0]) == "12 hồ sơ trễ hạn của Phòng X: +0,8 điểm TDGQ"
    mdsh = e[e["component"] == "mdsh"]
    assert mdsh[["division", "dossiers"]].values.tolist() == [["Phòng Y", 120]]
    assert mdsh["points_gain"].tolist() == pytest.approx([5.5]) and mdsh["procedure_name"].isna().all()
    # nor division: one group per reason, the sentence without "của"
    e = explain_766(_explained_log().drop(columns=["procedure_name", "division"]), period=PERIOD)
    assert say_766_gain(e.iloc[0]) == "12 hồ sơ trễ hạn: +0,8 điểm TDGQ"


def test_a_unit_losing_nothing_or_a_log_lacking_a_column_explains_nothing_of_it():
    # the commune of _log() loses no points: nothing to explain
    assert explain_766(_log(), period=PERIOD, unit=COMMUNE).empty
    # without fees the online payment rate is not computable: no TTTT rows, the others stand
    e = explain_766(_explained_log().drop(columns="fee"), period=PERIOD, unit=DEPT)
    assert "tttt" not in set(e["component"]) and "tdgq" in set(e["component"])
