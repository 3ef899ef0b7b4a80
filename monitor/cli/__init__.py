"""The ``monitor`` command line: thin commands over the stages, in the sqlite-utils style.

The only package that imports click. Commands are grouped by what a user does:
:mod:`.polling` (poll, run, reprocess, check), :mod:`.items` (import, export,
classify, reclassify, stories) and :mod:`.review` (status, digest, serve, demo).
Every command prints a one-line summary of what it did; configuration errors exit
with status 2 before anything runs; ``-v``/``-q`` and ``--log-format json`` set logging.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .. import logs
from ..errors import ConfigError, MonitorError
from . import items, polling, review
from .context import Context


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


for _group in (polling, items, review):
    for _command in _group.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    cli(prog_name="monitor")
