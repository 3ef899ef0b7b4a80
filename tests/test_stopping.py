"""Stopping and runs that always show up, through real ``monitor`` processes.

SIGINT/SIGTERM during a poll of a slow site stop within 5 s with the summary so far;
a ``kill -9`` leaves a 'running' row that ``status`` reports as interrupted (process gone);
the daemon's cut-short run is recorded interrupted and its heartbeat feeds ``status --max-age``.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from daemon_support import generated_outlet, monitor_process, query, run_monitor, wait_for, write_config

SECONDS_PER_ARTICLE = 0.8


def slow_site(count: int, seconds: float = SECONDS_PER_ARTICLE, *, missing: int = 0) -> dict[str, str]:
    """A feed of ``count`` real article pages that each take ``seconds`` to answer, after
    ``missing`` links that answer 404."""
    items = "".join(f"<item><title>Gone {n}</title><link>{{{{BASE}}}}/_trouble/status?code=404&amp;k={n}</link>"
                    f"<pubDate>Mon, 02 Nov 2026 11:{n:02d}:00 GMT</pubDate></item>" for n in range(missing))
    items += "".join(
        f"<item><title>Slow report {n}</title><link>{{{{BASE}}}}/_trouble/slow-article?n={n}&amp;seconds={seconds}"
        f"</link><pubDate>Mon, 02 Nov 2026 10:{n:02d}:00 GMT</pubDate></item>" for n in range(count))
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Slow</title>{items}</channel></rss>'
    return {"robots.txt": "User-agent: *\nAllow: /\n", "feed.xml": feed}


def article_requests(site) -> list[str]:
    return [r.target for r in site.request_log() if r.target.startswith("/_trouble/slow-article")]


def slow_config(tmp_path: Path, site, **outlet) -> Path:
    return write_config(tmp_path, [generated_outlet(site.base_url, key="slow", article_pattern=None, **outlet)])


def catches_sigterm(pid: int) -> bool:
    """The process has installed a SIGTERM handler (Python does not by default; monitor's stop does)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (signal.SIGTERM - 1) & 1)
    return False


def whole_items(db: Path) -> int:
    """Items stored, each with every part (nothing half-written); the file is sound."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        items = conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        for table in ("raw_pages", "item_urls", "item_keys", "fingerprints"):
            assert conn.execute(f"SELECT COUNT(DISTINCT item_id) FROM {table}").fetchone()[0] == items, table
        return items
    finally:
        conn.close()


@pytest.mark.parametrize(("sig", "code", "name"), [(signal.SIGINT, 130, "SIGINT"), (signal.SIGTERM, 143, "SIGTERM")])
def test_a_signal_stops_a_poll_within_5s_with_the_summary_so_far(make_site, tmp_path, sig, code, name) -> None:
    site = make_site(slow_site(12))
    config = slow_config(tmp_path, site)
    poll = monitor_process(config, "poll")
    wait_for(lambda: len(article_requests(site)) >= 3, timeout=30, step=0.01)
    sent = time.monotonic()
    poll.send_signal(sig)
    out, err = poll.communicate(timeout=30)
    took = time.monotonic() - sent
    assert took < 5.0, f"stopped {took:.1f}s after {name}"
    assert poll.returncode == code, err
    assert "Traceback" not in err

    db = tmp_path / "monitor.db"
    requested = len(article_requests(site))
    stored = whole_items(db)
    assert 3 <= stored < 12
    assert stored == requested  # the article in hand was finished and committed; none was half-stored
    assert f"Generated: {requested} seen" not in out  # the summary is the run's, not a made-up total
    assert f"interrupted by {name}: {stored} of 12 article pages tried; what was fetched is stored" in out
    assert f"{stored} new" in out.splitlines()[-1] and "1 interrupted" in out.splitlines()[-1]
    assert query(db, "SELECT status, new, error FROM runs") == [
        ("interrupted", stored, f"interrupted by {name}: {stored} of 12 article pages tried; what was fetched is stored")]

    status = run_monitor(config, "status")  # a stop on purpose is not a failure
    assert status.returncode == 0, status.stdout
    assert f"interrupted by {name}" in status.stdout

    # The next poll resumes where the stopped one left off: every article once.
    site.clear_log()
    rest = run_monitor(config, "poll", timeout=120)
    assert rest.returncode == 0, rest.stderr
    assert whole_items(db) == 12 and len(article_requests(site)) == 12 - stored


def test_kill_9_leaves_a_run_that_status_reports_as_interrupted(make_site, tmp_path) -> None:
    site = make_site(slow_site(12, missing=2))
    config = slow_config(tmp_path, site)
    poll = monitor_process(config, "poll")
    wait_for(lambda: len(article_requests(site)) >= 2, timeout=30, step=0.01)
    poll.send_signal(signal.SIGKILL)
    poll.wait(timeout=10)

    status = run_monitor(config, "status")
    assert status.returncode == 1
    assert f"interrupted (process gone: pid {poll.pid} died during its run of" in status.stdout
    assert "1 outlet failing" in status.stdout
    report = json.loads(run_monitor(config, "status", "--json").stdout)
    assert report["outlets"][0]["last_status"] == "gone" and report["outlets"][0]["failing"]
    # What failed before the kill was filed as it happened, so it is there to act on.
    listed = run_monitor(config, "status", "slow")
    for k in (0, 1):
        assert f"http 4xx         {site.url(f'/_trouble/status?code=404&k={k}')}" in listed.stdout
    healthcheck = run_monitor(config, "status", "--max-age", "2h")
    assert healthcheck.returncode == 1
    assert "STALE: no run has completed yet (wanted one within 2h)" in healthcheck.stdout

    # The next run closes the dead row for good and, holding the lock, is itself 'running' meanwhile.
    site.clear_log()
    again = monitor_process(config, "poll")
    wait_for(lambda: len(article_requests(site)) >= 1, timeout=30, step=0.01)
    live = run_monitor(config, "status")
    assert "running since" in live.stdout and live.returncode == 0
    assert again.wait(timeout=120) == 0
    db = tmp_path / "monitor.db"
    assert query(db, "SELECT status, error FROM runs ORDER BY id") == [
        ("interrupted", "interrupted (process gone)"), ("ok", None)]
    assert run_monitor(config, "status", "--max-age", "2h").returncode == 0


def test_the_daemon_records_a_cut_short_run_as_interrupted_and_keeps_a_heartbeat(make_site, tmp_path) -> None:
    site = make_site(slow_site(12))
    config = slow_config(tmp_path, site, schedule="10s")  # first run within a second (jitter)
    daemon = monitor_process(config, "run")
    db = tmp_path / "monitor.db"
    wait_for(lambda: len(article_requests(site)) >= 2, timeout=30, step=0.01)
    assert query(db, "SELECT pid FROM daemons") == [(daemon.pid,)]
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=10) == 0  # the daemon's clean stop keeps exit 0
    stored = whole_items(db)
    assert query(db, "SELECT status, new, error FROM runs") == [
        ("interrupted", stored, f"interrupted by SIGTERM: {stored} of 12 article pages tried; what was fetched is stored")]
    assert query(db, "SELECT COUNT(*) FROM daemons") == [(0,)]  # a clean stop withdraws the heartbeat


def test_max_age_fails_when_the_daemon_stops_beating(make_site, tmp_path) -> None:
    site = make_site(slow_site(2, seconds=0.0))
    config = slow_config(tmp_path, site)
    assert run_monitor(config, "poll").returncode == 0
    assert run_monitor(config, "status", "--max-age", "2h").returncode == 0
    db = tmp_path / "monitor.db"
    with sqlite3.connect(db) as conn:  # a daemon that was killed long ago: its heartbeat is stale
        conn.execute("INSERT INTO daemons (pid, started, heartbeat) VALUES (4242, '2026-01-01T00:00:00+00:00',"
                     " '2026-01-01T00:05:00+00:00')")
    conn.close()
    stale = run_monitor(config, "status", "--max-age", "2h")
    assert stale.returncode == 1
    assert "STALE: `monitor run` (pid 4242) has been silent since 2026-01-01T00:05" in stale.stdout
    usage = run_monitor(config, "status", "--max-age", "soon")
    assert usage.returncode == 2 and 'expected a duration like "2h"' in usage.stderr


def test_a_signal_while_waiting_for_another_process_lock_stops_at_once(make_site, tmp_path) -> None:
    from monitor.lock import outlet_lock

    site = make_site(slow_site(2, seconds=0.0))
    config = slow_config(tmp_path, site)
    with outlet_lock(tmp_path / "monitor.db", "slow"):  # a cron poll still at work on the outlet
        poll = monitor_process(config, "poll", "--lock-timeout", "60")
        wait_for(lambda: catches_sigterm(poll.pid), timeout=30)  # our handlers are in place
        time.sleep(0.3)
        sent = time.monotonic()
        poll.send_signal(signal.SIGINT)
        out, err = poll.communicate(timeout=30)
    assert time.monotonic() - sent < 5.0
    assert poll.returncode == 130
    assert "interrupted by SIGINT while waiting for outlet slow's lock; nothing polled" in err
    assert article_requests(site) == []
