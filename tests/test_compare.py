"""Year over year for planners, with hand-worked changes."""
import pandas as pd
import pytest

from conftest import ROOT
from dx_metrics import compare_years, load_plan


def _obs(rows):
    return pd.DataFrame(rows, columns=["indicator_id", "unit_id", "period", "numerator", "denominator", "value",
                                       "source"])


OBS = _obs([["online_dossier_share", "baclieu_dot", "2022", 1200, 6400, 0.1875, "a"],
            ["online_dossier_share", "baclieu_dot", "2023", 2076, 6800, 2076 / 6800, "b"],
            ["full_process_mobile_share", "baclieu_dot", "2022", 38, 55, 38 / 55, "a"],
            ["full_process_mobile_share", "baclieu_dot", "2023", 51, 60, 0.85, "b"]])


def test_change_in_points_and_targets():
    plans = [load_plan(ROOT / "params" / "baclieu_dot_2022.yaml"), load_plan(ROOT / "params" / "baclieu_dot_2023.yaml")]
    c = compare_years(OBS, year=2023, plans=plans).set_index(["indicator_id", "unit_id"])
    row = c.loc[("online_dossier_share", "baclieu_dot")]
    # 30,53 % − 18,75 % = +11,78 pp; the target stayed at 20 %
    assert row.change == pytest.approx((2076 / 6800 - 0.1875) * 100)
    assert (row.target_previous, row.target_current, row.target_raised) == (0.2, 0.2, False)
    mobile = c.loc[("full_process_mobile_share", "baclieu_dot")]
    assert mobile.definition_change and "Decree 42/2022" in mobile.note
    assert mobile.target_current == 0.9 and pd.isna(mobile.target_previous)


def test_series_on_todays_units():
    obs = _obs([["online_dossier_share", "prov_95", "2024", 100, 1000, 0.1, "a"],
                ["online_dossier_share", "prov_96", "2024", 300, 1000, 0.3, "a"],
                ["online_dossier_share", "prov2025_96", "2025", 900, 3000, 0.3, "b"]])
    c = compare_years(obs, year=2025, at="2026-01-01")
    (row,) = c.itertuples()
    # 2024 on today's Cà Mau: (100 + 300) ÷ (1.000 + 1.000) = 20 %; 2025: 30 %; +10 pp
    assert (row.unit_id, row.value_previous, row.value_current) == ("prov2025_96", 0.2, 0.3)
    assert row.change == pytest.approx(10.0) and row.predecessors == "prov_95|prov_96"


def test_index_ranks_year_over_year():
    scores = pd.DataFrame({"index": "ICT", "component": "total", "peer_group": "g",
                           "year": [2018] * 3 + [2019] * 3, "unit_id": ["mot", "a", "b"] * 2,
                           "score": [0.5, 0.7, 0.6, 0.8, 0.7, 0.6]})
    c = compare_years(_obs([]), year=2019, scores=scores).set_index(["indicator_id", "unit_id"])
    row = c.loc[("ict_rank", "mot")]
    assert (row.rank_previous, row.rank_current, row.rank_change, row.rank_of) == (3, 1, 2, 3)


def test_no_change_is_computed_across_a_definition_change():
    from dx_metrics.plans import compare_years

    # full-process coverage: 2022 straddles Decree 42's date (01/08/2022); 2021 and 2022 measure different things
    obs = pd.DataFrame({"indicator_id": ["full_process_coverage"] * 2, "unit_id": ["baclieu_dot"] * 2,
                        "period": ["2021", "2022"], "numerator": [40, 60], "denominator": [100, 100],
                        "value": [0.4, 0.6], "source": ["a", "b"], "note": [None, None]})
    row = compare_years(obs, year=2022).iloc[0]
    assert (row["value_previous"], row["value_current"]) == (0.4, 0.6)
    assert pd.isna(row["change"]) and bool(row["definition_change"])
    assert row["note"] == "definition changed between the years (Decree 42/2022: levels → full-process / partial)"
