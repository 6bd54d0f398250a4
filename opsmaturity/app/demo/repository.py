"""A lived-in git history for a demo team, written with fast-import.

Maturity shapes the history the way it does in real teams: mature teams commit small
changes often, on short-lived branches, with tests, tags and runbooks; immature ones
commit big batches, revert and hotfix more, and one person writes most of the code.
"""

from __future__ import annotations

import random
import shutil
from datetime import datetime, timedelta
from pathlib import Path

from .fastimport import RepoBuilder
from .profiles import TeamProfile
from .sampling import poisson

MODULES = ["orders", "stock", "billing", "customers", "shipping", "reports", "auth", "api",
           "pricing", "notifications", "importer", "scheduler"]


def build_repository(path: Path, team: TeamProfile, end: datetime, rng: random.Random,
                     days: int = 200) -> Path:
    m = team.maturity
    if path.exists():  # a previous demo's repository: generated, never the user's
        shutil.rmtree(path)
    repo = RepoBuilder(path, bare=True)
    start = end - timedelta(days=days)
    weights = [1 + 8 * (1 - m)] + [1.0] * (len(team.authors) - 1)
    first = team.authors[0]
    repo.commit("Initial import", at=start, author=first, files=_skeleton(team))
    day, release, n, fix = start + timedelta(days=1), 0, 0, 0
    next_release = start + timedelta(days=_release_gap(m, rng))
    while day < end - timedelta(hours=2):
        if day.weekday() < 5:
            for _ in range(poisson(rng, 1.5 + 7 * m)):
                n += 1
                at = day + timedelta(hours=rng.uniform(8, 18))
                if at >= end:
                    break
                author = rng.choices(team.authors, weights)[0]
                module = rng.choice(MODULES)
                files = {f"src/{module}.py": _code(module, n, _size(m, rng))}
                if rng.random() < 0.15 + 0.75 * m:
                    files[f"tests/test_{module}.py"] = _code(f"test_{module}", n, 12)
                if m > 0.3 and rng.random() < 0.04:
                    files[f"db/migrations/V{n}__change_{module}.sql"] = (
                        f"ALTER TABLE {module} ADD COLUMN c{n} text;\n")
                if m > 0.45 and rng.random() < 0.05:
                    files["infra/main.tf"] = _terraform(n)
                if m > 0.5 and rng.random() < 0.03:
                    files[f"docs/runbooks/{module}.md"] = f"# {module}: what to do when\n\n{n}\n"
                kind = rng.random()
                if kind < 0.06 * (1 - m):
                    message = f"Revert \"change {module} {n - 1}\""
                elif kind < 0.12 * (1 - m) + 0.01:
                    fix += 1
                    message = f"hotfix: {module} broken in production ({fix})"
                else:
                    message = f"change {module} {n}"
                if m > 0.35 and rng.random() < 0.5:  # work on a branch, merged after a while
                    branch = f"feature/{module}-{n}"
                    repo.commit(message, at=at, author=author, files=files, branch=branch)
                    merged = at + timedelta(hours=rng.uniform(1, 8 + 150 * (1 - m)))
                    repo.commit(f"Merge branch '{branch}'", at=min(merged, end), author=author,
                                branch="main", merge=branch)
                else:
                    repo.commit(message, at=at, author=author, files=files)
        if day >= next_release:
            release += 1
            repo.tag(f"v1.{release}.0", at=day + timedelta(hours=17))
            next_release = day + timedelta(days=_release_gap(m, rng))
        day += timedelta(days=1)
    return repo.build()


def _release_gap(m: float, rng: random.Random) -> float:
    return max(1.0, rng.gauss(40 - 36 * m, 4))


def _size(m: float, rng: random.Random) -> int:
    return min(900, int(rng.lognormvariate(2.5 + 2.8 * (1 - m), 0.8)))


def _code(name: str, n: int, lines: int) -> str:
    return "".join(f"def {name}_{n}_{i}():\n    return {i}\n" for i in range(max(1, lines // 2)))


def _terraform(n: int) -> str:
    return f'resource "aws_instance" "app" {{\n  count = {n % 5 + 1}\n}}\n'


def _skeleton(team: TeamProfile) -> dict[str, str | bytes | None]:
    m = team.maturity
    files: dict[str, str | bytes | None] = {
        "README.md": f"# {team.name}\n",
        **{f"src/{mod}.py": _code(mod, 0, 20) for mod in MODULES},
    }
    if m > 0.2:
        files["tests/test_smoke.py"] = "def test_smoke():\n    assert True\n"
    if m > 0.6:
        files["CODEOWNERS"] = "* @" + " @".join(a.split()[0].lower() for a in team.authors) + "\n"
        files["docs/adr/0001-record-decisions.md"] = "# Record architecture decisions\n"
        files["ops/backup/restore-test.sh"] = "#!/bin/sh\necho restore and verify\n"
    files.update(ci_files(team))
    return files


def ci_files(team: TeamProfile) -> dict[str, str | bytes | None]:
    m = team.maturity
    if team.ci == "none":
        return {"deploy.sh": "#!/bin/sh\n# run by hand on the server\nscp app.tar prod:/opt\n"}
    if team.ci == "jenkins":
        manual = "            input { message 'Deploy to production?' }\n"
        return {"Jenkinsfile": (
            "pipeline {\n  agent any\n  stages {\n"
            "    stage('Build') { steps { sh 'make build' } }\n"
            + ("    stage('Test') { steps { sh 'make test' } }\n" if m > 0.25 else "")
            + "    stage('Deploy production') {\n" + manual
            + "      steps { sh './deploy.sh production' }\n    }\n  }\n}\n")}
    if team.ci == "github":
        deploy = ("name: deploy\non:\n  push:\n    branches: [main]\njobs:\n  deploy:\n"
                  "    runs-on: ubuntu-latest\n    environment: production\n    steps:\n"
                  "      - run: ./deploy.sh production\n")
        files: dict[str, str | bytes | None] = {
            ".github/workflows/ci.yml": (
                "name: ci\non: [push, pull_request]\njobs:\n  test:\n"
                "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
                "      - run: make test\n"
                + ("  codeql:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - uses: github/codeql-action/analyze@v3\n" if m > 0.7 else "")),
            ".github/workflows/deploy.yml": deploy,
        }
        if m > 0.6:
            files[".github/workflows/rollback.yml"] = deploy.replace(
                "name: deploy", "name: rollback").replace("on:\n  push:\n    branches: [main]",
                                                          "on: workflow_dispatch")
        return files
    lines = ["stages: [build, test, deploy]", "", "build:", "  stage: build",
             "  script: [make build]", ""]
    if m > 0.3:
        lines += ["unit-tests:", "  stage: test", "  script: [make test]", ""]
    if m > 0.7:
        lines = ["include:", "  - template: Security/SAST.gitlab-ci.yml", "", *lines]
    if m > 0.8:
        lines += ["review:", "  stage: deploy", "  script: [./deploy.sh review]",
                  "  environment:", "    name: review/$CI_COMMIT_REF_SLUG",
                  "    on_stop: stop-review", "  rules:", "    - if: $CI_MERGE_REQUEST_IID", "",
                  "stop-review:", "  stage: deploy", "  script: [./deploy.sh stop]",
                  "  environment:", "    name: review/$CI_COMMIT_REF_SLUG", "    action: stop",
                  "  when: manual", ""]
    lines += ["deploy-staging:", "  stage: deploy", "  script: [./deploy.sh staging]",
              "  environment:", "    name: staging", "", "deploy-production:",
              "  stage: deploy", "  script: [./deploy.sh production]", "  environment:",
              "    name: production", "    deployment_tier: production"]
    lines += ["  rules:", "    - if: $CI_COMMIT_BRANCH == \"main\""] + (
        ["      when: manual"] if m < 0.6 else []) + [""]
    if m > 0.6:
        lines += ["rollback-production:", "  stage: deploy", "  script: [./deploy.sh rollback]",
                  "  environment:", "    name: production", "  when: manual", ""]
    return {".gitlab-ci.yml": "\n".join(lines)}
