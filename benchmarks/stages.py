"""Where a monitor command's CPU goes: thread CPU time per pipeline stage, per stored article.

    python benchmarks/stages.py OUT.json -- --config CONFIG poll

Runs ``monitor`` in this process with timers around the product's own stage
functions (nothing else changes): discovery, the article fetch, extraction,
classification and ``Store.save``, and inside the save the items row with its
full-text index, the story filing (fingerprint, bands, story row), the raw
page and the edition link. Each figure is the CPU time (``time.thread_time``)
of the threads that ran it, so the four outlet threads add up; a stage called
inside another (a feed fetch inside discovery) counts once, in the outer one.
``benchmarks/poll.py --stages`` uses it for its first poll.

Writes ``OUT.json``: process CPU (user + system), the stored-article count and
seconds per stage.
"""

from __future__ import annotations

import json
import resource
import runpy
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

# (module, attribute path, label). Stages share one nesting level: a stage inside another counts in the outer.
STAGES = (
    ("monitor.discover", "discover", "discovery (feeds, listings)"),
    ("monitor.fetch", "Fetcher.get", "fetch (article pages)"),
    ("monitor.extract", "extract_article", "extraction"),
    ("monitor.classify", "Ruleset.classify_article", "classification"),
    ("monitor.store.items", "ItemsPart.save", "store: Store.save"),
)
# Parts of Store.save, timed inside it (their own nesting level).
SAVE_PARTS = (
    ("monitor.store.items", "ItemsPart._insert", "  items row + full-text index"),
    ("monitor.store.stories", "StoriesPart._file_in_story", "  story filing (fingerprint, bands, story)"),
    ("monitor.store.items", "ItemsPart._put_raw_page", "  raw page (zlib)"),
    ("monitor.store.editions", "EditionsPart._link_edition", "  edition link"),
)

_spent: dict[str, float] = {}
_calls: dict[str, int] = {}
_lock = threading.Lock()
_depth = threading.local()


def _timed(function: Callable[..., Any], label: str, level: str) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        depth = getattr(_depth, level, 0)
        setattr(_depth, level, depth + 1)
        start = time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            setattr(_depth, level, depth)
            if depth == 0:  # the outermost call of this level only
                spent = time.thread_time() - start
                with _lock:
                    _spent[label] = _spent.get(label, 0.0) + spent
                    _calls[label] = _calls.get(label, 0) + 1

    return timed


def _install(stages: tuple[tuple[str, str, str], ...], level: str) -> None:
    import importlib

    for module_name, path, label in stages:
        owner: Any = importlib.import_module(module_name)
        *parents, name = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        setattr(owner, name, _timed(getattr(owner, name), label, level))


def main() -> None:
    if len(sys.argv) < 3 or sys.argv[2] != "--":
        raise SystemExit(__doc__)
    out = Path(sys.argv[1])
    _install(STAGES, "stage")
    _install(SAVE_PARTS, "part")
    sys.argv = ["monitor", *sys.argv[3:]]
    try:
        runpy.run_module("monitor", run_name="__main__")
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    finally:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        out.write_text(json.dumps({"cpu": usage.ru_utime + usage.ru_stime, "saved": _calls.get(STAGES[-1][2], 0),
                                   "stages": [(label, _spent.get(label, 0.0)) for _, _, label in STAGES + SAVE_PARTS]}))  # fmt: skip
    raise SystemExit(code)


if __name__ == "__main__":
    main()
