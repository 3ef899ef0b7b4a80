"""Date parsing (monitor/extract/dates.py): every format OUTLETS.md records, EN and ES.

Naive dates are the outlet's zone (America/Havana, DST-aware: in 2021 Cuba kept summer
time UTC-4 from 14 March to 7 November; 2024: 10 March to 3 November). Results are UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from monitor.extract.dates import (
    FUTURE_TOLERANCE,
    is_future,
    parse_date,
    strip_relative,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


CASES = [
    # ISO 8601 (JSON-LD, article:* meta, og:updated_time)
    ("2024-07-24T10:15:00Z", utc(2024, 7, 24, 10, 15), "second"),
    ("2024-07-24T10:15:00+00:00", utc(2024, 7, 24, 10, 15), "second"),
    ("2025-06-25T14:32:10-04:00", utc(2025, 6, 25, 18, 32, 10), "second"),
    ("2024-07-24T10:15:00.123+02:00", utc(2024, 7, 24, 8, 15), "second"),
    ("2021-07-04T15:27:41-0400", utc(2021, 7, 4, 19, 27, 41), "second"),  # cXense publishtime [T]
    ("2024-07-24T10:15", utc(2024, 7, 24, 14, 15), "minute"),  # naive: Havana summer time
    ("2024-07-24", utc(2024, 7, 24, 4, 0), "day"),
    # RHC / teleSUR publish-date machine form, naive Havana time
    ("2020-07-24 16:48:54", utc(2020, 7, 24, 20, 48, 54), "second"),  # summer: UTC-4
    ("2020-12-21 10:32:07", utc(2020, 12, 21, 15, 32, 7), "second"),  # winter: UTC-5
    ("2021-11-06 23:30:00", utc(2021, 11, 7, 3, 30), "second"),  # last evening of DST 2021
    ("2021-11-07 11:45:00", utc(2021, 11, 7, 16, 45), "second"),  # DST ended that night
    ("2024-03-10 03:30:00", utc(2024, 3, 10, 7, 30), "second"),  # first morning of DST 2024
    ("2024-03-09 23:00:00", utc(2024, 3, 10, 4, 0), "second"),  # still standard time
    # RFC 822 (feeds), with numeric and named zones (FIELD_NOTES row 3)
    ("Sat, 04 Jul 2021 14:30:00 GMT", utc(2021, 7, 4, 14, 30), "second"),
    ("Sat, 04 Jul 2021 14:30:00 +0000", utc(2021, 7, 4, 14, 30), "second"),
    ("Sat, 04 Jul 2021 14:30:00 EDT", utc(2021, 7, 4, 18, 30), "second"),
    ("Mon, 06 Dec 2021 09:00:00 EST", utc(2021, 12, 6, 14, 0), "second"),
    ("Mon, 06 Dec 2021 09:00:00 PST", utc(2021, 12, 6, 17, 0), "second"),
    ("Mon, 06 Dec 2021 09:00:00 PDT", utc(2021, 12, 6, 16, 0), "second"),
    ("Mon, 06 Dec 2021 09:00:00 UTC", utc(2021, 12, 6, 9, 0), "second"),
    ("Mon, 06 Dec 2021 09:00 CST", utc(2021, 12, 6, 15, 0), "minute"),  # RFC 822 CST = US Central
    ("Fri, 5 Nov 2021 10:00:00 ", utc(2021, 11, 5, 14, 0), "second"),  # old teleSUR <lastTime>, no zone [T]
    # Visible dates in words, English
    ("Published 4 July 2021", utc(2021, 7, 4, 4, 0), "day"),
    ("Published 4 July 2021 (3 hours 12 minutes ago)", utc(2021, 7, 4, 4, 0), "day"),
    ("Published 4 July 2021 (12 minutes ago)", utc(2021, 7, 4, 4, 0), "day"),
    ("July 24, 2024", utc(2024, 7, 24, 4, 0), "day"),
    ("Jul 24, 2024", utc(2024, 7, 24, 4, 0), "day"),
    ("Sept. 5, 2024", utc(2024, 9, 5, 4, 0), "day"),
    ("December 14, 2024", utc(2024, 12, 14, 5, 0), "day"),
    ("Jun. 20, 2021", utc(2021, 6, 20, 4, 0), "day"),
    ("Monday, March 3, 2025 at 4:05 pm", utc(2025, 3, 3, 21, 5), "minute"),
    ("24th July 2024, 9:30 a.m.", utc(2024, 7, 24, 13, 30), "minute"),
    # Visible dates in words, Spanish
    ("Publicado 4 julio 2021", utc(2021, 7, 4, 4, 0), "day"),
    ("Publicado 27 septiembre 2017 (Hace 2 horas 3 minutos)", utc(2017, 9, 27, 4, 0), "day"),
    ("Publicado 4 julio 2021 (Hace 5 minutos)", utc(2021, 7, 4, 4, 0), "day"),
    ("5 de noviembre de 2019  11:11:00", utc(2019, 11, 5, 16, 11), "second"),  # Granma, two spaces [M]
    ("25 de junio de 2025", utc(2025, 6, 25, 4, 0), "day"),
    ("julio 3, 2025", utc(2025, 7, 3, 4, 0), "day"),
    ("11 feb. 2025", utc(2025, 2, 11, 5, 0), "day"),
    ("7 set. 2021", utc(2021, 9, 7, 4, 0), "day"),
    ("1 de Diciembre de 2020 a las 18:30", utc(2020, 12, 1, 23, 30), "minute"),
    ("domingo, 4 de julio de 2021", utc(2021, 7, 4, 4, 0), "day"),
    ("12 DE SEPTIEMBRE DE 2025", utc(2025, 9, 12, 4, 0), "day"),
    ("3 de ene de 2022", utc(2022, 1, 3, 5, 0), "day"),
]


@pytest.mark.parametrize(("text", "expected", "precision"), CASES, ids=[c[0] for c in CASES])
def test_parse_date(text: str, expected: datetime, precision: str) -> None:
    parsed = parse_date(text, "America/Havana")
    assert parsed is not None
    assert parsed.value == expected
    assert parsed.value.tzinfo == timezone.utc
    assert parsed.precision == precision
    assert parsed.raw == text.strip()


@pytest.mark.parametrize(
    "text",
    ["", "   ", "no date here", "(Hace 5 minutos)", "yesterday", "31 February 2021", "2021-13-45", "Edited by Ana", None],
)
def test_no_date_gives_none(text: str | None) -> None:
    assert parse_date(text) is None


def test_outlet_zone_is_used_for_naive_dates() -> None:
    assert parse_date("2024-07-24 12:00:00", "UTC").value == utc(2024, 7, 24, 12, 0)
    assert parse_date("2024-07-24 12:00:00", "America/Caracas").value == utc(2024, 7, 24, 16, 0)
    # An explicit zone wins over the outlet's.
    assert parse_date("2024-07-24T12:00:00+00:00", "America/Caracas").value == utc(2024, 7, 24, 12, 0)


@pytest.mark.parametrize(
    ("text", "stripped"),
    [
        ("Published 4 July 2021 (3 hours 12 minutes ago)", "Published 4 July 2021"),
        ("Publicado  27 septiembre 2017 (Hace 2 horas 3 minutos)", "Publicado 27 septiembre 2017"),
        ("Publicado 4 julio 2021 (Hace 5 minutos)", "Publicado 4 julio 2021"),
        ("Published 4 July 2021", "Published 4 July 2021"),
        ("July 24, 2024 10:15", "July 24, 2024 10:15"),
    ],
)
def test_strip_relative(text: str, stripped: str) -> None:
    assert strip_relative(text) == stripped


def test_future_dates_are_detected_with_a_small_tolerance() -> None:
    now = utc(2026, 11, 28, 12, 0)
    assert is_future(now + FUTURE_TOLERANCE + timedelta(seconds=1), now)
    assert not is_future(now + FUTURE_TOLERANCE, now)
    assert not is_future(now - timedelta(days=400), now)
    # A day-only date of today is local midnight: never "future".
    assert not is_future(parse_date("November 28, 2026").value, now)
