"""Time budgets: a total deadline per request that a trickling server cannot stretch, and
``max_run_time`` per outlet run. Real servers, ``monitor`` subprocesses (and one Fetcher)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from daemon_support import generated_outlet, query, run_monitor, write_config
from monitor.config import HttpConfig
from monitor.errors import TimedOut
from monitor.fetch import Fetcher
from test_stopping import article_requests, slow_site, whole_items

TRICKLES = {  # 1000 bytes, one every 0.2 s: 200 s if nothing cut it short
    "body": "/_trouble/trickle?bytes=1000&every=0.2",
    "headers": "/_trouble/trickle-headers?bytes=1000&every=0.2",
}


@pytest.mark.parametrize("part", TRICKLES)
def test_a_trickling_server_cannot_stretch_the_request_deadline(make_site, tmp_path, part: str) -> None:
    path = TRICKLES[part]
    feed = ('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
            f"<item><title>Slow</title><link>{{{{BASE}}}}{path.replace('&', '&amp;')}</link></item></channel></rss>")
    site = make_site({"robots.txt": "User-agent: *\nAllow: /\n", "feed.xml": feed})
    config = write_config(tmp_path, [generated_outlet(site.base_url, article_pattern=None)],
                          http={"request_deadline": 2, "read_timeout": 5, "retries": 2, "backoff": 0.1})
    started = time.monotonic()
    result = run_monitor(config, "poll")
    took = time.monotonic() - started
    assert result.returncode == 1
    assert took < 12, f"poll took {took:.1f}s: the 2 s deadline did not hold (200 s without one)"
    kind, url, message = query(tmp_path / "monitor.db", 'SELECT "class", url, message FROM failures')[0]
    assert (kind, url) == ("timeout", site.url(path))
    assert message in ("no complete answer within 2s (request_deadline: connect, headers and body together)",
                       "body still arriving at the total deadline")
    # Not retried: a deadline overrun is the server's doing, not a blip.
    assert sum(r.target == path for r in site.request_log()) == 1


def test_the_deadline_covers_headers_that_trickle(make_site) -> None:
    site = make_site({"robots.txt": "User-agent: *\nAllow: /\n"})
    http = HttpConfig(per_host_interval=0, retries=0, read_timeout=5, request_deadline=1.0,
                      allow_private_addresses=True, respect_robots=False)
    with Fetcher(http) as fetcher:
        started = time.monotonic()
        with pytest.raises(TimedOut, match="within 1s"):
            fetcher.get(site.url(TRICKLES["headers"]))
        took = time.monotonic() - started
    assert took < 4.0, f"{took:.1f}s for a 1 s deadline (each header byte came well inside read_timeout)"


def test_max_run_time_stops_a_run_keeps_what_it_stored_and_says_so(make_site, tmp_path) -> None:
    site = make_site(slow_site(12))
    config = write_config(tmp_path, [generated_outlet(site.base_url, key="slow", article_pattern=None,
                                                      max_run_time=timedelta(seconds=2))])
    result = run_monitor(config, "poll", timeout=60)
    assert result.returncode == 1
    db = tmp_path / "monitor.db"
    stored, tried = whole_items(db), len(article_requests(site))
    # Stopped at 2 s: between two articles, or cutting the one in flight (not stored, nothing half-written).
    assert 1 <= stored < 12 and tried - stored in (0, 1)
    (status, error), = query(db, "SELECT status, error FROM runs")
    assert status == "failing"
    assert error == (f"run time exceeded: stopped after max_run_time 2s, {tried} of 12 article pages tried;"
                     " what was fetched is stored")
    assert f"FAILING: {error}" in result.stdout
    status_report = run_monitor(config, "status")
    assert status_report.returncode == 1 and "run time exceeded" in status_report.stdout
