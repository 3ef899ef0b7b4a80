"""Discovery: one outlet's feeds, listing pages, site search and sitemaps -> Links.

    discover(outlet, fetcher, now=...) -> Discovery

Sources are walked in that order and every Link is kept once, by canonical
URL (the first source to find it names it; later ones only fill in a missing
title or date). A failing source is recorded in ``Discovery.errors`` and the
others go on: one broken feed must not hide what the listing pages show.

Paging is economical: listing and search pages are walked from page 1 and a
walk stops at the first page that adds no unknown article. When a feed's
entries are all unknown (``feed_all_new``: the feed window overflowed since
the last poll, FIELD_NOTES row 6) or on ``catch_up``, every walk goes to
``max_pages``. A source the fetcher reports as not modified (304 or the same
body hash) holds nothing new -- its links were taken the first time -- so it
yields nothing and is counted in ``not_modified``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Protocol, TypeVar

from ..config import OutletConfig
from ..errors import FetchError, MonitorError, ParseError
from ..models import Link, LinkSource, Page
from ..urls import canonical_url
from .feeds import parse_feed
from .listing import Listing, parse_listing
from .search import page_urls, search_runs, search_urls
from .sitemaps import Sitemap, parse_sitemap

__all__ = [
    "Discovery", "Fetcher", "Listing", "Sitemap", "discover",
    "parse_feed", "parse_listing", "parse_sitemap", "search_urls",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

SITEMAP_CHILDREN = 3  # child sitemaps read per poll (newest first) ...
SITEMAP_CHILDREN_CATCH_UP = 12  # ... and when catching up
SITEMAP_DEPTH = 2  # index -> index -> urlset at most: deeper nesting is a loop or a trap
FUTURE_TOLERANCE = timedelta(hours=1)  # a claimed date later than now + this is dropped


class Fetcher(Protocol):
    """What discovery needs of :class:`monitor.fetch.Fetcher`."""

    def get(self, url: str, *, outlet: str, conditional: bool = True) -> Page: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Discovery:
    links: list[Link] = field(default_factory=list)  # every article link found, known or not
    errors: list[tuple[str, MonitorError]] = field(default_factory=list)  # (source URL, error)
    not_modified: int = 0  # sources answered 304 / unchanged body
    feed_all_new: bool = False  # a feed had entries and none was known: its window overflowed
    sources_tried: int = 0  # URLs requested (feeds, pages, sitemaps)
    sources_failed: int = 0  # of those, how many failed to fetch or parse

    @property
    def failed(self) -> bool:
        """Every source failed: the outlet is down or blocking us, not quiet."""
        return self.sources_tried > 0 and self.sources_failed == self.sources_tried


def discover(
    outlet: OutletConfig,
    fetcher: Fetcher,
    *,
    now: datetime,
    is_known: Callable[[str], bool] = lambda url: False,
    catch_up: bool = False,
    max_sitemap_children: int | None = None,
) -> Discovery:
    """Find the outlet's candidate article links.

    ``is_known`` receives a canonical URL (``monitor.urls.canonical_url``) and
    says whether the store already has it; it steers paging depth and
    ``feed_all_new`` only -- known links are still returned, for rechecks.
    ``catch_up`` fetches unconditionally and walks every page to ``max_pages``.
    """
    walk = _Walk(outlet, fetcher, now=now, is_known=is_known, catch_up=catch_up)
    for url in outlet.feeds:
        walk.feed(url)
    deep = catch_up or walk.feed_all_new
    for template in outlet.listings:
        walk.pages(page_urls(template, outlet.max_pages), "listing", deep=deep)
    for run in search_runs(outlet):
        walk.pages(run, "search", deep=deep)
    children = max_sitemap_children
    if children is None:
        children = SITEMAP_CHILDREN_CATCH_UP if catch_up else SITEMAP_CHILDREN
    walk.sitemaps(outlet.sitemaps, children)
    return walk.result()


class _Walk:
    """The mutable state of one discovery run."""

    def __init__(self, outlet: OutletConfig, fetcher: Fetcher, *, now: datetime,
                 is_known: Callable[[str], bool], catch_up: bool):
        self.outlet, self.fetcher, self.is_known = outlet, fetcher, is_known
        self.latest = (now if now.tzinfo else now.replace(tzinfo=timezone.utc)) + FUTURE_TOLERANCE
        self.conditional = not catch_up  # catching up needs the bodies, not a 304
        self.found: dict[str, Link] = {}
        self.errors: list[tuple[str, MonitorError]] = []
        self.not_modified = 0
        self.tried = 0
        self.feed_all_new = False
        self.extra = {"outlet": outlet.key}

    def result(self) -> Discovery:
        return Discovery(links=list(self.found.values()), errors=list(self.errors),
                         not_modified=self.not_modified, feed_all_new=self.feed_all_new,
                         sources_tried=self.tried, sources_failed=len(self.errors))

    # --- sources ---------------------------------------------------------

    def feed(self, url: str) -> None:
        page = self.fetch(url)
        links = self.parse(url, lambda: parse_feed(page.content, page.final_url, self.outlet)) if page else None
        if not links:
            return
        if not any(self.is_known(canonical_url(link.url)) for link in links):
            self.feed_all_new = True
            log.info("%s: none of %d feed entries is known: walking pages to full depth", url, len(links),
                     extra=self.extra)
        self.add(links)

    def pages(self, urls: list[str], source: LinkSource, *, deep: bool) -> None:
        """Walk one listing/search run; a template without {page} follows the page's next link."""
        queue, seen = list(urls), set[str]()
        while queue and len(seen) < self.outlet.max_pages:
            url = queue.pop(0)
            if url in seen:
                return
            seen.add(url)
            page = self.fetch(url, deep=deep)
            listing = self.parse(url, lambda: parse_listing(page.text, page.final_url, self.outlet, source=source)) if page else None
            if listing is None:
                return  # failed or unchanged: the later pages are no newer
            fresh = self.add(listing.links)
            if not listing.links or (fresh == 0 and not deep):
                return
            if not queue and listing.next_url:
                queue.append(listing.next_url)

    def sitemaps(self, urls: tuple[str, ...], budget: int) -> None:
        seen: set[str] = set()
        for url in urls:
            budget = self.sitemap(url, budget, depth=0, seen=seen)

    def sitemap(self, url: str, budget: int, *, depth: int, seen: set[str]) -> int:
        """Read one sitemap and, within ``budget`` children, its newest children; the budget left."""
        seen.add(url)
        page = self.fetch(url)
        sitemap = self.parse(url, lambda: parse_sitemap(page.content, page.final_url, self.outlet)) if page else None
        if sitemap is None:
            return budget
        self.add(sitemap.links)
        children = [c for c in sitemap.children if c not in seen] if depth < SITEMAP_DEPTH else []
        if len(children) > budget:
            log.info("%s: reading %d of %d child sitemaps (newest first)", url, budget, len(children), extra=self.extra)
        for child in children:
            if budget <= 0:
                break
            budget = self.sitemap(child, budget - 1, depth=depth + 1, seen=seen)
        return budget

    # --- plumbing --------------------------------------------------------

    def fetch(self, url: str, *, deep: bool = False) -> Page | None:
        """The page, or None when it failed (recorded) or holds nothing new."""
        self.tried += 1
        try:
            page = self.fetcher.get(url, outlet=self.outlet.key, conditional=self.conditional)
        except FetchError as exc:
            self.fail(url, exc)
            return None
        if page.not_modified:
            self.not_modified += 1
            # An unchanged 200 still has its body: a deep walk reads it for the pages behind it.
            return page if deep and page.content else None
        return page

    def parse(self, url: str, parse: Callable[[], T]) -> T | None:
        try:
            return parse()
        except ParseError as exc:
            self.fail(url, exc)
            return None

    def fail(self, url: str, exc: MonitorError) -> None:
        log.info("%s: %s", url, exc, extra=self.extra)
        self.errors.append((url, exc))

    def add(self, links: list[Link]) -> int:
        """Merge ``links``; return how many are neither known nor already found in this run."""
        fresh = 0
        for link in links:
            link = self.sane_dates(link)
            key = canonical_url(link.url)
            if key in self.found:
                self.found[key] = _merge(self.found[key], link)
                continue
            self.found[key] = link
            fresh += not self.is_known(key)
        return fresh

    def sane_dates(self, link: Link) -> Link:
        """Drop a claimed date from the future (a time-zone bug upstream, FIELD_NOTES row 3)."""
        changes: dict[str, Any] = {name: None for name in ("published", "lastmod")
                   if (value := getattr(link, name)) is not None and value > self.latest}
        if changes:
            log.warning("%s: dropped future %s", link.url, "/".join(changes), extra=self.extra)
        return replace(link, **changes) if changes else link


def _merge(first: Link, later: Link) -> Link:
    """Keep the first finding; fill in what it lacked from a later source."""
    changes = {name: getattr(later, name) for name in ("title", "published", "lastmod")
               if getattr(first, name) is None and getattr(later, name) is not None}
    return replace(first, **changes) if changes else first
