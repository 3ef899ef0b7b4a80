"""`monitor poll` over many outlets on loopback: CPU per article, and what a no-news poll costs.

    python benchmarks/poll.py [--outlets 200] [--articles 50] [--interval 0.02] [--stages]

A server process (not counted) serves ``--outlets`` sites, each on its own port
(per-host politeness is per site), shaped like the sample sites (Radio Habana
Cuba and teleSUR, EN and ES, so the real ``rhc`` and ``telesur`` adapters
extract them): robots.txt, one RSS feed of ``--articles`` entries and the
article pages, all with stable ETags and 304s. Articles are
``benchmarks/corpus.py`` texts (300-700 words from real EN/ES word
frequencies); one in twenty is a near-copy of another outlet's.

1. first poll: ``monitor poll`` as a user runs it (a new process, fresh store);
   CPU of that process (user + system, interpreter start included) per article;
2. the named baseline, in the same run and on the same sites: a plain script,
   httpx + feedparser + selectolax + sqlite-utils (feed, pages, <h1> and <p>,
   one insert each; no robots, politeness, identity, classification, stories);
3. second poll, nothing new: ``monitor poll`` again; its CPU and wall time
   beyond politeness waits, and what it asked the sites for (robots.txt is
   revalidated from the store, not fetched; feeds answer 304).

Goals (printed, never asserted): first poll <= 3 ms CPU per article and <= 2x
the plain script; second poll <= 1 s of work. ``--interval`` is the per-host
politeness interval (the product's default is 1 s; waits cost wall time,
not CPU, so a short one keeps the run short without changing the CPU figures).
``--stages`` runs the first poll under ``benchmarks/stages.py`` and prints its
CPU per stage (discovery, fetch, extraction, classification, the save and its
parts), which is where a goal not met says what it would take.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

SHAPE_CYCLE = ("rhc-en", "telesur-en", "rhc-es", "telesur-es")
COUNTERS = ("robots 200", "robots 304", "feed 200", "feed 304", "article 200", "article 304", "other")
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


# ---------------------------------------------------------------- the sites (a child process)


def article_number(outlet: int, k: int) -> int:
    """corpus.text number of outlet's k-th article: even numbers are English, odd Spanish."""
    english = SHAPE_CYCLE[outlet % len(SHAPE_CYCLE)].endswith("en")
    return 2_000_000 + 2 * (outlet * 1000 + k) + (0 if english else 1)


def site_pages(outlet: int, articles: int, base: str) -> dict[str, tuple[bytes, str]]:
    """path -> (body, content type) of one outlet's site."""
    site = SHAPE_CYCLE[outlet % len(SHAPE_CYCLE)]
    shape = corpus.SHAPES[site]
    pages: dict[str, tuple[bytes, str]] = {"/robots.txt": (ROBOTS, "text/plain")}
    entries = []
    for k in range(articles):
        n = article_number(outlet, k)
        body = corpus.text(n)
        if k % 20 == 7 and outlet >= len(SHAPE_CYCLE):  # a near-copy of an outlet of the same shape
            body = corpus.near_copy(corpus.text(article_number(outlet - len(SHAPE_CYCLE), k)), n)
        when = corpus.EPOCH + timedelta(days=300, minutes=37 * k + outlet)
        path = shape.path(n, corpus.slug(body.title))
        pages[path] = (corpus.page(site, base, path, body, when).encode(), "text/html; charset=utf-8")
        entries.append((path, body.title, when))
    pages[shape.feed] = (corpus.feed(base, site, entries[::-1]).encode(), "application/rss+xml; charset=utf-8")
    return pages


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        server: Any = self.server
        found = server.pages.get(self.path)
        if found is None:
            self._count("other")
            self._send(404, b"not found", "text/plain", None)
            return
        body, kind = found
        what = "robots" if self.path == "/robots.txt" else "feed" if "xml" in kind else "article"
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self._count(f"{what} 304")
            self._send(304, b"", kind, etag)
        else:
            self._count(f"{what} 200")
            self._send(200, body, kind, etag)

    def _count(self, name: str) -> None:
        counts = self.server.counts  # type: ignore[attr-defined]
        with counts.get_lock():
            counts[COUNTERS.index(name)] += 1

    def _send(self, status: int, body: bytes, kind: str, etag: str | None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        if etag:
            self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


def _serve(outlets: int, articles: int, counts: Any, ports_out: Any) -> None:
    servers = []
    for outlet in range(outlets):
        server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.counts = counts
        server.pages = site_pages(outlet, articles, f"http://127.0.0.1:{server.server_address[1]}")
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ports_out.put([s.server_address[1] for s in servers])
    threading.Event().wait()


# ---------------------------------------------------------------- configs


def write_config(folder: Path, ports: list[int], interval: float) -> Path:
    lines = ['[store]\npath = "poll.db"\n', f"[http]\nper_host_interval = {interval}\nretries = 0\nallow_private_addresses = true  # the sites are on 127.0.0.1\n"]
    for outlet, port in enumerate(ports):
        shape = corpus.SHAPES[SHAPE_CYCLE[outlet % len(SHAPE_CYCLE)]]
        lines.append(
            f'[outlets.o{outlet:03d}]\nname = "Outlet {outlet}"\nlanguage = "{shape.site[-2:]}"\n'
            f'base_url = "http://127.0.0.1:{port}/"\nadapter = "{shape.adapter}"\n'
            f'timezone = "{"America/Havana" if shape.adapter == "rhc" else "UTC"}"\n'
            f'feeds = ["{shape.feed}"]\narticle_pattern = \'{shape.article_pattern}\'\n'
        )
    path = folder / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# ---------------------------------------------------------------- the plain script (the baseline)


def plain(sites_file: Path, db_path: Path, workers: int = 4) -> None:
    """httpx + feedparser + selectolax + sqlite-utils: what a one-page scraper does, and no more."""
    import feedparser
    import httpx
    from selectolax.lexbor import LexborHTMLParser as HTMLParser
    from sqlite_utils import Database

    sites = json.loads(sites_file.read_text())
    import sqlite3

    db = Database(sqlite3.connect(db_path, check_same_thread=False))  # one connection, behind the lock
    db.enable_wal()
    lock = threading.Lock()
    with httpx.Client(timeout=20) as client:

        def one(site: dict) -> None:
            feed = feedparser.parse(client.get(site["base"] + site["feed"]).content)
            for entry in feed.entries:
                tree = HTMLParser(client.get(entry.link).text)
                h1 = tree.css_first("h1")
                body = "\n\n".join(p.text(strip=True) for p in tree.css("p"))
                with lock:
                    db["articles"].insert({"url": entry.link, "title": h1.text(strip=True) if h1 else entry.title,
                                           "body": body, "published": entry.get("published")}, pk="url", replace=True)  # fmt: skip

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(one, sites))
    print(db["articles"].count)


# ---------------------------------------------------------------- measuring


def measured(command: list[str], ok: tuple[int, ...] = (0,), **kwargs: Any) -> tuple[subprocess.CompletedProcess[str], float, float, float]:
    """(result, CPU seconds, wall seconds, peak RSS MB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode not in ok:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result, cpu, wall, after.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outlets", type=int, default=200)
    parser.add_argument("--articles", type=int, default=50, help="feed entries (= articles) per outlet")
    parser.add_argument("--interval", type=float, default=0.02, help="per_host_interval for monitor poll, seconds")
    parser.add_argument("--stages", action="store_true",
                        help="time the first poll's stages too (benchmarks/stages.py: thread CPU per stage)")
    parser.add_argument("--plain", nargs=2, type=Path, help=argparse.SUPPRESS)  # sites.json db: run the baseline
    args = parser.parse_args()
    if args.plain:
        plain(*args.plain)
        return
    counts: Any = multiprocessing.Array("l", len(COUNTERS))
    ports: Any = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(args.outlets, args.articles, counts, ports), daemon=True)
    server.start()
    try:
        run(args, ports.get(timeout=600), counts)
    finally:
        server.terminate()
        server.join(5)


def _snapshot(counts: Any) -> dict[str, int]:
    with counts.get_lock():
        values = dict(zip(COUNTERS, counts[:]))
        for i in range(len(COUNTERS)):
            counts[i] = 0
    return {k: v for k, v in values.items() if v}


def run(args: argparse.Namespace, ports: list[int], counts: Any) -> None:
    total = args.outlets * args.articles
    monitor = [sys.executable, "-m", "monitor"]
    with tempfile.TemporaryDirectory(prefix="monitor-poll-") as tmp:
        folder = Path(tmp)
        config = write_config(folder, ports, args.interval)
        env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
        _, start_cpu, _, _ = measured([sys.executable, "-c", "import monitor.cli, monitor.pipeline"], env=env)
        _snapshot(counts)
        staged = [sys.executable, str(HERE / "stages.py"), str(folder / "stages.json"), "--"] if args.stages else monitor
        first, cpu1, wall1, rss1 = measured([*staged, "--config", str(config), "poll"], (0, 1), env=env, cwd=folder)
        stages = json.loads((folder / "stages.json").read_text()) if args.stages else None
        asked1 = _snapshot(counts)
        stored = _count_items(folder / "poll.db")
        second, cpu2, wall2, rss2 = measured([*monitor, "--config", str(config), "poll"], (0, 1), env=env, cwd=folder)
        asked2 = _snapshot(counts)
        sites = [{"base": f"http://127.0.0.1:{p}", "feed": corpus.SHAPES[SHAPE_CYCLE[o % 4]].feed} for o, p in enumerate(ports)]
        (folder / "sites.json").write_text(json.dumps(sites))
        plain_run, cpu_p, wall_p, _ = measured([sys.executable, __file__, "--plain", str(folder / "sites.json"),
                                                str(folder / "plain.db")], env=env)  # fmt: skip
        _snapshot(counts)
    plain_rows = int(plain_run.stdout.strip().splitlines()[-1])
    per, per_plain = cpu1 / total * 1e3, cpu_p / total * 1e3
    print(f"{args.outlets} outlets x {args.articles} articles on loopback; per_host_interval {args.interval} s")
    print(f"{'run':<34} {'CPU s':>7} {'wall s':>7} {'ms CPU/article':>14} {'stored':>7} {'peak RSS':>9}")
    print(f"{'monitor poll, first':<34} {cpu1:>7.1f} {wall1:>7.1f} {per:>14.2f} {stored:>7,} {rss1:>6.0f} MB")
    print(f"{'plain httpx+feedparser+selectolax':<34} {cpu_p:>7.1f} {wall_p:>7.1f} {per_plain:>14.2f} {plain_rows:>7,}")
    print(f"{'monitor poll, second (no news)':<34} {cpu2:>7.2f} {wall2:>7.2f} {'':>14} {'':>7} {rss2:>6.0f} MB")
    print(f"interpreter start + imports of monitor: {start_cpu:.2f} s CPU (inside both monitor figures)")
    print(f"first poll asked for: {asked1}")
    if stages is not None:
        print("first poll, thread CPU per stage (benchmarks/stages.py), ms per stored article:")
        saved = max(stages["saved"], 1)
        for label, seconds in stages["stages"]:
            print(f"  {label:<44} {seconds / saved * 1e3:6.2f}")
        rest = stages["cpu"] - sum(s for label, s in stages["stages"] if not label.startswith(" "))
        print(f"  {'the rest (start, imports, config, runs, main thread)':<44} {rest / saved * 1e3:6.2f}")
    print(f"second poll asked for: {asked2}")
    print(f"first poll summary: {first.stdout.strip().splitlines()[-1] if first.stdout.strip() else first.stderr[-300:]}")
    print(f"second poll summary: {second.stdout.strip().splitlines()[-1] if second.stdout.strip() else second.stderr[-300:]}")
    print("\ngoals (printed, never asserted):")
    print(f"  first poll {per:.2f} ms CPU/article (goal <= 3): {'met' if per <= 3 else 'NOT met'};"
          f" {per / per_plain:.2f}x the plain script (goal <= 2): {'met' if per <= 2 * per_plain else 'NOT met'}")
    print(f"  second poll {cpu2:.2f} s CPU, {wall2:.2f} s wall for {sum(asked2.values())} requests"
          f" (goal <= 1 s of work): {'met' if cpu2 <= 1 else 'NOT met'};"
          f" robots.txt fetched {asked2.get('robots 200', 0)} times")
    minutes = (args.articles + 2) * 1.0 * args.outlets / 4 / 60
    print(f"at the default 1 s per-host interval the first poll would wait ~{minutes:.0f} min of wall time"
          f" ({args.articles + 2} requests per outlet, 4 outlets at a time); the CPU above does not change")


def _count_items(path: Path) -> int:
    import sqlite3

    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]


if __name__ == "__main__":
    main()
