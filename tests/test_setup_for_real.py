"""The README's "Set it up for real", followed as written in a temporary folder.

The commands are read from the README and the unit from contrib/monitor.service; only
/srv/monitor is moved into a temporary folder, and the virtual environment's `monitor`
is a wrapper around this interpreter (venv commands aside). The outlets are the bundled
sample sites, the mail server a real SMTP server on 127.0.0.1. Cron's environment is
reproduced (its variables, a bare PATH, `%` handling), and systemd's (Environment,
WorkingDirectory, ExecStart, KillSignal, TimeoutStopSec).
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_digest import Inbox, free_port, with_smtp

from monitor.testing.sampleserver import sample_config_text, start_sites

ROOT = Path(__file__).resolve().parent.parent
SECTION = re.search(r"^## Set it up for real\n(.*?)^## ", (ROOT / "README.md").read_text(encoding="utf-8"),
                    re.MULTILINE | re.DOTALL)
FOUR_SITES = ("telesur-en", "telesur-es", "rhc-en", "rhc-es")  # the other outlets stay disabled
SAMPLE_ITEMS = 15  # every article of these four sample sites


def blocks(kind: str) -> list[str]:
    assert SECTION, 'README.md has no "## Set it up for real" section'
    return re.findall(rf"^ *```{kind}\n(.*?)^ *```", SECTION[1], re.MULTILINE | re.DOTALL)


def cron_table() -> tuple[dict[str, str], list[str]]:
    """The crontab block: its variables and the command of each job line (after the five time fields)."""
    (table,) = blocks("cron")
    variables, jobs = {}, []
    for line in table.splitlines():
        if re.match(r"^[A-Z_]+=", line):
            name, _, value = line.partition("=")
            variables[name] = value
        elif line.strip() and not line.startswith("#"):
            jobs.append(line.split(None, 5)[5])
    return variables, jobs


def unit() -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    for line in (ROOT / "contrib" / "monitor.service").read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            entries.setdefault(key.strip(), []).append(value.strip())
    return entries


def cron_command(command: str) -> str:
    """As cron runs it: an unescaped % ends the command (the rest is stdin), \\% is a %."""
    command = re.split(r"(?<!\\)%", command, maxsplit=1)[0]
    return command.replace("\\%", "%")


def items(db: Path) -> set[str]:
    """Committed item ids (none while the store is still being created)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM items")}
    except sqlite3.OperationalError as exc:
        assert "no such table" in str(exc)
        return set()
    finally:
        conn.close()


@pytest.fixture
def srv(tmp_path: Path) -> Path:
    """/srv/monitor, moved: the virtual environment's monitor runs this interpreter."""
    root = tmp_path / "srv" / "monitor"
    (root / ".venv" / "bin").mkdir(parents=True)
    wrapper = root / ".venv" / "bin" / "monitor"
    wrapper.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m monitor \"$@\"\n", encoding="utf-8")
    wrapper.chmod(0o755)
    return root


def test_the_readme_setup_runs_as_written(srv: Path, tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    inbox, port = Inbox(), free_port()
    mail = Controller(inbox, hostname="127.0.0.1", port=port)
    mail.start()
    try:
        follow_the_readme(srv, tmp_path, port, inbox)
    finally:
        mail.stop()
    assert not [p for p in os.listdir(srv / "backups") if p.startswith(".")]  # no partial copy left


def follow_the_readme(srv: Path, tmp_path: Path, port: int, inbox: Inbox) -> None:
    def moved(text: str) -> str:
        return text.replace("/srv/monitor", str(srv))

    with start_sites() as sites:
        # 2. The configuration: the bundled one on the sample sites (paced, so the daemon writes for a few
        #    seconds; short schedules, so its first runs start within 2 s, not a minute's spread), with the
        #    README's user_agent line and [digest.smtp] filled in.
        text = sample_config_text({name: sites.base_url(name) for name in FOUR_SITES}, per_host_interval=0.3)
        text = re.sub(r'(?m)^schedule = ".*"', 'schedule = "20s"', text)
        (agent,) = [line for block in blocks("toml") for line in block.splitlines() if "user_agent" in line]
        text = re.sub(r"(?m)^user_agent = .*$", agent.strip(), text)
        config = srv / "config.toml"
        config.write_text(text, encoding="utf-8")
        with_smtp(config, port)

        variables, jobs = cron_table()
        assert {name: moved(value) for name, value in variables.items()} == {
            "MONITOR_CONFIG": str(config), "MONITOR_DB": str(srv / "monitor.db")}
        cron_env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SHELL": "/bin/sh", "LOGNAME": "monitor",
                    **{name: moved(value) for name, value in variables.items()}}
        db = Path(cron_env["MONITOR_DB"])
        poll_job, digest_job, backup_job = (moved(job) for job in jobs)
        assert " poll" in poll_job and "digest --mark-reviewed --email" in digest_job and " backup " in backup_job

        def cron(command: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(["/bin/sh", "-c", cron_command(command)], env=cron_env, cwd=tmp_path,
                                  capture_output=True, text=True, timeout=120, check=False)

        # 3'. The daemon, as systemd starts it on the fresh install (its first runs fill the store);
        #     backups taken while it writes.
        service = unit()
        env = {"PATH": "/usr/bin:/bin", **dict(e.split("=", 1) for e in map(moved, service["Environment"]))}
        daemon = subprocess.Popen(shlex.split(moved(service["ExecStart"][0])), cwd=moved(service["WorkingDirectory"][0]),
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while not (db.exists() and items(db)):
                assert daemon.poll() is None and time.monotonic() < deadline, daemon.communicate()
                time.sleep(0.05)
            copies = []
            while True:
                committed = items(db)
                backed = cron(backup_job)
                assert backed.returncode == 0, backed.stderr
                (copy,) = (srv / "backups").iterdir()
                conn = sqlite3.connect(copy)
                try:
                    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                    held = {row[0] for row in conn.execute("SELECT id FROM items")}
                finally:
                    conn.close()
                assert committed <= held  # every item committed before the backup began
                copies.append(len(held))
                if len(held) == SAMPLE_ITEMS or time.monotonic() > deadline:
                    break
        finally:
            daemon.send_signal(getattr(signal, service["KillSignal"][0]))
            _, err = daemon.communicate(timeout=float(service["TimeoutStopSec"][0]))
        assert daemon.returncode == 0, err
        assert copies[-1] == SAMPLE_ITEMS and copies[0] < SAMPLE_ITEMS, copies  # the first copy raced the writes
        agents = {r.headers.get("user-agent") for name in sites.names for r in sites.request_log(name)}
        assert agents == {re.search(r'"(.*)"', agent)[1]}  # the README's contact went out with every request

        # 2. The first poll and a check, as written (the daemon above made the first poll's work).
        (setup,) = [b for b in blocks("sh") if "monitor check" in b]
        for line in setup.splitlines():
            if "/.venv/bin/monitor" not in line:
                continue
            done = cron(moved(line.split("#")[0]))
            assert done.returncode == 0, (line, done.stdout + done.stderr)
            if " check " in line:
                assert "relevance:" in done.stdout and "missing:" in done.stdout
            else:
                assert "0 new" in done.stdout

        # 3. The cron lines, as written: a poll, the morning digest, the nightly backup.
        polled = cron(poll_job)
        assert polled.returncode == 0 and polled.stdout == "", polled.stderr  # nothing new: the daemon had it all
        sent = cron(digest_job)
        assert sent.returncode == 0 and sent.stdout == "", sent.stderr
        assert "mailed to analyst@example.org" in sent.stderr and len(inbox.messages) == 1
        assert inbox.messages[0][1]["Subject"].startswith("monitor digest: 7 new relevant items")  # 9 items, two shown once as editions
        again = cron(digest_job)  # the next morning, nothing new: nothing mailed
        assert again.returncode == 0 and "nothing mailed" in again.stderr and len(inbox.messages) == 1
        assert cron(backup_job).returncode == 0
        (copy,) = (srv / "backups").iterdir()
        assert copy.name == f"monitor-{time.strftime('%a')}.db"

        # 5. Restore from that backup, with the README's commands.
        (restore,) = [b for b in blocks("sh") if "rm -f" in b]
        for line in restore.splitlines():
            command = moved(line.split("#")[0].strip()).replace("monitor-Mon.db", copy.name)
            if command and not command.startswith("sudo"):
                result = cron(command)
                assert result.returncode == 0, (command, result.stderr)
        assert len(items(db)) == SAMPLE_ITEMS
