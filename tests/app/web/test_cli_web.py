"""`opsmaturity web`: the command line it runs, and a bad store refused before it starts.

The browser test starts the real command and uses the app it serves.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.app.cli.web import streamlit_command
from opsmaturity.app.web import ENTRYPOINT
from tests.conftest import assert_one_line_error


def test_streamlit_runs_headless_without_usage_statistics_or_tracebacks():
    cmd = streamlit_command(8123, "0.0.0.0")
    assert cmd[1:5] == ["-m", "streamlit", "run", str(ENTRYPOINT)]
    options = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert options["--server.port"] == "8123"
    assert options["--server.address"] == "0.0.0.0"
    assert options["--server.headless"] == "true"
    assert options["--browser.gatherUsageStats"] == "false"
    assert options["--client.showErrorDetails"] == "none"
    assert ENTRYPOINT.is_file()


def test_a_store_that_cannot_be_opened_is_one_line_and_nothing_starts(tmp_path):
    result = CliRunner().invoke(app, ["--db", "nosuchdb://x/y", "web", "--port", "8124"])
    assert_one_line_error(result, "nosuchdb")


def test_a_store_without_accounts_says_how_to_create_the_first(tmp_path, monkeypatch):
    from opsmaturity.app.cli import web as web_cli
    from opsmaturity.app.store import Store

    started = []
    monkeypatch.setattr(web_cli, "serve", lambda command, env: started.append(command) or 0)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    result = CliRunner().invoke(app, ["--db", url, "web", "--port", "8125"])
    assert result.exit_code == 0 and started
    assert "opsmaturity user add NAME --role admin" in result.stderr
    s = Store.open(url)
    s.add_user("ada", "admin", "a long password")
    s.close()
    result = CliRunner().invoke(app, ["--db", url, "web", "--port", "8125"])
    assert "user add" not in result.stderr


def test_sigterm_stops_the_child_as_ctrl_c_does(tmp_path):
    """`serve` in a process of its own, SIGTERM to it: the child it started ends too."""
    import os
    import signal
    import subprocess
    import sys
    import time

    marker = tmp_path / "child.pid"
    child = f"import os, time; open({str(marker)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    wrapper = ("import os, sys; from opsmaturity.app.cli.web import serve; "
               f"sys.exit(serve([sys.executable, '-c', {child!r}], dict(os.environ)))")
    proc = subprocess.Popen([sys.executable, "-c", wrapper])
    deadline = time.monotonic() + 30
    while not marker.exists() or not marker.read_text():
        assert time.monotonic() < deadline, "the child did not start"
        time.sleep(0.1)
    child_pid = int(marker.read_text())
    os.kill(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    deadline = time.monotonic() + 10
    while _running(child_pid):
        assert time.monotonic() < deadline, "the child outlived SIGTERM to its parent"
        time.sleep(0.1)


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False
