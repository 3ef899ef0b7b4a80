"""Per-host politeness state shared by every thread of one Fetcher.

* :class:`HostPacer` - a minimum interval between request *starts* to one host
  and a cap on requests in flight to it (Media Cloud's per-site scoreboard).
* :class:`RobotsCache` - parsed robots.txt per host, bounded (LRU) and expiring.
* :class:`DownHosts` - hosts that refused a connection or failed DNS, so the
  rest of a run fails fast instead of retrying every URL of a dead site.

All three are thread-safe and use a monotonic clock (injectable for tests).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator
from urllib.parse import urlsplit

from protego import Protego

Clock = Callable[[], float]
MAX_HOSTS = 1024  # pacing entries kept before idle hosts are forgotten


def host_key(url: str) -> str:
    """scheme://host:port, lower-cased: the unit of politeness (one server)."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


class _Host:
    __slots__ = ("slots", "next_start")

    def __init__(self, concurrency: int):
        self.slots = threading.BoundedSemaphore(concurrency)
        self.next_start = 0.0


class HostPacer:
    """Spaces request starts ``interval`` seconds apart per host and caps concurrency.

    Each caller first takes one of the host's ``concurrency`` slots, then
    reserves the next start time under a lock and sleeps until it: reserving
    (not checking) keeps the gaps even when several threads arrive at once.
    """

    def __init__(self, concurrency: int, *, clock: Clock = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.concurrency = concurrency
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._hosts: dict[str, _Host] = {}

    def _host(self, host: str) -> _Host:
        with self._lock:
            state = self._hosts.get(host)
            if state is None:
                if len(self._hosts) >= MAX_HOSTS:
                    self._forget_idle()
                state = self._hosts[host] = _Host(self.concurrency)
            return state

    def _forget_idle(self) -> None:
        """Bound the table in a long-running daemon: drop hosts not asked for in a minute."""
        cutoff = self._clock() - 60.0
        self._hosts = {host: state for host, state in self._hosts.items() if state.next_start > cutoff}

    @contextmanager
    def slot(self, host: str, interval: float) -> Iterator[None]:
        state = self._host(host)
        with state.slots:
            with self._lock:
                now = self._clock()
                start = max(now, state.next_start)
                state.next_start = start + interval
            if start > now:
                self._sleep(start - now)
            yield


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """What one host's robots.txt allows; ``parser`` None means a blanket rule."""

    allow_all: bool
    parser: Protego | None = None
    note: str = ""  # why a blanket rule applies ("404", "answered 503")

    def allows(self, url: str, user_agent: str) -> bool:
        if self.parser is None:
            return self.allow_all
        return bool(self.parser.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(user_agent)
        return float(delay) if delay is not None else None


ALLOW_ALL = RobotsRules(allow_all=True, note="no robots.txt")


class RobotsCache:
    """host -> RobotsRules, at most ``size`` hosts, each kept for its own ttl."""

    def __init__(self, *, size: int = 512, clock: Clock = time.monotonic):
        self._size = size
        self._clock = clock
        self._lock = threading.Lock()
        self._rules: OrderedDict[str, tuple[RobotsRules, float]] = OrderedDict()
        self._fetching: dict[str, threading.Lock] = {}

    def get(self, host: str) -> RobotsRules | None:
        with self._lock:
            entry = self._rules.get(host)
            if entry is None or entry[1] <= self._clock():
                return None
            self._rules.move_to_end(host)
            return entry[0]

    def put(self, host: str, rules: RobotsRules, ttl: float) -> None:
        with self._lock:
            self._rules[host] = (rules, self._clock() + ttl)
            self._rules.move_to_end(host)
            while len(self._rules) > self._size:
                self._rules.popitem(last=False)

    def fetch_lock(self, host: str) -> threading.Lock:
        """One lock per host so concurrent threads fetch its robots.txt once."""
        with self._lock:
            if len(self._fetching) > 4 * self._size:
                self._fetching = {h: lock for h, lock in self._fetching.items() if lock.locked()}
            return self._fetching.setdefault(host, threading.Lock())


class DownHosts:
    """Hosts that could not be connected to, remembered for ``ttl`` seconds."""

    def __init__(self, ttl: float, *, clock: Clock = time.monotonic):
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._down: dict[str, tuple[float, str]] = {}

    def mark(self, host: str, why: str) -> None:
        with self._lock:
            self._down[host] = (self._clock() + self._ttl, why)

    def why_down(self, host: str) -> str | None:
        with self._lock:
            entry = self._down.get(host)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._down[host]
                return None
            return entry[1]

    def forget(self) -> None:
        with self._lock:
            self._down.clear()
