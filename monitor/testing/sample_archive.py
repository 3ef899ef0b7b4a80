"""A generated outlet archive on 127.0.0.1, for the backfill tests and ``benchmarks/backfill.py``.

Years x 12 months x N articles of one WordPress-like outlet, modelled on Cubadebate
(OUTLETS.md 5): a sitemap index at ``/sitemap.xml`` whose monthly children are
``/sitemap-pt-post-YYYY-MM.xml`` [S], articles at ``/noticias/YYYY/MM/DD/<slug>/`` [S]
carrying OpenGraph, ``article:published_time`` and a JSON-LD NewsArticle [I]. Pages are
generated per request (28,800 articles would be 100 MB of files); every request is logged.
One article in ``relevant_every`` is about trafficking, the others are not.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_ARTICLE = re.compile(r"/noticias/\d{4}/\d{2}/\d{2}/[a-z-]+-(\d{4}-\d{2})-(\d+)/")
HAVANA = timezone(timedelta(hours=-4))  # fixed offset: the dates only need to be stable

_TOPICS = (
    ("Cuba rechaza informe de EE.UU. sobre trata de personas ({n})",
     "Cuba rechazó el informe del Departamento de Estado sobre trata de personas y reiteró su política de tolerancia "
     "cero ante ese delito, informó la Cancillería en La Habana."),
    ("Avanza la cosecha de café en Guantánamo ({n})",
     "Los productores de Guantánamo recogieron más café que el año anterior gracias a las lluvias de la primavera, "
     "informó la delegación provincial de la Agricultura."),
)
# Words for each article's own paragraphs: generated texts must not look like copies of each other
# (monitor.stories would file them as one story).
_WORDS = ("""la el de en y a los del se las por un para con una su al lo como más pero sus le ya o este sí porque esta
entre cuando muy sin sobre también me hasta hay donde quien desde todo nos durante todos uno les ni contra otros ese
eso ante ellos e esto antes algunos qué unos otro otras otra él tanto esa estos mucho quienes nada muchos cual poco
ella estar estas algunas algo nosotros provincia gobierno ministerio programa salud escuela hospital puerto obra
cosecha lluvia campesinos médicos maestros jóvenes fábrica energía agua vivienda carretera turismo cultura deporte
festival museo biblioteca teatro música ciencia investigación universidad estudiantes trabajadores cooperativa
mercado precio transporte ómnibus tren barco aeropuerto Holguín Camagüey Cienfuegos Matanzas Pinar Santiago Granma
Tunas Artemisa Mayabeque Sancti Spíritus Villa Clara Guantánamo""").split()


def _paragraph(seed: int, words: int = 55) -> str:
    state, out = seed * 2654435761 % 2**32 or 1, []
    for _ in range(words):
        state = (state * 1103515245 + 12345) % 2**31
        out.append(_WORDS[state % len(_WORDS)])
    return " ".join(out).capitalize() + "."


class ArchiveSite(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *, first_year: int, years: int, per_month: int, relevant_every: int = 7):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.first_year, self.years, self.per_month, self.relevant_every = first_year, years, per_month, relevant_every
        self.base_url = f"http://127.0.0.1:{self.server_address[1]}"
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client killed mid-answer (the kill -9 of the resume tests) is expected here

    def close(self) -> None:
        self.shutdown()
        self.server_close()

    def __enter__(self) -> ArchiveSite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the archive ---------------------------------------------------------

    @property
    def months(self) -> list[str]:
        return [f"{y:04d}-{m:02d}" for y in range(self.first_year, self.first_year + self.years) for m in range(1, 13)]

    @property
    def articles(self) -> int:
        return len(self.months) * self.per_month

    def article_path(self, month: str, n: int) -> str:
        day = 1 + n % 28
        slug = "cuba-rechaza-informe-trata" if self.relevant(n) else "cosecha-de-cafe"
        return f"/noticias/{month[:4]}/{month[5:]}/{day:02d}/{slug}-{month}-{n}/"

    def relevant(self, n: int) -> bool:
        return n % self.relevant_every == 0

    def published(self, month: str, n: int) -> datetime:
        return datetime(int(month[:4]), int(month[5:]), 1 + n % 28, 8 + n % 10, n % 60, tzinfo=HAVANA)

    def log(self, target: str) -> None:
        with self._lock:
            self.requests[target] += 1

    def answer(self, target: str) -> tuple[int, str, str]:
        if target == "/robots.txt":
            return 200, "text/plain", "User-agent: *\nDisallow: /wp-admin/\n"
        if target == "/sitemap.xml":
            children = "".join(f"<sitemap><loc>{self.base_url}/sitemap-pt-post-{m}.xml</loc></sitemap>"
                               for m in reversed(self.months))
            return 200, "application/xml", f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{children}</sitemapindex>'
        if target.startswith("/sitemap-pt-post-") and target[17:24] in self.months:
            month = target[17:24]
            urls = "".join(f"<url><loc>{self.base_url}{self.article_path(month, n)}</loc></url>" for n in range(self.per_month))
            return 200, "application/xml", f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        match = _ARTICLE.fullmatch(target)
        if match and match.group(1) in self.months and self.article_path(match.group(1), int(match.group(2))) == target:
            return 200, "text/html; charset=utf-8", self.page(match.group(1), int(match.group(2)))
        return 404, "text/html", "<html><title>404</title><p>Not found</p></html>"

    def page(self, month: str, n: int) -> str:
        title, lede = _TOPICS[0 if self.relevant(n) else 1]
        title = title.format(n=f"{month} n.{n}")
        published = self.published(month, n).isoformat()
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title, "datePublished": published,
              "inLanguage": "es"}
        seed = int(month.replace("-", "")) * 1000 + n
        body = "".join(f"<p>{text}</p>" for text in (lede, _paragraph(seed), _paragraph(seed + 500_000)))
        return (
            f'<!DOCTYPE html><html lang="es"><head><meta charset="utf-8"><title>{title} | Cubadebate</title>'
            f'<meta property="og:type" content="article"><meta property="og:title" content="{title}">'
            f'<meta property="og:url" content="{self.base_url}{self.article_path(month, n)}">'
            f'<meta property="article:published_time" content="{published}">'
            f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script></head>'
            f'<body><div id="content"><article><h1>{title}</h1><div class="entry">{body}</div></article></div></body></html>'
        )


class _Handler(BaseHTTPRequestHandler):
    server: ArchiveSite
    protocol_version = "HTTP/1.1"  # keep-alive, as a real site; so headers and body must not wait on Nagle
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.log(self.path)
        status, kind, text = self.server.answer(self.path)
        body = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def archive_config(base_url: str, store_path: str, *, per_host_interval: float = 0.0) -> str:
    """A config.toml with one outlet, ``archive``, whose backfill reads the sitemap index."""
    return f"""[store]
path = {json.dumps(store_path)}

[http]
per_host_interval = {per_host_interval}
retries = 0
respect_robots = true
allow_private_addresses = true   # the archive is on 127.0.0.1

[backfill]
per_host_interval = {per_host_interval}

[outlets.archive]
name = "Archivo"
language = "es"
base_url = "{base_url}/"
feeds = ["/feed/"]
article_pattern = '^/noticias/\\d{{4}}/\\d{{2}}/\\d{{2}}/[^/]+/$'

[outlets.archive.backfill]
sitemaps = ["/sitemap.xml"]
"""
