"""The seed format: byte-exact round trips, raw-dump cleaning, ids and file names."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest

from monitor.errors import ParseError
from monitor.models import Article
from monitor.seedformat import (
    clean_raw,
    clean_text,
    is_normalised,
    load_document,
    normalise,
    parse,
    parse_seed_filename,
    render,
    seed_filename,
    seed_id,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
RHC_SEED = SEEDS / "001_319918b101c2d455.txt"
TELESUR_SEED = SEEDS / "000_10ea589a1fae356f.txt"
RHC_URL = "https://www.radiohc.cu/en/noticias/nacionales/280480-cuba-strengthened-confrontation-with-human-trafficking"
TELESUR_URL = (
    "https://www.telesurenglish.net/news/"
    "Cuba-Rejects-US-False-Accusation-on-Human-Trafficking-20210704-0009.html"
)
TELESUR_TITLE = "Cuba Rejects US False Accusation on Human Trafficking"
TELESUR_CAPTION = 'The sign reads, "No more blockade", Havana, Cuba, Jun. 20, 2021. | Photo: EFE'
TELESUR_LEDE = (
    "Cuba diplomacy warned that the U.S. disregards bilateral migration accords, "
    "thus promoting illegal migration and trafficking in persons."
)
FURNITURE = [
    "Live", "Audio Only", "google plus", "facebook", "twitter", "News > Cuba",
    "The sign reads,", "Blinken Says US Amidst Comprehensive Cuba Policy Review",
    "Post with no comments.",
]


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def article(**fields) -> Article:
    base = dict(url="https://example.cu/a/1", canonical_url="https://example.cu/a/1",
                outlet="ex", outlet_name="Example Outlet", title="A title", body=("One.",))
    return Article(**{**base, **fields})


@pytest.fixture(scope="module")
def telesur() -> Article:
    return clean_raw(read(TELESUR_SEED), url=TELESUR_URL, outlet="telesur-en", outlet_name="teleSUR")


# --- the normalised seed ---------------------------------------------------


def test_rhc_seed_round_trips_byte_for_byte():
    raw = RHC_SEED.read_bytes()
    assert render(parse(raw.decode("utf-8"))).encode("utf-8") == raw


def test_rhc_seed_parses_into_the_fields_it_shows():
    a = parse(read(RHC_SEED), outlet="rhc-en")
    assert a.title == "Cuba strengthened confrontation with human trafficking"
    assert a.caption == "ilustrativo"
    assert len(a.body) == 8
    assert a.body[0].startswith("Havana, December 21 (RHC) --Cuba reinforced")
    assert a.body[-1].endswith("Washington\u2019s State Department.")
    assert "\u201cAs a result" in a.body[6]  # the outlet's curly quotes survive
    assert (a.url, a.canonical_url) == (RHC_URL, RHC_URL)
    assert (a.outlet, a.outlet_name) == ("rhc-en", "Radio Habana Cuba")


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda t: t.replace("\n", "\r\n"), id="crlf"),
        pytest.param(lambda t: t + "\n", id="trailing-newline"),
        pytest.param(lambda t: "\ufeff" + t, id="bom"),
        pytest.param(lambda t: t.lstrip("\n"), id="no-leading-blanks"),
        pytest.param(lambda t: t.replace("---\n\n\n\n**", "---\n\n**"), id="fewer-blank-lines"),
        pytest.param(lambda t: t.replace("referred period, 15", "referred period,\n15"), id="wrapped-paragraph"),
    ],
)
def test_edited_copies_of_the_seed_parse_and_render_back_to_the_exact_bytes(mangle):
    text = mangle(read(RHC_SEED))
    assert is_normalised(text)
    assert render(parse(text)) == read(RHC_SEED)


# --- synthetic round trips -------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "title", "caption", "body"),
    [
        pytest.param({"caption": "Foto: ACN"}, "A title", "Foto: ACN", ("One.",), id="with-caption"),
        pytest.param({}, "A title", None, ("One.",), id="without-caption"),
        pytest.param(
            {"title": "Camagüey: niñas y adolescentes", "body": ("Díaz-Canel habló en La Habana.", "Él dijo: “sí”.")},
            "Camagüey: niñas y adolescentes", None, ("Díaz-Canel habló en La Habana.", "Él dijo: “sí”."),
            id="accents-and-curly-quotes",
        ),
        pytest.param(
            {"title": "Cuba\u00a0rejects  report", "caption": " Photo:\u202fEFE ",
             "body": ("warned that\u00a0 the U.S.\u2009disregards\u200b accords.\u00a0 ", "  ", "", "Second\tline\nhere.")},
            "Cuba rejects report", "Photo: EFE", ("warned that the U.S. disregards accords.", "Second line here."),
            id="odd-whitespace-and-empty-paragraphs",
        ),
        pytest.param(
            {"title": "*Granma* at 60*", "caption": "**bold** credit*"},
            "*Granma* at 60*", "**bold** credit*", ("One.",), id="stars-in-title-and-caption",
        ),
        pytest.param(
            {"title": "Two\nline title", "caption": "line one\nline two"},
            "Two line title", "line one line two", ("One.",), id="newlines-become-spaces",
        ),
        pytest.param(
            {"body": ("**Breaking**", "Then text.")}, "A title", None, ("**Breaking**", "Then text."),
            id="bold-first-paragraph-without-caption",
        ),
        pytest.param(
            {"caption": "C", "body": ("---", "<https://x.cu/>", "# *not a title*", "**not the name**")},
            "A title", "C", ("---", "<https://x.cu/>", "# *not a title*", "**not the name**"),
            id="paragraphs-that-look-like-marks",
        ),
        pytest.param({"body": ()}, "A title", None, (), id="title-only"),
        pytest.param(
            {"title": "Cafe\u0301 y trata", "body": ("Nin\u0303os.",)}, "Café y trata", None, ("Niños.",),
            id="decomposed-accents-composed",
        ),
    ],
)
def test_parse_gives_back_every_field_render_wrote(fields, title, caption, body):
    doc = render(article(**fields))
    back = parse(doc, outlet="ex")
    assert (back.title, back.caption, back.body) == (title, caption, body)
    assert (back.canonical_url, back.url, back.outlet_name) == ("https://example.cu/a/1",) * 2 + ("Example Outlet",)
    assert render(back) == doc
    assert not doc.endswith("\n") and "\u00a0" not in doc


def test_render_lays_out_a_captionless_article_exactly():
    doc = render(article(title="T", body=("P1.", "P2.")))
    assert doc == "\n\n# *T*\n\n---\n\n\n\nP1.\n\nP2.\n\n---\n\n<https://example.cu/a/1>\n\n\n\n**Example Outlet**"


def test_bold_first_paragraph_gets_an_empty_caption_slot():
    doc = render(article(body=("**Breaking**", "Then text.")))
    assert "---\n\n\n\n****\n\n**Breaking**\n\nThen text.\n\n---" in doc


@pytest.mark.parametrize(("footer", "given", "expected"), [("**RHC**", "Other", "RHC"), ("****", "Other", "Other")])
def test_the_documents_outlet_name_wins_over_the_callers(footer, given, expected):
    doc = f"\n\n# *T*\n\n---\n\n\n\nP.\n\n---\n\n<https://x.cu/a>\n\n\n\n{footer}"
    assert parse(doc, outlet_name=given).outlet_name == expected


def test_render_falls_back_to_url_when_no_canonical_url():
    doc = render(article(canonical_url="", url="https://example.cu/b"))
    assert parse(doc).canonical_url == "https://example.cu/b"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"title": " \u00a0"}, "without a title", id="blank-title"),
        pytest.param({"canonical_url": "", "url": ""}, "canonical_url", id="no-url"),
        pytest.param({"canonical_url": "https://x.cu/a b>"}, "canonical_url", id="url-with-space"),
        pytest.param({"outlet_name": ""}, "outlet name", id="no-outlet-name"),
    ],
)
def test_render_refuses_articles_the_format_cannot_hold(fields, message):
    with pytest.raises(ValueError, match=message):
        render(article(**fields))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\u00a0b", "a b"),
        ("  a \t\n b  ", "a b"),
        ("a\u2009\u202f\u3000b", "a b"),
        ("tra\u00adta\u200b de\ufeff", "trata de"),
        ("a\x00b\x07", "ab"),
        ("“Cuba’s”", "“Cuba’s”"),
        ("Mari\u0301a", "María"),
        (None, ""),
    ],
)
def test_clean_text(text, expected):
    assert clean_text(text) == expected


def test_normalise_cleans_without_rendering():
    a = normalise(article(title=" T\u00a0x ", caption="  ", body=("a\u00a0b", " ")))
    assert (a.title, a.caption, a.body) == ("T x", None, ("a b",))


# --- the raw seed ----------------------------------------------------------


def test_raw_seed_is_cleaned_to_title_caption_date_lede_and_body(telesur):
    assert telesur.title == TELESUR_TITLE
    assert telesur.caption == TELESUR_CAPTION
    assert telesur.body[0] == "Published 4 July 2021"
    assert telesur.body[1] == TELESUR_LEDE
    assert telesur.body[2].startswith("Cuba's Foreign Affairs Ministry (MINREX) on Sunday rejected")
    assert telesur.body[3].startswith("The false accusations come from the")
    assert telesur.body[-1].startswith('"Cuba has a policy of zero tolerance')
    assert telesur.body[-1].endswith("MINREX added.")
    assert len(telesur.body) == 9
    assert (telesur.url, telesur.canonical_url, telesur.outlet_name) == (TELESUR_URL, TELESUR_URL, "teleSUR")


@pytest.mark.parametrize("line", FURNITURE)
def test_raw_seed_furniture_is_gone(telesur, line):
    kept = [telesur.title, telesur.caption, *telesur.body]
    assert line not in kept
    assert not any(p.startswith("•") or p.endswith(line) for p in kept)


def test_rendered_raw_seed_has_the_seed_format_layout(telesur):
    doc = render(telesur)
    assert doc.startswith(
        f"\n\n# *{TELESUR_TITLE}*\n\n---\n\n\n\n**{TELESUR_CAPTION}**\n\nPublished 4 July 2021\n\n{TELESUR_LEDE}\n\n"
    )
    assert doc.endswith(f"MINREX added.\n\n---\n\n<{TELESUR_URL}>\n\n\n\n**teleSUR**")
    assert "\u00a0" not in doc and "  " not in doc and "\n\n\n\n\n" not in doc
    assert is_normalised(doc)
    back = parse(doc, outlet="telesur-en")
    assert replace(back, provenance=telesur.provenance) == telesur
    assert dict(back.provenance) == {"title": "seed", "caption": "seed", "body": "seed"}


def test_raw_seed_is_not_mistaken_for_a_normalised_one():
    assert not is_normalised(read(TELESUR_SEED))
    assert is_normalised(read(RHC_SEED))


RAW_BODY = "\n\n".join([
    "Havana, May 2 (RHC) -- Officials met to review the plan against trafficking.",
    "Cuban Officials Travel To Geneva For Rights Review",
    "The meeting agreed on three measures for border officials and prosecutors.",
    "Cuba reaffirms zero tolerance policy",
    "• Training for border officials",
    "Prosecutors reported five cases tried during the year in the provinces.",
    "3 comments",
])


@pytest.mark.parametrize(
    ("raw", "caption", "kept", "dropped"),
    [
        pytest.param(
            "Cuba Reviews Its Plan Against Trafficking\n\n(Photo: Prensa Latina) Officials in Havana\n\n" + RAW_BODY,
            "(Photo: Prensa Latina) Officials in Havana",
            ["Cuba reaffirms zero tolerance policy", "• Training for border officials"],
            ["Cuban Officials Travel To Geneva For Rights Review", "3 comments"],
            id="no-nav-credit-caption",
        ),
        pytest.param(
            "• Menu\nOpinion > Cuba\n\nCuba Reviews Its Plan Against Trafficking\n\n" + RAW_BODY,
            None,
            ["Havana, May 2 (RHC) -- Officials met to review the plan against trafficking."],
            ["• Menu", "Opinion > Cuba", "Cuban Officials Travel To Geneva For Rights Review"],
            id="nav-and-breadcrumb-no-caption",
        ),
        pytest.param(
            "Cuba Reviews Its Plan Against Trafficking\n\nPublished 2 May 2024\n\nA Title Case Line After The Date\n\n"
            + RAW_BODY + "\n\nSee Also Other Cuba Stories",
            None,
            ["Published 2 May 2024", "A Title Case Line After The Date", "See Also Other Cuba Stories"],
            ["Cuban Officials Travel To Geneva For Rights Review"],
            id="headlines-not-between-prose-are-kept",
        ),
    ],
)
def test_clean_raw_keeps_the_article_and_drops_the_page(raw, caption, kept, dropped):
    a = clean_raw(raw, url="https://www.radiohc.cu/x", outlet_name="Radio Habana Cuba")
    assert a.title == "Cuba Reviews Its Plan Against Trafficking"
    assert a.caption == caption
    assert a.body[-1 if "See Also" not in raw else -2].startswith("Prosecutors reported five cases")
    for line in kept:
        assert line in a.body
    for line in dropped:
        assert line not in a.body and line != a.caption


# --- choosing the reader ---------------------------------------------------


def test_load_document_parses_a_normalised_seed():
    a = load_document(read(RHC_SEED), url="https://www.radiohc.cu/en/280480", outlet="rhc-en")
    assert (a.caption, a.canonical_url, a.url, a.outlet) == ("ilustrativo", RHC_URL, "https://www.radiohc.cu/en/280480", "rhc-en")
    assert render(a) == read(RHC_SEED)


def test_load_document_cleans_a_raw_seed(telesur):
    a = load_document(read(TELESUR_SEED), url=TELESUR_URL, outlet="telesur-en", outlet_name="teleSUR")
    assert a == telesur


def test_raw_seed_without_url_cannot_be_rendered_until_the_importer_gives_one():
    a = load_document(read(TELESUR_SEED), outlet_name="teleSUR")
    assert a.title == TELESUR_TITLE
    with pytest.raises(ValueError, match="canonical_url"):
        render(a)


# --- garbage ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "too few lines", id="empty"),
        pytest.param("just some words\n\nand more\n\nand more\n\nand more\n\nend", "no title", id="prose"),
        pytest.param("\n\nTitle\n\n---\n\nBody.\n\n---\n\n<https://x.cu/>\n\n**X**", "no title", id="bare-title"),
        pytest.param("\n\n# **\n\n---\n\nBody.\n\n---\n\n<https://x.cu/>\n\n**X**", "no title", id="empty-title"),
        pytest.param("\n\n# *T*\n\n---\n\nBody.\n\nMore.\n\nEnd.\n\n**X**", "at the end", id="no-url-footer"),
        pytest.param("\n\n# *T*\n\nBody.\n\n---\n\n<https://x.cu/>\n\n**X**", "after the title", id="no-rule"),
    ],
)
def test_parse_rejects_documents_without_the_layout(text, message):
    with pytest.raises(ParseError, match=message):
        parse(text)
    assert not is_normalised(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "no title", id="empty"),
        pytest.param("• Live\n• facebook\nNews > Cuba\n\nPost with no comments.", "no title", id="only-furniture"),
        pytest.param("• Live\n\nCuba Rejects US Report\n\n• twitter\n\n2 comments", "no body", id="title-only"),
        pytest.param("•\n•\nCuba Rejects US Report\n•\n", "no body", id="bare-bullets"),
    ],
)
def test_clean_raw_rejects_text_that_is_not_an_article(text, message):
    with pytest.raises(ParseError, match=message):
        load_document(text, url="https://x.cu/a", outlet_name="X")


# --- ids and file names ----------------------------------------------------


def test_seed_id_is_stable_short_hex_of_the_canonical_url():
    item = seed_id(TELESUR_URL)
    assert item == hashlib.sha256(TELESUR_URL.encode()).hexdigest()[:16]
    assert item == seed_id(TELESUR_URL) != seed_id(RHC_URL)
    assert len(item) == 16 and item == item.lower() and int(item, 16) >= 0


def test_seed_id_needs_a_url():
    with pytest.raises(ValueError):
        seed_id("  ")


@pytest.mark.parametrize(
    ("seq", "name"),
    [
        (0, "000_10ea589a1fae356f.txt"),
        (1, "001_10ea589a1fae356f.txt"),
        (999, "999_10ea589a1fae356f.txt"),
        (1000, "1000_10ea589a1fae356f.txt"),
        (123456, "123456_10ea589a1fae356f.txt"),
    ],
)
def test_seed_filename(seq, name):
    assert seed_filename(seq, "10ea589a1fae356f") == name
    assert parse_seed_filename(name) == (seq, "10ea589a1fae356f")


@pytest.mark.parametrize(
    ("seq", "item_id"),
    [(-1, "10ea589a1fae356f"), (1, "10EA589A1FAE356F"), (1, "10ea58"), (1, "../etc/passwd00")],
)
def test_seed_filename_refuses_bad_parts(seq, item_id):
    with pytest.raises(ValueError):
        seed_filename(seq, item_id)


def test_the_project_seeds_have_seed_file_names():
    names = sorted(p.name for p in SEEDS.glob("*.txt"))
    assert [parse_seed_filename(n)[0] for n in names] == [0, 1]
    with pytest.raises(ValueError):
        parse_seed_filename("01_319918b101c2d455.txt")


def test_seed_texts_are_nfc_already():
    for path in (RHC_SEED, TELESUR_SEED):
        text = read(path)
        assert unicodedata.normalize("NFC", text) == text
