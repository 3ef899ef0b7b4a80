"""Adapter for ``../shared/extraction-dev/score.py``: monitor's generic extraction as score.py wants it.

    cd benchmarks && python ../../shared/extraction-dev/score.py --extractor score_adapter.py:extract --show 5
"""

from __future__ import annotations

from typing import Any

from monitor.errors import LayoutChanged
from monitor.extract import extract_html


def extract(html: str, url: str) -> dict[str, Any] | None:
    try:
        article = extract_html(html, url)
    except LayoutChanged:
        return None  # refused: not an article
    return {
        "title": article.title,
        "authors": list(article.authors),
        "published": article.published,
        "body": list(article.body),
    }
