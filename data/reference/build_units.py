"""Write units.csv: provinces from the 2025 merger tables in ../shared, ministries and
government agencies from ministries.csv, the UN member states (ISO3) from the UN E-Government
files, and the national portal's province codes (H12 ...) from its 766 data.

    .venv/bin/python data/reference/build_units.py

Source: ../shared/reference-data/vn_provinces (GSO province lists and the 63 -> 34 mapping
of 1 July 2025, from an MIT-licensed database; see data/README.md). Provinces that did
not change keep one unit; merged ones end on 30 June 2025 and name their successor, a new
unit from 1 July 2025 (its code is the one the merged province kept). Rows that are not
provinces are kept as they are.
"""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parents[1].parent / "shared" / "reference-data" / "vn_provinces"
UNITS = HERE.parents[1] / "dx_metrics" / "reference" / "units.csv"   # package data
MERGER_END, MERGER_START = "2025-06-30", "2025-07-01"
# later changes of name that keep the unit (Resolution 30/2026/QH16, per the source's notes)
LATER_NAMES = {"75": ["Thành phố Đồng Nai"]}
# earlier units that the source lists under their later name: Thừa Thiên Huế became the
# centrally-run Thành phố Huế on 1 January 2025 (Resolution 1314/NQ-UBTVQH15); a 2024 table
# says "Tỉnh Thừa Thiên Huế" and a 2024 report must keep that name
EARLIER = {"46": {"unit_id": "prov_46_tth", "name_vi": "Tỉnh Thừa Thiên Huế", "name_en": "Thua Thien Hue Province",
                  "valid_to": "2024-12-31", "name_variants": "Thừa Thiên Huế|Thua Thien Hue|Thua Thien Hue Province"}}


def _short(full: str) -> str:
    for prefix in ("Thành phố ", "Tỉnh "):
        if full.startswith(prefix):
            return full[len(prefix):]
    return full


def province_rows() -> list[dict]:
    old = {r["code"]: r for r in csv.DictReader(open(SOURCE / "provinces_63_pre2025_gso.csv", encoding="utf-8"))}
    mapping = list(csv.DictReader(open(SOURCE / "province_mapping_63_to_34_2025.csv", encoding="utf-8")))
    rows, new = [], {}
    for m in mapping:
        o = old[m["old_code"]]
        variants = [o["name"], o["name_en"], o["full_name_en"]]
        base = {"name_vi": o["full_name"], "name_en": o["full_name_en"],
                "kind": "province", "parent_id": "", "valid_from": ""}
        if m["old_code"] in EARLIER:
            e = EARLIER[m["old_code"]]
            rows.append({**base, **e, "successor_id": f"prov_{m['old_code']}"})
            base = {**base, "valid_from": (dt.date.fromisoformat(e["valid_to"]) + dt.timedelta(days=1)).isoformat()}
        if m["status"] == "unchanged":
            variants += LATER_NAMES.get(m["old_code"], [])
            rows.append({**base, "unit_id": f"prov_{m['old_code']}", "valid_to": "", "successor_id": "",
                         "name_variants": "|".join(variants)})
        else:
            rows.append({**base, "unit_id": f"prov_{m['old_code']}", "valid_to": MERGER_END,
                         "successor_id": f"prov2025_{m['new_code']}", "name_variants": "|".join(variants)})
            new.setdefault(m["new_code"], m["new_full_name"])
    for code, full in sorted(new.items()):
        variants = [f"{_short(full)} (từ 01/07/2025)"] + LATER_NAMES.get(code, [])
        rows.append({"unit_id": f"prov2025_{code}", "name_vi": full, "name_en": "", "kind": "province",
                     "parent_id": "", "valid_from": MERGER_START, "valid_to": "", "successor_id": "",
                     "name_variants": "|".join(variants)})
    assert len({r["unit_id"] for r in rows}) == len(rows)
    return rows


PORTAL_766 = SOURCE.parent / "vn_dvc_766" / "bao_cao_thang_10_2025__bao_cao_766.csv"
UN_ISO3 = SOURCE.parent / "un_egov" / "unu_egov_iso3" / "egdi-2018.csv"
UN_2024 = SOURCE.parent / "un_egov" / "un_datacenter_exports" / "EGOV_DATA_2024_renamed_cols.csv"
EUROSTAT = HERE / "eurostat_country_codes.csv"   # the two-letter codes of Eurostat and the EU benchmarks (EL, UK)
MINISTRIES = HERE / "ministries.csv"     # written here from the government's lists (recalled; see data/README.md)
ASEAN = {"BRN": "Brunei", "KHM": "Campuchia", "IDN": "Indonesia", "LAO": "Lào", "MYS": "Malaysia",
         "MMR": "Myanmar", "PHL": "Philippines", "SGP": "Singapore", "THA": "Thái Lan", "VNM": "Việt Nam"}
# Vietnamese names of a few more countries analysts compare with; the others show their UN English name
OTHER_VI = {"TLS": "Đông Timor", "CHN": "Trung Quốc", "JPN": "Nhật Bản", "KOR": "Hàn Quốc", "IND": "Ấn Độ",
            "USA": "Hoa Kỳ", "GBR": "Vương quốc Anh", "FRA": "Pháp", "DEU": "Đức", "AUS": "Úc", "DNK": "Đan Mạch",
            "EST": "Estonia", "RUS": "Liên bang Nga", "CAN": "Canada", "NZL": "New Zealand"}
FIELDS = ["unit_id", "name_vi", "name_en", "kind", "parent_id", "valid_from", "valid_to", "successor_id",
          "name_variants", "codes", "groups"]


def _portal_codes() -> dict[str, str]:
    """Province unit_id -> the national portal's code (H12 ...) in its 766 data (Oct 2025)."""
    if not PORTAL_766.exists():
        return {}
    by_short = {}
    for r in csv.DictReader(open(PORTAL_766, encoding="utf-8")):
        name = r["TEN"].replace("UBND ", "").replace("tỉnh ", "").replace("Thành phố ", "").strip()
        by_short[name] = r["MA_COQUAN"].rsplit(".", 1)[-1]
    return by_short


def country_rows() -> list[dict]:
    """The UN member states (ISO3 ids from UNU-EGOV, names and regions as the UN writes them)."""
    region = {r["Country"].strip(): r["Region"].strip() for r in csv.DictReader(open(UN_2024, encoding="utf-8"))}
    eurostat = {r["iso3"]: r["code"] for r in csv.DictReader(open(EUROSTAT, encoding="utf-8"))}
    rows = []
    for r in csv.DictReader(open(UN_ISO3, encoding="utf-8")):
        iso, name = r["country-code"], r["country-name"].strip()
        groups = ["un_member"] + (["asean"] if iso in ASEAN else [])
        if region.get(name):
            groups.append("un_region_" + region[name].lower().replace(" ", "_"))
        vi = ASEAN.get(iso) or OTHER_VI.get(iso) or ""
        variants = [v for v in (name, iso, eurostat.get(iso)) if v]
        rows.append({"unit_id": iso, "name_vi": vi or name, "name_en": name, "kind": "country", "parent_id": "",
                     "valid_from": "", "valid_to": "", "successor_id": "", "name_variants": "|".join(variants),
                     "codes": "|".join(c for c in (iso, eurostat.get(iso)) if c), "groups": "|".join(groups)})
    return sorted(rows, key=lambda r: r["unit_id"])


def main() -> None:
    with open(UNITS, encoding="utf-8") as f:
        existing = list(csv.DictReader(f))
    ministries = list(csv.DictReader(open(MINISTRIES, encoding="utf-8")))
    listed = {r["unit_id"] for r in ministries}
    kept = [r for r in existing if r["kind"] not in ("province", "country") and r["unit_id"] not in listed]
    codes = _portal_codes()
    provinces = province_rows()
    for r in provinces:
        short = _short(r["name_vi"])
        if r["unit_id"].startswith("prov2025_") or (not r["valid_to"] and r["unit_id"] != "prov_46_tth"):
            code = codes.get(short)
            if code:
                r["codes"] = code
    rows = provinces + ministries + kept + country_rows()
    for r in rows:
        for k in FIELDS:
            r.setdefault(k, "")
    with open(UNITS, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    print(f"{UNITS.name}: {len(rows)} units ({len(provinces)} provinces, {len(ministries)} ministries and agencies, "
          f"{len(rows) - len(provinces) - len(ministries) - len(kept)} countries)")


if __name__ == "__main__":
    main()
