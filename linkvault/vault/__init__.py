"""Store: the vault (SQLite beside the WARC files): its schema and migrations (`schema`), who may use it and when
(`lock`), every query (`store`; `copies` for the web archives' tables of version 8, `copies_schema`), and the
custody log (`custody`).

Opening a vault to read it never migrates or writes; only a verb that writes opens it for writing, under its lock.
"""

from __future__ import annotations

from linkvault.vault.lock import VaultLock, custody_lock, lock_wait
from linkvault.vault.schema import METADATA, SCHEMA_VERSION
from linkvault.vault.store import Vault, now_iso

__all__ = ["METADATA", "SCHEMA_VERSION", "Vault", "VaultLock", "custody_lock", "lock_wait", "now_iso"]
