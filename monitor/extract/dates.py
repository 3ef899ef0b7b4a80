"""Dates as the outlets print them -> UTC-aware datetimes, the raw string kept.

Handled (OUTLETS.md sections 0, 1b, 2, 3, 4, 9):

* ISO 8601 with ``Z`` or an offset (``+00:00``, ``-0400``), or none;
* RHC's and teleSUR ``publish-date``'s machine form ``YYYY-MM-DD HH:MM:SS`` [P]/[T];
* RFC 822 with numeric or named zones (``GMT``, ``EST``, ``PDT`` ...) and the
  zone-less teleSUR RSS ``lastTime`` [T];
* English and Spanish month names, full or abbreviated (``Sept.``, ``set``):
  "Published 4 July 2021" [T], "Publicado 4 julio 2021" [T], "July 24, 2024" [S],
  Granma's "5 de noviembre de 2019  11:11:00" (two spaces) [M].

Relative suffixes ("(3 hours 12 minutes ago)", "(Hace 5 minutos)") are stripped
first [T]. A date without a zone is local time in the outlet's zone (America/Havana
for the Cuban outlets, DST-aware through zoneinfo). A string without a date gives
None: deciding what a missing date means is the caller's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

from monitor.folding import fold_chars

Precision = Literal["day", "minute", "second"]

# A date later than "now" by more than this is impossible (clock skew allowance).
FUTURE_TOLERANCE = timedelta(minutes=10)

MONTHS: dict[str, int] = {
    # English
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9, "october": 10,
    "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    # Spanish (accent-folded)
    "enero": 1, "ene": 1, "febrero": 2, "marzo": 3, "abril": 4, "abr": 4, "mayo": 5,
    "junio": 6, "julio": 7, "agosto": 8, "ago": 8, "septiembre": 9, "setiembre": 9,
    "set": 9, "octubre": 10, "noviembre": 11, "diciembre": 12, "dic": 12,
}

# RFC 822 zone names plus the common extras; "CST" keeps its RFC meaning (US Central).
ZONES: dict[str, int] = {
    "z": 0, "ut": 0, "utc": 0, "gmt": 0, "wet": 0,
    "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7,
    "ast": -4, "vet": -4, "cet": 1, "cest": 2, "bst": 1,
}

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_ZONE = r"(?P<zone>[+-]\d{2}:?\d{2}|(?:" + "|".join(ZONES) + r")\b)"
_TIME = (
    r"(?:(?:\s*(?:,|a\s+las|at|-|\|)?\s*)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?:\s*(?P<ampm>[ap])\.?\s?m\b\.?)?(?:\s*" + _ZONE + r")?)?"
)
_YEAR = r"(?P<year>\d{4})"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th|º|°)?"

_ISO = re.compile(
    r"(?P<year>\d{4})-(?P<mon>\d{2})-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<zone>Z|[+-]\d{2}(?::?\d{2})?|(?:UTC|GMT)\b)?)?",
    re.IGNORECASE,
)
_DAY_MONTH_YEAR = re.compile(_DAY + r"\s+(?:de\s+)?" + _MONTH + r",?\s+(?:de\s+|del\s+)?" + _YEAR + r"\b" + _TIME)
_MONTH_DAY_YEAR = re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + r"\b" + _TIME)

_RELATIVE = re.compile(
    r"\(?\s*(?:hace\s+)?(?:\d+\s*(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?|mins?|hrs?|"
    r"años?|mes(?:es)?|semanas?|d[ií]as?|horas?|minutos?|segundos?)\b\s*(?:y\s+|and\s+|,\s*)?)+"
    r"(?:ago)?\s*\)?",
    re.IGNORECASE,
)

# What every match of _RELATIVE starts with: a number, then a unit's first letter.
_MAYBE_RELATIVE = re.compile(r"\d\s*[ymwdhsa]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A parsed date: UTC value, the string as printed, and how precise it was."""

    value: datetime
    raw: str
    precision: Precision


def strip_relative(text: str) -> str:
    """``"Published 4 July 2021 (3 hours 12 minutes ago)"`` -> ``"Published 4 July 2021"``."""
    if _MAYBE_RELATIVE.search(text):  # most dates (ISO, RFC 822) have no number followed by a unit
        text = _RELATIVE.sub(" ", text)
    return " ".join(text.split())


def parse_date(text: str | None, tz: str | tzinfo = "America/Havana") -> ParsedDate | None:
    """The first date found in ``text``, as UTC; None when ``text`` holds no date."""
    if not text or not text.strip():
        return None
    local = ZoneInfo(tz) if isinstance(tz, str) else tz
    cleaned = strip_relative(_fold(text))
    for parse in (_parse_iso, _parse_rfc822, _parse_words):
        found = parse(cleaned, local)
        if found is not None:
            value, precision = found
            return ParsedDate(value=value.astimezone(timezone.utc), raw=text.strip(), precision=precision)
    return None


def is_future(value: datetime, now: datetime) -> bool:
    """True when ``value`` lies after ``now`` by more than the clock-skew tolerance."""
    return value > now + FUTURE_TOLERANCE


def _fold(text: str) -> str:
    """Lower-case, accents off, no-break spaces to spaces (``Septiembre`` -> ``septiembre``)."""
    if text.isascii():
        return text.lower()  # what fold_chars gives for ASCII, without its Unicode passes
    return fold_chars(text)  # NFKD also turns no-break spaces into spaces


def _parse_iso(text: str, local: tzinfo) -> tuple[datetime, Precision] | None:
    match = _ISO.search(text)
    if not match or not _valid_day(match, int(match["mon"])):
        return None
    return _build(match, int(match["mon"]), local)


_RFC822 = re.compile(
    r"\b(?:[a-z]{3},\s*)?" + _DAY + r"\s+" + _MONTH + r"\s+" + _YEAR
    + r"\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?(?P<ampm>)(?:\s*" + _ZONE + r")?"
)


def _parse_rfc822(text: str, local: tzinfo) -> tuple[datetime, Precision] | None:
    match = _RFC822.search(text)
    if not match or not _valid_day(match, MONTHS[match["month"]]):
        return None
    return _build(match, MONTHS[match["month"]], local)


def _parse_words(text: str, local: tzinfo) -> tuple[datetime, Precision] | None:
    candidates = [m for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR) for m in pattern.finditer(text)]
    for match in sorted(candidates, key=lambda m: m.start()):
        month = MONTHS[match["month"]]
        if _valid_day(match, month):
            return _build(match, month, local)
    return None


def _valid_day(match: re.Match[str], month: int) -> bool:
    try:
        datetime(int(match["year"]), month, int(match["day"]))
    except ValueError:
        return False
    return True


def _build(match: re.Match[str], month: int, local: tzinfo) -> tuple[datetime, Precision] | None:
    day = datetime(int(match["year"]), month, int(match["day"]))
    if match["hour"] is None:
        return day.replace(tzinfo=local), "day"
    hour, minute = int(match["hour"]), int(match["minute"])
    ampm = match.groupdict().get("ampm")
    if ampm:
        hour = hour % 12 + (12 if ampm == "p" else 0)
    second = match["second"]
    if hour > 23 or minute > 59 or (second and int(second) > 59):
        return day.replace(tzinfo=local), "day"
    when = day.replace(hour=hour, minute=minute, second=int(second or 0))
    precision: Precision = "second" if second else "minute"
    return when.replace(tzinfo=_zone(match["zone"], local)), precision


def _zone(token: str | None, local: tzinfo) -> tzinfo:
    if not token:
        return local
    token = token.lower()
    if token in ZONES:
        return timezone(timedelta(hours=ZONES[token]))
    sign = -1 if token[0] == "-" else 1
    digits = token[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
