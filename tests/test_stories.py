"""Stories: one text republished by several outlets is found as one story."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor.models import Article
from monitor.stories import (
    BITS,
    KeyTable,
    StoryIndex,
    band_keys,
    doc_for,
    earliest,
    fingerprint,
    hamming,
    index_keys,
    is_same_story,
    make_doc,
    normalise_for_hash,
    shingles,
    simhash,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stories_labelled import PAIRS, Text, base, dateline, variant  # noqa: E402

LONG = " ".join(f"word{i}" for i in range(60))  # a body long enough that the title is ignored
SQLITE_MIN, SQLITE_MAX = -(1 << 63), (1 << 63) - 1


def article(text: Text, **overrides) -> Article:
    fields = dict(url="https://example.cu/a", canonical_url="https://example.cu/a", outlet="rhc-en",
                  outlet_name="Radio Habana Cuba", language=text.language, title=text.title, body=text.paragraphs)
    fields.update(overrides)
    return Article(**fields)


def doc(text: Text, item_id: str = "a", **overrides):
    return doc_for(article(text, **overrides), item_id)


# ---------------------------------------------------------------- normalising


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        # datelines, English, with agency tags and separators
        (["Havana, Nov 5 (RHC) -- Cuba rejected the report."], "cuba rejected the report"),
        (["Havana, December 21 (RHC) --Cuba reinforced prevention."], "cuba reinforced prevention"),
        (["Havana, Nov 5 (RHC-PL) -- Cuba rejected the report."], "cuba rejected the report"),
        (["Havana, Nov 5 (RHC-ACN) -- Cuba rejected the report."], "cuba rejected the report"),
        (["Havana, November 5 (teleSUR-RHC) \u2014 Cuba rejected the report."], "cuba rejected the report"),
        (["Havana, Nov 5 (Prensa Latina) Cuba rejected the report."], "cuba rejected the report"),
        (["Washington, June 20, 2021 (EFE).- Cuba rejected the report."], "cuba rejected the report"),
        (["HAVANA (Prensa Latina) \u2014 Cuba rejected the report."], "cuba rejected the report"),
        (["(RHC-PL) -- Cuba rejected the report."], "cuba rejected the report"),
        (["Geneva, Nov. 5: Cuba rejected the report."], "cuba rejected the report"),
        # datelines, Spanish
        (["La Habana, 5 nov (RHC) El Gobierno rechazó el informe."], "el gobierno rechazo el informe"),
        (["La Habana, 5 ene (Prensa Latina) El Gobierno rechazó el informe."], "el gobierno rechazo el informe"),
        (["La Habana, 5 nov (RHC-PL) El Gobierno rechazó el informe."], "el gobierno rechazo el informe"),
        (["LA HABANA, 5 de noviembre (ACN) -- El Gobierno rechazó el informe."], "el gobierno rechazo el informe"),
        (["Caracas, 12 de julio de 2024 (teleSUR): El Gobierno rechazó el informe."], "el gobierno rechazo el informe"),
        # an organisation in parentheses is not a dateline
        (["Cuba's Foreign Ministry (MINREX) rejected it."], "cuba s foreign ministry minrex rejected it"),
        # Prensa Latina editor sign-offs
        (["The ministry said so. jdt/jav/mem/lld"], "the ministry said so"),
        (["The ministry said so.", "arb/mgt"], "the ministry said so"),
        # feed trailers, as their own paragraph and inside a feed description
        (["Text.", "The post Cuba rejects report first appeared on Prensa Latina."], "text"),
        (["Text.", "La información Cuba rechaza informe salió primero en Prensa Latina."], "text"),
        (["Cuba rejected it. The post Cuba rejects report first appeared on Prensa Latina."], "cuba rejected it"),
        (["Text.", "This content was originally published by teleSUR at the following address: "
          "https://www.telesurenglish.net/news/x.html. If you intend to use it, please cite the source."], "text"),
        # credit and author lines, related links
        (["Text.", "Source: Prensa Latina"], "text"),
        (["Texto.", "Fuente: EFE"], "texto"),
        (["Texto.", "Autor: teleSUR - mn - JGN"], "texto"),
        (["Text.", "Edited by Ed Newman"], "text"),
        (["Uno.", "LEA TAMBIÉN:", "Cuba y Rusia firman acuerdo", "Dos."], "uno dos"),
        (["Uno.", "LEA TAMBIÉN: Cuba y Rusia firman acuerdo", "Dos."], "uno dos"),
        (["One.", "RELATED:", "Blinken Says US Amidst Cuba Policy Review", "Two."], "one two"),
        (["One.", "\u2014 teleSUR TV (@teleSURtv) December 20, 2025", "Two."], "one two"),
        # teleSUR's date line printed as the first paragraph
        (["Published 4 July 2021", "Cuba rejected it."], "cuba rejected it"),
        (["Publicado 4 julio 2021 (Hace 5 minutos)", "Cuba lo rechazó."], "cuba lo rechazo"),
        # URLs, punctuation, case, accents, quotes, whitespace, paragraph breaks
        (["See https://www.radiohc.cu/en/noticias/1-x and www.minrex.gob.cu today."], "see and today"),
        (["Atención MÉDICA  en   Camagüey, señaló."], "atencion medica en camaguey senalo"),
        (["\u201cZero tolerance,\u201d it said \u2014 Cuba\u2019s policy."], "zero tolerance it said cuba s policy"),
        (['"Zero tolerance," it said - Cuba\'s policy.'], "zero tolerance it said cuba s policy"),
        (["First half", "second half."], "first half second half"),
    ],
)
def test_normalise_for_hash_rules(paragraphs: list[str], expected: str) -> None:
    assert normalise_for_hash("", paragraphs) == expected


@pytest.mark.parametrize(
    ("title", "body", "expected_start"),
    [
        ("Cuba Rejects Report", ["Short teaser."], "cuba rejects report short teaser"),
        ("Cuba Rejects Report", [LONG], "word0 word1"),  # a headline rewrite must not change a long story
    ],
)
def test_title_counts_only_for_short_bodies(title: str, body: list[str], expected_start: str) -> None:
    assert normalise_for_hash(title, body).startswith(expected_start)


def test_headline_change_keeps_the_fingerprint() -> None:
    a = doc(variant("tip_minrex"))
    b = doc(variant("tip_minrex"), title="A completely different headline")
    assert a.fingerprint == b.fingerprint


# ---------------------------------------------------------------- hashing


def test_fingerprint_is_pinned() -> None:
    # Computed once; a change means every stored fingerprint must be recomputed.
    assert fingerprint("the quick brown fox jumps over the lazy dog") == -9089063332706195442


def test_fingerprint_is_stable_across_processes() -> None:
    code = "from monitor.stories import fingerprint; print(fingerprint('cuba rechaza el informe de trata'))"
    runs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout.strip()
        for seed in ("1", "2")
    }
    assert runs == {str(fingerprint("cuba rechaza el informe de trata"))}


def _textbook_simhash(hashes: list[int]) -> int:
    bits = 0
    for j in range(BITS):
        if sum(h >> j & 1 for h in hashes) * 2 > len(hashes):
            bits |= 1 << j
    return bits - (1 << BITS) if bits >> (BITS - 1) else bits


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7, 64, 297, 1000])
def test_simhash_is_the_per_bit_majority(count: int) -> None:
    rng = random.Random(count)
    hashes = [rng.getrandbits(BITS) for _ in range(count)]
    assert simhash(hashes) == _textbook_simhash(hashes)


@pytest.mark.parametrize("max_distance", [0, 3, 16])
@pytest.mark.parametrize("text", ["", "one", "cuba", LONG, " ".join(["zero tolerance"] * 200)])
def test_fingerprint_and_keys_fit_sqlite_integer(text: str, max_distance: int) -> None:
    value = fingerprint(text)
    assert SQLITE_MIN <= value <= SQLITE_MAX
    keys = index_keys(make_doc("x", text), max_distance=max_distance)
    assert all(SQLITE_MIN <= bucket <= SQLITE_MAX for _, bucket in keys)


def test_short_text_is_one_shingle() -> None:
    assert len(shingles("three words only")) == 1
    assert shingles("") == []


@pytest.mark.parametrize(("a", "b", "distance"), [(0, 0, 0), (0, -1, 64), (5, 4, 1), (-(1 << 63), 0, 1)])
def test_hamming(a: int, b: int, distance: int) -> None:
    assert hamming(a, b) == distance


# ---------------------------------------------------------------- lookup


@pytest.mark.parametrize("max_distance", [0, 1, 2, 3, 5, 7, 16])
def test_band_lookup_finds_every_fingerprint_within_max_distance(max_distance: int) -> None:
    rng = random.Random(max_distance)
    blocks = max_distance + 2
    assert len(band_keys(0, max_distance=max_distance)) == blocks * (blocks - 1) // 2  # every pair of k+2 blocks
    for _ in range(300):
        fp = rng.getrandbits(BITS)
        flipped = fp
        for bit in rng.sample(range(BITS), rng.randint(0, max_distance)):
            flipped ^= 1 << bit
        shared = set(band_keys(fp, max_distance=max_distance)) & set(band_keys(flipped, max_distance=max_distance))
        assert shared, f"{fp:064b} and {flipped:064b} share no band"


def test_key_table_returns_every_position_stored_under_a_key() -> None:
    table = KeyTable()
    for pos, (band, bucket) in enumerate([(0, 5), (0, 5), (1, 5), (1000, -(1 << 63)), (0, 5)]):
        table.add(band, bucket, pos)
    assert (table.get(0, 5), table.get(1, 5), table.get(1000, -(1 << 63)), table.get(2, 5)) == ([0, 1, 4], [2], [3], [])


def test_unrelated_items_almost_never_share_a_key() -> None:
    # 16-bit buckets returned ~8 x N / 65,536 unrelated rows per lookup; 26-32-bit keys should return ~none.
    rng = random.Random(3)
    index = StoryIndex(max_distance=3)

    def random_doc(name: str):
        return replace(make_doc(name, "x"), fingerprint=rng.getrandbits(BITS) - (1 << 63), sketch=rng.randbytes(128))

    for n in range(5000):
        index._append(random_doc(f"i{n}"))
    shared = sum(len(index._positions(random_doc(f"p{n}"))) for n in range(500))
    assert shared <= 2, f"{shared} unrelated rows over 500 lookups"


def test_index_candidates_find_flipped_fingerprints() -> None:
    rng = random.Random(7)
    index = StoryIndex(max_distance=3)
    originals = [make_doc(f"i{n}", " ".join(f"w{rng.randrange(5000)}" for _ in range(80))) for n in range(200)]
    for original in originals:
        index.add(original)
    for original in originals:
        flipped = original.fingerprint
        for bit in rng.sample(range(BITS), 3):
            flipped ^= 1 << bit
        probe = replace(make_doc("probe", "unrelated words entirely"), fingerprint=flipped)
        assert original.item_id in {c.item_id for c in index.candidates(probe)}


# ---------------------------------------------------------------- decisions


def _judge(max_distance: int = 3) -> tuple[int, int, int, list[str]]:
    tp = fp = fn = 0
    wrong = []
    for number, pair in enumerate(PAIRS):
        same = is_same_story(doc(pair.a, f"{number}a"), doc(pair.b, f"{number}b"), max_distance=max_distance)
        tp += same and pair.same
        fp += same and not pair.same
        fn += pair.same and not same
        if same != pair.same:
            wrong.append(f"{pair.id} ({pair.why})")
    return tp, fp, fn, wrong


def _simhash_only(max_distance: int = 3) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for pair in PAIRS:
        a, b = doc(pair.a), doc(pair.b)
        same = a.language == b.language and hamming(a.fingerprint, b.fingerprint) <= max_distance
        tp, fp, fn = tp + (same and pair.same), fp + (same and not pair.same), fn + (pair.same and not same)
    return tp, fp, fn


def test_labelled_pairs_precision_and_recall(capsys: pytest.CaptureFixture[str]) -> None:
    assert len(PAIRS) >= 60
    tp, fp, fn, wrong = _judge()
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    s_tp, s_fp, s_fn = _simhash_only()
    with capsys.disabled():
        copies = sum(p.same for p in PAIRS)
        print(f"\nstories labelled set: {len(PAIRS)} pairs ({copies} copies, {len(PAIRS) - copies} not)")
        print(f"  is_same_story:        precision {precision:.3f} recall {recall:.3f} (tp {tp} fp {fp} fn {fn})")
        print(f"  SimHash <= 3 alone:   precision {s_tp / max(s_tp + s_fp, 1):.3f} "
              f"recall {s_tp / max(s_tp + s_fn, 1):.3f} (tp {s_tp} fp {s_fp} fn {s_fn})")
        for line in wrong:
            print(f"  misjudged: {line}")
    assert precision >= 0.98 and recall >= 0.95, wrong


@pytest.mark.parametrize(
    ("lang_a", "lang_b", "same"), [("en", "en", True), ("en", "es", False), ("en", None, True), (None, None, True)]
)
def test_language_keeps_stories_apart(lang_a: str | None, lang_b: str | None, same: bool) -> None:
    text = base("tip_minrex")
    a, b = doc(text, "a", language=lang_a), doc(text, "b", language=lang_b)
    assert is_same_story(a, b, max_distance=3) is same


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("cuba rejects the us report on trafficking", "cuba rejects the us report on trafficking", True),
        ("cuba rejects the us report on trafficking", "cuba rejects the us ranking of trafficking", False),
    ],
)
def test_short_texts_are_judged_by_shingle_overlap(a: str, b: str, same: bool) -> None:
    # Under MIN_WORDS a SimHash says little: even a huge max_distance must not merge them.
    assert is_same_story(make_doc("a", a), make_doc("b", b), max_distance=64) is same


# ---------------------------------------------------------------- the index


def _dated(text: Text, item_id: str, day: int):
    return doc(text, item_id, published=datetime(2025, 11, day, 12, tzinfo=timezone.utc))


def test_index_groups_copies_and_names_the_earliest_original() -> None:
    index = StoryIndex(max_distance=3)
    rhc = _dated(variant("tip_minrex", dateline("Havana, Nov 6 (RHC-PL) --")), "rhc", 6)
    telesur = _dated(variant("tip_minrex", lambda t: t), "telesur", 7)
    pl = _dated(variant("tip_minrex", dateline("Havana, Nov 5 (Prensa Latina)")), "pl", 5)
    spanish = _dated(base("tip_minrex_es"), "rhc-es", 5)
    other = _dated(base("tip_commentary"), "comment", 5)
    stories = [index.add(d) for d in (rhc, telesur, pl, spanish, other)]
    assert stories == ["rhc", "rhc", "rhc", "rhc-es", "comment"]
    assert index.original("rhc") == "pl"  # found last, published first
    assert index.add(telesur) == "rhc" and len(index) == 5  # adding again changes nothing
    assert index.story_of("pl") == "rhc"


def test_index_joins_the_story_with_the_earliest_original() -> None:
    index = StoryIndex(max_distance=3)
    full = base("tip_minrex")
    late = _dated(full, "late", 9)
    index.add(late)
    early_copy = doc(full, "early", published=datetime(2025, 11, 1, tzinfo=timezone.utc) - timedelta(days=1))
    assert index.add(early_copy) == "late"
    assert index.original("late") == "early"



def test_empty_texts_are_never_one_story() -> None:
    empty = make_doc("a", "")
    assert not is_same_story(empty, make_doc("b", ""), max_distance=3)


def test_lede_counts_only_for_short_bodies() -> None:
    long_body = doc(base("tip_minrex"))
    with_lede = doc(base("tip_minrex"), subtitle="Havana says the ranking punishes, it does not evaluate.")
    assert with_lede.fingerprint == long_body.fingerprint
    teaser = Text("en", "Cuba rejects US report", ("Havana says the ranking punishes.",))
    assert doc(teaser).words == len("cuba rejects us report havana says the ranking punishes".split())


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ([3, 1, 2], 1),  # earliest published wins
        ([None, 2, None], 1),  # undated items lose to a dated one
        ([None, None], 0),  # all undated: the first stored
        ([2, 2], 0),  # a tie: the first stored
    ],
)
def test_earliest_match_is_the_one_joined(days: list[int | None], expected: int) -> None:
    docs = [
        replace(make_doc(f"i{n}", "x"), published=datetime(2025, 11, day, tzinfo=timezone.utc) if day else None)
        for n, day in enumerate(days)
    ]
    assert earliest(docs) is docs[expected]
    assert earliest([]) is None


def test_index_lookup_finds_the_labelled_copies(capsys: pytest.CaptureFixture[str]) -> None:
    # is_same_story is only asked about what the band lookup returns: that lookup must find the copies.
    index = StoryIndex(max_distance=3)
    for number, pair in enumerate(PAIRS):
        index.add(doc(pair.a, f"{number}a"))
    copies = [(number, pair) for number, pair in enumerate(PAIRS) if pair.same]
    found = [n for n, pair in copies if f"{n}a" in {m.item_id for m in index.matches(doc(pair.b, f"{n}b"))}]
    with capsys.disabled():
        print(f"\nstories index lookup: {len(found)}/{len(copies)} labelled copies found through the bands")
    assert len(found) / len(copies) >= 0.95
