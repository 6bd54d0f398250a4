"""`opsmaturity demo`: a realistic organisation to explore the web app and reports with."""

from .build import DemoTeam, build_demo
from .profiles import load_demo

__all__ = ["DemoTeam", "build_demo", "load_demo"]
