"""The development corpus (tests/data/relevance_corpus.jsonl, docs/relevance.md) as a regression test.

222 real English and Spanish news excerpts, labelled by hand. The floors sit just below what the
bundled rules reach; a failure names every item whose decision moved away from its label, so a
rule change that helps one class and hurts another says which items it traded.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.classify import Ruleset, compile_rules

CORPUS = Path(__file__).with_name("data") / "relevance_corpus.jsonl"
ITEMS = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]

# Labelled relevant, judged otherwise by the current rules: en-184 (a job ad, then "sold to a
# criminal gang" in a scam compound) lands in "possibly".
KNOWN_MISSES = {"en-184"}
KNOWN_FALSE_ALARMS: set[str] = set()

# (precision, recall) floors of the relevant band, and recall with "possibly" counted as shown
FLOORS = {"all": (0.98, 0.98, 0.99), "en": (0.97, 0.97, 0.99), "es": (0.98, 0.98, 0.99)}


@pytest.fixture(scope="module")
def decisions() -> dict[str, str]:
    rules: Ruleset = compile_rules({})
    return {item["id"]: rules.classify(item["title"], item["body"]).band for item in ITEMS}


def test_corpus_is_what_the_guide_says() -> None:
    assert len(ITEMS) >= 200
    assert len({item["id"] for item in ITEMS}) == len(ITEMS)
    spanish = sum(item["lang"] == "es" for item in ITEMS) / len(ITEMS)
    relevant = sum(item["relevant"] for item in ITEMS) / len(ITEMS)
    assert 0.45 <= spanish <= 0.55 and 0.40 <= relevant <= 0.50
    assert all(item["url"].startswith("http") and item["body"] for item in ITEMS)
    assert {item["split"] for item in ITEMS} == {"dev", "heldout"}


def test_no_item_flipped(decisions: dict[str, str]) -> None:
    wrong = {item["id"] for item in ITEMS if (decisions[item["id"]] == "relevant") != item["relevant"]}
    known = KNOWN_MISSES | KNOWN_FALSE_ALARMS
    flipped = [
        f"{item['id']} ({item['trap']}, labelled {'relevant' if item['relevant'] else 'not'}, now {decisions[item['id']]}): "
        f"{(item['title'] or item['body'])[:70]}"
        for item in ITEMS
        if item["id"] in wrong - known
    ]
    assert not flipped, "items that flipped:\n" + "\n".join(flipped)
    assert not known - wrong, f"now right: take them out of KNOWN_MISSES / KNOWN_FALSE_ALARMS: {sorted(known - wrong)}"


@pytest.mark.parametrize("group", sorted(FLOORS))
def test_precision_and_recall_floors(decisions: dict[str, str], group: str) -> None:
    items = [item for item in ITEMS if group in ("all", item["lang"])]
    tp = sum(item["relevant"] and decisions[item["id"]] == "relevant" for item in items)
    fp = sum(not item["relevant"] and decisions[item["id"]] == "relevant" for item in items)
    positives = sum(item["relevant"] for item in items)
    shown = sum(item["relevant"] and decisions[item["id"]] != "not" for item in items)
    got = (tp / (tp + fp), tp / positives, shown / positives)
    floors = FLOORS[group]
    assert all(value >= floor for value, floor in zip(got, floors)), (
        f"{group}: precision {got[0]:.3f}, recall {got[1]:.3f}, recall with possibly shown {got[2]:.3f}; floors {floors}"
    )
