"""The SQLite store: the only package that writes SQL, one ``Store`` face over its parts.

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

import logging
import sqlite3
import threading
from pathlib import Path

from sqlite_utils import Database

from monitor.config import StoriesConfig
from monitor.errors import NoStore, StoreUnusable
from monitor.migrations import MIGRATIONS, migration_names

from .backfill import BackfillPart
from .backup import backup
from .base import BUSY_TIMEOUT_S, environment_fault, unusable
from .digests import DigestsPart
from .http_cache import HttpCache, RobotsTxt
from .items import REPROCESS
from .rows import (
    BackfillMonthRow,
    BackfillStepRow,
    DaemonRow,
    DigestRow,
    EditionItemRow,
    FailureCountRow,
    FailureRow,
    ItemRow,
    LabelledRow,
    OutletActivity,
    OutletStatusRow,
    RunRow,
    ScheduleRow,
    StoryItemRow,
    TimelineRow,
)
from .runs import RunsPart
from .stories import STORY_WINDOW, StoryRebuild

__all__ = [
    "BUSY_TIMEOUT_S", "BackfillMonthRow", "BackfillStepRow", "DaemonRow", "DigestRow", "EditionItemRow", "FailureCountRow", "FailureRow", "HttpCache", "ItemRow",
    "LabelledRow", "OutletActivity", "OutletStatusRow", "REPROCESS", "RunRow", "STORY_WINDOW", "ScheduleRow",
    "Store", "StoryItemRow", "StoryRebuild", "TimelineRow", "backup", "environment_fault", "unusable",
]

log = logging.getLogger(__name__)


class Store(RunsPart, DigestsPart, BackfillPart):
    """Items, their URLs and versions, stories, runs, digests and the HTTP cache in one SQLite file.

    One face over the parts, one per domain: items and identity, with a user's labels
    (:mod:`.items`); stories (:mod:`.stories`) and language editions (:mod:`.editions`);
    runs, failures and the daemon's heartbeat and schedule (:mod:`.runs`); archive walks
    (:mod:`.backfill`); digests (:mod:`.digests`); the HTTP cache and robots.txt
    (:mod:`.http_cache`). They share the connection, its lock and the write transaction
    (:mod:`.base`); :func:`backup` copies the file (:mod:`.backup`).
    """

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
            if "m011_backfill" in pending and self.db.execute("SELECT 1 FROM items LIMIT 1").fetchone():
                self.rebuild_editions()  # and items stored before editions existed get their links
        if pending:
            log.info("store %s migrated: %s", self.path, ", ".join(pending))

    @property
    def schema_version(self) -> int:
        """How many migrations this database has had (``migrations.migration_names()``)."""
        return len(MIGRATIONS.applied(self.db))
