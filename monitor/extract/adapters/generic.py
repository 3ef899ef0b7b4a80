"""The configuration-only adapter: schema.org microdata and semantic HTML.

Used for any outlet without code of its own. Standard metadata (JSON-LD,
OpenGraph) and the outlet's ``selectors`` are applied by the extractor before
these fallbacks, so a new outlet that publishes them needs configuration alone.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor.extract.text import attr_or_text, clean, first_text, paragraphs

from .base import Document, Fields, Found

# Where an article body usually is, most specific first. Granma repeats empty
# [itemprop=articleBody] divs after the real one [M], hence "first non-empty".
BODY_CONTAINERS = ('[itemprop~="articleBody"]', "article", '[role="main"]', "main")


class GenericAdapter:
    name = "generic"

    def read(self, doc: Document) -> Fields:
        root = doc.container or doc.tree
        fields: Fields = {}
        title = first_text(root, "h1")
        if title:
            fields["title"] = Found(title, "selector:h1")
        body_node = self._add_body(doc, root, fields)
        caption_root = body_node or root.css_first("article")
        if caption_root is not None and (caption := first_text(caption_root, "figcaption")):
            fields["caption"] = Found(caption, "selector:figcaption")
        for name, prop in (("published", "datePublished"), ("modified", "dateModified")):
            node = root.css_first(f'time[itemprop~="{prop}"], meta[itemprop~="{prop}"]')
            if node is not None and (value := attr_or_text(node)):
                fields[name] = Found(value, f"selector:[itemprop={prop}]")
        author = first_text(root, '[itemprop~="author"] [itemprop~="name"], [rel~="author"]')
        if author:
            fields["author"] = Found(author, "selector:[itemprop=author]")
        return fields

    def tidy_body(self, paragraphs: list[str]) -> list[str]:
        return paragraphs

    def _add_body(self, doc: Document, root: LexborNode | LexborHTMLParser, fields: Fields) -> LexborNode | None:
        for css in BODY_CONTAINERS:
            for node in root.css(css):
                found = paragraphs(node)
                if found:
                    fields["body"] = Found(tuple(found), f"selector:{css}")
                    return node
        raw = doc.meta.ld("articleBody")
        if isinstance(raw, str):
            lines = tuple(line for line in (clean(x) for x in raw.splitlines()) if line)
            if lines:
                fields["body"] = Found(lines, "json-ld articleBody")
        return None
