"""Item identity: which stored item an article is (its keys), and when its text changed.

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
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from monitor.models import Article
from monitor.urls import canonical_url, identity_key

# A path made of at most one language segment is a home page, not an article.
_ROOT_PATH = re.compile(r"^/(?:[a-z]{2}(?:-[a-z]{2})?)?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Identity:
    """How the store finds an article again, computed once per save."""

    primary: str  # the canonical URL that names the item (its id is derived from it)
    urls: tuple[str, ...]  # the normalised URLs it was seen at (keys; ``item_urls`` keeps them as written)
    keys: tuple[str, ...]  # every dedupe key, strongest first (native ids before URLs)
    canonical_trusted: bool  # False when the declared canonical was ignored


def is_root(url: str) -> bool:
    """True for a site's home page (``/``, ``/en``, ``/es/``) without a query."""
    return _is_root_canonical(canonical_url(url))


def identify(article: Article) -> Identity:
    """The keys and URLs of ``article``, trusting its declared canonical only when safe."""
    fetched = canonical_url(article.url)
    declared = canonical_url(article.canonical_url) if article.canonical_url else fetched
    fetched_id = identity_key(fetched)
    declared_id = identity_key(declared) if declared != fetched else fetched_id
    trusted = not _is_root_canonical(declared) and not (fetched_id and declared_id and fetched_id != declared_id)
    urls = list(dict.fromkeys([declared, fetched] if trusted else [fetched]))
    ids = [declared_id, fetched_id] if trusted else [fetched_id]
    keys = dict.fromkeys([key for key in ids if key] + urls)
    return Identity(primary=urls[0], urls=tuple(urls), keys=tuple(keys), canonical_trusted=trusted)


def keys_for(article: Article) -> list[str]:
    """Every dedupe key of ``article``, strongest first (native ids before URLs)."""
    return list(identify(article).keys)


def primary_url(article: Article) -> str:
    """The URL that names the item: its trusted canonical, else where it was fetched."""
    return identify(article).primary


def _is_root_canonical(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.query and bool(_ROOT_PATH.match(parts.path or "/"))


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


def pick_item(matches: dict[str, str], keys: Sequence[str]) -> str | None:
    """The item the strongest matching key points at (``matches``: key -> item id)."""
    for key in keys:
        if key in matches:
            return matches[key]
    return None
