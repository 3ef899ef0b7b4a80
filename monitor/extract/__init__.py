"""Page -> Article: standard metadata first, then configured selectors, then the adapter.

For each field the first source that yields a value wins, in this order:

1. the outlet's configured selector (``[outlets.X.selectors]``): configuration
   overrides everything, because it is what a person checked on the live site;
2. standard metadata: JSON-LD (NewsArticle/BlogPosting/Article/WebPage, ``@graph``),
   OpenGraph and ``article:*`` meta;
3. the adapter (``generic``, ``telesur``, ``rhc``), from evidence in OUTLETS.md;
4. for the title only, ``<title>``.

Body, caption and subtitle skip step 2 (metadata descriptions are summaries, not
what the outlet prints). ``published`` is never filled from a modified time:
``og:updated_time``, old teleSUR "Published ..." and friends are ``modified``.

Every Article carries ``provenance``: ``(field, source)`` pairs such as
``("title", "json-ld")`` or ``("published", "selector:div.date-header (day)")``;
dates that were found but dropped (in the future, unparseable) appear as
``("published:rejected", "json-ld '2031-01-01': after fetch time")``, a
rejected canonical link as ``("canonical_url:rejected", ...)`` and JSON-LD set
aside as foreign (teleSUR's 2016 AMP sample data [T]) as ``("json-ld:rejected", ...)``. :func:`explain`
turns that into one :class:`FieldReport` per field for ``monitor check``, and
:func:`format_report` into text.

A page that is not an article raises :class:`~monitor.errors.LayoutChanged`
(challenge page, stub, listing page, missing containers, no title or body);
bytes that are not an HTML document raise :class:`~monitor.errors.ParseError`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser

from monitor.config import OutletConfig
from monitor.errors import LayoutChanged, ParseError
from monitor.models import Article, Page
from monitor.urls import published_url

from .adapters import get_adapter
from .adapters.base import FIELDS, Adapter, Document, Fields, Found
from .dates import is_future, parse_date
from .metadata import (
    Metadata,
    choose_canonical,
    ld_caption,
    ld_list,
    ld_text,
    read_metadata,
    without_foreign_jsonld,
)
from .text import (
    ALWAYS_DROP,
    attr_or_text,
    clean,
    drop,
    headline_links,
    node_text,
    paragraphs,
    words,
)

log = logging.getLogger(__name__)

# A page is a listing (FIELD_NOTES row 11) when it links this many headlines and has no article markers.
LISTING_MIN_LINKS = 8
_CHALLENGE = re.compile(
    r"just a moment\.\.\.|checking your browser|cf-browser-verification|cf_chl_|challenge-platform|"
    r"attention required|enable javascript and cookies|fwb/df_lib\.js|ddos protection by|are you a robot",
    re.IGNORECASE,
)
_ARTICLE_OG_TYPES = ("article", "newsarticle")


@dataclass(frozen=True, slots=True)
class FieldReport:
    """One line of ``monitor check``: a field, its value, and where it came from (or "missing")."""

    field: str
    value: str
    source: str


def extract_article(page: Page, outlet: OutletConfig, *, now: datetime) -> Article:
    """The article on ``page``, read with ``outlet``'s adapter and selectors (see module doc)."""
    text = _decode(page)
    tree = LexborHTMLParser(text)
    meta = without_foreign_jsonld(read_metadata(tree), tree)
    _refuse_non_articles(tree, meta, page.final_url, text)
    drop(tree, (*ALWAYS_DROP, *outlet.drop))
    doc = Document(tree=tree, url=page.final_url, outlet=outlet, meta=meta, container=_container(tree, outlet, page))
    return _build(page, outlet, doc, _choose(doc, get_adapter(outlet.adapter)), now)


def explain(page: Page, outlet: OutletConfig, *, now: datetime) -> list[FieldReport]:
    """Every Article field with its value and source ("missing" when absent), for ``monitor check``."""
    article = extract_article(page, outlet, now=now)
    return report(article)


def report(article: Article) -> list[FieldReport]:
    """The field reports of an already extracted Article (its provenance, laid out per field)."""
    sources = dict(article.provenance)
    rows = []
    for name in ("canonical_url", "language", *FIELDS):
        value = getattr(article, name)
        shown = f"{len(value)} paragraphs: {value[0]}" if name == "body" and value else _show(value)
        rows.append(FieldReport(name, shown, sources.get(name, "missing") if shown else "missing"))
    rows.extend(FieldReport(k.removesuffix(":rejected"), v, "rejected") for k, v in article.provenance if k.endswith(":rejected"))
    return rows


def format_report(rows: list[FieldReport]) -> str:
    """Aligned text lines ``field  source  value`` (values shortened to one line)."""
    width = max((len(r.field) for r in rows), default=0)
    source_width = max((len(r.source) for r in rows), default=0)
    lines = [f"{r.field:<{width}}  {r.source:<{source_width}}  {_shorten(r.value)}".rstrip() for r in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------- parsing and refusing


def _decode(page: Page) -> str:
    """The page's text, refusing what is not an HTML document."""
    text = page.text
    if not text and page.content:
        try:
            text = page.content.decode(page.encoding or "utf-8")
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(page.final_url, f"cannot decode the page as {page.encoding}: {exc}") from None
    head = text[:2048].lstrip("\ufeff \t\r\n")
    if not head or "\x00" in text[:4096] or "<" not in head:
        raise ParseError(page.final_url, "not an HTML document (empty, binary or plain text)")
    if text.count("\ufffd") > max(20, len(text) // 50):
        raise ParseError(page.final_url, "undecodable bytes: too many replacement characters")
    return text


def _refuse_non_articles(tree: LexborHTMLParser, meta: Metadata, url: str, text: str) -> None:
    """Challenge pages and listing pages are not articles: say which, clearly."""
    title_node = tree.css_first("title")
    title = node_text(title_node) if title_node else ""
    og_type = (meta.first("og:type") or ("", ""))[0].lower()
    is_article = og_type in _ARTICLE_OG_TYPES or (meta.ld_type not in (None, "webpage"))
    # Granma's real articles carry the fwb script too [M]: in-page markers only count on a bare page.
    bare = not is_article and _prose_words(tree) < 80
    if _CHALLENGE.search(title) or (bare and _CHALLENGE.search(text)):
        raise LayoutChanged(url, f"looks like a bot challenge page (title {title!r}), not an article")
    links = headline_links(tree, url)
    if not is_article and (links >= LISTING_MIN_LINKS or len(tree.css("article")) >= 3):
        raise LayoutChanged(url, f"looks like a listing page ({links} headline links, no article body), not an article")


def _prose_words(tree: LexborHTMLParser) -> int:
    return sum(words(node_text(p)) for p in tree.css("p"))


def _container(tree: LexborHTMLParser, outlet: OutletConfig, page: Page) -> Any:
    css = outlet.selector("container")
    if css is None:
        return None
    node = tree.css_first(css)
    if node is None:
        raise LayoutChanged(page.final_url, f"configured container {css!r} not found")
    return node


# ---------------------------------------------------------------- candidates


def _choose(doc: Document, adapter: Adapter) -> dict[str, Found]:
    """Per field, the first candidate with a value: configured selector, metadata, adapter."""
    configured = _configured(doc, adapter)
    standard = _standard(doc.meta, doc.outlet)
    from_adapter = adapter.read(doc)
    chosen: dict[str, Found] = {}
    for name in FIELDS:
        found = configured.get(name) or standard.get(name) or from_adapter.get(name)
        if found is not None and found.value:
            chosen[name] = found
    if "title" not in chosen and (title := _page_title(doc.tree, doc.meta, doc.outlet)):
        chosen["title"] = Found(title, "<title>")
    if "caption" not in chosen and (caption := ld_caption(doc.meta.ld("image"))):
        chosen["caption"] = Found(caption, "json-ld image.caption")
    if "language" in from_adapter:
        chosen["language"] = from_adapter["language"]
    return chosen


def _configured(doc: Document, adapter: Adapter) -> Fields:
    """Values from the outlet's ``selectors`` table: these override everything."""
    fields: Fields = {}
    root = doc.container or doc.tree
    for name, css in doc.outlet.selectors:
        if name == "container":
            continue
        nodes = root.css(css)
        source = f"selector:{css}"
        if name == "body":
            body = adapter.tidy_body(_selected_paragraphs(nodes))
            if body:
                fields[name] = Found(tuple(body), source)
        elif name == "tags":
            tags = tuple(dict.fromkeys(t for t in (attr_or_text(n) for n in nodes) if t))
            if tags:
                fields[name] = Found(tags, source)
        else:
            reader = attr_or_text if name in ("published", "modified") else node_text
            value = next((v for v in (reader(n) for n in nodes) if v), "")
            if value:
                fields[name] = Found(value, source)
    return fields


def _selected_paragraphs(nodes: list[Any]) -> list[str]:
    """Paragraph nodes selected one by one, or the first selected container that holds text."""
    if nodes and all(n.tag in ("p", "h2", "h3", "h4", "li", "blockquote") for n in nodes):
        return [t for t in (node_text(n) for n in nodes) if t]
    for node in nodes:
        found = paragraphs(node)
        if found:
            return found
    return []


def _standard(meta: Metadata, outlet: OutletConfig) -> Fields:
    """Title, author, dates, section and tags from JSON-LD and meta tags."""
    fields: Fields = {}

    def put(name: str, value: Any, source: str) -> None:
        if value and name not in fields:
            fields[name] = Found(value, source)

    put("title", ld_text(meta.ld("headline")), "json-ld")
    og_title = meta.first("og:title")
    if og_title:
        put("title", _strip_site(og_title[0], meta, outlet), "og:title")
    put("author", ld_text(meta.ld("author")), "json-ld")
    author = meta.first("author", "article:author")
    if author and "://" not in author[0]:
        put("author", author[0], f"meta[{author[1]}]")
    put("published", ld_text(meta.ld("datePublished")), "json-ld")
    for name in ("article:published_time", "og:article:published_time"):
        put("published", (meta.first(name) or ("",))[0], f"meta[{name}]")
    put("modified", ld_text(meta.ld("dateModified")), "json-ld")
    for name in ("article:modified_time", "og:updated_time"):
        put("modified", (meta.first(name) or ("",))[0], f"meta[{name}]")
    put("section", (meta.first("article:section") or ("",))[0], "meta[article:section]")
    sections = ld_list(meta.ld("articleSection"))
    put("section", sections[0] if sections else "", "json-ld")
    put("tags", tuple(dict.fromkeys(meta.all("article:tag"))), "meta[article:tag]")
    put("tags", ld_list(meta.ld("keywords")), "json-ld")
    return fields


def _strip_site(title: str, meta: Metadata, outlet: OutletConfig) -> str:
    """``"Headline - teleSUR English"`` -> ``"Headline"`` when the suffix is the site's name."""
    names = {outlet.name.lower()}
    site = meta.first("og:site_name")
    if site:
        names.add(site[0].lower())
    for sep in (" - ", " | ", " – ", " — ", " › "):
        head, _, tail = title.rpartition(sep)
        if head and tail.strip().lower() in names:
            return head.strip()
    return title


def _page_title(tree: LexborHTMLParser, meta: Metadata, outlet: OutletConfig) -> str:
    node = tree.css_first("title")
    return _strip_site(node_text(node), meta, outlet) if node else ""


# ---------------------------------------------------------------- the Article


def _build(page: Page, outlet: OutletConfig, doc: Document, chosen: dict[str, Found], now: datetime) -> Article:
    url = page.final_url
    title, body = _require_article(url, chosen)
    provenance: list[tuple[str, str]] = []
    canonical, canonical_source, rejected = choose_canonical(doc.meta, url)
    provenance += [("canonical_url", canonical_source), *(("canonical_url:rejected", r) for r in rejected)]
    language, language_source = _language(doc.meta, outlet, chosen.get("language"))
    provenance.append(("language", language_source))
    if doc.meta.ignored_jsonld:
        provenance.append(("json-ld:rejected", doc.meta.ignored_jsonld))
    published, published_raw = _date("published", chosen, outlet, now, provenance)
    modified, modified_raw = _date("modified", chosen, outlet, now, provenance)
    provenance += [(n, chosen[n].source) for n in FIELDS if n in chosen and n not in ("published", "modified")]

    def text(name: str) -> str | None:
        return clean(str(chosen[name].value)) or None if name in chosen else None

    return Article(
        url=url,
        canonical_url=published_url(canonical),
        outlet=outlet.key,
        outlet_name=outlet.name,
        language=language,
        title=title,
        subtitle=text("subtitle"),
        author=text("author"),
        caption=text("caption"),
        published=published,
        published_raw=published_raw,
        modified=modified,
        modified_raw=modified_raw,
        section=text("section"),
        body=body,
        tags=tuple(t for t in (clean(x) for x in chosen["tags"].value) if t) if "tags" in chosen else (),
        fetched_at=page.fetched_at,
        provenance=tuple(provenance),
    )


def _require_article(url: str, chosen: dict[str, Found]) -> tuple[str, tuple[str, ...]]:
    """Title and body, or LayoutChanged: never an empty article."""
    title = clean(str(chosen["title"].value)) if "title" in chosen else ""
    if not title:
        raise LayoutChanged(url, "no title found (page is not an article, or its layout changed)")
    body = tuple(p for p in (clean(x) for x in chosen["body"].value) if p) if "body" in chosen else ()
    if not body or words(" ".join(body)) < 5:
        raise LayoutChanged(url, "no article body found (stub page, or the layout changed)")
    return title, body


def _date(
    name: str, chosen: dict[str, Found], outlet: OutletConfig, now: datetime, provenance: list[tuple[str, str]]
) -> tuple[datetime | None, str | None]:
    found = chosen.get(name)
    if found is None:
        return None, None
    raw = str(found.value)
    parsed = parse_date(raw, ZoneInfo(outlet.timezone))
    if parsed is None:
        provenance.append((f"{name}:rejected", f"{found.source} {raw!r}: not a date"))
        log.warning("%s: %s %r is not a date", outlet.key, name, raw)
        return None, None
    if is_future(parsed.value, now):
        provenance.append((f"{name}:rejected", f"{found.source} {raw!r}: after fetch time {now.isoformat()}"))
        log.warning("%s: dropped %s %r: in the future", outlet.key, name, raw)
        return None, None
    suffix = " (day)" if parsed.precision == "day" else ""
    provenance.append((name, found.source + suffix))
    return parsed.value, parsed.raw


def _language(meta: Metadata, outlet: OutletConfig, from_adapter: Found | None) -> tuple[str, str]:
    """``<html lang>``, then og:locale, then JSON-LD inLanguage, else the outlet's language.

    An adapter that knows better goes first: RHC prints ``<html lang="es">`` on every
    language's pages [M] while its URLs carry the language [P].
    """
    candidates = (
        (str(from_adapter.value) if from_adapter else "", from_adapter.source if from_adapter else ""),
        (meta.html_lang, "html[lang]"),
        ((meta.first("og:locale") or ("",))[0], "og:locale"),
        (ld_text(meta.ld("inLanguage")), "json-ld inLanguage"),
    )
    for value, source in candidates:
        code = re.split(r"[-_]", value or "", maxsplit=1)[0].strip().lower()
        if re.fullmatch(r"[a-z]{2}", code):
            return code, source
    return outlet.language, "outlet config"


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return " | ".join(value) if all(isinstance(v, str) for v in value) else str(len(value))
    return str(value)


def _shorten(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["FieldReport", "explain", "extract_article", "format_report", "report"]
