"""``monitor check``: one outlet's discovery and one article, field by field, nothing stored."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Callable

from .config import OutletConfig
from .errors import MonitorError

if TYPE_CHECKING:
    from .classify import Ruleset
    from .fetch import Fetcher
    from .models import Article

Echo = Callable[[str], None]


def run_check(outlet: OutletConfig, fetcher: Fetcher, *, url: str | None, rules: Ruleset, echo: Echo,
              now: datetime, name: str | None = None) -> bool:
    """Print what monitor sees; True when an article was extracted."""
    if url is None:
        url = _discover_one(outlet, fetcher, now, echo, name or outlet.name)
        if url is None:
            return False
    return _check_article(outlet, fetcher, url, rules, now, echo)


def _discover_one(outlet: OutletConfig, fetcher: Fetcher, now: datetime, echo: Echo, name: str) -> str | None:
    from .discover import discover

    found = discover(outlet, fetcher, now=now)
    by_source: dict[str, int] = {}
    for link in found.links:
        by_source[link.source] = by_source.get(link.source, 0) + 1
    kinds = ", ".join(f"{n} from {s} pages" if s in ("listing", "search") else f"{n} from {s}s"
                      for s, n in sorted(by_source.items()))
    echo(f"[{outlet.key}] {name}: {len(found.links)} article links{f' ({kinds})' if kinds else ''}; "
         f"{found.sources_tried} sources read, {found.sources_failed} failed, {found.not_modified} unchanged")
    for source_url, error in found.errors:
        echo(f"  failed: {source_url}: {error.reason}: {error}")
    if not found.links:
        echo("no article link found: check feeds, listings, search and article_pattern in the config")
        return None
    echo(f"checking the first link: {found.links[0].url}")
    return found.links[0].url


def check_file(path: str, url: str, outlet: OutletConfig | None, *, rules: Ruleset, echo: Echo,
               now: datetime) -> bool:
    """Read a saved page as if fetched from ``url``: generic extraction, or ``outlet``'s hints first."""
    from pathlib import Path

    from .extract import extract_html

    raw = Path(path).read_bytes()
    try:
        article = extract_html(raw.decode("utf-8", errors="replace"), url, outlet=outlet, now=now)
    except MonitorError as exc:
        echo(f"FAILED ({exc.reason}): {exc}")
        return False
    echo(f"{path} as {url}  [{len(raw)} bytes, {'outlet ' + outlet.key if outlet else 'generic'}]")
    return _show(article, rules, echo)


def _check_article(outlet: OutletConfig, fetcher: Fetcher, url: str, rules: Ruleset, now: datetime, echo: Echo) -> bool:
    from .extract import extract_article

    try:
        page = fetcher.get(url, outlet=outlet.key)
        article = extract_article(page, outlet, now=now)
    except MonitorError as exc:
        echo(f"FAILED ({exc.reason}): {exc}")
        return False
    echo(f"{page.final_url}  [{page.status}, {page.encoding}, {len(page.content)} bytes]")
    return _show(article, rules, echo)


def _show(article: Article, rules: Ruleset, echo: Echo) -> bool:
    """Every field with its source, what each winner beat, then the relevance decision."""
    from .extract import format_report, report

    rows = report(article)
    echo(format_report(rows))
    result = rules.classify_article(article).relevance
    assert result is not None
    matched = ", ".join(f"{h.rule} ({h.text!r})" for h in result.hits) or "no rule matched"
    band = {"relevant": "relevant", "possibly": "possibly relevant", "not": "not relevant"}[result.band]
    why = f" (why not sure: {'; '.join(result.reasons)})" if result.band == "possibly" and result.reasons else ""
    echo(f"relevance: {band}, score {result.score:g}: {matched}{why}")
    missing = [r.field for r in rows if r.source == "missing"]
    if missing:
        echo("missing: " + ", ".join(missing))
    return True
