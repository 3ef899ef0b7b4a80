"""Polling commands: ``poll`` (once, for cron), ``run`` (the daemon), ``reprocess``, ``check``."""

from __future__ import annotations

import logging
import os
import sys
import threading
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import click

from ..config import OutletConfig
from ..models import utc_now
from .context import Context, chosen_outlets

if TYPE_CHECKING:
    from ..lock import Held
    from ..pipeline import PollReport
    from ..stopping import Stop

OUTLET_OPTION = click.option("-o", "--outlet", "outlet_keys", multiple=True, help="Only this outlet (repeatable)")


class TerminalProgress:
    """One self-rewriting status line on a terminal; silent when output is piped (cron)."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.state: dict[str, str] = {}
        self._lock = threading.Lock()

    def update(self, outlet: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        with self._lock:
            self.state[outlet] = f"{outlet} {done}/{total}"
            click.echo("\r\033[K" + " · ".join(self.state.values()), err=True, nl=False)

    def clear(self) -> None:
        if self.enabled and self.state:
            click.echo("\r\033[K", err=True, nl=False)


def _outlet_locks(obj: Context, outlets: list[OutletConfig], timeout: float,
                  stop: threading.Event | None = None) -> AbstractContextManager[list[Held]]:
    """Cron runs and the daemon must never work one outlet at once (see monitor.lock)."""
    from ..lock import outlet_locks

    return outlet_locks(obj.config.store_path, [o.key for o in outlets], timeout=timeout, stop=stop)


@click.command()
@OUTLET_OPTION
@click.option("--catch-up", is_flag=True, help="Walk listing and search pages to full depth")
@click.option("--lock-timeout", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help="Seconds to wait for another monitor process working the same outlets")
@click.pass_obj
def poll(obj: Context, outlet_keys: tuple[str, ...], catch_up: bool, lock_timeout: float) -> None:
    """Visit every enabled outlet once: discover, fetch, extract, classify, store.

    The cron command. Exits 0 when every outlet worked, 1 when any failed (what
    worked is stored; each failure class is listed with its first URLs), 2 on
    configuration errors.

    \b
    Exits 3 when another monitor process (cron or the daemon) still holds an
    outlet after --lock-timeout seconds.

    \b
    Ctrl-C (SIGINT) or SIGTERM stops within seconds: outlets not started are
    skipped, each run finishes the article in hand, the summary so far is
    printed, the runs are recorded as interrupted, and the exit status is 130
    (SIGINT) or 143 (SIGTERM). A second signal stops at once.

    \b
    Example:
        monitor poll
        monitor poll --outlet telesur-en --outlet rhc-es
        */30 * * * *  /srv/monitor/.venv/bin/monitor -q poll >/dev/null   # crontab
    """
    from ..errors import Interrupted
    from ..pipeline import poll as run_poll
    from ..stopping import Stop, install_signal_handlers

    outlets = chosen_outlets(obj.config, outlet_keys)
    stop = Stop()
    install_signal_handlers(stop)  # before the store opens: a stop is honoured from here on
    progress = TerminalProgress()
    try:
        with obj.run(create=True, stop=stop) as run, _outlet_locks(obj, outlets, lock_timeout, stop) as held:
            # A killed run may have left articles behind a feed that now answers 304: catch up.
            resumed = any(h.resumed for h in held)
            report = run_poll(outlets, run, progress=progress, catch_up=catch_up or resumed)
            stopped_early = {r.outlet for r in report.runs if r.cut_short} | set(report.cancelled) | set(report.abandoned)
            for lock in held:
                if lock.key in stopped_early:
                    lock.unfinished()  # the next run reads every source again
            if report.abandoned:  # a worker is still inside a request: report, then leave without it
                progress.clear()
                _report(obj, report, stop)
                os._exit(stop.exit_code)
    except Interrupted as exc:  # stopped while another process held an outlet: nothing was polled
        click.echo(f"interrupted by {exc}; nothing polled", err=True)
        sys.exit(stop.exit_code)
    finally:
        progress.clear()
    _report(obj, report, stop)
    sys.exit(stop.exit_code if stop.is_set() else report.exit_code)


def _report(obj: Context, report: PollReport, stop: Stop) -> None:
    """Per outlet its summary and failure classes, then the total; flushed (an os._exit may follow)."""
    from ..pipeline import failure_lines, summary_line

    names = obj.config.display_names()
    for outlet_run in report.runs:
        click.echo(summary_line(outlet_run, names[outlet_run.outlet]))
        for line in failure_lines(outlet_run):
            click.echo(line)
    for key in report.cancelled:
        click.echo(f"{names[key]}: not started — interrupted by {stop.reason}")
    for key in report.abandoned:
        click.echo(f"{names[key]}: interrupted by {stop.reason} inside a request; its article in hand is not stored")
    click.echo(report.summary())
    sys.stdout.flush()
    sys.stderr.flush()


@click.command(name="run")
@OUTLET_OPTION
@click.option("--lock-timeout", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds a run waits for an outlet a cron `monitor poll` holds; then it is skipped")
@click.option("--workers", type=click.IntRange(1, 32), default=4, show_default=True,
              help="Outlets polled at the same time")
@click.option("--shutdown-timeout", type=click.FloatRange(min=0), default=5.0, show_default=True,
              help="Seconds SIGTERM waits for a run to finish its article")
@click.pass_obj
def run_daemon(obj: Context, outlet_keys: tuple[str, ...], lock_timeout: float, workers: int,
               shutdown_timeout: float) -> None:
    """Poll every enabled outlet on its schedule until SIGTERM or Ctrl-C.

    Logs one line at startup (config, database, each outlet's next run) and one
    summary line per run; -q keeps only errors, --log-format json suits log
    collectors. Exits 0 on SIGTERM/SIGINT, 3 when another daemon holds the database.

    \b
    Example:
        monitor run
        monitor --log-format json run --outlet rhc-es
        monitor status      # next runs, last success, failing streaks
    """
    from ..schedule import Daemon, daemon_lock, show_run_lines
    from ..stopping import install_signal_handlers

    outlets = chosen_outlets(obj.config, outlet_keys)
    show_run_lines()
    with daemon_lock(obj.config.store_path), obj.run(create=True) as run:
        install_signal_handlers(run.stop)
        clean = Daemon(run, outlets, lock_timeout=lock_timeout, workers=workers,
                       shutdown_timeout=shutdown_timeout).serve()
    if not clean:  # a run stuck in a slow request: its worker thread would block exit
        logging.shutdown()
        os._exit(0)


@click.command()
@OUTLET_OPTION
@click.pass_obj
def reprocess(obj: Context, outlet_keys: tuple[str, ...]) -> None:
    """Re-run extraction, normalisation and relevance on the stored raw pages.

    Nothing is fetched: use it after fixing a selector or an adapter.

    \b
    Example:
        monitor reprocess --outlet rhc-en
    """
    from ..pipeline import reprocess as run_reprocess

    with obj.run(fetch=False) as run:
        counts = run_reprocess(run, outlet_keys=outlet_keys)
    click.echo(
        f"reprocessed {sum(counts.values())} items: {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged, {counts['failed']} failed, {counts['skipped']} without a stored page"
    )
    if counts["failed"]:
        sys.exit(1)


@click.command()
@click.argument("outlet_key", metavar="[OUTLET]", required=False)
@click.option("--url", help="One article URL (default: run the outlet's discovery and check the first link)")
@click.option("--file", "page_file", type=click.Path(exists=True, dir_okay=False),
              help="A saved page to read instead of fetching (needs --url; OUTLET optional: generic without)")
@click.pass_obj
def check(obj: Context, outlet_key: str | None, url: str | None, page_file: str | None) -> None:
    """Fetch one article and show every field with the rule or selector behind it.

    The command to run when a site changes: it shows what was found, where, what
    each value beat and what is missing. Nothing is stored.

    \b
    Example:
        monitor check rhc-en
        monitor check telesur-es --url https://www.telesurtv.net/some-article/
        monitor check --file saved.html --url https://www.granma.cu/mundo/2024-01-01/x
    """
    from ..check import check_file, run_check
    from ..fetch import Fetcher, OutletScope

    if page_file is not None:
        if not url:
            raise click.UsageError("--file needs --url (the address the page was saved from)")
        saved_outlet = obj.config.outlet(outlet_key) if outlet_key else None
        sys.exit(0 if check_file(page_file, url, saved_outlet, rules=obj.config.rules, echo=click.echo,
                                 now=utc_now()) else 1)
    if outlet_key is None:
        raise click.UsageError("give an OUTLET (or --file with --url)")
    outlet = obj.config.outlet(outlet_key)
    obj.store()  # nothing is stored, but a --db that names no store is a mistake to report now
    with Fetcher(obj.config.http) as fetcher:  # nothing is cached or kept
        fetcher.confine(outlet.key, OutletScope.of(outlet))  # the hosts a poll would fetch from, no others
        ok = run_check(outlet, fetcher, url=url, rules=obj.config.rules, echo=click.echo, now=utc_now(),
                       name=obj.config.display_name(outlet_key))
    sys.exit(0 if ok else 1)


COMMANDS = (poll, run_daemon, reprocess, check)
