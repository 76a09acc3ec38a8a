"""Ranking page details that mutation testing of report/ranking_page.py found unpinned (issue 27)."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
import pytest

from dx_metrics.report.ranking_page import bounded, peer_rows, published_decimals, resolve_focus


def test_the_published_decimals_are_read_from_the_first_500_scores():
    # 500 scores written with two decimals (89,91), then one with four: the precision is read
    # from the first 500 (EGDI's 193 countries × 4 components would be 772 scores), so two
    scores = pd.Series([89.91] * 500 + [0.5592])
    assert published_decimals(scores) == 2
    assert published_decimals(scores.iloc[::-1].reset_index(drop=True)) == 4


def test_a_focus_that_fits_no_unit_names_at_most_five_close_ones():
    # seven ranked units one letter away from what was typed: the error names five of them
    names = [f"Trường Thử Nghiệm {c}" for c in "ABCDEFG"]
    r = SimpleNamespace(rankings=pd.DataFrame({"unit_id": [f"t{i}" for i in range(7)], "unit_name": names}))
    with pytest.raises(ValueError) as e:
        resolve_focus(r, ["Trường Thử Nghiệm Z"])
    said = re.fullmatch(r"focus 'Trường Thử Nghiệm Z' is no unit of the rankings \(close: (.*)\); "
                        r"write a unit id or the full name", str(e.value))
    assert said is not None and len(said[1].split(", ")) == 5 and set(said[1].split(", ")) <= set(names)


def test_without_a_followed_unit_the_page_is_the_first_peer_group_of_the_table():
    # two groups as the table lists them: ministries first, then the provinces
    rk = pd.DataFrame({"unit_id": ["mot", "baclieu", "moh", "camau"],
                       "peer_group": ["Bộ, ngành", "Tỉnh, thành phố", "Bộ, ngành", "Tỉnh, thành phố"]})
    assert peer_rows(rk, None, [])["unit_id"].tolist() == ["mot", "moh"]
    assert peer_rows(rk, None, ["camau"])["unit_id"].tolist() == ["baclieu", "camau"]


def test_a_page_is_cut_only_when_the_cut_saves_more_than_20_rows():
    def page(n):
        return pd.DataFrame({"Rank": [str(i) for i in range(1, n + 1)], "Unit": [f"u{i}" for i in range(1, n + 1)],
                             "_focus": [i == 21 for i in range(1, n + 1)], "_score": [1.0] * n})
    # the cut shows at most 10 + 7 + 5 = 22 units: a page of 22 + 20 = 42 rows is kept whole
    assert bounded(page(42), "en").equals(page(42))
    # 43 rows: top 10, a gap, 18th–24th around the 21st, a gap, the bottom 5 (39th–43rd)
    assert bounded(page(43), "en")["Unit"].tolist() == ([f"u{i}" for i in range(1, 11)] + ["…"]
                                                        + [f"u{i}" for i in range(18, 25)] + ["…"]
                                                        + [f"u{i}" for i in range(39, 44)])
