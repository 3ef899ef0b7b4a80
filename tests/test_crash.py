"""Crash safety: ``kill -9`` mid-run loses nothing committed and leaves no half item;
a reader (as Datasette reads) never sees "database is locked" while the daemon writes."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

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

ARTICLES = 60


def article_requests(site) -> list[str]:
    return [r.target for r in site.request_log() if r.target.startswith("/news/")]


def assert_whole(db: Path) -> int:
    """Every stored item has all its parts (URL, keys, raw page); the file and the index are sound."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.execute("INSERT INTO items_fts(items_fts) VALUES('integrity-check')")  # raises if the index drifted
        items = conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        for table in ("raw_pages", "item_urls", "item_keys"):
            with_parts = conn.execute(f"SELECT COUNT(DISTINCT item_id) FROM {table}").fetchone()[0]
            assert with_parts == items, f"{items} items but {with_parts} with {table}"
        return items
    finally:
        conn.close()


def test_kill_9_at_several_points_then_a_rerun_stores_every_article_exactly_once(make_site, tmp_path) -> None:
    site = make_site(article_site(ARTICLES))
    config = write_config(tmp_path, [generated_outlet(site.base_url)])
    db = tmp_path / "monitor.db"
    stored = []
    for kill_after in (6, 20, 35):  # requests seen by the server since this run started
        site.clear_log()
        poll = monitor_process(config, "poll")
        try:
            wait_for(lambda: len(site.request_log()) >= kill_after, timeout=30, step=0.005)
        finally:
            poll.send_signal(signal.SIGKILL)
            poll.wait(timeout=10)
        assert poll.returncode == -signal.SIGKILL
        stored.append(assert_whole(db))
    assert stored == sorted(stored) and 0 < stored[-1] < ARTICLES  # each run resumed, none finished

    site.clear_log()
    final = run_monitor(config, "poll")
    assert final.returncode == 0, final.stderr
    assert assert_whole(db) == ARTICLES
    assert query(db, "SELECT COUNT(DISTINCT canonical_url), COUNT(DISTINCT seq), MAX(version) FROM items") == [
        (ARTICLES, ARTICLES, 1)]
    # The rerun fetched only what was missing: the committed articles were not fetched again.
    assert len(article_requests(site)) == ARTICLES - stored[-1]
    assert f"{ARTICLES - stored[-1]} new" in final.stdout


READER = textwrap.dedent("""
    import sqlite3, sys, time
    db, seconds = sys.argv[1], float(sys.argv[2])
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)  # as Datasette opens it
    errors, queries, counts, slowest = [], 0, set(), 0.0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        began = time.monotonic()
        try:
            counts.add(conn.execute("SELECT COUNT(*) FROM items").fetchone()[0])
            conn.execute("SELECT i.title, u.url FROM items i JOIN item_urls u ON u.item_id = i.id "
                         "ORDER BY i.seq DESC LIMIT 20").fetchall()
            conn.execute("SELECT outlet, status, new FROM runs ORDER BY id DESC LIMIT 5").fetchall()
            queries += 1
        except sqlite3.Error as exc:
            errors.append(str(exc))
        slowest = max(slowest, time.monotonic() - began)
    print(queries, len(counts), len(errors), round(slowest, 3), "|".join(sorted(set(errors))))
""")


def test_a_reader_queries_without_errors_while_the_daemon_writes(make_site, tmp_path) -> None:
    site = make_site(article_site(ARTICLES))
    config = write_config(tmp_path, [generated_outlet(site.base_url)], http={"per_host_interval": 0.02})
    db = tmp_path / "monitor.db"
    daemon = monitor_process(config, "run")
    try:
        wait_for(lambda: count(db) >= 1, timeout=20)
        reader = subprocess.run([sys.executable, "-c", READER, str(db), "2.5"], capture_output=True, text=True,
                                timeout=30)
        written_meanwhile = count(db)
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=10)
    finally:
        daemon.kill()
    queries, distinct_counts, errors, slowest, messages = reader.stdout.split(" ", 4)
    assert int(errors) == 0, messages
    assert int(queries) > 50 and int(distinct_counts) >= 3  # it really read while rows were being added
    assert float(slowest) < 2.0, "a query waited on a lock"
    assert written_meanwhile > 1 and daemon.returncode == 0
