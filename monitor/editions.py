"""Language editions: the English and the Spanish edition of one item, linked, never merged.

RHC and teleSUR publish both languages; Granma, Cubadebate, Prensa Latina and MINREX
translate. A translation shares no word shingles with its original, so
:mod:`monitor.stories` (near-copies) never joins them -- rightly: they are two items. What
they do share survives translation:

* the *numbers* (figures, years, ages, counts: "52 procesos ... 2023" / "52 judicial
  proceedings ... 2023"), with thousands separators and "2022-2025" ranges normalised;
* the *names and places* (capitalised words, folded; common places mapped across
  languages: La Habana/Havana, Ginebra/Geneva, Estados Unidos/United States ...);
* a *shared id in the URL* (``?p=123``, a numeric slug id, a date-time stamp in the slug), when
  the outlet uses one for both editions;
* the *publication time* (a translation follows within hours or days).

Candidates are items of the same outlet family (``granma`` / ``granma-en``, ``rhc-es`` /
``rhc-en``: the key without its ``-en``/``-es`` suffix) in the other language, published
within ``WINDOW``. :func:`edition_score` weighs the evidence; at or above ``THRESHOLD`` two
items are editions of one story. Pure: no SQL, no I/O (the store files the links).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from .folding import fold_chars

WINDOW = timedelta(days=3)
LANGUAGES = ("en", "es")  # the editions an outlet family publishes (outlet keys end in -en / -es)
THRESHOLD = 0.58  # between the labelled editions (>= 0.66) and look-alikes (<= 0.50): tests/editions_labelled.py
_LANG_SUFFIX = re.compile(r"-(?:en|es)$")

# Places and bodies whose names differ between English and Spanish (folded).
_SAME = {
    "la habana": "havana", "habana": "havana", "estados unidos": "usa", "united states": "usa", "ee.uu.": "usa",
    "eeuu": "usa", "ee.uu": "usa", "us": "usa", "u.s.": "usa", "washington": "usa-gov", "ginebra": "geneva",
    "naciones unidas": "un", "united nations": "un", "onu": "un", "mexico": "mexico", "espana": "spain",
    "italia": "italy", "brasil": "brazil", "alemania": "germany", "rusia": "russia", "canada": "canada",
    "venezuela": "venezuela", "nicaragua": "nicaragua", "francia": "france", "cancilleria": "foreign-ministry",
    "minrex": "foreign-ministry", "foreign ministry": "foreign-ministry", "departamento de estado": "state-dept",
    "state department": "state-dept", "department of state": "state-dept",
}
_MULTI = sorted((k for k in _SAME if " " in k), key=len, reverse=True)
# Capitalised words that are grammar, not names (sentence starts, months, days), in either language.
_NOT_NAMES = set("""
the a an in on at of for and but or by to from with this that these those it its he she they we his her their
el la los las un una unos unas en de del al por para con y o que se su sus este esta estos estas ese esa lo
segun according after before during while when since also however then there here
monday tuesday wednesday thursday friday saturday sunday lunes martes miercoles jueves viernes sabado domingo
january february march april may june july august september october november december
enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre
jan feb mar apr jun jul aug sep sept oct nov dec ene abr ago dic
""".split())
# Words outlets capitalise in the names of bodies, plans and reports: they translate, so they
# would only dilute the names that do not (people, places, acronyms).
_INSTITUTIONAL = set("""
ministerio ministry ministro ministra minister relaciones exteriores foreign affairs informe report nacional national
plan accion action departamento department estado state estados states organizacion organization internacional
international justicia justice fiscalia attorney general's general oficina office consejo council derechos rights
humanos human trata trafficking personas persons tribunal court supremo supreme popular asamblea assembly
federacion federation mujeres women cubanas cuban cubano cubana cubanos director directora presidente president
canciller foreign-minister gobierno government republica republic protocolo protocol dia day mundial world
""".split())
_DATE_NUMBER = re.compile(
    r"\b\d{1,2}\s+(?:de\s+)?(?:ene|feb|mar|abr|may|jun|jul|ago|sep|set|oct|nov|dic)[a-z]*\.?"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:[ .,\u00a0]\d{3})+|\d+)(?:[.,](\d+))?(?![\w])")
_WORD = re.compile(r"[^\W\d_][\w'’.-]*", re.UNICODE)
_URL_ID = re.compile(r"(?<![0-9])(\d{3,})(?![0-9])")


@dataclass(frozen=True, slots=True)
class EditionDoc:
    """What edition matching reads of an item."""

    item_id: str
    outlet: str
    language: str
    url: str
    published: datetime | None
    title: str
    body: str
    topics: frozenset[str] = frozenset()  # rule families that made it relevant: the topic, in any language

    @property
    def family(self) -> str:
        return family_of(self.outlet)


@dataclass(frozen=True, slots=True)
class Match:
    score: float
    reasons: dict[str, float]


def family_of(outlet: str) -> str:
    """``granma-en`` -> ``granma``; ``rhc-es`` -> ``rhc``: the outlet both editions belong to."""
    return _LANG_SUFFIX.sub("", outlet)


def numbers(text: str) -> set[str]:
    """Figures as digits: "156 000" / "156,000" -> "156000"; "2022-2025" -> "2022", "2025"; 1-digit numbers dropped."""
    found = set()
    for whole, _ in _NUMBER.findall(_DATE_NUMBER.sub(" ", text)):  # "30 jul" / "Jul 30": the date, scored apart
        digits = re.sub(r"\D", "", whole)
        if len(digits) >= 2:
            found.add(digits.lstrip("0") or "0")
    return found


def names(text: str) -> set[str]:
    """Capitalised words (folded), with known places mapped across languages.

    A sentence's first word counts only when it is also capitalised mid-sentence somewhere
    ("Cuba rejected ... in Cuba"), so "Specialists said" adds nothing.
    """
    folded_text = " " + re.sub(r"\s+", " ", fold_chars(text).lower()) + " "
    found, parts = set(), set()
    for phrase in _MULTI:
        if f" {phrase} " in folded_text:
            found.add(_SAME[phrase])
            parts.update(phrase.split())
    inner: set[str] = set()
    first: set[str] = set()
    for sentence in re.split(r"(?<=[.!?:;\"“”])\s+|\n+", text):
        for i, word in enumerate(_WORD.findall(sentence)):
            folded = fold_chars(word).lower().strip(".'’")
            if not word[0].isupper() or not folded or folded in _NOT_NAMES or folded in _INSTITUTIONAL or folded in parts:
                continue
            (first if i == 0 else inner).add(folded)
    found |= {_SAME.get(w, w) for w in inner | {w for w in first if w in inner or w in _SAME}}
    return found


def url_ids(url: str) -> set[str]:
    """Ids an outlet may give both editions: numbers of 3+ digits in the path or query, not dates."""
    parts = urlsplit(url)
    path = re.sub(r"\d{4}[-/]\d{2}[-/]\d{2}", " ", parts.path)  # the date is publication time, scored apart
    return {n for n in _URL_ID.findall(path + " " + parts.query) if not re.fullmatch(r"(?:19|20)\d{2}", n)}


def _overlap(a: set[str], b: set[str]) -> float:
    """How much of the smaller set the other holds (translations drop or add a few)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b)) * min(1.0, (len(a & b) + 1) / 4)


def edition_score(a: EditionDoc, b: EditionDoc) -> Match:
    """0..1: how sure we are that ``a`` and ``b`` are two language editions of one story."""
    if a.language == b.language or a.family != b.family:
        return Match(0.0, {})
    hours = abs((a.published - b.published).total_seconds()) / 3600 if a.published and b.published else None
    if hours is not None and hours > WINDOW.total_seconds() / 3600:
        return Match(0.0, {"hours": round(hours, 1)})
    reasons = {
        "numbers": round(_overlap(numbers(f"{a.title}\n{a.body}"), numbers(f"{b.title}\n{b.body}")), 3),
        "names": round(_overlap(names(a.body), names(b.body)), 3),  # titles: English capitalises every word
        "topic": _topic(a.topics, b.topics),
        "url_id": 1.0 if url_ids(a.url) & url_ids(b.url) else 0.0,
        "time": round(1.0 - min(hours, 72.0) / 72.0, 3) if hours is not None else 0.5,
    }
    score = 0.3 * reasons["numbers"] + 0.3 * reasons["names"] + 0.2 * reasons["topic"] + 0.2 * reasons["time"]
    if bool(a.topics) != bool(b.topics):
        score /= 2  # one relevant, the other not: a translation is judged alike, so this is another story
    if reasons["url_id"]:
        score = max(score, 0.9)
    return Match(round(score, 3), reasons)


def _topic(a: frozenset[str], b: frozenset[str]) -> float:
    """Rule families both items were relevant for (the families do not depend on the language)."""
    if not a and not b:
        return 0.5
    return round(len(a & b) / len(a | b), 3)


def best_edition(doc: EditionDoc, candidates: list[EditionDoc]) -> tuple[EditionDoc, Match] | None:
    """The candidate most likely to be ``doc``'s other-language edition, if any reaches THRESHOLD."""
    scored = [(c, edition_score(doc, c)) for c in candidates]
    scored = [(c, m) for c, m in scored if m.score >= THRESHOLD]
    return max(scored, key=lambda pair: pair[1].score, default=None)
