"""The `postgres` collector: readiness of a PostgreSQL cluster (topology, replication slots,
WAL archiving, backups, failover, upgrades), read-only. Definitions: docs/postgres-evidence.md.
"""
