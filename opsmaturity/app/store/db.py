"""Where the store lives and how we talk to it.

SQLite by default (one file, nothing to install), PostgreSQL when
`OPSMATURITY_DATABASE_URL` says so. SQLite runs in WAL mode with foreign keys on, and
every write transaction starts with BEGIN IMMEDIATE: 30 workshop participants saving at
once then queue for the write lock instead of failing with "database is locked".
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError

from opsmaturity.core.messages import text as _msg

ENV_URL = "OPSMATURITY_DATABASE_URL"
ENV_DATA_DIR = "OPSMATURITY_DATA_DIR"
MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 60_000
READ_OPTION = "opsmaturity_read_only"
"""Execution option marking a read-only transaction (SQLite then begins DEFERRED)."""


class StoreError(Exception):
    """A store problem the user can act on (bad URL, unreachable server, unknown id)."""


def default_data_dir() -> Path:
    """$OPSMATURITY_DATA_DIR, else $XDG_DATA_HOME/opsmaturity, else ~/.local/share/opsmaturity."""
    if os.environ.get(ENV_DATA_DIR):
        return Path(os.environ[ENV_DATA_DIR])
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "opsmaturity"


def database_url(url: str | None = None) -> str:
    """The URL given, else $OPSMATURITY_DATABASE_URL, else the default SQLite file."""
    url = url or os.environ.get(ENV_URL)
    if url:
        return url
    return f"sqlite:///{default_data_dir() / 'opsmaturity.db'}"


def shown_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(_msg("store.not_a_url", url=repr(shown_url(url)))) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")  # the driver we ship
    if parsed.get_backend_name() == "sqlite":
        read_only = False
        if parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database).expanduser()
            _sqlite_directory(path)
            read_only = _read_only(path)
            if read_only:  # reading needs no write access: open it read-only, as a URI
                query = {**parsed.query, "mode": "ro", "uri": "true"}
                if not os.access(path.parent, os.W_OK) and not any(
                        path.with_name(path.name + end).exists() for end in ("-wal", "-shm")):
                    query["immutable"] = "1"  # no WAL to read, and none can be started
                parsed = parsed.set(database=f"file:{path.resolve()}", query=query)
        engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _sqlite_pragmas(engine, read_only)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=30)
    raise StoreError(_msg("store.unsupported_database", name=repr(parsed.get_backend_name())))


def _sqlite_directory(path: Path) -> None:
    """Create the store file's directory; a file in its place is a StoreError."""
    for parent in [path.parent, *path.parent.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise StoreError(_msg("store.parent_is_file", path=path, parent=parent))
            break
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(_msg("store.cannot_create_directory", path=path.parent,
                              reason=exc.strerror or exc)) from None


def _read_only(path: Path) -> bool:
    """An existing store file we may read but not write (or in a directory we may not
    write: SQLite's WAL needs its -wal and -shm files beside it)."""
    if not path.is_file() or not os.access(path, os.R_OK):
        return False
    return not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK)


def is_read_only(engine: Engine) -> bool:
    return engine.url.query.get("mode") == "ro"


def _sqlite_pragmas(engine: Engine, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        if read_only:
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.close()
            return
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        read = read_only or conn.get_execution_options().get(READ_OPTION, False)
        conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine, target: str = "head") -> None:
    """Bring the schema to `target`; safe when several processes open the store at once.

    A file that is not an SQLite database, is damaged, or is some other program's database
    is refused before anything is written; a read-only store is only checked."""
    cfg = _alembic_config()
    _check_is_store(engine)
    if is_read_only(engine):
        current = current_revision_or_fail(engine)
        if current != head_revision() and target == "head":
            raise StoreError(_msg("store.read_only_upgrade", url=shown_url(str(engine.url))))
        return
    try:
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # SQLite alters a table by copying and dropping it; with foreign keys on, the
                # drop would cascade into every child row. Off for the migration only (the
                # pragma is ignored inside a transaction, hence the driver connection).
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            try:
                with conn.begin():
                    if conn.dialect.name == "postgresql":
                        conn.execute(text("SELECT pg_advisory_xact_lock(7403591)"))
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, target)
                    if sqlite:
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise StoreError(_msg("store.dangling", n=len(broken)))
            finally:
                if sqlite:
                    conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
    except CommandError as exc:
        raise StoreError(_msg("store.unknown_revisions", url=shown_url(str(engine.url)),
                              problem=exc)
                         ) from None
    except OperationalError as exc:
        raise StoreError(_msg("store.cannot_open_at", url=shown_url(str(engine.url)),
                              problem=str(exc.orig).strip().splitlines()[0])) from None
    except DatabaseError as exc:
        raise _not_a_store(engine, exc) from None


def store_file(engine: Engine) -> str:
    """The SQLite file of a store (as the user named it), else its shown URL."""
    database = engine.url.database or ""
    if engine.url.get_backend_name() == "sqlite" and database not in ("", ":memory:"):
        return database.removeprefix("file:")
    return shown_url(str(engine.url))


def _not_a_store(engine: Engine, exc: DatabaseError) -> StoreError:
    why = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return StoreError(_msg("store.not_sqlite", path=store_file(engine), problem=why))


def current_revision_or_fail(engine: Engine) -> str | None:
    try:
        return current_revision(engine)
    except OperationalError as exc:
        raise StoreError(_msg("store.cannot_open_at", url=shown_url(str(engine.url)),
                              problem=str(exc.orig).strip().splitlines()[0])) from None
    except DatabaseError as exc:
        raise _not_a_store(engine, exc) from None


def _check_is_store(engine: Engine) -> None:
    """Refuse a damaged database, or one holding tables but none of ours, before anything
    writes to it (read through a read-only connection of its own: opening it the usual way
    would already switch it to WAL)."""
    if engine.url.get_backend_name() != "sqlite":
        return
    path = Path(store_file(engine))
    if not path.is_file() or path.stat().st_size == 0:
        return  # a new store
    # Without a -wal file no one is writing: read the file as it is, creating nothing
    # beside it (-shm); with one, read it as SQLite readers do.
    live = path.with_name(path.name + "-wal").exists()
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro"
                               f"{'' if live else '&immutable=1'}", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(_msg("store.cannot_open", path=path, problem=exc)) from None
    try:
        tables = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        check = [tuple(r) for r in conn.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        raise StoreError(_msg("store.not_sqlite", path=path, problem=str(exc).strip())) from None
    finally:
        conn.close()
    if check != [("ok",)]:
        raise StoreError(_msg("store.damaged_unchanged", path=path,
                              problem=check[0][0] if check else _msg("store.no_check_result")))
    if tables and "alembic_version" not in tables:
        raise StoreError(_msg("store.other_tables", path=path,
                              tables=", ".join(sorted(tables)[:3])))
