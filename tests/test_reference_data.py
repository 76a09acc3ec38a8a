"""Real exports written by others (../shared/reference-data) read as index_scores.

The expected values come from those files' own published columns and from SOURCES.md,
not from dx_metrics: the 766 component scores must add up to TONG_SCORE, and every UN
survey file must agree with the independently derived long table.
"""
import pandas as pd
import pytest

from conftest import REFERENCE
from dx_metrics import read_export

pytestmark = pytest.mark.skipif(not REFERENCE.is_dir(), reason="../shared/reference-data is not beside the project")
UN = REFERENCE / "un_egov"
V766 = REFERENCE / "vn_dvc_766"


@pytest.mark.parametrize("sheet", ["Điểm năm", "Điểm tháng"])
def test_766_components_add_up_to_the_total_for_every_province(sheet):
    df = read_export(V766 / "bao_cao_T10_2025.xlsx", "index_scores", sheet=sheet, period="2025-10")
    assert set(df["index"]) == {"766"}
    wide = df.pivot_table(index="unit_code", columns="component", values="score")
    assert len(wide) == 34
    parts = wide[["ckmb", "tdgq", "clgq", "tttt", "mdhl", "mdsh"]].sum(axis=1)
    # the portal's total is the sum of the six group scores, to the 2 decimals it publishes
    assert (parts - wide["total"]).abs().max() < 0.005


def test_766_check_value_from_sources():
    df = read_export(V766 / "bao_cao_T10_2025.xlsx", "index_scores", sheet="Điểm năm", period="2025-01/2025-10")
    bn = df[(df["unit_code"] == "H05")].set_index("component")["score"]
    # SOURCES.md: Bắc Ninh 19.05 + 17.86 + 20.79 + 10 + 8.36 + 15.64 = 91.70
    assert bn["total"] == pytest.approx(91.70)
    assert (bn["tdgq"], bn["mdhl"], bn["mdsh"], bn["tttt"], bn["clgq"], bn["ckmb"]) == \
        pytest.approx((19.05, 17.86, 20.79, 10, 8.36, 15.64))


def test_766_report_sheet_has_the_tie_of_hue_and_cao_bang():
    df = read_export(V766 / "bao_cao_thang_10_2025.xlsx", "index_scores", period="2025-10")
    total = df[df["component"] == "total"].set_index("unit_code")["score"]
    assert total["H57"] == total["H14"] == pytest.approx(84.7)          # Huế and Cao Bằng (SOURCES.md)


def _derived() -> pd.DataFrame:
    return pd.read_csv(UN / "DERIVED_egdi_2003_2024_long.csv")


@pytest.mark.parametrize("year", [2003, 2004, 2005, 2008, 2010, 2012, 2014, 2016, 2018, 2020, 2022])
def test_un_datacenter_exports_match_the_derived_table(year):
    df = read_export(UN / "un_datacenter_exports" / f"EGOV_DATA_{year}.csv", "index_scores", strict=False)
    assert not [p for p in df.attrs["problems"] if p.severity == "error"]
    total = df[df["component"] == "total"].set_index("unit_name")
    ref = _derived().query("survey_year == @year").set_index("country_name")
    assert len(total) == len(ref) == 193
    assert total["score"].astype(float).round(5).to_dict() == ref["egdi"].round(5).to_dict()
    # countries not yet surveyed (Montenegro, South Sudan in 2003) have no rank in either
    ranks = total["rank"].astype("Int64")
    assert ranks.to_dict() == ref["egdi_rank"].astype("Int64").to_dict()
    osi = df[df["component"] == "osi"].set_index("unit_name")["score"].astype(float)
    assert (osi - ref["osi"]).abs().max() < 1e-9


def test_2024_export_with_renamed_columns():
    df = read_export(UN / "un_datacenter_exports" / "EGOV_DATA_2024_renamed_cols.csv", "index_scores", strict=False)
    total = df[df["component"] == "total"].set_index("unit_name")
    # SOURCES.md: Denmark 1st at 0.98474, Estonia 2nd at 0.97274, Viet Nam 71st at 0.77092
    assert (total.at["Denmark", "rank"], total.at["Denmark", "score"]) == (1, pytest.approx(0.98474))
    assert (total.at["Estonia", "rank"], total.at["Estonia", "score"]) == (2, pytest.approx(0.97274))
    assert (total.at["Viet Nam", "rank"], total.at["Viet Nam", "score"]) == (71, pytest.approx(0.77092))
    assert set(df["year"]) == {2024} and len(total) == 193


@pytest.mark.parametrize("year", [2010, 2012, 2014, 2016, 2018])
def test_unu_files_with_noisy_floats_and_iso3_codes(year):
    df = read_export(UN / "unu_egov_iso3" / f"egdi-{year}.csv", "index_scores", period=str(year))
    vnm = df[(df["unit_id"] == "VNM") & (df["component"] == "total")].iloc[0]
    ref = pd.read_csv(UN / "DERIVED_vietnam_egdi_2003_2024.csv").set_index("survey_year").loc[year]
    assert vnm["rank"] == ref["egdi_rank"] and vnm["score"] == pytest.approx(ref["egdi"], abs=1e-9)


def test_several_matching_sheets_are_named():
    df = read_export(V766 / "bao_cao_T10_2025.xlsx", "index_scores", period="2025-10")
    (p,) = [p for p in df.attrs["problems"] if p.reason == "other_sheets"]
    assert p.sheet == "Điểm năm" and '"Điểm tháng", "Sở Ban", "Xã Phường"' in p.message
