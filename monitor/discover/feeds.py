"""Feeds (RSS 2.0, Atom, RDF) -> Links. Pure: bytes in, Links out.

feedparser does the parsing; what it gets wrong for our outlets is handled here:

* dates are re-read from the raw strings, because feedparser takes a date with
  no zone as UTC, while for these outlets it is Cuba local time (OUTLETS.md
  section 9: a zone-less date is America/Havana, i.e. the outlet's timezone);
* the old teleSUR OpenCms feed [T] writes ``<pubDate>dd.MM.yy</pubDate>`` and a
  custom ``<lastTime>EEE, d MMM yyyy HH:mm:ss </lastTime>``. Both are
  ``nt:last-modified`` in teleSUR's ``rss.jsp`` template, so the time goes to
  ``Link.lastmod``, never to ``published`` (FIELD_NOTES row 2);
* entity declarations are refused before feedparser sees the bytes: its
  parser expands internal entities, so a "billion laughs" feed would.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo

import feedparser

from ..config import OutletConfig
from ..errors import ParseError
from ..extract import dates
from ..models import Link
from ..urls import absolute_url

log = logging.getLogger(__name__)

# A DOCTYPE in the prolog (after an optional BOM, XML declaration, PIs, comments).
_DOCTYPE = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*)*(<!DOCTYPE[^\[>]*\[?)", re.S | re.I)
_W3C_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?$")  # "2024" / "2024-07" (sitemaps)


def parse_feed(content: bytes, url: str, outlet: OutletConfig) -> list[Link]:
    """The article links of a feed, in feed order, with titles and dates.

    A feed that is broken but still yields entries (truncated download,
    stray ``&``) keeps them, with a warning; one that yields nothing, or that
    is not a feed at all (an HTML block page), raises ParseError. A valid feed
    with no items gives ``[]``.
    """
    doctype = xml_doctype(content)
    if doctype is not None and doctype.endswith(b"["):
        # Only an internal subset can declare entities (expat never fetches external DTDs).
        raise ParseError(url, "feed declares a DTD internal subset (refused: entity expansion attack)")
    parsed = feedparser.parse(content, response_headers={"content-type": "application/xml", "content-location": url})
    entries = parsed.get("entries") or []
    if not entries:
        if parsed.get("bozo"):
            raise ParseError(url, f"unparseable feed: {parsed.get('bozo_exception')}")
        if not parsed.get("version"):
            raise ParseError(url, "not a feed (no RSS/Atom/RDF root element)")
        return []
    if parsed.get("bozo"):
        log.warning("%s: malformed feed, kept %d entries: %s", url, len(entries), parsed.get("bozo_exception"),
                    extra={"outlet": outlet.key})
    tz = ZoneInfo(outlet.timezone)
    links = [link for entry in entries if (link := _entry_link(entry, url, outlet, tz)) is not None]
    if not links:
        raise ParseError(url, f"none of the {len(entries)} feed entries has a usable link")
    return links


def _entry_link(entry: Any, feed_url: str, outlet: OutletConfig, tz: ZoneInfo) -> Link | None:
    href = _raw(entry, "link") or _raw(entry, "id")  # Atom may carry only an id that is a URL
    absolute = absolute_url(feed_url, href)
    if absolute is None:
        log.warning("%s: feed entry without an http(s) link: %r", feed_url, href, extra={"outlet": outlet.key})
        return None
    title = " ".join((_raw(entry, "title") or "").split()) or None
    published = _entry_date(entry, "published", tz)
    lastmod = parse_date(_raw(entry, "lasttime"), tz) or _entry_date(entry, "updated", tz)
    return Link(url=absolute, outlet=outlet.key, source="feed", title=title,
                published=published, lastmod=lastmod)


def _entry_date(entry: Any, key: str, tz: ZoneInfo) -> datetime | None:
    """Our own parse of the raw string first; feedparser's UTC struct for exotic formats."""
    ours = parse_date(_raw(entry, key), tz)
    if ours is not None:
        return ours
    struct = _raw(entry, f"{key}_parsed")
    return datetime(*struct[:6]).replace(tzinfo=timezone.utc) if struct else None


def _raw(entry: Any, key: str) -> Any:
    # dict.get bypasses FeedParserDict's updated->published fallback (and its warning):
    # a modified date must never stand in for a publish date.
    return dict.get(entry, key)


def xml_doctype(content: bytes) -> bytes | None:
    """The ``<!DOCTYPE ...`` opening of an XML document's prolog (ending in "[" when it
    has an internal subset), or None. Scans only the prolog, so text about XML in an
    item's CDATA is not mistaken for a declaration."""
    match = _DOCTYPE.match(content)
    return match.group(1) if match else None


def parse_date(raw: str | None, tz: ZoneInfo) -> datetime | None:
    """RFC 822 or W3C/ISO 8601 text -> aware UTC datetime; None when unparseable.

    The one date parser (``monitor.extract.dates``) does the work; feeds and sitemaps
    add only W3C's partial forms ("2024", "2024-07"), which in article text would be
    mistaken for years. A date without a zone is the outlet's local time (``tz``).
    """
    text = (raw or "").strip()
    partial = _W3C_PARTIAL.match(text)
    if partial is not None:
        try:
            day = datetime.combine(date(int(partial[1]), int(partial[2] or 1), 1), time(), tzinfo=tz)
        except ValueError:  # "2024-13", "0000": a bad date is no date, never a crash
            return None
        return day.astimezone(timezone.utc)
    found = dates.parse_date(text, tz)
    return found.value if found is not None else None
