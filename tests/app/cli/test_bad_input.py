"""The bad-input corpus: each case is refused with one `error:` line naming the file and the
line or record (exit 2, no traceback), and nothing already saved changes: the store keeps
its rows and an earlier output file keeps its bytes.

Small inputs live in tests/fixtures/bad/; large or binary ones are written by the tests.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.scoring.catalogue import default_catalogue_dir
from tests.conftest import MINI, assert_one_line_error

BAD = Path(__file__).parents[2] / "fixtures" / "bad"
EXAMPLES = default_catalogue_dir() / "examples"
EARLIER = '{"earlier": "output"}\n'
runner = CliRunner()


# ---------------------------------------------------------------- the world we must not damage


class World:
    """A store with one organisation and an earlier output file, both checked afterwards."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.db_path = root / "store.db"
        self.db = f"sqlite:///{self.db_path}"
        self.out = root / "earlier.json"
        self.out.write_text(EARLIER)
        result = self.run("org", "create", "Example Corp")
        assert result.exit_code == 0, result.output
        self.rows = self.store_rows()

    def run(self, *args: str, env: dict[str, str] | None = None):
        return runner.invoke(app, ["--db", self.db, *args], env=env)

    def store_rows(self) -> str:
        with sqlite3.connect(self.db_path) as conn:
            return "\n".join(line for line in conn.iterdump() if "alembic" not in line)

    def assert_refused(self, result, *fragments: str) -> None:
        """One line, exit 2, the fragments in it; store and earlier output unchanged."""
        assert_one_line_error(result, *fragments)
        assert self.out.read_text() == EARLIER
        assert self.store_rows() == self.rows


@pytest.fixture
def world(tmp_path: Path, monkeypatch) -> World:
    monkeypatch.delenv("OPSMATURITY_DATABASE_URL", raising=False)
    monkeypatch.setenv("OPSMATURITY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OPSMATURITY_CACHE_DIR", str(tmp_path / "cache"))
    return World(tmp_path)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- YAML: cycles, bombs, dates


def test_answers_alias_cycle(world: World):
    path = BAD / "answers-alias-cycle.yaml"
    world.assert_refused(world.run("score", "--answers", str(path), "--out", str(world.out)),
                         f"{path}:2:", "alias cycle")


def test_answers_alias_bomb_is_refused_not_expanded(world: World):
    path = BAD / "answers-alias-bomb.yaml"
    world.assert_refused(world.run("score", "--answers", str(path), "--out", str(world.out)),
                         f"{path}:", "alias bomb")


def test_answers_import_alias_bomb_leaves_the_store_alone(world: World):
    created = world.run("assessment", "create", "--team", "Payments", "--org", "Example Corp")
    if created.exit_code != 0:  # the team first
        assert world.run("team", "create", "Payments", "--org", "Example Corp").exit_code == 0
        created = world.run("assessment", "create", "--team", "Payments", "--org",
                            "Example Corp")
    assert created.exit_code == 0, created.output
    world.rows = world.store_rows()
    path = BAD / "answers-alias-bomb.yaml"
    world.assert_refused(world.run("answers", "import", str(path), "--assessment", "1"),
                         f"{path}:", "alias bomb")


def test_catalogue_alias_cycle(world: World, tmp_path: Path):
    cat = tmp_path / "cat"
    shutil.copytree(MINI, cat)
    (cat / "extra.yaml").write_text("areas: &a\n  - *a\n")
    world.assert_refused(world.run("catalogue", "check", str(cat)),
                         f"{cat / 'extra.yaml'}:2:", "alias cycle")
    world.assert_refused(world.run("score", "--catalogue", str(cat), "--answers",
                                   str(EXAMPLES / "weak-team.yaml"), "--out", str(world.out)),
                         "extra.yaml:2:", "alias cycle")


def test_answers_impossible_date(world: World):
    path = BAD / "answers-impossible-date.yaml"
    world.assert_refused(world.run("score", "--answers", str(path), "--out", str(world.out)),
                         f"{path}:2:", "2026-13-45", "does not exist")


# ---------------------------------------------------------------- JSON: depth, NaN, versions


def test_deeply_nested_evidence(world: World, tmp_path: Path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    world.assert_refused(world.run("score", "--evidence", str(path), "--out", str(world.out)),
                         f"{path}", "nested")


@pytest.mark.parametrize(("name", "token"), [("evidence-nan.json", "NaN"),
                                             ("evidence-infinity.json", "1e999")])
def test_evidence_with_non_numbers(world: World, name: str, token: str):
    path = BAD / name
    world.assert_refused(world.run("score", "--evidence", str(path), "--out", str(world.out)),
                         f"{path}:7:", token)


def test_evidence_import_with_nan_leaves_the_store_alone(world: World):
    assert world.run("team", "create", "Payments", "--org", "Example Corp").exit_code == 0
    assert world.run("assessment", "create", "--team", "Payments").exit_code == 0
    world.rows = world.store_rows()
    path = BAD / "evidence-nan.json"
    world.assert_refused(world.run("evidence", "import", str(path), "--assessment", "1"),
                         f"{path}:7:", "NaN")


def test_evidence_of_an_unknown_schema_version(world: World):
    path = BAD / "evidence-schema-99.json"
    result = world.run("score", "--evidence", str(path), "--out", str(world.out))
    world.assert_refused(result, f"{path}", "schema version 99", "upgrade")
    assert "Value error" not in result.output  # pydantic's wording, not ours


def test_opsgenie_ack_time_nan_is_a_broken_record(world: World, tmp_path: Path):
    path = BAD / "opsgenie-ack-nan.json"
    out = tmp_path / "ev.json"
    lenient = world.run("collect", "incidents", str(path), "--out", str(out))
    assert lenient.exit_code == 0, lenient.output
    assert f"warning: {path}:4:" in lenient.stderr and "ackTime" in lenient.stderr
    evidence = json.loads(out.read_text())
    assert next(m for m in evidence["measures"] if m["id"] == "incidents.count")["value"] == 1
    assert "NaN" not in out.read_text()
    world.assert_refused(world.run("collect", "incidents", str(path), "--strict", "--out",
                                   str(world.out)), f"{path}:4:", "ackTime")


# ---------------------------------------------------------------- outputs that cannot be written


@pytest.mark.parametrize("command", ["score", "report", "export", "collect-ci"])
def test_out_naming_a_directory(world: World, tmp_path: Path, command: str):
    target = tmp_path / "a-directory"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    result = _write_to(world, tmp_path, command, target)
    world.assert_refused(result, f"{target}", "is a directory")
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


@pytest.mark.parametrize("command", ["score", "report", "export", "collect-ci"])
def test_out_under_a_file(world: World, tmp_path: Path, command: str):
    blocker = tmp_path / "a-file"
    blocker.write_text("mine")
    result = _write_to(world, tmp_path, command, blocker / "out.json")
    world.assert_refused(result, f"{blocker / 'out.json'}", f"{blocker} is a file")
    assert blocker.read_text() == "mine"


def _write_to(world: World, tmp_path: Path, command: str, target: Path):
    answers = str(EXAMPLES / "weak-team.yaml")
    if command == "score":
        return world.run("score", "--answers", answers, "--out", str(target))
    if command == "report":
        scored = tmp_path / "scored.json"
        assert world.run("score", "--answers", answers, "--out", str(scored)).exit_code == 0
        return world.run("report", "--in", str(scored), "--json", str(target))
    if command == "export":
        assert world.run("team", "create", "T", "--org", "Example Corp").exit_code == 0
        assert world.run("assessment", "create", "--team", "T").exit_code == 0
        world.rows = world.store_rows()
        return world.run("export", "--assessment", "1", "--out", str(target))
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".gitlab-ci.yml").write_text("build:\n  script: make\n")
    return world.run("collect", "ci", str(repo), "--out", str(target))


def test_sqlite_url_under_a_file(world: World, tmp_path: Path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("mine")
    result = runner.invoke(app, ["--db", f"sqlite:///{blocker / 'store.db'}", "org", "list"])
    world.assert_refused(result, f"{blocker / 'store.db'}", f"{blocker} is a file")
    assert blocker.read_text() == "mine"


# ---------------------------------------------------------------- stores that are not ours


def _refused_store(path: Path, *fragments: str) -> None:
    before = sha(path)
    neighbours = sorted(p.name for p in path.parent.iterdir())
    for args in (["org", "list"], ["assessment", "list"], ["org", "create", "X"]):
        result = runner.invoke(app, ["--db", f"sqlite:///{path}", *args])
        assert_one_line_error(result, f"{path}:", *fragments)
    assert sha(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == neighbours


def test_store_file_that_is_not_sqlite(tmp_path: Path):
    path = tmp_path / "store.db"
    shutil.copy(BAD / "not-a-store.db", path)
    _refused_store(path, "not (or no longer) an opsmaturity store", "nothing was changed")


def test_truncated_store(world: World):
    runner.invoke(app, ["--db", world.db, "org", "list"])  # checkpointed and closed
    data = world.db_path.read_bytes()
    truncated = world.root / "truncated.db"
    truncated.write_bytes(data[: len(data) // 2])
    _refused_store(truncated, "no longer) an opsmaturity store", "truncated")


def test_someone_elses_sqlite_database(tmp_path: Path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    _refused_store(path, "not an opsmaturity store", "invoices")


def test_read_only_store_can_be_listed_not_changed(world: World, monkeypatch):
    from opsmaturity.app.store import db

    monkeypatch.setattr(db, "_read_only", lambda path: True)  # as a user without write access
    before = sha(world.db_path)
    listed = world.run("org", "list", "--json")
    assert listed.exit_code == 0, listed.output
    assert [o["name"] for o in json.loads(listed.stdout)] == ["Example Corp"]
    assert world.run("assessment", "list").exit_code == 0
    world.assert_refused(world.run("org", "create", "New"), f"{world.db_path}", "read-only")
    assert sha(world.db_path) == before


# ---------------------------------------------------------------- bundles


def test_bundle_into_the_store_it_came_from(world: World, tmp_path: Path):
    assert world.run("team", "create", "T", "--org", "Example Corp").exit_code == 0
    assert world.run("assessment", "create", "--team", "T").exit_code == 0
    assert world.run("answers", "import", str(EXAMPLES / "weak-team.yaml"), "--assessment",
                     "1").exit_code == 0
    bundle = tmp_path / "b.json"
    assert world.run("export", "--assessment", "1", "--out", str(bundle)).exit_code == 0
    world.rows = world.store_rows()
    world.assert_refused(world.run("import", str(bundle)), f"{bundle}", "already holds",
                         "assessment 1")
    other = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'other.db'}", "import",
                                str(bundle)])
    assert other.exit_code == 0, other.output  # another store takes it, once
    again = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'other.db'}", "import",
                                str(bundle)])
    assert_one_line_error(again, f"{bundle}")


# ---------------------------------------------------------------- reports


def test_report_of_another_catalogue_names_the_input_and_writes_nothing(world: World,
                                                                       tmp_path: Path):
    scored = tmp_path / "mini-assessment.json"
    answers = tmp_path / "mini-answers.yaml"
    answers.write_text("team: Payments\nparticipants:\n  - role: dev\n    answers: {}\n")
    result = world.run("score", "--catalogue", str(MINI), "--answers", str(answers), "--out",
                       str(scored))
    assert result.exit_code == 0, result.output
    fresh = tmp_path / "report.json"
    world.assert_refused(world.run("report", "--in", str(scored), "--json", str(world.out)),
                         f"{scored}:", "catalogue")
    world.assert_refused(world.run("report", "--in", str(scored), "--json", str(fresh)),
                         f"{scored}:")
    assert not fresh.exists()


# ---------------------------------------------------------------- incident exports


@pytest.mark.parametrize("fmt", ["pagerduty", "csv", "opsgenie"])
def test_empty_export_with_a_format(world: World, tmp_path: Path, fmt: str):
    path = tmp_path / "export.csv"
    path.write_bytes(b"")
    world.assert_refused(world.run("collect", "incidents", str(path), "--format", fmt,
                                   "--out", str(world.out)), f"{path}", "empty")


@pytest.mark.parametrize("encoded", [
    lambda text: b"\xff\xfe" + text.encode("utf-16-le"),  # as Excel saves "Unicode text"
    lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
    lambda text: text.encode("utf-16-le"),  # no byte order mark: told by its NUL bytes
    lambda text: text.encode("utf-16-be"),
], ids=["le-bom", "be-bom", "le", "be"])
def test_utf16_csv_is_read(world: World, tmp_path: Path, encoded):
    text = ("opened,resolved,title,severity\r\n"
            "2026-03-01T10:00:00Z,2026-03-01T11:00:00Z,Datenbank \u00fcberlastet,high\r\n"
            "2026-03-02T10:00:00Z,2026-03-02T10:30:00Z,API langsam,low\r\n")
    path = tmp_path / "excel-unicode.csv"
    path.write_bytes(encoded(text))
    out = tmp_path / "ev.json"
    result = world.run("collect", "incidents", str(path), "--out", str(out))
    assert result.exit_code == 0, result.output
    measures = {m["id"]: m["value"] for m in json.loads(out.read_text())["measures"]}
    assert measures["incidents.count"] == 2


# ---------------------------------------------------------------- CI files


@pytest.mark.parametrize(("fixture", "fragment"), [
    ("gitlab-ci-invalid.yml", ".gitlab-ci.yml:4: invalid YAML"),
    ("gitlab-ci-top-level-list.yml", ".gitlab-ci.yml:1: top level is not a mapping"),
    ("gitlab-ci-extends-cycle.yml", "extends cycle"),
    ("gitlab-ci-include-loop.yml", ".gitlab-ci.yml:1: include loop"),
    ("gitlab-ci-alias-bomb.yml", ".gitlab-ci.yml:7: YAML aliases expand"),  # 9**7 values
])
@pytest.mark.parametrize("command", ["collect", "assess"])
def test_broken_gitlab_ci_is_one_warning(world: World, tmp_path: Path, fixture: str,
                                         fragment: str, command: str):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    shutil.copy(BAD / fixture, repo / ".gitlab-ci.yml")
    out = tmp_path / "ev.json"
    if command == "collect":
        result = world.run("collect", "ci", str(repo), "--out", str(out))
    else:
        result = world.run("assess", str(repo), "--quiet", "--out", str(out), "--no-cache")
    assert result.exit_code == 0, result.output
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("warning:")]
    assert len(warnings) == 1 and fragment in warnings[0], result.stderr
    assert "Traceback" not in result.output


def test_broken_rule_file_is_one_warning(world: World, tmp_path: Path):
    path = BAD / "rules-alias-cycle.yml"
    out = tmp_path / "ev.json"
    result = world.run("collect", "prometheus", "--rules", str(path), "--no-promtool",
                       "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"warning: {path}:" in result.stderr and "alias cycle" in result.stderr


# ---------------------------------------------------------------- servers that never answer


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_clone_of_a_silent_server_stops_at_the_wall_clock(world: World, silent_server: int):
    url = f"git://127.0.0.1:{silent_server}/repo.git"
    result = world.run("collect", "git", url, "--out", str(world.out),
                       env={"OPSMATURITY_GIT_TIMEOUT": "1"})
    world.assert_refused(result, f"cannot clone {url}", "no result after 1 s",
                         "OPSMATURITY_GIT_TIMEOUT")
    assert not list((world.root / "cache" / "repos").glob("*.git"))  # no half clone kept


def test_clone_over_http_of_a_silent_server_hits_the_low_speed_limit(world: World,
                                                                    silent_server: int):
    url = f"http://127.0.0.1:{silent_server}/repo.git"
    result = world.run("assess", url, "--out", str(world.out),
                       env={"GIT_HTTP_LOW_SPEED_TIME": "1"})
    world.assert_refused(result, f"cannot clone {url}", "too slow")


def test_clone_over_ssh_of_a_silent_server_says_why(world: World, silent_server: int):
    """ssh's own reason is the line that helps, not git's closing advice."""
    url = f"ssh://git@127.0.0.1:{silent_server}/repo.git"
    result = world.run("collect", "git", url, "--out", str(world.out), env={
        "GIT_SSH_COMMAND": "ssh -o ConnectTimeout=1 -o BatchMode=yes "
                           "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"})
    world.assert_refused(result, "cannot clone ssh://127.0.0.1", "timed out",
                         "Could not read from remote repository")
    assert "repository exists" not in result.output


def test_github_gives_up_on_a_refused_port_after_the_connect_retries():
    from opsmaturity.collectors.delivery.github.api import GitHubClient
    from opsmaturity.core.http import RetryPolicy

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits: list[float] = []
    policy = RetryPolicy()
    client = GitHubClient("o/r", None, api_url=f"http://127.0.0.1:{port}", policy=policy,
                          sleep=waits.append)
    with pytest.raises(Exception):  # noqa: B017 - the collector words it; here: how long
        client.get("/repos/o/r")
    assert len(waits) == policy.connect_retries < policy.retries


def test_github_on_a_refused_port_says_so(world: World):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    result = world.run("collect", "github", "--repo", "o/r", "--url", url, "--no-cache",
                       "--out", str(world.out), env={"GITHUB_TOKEN": "t0ken"})
    world.assert_refused(result, url, "connection refused")
