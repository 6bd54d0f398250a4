"""The assessment store: SQLite by default, PostgreSQL by URL, migrated on open."""

from .bundle import export_bundle, import_bundle, read_bundle
from .db import ENV_DATA_DIR, ENV_URL, StoreError, database_url, default_data_dir
from .scope import Scope
from .store import Store

__all__ = ["ENV_DATA_DIR", "ENV_URL", "Scope", "Store", "StoreError", "database_url",
           "default_data_dir", "export_bundle", "import_bundle", "read_bundle"]
