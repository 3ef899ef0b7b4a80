"""Stories in the store: copies across outlets are one story, edits stay one item, rebuilds are idempotent."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor.config import StoriesConfig
from monitor.models import Article
from monitor.store import STORY_WINDOW, Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stories_labelled import (  # noqa: E402
    PL_EN,
    RHC_PL_EN,
    TELESUR_NOTICE,
    Text,
    base,
    drop_paragraph,
    variant,
)

NOW = datetime(2025, 11, 8, 12, tzinfo=timezone.utc)
OUTLETS = {"rhc-en": "https://www.radiohc.cu/en/noticias/", "pl-en": "https://www.plenglish.com/news/",
           "telesur-en": "https://www.telesurenglish.net/news/", "rhc-es": "https://www.radiohc.cu/noticias/"}


def article(text: Text, outlet: str, slug: str, day: int) -> Article:
    url = f"{OUTLETS[outlet]}{slug}"
    return Article(url=url, canonical_url=url, outlet=outlet, outlet_name=outlet, language=text.language,
                   title=text.title, body=text.paragraphs, published=datetime(2025, 11, day, 9, tzinfo=timezone.utc),
                   fetched_at=NOW)  # fmt: skip


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "monitor.db") as opened:
        yield opened


def story_of(store: Store, item_id: str) -> str:
    return store.get_item(item_id)["story_id"]


def story_row(store: Store, story_id: str) -> dict:
    return next(store.db.query("SELECT * FROM stories WHERE id = ?", [story_id]))


def test_a_wire_story_from_two_outlets_is_one_story_whose_original_is_the_earliest(store: Store) -> None:
    rhc = store.save(article(variant("tip_minrex", RHC_PL_EN), "rhc-en", "1-cuba-rejects", day=6), now=NOW)
    pl = store.save(article(variant("tip_minrex", PL_EN), "pl-en", "2-cuba-rejects", day=5), now=NOW)
    telesur = store.save(article(variant("tip_minrex", TELESUR_NOTICE), "telesur-en", "3-cuba", day=7), now=NOW)
    assert story_of(store, pl.item_id) == story_of(store, telesur.item_id) == story_of(store, rhc.item_id) == rhc.item_id
    row = story_row(store, rhc.item_id)
    assert (row["original_item_id"], row["items"], row["outlets"]) == (pl.item_id, 3, '["pl-en","rhc-en","telesur-en"]')
    copies = store.story_items(rhc.item_id)
    assert [(c["item_id"], c["original"]) for c in copies] == [(pl.item_id, 1), (rhc.item_id, 0), (telesur.item_id, 0)]
    assert copies[0]["url"] == OUTLETS["pl-en"] + "2-cuba-rejects" and copies[0]["first_seen"]


def test_an_outlets_edit_of_its_own_article_stays_one_item_in_one_story(store: Store) -> None:
    first = store.save(article(variant("tip_minrex", RHC_PL_EN), "rhc-en", "1-cuba", day=6), now=NOW)
    copy = store.save(article(variant("tip_minrex", PL_EN), "pl-en", "2-cuba", day=6), now=NOW)
    old_fp = store.db.execute("SELECT simhash FROM fingerprints WHERE item_id = ?", [first.item_id]).fetchone()[0]
    edited = store.save(article(variant("tip_minrex", RHC_PL_EN, drop_paragraph(6)), "rhc-en", "1-cuba", day=6),
                        now=NOW)  # fmt: skip
    assert (edited.item_id, edited.kind) == (first.item_id, "updated")
    assert store.get_item(first.item_id)["version"] == 2
    assert story_of(store, first.item_id) == story_of(store, copy.item_id) == first.item_id
    assert store.db.table("stories").count == 1 and story_row(store, first.item_id)["items"] == 2
    new_fp = store.db.execute("SELECT simhash FROM fingerprints WHERE item_id = ?", [first.item_id]).fetchone()[0]
    assert new_fp != old_fp  # the edited text is what later copies are compared with


@pytest.mark.parametrize(
    ("a", "b", "why"),
    [
        ("tip_minrex", "tip_commentary", "two different reactions to the same TIP report"),
        ("tip_minrex", "tip_followup", "a follow-up reusing a background paragraph"),
        ("tip_minrex", "tip_minrex_es", "English and Spanish versions of one story"),
    ],
)
def test_different_stories_stay_apart(store: Store, a: str, b: str, why: str) -> None:
    one = store.save(article(base(a), "rhc-en", "1-a", day=5), now=NOW)
    outlet = "rhc-es" if base(b).language == "es" else "telesur-en"
    two = store.save(article(base(b), outlet, "2-b", day=6), now=NOW)
    assert story_of(store, one.item_id) != story_of(store, two.item_id), why
    assert store.db.table("stories").count == 2


def test_a_store_from_before_stories_files_its_items_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with Store(path) as store:
        ids = [store.save(article(variant("tip_minrex", d), o, f"{n}-x", day=5 + n), now=NOW).item_id
               for n, (d, o) in enumerate([(RHC_PL_EN, "rhc-en"), (PL_EN, "pl-en")])]  # fmt: skip
    conn = sqlite3.connect(path)  # back to the m004 schema, keeping the items
    conn.executescript("DROP VIEW story_items; DROP TABLE bands; DROP TABLE fingerprints;"
                       " DROP INDEX idx_items_story_id_seq; DROP TABLE robots_txt;"
                       " ALTER TABLE items DROP COLUMN story_id; DROP TABLE stories;"
                       " DELETE FROM _sqlite_migrations WHERE name IN ('m005_stories', 'm009_bounded_stories_and_robots');")
    conn.close()
    with Store(path) as store:
        assert [story_of(store, i) for i in ids] == [ids[0], ids[0]]
        assert story_row(store, ids[0])["original_item_id"] == ids[0]


def test_rebuild_is_idempotent_and_follows_the_thresholds(tmp_path: Path) -> None:
    path = tmp_path / "monitor.db"
    with Store(path) as store:
        saved = [store.save(article(variant("tip_minrex", d), o, f"{n}-x", day=5), now=NOW).item_id
                 for n, (d, o) in enumerate([(RHC_PL_EN, "rhc-en"), (PL_EN, "pl-en"), (TELESUR_NOTICE, "telesur-en")])]
        store.save(article(base("tip_commentary"), "rhc-en", "9-other", day=5), now=NOW)
        before = {r["id"]: r["story_id"] for r in store.items()}
        first = store.rebuild_stories()
        assert (first.items, first.stories, first.merged, first.changed) == (4, 2, 2, 0)
        assert {r["id"]: r["story_id"] for r in store.items()} == before
        assert store.rebuild_stories() == first
        assert store.db.table("bands").count == 4 * (10 + 6)  # k=3: 10 SimHash block pairs + 6 MinHash bin pairs
    with Store(path, stories=StoriesConfig(max_distance=0)) as store:
        assert store.rebuild_stories().stories == 2  # exact copies still merge through their sketches
        assert store.db.table("bands").count == 4 * (1 + 6)
    assert len(set(saved)) == 3


# ---------------------------------------------------------------- monitor dedupe, as a user runs it


def monitor(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor", "-c", str(config), "stories", *args],
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_dedupe_rebuild_after_a_threshold_change(polled_copy: tuple[Path, Path]) -> None:
    config, db = polled_copy
    with Store(db) as store:
        one = store.save(article(variant("tip_minrex", RHC_PL_EN), "rhc-en", "1-copy", day=5), now=NOW).item_id
        two = store.save(article(variant("tip_minrex", PL_EN), "pl-en", "2-copy", day=4), now=NOW).item_id
        items = store.count_items()
        stories = store.story_summary().stories
        assert story_of(store, two) == one
    shown = monitor(config)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == f"{items} items in {stories} stories ({items - stories} merged)"
    text = config.read_text(encoding="utf-8")
    assert "\nmax_distance = 3 " in text
    config.write_text(text.replace("\nmax_distance = 3 ", "\nmax_distance = 6 "), encoding="utf-8")
    rebuilt = monitor(config, "--rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stdout.startswith(f"rebuilt {items} items into {stories} stories ({items - stories} merged, 0 changed")
    assert "max_distance=6" in rebuilt.stdout and "refiling items" in rebuilt.stderr
    with Store(db, stories=StoriesConfig(max_distance=6)) as store:
        keys = store.db.execute("SELECT COUNT(DISTINCT band) FROM bands WHERE band < 1000").fetchone()[0]
        assert keys == 8 * 7 // 2  # k=6: every pair of 8 blocks
    again = monitor(config, "--rebuild")
    assert again.stdout.split(" with ")[0] == rebuilt.stdout.split(" with ")[0]


def test_the_old_names_dedupe_command_and_section_still_work_for_one_release(polled_copy: tuple[Path, Path]) -> None:
    config, _ = polled_copy
    current = monitor(config)
    text = config.read_text(encoding="utf-8")
    assert "\n[stories]\n" in text
    config.write_text(text.replace("\n[stories]\n", "\n[dedupe]\n").replace("\nmax_distance = 3 ", "\nmax_distance = 6 "),
                      encoding="utf-8")
    old = subprocess.run([sys.executable, "-m", "monitor", "-c", str(config), "dedupe", "--rebuild"],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert old.returncode == 0, old.stderr
    assert "monitor dedupe is deprecated" in old.stderr and "use monitor stories" in old.stderr
    assert "[dedupe] is deprecated" in old.stderr and "rename it [stories]" in old.stderr
    assert "max_distance=6" in old.stdout  # the old section's settings are the ones used
    assert old.stdout.startswith(f"rebuilt {current.stdout.split(' items')[0]} items")


# ---------------------------------------------------------------- bounded work per save

COPY_DRESS = [RHC_PL_EN, PL_EN, TELESUR_NOTICE, lambda t: t]


def copy_of(n: int, *, day: int) -> Article:
    """Copy ``n`` of one wire story, dressed the way one of four outlets prints it."""
    outlet = list(OUTLETS)[n % 3]  # rhc-en, pl-en, telesur-en
    text = variant("tip_minrex", COPY_DRESS[n % len(COPY_DRESS)])
    return article(text, outlet, f"{n}-cuba-rejects-the-report", day=day)


def test_three_hundred_copies_stay_one_story_with_every_copy_and_the_earliest_original(store: Store) -> None:
    saved = [store.save(copy_of(n, day=20 if n != 150 else 2), now=NOW).item_id for n in range(300)]
    stray = store.save(article(base("tip_commentary"), "rhc-en", "9-other", day=5), now=NOW)
    assert {story_of(store, item) for item in saved} == {saved[0]}
    row = story_row(store, saved[0])
    assert (row["items"], row["original_item_id"], row["outlets"]) == (300, saved[150], '["pl-en","rhc-en","telesur-en"]')
    assert row["published"] == "2025-11-02T09:00:00+00:00" and row["title"] == base("tip_minrex").title
    copies = store.story_items(saved[0])
    assert len(copies) == 300 and copies[0]["item_id"] == saved[150] and sum(c["original"] for c in copies) == 1
    assert story_of(store, stray.item_id) == stray.item_id
    # What a new copy is compared with stays bounded: the original and the newest members keep keys.
    keyed = {r[0] for r in store.db.execute("SELECT DISTINCT item_id FROM bands").fetchall()}
    assert keyed == {saved[150], *saved[-STORY_WINDOW:], stray.item_id}
    # A rebuild of the same store files the same way.
    assert store.rebuild_stories().changed == 0
    assert story_row(store, saved[0]) == row


def test_an_edit_that_makes_the_original_later_hands_the_role_on(store: Store) -> None:
    saved = [store.save(copy_of(n, day=10 + n), now=NOW).item_id for n in range(20)]
    assert story_row(store, saved[0])["original_item_id"] == saved[0]
    moved = replace(copy_of(0, day=28), body=variant("tip_minrex", RHC_PL_EN, drop_paragraph(6)).paragraphs)
    assert store.save(moved, now=NOW).kind == "updated"
    row = story_row(store, saved[0])
    assert (row["original_item_id"], row["items"]) == (saved[1], 20)
    keyed = {r[0] for r in store.db.execute("SELECT DISTINCT item_id FROM bands").fetchall()}
    assert saved[1] in keyed and saved[0] not in keyed  # the new original is found; the old one left the window
    late = store.save(copy_of(99, day=27), now=NOW)
    assert story_of(store, late.item_id) == saved[0]


def _sqlite_steps(store: Store, article_: Article) -> int:
    """SQLite virtual-machine steps (in units of 100) one save takes: deterministic, unlike time."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    store.db.conn.set_progress_handler(count, 100)
    try:
        store.save(article_, now=NOW)
    finally:
        store.db.conn.set_progress_handler(None, 100)
    return steps[0]


@pytest.mark.parametrize("spacing", [timedelta(0), timedelta(days=1)], ids=["one-day-burst", "a-day-apart"])
def test_saving_copy_300_of_a_story_costs_the_database_what_copy_30_did(store: Store, spacing: timedelta) -> None:
    # A burst on one day (a wire story everyone runs) and a long-running story a day apart: neither the
    # story's size nor the day's volume may make a save cost more (the edition lookup once read the day's items).
    def copy(n: int) -> Article:
        return replace(copy_of(n, day=20), published=datetime(2020, 1, 1, tzinfo=timezone.utc) + n * spacing)

    costs = {n: _sqlite_steps(store, copy(n)) for n in range(301)}
    early = sum(costs[n] for n in range(30, 40)) / 10
    late = sum(costs[n] for n in range(290, 300)) / 10
    assert late <= 1.2 * early, (early, late)


def _plans(store: Store, statements: list[str]) -> list[tuple[str, str]]:
    """(statement, plan line) for every plan line that reads a whole table without an index."""
    tables = {name for (name,) in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    bad = []
    for sql in statements:
        if not sql.split(None, 1)[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH"):
            continue  # BEGIN, COMMIT, SAVEPOINT, trigger markers
        for row in store.db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall():
            detail = row[-1]
            words = detail.split()
            if words[0] == "SCAN" and words[1] in tables and "INDEX" not in detail:
                bad.append((sql[:160], detail))
    return bad


def test_every_statement_of_a_save_uses_an_index(store: Store) -> None:
    for n in range(12):  # a story past its window, so every branch of filing runs
        store.save(copy_of(n, day=20), now=NOW)
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    try:
        store.save(copy_of(12, day=1), raw_html=b"<html>copy</html>", now=NOW)  # joins, becomes the original
        store.save(copy_of(13, day=25), raw_html=b"<html>copy</html>", now=NOW)  # joins
        store.save(article(base("tip_commentary"), "rhc-en", "9-other", day=5), now=NOW)  # a new story
        edited = replace(copy_of(12, day=26), body=variant("tip_minrex", RHC_PL_EN, drop_paragraph(6)).paragraphs)
        store.save(edited, now=NOW)  # the original edited to a later date
        store.save(replace(copy_of(5, day=20), url=OUTLETS["pl-en"] + "5-cuba-rejects-the-report?utm_source=x"),
                   now=NOW)  # seen again under another URL  # fmt: skip
    finally:
        store.db.conn.set_trace_callback(None)
    assert any("FROM bands" in s for s in statements) and any("UPDATE stories" in s for s in statements)
    assert _plans(store, statements) == []
