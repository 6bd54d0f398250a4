"""The one HTTP retry policy: retries with backoff, rate limits honoured, errors worded for users.

The rules, the same for every API we read (GitLab, GitHub, Prometheus, Alertmanager):

- 429, and 403 with an exhausted rate limit, are waited out using `Retry-After`
  (seconds or an HTTP date), else `RateLimit-Reset` / `X-RateLimit-Reset` (epoch seconds,
  plus one second because the reset is rounded to whole seconds), else exponential
  backoff; when the retries are used up, or the server asks for a wait longer than
  `max_wait_seconds`, the wait is not slept (so no client library underneath starts
  sleeping on its own);
- 500/502/503/504, timeouts and dropped connections are retried with exponential backoff
  (1, 2, 4, ... s, capped at `backoff_max_seconds`; a host that cannot be reached at all
  only `connect_retries` times, so a mistyped URL fails within seconds).

`RetryingSession` applies them to a `requests.Session` (python-gitlab takes it as
`session=`, Prometheus reads through it); PyGithub's urllib3 `Retry` asks `next_delay`
(see `collectors/delivery/github/api.py`). Both count every request, retry and second
waited. The sleep function and the clock are injectable so tests assert the requested
delays instead of sleeping. Nothing here logs headers or URLs with credentials.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from pydantic import BaseModel, ConfigDict, Field

TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})


class RateLimitError(requests.RequestException):
    """The server kept rate-limiting us, or asked for a longer wait than we accept."""

    def __init__(self, status: int, wait: float | None) -> None:
        super().__init__(f"rate limited (HTTP {status})")
        self.status = status
        self.wait = wait


class RetryPolicy(BaseModel):
    """How hard to try before giving up on one request."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    retries: int = Field(default=5, ge=0, description="retries after the first attempt")
    connect_retries: int = Field(
        default=2, ge=0,
        description="retries when no connection can be made at all (wrong host, refused)",
    )
    backoff_seconds: float = Field(default=1.0, ge=0, description="first backoff delay")
    backoff_max_seconds: float = Field(default=60.0, ge=0)
    max_wait_seconds: float = Field(
        default=900.0, ge=0, description="longest rate-limit wait accepted before giving up"
    )
    timeout_seconds: float = Field(default=30.0, gt=0, description="per request")


@dataclass
class RequestStats:
    """What a session did: requests sent (attempts), retries, time waited, statuses seen."""

    requests: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def as_dict(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": self.requests,
                "retries": self.retries,
                "waited_seconds": round(self.waited_seconds, 3),
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            }


def rate_limit_delay(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asks us to wait, from Retry-After or a rate-limit reset header."""
    value = headers.get("Retry-After")
    if value is not None:
        value = value.strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - now)
        except (TypeError, ValueError, IndexError):
            pass
    for name in ("RateLimit-Reset", "X-RateLimit-Reset"):
        value = headers.get(name)
        if value is None:
            continue
        try:
            reset = float(value)
        except ValueError:
            continue
        # An epoch timestamp (GitLab, GitHub), rounded to whole seconds: wait one more so
        # the request lands after the reset. Small numbers are seconds from now.
        return max(0.0, reset - now) + 1.0 if reset > 1e9 else max(0.0, reset)
    return None


def backoff_delay(attempt: int, policy: RetryPolicy) -> float:
    """Exponential backoff: base, 2*base, 4*base, ... capped at backoff_max_seconds."""
    return min(policy.backoff_max_seconds, policy.backoff_seconds * (2**attempt))


def is_rate_limited(status: int, headers: Mapping[str, str]) -> bool:
    """A rate-limit answer: 429, or a 403 saying the rate limit is used up (GitHub, proxies)."""
    if status == 429:
        return True
    return status == 403 and (
        headers.get("X-RateLimit-Remaining") == "0" or headers.get("RateLimit-Remaining") == "0"
    )


def next_delay(status: int | None, headers: Mapping[str, str], attempt: int,
               policy: RetryPolicy, now: float) -> float:
    """Seconds to wait before retry number `attempt` + 1 after an answer (or none: status
    None for a timeout or dropped connection): what the server asked for, else backoff."""
    if status is not None and (is_rate_limited(status, headers) or "Retry-After" in headers):
        asked = rate_limit_delay(headers, now)
        if asked is not None:
            return asked
    return backoff_delay(attempt, policy)


class RetryingSession(requests.Session):
    """A requests session that retries transient failures and honours rate limits."""

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.clock = clock
        self.stats = RequestStats()
        self.delays: list[float] = []
        """Every delay requested, in order (tests assert these instead of sleeping)."""

    def _wait(self, seconds: float) -> None:
        with self.stats.lock:
            self.stats.retries += 1
            self.stats.waited_seconds += seconds
            self.delays.append(seconds)
        if seconds > 0:
            self.sleep(seconds)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.policy.timeout_seconds
        attempt = 0
        while True:
            with self.stats.lock:
                self.stats.requests += 1
            try:
                response = super().request(method, url, *args, **kwargs)
            except (requests.Timeout, requests.ConnectionError) as exc:
                limit = self.policy.retries if isinstance(exc, requests.Timeout) \
                    else min(self.policy.retries, self.policy.connect_retries)
                if attempt >= limit:
                    raise
                self._wait(backoff_delay(attempt, self.policy))
                attempt += 1
                continue
            with self.stats.lock:
                self.stats.statuses[response.status_code] += 1
            if is_rate_limited(response.status_code, response.headers):
                delay = next_delay(response.status_code, response.headers, attempt,
                                   self.policy, self.clock())
                if attempt >= self.policy.retries or delay > self.policy.max_wait_seconds:
                    response.close()
                    raise RateLimitError(response.status_code, delay)
            elif attempt >= self.policy.retries:
                return response
            elif response.status_code in TRANSIENT_STATUSES:
                delay = backoff_delay(attempt, self.policy)
            else:
                return response
            response.close()
            self._wait(delay)
            attempt += 1


def http_problem(
    status: int | None,
    what: str,
    *,
    platform: str,
    token_env: str,
    scopes: str,
    detail: str = "",
) -> str:
    """One sentence a user can act on, for an HTTP failure while reading `what`.

    Never include request headers or query strings: they may carry the token.
    """
    from .messages import text

    values = {"platform": platform, "what": what, "token_env": token_env, "scopes": scopes,
              "status": status}
    with_detail = {**values, "detail": detail}
    if status == 401:
        return text("http.unauthorized", **values)
    if status == 403:
        return text("http.forbidden_detail", **with_detail) if detail else \
            text("http.forbidden", **values)
    if status == 404:
        return text("http.not_found", **values)
    if status == 429:
        return text("http.rate_limited", **values)
    if status is not None and status >= 500:
        return text("http.server_error", **values)
    if status is None:
        return text("http.no_answer_detail", **with_detail) if detail else \
            text("http.no_answer", **values)
    return text("http.answered_detail", **with_detail) if detail else \
        text("http.answered", **values)


__all__ = [
    "TRANSIENT_STATUSES",
    "RateLimitError",
    "RequestStats",
    "RetryPolicy",
    "RetryingSession",
    "backoff_delay",
    "http_problem",
    "is_rate_limited",
    "next_delay",
    "rate_limit_delay",
]
