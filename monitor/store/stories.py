"""Stories in the store: filing each new item with its earliest near-copy, and refiling them all.

The decisions (fingerprints, lookup keys, "same story?") are :mod:`monitor.stories`;
this part keeps ``fingerprints``, ``bands`` and ``stories`` up to date with them,
inside the save's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from monitor import stories
from monitor.models import Article, Outcome, parse_iso

from .base import Base, locked
from .rows import StoryItemRow

STORY_WINDOW = 8  # newest members of a story, besides its original, whose keys a new copy is probed against


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


class StoriesPart(Base):
    """Files items in stories: ``fingerprints``, ``bands`` and ``stories``."""

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

    def story_items(self, story_id: str) -> list[StoryItemRow]:
        """A story's items, the original first, then by publication (outlet, url, first_seen ...)."""
        rows = self.db.query("SELECT * FROM story_items WHERE story_id = ? ORDER BY original DESC,"
                             " published IS NULL, published, first_seen", [story_id])
        return [cast(StoryItemRow, row) for row in rows]

    @locked
    def has_items(self, outlet: str) -> bool:
        return self.db.execute("SELECT 1 FROM items WHERE outlet = ? LIMIT 1", [outlet]).fetchone() is not None
