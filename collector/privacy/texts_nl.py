"""The privacy statement in Dutch (see statement.py; the words only:
facts.py says what is true): Persoonsgegevens, Bewaartermijnen, Cookies,
Jouw rechten, as Dutch statements put it."""

from __future__ import annotations

from collector.privacy.document import Block, Heading, Items, Link, Paragraph, Table, Text, t
from collector.privacy.facts import COOKIE_NAME, OPTOUT_KEY, Facts


def listing(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]


def period(days: int, months: int) -> Text:
    day_word = "dag" if days == 1 else "dagen"
    if months < 1:
        return t("{days} " + day_word, days=days)
    month_word = "maand" if months == 1 else "maanden"
    return t("{months} " + month_word + " ({days} " + day_word + ")", months=months, days=days)


def page_item(f: Facts) -> Text:
    if not f.keep_query:
        return t(
            "het adres (URL) van de pagina die je bezoekt, zonder parameters: alles na het"
            " vraagteken wordt verwijderd voordat er iets wordt opgeslagen;"
        )
    return t(
        "het adres (URL) van de pagina die je bezoekt. Parameters in dat adres worden"
        " verwijderd voordat er iets wordt opgeslagen, behalve {kept};",
        kept=listing(f.keep_query),
    )


def address_item(f: Facts) -> Text:
    v4, v6 = f.ipv4_prefix, f.ipv6_prefix
    if not v4 and not v6:
        return t("je IP-adres wordt niet opgeslagen, ook niet ingekort;")
    if not v4:
        return t(
            "een IPv4-adres wordt niet opgeslagen; van een IPv6-adres alleen de eerste {v6}"
            " bits, zodat het niet meer naar jouw aansluiting wijst;",
            v6=v6,
        )
    if not v6:
        return t(
            "een IPv6-adres wordt niet opgeslagen; van een IPv4-adres alleen de eerste {v4}"
            " bits, zodat het niet meer naar jouw aansluiting wijst;",
            v4=v4,
        )
    return t(
        "je IP-adres, ingekort: van een IPv4-adres blijven de eerste {v4} bits over, van een"
        " IPv6-adres de eerste {v6}. De rest wordt weggegooid voordat er iets wordt opgeslagen,"
        " zodat het adres niet meer naar jouw aansluiting wijst;",
        v4=v4,
        v6=v6,
    )


def collected(f: Facts) -> list[Text]:
    items = [
        page_item(f),
        t("de pagina waar je vandaan kwam (de verwijzer): alleen de domeinnaam en het pad;"),
        t("de schermgrootte van je apparaat en de taal van je browser;"),
        t(
            "je browser en de versie ervan, je besturingssysteem en het soort apparaat"
            " (computer, telefoon of tablet), afgeleid uit wat je browser meestuurt;"
        ),
    ]
    if f.geoip:
        items.append(
            t(
                "het land, de regio en de stad waar je ongeveer bent. Die worden afgeleid uit"
                " je volledige IP-adres, maar alleen in het werkgeheugen: het volledige adres"
                " wordt nergens opgeslagen;"
            )
        )
    items += [
        address_item(f),
        t("de versie van de mediaspeler, als de pagina die meestuurt;"),
        t(
            "hoe je de pagina en de media gebruikt, met tijdcodes: het laden van een video of"
            " geluidsfragment (videoLoad), afspelen (play), pauzeren (pause), verspringen (seek),"
            " terugspoelen (rewind) en het einde (ended), klikken met de plek op de pagina,"
            " elementen waarop je de muis even laat rusten (hovers), elementen die in beeld"
            " komen of verdwijnen (eleOn/eleOff), foutmeldingen (errors), hoe ver je scrolt,"
            " hoe lang de pagina zichtbaar was en gebeurtenissen die de website zelf meldt"
            " (custom events);"
        ),
        t(
            "een bezoekerskenmerk: een hash van je IP-adres en browsergegevens met een geheime"
            " sleutel die elke dag (UTC) wordt vervangen en daarna vernietigd, zodat bezoeken op"
            " verschillende dagen niet aan elkaar te koppelen zijn" + (";" if f.consent else ".")
        ),
    ]
    if f.consent:
        items.append(
            t(
                "een willekeurig bezoekersnummer (uid) en sessienummer (sid) uit het cookie"
                " {cookie}, waarmee je bezoeken aan elkaar gekoppeld worden.",
                cookie=COOKIE_NAME,
            )
        )
    return items


def personal_data(f: Facts) -> list[Block]:
    if f.consent:
        intro = t(
            "Peil verzamelt pas iets nadat je daar toestemming voor hebt gegeven. Daarna legt"
            " het bij elk bezoek de volgende gegevens vast:"
        )
        basis = t(
            "De grondslag is je toestemming (artikel 6, lid 1, onder a AVG). Die kun je altijd"
            " weer intrekken; vanaf dat moment wordt er niets meer verzameld."
        )
    else:
        intro = t("Bij elk bezoek legt Peil de volgende gegevens vast:")
        basis = t(
            "De grondslag is ons gerechtvaardigd belang bij inzicht in het gebruik van de"
            " website (artikel 6, lid 1, onder f AVG). We houden dat zo licht mogelijk: geen"
            " cookies en geen kenmerk dat langer dan een dag bestaat."
        )
    return [
        Heading(2, t("Persoonsgegevens")),
        Paragraph(intro),
        Items(collected(f)),
        Paragraph(
            t(
                "We gebruiken deze gegevens alleen voor statistieken over het gebruik van de"
                " website en haar media: welke pagina's en video's bekeken worden, hoe bezoekers"
                " hier terechtkomen en waar ze afhaken. We maken er geen profielen van, gebruiken"
                " ze niet voor advertenties en geven ze aan niemand door: er komt geen derde"
                " partij aan te pas, de gegevens blijven op onze eigen server."
            )
        ),
        Paragraph(basis),
    ]


def retention(f: Facts) -> list[Block]:
    if f.aggregate_days is None:
        totals = t(
            "Wat daarna overblijft, zijn alleen totalen per dag (zoals het aantal bezoekers of"
            " weergaven per pagina), zonder gegevens over individuele bezoekers; die blijven"
            " bewaard."
        )
    else:
        totals = t(
            "Wat daarna overblijft, zijn alleen totalen per dag (zoals het aantal bezoekers of"
            " weergaven per pagina), zonder gegevens over individuele bezoekers; die worden na"
            " {days} dagen verwijderd.",
            days=f.aggregate_days,
        )
    return [
        Heading(2, t("Bewaartermijnen")),
        Paragraph(
            t(
                "De gegevens per bezoek worden {period} bewaard. Daarna worden ze automatisch"
                " verwijderd: elke dag verdwijnt in één keer de hele dag die ouder is dan die"
                " termijn.",
                period=period(f.retention_days, f.retention_months),
            )
        ),
        Paragraph(totals),
    ]


def cookies(f: Facts) -> list[Block]:
    provider = t("{site} (deze website zelf, geen derde partij)", site=f.site_name)
    rows = []
    if f.consent:
        intro = t(
            "Peil plaatst pas een cookie nadat je toestemming hebt gegeven; trek je die in, dan"
            " wordt het cookie meteen verwijderd."
        )
        rows.append(
            [
                t("{name} (cookie)", name=COOKIE_NAME),
                provider,
                t(
                    "onthoudt je bezoekersnummer en sessienummer, zodat je bezoeken aan elkaar"
                    " gekoppeld kunnen worden"
                ),
                t(
                    "{period} vanaf je eerste toestemming; een nieuwe sessie begint na {idle}"
                    " minuten zonder activiteit",
                    period=period(f.cookie_days, f.cookie_months),
                    idle=f.session_idle_min,
                ),
            ]
        )
    else:
        intro = t(
            "Deze website plaatst met Peil geen cookies en slaat niets op in je browser. Alleen"
            " als je bezwaar maakt tegen het meten, onthoudt je browser die keuze:"
        )
    rows.append(
        [
            t("{name} (localStorage)", name=OPTOUT_KEY),
            provider,
            t("onthoudt dat je niet gemeten wilt worden; alleen als je bezwaar maakt"),
            t("tot je het zelf wist of het meten weer toestaat"),
        ]
    )
    headers = [t("Naam"), t("Aanbieder"), t("Doel"), t("Bewaartermijn")]
    return [Heading(2, t("Cookies")), Paragraph(intro), Table(headers, rows)]


def contact(f: Facts) -> Text:
    if f.contact:
        return t("{contact}", contact=Link(f.contact, "mailto:" + f.contact))
    return t("de contactgegevens op deze website")


def rights(f: Facts) -> list[Block]:
    if f.consent:
        how = t(
            "Wil je je gegevens inzien, meenemen of laten verwijderen, stuur dan een e-mail naar"
            " {contact} met je bezoekersnummer. Dat is het eerste deel van de waarde van het"
            " cookie {cookie}, tot de eerste punt (je browser toont het bij de cookies van"
            " {domain}). Daarmee vinden we al je gegevens terug en sturen we je een kopie of"
            " verwijderen we ze.",
            contact=contact(f),
            cookie=COOKIE_NAME,
            domain=f.domains[0] if f.domains else f.site_name,
        )
    else:
        how = t(
            "Omdat Peil geen cookies gebruikt en het bezoekerskenmerk elke dag verandert, kunnen"
            " we de gegevens niet aan jou als persoon koppelen, en dus ook niet voor je"
            " terugvinden. Heb je vragen over je privacy, stuur ze dan naar {contact}.",
            contact=contact(f),
        )
    return [
        Heading(2, t("Jouw rechten")),
        Paragraph(
            t(
                "Je hebt het recht om je gegevens in te zien, ze te laten verwijderen, ze in een"
                " gangbaar formaat mee te nemen en bezwaar te maken tegen het verwerken ervan."
            )
        ),
        Paragraph(how),
        Paragraph(
            t(
                "Bezwaar maken kan ook zonder ons: staat Do Not Track of Global Privacy Control"
                " aan in je browser, dan verstuurt en bewaart Peil helemaal niets. En op deze"
                " pagina zet je met de schakelaar van Peil ({optout}, hier in een kader getoond)"
                " het meten in deze browser uit (en weer aan).",
                optout=Link(f.optout_url, f.optout_url),
            )
        ),
        Paragraph(
            t(
                "Ben je het niet eens met hoe we met je gegevens omgaan, dan kun je een klacht"
                " indienen bij de Autoriteit Persoonsgegevens."
            )
        ),
    ]


def blocks(f: Facts) -> list[Block]:
    return [
        Heading(1, t("Privacyverklaring van {site}", site=f.site_name)),
        Paragraph(
            t(
                "{site} meet het gebruik van deze website met Peil, een statistiekprogramma dat"
                " op onze eigen server draait. Hieronder lees je welke gegevens daarbij worden"
                " verzameld, waarom, hoe lang we ze bewaren en welke rechten je hebt.",
                site=f.site_name,
            )
        ),
        *personal_data(f),
        *retention(f),
        *cookies(f),
        *rights(f),
    ]
