"""What a repository's dependency manifests and logging configuration say about telemetry.

Two facts, read from the files at HEAD (outside vendored code, tests and examples): an
OpenTelemetry SDK or instrumentation among the dependencies, and a structured logger (JSON
or key-value logs) among the dependencies or in a logging configuration. Like the file-name
rules in collectors/paths.py these are conventions, not certainties: a dependency says the code can
emit traces or structured logs, not that they reach anyone (docs/git-evidence.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .. import paths

MANIFESTS = re.compile(
    r"(^|/)(requirements[-_.\w]*\.(txt|in)|pyproject\.toml|Pipfile|setup\.cfg|package\.json"
    r"|go\.mod|pom\.xml|build\.gradle(\.kts)?|[^/]+\.csproj|Directory\.Packages\.props"
    r"|packages\.config|Gemfile|Cargo\.toml|composer\.json|mix\.exs)$")
"""Dependency manifests of the common ecosystems (lock files are left out: they list what
dependencies pull in, not what the code chose)."""
LOG_CONFIGS = re.compile(r"(^|/)(logback[-_.\w]*\.xml|log4j2[-_.\w]*\.(xml|json|ya?ml))$")
"""Java logging configurations, where a JSON layout or encoder is chosen."""

OPENTELEMETRY = re.compile(
    r"opentelemetry|go\.opentelemetry\.io/|io\.opentelemetry", re.I)
"""An OpenTelemetry API, SDK, distro or instrumentation package in any ecosystem."""

STRUCTURED_LOGGERS: dict[str, re.Pattern[str]] = {
    "structlog": re.compile(r"(^|[\s\"'\[,])structlog\b", re.M),
    "python-json-logger": re.compile(r"python-json-logger|pythonjsonlogger", re.I),
    "ecs-logging": re.compile(r"ecs-logging|ecs_logging|co\.elastic\.logging", re.I),
    "logstash-logback-encoder": re.compile(r"logstash-logback-encoder|LogstashEncoder"),
    "log4j2-json-layout": re.compile(r"<(JsonLayout|JsonTemplateLayout|EcsLayout)\b"),
    "zap": re.compile(r"go\.uber\.org/zap\b"),
    "zerolog": re.compile(r"github\.com/rs/zerolog\b"),
    "logrus": re.compile(r"github\.com/sirupsen/logrus\b", re.I),
    "pino": re.compile(r"\"pino\"\s*:"),
    "bunyan": re.compile(r"\"bunyan\"\s*:"),
    "serilog": re.compile(r"Include=\"Serilog\b|\bid=\"Serilog\b"),
    "semantic_logger": re.compile(r"['\"](rails_)?semantic_logger['\"]"),
    "lograge": re.compile(r"['\"]lograge['\"]"),
}
"""Loggers that write fields (JSON or key-value) rather than free text, by how a manifest
or logging configuration names them."""

MAX_FILES = 400


def candidates(head_files: Iterable[str]) -> list[str]:
    """The manifests and logging configurations worth reading, in a stable order."""
    return sorted(f for f in head_files
                  if (MANIFESTS.search(f) or LOG_CONFIGS.search(f)) and _counts(f))[:MAX_FILES]


def _counts(path: str) -> bool:
    return not (paths.is_vendored(path) or paths.is_test(path) or paths.is_example(path))


def _direct(path: str, text: str) -> str:
    """The part of a manifest that names the project's own choices (go.mod: not `// indirect`)."""
    if path.endswith("go.mod"):
        return "\n".join(line for line in text.splitlines() if "// indirect" not in line)
    return text


def telemetry_facts(texts: dict[str, str]) -> tuple[list[str], dict[str, list[str]]]:
    """Files naming OpenTelemetry, and structured logger -> the files naming it."""
    otel: list[str] = []
    loggers: dict[str, list[str]] = {}
    for path, text in sorted(texts.items()):
        text = _direct(path, text)
        if MANIFESTS.search(path) and OPENTELEMETRY.search(text):
            otel.append(path)
        for name, rule in STRUCTURED_LOGGERS.items():
            if rule.search(text):
                loggers.setdefault(name, []).append(path)
    return otel, loggers
