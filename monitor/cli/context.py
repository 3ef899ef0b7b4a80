"""What every command shares: the chosen config and store, opened on first use, closed at exit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .. import config as config_mod

if TYPE_CHECKING:  # the stages load lazily, so `monitor --help` stays fast
    from ..config import OutletConfig
    from ..pipeline import PollContext
    from ..store import Store


@dataclass
class Context:
    """``ctx.obj`` of every command: ``-c/--config`` and ``--db``, loaded and opened lazily."""

    config_path: Path | None
    db_path: Path | None
    verbose: int = 0  # -v count: -vv shows the traceback behind an error message
    _config: config_mod.Config | None = None
    _store: Store | None = None

    @property
    def config(self) -> config_mod.Config:
        if self._config is None:
            self._config = config_mod.load(self.config_path, store_path=self.db_path)
        return self._config

    def store(self, *, create: bool = False) -> Store:
        """The store, for commands that read or write it without running the pipeline.

        Only commands that write new data pass ``create`` (poll, run, import): a mistyped
        --db must not become an empty store that reports nothing. Creating one is said once.
        """
        if self._store is None:
            from ..store import Store

            self._store = Store(self.config.store_path, stories=self.config.stories, create=create)
            if self._store.created:
                click.echo(f"created a new store at {self._store.path}", err=True)
        return self._store

    @contextmanager
    def run(self, *, fetch: bool = True, create: bool = False, stop: threading.Event | None = None
            ) -> Iterator[PollContext]:
        """A pipeline run on this config (``pipeline.open_run``), sharing this context's store."""
        from ..pipeline import open_run

        with open_run(self.config, store=self.store(create=create), fetch=fetch, stop=stop) as run:
            yield run

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def parse_since(value: str | None) -> datetime | None:
    """``--since``: a date or date-time, UTC unless it says otherwise."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date like 2026-11-01 or 2026-11-01T08:00, got {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def chosen_outlets(config: config_mod.Config, keys: tuple[str, ...]) -> list[OutletConfig]:
    """``--outlet`` keys (each checked), else every enabled outlet."""
    if keys:
        return [config.outlet(k) for k in keys]
    return list(config.enabled_outlets)
