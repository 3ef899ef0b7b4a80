"""The SQLite store: the only module that writes SQL.

One writer, many readers. The database runs in WAL mode with a 30 s busy
timeout, and every write is one ``BEGIN IMMEDIATE`` transaction, so Datasette
can read while a run writes and an article is either wholly stored (item,
URLs, keys, old version, raw page) or not at all — a process killed mid-run
loses nothing it had committed. ``synchronous=NORMAL`` is WAL's recommended
level: safe against crashes of the process; only a power cut can drop the last
commits, never corrupt the file.

Every new item is filed in a story inside the same transaction (its
fingerprint and ``bands`` keys written, the earliest near-copy's story joined,
see :mod:`monitor.stories`); an edit refreshes the fingerprint and keeps the story.
Filing costs the same for copy 1,000 of a story as for copy 10: only a story's
original and newest members keep lookup keys, and its row is updated in place.

Rows come back as dicts with the JSON columns (``tags``, ``rules``, ``hits``)
decoded to lists. Timestamps are ISO-8601 UTC strings.
"""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from sqlite_utils import Database

from monitor import editions, identity, seedformat, stories
from monitor.config import StoriesConfig
from monitor.errors import NoStore, StoreError, StoreUnusable
from monitor.folding import fold_chars
from monitor.migrations import MIGRATIONS, migration_names
from monitor.models import (
    Article,
    Failure,
    Outcome,
    OutcomeKind,
    OutletRun,
    Relevance,
    iso,
    parse_iso,
)
from monitor.urls import canonical_url, identity_key

if TYPE_CHECKING:
    from monitor.fetch import StoredRobots, Validators

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 30.0
JSON_COLUMNS = ("tags", "rules", "hits", "reasons", "authors")
# Dates an edit may leave out: keep what the first fetch found rather than lose it.
_KEEP_IF_MISSING = ("published", "published_raw", "modified", "modified_raw")


T = TypeVar("T")
STORY_WINDOW = 8  # newest members of a story, besides its original, whose keys a new copy is probed against
P = ParamSpec("P")
REPROCESS = "reprocess"  # save() source of a re-extraction from a stored page (no new sighting)


def _locked(method: Callable[Concatenate[Store, P], T]) -> Callable[Concatenate[Store, P], T]:
    """Reads take the store's lock too: threads share one connection, and a read must not
    run inside another thread's open write transaction (it would see uncommitted rows)."""

    @functools.wraps(method)
    def wrapper(self: Store, *args: P.args, **kwargs: P.kwargs) -> T:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


class Store:
    """Items, their URLs and versions, runs and the HTTP cache in one SQLite file."""

    def __init__(self, path: str | Path, *, stories: StoriesConfig | None = None, create: bool = True) -> None:
        """Open (and migrate) the store at ``path``.

        ``create=False`` is for commands that only read: a path with no store raises
        :class:`NoStore` instead of quietly creating an empty one. ``created`` says
        whether this open made the file. A file that cannot serve as a store (not
        SQLite, corrupt, unwritable, a newer schema) raises :class:`StoreUnusable`.
        """
        self.path = Path(path)
        self.stories_config = stories or StoriesConfig()  # story thresholds ([stories] in the config)
        self.created = not self.path.exists()
        if self.created and not create:
            raise NoStore(self.path)
        self._lock = threading.RLock()  # one writer per Store, whatever the thread
        try:
            conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_S, check_same_thread=False)
            self.db = Database(conn)
            self._check_schema()  # before anything is written
            self._configure()
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise unusable(self.path, exc) from exc
        self.validators = HttpCache(self)
        self.robots = RobotsTxt(self)

    @classmethod
    def open(cls, path: str | Path, *, stories: StoriesConfig | None = None, create: bool = True) -> Store:
        return cls(path, stories=stories, create=create)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- setup ---------------------------------------------------------------

    def _configure(self) -> None:
        self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.enable_wal()
        self.db.execute("PRAGMA synchronous = NORMAL")

    def _check_schema(self) -> None:
        """A store a newer monitor has migrated must not be written by this one."""
        known = set(migration_names())
        unknown = [m.name for m in MIGRATIONS.applied(self.db) if m.name not in known]
        if unknown:
            raise StoreUnusable(
                f"{self.path}: written by a newer monitor (schema {unknown[-1]}, unknown to this release)"
                " — upgrade monitor, or point --db / MONITOR_DB at a store of this release"
            )

    def _migrate(self) -> None:
        if not MIGRATIONS.pending(self.db):
            return
        with self._write():  # IMMEDIATE: two processes opening at once migrate once
            pending = [m.name for m in MIGRATIONS.pending(self.db)]
            MIGRATIONS.apply(self.db)
            if "m005_stories" in pending and self.db.execute("SELECT 1 FROM items LIMIT 1").fetchone():
                self.rebuild_stories()  # items stored before stories existed get theirs now
        if pending:
            log.info("store %s migrated: %s", self.path, ", ".join(pending))

    @property
    def schema_version(self) -> int:
        """How many migrations this database has had (``migrations.migration_names()``)."""
        return len(MIGRATIONS.applied(self.db))

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One ``BEGIN IMMEDIATE`` transaction; nested calls become savepoints."""
        with self._lock:
            if self.db.conn.in_transaction:
                with self.db.atomic():
                    yield
                return
            try:
                self.db.execute("BEGIN IMMEDIATE")
                yield
                self.db.execute("COMMIT")
            except BaseException as error:
                self.db.rollback()
                if isinstance(error, sqlite3.DatabaseError) and environment_fault(error):
                    raise unusable(self.path, error) from error  # corrupt, read-only, disk full
                if isinstance(error, sqlite3.OperationalError):
                    raise StoreError(f"{self.path}: {error}") from error
                raise

    # --- saving articles -----------------------------------------------------

    def save(
        self,
        article: Article,
        *,
        raw_html: bytes | None = None,
        encoding: str | None = None,
        source: str = "fetch",
        now: datetime,
        item_id: str | None = None,
    ) -> Outcome:
        """Store ``article`` as a new item, a new version, or a sighting of a known one.

        ``item_id`` names a new item (an imported seed keeps the id in its file name); an item of
        that id already stored is this article. An article without a URL (a page dump) needs it,
        and waits for its URL: the first fetched article of its outlet with the same title
        completes it (see ``_waiting_for_url``).
        """
        if not article.url:
            stamp_now = iso(now)
            assert stamp_now is not None  # now is never None
            return self._save_without_url(article, item_id, stamp_now)
        ident = identity.identify(article)
        if not ident.canonical_trusted:
            article = replace(article, canonical_url=article.url)  # never print a home page
        stamp = iso(now)
        with self._write():
            known = self._match(ident.keys)
            found = (identity.pick_item(known, ident.keys) or self._stored_without_keys(ident)
                     or self._existing(item_id) or self._waiting_for_url(article))
            if found is None:
                outcome = self._insert(article, ident, source, stamp, item_id=item_id)
            else:
                outcome = self._merge(found, article, ident, known, source, stamp)
            if outcome.kind in ("new", "updated"):
                self._file_in_story(outcome, article)
            if outcome.kind == "new":
                self._link_edition(outcome.item_id, article)
            if raw_html is not None:
                self._put_raw_page(outcome.item_id, article, raw_html, encoding, stamp)
        log.debug("saved %s as %s (%s)", article.url, outcome.item_id, outcome.kind)
        return outcome

    def _save_without_url(self, article: Article, item_id: str | None, stamp: str) -> Outcome:
        """A page dump (no URL): stored under ``item_id`` until a fetch of the article completes it."""
        if not item_id:
            raise ValueError(f"{article.title!r}: an article without a URL needs an item id to be stored under")
        with self._write():
            found = self._existing(item_id) or self._fetched_with_title(article)
            if found is None:
                row = _article_columns(article, stamp, url_unknown=True) | _relevance_columns(article.relevance)
                row |= {"id": item_id, "seq": self._next_seq(), "outlet": article.outlet, "url": "",
                        "canonical_url": "", "url_key": None, "first_seen": stamp, "last_seen": stamp, "version": 1}
                names = ", ".join(row)
                self.db.execute(f"INSERT INTO items ({names}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
                self._set_waiting_key(item_id, article)
                outcome = Outcome(item_id=item_id, kind="new", relevant=bool(row["relevant"]))
                self._file_in_story(outcome, article)
                return outcome
            old = self._row(found)
            if old["url"] or identity.content_hash(article) == old["content_hash"]:
                # Already known (fetched, or this very dump): a dump never overwrites a fetched page.
                return Outcome(item_id=found, kind="unchanged", relevant=bool(old["relevant"]))
            self._keep_version(old, stamp)
            changes = _article_columns(article, stamp, url_unknown=True) | _relevance_columns(article.relevance)
            self._update_item(found, changes | {"version": old["version"] + 1, "last_seen": stamp})
            self._set_waiting_key(found, article)
            outcome = Outcome(item_id=found, kind="updated", relevant=bool(changes["relevant"]))
            self._file_in_story(outcome, article)
            return outcome

    def _existing(self, item_id: str | None) -> str | None:
        if item_id and self.db.execute("SELECT 1 FROM items WHERE id = ?", [item_id]).fetchone():
            return item_id
        return None

    def _waiting_for_url(self, article: Article) -> str | None:
        """An imported page dump of this outlet with this title, still without its URL.

        Looked up by its ``waiting:`` key in ``item_keys`` (one indexed read per new article); the
        key goes when the dump is completed. A title is a weak key, so it only ever joins a page
        dump to a fetched page, never two fetched pages.
        """
        row = self.db.execute("SELECT item_id FROM item_keys WHERE key = ?", [_waiting_key(article)]).fetchone()
        return row[0] if row else None

    def _set_waiting_key(self, item_id: str, article: Article) -> None:
        self.db.execute("DELETE FROM item_keys WHERE item_id = ? AND key LIKE 'waiting:%'", [item_id])
        self.db.execute("INSERT OR IGNORE INTO item_keys (key, item_id) VALUES (?, ?)", [_waiting_key(article), item_id])

    def _fetched_with_title(self, article: Article) -> str | None:
        """A fetched item of ``article``'s outlet whose title reads the same (case, accents and spacing aside).

        For an import of a dump whose page was fetched before; imports are rare, so scanning one
        outlet's titles here costs nothing a poll would feel.
        """
        want = _title_key(article.title)
        if not want:
            return None
        rows = self.db.execute("SELECT id, title FROM items WHERE outlet = ? AND url != '' ORDER BY seq",
                               [article.outlet]).fetchall()
        return next((item for item, title in rows if _title_key(title or "") == want), None)

    def _row(self, item_id: str) -> dict[str, Any]:
        cursor = self.db.execute("SELECT * FROM items WHERE id = ?", [item_id])
        return dict(zip([col[0] for col in cursor.description], cursor.fetchone()))

    def _match(self, keys: Sequence[str]) -> dict[str, str]:
        marks = ", ".join("?" * len(keys))
        sql = f"SELECT key, item_id FROM item_keys WHERE key IN ({marks})"
        return dict(self.db.execute(sql, list(keys)).fetchall())

    def _stored_without_keys(self, ident: identity.Identity) -> str | None:
        """An item already named by this URL but missing its keys (e.g. written by another tool)."""
        item_id = seedformat.seed_id(ident.primary)
        found = self.db.execute("SELECT 1 FROM items WHERE id = ?", [item_id]).fetchone()
        return item_id if found else None

    def _insert(self, article: Article, ident: identity.Identity, source: str, stamp: str, *,
                item_id: str | None = None) -> Outcome:
        item_id = item_id or seedformat.seed_id(ident.primary)
        row = _article_columns(article, stamp) | _relevance_columns(article.relevance)
        row |= {"id": item_id, "seq": self._next_seq(), "outlet": article.outlet, "url": article.url}
        # The URL as the outlet publishes it is what people open; the normalised one is only compared.
        row |= {"canonical_url": article.canonical_url or article.url, "url_key": ident.primary}
        row |= {"first_seen": stamp, "last_seen": stamp}
        row["version"] = 1
        names = ", ".join(row)
        self.db.execute(f"INSERT INTO items ({names}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
        self._attach(item_id, ident, {}, source, stamp, article)
        return Outcome(item_id=item_id, kind="new", relevant=bool(row["relevant"]))

    def _next_seq(self) -> int:
        return self.db.execute("SELECT COALESCE(MAX(seq) + 1, 0) FROM items").fetchone()[0]

    def _attach(self, item_id: str, ident: identity.Identity, known: dict[str, str], source: str, stamp: str,
                article: Article) -> bool:
        """Record keys not seen before (True when there was one) and the URLs, as the outlet wrote them."""
        for key in ident.keys:
            if key not in known:
                self.db.execute("INSERT OR IGNORE INTO item_keys (key, item_id) VALUES (?, ?)", [key, item_id])
        on_conflict = (  # a reprocess re-reads a stored page: nothing was seen again
            "DO NOTHING" if source == REPROCESS
            else "DO UPDATE SET last_seen = excluded.last_seen WHERE item_id = excluded.item_id"
        )
        upsert = (
            "INSERT INTO item_urls (url, item_id, first_seen, last_seen, source) VALUES (?, ?, ?, ?, ?)"
            f" ON CONFLICT(url) {on_conflict}"
        )
        # One row per normalised spelling (as before), but holding the URL as the outlet wrote it
        # the first time, so every link shown opens; a spelling already known only refreshes its row.
        written = {canonical_url(u): u for u in (article.url, article.canonical_url) if u}
        for key in ident.urls:
            url = written.get(key, key)
            if key in known:
                if source != REPROCESS:
                    self.db.execute("UPDATE item_urls SET last_seen = ? WHERE url = ? AND item_id = ?",
                                    [stamp, url, item_id])
                continue
            self.db.execute(upsert, [url, item_id, stamp, stamp, source])
        return any(key not in known for key in ident.keys)

    def _merge(
        self, item_id: str, article: Article, ident: identity.Identity, known: dict[str, str], source: str, stamp: str
    ) -> Outcome:
        new_url = self._attach(item_id, ident, known, source, stamp, article)
        old = self._row(item_id)
        changes: dict[str, Any] = {} if source == REPROCESS else {
            "last_seen": stamp, "fetched_at": iso(article.fetched_at) or stamp}
        if article.relevance is not None:
            changes |= _relevance_columns(article.relevance)
        if not old["url"]:  # a page dump meets its article: it gets its URL (and the page's text)
            changes |= {"url": article.url, "canonical_url": article.canonical_url or article.url,
                        "url_key": ident.primary, "text": seedformat.render(article)}
            self.db.execute("DELETE FROM item_keys WHERE item_id = ? AND key LIKE 'waiting:%'", [item_id])
            new_url = True
        kind: OutcomeKind
        if identity.content_hash(article) == old["content_hash"]:
            kind = "seen" if new_url else "unchanged"
        else:
            self._keep_version(old, stamp)
            changes |= _article_columns(article, stamp) | {"version": old["version"] + 1}
            kind = "updated"
        self._update_item(item_id, changes)
        relevant = bool(changes.get("relevant", old["relevant"]))
        return Outcome(item_id=item_id, kind=kind, relevant=relevant, new_url=new_url)

    def _keep_version(self, old: dict[str, Any], stamp: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO versions (item_id, version, title, body, text, content_hash, modified,"
            " replaced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [old["id"], old["version"], old["title"], old["body"], old["text"], old["content_hash"],
             old["modified"], stamp],
        )  # fmt: skip

    def _update_item(self, item_id: str, changes: dict[str, Any]) -> None:
        if not changes:
            return
        sets = [
            f"{name} = COALESCE(?, {name})" if name in _KEEP_IF_MISSING else f"{name} = ?" for name in changes
        ]
        sql = f"UPDATE items SET {', '.join(sets)} WHERE id = ?"
        self.db.execute(sql, [*changes.values(), item_id])

    def _put_raw_page(self, item_id: str, article: Article, html: bytes, encoding: str | None, stamp: str) -> None:
        self.db.execute(
            "INSERT INTO raw_pages (item_id, url, fetched_at, encoding, html) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(item_id) DO UPDATE SET url = excluded.url, fetched_at = excluded.fetched_at,"
            " encoding = excluded.encoding, html = excluded.html",
            [item_id, article.url, iso(article.fetched_at) or stamp, encoding, zlib.compress(html)],
        )

    def update_relevance(self, item_id: str, relevance: Relevance | None) -> bool:
        """Re-judge a stored item; True when its relevance fields changed."""
        cols = _relevance_columns(relevance)
        sets = ", ".join(f"{name} = ?" for name in cols)
        differs = " OR ".join(f"{name} IS NOT ?" for name in cols)
        sql = f"UPDATE items SET {sets} WHERE id = ? AND ({differs})"
        with self._write():
            changed = self.db.execute(sql, [*cols.values(), item_id, *cols.values()]).rowcount > 0
            if not changed:
                self.get_item(item_id)  # KeyError for an unknown id
        return changed

    # --- a user's labels (monitor label / reclassify) --------------------------

    @_locked
    def find_item(self, ref: str) -> dict[str, Any] | None:
        """An item by id, by an unambiguous id prefix (6+ characters) or by any URL it was seen at."""
        if "/" in ref:
            return self.find_by_url(ref)
        rows = self.db.execute("SELECT id FROM items WHERE id LIKE ? LIMIT 2", [ref.lower() + "%"]).fetchall()
        if len(rows) == 1 and (len(ref) >= 6 or rows[0][0] == ref):
            return self.get_item(rows[0][0])
        return None

    def set_label(self, item_id: str, label: str, *, now: datetime) -> None:
        """Record what a user says an item is ("relevant" or "not"); the latest label wins."""
        if label not in ("relevant", "not"):
            raise ValueError(f"label must be 'relevant' or 'not', not {label!r}")
        with self._write():
            self.get_item(item_id)  # KeyError for an unknown item
            self.db.table("labels").upsert({"item_id": item_id, "label": label, "labelled": iso(now)}, pk="item_id")

    @_locked
    def labelled_items(self) -> list[dict[str, Any]]:
        """Every labelled item with its current band, oldest label first."""
        sql = ("SELECT l.item_id, l.label, l.labelled, i.band, i.score, i.title, i.url, i.reasons"
               " FROM labels l JOIN items i ON i.id = l.item_id ORDER BY l.labelled, l.item_id")
        return [_decode(row) for row in self.db.query(sql)]

    # --- stories (monitor.stories) ---------------------------------------------
    #
    # Bounded work per save, however large a story grows: only a story's
    # *representatives* - its original and its STORY_WINDOW most recently stored
    # members - keep lookup keys in ``bands``, so a probe returns at most
    # STORY_WINDOW + 1 rows per story; the ``stories`` row is updated in place
    # (count, dates, outlets, original), never recounted over all members.
    # Every item keeps its ``fingerprints`` row, so a rebuild can refile it.

    def _file_in_story(self, outcome: Outcome, article: Article) -> None:
        """A new item joins the story of its earliest near-copy or starts one; an edited item keeps its story."""
        cfg = self.stories_config
        doc = stories.doc_for(article, outcome.item_id, shingle_words=cfg.shingle_words)
        keys = stories.index_keys(doc, max_distance=cfg.max_distance)
        story_id = None
        if outcome.kind == "updated":
            row = self.db.execute("SELECT story_id FROM items WHERE id = ?", [doc.item_id]).fetchone()
            story_id = row[0] if row else None
        if story_id is None:
            self._file_new(doc, keys)
        else:
            self._refile_edited(doc, keys, story_id)

    def _file_new(self, doc: stories.StoryDoc, keys: Sequence[tuple[int, int]]) -> None:
        self._put_fingerprint(doc)
        story_id = self._story_for(doc, keys)
        self._put_bands(doc.item_id, keys)
        self._join_story(doc.item_id, story_id)

    def _refile_edited(self, doc: stories.StoryDoc, keys: Sequence[tuple[int, int]], story_id: str) -> None:
        """New text, same story: a representative's keys follow its text; the original may change."""
        self._put_fingerprint(doc)
        if self.db.execute("SELECT 1 FROM bands WHERE item_id = ? LIMIT 1", [doc.item_id]).fetchone():
            self.db.execute("DELETE FROM bands WHERE item_id = ?", [doc.item_id])
            self._put_bands(doc.item_id, keys)
        original = self.db.execute("SELECT original_item_id FROM stories WHERE id = ?", [story_id]).fetchone()[0]
        if original != doc.item_id:
            self._maybe_original(story_id, doc.item_id, original)
            return
        # The original was edited: its title shows; a later date may hand the role to another member
        # (a whole-story search, but only on this rare path).
        best = self.db.execute(
            "SELECT id FROM items WHERE story_id = ? ORDER BY published IS NULL, published, seq LIMIT 1", [story_id]
        ).fetchone()[0]
        self._set_original(story_id, best)
        if best != doc.item_id:
            self._drop_stale_bands(story_id, doc.item_id)

    def _put_fingerprint(self, doc: stories.StoryDoc) -> None:
        self.db.execute(
            "INSERT INTO fingerprints (item_id, simhash, words, sketch) VALUES (?, ?, ?, ?) ON CONFLICT(item_id)"
            " DO UPDATE SET simhash = excluded.simhash, words = excluded.words, sketch = excluded.sketch",
            [doc.item_id, doc.fingerprint, doc.words, doc.sketch],
        )

    def _put_bands(self, item_id: str, keys: Sequence[tuple[int, int]]) -> None:
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO bands (band, bucket, item_id) VALUES (?, ?, ?)",
            [(band, bucket, item_id) for band, bucket in keys],
        )

    def _story_for(self, doc: stories.StoryDoc, keys: Sequence[tuple[int, int]]) -> str:
        """The story of the earliest stored near-copy of ``doc``, else a new story named after it."""
        k = self.stories_config.max_distance
        found = self._story_candidates(doc, keys)
        matches = [c for c in found if stories.is_same_story(doc, c, max_distance=k)]
        first = stories.earliest(matches)
        return found[first] if first is not None else doc.item_id

    def _story_candidates(self, doc: stories.StoryDoc, keys: Sequence[tuple[int, int]]) -> dict[stories.StoryDoc, str]:
        """Story representatives sharing a band key with ``doc`` and within LOOSE_DISTANCE, in storage order -> story."""
        values = ", ".join("(?, ?)" for _ in keys)
        probe = (
            f"SELECT DISTINCT b.item_id, f.simhash FROM (VALUES {values}) AS k"
            " JOIN bands b ON b.band = k.column1 AND b.bucket = k.column2"
            " JOIN fingerprints f ON f.item_id = b.item_id"
        )
        rows = self.db.execute(probe, [v for key in keys for v in key]).fetchall()
        near = [item for item, fp in rows
                if item != doc.item_id and stories.hamming(fp, doc.fingerprint) <= stories.LOOSE_DISTANCE]
        if not near:
            return {}
        sql = (
            "SELECT f.item_id, f.simhash, f.words, f.sketch, i.language, i.published, i.story_id"
            " FROM fingerprints f JOIN items i ON i.id = f.item_id"
            f" WHERE f.item_id IN ({', '.join('?' * len(near))}) AND i.story_id IS NOT NULL ORDER BY i.seq"
        )
        return {
            stories.StoryDoc(item_id=item, fingerprint=fp, words=words, sketch=sketch, language=language,
                             published=parse_iso(published)): story_id
            for item, fp, words, sketch, language, published, story_id in self.db.execute(sql, near).fetchall()
        }  # fmt: skip

    def _join_story(self, item_id: str, story_id: str) -> None:
        """File ``item_id`` (keys already in ``bands``) and update the story's row in place."""
        if story_id == item_id:  # a new story: its row first, items.story_id references it
            self.db.execute(
                "INSERT INTO stories (id, original_item_id, language, title, published, first_seen, last_added,"
                " items, outlets) SELECT id, id, language, title, published, first_seen, first_seen, 1,"
                " json_array(outlet) FROM items WHERE id = ?",
                [item_id],
            )
            self.db.execute("UPDATE items SET story_id = ? WHERE id = ?", [story_id, item_id])
            return
        self.db.execute("UPDATE items SET story_id = ? WHERE id = ?", [story_id, item_id])
        outlet, first_seen = self.db.execute("SELECT outlet, first_seen FROM items WHERE id = ?", [item_id]).fetchone()
        original, outlets = self.db.execute(
            "SELECT original_item_id, outlets FROM stories WHERE id = ?", [story_id]
        ).fetchone()
        names = json.loads(outlets or "[]")
        if outlet not in names:
            names = sorted([*names, outlet])
        self.db.execute(
            "UPDATE stories SET items = items + 1, first_seen = MIN(first_seen, :seen),"
            " last_added = MAX(COALESCE(last_added, :seen), :seen), outlets = :outlets WHERE id = :story",
            {"seen": first_seen, "outlets": json.dumps(names, separators=(",", ":")), "story": story_id},
        )
        if not self._maybe_original(story_id, item_id, original):
            self._drop_stale_bands(story_id, original)

    def _maybe_original(self, story_id: str, item_id: str, original: str) -> bool:
        """Make ``item_id`` the story's original if it was published earlier; True when it did."""
        rank = "SELECT published IS NULL, COALESCE(published, ''), seq FROM items WHERE id = ?"
        if tuple(self.db.execute(rank, [item_id]).fetchone()) >= tuple(self.db.execute(rank, [original]).fetchone()):
            return False
        self._set_original(story_id, item_id)
        self._drop_stale_bands(story_id, original)
        return True

    def _set_original(self, story_id: str, item_id: str) -> None:
        self.db.execute(
            "UPDATE stories SET (original_item_id, language, title, published) ="
            " (SELECT id, language, title, published FROM items WHERE id = :item) WHERE id = :story",
            {"item": item_id, "story": story_id},
        )
        if not self.db.execute("SELECT 1 FROM bands WHERE item_id = ? LIMIT 1", [item_id]).fetchone():
            # An original from outside the window: its keys come back from its fingerprint.
            simhash, sketch = self.db.execute(
                "SELECT simhash, sketch FROM fingerprints WHERE item_id = ?", [item_id]
            ).fetchone()
            k = self.stories_config.max_distance
            self._put_bands(item_id, stories.band_keys(simhash, max_distance=k) + stories.sketch_keys(sketch))

    def _drop_stale_bands(self, story_id: str, original: str) -> None:
        """Keep keys only for the original and the STORY_WINDOW newest members (a bounded walk of the index)."""
        window = self.db.execute(
            "SELECT id FROM items WHERE story_id = ? ORDER BY seq DESC LIMIT ?", [story_id, STORY_WINDOW + 1]
        ).fetchall()
        if len(window) <= STORY_WINDOW:
            stale = []
        else:
            stale = [window[-1][0]]  # the member that just left the window
        newest = {row[0] for row in window[:STORY_WINDOW]}
        current = self.db.execute("SELECT original_item_id FROM stories WHERE id = ?", [story_id]).fetchone()[0]
        if original != current and original not in newest:
            stale.append(original)  # a former original outside the window
        for item in stale:
            if item != current:
                self.db.execute("DELETE FROM bands WHERE item_id = ?", [item])

    def rebuild_stories(self, progress: Callable[[int], None] | None = None) -> StoryRebuild:
        """Recompute every fingerprint, band and story with the current thresholds, in storage order.

        Filing items in the order they were first stored gives what live saving
        would have given, so running it twice changes nothing. One transaction:
        readers see the old stories until it commits.
        """
        with self._write():
            before = dict(self.db.execute("SELECT id, story_id FROM items").fetchall())
            self.db.execute("UPDATE items SET story_id = NULL WHERE story_id IS NOT NULL")
            for table in ("bands", "fingerprints", "stories"):
                self.db.execute(f"DELETE FROM {table}")
            for row in self._rows_in_storage_order():
                doc = self._doc_for_row(row)
                self._file_new(doc, stories.index_keys(doc, max_distance=self.stories_config.max_distance))
                if progress is not None:
                    progress(1)
            after = dict(self.db.execute("SELECT id, story_id FROM items").fetchall())
        return StoryRebuild(
            items=len(after), stories=len(set(after.values())),
            changed=sum(before[item] != story for item, story in after.items()),
        )  # fmt: skip

    def _rows_in_storage_order(self, batch: int = 500) -> Iterator[dict[str, Any]]:
        """Fields a StoryDoc needs, by seq, in batches (never a cursor open across writes)."""
        last = -1
        sql = "SELECT id, seq, title, subtitle, body, language, published FROM items WHERE seq > ? ORDER BY seq LIMIT ?"
        while rows := list(self.db.query(sql, [last, batch])):
            yield from rows
            last = rows[-1]["seq"]

    def _doc_for_row(self, row: dict[str, Any]) -> stories.StoryDoc:
        return stories.doc_for_fields(
            row["id"], title=row["title"] or "", subtitle=row["subtitle"], paragraphs=(row["body"] or "").split("\n\n"),
            language=row["language"], published=parse_iso(row["published"]),
            shingle_words=self.stories_config.shingle_words,
        )  # fmt: skip

    def story_summary(self) -> StoryRebuild:
        """How many items and stories the store holds now."""
        items, filed = self.db.execute("SELECT COUNT(*), COUNT(story_id) FROM items").fetchone()
        count = self.db.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
        return StoryRebuild(items=items, stories=count, changed=0, unfiled=items - filed)

    def story_items(self, story_id: str) -> list[dict[str, Any]]:
        """A story's items, the original first, then by publication (outlet, url, first_seen ...)."""
        return list(self.db.query("SELECT * FROM story_items WHERE story_id = ? ORDER BY original DESC,"
                                  " published IS NULL, published, first_seen", [story_id]))

    @_locked
    def has_items(self, outlet: str) -> bool:
        return self.db.execute("SELECT 1 FROM items WHERE outlet = ? LIMIT 1", [outlet]).fetchone() is not None

    @_locked
    def count_items(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM items").fetchone()[0]

    # --- reading items -------------------------------------------------------

    @_locked
    def get_item(self, item_id: str) -> dict[str, Any]:
        """The item row; KeyError when there is none."""
        for row in self.db.query("SELECT * FROM items WHERE id = ?", [item_id]):
            return _decode(row)
        raise KeyError(item_id)

    @_locked
    def find_by_url(self, url: str) -> dict[str, Any] | None:
        """The item seen at ``url`` (any spelling of it, or its native id)."""
        keys = list(dict.fromkeys(k for k in (identity_key(url), canonical_url(url)) if k))
        item_id = identity.pick_item(self._match(keys), keys)
        return None if item_id is None else self.get_item(item_id)

    @_locked
    def is_known(self, url: str) -> bool:
        keys = [k for k in (identity_key(url), canonical_url(url)) if k]
        return bool(self._match(keys))

    @_locked
    def due_for_recheck(self, url: str, *, now: datetime, recheck_after: timedelta, recheck_window: timedelta) -> bool:
        """Fetch ``url``? Always when unknown; a stored item only to catch edits while young."""
        item = self.find_by_url(url)
        if item is None:
            return True
        fetched = parse_iso(item["fetched_at"] or item["last_seen"])
        born = parse_iso(item["published"] or item["first_seen"])
        assert fetched is not None and born is not None  # NOT NULL columns
        return now - fetched >= recheck_after and now - born < recheck_window

    def items(self, where: str | None = None, params: Sequence[Any] = (), order_by: str = "seq") -> Iterator[dict]:
        """Item rows, e.g. ``items("outlet = ? AND relevant = 1", ["rhc-en"])``."""
        sql = "SELECT * FROM items" + (f" WHERE {where}" if where else "") + f" ORDER BY {order_by}"
        return (_decode(row) for row in self.db.query(sql, list(params)))

    def export_rows(self, relevant_only: bool = True, since: datetime | None = None) -> Iterator[dict]:
        """Items in export order (``seq``): new since ``since`` or edited since then."""
        clauses, params = (["relevant = 1"] if relevant_only else []), []
        if since is not None:
            clauses.append(
                "(first_seen >= ? OR EXISTS (SELECT 1 FROM versions v WHERE v.item_id = items.id"
                " AND v.replaced_at >= ?))"
            )
            params += [iso(since)] * 2
        return self.items(" AND ".join(clauses) or None, params, order_by="seq")

    @_locked
    def raw_page(self, item_id: str) -> tuple[str, bytes, str | None] | None:
        """The last fetched HTML of an item, to re-run extraction without refetching."""
        row = self.db.execute("SELECT url, html, encoding FROM raw_pages WHERE item_id = ?", [item_id]).fetchone()
        return None if row is None else (row[0], zlib.decompress(row[1]), row[2])

    @_locked
    def counts_by_outlet(self) -> dict[str, dict[str, int]]:
        sql = "SELECT outlet, COUNT(*), COALESCE(SUM(relevant), 0) FROM items GROUP BY outlet"
        return {outlet: {"items": n, "relevant": rel} for outlet, n, rel in self.db.execute(sql).fetchall()}

    # --- runs ----------------------------------------------------------------
    # A run's row is written when it starts ('running', with the pid) and finished as
    # ok / failing / interrupted, so a killed run still shows (monitor.status tells a
    # 'running' row whose process is gone from one still going).

    def record_run(self, run: OutletRun) -> int:
        """Record a whole run at once (a run that was never begun, e.g. imported history)."""
        row = _run_columns(run)
        sql = f"INSERT INTO runs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})"
        with self._write():
            run_id = self.db.execute(sql, list(row.values())).lastrowid
            assert run_id is not None
            self._put_failures(run_id, run.outlet, run.failures, run.finished)
        return run_id

    def begin_run(self, outlet: str, *, started: datetime, catch_up: bool, pid: int) -> int:
        """A 'running' row for a run starting now. Older 'running' rows of the outlet were
        left by a process that died: one outlet's runs never overlap (monitor.lock)."""
        with self._write():
            self.db.execute(
                "UPDATE runs SET status = 'interrupted', error = COALESCE(error, 'interrupted (process gone)')"
                " WHERE outlet = ? AND status = 'running'", [outlet])
            run_id = self.db.execute(
                "INSERT INTO runs (outlet, started, status, catch_up, pid) VALUES (?, ?, 'running', ?, ?)",
                [outlet, iso(started), int(catch_up), pid]).lastrowid
        assert run_id is not None
        return run_id

    def finish_run(self, run_id: int, run: OutletRun, *, unsaved: Sequence[Failure] = ()) -> None:
        """Write a begun run's outcome, and its failures not yet added, in one transaction."""
        row = _run_columns(run)
        sets = ", ".join(f"{name} = ?" for name in row)
        with self._write():
            self.db.execute(f"UPDATE runs SET {sets} WHERE id = ?", [*row.values(), run_id])
            self._put_failures(run_id, run.outlet, unsaved, run.finished)

    def add_failures(self, run_id: int, outlet: str, failures: Sequence[Failure], *, at: datetime) -> None:
        """File failures while the run goes on, so a run killed later still shows what failed."""
        if failures:
            with self._write():
                self._put_failures(run_id, outlet, failures, at)

    def abandon_runs(self, pid: int, *, now: datetime, why: str) -> int:
        """Mark this process's unfinished runs interrupted (a stop that could not wait for them)."""
        with self._write():
            return self.db.execute(
                "UPDATE runs SET status = 'interrupted', finished = ?, error = ? WHERE pid = ? AND status = 'running'",
                [iso(now), why, pid]).rowcount

    def _put_failures(self, run_id: int, outlet: str, failures: Sequence[Failure], at: datetime) -> None:
        stamp = iso(at)
        self.db.conn.executemany(
            'INSERT INTO failures (run_id, outlet, at, url, "class", message, source) VALUES (?, ?, ?, ?, ?, ?, ?)',
            [(run_id, outlet, stamp, f.url, f.kind, f.message, f.source) for f in failures],
        )

    @_locked
    def runs(self, outlet: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Recent runs, newest first."""
        where, params = ("WHERE outlet = ?", [outlet]) if outlet else ("", [])
        sql = f"SELECT * FROM runs {where} ORDER BY id DESC LIMIT ?"
        return list(self.db.query(sql, [*params, limit]))

    @_locked
    def failures(self, outlet: str, limit: int = 20) -> list[dict[str, Any]]:
        """The outlet's latest failures, newest first."""
        sql = ('SELECT id, run_id, at, url, "class", message, source FROM failures WHERE outlet = ?'
               " ORDER BY id DESC LIMIT ?")
        return list(self.db.query(sql, [outlet, limit]))

    @_locked
    def failure_counts(self, run_id: int) -> list[dict[str, Any]]:
        """One run's failures by class: count and first URL, most frequent first."""
        sql = ('SELECT "class", COUNT(*) AS count, MIN(id) AS first_id FROM failures WHERE run_id = ?'
               ' GROUP BY "class" ORDER BY count DESC, "class"')
        rows = list(self.db.query(sql, [run_id]))
        for row in rows:
            row["first_url"] = self.db.execute("SELECT url FROM failures WHERE id = ?", [row.pop("first_id")]).fetchone()[0]
        return rows

    @_locked
    def last_completed_run(self) -> str | None:
        """When the newest run that got to its end (ok or failing) finished."""
        return self.db.execute("SELECT MAX(finished) FROM runs WHERE status IN ('ok', 'failing')").fetchone()[0]

    @_locked
    def outlet_status(self) -> list[dict[str, Any]]:
        """Per outlet: items, relevant, last run, last success, last error, failing streak."""
        counts = self.counts_by_outlet()
        outlets = {row[0] for row in self.db.execute("SELECT DISTINCT outlet FROM runs")}
        return [self._status_of(name, counts.get(name, {})) for name in sorted(outlets | set(counts))]

    def _status_of(self, outlet: str, counts: dict[str, int]) -> dict[str, Any]:
        newest = "SELECT id, finished, status, error, pid, started, degraded FROM runs WHERE outlet = ? {} ORDER BY id DESC LIMIT 1"
        last = self.db.execute(newest.format(""), [outlet]).fetchone()
        ok = self.db.execute(newest.format("AND status = 'ok'"), [outlet]).fetchone()
        failed = self.db.execute(newest.format("AND status = 'failing'"), [outlet]).fetchone()
        streak_sql = "SELECT COUNT(*) FROM runs WHERE outlet = ? AND id > ? AND status = 'failing'"
        streak = self.db.execute(streak_sql, [outlet, ok[0] if ok else 0]).fetchone()[0]
        return {
            "outlet": outlet,
            "items": counts.get("items", 0),
            "relevant": counts.get("relevant", 0),
            "last_run": (last[1] or last[5]) if last else None,
            "last_status": last[2] if last else None,
            "last_run_error": last[3] if last else None,
            "last_run_pid": last[4] if last else None,
            "last_success": ok[1] if ok else None,
            "last_error": failed[3] if failed else None,
            "last_error_at": failed[1] if failed else None,
            "failing_streak": streak,
            "degraded": last[6] if last else None,
        }

    # --- the daemon's heartbeat (monitor.schedule, status --max-age) ------------

    def daemon_beat(self, pid: int, *, now: datetime, started: datetime | None = None, cycle: bool = False) -> None:
        """The daemon is alive (and, with ``cycle``, has just completed an outlet's run)."""
        sql = (
            "INSERT INTO daemons (pid, started, heartbeat, last_cycle) VALUES (?, ?, ?, ?) ON CONFLICT(pid)"
            " DO UPDATE SET heartbeat = excluded.heartbeat, last_cycle = COALESCE(excluded.last_cycle, last_cycle)"
        )
        with self._write():
            self.db.execute(sql, [pid, iso(started or now), iso(now), iso(now) if cycle else None])

    def daemon_gone(self, pid: int) -> None:
        """A daemon stopping cleanly withdraws its heartbeat (a killed one leaves it to go stale)."""
        with self._write():
            self.db.execute("DELETE FROM daemons WHERE pid = ?", [pid])

    @_locked
    def daemons(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM daemons ORDER BY heartbeat DESC"))

    # --- digests (monitor.digest) ---------------------------------------------

    def max_seq(self) -> int:
        """The newest item's ``seq``; -1 for an empty store. Digests stop here."""
        return self.db.execute("SELECT COALESCE(MAX(seq), -1) FROM items").fetchone()[0]

    def digest_items(
        self, *, after_seq: int, upto_seq: int, since: datetime | None = None, band: str = "relevant"
    ) -> list[dict[str, Any]]:
        """Items of a relevance band with ``after_seq < seq <= upto_seq`` (first seen on or after ``since``).

        ``seq`` is assigned inside the write transaction, so unlike a timestamp it
        cannot let an item committed late slip behind a digest's watermark.
        """
        where = "band = ? AND seq > ? AND seq <= ?"
        params: list[Any] = [band, after_seq, upto_seq]
        if since is not None:
            where += " AND first_seen >= ?"
            params.append(iso(since))
        return list(self.items(where, params, order_by="COALESCE(published, first_seen) DESC, seq DESC"))

    def urls_by_item(self, item_ids: Sequence[str]) -> dict[str, list[str]]:
        """Every URL each item was seen at, oldest sighting first."""
        found: dict[str, list[str]] = {item_id: [] for item_id in item_ids}
        marks = ", ".join("?" * len(item_ids))
        sql = f"SELECT item_id, url FROM item_urls WHERE item_id IN ({marks}) ORDER BY first_seen, url"
        for item_id, url in self.db.execute(sql, list(item_ids)).fetchall():
            found[item_id].append(url)
        return found

    def last_digest(self) -> dict[str, Any] | None:
        """The newest reviewed digest, or None before the first."""
        return next(iter(self.db.query("SELECT * FROM digests ORDER BY id DESC LIMIT 1")), None)

    def record_digest(
        self, *, created: datetime, since: datetime | None, until: datetime, last_seq: int, items: int, format: str
    ) -> int:
        row = {"created": iso(created), "since": iso(since), "until": iso(until), "last_seq": last_seq}
        row |= {"items": items, "format": format}
        sql = f"INSERT INTO digests ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})"
        with self._write():
            digest_id = self.db.execute(sql, list(row.values())).lastrowid
        assert digest_id is not None
        return digest_id

    def outlet_activity(self) -> dict[str, dict[str, str | None]]:
        """Per outlet: when its newest item was first seen and when it was first polled."""
        newest = dict(self.db.execute("SELECT outlet, MAX(first_seen) FROM items GROUP BY outlet").fetchall())
        polled = dict(self.db.execute("SELECT outlet, MIN(started) FROM runs GROUP BY outlet").fetchall())
        return {
            outlet: {"last_new": newest.get(outlet), "first_run": polled.get(outlet)}
            for outlet in sorted(set(newest) | set(polled))
        }

    # --- language editions (monitor.editions) ---------------------------------

    def _link_edition(self, item_id: str, article: Article) -> None:
        """Link a new item to its other-language edition, if one is stored (never merged: two items)."""
        if not article.language:
            return
        family = editions.family_of(article.outlet)
        doc = editions.EditionDoc(
            item_id=item_id, outlet=article.outlet, language=article.language, url=article.url,
            published=article.published or article.fetched_at, title=article.title, body="\n\n".join(article.body),
            topics=_topics(article.relevance.hits if article.relevance and article.relevance.relevant else ()),
        )
        moment = doc.published
        if moment is None:
            return
        window = [iso(moment - editions.WINDOW), iso(moment + editions.WINDOW)]
        # Index range scans over (outlet, language, published|first_seen): only the outlet family's
        # other-language items near this date are read, however large the store or a story grows.
        others = json.dumps([lang for lang in editions.LANGUAGES if lang != article.language])
        rows = self.db.execute(
            "SELECT i.id, i.outlet, i.language, i.url, COALESCE(i.published, i.first_seen), i.title,"
            " i.body, i.relevant, i.hits, e.edition_id FROM items i LEFT JOIN editions e ON e.item_id = i.id"
            " WHERE i.id IN (SELECT id FROM items WHERE outlet IN (?3, ?4, ?5)"
            " AND language IN (SELECT value FROM json_each(?6)) AND published BETWEEN ?1 AND ?2"
            " UNION ALL SELECT id FROM items WHERE outlet IN (?3, ?4, ?5)"
            " AND language IN (SELECT value FROM json_each(?6)) AND first_seen BETWEEN ?1 AND ?2"
            " AND published IS NULL) AND i.id != ?7",
            [*window, family, f"{family}-en", f"{family}-es", others, item_id],
        ).fetchall()
        taken = self._languages_by_edition([r[9] for r in rows if r[9]])
        candidates = [
            editions.EditionDoc(item_id=r[0], outlet=r[1], language=r[2], url=r[3], published=parse_iso(r[4]),
                                title=r[5] or "", body=r[6] or "",
                                topics=_topics(json.loads(r[8] or "[]") if r[7] else ()))
            for r in rows if not (r[9] and article.language in taken.get(r[9], set()))
        ]  # fmt: skip
        best = editions.best_edition(doc, candidates)
        if best is None:
            return
        other, match = best
        edition_id = next((r[9] for r in rows if r[0] == other.item_id and r[9]), None) or other.item_id
        sql = ("INSERT INTO editions (item_id, edition_id, language, score, reasons, linked) VALUES (?, ?, ?, ?, ?, ?)"
               " ON CONFLICT(item_id) DO NOTHING")
        stamp = iso(article.fetched_at) or iso(moment) or ""
        self.db.execute(sql, [other.item_id, edition_id, other.language, None, None, stamp])
        self.db.execute(sql, [item_id, edition_id, article.language, match.score,
                              json.dumps(match.reasons), stamp])

    def _languages_by_edition(self, edition_ids: Sequence[str]) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        if edition_ids:
            marks = ", ".join("?" * len(edition_ids))
            sql = f"SELECT edition_id, language FROM editions WHERE edition_id IN ({marks})"
            for edition_id, language in self.db.execute(sql, list(edition_ids)).fetchall():
                found.setdefault(edition_id, set()).add(language)
        return found

    @_locked
    def editions_of(self, item_ids: Sequence[str]) -> dict[str, str]:
        """item id -> edition id, for the items that have another-language edition."""
        if not item_ids:
            return {}
        marks = ", ".join("?" * len(item_ids))
        sql = f"SELECT item_id, edition_id FROM editions WHERE item_id IN ({marks})"
        return dict(self.db.execute(sql, list(item_ids)).fetchall())

    @_locked
    def edition_items(self, edition_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Every item of these editions (any language), with its edition id."""
        if not edition_ids:
            return []
        marks = ", ".join("?" * len(edition_ids))
        sql = (f"SELECT e.edition_id, i.* FROM editions e JOIN items i ON i.id = e.item_id"
               f" WHERE e.edition_id IN ({marks}) ORDER BY i.seq")
        return [_decode(row) for row in self.db.query(sql, list(edition_ids))]

    # --- archive walks (monitor.backfill) -------------------------------------

    @_locked
    def backfill_step(self, outlet: str, url: str) -> dict[str, Any] | None:
        """The recorded archive page (its status and the links it listed), or None if never walked."""
        row = next(iter(self.db.query("SELECT * FROM backfill_steps WHERE outlet = ? AND url = ?", [outlet, url])), None)
        if row is not None:
            row["found"] = json.loads(row["found"] or "[]")
        return row

    def list_backfill_step(self, *, outlet: str, source: str, url: str, month: str | None, found: list[Any],
                           oldest: str | None, now: datetime) -> None:
        """Keep what an archive page listed before its articles are fetched: the resume point."""
        sql = (
            "INSERT INTO backfill_steps (outlet, source, url, month, status, found, links, oldest, updated)"
            " VALUES (?, ?, ?, ?, 'listed', ?, ?, ?, ?) ON CONFLICT(outlet, url) DO UPDATE SET status = 'listed',"
            " found = excluded.found, links = excluded.links, oldest = excluded.oldest, error = NULL,"
            " updated = excluded.updated"
        )
        with self._write():
            self.db.execute(sql, [outlet, source, url, month, json.dumps(found, ensure_ascii=False), len(found), oldest,
                                  iso(now)])

    def finish_backfill_step(self, *, outlet: str, source: str, url: str, month: str | None, status: str,
                             new: int = 0, failed: int = 0, error: str | None = None,
                             months: dict[str, int] | None = None, now: datetime) -> None:
        """Mark an archive page done (or failed) and add what it showed to each month's coverage.

        ``months`` maps YYYY-MM to the article links the page listed for that month (0 for a
        month it covered and found empty); a failed page counts a failure against ``month``.
        """
        stamp = iso(now)
        step_sql = (
            "INSERT INTO backfill_steps (outlet, source, url, month, status, new, failed, error, updated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(outlet, url) DO UPDATE SET status = excluded.status,"
            " new = excluded.new, failed = excluded.failed, error = excluded.error, updated = excluded.updated"
        )
        month_sql = (
            "INSERT INTO backfill_months (outlet, month, walked, links, failures, updated) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(outlet, month) DO UPDATE SET walked = MAX(walked, excluded.walked),"
            " links = links + excluded.links, failures = failures + excluded.failures, updated = excluded.updated"
        )
        with self._write():
            self.db.execute(step_sql, [outlet, source, url, month, status, new, failed, error, stamp])
            for name, links in (months or {}).items():
                self.db.execute(month_sql, [outlet, name, 1, links, 0, stamp])
            if status == "failed" and month is not None:
                self.db.execute(month_sql, [outlet, month, 0, 0, 1, stamp])

    @_locked
    def backfill_months(self, outlets: Sequence[str] = ()) -> list[dict[str, Any]]:
        """Month coverage rows (outlet, month, walked, links, failures)."""
        where = f"WHERE outlet IN ({', '.join('?' * len(outlets))})" if outlets else ""
        return list(self.db.query(f"SELECT * FROM backfill_months {where} ORDER BY outlet, month", list(outlets)))

    @_locked
    def timeline(self, since: str) -> list[dict[str, Any]]:
        """Relevant items per outlet and month since YYYY-MM, gaps marked: the ``timeline`` canned query.

        The SQL is read from the Datasette metadata, so ``monitor report`` and Datasette show one series.
        """
        metadata = Path(__file__).with_name("datasette") / "metadata.json"  # what monitor serve gives Datasette
        sql = json.loads(metadata.read_text(encoding="utf-8"))["databases"]["monitor"]["queries"]["timeline"]["sql"]
        return list(self.db.query(sql, {"since": since}))

    @_locked
    def published_month(self, url: str) -> str | None:
        """YYYY-MM the stored item at ``url`` was published (else first seen), or None."""
        item = self.find_by_url(url)
        stamp = (item.get("published") or item.get("first_seen")) if item else None
        return stamp[:7] if stamp else None

    # --- the daemon's schedule (monitor.schedule) ------------------------------

    def set_next_run(self, outlet: str, next_run: datetime | None, *, interval: float | None,
                     catch_up: bool, pid: int, now: datetime) -> None:
        """Publish when the daemon will next poll ``outlet`` (None: not scheduled)."""
        sql = (
            "INSERT INTO schedule (outlet, next_run, interval, catch_up, pid, updated) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(outlet) DO UPDATE SET next_run = excluded.next_run, interval = excluded.interval,"
            " catch_up = excluded.catch_up, pid = excluded.pid, updated = excluded.updated"
        )
        with self._write():
            self.db.execute(sql, [outlet, iso(next_run), interval, int(catch_up), pid, iso(now)])

    def clear_schedule(self, pid: int) -> None:
        """A daemon stopping cleanly withdraws its next runs (a killed one leaves them, overdue)."""
        with self._write():
            self.db.execute("DELETE FROM schedule WHERE pid = ?", [pid])

    def next_runs(self) -> dict[str, dict[str, Any]]:
        """outlet -> {next_run, interval, catch_up, pid, updated}, as the daemon last wrote it."""
        with self._lock:  # the daemon's job threads write through this connection
            rows = list(self.db.query("SELECT * FROM schedule WHERE next_run IS NOT NULL"))
        return {row.pop("outlet"): row for row in rows}


@dataclass(frozen=True, slots=True, kw_only=True)
class StoryRebuild:
    """What ``monitor stories`` reports: items, the stories they form, and what moved."""

    items: int
    stories: int
    changed: int  # items whose story changed in a rebuild
    unfiled: int = 0  # items without a story (none after a rebuild)

    @property
    def merged(self) -> int:
        """Items filed under an earlier item's story."""
        return self.items - self.unfiled - self.stories


class HttpCache:
    """HTTP validators per URL (``monitor.fetch.ValidatorCache`` on the store)."""

    _COLUMNS = ("etag", "last_modified", "body_hash", "checked_at", "unconditional_at")

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, url: str) -> Validators | None:
        from monitor.fetch import (
            Validators,  # fetch imports nothing from here; keep it that way
        )

        sql = f"SELECT {', '.join(self._COLUMNS)} FROM http_cache WHERE url = ?"
        with self._store._lock:  # the fetcher calls from several threads
            row = self._store.db.execute(sql, [url]).fetchone()
        if row is None:
            return None
        values = dict(zip(self._COLUMNS, row))
        for name in ("checked_at", "unconditional_at"):
            values[name] = parse_iso(values[name])
        return Validators(**values)

    def put(self, url: str, validators: Validators) -> None:
        """Always overwrite: stale validators are how readers miss edits (FIELD_NOTES 7)."""
        values = [getattr(validators, name) for name in self._COLUMNS]
        values = [iso(v) if isinstance(v, datetime) else v for v in values]
        updates = ", ".join(f"{name} = excluded.{name}" for name in self._COLUMNS)
        sql = (
            f"INSERT INTO http_cache (url, {', '.join(self._COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)"
            f" ON CONFLICT(url) DO UPDATE SET {updates}"
        )
        with self._store._write():
            self._store.db.execute(sql, [url, *values])


class RobotsTxt:
    """Each host's last robots.txt (``monitor.fetch.RobotsStore`` on the store, table ``robots_txt``)."""

    _COLUMNS = ("status", "body", "etag", "last_modified", "checked_at", "expires")

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, host: str) -> StoredRobots | None:
        from monitor.fetch import StoredRobots

        sql = f"SELECT {', '.join(self._COLUMNS)} FROM robots_txt WHERE host = ?"
        with self._store._lock:
            row = self._store.db.execute(sql, [host]).fetchone()
        if row is None:
            return None
        values = dict(zip(self._COLUMNS, row))
        checked, expires = parse_iso(values.pop("checked_at")), parse_iso(values.pop("expires"))
        assert checked is not None and expires is not None  # NOT NULL columns
        return StoredRobots(**values, checked_at=checked, expires=expires)

    def put(self, host: str, robots: StoredRobots) -> None:
        values = [getattr(robots, name) for name in self._COLUMNS]
        values = [iso(v) if isinstance(v, datetime) else v for v in values]
        updates = ", ".join(f"{name} = excluded.{name}" for name in self._COLUMNS)
        sql = (
            f"INSERT INTO robots_txt (host, {', '.join(self._COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)"
            f" ON CONFLICT(host) DO UPDATE SET {updates}"
        )
        with self._store._write():
            self._store.db.execute(sql, [host, *values])


# --- row helpers -------------------------------------------------------------


def _topics(hits: Any) -> frozenset[str]:
    """Rule families of an item's hits (Hit records or the stored JSON dicts)."""
    return frozenset(h["family"] if isinstance(h, dict) else h.family for h in hits)


_ENVIRONMENT_FAULTS = ("file is not a database", "malformed", "corrupt", "readonly", "unable to open",
                       "disk I/O", "database or disk is full")


def environment_fault(error: sqlite3.DatabaseError) -> bool:
    """The file or the disk is at fault, not a query (a bug) or a lock held too long."""
    return any(text in str(error) for text in _ENVIRONMENT_FAULTS)


def unusable(path: Path, error: sqlite3.DatabaseError) -> StoreUnusable:
    """SQLite's complaint about ``path`` as one line: what is wrong and what to do."""
    text = str(error)
    if "file is not a database" in text:
        return StoreUnusable(f"{path}: not an SQLite database — check that --db / MONITOR_DB names the "
                             "monitor store, or restore the store from a backup")
    if "malformed" in text or "corrupt" in text:
        return StoreUnusable(f"{path}: the store is corrupt ({text}) — check it with "
                             f"`sqlite3 {path} 'PRAGMA integrity_check'` and restore it from a backup")
    if any(fault in text for fault in ("readonly", "unable to open", "disk I/O", "full")):
        return StoreUnusable(f"{path}: cannot open the store for writing ({text}) — check that the path is "
                             "a file in an existing folder, that this user may write to both, and the free space")
    return StoreUnusable(f"{path}: the store cannot be used ({text}) — check the path, or restore it from a backup")


def _title_key(title: str) -> str:
    return " ".join(fold_chars(title).split())


def _waiting_key(article: Article) -> str:
    """The ``item_keys`` key of a page dump waiting for its URL: outlet and folded title."""
    return f"waiting:{article.outlet}:{_title_key(article.title)}"


def _article_columns(article: Article, stamp: str, *, url_unknown: bool = False) -> dict[str, Any]:
    """The columns an article writes, and rewrites when the outlet edits it."""
    return {
        "language": article.language,
        "title": article.title,
        "subtitle": article.subtitle,
        "author": article.author,  # the readable line, for Datasette
        "authors": json.dumps(list(article.authors), ensure_ascii=False),
        "caption": article.caption,
        "section": article.section,
        "published": iso(article.published),
        "published_raw": article.published_raw,
        "modified": iso(article.modified),
        "modified_raw": article.modified_raw,
        "body": "\n\n".join(article.body),
        "tags": json.dumps(list(article.tags), ensure_ascii=False),
        "text": seedformat.render(article, url_unknown=url_unknown),
        "content_hash": identity.content_hash(article),
        "fetched_at": iso(article.fetched_at) or stamp,
    }


def _run_columns(run: OutletRun) -> dict[str, Any]:
    row = {name: getattr(run, name) for name in (
        "outlet", "status", "seen", "new", "updated", "relevant", "failed", "not_modified", "error", "degraded")}
    return row | {"started": iso(run.started), "finished": iso(run.finished), "feed_all_new": int(run.feed_all_new),
                  "catch_up": int(run.catch_up)}


def _relevance_columns(relevance: Relevance | None) -> dict[str, Any]:
    if relevance is None:
        return {"relevant": 0, "band": "not", "score": 0.0, "rules": "[]", "hits": "[]", "reasons": "[]"}
    hits = [asdict(hit) for hit in relevance.hits]
    return {
        "relevant": int(relevance.relevant),
        "band": relevance.band,
        "score": float(relevance.score),
        "rules": json.dumps(list(relevance.rules), ensure_ascii=False),
        "hits": json.dumps(hits, ensure_ascii=False),
        "reasons": json.dumps(list(relevance.reasons), ensure_ascii=False),
    }


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for name in JSON_COLUMNS:
        if isinstance(row.get(name), str):
            row[name] = json.loads(row[name])
    return row


# --- backups -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    items: int
    size: int  # bytes
    integrity: str  # PRAGMA integrity_check of the copy: "ok"


def backup(source: Path, target: Path) -> Backup:
    """A consistent copy of the store at ``source`` in ``target``, safe while a poll or the daemon writes.

    ``VACUUM INTO`` reads one snapshot (a WAL read transaction: writers go on, the copy holds
    every item committed before it began and nothing half-written) into a compact file without
    a WAL. It is written beside ``target`` and renamed over it only after its integrity check
    passes, so a failed or killed backup never leaves a broken file in place. The store is not
    migrated: a backup taken before an upgrade is the old store as it was.
    """
    if not source.is_file():
        raise NoStore(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    conn = sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)  # only reads: VACUUM INTO writes the copy alone
    try:
        conn.execute("VACUUM INTO ?", [str(partial)])
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"{source}: backup to {target} failed: {exc}") from exc
    finally:
        conn.close()
    copy = sqlite3.connect(partial)
    try:
        integrity = copy.execute("PRAGMA integrity_check").fetchone()[0]
        has_items = copy.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'items'").fetchone()
        items = copy.execute("SELECT COUNT(*) FROM items").fetchone()[0] if has_items else 0
    finally:
        copy.close()
    if integrity != "ok":
        partial.unlink(missing_ok=True)
        raise StoreError(f"{source}: the backup copy failed its integrity check ({integrity}); {target} left as it was")
    partial.replace(target)
    return Backup(path=target, items=items, size=target.stat().st_size, integrity=integrity)
