"""Labelled pairs for story dedupe: is item B a copy of item A's story?

Written by us, modelled on OUTLETS.md: RHC datelines "Havana, Nov 5 (RHC)" /
"La Habana, 5 nov (RHC)" and agency variants "(RHC-PL)", "(RHC-ACN)",
"(teleSUR-RHC)" [P]; Prensa Latina datelines "La Habana, 5 ene (Prensa Latina)",
editor sign-offs "jdt/jav/mem/lld" and feed trailers "La informacion … salio
primero en Prensa Latina." / "The post … first appeared on Prensa Latina." [M]/[P];
teleSUR "LEA TAMBIÉN:" lines [S], old "Published 4 July 2021" date line [T] and the
"This content was originally published by teleSUR …" copy notice [T]. The
articles are invented news texts on the monitor's topics (trafficking, the US
TIP report, medical brigades, migration); people named in them are fictional.

Each base article is stored without dateline or trailer; ``variant`` dresses
it the way an outlet prints it. ``PAIRS`` holds (id, a, b, same, why).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

# ---------------------------------------------------------------- base texts

_BASE: dict[str, tuple[str, str, str]] = {
    # key: (language, title, body with paragraphs separated by blank lines)
    "tip_minrex": ("en", "Cuba rejects US report on trafficking in persons", """
Cuba's Foreign Ministry on Tuesday rejected the latest Trafficking in Persons Report issued by the US State Department, which once again places the island in the lowest category, alongside countries accused of making no effort against the crime.

In a statement, the ministry described the document as a unilateral and politically motivated exercise that ignores the data Cuba regularly submits to United Nations bodies and to the International Criminal Police Organization.

"The report does not evaluate anything, it punishes. Washington uses it to justify coercive measures against countries that do not submit to its policy," the statement said.

The ministry recalled that Cuba has a policy of zero tolerance towards trafficking in persons in any of its forms, and that its National Action Plan for 2022-2025 includes training for police officers, prosecutors, judges and social workers in every province.

According to official figures, Cuban courts tried 14 cases with traits of trafficking during the last reporting period, most of them related to the sexual exploitation of minors, and every identified victim received medical, psychological and legal assistance.

The statement also rejected the inclusion of Cuban medical cooperation among alleged forms of forced labour, and stressed that tens of thousands of health professionals have served abroad voluntarily under agreements signed between sovereign governments.

Finally, the Foreign Ministry urged the State Department to look at its own country, where thousands of migrants, including unaccompanied minors, are exposed every year to trafficking networks along the southern border.
"""),
    "tip_commentary": ("en", "Why the State Department keeps failing its own test", """
Every June the State Department publishes its Trafficking in Persons Report, and every June Cuba appears at the bottom of the list. For analysts in Havana, the ranking says more about Washington's foreign policy than about the fight against a crime that affects millions of people.

Professor Elena Marrero, a researcher in international law at the University of Havana, said the report relies on anonymous sources and on press articles rather than on field work, and that its authors have not visited the island in more than a decade.

"A serious assessment would compare prosecutions, victim services and prevention programmes. This one compares governments with Washington's list of adversaries," she told Radio Havana Cuba.

Marrero pointed out that the categories of the report are tied to sanctions under US law, so a low ranking can be used to block loans from international financial institutions.

Other experts consulted by this station noted that Cuba's legal reform of 2022 introduced a specific crime of trafficking in persons in the new Penal Code, with penalties of up to 20 years in prison, a change that the report barely mentions.

The debate will continue next month, when Cuban authorities present their own annual report before the national parliament and the diplomatic corps accredited in Havana.
"""),
    "tip_followup": ("en", "Cuban justice minister defends record against trafficking at UN", """
Cuban Justice Minister Rolando Fuentes on Wednesday defended his country's record against trafficking in persons before a session of the United Nations Human Rights Council in Geneva, one day after Havana rejected the latest US report on the subject.

Fuentes said Cuba has strengthened coordination between the Ministry of the Interior, the Attorney General's Office and the Federation of Cuban Women to detect victims early, especially in tourist areas and in the provinces with the most internal migration.

He told delegates that the island has built specialised care centres for victims in four provinces, and that a telephone line operated by the Federation receives anonymous reports around the clock.

The minister recalled that Cuba has a policy of zero tolerance towards trafficking in persons in any of its forms, and that its National Action Plan for 2022-2025 includes training for police officers, prosecutors, judges and social workers in every province.

Several delegations, among them those of Venezuela, Nicaragua, Bolivia and Vietnam, praised the Cuban presentation and called for international cooperation to be based on dialogue rather than on unilateral lists.

Fuentes also invited the UN Special Rapporteur on trafficking in persons to visit the island next year, an invitation that, he said, Cuba has extended on several occasions.
"""),
    "brigade_italy": ("en", "Cuban medical brigade arrives in Calabria", """
A brigade of 52 Cuban doctors arrived on Sunday in the southern Italian region of Calabria to reinforce hospitals that have been short of specialists for years, according to regional authorities.

The group, made up of anaesthetists, internists, paediatricians and emergency physicians, joins almost 300 Cuban health workers already serving in the region under an agreement signed in 2022 between Calabria and the Cuban state company Comercializadora de Servicios Medicos Cubanos.

The regional president welcomed the doctors at the airport of Lamezia Terme and said that without them several emergency rooms in mountain towns would have had to close during the summer.

"We looked for doctors in Italy and in the rest of Europe and we did not find them. Cuba answered in a few weeks," he told reporters.

The Cuban ambassador to Italy said the collaboration shows that medical cooperation between the two countries is based on mutual respect, and she thanked the people of Calabria for the warm welcome given to the health professionals.

Cuba has sent medical brigades to more than 160 countries since 1963, and the Henry Reeve contingent, created in 2005 to face disasters and epidemics, received a World Health Organization award in 2017.
"""),
    "brigade_forced_labour": ("en", "Havana dismisses US claims about its doctors abroad", """
The Cuban Ministry of Public Health dismissed on Thursday new accusations by the US government that the island's international medical missions amount to forced labour and a form of trafficking in persons.

In a note published on its website, the ministry said that every doctor who travels abroad signs a contract freely, keeps a salary in Cuba during the mission and receives an additional payment in the host country.

"Our professionals are not victims of anybody. They are volunteers who have saved millions of lives in the poorest corners of the world," the note said.

The ministry added that the US campaign against the medical missions intensified in 2019, when Washington imposed visa restrictions on foreign officials who hire Cuban doctors, and that several Latin American governments ended their agreements under pressure.

Health authorities noted that the income from medical services is Cuba's main source of foreign currency and that it finances the free public health system on the island, including the training of foreign students at the Latin American School of Medicine.

The note concluded that the accusation seeks to deprive Cuba of resources and to deprive other peoples of doctors, and it called on the governments that receive Cuban brigades to reject political pressure.
"""),
    "migration_talks": ("en", "Cuba and the United States hold new round of migration talks", """
Delegations from Cuba and the United States met on Monday in Washington for a new round of migration talks, the first in more than a year, to review compliance with the bilateral agreements signed in 1984, 1994 and 1995.

The Cuban delegation, headed by Deputy Foreign Minister Carlos Ferrer, said the meeting was respectful and professional, and that both sides agreed on the importance of safe, orderly and regular migration.

According to the Cuban side, the talks covered the resumption of full consular services at the US embassy in Havana, the commitment to grant no fewer than 20,000 immigrant visas a year, and the return of Cubans intercepted at sea.

Ferrer warned that the US policy of economic pressure, together with laws that give Cuban migrants privileges not offered to other nationalities, encourages irregular departures and benefits smuggling and trafficking networks.

He said Cuba will continue to cooperate against migrant smuggling and document fraud, and that in the last year the island received more than 60 return flights with migrants deported from the United States.

Both delegations agreed to meet again in Havana in six months.
"""),
    "court_case": ("en", "Cuban court convicts members of trafficking network", """
A provincial court in Holguin sentenced six people to prison terms of between eight and 18 years for trafficking in persons and procuring, after a trial that exposed a network that recruited young women in eastern Cuba with false job offers in the tourism sector.

According to the court, the group offered the victims work as waitresses and dancers in hotels in Varadero and Havana, then took their identity documents and forced them into prostitution in rented houses.

The investigation began when one of the victims, a 19-year-old student, reported the case through the confidential telephone line of the Federation of Cuban Women, and the police identified another seven women aged between 17 and 23.

The prosecutor said the sentences reflect the weight that the new Penal Code gives to trafficking crimes, especially when minors are involved or when the offenders use violence or threats.

The victims received psychological care and legal assistance throughout the process, and four of them have returned to their studies with support from local authorities.
"""),
    "national_report": ("en", "Cuba publishes national report on human trafficking", """
The Cuban government published on Friday its national report on the prevention and confrontation of trafficking in persons and the protection of victims, covering the year 2024.

The document, posted on the official website of the Foreign Ministry, says that 19 cases with traits of trafficking were brought to court during the year, five more than the year before, and that 27 victims were identified, most of them women and adolescents.

It also reports that more than 12,000 people took part in training courses for border officials, tourism workers, teachers and health personnel, and that the National Group for the Prevention of Trafficking met every quarter.

The report highlights the entry into force of the new Penal Code, which defines trafficking in persons as an autonomous crime, and of the Law on Social Assistance, which guarantees shelter and income to victims during their recovery.

Cuban authorities say there are no organised transnational criminal networks operating from the island, and that the cases detected involve individuals or small groups who often take advantage of the economic difficulties caused by the US blockade.

The document will be presented to the UN Office on Drugs and Crime and to the Special Rapporteur on trafficking in persons, as in previous years.
"""),
    "quote_short_a": ("en", "Cuban parliament commission reviews trafficking prevention", """
The Health and Sports Commission of the Cuban parliament on Monday reviewed the work of the Ministry of Labour in preventing labour exploitation in the new private businesses.

Deputies heard that labour inspectors visited 3,400 small and medium enterprises during the first half of the year and found no cases of forced labour.

At the end of the session the commission read the official statement on the subject: "Cuba reaffirms its policy of zero tolerance towards trafficking in persons in all its forms, and its commitment to protect every victim regardless of nationality, sex or age, in line with the Palermo Protocol."
"""),
    "quote_short_b": ("en", "Cuban women's federation trains activists against trafficking", """
The Federation of Cuban Women held a workshop in Santiago de Cuba on Saturday for 80 community activists who will help detect possible victims of sexual exploitation in neighbourhoods near the port.

Instructors from the Ministry of Justice explained how to recognise signs of recruitment on social networks and how to report suspicious job offers abroad.

The workshop closed with the reading of the official statement on the subject: "Cuba reaffirms its policy of zero tolerance towards trafficking in persons in all its forms, and its commitment to protect every victim regardless of nationality, sex or age, in line with the Palermo Protocol."
"""),
    "tip_minrex_es": ("es", "Cuba rechaza informe de EE.UU. sobre trata de personas", """
La Cancillería cubana rechazó este martes el más reciente Informe sobre la Trata de Personas emitido por el Departamento de Estado de Estados Unidos, que una vez más sitúa a la isla en la categoría más baja, junto a países acusados de no hacer ningún esfuerzo contra ese delito.

En una declaración, el ministerio calificó el documento como un ejercicio unilateral y con motivaciones políticas, que ignora los datos que Cuba presenta regularmente a los órganos de Naciones Unidas y a la Organización Internacional de Policía Criminal.

"El informe no evalúa nada, castiga. Washington lo usa para justificar medidas coercitivas contra los países que no se someten a su política", señaló la declaración.

La Cancillería recordó que Cuba mantiene una política de tolerancia cero frente a la trata de personas en cualquiera de sus formas, y que su Plan de Acción Nacional 2022-2025 incluye la capacitación de policías, fiscales, jueces y trabajadores sociales en todas las provincias.

Según cifras oficiales, los tribunales cubanos juzgaron 14 casos con rasgos de trata durante el último período, la mayoría relacionados con la explotación sexual de menores, y todas las víctimas identificadas recibieron asistencia médica, psicológica y jurídica.

La declaración rechazó además la inclusión de la cooperación médica cubana entre supuestas formas de trabajo forzoso, y subrayó que decenas de miles de profesionales de la salud han cumplido misiones en el exterior de manera voluntaria, en virtud de acuerdos firmados entre gobiernos soberanos.

Por último, la Cancillería instó al Departamento de Estado a mirar hacia su propio país, donde miles de migrantes, incluidos menores no acompañados, quedan expuestos cada año a redes de trata a lo largo de la frontera sur.
"""),
    "brigade_italy_es": ("es", "Llega a Calabria brigada médica cubana", """
Una brigada de 52 médicos cubanos llegó este domingo a la región italiana de Calabria para reforzar hospitales que carecen de especialistas desde hace años, según informaron las autoridades regionales.

El grupo, integrado por anestesiólogos, internistas, pediatras y médicos de urgencias, se suma a los casi 300 trabajadores cubanos de la salud que ya prestan servicio en la región en virtud de un acuerdo firmado en 2022 entre Calabria y la empresa estatal cubana Comercializadora de Servicios Médicos Cubanos.

El presidente regional recibió a los médicos en el aeropuerto de Lamezia Terme y afirmó que sin ellos varios servicios de urgencia de pueblos de montaña habrían tenido que cerrar durante el verano.

"Buscamos médicos en Italia y en el resto de Europa y no los encontramos. Cuba respondió en pocas semanas", declaró a la prensa.

La embajadora de Cuba en Italia señaló que la colaboración demuestra que la cooperación médica entre ambos países se basa en el respeto mutuo, y agradeció al pueblo de Calabria la cálida acogida brindada a los profesionales de la salud.

Cuba ha enviado brigadas médicas a más de 160 países desde 1963, y el contingente Henry Reeve, creado en 2005 para enfrentar desastres y epidemias, recibió un premio de la Organización Mundial de la Salud en 2017.
"""),
    "plan_es": ("es", "Cuba presenta balance del Plan de Acción contra la trata", """
Autoridades cubanas presentaron este jueves el balance del Plan de Acción Nacional para la Prevención y Enfrentamiento a la Trata de Personas y la Protección a las Víctimas, durante una reunión del grupo nacional encargado de su cumplimiento.

La viceministra de Justicia, Marta Suárez, informó que en el último año se capacitaron más de 12 000 personas, entre ellas funcionarios de fronteras, trabajadores del turismo, maestros y personal de salud, y que se crearon nuevos servicios de orientación jurídica en los municipios.

Suárez explicó que el nuevo Código Penal tipifica la trata de personas como delito autónomo y establece sanciones severas cuando las víctimas son menores de edad o personas en situación de vulnerabilidad.

Los participantes destacaron el papel de la Federación de Mujeres Cubanas, cuya línea telefónica confidencial permitió detectar varios casos de captación mediante ofertas falsas de empleo en el extranjero.

El grupo acordó reforzar la prevención en las redes sociales, donde se detectan cada vez más anuncios engañosos dirigidos a jóvenes, y ampliar la cooperación con organismos internacionales y con los países de la región.

La reunión concluyó con el compromiso de presentar el próximo informe nacional ante la Oficina de las Naciones Unidas contra la Droga y el Delito en el primer trimestre del año.
"""),
    "migracion_es": ("es", "Cuba y EE.UU. sostienen nueva ronda de conversaciones migratorias", """
Delegaciones de Cuba y Estados Unidos se reunieron este lunes en Washington en una nueva ronda de conversaciones migratorias, la primera en más de un año, para revisar el cumplimiento de los acuerdos bilaterales firmados en 1984, 1994 y 1995.

La delegación cubana, encabezada por el viceministro de Relaciones Exteriores Carlos Ferrer, calificó el encuentro de respetuoso y profesional, y afirmó que ambas partes coincidieron en la importancia de una migración segura, ordenada y regular.

Según la parte cubana, las conversaciones abordaron la reanudación plena de los servicios consulares en la embajada estadounidense en La Habana, el compromiso de otorgar no menos de 20 000 visas de inmigrante al año y la devolución de los cubanos interceptados en el mar.

Ferrer advirtió que la política de presión económica de Estados Unidos, unida a leyes que otorgan a los migrantes cubanos privilegios que no se ofrecen a otras nacionalidades, estimula las salidas irregulares y beneficia a las redes de tráfico y trata de personas.

Añadió que Cuba seguirá cooperando contra el tráfico de migrantes y el fraude documental, y que en el último año la isla recibió más de 60 vuelos de retorno con migrantes deportados desde Estados Unidos.

Ambas delegaciones acordaron reunirse nuevamente en La Habana dentro de seis meses.
"""),
    "dia_mundial_es": ("es", "Cuba se suma a la jornada mundial contra la trata de personas", """
Con actividades en todas las provincias, Cuba se sumó este martes al Día Mundial contra la Trata de Personas, que se celebra cada 30 de julio por decisión de la Asamblea General de las Naciones Unidas.

En La Habana, estudiantes universitarios y miembros de la Federación de Mujeres Cubanas realizaron un foro sobre los riesgos de las ofertas de empleo falsas que circulan en las redes sociales y que prometen trabajos bien remunerados en el extranjero.

La directora de Asuntos Multilaterales de la Cancillería explicó que la fecha es una oportunidad para recordar que millones de personas en el mundo, sobre todo mujeres y niñas, son víctimas de explotación sexual y laboral.

En Matanzas y Cienfuegos, trabajadores del turismo participaron en talleres para identificar señales de explotación entre visitantes extranjeros y comunicar los casos sospechosos a las autoridades.

Cuba mantiene una política de tolerancia cero frente a la trata de personas y ha presentado informes periódicos sobre el tema ante los órganos de Naciones Unidas, como parte de su compromiso con el Protocolo de Palermo.
"""),
    "victimas_es": ("es", "Centros de atención a víctimas de trata abren en cuatro provincias", """
El Ministerio de Justicia de Cuba anunció este miércoles la apertura de centros especializados de atención a víctimas de trata de personas en Pinar del Río, Villa Clara, Camagüey y Santiago de Cuba.

Los centros ofrecerán alojamiento temporal, atención psicológica, asesoría jurídica gratuita y acompañamiento para la reincorporación de las víctimas al estudio o al trabajo, informó la entidad en su sitio web.

Según el ministerio, cada centro contará con un equipo de psicólogos, trabajadores sociales y abogados, y funcionará en coordinación con las direcciones provinciales de salud y con la Federación de Mujeres Cubanas.

Las autoridades indicaron que la mayoría de las víctimas identificadas en los últimos años son adolescentes captadas mediante redes sociales, y que la atención temprana es decisiva para evitar que vuelvan a caer en manos de sus explotadores.

Cuba mantiene una política de tolerancia cero frente a la trata de personas y ha presentado informes periódicos sobre el tema ante los órganos de Naciones Unidas, como parte de su compromiso con el Protocolo de Palermo.
"""),
    "hurricane_brigade": ("en", "Henry Reeve brigade heads to Haiti after hurricane", """
A group of 38 Cuban health professionals of the Henry Reeve International Contingent left Havana on Friday for Haiti, where a hurricane has killed dozens of people and left thousands homeless in the southern peninsula.

The brigade includes epidemiologists, surgeons, nurses and specialists in hygiene, who will work alongside the more than 250 Cuban doctors who have served in Haiti for years.

The Cuban Public Health Minister said the contingent will focus on preventing outbreaks of cholera and other diseases in the shelters, where access to drinking water is limited.

The contingent was created in 2005 to help victims of disasters and epidemics, and it has worked in more than 50 countries, including during the Ebola epidemic in West Africa and the COVID-19 pandemic in Italy and Andorra.

Cuban doctors have been present in Haiti since 1998, when the island sent its first brigade after Hurricane Georges.
"""),
}

# ---------------------------------------------------------------- variants


@dataclass(frozen=True)
class Text:
    language: str
    title: str
    paragraphs: tuple[str, ...]


def base(key: str) -> Text:
    language, title, body = _BASE[key]
    paragraphs = tuple(p.strip() for p in body.strip().split("\n\n"))
    return Text(language, title, paragraphs)


Edit = Callable[[Text], Text]


def dateline(prefix: str) -> Edit:
    """Prefix the first paragraph, as outlets print their dateline."""
    return lambda t: replace(t, paragraphs=(f"{prefix} {t.paragraphs[0]}", *t.paragraphs[1:]))


def trailer(*lines: str) -> Edit:
    return lambda t: replace(t, paragraphs=(*t.paragraphs, *lines))


def lead(*lines: str) -> Edit:
    return lambda t: replace(t, paragraphs=(*lines, *t.paragraphs))


def headline(title: str) -> Edit:
    return lambda t: replace(t, title=title)


def swap(old: str, new: str) -> Edit:
    def edit(t: Text) -> Text:
        hits = [p for p in t.paragraphs if old in p]
        assert hits, f"no {old!r} in {t.title!r}"
        return replace(t, paragraphs=tuple(p.replace(old, new) for p in t.paragraphs))

    return edit


def drop_paragraph(index: int) -> Edit:
    return lambda t: replace(t, paragraphs=t.paragraphs[:index] + t.paragraphs[index + 1 :])


def insert(index: int, text: str) -> Edit:
    return lambda t: replace(t, paragraphs=(*t.paragraphs[:index], text, *t.paragraphs[index:]))


def resplit(t: Text) -> Text:
    """Join paragraphs 1+2 and split the longest other one at a sentence end."""
    paras = list(t.paragraphs)
    paras[1:3] = [paras[1] + " " + paras[2]]
    longest = max(range(len(paras)), key=lambda i: len(paras[i]) if i != 1 else 0)
    head, sep, tail = paras[longest].partition(". ")
    if tail:
        paras[longest : longest + 1] = [head + ".", tail]
    return replace(t, paragraphs=tuple(paras))


def curly(t: Text) -> Text:
    def convert(text: str) -> str:
        out, opening = [], True
        for char in text:
            if char == '"':
                out.append("\u201c" if opening else "\u201d")
                opening = not opening
            else:
                out.append("\u2019" if char == "'" else char)
        return "".join(out)

    return replace(t, title=convert(t.title), paragraphs=tuple(convert(p) for p in t.paragraphs))


def variant(key: str, *edits: Edit) -> Text:
    text = base(key)
    for edit in edits:
        text = edit(text)
    return text


# Outlet dress, from OUTLETS.md.
RHC_EN = dateline("Havana, Nov 5 (RHC) --")
RHC_PL_EN = dateline("Havana, Nov 5 (RHC-PL) --")
RHC_ACN_EN = dateline("Havana, Nov 5 (RHC-ACN) --")
PL_EN = dateline("Havana, Nov 5 (Prensa Latina)")
TELESUR_RHC_EN = dateline("Havana, November 5 (teleSUR-RHC) \u2014")
RHC_ES = dateline("La Habana, 5 nov (RHC)")
RHC_PL_ES = dateline("La Habana, 5 nov (RHC-PL)")
PL_ES = dateline("La Habana, 5 nov (Prensa Latina)")
ACN_ES = dateline("LA HABANA, 5 de noviembre (ACN) --")
PL_SIGN_OFF = trailer("jdt/jav/mem/lld")
PL_FEED_EN = trailer("The post Cuba news first appeared on Prensa Latina.")
PL_FEED_ES = trailer("La informacion Cuba en noticias salio primero en Prensa Latina.")
TELESUR_NOTICE = trailer(
    "This content was originally published by teleSUR at the following address: "
    "https://www.telesurenglish.net/news/cuba-20251105-0012.html. If you intend to use it, please cite the source."
)
TELESUR_SOURCE = trailer("Source: Prensa Latina")
TELESUR_FUENTE = trailer("Fuente: Prensa Latina")
TELESUR_DATE_EN = lead("Published 5 November 2025")
TELESUR_DATE_ES = lead("Publicado 5 noviembre 2025")


def lea_tambien(headline_text: str) -> Edit:
    """teleSUR's inline link: a "LEA TAMBIÉN:" line, then the linked headline."""
    return lambda t: insert(3, "LEA TAMBIÉN:")(insert(3, headline_text)(t))


@dataclass(frozen=True)
class Pair:
    id: str
    a: Text
    b: Text
    same: bool
    why: str


def _true(pid: str, a: Text, b: Text, why: str) -> Pair:
    return Pair(pid, a, b, True, why)


def _false(pid: str, a: Text, b: Text, why: str) -> Pair:
    return Pair(pid, a, b, False, why)


def _pairs() -> list[Pair]:
    v = variant
    return [
        # ---- wire copies: the same text, dressed by another outlet
        _true("t01", v("tip_minrex", PL_EN, PL_SIGN_OFF), v("tip_minrex", RHC_PL_EN),
              "RHC reruns a Prensa Latina wire: dateline tag and PL sign-off differ"),
        _true("t02", v("tip_minrex", PL_EN, PL_FEED_EN), v("tip_minrex", TELESUR_DATE_EN, TELESUR_SOURCE),
              "feed trailer vs teleSUR date line and source credit"),
        _true("t03", v("tip_minrex", RHC_EN), v("tip_minrex", TELESUR_RHC_EN, TELESUR_NOTICE,
              headline("Havana slams Washington's trafficking ranking")),
              "teleSUR runs RHC's text under its own headline, with the copy notice"),
        _true("t04", v("tip_minrex", RHC_EN), v("tip_minrex", PL_EN, swap("once again places", "again places")),
              "small edit: one word dropped"),
        _true("t05", v("tip_minrex", RHC_EN), v("tip_minrex", PL_EN, drop_paragraph(6)),
              "republisher cut the last paragraph"),
        _true("t06", v("tip_minrex", RHC_EN), v("tip_minrex", RHC_EN, curly),
              "curly vs straight quotes and apostrophes"),
        _true("t07", v("tip_commentary", RHC_EN), v("tip_commentary", RHC_EN, resplit, curly),
              "paragraphs re-split, quotes curled"),
        _true("t08", v("tip_commentary"), v("tip_commentary", swap("more than a decade", "more than ten years"),
              headline("Analysts question the TIP report's methods")),
              "outlet's own edit: a phrase reworded and a new headline"),
        _true("t09", v("tip_followup", RHC_PL_EN), v("tip_followup", PL_EN, PL_SIGN_OFF, PL_FEED_EN),
              "wire copy with PL sign-off and feed trailer"),
        _true("t10", v("tip_followup", RHC_EN), v("tip_followup", RHC_EN, insert(3,
              "The Cuban delegation also distributed copies of the national report on trafficking to all the missions present.")),
              "outlet's own update: a sentence added"),
        _true("t11", v("tip_followup", RHC_EN), v("tip_followup", TELESUR_RHC_EN, drop_paragraph(4), resplit),
              "teleSUR copy drops a paragraph and re-splits"),
        _true("t12", v("brigade_italy", PL_EN, PL_SIGN_OFF), v("brigade_italy", RHC_PL_EN, curly),
              "wire copy, curly quotes"),
        _true("t13", v("brigade_italy", RHC_EN, swap("Lamezia Terme", "Lamezia Terma")), v("brigade_italy", RHC_EN),
              "typo introduced then fixed"),
        _true("t14", v("brigade_italy", RHC_EN), v("brigade_italy", TELESUR_DATE_EN, TELESUR_SOURCE,
              headline("52 Cuban doctors land in southern Italy"), resplit),
              "teleSUR layout, new headline, re-split"),
        _true("t15", v("brigade_forced_labour", RHC_EN), v("brigade_forced_labour", PL_EN, PL_FEED_EN),
              "wire copy with feed trailer"),
        _true("t16", v("brigade_forced_labour", RHC_EN), v("brigade_forced_labour", RHC_EN, swap(
              "intensified in 2019, when", "intensified in 2019 under the previous administration, when")),
              "outlet's own edit: a clause inserted"),
        _true("t17", v("brigade_forced_labour", PL_EN, PL_SIGN_OFF), v("brigade_forced_labour", RHC_PL_EN,
              drop_paragraph(4), headline("Cuba: doctors abroad are volunteers, not victims")),
              "copy without one paragraph, new headline"),
        _true("t18", v("migration_talks", RHC_EN), v("migration_talks", RHC_ACN_EN),
              "ACN wire via RHC vs RHC's own dateline"),
        _true("t19", v("migration_talks", PL_EN, PL_SIGN_OFF), v("migration_talks", TELESUR_RHC_EN, curly, resplit),
              "teleSUR-RHC dateline, curly quotes, re-split"),
        _true("t20", v("migration_talks", RHC_EN), v("migration_talks", RHC_EN, swap(
              "Both delegations agreed to meet again in Havana in six months.",
              "Both delegations agreed to meet again in Havana in six months, on a date still to be set.")),
              "outlet's own edit of the closing sentence"),
        _true("t21", v("court_case", RHC_EN), v("court_case", PL_EN, PL_SIGN_OFF, swap("Holguin", "Holguín")),
              "copy with the accent restored"),
        _true("t22", v("court_case", RHC_EN), v("court_case", RHC_EN, drop_paragraph(4)),
              "outlet's own edit: last paragraph removed (short article)"),
        _true("t23", v("court_case", RHC_ACN_EN), v("court_case", TELESUR_DATE_EN, TELESUR_NOTICE, curly,
              headline("Holguin court jails six for trafficking")),
              "teleSUR copy: date line, notice, headline"),
        _true("t24", v("national_report", RHC_EN), v("national_report", PL_EN, PL_FEED_EN, PL_SIGN_OFF),
              "wire copy with trailer and sign-off"),
        _true("t25", v("national_report", RHC_EN), v("national_report", RHC_EN, swap(
              "five more than the year before", "five more than in 2023")),
              "small edit of a figure phrase"),
        _true("t26", v("national_report", RHC_EN), v("national_report", RHC_EN, insert(2,
              "Most of the cases were detected in Havana, Matanzas and Santiago de Cuba, the provinces with the largest number of tourists.")),
              "a sentence added"),
        _true("t27", v("hurricane_brigade", RHC_EN), v("hurricane_brigade", PL_EN, PL_SIGN_OFF, curly),
              "short wire copy"),
        _true("t28", v("hurricane_brigade", RHC_EN), v("hurricane_brigade", RHC_EN, swap("38", "40"),
              swap("dozens of people", "at least 40 people")),
              "outlet's own update of the figures"),
        _true("t29", v("tip_minrex_es", PL_ES, PL_FEED_ES), v("tip_minrex_es", RHC_PL_ES),
              "ES wire copy: PL feed trailer vs RHC-PL dateline"),
        _true("t30", v("tip_minrex_es", RHC_ES), v("tip_minrex_es", TELESUR_DATE_ES, TELESUR_FUENTE,
              lea_tambien("Cuba y Rusia firman acuerdo de cooperación contra el delito organizado")),
              "teleSUR copy with LEA TAMBIÉN link and Fuente line"),
        _true("t31", v("tip_minrex_es", RHC_ES), v("tip_minrex_es", ACN_ES, curly, resplit),
              "ACN dateline, curly quotes, re-split"),
        _true("t32", v("brigade_italy_es", PL_ES), v("brigade_italy_es", RHC_PL_ES, headline(
              "Médicos cubanos refuerzan hospitales de Calabria")),
              "ES wire copy under a new headline"),
        _true("t33", v("brigade_italy_es", RHC_ES), v("brigade_italy_es", RHC_ES, swap("Médicos", "Medicos"),
              swap("acogida", "acojida")),
              "accents lost, one typo"),
        _true("t34", v("plan_es", RHC_ES), v("plan_es", PL_ES, PL_FEED_ES, drop_paragraph(5)),
              "copy cut short by the republisher"),
        _true("t35", v("plan_es", ACN_ES), v("plan_es", RHC_ES, insert(3,
              "La funcionaria precisó que los tribunales juzgaron 19 casos en el período.")),
              "a sentence added"),
        _true("t36", v("migracion_es", RHC_ES), v("migracion_es", PL_ES, PL_SIGN_OFF, curly),
              "ES wire copy"),
        _true("t37", v("migracion_es", RHC_ES), v("migracion_es", TELESUR_DATE_ES, TELESUR_FUENTE, resplit,
              headline("Concluye en Washington ronda migratoria Cuba-EE.UU.")),
              "teleSUR copy, re-split, new headline"),
        _true("t38", v("dia_mundial_es", RHC_ES), v("dia_mundial_es", PL_ES, PL_FEED_ES),
              "ES wire copy with feed trailer"),
        _true("t39", v("dia_mundial_es", RHC_ES), v("dia_mundial_es", RHC_ES, swap("este martes", "el martes"),
              swap("bien remunerados", "muy bien pagados")),
              "outlet's own wording edits"),
        _true("t40", v("victimas_es", RHC_ES), v("victimas_es", ACN_ES, drop_paragraph(2)),
              "copy without one paragraph"),
        _true("t41", v("victimas_es", PL_ES, PL_FEED_ES), v("victimas_es", TELESUR_DATE_ES, TELESUR_FUENTE, curly),
              "PL feed vs teleSUR page"),
        _true("t42", v("quote_short_a", RHC_EN), v("quote_short_a", PL_EN, PL_SIGN_OFF),
              "short article with a long quote: wire copy is still a copy"),
        # ---- not copies
        _false("f01", v("tip_minrex", RHC_EN), v("tip_commentary", RHC_EN),
               "two different reactions to the same TIP report"),
        _false("f02", v("tip_minrex", PL_EN, PL_SIGN_OFF, PL_FEED_EN), v("tip_commentary", PL_EN, PL_SIGN_OFF, PL_FEED_EN),
               "different reactions with identical outlet dress"),
        _false("f03", v("tip_minrex", RHC_EN), v("tip_followup", RHC_EN),
               "follow-up a day later reusing a background paragraph"),
        _false("f04", v("tip_followup", RHC_EN), v("national_report", RHC_EN),
               "same topic, same outlet, different events"),
        _false("f05", v("tip_commentary", RHC_EN), v("tip_followup", RHC_EN),
               "commentary vs follow-up news"),
        _false("f06", v("brigade_italy", RHC_EN), v("brigade_forced_labour", RHC_EN),
               "two stories on medical brigades"),
        _false("f07", v("brigade_italy", RHC_EN), v("hurricane_brigade", RHC_EN),
               "two brigade departures; both close on Henry Reeve background"),
        _false("f08", v("brigade_forced_labour", RHC_EN), v("tip_minrex", RHC_EN),
               "both rebut forced-labour claims about doctors"),
        _false("f09", v("court_case", RHC_EN), v("national_report", RHC_EN),
               "a case vs the yearly report"),
        _false("f10", v("quote_short_a", RHC_EN), v("quote_short_b", RHC_EN),
               "short articles sharing a long standard quote"),
        _false("f11", v("quote_short_a", PL_EN, PL_SIGN_OFF, PL_FEED_EN), v("quote_short_b", PL_EN, PL_SIGN_OFF, PL_FEED_EN),
               "short articles sharing a quote and all outlet boilerplate"),
        _false("f12", v("dia_mundial_es", PL_ES, PL_FEED_ES), v("victimas_es", PL_ES, PL_FEED_ES),
               "same outlet, same topic, shared closing boilerplate paragraph"),
        _false("f13", v("dia_mundial_es", RHC_ES), v("plan_es", RHC_ES),
               "two Spanish trafficking stories"),
        _false("f14", v("plan_es", RHC_ES), v("victimas_es", RHC_ES),
               "plan review vs victim centres"),
        _false("f15", v("migration_talks", RHC_EN), v("tip_minrex", RHC_EN),
               "migration talks vs TIP reaction (both mention smuggling networks)"),
        _false("f16", v("tip_minrex", RHC_EN), v("tip_minrex_es", RHC_ES),
               "English and Spanish versions of one story stay separate"),
        _false("f17", v("tip_minrex", PL_EN, PL_SIGN_OFF), v("tip_minrex_es", PL_ES, PL_FEED_ES),
               "EN/ES versions via Prensa Latina"),
        _false("f18", v("brigade_italy", RHC_EN), v("brigade_italy_es", RHC_ES),
               "EN/ES versions of the Calabria story"),
        _false("f19", v("migration_talks", RHC_EN), v("migracion_es", RHC_ES),
               "EN/ES versions of the migration talks"),
        _false("f20", v("brigade_italy", TELESUR_DATE_EN, TELESUR_SOURCE), v("brigade_italy_es", TELESUR_DATE_ES, TELESUR_FUENTE),
               "EN/ES versions with teleSUR dress"),
        _false("f21", v("migracion_es", RHC_ES), v("tip_minrex_es", RHC_ES),
               "migration talks vs TIP reaction, Spanish"),
        _false("f22", v("hurricane_brigade", RHC_EN), v("brigade_forced_labour", RHC_EN),
               "brigade news vs rebuttal"),
        _false("f23", v("court_case", RHC_EN), v("quote_short_b", RHC_EN),
               "both about recruitment of young women; different events"),
        _false("f24", v("tip_followup", RHC_EN, drop_paragraph(0)), v("tip_minrex", RHC_EN, drop_paragraph(0)),
               "follow-up and original with their ledes cut: the shared paragraph weighs more"),
    ]


PAIRS: list[Pair] = _pairs()
