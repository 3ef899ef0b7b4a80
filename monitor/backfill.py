"""``monitor backfill``: walk each outlet's archive back to ``--since``, through the poll's pipeline.

The archive is read through the ways an outlet offers (``[outlets.KEY.backfill]``), in
this order: sitemap indexes (their monthly children, newest first), date archive pages
(``{yyyy}/{mm}[/{dd}]``, each paged), paged feeds (WordPress ``?paged=N``) and site
search (every configured query, page by page). Every archive page is a *step*:

1. fetched once, and what it lists is written to ``backfill_steps`` (status ``listed``)
   before any article behind it is fetched;
2. each listed article that the store does not have goes through the poll's own
   fetch -> extract -> classify -> store (:func:`monitor.pipeline.fetch_one`);
3. the step is marked ``done`` (or ``failed``) together with the months it covered.

So the store is the cursor, per outlet and source: after a kill or Ctrl-C a second run
re-reads listed and done steps from the store without fetching them, skips every article
it already has, and carries on; only the one article in hand at the kill is fetched again.
A paged walk stops at the first page that is empty, missing (404 past the last page) or
reaches back before ``--since``. Months an archive page could not be read for, or that
it listed nothing for, are recorded in ``backfill_months`` so the timeline can show them
as gaps rather than zeros.
"""

from __future__ import annotations

import calendar
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from typing import Any, Protocol
from urllib.parse import quote_plus, urlsplit

from .config import Config, OutletConfig
from .errors import FetchError, MonitorError, ParseError
from .models import Link, LinkSource, Page, parse_iso
from .pipeline import PollContext, fetch_one

log = logging.getLogger(__name__)

_MONTH_IN_URL = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_/]?(0[1-9]|1[0-2])(?!\d)")
_GONE = (404, 410)  # past the last page of a paged walk: the end, not a failure


# ---------------------------------------------------------------- the window


@dataclass(frozen=True, slots=True)
class Window:
    """The days to walk, ``since`` and ``until`` included."""

    since: date
    until: date

    def __post_init__(self) -> None:
        if self.until < self.since:
            raise ValueError(f"--until {self.until} is before --since {self.since}")

    @property
    def first_month(self) -> str:
        return f"{self.since:%Y-%m}"

    @property
    def last_month(self) -> str:
        return f"{self.until:%Y-%m}"

    def months(self) -> list[str]:
        """Every YYYY-MM in the window, newest first (archives are walked backwards in time)."""
        found, year, month = [], self.until.year, self.until.month
        while (year, month) >= (self.since.year, self.since.month):
            found.append(f"{year:04d}-{month:02d}")
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return found

    def days(self, month: str) -> list[date]:
        year, number = int(month[:4]), int(month[5:7])
        last = calendar.monthrange(year, number)[1]
        days = [date(year, number, d) for d in range(last, 0, -1)]
        return [d for d in days if self.since <= d <= self.until]

    def holds_month(self, month: str | None) -> bool:
        return month is None or self.first_month <= month <= self.last_month

    def holds(self, moment: datetime | None) -> bool:
        return moment is None or self.since <= moment.astimezone(UTC).date() <= self.until


def month_of_url(url: str) -> str | None:
    """``sitemap-pt-post-2019-06.xml`` -> ``"2019-06"`` (the monthly children of a sitemap index)."""
    match = _MONTH_IN_URL.search(urlsplit(url).path)
    return f"{match.group(1)}-{match.group(2)}" if match else None


# ---------------------------------------------------------------- what a run reports


@dataclass
class Totals:
    """Counts of one outlet's walk (or of all of them)."""

    steps: int = 0  # archive pages walked (read from the store or fetched)
    fetched_pages: int = 0  # archive pages fetched in this run
    links: int = 0  # article links listed in the window
    new: int = 0
    relevant: int = 0
    known: int = 0  # listed but already stored: not fetched
    failed: int = 0  # article pages that failed
    failed_steps: int = 0  # archive pages that failed
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, other: Totals) -> None:
        for name in ("steps", "fetched_pages", "links", "new", "relevant", "known", "failed", "failed_steps"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.reasons.update(other.reasons)

    def summary(self) -> str:
        return (f"{self.steps} archive pages ({self.fetched_pages} fetched), {self.links} articles listed: "
                f"{self.new} new ({self.relevant} relevant), {self.known} already stored, {self.failed} failed"
                + (f", {self.failed_steps} archive pages failing" if self.failed_steps else ""))


class Progress(Protocol):
    """What the command layer shows: a live line on a terminal, quiet lines otherwise."""

    def step(self, outlet: str, label: str, totals: Totals, done: int, planned: int | None, eta: float | None) -> None: ...

    def finished(self, outlet: str, source: str, totals: Totals) -> None: ...


class _Silent:
    def step(self, outlet: str, label: str, totals: Totals, done: int, planned: int | None, eta: float | None) -> None:
        pass

    def finished(self, outlet: str, source: str, totals: Totals) -> None:
        pass


# ---------------------------------------------------------------- one archive page


@dataclass(frozen=True, slots=True)
class _Listed:
    """What a step listed: article links (url, published ISO or None, title) or child sitemaps (url, month)."""

    status: str  # "done", "failed", "end" (past the last page)
    found: list[list[Any]]
    fetched: bool


class _OutletWalk:
    """One outlet's archive walk; every step goes through the store first."""

    def __init__(self, outlet: OutletConfig, ctx: PollContext, window: Window, progress: Progress):
        self.outlet, self.ctx, self.window, self.progress = outlet, ctx, window, progress
        self.store = ctx.store
        self.totals = Totals()
        self.extra = {"outlet": outlet.key}

    # --- sources ---------------------------------------------------------

    def run(self) -> Totals:
        archive = self.outlet.archive
        for url in archive.sitemaps:
            self._source(f"sitemap {_path(url)}", partial(self.sitemap, index_url=url))
        for template in archive.archives:
            self._source(f"archive {_path(template)}", partial(self.archive, template=template))
        for template in archive.feed_pages:
            pages = [template_page(template, n) for n in range(1, archive.max_pages + 1)]
            self._source(f"feed {_path(template)}", partial(self.paged, kind="feed", pages=pages))
        if archive.search:
            for template in self.outlet.search:
                for query in self.outlet.search_queries:
                    base = template.replace("{query}", quote_plus(query))
                    pages = [template_page(base, n) for n in range(1, archive.max_pages + 1)] if "{page}" in base else [base]
                    self._source(f"search {query!r}", partial(self.paged, kind="search", pages=pages))
        return self.totals

    def _source(self, label: str, walk: Callable[[str], Totals]) -> None:
        if self.ctx.stop.is_set():
            return
        before = Totals()
        before.add(self.totals)
        walk(label)
        done = Totals()
        done.add(self.totals)
        for name in ("steps", "fetched_pages", "links", "new", "relevant", "known", "failed", "failed_steps"):
            setattr(done, name, getattr(self.totals, name) - getattr(before, name))
        self.progress.finished(self.outlet.key, label, done)

    def sitemap(self, label: str, index_url: str) -> Totals:
        listed = self.list_step(label, index_url, None, "sitemap", children=True)
        children = [(url, month) for url, month in listed.found if self.window.holds_month(month)]
        self._walk(label, [(url, month, "sitemap") for url, month in children], paged=False)
        if listed.status != "failed" and not self.ctx.stop.is_set():
            self._finish(label, index_url, None, "done")  # the index's found children stay for the next run
        return self.totals

    def archive(self, label: str, template: str) -> Totals:
        """Date archive pages, newest month first; a day or month template is paged when it holds {page}."""
        groups: list[list[tuple[str, str | None, LinkSource]]] = []
        for month in self.window.months():
            year, number = month.split("-")
            days = self.window.days(month) if "{dd}" in template else [None]
            for day in days:
                url = template.replace("{yyyy}", year).replace("{mm}", number)
                if day is not None:
                    url = url.replace("{dd}", f"{day.day:02d}")
                pages = [template_page(url, n) for n in range(1, self.outlet.archive.max_pages + 1)] if "{page}" in url else [url]
                groups.append([(page, month, "listing") for page in pages])
        planned = len(groups)
        started = time.monotonic()
        for done, group in enumerate(groups, 1):
            if self.ctx.stop.is_set():
                break
            self._walk(label, group, paged=True)
            self._tick(label, done, planned, started)
        return self.totals

    def paged(self, label: str, kind: LinkSource, pages: list[str]) -> Totals:
        self._walk(label, [(url, None, kind) for url in pages], paged=True)
        return self.totals

    def _walk(self, label: str, steps: list[tuple[str, str | None, LinkSource]], *, paged: bool) -> None:
        started = time.monotonic()
        for number, (url, month, kind) in enumerate(steps, 1):
            if self.ctx.stop.is_set():
                return
            listed = self.list_step(label, url, month, kind, first_page=number == 1 or not paged)
            if listed.status != "failed" and listed.status != "end":
                self.fetch_articles(label, url, month, kind, listed)
            if not paged:
                self._tick(label, number, len(steps), started)
            elif listed.status in ("failed", "end") or not listed.found or self._reached_since(listed):
                return

    def _tick(self, label: str, done: int, planned: int, started: float) -> None:
        elapsed = time.monotonic() - started
        eta = elapsed / done * (planned - done) if done else None
        self.progress.step(self.outlet.key, label, self.totals, done, planned, eta)

    def _reached_since(self, listed: _Listed) -> bool:
        """A page reaching back before --since ends a paged walk (pages run newest to oldest)."""
        months = [m for m in (self._month_of(entry) for entry in listed.found) if m]
        return bool(months) and min(months) < self.window.first_month

    def _month_of(self, entry: list[Any]) -> str | None:
        url, published = entry[0], entry[1]
        if published:
            return str(published)[:7]
        return self.store.published_month(url)

    # --- steps -------------------------------------------------------------

    def list_step(self, label: str, url: str, month: str | None, kind: LinkSource, *, children: bool = False,
                  first_page: bool = True) -> _Listed:
        """The step's listing, from the store when it was listed before, else fetched and recorded."""
        self.totals.steps += 1
        row = self.store.backfill_step(self.outlet.key, url)
        if row is not None and row["status"] in ("listed", "done"):
            return _Listed("done", row["found"], fetched=False)
        if row is not None and row["status"] == "end":
            return _Listed("end", [], fetched=False)
        try:
            page = self.ctx.fetcher.get(url, outlet=self.outlet.key) if self.ctx.fetcher else None
            assert page is not None
            self.totals.fetched_pages += 1
            found = self._parse(page, kind, children)
        except FetchError as exc:
            self.totals.fetched_pages += 1
            if exc.status in _GONE and (not first_page or kind == "listing"):
                # Past the last page; or a date archive with nothing that day (WordPress answers 404 [I]).
                self._finish(label, url, month, "end", error=None, months={month: 0} if month and first_page else None)
                return _Listed("end", [], fetched=True)
            return self._failed(label, url, month, exc)
        except ParseError as exc:
            return self._failed(label, url, month, exc)
        oldest = min((str(f[1]) for f in found if not children and f[1]), default=None)
        self.store.list_backfill_step(outlet=self.outlet.key, source=label, url=url, month=month, found=found,
                                      oldest=oldest, now=self.ctx.now())
        return _Listed("listed", found, fetched=True)

    def _failed(self, label: str, url: str, month: str | None, exc: MonitorError) -> _Listed:
        log.warning("%s: %s", url, exc, extra=self.extra)
        self.totals.failed_steps += 1
        self.totals.reasons[exc.reason] += 1
        self._finish(label, url, month, "failed", error=f"{exc.reason}: {exc}"[:300])
        return _Listed("failed", [], fetched=True)

    def _parse(self, page: Page, kind: LinkSource, children: bool) -> list[list[Any]]:
        from .discover import parse_feed, parse_listing, parse_sitemap

        if kind == "sitemap":
            sitemap = parse_sitemap(page.content, page.final_url, self.outlet)
            if children:
                return [[url, month_of_url(url)] for url in sitemap.children]
            links = sitemap.links
        elif kind == "feed":
            links = parse_feed(page.content, page.final_url, self.outlet)
        else:
            links = parse_listing(page.text, page.final_url, self.outlet, source=kind).links
        # A dated link outside the window is listed (it ends paged walks) but never fetched.
        return [[link.url, link.published.isoformat() if link.published else None, link.title] for link in links]

    def fetch_articles(self, label: str, url: str, month: str | None, kind: LinkSource, listed: _Listed) -> None:
        row = self.store.backfill_step(self.outlet.key, url)
        if row is not None and row["status"] == "done":
            self.totals.links += sum(1 for entry in listed.found if self._in_window(entry))
            self.totals.known += sum(1 for entry in listed.found if self._in_window(entry))
            return
        new = failed = 0
        months: Counter[str] = Counter()
        if month is not None:
            months[month] += 0  # a month walked and found empty is still walked
        for entry in listed.found:
            if self.ctx.stop.is_set():
                return  # not done: the next run resumes this step from the store
            if not self._in_window(entry):
                continue
            self.totals.links += 1
            link_url, published, title = entry[0], entry[1], entry[2]
            if self.store.is_known(link_url):
                self.totals.known += 1
            else:
                link = Link(url=link_url, outlet=self.outlet.key, source=kind, title=title,
                            published=parse_iso(published))
                kind_done, relevant, error = fetch_one(link, self.outlet, self.ctx)
                if kind_done == "failed":
                    failed += 1
                    self.totals.failed += 1
                    self.totals.reasons[error.reason if error else "error"] += 1
                    continue
                new += kind_done == "new"
                self.totals.new += kind_done == "new"
                self.totals.relevant += int(relevant)
            found_month = month or self._month_of(entry)
            if found_month and self.window.holds_month(found_month):
                months[found_month] += 1
        self._finish(label, url, month, "done", new=new, failed=failed, months=dict(months))

    def _in_window(self, entry: list[Any]) -> bool:
        return self.window.holds(parse_iso(entry[1]) if entry[1] else None)

    def _finish(self, label: str, url: str, month: str | None, status: str, *, new: int = 0, failed: int = 0,
                error: str | None = None, months: dict[str, int] | None = None) -> None:
        self.store.finish_backfill_step(outlet=self.outlet.key, source=label, url=url, month=month, status=status,
                                        new=new, failed=failed, error=error, months=months, now=self.ctx.now())


def template_page(template: str, page: int) -> str:
    return template.replace("{page}", str(page))


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# ---------------------------------------------------------------- the command's entry points


def backfill_outlets(config: Config) -> list[OutletConfig]:
    """Enabled outlets with an archive to walk."""
    return [o for o in config.enabled_outlets if not o.archive.empty]


def run_backfill(outlets: list[OutletConfig], ctx: PollContext, window: Window, *,
                 progress: Progress | None = None, workers: int = 4) -> dict[str, Totals]:
    """Walk each outlet's archive (one thread per outlet: hosts differ, pacing is per host)."""
    from concurrent.futures import ThreadPoolExecutor

    shown = progress or _Silent()

    def one(outlet: OutletConfig) -> Totals:
        try:
            return _OutletWalk(outlet, ctx, window, shown).run()
        except Exception as exc:  # the store refused, or a bug: this outlet stops, the others go on
            if isinstance(exc, MonitorError):
                log.error("%s", exc, extra={"outlet": outlet.key})
            else:
                log.exception("internal error during backfill", extra={"outlet": outlet.key})
            totals = Totals()
            totals.reasons[getattr(exc, "reason", "internal error")] += 1
            totals.failed_steps += 1
            return totals

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(outlets))), thread_name_prefix="backfill") as pool:
        futures = [pool.submit(one, outlet) for outlet in outlets]
        try:
            results = [future.result() for future in futures]
        except KeyboardInterrupt:  # Ctrl-C: every walk stops after the article in hand; the store is the cursor
            ctx.stop.set()
            raise
    return {o.key: t for o, t in zip(outlets, results)}


@dataclass(frozen=True, slots=True)
class PlanLine:
    source: str
    what: str
    requests: int  # archive pages at most (paged walks: their page limit)


@dataclass(frozen=True, slots=True)
class Plan:
    outlet: OutletConfig
    lines: list[PlanLine]
    listing_requests: int
    article_requests: int
    seconds: float


def plan(outlets: list[OutletConfig], config: Config, window: Window, *, interval: float,
         known: Callable[[str], int] = lambda key: 0) -> list[Plan]:
    """What a backfill would walk and roughly what it costs, without a single request.

    Sitemap and date archive pages are counted exactly (one per month or day); paged walks at
    their page limit, an upper bound. Articles are estimated from ``[backfill]
    expected_per_month`` minus what the store already holds for the outlet.
    """
    months = window.months()
    plans = []
    for outlet in outlets:
        archive = outlet.archive
        lines = []
        for url in archive.sitemaps:
            lines.append(PlanLine(f"sitemap {_path(url)}", f"the index + {len(months)} monthly children", 1 + len(months)))
        for template in archive.archives:
            pages = sum(len(window.days(m)) for m in months) if "{dd}" in template else len(months)
            unit = "day" if "{dd}" in template else "month"
            more = " (+ further pages where one has more)" if "{page}" in template else ""
            lines.append(PlanLine(f"archive {_path(template)}", f"{pages} {unit} pages{more}", pages))
        for template in archive.feed_pages:
            lines.append(PlanLine(f"feed {_path(template)}", f"up to {archive.max_pages} pages", archive.max_pages))
        if archive.search:
            walks = len(outlet.search) * len(outlet.search_queries)
            lines.append(PlanLine("search", f"{len(outlet.search_queries)} quer{'y' if len(outlet.search_queries) == 1 else 'ies'} x up to {archive.max_pages} pages",
                                  walks * archive.max_pages))
        listing = sum(line.requests for line in lines)
        if archive.sitemaps or archive.archives or archive.feed_pages:  # the whole archive
            articles = max(0, config.backfill.expected_per_month * len(months) - known(outlet.key))
        else:  # search finds only matching articles: ~10 per result page (WordPress's default [I])
            articles = 10 * listing
        plans.append(Plan(outlet, lines, listing, articles, (listing + articles) * interval))
    return plans


def backfill_interval(config: Config, rate: float | None = None) -> float:
    """Seconds between two requests to one host: the backfill rate, never faster than polling's limit."""
    wanted = config.backfill.per_host_interval if rate is None else rate
    return max(wanted, config.http.per_host_interval)


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(seconds)
    if seconds >= 86400:
        return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected a date like 2017-01-01, got {text!r}") from None


def default_until(now: datetime) -> date:
    return now.astimezone(UTC).date()


def iter_months(first: str, last: str) -> Iterator[str]:
    """YYYY-MM from ``first`` to ``last``, oldest first."""
    year, month = int(first[:4]), int(first[5:7])
    while f"{year:04d}-{month:02d}" <= last:
        yield f"{year:04d}-{month:02d}"
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)

