"""monitor demo: the whole product offline, end to end, in a subprocess."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

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
    assert "# Monitor digest: 7 new relevant items" in out and out.count("\n### [") == 7
    assert f"monitor --config {folder / 'config.toml'} serve" in out
    assert f"datasette serve {folder / 'monitor.db'} --metadata " in out
    with sqlite3.connect(folder / "monitor.db") as conn:
        assert conn.execute("SELECT COUNT(*), SUM(relevant) FROM items").fetchone() == (15, 9)
    again = monitor("--config", str(folder / "config.toml"), "digest", "--format", "json")
    assert again.returncode == 0 and json.loads(again.stdout)["count"] == 7  # 9 relevant items, two shown with their other-language edition
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


def test_demo_without_keep_leaves_no_folder_behind(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    result = subprocess.run([sys.executable, "-m", "monitor", "demo"], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "TMPDIR": str(temp)}, check=False)
    assert result.returncode == 0, result.stderr
    assert "15 new (9 relevant)" in result.stdout and "monitor demo --keep demo/" in result.stdout
    assert list(temp.iterdir()) == []  # no monitor-demo-* folder (nor monitor-serve-*) left in the temp directory


def test_poll_lines_and_digest_headings_name_each_outlet_the_same_way(tmp_path: Path) -> None:
    result = monitor("demo", "--keep", str(tmp_path / "demo"))
    polled = [line.split(":")[0] for line in result.stdout.splitlines() if " seen, " in line]
    headings = [line[3:].rsplit(" · ", 1)[0] for line in result.stdout.splitlines()
                if line.startswith("## ") and line != "## Health"]
    assert polled == ["teleSUR English", "teleSUR", "Radio Habana Cuba (en)", "Radio Habana Cuba (es)"]
    assert headings == polled


def test_demo_open_shows_the_digest_serves_datasette_and_ctrl_c_cleans_up(tmp_path: Path) -> None:
    temp, opened = tmp_path / "tmp", tmp_path / "opened.txt"
    temp.mkdir()
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n', encoding="utf-8")  # webbrowser runs $BROWSER URL
    browser.chmod(0o755)
    env = {**os.environ, "TMPDIR": str(temp), "BROWSER": str(browser), "PYTHONUNBUFFERED": "1"}
    demo = subprocess.Popen([sys.executable, "-m", "monitor", "demo", "--open"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        lines: list[str] = []
        assert demo.stdout is not None
        while not any(line.startswith("Ctrl-C stops") for line in lines):
            line = demo.stdout.readline()
            assert line, demo.stderr.read() if demo.stderr else "demo ended early"
            lines.append(line)
        datasette = next(line.split()[-1] for line in lines if line.startswith("Datasette:"))
        deadline = time.monotonic() + 30
        while True:
            try:
                assert httpx.get(datasette + "monitor.json", timeout=2).status_code == 200
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and demo.poll() is None
                time.sleep(0.1)
        (url,) = opened.read_text(encoding="utf-8").split()
        page = Path(url.removeprefix("file://"))
        digest = page.read_text(encoding="utf-8")
        assert url.startswith("file://") and "7 new relevant items" in digest  # two of the 9 shown with their other-language edition
        article = re.search(r'<h3[^>]*><a href="([^"]+)"', digest)[1]
        assert httpx.get(article, timeout=5).status_code == 200  # the sample sites still answer: links open
    finally:
        demo.send_signal(signal.SIGINT)
        demo.wait(timeout=30)
    assert demo.returncode == 0
    assert list(temp.iterdir()) == []  # the temporary folder (store, config, digest.html) is gone
    with pytest.raises(httpx.TransportError):
        httpx.get(article, timeout=2)  # and the sample sites are stopped
