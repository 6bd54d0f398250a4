"""The draft watermark as outlines, not text: it marks every page but is not copied with
the report's text, read aloud by a screen reader or found by a search.

The word (from texts.yaml, in the report's language) is drawn from the glyph outlines of
the report's bold font into an SVG that the stylesheet puts behind every page.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path

from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    "/usr/local/share/fonts/DejaVuSans-Bold.ttf",
)
COLOUR = "#bd0026"
OPACITY = 0.10
PAGE_MM = (210, 297)  # A4, as report.css sets it


def _font_path() -> Path | None:
    return next((Path(p) for p in FONT_CANDIDATES if Path(p).is_file()), None)


@cache
def watermark_svg(word: str) -> str:
    """An A4-sized SVG with `word` drawn as paths, rotated across the page."""
    path = _font_path()
    w, h = PAGE_MM
    if path is None:  # no font file: a band without letters still marks the page
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" '
                f'viewBox="0 0 {w} {h}"><rect x="0" y="{h * 0.45}" width="{w}" height="8" '
                f'fill="{COLOUR}" fill-opacity="{OPACITY}" '
                f'transform="rotate(-30 {w / 2} {h / 2})"/></svg>')
    font = TTFont(str(path))
    glyphs = font.getGlyphSet()
    cmap = font.getBestCmap()
    units = font["head"].unitsPerEm
    size = 28.0  # mm per em: 80 pt
    scale = size / units
    pen = SVGPathPen(glyphs)
    x = 0.0
    for char in word:
        name = cmap.get(ord(char))
        if name is None:
            continue
        glyph = glyphs[name]
        glyph.draw(TransformPen(pen, (scale, 0, 0, -scale, x, 0)))
        x += glyph.width * scale
    d = html.escape(pen.getCommands(), quote=True)
    cx, cy = w / 2, h * 0.5
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" '
            f'viewBox="0 0 {w} {h}"><g transform="translate({cx} {cy}) rotate(-30) '
            f'translate({-x / 2} {size * 0.35})"><path d="{d}" fill="{COLOUR}" '
            f'fill-opacity="{OPACITY}"/></g></svg>')
