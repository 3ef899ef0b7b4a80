from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from monitor import identity
from monitor.models import Article, Hit, Relevance

RHC = "https://www.radiohc.cu/en/noticias/nacionales/280480-cuba-strengthened-confrontation"
GRANMA = "https://www.granma.cu/cuba/2024-05-02/trata-de-personas-02-05-2024"


def article(url: str = RHC, canonical: str | None = None, **fields: object) -> Article:
    base = Article(url=url, canonical_url=canonical or url, outlet="rhc-en", outlet_name="Radio Habana Cuba",
                   title="Cuba strengthened confrontation", body=("Havana (RHC) -- One.", "Two."))  # fmt: skip
    return replace(base, **fields)


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("https://www.granma.cu/", True),
        ("http://granma.cu", True),
        ("https://www.radiohc.cu/en/", True),
        ("https://www.telesurtv.net/es", True),
        ("https://www.granma.cu/?utm_source=x", True),  # trackers dropped first
        ("https://www.granma.cu/?p=123", False),  # WordPress article by id
        ("https://www.granma.cu/cuba", False),
        (GRANMA, False),
    ],
)
def test_is_root(url: str, root: bool) -> None:
    assert identity.is_root(url) is root


@pytest.mark.parametrize(
    ("url", "canonical", "expected"),
    [
        # native id first, then the canonical spelling of the URL
        (RHC, None, ["rhc:radiohc.cu:en:280480", "https://radiohc.cu/en/noticias/nacionales/280480-cuba-strengthened-confrontation"]),
        # Granma points rel=canonical at its home page: never a key
        (GRANMA, "https://www.granma.cu/", ["https://granma.cu/cuba/2024-05-02/trata-de-personas-02-05-2024"]),
        # a canonical naming another article's id is a template bug: the fetched URL wins
        (RHC, "https://www.radiohc.cu/en/noticias/nacionales/999999-other",
         ["rhc:radiohc.cu:en:280480", "https://radiohc.cu/en/noticias/nacionales/280480-cuba-strengthened-confrontation"]),
        # a trusted canonical comes before the fetched URL
        ("https://www.granma.cu/cuba/x?utm_source=tw&id=2", "https://www.granma.cu/cuba/x",
         ["https://granma.cu/cuba/x", "https://granma.cu/cuba/x?id=2"]),
    ],
)  # fmt: skip
def test_keys_for(url: str, canonical: str | None, expected: list[str]) -> None:
    assert identity.keys_for(article(url, canonical)) == expected


def test_identify_names_the_item_by_the_fetched_url_when_the_canonical_is_untrusted() -> None:
    ident = identity.identify(article(GRANMA, "https://granma.cu/"))
    assert ident.urls == ("https://granma.cu/cuba/2024-05-02/trata-de-personas-02-05-2024",)
    assert ident.primary == ident.urls[0] and not ident.canonical_trusted
    trusted = identity.identify(article(GRANMA + "?utm_source=x", GRANMA))
    assert trusted.canonical_trusted and trusted.urls == (ident.primary,)


@pytest.mark.parametrize(
    "volatile",
    [
        {"fetched_at": datetime(2030, 1, 1, tzinfo=timezone.utc)},
        {"url": RHC + "?utm_source=x"},
        {"relevance": Relevance(relevant=True, score=3.0, hits=(Hit(rule="r", family="f", text="t", weight=3.0),))},
        {"tags": ("Cuba",)},
        {"provenance": (("title", "og"),)},
    ],
)
def test_content_hash_ignores_volatile_fields(volatile: dict[str, object]) -> None:
    assert identity.content_hash(article(**volatile)) == identity.content_hash(article())


@pytest.mark.parametrize(
    "edit",
    [
        {"title": "Cuba strengthened the confrontation"},
        {"subtitle": "A report"},
        {"caption": "Photo: EFE"},
        {"authors": ("RHC",)},
        {"body": ("Havana (RHC) -- One.", "Two, edited.")},
        {"body": ("Havana (RHC) -- One.Two.",)},  # paragraphs are not just concatenated
    ],
)
def test_content_hash_sees_reader_visible_edits(edit: dict[str, object]) -> None:
    assert identity.content_hash(article(**edit)) != identity.content_hash(article())


def test_pick_item_prefers_the_strongest_key() -> None:
    keys = ["rhc:radiohc.cu:en:1", "https://radiohc.cu/en/a"]
    assert identity.pick_item({"https://radiohc.cu/en/a": "B", "rhc:radiohc.cu:en:1": "A"}, keys) == "A"
    assert identity.pick_item({}, keys) is None
