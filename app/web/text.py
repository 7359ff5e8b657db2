"""Turning stored text into safe HTML: technique cards (markdown) and highlighted quotes."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup, escape


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # Raw HTML off: cards are content files, and nothing in them should reach the page as markup.
    return MarkdownIt("commonmark", {"html": False, "linkify": False})


def render_markdown(source: str) -> Markup:
    return Markup(_markdown().render(source))


def highlight(text: str, quotes: Iterable[str]) -> Markup:
    """``text`` escaped, with each verbatim occurrence of a quote wrapped in ``<mark>``.

    Overlapping or touching quotes merge into one mark, so the output is always well nested.
    """
    spans = sorted(
        (start, start + len(quote))
        for quote in {q for q in quotes if q}
        for start in _occurrences(text, quote)
    )
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    out, cursor = [], 0
    for start, end in merged:
        out.append(str(escape(text[cursor:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    out.append(str(escape(text[cursor:])))
    return Markup("".join(out))


def _occurrences(text: str, quote: str) -> list[int]:
    found, start = [], text.find(quote)
    while start != -1:
        found.append(start)
        start = text.find(quote, start + len(quote))
    return found
