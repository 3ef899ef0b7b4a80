"""Listing and search-result pages -> article Links (+ the next page). Pure.

A link is an article link when it resolves to the outlet's own site and its
*path* matches ``outlet.article_pattern`` (``re.search``): navigation,
section, tag, author and image links do not (FIELD_NOTES row 11: listing
pages feed discovery only, they are never articles themselves).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..config import OutletConfig
from ..errors import ParseError
from ..models import Link, LinkSource
from ..urls import absolute_url, canonical_url, same_site

# Visible text of a "next page" control: "Siguiente", "Next", "Next page »", "Página siguiente".
_NEXT_TEXT = re.compile(r"^\W*(?:p[aá]gina\s+)?(?:siguiente|next)(?:\s+page)?\W*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Listing:
    links: list[Link] = field(default_factory=list)
    next_url: str | None = None  # the page's own "next" link, when it shows one


def parse_listing(html: str, url: str, outlet: OutletConfig, *, source: LinkSource = "listing") -> Listing:
    """Article links of an HTML page, deduplicated (canonical URL) in page order."""
    if not html.strip():
        raise ParseError(url, "empty page")
    tree = LexborHTMLParser(html)
    if tree.root is None:
        raise ParseError(url, "not an HTML document")
    base = _base_url(tree, url)
    found: dict[str, Link] = {}
    for anchor in tree.css("a[href]"):
        target = absolute_url(base, anchor.attributes.get("href"))
        if target is None or not is_article_url(target, outlet):
            continue
        key = canonical_url(target)
        title = _anchor_title(anchor)
        if key not in found:
            found[key] = Link(url=target, outlet=outlet.key, source=source, title=title)
        elif found[key].title is None and title:  # image link first, headline link second
            found[key] = replace(found[key], title=title)
    next_url = _next_url(tree, base, outlet)
    if next_url is not None and canonical_url(next_url) == canonical_url(url):
        next_url = None  # the last page's greyed-out "Next" points at itself
    return Listing(links=list(found.values()), next_url=next_url)


def is_article_url(url: str, outlet: OutletConfig) -> bool:
    """On the outlet's site and, when a pattern is configured, an article path.

    Without ``article_pattern`` every same-site link counts: discovery cannot
    tell articles from navigation then, so configure one.
    """
    if not _same_site(url, outlet):
        return False
    if outlet.article_pattern is None:
        return True
    return re.search(outlet.article_pattern, urlsplit(url).path) is not None


def _base_url(tree: LexborHTMLParser, url: str) -> str:
    """``<base href>`` when present (Granma sets one [M]), else the page URL."""
    base = tree.css_first("base[href]")
    href = base.attributes.get("href") if base is not None else None
    return absolute_url(url, href) or url


def _anchor_title(anchor: LexborNode) -> str | None:
    text = " ".join((anchor.text(separator=" ") or "").split())
    return text or (anchor.attributes.get("title") or "").strip() or None


def _next_url(tree: LexborHTMLParser, base: str, outlet: OutletConfig) -> str | None:
    """rel=next (``<link>`` or ``<a>``), WordPress ``a.next``, or a "Siguiente"/"Next" anchor."""
    candidates = [*tree.css('link[rel~="next"][href]'), *tree.css('a[rel~="next"][href]'), *tree.css("a.next[href]")]
    candidates += [a for a in tree.css("a[href]") if _NEXT_TEXT.match(a.text(separator=" ") or "")]
    for node in candidates:
        target = absolute_url(base, node.attributes.get("href"))
        if target is not None and _same_site(target, outlet):
            return target
    return None


def _same_site(url: str, outlet: OutletConfig) -> bool:
    try:
        return same_site(url, outlet.base_url)
    except ValueError:
        return False
