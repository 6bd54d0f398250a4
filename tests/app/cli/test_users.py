"""`opsmaturity user ...`: accounts from the terminal, passwords never on the command line."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from opsmaturity.app.cli import app, users
from opsmaturity.app.store import Store
from tests.conftest import assert_one_line_error

runner = CliRunner()
SECRET = "a long new password"


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.delenv("OPSMATURITY_DATABASE_URL", raising=False)
    monkeypatch.delenv(users.ENV_PASSWORD, raising=False)
    s = Store.open(url)
    s.create_organisation("Acme")
    s.create_organisation("Globex")
    s.close()
    return url


def run(db: str, *args: str, **kwargs):
    return runner.invoke(app, ["--db", db, "user", *args], **kwargs)


def test_accounts_from_the_environment_and_the_terminal(db, monkeypatch):
    monkeypatch.setenv(users.ENV_PASSWORD, SECRET)
    result = run(db, "add", "ada", "--role", "admin")
    assert result.exit_code == 0, result.output
    assert "added admin ada: sees every organisation" in result.stderr
    result = run(db, "add", "fran", "--role", "facilitator", "--org", "Acme")
    assert result.exit_code == 0 and "sees Acme" in result.stderr
    monkeypatch.delenv(users.ENV_PASSWORD)
    monkeypatch.setattr(users, "on_terminal", lambda: True)
    typed = run(db, "add", "tom", "--role", "facilitator", "--org", "Acme", "--org", "Globex",
                input=f"{SECRET}-tom\n{SECRET}-tom\n")
    assert typed.exit_code == 0, typed.output
    assert SECRET not in typed.output  # asked for hidden
    listed = json.loads(run(db, "list", "--json").stdout)
    assert [(u["name"], u["role"], u["organisations"]) for u in listed] == [
        ("ada", "admin", []), ("fran", "facilitator", ["Acme"]),
        ("tom", "facilitator", ["Acme", "Globex"])]
    assert "hash" not in json.dumps(listed) and "argon2" not in json.dumps(listed)
    s = Store.open(db)
    assert s.authenticate("tom", f"{SECRET}-tom") is not None
    assert s.authenticate("fran", SECRET) is not None
    with s.engine.connect() as conn:
        assert SECRET not in repr(conn.execute(text("SELECT * FROM users")).all())
    s.close()

    differ = run(db, "password", "tom", input=f"{SECRET}-1\n{SECRET}-2\n")
    assert differ.exit_code == 2  # (the hidden prompts end without a newline in a test)
    assert differ.stderr.endswith("error: the two passwords differ; nothing was changed\n")
    changed = run(db, "password", "tom", input=f"{SECRET}-3\n{SECRET}-3\n")
    assert changed.exit_code == 0, changed.output
    granted = run(db, "grant", "tom", "--org", "Globex")
    assert granted.exit_code == 0 and "tom sees Globex" in granted.stderr
    removed = run(db, "remove", "fran")
    assert removed.exit_code == 0
    s = Store.open(db)
    assert s.authenticate("tom", f"{SECRET}-3") is not None
    assert s.user("tom").organisations == ["Globex"]
    assert [u.name for u in s.users()] == ["ada", "tom"]
    s.close()


def test_no_password_without_a_terminal_or_the_variable(db, monkeypatch):
    monkeypatch.setattr(users, "on_terminal", lambda: False)
    result = run(db, "add", "ada", "--role", "admin")
    assert_one_line_error(result, f"error: no password: set {users.ENV_PASSWORD} or run this "
                                  "on a terminal")
    monkeypatch.setenv(users.ENV_PASSWORD, "short")
    assert_one_line_error(run(db, "add", "ada", "--role", "admin"),
                          "error: a password needs at least 10 characters")
    assert_one_line_error(run(db, "add", "ada", "--role", "admin", "--org", "Nope",
                              "--no-password"), "error: an admin sees every organisation: "
                          "give --org to facilitators only")
    assert_one_line_error(run(db, "add", "fran", "--role", "facilitator", "--org", "Nope",
                              "--no-password"), "error: no organisation 'Nope' "
                          "(see `opsmaturity org list`)")
    assert_one_line_error(run(db, "remove", "nobody"),
                          "error: no user 'nobody' (see `opsmaturity user list`)")
    oidc = run(db, "add", "kim@acme.example", "--role", "facilitator", "--org", "Acme",
               "--no-password")
    assert oidc.exit_code == 0
    assert "OpenID Connect only" in run(db, "list").stdout
