"""The SVG functions: points where values are, breaks where minutes were not kept, and no
markup from a name."""

from __future__ import annotations

import re

from dashboard.trends import svg

HOSTILE = '"><script>alert(1)</script><svg onload=alert(2)>'


def test_points_span_the_box_from_zero_at_the_bottom_to_the_top_value():
    run = [(0, 0.0), (2, 10.0), (4, 5.0)]
    assert svg.points(run, 5, 10, (0, 0, 100, 50)) == "0.0,50.0 50.0,0.0 100.0,25.0"


def test_a_gap_breaks_the_line_into_runs():
    values = [1, 2, None, None, 3, None, 4, 5]
    assert svg.runs(values) == [[(0, 1.0), (1, 2.0)], [(4, 3.0)], [(6, 4.0), (7, 5.0)]]
    drawn = str(svg.sparkline(values, "Open"))
    assert drawn.count("<polyline") == 3


def test_a_lone_minute_is_drawn_as_a_dot():
    [only] = svg.runs([None, 7, None])
    assert svg.points(only, 3, 7, (0, 0, 10, 10)) == "5.0,0.0 5.0,0.0"


def test_nothing_kept_draws_no_line_and_says_so_in_its_label():
    drawn = str(svg.sparkline([None] * 240, "Open: no minutes kept"))
    assert "<polyline" not in drawn and 'aria-label="Open: no minutes kept"' in drawn


def test_a_chart_has_its_text_alternative_and_hour_ticks():
    line = svg.Line("Mon", [3.0] * 1440)
    drawn = str(svg.chart([line], "Waiting", "now 3, peak 3 at 00:00"))
    assert 'role="img"' in drawn
    assert "<title>Waiting</title><desc>now 3, peak 3 at 00:00</desc>" in drawn
    assert re.findall(r">(\d\d:00)<", drawn) == [f"{h:02d}:00" for h in range(0, 25, 3)]


def test_hostile_names_stay_text_in_titles_labels_and_descriptions():
    drawn = str(svg.chart([svg.Line(HOSTILE, [1, 2])], HOSTILE, HOSTILE))
    drawn += str(svg.sparkline([1, 2], HOSTILE))
    assert "<script" not in drawn and "<svg onload" not in drawn
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in drawn
    assert 'aria-label="&quot;&gt;&lt;script&gt;' in drawn


def test_a_five_digit_top_fits_the_axis_margin():
    drawn = str(svg.chart([svg.Line("Mon", [1.0, 10_396.3] + [5.0] * 1438)], "Longest wait", "…"))
    assert ">10k<" in drawn and ">10396<" not in drawn
