from __future__ import annotations

import pytest

from .cluster import PgCluster


@pytest.fixture(scope="module")
def cluster():
    """A primary streaming to a standby, archiving into pgBackRest, with one full backup."""
    c = PgCluster()
    try:
        c.start()
        c.pgbackrest("stanza-create")
        c.pgbackrest("--type=full", "backup")
        yield c
    finally:
        c.stop()
