"""Labelled pairs for language editions: is item B the other-language edition of item A?

Two kinds of texts, both written by us:

* fixture articles of the sample sites (monitor/testing/sample_sites/*/articles/, each citing the
  OUTLETS.md facts it models), read through the real extractor: the Granma, Prensa Latina,
  Cubadebate and MINREX coverage pairs, RHC 304052/304053 and the teleSUR TIP statement are
  translations of each other; Prensa Latina's sugar-harvest note is a look-alike written to
  share the day, the places (Havana, Matanzas), a person and two numbers with its neighbour;
* base texts of tests/stories_labelled.py (invented news on the monitor's topics), dated
  here: translations 3 hours apart; look-alikes (same topic, another event) 20 hours apart.

``PAIRS`` holds (id, a, b, same, why). Editions belong to one outlet (``granma``/``granma-en``):
the same story translated by another outlet is not an edition and is labelled False.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from monitor import config
from monitor.classify import compile_rules
from monitor.editions import EditionDoc
from monitor.extract import extract_article
from monitor.models import Article, Page
from stories_labelled import base

SITES = Path(config.__file__).parent / "testing" / "sample_sites"
BASE = "http://127.0.0.1:8000"
NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
T0 = datetime(2024, 6, 25, 14, 0, tzinfo=timezone.utc)
RULES = compile_rules({})


def fixture(site: str, path: str) -> EditionDoc:
    """An article of a sample site, extracted as a poll would."""
    routes = tomllib.loads((SITES / site / "routes-articles.toml").read_text(encoding="utf-8"))
    text = (SITES / site / routes[path]["file"]).read_text(encoding="utf-8").replace("{{BASE}}", BASE)
    outlet = config.load().outlet(site).__class__
    bundled = config.load().rebased({site: BASE + "/"}).outlet(site)
    assert isinstance(bundled, outlet)
    page = Page(url=BASE + path, final_url=BASE + path, status=200, text=text, content=text.encode(), fetched_at=NOW)
    article = RULES.classify_article(extract_article(page, bundled, now=NOW))
    return EditionDoc(item_id=f"{site}:{path}", outlet=site, language=article.language or bundled.language,
                      url=article.url, published=article.published, title=article.title, body="\n\n".join(article.body),
                      topics=_rules(article))


def story(key: str, outlet: str, published: datetime, number: int) -> EditionDoc:
    text = base(key)
    lang = text.language
    url = f"https://www.radiohc.cu/{lang}/noticias/nacionales/{number}-{key.replace('_', '-')}"
    article = RULES.classify_article(Article(url=url, canonical_url=url, outlet=outlet, outlet_name="Radio Habana Cuba",
                                             language=lang, title=text.title, body=text.paragraphs))
    return EditionDoc(item_id=key, outlet=outlet, language=lang, url=url, published=published, title=text.title,
                      body="\n\n".join(text.paragraphs), topics=_rules(article))


def _rules(article: Article) -> frozenset[str]:
    """The rule families that made the item relevant, as the store keeps them in ``hits`` (none when it is not)."""
    relevance = article.relevance
    return frozenset(h.family for h in relevance.hits) if relevance is not None and relevance.relevant else frozenset()


@dataclass(frozen=True)
class Pair:
    id: str
    a: EditionDoc
    b: EditionDoc
    same: bool
    why: str


def _pairs() -> list[Pair]:
    g1 = fixture("granma", "/cuba/2024-06-25/cuba-rechaza-el-informe-de-eeuu-sobre-trata-de-personas-25-06-2024-10-32-00")
    ge1 = fixture("granma-en", "/cuba/2024-06-25/cuba-rejects-us-report-on-trafficking-in-persons")
    ge2 = fixture("granma-en", "/cuba/2020-09-24/the-transnational-tentacles-of-trafficking-in-persons")
    p1 = fixture("prensa-latina", "/2023/07/30/cuba-reafirma-tolerancia-cero-ante-la-trata-de-personas/")
    p2 = fixture("prensa-latina", "/2023/07/29/incautan-cargamento-de-cocaina-frente-a-las-costas-de-cuba/")
    pe1 = fixture("prensa-latina-en", "/news/2023/07/30/cuba-reaffirms-zero-tolerance-for-human-trafficking/")
    pe2 = fixture("prensa-latina-en", "/news/2023/07/30/cuban-sugar-harvest-ends-in-matanzas/")
    c1 = fixture("cubadebate", "/noticias/2019/06/21/cuba-rechaza-inclusion-en-lista-de-trata-de-personas-de-eeuu/")
    c2 = fixture("cubadebate", "/noticias/2019/06/20/se-trata-de-un-nuevo-record-de-visitantes-en-varadero/")
    ce1 = fixture("cubadebate-en", "/noticias/2019/06/21/cuba-rejects-its-inclusion-on-us-trafficking-list/")
    m1 = fixture("minrex", "/es/informe-nacional-de-cuba-sobre-trata-de-personas-2021")
    m2 = fixture("minrex", "/es/cuba-y-vietnam-celebran-aniversario-de-relaciones-diplomaticas")
    me1 = fixture("minrex-en", "/en/cubas-national-report-on-trafficking-in-persons-2021")
    r_en = fixture("rhc-en", "/en/noticias/nacionales/304052-cuba-publishes-national-report-on-human-trafficking-in-2021")
    r_es = fixture("rhc-es", "/es/noticias/nacionales/304053-cuba-publica-informe-nacional-sobre-trata-de-personas")
    r_es_brig = fixture("rhc-es", "/es/noticias/nacionales/304070-brigadas-medicas-cubanas-rechazan-acusacion-de-trabajo-forzoso")
    t_en = fixture("telesur-en", "/cuba-rejects-us-trafficking-in-persons-report/")
    t_es = fixture("telesur-es", "/cuba-rechaza-informe-de-eeuu-sobre-trata-de-personas/")
    t_es_trap = fixture("telesur-es", "/se-trata-de-un-nuevo-hospital-en-caracas/")

    def es(key: str, n: int) -> EditionDoc:
        return story(key, "rhc-es", T0, n)

    def en(key: str, n: int, hours: float) -> EditionDoc:
        return story(key, "rhc-en", T0 + timedelta(hours=hours), n)

    return [
        Pair("e01", g1, ge1, True, "Granma: same statement in both editions, same day"),
        Pair("e02", p1, pe1, True, "Prensa Latina: the English desk's translation"),
        Pair("e03", c1, ce1, True, "Cubadebate: translation, same day"),
        Pair("e04", m1, me1, True, "MINREX: national report in both languages"),
        Pair("e05", r_es, r_en, True, "RHC 304053 is the Spanish twin of 304052"),
        Pair("e06", t_es, t_en, True, "teleSUR: the TIP statement in both editions"),
        Pair("e07", es("tip_minrex_es", 510001), en("tip_minrex", 510002, 3), True, "translation"),
        Pair("e08", es("brigade_italy_es", 510003), en("brigade_italy", 510004, 3), True, "translation"),
        Pair("e09", es("migracion_es", 510005), en("migration_talks", 510006, 3), True, "translation"),
        Pair("n01", p1, pe2, False, "same day, places, person and figures; another story (sugar harvest)"),
        Pair("n02", p2, pe1, False, "a day apart, same outlet, drugs vs trafficking"),
        Pair("n03", g1, ge2, False, "same topic, four years apart"),
        Pair("n04", m2, me1, False, "MINREX: another statement"),
        Pair("n05", c2, ce1, False, "Cubadebate: tourism vs the TIP list, a day apart"),
        Pair("n06", r_es_brig, r_en, False, "RHC: medical brigades vs national report"),
        Pair("n07", t_es_trap, t_en, False, "teleSUR: a hospital vs the TIP statement"),
        Pair("n08", es("tip_minrex_es", 510001), en("tip_followup", 510010, 20), False, "follow-up: minister at the UN"),
        Pair("n09", es("tip_minrex_es", 510001), en("tip_commentary", 510011, 20), False, "commentary on the same report"),
        Pair("n10", es("brigade_italy_es", 510003), en("brigade_forced_labour", 510012, 20), False, "brigades, another angle"),
        Pair("n11", es("brigade_italy_es", 510003), en("hurricane_brigade", 510013, 20), False, "another brigade"),
        Pair("n12", es("plan_es", 510014), en("national_report", 510015, 20), False, "plan balance vs national report"),
        Pair("n13", es("victimas_es", 510016), en("court_case", 510017, 20), False, "victim centres vs a trial"),
        Pair("n14", es("dia_mundial_es", 510018), en("quote_short_b", 510019, 20), False, "two events of the same campaign"),
        Pair("n15", es("migracion_es", 510005), en("tip_minrex", 510002, 20), False, "migration talks vs TIP"),
        Pair("n16", c1, replace(pe1, published=c1.published), False,
             "same day, same subject, another outlet: a copy across outlets is not an edition"),
    ]


PAIRS: list[Pair] = _pairs()
