"""The charts' colours, font and sizes: one home for the web's plotly figures (charts.py)
and the PDF's SVG charts (svgcharts.py), so both show a level in the same colour.

Colours are safe for colour-blind readers: risk levels use a sequential palette whose
lightness falls with every level (ColorBrewer YlOrRd), every cell also says its level in
words, and "unknown" is grey and hatched, so it cannot be mistaken for "low".
"""

from __future__ import annotations

RISK_LEVELS = ("low", "medium", "high", "critical")
LEVELS_WITH_UNKNOWN = (*RISK_LEVELS, "unknown")
RISK_COLOURS = {
    "low": "#ffffb2", "medium": "#fecc5c", "high": "#fd8d3c", "critical": "#bd0026",
    "unknown": "#f4f4f4",
}
"""Fill per risk level; lightness strictly falls from low to critical (tests check it)."""
TEXT_COLOURS = {"low": "#222222", "medium": "#222222", "high": "#222222", "critical": "#ffffff",
                "unknown": "#444444"}
UNKNOWN_PATTERN = {"shape": "/", "fgcolor": "#8c8c8c", "size": 7, "solidity": 0.12}
HORIZON_STYLE = {  # Okabe-Ito colours, told apart by pattern too
    "now": ("#D55E00", ""), "next": ("#0072B2", "/"), "later": ("#999999", "."),
}
CURRENT_COLOUR, PREVIOUS_COLOUR = "#0072B2", "#E69F00"
CURRENT_FILL = "rgba(0,114,178,0.15)"
DORA_HERE, DORA_OTHER, DORA_MARK = "#3b528b", "#c6dbef", "#D55E00"
GRID_COLOUR, RULE_COLOUR, CELL_LINE = "#e6e6e6", "#d9d9d9", "#bbbbbb"
INK = "#222222"
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
CELL_HEIGHT = 38
BAND_OPACITY = 0.35
"""Opacity of the risk bands behind the trend line."""
