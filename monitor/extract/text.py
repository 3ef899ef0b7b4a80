"""Text out of HTML nodes: clean lines, body paragraphs, furniture removal, page shape.

Body text keeps the outlet's characters (SEED_FORMAT.md): curly quotes and accents
stay; no-break and other odd spaces become plain spaces; runs of whitespace
collapse. A paragraph is a *leaf block*: a ``<p>``, heading, list item or quote that
holds no other block, so ``<blockquote><p>..</p></blockquote>`` gives one paragraph.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor.seedformat import clean_text

# Never article text, on any site.
ALWAYS_DROP = (
    "script", "style", "noscript", "template", "iframe", "button", "svg",
    "nav", "select", "input", "textarea",
)
BLOCKS = ("p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dd")
_BLOCK_SET = frozenset(BLOCKS) | {"div", "section", "article", "ul", "ol", "figure", "table", "tr", "br"}
_WORD = re.compile(r"\w+", re.UNICODE)


# One cleaner for the whole project, so the stored body and the seed text agree to the byte.
clean = clean_text


# What clean() changes in a line that is already stripped and single-spaced.
_UNCLEAN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2060\ufeff\u00ad]")


def clean_line(text: str) -> str:
    """``clean(text)`` for text already stripped and single-spaced (a content block's): the same
    result without splitting it into words again."""
    if _UNCLEAN.search(text):
        return clean(text)
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def words(text: str) -> int:
    return len(_WORD.findall(text))


def node_text(node: LexborNode) -> str:
    """The node's visible text; block boundaries and ``<br>`` become spaces, inline tags none."""
    parts: list[str] = []
    for child in node.traverse(include_text=True):
        if child.tag == "-text":
            parts.append(child.text_content or "")
        elif child.tag in _BLOCK_SET:
            parts.append(" ")
    return clean("".join(parts))


def drop(root: LexborNode | LexborHTMLParser, selectors: Iterable[str]) -> None:
    """Remove every node matching any selector (in place), in order.

    Selectors whose matches cannot depend on what an earlier one removed (no pseudo-class, no
    sibling combinator) run as one query: each query compiles its selector and walks the tree.
    """
    batch: list[str] = []
    for css in selectors:
        if any(mark in css for mark in ":+~"):
            _drop_matches(root, batch)
            batch = []
            _drop_matches(root, [css])
        else:
            batch.append(css)
    _drop_matches(root, batch)


def _drop_matches(root: LexborNode | LexborHTMLParser, selectors: list[str]) -> None:
    if not selectors:
        return
    last = -1
    # Last first: a match inside another goes before its ancestor frees it. Lexbor lists a node
    # once per selector it matches, so repeats are skipped.
    for node in reversed(root.css(", ".join(selectors))):
        if node.mem_id != last:
            last = node.mem_id
            node.decompose()


def leaf_blocks(container: LexborNode) -> list[LexborNode]:
    """The container's paragraph-like blocks in document order, outermost-leaf only."""
    css = ", ".join(BLOCKS)
    # Lexbor's css() includes the node itself, hence the identity check.
    return [n for n in container.css(css) if not any(m != n for m in n.css(css))]


def paragraphs(container: LexborNode) -> list[str]:
    """Non-empty cleaned texts of the container's leaf blocks."""
    texts = (node_text(n) for n in leaf_blocks(container))
    return [t for t in texts if t]


_LINE_TAGS = frozenset(BLOCKS) | {
    "h1", "div", "section", "article", "header", "footer", "figure", "figcaption",
    "ul", "ol", "dl", "dt", "time", "table", "tr", "td", "th", "main", "aside",
}


def text_lines(container: LexborNode) -> list[tuple[str, LexborNode]]:
    """Visible lines in document order, each with the innermost block that holds it.

    For pages whose markup is unknown (RHC, OUTLETS.md section 10): what the reader
    sees, line by line, whatever tags carry it.
    """
    lines: list[tuple[str, LexborNode]] = []
    _collect_lines(container, lines)
    return lines


def _collect_lines(node: LexborNode, out: list[tuple[str, LexborNode]]) -> bool:
    """Walk appending innermost blocks; True when ``node`` is or holds a block.

    Inline content sitting beside blocks (``<article><h1>..</h1><span>2020-..</span>``)
    becomes a line of its own, so no visible text is lost whatever the markup.
    """
    if node.tag not in _LINE_TAGS and not _holds_block(node):
        return False
    mark = len(out)
    run: list[LexborNode] = []
    holds_block = False
    for child in node.iter(include_text=True):
        if child.tag != "-text" and (child.tag in _LINE_TAGS or _holds_block(child)):
            _flush(run, node, out)
            holds_block = _collect_lines(child, out) or holds_block
        else:
            run.append(child)
    if not holds_block:
        del out[mark:]  # a leaf block: one line for all of it
        text = node_text(node)
        if text:
            out.append((text, node))
        return node.tag in _LINE_TAGS
    _flush(run, node, out)
    return True


_LINE_CSS = ", ".join(sorted(_LINE_TAGS))


def _holds_block(node: LexborNode) -> bool:
    # Lexbor's css() includes the node itself, hence the identity check.
    return any(m != node for m in node.css(_LINE_CSS))


def _flush(run: list[LexborNode], parent: LexborNode, out: list[tuple[str, LexborNode]]) -> None:
    """Emit the pending inline nodes as one line (keyed to the element when there is only one)."""
    text = clean("".join((n.text_content or "") if n.tag == "-text" else node_text(n) for n in run))
    elements = [n for n in run if n.tag != "-text"]
    if text:
        out.append((text, elements[0] if len(elements) == 1 and len(run) <= 2 else parent))
    run.clear()


def is_link_only(node: LexborNode) -> bool:
    """A block whose whole text is one or more links: a related headline, not prose."""
    text = node_text(node)
    linked = "".join(node_text(a) for a in node.css("a"))
    return bool(text) and len(linked.replace(" ", "")) >= 0.9 * len(text.replace(" ", ""))


def first_text(root: LexborNode | LexborHTMLParser, css: str) -> str:
    """Text of the first match with any text, else ""."""
    for node in root.css(css):
        text = node_text(node)
        if text:
            return text
    return ""


def attr_or_text(node: LexborNode) -> str:
    """A date/tag node's machine value: ``datetime``/``content``/``title`` attribute, else its text."""
    for name in ("datetime", "content", "title"):
        value = node.attributes.get(name)
        if value and value.strip():
            return clean(value)
    return node_text(node)


def headline_links(tree: LexborHTMLParser, page_url: str) -> int:
    """Distinct same-site links whose text reads like a headline (>= 4 words), outside furniture.

    Navigation, headers, footers, asides and "related" blocks are skipped, so an
    article page with a big related-stories box does not count as a listing.
    """
    host = urlsplit(page_url).netloc
    own = urlsplit(page_url).path
    seen: set[str] = set()
    for anchor in tree.css("a[href]"):
        if _in_furniture(anchor) or words(node_text(anchor)) < 4:
            continue
        parts = urlsplit(anchor.attributes.get("href") or "")
        if parts.netloc in ("", host) and parts.path not in ("", own):
            seen.add(parts.path)
    return len(seen)


_FURNITURE_TAGS = frozenset({"nav", "header", "footer", "aside"})
_FURNITURE_CLASS = re.compile(r"relat|share|menu|sidebar|footer|header|widget|banner", re.IGNORECASE)


def _in_furniture(node: LexborNode) -> bool:
    current = node.parent
    while current is not None and current.tag not in ("body", "html"):
        if current.tag in _FURNITURE_TAGS:
            return True
        if _FURNITURE_CLASS.search(current.attributes.get("class") or ""):
            return True
        current = current.parent
    return False
