"""The records that travel between stages.

    schedule -> discover -(Link)-> fetch -(Page)-> extract -(Article)-> normalise
             -> classify (Article + Relevance) -> dedupe/store -(Outcome)-> digest

All are frozen: a stage adds to a record with ``dataclasses.replace``.
Datetimes are always timezone-aware (UTC once extracted); the string the
outlet printed is kept beside each date so a parse can be audited.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal, overload


def utc_now() -> datetime:
    """The one clock; stages take ``now`` as a parameter so tests can pass their own."""
    return datetime.now(timezone.utc)


@overload
def iso(moment: datetime) -> str: ...
@overload
def iso(moment: datetime | None) -> str | None: ...
def iso(moment: datetime | None) -> str | None:
    """``moment`` as the ISO-8601 UTC text the store keeps; a naive datetime is a bug, not UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: pass an aware (UTC) datetime")
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def parse_iso(text: str | None) -> datetime | None:
    """The store's ISO-8601 text back to an aware datetime (None for NULL/empty)."""
    return datetime.fromisoformat(text) if isinstance(text, str) and text else None


LinkSource = Literal["feed", "listing", "search", "sitemap", "manual"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    """A candidate article URL found by discovery."""

    url: str
    outlet: str
    source: LinkSource
    title: str | None = None
    published: datetime | None = None  # what the feed/sitemap claims, if anything
    lastmod: datetime | None = None  # sitemap <lastmod> / feed updated


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """A fetched HTTP response, decoded."""

    url: str  # what was asked for
    final_url: str  # after redirects
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    content: bytes = b""
    text: str = ""
    encoding: str = "utf-8"
    fetched_at: datetime | None = None
    not_modified: bool = False  # 304, or 200 with an unchanged body hash
    etag: str | None = None
    last_modified: str | None = None

    @property
    def body_hash(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    """One surviving rule match: why an item was judged relevant."""

    rule: str
    family: str
    text: str  # the matched text, as found (folded)
    weight: float
    in_title: bool = False


Band = Literal["relevant", "possibly", "not"]
BANDS: tuple[Band, ...] = ("relevant", "possibly", "not")


@dataclass(frozen=True, slots=True, kw_only=True)
class Relevance:
    relevant: bool
    score: float
    hits: tuple[Hit, ...] = ()
    # "possibly": near the threshold, or strong evidence the rules demoted; reasons say why
    band: Band = "not"
    reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # relevant <=> band "relevant", so callers that only know the boolean stay consistent
        if self.relevant != (self.band == "relevant"):
            object.__setattr__(self, "band", "relevant" if self.relevant else "not")

    @property
    def rules(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for hit in self.hits:
            seen.setdefault(hit.rule, None)
        return tuple(seen)


@dataclass(frozen=True, slots=True, kw_only=True)
class Article:
    """The one record that travels from extraction to the store."""

    url: str  # where it was fetched
    canonical_url: str  # validated rel=canonical / og:url, else url; canonicalised
    outlet: str  # outlet key from config, e.g. "telesur-en"
    outlet_name: str  # display name, printed at the foot of the seed document
    language: str | None = None  # "en" / "es"
    title: str = ""
    subtitle: str | None = None  # lede / standfirst
    authors: tuple[str, ...] = ()  # people as the page names them; agencies only when no one is named
    caption: str | None = None  # lead image caption / credit
    published: datetime | None = None  # UTC; never filled from a modified date
    published_raw: str | None = None
    modified: datetime | None = None  # UTC
    modified_raw: str | None = None
    section: str | None = None
    body: tuple[str, ...] = ()  # paragraphs as the outlet prints them
    tags: tuple[str, ...] = ()
    fetched_at: datetime | None = None
    # field name -> where it came from ("json-ld", "og", "selector:h1.x", "seed")
    provenance: tuple[tuple[str, str], ...] = ()
    relevance: Relevance | None = None  # added by classify

    subheadings: tuple[int, ...] = ()  # indexes into body of the paragraphs that are subheadings

    @property
    def author(self) -> str | None:
        """The authors as one readable line (the store's ``author`` display column)."""
        return ", ".join(self.authors) or None

    @property
    def text_for_matching(self) -> str:
        """Everything a reader would see, for relevance rules."""
        parts = [self.title, self.subtitle or "", self.caption or "", *self.body]
        return "\n".join(p for p in parts if p)


OutcomeKind = Literal["new", "updated", "unchanged", "seen"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What the store did with an Article."""

    item_id: str
    kind: OutcomeKind  # new row / new version / same text again / new URL only
    relevant: bool
    new_url: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Failure:
    """One URL a run could not use, as recorded in the ``failures`` table."""

    url: str
    kind: str  # the class a person acts on: "blocked 403", "timeout", "not an article" ... (errors.kind)
    message: str
    source: str  # "article", or the discovery source it came from ("feed", "listing" ...)


RunStatus = Literal["running", "ok", "failing", "interrupted"]


@dataclass(frozen=True, slots=True, kw_only=True)
class OutletRun:
    """One outlet's run, as recorded in the ``runs`` table (its failures in ``failures``)."""

    outlet: str
    started: datetime
    finished: datetime
    status: RunStatus
    seen: int = 0
    new: int = 0
    updated: int = 0
    relevant: int = 0
    failed: int = 0
    not_modified: int = 0
    error: str | None = None  # reason when failing: "blocked (403)", "timeout", ...
    feed_all_new: bool = False  # no feed entry was known: the window overflowed (adaptive polling)
    catch_up: bool = False  # this run walked listing/search pages to full depth
    failures: tuple[Failure, ...] = ()  # every URL that failed, in the order met
    degraded: str | None = None  # the outlet's hints that failed on its pages, e.g. "selector title=h1.x matched nothing (3 pages)"

    @property
    def cut_short(self) -> bool:
        """Stopped before its end (a signal, max_run_time): articles may wait behind a 304 feed."""
        return self.status == "interrupted" or (self.error or "").startswith("run time exceeded")
