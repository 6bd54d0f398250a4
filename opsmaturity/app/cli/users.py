"""`opsmaturity user ...`: the web app's accounts (admins and facilitators).

Passwords are asked for on a terminal (hidden, twice) or read from
$OPSMATURITY_NEW_PASSWORD for scripts; they are never taken as an argument, where they
would end up in the shell's history and the process list.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from typing import Annotated

import typer

from .common import err_console, fail, multi_option, say, store_session
from .group import command_group
from .store import JsonOpt, _print_records

ENV_PASSWORD = "OPSMATURITY_NEW_PASSWORD"

user_app = command_group()


class Role(StrEnum):
    admin = "admin"
    facilitator = "facilitator"


NameArg = Annotated[str, typer.Argument()]
NoPasswordOpt = Annotated[bool, typer.Option("--no-password")]


def on_terminal() -> bool:
    return sys.stdin.isatty()


def _new_password() -> str:
    from_env = os.environ.get(ENV_PASSWORD)
    if from_env:
        return from_env
    if not on_terminal():
        raise fail(say("user.no_password", env=ENV_PASSWORD))
    first = typer.prompt(say("user.new_password"), hide_input=True, err=True)
    if first != typer.prompt(say("user.repeat_password"), hide_input=True, err=True):
        raise fail(say("user.passwords_differ"))
    return first


def user_add(
    name: NameArg,
    role: Annotated[Role, typer.Option("--role")],
    org: Annotated[list[str] | None, multi_option(
        "--org",
        metavar="ORG")] = None,
    no_password: NoPasswordOpt = False,
) -> None:
    """Add an account (the password is asked for, or read from $OPSMATURITY_NEW_PASSWORD)."""
    password = None if no_password else _new_password()
    with store_session() as store:
        user = store.add_user(name, role.value, password, list(org or []))
    where = say("user.every_organisation") if user.role == "admin" else (
        ", ".join(user.organisations) or say("user.no_organisation_yet"))
    err_console.print(say("user.added", role=say(f"user.role_{user.role}"), name=user.name,
                          where=where), highlight=False)


def user_list(as_json: JsonOpt = False) -> None:
    """List accounts with their role and organisations (never their passwords)."""
    with store_session() as store:
        rows = store.users()
    _print_records(rows, as_json, {
        "name": lambda r: r.name, "role": lambda r: r.role,
        "organisations": lambda r: "all" if r.role == "admin" else ", ".join(r.organisations),
        "login": lambda r: "password" if r.has_password else "OpenID Connect only"})


def user_remove(name: NameArg) -> None:
    """Remove an account; its open browser sessions end at their next click."""
    with store_session() as store:
        store.remove_user(name)
    err_console.print(say("user.removed", name=name), highlight=False)


def user_password(name: NameArg, no_password: NoPasswordOpt = False) -> None:
    """Set a new password (asked for, or read from $OPSMATURITY_NEW_PASSWORD)."""
    password = None if no_password else _new_password()
    with store_session() as store:
        store.set_password(name, password)
    err_console.print(say("user.password_changed", name=name), highlight=False)


def user_grant(
    name: NameArg,
    org: Annotated[list[str] | None, multi_option(
        "--org",
        metavar="ORG")] = None,
) -> None:
    """Set the organisations a facilitator may see (replacing the earlier ones)."""
    with store_session() as store:
        user = store.grant(name, list(org or []))
    err_console.print(say("user.sees", name=user.name, where=", ".join(user.organisations)
                          or say("user.no_organisation")), highlight=False)
