"""Store throughput as the database grows: is every dedupe lookup indexed?

    python benchmarks/store.py [--sizes 10000,100000,1000000] [--baseline-sizes 10000,100000]

For each size, a fresh temporary database receives that many synthetic
articles through ``Store.save`` (one transaction each, dedupe on). About 5 % of
the saves are an already stored article seen again under another URL (an RHC
slug edit, a www/tracker spelling, or a canonical URL), the rest are new.
Printed, never asserted:

* articles/s and microseconds per article at each size;
* the cost ratio against the first size (goal <= 1.5: a lookup that scanned
  would grow with the table), and the marginal cost of the last 10,000 saves;
* peak memory: process max RSS, and the Python heap peak (tracemalloc) while
  saving 2,000 more articles into the largest database;
* a named baseline beside it: "plain sqlite-utils insert without dedupe",
  ``db["items"].insert(row)`` per article with the same rows.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlite_utils import Database  # noqa: E402

from monitor import identity, seedformat  # noqa: E402
from monitor.models import Article, Hit, Relevance  # noqa: E402
from monitor.store import Store  # noqa: E402

NOW = datetime(2026, 11, 28, 2, 15, tzinfo=timezone.utc)
WORDS = ("Cuba", "trafficking", "Havana", "ministry", "report", "victims", "policy", "cooperation",
         "prevention", "Interpol", "tráfico", "personas", "migración", "frontera", "justicia")  # fmt: skip
RELEVANT = Relevance(relevant=True, score=3.0, hits=(Hit(rule="trafficking", family="t", text="trafficking", weight=3.0),))
TAIL = 10_000


def synthetic(n: int, rng: random.Random) -> Article:
    """Article ``n``: RHC-style ids for half, slug-only URLs (Granma-style) for the rest."""
    words = [rng.choice(WORDS) for _ in range(90)]
    body = tuple(" ".join(words[i : i + 18]) + "." for i in range(0, 90, 18))
    if n % 2:
        url = f"https://www.radiohc.cu/en/noticias/nacionales/{n}-story-{n}"
        outlet, name = "rhc-en", "Radio Habana Cuba"
    else:
        url = f"https://www.granma.cu/cuba/2026-11-28/story-{n}"
        outlet, name = "granma-es", "Granma"
    return Article(url=url, canonical_url=url, outlet=outlet, outlet_name=name, language="en",
                   title=f"Story {n}: " + " ".join(words[:8]), body=body, published=NOW - timedelta(minutes=n),
                   fetched_at=NOW, relevance=RELEVANT if n % 10 == 0 else None)  # fmt: skip


def respelled(article: Article, n: int) -> Article:
    """The same article under another URL: slug edit (RHC id kept) or a tracker spelling."""
    if article.outlet == "rhc-en":
        return replace(article, url=article.url.replace("-story-", f"-story-edited-{n}-"))
    return replace(article, url=article.url.replace("https://www.", "http://") + f"?utm_source=feed{n}")


def workload(size: int, start: int = 0, seed: int = 7) -> Iterator[Article]:
    """``size`` saves: ~5 % re-saves of an earlier article under another URL."""
    rng = random.Random(seed + start)
    made = 0
    for i in range(size):
        if made and rng.random() < 0.05:
            earlier = start + rng.randrange(made)
            yield respelled(synthetic(earlier, random.Random(earlier)), i)
        else:
            yield synthetic(start + made, random.Random(start + made))
            made += 1


@dataclass
class Timing:
    """Wall and CPU seconds; CPU time is the fairer figure on a shared machine."""

    wall: float = 0.0
    cpu: float = 0.0

    @classmethod
    def since(cls, wall: float, cpu: float) -> Timing:
        return cls(time.perf_counter() - wall, time.process_time() - cpu)


def bench_store(path: Path, size: int) -> tuple[Timing, Timing, Counter[str]]:
    """Time for ``size`` saves, for the last ``TAIL`` of them, and the outcome kinds."""
    kinds: Counter[str] = Counter()
    with Store(path) as store:
        began = tail_began = (time.perf_counter(), time.process_time())
        for i, article in enumerate(workload(size)):
            if i == size - TAIL:
                tail_began = (time.perf_counter(), time.process_time())
            kinds[store.save(article, now=NOW).kind] += 1
        total, tail = Timing.since(*began), Timing.since(*tail_began)
        kinds["rows"] = store.db.table("items").count
    return total, tail, kinds


def bench_baseline(path: Path, size: int) -> Timing:
    """Plain sqlite-utils insert of the same rows, no dedupe, one commit per row."""
    db = Database(path)
    db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    began = (time.perf_counter(), time.process_time())
    for n, article in enumerate(workload(size)):
        row = {"id": f"{n:016x}", "url": article.url, "outlet": article.outlet, "title": article.title,
               "body": "\n\n".join(article.body), "text": seedformat.render(article),
               "content_hash": identity.content_hash(article)}  # fmt: skip
        db["items"].insert(row, pk="id")
    elapsed = Timing.since(*began)
    db.close()
    return elapsed


def heap_peak(path: Path, extra: int, start: int) -> float:
    """Python heap peak (MB) while saving ``extra`` more articles into an existing database."""
    with Store(path) as store:
        tracemalloc.start()
        for article in workload(extra, start=start):
            store.save(article, now=NOW)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak / 1e6


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated article counts")
    parser.add_argument("--baseline-sizes", default=None, help="sizes for the baseline (default: --sizes; '' for none)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    baseline_sizes = [int(s) for s in (args.sizes if args.baseline_sizes is None else args.baseline_sizes).split(",") if s]
    with tempfile.TemporaryDirectory(prefix="monitor-bench-") as tmp:
        report(Path(tmp), sizes, baseline_sizes)


def report(tmp: Path, sizes: list[int], baseline_sizes: list[int]) -> None:
    print(f"{'size':>9} {'store art/s':>12} {'cpu us/art':>10} {'ratio':>6} {'last-10k cpu us':>15} {'maxrss MB':>9}"
          f"   {'baseline art/s':>14} {'cpu us/art':>10} {'ratio':>6}")  # fmt: skip
    first: dict[str, float] = {}
    outcomes: list[str] = []
    for size in sizes:
        total, tail, kinds = bench_store(tmp / f"store-{size}.db", size)
        cost, tail_cost = total.cpu / size * 1e6, tail.cpu / min(TAIL, size) * 1e6
        first.setdefault("store", cost)
        line = (f"{size:>9,} {size / total.wall:>12,.0f} {cost:>10.0f} {cost / first['store']:>6.2f}"
                f" {tail_cost:>15.0f} {max_rss_mb():>9.0f}")  # fmt: skip
        if size in baseline_sizes:
            base = bench_baseline(tmp / f"baseline-{size}.db", size)
            base_cost = base.cpu / size * 1e6
            first.setdefault("base", base_cost)
            line += f"   {size / base.wall:>14,.0f} {base_cost:>10.0f} {base_cost / first['base']:>6.2f}"
        print(line, flush=True)
        merged = ", ".join(f"{kind} {kinds[kind]:,}" for kind in ("new", "seen", "unchanged", "updated"))
        outcomes.append(f"{size:,} saves -> {kinds['rows']:,} rows ({merged})")
    print("dedupe: " + "; ".join(outcomes))
    largest = tmp / f"store-{sizes[-1]}.db"
    peak = heap_peak(largest, 2_000, start=sizes[-1] * 2)
    print(f"python heap peak saving 2,000 more into the {sizes[-1]:,} database: {peak:.1f} MB;"
          f" db file {largest.stat().st_size / 1e6:,.0f} MB")
    print("ratio = cpu us/article at that size / at the first size (goal <= 1.5: every dedupe lookup indexed);"
          " art/s is wall clock. baseline = plain sqlite-utils insert without dedupe, one commit per row")


if __name__ == "__main__":
    main()
