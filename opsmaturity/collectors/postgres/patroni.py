"""Patroni's REST API: `/cluster` (members, roles, state, lag, pause) and `/history`
(timeline switches with their times and the new leader), through the one retry policy.

`/history` rows are `[timeline, lsn, reason, timestamp, new_leader]`: the row for timeline
N says when timeline N ended, i.e. when a failover or switchover started timeline N + 1.
Credentials (basic auth) come from the URL or `OPSMATURITY_PATRONI_TOKEN`
(`user:password`); only the endpoint is ever written.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from opsmaturity.core.http import RateLimitError, RetryingSession, RetryPolicy, http_problem
from opsmaturity.core.messages import text as _msg
from opsmaturity.core.privacy import endpoint_only
from opsmaturity.core.times import parse_loose

TOKEN_ENV = "OPSMATURITY_PATRONI_TOKEN"


class PatroniError(Exception):
    """Patroni could not be read; the message names the endpoint, never credentials."""


@dataclass
class PatroniMember:
    name: str
    role: str
    state: str
    lag_bytes: int | None
    timeline: int | None


@dataclass
class PatroniCluster:
    endpoint: str
    members: list[PatroniMember] = field(default_factory=list)
    paused: bool = False
    switches: list[tuple[int, datetime | None, str]] = field(default_factory=list)
    """(new timeline, when, reason or new leader) per failover/switchover in /history."""


def read_patroni(url: str, timeout: float, session: requests.Session | None = None
                 ) -> PatroniCluster:
    endpoint = endpoint_only(url)
    s = session or RetryingSession(RetryPolicy(timeout_seconds=timeout, retries=3))
    auth = None
    token = os.environ.get(TOKEN_ENV)
    if token and ":" in token:
        user, _, password = token.partition(":")
        auth = (user, password)
    raw = _get(s, url, "cluster", auth, endpoint)
    history = _get(s, url, "history", auth, endpoint)
    return parse_patroni(raw, history, endpoint)


def read_patroni_file(path: Path) -> PatroniCluster:
    """Recorded Patroni answers: `{"cluster": <GET /cluster>, "history": <GET /history>}`."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PatroniError(f"{path}: {_msg('source.file_not_found')}") from None
    except json.JSONDecodeError as exc:
        invalid = _msg("source.invalid_json", problem=exc.msg)
        raise PatroniError(f"{path}:{exc.lineno}: {invalid}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PatroniError(f"{path}: {_msg('source.cannot_read', reason=exc)}") from None
    if not isinstance(raw, dict) or "cluster" not in raw:
        raise PatroniError(f"{path}: {_msg('postgres.patroni_not_recorded')}")
    return parse_patroni(raw["cluster"], raw.get("history", []), str(path))


def _shape_checked(fn: Any) -> Any:
    """A malformed answer is a PatroniError naming the endpoint, never a traceback."""
    def wrapped(raw: Any, history: Any, endpoint: str) -> PatroniCluster:
        try:
            return fn(raw, history, endpoint)
        except (AttributeError, TypeError, ValueError, KeyError, IndexError,
                OverflowError):
            raise PatroniError(f"{endpoint}: {_msg('postgres.patroni_shape')}") from None
    return wrapped


@_shape_checked
def parse_patroni(raw: Any, history: Any, endpoint: str) -> PatroniCluster:
    """A cluster from Patroni's `/cluster` and `/history` answers."""
    cluster = PatroniCluster(endpoint=endpoint)
    if not isinstance(raw, dict) or not isinstance(raw.get("members"), list):
        raise PatroniError(f"{endpoint}/cluster: {_msg('postgres.patroni_no_members')}")
    cluster.paused = bool(raw.get("pause", False))
    for m in raw["members"]:
        lag = m.get("lag")
        cluster.members.append(PatroniMember(
            name=str(m.get("name", "?")), role=str(m.get("role", "")),
            state=str(m.get("state", "")),
            lag_bytes=lag if isinstance(lag, int) and not isinstance(lag, bool) else None,
            timeline=m.get("timeline")))
    if not isinstance(history, list):
        raise PatroniError(f"{endpoint}/history: {_msg('postgres.patroni_history_list')}")
    for row in history:
        if not isinstance(row, list) or len(row) < 4:
            continue
        leader = str(row[4]) if len(row) > 4 and row[4] else str(row[2])
        cluster.switches.append((int(row[0]) + 1, parse_loose(row[3]), leader))
    return cluster


def _get(s: requests.Session, url: str, path: str, auth: Any, endpoint: str) -> Any:
    target = f"{endpoint}/{path}"
    try:
        response = s.get(url.rstrip("/") + "/" + path, auth=auth)
    except RateLimitError as exc:
        raise PatroniError(http_problem(exc.status, target, platform="Patroni",
                                        token_env=TOKEN_ENV, scopes="read")) from None
    except requests.RequestException as exc:
        raise PatroniError(http_problem(None, target, platform="Patroni", token_env=TOKEN_ENV,
                                        scopes="read", detail=type(exc).__name__)) from None
    if response.status_code != 200:
        raise PatroniError(http_problem(response.status_code, target, platform="Patroni",
                                        token_env=TOKEN_ENV, scopes="read"))
    try:
        return response.json()
    except ValueError:
        raise PatroniError(f"{target}: {_msg('postgres.not_json')}") from None
