"""Shared fixtures. Each group below belongs to one module; keep them grouped."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest

from monitor.sampleserver import SampleSites, SiteServer, start_sites

# ---------------------------------------------------------------- sample web servers (monitor.sampleserver)


@pytest.fixture(scope="session")
def sample_sites() -> Iterator[SampleSites]:
    """Every bundled site folder (monitor/sample_sites/*), served for the whole session.

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
