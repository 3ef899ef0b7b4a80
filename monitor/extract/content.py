"""The article region of any news page, found by scoring its blocks; paragraphs as the page shows them.

One walk over the tree (:func:`walk`) turns the page into *blocks*: runs of
text between block boundaries, so a ``<p>``, a heading, a list item, text sitting
directly in a ``<div>`` and ``<br><br>``-separated text each become one block.
Each block knows the element that holds it, how much of it is link text, and
whether an element on its way up is *furniture* by its tag or class/id
(related/relacionadas, comments/comentarios, share/compartir, newsletter,
cookie, sidebar, byline, caption ...).

Every block then gives its text score to the elements above it (long, linkless,
punctuated prose scores high; short or link-heavy lines score below zero), and
furniture contributes negatively from the furniture element upwards. The element
with the highest total is the article region (ties go to the deeper element): it
takes in paragraphs split over several containers when the prose between them
outweighs the junk, and stops where related-news boxes and footers begin. Inside
it, furniture, link-heavy lines, captions, embeds, bylines, date lines and
"LEA TAMBIÉN"/"Read more" lines are dropped, and what stands before the headline
is not body. Subheadings stay, in order, flagged as such.

These are rules about how news pages are built, not about any one site; they
are measured on ``../shared/extraction-dev`` (``benchmarks/extract.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from .text import clean

# Never text a reader reads as the article.
SKIP = frozenset({
    "script", "style", "noscript", "template", "svg", "iframe", "button", "select", "input", "textarea",
    "option", "head", "link", "meta", "object", "embed", "canvas", "video", "audio", "map", "dialog",
    "math", "nav", "img", "picture", "source", "title", "form-field",
})
# Embeds and images: not body, but a figcaption is the caption candidate.
FIGURES = frozenset({"figure", "figcaption"})
INLINE = frozenset({
    "a", "span", "em", "strong", "b", "i", "u", "small", "sup", "sub", "time", "abbr", "cite", "q", "mark",
    "font", "code", "s", "strike", "del", "ins", "label", "bdi", "bdo", "dfn", "kbd", "var", "wbr", "data",
    "big", "tt", "nobr",
})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_FURNITURE_TAGS = frozenset({"aside", "footer", "menu"})
_PAGE_FURNITURE = frozenset({"header", "footer", "aside"})
_FURNITURE_ROLES = frozenset({"navigation", "complementary", "contentinfo", "banner", "dialog"})

# Class/id words of page furniture, in English, Spanish, German, French, Portuguese, Italian.
# Long stems match anywhere ("relatedArticles", "noticias-relacionadas"); short words only whole.
_FURNITURE_STEMS = tuple("""
related relacionad recommend recomend empfehl comment comentario kommentar disqus share sharing social
compartir teilen partag newsletter boletin subscri suscri abonn cookie consent gdpr advert anzeige publicidad
werbung sponsor promo sidebar widget breadcrumb byline autor author caption credit piedefoto pie-de-foto
bildunterschrift outbrain taboola onetrust didomi usercentrics sourcepoint privacy newsticker mostread
most-read popular trending leatambien lea-tambien leermas leer-mas puedeinteresar puede-interesar masnoticias
mas-noticias readmore read-more alsoread also-read seealso see-also weiterlesen mehrzum mehr-zum topics schlagw
keyword etiqueta rating pagination toolbar infobox teaser footer masthead login signup donat printonly
print-only visually-hidden visuallyhidden sr-only screen-reader tweet instagram-media tiktok embed sign-in signin regwall registration-wall
""".split())
# Short words only whole, or before a container suffix ("ad-slot", "nav_wrapper").
_FURNITURE_SHORT = tuple("""
ad ads adv nav navbar menu tag tags more meta print modal popup overlay foot copyright source fuente quelle
""".split())
_FURNITURE_WORDS = (
    r"(?:^|[\s_-])(?:" + "|".join(_FURNITURE_SHORT) + r")"
    r"(?:$|[-_](?:container|wrapper|box|list|slot|block|links|bar|area|section|unit|wrap)$)"
)


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, as a trie: ``a(?:bonn|dvert)|b...``, so the engine tests
    a letter per branch point rather than every word at every position (2.2 -> 0.9 us a name)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here: what a longer word adds cannot matter to a search

    def build(node: dict[str, Any]) -> str:
        if "" in node:
            return ""
        alternatives = [re.escape(char) + build(node[char]) for char in sorted(node)]
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

    return build(trie)


# Stems and words in one regex over the lower-cased name: one scan instead of a hundred substring tests.
_FURNITURE_NAME = re.compile(_trie_pattern(_FURNITURE_STEMS) + "|" + _FURNITURE_WORDS)
# Containers named for the article body: never furniture, whatever else their class says (lower-cased):
# a whole name, or a stem anywhere in it.
_BODY_WHOLE = ("entry", "hentry", "post", "article", "story", "content", "main")
_BODY_STEMS = tuple("""
articlebody article-body storybody story-body entrycontent entry-content postcontent post-content articlecontent
article-content articletext article-text cuerpo texto contentarea content-area richtext rich-text bodytext body-text
""".split())
_BODY_NAMES = re.compile("^(?:" + "|".join(_BODY_WHOLE) + ")$|" + _trie_pattern(_BODY_STEMS))

# Whole-line furniture, any language: "LEA TAMBIÉN:", "Te puede interesar", "Read more", "Advertisement".
_FURNITURE_LINE = re.compile(
    r"^\W*(?:lea|lee|leer|ver|vea|mira|read|see|watch|listen|lesen sie|lies)"
    r"(?:\s+\w+){0,3}\s*(?:también|tambien|más|mas|also|more|auch|además)?\s*:|"
    r"^\W*(?:lea también|lee también|te puede interesar|le puede interesar|puede interesarte|también te puede|"
    r"noticias relacionadas|artículos relacionados|related|read more|read also|more on this|recommended|"
    r"advertisement|anzeige|werbung|publicidad|sponsored|síguenos|siguenos|follow us|suscríbete|subscribe|"
    r"sign up|newsletter|compartir|share this|comparte|teilen|mehr zum thema|weiterlesen|auch interessant|"
    r"lesen sie auch|zum thema|click here|haz clic|pulse aquí|descargue|download the|ver más|ver mas|"
    r"todos los derechos|all rights reserved|copyright|©|up next|most read|más leíd[oa]s|lo más visto|meistgelesen|"
    r"fehler gefunden|get our [\w -]*(?:newsletter|email)|suscríbase|recibe nuestro|únete a nuestro canal|"
    r"sígue(?:nos)? en|follow [\w .-]+ on (?:google news|twitter|x|facebook|telegram|whatsapp))",
    re.IGNORECASE,
)
_BYLINE = re.compile(
    r"^\W*(?:by|por|von|par|door|av|af|di|de|autor|autora|author|redacción|redaccion|texto|text|"
    r"fotos?|photos?|bild|foto|editado por|edited by|written by|escrito por|reporting by)\b\s*:?\s*\S",
    re.IGNORECASE,
)
_CAPTION_LINE = re.compile(r"^\W*(?:foto|photo|fotos|photos|bild|image|imagen|picture|credit|crédito|quelle)\s*:",
                           re.IGNORECASE)
_DATE_WORDS = re.compile(
    r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|ene|abr|ago|dic|januar|februar|märz|mai|juni|juli|"
    r"oktober|dezember|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|"
    r"diciembre)\w*\.?\s+\d|\d{1,2}\.?\s+(?:de\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|ene|"
    r"abr|ago|dic|januar|februar|märz|mai|juni|juli|oktober|dezember|enero|febrero|marzo|abril|mayo|junio|"
    r"julio|agosto|septiembre|octubre|noviembre|diciembre)",
    re.IGNORECASE,
)
_CAPTION_NAMES = re.compile(r"caption|pie-?de-?foto|leyenda|bildunterschrift|legende", re.IGNORECASE)
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_DIGIT = re.compile(r"\d")
_SENTENCE_ENDERS = frozenset(".!?…。！？»\"”)")


def _ends_sentence(text: str) -> bool:
    """The last visible character closes a sentence (what ``[.!?…»")]\\s*$`` finds)."""
    text = text.rstrip()
    return bool(text) and text[-1] in _SENTENCE_ENDERS




@dataclass(slots=True)
class Block:
    """One run of text as the page shows it."""

    text: str
    tag: str  # the holding element's tag: "p", "div", "li", "h2", ...
    owner: int  # index of the holding element in Content's element lists
    links: int  # characters of link text
    order: int

    @property
    def is_heading(self) -> bool:
        return self.tag in HEADINGS

    @property
    def link_density(self) -> float:
        return self.links / len(self.text) if self.text else 0.0


@dataclass(slots=True)
class Caption:
    text: str
    owner: int
    order: int  # blocks seen before it


@dataclass(slots=True)
class Content:
    """The page as blocks, and the article region chosen among its elements.

    Elements are parallel lists indexed alike, in document (pre-)order, so an element's
    descendants follow it: a list append per field costs the walk less than an object per
    element, and holds no Lexbor node (nodes die as the walk leaves them, never waiting for
    the garbage collector).
    """

    blocks: list[Block] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)  # -1 for the root
    depths: list[int] = field(default_factory=list)
    furniture: list[bool] = field(default_factory=list)  # by tag, class/id words or role
    body_named: list[bool] = field(default_factory=list)  # class/id names the article body
    scores: list[float] = field(default_factory=list)  # filled by choose_region
    labels: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)  # id and class, when set
    captions: list[Caption] = field(default_factory=list)
    region: int = -1  # index of the chosen element
    headline_order: int | None = None  # the headline's block, when found
    paragraphs: list[Block] = field(default_factory=list)  # the body, in order
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (text, why) inside the region
    furniture_found: frozenset[str] | None = None  # furniture_texts(), once asked

    def furniture_texts(self) -> frozenset[str]:
        """Texts the page prints in its furniture (slogans, footers, related boxes, share bars)."""
        if self.furniture_found is None:  # asked once per hint checked: computed once
            self.furniture_found = self._furniture_texts()
        return self.furniture_found

    def _furniture_texts(self) -> frozenset[str]:
        found = {text for text, why in self.dropped if why in ("furniture", "links", "furniture line")}
        for block in self.blocks:
            index = block.owner
            while index >= 0:
                if self.furniture[index] and index != self.region:
                    found.add(block.text)
                    break
                if index == self.region:
                    break
                index = self.parents[index]
        return frozenset(found)

    def region_label(self) -> str:
        if self.region < 0:
            return ""
        label = self.tags[self.region]
        ident, classes = self.labels.get(self.region, (None, None))
        if ident:
            label += f"#{ident}"
        if classes:
            label += "." + ".".join(classes.split()[:2])
        return label

    def inside(self, owner: int, ancestor: int) -> bool:
        while owner >= 0:
            if owner == ancestor:
                return True
            owner = self.parents[owner]
        return False

    def lead_caption(self) -> str:
        """The first figure caption inside the region, before the third paragraph (the lead image's)."""
        if self.region < 0:
            return ""
        first = self.paragraphs[0].order if self.paragraphs else 0
        limit = self.paragraphs[min(2, len(self.paragraphs) - 1)].order if self.paragraphs else 0
        after = self.headline_order if self.headline_order is not None else first
        for caption in self.captions:
            if caption.order > limit:
                break
            # inside the region, or between the headline and the body: never the header's logo or slogan
            if self.inside(caption.owner, self.region) or after < caption.order <= first:
                return caption.text
        return ""


_PLAIN = (False, False, False, None, None)
_PLAIN_FURNITURE = (True, False, False, None, None)


def _judge_element(node: LexborNode, tag: str) -> tuple[bool, bool, bool, str | None, str | None]:
    """``(furniture, body_named, caption, id, class)`` of an element, by its tag, class/id and role."""
    attrs = node.attributes
    if not attrs:
        return _PLAIN_FURNITURE if tag in _FURNITURE_TAGS else _PLAIN
    body_named = caption = False
    furniture = tag in _FURNITURE_TAGS
    classes = attrs.get("class")
    ident = attrs.get("id")
    names = classes or ""
    if "id" in attrs:
        names = f"{names} {ident or ''}"
    if names:
        body_named, named_furniture, caption = _judge_names(names)
        furniture = furniture or named_furniture
    if ("aria-hidden" in attrs or "hidden" in attrs or "role" in attrs) and (
            attrs.get("aria-hidden") == "true" or "hidden" in attrs or attrs.get("role") in _FURNITURE_ROLES):
        furniture = True
    return furniture, body_named, caption, ident, classes


def _figure_caption(node: LexborNode) -> str:
    """A figure's caption (its figcaption, or the figcaption itself)."""
    # Found by walking the figure: a CSS query costs ~4 us to compile before it looks at anything.
    caption = next((n for n in node.traverse() if n.tag_id == _FIGCAPTION), None)
    return clean(caption.text(deep=True, separator=" ")) if caption is not None else ""


# Lexbor's integer tag ids: the same for every document for the tags it knows (custom elements
# get ids of their own, far above these, and are looked up by name).
_TEXT, _INLINE, _LINK, _BR, _SKIP, _FIGURE, _PAGE, _BLOCK = range(8)


def _tag_kinds() -> tuple[dict[int, int], int]:
    make = LexborHTMLParser("").create_node
    kinds: dict[int, int] = {}
    for kind, names in ((_INLINE, INLINE - {"a"}), (_LINK, {"a"}), (_BR, {"br"}), (_SKIP, SKIP),
                        (_FIGURE, FIGURES), (_PAGE, _PAGE_FURNITURE)):
        for name in names:
            kinds[make(name).tag_id] = kind
    probe = LexborHTMLParser("<p>x<!--c--></p>").css_first("p")
    assert probe is not None
    for node in probe.iter(include_text=True):
        kinds[node.tag_id] = _TEXT if node.tag == "-text" else _SKIP
    kinds[0] = _SKIP  # nodes that are neither elements, text nor comments
    static = max(make(name).tag_id for name in ("div", "p", "video", "xmp", *SKIP, *INLINE) if "-" not in name)
    return kinds, max(static, 0x400)


_KIND_OF, _STATIC_IDS = _tag_kinds()
_FIGCAPTION = LexborHTMLParser("").create_node("figcaption").tag_id
_CUSTOM_SKIP = frozenset(name for name in SKIP if "-" in name)


_LAYOUT_FLAG = re.compile(r"(?:has|with|without|no|is|show|hide|enable|disable|can)[-_]", re.IGNORECASE)


_JUDGED: dict[str, tuple[bool, bool, bool]] = {}


def _judge_names(names: str) -> tuple[bool, bool, bool]:
    """Memoised ``(body_named, furniture, caption)``: pages and sites repeat the same class strings."""
    found = _JUDGED.get(names)
    if found is None:
        if len(_JUDGED) > 20000:
            _JUDGED.clear()
        body, furniture = _judge(names)
        found = _JUDGED[names] = (body, furniture, furniture and bool(_CAPTION_NAMES.search(names)))
    return found


def _judge(names: str) -> tuple[bool, bool]:
    """``(body_named, furniture)`` from class/id names.

    Each name is judged by its last BEM part without modifiers, so
    ``sidebar-grid__content`` is content while ``sidebar-grid`` and ``article__related``
    are furniture; a name of the body wins over furniture names beside it, and
    layout flags (``has-sidebar``, ``without-ads``) say nothing.
    """
    body = furniture = False
    for token in names.split():
        verdict = _TOKENS.get(token)
        if verdict is None:
            if len(_TOKENS) > 50000:  # ids are often unique per page: keep a long-running process's memory flat
                _TOKENS.clear()
            verdict = _TOKENS[token] = _judge_token(token)
        if verdict == 1:
            body = True
        elif verdict == 2:
            furniture = True
    return body, furniture and not body


_TOKENS: dict[str, int] = {}
# Matches " " + a lower-cased class/id token wherever it could name the body or furniture (a superset
# of what _judge_token finds in its last BEM part, which starts after "_"): most tokens say nothing,
# and one scan of two tries (a few letter tests a position) shows it.
_MAYBE_NAMED = re.compile(_trie_pattern(_FURNITURE_STEMS + _BODY_STEMS) + r"|[\s_-]"
                          + _trie_pattern(_FURNITURE_SHORT + _BODY_WHOLE))


def _judge_token(token: str) -> int:
    """0 neutral, 1 names the body, 2 names furniture."""
    if not _MAYBE_NAMED.search(" " + token.lower()) or _LAYOUT_FLAG.match(token):
        return 0
    part = token.rsplit("__", 1)[-1].split("--", 1)[0].lower()
    if _BODY_NAMES.search(part):
        return 1
    return 2 if _FURNITURE_NAME.search(part) else 0


_UNSET: Any = object()


def walk(tree: LexborHTMLParser, h1: LexborNode | None = _UNSET) -> Content:
    """The page's blocks and elements (one pass); ``h1``: the page's first <h1>, when the caller has it.

    The hot loop of the extractor: every node of the body not skipped passes here once, so it is
    written for speed: tags compared as Lexbor's integer ids, state in local variables.
    """
    keep: set[int] = set()  # mem_ids of the headline's ancestors: walked whatever their tag
    node = tree.css_first("h1") if h1 is _UNSET else h1
    while node is not None:
        keep.add(node.mem_id)
        node = node.parent
    content = Content()
    body = tree.body
    if body is None:
        return content
    blocks, captions, tags, depths, labels = content.blocks, content.captions, content.tags, content.depths, content.labels
    add_parent, add_furniture, add_body_named = content.parents.append, content.furniture.append, content.body_named.append
    caption_named: set[int] = set()  # elements named as captions ("wp-caption-text", "pie-de-foto")
    run: list[str] = []  # text of the block being read
    links = 0  # characters of link text in it
    in_link = 0
    pending_br = False
    kind_of = _KIND_OF.get

    def flush(owner: int) -> None:
        nonlocal links, pending_br
        text = "".join(run)
        # Two in three runs are already single-spaced: isprintable() is False for every whitespace
        # character but " ", so one C scan proves it and spares splitting the text into words.
        if not (text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "):
            text = " ".join(text.split())
        if text:
            if owner in caption_named:
                captions.append(Caption(text, owner, len(blocks)))
            blocks.append(Block(text, tags[owner], owner, min(links, len(text)), len(blocks)))
        run.clear()
        links = 0
        pending_br = False

    def children(node: LexborNode, owner: int) -> None:
        nonlocal links, in_link, pending_br
        child = node.first_child  # first_child/next: a quarter cheaper than node.iter()'s generator
        while child is not None:
            tag_id = child.tag_id
            kind = kind_of(tag_id, _BLOCK)
            if kind == _TEXT:
                # Most text nodes are the markup's indentation: tested in C, never copied out.
                text = "" if child.is_empty_text_node else child.text_content
                if text and not text.isspace():
                    run.append(text)
                    if in_link:
                        links += len(text.strip())
                    pending_br = False
                elif run:
                    run.append(" ")
            elif kind == _INLINE:
                recurse(child, owner)
            elif kind == _LINK:
                in_link += 1
                recurse(child, owner)
                in_link -= 1
            elif kind == _BR:
                if pending_br:
                    if run:
                        flush(owner)
                    pending_br = False
                else:
                    run.append(" ")
                    pending_br = True
            elif kind == _SKIP or (kind == _PAGE and child.mem_id not in keep):
                pass  # never text, or the page's own header, footer or sidebar: not worth walking
            elif kind == _FIGURE:
                # Figures are not body; their caption is remembered.
                if run:
                    flush(owner)
                if caption := _figure_caption(child):
                    captions.append(Caption(caption, owner, len(blocks)))
            elif tag_id > _STATIC_IDS and child.tag in _CUSTOM_SKIP:
                pass  # a custom element of a form or widget
            else:  # a block: its own element, then its children
                index = element(child, owner)
                if run:
                    flush(owner)
                recurse(child, index)
                if run:
                    flush(index)
            child = child.next

    def element(node: LexborNode, parent: int) -> int:
        tag = node.tag or ""
        furniture, body_named, caption, ident, classes = _judge_element(node, tag)
        index = len(tags)
        tags.append(tag)
        add_parent(parent)
        depths.append(depths[parent] + 1 if parent >= 0 else 0)
        add_furniture(furniture)
        add_body_named(body_named)
        if caption:
            caption_named.add(index)
        if ident or classes:
            labels[index] = (ident, classes)
        return index

    element(body, -1)
    # children() reaches itself through this name: a reference cycle, undone on return, not by the GC.
    recurse: Any = children
    children(body, 0)
    flush(0)
    recurse = None
    return content


def block_value(block: Block) -> float:
    """How much a block looks like article prose (negative: like furniture).

    Cheap string tests only: this runs for every block of every page.
    """
    text = block.text
    if block.tag in HEADINGS:
        return 0.0
    length = len(text)
    if not text.isascii() and _CJK.search(text):
        length += 3 * len(_CJK.findall(text))  # a CJK character carries about a word
    density = block.links / len(text)
    if density > 0.5:
        return -length * density
    if len(text) < 400 and _has_copyright(text):
        return -length * 0.5
    if length < 40:
        return -8.0
    value = length * (1.0 - 2 * density) - 20
    if text[-1] in _CLOSERS:
        value *= 1.3
    marks = text.count(".") + text.count(",") + text.count(";") + text.count(":") + text.count("?") + text.count("!")
    value += 5 * min(marks or text.count("。") + text.count("、"), 10)
    return value


_SIGNATURE = re.compile(r"^(?:[A-ZÁÉÍÓÚÑÄÖÜ][\w'’.-]+)(?: (?:de |del |la |da |van |von )?[A-ZÁÉÍÓÚÑÄÖÜ][\w'’.-]+){1,3}$")
_CLOSERS = frozenset(".!?…。！？»\"”)")


def _has_copyright(text: str) -> bool:
    return ("©" in text or "opyright" in text or "ights reserved" in text or "derechos reservados" in text
            or "Rechte vorbehalten" in text)


_LEAF_BLOCKS = frozenset({"p", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "td", "dd", "pre"})
TIGHTEN = 0.9  # share of the best element's score a deeper element must keep to be the region instead


def choose_region(content: Content, headline: str | None = None) -> None:
    """Score every element by the blocks below it; the best is the region. Then fill ``paragraphs``."""
    tags, parents, depth, furniture = content.tags, content.parents, content.depths, content.furniture
    if not tags:
        return
    headline_order = _headline_order(content, headline)
    if headline_order is not None:
        # Furniture never holds the headline: a wrapper named "sidebar-1" or "masthead" around it is layout.
        index = content.blocks[headline_order].owner
        while index >= 0:
            furniture[index] = False
            index = parents[index]
    # Linear in elements + blocks: elements are in document (pre-)order, so children follow parents.
    # A block adds its value to the elements above it up to the first furniture element, and
    # a small penalty from there up (so furniture never pays, but never weighs like prose either).
    count = len(tags)
    clean = [0.0] * count  # values of blocks that reach the element without crossing furniture
    penalty = [0.0] * count  # what those blocks would cost once they cross furniture
    crossed = [0.0] * count  # penalties of blocks that crossed furniture on the way up
    seen: set[str] = set()
    for block in content.blocks:
        value = block_value(block)
        if block.text in seen:
            value = -min(abs(value), 50.0)  # placeholders and teasers repeat; article paragraphs do not
        seen.add(block.text)
        if headline_order is not None and block.order < headline_order and value > 0:
            value *= 0.3  # prose above the headline is rarely the article
        clean[block.owner] += value
        penalty[block.owner] += -min(abs(value) * 0.25, 50.0) - 5.0
    score = content.scores = [0.0] * count
    for index in range(count - 1, -1, -1):
        if furniture[index]:
            crossed[index] += penalty[index]
            clean[index] = penalty[index] = 0.0
        score[index] = clean[index] + crossed[index]
        parent = parents[index]
        if parent >= 0:
            clean[parent] += clean[index]
            penalty[parent] += penalty[index]
            crossed[parent] += crossed[index]
    # The region is never inside a cookie box, a sidebar or a comment section (unless named as the body).
    under = [False] * count
    body_named = content.body_named
    eligible = []
    for index in range(count):
        parent = parents[index]
        under[index] = furniture[index] or (parent >= 0 and under[parent])
        if not under[index] or body_named[index]:
            eligible.append(index)
    everything = not eligible  # when nothing is eligible, everything is
    if everything:
        eligible = list(range(count))
    best = _best(eligible, score, depth)
    # The <article> holding the headline bounds the region when it holds much of the prose: what
    # lies beyond it is another story, a "read next" box or the site's own sections.
    if headline_order is not None:
        index = content.blocks[headline_order].owner
        while index >= 0 and tags[index] != "article":
            index = parents[index]
        if index >= 0 and index != best and score[index] >= 0.5 * score[best] and content.inside(index, best):
            end = index + 1
            while end < count and depth[end] > depth[index]:
                end += 1
            inner = [i for i in eligible if index <= i < end]
            if inner:
                best = _best(inner, score, depth)
    while tags[best] in _LEAF_BLOCKS and parents[best] >= 0:
        best = parents[best]  # one long paragraph among short lines: the article is around it
    # A wrapper that adds a little stray prose (a teaser, a push prompt) to the article is not the
    # article: the deepest element below it that keeps most of its score is.
    threshold = TIGHTEN * score[best]
    index = best + 1
    while index < count and depth[index] > depth[best]:  # pre-order: the descendants follow, deeper
        if score[index] >= threshold and (everything or not under[index] or body_named[index]) \
                and tags[index] not in _LEAF_BLOCKS:
            if depth[index] > depth[content.region] if content.region >= 0 else True:
                content.region = index
        index += 1
    if content.region < 0:
        content.region = best
    content.headline_order = headline_order
    _fill(content, headline, headline_order, under)


def _best(candidates: list[int], score: list[float], depth: list[int]) -> int:
    """The highest-scoring element, the deepest among equals (the first among those)."""
    best = candidates[0]
    top, top_depth = score[best], depth[best]
    for index in candidates:
        if score[index] > top or (score[index] == top and depth[index] > top_depth):
            best, top, top_depth = index, score[index], depth[index]
    return best


def _headline_order(content: Content, headline: str | None) -> int | None:
    if not headline:
        return None
    folded = " ".join(headline.split()).casefold()
    for block in content.blocks:
        if block.tag in ("h1", "h2") and block.text.casefold() == folded:
            return block.order
    for block in content.blocks:
        if block.tag == "h1":
            return block.order
    return None


def _fill(content: Content, headline: str | None, headline_order: int | None, under: list[bool]) -> None:
    region, parents, depth, furniture = content.region, content.parents, content.depths, content.furniture
    # inside[i]: the element is the region or below it; crossed[i]: furniture between it and the region
    inside = [False] * len(parents)
    crossed = [False] * len(parents)
    inside[region] = True
    index = region + 1
    while index < len(parents) and depth[index] > depth[region]:  # pre-order: its descendants follow
        inside[index] = True
        crossed[index] = crossed[parents[index]] or furniture[index]
        index += 1
    folded_headline = " ".join((headline or "").split()).casefold()
    start = headline_order if headline_order is not None and inside[content.blocks[headline_order].owner] else -1
    seen: set[str] = set()
    for block in content.blocks:
        if not inside[block.owner]:
            continue
        why = _not_body(block, crossed[block.owner], start, folded_headline, seen)
        if why:
            content.dropped.append((block.text, why))
            continue
        seen.add(block.text)
        content.paragraphs.append(block)
    # A name on a line of its own closing the text is the writer's sign-off, not a paragraph.
    following = [b for b in content.blocks[content.paragraphs[-1].order + 1:][:2] if inside[b.owner]] \
        if content.paragraphs else []
    if content.paragraphs and _SIGNATURE.match(content.paragraphs[-1].text) and len(content.paragraphs) > 1:
        content.dropped.append((content.paragraphs.pop().text, "signature"))
    elif following and _SIGNATURE.match(following[0].text):
        content.dropped.append((following[0].text, "signature"))
    # Between the headline and the body, outside its container: bylines, date lines, and the
    # standfirst the reader sees under the headline (it opens the body, as the page shows it).
    if headline_order is not None and content.paragraphs:
        lede: list[Block] = []
        for block in content.blocks[headline_order + 1:content.paragraphs[0].order]:
            if inside[block.owner]:
                continue
            why = _not_body(block, False, -1, folded_headline, set())
            if why in ("byline", "date line"):
                content.dropped.append((block.text, why))
            elif not why and not under[block.owner] and len(block.text.split()) >= 8 and block_value(block) > 0:
                lede.append(block)
        if lede and len(lede) <= 2:
            content.paragraphs[:0] = lede


def _not_body(block: Block, furniture: bool, start: int, headline: str, seen: set[str]) -> str:
    text = block.text
    if furniture:
        return "furniture"
    if block.order <= start:
        return "above the headline" if block.order < start else "headline"
    if len(text) <= len(headline) and text.casefold() == headline:  # casefold() never shortens a text
        return "headline"
    if block.tag == "h1":
        return "headline"
    if block.links > 0.5 * len(text):  # link density over a half
        return "links"
    if text in seen:
        return "repeated"
    # Block texts are stripped and single-spaced: words are spaces + 1. Every test below is for 30
    # words or fewer, so a long line's count stops early (31 spaces in its first 600 characters).
    words = text.count(" ", 0, 600) + 1
    if words <= 31 and len(text) > 600:
        words = text.count(" ") + 1
    if (words <= 25 and _FURNITURE_LINE.search(text)) or (len(text) < 400 and _has_copyright(text)):
        return "furniture line"
    if words <= 12 and _BYLINE.search(text) and not _ends_sentence(text):
        return "byline"
    if words <= 30 and _CAPTION_LINE.search(text):
        return "credit"
    # Every date form holds a digit: the digit scan spares most lines the month-name regex (~10 us).
    if words <= 8 and _DIGIT.search(text) and _DATE_WORDS.search(text) and not _ends_sentence(text.rstrip(".")):
        return "date line"
    if not block.is_heading and words <= 2 and len(text) < 25 and not _ends_sentence(text):
        return "label"
    return ""


def word_count(text: str) -> int:
    """Words, counting two CJK characters as one (those scripts put no spaces between words)."""
    return len(text.split()) + cjk_words(text)


def cjk_words(text: str) -> int:
    """What CJK characters add to a text's word count (two of them count as a word)."""
    return len(_CJK.findall(text)) // 2 if not text.isascii() and _CJK.search(text) else 0


def extract_content(tree: LexborHTMLParser, headline: str | None = None, h1: LexborNode | None = _UNSET) -> Content:
    content = walk(tree, h1)
    choose_region(content, headline)
    return content


# A JSON string literal holding escaped markup with paragraphs ("\u003cp" or "<p"), as script-rendered
# pages (Next.js flight data, Nuxt/Fusion state objects) ship the article they paint in the browser.
_SCRIPT_STRING = re.compile(r'"((?:[^"\\]|\\.)*(?:\\u003cp[ >\\]|<p[ >])(?:[^"\\]|\\.)*)"')


def script_markup(tree: LexborHTMLParser) -> str | None:
    """The longest HTML fragment with paragraphs held in a script's JSON string, or None."""
    best = ""
    for node in tree.css("script"):
        text = node.text(deep=False) or ""
        if "u003cp" in text or "<p" in text:
            found = _markup_in(text, 0)
            if len(found) > len(best):
                best = found
    return best or None


def _markup_in(text: str, depth: int) -> str:
    """The longest string literal in ``text`` with paragraph markup, unwrapped while it is itself
    mostly one more literal (a JSON document inside a JS string, as flight data nests them)."""
    best = ""
    for match in _SCRIPT_STRING.finditer(text):
        if len(match.group(1)) <= len(best):
            continue
        try:
            value = json.loads(f'"{match.group(1)}"')
        except ValueError:
            continue
        if not isinstance(value, str):
            continue
        inner = _markup_in(value, depth + 1) if depth < 2 else ""
        value = inner if len(inner) * 2 >= len(value) else value
        if "<p" in value and len(value) > len(best):
            best = value
    return best
