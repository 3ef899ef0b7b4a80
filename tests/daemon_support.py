"""Helpers shared by test_schedule, test_crash and test_lock: configs for the fixture sites,
a generated site with many articles, a poll context, and ``monitor`` subprocesses."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterable

from monitor import config as config_mod
from monitor.config import Config, OutletConfig

ROOT = Path(__file__).resolve().parents[1]
FAST_HTTP = {"per_host_interval": 0.0, "retries": 0, "connect_timeout": 2, "read_timeout": 5,
             "allow_private_addresses": True}  # the test sites are on 127.0.0.1


# ---------------------------------------------------------------- a generated site


def article_site(count: int, *, start: int = 0) -> dict[str, str]:
    """``count`` article pages under /news/N.html and one RSS feed listing them all."""
    files = {"robots.txt": "User-agent: *\nAllow: /\n", "feed.xml": feed(range(start, start + count))}
    for n in range(start, start + count):
        files[f"news/{n}.html"] = article_page(n)
    return files


def feed(numbers: Iterable[int]) -> str:
    items = "".join(
        f"<item><title>Report number {n}</title><link>{{{{BASE}}}}/news/{n}.html</link>"
        f"<guid>{{{{BASE}}}}/news/{n}.html</guid><pubDate>Mon, 02 Nov 2026 10:{n % 60:02d}:00 GMT</pubDate></item>"
        for n in numbers
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Gen</title><link>{{{{BASE}}}}/</link>{items}</channel></rss>'


def article_page(n: int) -> str:
    body = "".join(f"<p>Paragraph {p} of report {n}: the ministry published figures on shipping and ports.</p>"
                   for p in range(4))
    return (
        f'<!doctype html><html lang="en"><head><title>Report {n}</title>'
        f'<link rel="canonical" href="{{{{BASE}}}}/news/{n}.html">'
        f'<meta property="article:published_time" content="2026-11-02T10:{n % 60:02d}:00Z"></head>'
        f"<body><article><h1>Report number {n} on ports</h1>{body}</article></body></html>"
    )


def generated_outlet(base_url: str, *, key: str = "gen", schedule: str = "1s", **changes: Any) -> OutletConfig:
    outlet = OutletConfig(
        key=key, name="Generated", language="en", base_url=base_url.rstrip("/") + "/", adapter="generic",
        schedule=config_mod.parse_schedule(schedule), timezone="UTC", feeds=(base_url.rstrip("/") + "/feed.xml",),
        article_pattern=r"^/news/\d+\.html$",
    )
    return replace(outlet, **changes)


# ---------------------------------------------------------------- configs


def sample_outlets(sites: Any, keys: Iterable[str], *, schedule: str = "1s", **changes: Any) -> list[OutletConfig]:
    """Bundled outlets moved onto the running sample sites, on a fast schedule."""
    bundled = config_mod.load().rebased({k: sites.base_url(k) for k in keys})
    return [replace(bundled.outlet(k), schedule=config_mod.parse_schedule(schedule), **changes) for k in keys]


def write_config(folder: Path, outlets: Iterable[OutletConfig], *, http: dict[str, Any] | None = None) -> Path:
    """A config file for ``monitor`` subprocesses, with the store beside it."""
    lines = ['[store]', 'path = "monitor.db"', "", "[http]"]
    lines += [f"{k} = {_toml(v)}" for k, v in {**FAST_HTTP, **(http or {})}.items()]
    for o in outlets:
        lines += ["", f"[outlets.{o.key}]"]
        lines += [f"{k} = {_toml(v)}" for k, v in _outlet_table(o).items()]
        if o.selectors:
            lines += [f"[outlets.{o.key}.selectors]"] + [f"{k} = {_toml(v)}" for k, v in o.selectors]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _outlet_table(o: OutletConfig) -> dict[str, Any]:
    table: dict[str, Any] = {"name": o.name, "language": o.language, "base_url": o.base_url, "adapter": o.adapter,
                             "schedule": o.schedule.text, "timezone": o.timezone, "max_pages": o.max_pages}
    for name in ("feeds", "listings", "search", "search_queries", "sitemaps", "drop", "allowed_hosts"):
        if getattr(o, name):
            table[name] = list(getattr(o, name))
    if o.article_pattern:
        table["article_pattern"] = o.article_pattern
    for name in ("min_interval", "max_interval", "max_run_time"):
        if getattr(o, name) is not None:
            table[name] = f"{getattr(o, name).total_seconds():g}s"
    return table


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, timedelta):
        return _toml(f"{value.total_seconds():g}s")
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


def in_memory_config(folder: Path, outlets: Iterable[OutletConfig], **http: Any) -> Config:
    """The same as write_config + load, without the file."""
    return config_mod.load(write_config(folder, outlets, http=http))


# ---------------------------------------------------------------- subprocesses and the database


def monitor_process(config_path: Path, *args: str, **popen: Any) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("MONITOR_DB", None)
    return subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config_path), *args], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def run_monitor(config_path: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    process = monitor_process(config_path, *args)
    out, err = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def wait_for(condition: Callable[[], Any], timeout: float = 10.0, step: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout}s waiting for {condition}")


def query(db: Path, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(sql, list(params)).fetchall()
    finally:
        conn.close()


def count(db: Path, table: str = "items") -> int:
    """Rows in ``table``; -1 while the database or the table does not exist yet."""
    try:
        return query(db, f"SELECT COUNT(*) FROM {table}")[0][0] if db.exists() else -1
    except sqlite3.Error:
        return -1
