"""Language editions (monitor.editions): the labelled EN/ES pairs and look-alikes, and the features."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from editions_labelled import PAIRS  # noqa: E402

from monitor.editions import THRESHOLD, edition_score, family_of, names, numbers, url_ids  # noqa: E402


def test_labelled_pairs_precision_and_recall(capsys: pytest.CaptureFixture[str]) -> None:
    tp = fp = fn = 0
    wrong = []
    for pair in PAIRS:
        match = edition_score(pair.a, pair.b)
        linked = match.score >= THRESHOLD
        tp += linked and pair.same
        fp += linked and not pair.same
        fn += pair.same and not linked
        if linked != pair.same:
            wrong.append(f"{pair.id} {match.score:.2f} {match.reasons} ({pair.why})")
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    with capsys.disabled():
        same = sum(p.same for p in PAIRS)
        print(f"\neditions labelled set: {len(PAIRS)} pairs ({same} editions, {len(PAIRS) - same} look-alikes)")
        print(f"  edition_score >= {THRESHOLD}: precision {precision:.3f} recall {recall:.3f} (tp {tp} fp {fp} fn {fn})")
        for line in wrong:
            print("  wrong:", line)
    assert precision == 1.0, wrong  # a wrong link would show two stories as one in the digest
    assert recall >= 0.85, wrong


def test_editions_are_one_outlets_two_languages() -> None:
    assert family_of("granma-en") == family_of("granma") == "granma"
    assert family_of("rhc-es") == family_of("rhc-en") == "rhc"
    same_language = next(p for p in PAIRS if p.id == "e01")
    assert edition_score(same_language.a, same_language.a).score == 0.0


def test_numbers_names_and_url_ids_survive_translation() -> None:
    assert numbers("recibió 156 000 visitantes en 2019; Plan 2022-2025, 7 días") == {"156000", "2019", "2022", "2025"}
    assert numbers("received 156,000 visitors in 2019") == {"156000", "2019"}
    es = names("Cuba rechazó el informe. La directora Ana María Rodríguez habló en La Habana y en Ginebra sobre Estados Unidos y Cuba.")
    en = names("Cuba rejected the report. Director Ana María Rodríguez spoke in Havana and in Geneva about the United States and Cuba.")
    assert {"cuba", "ana", "maria", "rodriguez", "havana", "geneva", "usa"} <= es & en
    assert "director" not in en and "la" not in es
    assert url_ids("https://www.radiohc.cu/es/noticias/nacionales/304053-cuba") == {"304053"}
    assert url_ids("https://www.granma.cu/cuba/2024-06-25/x-25-06-2024-10-32-00") == set()
    assert url_ids("https://www.cubadebate.cu/?p=123456") == {"123456"}


# ---------------------------------------------------------------- in the store and the digest


def test_polled_editions_are_linked_never_merged(tmp_path: Path) -> None:
    import sqlite3
    import subprocess

    from monitor.testing.sampleserver import start_sites, write_sample_config

    sites = ("granma", "granma-en", "prensa-latina", "prensa-latina-en", "minrex", "minrex-en", "acn")
    with start_sites(sites=sites) as running:
        config = write_sample_config(running, tmp_path / "config.toml", store_path="store.db")
        result = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "poll"],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        digest = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "digest"],
                                capture_output=True, text=True, timeout=60)
    with sqlite3.connect(tmp_path / "store.db") as conn:
        items = conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        linked = conn.execute(
            "SELECT group_concat(i.title, ' | ') FROM editions e JOIN items i ON i.id = e.item_id"
            " GROUP BY e.edition_id ORDER BY 1").fetchall()
    assert items == 13  # every edition stays its own item
    assert {frozenset(t.split(" | ")) for (t,) in linked} == {
        frozenset({"Cuba rechaza el informe de EE.UU. sobre trata de personas", "Cuba rejects US report on trafficking in persons"}),
        frozenset({"Cuba reafirma tolerancia cero ante la trata de personas", "Cuba reaffirms zero tolerance for human trafficking"}),
        frozenset({"Informe Nacional de Cuba sobre Trata de Personas 2021", "Cuba's National Report on Trafficking in Persons 2021"}),
    }
    text = digest.stdout
    assert "Also in English: [Cuba rejects US report on trafficking in persons]" in text
    assert "Also in English: [Cuba reaffirms zero tolerance for human trafficking]" in text
    # shown once: the English edition is not an entry of its own
    assert "### [Cuba rejects US report on trafficking in persons]" not in text
    assert "Cuban sugar harvest" not in text  # the look-alike is not relevant, and not linked

    # A store written before editions existed (or before a rule change) gets the same links from a rebuild.
    def pairs() -> set[frozenset[tuple[str, str]]]:  # which items are editions of one another (ids are arbitrary)
        with sqlite3.connect(tmp_path / "store.db") as conn:
            rows = conn.execute("SELECT edition_id, item_id, language FROM editions").fetchall()
        return {frozenset((i, lang) for e2, i, lang in rows if e2 == e) for e, _, _ in rows}

    before = pairs()
    assert len(before) == 3
    with sqlite3.connect(tmp_path / "store.db") as conn:
        conn.execute("DELETE FROM editions")
    for _ in range(2):  # and a second rebuild changes nothing
        rebuilt = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "stories", "--rebuild"],
                                 capture_output=True, text=True, timeout=60)
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert "6 items linked to another-language edition" in rebuilt.stdout
        assert pairs() == before


def test_digest_shows_a_story_once_with_its_other_language_edition(polled: tuple[Path, Path]) -> None:
    from monitor import config as config_mod
    from monitor.digest import build
    from monitor.digest_formats import render
    from monitor.models import utc_now
    from monitor.store import Store

    config = config_mod.load(polled[0])
    with Store(polled[1]) as store:
        digest = build(config, store, now=utc_now())
    entry = next(e for e in digest.entries if e.title == "Cuba rechaza informe de EE.UU. sobre trata de personas")
    assert [(e.language, e.title) for e in entry.editions] == [("en", "Cuba Rejects US Trafficking in Persons Report")]
    assert not [e for e in digest.entries if e.title == "Cuba Rejects US Trafficking in Persons Report"]
    assert entry.copies == ()  # an edition is not a copy
    html_page = render(digest, "html")
    assert 'class="edition"' in html_page and "Also in English: <a href" in html_page
    assert '"editions": [' in render(digest, "json")


def test_a_store_from_before_editions_gets_its_links_when_upgraded(tmp_path: Path) -> None:
    from sqlite_utils import Database

    from monitor.migrations import MIGRATIONS
    from monitor.models import iso
    from monitor.store import Store

    same = [(p.a, p.b) for p in PAIRS if p.same][:3]
    old = Database(tmp_path / "old.db")
    MIGRATIONS.apply(old, stop_before="m011_backfill")
    seq = 0
    for pair in same:
        for doc in pair:
            seq += 1
            old.table("items").insert({
                "id": doc.item_id, "seq": seq, "outlet": doc.outlet, "language": doc.language, "url": doc.url,
                "canonical_url": doc.url, "url_key": doc.url, "title": doc.title, "body": doc.body, "text": doc.body,
                "published": iso(doc.published), "first_seen": iso(doc.published), "last_seen": iso(doc.published),
                "version": 1, "relevant": 0,
            })  # fmt: skip
    old.close()
    with Store(tmp_path / "old.db") as store:
        linked = store.editions_of([doc.item_id for pair in same for doc in pair])
    assert len(same) == 3
    for a, b in same:
        assert linked[a.item_id] == linked[b.item_id], f"{a.title!r} / {b.title!r} not linked on upgrade"
    assert len(set(linked.values())) == 3
