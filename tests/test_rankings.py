"""Ranks: hand cases, the seed's ICT Index figures, and the published UN and 766 ranks."""
import pandas as pd
import pytest

from conftest import REFERENCE
from dx_metrics import rank_mismatches, rank_units, read_export
from dx_metrics.indicators.rankings import rank_text


def _scores(year, scores, component="total", peer_group="ministries with public services"):
    return pd.DataFrame({"index": "ICT", "year": year, "peer_group": peer_group, "component": component,
                         "unit_id": [f"m{i:02d}" for i in range(len(scores))], "score": scores})


def test_ties_share_the_best_rank_and_skip_the_next():
    r = rank_units(_scores(2019, [0.9, 0.8, 0.8, 0.7]))
    assert r["rank"].tolist() == [1, 2, 2, 4]
    assert r["rank_of"].tolist() == [4] * 4
    # percentile = 100 × (4 − rank) ÷ 3
    assert r["percentile"].round(4).tolist() == [100.0, pytest.approx(66.6667), pytest.approx(66.6667), 0.0]
    assert rank_units(_scores(2019, [0.9, 0.8, 0.8, 0.7]), ties="dense")["rank"].tolist() == [1, 2, 2, 3]


def test_lower_is_better_and_missing_scores():
    r = rank_units(_scores(2019, [3.0, None, 1.0]), higher_is_better=False)
    assert r["rank"].tolist() == [2, pd.NA, 1] and r["rank_of"].tolist() == [2, 2, 2]


def _ict_2018_2019():
    # 20 ministries; Bộ GTVT (m00) is 17th in 2018 and 13th in 2019 (seed 001: 13/20, up 4)
    s2018 = [0.50] + [0.99 - 0.01 * i for i in range(16)] + [0.40, 0.30, 0.20]
    s2019 = [0.60] + [0.99 - 0.01 * i for i in range(12)] + [0.50 - 0.01 * i for i in range(7)]
    return pd.concat([_scores(2018, s2018), _scores(2019, s2019)], ignore_index=True)


def test_rank_change_13_of_20_up_4():
    r = rank_units(_ict_2018_2019())
    mot = r[r["unit_id"] == "m00"].set_index("year")
    assert (mot.at[2018, "rank"], mot.at[2019, "rank"]) == (17, 13)
    assert mot.at[2019, "rank_change"] == 4 and pd.isna(mot.at[2018, "rank_change"])
    assert rank_text(13, 20, 4) == "13/20 (tăng 4 bậc)"
    assert rank_text(13, 20, 4, lang="en") == "13/20 (up 4)"


def test_component_ranks_are_separate():
    # seed 001: component "IT application" 4/20, "online public services" 1/20
    app = _scores(2019, [0.70] + [0.9, 0.8, 0.75] + [0.5] * 16, component="IT application")
    svc = _scores(2019, [0.95] + [0.5] * 19, component="online public services")
    r = rank_units(pd.concat([_ict_2018_2019(), app, svc], ignore_index=True))
    mot = r[(r["unit_id"] == "m00") & (r["year"] == 2019)].set_index("component")["rank"]
    assert (mot["total"], mot["IT application"], mot["online public services"]) == (13, 4, 1)


def test_peer_groups_rank_apart():
    df = pd.concat([_scores(2019, [0.5, 0.4]), _scores(2019, [0.9, 0.1], peer_group="without public services")])
    assert rank_units(df)["rank"].tolist() == [1, 2, 1, 2]


def test_published_rank_cross_check():
    df = _scores(2019, [0.9, 0.8, 0.8]).assign(rank=[1, 2, 3])
    r = rank_units(df)
    assert r["rank_published"].tolist() == [1, 2, 3]
    assert rank_mismatches(r)["unit_id"].tolist() == ["m02"]


needs_reference = pytest.mark.skipif(not REFERENCE.is_dir(), reason="../shared/reference-data is not beside the project")
UN = REFERENCE / "un_egov" / "un_datacenter_exports"
# 2020 publishes the EGDI to 4 decimals but ranked on unrounded values: these pairs tie at
# 4 decimals yet got consecutive ranks (the first of each pair ranked higher).
UN_2020_TIES = {"Hungary", "North Macedonia", "Andorra", "Timor-Leste"}


@needs_reference
@pytest.mark.parametrize("name", ["EGOV_DATA_2003", "EGOV_DATA_2004", "EGOV_DATA_2005", "EGOV_DATA_2008",
                                  "EGOV_DATA_2010", "EGOV_DATA_2012", "EGOV_DATA_2014", "EGOV_DATA_2016",
                                  "EGOV_DATA_2018", "EGOV_DATA_2020", "EGOV_DATA_2022",
                                  "EGOV_DATA_2024_renamed_cols"])
def test_un_egdi_ranks_from_scores_alone(name):
    df = read_export(UN / f"{name}.csv", "index_scores", strict=False)
    ranked = rank_units(df[df["component"] == "total"])
    mismatched = set(rank_mismatches(ranked)["unit_name"])
    assert mismatched == (UN_2020_TIES if name.endswith("2020") else set())


@needs_reference
def test_viet_nam_egdi_rank_change_2022_to_2024():
    frames = [read_export(UN / f"{n}.csv", "index_scores", strict=False)
              for n in ("EGOV_DATA_2022", "EGOV_DATA_2024_renamed_cols")]
    df = pd.concat(frames, ignore_index=True)
    r = rank_units(df[df["component"] == "total"])
    vn = r[(r["unit_name"] == "Viet Nam") & (r["year"] == 2024)].iloc[0]
    assert (vn["rank"], vn["rank_change"]) == (71, 15)          # SOURCES.md: 86 in 2022, 71 in 2024


@needs_reference
@pytest.mark.parametrize("file, sheet, expected", [
    ("bao_cao_T10_2025.xlsx", "Điểm năm", set()),
    ("bao_cao_T10_2025.xlsx", "Điểm tháng", set()),
    # Huế and Cao Bằng tie at 84.7; the portal numbers its rows 25 and 26, competition rank gives both 25
    ("bao_cao_thang_10_2025.xlsx", None, {"H14"}),
])
def test_766_province_ranks(file, sheet, expected):
    df = read_export(REFERENCE / "vn_dvc_766" / file, "index_scores", sheet=sheet, period="2025-10")
    ranked = rank_units(df)
    totals = ranked[ranked["component"] == "total"]
    assert len(totals) == 34 and totals["rank_of"].eq(34).all()
    assert set(rank_mismatches(totals)["unit_code"]) == expected


def test_rank_text_says_up_down_and_unchanged_in_both_languages():
    from dx_metrics.indicators.rankings import rank_text

    assert rank_text(13, 20, 1) == "13/20 (tăng 1 bậc)" and rank_text(13, 20, 1, lang="en") == "13/20 (up 1)"
    assert rank_text(5, 20, -2) == "5/20 (giảm 2 bậc)" and rank_text(5, 20, -2, lang="en") == "5/20 (down 2)"
    assert rank_text(5, 20, 0) == "5/20 (giữ nguyên)" and rank_text(5, 20, 0, lang="en") == "5/20 (unchanged)"
    assert rank_text(None, 20, 3) == "—" and rank_text(pd.NA, 20, 3) == "—"


def test_monthly_scores_are_ranked_month_by_month():
    # 766 monthly tables of one year: August and October each rank their own scores
    df = pd.DataFrame({"index": "766", "year": 2025, "period": ["2025-08", "2025-08", "2025-10", "2025-10"],
                       "unit_name": ["A", "B", "A", "B"], "component": "total", "score": [90.0, 80.0, 70.0, 85.0]})
    ranked = rank_units(df)
    assert ranked["rank"].tolist() == [1, 2, 2, 1] and set(ranked["rank_of"]) == {2}


def test_a_frame_without_grouping_columns_is_ranked_as_one_group():
    df = pd.DataFrame({"unit_name": ["A", "B", "C"], "score": [0.5, 0.9, 0.7]})
    assert rank_units(df)["rank"].tolist() == [3, 1, 2]
    assert rank_units(df, higher_is_better=False)["rank"].tolist() == [1, 3, 2]


def test_a_rank_is_written_with_its_field_and_change_whatever_says_missing():
    import math

    from dx_metrics.indicators.rankings import rank_text

    for missing in (None, math.nan, pd.NA):
        assert rank_text(missing, 20, 4) == "—"
        assert rank_text(13, missing, 4) == "13 (tăng 4 bậc)"
        assert rank_text(13, 20, missing) == "13/20"
    assert rank_text(13.0, 20.0, -2.0, lang="en") == "13/20 (down 2)"
    assert rank_text(13, 20, 0) == "13/20 (giữ nguyên)" and rank_text(13, 20, 0, lang="en") == "13/20 (unchanged)"
    assert rank_text(17, 20, -3) == "17/20 (giảm 3 bậc)"


def test_a_ranked_table_ranked_again_gives_the_same_ranks_and_keeps_what_was_published():
    df = pd.DataFrame({"index": ["ICT"] * 3, "year": [2019] * 3, "unit_id": ["a", "b", "c"],
                       "unit_name": ["A", "B", "C"], "component": ["total"] * 3, "score": [0.5, 0.7, 0.6],
                       "rank": [3, 1, 2]})
    once = rank_units(df)
    twice = rank_units(once)
    assert once["rank"].tolist() == twice["rank"].tolist() == [3, 1, 2]
    assert twice["rank_published"].tolist() == [3, 1, 2] and twice["rank_of"].tolist() == [3, 3, 3]
    assert rank_mismatches(twice).empty
    # a table with no published rank has nothing to disagree with
    assert rank_mismatches(rank_units(df.drop(columns="rank"))).empty


def test_rows_without_a_year_have_no_rank_change():
    import math

    # found by review: a NaN year looked up as "the year before" found the other NaN-year rows
    df = pd.DataFrame({"index": ["DTI"] * 4, "year": [math.nan, math.nan, 2022, 2022], "unit_id": ["A", "B", "A", "B"],
                       "unit_name": ["A", "B", "A", "B"], "component": ["total"] * 4, "score": [80, 70, 60, 90]})
    ranked = rank_units(df)
    assert ranked["rank_change"].isna().all()
    assert rank_text(ranked["rank"].iloc[0], ranked["rank_of"].iloc[0], ranked["rank_change"].iloc[0]) == "1/2"


def test_units_without_a_peer_group_are_ranked_and_followed_over_the_years():
    # a ranking list with an empty group column: every unit still ranked, percentiles 100 / 50 / 0,
    # and the change from 2022 (B first, then C, then A) to 2023 (A first)
    rows = [(2022, "A", 0.5), (2022, "B", 0.9), (2022, "C", 0.7), (2023, "A", 0.95), (2023, "B", 0.8), (2023, "C", 0.6)]
    df = pd.DataFrame({"index": "ICT", "year": [r[0] for r in rows], "unit_id": [r[1] for r in rows],
                       "unit_name": [r[1] for r in rows], "peer_group": None, "component": "total",
                       "score": [r[2] for r in rows]})
    ranked = rank_units(df).set_index(["year", "unit_id"])
    assert ranked.loc[2023, "rank"].tolist() == [1, 2, 3] and ranked.loc[2023, "rank_of"].tolist() == [3, 3, 3]
    assert ranked.loc[2023, "percentile"].tolist() == [100.0, 50.0, 0.0]
    assert ranked.loc[2023, "rank_change"].tolist() == [2, -1, -1] and ranked.loc[2022, "rank_change"].isna().all()
    # two units: the first at 100, the second at 0; one unit alone is at 100
    two = rank_units(df[(df["year"] == 2022) & (df["unit_id"] != "C")])
    assert two["percentile"].tolist() == [0.0, 100.0]
    assert rank_units(df.iloc[:1])["percentile"].tolist() == [100.0]
    # without years there is no change to tell, and the column stays a column of whole numbers
    no_year = rank_units(df[df["year"] == 2023].drop(columns="year"))
    assert str(no_year["rank_change"].dtype) == "Int64" and no_year["rank_change"].isna().all()


def test_a_published_rank_for_a_unit_without_a_score_is_a_mismatch():
    # B's score is blank in the table but the publisher ranked it 2nd: our ranks cannot say so
    df = pd.DataFrame({"index": "ICT", "year": 2019, "unit_id": ["a", "b", "c"], "unit_name": ["A", "B", "C"],
                       "component": "total", "score": [0.9, None, 0.5], "rank": [1, 2, 3]})
    ranked = rank_units(df)
    mismatched = rank_mismatches(ranked)
    # C: scored 2nd of the two scores, published 3rd; B: no rank of ours, published 2nd
    assert sorted(mismatched["unit_id"]) == ["b", "c"]
    assert ranked.set_index("unit_id").loc["c", "rank"] == 2
