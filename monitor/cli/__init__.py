"""The ``monitor`` command line: thin commands over the stages, in the sqlite-utils style.

The only package that imports click. Commands are grouped by what a user does:
:mod:`.polling` (poll, run, reprocess, check), :mod:`.items` (import, export,
classify, label, reclassify, stories), :mod:`.review` (status, digest, serve, demo) and
:mod:`.archive` (backfill, report: the past and coverage over time).
Every command prints a one-line summary of what it did; configuration errors exit
with status 2 before anything runs; ``-v``/``-q`` and ``--log-format json`` set logging.
"""

from __future__ import annotations

import sqlite3
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn

import click

from .. import logs
from ..errors import EXIT_CODES, MonitorError
from . import archive, items, polling, review
from .context import Context


class MonitorGroup(click.Group):
    """Turns user errors and environment faults into one-line messages and their exit
    statuses (``errors.EXIT_CODES``); ``-vv`` adds the traceback. Bugs keep theirs."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MonitorError as exc:
            _fail(ctx, str(exc), exc.exit_code)
        except sqlite3.DatabaseError as exc:  # met after opening: e.g. a page of the file is corrupt
            from ..store import environment_fault, unusable

            if not environment_fault(exc) or not isinstance(ctx.obj, Context):
                raise
            _fail(ctx, str(unusable(ctx.obj.config.store_path, exc)), 4)
        except OSError as exc:  # a path we were given cannot be read or written
            _fail(ctx, f"{exc} — check the path and its permissions", 2)
        except KeyboardInterrupt:
            _fail(ctx, "interrupted", 130)


def _fail(ctx: click.Context, message: str, status: int) -> NoReturn:
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

for _group in (polling, items, review, archive):
    for _command in _group.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    cli(prog_name="monitor")
