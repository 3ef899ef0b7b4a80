"""config.toml -> typed, frozen settings, validated before anything runs.

Every error reads ``file:line: dotted.key: expected ..., got ...`` and is a
:class:`~monitor.errors.ConfigError` (exit status 2). Unknown keys are errors
too, with a "did you mean" when one is close: a typo must not silently fall
back to a default.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .toml_reader import Reader, Source, parse_interval

if TYPE_CHECKING:  # classify loads its folding tables at import: `monitor --help` should not wait for them
    from .classify import Ruleset

log = logging.getLogger(__name__)

BUNDLED_CONFIG = Path(__file__).with_name("config.toml")
KNOWN_ADAPTERS = ("generic", "telesur", "rhc")
DEFAULT_MAX_RUN_TIME = timedelta(minutes=20)


# ---------------------------------------------------------------- settings


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule:
    """An interval ("20m") or a five-field cron expression."""

    text: str
    interval: timedelta | None = None
    cron: str | None = None

    @property
    def nominal_seconds(self) -> float:
        """Roughly how often it fires; used for misfire grace and backoff bounds."""
        if self.interval is not None:
            return self.interval.total_seconds()
        return 3600.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchiveConfig:
    """Where ``monitor backfill`` walks an outlet's past (``[outlets.KEY.backfill]``); URLs absolute."""

    sitemaps: tuple[str, ...] = ()  # sitemap indexes whose children are monthly (read newest first)
    archives: tuple[str, ...] = ()  # date archive pages: {yyyy} {mm}, optional {dd} and {page}
    feed_pages: tuple[str, ...] = ()  # paged feeds holding {page} (WordPress ?paged=N)
    search: bool = False  # walk the outlet's search templates x queries, page by page
    max_pages: int = 50  # per paged walk (archive day/month, feed, search query)

    @property
    def empty(self) -> bool:
        return not (self.sitemaps or self.archives or self.feed_pages or self.search)


@dataclass(frozen=True, slots=True, kw_only=True)
class BackfillConfig:
    """``[backfill]``: archive walks are slower than polls, so they wait longer between requests."""

    per_host_interval: float = 5.0  # seconds; never below [http] per_host_interval
    expected_per_month: int = 300  # articles per outlet-month, for --plan estimates only


@dataclass(frozen=True, slots=True, kw_only=True)
class OutletConfig:
    key: str
    name: str
    language: str
    base_url: str
    adapter: str = "generic"
    schedule: Schedule = field(default_factory=lambda: Schedule(text="30m", interval=timedelta(minutes=30)))
    enabled: bool = True
    timezone: str = "America/Havana"
    feeds: tuple[str, ...] = ()  # absolute URLs (resolved against base_url)
    listings: tuple[str, ...] = ()  # may hold {page}
    search: tuple[str, ...] = ()  # must hold {query}; may hold {page}
    search_queries: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    article_pattern: str | None = None  # regex on the URL path of article links
    max_pages: int = 1  # pagination depth for listing/search pages
    selectors: tuple[tuple[str, str], ...] = ()  # field -> CSS selector overrides
    drop: tuple[str, ...] = ()  # CSS selectors removed from the body
    text_marks: tuple[str, ...] = ()  # regexes (per line) that tell a plain-text page dump is this outlet's
    min_interval: timedelta | None = None  # adaptive polling bounds
    max_interval: timedelta | None = None
    archive: ArchiveConfig = field(default_factory=ArchiveConfig)  # monitor backfill
    allowed_hosts: tuple[str, ...] = ()  # hosts besides base_url's it may fetch from (a CDN feed, en. edition)
    max_run_time: timedelta = DEFAULT_MAX_RUN_TIME  # one run stops here and keeps what it stored

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc.lower()

    def selector(self, name: str) -> str | None:
        return dict(self.selectors).get(name)


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpConfig:
    user_agent: str = "monitor/0.1 (news research; +https://github.com/monitor-news/monitor)"
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    max_redirects: int = 5
    max_bytes: int = 5_000_000
    retries: int = 3
    backoff: float = 1.0  # first retry delay, doubled each time, with jitter
    max_backoff: float = 60.0
    per_host_interval: float = 1.0  # seconds between requests to one host
    per_host_concurrency: int = 2
    unconditional_every: timedelta = timedelta(hours=24)
    recheck_after: timedelta = timedelta(days=2)  # refetch a stored article for edits
    recheck_window: timedelta = timedelta(days=7)  # ... while it is younger than this
    respect_robots: bool = True
    max_articles_per_run: int = 200
    request_deadline: float = 60.0  # seconds for one request in total: connect, headers and body
    allow_private_addresses: bool = False  # loopback/private/link-local hosts: only for local test sites


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpConfig:
    host: str
    port: int = 25
    sender: str = "monitor@localhost"
    recipients: tuple[str, ...] = ()
    username: str | None = None
    password: str | None = None
    starttls: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DigestConfig:
    format: str = "markdown"
    silent_after_days: int = 3
    excerpt_chars: int = 240
    smtp: SmtpConfig | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StoriesConfig:
    """``[stories]``: when two items' bodies count as one story (monitor.stories)."""

    simhash_bits: int = 64
    max_distance: int = 3  # Hamming distance at or under which two bodies are one story
    shingle_words: int = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    path: Path
    store_path: Path
    outlets: tuple[OutletConfig, ...]
    http: HttpConfig = field(default_factory=HttpConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    stories: StoriesConfig = field(default_factory=StoriesConfig)
    relevance: dict[str, Any] = field(default_factory=dict)  # the raw [relevance] table
    rules: Ruleset = field(default_factory=lambda: _compile({}))  # ... compiled once, by load
    backfill: BackfillConfig = field(default_factory=BackfillConfig)
    report_tip_releases: tuple[str, ...] = ()  # [report] tip_releases; empty: monitor.report's defaults

    def outlet(self, key: str) -> OutletConfig:
        for outlet in self.outlets:
            if outlet.key == key:
                return outlet
        known = ", ".join(o.key for o in self.outlets)
        raise ConfigError(f"{self.path.name}: no outlet {key!r} (known: {known})")

    def display_names(self) -> dict[str, str]:
        """The one name each outlet goes by in every summary, log line and digest.

        Editions sharing a name get their language: "Radio Habana Cuba (en)".
        """
        counts: dict[str, int] = {}
        for o in self.outlets:
            counts[o.name] = counts.get(o.name, 0) + 1
        return {o.key: o.name if counts[o.name] == 1 else f"{o.name} ({o.language})" for o in self.outlets}

    def display_name(self, key: str) -> str:
        return self.display_names().get(key, key)

    @property
    def enabled_outlets(self) -> tuple[OutletConfig, ...]:
        return tuple(o for o in self.outlets if o.enabled)

    def rebased(self, base_urls: dict[str, str]) -> "Config":
        """The same config with some outlets moved to another host (tests, mirrors, demo)."""
        outlets = tuple(rebase_outlet(o, base_urls[o.key]) if o.key in base_urls else o for o in self.outlets)
        return replace(self, outlets=outlets)


def rebase_outlet(outlet: OutletConfig, base_url: str) -> OutletConfig:
    """Move every URL of an outlet that lives under its base URL to ``base_url``."""
    new_base = base_url if base_url.endswith("/") else base_url + "/"

    def move(urls: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(new_base + u[len(outlet.base_url):] if u.startswith(outlet.base_url) else u for u in urls)

    archive = replace(outlet.archive, sitemaps=move(outlet.archive.sitemaps), archives=move(outlet.archive.archives),
                      feed_pages=move(outlet.archive.feed_pages))
    return replace(
        outlet,
        base_url=new_base,
        feeds=move(outlet.feeds),
        listings=move(outlet.listings),
        search=move(outlet.search),
        sitemaps=move(outlet.sitemaps),
        archive=archive,
    )


def parse_schedule(text: str) -> Schedule | None:
    interval = parse_interval(text)
    if interval is not None:
        return Schedule(text=text, interval=interval)
    if len(text.split()) == 5:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(text)
        except ValueError:
            return None
        return Schedule(text=text, cron=text)
    return None


# ---------------------------------------------------------------- loading


def load(path: str | Path | None = None, *, store_path: str | Path | None = None) -> Config:
    """Read and validate a config file (the bundled one when ``path`` is None)."""
    path = Path(path) if path is not None else BUNDLED_CONFIG
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name}: not valid TOML: {exc}") from None
    return from_dict(data, path=path, text=text, store_path=store_path)


def from_dict(data: dict[str, Any], *, path: Path, text: str = "", store_path: str | Path | None = None) -> Config:
    source = Source(path, text)
    root = Reader(data, "", source)

    store = root.table("store")
    db = store.text("path", "monitor.db") if store else "monitor.db"
    if store:
        store.check_unknown()
    resolved_store = Path(store_path) if store_path is not None else _relative_to(path, db)

    http = _http(root.table("http"))
    digest = _digest(root.table("digest"))
    stories = _stories(root, source)
    backfill = _backfill(root.table("backfill"))
    tip_releases = _report(root.table("report"))

    outlets_table = root.table("outlets", required=True)
    assert outlets_table is not None
    if not outlets_table.data:
        raise source.error("outlets", "at least one [outlets.KEY] table", show_got=False)
    outlets = tuple(_outlet(outlets_table, key) for key in outlets_table.data)

    relevance = root.table("relevance")
    relevance_data = relevance.data if relevance else {}
    root.used.add("relevance")
    root.check_unknown()

    config = Config(
        path=path,
        store_path=resolved_store,
        outlets=outlets,
        http=http,
        digest=digest,
        stories=stories,
        relevance=relevance_data,
        backfill=backfill,
        report_tip_releases=tip_releases,
        # Compiled now, so a bad pattern is a config error before anything runs, and kept:
        # every command and run uses these rules.
        rules=_compile(relevance_data, source),
    )
    for outlet in outlets:
        if outlet.language not in config.rules.languages:  # its items could never be judged relevant
            covered = ", ".join(f'"{lang}"' for lang in config.rules.languages)
            raise outlets_table.fail(
                f"{outlet.key}.language",
                f"a language the relevance rules are written in ({covered}; add rules and list the language "
                "in [relevance] languages)", outlet.language)
    return config


def _compile(table: dict[str, Any], source: Source | None = None) -> Ruleset:
    from .classify import compile_rules

    return compile_rules(table, source=source)


def _relative_to(config_path: Path, value: str) -> Path:
    candidate = Path(value).expanduser()
    if candidate.is_absolute() or config_path == BUNDLED_CONFIG:
        # The bundled config lives inside the package: its store goes in the working directory.
        return candidate
    return config_path.parent / candidate


def _http(table: Reader | None) -> HttpConfig:
    if table is None:
        return HttpConfig()
    d = HttpConfig()
    config = HttpConfig(
        user_agent=table.text("user_agent", d.user_agent),
        connect_timeout=table.number("connect_timeout", d.connect_timeout, minimum=0.1),
        read_timeout=table.number("read_timeout", d.read_timeout, minimum=0.1),
        max_redirects=table.whole("max_redirects", d.max_redirects),
        max_bytes=table.whole("max_bytes", d.max_bytes, minimum=1024),
        retries=table.whole("retries", d.retries),
        backoff=table.number("backoff", d.backoff),
        max_backoff=table.number("max_backoff", d.max_backoff),
        per_host_interval=table.number("per_host_interval", d.per_host_interval),
        per_host_concurrency=table.whole("per_host_concurrency", d.per_host_concurrency, minimum=1),
        unconditional_every=table.duration("unconditional_every", d.unconditional_every) or d.unconditional_every,
        recheck_after=table.duration("recheck_after", d.recheck_after) or d.recheck_after,
        recheck_window=table.duration("recheck_window", d.recheck_window) or d.recheck_window,
        respect_robots=table.flag("respect_robots", d.respect_robots),
        max_articles_per_run=table.whole("max_articles_per_run", d.max_articles_per_run, minimum=1),
        request_deadline=table.number("request_deadline", d.request_deadline, minimum=0.1),
        allow_private_addresses=table.flag("allow_private_addresses", d.allow_private_addresses),
    )
    table.check_unknown()
    return config


def _digest(table: Reader | None) -> DigestConfig:
    if table is None:
        return DigestConfig()
    d = DigestConfig()
    fmt = table.text("format", d.format)
    if fmt not in ("markdown", "html", "json", "atom"):
        raise table.fail("format", 'one of "markdown", "html", "json", "atom"', fmt)
    smtp_table = table.table("smtp")
    smtp = None
    if smtp_table is not None:
        recipients = smtp_table.str_list("recipients")
        if not recipients:
            raise smtp_table.fail("recipients", "at least one address", [])
        smtp = SmtpConfig(
            host=smtp_table.text("host", required=True),
            port=smtp_table.whole("port", 25, minimum=1),
            sender=smtp_table.text("sender", "monitor@localhost"),
            recipients=recipients,
            username=smtp_table.text("username", None),
            password=smtp_table.text("password", None),
            starttls=smtp_table.flag("starttls", False),
        )
        smtp_table.check_unknown()
    config = DigestConfig(
        format=fmt,
        silent_after_days=table.whole("silent_after_days", d.silent_after_days, minimum=1),
        excerpt_chars=table.whole("excerpt_chars", d.excerpt_chars, minimum=40),
        smtp=smtp,
    )
    table.check_unknown()
    return config


def _stories(root: Reader, source: Source) -> StoriesConfig:
    """``[stories]``; the old name ``[dedupe]`` is still read for one release, with a warning."""
    if root.has("dedupe"):
        if root.has("stories"):
            raise source.error("dedupe", "only [stories] (the new name of [dedupe]), not both", show_got=False)
        line = source.line_of("dedupe")
        place = f"{source.path.name}:{line}" if line else source.path.name
        log.warning("%s: [dedupe] is deprecated and will stop working in the next release: rename it [stories]",
                    place)
        return _stories_table(root.table("dedupe"))
    return _stories_table(root.table("stories"))


def _stories_table(table: Reader | None) -> StoriesConfig:
    if table is None:
        return StoriesConfig()
    d = StoriesConfig()
    config = StoriesConfig(
        simhash_bits=d.simhash_bits,
        max_distance=table.whole("max_distance", d.max_distance),
        shingle_words=table.whole("shingle_words", d.shingle_words, minimum=1),
    )
    if config.max_distance > 16:
        raise table.fail("max_distance", "a Hamming distance between 0 and 16", config.max_distance)
    table.check_unknown()
    return config


def _backfill(table: Reader | None) -> BackfillConfig:
    if table is None:
        return BackfillConfig()
    d = BackfillConfig()
    config = BackfillConfig(
        per_host_interval=table.number("per_host_interval", d.per_host_interval),
        expected_per_month=table.whole("expected_per_month", d.expected_per_month, minimum=1),
    )
    table.check_unknown()
    return config


def _report(table: Reader | None) -> tuple[str, ...]:
    if table is None:
        return ()
    releases = table.str_list("tip_releases")
    for day in releases:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
            raise table.fail("tip_releases", 'dates like "2024-06-24"', day)
    table.check_unknown()
    return releases


def _archive(table: Reader | None, urls: Callable[[Reader, str], tuple[str, ...]]) -> ArchiveConfig:
    """``[outlets.KEY.backfill]``: every template is checked here, so a typo fails before a long walk."""
    if table is None:
        return ArchiveConfig()
    archives = urls(table, "archives")
    for template in archives:
        if "{yyyy}" not in template or "{mm}" not in template:
            raise table.fail("archives", "URL templates containing {yyyy} and {mm} (and maybe {dd}, {page})", template)
    feed_pages = urls(table, "feed_pages")
    for template in feed_pages:
        if "{page}" not in template:
            raise table.fail("feed_pages", "URL templates containing {page}", template)
    config = ArchiveConfig(
        sitemaps=urls(table, "sitemaps"),
        archives=archives,
        feed_pages=feed_pages,
        search=table.flag("search", False),
        max_pages=table.whole("max_pages", 50, minimum=1),
    )
    table.check_unknown()
    return config


_OUTLET_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_SELECTOR_FIELDS = ("title", "subtitle", "author", "caption", "published", "modified", "body", "tags", "section", "container")


def _outlet(outlets: Reader, key: str) -> OutletConfig:
    table = outlets.table(key)
    assert table is not None
    if not _OUTLET_KEY.match(key):
        raise outlets.source.error(f"outlets.{key}", "an outlet key of lower-case letters, digits, '-' or '_'", key)
    base_url = table.text("base_url", required=True)
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise table.fail("base_url", "an absolute http(s) URL", base_url)
    if not base_url.endswith("/"):
        base_url += "/"

    language = table.text("language", required=True)
    if not re.fullmatch(r"[a-z]{2}", language):
        raise table.fail("language", 'a two-letter language code such as "en" or "es"', language)
    adapter = table.text("adapter", "generic")
    if adapter not in KNOWN_ADAPTERS:
        raise table.fail("adapter", "one of " + ", ".join(f'"{a}"' for a in KNOWN_ADAPTERS), adapter)

    schedule_text = table.text("schedule", "30m")
    schedule = parse_schedule(schedule_text)
    if schedule is None:
        raise table.fail("schedule", 'an interval like "20m" or a cron expression', schedule_text)

    tz = table.text("timezone", "America/Havana")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise table.fail("timezone", 'an IANA time zone such as "America/Havana"', tz) from None

    def urls_of(reader: Reader, name: str) -> tuple[str, ...]:
        return tuple(urljoin(base_url, u.lstrip("/") if not _is_absolute(u) else u) for u in reader.str_list(name))

    def urls(name: str) -> tuple[str, ...]:
        return urls_of(table, name)

    search = urls("search")
    for template in search:
        if "{query}" not in template:
            raise table.fail("search", "URL templates containing {query}", template)
    queries = table.str_list("search_queries")
    if search and not queries:
        raise table.fail("search_queries", "at least one query when search URLs are set", [])

    pattern = table.text("article_pattern", None)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise table.fail("article_pattern", f"a valid regular expression ({exc})", pattern) from None

    selectors_table = table.table("selectors")
    selectors: tuple[tuple[str, str], ...] = ()
    if selectors_table is not None:
        pairs = []
        for name in selectors_table.data:
            if name not in _SELECTOR_FIELDS:
                selectors_table.check_unknown(_SELECTOR_FIELDS)
            pairs.append((name, selectors_table.text(name, required=True)))
        selectors = tuple(pairs)
        _check_selectors(selectors_table, selectors)

    drop = table.str_list("drop")
    text_marks = table.str_list("text_marks")
    for mark in text_marks:
        try:
            re.compile(mark)
        except re.error as exc:
            raise table.fail("text_marks", f"valid regular expressions ({exc})", mark) from None
    config = OutletConfig(
        key=key,
        name=table.text("name", required=True),
        language=language,
        base_url=base_url,
        adapter=adapter,
        schedule=schedule,
        enabled=table.flag("enabled", True),
        timezone=tz,
        feeds=urls("feeds"),
        listings=urls("listings"),
        search=search,
        search_queries=queries,
        sitemaps=urls("sitemaps"),
        article_pattern=pattern,
        max_pages=table.whole("max_pages", 1, minimum=1),
        selectors=selectors,
        drop=drop,
        text_marks=text_marks,
        min_interval=table.duration("min_interval", None),
        max_interval=table.duration("max_interval", None),
        archive=_archive(table.table("backfill"), urls_of),
        allowed_hosts=_allowed_hosts(table),
        max_run_time=table.duration("max_run_time", DEFAULT_MAX_RUN_TIME) or DEFAULT_MAX_RUN_TIME,
    )
    table.check_unknown()
    _check_hosts(table, config)
    if config.min_interval and config.max_interval and config.min_interval > config.max_interval:
        raise table.fail("min_interval", f"at most max_interval ({config.max_interval})", table.data["min_interval"])
    return config


def _allowed_hosts(table: Reader) -> tuple[str, ...]:
    """Host names (``cdn.example.org``, ``host:8080``) as the fetcher compares them."""
    from .urls import site_of

    hosts = []
    for entry in table.str_list("allowed_hosts"):
        try:
            if "/" in entry:
                raise ValueError(entry)
            hosts.append(site_of(f"http://{entry}/"))
        except ValueError:
            raise table.fail("allowed_hosts", 'host names such as "feeds.example.org" (no scheme or path)',
                             entry) from None
    return tuple(hosts)


def _check_hosts(table: Reader, outlet: OutletConfig) -> None:
    """A configured source on a host the outlet may not fetch from would fail every run: say so now."""
    from .urls import site_of

    allowed = {site_of(outlet.base_url), *outlet.allowed_hosts}
    for name in ("feeds", "listings", "search", "sitemaps"):
        for url in getattr(outlet, name):
            if site_of(url) not in allowed:
                raise table.fail(name, f"URLs on {site_of(outlet.base_url)} or a host in allowed_hosts "
                                       f"(add {site_of(url)!r} to allowed_hosts to fetch from it)", url)


def _is_absolute(url: str) -> bool:
    return bool(urlsplit(url).scheme)


def _check_selectors(table: Reader, selectors: tuple[tuple[str, str], ...]) -> None:
    """A selector Lexbor cannot parse is a config error, not a silent non-match."""
    from selectolax.lexbor import LexborHTMLParser

    probe = LexborHTMLParser("<html><body></body></html>")
    for name, css in selectors:
        try:
            probe.css(css)
        except Exception as exc:  # selectolax raises plain ValueError/SelectolaxError
            raise table.fail(name, f"a CSS selector ({exc})", css) from None
