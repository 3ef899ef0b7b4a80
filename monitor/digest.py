"""``monitor digest``: the relevant items first seen since the last reviewed digest.

What goes in: relevant items with ``seq`` above the last reviewed digest's
watermark (``digests.last_seq``), or first seen on or after ``--since``. ``seq``
is assigned inside the store's write transaction, so an item committed while a
digest was being read is never skipped by the next one (a timestamp could be).

``--mark-reviewed`` records the digest so the next one starts after it; with
nothing new it records nothing (running it twice is harmless). ``--email``
mails it (text + HTML) through ``[digest.smtp]``; a failed send records nothing,
so the next run tries the same items again.

The digest as data and how it is built live here; the formats in
:mod:`monitor.digest_formats` (the JSON layout is ``monitor/digest.schema.json``);
mailing, writing and recording it in :mod:`monitor.digest_delivery`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Sequence
from zoneinfo import ZoneInfo

from .config import Config
from .models import parse_iso

if TYPE_CHECKING:  # types only: building a digest reads through the store it is given
    from .store import EditionItemRow, ItemRow, Store

log = logging.getLogger(__name__)

HAVANA = ZoneInfo("America/Havana")
FAILURES_SHOWN = 3  # a failing outlet's latest failed URLs in the health section (all: monitor status OUTLET)
POSSIBLY_SHOWN = 10  # the "possibly relevant" section stays short: the rest are one facet away in Datasette


# ---------------------------------------------------------------- the digest, as data


@dataclass(frozen=True, slots=True, kw_only=True)
class Excerpt:
    """A few sentences around the first match; ``text[start:end]`` is the match."""

    text: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Copy:
    """Another outlet's (or URL's) item of the same story (monitor.stories)."""

    id: str
    outlet: str
    outlet_name: str
    url: str
    published: datetime | None
    first_seen: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Edition:
    """The same item's edition in another language (monitor.editions): linked, a separate item."""

    id: str
    outlet: str
    language: str
    title: str
    url: str
    published: datetime | None

    @property
    def language_name(self) -> str:
        return LANGUAGE_NAMES.get(self.language, self.language)


LANGUAGE_NAMES = {"es": "Spanish", "en": "English", "pt": "Portuguese", "fr": "French"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One story: its earliest item in the digest, with the other items of the story as ``copies``."""

    id: str
    outlet: str
    language: str
    title: str
    url: str
    published: datetime | None
    first_seen: datetime
    score: float
    rules: tuple[str, ...]
    excerpt: Excerpt | None
    also_at: tuple[str, ...] = ()  # other URLs of this same item
    copies: tuple[Copy, ...] = ()  # "also published by": the story's other items
    editions: tuple[Edition, ...] = ()  # "also in Spanish/English": the item's other-language editions
    reasons: tuple[str, ...] = ()  # for a "possibly relevant" entry: why the rules are not sure
    outlet_name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    outlet: str
    outlet_name: str  # the outlet's display name, as ``monitor poll`` prints it
    language: str
    entries: tuple[Entry, ...]
    other_language: bool = False  # items in another language than the outlet's (a translated wire)

    @property
    def heading(self) -> str:
        return f"{self.outlet_name} ({self.language or '?'})" if self.other_language else self.outlet_name


@dataclass(frozen=True, slots=True, kw_only=True)
class Failing:
    outlet: str
    name: str
    reason: str
    streak: int
    last_success: datetime | None
    failures: tuple[tuple[str, str], ...] = ()  # its latest failures: (class, URL), newest first


@dataclass(frozen=True, slots=True, kw_only=True)
class Degraded:
    """An outlet still read, but by the generic extractor: its configured selectors or adapter failed."""

    outlet: str
    name: str
    reason: str  # runs.degraded of its last run


@dataclass(frozen=True, slots=True, kw_only=True)
class Silent:
    outlet: str
    name: str
    days: int
    last_new: datetime | None  # None: nothing stored since it was first polled


@dataclass(frozen=True, slots=True, kw_only=True)
class Digest:
    generated: datetime
    since: datetime | None  # --since, or when the previous reviewed digest was made
    previous: int | None  # id of the reviewed digest this one follows
    last_seq: int  # the watermark recorded by --mark-reviewed
    groups: tuple[Group, ...] = ()
    failing: tuple[Failing, ...] = ()
    silent: tuple[Silent, ...] = ()
    degraded: tuple[Degraded, ...] = ()
    silent_after_days: int = 3
    explicit_since: bool = False
    possibly: tuple[Entry, ...] = ()  # "possibly relevant" stories, highest score first, at most POSSIBLY_SHOWN
    possibly_more: int = 0  # how many more were left out

    @property
    def count(self) -> int:
        return sum(len(g.entries) for g in self.groups)

    @property
    def entries(self) -> list[Entry]:
        return [entry for group in self.groups for entry in group.entries]

    @property
    def scope(self) -> str:
        """Which items this digest covers, as a sentence."""
        if self.explicit_since and self.since is not None:
            return f"Relevant items first seen since {utc_text(self.since)}."
        if self.previous is not None and self.since is not None:
            return f"Relevant items first seen since the last reviewed digest (#{self.previous}, {utc_text(self.since)})."
        return "Every relevant item in the store (no digest reviewed yet)."


def utc_text(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def published_text(entry: Entry) -> str:
    """``2025-06-25 14:32 Havana (18:32 UTC)``; the first sighting when the outlet gave no date."""
    if entry.published is None:
        return f"date not given; first seen {utc_text(entry.first_seen)}"
    local = entry.published.astimezone(HAVANA)
    utc = entry.published.astimezone(timezone.utc)
    same_day = local.date() == utc.date()
    return f"{local:%Y-%m-%d %H:%M} Havana ({utc:{'%H:%M' if same_day else '%Y-%m-%d %H:%M'}} UTC)"


# ---------------------------------------------------------------- building


def build(config: Config, store: Store, *, now: datetime, since: datetime | None = None) -> Digest:
    """The digest of what is new: since ``since`` if given, else since the last reviewed one."""
    last = store.last_digest()
    upto = store.max_seq()
    if since is not None:
        rows = store.digest_items(after_seq=-1, upto_seq=upto, since=since)
    else:
        rows = store.digest_items(after_seq=last["last_seq"] if last else -1, upto_seq=upto)
    names = config.display_names()
    urls = store.urls_by_item([r["id"] for r in rows])
    edition_of = store.editions_of([r["id"] for r in rows])
    others = store.edition_items(sorted(set(edition_of.values())))
    groups = with_editions(group_by_story(rows), edition_of)
    entries = _entries(groups, urls, config.digest.excerpt_chars, names, edition_of=edition_of, editions=others)
    after = -1 if since is not None else (last["last_seq"] if last else -1)
    doubtful = store.digest_items(after_seq=after, upto_seq=upto, since=since, band="possibly")
    possibly = sorted(_entries(group_by_story(doubtful), {}, config.digest.excerpt_chars, names),
                      key=lambda e: (-e.score, e.first_seen))
    return Digest(
        generated=now,
        since=since if since is not None else parse_iso(last["created"]) if last else None,
        previous=last["id"] if last else None,
        last_seq=upto,
        groups=_grouped(entries, config),
        failing=tuple(_failing(config, store)),
        silent=tuple(_silent(config, store, now)),
        degraded=tuple(_degraded(config, store)),
        silent_after_days=config.digest.silent_after_days,
        explicit_since=since is not None,
        possibly=tuple(possibly[:POSSIBLY_SHOWN]),
        possibly_more=max(len(possibly) - POSSIBLY_SHOWN, 0),
    )


def group_by_story(rows: Sequence[ItemRow]) -> list[list[ItemRow]]:
    """Rows that tell one story (same ``story_id``), the lead first.

    The lead is the story's earliest-published item among ``rows`` (its
    original, when the original is in this digest); the others become "also
    published by". Stories keep the order of their newest row, so the digest
    stays newest first. A row without a story is a story of its own.
    """
    groups: dict[str, list[ItemRow]] = {}
    for row in rows:
        groups.setdefault(row.get("story_id") or row["id"], []).append(row)
    return [sorted(group, key=_age) for group in groups.values()]


def with_editions(groups: list[list[ItemRow]], edition_of: dict[str, str]) -> list[list[ItemRow]]:
    """Stories whose items are language editions of one another become one story (shown once)."""
    merged: dict[str, list[ItemRow]] = {}
    for group in groups:
        key = next((edition_of[r["id"]] for r in group if r["id"] in edition_of), None) or "story:" + group[0]["id"]
        merged.setdefault(key, []).extend(group)
    return [sorted(group, key=_age) for group in merged.values()]


def _age(row: ItemRow) -> tuple[bool, str, int]:
    """Earliest published first, undated last, then first stored (as stories.earliest)."""
    return (row["published"] is None, row["published"] or "", row["seq"])


def _entries(groups: list[list[ItemRow]], urls: dict[str, list[str]], width: int,
             names: dict[str, str] | None = None, *, edition_of: dict[str, str] | None = None,
             editions: Sequence[EditionItemRow] = ()) -> list[Entry]:
    names = names or {}
    edition_of = edition_of or {}
    entries = []
    for story in groups:
        lead = story[0]
        shown = {lead["url"], lead["canonical_url"]}
        also = [u for u in urls.get(lead["id"], []) if u not in shown]
        edition = edition_of.get(lead["id"]) or next((edition_of[r["id"]] for r in story if r["id"] in edition_of), None)
        others = [r for r in editions if edition and r["edition_id"] == edition and r["language"] != lead["language"]]
        other_ids = {r["id"] for r in others}
        copies = tuple(
            Copy(id=row["id"], outlet=row["outlet"], outlet_name=names.get(row["outlet"], row["outlet"]),
                 url=row["url"],
                 published=parse_iso(row["published"]), first_seen=datetime.fromisoformat(row["first_seen"]))
            for row in story[1:] if row["id"] not in other_ids
        )  # fmt: skip
        in_other_languages = tuple(
            Edition(id=r["id"], outlet=r["outlet"], language=r["language"] or "", title=r["title"] or r["url"], url=r["url"],
                    published=parse_iso(r["published"]))
            for r in others
        )  # fmt: skip
        entries.append(Entry(
            id=lead["id"], outlet=lead["outlet"], language=lead["language"] or "", title=lead["title"] or lead["url"],
            url=lead["url"], published=parse_iso(lead["published"]), first_seen=datetime.fromisoformat(lead["first_seen"]),  # NOT NULL
           
            score=lead["score"] or 0.0, rules=tuple(lead["rules"]),
            excerpt=excerpt(lead["body"] or "", lead["hits"], width), also_at=tuple(dict.fromkeys(also)),
            copies=copies, editions=in_other_languages, reasons=tuple(lead.get("reasons") or ()),
            outlet_name=names.get(lead["outlet"], lead["outlet"]),
        ))  # fmt: skip
    return entries


def _grouped(entries: list[Entry], config: Config) -> tuple[Group, ...]:
    """By outlet (in config order) and language; entries keep their newest-first order."""
    order = {o.key: n for n, o in enumerate(config.outlets)}
    names = config.display_names()
    languages = {o.key: o.language for o in config.outlets}
    buckets: dict[tuple[str, str], list[Entry]] = {}
    for entry in entries:
        buckets.setdefault((entry.outlet, entry.language), []).append(entry)
    keys = sorted(buckets, key=lambda k: (order.get(k[0], len(order)), k[0], k[1]))
    return tuple(Group(outlet=o, outlet_name=names.get(o, o), language=lang, entries=tuple(buckets[(o, lang)]),
                       other_language=lang != languages.get(o, lang))
                 for o, lang in keys)


def _failing(config: Config, store: Store) -> list[Failing]:
    from .status import collect

    def reason(row: dict[str, Any]) -> str:
        if row["last_status"] == "gone":
            return "interrupted (process gone): its last run was killed"
        return row["last_error"] or row["last_status"] or "failing"

    return [
        Failing(outlet=row["outlet"], name=row["name"], reason=reason(row),
                streak=row["failing_streak"], last_success=parse_iso(row["last_success"]),
                failures=tuple((f["class"], f["url"]) for f in store.failures(row["outlet"], limit=FAILURES_SHOWN)))
        for row in collect(config, store)["outlets"]
        if row["failing"] and row["enabled"]
    ]  # fmt: skip


def _degraded(config: Config, store: Store) -> list[Degraded]:
    from .status import collect

    return [Degraded(outlet=row["outlet"], name=row["name"], reason=row["degraded"])
            for row in collect(config, store)["outlets"] if row.get("degraded") and row["enabled"]]


def _silent(config: Config, store: Store, now: datetime) -> list[Silent]:
    """Enabled outlets with no new item for ``silent_after_days`` (or none since the first poll)."""
    limit = timedelta(days=config.digest.silent_after_days)
    activity = store.outlet_activity()
    found = []
    for outlet in config.enabled_outlets:
        seen = activity.get(outlet.key)
        last_new = parse_iso(seen["last_new"]) if seen else None
        first_run = parse_iso(seen["first_run"]) if seen else None
        quiet_since = last_new or first_run
        if quiet_since is not None and now - quiet_since >= limit:
            found.append(Silent(outlet=outlet.key, name=config.display_name(outlet.key), days=(now - quiet_since).days, last_new=last_new))
    return found


# ---------------------------------------------------------------- excerpts


def excerpt(body: str, hits: Sequence[dict[str, Any]], width: int) -> Excerpt | None:
    """About ``width`` characters of the body around the earliest matched rule text.

    ``hits`` hold folded text ("trafico de personas"); the body is folded the
    same way, keeping a map back to the original characters, so the match is
    found whatever its accents or case. Title-only matches fall back to the lede.
    """

    from .folding import fold_with_map  # builds its tables at import: not at `monitor --help`

    flat = " ".join(body.split())
    if not flat:
        return None
    folded, origin = fold_with_map(flat)
    spans = [span for hit in hits if (span := _find_words(folded, hit.get("text", ""))) is not None]
    if not spans:
        return Excerpt(text=_clip(flat, 0, min(width, len(flat)))[0])
    start, end = min(spans)
    first, last = origin[start], origin[end - 1] + 1
    return _window(flat, first, last, width)


def _find_words(folded: str, needle: str) -> tuple[int, int] | None:
    """Where ``needle`` occurs as whole words in ``folded``."""
    from .folding import fold

    needle = fold(needle)
    start = 0
    while needle and (at := folded.find(needle, start)) >= 0:
        end = at + len(needle)
        if (at == 0 or folded[at - 1] == " ") and (end == len(folded) or folded[end] == " "):
            return at, end
        start = at + 1
    return None


def _window(text: str, first: int, last: int, width: int) -> Excerpt:
    room = max(width - (last - first), 0)
    start = max(first - room // 2, 0)
    end = min(max(last + room - (first - start), last), len(text))
    clipped, kept_from, prefix = _clip(text, start, end)
    offset = len(prefix) - kept_from
    return Excerpt(text=clipped, start=first + offset, end=last + offset)


def _clip(text: str, start: int, end: int) -> tuple[str, int, str]:
    """``text[start:end]`` without cut words, "…" where text was left out; also where it starts and the prefix."""
    if start > 0 and text[start - 1] != " ":
        space = text.find(" ", start, end)
        start = space + 1 if space >= 0 else start
    if end < len(text) and text[end] != " ":
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + text[start:end] + suffix, start, prefix
