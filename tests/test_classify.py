"""Relevance rules: labelled English and Spanish items, every trap of RELEVANCE.md §4, config errors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from monitor import config
from monitor.classify import Ruleset, classify, compile_rules, to_json
from monitor.errors import ConfigError
from monitor.folding import fold
from monitor.models import Article
from monitor.toml_reader import Source


@dataclass(frozen=True)
class Case:
    lang: str
    trap: int  # RELEVANCE.md §4 trap number, 0 for a plain positive
    relevant: bool  # the truth
    body: str
    title: str = ""
    accepted_miss: bool = False  # a documented miss: the rules are expected to say "not relevant"


CASES = [
    # ------------------------------------------------------------ English, in scope
    Case("en", 0, True, "Cuba rejects US accusations on human trafficking", title="Cuba rejects US accusations on human trafficking"),
    Case("en", 0, True, "The ministry published its report on trafficking in persons."),
    Case("en", 0, True, "Police dismantled a people trafficking network in the capital."),
    Case("en", 0, True, "Three women were trafficked to Europe with false job offers."),
    Case("en", 0, True, "Authorities arrested two human smugglers who charged each Cuban 10,000 dollars."),
    Case("en", 0, True, "Investigators say organ trafficking networks target the poor."),
    Case("en", 0, True, "The alien smuggling ring operated out of Miami."),
    Case("en", 0, True, "The Palermo Protocol defines the crime and the duties of states."),
    Case("en", 0, True, "The World Day against Trafficking in Persons is marked on 30 July."),
    Case("en", 0, True, "Smugglers held the migrants in forced labour on farms."),
    Case("en", 0, True, "Cuban doctors abroad are victims of modern slavery, a senator claimed."),
    Case("en", 0, True, "Cuba says it applies zero tolerance to trafficking in persons."),
    Case("en", 10, True, "The gang that moved cocaine through the port also ran a sex trafficking ring."),
    Case("en", 10, True, "Drug trafficking and human trafficking share the same routes, the minister said."),
    Case("en", 12, True, "The delegations agreed to cooperate against migrant smuggling."),
    Case("en", 13, True, "Washington calls the brigades forced labour."),
    Case("en", 14, True, "The Trafficking in Persons Report again placed the island in Tier 3.", title="Havana rejects new US report"),
    Case("en", 15, True, "The coast guard intercepted a speedboat; the smugglers fled toward Florida."),
    Case("en", 16, True, "Volunteers staff an anti-trafficking hotline around the clock."),
    Case("en", 17, True, "The UN speech listed climate, debt, trafficking in persons and twenty other topics."),
    Case("en", 0, True, "Crews described beatings and unpaid wages.", title="Forced labour on fishing fleets"),
    # ------------------------------------------------------------ English, out of scope
    Case("en", 3, False, "Police broke up a cocaine trafficking ring."),
    Case("en", 3, False, "Customs filed smuggling charges over 40 boxes of cigarettes."),
    Case("en", 3, False, "An orchid smuggler was fined at the airport."),
    Case("en", 3, False, "Officers seized weapons in an arms trafficking case.", title="Arms trafficking"),
    Case("en", 3, False, "Rangers fight wildlife trafficking in the reserve."),
    Case("en", 3, False, "Fuel smuggling across the border has grown."),
    Case("en", 3, False, "The trafficking of cocaine and heroin rose last year."),
    Case("en", 3, False, "Three traffickers were arrested with 200 kilos of cocaine.", title="Traffickers arrested"),
    Case("en", 4, False, "An influence trafficking probe now targets the minister."),
    Case("en", 4, False, "Air traffic controllers ended their strike."),
    Case("en", 5, False, "Two hurt in a traffic accident on the coastal road."),
    Case("en", 5, False, "Heavy traffic slowed buses into the city center."),
    Case("en", 6, False, "A memorial honours the victims of the transatlantic slave trade."),
    Case("en", 6, False, "Historians traced the transatlantic trafficking of enslaved Africans."),
    Case("en", 9, False, "Authorities reiterate zero tolerance for drug use and the scourge of narcotics."),
    Case("en", 11, False, "A flight returned 60 migrants under the bilateral accord."),
    Case("en", 11, False, "Rafters rescued at sea were returned under the migration accord."),
    Case("en", 13, False, "A Cuban medical brigade arrived to support hospitals in the south."),
    Case("en", 13, False, "The Henry Reeve contingent was praised for its work after the hurricane."),
    Case("en", 15, True, "Police detained a boat owner preparing to take twelve people to Florida.", accepted_miss=True),
    Case("en", 17, False, "Trafficking, trafficking, trafficking: smugglers everywhere, said the mayor."),
    # ------------------------------------------------------------ Spanish, in scope
    Case("es", 0, True, "Detienen a una red de trata de personas en Holguín"),
    Case("es", 0, True, "Cuba presenta su informe nacional sobre trata de personas"),
    Case("es", 0, True, "Desarticulan banda en la frontera", title="TRÁFICO DE PERSONAS: golpe policial"),
    Case("es", 0, True, "Según la fiscalía, el trafico de personas crece en la región."),
    Case("es", 0, True, "Condenan a tratantes que captaban a jóvenes con falsas ofertas de empleo."),
    Case("es", 0, True, "Aumenta el tráfico ilícito de migrantes por mar."),
    Case("es", 0, True, "Capturan a traficantes de migrantes en la costa norte."),
    Case("es", 0, True, "Cuba rechaza su inclusión en el Nivel 3 de la lista sobre trata de personas."),
    Case("es", 0, True, "Día Mundial contra la Trata de Personas: Cuba reafirma su compromiso."),
    Case("es", 0, True, "El Protocolo de Palermo distingue la trata del tráfico de migrantes."),
    Case("es", 0, True, "El delito de proxenetismo y trata de personas se castiga con severidad."),
    Case("es", 0, True, "Tráfico de menores: detienen a dos sospechosos en Camagüey."),
    Case("es", 0, True, "Más de 40 casos de trata fueron juzgados el año pasado."),
    Case("es", 0, True, "Cuba reitera su tolerancia cero frente a la trata de personas."),
    Case("es", 0, True, "Cuba aprueba el Plan de Acción Nacional para la Prevención y Enfrentamiento de la Trata de Personas."),
    Case("es", 0, True, "Jornaleros denuncian jornadas de catorce horas.", title="Explotación laboral en fincas del sur"),
    Case("es", 0, True, "Detienen a traficantes que preparaban una salida ilegal en lancha rápida."),
    Case("es", 10, True, "La banda que movía cocaína también explotaba a mujeres víctimas de trata."),
    Case("es", 12, True, "Las delegaciones acordaron cooperar contra el tráfico ilícito de migrantes."),
    Case("es", 13, True, "Washington acusa a las misiones médicas cubanas de trabajo forzoso."),
    Case("es", 16, True, "La víctima de trata de persona recibió atención especializada."),
    # ------------------------------------------------------------ Spanish, out of scope
    Case("es", 1, False, "En el consultorio se trata de personas mayores que viven solas."),
    Case("es", 1, False, "Se trata de mujeres emprendedoras que fundaron una cooperativa."),
    Case("es", 2, False, "Los vecinos trataron de salvar la cosecha."),
    Case("es", 2, False, "El profesor trató de explicar el tema a sus alumnos."),
    Case("es", 3, False, "Detienen a tres personas por tráfico de combustible."),
    Case("es", 3, False, "Los traficantes de drogas fueron condenados a 20 años.", title="Condenan a traficantes"),
    Case("es", 3, False, "Crece el tráfico de armas en la región."),
    Case("es", 3, False, "Operación contra el narcotráfico en el Caribe."),
    Case("es", 3, False, "Incautan cocaína a narcotraficantes en una lancha rápida."),
    Case("es", 3, False, "Una banda de contrabandistas de tabaco fue desarticulada."),
    Case("es", 4, False, "Acusado de tráfico de influencias un exfuncionario."),
    Case("es", 4, False, "El tráfico aéreo se normalizó tras la tormenta."),
    Case("es", 5, False, "Dos heridos en un accidente de tráfico en la autopista."),
    Case("es", 6, False, "Un memorial recuerda a las víctimas de la trata negrera."),
    Case("es", 6, False, "La Ruta del Esclavo recuerda la trata transatlántica.", title="Víctimas de la trata negrera"),
    Case("es", 7, False, "Su médico tratante dijo que se recupera bien."),
    Case("es", 7, False, "El equipo tratante decidió darle el alta."),
    Case("es", 8, False, "Crece la explotación petrolera en el golfo."),
    Case("es", 9, False, "Las autoridades reiteran la tolerancia cero frente al consumo de estupefacientes."),
    Case("es", 9, False, "La prevención y enfrentamiento al flagelo de las drogas es prioridad."),
    Case("es", 11, False, "Un vuelo devolvió a 60 migrantes en virtud del acuerdo migratorio."),
    Case("es", 13, False, "Una brigada médica cubana llegó para apoyar hospitales del sur."),
    Case("es", 13, False, "La cooperación médica cubana llega a 60 países."),
]


def case_id(case: Case) -> str:
    return f"{case.lang}-t{case.trap}-{'rel' if case.relevant else 'not'}-{fold(case.title or case.body)[:40]}"


@pytest.fixture(scope="module")
def rules() -> Ruleset:
    return compile_rules({})


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_labelled_item(rules: Ruleset, case: Case) -> None:
    result = classify(rules, case.title, case.body)
    expected = case.relevant and not case.accepted_miss
    assert result.relevant is expected, to_json(result)


def test_corpus_covers_both_languages_and_every_trap() -> None:
    assert sum(c.lang == "en" for c in CASES) >= 25
    assert sum(c.lang == "es" for c in CASES) >= 25
    assert {c.trap for c in CASES} >= set(range(1, 18))


def test_precision_and_recall_printed(rules: Ruleset, capsys: pytest.CaptureFixture[str]) -> None:
    lines = []
    for label, subset in (("en", "en"), ("es", "es"), ("all", None)):
        cases = [c for c in CASES if subset is None or c.lang == subset]
        said = [classify(rules, c.title, c.body).relevant for c in cases]
        tp = sum(s and c.relevant for s, c in zip(said, cases))
        fp = sum(s and not c.relevant for s, c in zip(said, cases))
        fn = sum(not s and c.relevant for s, c in zip(said, cases))
        precision, recall = tp / (tp + fp), tp / (tp + fn)
        lines.append(f"relevance {label}: n={len(cases)} precision={precision:.3f} recall={recall:.3f} (fp={fp} fn={fn})")
        assert fp == 0 and fn == sum(c.accepted_miss for c in cases)
    with capsys.disabled():
        print("\n" + "\n".join(lines))


# ---------------------------------------------------------------- hits, folding, scoring


def test_hits_carry_rule_family_and_matched_text(rules: Ruleset) -> None:
    result = classify(rules, "", "Cuba rechaza la trata de personas")
    assert to_json(result) == {
        "relevant": True,
        "band": "relevant",
        "score": 3.0,
        "hits": [{"rule": "trata-de-personas", "text": "trata de personas", "family": "trafficking", "weight": 3.0}],
        "reasons": [],
    }


def test_json_keys_in_documented_order(rules: Ruleset) -> None:
    result = to_json(classify(rules, "", "human trafficking"))
    assert list(result) == ["relevant", "band", "score", "hits", "reasons"]
    assert list(result["hits"][0]) == ["rule", "text", "family", "weight"]


@pytest.mark.parametrize(
    ("text", "rule", "matched"),
    [
        ("TRÁFICO DE PERSONAS", "trafico-de-personas", "trafico de personas"),
        ("trafico de personas", "trafico-de-personas", "trafico de personas"),
        ("Tra\u0301fico de Personas", "trafico-de-personas", "trafico de personas"),  # combining accent
        ("an anti-trafficking hotline", "human-trafficking", "anti trafficking"),
        ("an anti–trafficking hotline", "human-trafficking", "anti trafficking"),  # en dash
        ("HUMAN TRAFFICKING", "human-trafficking", "human trafficking"),
        ("la «trata» de personas", "trata-de-personas", "trata de personas"),
        ("víctimas de la trata", "trata", "victimas de la trata"),
        ("Niñas víctimas de trata", "trata", "victimas de trata"),
        ("\U0001d413\U0001d42b\U0001d41a\U0001d42d\U0001d41a \U0001d41d\U0001d41e \U0001d429\U0001d41e\U0001d42b\U0001d42c\U0001d428\U0001d427\U0001d41a\U0001d42c",
         "trata-de-personas", "trata de personas"),  # a headline styled in bold maths letters, as pasted from social media
    ],
)
def test_accents_case_and_punctuation_are_folded(rules: Ruleset, text: str, rule: str, matched: str) -> None:
    hits = classify(rules, "", text).hits
    assert (hits[0].rule, hits[0].text) == (rule, matched)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Anti-Tráfico", "anti trafico"),
        ("  «Trata»,  de—personas!  ", "trata de personas"),
        ("STRASSE Straße", "strasse strasse"),
        ("İstanbul ﬁnal", "istanbul final"),
        ("snake_case", "snake case"),
        ("Tra\U0001d167ta", "trata"),  # a mark past the BMP goes too (its class is built on first need)
        ("\U0001d413\U0001d42b\U0001d41a\U0001d42d\U0001d41a TRÁFICO", "trata trafico"),  # styled "𝐓𝐫𝐚𝐭𝐚" (bold maths letters)
        ("ＴＲＡＴＡ", "trata"),  # full-width
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_longer_hit_shadows_bare_word(rules: Ruleset) -> None:
    result = classify(rules, "", "They fight human trafficking.")
    assert [(h.rule, h.text) for h in result.hits] == [("human-trafficking", "human trafficking")]
    assert result.score == 3.0


def test_weak_words_never_reach_threshold(rules: Ruleset) -> None:
    body = " ".join(["The trafficking went on and the smugglers and traffickers returned."] * 30)
    result = classify(rules, "Trafficking, smugglers and traffickers", body)
    assert (result.relevant, result.score) == (False, 2.0)
    assert {h.rule for h in result.hits} == {"trafficking-word", "smuggling-word"}


def test_weak_word_adds_to_a_medium_one(rules: Ruleset) -> None:
    assert classify(rules, "", "Migrants were held in forced labour.").relevant is False
    assert classify(rules, "", "Smugglers held migrants in forced labour.").relevant is True


def test_title_hit_weighs_double(rules: Ruleset) -> None:
    in_body = classify(rules, "Fishing fleets", "Crews describe forced labour.")
    in_title = classify(rules, "Forced labour on fishing fleets", "Crews describe their work.")
    assert (in_body.score, in_body.relevant) == (2.0, False)
    assert (in_title.score, in_title.relevant) == (4.0, True)
    assert in_title.hits[0].in_title is True


def test_repeated_hits_of_one_rule_are_capped(rules: Ruleset) -> None:
    once = classify(rules, "", "human trafficking")
    many = classify(rules, "", "human trafficking. " * 25)
    assert (once.score, many.score) == (3.0, 6.0)
    assert len(many.hits) == 2


def test_drug_context_cancels_only_the_weak_hit_beside_it(rules: Ruleset) -> None:
    result = classify(rules, "", "Cocaine trafficking fell, while sex trafficking and trafficking of women rose.")
    assert [h.rule for h in result.hits] == ["human-trafficking", "human-trafficking"]


def test_exclude_window_of_a_rule_overrides_its_sets() -> None:
    body = "zero tolerance, said the minister, towards the consumption of drugs"
    assert compile_rules({}).classify("", body).hits == ()  # bundled: exclude_window = 8
    narrow = compile_rules({"rules": {"zero-tolerance": {"exclude_window": 2}}})
    assert [h.rule for h in narrow.classify("", body).hits] == ["zero-tolerance"]


def test_slave_trade_in_title_suppresses_item(rules: Ruleset) -> None:
    result = classify(rules, "Remembering the slave trade", "Historians discussed human trafficking today.")
    assert result.score >= 3 and result.relevant is False
    assert result.hits[0].rule == "slave-trade"


def test_every_rule_runs_whatever_the_language(rules: Ruleset) -> None:
    result = classify(rules, "Cuba rejects report", 'The ministry said the "Informe sobre Trata de Personas" lies.')
    assert result.relevant and "trata-de-personas" in result.rules


def test_classify_article_matches_title_once(rules: Ruleset) -> None:
    article = Article(
        url="https://example.org/a",
        canonical_url="https://example.org/a",
        outlet="example",
        outlet_name="Example",
        title="Fishing fleets under forced labour",
        subtitle="Crews speak out",
        body=("They describe long hours.",),
    )
    judged = rules.classify_article(article)
    assert judged.relevance is not None and judged.title == article.title
    assert [(h.rule, h.in_title) for h in judged.relevance.hits] == [("forced-labour", True)]
    assert judged.relevance.score == 4.0


def test_bundled_rules_include_the_lexicon_families(rules: Ruleset) -> None:
    families = {r.family for r in rules.rules}
    assert families >= {"trafficking", "smuggling", "forced-labour", "report-and-law", "medical-missions"}
    assert "trata-de-personas" in rules.rule_ids


# ---------------------------------------------------------------- user rules merged by id


def test_user_can_disable_a_bundled_rule() -> None:
    text = "Seminario sobre trata de personas"
    assert classify(compile_rules({}), "", text).relevant
    disabled = compile_rules({"rules": {"trata-de-personas": {"enabled": False}}})
    assert "trata-de-personas" not in disabled.rule_ids
    assert classify(disabled, "", text).relevant is False


def test_user_can_change_threshold_and_weights() -> None:
    strict = compile_rules({"threshold": 6})
    assert classify(strict, "", "human trafficking").relevant is False
    assert classify(strict, "", "human trafficking and migrant smuggling").relevant is True
    generous = compile_rules({"weights": {"medium": 3}})
    assert classify(generous, "", "forced labour").relevant is True


def test_user_can_override_one_key_of_a_bundled_rule() -> None:
    heavier = compile_rules({"rules": {"trata-de-personas": {"weight": 5}}})
    result = classify(heavier, "", "trata de personas")
    assert result.score == 5.0
    assert classify(heavier, "", "se trata de personas").hits == ()  # not_after kept from the bundle


def test_user_can_add_rules_and_sets() -> None:
    table = {
        "sets": {"boats": {"patterns": ["balsa{s}", "rustica{s}"]}},
        "rules": {
            "balseros": {"family": "migration", "strength": "strong", "patterns": ["balsero{s}"]},
            "rafts": {"family": "migration", "weight": 1.5, "patterns": ["@boats"], "title_only": True},
        },
    }
    ruleset = compile_rules(table)
    result = classify(ruleset, "Rústicas en el estrecho", "Rescatan a 20 balseros en balsas.")
    assert [(h.rule, h.text, h.weight) for h in result.hits] == [("rafts", "rusticas", 3.0), ("balseros", "balseros", 3.0)]
    assert result.relevant


def test_near_combination_needs_its_partner() -> None:
    table = {"rules": {"doctors": {"family": "medical-missions", "strength": "strong", "patterns": ["doctor{s}"], "near": ["unpaid"], "near_window": 2}}}
    ruleset = compile_rules(table)
    assert "doctors" in classify(ruleset, "", "doctors left unpaid").rules
    assert "doctors" not in classify(ruleset, "", "doctors went home and some time later were unpaid").rules


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        ("trafficker{s}", ["trafficker", "traffickers"], ["traffickerss", "trafficke"]),
        ("labo{u}r camp", ["labor camp", "labour camp"], ["labr camp"]),
        ("traffick*", ["trafficking", "traffickers"], ["traffic", "antitrafficking"]),
        ("victims of [human] trafficking", ["victims of trafficking", "victims of human trafficking"], ["victims of of trafficking"]),
        ("[anti] trata", ["anti trata", "trata"], ["antitrata"]),
        ("(women|girls) rescued", ["women rescued", "girls rescued"], ["rescued"]),
        ("re:tier [23]", ["tier 2", "tier 3"], ["tier 4"]),
        ("Tráfico-Humano", ["trafico humano"], ["trafico"]),
    ],
)
def test_pattern_syntax(pattern: str, matches: list[str], misses: list[str]) -> None:
    ruleset = compile_rules({"rules": {"probe": {"family": "trafficking", "weight": 9, "patterns": [pattern]}}})
    for text in matches:
        assert "probe" in classify(ruleset, "", text).rules, text
    for text in misses:
        assert "probe" not in classify(ruleset, "", text).rules, text


# ---------------------------------------------------------------- bad rules are config errors

CONFIG = """\
[outlets.sample]
name = "Sample"
language = "es"
base_url = "https://example.org/"

"""


@pytest.mark.parametrize(
    ("relevance", "message"),
    [
        (
            '[relevance.rules.trata-de-personas]\npatterns = ["trata de (personas"]\n',
            "config.toml:7: relevance.rules.trata-de-personas.patterns: expected a phrase pattern (unbalanced '('), got \"trata de (personas\"",
        ),
        (
            '[relevance.rules.mine]\nfamily = "trafficking"\nstrength = "strong"\npatterns = ["re:trata(?P<x"]\n',
            "config.toml:9: relevance.rules.mine.patterns: expected a valid regular expression (missing >, unterminated name at position 9), got \"re:trata(?P<x\"",
        ),
        (
            '[relevance.rules.mine]\nfamily = "trafficking"\nstrength = "strong"\npatterns = ["traffick.*"]\n',
            "config.toml:9: relevance.rules.mine.patterns: expected a phrase pattern ('.' is regular-expression syntax: start with re:), got \"traffick.*\"",
        ),
        (
            '[relevance.rules.trata-de-personas]\npatern = ["trata"]\n',
            "config.toml:7: relevance.rules.trata-de-personas.patern: unknown key, expected a known key (did you mean 'patterns'?)",
        ),
        (
            '[relevance.rules.mine]\nfamily = "drugs"\nstrength = "strong"\npatterns = ["x"]\n',
            'config.toml:7: relevance.rules.mine.family: expected one of trafficking, smuggling, forced-labour, report-and-law, medical-missions, slave-trade, migration, got "drugs"',
        ),
        (
            '[relevance.rules.human-trafficking]\nweight = -1\n',
            "config.toml:7: relevance.rules.human-trafficking.weight: expected a number >= 0, got -1",
        ),
        (
            '[relevance.rules.mine]\nfamily = "smuggling"\nstrength = "very strong"\npatterns = ["x"]\n',
            'config.toml:8: relevance.rules.mine.strength: expected one of strong, medium, weak, got "very strong"',
        ),
        (
            '[relevance.rules.mine]\nfamily = "smuggling"\nstrength = "weak"\n',
            "config.toml:6: relevance.rules.mine.patterns: expected a value (this key is required)",
        ),
        (
            '[relevance.rules.trafficking-word]\nexclude = ["@drug"]\n',
            (
                "config.toml:7: relevance.rules.trafficking-word.exclude: expected a known set (@drugs, @arms, @wildlife, "
                "@fuel, @goods, @influence, @violent-crimes, @financial-crimes, @deception, @exploitation, @workplace, "
                "@coerced-work, @forced-labour-indicators, @smuggling-fee, @persons, @smugglers, @danger, @people-moving, "
                '@slave-trade), got "@drug"'
            ),
        ),
        (
            '[relevance.rules.mine]\nfamily = "smuggling"\nweight = 1\npatterns = ["[human]"]\n',
            'config.toml:9: relevance.rules.mine.patterns: expected a pattern that cannot match empty text, got "[human]"',
        ),
        (
            '[relevance.rules.tratante]\nnot_after = ["médico de"]\n',
            'config.toml:7: relevance.rules.tratante.not_after: expected single words, got "médico de"',
        ),
        (
            '[relevance]\nthreshold = "3"\n',
            'config.toml:7: relevance.threshold: expected a number >= 0.1, got "3"',
        ),
    ],
    ids=["unbalanced", "bad-regex", "regex-in-phrase", "unknown-key", "unknown-family", "negative-weight",
         "bad-strength", "no-patterns", "unknown-set", "matches-empty", "not-after-phrase", "threshold-type"],
)
def test_bad_rules_are_config_errors(tmp_path: Path, relevance: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG + relevance, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    assert str(caught.value) == message


def test_error_without_a_config_file_still_names_the_key() -> None:
    with pytest.raises(ConfigError, match=re.escape("relevance.rules.x.patterns: expected a phrase pattern (unbalanced ')')")):
        compile_rules({"rules": {"x": {"family": "trafficking", "weight": 1, "patterns": ["a)"]}}})


def test_bundled_rules_compile_with_a_source() -> None:
    ruleset = compile_rules({}, source=Source(Path("config.toml"), ""))
    assert len(ruleset.rules) >= 15


# ---------------------------------------------------------------- subject or mention; described crimes (issue 16)

FILLER_EN = "The council met again on Tuesday to discuss the budget, the new bus routes and the repairs to the school roof."
FILLER_ES = "El consejo volvió a reunirse el martes para hablar del presupuesto, de las nuevas rutas de autobús y del techo de la escuela."


@pytest.mark.parametrize(
    ("body", "band"),
    [
        # crime lists: the phrase is one entry among other crimes
        ("The treaty targets terrorism, kidnapping, money laundering and trafficking in persons, the ministers said.", "not"),
        ("El acuerdo combate el narcotráfico, el lavado de dinero, el secuestro y la trata de personas.", "not"),
        # the same phrase as the subject
        ("The ministers signed a treaty against trafficking in persons.", "relevant"),
        ("Los ministros firmaron un acuerdo contra la trata de personas.", "relevant"),
        # a list with one other crime is not a list ("drug trafficking and human trafficking share routes")
        ("Drug trafficking and human trafficking use the same routes, the report says.", "relevant"),
    ],
)
def test_a_phrase_in_a_list_of_crimes_is_a_mention(rules: Ruleset, body: str, band: str) -> None:
    result = classify(rules, "", body)
    assert result.band == band, to_json(result)


@pytest.mark.parametrize(
    "body",
    [
        (
            "Police seized cocaine and heroin at the port. The cartel moved cocaine, fentanyl and weapons north. "
            "Officers found guns and more cocaine in a truck. One officer said the gang may also engage in human trafficking."
        ),
        (
            "La policía decomisó cocaína y marihuana en el puerto. El cártel movía cocaína, armas y municiones. "
            "En un camión hallaron fusiles y más droga. Un agente dijo que la banda también podría dedicarse a la trata de personas."
        ),
    ],
    ids=["en", "es"],
)
def test_an_item_mostly_about_other_crimes_is_at_most_possibly(rules: Ruleset, body: str) -> None:
    result = classify(rules, "", body)
    assert result.band == "possibly" and not result.relevant
    assert result.reasons and result.reasons[-1].startswith("mostly about other crimes or goods")


@pytest.mark.parametrize("filler", [FILLER_EN, FILLER_ES], ids=["en", "es"])
def test_a_passing_mention_deep_in_a_long_article_is_possibly(rules: Ruleset, filler: str) -> None:
    mention = "The mayor also recalled a case of human trafficking from years ago."
    paragraphs = [filler] * 14  # about 300 words
    deep = classify(rules, "", "\n".join(paragraphs[:8] + [mention] + paragraphs[8:]))
    assert deep.band == "possibly" and "passing mention" in deep.reasons[-1]
    in_lede = classify(rules, "", "\n".join([mention] + paragraphs))
    in_title = classify(rules, "Human trafficking case recalled", "\n".join(paragraphs[:8] + [mention] + paragraphs[8:]))
    twice = classify(rules, "", "\n".join(paragraphs[:4] + [mention] + paragraphs[4:10] + [mention] + paragraphs[10:]))
    assert (in_lede.band, in_title.band, twice.band) == ("relevant", "relevant", "relevant")


@pytest.mark.parametrize(
    "body",
    [
        "Washington says the Cuban medical missions amount to forced labour, since officials hold the doctors' passports.",
        "The State Department called the program of Cuban doctors abroad exploitative and coercive.",
        "El Departamento de Estado calificó de trabajo forzoso a las brigadas médicas cubanas en el exterior.",
        "Según Washington, la colaboración médica cubana es una forma de explotación de los profesionales de la salud.",
    ],
)
def test_forced_labour_accusation_about_medical_missions_without_a_trafficking_word(rules: Ruleset, body: str) -> None:
    result = classify(rules, "", body)
    assert result.relevant, to_json(result)
    assert "medical-missions" in result.rules


@pytest.mark.parametrize(
    ("body", "relevant"),
    [
        ("The women were lured to Spain with fake job offers and forced into prostitution on arrival.", True),
        ("Recruiters promised well-paid jobs abroad; once there, the men were held captive and made to work unpaid.", True),
        ("Las jóvenes fueron captadas con falsas ofertas de empleo y obligadas a prostituirse en bares de la frontera.", True),
        ("Los reclutaron con engaños en sus pueblos y al llegar les quitaron los pasaportes y los tenían sin salario.", True),
        # deception without exploitation is fraud, not trafficking
        ("Fake job offers on social media cost applicants thousands of dollars in fees.", False),
        ("Estafadores publicaban falsas ofertas de empleo y cobraban una comisión a los aspirantes.", False),
        # deception and slavery in the historical slave trade
        ("Historians describe how Africans were lured onto ships and sold as slaves in the transatlantic slave trade.", False),
        ("Los africanos eran engañados y vendidos como esclavos en la trata negrera.", False),
    ],
)
def test_exploitation_described_not_named(rules: Ruleset, body: str, relevant: bool) -> None:
    result = classify(rules, "", body)
    assert result.relevant is relevant, to_json(result)


@pytest.mark.parametrize(
    ("body", "relevant"),
    [
        ("Smugglers crammed forty migrants into a small boat that capsized off the coast.", True),
        ("Los coyotes abandonaron a los migrantes en la selva, sin agua ni comida.", True),
        ("Detienen a dos hombres que llegaron en lancha desde México para organizar una salida ilegal del país.", True),
        ("Dos embarcaciones naufragaron frente a la costa; los migrantes habían sido traficados por una red.", True),
        # no smuggler: migration and rafters only
        ("La Guardia Costera repatrió a 20 balseros que habían participado en una salida ilegal.", False),
        ("The Coast Guard returned 40 migrants found on a rustic vessel in the Florida Straits.", False),
        # smugglers of goods near migrants are excluded
        ("Cigarette smugglers used the same trails as migrants, police said.", False),
    ],
)
def test_smuggling_framed_as_danger_to_people(rules: Ruleset, body: str, relevant: bool) -> None:
    result = classify(rules, "", body)
    assert result.relevant is relevant, to_json(result)


@pytest.mark.parametrize(
    ("title", "body", "band", "reason"),
    [
        ("", "Workers describe forced labour on the farms.", "possibly", "score 2 is below the threshold 3"),
        ("", "The smugglers and the traffickers came back.", "possibly", "only weak words"),
        ("", "Human trafficking is a crime.", "relevant", None),
        ("", "The council approved the budget.", "not", None),
        ("", "The smugglers were caught with cocaine and cigarettes, and more cocaine.", "not", None),
    ],
)
def test_three_bands_with_the_reason_for_doubt(rules: Ruleset, title: str, body: str, band: str, reason: str | None) -> None:
    result = classify(rules, title, body)
    assert (result.band, result.relevant) == (band, band == "relevant")
    assert to_json(result)["band"] == band
    if reason is not None:
        assert reason in result.reasons


def test_margin_and_subject_settings_are_configurable() -> None:
    body = "Workers describe forced labour on the farms."
    assert compile_rules({"margin": 0.5}).classify("", body).band == "not"
    listed = "The treaty targets terrorism, kidnapping and trafficking in persons."
    assert compile_rules({"list_min": 3}).classify("", listed).band == "relevant"
    assert compile_rules({"list_factor": 1}).classify("", listed).band == "relevant"
    assert compile_rules({"other_subjects": []}).classify("", listed).band == "relevant"


def test_other_subjects_must_name_sets() -> None:
    with pytest.raises(ConfigError, match=re.escape('relevance.other_subjects: expected references to sets ("@drugs"), got "drugs"')):
        compile_rules({"other_subjects": ["drugs"]})
    with pytest.raises(ConfigError, match=re.escape("relevance.other_subjects: expected a known set")):
        compile_rules({"other_subjects": ["@narcotics"]})


@pytest.mark.parametrize(
    ("body", "band"),
    [
        # an ILO indicator (documents retained, movement restricted) beside coerced work named
        ("The company kept the workers' passports and forced them to work twelve hours a day.", "relevant"),
        ("Their passports are held by the employer, and the men say it amounts to forced labour.", "relevant"),
        ("The fishermen were unable to leave the vessel for two years and were forced to work without rest.", "relevant"),
        ("Inspectors found domestic workers locked in the house and forced to work for the family.", "relevant"),
        ("La empresa retenía los pasaportes de los jornaleros y los obligaba a trabajar sin descanso.", "relevant"),
        ("Les quitaron los pasaportes al llegar a la finca, donde fueron sometidos a trabajo forzoso.", "relevant"),
        ("Los pescadores no podían salir del barco y eran obligados a trabajar dieciocho horas.", "relevant"),
        # coerced work alone still needs its second signal; wages withheld is not one
        ("Air traffic controllers were forced to work without pay during the shutdown.", "possibly"),
        ("Air traffic controllers, trapped by the shutdown, were forced to work without pay.", "possibly"),
        # the indicators without coerced work named are nothing
        ("His passport was confiscated by the court while he awaits trial for fraud.", "not"),
        ("Miners were unable to leave the shaft for two days after the collapse.", "not"),
        ("El tribunal retuvo el pasaporte del exministro acusado de corrupción.", "not"),
        ("Decenas de vecinos quedaron encerrados por las inundaciones y no podían salir de sus casas.", "not"),
    ],
)
def test_forced_labour_indicator_is_the_second_signal(rules: Ruleset, body: str, band: str) -> None:
    result = classify(rules, "", body)
    assert result.band == band, to_json(result)


@pytest.mark.parametrize(
    ("body", "band"),
    [
        ("She was sold to a brothel in the capital and forced into prostitution.", "relevant"),
        ("The girls had been sold to traffickers by a relative; police rescued them from forced labour.", "relevant"),
        ("Las adolescentes fueron vendidas a una red de proxenetas y obligadas a prostituirse.", "relevant"),
        # a person sold to criminals alone: shown, not asserted
        ("Other workers told her she had been sold to a criminal gang.", "possibly"),
        ("La joven fue vendida a un burdel en la frontera, según la fiscalía.", "possibly"),
        # things and footballers are sold too
        ("The striker was sold to a rival club for 40 million euros.", "not"),
        ("The stolen cars were sold to a criminal gang across the border.", "not"),
        ("El delantero fue vendido a un club inglés por 40 millones.", "not"),
        ("Las joyas robadas fueron vendidas a una banda de receptadores.", "not"),
    ],
)
def test_a_person_sold_to_criminals(rules: Ruleset, body: str, band: str) -> None:
    result = classify(rules, "", body)
    assert result.band == band, to_json(result)


@pytest.mark.parametrize(
    ("body", "band"),
    [
        # the fee a migrant pays a smuggler makes the smuggler a signal of its own ...
        ("He said he paid a coyote 8,000 dollars to get him across the border.", "possibly"),
        ("Cada uno pagó 3.000 dólares a los coyotes por el cruce de la frontera.", "possibly"),
        # ... which adds up with the danger the smugglers put people in
        ("Each survivor paid the smugglers 4,000 dollars; the smugglers then abandoned the boat at sea.", "relevant"),
        ("Los polleros cobraban 5.000 dólares por el viaje y los abandonaron en el desierto; los coyotes huyeron.", "relevant"),
        # legal charges, bribes and drug payments are not a fare
        ("The smugglers face federal charges of conspiracy to distribute cocaine.", "not"),
        ("Officials vowed to make the smugglers pay for the cocaine shipment.", "not"),
        ("The cigarette smugglers paid no duty on the 40 boxes they brought in.", "not"),
        ("Los contrabandistas de combustible pagaban sobornos a los guardias.", "not"),
        ("Los traficantes pagaban con cocaína a los pescadores de la costa.", "not"),
    ],
)
def test_the_fee_paid_to_a_smuggler(rules: Ruleset, body: str, band: str) -> None:
    result = classify(rules, "", body)
    assert result.band == band, to_json(result)
