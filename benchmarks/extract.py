"""Article extraction: speed against a raw Lexbor parse (the floor) and trafilatura (the peer), and field scores.

    python benchmarks/extract.py [--rounds 3] [--data ../shared/extraction-dev] [--match REGEX]

Pages: the 124 real pages of ``../shared/extraction-dev`` (decoded once, up front) and
monitor's own fixture articles (``monitor/testing/sample_sites/*/articles``, read with their
outlet's configuration, as ``monitor run`` would). In one process, for every page in
turn and in every order in turn (so machine load falls on all three alike, and each
runs as often right after each of the others: whatever trafilatura leaves in the CPU caches
costs the next runner, and a plain rotation put monitor after it twice as often as the parse), it times:

* monitor: ``monitor.extract.extract_html`` (the generic extractor; the fixtures with
  their outlet's adapter and selectors);
* lexbor: ``LexborHTMLParser(html)`` and nothing else: no extractor can be faster;
* trafilatura: ``bare_extraction(html, url=..., with_metadata=True)``, the field's
  reference extractor (``pip install trafilatura``; only this benchmark uses it).

Times are CPU seconds of this process (``time.process_time``), so other work on a shared
machine slows the three alike rather than whichever ran when it peaked. It prints docs/s
for each, monitor's speed as a multiple of trafilatura's and as a share
of the raw parse, then ``score.py``'s field scores (imported from the data folder, not
copied) for monitor and trafilatura side by side on the extraction-dev pages.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import importlib.util
import itertools
import re
import sys
import time
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from selectolax.lexbor import LexborHTMLParser

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.config import load  # noqa: E402
from monitor.errors import ExtractionError  # noqa: E402
from monitor.extract import extract_html  # noqa: E402

Extractor = Callable[[str, str], "dict[str, Any] | None"]


@dataclasses.dataclass
class Doc:
    html: str
    url: str
    outlet: Any = None  # an OutletConfig for the fixture pages
    expected: dict[str, Any] | None = None  # score.py's row for the extraction-dev pages


def load_score(folder: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("extraction_dev_score", folder / "score.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"no score.py in {folder}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dev_docs(score: ModuleType, folder: Path, match: str | None) -> list[Doc]:
    rows = [r for r in score.load_pages(folder) if not match or re.search(match, r["file"])]
    return [Doc(gzip.decompress((folder / r["file"]).read_bytes()).decode("utf-8"), r["url"], expected=r) for r in rows]


def fixture_docs() -> list[Doc]:
    config = load()
    docs = []
    for routes in sorted((ROOT / "monitor" / "testing" / "sample_sites").glob("*/routes-articles.toml")):
        site = routes.parent.name
        outlet = dataclasses.replace(config.outlet(site), base_url="http://127.0.0.1:8765/")
        for path, route in tomllib.loads(routes.read_text(encoding="utf-8")).items():
            html = (routes.parent / route["file"]).read_text(encoding="utf-8").replace("{{BASE}}", "http://127.0.0.1:8765")
            docs.append(Doc(html, "http://127.0.0.1:8765" + path, outlet=outlet))
    return docs


def monitor_extract(doc: Doc) -> dict[str, Any] | None:
    try:
        article = extract_html(doc.html, doc.url, outlet=doc.outlet)
    except ExtractionError:
        return None
    return {"title": article.title, "authors": list(article.authors), "published": article.published,
            "body": list(article.body)}


def lexbor_parse(doc: Doc) -> dict[str, Any] | None:
    LexborHTMLParser(doc.html)
    return None


def trafilatura_extractor() -> Callable[[Doc], dict[str, Any] | None] | None:
    try:
        import trafilatura
    except ImportError:
        return None

    def run(doc: Doc) -> dict[str, Any] | None:
        found = trafilatura.bare_extraction(doc.html, url=doc.url, with_metadata=True)
        if found is None:
            return None
        data = found.as_dict() if hasattr(found, "as_dict") else dict(found)
        return {"title": data.get("title"), "authors": data.get("author"), "published": data.get("date"),
                "body": data.get("text")}

    return run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "extraction-dev"), help="extraction-dev folder")
    ap.add_argument("--rounds", type=int, default=3, help="timed passes over every page (default 3)")
    ap.add_argument("--match", help="only extraction-dev pages whose file name matches this regex")
    args = ap.parse_args(argv)

    folder = Path(args.data)
    score = load_score(folder)
    docs = dev_docs(score, folder, args.match) + fixture_docs()
    runners: dict[str, Callable[[Doc], dict[str, Any] | None]] = {"monitor": monitor_extract, "lexbor": lexbor_parse}
    peer = trafilatura_extractor()
    if peer is not None:
        runners["trafilatura"] = peer
    else:
        print("trafilatura is not installed (pip install trafilatura): peer column skipped")
    names = list(runners)
    orders = [list(order) for order in itertools.permutations(names)]
    spent = dict.fromkeys(names, 0.0)
    predictions: dict[str, list[dict[str, Any] | None]] = {n: [] for n in names}
    for doc in docs[:3]:  # warm-up, untimed
        for run in runners.values():
            run(doc)
    print(f"{len(docs)} pages ({sum(d.expected is not None for d in docs)} extraction-dev, "
          f"{sum(d.expected is None for d in docs)} fixtures), {args.rounds} rounds, interleaved", flush=True)
    for round_no in range(args.rounds):
        for index, doc in enumerate(docs):
            order = orders[index % len(orders)]
            for name in order:
                start = time.process_time()
                try:
                    found = runners[name](doc)
                except Exception as exc:  # noqa: BLE001 - a crash is a result, scored as empty
                    print(f"  {name} failed on {doc.url}: {exc!r}", file=sys.stderr)
                    found = None
                spent[name] += time.process_time() - start
                if round_no == 0:
                    predictions[name].append(found)
    total = len(docs) * args.rounds
    rate = {name: total / spent[name] for name in names}
    print("\nspeed (docs per CPU second, all pages)")
    for name in names:
        print(f"  {name:<12} {rate[name]:8.1f}")
    if "trafilatura" in rate:
        print(f"  monitor / trafilatura  {rate['monitor'] / rate['trafilatura']:6.2f}x   (goal >= 10x)")
    print(f"  monitor / lexbor parse {rate['monitor'] / rate['lexbor']:6.2f}x   (goal >= 0.3x)")
    scored = [i for i, d in enumerate(docs) if d.expected is not None]
    print(f"\nfield scores on {len(scored)} extraction-dev pages (score.py)")
    print(f"  {'extractor':<12} " + " ".join(f"{h:>8}" for h in score.HEADERS) + "  refused")
    for name in (n for n in names if n != "lexbor"):
        rows = [score.score_page(predictions[name][i], docs[i].expected) for i in scored]
        cells = []
        for key in score.METRICS:
            values = [r[key] for r in rows if r[key] is not None]
            cells.append(f"{sum(values) / len(values):8.3f}" if values else "       -")
        refused = sum(predictions[name][i] is None for i in scored)
        print(f"  {name:<12} " + " ".join(cells) + f"  {refused:>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
