"""The store's schema, as an ordered list of sqlite-utils migrations.

Never edit a migration that has shipped: add a new one, so a database written
by an older release opens and upgrades in place (``Store`` applies what is
pending on open). Column names are plain words for Datasette users;
timestamps are ISO-8601 UTC TEXT, lists are JSON TEXT.

    items ──< item_urls      every URL an item was seen at (as published since m010)
      │  ──< item_keys       every dedupe key (native ids and canonical URLs)
      │  ──< versions        earlier texts, when the outlet edits
      │  ──  raw_pages       the last fetched HTML, zlib-compressed
      └── items_fts          full-text search over title and body
    runs, http_cache         per-outlet run log; HTTP validators per URL
    digests                  every reviewed digest: up to which item (seq) it went
    stories ──< items        items.story_id: copies of one text are one story (m005)
    fingerprints, bands      each item's SimHash + MinHash sketch; lookup keys of a story's
                             original and newest members (m009 bounds them)
    items.authors            the authors as a JSON list; runs.degraded: hints that failed (m006)
    backfill_steps           every archive page ``monitor backfill`` listed or walked: its resume cursor (m011)
    backfill_months          per outlet and month: was the archive walked, how many links, did it fail
    editions ──  items       language editions (EN/ES) of one story, linked, never merged (m011)
    labels                   a user's own verdict on an item (monitor label), against the rules (m007)
    runs ──< failures        every URL a run could not use: class and message (m008)
    daemons                  the running `monitor run`'s heartbeat, for `status --max-age`
    robots_txt               each host's robots.txt, its validators and expiry (m009)
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("monitor")

ITEM_COLUMNS: dict[str, type] = {
    "id": str,
    "seq": int,
    "outlet": str,
    "language": str,
    "url": str,
    "canonical_url": str,
    "title": str,
    "subtitle": str,
    "author": str,
    "caption": str,
    "section": str,
    "published": str,
    "published_raw": str,
    "modified": str,
    "modified_raw": str,
    "body": str,
    "tags": str,
    "text": str,
    "relevant": int,
    "score": float,
    "rules": str,
    "hits": str,
    "first_seen": str,
    "last_seen": str,
    "fetched_at": str,
    "content_hash": str,
    "version": int,
}

# Re-index search only when searchable text changes, not on every last_seen bump.
_FTS_UPDATE_TRIGGER = """
DROP TRIGGER IF EXISTS items_au;
CREATE TRIGGER items_au AFTER UPDATE OF title, body ON items BEGIN
  INSERT INTO items_fts (items_fts, rowid, title, body) VALUES('delete', old.rowid, old.title, old.body);
  INSERT INTO items_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body);
END;
"""

_RELEVANT_VIEW = """
SELECT id, seq, outlet, language, published, title, score, rules, url, first_seen, version
FROM items WHERE relevant = 1
"""


@MIGRATIONS(name="m001_initial")
def m001_initial(db: Database) -> None:
    """Items and the tables that find them again, runs and the HTTP cache."""
    _create_items(db)
    _create_item_children(db)
    _create_logs(db)


@MIGRATIONS(name="m002_search")
def m002_search(db: Database) -> None:
    """Accent-insensitive full-text search and the ``relevant_items`` view."""
    items = db.table("items")
    items.enable_fts(["title", "body"], create_triggers=True, tokenize="unicode61 remove_diacritics 2")
    db.executescript(_FTS_UPDATE_TRIGGER)
    db.create_view("relevant_items", _RELEVANT_VIEW.strip())


# Datasette browses these: no long text columns, and a ``month`` to facet by
# (published when the outlet printed a date, else when we first saw the item).
# ``rowid`` lets Datasette search a view through items_fts (metadata ``fts_pk``).
_OVERVIEW_COLUMNS = """
items.rowid AS rowid, id, seq, outlet, language, substr(COALESCE(published, first_seen), 1, 7) AS month,
published, title, relevant, score, rules, url, canonical_url, first_seen, last_seen, version
"""


@MIGRATIONS(name="m003_digests_and_views")
def m003_digests_and_views(db: Database) -> None:
    """The ``digests`` log (what was reviewed) and views with a month to facet by."""
    digests = {"id": int, "created": str, "since": str, "until": str, "last_seq": int, "items": int, "format": str}
    db.table("digests").create(digests, pk="id", not_null=["created", "until", "last_seq", "items", "format"])
    db.execute("DROP VIEW IF EXISTS relevant_items")
    db.create_view("relevant_items", f"SELECT {_OVERVIEW_COLUMNS.strip()} FROM items WHERE relevant = 1")
    db.create_view("items_overview", f"SELECT {_OVERVIEW_COLUMNS.strip()} FROM items")



@MIGRATIONS(name="m004_schedule")
def m004_schedule(db: Database) -> None:
    """Adaptive polling shows in ``runs``; the daemon's next run per outlet, for ``monitor status``."""
    db.table("runs").add_column("feed_all_new", int, not_null_default=0)
    db.table("runs").add_column("catch_up", int, not_null_default=0)
    schedule = {"outlet": str, "next_run": str, "interval": float, "catch_up": int, "pid": int, "updated": str}
    db.table("schedule").create(schedule, pk="outlet")

_STORY_ITEMS_VIEW = """
SELECT i.story_id, i.id AS item_id, i.id = s.original_item_id AS original, i.outlet, i.language,
  i.published, i.first_seen, i.title, i.url, i.relevant
FROM items i JOIN stories s ON s.id = i.story_id
"""


@MIGRATIONS(name="m005_stories")
def m005_stories(db: Database) -> None:
    """Stories: near-copies of one text across outlets (monitor.stories), and their lookup keys.

    ``stories.id`` is the id of the story's first stored item (it never
    changes); ``original_item_id`` its earliest-published item. The store
    fills these for items stored before this migration when it opens.
    """
    fk = [("item_id", "items", "id")]
    stories: dict[str, type] = {"id": str, "original_item_id": str, "language": str, "title": str, "published": str}
    stories |= {"first_seen": str, "last_added": str, "items": int, "outlets": str}
    db.table("stories").create(stories, pk="id", not_null=["original_item_id", "first_seen", "items"],
                               foreign_keys=[("original_item_id", "items", "id")])
    db.table("stories").create_index(["first_seen"])
    db.execute("ALTER TABLE items ADD COLUMN story_id TEXT REFERENCES stories(id)")
    db.table("items").create_index(["story_id"])
    fingerprints: dict[str, type] = {"item_id": str, "simhash": int, "words": int, "sketch": bytes}
    db.table("fingerprints").create(fingerprints, pk="item_id", not_null=["simhash", "words", "sketch"],
                                    foreign_keys=fk)
    # WITHOUT ROWID: the (band, bucket) lookup reads the primary key itself, no second index.
    db.execute(
        "CREATE TABLE bands (band INTEGER NOT NULL, bucket INTEGER NOT NULL,"
        " item_id TEXT NOT NULL REFERENCES items(id), PRIMARY KEY (band, bucket, item_id)) WITHOUT ROWID"
    )
    db.table("bands").create_index(["item_id"])
    db.create_view("story_items", _STORY_ITEMS_VIEW.strip())


_BAND_OVERVIEW_COLUMNS = _OVERVIEW_COLUMNS.replace("relevant, score,", "relevant, band, score,")


@MIGRATIONS(name="m006_authors")
def m006_authors(db: Database) -> None:
    """Authors as a list (JSON ``authors``; ``author`` stays as the readable line for Datasette), and
    ``runs.degraded``: the outlet's selectors or adapter that failed on its pages while the generic
    extractor still read them (issue 10)."""
    db.table("items").add_column("authors", str, not_null_default="[]")
    db.execute("UPDATE items SET authors = json_array(author) WHERE author IS NOT NULL AND author != ''")
    db.table("runs").add_column("degraded", str)


@MIGRATIONS(name="m007_relevance_band_labels")
def m007_relevance_band_labels(db: Database) -> None:
    """Three relevance bands (``items.band``: relevant, possibly, not) with the ``reasons`` for doubt,
    and ``labels``: what a user says an item is, for ``monitor reclassify`` to check the rules against.

    Stored items get the band of their flag; the next ``monitor reclassify`` finds the "possibly" ones.
    """
    db.execute("ALTER TABLE items ADD COLUMN band TEXT NOT NULL DEFAULT 'not'")
    db.execute("ALTER TABLE items ADD COLUMN reasons TEXT NOT NULL DEFAULT '[]'")
    db.execute("UPDATE items SET band = CASE WHEN relevant = 1 THEN 'relevant' ELSE 'not' END")
    db.table("items").create_index(["band"])
    labels: dict[str, type] = {"item_id": str, "label": str, "labelled": str}
    db.table("labels").create(labels, pk="item_id", not_null=["label", "labelled"],
                              foreign_keys=[("item_id", "items", "id")])
    for view, where in (("relevant_items", " WHERE relevant = 1"), ("items_overview", "")):
        db.execute(f"DROP VIEW IF EXISTS {view}")
        db.create_view(view, f"SELECT {_BAND_OVERVIEW_COLUMNS.strip()} FROM items{where}")


@MIGRATIONS(name="m008_runs_failures")
def m008_runs_failures(db: Database) -> None:
    """Runs that always show up, failures you can act on, the daemon's heartbeat.

    A run's row is written when it starts (``status = 'running'``, with the ``pid``),
    so a killed run still shows; ``failures`` holds every URL it could not use.
    """
    db.table("runs").add_column("pid", int)
    failures = {"id": int, "run_id": int, "outlet": str, "at": str, "url": str, "class": str, "message": str,
                "source": str}
    db.table("failures").create(failures, pk="id", not_null=["run_id", "outlet", "at", "url", "class"],
                                foreign_keys=[("run_id", "runs", "id")])
    db.table("failures").create_index(["outlet", "id"])
    db.table("failures").create_index(["run_id"])
    db.table("failures").create_index(["class"])
    daemons = {"pid": int, "started": str, "heartbeat": str, "last_cycle": str}
    db.table("daemons").create(daemons, pk="pid", not_null=["started", "heartbeat"])


def _create_items(db: Database) -> None:
    items = db.table("items")
    items.create(
        ITEM_COLUMNS,
        pk="id",
        not_null=["seq", "outlet", "url", "canonical_url", "text", "first_seen", "last_seen", "version"],
        defaults={"relevant": 0, "score": 0.0, "tags": "[]", "rules": "[]", "hits": "[]", "version": 1},
    )
    items.create_index(["seq"], unique=True)
    items.create_index(["outlet", "relevant"])
    items.create_index(["published"])
    items.create_index(["first_seen"])


def _create_item_children(db: Database) -> None:
    fk = [("item_id", "items", "id")]
    db.table("item_urls").create(
        {"url": str, "item_id": str, "first_seen": str, "last_seen": str, "source": str},
        pk="url",
        foreign_keys=fk,
    )
    db.table("item_urls").create_index(["item_id"])
    db.table("item_keys").create({"key": str, "item_id": str}, pk="key", foreign_keys=fk)
    db.table("item_keys").create_index(["item_id"])
    versions = {"item_id": str, "version": int, "title": str, "body": str, "text": str}
    versions |= {"content_hash": str, "modified": str, "replaced_at": str}
    db.table("versions").create(versions, pk=("item_id", "version"), foreign_keys=fk)
    db.table("versions").create_index(["replaced_at"])
    raw = {"item_id": str, "url": str, "fetched_at": str, "encoding": str, "html": bytes}
    db.table("raw_pages").create(raw, pk="item_id", foreign_keys=fk)


def _create_logs(db: Database) -> None:
    runs = {"id": int, "outlet": str, "started": str, "finished": str, "status": str}
    runs |= {name: int for name in ("seen", "new", "updated", "relevant", "failed", "not_modified")}
    runs["error"] = str
    db.table("runs").create(runs, pk="id", not_null=["outlet", "started", "status"])
    db.table("runs").create_index(["outlet", "id"])
    cache = {"url": str, "etag": str, "last_modified": str, "body_hash": str}
    cache |= {"checked_at": str, "unconditional_at": str}
    db.table("http_cache").create(cache, pk="url")


@MIGRATIONS(name="m009_bounded_stories_and_robots")
def m009_bounded_stories_and_robots(db: Database) -> None:
    """A story's newest members by index (bounded filing), and robots.txt kept between runs.

    ``items(story_id, seq)`` replaces ``items(story_id)``: the store keeps lookup
    keys only for a story's original and its newest members, found through this
    index without reading the whole story (and ``stories(original_item_id)`` for
    the foreign-key checks a write to ``items`` makes). ``robots_txt`` holds each host's last
    robots.txt with its validators and expiry, so a new process revalidates it
    instead of fetching it again on every run.
    """
    db.execute("DROP INDEX IF EXISTS idx_items_story_id")
    db.table("items").create_index(["story_id", "seq"])
    # Foreign-key checks on items look stories up by original_item_id; unindexed, that is a scan.
    db.table("stories").create_index(["original_item_id"])
    robots = {"host": str, "status": int, "body": str, "etag": str, "last_modified": str}
    robots |= {"checked_at": str, "expires": str}
    db.table("robots_txt").create(robots, pk="host", not_null=["status", "checked_at", "expires"])


@MIGRATIONS(name="m009b_running_runs")
def m009b_running_runs(db: Database) -> None:
    """An index of the runs still marked running, which every poll looks up by outlet (a stop by pid).

    Through ``runs(outlet, id)`` that lookup walked all of an outlet's runs, so each poll cost
    more than the last: +30 % CPU per cycle over 1,000 cycles of ``benchmarks/daemon.py``.
    """
    db.execute("CREATE INDEX IF NOT EXISTS idx_runs_running ON runs (outlet, pid) WHERE status = 'running'")


@MIGRATIONS(name="m010_published_urls")
def m010_published_urls(db: Database) -> None:
    """``items.canonical_url`` is the article's own URL as the outlet publishes it (scheme, host,
    trailing slash as given); the normalised spelling that dedupe compares moves to ``url_key``.

    Rows stored before held the normalised spelling in ``canonical_url``; it becomes their key, and
    stays their URL until the article is fetched again. An item imported from a page dump has no URL
    yet: ``url`` and ``canonical_url`` are empty, ``url_key`` NULL.
    """
    db.execute("ALTER TABLE items ADD COLUMN url_key TEXT")
    db.execute("UPDATE items SET url_key = canonical_url")


_BACKFILL_CURSORS_VIEW = """
SELECT outlet, source, COUNT(*) AS steps, SUM(status = 'done') AS done, SUM(status = 'failed') AS failed,
  SUM(status = 'listed') AS in_progress, SUM(links) AS links, SUM(new) AS new, MIN(month) AS oldest_month,
  MAX(updated) AS updated
FROM backfill_steps GROUP BY outlet, source
"""

# Relevant items per outlet, language and month (published, else first seen): the report's series.
_TIMELINE_VIEW = """
SELECT outlet, language, substr(COALESCE(published, first_seen), 1, 7) AS month,
  SUM(relevant) AS relevant, COUNT(*) AS items
FROM items GROUP BY outlet, language, month
"""


@MIGRATIONS(name="m011_backfill")
def m011_backfill(db: Database) -> None:
    """Archive walks (``monitor backfill``): a cursor per outlet and source, month coverage; language editions.

    ``backfill_steps`` holds one row per archive page (a sitemap, a date archive page, a feed
    or search page): ``found`` keeps the links it listed, so a killed walk resumes from the
    store without fetching that page again, and ``status = 'done'`` pages are never fetched
    again. ``backfill_months`` says which months were walked and what they returned, so the
    timeline can show a month that could not be walked as a gap rather than a zero.
    ``editions`` links the English and Spanish editions of one story (same ``edition_id``).
    """
    steps: dict[str, type] = {"outlet": str, "source": str, "url": str, "month": str, "status": str, "found": str}
    steps |= {"links": int, "new": int, "failed": int, "oldest": str, "error": str, "updated": str}
    db.table("backfill_steps").create(steps, pk=("outlet", "url"), not_null=["source", "status", "updated"],
                                      defaults={"links": 0, "new": 0, "failed": 0})
    db.table("backfill_steps").create_index(["outlet", "source"])
    months = {"outlet": str, "month": str, "walked": int, "links": int, "failures": int, "updated": str}
    db.table("backfill_months").create(months, pk=("outlet", "month"), defaults={"walked": 0, "links": 0, "failures": 0})
    editions = {"item_id": str, "edition_id": str, "language": str, "score": float, "reasons": str, "linked": str}
    db.table("editions").create(editions, pk="item_id", not_null=["edition_id", "linked"],
                                foreign_keys=[("item_id", "items", "id")])
    db.table("editions").create_index(["edition_id"])
    # A new item's other-language edition is looked up among its own outlet family's items of the
    # other language near its date: these keep that lookup to those rows, however busy the store.
    db.table("items").create_index(["outlet", "language", "published"])
    db.table("items").create_index(["outlet", "language", "first_seen"])
    db.create_view("backfill_cursors", _BACKFILL_CURSORS_VIEW.strip())
    db.create_view("timeline", _TIMELINE_VIEW.strip())


def migration_names() -> list[str]:
    """Every migration this release knows, in order (the last is the current schema)."""
    return [migration.name for migration in MIGRATIONS.pending(Database(memory=True))]
