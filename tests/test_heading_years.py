"""No table is ever read with a year that is not its own (issue 24): a property test over
titles with spans, captions and stacked blocks.

Before issue 24 (78cc61a) the first "năm YYYY" of a title was the year: "từ năm 2005 đến 2014"
gave 2005, and every block of a stacked page got it; "(2024)" and ", 2023" were not years.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import write_sheet
from dx_metrics import read_export
from dx_metrics.errors import DxDataError
from dx_metrics.periods import heading_year

YEARS = st.integers(min_value=2000, max_value=2030)
WORDS = st.sampled_from(["Bảng xếp hạng PCI các tỉnh", "Chỉ số PAPI", "EGDI of ASEAN countries", "PCI rankings",
                         "Top 10 tỉnh có chỉ số PCI cao nhất", "Table 3.6: Public Service Delivery", "Xếp hạng"])
CAPTIONS = ["{w} ({y})", "{w} năm {y}", "{w}, {y}", "{w} {y}", "Năm {y}", "{w} - năm {y}"]
SPANS = ["{w} từ năm {a} đến {b}", "{w} từ năm {a} đến năm {b}", "{w} {a} - {b}", "{w} {a}-{b}", "{w} {a} – {b}",
         "{w} from {a} to {b}", "{w} giai đoạn {a} - {b}", "{w} ({a}–{b})"]


@st.composite
def spans(draw, words=WORDS):
    a = draw(st.integers(min_value=2000, max_value=2029))
    b = draw(st.integers(min_value=a + 1, max_value=2030))
    return draw(st.sampled_from(SPANS)).format(w=draw(words), a=a, b=b), (a, b)


@given(WORDS, YEARS, st.sampled_from(CAPTIONS))
def test_a_caption_states_its_year(words, year, form):
    h = heading_year(form.format(w=words, y=year))
    assert h.label == str(year) and h.span is None and h.year == year


@given(spans())
def test_a_span_is_never_one_year(drawn):
    text, (a, b) = drawn
    h = heading_year(text)
    assert h.label is None and h.year is None and h.span == (a, b), text


def _block(heading: str, rows: list[tuple[str, float]]) -> list[list]:
    return [[heading], ["Xếp hạng", "Tỉnh", "Điểm PCI"], *[[i, n, s] for i, (n, s) in enumerate(rows, start=1)]]


PCI_WORDS = st.sampled_from(["Bảng xếp hạng PCI các tỉnh", "PCI rankings", "Chỉ số năng lực cạnh tranh cấp tỉnh"])
PROVINCES = ["Hà Nội", "Đà Nẵng", "Lào Cai", "Cà Mau", "Quảng Ninh", "Long An"]


@settings(max_examples=30, deadline=None, derandomize=True, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
@given(page=st.one_of(st.none(), spans(PCI_WORDS)),
       years=st.lists(st.integers(min_value=2006, max_value=2024), min_size=1, max_size=3, unique=True),
       sizes=st.lists(st.integers(min_value=1, max_value=3), min_size=3, max_size=3),
       form=st.sampled_from(["Top 10 tỉnh có chỉ số PCI cao nhất năm {y}", "PCI {y}", "Bảng xếp hạng PCI ({y})"]),
       headless_first=st.booleans())
def test_stacked_blocks_each_get_their_own_headings_year(page, years, sizes, form, headless_first):
    """A page (maybe titled with a span) of blocks, each under its own caption: every row read has
    its block's year; a block with no caption of its own is refused, never given another's year."""
    rows: list[list] = [[page[0]], [None]] if page else []
    expected: dict[int, int] = {}
    for k, y in enumerate(years):
        block = [(PROVINCES[(k + i) % len(PROVINCES)], round(50 + k + i / 10, 2)) for i in range(sizes[k])]
        heading = None if (headless_first and k == 0) else form.format(y=y)
        start = len(rows) + (3 if heading else 2)              # Excel row of the block's first figures
        rows += _block(heading, block) if heading else _block(None, block)[1:]
        for i in range(len(block)):
            expected[start + i] = y
        rows.append([None])
    with tempfile.TemporaryDirectory() as d:
        path = write_sheet(Path(d) / "p.xlsx", rows, title="Sheet1")
        try:
            df = read_export(path, "index_scores")
        except DxDataError as e:
            # refused only when some block has no year of its own: the first one without a caption
            assert headless_first, str(e)
            assert all(p.reason == "no_period" for p in e.problems)
            return
    if headless_first and not (page is None and len(years) == 1):
        pytest.fail(f"a block without a caption was read: {sorted(set(df['year']))}")
    got = dict(zip(df["source_row"].astype(int), df["year"].astype(int)))
    if headless_first and page is None and len(years) == 1:
        return                                             # one table without any heading: nothing to check
    assert got == expected
