"""``monitor backfill``: the command over :mod:`monitor.backfill` (click lives here, not there)."""

from __future__ import annotations

import sys
import threading
from dataclasses import replace
from typing import Any

import click

from .backfill import Totals, format_duration
from .config import OutletConfig


class BackfillProgress:
    """A live line on a terminal (counts and time left); one quiet line per source otherwise."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.live = sys.stderr.isatty()
        self.state: dict[str, str] = {}
        self._lock = threading.Lock()

    def step(self, outlet: str, label: str, totals: Totals, done: int, planned: int | None, eta: float | None) -> None:
        if not self.live:
            return
        of = f"/{planned}" if planned else ""
        line = (f"{outlet} {label} {done}{of} · {totals.new} new ({totals.relevant} relevant), {totals.known} known,"
                f" {totals.failed} failed · ETA {format_duration(eta)}")
        with self._lock:
            self.state[outlet] = line
            click.echo("\r\033[K" + " | ".join(self.state.values()), err=True, nl=False)

    def finished(self, outlet: str, source: str, totals: Totals) -> None:
        with self._lock:
            if self.live:
                click.echo("\r\033[K", err=True, nl=False)
            click.echo(f"{self.names.get(outlet, outlet)}, {source}: {totals.summary()}")

    def clear(self) -> None:
        if self.live and self.state:
            click.echo("\r\033[K", err=True, nl=False)


@click.command("backfill")
@click.option("-o", "--outlet", "outlet_keys", multiple=True, help="Only this outlet (repeatable)")
@click.option("--since", default="2017-01-01", show_default=True, help="Oldest day to walk back to (YYYY-MM-DD)")
@click.option("--until", help="Newest day to walk (YYYY-MM-DD) [default: today]")
@click.option("--plan", "plan_only", is_flag=True, help="Print what would be walked and an estimate; fetch nothing")
@click.option("--rate", type=float, help="Seconds between requests to one host [default: [backfill] per_host_interval]")
@click.option("--lock-timeout", type=float, default=5.0, show_default=True,
              help="Seconds to wait for another backfill of the same outlets")
@click.pass_obj
def backfill_command(obj: Any, outlet_keys: tuple[str, ...], since: str, until: str | None, plan_only: bool,
                     rate: float | None, lock_timeout: float) -> None:
    """Walk each outlet's archive back to --since and store what it finds.

    Reads the archive through the ways an outlet offers ([outlets.KEY.backfill]):
    monthly sitemaps, date archive pages, paged feeds, site search. Resumable: a
    kill or Ctrl-C resumes where it stopped; a second run fetches nothing it has.
    Slower than a poll on purpose (one request per [backfill] per_host_interval).

    \b
    Example:
        monitor backfill --plan
        monitor backfill --outlet cubadebate --since 2017-01-01
        monitor backfill --since 2019-06-01 --until 2019-06-30
    """
    from .backfill import (
        Window,
        backfill_interval,
        backfill_outlets,
        default_until,
        parse_day,
    )
    from .models import utc_now

    config = obj.config
    try:
        window = Window(parse_day(since), parse_day(until) if until else default_until(utc_now()))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    chosen: list[OutletConfig] = [config.outlet(k) for k in outlet_keys] if outlet_keys else backfill_outlets(config)
    without = [o.key for o in chosen if o.archive.empty]
    if without:
        raise click.UsageError(f"no archive configured for {', '.join(without)} (add [outlets.KEY.backfill])")
    interval = backfill_interval(config, rate)
    if plan_only:
        _print_plan(obj, chosen, config, window, interval)
        return
    _walk(obj, chosen, window, interval, lock_timeout)


def _print_plan(obj: Any, chosen: list[Any], config: Any, window: Any, interval: float) -> None:
    from .backfill import format_duration, plan

    counts = obj.store().counts_by_outlet()
    plans = plan(chosen, config, window, interval=interval, known=lambda key: counts.get(key, {}).get("items", 0))
    click.echo(f"Backfill {window.since} .. {window.until} ({len(window.months())} months), "
               f"one request per {interval:g} s per host; nothing fetched.")
    for p in plans:
        click.echo(f"{p.outlet.name} ({p.outlet.key}):")
        for line in p.lines:
            click.echo(f"  {line.source}: {line.what}")
        click.echo(f"  estimate: {p.listing_requests} archive pages + ~{p.article_requests} articles "
                   f"(~{config.backfill.expected_per_month}/month) = ~{p.listing_requests + p.article_requests} requests,"
                   f" ~{format_duration(p.seconds)}")
    # Hosts are walked in parallel: the slowest outlet sets the time.
    longest = max((p.seconds for p in plans), default=0.0)
    total = sum(p.listing_requests + p.article_requests for p in plans)
    click.echo(f"{len(plans)} outlets, ~{total} requests, ~{format_duration(longest)} (outlets walk in parallel)")


def _walk(obj: Any, chosen: list[Any], window: Any, interval: float, lock_timeout: float) -> None:
    from .backfill import run_backfill
    from .classify import compile_rules
    from .fetch import Fetcher
    from .lock import outlet_locks
    from .pipeline import PollContext

    config = obj.config
    store = obj.store()
    http = replace(config.http, per_host_interval=interval)
    names = {o.key: o.name if sum(p.name == o.name for p in config.outlets) == 1 else f"{o.name} {o.language.upper()}"
             for o in config.outlets}
    progress = BackfillProgress(names)
    ctx = None
    try:
        with outlet_locks(config.store_path, [f"backfill-{o.key}" for o in chosen], timeout=lock_timeout), \
                Fetcher(http, cache=store.validators) as fetcher:
            ctx = PollContext(config=config, fetcher=fetcher, rules=compile_rules(config.relevance), store=store)
            try:
                results = run_backfill(chosen, ctx, window, progress=progress)
            except KeyboardInterrupt:
                ctx.stop.set()
                progress.clear()
                click.echo("interrupted: run the same command again to resume", err=True)
                sys.exit(130)
    finally:
        progress.clear()
    total = Totals()
    for totals in results.values():
        total.add(totals)
    failing = [key for key, t in results.items() if t.failed_steps and not t.links]
    click.echo(f"{total.new} new ({total.relevant} relevant), {total.known} already stored, {total.failed} failed, "
               f"{len(failing)} outlets failing")
    sys.exit(1 if failing else 0)
