"""Exactness on situations met in real repositories (issue 15), each rebuilt with fast-import.

Window in every test: T0 .. T0+28 days (`collect` from test_collector); D = one day.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.collectors import paths
from opsmaturity.collectors.git.ownership import is_bot
from opsmaturity.core.privacy import pseudonym
from tests.collectors.git.test_collector import collect, values
from tests.gitbuilder import T0, RepoBuilder, git

D = 86400
H = 3600


def by_id(ev) -> dict:  # type: ignore[no-untyped-def]
    return {m.id: m for m in ev.measures}


# ------------------------------------------------------------------ releases and docs


def test_release_tags_after_the_window_are_not_its_releases(tmp_path: Path):
    b = RepoBuilder(tmp_path / "r")
    b.commit("before", at=-5 * D, files={"a.py": "0\n"})
    b.tag("v0.9.0", at=-5 * D + H)
    for i in range(4):  # four commits released as v1.0.0 inside the window
        b.commit(f"work {i}", at=(i + 1) * D, files={"a.py": f"{i}\n"})
    b.tag("v1.0.0", at=6 * D)
    b.commit("late 1", at=20 * D, files={"b.py": "1\n"})
    b.commit("late 2", at=30 * D, files={"b.py": "2\n"})  # after the window's end
    b.tag("v1.1.0", at=31 * D)  # after the window: 2 commits, 1 of them in the window
    b.commit("later", at=40 * D, files={"b.py": "3\n"})
    b.tag("v1.2.0", at=41 * D)  # after the window: 0 commits in the window
    ev = collect(b.build(), tmp_path)
    m = by_id(ev)
    assert m["git.commits_per_release_median"].value == 4.0
    assert m["git.commits_per_release_median"].details["per_release"] == [4]
    assert m["git.release_tags"].value == 1
    # lead time still follows the window commit released after the window ("late 1")
    assert m["git.lead_time_to_tag_hours_median"].details["commits_released"] == 5


def test_docs_changed_after_the_window_do_not_count(tmp_path: Path):
    b = RepoBuilder(tmp_path / "r")
    b.commit("docs", at=10 * D, files={"README.md": "1\n", "docs/runbook.md": "1\n"})
    b.commit("code", at=20 * D, files={"a.py": "1\n"})
    b.commit("docs later", at=40 * D, files={"README.md": "2\n", "docs/runbook.md": "2\n"})
    got = values(collect(b.build(), tmp_path))
    assert got["git.docs_last_changed_days"] == 18.0  # day 10 to the window's end (day 28)
    assert got["git.runbooks_last_changed_days"] == 18.0


# ------------------------------------------------------------------ mainline


def test_mainline_is_the_first_parent_line_of_the_tip_not_a_side_branch_merge(tmp_path: Path):
    """The window's newest commit is "Merge branch 'main' into patch-1", made on a
    contributor's branch that main merges only after the window."""
    b = RepoBuilder(tmp_path / "r")
    root = b.commit("root", at=1 * D, files={"a.py": "0\n"})
    b.branch_from("patch-1", root)
    b.commit("patch", at=2 * D, author="Carol", branch="patch-1", files={"p.py": "1\n"})
    b.commit("direct 1", at=3 * D, files={"a.py": "1\n"})
    feature = b.commit("direct 2", at=4 * D, files={"a.py": "2\n"})
    b.branch_from("feature", feature)
    b.commit("feature", at=8 * D, author="Bob", branch="feature", files={"f.py": "1\n"})
    b.commit("Merge branch 'feature'", at=10 * D, merge="feature")
    b.commit("direct 3", at=12 * D, files={"a.py": "3\n"})
    b.commit("Merge branch 'main' into patch-1", at=20 * D, author="Carol", branch="patch-1",
             merge="main")
    b.commit("Merge pull request #1 from carol/patch-1", at=35 * D, merge="patch-1")
    repo = b.build()
    truth = git(repo, "rev-list", "--first-parent", "--no-merges", "--count",
                "--until=2026-02-02 09:00 +0000", "HEAD~1").strip()
    ev = collect(repo, tmp_path)
    got, m = values(ev), by_id(ev)
    assert got["git.commits"] == 6  # root, patch, direct 1-3, feature
    assert int(truth) == 4 and got["git.direct_commit_share"] == round(4 / 6, 4)
    assert m["git.branch_lifetime_hours_median"].details["merges_measured"] == 1
    assert got["git.branch_lifetime_hours_median"] == 48.0  # feature: day 8 to day 10


# ------------------------------------------------------------------ people


def test_show_names_keeps_people_keyed_by_mailmapped_email(tmp_path: Path):
    b = RepoBuilder(tmp_path / "r")
    b.commit("one", at=1 * D, author="Sam Lee", email="sam@one.example", files={"a.py": "1\n"})
    b.commit("two", at=2 * D, author="Sam Lee", email="sam@two.example", files={"a.py": "2\n"})
    b.commit("three", at=3 * D, author="Kim", email="kim@old.example", files={"a.py": "3\n"})
    b.commit("mailmap", at=4 * D, author="Kim", email="kim@new.example",
             files={".mailmap": "Kim <kim@new.example> <kim@old.example>\n"})
    repo = b.build()
    hidden, shown = collect(repo, tmp_path), collect(repo, tmp_path, show_names=True)
    assert values(hidden)["git.active_authors"] == values(shown)["git.active_authors"] == 3
    per_author = by_id(shown)["git.active_authors"].details["commits_per_author"]
    assert per_author == {"Kim": 2, "Sam Lee <sam@one.example>": 1,
                          "Sam Lee <sam@two.example>": 1}


@pytest.mark.parametrize("inside_window", [False, True], ids=["before-window", "in-window"])
def test_a_recreated_path_does_not_keep_the_old_authors(tmp_path: Path, inside_window: bool):
    at = 2 * D if inside_window else -20 * D
    b = RepoBuilder(tmp_path / "r")
    b.commit("start", at=at, author="Bob", files={"b.py": "b\n"})
    for i in range(5):
        b.commit(f"alice {i}", at=at + (i + 1) * H, files={"x.py": f"{i}\n"})
    b.commit("drop x", at=at + D, author="Bob", files={"x.py": None})
    b.commit("new x", at=at + 2 * D, author="Carol", files={"x.py": "new\n"})
    ev = collect(b.build(), tmp_path)
    got = values(ev)
    assert got["git.single_author_file_share"] == 1.0  # b.py: Bob; x.py: Carol only
    assert got["git.truck_factor"] == 2
    carol, bob = pseudonym("carol@example.com", "author"), pseudonym("bob@example.com", "author")
    assert sorted(by_id(ev)["git.truck_factor"].details["authors"]) == sorted([bob, carol])


# ------------------------------------------------------------------ paths


@pytest.mark.parametrize(("path", "test"), [
    ("locale/it/LC_MESSAGES/django.po", False), ("app/i18n/it/messages.json", False),
    ("src/it/java/org/example/ServiceIT.java", True), ("module/src/it/resources/a.xml", True),
    ("tests/test_a.py", True), ("pkg/e2e/run.go", True),
])
def test_test_paths_do_not_include_two_letter_language_directories(path: str, test: bool):
    assert paths.is_test(path) is test


MIGRATION_PATHS = [  # seen in real repositories, and what each is not
    ("graphql/migrations/20211118080000-working-version.js", "numbered"),  # migrate-mongo
    ("db/knex_migrations/2023-08-16-0000-create-uptime.js", "numbered"),  # knex, dated
    ("db/clickhouse/migrations/01_edit_keys.sql", "numbered"),
    ("src/migrations/1612345678901-AddUser.ts", "numbered"),  # TypeORM
    ("prisma/migrations/01_init/migration.sql", "prisma"),
    ("migrations/000001_create_users.up.sql", "golang-migrate"),
    ("database/migrations/2014_10_12_000000_create_users_table.php", "laravel"),
    ("migrations/Version20230101123456.php", "doctrine"),
    ("src/Api/Migrations/20230101120000_Initial.cs", "ef-core"),
    ("sqitch.plan", "sqitch"),
    ("db/migrate/20200101000000_create_x.rb", "rails"),
    ("app/migrations/0002_auto.py", "django"),
    ("db/postgresql/data-migrations/convert-utm-clid-columns.sql", None),  # not ordered
    ("tests/migrations/0001_initial.py", None),  # a test's database
    ("examples/db/migrations/001_a.sql", None),
    ("server/utils/migrate-helper.js", None),
    ("docs/migration-guide.md", None),
    ("src/main/resources/db/changelog/db.changelog-master.yaml", "liquibase"),
    ("src/main/resources/config/liquibase/changelog/20230101_added_entity.xml", "liquibase"),
    ("db/changelog-1.0.xml", "liquibase"),
    (".github/workflows/changelog.yml", None),  # jenkins: a workflow, not a Liquibase file
    ("release/changelog.json", None),
]


@pytest.mark.parametrize(("path", "kind"), MIGRATION_PATHS)
def test_versioned_migrations_by_path(path: str, kind: str | None):
    assert paths.migration_kind(path) == kind


def test_numbered_migrations_count_as_versioned(tmp_path: Path):
    """stylo (migrate-mongo) and uptime-kuma (knex) read as having no versioned migrations."""
    b = RepoBuilder(tmp_path / "r")
    b.commit("schema", at=D, files={
        "graphql/migrations/20211118080000-working-version.js": "module.exports = {}\n",
        "graphql/migrations/20220112080000-article-contributors.js": "module.exports = {}\n",
        "graphql/src/app.js": "x\n"})
    ev = by_id(collect(b.build(), tmp_path))
    assert ev["git.db_migrations_present"].value is True
    assert ev["git.db_migration_kinds"].value == "numbered"
    assert len(ev["git.db_migrations_present"].details["files"]["numbered"]) == 2


def test_language_directories_do_not_raise_the_test_file_share(tmp_path: Path):
    b = RepoBuilder(tmp_path / "r")
    b.commit("i18n", at=D, files={"app.py": "1\n", "locale/it/messages.po": "x\n",
                                  "locale/de/messages.po": "y\n", "tests/test_app.py": "t\n"})
    assert values(collect(b.build(), tmp_path))["git.test_file_share"] == 0.25


# ------------------------------------------------------------------ shallow, partial, subdirectory


def _history(tmp_path: Path) -> Path:
    """Two people before the window (owners of most files), three commits and a tag in it;
    a shallow clone since 2026-01-03 cuts at "prepare", the day before the window."""
    b = RepoBuilder(tmp_path / "origin")
    b.commit("old 1", at=-30 * D, author="Bob", files={f"lib/m{i}.py": "1\n" for i in range(6)})
    b.commit("old 2", at=-20 * D, author="Carol", files={f"lib/n{i}.py": "1\n" for i in range(6)})
    b.tag("v0.1.0", at=-20 * D)
    b.commit("prepare", at=-D, author="Carol", files={f"lib/n{i}.py": "2\n" for i in range(2)})
    b.commit("new 1", at=2 * D, files={"app.py": "1\n"})
    b.commit("new 2", at=3 * D, files={"app.py": "2\n", "tests/test_app.py": "1\n"})
    b.commit("new 3", at=4 * D, author="Bob", files={"lib/m0.py": "2\n"})
    b.tag("v0.2.0", at=5 * D)
    return b.build()


def test_shallow_clone_does_not_report_whole_history_measures(tmp_path: Path):
    origin = _history(tmp_path)
    full = values(collect(origin, tmp_path))
    assert full["git.truck_factor"] == 2 and full["git.tags"] == 2
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--shallow-since=2026-01-03", origin.as_uri(),
                    str(shallow)], check=True)
    ev = collect(shallow, tmp_path)
    got, m = values(ev), by_id(ev)
    for mid in ("git.truck_factor", "git.single_author_file_share", "git.tags",
                "git.release_tags"):
        assert got[mid] is None and "shallow clone" in m[mid].details["not_measured"], mid
    for mid in ("git.commits", "git.active_authors", "git.direct_commit_share",
                "git.lines_changed_per_commit_median", "git.test_file_share", "git.files",
                "git.main_author_share_max"):
        assert got[mid] == full[mid], mid  # window measures stay exact
    assert ev.partial and "not measured: " in ev.coverage.missing[0]
    assert "git.truck_factor" in ev.coverage.missing[0]
    assert not any("window starts before" in x for x in ev.coverage.missing)
    # who changes each part now is a window measure: the shallow clone, which reaches back
    # past the window's start, gives the same per directory as the whole history
    recent = {"main_author_min_changes": 1}
    assert values(collect(shallow, tmp_path, **recent))["git.main_author_share_max"] == 1.0
    assert by_id(collect(shallow, tmp_path, **recent))["git.main_author_share_max"].details[
        "per_directory"] == by_id(collect(origin, tmp_path, **recent))[
        "git.main_author_share_max"].details["per_directory"]


def test_shallow_clone_shallower_than_the_window_says_so(tmp_path: Path):
    origin = _history(tmp_path)
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "2", origin.as_uri(), str(shallow)],
                   check=True)
    with (shallow / ".git" / "shallow").open("a") as grafts:
        grafts.write("c2705ffd9ce1dc8476cb29eaf5ff5d4c719852d9\n")  # a commit never received
    ev = collect(shallow, tmp_path)
    assert values(ev)["git.commits"] == 2
    assert any("window starts before the clone's depth (a boundary commit of 2026-01-08" in x
               for x in ev.coverage.missing)


def _renaming_repo(path: Path) -> Path:
    """Loose objects (so one blob can be removed) and a rename with an edit, which rename
    detection can only find by reading both files."""
    path.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ann", "GIT_AUTHOR_EMAIL": "ann@example.com",
           "GIT_COMMITTER_NAME": "Ann", "GIT_COMMITTER_EMAIL": "ann@example.com"}

    def commit(msg: str, day: int) -> None:
        stamp = f"@{int(T0.timestamp()) + day * D} +0000"
        subprocess.run(["git", "add", "-A"], cwd=path, check=True)
        subprocess.run(["git", "commit", "-qm", msg], cwd=path, check=True,
                       env={**env, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp})

    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    body = "".join(f"line {i}\n" for i in range(40))
    (path / "old.py").write_text(body)
    commit("add", 1)
    (path / "old.py").rename(path / "new.py")
    (path / "new.py").write_text(body + "one more\n")
    commit("rename and edit", 2)
    (path / "other.py").write_text("x\n")
    commit("other", 3)
    return path


def test_partial_clone_without_blobs_needs_no_blobs(tmp_path: Path):
    origin = _renaming_repo(tmp_path / "origin")
    subprocess.run(["git", "config", "uploadpack.allowFilter", "true"], cwd=origin, check=True)
    partial = tmp_path / "partial"
    subprocess.run(["git", "clone", "-q", "--bare", "--filter=blob:none", origin.as_uri(),
                    str(partial)], check=True)
    subprocess.run(["rm", "-rf", str(origin)], check=True)  # blobs can no longer be fetched
    ev = collect(partial, tmp_path)
    got = values(ev)
    assert got["git.commits"] == 3 and got["git.files"] == 2 and got["git.truck_factor"] == 1
    assert got["git.lines_changed_per_commit_median"] is None
    assert any("line counts unavailable" in x for x in ev.coverage.missing)


def test_missing_blob_still_gives_an_assessment(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("OPSMATURITY_CACHE_DIR", str(tmp_path / "cache"))
    repo = _renaming_repo(tmp_path / "repo")
    blob = git(repo, "rev-parse", "HEAD~2:old.py").strip()
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # like a mirror lacking one
    ev = collect(repo, tmp_path)
    got = values(ev)
    assert got["git.commits"] == 3 and got["git.lines_changed_per_commit_median"] is None
    assert any(blob in x for x in ev.coverage.missing)
    out = tmp_path / "a.json"
    result = CliRunner().invoke(app, ["assess", str(repo), "--out", str(out), "-q",
                                      "--since", "2026-01-01", "--until", "2026-02-01"])
    assert result.exit_code == 0, result.output
    assert out.exists()


def test_a_subdirectory_is_assessed_as_its_repository_with_a_warning(tmp_path: Path,
                                                                     monkeypatch):
    monkeypatch.setenv("OPSMATURITY_CACHE_DIR", str(tmp_path / "cache"))
    b = RepoBuilder(tmp_path / "mono")
    b.commit("a", at=D, files={"svc/a.py": "1\n", "svc/b.py": "1\n", "web/c.js": "1\n"})
    b.commit("b", at=2 * D, files={"web/c.js": "2\n"})
    repo = b.build()
    whole, sub = values(collect(repo, tmp_path)), values(collect(repo / "svc", tmp_path))
    assert sub["git.files"] == whole["git.files"] == 3
    assert sub["git.commits"] == whole["git.commits"] == 2
    out = tmp_path / "ev.json"
    result = CliRunner().invoke(app, ["collect", "git", str(repo / "svc"), "--out", str(out),
                                      "--since", "2026-01-01", "--until", "2026-02-01"])
    assert result.exit_code == 0, result.output
    assert f"warning: {repo / 'svc'} is inside the repository {repo}" in " ".join(
        result.stderr.split())


# ------------------------------------------------------------------ where it runs

K8S_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 1
"""


def test_kubernetes_objects_at_the_top_are_runtime_manifests(tmp_path: Path):
    """Seen in a real service: deployment.yaml and service.yaml beside the pom, no k8s/."""
    b = RepoBuilder(tmp_path / "r")
    b.commit("service", at=2 * D, files={
        "pom.xml": "<project/>\n", "deployment.yaml": K8S_DEPLOYMENT,
        "service.yaml": "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\n",
        "config.yaml": "apiVersion: 2\nname: settings only, no kind\n",
        "examples/job.yaml": "apiVersion: batch/v1\nkind: Job\n",
        ".github/workflows/ci.yml": "on: push\njobs: {}\n"})
    m = by_id(collect(b.build(), tmp_path))["git.runtime_manifests_present"]
    assert m.value is True
    assert m.details["files"] == ["deployment.yaml", "service.yaml"]


def test_a_cloud_foundry_manifest_is_a_runtime_manifest(tmp_path: Path):
    """18F/C2 is pushed to Cloud Foundry with manifest.yml and read as "not operated"."""
    b = RepoBuilder(tmp_path / "r")
    b.commit("app", at=2 * D, files={
        "Gemfile": "source 'x'\n",
        "manifest.yml": "---\n# cf push\ndomain: example.gov\n\napplications:\n"
                        "- name: app-prod\n  memory: 1024MB\n",
        "i18n/manifest.yml": "languages:\n- name: de\n",  # a manifest, not of apps
        "config/apps.yml": "applications:\n- name: not-a-manifest-name\n"})
    m = by_id(collect(b.build(), tmp_path))["git.runtime_manifests_present"]
    assert m.value is True and m.details["files"] == ["manifest.yml"]


TF_MODULE = {  # a reusable module: it declares the providers it needs, configures none
    "main.tf": 'resource "aws_vpc" "this" {\n  cidr_block = var.cidr\n}\n',
    "versions.tf": 'terraform {\n  required_providers {\n    aws = {\n'
                   '      source = "hashicorp/aws"\n    }\n  }\n}\n',
    "modules/flow-log/main.tf": 'resource "aws_flow_log" "this" {}\n',
    "examples/complete/main.tf": 'provider "aws" {\n  region = "eu-west-1"\n}\n'
                                 'module "vpc" {\n  source = "../../"\n}\n',
}


@pytest.mark.parametrize(("extra", "runtime"), [
    ({}, []),  # terraform-aws-vpc: a module others apply; its example configures a provider
    ({"live/providers.tf": 'provider "aws" {\n  region = "eu-central-1"\n}\n'},
     ["live/providers.tf", "main.tf", "modules/flow-log/main.tf", "versions.tf"]),
    ({"backend.tf": 'terraform {\n  backend "s3" {\n    bucket = "state"\n  }\n}\n'},
     ["backend.tf", "main.tf", "modules/flow-log/main.tf", "versions.tf"]),
    ({"prod.tfvars": 'cidr = "10.0.0.0/16"\n'}, ["prod.tfvars"]),
    ({"deploy/service.yaml": K8S_DEPLOYMENT}, ["deploy/service.yaml"]),
])
def test_terraform_runs_something_only_as_a_root_configuration(tmp_path: Path, extra, runtime):
    """terraform-aws-vpc read as "deployed and operated" on the strength of its .tf files,
    and was asked about its runbooks and its incidents."""
    b = RepoBuilder(tmp_path / "r")
    b.commit("module", at=2 * D, files={**TF_MODULE, **extra})
    ev = by_id(collect(b.build(), tmp_path))
    m = ev["git.runtime_manifests_present"]
    assert m.value is bool(runtime) and sorted(m.details["files"]) == runtime
    assert ev["git.iac_present"].value is True  # infrastructure as code all the same


CHART = {"charts/api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 1.0.0\n",
         "charts/api/templates/deployment.yaml": K8S_DEPLOYMENT}


@pytest.mark.parametrize(("ci", "runtime"), [
    ({}, ["charts/api/Chart.yaml", "charts/api/templates/deployment.yaml"]),
    ({".github/workflows/release.yaml": "on: push\njobs:\n  release:\n    steps:\n"
      "      - uses: helm/chart-releaser-action@v1.7.0\n"}, []),
    ({".gitlab-ci.yml": "publish:\n  script:\n    - helm package charts/api\n"
      "    - helm push api-1.0.0.tgz oci://registry.example.org/charts\n"}, []),
    ({".gitlab-ci.yml": "lint:\n  script:\n    - helm lint charts/api\n"},
     ["charts/api/Chart.yaml", "charts/api/templates/deployment.yaml"]),
])
def test_charts_the_repository_publishes_are_what_it_releases(tmp_path: Path, ci, runtime):
    """prometheus-community/helm-charts read as "deployed and operated" and was asked about
    its runbooks: its charts are what it releases, for others to install."""
    b = RepoBuilder(tmp_path / "r")
    b.commit("charts", at=2 * D, files={**CHART, **ci})
    m = by_id(collect(b.build(), tmp_path))["git.runtime_manifests_present"]
    assert m.value is bool(runtime) and m.details["files"] == runtime


def test_settings_yaml_is_not_a_runtime_manifest(tmp_path: Path):
    b = RepoBuilder(tmp_path / "r")
    b.commit("lib", at=2 * D, files={
        "setup.py": "x = 1\n", "mkdocs.yml": "site_name: lib\n",
        "docs/k8s.yaml": K8S_DEPLOYMENT, "tests/fixtures/pod.yaml": K8S_DEPLOYMENT})
    m = by_id(collect(b.build(), tmp_path))["git.runtime_manifests_present"]
    assert m.value is False and m.details["files"] == []


# ------------------------------------------------------------------ automated authors

BOT = {"author": "dependabot[bot]", "email": "49699333+dependabot[bot]@users.noreply.github.com"}


@pytest.mark.parametrize(("name", "email", "bot"), [
    ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com", True),
    ("GoReleaser Bot", "29843943+goreleaserbot@users.noreply.github.com", True),
    ("actions-user", "actions@github.com", True),  # goreleaser: 54 commits in 180 days
    ("GitHub Action", "action@github.com", True),
    ("Copilot", "198982749+Copilot@users.noreply.github.com", True),
    ("Carlos Alexandro Becker", "caarlos0@users.noreply.github.com", False),
    ("Abbott", "abbott@example.com", False),  # "bot" inside a word is no bot
])
def test_automated_authors(name: str, email: str, bot: bool):
    assert is_bot(name, email) is bot


def test_bots_are_not_people(tmp_path: Path):
    """jenkins' bom/ read as 95% one person's recent changes: renovate[bot]'s; publishing-api's
    root as 88%: dependabot[bot]'s. A bot's changes are changes, not anyone's knowledge."""
    b = RepoBuilder(tmp_path / "r")
    b.commit("app", at=D, author="Ana", files={"src/app.py": "1\n", "Gemfile.lock": "a 1\n"})
    b.commit("more", at=2 * D, author="Ben", files={"src/app.py": "2\n"})
    for i in range(6):  # lock-file bumps: the bot is the main "author" of the root
        b.commit(f"Bump a to {i}", at=(3 + i) * D, files={"Gemfile.lock": f"a {i}\n"}, **BOT)
    b.commit("renovate", at=10 * D, author="Renovate Bot", email="bot@renovateapp.com",
             files={"renovate.json": "{}\n"})
    ev = by_id(collect(b.build(), tmp_path, main_author_min_changes=1))
    assert ev["git.commits"].value == 9  # every change still counts as a change
    assert ev["git.active_authors"].value == 2  # Ana and Ben
    assert sorted(ev["git.active_authors"].details["bot_commits"].values()) == [1, 6]
    shares = ev["git.main_author_share_max"].details["per_directory"]
    assert shares["(root)"] == {"main_author": pseudonym("ana@example.com", "author"),
                                "share": 1.0, "changes": 1}  # Ana created Gemfile.lock
    assert shares["src"]["changes"] == 2
    # renovate.json was only ever touched by a bot: nobody's file, outside the file shares
    assert ev["git.single_author_file_share"].value == 0.5  # Gemfile.lock: Ana alone
    assert ev["git.truck_factor"].value == 1
