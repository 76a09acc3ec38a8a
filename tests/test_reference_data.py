"""Real exports written by others (../shared/reference-data) read as index_scores.

The expected values come from those files' own published columns and from SOURCES.md,
not from dx_metrics: the 766 component scores must add up to TONG_SCORE, and every UN
survey file must agree with the independently derived long table.
"""
import re
from pathlib import Path

import pandas as pd
import pytest

from conftest import REFERENCE
from dx_metrics import read_export
from dx_metrics.errors import problems_of

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
    assert not [p for p in problems_of(df) if p.severity == "error"]
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
    (p,) = [p for p in problems_of(df) if p.reason == "other_sheets"]
    assert p.sheet == "Điểm năm" and '"Điểm tháng", "Sở Ban", "Xã Phường"' in p.message


# --- every table file there: read right, or refused with a located reason (issue 24) -------------
# What each file does, worked out by opening it: a refused file states no year inside it (the
# year is only in its file name: UNU's egdi-<year>.csv, the portal's 766 exports, PCI_2005.xls,
# whose sheets say neither "2005" nor "năm 2005"), or names no index (the 766 trend sheets carry
# the portal's codes but not all six), or is not an index table (the province lists).
REFUSED = {
    **{f"un_egov/unu_egov_iso3/egdi-{y}.csv": "no_period" for y in (2010, 2012, 2014, 2016, 2018)},
    **{f"vn_dvc_766/{f}": "no_period" for f in (
        "bao_cao_T10_2025.xlsx", "bao_cao_T10_2025__diem_nam.csv", "bao_cao_T10_2025__diem_thang.csv",
        "bao_cao_T10_2025__so_ban.csv", "bao_cao_T10_2025__xa_phuong.csv", "bao_cao_thang_10_2025.xlsx",
        "bao_cao_thang_10_2025__bao_cao_766.csv")},
    "vn_dvc_766/bao_cao_T10_2025__xu_huong_quy.csv": "missing_column",
    "vn_dvc_766/bao_cao_T10_2025__xu_huong_thang.csv": "missing_column",
    "vn_indexes/PCI_2005.xls": "no_period",
    "vn_provinces/provinces_63_pre2025_gso.csv": "missing_column",
}
NO_TABLE = {"vn_provinces/province_mapping_63_to_34_2025.csv", "vn_provinces/provinces_34_from_2025-07-01_gso.csv"}


def _table_files() -> list[str]:
    return sorted(str(p.relative_to(REFERENCE)).replace("\\", "/") for p in REFERENCE.rglob("*")
                  if p.suffix.lower() in (".csv", ".xlsx", ".xls"))


@pytest.mark.parametrize("name", _table_files() if REFERENCE.is_dir() else [])
def test_every_reference_file_reads_or_is_refused_with_a_located_reason(name, capsys):
    from dx_metrics.cli import main
    from dx_metrics.errors import DxDataError
    from dx_metrics.ingest.reader import guess_kind

    path = REFERENCE / name
    kind = guess_kind(path)
    if kind is None:
        assert name in NO_TABLE
        assert main(["validate", str(path)]) == 1
        out = capsys.readouterr().out
        assert f"{path.name}: no table dx_metrics knows was found: rows 1–" in out and "is row 1:" in out
        return
    try:
        df = read_export(path, kind, strict=False)
    except DxDataError as e:
        assert name in REFUSED, f"{name} is refused: {e}"
        assert {p.reason for p in e.problems} == {REFUSED[name]}
        for p in e.problems:
            assert p.file == path.name and (p.row is not None or p.sheet is not None), p
        return
    assert name not in REFUSED and name not in NO_TABLE, f"{name} now reads: update REFUSED and README.md"
    assert not [p for p in problems_of(df) if p.severity == "error"]
    assert len(df) > 0


def test_pci_2005_reads_right_once_its_year_is_given():
    """The refusal's own advice taken: the summary sheet's totals are the ranking sheet's, province by
    province (both sheets read with python-calamine, by hand-picked columns)."""
    from python_calamine import CalamineWorkbook

    from dx_metrics.text import fold

    path = REFERENCE / "vn_indexes" / "PCI_2005.xls"
    df = read_export(path, "index_scores", period="2005", strict=False)
    assert not [p for p in problems_of(df) if p.severity == "error"] and set(df["year"]) == {2005}
    ranking = CalamineWorkbook.from_path(path).get_sheet_by_name("Xếp hạng theo chỉ số PCI").to_python()
    published = {fold(r[0]): r[1] for r in ranking[1:] if isinstance(r[1], float)}
    total = df[df["component"] == "total"]
    got = {fold(n): s for n, s in zip(total["unit_name"], total["score"])}
    assert len(got) == len(published) == 42
    for n, s in published.items():
        assert got[n] == pytest.approx(s, abs=1e-6), n
    assert got["binh duong"] == pytest.approx(76.81896532924489)


def test_readme_says_which_reference_files_are_refused_and_why():
    readme = Path(__file__).resolve().parents[1] / "README.md"
    text = readme.read_text(encoding="utf-8")
    assert "reads with exit 0" not in text          # the old claim, false for PCI_2005.xls
    said = text[text.index("<!-- reference-data -->"):text.index("<!-- /reference-data -->")]
    for name in [*REFUSED, *NO_TABLE]:
        short = Path(name).name
        assert short in said or re.sub(r"\d{4}", "<year>", short) in said or ("__" in short and "`__" + short.split("__")[-1][:-4] + "`" in said), name
    assert "PCI_2005.xls" in said and "no year" in said
