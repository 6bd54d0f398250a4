"""The `opsmaturity` command line: one module per command group, registered here.

Conventions every command follows (tests/app/cli/test_conventions.py checks them on every
command, so a new one is held to them too):

- **Registration.** Every command is registered below, explicitly, in the order `--help`
  lists them: a user's path (assess, questionnaire, score, report, web, collect, the store
  commands, demo). Each has one example (`example=`), shown at the end of its help.
- **Help.** The help of every command and option lives in `help.yaml` (en, de), keyed by
  the command's path and the parameter's name, never in a `help=` (tests/app/cli/
  test_help.py): a new command or option needs its entry there, in both languages.
  Command groups are made with `group.command_group()`, which gives their commands the
  two behaviours below.
- **Multi-value options.** Declare an option that takes several values as a list,
  preferably with `common.multi_option(...)`: `--evidence a.json b.json` and
  `--evidence a.json --evidence b.json` both work (group.py).
- **Output.** Data goes to standard output or to the file of an `--out`/`--json` option
  (declared with `common.out_option(...)`, written with `output.write_out(path, text)`,
  evidence with `common.write_evidence`): the path `-` means standard output. Progress,
  `wrote FILE`, warnings and errors go to standard error (`common.err_console`).
- **Colour.** Consoles and tables follow `NO_COLOR` and a non-terminal stream: plain text,
  no boxes (`output.table_box` for tables).
- **Errors.** Bad input is the user's problem to fix, not ours to dump a traceback for:
  every known input error becomes one `error: file:line: message` line (`common.fail`)
  and exit code 2.
- **Start-up.** A command module imports only typer and the standard library at the top;
  everything else is imported inside the function that needs it, so `opsmaturity
  --version` and `--help` start in a fraction of a second (tests/app/cli/test_startup.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

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
    postgres,
    report,
    store,
    users,
    web,
)
from .common import app, catalogue_app, collect_app, guarded
from .group import COMMAND_ORDER, EXAMPLE, OpsCommand

EXAMPLES: dict[str, str] = {}
"""Command path ("collect git") -> its example, as shown in `--help` (tests run some)."""


def _command(group: typer.Typer, path: str, function: Callable[..., Any], example: str) -> None:
    """Register `function` as the command `path` (its last word) with its example."""
    EXAMPLES[path] = example
    if " " not in path:
        COMMAND_ORDER.append(path)
    group.command(path.rsplit(" ", 1)[-1], epilog=EXAMPLE + example,
                  cls=OpsCommand)(guarded(function))


def _group(sub: typer.Typer, name: str) -> None:
    """Add a command group (`collect`, `org`, ...) to the root, in order."""
    COMMAND_ORDER.append(name)
    app.add_typer(sub, name=name)


def _register() -> None:
    _command(app, "assess", assess.assess, "opsmaturity assess . --fail-on high")
    _command(app, "questionnaire", assess.questionnaire,
             "opsmaturity questionnaire --format yaml --out answers.yaml")
    _command(app, "score", assess.score,
             "opsmaturity score --answers answers.yaml --evidence evidence-*.json "
             "--format sarif --out opsmaturity.sarif")
    _command(app, "report", report.report,
             "opsmaturity report --in assessment.json --pdf report.pdf")
    _command(app, "web", web.web, "opsmaturity web --host 0.0.0.0")

    _group(collect_app, "collect")
    _command(collect_app, "collect git", collect.collect_git,
             "opsmaturity collect git ~/src/service --out evidence-git.json")
    _command(collect_app, "collect ci", collect.collect_ci,
             "opsmaturity collect ci . --out -")
    _command(collect_app, "collect gitlab", gitlab.collect_gitlab,
             "opsmaturity collect gitlab --group platform --since 2026-01-01")
    _command(collect_app, "collect github", github.collect_github,
             "opsmaturity collect github --repo owner/name")
    _command(collect_app, "collect prometheus", monitoring.collect_prometheus,
             "opsmaturity collect prometheus --rules rules/*.yml --grafana dashboards/")
    _command(collect_app, "collect postgres", postgres.collect_postgres,
             "opsmaturity collect postgres --dsn postgresql://monitor@db1/postgres "
             "--pgbackrest-stanza main")
    _command(collect_app, "collect incidents", incidents.collect_incidents,
             "opsmaturity collect incidents pagerduty.json jira.csv")

    # the store
    _group(store.org_app, "org")
    _command(store.org_app, "org create", store.org_create, 'opsmaturity org create "Example Corp"')
    _command(store.org_app, "org list", store.org_list, "opsmaturity org list --json")
    _group(store.team_app, "team")
    _command(store.team_app, "team create", store.team_create,
             'opsmaturity team create Payments --org "Example Corp"')
    _command(store.team_app, "team list", store.team_list,
             'opsmaturity team list --org "Example Corp"')
    _group(store.assessment_app, "assessment")
    _command(store.assessment_app, "assessment create", store.assessment_create,
             'opsmaturity assessment create --team Payments --title "Q4 workshop"')
    _command(store.assessment_app, "assessment list", store.assessment_list,
             "opsmaturity assessment list --team Payments")
    _command(store.assessment_app, "assessment finalise", store.assessment_finalise,
             "opsmaturity assessment finalise 3")
    _group(store.answers_app, "answers")
    _command(store.answers_app, "answers import", store.answers_import,
             "opsmaturity answers import workshop.yaml --assessment 3")
    _group(store.evidence_app, "evidence")
    _command(store.evidence_app, "evidence import", store.evidence_import,
             "opsmaturity evidence import evidence-*.json --assessment 3")
    _group(plan.plan_app, "plan")
    _command(plan.plan_app, "plan import", plan.plan_import,
             "opsmaturity plan import plan.xlsx --assessment 3")
    _command(app, "history", store.history, "opsmaturity history --team Payments")
    _command(app, "export", store.export,
             "opsmaturity export --assessment 3 --out payments.bundle.json")
    _command(app, "import", store.import_, "opsmaturity import payments.bundle.json")

    # the web app's accounts
    _group(users.user_app, "user")
    _command(users.user_app, "user add", users.user_add,
             'opsmaturity user add fran --role facilitator --org "Example Corp"')
    _command(users.user_app, "user list", users.user_list, "opsmaturity user list --json")
    _command(users.user_app, "user remove", users.user_remove, "opsmaturity user remove fran")
    _command(users.user_app, "user password", users.user_password,
             "opsmaturity user password fran")
    _command(users.user_app, "user grant", users.user_grant,
             'opsmaturity user grant fran --org "Example Corp" Globex')

    _group(catalogue_app, "catalogue")
    _command(catalogue_app, "catalogue check", catalogue.catalogue_check,
             "opsmaturity catalogue check ./my-catalogue")
    _command(catalogue_app, "catalogue schema", catalogue.catalogue_schema,
             "opsmaturity catalogue schema > catalogue.schema.json")
    _command(app, "demo", demo.demo, "opsmaturity demo --reset")


_register()


def main() -> None:
    import sys

    from .early import start_git_log

    start_git_log(sys.argv[1:])  # git works while typer parses (see early.py)
    from .usage_errors import install

    install(sys.argv[1:])  # typer's own errors in the line's language (nothing for English)
    app()
