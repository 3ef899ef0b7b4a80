"""Backfill throughput and resume cost on a loopback archive.

    python benchmarks/backfill.py [--years 8] [--per-month 300] [--kill-at 0.5] [--resume-articles 300]

One outlet's archive on 127.0.0.1 (``monitor.sample_archive``: a Cubadebate-like
WordPress site, a sitemap index with one child per month, ``--years`` x 12 x
``--per-month`` articles, one in seven about trafficking), walked by the real
command, ``monitor backfill`` in a child process, with politeness off (per-host
interval 0), into a fresh SQLite store. Three runs, side by side:

* **fresh**: the whole archive from an empty store (the baseline): articles/s and
  requests per stored article (archive pages + articles + robots.txt);
* **again**: the same command once it has finished: what an idempotent re-run costs;
* **resume**: a fresh store, ``kill -9`` once ``--kill-at`` of the archive is stored,
  then the same command again, timed until it has stored ``--resume-articles`` more:
  pages requested twice, seconds before the first new article, and its rate
  against the fresh walk's.

Measured (2 shared cores): see the README section "Backfill"; the command there
is the one that produced the figures.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.sample_archive import ArchiveSite, archive_config  # noqa: E402

FIRST_YEAR = 2017


@dataclass
class Run:
    name: str
    seconds: float
    stored: int  # items stored by this run
    requests: int  # requests the archive server answered during this run
    repeated: int = 0  # pages asked for before (the resume's cost)
    first_new_after: float | None = None  # seconds from start to the first new item (resume)

    @property
    def rate(self) -> float:
        return self.stored / self.seconds if self.seconds else 0.0

    @property
    def per_article(self) -> float:
        return self.requests / self.stored if self.stored else float("nan")


def items(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def command(config: Path, years: int) -> list[str]:
    until = f"{FIRST_YEAR + years - 1}-12-31"
    return [sys.executable, "-m", "monitor", "-q", "--config", str(config), "backfill",
            "--since", f"{FIRST_YEAR}-01-01", "--until", until]


def fresh_store(site: ArchiveSite, folder: Path, name: str) -> tuple[Path, Path]:
    config = folder / f"{name}.toml"
    config.write_text(archive_config(site.base_url, f"{name}.db", per_host_interval=0.0), encoding="utf-8")
    return config, folder / f"{name}.db"


def full_walk(site: ArchiveSite, config: Path, db: Path, years: int, name: str) -> Run:
    before, stored_before = sum(site.requests.values()), items(db)
    start = time.perf_counter()
    subprocess.run(command(config, years), check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    return Run(name, seconds, items(db) - stored_before, sum(site.requests.values()) - before)


def resume(site: ArchiveSite, folder: Path, years: int, kill_at: float, resume_articles: int) -> Run:
    config, db = fresh_store(site, folder, "resume")
    site.requests.clear()
    process = subprocess.Popen(command(config, years), stdout=subprocess.DEVNULL)
    target = int(site.articles * kill_at)
    while items(db) < target and process.poll() is None:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    at_kill, seen = items(db), dict(site.requests)
    start = time.perf_counter()
    process = subprocess.Popen(command(config, years), stdout=subprocess.DEVNULL)
    first = None
    while process.poll() is None and items(db) < at_kill + resume_articles:
        if first is None and items(db) > at_kill:
            first = time.perf_counter() - start
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    process.send_signal(signal.SIGINT)  # Ctrl-C: the walk stops; the store keeps what it has
    process.wait()
    repeated = sum(1 for target, n in site.requests.items() if target != "/robots.txt" and n > seen.get(target, 0) > 0)
    requests = sum(site.requests.values()) - sum(seen.values())
    return Run(f"resume after kill -9 at {at_kill}", seconds, items(db) - at_kill, requests, repeated, first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=8)
    parser.add_argument("--per-month", type=int, default=300)
    parser.add_argument("--kill-at", type=float, default=0.5, help="fraction of the archive stored before kill -9")
    parser.add_argument("--resume-articles", type=int, default=300, help="articles the resumed run is timed over")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="monitor-backfill-bench-") as tmp, \
            ArchiveSite(first_year=FIRST_YEAR, years=args.years, per_month=args.per_month) as site:
        folder = Path(tmp)
        print(f"archive: {args.years} years x 12 months x {args.per_month} = {site.articles} articles on {site.base_url}, "
              "politeness off (per-host interval 0)", flush=True)
        config, db = fresh_store(site, folder, "fresh")
        fresh = full_walk(site, config, db, args.years, "fresh walk (baseline)")
        print(f"  {fresh.name}: {fresh.stored} stored in {fresh.seconds:.0f} s", flush=True)
        again = full_walk(site, config, db, args.years, "again (all stored)")
        runs = [fresh, again, resume(site, folder, args.years, args.kill_at, args.resume_articles)]

    print(f"\n{'run':<34}{'seconds':>9}{'stored':>8}{'articles/s':>12}{'requests':>10}{'req/article':>13}")
    for run in runs:
        print(f"{run.name:<34}{run.seconds:>9.1f}{run.stored:>8}{run.rate:>12.1f}{run.requests:>10}{run.per_article:>13.3f}")
    fresh, again, resumed = runs
    print(f"\nfresh walk: {fresh.rate:.1f} articles/s, {fresh.per_article:.3f} requests per stored article "
          f"({fresh.requests - fresh.stored} archive pages and robots.txt for {fresh.stored} articles)")
    print(f"again: {again.requests} requests, {again.seconds:.1f} s "
          f"({again.seconds / fresh.seconds:.3f}x the fresh walk's time): it fetches nothing it has")
    first = f"{resumed.first_new_after:.1f} s" if resumed.first_new_after is not None else "n/a"
    print(f"resume: {resumed.repeated} pages requested twice; first new article after {first}; "
          f"{resumed.rate:.1f} articles/s = {resumed.rate / fresh.rate:.2f}x the fresh walk's rate")


if __name__ == "__main__":
    main()
