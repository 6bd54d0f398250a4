"""`opsmaturity web`: the Streamlit app on the store, for workshops and portfolios."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Annotated

import typer

from .common import err_console, open_store, state


def streamlit_command(port: int, host: str) -> list[str]:
    """`streamlit run` for the app: headless, no usage statistics, no tracebacks shown."""
    from ..web import ENTRYPOINT

    return [
        sys.executable, "-m", "streamlit", "run", str(ENTRYPOINT),
        "--server.port", str(port), "--server.address", host,
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--server.runOnSave", "false",
        "--client.showErrorDetails", "none", "--client.toolbarMode", "minimal",
        "--theme.base", "light",
    ]


def web(
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)]
    = 8501,
    host: Annotated[str, typer.Option(
        "--host", help="Address to listen on; 0.0.0.0 lets workshop participants join from "
        "their own laptops.")] = "127.0.0.1",
) -> None:
    """Start the web app: portfolio heatmaps, live workshops, drill-down, trends, exports."""
    from ..store import ENV_URL, database_url

    url = database_url(state.db_url)
    store = open_store()  # migrate now, and fail here with a clear message, not in a page
    where = store.url
    store.close()
    env = {**os.environ, ENV_URL: url}
    shown = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"
    err_console.print(f"opsmaturity web on {shown} (store {where}); Ctrl+C stops it",
                      highlight=False, soft_wrap=True)
    try:
        code = subprocess.call(streamlit_command(port, host), env=env)
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code=code)
