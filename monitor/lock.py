"""Per-outlet file locks beside the database, so cron runs and the daemon never overlap.

``flock`` locks die with their process: a ``kill -9`` never leaves a stale lock behind,
and the pid written into the file is only there to tell the user who holds it.

The pid stays in the file when a run does not finish (killed, an exception, or the
holder calls :meth:`Held.unfinished` after a stop), and is cleared when it does. The
next holder sees it as ``Held.resumed``: the dead run may have stored a feed's
validators without fetching the articles behind it, so the next run must read every
source unconditionally (a catch-up run) or those articles would hide behind a 304.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .errors import Interrupted, MonitorError


class LockBusy(MonitorError):
    """Another monitor process is working this outlet."""

    reason = "locked"
    exit_code = 3


def lock_dir(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".locks")


@dataclass
class Held:
    """A held outlet lock; ``resumed`` when the previous holder did not finish its run."""

    key: str
    resumed: bool
    finished: bool = True  # a with-block that ends normally finished its run ...

    def unfinished(self) -> None:
        """... unless the holder says it stopped early: the next holder then resumes."""
        self.finished = False


@contextmanager
def outlet_lock(store_path: Path, key: str, *, timeout: float = 60.0, poll: float = 0.2,
                stop: threading.Event | None = None) -> Iterator[Held]:
    """Hold ``key``'s lock; wait up to ``timeout`` seconds, then raise LockBusy (or, once
    ``stop`` is set, Interrupted)."""
    folder = lock_dir(store_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, path, key, timeout, poll, stop)
        held = Held(key=key, resumed=bool(os.pread(fd, 64, 0).strip()))
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield held
        if held.finished:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing releases the flock


def _acquire(fd: int, path: Path, key: str, timeout: float, poll: float, stop: threading.Event | None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if stop is not None and stop.is_set():
                raise Interrupted(f"{getattr(stop, 'reason', 'a stop request')} while waiting for outlet {key}'s lock")
            if time.monotonic() >= deadline:
                holder = path.read_text().strip() or "?"
                raise LockBusy(
                    f"outlet {key} is being polled by another monitor process (pid {holder}); "
                    f"waited {timeout:g}s — try again later"
                ) from None
            time.sleep(poll)


def holds_lock(store_path: Path, key: str, pid: int | None) -> bool:
    """Is process ``pid`` holding ``key``'s lock right now? (Never creates a lock file.)

    A 'running' row whose process is gone looks like this: nobody holds the lock, or
    someone else does. Asking the lock rather than the pid survives pid reuse (a
    restarted container's daemon is pid 1 again). With no lock file (a run started
    without one, as ``monitor demo`` does) only the pid can tell.
    """
    try:
        fd = os.open(lock_dir(store_path) / f"{key}.lock", os.O_RDONLY)
    except FileNotFoundError:
        return pid is not None and _alive(pid)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:  # held: by the run's process?
            return os.pread(fd, 64, 0).strip() == str(pid).encode()
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


@contextmanager
def outlet_locks(store_path: Path, keys: Iterable[str], *, timeout: float = 60.0,
                 stop: threading.Event | None = None) -> Iterator[list[Held]]:
    """All of ``keys``' locks, taken in sorted order so two processes cannot deadlock."""
    with ExitStack() as stack:
        yield [stack.enter_context(outlet_lock(store_path, key, timeout=timeout, stop=stop))
               for key in sorted(set(keys))]
