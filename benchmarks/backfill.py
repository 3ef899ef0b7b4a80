"""Backfill throughput and resume cost on a loopback archive.

    python benchmarks/backfill.py [--years 8] [--per-month 300] [--kill-at 0.5]

One outlet's archive on 127.0.0.1 (``monitor.testing.sample_archive``: a Cubadebate-like
WordPress site, a sitemap index with one child per month, ``--years`` x 12 x
``--per-month`` articles, one in seven about trafficking), walked by the real
command, ``monitor backfill`` in a child process, with politeness off (per-host
interval 0), into a fresh SQLite store. One archive, three runs side by side:

* **first run** (the baseline): from the empty store until ``kill -9`` once
  ``--kill-at`` of the archive is stored: articles/s;
* **resumed run**: the same command again, to the end: pages requested a second
  time, seconds before its first new article, articles/s against the first run's;
* **again**: the same command once everything is stored (idempotence: what a re-run costs).

Over the whole archive: requests per stored article (archive pages, articles and
robots.txt, plus what the kill made us ask twice).
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

from monitor.testing.sample_archive import ArchiveSite, archive_config  # noqa: E402

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


def first_run(site: ArchiveSite, config: Path, db: Path, years: int, kill_at: float) -> Run:
    start = time.perf_counter()
    process = subprocess.Popen(command(config, years), stdout=subprocess.DEVNULL)
    target = int(site.articles * kill_at)
    while items(db) < target and process.poll() is None:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return Run(f"first run, kill -9 at {kill_at:.0%} (baseline)", time.perf_counter() - start, items(db),
               sum(site.requests.values()))


def resumed_run(site: ArchiveSite, config: Path, db: Path, years: int) -> Run:
    at_kill, seen = items(db), dict(site.requests)
    start = time.perf_counter()
    process = subprocess.Popen(command(config, years), stdout=subprocess.DEVNULL)
    first = None
    while process.poll() is None:
        if first is None and items(db) > at_kill:
            first = time.perf_counter() - start
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    repeated = sum(1 for target, n in site.requests.items() if target != "/robots.txt" and n > seen.get(target, 0) > 0)
    return Run("resumed run, to the end", seconds, items(db) - at_kill, sum(site.requests.values()) - sum(seen.values()),
               repeated, first)


def again(site: ArchiveSite, config: Path, db: Path, years: int) -> Run:
    before, stored = sum(site.requests.values()), items(db)
    start = time.perf_counter()
    subprocess.run(command(config, years), check=True, stdout=subprocess.DEVNULL)
    return Run("again, all stored", time.perf_counter() - start, items(db) - stored, sum(site.requests.values()) - before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=8)
    parser.add_argument("--per-month", type=int, default=300)
    parser.add_argument("--kill-at", type=float, default=0.5, help="fraction of the archive stored before kill -9")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="monitor-backfill-bench-") as tmp, \
            ArchiveSite(first_year=FIRST_YEAR, years=args.years, per_month=args.per_month) as site:
        folder = Path(tmp)
        config, db = folder / "config.toml", folder / "monitor.db"
        config.write_text(archive_config(site.base_url, str(db), per_host_interval=0.0), encoding="utf-8")
        print(f"archive: {args.years} years x 12 months x {args.per_month} = {site.articles} articles on "
              f"{site.base_url}, politeness off (per-host interval 0)", flush=True)
        first = first_run(site, config, db, args.years, args.kill_at)
        print(f"  {first.name}: {first.stored} stored in {first.seconds:.0f} s", flush=True)
        resumed = resumed_run(site, config, db, args.years)
        print(f"  {resumed.name}: {resumed.stored} stored in {resumed.seconds:.0f} s", flush=True)
        runs = [first, resumed, again(site, config, db, args.years)]
        total_requests, total_stored = sum(site.requests.values()), items(db)

    print(f"\n{'run':<40}{'seconds':>9}{'stored':>8}{'articles/s':>12}{'requests':>10}{'req/article':>13}")
    for run in runs:
        print(f"{run.name:<40}{run.seconds:>9.1f}{run.stored:>8}{run.rate:>12.1f}{run.requests:>10}{run.per_article:>13.3f}")
    first, resumed, repeat = runs
    whole = first.seconds + resumed.seconds
    print(f"\nwhole archive: {total_stored} of {site.articles} stored in {whole:.0f} s = {total_stored / whole:.1f} articles/s; "
          f"{total_requests} requests = {total_requests / total_stored:.3f} per stored article")
    when = f"{resumed.first_new_after:.1f} s" if resumed.first_new_after is not None else "n/a"
    print(f"resume after kill -9: {resumed.repeated} pages requested twice; first new article after {when}; "
          f"{resumed.rate:.1f} articles/s = {resumed.rate / first.rate:.2f}x the first run's")
    print(f"again: {repeat.requests} requests in {repeat.seconds:.1f} s: nothing it has is fetched again")


if __name__ == "__main__":
    main()
