"""Outlets stay on their own hosts, and internal addresses are refused after DNS.

Each case polls a real local site through a ``monitor`` subprocess and checks, on the
other server's request log, that what was refused was never requested.
"""

from __future__ import annotations

from pathlib import Path

from daemon_support import generated_outlet, query, run_monitor, write_config
import httpx

from monitor.config import HttpConfig
from monitor.errors import PrivateAddress
from monitor.fetch import Fetcher, GuardedBackend, GuardedTransport, OutletScope, refused_address

ROBOTS = {"robots.txt": "User-agent: *\nAllow: /\n"}


def feed_of(*links: str) -> str:
    items = "".join(f"<item><title>Item {n}</title><link>{link}</link></item>" for n, link in enumerate(links))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>{items}</channel></rss>'


def article(n: int) -> str:
    paragraphs = "".join(f"<p>Paragraph {p} of report {n} on the ports and the ministry's figures.</p>" for p in range(4))
    return (f'<!doctype html><html lang="en"><head><title>Report {n}</title></head>'
            f"<body><article><h1>Report number {n}</h1>{paragraphs}</article></body></html>")


def poll(tmp_path: Path, base_url: str, *, private: bool = True, **outlet) -> tuple[object, Path]:
    config = write_config(tmp_path, [generated_outlet(base_url, key="home", article_pattern=None, **outlet)],
                          http={"allow_private_addresses": private})
    return run_monitor(config, "poll"), tmp_path / "monitor.db"


def failures(db: Path) -> list[tuple[str, str]]:
    return query(db, 'SELECT "class", url FROM failures ORDER BY id')


def test_feed_links_to_a_second_host_are_recorded_not_fetched(make_site, tmp_path) -> None:
    other = make_site({**ROBOTS, "news/1.html": article(1), "news/2.html": article(2)}, name="other")
    home = make_site({**ROBOTS, "news/3.html": article(3),
                      "feed.xml": feed_of(other.url("/news/1.html"), other.url("/news/2.html"), "{{BASE}}/news/3.html")},
                     name="home")
    result, db = poll(tmp_path, home.base_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert other.request_log() == []  # not even robots.txt
    assert query(db, "SELECT url FROM items") == [(home.url("/news/3.html"),)]
    assert failures(db) == [("off-site refused", other.url("/news/1.html")),
                            ("off-site refused", other.url("/news/2.html"))]
    assert (f"    2 off-site refused: {other.url('/news/1.html')}, {other.url('/news/2.html')}") in result.stdout
    message = query(db, "SELECT message, source FROM failures LIMIT 1")[0]
    assert message == (f"feed links to {other.base_url.removeprefix('http://')}, not one of the outlet's hosts "
                       "(base_url, allowed_hosts): not fetched", "feed")


def test_allowed_hosts_lets_an_outlet_fetch_from_a_second_host(make_site, tmp_path) -> None:
    other = make_site({**ROBOTS, "news/1.html": article(1)}, name="cdn")
    home = make_site({**ROBOTS, "feed.xml": feed_of(other.url("/news/1.html"))}, name="home")
    result, db = poll(tmp_path, home.base_url, allowed_hosts=(other.base_url.removeprefix("http://"),))
    assert result.returncode == 0, result.stdout
    assert query(db, "SELECT url FROM items") == [(other.url("/news/1.html"),)]
    assert failures(db) == []


def test_redirects_to_another_host_or_the_metadata_address_are_refused(make_site, tmp_path) -> None:
    other = make_site({**ROBOTS, "news/1.html": article(1)}, name="other")
    metadata = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    links = [f"{{{{BASE}}}}/_trouble/redirect?to={other.url('/news/1.html')}", f"{{{{BASE}}}}/_trouble/redirect?to={metadata}",
             "{{BASE}}/_trouble/redirect?to=ftp://files.example.org/report.html"]
    home = make_site({**ROBOTS, "feed.xml": feed_of(*links)}, name="home")
    result, db = poll(tmp_path, home.base_url)
    assert result.returncode == 1  # every article failed
    assert other.request_log() == []
    got = query(db, 'SELECT "class", message FROM failures ORDER BY id')
    assert [kind for kind, _ in got] == ["redirect refused"] * 3  # a non-http redirect is no "http 4xx"
    assert got[0][1] == (f"redirects to {other.url('/news/1.html')}: {other.base_url.removeprefix('http://')} is not "
                         "one of the outlet's hosts (base_url, allowed_hosts)")
    assert got[1][1].startswith(f"redirects to {metadata}: 169.254.169.254 is not one of the outlet's hosts")
    assert got[2][1] == "redirects to ftp://files.example.org/report.html, not an http(s) URL"
    assert "3 redirect refused: " in result.stdout


def test_a_name_resolving_to_loopback_is_refused_without_a_request(make_site, tmp_path) -> None:
    home = make_site({**ROBOTS, "news/1.html": article(1), "feed.xml": feed_of("{{BASE}}/news/1.html")}, name="home")
    port = home.base_url.rsplit(":", 1)[1]
    result, db = poll(tmp_path, f"http://localhost:{port}", private=False)  # localhost: /etc/hosts says 127.0.0.1
    assert result.returncode == 1
    assert home.request_log() == []
    assert failures(db) == [("private address refused", f"http://localhost:{port}/feed.xml")]
    message = query(db, "SELECT message FROM failures")[0][0]
    assert "localhost resolves to 127.0.0.1 (loopback): refused (set [http] allow_private_addresses = true" in message
    assert "private address refused: every source failed" in result.stdout


def test_the_address_checked_is_the_address_connected(make_site) -> None:
    """DNS is asked once per connection and the socket goes to that answer (pinned), so an
    answer that changes between check and connect (rebinding) cannot slip an address past."""
    site = make_site({**ROBOTS, "a.html": article(1)}, name="pinned")
    port = int(site.base_url.rsplit(":", 1)[1])
    answers = [["127.0.0.1"]]
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return answers[min(len(asked), len(answers)) - 1]

    http = HttpConfig(per_host_interval=0, retries=0, respect_robots=False, allow_private_addresses=True)
    with Fetcher(http, resolver=resolver) as fetcher:
        page = fetcher.get(f"http://news.test:{port}/a.html")
    assert page.status == 200 and asked == ["news.test"]
    assert site.request_log()[0].headers["host"] == f"news.test:{port}"  # the name is kept, the address pinned

    asked.clear()
    answers[:] = [["93.184.215.14", "169.254.169.254"]]  # a public answer mixed with an internal one
    with Fetcher(HttpConfig(per_host_interval=0, retries=0, respect_robots=False), resolver=resolver) as fetcher:
        try:
            fetcher.get(f"http://news.test:{port}/a.html")
        except PrivateAddress as exc:
            assert "news.test resolves to 169.254.169.254 (link-local)" in str(exc)
        else:
            raise AssertionError("an answer holding a link-local address was connected to")
    assert asked == ["news.test"] and len(site.request_log()) == 1


def test_a_redirect_to_an_allowed_host_on_an_internal_address_is_refused(make_site) -> None:
    """The check is made on every connection, so a redirect cannot reach an internal address either.

    No public address answers here, so 127.0.0.1 stands in for one (the only thing not real):
    the outlet's host resolves to it, the allowed second host to 127.0.0.2 (loopback).
    """
    site = make_site({**ROBOTS, "a.html": article(1)}, name="outlet")
    port = int(site.base_url.rsplit(":", 1)[1])
    names = {"outlet.test": ["127.0.0.1"], "inside.test": ["127.0.0.2"]}
    backend = GuardedBackend(allow_private=False, resolver=lambda host, _: names[host],
                             classify=lambda a: None if a == "127.0.0.1" else refused_address(a))
    http = HttpConfig(per_host_interval=0, retries=0, respect_robots=False)
    outlet = generated_outlet(f"http://outlet.test:{port}", allowed_hosts=(f"inside.test:{port}",))
    with Fetcher(http, transport=GuardedTransport(backend, httpx.Limits())) as fetcher:
        fetcher.confine(outlet.key, OutletScope.of(outlet))
        assert fetcher.get(f"http://outlet.test:{port}/a.html", outlet=outlet.key).status == 200  # "public"
        try:
            fetcher.get(f"http://outlet.test:{port}/_trouble/redirect?to=http://inside.test:{port}/a.html",
                        outlet=outlet.key)
        except PrivateAddress as exc:
            assert "inside.test resolves to 127.0.0.2 (loopback)" in str(exc)
        else:
            raise AssertionError("a redirect reached a loopback address")
    assert [r.target for r in site.request_log()] == ["/a.html", f"/_trouble/redirect?to=http://inside.test:{port}/a.html"]
