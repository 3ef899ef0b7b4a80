"""The HTTP edge: URL -> decoded :class:`~monitor.models.Page`, politely.

One :class:`Fetcher` (one shared ``httpx.Client``) serves the whole process and
every polling thread. For each URL it:

0. refuses, without a request, a URL outside the outlet's hosts (its :class:`OutletScope`:
   ``base_url`` + ``allowed_hosts``; redirects included) and any request once the run is
   stopped or out of ``max_run_time``;
1. fails fast if the host refused a connection earlier (:class:`~monitor.polite.DownHosts`);
2. obeys robots.txt (once per host per 24 h, kept in a :class:`RobotsStore` between
   runs and revalidated with its own ETag/Last-Modified; see ``_load_robots``);
3. waits for the host's pacing slot (min interval between starts, max in flight);
4. streams the body, counting *decoded* bytes, so an oversized page or a gzip
   bomb stops at ``max_bytes`` without inflating it all;
5. retries connect/read errors, 429 and 5xx with exponential backoff plus
   jitter, honouring Retry-After; follows at most ``max_redirects`` redirects,
   each hop re-checked against 1-3;
6. decodes the text (order in :func:`decode_body`) and, for ``conditional=True``,
   revalidates against a :class:`ValidatorCache`: ETag/Last-Modified *and* a body
   hash, validators always refreshed, an unconditional fetch every
   ``unconditional_every`` (FIELD_NOTES row 7, trap 2).

Connections go through :class:`GuardedBackend`: the host is resolved once, every
address it resolves to is checked (loopback, private, link-local, multicast and
reserved addresses are refused unless ``[http] allow_private_addresses``), and the
connection is made to the checked address itself, so a redirect or a DNS answer that
changes between check and connect (rebinding) cannot reach them. The same backend
holds every socket read and write to the request's total deadline
(``[http] request_deadline``): a server trickling headers or body cannot stretch it.

Failures raise the :mod:`monitor.errors` tree; a challenge page is
:class:`~monitor.errors.Blocked`, never a page.
"""

from __future__ import annotations

import codecs
import email.utils
import ipaddress
import logging
import random
import re
import socket
import threading
import time
import urllib.request
import zlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator, Protocol
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from protego import Protego

from .config import HttpConfig, OutletConfig
from .errors import (
    Blocked,
    ClientError,
    FetchError,
    HostDown,
    Interrupted,
    OffSite,
    PrivateAddress,
    RedirectRefused,
    Refused,
    RobotsDisallowed,
    RunTimeExceeded,
    ServerError,
    TimedOut,
    TooLarge,
    TooManyRedirects,
    Unreachable,
)
from .models import Page, utc_now
from .polite import ALLOW_ALL, DownHosts, HostPacer, RobotsCache, RobotsRules, host_key
from .urls import site_of

log = logging.getLogger(__name__)

ROBOTS_TTL = 24 * 3600.0  # a fetched robots.txt (or its 4xx) is trusted this long
ROBOTS_ERROR_TTL = 15 * 60.0  # a 5xx/429 robots.txt means "disallow all" this long (RFC 9309 2.3.1.4)
MAX_CRAWL_DELAY = 120.0  # a larger robots Crawl-delay is clamped, not obeyed literally
DOWN_FOR = 15 * 60.0  # a host that refused a connection is skipped this long
REDIRECTS = {301, 302, 303, 307, 308}
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml;q=0.9,*/*;q=0.8"
_CHUNK = 64 * 1024



# ---------------------------------------------------------------- conditional GET


@dataclass(frozen=True, slots=True, kw_only=True)
class Validators:
    """What we remember about one URL between conditional fetches."""

    etag: str | None
    last_modified: str | None
    body_hash: str | None  # sha256 hex of the last 200 body (Page.body_hash)
    checked_at: datetime  # last 200 or 304
    unconditional_at: datetime | None  # last fetch sent without validators


class ValidatorCache(Protocol):
    """Storage for :class:`Validators`, keyed by the requested URL.

    ``get`` returns None for a URL never stored. ``put`` replaces the whole
    record (every 200/304 calls it). Both may be called from several threads.
    The store implements this on SQLite (table ``http_cache``).
    """

    def get(self, url: str) -> Validators | None: ...

    def put(self, url: str, validators: Validators) -> None: ...


class MemoryValidatorCache:
    """A dict-backed ValidatorCache (tests, one-off runs)."""

    def __init__(self) -> None:
        self.entries: dict[str, Validators] = {}

    def get(self, url: str) -> Validators | None:
        return self.entries.get(url)

    def put(self, url: str, validators: Validators) -> None:
        self.entries[url] = validators  # one dict store: atomic under the GIL


# ---------------------------------------------------------------- robots.txt between runs


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredRobots:
    """One host's last robots.txt answer, as kept between processes."""

    status: int  # the last full answer (a 304 keeps the stored one)
    body: str | None  # the text, for a 2xx
    etag: str | None
    last_modified: str | None
    checked_at: datetime  # last fetched or revalidated
    expires: datetime  # trusted until then; revalidated after


class RobotsStore(Protocol):
    """Storage for :class:`StoredRobots` by host (``scheme://host[:port]``).

    Without one, every new process fetches each host's robots.txt again. The
    store implements it on SQLite (table ``robots_txt``).
    """

    def get(self, host: str) -> StoredRobots | None: ...

    def put(self, host: str, robots: StoredRobots) -> None: ...


# ---------------------------------------------------------------- charset decoding

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]+encoding\s*=\s*[\"']([\w.:-]+)", re.I)


def decode_body(content: bytes, content_type: str | None) -> tuple[str, str]:
    """Bytes -> (text, codec used). The order, and why:

    1. a BOM wins over everything (WHATWG "decode": a BOM is proof, a label is a claim);
    2. the HTTP header charset, then 3. ``<meta charset>`` / ``http-equiv`` / the
       XML declaration in the first 2 KB - each used only if the bytes decode
       strictly with it, so a header claiming utf-8 over cp1252 bytes (the
       "lying charset") falls through; and a single-byte label (latin-1,
       cp1252 ...) over bytes that are valid *multi-byte* UTF-8 yields to UTF-8,
       since such byte pairs almost never occur in real cp1252 Spanish text;
    4. UTF-8 (strict); 5. cp1252 (WHATWG's meaning of "latin-1"); 6. latin-1,
       which cannot fail, for the five bytes cp1252 leaves undefined.
    """
    for bom, codec in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(codec, errors="replace"), codec
    for label, source in ((_header_charset(content_type), "header"), (_sniff_charset(content[:2048]), "document")):
        declared = _codec(label, in_document=source == "document")
        if declared is None:
            continue
        if _single_byte(declared) and not content.isascii() and _is_utf8(content):
            return content.decode("utf-8"), "utf-8"
        try:
            return content.decode(declared), declared
        except UnicodeDecodeError:
            log.debug("declared charset %s (%s) does not fit the bytes; trying the next rule", declared, source)
    for codec in ("utf-8", "cp1252"):
        try:
            return content.decode(codec), codec
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1"), "latin-1"


def _header_charset(content_type: str | None) -> str | None:
    match = _HEADER_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def _sniff_charset(head: bytes) -> str | None:
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _codec(label: str | None, *, in_document: bool) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in ("iso8859-1", "latin-1", "ascii"):
        return "cp1252"  # WHATWG: these labels mean windows-1252
    if in_document and name.startswith("utf-16"):
        return "utf-8"  # a document whose <meta> we could read as ASCII is not UTF-16 (WHATWG)
    return name


def _single_byte(codec: str) -> bool:
    return codec.startswith(("cp125", "iso8859", "mac-", "koi8")) or codec in ("latin-1", "cp437", "cp850")


def _is_utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# ---------------------------------------------------------------- body reading


class _Inflater:
    """Content-Encoding decoder with bounded output per step (a gzip bomb stops early)."""

    def __init__(self, coding: str, url: str):
        self.url = url
        coding = coding.strip().lower()
        self.z: zlib._Decompress | None = None
        self.deflate = coding == "deflate"
        if coding in ("gzip", "x-gzip"):
            self.z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif coding not in ("", "identity", "deflate"):
            raise FetchError(url, f"unsupported Content-Encoding {coding!r}")

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self.deflate and self.z is None and data:
            zlib_wrapped = len(data) > 1 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self.z = zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)
        if self.z is None:
            yield data
            return
        try:
            while True:
                out = self.z.decompress(data, _CHUNK)
                data = self.z.unconsumed_tail
                if out:
                    yield out
                if self.z.eof or (not data and len(out) < _CHUNK):
                    return
        except zlib.error as exc:
            raise FetchError(self.url, f"corrupt compressed body ({exc})") from None


def _read_capped(response: httpx.Response, limit: int, url: str, deadline: float) -> bytes:
    """The decoded body, or TooLarge past ``limit`` bytes / TimedOut past ``deadline`` (monotonic)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(url, f"Content-Length {declared} bytes is over the {limit}-byte cap")
    inflater = _Inflater(response.headers.get("content-encoding", ""), url)
    parts: list[bytes] = []
    size = 0
    for raw in response.iter_raw():  # as the network delivers (a chunk_size would buffer a trickle)
        if time.monotonic() > deadline:  # read_timeout is per read: a trickle would never trip it
            raise TimedOut(url, "body still arriving at the total deadline")
        for piece in inflater.feed(raw):
            size += len(piece)
            if size > limit:
                raise TooLarge(url, f"body over the {limit}-byte cap (decoded)")
            parts.append(piece)
    return b"".join(parts)


# ---------------------------------------------------------------- responses and failures


@dataclass(frozen=True, slots=True)
class _Raw:
    url: str
    status: int
    headers: dict[str, str]
    content: bytes


@dataclass(frozen=True, slots=True)
class _Failure:
    error: FetchError
    retry: bool  # worth another attempt
    host_down: bool  # on giving up, skip this host for DOWN_FOR


_CHALLENGE_MARKERS = (
    b"<title>just a moment...</title>",
    b"/cdn-cgi/challenge-platform/",
    b"_cf_chl_opt",
    b"attention required! | cloudflare",
    b"ddos-guard",
    b"checking your browser before accessing",
)
_STRONG_MARKERS = (b"/cdn-cgi/challenge-platform/", b"_cf_chl_opt")


def is_challenge(status: int, headers: dict[str, str], content: bytes) -> bool:
    """An anti-bot interstitial, not the page. On a 200 only unambiguous markers count."""
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return True
    head = content[:16384].lower()
    markers = _STRONG_MARKERS if status < 300 else _CHALLENGE_MARKERS
    return any(marker in head for marker in markers)


def _transport_failure(url: str, exc: httpx.TransportError) -> _Failure:
    if isinstance(exc, httpx.ConnectTimeout):
        return _Failure(TimedOut(url, "connect timed out"), retry=True, host_down=True)
    if isinstance(exc, httpx.TimeoutException):
        return _Failure(TimedOut(url, f"{type(exc).__name__} (no answer in time)"), retry=True, host_down=False)
    if isinstance(exc, httpx.ConnectError):
        dns = _caused_by(exc, socket.gaierror)  # a name that does not resolve will not resolve in 2 s either
        return _Failure(Unreachable(url, f"cannot connect ({exc})"), retry=not dns, host_down=True)
    if isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)):
        return _Failure(Unreachable(url, f"connection broke ({str(exc) or type(exc).__name__})"), retry=True, host_down=False)
    return _Failure(FetchError(url, f"{type(exc).__name__}: {exc}"), retry=False, host_down=False)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


def raise_for_status(raw: _Raw, url: str) -> None:
    """Map a final (non-redirect) response to the error tree; return for usable pages."""
    status, challenge = raw.status, is_challenge(raw.status, raw.headers, raw.content)
    if challenge:
        raise Blocked(url, f"blocked ({status} + challenge page)", status=status)
    if 200 <= status < 300 or status == 304:
        return
    if status in (403, 451):
        raise Blocked(url, f"blocked ({status})", status=status)
    if status >= 500:
        raise ServerError(url, f"http {status}", status=status)
    if 400 <= status < 500:
        raise ClientError(url, f"http {status}", status=status)
    raise FetchError(url, f"unexpected http {status}", status=status)


# ---------------------------------------------------------------- where an outlet may fetch, and for how long


@dataclass(frozen=True, slots=True)
class OutletScope:
    """One outlet run's limits: its hosts, its run-time budget and the process's stop flag."""

    sites: frozenset[str]  # urls.site_of form: base_url's host and allowed_hosts
    until: float | None = None  # time.monotonic() deadline of the run (max_run_time)
    budget: str = ""  # the budget as configured, for messages ("20m")
    stop: threading.Event | None = None

    @classmethod
    def of(cls, outlet: OutletConfig, *, stop: threading.Event | None = None) -> OutletScope:
        seconds = outlet.max_run_time.total_seconds()
        return cls(sites=frozenset({site_of(outlet.base_url), *outlet.allowed_hosts}),
                   until=time.monotonic() + seconds, budget=f"{seconds:g}s", stop=stop)

    def allows(self, url: str) -> bool:
        try:
            return site_of(url) in self.sites
        except ValueError:
            return False

    def check(self, url: str) -> None:
        """Raise when no further request may start: stopped, or the run's time is up."""
        if self.stop is not None and self.stop.is_set():
            raise Interrupted(getattr(self.stop, "reason", "a stop request"))
        if self.until is not None and time.monotonic() >= self.until:
            raise RunTimeExceeded(f"max_run_time {self.budget}")


Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system's resolver: /etc/hosts, DNS)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refused_address(address: str) -> str | None:
    """Why monitor must not connect to ``address`` (a private/internal one), or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for name, test in (("loopback", ip.is_loopback), ("link-local", ip.is_link_local),
                       ("multicast", ip.is_multicast), ("private", ip.is_private),
                       ("reserved", ip.is_reserved or ip.is_unspecified or not ip.is_global)):
        if test:
            return name
    return None


class _AddressRefused(Exception):
    """Raised inside the connection pool; the fetcher turns it into PrivateAddress for the URL."""

    def __init__(self, host: str, address: str, why: str):
        self.host, self.address, self.why = host, address, why
        super().__init__(f"{host} is a {why} address" if host == address else f"{host} resolves to {address} ({why})")


class _DeadlinePassed(Exception):
    """The request's total deadline passed mid-read; the fetcher raises TimedOut (no retry)."""


_request = threading.local()  # .until: the monotonic deadline of this thread's request in flight


def _remaining(timeout: float | None) -> float | None:
    until = getattr(_request, "until", None)
    if until is None:
        return timeout
    left = until - time.monotonic()
    if left <= 0:
        raise _DeadlinePassed()
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write ends by the request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return self._inner.read(max_bytes, _remaining(timeout))
        except httpcore.ReadTimeout:
            _remaining(None)  # raises _DeadlinePassed when that is why the read timed out
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _remaining(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _remaining(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.SyncBackend):
    """Resolve, check every address, connect to a checked one (never resolve twice)."""

    def __init__(self, *, allow_private: bool, resolver: Resolver = system_resolver,
                 classify: Callable[[str], str | None] = refused_address):
        self.allow_private = allow_private
        self.resolver = resolver
        self.classify = classify  # address -> why it is refused (tests: which address counts as public)

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        try:
            addresses = self.resolver(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not self.allow_private:
            for address in addresses:  # one internal answer is enough: a mixed answer is a rebinding trick
                why = self.classify(address)
                if why is not None:
                    raise _AddressRefused(host, address, why)
        error: Exception = httpcore.ConnectError(f"{host} resolved to no address")
        for address in addresses:
            try:
                stream = super().connect_tcp(address, port, _remaining(timeout), local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _DeadlineStream(stream)
        raise error


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport, its connection pool on a :class:`GuardedBackend`."""

    def __init__(self, backend: GuardedBackend, limits: httpx.Limits):
        # No super().__init__(): it builds a pool of its own, loading the CA bundle (~20 ms a
        # process) for a pool replaced here at once; HTTPTransport's methods use only _pool.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


# ---------------------------------------------------------------- the fetcher


def environment_proxies() -> dict[str, str]:
    """The HTTP(S) proxies set in the environment (as httpx would use them)."""
    return {scheme: url for scheme, url in urllib.request.getproxies().items() if scheme in ("http", "https", "all")}


def build_client(http: HttpConfig, *, transport: httpx.BaseTransport | None = None,
                 resolver: Resolver = system_resolver) -> httpx.Client:
    """The one shared client. Redirects are followed by Fetcher (robots + pacing per hop);
    connections go through a :class:`GuardedBackend` unless a ``transport`` is given."""
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
    if transport is None and environment_proxies():
        # httpx uses HTTP(S)_PROXY only without a custom transport; behind a proxy it resolves and connects.
        log.info("an HTTP proxy is configured (%s): the proxy checks no addresses; outlets' hosts still apply",
                 ", ".join(sorted(environment_proxies())))
    elif transport is None:
        transport = GuardedTransport(GuardedBackend(allow_private=http.allow_private_addresses, resolver=resolver),
                                     limits)
    return httpx.Client(
        headers=_default_headers(http),
        timeout=_timeout(http),
        follow_redirects=False,
        transport=transport,
        limits=limits,
    )


def _default_headers(http: HttpConfig) -> dict[str, str]:
    # Only codings _Inflater can bound (httpx would add br/zstd when those libraries are installed).
    return {"User-Agent": http.user_agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}


def _timeout(http: HttpConfig) -> httpx.Timeout:
    return httpx.Timeout(connect=http.connect_timeout, read=http.read_timeout, write=http.read_timeout, pool=http.connect_timeout + http.read_timeout)


class Fetcher:
    """Polite, bounded, thread-safe GETs. One per process; use as a context manager.

    ``sleep`` is used for retry back-off only (tests record it); pacing between
    requests to a host always waits in real time. ``body_deadline`` bounds one
    request in total (default ``[http] request_deadline``). ``client`` may be injected
    (then the caller closes it); our headers and timeouts are sent per request.
    ``stop`` (set on SIGINT/SIGTERM) refuses new requests and cuts waits short;
    ``resolver`` replaces the system's name lookup (tests: a name for 127.0.0.1).
    """

    def __init__(
        self,
        http: HttpConfig,
        *,
        cache: ValidatorCache | None = None,
        robots_store: RobotsStore | None = None,
        now: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        rng: random.Random | None = None,
        down_for: float = DOWN_FOR,
        body_deadline: float | None = None,
        stop: threading.Event | None = None,
        resolver: Resolver = system_resolver,
    ):
        self.http = http
        self.cache = cache
        self.robots_store = robots_store
        self._now = now
        self._stop = stop
        self._sleep = sleep if sleep is not time.sleep else self._pause
        self._owns_client = client is None
        self._client = client if client is not None else build_client(http, transport=transport, resolver=resolver)
        self._headers = _default_headers(http)
        self._timeout = _timeout(http)
        self._rng = rng or random.Random()
        self._pacer = HostPacer(http.per_host_concurrency, sleep=self._pause)
        self._robots = RobotsCache()
        self._down = DownHosts(down_for)
        self._scopes: dict[str, OutletScope] = {}
        # Seconds one request may take in total: connect, headers and the last byte of the body.
        self._body_deadline = body_deadline if body_deadline is not None else http.request_deadline

    def _pause(self, seconds: float) -> None:
        """Wait, but not past a stop request."""
        if self._stop is not None:
            self._stop.wait(seconds)
        else:
            time.sleep(seconds)

    def confine(self, outlet: str, scope: OutletScope) -> None:
        """From now on, requests made for ``outlet`` stay within ``scope``."""
        self._scopes[outlet] = scope

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def forget_down_hosts(self) -> None:
        """Give every host another chance (e.g. at the start of a scheduled run)."""
        self._down.forget()

    # ------------------------------------------------------------ public

    def get(self, url: str, *, outlet: str | None = None, conditional: bool = False) -> Page:
        """Fetch ``url``; with ``conditional`` revalidate against the cache (see module doc)."""
        previous = self.cache.get(url) if conditional and self.cache is not None else None
        unconditional = previous is None or self._due_unconditional(previous)
        headers = {} if unconditional else _validator_headers(previous)
        raw = self._follow(url, headers, outlet)
        raise_for_status(raw, url)
        page = self._page(url, raw)
        if conditional and self.cache is not None:
            page = self._revalidate(page, previous, unconditional)
        return page

    # ------------------------------------------------------------ redirects, robots, down hosts

    def _follow(self, url: str, headers: dict[str, str], outlet: str | None, *, robots: bool = True) -> _Raw:
        current = url
        for _hop in range(self.http.max_redirects + 1):
            self._admit(current, outlet, robots=robots, origin=url)
            raw = self._with_retries(current, headers, outlet)
            location = raw.headers.get("location")
            if raw.status not in REDIRECTS or not location:
                return raw
            current = urljoin(current, location.strip()).split("#", 1)[0]
            log.debug("%s redirects to %s", raw.url, current, extra={"outlet": outlet})
        log.info("giving up on %s: more than %d redirects", url, self.http.max_redirects, extra={"outlet": outlet})
        raise TooManyRedirects(url, f"more than {self.http.max_redirects} redirects (last: {current})")

    def _admit(self, url: str, outlet: str | None, *, robots: bool, origin: str) -> None:
        """Refuse, before any request, what this outlet may not fetch now (module doc, 0-2)."""
        scope = self._scopes.get(outlet) if outlet is not None else None
        if scope is not None:
            scope.check(url)
        elif self._stop is not None and self._stop.is_set():
            raise Interrupted(getattr(self._stop, "reason", "a stop request"))
        redirected = url != origin
        if urlsplit(url).scheme not in ("http", "https"):
            if redirected:
                raise RedirectRefused(origin, f"redirects to {url[:120]}, not an http(s) URL")
            raise Refused(url, "not an http(s) URL")
        if scope is not None and not scope.allows(url):
            if redirected:
                raise RedirectRefused(origin, f"redirects to {url[:200]}: {site_of(url)} is not one of the outlet's "
                                              "hosts (base_url, allowed_hosts)")
            raise OffSite(url, f"{site_of(url)} is not one of the outlet's hosts (base_url, allowed_hosts)")
        host = host_key(url)
        down = self._down.why_down(host)
        if down is not None:
            raise HostDown(url, f"skipped: {host} failed earlier ({down})")
        if robots and self.http.respect_robots:
            rules = self._robots_rules(host, outlet)
            if not rules.allows(url, self.http.user_agent):
                raise RobotsDisallowed(url, f"disallowed by robots.txt{' (' + rules.note + ')' if rules.note else ''}")

    def _robots_rules(self, host: str, outlet: str | None) -> RobotsRules:
        rules = self._robots.get(host)
        if rules is not None:
            return rules
        with self._robots.fetch_lock(host):  # concurrent threads: one fetch, the rest wait for it
            rules = self._robots.get(host)
            if rules is None:
                rules, ttl = self._load_robots(host, outlet)
                self._robots.put(host, rules, ttl)
        return rules

    def _load_robots(self, host: str, outlet: str | None) -> tuple[RobotsRules, float]:
        """The stored answer while it is fresh, else fetch (revalidating what is stored).

        RFC 9309 / Google: 2xx parse; 4xx allow all; 429/5xx disallow all for a
        while. A network failure or timeout is raised as itself (and the host
        marked down), so the outlet reports "unreachable"/"timeout", not "robots".
        """
        stored = self.robots_store.get(host) if self.robots_store is not None else None
        now = self._now()
        if stored is not None and stored.expires > now:
            return _robots_rules(stored.status, stored.body), (stored.expires - now).total_seconds()
        url = host + "/robots.txt"
        revalidate = stored is not None and 200 <= stored.status < 300
        headers = _validator_headers(stored) if revalidate else {}
        try:
            raw = self._follow(url, headers, outlet, robots=False)
        except TooManyRedirects:
            return RobotsRules(allow_all=True, note="robots.txt redirect loop"), ROBOTS_TTL  # RFC 9309: unavailable
        except RedirectRefused:  # to another host: not ours to fetch, so robots.txt is unavailable (RFC 9309)
            return RobotsRules(allow_all=True, note="robots.txt redirects off-site"), ROBOTS_TTL
        except TimedOut as exc:
            self._down.mark(host, f"robots.txt: {exc}")
            raise
        if raw.status == 304 and stored is not None and revalidate:
            record = replace(stored, checked_at=now, expires=now + timedelta(seconds=ROBOTS_TTL))
            log.debug("%s not modified, kept for %.0f h", url, ROBOTS_TTL / 3600, extra={"outlet": outlet})
        else:
            ok = 200 <= raw.status < 300
            body = decode_body(raw.content, raw.headers.get("content-type"))[0] if ok else None
            error = not ok and not (400 <= raw.status < 500 and raw.status != 429)
            ttl = ROBOTS_ERROR_TTL if error else ROBOTS_TTL
            record = StoredRobots(status=raw.status, body=body, etag=raw.headers.get("etag") if ok else None,
                                  last_modified=raw.headers.get("last-modified") if ok else None,
                                  checked_at=now, expires=now + timedelta(seconds=ttl))  # fmt: skip
            if error:
                log.warning("%s answered %d: treating the host as disallowed for %.0f min", url, raw.status, ttl / 60, extra={"outlet": outlet})
        if self.robots_store is not None:
            self.robots_store.put(host, record)
        return _robots_rules(record.status, record.body), (record.expires - now).total_seconds()

    def _interval(self, host: str) -> float:
        rules = self._robots.get(host) if self.http.respect_robots else None
        delay = rules.crawl_delay(self.http.user_agent) if rules is not None else None
        return max(self.http.per_host_interval, min(delay or 0.0, MAX_CRAWL_DELAY))

    # ------------------------------------------------------------ retries

    def _with_retries(self, url: str, headers: dict[str, str], outlet: str | None) -> _Raw:
        last = self.http.retries
        for attempt in range(last + 1):
            raw, failure = self._try_once(url, headers, outlet)
            delay, why = self._retry_delay(attempt, raw, failure)
            if delay is None or attempt == last:
                return self._settle(url, raw, failure, attempt + 1, why if delay is None else "", outlet)
            log.debug("%s: %s; retry %d of %d in %.2fs", url, why, attempt + 1, last, delay, extra={"outlet": outlet})
            self._sleep(delay)
        raise AssertionError("unreachable")  # the loop always returns on its last attempt

    def _try_once(self, url: str, headers: dict[str, str], outlet: str | None) -> tuple[_Raw | None, _Failure | None]:
        try:
            return self._attempt(url, headers, outlet), None
        except httpx.TransportError as exc:
            failure = _transport_failure(url, exc)
            log.debug("%s: %s", url, failure.error, extra={"outlet": outlet})
            return None, failure

    def _attempt(self, url: str, headers: dict[str, str], outlet: str | None) -> _Raw:
        host = host_key(url)
        try:
            request = self._client.build_request("GET", url, headers={**self._headers, **headers}, timeout=self._timeout)
        except httpx.InvalidURL as exc:
            raise ClientError(url, f"invalid URL ({exc})") from None
        with self._pacer.slot(host, self._interval(host)):
            scope = self._scopes.get(outlet) if outlet is not None else None
            if scope is not None:
                scope.check(url)  # a stop or the run's end may have come while waiting for the slot
            started = time.monotonic()
            deadline = started + self._body_deadline
            if scope is not None and scope.until is not None:
                deadline = min(deadline, scope.until)
            _request.until = deadline
            try:
                response = self._client.send(request, stream=True, follow_redirects=False)
                try:
                    content = b"" if response.status_code in (204, 304) else _read_capped(response, self.http.max_bytes, url, deadline)
                finally:
                    response.close()
            except (_DeadlinePassed, TimedOut) as exc:
                if scope is not None and deadline == scope.until:  # the run's time ran out, not this request's
                    raise RunTimeExceeded(f"max_run_time {scope.budget}", in_flight=True) from None
                if isinstance(exc, TimedOut):
                    raise
                raise TimedOut(url, f"no complete answer within {deadline - started:.0f}s (request_deadline: "
                                    "connect, headers and body together)") from None
            except _AddressRefused as exc:
                raise PrivateAddress(url, f"{exc}: refused (set [http] allow_private_addresses = true only for "
                                          "local test sites)") from None
            finally:
                _request.until = None
        log.debug("GET %s -> %d, %d bytes, %.2fs", url, response.status_code, len(content), time.monotonic() - started, extra={"outlet": outlet})
        return _Raw(url, response.status_code, {k.lower(): v for k, v in response.headers.items()}, content)

    def _retry_delay(self, attempt: int, raw: _Raw | None, failure: _Failure | None) -> tuple[float | None, str]:
        """Seconds to wait before the next attempt, or None when retrying is pointless."""
        if failure is not None:
            return (self._backoff(attempt) if failure.retry else None), str(failure.error)
        assert raw is not None
        if not (raw.status == 429 or raw.status >= 500) or is_challenge(raw.status, raw.headers, raw.content):
            return None, ""
        wait = _retry_after(raw.headers.get("retry-after"), self._now())
        if wait is None:
            return self._backoff(attempt), f"http {raw.status}"
        if wait > self.http.max_backoff:  # coming back early would be rude and futile
            return None, f"http {raw.status}, Retry-After {wait:.0f}s is over max_backoff"
        return wait, f"http {raw.status}, Retry-After {wait:.0f}s"

    def _backoff(self, attempt: int) -> float:
        base = min(self.http.max_backoff, self.http.backoff * 2**attempt)
        return base * self._rng.uniform(0.5, 1.0)

    def _settle(self, url: str, raw: _Raw | None, failure: _Failure | None, attempts: int, why: str, outlet: str | None) -> _Raw:
        """The last attempt's result: a failure is raised, a response returned."""
        if failure is not None:
            if failure.host_down:
                self._down.mark(host_key(url), str(failure.error))
            log.info("giving up on %s after %d attempt(s): %s", url, attempts, failure.error, extra={"outlet": outlet})
            raise failure.error
        assert raw is not None
        if raw.status == 429 or raw.status >= 500:
            log.info("giving up on %s after %d attempt(s): %s", url, attempts, why or f"http {raw.status}", extra={"outlet": outlet})
        return raw

    # ------------------------------------------------------------ pages and validators

    def _page(self, url: str, raw: _Raw) -> Page:
        text, encoding = decode_body(raw.content, raw.headers.get("content-type"))
        return Page(
            url=url,
            final_url=raw.url,
            status=raw.status,
            headers=raw.headers,
            content=raw.content,
            text=text,
            encoding=encoding,
            fetched_at=self._now(),
            not_modified=raw.status == 304,
            etag=raw.headers.get("etag"),
            last_modified=raw.headers.get("last-modified"),
        )

    def _due_unconditional(self, previous: Validators) -> bool:
        if previous.unconditional_at is None:
            return True
        return self._now() - previous.unconditional_at >= self.http.unconditional_every

    def _revalidate(self, page: Page, previous: Validators | None, unconditional: bool) -> Page:
        """Refresh the validators from every 200/304; a 200 with the old body hash is not modified."""
        assert self.cache is not None and page.fetched_at is not None
        if page.status == 304:
            validators = Validators(
                etag=page.etag or (previous.etag if previous else None),
                last_modified=page.last_modified or (previous.last_modified if previous else None),
                body_hash=previous.body_hash if previous else None,
                checked_at=page.fetched_at,
                unconditional_at=previous.unconditional_at if previous else None,
            )
        else:
            validators = Validators(
                etag=page.etag,
                last_modified=page.last_modified,
                body_hash=page.body_hash,
                checked_at=page.fetched_at,
                unconditional_at=page.fetched_at if unconditional or previous is None else previous.unconditional_at,
            )
            if previous is not None and previous.body_hash == page.body_hash:
                page = replace(page, not_modified=True)
        self.cache.put(page.url, validators)
        return page


def _robots_rules(status: int, body: str | None) -> RobotsRules:
    if 200 <= status < 300:
        return RobotsRules(allow_all=True, parser=Protego.parse(body or ""))
    if 400 <= status < 500 and status != 429:
        return replace(ALLOW_ALL, note=f"robots.txt {status}")
    return RobotsRules(allow_all=False, note=f"robots.txt answered {status}")


def _validator_headers(previous: Validators | StoredRobots | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if previous is not None and previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous is not None and previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    return headers
