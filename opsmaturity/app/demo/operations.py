"""What a demo team's platform, pager and monitoring would hold: deployments and
pipelines, an incident export, alerting rules. Shaped by maturity like the git history."""

from __future__ import annotations

import csv
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from opsmaturity.collectors.delivery.measures import (
    ChangeRecord,
    DeploymentRecord,
    PipelineRecord,
    PlatformIncident,
)

from .profiles import TeamProfile
from .sampling import poisson

SERVICES = ["api", "worker", "web"]


def delivery_records(team: TeamProfile, start: datetime, end: datetime, rng: random.Random
                     ) -> tuple[list[DeploymentRecord], list[ChangeRecord],
                                list[PlatformIncident], list[PipelineRecord]]:
    """Production deployments, merged changes, incidents and pipelines over [start, end)."""
    m = team.maturity
    project = f"nordwind/{team.slug}"
    per_week = 0.3 + 12 * m * m
    fail_rate = max(0.03, 0.42 - 0.42 * m)
    deployments: list[DeploymentRecord] = []
    changes: list[ChangeRecord] = []
    pipelines: list[PipelineRecord] = []
    at, n = start, 0
    while True:
        at += timedelta(days=rng.expovariate(per_week / 7))
        if at >= end:
            break
        if at.weekday() >= 5 and m < 0.8:
            continue
        n += 1
        sha = f"{rng.getrandbits(160):040x}"
        for c in range(1 + poisson(rng, 1 + 2 * (1 - m))):
            merged = at - timedelta(hours=rng.uniform(0.2, 2 + 200 * (1 - m)))
            first = merged - timedelta(hours=rng.lognormvariate(1 + 3 * (1 - m), 0.7))
            changes.append(ChangeRecord(
                project=project, id=f"{n}-{c}", title=f"change {n}.{c}",
                source_branch=f"feature/{n}-{c}", created_at=first + timedelta(hours=1),
                merged_at=merged, first_commit_at=first,
                merge_sha=sha if c == 0 else f"{rng.getrandbits(160):040x}"))
        failed = rng.random() < fail_rate
        deployments.append(DeploymentRecord(
            project=project, id=str(n), environment="production", tier="production",
            finished_at=at, status="failed" if failed else "success", sha=sha, ref="main",
            manual=m < 0.6))
        pipelines.append(PipelineRecord(
            project=project, id=str(n), status="failed" if failed else "success",
            source="push", ref="main", created_at=at - timedelta(minutes=30),
            duration_seconds=rng.uniform(300, 900 + 3000 * (1 - m)),
            manual_jobs=1 if m < 0.6 else 0, retried_jobs=int(rng.random() < 0.3 * (1 - m)),
            deploy_jobs=1))
        if failed:  # the fix: a redeploy some hours later
            fixed = at + timedelta(hours=rng.lognormvariate(0.5 + 3 * (1 - m), 0.8))
            if fixed < end:
                n += 1
                deployments.append(DeploymentRecord(
                    project=project, id=str(n), environment="production", tier="production",
                    finished_at=fixed, status="success", sha=f"{rng.getrandbits(160):040x}",
                    ref="main", manual=m < 0.6))
    for _ in range(poisson(rng, 30 * (1 - m) * (1 - m) + 2) * 3):  # feature-branch pipelines
        created = start + (end - start) * rng.random()
        pipelines.append(PipelineRecord(
            project=project, id=f"mr-{len(pipelines)}", source="merge_request_event",
            status="failed" if rng.random() < 0.35 * (1 - m) + 0.05 else "success",
            ref="feature", created_at=created,
            duration_seconds=rng.uniform(200, 600 + 2400 * (1 - m))))
    return deployments, changes, [], pipelines


def incident_rows(team: TeamProfile, start: datetime, end: datetime,
                  rng: random.Random) -> list[dict[str, str]]:
    """An incident export in the generic CSV's own column names."""
    m = team.maturity
    rows = []
    per_month = 1 + 9 * (1 - m)
    at, n = start, 0
    responders = team.authors[:1] * int(1 + 6 * (1 - m)) + team.authors
    while True:
        at += timedelta(days=rng.expovariate(per_month / 30))
        if at >= end:
            break
        n += 1
        severity = rng.choices(["critical", "high", "medium", "low"], [1, 2, 4, 3])[0]
        ack = at + timedelta(minutes=rng.lognormvariate(1.5 + 2.5 * (1 - m), 0.6))
        resolved = ack + timedelta(hours=rng.lognormvariate(-0.5 + 3 * (1 - m), 0.9))
        detected = ("monitoring" if rng.random() < 0.15 + 0.8 * m
                    else rng.choice(["customer", "customer", "staff"]))
        service = rng.choice(SERVICES)
        reviewed = severity in ("critical", "high") and rng.random() < 0.1 + 0.85 * m
        rows.append({
            "id": f"INC-{team.slug[:3].upper()}-{n}", "title": f"{service} degraded",
            "service": f"{team.slug}-{service}", "team": team.name, "severity": severity,
            "opened": at.isoformat(), "acknowledged": ack.isoformat(),
            "resolved": resolved.isoformat() if resolved < end else "",
            "detected_by": detected, "responders": rng.choice(responders),
            "resolved_by": rng.choice(responders),
            "postmortem": f"https://wiki.example/pm/{n}" if reviewed else "",
            "caused_by_change": rng.choice(["yes", "no", "unknown"]),
        })
    return rows


def write_incidents(path: Path, rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = ["id", "title", "service", "team", "severity", "opened", "acknowledged",
              "resolved", "detected_by", "responders", "resolved_by", "postmortem",
              "caused_by_change"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_alert_rules(path: Path, team: TeamProfile, rng: random.Random) -> Path:
    """A Prometheus rule file: more, better-annotated, symptom-based rules as maturity grows."""
    m = team.maturity
    rules = []
    cause = [("HighCPU", "avg(rate(process_cpu_seconds_total[5m])) > 0.9"),
             ("LowDiskSpace", "node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.1"),
             ("HighMemory", "process_resident_memory_bytes > 4e9")]
    symptom = [("HighErrorRate", 'sum(rate(http_requests_total{code=~"5.."}[5m])) / '
                                 "sum(rate(http_requests_total[5m])) > 0.05"),
               ("HighLatency", "histogram_quantile(0.99, sum by (le) "
                               "(rate(http_request_duration_seconds_bucket[5m]))) > 1"),
               ("ServiceDown", "up == 0")]
    chosen = cause[: 1 + int(2 * (1 - m))] + symptom[: round(3 * m)]
    services = SERVICES[: 1 + int(2 * m + 0.5)]
    total = len(services) * len(chosen)
    # Each practice covers a share of the rules that grows with maturity, spread evenly
    # (not drawn per rule): a small rule file must not make a mature team look careless.
    offset = rng.random()

    def covers(i: int, share: float) -> bool:
        return ((i + offset) % total) < share * total

    for i, (service, (name, expr)) in enumerate(
            (s, c) for s in services for c in chosen):
        labels = {}
        if covers(i, 0.2 + 0.9 * m):
            labels["severity"] = "critical" if name in ("ServiceDown",) else "warning"
        if covers(i, m + 0.1):
            labels["team"] = team.slug
        annotations = {}
        if covers(i, 0.3 + 0.8 * m):
            annotations["summary"] = f"{name} on {service}"
        if covers(i, m + 0.05):
            annotations["runbook_url"] = f"https://wiki.example/runbooks/{service}/{name}"
        rule = {"alert": name, "expr": expr, "for": "5m" if m > 0.4 else "0m",
                "labels": {**labels, "service": service}}
        if annotations:
            rule["annotations"] = annotations
        rules.append(rule)
    if m > 0.5:
        rules.append({"alert": "Watchdog", "expr": "vector(1)",
                      "labels": {"severity": "none"},
                      "annotations": {"summary": "Always firing: proves alerting works"}})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"groups": [{"name": team.slug, "rules": rules}]},
                                   sort_keys=False), encoding="utf-8")
    return path



def write_database_outputs(directory: Path, team: TeamProfile, now: datetime
                           ) -> tuple[Path, Path]:
    """What the team's Patroni (`/cluster`, `/history`) and `pgbackrest info --output=json`
    would answer, as files for the postgres collector."""
    db = team.database
    assert db is not None
    directory.mkdir(parents=True, exist_ok=True)
    major = db.version.split(".")[0]
    timeline = 1 if db.last_failover_days is None else 2
    standby: dict = {"name": f"{team.slug}-dc2", "role": "replica",
                     "host": f"db-{team.slug}-dc2", "port": 5432, "timeline": timeline}
    if db.standby_down_hours is None:
        standby.update(state="streaming", lag=0)
    else:
        standby.update(state="stopped", lag="unknown")
    history = [] if db.last_failover_days is None else [
        [1, 50331856, "no recovery target specified",
         (now - timedelta(days=db.last_failover_days)).isoformat(), f"{team.slug}-dc1"]]
    patroni = directory / f"{team.slug}-patroni.json"
    patroni.write_text(json.dumps({"cluster": {"scope": team.slug, "members": [
        {"name": f"{team.slug}-dc1", "role": "leader", "state": "running",
         "host": f"db-{team.slug}-dc1", "port": 5432, "timeline": timeline},
        standby]}, "history": history}, indent=1), encoding="utf-8")
    stop = int((now - timedelta(hours=db.last_backup_hours)).timestamp())
    backups = [{"label": datetime.fromtimestamp(t, now.tzinfo).strftime("%Y%m%d-%H%M%SF"),
                "type": "full", "error": False, "prior": None, "reference": None,
                "archive": {"start": f"{timeline:08X}000000{i:02X}00000010",
                            "stop": f"{timeline:08X}000000{i:02X}00000012"},
                "timestamp": {"start": t - 1800, "stop": t},
                "database": {"id": 1, "repo-key": 1}}
               for i, t in enumerate((stop - 7 * 86400, stop))]
    info = directory / f"{team.slug}-pgbackrest-info.json"
    info.write_text(json.dumps([{
        "name": team.slug, "backup": backups,
        "archive": [{"database": {"id": 1, "repo-key": 1}, "id": f"{major}-1",
                     "min": backups[0]["archive"]["start"],
                     "max": f"{timeline:08X}0000000300000001"}],
        "db": [{"id": 1, "repo-key": 1, "system-id": 7312345678901234567, "version": major}],
        "cipher": "none", "status": {"code": 0, "message": "ok"}}], indent=1),
        encoding="utf-8")
    return patroni, info
