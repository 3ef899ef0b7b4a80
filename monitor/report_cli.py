"""``monitor report``: the command over :mod:`monitor.report` (click lives here, not there)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click


@click.command("report")
@click.option("--since", default="2017-01", show_default=True, help="First month (YYYY-MM or YYYY-MM-DD)")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("report.html"),
              show_default=True, help="Write the page here ('-' for standard output)")
@click.pass_obj
def report_command(obj: Any, since: str, output: Path) -> None:
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
    from .models import utc_now
    from .report import build, render

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
