"""Relevance on real news: precision, recall and F1 on the development corpus, beside speed.

    python benchmarks/relevance.py [--split all|dev|heldout] [--docs 20000] [--show-misses]

The corpus is tests/data/relevance_corpus.jsonl: 222 real English and Spanish news excerpts,
labelled by hand (docs/relevance.md says how). Printed, never asserted:

* precision, recall and F1 of the "relevant" band, overall, by language and by trap family;
  and recall when the "possibly relevant" band counts as shown to the user (the digest lists it);
* the same for the held-out split, which no rule was written against;
* how many items fall in each band;
* documents per CPU second of this process, single-threaded, on the corpus excerpts and on
  articles of about 400 words made by joining excerpts (the size of a real article), beside a
  named baseline: "naive substring", a lower-cased scan for a fixed list of strong phrases (no
  folding, no word boundaries, no exclusions), with its own precision and recall on the corpus.

With ``--baseline-code DIR`` (a checkout of another version, e.g. ``git archive f4481f5 monitor
| tar -x -C /tmp/before``) the same corpus and documents are also run through that version's
rules, in a child process, and printed beside ours: the "before" of a rule change.

Goals (issue 16): precision >= 0.97 and recall >= 0.97 for the relevant band; recall >= 0.99 with
"possibly relevant" counted as shown.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.classify import compile_rules  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "relevance_corpus.jsonl"

# What someone would write first: strong phrases, searched as plain substrings.
NAIVE_PHRASES = (
    "human trafficking", "trafficking in persons", "people trafficking", "sex trafficking",
    "human smuggling", "people smuggling", "migrant smuggling", "smuggling of migrants",
    "anti-trafficking", "victims of trafficking", "trafficking victims", "forced labour",
    "forced labor", "palermo protocol", "trata de personas", "tráfico de personas",
    "trafico de personas", "tráfico humano", "tráfico de migrantes", "tráfico ilícito de migrantes",
    "traficantes de migrantes", "tratantes", "víctimas de trata", "trabajo forzoso",
    "explotación laboral", "explotación sexual", "protocolo de palermo",
)


def naive(title: str, body: str) -> str:
    text = f"{title}\n{body}".lower()
    return "relevant" if any(phrase in text for phrase in NAIVE_PHRASES) else "not"


def load(split: str) -> list[dict]:
    items = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [item for item in items if split == "all" or item["split"] == split]


def scores(items: Sequence[dict], bands: dict[str, str]) -> str:
    tp = sum(i["relevant"] and bands[i["id"]] == "relevant" for i in items)
    fp = sum(not i["relevant"] and bands[i["id"]] == "relevant" for i in items)
    fn = sum(i["relevant"] and bands[i["id"]] != "relevant" for i in items)
    shown = sum(i["relevant"] and bands[i["id"]] != "not" for i in items)
    positives = tp + fn
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / positives if positives else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    shown_recall = shown / positives if positives else float("nan")
    return f"{len(items):4}  {precision:6.3f}  {recall:6.3f}  {f1:6.3f}  {shown_recall:8.3f}  {fp:3}  {fn:3}"


def table(title: str, items: Sequence[dict], bands: dict[str, str]) -> None:
    print(f"\n{title}")
    print(f"  {'':26}    n       P       R      F1  R(shown)   fp   fn")
    print(f"  {'all':26}{scores(items, bands)}")
    for lang in ("en", "es"):
        print(f"  {lang:26}{scores([i for i in items if i['lang'] == lang], bands)}")


def families(items: Sequence[dict], bands: dict[str, str]) -> None:
    print("\nby trap family (relevant families: recall matters; the others: precision)")
    print(f"  {'':26}    n       P       R      F1  R(shown)   fp   fn")
    ordered = sorted({i["trap"] for i in items}, key=lambda f: (not any(i["relevant"] for i in items if i["trap"] == f), f))
    for family in ordered:
        group = [i for i in items if i["trap"] == family]
        if any(i["relevant"] for i in group):
            print(f"  {family:26}{scores(group, bands)}")
        else:  # no relevant item: only false alarms can happen
            fp = sum(bands[i["id"]] == "relevant" for i in group)
            doubtful = sum(bands[i["id"]] == "possibly" for i in group)
            print(f"  {family:26}{len(group):4}  false alarms {fp}, shown as possibly relevant {doubtful}")


def articles(items: Sequence[dict], count: int, seed: int) -> list[tuple[str, str]]:
    """About 400 words each: the title of one excerpt, then excerpts as paragraphs."""
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        paragraphs, words = [], 0
        while words < 400:
            pick = rng.choice(items)
            paragraphs.append(pick["body"])
            words += len(pick["body"].split())
        made.append((rng.choice(items)["title"], "\n".join(paragraphs)))
    return made


def speed(judge: Callable[[str, str], object], docs: Sequence[tuple[str, str]], total: int) -> float:
    start = time.process_time()  # CPU time: steadier than the wall clock on a shared machine
    for n in range(total):
        title, body = docs[n % len(docs)]
        judge(title, body)
    return total / (time.process_time() - start)


def measure_other(code: Path, split: str, docs: int, seed: int) -> dict:
    """Another version's rules on the same corpus and documents (a child process imports it)."""
    command = [sys.executable, __file__, "--measure-code", str(code), "--split", split, "--docs", str(docs), "--seed", str(seed)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def measure_here(split: str, docs: int, seed: int) -> dict:
    """Bands (or the relevant flag of versions without bands) and speeds of the imported rules."""
    from monitor.classify import compile_rules as compile_these

    rules = compile_these({})
    items = load(split)
    bands = {}
    for item in items:
        result = rules.classify(item["title"], item["body"])
        bands[item["id"]] = getattr(result, "band", "relevant" if result.relevant else "not")
    excerpts = [(i["title"], i["body"]) for i in items]
    long_docs = articles(items, 500, seed)
    return {"bands": bands, "speeds": [speed(rules.classify, excerpts, docs), speed(rules.classify, long_docs, docs)]}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("all", "dev", "heldout"), default="all")
    parser.add_argument("--docs", type=int, default=20_000, help="documents classified for each speed figure")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show-misses", action="store_true", help="list every item the rules get wrong")
    parser.add_argument("--baseline-code", type=Path, help="a checkout of another version, run beside this one")
    parser.add_argument("--measure-code", type=Path, help=argparse.SUPPRESS)  # the child process of --baseline-code
    args = parser.parse_args(argv)
    if args.measure_code is not None:
        sys.path.insert(0, str(args.measure_code.resolve()))
        for name in [n for n in sys.modules if n == "monitor" or n.startswith("monitor.")]:
            del sys.modules[name]
        print(json.dumps(measure_here(args.split, args.docs, args.seed)))
        return

    rules = compile_rules({})
    items = load(args.split)
    results = {i["id"]: rules.classify(i["title"], i["body"]) for i in items}
    bands = {key: result.band for key, result in results.items()}
    naive_bands = {i["id"]: naive(i["title"], i["body"]) for i in items}
    relevant = sum(i["relevant"] for i in items)
    langs = Counter(i["lang"] for i in items)
    print(f"corpus {CORPUS.relative_to(ROOT)}, split {args.split}: {len(items)} items "
          f"({langs['en']} en, {langs['es']} es), {relevant} relevant ({relevant / len(items):.0%}); {len(rules.rules)} rules")
    table("monitor.classify, relevant band (R(shown): possibly relevant counted as shown)", items, bands)
    families(items, bands)
    if args.split == "all":
        table("monitor.classify on the held-out split only", [i for i in items if i["split"] == "heldout"], bands)
    table("baseline: naive substring", items, naive_bands)
    counts = Counter((i["relevant"], bands[i["id"]]) for i in items)
    print("\nbands:  " + ", ".join(f"{band} {counts[(True, band)] + counts[(False, band)]} "
                                   f"({counts[(True, band)]} labelled relevant)" for band in ("relevant", "possibly", "not")))
    if args.show_misses:
        for item in items:
            if (bands[item["id"]] == "relevant") != item["relevant"]:
                result = results[item["id"]]
                print(f"  {item['id']} {item['trap']:22} label {'relevant' if item['relevant'] else 'not':8} "
                      f"band {result.band:8} score {result.score:4g} {'; '.join(result.reasons)}")

    excerpts = [(i["title"], i["body"]) for i in items]
    long_docs = articles(items, 500, args.seed)
    words = sum(len(f"{t} {b}".split()) for t, b in excerpts) / len(excerpts)
    long_words = sum(len(f"{t} {b}".split()) for t, b in long_docs) / len(long_docs)
    other = measure_other(args.baseline_code, args.split, args.docs, args.seed) if args.baseline_code else None
    if other is not None:
        table(f"baseline: the rules in {args.baseline_code}", items, other["bands"])
    print(f"\nspeed, {args.docs:,} documents each, CPU time of one process:")
    for n, (label, docs, size) in enumerate((("corpus excerpts", excerpts, words), ("400-word articles", long_docs, long_words))):
        ours = speed(rules.classify, docs, args.docs)
        floor = speed(naive, docs, args.docs)
        line = (f"  {label:18} ({size:3.0f} words)  monitor.classify {ours:7,.0f} docs/s   "
                f"naive substring {floor:9,.0f} docs/s ({floor / ours:4.1f}x ours)")
        if other is not None:
            line += f"   baseline code {other['speeds'][n]:7,.0f} docs/s ({other['speeds'][n] / ours:4.2f}x ours)"
        print(line)


if __name__ == "__main__":
    main()
