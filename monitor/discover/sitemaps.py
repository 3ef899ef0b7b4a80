"""XML sitemaps -> article Links and child sitemaps. Pure.

Handles a ``<sitemapindex>`` (children, newest ``<lastmod>`` first) and a
``<urlset>`` (links with ``lastmod``; Google News ``news:publication_date``
and ``news:title`` when present), plain or gzip-compressed (``.xml.gz``).

Parsed with ``xml.etree.ElementTree`` (defusedxml is not installed): expat
never fetches external entities, and any DOCTYPE is refused outright, which
rules out "billion laughs" internal-entity expansion. The gunzipped size is
capped at the protocol's 50 MB, so a gzip bomb is a ParseError too.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from ..config import OutletConfig
from ..errors import ParseError
from ..models import Link
from ..urls import absolute_url
from .feeds import parse_date, xml_doctype
from .listing import is_article_url

MAX_UNCOMPRESSED = 50 * 1024 * 1024  # sitemaps.org: at most 50 MB uncompressed
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True, kw_only=True)
class Sitemap:
    links: list[Link] = field(default_factory=list)  # article URLs of a <urlset>
    children: list[str] = field(default_factory=list)  # child sitemaps of an index, newest first


def parse_sitemap(content: bytes, url: str, outlet: OutletConfig) -> Sitemap:
    root = _parse_xml(_gunzip(content, url), url)
    kind = _local(root.tag)
    tz = ZoneInfo(outlet.timezone)
    if kind == "sitemapindex":
        return Sitemap(children=_children(root, url, tz))
    if kind == "urlset":
        return Sitemap(links=_links(root, url, outlet, tz))
    raise ParseError(url, f"not a sitemap (root element <{kind}>)")


def _gunzip(content: bytes, url: str) -> bytes:
    """Gzip bodies are recognised by their magic bytes, whatever the URL or headers say."""
    if not content.startswith(_GZIP_MAGIC):
        return content
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(content, MAX_UNCOMPRESSED)
    except zlib.error as exc:
        raise ParseError(url, f"corrupt gzip sitemap: {exc}") from None
    if inflater.unconsumed_tail:
        raise ParseError(url, f"gzip sitemap inflates past {MAX_UNCOMPRESSED} bytes")
    return data


def _parse_xml(data: bytes, url: str) -> ElementTree.Element:
    if xml_doctype(data) is not None:
        raise ParseError(url, "sitemap has a DOCTYPE (refused: entity expansion attack)")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ParseError(url, f"malformed sitemap XML: {exc}") from None


def _children(root: ElementTree.Element, url: str, tz: ZoneInfo) -> list[str]:
    dated: list[tuple[datetime | None, str]] = []
    for entry in _each(root, "sitemap"):
        loc = absolute_url(url, _text(entry, "loc"))
        if loc is not None:
            dated.append((parse_date(_text(entry, "lastmod"), tz), loc))
    # Newest first; undated children keep document order, after the dated ones.
    dated.sort(key=lambda item: item[0].timestamp() if item[0] else float("-inf"), reverse=True)
    return [loc for _, loc in dated]


def _links(root: ElementTree.Element, url: str, outlet: OutletConfig, tz: ZoneInfo) -> list[Link]:
    links: list[Link] = []
    for entry in _each(root, "url"):
        loc = absolute_url(url, _text(entry, "loc"))
        if loc is None or not is_article_url(loc, outlet):
            continue
        news = next(_each(entry, "news"), None)
        links.append(Link(
            url=loc, outlet=outlet.key, source="sitemap",
            title=_text(news, "title") if news is not None else None,
            published=parse_date(_text(news, "publication_date"), tz) if news is not None else None,
            lastmod=parse_date(_text(entry, "lastmod"), tz),
        ))
    return links


def _local(tag: str) -> str:
    """Element name without its namespace: some sitemaps omit or misspell the xmlns."""
    return tag.rpartition("}")[2]


def _each(parent: ElementTree.Element, name: str) -> Iterator[ElementTree.Element]:
    return (child for child in parent if _local(child.tag) == name)


def _text(parent: ElementTree.Element, name: str) -> str | None:
    for child in _each(parent, name):
        return " ".join((child.text or "").split()) or None
    return None
