"""What a path in a repository tells us: test, docs, runbook, infrastructure as code, migrations.

Shared by the collectors that read repositories (git/, ci/): a test, an example or a
vendored file is one for both.

Conventions, not certainties: each rule is a plain pattern here so that a
finding can say exactly which files made us think so.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

_TEST_DIRS = {"test", "tests", "spec", "specs", "__tests__", "testing", "e2e"}
# Maven's integration tests live in src/it/; a bare "it" directory is usually Italian
# (locale/it/, i18n/it/), so only the Maven layout counts.
_MAVEN_IT = re.compile(r"(^|/)src/it/")
_TEST_NAME = re.compile(
    r"(^test_.*\.py$|_test\.py$|_test\.go$|\.(test|spec)\.[cm]?[jt]sx?$|Tests?\.(java|kt|cs|scala)$"
    r"|_spec\.rb$|_test\.rb$|Test\.php$|_test\.exs?$|_tests?\.rs$)"
)
_SOURCE_EXT = {
    ".py",
    ".go",
    ".js",
    ".jsx",
    ".ts",
    ".tsx",
    ".mjs",
    ".cjs",
    ".java",
    ".kt",
    ".scala",
    ".cs",
    ".rb",
    ".php",
    ".rs",
    ".c",
    ".h",
    ".cc",
    ".cpp",
    ".hpp",
    ".swift",
    ".m",
    ".ex",
    ".exs",
    ".clj",
    ".groovy",
    ".vue",
    ".svelte",
    ".pl",
    ".sh",
    ".sql",
    ".fs",
    ".dart",
    ".lua",
    ".r",
}
_DOC_EXT = {".md", ".rst", ".adoc", ".txt", ".org"}
_RUNBOOK = re.compile(
    r"(runbook|run-book|run_book|playbook|on-?call|incident[-_ ]?response"
    r"|troubleshoot|operations[-_ ]manual|ops[-_ ]guide)",
    re.I,
)
_ADR_DIR = re.compile(r"(^|/)(adr|adrs|decisions|architecture[-_]decisions?)(/|$)", re.I)
_CODEOWNERS = {"CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"}
_BACKUP = re.compile(
    r"(backup|restore|failover|switchover|pg_?basebackup|patroni|pgbackrest"
    r"|barman|wal-?g|replica(tion)?[-_]?setup|disaster[-_]?recovery)",
    re.I,
)
_VENDORED = re.compile(r"(^|/)(vendor|node_modules|third[-_]party|external|\.yarn)/")

IAC_RULES: dict[str, re.Pattern[str]] = {
    "terraform": re.compile(r"(\.tf|\.tf\.json|\.tfvars|\.hcl)$"),
    "helm": re.compile(r"(^|/)Chart\.ya?ml$|(^|/)(helm|charts)/[^/]+/.*\.(ya?ml|tpl)$"),
    "kubernetes": re.compile(
        r"(^|/)(k8s|kubernetes|manifests|kustomize)/.*\.ya?ml$"
        r"|(^|/)kustomization\.ya?ml$"
    ),
    "ansible": re.compile(
        r"(^|/)(ansible\.cfg|site\.ya?ml|playbooks?/.*\.ya?ml"
        r"|roles/[^/]+/tasks/.*\.ya?ml)$"
    ),
    "docker": re.compile(
        r"(^|/)(Dockerfile(\.[\w-]+)?|[\w.-]*\.Dockerfile|Containerfile"
        r"|(docker-)?compose(\.[\w-]+)?\.ya?ml)$"
    ),
    "pulumi": re.compile(r"(^|/)Pulumi(\.[\w-]+)?\.ya?ml$"),
    "cloudformation": re.compile(
        r"(^|/)(cloudformation|cfn)/.*\.(ya?ml|json)$"
        r"|\.(cfn|template)\.(ya?ml|json)$"
    ),
}
MIGRATION_RULES: dict[str, re.Pattern[str]] = {
    "flyway": re.compile(r"(^|/)V\d+(_\d+)*__[^/]+\.sql$|(^|/)flyway\.conf$"),
    # a changelog by name or place, not any file named changelog (a CI workflow, release notes)
    "liquibase": re.compile(
        r"(^|/)db\.changelog[\w.-]*\.(xml|ya?ml|json|sql)$"
        r"|(^|/)(db|changelogs?)/(.+/)?[\w.-]*changelog[\w.-]*\.(xml|ya?ml|json|sql)$"
        r"|(^|/)liquibase/(.+/)?[^/]+\.(xml|ya?ml|json|sql)$",
        re.I,
    ),
    "alembic": re.compile(r"(^|/)alembic\.ini$|(^|/)alembic/versions/[^/]+\.py$"),
    "django": re.compile(r"(^|/)migrations/\d{4}_[^/]+\.py$"),
    "rails": re.compile(r"(^|/)db/migrate/\d+_[^/]+\.rb$"),
    "prisma": re.compile(r"(^|/)migrations/[^/]+/migration\.sql$"),
    "golang-migrate": re.compile(r"(^|/)\d+_[^/]+\.(up|down)\.sql$"),
    "laravel": re.compile(r"(^|/)database/migrations/\d{4}_\d{2}_\d{2}_\d{6}_[^/]+\.php$"),
    "doctrine": re.compile(r"(^|/)migrations/Version\d+\.php$", re.I),
    "ef-core": re.compile(r"(^|/)Migrations/\d{14}_[^/]+\.cs$"),
    "sqitch": re.compile(r"(^|/)sqitch\.plan$"),
    # knex, sequelize, TypeORM, migrate-mongo, goose, dbmate, node-pg-migrate and home-made
    # runners: files in a *migrat* folder named by a number or date that orders them
    "numbered": re.compile(
        r"(^|/)[\w.-]*migrat(e|ions?)[\w.-]*/(\d+|\d{4}-\d{2}-\d{2})[\w.-]*"
        r"\.(sql|js|cjs|mjs|ts|py|rb|php|go|cs|java|kt|ex|exs|cql|json)$",
        re.I,
    ),
}


def is_vendored(path: str) -> bool:
    return bool(_VENDORED.search(path))


def _name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _suffix(path: str) -> str:
    name = _name(path)
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def is_test(path: str) -> bool:
    if any(part.lower() in _TEST_DIRS for part in path.split("/")[:-1]):
        return True
    if _MAVEN_IT.search(path):
        return True
    return bool(_TEST_NAME.search(_name(path)))


def is_source(path: str) -> bool:
    """Production code: a source file that is not a test and not vendored."""
    return _suffix(path) in _SOURCE_EXT and not is_test(path) and not is_vendored(path)


def is_doc(path: str) -> bool:
    if _suffix(path) in _DOC_EXT and not is_vendored(path):
        return True
    return "/" in path and path.split("/", 1)[0].lower() in {"doc", "docs", "documentation", "wiki"}


def is_runbook(path: str) -> bool:
    # Ansible playbooks are code, not runbooks: only documents count.
    return is_doc(path) and bool(_RUNBOOK.search(path))


def is_adr(path: str) -> bool:
    return is_doc(path) and bool(_ADR_DIR.search(path))


def is_codeowners(path: str) -> bool:
    return path in _CODEOWNERS


def is_backup_script(path: str) -> bool:
    return not is_test(path) and not is_doc(path) and bool(_BACKUP.search(_name(path)))


OBSERVABILITY_RULES: dict[str, re.Pattern[str]] = {
    "opentelemetry": re.compile(
        r"(^|/)(otel|otelcol|opentelemetry)[-_.]?(collector)?[-_.\w]*\.(ya?ml|json)$|"
        r"(^|/)(otel|opentelemetry)(-collector)?/[^/]+\.(ya?ml|json)$", re.I),
    "fluent-bit": re.compile(r"(^|/)(fluent-?bit|td-agent-bit)[-_.\w]*\.(conf|ya?ml)$", re.I),
    "fluentd": re.compile(r"(^|/)(fluentd?|td-agent)\.conf$", re.I),
    "vector": re.compile(r"(^|/)vector\.(toml|ya?ml)$|(^|/)vector/[^/]+\.(toml|ya?ml)$",
                         re.I),
    "filebeat": re.compile(r"(^|/)filebeat[-_.\w]*\.ya?ml$", re.I),
    "logstash": re.compile(r"(^|/)logstash[-_.\w]*\.(conf|ya?ml)$|(^|/)logstash/.+\.conf$",
                           re.I),
    "promtail": re.compile(r"(^|/)promtail[-_.\w]*\.ya?ml$", re.I),
    "alloy": re.compile(r"\.alloy$|\.river$|(^|/)grafana-agent[-_.\w]*\.ya?ml$", re.I),
}
"""Telemetry pipeline configuration a repository can hold: the OpenTelemetry Collector and
log shippers. By file name only: their presence says logs or traces are shipped somewhere,
not that anyone uses them (docs/git-evidence.md)."""


def observability_kind(path: str) -> str | None:
    """The telemetry tool a file configures (outside vendored code, tests and examples)."""
    if is_vendored(path) or is_test(path) or _EXAMPLES.search(path):
        return None
    return next((kind for kind, rule in OBSERVABILITY_RULES.items() if rule.search(path)),
                None)


RUNTIME_KINDS = frozenset(IAC_RULES) - {"docker"}
"""IaC kinds that say where a system runs; a Dockerfile alone only says how it is packaged."""
_EXAMPLES = re.compile(r"(^|/)(examples?|samples?|demos?|fixtures?|testdata)/", re.I)


def is_example(path: str) -> bool:
    """Under an examples, samples, demos, fixtures or testdata folder."""
    return bool(_EXAMPLES.search(path))


def is_runtime_manifest(path: str) -> bool:
    """A definition of where the system runs (not an example, test fixture or document)."""
    return (iac_kind(path) in RUNTIME_KINDS and not is_test(path) and not is_doc(path)
            and not _EXAMPLES.search(path))


def iac_kind(path: str) -> str | None:
    if is_vendored(path):
        return None
    return next((kind for kind, rule in IAC_RULES.items() if rule.search(path)), None)


def migration_kind(path: str) -> str | None:
    """The tool whose versioned schema changes `path` is; not a test's or an example's."""
    if is_vendored(path) or is_test(path) or _EXAMPLES.search(path):
        return None
    return next((kind for kind, rule in MIGRATION_RULES.items() if rule.search(path)), None)


def top_level(path: str) -> str:
    return path.split("/", 1)[0] if "/" in path else "(root)"


class PathKind(NamedTuple):
    test: bool
    source: bool
    doc: bool
    runbook: bool
    adr: bool


@lru_cache(maxsize=1 << 17)
def classify(path: str) -> PathKind:
    """All per-commit path questions at once, cached: paths repeat across commits."""
    doc = is_doc(path)
    return PathKind(
        test=is_test(path),
        source=is_source(path),
        doc=doc,
        runbook=doc and bool(_RUNBOOK.search(path)),
        adr=doc and bool(_ADR_DIR.search(path)),
    )
