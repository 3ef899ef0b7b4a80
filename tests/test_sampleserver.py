"""The fixture web server: the README routes convention and the /_trouble/ endpoints."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import httpx
import pytest

from monitor.testing.sampleserver import SPANISH, normalise_target, start_sites

ROUTES = """
["/feed/"]
file = "feed.xml"
type = "application/rss+xml; charset=utf-8"

["/?s=human+trafficking"]
file = "search.html"

["/?b=2&a=1"]
file = "search.html"

["/gone/"]
status = 301
headers = { Location = "{{BASE}}/feed/", X-Extra = "yes" }

["/missing/"]
file = "search.html"
status = 404
"""

FILES = {
    "routes.toml": ROUTES,
    "routes-more.toml": '["/other-owner/"]\nfile = "search.html"\n',
    "feed.xml": "<rss><channel><link>{{BASE}}/</link></channel></rss>",
    "search.html": '<a href="{{BASE}}/story/">story</a>',
    "story/index.html": "<p>story</p>",
    "notes.txt": "see {{BASE}}/notes",
    "logo.png": b"\x89PNG{{BASE}}",
    "data.json": '{"base": "{{BASE}}"}',
}


HTTP = httpx.Client(timeout=5)  # one client for the module: a new one per request costs an SSL context


@pytest.fixture(scope="module", autouse=True)
def _close_client():
    yield
    HTTP.close()


@pytest.fixture
def site(make_site):
    return make_site(FILES)


@pytest.mark.parametrize(
    "a, b",
    [
        ("/?s=human+trafficking", "/?s=human%20trafficking"),
        ("/?b=2&a=1", "/?a=1&b=2"),
        ("/a%20b/", "/a b/"),
        ("", "/"),
    ],
)
def test_targets_normalise_equal(a, b):
    assert normalise_target(a) == normalise_target(b)


@pytest.mark.parametrize(
    "target, status, content_type, body_part",
    [
        ("/feed/", 200, "application/rss+xml; charset=utf-8", "<link>{base}/</link>"),
        ("/?s=human%20trafficking", 200, "text/html; charset=utf-8", 'href="{base}/story/"'),
        ("/?s=human+trafficking", 200, "text/html; charset=utf-8", 'href="{base}/story/"'),
        ("/?a=1&b=2", 200, "text/html; charset=utf-8", "story"),
        ("/other-owner/", 200, "text/html; charset=utf-8", "story"),  # a second routes*.toml
        ("/missing/", 404, "text/html; charset=utf-8", "story"),  # status from the route
        ("/notes.txt", 200, "text/plain; charset=utf-8", "see {base}/notes"),
        ("/data.json", 200, "application/json", '"{base}"'),
        ("/story/index.html", 200, "text/html; charset=utf-8", "<p>story</p>"),
        ("/nothing-here", 404, "text/html; charset=utf-8", "Not found"),
        ("/robots.txt", 404, "text/html; charset=utf-8", "Not found"),  # no robots.txt: allow all
        ("/routes.toml", 404, "text/html; charset=utf-8", "Not found"),  # the routing itself is private
        ("/../../etc/passwd", 404, "text/html; charset=utf-8", "Not found"),
    ],
)
def test_routes_convention(site, target, status, content_type, body_part):
    response = HTTP.get(site.url(target))
    assert response.status_code == status
    assert response.headers["content-type"] == content_type
    assert body_part.format(base=site.base_url) in response.text


def test_route_headers_get_the_base_url(site):
    response = HTTP.get(site.url("/gone/"))
    assert response.status_code == 301
    assert response.headers["location"] == site.base_url + "/feed/"
    assert response.headers["x-extra"] == "yes"


def test_binary_files_are_served_untouched(site):
    response = HTTP.get(site.url("/logo.png"))
    assert response.content == b"\x89PNG{{BASE}}"
    assert response.headers["content-type"] == "image/png"


@pytest.mark.parametrize("validator, request_header", [("etag", "If-None-Match"), ("last-modified", "If-Modified-Since")])
def test_files_answer_conditional_requests_with_304(site, validator, request_header):
    first = HTTP.get(site.url("/feed/"))
    again = HTTP.get(site.url("/feed/"), headers={request_header: first.headers[validator]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]


def test_a_changed_file_gets_a_new_etag_and_a_200(site):
    first = HTTP.get(site.url("/feed/"))
    (site.folder / "feed.xml").write_text("<rss><channel><title>new</title></channel></rss>")
    again = HTTP.get(site.url("/feed/"), headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 200 and "new" in again.text
    assert again.headers["etag"] != first.headers["etag"]


def test_request_log_records_method_target_headers_and_time(site):
    HTTP.get(site.url("/feed/?x=1"), headers={"User-Agent": "tester/1"})
    HTTP.head(site.url("/notes.txt"))
    log = site.request_log()
    assert [(e.method, e.target) for e in log] == [("GET", "/feed/?x=1"), ("HEAD", "/notes.txt")]
    assert log[0].headers["user-agent"] == "tester/1"
    assert log[0].time <= log[1].time


def test_override_replaces_a_route_until_cleared(site):
    site.set_override("/feed/", status=503, body="down", headers={"Retry-After": "5"})
    response = HTTP.get(site.url("/feed/"))
    assert (response.status_code, response.text, response.headers["retry-after"]) == (503, "down", "5")
    site.clear_override("/feed/")
    assert HTTP.get(site.url("/feed/")).status_code == 200


def test_each_site_gets_its_own_port_and_a_subset_can_be_started(tmp_path):
    for name in ("one", "two", "three"):
        (tmp_path / name).mkdir()
    with start_sites(tmp_path) as sites:
        assert sites.names == ["one", "three", "two"]
        assert len({sites.base_url(n) for n in sites.names}) == 3
    with start_sites(tmp_path, ["two"]) as sites:
        assert sites.names == ["two"]
        with pytest.raises(KeyError, match="no sample site 'one'"):
            sites.base_url("one")
    with pytest.raises(FileNotFoundError):
        start_sites(tmp_path, ["four"])


# ---------------------------------------------------------------- /_trouble/


@pytest.mark.parametrize(
    "path, statuses",
    [
        ("/_trouble/429", [429, 200, 429]),
        ("/_trouble/429?times=2", [429, 429, 200]),
        ("/_trouble/flaky", [500, 200, 500]),
        ("/_trouble/flaky?times=2", [500, 500, 200]),
        ("/_trouble/always500", [500, 500, 500]),
        ("/_trouble/always500?code=503", [503, 503, 503]),
        ("/_trouble/status?code=451", [451, 451, 451]),
        ("/_trouble/stub", [200, 200, 200]),
        ("/_trouble/no-such-trouble", [404, 404, 404]),
    ],
)
def test_trouble_status_sequences_are_deterministic(site, path, statuses):
    assert [HTTP.get(site.url(path)).status_code for _ in statuses] == statuses


def test_429_sends_retry_after_seconds_or_date(site):
    assert HTTP.get(site.url("/_trouble/429")).headers["retry-after"] == "1"
    dated = HTTP.get(site.url("/_trouble/429?retry_after=date:5")).headers["retry-after"]
    assert dated.endswith("GMT")


def test_challenge_looks_like_cloudflare(site):
    response = HTTP.get(site.url("/_trouble/challenge"))
    assert response.status_code == 403
    assert "<title>Just a moment...</title>" in response.text
    assert response.headers["cf-mitigated"] == "challenge"


def test_stub_has_no_article_container(site):
    text = HTTP.get(site.url("/_trouble/stub")).text
    assert "<article" not in text and "<p>" not in text


def test_loop_redirects_forever(site):
    with pytest.raises(httpx.TooManyRedirects):
        HTTP.get(site.url("/_trouble/loop"), follow_redirects=True)


def test_hops_redirect_n_times_then_answer(site):
    response = HTTP.get(site.url("/_trouble/hops?n=3"), follow_redirects=True)
    assert len(response.history) == 3 and response.text.count("arrived") == 1


def test_big_streams_the_requested_size(site):
    response = HTTP.get(site.url("/_trouble/big?mb=0.3"))
    assert len(response.content) == int(response.headers["content-length"]) == 300_000


def test_gzip_bomb_is_small_on_the_wire_and_huge_inflated(site):
    with HTTP.stream("GET", site.url("/_trouble/gzip-bomb")) as response:
        wire = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert len(wire) < 100_000
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    assert len(inflater.decompress(wire, 40_000_000)) == 32_000_000
    assert gzip.decompress(wire)[:4] == b"\0\0\0\0"


@pytest.mark.parametrize(
    "path, header_charset, real_encoding, prefix",
    [
        ("/_trouble/lying-charset", "utf-8", "cp1252", b"<!doctype"),
        ("/_trouble/latin1-meta", None, "cp1252", b"<!doctype"),
        ("/_trouble/cp1252-bare", None, "cp1252", b"<!doctype"),
        ("/_trouble/utf8-declared-latin1", "iso-8859-1", "utf-8", b"<!doctype"),
        ("/_trouble/bom", "iso-8859-1", "utf-8", b"\xef\xbb\xbf<!doctype"),
    ],
)
def test_charset_endpoints_send_spanish_in_the_stated_bytes(site, path, header_charset, real_encoding, prefix):
    response = HTTP.get(site.url(path))
    assert response.content.startswith(prefix)
    assert SPANISH in response.content.removeprefix(b"\xef\xbb\xbf").decode(real_encoding)
    assert response.headers.get_list("content-type")[0].partition("charset=")[2] == (header_charset or "")


def test_lying_charset_is_not_valid_utf8(site):
    with pytest.raises(UnicodeDecodeError):
        HTTP.get(site.url("/_trouble/lying-charset")).content.decode("utf-8")


def test_same_etag_serves_new_content_each_time(site):
    first = HTTP.get(site.url("/_trouble/same-etag"))
    second = HTTP.get(site.url("/_trouble/same-etag"), headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200
    assert first.headers["etag"] == second.headers["etag"]
    assert first.content != second.content


def test_truncated_feed_is_not_well_formed(site):
    response = HTTP.get(site.url("/_trouble/truncated-feed"))
    assert response.headers["content-type"].startswith("application/rss+xml")
    with pytest.raises(ET.ParseError):
        ET.fromstring(response.content)


def test_malformed_html_is_served(site):
    assert "<h1>Trata de personas<h1>" in HTTP.get(site.url("/_trouble/malformed")).text


def test_reset_answers_nothing(site):
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        HTTP.get(site.url("/_trouble/reset"))
    assert site.request_log()[-1].target == "/_trouble/reset"


def test_slow_waits_before_answering(site):
    started = time.monotonic()
    assert HTTP.get(site.url("/_trouble/slow?seconds=0.2")).text.count("finally") == 1
    assert time.monotonic() - started >= 0.2


def test_peak_in_flight_counts_concurrent_requests(site):
    import threading

    threads = [threading.Thread(target=httpx.get, args=(site.url(f"/_trouble/slow?seconds=0.2&k={i}"),)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert site.peak_in_flight == 3


# ---------------------------------------------------------------- python -m monitor.testing.sampleserver


def test_module_serves_every_bundled_site_until_interrupted():
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor.testing.sampleserver"], stdout=subprocess.PIPE, text=True, env=env,
        cwd=Path(__file__).parent.parent,
        # a runner started in the background (nohup, `&`) hands its children SIGINT ignored: Ctrl-C is what we test
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        lines = []
        while not lines or not lines[-1].startswith("Serving"):
            lines.append(process.stdout.readline())
        bundled = sorted(p.name for p in (Path(__file__).parent.parent / "monitor/testing/sample_sites").iterdir() if p.is_dir())
        urls = dict(line.split() for line in lines[:-1])
        assert sorted(urls) == bundled
        for url in urls.values():
            assert HTTP.get(url + "/_trouble/stub").status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        process.stdout.close()
