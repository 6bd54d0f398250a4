"""Deployments a person runs (`collectors/ci/handrun.py`): cases as data, then the collector
on a working tree and on a bare repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from opsmaturity.collectors.ci.collector import CiConfigCollector, CiConfigOptions
from opsmaturity.collectors.ci.handrun import candidates, hand_run_deploys

RSYNC = "#!/bin/sh\nset -e\nrsync -az dist/ deploy@web-01:/srv/app/\n"
GITLAB_CALLS = "deploy:\n  stage: deploy\n  script: ./deploy.sh\n"

# (files in the repository, CI files, expected (file, line, command start) or None)
CASES = [
    ({"deploy.sh": RSYNC}, {}, ("deploy.sh", 3, "rsync -az dist/")),
    ({"scripts/upload-prod.sh": "lftp -c 'open ftp.example.com; mirror -R build /www'\n"}, {},
     ("scripts/upload-prod.sh", 1, "lftp")),
    ({"deploy.sh": "#!/bin/sh\nrsync -a build/ /tmp/out/\n"}, {}, None),  # a local copy
    ({"deploy.sh": "#!/bin/sh\necho 'upload with scp by hand'\n"}, {}, None),  # words only
    ({"deploy.sh": RSYNC}, {".gitlab-ci.yml": GITLAB_CALLS}, None),  # the pipeline runs it
    ({"Makefile": "build:\n\tgo build\n\ndeploy: build\n\tscp app root@prod:/opt/app\n"}, {},
     ("Makefile", 5, "scp app root@prod")),
    ({"Makefile": "deploy:\n\tscp app root@prod:/opt/app\n"},
     {".github/workflows/cd.yml": "on: push\njobs:\n  d:\n    steps:\n      - run: make deploy\n"},
     None),  # a workflow runs `make deploy`
    ({"Makefile": "test:\n\tssh ci@runner ./run-tests\n"}, {}, None),  # not a deploy target
    ({"Makefile": "deploy:\n\tscp app root@prod:/opt/app\n"},  # named, but not run
     {".gitlab-ci.yml": "lint:\n  rules: [{changes: [Makefile]}]\n  script: make lint\n"},
     ("Makefile", 2, "scp app root@prod")),
    ({"Capfile": "require 'capistrano/setup'\nrequire 'capistrano/deploy'\n"}, {},
     ("Capfile", 1, "capistrano")),
    ({"deploy.php": "<?php\nnamespace Deployer;\nhost('prod');\n"}, {},
     ("deploy.php", 1, "deployer")),
    ({"deploy.php": "<?php\nnamespace Deployer;\n"},
     {".gitlab-ci.yml": "deploy:\n  script: vendor/bin/dep deploy production\n"}, None),
    ({"fabfile.py": "from fabric import task\n\n@task\ndef deploy(c):\n    c.put('x')\n"}, {},
     ("fabfile.py", 1, "fabric")),
    ({"script/deploy": "#!/bin/sh\ncf push c2-prod -f manifest.yml\n"}, {},
     ("script/deploy", 2, "cf push")),  # a Rails-style script without an extension
    ({"scripts/deploy-gae.sh": "gcloud app deploy app.yaml --quiet\n"}, {},
     ("scripts/deploy-gae.sh", 1, "gcloud app deploy")),
    ({"bin/release": "#!/bin/sh\necho 'then run: cf push app'\n"}, {}, None),
    ({"script/deploy": "cf push app\n"},
     {".gitlab-ci.yml": "deploy:\n  script: script/deploy\n"}, None),
    # kubectl by hand as often targets a developer's kind cluster (kube-prometheus'
    # developer-workspace/common/deploy-kube-prometheus.sh): it says nothing
    ({"dev/deploy-kube-prometheus.sh": "kubectl apply -f manifests/\n"}, {}, None),
    ({"bin/rails": "#!/usr/bin/env ruby\n"}, {}, None),  # not deploy-named
    ({"tests/deploy.sh": RSYNC}, {}, None),  # a test's script
    ({"examples/deploy.sh": RSYNC}, {}, None),
]


@pytest.mark.parametrize(("files", "ci", "expected"), CASES)
def test_hand_run_deploys(files: dict[str, str], ci: dict[str, str],
                          expected: tuple[str, int, str] | None):
    texts = {p: t for p, t in files.items() if p in candidates(files)}
    found = hand_run_deploys(texts, ci, {})
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1
        assert (found[0].file, found[0].line) == expected[:2]
        assert found[0].command.startswith(expected[2])


def test_candidates_are_bounded_and_deploy_named_first():
    names = [f"tools/sync-{i}.sh" for i in range(30)] + ["ops/deploy.sh", "src/app.py"]
    picked = candidates(names)
    assert len(picked) == 20 and picked[0] == "ops/deploy.sh" and "src/app.py" not in picked


def _measure(repo: Path) -> tuple[int, list[dict]]:
    ev = CiConfigCollector().collect(CiConfigOptions(repo=repo))
    m = next(x for x in ev.measures if x.id == "ci.hand_run_deploy_scripts")
    return m.value, m.details["scripts"]


def test_collector_reads_a_working_tree_and_a_bare_repository(tmp_path: Path):
    work = tmp_path / "work"
    (work / "ops").mkdir(parents=True)
    (work / "ops" / "deploy.sh").write_text(RSYNC)
    (work / "node_modules" / "x").mkdir(parents=True)
    (work / "node_modules" / "x" / "deploy.sh").write_text(RSYNC)  # not ours
    assert _measure(work) == (1, [{"file": "ops/deploy.sh", "line": 3,
                                   "command": "rsync -az dist/ deploy@web-01:/srv/app/"}])
    env = {"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@x", "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    subprocess.run(["git", "-C", str(work), "add", "ops"], check=True)
    subprocess.run(["git", "-C", str(work), "commit", "-qm", "x"], check=True, env=env)
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True)
    assert _measure(bare)[0] == 1


def test_nothing_to_run_by_hand_is_zero(tmp_path: Path):
    (tmp_path / "install.sh").write_text("#!/bin/sh\npip install -r requirements.txt\n")
    assert _measure(tmp_path) == (0, [])


def test_a_platform_deploy_in_a_pipeline_is_a_deploy_job():
    """`cf push` and `gcloud run deploy` were not deploy commands: a Cloud Foundry or Cloud
    Run pipeline read as deploying nothing unless its job had a deploy word in its name."""
    from opsmaturity.collectors.ci.analysis import analyse

    for command in ("cf push app", "gcloud run deploy api --image x", "fly deploy"):
        result = analyse({".gitlab-ci.yml": f"step:\n  stage: build\n  script: {command}\n"})
        got = {m.id: m.value for m in result.measures}
        assert got["ci.deploy_job_present"] is True, command
        assert got["ci.deploy_mechanism"] == "pipeline_to_platform", command
