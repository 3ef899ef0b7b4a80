"""The discovery parsers (monitor/discover/{feeds,listing,search,sitemaps}.py), pure: bytes in, Links out.

Fixture files are the sample sites' discovery files (monitor/testing/sample_sites/*/discovery/), read with
``{{BASE}}`` replaced by the outlet's real base URL, so each parses as if fetched from the live site.
Their evidence (OUTLETS.md labels) is in each file's header comment.
"""

from __future__ import annotations

import gzip
import logging
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor import config
from monitor.config import OutletConfig
from monitor.discover.feeds import parse_date, parse_feed
from monitor.discover.listing import parse_listing
from monitor.discover.search import search_urls
from monitor.discover.sitemaps import parse_sitemap
from monitor.errors import ParseError

SITES = Path(config.__file__).parent / "testing" / "sample_sites"
UTC = timezone.utc
HAVANA = ZoneInfo("America/Havana")


@pytest.fixture(scope="module")
def outlets() -> dict[str, OutletConfig]:
    return {o.key: o for o in config.load().outlets}


def fixture(site: str, name: str, base: str) -> bytes:
    return (SITES / site / "discovery" / name).read_bytes().replace(b"{{BASE}}", base.rstrip("/").encode())


def paths(links, base: str) -> list[str]:
    return [link.url.removeprefix(base.rstrip("/")) for link in links]


# ---------------------------------------------------------------- feeds

TS_EN_NEW = [
    "/venezuela-hosts-alba-summit/",
    "/police-dismantle-cocaine-trafficking-ring-in-caribbean/",
    "/washington-labels-cuban-medical-brigades-forced-labor/",
    "/cuba-rejects-us-trafficking-in-persons-report/",
]
TS_EN_OLD = "/news/Cuba-Rejects-US-False-Accusation-on-Human-Trafficking-20210704-0009.html"
TS_ES_OLD = "/news/Paises-de-la-ONU-prometen-luchar-contra-la-trata-de-personas-20170927-0046.html"
RHC_EN = {
    "280480": "/en/noticias/nacionales/280480-cuba-strengthened-confrontation-with-human-trafficking",
    "304052": "/en/noticias/nacionales/304052-cuba-publishes-national-report-on-human-trafficking-in-2021",
    "304100": "/en/noticias/internacionales/304100-two-hurt-in-traffic-accident-on-havana-coastal-road",
}


@pytest.mark.parametrize(
    ("site", "name", "expected_paths", "published", "lastmod"),
    [
        # WordPress RSS, RFC-822 +0000 [C]/[I]
        ("telesur-en", "feed.xml", TS_EN_NEW, datetime(2025, 7, 14, 18, 20, tzinfo=UTC), None),
        ("telesur-es", "feed.xml", [
            "/detienen-a-tres-personas-por-trafico-de-combustible/",
            "/se-trata-de-un-nuevo-hospital-en-caracas/",
            "/cuba-rechaza-informe-de-eeuu-sobre-trata-de-personas/",
        ], datetime(2025, 7, 12, 16, 30, tzinfo=UTC), None),
        # zone-less pubDate = Havana time; 6 Nov 2021 is still daylight time (UTC-4)
        ("rhc-en", "rss.xml", [RHC_EN["304100"], RHC_EN["304052"]], datetime(2021, 11, 6, 14, 15, tzinfo=UTC), None),
        ("rhc-es", "rss.xml", [
            "/es/noticias/internacionales/304081-vecinos-trataron-de-salvar-la-cosecha-tras-el-huracan",
            "/es/noticias/nacionales/304070-brigadas-medicas-cubanas-rechazan-acusacion-de-trabajo-forzoso",
            "/es/noticias/nacionales/304053-cuba-publica-informe-nacional-sobre-trata-de-personas",
        ], datetime(2021, 11, 5, 22, 2, 10, tzinfo=UTC), None),
        # old OpenCms feed [T]: pubDate dd.MM.yy is unusable, lastTime is a Havana *modified* time
        ("telesur-en", "rss-news-old.xml", [TS_EN_OLD], None, datetime(2021, 7, 4, 22, 5, tzinfo=UTC)),
    ],
)
def test_feed_fixture_links_titles_and_dates(outlets, site, name, expected_paths, published, lastmod):
    outlet = outlets[site]
    links = parse_feed(fixture(site, name, outlet.base_url), outlet.base_url + "feed/", outlet)
    assert paths(links, outlet.base_url) == expected_paths
    assert all(link.source == "feed" and link.outlet == site and link.title for link in links)
    assert links[0].published == published
    assert links[0].lastmod == lastmod


def test_feed_keeps_title_text_readable(outlets):
    outlet = outlets["telesur-en"]
    links = parse_feed(fixture("telesur-en", "feed.xml", outlet.base_url), outlet.base_url + "feed/", outlet)
    assert links[2].title == "Washington Labels Cuban Medical Brigades \u2018Forced Labor\u2019"


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Noticias</title><id>urn:x</id><updated>2025-07-02T10:00:00Z</updated>
  <entry>
    <title>Cuba rechaza informe</title>
    <link rel="alternate" href="/cuba-rechaza-informe/"/>
    <id>tag:example,2025:1</id>
    <published>2025-07-02T08:00:00-04:00</published>
    <updated>2025-07-02T10:00:00Z</updated>
  </entry>
</feed>"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://www.example.cu/"><title>RDF</title><link>https://www.example.cu/</link></channel>
  <item rdf:about="https://www.example.cu/trata-de-personas/">
    <title>Trata de personas</title><link>https://www.example.cu/trata-de-personas/</link>
    <dc:date>2025-07-03</dc:date>
  </item>
</rdf:RDF>"""

OLD_TELESUR = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>teleSUR</title><link>https://www.telesurtv.net</link>
<item><title><![CDATA[Pa\xc3\xadses de la ONU prometen luchar contra la trata de personas]]></title>
<link>https://www.telesurtv.net/news/Paises-de-la-ONU-prometen-luchar-contra-la-trata-de-personas-20170927-0046.html</link>
<pubDate>27.09.17</pubDate><lastTime>Wed, 27 Sep 2017 9:30:00 </lastTime></item>
</channel></rss>"""


@pytest.mark.parametrize(
    ("content", "feed_url", "url", "title", "published", "lastmod"),
    [
        (ATOM, "https://www.example.cu/feed/atom/", "https://www.example.cu/cuba-rechaza-informe/", "Cuba rechaza informe",
         datetime(2025, 7, 2, 12, tzinfo=UTC), datetime(2025, 7, 2, 10, tzinfo=UTC)),
        (RDF, "https://www.example.cu/rdf", "https://www.example.cu/trata-de-personas/", "Trata de personas",
         None, datetime(2025, 7, 3, 4, tzinfo=UTC)),  # dc:date is feedparser's "updated"; a bare day is Havana midnight
        (OLD_TELESUR, "https://www.telesurtv.net/rss/RssNews.xml",
         "https://www.telesurtv.net/news/Paises-de-la-ONU-prometen-luchar-contra-la-trata-de-personas-20170927-0046.html",
         "Países de la ONU prometen luchar contra la trata de personas", None, datetime(2017, 9, 27, 13, 30, tzinfo=UTC)),
    ],
    ids=["atom-relative-link", "rdf-dc-date", "old-telesur-lasttime"],
)
def test_feed_formats(outlets, content, feed_url, url, title, published, lastmod):
    outlet = outlets["telesur-es"]
    [link] = parse_feed(content, feed_url, outlet)
    assert (link.url, link.title, link.published, link.lastmod) == (url, title, published, lastmod)


def test_truncated_feed_keeps_its_entries_and_warns(outlets, caplog):
    outlet = outlets["telesur-en"]
    whole = fixture("telesur-en", "feed.xml", outlet.base_url)
    cut = whole[: whole.index(b"<item>", whole.index(b"<item>") + 1) + 40]  # inside the second item
    with caplog.at_level(logging.WARNING, logger="monitor.discover.feeds"):
        links = parse_feed(cut, outlet.base_url + "feed/", outlet)
    assert paths(links, outlet.base_url)[0] == TS_EN_NEW[0]
    assert "malformed feed" in caplog.text


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<rss version="2.0"><channel><title>&c;</title><item><title>&c;</title><link>https://www.example.cu/a-b/</link></item></channel></rss>"""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (BOMB, "entity expansion"),
        (b"<!doctype html><html><body><h1>Just a moment...</h1></body></html>", "unparseable feed"),
        (b"", "not a feed"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>cut', "usable link"),
        (b'<rss version="2.0"><channel><item><title>no link</title></item></channel></rss>', "usable link"),
    ],
    ids=["entity-bomb", "html-challenge-page", "empty-body", "truncated-before-any-entry", "entries-without-links"],
)
def test_unusable_feeds_raise_parse_error(outlets, content, message):
    with pytest.raises(ParseError, match=message):
        parse_feed(content, "https://www.telesurtv.net/feed/", outlets["telesur-es"])


def test_external_doctype_without_entities_is_accepted(outlets):
    rss091 = (b'<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
              b' "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91"><channel><title>x</title>'
              b"<item><title>Trata</title><link>https://www.telesurtv.net/trata-de-personas/</link></item></channel></rss>")
    [link] = parse_feed(rss091, "https://www.telesurtv.net/feed/", outlets["telesur-es"])
    assert link.url == "https://www.telesurtv.net/trata-de-personas/"


def test_valid_feed_with_no_items_is_empty_not_an_error(outlets):
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><link>https://www.telesurtv.net/</link></channel></rss>'
    assert parse_feed(empty, "https://www.telesurtv.net/feed/", outlets["telesur-es"]) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Fri, 05 Nov 2021 14:20:31 +0000", datetime(2021, 11, 5, 14, 20, 31, tzinfo=UTC)),
        ("Fri, 05 Nov 2021 14:20:31", datetime(2021, 11, 5, 18, 20, 31, tzinfo=UTC)),  # Havana daylight time
        ("Fri, 10 Dec 2021 14:20:31", datetime(2021, 12, 10, 19, 20, 31, tzinfo=UTC)),  # Havana standard time
        ("Fri, 05 Nov 2021 14:20:31 -0000", datetime(2021, 11, 5, 14, 20, 31, tzinfo=UTC)),
        ("Fri, 05 Nov 2021 14:20:31 GMT", datetime(2021, 11, 5, 14, 20, 31, tzinfo=UTC)),
        ("Fri, 05 Nov 2021 09:20:31 EST", datetime(2021, 11, 5, 14, 20, 31, tzinfo=UTC)),
        ("Sun, 4 Jul 2021 18:05:00 ", datetime(2021, 7, 4, 22, 5, tzinfo=UTC)),  # old teleSUR lastTime
        ("2025-07-12T11:30:00-05:00", datetime(2025, 7, 12, 16, 30, tzinfo=UTC)),
        ("2025-07-12T16:30Z", datetime(2025, 7, 12, 16, 30, tzinfo=UTC)),
        ("2023-09-20", datetime(2023, 9, 20, 4, tzinfo=UTC)),
        ("2023-12", datetime(2023, 12, 1, 5, tzinfo=UTC)),
        ("04.07.21", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date_reads_zone_less_dates_as_outlet_local_time(raw, expected):
    assert parse_date(raw, HAVANA) == expected


# ---------------------------------------------------------------- listing and search pages


@pytest.mark.parametrize(
    ("site", "name", "source", "expected_paths", "next_path"),
    [
        # 304052 three times + /index.php/ variant -> once; sidebar 304100 kept; nav, images, pager out
        ("rhc-en", "nacionales-1.html", "listing", [RHC_EN["304052"], RHC_EN["304100"]], "/en/noticias/nacionales?page=2"),
        # the /private/ preview link is not an article path
        ("rhc-en", "nacionales-2.html", "listing", [RHC_EN["280480"]], "/en/noticias/nacionales?page=3"),
        ("rhc-en", "search-human-trafficking-1.html", "search", [RHC_EN["304052"], RHC_EN["280480"]], None),
        ("rhc-es", "nacionales-1.html", "listing", [
            "/es/noticias/nacionales/304070-brigadas-medicas-cubanas-rechazan-acusacion-de-trabajo-forzoso",
            "/es/noticias/internacionales/304081-vecinos-trataron-de-salvar-la-cosecha-tras-el-huracan",
        ], "/es/noticias/nacionales?page=2"),
        # WordPress search: #respond duplicates, category/tag/author/feed/social/ikona links out
        ("telesur-en", "search-human-trafficking-1.html", "search", TS_EN_NEW[3:0:-1], "/page/2/?s=human+trafficking"),
        ("telesur-en", "search-human-trafficking-2.html", "search", [TS_EN_OLD], None),
        ("telesur-es", "search-trata-de-personas-1.html", "search", [
            "/cuba-rechaza-informe-de-eeuu-sobre-trata-de-personas/",
            "/se-trata-de-un-nuevo-hospital-en-caracas/",
        ], "/page/2/?s=trata+de+personas"),
        ("telesur-es", "search-trata-de-personas-2.html", "search", [TS_ES_OLD], None),
        ("telesur-es", "search-no-results.html", "search", [], None),
        ("rhc-en", "search-no-results.html", "search", [], None),
    ],
)
def test_listing_fixture_article_links(outlets, site, name, source, expected_paths, next_path):
    outlet = outlets[site]
    page_url = outlet.base_url + "listing"
    listing = parse_listing(fixture(site, name, outlet.base_url).decode(), page_url, outlet, source=source)
    assert paths(listing.links, outlet.base_url) == expected_paths
    assert {link.source for link in listing.links} <= {source}
    expected_next = outlet.base_url.rstrip("/") + next_path if next_path else None
    assert listing.next_url == expected_next


def test_listing_title_comes_from_the_headline_when_the_image_link_is_first(outlets):
    outlet = outlets["rhc-en"]
    listing = parse_listing(fixture("rhc-en", "nacionales-1.html", outlet.base_url).decode(), outlet.base_url, outlet)
    assert listing.links[0].title == "Cuba publishes national report on human trafficking in 2021"


INLINE = """<html><head><base href="https://www.telesurtv.net/archivo/"><link rel="next" href="/page/2/"></head><body>
<a href="../uno-dos/">relative to base href</a>
<a href="https://telesurtv.net/tres-cuatro/">no www: same site</a>
<a href="https://www.telesurtv.net.evil.example/cinco-seis/">look-alike host</a>
<a href="https://www.telesurenglish.net/siete-ocho/">sister outlet</a>
<a href="javascript:share('/nueve-diez/')">share</a>
<a href="https://www.telesurtv.net/category/trata-de-personas/">category</a>
<a href="https://www.telesurtv.net/uno-dos/?utm_source=x#top">tracking duplicate</a>
</body></html>"""


def test_listing_keeps_only_this_outlets_article_paths(outlets):
    outlet = outlets["telesur-es"]
    listing = parse_listing(INLINE, "https://www.telesurtv.net/buscar", outlet)
    assert [link.url for link in listing.links] == [
        "https://www.telesurtv.net/uno-dos/",
        "https://telesurtv.net/tres-cuatro/",
    ]
    assert listing.next_url == "https://www.telesurtv.net/page/2/"


@pytest.mark.parametrize(
    ("pager", "expected"),
    [
        ('<a href="?page=4">Siguiente »</a>', "https://www.radiohc.cu/es/noticias/nacionales?page=4"),
        ('<a href="?page=4">Next &gt;</a>', "https://www.radiohc.cu/es/noticias/nacionales?page=4"),
        ('<a class="next page-numbers" href="/page/4/">»</a>', "https://www.radiohc.cu/page/4/"),
        ('<a rel="next" href="https://other.example/page/4/">Next</a>', None),  # other host: not ours to follow
        ('<a href="?page=3">Next &gt;</a>', None),  # last page: "Next" points at itself
        ('<a href="?page=2">Anterior</a>', None),
    ],
)
def test_listing_detects_the_next_page(outlets, pager, expected):
    outlet = outlets["rhc-es"]
    listing = parse_listing(f"<html><body>{pager}</body></html>", "https://www.radiohc.cu/es/noticias/nacionales?page=3", outlet)
    assert listing.next_url == expected


def test_empty_listing_page_is_a_parse_error(outlets):
    with pytest.raises(ParseError):
        parse_listing("  \n", "https://www.radiohc.cu/es/noticias/nacionales?page=1", outlets["rhc-es"])


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("telesur-es", [
            "https://www.telesurtv.net/page/1/?s=trata+de+personas",
            "https://www.telesurtv.net/page/2/?s=trata+de+personas",
            "https://www.telesurtv.net/page/1/?s=tr%C3%A1fico+de+personas",
            "https://www.telesurtv.net/page/2/?s=tr%C3%A1fico+de+personas",
            "https://www.telesurtv.net/page/1/?s=trabajo+forzoso",
            "https://www.telesurtv.net/page/2/?s=trabajo+forzoso",
        ]),
        ("rhc-en", [
            "https://www.radiohc.cu/en/especiales/search?query=human+trafficking&page=1",
            "https://www.radiohc.cu/en/especiales/search?query=human+trafficking&page=2",
            "https://www.radiohc.cu/en/especiales/search?query=trafficking+in+persons&page=1",
            "https://www.radiohc.cu/en/especiales/search?query=trafficking+in+persons&page=2",
        ]),
        ("granma", ["https://www.granma.cu/archivo?q=trata+de+personas&page=1"]),  # max_pages = 1
    ],
)
def test_search_urls_expand_queries_and_pages(outlets, key, expected):
    assert search_urls(outlets[key]) == expected


def test_search_template_without_page_gives_one_url_per_query(outlets):
    import dataclasses

    outlet = dataclasses.replace(outlets["rhc-es"], search=("https://www.radiohc.cu/es/especiales/search?query={query}",),
                                 search_queries=("trata & tráfico", "niñas"))
    assert search_urls(outlet) == [
        "https://www.radiohc.cu/es/especiales/search?query=trata+%26+tr%C3%A1fico",
        "https://www.radiohc.cu/es/especiales/search?query=ni%C3%B1as",
    ]


# ---------------------------------------------------------------- sitemaps

TS_ES = "https://www.telesurtv.net"


def test_sitemap_index_lists_children_newest_first(outlets):
    sitemap = parse_sitemap(fixture("telesur-es", "sitemap.xml", TS_ES), TS_ES + "/sitemap.xml", outlets["telesur-es"])
    assert sitemap.children == [TS_ES + "/news-sitemap.xml", TS_ES + "/post-sitemap.xml"]
    assert sitemap.links == []


def test_news_sitemap_gives_publication_dates_and_titles(outlets):
    sitemap = parse_sitemap(fixture("telesur-es", "news-sitemap.xml", TS_ES), TS_ES + "/news-sitemap.xml", outlets["telesur-es"])
    first = sitemap.links[0]
    assert len(sitemap.links) == 3 and sitemap.children == []
    assert (first.url, first.source) == (TS_ES + "/detienen-a-tres-personas-por-trafico-de-combustible/", "sitemap")
    assert first.published == datetime(2025, 7, 12, 16, 30, tzinfo=UTC)
    assert first.title == "Detienen a tres personas por tráfico de combustible"


def test_post_sitemap_filters_non_articles_and_reads_lastmod(outlets):
    sitemap = parse_sitemap(fixture("telesur-es", "post-sitemap.xml", TS_ES), TS_ES + "/post-sitemap.xml", outlets["telesur-es"])
    assert paths(sitemap.links, TS_ES) == [
        "/detienen-a-tres-personas-por-trafico-de-combustible/",
        "/se-trata-de-un-nuevo-hospital-en-caracas/",
        "/cuba-rechaza-informe-de-eeuu-sobre-trata-de-personas/",
        TS_ES_OLD,
    ]  # the home page is not an article
    assert sitemap.links[0].lastmod == datetime(2025, 7, 12, 16, 30, tzinfo=UTC)
    assert sitemap.links[-1].lastmod == datetime(2023, 9, 20, 4, tzinfo=UTC)  # a bare day, Havana midnight
    assert all(link.published is None for link in sitemap.links)


URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://www.telesurtv.net/cuba-rechaza-informe-de-eeuu-sobre-trata-de-personas/</loc><lastmod>2025-07-03T09:02:51+00:00</lastmod></url>
</urlset>"""


@pytest.mark.parametrize(
    "content",
    [gzip.compress(URLSET), URLSET.replace(b' xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"', b"")],
    ids=["gzip-body", "no-namespace"],
)
def test_sitemap_variants_parse_alike(outlets, content):
    sitemap = parse_sitemap(content, TS_ES + "/post-sitemap.xml.gz", outlets["telesur-es"])
    assert [(link.url, link.lastmod) for link in sitemap.links] == [
        (TS_ES + "/cuba-rechaza-informe-de-eeuu-sobre-trata-de-personas/", datetime(2025, 7, 3, 9, 2, 51, tzinfo=UTC)),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'<?xml version="1.0"?>\n<!DOCTYPE urlset [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
         b"<urlset><url><loc>https://www.telesurtv.net/&b;-x/</loc></url></urlset>", "DOCTYPE"),
        (b'<!DOCTYPE urlset SYSTEM "http://attacker.example/evil.dtd"><urlset/>', "DOCTYPE"),
        (b"<urlset><url><loc>https://www.telesurtv.net/a-b/</loc></url>", "malformed"),
        (b"<!doctype html><html><body>Not found</body></html>", "DOCTYPE"),
        (b"<html><body>Not found</body></html>", "not a sitemap"),
        (gzip.compress(b"<urlset>")[:-6], "gzip|malformed"),
        (gzip.compress(b" " * (51 * 1024 * 1024)), "inflates past"),
    ],
    ids=["entity-bomb", "external-dtd", "unclosed", "html-page", "wrong-root", "cut-gzip", "gzip-bomb"],
)
def test_unsafe_or_broken_sitemaps_raise_parse_error(outlets, content, message):
    with pytest.raises(ParseError, match=message):
        parse_sitemap(content, TS_ES + "/sitemap.xml", outlets["telesur-es"])


@pytest.mark.parametrize("raw", ["2024-13", "0000", "2024-00"])
def test_impossible_partial_dates_are_no_date_not_a_crash(raw):
    assert parse_date(raw, HAVANA) is None


def test_sitemap_with_an_impossible_lastmod_keeps_the_url(outlets):
    xml = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           b"<url><loc>https://www.telesurtv.net/cuba-rechaza-informe-de-eeuu-sobre-trata-de-personas/</loc>"
           b"<lastmod>2024-13</lastmod></url></urlset>")
    found = parse_sitemap(xml, "https://www.telesurtv.net/sitemap.xml", outlets["telesur-es"])
    assert [(link.url, link.lastmod) for link in found.links] == [
        ("https://www.telesurtv.net/cuba-rechaza-informe-de-eeuu-sobre-trata-de-personas/", None)]
