"""Title, authors and dates by consensus of the page's own sources, each with the candidates it beat.

Every source a page offers is a :class:`Candidate` (JSON-LD, OpenGraph, Twitter
cards, ``<title>``, headings, ``rel=author``/``itemprop`` markup, the visible
byline and date lines). :func:`choose_title`, :func:`choose_authors` and
:func:`choose_dates` return a :class:`Choice`: the winner and the rest, so
``monitor check`` can show why a value won.

* Titles: entities decoded everywhere (JSON-LD strings too, twice-encoded ones
  included); the site's name stripped when it stands before or after a separator
  (`` - ``, `` | ``, `` — ``, `` :: ``, ``--`` ...); a heading that *is* the site's
  name is never a title. The publisher's own headline field wins (JSON-LD, then
  OpenGraph, Twitter, ``h1``, ``<title>``); a kicker or label that another
  source leaves out, or that two sources disagree on, is dropped.
* Authors: a list. JSON-LD people first, then author meta tags, ``rel=author``/
  ``itemprop=author`` markup, then the printed byline ("By", "Por", "Por:",
  "Autor:", "Redacción"). Photographers ("Foto:", "Photo:") are kept apart, and
  organisations only stand in when no person is named.
* Dates: published and modified apart. Machine-readable dates with a zone beat
  visible ones; a zone-less date is read in the outlet's zone when the outlet is
  known, else in the zone the page uses elsewhere, else UTC (said so in the
  provenance): a page that is not Cuban is never read as Havana time.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser

from .dates import ParsedDate, is_future, parse_date
from .metadata import Marked, Metadata
from .text import clean

_SEPARATORS = (" | ", " - ", " — ", " – ", " :: ", " -- ", " · ", " » ", " › ", " / ", ": ", "｜", " ｜ ")
_NON_WORD = re.compile(r"\W+")


@dataclass(frozen=True, slots=True)
class Candidate:
    value: Any  # str, tuple of names, or ParsedDate
    source: str


@dataclass(frozen=True, slots=True)
class Choice:
    winner: Candidate | None
    others: tuple[Candidate, ...] = ()


def decode(text: Any) -> str:
    """Entities decoded (twice-encoded ``&amp;#8216;`` too) and whitespace tidied."""
    if not isinstance(text, str):
        return ""
    for _ in range(2):
        if "&" not in text:
            break
        text = html.unescape(text)
    return clean(text)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.casefold()) if len(w) > 2 or not w.isascii()}


def _key(text: str) -> str:
    return _NON_WORD.sub("", text.casefold())


# ---------------------------------------------------------------- site names and titles


def site_names(meta: Metadata, url_host: str, outlet_name: str | None) -> set[str]:
    """Folded names the site calls itself: og:site_name, application-name, publisher, outlet, host."""
    names = {_key(v) for v in (*meta.all("og:site_name"), *meta.all("application-name"), *meta.all("al:android:app_name"))}
    publisher = meta.ld("publisher")
    if isinstance(publisher, dict):
        names.add(_key(decode(publisher.get("name"))))
    if outlet_name:
        names.add(_key(outlet_name))
    host = url_host.lower().removeprefix("www.").split(":")[0]
    if host:
        names.add(_key(host.rsplit(".", 1)[0]))  # "telesurenglish.net" -> "telesurenglish"
        names.add(_key(host))
    return {n for n in names if len(n) >= 2}


def is_site_name(text: str, names: set[str]) -> bool:
    key = _key(text)
    return bool(key) and (key in names or any(len(n) >= 4 and key.startswith(n) and len(key) <= len(n) + 12 for n in names))


def strip_site(title: str, names: set[str]) -> str:
    """``"Headline - teleSUR English"`` / ``"teleSUR | Headline"`` -> ``"Headline"`` (repeatedly), also
    ``"Headline | Site | by Author"`` and a section glued to the name (``"Headline-정치ᅵ한국일보"``)."""
    title = _cut_at_site(title, names)
    for _ in range(3):
        before = title
        for sep in _SEPARATORS:
            head, found, tail = title.rpartition(sep)
            if found and head.strip() and is_site_name(tail, names):
                title = head.strip()
                break
            head, found, tail = title.partition(sep)
            if found and tail.strip() and is_site_name(head, names):
                title = tail.strip()
                break
        if title == before:
            break
    return title


# A section label glued to the site name at the end, with no spaces around the separator.
_GLUED_TAIL = re.compile(r"^(.{10,}?)\s*[-|ᅵ｜]+\s*([^\s\-|ᅵ｜]{1,12}[-|ᅵ｜:·]?\s*[^\s\-|ᅵ｜]+)$")


def _cut_at_site(title: str, names: set[str]) -> str:
    """The site's name inside the title ends the headline when only a short credit follows it."""
    for sep in (" | ", " - ", " — ", " – ", " · "):
        parts = title.split(sep)
        for i in range(1, len(parts)):
            if is_site_name(parts[i], names) and len(" ".join(parts[i + 1:]).split()) <= 5:
                return sep.join(parts[:i]).strip()
    match = _GLUED_TAIL.match(title)
    if match and (tail := _key(match.group(2))) and any(
        len(n) >= 2 and tail.endswith(n) and tail != n and len(tail) - len(n) <= 12 for n in names
    ):
        return match.group(1).strip()
    return title


def title_candidates(meta: Metadata, tree: LexborHTMLParser, headings: list[tuple[str, str]]) -> list[Candidate]:
    found: list[Candidate] = []
    for value, source in (
        (meta.ld("headline"), "json-ld"),
        ((meta.first("og:title") or ("",))[0], "og:title"),
        ((meta.first("twitter:title") or ("",))[0], "twitter:title"),
    ):
        text = decode(value if isinstance(value, str) else "")
        if text:
            found.append(Candidate(text, source))
    node = (tree.head or tree).css_first("title")
    if node is not None and (text := decode(node.text(deep=True))):
        found.append(Candidate(text, "<title>"))
    for tag, text in headings:
        found.append(Candidate(decode(text), tag))
    return found


# Measured on ../shared/extraction-dev: the publisher's own headline field beats a vote among sources
# (0.82 against 0.71), since og:title/<title> are often SEO variants that agree with each other.
_PRIORITY = ("json-ld", "og:title", "twitter:title", "h1", "h2", "<title>")


def choose_title(candidates: list[Candidate], names: set[str]) -> Choice:
    """The first usable source in priority order, site names stripped; a candidate that shares no
    word with any other (a template's sample data, a section label) is passed over, and a site's
    name never wins."""
    usable = []
    raw: dict[int, Candidate] = {}
    for cand in candidates:
        text = strip_site(str(cand.value), names)
        if text and not is_site_name(text, names) and len(text) <= 400:
            usable.append(Candidate(text, cand.source))
            raw[id(usable[-1])] = cand
    if not usable:
        return Choice(None, tuple(candidates))
    usable.sort(key=lambda c: _PRIORITY.index(c.source) if c.source in _PRIORITY else len(_PRIORITY))
    best = usable[0]
    for cand in usable:
        own = _words(cand.value)
        others = [_words(o.value) for o in usable if o is not cand]
        if len(others) < 2 or any(own & other for other in others):
            best = cand
            break
    picked = _without_label(best, usable)
    origin = raw.get(id(picked), raw[id(best)])  # a kicker-less headline comes from the best source
    # what it beat, as the page printed it (site names and all): that is what `monitor check` shows
    return Choice(picked, tuple(c for c in candidates if c is not origin))


_KICKER = re.compile(r"^(.{1,80}?):\s+(.+)$")
_LABEL = re.compile(r"^(.+?)\s+[|\-–—]\s+(\S+(?:\s+\S+){0,2})$")


def _without_label(best: Candidate, usable: list[Candidate]) -> Candidate:
    """Another source printing the same headline without a kicker ("Neue Leipziger Schule: ...") or a
    trailing section label ("... | Sport") shows that part is not the headline: take the bare one."""
    for pattern, part in ((_KICKER, 2), (_LABEL, 1)):
        match = pattern.match(str(best.value))
        if match is None or (part == 2 and len(match.group(1).split()) > 6):
            continue
        bare = _key(match.group(part))
        for cand in usable:
            if cand is not best and _key(str(cand.value)) == bare:
                return cand
    # Two sources print the same headline under unrelated kickers ("Iranischer Angriff auf Israel: X",
    # "Eskalation im Nahen Osten - X"): neither kicker is the headline, what they share is. Kickers
    # sharing words are one headline reworded ("Harris in Canada: X" / "Harris' Canadian connections: X").
    own = _kicker_split(str(best.value))
    if own is not None:
        for cand in usable:
            other = _kicker_split(str(cand.value))
            if (other is not None and _key(other[1]) == _key(own[1]) and _key(other[0]) != _key(own[0])
                    and not _words(other[0]) & _words(own[0])):
                return Candidate(own[1], f"{best.source}, kicker dropped")
    return best


_KICKER_SEP = re.compile(r"^(.{1,80}?)(?::| [-–—]) +(.+)$")


def _kicker_split(title: str) -> tuple[str, str] | None:
    match = _KICKER_SEP.match(title)
    if match is None or len(match.group(1).split()) > 6 or len(match.group(2).split()) < 3:
        return None
    return match.group(1), match.group(2)


# ---------------------------------------------------------------- authors

_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\||/\s|\band\b|\bund\b|\by\b|\be\b|\bet\b|\bog\b|\boch\b|\bsowie\b)\s*", re.IGNORECASE)
_BYLINE_LEAD = re.compile(
    r"^\W*(?:(?:written|reported|edited)\s+by|by|por|von|par|door|av|af|di|da|autor(?:a|es)?|author|"
    r"redacci[oó]n|redaktion|texto|text|editado por|escrito por|reportaje de|mit|from)\b\s*:?\s*",
    re.IGNORECASE,
)
_PHOTO = re.compile(r"^\W*(?:fotos?|photos?|photography|bild(?:er)?|images?|imagen|im[aá]genes|video)\b\s*:?", re.IGNORECASE)
_NOT_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$|https?://|@|\d{3,}|\b(?:updated|published|actualizado|publicado|aktualisiert|min read|"
                       r"minutes?|minutos|hours?|horas)\b", re.IGNORECASE)
# A job title on its own line of the byline ("News Reporter", "Corresponsal"), not a name.
_ROLE = re.compile(
    r"^(?:(?:senior|chief|news|staff|political|foreign|special|deputy|associate|contributing|freier?)\s+)*"
    r"(?:reporter|correspondent|editor|writer|journalist|columnist|redakteur(?:in)?|korrespondent(?:in)?|"
    r"corresponsal|periodista|redactora?|reportera?|enviad[oa] especial)$",
    re.IGNORECASE,
)

# Korean bylines put the role after the name: "신현주 기자" (reporter), "특파원" (correspondent).
_ROLE_AFTER = re.compile(r"\s+(?:기자|특파원|선임기자)$")


def split_names(text: str) -> tuple[str, ...]:
    """``"By Ana Pérez y Luis Gómez"`` -> ``("Ana Pérez", "Luis Gómez")``; a lone agency stays one name."""
    text = _BYLINE_LEAD.sub("", decode(text)).strip(" .:-–—|")
    if not text or _PHOTO.match(text):
        return ()
    names = []
    for part in _NAME_SPLIT.split(text):
        part = _ROLE_AFTER.sub("", _BYLINE_LEAD.sub("", part)).strip(" .:-–—|()")
        if part and not _NOT_NAME.search(part) and not _ROLE.match(part) and len(part) <= 60 and len(part.split()) <= 6:
            names.append(part)
    return tuple(dict.fromkeys(names))


def _ld_people(value: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(people, organisations) named in a JSON-LD author value."""
    people: list[str] = []
    orgs: list[str] = []
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, str):
            people.extend(split_names(item))
        elif isinstance(item, dict):
            name = decode(item.get("name") or " ".join(str(item.get(k) or "") for k in ("givenName", "familyName")))
            kind = item.get("@type")
            kinds = [kind] if isinstance(kind, str) else (kind or [])
            target = orgs if any(str(k).lower() in ("organization", "newsmediaorganization") for k in kinds) else people
            target.extend(split_names(name) if target is people else ([name] if name else []))
    return tuple(dict.fromkeys(people)), tuple(dict.fromkeys(orgs))


def author_candidates(meta: Metadata, tree: LexborHTMLParser, bylines: list[str], marked_nodes: Marked | None = None
                      ) -> list[Candidate]:
    found: list[Candidate] = []
    people, orgs = _ld_people(meta.ld("author"))
    if people:
        found.append(Candidate(people, "json-ld"))
    for name in ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "byl", "cxenseparse:author",
                 "articleauthor"):
        values = [v for v in meta.all(name) if "://" not in v]
        names = tuple(dict.fromkeys(n for v in values for n in split_names(v)))
        if names:
            found.append(Candidate(names, f"meta[{name}]"))
    for index in range(1, 4):  # Yoast's "Written by" / "Verfasst von" / "Escrito por" card
        label = (meta.first(f"twitter:label{index}") or ("",))[0]
        data = (meta.first(f"twitter:data{index}") or ("",))[0]
        if data and re.search(r"written|verfasst|escrito|autor|author|écrit|scritto", label, re.IGNORECASE):
            names = split_names(data)
            if names:
                found.append(Candidate(names, "twitter:data (written by)"))
    marked: list[str] = []
    for node in (marked_nodes.authors if marked_nodes is not None else
                 tree.css('[itemprop~="author"] [itemprop~="name"], a[rel~="author"], [itemprop~="author"]')):
        if node.tag == "meta":
            text = node.attributes.get("content") or ""
        else:
            text = node.text(deep=True, separator=" ")
        marked.extend(split_names(text))
    if found:
        # marked-up names ride along only to be compared with the metadata (see choose_authors)
        extra = [Candidate(tuple(dict.fromkeys(marked)), "rel=author/itemprop=author")] if marked else []
        return found + _printed(bylines) + extra + ([Candidate(orgs, "json-ld (organisation)")] if orgs else [])
    if marked:
        found.append(Candidate(tuple(dict.fromkeys(marked)), "rel=author/itemprop=author"))
    found += _printed(bylines)
    linked: list[str] = []
    for node in tree.css('a[href*="/author/"], a[href*="/autor/"], a[href*="/autoren/"], a[href*="/authors/"]')[:6]:
        linked.extend(split_names(node.text(deep=True, separator=" ")))
    if linked:
        found.append(Candidate(tuple(dict.fromkeys(linked)), "author page link"))
    if orgs:
        found.append(Candidate(orgs, "json-ld (organisation)"))
    return found


def _printed(bylines: list[str]) -> list[Candidate]:
    printed = tuple(dict.fromkeys(n for line in bylines for n in split_names(line)))
    return [Candidate(printed, "byline")] if printed else []


def choose_authors(candidates: list[Candidate], names: set[str]) -> Choice:
    """The first source naming people; the site's or an agency's name only when no person is named.
    A printed byline naming more people than the metadata wins."""
    usable = [c for c in candidates if c.value]
    if not usable:
        return Choice(None, tuple(candidates))
    people = [c for c in usable if not all(is_site_name(n, names) for n in c.value) and "organisation" not in c.source]
    best = people[0] if people else usable[0]
    if people:
        best = Candidate(tuple(n for n in best.value if not is_site_name(n, names)), best.source)
    for source in ("byline", "rel=author/itemprop=author"):
        printed = next((c for c in usable if c.source == source), None)
        if printed is not None and best.source != source:
            # A byline (printed or marked up) naming everyone the metadata names and more wins: the
            # metadata often keeps only the first author.
            meta_keys = {_key(n) for n in best.value}
            printed_keys = {_key(n) for n in printed.value}
            # Marked-up names may include the teasers' authors: only one name more counts there.
            limit = len(meta_keys) + 1 if source != "byline" else len(printed_keys)
            if meta_keys and meta_keys < printed_keys and len(printed_keys) <= limit:
                best = printed
    return Choice(best, tuple(c for c in candidates if c.source != best.source))


# ---------------------------------------------------------------- dates

_PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "og:published_time", "datepublished",
    "publishdate", "pubdate", "date", "dc.date", "dc.date.issued", "dcterms.created",
    "parsely-pub-date", "sailthru.date", "article.published", "published_time",
)
# teleSUR's old templates fill "publish-date" and cXense's publishtime with the LAST-MODIFIED time [T]:
# they are never taken as published.
_MODIFIED_META = ("article:modified_time", "og:updated_time", "dcterms.modified", "last-modified", "article.updated",
                  "datemodified")


@dataclass(frozen=True, slots=True)
class DateChoice:
    published: Candidate | None
    modified: Candidate | None
    others: tuple[tuple[str, Candidate], ...]  # ("published" | "modified", candidate that lost; unread ones hold the raw text)
    rejected: tuple[str, ...]
    zone_note: str | None  # how a zone-less date was read


def date_candidates(meta: Metadata, tree: LexborHTMLParser, visible: list[str], *, page_times: bool = True,
                    marked: Marked | None = None) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Raw (text, source) candidates for published and for modified, best first."""
    published: list[tuple[str, str]] = []
    modified: list[tuple[str, str]] = []
    late: list[tuple[str, str]] = []  # <time datetime> ranks after microdata
    for key, target in (("datePublished", published), ("dateCreated", published), ("dateModified", modified)):
        value = meta.ld(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, str) and value.strip():
            target.append((value, "json-ld"))
    for name in _PUBLISHED_META:
        for value in meta.all(name):
            published.append((value, f"meta[{name}]"))
    for name in _MODIFIED_META:
        for value in meta.all(name):
            modified.append((value, f"meta[{name}]"))
    if page_times:  # one pass over the tree for schema.org microdata and <time datetime>
        times = 0
        for node in (marked.dates if marked is not None else
                     tree.css('[itemprop~="datePublished"], [itemprop~="dateModified"], time[datetime]')):
            attrs = node.attributes
            prop = attrs.get("itemprop") or ""
            if "datePublished" in prop or "dateModified" in prop:
                value = attrs.get("datetime") or attrs.get("content") or node.text(deep=True)
                if value and value.strip():
                    name = "datePublished" if "datePublished" in prop else "dateModified"
                    (published if name == "datePublished" else modified).append((value, f"itemprop={name}"))
            elif times < 3 and (value := attrs.get("datetime") or "").strip():
                times += 1
                late.append((value, "time[datetime]"))
    published += late
    for line in visible:
        if not _UPDATED.search(line):
            published.append((line, "visible date line"))
    return published, modified


_UPDATED = re.compile(r"updated|actualizad|aktualisiert|modified|modificad|editado|mis à jour", re.IGNORECASE)


def _has_zone(text: str) -> bool:
    return bool(re.search(r"(?:Z|[+-]\d{2}:?\d{2}|\b(?:UTC|GMT|[ECMP][SD]T|CES?T|BST)\b)\s*$", text.strip(), re.IGNORECASE)) \
        or bool(re.search(r"T\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})", text))


def page_zone(candidates: list[tuple[str, str]]) -> tzinfo | None:
    """The UTC offset the page itself uses in its zoned dates, if any."""
    for text, _source in candidates:
        match = re.search(r"T\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?([+-])(\d{2}):?(\d{2})\b", text)
        if match:
            sign = -1 if match.group(1) == "-" else 1
            return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))
    return None


def choose_dates(published: list[tuple[str, str]], modified: list[tuple[str, str]], *, zone: str | None,
                 now: datetime) -> DateChoice:
    """Published and modified, parsed: zoned machine dates first, never published from a modified date."""
    rejected: list[str] = []
    note = None
    if zone:
        local: tzinfo = ZoneInfo(zone)
    else:
        found = page_zone(published + modified)
        local = found or timezone.utc
        note = "page's own offset" if found else "no zone on the page: UTC"

    unread: list[tuple[str, Candidate]] = []

    def parse_all(raw: list[tuple[str, str]], name: str) -> list[tuple[Candidate, bool, str]]:
        out: list[tuple[Candidate, bool, str]] = []
        for index, (text, source) in enumerate(raw):
            if out and out[0][1] and out[0][0].value.precision != "day":
                # the first candidate is precise and zoned: nothing after it can win; list the rest unread
                unread.extend((name, Candidate(t, s)) for t, s in raw[index:])
                break
            parsed = parse_date(text, local)
            if parsed is None:
                if not source.startswith("visible"):
                    rejected.append(f"{source} {text!r}: not a date")
                continue
            if is_future(parsed.value, now):
                rejected.append(f"{source} {text!r}: after fetch time {now.isoformat()}")
                continue
            out.append((Candidate(parsed, source), _has_zone(text), text))
        return out

    pubs = parse_all(published, "published")
    mods = parse_all(modified, "modified")

    def best(items: list[tuple[Candidate, bool, str]]) -> Candidate | None:
        if not items:
            return None
        # precise and zoned first, then precise, then the first; machine sources come first in the list
        def rank(item: tuple[Candidate, bool, str]) -> tuple[int, int]:
            cand, zoned, _ = item
            parsed: ParsedDate = cand.value
            precise = parsed.precision != "day"
            return (2 if precise and zoned else 1 if precise else 0), -items.index(item)
        top = max(items, key=rank)
        cand = top[0]
        # a day-precise winner takes the time from a candidate of the same day
        return cand

    pub = best(pubs)
    mod = best(mods)
    others = tuple(("published", c) for c, _z, _t in pubs if c is not pub) + tuple(
        ("modified", c) for c, _z, _t in mods if c is not mod) + tuple(unread)
    return DateChoice(pub, mod, others, tuple(rejected), note if pub is not None and not _chosen_zoned(pub, pubs) else None)


def _chosen_zoned(cand: Candidate, items: list[tuple[Candidate, bool, str]]) -> bool:
    return next((zoned for c, zoned, _ in items if c is cand), True)
