"""Runs: each outlet's run log, failures and health; the daemon's heartbeat and published schedule."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from monitor.models import Failure, OutletRun, iso

from .base import locked
from .items import ItemsPart
from .rows import DaemonRow, FailureCountRow, FailureRow, OutletStatusRow, RunRow, ScheduleRow


class RunsPart(ItemsPart):
    """The run log, failures and outlet health; the daemon's heartbeat and schedule."""

    # A run's row is written when it starts ('running', with the pid) and finished as
    # ok / failing / interrupted, so a killed run still shows (monitor.status tells a
    # 'running' row whose process is gone from one still going).

    def record_run(self, run: OutletRun) -> int:
        """Record a whole run at once (a run that was never begun, e.g. imported history)."""
        row = _run_columns(run)
        sql = f"INSERT INTO runs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})"
        with self._write():
            run_id = self.db.execute(sql, list(row.values())).lastrowid
            assert run_id is not None
            self._put_failures(run_id, run.outlet, run.failures, run.finished)
        return run_id

    def begin_run(self, outlet: str, *, started: datetime, catch_up: bool, pid: int) -> int:
        """A 'running' row for a run starting now. Older 'running' rows of the outlet were
        left by a process that died: one outlet's runs never overlap (monitor.lock)."""
        with self._write():
            self.db.execute(
                "UPDATE runs SET status = 'interrupted', error = COALESCE(error, 'interrupted (process gone)')"
                " WHERE outlet = ? AND status = 'running'", [outlet])
            run_id = self.db.execute(
                "INSERT INTO runs (outlet, started, status, catch_up, pid) VALUES (?, ?, 'running', ?, ?)",
                [outlet, iso(started), int(catch_up), pid]).lastrowid
        assert run_id is not None
        return run_id

    def finish_run(self, run_id: int, run: OutletRun, *, unsaved: Sequence[Failure] = ()) -> None:
        """Write a begun run's outcome, and its failures not yet added, in one transaction."""
        row = _run_columns(run)
        sets = ", ".join(f"{name} = ?" for name in row)
        with self._write():
            self.db.execute(f"UPDATE runs SET {sets} WHERE id = ?", [*row.values(), run_id])
            self._put_failures(run_id, run.outlet, unsaved, run.finished)

    def add_failures(self, run_id: int, outlet: str, failures: Sequence[Failure], *, at: datetime) -> None:
        """File failures while the run goes on, so a run killed later still shows what failed."""
        if failures:
            with self._write():
                self._put_failures(run_id, outlet, failures, at)

    def abandon_runs(self, pid: int, *, now: datetime, why: str) -> int:
        """Mark this process's unfinished runs interrupted (a stop that could not wait for them)."""
        with self._write():
            return self.db.execute(
                "UPDATE runs SET status = 'interrupted', finished = ?, error = ? WHERE pid = ? AND status = 'running'",
                [iso(now), why, pid]).rowcount

    def _put_failures(self, run_id: int, outlet: str, failures: Sequence[Failure], at: datetime) -> None:
        stamp = iso(at)
        self.db.conn.executemany(
            'INSERT INTO failures (run_id, outlet, at, url, "class", message, source) VALUES (?, ?, ?, ?, ?, ?, ?)',
            [(run_id, outlet, stamp, f.url, f.kind, f.message, f.source) for f in failures],
        )

    @locked
    def runs(self, outlet: str | None = None, limit: int = 50) -> list[RunRow]:
        """Recent runs, newest first."""
        where, params = ("WHERE outlet = ?", [outlet]) if outlet else ("", [])
        sql = f"SELECT * FROM runs {where} ORDER BY id DESC LIMIT ?"
        return [cast(RunRow, row) for row in self.db.query(sql, [*params, limit])]

    @locked
    def failures(self, outlet: str, limit: int = 20) -> list[FailureRow]:
        """The outlet's latest failures, newest first."""
        sql = ('SELECT id, run_id, at, url, "class", message, source FROM failures WHERE outlet = ?'
               " ORDER BY id DESC LIMIT ?")
        return [cast(FailureRow, row) for row in self.db.query(sql, [outlet, limit])]

    @locked
    def failure_counts(self, run_id: int) -> list[FailureCountRow]:
        """One run's failures by class: count and first URL, most frequent first."""
        sql = ('SELECT "class", COUNT(*) AS count, MIN(id) AS first_id FROM failures WHERE run_id = ?'
               ' GROUP BY "class" ORDER BY count DESC, "class"')
        rows = list(self.db.query(sql, [run_id]))
        for row in rows:
            row["first_url"] = self.db.execute("SELECT url FROM failures WHERE id = ?", [row.pop("first_id")]).fetchone()[0]
        return [cast(FailureCountRow, row) for row in rows]

    @locked
    def last_completed_run(self) -> str | None:
        """When the newest run that got to its end (ok or failing) finished."""
        return self.db.execute("SELECT MAX(finished) FROM runs WHERE status IN ('ok', 'failing')").fetchone()[0]

    @locked
    def outlet_status(self) -> list[OutletStatusRow]:
        """Per outlet: items, relevant, last run, last success, last error, failing streak."""
        counts = self.counts_by_outlet()
        outlets = {row[0] for row in self.db.execute("SELECT DISTINCT outlet FROM runs")}
        return [self._status_of(name, counts.get(name, {})) for name in sorted(outlets | set(counts))]

    def _status_of(self, outlet: str, counts: dict[str, int]) -> OutletStatusRow:
        newest = "SELECT id, finished, status, error, pid, started, degraded FROM runs WHERE outlet = ? {} ORDER BY id DESC LIMIT 1"
        last = self.db.execute(newest.format(""), [outlet]).fetchone()
        ok = self.db.execute(newest.format("AND status = 'ok'"), [outlet]).fetchone()
        failed = self.db.execute(newest.format("AND status = 'failing'"), [outlet]).fetchone()
        streak_sql = "SELECT COUNT(*) FROM runs WHERE outlet = ? AND id > ? AND status = 'failing'"
        streak = self.db.execute(streak_sql, [outlet, ok[0] if ok else 0]).fetchone()[0]
        return {  # an OutletStatusRow
            "outlet": outlet,
            "items": counts.get("items", 0),
            "relevant": counts.get("relevant", 0),
            "last_run": (last[1] or last[5]) if last else None,
            "last_status": last[2] if last else None,
            "last_run_error": last[3] if last else None,
            "last_run_pid": last[4] if last else None,
            "last_success": ok[1] if ok else None,
            "last_error": failed[3] if failed else None,
            "last_error_at": failed[1] if failed else None,
            "failing_streak": streak,
            "degraded": last[6] if last else None,
        }

    def daemon_beat(self, pid: int, *, now: datetime, started: datetime | None = None, cycle: bool = False) -> None:
        """The daemon is alive (and, with ``cycle``, has just completed an outlet's run)."""
        sql = (
            "INSERT INTO daemons (pid, started, heartbeat, last_cycle) VALUES (?, ?, ?, ?) ON CONFLICT(pid)"
            " DO UPDATE SET heartbeat = excluded.heartbeat, last_cycle = COALESCE(excluded.last_cycle, last_cycle)"
        )
        with self._write():
            self.db.execute(sql, [pid, iso(started or now), iso(now), iso(now) if cycle else None])

    def daemon_gone(self, pid: int) -> None:
        """A daemon stopping cleanly withdraws its heartbeat (a killed one leaves it to go stale)."""
        with self._write():
            self.db.execute("DELETE FROM daemons WHERE pid = ?", [pid])

    @locked
    def daemons(self) -> list[DaemonRow]:
        return [cast(DaemonRow, row) for row in self.db.query("SELECT * FROM daemons ORDER BY heartbeat DESC")]

    def set_next_run(self, outlet: str, next_run: datetime | None, *, interval: float | None,
                     catch_up: bool, pid: int, now: datetime) -> None:
        """Publish when the daemon will next poll ``outlet`` (None: not scheduled)."""
        sql = (
            "INSERT INTO schedule (outlet, next_run, interval, catch_up, pid, updated) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(outlet) DO UPDATE SET next_run = excluded.next_run, interval = excluded.interval,"
            " catch_up = excluded.catch_up, pid = excluded.pid, updated = excluded.updated"
        )
        with self._write():
            self.db.execute(sql, [outlet, iso(next_run), interval, int(catch_up), pid, iso(now)])

    def clear_schedule(self, pid: int) -> None:
        """A daemon stopping cleanly withdraws its next runs (a killed one leaves them, overdue)."""
        with self._write():
            self.db.execute("DELETE FROM schedule WHERE pid = ?", [pid])

    def next_runs(self) -> dict[str, ScheduleRow]:
        """outlet -> {next_run, interval, catch_up, pid, updated}, as the daemon last wrote it."""
        with self._lock:  # the daemon's job threads write through this connection
            rows = list(self.db.query("SELECT * FROM schedule WHERE next_run IS NOT NULL"))
        return {row.pop("outlet"): cast(ScheduleRow, row) for row in rows}


def _run_columns(run: OutletRun) -> dict[str, Any]:
    row = {name: getattr(run, name) for name in (
        "outlet", "status", "seen", "new", "updated", "relevant", "failed", "not_modified", "error", "degraded")}
    return row | {"started": iso(run.started), "finished": iso(run.finished), "feed_all_new": int(run.feed_all_new),
                  "catch_up": int(run.catch_up)}
