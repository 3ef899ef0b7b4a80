"""Discovery end to end (monitor/discover/__init__.py): the bundled outlets, pointed at the sample
sites (monitor.testing.sampleserver), fetched by the real Fetcher over HTTP on 127.0.0.1."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from typing import Iterator

import pytest

from monitor import config
from monitor.config import HttpConfig, OutletConfig
from monitor.discover import discover
from monitor.discover.search import page_urls, search_urls
from monitor.errors import ClientError, ParseError, RobotsDisallowed
from monitor.fetch import Fetcher, MemoryValidatorCache
from monitor.testing.sampleserver import SampleSites
from monitor.urls import canonical_url

NOW = datetime(2025, 7, 15, 12, tzinfo=timezone.utc)

TS_EN_NEW = {
    "/venezuela-hosts-alba-summit/",
    "/police-dismantle-cocaine-trafficking-ring-in-caribbean/",
    "/washington-labels-cuban-medical-brigades-forced-labor/",
    "/cuba-rejects-us-trafficking-in-persons-report/",
}
TS_ES_NEW = {
    "/cuba-rechaza-informe-de-eeuu-sobre-trata-de-personas/",
    "/se-trata-de-un-nuevo-hospital-en-caracas/",
    "/detienen-a-tres-personas-por-trafico-de-combustible/",
}
RHC_ES = {
    "/es/noticias/nacionales/304053-cuba-publica-informe-nacional-sobre-trata-de-personas",
    "/es/noticias/nacionales/304070-brigadas-medicas-cubanas-rechazan-acusacion-de-trabajo-forzoso",
    "/es/noticias/internacionales/304081-vecinos-trataron-de-salvar-la-cosecha-tras-el-huracan",
}
RHC_280480 = "/en/noticias/nacionales/280480-cuba-strengthened-confrontation-with-human-trafficking"
RHC_304052 = "/en/noticias/nacionales/304052-cuba-publishes-national-report-on-human-trafficking-in-2021"
RHC_304100 = "/en/noticias/internacionales/304100-two-hurt-in-traffic-accident-on-havana-coastal-road"


@pytest.fixture(scope="module")
def bundled() -> dict[str, OutletConfig]:
    return {o.key: o for o in config.load().outlets}


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(HttpConfig(per_host_interval=0, retries=0, allow_private_addresses=True), cache=MemoryValidatorCache()) as client:
        yield client


class Site:
    """One sample site with the bundled outlet moved onto it, and the requests made since."""

    def __init__(self, sites: SampleSites, outlet: OutletConfig):
        self.server = sites.site(outlet.key)
        self.base = self.server.base_url + "/"
        self.outlet = self.moved(outlet)
        self.mark = len(self.server.request_log())

    def moved(self, outlet: OutletConfig, **changes) -> OutletConfig:
        def move(urls: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(self.base + u.removeprefix(outlet.base_url) for u in urls)

        fields = {name: move(getattr(outlet, name)) for name in ("feeds", "listings", "search", "sitemaps")}
        return dataclasses.replace(outlet, base_url=self.base, **{**fields, **changes})

    def requests(self) -> list[str]:
        return [r.target for r in self.server.request_log()[self.mark:] if r.target != "/robots.txt"]

    def paths(self, links) -> dict[str, str]:
        return {link.url.removeprefix(self.server.base_url): link.source for link in links}


@pytest.fixture
def site(sample_sites, bundled):
    return lambda key: Site(sample_sites, bundled[key])


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("telesur-en", {**dict.fromkeys(TS_EN_NEW, "feed"),
                        "/news/Cuba-Rejects-US-False-Accusation-on-Human-Trafficking-20210704-0009.html": "search"}),
        ("telesur-es", {**dict.fromkeys(TS_ES_NEW, "feed"),
                        "/news/Paises-de-la-ONU-prometen-luchar-contra-la-trata-de-personas-20170927-0046.html": "search"}),
        ("rhc-en", {RHC_304100: "feed", RHC_304052: "feed", RHC_280480: "listing"}),
        ("rhc-es", dict.fromkeys(RHC_ES, "feed")),
    ],
)
def test_first_run_finds_every_article_once_with_the_source_that_found_it_first(site, fetcher, key, expected):
    s = site(key)
    found = discover(s.outlet, fetcher, now=NOW)
    assert s.paths(found.links) == expected
    assert len({canonical_url(link.url) for link in found.links}) == len(found.links)
    assert found.errors == [] and found.sources_failed == 0 and not found.failed
    assert found.feed_all_new  # nothing known yet: the feed window may have overflowed
    assert found.sources_tried == len(s.requests())


def test_first_run_walks_listing_and_search_to_max_pages_but_never_past_it(site, fetcher):
    s = site("rhc-en")
    discover(s.outlet, fetcher, now=NOW)
    assert s.requests() == [
        "/en/rss",
        "/en/noticias/nacionales?page=1",
        "/en/noticias/nacionales?page=2",  # page 2 offers page 3: max_pages = 2 stops there
        "/en/especiales/search?query=human+trafficking&page=1",
        "/en/especiales/search?query=human+trafficking&page=2",
        "/en/especiales/search?query=trafficking+in+persons&page=1",
        "/en/especiales/search?query=trafficking+in+persons&page=2",
    ]


def test_known_articles_stop_paging_early_and_clear_the_overflow_signal(site, fetcher):
    s = site("rhc-en")
    found = discover(s.outlet, fetcher, now=NOW, is_known=lambda url: True)
    assert not found.feed_all_new
    assert s.requests() == [
        "/en/rss",
        "/en/noticias/nacionales?page=1",  # holds nothing unknown: page 2 is not asked for
        "/en/especiales/search?query=human+trafficking&page=1",
        "/en/especiales/search?query=trafficking+in+persons&page=1",
    ]
    assert set(s.paths(found.links)) == {RHC_304100, RHC_304052, RHC_280480}  # known links still come back, for rechecks


def test_one_known_feed_entry_clears_the_overflow_signal(site, fetcher):
    s = site("rhc-en")
    known = canonical_url(s.server.base_url + RHC_304052)
    found = discover(s.outlet, fetcher, now=NOW, is_known=lambda url: url == known)
    assert not found.feed_all_new
    # Listing page 1 only repeats what the feed just gave: nothing new, so page 2 is not read
    # and the older 280480 comes from search instead.
    assert "/en/noticias/nacionales?page=2" not in s.requests()
    assert s.paths(found.links)[RHC_280480] == "search"


def test_catch_up_walks_every_page_even_when_everything_is_known(site, fetcher):
    s = site("rhc-en")
    discover(s.outlet, fetcher, now=NOW, is_known=lambda url: True, catch_up=True)
    assert "/en/noticias/nacionales?page=2" in s.requests()
    assert "/en/especiales/search?query=human+trafficking&page=2" in s.requests()


def test_next_links_are_followed_up_to_max_pages_when_the_template_has_no_page(site, fetcher):
    s = site("rhc-en")
    outlet = s.moved(s.outlet, feeds=(), search=(), listings=(s.base + "en/noticias/nacionales?page=1",))
    found = discover(outlet, fetcher, now=NOW)
    assert s.requests() == ["/en/noticias/nacionales?page=1", "/en/noticias/nacionales?page=2"]
    assert set(s.paths(found.links)) == {RHC_304052, RHC_304100, RHC_280480}


@pytest.mark.parametrize(
    ("source", "path", "error"),
    [
        ("feeds", "no-such-feed/", ClientError),  # 404
        ("feeds", "en/noticias/nacionales?page=1", ParseError),  # an HTML page where a feed should be
        ("listings", "private/en/noticias?page={page}", RobotsDisallowed),  # robots.txt: Disallow: /private/
        ("sitemaps", "_trouble/stub", ParseError),  # an HTML page is not a sitemap
    ],
)
def test_a_failing_source_is_recorded_and_the_others_still_run(site, fetcher, source, path, error):
    s = site("rhc-en")
    outlet = s.moved(s.outlet, **{source: (s.base + path, *getattr(s.outlet, source))})
    found = discover(outlet, fetcher, now=NOW)
    [(url, exc)] = found.errors
    assert url == s.base + path.replace("{page}", "1") and isinstance(exc, error)
    assert found.sources_failed == 1 and not found.failed
    assert {RHC_304052, RHC_304100, RHC_280480} <= set(s.paths(found.links))


def test_robots_disallowed_paths_are_never_requested(site, fetcher):
    s = site("rhc-en")
    outlet = s.moved(s.outlet, listings=(s.base + "private/en/noticias?page={page}",))
    discover(outlet, fetcher, now=NOW)
    assert not any(target.startswith("/private/") for target in s.requests())


def test_an_outlet_whose_every_source_fails_reports_failed(site, fetcher):
    s = site("rhc-es")
    outlet = s.moved(s.outlet, feeds=(s.base + "gone/",), listings=(), search=(), sitemaps=())
    found = discover(outlet, fetcher, now=NOW)
    assert found.failed and found.links == [] and found.sources_tried == 1


def test_unchanged_sources_yield_nothing_on_the_next_poll(site, fetcher):
    s = site("rhc-es")
    first = discover(s.outlet, fetcher, now=NOW)
    second = discover(s.outlet, fetcher, now=NOW, is_known=lambda url: True)
    assert first.not_modified == 0 and len(first.links) == 3
    assert second.links == [] and second.errors == []
    assert second.not_modified == second.sources_tried == 4  # feed, listing page 1, page 1 of both searches
    assert not second.feed_all_new


def test_sitemap_index_reads_the_newest_children_first_within_the_bound(site, fetcher):
    s = site("telesur-es")
    outlet = s.moved(s.outlet, feeds=(), search=())
    found = discover(outlet, fetcher, now=NOW, max_sitemap_children=1)
    assert s.requests() == ["/sitemap.xml", "/news-sitemap.xml"]  # post-sitemap.xml is older: skipped
    assert set(s.paths(found.links)) == TS_ES_NEW
    assert all(link.source == "sitemap" and link.published and link.title for link in found.links)


def test_later_sources_fill_in_what_the_first_one_lacked(site, fetcher):
    s = site("telesur-es")
    found = discover(s.outlet, fetcher, now=NOW)
    by_path = {link.url.removeprefix(s.server.base_url): link for link in found.links}
    hospital = by_path["/se-trata-de-un-nuevo-hospital-en-caracas/"]
    assert hospital.source == "feed"
    assert hospital.published == datetime(2025, 7, 10, 14, tzinfo=timezone.utc)  # the feed's, kept
    assert hospital.lastmod == datetime(2025, 7, 10, 15, 12, 9, tzinfo=timezone.utc)  # from post-sitemap.xml


def test_dates_claimed_in_the_future_are_dropped(site, fetcher):
    s = site("telesur-en")
    found = discover(s.outlet, fetcher, now=datetime(2025, 7, 10, tzinfo=timezone.utc))
    dates = {link.url.removeprefix(s.server.base_url): link.published for link in found.links}
    assert dates["/venezuela-hosts-alba-summit/"] is None  # 14 July, after "now"
    assert dates["/cuba-rejects-us-trafficking-in-persons-report/"] == datetime(2025, 7, 2, 13, 10, tzinfo=timezone.utc)


@pytest.mark.parametrize("key", ["telesur-en", "telesur-es", "rhc-en", "rhc-es"])
def test_every_configured_discovery_url_has_a_fixture_route(site, fetcher, key):
    """config.toml and the sample sites must not drift apart: each URL discovery may ask for answers 200."""
    o = site(key).outlet
    urls = [*o.feeds, *o.sitemaps, *search_urls(o), *(u for t in o.listings for u in page_urls(t, o.max_pages))]
    assert urls
    for url in urls:
        assert fetcher.get(url, outlet=key).status == 200, url
