"""The git collector on real repositories built with fast-import; exact measure values.

The main fixture (window T0 .. T0+28 days; D = day after T0):
  before: b1 -10D Alice src/app.py(3 lines) README.md ; b2 -9D Bob docs/runbook-db.md
  c1 1D Alice app.py +1, tests/test_app.py +2     c2 2D Bob src/db.py +10
  f1 3D Carol src/feature.py +5 (branch feature/x) f2 4D Carol feature.py +1
  m1 5D merge feature/x                            c3 6D Alice "Hotfix: ..." app.py +1-1
  tag v1.0.0 6D+1h on c3                           c4 7D Bob git revert c2 (-10)
  c5 10D Alice src/big.py +500                     tag v1.1.0 12D on c5; tag nightly
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from opsmaturity.collectors.base import CollectorError
from opsmaturity.collectors.git.collector import GitCollector, GitOptions, is_release_tag
from opsmaturity.core.evidence import EvidenceSet
from opsmaturity.core.privacy import without_credentials
from tests.gitbuilder import T0, RepoBuilder, git

D = 86400
H = 3600


def _env_at(seconds: int) -> dict[str, str]:
    stamp = f"@{int(T0.timestamp()) + seconds} +0000"
    return {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp,
            "GIT_AUTHOR_NAME": "Bob", "GIT_AUTHOR_EMAIL": "bob@example.com",
            "GIT_COMMITTER_NAME": "Bob", "GIT_COMMITTER_EMAIL": "bob@example.com"}


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    b = RepoBuilder(tmp_path_factory.mktemp("repo") / "r")
    b.commit("initial", at=-10 * D, files={"src/app.py": "a\nb\nc\n", "README.md": "# App\n"})
    b.commit("runbook", at=-9 * D, author="Bob", files={"docs/runbook-db.md": "1\n2\n"})
    b.commit("more app", at=1 * D, files={"src/app.py": "a\nb\nc\nd\n",
                                          "tests/test_app.py": "x\ny\n"})
    c2 = b.commit("Add db", at=2 * D, author="Bob",
                  files={"src/db.py": "".join(f"{i}\n" for i in range(10))})
    b.branch_from("feature/x", c2)
    b.commit("feature", at=3 * D, author="Carol", branch="feature/x",
             files={"src/feature.py": "1\n2\n3\n4\n5\n"})
    b.commit("feature more", at=4 * D, author="Carol", branch="feature/x",
             files={"src/feature.py": "1\n2\n3\n4\n5\n6\n"})
    b.commit("Merge branch 'feature/x'", at=5 * D, merge="feature/x")
    b.commit("Hotfix: null pointer in checkout", at=6 * D, files={"src/app.py": "a\nb\nc\ne\n"})
    b.tag("v1.0.0", at=6 * D + H)
    repo = b.build()
    db_sha = git(repo, "log", "--format=%H", "-1", "--", "src/db.py").strip()
    subprocess.run(["git", "revert", "--no-edit", db_sha], cwd=repo, env=_env_at(7 * D),
                   check=True, capture_output=True)
    (repo / "src" / "big.py").write_text("".join(f"{i}\n" for i in range(500)))
    env = {**_env_at(10 * D), "GIT_AUTHOR_NAME": "Alice", "GIT_AUTHOR_EMAIL": "alice@example.com"}
    subprocess.run(["git", "add", "src/big.py"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "big"], cwd=repo, env=env, check=True)
    subprocess.run(["git", "tag", "-a", "v1.1.0", "-m", "r"], cwd=repo, env=_env_at(12 * D),
                   check=True)
    subprocess.run(["git", "tag", "nightly"], cwd=repo, check=True)
    return repo


def collect(repo: Path | str, tmp_path: Path, **kw) -> EvidenceSet:
    opts = {"since": T0, "until": T0 + timedelta(days=28), "cache_dir": tmp_path / "cache", **kw}
    return GitCollector().collect(GitOptions(source=str(repo), **opts))


def values(ev: EvidenceSet) -> dict:
    return {m.id: m.value for m in ev.measures}


EXPECTED = {
    "git.commits": 7, "git.merge_commits": 1, "git.active_authors": 3,
    "git.commits_per_week": 1.75, "git.active_days": 7,
    "git.lines_changed_per_commit_median": 5.0, "git.lines_changed_per_commit_p90": 500.0,
    "git.files_changed_per_commit_median": 1.0, "git.files_changed_per_commit_p90": 2.0,
    "git.large_commit_share": 0.1429,
    "git.branch_lifetime_hours_median": 48.0, "git.branch_lifetime_hours_p90": 48.0,
    "git.direct_commit_share": 0.7143, "git.trunk_based": True,
    "git.revert_commits": 1, "git.revert_ratio": 0.1429, "git.hotfix_commits": 1,
    "git.hotfix_ratio": 0.1429, "git.time_to_revert_hours_median": 120.0,
    "git.tags": 3, "git.release_tags": 2, "git.release_interval_days_median": 5.96,
    "git.commits_per_release_median": 4.5,  # v1.0.0: b1 b2 c1 c2 f1 f2 c3; v1.1.0: revert, big
    "git.lead_time_to_tag_hours_median": 73.0, "git.lead_time_to_tag_hours_p90": 121.0,
    "git.test_file_share": 0.1667, "git.commits_with_tests_share": 0.1429,
    "git.iac_present": False, "git.db_migrations_present": False,
    "git.backup_failover_scripts_present": False, "git.observability_config_present": False,
    "git.opentelemetry_in_dependencies": False, "git.structured_logging_present": False,
    "git.runbooks_present": True, "git.runbooks_last_changed_days": 37.0,
    "git.docs_present": True, "git.docs_last_changed_days": 37.0,
    "git.adr_present": False, "git.codeowners_present": False,
    "git.files": 6, "git.top_level_dirs": 3, "git.truck_factor": 1,
    "git.single_author_file_share": 1.0, "git.main_author_share_max": 0.6,
}


def test_exact_measures(history: Path, tmp_path: Path):
    ev = collect(history, tmp_path, main_author_min_changes=3)
    got = values(ev)
    assert {k: got[k] for k in EXPECTED} == EXPECTED
    assert ev.coverage.ratio == 1.0 and not ev.partial
    assert set(got) == set(GitCollector.measures)
    by_id = {m.id: m for m in ev.measures}
    assert not by_id["git.iac_kinds"].applicable
    # recent changes only: c1, f1, f2, c3, c5 (b1 lies before the window), Alice 3 of 5
    assert by_id["git.main_author_share_max"].details["per_directory"]["src"]["changes"] == 5


def test_observability_config_by_file_name(tmp_path: Path):
    b = RepoBuilder(tmp_path / "r")
    b.commit("telemetry", at=1 * D, files={
        "deploy/otel-collector-config.yaml": "receivers: {}\n",
        "deploy/fluent-bit.conf": "[INPUT]\n",
        "k8s/vector.yaml": "sources: {}\n",
        "src/vector.py": "x = 1\n",                  # code named vector: not a shipper
        "examples/filebeat.yml": "filebeat.inputs: []\n",  # an example: not counted
        "tests/promtail.yaml": "server: {}\n",       # a test fixture: not counted
    })
    ev = collect(b.build(), tmp_path)
    by_id = {m.id: m for m in ev.measures}
    assert by_id["git.observability_config_present"].value is True
    assert by_id["git.observability_config_kinds"].value == "fluent-bit,opentelemetry,vector"
    assert by_id["git.observability_config_present"].details["files"]["vector"] == [
        "k8s/vector.yaml"]


GO_MOD = """module example.com/checkout

go 1.23

require (
\tgithub.com/sirupsen/logrus v1.9.3
\tgo.opentelemetry.io/otel/sdk v1.32.0
)

require go.opentelemetry.io/otel/trace v1.32.0 // indirect
"""
GO_MOD_INDIRECT_ONLY = """module example.com/shipping

require (
\tgo.opentelemetry.io/otel v1.32.0 // indirect
\tgo.uber.org/zap v1.27.0 // indirect
)
"""
PACKAGE_JSON = """{"name": "payment", "dependencies": {"@opentelemetry/sdk-node": "0.55.0",
 "pino": "9.5.0", "express": "4.21.1"}}
"""
LOG4J2 = """<Configuration><Appenders><Console name="out">
  <JsonTemplateLayout eventTemplateUri="classpath:EcsLayout.json"/>
</Console></Appenders></Configuration>
"""
CSPROJ = """<Project Sdk="Microsoft.NET.Sdk"><ItemGroup>
  <PackageReference Include="Serilog.AspNetCore" Version="8.0.3" />
</ItemGroup></Project>
"""


def test_opentelemetry_and_structured_logging_from_manifests(tmp_path: Path):
    b = RepoBuilder(tmp_path / "r")
    b.commit("services", at=1 * D, files={
        "checkout/go.mod": GO_MOD,
        "shipping/go.mod": GO_MOD_INDIRECT_ONLY,         # pulled in by others: not chosen
        "payment/package.json": PACKAGE_JSON,
        "ads/src/main/resources/log4j2.xml": LOG4J2,
        "cart/cart.csproj": CSPROJ,
        "email/requirements.txt": "grpcio==1.68.0\npython-json-logger==2.0.7\n",
        "examples/demo/requirements.txt": "structlog==24.4.0\n",  # an example: not counted
        "node_modules/x/package.json": '{"dependencies": {"bunyan": "1"}}',  # vendored
    })
    by_id = {m.id: m for m in collect(b.build(), tmp_path).measures}
    otel = by_id["git.opentelemetry_in_dependencies"]
    assert otel.value is True
    assert otel.details["files"] == ["checkout/go.mod", "payment/package.json"]
    logs = by_id["git.structured_logging_present"]
    assert logs.value is True
    assert logs.details["files"] == {
        "log4j2-json-layout": ["ads/src/main/resources/log4j2.xml"],
        "logrus": ["checkout/go.mod"], "pino": ["payment/package.json"],
        "python-json-logger": ["email/requirements.txt"], "serilog": ["cart/cart.csproj"]}
    assert by_id["git.structured_logging_libraries"].value == (
        "log4j2-json-layout,logrus,pino,python-json-logger,serilog")


def test_plain_logging_and_no_telemetry_dependencies(tmp_path: Path):
    b = RepoBuilder(tmp_path / "r")
    b.commit("app", at=1 * D, files={
        "requirements.txt": "flask==3.1.0\nrequests==2.32.3\n",
        "package.json": '{"dependencies": {"winston-transport": "4", "pinojs-docs": "1"}}',
    })
    by_id = {m.id: m for m in collect(b.build(), tmp_path).measures}
    assert by_id["git.opentelemetry_in_dependencies"].value is False
    assert by_id["git.structured_logging_present"].value is False
    assert not by_id["git.structured_logging_libraries"].applicable


def test_people_are_pseudonymised_unless_asked(history: Path, tmp_path: Path):
    hidden = collect(history, tmp_path).to_json()
    assert "Alice" not in hidden and "alice@example.com" not in hidden
    assert "author-" in hidden
    again = collect(history, tmp_path / "other", use_cache=False).to_json()
    assert json.loads(hidden)["measures"] == json.loads(again)["measures"]  # stable hashes
    shown = collect(history, tmp_path, show_names=True).to_json()
    assert "Alice" in shown


def test_window_excludes_outside_commits(history: Path, tmp_path: Path):
    ev = collect(history, tmp_path, since=T0 + timedelta(days=5, hours=12),
                 until=T0 + timedelta(days=8))
    got = values(ev)
    assert got["git.commits"] == 2 and got["git.merge_commits"] == 0  # c3 and the revert
    assert got["git.truck_factor"] == 1  # ownership still uses the whole history


def test_cache_is_reused_and_keyed_by_head(history: Path, tmp_path: Path):
    first = collect(history, tmp_path)
    files = list((tmp_path / "cache" / "git").glob("*.json"))
    assert len(files) == 1
    second = collect(history, tmp_path)
    assert second.collected_at == first.collected_at  # served from the cache
    assert collect(history, tmp_path, use_cache=False).collected_at != first.collected_at


def test_bare_clone_of_a_url(history: Path, tmp_path: Path):
    url = history.as_uri()
    ev = collect(url, tmp_path)
    assert ev.source == url
    assert values(ev)["git.commits"] == 7
    clones = list((tmp_path / "cache" / "repos").glob("*.git"))
    assert len(clones) == 1 and (clones[0] / "HEAD").exists()
    assert git(clones[0], "rev-parse", "--is-bare-repository").strip() == "true"
    # a second run fetches into the same clone
    collect(url, tmp_path, use_cache=False)
    assert len(list((tmp_path / "cache" / "repos").glob("*.git"))) == 1


def test_repository_is_not_written_to(history: Path, tmp_path: Path):
    def snapshot() -> dict[str, float]:
        return {str(p): p.stat().st_mtime_ns for p in (history / ".git").rglob("*") if p.is_file()}

    before = snapshot()
    collect(history, tmp_path, use_cache=False)
    assert snapshot() == before


def test_credentials_never_reach_the_evidence():
    assert without_credentials("https://user:s3cret@example.com/g/p.git") == "https://example.com/g/p.git"


@pytest.mark.parametrize(("name", "release"), [
    ("v1.2.3", True), ("1.2", True), ("release-2.0.1", True), ("v2.0.0-rc.1", True),
    ("2026.11.02", True), ("2026-11", True), ("nightly", False), ("latest", False),
])
def test_release_tag_conventions(name: str, release: bool):
    assert is_release_tag(name) is release


# ------------------------------------------------------------------ robustness


def test_empty_repository(tmp_path: Path):
    repo = tmp_path / "empty"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    ev = collect(repo, tmp_path)
    assert values(ev) == {"git.commits": 0}
    assert ev.coverage.ratio == 0 and "empty repository" in ev.coverage.missing[0]


def test_not_a_repository_and_missing_path(tmp_path: Path):
    with pytest.raises(CollectorError, match="not a git repository"):
        collect(tmp_path, tmp_path)
    with pytest.raises(CollectorError, match="no such file"):
        collect(tmp_path / "nope", tmp_path)


def test_clone_failure_is_clear(tmp_path: Path):
    with pytest.raises(CollectorError, match="cannot clone file://"):
        collect((tmp_path / "missing").as_uri(), tmp_path)


def test_no_git_binary(history: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(CollectorError, match="git was not found"):
        collect(history, tmp_path)


def test_one_commit_detached_head_binary_and_odd_paths(tmp_path: Path):
    b = RepoBuilder(tmp_path / "odd")
    odd = {"dir with space/file name.py": "x\n", "new\nline.py": "y\n",
           "bin.dat": b"\x00\x01\x02", "caf\u00e9.md": "doc\n"}
    b.commit("only", at=D, files=odd)
    repo = b.build()
    sha = git(repo, "rev-parse", "HEAD").strip()
    subprocess.run(["git", "checkout", "-q", "--detach", sha], cwd=repo, check=True)
    got = values(collect(repo, tmp_path))
    assert got["git.commits"] == 1
    assert got["git.files_changed_per_commit_median"] == 4.0
    assert got["git.lines_changed_per_commit_median"] == 3.0  # the binary counts 0 lines
    assert got["git.files"] == 4 and got["git.truck_factor"] == 1


def test_non_utf8_path(tmp_path: Path):
    repo = tmp_path / "latin1"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    name = b"caf\xe9.txt"
    (repo / os.fsdecode(name)).write_bytes(b"x\n")
    env = _env_at(D)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "latin-1 name"], cwd=repo, env=env, check=True)
    ev = collect(repo, tmp_path)
    assert values(ev)["git.commits"] == 1 and values(ev)["git.files"] == 1
    json.loads(ev.to_json())  # still valid JSON


def test_merges_only_and_no_tags(tmp_path: Path):
    b = RepoBuilder(tmp_path / "m")
    root = b.commit("root", at=-D, files={"a.txt": "1\n"})
    b.branch_from("topic", root)
    b.commit("topic work", at=D, branch="topic", author="Carol", files={"b.txt": "1\n"})
    b.commit("Merge topic", at=2 * D, merge="topic")
    repo = b.build()
    ev = collect(repo, tmp_path, since=T0 + timedelta(hours=36))  # only the merge is inside
    got = values(ev)
    assert got["git.commits"] == 0 and got["git.merge_commits"] == 1
    assert got["git.release_tags"] == 0
    by_id = {m.id: m for m in ev.measures}
    assert not by_id["git.lead_time_to_tag_hours_median"].applicable
    assert not by_id["git.revert_ratio"].applicable


def test_shallow_clone_says_so(history: Path, tmp_path: Path):
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "3", history.as_uri(), str(shallow)],
                   check=True)
    ev = collect(shallow, tmp_path)
    assert ev.partial and any("shallow" in m for m in ev.coverage.missing)
    assert values(ev)["git.truck_factor"] is None and ev.coverage.ratio < 1
    assert values(ev)["git.commits"] == 3


def test_partial_clone_without_blobs_falls_back(history: Path, tmp_path: Path):
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(history), str(origin)], check=True)
    subprocess.run(["git", "config", "uploadpack.allowFilter", "true"], cwd=origin, check=True)
    partial = tmp_path / "partial"
    subprocess.run(["git", "clone", "-q", "--no-checkout", "--filter=blob:none",
                    origin.as_uri(), str(partial)], check=True)
    subprocess.run(["rm", "-rf", str(origin)], check=True)  # blobs can no longer be fetched
    ev = collect(partial, tmp_path)
    got = values(ev)
    assert got["git.commits"] == 7 and got["git.truck_factor"] == 1
    assert got["git.lines_changed_per_commit_median"] is None
    assert ev.partial and any("line counts unavailable" in m for m in ev.coverage.missing)


def test_submodule_is_a_single_entry(history: Path, tmp_path: Path):
    repo = tmp_path / "super"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-c", "protocol.file.allow=always", "submodule", "add", "-q",
                    history.as_uri(), "lib"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "add submodule"], cwd=repo, env=_env_at(D),
                   check=True)
    got = values(collect(repo, tmp_path))
    assert got["git.commits"] == 1 and got["git.files"] == 2  # .gitmodules and lib


def test_empty_window_still_measures_ownership(history: Path, tmp_path: Path):
    ev = collect(history, tmp_path, since=T0 + timedelta(days=300), until=T0 + timedelta(days=301))
    got = values(ev)
    assert got["git.commits"] == 0
    assert got["git.truck_factor"] == 1 and got["git.single_author_file_share"] == 1.0
    assert got["git.docs_last_changed_days"] == 310.0  # runbook written at -9 days


def test_huge_commit(tmp_path: Path):
    b = RepoBuilder(tmp_path / "huge")
    b.commit("vendor everything", at=D,
             files={f"lib/f{i:04d}.txt": "x\n" * 20 for i in range(3000)})
    b.commit("small", at=2 * D, files={"lib/f0000.txt": "y\n"})
    got = values(collect(b.build(), tmp_path))
    assert got["git.commits"] == 2 and got["git.files"] == 3000
    assert got["git.lines_changed_per_commit_p90"] == 60000.0
    assert got["git.large_commit_share"] == 0.5
