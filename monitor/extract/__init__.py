"""Page -> Article: a generic extractor for any news page, with site adapters and configured selectors as hints.

For any page (:func:`extract_html`, or :func:`extract_article` for a fetched Page):

1. the page's standard metadata is read (JSON-LD, OpenGraph, ``article:*``);
2. :mod:`.content` finds the article region by scoring the page's blocks and
   returns its paragraphs (subheadings flagged);
3. :mod:`.fields` chooses title, authors and dates by consensus of every source
   the page offers, keeping the candidates each winner beat;
4. hints go first *when they check out*: the outlet's configured selectors
   (``[outlets.X.selectors]``, what a person checked on the live site), then the
   adapter (``telesur``, ``rhc``, from OUTLETS.md evidence). A hint must be
   non-empty and not the site's name, slogan or footer; a configured selector
   that matches nothing, or an adapter that no longer finds its containers,
   leaves the generic result in place and marks the Article *degraded*
   (``("degraded", "selector title=h1.x matched nothing")`` in its provenance),
   which the run log, ``monitor status`` and the digest show.

``published`` is never filled from a modified time. Every Article carries
``provenance``: ``(field, source)`` pairs, ``(field + ":beat", "source 'value'")``
for the candidates that lost, and ``(field + ":rejected", why)`` for dates and
canonical links found but dropped. :func:`report` lays that out per field for
``monitor check``.

A page that is not an article raises :class:`~monitor.errors.LayoutChanged`
(challenge page, stub, listing page); bytes that are not an HTML document raise
:class:`~monitor.errors.ParseError`. A real article is never refused because a
container is missing.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from monitor.config import OutletConfig
from monitor.errors import LayoutChanged, ParseError
from monitor.models import Article, Page, utc_now
from monitor.urls import published_url

from .adapters import get_adapter
from .adapters.base import FIELDS, Adapter, Document, Fields, Found
from .content import Content, cjk_words, extract_content, script_markup, word_count
from .fields import (
    Choice,
    author_candidates,
    choose_authors,
    choose_dates,
    choose_title,
    date_candidates,
    decode,
    is_site_name,
    site_names,
    split_names,
    strip_site,
    title_candidates,
)
from .metadata import (
    Marked,
    Metadata,
    choose_canonical,
    ld_caption,
    ld_list,
    ld_text,
    marked_nodes,
    read_metadata,
    without_foreign_jsonld,
)
from .text import (
    ALWAYS_DROP,
    attr_or_text,
    clean,
    clean_line,
    drop,
    headline_links,
    node_text,
    paragraphs,
    words,
)

log = logging.getLogger(__name__)

# A page is a listing (FIELD_NOTES row 11) when it links this many headlines and has little prose of its own.
LISTING_MIN_LINKS = 8
LISTING_MAX_WORDS = 150
_CHALLENGE = re.compile(
    r"just a moment\.\.\.|checking your browser|cf-browser-verification|cf_chl_|challenge-platform|"
    r"attention required|enable javascript and cookies|fwb/df_lib\.js|ddos protection by|are you a robot",
    re.IGNORECASE,
)
# The same markers as plain text: a whole page is searched for them, lower-cased once.
_CHALLENGE_MARKS = tuple(_CHALLENGE.pattern.replace("\\.", ".").split("|"))
_ARTICLE_OG_TYPES = ("article", "newsarticle")


@dataclass(frozen=True, slots=True)
class FieldReport:
    """One line of ``monitor check``: a field, its value, and where it came from (or "missing")."""

    field: str
    value: str
    source: str


def extract_article(page: Page, outlet: OutletConfig, *, now: datetime) -> Article:
    """The article on a fetched ``page`` of ``outlet`` (see module doc)."""
    return _extract(_decode(page), page.final_url, outlet, now=now, fetched_at=page.fetched_at,
                    zone=outlet.timezone, known=True)


def extract_html(html: str, url: str, *, outlet: OutletConfig | None = None, now: datetime | None = None) -> Article:
    """The article in ``html`` fetched from ``url``: generic when no outlet is given.

    Without an outlet no time zone is assumed beyond what the page says (its own
    offsets, else UTC), and the site's name comes from the page and its host.
    """
    text = _decode(Page(url=url, final_url=url, status=200, text=html))
    config = outlet or generic_outlet(url)
    return _extract(text, url, config, now=now or utc_now(), fetched_at=None,
                    zone=outlet.timezone if outlet else None, known=outlet is not None)


def generic_outlet(url: str) -> OutletConfig:
    """A stand-in outlet for a page of a site monitor has no configuration for."""
    parts = urlsplit(url)
    return _generic_outlet(parts.scheme, parts.netloc.lower())


@functools.lru_cache(maxsize=256)  # one per site: a frozen config costs more to build than to look up
def _generic_outlet(scheme: str, host: str) -> OutletConfig:
    return OutletConfig(key=host or "page", name=host.removeprefix("www.") or "page", language="",
                        base_url=f"{scheme or 'https'}://{host}/")


def explain(page: Page, outlet: OutletConfig, *, now: datetime) -> list[FieldReport]:
    """Every Article field with its value and source ("missing" when absent), for ``monitor check``."""
    article = extract_article(page, outlet, now=now)
    return report(article)


def report(article: Article) -> list[FieldReport]:
    """The field reports of an extracted Article: winner per field, then what it beat and what was rejected."""
    sources = dict(article.provenance)
    rows = []
    for name in ("canonical_url", "language", *FIELDS):
        value = article.authors if name == "author" else getattr(article, name)
        shown = f"{len(value)} paragraphs: {value[0]}" if name == "body" and value else _show(value)
        rows.append(FieldReport(name, shown, sources.get(name, "missing") if shown else "missing"))
    for key, value in article.provenance:
        if key.endswith(":beat"):
            rows.append(FieldReport(key.removesuffix(":beat"), value, "beat"))
    rows.extend(FieldReport(k.removesuffix(":rejected"), v, "rejected") for k, v in article.provenance if k.endswith(":rejected"))
    rows.extend(FieldReport("degraded", v, "degraded") for k, v in article.provenance if k == "degraded")
    return rows


def degraded(article: Article) -> tuple[str, ...]:
    """Why the outlet's hints failed on this page ("selector title=h1.x matched nothing"), if they did."""
    return tuple(v for k, v in article.provenance if k == "degraded")


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
    if not head or text.find("\x00", 0, 4096) >= 0 or "<" not in head:
        raise ParseError(page.final_url, "not an HTML document (empty, binary or plain text)")
    if "\ufffd" in text and text.count("\ufffd") > max(20, len(text) // 50):
        raise ParseError(page.final_url, "undecodable bytes: too many replacement characters")
    return text


def _extract(text: str, url: str, outlet: OutletConfig, *, now: datetime, fetched_at: datetime | None,
             zone: str | None, known: bool) -> Article:
    tree = LexborHTMLParser(text)
    marked = marked_nodes(tree)
    meta = without_foreign_jsonld(read_metadata(tree, marked), tree, marked)
    _refuse_challenge(tree, meta, url, text)
    adapter = get_adapter(outlet.adapter)
    hinted = outlet.adapter != "generic" or bool(outlet.selectors)
    if outlet.drop or hinted:
        drop(tree, (*ALWAYS_DROP, *outlet.drop))  # adapters read node text, scripts included
        marked = marked_nodes(tree)  # what was dropped is no longer the page's
    names = site_names(meta, urlsplit(url).netloc, outlet.name if known else None)
    h1s = list(marked.h1[:4])
    title_choice = choose_title(title_candidates(meta, tree, _headings(tree, h1s)), names)
    headline = str(title_choice.winner.value) if title_choice.winner else None
    content = extract_content(tree, headline, h1s[0] if h1s else None)
    if not content.paragraphs and (markup := script_markup(tree)):
        # Painted by script: the article's markup travels in a JSON string; read it as a page.
        content = extract_content(LexborHTMLParser(f"<html><body><article>{markup}</article></body></html>"), headline)
    _refuse_listing(tree, meta, url, content)
    ctx = _Context(tree, url, outlet, meta, content, names, [], [], marked)
    hints = _hints(ctx, adapter) if hinted else {}
    return _build(ctx, hints, title_choice, now=now, fetched_at=fetched_at, zone=zone)


@dataclass(slots=True)
class _Context:
    tree: LexborHTMLParser
    url: str
    outlet: OutletConfig
    meta: Metadata
    content: Content
    names: set[str]
    degraded: list[str]
    provenance: list[tuple[str, str]]
    marked: Marked


def _headings(tree: LexborHTMLParser, h1s: list[Any]) -> list[tuple[str, str]]:
    found = [("h1", node.text(deep=True)) for node in h1s]
    if not found:
        node = tree.css_first("h2")
        if node is not None:
            found.append(("h2", node.text(deep=True)))
    return found


# ---------------------------------------------------------------- refusing what is not an article


def _refuse_challenge(tree: LexborHTMLParser, meta: Metadata, url: str, text: str) -> None:
    title = clean(meta.title or "")  # a <title> holds only text
    # Granma's real articles carry the fwb script too [M]: in-page markers only count on a bare page.
    bare = not _declared_article(meta) and _prose_words(tree) < 80
    if _CHALLENGE.search(title) or (bare and _has_challenge_mark(text)):
        raise LayoutChanged(url, f"looks like a bot challenge page (title {title!r}), not an article")


def _has_challenge_mark(text: str) -> bool:
    lowered = text.lower()
    return any(mark in lowered for mark in _CHALLENGE_MARKS)


def _declared_article(meta: Metadata) -> bool:
    og_type = (meta.first("og:type") or ("", ""))[0].lower()
    return og_type in _ARTICLE_OG_TYPES or (meta.ld_type not in (None, "webpage"))


def _refuse_listing(tree: LexborHTMLParser, meta: Metadata, url: str, content: Content) -> None:
    """A page of teasers with little prose of its own is a listing, whatever it declares."""
    if _declared_article(meta):
        return
    prose = sum(word_count(b.text) for b in content.paragraphs if not b.is_heading)
    if prose >= LISTING_MAX_WORDS:
        return
    links = headline_links(tree, url)
    if links >= LISTING_MIN_LINKS or len(tree.css("article")) >= 3:
        raise LayoutChanged(url, f"looks like a listing page ({links} headline links, {prose} words of prose), not an article")


def _prose_words(tree: LexborHTMLParser) -> int:
    return sum(len((p.text(deep=True) or "").split()) for p in tree.css("p"))


# ---------------------------------------------------------------- hints: configured selectors and adapters


def _hints(ctx: _Context, adapter: Adapter) -> Fields:
    """Configured selectors first, then the adapter; each value checked, failures marked degraded."""
    container = None
    css = ctx.outlet.selector("container")
    if css is not None:
        container = ctx.tree.css_first(css)
        if container is None:
            ctx.degraded.append(f"selector container={css} matched nothing")
    doc = Document(tree=ctx.tree, url=ctx.url, outlet=ctx.outlet, meta=ctx.meta, container=container)
    fields: Fields = {}
    if ctx.outlet.adapter != "generic":
        try:
            fields.update({k: v for k, v in adapter.read(doc).items() if _acceptable(ctx, k, v)})
        except LayoutChanged as exc:
            ctx.degraded.append(f"adapter {adapter.name}: {str(exc).removeprefix(ctx.url + ': ')}")
    if css is None or container is not None:
        fields.update(_configured(ctx, doc, adapter))
    return fields


def _configured(ctx: _Context, doc: Document, adapter: Adapter) -> Fields:
    """Values from the outlet's ``selectors`` table: they beat everything, once checked."""
    fields: Fields = {}
    root = doc.container or doc.tree
    for name, css in doc.outlet.selectors:
        if name == "container":
            continue
        nodes = root.css(css)
        source = f"selector:{css}"
        if not nodes:
            ctx.degraded.append(f"selector {name}={css} matched nothing")
            continue
        found: Found | None = None
        if name == "body":
            body = adapter.tidy_body(_selected_paragraphs(nodes))
            found = Found(tuple(body), source) if body else None
        elif name == "tags":
            tags = tuple(dict.fromkeys(t for t in (attr_or_text(n) for n in nodes) if t))
            found = Found(tags, source) if tags else None
        else:
            reader = attr_or_text if name in ("published", "modified") else node_text
            value = next((v for v in (reader(n) for n in nodes) if v), "")
            found = Found(value, source) if value else None
        if found is None or not _acceptable(ctx, name, found):
            ctx.degraded.append(f"selector {name}={css} matched only {'nothing usable' if found is None else 'the site name or page furniture'}")
            continue
        fields[name] = found
    return fields


def _acceptable(ctx: _Context, name: str, found: Found) -> bool:
    """A hint is used only when it has a value that is not the site's name, slogan or footer."""
    value = found.value
    if name == "language":
        return bool(value)
    if isinstance(value, tuple):
        return bool(value) and (name != "body" or words(" ".join(value)) >= 5)
    text = clean(str(value))
    if not text:
        return False
    if name in ("title", "caption", "subtitle") and is_site_name(text, ctx.names):
        return False
    if name in ("caption", "subtitle") and text in ctx.content.furniture_texts():
        return False  # the site's slogan or a footer line, not this article's
    return True


def _selected_paragraphs(nodes: list[Any]) -> list[str]:
    """Paragraph nodes selected one by one, or the first selected container that holds text."""
    if nodes and all(n.tag in ("p", "h2", "h3", "h4", "li", "blockquote") for n in nodes):
        return [t for t in (node_text(n) for n in nodes) if t]
    for node in nodes:
        found = paragraphs(node)
        if found:
            return found
    return []


# ---------------------------------------------------------------- the Article


def _build(ctx: _Context, hints: Fields, title_choice: Choice, *, now: datetime, fetched_at: datetime | None,
           zone: str | None) -> Article:
    url, outlet, meta = ctx.url, ctx.outlet, ctx.meta
    prov = ctx.provenance
    title = _pick_text("title", hints, title_choice, prov, ctx)
    if not title:
        raise LayoutChanged(url, "no title found (page is not an article, or its layout changed)")
    body, subheadings = _body(ctx, hints)
    if not body or _fewer_words(body, 5):
        raise LayoutChanged(url, "no article body found (stub page, or the layout changed)")
    canonical, canonical_source, rejected = choose_canonical(meta, url)
    prov += [("canonical_url", canonical_source), *(("canonical_url:rejected", r) for r in rejected)]
    language, language_source = _language(meta, outlet, hints.get("language"))
    prov.append(("language", language_source))
    if meta.ignored_jsonld:
        prov.append(("json-ld:rejected", meta.ignored_jsonld))
    authors = _authors(ctx, hints)
    published, published_raw, modified, modified_raw = _dates(ctx, hints, now, zone)
    caption = _caption(ctx, hints)
    standard = _standard(meta)
    section = hints.get("section") or standard.get("section")
    tags = hints.get("tags") or standard.get("tags")
    subtitle = hints.get("subtitle")
    for name, found in (("section", section), ("tags", tags), ("subtitle", subtitle)):
        if found is not None:
            prov.append((name, found.source))
    prov += [("degraded", why) for why in ctx.degraded]
    for why in ctx.degraded:
        log.warning("%s: degraded: %s (%s)", outlet.key, why, url)
    return Article(
        url=url,
        canonical_url=published_url(canonical),
        outlet=outlet.key,
        outlet_name=outlet.name,
        language=language or None,
        title=title,
        subtitle=clean(str(subtitle.value)) or None if subtitle else None,
        authors=authors,
        caption=caption,
        published=published,
        published_raw=published_raw,
        modified=modified,
        modified_raw=modified_raw,
        section=clean(str(section.value)) or None if section else None,
        body=body,
        subheadings=subheadings,
        tags=tuple(t for t in (clean(x) for x in tags.value) if t) if tags else (),
        fetched_at=fetched_at,
        provenance=tuple(prov),
    )


def _fewer_words(body: tuple[str, ...], limit: int) -> bool:
    """``word_count(" ".join(body)) < limit``, without counting every word of a long body."""
    found = 0
    for paragraph in body:
        found += len(paragraph.split(None, limit))  # a lower bound on its words
        if found >= limit:
            return False
    return word_count(" ".join(body)) < limit


def _line_words(lines: tuple[str, ...]) -> int:
    """``word_count(" ".join(lines))`` for cleaned lines (single-spaced): spaces counted, not split."""
    return sum(line.count(" ") + 1 for line in lines if line) + cjk_words(" ".join(lines))


def _more_words(text: str, limit: int) -> bool:
    """``word_count(text) > limit``, without splitting all of a text far longer than that."""
    words = len(text.split(None, limit))  # exact up to the limit
    return words > limit or words + cjk_words(text) > limit


def _pick_text(name: str, hints: Fields, choice: Choice, prov: list[tuple[str, str]], ctx: _Context) -> str:
    """A hint when there is one, else the consensus winner; what lost is kept as ``name:beat``."""
    hint = hints.get(name)
    candidates = [c for c in ((choice.winner,) if choice.winner else ()) + choice.others]
    if hint is not None:
        value = strip_site(decode(str(hint.value)), ctx.names)
        prov.append((name, hint.source))
        prov += [(f"{name}:beat", f"{c.source} {str(c.value)!r}") for c in candidates if str(c.value) != value]
        return value
    if choice.winner is None:
        return ""
    prov.append((name, choice.winner.source))
    prov += [(f"{name}:beat", f"{c.source} {str(c.value)!r}") for c in choice.others]
    return clean(str(choice.winner.value))


def _body(ctx: _Context, hints: Fields) -> tuple[tuple[str, ...], tuple[int, ...]]:
    found = hints.get("body")
    if found is not None:
        furniture = ctx.content.furniture_texts()
        kept = tuple(p for p in (clean(x) for x in found.value) if p and p not in furniture)
        if kept:
            ctx.provenance.append(("body", found.source))
            return kept, ()
    blocks = ctx.content.paragraphs
    body = tuple(clean_line(b.text) for b in blocks)
    subheadings = tuple(i for i, b in enumerate(blocks) if b.is_heading)
    raw = ctx.meta.ld("articleBody")
    if isinstance(raw, str) and _more_words(raw, 2 * _line_words(body) + (20 if body else 4)):
        # Pages rendered by script keep the text only in JSON-LD.
        lines = tuple(line for line in (decode(x) for x in raw.splitlines()) if line)
        ctx.provenance.append(("body", "json-ld articleBody"))
        return lines, ()
    if body:
        ctx.provenance.append(("body", f"article region <{ctx.content.region_label()}>"))
    return body, subheadings


def _authors(ctx: _Context, hints: Fields) -> tuple[str, ...]:
    bylines = [text for text, why in ctx.content.dropped if why == "byline"][:3]
    choice = choose_authors(author_candidates(ctx.meta, ctx.tree, bylines, ctx.marked), ctx.names)
    hint = hints.get("author")
    if hint is not None:
        names = split_names(str(hint.value)) or (clean(str(hint.value)),)
        ctx.provenance.append(("author", hint.source))
        ctx.provenance += [("author:beat", f"{c.source} {', '.join(c.value)!r}") for c in (choice.winner, *choice.others) if c]
        return names
    signed = _signature(ctx.content)
    if signed and (choice.winner is None or all(is_site_name(n, ctx.names) for n in choice.winner.value)
                   or "organisation" in choice.winner.source):
        # No person named anywhere else, but the text is signed at its foot ("Lê Phương", "Ana Pérez")
        ctx.provenance.append(("author", "signature under the body"))
        ctx.provenance += [("author:beat", f"{c.source} {', '.join(c.value)!r}") for c in (choice.winner, *choice.others) if c]
        return (signed,)
    if choice.winner is None:
        return ()
    ctx.provenance.append(("author", choice.winner.source))
    ctx.provenance += [("author:beat", f"{c.source} {', '.join(c.value)!r}") for c in choice.others]
    return tuple(clean(n) for n in choice.winner.value)


def _signature(content: Content) -> str:
    """The writer's sign-off under the body ("Ana María Pérez"), when the page has one."""
    return next((text for text, why in content.dropped if why == "signature"), "")


def _dates(ctx: _Context, hints: Fields, now: datetime, zone: str | None
           ) -> tuple[datetime | None, str | None, datetime | None, str | None]:
    # An adapter that reads dates knows which printed date is which (old teleSUR prints the modified one).
    knows_dates = "published" in hints or "modified" in hints
    visible = [] if knows_dates else [text for text, why in ctx.content.dropped if why == "date line"][:3]
    published, modified = date_candidates(ctx.meta, ctx.tree, visible, page_times=not knows_dates, marked=ctx.marked)
    for name, target in (("published", published), ("modified", modified)):
        if name in hints:
            target.insert(0, (str(hints[name].value), hints[name].source))
    choice = choose_dates(published, modified, zone=zone, now=now)
    out: list[Any] = []
    for name, cand in (("published", choice.published), ("modified", choice.modified)):
        if cand is None:
            out += [None, None]
            continue
        parsed = cand.value
        suffix = " (day)" if parsed.precision == "day" else ""
        ctx.provenance.append((name, cand.source + suffix))
        out += [parsed.value, parsed.raw]
    if choice.zone_note and choice.published is not None:
        ctx.provenance.append(("published:zone", choice.zone_note))
    ctx.provenance += [(f"{name}:beat", f"{c.source} {getattr(c.value, 'raw', c.value)!r}") for name, c in choice.others]
    for why in choice.rejected:
        name = "modified" if "odified" in why or "updated" in why else "published"
        ctx.provenance.append((f"{name}:rejected", why))
    return out[0], out[1], out[2], out[3]


def _caption(ctx: _Context, hints: Fields) -> str | None:
    hint = hints.get("caption")
    if hint is not None:
        ctx.provenance.append(("caption", hint.source))
        return clean(str(hint.value)) or None
    lead = ctx.content.lead_caption()
    if lead and not is_site_name(lead, ctx.names):
        ctx.provenance.append(("caption", "lead figure's figcaption"))
        return lead
    caption = ld_caption(ctx.meta.ld("image"))
    if caption:
        ctx.provenance.append(("caption", "json-ld image.caption"))
        return decode(caption)
    return None


def _standard(meta: Metadata) -> Fields:
    """Section and tags from meta tags and JSON-LD."""
    fields: Fields = {}
    section = (meta.first("article:section") or ("",))[0]
    if section:
        fields["section"] = Found(section, "meta[article:section]")
    elif sections := ld_list(meta.ld("articleSection")):
        fields["section"] = Found(sections[0], "json-ld")
    tags = tuple(dict.fromkeys(meta.all("article:tag")))
    if tags:
        fields["tags"] = Found(tags, "meta[article:tag]")
    elif keywords := ld_list(meta.ld("keywords")):
        fields["tags"] = Found(keywords, "json-ld")
    return fields


_LANGUAGE_SPLIT = re.compile(r"[-_]")
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")


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
        code = _LANGUAGE_SPLIT.split(value or "", maxsplit=1)[0].strip().lower()
        if _LANGUAGE_CODE.fullmatch(code):
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


__all__ = ["FieldReport", "degraded", "explain", "extract_article", "extract_html", "format_report", "generic_outlet", "report"]
