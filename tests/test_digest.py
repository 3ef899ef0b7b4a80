"""monitor digest: contents, grouping, since-last-review, idempotence, every format, mail."""

from __future__ import annotations

import email
import json
import re
import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import CliRunner

from monitor import config as config_mod
from monitor.classify import compile_rules
from monitor.cli import cli
from monitor.digest import Digest, build, excerpt, published_text
from monitor.digest_formats import render, to_json
from monitor.folding import fold
from monitor.models import Article, OutletRun
from monitor.store import Store

SCHEMA = json.loads((Path(__file__).parents[1] / "monitor" / "digest.schema.json").read_text(encoding="utf-8"))
NOW = datetime.now(timezone.utc)


def open_polled(paths: tuple[Path, Path]) -> tuple[config_mod.Config, Store]:
    config_path, db_path = paths
    return config_mod.load(config_path), Store(db_path)


def new_article(store: Store, config: config_mod.Config, **fields: Any) -> Article:
    """A Spanish RHC article that the bundled rules find relevant, saved now."""
    base = "http://127.0.0.1:9/es/noticias/nacionales/"
    article = Article(
        url=base + "999001-cuba-y-mexico-contra-el-trafico-de-personas",
        canonical_url=base + "999001-cuba-y-mexico-contra-el-trafico-de-personas",
        outlet="rhc-es", outlet_name="Radio Habana Cuba", language="es",
        title="Cuba y México firman un acuerdo contra el Tráfico de Personas",
        body=("La Habana, 2 dic (RHC) Ambos gobiernos firmaron un memorando de entendimiento.",
              "El texto prevé cooperar contra la TRATA DE PERSONAS y el tráfico ilícito de migrantes."),
        published=NOW - timedelta(hours=2), fetched_at=NOW,
    )  # fmt: skip
    article = compile_rules(config.relevance).classify_article(replace(article, **fields))
    store.save(article, now=NOW)
    return article


# ---------------------------------------------------------------- contents and grouping


def test_groups_are_outlet_and_language_in_config_order_items_newest_first(polled: tuple[Path, Path]) -> None:
    config, store = open_polled(polled)
    with store:
        digest = build(config, store, now=NOW)
    assert [(g.outlet, g.language, len(g.entries)) for g in digest.groups] == [
        ("telesur-en", "en", 2), ("telesur-es", "es", 2), ("rhc-en", "en", 2), ("rhc-es", "es", 1),
    ]  # fmt: skip  (two stories are shown once, with their other-language edition: see test_editions_...)
    for group in digest.groups:
        moments = [e.published or e.first_seen for e in group.entries]
        assert moments == sorted(moments, reverse=True)
    assert digest.count == 7 and digest.previous is None


def test_an_entry_has_title_dates_in_havana_and_utc_link_rules_and_excerpt(polled: tuple[Path, Path]) -> None:
    config, store = open_polled(polled)
    with store:
        digest = build(config, store, now=NOW)
    entry = next(e for e in digest.entries if e.title == "Cuba Rejects US False Accusation on Human Trafficking")
    assert published_text(entry) == "2021-07-04 11:48 Havana (15:48 UTC)"
    assert entry.url.endswith("/news/Cuba-Rejects-US-False-Accusation-on-Human-Trafficking-20210704-0009.html")
    assert entry.rules[0] == "human-trafficking"
    assert entry.excerpt is not None and entry.excerpt.start is not None
    assert fold(entry.excerpt.text[entry.excerpt.start : entry.excerpt.end]) == "trafficking in persons"
    assert len(entry.excerpt.text) <= config.digest.excerpt_chars + 2  # plus the two ellipses


@pytest.mark.parametrize(
    ("body", "hit", "shown"),
    [
        ("Intro. La TRÁFICO de Personas crece. Fin.", "trafico de personas", "TRÁFICO de Personas"),
        ("Habló de la trata de personas.", "trata de personas", "trata de personas"),
        ("Un contratado. Luego: trata de personas.", "trata", "trata"),  # never inside "contratado"
        ("Anti-Tráfico: la Niña habló.", "anti trafico", "Anti-Tráfico"),  # punctuation folds to a space
        ("Trafic\u0301o de personas (NFD accents).", "trafico de personas", "Trafic\u0301o de personas"),
    ],
)
def test_excerpt_finds_the_folded_hit_whatever_its_accents_and_case(body: str, hit: str, shown: str) -> None:
    found = excerpt(body, [{"text": hit}], 240)
    assert found is not None and found.start is not None
    assert found.text[found.start : found.end] == shown


def test_excerpt_is_cut_at_words_around_the_match_and_falls_back_to_the_lede() -> None:
    body = " ".join(f"palabra{n}" for n in range(200)) + " la trata de personas " + " ".join("más" for _ in range(200))
    found = excerpt(body, [{"text": "trata de personas"}], 120)
    assert found is not None and found.text.startswith("…palabra") and found.text.endswith("más…")
    assert found.text[found.start : found.end] == "trata de personas"
    assert not re.search(r"\bpalabra\d*…$|^…\d", found.text)
    lede = excerpt("Only the title matched here. " * 20, [{"text": "human trafficking"}], 60)
    assert lede is not None and lede.start is None and lede.text.startswith("Only the title") and lede.text.endswith("…")
    assert excerpt("", [{"text": "x"}], 60) is None


def test_also_at_lists_the_other_urls_an_article_was_seen_at(polled_copy: tuple[Path, Path]) -> None:
    config, store = open_polled(polled_copy)
    with store:
        row = next(store.items("title = ?", ["Brigadas médicas cubanas rechazan acusación de trabajo forzoso"]))
        other = re.sub(r"/(\d+)-[^/]+$", r"/\1-cuba-publica-su-informe", row["url"])
        article = Article(url=other, canonical_url=other, outlet=row["outlet"], outlet_name="Radio Habana Cuba",
                          language="es", title=row["title"], body=tuple(row["body"].split("\n\n")), fetched_at=NOW)
        outcome = store.save(compile_rules(config.relevance).classify_article(article), now=NOW)
        digest = build(config, store, now=NOW)
    assert outcome.item_id == row["id"]
    entry = next(e for e in digest.entries if e.id == row["id"])
    assert any(url.endswith("/304070-cuba-publica-su-informe") for url in entry.also_at)
    assert row["canonical_url"] not in entry.also_at and entry.url not in entry.also_at


@pytest.mark.parametrize("fmt", ["markdown", "html", "json", "atom"])
def test_a_story_republished_by_another_outlet_is_shown_once(polled_copy: tuple[Path, Path], fmt: str) -> None:
    config, store = open_polled(polled_copy)
    with store:
        row = next(store.items("title = ?", ["Brigadas médicas cubanas rechazan acusación de trabajo forzoso"]))
        url = "http://127.0.0.1:9/es/news/cuba-publica-informe-nacional-20251105-0001.html"
        paragraphs = row["body"].split("\n\n")
        wire = Article(url=url, canonical_url=url, outlet="telesur-es", outlet_name="teleSUR", language="es",
                       title="Cuba presenta su informe sobre trata", published=NOW, fetched_at=NOW,
                       body=("La Habana, 5 nov (Prensa Latina) " + paragraphs[0], *paragraphs[1:],
                             "Fuente: Prensa Latina"))
        copy = store.save(compile_rules(config.relevance).classify_article(wire), now=NOW)
        digest = build(config, store, now=NOW)
        text = render(digest, fmt)
    entries = [e for e in digest.entries if row["id"] in {e.id, *(c.id for c in e.copies)}]
    assert len(entries) == 1 and copy.kind == "new"
    (entry,) = entries
    assert entry.id == row["id"]
    assert [(c.id, c.outlet, c.url) for c in entry.copies] == [(copy.item_id, "telesur-es", url)]
    assert copy.item_id not in {e.id for e in digest.entries}
    expected = {
        "markdown": f"Also published by teleSUR (<{url}>)",
        "html": "Also published by teleSUR (<a href",
        "json": f'"outlet_name": "teleSUR",\n              "url": "{url}"',
        "atom": f'<link rel="related" href="{url}" />',
    }[fmt]
    assert expected in text, text


# ---------------------------------------------------------------- since the last review


def test_the_next_digest_starts_after_the_reviewed_one(polled_copy: tuple[Path, Path]) -> None:
    config, store = open_polled(polled_copy)
    with store:
        first = build(config, store, now=NOW)
        store.record_digest(created=NOW, since=None, until=NOW, last_seq=first.last_seq, items=first.count, format="markdown")
        assert build(config, store, now=NOW).count == 0
        new_article(store, config)
        second = build(config, store, now=NOW)
        assert [e.title for e in second.entries] == ["Cuba y México firman un acuerdo contra el Tráfico de Personas"]
        assert second.previous == 1 and "last reviewed digest (#1" in second.scope
        assert build(config, store, now=NOW, since=NOW - timedelta(days=1)).count == 8  # --since ignores reviews
        assert build(config, store, now=NOW, since=NOW + timedelta(days=1)).count == 0


def digest_cli(paths: tuple[Path, Path], *args: str) -> Any:
    return CliRunner().invoke(cli, ["--config", str(paths[0]), "digest", *args], catch_exceptions=False)


def count_digests(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT COUNT(*) FROM digests").fetchone()[0]


def test_mark_reviewed_records_once_and_then_says_nothing_is_new(polled_copy: tuple[Path, Path]) -> None:
    first = digest_cli(polled_copy, "--mark-reviewed")
    assert first.exit_code == 0 and "# Monitor digest: 7 new relevant items" in first.stdout
    assert "recorded as digest #1" in first.stderr
    for _ in range(2):
        again = digest_cli(polled_copy, "--mark-reviewed")
        assert again.exit_code == 0 and "nothing new: nothing recorded" in again.stderr
        assert "# Monitor digest: nothing new" in again.stdout
    assert count_digests(polled_copy[1]) == 1


# ---------------------------------------------------------------- health


def test_health_names_failing_outlets_with_their_reason_and_silent_ones(polled_copy: tuple[Path, Path]) -> None:
    config, store = open_polled(polled_copy)
    with store:
        store.record_run(OutletRun(outlet="rhc-en", started=NOW, finished=NOW, status="failing",
                                   error="blocked (403): every source failed"))
        digest = build(config, store, now=NOW)
        # NOW is taken at import, before the session's poll: an hour more keeps the whole days exact
        later = build(config, store, now=NOW + timedelta(days=config.digest.silent_after_days + 1, hours=1))
    assert [(f.outlet, f.reason, f.streak) for f in digest.failing] == [("rhc-en", "blocked (403): every source failed", 1)]
    assert digest.silent == ()
    assert {s.outlet for s in later.silent} == {"telesur-en", "telesur-es", "rhc-en", "rhc-es"}
    assert all(s.days == config.digest.silent_after_days + 1 for s in later.silent)
    text = render(digest, "markdown")
    assert "FAILING [rhc-en] Radio Habana Cuba (en): blocked (403): every source failed — 1 failed run in a row" in text
    page = render(later, "html")
    assert page.count("<tr") == 1 + 1 + 4 and "<td" in page and "nothing new for 4 days" in page  # header, failing, silent


# ---------------------------------------------------------------- formats


@pytest.fixture(scope="module")
def digest(polled: tuple[Path, Path]) -> Digest:
    config, store = open_polled(polled)
    with store:
        return build(config, store, now=NOW)


class Page(HTMLParser):
    """What the HTML check looks at: tags, external references, marks, entry blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.external: list[str] = []
        self.entries = 0
        self.marks: list[str] = []
        self._in_mark = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append(tag)
        if tag in ("link", "script", "img", "iframe") or (tag != "a" and values.get("src")):
            self.external.append(tag)
        self.entries += "entry" in (values.get("class") or "").split()
        self._in_mark = tag == "mark"

    def handle_endtag(self, tag: str) -> None:
        self._in_mark = self._in_mark and tag != "mark"

    def handle_data(self, data: str) -> None:
        if self._in_mark:
            self.marks.append(data)


def test_html_is_one_self_contained_page(digest: Digest) -> None:
    page = Page()
    page.feed(render(digest, "html"))
    page.close()
    assert page.entries == 7 and len(page.marks) == 7
    assert page.external == [] and "style" not in page.tags  # inline styles only: mail clients drop <style>
    assert {"html", "head", "title", "body", "h1", "h2", "blockquote"} <= set(page.tags)


def test_markdown_lists_every_item_under_its_outlet(digest: Digest) -> None:
    text = render(digest, "markdown")
    assert [line for line in text.splitlines() if line.startswith("## ")] == [
        "## teleSUR English · 2", "## teleSUR · 2", "## Radio Habana Cuba (en) · 2",
        "## Radio Habana Cuba (es) · 1", "## Health",
    ]  # fmt: skip
    assert text.count("\n### [") == 7 and text.count("**") == 14


def test_atom_reads_back_in_a_feed_reader_with_stable_ids(digest: Digest, polled: tuple[Path, Path]) -> None:
    feed = feedparser.parse(render(digest, "atom"))
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.id.startswith("tag:") and feed.feed.updated_parsed and feed.feed.author == "monitor"
    assert len(feed.entries) == 7
    for entry in feed.entries:
        assert re.fullmatch(r"tag:monitor\.invalid,2024:item:[0-9a-f]{16}", entry.id)
        assert entry.link.startswith("http://127.0.0.1:") and entry.updated_parsed and entry.title
    config, store = open_polled(polled)
    with store:
        again = feedparser.parse(render(build(config, store, now=NOW + timedelta(hours=1)), "atom"))
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]


def validate(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """The subset of JSON Schema (2020-12) that digest.schema.json uses, checked by hand."""
    if "$ref" in schema:
        return validate(value, SCHEMA["$defs"][schema["$ref"].rsplit("/", 1)[1]], path)
    if "anyOf" in schema:
        return [] if any(not validate(value, s, path) for s in schema["anyOf"]) else [f"{path}: matches no anyOf"]
    errors = []
    kinds = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float), "null": type(None)}
    wanted = schema.get("type")
    if wanted and not any(isinstance(value, kinds[t]) and not isinstance(value, bool) for t in ([wanted] if isinstance(wanted, str) else wanted)):
        return [f"{path}: {value!r} is not {wanted}"]
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: {value!r} != {schema['const']!r}")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{path}: {value} < {schema['minimum']}")
    if isinstance(value, dict):
        errors += [f"{path}: missing {key}" for key in schema.get("required", []) if key not in value]
        for key, item in value.items():
            if key in schema.get("properties", {}):
                errors += validate(item, schema["properties"][key], f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unexpected {key}")
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            errors.append(f"{path}: {len(value)} items")
        for n, item in enumerate(value):
            errors += validate(item, schema.get("items", {}), f"{path}[{n}]")
    return errors


def test_json_follows_the_documented_schema(digest: Digest) -> None:
    document = json.loads(render(digest, "json"))
    assert validate(document, SCHEMA) == []
    assert document["count"] == sum(len(g["items"]) for g in document["groups"]) == 7
    broken = json.loads(render(digest, "json"))
    broken["groups"][0]["items"][0]["published_utc"] = "25 June 2025"
    del broken["health"]["failing"]
    assert validate(broken, SCHEMA) == ["$.groups[0].items[0].published_utc: matches no anyOf", "$.health: missing failing"]


@pytest.mark.parametrize(("name", "expected"), [("d.html", "html"), ("d.json", "json"), ("d.atom", "atom"), ("d.md", "markdown")])
def test_output_file_format_follows_its_suffix(polled_copy: tuple[Path, Path], name: str, expected: str) -> None:
    target = polled_copy[0].parent / name
    result = digest_cli(polled_copy, "-o", str(target))
    assert result.exit_code == 0 and result.stdout == "" and f"wrote {target}" in result.stderr
    text = target.read_text(encoding="utf-8")
    starts = {"html": "<!DOCTYPE html>", "json": "{", "atom": "<?xml", "markdown": "# Monitor digest"}
    assert text.startswith(starts[expected])


# ---------------------------------------------------------------- mail


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.original_content)))
        return "250 OK"


def with_smtp(config_path: Path, port: int) -> None:
    text = config_path.read_text(encoding="utf-8")
    text = text.replace("# [digest.smtp]", "[digest.smtp]", 1)
    text = text.replace('# host = "localhost"', 'host = "127.0.0.1"', 1).replace("# port = 25", f"port = {port}", 1)
    text = text.replace('# sender = "monitor@example.org"', 'sender = "monitor@example.org"', 1)
    text = text.replace('# recipients = ["analyst@example.org"]', 'recipients = ["analyst@example.org"]', 1)
    config_path.write_text(text, encoding="utf-8")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_email_sends_text_and_html_once_and_only_when_something_is_new(polled_copy: tuple[Path, Path]) -> None:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with_smtp(polled_copy[0], port)
        sent = digest_cli(polled_copy, "--mark-reviewed", "--email")
        quiet = digest_cli(polled_copy, "--mark-reviewed", "--email")
    finally:
        controller.stop()
    assert sent.exit_code == 0 and "mailed to analyst@example.org" in sent.stderr
    assert "nothing mailed" in quiet.stderr and len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["analyst@example.org"] and message["Subject"].startswith("monitor digest: 7 new relevant items")
    assert message.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_payload(decode=True).decode() for part in message.walk() if not part.is_multipart()}
    assert "# Monitor digest: 7 new relevant items" in parts["text/plain"]
    assert parts["text/html"].startswith("<!DOCTYPE html>")


def test_a_failed_send_leaves_the_digest_unreviewed(polled_copy: tuple[Path, Path]) -> None:
    with_smtp(polled_copy[0], free_port())  # nothing listens there
    result = CliRunner().invoke(cli, ["--config", str(polled_copy[0]), "digest", "--mark-reviewed", "--email"])
    assert result.exit_code == 1 and "mailing the digest via 127.0.0.1" in result.stderr
    assert count_digests(polled_copy[1]) == 0


def test_email_without_smtp_settings_is_a_configuration_error(polled_copy: tuple[Path, Path]) -> None:
    result = CliRunner().invoke(cli, ["--config", str(polled_copy[0]), "digest", "--email"])
    assert result.exit_code == 2 and "[digest.smtp]" in result.stderr
    assert count_digests(polled_copy[1]) == 0


def test_json_digest_round_trips_its_counts(digest: Digest) -> None:
    data = to_json(digest)
    assert [g["outlet"] for g in data["groups"]] == ["telesur-en", "telesur-es", "rhc-en", "rhc-es"]
    assert data["last_seq"] == 14 and data["previous_digest"] is None and data["since"] is None


# ---------------------------------------------------------------- possibly relevant


def possible_article(store: Store, config: config_mod.Config, n: int = 0) -> Article:
    """An RHC item with medium evidence only: "possibly relevant"."""
    url = f"http://127.0.0.1:9/es/noticias/nacionales/99{n:04d}-jornaleros"
    own = " ".join(f"finca{n}x{i}" for i in range(40))  # no two items are near-copies (one story each)
    return new_article(store, config, url=url, canonical_url=url, title=f"Jornaleros del sur ({n})",
                       body=(f"Los jornaleros denuncian explotación laboral en {own}.",))


@pytest.mark.parametrize("fmt", ["markdown", "html", "json"])
def test_possibly_relevant_is_its_own_section_after_the_relevant_items(polled_copy: tuple[Path, Path], fmt: str) -> None:
    config, store = open_polled(polled_copy)
    with store:
        article = possible_article(store, config)
        digest = build(config, store, now=NOW)
    assert digest.count == 7 and [e.title for e in digest.possibly] == [article.title]
    (entry,) = digest.possibly
    assert entry.reasons == ("score 2 is below the threshold 3",) and entry.rules == ("explotacion",)
    assert entry.id not in {e.id for e in digest.entries}
    text = render(digest, fmt)
    if fmt == "json":
        data = json.loads(text)
        assert validate(data, SCHEMA) == []
        assert data["count"] == 7 and data["possibly_more"] == 0
        assert [(p["title"], p["reasons"], p["outlet"]) for p in data["possibly"]] == [
            (article.title, ["score 2 is below the threshold 3"], "rhc-es")
        ]
        return
    heading = {"markdown": "## Possibly relevant · 1", "html": 'id="possibly"'}[fmt]
    last_relevant = text.rindex("Cuba publica informe nacional sobre trata de personas" if fmt == "markdown" else 'class="entry"')
    assert last_relevant < text.index(heading) < text.index(article.title) < text.index("Health")
    assert "why: score 2 is below the threshold 3 · rules: explotacion" in text


def test_the_possibly_section_stays_short(polled_copy: tuple[Path, Path]) -> None:
    config, store = open_polled(polled_copy)
    with store:
        for n in range(13):
            possible_article(store, config, n)
        digest = build(config, store, now=NOW)
    assert (len(digest.possibly), digest.possibly_more) == (10, 3)
    assert "And 3 more (band = possibly in Datasette)." in render(digest, "markdown")
    assert "Jornaleros" not in render(digest, "atom")  # the feed is the relevant items only

