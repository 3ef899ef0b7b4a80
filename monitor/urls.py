"""URL canonicalisation and outlet identity keys: the dedupe keys of the store.

Pure functions, no I/O. ``canonical_url`` is a *comparison key* that also
reads as a normal address; the fetcher should request the URL as found (a
fixture server on ``http://127.0.0.1:PORT`` still answers over plain HTTP).

The one canonical form, chosen so ``canonical_url`` is idempotent:

* scheme ``https`` (http and https serve the same article); host lower-case,
  IDNA-encoded, without ``www.``, a trailing dot, user info or :80/:443;
* path: ``/index.php`` prefix removed (RHC serves ``/index.php/en/...``),
  ``;jsessionid=`` dropped (teleSUR's old site is Java), AMP forms mapped to
  the plain page, dot segments resolved, duplicate slashes collapsed and the
  trailing slash stripped (root stays ``/``);
* percent-encoding: escapes of unreserved characters decoded, other escapes in
  upper-case hex, raw non-ASCII (RHC's ``camagüey`` slugs) encoded as UTF-8
  escapes, i.e. IRI -> URI;
* query: tracking parameters (``TRACKING_PARAMS``, any ``utm_*``) dropped, the
  rest sorted; fragment dropped.

``identity_key`` is the outlet-native id (OUTLETS.md section 9), which survives
headline/slug edits; ``article_key`` falls back to the canonical URL.
"""

from __future__ import annotations

import functools
import re
import string
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

# Lower-case names. One entry per line on purpose: a missing comma between two
# string literals silently merges them (Media Cloud's "sort" "PHPSESSID" bug).
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "yclid",
        "igshid",
        "ref",
        "ref_src",
        "s_cid",
        "cmpid",
        "spm",
        "__twitter_impression",
        "at_medium",
        "at_campaign",
        "amp",
        "pk_campaign",
        "pk_kwd",
        "pk_source",
        "pk_medium",
        "mtm_campaign",
        "mtm_kwd",
        "mtm_source",
        "mtm_medium",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "phpsessid",
        "jsessionid",
    }
)
TRACKING_PREFIXES: tuple[str, ...] = ("utm_",)

_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = frozenset({80, 443})
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
# Characters kept literally (RFC 3986 pchar, plus "/" "?" in a query); "&" is
# not, so an escaped "&" inside a query value never becomes a separator.
_PATH_SAFE = _UNRESERVED | frozenset("!$&'()*+,;=:@")
_QUERY_SAFE = (_PATH_SAFE | frozenset("/?")) - {"&"}
_HEX = frozenset(string.hexdigits)
_JSESSION = re.compile(r";jsessionid=[^/?#]*", re.IGNORECASE)

_TELESUR_OLD = re.compile(r"-(?P<date>\d{8})-(?P<seq>\d{4})\.html$")
_RHC = re.compile(
    r"^/(?:(?P<lang>[a-z]{2})/)?(?:noticias|especiales)/[^/]+/(?P<id>\d+)-[^/]+$"
)
_TELESUR_EN, _TELESUR_ES = "telesurenglish.net", "telesurtv.net"


@functools.lru_cache(maxsize=4096)
def canonical_url(url: str) -> str:
    """The one spelling of ``url`` used to compare and store it.

    Raises ValueError for anything but an absolute http(s) URL with a host.
    Cached: a poll asks for the same URL's spelling a dozen times (discovery,
    is_known, identity, extraction, the store), and the answer never changes.
    """
    parts = _split_http(url)
    path = _canonical_path(parts.path)
    query = _canonical_query(parts.query)
    return urlunsplit(("https", _canonical_netloc(parts), path, query, ""))


def published_url(url: str) -> str:
    """``url`` as the outlet publishes it, fit to print and open: only the fragment goes, and
    spaces are escaped (a seed file's ``<url>`` line holds no whitespace). Scheme, host, ``www.``,
    trailing slash, query and non-ASCII slugs stay as written; ``canonical_url`` is the key."""
    return url.split("#", 1)[0].strip().replace(" ", "%20")


def identity_key(url: str) -> str | None:
    """The outlet-native id shown in ``url``, or None when it shows none.

    teleSUR old layout ``...-YYYYMMDD-NNNN.html`` -> ``telesur:{family}:{date}-{seq}``;
    RHC ``/{lang}/noticias|especiales/{section}/{id}-{slug}`` -> ``rhc:{host}:{lang}:{id}``.
    Matched on the path, so fixture servers on 127.0.0.1 get keys too (with
    their own host). Raises ValueError like ``canonical_url``.
    """
    parts = urlsplit(canonical_url(url))
    return _telesur_key(parts.netloc, parts.path) or _rhc_key(parts.netloc, parts.path)


def article_key(url: str) -> str:
    """The dedupe key: the native id when the URL shows one, else the canonical URL."""
    return identity_key(url) or canonical_url(url)


def host_of(url: str) -> str:
    """Lower-case ``host[:port]`` as written (no user info); ValueError without a host."""
    netloc = urlsplit(url.strip()).netloc.rpartition("@")[2].lower()
    if not netloc:
        raise ValueError(f"URL has no host: {url!r}")
    return netloc


def resolve(base: str, href: str) -> str:
    """``href`` made absolute against ``base``; ValueError unless the result is http(s).

    Whitespace around ``href`` and tabs/newlines inside it are removed, as
    browsers do; ``javascript:``, ``mailto:``, ``tel:``, ``data:`` are refused.
    """
    cleaned = re.sub(r"[\t\r\n]", "", href).strip()
    if not cleaned:
        raise ValueError("empty link target")
    joined = urljoin(base.strip(), cleaned)
    _split_http(joined)
    return joined


def absolute_url(base: str, href: str | None) -> str | None:
    """``href`` resolved against ``base`` without its fragment; None unless it is a usable
    http(s) URL whose dedupe key can be computed (``javascript:``, ``mailto:``, bad host/port)."""
    if not href:
        return None
    try:
        url = resolve(base, href).split("#", 1)[0]
        canonical_url(url)
    except ValueError:
        return None
    return url


def site_of(url: str) -> str:
    """The host an outlet is confined to, as ``same_site`` compares it: ``host[:port]``,
    lower-case, IDNA, without ``www.`` or a default port. ValueError for a non-http(s) URL."""
    return _canonical_netloc(_split_http(url))


def same_site(a: str, b: str) -> bool:
    """True when both URLs are on one host (ignoring ``www.``, case and default ports)."""
    return _canonical_netloc(_split_http(a)) == _canonical_netloc(_split_http(b))


# --- parts -------------------------------------------------------------------


def _split_http(url: str) -> SplitResult:
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in _SCHEMES:
        raise ValueError(f"not an http(s) URL: {url!r}")
    if not parts.hostname:
        raise ValueError(f"URL has no host: {url!r}")
    return parts


def _canonical_netloc(parts: SplitResult) -> str:
    host = (parts.hostname or "").rstrip(".")
    host = host.removeprefix("www.")
    try:
        host = host.encode("idna").decode("ascii")
        port = parts.port
    except (UnicodeError, ValueError) as exc:
        raise ValueError(f"bad host or port in {urlunsplit(parts)!r}: {exc}") from None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return host if port is None or port in _DEFAULT_PORTS else f"{host}:{port}"


def _canonical_path(path: str) -> str:
    path = _JSESSION.sub("", path)
    segments: list[str] = []
    for raw in path.split("/"):
        segment = _normalise_escapes(raw, _PATH_SAFE)
        if segment == "..":
            if segments:
                segments.pop()
        elif segment not in ("", "."):
            segments.append(segment)
    return "/" + "/".join(_strip_wrappers(segments))


def _strip_wrappers(segments: list[str]) -> list[str]:
    """Drop the ``index.php`` front controller and AMP markers around the path.

    Repeated until nothing changes, so ``/amp/index.php/x`` needs one pass only.
    """
    while True:
        if segments[:1] in (["index.php"], ["amp"]):  # RHC front controller, teleSUR /amp/news/...
            segments = segments[1:]
        elif segments[-1:] == ["amp"]:  # WordPress .../slug/amp/
            segments = segments[:-1]
        else:
            return segments


def _canonical_query(query: str) -> str:
    kept: list[tuple[str, str, bool]] = []
    for field in query.split("&"):
        if not field:
            continue
        name, has_value, value = field.partition("=")
        name = _normalise_escapes(name, _QUERY_SAFE)
        value = _normalise_escapes(value, _QUERY_SAFE)
        if not _is_tracking(name, value):
            kept.append((name, value, bool(has_value)))
    kept.sort()
    return "&".join(f"{n}={v}" if has_value else n for n, v, has_value in kept)


def _is_tracking(name: str, value: str) -> bool:
    lowered = name.lower()
    if lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES):
        return True
    return lowered == "outputtype" and value.lower() == "amp"


def _normalise_escapes(text: str, safe: frozenset[str]) -> str:
    """Decode escapes of unreserved characters, upper-case the rest, encode raw bytes."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%" and i + 2 < len(text) and text[i + 1] in _HEX and text[i + 2] in _HEX:
            decoded = chr(int(text[i + 1 : i + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + text[i + 1 : i + 3].upper())
            i += 3
            continue
        out.append(char if char in safe else "".join(f"%{b:02X}" for b in char.encode("utf-8")))
        i += 1
    return "".join(out)


# --- outlet-native ids -------------------------------------------------------


def _telesur_key(host: str, path: str) -> str | None:
    match = _TELESUR_OLD.search(path)
    if not match:
        return None
    english = path.startswith("/english/")
    if host == _TELESUR_EN or (host == _TELESUR_ES and english):
        family = _TELESUR_EN
    elif host == _TELESUR_ES:
        family = _TELESUR_ES
    else:  # fixture or mirror: its own host, with the English tree kept apart
        family = f"{host}/english" if english else host
    return f"telesur:{family}:{match['date']}-{match['seq']}"


def _rhc_key(host: str, path: str) -> str | None:
    match = _RHC.match(path)
    if not match:
        return None
    lang = match["lang"] or "es"  # 2018 layout: Spanish at the root
    return f"rhc:{host}:{lang}:{match['id']}"
