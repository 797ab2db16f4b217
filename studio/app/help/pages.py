"""The HTML of the concept pages and the index, and the style sheet that colours them for the
current palette. Pages link to each other as concept:KEY and show figures as figure:NAME."""

from __future__ import annotations

import html

from PySide6.QtGui import QPalette

from studio.app.help.canvas import Ink, blend
from studio.app.help.concepts import CONCEPTS, INDEX, Concept

SCHEME, FIGURE_SCHEME = "concept", "figure"


def concept_href(key: str) -> str:
    return f"{SCHEME}:{key}"


def figure_href(name: str, generation: int) -> str:
    """The figure's address; the generation changes with the theme, so a redraw is a new URL."""
    return f"{FIGURE_SCHEME}:{name}?v={generation}"


def style_sheet(palette: QPalette) -> str:
    """CSS for the pages: links, captions and formulas readable on the palette's background."""
    ink = Ink.from_palette(palette)
    quiet = blend(ink.background, ink.text, 0.7).name()
    formula_bg = blend(ink.background, ink.text, 0.07).name()
    return (f"a {{ color: {ink.accent.name()}; }}\n"
            "h2 { margin-bottom: 6px; }\n"
            f"p.summary {{ color: {quiet}; font-style: italic; }}\n"
            f"p.caption {{ color: {quiet}; font-size: small; margin-top: 2px; }}\n"
            f"p.sources {{ color: {quiet}; font-size: small; }}\n"
            f"p.formula {{ background-color: {formula_bg}; margin-left: 16px; "
            "margin-right: 16px; padding: 4px; font-size: large; }\n")


def concept_html(concept: Concept, figure_url: str, size: tuple[int, int]) -> str:
    """One concept's page: title, summary, text with the figure after the first paragraph."""
    width, height = size
    figure = (f'<p align="center"><img src="{figure_url}" width="{width}" height="{height}" '
              f'alt="{html.escape(concept.caption)}"></p>'
              f'<p class="caption" align="center">{html.escape(concept.caption)}</p>')
    body = [_paragraph(p) for p in concept.paragraphs]
    body.insert(min(max(concept.figure_at, 0), len(body)), figure)
    see = ", ".join(f'<a href="{concept_href(k)}">{html.escape(CONCEPTS[k].title)}</a>'
                    for k in concept.see_also if k in CONCEPTS)
    tail = f"<p><b>See also:</b> {see}</p>" if see else ""
    return (f"<html><body><h2>{html.escape(concept.title)}</h2>"
            f'<p class="summary">{html.escape(concept.summary)}</p>{"".join(body)}{tail}'
            f'<p class="sources">Sources: {html.escape(concept.sources)}</p>'
            f'<p><a href="{concept_href(INDEX)}">All concepts</a></p></body></html>')


def _paragraph(text: str) -> str:
    """Text that is already a block (<p>, <ul>) stays as it is; plain text becomes a <p>."""
    return text if text.lstrip().startswith(("<p", "<ul")) else f"<p>{text}</p>"


def index_html() -> str:
    """Every concept with its one-line summary, as links."""
    rows = "".join(f'<li><a href="{concept_href(c.key)}"><b>{html.escape(c.title)}</b></a>'
                   f" — {html.escape(c.summary)}</li>" for c in CONCEPTS.values())
    return ("<html><body><h2>GAN concepts</h2>"
            "<p>Short illustrated pages on the ideas the studio shows: the game G and D play, "
            "the losses and penalties that steady it, what StyleGAN adds, and what the quality "
            "figures and the doctor's warnings mean. Pick one on the left or below.</p>"
            f"<ul>{rows}</ul></body></html>")
