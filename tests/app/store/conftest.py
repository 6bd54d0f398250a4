from __future__ import annotations

import itertools

import pytest

from opsmaturity.app.store import Store
from opsmaturity.scoring.catalogue import load_catalogue

from .pg import PostgresServer

_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server():
    server = PostgresServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """A fresh, empty database URL: every store test runs on both databases."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("pg_server").create_database(f"t{next(_names)}")


@pytest.fixture
def store(store_url):
    s = Store.open(store_url)
    yield s
    s.close()


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue()
