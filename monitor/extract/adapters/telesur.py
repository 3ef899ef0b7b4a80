"""teleSUR (telesurenglish.net, telesurtv.net): two layouts, chosen by container.

OUTLETS.md sections 1-2, "How to use this" 1-2:

* new CMS (Spanish from ~Sept 2023, English from ~July 2024) [S]:
  ``h1.content-area__title``, ``div.date-header`` ("<Month> <D>, <YYYY>", a day),
  body = direct-child ``<p>`` *without attributes* of ``div.content-area__text__full``,
  author = JSON-LD else ``p.content-area__text__full__fuente__detalle`` "Autor:",
  body cut at "Autor:", "LEA TAMBIÉN:"/"Related:" lines dropped with the linked
  headline after them, embedded-tweet lines dropped [S]/[P];
* old OpenCms "tfsla diario" (archive URLs ``/news/…-YYYYMMDD-NNNN.html``) [T]:
  ``h1[itemprop="name headline"]``, ``div.subtitle``, ``div.capdate`` "Published
  4 July 2021" which is the LAST-MODIFIED date, ``div.capaut meta[itemprop=name]``,
  ``span.itacaput[itemprop=articleSection] a``, ``.tagBarNews a[itemprop=title]``,
  ``div.txt_newworld``; the caption is ``.bloque-multimedia div.caption``
  (TS_Article_Multimedia.jsp). The date line and the standfirst are printed above
  the body, so they are its first paragraphs (SEED_FORMAT.md, seed 000).

The old ``publish-date`` and ``cXenseParse:recs:publishtime`` meta tags are
last-modified times too [T]: they go to ``modified``, never ``published``.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from monitor.errors import LayoutChanged
from monitor.extract.dates import strip_relative
from monitor.extract.text import first_text, is_link_only, leaf_blocks, node_text

from .base import Document, Fields, Found

NEW_BODY = "div.content-area__text__full"
OLD_BODY = "div.txt_newworld"
_AUTHOR_LINE = re.compile(r"^\s*(?:Autor|Author)\s*:\s*(?P<name>.*)$", re.IGNORECASE)
_RELATED = re.compile(r"^\s*(?:LEA TAMBI[ÉE]N|Related)\s*:\s*(?P<rest>.*)$", re.IGNORECASE)
_TWEET = re.compile(r"pic\.twitter\.com/|^—\s*.+\(@\w+\)\s+\w+\.? \d{1,2}, \d{4}$")


class TelesurAdapter:
    name = "telesur"

    def read(self, doc: Document) -> Fields:
        root = doc.container or doc.tree
        new = root.css_first(NEW_BODY)
        if new is not None:
            return _read_new(doc, new)
        old = root.css_first(OLD_BODY)
        if old is not None:
            return _read_old(doc, old)
        raise LayoutChanged(doc.url, f"no teleSUR article container ({NEW_BODY} or {OLD_BODY})")

    def tidy_body(self, paragraphs: list[str]) -> list[str]:
        return tidy([(p, False) for p in paragraphs])


def tidy(paragraphs: list[tuple[str, bool]]) -> list[str]:
    """Body paragraphs ``(text, is_link_only)`` without credits, related links and tweets."""
    kept: list[str] = []
    skip_next_link = False
    for text, link_only in paragraphs:
        if _AUTHOR_LINE.match(text):
            break  # the author/credit lines close the article [S]
        if skip_next_link and link_only:
            skip_next_link = False
            continue
        skip_next_link = False
        related = _RELATED.match(text)
        if related:
            skip_next_link = not related.group("rest")
            continue
        if link_only or _TWEET.search(text):
            continue
        kept.append(text)
    return kept


def _read_new(doc: Document, body: LexborNode) -> Fields:
    fields: Fields = {}
    _put(fields, "title", first_text(doc.tree, "h1.content-area__title"), "selector:h1.content-area__title")
    _put(fields, "published", first_text(doc.tree, "div.date-header"), "selector:div.date-header")
    for line in body.css("p.content-area__text__full__fuente__detalle"):
        match = _AUTHOR_LINE.match(node_text(line))
        if match and match.group("name"):
            _put(fields, "author", match.group("name"), "selector:p.content-area__text__full__fuente__detalle")
            break
    _put(fields, "caption", _caption_near(body), "selector:figcaption")
    direct = [p for p in body.iter() if p.tag == "p" and not p.attributes]
    found = tidy([(node_text(p), is_link_only(p)) for p in direct if node_text(p)])
    fields["body"] = Found(tuple(found), f"selector:{NEW_BODY} > p")
    return fields


def _caption_near(node: LexborNode) -> str:
    """The lead image's caption: the first figcaption in the body or up to two levels above."""
    current: LexborNode | None = node
    for _ in range(3):
        if current is None:
            break
        caption = first_text(current, "figcaption")
        if caption:
            return caption
        current = current.parent
    return ""


def _read_old(doc: Document, body: LexborNode) -> Fields:
    tree = doc.tree
    fields: Fields = {}
    _put(fields, "title", first_text(tree, 'h1[itemprop~="headline"]'), 'selector:h1[itemprop="name headline"]')
    subtitle = first_text(tree, "div.subtitle")
    _put(fields, "subtitle", subtitle, "selector:div.subtitle")
    author = tree.css_first('div.capaut meta[itemprop="name"]')
    _put(fields, "author", (author.attributes.get("content") or "") if author else "", "selector:div.capaut meta[itemprop=name]")
    _put(fields, "caption", first_text(tree, ".bloque-multimedia div.caption"), "selector:.bloque-multimedia div.caption")
    section = tree.css_first('span.itacaput[itemprop~="articleSection"] a')
    _put(fields, "section", node_text(section) if section else "", "selector:span.itacaput[itemprop=articleSection] a")
    tags = tuple(dict.fromkeys(_tag_text(a) for a in tree.css('.tagBarNews a[itemprop~="title"]')))
    if tags:
        fields["tags"] = Found(tags, "selector:.tagBarNews a[itemprop=title]")
    dateline = strip_relative(first_text(tree, "div.capdate"))
    fields.update(_old_modified(doc, dateline))
    blocks = [(node_text(n), is_link_only(n)) for n in _blocks(body)]
    lead = [text for text in (dateline, subtitle) if text]
    fields["body"] = Found(tuple(lead + tidy(blocks)), f"selector:{OLD_BODY}")
    return fields


def _old_modified(doc: Document, dateline: str) -> Fields:
    """Last-modified: the precise meta tags first, else the visible "Published" day [T]."""
    precise = doc.meta.first("cxenseparse:recs:publishtime", "publish-date")
    if precise:
        return {"modified": Found(precise[0], f"meta[{precise[1]}] (last-modified)")}
    if dateline:
        return {"modified": Found(dateline, "selector:div.capdate (last-modified)")}
    return {}


def _blocks(body: LexborNode) -> list[LexborNode]:
    return [n for n in leaf_blocks(body) if node_text(n)]


def _tag_text(anchor: LexborNode) -> str:
    return (anchor.attributes.get("title") or "").strip() or node_text(anchor)


def _put(fields: Fields, name: str, value: str, source: str) -> None:
    if value:
        fields[name] = Found(value, source)
