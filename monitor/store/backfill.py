"""Archive walks: the store is the cursor of ``monitor backfill`` (steps and months walked), and
the monthly timeline the report draws.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from monitor.models import iso

from .base import locked
from .rows import BackfillMonthRow, BackfillStepRow, TimelineRow
from .items import ItemsPart


class BackfillPart(ItemsPart):
    """Which archive pages were walked and what they found; the monthly timeline."""

    @locked
    def backfill_step(self, outlet: str, url: str) -> BackfillStepRow | None:
        """The recorded archive page (its status and the links it listed), or None if never walked."""
        row = next(iter(self.db.query("SELECT * FROM backfill_steps WHERE outlet = ? AND url = ?", [outlet, url])), None)
        if row is None:
            return None
        row["found"] = json.loads(row["found"] or "[]")
        return cast(BackfillStepRow, row)

    def list_backfill_step(self, *, outlet: str, source: str, url: str, month: str | None, found: list[Any],
                           oldest: str | None, now: datetime) -> None:
        """Keep what an archive page listed before its articles are fetched: the resume point."""
        sql = (
            "INSERT INTO backfill_steps (outlet, source, url, month, status, found, links, oldest, updated)"
            " VALUES (?, ?, ?, ?, 'listed', ?, ?, ?, ?) ON CONFLICT(outlet, url) DO UPDATE SET status = 'listed',"
            " found = excluded.found, links = excluded.links, oldest = excluded.oldest, error = NULL,"
            " updated = excluded.updated"
        )
        with self._write():
            self.db.execute(sql, [outlet, source, url, month, json.dumps(found, ensure_ascii=False), len(found), oldest,
                                  iso(now)])

    def finish_backfill_step(self, *, outlet: str, source: str, url: str, month: str | None, status: str,
                             new: int = 0, failed: int = 0, error: str | None = None,
                             months: dict[str, int] | None = None, now: datetime) -> None:
        """Mark an archive page done (or failed) and add what it showed to each month's coverage.

        ``months`` maps YYYY-MM to the article links the page listed for that month (0 for a
        month it covered and found empty); a failed page counts a failure against ``month``.
        """
        stamp = iso(now)
        step_sql = (
            "INSERT INTO backfill_steps (outlet, source, url, month, status, new, failed, error, updated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(outlet, url) DO UPDATE SET status = excluded.status,"
            " new = excluded.new, failed = excluded.failed, error = excluded.error, updated = excluded.updated"
        )
        month_sql = (
            "INSERT INTO backfill_months (outlet, month, walked, links, failures, updated) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(outlet, month) DO UPDATE SET walked = MAX(walked, excluded.walked),"
            " links = links + excluded.links, failures = failures + excluded.failures, updated = excluded.updated"
        )
        with self._write():
            self.db.execute(step_sql, [outlet, source, url, month, status, new, failed, error, stamp])
            for name, links in (months or {}).items():
                self.db.execute(month_sql, [outlet, name, 1, links, 0, stamp])
            if status == "failed" and month is not None:
                self.db.execute(month_sql, [outlet, month, 0, 0, 1, stamp])

    @locked
    def backfill_months(self, outlets: Sequence[str] = ()) -> list[BackfillMonthRow]:
        """Month coverage rows (outlet, month, walked, links, failures)."""
        where = f"WHERE outlet IN ({', '.join('?' * len(outlets))})" if outlets else ""
        rows = self.db.query(f"SELECT * FROM backfill_months {where} ORDER BY outlet, month", list(outlets))
        return [cast(BackfillMonthRow, row) for row in rows]

    @locked
    def timeline(self, since: str) -> list[TimelineRow]:
        """Relevant items per outlet and month since YYYY-MM, gaps marked: the ``timeline`` canned query.

        The SQL is read from the Datasette metadata, so ``monitor report`` and Datasette show one series.
        """
        metadata = Path(__file__).parent.parent / "datasette" / "metadata.json"  # what monitor serve gives Datasette
        sql = json.loads(metadata.read_text(encoding="utf-8"))["databases"]["monitor"]["queries"]["timeline"]["sql"]
        return [cast(TimelineRow, row) for row in self.db.query(sql, {"since": since})]

    @locked
    def published_month(self, url: str) -> str | None:
        """YYYY-MM the stored item at ``url`` was published (else first seen), or None."""
        item = self.find_by_url(url)
        stamp = (item.get("published") or item.get("first_seen")) if item else None
        return stamp[:7] if stamp else None
