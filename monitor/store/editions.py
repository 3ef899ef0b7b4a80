"""Language editions: the EN and ES items of one story linked (``editions``), never merged."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, cast

from monitor import editions
from monitor.models import Article, iso, parse_iso

from .base import locked
from .rows import EditionItemRow, decode_json
from .stories import StoriesPart


class EditionsPart(StoriesPart):
    """Links an item to its other-language editions; reads them back."""

    def _link_edition(self, item_id: str, article: Article) -> None:
        """Link a new item to its other-language edition, if one is stored (never merged: two items)."""
        if not article.language:
            return
        doc = editions.EditionDoc(
            item_id=item_id, outlet=article.outlet, language=article.language, url=article.url,
            published=article.published or article.fetched_at, title=article.title, body="\n\n".join(article.body),
            topics=_topics(article.relevance.hits if article.relevance and article.relevance.relevant else ()),
        )
        self._link_doc(doc, iso(article.fetched_at))

    def rebuild_editions(self, progress: Callable[[int], None] | None = None) -> int:
        """Link every stored item as if it were saved now, in storage order; returns the items linked.

        Stores written before editions existed, or before a change to the edition rules, get their
        links. One transaction: readers see the old links until it commits; running it twice
        changes nothing.
        """
        with self._write():
            self.db.execute("DELETE FROM editions")
            last = -1
            sql = ("SELECT seq, id, outlet, language, url, COALESCE(published, first_seen), title, body, relevant,"
                   " hits, first_seen FROM items WHERE seq > ? ORDER BY seq LIMIT 500")
            while rows := self.db.execute(sql, [last]).fetchall():
                for r in rows:
                    if r[3]:
                        doc = editions.EditionDoc(
                            item_id=r[1], outlet=r[2], language=r[3], url=r[4], published=parse_iso(r[5]),
                            title=r[6] or "", body=r[7] or "", topics=_topics(json.loads(r[9] or "[]") if r[8] else ()))
                        self._link_doc(doc, r[10])
                    if progress is not None:
                        progress(1)
                last = rows[-1][0]
            return int(self.db.execute("SELECT COUNT(*) FROM editions").fetchone()[0])

    def _link_doc(self, doc: editions.EditionDoc, seen: str | None) -> None:
        item_id, language = doc.item_id, doc.language
        family = editions.family_of(doc.outlet)
        moment = doc.published
        if moment is None:
            return
        window = [iso(moment - editions.WINDOW), iso(moment + editions.WINDOW)]
        # Index range scans over (outlet, language, published|first_seen): only the outlet family's
        # other-language items near this date are read, however large the store or a story grows.
        others = json.dumps([lang for lang in editions.LANGUAGES if lang != language])
        rows = self.db.execute(
            "SELECT i.id, i.outlet, i.language, i.url, COALESCE(i.published, i.first_seen), i.title,"
            " i.body, i.relevant, i.hits, e.edition_id FROM items i LEFT JOIN editions e ON e.item_id = i.id"
            " WHERE i.id IN (SELECT id FROM items WHERE outlet IN (?3, ?4, ?5)"
            " AND language IN (SELECT value FROM json_each(?6)) AND published BETWEEN ?1 AND ?2"
            " UNION ALL SELECT id FROM items WHERE outlet IN (?3, ?4, ?5)"
            " AND language IN (SELECT value FROM json_each(?6)) AND first_seen BETWEEN ?1 AND ?2"
            " AND published IS NULL) AND i.id != ?7",
            [*window, family, f"{family}-en", f"{family}-es", others, item_id],
        ).fetchall()
        taken = self._languages_by_edition([r[9] for r in rows if r[9]])
        candidates = [
            editions.EditionDoc(item_id=r[0], outlet=r[1], language=r[2], url=r[3], published=parse_iso(r[4]),
                                title=r[5] or "", body=r[6] or "",
                                topics=_topics(json.loads(r[8] or "[]") if r[7] else ()))
            for r in rows if not (r[9] and language in taken.get(r[9], set()))
        ]  # fmt: skip
        best = editions.best_edition(doc, candidates)
        if best is None:
            return
        other, match = best
        edition_id = next((r[9] for r in rows if r[0] == other.item_id and r[9]), None) or other.item_id
        sql = ("INSERT INTO editions (item_id, edition_id, language, score, reasons, linked) VALUES (?, ?, ?, ?, ?, ?)"
               " ON CONFLICT(item_id) DO NOTHING")
        stamp = seen or iso(moment) or ""
        self.db.execute(sql, [other.item_id, edition_id, other.language, None, None, stamp])
        self.db.execute(sql, [item_id, edition_id, language, match.score,
                              json.dumps(match.reasons), stamp])

    def _languages_by_edition(self, edition_ids: Sequence[str]) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        if edition_ids:
            marks = ", ".join("?" * len(edition_ids))
            sql = f"SELECT edition_id, language FROM editions WHERE edition_id IN ({marks})"
            for edition_id, language in self.db.execute(sql, list(edition_ids)).fetchall():
                found.setdefault(edition_id, set()).add(language)
        return found

    @locked
    def editions_of(self, item_ids: Sequence[str]) -> dict[str, str]:
        """item id -> edition id, for the items that have another-language edition."""
        if not item_ids:
            return {}
        marks = ", ".join("?" * len(item_ids))
        sql = f"SELECT item_id, edition_id FROM editions WHERE item_id IN ({marks})"
        return dict(self.db.execute(sql, list(item_ids)).fetchall())

    @locked
    def edition_items(self, edition_ids: Sequence[str]) -> list[EditionItemRow]:
        """Every item of these editions (any language), with its edition id."""
        if not edition_ids:
            return []
        marks = ", ".join("?" * len(edition_ids))
        sql = (f"SELECT e.edition_id, i.* FROM editions e JOIN items i ON i.id = e.item_id"
               f" WHERE e.edition_id IN ({marks}) ORDER BY i.seq")
        return [cast(EditionItemRow, decode_json(row)) for row in self.db.query(sql, list(edition_ids))]


def _topics(hits: Any) -> frozenset[str]:
    """Rule families of an item's hits (Hit records or the stored JSON dicts)."""
    return frozenset(h["family"] if isinstance(h, dict) else h.family for h in hits)
