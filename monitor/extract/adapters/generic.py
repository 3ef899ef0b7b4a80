"""The configuration-only adapter: no site knowledge of its own.

An outlet with ``adapter = "generic"`` is read entirely by the generic extractor
(:mod:`monitor.extract.content` finds the article region, :mod:`monitor.extract.fields`
chooses title, authors and dates by consensus of the page's metadata and markup), with
the outlet's configured ``selectors`` tried first as checked hints. So this adapter
adds nothing; it exists so every outlet names an adapter.
"""

from __future__ import annotations

from .base import Document, Fields


class GenericAdapter:
    name = "generic"

    def read(self, doc: Document) -> Fields:
        return {}

    def tidy_body(self, paragraphs: list[str]) -> list[str]:
        return paragraphs
