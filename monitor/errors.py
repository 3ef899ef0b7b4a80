"""Every failure monitor reports, as one tree.

    MonitorError
     ├── ConfigError          bad config.toml: file, key, line; exit status 2
     ├── FetchError           an HTTP request that did not give a usable page
     │    ├── Blocked         403/451 or a challenge page
     │    ├── TimedOut        connect/read timeout
     │    ├── ServerError     5xx after retries
     │    ├── ClientError     other 4xx (404, 410 ...)
     │    ├── Unreachable     DNS/connection refused/no network
     │    │    └── HostDown   skipped: the host failed moments ago
     │    ├── TooLarge        body over the size cap (or a gzip bomb)
     │    ├── TooManyRedirects
     │    └── RobotsDisallowed
     ├── ExtractionError      a page that is not the article we expected
     │    ├── LayoutChanged   expected containers missing (stub, challenge, redesign)
     │    └── ParseError      a feed/page/sitemap that cannot be parsed
     ├── InternalError        a bug met on one page: logged with a traceback, the run goes on
     ├── StoreError           the database refused (locked too long, corrupt)
     │    └── StoreUnusable   not a store this release can use (a newer schema); exit status 4
     └── DeliveryError        the digest could not be mailed

Each error carries a short ``reason`` used in ``runs.error`` and ``monitor status``.
"""

from __future__ import annotations


class MonitorError(Exception):
    reason: str = "error"


class ConfigError(MonitorError):
    """A configuration problem; the message names the file, key and line."""

    reason = "config"
    exit_code = 2


class FetchError(MonitorError):
    reason = "fetch failed"

    def __init__(self, url: str, message: str = "", *, status: int | None = None):
        self.url = url
        self.status = status
        super().__init__(f"{url}: {message or self.reason}")


class Blocked(FetchError):
    reason = "blocked"


class TimedOut(FetchError):
    reason = "timeout"


class ServerError(FetchError):
    reason = "http 5xx"


class ClientError(FetchError):
    reason = "http 4xx"


class Unreachable(FetchError):
    reason = "network unreachable"


class HostDown(Unreachable):
    """Not even tried: the host failed moments ago (the down-host cache), so no retry storm."""


class TooLarge(FetchError):
    reason = "too large"


class TooManyRedirects(FetchError):
    reason = "too many redirects"


class RobotsDisallowed(FetchError):
    reason = "disallowed by robots.txt"


class ExtractionError(MonitorError):
    reason = "extraction failed"

    def __init__(self, url: str, message: str = ""):
        self.url = url
        super().__init__(f"{url}: {message or self.reason}")


class LayoutChanged(ExtractionError):
    reason = "layout changed"


class ParseError(ExtractionError):
    reason = "parse error"


class InternalError(MonitorError):
    """A bug or an unexpected library error on one page: logged with its traceback, counted
    against the outlet, and the run goes on."""

    reason = "internal error"


class StoreError(MonitorError):
    reason = "store error"


class StoreUnusable(StoreError):
    """The file cannot serve as a store at all; the message names it and what to do."""

    reason = "store unusable"
    exit_code = 4


class DeliveryError(MonitorError):
    """The digest could not be mailed (SMTP refused, unreachable, bad login)."""

    reason = "delivery failed"
