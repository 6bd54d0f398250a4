"""`opsmaturity web`: the Streamlit app on the store, for workshops and portfolios."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Annotated

import typer

from .common import err_console, fail, open_store, say, state


def streamlit_command(port: int, host: str) -> list[str]:
    """`streamlit run` for the app: headless, no usage statistics, no tracebacks shown.

    No full garbage collection after every script run (Streamlit's default): with the
    catalogue, scores and libraries in memory one takes about 100 ms, holds the one
    interpreter lock while the run's messages wait to be sent, and ran after every tap of
    every participant and every refresh of the live view; it was most of a participant's
    wait for "Saved." (bench/bench_answer.py). Python's own collector still runs."""
    from ..web import ENTRYPOINT

    return [
        sys.executable, "-m", "streamlit", "run", str(ENTRYPOINT),
        "--server.port", str(port), "--server.address", host,
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--server.runOnSave", "false",
        "--client.showErrorDetails", "none", "--client.toolbarMode", "minimal",
        "--theme.base", "light", "--runner.postScriptGC", "false",
    ]


def web(
    port: Annotated[int, typer.Option("--port", min=1, max=65535)]
    = 8501,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    public_url: Annotated[str | None, typer.Option("--public-url")] = None,
) -> None:
    """Start the web app: portfolio heatmaps, live workshops, drill-down, trends, exports."""
    from ..store import ENV_URL, database_url
    from ..web.links import ENV_PUBLIC_URL, LinkError, public_base

    try:
        public = public_base(host, port, public_url)
    except LinkError as exc:
        raise fail(str(exc)) from None

    url = database_url(state.db_url)
    store = open_store()  # migrate now, and fail here with a clear message, not in a page
    where = store.url
    has_users = store.has_users()
    store.close()
    env = {**os.environ, ENV_URL: url}
    env.pop(ENV_PUBLIC_URL, None)
    if public:
        env[ENV_PUBLIC_URL] = public
    shown = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"
    err_console.print(say("web.serving", url=shown, store=where), highlight=False,
                      soft_wrap=True)
    if public:
        err_console.print(say("web.join_at", url=f"{public}/join"), highlight=False,
                          soft_wrap=True)
    if not has_users:
        err_console.print(say("web.first_account"), highlight=False, soft_wrap=True)
    raise typer.Exit(code=serve(streamlit_command(port, host), env))


def serve(command: list[str], env: dict[str, str], grace_s: float = 10.0) -> int:
    """Run the server as a child and stop it with us: on Ctrl+C and on SIGTERM (a service
    manager, `kill`, a container stopping) the child gets SIGTERM, then SIGKILL after
    `grace_s`, so the port is free when this returns."""
    child = subprocess.Popen(command, env=env)

    def stop(signum: int, _frame) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return child.wait()
    except KeyboardInterrupt:
        if child.poll() is None:
            child.terminate()
        try:
            child.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
