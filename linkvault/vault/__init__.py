"""Store: the vault (SQLite beside the WARC files), its schema, migrations and every query, and the custody log.

Opening a vault to read it never migrates or writes; only capture opens it for writing.
"""

from __future__ import annotations

from linkvault.vault.store import METADATA, SCHEMA_VERSION, Vault, VaultLock, custody_lock, lock_wait, now_iso

__all__ = ["METADATA", "SCHEMA_VERSION", "Vault", "VaultLock", "custody_lock", "lock_wait", "now_iso"]
