"""Case and accent folding, one implementation for every stage that compares text.

``fold_chars("Tráfico İLEGAL")`` -> ``"trafico ilegal"``: case folded, accents and other
non-spacing marks removed after NFKD (which also unifies ligatures and full-width forms);
punctuation and spacing are left as they are, for callers that need them.
``fold("Anti-Tráfico")`` -> ``"anti trafico"``: the same, as words separated by single
spaces (what relevance rules match); ``fold_with_map`` also says where each folded
character came from (digest excerpts).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache


def _mark_class(low: int, high: int) -> str:
    """A character class of the non-spacing marks (accents after NFKD) in [low, high)."""
    runs: list[list[int]] = []
    for code in range(low, high):
        if unicodedata.category(chr(code)) != "Mn":
            continue
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "[" + "".join(re.escape(chr(a)) + "-" + re.escape(chr(b)) for a, b in runs) + "]+"


# Two classes: sre matches a class of BMP characters from a bitmap (fast); astral marks are
# rare, and only looked for when the text has astral characters -- and only built then: the
# million code points past the BMP take 70 ms to classify, paid by every process at start.
_MARKS = re.compile(_mark_class(0, 0x10000))
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@cache
def _astral_marks() -> re.Pattern[str]:
    return re.compile(_mark_class(0x10000, sys.maxunicode + 1))


def fold_chars(text: str) -> str:
    """Case-folded, accent-free text; everything else kept in place."""
    # casefold first: "İ".casefold() leaves a combining dot that NFKD + mark removal then drops
    text = text.casefold()
    if text.isascii():
        return text
    # casefold again after NFKD: compatibility forms decompose to capitals ("𝐓𝐫𝐚𝐭𝐚" -> "Trata")
    text = _MARKS.sub("", unicodedata.normalize("NFKD", text).casefold())
    return _astral_marks().sub("", text) if _ASTRAL.search(text) else text


_NON_WORD = re.compile(r"[\W_]+")
# ASCII letters and digits kept, every other ASCII byte a space (the bytes.translate table).
_ASCII_SPACED = bytes(c if chr(c).isalnum() else 0x20 for c in range(128)) + bytes(range(128, 256))


def spaced_words(text: str) -> str:
    """Letters and digits only, words separated by single spaces ("a_b, c" -> "a b c").

    Folded text is nearly always ASCII, and a byte table then does in C what the regex
    does per run (5x faster on an article body); other text takes the regex.
    """
    if text.isascii():
        return " ".join(text.encode("ascii").translate(_ASCII_SPACED).decode("ascii").split())
    return _NON_WORD.sub(" ", text).strip()


def fold(text: str) -> str:
    """Accent-free, case-folded words separated by single spaces ("Anti-Tráfico" -> "anti trafico")."""
    return spaced_words(fold_chars(text))


def fold_words(text: str) -> str:
    """``fold`` without the strip: leading and trailing spaces say a word boundary is there."""
    return _NON_WORD.sub(" ", fold_chars(text))


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """``fold`` character by character, remembering where each folded character came from."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if unicodedata.category(char) == "Mn":
            continue  # a combining accent: part of the letter before it
        piece = fold(char) or " "
        for folded_char in piece:
            if folded_char == " " and (not out or out[-1] == " "):
                continue
            out.append(folded_char)
            origin.append(index)
    return "".join(out), origin
