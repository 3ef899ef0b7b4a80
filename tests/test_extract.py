"""Article extraction from the fixture article pages (monitor/extract, monitor/extract/adapters).

Every fixture article of monitor/testing/sample_sites/README.md is read from its file (``{{BASE}}``
substituted) into a Page, extracted with the bundled config's outlet, and every field is
checked. Failure cases (stub, challenge, listing, changed layout, garbage) must raise, never
yield an empty article. The HTTP end-to-end path is tested elsewhere.
"""

from __future__ import annotations

import dataclasses
import tomllib
from datetime import datetime, timezone
from pathlib import Path

import pytest

from monitor import seedformat
from monitor.config import OutletConfig, load
from monitor.errors import LayoutChanged, ParseError
from monitor.extract import degraded, explain, extract_article, format_report
from monitor.models import Article, Page
from monitor.urls import canonical_url

ROOT = Path(__file__).resolve().parent.parent
SITES = ROOT / "monitor" / "testing" / "sample_sites"
SEEDS = ROOT / "seeds"
BASE = "http://127.0.0.1:8765"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
CONFIG = load()


def outlet(key: str, **changes: object) -> OutletConfig:
    return dataclasses.replace(CONFIG.outlet(key), base_url=BASE + "/", **changes)


def page_from(text: str, path: str) -> Page:
    text = text.replace("{{BASE}}", BASE)
    return Page(url=BASE + path, final_url=BASE + path, status=200, text=text, content=text.encode(), fetched_at=NOW)


def fixture_page(site: str, path: str) -> Page:
    routes = tomllib.loads((SITES / site / "routes-articles.toml").read_text(encoding="utf-8"))
    return page_from((SITES / site / routes[path]["file"]).read_text(encoding="utf-8"), path)


def extract(site: str, path: str) -> Article:
    return extract_article(fixture_page(site, path), outlet(site), now=NOW)


def utc(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc) if text else None


EXPECTED = [
    ('telesur-en', '/cuba-rejects-us-trafficking-in-persons-report/', dict(
        title='Cuba Rejects US Trafficking in Persons Report',
        subtitle=None,
        author='Marta López',
        caption='The Cuban Foreign Ministry in Havana. June 2025. Photo: Cubaminrex',
        section='Latin America',
        language='en',
        published='2025-06-25T18:32:10',
        modified='2025-06-25T22:05:44',
        tags=('Cuba', 'Human Trafficking', 'United States'), paragraphs=5,
        first='The Cuban Foreign Ministry on Wednesday rejected the 2025 Trafficking in Persons Report issued by the U.S. State Department, which once again placed the island in its lowest category.',
        last='Havana recalled that the United States itself faces serious problems of human trafficking and smuggling of migrants, and urged Washington to cooperate instead of issuing unilateral rankings.',
        canonical='/cuba-rejects-us-trafficking-in-persons-report/',  # as the page writes it (the key drops the slash)
    )),
    ('telesur-en', '/washington-labels-cuban-medical-brigades-forced-labor/', dict(
        title='Washington Labels Cuban Medical Brigades as Forced Labor',
        subtitle=None,
        author='Laura Hernández',
        caption='Cuban doctors of the Henry Reeve brigade arrive in Calabria, Italy. July 2024 Photo:@PrensaLatina',
        section='World',
        language='en',
        published='2024-07-24T15:20:00',
        modified='2024-07-25T13:02:13',
        tags=('Cuba', 'Medical Brigades', 'Forced Labor'), paragraphs=4,
        first="The U.S. State Department on Wednesday renewed its accusation that Cuba's medical brigades abroad constitute forced labor, in its annual report on trafficking in persons.",
        last="Health authorities in Calabria said the 497 Cuban specialists working in the region's hospitals had helped reopen emergency wards that had closed for lack of staff.",
        canonical='/washington-labels-cuban-medical-brigades-forced-labor/',  # as the page writes it (the key drops the slash)
    )),
    ('telesur-en', '/police-dismantle-cocaine-trafficking-ring-in-caribbean/', dict(
        title='Police Dismantle Cocaine Trafficking Ring in the Caribbean',
        subtitle=None,
        author='teleSUR/JF',
        caption=None,
        section='Latin America',
        language='en',
        published='2025-03-03T05:00:00',
        modified='2025-03-03T20:40:00',
        tags=('Dominican Republic', 'Drug Trafficking'), paragraphs=4,
        first='Police in the Dominican Republic and Puerto Rico dismantled a cocaine trafficking ring that used fishing boats to move drugs between South America and the Caribbean, authorities said on Monday.',
        last='The authorities reiterated their zero tolerance toward drug trafficking and announced new joint patrols in the Mona Passage.',
        canonical='/police-dismantle-cocaine-trafficking-ring-in-caribbean/',  # as the page writes it (the key drops the slash)
    )),
    ('telesur-en', '/venezuela-hosts-alba-summit/', dict(
        title='Venezuela Hosts ALBA-TCP Summit in Caracas',
        subtitle=None,
        author='teleSUR/LBP',
        caption=None,
        section='Latin America',
        language='en',
        published='2024-12-15T00:10:00',
        modified=None,
        tags=('ALBA-TCP', 'Venezuela'), paragraphs=4,
        first='Heads of state and government of the Bolivarian Alliance for the Peoples of Our America (ALBA-TCP) met in Caracas on Saturday to mark the 20th anniversary of the bloc.',
        last='The Cuban delegation said the alliance had shown that integration based on solidarity is possible and recalled the literacy and eye-surgery programs the bloc has carried out since 2004.',
        canonical='/venezuela-hosts-alba-summit/',  # as the page writes it (the key drops the slash)
    )),
    ('telesur-en', '/news/Cuba-Rejects-US-False-Accusation-on-Human-Trafficking-20210704-0009.html', dict(
        title='Cuba Rejects US False Accusation on Human Trafficking',
        subtitle='Cuba diplomacy warned that the U.S. disregards bilateral migration accords, thus promoting illegal migration and trafficking in persons.',
        author='teleSUR',
        caption='The sign reads, "No more blockade", Havana, Cuba, Jun. 20, 2021. | Photo: EFE',
        section='News',
        language='en',
        published='2021-07-04T15:48:00',
        modified='2021-07-04T19:27:41',
        tags=('Cuba', 'MINREX', 'Human Trafficking', 'U.S. Blockade'), paragraphs=9,
        first='Published 4 July 2021',
        last='"Cuba has a policy of zero tolerance of trafficking in persons in any form and an impeccable record of prevention, combating, and victim protection in this field, as recorded at the UN and with other international organizations," MINREX added.',
        canonical='/news/Cuba-Rejects-US-False-Accusation-on-Human-Trafficking-20210704-0009.html',
    )),
    ('telesur-es', '/cuba-rechaza-informe-de-eeuu-sobre-trata-de-personas/', dict(
        title='Cuba rechaza informe de EE.UU. sobre trata de personas',
        subtitle=None,
        author='teleSUR - MS',
        caption='Sede de la Cancillería cubana en La Habana. Foto: Cubaminrex',
        section='América Latina',
        language='es',
        published='2025-06-25T04:00:00',
        modified='2025-06-25T23:12:03',
        tags=('Cuba', 'EE.UU.', 'Trata de personas'), paragraphs=4,
        first='El Ministerio de Relaciones Exteriores de Cuba rechazó este miércoles el Informe sobre la Trata de Personas 2025 del Departamento de Estado de EE.UU., que volvió a ubicar a la isla en el Nivel 3.',
        last='La Cancillería rechazó además que la cooperación médica cubana sea calificada de trabajo forzoso, y la calificó de "calumnia que busca privar de servicios de salud a millones de personas".',
        canonical='/cuba-rechaza-informe-de-eeuu-sobre-trata-de-personas/',  # as the page writes it (the key drops the slash)
    )),
    ('telesur-es', '/se-trata-de-un-nuevo-hospital-en-caracas/', dict(
        title='Se trata de un nuevo hospital en Caracas',
        subtitle=None,
        author='Andreína Salazar',
        caption=None,
        section='América Latina',
        language='es',
        published='2025-07-03T14:05:00',
        modified=None,
        tags=('Venezuela', 'Salud'), paragraphs=4,
        first='El Gobierno venezolano inauguró este jueves en el oeste de Caracas un centro de salud con 120 camas. Según el Ministerio de Salud, se trata de un nuevo hospital especializado en geriatría, el primero de su tipo en la capital.',
        last='Las autoridades señalaron que el personal trató de adelantar la apertura para atender la demanda acumulada durante las obras.',
        canonical='/se-trata-de-un-nuevo-hospital-en-caracas/',  # as the page writes it (the key drops the slash)
    )),
    ('telesur-es', '/detienen-a-tres-personas-por-trafico-de-combustible/', dict(
        title='Detienen a tres personas por tráfico de combustible',
        subtitle=None,
        author='José Carrillo',
        caption=None,
        section='América Latina',
        language='es',
        published='2025-02-11T13:20:00',
        modified='2025-02-11T16:47:30',
        tags=('Colombia', 'Combustible'), paragraphs=3,
        first='La Policía colombiana detuvo este martes a tres personas acusadas de tráfico de combustible en la frontera con Venezuela, en el departamento de Norte de Santander.',
        last='Las autoridades indicaron que el contrabando de combustible causa pérdidas millonarias al Estado y alimenta a grupos armados ilegales en la zona.',
        canonical='/detienen-a-tres-personas-por-trafico-de-combustible/',  # as the page writes it (the key drops the slash)
    )),
    ('telesur-es', '/news/Paises-de-la-ONU-prometen-luchar-contra-la-trata-de-personas-20170927-0046.html', dict(
        title='Países de la ONU prometen luchar contra la trata de personas',
        subtitle='Los Estados miembros adoptaron una declaración política para reforzar el Plan de Acción Mundial contra la trata de personas.',
        author='teleSUR - EFE',
        caption='La Asamblea General de la ONU durante la reunión de alto nivel sobre la trata de personas. | Foto: EFE',
        section='Mundo',
        language='es',
        published=None,
        modified='2017-09-27T22:42:10',
        tags=('ONU', 'Trata de personas', 'Naciones Unidas'), paragraphs=6,
        first='Publicado 27 septiembre 2017',
        last='Según la Oficina de las Naciones Unidas contra la Droga y el Delito (UNODC), las mujeres y las niñas representan el 71 por ciento de las víctimas detectadas en el mundo.',
        canonical='/news/Paises-de-la-ONU-prometen-luchar-contra-la-trata-de-personas-20170927-0046.html',
    )),
    ('rhc-en', '/en/noticias/nacionales/280480-cuba-strengthened-confrontation-with-human-trafficking', dict(
        title='Cuba strengthened confrontation with human trafficking',
        subtitle=None,
        author='Lena Valdés',
        caption='ilustrativo',
        section=None,
        language='en',
        published='2020-12-21T15:32:07',
        modified=None,
        tags=(), paragraphs=8,
        first='Havana, December 21 (RHC) --Cuba reinforced the prevention and confrontation of human trafficking and related crimes, despite the effects of Covid-19, reveals a report published by the Foreign Ministry.',
        last='Recently, the Minister of Justice of Cuba, Oscar Manuel Silvera, reaffirmed at the UN that the Caribbean nation maintains unwavering its policy towards human trafficking. Likewise, he rejected the unjustified and discriminatory inclusion of the island, for totally political reasons, in the Report on Trafficking in Persons issued unilaterally by Washington’s State Department.',
        canonical='/en/noticias/nacionales/280480-cuba-strengthened-confrontation-with-human-trafficking',
    )),
    ('rhc-en', '/en/noticias/nacionales/304052-cuba-publishes-national-report-on-human-trafficking-in-2021', dict(
        title='Cuba publishes national report on human trafficking in 2021',
        subtitle=None,
        author='Clara Benítez',
        caption='Photo: Cubaminrex',
        section=None,
        language='en',
        published='2021-11-05T13:14:27',
        modified=None,
        tags=(), paragraphs=5,
        first='Havana, Nov 5 (RHC)-- The Cuban Foreign Ministry published on its website the national report on the prevention and confrontation of trafficking in persons and the protection of victims corresponding to 2020.',
        last='Cuba rejects the unilateral lists of the U.S. State Department, which it considers politically motivated, and will continue to cooperate with the United Nations and Interpol in this field, the ministry said.',
        canonical='/index.php/en/noticias/nacionales/304052-cuba-publishes-national-report-on-human-trafficking-in-2021',
    )),
    ('rhc-en', '/en/noticias/internacionales/304100-two-hurt-in-traffic-accident-on-havana-coastal-road', dict(
        title='Two hurt in traffic accident on Havana coastal road',
        subtitle=None,
        author='Tomás Ferrer',
        caption=None,
        section=None,
        language='en',
        published='2021-11-08T12:55:10',
        modified=None,
        tags=(), paragraphs=3,
        first='Havana, Nov 8 (RHC)-- Two people were injured early Monday when a car collided with a bus on the Malecón, the coastal avenue of the Cuban capital, police said.',
        last='Traffic on the avenue was diverted for three hours while the vehicles were removed. Authorities urged drivers to reduce speed on the wet road.',
        canonical='/en/noticias/internacionales/304100-two-hurt-in-traffic-accident-on-havana-coastal-road',
    )),
    ('rhc-es', '/es/noticias/nacionales/304053-cuba-publica-informe-nacional-sobre-trata-de-personas', dict(
        title='Cuba publica informe nacional sobre trata de personas',
        subtitle=None,
        author='Maite Ruiz',
        caption='Foto: Cubaminrex',
        section=None,
        language='es',
        published='2021-11-05T13:20:41',
        modified=None,
        tags=(), paragraphs=4,
        first='La Habana, 5 nov (RHC) La Cancillería cubana publicó en su sitio web el Informe Nacional de Cuba sobre Prevención y Enfrentamiento a la Trata de Personas y la Protección a las Víctimas, correspondiente a 2020.',
        last='Cuba rechaza las listas unilaterales del Departamento de Estado de EE.UU., que considera politizadas, y continuará cooperando con las Naciones Unidas y la Interpol en esta materia, señaló la Cancillería.',
        canonical='/es/noticias/nacionales/304053-cuba-publica-informe-nacional-sobre-trata-de-personas',
    )),
    ('rhc-es', '/es/noticias/nacionales/304070-brigadas-medicas-cubanas-rechazan-acusacion-de-trabajo-forzoso', dict(
        title='Brigadas médicas cubanas rechazan acusación de trabajo forzoso',
        subtitle=None,
        author='Raúl Mederos',
        caption=None,
        section=None,
        language='es',
        published='2021-11-06T20:02:33',
        modified=None,
        tags=(), paragraphs=3,
        first='La Habana, 6 nov (RHC-PL) Integrantes de las brigadas médicas cubanas en el exterior rechazaron la acusación de trabajo forzoso formulada por el Departamento de Estado de EE.UU. contra la cooperación médica de la isla.',
        last='La Unidad Central de Cooperación Médica recordó que la brigada Henry Reeve recibió en 2017 el premio Dr. Lee Jong-wook de la Organización Mundial de la Salud.',
        canonical='/es/noticias/nacionales/304070-brigadas-medicas-cubanas-rechazan-acusacion-de-trabajo-forzoso',
    )),
    ('rhc-es', '/es/noticias/internacionales/304081-vecinos-trataron-de-salvar-la-cosecha-tras-el-huracan', dict(
        title='Vecinos trataron de salvar la cosecha tras el huracán',
        subtitle=None,
        author='Maite Ruiz',
        caption='Cultivos dañados por las lluvias',
        section=None,
        language='es',
        published='2021-11-07T16:45:00',
        modified=None,
        tags=(), paragraphs=3,
        first='Santo Domingo, 7 nov (teleSUR-RHC) Los vecinos de varias comunidades rurales del este de República Dominicana trataron de salvar la cosecha de plátano y yuca tras el paso del huracán.',
        last='Brigadas de la Defensa Civil trataron de despejar los caminos vecinales para llevar agua potable y alimentos a las familias aisladas.',
        canonical='/es/noticias/internacionales/304081-vecinos-trataron-de-salvar-la-cosecha-tras-el-huracan',
    )),
]


def test_every_readme_article_has_a_route_and_an_expectation() -> None:
    readme = (SITES / "README.md").read_text(encoding="utf-8")
    routed = {
        (site, path)
        for site in ("telesur-en", "telesur-es", "rhc-en", "rhc-es")
        for path in tomllib.loads((SITES / site / "routes-articles.toml").read_text(encoding="utf-8"))
    }
    assert routed == {(site, path) for site, path, _ in EXPECTED}
    for _, path, _ in EXPECTED:
        assert f"`{path}`" in readme


@pytest.mark.parametrize(("site", "path", "want"), EXPECTED, ids=[p for _, p, _ in EXPECTED])
def test_fixture_article_fields(site: str, path: str, want: dict) -> None:
    article = extract(site, path)
    assert article.url == BASE + path
    assert article.canonical_url == BASE + want["canonical"]  # the URL as the page publishes it
    assert canonical_url(article.canonical_url) == canonical_url(BASE + want["canonical"].rstrip("/"))
    assert article.outlet == site
    assert article.outlet_name == CONFIG.outlet(site).name
    for name in ("title", "subtitle", "author", "caption", "section", "language"):
        assert getattr(article, name) == want[name], name
    assert article.published == utc(want["published"])
    assert article.modified == utc(want["modified"])
    assert article.tags == want["tags"]
    assert len(article.body) == want["paragraphs"]
    assert article.body[0] == want["first"]
    assert article.body[-1] == want["last"]
    assert article.fetched_at == NOW
    assert (article.published_raw is None) == (article.published is None)


FURNITURE = [
    "Post with no comments.", "Blinken Says US Amidst Comprehensive Cuba Policy Review", "Share on Facebook",
    "Related:", "RELATED:", "LEA TAMBIÉN:", "pic.twitter.com", "(@telesurenglish)", "Subscribe", "Suscríbase",
    "Author:", "Autor:", "Source:", "Fuente:", "Pinterest", "WhatsApp", "Edited by", "Editado por",
    "Most Read", "Related news", "Comments", "Cuba Publishes National Report on Trafficking in Persons",
    "Caribbean Ministers Meet", "Colombia y Venezuela refuerzan", "ONU alerta sobre aumento", "utos)", "Hace ",
]


@pytest.mark.parametrize(("site", "path"), [(s, p) for s, p, _ in EXPECTED], ids=[p for _, p, _ in EXPECTED])
def test_page_furniture_never_reaches_the_body(site: str, path: str) -> None:
    body = "\n".join(extract(site, path).body)
    assert [f for f in FURNITURE if f in body] == []


def test_old_telesur_page_reproduces_seed_000() -> None:
    """Date line first, standfirst second, the inline related headline gone (SEED_FORMAT.md)."""
    article = extract("telesur-en", "/news/Cuba-Rejects-US-False-Accusation-on-Human-Trafficking-20210704-0009.html")
    # The seed is a raw page dump: compare with its whitespace (incl. a no-break space) collapsed.
    seed = " ".join((SEEDS / "000_10ea589a1fae356f.txt").read_text(encoding="utf-8").split())
    assert article.body[0] == "Published 4 July 2021"
    assert article.body[1] == article.subtitle
    for paragraph in article.body:
        assert paragraph in seed
    assert article.caption is not None and article.caption in seed
    # "Published 4 July 2021" is the last-modified day [T]: it must not become the publish date.
    sources = dict(article.provenance)
    assert sources["published"] == "json-ld"
    assert sources["modified"].startswith("meta[cxenseparse:recs:publishtime]")


def test_rhc_page_renders_to_seed_001_byte_for_byte() -> None:
    path = "/en/noticias/nacionales/280480-cuba-strengthened-confrontation-with-human-trafficking"
    article = extract("rhc-en", path)
    seed = (SEEDS / "001_319918b101c2d455.txt").read_text(encoding="utf-8")
    # The fixture is served from 127.0.0.1; with the live URL, which is printed as published, it is the seed.
    seed_url = "https://www.radiohc.cu" + path
    assert seedformat.render(dataclasses.replace(article, canonical_url=seed_url)) == seed


@pytest.mark.parametrize(
    ("site", "path", "field", "source"),
    [
        ("telesur-en", "/police-dismantle-cocaine-trafficking-ring-in-caribbean/", "published", "selector:div.date-header (day)"),
        ("telesur-es", "/cuba-rechaza-informe-de-eeuu-sobre-trata-de-personas/", "author", "selector:p.content-area__text__full__fuente__detalle"),
        # the adapter's reading goes first now; JSON-LD names the same person and is listed as beaten
        ("telesur-en", "/cuba-rejects-us-trafficking-in-persons-report/", "author", "selector:p.content-area__text__full__fuente__detalle"),
        ("telesur-en", "/washington-labels-cuban-medical-brigades-forced-labor/", "modified", "meta[og:updated_time]"),
        ("telesur-es", "/news/Paises-de-la-ONU-prometen-luchar-contra-la-trata-de-personas-20170927-0046.html", "modified", "meta[publish-date] (last-modified)"),
        ("telesur-en", "/news/Cuba-Rejects-US-False-Accusation-on-Human-Trafficking-20210704-0009.html", "canonical_url", "og:url"),
        ("rhc-en", "/en/noticias/nacionales/280480-cuba-strengthened-confrontation-with-human-trafficking", "canonical_url", "url"),
        ("rhc-en", "/en/noticias/nacionales/304052-cuba-publishes-national-report-on-human-trafficking-in-2021", "canonical_url", "link[rel=canonical]"),
        ("rhc-en", "/en/noticias/nacionales/280480-cuba-strengthened-confrontation-with-human-trafficking", "language", "url path"),
        ("telesur-es", "/se-trata-de-un-nuevo-hospital-en-caracas/", "language", "html[lang]"),
    ],
)
def test_provenance_names_the_source_of_each_field(site: str, path: str, field: str, source: str) -> None:
    assert dict(extract(site, path).provenance)[field] == source


def test_cross_host_canonical_is_rejected_and_reported() -> None:
    path = "/news/Cuba-Rejects-US-False-Accusation-on-Human-Trafficking-20210704-0009.html"
    rejected = dict(extract("telesur-en", path).provenance)["canonical_url:rejected"]
    assert "www.telesurtv.net" in rejected and "another host" in rejected


def test_modified_day_from_the_visible_date_line_when_no_meta() -> None:
    """Old Spanish page without its publish-date meta: "Publicado 27 septiembre 2017 (Hace …)" -> modified, day."""
    path = "/news/Paises-de-la-ONU-prometen-luchar-contra-la-trata-de-personas-20170927-0046.html"
    page = fixture_page("telesur-es", path)
    text = page.text.replace('<meta name="publish-date" content="2017-09-27 18:42:10">', "")
    article = extract_article(page_from(text, path), outlet("telesur-es"), now=NOW)
    assert article.published is None
    assert article.modified == datetime(2017, 9, 27, 4, 0, tzinfo=timezone.utc)  # Havana midnight, EDT
    assert article.modified_raw == "Publicado 27 septiembre 2017"
    assert dict(article.provenance)["modified"] == "selector:div.capdate (last-modified) (day)"


# ---------------------------------------------------------------- explain / monitor check


def test_explain_lists_every_field_with_its_source_or_missing() -> None:
    path = "/en/noticias/internacionales/304100-two-hurt-in-traffic-accident-on-havana-coastal-road"
    rows = {r.field: r for r in explain(fixture_page("rhc-en", path), outlet("rhc-en"), now=NOW)}
    assert rows["published"].value == "2021-11-08T12:55:10+00:00"  # Havana EST, after the 7 Nov DST end
    assert rows["published"].source == "text: YYYY-MM-DD HH:MM:SS"
    assert rows["caption"].source == "missing" and rows["caption"].value == ""
    assert rows["modified"].source == "missing"
    assert rows["body"].value.startswith("3 paragraphs: Havana, Nov 8 (RHC)")
    text = format_report(list(rows.values()))
    assert "author" in text and "Tomás Ferrer" in text and "missing" in text


# ---------------------------------------------------------------- pages that are not articles


STUB = "<html><head><title>teleSUR English</title></head><body><p>OK</p></body></html>"
CHALLENGE = """<!DOCTYPE html><html lang="en"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body><div id="cf-browser-verification">
<h1>Checking your browser before accessing the site.</h1><p>This process is automatic.</p>
<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1"></script></div></body></html>"""
GRANMA_CHALLENGE = """<html><head><meta charset="utf-8"><title>Granma</title></head><body>
<p>Cargando...</p><script src="fwb/df_lib.js"></script></body></html>"""
REDESIGN = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Cuba Rejects US Trafficking in Persons Report - teleSUR English</title></head><body>
<div class="story"><h1 class="story__headline">Cuba Rejects US Trafficking in Persons Report</h1>
<div class="story__body"><p>The Cuban Foreign Ministry on Wednesday rejected the report.</p>
<p>It said the report lacks any credibility.</p></div></div></body></html>"""


def listing_page() -> str:
    """A section page: many teasers, no article body (FIELD_NOTES row 11)."""
    teasers = "\n".join(
        f'<div class="teaser"><h2><a href="/story-number-{i}-about-cuba/">Story number {i} about Cuba and the region</a></h2>'
        f"<p>Short excerpt {i}.</p></div>"
        for i in range(12)
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta property="og:type" content="website">'
        f"<title>Latin America - teleSUR English</title></head><body><h1>Latin America</h1>{teasers}</body></html>"
    )


@pytest.mark.parametrize(
    ("key", "html", "message"),
    [
        ("telesur-en", STUB, "no title found"),
        ("telesur-en", CHALLENGE, "bot challenge"),
        ("granma", GRANMA_CHALLENGE, "bot challenge"),
        ("telesur-en", listing_page(), "listing page"),
        ("granma", listing_page(), "listing page"),
        ("rhc-en", listing_page(), "listing page"),
        ("generic-empty", "<html><head><title>Not found</title></head><body></body></html>", "no article body"),
    ],
)
def test_non_articles_raise_layout_changed(key: str, html: str, message: str) -> None:
    config = outlet("granma") if key == "generic-empty" else outlet(key)
    with pytest.raises(LayoutChanged, match=message):
        extract_article(page_from(html, "/some/page/"), config, now=NOW)


@pytest.mark.parametrize(("key", "why"), [("telesur-en", "adapter telesur: no teleSUR article container"),
                                          ("rhc-en", "adapter rhc: no RHC article markers")])
def test_redesigned_page_is_read_generically_and_the_outlet_degraded(key: str, why: str) -> None:
    """The adapters' containers are gone after a redesign: the generic extractor reads the page."""
    article = extract_article(page_from(REDESIGN, "/some/page/"), outlet(key), now=NOW)
    assert article.title == "Cuba Rejects US Trafficking in Persons Report"
    assert article.body == ("The Cuban Foreign Ministry on Wednesday rejected the report.", "It said the report lacks any credibility.")
    assert why in degraded(article)[0]


def test_rhc_discovery_listing_is_not_an_article() -> None:
    text = (SITES / "rhc-en" / "discovery" / "nacionales-1.html").read_text(encoding="utf-8")
    with pytest.raises(LayoutChanged):
        extract_article(page_from(text, "/en/noticias/nacionales?page=1"), outlet("rhc-en"), now=NOW)


@pytest.mark.parametrize(
    "page",
    [
        Page(url=BASE + "/x", final_url=BASE + "/x", status=200, content=b"\xff\xfe\x00\x00\x89PNG", encoding="utf-8"),
        Page(url=BASE + "/x", final_url=BASE + "/x", status=200, text=""),
        Page(url=BASE + "/x", final_url=BASE + "/x", status=200, text='{"status": "ok", "items": []}'),
        Page(url=BASE + "/x", final_url=BASE + "/x", status=200, text="<html>" + "\ufffd" * 500 + "</html>"),
    ],
    ids=["binary", "empty", "json", "mojibake"],
)
def test_garbage_raises_parse_error(page: Page) -> None:
    with pytest.raises(ParseError):
        extract_article(page, outlet("telesur-en"), now=NOW)


# ---------------------------------------------------------------- generic adapter, config overrides


GENERIC_PAGE = """<!DOCTYPE html><html lang="es-CU"><head><meta charset="utf-8">
<title>Suspenden la liga de balonmano › Deportes › Granma</title>
<link rel="canonical" href="http://www.granma.cu/">
<meta property="og:type" content="article">
<meta property="og:title" content="Suspenden la liga de balonmano">
<meta property="og:url" content="{{BASE}}/deportes/2019-11-05/suspenden-la-liga-05-11-2019-11-11-00">
<meta property="article:tag" content="balonmano"><meta property="article:tag" content="deportes">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",
 "headline":"Suspenden la liga nacional de balonmano","datePublished":"2019-11-05T11:11:00",
 "author":[{"@type":"Person","name":"Ana Pérez"}],"articleSection":["Deportes"],
 "image":{"@type":"ImageObject","url":"https://www.granma.cu/file/img/x.jpg","caption":"Partido en La Habana"}}</script>
</head><body><nav><a href="/">Portada</a></nav>
<article><h1>Suspenden la liga nacional de balonmano</h1>
<p>La décima liga nacional femenina de balonmano fue suspendida por problemas de transporte.</p>
<p>Los organizadores anunciaron que el torneo se reanudará en enero.</p></article>
<aside class="g-story-relate"><ul><li><a href="/deportes/otra">Otra noticia deportiva de la semana pasada</a></li></ul></aside>
</body></html>"""


def test_generic_adapter_reads_standard_metadata_alone() -> None:
    """No selectors, no adapter code: JSON-LD + OpenGraph + <article> are enough (configuration-only outlet)."""
    config = outlet("granma", selectors=(), drop=())
    article = extract_article(page_from(GENERIC_PAGE, "/deportes/2019-11-05/suspenden-la-liga-05-11-2019-11-11-00"), config, now=NOW)
    assert article.title == "Suspenden la liga nacional de balonmano"
    assert article.author == "Ana Pérez"
    assert article.published == datetime(2019, 11, 5, 16, 11, tzinfo=timezone.utc)  # no zone: Havana (EST)
    assert article.section == "Deportes"
    assert article.tags == ("balonmano", "deportes")
    assert article.caption == "Partido en La Habana"
    assert article.language == "es"
    assert article.body == (
        "La décima liga nacional femenina de balonmano fue suspendida por problemas de transporte.",
        "Los organizadores anunciaron que el torneo se reanudará en enero.",
    )
    # Granma's canonical is the home page [M]: rejected, og:url used.
    assert article.canonical_url == "http://127.0.0.1:8765/deportes/2019-11-05/suspenden-la-liga-05-11-2019-11-11-00"
    assert dict(article.provenance)["canonical_url"] == "og:url"
    assert "home page" in dict(article.provenance)["canonical_url:rejected"]


def test_generic_adapter_falls_back_to_json_ld_article_body() -> None:
    html = """<html lang="en"><head><title>T</title><script type="application/ld+json">
    {"@type":"NewsArticle","headline":"A headline from JSON-LD","datePublished":"2024-07-24T10:15:00Z",
     "articleBody":"First paragraph of the story here.\\nSecond paragraph of the story here."}</script></head>
    <body><div id="app"></div></body></html>"""
    article = extract_article(page_from(html, "/a/1"), outlet("granma", selectors=()), now=NOW)
    assert article.body == ("First paragraph of the story here.", "Second paragraph of the story here.")
    assert dict(article.provenance)["body"] == "json-ld articleBody"


GRANMA_MARKUP = """<!DOCTYPE html><html lang="es"><head><meta charset="utf-8">
<base href="http://www.granma.cu/">
<title>Suspenden la liga › Deportes › Granma - Órgano oficial del PCC</title>
<link rel="canonical" href="http://www.granma.cu/">
<meta property="og:type" content="article">
<meta property="og:title" content="Título de OpenGraph que no es el impreso">
<meta property="og:url" content="{{BASE}}/deportes/2019-11-05/suspenden-la-liga">
</head><body>
<h1 class="g-story-heading" itemprop="headline">Suspenden la décima Liga Nacional Femenina de Balonmano</h1>
<p class="g-story-description" itemprop="description">Problemas de transporte obligan a posponer el torneo</p>
<span class="g-story-author" itemprop="author creator"><span class="byline-author" itemprop="name">Autor: Ana Pérez</span></span>
<time class="dateline" datetime="2019-11-05 11:11:00">5 de noviembre de 2019  11:11:00</time>
<figure class="g-story-media-photo"><img src="x.jpg"><figcaption class="g-story-media-caption"><span class="caption-text">Partido en la Ciudad Deportiva.</span> <strong>Foto:</strong> <span class="credit">Ricardo López</span></figcaption></figure>
<div class="story-body-textt story-content" itemprop="articleBody"><p>La liga fue suspendida por problemas de transporte.</p><p>Se reanudará en enero próximo.</p></div>
<div itemprop="articleBody"></div><div itemprop="articleBody"></div>
<aside><ul class="g-story-relate"><li><a href="/deportes/x">Informaciones relacionadas con el deporte cubano</a></li></ul></aside>
<footer class="g-story-footer"><p class="g-story-share">COMPARTIR</p></footer>
<div class="g-story-comments"><p>Comentario de un lector, 6 de noviembre de 2019</p></div>
<script src="fwb/df_lib.js"></script>
</body></html>"""


def test_configured_selectors_beat_metadata() -> None:
    """Granma in the bundled config: its [M] selectors override og:title; og:url beats the home-page canonical.

    The page ends with Granma's fwb fingerprint script [M], as real articles do: still an article.
    """
    article = extract_article(page_from(GRANMA_MARKUP, "/deportes/2019-11-05/suspenden-la-liga"), outlet("granma"), now=NOW)
    assert article.title == "Suspenden la décima Liga Nacional Femenina de Balonmano"
    assert dict(article.provenance)["title"] == "selector:h1.g-story-heading"
    assert article.subtitle == "Problemas de transporte obligan a posponer el torneo"
    assert article.published == datetime(2019, 11, 5, 16, 11, tzinfo=timezone.utc)
    assert article.published_raw == "2019-11-05 11:11:00"
    assert article.caption == "Partido en la Ciudad Deportiva. Foto: Ricardo López"
    assert article.body == ("La liga fue suspendida por problemas de transporte.", "Se reanudará en enero próximo.")
    assert article.canonical_url == "http://127.0.0.1:8765/deportes/2019-11-05/suspenden-la-liga"


def test_selector_override_beats_json_ld_on_an_adapter_outlet() -> None:
    path = "/cuba-rejects-us-trafficking-in-persons-report/"
    config = outlet("telesur-en", selectors=(("title", "div.content-area__category a"), ("author", "p.content-area__text__full__fuente__detalle")))
    article = extract_article(fixture_page("telesur-en", path), config, now=NOW)
    assert article.title == "Latin America"
    assert article.author == "Marta López"  # the byline lead "Author:" is not part of the name
    assert dict(article.provenance)["title"] == "selector:div.content-area__category a"


def test_configured_body_selector_is_tidied_by_the_adapter() -> None:
    path = "/cuba-rechaza-informe-de-eeuu-sobre-trata-de-personas/"
    config = outlet("telesur-es", selectors=(("body", "div.content-area__text__full p"),))
    body = extract_article(fixture_page("telesur-es", path), config, now=NOW).body
    assert body[0].startswith("El Ministerio de Relaciones Exteriores de Cuba rechazó")
    assert not any(p.startswith(("LEA TAMBIÉN", "Autor:", "Fuente:")) for p in body)


def test_configured_container_missing_falls_back_and_is_degraded() -> None:
    """A site change costs a config edit, never the item: the page is still read, the outlet flagged."""
    path = "/cuba-rejects-us-trafficking-in-persons-report/"
    config = outlet("telesur-en", selectors=(("container", "div.article-v3"),))
    article = extract_article(fixture_page("telesur-en", path), config, now=NOW)
    assert article.title == "Cuba Rejects US Trafficking in Persons Report"
    assert article.body == extract("telesur-en", path).body
    assert degraded(article) == ("selector container=div.article-v3 matched nothing",)


def test_drop_config_removes_furniture_from_the_body() -> None:
    # the generic extractor cannot tell this aside from prose; the outlet's drop list can
    html = GENERIC_PAGE.replace("<p>Los organizadores", '<p class="g-extra">Granma cumple hoy sesenta años de fundado en La Habana.</p><p>Los organizadores')
    path = "/deportes/2019-11-05/suspenden-la-liga-05-11-2019-11-11-00"
    kept = extract_article(page_from(html, path), outlet("granma", selectors=(), drop=()), now=NOW).body
    dropped = extract_article(page_from(html, path), outlet("granma", selectors=(), drop=("p.g-extra",)), now=NOW).body
    assert len(kept) == 3 and len(dropped) == 2
    promo = GENERIC_PAGE.replace("<p>Los organizadores", '<p class="promo">Suscríbase al boletín semanal de Granma hoy</p><p>Los organizadores')
    assert len(extract_article(page_from(promo, path), outlet("granma", selectors=(), drop=()), now=NOW).body) == 2


# ---------------------------------------------------------------- dates on pages


def test_future_date_is_dropped_and_reported() -> None:
    path = "/cuba-rejects-us-trafficking-in-persons-report/"
    html = fixture_page("telesur-en", path).text.replace('"datePublished":"2025-06-25T14:32:10-04:00"', '"datePublished":"2031-01-01T10:00:00Z"')
    article = extract_article(page_from(html, path), outlet("telesur-en"), now=NOW)
    # the impossible JSON-LD date is dropped and reported; the printed date line (a day) stands
    assert "after fetch time" in dict(article.provenance)["published:rejected"]
    assert dict(article.provenance)["published"] == "selector:div.date-header (day)"
    assert article.published is not None and article.published.date().isoformat() == "2025-06-25"
    assert article.modified is not None  # the modified date is still fine


def test_published_is_never_filled_from_modified() -> None:
    """og:updated_time alone (newspaper4k trap, FIELD_NOTES traps 3) leaves published empty."""
    html = GENERIC_PAGE.replace('"datePublished":"2019-11-05T11:11:00",', "").replace(
        '<meta property="og:type" content="article">',
        '<meta property="og:type" content="article"><meta property="og:updated_time" content="2019-11-06T08:00:00-05:00">',
    )
    article = extract_article(page_from(html, "/deportes/a"), outlet("granma", selectors=()), now=NOW)
    assert article.published is None
    assert article.modified == datetime(2019, 11, 6, 13, 0, tzinfo=timezone.utc)


def test_bogus_json_ld_date_is_reported_not_fatal() -> None:
    html = GENERIC_PAGE.replace('"datePublished":"2019-11-05T11:11:00"', '"datePublished":"yesterday"')
    article = extract_article(page_from(html, "/deportes/a"), outlet("granma", selectors=()), now=NOW)
    assert article.published is None
    assert "not a date" in dict(article.provenance)["published:rejected"]


def test_sample_json_ld_of_the_old_amp_template_is_ignored() -> None:
    """teleSUR's 2016 AMP template hard-coded a Washington Post sample JSON-LD [T]: not this page's data."""
    path = "/news/Paises-de-la-ONU-prometen-luchar-contra-la-trata-de-personas-20170927-0046.html"
    bogus = (
        '<script type="application/ld+json">{"@context": "http://schema.org", "@type": "NewsArticle",'
        ' "headline": "Kasich makes his pitch to Republican voters in Maryland", "datePublished": "2016-04-21T20:00:00Z",'
        ' "author": {"@type": "Person", "name": "Jenna Johnson"}}</script></head>'
    )
    html = fixture_page("telesur-es", path).text.replace("</head>", bogus, 1)
    article = extract_article(page_from(html, path), outlet("telesur-es"), now=NOW)
    assert article.title == "Países de la ONU prometen luchar contra la trata de personas"
    assert article.published is None
    assert article.author == "teleSUR - EFE"
    assert "Kasich" in dict(article.provenance)["json-ld:rejected"]


@pytest.mark.parametrize("base", ["javascript:void(0)", "mailto:desk@example.org", "http://[bad"])
def test_unusable_base_href_is_ignored_not_a_crash(base: str) -> None:
    """A hostile or broken <base href> must not take the whole poll down."""
    html = GENERIC_PAGE.replace("<head>", f'<head><base href="{base}">', 1)
    article = extract_article(page_from(html, "/deportes/2019-11-05/suspenden-la-liga-05-11-2019-11-11-00"),
                              outlet("granma", selectors=(), drop=()), now=NOW)
    assert article.canonical_url == "http://127.0.0.1:8765/deportes/2019-11-05/suspenden-la-liga-05-11-2019-11-11-00"
