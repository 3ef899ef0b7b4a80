"""Stories: the same text published under several URLs, by several outlets.

Pure functions and an in-memory index; no SQL, no I/O (the store keeps the same
keys in its ``fingerprints`` and ``bands`` tables and asks these functions).

How one article becomes keys::

    title + paragraphs --normalise_for_hash--> folded words (datelines, sign-offs,
        trailers, URLs, punctuation gone) --shingles--> 64-bit word-shingle hashes
        ├── fingerprint(): a 64-bit SimHash        -> fingerprints.simhash
        ├── sketch():      64 one-permutation MinHash minima (16 bits each)
        └── index_keys():  (band, bucket) pairs    -> bands(band, bucket, item_id)

Two lookups share the ``bands`` table:

* bands ``0 .. C(k+2, 2) - 1`` key the SimHash on every pair of its k+2 blocks
  (5 blocks, 10 keys of ~26 bits for k=3). Two fingerprints within Hamming
  distance k differ in at most k blocks, so at least two blocks agree exactly
  and the key of that pair is shared (pigeonhole);
* bands ``1000 ..`` are pairs of MinHash bins (32 bits each), which catch copies
  with a sentence added or removed: one such edit moves a 64-bit SimHash by
  about 6 bits, far past k=3, while the shingle sets still agree at Jaccard
  ~0.8 (a pair of bins is shared with probability J², so six pairs find a copy
  at J=0.8 with probability 0.998 and at J=0.6 with 0.93).

Buckets of 26-32 bits keep unrelated rows out of a lookup even at a million
items (about 16 x N / 2^26 of them: 0.2 at 1M), so the cost of a lookup does
not grow with the store. What a lookup returns is filtered by Hamming
distance (one popcount) before the sketch is
compared. ``is_same_story`` is the decision both the store and ``StoryIndex`` use.
"""

from __future__ import annotations

import hashlib
import re
import sys
from array import array
from bisect import bisect_left, insort
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from typing import Iterable, Sequence

from monitor.folding import fold_chars, spaced_words
from monitor.models import Article

BITS = 64
_MASK = (1 << BITS) - 1
SKETCH_BINS = 64  # one-permutation MinHash bins (top 6 bits of a shingle hash)
SKETCH_BAND_BASE = 1000  # band numbers >= this are MinHash bin pairs, below are SimHash block pairs
SKETCH_BANDS = 6  # bin pairs used as lookup keys: P(found) = 1 - (1 - J^2)^6
SAME_STORY_JACCARD = 0.5  # estimated shingle Jaccard at or above which two texts are one story
LOOSE_DISTANCE = 24  # SimHash distance past which a sketch is not even compared (J < ~0.4)
MIN_WORDS = 40  # below this a SimHash alone is too coarse to call two texts one story

# ---------------------------------------------------------------- normalising

_MONTHS_EN = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_MONTHS_ES = (
    r"ene(?:ro)?|feb(?:rero)?|mar(?:zo)?|abr(?:il)?|may(?:o)?|jun(?:io)?|jul(?:io)?"
    r"|ago(?:sto)?|sep(?:t(?:iembre)?)?|set(?:iembre)?|oct(?:ubre)?|nov(?:iembre)?|dic(?:iembre)?"
)
_DATE = (
    rf"(?:(?:{_MONTHS_EN})\.?\s+\d{{1,2}}(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}\s+(?:de\s+)?(?:{_MONTHS_ES}|{_MONTHS_EN})\.?(?:\s+(?:de\s+)?\d{{4}})?)"
)
_PLACE = r"[a-z][a-z .'-]{0,40}?"
_AGENCY = r"\([a-z][a-z .&/+-]{0,30}\)"
# Without a date, only a known agency tag marks a dateline ("HAVANA (Prensa Latina)"), so that
# "Cuba's Foreign Ministry (MINREX) said" keeps its words.
_KNOWN = r"rhc|pl|acn|prensa latina|telesur|efe|afp|ap|reuters|ips|sputnik|xinhua|ansa|europa press|granma|cubadebate"
_KNOWN_AGENCY = rf"\(\s*(?:{_KNOWN})(?:\s*[-/+]\s*(?:{_KNOWN}))*\s*\)"
_SHORT_PLACE = r"[a-z][a-z.'-]*(?:\s+[a-z][a-z.'-]*){0,2}"
_SEP = r"\s*(?:--|[-\u2013\u2014:.,])?\s*"
# "Havana, Nov 5 (RHC) --", "La Habana, 5 nov (RHC-PL)", "HAVANA (Prensa Latina) —", "(RHC-ACN) --"
_DATELINE = re.compile(
    rf"^\s*(?:{_PLACE}\s*,\s*{_DATE}\s*(?:{_AGENCY})?|(?:{_SHORT_PLACE}\s*)?{_KNOWN_AGENCY}){_SEP}"
)
# A paragraph that is only a date: old teleSUR "Published 4 July 2021" / "Publicado 4 julio 2021".
_DATE_PARAGRAPH = re.compile(rf"^\s*(?:published|publicado|updated|actualizado)?\s*{_DATE}\b.{{0,40}}$")
# Whole paragraphs that are page furniture, not the story.
_FURNITURE = re.compile(
    r"^\s*(?:the post .{0,300} first appeared on\b"
    r"|la informacion .{0,300} salio primero en\b"
    r"|this content was originally published by telesur\b"
    r"|(?:source|fuente|autor|author|by|por)\s*:|(?:edited by|editado por|eldonita de)\s"
    r"|(?:lea|lee|vea|ver) tambien\b|related\s*:|see also\s*:"
    r"|[-\u2013\u2014] .{0,80}\(@\w+\))"
)
_READ_ALSO = re.compile(r"\s*(?:(?:lea|lee|vea|ver) tambien|related|see also)\s*:?\s*")
_TRAILER = re.compile(r"\s*(?:the post .{0,300}first appeared on|la informacion .{0,300}salio primero en)\b.*$")
# Prensa Latina editor initials closing a text: "jdt/jav/mem/lld", "arb/mgt".
_SIGN_OFF = re.compile(r"(?:^|\s+)[a-z]{2,4}(?:/[a-z]{2,4})+\s*$")
_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S*")


def _clean_paragraph(paragraph: str) -> str:
    text = _URL.sub(" ", fold_chars(paragraph))
    if _FURNITURE.match(text) or _DATE_PARAGRAPH.match(text):
        return ""
    text = _DATELINE.sub("", text, count=1)
    if "first appeared on" in text or "salio primero en" in text:
        text = _TRAILER.sub("", text)
    if "/" in text[-40:]:  # cheap test first: the pattern is anchored at the end
        text = _SIGN_OFF.sub("", text)
    return text


def _drop_read_also_headlines(cleaned: list[str], raw: Sequence[str]) -> list[str]:
    """teleSUR prints "LEA TAMBIÉN:" alone, then the linked headline as its own paragraph."""
    out = list(cleaned)
    for i, paragraph in enumerate(raw[:-1]):
        if _READ_ALSO.fullmatch(fold_chars(paragraph)):
            out[i + 1] = ""
    return out


def normalise_for_hash(title: str, paragraphs: Sequence[str]) -> str:
    """The words two copies of one story share, whatever outlet printed them.

    The title counts only when the body is too short to stand alone: republishers
    rewrite headlines more than anything else.
    """
    cleaned = _drop_read_also_headlines([_clean_paragraph(p) for p in paragraphs], paragraphs)
    body = spaced_words(" ".join(cleaned))
    if len(body.split()) >= MIN_WORDS:
        return body
    head = spaced_words(fold_chars(title))
    return f"{head} {body}".strip()


# ---------------------------------------------------------------- hashing


def _digests(text: str, shingle_words: int) -> bytes:
    """8-byte blake2b digests of every run of ``shingle_words`` words, concatenated.

    blake2b, not hash(): Python's str hash changes per process (PYTHONHASHSEED).
    A text shorter than one run is one shingle.
    """
    words = text.split()
    if len(words) <= shingle_words:
        runs = [" ".join(words).encode()] if words else []
    else:
        runs = [" ".join(words[i : i + shingle_words]).encode() for i in range(len(words) - shingle_words + 1)]
    fresh = _BLAKE8.copy  # a local name: this loop is the hot path
    digests = []
    for run in runs:
        blake = fresh()
        blake.update(run)
        digests.append(blake.digest())
    return b"".join(digests)


# Copied per shingle: the same digests as blake2b(run, digest_size=8), without parsing the
# parameters and setting up the state each time (a third less CPU for a 500-word text).
# Never updated itself, so threads may copy it at once.
_BLAKE8 = hashlib.blake2b(digest_size=8)


def _to_ints(digests: bytes) -> list[int]:
    values = array("Q", digests)
    if sys.byteorder == "little":
        values.byteswap()  # digests are read big-endian
    return values.tolist()


def _to_digests(hashes: Sequence[int]) -> bytes:
    values = array("Q", hashes)
    if sys.byteorder == "little":
        values.byteswap()
    return values.tobytes()


def shingles(text: str, *, shingle_words: int = 4) -> list[int]:
    """Unsigned 64-bit hashes of the text's word shingles."""
    return _to_ints(_digests(text, shingle_words))


def _majority(digests: bytes) -> int:
    """Bit j set iff more than half the 8-byte digests have bit j set.

    Byte m of every digest is sliced out as one big int; masking it with bit k
    of every byte and popcounting counts bit k over all digests in C, so a
    300-shingle text costs 64 big-int operations instead of 19,200 bit tests.
    """
    count = len(digests) // 8
    ones = int.from_bytes(b"\x01" * count, "big")
    result = 0
    for m in range(8):
        column = int.from_bytes(digests[m::8], "big")
        for k in range(8):
            if 2 * (column & (ones << k)).bit_count() > count:
                result |= 1 << (8 * (7 - m) + k)
    return result


def to_signed(value: int) -> int:
    """An unsigned 64-bit value as SQLite's signed INTEGER."""
    return value - (1 << BITS) if value >= 1 << (BITS - 1) else value


def simhash(hashes: Sequence[int]) -> int:
    """SimHash of unsigned 64-bit shingle hashes, as a signed 64-bit int (0 for none)."""
    return to_signed(_majority(_to_digests(hashes))) if hashes else 0


def fingerprint(text: str, *, shingle_words: int = 4) -> int:
    """64-bit SimHash over word shingles of normalised text, signed for SQLite."""
    digests = _digests(text, shingle_words)
    return to_signed(_majority(digests)) if digests else 0


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & _MASK).bit_count()


def sketch(hashes: Iterable[int]) -> bytes:
    """One-permutation MinHash: the least hash in each of 64 bins, low 16 bits, 128 bytes.

    The share of equal bins between two sketches estimates the Jaccard
    similarity of the shingle sets. Empty bins (short texts) borrow the next
    filled bin, offset by the distance ("rotation densification").
    """
    mins = [-1] * SKETCH_BINS
    for value in hashes:
        bin_ = value >> (BITS - 6)
        low = value & 0xFFFF_FFFF_FFFF
        if mins[bin_] < 0 or low < mins[bin_]:
            mins[bin_] = low
    if all(m < 0 for m in mins):
        return bytes(2 * SKETCH_BINS)
    out = array("H", bytes(2 * SKETCH_BINS))
    for i in range(SKETCH_BINS):
        step = 0
        while mins[(i + step) % SKETCH_BINS] < 0:
            step += 1
        out[i] = (mins[(i + step) % SKETCH_BINS] + step * 0x9E37) & 0xFFFF
    return out.tobytes()


def jaccard_estimate(a: bytes, b: bytes) -> float:
    equal = sum(1 for x, y in zip(array("H", a), array("H", b)) if x == y)
    return equal / SKETCH_BINS


# ---------------------------------------------------------------- lookup keys


def _blocks(max_distance: int) -> list[tuple[int, int]]:
    """(offset, width) of the k+2 near-equal blocks a SimHash is split into."""
    count = max_distance + 2
    blocks, offset = [], 0
    for block in range(count):
        width = BITS // count + (1 if block < BITS % count else 0)
        blocks.append((offset, width))
        offset += width
    return blocks


def band_keys(fp: int, *, max_distance: int) -> list[tuple[int, int]]:
    """(band, bucket) keys of a SimHash: every pair of its k+2 blocks, concatenated.

    Two fingerprints within ``max_distance`` differ in at most k blocks, so at
    least two blocks agree and so does the key of that pair (pigeonhole). A key
    holds about 2 x 64 / (k+2) bits (26 for k=3), so an unrelated item shares
    one only by a 1-in-2^26 chance, however large the store grows.
    """
    value = fp & _MASK
    pieces = [(value >> offset & ((1 << width) - 1), width) for offset, width in _blocks(max_distance)]
    keys = []
    for band, ((a, _), (b, width_b)) in enumerate(combinations(pieces, 2)):
        keys.append((band, to_signed(a << width_b | b)))  # k=0: the whole 64 bits, signed
    return keys


def sketch_keys(sketch_bytes: bytes) -> list[tuple[int, int]]:
    """(band, bucket) keys from pairs of MinHash bins: found when J is high, not only when k is."""
    bins = array("H", sketch_bytes)
    return [(SKETCH_BAND_BASE + i, bins[2 * i] << 16 | bins[2 * i + 1]) for i in range(SKETCH_BANDS)]


# ---------------------------------------------------------------- documents


@dataclass(frozen=True, slots=True, kw_only=True)
class StoryDoc:
    """What dedupe needs to know about one stored item (one row of ``fingerprints``)."""

    item_id: str
    language: str | None
    published: datetime | None
    fingerprint: int  # signed 64-bit SimHash
    sketch: bytes  # 128-byte MinHash sketch
    words: int  # normalised body length


def make_doc(
    item_id: str,
    text: str,
    *,
    language: str | None = None,
    published: datetime | None = None,
    shingle_words: int = 4,
) -> StoryDoc:
    """A StoryDoc from text already passed through :func:`normalise_for_hash`."""
    digests = _digests(text, shingle_words)
    return StoryDoc(
        item_id=item_id,
        language=language,
        published=published,
        fingerprint=to_signed(_majority(digests)) if digests else 0,
        sketch=sketch(_to_ints(digests)),
        words=len(text.split()),
    )


def doc_for(article: Article, item_id: str, *, shingle_words: int = 4) -> StoryDoc:
    """The StoryDoc of an extracted article (its body; title and lede only for a short one)."""
    return doc_for_fields(
        item_id, title=article.title, subtitle=article.subtitle, paragraphs=article.body,
        language=article.language, published=article.published, shingle_words=shingle_words,
    )  # fmt: skip


def doc_for_fields(
    item_id: str,
    *,
    title: str,
    subtitle: str | None,
    paragraphs: Sequence[str],
    language: str | None,
    published: datetime | None,
    shingle_words: int = 4,
) -> StoryDoc:
    """The StoryDoc of an article's stored fields (what ``monitor dedupe --rebuild`` reads back)."""
    head = f"{title} {subtitle}" if subtitle else title
    text = normalise_for_hash(head, paragraphs)
    return make_doc(item_id, text, language=language, published=published, shingle_words=shingle_words)


def index_keys(doc: StoryDoc, *, max_distance: int) -> list[tuple[int, int]]:
    """Every (band, bucket) row the store writes for ``doc``."""
    return band_keys(doc.fingerprint, max_distance=max_distance) + sketch_keys(doc.sketch)


def is_same_story(a: StoryDoc, b: StoryDoc, *, max_distance: int) -> bool:
    """One story in two items: same language, and near-equal text.

    Near-equal means SimHash within ``max_distance`` for bodies long enough for a
    SimHash to mean something, or else an estimated shingle Jaccard >= 0.5
    (a sentence added or a headline rewritten keeps ~0.8; a follow-up reusing a
    background paragraph, or two short items quoting one statement, stay < 0.4).
    English and Spanish versions of a story are kept apart: their words differ.
    """
    if a.language and b.language and a.language != b.language:
        return False
    if not a.words or not b.words:  # two empty bodies are not one story
        return False
    distance = hamming(a.fingerprint, b.fingerprint)
    if distance > LOOSE_DISTANCE:
        return False
    if distance <= max_distance and min(a.words, b.words) >= MIN_WORDS:
        return True
    return jaccard_estimate(a.sketch, b.sketch) >= SAME_STORY_JACCARD


def earliest(docs: Sequence[StoryDoc]) -> StoryDoc | None:
    """The match a new item joins: earliest published; undated last; ties to the one stored first.

    ``docs`` come in storage order (the store: ``ORDER BY seq``).
    """
    if not docs:
        return None
    order = {id(d): n for n, d in enumerate(docs)}
    return min(docs, key=lambda d: (d.published is None, d.published or datetime.min, order[id(d)]))


# ---------------------------------------------------------------- in memory


class KeyTable:
    """(band, bucket) -> positions, in about 8.5 bytes per key.

    A dict of arrays costs ~150 bytes per distinct key: 2.3 GB for the 16
    million keys of a million items, now that almost every key is distinct.
    Here each key is hashed to 40 bits and stored with its position (24 bits)
    as one unsigned 64-bit entry, in one of 65,536 sorted arrays chosen by the
    hash's top 16 bits; a probe is a C-level bisect. A false hit (two keys with
    one 40-bit hash: ~N x 2^-40 per probe) costs only a Hamming check.
    """

    HASH_BITS = 40
    POS_BITS = 24
    PAGE_BITS = 16

    def __init__(self) -> None:
        self._pages: list[array | None] = [None] * (1 << self.PAGE_BITS)

    def _hash(self, band: int, bucket: int) -> int:
        return hash((band, bucket)) & ((1 << self.HASH_BITS) - 1)  # int/tuple hashes are not salted

    def add(self, band: int, bucket: int, pos: int) -> None:
        if pos >> self.POS_BITS:
            raise ValueError(f"KeyTable holds at most {1 << self.POS_BITS:,} items")
        h = self._hash(band, bucket)
        page_no = h >> (self.HASH_BITS - self.PAGE_BITS)
        page = self._pages[page_no]
        if page is None:
            page = self._pages[page_no] = array("Q")
        insort(page, h << self.POS_BITS | pos)

    def get(self, band: int, bucket: int) -> list[int]:
        h = self._hash(band, bucket)
        page = self._pages[h >> (self.HASH_BITS - self.PAGE_BITS)]
        if page is None:
            return []
        found, low, mask = [], h << self.POS_BITS, (1 << self.POS_BITS) - 1
        for i in range(bisect_left(page, low), len(page)):
            if page[i] >> self.POS_BITS != h:
                break
            found.append(page[i] & mask)
        return found


class StoryIndex:
    """A reference model of the store's ``fingerprints`` + ``bands`` tables in memory, for tests.

    The product never uses it: the store files through SQLite and keeps keys
    only for a story's original and newest members; this index keeps every
    item's keys, so it answers "can the band lookup find this copy at all". Otherwise the same semantics: ``candidates`` probes the (band, bucket) keys of
    :func:`index_keys` and keeps items within ``LOOSE_DISTANCE``; ``add`` joins the
    story of the :func:`earliest` match, else starts one. A story is named by its
    first stored item (a stable id); its original is its earliest-published item.
    Columns are packed arrays and keys a :class:`KeyTable`, so a million items
    fit in a few hundred MB.
    """

    def __init__(self, *, max_distance: int = 3) -> None:
        self.max_distance = max_distance
        self._ids: list[str] = []
        self._position: dict[str, int] = {}
        self._fingerprints = array("q")
        self._words = array("i")
        self._sketches = bytearray()
        self._languages: list[str | None] = []
        self._published: list[datetime | None] = []
        self._story = array("i")  # position of the story's first item
        self._original: dict[int, int] = {}  # story position -> original's, when not the first
        self._keys = KeyTable()

    def __len__(self) -> int:
        return len(self._ids)

    def _doc(self, pos: int) -> StoryDoc:
        start = pos * 2 * SKETCH_BINS
        return StoryDoc(
            item_id=self._ids[pos],
            language=self._languages[pos],
            published=self._published[pos],
            fingerprint=self._fingerprints[pos],
            sketch=bytes(self._sketches[start : start + 2 * SKETCH_BINS]),
            words=self._words[pos],
        )

    def _positions(self, doc: StoryDoc) -> set[int]:
        found: set[int] = set()
        for band, bucket in index_keys(doc, max_distance=self.max_distance):
            found.update(self._keys.get(band, bucket))
        return found

    def candidates(self, doc: StoryDoc) -> list[StoryDoc]:
        """Stored items sharing a band key with ``doc`` and within ``LOOSE_DISTANCE``."""
        fps = self._fingerprints
        near = (p for p in self._positions(doc) if hamming(fps[p], doc.fingerprint) <= LOOSE_DISTANCE)
        return [self._doc(p) for p in sorted(near)]

    def matches(self, doc: StoryDoc) -> list[StoryDoc]:
        return [c for c in self.candidates(doc) if is_same_story(doc, c, max_distance=self.max_distance)]

    def add(self, doc: StoryDoc) -> str:
        """Store ``doc``; return the id of the story it belongs to."""
        if doc.item_id in self._position:
            return self.story_of(doc.item_id)
        first = earliest(self.matches(doc))
        pos = len(self._ids)
        self._append(doc)
        story = self._story[self._position[first.item_id]] if first else pos
        self._story.append(story)
        if self._age(pos) < self._age(self._original.get(story, story)):
            self._original[story] = pos
        return self._ids[story]

    def _append(self, doc: StoryDoc) -> None:
        pos = len(self._ids)
        self._ids.append(doc.item_id)
        self._position[doc.item_id] = pos
        self._fingerprints.append(doc.fingerprint)
        self._words.append(doc.words)
        self._sketches += doc.sketch
        self._languages.append(doc.language)
        self._published.append(doc.published)
        for band, bucket in index_keys(doc, max_distance=self.max_distance):
            self._keys.add(band, bucket, pos)

    def _age(self, pos: int) -> tuple[bool, datetime | None, int]:
        published = self._published[pos]
        return (False, published, pos) if published else (True, None, pos)

    def story_of(self, item_id: str) -> str:
        return self._ids[self._story[self._position[item_id]]]

    def original(self, story_id: str) -> str:
        """The earliest-published item of a story (the first stored when none is dated)."""
        story = self._position[story_id]
        return self._ids[self._original.get(story, story)]
