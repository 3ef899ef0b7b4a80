"""The wiring: one outlet, one run — discover -> fetch -> extract -> classify -> store.

``open_run`` is the one place a run is assembled (config, store, fetcher, the compiled
rules, the clock) and taken apart again; the commands, the daemon, the demo and the
daemon benchmark all start there.

``poll_outlet`` never raises for a broken page, feed or server: every failure is
counted against the outlet, recorded with its URL and class (``failures``) and summed
up in the :class:`OutletRun` it returns. Its ``runs`` row is written when it starts
('running') and finished as ok / failing / interrupted, so even a killed run shows.

A run stops early, keeping what it stored, when ``ctx.stop`` is set (SIGINT/SIGTERM:
recorded 'interrupted') or when the outlet's ``max_run_time`` runs out (recorded
'failing: run time exceeded'); the fetcher refuses new requests then, so a stop is
never longer than the request in hand. It fetches only from the outlet's own hosts
(``base_url`` + ``allowed_hosts``): an off-site link in a feed is recorded, not fetched.

``poll`` runs several outlets concurrently, one thread each;
per-host politeness lives in the shared :class:`~monitor.fetch.Fetcher`, and all threads
write through the one :class:`~monitor.store.Store` (its lock makes it the single
writer), one short ``BEGIN IMMEDIATE`` transaction per article, so a kill loses at most
the article in hand.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Protocol

from .config import Config, OutletConfig
from .errors import (
    ExtractionError,
    FetchError,
    HostDown,
    InternalError,
    MonitorError,
    OffSite,
    RunTimeExceeded,
    Stopped,
)
from .models import Failure, Link, Outcome, OutletRun, Page, RunStatus, parse_iso, utc_now
from .stopping import Stop
from .urls import site_of

if TYPE_CHECKING:  # imported for types only: the stages load lazily, so `monitor --help` stays fast
    from .classify import Ruleset
    from .discover import Discovery
    from .fetch import Fetcher, OutletScope
    from .store import Store

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
MAX_FAILURES = 500  # recorded per run: enough to act on, bounded for a site that fails everything


class Progress(Protocol):
    def update(self, outlet: str, done: int, total: int) -> None: ...


@dataclass
class _Tally:
    seen: int = 0
    new: int = 0
    updated: int = 0
    relevant: int = 0
    failed: int = 0
    not_modified: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    degraded: Counter[str] = field(default_factory=Counter)  # failed hints, per page (extract.degraded)
    errors: list[MonitorError] = field(default_factory=list)  # the first few, to explain a failure
    failures: list[Failure] = field(default_factory=list)  # every one (up to MAX_FAILURES), for `failures`
    saved: int = 0  # how many of them are in the store already
    attempted: int = 0  # articles tried so far

    def unsaved(self) -> list[Failure]:
        """The failures not yet filed; from now on they count as filed."""
        fresh, self.saved = self.failures[self.saved:], len(self.failures)
        return fresh

    def note(self, exc: MonitorError, url: str, source: str) -> None:
        self.reasons[_reason(exc)] += 1
        if len(self.errors) < 5:
            self.errors.append(exc)
        self.record(exc, url, source)

    def record(self, exc: MonitorError, url: str, source: str) -> None:
        if len(self.failures) < MAX_FAILURES:
            message = str(exc).removeprefix(f"{url}: ")
            self.failures.append(Failure(url=url, kind=exc.kind, message=message[:500], source=source))

    def fail(self, exc: MonitorError, url: str) -> None:
        self.failed += 1
        self.note(exc, url, "article")


def _reason(exc: MonitorError) -> str:
    status = getattr(exc, "status", None)
    if status and exc.reason in ("blocked", "http 4xx", "http 5xx"):
        return f"{exc.reason} ({status})"
    return exc.reason


@dataclass(frozen=True, slots=True, kw_only=True)
class PollContext:
    """What a run shares: config, the one HTTP client, rules, the one store, the clock."""

    config: Config
    fetcher: Fetcher | None  # None only for reprocess, which fetches nothing
    rules: Ruleset
    store: Store
    now: Clock = utc_now
    stop: threading.Event = field(default_factory=Stop)


@contextmanager
def open_run(config: Config, *, store: Store | None = None, fetch: bool = True, now: Clock = utc_now,
             stop: threading.Event | None = None) -> Iterator[PollContext]:
    """Assemble a run, and close on the way out what was opened here.

    ``store``: use an open store (the caller keeps it; closed here only when opened here).
    ``fetch=False``: no HTTP client, for runs that fetch nothing (reprocess, reclassify).
    """
    from .fetch import Fetcher
    from .store import Store

    stop = stop if stop is not None else Stop()  # one flag: signal handlers set it, fetcher and runs obey it
    with ExitStack() as opened:
        if store is None:
            store = opened.enter_context(Store(config.store_path, stories=config.stories))
        fetcher = opened.enter_context(Fetcher(config.http, cache=store.validators, robots_store=store.robots, stop=stop)) if fetch else None
        yield PollContext(config=config, fetcher=fetcher, rules=config.rules, store=store, now=now, stop=stop)


def poll_outlet(outlet: OutletConfig, ctx: PollContext, *, catch_up: bool = False, progress: Progress | None = None) -> OutletRun:
    """Visit one outlet once. Never raises for outlet-side failures."""
    from .discover import discover
    from .fetch import OutletScope

    if ctx.fetcher is None:
        raise ValueError("poll_outlet needs a fetcher")
    started = ctx.now()
    store = ctx.store
    run_id = store.begin_run(outlet.key, started=started, catch_up=catch_up, pid=os.getpid())
    scope = OutletScope.of(outlet, stop=ctx.stop)
    ctx.fetcher.confine(outlet.key, scope)
    tally = _Tally()
    status: RunStatus = "failing"
    feed_all_new = False
    todo: list[Link] = []
    try:
        # A feed of unknown entries means its window overflowed -- unless nothing was ever stored:
        # a first run finds everything new, and that asks for no extra catch-up run.
        first_run = not store.has_items(outlet.key)
        discovery = discover(outlet, ctx.fetcher, now=started, is_known=store.is_known, catch_up=catch_up)
        feed_all_new = discovery.feed_all_new and not first_run
        for url, problem in discovery.errors:
            tally.note(problem, url, "discovery")
        tally.not_modified += discovery.not_modified
        todo = _to_fetch(discovery.links, store, ctx, scope, tally)
        tally.seen = len(discovery.links)
        for done, link in enumerate(todo, 1):
            # Failures are filed as they come, so a run killed later still shows what failed.
            store.add_failures(run_id, outlet.key, tally.unsaved(), at=ctx.now())
            scope.check(link.url)  # stopped, or out of run time: keep what is stored
            _one_article(link, outlet, store, ctx, tally)
            if progress is not None:
                progress.update(outlet.key, done, len(todo))
        error = _failure(discovery, tally, len(todo), store, outlet.key)
        status = "failing" if error else "ok"
    except Stopped as exc:
        status, error = _stopped(exc, tally, len(todo), outlet)
        log.warning("%s", error, extra={"outlet": outlet.key})
    except MonitorError as exc:  # e.g. the store refused: still a recorded, failing run
        log.error("%s", exc, extra={"outlet": outlet.key})
        error = f"{exc.reason}: {exc}"
    except Exception as exc:  # a bug must not lose the other outlets' runs, nor this one's record
        log.exception("internal error while polling", extra={"outlet": outlet.key})
        error = f"internal error: {exc!r}"
    run = _run(outlet, tally, started, ctx.now(), status, error, feed_all_new=feed_all_new, catch_up=catch_up)
    store.finish_run(run_id, run, unsaved=tally.unsaved())
    return run


def _stopped(exc: Stopped, tally: _Tally, todo: int, outlet: OutletConfig) -> tuple[RunStatus, str]:
    done = f"{tally.attempted} of {todo} article pages tried" if todo else "during discovery"
    if isinstance(exc, RunTimeExceeded):
        limit = _duration(outlet.max_run_time.total_seconds())
        return "failing", f"run time exceeded: stopped after max_run_time {limit}, {done}; what was fetched is stored"
    return "interrupted", f"interrupted by {exc.why}: {done}; what was fetched is stored"


def _duration(seconds: float) -> str:
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def _to_fetch(links: Iterable[Link], store: Store, ctx: PollContext, scope: OutletScope, tally: _Tally) -> list[Link]:
    """New URLs, plus stored ones that are due for a recheck (edits); capped per run.

    A link to a host outside the outlet's own is recorded as "off-site refused", never fetched.
    """
    http = ctx.config.http
    now = ctx.now()
    todo = []
    for link in links:
        if not scope.allows(link.url):
            tally.record(OffSite(link.url, f"{link.source} links to {site_of(link.url)}, not one of the outlet's hosts "
                                 "(base_url, allowed_hosts): not fetched"), link.url, link.source)
        elif store.due_for_recheck(link.url, now=now, recheck_after=http.recheck_after,
                                   recheck_window=http.recheck_window):  # True for an unknown URL
            todo.append(link)
    return todo[: http.max_articles_per_run]


def _one_article(link: Link, outlet: OutletConfig, store: Store, ctx: PollContext, tally: _Tally) -> None:
    from .extract import degraded, extract_article

    tally.attempted += 1
    try:
        assert ctx.fetcher is not None  # checked by poll_outlet
        page = ctx.fetcher.get(link.url, outlet=outlet.key)
        article = extract_article(page, outlet, now=ctx.now())
    except Stopped as exc:
        if not exc.in_flight:
            tally.attempted -= 1  # refused before its request: it waits for the next run
        raise
    except (FetchError, ExtractionError) as exc:
        log.info("%s", exc, extra={"outlet": outlet.key, "url": link.url})
        tally.fail(exc, link.url)
        return
    except Exception as exc:  # a bug met on one odd page: say so loudly, count it, go on
        log.exception("internal error on %s", link.url, extra={"outlet": outlet.key, "url": link.url})
        tally.fail(InternalError(f"{link.url}: {exc!r}"), link.url)
        return
    tally.degraded.update(degraded(article))
    article = ctx.rules.classify_article(article)
    outcome = store.save(article, raw_html=page.content, encoding=page.encoding, source=link.source, now=ctx.now())
    _count(outcome, tally)


def fetch_one(link: Link, outlet: OutletConfig, ctx: PollContext) -> tuple[str, bool, MonitorError | None]:
    """One article through fetch -> extract -> classify -> store, as a poll does it (``monitor backfill``).

    Returns (``"new"``/``"updated"``/``"unchanged"`` or ``"failed"``, relevant, the error if failed).
    """
    tally = _Tally()
    _one_article(link, outlet, ctx.store, ctx, tally)
    if tally.failed:
        return "failed", False, tally.errors[0] if tally.errors else None
    if tally.new:
        return "new", bool(tally.relevant), None
    return ("updated" if tally.updated else "unchanged"), False, None


def _count(outcome: Outcome, tally: _Tally) -> None:
    if outcome.kind == "new":
        tally.new += 1
        tally.relevant += int(outcome.relevant)
    elif outcome.kind == "updated":
        tally.updated += 1


def _run(outlet: OutletConfig, tally: _Tally, started: datetime, finished: datetime, status: RunStatus,
         error: str | None, *, feed_all_new: bool = False, catch_up: bool = False) -> OutletRun:
    return OutletRun(
        outlet=outlet.key, started=started, finished=finished, status=status,
        seen=tally.seen, new=tally.new, updated=tally.updated, relevant=tally.relevant,
        failed=tally.failed, not_modified=tally.not_modified, error=error,
        feed_all_new=feed_all_new, catch_up=catch_up, failures=tuple(tally.failures),
        degraded="; ".join(f"{why} ({n} page{'s' if n != 1 else ''})" for why, n in tally.degraded.most_common()) or None,
    )


def _failure(discovery: Discovery, tally: _Tally, attempted: int, store: Store, key: str) -> str | None:
    """Why the outlet counts as failing this run, or None when it worked."""
    tried, failed = discovery.sources_tried, discovery.sources_failed
    top = tally.reasons.most_common(1)[0][0] if tally.reasons else "error"
    if tried and failed == tried:
        return f"{top}: every source failed ({_first_cause(tally.errors)})"
    if attempted and tally.failed == attempted:
        return f"{top}: all {attempted} article pages failed"
    if attempted >= 4 and tally.failed * 2 >= attempted:
        return f"{top}: {tally.failed} of {attempted} article pages failed"
    if not discovery.links and tried and not discovery.not_modified and _found_links_before(store, key):
        return "layout changed: discovery found no article links (it did last time)"
    return None


def _first_cause(errors: list[MonitorError]) -> str:
    """The most telling error: not one that only says a host was skipped after failing."""
    direct = [e for e in errors if not isinstance(e, HostDown)]
    first = direct[0] if direct else errors[0] if errors else ""
    return str(first)[:200]


def _found_links_before(store: Store, key: str) -> bool:
    last = [run for run in store.runs(outlet=key, limit=5) if run["status"] in ("ok", "failing")]
    return bool(last) and (last[0].get("seen") or 0) > 0


@dataclass
class PollReport:
    runs: list[OutletRun]
    cancelled: list[str] = field(default_factory=list)  # outlets a stop kept from starting
    abandoned: list[str] = field(default_factory=list)  # outlets still in a request when the grace ran out

    @property
    def failing(self) -> list[OutletRun]:
        return [r for r in self.runs if r.status == "failing"]

    @property
    def interrupted(self) -> int:
        return sum(r.status == "interrupted" for r in self.runs) + len(self.cancelled) + len(self.abandoned)

    @property
    def exit_code(self) -> int:
        return 1 if self.failing else 0

    def summary(self) -> str:
        new = sum(r.new for r in self.runs)
        updated = sum(r.updated for r in self.runs)
        relevant = sum(r.relevant for r in self.runs)
        failing = len(self.failing)
        outlets = "outlet" if failing == 1 else "outlets"
        line = f"{new} new ({relevant} relevant), {updated} updated, {failing} {outlets} failing"
        return line + (f", {self.interrupted} interrupted" if self.interrupted else "")


def summary_line(run: OutletRun, name: str) -> str:
    line = f"{name}: {run.seen} seen, {run.new} new ({run.relevant} relevant), {run.updated} updated, {run.failed} failed"
    if run.status == "interrupted":
        return line + f" — {run.error}"
    return line + (f" — FAILING: {run.error}" if run.error else "")


def failure_lines(run: OutletRun, *, urls: int = 2) -> list[str]:
    """Every failure class of a run with its count and first URLs, most frequent first."""
    by_kind: dict[str, list[str]] = {}
    for failure in run.failures:
        by_kind.setdefault(failure.kind, []).append(failure.url)
    ordered = sorted(by_kind.items(), key=lambda pair: (-len(pair[1]), pair[0]))
    lines = []
    for kind, found in ordered:
        more = f" and {len(found) - urls} more" if len(found) > urls else ""
        lines.append(f"    {len(found)} {kind}: {', '.join(found[:urls])}{more}")
    if lines:
        lines.append(f"    (every failure: monitor status {run.outlet})")
    return lines


def poll(outlets: Iterable[OutletConfig], ctx: PollContext, *, progress: Progress | None = None,
         catch_up: bool = False, workers: int = 4, grace: float = 4.0) -> PollReport:
    """Poll outlets concurrently (one thread each, at most ``workers``).

    When ``ctx.stop`` is set, outlets still queued are cancelled and running ones get
    ``grace`` seconds to finish their article; a run still inside a request after that
    is abandoned (its row marked interrupted) so the caller can exit on time.
    """
    chosen = list(outlets)
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(chosen))), thread_name_prefix="outlet")
    futures: dict[Future[OutletRun], OutletConfig] = {
        pool.submit(poll_outlet, o, ctx, catch_up=catch_up, progress=progress): o for o in chosen}
    give_up_at: float | None = None
    try:
        while pending := [f for f in futures if not f.done()]:
            if ctx.stop.is_set():
                if give_up_at is None:
                    give_up_at = time.monotonic() + grace
                    for future in pending:
                        future.cancel()  # queued: never starts
                elif time.monotonic() >= give_up_at:
                    break
            wait(pending, timeout=0.1)  # short, so the main thread sees a signal at once
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    report = PollReport(
        runs=[f.result() for f in futures if f.done() and not f.cancelled()],
        cancelled=[o.key for f, o in futures.items() if f.cancelled()],
        abandoned=[o.key for f, o in futures.items() if not f.done()],
    )
    if report.abandoned:
        why = f"interrupted by {getattr(ctx.stop, 'reason', 'a stop')}: the request in hand did not end within {grace:g}s"
        ctx.store.abandon_runs(os.getpid(), now=ctx.now(), why=why)
    return report


def reprocess(ctx: PollContext, *, outlet_keys: Iterable[str] = ()) -> Counter[str]:
    """Re-run extraction, normalisation and relevance on stored raw pages, without fetching."""
    from .extract import extract_article

    wanted = set(outlet_keys)
    store = ctx.store
    counts: Counter[str] = Counter()
    for item in list(store.items()):
        if wanted and item["outlet"] not in wanted:
            continue
        raw = store.raw_page(item["id"])
        outlet = _outlet_or_none(ctx.config, item["outlet"])
        if raw is None or outlet is None:
            counts["skipped"] += 1
            continue
        url, html, encoding = raw
        page = Page(url=url, final_url=url, status=200, content=html,
                    text=html.decode(encoding or "utf-8", errors="replace"), encoding=encoding or "utf-8",
                    fetched_at=parse_iso(item.get("fetched_at")) or ctx.now())
        try:
            article = ctx.rules.classify_article(extract_article(page, outlet, now=ctx.now()))
        except ExtractionError as exc:
            log.warning("%s", exc, extra={"outlet": outlet.key})
            counts["failed"] += 1
            continue
        outcome = store.save(article, source="reprocess", now=ctx.now())  # the stored page stays as it is
        counts["updated" if outcome.kind == "updated" else "unchanged"] += 1
    return counts


def _outlet_or_none(config: Config, key: str) -> OutletConfig | None:
    return next((o for o in config.outlets if o.key == key), None)




@dataclass
class Disagreement:
    """A user's label that the current rules do not share."""

    item_id: str
    label: str  # "relevant" or "not", what the user said
    band: str  # what the rules say now
    score: float
    title: str
    reasons: tuple[str, ...] = ()

    def line(self) -> str:
        said = "possibly relevant" if self.band == "possibly" else "relevant" if self.band == "relevant" else "not relevant"
        why = f" ({'; '.join(self.reasons)})" if self.reasons else ""
        return f"{self.item_id}  you: {self.label}, rules: {said}, score {self.score:g}{why}  {self.title}"


@dataclass
class Reclassified:
    checked: int = 0
    became_relevant: int = 0
    became_irrelevant: int = 0
    became_possibly: int = 0
    rescored: int = 0
    labelled: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)

    def summary(self) -> str:
        line = (f"reclassified {self.checked} items: {self.became_relevant} now relevant, "
                f"{self.became_irrelevant} no longer relevant, {self.became_possibly} now possibly relevant, "
                f"{self.rescored} rescored")
        if self.labelled:
            line += f"; the rules disagree with {len(self.disagreements)} of your {self.labelled} labels"
        return line


def reclassify(ctx: PollContext) -> Reclassified:
    """Re-apply the current relevance rules to every stored item (reprocess's twin, without extraction),
    then compare them with the user's labels (``monitor label``)."""
    store = ctx.store
    counts = Reclassified()
    for item in list(store.items()):
        counts.checked += 1
        body = "\n".join(p for p in (item.get("subtitle"), item.get("caption"), item.get("body")) if p)
        result = ctx.rules.classify(item.get("title") or "", body)
        if store.update_relevance(item["id"], result):
            if result.relevant and not item["relevant"]:
                counts.became_relevant += 1
            elif item["relevant"] and not result.relevant:
                counts.became_irrelevant += 1
            elif result.band == "possibly" and item.get("band") != "possibly":
                counts.became_possibly += 1
            else:
                counts.rescored += 1
    labels = store.labelled_items()
    counts.labelled = len(labels)
    counts.disagreements = [
        Disagreement(item_id=row["item_id"], label=row["label"], band=row["band"], score=row["score"] or 0.0,
                     title=row["title"] or row["url"], reasons=tuple(row["reasons"] or ()))
        for row in labels
        if (row["label"] == "relevant") != (row["band"] == "relevant")
    ]  # fmt: skip
    return counts
