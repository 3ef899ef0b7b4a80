"""Stopping a run cleanly: one :class:`Stop` flag per process, set by SIGINT/SIGTERM.

Every stage that waits checks it: the fetcher refuses new requests and cuts its
back-off and pacing sleeps short, the article loop stops before the next article,
``pipeline.poll`` cancels outlets still queued. So a stop takes as long as the
request in hand, and the article in hand is finished and committed (or, past the
grace period, abandoned mid-transaction, which SQLite rolls back: nothing is half-written).
"""

from __future__ import annotations

import os
import signal
import threading

EXIT_SIGINT = 128 + signal.SIGINT  # 130, as shells report Ctrl-C
EXIT_SIGTERM = 128 + signal.SIGTERM  # 143


class Stop(threading.Event):
    """Set to stop every run of the process; ``reason`` says why ("SIGTERM" ...)."""

    def __init__(self) -> None:
        super().__init__()
        self.reason = "stop requested"
        self.signal: int | None = None

    def request(self, reason: str, signum: int | None = None) -> None:
        self.reason = reason
        self.signal = signum
        self.set()

    @property
    def exit_code(self) -> int:
        """130 for SIGINT, 143 for SIGTERM (128 + the signal), as shells and supervisors expect."""
        return 128 + self.signal if self.signal else 1


def install_signal_handlers(stop: threading.Event) -> None:
    """SIGTERM (docker stop, systemd, kill) and SIGINT (Ctrl-C) ask for a clean stop;
    the same signal again stops at once (SQLite rolls back the transaction in hand)."""

    def handle(signum: int, frame: object) -> None:
        # Only flag setting here: logging from a signal handler can deadlock.
        if stop.is_set():
            os._exit(128 + signum)
        if isinstance(stop, Stop):
            stop.request(signal.Signals(signum).name, signum)
        else:
            stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handle)
