"""Keeping people and secrets out of what we write: pseudonyms and redaction.

Evidence, logs, the store and reports may be shared beyond the team, so names become
stable pseudonyms and credentials never leave the collector that used them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit


def pseudonym(key: str, prefix: str) -> str:
    """A stable pseudonym (`prefix-` and ten hex digits): the same key gives the same name."""
    return f"{prefix}-" + hashlib.sha256(key.encode()).hexdigest()[:10]


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every secret in text with '***' (for messages that leave the collector)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def without_credentials(source: str) -> str:
    """A URL without user and password (path and query kept), safe for logs and evidence."""
    return re.sub(r"^([a-z][a-z0-9+.-]*://)[^/@]+@", r"\1", source)


def endpoint_only(url: str) -> str:
    """The URL without user, password and query (they may hold credentials)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))
    except ValueError:
        return "(unparsable URL)"


def host_of(url: str) -> str:
    """The scheme and host of a URL, without user info, path or query."""
    parts = urlsplit(url)
    host = parts.hostname or url
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}"
