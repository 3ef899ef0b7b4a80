"""monitor demo: the whole product offline, end to end, in a subprocess."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from monitor import config as config_mod
from monitor.demo import SAMPLE_OUTLETS
from monitor.testing.sampleserver import sample_config_text


def monitor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor", *args], capture_output=True, text=True, timeout=60)


def test_demo_polls_the_samples_prints_the_digest_and_how_to_open_it(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    result = monitor("demo", "--keep", str(folder))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "15 new (9 relevant), 0 updated, 0 outlets failing" in out
    assert "# Monitor digest: 9 new relevant items" in out and out.count("\n### [") == 9
    assert f"monitor --config {folder / 'config.toml'} serve" in out
    assert f"datasette serve {folder / 'monitor.db'} --metadata " in out
    with sqlite3.connect(folder / "monitor.db") as conn:
        assert conn.execute("SELECT COUNT(*), SUM(relevant) FROM items").fetchone() == (15, 9)
    again = monitor("--config", str(folder / "config.toml"), "digest", "--format", "json")
    assert again.returncode == 0 and json.loads(again.stdout)["count"] == 9
    refused = monitor("demo", "--keep", str(folder))
    assert refused.returncode == 2 and "already holds a demo" in refused.stderr


def test_the_demo_config_only_reaches_the_local_sample_sites(tmp_path: Path) -> None:
    local = {name: f"http://127.0.0.1:{9000 + n}/" for n, name in enumerate(SAMPLE_OUTLETS)}
    path = tmp_path / "config.toml"
    path.write_text(sample_config_text(local), encoding="utf-8")
    config = config_mod.load(path)
    assert [o.key for o in config.enabled_outlets] == list(SAMPLE_OUTLETS)
    assert all(o.base_url == local[o.key] and o.feeds[0].startswith(local[o.key]) for o in config.enabled_outlets)
    assert config.http.per_host_interval < 0.1 and config.store_path == tmp_path / "monitor.db"
    assert {o.key for o in config.outlets} - set(SAMPLE_OUTLETS)  # the others are there, disabled
