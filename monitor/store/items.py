"""Items: saving an article as a new item, a new version or a sighting, and reading items back.

Which stored item an article is, is decided by :mod:`monitor.identity` (pure); this
part looks the keys up and writes item, URLs, keys, old version and raw page in one
transaction, and files new items in their story (:class:`StoriesPart`). A user's
labels on items live here too.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from typing import Any, cast

from monitor import identity, seedformat
from monitor.folding import fold_chars
from monitor.models import Article, Outcome, OutcomeKind, Relevance, iso, parse_iso
from monitor.urls import canonical_url, identity_key

from .base import locked
from .editions import EditionsPart
from .rows import ItemRow, LabelledRow, decode_json

log = logging.getLogger("monitor.store")

# Dates an edit may leave out: keep what the first fetch found rather than lose it.
_KEEP_IF_MISSING = ("published", "published_raw", "modified", "modified_raw")
REPROCESS = "reprocess"  # save() source of a re-extraction from a stored page (no new sighting)


class ItemsPart(EditionsPart):
    """Items with their URLs, keys, versions and raw pages; a user's labels."""

    def save(
        self,
        article: Article,
        *,
        raw_html: bytes | None = None,
        encoding: str | None = None,
        source: str = "fetch",
        now: datetime,
        item_id: str | None = None,
    ) -> Outcome:
        """Store ``article`` as a new item, a new version, or a sighting of a known one.

        ``item_id`` names a new item (an imported seed keeps the id in its file name); an item of
        that id already stored is this article. An article without a URL (a page dump) needs it,
        and waits for its URL: the first fetched article of its outlet with the same title
        completes it (see ``_waiting_for_url``).
        """
        if not article.url:
            stamp_now = iso(now)
            assert stamp_now is not None  # now is never None
            return self._save_without_url(article, item_id, stamp_now)
        ident = identity.identify(article)
        if not ident.canonical_trusted:
            article = replace(article, canonical_url=article.url)  # never print a home page
        stamp = iso(now)
        with self._write():
            known = self._match(ident.keys)
            found = (identity.pick_item(known, ident.keys) or self._stored_without_keys(ident)
                     or self._existing(item_id) or self._waiting_for_url(article))
            if found is None:
                outcome = self._insert(article, ident, source, stamp, item_id=item_id)
            else:
                outcome = self._merge(found, article, ident, known, source, stamp)
            if outcome.kind in ("new", "updated"):
                self._file_in_story(outcome, article)
            if outcome.kind == "new":
                self._link_edition(outcome.item_id, article)
            if raw_html is not None:
                self._put_raw_page(outcome.item_id, article, raw_html, encoding, stamp)
        log.debug("saved %s as %s (%s)", article.url, outcome.item_id, outcome.kind)
        return outcome

    def _save_without_url(self, article: Article, item_id: str | None, stamp: str) -> Outcome:
        """A page dump (no URL): stored under ``item_id`` until a fetch of the article completes it."""
        if not item_id:
            raise ValueError(f"{article.title!r}: an article without a URL needs an item id to be stored under")
        with self._write():
            found = self._existing(item_id) or self._fetched_with_title(article)
            if found is None:
                row = _article_columns(article, stamp, url_unknown=True) | _relevance_columns(article.relevance)
                row |= {"id": item_id, "seq": self._next_seq(), "outlet": article.outlet, "url": "",
                        "canonical_url": "", "url_key": None, "first_seen": stamp, "last_seen": stamp, "version": 1}
                names = ", ".join(row)
                self.db.execute(f"INSERT INTO items ({names}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
                self._set_waiting_key(item_id, article)
                outcome = Outcome(item_id=item_id, kind="new", relevant=bool(row["relevant"]))
                self._file_in_story(outcome, article)
                return outcome
            old = self._row(found)
            if old["url"] or identity.content_hash(article) == old["content_hash"]:
                # Already known (fetched, or this very dump): a dump never overwrites a fetched page.
                return Outcome(item_id=found, kind="unchanged", relevant=bool(old["relevant"]))
            self._keep_version(old, stamp)
            changes = _article_columns(article, stamp, url_unknown=True) | _relevance_columns(article.relevance)
            self._update_item(found, changes | {"version": old["version"] + 1, "last_seen": stamp})
            self._set_waiting_key(found, article)
            outcome = Outcome(item_id=found, kind="updated", relevant=bool(changes["relevant"]))
            self._file_in_story(outcome, article)
            return outcome

    def _existing(self, item_id: str | None) -> str | None:
        if item_id and self.db.execute("SELECT 1 FROM items WHERE id = ?", [item_id]).fetchone():
            return item_id
        return None

    def _waiting_for_url(self, article: Article) -> str | None:
        """An imported page dump of this outlet with this title, still without its URL.

        Looked up by its ``waiting:`` key in ``item_keys`` (one indexed read per new article); the
        key goes when the dump is completed. A title is a weak key, so it only ever joins a page
        dump to a fetched page, never two fetched pages.
        """
        row = self.db.execute("SELECT item_id FROM item_keys WHERE key = ?", [_waiting_key(article)]).fetchone()
        return row[0] if row else None

    def _set_waiting_key(self, item_id: str, article: Article) -> None:
        self.db.execute("DELETE FROM item_keys WHERE item_id = ? AND key LIKE 'waiting:%'", [item_id])
        self.db.execute("INSERT OR IGNORE INTO item_keys (key, item_id) VALUES (?, ?)", [_waiting_key(article), item_id])

    def _fetched_with_title(self, article: Article) -> str | None:
        """A fetched item of ``article``'s outlet whose title reads the same (case, accents and spacing aside).

        For an import of a dump whose page was fetched before; imports are rare, so scanning one
        outlet's titles here costs nothing a poll would feel.
        """
        want = _title_key(article.title)
        if not want:
            return None
        rows = self.db.execute("SELECT id, title FROM items WHERE outlet = ? AND url != '' ORDER BY seq",
                               [article.outlet]).fetchall()
        return next((item for item, title in rows if _title_key(title or "") == want), None)

    def _row(self, item_id: str) -> dict[str, Any]:
        cursor = self.db.execute("SELECT * FROM items WHERE id = ?", [item_id])
        return dict(zip([col[0] for col in cursor.description], cursor.fetchone()))

    def _match(self, keys: Sequence[str]) -> dict[str, str]:
        marks = ", ".join("?" * len(keys))
        sql = f"SELECT key, item_id FROM item_keys WHERE key IN ({marks})"
        return dict(self.db.execute(sql, list(keys)).fetchall())

    def _stored_without_keys(self, ident: identity.Identity) -> str | None:
        """An item already named by this URL but missing its keys (e.g. written by another tool)."""
        item_id = seedformat.seed_id(ident.primary)
        found = self.db.execute("SELECT 1 FROM items WHERE id = ?", [item_id]).fetchone()
        return item_id if found else None

    def _insert(self, article: Article, ident: identity.Identity, source: str, stamp: str, *,
                item_id: str | None = None) -> Outcome:
        item_id = item_id or seedformat.seed_id(ident.primary)
        row = _article_columns(article, stamp) | _relevance_columns(article.relevance)
        row |= {"id": item_id, "seq": self._next_seq(), "outlet": article.outlet, "url": article.url}
        # The URL as the outlet publishes it is what people open; the normalised one is only compared.
        row |= {"canonical_url": article.canonical_url or article.url, "url_key": ident.primary}
        row |= {"first_seen": stamp, "last_seen": stamp}
        row["version"] = 1
        names = ", ".join(row)
        self.db.execute(f"INSERT INTO items ({names}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
        self._attach(item_id, ident, {}, source, stamp, article)
        return Outcome(item_id=item_id, kind="new", relevant=bool(row["relevant"]))

    def _next_seq(self) -> int:
        return self.db.execute("SELECT COALESCE(MAX(seq) + 1, 0) FROM items").fetchone()[0]

    def _attach(self, item_id: str, ident: identity.Identity, known: dict[str, str], source: str, stamp: str,
                article: Article) -> bool:
        """Record keys not seen before (True when there was one) and the URLs, as the outlet wrote them."""
        for key in ident.keys:
            if key not in known:
                self.db.execute("INSERT OR IGNORE INTO item_keys (key, item_id) VALUES (?, ?)", [key, item_id])
        on_conflict = (  # a reprocess re-reads a stored page: nothing was seen again
            "DO NOTHING" if source == REPROCESS
            else "DO UPDATE SET last_seen = excluded.last_seen WHERE item_id = excluded.item_id"
        )
        upsert = (
            "INSERT INTO item_urls (url, item_id, first_seen, last_seen, source) VALUES (?, ?, ?, ?, ?)"
            f" ON CONFLICT(url) {on_conflict}"
        )
        # One row per normalised spelling (as before), but holding the URL as the outlet wrote it
        # the first time, so every link shown opens; a spelling already known only refreshes its row.
        written = {canonical_url(u): u for u in (article.url, article.canonical_url) if u}
        for key in ident.urls:
            url = written.get(key, key)
            if key in known:
                if source != REPROCESS:
                    self.db.execute("UPDATE item_urls SET last_seen = ? WHERE url = ? AND item_id = ?",
                                    [stamp, url, item_id])
                continue
            self.db.execute(upsert, [url, item_id, stamp, stamp, source])
        return any(key not in known for key in ident.keys)

    def _merge(
        self, item_id: str, article: Article, ident: identity.Identity, known: dict[str, str], source: str, stamp: str
    ) -> Outcome:
        new_url = self._attach(item_id, ident, known, source, stamp, article)
        old = self._row(item_id)
        changes: dict[str, Any] = {} if source == REPROCESS else {
            "last_seen": stamp, "fetched_at": iso(article.fetched_at) or stamp}
        if article.relevance is not None:
            changes |= _relevance_columns(article.relevance)
        if not old["url"]:  # a page dump meets its article: it gets its URL (and the page's text)
            changes |= {"url": article.url, "canonical_url": article.canonical_url or article.url,
                        "url_key": ident.primary, "text": seedformat.render(article)}
            self.db.execute("DELETE FROM item_keys WHERE item_id = ? AND key LIKE 'waiting:%'", [item_id])
            new_url = True
        kind: OutcomeKind
        if identity.content_hash(article) == old["content_hash"]:
            kind = "seen" if new_url else "unchanged"
        else:
            self._keep_version(old, stamp)
            changes |= _article_columns(article, stamp) | {"version": old["version"] + 1}
            kind = "updated"
        self._update_item(item_id, changes)
        relevant = bool(changes.get("relevant", old["relevant"]))
        return Outcome(item_id=item_id, kind=kind, relevant=relevant, new_url=new_url)

    def _keep_version(self, old: dict[str, Any], stamp: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO versions (item_id, version, title, body, text, content_hash, modified,"
            " replaced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [old["id"], old["version"], old["title"], old["body"], old["text"], old["content_hash"],
             old["modified"], stamp],
        )  # fmt: skip

    def _update_item(self, item_id: str, changes: dict[str, Any]) -> None:
        if not changes:
            return
        sets = [
            f"{name} = COALESCE(?, {name})" if name in _KEEP_IF_MISSING else f"{name} = ?" for name in changes
        ]
        sql = f"UPDATE items SET {', '.join(sets)} WHERE id = ?"
        self.db.execute(sql, [*changes.values(), item_id])

    def _put_raw_page(self, item_id: str, article: Article, html: bytes, encoding: str | None, stamp: str) -> None:
        self.db.execute(
            "INSERT INTO raw_pages (item_id, url, fetched_at, encoding, html) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(item_id) DO UPDATE SET url = excluded.url, fetched_at = excluded.fetched_at,"
            " encoding = excluded.encoding, html = excluded.html",
            [item_id, article.url, iso(article.fetched_at) or stamp, encoding, zlib.compress(html)],
        )

    def update_relevance(self, item_id: str, relevance: Relevance | None) -> bool:
        """Re-judge a stored item; True when its relevance fields changed."""
        cols = _relevance_columns(relevance)
        sets = ", ".join(f"{name} = ?" for name in cols)
        differs = " OR ".join(f"{name} IS NOT ?" for name in cols)
        sql = f"UPDATE items SET {sets} WHERE id = ? AND ({differs})"
        with self._write():
            changed = self.db.execute(sql, [*cols.values(), item_id, *cols.values()]).rowcount > 0
            if not changed:
                self.get_item(item_id)  # KeyError for an unknown id
        return changed

    @locked
    def find_item(self, ref: str) -> ItemRow | None:
        """An item by id, by an unambiguous id prefix (6+ characters) or by any URL it was seen at."""
        if "/" in ref:
            return self.find_by_url(ref)
        rows = self.db.execute("SELECT id FROM items WHERE id LIKE ? LIMIT 2", [ref.lower() + "%"]).fetchall()
        if len(rows) == 1 and (len(ref) >= 6 or rows[0][0] == ref):
            return self.get_item(rows[0][0])
        return None

    def set_label(self, item_id: str, label: str, *, now: datetime) -> None:
        """Record what a user says an item is ("relevant" or "not"); the latest label wins."""
        if label not in ("relevant", "not"):
            raise ValueError(f"label must be 'relevant' or 'not', not {label!r}")
        with self._write():
            self.get_item(item_id)  # KeyError for an unknown item
            self.db.table("labels").upsert({"item_id": item_id, "label": label, "labelled": iso(now)}, pk="item_id")

    @locked
    def labelled_items(self) -> list[LabelledRow]:
        """Every labelled item with its current band, oldest label first."""
        sql = ("SELECT l.item_id, l.label, l.labelled, i.band, i.score, i.title, i.url, i.reasons"
               " FROM labels l JOIN items i ON i.id = l.item_id ORDER BY l.labelled, l.item_id")
        return [cast(LabelledRow, decode_json(row)) for row in self.db.query(sql)]

    @locked
    def count_items(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM items").fetchone()[0]

    @locked
    def get_item(self, item_id: str) -> ItemRow:
        """The item row; KeyError when there is none."""
        for row in self.db.query("SELECT * FROM items WHERE id = ?", [item_id]):
            return cast(ItemRow, decode_json(row))
        raise KeyError(item_id)

    @locked
    def find_by_url(self, url: str) -> ItemRow | None:
        """The item seen at ``url`` (any spelling of it, or its native id)."""
        keys = list(dict.fromkeys(k for k in (identity_key(url), canonical_url(url)) if k))
        item_id = identity.pick_item(self._match(keys), keys)
        return None if item_id is None else self.get_item(item_id)

    @locked
    def is_known(self, url: str) -> bool:
        keys = [k for k in (identity_key(url), canonical_url(url)) if k]
        return bool(self._match(keys))

    @locked
    def due_for_recheck(self, url: str, *, now: datetime, recheck_after: timedelta, recheck_window: timedelta) -> bool:
        """Fetch ``url``? Always when unknown; a stored item only to catch edits while young."""
        item = self.find_by_url(url)
        if item is None:
            return True
        fetched = parse_iso(item["fetched_at"] or item["last_seen"])
        born = parse_iso(item["published"] or item["first_seen"])
        assert fetched is not None and born is not None  # NOT NULL columns
        return now - fetched >= recheck_after and now - born < recheck_window

    def items(self, where: str | None = None, params: Sequence[Any] = (), order_by: str = "seq") -> Iterator[ItemRow]:
        """Item rows, e.g. ``items("outlet = ? AND relevant = 1", ["rhc-en"])``."""
        sql = "SELECT * FROM items" + (f" WHERE {where}" if where else "") + f" ORDER BY {order_by}"
        return (cast(ItemRow, decode_json(row)) for row in self.db.query(sql, list(params)))

    def export_rows(self, relevant_only: bool = True, since: datetime | None = None) -> Iterator[ItemRow]:
        """Items in export order (``seq``): new since ``since`` or edited since then."""
        clauses, params = (["relevant = 1"] if relevant_only else []), []
        if since is not None:
            clauses.append(
                "(first_seen >= ? OR EXISTS (SELECT 1 FROM versions v WHERE v.item_id = items.id"
                " AND v.replaced_at >= ?))"
            )
            params += [iso(since)] * 2
        return self.items(" AND ".join(clauses) or None, params, order_by="seq")

    @locked
    def raw_page(self, item_id: str) -> tuple[str, bytes, str | None] | None:
        """The last fetched HTML of an item, to re-run extraction without refetching."""
        row = self.db.execute("SELECT url, html, encoding FROM raw_pages WHERE item_id = ?", [item_id]).fetchone()
        return None if row is None else (row[0], zlib.decompress(row[1]), row[2])

    @locked
    def counts_by_outlet(self) -> dict[str, dict[str, int]]:
        sql = "SELECT outlet, COUNT(*), COALESCE(SUM(relevant), 0) FROM items GROUP BY outlet"
        return {outlet: {"items": n, "relevant": rel} for outlet, n, rel in self.db.execute(sql).fetchall()}


def _title_key(title: str) -> str:
    return " ".join(fold_chars(title).split())


def _waiting_key(article: Article) -> str:
    """The ``item_keys`` key of a page dump waiting for its URL: outlet and folded title."""
    return f"waiting:{article.outlet}:{_title_key(article.title)}"


def _article_columns(article: Article, stamp: str, *, url_unknown: bool = False) -> dict[str, Any]:
    """The columns an article writes, and rewrites when the outlet edits it."""
    return {
        "language": article.language,
        "title": article.title,
        "subtitle": article.subtitle,
        "author": article.author,  # the readable line, for Datasette
        "authors": json.dumps(list(article.authors), ensure_ascii=False),
        "caption": article.caption,
        "section": article.section,
        "published": iso(article.published),
        "published_raw": article.published_raw,
        "modified": iso(article.modified),
        "modified_raw": article.modified_raw,
        "body": "\n\n".join(article.body),
        "tags": json.dumps(list(article.tags), ensure_ascii=False),
        "text": seedformat.render(article, url_unknown=url_unknown),
        "content_hash": identity.content_hash(article),
        "fetched_at": iso(article.fetched_at) or stamp,
    }


def _relevance_columns(relevance: Relevance | None) -> dict[str, Any]:
    if relevance is None:
        return {"relevant": 0, "band": "not", "score": 0.0, "rules": "[]", "hits": "[]", "reasons": "[]"}
    hits = [asdict(hit) for hit in relevance.hits]
    return {
        "relevant": int(relevance.relevant),
        "band": relevance.band,
        "score": float(relevance.score),
        "rules": json.dumps(list(relevance.rules), ensure_ascii=False),
        "hits": json.dumps(hits, ensure_ascii=False),
        "reasons": json.dumps(list(relevance.reasons), ensure_ascii=False),
    }
