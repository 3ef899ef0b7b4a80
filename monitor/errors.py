"""Every failure monitor reports, as one tree.

    MonitorError
     ├── ConfigError          bad config.toml: file, key, line; exit status 2
     ├── NoStore              a read command pointed at a path with no store; exit status 2
     ├── FetchError           an HTTP request that did not give a usable page
     │    ├── Blocked         403/451 or a challenge page
     │    ├── TimedOut        connect/read timeout
     │    ├── ServerError     5xx after retries
     │    ├── ClientError     other 4xx (404, 410 ...)
     │    ├── Unreachable     DNS/connection refused/no network
     │    │    └── HostDown   skipped: the host failed moments ago
     │    ├── TooLarge        body over the size cap (or a gzip bomb)
     │    ├── TooManyRedirects
     │    ├── RobotsDisallowed
     │    └── Refused         not fetched at all: the URL is not the outlet's to fetch
     │         ├── RedirectRefused   a redirect to another host or a non-http(s) URL
     │         ├── OffSite           a link to a host outside base_url + allowed_hosts
     │         └── PrivateAddress    the host resolves to a loopback/private/reserved address
     ├── ExtractionError      a page that is not the article we expected
     │    ├── LayoutChanged   expected containers missing (stub, challenge, redesign)
     │    └── ParseError      a feed/page/sitemap that cannot be parsed
     ├── InternalError        a bug met on one page: logged with a traceback, the run goes on
     ├── Stopped              the run was cut short (not an outlet failure)
     │    ├── Interrupted     SIGINT/SIGTERM
     │    └── RunTimeExceeded the outlet's max_run_time ran out
     ├── StoreError           the database refused (locked too long)
     │    └── StoreUnusable   not SQLite, corrupt, unwritable, newer schema; exit status 4
     └── DeliveryError        the digest could not be mailed

Each error carries a short ``reason`` used in ``runs.error`` and ``monitor status``, and a
``kind``: its class in the ``failures`` table (what a person acts on: "blocked 403",
"timeout", "not an article" ...). Errors that end a command carry its ``exit_code``
(see ``EXIT_CODES``).
"""

from __future__ import annotations


# What each exit status means, for `monitor --help` and the README: one meaning each.
EXIT_CODES = (
    (0, "ok"),
    (1, "an outlet failed (what worked is stored), or `status` found one failing"),
    (2, "configuration or usage error (including no store at --db / MONITOR_DB)"),
    (3, "lock held: another monitor process is working the same outlets"),
    (4, "the store cannot be used: not SQLite, corrupt, unwritable, or a newer schema"),
    (130, "stopped by SIGINT (Ctrl-C); 143: stopped by SIGTERM"),
)


class MonitorError(Exception):
    reason: str = "error"
    exit_code: int = 1

    @property
    def kind(self) -> str:
        """The failure class recorded in ``failures.class``."""
        return self.reason


class ConfigError(MonitorError):
    """A configuration problem; the message names the file, key and line."""

    reason = "config"
    exit_code = 2


class NoStore(MonitorError):
    """A command that only reads was pointed at a path holding no store: a typo, not an empty store."""

    reason = "no store"
    exit_code = 2

    def __init__(self, path: object):
        self.path = path
        super().__init__(f"no store at {path} (is --db / MONITOR_DB right? `monitor poll` creates it)")


class FetchError(MonitorError):
    reason = "fetch failed"

    def __init__(self, url: str, message: str = "", *, status: int | None = None):
        self.url = url
        self.status = status
        super().__init__(f"{url}: {message or self.reason}")


class Blocked(FetchError):
    reason = "blocked"

    @property
    def kind(self) -> str:
        return "blocked 403"


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


class Refused(FetchError):
    """Never requested: monitor will not fetch this URL for this outlet."""

    reason = "refused"


class RedirectRefused(Refused):
    reason = "redirect refused"


class OffSite(Refused):
    reason = "off-site refused"


class PrivateAddress(Refused):
    reason = "private address refused"


class ExtractionError(MonitorError):
    reason = "extraction failed"

    def __init__(self, url: str, message: str = ""):
        self.url = url
        super().__init__(f"{url}: {message or self.reason}")


class LayoutChanged(ExtractionError):
    reason = "layout changed"

    @property
    def kind(self) -> str:
        return "not an article"


class ParseError(ExtractionError):
    reason = "parse error"


class InternalError(MonitorError):
    """A bug or an unexpected library error on one page: logged with its traceback, counted
    against the outlet, and the run goes on."""

    reason = "internal error"


class Stopped(MonitorError):
    """The run stopped before it finished: by a signal or its time budget."""

    reason = "stopped"

    def __init__(self, why: str, *, in_flight: bool = False):
        self.why = why  # "SIGTERM", "max_run_time 20m" ...
        self.in_flight = in_flight  # True: a request was cut short; False: none was started
        super().__init__(why)


class Interrupted(Stopped):
    reason = "interrupted"


class RunTimeExceeded(Stopped):
    reason = "run time exceeded"


class StoreError(MonitorError):
    reason = "store error"


class StoreUnusable(StoreError):
    """The file cannot serve as a store at all; the message names it and what to do."""

    reason = "store unusable"
    exit_code = 4


class DeliveryError(MonitorError):
    """The digest could not be mailed (SMTP refused, unreachable, bad login)."""

    reason = "delivery failed"
