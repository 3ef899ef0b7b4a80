"""What every part of the store shares: the one connection, its lock and the write transaction."""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from sqlite_utils import Database

from monitor.config import StoriesConfig
from monitor.errors import StoreError, StoreUnusable

BUSY_TIMEOUT_S = 30.0

S = TypeVar("S", bound="Base")
T = TypeVar("T")
P = ParamSpec("P")

_ENVIRONMENT_FAULTS = ("file is not a database", "malformed", "corrupt", "readonly", "unable to open",
                       "disk I/O", "database or disk is full")


def environment_fault(error: sqlite3.DatabaseError) -> bool:
    """The file or the disk is at fault, not a query (a bug) or a lock held too long."""
    return any(text in str(error) for text in _ENVIRONMENT_FAULTS)


def unusable(path: Path, error: sqlite3.DatabaseError) -> StoreUnusable:
    """SQLite's complaint about ``path`` as one line: what is wrong and what to do."""
    text = str(error)
    if "file is not a database" in text:
        return StoreUnusable(f"{path}: not an SQLite database — check that --db / MONITOR_DB names the "
                             "monitor store, or restore the store from a backup")
    if "malformed" in text or "corrupt" in text:
        return StoreUnusable(f"{path}: the store is corrupt ({text}) — check it with "
                             f"`sqlite3 {path} 'PRAGMA integrity_check'` and restore it from a backup")
    if any(fault in text for fault in ("readonly", "unable to open", "disk I/O", "full")):
        return StoreUnusable(f"{path}: cannot open the store for writing ({text}) — check that the path is "
                             "a file in an existing folder, that this user may write to both, and the free space")
    return StoreUnusable(f"{path}: the store cannot be used ({text}) — check the path, or restore it from a backup")


def locked(method: Callable[Concatenate[S, P], T]) -> Callable[Concatenate[S, P], T]:
    """Reads take the store's lock too: threads share one connection, and a read must not
    run inside another thread's open write transaction (it would see uncommitted rows)."""

    @functools.wraps(method)
    def wrapper(self: S, *args: P.args, **kwargs: P.kwargs) -> T:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


class Base:
    """One SQLite connection shared by threads; one writer at a time (``_lock``)."""

    path: Path
    db: Database
    stories_config: StoriesConfig
    _lock: threading.RLock

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One ``BEGIN IMMEDIATE`` transaction; nested calls become savepoints."""
        with self._lock:
            if self.db.conn.in_transaction:
                with self.db.atomic():
                    yield
                return
            try:
                self.db.execute("BEGIN IMMEDIATE")
                yield
                self.db.execute("COMMIT")
            except BaseException as error:
                self.db.rollback()
                if isinstance(error, sqlite3.DatabaseError) and environment_fault(error):
                    raise unusable(self.path, error) from error  # corrupt, read-only, disk full
                if isinstance(error, sqlite3.OperationalError):
                    raise StoreError(f"{self.path}: {error}") from error
                raise
