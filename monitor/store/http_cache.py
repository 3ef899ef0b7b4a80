"""HTTP validators per URL, kept in the store so conditional requests survive restarts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from monitor.models import iso, parse_iso

from .base import Base

if TYPE_CHECKING:
    from monitor.fetch import StoredRobots, Validators


class HttpCache:
    """HTTP validators per URL (``monitor.fetch.ValidatorCache`` on the store)."""

    _COLUMNS = ("etag", "last_modified", "body_hash", "checked_at", "unconditional_at")

    def __init__(self, store: Base) -> None:
        self._store = store

    def get(self, url: str) -> Validators | None:
        from monitor.fetch import (
            Validators,  # fetch imports nothing from here; keep it that way
        )

        sql = f"SELECT {', '.join(self._COLUMNS)} FROM http_cache WHERE url = ?"
        with self._store._lock:  # the fetcher calls from several threads
            row = self._store.db.execute(sql, [url]).fetchone()
        if row is None:
            return None
        values = dict(zip(self._COLUMNS, row))
        for name in ("checked_at", "unconditional_at"):
            values[name] = parse_iso(values[name])
        return Validators(**values)

    def put(self, url: str, validators: Validators) -> None:
        """Always overwrite: stale validators are how readers miss edits (FIELD_NOTES 7)."""
        _upsert(self._store, "http_cache", "url", url, self._COLUMNS, validators)


class RobotsTxt:
    """Each host's last robots.txt (``monitor.fetch.RobotsStore`` on the store, table ``robots_txt``)."""

    _COLUMNS = ("status", "body", "etag", "last_modified", "checked_at", "expires")

    def __init__(self, store: Base) -> None:
        self._store = store

    def get(self, host: str) -> StoredRobots | None:
        from monitor.fetch import StoredRobots

        sql = f"SELECT {', '.join(self._COLUMNS)} FROM robots_txt WHERE host = ?"
        with self._store._lock:
            row = self._store.db.execute(sql, [host]).fetchone()
        if row is None:
            return None
        values = dict(zip(self._COLUMNS, row))
        checked, expires = parse_iso(values.pop("checked_at")), parse_iso(values.pop("expires"))
        assert checked is not None and expires is not None  # NOT NULL columns
        return StoredRobots(**values, checked_at=checked, expires=expires)

    def put(self, host: str, robots: StoredRobots) -> None:
        _upsert(self._store, "robots_txt", "host", host, self._COLUMNS, robots)


def _upsert(store: Base, table: str, key: str, value: str, columns: tuple[str, ...], record: object) -> None:
    """One row per key, always overwritten with the record's columns (datetimes as ISO text)."""
    values = [getattr(record, name) for name in columns]
    values = [iso(v) if isinstance(v, datetime) else v for v in values]
    updates = ", ".join(f"{name} = excluded.{name}" for name in columns)
    marks = ", ".join("?" * (len(columns) + 1))
    sql = (f"INSERT INTO {table} ({key}, {', '.join(columns)}) VALUES ({marks})"
           f" ON CONFLICT({key}) DO UPDATE SET {updates}")
    with store._write():
        store.db.execute(sql, [value, *values])
