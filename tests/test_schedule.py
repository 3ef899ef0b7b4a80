"""The daemon (``monitor run``): a real APScheduler against the fixture sites, 1 s intervals."""

from __future__ import annotations

import json
import logging
import signal
import time
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from daemon_support import (
    article_site,
    count,
    generated_outlet,
    in_memory_config,
    monitor_process,
    query,
    run_monitor,
    sample_outlets,
    wait_for,
    write_config,
)

from monitor.config import parse_schedule
from monitor.models import Article, OutletRun
from monitor.pipeline import open_run
from monitor.schedule import Cadence, Daemon, grace_for

SECOND = timedelta(seconds=1)


def no_overlap(runs: list[OutletRun]) -> bool:
    ordered = sorted(runs, key=lambda r: r.started)
    return all(later.started >= earlier.finished for earlier, later in zip(ordered, ordered[1:]))


def run_of(*, new: int = 0, updated: int = 0, status: str = "ok", feed_all_new: bool = False) -> OutletRun:
    now = datetime(2026, 11, 2, tzinfo=timezone.utc)
    return OutletRun(outlet="x", started=now, finished=now, status=status, new=new, updated=updated,
                     feed_all_new=feed_all_new)


# ---------------------------------------------------------------- adaptive polling


@pytest.mark.parametrize(
    "runs, intervals, catch_up",
    [
        ([run_of(feed_all_new=True, new=5)], [600], True),  # window overflowed: sooner, and walk the pages
        ([run_of()], [2700], False),  # nothing new: back off x1.5 ...
        ([run_of()] * 4, [2700, 4050, 6075, 7200], False),  # ... up to max_interval
        ([run_of(), run_of(new=2)], [2700, 1800], False),  # something new: back to the schedule
        ([run_of(), run_of(status="failing")], [2700, 1800], False),  # a failure is not "quiet"
        ([run_of(feed_all_new=True), run_of()], [600, 900], False),  # after catching up, back off from there
    ],
)
def test_cadence_adapts_the_interval_within_the_configured_bounds(runs, intervals, catch_up) -> None:
    outlet = generated_outlet("http://127.0.0.1:9/", schedule="30m", min_interval=timedelta(minutes=10),
                              max_interval=timedelta(hours=2))
    cadence = Cadence.for_outlet(outlet, now=datetime.now(timezone.utc))
    seen = []
    for run in runs:
        cadence.after(run)
        seen.append(cadence.current)
    assert seen == intervals
    assert cadence.catch_up is catch_up


@pytest.mark.parametrize(
    "schedule, base, grace, low, high",
    [
        ("20m", 1200, 600, 600, 4800),  # bounds default to half and four times the schedule
        ("*/15 * * * *", 900, 450, 450, 3600),  # cron: its gap is the interval
        ("1s", 1, 1, 0.5, 4),  # APScheduler's grace is whole seconds, at least one
    ],
)
def test_default_bounds_and_misfire_grace_follow_the_schedule(schedule, base, grace, low, high) -> None:
    outlet = generated_outlet("http://127.0.0.1:9/", schedule=schedule)
    cadence = Cadence.for_outlet(outlet, now=datetime.now(timezone.utc))
    assert (cadence.base, grace_for(cadence.base), cadence.low, cadence.high) == (base, grace, low, high)
    assert cadence.fixed is (parse_schedule(schedule).cron is not None)


def test_a_cron_outlet_keeps_its_times_and_only_gains_a_catch_up_run() -> None:
    cadence = Cadence.for_outlet(generated_outlet("http://127.0.0.1:9/", schedule="0 * * * *"),
                                 now=datetime.now(timezone.utc))
    assert cadence.after(run_of()) is False and cadence.current == 3600  # no backoff of a crontab
    assert cadence.after(run_of(feed_all_new=True)) is True and cadence.catch_up


# ---------------------------------------------------------------- a real scheduler


@pytest.fixture
def daemon_for(tmp_path: Path):
    started: list[Daemon] = []
    runs = ExitStack()  # each daemon's run: store and fetcher, closed after it stops

    def make(outlets, *, workers: int = 4, **http) -> Daemon:
        ctx = runs.enter_context(open_run(in_memory_config(tmp_path, outlets, **http)))
        daemon = Daemon(ctx, ctx.config.enabled_outlets, workers=workers)
        started.append(daemon)
        return daemon

    yield make
    for daemon in started:
        daemon.shutdown()
    runs.close()


def store_an_older_article(store, key: str) -> None:
    url = f"http://127.0.0.1:9/{key}/older-article"
    store.save(Article(url=url, canonical_url=url, outlet=key, outlet_name=key, language="en", title="An older article",
                       body=("Stored by an earlier run.",)), now=datetime.now(timezone.utc))


def test_one_job_per_outlet_runs_every_second_backs_off_and_catches_up(sample_sites, daemon_for, caplog) -> None:
    caplog.set_level(logging.INFO, logger="monitor.schedule")
    bounds = {"min_interval": timedelta(seconds=0.5), "max_interval": timedelta(seconds=1.5)}
    daemon = daemon_for(sample_outlets(sample_sites, ["telesur-en", "rhc-en"], schedule="1s", **bounds))
    for key in ("telesur-en", "rhc-en"):  # stored before: a feed with no known entry now means it overflowed
        store_an_older_article(daemon.ctx.store, key)
    daemon.start()
    jobs = [job for job in daemon.scheduler.get_jobs() if job.id != "_heartbeat"]  # + the daemon's heartbeat
    assert sorted(job.id for job in jobs) == ["rhc-en", "telesur-en"]
    assert all((j.coalesce, j.max_instances, j.misfire_grace_time) == (True, 1, 1) for j in jobs)
    wait_for(lambda: min(sum(r.outlet == k for r in daemon.history) for k in ("rhc-en", "telesur-en")) >= 4,
             timeout=15)
    daemon.shutdown()

    config = daemon.ctx.config
    start_line = next(r.getMessage() for r in caplog.records if getattr(r, "event", None) == "start")
    assert f"config {config.path}" in start_line and f"database {config.store_path}" in start_line
    assert "telesur-en 20" in start_line and "rhc-en 20" in start_line and "(every 1s)" in start_line
    for key in ("telesur-en", "rhc-en"):
        runs = [r for r in daemon.history if r.outlet == key]
        assert no_overlap(runs)
        # Nothing in the feed is known: the next run comes sooner and walks the pages.
        assert runs[0].feed_all_new and runs[1].catch_up and not runs[2].catch_up
        gaps = [(b.started - a.started).total_seconds() for a, b in zip(runs, runs[1:])]
        assert gaps[0] < 1.0 and gaps[-1] > 1.0  # 0.5 s to catch up, then backing off towards 1.5 s
        stored = query(config.store_path, "SELECT COUNT(*), SUM(catch_up), SUM(feed_all_new) FROM runs WHERE outlet = ?", [key])
        assert stored == [(len(runs), 1, 1)]
    assert query(config.store_path, "SELECT COUNT(*) FROM items") == [(10,)]  # 5 + 3 articles once each, + 2 older
    assert query(config.store_path, "SELECT COUNT(*) FROM schedule") == [(0,)]  # withdrawn on a clean stop
    run_lines = [r for r in caplog.records if getattr(r, "event", None) == "run"]
    assert len(run_lines) == len(daemon.history)  # one summary line per run


def test_the_first_run_on_an_empty_store_asks_for_no_catch_up_run(sample_sites, daemon_for) -> None:
    """Everything is new on a first run: that is not a feed window that overflowed."""
    daemon = daemon_for(sample_outlets(sample_sites, ["rhc-en"], schedule="1s"))
    daemon.start()
    wait_for(lambda: len(daemon.history) >= 2, timeout=15)
    daemon.shutdown()
    first, second = list(daemon.history)[:2]
    assert first.new == 3 and not first.feed_all_new and not second.catch_up
    assert (second.started - first.started).total_seconds() >= 0.8  # the schedule (1 s, jitter aside), not a catch-up brought forward


def test_a_run_longer_than_the_interval_is_never_doubled(make_site, daemon_for, caplog) -> None:
    site = make_site(article_site(12))
    daemon = daemon_for([generated_outlet(site.base_url)], per_host_interval=0.15)  # a ~2 s first run
    with caplog.at_level(logging.WARNING, logger="monitor.schedule"):
        daemon.start()
        wait_for(lambda: len(daemon.history) >= 2, timeout=15)
        daemon.shutdown()
    assert no_overlap(list(daemon.history))
    assert site.peak_in_flight == 1
    assert "skipped a run: the previous one is still going" in caplog.text
    assert query(daemon.ctx.config.store_path, "SELECT COUNT(*), COUNT(DISTINCT url) FROM items") == [(12, 12)]


def test_a_run_the_busy_executor_could_not_start_in_time_is_logged_as_missed(make_site, daemon_for, caplog) -> None:
    site = make_site(article_site(2))
    outlet = generated_outlet(site.base_url, min_interval=SECOND, max_interval=SECOND)  # a steady 1 s
    daemon = daemon_for([outlet], workers=1)
    with caplog.at_level(logging.WARNING, logger="monitor.schedule"):
        daemon.start()
        wait_for(lambda: daemon.history, timeout=10)
        # Occupy the only worker, as a hung job would: the next run waits past its 1 s grace.
        daemon.scheduler.add_job(time.sleep, args=[2.6], id="blocker")
        wait_for(lambda: "missed the run due at" in caplog.text, timeout=10)
        wait_for(lambda: len(daemon.history) >= 2, timeout=10)  # and the schedule goes on
    missed = next(r for r in caplog.records if getattr(r, "event", None) == "missed")
    assert missed.outlet == "gen" and "could not start within 1s" in missed.getMessage()


# ---------------------------------------------------------------- the command, with real signals


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_monitor_run_stops_cleanly_on_a_signal_mid_run(make_site, tmp_path, sig) -> None:
    site = make_site(article_site(60))
    config = write_config(tmp_path, [generated_outlet(site.base_url)], http={"per_host_interval": 0.05})
    db = tmp_path / "monitor.db"
    daemon = monitor_process(config, "--log-format", "json", "run")
    try:
        wait_for(lambda: count(db) >= 3, timeout=20)
        if sig == signal.SIGTERM:  # status, from another process, while the daemon runs
            status = run_monitor(config, "status", "--json")
            row = json.loads(status.stdout)["outlets"][0]
            assert row["outlet"] == "gen" and row["next_run"].startswith("20") and "overdue" not in row["next_run"]
        daemon.send_signal(sig)
        sent = time.monotonic()
        out, err = daemon.communicate(timeout=10)
        took = time.monotonic() - sent
    finally:
        daemon.kill()
    assert daemon.returncode == 0, err
    assert took < 5
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    start = next(line for line in lines if line.get("event") == "start")
    assert str(config) in start["message"] and str(db) in start["message"] and "gen 20" in start["message"]
    assert lines[-1]["event"] == "stop" and lines[-1]["message"] == "stopped: no run in progress"
    # The run stopped between articles: what it stored is whole, and it recorded itself.
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    stored = query(db, "SELECT COUNT(*) FROM items")[0][0]
    assert 3 <= stored < 60
    assert query(db, "SELECT COUNT(*) FROM raw_pages") == [(stored,)]
    assert query(db, "SELECT COUNT(*) FROM runs WHERE outlet = 'gen'")[0][0] >= 1
    assert query(db, "SELECT COUNT(*) FROM schedule") == [(0,)]
    # The next run resumes: the feed answers 304 now, yet the articles the stop left are fetched.
    write_config(tmp_path, [generated_outlet(site.base_url)])  # the same store, without the pacing
    rerun = run_monitor(config, "poll")
    assert rerun.returncode == 0, rerun.stderr
    assert f"{60 - stored} new" in rerun.stdout
    assert query(db, "SELECT COUNT(*), COUNT(DISTINCT canonical_url) FROM items") == [(60, 60)]


def test_status_shows_the_next_run_and_flags_a_daemon_that_stopped_publishing(tmp_path) -> None:
    from click.testing import CliRunner

    from monitor.cli import cli
    from monitor.store import Store

    db = tmp_path / "monitor.db"
    now = datetime.now(timezone.utc)
    with Store(db) as store:
        store.set_next_run("rhc-en", now + timedelta(minutes=20), interval=2700, catch_up=False, pid=4242, now=now)
        store.set_next_run("rhc-es", now - timedelta(hours=3), interval=2700, catch_up=True, pid=4242, now=now)
    result = CliRunner().invoke(cli, ["--db", str(db), "status"])
    lines = {line.split()[0]: line for line in result.output.splitlines()[1:-1]}
    assert f"next run {(now + timedelta(minutes=20)).strftime('%Y-%m-%d %H:%M:%S')} UTC" in lines["rhc-en"]
    assert "overdue" not in lines["rhc-en"]
    assert "(catch-up) — overdue: is `monitor run` (pid 4242) still running?" in lines["rhc-es"]
    assert "next run" not in lines["telesur-en"]  # never scheduled
