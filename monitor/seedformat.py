"""The seed text format: render an Article to it, parse it back, clean raw page dumps.

A normalised document, byte for byte as ``seeds/001_…txt`` ("\\n" line ends,
no trailing newline)::

    \\n\\n# *{title}*\\n\\n---\\n\\n\\n\\n[**{caption}**\\n\\n]{p1}\\n\\n{p2}…\\n\\n---\\n\\n<{url}>\\n\\n\\n\\n**{outlet name}**

Choices the format leaves open, made here once:

* Every field is one line. Runs of whitespace (newlines, tabs, no-break and
  other Unicode spaces) become one space; zero-width characters, soft hyphens
  and control characters go; text is NFC. Curly quotes, accents and Markdown
  characters stay as the outlet printed them: nothing is escaped.
* The marks are peeled exactly once on reading: ``# *`` + ``*`` around the
  title, ``**`` around caption and outlet name, so a title such as
  ``*Granma* at 60`` or a caption ending in ``*`` round-trips unchanged.
* Without a caption, a first paragraph that itself reads ``**…**`` would come
  back as the caption, so render writes an empty caption line ``****`` in the
  caption slot; parse reads ``****`` as "no caption".
* ``subtitle`` has no slot: outlets that print a standfirst print it as a
  body paragraph (seed 000), and that is where it belongs.
* parse forgives what editors do (CRLF, a BOM, a trailing newline, more or
  fewer blank lines, a paragraph wrapped over several lines); render always
  writes the canonical bytes, so ``render(parse(doc))`` repairs such a file.

Raw dumps (seed 000) are cleaned line by line by ``clean_raw``; see there.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import replace

from monitor.errors import ParseError
from monitor.models import Article

log = logging.getLogger(__name__)

_INVISIBLE_CHARS = "\u200b\u2060\ufeff\u00ad"
_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE_CHARS))
_TITLE_LINE = re.compile(r"# \*(.*)\*")
_BOLD_LINE = re.compile(r"\*\*(.*)\*\*")
_URL_LINE = re.compile(r"<([^\s<>]+)>")
# A page dump imported before its article was seen (``monitor import`` of a raw seed): the link
# line stays empty until a fetch fills it in. Only the store writes it; export never does.
_UNKNOWN_URL_LINE = "<>"
_NO_CAPTION = "****"
_SEED_NAME = re.compile(r"(\d{3,})_([0-9a-f]{16})\.txt")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str | None) -> str:
    """One tidy line: NFC, odd whitespace collapsed to single spaces, invisibles dropped."""
    if not text:
        return ""
    if text.isprintable():  # the common case: no control, invisible or odd space characters in it
        if not text.isascii():
            text = unicodedata.normalize("NFC", text)
        if "  " not in text and text[:1] != " " and text[-1:] != " ":
            return text  # already one tidy line: spared splitting it into words
        return " ".join(text.split())
    if not text.isascii():  # ASCII is already NFC and holds none of the invisibles
        text = unicodedata.normalize("NFC", text)
        if any(ch in text for ch in _INVISIBLE_CHARS):  # translate() costs more than four scans
            text = text.translate(_INVISIBLE)
    if _CONTROL.search(text):  # rare: the per-character pass only when a control char is there
        text = "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) != "Cc")
    return " ".join(text.split())


def normalise(article: Article) -> Article:
    """The Article with every text field the format holds cleaned, empty paragraphs dropped."""
    return replace(
        article,
        title=clean_text(article.title),
        subtitle=clean_text(article.subtitle) or None,
        caption=clean_text(article.caption) or None,
        body=tuple(p for p in map(clean_text, article.body) if p),
        outlet_name=clean_text(article.outlet_name),
        canonical_url=(article.canonical_url or article.url).strip(),
    )


def render(article: Article, *, url_unknown: bool = False) -> str:
    """The normalised document for ``article`` (ValueError if title, URL or outlet name is unusable).

    ``url_unknown`` writes an empty link line ``<>`` for an article without any URL yet.
    """
    a = normalise(article)
    _check_renderable(a, url_unknown=url_unknown and not a.canonical_url)
    blocks = list(a.body)
    if a.caption:
        blocks.insert(0, f"**{a.caption}**")
    elif blocks and _BOLD_LINE.fullmatch(blocks[0]):
        blocks.insert(0, _NO_CAPTION)  # keep a bold-looking first paragraph out of the caption slot
    middle = "\n\n".join(blocks)
    return (
        f"\n\n# *{a.title}*\n\n---\n\n\n\n{middle}\n\n---\n\n"
        f"<{a.canonical_url}>\n\n\n\n**{a.outlet_name}**"
    )


def _check_renderable(a: Article, *, url_unknown: bool = False) -> None:
    if not a.title:
        raise ValueError(f"{a.canonical_url or a.url}: cannot render an article without a title")
    if not url_unknown and not _URL_LINE.fullmatch(f"<{a.canonical_url}>"):
        raise ValueError(f"{a.title!r}: canonical_url {a.canonical_url!r} is empty or not a URL")
    if not a.outlet_name:
        raise ValueError(f"{a.canonical_url}: cannot render an article without an outlet name")


def _lines(text: str) -> list[str]:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _blocks(lines: list[str]) -> list[str]:
    """Paragraphs separated by blank lines; a paragraph wrapped over lines is joined."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [clean_text(" ".join(b)) for b in blocks if b]


def parse(text: str, *, outlet: str = "", outlet_name: str | None = None) -> Article:
    """Read a normalised document back into an Article (ParseError if it is not one).

    The document's own outlet name wins; ``outlet_name`` only fills an empty footer.
    """
    lines = _lines(text)
    content = [i for i, line in enumerate(lines) if line.strip()]
    if len(content) < 5:
        raise ParseError("<text>", "not a normalised document: too few lines")
    first, rule, end_rule, url_at, name_at = (lines[i].strip() for i in (*content[:2], *content[-3:]))
    title = _TITLE_LINE.fullmatch(first)
    url = _URL_LINE.fullmatch(url_at) or (re.fullmatch("<()>", url_at) if url_at == _UNKNOWN_URL_LINE else None)
    name = _BOLD_LINE.fullmatch(name_at)
    if not title or not clean_text(title[1]):
        raise ParseError("<text>", f"not a normalised document: no title line '# *…*' (got {first[:60]!r})")
    if rule != "---" or end_rule != "---" or not url or not name:
        raise ParseError("<text>", "not a normalised document: expected '---' after the title and "
                         "'---', '<url>', '**outlet**' at the end")
    blocks = _blocks(lines[content[1] + 1 : content[-3]])
    caption = _caption_block(blocks)
    return Article(
        url=url[1], canonical_url=url[1], outlet=outlet,
        outlet_name=clean_text(name[1]) or clean_text(outlet_name),
        title=clean_text(title[1]), caption=caption, body=tuple(blocks),
        provenance=_provenance("seed", caption),
    )


def _caption_block(blocks: list[str]) -> str | None:
    """Pop the caption (or the empty caption mark) off the front of ``blocks``."""
    if blocks and (bold := _BOLD_LINE.fullmatch(blocks[0])):
        blocks.pop(0)
        return clean_text(bold[1]) or None
    return None


def _provenance(source: str, caption: str | None) -> tuple[tuple[str, str], ...]:
    fields = ("title", "caption", "body") if caption else ("title", "body")
    return tuple((f, source) for f in fields)


def is_normalised(text: str) -> bool:
    """True for a document in the seed layout (seed 001), False for a raw dump (seed 000)."""
    try:
        parse(text)
    except ParseError:
        return False
    return True


def load_document(
    text: str, *, url: str | None = None, outlet: str = "", outlet_name: str | None = None
) -> Article:
    """An Article from either form: parse a normalised document, clean a raw dump.

    For a normalised document its own ``<url>`` is the canonical URL; ``url``
    (where the text came from) only sets ``Article.url``.
    """
    if is_normalised(text):
        article = parse(text, outlet=outlet, outlet_name=outlet_name)
        return replace(article, url=url) if url else article
    return clean_raw(text, url=url, outlet=outlet, outlet_name=outlet_name)


# --- raw dumps -------------------------------------------------------------

_BULLETS = "•◦▪‣·"
_NAV = frozenset(
    "live|audio only|video|google plus|google+|facebook|twitter|x|whatsapp|telegram|linkedin"
    "|reddit|pinterest|instagram|youtube|email|e-mail|print|share|tweet|menu|search|home"
    "|related|related news|read more|read also|you may also like|leave a comment|advertisement"
    "|subscribe|comments".split("|")
)
_COMMENTS = re.compile(r"(?:post with )?(?:no|\d+) comments?\.?", re.I)
_BREADCRUMB = re.compile(r"[^.!?>]{1,60}(?: > [^.!?>]{1,60})+")
_DATE_LINE = re.compile(r"(?:published|updated|publicado|actualizado)\b", re.I)
_CREDIT = re.compile(r"\b(?:photos?|fotos?|images?|imagen|picture)\s*(?::|by\b)", re.I)
_SENTENCE_END = tuple('.!?…"”’»)')
_MINOR_WORDS = frozenset(
    "a an and as at but by for from in into of on or over per the to vs via with amid amidst".split()
)


def _unbullet(line: str) -> str:
    return line.lstrip(_BULLETS).strip()


def _is_nav(line: str) -> bool:
    bare = _unbullet(line).lower()
    return bare in _NAV or bool(_COMMENTS.fullmatch(bare))


def _is_prose(line: str) -> bool:
    return line.endswith(_SENTENCE_END) and len(line.split()) >= 5


def _is_title_case(line: str) -> bool:
    words = [w.strip("\"'“”‘’«»()[]") for w in line.split()]
    major = [w for w in words if w[:1].isalpha() and w.lower() not in _MINOR_WORDS]
    return len(major) >= 2 and words[0][:1].isupper() and all(w[0].isupper() for w in major)


def _looks_like_headline(line: str) -> bool:
    """Short, title case, no sentence-final punctuation: a headline, not a sentence."""
    words = line.split()
    return (
        3 <= len(words) <= 16 and len(line) <= 150 and line[-1].isalnum()
        and _is_title_case(line) and not _DATE_LINE.match(line) and not _CREDIT.search(line)
    )


def _is_title_candidate(line: str) -> bool:
    return (
        not line.startswith(tuple(_BULLETS)) and not _is_nav(line) and not _BREADCRUMB.fullmatch(line)
        and not _DATE_LINE.match(line) and not _CREDIT.search(line)
        and len(line.split()) >= 3 and len(line) <= 300 and not line.endswith(".")
    )


def clean_raw(
    text: str, *, url: str | None = None, outlet: str = "", outlet_name: str | None = None
) -> Article:
    """An Article from a plain-text dump of a whole page (seed 000).

    Each non-blank line is a unit. Everything before the title (the first line
    of three words or more that is not a bullet, breadcrumb, date or credit)
    is page furniture. After it: navigation and comment counters go, a bullet
    that is the truncated start of the next line goes and marks that line as
    the caption, otherwise the first credit line ("| Photo: EFE") before the
    first real paragraph is the caption; inline related headlines go.
    The URL and outlet name are not in the dump: the importer passes them.
    """
    where = url or "<raw text>"
    units = [line for line in map(clean_text, _lines(text)) if line]
    start = next((i for i, line in enumerate(units) if _is_title_candidate(line)), None)
    if start is None:
        raise ParseError(where, "raw text has no title line")
    log.debug("dropped before the title: %r", units[:start])
    lines, caption_hint = _drop_furniture(units[start + 1 :])
    caption = _take_caption(lines, caption_hint)
    body = _drop_related_headlines(lines)
    if not body:
        raise ParseError(where, "raw text has a title but no body paragraphs")
    return Article(
        url=url or "", canonical_url=url or "", outlet=outlet, outlet_name=clean_text(outlet_name),
        title=units[start], caption=caption, body=tuple(body),
        provenance=_provenance("seed-raw", caption),
    )


def _drop_furniture(units: list[str]) -> tuple[list[str], int | None]:
    """Lines without navigation, counters and truncated bullet duplicates.

    Also returns the index (in the kept lines) of the line a truncated bullet
    duplicated: that is the image caption the page repeats in its alt text.
    """
    kept: list[str] = []
    hint: int | None = None
    for i, line in enumerate(units):
        following = units[i + 1] if i + 1 < len(units) else ""
        bare = _unbullet(line)
        if _is_nav(line) or not bare:
            continue
        if line.startswith(tuple(_BULLETS)) and following.startswith(bare) and following != line:
            hint = len(kept) if hint is None else hint
            continue
        kept.append(line)
    log.debug("kept %d of %d lines after the title", len(kept), len(units))
    return kept, hint


def _take_caption(lines: list[str], hint: int | None) -> str | None:
    """Remove and return the caption: the hinted line, else the first credit line above the prose."""
    for i, line in enumerate(lines):
        if i == hint or _CREDIT.search(line):
            return lines.pop(i)
        if _is_prose(line):
            return None
    return None


def _drop_related_headlines(lines: list[str]) -> list[str]:
    """Drop headline-shaped lines that sit between prose paragraphs (inline "related" links)."""
    candidates = {i for i, line in enumerate(lines) if _looks_like_headline(line)}
    drop = set()
    for i in candidates:
        before = next((lines[j] for j in range(i - 1, -1, -1) if j not in candidates), "")
        after = next((lines[j] for j in range(i + 1, len(lines)) if j not in candidates), "")
        if _is_prose(before) and _is_prose(after):
            drop.add(i)
    log.debug("related headlines dropped: %r", [lines[i] for i in sorted(drop)])
    return [line for i, line in enumerate(lines) if i not in drop]


# --- ids and file names ----------------------------------------------------


def seed_id(canonical_url: str) -> str:
    """16 lower-case hex digits from the canonical URL: the same article, the same id."""
    if not canonical_url.strip():
        raise ValueError("seed_id needs a canonical URL")
    return hashlib.sha256(canonical_url.strip().encode("utf-8")).hexdigest()[:16]


def seed_filename(seq: int, item_id: str) -> str:
    """``{seq:03d}_{id}.txt``; the sequence grows past three digits when it must."""
    if seq < 0:
        raise ValueError(f"seed sequence must be >= 0, got {seq}")
    if not re.fullmatch(r"[0-9a-f]{16}", item_id):
        raise ValueError(f"seed id must be 16 lower-case hex digits, got {item_id!r}")
    return f"{seq:03d}_{item_id}.txt"


def parse_seed_filename(name: str) -> tuple[int, str]:
    """``(seq, id)`` from a seed file name such as ``001_319918b101c2d455.txt``."""
    match = _SEED_NAME.fullmatch(name)
    if not match:
        raise ValueError(f"not a seed file name ({{seq}}_{{16 hex}}.txt): {name!r}")
    return int(match[1]), match[2]
