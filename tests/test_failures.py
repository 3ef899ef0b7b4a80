"""Failures you can act on: every failed URL recorded with its class and message, named in
the poll summary, listed by ``monitor status OUTLET`` and linked from the digest's health."""

from __future__ import annotations

import pytest

from daemon_support import article_page, generated_outlet, query, run_monitor, write_config

TROUBLE = {  # article link -> the class a person acts on
    "/_trouble/status?code=404": "http 4xx",
    "/_trouble/always500?k=1": "http 5xx",
    "/_trouble/challenge?k=1": "blocked 403",
    "/_trouble/stub?k=1": "not an article",
    "/_trouble/stub?k=2": "not an article",
    "/_trouble/big?mb=8": "too large",
}


@pytest.fixture
def polled(make_site, tmp_path):
    links = ["{{BASE}}/news/1.html", *("{{BASE}}" + path for path in TROUBLE)]
    items = "".join(f"<item><title>T{n}</title><link>{link.replace('&', '&amp;')}</link></item>"
                    for n, link in enumerate(links))
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{items}</channel></rss>'
    site = make_site({"robots.txt": "User-agent: *\nAllow: /\n", "feed.xml": feed, "news/1.html": article_page(1),
                      "not-a-feed.txt": "Nothing to see here.\n"})
    outlet = generated_outlet(site.base_url, article_pattern=None,
                              feeds=(site.url("/feed.xml"), site.url("/not-a-feed.txt")))
    config = write_config(tmp_path, [outlet])
    return site, config, run_monitor(config, "poll")


def test_every_failed_url_is_recorded_with_its_class(polled) -> None:
    site, config, result = polled
    assert result.returncode == 1  # 6 of 7 article pages failed
    rows = query(config.parent / "monitor.db", 'SELECT url, "class", source FROM failures ORDER BY id')
    assert rows == [(site.url("/not-a-feed.txt"), "parse error", "discovery")] + [
        (site.url(path), kind, "article") for path, kind in TROUBLE.items()]
    messages = dict(query(config.parent / "monitor.db", 'SELECT "class", message FROM failures'))
    assert messages["http 4xx"] == "http 404" and messages["blocked 403"] == "blocked (403 + challenge page)"
    assert messages["too large"] == "Content-Length 8000000 bytes is over the 5000000-byte cap"
    (run_id,), = query(config.parent / "monitor.db", "SELECT id FROM runs")
    assert query(config.parent / "monitor.db", "SELECT DISTINCT run_id FROM failures") == [(run_id,)]


def test_the_poll_summary_names_every_class_with_counts_and_first_urls(polled) -> None:
    site, _, result = polled
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Generated: 7 seen, 1 new (0 relevant), 0 updated, 6 failed — FAILING:")
    assert lines[1:9] == [
        f"    2 not an article: {site.url('/_trouble/stub?k=1')}, {site.url('/_trouble/stub?k=2')}",
        f"    1 blocked 403: {site.url('/_trouble/challenge?k=1')}",
        f"    1 http 4xx: {site.url('/_trouble/status?code=404')}",
        f"    1 http 5xx: {site.url('/_trouble/always500?k=1')}",
        f"    1 parse error: {site.url('/not-a-feed.txt')}",
        f"    1 too large: {site.url('/_trouble/big?mb=8')}",
        "    (every failure: monitor status gen)",
        "1 new (0 relevant), 0 updated, 1 outlet failing",
    ]


def test_status_outlet_lists_the_latest_failures(polled) -> None:
    site, config, _ = polled
    result = run_monitor(config, "status", "gen", "--limit", "3")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    at = lines.index("gen: latest 3 failures (newest first)")
    assert [line.split()[1:] for line in lines[at + 1::2][:3]] == [
        ["too", "large", site.url("/_trouble/big?mb=8")],
        ["not", "an", "article", site.url("/_trouble/stub?k=2")],
        ["not", "an", "article", site.url("/_trouble/stub?k=1")],
    ]
    unknown = run_monitor(config, "status", "nope")
    assert unknown.returncode == 2 and "no outlet 'nope'" in unknown.stderr


def test_the_digest_health_section_links_the_failures(polled) -> None:
    site, config, _ = polled
    text = run_monitor(config, "digest").stdout
    health = text[text.index("## Health"):]
    assert "FAILING [gen] Generated:" in health and "all with `monitor status gen`" in health
    assert f"  - too large: <{site.url('/_trouble/big?mb=8')}>" in health
    assert f"  - not an article: <{site.url('/_trouble/stub?k=2')}>" in health
    html = run_monitor(config, "digest", "--format", "html").stdout
    assert f'too large: <a href="{site.url("/_trouble/big?mb=8")}">' in html
