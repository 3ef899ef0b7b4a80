"""Site-search URLs: the configured templates x queries x pages.

Queries are form-encoded the way a browser submits a GET search form: UTF-8,
spaces as ``+`` ("tráfico de personas" -> ``tr%C3%A1fico+de+personas``).
Result pages are parsed with :func:`~monitor.discover.listing.parse_listing`
(``source="search"``).
"""

from __future__ import annotations

from urllib.parse import quote_plus

from ..config import OutletConfig


def search_runs(outlet: OutletConfig) -> list[list[str]]:
    """One list of page URLs (page 1 first) per template and query.

    A template without ``{page}`` gives a single page; discovery walks each
    list in order and may stop early, so pages stay grouped by query.
    """
    return [
        page_urls(template.replace("{query}", quote_plus(query)), outlet.max_pages)
        for template in outlet.search
        for query in outlet.search_queries
    ]


def search_urls(outlet: OutletConfig) -> list[str]:
    """Every search-result URL discovery may fetch, in fetch order."""
    return [url for run in search_runs(outlet) for url in run]


def page_urls(template: str, max_pages: int) -> list[str]:
    """``{page}`` expanded to 1..max_pages; a template without it is one page."""
    if "{page}" not in template:
        return [template]
    return [template.replace("{page}", str(page)) for page in range(1, max_pages + 1)]
