"""report.docx details that mutation testing of report/document.py found unpinned (issue 27)."""
from __future__ import annotations

import pytest

from dx_metrics.report.document import caps_mm

# Adobe's Times-Bold.afm (Core 14 fonts, "C ... ; WX ..."): the advance width of each capital and
# of the signs a body's name uses, in 1/1000 em; Times New Roman Bold and Liberation Serif Bold
# have the same metrics
TIMES_BOLD_AFM = {"A": 722, "B": 667, "C": 722, "D": 722, "E": 667, "F": 611, "G": 778, "H": 778, "I": 389,
                  "J": 500, "K": 778, "L": 667, "M": 944, "N": 722, "O": 778, "P": 611, "Q": 778, "R": 722,
                  "S": 556, "T": 667, "U": 722, "V": 722, "W": 1000, "X": 722, "Y": 722, "Z": 667, " ": 250,
                  "&": 833, ".": 250, ",": 250, "-": 333, "(": 333, ")": 333}


@pytest.mark.parametrize("sign", sorted(TIMES_BOLD_AFM))
def test_each_capital_is_as_wide_as_times_bold_publishes(sign):
    # at 72 pt one em is 72 pt = 25,4 mm: a sign of w/1000 em is w × 0,0254 mm wide
    assert caps_mm(sign, 72) == pytest.approx(TIMES_BOLD_AFM[sign] * 0.0254, abs=1e-9)


def test_a_capital_with_marks_is_as_wide_as_its_letter_and_d_with_stroke_as_d():
    # Đ has no decomposition: it is listed as D's 722; Ộ, Ữ are their base letters
    assert caps_mm("ĐỘ", 72) == pytest.approx((722 + 778) * 0.0254, abs=1e-9)
    assert caps_mm("LỮ", 72) == pytest.approx((667 + 722) * 0.0254, abs=1e-9)
