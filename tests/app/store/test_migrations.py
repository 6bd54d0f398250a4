"""A database made by an older version opens with the new one, data intact."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from opsmaturity.app.store import Store, StoreError
from opsmaturity.app.store.db import current_revision, head_revision, make_engine, migrate
from opsmaturity.app.store.tables import Base


def test_empty_database_is_migrated_to_head(store_url):
    store = Store.open(store_url)
    assert current_revision(store.engine) == head_revision()
    tables = set(inspect(store.engine).get_table_names())
    assert {"organisations", "teams", "assessments", "participants", "answers",
            "evidence_sets", "snapshots", "workshop_sessions", "consensus"} <= tables
    store.close()
    Store.open(store_url).close()  # opening again is a no-op, not an error


def test_models_match_the_newest_migration(store_url):
    """The ORM classes and the migrations describe the same schema (no drift)."""
    store = Store.open(store_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    store.close()


def test_populated_older_database_opens_with_new_version(store_url, catalogue):
    engine = make_engine(store_url)
    migrate(engine, "0001")  # the first release's schema
    assert current_revision(engine) == "0001"
    assert "workshop_sessions" not in inspect(engine).get_table_names()
    when = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    with engine.begin() as conn:  # written the way version 0001 wrote it
        conn.execute(text("INSERT INTO organisations (id, name, created_at) "
                          "VALUES (1, 'Old Org', :t)"), {"t": when})
        conn.execute(text("INSERT INTO teams (id, organisation_id, name, created_at) "
                          "VALUES (1, 1, 'Old Team', :t)"), {"t": when})
        conn.execute(text("INSERT INTO assessments (id, team_id, title, date, catalogue_version,"
                          " state, created_at) VALUES (1, 1, '', :d, :v, 'draft', :t)"),
                     {"d": date(2026, 5, 1), "v": catalogue.version, "t": when})
        conn.execute(text("INSERT INTO participants (id, assessment_id, name, role, created_at) "
                          "VALUES (1, 1, NULL, 'ops', :t)"), {"t": when})
        conn.execute(text("INSERT INTO answers (participant_id, question_id, value_json, "
                          "comment, answered_at) VALUES (1, 'deployment_frequency', :v, "
                          "'kept', :t)"), {"v": json.dumps("from_1_to_3"), "t": when})
        if conn.dialect.name == "postgresql":  # explicit ids leave the sequences behind
            for table in ("organisations", "teams", "assessments", "participants"):
                conn.execute(text(f"SELECT setval('{table}_id_seq', 1)"))
    engine.dispose()

    store = Store.open(store_url)  # the new version migrates on open
    assert current_revision(store.engine) == head_revision()
    [answer] = store.answers(1)
    assert (answer.participant, answer.role, answer.value, answer.comment) == (
        "P1", "ops", "from_1_to_3", "kept")
    assert answer.answered_at == when
    assert store.open_workshop(1).assessment_id == 1  # a feature of the newer schema
    assert store.create_team("Old Org", "New Team").id == 2
    store.close()


def test_database_from_a_newer_version_is_refused_clearly(store_url):
    store = Store.open(store_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    with pytest.raises(StoreError, match="upgrade opsmaturity"):
        Store.open(store_url)


def test_unreachable_database_names_it_without_password():
    with pytest.raises(StoreError) as info:
        Store.open("postgresql://alice:s3cret-pw@127.0.0.1:1/nowhere")
    message = str(info.value)
    assert "cannot open the store" in message and "127.0.0.1:1/nowhere" in message
    assert "s3cret-pw" not in message


def test_not_a_url_is_a_clear_error():
    with pytest.raises(StoreError, match="not a database URL"):
        Store.open("no-scheme-here")


def test_migrations_form_one_line_with_one_head():
    """Branches that each added a revision must be rechained when merged: one head only."""
    from alembic.script import ScriptDirectory

    from opsmaturity.app.store.db import _alembic_config

    script = ScriptDirectory.from_config(_alembic_config())
    assert script.get_heads() == [head_revision()]
    chain = [rev.revision for rev in script.walk_revisions()]
    assert chain == ["0005", "0004", "0003", "0002", "0001"]


def test_the_plan_and_workshop_migrations_go_down_and_up_again(store_url):
    """0004 (the plan) sits on 0003 (accounts), 0005 (workshops that run themselves) on 0004:
    undoing both leaves the accounts' schema, and applying them again restores the plan
    table and the workshop columns."""
    from alembic import command

    from opsmaturity.app.store.db import _alembic_config

    engine = make_engine(store_url)
    migrate(engine)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
        tables = set(inspect(conn).get_table_names())
        assert "plan_items" not in tables and "users" in tables
        assert "join_key" not in {c["name"] for c in inspect(conn).get_columns("participants")}
        command.upgrade(cfg, "head")
    assert current_revision(engine) == head_revision() == "0005"
    assert {"plan_items", "users"} <= set(inspect(engine).get_table_names())
    assert {"join_key", "removed_at"} <= {
        c["name"] for c in inspect(engine).get_columns("participants")}
    engine.dispose()
