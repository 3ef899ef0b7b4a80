"""The wiring: one outlet, one run — discover -> fetch -> extract -> classify -> store.

``open_run`` is the one place a run is assembled (config, store, fetcher, the compiled
rules, the clock) and taken apart again; the commands, the daemon, the demo and the
benchmarks all start there.

``poll_outlet`` never raises for a broken page, feed or server: every failure is
counted against the outlet and summed up in the :class:`OutletRun` it returns (and
records in ``runs``). ``poll`` runs several outlets concurrently, one thread each;
per-host politeness lives in the shared :class:`~monitor.fetch.Fetcher`, and all threads
write through the one :class:`~monitor.store.Store` (its lock makes it the single
writer), one short ``BEGIN IMMEDIATE`` transaction per article, so a kill loses at most
the article in hand.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Protocol

from .config import Config, OutletConfig
from .errors import ExtractionError, FetchError, HostDown, InternalError, MonitorError
from .models import Link, Outcome, OutletRun, Page, parse_iso, utc_now

if TYPE_CHECKING:  # imported for types only: the stages load lazily, so `monitor --help` stays fast
    from .classify import Ruleset
    from .discover import Discovery
    from .fetch import Fetcher
    from .store import Store

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


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

    def note(self, exc: MonitorError) -> None:
        self.reasons[_reason(exc)] += 1
        if len(self.errors) < 5:
            self.errors.append(exc)

    def fail(self, exc: MonitorError) -> None:
        self.failed += 1
        self.note(exc)


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
    stop: threading.Event = field(default_factory=threading.Event)


@contextmanager
def open_run(config: Config, *, store: Store | None = None, fetch: bool = True, now: Clock = utc_now,
             stop: threading.Event | None = None) -> Iterator[PollContext]:
    """Assemble a run, and close on the way out what was opened here.

    ``store``: use an open store (the caller keeps it; closed here only when opened here).
    ``fetch=False``: no HTTP client, for runs that fetch nothing (reprocess, reclassify).
    """
    from .fetch import Fetcher
    from .store import Store

    with ExitStack() as opened:
        if store is None:
            store = opened.enter_context(Store(config.store_path, stories=config.stories))
        fetcher = opened.enter_context(Fetcher(config.http, cache=store.validators)) if fetch else None
        yield PollContext(config=config, fetcher=fetcher, rules=config.rules, store=store, now=now,
                          stop=stop if stop is not None else threading.Event())


def poll_outlet(outlet: OutletConfig, ctx: PollContext, *, catch_up: bool = False, progress: Progress | None = None) -> OutletRun:
    """Visit one outlet once. Never raises for outlet-side failures."""
    from .discover import discover

    if ctx.fetcher is None:
        raise ValueError("poll_outlet needs a fetcher")
    started = ctx.now()
    store = ctx.store
    tally = _Tally()
    try:
        discovery = discover(outlet, ctx.fetcher, now=started, is_known=store.is_known, catch_up=catch_up)
        for _, error in discovery.errors:
            tally.note(error)
        tally.not_modified += discovery.not_modified
        todo = _to_fetch(discovery.links, store, ctx)
        tally.seen = len(discovery.links)
        for done, link in enumerate(todo, 1):
            if ctx.stop.is_set():
                break
            _one_article(link, outlet, store, ctx, tally)
            if progress is not None:
                progress.update(outlet.key, done, len(todo))
        error = _failure(discovery, tally, len(todo), store, outlet.key)
        run = _run(outlet, tally, started, ctx.now(), error, feed_all_new=discovery.feed_all_new, catch_up=catch_up)
    except MonitorError as exc:  # e.g. the store refused: still a recorded, failing run
        log.error("%s", exc, extra={"outlet": outlet.key})
        run = _run(outlet, tally, started, ctx.now(), f"{exc.reason}: {exc}", catch_up=catch_up)
    except Exception as exc:  # a bug must not lose the other outlets' runs, nor this one's record
        log.exception("internal error while polling", extra={"outlet": outlet.key})
        run = _run(outlet, tally, started, ctx.now(), f"internal error: {exc!r}", catch_up=catch_up)
    store.record_run(run)
    return run


def _to_fetch(links: Iterable[Link], store: Store, ctx: PollContext) -> list[Link]:
    """New URLs, plus stored ones that are due for a recheck (edits); capped per run."""
    http = ctx.config.http
    now = ctx.now()
    todo = [  # due_for_recheck is True for an unknown URL
        link for link in links
        if store.due_for_recheck(link.url, now=now, recheck_after=http.recheck_after, recheck_window=http.recheck_window)
    ]
    return todo[: http.max_articles_per_run]


def _one_article(link: Link, outlet: OutletConfig, store: Store, ctx: PollContext, tally: _Tally) -> None:
    from .extract import degraded, extract_article

    try:
        assert ctx.fetcher is not None  # checked by poll_outlet
        page = ctx.fetcher.get(link.url, outlet=outlet.key)
        article = extract_article(page, outlet, now=ctx.now())
    except (FetchError, ExtractionError) as exc:
        log.info("%s", exc, extra={"outlet": outlet.key, "url": link.url})
        tally.fail(exc)
        return
    except Exception as exc:  # a bug met on one odd page: say so loudly, count it, go on
        log.exception("internal error on %s", link.url, extra={"outlet": outlet.key, "url": link.url})
        tally.fail(InternalError(f"{link.url}: {exc!r}"))
        return
    tally.degraded.update(degraded(article))
    article = ctx.rules.classify_article(article)
    outcome = store.save(article, raw_html=page.content, encoding=page.encoding, source=link.source, now=ctx.now())
    _count(outcome, tally)


def _count(outcome: Outcome, tally: _Tally) -> None:
    if outcome.kind == "new":
        tally.new += 1
        tally.relevant += int(outcome.relevant)
    elif outcome.kind == "updated":
        tally.updated += 1


def _run(outlet: OutletConfig, tally: _Tally, started: datetime, finished: datetime, error: str | None,
         *, feed_all_new: bool = False, catch_up: bool = False) -> OutletRun:
    return OutletRun(
        outlet=outlet.key, started=started, finished=finished,
        status="failing" if error else "ok",
        seen=tally.seen, new=tally.new, updated=tally.updated, relevant=tally.relevant,
        failed=tally.failed, not_modified=tally.not_modified, error=error,
        feed_all_new=feed_all_new, catch_up=catch_up,
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
    return str((direct or errors or [""])[0])[:200]


def _found_links_before(store: Store, key: str) -> bool:
    last = store.runs(outlet=key, limit=1)
    return bool(last) and (last[0].get("seen") or 0) > 0


@dataclass
class PollReport:
    runs: list[OutletRun]

    @property
    def failing(self) -> list[OutletRun]:
        return [r for r in self.runs if r.status != "ok"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failing else 0

    def summary(self) -> str:
        new = sum(r.new for r in self.runs)
        updated = sum(r.updated for r in self.runs)
        relevant = sum(r.relevant for r in self.runs)
        failing = len(self.failing)
        outlets = "outlet" if failing == 1 else "outlets"
        return f"{new} new ({relevant} relevant), {updated} updated, {failing} {outlets} failing"


def summary_line(run: OutletRun, name: str) -> str:
    line = f"{name}: {run.seen} seen, {run.new} new ({run.relevant} relevant), {run.updated} updated, {run.failed} failed"
    return line + (f" — FAILING: {run.error}" if run.error else "")


def poll(outlets: Iterable[OutletConfig], ctx: PollContext, *, progress: Progress | None = None,
         catch_up: bool = False, workers: int = 4) -> PollReport:
    """Poll outlets concurrently (one thread each, at most ``workers``)."""
    chosen = list(outlets)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(chosen))), thread_name_prefix="outlet") as pool:
        futures = [pool.submit(poll_outlet, o, ctx, catch_up=catch_up, progress=progress) for o in chosen]
        return PollReport(runs=[f.result() for f in futures])


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
class Reclassified:
    checked: int = 0
    became_relevant: int = 0
    became_irrelevant: int = 0
    rescored: int = 0

    def summary(self) -> str:
        return (f"reclassified {self.checked} items: {self.became_relevant} now relevant, "
                f"{self.became_irrelevant} no longer relevant, {self.rescored} rescored")


def reclassify(ctx: PollContext) -> Reclassified:
    """Re-apply the current relevance rules to every stored item (reprocess's twin, without extraction)."""
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
            else:
                counts.rescored += 1
    return counts
