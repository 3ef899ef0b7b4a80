"""The ``monitor`` command line: thin commands over the stages, in the sqlite-utils style.

Every command prints a one-line summary of what it did; configuration errors exit
with status 2 before anything runs; ``-v``/``-q`` and ``--log-format json`` set logging.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TypeVar

import click

from . import config as config_mod
from . import logs
from .errors import ConfigError, MonitorError

F = TypeVar("F", bound=Callable[..., Any])


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


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

            self._store = Store(self.config.store_path)
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
            sys.exit(1)


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
    from .classify import classify as run_rules, compile_rules, to_json

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
    from .classify import classify as run_rules, compile_rules

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
    from .status import collect, render_text

    report = collect(obj.config, obj.store())
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(render_text(report))
    if any(o["failing"] for o in report["outlets"]):
        sys.exit(1)


def main() -> None:
    cli(prog_name="monitor")
