"""Standard page metadata: JSON-LD, OpenGraph/``article:*`` meta, canonical link, language.

Read first, before any per-outlet selector (OUTLETS.md "How to use this", 3):
new teleSUR pages carry JSON-LD (BlogPosting/WebPage, ``@graph``) and
``article:section`` / ``article:tag`` / ``og:updated_time`` [S]; old teleSUR pages
a NewsArticle JSON-LD [S]; Granma OpenGraph with a correct ``og:url`` but a
canonical link pointing at the home page [M].
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor.urls import absolute_url, resolve

from .text import clean

log = logging.getLogger(__name__)

# Best first: a specific news type beats a generic page description.
ARTICLE_TYPES = (
    "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "blogposting", "article", "report", "webpage",
)


@dataclass(frozen=True, slots=True)
class Metadata:
    """What the page says about itself, before any site-specific reading."""

    jsonld: tuple[dict[str, Any], ...] = ()  # article-like objects, best type first
    meta: dict[str, tuple[str, ...]] = field(default_factory=dict)  # property/name (lower) -> contents
    canonical: str | None = None  # raw href of <link rel=canonical>
    base: str | None = None  # <base href>
    html_lang: str | None = None
    title: str | None = None  # text of the <head>'s first <title>, as it stands
    broken_jsonld: int = 0  # blocks that were not valid JSON
    ignored_jsonld: str | None = None  # why the JSON-LD was set aside, if it was

    def first(self, *names: str) -> tuple[str, str] | None:
        """The first non-empty ``(value, name)`` among the meta names, in the order given."""
        for name in names:
            for value in self.meta.get(name, ()):
                if cleaned := clean(value):
                    return cleaned, name
        return None

    def all(self, name: str) -> tuple[str, ...]:
        values = self.meta.get(name)
        if not values:
            return ()  # most names asked for are absent: no generators built for them
        return tuple(v for v in map(clean, values) if v)

    def ld(self, key: str) -> Any:
        """``key`` from the best JSON-LD object that has it (None when none has)."""
        for obj in self.jsonld:
            value = obj.get(key)
            if value not in (None, "", [], {}):
                return value
        return None

    @property
    def ld_type(self) -> str | None:
        return _types(self.jsonld[0])[0] if self.jsonld else None


# Every whole-document query costs a full pass of Lexbor's matcher (about as long as walking the
# tree in Python): the nodes the field readers need are found by one pass and sorted here.
# Any [itemprop] is matched and sorted in Python: a descendant combinator
# ([itemprop~=author] [itemprop~=name]) and token matches cost Lexbor a quarter more than that.
_MARKED_CSS = 'h1, title, script[type="application/ld+json"], [itemprop], a[rel~="author"], time[datetime]'


@dataclass(frozen=True, slots=True)
class Marked:
    """Nodes of the whole document several readers need, in document order."""

    h1: tuple[LexborNode, ...]
    titles: tuple[LexborNode, ...]  # <title> and <h1>, wherever they are
    jsonld: tuple[LexborNode, ...]
    authors: tuple[LexborNode, ...]  # itemprop=author (and its itemprop=name), rel=author links
    dates: tuple[LexborNode, ...]  # itemprop=datePublished/dateModified, <time datetime>


def marked_nodes(tree: LexborHTMLParser) -> Marked:
    h1: list[LexborNode] = []
    titles: list[LexborNode] = []
    jsonld: list[LexborNode] = []
    authors: list[LexborNode] = []
    dates: list[LexborNode] = []
    last = -1
    for node in tree.css(_MARKED_CSS):
        if node.mem_id == last:
            continue  # Lexbor lists a node once per selector it matches (<h1 itemprop=headline>)
        last = node.mem_id
        tag = node.tag
        if tag in ("h1", "title"):
            titles.append(node)
            if tag == "h1":
                h1.append(node)
        if tag == "script":
            jsonld.append(node)
            continue
        attrs = node.attributes
        props = (attrs.get("itemprop") or "").split()
        if "author" in props or (tag == "a" and "author" in (attrs.get("rel") or "").split()) or (
                "name" in props and _under_author(node)):
            authors.append(node)
        if "datePublished" in props or "dateModified" in props or (tag == "time" and "datetime" in attrs):
            dates.append(node)
    return Marked(tuple(h1), tuple(titles), tuple(jsonld), tuple(authors), tuple(dates))


def _under_author(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag and parent.tag[0] != "-" and "author" in (parent.attributes.get("itemprop") or "").split():
            return True
        parent = parent.parent
    return False


def read_metadata(tree: LexborHTMLParser, marked: Marked | None = None) -> Metadata:
    meta: dict[str, list[str]] = {}
    base: str | None = None
    canonical: str | None = None
    title: str | None = None
    seen_base = seen_canonical = False
    # Page-level tags live in <head>: querying it alone spares a scan of the whole document, and one
    # query for all three kinds compiles one selector (~4 us each) and walks the head once.
    head = tree.head or tree
    for node in head.css('meta[content], base[href], link[rel][href], title'):
        tag = node.tag
        if tag == "title":
            if title is None:
                title = node.text(deep=True)
            continue
        attrs = node.attributes  # one dict per node: building it is what costs
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                meta.setdefault(key.strip().lower(), []).append(attrs.get("content") or "")
        elif tag == "base":
            if not seen_base:  # the first <base href> counts
                seen_base = True
                base = attrs.get("href")
        elif not seen_canonical:
            rel = attrs.get("rel") or ""
            # rel's token and case rules: a canonical link as Lexbor's rel*="anonical" filter saw it
            if ("anonical" in rel or "ANONICAL" in rel) and "canonical" in rel.lower().split():
                seen_canonical = True
                canonical = (attrs.get("href") or "").strip() or None
    objects, broken = _jsonld_objects(tree, marked)
    html = tree.root
    return Metadata(
        jsonld=objects,
        meta={k: tuple(v) for k, v in meta.items()},
        canonical=canonical,
        base=base,
        html_lang=(html.attributes.get("lang") or None) if html else None,
        broken_jsonld=broken,
        title=title,
    )


def without_foreign_jsonld(md: Metadata, tree: LexborHTMLParser, marked: Marked | None = None) -> Metadata:
    """Set JSON-LD aside when its headline shares no word with the page's own titles.

    teleSUR's 2016 AMP template hard-coded sample JSON-LD (a Washington Post story of
    2016-04-21) on every page [T]: trusting it would date every article April 2016.
    """
    theirs = _title_words(ld_text(md.ld("headline")))
    if len(theirs) < 3:
        return md
    nodes = marked.titles if marked is not None else tree.css("title, h1")
    titles = [n.text(deep=True) for n in nodes] + [v for v in md.meta.get("og:title", ())]
    own = _title_words(" ".join(titles))
    if not own or own & theirs:
        return md
    headline = ld_text(md.ld("headline"))
    return replace(md, jsonld=(), ignored_jsonld=f"headline {headline!r} does not match the page")


_WORD = re.compile(r"\w+")


def _title_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if len(w) >= 4}


# ---------------------------------------------------------------- JSON-LD


def _jsonld_objects(tree: LexborHTMLParser, marked: Marked | None = None) -> tuple[tuple[dict[str, Any], ...], int]:
    nodes: list[dict[str, Any]] = []
    broken = 0
    for script in (marked.jsonld if marked is not None else tree.css('script[type="application/ld+json"]')):
        try:
            data = json.loads(script.text(deep=True) or "null")
        except json.JSONDecodeError as exc:
            broken += 1  # one broken block must not hide the others
            log.debug("skipping invalid JSON-LD block: %s", exc)
            continue
        nodes.extend(_flatten(data))
    index = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    ranks = [_rank(n) for n in nodes]
    ranked = sorted((i for i, rank in enumerate(ranks) if rank < len(ARTICLE_TYPES)), key=ranks.__getitem__)
    return tuple(_resolve_refs(nodes[i], index) for i in ranked), broken


def _flatten(data: Any) -> list[dict[str, Any]]:
    """Every object of a JSON-LD document: top-level lists and ``@graph`` included."""
    if isinstance(data, list):
        return [obj for item in data for obj in _flatten(item)]
    if not isinstance(data, dict):
        return []
    found = [data] if "@type" in data else []
    return found + _flatten(data.get("@graph", []))


def _types(obj: dict[str, Any]) -> list[str]:
    value = obj.get("@type", [])
    return [t.lower() for t in ([value] if isinstance(value, str) else value) if isinstance(t, str)]


def _rank(obj: dict[str, Any]) -> int:
    ranks = [ARTICLE_TYPES.index(t) for t in _types(obj) if t in ARTICLE_TYPES]
    return min(ranks, default=len(ARTICLE_TYPES))


def _resolve_refs(obj: dict[str, Any], index: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Replace ``{"@id": ...}`` stubs (Rank Math's author/image references) by their objects."""
    def one(value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"@id"}:
            return index.get(value["@id"], value)
        if isinstance(value, list):
            return [one(v) for v in value]
        return value

    return {key: one(value) for key, value in obj.items()}


def ld_text(value: Any) -> str:
    """A JSON-LD value as one string: names of people/organisations joined with ", "."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return ld_text(value.get("name") or value.get("@value") or "")
    if isinstance(value, list):
        texts = [ld_text(v) for v in value]
        return ", ".join(t for t in texts if t)
    return ""


def ld_list(value: Any) -> tuple[str, ...]:
    """Keywords/sections: a list, or a comma-separated string."""
    if isinstance(value, str):
        return tuple(p for p in (clean(x) for x in value.split(",")) if p)
    if isinstance(value, list):
        return tuple(t for t in (ld_text(v) for v in value) if t)
    return ()


def ld_caption(value: Any) -> str:
    """``image.caption`` of the first image object, if any."""
    if isinstance(value, list):
        value = value[0] if value else None
    return ld_text(value.get("caption")) if isinstance(value, dict) else ""


# ---------------------------------------------------------------- canonical URL


_HOME_PATHS = re.compile(r"^/(?:index\.(?:html?|php|jsp))?$|^/[a-z]{2}/?$", re.IGNORECASE)


def check_canonical(candidate: str, page_url: str) -> str | None:
    """Why ``candidate`` cannot be this page's canonical URL, or None when it can.

    Rejected: another host (teleSUR's 2016 English pages pointed at telesurtv.net [T]),
    a site root or language home (Granma's canonical is the home page [M]), or an
    ancestor of the page's own path (a section page).
    """
    cand, page = urlsplit(candidate), urlsplit(page_url)
    if cand.scheme not in ("http", "https") or not cand.netloc:
        return "not an absolute http(s) URL"
    if _HOME_PATHS.match(cand.path or "/"):
        return "points at the home page"
    if _bare_host(cand.netloc) != _bare_host(page.netloc):
        return f"points at another host ({cand.netloc})"
    own = page.path.rstrip("/")
    if own != cand.path.rstrip("/") and own.startswith(cand.path.rstrip("/") + "/"):
        return "points at a section page above this one"
    return None


def _bare_host(netloc: str) -> str:
    host = netloc.lower().rsplit("@", 1)[-1]
    return host.removeprefix("www.")


def choose_canonical(md: Metadata, page_url: str) -> tuple[str, str, list[str]]:
    """``(url, source, rejections)``: checked canonical link, else og:url, else the page URL."""
    base = absolute_url(page_url, md.base) or page_url  # a javascript:/mailto: <base> is ignored
    rejected: list[str] = []
    og = md.first("og:url")
    for source, href in (("link[rel=canonical]", md.canonical), ("og:url", og[0] if og else None)):
        if not href:
            continue
        try:
            url = resolve(base, href)
        except ValueError as exc:
            rejected.append(f"{source} {href!r}: {exc}")
            continue
        problem = check_canonical(url, page_url)
        if problem is None:
            return url, source, rejected
        rejected.append(f"{source} {href!r}: {problem}")
    return page_url, "url", rejected
