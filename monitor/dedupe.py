"""Dedupe decisions: which keys name an article, and when its text changed.

Pure functions, no SQL (the store asks these and does the lookups). An item is
found again by any of its keys: the outlet-native id (survives slug and
headline edits) and the canonical spellings of the URL it was fetched at and of
its declared canonical URL. A declared canonical is only trusted when it could
not merge two different articles:

* a site root (``/``, ``/en``) is a generic page, not an article (Granma
  points every ``rel=canonical`` at its home page);
* a canonical naming another native id than the fetched URL is a template
  bug, so the fetched URL wins.
"""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import urlsplit

from monitor.models import Article
from monitor.urls import canonical_url, identity_key

# A path made of at most one language segment is a home page, not an article.
_ROOT_PATH = re.compile(r"^/(?:[a-z]{2}(?:-[a-z]{2})?)?$", re.IGNORECASE)


def is_root(url: str) -> bool:
    """True for a site's home page (``/``, ``/en``, ``/es/``) without a query."""
    parts = urlsplit(canonical_url(url))
    return not parts.query and bool(_ROOT_PATH.match(parts.path or "/"))


def trusted_canonical(article: Article) -> str | None:
    """The article's declared canonical URL, canonicalised, when safe to key on."""
    if not article.canonical_url or is_root(article.canonical_url):
        return None
    fetched_id = identity_key(article.url)
    declared_id = identity_key(article.canonical_url)
    if fetched_id and declared_id and fetched_id != declared_id:
        return None
    return canonical_url(article.canonical_url)


def primary_url(article: Article) -> str:
    """The URL that names the item: its trusted canonical, else where it was fetched."""
    return trusted_canonical(article) or canonical_url(article.url)


def keys_for(article: Article) -> list[str]:
    """Every dedupe key of ``article``, strongest first (native ids before URLs)."""
    urls = [canonical_url(article.url)]
    canonical = trusted_canonical(article)
    if canonical:
        urls.insert(0, canonical)
    ids = [identity_key(url) for url in urls]
    ordered = [key for key in ids if key] + urls
    return list(dict.fromkeys(ordered))


def urls_for(article: Article) -> list[str]:
    """The canonical URLs the article was seen at (for the ``item_urls`` table)."""
    canonical = trusted_canonical(article)
    urls = [canonical] if canonical else []
    return list(dict.fromkeys([*urls, canonical_url(article.url)]))


def content_hash(article: Article) -> str:
    """SHA-256 over what a reader sees; fetch times and URLs do not count."""
    fields = [
        article.title,
        article.subtitle or "",
        article.caption or "",
        list(article.body),
        article.author or "",
    ]
    encoded = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def pick_item(matches: dict[str, str], keys: list[str]) -> str | None:
    """The item the strongest matching key points at (``matches``: key -> item id)."""
    for key in keys:
        if key in matches:
            return matches[key]
    return None
