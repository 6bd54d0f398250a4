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
    plan,
    report,
    store,
    web,
)
from .common import app, catalogue_app, collect_app, guarded


def _register() -> None:
    app.add_typer(catalogue_app, name="catalogue")
    app.add_typer(collect_app, name="collect")
    app.command()(guarded(demo.demo))
    collect_app.command("github")(guarded(github.collect_github))
    collect_app.command("gitlab")(guarded(gitlab.collect_gitlab))
    collect_app.command("incidents")(guarded(incidents.collect_incidents))
    collect_app.command("prometheus")(guarded(monitoring.collect_prometheus))
    app.command()(guarded(report.report))
    app.add_typer(store.org_app, name="org")
    app.add_typer(store.team_app, name="team")
    app.add_typer(store.assessment_app, name="assessment")
    app.add_typer(store.answers_app, name="answers")
    app.add_typer(store.evidence_app, name="evidence")
    store.org_app.command("create")(guarded(store.org_create))
    store.org_app.command("list")(guarded(store.org_list))
    store.team_app.command("create")(guarded(store.team_create))
    store.team_app.command("list")(guarded(store.team_list))
    store.assessment_app.command("create")(guarded(store.assessment_create))
    store.assessment_app.command("list")(guarded(store.assessment_list))
    store.assessment_app.command("finalise")(guarded(store.assessment_finalise))
    store.answers_app.command("import")(guarded(store.answers_import))
    store.evidence_app.command("import")(guarded(store.evidence_import))
    app.add_typer(plan.plan_app, name="plan")
    plan.plan_app.command("import")(guarded(plan.plan_import))
    app.command()(guarded(store.history))
    app.command("export")(guarded(store.export))
    app.command("import")(guarded(store.import_))
    app.command()(guarded(web.web))
    app.command()(guarded(assess.questionnaire))
    app.command()(guarded(assess.score))
    app.command()(guarded(assess.assess))
    collect_app.command("git")(guarded(collect.collect_git))
    collect_app.command("ci")(guarded(collect.collect_ci))
    catalogue_app.command("check")(guarded(catalogue.catalogue_check))
    catalogue_app.command("schema")(guarded(catalogue.catalogue_schema))


_register()


def main() -> None:
    app()


