"""Radio Habana Cuba (radiohc.cu): read by visible text order, not by classes.

The current article markup is unknown (OUTLETS.md section 3 "HTML selectors
(current): Not found"; section 10.1). What is known is the text order of an
article page [P]: title -> optional image caption / subtitle line ->
"Edited by <Name>" (es "Editado por", eo "Eldonita de") -> timestamp
``YYYY-MM-DD HH:MM:SS`` (Havana time [I]) -> share links "Pinterest Telegram
Linkedin WhatsApp" -> body opening with the dateline "(RHC)" / "(RHC-PL)" /
"(RHC-ACN)" / "(teleSUR-RHC)". Opinion pieces carry "By: <Name>" / "Por: <Name>".

So this adapter walks the page's visible lines inside the first ``<article>``
(or ``main``, or the whole body) holding the ``<h1>``. Once the live markup is
checked, put its selectors in config (``[outlets.rhc-en.selectors]``): they
override everything here.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor.errors import LayoutChanged
from monitor.extract.text import is_link_only, text_lines

from .base import Document, Fields, Found

CONTAINERS = ("article", '[role="main"]', "main")
_EDITED = re.compile(r"^(?:Edited by|Editado por|Eldonita de)\s*:?\s*(?P<name>\S.*)$", re.IGNORECASE)
_BYLINE = re.compile(r"^(?:By|Por)\s*:\s*(?P<name>\S.*)$", re.IGNORECASE)
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_DATELINE = re.compile(r"\((?:[\w-]+-)?RHC(?:-[\w]+)?\)")
_SHARE_WORDS = frozenset(
    {"pinterest", "telegram", "linkedin", "whatsapp", "facebook", "twitter", "x", "email", "print", "share", "compartir"}
)
_NOT_BODY = frozenset({"h1", "figcaption", "time", "th"})
_LANG_PATH = re.compile(r"^/(?:index\.php/)?(?P<lang>es|en|fr|pt|eo|ar|it)(?:/|$)")


class RhcAdapter:
    name = "rhc"

    def read(self, doc: Document) -> Fields:
        container = doc.container or _container(doc.tree, doc.url)
        lines = text_lines(container)
        fields: Fields = {}
        lang = _LANG_PATH.match(urlsplit(doc.url).path)
        if lang:
            fields["language"] = Found(lang.group("lang"), "url path")
        start = 0
        for index, (text, node) in enumerate(lines):
            if node.tag == "h1":
                fields["title"] = Found(text, "selector:h1")
                start = index + 1
                break
        body_start = _read_header(lines, start, fields)
        if "published" not in fields and "author" not in fields:
            raise LayoutChanged(doc.url, 'no RHC article markers ("Edited by" line or YYYY-MM-DD HH:MM:SS timestamp)')
        body = [t for t, n in lines[body_start:] if n.tag not in _NOT_BODY and not _is_share(t) and not is_link_only(n)]
        fields["body"] = Found(tuple(body), "text order: from the (RHC) dateline")
        return fields

    def tidy_body(self, paragraphs: list[str]) -> list[str]:
        return [p for p in paragraphs if not _is_share(p)]


def _container(tree: LexborHTMLParser, url: str) -> LexborNode:
    for css in CONTAINERS:
        for node in tree.css(css):
            if node.css_first("h1") is not None:
                return node
    body = tree.body
    if body is None:
        raise LayoutChanged(url, "page has no <body>")
    return body


def _read_header(lines: list[tuple[str, LexborNode]], start: int, fields: Fields) -> int:
    """Fill caption/author/published from the lines above the body; return where the body starts."""
    for index in range(start, len(lines)):
        text, node = lines[index]
        if _DATELINE.search(text[:160]) and node.tag not in _NOT_BODY:
            return index
        if match := _EDITED.match(text) or _BYLINE.match(text):
            fields.setdefault("author", Found(match.group("name"), f"text: {text.split()[0]} … line"))
        elif _STAMP.match(text):
            fields.setdefault("published", Found(text, "text: YYYY-MM-DD HH:MM:SS"))
        elif _is_share(text) or is_link_only(node):
            continue
        elif "author" in fields or "published" in fields:
            return index  # no dateline (opinion pieces): the body follows the header
        elif node.tag == "figcaption" or "caption" not in fields:
            fields["caption"] = Found(text, f"text: line above the byline ({node.tag})")
    return len(lines)


def _is_share(text: str) -> bool:
    tokens = text.lower().split()
    return bool(tokens) and all(t in _SHARE_WORDS for t in tokens)
