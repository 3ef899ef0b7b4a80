"""`monitor report` and the `timeline` canned query, on a store filled by a real poll and backfill.

The fixture sites (Granma, Cubadebate, Prensa Latina, ES and EN) are polled and their archives
walked; the page is parsed and its series checked against the store, and against what Datasette's
canned query returns; months the archive could not be walked, or that returned nothing, are gaps.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from selectolax.lexbor import LexborHTMLParser

from monitor.testing.sampleserver import start_sites, write_sample_config
from monitor.serve import METADATA

SITES = ("granma", "granma-en", "cubadebate", "cubadebate-en", "prensa-latina", "prensa-latina-en")


def monitor(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), *args],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, LexborHTMLParser, str]]:
    folder = tmp_path_factory.mktemp("report")
    with start_sites(sites=SITES) as sites:
        config = write_sample_config(sites, folder / "config.toml", store_path="store.db")
        monitor(config, "poll")
        monitor(config, "backfill", "-o", "granma", "-o", "cubadebate", "-o", "prensa-latina",
                "--since", "2017-01-01", "--until", "2024-12-31", "--rate", "0.01")
        out = monitor(config, "report", "--since", "2017-01", "-o", str(folder / "report.html"))
    page = (folder / "report.html").read_text(encoding="utf-8")
    yield config, folder / "store.db", LexborHTMLParser(page), out.stdout


def _series(tree: LexborHTMLParser) -> list[dict[str, Any]]:
    node = tree.css_first("script#series")
    assert node is not None
    return json.loads(node.text())


def _relevant_by_month(db: Path) -> dict[tuple[str, str], int]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT outlet, substr(COALESCE(published, first_seen), 1, 7), COUNT(*) FROM items"
                            " WHERE relevant = 1 GROUP BY 1, 2").fetchall()
    return {(outlet, month): n for outlet, month, n in rows}


def test_series_matches_the_store(reported) -> None:
    _, db, tree, out = reported
    series = _series(tree)
    drawn = {(r["outlet"], r["month"]): r["relevant"] for r in series if r["relevant"]}
    assert drawn == _relevant_by_month(db)
    assert {r["outlet"] for r in series} == set(SITES)
    assert out.startswith("wrote ") and "10 relevant items" in out


def test_bars_are_stacked_per_outlet_with_both_editions(reported) -> None:
    _, db, tree, _ = reported
    sections = {s.attributes["data-name"]: s for s in tree.css("section.outlet")}
    assert set(sections) == {"Granma", "Cubadebate", "Prensa Latina"}
    granma = {(b.attributes["data-language"], b.attributes["data-month"]): int(b.attributes["data-relevant"])
              for b in sections["Granma"].css("rect.bar")}
    assert granma == {("es", "2018-06"): 1, ("es", "2024-06"): 1, ("en", "2024-06"): 1, ("en", "2020-09"): 1}
    bars = {(b.attributes["data-outlet"], b.attributes["data-month"]): int(b.attributes["data-relevant"])
            for b in tree.css("rect.bar")}
    assert bars == _relevant_by_month(db)


def test_months_that_could_not_be_walked_are_gaps_not_zeros(reported) -> None:
    _, _, tree, _ = reported
    rows = {(r["outlet"], r["month"]): r for r in _series(tree)}
    assert rows[("cubadebate", "2019-07")] == {"outlet": "cubadebate", "language": "es", "month": "2019-07",
                                               "relevant": None, "gap": "could not be walked"}
    assert rows[("cubadebate", "2018-03")]["gap"] == "returned nothing"
    assert rows[("cubadebate", "2018-03")]["relevant"] is None
    assert rows[("cubadebate", "2020-01")]["gap"] == "not walked"
    assert rows[("prensa-latina", "2023-07")] == {"outlet": "prensa-latina", "language": "es", "month": "2023-07",
                                                  "relevant": 1, "gap": ""}  # one relevant, one not: covered
    cubadebate = next(s for s in tree.css("section.outlet") if s.attributes["data-name"] == "Cubadebate")
    gaps = {g.attributes["data-month"]: g.attributes["data-gap"] for g in cubadebate.css("rect.gap")}
    assert gaps["2019-07"] == "could not be walked" and gaps["2018-03"] == "returned nothing"
    assert "2019-06" not in gaps and "2017-06" not in gaps


def test_tip_report_months_are_marked_and_peaks_link_to_items(reported) -> None:
    _, db, tree, _ = reported
    for section in tree.css("section.outlet"):
        tips = [line.attributes["data-month"] for line in section.css("line.tip")]
        assert tips == ["2017-06", "2018-06", "2019-06", "2020-06", "2021-07", "2022-07", "2023-06", "2024-06"]
    with sqlite3.connect(db) as conn:
        urls = {url for (url,) in conn.execute("SELECT url FROM items WHERE relevant = 1")}
    peaks = tree.css("li.peak")
    assert peaks and all(a.attributes["href"] in urls for p in peaks for a in p.css("a"))
    cubadebate = next(s for s in tree.css("section.outlet") if s.attributes["data-name"] == "Cubadebate")
    june = next(p for p in cubadebate.css("li.peak") if p.attributes["data-month"] == "2019-06")
    assert len(june.css("a")) == 2 and "trata-de-personas" in june.text()


def test_the_datasette_canned_query_returns_the_same_series(reported) -> None:
    from datasette.app import Datasette

    from monitor.serve import SETTINGS

    _, db, tree, _ = reported
    metadata = json.loads(METADATA.read_text(encoding="utf-8"))
    metadata["databases"] = {db.stem: metadata["databases"]["monitor"]}

    async def fetch() -> list[dict[str, Any]]:
        ds = Datasette(files=[str(db)], metadata=metadata, settings={k: int(v) for k, v in SETTINGS})
        await ds.invoke_startup()
        response = await ds.client.get(f"/{db.stem}/timeline.json?since=2017-01&_shape=array&_size=max")
        assert response.status_code == 200, response.text[:300]
        return response.json()

    rows = asyncio.run(fetch())
    assert len(rows) == len(_series(tree))
    canned = {(r["outlet"], r["month"]): (r["relevant"], r["gap"]) for r in rows}
    page = {(r["outlet"], r["month"]): (r["relevant"], r["gap"]) for r in _series(tree)}
    assert canned == page
