"""The rows the store hands out, typed: what a caller may read, by name, and with which type.

Rows stay plain dicts at run time (sqlite-utils gives dicts; Datasette reads the same
tables), so these are TypedDicts: mypy checks every ``row["key"]`` outside the store, and
``tests/test_store.py`` checks that the table rows list exactly the table's columns.
Timestamps are ISO-8601 UTC text (``models.parse_iso`` reads them); the JSON columns
(``JSON_COLUMNS``) come back decoded.
"""

from __future__ import annotations

import json
from typing import Any, TypedDict


class ItemRow(TypedDict):
    """One ``items`` row: an article as stored (its latest version)."""

    id: str
    seq: int
    outlet: str
    language: str | None
    url: str
    canonical_url: str
    title: str | None
    subtitle: str | None
    author: str | None
    caption: str | None
    section: str | None
    published: str | None
    published_raw: str | None
    modified: str | None
    modified_raw: str | None
    body: str | None
    tags: list[str]
    text: str
    relevant: int
    score: float
    rules: list[str]
    hits: list[dict[str, Any]]
    first_seen: str
    last_seen: str
    fetched_at: str | None
    content_hash: str | None
    version: int
    story_id: str | None
    authors: list[str]
    band: str
    reasons: list[str]
    url_key: str | None


class RunRow(TypedDict):
    """One ``runs`` row: one outlet's run (``models.OutletRun``), from 'running' to its end."""

    id: int
    outlet: str
    started: str
    finished: str | None
    status: str
    seen: int | None
    new: int | None
    updated: int | None
    relevant: int | None
    failed: int | None
    not_modified: int | None
    error: str | None
    feed_all_new: int
    catch_up: int
    degraded: str | None
    pid: int | None


# One failed URL of a run, with its class (``failures``).
FailureRow = TypedDict("FailureRow", {
    "id": int,
    "run_id": int,
    "at": str,
    "url": str,
    "class": str,
    "message": str | None,
    "source": str | None,
})


class DigestRow(TypedDict):
    """One reviewed digest: up to which item (``last_seq``) it went."""

    id: int
    created: str
    since: str | None
    until: str
    last_seq: int
    items: int
    format: str


class DaemonRow(TypedDict):
    """A running (or killed) daemon's heartbeat (``daemons``)."""

    pid: int
    started: str
    heartbeat: str
    last_cycle: str | None


class ScheduleRow(TypedDict):
    """The daemon's published next run of one outlet (``schedule``, keyed by outlet)."""

    next_run: str
    interval: float | None
    catch_up: int
    pid: int
    updated: str


class StoryItemRow(TypedDict):
    """One row of the ``story_items`` view: an item of a story."""

    story_id: str
    item_id: str
    original: int
    outlet: str
    language: str | None
    published: str | None
    first_seen: str
    title: str | None
    url: str
    relevant: int


# ---------------------------------------------------------------- rows made in Python
class OutletStatusRow(TypedDict):
    """An outlet's health: what is stored, its last run, its last success and failing streak."""

    outlet: str
    items: int
    relevant: int
    last_run: str | None
    last_status: str | None
    last_run_error: str | None
    last_run_pid: int | None
    degraded: str | None
    last_success: str | None
    last_error: str | None
    last_error_at: str | None
    failing_streak: int


class OutletActivity(TypedDict):
    """When an outlet's newest item was first seen, and when it was first polled."""

    last_new: str | None
    first_run: str | None


# One run's failures of one class: how many, and the first URL.
FailureCountRow = TypedDict("FailureCountRow", {"class": str, "count": int, "first_url": str})


class LabelledRow(TypedDict):
    """A labelled item with its current band (``monitor label``, ``reclassify``)."""

    item_id: str
    label: str
    labelled: str
    band: str
    score: float | None
    title: str | None
    url: str
    reasons: list[str]


class EditionItemRow(ItemRow):
    """An item with the id of the language editions it belongs to (``editions`` joined to ``items``)."""

    edition_id: str


class BackfillStepRow(TypedDict):
    """One ``backfill_steps`` row: an archive page ``monitor backfill`` listed or walked (its resume cursor)."""

    outlet: str
    source: str
    url: str
    month: str | None
    status: str  # listed, done, end or failed
    found: list[Any]  # decoded: what the page listed (article links with dates, or child sitemaps)
    links: int
    new: int
    failed: int
    oldest: str | None
    error: str | None
    updated: str


class BackfillMonthRow(TypedDict):
    """One ``backfill_months`` row: whether an outlet's archive was walked for a month, and what it held."""

    outlet: str
    month: str
    walked: int
    links: int
    failures: int
    updated: str


class TimelineRow(TypedDict):
    """One cell of the ``timeline`` canned query: relevant items of an outlet in a month, or why it is a gap."""

    outlet: str
    language: str | None
    month: str
    relevant: int | None  # None: a gap, not a zero
    items: int
    gap: str  # '' when covered; else could not be walked / returned nothing / not walked


JSON_COLUMNS = ("tags", "rules", "hits", "reasons", "authors")


def decode_json(row: dict[str, Any]) -> dict[str, Any]:
    """A row with its JSON columns decoded (the caller says which row type it is)."""
    for name in JSON_COLUMNS:
        if isinstance(row.get(name), str):
            row[name] = json.loads(row[name])
    return row
