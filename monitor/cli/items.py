"""Commands on stored items: ``import``, ``export``, ``classify``, ``label``, ``reclassify``, ``stories``, ``backup``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

import click

from ..models import utc_now
from .context import Context, parse_since


@click.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--url", help="URL of one raw page dump (without it, the dump waits for its article to be fetched)")
@click.option("--outlet", "outlet_key", help="Outlet key to file the documents under (default: from the URL or text)")
@click.pass_obj
def import_(obj: Context, paths: tuple[Path, ...], url: str | None, outlet_key: str | None) -> None:
    """Import seed-format documents (files or folders of *.txt).

    Normalised documents are stored as they are; raw page dumps are cleaned first.
    A file named {seq}_{id}.txt keeps its id. A raw dump carries no URL: it is
    filed under the outlet whose text_marks match (or --outlet) and completed,
    not duplicated, when that article is fetched. Importing twice changes nothing.

    \b
    Example:
        monitor import seeds/
        monitor import --url https://www.telesurenglish.net/news/X-20210704-0009.html raw.txt
    """
    from ..importer import import_paths

    report = import_paths(obj.config, obj.store(create=True), paths, url=url, outlet_key=outlet_key, now=utc_now())
    for name, reason in report.skipped:
        click.echo(f"skipped {name}: {reason}", err=True)
    click.echo(report.summary())
    if report.skipped:
        sys.exit(1)


@click.command()
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
    from ..importer import export_items

    report = export_items(obj.store(), directory, relevant_only=not all_items, since=parse_since(since))
    click.echo(report.summary())


@click.command()
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--title", default="", help="A headline, weighted as a title")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object")
@click.pass_obj
def classify(obj: Context, file: TextIO, title: str, as_json: bool) -> None:
    """Show the relevance decision and the rules that matched, for any text.

    \b
    Example:
        echo "Cuba rechaza el informe sobre trata de personas" | monitor classify --json
        monitor classify --title "Havana rejects US report" article.txt
    """
    from ..classify import to_json

    result = obj.config.rules.classify(title, file.read())
    if as_json:
        click.echo(json.dumps(to_json(result), ensure_ascii=False))
        return
    click.echo(f"{BAND_NAMES[result.band]} (score {result.score:g})")
    for hit in result.hits:
        where = "title" if hit.in_title else "text"
        click.echo(f"  {hit.rule} [{hit.family}] +{hit.weight:g} in {where}: {hit.text!r}")
    for reason in result.reasons:
        click.echo(f"  why not sure: {reason}" if result.band == "possibly" else f"  note: {reason}")


BAND_NAMES = {"relevant": "relevant", "possibly": "possibly relevant", "not": "not relevant"}


@click.command()
@click.argument("item")
@click.argument("label", type=click.Choice(["relevant", "not"]))
@click.pass_obj
def label(obj: Context, item: str, label: str) -> None:
    """Say what an item is; ``monitor reclassify`` then reports where the rules disagree.

    ITEM is an item id (or its first 6+ characters) or a URL it was seen at.

    \b
    Example:
        monitor label 3f2a9c1d relevant
        monitor label https://www.cubadebate.cu/noticias/2024/06/25/... not
    """
    store = obj.store()
    row = store.find_item(item)
    if row is None:
        raise click.BadParameter(f"no stored item matches {item!r} (an id, 6+ characters of one, or a URL)", param_hint="ITEM")
    store.set_label(row["id"], label, now=utc_now())
    said = BAND_NAMES[row.get("band") or ("relevant" if row["relevant"] else "not")]
    agree = "agree" if (label == "relevant") == (row.get("band") == "relevant") else "disagree"
    click.echo(f"labelled {row['id']} {label}; the rules say {said} ({agree}): {row['title'] or row['url']}")


@click.command()
@click.pass_obj
def reclassify(obj: Context) -> None:
    """Re-apply the current relevance rules to every stored item, and list the items you labelled
    (``monitor label``) that the rules now judge otherwise.

    \b
    Example:
        monitor reclassify          # after editing [relevance] in config.toml
    """
    from ..pipeline import reclassify as run_reclassify

    with obj.run(fetch=False) as run:
        counts = run_reclassify(run)
    click.echo(counts.summary())
    for disagreement in counts.disagreements:
        click.echo(f"  {disagreement.line()}")


@click.command(name="stories")
@click.option("--rebuild", is_flag=True, help="Recompute fingerprints, lookup keys, stories and edition links for every item")
@click.pass_obj
def stories(obj: Context, rebuild: bool) -> None:
    """Group copies of one text (other outlets, other URLs) into stories.

    Stories are filed as items are saved. Without --rebuild, prints how many
    stories the stored items form. With it, refiles every item under the current
    [stories] thresholds (max_distance, shingle_words), in one transaction, so
    Datasette keeps showing the old stories until the new ones are complete,
    then links the English and Spanish editions of every item again (stores
    written before editions existed get theirs); running it twice changes nothing.

    \b
    Example:
        monitor stories
        monitor stories --rebuild       # after editing [stories] in the config
    """
    store = obj.store()
    cfg = obj.config.stories
    thresholds = f"max_distance={cfg.max_distance}, shingle_words={cfg.shingle_words}"
    if not rebuild:
        summary = store.story_summary()
        unfiled = f"; {summary.unfiled:,} without a story: run --rebuild" if summary.unfiled else ""
        click.echo(f"{summary.items:,} items in {summary.stories:,} stories ({summary.merged:,} merged){unfiled}")
        return
    with click.progressbar(length=store.count_items(), label="refiling items", file=sys.stderr, show_pos=True) as bar:
        summary = store.rebuild_stories(progress=bar.update)
    with click.progressbar(length=store.count_items(), label="linking editions", file=sys.stderr, show_pos=True) as bar:
        linked = store.rebuild_editions(progress=bar.update)
    click.echo(f"rebuilt {summary.items:,} items into {summary.stories:,} stories ({summary.merged:,} merged, "
               f"{summary.changed:,} changed story) with {thresholds}; {linked:,} items linked to another-language edition")


@click.command(name="dedupe", hidden=True)
@click.option("--rebuild", is_flag=True, help="Recompute fingerprints, lookup keys and stories for every item")
@click.pass_context
def dedupe(ctx: click.Context, rebuild: bool) -> None:
    """Deprecated: the old name of ``monitor stories``, accepted for one release.

    \b
    Example:
        monitor stories --rebuild       # instead of: monitor dedupe --rebuild
    """
    click.echo("monitor dedupe is deprecated and will be removed in the next release: "
               "use monitor stories", err=True)
    ctx.invoke(stories, rebuild=rebuild)


@click.command()
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def backup(obj: Context, target: Path) -> None:
    """Copy the store to TARGET, safely, even while `monitor run` or a poll writes.

    The copy is one consistent snapshot (SQLite's VACUUM INTO), checked with
    PRAGMA integrity_check before it replaces TARGET. The store is not migrated.
    Restore: stop monitor, delete monitor.db-wal and monitor.db-shm, copy the
    backup over monitor.db.

    \b
    Example:
        monitor backup /var/backups/monitor/monitor-$(date +%F).db
        MONITOR_DB=/srv/monitor/monitor.db monitor backup backup.db
    """
    from ..store import backup as backup_store

    source = obj.db_path or obj.config.store_path
    if source.resolve() == target.resolve():
        raise click.BadParameter("the backup must go to another file than the store itself", param_hint="TARGET")
    done = backup_store(source, target)
    click.echo(f"backed up {done.items} items ({done.size / 1_000_000:.1f} MB) from {source} to {target}; "
               f"integrity {done.integrity}")


COMMANDS = (import_, export, classify, label, reclassify, stories, dedupe, backup)
