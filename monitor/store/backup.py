"""A consistent copy of the store while others write to it (``monitor backup``)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from monitor.errors import NoStore, StoreError

from .base import BUSY_TIMEOUT_S


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    items: int
    size: int  # bytes
    integrity: str  # PRAGMA integrity_check of the copy: "ok"


def backup(source: Path, target: Path) -> Backup:
    """A consistent copy of the store at ``source`` in ``target``, safe while a poll or the daemon writes.

    ``VACUUM INTO`` reads one snapshot (a WAL read transaction: writers go on, the copy holds
    every item committed before it began and nothing half-written) into a compact file without
    a WAL. It is written beside ``target`` and renamed over it only after its integrity check
    passes, so a failed or killed backup never leaves a broken file in place. The store is not
    migrated: a backup taken before an upgrade is the old store as it was.
    """
    if not source.is_file():
        raise NoStore(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    conn = sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)  # only reads: VACUUM INTO writes the copy alone
    try:
        conn.execute("VACUUM INTO ?", [str(partial)])
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"{source}: backup to {target} failed: {exc}") from exc
    finally:
        conn.close()
    copy = sqlite3.connect(partial)
    try:
        integrity = copy.execute("PRAGMA integrity_check").fetchone()[0]
        has_items = copy.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'items'").fetchone()
        items = copy.execute("SELECT COUNT(*) FROM items").fetchone()[0] if has_items else 0
    finally:
        copy.close()
    if integrity != "ok":
        partial.unlink(missing_ok=True)
        raise StoreError(f"{source}: the backup copy failed its integrity check ({integrity}); {target} left as it was")
    partial.replace(target)
    return Backup(path=target, items=items, size=target.stat().st_size, integrity=integrity)
