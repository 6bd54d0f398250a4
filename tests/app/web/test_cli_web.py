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
    assert options["--runner.postScriptGC"] == "false"  # a full GC per run: bench_answer
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


def test_join_links_name_an_address_the_room_can_reach(tmp_path, monkeypatch):
    """--public-url wins; --host 0.0.0.0 hands out this machine's network address; on
    127.0.0.1 the browser's own address is used (no variable set)."""
    from opsmaturity.app.cli import web as web_cli
    from opsmaturity.app.web.links import ENV_PUBLIC_URL, join_link, lan_address

    envs: list[dict[str, str]] = []
    monkeypatch.setattr(web_cli, "serve", lambda command, env: envs.append(env) or 0)
    monkeypatch.setenv(ENV_PUBLIC_URL, "http://stale.invalid")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    base = ["--db", url, "web", "--port", "8126"]
    result = CliRunner().invoke(app, [*base, "--public-url", "https://ws.example.org/"])
    assert result.exit_code == 0, result.output
    assert envs[-1][ENV_PUBLIC_URL] == "https://ws.example.org"
    assert "participants join at https://ws.example.org/join" in result.stderr
    CliRunner().invoke(app, [*base, "--host", "0.0.0.0"])
    lan = lan_address()
    assert lan is not None and not lan.startswith("127.")
    assert envs[-1][ENV_PUBLIC_URL] == f"http://{lan}:8126"
    CliRunner().invoke(app, [*base, "--host", "127.0.0.1"])
    assert ENV_PUBLIC_URL not in envs[-1]
    monkeypatch.setenv(ENV_PUBLIC_URL, "https://ws.example.org")
    assert join_link("ABCDE23456", "http://127.0.0.1:8501/workshop") == (
        "https://ws.example.org/join?join=ABCDE23456")
    monkeypatch.delenv(ENV_PUBLIC_URL)
    assert join_link("ABCDE23456", "http://127.0.0.1:8501/workshop") == (
        "http://127.0.0.1:8501/join?join=ABCDE23456")


def test_a_public_url_that_is_no_address_is_one_line_and_exit_2(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    result = CliRunner().invoke(app, ["--db", url, "web", "--public-url", "ws.example.org"])
    assert_one_line_error(result, "--public-url 'ws.example.org'")
    assert result.exit_code == 2
