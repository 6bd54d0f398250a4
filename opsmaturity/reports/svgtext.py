"""Draw simple SVG text runs in one piece instead of letter by letter.

WeasyPrint draws every SVG ``<text>``/``<tspan>`` one letter at a time (a text layout
per letter), because SVG allows a position per letter. Plotly's chart labels never use
that, and in a team report this per-letter work was a third of the whole PDF's
rendering time (``make bench-reports``). For a run with at most one position and no
letter spacing, rotation or forced length, this draws the run with one layout, at the
same start point and with the same baseline rules; anything else goes to WeasyPrint's
own code unchanged. Copying a chart label out of the PDF now gives whole words too.

It replaces WeasyPrint's text drawer in its SVG tag table, so it is installed only for
the WeasyPrint versions it was checked against (``TESTED_MAJORS``); on others reports
render exactly as WeasyPrint does, only slower. ``tests/reports/test_svgtext.py``
compares the two drawers' output and fails when a new version needs a look.
"""

from __future__ import annotations

import importlib
from math import inf
from typing import Any

import weasyprint

TESTED_MAJORS = frozenset({70})
_PER_LETTER_ATTRIBUTES = ("rotate", "textLength")
_FAST_TAGS = ("text", "tspan")

_svg = importlib.import_module("weasyprint.svg")
_text = importlib.import_module("weasyprint.svg.text")
_original = _text.text


def _single(node: Any, name: str) -> bool:
    value = node.attrib.get(name)
    return value is None or len(_text.normalize(value).split()) <= 1


def is_simple(node: Any) -> bool:
    """Whether the run can be laid out as a whole: one start point, nothing per letter."""
    return (node.tag in _FAST_TAGS and bool(node.text)
            and not any(name in node.attrib for name in _PER_LETTER_ATTRIBUTES)
            and node.get("letter-spacing") in (None, "normal", "0", "0px")
            and all(_single(node, name) for name in ("x", "y", "dx", "dy")))


def _weight(value: Any) -> int:
    if value == "bold":
        return 700
    try:
        return int(value)
    except (TypeError, ValueError):
        return 400


def _y_align(node: Any, font_size: float, height: float) -> float:
    """WeasyPrint's own vertical alignment rules for SVG text, unchanged."""
    ascent, descent = font_size * .8, font_size * .2
    anchor = node.get("display-anchor")
    baseline = node.get("dominant-baseline", node.get("alignment-baseline"))
    if anchor == "middle":
        return -height / 2
    if anchor == "top":
        return 0
    if anchor == "bottom":
        return -height
    if baseline in ("central", "middle"):
        return (ascent + descent) / 2 - descent
    if baseline in ("text-before-edge", "before_edge", "top", "hanging", "text-top"):
        return ascent
    if baseline in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
        return -descent
    return 0


def draw_text(svg: Any, node: Any, font_size: float) -> None:
    """WeasyPrint's SVG text drawer, with one layout per simple run."""
    if not is_simple(node):
        _original(svg, node, font_size)
        return
    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.text.line_break import split_first_line

    style = _text.Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [f.strip("\"'") for f in node.get("font-family", "sans-serif")
                            .split(",")]
    style["font_style"] = node.get("font-style", "normal")
    style["font_weight"] = _weight(node.get("font-weight", 400))
    style["font_size"] = font_size
    if node.get("direction") in ("ltr", "rtl"):
        style["direction"] = node.get("direction")
    layout, _, _, width, height, baseline = split_first_line(
        node.text, style, svg.context, inf, 0)

    def first(name: str, extent: float) -> float | None:
        value = _text.normalize(node.attrib.get(name, "")).strip()
        return _text.size(value, font_size, extent) if value else None

    x, y = first("x", svg.inner_width), first("y", svg.inner_height)
    dx, dy = first("dx", svg.inner_width), first("dy", svg.inner_height)
    if x is not None:
        svg.cursor_d_position[0] = 0
    if y is not None:
        svg.cursor_d_position[1] = 0
    svg.cursor_d_position[0] += dx or 0
    svg.cursor_d_position[1] += dy or 0
    x = svg.cursor_position[0] if x is None else x
    y = svg.cursor_position[1] if y is None else y
    svg.cursor_position = x + width, y
    x_position = x + svg.cursor_d_position[0]
    y_position = y + svg.cursor_d_position[1] + _y_align(node, font_size, height)
    node.text_bounding_box = _text.extend_bounding_box(
        node.text_bounding_box, ((x_position, y_position - baseline),
                                 (x_position + width, y_position - baseline + height)))

    box = _text.TextBox(layout, style)
    svg.stream.push_state()
    paint = svg.set_graphical_state(node, font_size)  # looked up once per run
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(*paint, text=True)
    box.baseline = baseline
    emojis = draw_first_line(svg.stream, box, "none", "none",
                             Matrix(a=1, d=-1, e=x_position, f=y_position))
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)


def supported(version: str = weasyprint.__version__) -> bool:
    return int(version.split(".")[0]) in TESTED_MAJORS


def install() -> bool:
    """Use draw_text for SVG text in this process; False (and no change) if untested."""
    if not supported() or getattr(_svg, "text", None) not in (_original, draw_text):
        return False
    _set(draw_text)
    return True


def uninstall() -> None:
    """Back to WeasyPrint's own drawer (tests compare the two)."""
    _set(_original)


def _set(drawer: Any) -> None:
    # draw_node compares TAGS entries with the module's `text` name to find text
    # nodes (for text-anchor), so both must point at the same function.
    for tag, function in list(_svg.TAGS.items()):
        if function in (_original, draw_text):
            _svg.TAGS[tag] = drawer
    _svg.text = drawer
