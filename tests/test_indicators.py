"""Indicators against hand-computed values and the seed figures."""
import pandas as pd
import pytest

from conftest import RAW
from dx_metrics import catalog, compute_indicators, read_export
from dx_metrics.indicators.registry import indicator_ids


def _dossiers(rows):
    return pd.DataFrame(rows, columns=["unit_id", "period", "received_total", "received_online"]).astype(
        {"received_total": "Int64", "received_online": "Int64"})


def _value(obs, iid, unit, period):
    row = obs[(obs.indicator_id == iid) & (obs.unit_id == unit) & (obs.period == period)]
    assert len(row) == 1, f"expected one {iid} row for {unit} {period}"
    return row.iloc[0]


def test_online_share_2022_department_is_the_seed_figure():
    d = read_export(RAW / "sgtvt_baclieu_mot_cua_2022.xlsx", "dossiers")
    obs = compute_indicators({"dossiers": d}, ids=["online_dossier_share"])
    total = _value(obs, "online_dossier_share", "baclieu_dot", "2022")
    # seed 002: 18,75 %; sample: 1.200 online of 6.400 newly received
    assert (total.numerator, total.denominator) == (1200, 6400)
    assert total.value == pytest.approx(0.1875)
    # per unit, by hand: 1024/5120 = 20 %, 96/640 = 15 %, 40/400 = 10 %, 40/240 = 16,67 %
    expected = {"baclieu_dot_transport": 0.20, "baclieu_dot_infra": 0.15, "baclieu_dot_quality": 0.10,
                "baclieu_dot_office": 40 / 240}
    for unit, share in expected.items():
        assert _value(obs, "online_dossier_share", unit, "2022").value == pytest.approx(share)


def test_total_sums_counts_not_ratios():
    d = _dossiers([["baclieu_dot_transport", "2023", 900, 90], ["baclieu_dot_office", "2023", 100, 90]])
    obs = compute_indicators({"dossiers": d}, ids=["online_dossier_share"])
    # (90 + 90) / (900 + 100) = 18 %, while the mean of 10 % and 90 % would be 50 %
    assert _value(obs, "online_dossier_share", "baclieu_dot", "2023").value == pytest.approx(0.18)


def test_ministry_rolls_up_its_agencies():
    d = read_export(RAW / "bo_gtvt_mot_cua_7thang_2019.xlsx", "dossiers")
    obs = compute_indicators({"dossiers": d}, ids=["online_dossier_share"])
    assert _value(obs, "online_dossier_share", "mot", "2019-01/2019-07").numerator == 375_462   # seed 001


def test_zero_denominator_is_missing_with_a_reason():
    d = _dossiers([["baclieu_dot_office", "2023", 0, 0]])
    obs = compute_indicators({"dossiers": d}, ids=["online_dossier_share"])
    row = _value(obs, "online_dossier_share", "baclieu_dot_office", "2023")
    assert pd.isna(row.value) and row.note == "denominator is 0"


def test_missing_count_stays_missing():
    d = _dossiers([["baclieu_dot_office", "2023", 100, None]])
    row = _value(compute_indicators({"dossiers": d}), "online_dossier_share", "baclieu_dot_office", "2023")
    assert pd.isna(row.value) and pd.isna(row.numerator)


def test_no_rollup_into_a_province():
    d = _dossiers([["baclieu_dot", "2023", 10, 5]])
    obs = compute_indicators({"dossiers": d}, ids=["online_dossier_share"])
    assert set(obs.unit_id) == {"baclieu_dot"} and obs["value"].tolist() == [0.5]     # 5 of 10, not rolled up


def test_registry_is_complete_and_results_do_not_depend_on_row_order():
    cat = catalog()
    assert list(cat.indicator_id) == indicator_ids()
    assert cat[["name_vi", "name_en", "unit", "direction", "formula", "source_table"]].notna().all().all()
    d = read_export(RAW / "sgtvt_baclieu_mot_cua_2023.xlsx", "dossiers")
    before = d.copy()
    a = compute_indicators({"dossiers": d})
    b = compute_indicators({"dossiers": d.iloc[::-1].reset_index(drop=True)})
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(d, before)      # inputs untouched


def test_splitting_the_table_gives_the_same_totals():
    d = read_export(RAW / "sgtvt_baclieu_mot_cua_2023.xlsx", "dossiers")
    whole = compute_indicators({"dossiers": d})
    parts = [compute_indicators({"dossiers": d.iloc[:2]}), compute_indicators({"dossiers": d.iloc[2:]})]
    for iid in ("online_dossier_share", "on_time_resolution_rate"):
        total = _value(whole, iid, "baclieu_dot", "2023")
        num = sum(_value(p, iid, "baclieu_dot", "2023").numerator for p in parts)
        den = sum(_value(p, iid, "baclieu_dot", "2023").denominator for p in parts)
        assert (num, den) == (total.numerator, total.denominator)


def test_unknown_id_is_a_clear_error():
    with pytest.raises(KeyError, match="registry.yaml"):
        compute_indicators({}, ids=["not_an_indicator"])


def test_every_registry_indicator_has_a_way_to_be_computed():
    """Each id is computed from a table's columns, or arrives self-reported as an observation."""
    from dx_metrics.indicators import prepare
    from dx_metrics.ingest.rules import OUTPUT_COLUMNS

    services = read_export(RAW / "sgtvt_baclieu_dich_vu_cong_2022.xlsx", "services")
    tasks = read_export(RAW / "bo_gtvt_nhiem_vu_nq17_2019.xlsx", "tasks")
    columns = {"dossiers": set(OUTPUT_COLUMNS["dossiers"]), "services": set(prepare.services(services).columns),
               "tasks": set(prepare.tasks(tasks).columns)}
    for row in catalog().itertuples():
        if row.source_table == "observations":
            assert pd.isna(row.numerator), row.indicator_id
            continue
        assert row.numerator in columns[row.source_table], row.indicator_id
        if pd.notna(row.denominator):
            assert row.denominator in columns[row.source_table], row.indicator_id
            assert row.unit == "share", row.indicator_id
        else:
            assert row.unit == "count", row.indicator_id


def test_a_missing_count_makes_the_sum_missing():
    d = _dossiers([["mot_vr", "2023", 100, 10], ["mot_vr", "2023", 100, None]])
    obs = compute_indicators({"dossiers": d}, ids=["online_dossier_share"])
    row = _value(obs, "online_dossier_share", "mot_vr", "2023")
    assert pd.isna(row.value) and row.note == "received_online missing"      # not 10 / 200
    assert pd.isna(_value(obs, "online_dossier_share", "mot", "2023").value)


def test_rollups_reach_the_top_through_every_level(monkeypatch):
    from dx_metrics.indicators import compute

    tree = pd.DataFrame({"unit_id": ["G", "A", "P", "P1", "P2"], "kind": ["ministry", "agency", "agency",
                                                                         "division", "division"],
                         "parent_id": [pd.NA, "G", "G", "P", "P"]})
    monkeypatch.setattr(compute, "load_units", lambda: tree)
    d = _dossiers([["A", "2023", 100, 10], ["P1", "2023", 100, 20], ["P2", "2023", 100, 30]])
    obs = compute_indicators({"dossiers": d}, ids=["online_dossier_share"])
    # by hand: P = (20 + 30) / 200; G = (10 + 20 + 30) / 300
    assert (_value(obs, "online_dossier_share", "P", "2023").numerator, _value(obs, "online_dossier_share", "P", "2023").denominator) == (50, 200)
    g = _value(obs, "online_dossier_share", "G", "2023")
    assert (g.numerator, g.denominator) == (60, 300)
    # a parent that reports itself is taken as reported and carries its part upwards
    d2 = _dossiers([["A", "2023", 100, 10], ["P", "2023", 250, 70], ["P1", "2023", 100, 20]])
    g2 = _value(compute_indicators({"dossiers": d2}, ids=["online_dossier_share"]), "online_dossier_share", "G", "2023")
    assert (g2.numerator, g2.denominator) == (80, 350)
