"""A local GitHub REST API over real HTTP (pytest-httpserver), serving real-shaped JSON.

It behaves like GitHub where the collector depends on it: `per_page`/`page` with `Link`
headers (absolute URLs, rel next/last), newest-first lists, the `created` range filter of
workflow runs (with GitHub's 1,000-result cap), `state`/`sort`/`direction` for pulls,
`labels` (all of)/`state`/`since` for issues (which include pull requests), `Link` URLs
naming the repository by id (`/repositories/{id}/...`), and the `Authorization` header.
Faults are scripted per path: an answer (status, headers, body) or a stall that holds the
request until `release()` (to make the client time out).
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from werkzeug import Request, Response

FIXTURES = Path(__file__).parents[3] / "fixtures" / "github"
REPO = "octo-org/shop"
STALL = "stall"


def load(name: str, repo_dir: str = "shop") -> Any:
    return json.loads((FIXTURES / repo_dir / f"{name}.json").read_text())


@dataclass
class Seen:
    path: str
    args: dict[str, str]
    authorization: str | None


class FakeGitHub:
    def __init__(self, httpserver: Any, prefix: str = "", repo: str = REPO) -> None:
        self.server = httpserver
        self.prefix = prefix
        self.repo = repo
        self.repo_json = load("repo")
        self.runs: list[dict] = load("runs")
        self.deployments: list[dict] = load("deployments")
        self.statuses: dict[str, list[dict]] = load("statuses")
        self.approvals: dict[str, list[dict]] = load("approvals")
        self.jobs: dict[str, list[dict]] = {}
        self.pulls: list[dict] = load("pulls")
        self.commits: dict[str, list[dict]] = load("pr_commits")
        self.issues: list[dict] = load("issues")
        self.labels: list[dict] = load("labels")
        self.releases: list[dict] = load("releases")
        self.run_cap = 1000
        self.log: list[Seen] = []
        self.faults: dict[str, list[Any]] = defaultdict(list)
        self.released = threading.Event()
        httpserver.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    # ------------------------------------------------------------------ test helpers

    @property
    def url(self) -> str:
        return self.server.url_for(self.prefix).rstrip("/")

    def fail(self, path: str, *answers: Any) -> None:
        """The next requests to `path` (below the repository) get these answers, in order:
        (status, headers, body) tuples or STALL."""
        self.faults[path].extend(answers)

    def release(self) -> None:
        self.released.set()

    def paths(self) -> list[str]:
        return [s.path for s in self.log]

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.log if s.path == path]

    # ------------------------------------------------------------------ serving

    def handle(self, request: Request) -> Response:
        path = request.path
        rel = None
        for base in (f"{self.prefix}/repos/{self.repo}",
                     f"{self.prefix}/repositories/{self.repo_json['id']}"):
            if path == base or path.startswith(base + "/"):
                rel = path[len(base):]
        args = dict(request.args)
        self.log.append(Seen(rel if rel is not None else path, args,
                             request.headers.get("Authorization")))
        if rel is not None and self.faults.get(rel):
            fault = self.faults[rel].pop(0)
            if fault == STALL:
                self.released.wait(5)
            else:
                status, headers, body = fault
                return Response(json.dumps(body), status=status, headers=headers,
                                content_type="application/json")
        if rel is None:
            return self._json({"message": "Not Found"}, 404)
        return self._route(request, rel, args)

    def _route(self, request: Request, rel: str, args: dict[str, str]) -> Response:
        if rel == "":
            return self._json(self.repo_json)
        if rel == "/actions/runs":
            runs = sorted(self.runs, key=lambda r: (r["created_at"], r["id"]), reverse=True)
            if "created" in args:
                runs = [r for r in runs if _in_range(r["created_at"], args["created"])]
            total = len(runs)
            return self._page(request, runs[: self.run_cap], args, "workflow_runs", total)
        if m := re.fullmatch(r"/actions/runs/(\d+)/jobs", rel):
            jobs = self.jobs.get(m.group(1), [])
            return self._page(request, jobs, args, "jobs", len(jobs))
        if m := re.fullmatch(r"/actions/runs/(\d+)/approvals", rel):
            return self._json(self.approvals.get(m.group(1), []))
        if rel == "/deployments":
            deps = sorted(self.deployments, key=lambda d: d["id"], reverse=True)
            return self._page(request, deps, args)
        if m := re.fullmatch(r"/deployments/(\d+)/statuses", rel):
            return self._page(request, self.statuses.get(m.group(1), []), args)
        if rel == "/releases":
            rels = sorted(self.releases, key=lambda r: r["created_at"], reverse=True)
            return self._page(request, rels, args)
        if rel == "/pulls":
            pulls = [p for p in self.pulls if args.get("state", "open") in (p["state"], "all")]
            assert args.get("sort") == "updated" and args.get("direction") == "desc"
            pulls.sort(key=lambda p: p["updated_at"], reverse=True)
            return self._page(request, pulls, args)
        if m := re.fullmatch(r"/pulls/(\d+)/commits", rel):
            return self._page(request, self.commits.get(m.group(1), []), args)
        if rel == "/issues":
            wanted = set(filter(None, args.get("labels", "").split(",")))
            state = args.get("state", "open")
            found = [i for i in self.issues
                     if wanted <= {lb["name"] for lb in i["labels"]}
                     and state in (i["state"], "all")
                     and ("since" not in args or i["updated_at"] >= args["since"])]
            found.sort(key=lambda i: i["created_at"], reverse=True)
            return self._page(request, found, args)
        if rel == "/labels":
            return self._page(request, self.labels, args)
        return self._json({"message": "Not Found",
                           "documentation_url": "https://docs.github.com/rest"}, 404)

    def _page(self, request: Request, items: list[dict], args: dict[str, str],
              key: str | None = None, total: int = 0) -> Response:
        per_page = int(args.get("per_page", 30))
        page = int(args.get("page", 1))
        chunk = copy.deepcopy(items[(page - 1) * per_page: page * per_page])
        last = max(1, -(-len(items) // per_page))
        headers = {}
        if last > 1:
            def link(p: int) -> str:  # GitHub's links name the repository by its id
                query = urlencode({**args, "page": p})
                path = request.path.replace(f"/repos/{self.repo}",
                                            f"/repositories/{self.repo_json['id']}")
                return f"<{request.host_url.rstrip('/')}{path}?{query}>"
            links = []
            if page < last:
                links += [f'{link(page + 1)}; rel="next"', f'{link(last)}; rel="last"']
            if page > 1:
                links += [f'{link(1)}; rel="first"', f'{link(page - 1)}; rel="prev"']
            headers["Link"] = ", ".join(links)
        body = {"total_count": total, key: chunk} if key else chunk
        return self._json(body, headers=headers)

    def _json(self, body: Any, status: int = 200, headers: dict | None = None) -> Response:
        base = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999",
                "x-ratelimit-reset": "1774742400", "x-ratelimit-resource": "core",
                "x-github-api-version-selected": "2022-11-28"}
        return Response(json.dumps(body), status=status, headers={**base, **(headers or {})},
                        content_type="application/json; charset=utf-8")


def _in_range(stamp: str, query: str) -> bool:
    """GitHub's date qualifier: `A..B`, `>=A`, `<=B` (ISO 8601, compared on the instant)."""
    if ".." in query:
        low, high = query.split("..")
        return low <= stamp <= high
    if query.startswith(">="):
        return stamp >= query[2:]
    if query.startswith("<="):
        return stamp <= query[2:]
    return stamp.startswith(query)
