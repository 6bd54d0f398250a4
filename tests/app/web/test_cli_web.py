"""`opsmaturity web`: the command line it runs, and a bad store refused before it starts.

The browser test starts the real command and uses the app it serves.
"""

from __future__ import annotations

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
