"""Extraction quality on the 124 real pages of ../shared/extraction-dev must not get worse.

score.py (from the data folder, imported, not copied) scores ``extract_html`` on every page.
Each column's mean must stay at or above its floor (a little below what the code reaches
today). When one drops, the message names the pages and fields that scored lower than the
per-page record in ``extraction_dev_scores.json``, so the change that broke them is easy to find.

After an improvement, record the new per-page scores (and raise the floors by hand):

    python tests/test_extraction_dev.py --record
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from monitor.errors import ExtractionError
from monitor.extract import extract_html

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "extraction-dev"  # CI checks ../shared out beside the clone
RECORD = Path(__file__).resolve().parent / "extraction_dev_scores.json"

# Means over the pages score.py scores for each column; reached at this commit: see README "Extraction".
FLOORS = {
    "title": 0.85,
    "authors": 0.89,
    "published": 0.97,
    "para_f1_body": 0.89,
    "token_f1": 0.95,
}
MAX_REFUSED = 0


def _score_module() -> ModuleType:
    path = DATA / "score.py"
    assert path.exists(), f"{path} is missing: check out the shared folder beside the repository (see README)"
    spec = importlib.util.spec_from_file_location("extraction_dev_score", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _predict(html: str, url: str) -> dict[str, Any] | None:
    try:
        article = extract_html(html, url)
    except ExtractionError:
        return None
    return {"title": article.title, "authors": list(article.authors), "published": article.published,
            "body": list(article.body)}


def page_scores() -> tuple[dict[str, dict[str, float | None]], int]:
    score = _score_module()
    scores: dict[str, dict[str, float | None]] = {}
    refused = 0
    for row in score.load_pages(DATA):
        html = gzip.decompress((DATA / row["file"]).read_bytes()).decode("utf-8")
        predicted = _predict(html, row["url"])
        refused += predicted is None
        scores[row["file"]] = score.score_page(predicted, row)
    return scores, refused


def test_extraction_dev_scores_do_not_drop() -> None:
    scores, refused = page_scores()
    recorded = json.loads(RECORD.read_text(encoding="utf-8"))
    problems = []
    for column, floor in FLOORS.items():
        values = [s[column] for s in scores.values() if s[column] is not None]
        mean = sum(values) / len(values)
        if mean < floor:
            worse = sorted(
                f"{Path(page).name} {old[column]:.2f}->{scores[page][column]:.2f}"
                for page, old in recorded.items()
                if old.get(column) is not None and (scores[page][column] or 0.0) < old[column] - 1e-9
            )
            problems.append(f"{column}: mean {mean:.3f} < floor {floor}; worse than recorded: {', '.join(worse) or 'none'}")
    if refused > MAX_REFUSED:
        problems.append(f"{refused} real articles refused (at most {MAX_REFUSED})")
    assert not problems, "\n".join(problems)


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        raise SystemExit(__doc__)
    found, _ = page_scores()
    RECORD.write_text(json.dumps(found, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded {len(found)} pages in {RECORD}")
