"""Seed-format files in and out of the store (``monitor import`` / ``monitor export``)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from .config import Config, OutletConfig
from .errors import MonitorError
from .models import Article

log = logging.getLogger(__name__)


class ImportUsageError(MonitorError):
    reason = "usage"
    exit_code = 2


@dataclass
class ImportReport:
    new: int = 0
    updated: int = 0
    duplicates: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        total = self.new + self.updated + self.duplicates
        parts = [f"{self.new} new", f"{self.duplicates} duplicates"]
        if self.updated:
            parts.insert(1, f"{self.updated} updated")
        line = f"imported {total} ({', '.join(parts)})"
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
    config: Config, store: Any, paths: Iterable[Path], *, url: str | None, outlet_key: str | None, now: datetime
) -> ImportReport:
    from .seedformat import is_normalised, load_document

    rules = config.rules
    report = ImportReport()
    files = _files(paths)
    if url and len(files) != 1:
        raise ImportUsageError(f"--url names the page of one raw document, but {len(files)} files were given")
    for path in files:
        text = path.read_text(encoding="utf-8")
        normalised = is_normalised(text)
        if not normalised and not url:
            report.skipped.append((path.name, "a raw page dump carries no URL; import it alone with --url URL"))
            continue
        try:
            # A normalised document names its own URL; --url is only for raw dumps.
            article = load_document(text, url=None if normalised else url)
        except ValueError as exc:
            report.skipped.append((path.name, str(exc)))
            continue
        article = _file_under(config, article, outlet_key, now)
        outcome = store.save(rules.classify_article(article), source="import", now=now)
        if outcome.kind == "new":
            report.new += 1
        elif outcome.kind == "updated":
            report.updated += 1
        else:
            report.duplicates += 1
        log.info("imported %s as %s (%s)", path.name, outcome.item_id, outcome.kind)
    return report


def _file_under(config: Config, article: Article, outlet_key: str | None, now: datetime) -> Article:
    outlet = config.outlet(outlet_key) if outlet_key else outlet_for_url(config, article.canonical_url)
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
    directory: Path = Path(".")

    def summary(self) -> str:
        return f"exported {self.written + self.unchanged} to {self.directory} ({self.written} written, {self.unchanged} unchanged)"


def export_items(store: Any, directory: Path, *, relevant_only: bool, since: datetime | None) -> ExportReport:
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
