"""`monitor poll` end to end: the bundled config pointed at the sample sites on 127.0.0.1.

Real HTTP servers, the real CLI in a subprocess, a real SQLite file. Fixture facts and
their OUTLETS.md labels are in each sample site file; what we assert here is what a
user sees: rows, seed documents, statuses, exit codes, and how politely we fetched.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

import pytest

from monitor.testing.sampleserver import SampleSites, sample_config_text, start_sites, write_sample_config
from monitor.seedformat import parse

SITES = ("telesur-en", "telesur-es", "rhc-en", "rhc-es")
INTERVAL = 0.15  # per-host pacing used in this module, seconds

EXPECTED = {  # path -> (outlet, relevant, title)
    "/cuba-rejects-us-trafficking-in-persons-report/": ("telesur-en", 1, "Cuba Rejects US Trafficking in Persons Report"),
    "/washington-labels-cuban-medical-brigades-forced-labor/": ("telesur-en", 1, "Washington Labels Cuban Medical Brigades as Forced Labor"),
    "/police-dismantle-cocaine-trafficking-ring-in-caribbean/": ("telesur-en", 0, "Police Dismantle Cocaine Trafficking Ring in the Caribbean"),
    "/venezuela-hosts-alba-summit/": ("telesur-en", 0, "Venezuela Hosts ALBA-TCP Summit in Caracas"),
    "/news/Cuba-Rejects-US-False-Accusation-on-Human-Trafficking-20210704-0009.html": ("telesur-en", 1, "Cuba Rejects US False Accusation on Human Trafficking"),
    "/cuba-rechaza-informe-de-eeuu-sobre-trata-de-personas/": ("telesur-es", 1, "Cuba rechaza informe de EE.UU. sobre trata de personas"),
    "/se-trata-de-un-nuevo-hospital-en-caracas/": ("telesur-es", 0, "Se trata de un nuevo hospital en Caracas"),
    "/detienen-a-tres-personas-por-trafico-de-combustible/": ("telesur-es", 0, "Detienen a tres personas por tráfico de combustible"),
    "/news/Paises-de-la-ONU-prometen-luchar-contra-la-trata-de-personas-20170927-0046.html": ("telesur-es", 1, "Países de la ONU prometen luchar contra la trata de personas"),
    "/en/noticias/nacionales/280480-cuba-strengthened-confrontation-with-human-trafficking": ("rhc-en", 1, "Cuba strengthened confrontation with human trafficking"),
    "/en/noticias/nacionales/304052-cuba-publishes-national-report-on-human-trafficking-in-2021": ("rhc-en", 1, "Cuba publishes national report on human trafficking in 2021"),
    "/en/noticias/internacionales/304100-two-hurt-in-traffic-accident-on-havana-coastal-road": ("rhc-en", 0, "Two hurt in traffic accident on Havana coastal road"),
    "/es/noticias/nacionales/304053-cuba-publica-informe-nacional-sobre-trata-de-personas": ("rhc-es", 1, "Cuba publica informe nacional sobre trata de personas"),
    "/es/noticias/nacionales/304070-brigadas-medicas-cubanas-rechazan-acusacion-de-trabajo-forzoso": ("rhc-es", 1, "Brigadas médicas cubanas rechazan acusación de trabajo forzoso"),
    "/es/noticias/internacionales/304081-vecinos-trataron-de-salvar-la-cosecha-tras-el-huracan": ("rhc-es", 0, "Vecinos trataron de salvar la cosecha tras el huracán"),
}


def run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=180)


def query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def polled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SampleSites, Path, Path, subprocess.CompletedProcess[str], dict[str, list]]]:
    """One fresh set of sites, polled once; the request logs of that first poll kept aside."""
    folder = tmp_path_factory.mktemp("poll")
    with start_sites(sites=SITES) as sites:
        config = write_sample_config(sites, folder / "config.toml", store_path="store.db", per_host_interval=INTERVAL)
        first = run(config, "poll")
        logs = {name: list(sites.request_log(name)) for name in SITES}
        yield sites, config, folder / "store.db", first, logs


def test_first_poll_stores_every_article_with_its_decision(polled) -> None:
    sites, _, db, result, _ = polled
    assert result.returncode == 0, result.stderr
    stored = {url.split(":", 2)[2].split("/", 1)[1]: (outlet, relevant, title)
              for url, outlet, relevant, title in query(db, "SELECT url, outlet, relevant, title FROM items")}
    assert {"/" + k: v for k, v in stored.items()} == EXPECTED


def test_summary_lines_per_outlet(polled) -> None:
    _, _, _, result, _ = polled
    lines = result.stdout.splitlines()
    assert lines == [
        "teleSUR English: 5 seen, 5 new (3 relevant), 0 updated, 0 failed",
        "teleSUR: 4 seen, 4 new (2 relevant), 0 updated, 0 failed",
        "Radio Habana Cuba (en): 3 seen, 3 new (2 relevant), 0 updated, 0 failed",
        "Radio Habana Cuba (es): 3 seen, 3 new (2 relevant), 0 updated, 0 failed",
        "15 new (9 relevant), 0 updated, 0 outlets failing",
    ]


def test_stored_text_is_the_seed_document_of_the_row(polled) -> None:
    _, _, db, _, _ = polled
    for title, caption, body, canonical, text, outlet in query(
        db, "SELECT title, caption, body, canonical_url, text, outlet FROM items"
    ):
        doc = parse(text)
        assert doc.title == title and doc.caption == caption
        assert "\n\n".join(doc.body) == body
        assert doc.canonical_url.endswith(canonical.split("://", 1)[1].split("/", 1)[1])
        assert text.endswith("**Radio Habana Cuba**" if outlet.startswith("rhc") else "**teleSUR**" if outlet == "telesur-es" else "**teleSUR English**")


def test_seed_article_extracted_from_its_page_matches_the_seed(polled) -> None:
    _, _, db, _, _ = polled
    seed = parse((Path(__file__).resolve().parent.parent / "seeds" / "001_319918b101c2d455.txt").read_text(encoding="utf-8"))
    (text,) = query(db, "SELECT text FROM items WHERE url LIKE '%/280480-%'")[0]
    got = parse(text)
    assert (got.title, got.caption, got.body) == (seed.title, seed.caption, seed.body)


def test_item_urls_and_runs_recorded(polled) -> None:
    _, _, db, _, _ = polled
    assert query(db, "SELECT COUNT(*) FROM item_urls")[0][0] >= 15
    runs = query(db, "SELECT outlet, status, seen, new, relevant, error FROM runs ORDER BY outlet")
    assert sorted(runs) == sorted([("rhc-en", "ok", 3, 3, 2, None), ("rhc-es", "ok", 3, 3, 2, None),
                                   ("telesur-en", "ok", 5, 5, 3, None), ("telesur-es", "ok", 4, 4, 2, None)])
    assert query(db, "SELECT COUNT(*) FROM raw_pages")[0][0] == 15  # kept for reprocess


def test_robots_txt_fetched_once_per_site_and_obeyed(polled) -> None:
    _, _, _, _, logs = polled
    for name in SITES:
        targets = [r.target for r in logs[name]]
        assert targets.count("/robots.txt") == 1, name
        assert targets[0] == "/robots.txt"  # asked before anything else
        assert not [t for t in targets if t.startswith("/private/")]


def test_per_host_pacing(polled) -> None:
    _, _, _, _, logs = polled
    for name in SITES:
        times = [r.time for r in logs[name]]
        gaps = [b - a for a, b in zip(times, times[1:])]
        assert len(gaps) >= 5
        # Server-side arrival times jitter by a few ms under load; unpaced requests would be ~1 ms apart.
        assert min(gaps) >= INTERVAL * 0.7, (name, min(gaps))


def test_honest_user_agent(polled) -> None:
    _, _, _, _, logs = polled
    agents = {r.headers.get("user-agent") for name in SITES for r in logs[name]}
    assert len(agents) == 1 and next(iter(agents)).startswith("monitor/")


def test_second_poll_refetches_nothing_unchanged(polled) -> None:
    sites, config, db, _, _ = polled
    for name in SITES:
        sites.site(name).clear_log()
    second = run(config, "poll")
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[-1] == "0 new (0 relevant), 0 updated, 0 outlets failing"
    for name in SITES:
        requests = sites.request_log(name)
        # only discovery pages, each revalidated (If-None-Match / If-Modified-Since); no article page
        assert "/robots.txt" not in [r.target for r in requests], name  # kept in the store for 24 h
        pages = list(requests)
        assert pages, name
        for r in pages:
            assert r.target.rstrip("/") not in {p.rstrip("/") for p in EXPECTED}, r.target
            assert r.headers.get("if-none-match") or r.headers.get("if-modified-since"), r.target
    assert query(db, "SELECT COUNT(*) FROM items")[0][0] == 15


def test_robots_txt_is_revalidated_once_its_day_is_over(polled) -> None:
    sites, config, db, _, _ = polled
    stored = dict(query(db, "SELECT host, etag FROM robots_txt"))
    assert set(stored) == {sites.base_url(name) for name in SITES} and all(stored.values())
    with sqlite3.connect(db) as conn:  # a day later, as far as the stored lifetime goes
        conn.execute("UPDATE robots_txt SET expires = '2000-01-01T00:00:00+00:00'")
    for name in SITES:
        sites.site(name).clear_log()
    again = run(config, "poll")
    assert again.returncode == 0, again.stderr
    for name in SITES:
        asked = [r for r in sites.request_log(name) if r.target == "/robots.txt"]
        assert len(asked) == 1, name
        assert asked[0].headers.get("if-none-match") == stored[sites.base_url(name)], name  # a 304, not a download
        paths = [r.target for r in sites.request_log(name)]
        assert not [t for t in paths if t.startswith("/private/")]  # the stored rules still apply
    for checked, expires in query(db, "SELECT checked_at, expires FROM robots_txt"):
        assert datetime.fromisoformat(expires) - datetime.fromisoformat(checked) == timedelta(hours=24)


def test_reprocess_without_fetching(polled) -> None:
    sites, config, db, _, _ = polled
    for name in SITES:
        sites.site(name).clear_log()
    seen_before = query(db, "SELECT id, last_seen, fetched_at FROM items ORDER BY id")
    urls_before = query(db, "SELECT url, last_seen FROM item_urls ORDER BY url")
    result = run(config, "reprocess", "--outlet", "rhc-en")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "reprocessed 3 items: 0 updated, 3 unchanged, 0 failed, 0 without a stored page"
    assert all(not sites.request_log(name) for name in SITES)
    # re-reading a stored page is not a new sighting
    assert query(db, "SELECT id, last_seen, fetched_at FROM items ORDER BY id") == seen_before
    assert query(db, "SELECT url, last_seen FROM item_urls ORDER BY url") == urls_before


def test_check_prints_every_field_and_its_source(polled) -> None:
    sites, config, _, _, _ = polled
    url = sites.base_url("rhc-en") + "/en/noticias/nacionales/280480-cuba-strengthened-confrontation-with-human-trafficking"
    result = run(config, "check", "rhc-en", "--url", url)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Cuba strengthened confrontation with human trafficking" in out
    assert "relevance: relevant" in out
    for field in ("title", "author", "published", "caption", "body", "canonical_url"):
        assert any(line.startswith(field) for line in out.splitlines()), field


# ------------------------------------------------------------------ failing outlets


FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Trouble</title><link>{{BASE}}/</link>
{items}
</channel></rss>"""


def _site_config(tmp_path: Path, base_url: str, feed_path: str = "/feed/") -> Path:
    text = f"""
[store]
path = "store.db"
[http]
per_host_interval = 0.0
retries = 1
backoff = 0.01
read_timeout = 1.0
allow_private_addresses = true
[outlets.trouble]
name = "Trouble Times"
language = "en"
base_url = "{base_url}/"
adapter = "generic"
feeds = ["{feed_path}"]
"""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _feed_of(*paths: str) -> str:
    items = "".join(f"<item><title>t</title><link>{{{{BASE}}}}{p}</link></item>" for p in paths)
    return FEED.replace("{items}", items)


@pytest.mark.parametrize(
    ("articles", "reason"),
    [
        (["/_trouble/challenge?k=1", "/_trouble/challenge?k=2"], "blocked (403): all 2 article pages failed"),
        (["/_trouble/stub?k=1", "/_trouble/stub?k=2"], "layout changed: all 2 article pages failed"),
        (["/_trouble/always500?k=1"], "http 5xx (500): all 1 article pages failed"),
        (["/_trouble/slow?seconds=3"], "timeout: all 1 article pages failed"),
        (["/_trouble/malformed"], "layout changed: all 1 article pages failed"),
    ],
)
def test_failing_article_pages_mark_the_outlet_failing(tmp_path: Path, make_site, articles: list[str], reason: str) -> None:
    site = make_site({"feed.xml": _feed_of(*articles), "routes.toml": '["/feed/"]\nfile = "feed.xml"\n'})
    config = _site_config(tmp_path, site.url("").rstrip("/"))
    result = run(config, "poll")
    assert result.returncode == 1
    assert "Trouble Times: 0 seen" not in result.stdout
    assert f"FAILING: {reason}" in result.stdout
    assert result.stdout.splitlines()[-1] == "0 new (0 relevant), 0 updated, 1 outlet failing"
    assert query(tmp_path / "store.db", "SELECT COUNT(*) FROM items") == [(0,)]  # a failure is not an empty article
    status = run(config, "status")
    assert status.returncode == 1 and "FAILING" in status.stdout and reason.split(":")[0] in status.stdout


@pytest.mark.parametrize(
    ("feed_path", "reason"),
    [
        ("/_trouble/challenge", "blocked (403): every source failed"),
        ("/_trouble/always500", "http 5xx (500): every source failed"),
        ("/_trouble/truncated-feed", None),  # kept what it could: not failing
        ("/_trouble/loop", "too many redirects: every source failed"),
    ],
)
def test_failing_discovery(tmp_path: Path, make_site, feed_path: str, reason: str | None) -> None:
    site = make_site({})
    config = _site_config(tmp_path, site.url("").rstrip("/"), feed_path)
    result = run(config, "poll")
    if reason is None:
        assert "FAILING" not in result.stdout or "every source failed" not in result.stdout
    else:
        assert result.returncode == 1
        assert f"FAILING: {reason}" in result.stdout


def test_unreachable_outlet_fails_fast_without_retry_storm(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = _site_config(tmp_path, f"http://127.0.0.1:{port}")
    started = time.monotonic()
    result = run(config, "poll")
    assert result.returncode == 1
    assert "FAILING: network unreachable: every source failed" in result.stdout
    assert time.monotonic() - started < 60  # a sanity bound, not a benchmark


def test_one_failing_outlet_does_not_stop_the_others(tmp_path: Path, make_site) -> None:
    good = make_site({"feed.xml": FEED.replace("{items}", ""), "routes.toml": '["/feed/"]\nfile = "feed.xml"\n'}, name="good")
    config = _site_config(tmp_path, good.url("").rstrip("/"))
    text = config.read_text() + """
[outlets.down]
name = "Down Daily"
language = "es"
base_url = "http://127.0.0.1:9/"
feeds = ["/feed/"]
"""
    config.write_text(text)
    result = run(config, "poll")
    assert result.returncode == 1
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines()[:2])
    assert "FAILING" not in lines["Trouble Times"]
    assert "FAILING: network unreachable" in lines["Down Daily"]


def test_discovery_that_suddenly_yields_nothing_marks_the_outlet_failing(tmp_path: Path, make_site) -> None:
    article = (
        "<html><head><title>Cuba rejects report</title>"
        '<meta property="og:type" content="article"></head><body><article><h1>Cuba rejects report</h1>'
        + "<p>Havana, Nov 5 (RHC) -- The ministry rejected the report on trafficking in persons today.</p>" * 3
        + "</article></body></html>"
    )
    site = make_site({"a.html": article, "feed.xml": _feed_of("/news/a"),
                      "routes.toml": '["/feed/"]\nfile = "feed.xml"\n["/news/a"]\nfile = "a.html"\n'})
    config = _site_config(tmp_path, site.url("").rstrip("/"))
    first = run(config, "poll")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "1 seen, 1 new" in first.stdout
    # The feed still answers 200, but its items are gone: a redesign, not a quiet day.
    site.set_override("/feed/", body=FEED.replace("{items}", "<!-- moved -->"),
                      headers={"Content-Type": "application/rss+xml"})
    second = run(config, "poll")
    assert second.returncode == 1
    assert "FAILING: layout changed: discovery found no article links (it did last time)" in second.stdout


def test_check_without_url_runs_discovery_first(polled) -> None:
    _, config, _, _, _ = polled
    result = run(config, "check", "rhc-es")
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("[rhc-es] Radio Habana Cuba (es): 3 article links (")
    # the breakdown counts links, and adds up to them; sources are counted apart
    links = int(re.search(r": (\d+) article links", first)[1])
    assert sum(int(n) for n in re.findall(r"(\d+) from ", first)) == links
    assert re.search(r"; \d+ sources read, 0 failed, \d+ unchanged$", first)
    assert "checking the first link: http://127.0.0.1:" in result.stdout
    assert "relevance:" in result.stdout


def test_progress_shows_on_a_terminal_and_not_in_cron(tmp_path: Path) -> None:
    """A person at a terminal sees per-outlet progress; piped output (cron, logs) stays clean."""
    import os
    import pty

    with start_sites(sites=("rhc-en",)) as sites:
        config = write_sample_config(sites, tmp_path / "config.toml", store_path="store.db")
        leader, follower = pty.openpty()
        proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "poll"],
                                stdout=subprocess.PIPE, stderr=follower, text=True)
        os.close(follower)
        out, _ = proc.communicate(timeout=120)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            seen += chunk
        os.close(leader)
    assert proc.returncode == 0
    assert b"\rrhc-en 1/3" in seen.replace(b"\x1b[K", b"") and b"rhc-en 3/3" in seen
    assert "\r" not in out and out.splitlines()[0].startswith("Radio Habana Cuba (en): 3 seen, 3 new")


# ---------------------------------------------------------------- open_run: the one place a run is built


def test_open_run_builds_a_run_from_the_config_and_closes_what_it_opened(tmp_path: Path) -> None:
    from monitor import config as config_mod
    from monitor.pipeline import open_run
    from monitor.store import Store

    path = tmp_path / "config.toml"
    path.write_text(sample_config_text({"telesur-en": "http://127.0.0.1:9/"}), encoding="utf-8")
    cfg = config_mod.load(path)
    with open_run(cfg) as run:
        assert run.rules is cfg.rules  # compiled once, by config.load
        assert run.store.path == cfg.store_path and run.store.count_items() == 0
        assert run.fetcher is not None and run.fetcher.cache is run.store.validators
        client = run.fetcher._client
    with pytest.raises(sqlite3.ProgrammingError):
        run.store.count_items()  # the store it opened is closed
    assert client.is_closed

    with Store(cfg.store_path) as mine, open_run(cfg, store=mine, fetch=False) as run:
        assert run.store is mine and run.fetcher is None
    with pytest.raises(sqlite3.ProgrammingError):
        mine.count_items()  # closed by its own `with`, not by open_run ...
    with Store(cfg.store_path) as mine:
        with open_run(cfg, store=mine):
            pass
        assert mine.count_items() == 0  # ... which leaves a store it was given open


# ------------------------------------------------------------------ a configured selector stops matching


REDESIGNED_ARTICLE = """<!DOCTYPE html><html lang="es"><head><meta charset="utf-8">
<title>Cuba presenta informe sobre trata de personas - Trouble Times</title>
<meta property="og:type" content="article">
<meta property="article:published_time" content="2026-01-10T10:00:00-05:00"></head><body>
<div class="nuevo-diseno"><h1 class="titular">Cuba presenta informe sobre trata de personas</h1>
<div class="texto"><p>El Gobierno cubano presentó este sábado su informe anual sobre la trata de personas.</p>
<p>El documento detalla los casos investigados y la atención a las víctimas durante el año.</p></div></div>
</body></html>"""


def test_selector_that_stops_matching_keeps_the_item_and_flags_the_outlet(tmp_path: Path, make_site) -> None:
    """The site changed its markup: the item is stored from the generic reading, the outlet shows degraded."""
    site = make_site({
        "feed.xml": _feed_of("/noticias/informe-trata/"),
        "article.html": REDESIGNED_ARTICLE,
        "routes.toml": '["/feed/"]\nfile = "feed.xml"\n["/noticias/informe-trata/"]\nfile = "article.html"\n',
    })
    config = _site_config(tmp_path, site.url("").rstrip("/"))
    config.write_text(config.read_text(encoding="utf-8") + '[outlets.trouble.selectors]\ntitle = "h1.g-story-heading"\n',
                      encoding="utf-8")
    result = run(config, "poll")
    assert result.returncode == 0, result.stdout + result.stderr
    db = tmp_path / "store.db"
    assert query(db, "SELECT title, authors FROM items") == [("Cuba presenta informe sobre trata de personas", "[]")]
    assert query(db, "SELECT status, degraded FROM runs") == [
        ("ok", "selector title=h1.g-story-heading matched nothing (1 page)")]
    status = run(config, "status")
    assert "degraded: selector title=h1.g-story-heading matched nothing" in status.stdout
    digest = run(config, "digest", "--since", "2000-01-01")
    assert "DEGRADED [trouble] Trouble Times: selector title=h1.g-story-heading matched nothing" in digest.stdout
