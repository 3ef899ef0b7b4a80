"""What every site adapter is: one Protocol, the page it reads, the values it returns.

An adapter turns a parsed page into *candidate* field values, each with the
place it came from. It does not decide priorities, parse dates or build the
Article: :func:`monitor.extract.extract_article` does that the same way for all
outlets (configured selectors, then standard metadata, then the adapter), so
adding an outlet with standard metadata takes configuration alone.

An adapter that cannot find the containers it knows raises
:class:`~monitor.errors.LayoutChanged`; it never returns an empty article.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor.config import OutletConfig

if TYPE_CHECKING:  # monitor.extract imports this module: no runtime import back
    from monitor.extract.metadata import Metadata

FIELDS = ("title", "subtitle", "author", "caption", "published", "modified", "section", "body", "tags")


@dataclass(frozen=True, slots=True)
class Found:
    """One candidate value and where it came from, e.g. ``Found("Cuba ...", "selector:h1.x")``.

    Text fields hold a ``str``; ``body`` and ``tags`` a tuple of strings; dates the
    raw string as printed (parsed later in the outlet's time zone).
    """

    value: str | tuple[str, ...]
    source: str


Fields = dict[str, Found]


@dataclass(frozen=True, slots=True)
class Document:
    """A page ready for reading: furniture already removed, metadata already read."""

    tree: LexborHTMLParser
    url: str  # the final URL, after redirects
    outlet: OutletConfig
    meta: Metadata
    container: LexborNode | None = None  # the configured ``selectors.container`` match, if any


class Adapter(Protocol):
    name: str

    def read(self, doc: Document) -> Fields:
        """Candidates this adapter knows how to find; LayoutChanged when its containers are missing."""
        ...

    def tidy_body(self, paragraphs: list[str]) -> list[str]:
        """The adapter's clean-up of body paragraphs found by a configured ``body`` selector."""
        ...
