"""The pace at the edges of the year (issue 27, mutation testing of plans/pace.py): a report of
January alone and one of January–November still get a pace, worked out by hand; a report of no
month gets none."""
from __future__ import annotations

import pytest

from dx_metrics.plans.pace import required_pace


def test_one_month_left_after_november_needs_the_whole_rest_in_december():
    # 24 tasks by year end, 18 done by November: (24 − 18) ÷ 1 = 6 in December
    p = required_pace(">=", 24, share=False, numerator=18, denominator=None, value=18, months=11)
    assert p == {"required_pace": pytest.approx(6.0), "pace_unit": "per_month", "pace_reachable": True,
                 "pace_months_left": 1}
    # 3.000 online of 11.000 received by November against 30 %: December is expected to bring
    # 11.000 ÷ 11 = 1.000 more; 30 % of 12.000 is 3.600, so 600 of the 1.000 (60 %)
    s = required_pace(">=", 0.30, share=True, numerator=3000, denominator=11000, value=3000 / 11000, months=11)
    assert s == {"required_pace": pytest.approx(0.60), "pace_unit": "share_of_remaining", "pace_reachable": True,
                 "pace_months_left": 1}


def test_january_alone_leaves_eleven_months():
    # 24 tasks by year end, 2 done in January: (24 − 2) ÷ 11 = 2 a month
    p = required_pace(">=", 24, share=False, numerator=2, denominator=None, value=2, months=1)
    assert p == {"required_pace": pytest.approx(2.0), "pace_unit": "per_month", "pace_reachable": True,
                 "pace_months_left": 11}
    # 100 online of 1.000 received in January against 30 %: the other months bring 11.000;
    # 30 % of 12.000 is 3.600, so 3.500 of the 11.000 (31,8 %)
    s = required_pace(">=", 0.30, share=True, numerator=100, denominator=1000, value=0.1, months=1)
    assert s["required_pace"] == pytest.approx(3500 / 11000) and s["pace_months_left"] == 11


def test_no_month_read_gives_no_pace():
    # no month behind the figure: no run rate to go by, for a count as for a share
    assert required_pace(">=", 24, share=False, numerator=2, denominator=None, value=2, months=0) is None
    assert required_pace(">=", 0.30, share=True, numerator=100, denominator=1000, value=0.1, months=0) is None


def test_an_at_most_count_allows_the_rest_a_monthly_ceiling():
    # at most 10 incidents in the year, 4 by June: (10 − 4) ÷ 6 = 1 a month still allowed
    p = required_pace("<=", 10, share=False, numerator=4, denominator=None, value=4, months=6)
    assert p == {"required_pace": pytest.approx(1.0), "pace_unit": "per_month", "pace_reachable": True,
                 "pace_months_left": 6}
    # 10 by June: none more allowed, and none more keeps the target
    at = required_pace("<=", 10, share=False, numerator=10, denominator=None, value=10, months=6)
    assert at["required_pace"] == 0 and at["pace_reachable"] is True
    # 13 by June: (10 − 13) ÷ 6 = −0,5 a month, already over: out of reach
    over = required_pace("<=", 10, share=False, numerator=13, denominator=None, value=13, months=6)
    assert over["required_pace"] == pytest.approx(-0.5) and over["pace_reachable"] is False
