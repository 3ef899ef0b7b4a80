"""Relevance: is a news item about trafficking in persons or people smuggling?

Rules in the shape of Europe Media Monitor categories: weighted phrase patterns, a threshold,
proximity combinations, and exclusions that cancel one nearby hit rather than the whole item
(RELEVANCE.md explains why). The bundled rules live in ``rules.toml`` next to this module; its
header documents the schema and the pattern mini-syntax::

    [relevance.rules.trata-de-personas]
    family = "trafficking"            # recorded on each hit
    strength = "strong"               # strong / medium / weak, or weight = 2.5
    patterns = ["trata de (persona{s}|mujeres)", "@a-set", "re:a regular expression"]
    not_after = ["se"]                # "se trata de personas" = "these are people"
    exclude = ["@drugs", "ganado"]    # cancels a hit within exclude_window words
    near = ["forced labo{u}r"]        # the hit needs one of these within near_window words
    title_only = false
    suppress_in_title = false
    enabled = true

A user's ``[relevance]`` table merges with the bundled one by name: settings and weights key by
key, sets and rules by id and then key by key (so ``enabled = false`` switches a bundled rule
off, and a new id adds a rule). Every problem is a :class:`~monitor.errors.ConfigError` naming
the file, line and dotted key, raised when the rules are compiled, never a silent non-match.

Text is folded (:func:`fold`) into words separated by single spaces, so windows count words and
every pattern is one compiled alternation per rule, run on title and body separately.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import logging
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, NamedTuple

from .errors import ConfigError
from .folding import fold, fold_words
from .models import Article, Hit, Relevance
from .toml_reader import Reader, Source

logger = logging.getLogger(__name__)

RULES_PATH = Path(__file__).with_name("rules.toml")
FAMILIES = ("trafficking", "smuggling", "forced-labour", "report-and-law", "medical-missions", "slave-trade", "migration")
STRENGTHS = ("strong", "medium", "weak")
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")

# ---------------------------------------------------------------- pattern mini-syntax


class PatternError(ValueError):
    """A pattern that cannot be compiled; ``expected`` is shown in the config error."""

    def __init__(self, expected: str):
        super().__init__(expected)
        self.expected = expected


_SYNTAX = re.compile(r"([(){}\[\]|*])")
_REGEX_ONLY = re.compile(r"[.+?\\^$]")
_CLOSERS = {"(": ")", "[": "]", "{": "}"}


def pattern_branches(pattern: str) -> list[str]:
    """One rule pattern -> regular-expression branches over folded text."""
    return list(_branches(pattern))


@functools.lru_cache(maxsize=4096)
def _branches(pattern: str) -> tuple[str, ...]:
    """pattern_branches, once per pattern: compiling rules asks three times (check, alternation,
    triggers), and every process compiles them at start."""
    if pattern.startswith("re:"):
        branches = [pattern[3:]]
        try:
            re.compile(branches[0])
        except re.error as exc:
            raise PatternError(f"a valid regular expression ({exc})") from None
    else:
        bad = _REGEX_ONLY.search(pattern)
        if bad:
            raise PatternError(f"a phrase pattern ({bad.group()!r} is regular-expression syntax: start with re:)")
        branches = _Parser(pattern).parse()
    # A phrase branch with a required word cannot match empty text; only the others need the
    # (costly: one regex compile each) check.
    literal = not pattern.startswith("re:")
    if any(not (literal and _required_runs(b)) and re.fullmatch(b, "") for b in branches):
        raise PatternError("a pattern that cannot match empty text")
    return tuple(branches)


def _fold_literal(text: str) -> str:
    """Fold a literal piece of a pattern, keeping its edge spaces (they separate words)."""
    return fold_words(text)


class _Parser:
    """Recursive descent over words, {suffix}, word*, (a|b) and [optional]."""

    def __init__(self, pattern: str):
        self.tokens = [t for t in _SYNTAX.split(pattern) if t]
        self.pos = 0

    def parse(self) -> list[str]:
        return self._alternatives(None)

    def _alternatives(self, opener: str | None) -> list[str]:
        closer = _CLOSERS.get(opener or "")
        options = self._sequence()
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            self.pos += 1
            if token == "|":
                options += self._sequence()
            elif token == closer:
                return options
            else:
                raise PatternError(f"a phrase pattern (unbalanced {token!r})")
        if opener is not None:
            raise PatternError(f"a phrase pattern (unbalanced {opener!r})")
        return options

    def _sequence(self) -> list[str]:
        """One alternative as branches. A leading (group) or [group] is spread over branches so
        that each starts with a letter: sre then skips ahead by first letter, several times faster."""
        out, lead, optional = "", None, False
        while self.pos < len(self.tokens) and self.tokens[self.pos] not in ("|", ")", "]", "}"):
            token = self.tokens[self.pos]
            self.pos += 1
            if token in ("(", "[") and lead is None and not out.strip(" "):
                lead, optional, out = self._alternatives(token), token == "[", ""
            elif token in ("{", "*") and lead is not None and not out and not optional:
                suffix = self._alternatives(token) if token == "{" else None  # "(a|b){s}", "(a|b)*"
                lead = [self._group(o, token, suffix) if suffix is not None else o + r"\w*" for o in lead]
            elif token in _CLOSERS:
                out = self._group(out, token, self._alternatives(token))
            elif token == "*":
                if not out or out.endswith(" "):
                    raise PatternError("a phrase pattern ('*' must end a word)")
                out += r"\w*"
            else:
                out += _fold_literal(token)
        branches = [out] if lead is None else [option + out for option in lead] + ([out] if optional else [])
        return [branch.strip(" ") for branch in branches]

    def _group(self, out: str, opener: str, options: list[str]) -> str:
        body = "|".join(options)
        if opener == "(":
            return out + f"(?:{body})"
        if opener == "{":
            if not out or out.endswith(" ") or any(" " in o for o in options):
                raise PatternError("a phrase pattern ({suffix} must follow a word and hold no spaces)")
            return out + f"(?:{body})?"
        # [optional words]: carry one neighbouring space inside, so both readings match
        if out.endswith(" "):
            return out[:-1] + f"(?: (?:{body}))?"
        following = _fold_literal(self.tokens[self.pos]) if self.pos < len(self.tokens) else ""
        if following.startswith(" "):
            self.tokens[self.pos] = following[1:]
            return out + f"(?:(?:{body}) )?"
        return out + f"(?:{body})?"


# ---------------------------------------------------------------- compiled rules


@dataclass(frozen=True, slots=True)
class WordGroup:
    """A compiled word list found near a hit: an exclusion or a proximity partner."""

    name: str
    pattern: re.Pattern[str]
    window: int  # the most words between it and the hit
    patterns: tuple[str, ...] = ()  # as written, for "@set" references


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    id: str
    family: str
    weight: float
    weak: bool
    pattern: re.Pattern[str]
    triggers: tuple[str, ...] = ()  # one of them is in every match; () = always scan
    exclude: tuple[WordGroup, ...] = ()
    not_after: frozenset[str] = frozenset()
    near: WordGroup | None = None
    title_only: bool = False
    suppress_in_title: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Ruleset:
    rules: tuple[Rule, ...]
    threshold: float = 3.0
    title_weight: float = 2.0
    weak_cap: float = 2.0
    repeat_cap: int = 2
    margin: float = 1.5  # "possibly relevant" from threshold - margin up to the threshold
    # Subject or mention: other crimes and goods ("other subjects") around a hit or across the item
    others: tuple[WordGroup, ...] = ()
    list_window: int = 8  # words each side of a hit searched for other subjects
    list_min: int = 2  # this many different other subjects around a hit make it a list entry
    list_factor: float = 0.5  # a list entry's weight is multiplied by this
    subject_min: int = 4  # an item with at least this many other-subject mentions ...
    subject_ratio: float = 2.0  # ... and this many per hit is about them: at most "possibly"
    lede_words: int = 60  # the body's first words: where a subject is announced
    mention_words: int = 250  # a body this long whose hits share one sentence past the lede: a mention
    others_pattern: re.Pattern[str] | None = None  # all other subjects in one alternation, for counting
    languages: tuple[str, ...] = ("en", "es")  # what the rules are written for: outlets must be in one

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(rule.id for rule in self.rules)

    def classify(self, title: str, body: str) -> Relevance:
        return classify(self, title, body)

    def classify_article(self, article: Article) -> Article:
        """The article with its relevance; the title is matched once, as a title."""
        text = article.text_for_matching
        body = text[len(article.title) :] if article.title and text.startswith(article.title) else text
        return dataclasses.replace(article, relevance=classify(self, article.title, body))


def _alternation(patterns: Iterable[str]) -> re.Pattern[str]:
    """One regex for a rule: longer phrases first, whole words only."""
    sources = sorted({b for p in patterns for b in pattern_branches(p)}, key=len, reverse=True)
    # Matched against " " + folded text: the leading space marks a word start and is a literal
    # prefix sre scans for fast, where a look-behind would stop its fast scan.
    return re.compile(" (?:" + "|".join(sources) + ")(?![^ ])")


def _triggers(patterns: Iterable[str]) -> tuple[str, ...]:
    """Text every match of these patterns contains: the longest required word run of each branch.

    Checked with ``in`` before the rule's regex runs: most rules match few items, and a
    substring test is far cheaper than the scan. Empty (always scan) with re: patterns.
    """
    found = set()
    for pattern in patterns:
        if pattern.startswith("re:"):
            return ()
        for branch in pattern_branches(pattern):
            runs = _required_runs(branch)
            if not runs:
                return ()
            found.add(max(runs, key=len))
    triggers = tuple(sorted(t for t in found if not any(o != t and o in t for o in found)))
    return triggers if len(triggers) <= _MAX_TRIGGERS else ()  # many ``in`` tests cost more than one search


_MAX_TRIGGERS = 8


def _required_runs(branch: str) -> list[str]:
    """Literal text outside groups in a branch built by _Parser (it never quantifies a letter)."""
    runs, current, depth, i = [], "", 0, 0
    while i < len(branch):
        char = branch[i]
        if char == "\\":
            i += 1  # an escape such as \w: not literal
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and char not in "?*":
            current += char
            i += 1
            continue
        runs.append(current.strip(" "))
        current = ""
        i += 1
    runs.append(current.strip(" "))
    return [run for run in runs if run]


# ---------------------------------------------------------------- classification


@dataclass(frozen=True, slots=True)
class _Match:
    rule: Rule
    start: int  # word offsets in the folded text, end exclusive
    end: int
    text: str
    in_title: bool
    where: _Text
    span: tuple[int, int]  # character offsets in where.folded


_MARGIN = 8  # words: the longest exclusion or partner phrase that may reach into a window
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")
_SPACE = re.compile(" ")
_SENTENCE_MARK = "qqsentenceqq"  # survives folding as one word, never in real text


class _Found(NamedTuple):
    start: int  # character offsets in the folded text, end exclusive
    end: int
    text: str


class _Text:
    """One folded text (title or body): words separated by single spaces."""

    def __init__(self, raw: str):
        self.raw = raw
        self.folded = fold(raw)
        self.spaced = " " + self.folded
        self.words = self.folded.count(" ") + 1 if self.folded else 0
        self._sentence_starts: list[int] | None = None
        self._word_starts: list[int] | None = None

    @property
    def sentence_starts(self) -> list[int]:
        """Word offset of each sentence's first word (computed when a demotion needs it)."""
        if self._sentence_starts is None:
            marked = fold(_SENTENCE_END.sub(f" {_SENTENCE_MARK} ", self.raw))
            starts, words = [], 0
            for piece in marked.split(_SENTENCE_MARK):
                if piece := piece.strip(" "):
                    starts.append(words)
                    words += piece.count(" ") + 1
            self._sentence_starts = starts
        return self._sentence_starts

    def sentence_of(self, word: int) -> int:
        return bisect.bisect_right(self.sentence_starts, word) - 1

    def matches(self, pattern: re.Pattern[str], pos: int = 0, endpos: int | None = None) -> Iterator[_Found]:
        """Whole-word matches of a compiled rule pattern, as character offsets into ``folded``.

        The patterns start with a space, so they run on " " + folded, where the space at index i
        precedes the folded character at index i: offsets need no shifting but for the end."""
        spaced = self.spaced
        endpos = len(self.folded) if endpos is None else endpos
        while (match := pattern.search(spaced, pos, endpos + 1)) is not None:
            yield _Found(match.start(), match.end() - 1, match.group()[1:])
            pos = match.end()

    @property
    def word_starts(self) -> list[int]:
        """Character offset of every word's first character (computed once, when a window needs it)."""
        if self._word_starts is None:
            self._word_starts = [0] + [m.end() for m in _SPACE.finditer(self.folded)] if self.folded else [0]
        return self._word_starts

    def span(self, found: _Found) -> tuple[int, int]:
        """Word offsets [start, end) of a match."""
        start = bisect.bisect_right(self.word_starts, found.start) - 1
        return start, start + found.text.count(" ") + 1

    def word_before(self, char: int) -> str:
        if char == 0:
            return ""
        return self.folded[self.folded.rfind(" ", 0, char - 1) + 1 : char - 1]

    def close(
        self, group: WordGroup, hit: tuple[int, int], start: int, end: int, window: int | None = None, *, overlap: bool = True
    ) -> bool:
        """Whether the group occurs within ``window`` words (the group's own by default) of a hit at
        chars ``hit``, words [start, end); with ``overlap=False`` a match overlapping the hit does not
        count ("trafico de armas" is not near itself). Only the words around the hit are searched."""
        window = group.window if window is None else window
        reach = window + _MARGIN
        for other in self.matches(group.pattern, self._back(hit[0], reach), self._forward(hit[1], reach)):
            other_start, other_end = self.span(other)
            if not overlap and other_start < end and start < other_end:
                continue
            if other_start - end <= window and start - other_end <= window:
                return True
        return False

    def _back(self, char: int, words: int) -> int:
        """Where the word ``words`` words before the one starting at ``char`` starts."""
        starts = self.word_starts
        return starts[max(bisect.bisect_right(starts, char) - 1 - words, 0)]

    def _forward(self, char: int, words: int) -> int:
        """Where the word ``words`` words after the one ending at ``char`` ends."""
        starts = self.word_starts
        after = bisect.bisect_right(starts, max(char - 1, 0)) + words  # the word after that one
        return starts[after] - 1 if after < len(starts) else len(self.folded)


def _scan(ruleset: Ruleset, text: _Text, in_title: bool) -> list[_Match]:
    found = []
    for rule in ruleset.rules:
        if (rule.title_only and not in_title) or (rule.triggers and not any(t in text.folded for t in rule.triggers)):
            continue
        for match in text.matches(rule.pattern):
            if rule.not_after and text.word_before(match.start) in rule.not_after:
                continue
            start, end = text.span(match)
            chars = (match.start, match.end)
            if any(text.close(group, chars, start, end) for group in rule.exclude):
                continue
            if rule.near is not None and not text.close(rule.near, chars, start, end):
                continue
            found.append(_Match(rule, start, end, match.text, in_title, text, chars))
    return _unshadowed(found)


def _unshadowed(matches: list[_Match]) -> list[_Match]:
    """Drop hits inside a longer (or equally long, heavier) hit: "human trafficking" is not also "trafficking"."""
    kept: list[_Match] = []
    for match in sorted(matches, key=lambda m: (m.start - m.end, -m.rule.weight)):
        if not any(k.start <= match.start and match.end <= k.end for k in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)


@dataclass(slots=True)
class _Counted:
    match: _Match
    weight: float
    listed: bool = False


def _judge(ruleset: Ruleset, matches: list[_Match], body: _Text, title: _Text) -> Relevance:
    counted = _count(ruleset, matches)
    reasons: list[str] = []
    for item in counted:
        if not item.match.rule.weak and item.weight > 0 and _in_a_list(ruleset, item.match):
            item.weight *= ruleset.list_factor
            item.listed = True
            reasons.append(f"\u201c{item.match.text}\u201d is one entry in a list of other crimes")
    hits = tuple(
        Hit(rule=c.match.rule.id, family=c.match.rule.family, text=c.match.text, weight=round(c.weight, 6), in_title=c.match.in_title)
        for c in counted
    )
    score = float(round(sum(c.weight for c in counted), 6))
    if any(c.match.in_title and c.match.rule.suppress_in_title for c in counted):
        return Relevance(relevant=False, score=score, hits=hits, band="not", reasons=("the title is about the historical slave trade",))
    demoted = _demotion(ruleset, counted, body, title) if score >= ruleset.threshold else None
    if demoted is not None:
        return Relevance(relevant=False, score=score, hits=hits, band="possibly", reasons=(*reasons, demoted))
    if score >= ruleset.threshold:
        return Relevance(relevant=True, score=score, hits=hits, band="relevant", reasons=tuple(reasons))
    if counted and score >= ruleset.threshold - ruleset.margin:
        if all(c.match.rule.weak or c.listed for c in counted if c.weight > 0):
            # weak words in a drug or cigarette story: not even "possibly"
            if _other_mentions(ruleset, title, counted) + _other_mentions(ruleset, body, counted) >= len(counted):
                return Relevance(relevant=False, score=score, hits=hits, band="not", reasons=tuple(reasons))
            reasons.append("only weak words" if not any(c.listed for c in counted) else "only mentions in lists of crimes")
        else:
            reasons.append(f"score {score:g} is below the threshold {ruleset.threshold:g}")
        return Relevance(relevant=False, score=score, hits=hits, band="possibly", reasons=tuple(reasons))
    return Relevance(relevant=False, score=score, hits=hits, band="not", reasons=tuple(reasons))


def _count(ruleset: Ruleset, matches: list[_Match]) -> list[_Counted]:
    """Title weight, the per-rule repeat cap and the weak cap, in text order (title first)."""
    per_rule: dict[str, int] = {}
    weak_left = ruleset.weak_cap
    counted = []
    for match in matches:
        rule = match.rule
        if per_rule.get(rule.id, 0) >= ruleset.repeat_cap:
            continue
        per_rule[rule.id] = per_rule.get(rule.id, 0) + 1
        weight = rule.weight * (ruleset.title_weight if match.in_title else 1.0)
        if rule.weak:
            weight = min(weight, weak_left)
            weak_left -= weight
        counted.append(_Counted(match, weight))
    return counted


def _in_a_list(ruleset: Ruleset, match: _Match) -> bool:
    """Whether other crimes of at least ``list_min`` different kinds sit around the hit:
    "terrorism, kidnapping, money laundering and trafficking in persons"."""
    kinds = 0
    for group in ruleset.others:
        if match.where.close(group, match.span, match.start, match.end, ruleset.list_window, overlap=False):
            kinds += 1
            if kinds >= ruleset.list_min:
                return True
    return False


def _demotion(ruleset: Ruleset, counted: list[_Counted], body: _Text, title: _Text) -> str | None:
    """Why an item that reached the threshold is only "possibly" relevant, or None.

    A title hit announces the subject, so it is never demoted. Otherwise: an item that names
    other crimes or goods far more often than it names trafficking is about them; and in a long
    article, evidence that sits in one sentence past the lede is a passing mention."""
    evidence = [c for c in counted if c.weight > 0 and not c.match.rule.weak]
    if not evidence or any(c.match.in_title for c in evidence):
        return None
    others = _other_mentions(ruleset, title, counted) + _other_mentions(ruleset, body, counted)
    if others >= ruleset.subject_min and others >= ruleset.subject_ratio * len(evidence):
        return f"mostly about other crimes or goods ({others} mentions against {len(evidence)} hits)"
    sentences = {body.sentence_of(c.match.start) for c in evidence}
    if body.words >= ruleset.mention_words and len(sentences) == 1:
        only = next(iter(sentences))
        if body.sentence_starts[only] >= ruleset.lede_words:
            return f"one passing mention, in sentence {only + 1} of a {body.words}-word article"
    return None


def _other_mentions(ruleset: Ruleset, text: _Text, counted: list[_Counted]) -> int:
    """Mentions of other subjects, not counting those inside a hit ("contrabando de migrantes")."""
    if ruleset.others_pattern is None:
        return 0
    spans = [c.match.span for c in counted if c.match.where is text]
    return sum(
        1 for m in text.matches(ruleset.others_pattern) if not any(m.start < end and start < m.end for start, end in spans)
    )


def classify(ruleset: Ruleset, title: str, body: str) -> Relevance:
    """Score one item and put it in a band; title hits weigh ``ruleset.title_weight`` times more."""
    title_text, body_text = _Text(title), _Text(body)
    matches = _scan(ruleset, title_text, True) + _scan(ruleset, body_text, False)
    return _judge(ruleset, matches, body_text, title_text)


def to_json(relevance: Relevance) -> dict[str, Any]:
    """``{"relevant": true, "band": "relevant", "score": 3.0, "hits": [...], "reasons": [...]}``"""
    hits = [{"rule": h.rule, "text": h.text, "family": h.family, "weight": h.weight} for h in relevance.hits]
    return {"relevant": relevance.relevant, "band": relevance.band, "score": relevance.score, "hits": hits, "reasons": list(relevance.reasons)}


# ---------------------------------------------------------------- loading and merging


def compile_rules(table: Mapping[str, Any] | None = None, *, source: Source | None = None) -> Ruleset:
    """The bundled rules merged with a user's raw ``[relevance]`` table, compiled.

    Raises ConfigError naming the key (``relevance.rules.ID.patterns``) for any bad value.
    """
    text = RULES_PATH.read_text(encoding="utf-8")
    bundled = tomllib.loads(text).get("relevance", {})
    user = dict(table or {})
    sources = _Sources(
        user=source or Source(Path("config.toml"), ""),
        bundled=Source(RULES_PATH, text),
        user_keys=_dotted_keys(user, "relevance"),
        bundled_keys=_dotted_keys(bundled, "relevance"),
    )
    ruleset = _read_ruleset(Reader(_merge(bundled, user), "relevance", sources))
    logger.debug("compiled %d relevance rules", len(ruleset.rules))
    return ruleset


class _Sources:
    """Errors name the file a key came from: the user's config, or the bundled rules.toml."""

    def __init__(self, *, user: Source, bundled: Source, user_keys: set[str], bundled_keys: set[str]):
        self.user, self.bundled = user, bundled
        self.user_keys, self.bundled_keys = user_keys, bundled_keys

    def error(self, dotted: str, expected: str, got: Any = None, *, show_got: bool = True, unknown: bool = False) -> ConfigError:
        return self._owner(dotted).error(dotted, expected, got, show_got=show_got, unknown=unknown)

    def _owner(self, dotted: str) -> Source:
        parts = dotted.split(".")
        for size in range(len(parts), 0, -1):
            key = ".".join(parts[:size])
            if key in self.user_keys:
                return self.user
            if key in self.bundled_keys:
                return self.bundled
        return self.user


def _dotted_keys(table: Mapping[str, Any], prefix: str) -> set[str]:
    keys = {prefix}
    for name, value in table.items():
        keys |= _dotted_keys(value, f"{prefix}.{name}") if isinstance(value, dict) else {f"{prefix}.{name}"}
    return keys


def _merge(bundled: Mapping[str, Any], user: Mapping[str, Any]) -> dict[str, Any]:
    """Settings and weights key by key; sets and rules by id, then key by key."""
    merged = {**bundled, **user}
    for name in ("weights", "sets", "rules"):
        base, extra = bundled.get(name, {}), user.get(name)
        if not isinstance(extra, dict):
            continue  # absent, or a wrong type the reader reports
        combined = dict(base)
        for key, value in extra.items():
            both = isinstance(value, dict) and isinstance(base.get(key), dict)
            combined[key] = {**base[key], **value} if both else value
        merged[name] = combined
    return merged


def _read_ruleset(root: Reader) -> Ruleset:
    weights = _read_weights(root.table("weights"))
    sets = _read_sets(root.table("sets"))
    rules_table = root.table("rules", required=True)
    assert rules_table is not None
    rules = [_read_rule(rules_table, rule_id, weights, sets) for rule_id in rules_table.data]
    ruleset = Ruleset(
        rules=tuple(rule for rule in rules if rule is not None),
        threshold=root.number("threshold", 3.0, minimum=0.1),
        title_weight=root.number("title_weight", 2.0),
        weak_cap=root.number("weak_cap", 2.0),
        repeat_cap=root.whole("repeat_cap", 2, minimum=1),
        margin=root.number("margin", 1.5),
        others=tuple(_set(root, "other_subjects", item, sets) for item in _set_references(root, "other_subjects")),
        list_window=root.whole("list_window", 8, minimum=1),
        list_min=root.whole("list_min", 2, minimum=1),
        list_factor=root.number("list_factor", 0.5),
        subject_min=root.whole("subject_min", 4, minimum=1),
        subject_ratio=root.number("subject_ratio", 2.0),
        lede_words=root.whole("lede_words", 60),
        mention_words=root.whole("mention_words", 250, minimum=1),
        languages=root.str_list("languages") or ("en", "es"),
    )
    if ruleset.others:
        others = _alternation(p for group in ruleset.others for p in group.patterns)
        ruleset = dataclasses.replace(ruleset, others_pattern=others)
    root.check_unknown()
    return ruleset


def _set_references(table: Reader, name: str) -> tuple[str, ...]:
    items = table.str_list(name)
    for item in items:
        if not item.startswith("@"):
            raise table.fail(name, "references to sets (\"@drugs\")", item)
    return items


def _read_weights(table: Reader | None) -> dict[str, float]:
    defaults = {"strong": 3.0, "medium": 2.0, "weak": 1.0}
    if table is None:
        return defaults
    weights = {name: table.number(name, default) for name, default in defaults.items()}
    table.check_unknown()
    return weights


def _read_sets(table: Reader | None) -> dict[str, WordGroup]:
    sets: dict[str, WordGroup] = {}
    if table is None:
        return sets
    for name in table.data:
        entry = table.table(name)
        assert entry is not None
        patterns = _required_list(entry, "patterns")
        for pattern in patterns:
            if pattern.startswith("@"):
                raise entry.fail("patterns", "patterns, not references to other sets", pattern)
        sets[name] = WordGroup(f"@{name}", _compile(entry, "patterns", patterns), entry.whole("window", 3), patterns)
        entry.check_unknown()
    return sets


def _read_rule(rules: Reader, rule_id: str, weights: dict[str, float], sets: dict[str, WordGroup]) -> Rule | None:
    table = rules.table(rule_id)
    assert table is not None
    if not _RULE_ID.match(rule_id):
        raise rules.fail(rule_id, "a rule id of lower-case letters, digits and '-'", rule_id, show_got=False)
    family = _choice(table, "family", FAMILIES, required=True)
    strength = _choice(table, "strength", STRENGTHS)
    patterns = _expand(table, "patterns", _required_list(table, "patterns"), sets)
    rule = Rule(
        id=rule_id,
        family=family,
        weight=_weight(table, strength, weights),
        weak=strength == "weak",
        pattern=_compile(table, "patterns", patterns),
        triggers=_triggers(patterns),
        exclude=_exclusions(table, rule_id, sets),
        not_after=_single_words(table, "not_after"),
        near=_near(table, rule_id, sets),
        title_only=table.flag("title_only", False),
        suppress_in_title=table.flag("suppress_in_title", False),
    )
    enabled = table.flag("enabled", True)
    table.check_unknown()
    return rule if enabled else None


def _choice(table: Reader, name: str, allowed: tuple[str, ...], *, required: bool = False) -> Any:
    value = table.text(name, None, required=required)
    if value is not None and value not in allowed:
        raise table.fail(name, "one of " + ", ".join(allowed), value)
    return value


def _weight(table: Reader, strength: str | None, weights: dict[str, float]) -> float:
    if table.has("weight"):
        return table.number("weight", 0.0)
    if strength is None:
        raise table.fail("strength", "a strength (" + ", ".join(STRENGTHS) + ") or a weight", show_got=False)
    return weights[strength]


def _required_list(table: Reader, name: str) -> tuple[str, ...]:
    if not table.has(name):
        raise table.fail(name, "a value (this key is required)", show_got=False)
    values = table.str_list(name)
    if not values:
        raise table.fail(name, "at least one pattern", [])
    return values


def _expand(table: Reader, name: str, items: Iterable[str], sets: dict[str, WordGroup]) -> list[str]:
    """Replace "@set" references by the set's patterns."""
    out: list[str] = []
    for item in items:
        if item.startswith("@"):
            out.extend(_set(table, name, item, sets).patterns)
        else:
            out.append(item)
    return out


def _set(table: Reader, name: str, item: str, sets: dict[str, WordGroup]) -> WordGroup:
    if item[1:] not in sets:
        raise table.fail(name, "a known set (" + ", ".join(f"@{s}" for s in sets) + ")", item)
    return sets[item[1:]]


def _compile(table: Reader, name: str, patterns: Iterable[str]) -> re.Pattern[str]:
    patterns = list(patterns)
    for pattern in patterns:
        try:
            pattern_branches(pattern)
        except PatternError as exc:
            raise table.fail(name, exc.expected, pattern) from None
    return _alternation(patterns)


def _exclusions(table: Reader, rule_id: str, sets: dict[str, WordGroup]) -> tuple[WordGroup, ...]:
    items = table.str_list("exclude")
    window = table.whole("exclude_window", 3)
    groups = [_set(table, "exclude", item, sets) for item in items if item.startswith("@")]
    if table.has("exclude_window"):  # the rule's own window wins over the sets' (same matches, by name)
        groups = [dataclasses.replace(group, window=window) for group in groups]
    inline = [item for item in items if not item.startswith("@")]
    if inline:
        groups.append(WordGroup(f"{rule_id}:exclude", _compile(table, "exclude", inline), window))
    return tuple(groups)


def _near(table: Reader, rule_id: str, sets: dict[str, WordGroup]) -> WordGroup | None:
    window = table.whole("near_window", 10)
    if not table.has("near"):
        return None
    items = _required_list(table, "near")
    return WordGroup(f"{rule_id}:near", _compile(table, "near", _expand(table, "near", items, sets)), window)


def _single_words(table: Reader, name: str) -> frozenset[str]:
    words = set()
    for word in table.str_list(name):
        folded = fold(word)
        if not folded or " " in folded:
            raise table.fail(name, "single words", word)
        words.add(folded)
    return frozenset(words)
