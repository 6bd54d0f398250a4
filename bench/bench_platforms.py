"""Delivery-platform collector benchmark: API requests and wall time against a local GitLab.

    python -m bench.bench_platforms                        # 10 projects, 300 deployments
    python -m bench.bench_platforms --deployments 1000     # more history per project

A synthetic group of projects (each with N production deployments, N pipelines with one
job each, and M merged merge requests) is served over real HTTP by the fake GitLab of the
tests, with `--latency` seconds (default 50 ms) added to every request. Prints:
- requests per project by kind, against the budget: about N/100 list requests per list
  resource plus a bounded number of other requests (one per new merge request for its
  first commit, a fixed handful per project);
- wall time with `--workers` (default 4) and with one worker, and the speed-up;
- an incremental re-run with nothing changed (requests and time).
Nothing here passes or fails on absolute time.
"""

from __future__ import annotations

import argparse
import logging
import math
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from pytest_httpserver import HTTPServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from opsmaturity.collectors.delivery.gitlab.collector import GitLabCollector, GitLabOptions  # noqa: E402
from tests.fixtures.gitlab.fake_gitlab import FakeGitLab, synthetic  # noqa: E402

TOKEN = "bench-token"
KINDS = (
    ("deployments", r"/deployments$"),
    ("pipelines", r"/pipelines$"),
    ("jobs (GraphQL)", r"^/api/graphql$"),
    ("merge requests", r"/merge_requests$"),
    ("first commits", r"/merge_requests/\d+/commits$"),
    ("incidents", r"/issues$"),
    ("environments", r"/environments$"),
    ("DORA API", r"/dora/metrics$"),
    ("group", r"^/api/v4/groups/"),
)


def run(fake: FakeGitLab, url: str, cache: Path, workers: int) -> tuple[float, int, object]:
    before = len(fake.log)
    options = GitLabOptions(url=url, token=TOKEN, groups=["bench"], workers=workers,
                            since=datetime(2024, 1, 1, tzinfo=UTC),
                            until=datetime(2024, 4, 1, tzinfo=UTC), cache_dir=cache)
    started = time.perf_counter()
    evidence = GitLabCollector().collect(options)
    return time.perf_counter() - started, len(fake.log) - before, evidence


def by_kind(log: list, start: int = 0) -> Counter[str]:
    counts: Counter[str] = Counter()
    for _, path, _ in log[start:]:
        kind = next((name for name, pattern in KINDS if re.search(pattern, path)), "other")
        counts[kind] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10)
    parser.add_argument("--deployments", type=int, default=300)
    parser.add_argument("--pipelines", type=int, default=None, help="default: = deployments")
    parser.add_argument("--merge-requests", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    pipelines = args.pipelines if args.pipelines is not None else args.deployments
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    fake = synthetic(args.projects, args.deployments, pipelines, args.merge_requests,
                     token=TOKEN, latency=args.latency)
    server = HTTPServer(threaded=True)
    server.start()
    url = fake.serve(server)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            seconds, requests, evidence = run(fake, url, Path(tmp) / "a", args.workers)
            counts = by_kind(fake.log)
            mark = len(fake.log)
            again_seconds, again_requests, _ = run(fake, url, Path(tmp) / "a", args.workers)
            again = by_kind(fake.log, mark)
            one_seconds, one_requests, _ = run(fake, url, Path(tmp) / "b", 1)
    finally:
        server.clear()
        server.stop()

    n, p, m = args.deployments, pipelines, args.merge_requests
    pages = {"deployments": math.ceil(n / 100) or 1, "pipelines": math.ceil(p / 100) or 1,
             "jobs (GraphQL)": math.ceil(p / 100) or 1, "merge requests": math.ceil(m / 100) or 1}
    print(f"{args.projects} projects x ({n} deployments, {p} pipelines with one job, "
          f"{m} merged merge requests), {args.latency * 1000:.0f} ms latency per request")
    print(f"production deployments measured: "
          f"{evidence.measure('gitlab.production_deployments').value}")  # type: ignore[attr-defined]
    print("\nrequests per project, first run")
    for name, _ in KINDS:
        per = counts[name] / (1 if name == "group" else args.projects)
        note = f"(N/100 = {pages[name]})" if name in pages else ""
        if name == "group":
            note = "(for the whole run)"
        print(f"  {name:16}: {per:7.1f}  {note}")
    list_requests = sum(counts[k] for k in pages) / args.projects
    print(f"  list requests    : {list_requests:7.1f} per project for "
          f"{n + p + p + m} records ({(n + p + p + m) / list_requests:.0f} records/request)")
    print(f"  all requests     : {requests / args.projects:7.1f} per project, {requests} in all")
    print(f"\nwall time, {args.workers} workers: {seconds:6.2f} s  "
          f"({requests} requests; serial lower bound {requests * args.latency:.2f} s)")
    print(f"wall time, 1 worker : {one_seconds:6.2f} s  ({one_requests} requests)")
    print(f"speed-up            : {one_seconds / seconds:6.2f}x with {args.workers} workers")
    print(f"\nincremental re-run, nothing changed: {again_requests} requests "
          f"({again_requests / args.projects:.1f} per project), {again_seconds:.2f} s, "
          f"{again_requests / requests:.0%} of the first run's requests")
    print("  by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(again.items())))


if __name__ == "__main__":
    main()
