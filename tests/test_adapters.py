"""Site adapters and the metadata/text helpers they stand on (monitor/extract/adapters, monitor/extract)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest
from selectolax.lexbor import LexborHTMLParser

from monitor.config import KNOWN_ADAPTERS, load
from monitor.errors import ConfigError, LayoutChanged
from monitor.extract import extract_article
from monitor.extract.adapters import REGISTRY, get_adapter
from monitor.extract.adapters.telesur import tidy
from monitor.extract.metadata import check_canonical, choose_canonical, read_metadata
from monitor.extract.text import headline_links, is_link_only, node_text, paragraphs
from monitor.models import Page

BASE = "http://127.0.0.1:8765"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
CONFIG = load()


def outlet(key: str, **changes: object):
    return dataclasses.replace(CONFIG.outlet(key), base_url=BASE + "/", **changes)


def page(html: str, path: str = "/a/") -> Page:
    return Page(url=BASE + path, final_url=BASE + path, status=200, text=html.replace("{{BASE}}", BASE), fetched_at=NOW)


def test_registry_covers_every_adapter_the_config_accepts() -> None:
    assert set(REGISTRY) == set(KNOWN_ADAPTERS)
    for name in KNOWN_ADAPTERS:
        adapter = get_adapter(name)
        assert adapter.name == name
        assert callable(adapter.read) and callable(adapter.tidy_body)
    with pytest.raises(ConfigError, match="no adapter 'nope'"):
        get_adapter("nope")


# ---------------------------------------------------------------- teleSUR


OLD_ON_FLAT_URL = """<html lang="en"><head><meta property="og:type" content="article"></head><body>
<h1 itemprop="name headline">An archive story</h1><div class="capdate">Published 2 May 2019</div>
<div class="txt_newworld"><p>First paragraph of the archived story text.</p><p>Second paragraph of it.</p></div></body></html>"""
NEW_ON_OLD_URL = """<html lang="es"><head><meta property="og:type" content="article"></head><body>
<h1 class="content-area__title">Una noticia nueva</h1><div class="date-header">julio 3, 2025</div>
<div class="content-area__text__full"><p>Primer párrafo de la noticia nueva publicada.</p></div></body></html>"""


@pytest.mark.parametrize(
    ("html", "path", "title", "body_source"),
    [
        (OLD_ON_FLAT_URL, "/an-archive-story/", "An archive story", "selector:div.txt_newworld"),
        (NEW_ON_OLD_URL, "/news/Una-noticia-20170927-0046.html", "Una noticia nueva", "selector:div.content-area__text__full > p"),
    ],
)
def test_telesur_layout_is_chosen_by_container_not_url(html: str, path: str, title: str, body_source: str) -> None:
    article = extract_article(page(html, path), outlet("telesur-en"), now=NOW)
    assert article.title == title
    assert dict(article.provenance)["body"] == body_source


def test_telesur_new_body_keeps_only_attribute_free_direct_paragraphs() -> None:
    html = """<html><head><meta property="og:type" content="article"></head><body>
    <h1 class="content-area__title">Title of the story</h1>
    <div class="content-area__text__full"><p>Kept paragraph one with words.</p><p style="x">Extra element.</p>
    <div><p>Nested paragraph is not the body.</p></div><p>Kept paragraph two.</p></div></body></html>"""
    article = extract_article(page(html), outlet("telesur-en"), now=NOW)
    assert article.body == ("Kept paragraph one with words.", "Kept paragraph two.")


@pytest.mark.parametrize(
    ("paragraphs", "kept"),
    [
        ([("A.", False), ("Autor: X", False), ("B.", False)], ["A."]),
        ([("A.", False), ("Author: Jane Doe", False)], ["A."]),
        ([("A.", False), ("LEA TAMBIÉN:", False), ("Headline", True), ("B.", False)], ["A.", "B."]),
        ([("A.", False), ("Lea también:", False), ("Headline", True), ("B.", False)], ["A.", "B."]),
        ([("A.", False), ("Related:", False), ("B is prose, not a link.", False)], ["A.", "B is prose, not a link."]),
        ([("A.", False), ("RELATED: Some headline", False), ("B.", False)], ["A.", "B."]),
        ([("A.", False), ("Look pic.twitter.com/abc", False), ("B.", False)], ["A.", "B."]),
        ([("A.", False), ("— teleSUR TV (@teleSURtv) December 20, 2025", False)], ["A."]),
        ([("A.", False), ("Linked headline", True), ("B.", False)], ["A.", "B."]),
        ([("Authorities said the author: was unknown.", False)], ["Authorities said the author: was unknown."]),
    ],
)
def test_telesur_tidy(paragraphs: list[tuple[str, bool]], kept: list[str]) -> None:
    assert tidy(paragraphs) == kept


# ---------------------------------------------------------------- RHC


def rhc_page(header: str, body: str) -> str:
    return f"""<html lang="es"><head><title>RHC</title></head><body><nav><a href="/en">Home</a></nav>
    <article><h1>A title from RHC</h1>{header}{body}</article></body></html>"""


@pytest.mark.parametrize(
    ("header", "author", "published", "caption"),
    [
        ("<p>Edited by Ana Pérez</p><p>2020-07-24 16:48:54</p>", "Ana Pérez", datetime(2020, 7, 24, 20, 48, 54, tzinfo=timezone.utc), None),
        ("<p>A subtitle line</p><p>Editado por Ana</p><span>2020-12-01 08:00:00</span>", "Ana", datetime(2020, 12, 1, 13, 0, tzinfo=timezone.utc), "A subtitle line"),
        ("<p>Eldonita de Ana</p><div>2020-07-24 16:48:54</div><p>Pinterest Telegram Linkedin WhatsApp</p>", "Ana", datetime(2020, 7, 24, 20, 48, 54, tzinfo=timezone.utc), None),
        ("<p>2020-07-24 16:48:54</p>", None, datetime(2020, 7, 24, 20, 48, 54, tzinfo=timezone.utc), None),
    ],
)
def test_rhc_header_lines(header: str, author: str | None, published: datetime, caption: str | None) -> None:
    body = "<p>Havana, Nov 5 (RHC-ACN) -- The body of the story starts here.</p><p>Second paragraph.</p>"
    article = extract_article(page(rhc_page(header, body), "/en/noticias/nacionales/1-x"), outlet("rhc-en"), now=NOW)
    assert (article.author, article.published, article.caption) == (author, published, caption)
    assert article.body == ("Havana, Nov 5 (RHC-ACN) -- The body of the story starts here.", "Second paragraph.")
    assert article.language == "en"


def test_rhc_opinion_piece_without_dateline() -> None:
    html = rhc_page("<p>By: Jane Roe</p><p>2021-01-05 10:00:00</p>", "<p>An opinion begins without a dateline here.</p><p>It goes on.</p>")
    article = extract_article(page(html, "/en/especiales/comentarios/2-x"), outlet("rhc-en"), now=NOW)
    assert article.author == "Jane Roe"
    assert article.body == ("An opinion begins without a dateline here.", "It goes on.")


def test_rhc_configured_selectors_override_text_order() -> None:
    html = rhc_page("<p>Edited by Ana</p><p>2020-07-24 16:48:54</p>", '<p class="lead">Havana (RHC) Body text of the page.</p>')
    config = outlet("rhc-en", selectors=(("author", "h1"),))
    assert extract_article(page(html, "/en/noticias/nacionales/1-x"), config, now=NOW).author == "A title from RHC"


# ---------------------------------------------------------------- metadata


@pytest.mark.parametrize(
    ("candidate", "problem"),
    [
        (BASE + "/a/story/", None),
        (BASE.replace("http:", "https:") + "/a/story", None),
        (BASE + "/", "home page"),
        (BASE + "/index.php", "home page"),
        (BASE + "/en/", "home page"),
        (BASE + "/a/", "section page"),
        ("https://www.other.example/a/story/", "another host"),
        ("ftp://127.0.0.1:8765/a/story/", "not an absolute http(s) URL"),
    ],
)
def test_check_canonical(candidate: str, problem: str | None) -> None:
    result = check_canonical(candidate, BASE + "/a/story/")
    assert (result is None) if problem is None else (problem in (result or ""))


def test_canonical_falls_back_to_og_url_then_page_url() -> None:
    tree = LexborHTMLParser('<head><link rel="canonical" href="/"><meta property="og:url" content="/en/"></head>')
    url, source, rejected = choose_canonical(read_metadata(tree), BASE + "/en/noticias/x/1-y")
    assert (url, source, len(rejected)) == (BASE + "/en/noticias/x/1-y", "url", 2)
    tree = LexborHTMLParser('<head><link rel="canonical" href="1-y?utm_source=x"></head>')
    assert choose_canonical(read_metadata(tree), BASE + "/en/noticias/x/1-y")[:2] == (BASE + "/en/noticias/x/1-y?utm_source=x", "link[rel=canonical]")


def test_json_ld_graph_lists_and_references() -> None:
    html = """<head>
    <script type="application/ld+json">{ broken json </script>
    <script type="application/ld+json">[{"@type":"Organization","name":"Org"},
      {"@graph":[{"@type":"WebPage","name":"Page name","datePublished":"2020-01-01"},
                 {"@type":["BlogPosting"],"headline":"Post","author":{"@id":"#p"}},
                 {"@type":"Person","@id":"#p","name":"Ana"}]}]</script></head>"""
    meta = read_metadata(LexborHTMLParser(html))
    assert meta.broken_jsonld == 1
    assert meta.ld_type == "blogposting"
    assert meta.ld("headline") == "Post"
    assert meta.ld("author") == {"@type": "Person", "@id": "#p", "name": "Ana"}
    assert meta.ld("datePublished") == "2020-01-01"  # from the WebPage when the post lacks it


def test_meta_tags_keep_repeats_in_order() -> None:
    html = '<head><meta property="article:tag" content="B"><meta property="article:tag" content="A"><meta name="Author" content="X"></head>'
    meta = read_metadata(LexborHTMLParser(html))
    assert meta.all("article:tag") == ("B", "A")
    assert meta.first("author") == ("X", "author")


# ---------------------------------------------------------------- text helpers


def test_node_text_inline_tags_and_spaces() -> None:
    tree = LexborHTMLParser("<p>The <a href='/x'>UN</a>&nbsp;said<br>more \u200btext  here.</p>")
    assert node_text(tree.css_first("p")) == "The UN said more text here."


def test_paragraphs_are_leaf_blocks() -> None:
    tree = LexborHTMLParser("<div><p>One.</p><blockquote><p>Quoted.</p></blockquote><ul><li>Item.</li></ul><p> </p></div>")
    assert paragraphs(tree.css_first("div")) == ["One.", "Quoted.", "Item."]


def test_link_only_blocks() -> None:
    tree = LexborHTMLParser("<p id=a><a href='/x'>A related headline</a></p><p id=b>Prose with <a href='/y'>a link</a> inside.</p>")
    assert is_link_only(tree.css_first("#a")) and not is_link_only(tree.css_first("#b"))


def test_headline_links_ignore_furniture() -> None:
    links = "".join(f"<li><a href='/s{i}/'>Headline number {i} of the day</a></li>" for i in range(10))
    assert headline_links(LexborHTMLParser(f"<ul>{links}</ul>"), BASE + "/") == 10
    for wrapper in ("nav", "aside", "footer", "div class='related-posts'"):
        tag = wrapper.split()[0]
        assert headline_links(LexborHTMLParser(f"<{wrapper}><ul>{links}</ul></{tag}>"), BASE + "/") == 0


def test_article_with_big_related_block_is_not_a_listing() -> None:
    related = "".join(f"<li><a href='/s{i}/'>Related headline number {i} of the day</a></li>" for i in range(12))
    html = f"""<html><head></head><body><h1 class="content-area__title">A story</h1>
    <div class="content-area__text__full"><p>Body paragraph of a real story here.</p></div>
    <div class="more-news"><ul>{related}</ul></div></body></html>"""
    with pytest.raises(LayoutChanged, match="listing"):
        extract_article(page(html), outlet("telesur-en"), now=NOW)
    marked = html.replace("<head></head>", '<head><meta property="og:type" content="article"></head>')
    assert extract_article(page(marked), outlet("telesur-en"), now=NOW).title == "A story"
