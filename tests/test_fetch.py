"""The HTTP edge against the real sample server on 127.0.0.1 (no mocked transport)."""

from __future__ import annotations

import logging
import random
import socket
import threading
import tracemalloc
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from monitor.config import HttpConfig
from monitor.errors import (
    Blocked,
    ClientError,
    RobotsDisallowed,
    ServerError,
    TimedOut,
    TooLarge,
    TooManyRedirects,
    Unreachable,
)
from monitor.fetch import Fetcher, MemoryValidatorCache, decode_body
from monitor.store import Store
from monitor.testing.sampleserver import CHALLENGE_HTML, SPANISH

FAST = dict(per_host_interval=0.0, backoff=0.1, max_backoff=5.0, retries=2, connect_timeout=1.0, read_timeout=1.0,
            allow_private_addresses=True)  # the test sites are on 127.0.0.1
UA = "monitor-test/1.0 (+https://example.org/monitor)"


@dataclass
class Clock:
    """An injectable ``now`` that only moves when told to."""

    at: datetime = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@dataclass
class Rig:
    fetcher: Fetcher
    sleeps: list[float] = field(default_factory=list)  # back-off delays, recorded instead of slept
    attempts: list[str] = field(default_factory=list)  # every request the client sent (incl. connect failures)


@pytest.fixture
def rig():
    made: list[tuple[Fetcher, httpx.Client]] = []

    def make(*, cache=None, now=None, body_deadline=None, robots_store=None, **http) -> Rig:
        attempts: list[str] = []
        client = httpx.Client(event_hooks={"request": [lambda request: attempts.append(str(request.url))]})
        sleeps: list[float] = []
        extra = {"now": now} if now is not None else {}
        config = HttpConfig(**{"user_agent": UA, **FAST, **http})
        fetcher = Fetcher(
            config, cache=cache, sleep=sleeps.append, client=client, rng=random.Random(7), body_deadline=body_deadline,
            robots_store=robots_store, **extra,
        )
        made.append((fetcher, client))
        return Rig(fetcher, sleeps, attempts)

    yield make
    for fetcher, client in made:
        fetcher.close()
        client.close()


def pages(site) -> list[str]:
    """Targets the server saw, robots.txt left out."""
    return [entry.target for entry in site.request_log() if entry.target != "/robots.txt"]


def robots_requests(site) -> int:
    return sum(entry.target == "/robots.txt" for entry in site.request_log())


# ---------------------------------------------------------------- a plain fetch


def test_a_page_arrives_decoded_with_an_honest_user_agent(make_site, rig):
    site = make_site({"a.html": "<p>{{BASE}} niños</p>"})
    page = rig().fetcher.get(site.url("/a.html"), outlet="telesur-es")
    assert (page.status, page.url, page.final_url) == (200, site.url("/a.html"), site.url("/a.html"))
    assert page.text == f"<p>{site.base_url} niños</p>" and page.encoding == "utf-8"
    assert page.headers["content-type"] == "text/html; charset=utf-8" and page.etag and page.last_modified
    assert page.fetched_at is not None and page.fetched_at.tzinfo is not None
    assert {entry.headers["user-agent"] for entry in site.request_log()} == {UA}


@pytest.mark.parametrize("path", ["/_trouble/stub", "/_trouble/malformed", "/_trouble/truncated-feed"])
def test_odd_but_answered_pages_are_passed_on_for_extraction_to_judge(make_site, rig, path):
    site = make_site()
    page = rig().fetcher.get(site.url(path))
    assert page.status == 200 and page.text and not page.not_modified


# ---------------------------------------------------------------- misbehaving servers

RETRIES = FAST["retries"]


@pytest.mark.parametrize(
    "path, error, requests, http",
    [
        ("/_trouble/challenge", Blocked, 1, {}),
        ("/_trouble/status?code=403", Blocked, 1, {}),
        ("/_trouble/status?code=451", Blocked, 1, {}),
        ("/_trouble/status?code=404", ClientError, 1, {}),
        ("/_trouble/status?code=410", ClientError, 1, {}),
        ("/_trouble/always500", ServerError, RETRIES + 1, {}),
        ("/_trouble/always500?code=503", ServerError, RETRIES + 1, {}),
        ("/_trouble/429?retry_after=3600", ClientError, 1, {}),  # Retry-After beyond max_backoff: give up now
        ("/_trouble/loop", TooManyRedirects, 4, {"max_redirects": 3}),
        ("/_trouble/hops?n=3", TooManyRedirects, 3, {"max_redirects": 2}),
        ("/_trouble/big", TooLarge, 1, {}),  # Content-Length over the cap
        ("/_trouble/big?no_length=1&mb=1", TooLarge, 1, {"max_bytes": 100_000}),  # counted while streaming
        ("/_trouble/gzip-bomb", TooLarge, 1, {}),  # cap on decoded bytes
        ("/_trouble/reset", Unreachable, RETRIES + 1, {}),
        ("/_trouble/slow?seconds=2", TimedOut, 1, {"read_timeout": 0.3, "retries": 0}),
    ],
)
def test_misbehaving_endpoints_raise_the_right_error_after_bounded_requests(make_site, rig, path, error, requests, http):
    site = make_site()
    with pytest.raises(error) as raised:
        rig(**http).fetcher.get(site.url(path))
    assert raised.value.url == site.url(path)
    assert len(pages(site)) == requests
    assert robots_requests(site) == 1


@pytest.mark.parametrize("status", [200, 503])
def test_a_challenge_page_is_blocked_not_parsed_nor_retried(make_site, rig, status):
    site = make_site({"cf.html": CHALLENGE_HTML, "routes.toml": f'["/cf/"]\nfile = "cf.html"\nstatus = {status}\n'})
    with pytest.raises(Blocked, match="challenge"):
        rig().fetcher.get(site.url("/cf/"))
    assert pages(site) == ["/cf/"]


def test_a_gzip_bomb_is_stopped_without_inflating_it(make_site, rig):
    site = make_site()
    fetcher = rig(max_bytes=1_000_000).fetcher
    fetcher.get(site.url("/_trouble/stub"))  # robots.txt and the connection pool out of the measurement
    httpx.get(site.url("/_trouble/gzip-bomb"))  # let the server build its bomb before we measure
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge):
            fetcher.get(site.url("/_trouble/gzip-bomb"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000  # the bomb inflates to 32 MB


def test_a_trickling_body_hits_the_total_deadline(make_site, rig):
    site = make_site()
    with pytest.raises(TimedOut, match="deadline"):
        rig(read_timeout=0.5, body_deadline=0.3).fetcher.get(site.url("/_trouble/trickle?bytes=50&every=0.05"))


@pytest.mark.parametrize(
    "path, requests",
    [("/_trouble/flaky", 2), ("/_trouble/flaky?times=2", 3), ("/_trouble/429", 2), ("/_trouble/429?times=2", 3)],
)
def test_transient_failures_recover_within_the_retry_budget(make_site, rig, path, requests):
    site = make_site()
    r = rig()
    assert r.fetcher.get(site.url(path)).status == 200
    assert len(pages(site)) == requests == len(r.sleeps) + 1


def test_backoff_doubles_with_jitter_and_is_capped(make_site, rig):
    site = make_site()
    r = rig(retries=4, backoff=0.1, max_backoff=0.3)
    with pytest.raises(ServerError):
        r.fetcher.get(site.url("/_trouble/always500"))
    caps = [0.1, 0.2, 0.3, 0.3]
    assert len(r.sleeps) == 4
    assert all(cap / 2 <= slept <= cap for slept, cap in zip(r.sleeps, caps))


@pytest.mark.parametrize("retry_after, low, high", [("1", 1.0, 1.0), ("3", 3.0, 3.0), ("date:3", 1.5, 3.0)])
def test_retry_after_is_honoured_in_seconds_or_as_a_date(make_site, rig, retry_after, low, high):
    site = make_site()
    r = rig()
    r.fetcher.get(site.url(f"/_trouble/429?retry_after={retry_after}"))
    assert len(r.sleeps) == 1 and low <= r.sleeps[0] <= high


def test_redirects_are_followed_and_the_final_url_kept(make_site, rig):
    site = make_site()
    page = rig(max_redirects=3).fetcher.get(site.url("/_trouble/hops?n=3"))
    assert page.url == site.url("/_trouble/hops?n=3")
    assert page.final_url == site.url("/_trouble/hops?n=0") and "arrived" in page.text


# ---------------------------------------------------------------- charsets


@pytest.mark.parametrize(
    "path, encoding",
    [
        ("/_trouble/lying-charset", "cp1252"),  # header utf-8, bytes cp1252
        ("/_trouble/latin1-meta", "cp1252"),
        ("/_trouble/latin1-meta?style=http-equiv", "cp1252"),
        ("/_trouble/cp1252-bare", "cp1252"),  # nothing declared: utf-8 fails, cp1252
        ("/_trouble/bom", "utf-8"),  # the BOM beats the header's iso-8859-1
        ("/_trouble/utf8-declared-latin1", "utf-8"),  # multi-byte UTF-8 beats a latin-1 label
    ],
)
def test_spanish_accents_survive_every_charset_path(make_site, rig, path, encoding):
    page = rig().fetcher.get(make_site().url(path))
    assert SPANISH in page.text
    assert page.encoding == encoding
    assert "\ufeff" not in page.text and "Ã" not in page.text


S = SPANISH


@pytest.mark.parametrize(
    "content, content_type, text, encoding",
    [
        (S.encode(), None, S, "utf-8"),
        (S.encode(), "text/html; charset=UTF-8", S, "utf-8"),
        (S.encode("cp1252"), "text/html; charset=windows-1252", S, "cp1252"),
        (S.encode("cp1252"), "text/html; charset=ISO-8859-1", S, "cp1252"),  # WHATWG: latin-1 means cp1252
        ("“Trata” – niños".encode("cp1252"), "text/html; charset=iso-8859-1", "“Trata” – niños", "cp1252"),
        (S.encode("cp1252"), "text/html; charset=no-such-charset", S, "cp1252"),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><t>' + S.encode("cp1252"), "application/xml", "<t>" + S, "cp1252"),
        (b'<meta charset="utf-16"><p>' + S.encode(), "text/html", "<p>" + S, "utf-8"),  # WHATWG: meta utf-16 is utf-8
        (b"\xff\xfe" + S.encode("utf-16-le"), "text/html; charset=utf-8", S, "utf-16-le"),
        (b"caf\xe9 \x81", None, "café \x81", "latin-1"),  # 0x81 is undefined in cp1252
    ],
)
def test_decode_body_order(content, content_type, text, encoding):
    decoded, used = decode_body(content, content_type)
    assert used == encoding
    assert decoded.endswith(text)


# ---------------------------------------------------------------- robots.txt

ROBOTS = "User-agent: *\nDisallow: /private/\n"
OURS = ROBOTS + "\nUser-agent: monitor-test\nDisallow: /not-for-monitor/\n"


@pytest.mark.parametrize(
    "robots, path, allowed",
    [
        (ROBOTS, "/a.html", True),
        (ROBOTS, "/private/a.html", False),
        (OURS, "/not-for-monitor/a.html", False),
        (OURS, "/private/a.html", True),  # RFC 9309: a group naming our agent replaces the * group
    ],
)
def test_robots_txt_is_obeyed_for_our_user_agent(make_site, rig, robots, path, allowed):
    site = make_site({"robots.txt": robots, "a.html": "a", "private/a.html": "p", "not-for-monitor/a.html": "n"})
    fetcher = rig().fetcher
    if allowed:
        assert fetcher.get(site.url(path)).text
    else:
        with pytest.raises(RobotsDisallowed):
            fetcher.get(site.url(path))
        assert pages(site) == []  # the page itself was never asked for


def test_robots_txt_is_fetched_once_per_host_even_from_many_threads(make_site, rig):
    site = make_site({"robots.txt": ROBOTS, **{f"{n}.html": str(n) for n in range(6)}})
    fetcher = rig(per_host_concurrency=3).fetcher
    threads = [threading.Thread(target=fetcher.get, args=(site.url(f"/{n}.html"),)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fetcher.get(site.url("/0.html"))
    assert robots_requests(site) == 1 and len(pages(site)) == 7
    assert site.request_log()[0].target == "/robots.txt"


def test_a_robots_redirect_to_another_host_is_followed_and_paced_there(make_site, rig):
    home = make_site({"robots.txt": "User-agent: *\nDisallow: /x/\n"}, name="home")
    site = make_site({"routes.toml": f'["/robots.txt"]\nstatus = 301\nheaders = {{ Location = "{home.base_url}/robots.txt" }}\n'})
    with pytest.raises(RobotsDisallowed):
        rig().fetcher.get(site.url("/x/page"))
    assert [e.target for e in home.request_log()] == ["/robots.txt"]


@pytest.mark.parametrize("status, retried", [(500, RETRIES + 1), (503, RETRIES + 1), (429, RETRIES + 1)])
def test_a_failing_robots_txt_means_disallow_all_for_a_while(make_site, rig, status, retried):
    site = make_site({"routes.toml": f'["/robots.txt"]\nstatus = {status}\n', "a.html": "a"})
    fetcher = rig().fetcher
    for _ in range(3):
        with pytest.raises(RobotsDisallowed, match=f"robots.txt answered {status}"):
            fetcher.get(site.url("/a.html"))
    assert robots_requests(site) == retried and pages(site) == []  # cached: asked for once, not three times


def test_robots_txt_is_kept_in_the_store_for_a_day_then_revalidated(make_site, rig, tmp_path):
    site = make_site({"robots.txt": "User-agent: *\nDisallow: /private/\n", "a.html": "a", "private/b.html": "b"})
    clock = Clock()
    with Store(tmp_path / "monitor.db") as store:

        def process() -> Fetcher:  # each run is a new process: a new Fetcher over the same store
            return rig(now=clock, robots_store=store.robots).fetcher

        assert process().get(site.url("/a.html")).text == "a"
        clock.advance(hours=23)
        with pytest.raises(RobotsDisallowed):
            process().get(site.url("/private/b.html"))
        assert robots_requests(site) == 1  # the second run trusted the stored rules
        clock.advance(hours=2)
        process().get(site.url("/a.html"))
        asked = [e for e in site.request_log() if e.target == "/robots.txt"]
        assert len(asked) == 2 and asked[1].headers.get("if-none-match")  # revalidated: a 304, not a download
        (site.folder / "robots.txt").write_text("User-agent: *\nDisallow: /\n", encoding="utf-8")
        clock.advance(hours=25)
        with pytest.raises(RobotsDisallowed):
            process().get(site.url("/a.html"))  # changed rules arrive once the day is over
        assert store.robots.get(site.base_url).body == "User-agent: *\nDisallow: /\n"


def test_a_failing_robots_txt_is_stored_for_minutes_not_a_day(make_site, rig, tmp_path):
    site = make_site({"routes.toml": '["/robots.txt"]\nstatus = 503\n', "a.html": "a"})
    clock = Clock()
    with Store(tmp_path / "monitor.db") as store:
        for minutes in (0, 10):
            clock.advance(minutes=minutes)
            with pytest.raises(RobotsDisallowed, match="robots.txt answered 503"):
                rig(now=clock, robots_store=store.robots, retries=0).fetcher.get(site.url("/a.html"))
        assert robots_requests(site) == 1
        clock.advance(minutes=6)
        with pytest.raises(RobotsDisallowed):
            rig(now=clock, robots_store=store.robots, retries=0).fetcher.get(site.url("/a.html"))
        assert robots_requests(site) == 2


@pytest.mark.parametrize("status", [401, 403, 404, 410])
def test_a_4xx_robots_txt_allows_everything(make_site, rig, status):
    site = make_site({"routes.toml": f'["/robots.txt"]\nstatus = {status}\n', "a.html": "a"})
    assert rig().fetcher.get(site.url("/a.html")).text == "a"


def test_robots_can_be_switched_off(make_site, rig):
    site = make_site({"robots.txt": "User-agent: *\nDisallow: /\n", "a.html": "a"})
    assert rig(respect_robots=False).fetcher.get(site.url("/a.html")).text == "a"
    assert robots_requests(site) == 0


# ---------------------------------------------------------------- pacing and concurrency


def gaps(site) -> list[float]:
    times = [entry.time for entry in site.request_log()]
    return [b - a for a, b in zip(times, times[1:])]


TOLERANCE = 0.03  # server timestamps are taken a little after the client starts (a busy 2-core box)


def test_requests_to_one_host_are_spaced_by_the_interval(make_site, rig):
    site = make_site({f"{n}.html": str(n) for n in range(3)})
    fetcher = rig(per_host_interval=0.15).fetcher
    for n in range(3):
        fetcher.get(site.url(f"/{n}.html"))
    assert len(gaps(site)) == 3  # robots.txt + three pages
    assert min(gaps(site)) >= 0.15 - TOLERANCE


def test_spacing_holds_across_threads(make_site, rig):
    site = make_site({f"{n}.html": str(n) for n in range(4)})
    fetcher = rig(per_host_interval=0.1, per_host_concurrency=4).fetcher
    threads = [threading.Thread(target=fetcher.get, args=(site.url(f"/{n}.html"),)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(pages(site)) == 4 and min(gaps(site)) >= 0.1 - TOLERANCE


def test_a_larger_robots_crawl_delay_wins(make_site, rig):
    site = make_site({"robots.txt": "User-agent: *\nCrawl-delay: 0.25\n", "a.html": "a", "b.html": "b"})
    fetcher = rig(per_host_interval=0.05).fetcher
    fetcher.get(site.url("/a.html"))
    fetcher.get(site.url("/b.html"))
    assert gaps(site)[-1] >= 0.25 - TOLERANCE


def test_other_hosts_are_not_held_up_by_one_hosts_interval(make_site, rig):
    one, two = make_site({"a.html": "a"}, name="one"), make_site({"a.html": "a"}, name="two")
    fetcher = rig(per_host_interval=0.4, respect_robots=False).fetcher
    fetcher.get(one.url("/a.html"))
    fetcher.get(two.url("/a.html"))
    assert two.request_log()[0].time - one.request_log()[0].time < 0.4


@pytest.mark.parametrize("limit", [1, 2])
def test_at_most_per_host_concurrency_requests_are_in_flight(make_site, rig, limit):
    site = make_site()
    fetcher = rig(per_host_concurrency=limit, respect_robots=False).fetcher
    # Each request waits at the server until `limit` are in flight together (however slowly the threads
    # start under load), then holds 0.15 s so a client sending more than `limit` at once would show it.
    gate = f"/_trouble/gate?n={limit}&hold=0.15"
    threads = [threading.Thread(target=fetcher.get, args=(site.url(f"{gate}&k={n}"),)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(pages(site)) == 4 and site.peak_in_flight == limit


# ---------------------------------------------------------------- conditional GET


def test_304_is_not_modified_and_refreshes_the_validators(make_site, rig):
    site = make_site({"feed.xml": "<rss/>"})
    cache, clock = MemoryValidatorCache(), Clock()
    fetcher = rig(cache=cache, now=clock).fetcher
    first = fetcher.get(site.url("/feed.xml"), conditional=True)
    clock.advance(minutes=20)
    second = fetcher.get(site.url("/feed.xml"), conditional=True)
    sent = site.request_log()[-1].headers
    assert sent["if-none-match"] == first.etag and sent["if-modified-since"] == first.last_modified
    assert (second.status, second.not_modified, second.content) == (304, True, b"")
    stored = cache.get(site.url("/feed.xml"))
    assert stored.checked_at == clock.at and stored.body_hash == first.body_hash
    assert stored.unconditional_at == clock.at - timedelta(minutes=20)


def test_new_content_gets_new_validators(make_site, rig):
    site = make_site({"feed.xml": "<rss>1</rss>"})
    cache = MemoryValidatorCache()
    fetcher = rig(cache=cache).fetcher
    first = fetcher.get(site.url("/feed.xml"), conditional=True)
    (site.folder / "feed.xml").write_text("<rss>2</rss>")
    second = fetcher.get(site.url("/feed.xml"), conditional=True)
    assert second.status == 200 and not second.not_modified and second.text == "<rss>2</rss>"
    stored = cache.get(site.url("/feed.xml"))
    assert stored.etag == second.etag != first.etag and stored.body_hash == second.body_hash


def test_the_same_etag_with_new_content_is_caught_by_the_body_hash(make_site, rig):
    site = make_site()
    fetcher = rig(cache=MemoryValidatorCache()).fetcher
    first = fetcher.get(site.url("/_trouble/same-etag"), conditional=True)
    second = fetcher.get(site.url("/_trouble/same-etag"), conditional=True)
    assert first.etag == second.etag
    assert second.status == 200 and not second.not_modified and second.content != first.content


def test_an_unchanged_body_without_validators_is_not_modified(make_site, rig):
    site = make_site()
    fetcher = rig(cache=MemoryValidatorCache()).fetcher
    url = site.url("/_trouble/status?code=200")  # no ETag, no Last-Modified, same body
    assert not fetcher.get(url, conditional=True).not_modified
    again = fetcher.get(url, conditional=True)
    assert again.status == 200 and again.not_modified and again.text


def test_an_unconditional_fetch_happens_every_period(make_site, rig):
    site = make_site({"feed.xml": "<rss/>"})
    cache, clock = MemoryValidatorCache(), Clock()
    fetcher = rig(cache=cache, now=clock, unconditional_every=timedelta(hours=6)).fetcher
    for hours in (0, 3, 3, 1):  # t = 0, 3, 6, 7 h
        clock.advance(hours=hours)
        fetcher.get(site.url("/feed.xml"), conditional=True)
    sent = ["if-none-match" in entry.headers for entry in site.request_log() if entry.target == "/feed.xml"]
    assert sent == [False, True, False, True]
    assert cache.get(site.url("/feed.xml")).unconditional_at == clock.at - timedelta(hours=1)


def test_unconditional_fetch_still_compares_the_body_hash(make_site, rig):
    site = make_site({"feed.xml": "<rss/>"})
    clock = Clock()
    fetcher = rig(cache=MemoryValidatorCache(), now=clock, unconditional_every=timedelta(hours=1)).fetcher
    fetcher.get(site.url("/feed.xml"), conditional=True)
    clock.advance(hours=2)
    page = fetcher.get(site.url("/feed.xml"), conditional=True)
    assert page.status == 200 and page.not_modified


def test_plain_gets_leave_the_cache_alone(make_site, rig):
    site = make_site({"a.html": "a"})
    cache = MemoryValidatorCache()
    fetcher = rig(cache=cache).fetcher
    fetcher.get(site.url("/a.html"))
    fetcher.get(site.url("/a.html"))
    assert cache.entries == {} and all("if-none-match" not in e.headers for e in site.request_log())


# ---------------------------------------------------------------- unreachable hosts


@pytest.fixture
def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens: connections are refused
    return port


def test_a_refused_host_fails_fast_for_the_rest_of_the_run(rig, closed_port):
    r = rig()
    base = f"http://127.0.0.1:{closed_port}"
    with pytest.raises(Unreachable):
        r.fetcher.get(base + "/first")
    assert len(r.attempts) == RETRIES + 1  # robots.txt, retried
    for n in range(5):
        with pytest.raises(Unreachable, match="failed earlier"):
            r.fetcher.get(f"{base}/later-{n}")
    assert len(r.attempts) == RETRIES + 1  # no further connection attempts
    r.fetcher.forget_down_hosts()
    with pytest.raises(Unreachable):
        r.fetcher.get(base + "/next-run")
    assert len(r.attempts) == 2 * (RETRIES + 1)


def test_a_name_that_does_not_resolve_is_not_retried(rig):
    r = rig(respect_robots=False)
    with pytest.raises(Unreachable):
        r.fetcher.get("http://no-such-outlet.invalid/news/")
    assert len(r.attempts) == 1 and r.sleeps == []


def test_other_hosts_still_work_when_one_is_down(make_site, rig, closed_port):
    site = make_site({"a.html": "a"})
    fetcher = rig().fetcher
    with pytest.raises(Unreachable):
        fetcher.get(f"http://127.0.0.1:{closed_port}/x")
    assert fetcher.get(site.url("/a.html")).text == "a"


# ---------------------------------------------------------------- logging


def test_giving_up_is_one_info_line_naming_the_outlet_and_requests_are_debug(make_site, rig, caplog):
    # Quiet by default: the failure reaches the user in the outlet's run summary, so the
    # fetcher's own line is info (shown with -v), never a warning per URL.
    site = make_site()
    caplog.set_level(logging.DEBUG, logger="monitor")
    with pytest.raises(ServerError):
        rig().fetcher.get(site.url("/_trouble/always500"), outlet="rhc-es")
    ours = [record for record in caplog.records if record.name.startswith("monitor.fetch")]
    infos = [record for record in ours if record.levelno == logging.INFO]
    assert len(infos) == 1 and "giving up" in infos[0].getMessage() and infos[0].outlet == "rhc-es"
    assert {record.levelno for record in ours} == {logging.DEBUG, logging.INFO}
