"""The unit registry and the 2025 reorganisation (63 -> 34 provinces; MOT -> MOC)."""
import csv

import pandas as pd
import pytest

from conftest import REFERENCE
from dx_metrics.units import load_units, match_units, scores_at, successor_at, to_units_at, valid_at


def test_province_counts_before_and_after_the_merger():
    assert len(valid_at("2025-06-30", kind="province")) == 63
    assert len(valid_at("2025-07-01", kind="province")) == 34


@pytest.mark.skipif(not (REFERENCE / "vn_provinces").is_dir(), reason="../shared/reference-data is not beside the project")
def test_every_old_province_maps_as_the_published_mapping_says():
    mapping = list(csv.DictReader(open(REFERENCE / "vn_provinces" / "province_mapping_63_to_34_2025.csv",
                                       encoding="utf-8")))
    names = load_units().set_index("unit_id")["name_vi"]
    for m in mapping:
        unit = successor_at(f"prov_{m['old_code']}", "2025-07-01")
        assert names[unit] == m["new_full_name"], m["old_full_name"]


def test_bac_lieu_and_the_ministry():
    assert successor_at("prov_95", "2025-06-30") == "prov_95"
    assert successor_at("prov_95", "2025-07-01") == "prov2025_96"          # Bạc Liêu -> Cà Mau
    assert successor_at("mot", "2025-02-28") == "mot"
    assert successor_at("mot", "2025-03-01") == "moc"                      # MOT -> Ministry of Construction
    assert successor_at("baclieu_dot", "2025-08-01") == "camau_doc"


def test_names_match_without_diacritics_or_case():
    ids = match_units(pd.Series(["BAC LIEU", "Tỉnh Bạc Liêu", "bạc liêu", "Atlantis"]))
    assert ids.tolist()[:3] == ["prov_95"] * 3 and pd.isna(ids[3])


def _obs(rows):
    return pd.DataFrame(rows, columns=["indicator_id", "unit_id", "period", "numerator", "denominator", "value",
                                       "source"])


def test_counts_and_ratio_parts_add_up_under_the_successor():
    obs = _obs([["online_dossier_share", "prov_95", "2024", 1200, 6400, 0.1875, "a"],
                ["online_dossier_share", "prov_96", "2024", 800, 3600, 800 / 3600, "b"],
                ["tasks_due_count", "prov_95", "2024", 3, None, 3, "a"],
                ["tasks_due_count", "prov_96", "2024", 4, None, 4, "b"]])
    out = to_units_at(obs, "2025-07-01").set_index("indicator_id")
    share = out.loc["online_dossier_share"]
    # (1.200 + 800) ÷ (6.400 + 3.600) = 20 %, not the mean of 18,75 % and 22,2 %
    assert (share.unit_id, share.numerator, share.denominator, share.value) == ("prov2025_96", 2000, 10000, 0.2)
    assert share.predecessors == "prov_95|prov_96"
    assert out.loc["tasks_due_count"].value == 7


def test_shares_without_parts_are_not_averaged():
    obs = _obs([["work_records_online_share", "prov_95", "2024", None, None, 0.3, "a"],
                ["work_records_online_share", "prov_96", "2024", None, None, 0.5, "b"]])
    row = to_units_at(obs, "2025-07-01").iloc[0]
    assert pd.isna(row.value) and row.note.startswith("cannot combine")


def test_scores_and_ranks_are_shown_side_by_side():
    scores = pd.DataFrame({"index": "DTI", "year": 2024, "unit_id": ["prov_95", "prov_96"], "score": [0.4, 0.5],
                           "rank": [40, 30]})
    out = scores_at(scores, "2025-07-01")
    assert out["score"].tolist() == [0.4, 0.5] and out["rank"].tolist() == [40, 30]     # untouched
    assert set(out["unit_at"]) == {"prov2025_96"} and out["note"].str.contains("not combined").all()


def test_a_name_goes_to_the_unit_of_its_date():
    names = pd.Series(["Tỉnh Cà Mau", "Tỉnh Cà Mau", "Tỉnh Đồng Nai"])
    at = pd.Series(pd.to_datetime(["2024-12-31", "2025-10-31", "2026-06-30"]))
    # before 1 July 2025 the old Cà Mau; after it the merged province; Đồng Nai likewise
    assert match_units(names, at=at).tolist() == ["prov_96", "prov2025_96", "prov2025_75"]
    # without a date "Tỉnh Cà Mau" fits both provinces: no guess (the reader reports it as an error)
    assert match_units(names).isna().tolist() == [True, True, True]


def test_dated_and_timeless_names_and_blanks_in_one_column():
    # Hà Nội has no dates of validity (resolved once); Cà Mau's meaning changes on 1 July 2025
    names = pd.Series(["Tỉnh Cà Mau", None, "Hà Nội", "Tỉnh Cà Mau", "Atlantis", "Hà Nội"], index=[5, 6, 7, 8, 9, 10])
    at = pd.Series(pd.to_datetime(["2024-12-31", "2025-01-01", "2025-01-01", "2025-10-31", "2025-10-31", None]),
                   index=names.index)
    got = match_units(names, at=at)
    assert got.index.tolist() == [5, 6, 7, 8, 9, 10]
    assert [None if pd.isna(v) else v for v in got] == ["prov_96", None, "prov_01", "prov2025_96", None, "prov_01"]


def test_reader_uses_the_period_to_pick_the_unit(tmp_path):
    from conftest import write_sheet
    from dx_metrics import read_export

    rows = [["Tháng 10/2025"], ["Tỉnh", "Chỉ số", "Điểm"], ["Tỉnh Cà Mau", "766", "89,91"]]
    df = read_export(write_sheet(tmp_path / "i.xlsx", rows), "index_scores")
    assert df.loc[0, "unit_id"] == "prov2025_96"


def test_units_suggest_drafts_exactly_the_names_validate_says_the_registry_lacks(tmp_path, capsys, monkeypatch):
    # issue 25, item 6: on the ICT Index sample validate listed 19 unknown names while
    # `units suggest` said every unit was registered; both now ask units.unregistered
    import io
    import re
    from pathlib import Path

    from dx_metrics import read_export, units
    from dx_metrics.cli import main

    ict = Path(__file__).resolve().parents[1] / "dx_metrics" / "samples" / "ict_index_bo_nganh_2018_2019.xlsx"
    monkeypatch.chdir(tmp_path)
    assert main(["validate", str(ict), "--all"]) == 0
    said = capsys.readouterr().out
    count = int(re.search(r"(\d+) unit name\(s\) are not in the unit registry", said).group(1))
    assert main(["units", "suggest", str(ict)]) == 0
    out, err = capsys.readouterr()
    assert "every unit in the file(s) is in the registry" not in err
    drafted = [r["name_vi"] for r in csv.DictReader(io.StringIO(out))]
    kept = read_export(ict, "index_scores", strict=False)
    as_written = list(pd.unique(kept.loc[kept["unit_id"].str.startswith("?"), "unit_name"]))
    assert len(drafted) == count == len(as_written) == 19 and sorted(drafted) == sorted(as_written)
    assert all(name in said for name in drafted[:5])          # the names validate shows, in its order
    # the drafted rows settle every one of them: validate no longer warns, suggest has nothing to add
    assert main(["units", "suggest", str(ict), "--write", "units.csv"]) == 0
    capsys.readouterr()
    units.set_overlay(tmp_path / "units.csv")
    assert main(["validate", str(ict)]) == 0
    assert "not in the unit registry" not in capsys.readouterr().out
    assert main(["units", "suggest", str(ict)]) == 0
    assert "every unit in the file(s) is in the registry" in capsys.readouterr().err
