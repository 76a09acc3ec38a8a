"""Write egdi_asean_2003_2024.csv: the UN E-Government Survey results of the ASEAN members.

    .venv/bin/python data/reference/build_egdi.py

Source: ../shared/reference-data/un_egov/DERIVED_egdi_2003_2024_long.csv (UN DESA
E-Government Survey data, stacked by year; see data/README.md). Values and the UN's
published global ranks are copied unchanged; only the rows of the ten ASEAN members are
kept, so the index_ranking notebook has a small real series to show (Viet Nam 97th in
2003, 71st in 2024) with a regional peer group.
"""
from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parents[1].parent / "shared" / "reference-data" / "un_egov" / "DERIVED_egdi_2003_2024_long.csv"
ASEAN = {"Brunei Darussalam", "Cambodia", "Indonesia", "Lao People's Democratic Republic", "Malaysia", "Myanmar",
         "Philippines", "Singapore", "Thailand", "Viet Nam"}


def main() -> None:
    with open(SOURCE, encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["country_name"].strip() in ASEAN]
    assert {r["country_name"].strip() for r in rows} == ASEAN, "an ASEAN member is missing from the source"
    out = HERE / "egdi_asean_2003_2024.csv"
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["survey_year", "country_name", "peer_group", "egdi_rank", "egdi", "osi",
                                          "hci", "tii", "epi"], lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({**r, "country_name": r["country_name"].strip(), "peer_group": "ASEAN"})
    print(f"{out.name}: {len(rows)} rows")


if __name__ == "__main__":
    main()
