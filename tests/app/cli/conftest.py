"""What the CLI tests that work on a store share."""

from __future__ import annotations

import pytest


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    """A fresh SQLite store for `--db`; the default data folder and $OPSMATURITY_DATABASE_URL
    kept out of the way."""
    monkeypatch.delenv("OPSMATURITY_DATABASE_URL", raising=False)
    monkeypatch.setenv("OPSMATURITY_DATA_DIR", str(tmp_path / "default-data"))
    return f"sqlite:///{tmp_path / 'store.db'}"
