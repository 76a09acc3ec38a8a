"""The CAGR ratio method for multi-year targets, with hand-computed ratios."""
import pytest

from dx_metrics.plans.trajectory import assess


def test_count_needing_acceleration():
    # 100 (2019) -> 121 (2021): CAGR 10 %; target 200 in 2025 needs 2 ** (1/6) − 1 = 12,246 %; R = 0,8166
    t = assess(baseline_year=2019, baseline=100, year=2021, value=121, target_year=2025, target=200)
    assert t.label == "acceleration_needed" and t.ratio == pytest.approx(0.1 / (2 ** (1 / 6) - 1))


@pytest.mark.parametrize("value, label", [(144, "on_track"), (103, "limited_progress"), (90, "deterioration"),
                                          (200, "achieved")])
def test_count_labels(value, label):
    assert assess(baseline_year=2019, baseline=100, year=2021, value=value, target_year=2025,
                  target=200).label == label


def test_share_on_the_gap_to_100_percent():
    # gap 60 % -> 30 % in 3 years: (0,3/0,6) ** (1/3) − 1 = −20,63 %; target 90 % = gap 10 % in 5 years:
    # (0,1/0,6) ** (1/5) − 1 = −30,12 %; R = 0,685 -> acceleration needed
    t = assess(baseline_year=2020, baseline=0.40, year=2023, value=0.70, target_year=2025, target=0.90, share=True,
               method="gap")
    assert t.ratio == pytest.approx(((0.5) ** (1 / 3) - 1) / ((1 / 6) ** (1 / 5) - 1))
    assert t.label == "acceleration_needed"
    # on the level itself the same path looks on track: (0,7/0,4) ** (1/3) − 1 = 20,51 % vs 17,61 % needed
    lvl = assess(baseline_year=2020, baseline=0.40, year=2023, value=0.70, target_year=2025, target=0.90,
                 share=True, method="cagr")
    assert lvl.label == "on_track" and lvl.ratio == pytest.approx(((1.75) ** (1 / 3) - 1) / ((2.25) ** 0.2 - 1))


def test_lower_is_better_share():
    # late rate 10 % -> 8 % in 2 years (−10,56 %/year); 5 % by 2025 needs −12,94 %/year; R = 0,816
    t = assess(baseline_year=2020, baseline=0.10, year=2022, value=0.08, target_year=2025, target=0.05,
               higher_is_better=False, share=True, method="cagr")
    assert t.label == "acceleration_needed"
    assert t.ratio == pytest.approx((0.8 ** 0.5 - 1) / (0.5 ** 0.2 - 1))
    worse = assess(baseline_year=2020, baseline=0.10, year=2022, value=0.12, target_year=2025, target=0.05,
                   higher_is_better=False, share=True, method="cagr")
    assert worse.label == "deterioration"


def test_thresholds_are_parameters():
    t = assess(baseline_year=2019, baseline=100, year=2021, value=121, target_year=2025, target=200,
               thresholds=(0.8, 0.5, 0.0))
    assert t.label == "on_track"


def test_share_towards_100_percent_on_the_linear_path():
    # 50 % (2020) -> 90 % (2023), 100 % by 2025: the straight line stands at 80 % in 2023;
    # progress 40 points against 30 expected: R = 1,33 -> on track (the gap CAGR would say
    # limited progress, because a 0 % gap is floored to 0,1 %)
    t = assess(baseline_year=2020, baseline=0.5, year=2023, value=0.9, target_year=2025, target=1.0, share=True)
    assert t.label == "on_track" and t.ratio == pytest.approx(0.4 / 0.3)
    gap = assess(baseline_year=2020, baseline=0.5, year=2023, value=0.9, target_year=2025, target=1.0, share=True,
                 method="gap")
    assert gap.label == "limited_progress"
    # 60 % in 2023: 10 points of 30 expected, R = 0,33 -> limited progress; 45 %: deterioration
    slow = assess(baseline_year=2020, baseline=0.5, year=2023, value=0.6, target_year=2025, target=1.0, share=True)
    assert slow.label == "limited_progress" and slow.ratio == pytest.approx(1 / 3)
    assert assess(baseline_year=2020, baseline=0.5, year=2023, value=0.45, target_year=2025, target=1.0,
                  share=True).label == "deterioration"
