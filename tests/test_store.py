from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlite_utils import Database

from monitor.errors import StoreError
from monitor.migrations import MIGRATIONS, migration_names
from monitor.models import Article, Hit, OutletRun, Relevance
from monitor.store import Store, rows

NOW = datetime(2026, 11, 28, 2, 15, tzinfo=timezone.utc)
RHC = "https://www.radiohc.cu/en/noticias/nacionales/280480-cuba-strengthened-confrontation-with-human-trafficking"
TELESUR = "https://www.telesurenglish.net/news/Cuba-Rejects-US-False-Accusation-on-Human-Trafficking-20210704-0009.html"
GRANMA = "https://www.granma.cu/cuba/2024-05-02/trata-de-personas"
RELEVANT = Relevance(
    relevant=True,
    score=4.0,
    hits=(Hit(rule="trafficking-en", family="trafficking", text="human trafficking", weight=4.0, in_title=True),),
)
TABLES = ("items", "item_urls", "item_keys", "versions", "raw_pages", "runs", "http_cache")


def article(url: str = RHC, canonical: str | None = None, **fields: object) -> Article:
    base = Article(
        url=url,
        canonical_url=canonical or url,
        outlet="rhc-en",
        outlet_name="Radio Habana Cuba",
        language="en",
        title="Cuba strengthened confrontation with human trafficking",
        body=("Havana, December 21 (RHC) -- Cuba reinforced the prevention of human trafficking.",
              "According to the document, the country insisted on its zero-tolerance policy."),
        published=datetime(2021, 12, 21, 15, 0, tzinfo=timezone.utc),
        published_raw="21 December 2021",
        fetched_at=NOW,
    )  # fmt: skip
    return replace(base, **fields)


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "monitor.db") as opened:
        yield opened


def counts(store: Store) -> dict[str, int]:
    return {name: store.db.table(name).count for name in TABLES}


def test_same_url_twice_is_one_item_with_last_seen_updated(store: Store) -> None:
    first = store.save(article(), now=NOW)
    again = store.save(article(fetched_at=NOW + timedelta(hours=1)), now=NOW + timedelta(hours=1))
    assert (first.kind, again.kind, again.item_id) == ("new", "unchanged", first.item_id)
    item = store.get_item(first.item_id)
    assert store.db.table("items").count == 1
    assert (item["first_seen"], item["last_seen"]) == ("2026-11-28T02:15:00+00:00", "2026-11-28T03:15:00+00:00")
    assert item["version"] == 1 and item["seq"] == 0


@pytest.mark.parametrize(
    ("other_url", "item_urls", "kind"),
    [
        (RHC.replace("https://www.", "http://"), 1, "unchanged"),  # one canonical spelling
        (RHC + "?utm_source=twitter&fbclid=abc", 1, "unchanged"),
        (RHC.replace("radiohc.cu/", "radiohc.cu/index.php/"), 1, "unchanged"),
        (RHC.replace("280480-cuba-strengthened", "280480-cuba-reinforces"), 2, "seen"),  # slug edited, same id
        (TELESUR.replace("Cuba-Rejects-US", "Cuba-Denies-US"), 2, "seen"),
    ],
)
def test_other_spellings_of_one_article_are_one_item(store: Store, other_url: str, item_urls: int, kind: str) -> None:
    first_url = TELESUR if "telesur" in other_url else RHC
    first = store.save(article(first_url), now=NOW)
    again = store.save(article(other_url), now=NOW + timedelta(minutes=5))
    assert again.item_id == first.item_id and again.kind == kind and again.new_url is (kind == "seen")
    assert store.db.table("items").count == 1
    assert store.db.table("item_urls").count == item_urls
    assert store.find_by_url(other_url)["id"] == first.item_id


def test_edited_text_becomes_version_two_and_keeps_the_old_text(store: Store) -> None:
    first = store.save(article(), now=NOW)
    old_text = store.get_item(first.item_id)["text"]
    edited = article(body=("Havana, December 21 (RHC) -- Cuba reinforced the fight against human smuggling.",))
    outcome = store.save(edited, now=NOW + timedelta(days=1))
    item = store.get_item(first.item_id)
    versions = list(store.db.query("SELECT * FROM versions"))
    assert outcome.kind == "updated" and item["version"] == 2
    assert "smuggling" in item["text"] and "zero-tolerance" not in item["text"]
    assert [(v["version"], v["text"]) for v in versions] == [(1, old_text)]
    assert versions[0]["replaced_at"] == "2026-11-29T02:15:00+00:00"
    assert item["published"] == "2021-12-21T15:00:00+00:00"
    search = "SELECT rowid FROM items_fts WHERE items_fts MATCH ?"
    assert list(store.db.query(search, ["smuggling"])) and not list(store.db.query(search, ["tolerance"]))


def test_an_edit_that_drops_the_date_keeps_the_stored_one(store: Store) -> None:
    first = store.save(article(), now=NOW)
    store.save(article(title="Cuba steps up", published=None, published_raw=None), now=NOW)
    item = store.get_item(first.item_id)
    assert (item["title"], item["published_raw"]) == ("Cuba steps up", "21 December 2021")


def test_importing_the_same_input_twice_changes_nothing(store: Store) -> None:
    inputs = [article(), article(TELESUR, outlet="telesur-en", outlet_name="teleSUR", relevance=RELEVANT),
              article(GRANMA, "https://www.granma.cu/", outlet="granma-es", outlet_name="Granma")]  # fmt: skip
    for item in inputs:
        store.save(item, source="import", now=NOW)
    before = (counts(store), [(r["id"], r["text"], r["version"], r["seq"]) for r in store.items()])
    kinds = [store.save(item, source="import", now=NOW + timedelta(days=1)).kind for item in inputs]
    after = (counts(store), [(r["id"], r["text"], r["version"], r["seq"]) for r in store.items()])
    assert kinds == ["unchanged"] * 3 and after == before


def test_a_canonical_pointing_at_the_home_page_does_not_merge_articles(store: Store) -> None:
    one = store.save(article(GRANMA + "-1", "https://www.granma.cu/", title="One"), now=NOW)
    two = store.save(article(GRANMA + "-2", "https://www.granma.cu/", title="Two"), now=NOW)
    assert one.kind == two.kind == "new" and one.item_id != two.item_id
    assert f"<{GRANMA}-2>" in store.get_item(two.item_id)["text"]  # the seed names the article, not the home page
    assert not store.is_known("https://www.granma.cu/")


@pytest.mark.parametrize("query", ["trafico de personas", "TRÁFICO", "trafico", "Personas", "camaguey"])
def test_search_ignores_accents_and_case(store: Store, query: str) -> None:
    store.save(article(title="Tráfico de Personas en Camagüey"), now=NOW)
    store.save(article(TELESUR, title="Unrelated weather report", body=("Rain.",)), now=NOW)
    rows = list(store.db.query("SELECT title FROM items_fts WHERE items_fts MATCH ?", [query]))
    assert rows == [{"title": "Tráfico de Personas en Camagüey"}]


def test_wal_and_busy_timeout_are_on(store: Store) -> None:
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 30_000
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


READER = textwrap.dedent("""
    import json, pathlib, sqlite3, sys
    db, stop = sys.argv[1], pathlib.Path(sys.argv[2])
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)  # as Datasette opens it
    seen, errors = [], []
    print("ready", flush=True)
    while not stop.exists():
        try:
            seen.append(conn.execute("SELECT count(*) FROM items").fetchone()[0])
            conn.execute("SELECT count(*) FROM items_fts WHERE items_fts MATCH 'trafficking'").fetchone()
        except sqlite3.Error as error:
            errors.append(str(error))
    print(json.dumps({"reads": len(seen), "max": max(seen), "errors": errors}))
""")


def test_a_reader_process_never_sees_database_is_locked(store: Store, tmp_path: Path) -> None:
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(store.path), str(stop)],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert reader.stdout is not None and reader.stdout.readline() == "ready\n"
    for n in range(200):
        store.save(article(f"https://www.radiohc.cu/en/noticias/nacionales/{n}-story", relevance=RELEVANT), now=NOW)
    stop.touch()
    out, _ = reader.communicate(timeout=10)
    report = json.loads(out)
    assert report["errors"] == [] and report["reads"] > 10 and report["max"] > 0


@pytest.mark.parametrize("existing", [False, True])
def test_a_failure_mid_save_leaves_no_partial_rows(store: Store, existing: bool) -> None:
    if existing:
        store.save(article(), now=NOW)
    before = (counts(store), [r["text"] for r in store.items()])
    edited = article(RHC.replace("cuba-strengthened", "cuba-edited"), body=("Edited text.",))
    with pytest.raises(sqlite3.Error):  # the raw page insert (last statement) cannot bind a list
        store.save(edited, raw_html=b"<html></html>", encoding=["utf-8"], now=NOW)  # type: ignore[arg-type]
    assert (counts(store), [r["text"] for r in store.items()]) == before
    fts = store.db.execute("SELECT count(*) FROM items_fts WHERE items_fts MATCH 'edited'").fetchone()[0]
    assert fts == 0
    assert store.save(edited, now=NOW).kind == ("updated" if existing else "new")  # the store is usable after


def test_a_database_at_the_first_migration_upgrades_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    MIGRATIONS.apply(old, stop_before=migration_names()[1])
    row = {"id": "319918b101c2d455", "seq": 1, "outlet": "rhc-en", "url": RHC, "canonical_url": RHC,
           "title": "Cuba strengthened confrontation with human trafficking", "body": "Havana (RHC) --",
           "text": "old text", "first_seen": "2021-12-21T15:00:00+00:00", "last_seen": "2021-12-21T15:00:00+00:00",
           "version": 1, "relevant": 1}  # fmt: skip
    old.table("items").insert(row)
    old.table("item_keys").insert({"key": "rhc:radiohc.cu:en:280480", "item_id": row["id"]})
    old.close()
    with Store(path) as store:
        assert store.schema_version == len(migration_names())
        assert store.get_item(row["id"])["text"] == "old text"
        assert store.find_by_url(RHC)["id"] == row["id"]
        assert [r["id"] for r in store.db.query("SELECT id FROM relevant_items")] == [row["id"]]
        hits = store.db.query("SELECT title FROM items_fts WHERE items_fts MATCH 'trafficking'")
        assert [r["title"] for r in hits] == [row["title"]]  # the upgrade indexed old rows


def test_m010_keeps_old_rows_normalised_url_as_their_key_and_new_rows_keep_the_published_url(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    MIGRATIONS.apply(old, stop_before="m010_published_urls")
    key = "https://radiohc.cu/en/noticias/nacionales/280480-cuba-strengthened-confrontation-with-human-trafficking"
    old.table("items").insert({"id": "319918b101c2d455", "seq": 1, "outlet": "rhc-en", "url": RHC, "canonical_url": key,
                               "title": "T", "text": "t", "first_seen": "2021-12-21T15:00:00+00:00",
                               "last_seen": "2021-12-21T15:00:00+00:00", "version": 1})  # fmt: skip
    old.close()
    published = "http://www.telesurenglish.net/some-story/"
    with Store(path) as store:
        assert store.get_item("319918b101c2d455")["url_key"] == key
        new = store.save(article(published), now=NOW)
        row = store.get_item(new.item_id)
    assert (row["url"], row["canonical_url"], row["url_key"]) == (published, published, "https://telesurenglish.net/some-story")
    assert f"\n\n---\n\n<{published}>\n\n\n\n**" in row["text"]  # the seed's link line: the published URL


def test_a_row_written_without_keys_is_adopted_not_duplicated(store: Store) -> None:
    from monitor.seedformat import seed_id

    item_id = seed_id("https://radiohc.cu/en/noticias/nacionales/1-story")
    store.db.table("items").insert({"id": item_id, "seq": 0, "outlet": "rhc-en", "url": "x", "canonical_url": "x",
                                    "text": "t", "first_seen": "2021-01-01T00:00:00+00:00",
                                    "last_seen": "2021-01-01T00:00:00+00:00", "version": 1})  # fmt: skip
    outcome = store.save(article("https://www.radiohc.cu/en/noticias/nacionales/1-story"), now=NOW)
    assert (outcome.item_id, outcome.kind, outcome.new_url) == (item_id, "updated", True)
    assert store.db.table("items").count == 1 and store.find_by_url("http://radiohc.cu/en/noticias/nacionales/1-x")


def test_reopening_keeps_data_and_schema(tmp_path: Path) -> None:
    with Store(tmp_path / "m.db") as store:
        item_id = store.save(article(), now=NOW).item_id
    with Store.open(tmp_path / "m.db") as store:
        assert store.schema_version == len(migration_names())
        assert store.get_item(item_id)["title"].startswith("Cuba")
        applied = store.db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
        assert applied == len(migration_names())


def test_validators_round_trip(store: Store) -> None:
    from monitor.fetch import Validators

    url = "https://www.radiohc.cu/en/feed"
    assert store.validators.get(url) is None
    first = Validators(etag='"abc"', last_modified="Sat, 28 Nov 2026 02:00:00 GMT", body_hash="f" * 64,
                       checked_at=NOW, unconditional_at=NOW - timedelta(hours=6))  # fmt: skip
    store.validators.put(url, first)
    assert store.validators.get(url) == first
    second = replace(first, etag=None, body_hash="0" * 64, checked_at=NOW + timedelta(hours=1))
    store.validators.put(url, second)  # always overwritten, even when the new ETag is missing
    assert store.validators.get(url) == second


def run(outlet: str, hour: int, status: str = "ok", error: str | None = None, **counts: int) -> OutletRun:
    started = NOW + timedelta(hours=hour)
    return OutletRun(outlet=outlet, started=started, finished=started + timedelta(minutes=1),
                     status=status, error=error, **counts)  # type: ignore[arg-type]  # fmt: skip


def test_runs_and_the_failing_streak_per_outlet(store: Store) -> None:
    store.save(article(relevance=RELEVANT), now=NOW)
    store.save(article(TELESUR, outlet="telesur-en"), now=NOW)
    for hour, status, error in [(0, "ok", None), (1, "failing", "timeout"), (2, "failing", "blocked (403)")]:
        store.record_run(run("rhc-en", hour, status, error, seen=3))
    status = {row["outlet"]: row for row in store.outlet_status()}
    rhc = status["rhc-en"]
    assert (rhc["items"], rhc["relevant"], rhc["failing_streak"]) == (1, 1, 2)
    assert (rhc["last_error"], rhc["last_status"]) == ("blocked (403)", "failing")
    assert rhc["last_success"] == "2026-11-28T02:16:00+00:00" and rhc["last_run"] == "2026-11-28T04:16:00+00:00"
    assert status["telesur-en"]["last_run"] is None and status["telesur-en"]["items"] == 1  # imported, never polled
    run_id = store.record_run(run("rhc-en", 3))
    assert {row["outlet"]: row for row in store.outlet_status()}["rhc-en"]["failing_streak"] == 0
    assert [r["id"] for r in store.runs("rhc-en", limit=2)] == [run_id, run_id - 1]
    assert store.runs("rhc-en")[1]["seen"] == 3


@pytest.mark.parametrize(
    ("fetched_ago", "published_ago", "due"),
    [
        (timedelta(days=1), timedelta(days=3), False),  # checked recently
        (timedelta(days=3), timedelta(days=4), True),  # young and not checked for a while
        (timedelta(days=3), timedelta(days=10), False),  # too old to be edited
    ],
)
def test_due_for_recheck(store: Store, fetched_ago: timedelta, published_ago: timedelta, due: bool) -> None:
    store.save(article(published=NOW - published_ago, fetched_at=NOW - fetched_ago), now=NOW - fetched_ago)
    window = {"recheck_after": timedelta(days=2), "recheck_window": timedelta(days=7)}
    assert store.due_for_recheck(RHC + "?utm_source=x", now=NOW, **window) is due
    assert store.due_for_recheck(TELESUR, now=NOW, **window) is True  # never fetched


def test_update_relevance_reports_change(store: Store) -> None:
    item_id = store.save(article(), now=NOW).item_id
    assert store.update_relevance(item_id, RELEVANT) is True
    assert store.update_relevance(item_id, RELEVANT) is False
    item = store.get_item(item_id)
    assert (item["relevant"], item["score"], item["rules"]) == (1, 4.0, ["trafficking-en"])
    assert item["hits"][0] == {"rule": "trafficking-en", "family": "trafficking", "text": "human trafficking",
                               "weight": 4.0, "in_title": True}  # fmt: skip
    assert [r["id"] for r in store.db.query("SELECT id FROM relevant_items")] == [item_id]
    with pytest.raises(KeyError):
        store.update_relevance("0" * 16, RELEVANT)


def test_export_rows_in_sequence_and_since(store: Store) -> None:
    a = store.save(article(relevance=RELEVANT), now=NOW).item_id
    store.save(article(TELESUR, outlet="telesur-en"), now=NOW)
    c = store.save(article(GRANMA, relevance=RELEVANT), now=NOW + timedelta(days=1)).item_id
    assert [r["id"] for r in store.export_rows()] == [a, c]
    assert [r["seq"] for r in store.export_rows(relevant_only=False)] == [0, 1, 2]
    later = NOW + timedelta(hours=12)
    assert [r["id"] for r in store.export_rows(since=later)] == [c]
    store.save(article(title="Cuba steps up", relevance=RELEVANT), now=NOW + timedelta(days=2))  # an edit
    assert [r["id"] for r in store.export_rows(since=later)] == [a, c]


def test_raw_page_round_trip_is_compressed(store: Store) -> None:
    html = ("<html><body>" + "<p>Tráfico de personas</p>" * 500 + "</body></html>").encode("cp1252")
    item_id = store.save(article(), raw_html=html, encoding="cp1252", now=NOW).item_id
    assert store.raw_page(item_id) == (RHC, html, "cp1252")
    stored = store.db.execute("SELECT length(html) FROM raw_pages").fetchone()[0]
    assert stored < len(html) / 10
    assert store.raw_page("0" * 16) is None


def test_counts_and_queries_by_outlet(store: Store) -> None:
    store.save(article(relevance=RELEVANT), now=NOW)
    store.save(article(TELESUR, outlet="telesur-en"), now=NOW)
    assert store.counts_by_outlet() == {"rhc-en": {"items": 1, "relevant": 1}, "telesur-en": {"items": 1, "relevant": 0}}
    rows = list(store.items("outlet = ?", ["telesur-en"]))
    assert [r["url"] for r in rows] == [TELESUR]
    assert store.is_known(TELESUR.replace("https://www.", "http://")) and not store.is_known(GRANMA)


def test_naive_now_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.save(article(), now=datetime(2026, 11, 28))
    assert store.db.table("items").count == 0


def test_a_locked_database_raises_store_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("monitor.store.BUSY_TIMEOUT_S", 0.05)
    with Store(tmp_path / "m.db") as store:
        other = sqlite3.connect(store.path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        try:
            with pytest.raises(StoreError, match="locked"):
                store.save(article(), now=NOW)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert store.save(article(), now=NOW).kind == "new"


def test_threads_with_their_own_stores_share_a_new_file(tmp_path: Path) -> None:
    """``poll`` runs outlets in threads, each opening the store: first open migrates once."""
    from concurrent.futures import ThreadPoolExecutor

    from monitor.fetch import Validators

    def poll(worker: int) -> list[str]:
        with Store(tmp_path / "m.db") as store:
            for n in range(25):
                url = f"https://www.radiohc.cu/en/noticias/nacionales/{worker}{n:03d}-story"
                store.validators.put(url, Validators(etag=None, last_modified=None, body_hash=None,
                                                     checked_at=NOW, unconditional_at=None))  # fmt: skip
                store.save(article(url), now=NOW)
            return [row["id"] for row in store.items()]

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(poll, range(1, 5)))
    with Store(tmp_path / "m.db") as store:
        assert counts(store)["items"] == counts(store)["http_cache"] == 100
        assert sorted(r["seq"] for r in store.items()) == list(range(100))  # no sequence number twice
        assert store.schema_version == len(migration_names())


def test_m007_gives_stored_items_the_band_of_their_flag_and_a_labels_table(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    MIGRATIONS.apply(old, stop_before="m007_relevance_band_labels")
    base = {"outlet": "rhc-en", "text": "t", "first_seen": "2021-12-21T15:00:00+00:00",
            "last_seen": "2021-12-21T15:00:00+00:00", "version": 1}  # fmt: skip
    for n, relevant in enumerate((1, 0)):
        old.table("items").insert({"id": f"{n:016x}", "seq": n, "url": f"u{n}", "canonical_url": f"u{n}", "relevant": relevant} | base)
    old.close()
    with Store(path) as store:
        assert [(r["band"], r["reasons"]) for r in store.items()] == [("relevant", []), ("not", [])]
        assert {r["band"] for r in store.db.query("SELECT band FROM items_overview")} == {"relevant", "not"}
        store.set_label(f"{1:016x}", "relevant", now=NOW)
        assert [(r["item_id"], r["label"], r["band"]) for r in store.labelled_items()] == [(f"{1:016x}", "relevant", "not")]


def test_band_and_reasons_are_stored_and_updated(store: Store) -> None:
    doubtful = Relevance(relevant=False, score=2.0, band="possibly", reasons=("only weak words",))
    outcome = store.save(replace(article(), relevance=doubtful), now=NOW)
    row = store.get_item(outcome.item_id)
    assert (row["band"], row["relevant"], row["reasons"]) == ("possibly", 0, ["only weak words"])
    assert store.update_relevance(outcome.item_id, RELEVANT) is True
    assert (store.get_item(outcome.item_id)["band"], store.get_item(outcome.item_id)["reasons"]) == ("relevant", [])
    assert store.update_relevance(outcome.item_id, RELEVANT) is False


def test_find_item_by_id_prefix_or_url_and_labels(store: Store) -> None:
    item_id = store.save(replace(article(), relevance=RELEVANT), now=NOW).item_id
    assert store.find_item(item_id)["id"] == store.find_item(item_id[:6])["id"] == store.find_item(RHC)["id"] == item_id
    assert store.find_item(item_id[:3]) is None and store.find_item("f" * 16) is None
    store.set_label(item_id, "not", now=NOW)
    store.set_label(item_id, "relevant", now=NOW)
    assert [(r["label"], r["band"]) for r in store.labelled_items()] == [("relevant", "relevant")]
    with pytest.raises(ValueError, match="label must be 'relevant' or 'not'"):
        store.set_label(item_id, "maybe", now=NOW)
    with pytest.raises(KeyError):
        store.set_label("f" * 16, "not", now=NOW)


def test_starting_a_run_costs_the_same_after_hundreds_of_runs(tmp_path: Path) -> None:
    """Every poll looks up its outlet's runs still marked running: that must not walk the outlet's history."""

    def begin_steps(store: Store) -> int:
        steps = [0]

        def count() -> int:
            steps[0] += 1
            return 0

        store.db.conn.set_progress_handler(count, 10)
        try:
            run_id = store.begin_run("rhc-en", started=NOW, catch_up=False, pid=1)
        finally:
            store.db.conn.set_progress_handler(None, 10)
        store.finish_run(run_id, OutletRun(outlet="rhc-en", started=NOW, finished=NOW, status="ok"))
        return steps[0]

    with Store(tmp_path / "monitor.db") as store:
        early = [begin_steps(store) for _ in range(20)][-10:]
        for _ in range(500):
            begin_steps(store)
        late = [begin_steps(store) for _ in range(10)]
    assert sum(late) <= 1.2 * sum(early), (early, late)


# ---------------------------------------------------------------- backups and upgrades

WRITER = textwrap.dedent("""
    import sys, time
    from datetime import datetime, timezone
    from monitor.models import Article
    from monitor.store import Store
    store = Store(sys.argv[1])
    for n in range(int(sys.argv[2])):
        url = f"https://www.radiohc.cu/en/noticias/nacionales/{500000 + n}-report-{n}"
        body = tuple(f"Paragraph {p} of report {n} on ports and shipping, with figures." for p in range(6))
        store.save(Article(url=url, canonical_url=url, outlet="rhc-en", outlet_name="Radio Habana Cuba",
                           language="en", title=f"Report {n}", body=body), now=datetime.now(timezone.utc))
        print(n, flush=True)
""")


def test_a_backup_taken_while_another_process_writes_is_whole_and_holds_every_committed_item(tmp_path: Path) -> None:
    from monitor.store import backup

    db = tmp_path / "monitor.db"
    Store(db).close()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db), "400"], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline()  # the writer is committing
        copies = []
        while writer.poll() is None or not copies:
            with sqlite3.connect(db) as conn:
                committed = {row[0] for row in conn.execute("SELECT id FROM items")}
            copy = backup(db, tmp_path / f"backup-{len(copies)}.db")
            with sqlite3.connect(copy.path) as conn:
                held = {row[0] for row in conn.execute("SELECT id FROM items")}
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                assert conn.execute("SELECT COUNT(*) FROM item_keys WHERE item_id NOT IN (SELECT id FROM items)"
                                    ).fetchone()[0] == 0  # no half-written item
            assert copy.integrity == "ok" and copy.items == len(held) and committed <= held
            copies.append(len(held))
    finally:
        writer.wait(timeout=120)
    assert writer.returncode == 0
    assert len(copies) >= 2 and copies == sorted(copies)
    assert not list(tmp_path.glob(".*.partial"))


def test_backup_through_the_command_line_and_restore_by_copying(tmp_path: Path) -> None:
    db = tmp_path / "monitor.db"
    with Store(db) as store:
        item_id = store.save(article(), now=NOW).item_id
    target = tmp_path / "backups" / "monitor-2026-12-04.db"
    result = subprocess.run([sys.executable, "-m", "monitor", "--db", str(db), "backup", str(target)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("backed up 1 items (") and result.stdout.strip().endswith("integrity ok")
    db.unlink()  # the store is lost ...
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.write_bytes(target.read_bytes())  # ... and restored from the backup
    with Store(db) as store:
        assert store.get_item(item_id)["title"].startswith("Cuba")


# ---------------------------------------------------------------- typed rows (monitor/store/rows.py)


@pytest.mark.parametrize(("row", "table", "left_out"), [
    (rows.ItemRow, "items", set()),
    (rows.RunRow, "runs", set()),
    (rows.FailureRow, "failures", {"outlet"}),
    (rows.DigestRow, "digests", set()),
    (rows.DaemonRow, "daemons", set()),
    (rows.ScheduleRow, "schedule", {"outlet"}),
    (rows.StoryItemRow, "story_items", set()),
    (rows.BackfillStepRow, "backfill_steps", set()),
    (rows.BackfillMonthRow, "backfill_months", set()),
], ids=lambda value: value if isinstance(value, str) else "")
def test_typed_rows_name_exactly_the_columns_of_their_table(tmp_path: Path, row: type, table: str,
                                                           left_out: set[str]) -> None:
    """A column added by a migration must be added to its row type (and a dropped one removed)."""
    with Store(tmp_path / "monitor.db") as store:
        columns = {column.name for column in store.db[table].columns}
    assert set(row.__annotations__) == columns - left_out


def test_edition_and_timeline_rows_name_exactly_what_their_queries_return(tmp_path: Path) -> None:
    """The joined rows (an item with its edition id; a timeline cell) list what the SQL gives back."""
    with Store(tmp_path / "monitor.db") as store:
        items = {column.name for column in store.db["items"].columns}
        assert set(rows.EditionItemRow.__annotations__) == items | {"edition_id"}
        cursor = store.db.execute(f"SELECT * FROM ({_timeline_sql()}) LIMIT 0", {"since": "2026-01"})
        assert set(rows.TimelineRow.__annotations__) == {d[0] for d in cursor.description}


def _timeline_sql() -> str:
    metadata = json.loads((Path(rows.__file__).parent.parent / "datasette" / "metadata.json").read_text(encoding="utf-8"))
    return metadata["databases"]["monitor"]["queries"]["timeline"]["sql"]

