"""Realistic articles for the benchmarks: real-sized English and Spanish vocabulary, real page shells.

Words are drawn by frequency from the 25,000 most frequent words of each
language (``data/words-{en,es}.tsv.gz``, from wordfreq's lists; see
``data/README.md``), so a text has the Zipf shape of real prose: ~60 % of its
running words from the top 100, and hundreds of distinct rarer ones. Bodies
are 300-700 words in sentences of 8-30 words and paragraphs of 2-5 sentences;
one in ten mentions trafficking (the relevance rules have something to find).

Pages are the sample sites' own article shells (``monitor/testing/sample_sites``:
Radio Habana Cuba and teleSUR, EN and ES) with the generated title, date and
paragraphs put in, so the real adapters extract them.

Everything is a pure function of an integer: article ``n`` is the same text in
every process, so a copy can be made of any earlier article without keeping it.
"""

from __future__ import annotations

import gzip
import html
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache, lru_cache
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SITES = ROOT.parent / "monitor" / "testing" / "sample_sites"
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
TOPIC = {"en": "trafficking in persons", "es": "trata de personas"}


@dataclass(frozen=True, slots=True)
class Text:
    language: str
    title: str
    paragraphs: tuple[str, ...]

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


@cache
def vocabulary(language: str) -> tuple[list[str], list[int]]:
    """(words, cumulative weights) for ``random.choices``."""
    words, weights = [], []
    with gzip.open(ROOT / "data" / f"words-{language}.tsv.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            word, count = line.rstrip("\n").split("\t")
            words.append(word)
            weights.append(int(count))
    return words, list(accumulate(weights))


def _sentence(rng: random.Random, language: str, length: int) -> str:
    words, cumulative = vocabulary(language)
    chosen = rng.choices(words, cum_weights=cumulative, k=length)
    return chosen[0].capitalize() + " " + " ".join(chosen[1:]) + "."


@lru_cache(maxsize=4096)  # copies and edits re-make recent articles
def text(n: int) -> Text:
    """Article ``n``: its language, title and 300-700 words of body."""
    rng = random.Random(n * 7919 + 17)
    language = "en" if n % 2 == 0 else "es"
    target = rng.randint(300, 700)
    paragraphs: list[str] = []
    total = 0
    while total < target:
        sentences = [_sentence(rng, language, rng.randint(8, 30)) for _ in range(rng.randint(2, 5))]
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        total += len(paragraph.split())
    if n % 10 == 0:  # relevant-looking: the topic phrase inside the second paragraph
        paragraphs[1] = paragraphs[1].replace(" ", f" {TOPIC[language]} ", 1)
    title = _sentence(rng, language, rng.randint(6, 12)).rstrip(".")
    return Text(language, title, tuple(paragraphs))


def published(n: int) -> datetime:
    return EPOCH + timedelta(minutes=7 * n)


# ---------------------------------------------------------------- copies by other outlets

DATELINES = {
    "en": ["Havana, Nov 5 (RHC-PL) --", "Havana, Nov 5 (Prensa Latina)", "HAVANA (Prensa Latina) \u2014",
           "Caracas, Nov 5 (teleSUR-RHC) \u2014"],
    "es": ["La Habana, 5 nov (RHC-PL)", "La Habana, 5 nov (Prensa Latina)", "LA HABANA, 5 de noviembre (ACN) --",
           "Caracas, 5 nov (teleSUR)"],
}  # fmt: skip
TRAILERS = {
    "en": ["The post {t} first appeared on Prensa Latina.", "Source: Prensa Latina", "jdt/jav/mem/lld"],
    "es": ["La informacion {t} salio primero en Prensa Latina.", "Fuente: Prensa Latina", "arb/mgt"],
}


def near_copy(original: Text, variant: int) -> Text:
    """How a wire story reappears at another outlet: its dateline and trailer, sometimes a paragraph less."""
    rng = random.Random(variant * 104729 + 3)
    lang = original.language
    paragraphs = list(original.paragraphs)
    paragraphs[0] = f"{rng.choice(DATELINES[lang])} {paragraphs[0]}"
    if len(paragraphs) > 4 and rng.random() < 0.3:
        del paragraphs[rng.randrange(2, len(paragraphs))]  # an editor's cut
    paragraphs.append(rng.choice(TRAILERS[lang]).format(t=original.title))
    title = original.title if rng.random() < 0.7 else original.title.upper()
    return Text(lang, title, tuple(paragraphs))


def edited(original: Text, variant: int) -> Text:
    """The outlet's own correction: one sentence rewritten."""
    rng = random.Random(variant * 15485863 + 5)
    paragraphs = list(original.paragraphs)
    at = rng.randrange(len(paragraphs))
    paragraphs[at] = paragraphs[at] + " " + _sentence(rng, original.language, 14)
    return Text(original.language, original.title, tuple(paragraphs))


# ---------------------------------------------------------------- outlets and pages


@dataclass(frozen=True, slots=True)
class Shape:
    """One of the sample sites' article pages, as a template for generated ones."""

    site: str  # rhc-en, rhc-es, telesur-en, telesur-es
    adapter: str
    feed: str
    article_pattern: str

    def path(self, n: int, slug: str) -> str:
        if self.adapter == "rhc":
            return f"/{self.site[-2:]}/noticias/nacionales/{300000 + n}-{slug}"
        return f"/{slug}-{n}/"


SHAPES = {
    "rhc-en": Shape("rhc-en", "rhc", "/en/rss", r"^/en/noticias/[^/]+/\d+-[^/]+$"),
    "rhc-es": Shape("rhc-es", "rhc", "/es/rss", r"^/es/noticias/[^/]+/\d+-[^/]+$"),
    "telesur-en": Shape("telesur-en", "telesur", "/feed/", r"^/[a-z0-9]+(?:-[a-z0-9]+)+/$"),
    "telesur-es": Shape("telesur-es", "telesur", "/feed/", r"^/[a-z0-9]+(?:-[a-z0-9]+)+/$"),
}
_TEMPLATE_FILES = {
    "rhc-en": "rhc-en/articles/304052-cuba-publishes-national-report-on-human-trafficking-in-2021.html",
    "rhc-es": "rhc-es/articles/304053-cuba-publica-informe-nacional-sobre-trata-de-personas.html",
    "telesur-en": "telesur-en/articles/cuba-rejects-us-trafficking-in-persons-report.html",
    "telesur-es": "telesur-es/articles/cuba-rechaza-informe-de-eeuu-sobre-trata-de-personas.html",
}
_BODY = {"rhc": re.compile(r'(<div class="texto">).*?(\n\s*</div>)', re.S),
         "telesur": re.compile(r'(<div class="content-area__text__full">).*?(\n\s*</div>)', re.S)}  # fmt: skip
_H1 = re.compile(r"(<h1[^>]*>)(.*?)(</h1>)", re.S)
_RHC_DATE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d")


@cache
def _template(site: str) -> tuple[str, str, str]:
    """(page with its fixture comment removed, its title, its path)."""
    raw = (SITES / _TEMPLATE_FILES[site]).read_text(encoding="utf-8")
    page = re.sub(r"<!--.*?-->\n?", "", raw, count=1, flags=re.S)
    title = html.unescape(_H1.search(page).group(2)).strip()  # type: ignore[union-attr]
    path = "/" + _TEMPLATE_FILES[site].split("/articles/")[1].removesuffix(".html")
    if SHAPES[site].adapter == "telesur":
        path += "/"
    return page, title, path


def slug(title: str) -> str:
    folded = re.sub(r"[^a-z0-9]+", "-", title.lower().encode("ascii", "ignore").decode()).strip("-")
    return "-".join(folded.split("-")[:8]) or "nota"


def page(site: str, base: str, path: str, body: Text, when: datetime) -> str:
    """The sample site's article page for ``site`` carrying ``body``."""
    template, old_title, old_path = _template(site)
    shape = SHAPES[site]
    paragraphs = "".join(f"\n        <p>{html.escape(p, quote=False)}</p>" for p in body.paragraphs)
    out = _BODY[shape.adapter].sub(lambda m: m.group(1) + paragraphs + m.group(2), template, count=1)
    out = out.replace(html.escape(old_title, quote=False), html.escape(body.title, quote=False))
    out = out.replace(old_title, html.escape(body.title))
    out = out.replace(old_path, path)
    if shape.adapter == "rhc":  # Havana wall time, as RHC prints it
        out = _RHC_DATE.sub((when - timedelta(hours=5)).strftime("%Y-%m-%d %H:%M:%S"), out)
    else:
        out = _ISO_DATE.sub(when.strftime("%Y-%m-%dT%H:%M:%S+00:00"), out)
    return out.replace("{{BASE}}", base)


def feed(base: str, site: str, entries: list[tuple[str, str, datetime]]) -> str:
    """An RSS 2.0 feed of (path, title, published)."""
    items = "".join(
        f"<item><title>{html.escape(title)}</title><link>{base}{path}</link><guid>{base}{path}</guid>"
        f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item>"
        for path, title, when in entries
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{site}</title>'
            f"<link>{base}/</link>{items}</channel></rss>")  # fmt: skip


# ---------------------------------------------------------------- a stream of saves (store and dedupe benchmarks)

COPY_SHARE, SEEN_SHARE, EDIT_SHARE = 0.05, 0.02, 0.01  # of the saves; the rest are new articles
RECENT = 2_000  # copies, sightings and edits are of one of the last RECENT saves
LONG_EVERY, LONG_SPAN = 100, 100_000  # a long-running story gets a copy every 100th save: 1,000 copies per 100k
SIDE_EVERY, SIDE_SPAN = 500, 50_000  # two smaller ones: 100 copies each per 50k saves
LONG_BASE = 10**9  # article numbers of the long stories' originals
KINDS = ("new", "copy", "seen", "edit", "long")


@dataclass(frozen=True, slots=True)
class Save:
    """One call of Store.save: what to save, and what it should do."""

    index: int
    kind: str  # new, copy (a near-copy by another outlet), seen (same URL respelled), edit, long (a long story's copy)
    article: object  # monitor.models.Article (kept untyped: this module imports nothing from monitor)
    raw_html: bytes
    story: int  # ground truth: the article number whose story this save belongs to
    copy_number: int = 0  # for kind "long": which copy of its story (1 ..)


def kind_of(i: int) -> str:
    """What save ``i`` is: a pure function of ``i``, so any save can be re-made anywhere."""
    if i % LONG_EVERY == LONG_EVERY // 2 or i % SIDE_EVERY == SIDE_EVERY // 2 + 3:
        return "long"
    r = random.Random(i * 31 + 1).random()
    if i < 10 or r >= COPY_SHARE + SEEN_SHARE + EDIT_SHARE:
        return "new"
    return "copy" if r < COPY_SHARE else "seen" if r < COPY_SHARE + SEEN_SHARE else "edit"


def _recent_original(i: int) -> int:
    rng = random.Random(i * 131 + 7)
    j = i - 1 - rng.randrange(min(i, RECENT))
    while kind_of(j) != "new":
        j -= 1
    return j


def _long_story(i: int) -> tuple[int, int]:
    """(original's number, copy number; 0 = the original itself) of long-story save ``i``."""
    if i % LONG_EVERY == LONG_EVERY // 2:
        return LONG_BASE + i // LONG_SPAN, (i % LONG_SPAN) // LONG_EVERY
    return LONG_BASE + 1000 + i // SIDE_SPAN, (i % SIDE_SPAN) // SIDE_EVERY


SITE_KEYS = ("rhc-en", "telesur-en", "rhc-es", "telesur-es")
OUTLETS_PER_SITE = 10  # 40 outlets


def outlet_of(n: int, lang: str, copy: int = 0) -> tuple[str, str]:
    """(outlet key, site shape) for article ``n``'s ``copy``-th printing."""
    k = (n + 3 * copy) % (2 * OUTLETS_PER_SITE)
    site = ("rhc-" if k < OUTLETS_PER_SITE else "telesur-") + lang
    return f"{site}-{k % OUTLETS_PER_SITE}", site


def _printing(n: int, body: Text, copy: int, when: datetime, fetched: datetime, relevance: object,
              scheme: str = "https", query: str = "", at: int | None = None) -> tuple[object, bytes]:
    """Article ``n`` (or a copy of it) as ``Store.save`` gets it; ``at`` numbers a copy's own URL."""
    from monitor.models import Article  # noqa: PLC0415 - the benchmarks put the repo on sys.path first

    outlet, site = outlet_of(n, body.language, copy)
    base = f"https://www.{outlet}.example"
    path = SHAPES[site].path(n * 10 if at is None else at * 10 + 1, slug(body.title))
    url = f"{scheme}://www.{outlet}.example{path}{query}"
    article = Article(url=url, canonical_url=base + path, outlet=outlet, outlet_name=outlet, language=body.language,
                      title=body.title, body=body.paragraphs, published=when, fetched_at=fetched,
                      relevance=relevance)  # type: ignore[arg-type]  # fmt: skip
    return article, page(site, base, path, body, when).encode()


def save(i: int, relevance: object = None) -> Save:
    """Save number ``i`` of the stream (``relevance`` is given to every tenth)."""
    kind = kind_of(i)
    fetched = EPOCH + timedelta(minutes=7 * i + 3)
    rel = relevance if i % 10 == 0 else None
    if kind == "new":
        article, raw = _printing(i, text(i), 0, published(i), fetched, rel)
        return Save(i, kind, article, raw, story=i)
    if kind == "long":
        n, copy = _long_story(i)
        body = text(n) if copy == 0 else near_copy(text(n), i)
        article, raw = _printing(n, body, copy, published(i), fetched, rel, at=None if copy == 0 else i)
        return Save(i, "new" if copy == 0 else kind, article, raw, story=n, copy_number=copy)
    j = _recent_original(i)
    if kind == "copy":
        article, raw = _printing(j, near_copy(text(j), i), 1 + i % 7, published(j) + timedelta(hours=2), fetched, rel,
                                 at=i)
    elif kind == "seen":
        article, raw = _printing(j, text(j), 0, published(j), fetched, rel, scheme="http", query=f"?utm_source=rss{i}")
    else:
        article, raw = _printing(j, edited(text(j), i), 0, published(j), fetched, rel)
    return Save(i, kind, article, raw, story=j)
