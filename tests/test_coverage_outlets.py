"""The coverage outlets (Granma, Cubadebate, Prensa Latina, MINREX, ACN, Juventud Rebelde) polled end to end.

The bundled config.toml pointed at their fixture sites (monitor/testing/sample_sites/<key>/, each file
citing the OUTLETS.md facts it models), the real CLI in a subprocess, a real SQLite file. These
outlets have no adapter: what is asserted is what a user reads in the store -- title, publication
time (UTC), language, the first paragraph of the body, and the relevance decision.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor import config
from monitor.testing.sampleserver import (
    SAMPLE_SITES,
    SampleSites,
    start_sites,
    write_sample_config,
)

COVERAGE_SITES = ("granma", "granma-en", "cubadebate", "cubadebate-en", "prensa-latina", "prensa-latina-en",
                  "minrex", "minrex-en", "acn", "juventud-rebelde")

# path -> (outlet, language, relevant, title, published UTC, first words of the first paragraph)
EXPECTED = {
    "/cuba/2024-06-25/cuba-rechaza-el-informe-de-eeuu-sobre-trata-de-personas-25-06-2024-10-32-00":
        ("granma", "es", 1, "Cuba rechaza el informe de EE.UU. sobre trata de personas", "2024-06-25T14:32:00+00:00",
         "La Habana, 25 de junio. Cuba rechazó"),  # Granma's zone-less time is Havana (UTC-4 in June)
    "/deportes/2019-11-05/suspenden-la-decima-liga-nacional-femenina-de-balonmano-05-11-2019-11-11-00":
        ("granma", "es", 0, "Suspenden la décima Liga Nacional Femenina de Balonmano", "2019-11-05T16:11:00+00:00",
         "La décima edición de la Liga"),
    "/cuba/2024-06-25/cuba-rejects-us-report-on-trafficking-in-persons":
        ("granma-en", "en", 1, "Cuba rejects US report on trafficking in persons", "2024-06-25T20:05:00+00:00",
         "Havana, June 25. Cuba on Tuesday rejected"),
    "/cuba/2020-09-24/the-transnational-tentacles-of-trafficking-in-persons":
        ("granma-en", "en", 1, "The transnational tentacles of trafficking in persons", "2020-09-24T13:20:00+00:00",
         "Trafficking in persons is one of"),
    "/noticias/2019/06/21/cuba-rechaza-inclusion-en-lista-de-trata-de-personas-de-eeuu/":
        ("cubadebate", "es", 1, "Cuba rechaza su inclusión en la lista de trata de personas de EE.UU.",
         "2019-06-21T13:40:12+00:00", "Cuba rechazó este viernes el informe anual"),
    "/noticias/2019/06/20/se-trata-de-un-nuevo-record-de-visitantes-en-varadero/":
        ("cubadebate", "es", 0, "Se trata de un nuevo récord de visitantes en Varadero", "2019-06-20T19:10:00+00:00",
         "El balneario de Varadero recibió"),
    "/noticias/2019/06/21/cuba-rejects-its-inclusion-on-us-trafficking-list/":
        ("cubadebate-en", "en", 1, "Cuba rejects its inclusion on the US trafficking in persons list",
         "2019-06-21T18:02:00+00:00", "Cuba on Friday rejected the annual report"),
    "/2023/07/30/cuba-reafirma-tolerancia-cero-ante-la-trata-de-personas/":
        ("prensa-latina", "es", 1, "Cuba reafirma tolerancia cero ante la trata de personas", "2023-07-30T14:15:00+00:00",
         "La Habana, 30 jul (Prensa Latina) Cuba reafirmó hoy"),
    "/2023/07/29/incautan-cargamento-de-cocaina-frente-a-las-costas-de-cuba/":
        ("prensa-latina", "es", 0, "Incautan cargamento de cocaína frente a las costas de Cuba", "2023-07-29T12:40:00+00:00",
         "La Habana, 29 jul (Prensa Latina) Tropas Guardafronteras"),
    "/news/2023/07/30/cuba-reaffirms-zero-tolerance-for-human-trafficking/":
        ("prensa-latina-en", "en", 1, "Cuba reaffirms zero tolerance for human trafficking", "2023-07-30T17:02:00+00:00",
         "Havana, Jul 30 (Prensa Latina) Cuba today reaffirmed"),
    "/news/2023/07/30/cuban-sugar-harvest-ends-in-matanzas/":
        ("prensa-latina-en", "en", 0, "Cuban sugar harvest ends in Matanzas", "2023-07-30T15:30:00+00:00",
         "Havana, Jul 30 (Prensa Latina) The sugar harvest"),
    "/es/informe-nacional-de-cuba-sobre-trata-de-personas-2021":
        ("minrex", "es", 1, "Informe Nacional de Cuba sobre Trata de Personas 2021", "2022-06-29T15:00:00+00:00",
         "El Ministerio de Relaciones Exteriores publica"),
    "/es/cuba-y-vietnam-celebran-aniversario-de-relaciones-diplomaticas":
        ("minrex", "es", 0, "Cuba y Vietnam celebran aniversario de relaciones diplomáticas", "2022-12-02T14:00:00+00:00",
         "El canciller Bruno Rodríguez Parrilla"),
    "/en/cubas-national-report-on-trafficking-in-persons-2021":
        ("minrex-en", "en", 1, "Cuba's National Report on Trafficking in Persons 2021", "2022-06-29T19:30:00+00:00",
         "The Ministry of Foreign Affairs publishes"),
    "/cuba/512345-presentan-en-la-habana-informe-sobre-enfrentamiento-a-la-trata-de-personas":
        ("acn", "es", 1, "Presentan en La Habana informe sobre enfrentamiento a la trata de personas",
         "2023-06-15T17:20:00+00:00", "La Habana, 15 jun (ACN) El Ministerio de Justicia"),
    "/cuba/512350-trataron-en-matanzas-temas-de-la-zafra-azucarera":
        ("acn", "es", 0, "Trataron en Matanzas temas de la zafra azucarera", "2023-06-15T20:45:00+00:00",
         "Matanzas, 15 jun (ACN) Directivos"),
    "/cuba/2022-06-30/jovenes-cubanos-se-suman-a-campana-contra-la-trata-de-personas":
        ("juventud-rebelde", "es", 1, "Jóvenes cubanos se suman a campaña contra la trata de personas",
         "2022-07-01T00:10:00+00:00", "La Unión de Jóvenes Comunistas"),
    "/deportes/2022-06-30/cuba-gana-el-torneo-de-voleibol-de-playa-en-varadero":
        ("juventud-rebelde", "es", 0, "Cuba gana el torneo de voleibol de playa en Varadero", "2022-06-30T22:00:00+00:00",
         "La dupla cubana integrada"),
}


def run(config_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor", "--config", str(config_path), *args],
                          capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def polled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SampleSites, Path, Path, subprocess.CompletedProcess[str]]]:
    folder = tmp_path_factory.mktemp("coverage")
    with start_sites(sites=COVERAGE_SITES) as sites:
        config_path = write_sample_config(sites, folder / "config.toml", store_path="store.db")
        yield sites, config_path, folder / "store.db", run(config_path, "poll")


def _rows(db: Path) -> dict[str, tuple]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT url, outlet, language, relevant, title, published, body FROM items").fetchall()
    return {re.sub(r"^http://127\.0\.0\.1:\d+", "", url): rest for url, *rest in rows}


def test_bundled_config_enables_every_coverage_edition() -> None:
    bundled = {o.key: o for o in config.load().enabled_outlets}
    assert set(COVERAGE_SITES) <= set(bundled)
    hosts = {bundled[k].host for k in COVERAGE_SITES}
    assert hosts == {"www.granma.cu", "en.granma.cu", "www.cubadebate.cu", "en.cubadebate.cu", "www.prensa-latina.cu",
                     "www.plenglish.com", "cubaminrex.cu", "www.acn.cu", "www.juventudrebelde.cu"}
    assert {bundled[k].language for k in ("granma-en", "cubadebate-en", "prensa-latina-en", "minrex-en")} == {"en"}


def test_first_poll_stores_every_article_with_its_fields(polled) -> None:
    _, _, db, result = polled
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "18 new (11 relevant), 0 updated, 0 outlets failing"
    rows = _rows(db)
    assert set(rows) == set(EXPECTED)
    for path, (outlet, language, relevant, title, published, first) in EXPECTED.items():
        got_outlet, got_language, got_relevant, got_title, got_published, body = rows[path]
        assert (got_outlet, got_language, got_relevant, got_title, got_published) == (outlet, language, relevant, title, published), path
        paragraphs = body.split("\n\n")
        assert paragraphs[0].startswith(first), (path, paragraphs[0])
        assert len(paragraphs) >= 3, path


def test_boilerplate_around_the_body_is_not_stored(polled) -> None:
    _, _, db, _ = polled
    for path, row in _rows(db).items():
        body = row[-1]
        for junk in ("COMPARTIR", "Informaciones relacionadas", "Lector dijo", "Foto: Archivo", "Más noticias", "Lo más leído"):
            assert junk not in body, (path, junk)


def test_second_poll_fetches_no_article_again(polled) -> None:
    sites, config_path, db, _ = polled
    for name in COVERAGE_SITES:
        sites.site(name).clear_log()
    second = run(config_path, "poll")
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[-1] == "0 new (0 relevant), 0 updated, 0 outlets failing"
    fetched = {r.target for name in COVERAGE_SITES for r in sites.request_log(name)}
    assert not fetched & set(EXPECTED)


@pytest.mark.parametrize("site", COVERAGE_SITES)
def test_every_fixture_file_cites_its_evidence(site: str) -> None:
    for path in (SAMPLE_SITES / site).rglob("*"):
        if path.suffix in (".html", ".xml"):
            head = path.read_text(encoding="utf-8")[:3000]
            assert "OUTLETS.md" in head and re.search(r"\[(M|T|S|P|C|I)\]", head), path
