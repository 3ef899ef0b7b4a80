"""Digests: what is new since the last reviewed digest, and the record of each review."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from monitor.models import iso

from .items import ItemsPart
from .rows import DigestRow, ItemRow, OutletActivity


class DigestsPart(ItemsPart):
    """What a digest reads, and the record of reviewed digests."""

    def max_seq(self) -> int:
        """The newest item's ``seq``; -1 for an empty store. Digests stop here."""
        return self.db.execute("SELECT COALESCE(MAX(seq), -1) FROM items").fetchone()[0]

    def digest_items(
        self, *, after_seq: int, upto_seq: int, since: datetime | None = None, band: str = "relevant"
    ) -> list[ItemRow]:
        """Items of a relevance band with ``after_seq < seq <= upto_seq`` (first seen on or after ``since``).

        ``seq`` is assigned inside the write transaction, so unlike a timestamp it
        cannot let an item committed late slip behind a digest's watermark.
        """
        where = "band = ? AND seq > ? AND seq <= ?"
        params: list[Any] = [band, after_seq, upto_seq]
        if since is not None:
            where += " AND first_seen >= ?"
            params.append(iso(since))
        return list(self.items(where, params, order_by="COALESCE(published, first_seen) DESC, seq DESC"))

    def urls_by_item(self, item_ids: Sequence[str]) -> dict[str, list[str]]:
        """Every URL each item was seen at, oldest sighting first."""
        found: dict[str, list[str]] = {item_id: [] for item_id in item_ids}
        marks = ", ".join("?" * len(item_ids))
        sql = f"SELECT item_id, url FROM item_urls WHERE item_id IN ({marks}) ORDER BY first_seen, url"
        for item_id, url in self.db.execute(sql, list(item_ids)).fetchall():
            found[item_id].append(url)
        return found

    def last_digest(self) -> DigestRow | None:
        """The newest reviewed digest, or None before the first."""
        row = next(iter(self.db.query("SELECT * FROM digests ORDER BY id DESC LIMIT 1")), None)
        return cast(DigestRow, row) if row is not None else None

    def record_digest(
        self, *, created: datetime, since: datetime | None, until: datetime, last_seq: int, items: int, format: str
    ) -> int:
        row = {"created": iso(created), "since": iso(since), "until": iso(until), "last_seq": last_seq}
        row |= {"items": items, "format": format}
        sql = f"INSERT INTO digests ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})"
        with self._write():
            digest_id = self.db.execute(sql, list(row.values())).lastrowid
        assert digest_id is not None
        return digest_id

    def outlet_activity(self) -> dict[str, OutletActivity]:
        """Per outlet: when its newest item was first seen and when it was first polled."""
        newest = dict(self.db.execute("SELECT outlet, MAX(first_seen) FROM items GROUP BY outlet").fetchall())
        polled = dict(self.db.execute("SELECT outlet, MIN(started) FROM runs GROUP BY outlet").fetchall())
        return {
            outlet: OutletActivity(last_new=newest.get(outlet), first_run=polled.get(outlet))
            for outlet in sorted(set(newest) | set(polled))
        }
