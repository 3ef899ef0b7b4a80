"""Store.save as the database grows: does the cost of one more article stay flat?

    python benchmarks/store.py [--sizes 10000,100000,1000000] [--baseline-sizes 10000,100000] [--code PATH]

Each size runs in a fresh child process (its peak RSS is its own) that saves
that many articles into a new SQLite file through ``Store.save``, the product's
one write path: item, URLs, keys, full-text index, fingerprint and story, the
raw page (zlib), one transaction each. The articles are ``benchmarks/corpus.py``:
300-700 words from real EN/ES word frequencies in the sample sites' page
shells; 5 % near-copies of a recent article by another outlet (dateline,
trailer, sometimes a paragraph cut), 2 % the same article under a tracker URL,
1 % an edit, and long-running stories: one gets a copy every 100th save (1,000
copies by 100k; a new one every 100k), two more every 500th.

Printed, never asserted, beside a named baseline run in the same process
("plain sqlite-utils": ``db["items"].insert`` of the same rows plus the zlib
page, one commit each, no identity, stories or search index):

* marginal CPU per article: the last 10,000 saves, and its ratio to the first
  size's (goal at 1M: <= 1.5x that at 10k);
* peak RSS of the child (goal < 500 MB) and database size per article;
* the long story: CPU of saving its copies ~10 (5-15) and ~1,000 (990-999),
  medians (goal: copy 1,000 <= 1.2x copy 10; needs a size >= 100k).

Only Store.save is timed (process CPU; wall clock is printed too): making the
articles is not.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from pathlib import Path

# --code PATH imports monitor from another checkout (the "before" of a change); read before importing it.
_CODE = sys.argv[sys.argv.index("--code") + 1] if "--code" in sys.argv else str(Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(_CODE).resolve()))

import corpus  # noqa: E402
from sqlite_utils import Database  # noqa: E402

try:
    from monitor import identity, seedformat  # noqa: E402
except ImportError:  # --code with a checkout from before the rename
    from monitor import dedupe as identity, normalise as seedformat  # type: ignore[no-redef]  # noqa: E402
from monitor.models import Hit, Relevance, iso  # noqa: E402
from monitor.store import Store  # noqa: E402

RELEVANT = Relevance(relevant=True, score=3.0, hits=(Hit(rule="trafficking", family="t", text="trafficking", weight=3.0),))
TAIL = 10_000
NEAR_10, NEAR_1000 = range(5, 16), range(990, 1000)
CHECKPOINTS = (10_000, 50_000)  # besides every 100k: progress lines a partial run still leaves behind


def db_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def run_store(path: Path, size: int, progress: bool) -> dict:
    kinds: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    cpu = wall = tail_cpu = tail_wall = window_cpu = 0.0
    long_cost: dict[int, float] = {}
    with Store(path) as store:
        for i in range(size):
            item = corpus.save(i, RELEVANT)
            c0, w0 = time.process_time(), time.perf_counter()
            outcome = store.save(item.article, raw_html=item.raw_html, encoding="utf-8", now=item.article.fetched_at)  # type: ignore[attr-defined]
            dc, dw = time.process_time() - c0, time.perf_counter() - w0
            cpu, wall = cpu + dc, wall + dw
            if i >= size - TAIL:
                tail_cpu, tail_wall = tail_cpu + dc, tail_wall + dw
            if item.kind == "long" and item.story == corpus.LONG_BASE:
                long_cost[item.copy_number] = dc
            kinds[item.kind] += 1
            outcomes[outcome.kind] += 1
            window_cpu += dc
            if progress and ((i + 1) in CHECKPOINTS or (i + 1) % 100_000 == 0):
                print(f"  {i + 1:,} saved: last 10k {window_cpu / TAIL * 1e6:.0f} us CPU/article, {cpu / (i + 1) * 1e6:.0f} all;"
                      f" RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB;"
                      f" DB {db_bytes(path) / (i + 1) / 1e3:.1f} KB/article", file=sys.stderr, flush=True)  # fmt: skip
                if (i + 1) == 100_000 and all(c in long_cost for c in (*NEAR_10, *NEAR_1000)):
                    c10 = statistics.median(long_cost[c] for c in NEAR_10)
                    c1000 = statistics.median(long_cost[c] for c in NEAR_1000)
                    print(f"  long story: copy ~10 {c10 * 1e6:.0f} us, copy ~1,000 {c1000 * 1e6:.0f} us ({c1000 / c10:.2f}x)",
                          file=sys.stderr, flush=True)  # fmt: skip
            if (i + 1) % TAIL == 0:
                window_cpu = 0.0
        rows = store.count_items()
        stories = store.story_summary().stories
        big = store.db.execute("SELECT MAX(items) FROM stories").fetchone()[0]
    near = lambda r: statistics.median(long_cost[c] for c in r) if all(c in long_cost for c in r) else None  # noqa: E731
    return {
        "size": size, "cpu": cpu, "wall": wall, "tail_cpu": tail_cpu, "tail_wall": tail_wall, "rows": rows,
        "stories": stories, "largest_story": big, "db_bytes": db_bytes(path), "kinds": kinds, "outcomes": outcomes,
        "copy10": near(NEAR_10), "copy1000": near(NEAR_1000),
    }  # fmt: skip


def run_baseline(path: Path, size: int) -> dict:
    """Plain sqlite-utils: the same rows and page, one insert and commit each; nothing else."""
    db = Database(path)
    db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    cpu = tail_cpu = 0.0
    for i in range(size):
        item = corpus.save(i, RELEVANT)
        a = item.article
        c0 = time.process_time()
        row = {"id": f"{i:016x}", "url": a.url, "outlet": a.outlet, "title": a.title, "body": "\n\n".join(a.body),  # type: ignore[attr-defined]
               "text": seedformat.render(a), "content_hash": identity.content_hash(a),  # type: ignore[arg-type]
               "published": iso(a.published), "html": zlib.compress(item.raw_html)}  # type: ignore[attr-defined]  # fmt: skip
        db["items"].insert(row, pk="id")
        dc = time.process_time() - c0
        cpu += dc
        if i >= size - TAIL:
            tail_cpu += dc
    db.close()
    return {"size": size, "cpu": cpu, "tail_cpu": tail_cpu, "db_bytes": db_bytes(path)}


def child(size: int, baseline: bool, progress: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="monitor-bench-", dir=os.environ.get("BENCH_TMP")) as tmp:
        result = run_store(Path(tmp) / "store.db", size, progress)
        result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if baseline:
            result["baseline"] = run_baseline(Path(tmp) / "plain.db", size)
    return result


def run_child(size: int, baseline: bool) -> dict:
    command = [sys.executable, __file__, "--child", str(size), "--code", _CODE]
    command += ["--baseline-sizes", str(size)] if baseline else []
    out = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def report(results: list[dict]) -> None:
    print(f"{'size':>9} {'us/art all':>10} {'last-10k us':>11} {'ratio':>6} {'wall last-10k':>13} {'peak RSS':>9}"
          f" {'DB KB/art':>9}   {'plain last-10k us':>17} {'ratio':>6} {'DB KB/art':>9}   {'x plain':>7}")  # fmt: skip
    first = results[0]
    first_tail = first["tail_cpu"] / min(TAIL, first["size"])
    first_base = first.get("baseline")
    for r in results:
        n, tail = r["size"], r["tail_cpu"] / min(TAIL, r["size"]) * 1e6
        line = (f"{n:>9,} {r['cpu'] / n * 1e6:>10.0f} {tail:>11.0f} {tail / (first_tail * 1e6):>6.2f}"
                f" {r['tail_wall'] / min(TAIL, n) * 1e6:>11.0f}us {r['maxrss_mb']:>6.0f} MB {r['db_bytes'] / r['rows'] / 1e3:>9.1f}")  # fmt: skip
        base = r.get("baseline")
        if base:
            btail = base["tail_cpu"] / min(TAIL, n) * 1e6
            ratio = btail / (first_base["tail_cpu"] / min(TAIL, first_base["size"]) * 1e6) if first_base else float("nan")
            line += f"   {btail:>17.0f} {ratio:>6.2f} {base['db_bytes'] / n / 1e3:>9.1f}   {tail / btail:>7.1f}"
        print(line)
    for r in results:
        kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(r["kinds"].items()))
        outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(r["outcomes"].items()))
        print(f"{r['size']:,} saves ({kinds}) -> {outcomes}; {r['rows']:,} items in {r['stories']:,} stories,"
              f" largest {r['largest_story']:,}")
    print("\ngoals (printed, never asserted):")
    last = results[-1]
    ratio = last["tail_cpu"] / min(TAIL, last["size"]) / first_tail
    print(f"  marginal cost at {last['size']:,} vs {first['size']:,}: {ratio:.2f}x (goal <= 1.5 at 1M vs 10k):"
          f" {'met' if ratio <= 1.5 else 'NOT met'}")
    peak = max(r["maxrss_mb"] for r in results)
    print(f"  peak RSS {peak:.0f} MB (goal < 500 MB): {'met' if peak < 500 else 'NOT met'}")
    for r in results:
        if r["copy10"] and r["copy1000"]:
            grow = r["copy1000"] / r["copy10"]
            print(f"  long story at {r['size']:,}: copy ~10 {r['copy10'] * 1e6:.0f} us, copy ~1,000 {r['copy1000'] * 1e6:.0f} us,"
                  f" {grow:.2f}x (goal <= 1.2): {'met' if grow <= 1.2 else 'NOT met'}")  # fmt: skip
            break
    else:
        print("  long story: no size >= 100k run, so no story reached 1,000 copies (see benchmarks/dedupe.py)")
    print("us = CPU microseconds per Store.save (process time); ratio = last-10k cost / the first size's;"
          " plain = sqlite-utils insert of the same rows and page, no identity, stories or search")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated article counts")
    parser.add_argument("--baseline-sizes", default=None, help="sizes for the plain baseline (default: those <= 100k)")
    parser.add_argument("--code", help="import monitor from this checkout (e.g. a commit before a change)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        baseline = args.baseline_sizes is not None and str(args.child) in args.baseline_sizes.split(",")
        print(json.dumps(child(args.child, baseline, progress=args.child >= 200_000)))  # noqa: T201
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    chosen = args.baseline_sizes
    base = [s for s in sizes if s <= 100_000] if chosen is None else [int(s) for s in chosen.split(",") if s]
    results = []
    for size in sizes:
        results.append(run_child(size, size in base))
        print(f"  {size:,} done", file=sys.stderr, flush=True)
    print(f"monitor from {_CODE}")
    report(results)


if __name__ == "__main__":
    main()
