"""Commands for reading what was found: ``status``, ``digest``, ``serve``, ``demo``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..digest_formats import FORMATS as DIGEST_FORMATS
from ..models import utc_now
from .context import Context, parse_since


@click.command()
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
    from ..config import parse_interval
    from ..status import collect, next_runs, render_failures, render_text, stale

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
        extra = {"failures": failures} if failures is not None else {}
        click.echo(json.dumps({**report, "stale": problems, **extra}, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(render_text(report))
        if outlet_key is not None and failures is not None:
            click.echo(render_failures(outlet_key, failures))
        for problem in problems:
            click.echo(f"STALE: {problem}")
    if any(o["failing"] for o in report["outlets"]) or problems:
        sys.exit(1)


@click.command("digest")
@click.option("--since", help="Items first seen on or after this date (YYYY-MM-DD), instead of since the last review")
@click.option("-f", "--format", "fmt", type=click.Choice(DIGEST_FORMATS),
              help="Output format [default: from --output's suffix, else [digest] format: markdown]")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE, not stdout")
@click.option("--mark-reviewed", is_flag=True, help="Record this digest: the next one starts after it")
@click.option("--email", is_flag=True, help="Mail it (text + HTML) via [digest.smtp]; never when nothing is new")
@click.pass_obj
def digest(obj: Context, since: str | None, fmt: str | None, output: Path | None,
           mark_reviewed: bool, email: bool) -> None:
    """The relevant items first seen since the last reviewed digest.

    Grouped by outlet and language, newest first, with matched rules, an excerpt
    around the first match and every other URL the article was seen at; then a
    health section (failing and silent outlets). Formats: markdown, html (one
    self-contained page, fit for mail), json (monitor/digest.schema.json), atom.

    Running --mark-reviewed twice is harmless: with nothing new it records nothing.

    \b
    Example:
        monitor digest                                   # read what is new
        monitor digest --mark-reviewed --email           # the daily cron job
        monitor digest --since 2026-11-01 -o digest.html
        monitor digest --format atom -o feed.atom
    """
    from ..digest import build
    from ..digest_delivery import publish
    from ..digest_formats import choose_format, render

    config, store = obj.config, obj.store()
    chosen = choose_format(fmt, output, config)
    built = build(config, store, now=utc_now(), since=parse_since(since))
    text = render(built, chosen)
    notes = publish(built, text, config=config, store=store, fmt=chosen, output=output,
                    mark_reviewed=mark_reviewed, email=email)
    if output is None:
        click.echo(text, nl=False)
    for note in notes:
        click.echo(note, err=True)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8001, show_default=True,
              help="Port (0 picks a free one)")
@click.option("--print-command", is_flag=True, help="Print the equivalent plain datasette command and exit")
@click.pass_obj
def serve(obj: Context, host: str, port: int, print_command: bool) -> None:
    """Browse the store in Datasette, read-only: search, facets, canned queries.

    Canned queries: new since last digest, relevant this week, search (accents and
    case ignored), outlet health, an item with all its URLs and versions, and an
    Atom feed of relevant items (relevant_feed.atom, with datasette-atom).

    \b
    Example:
        monitor serve                        # then open http://127.0.0.1:8001/
        monitor --db news.db serve --port 9000
        monitor serve --print-command
    """
    from ..serve import check_port, plain_command, run_datasette

    store = obj.store()  # migrates the file, so every view exists (never creates one)
    db_path = Path(store.path)
    obj.close()
    if print_command:
        click.echo(plain_command(db_path, host=host, port=port))
        return
    check_port(host, port)
    click.echo(f"Serving {db_path} on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    run_datasette(db_path, host=host, port=port)


@click.command("demo")
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path),
              help="Put the demo's config and store in DIR (new or empty) instead of a temporary folder")
@click.option("--open", "show", is_flag=True,
              help="Then open the digest in the browser and serve the store in Datasette, until Ctrl-C")
def demo(keep: Path | None, show: bool) -> None:
    """See monitor work end to end, offline: sample sites, a poll, the digest.

    Starts the bundled sample teleSUR and Radio Habana Cuba sites on 127.0.0.1,
    polls them with a temporary config, prints the digest and how to open the
    store in Datasette, and exits. With --open it goes on: the HTML digest opens
    in your browser (its links reach the sample sites) and Datasette serves the
    store, until Ctrl-C stops everything and removes the temporary folder.
    Nothing is fetched from the internet.

    \b
    Example:
        monitor demo
        monitor demo --open
        monitor demo --keep demo/ && monitor --config demo/config.toml serve
    """
    from ..demo import run_demo

    run_demo(keep, click.echo, show=show)


COMMANDS = (status, digest, serve, demo)
