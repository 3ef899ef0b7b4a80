"""Story dedupe at scale: does the per-article cost stay flat as the store grows?

    python benchmarks/dedupe.py [--sizes 10000,100000,1000000] [--baseline-size 10000]

Synthetic articles: ~300 words drawn Zipf-like from a 50,000-word vocabulary,
each under an RHC dateline. 5 % are planted near-copies of a recent article:
Prensa Latina dateline and feed trailer instead of RHC's, plus 1-3 words
replaced. Each size runs in a fresh child process (so peak RSS is its own) and
feeds every article to

* ``StoryIndex`` (monitor.stories, in memory), and
* SQLite: ``fingerprints`` + ``bands`` indexed on (band, bucket), the layout the
  store will keep, committed every 100 articles, lookups by the same keys.

Baseline: a brute-force Hamming scan over all stored fingerprints, at
``--baseline-size`` only (it is quadratic).

Measured (2 shared cores): flat to 100k, not at 1M. Every bucket is a 16-bit
value (a quarter of the SimHash for k=3, or one MinHash bin), so a lookup
returns about 8 x N / 65,536 unrelated rows: 1 at 10k, 12 at 100k, 122 at 1M.
Pigeonhole over k+1 slices cannot give wider SimHash keys; combining slices
(5 blocks, every pair: 10 keys of 26 bits) and pairing MinHash bins would.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.stories import (  # noqa: E402
    LOOSE_DISTANCE,
    StoryDoc,
    StoryIndex,
    hamming,
    index_keys,
    is_same_story,
    make_doc,
    normalise_for_hash,
)

MAX_DISTANCE = 3
COPY_RATE = 0.05
RECENT = 2000  # copies are made of one of the last RECENT originals (a republication is days late)


# ---------------------------------------------------------------- corpus


class Corpus:
    """Deterministic articles; ``copy_of[i]`` is the planted original of copy i."""

    def __init__(self, seed: int, vocabulary: int = 50_000, words: int = 300) -> None:
        self.rng = random.Random(seed)
        self.vocab = [f"{self._word(i)}" for i in range(vocabulary)]
        self.cum = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(vocabulary)))
        self.words = words
        self.recent: list[tuple[int, list[str]]] = []
        self.copy_of: dict[int, int] = {}

    def _word(self, i: int) -> str:
        letters = "abcdefghijklmnopqrstuvwxyz"
        out = ""
        i += 26 * 27  # at least three letters
        while i:
            i, r = divmod(i, 26)
            out += letters[r]
        return out

    def article(self, i: int) -> tuple[str, list[str]]:
        """Title and paragraphs of article i."""
        rng = self.rng
        if self.recent and rng.random() < COPY_RATE:
            original, words = rng.choice(self.recent)
            words = list(words)
            for _ in range(rng.randint(1, 3)):
                words[rng.randrange(len(words))] = rng.choice(self.vocab)
            self.copy_of[i] = original
            return f"copy {i}", self._paragraphs(words, "Havana, Nov 5 (Prensa Latina)", True)
        words = rng.choices(self.vocab, cum_weights=self.cum, k=self.words + rng.randint(-30, 30))
        self.recent.append((i, words))
        if len(self.recent) > RECENT:
            self.recent.pop(0)
        return f"article {i}", self._paragraphs(words, "Havana, Nov 5 (RHC) --", False)

    @staticmethod
    def _paragraphs(words: list[str], dateline: str, wire: bool) -> list[str]:
        paragraphs = [" ".join(words[start : start + 60]) + "." for start in range(0, len(words), 60)]
        paragraphs[0] = f"{dateline} {paragraphs[0]}"
        if wire:
            paragraphs.append("The post Cuba news first appeared on Prensa Latina.")
        return paragraphs


# ---------------------------------------------------------------- SQLite


class SqliteStories:
    """The store's two tables, minimal: what an indexed candidate lookup costs on disk."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.executescript(
            """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            CREATE TABLE fingerprints (item_id INTEGER PRIMARY KEY, simhash INTEGER NOT NULL,
                words INTEGER NOT NULL, sketch BLOB NOT NULL, language TEXT, story_id INTEGER NOT NULL);
            CREATE TABLE bands (band INTEGER NOT NULL, bucket INTEGER NOT NULL, item_id INTEGER NOT NULL);
            CREATE INDEX bands_lookup ON bands (band, bucket);
            """
        )
        self.pending = 0
        self.db.execute("BEGIN")

    def add(self, item: int, doc: StoryDoc) -> int:
        keys = index_keys(doc, max_distance=MAX_DISTANCE)
        story = self._match(doc, keys)
        story = item if story is None else story
        self.db.execute(
            "INSERT INTO fingerprints VALUES (?, ?, ?, ?, ?, ?)",
            (item, doc.fingerprint, doc.words, doc.sketch, doc.language, story),
        )
        self.db.executemany("INSERT INTO bands VALUES (?, ?, ?)", [(b, k, item) for b, k in keys])
        self.pending += 1
        if self.pending == 100:
            self.db.execute("COMMIT")
            self.db.execute("BEGIN")
            self.pending = 0
        return story

    def bulk_insert(self, docs: list[StoryDoc]) -> None:
        """Rows without a lookup (prefill): each item its own story."""
        self.db.executemany("INSERT INTO fingerprints VALUES (?, ?, ?, ?, ?, ?)", [
            (int(d.item_id), d.fingerprint, d.words, d.sketch, d.language, int(d.item_id)) for d in docs])
        self.db.executemany("INSERT INTO bands VALUES (?, ?, ?)", [
            (b, k, int(d.item_id)) for d in docs for b, k in index_keys(d, max_distance=MAX_DISTANCE)])
        self.db.execute("COMMIT")
        self.db.execute("BEGIN")

    def _match(self, doc: StoryDoc, keys: list[tuple[int, int]]) -> int | None:
        values = ",".join("(?, ?)" for _ in keys)
        rows = self.db.execute(
            f"SELECT DISTINCT f.item_id, f.simhash FROM (VALUES {values}) AS k "
            "JOIN bands b ON b.band = k.column1 AND b.bucket = k.column2 "
            "JOIN fingerprints f ON f.item_id = b.item_id",
            [v for key in keys for v in key],
        ).fetchall()
        near = {item: fp for item, fp in rows if hamming(fp, doc.fingerprint) <= LOOSE_DISTANCE}
        best = None
        for item in sorted(near):  # earliest item first: item ids grow with time here
            words, sketch, language, story = self.db.execute(
                "SELECT words, sketch, language, story_id FROM fingerprints WHERE item_id = ?", (item,)
            ).fetchone()
            other = StoryDoc(item_id=str(item), language=language, published=None,
                             fingerprint=near[item], sketch=sketch, words=words)
            if is_same_story(doc, other, max_distance=MAX_DISTANCE):
                best = story if best is None else min(best, story)
        return best

    def size_bytes(self) -> int:
        self.db.execute("COMMIT")
        page_count = self.db.execute("PRAGMA page_count").fetchone()[0]
        page_size = self.db.execute("PRAGMA page_size").fetchone()[0]
        return page_count * page_size


# ---------------------------------------------------------------- baseline


class BruteForce:
    """Every stored fingerprint compared with every new one: no index."""

    def __init__(self) -> None:
        self.docs: list[StoryDoc] = []
        self.fps = array("q")
        self.story: list[int] = []

    def add(self, item: int, doc: StoryDoc) -> int:
        fp = doc.fingerprint
        story = item
        for pos, other in enumerate(self.fps):
            if hamming(other, fp) <= LOOSE_DISTANCE and is_same_story(doc, self.docs[pos], max_distance=MAX_DISTANCE):
                story = min(story, self.story[pos])
        self.docs.append(doc)
        self.fps.append(fp)
        self.story.append(story)
        return story


# ---------------------------------------------------------------- one run


@dataclass
class Score:
    merged: int = 0  # items put in an earlier story
    right: int = 0  # ... that were planted copies of that story
    planted: int = 0
    found: int = 0

    def count(self, item: int, story: int, stories: dict[int, int], copy_of: dict[int, int]) -> None:
        original = copy_of.get(item)
        if story != item:
            self.merged += 1
            self.right += original is not None and stories[original] == story
        if original is not None:
            self.planted += 1
            self.found += stories[original] == story

    def line(self) -> str:
        precision = self.right / self.merged if self.merged else 1.0
        recall = self.found / self.planted if self.planted else 1.0
        return f"precision {precision:.4f} recall {recall:.4f} ({self.found}/{self.planted} planted copies)"


@dataclass
class Run:
    size: int
    measured: int = 0  # articles timed: all, or the last ones after a prefill
    generate_s: float = 0.0  # the synthetic text itself (not part of the pipeline)
    prepare_s: float = 0.0  # normalising + fingerprinting
    memory_s: float = 0.0  # StoryIndex lookups + inserts
    sqlite_s: float = 0.0
    baseline_s: float = 0.0
    peak_rss_mb: float = 0.0
    sqlite_mb: float = 0.0
    scores: dict[str, str] = field(default_factory=dict)
    simhash_only_recall: float = 0.0


def run(size: int, *, seed: int, use_sqlite: bool, baseline: bool, measure_last: int) -> Run:
    corpus, index, result = Corpus(seed), StoryIndex(max_distance=MAX_DISTANCE), Run(size)
    brute = BruteForce() if baseline else None
    scores = {"index": Score(), "sqlite": Score(), "baseline": Score()}
    stories: dict[str, dict[int, int]] = {name: {} for name in scores}
    fingerprints: dict[int, int] = {}  # originals only, to measure what SimHash alone would find
    simhash_hits = 0
    first = max(size - measure_last, 0) if measure_last else 0
    result.measured = size - first
    with tempfile.TemporaryDirectory() as tmp:
        sql = SqliteStories(Path(tmp) / "stories.db") if use_sqlite else None
        _prefill(first, index, sql, random.Random(seed + 1))
        for item in range(first, size):
            t0 = time.perf_counter()
            title, paragraphs = corpus.article(item)
            t1 = time.perf_counter()
            doc = make_doc(str(item), normalise_for_hash(title, paragraphs), language="en")
            t2 = time.perf_counter()
            story = int(index.add(doc))
            t3 = time.perf_counter()
            result.generate_s += t1 - t0
            result.prepare_s += t2 - t1
            result.memory_s += t3 - t2
            _record(scores["index"], stories["index"], item, story, corpus.copy_of)
            if sql is not None:
                story = sql.add(item, doc)
                result.sqlite_s += time.perf_counter() - t3
                _record(scores["sqlite"], stories["sqlite"], item, story, corpus.copy_of)
            if brute is not None:
                t4 = time.perf_counter()
                story = brute.add(item, doc)
                result.baseline_s += time.perf_counter() - t4
                _record(scores["baseline"], stories["baseline"], item, story, corpus.copy_of)
            original = corpus.copy_of.get(item)
            if original is None:
                fingerprints[item] = doc.fingerprint
            else:
                simhash_hits += hamming(fingerprints[original], doc.fingerprint) <= MAX_DISTANCE
        result.sqlite_mb = sql.size_bytes() / 1e6 if sql else 0.0
    result.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result.scores = {name: s.line() for name, s in scores.items() if s.planted}
    result.simhash_only_recall = simhash_hits / max(len(corpus.copy_of), 1)
    return result


def _prefill(count: int, index: StoryIndex, sql: SqliteStories | None, rng: random.Random) -> None:
    """Occupy the store with ``count`` unrelated items, fast: random SimHash and sketch values.

    A random text's SimHash and MinHash bins are uniform, so for the lookup
    cost these rows are as good as real ones, at a tenth of the time.
    """
    for start in range(0, count, 10_000):
        docs = [
            StoryDoc(item_id=str(item), language="en", published=None,
                     fingerprint=rng.getrandbits(64) - (1 << 63), sketch=rng.randbytes(128), words=300)
            for item in range(start, min(start + 10_000, count))
        ]
        for doc in docs:
            index.add(doc)  # the lookup is wasted work here, but keeps the index's own bookkeeping
        if sql is not None:
            sql.bulk_insert(docs)


def _record(score: Score, stories: dict[int, int], item: int, story: int, copy_of: dict[int, int]) -> None:
    stories[item] = story
    score.count(item, story, stories, copy_of)


# ---------------------------------------------------------------- report


def us(seconds: float, r: Run) -> float:
    """Microseconds per timed article."""
    return seconds / r.measured * 1e6


def report(runs: list[Run]) -> None:
    first, last = runs[0], runs[-1]
    print(f"\nstory dedupe, max_distance={MAX_DISTANCE}, {COPY_RATE:.0%} planted near-copies, ~300 words each")
    print("per article: prepare = normalise + fingerprint + sketch; lookup+insert per backend; "
          "a/s = articles/s end to end")
    print(f"{'articles':>10} {'timed':>7} {'prepare':>9} {'index':>8} {'index a/s':>10} "
          f"{'sqlite':>8} {'sqlite a/s':>10} {'peak RSS':>9} {'db size':>8}")
    for r in runs:
        e2e = r.measured / (r.prepare_s + r.memory_s)
        sql_e2e = f"{r.measured / (r.prepare_s + r.sqlite_s):>10,.0f}" if r.sqlite_s else f"{'-':>10}"
        print(f"{r.size:>10,} {r.measured:>7,} {us(r.prepare_s, r):>7.0f}us {us(r.memory_s, r):>6.0f}us "
              f"{e2e:>10,.0f} {us(r.sqlite_s, r):>6.0f}us {sql_e2e} {r.peak_rss_mb:>6.0f} MB {r.sqlite_mb:>5.0f} MB")
    prefilled = [r for r in runs if r.measured < r.size]
    for r in prefilled:
        print(f"  {r.size:,}: first {r.size - r.measured:,} items prefilled with random SimHash/sketch values, "
              f"last {r.measured:,} real articles timed")
    print(f"  (synthetic text generation, excluded above: {us(first.generate_s, first):.0f}us/article)")
    for r in runs:
        print(f"  {r.size:>9,}: ~{8 * r.size / 65536:.1f} unrelated rows share a 16-bit bucket with each lookup")
    for r in runs:
        print(f"  {r.size:>9,}: " + "; ".join(f"{name}: {line}" for name, line in r.scores.items()))
        print(f"  {'':>9}  SimHash <= {MAX_DISTANCE} alone would find {r.simhash_only_recall:.1%} of the planted copies")
    if last is not first:
        for label, attr in (("StoryIndex", "memory_s"), ("SQLite", "sqlite_s")):
            if not getattr(first, attr):
                continue
            ratio = us(getattr(last, attr), last) / us(getattr(first, attr), first)
            total = (us(first.prepare_s + getattr(first, attr), first), us(last.prepare_s + getattr(last, attr), last))
            print(f"cost ratio {last.size:,} vs {first.size:,}, {label}: lookup+insert {ratio:.2f}x, "
                  f"end to end {total[1] / total[0]:.2f}x (goal <= 1.5)")
    for r in runs:
        if r.baseline_s:
            print(f"baseline: brute-force Hamming scan over all fingerprints at {r.size:,}: "
                  f"{us(r.baseline_s, r):,.0f}us/article lookup+insert vs StoryIndex {us(r.memory_s, r):,.0f}us "
                  f"({r.baseline_s / r.memory_s:,.1f}x slower) and SQLite {us(r.sqlite_s, r):,.0f}us "
                  f"({r.baseline_s / r.sqlite_s:,.1f}x slower); it grows linearly with the store\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated article counts")
    parser.add_argument("--baseline-size", type=int, default=10000, help="run the brute-force baseline at this size")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--full-limit", type=int, default=100_000,
                        help="above this size, prefill with random fingerprints and time only the last articles")
    parser.add_argument("--measure-last", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=20251105)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure_last = args.measure_last if args.child > args.full_limit else 0
        result = run(args.child, seed=args.seed, use_sqlite=not args.no_sqlite,
                     baseline=args.child == args.baseline_size, measure_last=measure_last)
        print(json.dumps(result.__dict__))
        return
    runs = []
    for size in (int(s) for s in args.sizes.split(",")):
        command = [sys.executable, __file__, "--child", str(size), "--seed", str(args.seed),
                   "--baseline-size", str(args.baseline_size), "--full-limit", str(args.full_limit),
                   "--measure-last", str(args.measure_last)] + (["--no-sqlite"] if args.no_sqlite else [])
        started = time.perf_counter()
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        line = output.strip().splitlines()[-1]
        runs.append(Run(**json.loads(line)))
        print(f"{size:,} articles done in {time.perf_counter() - started:,.0f}s: {line}", file=sys.stderr, flush=True)
    report(runs)


if __name__ == "__main__":
    main()
