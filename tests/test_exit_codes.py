"""Exit statuses mean one thing each, and a broken or missing store says so in one line.

Every test runs ``monitor`` as a subprocess, as cron or a monitoring system would.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from daemon_support import ROOT

READ_COMMANDS = (
    ("status",), ("digest",), ("export", "out"), ("serve", "--print-command"), ("check", "rhc-en"),
    ("reclassify",), ("reprocess",), ("stories",),
)


def monitor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MONITOR_DB", "MONITOR_CONFIG")}
    return subprocess.run([sys.executable, "-m", "monitor", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
def store_copy(polled_copy: tuple[Path, Path]) -> Path:
    return polled_copy[1]


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_not_an_sqlite_file_exits_4_naming_the_file(tmp_path: Path) -> None:
    junk = tmp_path / "notes.db"
    junk.write_text("shopping list\n" * 500)
    for command in (("status",), ("poll", "--outlet", "rhc-en"), ("digest",)):
        result = monitor("--db", str(junk), *command, cwd=tmp_path)
        assert result.returncode == 4, (command, result.stderr)
        assert one_error_line(result) == (
            f"Error: {junk}: not an SQLite database — check that --db / MONITOR_DB names the monitor store, "
            "or restore the store from a backup")
    assert junk.read_text() == "shopping list\n" * 500  # nothing written over it


@pytest.mark.parametrize("damage", ["truncated", "overwritten"])
def test_a_corrupt_store_exits_4_and_says_how_to_check_it(store_copy: Path, tmp_path: Path, damage: str) -> None:
    size = store_copy.stat().st_size
    with store_copy.open("r+b") as handle:
        if damage == "truncated":
            handle.truncate(size // 3)
        else:
            handle.seek(100)
            handle.write(b"\xff" * 3000)  # the schema page
    for command in (("status",), ("export", "out"), ("poll", "--outlet", "rhc-en")):
        result = monitor("--db", str(store_copy), *command, cwd=tmp_path)
        assert result.returncode == 4, (command, result.stderr)
        assert one_error_line(result) == (
            f"Error: {store_copy}: the store is corrupt (database disk image is malformed) — check it with "
            f"`sqlite3 {store_copy} 'PRAGMA integrity_check'` and restore it from a backup")


def test_an_unopenable_store_path_exits_4(tmp_path: Path) -> None:
    # Tests run as root here, so file modes cannot make a store unwritable: a missing folder can.
    path = tmp_path / "no-such-folder" / "monitor.db"
    result = monitor("--db", str(path), "poll", "--outlet", "rhc-en", cwd=tmp_path)
    assert result.returncode == 4
    assert one_error_line(result) == (
        f"Error: {path}: cannot open the store for writing (unable to open database file) — check that the path "
        "is a file in an existing folder, that this user may write to both, and the free space")
    assert not path.parent.exists()


def test_a_store_from_a_newer_release_exits_4_and_is_left_alone(store_copy: Path, tmp_path: Path) -> None:
    def schema() -> list[tuple[str, ...]]:
        conn = sqlite3.connect(store_copy)
        try:
            return conn.execute("SELECT name FROM _sqlite_migrations UNION ALL SELECT sql FROM sqlite_master").fetchall()
        finally:
            conn.close()

    conn = sqlite3.connect(store_copy)
    with conn:
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
                     " VALUES ('monitor', 'm999_from_the_future', '2027-01-01')")
    conn.close()
    before = schema()
    result = monitor("--db", str(store_copy), "status", cwd=tmp_path)
    assert result.returncode == 4
    assert one_error_line(result) == (
        f"Error: {store_copy}: written by a newer monitor (schema m999_from_the_future, unknown to this release)"
        " — upgrade monitor, or point --db / MONITOR_DB at a store of this release")
    assert schema() == before  # not migrated "down" or "up" by an older release


def test_vv_shows_the_traceback_behind_the_message(tmp_path: Path) -> None:
    junk = tmp_path / "notes.db"
    junk.write_text("shopping list\n" * 500)
    result = monitor("-vv", "--db", str(junk), "status", cwd=tmp_path)
    assert result.returncode == 4
    assert "Traceback (most recent call last)" in result.stderr
    assert "sqlite3.DatabaseError: file is not a database" in result.stderr
    assert result.stderr.rstrip().endswith("or restore the store from a backup")


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: c[0])
def test_read_commands_on_a_missing_store_exit_2_and_create_nothing(tmp_path: Path, command: tuple[str, ...]) -> None:
    typo = tmp_path / "monitr.db"
    result = monitor("--db", str(typo), *command, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert one_error_line(result) == (
        f"Error: no store at {typo} (is --db / MONITOR_DB right? `monitor poll` creates it)")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no store, no lock folder, no export folder


def test_the_environment_variable_is_named_too(tmp_path: Path) -> None:
    env = {**os.environ, "MONITOR_DB": str(tmp_path / "typo.db")}
    result = subprocess.run([sys.executable, "-m", "monitor", "digest", "--mark-reviewed"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "MONITOR_DB" in one_error_line(result)
    assert not (tmp_path / "typo.db").exists()


def test_import_creates_the_store_and_says_so_once(tmp_path: Path) -> None:
    seeds = ROOT / "seeds"  # in the repository: .ci/run tests a clean clone, without ../shared
    seed = seeds / "001_319918b101c2d455.txt"
    db = tmp_path / "new.db"
    first = monitor("--db", str(db), "import", str(seed), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stderr.count(f"created a new store at {db}") == 1
    again = monitor("--db", str(db), "import", str(seed), cwd=tmp_path)
    assert "created" not in again.stderr
    assert monitor("--db", str(db), "status", cwd=tmp_path).returncode == 0


def test_help_documents_every_exit_status(tmp_path: Path) -> None:
    text = monitor("--help", cwd=tmp_path).stdout
    for line in ("0    ok", "1    an outlet failed", "2    configuration or usage", "3    lock held",
                 "4    the store cannot be used", "130  stopped by SIGINT"):
        assert line in text
