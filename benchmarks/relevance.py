"""Relevance classification speed, beside a naive baseline. Printed, never asserted.

    python benchmarks/relevance.py [--docs 100000] [--seed 7]

Documents are synthetic English and Spanish news items of about 400 words: filler words with
one to three of the labelled sentences of tests/test_classify.py mixed in, and a headline.
A pool of distinct documents (at most 5,000, to keep memory small) is classified round-robin
until --docs items are done; nothing is cached between items, so repeats cost the same.
Speeds are documents per CPU second of this process, single-threaded.

The baseline ("naive substring") lower-cases the text and looks for a fixed list of strong
phrases with ``in``: no folding, no word boundaries, no exclusions. It is the floor a rule
engine is paid for; its precision and recall on the labelled sentences are printed too.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.classify import compile_rules  # noqa: E402

FILLER = {
    "en": (
        "the of and to in a is that for it as was with on by he at from his an were are which this be "
        "government minister said on tuesday officials country region people new report year national "
        "international cooperation policy meeting president talks economic health program island "
        "according statement week city police authorities announced support development agreement"
    ).split(),
    "es": (
        "el la de que y en los se del las un por con no una su para es al lo como más pero sus le ya o "
        "gobierno ministro dijo este martes funcionarios país región personas nuevo informe año nacional "
        "internacional cooperación política reunión presidente conversaciones económica salud programa "
        "isla según declaración semana ciudad policía autoridades anunció apoyo desarrollo acuerdo ¿qué? «dijo»"
    ).split(),
}

# What someone would write first: strong phrases, searched as plain substrings.
NAIVE_PHRASES = (
    "human trafficking", "trafficking in persons", "people trafficking", "sex trafficking",
    "human smuggling", "people smuggling", "migrant smuggling", "smuggling of migrants",
    "anti-trafficking", "victims of trafficking", "trafficking victims", "forced labour",
    "forced labor", "palermo protocol", "trata de personas", "tráfico de personas",
    "trafico de personas", "tráfico humano", "tráfico de migrantes", "tráfico ilícito de migrantes",
    "traficantes de migrantes", "tratantes", "víctimas de trata", "trabajo forzoso",
    "explotación laboral", "explotación sexual", "protocolo de palermo",
)


def naive(title: str, body: str) -> bool:
    text = f"{title}\n{body}".lower()
    return any(phrase in text for phrase in NAIVE_PHRASES)


def load_cases() -> list:
    spec = importlib.util.spec_from_file_location("labelled_cases", ROOT / "tests" / "test_classify.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return list(module.CASES)


def make_doc(rng: random.Random, lang: str, sentences: Sequence) -> tuple[str, str]:
    words = [rng.choice(FILLER[lang]) for _ in range(rng.randint(340, 420))]
    for case in rng.sample(sentences, rng.randint(1, 3)):
        words.insert(rng.randrange(len(words)), case.body)
    title_case = rng.choice(sentences)
    title = title_case.title or " ".join(rng.choice(FILLER[lang]) for _ in range(8))
    paragraphs = [" ".join(words[i : i + 60]) + "." for i in range(0, len(words), 60)]
    return title, "\n".join(paragraphs)


def make_pool(size: int, seed: int, cases: list) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    by_lang = {lang: [c for c in cases if c.lang == lang] for lang in FILLER}
    return [make_doc(rng, lang, by_lang[lang]) for lang in (rng.choice(("en", "es")) for _ in range(size))]


def timed(judge: Callable[[str, str], bool], pool: list[tuple[str, str]], docs: int) -> tuple[float, int]:
    relevant = 0
    start = time.process_time()  # CPU time: steadier than the wall clock on a shared machine
    for i in range(docs):
        title, body = pool[i % len(pool)]
        relevant += judge(title, body)
    return time.process_time() - start, relevant


def precision_recall(judge: Callable[[str, str], bool], cases: list) -> str:
    said = [judge(c.title, c.body) for c in cases]
    tp = sum(s and c.relevant for s, c in zip(said, cases))
    fp = sum(s and not c.relevant for s, c in zip(said, cases))
    fn = sum(not s and c.relevant for s, c in zip(said, cases))
    precision = tp / (tp + fp) if tp + fp else 0.0
    return f"precision {precision:.3f}  recall {tp / (tp + fn):.3f}  (fp {fp}, fn {fn}, n {len(cases)})"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    cases = load_cases()
    rules = compile_rules({})
    pool = make_pool(min(args.docs, 5000), args.seed, cases)
    words = sum(len(f"{t} {b}".split()) for t, b in pool) / len(pool)
    print(f"{args.docs} documents, {len(pool)} distinct, {words:.0f} words on average, {len(rules.rules)} rules")

    contenders = [("monitor.classify", lambda t, b: rules.classify(t, b).relevant), ("naive substring", naive)]
    speeds = {}
    for name, judge in contenders:
        seconds, relevant = timed(judge, pool, args.docs)
        speeds[name] = args.docs / seconds
        print(f"  {name:17} {speeds[name]:10,.0f} docs/s  {seconds:7.2f} CPU s  relevant {relevant / args.docs:6.1%}")
        print(f"  {'':17} labelled sentences: {precision_recall(judge, cases)}")
    ratio = speeds["naive substring"] / speeds["monitor.classify"]
    print(f"  naive substring is {ratio:.1f}x faster than monitor.classify")


if __name__ == "__main__":
    main()
