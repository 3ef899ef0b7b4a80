"""Seed-format files in and out of the store (``monitor import`` / ``monitor export``)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Iterable
from urllib.parse import urlsplit

from .config import Config, OutletConfig
from .errors import MonitorError
from .models import Article

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger(__name__)


class ImportUsageError(MonitorError):
    reason = "usage"
    exit_code = 2


@dataclass
class ImportReport:
    new: int = 0
    updated: int = 0
    duplicates: int = 0
    waiting: int = 0  # page dumps stored without a URL: a fetch of the article completes them
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        total = self.new + self.updated + self.duplicates
        parts = [f"{self.new} new", f"{self.duplicates} duplicates"]
        if self.updated:
            parts.insert(1, f"{self.updated} updated")
        line = f"imported {total} ({', '.join(parts)})"
        if self.waiting:
            line += f"; {self.waiting} page dump{'s' if self.waiting != 1 else ''} without a URL, completed when the article is fetched"
        return line + (f", {len(self.skipped)} skipped" if self.skipped else "")


def _files(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.glob("*.txt")) if path.is_dir() else [path])
    return found


def outlet_for_url(config: Config, url: str) -> OutletConfig | None:
    """The configured outlet a URL belongs to: same host, article pattern preferred."""
    host = urlsplit(url).netloc.lower().removeprefix("www.")
    path = urlsplit(url).path
    same_host = [o for o in config.outlets if o.host.removeprefix("www.") == host]
    for outlet in same_host:
        if outlet.article_pattern and re.search(outlet.article_pattern, path):
            return outlet
    return same_host[0] if same_host else None


def import_paths(
    config: Config, store: Store, paths: Iterable[Path], *, url: str | None, outlet_key: str | None, now: datetime
) -> ImportReport:
    """Store seed-format files. A file named ``{seq}_{id}.txt`` keeps its id.

    A raw page dump carries no URL: with ``--url`` it gets one; without, it is stored under
    its file's id and waits for the article to be fetched (the store then completes it).
    """
    from .seedformat import is_normalised, load_document, parse_seed_filename

    rules = config.rules
    report = ImportReport()
    files = _files(paths)
    if url and len(files) != 1:
        raise ImportUsageError(f"--url names the page of one raw document, but {len(files)} files were given")
    chosen = config.outlet(outlet_key) if outlet_key else None
    for path in files:
        text = path.read_text(encoding="utf-8")
        normalised = is_normalised(text)
        try:
            item_id: str | None = parse_seed_filename(path.name)[1]
        except ValueError:
            item_id = None
        if not normalised and not url and item_id is None:
            reason = "a raw page dump without a URL needs a seed file name ({seq}_{16 hex id}.txt) or --url URL"
            report.skipped.append((path.name, reason))
            continue
        try:
            # A normalised document names its own URL; --url is only for raw dumps.
            article = load_document(text, url=None if normalised else url)
        except ValueError as exc:
            report.skipped.append((path.name, str(exc)))
            continue
        outlet = chosen or _outlet_of(config, article, text)
        if outlet is None and not article.url:
            reason = "cannot tell the outlet from the text (no outlet's text_marks match); give it with --outlet KEY"
            report.skipped.append((path.name, reason))
            continue
        article = _file_under(article, outlet, now)
        outcome = store.save(rules.classify_article(article), source="import", now=now, item_id=item_id)
        if outcome.kind == "new":
            report.new += 1
        elif outcome.kind == "updated":
            report.updated += 1
        else:
            report.duplicates += 1
        if not article.url and outcome.kind == "new":
            report.waiting += 1
        log.info("imported %s as %s (%s)", path.name, outcome.item_id, outcome.kind)
    return report


def _outlet_of(config: Config, article: Article, text: str) -> OutletConfig | None:
    if article.canonical_url:
        return outlet_for_url(config, article.canonical_url)
    return outlet_for_text(config, text)


def outlet_for_text(config: Config, text: str) -> OutletConfig | None:
    """The one outlet whose ``text_marks`` match a page dump (its language breaking a tie)."""
    matching = [o for o in config.outlets if o.text_marks and any(re.search(m, text, re.MULTILINE) for m in o.text_marks)]
    if len(matching) > 1:
        language = guess_language(text)
        matching = [o for o in matching if o.language == language]
    return matching[0] if len(matching) == 1 else None


_COMMON_WORDS = {
    "en": frozenset({"the", "of", "and", "to", "in", "is", "that", "for", "on", "with", "was", "by", "as", "are"}),
    "es": frozenset({"el", "la", "de", "que", "y", "en", "los", "las", "del", "por", "con", "para", "una", "se"}),
}


def guess_language(text: str) -> str | None:
    """"en" or "es" by their commonest words; None when neither clearly wins."""
    words = re.findall(r"\w+", text.lower())
    counts = {lang: sum(w in common for w in words) for lang, common in _COMMON_WORDS.items()}
    best = max(counts, key=lambda lang: counts[lang])
    return best if counts[best] >= 2 * min(counts.values()) + 5 else None


def _file_under(article: Article, outlet: OutletConfig | None, now: datetime) -> Article:
    key = outlet.key if outlet else urlsplit(article.canonical_url).netloc.lower().removeprefix("www.")
    return replace(
        article,
        outlet=key,
        outlet_name=article.outlet_name or (outlet.name if outlet else key),
        language=article.language or (outlet.language if outlet else None),
        fetched_at=article.fetched_at or now,
    )


@dataclass
class ExportReport:
    written: int = 0
    unchanged: int = 0
    waiting: int = 0  # items without a URL yet: a seed file needs its link line
    directory: Path = Path(".")

    def summary(self) -> str:
        line = f"exported {self.written + self.unchanged} to {self.directory} ({self.written} written, {self.unchanged} unchanged)"
        return line + (f"; {self.waiting} not exported: no URL yet" if self.waiting else "")


def export_items(store: Store, directory: Path, *, relevant_only: bool, since: datetime | None) -> ExportReport:
    from .seedformat import parse_seed_filename, seed_filename

    directory.mkdir(parents=True, exist_ok=True)
    existing = {}
    for name in _names(directory):
        try:
            existing[parse_seed_filename(name)[1]] = directory / name
        except ValueError:
            continue  # not one of ours: leave it alone
    report = ExportReport(directory=directory)
    for row in store.export_rows(relevant_only=relevant_only, since=since):
        if not row["url"]:
            report.waiting += 1
            continue
        target = directory / seed_filename(row["seq"], row["id"])
        old = existing.get(row["id"])
        if old is not None and old != target:
            old.unlink()  # a renumbered file would otherwise leave a duplicate behind
        data = row["text"].encode("utf-8")
        if target.exists() and target.read_bytes() == data:
            report.unchanged += 1
            continue
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)  # never a half-written file
        report.written += 1
    return report


def _names(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.is_file()]
