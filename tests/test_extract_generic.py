"""The generic extractor on pages no adapter knows (monitor/extract/content.py, fields.py, extract_html).

Spanish pages of our own (tests/pages/, one per failure class of issue 10) are read with
``extract_html`` and no outlet, as a page of an outlet monitor has no configuration for.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from monitor.config import load
from monitor.errors import LayoutChanged
from monitor.extract import degraded, extract_html, report
from monitor.extract.fields import decode, split_names, strip_site

PAGES = Path(__file__).resolve().parent / "pages"
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def read(name: str, url: str | None = None, **kwargs: object):
    html = (PAGES / name).read_text(encoding="utf-8")
    return extract_html(html, url or f"https://www.ejemplo.cu/noticias/{name.removesuffix('.html')}/", now=NOW, **kwargs)


def test_site_name_is_stripped_and_the_logo_heading_never_wins() -> None:
    article = read("sitename-title.html", "https://www.telesurtv.net/cuba-rechaza-informe/")
    assert article.title == "Cuba rechaza informe de EE.UU. sobre trata de personas"
    beaten = [v for k, v in article.provenance if k == "title:beat"]
    assert any("teleSUR" in v for v in beaten)  # check shows what the winner beat
    assert "Nuestro Norte es el Sur" not in article.body
    assert not any("derechos reservados" in p for p in article.body)


@pytest.mark.parametrize(
    ("title", "stripped"),
    [
        ("Cuba rechaza informe - teleSUR", "Cuba rechaza informe"),
        ("teleSUR | Cuba rechaza informe", "Cuba rechaza informe"),
        ("Cuba rechaza informe :: teleSUR", "Cuba rechaza informe"),
        ("Cuba rechaza informe -- teleSUR", "Cuba rechaza informe"),
        ("Cuba rechaza informe — teleSUR English", "Cuba rechaza informe"),
        ("Cuba - Estados Unidos: una relación difícil", "Cuba - Estados Unidos: una relación difícil"),  # not a site name
    ],
)
def test_strip_site_on_either_side_with_any_separator(title: str, stripped: str) -> None:
    assert strip_site(title, {"telesur", "telesurenglish", "telesurtv"}) == stripped


def test_entities_are_decoded_everywhere_including_json_ld() -> None:
    article = read("jsonld-entities.html", "https://www.granma.cu/mundo/2025-03-02/lista")
    assert article.title == "Granma denuncia ‘lista negra’ de EE.UU. & sus aliados"
    assert article.authors == ("Ana Pérez",)
    assert decode("&amp;#8216;x&amp;#8217;") == "‘x’"


def test_footer_related_comments_counter_and_subscription_are_not_body() -> None:
    article = read("footer-furniture.html", "http://www.cubadebate.cu/noticias/2025/05/10/red/")
    assert article.body == (
        "El Ministerio del Interior informó este sábado la desarticulación de una red dedicada a la trata de personas en la provincia de Pinar del Río.",
        "Según la nota oficial, los implicados captaban a mujeres jóvenes con falsas ofertas de empleo en el extranjero.",
        "Las autoridades agradecieron la colaboración de la población y de las víctimas, que reciben atención especializada.",
    )
    assert article.published == datetime(2025, 5, 10, 15, 0, tzinfo=timezone.utc)


def test_the_slogan_is_never_the_caption_and_the_editor_is_the_author() -> None:
    article = read("slogan-caption.html", "https://www.radiohc.cu/es/noticias/nacionales/1-inauguran")
    assert article.caption == "El nuevo centro abrió sus puertas este lunes. Foto: ACN"
    assert article.authors == ("Tomás Ferrer",)
    assert article.body[0].startswith("Santiago de Cuba, 3 mar (RHC)")


def test_captions_inside_the_body_are_not_paragraphs() -> None:
    article = read("captions-in-body.html", "https://www.prensa-latina.cu/2025/06/01/brigada/")
    assert article.body == (
        "Una brigada de 52 médicos cubanos llegó este domingo a la región italiana de Calabria para reforzar sus hospitales.",
        "Las autoridades regionales agradecieron el apoyo y recordaron que la colaboración comenzó hace tres años.",
        "Los especialistas trabajarán en servicios de urgencias, cirugía y pediatría durante al menos un año.",
    )
    assert article.caption == "Los médicos a su llegada al aeropuerto de Lamezia Terme."


def test_paragraphs_after_embeds_and_br_separated_text_are_kept() -> None:
    article = read("paragraphs-after-embed.html", "https://www.telesurtv.net/venezuela-acoge-cumbre/")
    assert article.body == (
        "Los jefes de Estado y de Gobierno del ALBA-TCP se reunieron este viernes en Caracas.",
        "La cita abordó la cooperación en salud, educación y energía entre los países miembros.",
        "Los mandatarios firmaron una declaración final con catorce puntos de acción conjunta.",
        "La próxima cumbre se celebrará en La Habana el año que viene.",
        "Los cancilleres se reunirán antes para preparar la agenda común.",
    )
    assert article.published is None  # the tweet's date is the tweet's, not the article's


def test_several_authors_are_a_list_and_the_photographer_is_not_one() -> None:
    article = read("several-authors.html", "http://www.cubadebate.cu/noticias/2025/07/01/informe/")
    assert article.authors == ("Ana Pérez", "Luis Gómez")
    assert article.author == "Ana Pérez, Luis Gómez"  # the display line the store keeps for Datasette
    assert "Fotos: Ismael Francisco" not in article.body


@pytest.mark.parametrize(
    ("headline", "og_title"),
    [
        ("Crisis energética: Aprueban plan de recuperación eléctrica", "Aprueban plan de recuperación eléctrica"),
        ("Aprueban plan de recuperación eléctrica | Economía", "Aprueban plan de recuperación eléctrica"),
    ],
)
def test_a_kicker_or_section_label_another_source_leaves_out_is_not_the_title(headline: str, og_title: str) -> None:
    prose = "<p>" + "Un párrafo del artículo con texto suficiente para contar como prosa. " * 3 + "</p>"
    html = f"""<html><head><title>{headline} - Diario</title><meta property="og:title" content="{og_title}">
    <script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{headline}"}}</script></head>
    <body><article><h1>{headline}</h1>{prose * 4}</article></body></html>"""
    article = extract_html(html, "https://www.ejemplo.cu/a/", now=NOW)
    assert article.title == "Aprueban plan de recuperación eléctrica"


@pytest.mark.parametrize(
    ("title", "stripped"),
    [
        # the site's name mid-title, then only a short credit: the headline ends at the name
        ("Cuba rechaza informe | teleSUR | por Ana Pérez", "Cuba rechaza informe"),
        # a section glued to the name with no spaces around the separator
        ("Cuba rechaza informe-Política|teleSUR", "Cuba rechaza informe"),
        # a long text after the name is not a credit: nothing is cut
        ("Cuba rechaza informe | teleSUR | y Venezuela responde con una nota de su cancillería ayer",
         "Cuba rechaza informe | teleSUR | y Venezuela responde con una nota de su cancillería ayer"),
        # a hyphenated word is not a separator
        ("Cuba y Estados Unidos firman acuerdo migratorio-consular", "Cuba y Estados Unidos firman acuerdo migratorio-consular"),
    ],
)
def test_site_name_inside_the_title_ends_it_only_before_a_short_credit(title: str, stripped: str) -> None:
    assert strip_site(title, {"telesur", "telesurenglish", "telesurtv"}) == stripped


@pytest.mark.parametrize(
    ("og_title", "h1", "expected"),
    [
        # unrelated kickers on the same headline: neither is part of it
        ("Migración: Cuba y EE.UU. retoman conversaciones", "Diplomacia - Cuba y EE.UU. retoman conversaciones",
         "Cuba y EE.UU. retoman conversaciones"),
        # the same lead reworded is one headline, kept whole
        ("Conversaciones migratorias: Cuba y EE.UU. retoman el diálogo",
         "Conversaciones sobre migración: Cuba y EE.UU. retoman el diálogo",
         "Conversaciones migratorias: Cuba y EE.UU. retoman el diálogo"),
    ],
)
def test_a_kicker_two_sources_disagree_on_is_dropped(og_title: str, h1: str, expected: str) -> None:
    prose = "<p>" + "Un párrafo del artículo con texto suficiente para contar como prosa. " * 3 + "</p>"
    html = f"""<html><head><title>{og_title} - Diario</title><meta property="og:title" content="{og_title}">
    </head><body><article><h1>{h1}</h1>{prose * 4}</article></body></html>"""
    assert extract_html(html, "https://www.ejemplo.cu/a/", now=NOW).title == expected


def _two_signers(teasers: str) -> str:
    prose = "<p>" + "Un párrafo del artículo con texto suficiente para contar como prosa. " * 3 + "</p>"
    return f"""<html><head><title>T</title><meta property="og:type" content="article">
    <script type="application/ld+json">{{"@type": "NewsArticle", "headline": "La zafra avanza en Cienfuegos",
    "author": [{{"@type": "Person", "name": "Marlene Holm"}}]}}</script></head><body><article>
    <h1>La zafra avanza en Cienfuegos</h1>
    <div class="bylines"><a rel="author" href="/a/ingrid">Ingrid Treborg</a> <a rel="author" href="/a/marlene">Marlene Holm</a></div>
    {prose * 4}</article><aside>{teasers}</aside></body></html>"""


def test_a_marked_up_byline_adds_the_coauthor_the_metadata_left_out() -> None:
    article = extract_html(_two_signers(""), "https://www.ejemplo.cu/a/", now=NOW)
    assert set(article.authors) == {"Ingrid Treborg", "Marlene Holm"}


def test_teaser_authors_marked_rel_author_do_not_join_the_byline() -> None:
    teasers = "".join(f'<a rel="author" href="/a/{n}">Autor {n} Pérez</a>' for n in ("Uno", "Dos", "Tres"))
    article = extract_html(_two_signers(teasers), "https://www.ejemplo.cu/a/", now=NOW)
    assert article.authors == ("Marlene Holm",)


def test_a_page_painted_by_script_is_read_from_the_markup_in_its_json() -> None:
    paragraphs = ["El Consejo de Ministros aprobó este martes el plan de recuperación de la red eléctrica nacional.",
                  "La primera etapa incluye la reparación de dos termoeléctricas en el occidente del país."]
    markup = json.dumps('<figure><img src="f.jpg"><div class="caption"><p>Foto: archivo</p></div></figure>'
                        + "".join(f'<p class="editor-p">{p}</p>' for p in paragraphs))
    html = f"""<html><head><title>Aprueban plan eléctrico | Diario</title><meta property="og:type" content="article">
    <meta property="og:title" content="Aprueban plan eléctrico"></head><body><div id="root"></div>
    <script>self.__next_f.push([1,{json.dumps("5:" + markup)}])</script></body></html>"""
    article = extract_html(html, "https://www.ejemplo.cu/a/", now=NOW)
    assert article.body == tuple(paragraphs)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Por Ana Pérez y Luis Gómez", ("Ana Pérez", "Luis Gómez")),
        ("Por: Ana Pérez", ("Ana Pérez",)),
        ("Autor: Marta López", ("Marta López",)),
        ("By Jane Doe and John Roe", ("Jane Doe", "John Roe")),
        ("Redacción teleSUR", ("teleSUR",)),
        ("Foto: Ismael Francisco", ()),
        ("Image: Getty Images", ()),
        ("신현주 기자", ("신현주",)),
        ("teleSUR - EFE", ("teleSUR - EFE",)),
    ],
)
def test_byline_names(text: str, names: tuple[str, ...]) -> None:
    assert split_names(text) == names


def test_subheadings_stay_in_order_and_are_marked() -> None:
    html = """<html><head><title>T</title><meta property="og:type" content="article"></head><body><article>
    <h1>Un titular de prueba sobre la cumbre</h1>
    <p>Primer párrafo con suficiente texto para que cuente como prosa del artículo.</p>
    <h2>Los acuerdos</h2><p>Segundo párrafo, también con suficiente texto para contar como prosa.</p>
    </article></body></html>"""
    article = extract_html(html, "https://www.ejemplo.cu/a/", now=NOW)
    assert article.body[1] == "Los acuerdos" and article.subheadings == (1,)


def test_zone_less_dates_are_not_read_as_havana_without_an_outlet() -> None:
    html = """<html><head><title>T</title><meta property="og:type" content="article">
    <meta property="article:published_time" content="2025-03-02 09:15:00">
    <meta property="article:modified_time" content="2025-03-03T10:00:00+01:00"></head><body><article>
    <h1>Un titular de prueba sobre la cumbre</h1><p>Un párrafo con suficiente texto para contar como prosa del artículo.</p>
    </article></body></html>"""
    generic = extract_html(html, "https://www.ejemplo.es/a/", now=NOW)
    assert generic.published == datetime(2025, 3, 2, 8, 15, tzinfo=timezone.utc)  # the page's own +01:00
    assert dict(generic.provenance)["published:zone"] == "page's own offset"
    cuban = dataclasses.replace(load().outlet("granma"), selectors=(), drop=())
    assert extract_html(html, "https://www.granma.cu/a/", outlet=cuban, now=NOW).published == datetime(
        2025, 3, 2, 14, 15, tzinfo=timezone.utc)  # a Cuban outlet's zone-less time is Havana's


@pytest.mark.parametrize(
    "html",
    [
        "<html><head><title>Just a moment...</title></head><body><p>Checking your browser.</p></body></html>",
        "<html><head><title>Portada</title></head><body><h1>Portada</h1>" + "".join(
            f'<div><h2><a href="/noticia-{i}/">Titular número {i} de la portada de hoy</a></h2></div>' for i in range(12)
        ) + "</body></html>",
        "<html><head><title>Error</title></head><body><p>No encontrado.</p></body></html>",
    ],
    ids=["challenge", "listing", "stub"],
)
def test_only_non_articles_are_refused(html: str) -> None:
    with pytest.raises(LayoutChanged):
        extract_html(html, "https://www.ejemplo.cu/x/", now=NOW)


def test_configured_selector_that_matches_nothing_is_degraded_not_fatal() -> None:
    outlet = dataclasses.replace(load().outlet("cubadebate"), selectors=(("title", "h2.title"), ("body", ".entry .note_content")))
    article = read("footer-furniture.html", "http://www.cubadebate.cu/noticias/2025/05/10/red/", outlet=outlet)
    assert article.title == "Desmantelan red de trata de personas en Pinar del Río"
    assert len(article.body) == 3
    assert degraded(article) == ("selector title=h2.title matched nothing", "selector body=.entry .note_content matched nothing")
    assert [r.value for r in report(article) if r.field == "degraded"] == list(degraded(article))


def test_a_text_signed_at_its_foot_names_its_author_when_metadata_names_only_the_outlet() -> None:
    html = """<html><head><title>Cosecha récord de café - Prensa Latina</title><meta property="og:type" content="article">
    <meta name="author" content="Prensa Latina"><meta property="og:site_name" content="Prensa Latina"></head><body><article>
    <h1>Cosecha récord de café en la Sierra Maestra</h1>
    <p>Los caficultores de la Sierra Maestra concluyeron este lunes una cosecha récord de café arábigo.</p>
    <p>La producción superó en un veinte por ciento la del año anterior, según la empresa provincial.</p>
    <p style="text-align:right"><strong>Ana María Pérez</strong></p></article></body></html>"""
    article = extract_html(html, "https://www.prensa-latina.cu/2025/02/03/cafe/", now=NOW)
    assert article.authors == ("Ana María Pérez",)
    assert dict(article.provenance)["author"] == "signature under the body"
    assert "Ana María Pérez" not in article.body


def test_newsletter_and_follow_prompts_go_but_a_sentence_that_opens_with_mas_stays() -> None:
    html = """<html><head><title>T</title><meta property="og:type" content="article"></head><body><article>
    <h1>Marcha contra la trata de personas en La Habana</h1>
    <p>Más de 300 personas: estudiantes, trabajadores y vecinos marcharon este sábado por el Malecón habanero.</p>
    <p>La marcha concluyó con un acto en la Tribuna Antimperialista, donde hablaron víctimas y especialistas.</p>
    <p>Síguenos en Telegram para recibir las noticias más importantes del día directamente en tu teléfono.</p>
    <p>Get our daily news email with the stories that matter, delivered every morning to your inbox for free.</p>
    </article></body></html>"""
    body = extract_html(html, "https://www.ejemplo.cu/marcha/", now=NOW).body
    assert body == (
        "Más de 300 personas: estudiantes, trabajadores y vecinos marcharon este sábado por el Malecón habanero.",
        "La marcha concluyó con un acto en la Tribuna Antimperialista, donde hablaron víctimas y especialistas.",
    )
