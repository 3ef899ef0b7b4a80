"""The ``monitor`` command line: thin commands over the stages, in the sqlite-utils style.

Every command prints a one-line summary of what it did; configuration errors exit
with status 2 before anything runs; ``-v``/``-q`` and ``--log-format json`` set logging.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TypeVar

import click

from . import config as config_mod
from . import logs
from .errors import EXIT_CODES, MonitorError
from .models import utc_now

F = TypeVar("F", bound=Callable[..., Any])



@dataclass
class Context:
    config_path: Path | None
    db_path: Path | None
    verbose: int = 0
    _config: config_mod.Config | None = None
    _store: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def config(self) -> config_mod.Config:
        if self._config is None:
            self._config = config_mod.load(self.config_path, store_path=self.db_path)
        return self._config

    def store(self, *, create: bool = False) -> Any:
        """The store; only commands that write it pass ``create`` (a typo'd --db must not
        become an empty store that reports nothing). Creating one is said once."""
        if self._store is None:
            from .store import Store

            self._store = Store(self.config.store_path, dedupe=self.config.dedupe, create=create)
            if self._store.created:
                click.echo(f"created a new store at {self._store.path}", err=True)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class MonitorGroup(click.Group):
    """Turns user errors and environment faults into one-line messages and their exit
    statuses (``errors.EXIT_CODES``); ``-vv`` adds the traceback. Bugs keep theirs."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MonitorError as exc:
            _fail(ctx, str(exc), exc.exit_code)
        except sqlite3.DatabaseError as exc:  # met after opening: e.g. a page of the file is corrupt
            from .store import environment_fault, unusable

            if not environment_fault(exc) or not isinstance(ctx.obj, Context):
                raise
            _fail(ctx, str(unusable(ctx.obj.config.store_path, exc)), 4)
        except OSError as exc:  # a path we were given cannot be read or written
            _fail(ctx, f"{exc} — check the path and its permissions", 2)
        except KeyboardInterrupt:
            _fail(ctx, "interrupted", 130)


def _fail(ctx: click.Context, message: str, status: int) -> None:
    verbose = ctx.obj.verbose if isinstance(ctx.obj, Context) else 0
    if verbose >= 2:
        traceback.print_exc()
    click.echo(f"Error: {message}", err=True)
    sys.exit(status)


def _exit_statuses() -> str:
    return "\n".join(f"        {code:<4} {meaning}" for code, meaning in EXIT_CODES)


@click.group(cls=MonitorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="monitor")
@click.option(
    "-c", "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
    envvar="MONITOR_CONFIG", help="Config file [default: the bundled config.toml; env MONITOR_CONFIG]",
)
@click.option(
    "--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), envvar="MONITOR_DB",
    help="SQLite store, overriding [store] path [env MONITOR_DB]",
)
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug)")
@click.option("-q", "--quiet", is_flag=True, help="Only errors")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", help="Log line format")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, db_path: Path | None, verbose: int, quiet: bool, log_format: str) -> None:
    """Watch Cuban and Latin American state media for human-trafficking news.

    \b
    Example:
        monitor poll                    # visit every outlet once (the cron command)
        monitor run                     # the same on a schedule, as a daemon
        monitor digest                  # what is new and relevant
        monitor --db news.db status     # health of every outlet

    \b
    Exit statuses (every command):
{exit_statuses}
    Errors are one line naming the file and what to do; -vv adds the traceback.
    """
    logs.setup(-1 if quiet else verbose, log_format)
    state = Context(config_path=config_path, db_path=db_path, verbose=verbose)
    ctx.obj = state
    ctx.call_on_close(state.close)


cli.help = (cli.help or "").replace("{exit_statuses}", _exit_statuses())


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date like 2026-11-01 or 2026-11-01T08:00, got {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


# ------------------------------------------------------------------ import / export


@cli.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--url", help="URL of a raw page dump (raw documents carry none)")
@click.option("--outlet", "outlet_key", help="Outlet key to file the documents under")
@click.pass_obj
def import_(obj: Context, paths: tuple[Path, ...], url: str | None, outlet_key: str | None) -> None:
    """Import seed-format documents (files or folders of *.txt).

    Normalised documents are stored as they are; raw page dumps are cleaned first.
    Importing the same file twice changes nothing.

    \b
    Example:
        monitor import seeds/
        monitor import --url https://www.telesurenglish.net/news/X-20210704-0009.html raw.txt
    """
    from .importer import import_paths

    report = import_paths(obj.config, obj.store(create=True), paths, url=url, outlet_key=outlet_key, now=utc_now())
    for name, reason in report.skipped:
        click.echo(f"skipped {name}: {reason}", err=True)
    click.echo(report.summary())
    if report.skipped:
        sys.exit(1)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--all", "all_items", is_flag=True, help="Every item, not only the relevant ones")
@click.option("--since", help="Only items first seen on or after this date (YYYY-MM-DD)")
@click.pass_obj
def export(obj: Context, directory: Path, all_items: bool, since: str | None) -> None:
    """Write items as seed-format files named {seq}_{id}.txt.

    Names are stable: exporting again rewrites the same files and adds only new ones.

    \b
    Example:
        monitor export out/
        monitor export --all --since 2026-11-01 out/
    """
    from .importer import export_items

    report = export_items(obj.store(), directory, relevant_only=not all_items, since=_parse_since(since))
    click.echo(report.summary())


# ------------------------------------------------------------------ relevance


@cli.command()
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--title", default="", help="A headline, weighted as a title")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object")
@click.pass_obj
def classify(obj: Context, file: Any, title: str, as_json: bool) -> None:
    """Show the relevance decision and the rules that matched, for any text.

    \b
    Example:
        echo "Cuba rechaza el informe sobre trata de personas" | monitor classify --json
        monitor classify --title "Havana rejects US report" article.txt
    """
    from .classify import classify as run_rules
    from .classify import compile_rules, to_json

    rules = compile_rules(obj.config.relevance)
    result = run_rules(rules, title, file.read())
    if as_json:
        click.echo(json.dumps(to_json(result), ensure_ascii=False))
        return
    click.echo(f"{'relevant' if result.relevant else 'not relevant'} (score {result.score:g})")
    for hit in result.hits:
        where = "title" if hit.in_title else "text"
        click.echo(f"  {hit.rule} [{hit.family}] +{hit.weight:g} in {where}: {hit.text!r}")


@cli.command()
@click.pass_obj
def reclassify(obj: Context) -> None:
    """Re-apply the current relevance rules to every stored item.

    \b
    Example:
        monitor reclassify          # after editing [relevance] in config.toml
    """
    from .classify import classify as run_rules
    from .classify import compile_rules

    rules = compile_rules(obj.config.relevance)
    store = obj.store()
    checked = became_relevant = became_irrelevant = rescored = 0
    for item in list(store.items()):
        checked += 1
        body = "\n".join(p for p in (item.get("subtitle"), item.get("caption"), item.get("body")) if p)
        result = run_rules(rules, item.get("title") or "", body)
        if store.update_relevance(item["id"], result):
            if result.relevant and not item["relevant"]:
                became_relevant += 1
            elif item["relevant"] and not result.relevant:
                became_irrelevant += 1
            else:
                rescored += 1
    click.echo(
        f"reclassified {checked} items: {became_relevant} now relevant, "
        f"{became_irrelevant} no longer relevant, {rescored} rescored"
    )


# ------------------------------------------------------------------ status


@cli.command()
@click.argument("outlet_key", metavar="[OUTLET]", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON")
@click.option("--max-age", metavar="AGE",
              help='Exit 1 unless a run completed within AGE ("2h", "90m") and any daemon is alive')
@click.option("-n", "--limit", type=click.IntRange(1), default=20, show_default=True,
              help="Failures to list for OUTLET")
@click.pass_obj
def status(obj: Context, outlet_key: str | None, as_json: bool, max_age: str | None, limit: int) -> None:
    """Items per outlet, relevant counts, the last run and any failing outlet.

    Exits 1 when an outlet is failing (a run whose process died counts: it shows
    as "interrupted (process gone)"), or, with --max-age, when no run completed
    in that time or the daemon's heartbeat stopped: the Docker HEALTHCHECK.
    With OUTLET, lists that outlet's latest failures: URL, class and message.

    \b
    Example:
        monitor status
        monitor status rhc-en                    # what failed, and where
        monitor status --max-age 2h              # healthcheck: exit 1 when stale
        monitor status --json | jq '.outlets[] | select(.failing)'
    """
    from .config import parse_interval
    from .status import collect, next_runs, render_failures, render_text, stale

    age = None
    if max_age is not None:
        age = parse_interval(max_age)
        if age is None:
            raise click.BadParameter(f'expected a duration like "2h" or "90m", got {max_age!r}', param_hint="--max-age")
    store = obj.store()
    if outlet_key is not None:
        obj.config.outlet(outlet_key)  # a typo is a usage error (exit 2), not "no failures"
    report = collect(obj.config, store, next_runs=next_runs(store, utc_now()))
    problems = stale(store, age, utc_now()) if age is not None else []
    failures = store.failures(outlet_key, limit=limit) if outlet_key is not None else None
    if outlet_key is not None:
        report["outlets"] = [o for o in report["outlets"] if o["outlet"] == outlet_key]
    if as_json:
        click.echo(json.dumps({**report, "stale": problems, **({"failures": failures} if failures is not None else {})},
                              ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(render_text(report))
        if failures is not None:
            click.echo(render_failures(outlet_key or "", failures))
        for problem in problems:
            click.echo(f"STALE: {problem}")
    if any(o["failing"] for o in report["outlets"]) or problems:
        sys.exit(1)


# ------------------------------------------------------------------ fetching


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


def _poll_context(obj: Context, stop: Any = None) -> Any:
    from .classify import compile_rules
    from .fetch import Fetcher
    from .pipeline import PollContext
    from .stopping import Stop

    cfg = obj.config
    store = obj.store(create=True)  # poll and run: the commands that create a store
    stop = stop or Stop()  # one flag: the signal handlers set it, the fetcher and every run obey it
    fetcher = Fetcher(cfg.http, cache=store.validators, stop=stop)
    obj.extras["fetcher"] = fetcher
    return PollContext(config=cfg, fetcher=fetcher, rules=compile_rules(cfg.relevance), store=store, stop=stop)


def _chosen_outlets(obj: Context, keys: tuple[str, ...]) -> list[Any]:
    if keys:
        return [obj.config.outlet(k) for k in keys]
    return list(obj.config.enabled_outlets)


@cli.command()
@click.option("-o", "--outlet", "outlet_keys", multiple=True, help="Only this outlet (repeatable)")
@click.option("--catch-up", is_flag=True, help="Walk listing and search pages to full depth")
@click.option("--lock-timeout", type=float, default=60.0, show_default=True,
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
        */30 * * * *  cd /srv/monitor && .venv/bin/monitor -q poll   # crontab
    """
    from .pipeline import failure_lines, summary_line
    from .pipeline import poll as run_poll
    from .stopping import install_signal_handlers

    from .errors import Interrupted

    from .stopping import Stop

    outlets = _chosen_outlets(obj, outlet_keys)
    stop = Stop()
    install_signal_handlers(stop)  # before the store opens: a stop is honoured from here on
    ctx = _poll_context(obj, stop)
    progress = TerminalProgress()
    try:
        with _outlet_locks(obj, outlets, lock_timeout, stop=ctx.stop) as held:
            # A killed run may have left articles behind a feed that now answers 304: catch up.
            resumed = any(h.resumed for h in held)
            report = run_poll(outlets, ctx, progress=progress, catch_up=catch_up or resumed)
            stopped_early = {r.outlet for r in report.runs if r.cut_short} | set(report.cancelled) | set(report.abandoned)
            for lock in held:
                if lock.key in stopped_early:
                    lock.unfinished()  # the next run reads every source again
    except Interrupted as exc:  # stopped while another process held an outlet: nothing was polled
        click.echo(f"interrupted by {exc}; nothing polled", err=True)
        sys.exit(ctx.stop.exit_code)
    finally:
        progress.clear()
        if not ctx.stop.is_set():
            obj.extras["fetcher"].close()
    names = _display_names(obj.config.outlets)
    for run in report.runs:
        click.echo(summary_line(run, names[run.outlet]))
        for line in failure_lines(run):
            click.echo(line)
    for key in report.cancelled:
        click.echo(f"{names[key]}: not started — interrupted by {ctx.stop.reason}")
    for key in report.abandoned:
        click.echo(f"{names[key]}: interrupted by {ctx.stop.reason} inside a request; its article in hand is not stored")
    click.echo(report.summary())
    if report.abandoned:  # a worker thread is still inside a request: do not wait for it
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(ctx.stop.exit_code)
    sys.exit(ctx.stop.exit_code if ctx.stop.is_set() else report.exit_code)


def _display_names(outlets: Any) -> dict[str, str]:
    """Outlet names for summaries; editions sharing a name get their language added."""
    counts: dict[str, int] = {}
    for o in outlets:
        counts[o.name] = counts.get(o.name, 0) + 1
    return {o.key: o.name if counts[o.name] == 1 else f"{o.name} {o.language.upper()}" for o in outlets}


def _outlet_locks(obj: Context, outlets: list[Any], timeout: float, stop: Any = None) -> Any:
    """Cron runs and the daemon must never work one outlet at once (see monitor.lock)."""
    from .lock import outlet_locks

    return outlet_locks(obj.config.store_path, [o.key for o in outlets], timeout=timeout, stop=stop)


@cli.command()
@click.option("-o", "--outlet", "outlet_keys", multiple=True, help="Only this outlet (repeatable)")
@click.pass_obj
def reprocess(obj: Context, outlet_keys: tuple[str, ...]) -> None:
    """Re-run extraction, normalisation and relevance on the stored raw pages.

    Nothing is fetched: use it after fixing a selector or an adapter.

    \b
    Example:
        monitor reprocess --outlet rhc-en
    """
    from .classify import compile_rules
    from .pipeline import PollContext
    from .pipeline import reprocess as run_reprocess

    ctx = PollContext(config=obj.config, fetcher=None, rules=compile_rules(obj.config.relevance), store=obj.store())
    counts = run_reprocess(ctx, outlet_keys=outlet_keys)
    click.echo(
        f"reprocessed {sum(counts.values())} items: {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged, {counts['failed']} failed, {counts['skipped']} without a stored page"
    )
    if counts["failed"]:
        sys.exit(1)


@cli.command()
@click.argument("outlet_key", metavar="OUTLET")
@click.option("--url", help="One article URL (default: run the outlet's discovery and check the first link)")
@click.pass_obj
def check(obj: Context, outlet_key: str, url: str | None) -> None:
    """Fetch one article and show every field with the rule or selector behind it.

    The command to run when a site changes: it shows what was found, where, and
    what is missing. Nothing is stored.

    \b
    Example:
        monitor check rhc-en
        monitor check telesur-es --url https://www.telesurtv.net/some-article/
    """
    from .check import run_check

    outlet = obj.config.outlet(outlet_key)
    obj.store()  # nothing is stored, but a --db that names no store is a mistake to report now
    from .fetch import Fetcher, OutletScope

    with Fetcher(obj.config.http) as fetcher:
        fetcher.confine(outlet.key, OutletScope.of(outlet))  # the hosts a poll would fetch from, no others
        ok = run_check(outlet, fetcher, url=url, rules_table=obj.config.relevance, echo=click.echo, now=utc_now())
    sys.exit(0 if ok else 1)


# ------------------------------------------------------------------ commands owned by other modules
# Each registers with one line here, so the command lives beside the code it drives.

from .demo import demo_command  # noqa: E402
from .digest import digest_command  # noqa: E402
from .schedule import run_command  # noqa: E402
from .serve import serve_command  # noqa: E402
from .stories_cli import dedupe_command  # noqa: E402

for _command in (digest_command, run_command, serve_command, demo_command, dedupe_command):
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="monitor")
