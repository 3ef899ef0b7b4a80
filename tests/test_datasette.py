"""Datasette on a polled store: metadata, search, facets, views, canned queries, and monitor serve."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from datasette.app import Datasette
from test_digest import NOW, new_article  # noqa: E402  (the same realistic extra item)

from monitor import config as config_mod
from monitor.folding import fold
from monitor.serve import METADATA, metadata_for, plain_command
from monitor.store import Store

TRAFICO = "Cuba y México firman un acuerdo contra el Tráfico de Personas"


@pytest.fixture(scope="module")
def store_path(polled: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The polled store plus one Spanish item with accents in its title, named monitor.db."""
    folder = tmp_path_factory.mktemp("datasette")
    target = folder / "monitor.db"
    source, copy = sqlite3.connect(polled[1]), sqlite3.connect(target)
    with copy:
        source.backup(copy)
    source.close()
    copy.close()
    with Store(target) as store:
        new_article(store, config_mod.load(polled[0]))
    return target


def get_all(db: Path, *paths: str) -> list[httpx.Response]:
    async def fetch() -> list[httpx.Response]:
        ds = Datasette(files=[str(db)], metadata=metadata_for(db), settings={"truncate_cells_html": 160})
        await ds.invoke_startup()
        return [await ds.client.get(path) for path in paths]

    return asyncio.run(fetch())


def rows(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text[:500]
    return response.json()


def titles_containing(db: Path, *words: str) -> set[str]:
    """What a search must find: items whose folded title+body hold every word."""
    with sqlite3.connect(db) as conn:
        found = conn.execute("SELECT title, body FROM items").fetchall()
    return {title for title, body in found if all(f" {fold(w)} " in f" {fold(title + ' ' + body)} " for w in words)}


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("trafico de personas", ["trafico", "de", "personas"]),
        ("TRÁFICO DE PERSONAS", ["trafico", "de", "personas"]),
        ("Human Trafficking", ["human", "trafficking"]),
        ("brigadas medicas", ["brigadas", "medicas"]),
    ],
)
def test_search_ignores_accents_and_case_in_english_and_spanish(store_path: Path, query: str, words: list[str]) -> None:
    canned, table, view = get_all(
        store_path,
        f"/monitor/search.json?_shape=array&q={query}",
        f"/monitor/items.json?_shape=array&_col=title&_size=100&_search={query}",
        f"/monitor/relevant_items.json?_shape=array&_size=100&_search={query}",
    )
    expected = titles_containing(store_path, *words)
    assert expected and {r["title"] for r in rows(canned)} == expected == {r["title"] for r in rows(table)}
    relevant = {r["title"] for r in rows(view)}
    assert relevant <= expected and all(r["relevant"] == 1 for r in rows(view))
    if "trafico" in words:
        assert TRAFICO in expected and TRAFICO in relevant


def test_a_phrase_and_an_empty_search(store_path: Path) -> None:
    phrase, empty = get_all(store_path, '/monitor/search.json?_shape=array&q="trata de personas"', "/monitor/search.json?_shape=array&q=")
    assert rows(empty) == []
    assert TRAFICO in {r["title"] for r in rows(phrase)} and all("[" in r["snippet"] for r in rows(phrase))


def test_facets_by_outlet_language_relevant_and_month(store_path: Path) -> None:
    (page,) = get_all(store_path, "/monitor/items_overview.json?_facet=outlet&_facet=language&_facet=relevant&_facet=month&_size=0")
    facets = {name: {str(r["value"]): r["count"] for r in f["results"]} for name, f in page.json()["facet_results"].items()}
    with sqlite3.connect(store_path) as conn:
        found = conn.execute("SELECT outlet, language, relevant, COALESCE(published, first_seen) FROM items").fetchall()
    assert facets["outlet"] == dict(Counter(o for o, _, _, _ in found)) == {"telesur-en": 5, "telesur-es": 4, "rhc-en": 3, "rhc-es": 4}
    assert facets["language"] == {"en": 8, "es": 8}
    assert facets["relevant"] == {"1": 10, "0": 6}
    assert facets["month"] == dict(Counter(when[:7] for _, _, _, when in found))


def test_relevant_items_view_is_sorted_by_published_and_faceted_by_month(store_path: Path) -> None:
    page, table = get_all(store_path, "/monitor/relevant_items.json?_facet=month&_size=100", "/monitor/items.json?_size=1")
    data = page.json()
    assert data["query"]["sql"].endswith("order by published desc limit 101")
    assert len(data["rows"]) == 10 and "month" in data["facet_results"]
    assert "order by published desc" in table.json()["query"]["sql"]


def test_canned_queries_return_the_right_rows(store_path: Path) -> None:
    with Store(store_path) as store:
        item = next(store.items("title = ?", [TRAFICO]))
    new, week, health, one, feed = get_all(
        store_path,
        "/monitor/new_since_last_digest.json?_shape=array",
        "/monitor/relevant_this_week.json?_shape=array",
        "/monitor/outlet_health.json?_shape=array",
        f"/monitor/item.json?_shape=array&id={item['id']}",
        "/monitor/relevant_feed.atom",
    )
    assert len(rows(new)) == 10 and TRAFICO in {r["title"] for r in rows(new)}
    assert len(rows(week)) == 10
    assert [(r["outlet"], r["last_status"], r["failing_streak"]) for r in rows(health)] == [
        ("rhc-en", "ok", 0), ("rhc-es", "ok", 0), ("telesur-en", "ok", 0), ("telesur-es", "ok", 0),
    ]  # fmt: skip
    (row,) = rows(one)
    assert json.loads(row["urls"]) == [item["canonical_url"]] and json.loads(row["earlier_versions"]) == []
    parsed = feedparser.parse(feed.text)
    assert not parsed.bozo and len(parsed.entries) == 10
    assert f"tag:monitor.invalid,2024:item:{item['id']}" in {e.id for e in parsed.entries}


def test_new_since_last_digest_empties_once_a_digest_is_reviewed(store_path: Path, tmp_path: Path) -> None:
    db = tmp_path / "monitor.db"
    db.write_bytes(store_path.read_bytes())
    with Store(db) as store:
        store.record_digest(created=NOW, since=None, until=NOW, last_seq=store.max_seq(), items=10, format="html")
    (new,) = get_all(db, "/monitor/new_since_last_digest.json?_shape=array")
    assert rows(new) == []


def test_metadata_describes_every_table_and_column(store_path: Path) -> None:
    described = json.loads(METADATA.read_text(encoding="utf-8"))["databases"]["monitor"]["tables"]
    with sqlite3.connect(store_path) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]
        missing = [
            f"{name}.{column}"
            for name in names if not name.startswith(("items_fts", "sqlite_"))
            for (column,) in conn.execute(f"SELECT name FROM pragma_table_info('{name}')")
            if column not in described.get(name, {}).get("columns", {})
        ]  # fmt: skip
    assert missing == []
    assert all(table.get("description") for table in described.values())
    (page,) = get_all(store_path, "/monitor/items")
    assert "Every article stored, once" in page.text and 'name="_search"' in page.text


# ---------------------------------------------------------------- monitor serve, as a process


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_monitor_serve_answers_over_http_on_localhost(store_path: Path, tmp_path: Path) -> None:
    db = tmp_path / "news.db"  # not monitor.db: serve re-keys the metadata to the database's name
    db.write_bytes(store_path.read_bytes())
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen([sys.executable, "-m", "monitor", "--db", str(db), "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(f"{base}/-/versions.json", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read().decode() if server.poll() is not None else "no answer"
                time.sleep(0.1)
        search = httpx.get(f"{base}/news/search.json", params={"q": "trafico de personas", "_shape": "array"})
        page = httpx.get(f"{base}/news/relevant_items", params={"_search": "tráfico"})
        meta = httpx.get(f"{base}/-/metadata.json").json()
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert TRAFICO in {r["title"] for r in search.json()}
    assert page.status_code == 200 and TRAFICO in page.text
    assert "news" in meta["databases"] and 'href="/news/relevant_items"' in meta["description_html"]


def test_the_plain_datasette_command_uses_the_shipped_metadata(store_path: Path) -> None:
    command = plain_command(store_path)
    assert command.startswith(f"datasette serve {store_path} --metadata {METADATA} --host 127.0.0.1 --port 8001")
    assert METADATA.is_file()


def test_stories_table_and_a_storys_copies(store_path: Path, tmp_path: Path) -> None:
    db = tmp_path / "monitor.db"
    db.write_bytes(store_path.read_bytes())
    with Store(db) as store:
        original = next(store.items("title = ?", [TRAFICO]))
        url = "http://127.0.0.1:9/es/news/cuba-y-mexico-contra-la-trata-20251105.html"
        copy = store.save(_wire_copy(original, url), now=NOW)
        stories = store.db.table("stories").count
    by_story, by_item, table, view = get_all(
        db,
        f"/monitor/story_copies.json?_shape=array&story_id={original['story_id']}&item_id=",
        f"/monitor/story_copies.json?_shape=array&story_id=&item_id={copy.item_id}",
        f"/monitor/stories.json?_shape=array&_size=100&id={original['story_id']}",
        f"/monitor/story_items.json?_shape=array&_size=100&story_id={original['story_id']}",
    )
    expected = [(original["id"], 1, "rhc-es", original["url"]), (copy.item_id, 0, "telesur-es", url)]
    assert [(r["item_id"], r["original"], r["outlet"], r["url"]) for r in rows(by_story)] == expected
    assert rows(by_item) == rows(by_story)
    (story,) = rows(table)
    assert (story["original_item_id"], story["items"], json.loads(story["outlets"])) == (
        original["id"], 2, ["rhc-es", "telesur-es"])
    assert {r["item_id"] for r in rows(view)} == {original["id"], copy.item_id}
    assert stories == len(rows(get_all(db, "/monitor/stories.json?_shape=array&_size=1000")[0]))


def _wire_copy(original: dict[str, Any], url: str) -> Any:
    """The same short text as printed by another outlet: its own URL, Prensa Latina's dateline, a credit line."""
    from datetime import timedelta

    from monitor.models import Article

    paragraphs = original["body"].split("\n\n")
    return Article(url=url, canonical_url=url, outlet="telesur-es", outlet_name="teleSUR", language="es",
                   title=original["title"], published=NOW - timedelta(hours=1), fetched_at=NOW,
                   body=(paragraphs[0].replace("(RHC)", "(Prensa Latina)"), *paragraphs[1:], "Fuente: Prensa Latina"))


def test_band_is_a_facet_with_a_possibly_relevant_item(store_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "monitor.db"
    source, copy = sqlite3.connect(store_path), sqlite3.connect(target)
    with copy:
        source.backup(copy)
    source.close()
    copy.close()
    with Store(target) as store:  # medium evidence only: "possibly relevant", with the reason stored
        new_article(store, config_mod.load(Path(__file__).parents[1] / "config.toml"),
                    url="http://127.0.0.1:9/es/x/1-jornaleros", canonical_url="http://127.0.0.1:9/es/x/1-jornaleros",
                    title="Jornaleros del sur", body=("Los jornaleros denuncian explotación laboral en las fincas.",))
    overview, table, canned = get_all(target, "/monitor/items_overview.json?_facet=band&_size=0", "/monitor/items.json?_size=0",
                                      "/monitor/possibly_relevant.json?_shape=array")
    facets = {str(r["value"]): r["count"] for r in overview.json()["facet_results"]["band"]["results"]}
    with sqlite3.connect(target) as conn:
        found = dict(conn.execute("SELECT band, COUNT(*) FROM items GROUP BY band").fetchall())
        reasons = conn.execute("SELECT reasons FROM items WHERE band = 'possibly'").fetchall()
    assert facets == found and facets["possibly"] >= 1 and facets["relevant"] == 10
    assert ('["score 2 is below the threshold 3"]',) in reasons
    assert "band" in table.json()["facet_results"]  # a default facet of the items table (metadata.json)
    assert [(r["title"], r["reasons"]) for r in rows(canned)] == [("Jornaleros del sur", '["score 2 is below the threshold 3"]')]


def test_the_atom_feed_of_a_store_without_relevant_items_says_so(tmp_path: Path) -> None:
    db = tmp_path / "monitor.db"
    Store(db).close()
    (feed,) = get_all(db, "/monitor/relevant_feed.atom")
    assert feed.status_code == 200, feed.text[:300]
    parsed = feedparser.parse(feed.text)
    assert not parsed.bozo and [e.title for e in parsed.entries] == ["No relevant item yet"]


@pytest.mark.parametrize("port", ["99999", "taken"])
def test_serve_refuses_a_port_it_cannot_use_before_announcing_anything(tmp_path: Path, port: str) -> None:
    Store(tmp_path / "m.db").close()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        chosen = port if port != "taken" else str(busy.getsockname()[1])
        result = subprocess.run([sys.executable, "-m", "monitor", "--db", str(tmp_path / "m.db"), "serve",
                                 "--port", chosen], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0 and "Serving" not in result.stdout + result.stderr
    expected = "99999 is not in the range 0<=x<=65535" if port == "99999" else f"cannot serve on 127.0.0.1:{chosen}"
    assert expected in result.stderr
