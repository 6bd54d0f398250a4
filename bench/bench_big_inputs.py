"""Big inputs: peak memory and time of the readers on large but legitimate files.

    python -m bench.bench_big_inputs            # the sizes of issue 16 (about a minute)
    python -m bench.bench_big_inputs --scale 0.1

Each case is generated at run time and read by the real command in its own process, so
the peak resident memory (ru_maxrss of the child) is that command's alone:

- an incident CSV of 300,000 incidents (about 50 MB): `collect incidents`;
- a workshop answers file of 10,000 participants: `score --answers`;
- a `.gitlab-ci.yml` of about 3 MB (jobs with anchors, extends and rules): `collect ci`.

Targets (memory is what streaming readers are for; time is printed, never judged):
incident CSV under 250 MB, workshop under 250 MB, CI file under 200 MB. The figures
printed are the measured peak, the target and their ratio (below 1.0 meets it), and the
file size and seconds for orientation. The baseline, measured in the same run, is the bare
interpreter reading the same file into plain Python data (the stdlib's csv reader into a
list of rows; PyYAML's C loader for YAML): `vs bare` below 1.0 means the command holds
less than merely parsing the file would. Nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = {"incident CSV": 250, "workshop answers": 250, "gitlab-ci.yml": 200}


def incident_csv(path: Path, incidents: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    services = [f"service-{i:02d}" for i in range(40)]
    people = [f"Responder {i:03d}" for i in range(120)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("id,opened,acknowledged,resolved,title,service,severity,detected_by,"
                 "responders,postmortem,caused_by_change,description\n")
        for i in range(incidents):
            opened = t0 + timedelta(minutes=i * 1.7 + rnd.random())
            ack = opened + timedelta(minutes=rnd.randint(1, 30))
            res = ack + timedelta(minutes=rnd.randint(5, 600))
            who = ";".join(rnd.sample(people, rnd.randint(1, 3)))
            fh.write(f"INC-{i},{opened:%Y-%m-%dT%H:%M:%SZ},{ack:%Y-%m-%dT%H:%M:%SZ},"
                     f"{res:%Y-%m-%dT%H:%M:%SZ},{rnd.choice(['Database', 'API', 'Queue'])} "
                     f"{rnd.choice(['slow', 'down', 'errors'])} in {rnd.choice(services)},"
                     f"{rnd.choice(services)},{rnd.choice(['critical', 'high', 'low'])},"
                     f"{rnd.choice(['monitoring', 'customer'])},{who},"
                     f"{rnd.choice(['yes', 'no'])},{rnd.choice(['yes', 'no'])},"
                     f"\"{'x' * rnd.randint(20, 60)} happened, see runbook\"\n")


def workshop_answers(path: Path, participants: int, seed: int = 1) -> None:
    from opsmaturity.scoring.catalogue import load_catalogue

    rnd = random.Random(seed)
    cat = load_catalogue(None)
    roles = ["dev", "ops", "management", "other"]
    options = {q.id: [o.value for o in cat.scale_of(q).options] + ["dont_know"]
               for q in cat.questions}
    with path.open("w", encoding="utf-8") as fh:
        fh.write("organisation: Big Corp\nteam: Everyone\nparticipants:\n")
        for i in range(participants):
            fh.write(f"  - role: {roles[i % 4]}\n    name: Person {i}\n    answers:\n")
            for qid, values in options.items():
                fh.write(f"      {qid}: {rnd.choice(values)}\n")


def gitlab_ci(path: Path, size: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    parts = ["stages: [build, test, deploy]\n",
             ".defaults: &defaults\n  image: python:3.12\n  tags: [docker]\n"
             "  retry: 1\n  before_script: [pip install -r requirements.txt]\n"]
    n = 0
    while sum(map(len, parts)) < size:
        n += 1
        stage = rnd.choice(["build", "test", "deploy"])
        env = f"\n  environment: {{name: {'production' if n % 50 == 0 else 'review'}}}" \
            if stage == "deploy" else ""
        parts.append(
            f"job-{n}:\n  <<: *defaults\n  stage: {stage}\n  extends: .defaults\n"
            f"  script:\n    - make {stage} PART={n}\n    - ./scripts/check.sh {n}\n"
            f"  rules:\n    - if: $CI_COMMIT_BRANCH == \"main\"\n      when: "
            f"{'manual' if n % 7 == 0 else 'on_success'}{env}\n")
    path.write_text("".join(parts), encoding="utf-8")


BARE = {
    "incident CSV": "import csv, sys; rows = list(csv.reader(open(sys.argv[1], newline='')))",
    "workshop answers": "import sys, yaml; data = yaml.load(open(sys.argv[1]), "
                        "Loader=yaml.CSafeLoader)",
    "gitlab-ci.yml": "import sys, yaml; data = yaml.load(open(sys.argv[1]), "
                     "Loader=yaml.CSafeLoader)",
}
"""The baseline of each case: the file parsed into plain data, and nothing else."""


def measure(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds and peak resident MB of one command in a child process."""
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
            "stderr=subprocess.PIPE, text=True); "
            "s = time.perf_counter() - t; "
            "print(s, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
            "sys.exit(r.returncode and print(r.stderr[-500:], file=sys.stderr) or r.returncode)")
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, text=True,
                         capture_output=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {out.stderr}")
    seconds, kb = out.stdout.split()
    return float(seconds), int(kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the sizes")
    a = parser.parse_args()
    cli = [sys.executable, "-m", "opsmaturity.app.cli"]
    with tempfile.TemporaryDirectory(prefix="bench-big-") as tmp:
        root = Path(tmp)
        env = {**os.environ, "OPSMATURITY_DATA_DIR": str(root / "data"),
               "OPSMATURITY_CACHE_DIR": str(root / "cache")}
        csv_path = root / "incidents.csv"
        incident_csv(csv_path, int(300_000 * a.scale))
        answers = root / "workshop.yaml"
        workshop_answers(answers, int(10_000 * a.scale))
        repo = root / "repo"
        repo.mkdir()
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        gitlab_ci(repo / ".gitlab-ci.yml", int(3_000_000 * a.scale))
        cases = [
            ("incident CSV", csv_path, [*cli, "collect", "incidents", str(csv_path),
                                        "--format", "csv", "--out", str(root / "ev.json")]),
            ("workshop answers", answers, [*cli, "score", "--answers", str(answers), "--quiet",
                                           "--out", str(root / "a.json")]),
            ("gitlab-ci.yml", repo / ".gitlab-ci.yml",
             [*cli, "collect", "ci", str(repo), "--out", str(root / "ci.json")]),
        ]
        baseline_s, baseline_mb = measure([*cli, "--version"], env)
        print(f"{'case':<18} {'file MB':>8} {'seconds':>8} {'peak MB':>8} {'bare MB':>8} "
              f"{'vs bare':>8} {'target':>7} {'ratio':>6}")
        print(f"{'(CLI start)':<18} {'':>8} {baseline_s:8.2f} {baseline_mb:8.0f}")
        for name, path, args in cases:
            seconds, peak = measure(args, env)
            _, bare = measure([sys.executable, "-c", BARE[name], str(path)], env)
            target = TARGET_MB[name]
            print(f"{name:<18} {path.stat().st_size / 1e6:8.1f} {seconds:8.2f} {peak:8.0f} "
                  f"{bare:8.0f} {peak / bare:8.2f} {target:7d} {peak / target:6.2f}")


if __name__ == "__main__":
    main()
