"""The `opsmaturity` command line: one module per command group, registered here.

Bad input is the user's problem to fix, not ours to dump a traceback for: every
known input error becomes one `error: file:line: message` line and exit code 2.

Every command is registered below, explicitly and in the order `--help` lists them, so
what the CLI offers can be read in one place and importing a module has no side effects.
"""

from __future__ import annotations

from . import (
    assess,
    catalogue,
    collect,
    demo,
    github,
    gitlab,
    incidents,
    monitoring,
    report,
    store,
    users,
    web,
)
from .common import app, catalogue_app, collect_app


def _register() -> None:
    app.add_typer(catalogue_app, name="catalogue")
    app.add_typer(collect_app, name="collect")
    app.command()(demo.demo)
    collect_app.command("github")(github.collect_github)
    collect_app.command("gitlab")(gitlab.collect_gitlab)
    collect_app.command("incidents")(incidents.collect_incidents)
    collect_app.command("prometheus")(monitoring.collect_prometheus)
    app.command()(report.report)
    app.add_typer(store.org_app, name="org")
    app.add_typer(store.team_app, name="team")
    app.add_typer(store.assessment_app, name="assessment")
    app.add_typer(store.answers_app, name="answers")
    app.add_typer(store.evidence_app, name="evidence")
    store.org_app.command("create")(store.org_create)
    store.org_app.command("list")(store.org_list)
    store.team_app.command("create")(store.team_create)
    store.team_app.command("list")(store.team_list)
    store.assessment_app.command("create")(store.assessment_create)
    store.assessment_app.command("list")(store.assessment_list)
    store.assessment_app.command("finalise")(store.assessment_finalise)
    store.answers_app.command("import")(store.answers_import)
    store.evidence_app.command("import")(store.evidence_import)
    app.command()(store.history)
    app.command("export")(store.export)
    app.command("import")(store.import_)
    app.add_typer(users.user_app, name="user")
    users.user_app.command("add")(users.user_add)
    users.user_app.command("list")(users.user_list)
    users.user_app.command("remove")(users.user_remove)
    users.user_app.command("password")(users.user_password)
    users.user_app.command("grant")(users.user_grant)
    app.command()(web.web)
    app.command()(assess.questionnaire)
    app.command()(assess.score)
    app.command()(assess.assess)
    collect_app.command("git")(collect.collect_git)
    collect_app.command("ci")(collect.collect_ci)
    catalogue_app.command("check")(catalogue.catalogue_check)
    catalogue_app.command("schema")(catalogue.catalogue_schema)


_register()


def main() -> None:
    app()


