"""The Streamlit web app (`opsmaturity web`): workshops, heatmaps, drill-down and trends.

Importing this package does not import Streamlit: the CLI only needs the entrypoint's path.
"""

from __future__ import annotations

from pathlib import Path

APP_DIR = Path(__file__).parent
ENTRYPOINT = APP_DIR / "streamlit_app.py"
VIEWS_DIR = APP_DIR / "views"

__all__ = ["APP_DIR", "ENTRYPOINT", "VIEWS_DIR"]
