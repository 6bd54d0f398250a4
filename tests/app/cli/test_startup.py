"""Start-up: `opsmaturity --version` and `--help` import none of the heavy packages.

Checked on `sys.modules` in a fresh interpreter, not on a clock (timing is for bench/), so
the gain cannot quietly regress: a command module that imports SQLAlchemy, a platform
client or the web stack at its top fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from opsmaturity.app.cli.github import DEFAULT_API_URL
from opsmaturity.app.cli.store import DEFAULT_DORA_YEAR

HEAVY = ("sqlalchemy", "alembic", "github", "gitlab", "streamlit", "pandas", "plotly",
         "weasyprint", "git", "jinja2", "openpyxl", "requests", "kaleido")
LIGHT = (*HEAVY, "pydantic", "yaml", "rich")  # not needed to print a version or the help

PROBE = """
import json, sys
sys.argv = ["opsmaturity", *json.loads(sys.argv[1])]
from opsmaturity.app.cli import main
try:
    main()
except SystemExit:
    pass
roots = sorted({name.split(".")[0] for name in sys.modules})
sys.stderr.write("\\nMODULES " + json.dumps(roots) + "\\n")
"""


def imported(*args: str) -> tuple[set[str], str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True,
                          text=True, check=False, env=env)
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("MODULES "))
    return set(json.loads(line.removeprefix("MODULES "))), proc.stdout


def test_version_imports_no_heavy_package():
    modules, out = imported("--version")
    assert out.startswith("opsmaturity ")
    assert not modules & set(LIGHT), sorted(modules & set(LIGHT))


@pytest.mark.parametrize("args", [("--help",), ("assess", "--help"), ("collect", "--help"),
                                  ("collect", "gitlab", "--help"), ("report", "--help")])
def test_help_imports_no_heavy_package(args: tuple[str, ...]):
    modules, out = imported(*args)
    assert "Usage: opsmaturity" in out
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_the_probe_would_see_a_heavy_import():
    modules, _ = imported("catalogue", "check")  # loads the catalogue: pydantic and yaml
    assert {"pydantic", "yaml"} <= modules


def test_defaults_copied_to_keep_imports_light_match_their_source():
    from opsmaturity.collectors.delivery.github.api import DEFAULT_API_URL as api_default
    from opsmaturity.scoring.dora import NEWEST_YEAR

    assert api_default == DEFAULT_API_URL
    assert DEFAULT_DORA_YEAR == NEWEST_YEAR


def test_collector_registry_imports_no_collector_until_asked():
    code = ("import sys, opsmaturity.collectors as c; "
            "assert 'git' in c.BUILTINS; "
            "print(sorted(m for m in sys.modules if m.startswith('opsmaturity.collectors.') "
            "or m.split('.')[0] in ('git', 'github', 'gitlab', 'pydantic')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip() == "[]"


def test_version_is_the_installed_distributions():
    from importlib.metadata import version

    _, out = imported("--version")
    assert out.strip() == f"opsmaturity {version('opsmaturity')}"


def test_a_cached_assess_imports_no_heavy_package(tmp_path, monkeypatch):
    """An unchanged repository is answered from the cache: no GitPython, no store, no
    charts, no dataframes (and `git log` is not started)."""
    from tests.gitbuilder import RepoBuilder

    monkeypatch.setenv("OPSMATURITY_CACHE_DIR", str(tmp_path / "cache"))
    b = RepoBuilder(tmp_path / "service")
    b.commit("start", at=-86400, files={"app.py": "print(1)\n"})
    repo = str(b.build())
    args = ("assess", repo, "--since", "2000-01-01", "-q")
    imported(*args)  # fills the cache
    modules, _ = imported(*args)
    assert "pydantic" in modules  # the probe saw the run
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_german_help_in_a_pipe_loads_no_rich_error_reporting():
    """typer's rich error reporting (rich, markdown-it: 0.1 s) is set up in German only when
    the line runs on a terminal, where typer would use it."""
    modules, out = imported("--lang", "de", "--help")
    assert "Aufruf: opsmaturity" in out
    assert not modules & {*HEAVY, "rich", "markdown_it"}, sorted(modules & {*HEAVY, "rich"})


def test_collect_git_to_a_file_in_a_pipe_loads_neither_rich_nor_the_message_texts(
        tmp_path, monkeypatch):
    """After `git log` ends, nothing should wait: the "computing" progress text (messages.yaml,
    40 ms) was read with no progress bar to show it, and rich (30 ms) was imported to print
    `wrote FILE` into a log."""
    from tests.gitbuilder import RepoBuilder

    monkeypatch.setenv("OPSMATURITY_CACHE_DIR", str(tmp_path / "cache"))
    b = RepoBuilder(tmp_path / "service")
    b.commit("start", at=-86400, files={"app.py": "print(1)\n"})
    out = tmp_path / "ev.json"
    probe = PROBE.replace("roots = ", "import opsmaturity.core.messages as msgs\n"
                          "sys.stderr.write('\\nTEXTS %d\\n' % msgs.table.cache_info().currsize)\n"
                          "roots = ")
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    proc = subprocess.run([sys.executable, "-c", probe, json.dumps(
        ["collect", "git", str(b.build()), "--no-cache", "--out", str(out)])],
        capture_output=True, text=True, check=False, env=env)
    assert out.exists(), proc.stderr
    assert f"wrote {out}" in proc.stderr
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("MODULES "))
    assert "rich" not in json.loads(line.removeprefix("MODULES "))
    assert "TEXTS 0" in proc.stderr
