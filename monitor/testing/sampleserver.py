"""Fixture web servers: one ThreadingHTTPServer per site folder on 127.0.0.1.

Each site gets its own port, so per-host politeness and robots.txt are per site
as on the real web. Routing follows ``sample_sites/README.md`` exactly:
``routes*.toml`` tables keyed by request target (query compared after parsing,
sorting and re-encoding), else a file under the folder, else 404. ``{{BASE}}``
in text files becomes the site's base URL; files carry ETag/Last-Modified and
conditional requests get 304.

Every site also answers the misbehaving endpoints under ``/_trouble/`` (see
``TROUBLE``), generated here so no fixture file can drift from them. Endpoints
that fail "then" succeed count requests per request target, so a test can use
``?k=...`` to get a fresh counter; ``?times=N`` sets how many failures come
before each success.

    python -m monitor.testing.sampleserver      # serve every bundled site until Ctrl-C
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import mimetypes
import re
import socket
import struct
import threading
import time
import tomllib
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NamedTuple
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

log = logging.getLogger(__name__)

SAMPLE_SITES = Path(__file__).with_name("sample_sites")
TEXT_SUFFIXES = {".html", ".htm", ".xml", ".rss", ".atom", ".txt", ".json", ".csv", ".css", ".js", ".xsl"}
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
}
SPANISH = "Política, niños, trata de personas, información"


# ---------------------------------------------------------------- targets and routes


def normalise_target(target: str) -> str:
    """``/a%20b?y=2&x=1`` and ``/a b?x=1&y=2`` compare equal (README "Routes")."""
    parts = urlsplit(target)
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=-._~")
    if not parts.query:
        return path
    pairs = sorted(parse_qsl(parts.query, keep_blank_values=True))
    return f"{path}?{urlencode(pairs)}"


@dataclass(frozen=True, slots=True)
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    conditional: bool = False  # answer If-None-Match / If-Modified-Since with 304


@dataclass(frozen=True, slots=True)
class Route:
    file: str | None
    type: str | None = None
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()


def load_routes(folder: Path) -> dict[str, Route]:
    routes: dict[str, Route] = {}
    for path in sorted(folder.glob("routes*.toml")):
        with path.open("rb") as handle:
            tables = tomllib.load(handle)
        for target, spec in tables.items():
            routes[normalise_target(target)] = _route(path, target, spec)
    return routes


def _route(path: Path, target: str, spec: Any) -> Route:
    if not isinstance(spec, dict):
        raise ValueError(f"{path.name}: [{target!r}] must be a table")
    unknown = set(spec) - {"file", "type", "status", "headers"}
    if unknown:
        raise ValueError(f"{path.name}: [{target!r}]: unknown keys {sorted(unknown)}")
    headers = tuple((str(k), str(v)) for k, v in spec.get("headers", {}).items())
    return Route(file=spec.get("file"), type=spec.get("type"), status=int(spec.get("status", 200)), headers=headers)


def content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class LoggedRequest(NamedTuple):
    method: str
    target: str  # as sent, path plus query
    headers: dict[str, str]  # lower-cased names
    time: float  # time.monotonic() when the request line and headers were read


# ---------------------------------------------------------------- one site


class SiteServer(ThreadingHTTPServer):
    """One site folder served on its own port; keeps a request log for tests."""

    daemon_threads = True

    def __init__(self, name: str, folder: Path):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.name = name
        self.folder = folder
        self.base_url = f"http://127.0.0.1:{self.server_address[1]}"
        self._lock = threading.Lock()
        self._log: list[LoggedRequest] = []
        self._counts: dict[str, int] = {}
        self._overrides: dict[str, Response] = {}
        self._in_flight = 0
        self.peak_in_flight = 0
        self._arrived = threading.Condition(self._lock)

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def request_log(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()
            self.peak_in_flight = 0

    def set_override(self, target: str, *, status: int = 200, body: bytes | str = b"", headers: dict[str, str] | None = None) -> None:
        """Answer ``target`` with this response (ETag/304 as for files) until ``clear_override``."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        response = Response(status, data, dict(headers or {"Content-Type": "text/html; charset=utf-8"}), conditional=True)
        with self._lock:
            self._overrides[normalise_target(target)] = response

    def clear_override(self, target: str) -> None:
        with self._lock:
            self._overrides.pop(normalise_target(target), None)

    def count(self, key: str) -> int:
        """How many times ``key`` was asked for before this call (0 the first time)."""
        with self._lock:
            seen = self._counts.get(key, 0)
            self._counts[key] = seen + 1
            return seen

    def override(self, target: str) -> Response | None:
        with self._lock:
            return self._overrides.get(target)

    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log.append(entry)
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
            self._arrived.notify_all()

    def wait_in_flight(self, count: int, timeout: float) -> bool:
        """Block until ``count`` requests are being answered at once (False after ``timeout`` s)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: self._in_flight >= count, timeout)

    def done(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-answer (timeouts, size caps) are expected here.
        log.debug("sample site %s: connection from %s ended badly", self.name, client_address, exc_info=True)


# ---------------------------------------------------------------- the handler


class _Handler(BaseHTTPRequestHandler):
    server: SiteServer
    protocol_version = "HTTP/1.0"  # one request per connection: simple, and concurrency is visible
    server_version = "monitor-sample/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sample site %s: " + format, self.server.name, *args)

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.record(LoggedRequest(self.command, self.path, headers, time.monotonic()))
        try:
            target = normalise_target(self.path)
            if target.startswith("/_trouble/"):
                _trouble(self, target)
                return
            self._answer(resolve(self.server, target), head)
        finally:
            self.server.done()

    def _answer(self, response: Response, head: bool) -> None:
        if response.conditional and response.status == 200 and _fresh(self.headers, response.headers):
            response = Response(304, b"", {k: v for k, v in response.headers.items() if k in ("ETag", "Last-Modified")})
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 304:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if not head and response.status != 304:
            self.wfile.write(response.body)

    def stream(self, status: int, headers: dict[str, str], chunks: Iterable[bytes], length: int | None) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        for chunk in chunks:
            self.wfile.write(chunk)

    def reset(self) -> None:
        """Close with a TCP RST and no answer at all."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True


def _fresh(request_headers: Any, headers: dict[str, str]) -> bool:
    etag = headers.get("ETag")
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or (etag is not None and etag.removeprefix("W/") in tags)
    since, modified = request_headers.get("If-Modified-Since"), headers.get("Last-Modified")
    if since and modified:
        try:
            return email.utils.parsedate_to_datetime(modified) <= email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def resolve(server: SiteServer, target: str) -> Response:
    """README "Routes": override, routes*.toml, a file under the folder, else 404."""
    override = server.override(target)
    if override is not None:
        return override
    route = load_routes(server.folder).get(target)  # read per request: tests edit files live
    if route is not None:
        return _from_route(server, route)
    path = _file_under(server.folder, urlsplit(target).path)
    if path is None:
        return _not_found(target)
    return _file_response(server, path, content_type(path), 200, {})


def _from_route(server: SiteServer, route: Route) -> Response:
    headers = {k: v.replace("{{BASE}}", server.base_url) for k, v in route.headers}
    if route.file is None:
        return Response(route.status, b"", headers)
    path = _file_under(server.folder, "/" + route.file)
    if path is None:
        raise FileNotFoundError(f"{server.folder}: route file {route.file!r} is missing")
    return _file_response(server, path, route.type or content_type(path), route.status, headers)


def _file_under(folder: Path, url_path: str) -> Path | None:
    relative = unquote(url_path).lstrip("/")
    if not relative or Path(relative).name.startswith("routes") and relative.endswith(".toml"):
        return None
    path = (folder / relative).resolve()
    if not path.is_file() or not path.is_relative_to(folder.resolve()):
        return None
    return path


def _file_response(server: SiteServer, path: Path, type_: str, status: int, extra: dict[str, str]) -> Response:
    body = path.read_bytes()
    if path.suffix.lower() in TEXT_SUFFIXES:
        body = body.replace(b"{{BASE}}", server.base_url.encode("ascii"))
    headers = {
        "Content-Type": type_,
        "ETag": '"' + hashlib.sha1(body).hexdigest()[:20] + '"',
        "Last-Modified": email.utils.formatdate(path.stat().st_mtime, usegmt=True),
        **extra,
    }
    return Response(status, body, headers, conditional=True)


def _not_found(target: str) -> Response:
    body = f"<!doctype html><title>404 Not Found</title><h1>Not found</h1><p>{target}</p>".encode()
    return Response(404, body, {"Content-Type": "text/html; charset=utf-8"})


# ---------------------------------------------------------------- /_trouble/


def _html(body: str, title: str = "Sample") -> str:
    return f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"


def _query(target: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(target).query, keep_blank_values=True))


def _failing(handler: _Handler, target: str) -> bool:
    """True for the first ``times`` requests of every ``times + 1`` to this exact target."""
    times = int(_query(target).get("times", "1"))
    return handler.server.count(target) % (times + 1) < times


def _ok(handler: _Handler, text: str = "<p>ok</p>") -> None:
    handler._answer(Response(200, _html(text).encode(), {"Content-Type": "text/html; charset=utf-8"}), False)


CHALLENGE_HTML = (
    "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title>"
    '<meta http-equiv="refresh" content="390"></head><body class="no-js">'
    '<div class="main-wrapper" role="main"><div class="main-content">'
    "<h1>Checking if the site connection is secure</h1>"
    '<noscript><div id="challenge-error-title">Enable JavaScript and cookies to continue</div></noscript>'
    "</div></div><script>(function(){window._cf_chl_opt={cType: 'managed'};"
    "var a=document.createElement('script');a.src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1';"
    "document.getElementsByTagName('head')[0].appendChild(a);}());</script></body></html>"
)


def _challenge(handler: _Handler, target: str) -> None:
    headers = {"Content-Type": "text/html; charset=UTF-8", "Server": "cloudflare", "cf-mitigated": "challenge"}
    handler._answer(Response(403, CHALLENGE_HTML.encode(), headers), False)


def _stub(handler: _Handler, target: str) -> None:
    _ok(handler, '<div id="app"></div><noscript>Please enable JavaScript.</noscript>')


def _too_many(handler: _Handler, target: str) -> None:
    if not _failing(handler, target):
        _ok(handler)
        return
    retry_after = _query(target).get("retry_after", "1")
    if retry_after.startswith("date:"):  # an HTTP-date that many seconds ahead
        retry_after = email.utils.formatdate(time.time() + float(retry_after[5:]), usegmt=True)
    headers = {"Content-Type": "text/html", "Retry-After": retry_after}
    handler._answer(Response(429, _html("<h1>Too Many Requests</h1>").encode(), headers), False)


def _flaky(handler: _Handler, target: str) -> None:
    if _failing(handler, target):
        handler._answer(Response(500, _html("<h1>Internal Server Error</h1>").encode(), {"Content-Type": "text/html"}), False)
    else:
        _ok(handler)


def _always500(handler: _Handler, target: str) -> None:
    code = int(_query(target).get("code", "500"))
    handler._answer(Response(code, _html("<h1>Server Error</h1>").encode(), {"Content-Type": "text/html"}), False)


def _status(handler: _Handler, target: str) -> None:
    code = int(_query(target).get("code", "404"))
    handler._answer(Response(code, _html(f"<h1>{code}</h1>").encode(), {"Content-Type": "text/html"}), False)


def _slow(handler: _Handler, target: str) -> None:
    time.sleep(float(_query(target).get("seconds", "2")))
    _ok(handler, "<p>finally</p>")


def _gate(handler: _Handler, target: str) -> None:
    """``?n=N&hold=S``: answer once N requests are in flight together (or after 5 s), S seconds later.

    Makes "the client sends N at once" observable without racing the client's threads.
    """
    query = _query(target)
    handler.server.wait_in_flight(int(query.get("n", "1")), timeout=5.0)
    time.sleep(float(query.get("hold", "0.1")))
    _ok(handler, "<p>through the gate</p>")


def _slow_article(handler: _Handler, target: str) -> None:
    """``?n=N&seconds=S``: a complete article page (report N), after S seconds."""
    query = _query(target)
    time.sleep(float(query.get("seconds", "1")))
    n = int(query.get("n", "0"))
    paragraphs = "".join(f"<p>Paragraph {p} of slow report {n}: the ministry published figures on shipping.</p>"
                         for p in range(4))
    page = (f'<!doctype html><html lang="en"><head><title>Slow report {n}</title>'
            f'<link rel="canonical" href="{handler.server.base_url}/_trouble/slow-article?n={n}">'
            f'<meta property="article:published_time" content="2026-11-02T10:{n % 60:02d}:00Z"></head>'
            f"<body><article><h1>Slow report number {n}</h1>{paragraphs}</article></body></html>")
    handler._answer(Response(200, page.encode(), {"Content-Type": "text/html; charset=utf-8"}), False)


def _trickle_headers(handler: _Handler, target: str) -> None:
    """``?bytes=N&every=S``: the status line, then a header one byte every S seconds (never a body)."""
    query = _query(target)
    count, every = int(query.get("bytes", "100")), float(query.get("every", "0.1"))
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    for _ in range(count):
        time.sleep(every)
        handler.wfile.write(b"x")
        handler.wfile.flush()
    handler.close_connection = True


def _redirect(handler: _Handler, target: str) -> None:
    """``?to=URL``: a 302 to anywhere (another host, 169.254.169.254, a non-http scheme)."""
    handler._answer(Response(302, b"", {"Location": _query(target).get("to", "/")}), False)


def _loop(handler: _Handler, target: str) -> None:
    step = int(_query(target).get("n", "0"))
    location = f"/_trouble/loop?n={(step + 1) % 2}"  # /loop?n=0 -> ?n=1 -> ?n=0 ...
    handler._answer(Response(302, b"", {"Location": location}), False)


def _hops(handler: _Handler, target: str) -> None:
    """``/_trouble/hops?n=3`` redirects three times, then answers."""
    left = int(_query(target).get("n", "1"))
    if left <= 0:
        _ok(handler, "<p>arrived</p>")
        return
    handler._answer(Response(301, b"", {"Location": f"{handler.server.base_url}/_trouble/hops?n={left - 1}"}), False)


def _big(handler: _Handler, target: str) -> None:
    size = int(float(_query(target).get("mb", "8")) * 1_000_000)
    chunk = b"<p>" + b"x" * 65_529 + b"</p>\n"

    def chunks() -> Iterator[bytes]:
        sent = 0
        while sent < size:
            piece = chunk[: size - sent]
            sent += len(piece)
            yield piece

    headers = {"Content-Type": "text/html; charset=utf-8"}
    if "no_length" in _query(target):
        handler.stream(200, headers, chunks(), None)
    else:
        handler.stream(200, headers, chunks(), size)


def _trickle(handler: _Handler, target: str) -> None:
    """``?bytes=N&every=S``: one byte every S seconds (each read is quick; the whole never ends)."""
    query = _query(target)
    count, every = int(query.get("bytes", "100")), float(query.get("every", "0.1"))

    def drip() -> Iterator[bytes]:
        for _ in range(count):
            time.sleep(every)
            yield b"."

    handler.stream(200, {"Content-Type": "text/html; charset=utf-8"}, drip(), count)


@lru_cache(maxsize=4)
def gzip_bomb(megabytes: int) -> bytes:
    """``megabytes`` MB of zeros, gzipped (about a thousand times smaller on the wire)."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * 1_000_000
    return b"".join([*(packer.compress(block) for _ in range(megabytes)), packer.flush()])


def _gzip_bomb(handler: _Handler, target: str) -> None:
    body = gzip_bomb(int(_query(target).get("mb", "32")))
    headers = {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}
    handler.stream(200, headers, [body], len(body))


def _spanish_page(meta: str = "") -> str:
    return (
        f"<!doctype html><html lang=\"es\"><head>{meta}<title>Trata de personas</title></head>"
        f"<body><article><h1>Trata de personas</h1><p>{SPANISH}.</p></article></body></html>"
    )


def _lying_charset(handler: _Handler, target: str) -> None:
    body = _spanish_page().encode("cp1252")
    handler._answer(Response(200, body, {"Content-Type": "text/html; charset=utf-8"}), False)


def _latin1_meta(handler: _Handler, target: str) -> None:
    if _query(target).get("style") == "http-equiv":
        meta = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
    else:
        meta = '<meta charset="windows-1252">'
    body = _spanish_page(meta).encode("cp1252")
    handler._answer(Response(200, body, {"Content-Type": "text/html"}), False)


def _cp1252_bare(handler: _Handler, target: str) -> None:
    handler._answer(Response(200, _spanish_page().encode("cp1252"), {"Content-Type": "text/html"}), False)


def _utf8_declared_latin1(handler: _Handler, target: str) -> None:
    """The reverse lie: header says iso-8859-1, bytes are UTF-8 (old Apache defaults)."""
    body = _spanish_page().encode("utf-8")
    handler._answer(Response(200, body, {"Content-Type": "text/html; charset=iso-8859-1"}), False)


def _bom(handler: _Handler, target: str) -> None:
    body = b"\xef\xbb\xbf" + _spanish_page().encode("utf-8")
    handler._answer(Response(200, body, {"Content-Type": "text/html; charset=iso-8859-1"}), False)


def _same_etag(handler: _Handler, target: str) -> None:
    n = handler.server.count(target)
    body = _html(f"<p>Edition {n}: {SPANISH}</p>").encode()
    headers = {"Content-Type": "text/html; charset=utf-8", "ETag": '"always-the-same"'}
    handler._answer(Response(200, body, headers), False)  # 200 even when If-None-Match matches


TRUNCATED_FEED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Noticias</title>'
    "<link>{base}/</link><description>Sample</description>"
    "<item><title>Cuba rechaza informe sobre trata de personas</title><link>{base}/uno/</link>"
    "<pubDate>Mon, 03 Jul 2023 10:00:00 -0400</pubDate></item>"
    "<item><title>Segunda noticia</title><link>{base}/dos/</li"
)


def _truncated_feed(handler: _Handler, target: str) -> None:
    body = TRUNCATED_FEED.format(base=handler.server.base_url).encode()
    handler._answer(Response(200, body, {"Content-Type": "application/rss+xml; charset=utf-8"}), False)


MALFORMED_HTML = (
    "<html><head><title>Roto</title><body><div class=\"article\"><h1>Trata de personas<h1>"
    "<p>Política, niños <b>y <i>información</b></i><p>sin cerrar<table><tr><td>celda</div>"
    "</span></article>&nbsp &amp <script>var x = '</div>"
)


def _malformed(handler: _Handler, target: str) -> None:
    handler._answer(Response(200, MALFORMED_HTML.encode(), {"Content-Type": "text/html; charset=utf-8"}), False)


def _reset(handler: _Handler, target: str) -> None:
    handler.reset()


TROUBLE: dict[str, Callable[[_Handler, str], None]] = {
    "challenge": _challenge,  # 403 + Cloudflare "Just a moment..."
    "stub": _stub,  # 200 without any article container
    "429": _too_many,  # 429 + Retry-After (?retry_after=N|date:N) `times` times, then 200
    "flaky": _flaky,  # 500 `times` times, then 200
    "always500": _always500,  # ?code=503 for another 5xx
    "status": _status,  # ?code=N: any status with a small page (404, 410, 451 ...)
    "slow": _slow,  # ?seconds=N before answering
    "gate": _gate,  # ?n=N: waits for N requests in flight at once, then ?hold=S seconds
    "slow-article": _slow_article,  # ?n=N&seconds=S: a real article page, after S seconds
    "redirect": _redirect,  # ?to=URL: 302 to anywhere
    "loop": _loop,  # redirect loop
    "hops": _hops,  # ?n=N redirects, then 200
    "big": _big,  # ?mb=8 of HTML, streamed (?no_length to omit Content-Length)
    "trickle": _trickle,  # ?bytes=N&every=S: one byte at a time
    "trickle-headers": _trickle_headers,  # ?bytes=N&every=S: the headers one byte at a time
    "gzip-bomb": _gzip_bomb,  # ?mb=32 of zeros, gzipped
    "lying-charset": _lying_charset,  # header utf-8, bytes cp1252
    "latin1-meta": _latin1_meta,  # no header charset, <meta charset=windows-1252> (?style=http-equiv)
    "cp1252-bare": _cp1252_bare,  # cp1252 with no declaration anywhere
    "utf8-declared-latin1": _utf8_declared_latin1,  # header iso-8859-1, bytes UTF-8
    "bom": _bom,  # UTF-8 BOM, header iso-8859-1
    "same-etag": _same_etag,  # same ETag, new content each time
    "truncated-feed": _truncated_feed,  # RSS cut mid-element
    "malformed": _malformed,  # broken HTML
    "reset": _reset,  # TCP reset, no answer
}


def _trouble(handler: _Handler, target: str) -> None:
    name = urlsplit(target).path.removeprefix("/_trouble/").strip("/")
    endpoint = TROUBLE.get(name)
    if endpoint is None:
        handler._answer(_not_found(target), False)
        return
    endpoint(handler, target)


# ---------------------------------------------------------------- all sites


class SampleSites:
    """The running servers, by site name. A context manager; ``close()`` stops them all."""

    def __init__(self, servers: dict[str, SiteServer]):
        self.servers = servers

    @property
    def names(self) -> list[str]:
        return list(self.servers)

    def site(self, name: str) -> SiteServer:
        try:
            return self.servers[name]
        except KeyError:
            raise KeyError(f"no sample site {name!r} (running: {', '.join(self.servers)})") from None

    def base_url(self, site: str) -> str:
        return self.site(site).base_url

    def request_log(self, site: str) -> list[LoggedRequest]:
        return self.site(site).request_log()

    def close(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()

    def __enter__(self) -> SampleSites:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_sites(root: Path = SAMPLE_SITES, sites: Iterable[str] | None = None) -> SampleSites:
    """Serve each site folder under ``root`` (or just ``sites``) on its own port."""
    names = list(sites) if sites is not None else sorted(
        p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))
    )
    servers: dict[str, SiteServer] = {}
    for name in names:
        folder = root / name
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder}: no such site folder")
        server = SiteServer(name, folder)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"site-{name}", daemon=True).start()
        servers[name] = server
    return SampleSites(servers)


_TABLE = re.compile(r"^\s*\[([^\]]+)\]\s*(#.*)?$")


def sample_config_text(base_urls: dict[str, str], *, store_path: Path | str = "monitor.db",
                       per_host_interval: float = 0.02, source: Path | None = None) -> str:
    """The bundled config.toml with outlets moved onto local sites and all others disabled.

    Rewritten line by line, so the comments a newcomer reads stay in place and a
    subprocess, the demo and the daemon tests run exactly the file a user would;
    discovery paths are relative, so moving ``base_url`` moves them all.
    """
    from ..config import BUNDLED_CONFIG

    lines, table = [], ""
    for line in (source or BUNDLED_CONFIG).read_text(encoding="utf-8").splitlines():
        if header := _TABLE.match(line):
            table = header.group(1).strip()
        outlet = table.removeprefix("outlets.") if table.startswith("outlets.") and table.count(".") == 1 else None
        if outlet and line.startswith("base_url"):
            line = (f'base_url = "{base_urls[outlet].rstrip("/")}/"' if outlet in base_urls
                    else f"{line}\nenabled = false")
        elif table == "http" and line.startswith("per_host_interval"):
            line = f"per_host_interval = {per_host_interval}          # the sample sites are local"
        elif table == "http" and line.startswith("allow_private_addresses"):
            line = "allow_private_addresses = true   # the sample sites are on 127.0.0.1"
        elif table == "store" and line.startswith("path"):
            line = "path = " + json.dumps(str(store_path))
        lines.append(line)
    return "\n".join(lines) + "\n"


def write_sample_config(sites: "SampleSites", path: Path, *, store_path: Path | str = "monitor.db",
                        per_host_interval: float = 0.02) -> Path:
    """A config file pointing every outlet that has a sample site at it (others disabled)."""
    base_urls = {name: sites.base_url(name) for name in sites.names}
    path.write_text(sample_config_text(base_urls, store_path=store_path, per_host_interval=per_host_interval),
                    encoding="utf-8")
    return path


def main() -> None:
    with start_sites() as running:
        for name in running.names:
            print(f"{name:<14} {running.base_url(name)}", flush=True)
        print("Serving the sample sites; Ctrl-C to stop.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
