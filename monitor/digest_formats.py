"""The digest as Markdown, self-contained HTML, JSON (``digest.schema.json``) and Atom.

HTML is for mail clients as much as browsers: inline ``style`` attributes only
(many clients drop ``<style>``), simple blocks and one table, no images, no
scripts, no external assets. Atom entry ids are ``tag:`` URIs built from the item
id, so a feed reader never shows an item twice.
"""

from __future__ import annotations

import html
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable
from xml.etree import ElementTree as ET

from .config import Config
from .digest import HAVANA, Digest, Entry, Excerpt, published_text, utc_text

FORMATS = ("markdown", "html", "json", "atom")
_SUFFIX_FORMATS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
                   ".json": "json", ".atom": "atom", ".xml": "atom"}
SCHEMA_VERSION = 1
TAG = "tag:monitor.invalid,2024:"  # .invalid: a tagging authority no one else can own
ATOM_NS = "http://www.w3.org/2005/Atom"


def choose_format(fmt: str | None, output: Path | None, config: Config) -> str:
    """--format, else the output file's suffix, else ``[digest] format`` (Markdown)."""
    if fmt:
        return fmt
    if output is not None and output.suffix.lower() in _SUFFIX_FORMATS:
        return _SUFFIX_FORMATS[output.suffix.lower()]
    return config.digest.format


def render(digest: Digest, fmt: str) -> str:
    renderers: dict[str, Callable[[Digest], str]] = {
        "markdown": to_markdown, "html": to_html, "json": to_json_text, "atom": to_atom,
    }  # fmt: skip
    return renderers[fmt](digest)


def heading(digest: Digest) -> str:
    n = digest.count
    return f"{n} new relevant item{'s' if n != 1 else ''}" if n else "nothing new"


# ---------------------------------------------------------------- markdown


NO_URL = " (imported page dump: link not known until the article is fetched)"


def _md_link(title: str, url: str) -> str:
    """``[title](<url>)``; an item imported from a page dump has no URL yet, and says so."""
    return f"[{_md_escape(title)}](<{url}>)" if url else _md_escape(title + NO_URL)


def _md_escape(text: str) -> str:
    return "".join("\\" + c if c in "\\`*_[]<>#|" else c for c in text)


def _md_excerpt(excerpt: Excerpt) -> str:
    text = excerpt.text
    if excerpt.start is None or excerpt.end is None:
        return _md_escape(text)
    before, match, after = text[: excerpt.start], text[excerpt.start : excerpt.end], text[excerpt.end :]
    return f"{_md_escape(before)}**{_md_escape(match)}**{_md_escape(after)}"


def _md_entry(entry: Entry) -> list[str]:
    lines = [f"### {_md_link(entry.title, entry.url)}", ""]
    lines.append(f"Published {published_text(entry)} · rules: {', '.join(entry.rules) or 'none'}")
    if entry.excerpt is not None:
        lines += ["", f"> {_md_excerpt(entry.excerpt)}"]
    if entry.also_at:
        lines += ["", "Also at: " + ", ".join(f"<{url}>" for url in entry.also_at)]
    if entry.copies:
        copies = ", ".join(f"{_md_escape(c.outlet_name)} (<{c.url}>)" for c in entry.copies)
        lines += ["", f"Also published by {copies}"]
    for edition in entry.editions:
        lines += ["", f"Also in {edition.language_name}: [{_md_escape(edition.title)}](<{edition.url}>)"]
    return lines + [""]


POSSIBLY_NOTE = "The rules are not sure about these: each says why. Label them with monitor label ITEM relevant|not."


def possible_line(entry: Entry) -> str:
    """``telesur-es · score 2 · why: only weak words · rules: smuggling-word``"""
    why = "; ".join(entry.reasons) or "below the threshold"
    return f"{entry.outlet_name or entry.outlet} · score {entry.score:g} · why: {why} · rules: {', '.join(entry.rules) or 'none'}"


def _md_possible(entry: Entry) -> list[str]:
    lines = [f"- {_md_link(entry.title, entry.url)} `{entry.id}`", f"  {_md_escape(possible_line(entry))}"]
    if entry.excerpt is not None:
        lines.append(f"  > {_md_excerpt(entry.excerpt)}")
    return lines + [""]


def to_markdown(digest: Digest) -> str:
    lines = [f"# Monitor digest: {heading(digest)}", ""]
    lines += [f"{digest.scope} Generated {utc_text(digest.generated)}.", ""]
    if not digest.count:
        lines += ["Nothing new.", ""]
    for group in digest.groups:
        lines += [f"## {group.heading} · {len(group.entries)}", ""]
        for entry in group.entries:
            lines += _md_entry(entry)
    if digest.possibly:
        lines += [f"## Possibly relevant · {len(digest.possibly) + digest.possibly_more}", "", POSSIBLY_NOTE, ""]
        for entry in digest.possibly:
            lines += _md_possible(entry)
        if digest.possibly_more:
            lines += [f"And {digest.possibly_more} more (band = possibly in Datasette).", ""]
    lines += ["## Health", ""]
    for line, failures in zip(health_lines(digest), _failure_links(digest)):
        lines.append(f"- {line}")
        lines += [f"  - {kind}: <{url}>" for kind, url in failures]
    return "\n".join(lines).rstrip() + "\n"


def _failure_links(digest: Digest) -> list[tuple[tuple[str, str], ...]]:
    """The latest failed URLs beside each health line (failing outlets first, as health_lines orders them)."""
    return [f.failures for f in digest.failing] + [() for _ in digest.silent] + [()]


def health_lines(digest: Digest) -> list[str]:
    """One sentence per unhealthy outlet; a single reassuring line when all are fine."""
    lines = []
    for f in digest.failing:
        last_ok = f"last success {utc_text(f.last_success)}" if f.last_success else "never succeeded"
        runs = f"{f.streak} failed run{'s' if f.streak != 1 else ''} in a row"
        more = f"; latest failures below, all with `monitor status {f.outlet}`" if f.failures else ""
        lines.append(f"FAILING [{f.outlet}] {f.name}: {f.reason} — {runs}, {last_ok}{more}")
    for s in digest.silent:
        last = f"last new item {utc_text(s.last_new)}" if s.last_new else "nothing stored since its first poll"
        lines.append(f"SILENT [{s.outlet}] {s.name}: nothing new for {s.days} days ({last})")
    for d in digest.degraded:
        lines.append(f"DEGRADED [{d.outlet}] {d.name}: {d.reason} — read by the generic extractor; update its selectors")
    return lines or [f"Every enabled outlet worked and had something new within {digest.silent_after_days} days."]


# ---------------------------------------------------------------- HTML

_STYLE = {
    "body": "margin:0;padding:0;background:#f4f4f1;color:#1d1d1b;font-family:Georgia,'Times New Roman',serif",
    "wrap": "max-width:760px;margin:0 auto;padding:20px 18px;background:#ffffff",
    "h1": "font-size:24px;line-height:1.25;margin:0 0 6px 0;font-weight:bold",
    "meta": "font-family:Arial,Helvetica,sans-serif;font-size:13px;color:#5b5b57;margin:0 0 18px 0",
    "h2": "font-family:Arial,Helvetica,sans-serif;font-size:17px;margin:26px 0 8px 0;padding:0 0 4px 0;"
          "border-bottom:2px solid #8a1c1c;color:#8a1c1c",
    "entry": "margin:0 0 18px 0;padding:0 0 14px 0;border-bottom:1px solid #e3e3de",
    "h3": "font-size:18px;line-height:1.3;margin:0 0 4px 0",
    "a": "color:#0b4f8a;text-decoration:underline",
    "small": "font-family:Arial,Helvetica,sans-serif;font-size:13px;color:#5b5b57;margin:2px 0",
    "quote": "margin:8px 0;padding:6px 12px;border-left:3px solid #c9c9c2;font-size:15px;line-height:1.5;color:#33332f",
    "mark": "background:#fff0a8;color:#1d1d1b;padding:0 1px",
    "code": "font-family:Menlo,Consolas,monospace;font-size:12px;background:#f0f0ea;padding:1px 4px",
    "table": "border-collapse:collapse;width:100%;font-family:Arial,Helvetica,sans-serif;font-size:13px",
    "th": "text-align:left;padding:5px 8px;border-bottom:1px solid #c9c9c2;background:#f0f0ea",
    "td": "text-align:left;padding:5px 8px;border-bottom:1px solid #e3e3de;vertical-align:top",
}


def _tag(name: str, content: str, style: str | None = None, **attrs: str) -> str:
    pairs = "".join(f' {k.rstrip("_")}="{html.escape(v)}"' for k, v in attrs.items())
    css = f' style="{_STYLE[style or name]}"' if (style or name) in _STYLE else ""
    return f"<{name}{pairs}{css}>{content}</{name}>"


def _link(url: str, text: str | None = None) -> str:
    return _tag("a", html.escape(text or url), href=url)


def _html_excerpt(excerpt: Excerpt, mark: str = "mark") -> str:
    """The excerpt with its match in ``<mark>`` (``<strong>`` for feed readers, which drop styles)."""
    if excerpt.start is None or excerpt.end is None:
        return html.escape(excerpt.text)
    t = excerpt.text
    match = html.escape(t[excerpt.start : excerpt.end])
    marked = _tag("mark", match) if mark == "mark" else f"<{mark}>{match}</{mark}>"
    return html.escape(t[: excerpt.start]) + marked + html.escape(t[excerpt.end :])


def _html_entry(entry: Entry) -> str:
    parts = [_tag("h3", _link(entry.url, entry.title) if entry.url else html.escape(entry.title + NO_URL))]
    parts.append(_tag("p", html.escape(f"Published {published_text(entry)}"), "small"))
    rules = " ".join(_tag("code", html.escape(rule)) for rule in entry.rules)
    parts.append(_tag("p", f"Rules: {rules}", "small"))
    if entry.excerpt is not None:
        parts.append(_tag("blockquote", _html_excerpt(entry.excerpt), "quote"))
    if entry.also_at:
        parts.append(_tag("p", "Also at: " + ", ".join(_link(u) for u in entry.also_at), "small"))
    if entry.copies:
        parts.append(_tag("p", "Also published by " + ", ".join(
            f"{html.escape(c.outlet_name)} ({_link(c.url)})" for c in entry.copies), "small", class_="copies"))
    for edition in entry.editions:
        parts.append(_tag("p", f"Also in {html.escape(edition.language_name)}: {_link(edition.url, edition.title)}",
                          "small", class_="edition"))
    return _tag("div", "".join(parts), "entry", class_="entry", id=f"item-{entry.id}")


def _html_possible(entry: Entry) -> str:
    title = _link(entry.url, entry.title) if entry.url else html.escape(entry.title + NO_URL)
    parts = [_tag("h3", title), _tag("p", html.escape(possible_line(entry)), "small")]
    if entry.excerpt is not None:
        parts.append(_tag("blockquote", _html_excerpt(entry.excerpt), "quote"))
    return _tag("div", "".join(parts), "entry", class_="possibly", id=f"item-{entry.id}")


def _html_health(digest: Digest) -> str:
    if not digest.failing and not digest.silent and not digest.degraded:
        return _tag("p", html.escape(health_lines(digest)[0]), "small")
    head = "".join(_tag("th", h) for h in ("Outlet", "State", "Why"))
    rows = [
        _tag("tr", _tag("td", html.escape(f.name)) + _tag("td", "failing")
             + _tag("td", html.escape(f.reason) + "".join(
                 f'<br>{html.escape(kind)}: <a href="{html.escape(url)}">{html.escape(url)}</a>'
                 for kind, url in f.failures)))
        for f in digest.failing
    ] + [
        _tag("tr", "".join(_tag("td", html.escape(c)) for c in (s.name, "silent", f"nothing new for {s.days} days")))
        for s in digest.silent
    ] + [
        _tag("tr", "".join(_tag("td", html.escape(c)) for c in (d.name, "degraded", d.reason)))
        for d in digest.degraded
    ]
    return _tag("table", _tag("tr", head) + "".join(rows), class_="health")


def to_html(digest: Digest) -> str:
    title = f"Monitor digest: {heading(digest)}"
    body = [_tag("h1", html.escape(title))]
    body.append(_tag("p", html.escape(f"{digest.scope} Generated {utc_text(digest.generated)}."), "meta"))
    if not digest.count:
        body.append(_tag("p", "Nothing new.", "meta"))
    for group in digest.groups:
        label = f"{group.heading} · {len(group.entries)}"
        body.append(_tag("h2", html.escape(label)))
        body += [_html_entry(entry) for entry in group.entries]
    if digest.possibly:
        body.append(_tag("h2", html.escape(f"Possibly relevant · {len(digest.possibly) + digest.possibly_more}"), id="possibly"))
        body.append(_tag("p", html.escape(POSSIBLY_NOTE), "small"))
        body += [_html_possible(entry) for entry in digest.possibly]
        if digest.possibly_more:
            body.append(_tag("p", html.escape(f"And {digest.possibly_more} more (band = possibly in Datasette)."), "small"))
    body += [_tag("h2", "Health"), _html_health(digest)]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head>\n"
        f'<body style="{_STYLE["body"]}"><div style="{_STYLE["wrap"]}">\n' + "\n".join(body) + "\n</div></body></html>\n"
    )


# ---------------------------------------------------------------- JSON


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _entry_json(entry: Entry) -> dict[str, Any]:
    excerpt = entry.excerpt
    return {
        "id": entry.id,
        "title": entry.title,
        "url": entry.url,
        "published_utc": _iso(entry.published),
        "published_havana": entry.published.astimezone(HAVANA).isoformat(timespec="seconds") if entry.published else None,
        "first_seen": _iso(entry.first_seen),
        "score": entry.score,
        "rules": list(entry.rules),
        "excerpt": None if excerpt is None else {
            "text": excerpt.text,
            "match": None if excerpt.start is None else [excerpt.start, excerpt.end],
        },
        "also_at": list(entry.also_at),
        "copies": [
            {"id": c.id, "outlet": c.outlet, "outlet_name": c.outlet_name, "url": c.url,
             "published_utc": _iso(c.published), "first_seen": _iso(c.first_seen)}
            for c in entry.copies
        ],
        "editions": [
            {"id": e.id, "outlet": e.outlet, "language": e.language, "title": e.title, "url": e.url,
             "published_utc": _iso(e.published)}
            for e in entry.editions
        ],
    }  # fmt: skip


def _possible_json(entry: Entry) -> dict[str, Any]:
    data = _entry_json(entry)
    del data["also_at"], data["copies"], data["editions"]
    return {"outlet": entry.outlet, "outlet_name": entry.outlet_name, **data, "reasons": list(entry.reasons)}


def to_json(digest: Digest) -> dict[str, Any]:
    """The digest as plain data; ``monitor/digest.schema.json`` describes it."""
    return {
        "schema_version": SCHEMA_VERSION,
        "generated": _iso(digest.generated),
        "since": _iso(digest.since),
        "scope": digest.scope,
        "previous_digest": digest.previous,
        "last_seq": digest.last_seq,
        "count": digest.count,
        "groups": [
            {"outlet": g.outlet, "outlet_name": g.outlet_name, "language": g.language,
             "items": [_entry_json(e) for e in g.entries]}
            for g in digest.groups
        ],
        "possibly": [_possible_json(e) for e in digest.possibly],
        "possibly_more": digest.possibly_more,
        "health": {
            "failing": [{"outlet": f.outlet, "name": f.name, "reason": f.reason, "failing_streak": f.streak,
                         "last_success": _iso(f.last_success),
                         "failures": [{"class": kind, "url": url} for kind, url in f.failures]}
                        for f in digest.failing],
            "silent": [{"outlet": s.outlet, "name": s.name, "days": s.days, "last_new": _iso(s.last_new)}
                       for s in digest.silent],
            "degraded": [{"outlet": d.outlet, "name": d.name, "reason": d.reason} for d in digest.degraded],
            "silent_after_days": digest.silent_after_days,
        },
    }  # fmt: skip


def to_json_text(digest: Digest) -> str:
    return json.dumps(to_json(digest), ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------- Atom


def _sub(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{name}", attrs)
    element.text = text
    return element


def _atom_entry(feed: ET.Element, entry: Entry, outlet_name: str) -> None:
    node = _sub(feed, "entry")
    _sub(node, "id", f"{TAG}item:{entry.id}")
    _sub(node, "title", entry.title, type="text")
    _sub(node, "updated", _iso(entry.first_seen))
    if entry.published is not None:
        _sub(node, "published", _iso(entry.published))
    _sub(_sub(node, "author"), "name", outlet_name)
    _sub(node, "link", rel="alternate", type="text/html", href=entry.url)
    for url in [*entry.also_at, *(c.url for c in entry.copies)]:
        _sub(node, "link", rel="related", href=url)
    for rule in entry.rules:
        _sub(node, "category", term=rule)
    _sub(node, "summary", _atom_summary(entry), type="html")


def _atom_summary(entry: Entry) -> str:
    parts = [f"<p>Published {html.escape(published_text(entry))}; rules: {html.escape(', '.join(entry.rules))}</p>"]
    if entry.excerpt is not None:
        parts.append(f"<blockquote>{_html_excerpt(entry.excerpt, 'strong')}</blockquote>")
    if entry.also_at:
        parts.append("<p>Also at: " + ", ".join(f'<a href="{html.escape(u)}">{html.escape(u)}</a>' for u in entry.also_at) + "</p>")
    if entry.copies:
        parts.append("<p>Also published by " + ", ".join(
            f'{html.escape(c.outlet_name)} (<a href="{html.escape(c.url)}">{html.escape(c.url)}</a>)'
            for c in entry.copies) + "</p>")
    return "".join(parts)


def to_atom(digest: Digest) -> str:
    """An Atom 1.0 feed (RFC 4287) of the digest's items, newest first."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", f"{TAG}digest")
    _sub(feed, "title", f"Monitor: relevant items ({heading(digest)})", type="text")
    _sub(feed, "subtitle", digest.scope, type="text")
    newest = max((e.first_seen for e in digest.entries), default=digest.generated)
    _sub(feed, "updated", _iso(newest))
    _sub(_sub(feed, "author"), "name", "monitor")
    _sub(feed, "generator", "monitor")
    names = {g.outlet: g.outlet_name for g in digest.groups}
    for entry in sorted(digest.entries, key=lambda e: (e.first_seen, e.published or e.first_seen), reverse=True):
        _atom_entry(feed, entry, names.get(entry.outlet, entry.outlet))
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"
