"""Cron (``monitor poll``) and the daemon (``monitor run``) on one database: one worker per outlet."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
from contextlib import ExitStack
from pathlib import Path

import pytest
from daemon_support import (
    article_site,
    count,
    generated_outlet,
    monitor_process,
    query,
    run_monitor,
    wait_for,
    write_config,
)

from monitor import config as config_mod
from monitor.lock import LockBusy, outlet_lock
from monitor.pipeline import open_run
from monitor.schedule import Daemon, daemon_lock

ARTICLES = 30
SLOW = {"per_host_interval": 0.25}  # a first run of ~8 s: time for the other process to start and collide with it, even on a loaded machine


@pytest.fixture
def shared(make_site, tmp_path: Path):
    """One slow generated site and one config file for both processes."""
    site = make_site(article_site(ARTICLES))
    path = write_config(tmp_path, [generated_outlet(site.base_url)], http=SLOW)
    return site, path, tmp_path / "monitor.db"


@pytest.fixture
def daemon_on(shared):
    started: list[Daemon] = []
    runs = ExitStack()  # each daemon's run: store and fetcher, closed after it stops

    def start(**options) -> Daemon:
        ctx = runs.enter_context(open_run(config_mod.load(shared[1])))
        daemon = Daemon(ctx, ctx.config.enabled_outlets, **options)
        started.append(daemon)
        daemon.start()
        return daemon

    yield start
    for daemon in started:
        daemon.shutdown()
    runs.close()


def test_cron_poll_during_a_daemon_run_exits_3_or_waits_then_succeeds(shared, daemon_on) -> None:
    site, config, db = shared
    daemon = daemon_on()
    wait_for(lambda: len(site.request_log()) >= 2, timeout=10)  # the daemon's first run holds the outlet
    impatient = monitor_process(config, "poll", "--lock-timeout", "0.3")
    patient = monitor_process(config, "poll", "--lock-timeout", "30")
    out, err = impatient.communicate(timeout=30)
    assert impatient.returncode == 3, (out, err)
    assert f"outlet gen is being polled by another monitor process (pid {os.getpid()}); waited 0.3s" in err
    assert count(db) < ARTICLES  # it gave up while the daemon was still at work

    out, err = patient.communicate(timeout=60)
    assert patient.returncode == 0, err
    assert "0 new" in out  # it waited for the daemon's run, then found everything stored
    assert query(db, "SELECT COUNT(*), COUNT(DISTINCT canonical_url) FROM items") == [(ARTICLES, ARTICLES)]
    assert daemon.history and daemon.history[0].new == ARTICLES


def test_the_daemon_skips_an_outlet_a_cron_poll_holds_and_says_who(shared, daemon_on, caplog) -> None:
    site, config, db = shared
    cron = monitor_process(config, "poll")
    wait_for(lambda: len(site.request_log()) >= 3, timeout=20)
    with caplog.at_level(logging.WARNING, logger="monitor.schedule"):
        daemon = daemon_on()
        wait_for(lambda: f"skipped: locked by pid {cron.pid}" in caplog.text, timeout=10)
        out, err = cron.communicate(timeout=60)
        wait_for(lambda: daemon.history, timeout=10)  # the next run, once cron is done, works
    assert cron.returncode == 0, err
    assert f"{ARTICLES} new" in out and daemon.history[0].new == 0
    assert query(db, "SELECT COUNT(*) FROM items") == [(ARTICLES,)]
    skipped = next(r for r in caplog.records if getattr(r, "event", None) == "locked")
    assert skipped.outlet == "gen"


def test_a_second_daemon_on_one_database_exits_3(shared) -> None:
    _, config, db = shared
    with daemon_lock(db):
        second = run_monitor(config, "run")
    assert second.returncode == 3
    assert f"another `monitor run` (pid {os.getpid()}) already schedules {db}" in second.stderr


HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from monitor.lock import outlet_lock
    with outlet_lock(Path(sys.argv[1]), "gen", timeout=0):
        print("held", flush=True)
        time.sleep(60)
""")


def test_a_killed_holder_leaves_no_stale_lock_and_the_next_run_resumes(tmp_path) -> None:
    db = tmp_path / "monitor.db"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockBusy, match=rf"pid {holder.pid}"):
            with outlet_lock(db, "gen", timeout=0):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    with outlet_lock(db, "gen", timeout=0) as held:  # free at once: flock dies with its process
        assert held.resumed  # and the next run knows the last one did not finish
    with outlet_lock(db, "gen", timeout=0) as held:
        assert not held.resumed
        held.unfinished()  # e.g. stopped by SIGTERM between two articles
    with outlet_lock(db, "gen", timeout=0) as held:
        assert held.resumed


def test_git_ignores_the_store_and_its_lock_folder(tmp_path: Path) -> None:
    """A store kept in a clone (the bundled config's ./monitor.db) never shows up in `git status`."""
    repo = tmp_path / "clone"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".gitignore").write_bytes((Path(__file__).resolve().parent.parent / ".gitignore").read_bytes())
    from monitor.store import Store

    Store(repo / "monitor.db").close()
    with outlet_lock(repo / "monitor.db", "rhc-en", timeout=0):
        pass
    assert (repo / "monitor.db.locks" / "rhc-en.lock").exists()
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=repo,
                            capture_output=True, text=True, check=True).stdout
    assert status.splitlines() == ["?? .gitignore"]
