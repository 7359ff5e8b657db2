"""The web layer's pure helpers: escaping, highlighting, charts, error splitting, redirects."""

from __future__ import annotations

import re

from app.web.charts import Bar, ChartPoint, Series, bar_chart, line_chart
from app.web.pages_trainer import FieldError, field_errors
from app.web.security import safe_next_path
from app.web.text import highlight, render_markdown


def test_highlight_escapes_and_marks_each_quote_once() -> None:
    text = "I <b>said</b> what I said & meant it"
    marked = str(highlight(text, ["what I said", "said & meant", ""]))
    assert "<b>" not in marked and "&lt;b&gt;" in marked
    assert marked.count("<mark>") == 1, "overlapping quotes merge into one mark"
    assert "<mark>what I said &amp; meant</mark>" in marked
    assert str(highlight("plain", [])) == "plain"


def test_markdown_cards_never_pass_raw_html() -> None:
    html = str(render_markdown("## How\n1. one\n<script>alert(1)</script>"))
    assert "<h2>How</h2>" in html and "<ol>" in html
    assert "<script>" not in html


def test_line_chart_links_points_escapes_labels_and_breaks_on_gaps() -> None:
    points = [
        ChartPoint(1, 2, "first <one>", "/sessions/a?x=1&y=2"),
        ChartPoint(2, None, "missing"),
        ChartPoint(3, 4, "third", "/sessions/c"),
        ChartPoint(4, 5, "fourth", "/sessions/d"),
    ]
    svg = str(
        line_chart(
            [Series("Level", points)],
            chart_id="t",
            title="Levels & more",
            y_min=1,
            y_max=5,
            y_ticks=(1, 3, 5),
        )
    )
    assert "first &lt;one&gt;" in svg and "<one>" not in svg
    assert 'href="/sessions/a?x=1&amp;y=2"' in svg
    assert svg.count("<circle") == 3, "a missing value draws no point"
    assert svg.count("<polyline") == 1, "the gap splits the line; a lone point draws none"
    assert "Levels &amp; more" in svg


def test_empty_line_chart_says_so() -> None:
    svg = str(line_chart([Series("x", [])], chart_id="e", title="t", y_min=0, y_max=1, y_ticks=()))
    assert "Nothing to show yet" in svg


def test_bar_chart_draws_observed_skills_only() -> None:
    svg = str(
        bar_chart(
            [Bar("Listening", 3.5, "level 4"), Bar("Feedback", None, "not observed")],
            chart_id="b",
            title="Levels",
        )
    )
    assert len(re.findall(r'<rect class="bar', svg)) == 1
    assert "not observed" in svg


def test_field_errors_split_per_field() -> None:
    message = (
        "scenario: title: String should have at least 1 character; "
        "persona.layers.0.lines: List should have at least 3 items; (root): odd"
    )
    assert field_errors(message, "scenario") == [
        FieldError("title", "String should have at least 1 character"),
        FieldError("persona.layers.0.lines", "List should have at least 3 items"),
        FieldError("(root)", "odd"),
    ]
    assert field_errors("scenario: not valid YAML: bad", "scenario") == [
        FieldError("YAML", "not valid YAML: bad")
    ]


def test_safe_next_path_only_allows_local_paths() -> None:
    assert safe_next_path("/sessions/x?y=1") == "/sessions/x?y=1"
    for bad in (None, "", "https://evil.example", "//evil.example", "/\\evil", "relative"):
        assert safe_next_path(bad) == "/home"
