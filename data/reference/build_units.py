"""Write the province rows of units.csv from the 2025 merger tables in ../shared.

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


def main() -> None:
    with open(UNITS, encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames
        kept = [r for r in reader if r["kind"] != "province"]
    rows = province_rows() + kept
    with open(UNITS, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"{UNITS.name}: {len(rows)} units ({len(rows) - len(kept)} provinces)")


if __name__ == "__main__":
    main()
