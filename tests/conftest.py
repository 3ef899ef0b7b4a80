"""Shared fixtures. Each group below belongs to one module; keep them grouped."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest

from monitor.testing.sampleserver import SampleSites, SiteServer, start_sites

# ---------------------------------------------------------------- sample web servers (monitor.testing.sampleserver)


@pytest.fixture(scope="session")
def sample_sites() -> Iterator[SampleSites]:
    """Every bundled site folder (monitor/testing/sample_sites/*), served for the whole session.

    Shared by all tests: don't rely on its /_trouble/ counters or an empty log;
    use ``make_site`` for that.
    """
    with start_sites() as sites:
        yield sites


MakeSite = Callable[..., SiteServer]


@pytest.fixture
def make_site(tmp_path: Path) -> Iterator[MakeSite]:
    """``make_site({"robots.txt": "...", "a.html": "..."}, name="site")`` -> a fresh SiteServer.

    Files (str is written as UTF-8, bytes as is) go in ``tmp_path/sites/<name>/``,
    served on their own port with an empty request log and fresh counters.
    Sub-folders in file names are created. Stopped when the test ends.
    """
    running: list[SampleSites] = []

    def make(files: dict[str, str | bytes] | None = None, name: str = "site") -> SiteServer:
        folder = tmp_path / "sites" / name
        folder.mkdir(parents=True, exist_ok=True)
        for relative, data in (files or {}).items():
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        sites = start_sites(folder.parent, [name])
        running.append(sites)
        return sites.site(name)

    yield make
    for sites in running:
        sites.close()


# ---------------------------------------------------------------- a polled store (monitor.digest, monitor.serve)

SAMPLE_OUTLETS = ("telesur-en", "telesur-es", "rhc-en", "rhc-es")


@pytest.fixture(scope="session")
def polled(sample_sites: SampleSites, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(config path, store path): one real poll of the four sample outlets, as ``monitor demo`` does it.

    Session-wide and read-only: tests that write take a copy with ``polled_copy``.
    """
    from monitor.demo import poll_once, write_config

    folder = tmp_path_factory.mktemp("polled")
    config = write_config(folder, {name: sample_sites.base_url(name) + "/" for name in SAMPLE_OUTLETS})
    poll_once(config, lambda line: None)
    return config.path, config.store_path


@pytest.fixture
def polled_copy(polled: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the polled config and store (SQLite's backup API: WAL-safe)."""
    import shutil
    import sqlite3

    config_path, db_path = polled
    folder = tmp_path / "copy"
    folder.mkdir()
    shutil.copy(config_path, folder / "config.toml")
    source, target = sqlite3.connect(db_path), sqlite3.connect(folder / "monitor.db")
    with target:
        source.backup(target)
    source.close()
    target.close()
    return folder / "config.toml", folder / "monitor.db"
