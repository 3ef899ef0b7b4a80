"""The archive and its timeline: ``backfill`` (walk each outlet's past) and ``report`` (coverage over time)."""

from __future__ import annotations

import re
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .context import Context, chosen_outlets

if TYPE_CHECKING:  # the stages load lazily, so `monitor --help` stays fast
    from ..backfill import Totals, Window
    from ..config import Config, OutletConfig


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
        from ..backfill import format_duration

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


@click.command()
@click.option("-o", "--outlet", "outlet_keys", multiple=True, help="Only this outlet (repeatable)")
@click.option("--since", default="2017-01-01", show_default=True, help="Oldest day to walk back to (YYYY-MM-DD)")
@click.option("--until", help="Newest day to walk (YYYY-MM-DD) [default: today]")
@click.option("--plan", "plan_only", is_flag=True, help="Print what would be walked and an estimate; fetch nothing")
@click.option("--rate", type=float, help="Seconds between requests to one host [default: [backfill] per_host_interval]")
@click.option("--lock-timeout", type=float, default=5.0, show_default=True,
              help="Seconds to wait for another backfill of the same outlets")
@click.pass_obj
def backfill(obj: Context, outlet_keys: tuple[str, ...], since: str, until: str | None, plan_only: bool,
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
    from ..backfill import (
        Window,
        backfill_interval,
        backfill_outlets,
        default_until,
        parse_day,
    )
    from ..models import utc_now

    config = obj.config
    try:
        window = Window(parse_day(since), parse_day(until) if until else default_until(utc_now()))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    chosen = chosen_outlets(config, outlet_keys) if outlet_keys else backfill_outlets(config)
    without = [o.key for o in chosen if o.archive.empty]
    if without:
        raise click.UsageError(f"no archive configured for {', '.join(without)} (add [outlets.KEY.backfill])")
    interval = backfill_interval(config, rate)
    if plan_only:
        _print_plan(obj, chosen, config, window, interval)
        return
    _walk(obj, chosen, window, interval, lock_timeout)


def _print_plan(obj: Context, chosen: list[OutletConfig], config: Config, window: Window, interval: float) -> None:
    from ..backfill import format_duration, plan

    from ..errors import MonitorError

    try:
        counts = obj.store().counts_by_outlet()
    except MonitorError:  # no store yet: nothing is known, and a plan creates nothing
        counts = {}
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


def _walk(obj: Context, chosen: list[OutletConfig], window: Window, interval: float, lock_timeout: float) -> None:
    from ..backfill import Totals, run_backfill
    from ..lock import outlet_locks
    from ..pipeline import open_run

    # The same run as a poll's (pipeline.open_run), paced at the backfill's rate.
    config = replace(obj.config, http=replace(obj.config.http, per_host_interval=interval))
    progress = BackfillProgress(config.display_names())
    try:
        with outlet_locks(config.store_path, [f"backfill-{o.key}" for o in chosen], timeout=lock_timeout), \
                open_run(config, store=obj.store(create=True)) as run:
            try:
                results = run_backfill(chosen, run, window, progress=progress)
            except KeyboardInterrupt:
                run.stop.set()
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


@click.command()
@click.option("--since", default="2017-01", show_default=True, help="First month (YYYY-MM or YYYY-MM-DD)")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("report.html"),
              show_default=True, help="Write the page here ('-' for standard output)")
@click.pass_obj
def report(obj: Context, since: str, output: Path) -> None:
    """Write the coverage timeline: relevant items per month per outlet, as one HTML page.

    Each outlet's editions are stacked (Spanish, English); months no archive walk or poll
    covered are drawn as gaps, not zeros; the months of each US Trafficking in Persons
    report are marked; peak months list their top rules and stories. Self-contained:
    open it offline or mail it. Datasette's canned query "timeline" has the same series.

    \b
    Example:
        monitor report -o report.html
        monitor report --since 2019-01 -o - > report.html
    """
    from ..models import utc_now
    from ..report import build, render

    if not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", since):
        raise click.BadParameter(f"expected a month like 2017-01, got {since!r}", param_hint="--since")
    report = build(obj.config, obj.store(), since=since[:7], now=utc_now())
    page = render(report)
    if str(output) == "-":
        sys.stdout.write(page)
        return
    output.write_text(page, encoding="utf-8")
    gaps = sum(1 for row in report.series() if row["gap"])
    relevant = sum(row["relevant"] or 0 for row in report.series())
    click.echo(f"wrote {output}: {len(report.outlets)} outlets, {len(report.months)} months, "
               f"{relevant} relevant items, {gaps} outlet-months without coverage")


COMMANDS = (backfill, report)
