"""URL canonicalisation and outlet identity keys (monitor/urls.py).

Outlet URL shapes come from /work/shared/OUTLETS.md: teleSUR old layout and
AMP [P]/[S] (section 1b, 2), RHC article paths incl. /index.php and the 2018
Spanish-at-root form with raw UTF-8 slugs [P]/[M] (section 3), Granma [M]/[P].
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from monitor.urls import (
    TRACKING_PARAMS,
    article_key,
    canonical_url,
    host_of,
    identity_key,
    resolve,
    same_site,
)

TS_EN = "https://www.telesurenglish.net/news/Uruguays-Gender-Violence-Courts-Have-No-Funding-20210115-0014.html"
TS_AMP = (
    "https://www.telesurtv.net/amp/news/"
    "Paises-de-la-ONU-prometen-luchar-contra-la-trata-de-personas-20170927-0046.html"
)
RHC_EN = (
    "https://www.radiohc.cu/index.php/en/noticias/nacionales/"
    "304052-cuba-publishes-national-report-on-human-trafficking-in-2021"
)

CANONICAL_CASES = [
    # scheme, host case, www, ports, user info
    ("HTTPS://WWW.TeleSURtv.NET/news/x", "https://telesurtv.net/news/x"),
    ("http://telesurtv.net/news/x", "https://telesurtv.net/news/x"),
    ("http://www.radiohc.cu/en/", "https://radiohc.cu/en"),
    ("https://radiohc.cu:443/en/noticias", "https://radiohc.cu/en/noticias"),
    ("http://radiohc.cu:80/en/noticias", "https://radiohc.cu/en/noticias"),
    ("http://127.0.0.1:8123/news/a.html", "https://127.0.0.1:8123/news/a.html"),
    ("https://user:pw@www.granma.cu/cuba", "https://granma.cu/cuba"),
    ("https://granma.cu./cuba", "https://granma.cu/cuba"),
    ("https://en.granma.cu/cuba", "https://en.granma.cu/cuba"),
    ("http://[::1]:8080/a", "https://[::1]:8080/a"),
    ("https://bücher.example/a", "https://xn--bcher-kva.example/a"),
    ("  https://radiohc.cu/en \n", "https://radiohc.cu/en"),
    # path: index.php, slashes, dot segments, trailing slash, session ids
    (RHC_EN, "https://radiohc.cu/en/noticias/nacionales/"
     "304052-cuba-publishes-national-report-on-human-trafficking-in-2021"),
    ("https://radiohc.cu/index.php", "https://radiohc.cu/"),
    ("https://radiohc.cu/index.php/en/especiales?page=133", "https://radiohc.cu/en/especiales?page=133"),
    ("https://radiohc.cu/en/index.php", "https://radiohc.cu/en/index.php"),
    ("https://telesurtv.net//news///x.html", "https://telesurtv.net/news/x.html"),
    ("https://telesurtv.net/news/./a/../x.html", "https://telesurtv.net/news/x.html"),
    ("https://telesurtv.net/../x", "https://telesurtv.net/x"),
    ("https://telesurenglish.net/irgc-new-commander-2026/", "https://telesurenglish.net/irgc-new-commander-2026"),
    ("https://telesurenglish.net", "https://telesurenglish.net/"),
    ("https://telesurenglish.net/", "https://telesurenglish.net/"),
    ("https://telesurtv.net/news/x.html;jsessionid=A1B2C3", "https://telesurtv.net/news/x.html"),
    # fragment
    ("https://granma.cu/cuba/a#comments", "https://granma.cu/cuba/a"),
    ("https://granma.cu/cuba/a?x=1#top", "https://granma.cu/cuba/a?x=1"),
    # query: sorting, blanks, kept params, case-insensitive tracker names
    ("https://granma.cu/archivo?q=trata&a=5", "https://granma.cu/archivo?a=5&q=trata"),
    ("https://granma.cu/archivo?b=2&a=1&b=1", "https://granma.cu/archivo?a=1&b=1&b=2"),
    ("https://granma.cu/archivo?q=trata&&", "https://granma.cu/archivo?q=trata"),
    ("https://granma.cu/archivo?flag&q=x", "https://granma.cu/archivo?flag&q=x"),
    ("https://granma.cu/archivo?UTM_Source=x&q=1", "https://granma.cu/archivo?q=1"),
    ("https://granma.cu/archivo?utm_anything_new=x", "https://granma.cu/archivo"),
    ("https://granma.cu/archivo?FBCLID=abc", "https://granma.cu/archivo"),
    ("https://granma.cu/archivo?utm%5Fsource=x&q=1", "https://granma.cu/archivo?q=1"),
    ("https://granma.cu/archivo?q=trata+de+personas", "https://granma.cu/archivo?q=trata+de+personas"),
    ("https://granma.cu/archivo?q=a%26b%3dc", "https://granma.cu/archivo?q=a%26b%3Dc"),
    ("https://granma.cu/archivo?referrer=x", "https://granma.cu/archivo?referrer=x"),
    # AMP forms
    (TS_AMP, "https://telesurtv.net/news/"
     "Paises-de-la-ONU-prometen-luchar-contra-la-trata-de-personas-20170927-0046.html"),
    ("https://telesurtv.net/slug/amp/", "https://telesurtv.net/slug"),
    ("https://telesurtv.net/slug/amp", "https://telesurtv.net/slug"),
    ("https://telesurtv.net/slug?amp", "https://telesurtv.net/slug"),
    ("https://telesurtv.net/slug?amp=1", "https://telesurtv.net/slug"),
    ("https://telesurtv.net/slug?outputType=amp", "https://telesurtv.net/slug"),
    ("https://telesurtv.net/slug?outputType=print", "https://telesurtv.net/slug?outputType=print"),
    ("https://telesurtv.net/ampliacion", "https://telesurtv.net/ampliacion"),
    ("https://telesurtv.net/amp/index.php/news/x.html", "https://telesurtv.net/news/x.html"),
    ("https://telesurtv.net/amp/amp/x/amp/", "https://telesurtv.net/x"),
    # percent-encoding: one form (IRI -> URI, upper-case hex, unreserved decoded)
    ("http://www.radiohc.cu/noticias/nacionales/158010-lluvias-en-camagüey",
     "https://radiohc.cu/noticias/nacionales/158010-lluvias-en-camag%C3%BCey"),
    ("http://www.radiohc.cu/noticias/nacionales/158010-lluvias-en-camag%c3%bcey",
     "https://radiohc.cu/noticias/nacionales/158010-lluvias-en-camag%C3%BCey"),
    ("https://granma.cu/%7Euser/%41rt%2Dx", "https://granma.cu/~user/Art-x"),
    ("https://granma.cu/a%2Fb", "https://granma.cu/a%2Fb"),
    ("https://granma.cu/a b\"c", "https://granma.cu/a%20b%22c"),
    ("https://granma.cu/100%", "https://granma.cu/100%25"),
    ("https://granma.cu/archivo?q=trata de personas", "https://granma.cu/archivo?q=trata%20de%20personas"),
    ("https://granma.cu/archivo?q=tráfico", "https://granma.cu/archivo?q=tr%C3%A1fico"),
]

# Written out independently of the module so a merged or missing entry (the
# Media Cloud "sort" "PHPSESSID" trap) fails the equality test below.
EXPECTED_TRACKERS = [
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid",
    "_ga", "_gl", "yclid", "igshid", "ref", "ref_src", "s_cid", "cmpid", "spm",
    "__twitter_impression", "at_medium", "at_campaign", "amp",
    "pk_campaign", "pk_kwd", "pk_source", "pk_medium",
    "mtm_campaign", "mtm_kwd", "mtm_source", "mtm_medium",
    "_hsenc", "_hsmi", "mkt_tok", "phpsessid", "jsessionid",
]  # fmt: skip
UTM_EXAMPLES = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id"]


@pytest.mark.parametrize(("url", "expected"), CANONICAL_CASES)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize("url", [u for u, _ in CANONICAL_CASES])
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


def test_tracker_list_is_exactly_the_documented_one() -> None:
    assert sorted(TRACKING_PARAMS) == sorted(EXPECTED_TRACKERS)
    assert len(EXPECTED_TRACKERS) == len(set(EXPECTED_TRACKERS))


@pytest.mark.parametrize("name", EXPECTED_TRACKERS + UTM_EXAMPLES)
def test_each_tracking_parameter_is_dropped(name: str) -> None:
    url = f"https://www.radiohc.cu/en/noticias/nacionales/304052-x?{name}=abc&page=2"
    assert canonical_url(url) == "https://radiohc.cu/en/noticias/nacionales/304052-x?page=2"
    assert canonical_url(f"https://radiohc.cu/a?{name}") == "https://radiohc.cu/a"


@pytest.mark.parametrize(
    ("url", "key"),
    [
        # teleSUR old layout: English host, English under telesurtv.net/english, Spanish
        (TS_EN, "telesur:telesurenglish.net:20210115-0014"),
        ("http://telesurenglish.net/opinion/Some-Column-20210115-0014.html?utm_source=x",
         "telesur:telesurenglish.net:20210115-0014"),
        ("https://www.telesurtv.net/english/analysis/Venezuela-Vote-20180519-0023.html",
         "telesur:telesurenglish.net:20180519-0023"),
        ("https://www.telesurtv.net/news/muere-ali-rodriguez-araque-venezuela-cuba-20181119-0040.html",
         "telesur:telesurtv.net:20181119-0040"),
        (TS_AMP, "telesur:telesurtv.net:20170927-0046"),
        ("http://127.0.0.1:8123/news/Some-Slug-20210115-0014.html", "telesur:127.0.0.1:8123:20210115-0014"),
        ("http://127.0.0.1:8123/english/news/Some-Slug-20210115-0014.html",
         "telesur:127.0.0.1:8123/english:20210115-0014"),
        # RHC: lang from the path, Spanish at root in 2018, especiales, index.php
        (RHC_EN, "rhc:radiohc.cu:en:304052"),
        ("https://radiohc.cu/es/noticias/nacionales/304060-cuba-publica-informe", "rhc:radiohc.cu:es:304060"),
        ("https://www.radiohc.cu/eo/especiales/exclusivas/229579-io", "rhc:radiohc.cu:eo:229579"),
        ("https://radiohc.cu/index.php/pt/noticias/nacionales/246919-x", "rhc:radiohc.cu:pt:246919"),
        ("http://www.radiohc.cu/noticias/internacionales/158008-lula-confia-en-que-el-pt-vuelva-a-gobernar-brasil",
         "rhc:radiohc.cu:es:158008"),
        ("http://www.radiohc.cu/noticias/nacionales/158010-lluvias-en-camagüey", "rhc:radiohc.cu:es:158010"),
        ("http://127.0.0.1:8123/en/noticias/nacionales/304052-x", "rhc:127.0.0.1:8123:en:304052"),
        ("http://127.0.0.1:8123/index.php/en/especiales/comentarios/5-y", "rhc:127.0.0.1:8123:en:5"),
        # no native id: new teleSUR slugs, Granma, Cubadebate, RHC listings
        ("https://www.telesurenglish.net/irgc-new-commander-2026/", None),
        ("https://www.granma.cu/cuba/2019-11-05/suspenden-la-decima-liga-05-11-2019-11-11-00", None),
        ("http://en.granma.cu/cuba/2020-09-24/the-transnational-tentacles-of-trafficking-in-persons", None),
        ("http://www.cubadebate.cu/noticias/2019/11/05/una-noticia/", None),
        ("https://www.radiohc.cu/en/especiales/comentarios/page/3", None),
        ("https://www.radiohc.cu/en/noticias/page/2", None),
        ("https://www.radiohc.cu/index.php/en/especiales?page=133", None),
    ],
)  # fmt: skip
def test_identity_key(url: str, key: str | None) -> None:
    assert identity_key(url) == key


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # a headline edit changes the slug, not the id
        ("https://www.telesurenglish.net/news/Cuba-Report-On-Trafficking-20210115-0014.html",
         "http://telesurenglish.net/news/Cuba-Publishes-Report-On-Human-Trafficking-20210115-0014.html#x"),
        ("https://www.radiohc.cu/en/noticias/nacionales/304052-cuba-publishes-report",
         "https://radiohc.cu/index.php/en/noticias/nacionales/304052-cuba-publishes-national-report-2021"),
        ("http://127.0.0.1:8123/en/noticias/nacionales/304052-old", "http://127.0.0.1:8123/en/noticias/nacionales/304052-new"),
        # the AMP copy is the same article
        (TS_AMP, "https://telesurtv.net/news/Otro-Titulo-20170927-0046.html"),
        # no native id: the canonical URL decides
        ("https://www.telesurtv.net/peronismo-denuncia/?utm_source=tg", "http://telesurtv.net/peronismo-denuncia/amp/"),
    ],
)  # fmt: skip
def test_same_article_same_key(first: str, second: str) -> None:
    assert article_key(first) == article_key(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # same id in two languages or sites: different articles
        ("https://radiohc.cu/en/noticias/nacionales/304052-x", "https://radiohc.cu/es/noticias/nacionales/304052-x"),
        ("https://telesurenglish.net/news/A-20210115-0014.html", "https://telesurtv.net/news/A-20210115-0014.html"),
        ("http://127.0.0.1:8123/en/noticias/n/1-x", "http://127.0.0.1:9000/en/noticias/n/1-x"),
        ("https://telesurtv.net/slug-a/", "https://telesurtv.net/slug-b/"),
    ],
)  # fmt: skip
def test_different_articles_different_keys(first: str, second: str) -> None:
    assert article_key(first) != article_key(second)


def test_article_key_falls_back_to_canonical_url() -> None:
    url = "https://WWW.Granma.cu/cuba/2019-11-05/slug-05-11-2019-11-11-00/?fbclid=1"
    assert article_key(url) == "https://granma.cu/cuba/2019-11-05/slug-05-11-2019-11-11-00"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://radiohc.cu/file", r"not an http\(s\) URL"),
        ("javascript:alert(1)", r"not an http\(s\) URL"),
        ("mailto:editor@radiohc.cu", r"not an http\(s\) URL"),
        ("/en/noticias/nacionales/1-x", r"not an http\(s\) URL"),
        ("radiohc.cu/en", r"not an http\(s\) URL"),
        ("", r"not an http\(s\) URL"),
        ("https:///path/only", "URL has no host"),
        ("http://radiohc.cu:99999/x", "bad host or port"),
        ("http://radiohc.cu:abc/x", "bad host or port"),
        ("http://bad..host/x", "bad host or port"),
    ],
)
@pytest.mark.parametrize("function", [canonical_url, identity_key, article_key])
def test_bad_urls_raise_value_error(function: Callable[[str], object], url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        function(url)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://WWW.RadioHC.cu/en/x", "www.radiohc.cu"),
        ("http://127.0.0.1:8123/x", "127.0.0.1:8123"),
        ("https://user:pw@granma.cu/x", "granma.cu"),
    ],
)
def test_host_of(url: str, host: str) -> None:
    assert host_of(url) == host


def test_host_of_rejects_relative_urls() -> None:
    with pytest.raises(ValueError, match="no host"):
        host_of("/en/noticias")


@pytest.mark.parametrize(
    ("base", "href", "expected"),
    [
        ("https://www.radiohc.cu/en/noticias", "/en/noticias/nacionales/1-x",
         "https://www.radiohc.cu/en/noticias/nacionales/1-x"),
        ("https://www.radiohc.cu/en/noticias/", "nacionales/1-x", "https://www.radiohc.cu/en/noticias/nacionales/1-x"),
        ("https://granma.cu/cuba/", "  \n /cuba/2019-11-05/slug \t", "https://granma.cu/cuba/2019-11-05/slug"),
        ("https://granma.cu/cuba/", "/cuba/2019-11-05/\nslug", "https://granma.cu/cuba/2019-11-05/slug"),
        ("https://telesurtv.net/", "//www.telesurenglish.net/x/", "https://www.telesurenglish.net/x/"),
        ("http://127.0.0.1:8123/list?page=2", "?page=3", "http://127.0.0.1:8123/list?page=3"),
        ("https://granma.cu/a", "http://other.example/b", "http://other.example/b"),
    ],
)  # fmt: skip
def test_resolve(base: str, href: str, expected: str) -> None:
    assert resolve(base, href) == expected


@pytest.mark.parametrize(
    "href",
    ["javascript:void(0)", " JavaScript:alert(1)", "mailto:a@b.cu", "tel:+5371234567", "data:text/html,x", "", "   "],
)
def test_resolve_rejects_non_http_links(href: str) -> None:
    with pytest.raises(ValueError):
        resolve("https://www.radiohc.cu/en/", href)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://www.radiohc.cu/en", "http://radiohc.cu/es", True),
        ("https://RADIOHC.cu:443/en", "https://radiohc.cu/es", True),
        ("https://granma.cu/", "https://en.granma.cu/", False),
        ("http://127.0.0.1:8123/a", "http://127.0.0.1:8123/b", True),
        ("http://127.0.0.1:8123/a", "http://127.0.0.1:9000/a", False),
        ("https://telesurtv.net/", "https://telesurenglish.net/", False),
    ],
)
def test_same_site(a: str, b: str, same: bool) -> None:
    assert same_site(a, b) is same
