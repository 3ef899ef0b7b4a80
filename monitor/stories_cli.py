"""``monitor dedupe``: how many stories the store's items form; ``--rebuild`` refiles them all.

Stories are filed as items are saved, with the ``[dedupe]`` thresholds of the
config in use. After changing ``max_distance`` or ``shingle_words``, run
``monitor dedupe --rebuild``: it recomputes every fingerprint, lookup key and
story in the order the items were first stored, in one transaction, so
Datasette keeps showing the old stories until the new ones are complete.
"""

from __future__ import annotations

from typing import Any

import click


@click.command("dedupe")
@click.option("--rebuild", is_flag=True, help="Recompute fingerprints, lookup keys and stories for every item")
@click.pass_obj
def dedupe_command(obj: Any, rebuild: bool) -> None:
    """Group copies of one text (other outlets, other URLs) into stories.

    Without --rebuild, prints how many stories the stored items form. With it,
    refiles every item under the current [dedupe] thresholds (max_distance,
    shingle_words); running it twice changes nothing.

    \b
    Example:
        monitor dedupe
        monitor dedupe --rebuild        # after editing [dedupe] in the config
    """
    store = obj.store()
    cfg = obj.config.dedupe
    thresholds = f"max_distance={cfg.max_distance}, shingle_words={cfg.shingle_words}"
    if not rebuild:
        summary = store.story_summary()
        unfiled = f"; {summary.unfiled:,} without a story: run --rebuild" if summary.unfiled else ""
        click.echo(f"{summary.items:,} items in {summary.stories:,} stories ({summary.merged:,} merged){unfiled}")
        return
    with click.progressbar(length=store.count_items(), label="refiling items", file=click.get_text_stream("stderr"),
                           show_pos=True) as bar:
        summary = store.rebuild_stories(progress=bar.update)
    click.echo(f"rebuilt {summary.items:,} items into {summary.stories:,} stories ({summary.merged:,} merged, "
               f"{summary.changed:,} changed story) with {thresholds}")
