"""The daemon behind ``monitor run``. APScheduler 3.x, one job per enabled outlet.

Settings that APScheduler users trip over (FIELD_NOTES row 9, traps 4 and 5) are set
explicitly: ``coalesce=True`` (a backlog of missed runs is one run), ``max_instances=1``
(an outlet is never polled twice at once), ``misfire_grace_time`` of half the interval
(a late run still runs; a run later than that is *missed* and logged, never silent).
Jobs live in memory only -- one scheduler per store, taken with a daemon lock beside the
database -- and each run takes the outlet's flock (:mod:`monitor.lock`), so a cron
``monitor poll`` and the daemon never work one outlet at once: the daemon skips and
says who holds it.

Adaptive polling (FIELD_NOTES row 6): a run whose feed came back entirely unknown
(``OutletRun.feed_all_new``: the feed window overflowed) brings the next run forward to
the outlet's ``min_interval`` and makes it a catch-up run (listing/search pages walked to
``max_pages``); a run with nothing new stretches the interval by 1.5 up to
``max_interval``; anything else returns to the configured interval. Cron schedules keep
their times: only the catch-up run is brought forward.

SIGTERM/SIGINT set ``ctx.stop``: no new run starts, a run in progress stops after its
current article (each article is its own transaction) and is recorded 'interrupted', and
the process exits 0 within ``shutdown_timeout`` seconds.

The daemon writes a heartbeat (table ``daemons``) every ``HEARTBEAT`` seconds and after
each run; ``monitor status --max-age`` (the Docker HEALTHCHECK) exits 1 when it goes
stale or no run has completed in that time, so a crash-looping daemon is caught.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from collections import deque
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator, Sequence

from .config import OutletConfig, Schedule
from .errors import ConfigError
from .lock import LockBusy, lock_dir, outlet_lock
from .models import OutletRun
from .pipeline import PollContext, poll_outlet, summary_line

log = logging.getLogger(__name__)

BACKOFF = 1.5  # nothing new: the next interval is this much longer ...
DEFAULT_MIN_SHARE = 0.5  # ... bounded by min_interval (default: half the schedule)
DEFAULT_MAX_FACTOR = 4.0  # ... and max_interval (default: four times the schedule)
JITTER_SHARE = 0.1  # each run starts up to 10 % of the interval late ...
MAX_JITTER = 60.0  # ... but never more than a minute, so outlets sharing a schedule spread out
DAEMON_LOCK = "_daemon"  # not a valid outlet key, so it cannot clash with one
HEARTBEAT = 60.0  # seconds between the daemon's heartbeats in the store


# ---------------------------------------------------------------- adaptive cadence


def grace_for(seconds: float) -> int:
    """Half the interval: a late run still runs, one later than that is a logged misfire."""
    return max(1, int(seconds / 2))


def jitter_for(seconds: float) -> float:
    return min(seconds * JITTER_SHARE, MAX_JITTER)


@dataclass
class Cadence:
    """One outlet's current interval and whether its next run is a catch-up."""

    base: float  # seconds, from the configured schedule
    low: float
    high: float
    current: float
    fixed: bool = False  # cron: times are the user's; only a catch-up run is added
    catch_up: bool = False

    @classmethod
    def for_outlet(cls, outlet: OutletConfig, *, now: datetime) -> Cadence:
        schedule = outlet.schedule
        base = schedule.interval.total_seconds() if schedule.interval else cron_gap(schedule, now)
        low = outlet.min_interval.total_seconds() if outlet.min_interval else base * DEFAULT_MIN_SHARE
        high = outlet.max_interval.total_seconds() if outlet.max_interval else base * DEFAULT_MAX_FACTOR
        return cls(base=base, low=min(low, base), high=max(high, base), current=base, fixed=schedule.cron is not None)

    def after(self, run: OutletRun) -> bool:
        """Adapt to a finished run; True when the schedule must change."""
        before = (self.current, self.catch_up)
        self.catch_up = run.feed_all_new
        if run.feed_all_new:
            self.current = self.low
        elif run.status == "ok" and run.new == 0 and run.updated == 0:
            self.current = min(self.high, self.current * BACKOFF)
        else:
            self.current = self.base
        if self.fixed:
            self.current = self.base
            return self.catch_up
        return (self.current, self.catch_up) != before


def cron_gap(schedule: Schedule, now: datetime) -> float:
    """Seconds between the next two firings of a cron schedule (its interval, for bounds and grace)."""
    trigger = _cron_trigger(schedule)
    first = trigger.get_next_fire_time(None, now)
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1))
    return (second - first).total_seconds() if first and second else schedule.nominal_seconds


def _cron_trigger(schedule: Schedule) -> Any:
    from apscheduler.triggers.cron import CronTrigger

    assert schedule.cron is not None
    return CronTrigger.from_crontab(schedule.cron, timezone=timezone.utc)


def _interval_trigger_plain(seconds: float) -> Any:
    from apscheduler.triggers.interval import IntervalTrigger

    return IntervalTrigger(seconds=seconds, timezone=timezone.utc)


def _interval_trigger(seconds: float) -> Any:
    from apscheduler.triggers.interval import IntervalTrigger

    return IntervalTrigger(seconds=seconds, jitter=jitter_for(seconds), timezone=timezone.utc)


# ---------------------------------------------------------------- the daemon


class Daemon:
    """A BackgroundScheduler polling ``outlets`` through ``ctx`` until ``ctx.stop`` is set."""

    def __init__(self, ctx: PollContext, outlets: Sequence[OutletConfig], *, lock_timeout: float = 0.0,
                 workers: int = 4, shutdown_timeout: float = 5.0):
        from apscheduler.events import (
            EVENT_JOB_ERROR,
            EVENT_JOB_MAX_INSTANCES,
            EVENT_JOB_MISSED,
        )
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        if not outlets:
            raise ConfigError(f"{ctx.config.path.name}: no enabled outlet to schedule")
        self.ctx = ctx
        self.outlets = {o.key: o for o in outlets}
        self.lock_timeout = lock_timeout
        self.shutdown_timeout = shutdown_timeout
        now = ctx.now()
        self.cadences = {o.key: Cadence.for_outlet(o, now=now) for o in outlets}
        self.history: deque[OutletRun] = deque(maxlen=500)  # bounded: the daemon runs for months
        self._busy: set[str] = set()
        self._idle = threading.Condition()
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=max(1, workers))},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=timezone.utc,
        )
        self.scheduler.add_listener(self._missed, EVENT_JOB_MISSED)
        self.scheduler.add_listener(self._crashed, EVENT_JOB_ERROR)
        self.scheduler.add_listener(self._still_running, EVENT_JOB_MAX_INSTANCES)

    @property
    def store_path(self) -> Path:
        return self.ctx.config.store_path

    # --- lifecycle -------------------------------------------------------

    def start(self) -> None:
        """Add one job per outlet, start the scheduler and log the startup line."""
        now = self.ctx.now()
        for key, outlet in self.outlets.items():
            self._add_job(outlet, self._first_run(key, now))
        self.started = now
        self.ctx.store.daemon_beat(os.getpid(), now=now, started=now)
        self.scheduler.add_job(self._beat, _interval_trigger_plain(HEARTBEAT), id="_heartbeat", name="heartbeat")
        self.scheduler.start(paused=True)  # so the startup line comes before any run's line
        for key in self.outlets:
            self._publish(key)
        log.info("%s", self.startup_line(), extra={"event": "start"})
        self.scheduler.resume()

    def serve(self) -> bool:
        """Run until ``ctx.stop`` is set (by a signal); True when every run ended in time."""
        self.start()
        while not self.ctx.stop.wait(0.5):
            pass
        return self.shutdown()

    def shutdown(self) -> bool:
        """Start nothing new, let runs finish their article, withdraw the published next runs."""
        self.ctx.stop.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        idle = self.wait_idle(self.shutdown_timeout)
        if idle:
            self.ctx.store.clear_schedule(os.getpid())
            log.info("stopped: no run in progress", extra={"event": "stop"})
        else:
            log.warning("stopping with %s still running after %gs: its article in hand is rolled back",
                        ", ".join(sorted(self._busy)), self.shutdown_timeout, extra={"event": "stop"})
            reason = getattr(self.ctx.stop, "reason", "a stop request")
            self.ctx.store.abandon_runs(os.getpid(), now=self.ctx.now(), why=(
                f"interrupted by {reason}: the request in hand did not end within {self.shutdown_timeout:g}s"))
        self.ctx.store.daemon_gone(os.getpid())
        return idle

    def _beat(self) -> None:
        self.ctx.store.daemon_beat(os.getpid(), now=self.ctx.now(), started=self.started)

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: not self._busy, timeout=timeout)

    def startup_line(self) -> str:
        config = self.ctx.config
        parts = [f"{key} {_clock(self._next_run(key))} ({self._every(key)})" for key in self.outlets]
        return f"monitor run: config {config.path}, database {config.store_path}; next runs: " + ", ".join(parts)

    # --- jobs ------------------------------------------------------------

    def _add_job(self, outlet: OutletConfig, first: datetime | None) -> None:
        cadence = self.cadences[outlet.key]
        trigger = _cron_trigger(outlet.schedule) if cadence.fixed else _interval_trigger(cadence.current)
        self.scheduler.add_job(
            self._run_outlet, trigger, args=[outlet.key], id=outlet.key, name=outlet.key,
            misfire_grace_time=grace_for(cadence.current), replace_existing=True,
            **({"next_run_time": first} if first is not None else {}),
        )

    def _first_run(self, key: str, now: datetime) -> datetime | None:
        """Soon (spread by jitter), but not sooner than one interval after the last recorded run.

        A restarted daemon resumes: no burst of polls, and a catch-up the last run asked for
        still happens. Cron outlets keep their times (None: the trigger decides).
        """
        cadence = self.cadences[key]
        last = self.ctx.store.runs(outlet=key, limit=1)
        cadence.catch_up = bool(last and last[0].get("feed_all_new"))
        if cadence.fixed and not cadence.catch_up:
            return None
        first = now + timedelta(seconds=random.uniform(0, jitter_for(cadence.low if cadence.catch_up else cadence.base)))
        if last and last[0].get("started"):
            wait = cadence.low if cadence.catch_up else cadence.base
            first = max(first, datetime.fromisoformat(last[0]["started"]) + timedelta(seconds=wait))
        return first

    def _run_outlet(self, key: str) -> None:
        if self.ctx.stop.is_set():
            return
        cadence = self.cadences[key]
        with self._tracking(key):
            try:
                with outlet_lock(self.store_path, key, timeout=self.lock_timeout) as held:
                    # A resumed run follows one that was killed or stopped: its feed may answer 304
                    # over articles it never fetched, so read every source again.
                    run = poll_outlet(self.outlets[key], self.ctx, catch_up=cadence.catch_up or held.resumed)
                    if run.cut_short:
                        held.unfinished()
            except LockBusy:
                log.warning("skipped: locked by pid %s (a cron `monitor poll`?); next run %s",
                            lock_holder(self.store_path, key), _clock(self._next_run(key)),
                            extra={"outlet": key, "event": "locked"})
                return
        self.history.append(run)
        if not run.cut_short:
            self.ctx.store.daemon_beat(os.getpid(), now=self.ctx.now(), started=self.started, cycle=True)
        if cadence.after(run) and not self.ctx.stop.is_set():
            self._reschedule(key)
        self._publish(key)
        log.info("%s; next run %s%s", summary_line(run, self.ctx.config.display_name(key)), _clock(self._next_run(key)),
                 " (catch-up)" if cadence.catch_up else "", extra={"outlet": key, "event": "run"})

    @contextmanager
    def _tracking(self, key: str) -> Iterator[None]:
        with self._idle:
            self._busy.add(key)
        try:
            yield
        finally:
            with self._idle:
                self._busy.discard(key)
                self._idle.notify_all()

    def _reschedule(self, key: str) -> None:
        cadence = self.cadences[key]
        now = self.ctx.now()
        if cadence.fixed:  # cron: keep the trigger, bring the catch-up run forward
            soon = now + timedelta(seconds=cadence.low)
            natural = self._next_run(key)
            self.scheduler.modify_job(key, next_run_time=min(soon, natural) if natural else soon)
            return
        trigger = _interval_trigger(cadence.current)
        self.scheduler.modify_job(key, trigger=trigger, next_run_time=trigger.get_next_fire_time(None, now),
                                  misfire_grace_time=grace_for(cadence.current))

    def _next_run(self, key: str) -> datetime | None:
        job = self.scheduler.get_job(key)
        return getattr(job, "next_run_time", None) if job is not None else None

    def _every(self, key: str) -> str:
        outlet, cadence = self.outlets[key], self.cadences[key]
        if cadence.fixed:
            return f"cron {outlet.schedule.cron}"
        return f"every {_duration(cadence.current)}" + (", catch-up" if cadence.catch_up else "")

    def _publish(self, key: str) -> None:
        cadence = self.cadences[key]
        self.ctx.store.set_next_run(key, self._next_run(key), interval=cadence.current, catch_up=cadence.catch_up,
                                    pid=os.getpid(), now=self.ctx.now())

    # --- APScheduler events: nothing is skipped silently -----------------

    def _missed(self, event: Any) -> None:
        if event.job_id not in self.cadences:  # not an outlet's job
            return
        key = event.job_id
        late = self.ctx.now() - event.scheduled_run_time
        log.warning("missed the run due at %s: it could not start within %ss (started %.1fs late); next run %s",
                    _clock(event.scheduled_run_time), grace_for(self.cadences[key].current), late.total_seconds(),
                    _clock(self._next_run(key)), extra={"outlet": key, "event": "missed"})
        self._publish(key)

    def _still_running(self, event: Any) -> None:
        if event.job_id not in self.cadences:  # not an outlet's job
            return
        log.warning("skipped a run: the previous one is still going (a run takes longer than %s)",
                    _duration(self.cadences[event.job_id].current), extra={"outlet": event.job_id, "event": "skipped"})

    def _crashed(self, event: Any) -> None:
        if event.job_id not in self.cadences:  # not an outlet's job
            return
        log.error("run crashed: %r\n%s", event.exception, event.traceback or "",
                  extra={"outlet": event.job_id, "event": "error"})


# ---------------------------------------------------------------- locks and signals


def lock_holder(store_path: Path, key: str) -> str:
    """The pid written into a lock file (for messages only: flock is the lock)."""
    try:
        return (lock_dir(store_path) / f"{key}.lock").read_text().strip() or "?"
    except OSError:
        return "?"


@contextmanager
def daemon_lock(store_path: Path) -> Iterator[None]:
    """One scheduler per store (trap 5): a second ``monitor run`` exits 3 at once."""
    with ExitStack() as stack:
        try:
            stack.enter_context(outlet_lock(store_path, DAEMON_LOCK, timeout=0))
        except LockBusy:
            raise LockBusy(f"another `monitor run` (pid {lock_holder(store_path, DAEMON_LOCK)}) already "
                           f"schedules {store_path}; run one daemon per database") from None
        yield


# ---------------------------------------------------------------- formatting


def _clock(moment: datetime | None) -> str:
    if moment is None:
        return "not scheduled"
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _duration(seconds: float) -> str:
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.3g}{unit}"
    return f"{seconds:.3g}s"


# ---------------------------------------------------------------- logging


def show_run_lines() -> None:
    """Quiet by default still means a startup line and one line per run; -q hides them."""
    root = logging.getLogger().getEffectiveLevel()
    if root <= logging.WARNING:
        log.setLevel(min(root, logging.INFO))
    if root > logging.DEBUG:  # our listeners say it better than APScheduler's own warnings
        logging.getLogger("apscheduler").setLevel(logging.ERROR)
