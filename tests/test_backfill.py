"""`monitor backfill` end to end: the bundled config on the fixture sites, and a generated archive.

Real HTTP servers on 127.0.0.1, the real CLI in a subprocess, a real SQLite file. What is
asserted is what a user notices: which articles end up stored, which archive pages were
requested (and which never were), what a second run costs, and that a kill -9 followed by
a resume neither fetches a stored article again nor misses one.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.backfill import Window, month_of_url
from monitor.testing.sample_archive import ArchiveSite, archive_config
from monitor.testing.sampleserver import SampleSites, start_sites, write_sample_config

SITES = ("granma", "cubadebate", "cubadebate-en", "prensa-latina")
ARCHIVE_ONLY = {  # found by backfill only (not in the fixture feeds): path -> outlet
    "/noticias/2017/06/28/cuba-rechaza-informe-sobre-trata-de-personas-del-departamento-de-estado/": "cubadebate",
    "/2018/06/29/cuba-denuncia-manipulacion-en-informe-de-eeuu-sobre-trata-de-personas/": "prensa-latina",
    "/cuba/2018-06-29/cuba-y-la-trata-de-personas-una-verdad-que-washington-ignora-29-06-2018-00-06-41": "granma",
}


def run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "backfill", *args],
                          capture_output=True, text=True, timeout=180)


def query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SampleSites, Path, Path, dict]]:
    folder = tmp_path_factory.mktemp("backfill")
    with start_sites(sites=SITES) as sites:
        config = write_sample_config(sites, folder / "config.toml", store_path="store.db")
        first = run(config, "-o", "granma", "-o", "cubadebate", "-o", "prensa-latina", "--since", "2017-01-01",
                    "--until", "2024-12-31", "--rate", "0.01")
        days = run(config, "-o", "cubadebate-en", "--since", "2019-06-01", "--until", "2019-06-30", "--rate", "0.01")
        logs = {name: [r.target for r in sites.request_log(name)] for name in SITES}
        yield sites, config, folder / "store.db", {"first": first, "days": days, "logs": logs}


def test_backfill_stores_the_archive_through_the_pipeline(backfilled) -> None:
    _, _, db, runs = backfilled
    assert runs["first"].returncode == 0, runs["first"].stderr
    stored = {"/" + url.split("/", 3)[3]: (outlet, relevant, published)
              for url, outlet, relevant, published in query(db, "SELECT url, outlet, relevant, published FROM items")}
    for path, outlet in ARCHIVE_ONLY.items():
        assert stored[path][0:2] == (outlet, 1), path
    assert stored["/noticias/2019/06/21/cuba-rejects-its-inclusion-on-us-trafficking-list/"][0] == "cubadebate-en"
    assert runs["first"].stdout.splitlines()[-1] == "8 new (6 relevant), 2 already stored, 0 failed, 0 outlets failing"


def test_backfill_walks_each_way_and_stops_at_since(backfilled) -> None:
    _, _, _, runs = backfilled
    logs = runs["logs"]
    # sitemap: the index, then its monthly children newest first; 2016-12 is before --since: never asked for
    children = [t for t in logs["cubadebate"] if t.startswith("/sitemap-pt-post-")]
    assert children == ["/sitemap-pt-post-2019-07.xml", "/sitemap-pt-post-2019-06.xml",
                        "/sitemap-pt-post-2018-03.xml", "/sitemap-pt-post-2017-06.xml"]
    # paged feed: page 2 reaches back to 2016, so there is no page 3, and the 2016 article is not fetched
    assert "/feed/?paged=2" in logs["prensa-latina"] and "/feed/?paged=3" not in logs["prensa-latina"]
    assert not [t for t in logs["prensa-latina"] if t.startswith("/2016/")]
    # search: page 3 answers 404 (past the last page) and ends the walk
    assert [t for t in logs["granma"] if t.startswith("/archivo")] == [
        "/archivo?q=trata+de+personas&page=1", "/archivo?q=trata+de+personas&page=2", "/archivo?q=trata+de+personas&page=3"]
    # date archive: every day of June 2019, newest first, each once
    days = [t for t in logs["cubadebate-en"] if t.count("/") == 5 and t.endswith("/") and t.startswith("/noticias/")]
    assert days == [f"/noticias/2019/06/{d:02d}/" for d in range(30, 0, -1)]


def test_months_that_could_not_be_walked_are_recorded(backfilled) -> None:
    _, _, db, _ = backfilled
    months = {(o, m): (walked, links, failures) for o, m, walked, links, failures in
              query(db, "SELECT outlet, month, walked, links, failures FROM backfill_months")}
    assert months[("cubadebate", "2019-07")] == (0, 0, 1)  # listed in the index, 404
    assert months[("cubadebate", "2018-03")] == (1, 0, 0)  # walked, returned nothing
    assert months[("cubadebate", "2017-06")] == (1, 1, 0)
    assert months[("cubadebate-en", "2019-06")] == (1, 1, 0)
    cursors = {(o, s): (done, failed) for o, s, done, failed in
               query(db, "SELECT outlet, source, done, failed FROM backfill_cursors")}
    assert cursors[("cubadebate", "sitemap /sitemap.xml")] == (4, 1)


def test_second_backfill_fetches_nothing_it_has(backfilled) -> None:
    sites, config, db, _ = backfilled
    before = query(db, "SELECT COUNT(*) FROM items")[0][0]
    for name in SITES:
        sites.site(name).clear_log()
    again = run(config, "-o", "granma", "-o", "cubadebate", "-o", "prensa-latina", "--since", "2017-01-01",
                "--until", "2024-12-31", "--rate", "0.01")
    assert again.returncode == 0, again.stderr
    asked = {name: [r.target for r in sites.request_log(name) if r.target != "/robots.txt"] for name in SITES}
    # only the month that failed is tried again; nothing listed or stored is fetched twice
    assert asked == {"granma": [], "cubadebate": ["/sitemap-pt-post-2019-07.xml"], "cubadebate-en": [], "prensa-latina": []}
    assert query(db, "SELECT COUNT(*) FROM items")[0][0] == before
    assert again.stdout.splitlines()[-1].startswith("0 new (0 relevant), 10 already stored")


def test_plan_prints_the_walk_and_an_estimate_without_fetching(backfilled) -> None:
    sites, config, _, _ = backfilled
    for name in SITES:
        sites.site(name).clear_log()
    result = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "backfill", "--plan",
                             "--since", "2017-01-01", "--until", "2024-12-31"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "2017-01-01 .. 2024-12-31 (96 months)" in out and "nothing fetched" in out
    assert "sitemap /sitemap.xml: the index + 96 monthly children" in out
    assert "archive /noticias/{yyyy}/{mm}/{dd}/: 2922 day pages" in out
    assert "feed /feed/?paged={page}: up to 50 pages" in out
    assert "requests" in out.splitlines()[-1]
    assert all(not sites.request_log(name) for name in SITES)


def test_an_outlet_without_an_archive_is_refused_clearly(backfilled) -> None:
    _, config, _, _ = backfilled
    result = run(config, "-o", "granma-en")
    assert result.returncode == 2 and "no archive configured for granma-en" in result.stderr


def test_window_and_sitemap_months() -> None:
    from datetime import date

    window = Window(date(2017, 1, 1), date(2017, 3, 15))
    assert window.months() == ["2017-03", "2017-02", "2017-01"]
    assert len(window.days("2017-03")) == 15 and window.days("2017-03")[0] == date(2017, 3, 15)
    assert month_of_url("https://www.cubadebate.cu/sitemap-pt-post-2019-06.xml") == "2019-06"
    assert month_of_url("https://www.cubadebate.cu/sitemap.xml") is None
    with pytest.raises(ValueError):
        Window(date(2018, 1, 1), date(2017, 1, 1))


# ---------------------------------------------------------------- kill -9 and resume


def _items(db: Path) -> int:
    try:
        return query(db, "SELECT COUNT(*) FROM items")[0][0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_kill_mid_backfill_then_resume_fetches_nothing_twice_and_misses_nothing(tmp_path: Path) -> None:
    with ArchiveSite(first_year=2019, years=1, per_month=20) as site:
        config = tmp_path / "config.toml"
        config.write_text(archive_config(site.base_url, "store.db", per_host_interval=0.002), encoding="utf-8")
        db = tmp_path / "store.db"
        args = [sys.executable, "-m", "monitor", "--config", str(config), "backfill", "--since", "2019-01-01",
                "--until", "2019-12-31"]
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while _items(db) < 50 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        stored_at_kill = _items(db)
        assert 0 < stored_at_kill < site.articles, "the kill must land mid-backfill"

        resumed = subprocess.run(args, capture_output=True, text=True, timeout=120)
        assert resumed.returncode == 0, resumed.stderr
        assert _items(db) == site.articles  # nothing missed
        twice = {target: n for target, n in site.requests.items() if n > 1 and target != "/robots.txt"}
        # At most the one page in hand when the process died (an article fetched but not yet stored, or an
        # archive page fetched but not yet listed in the store) is asked for again.
        assert len(twice) <= 1 and all(n == 2 for n in twice.values()), twice
        assert site.requests["/sitemap.xml"] == 1  # the index was listed in the store before the kill
        assert query(db, "SELECT COUNT(*) FROM items GROUP BY url HAVING COUNT(*) > 1") == []

        site.requests.clear()
        again = subprocess.run(args, capture_output=True, text=True, timeout=60)
        assert again.returncode == 0
        assert set(site.requests) <= {"/robots.txt"}  # a finished backfill costs nothing


def test_progress_with_time_left_on_a_terminal_quiet_lines_when_piped(tmp_path: Path) -> None:
    """A person at a terminal sees counts and an estimate of the time left; piped output stays plain."""
    import pty

    with ArchiveSite(first_year=2019, years=1, per_month=2) as site:
        config = tmp_path / "config.toml"
        config.write_text(archive_config(site.base_url, "store.db"), encoding="utf-8")
        leader, follower = pty.openpty()
        proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "backfill",
                                 "--since", "2019-01-01", "--until", "2019-12-31"],
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
    live = seen.replace(b"\x1b[K", b"").decode()
    assert "\rarchive sitemap /sitemap.xml 1/12 · 2 new (" in live and "12/12" in live and "ETA " in live
    assert "\r" not in out
    assert out.splitlines() == [
        "Archivo, sitemap /sitemap.xml: 13 archive pages (13 fetched), 24 articles listed: 24 new (12 relevant), "
        "0 already stored, 0 failed",
        "24 new (12 relevant), 0 already stored, 0 failed, 0 outlets failing",
    ]


def test_ctrl_c_stops_promptly_and_the_next_run_resumes(tmp_path: Path) -> None:
    with ArchiveSite(first_year=2019, years=1, per_month=10) as site:
        config = tmp_path / "config.toml"
        config.write_text(archive_config(site.base_url, "store.db", per_host_interval=0.05), encoding="utf-8")  # 120 pages: >= 6 s, time to interrupt
        db = tmp_path / "store.db"
        args = [sys.executable, "-m", "monitor", "--config", str(config), "backfill", "--since", "2019-01-01",
                "--until", "2019-12-31"]
        # a runner started in the background (nohup, `&`) hands its children SIGINT ignored: Ctrl-C is what we test
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + 60
        while _items(db) < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)  # stops after the article in hand, not at the end of the walk
        assert process.returncode == 130 and "run the same command again to resume" in err
        assert _items(db) < site.articles
        resumed = subprocess.run(args, capture_output=True, text=True, timeout=120)
        assert resumed.returncode == 0, resumed.stderr
        assert _items(db) == site.articles
        twice = [t for t, n in site.requests.items() if n > 1 and t != "/robots.txt"]
        assert len(twice) <= 1, twice
