"""The ``monitor`` command line: thin commands over the stages, in the sqlite-utils style.

Every command prints a one-line summary of what it did; configuration errors exit
with status 2 before anything runs; ``-v``/``-q`` and ``--log-format json`` set logging.
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TypeVar

import click

from . import config as config_mod
from . import logs
from .errors import ConfigError, MonitorError
from .models import utc_now

F = TypeVar("F", bound=Callable[..., Any])



@dataclass
class Context:
    config_path: Path | None
    db_path: Path | None
    _config: config_mod.Config | None = None
    _store: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def config(self) -> config_mod.Config:
        if self._config is None:
            self._config = config_mod.load(self.config_path, store_path=self.db_path)
        return self._config

    def store(self) -> Any:
        if self._store is None:
            from .store import Store

            self._store = Store(self.config.store_path, dedupe=self.config.dedupe)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class MonitorGroup(click.Group):
    """Turns our errors into clean messages and exit codes (2 for configuration)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        except MonitorError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(getattr(exc, "exit_code", 1))


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
    """
    logs.setup(-1 if quiet else verbose, log_format)
    state = Context(config_path=config_path, db_path=db_path)
    ctx.obj = state
    ctx.call_on_close(state.close)


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

    report = import_paths(obj.config, obj.store(), paths, url=url, outlet_key=outlet_key, now=utc_now())
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
@click.option("--json", "as_json", is_flag=True, help="Print JSON")
@click.pass_obj
def status(obj: Context, as_json: bool) -> None:
    """Items per outlet, relevant counts, the last run and any failing outlet.

    Exits 1 when an outlet is failing, so monitoring systems can alert on it.

    \b
    Example:
        monitor status
        monitor status --json | jq '.outlets[] | select(.failing)'
    """
    from .status import collect, next_runs, render_text

    report = collect(obj.config, obj.store(), next_runs=next_runs(obj.store(), utc_now()))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(render_text(report))
    if any(o["failing"] for o in report["outlets"]):
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


def _poll_context(obj: Context) -> Any:
    from .classify import compile_rules
    from .fetch import Fetcher
    from .pipeline import PollContext

    cfg = obj.config
    store = obj.store()
    fetcher = Fetcher(cfg.http, cache=store.validators)
    obj.extras["fetcher"] = fetcher
    return PollContext(config=cfg, fetcher=fetcher, rules=compile_rules(cfg.relevance), store=store)


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
    worked is stored), 2 on configuration errors.

    \b
    Exits 3 when another monitor process (cron or the daemon) still holds an
    outlet after --lock-timeout seconds.

    \b
    Example:
        monitor poll
        monitor poll --outlet telesur-en --outlet rhc-es
        */30 * * * *  cd /srv/monitor && .venv/bin/monitor -q poll   # crontab
    """
    from .pipeline import poll as run_poll
    from .pipeline import summary_line

    outlets = _chosen_outlets(obj, outlet_keys)
    ctx = _poll_context(obj)
    progress = TerminalProgress()
    try:
        with _outlet_locks(obj, outlets, lock_timeout) as held:
            # A killed run may have left articles behind a feed that now answers 304: catch up.
            resumed = any(h.resumed for h in held)
            report = run_poll(outlets, ctx, progress=progress, catch_up=catch_up or resumed)
    finally:
        progress.clear()
        obj.extras["fetcher"].close()
    names = _display_names(obj.config.outlets)
    for run in report.runs:
        click.echo(summary_line(run, names[run.outlet]))
    click.echo(report.summary())
    sys.exit(report.exit_code)


def _display_names(outlets: Any) -> dict[str, str]:
    """Outlet names for summaries; editions sharing a name get their language added."""
    counts: dict[str, int] = {}
    for o in outlets:
        counts[o.name] = counts.get(o.name, 0) + 1
    return {o.key: o.name if counts[o.name] == 1 else f"{o.name} {o.language.upper()}" for o in outlets}


def _outlet_locks(obj: Context, outlets: list[Any], timeout: float) -> Any:
    """Cron runs and the daemon must never work one outlet at once (see monitor.lock)."""
    from .lock import outlet_locks

    return outlet_locks(obj.config.store_path, [o.key for o in outlets], timeout=timeout)


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
    from .check import check_file, run_check

    if page_file is not None:
        if not url:
            raise click.UsageError("--file needs --url (the address the page was saved from)")
        outlet_or_none = obj.config.outlet(outlet_key) if outlet_key else None
        sys.exit(0 if check_file(page_file, url, outlet_or_none, rules_table=obj.config.relevance, echo=click.echo,
                                 now=utc_now()) else 1)
    if outlet_key is None:
        raise click.UsageError("give an OUTLET (or --file with --url)")
    outlet = obj.config.outlet(outlet_key)
    from .fetch import Fetcher

    with Fetcher(obj.config.http) as fetcher:
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
