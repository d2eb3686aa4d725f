"""The privacy statement in English (see statement.py; the words only:
facts.py says what is true): Personal data, Retention, Cookies, Your rights."""

from __future__ import annotations

from collector.privacy.document import Block, Heading, Items, Link, Paragraph, Table, Text, t
from collector.privacy.facts import COOKIE_NAME, OPTOUT_KEY, Facts


def listing(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def period(days: int, months: int) -> Text:
    day_word = "day" if days == 1 else "days"
    if months < 1:
        return t("{days} " + day_word, days=days)
    month_word = "month" if months == 1 else "months"
    return t("{months} " + month_word + " ({days} " + day_word + ")", months=months, days=days)


def page_item(f: Facts) -> Text:
    if not f.keep_query:
        return t(
            "the address (URL) of the page you visit, without parameters: everything after the"
            " question mark is removed before anything is stored;"
        )
    return t(
        "the address (URL) of the page you visit. Parameters in that address are removed"
        " before anything is stored, except {kept};",
        kept=listing(f.keep_query),
    )


def address_item(f: Facts) -> Text:
    v4, v6 = f.ipv4_prefix, f.ipv6_prefix
    if not v4 and not v6:
        return t("your IP address is not stored, not even shortened;")
    if not v4:
        return t(
            "an IPv4 address is not stored; of an IPv6 address only the first {v6} bits, so it"
            " no longer points to your connection;",
            v6=v6,
        )
    if not v6:
        return t(
            "an IPv6 address is not stored; of an IPv4 address only the first {v4} bits, so it"
            " no longer points to your connection;",
            v4=v4,
        )
    return t(
        "your IP address, shortened: the first {v4} bits of an IPv4 address are kept, the"
        " first {v6} of an IPv6 address. The rest is thrown away before anything is stored, so"
        " the address no longer points to your connection;",
        v4=v4,
        v6=v6,
    )


def collected(f: Facts) -> list[Text]:
    items = [
        page_item(f),
        t("the page you came from (the referrer): only its domain name and path;"),
        t("the screen size of your device and the language of your browser;"),
        t(
            "your browser and its version, your operating system and the kind of device"
            " (computer, phone or tablet), as your browser announces them;"
        ),
    ]
    if f.geoip:
        items.append(
            t(
                "the country, region and city you are roughly in. They are derived from your"
                " full IP address, but in memory only: the full address is never stored;"
            )
        )
    items += [
        address_item(f),
        t("the version of the media player, when the page sends it;"),
        t(
            "how you use the page and its media, with timecodes: loading a video or audio"
            " clip (videoLoad), playing (play), pausing (pause), jumping (seek), rewinding"
            " (rewind) and reaching the end (ended), clicks with their place on the page,"
            " elements the pointer rests on for a moment (hovers), elements that come into view"
            " or leave it (eleOn/eleOff), errors, how far you scroll, how long the page was"
            " visible and events the site itself reports (custom events);"
        ),
        t(
            "a visitor hash: a hash of your IP address and browser details with a secret key"
            " that is replaced every day (UTC) and then destroyed, so visits on different days"
            " cannot be linked" + (";" if f.consent else "."),
        ),
    ]
    if f.consent:
        items.append(
            t(
                "a random visitor number (uid) and session number (sid) from the {cookie}"
                " cookie, which link your visits together.",
                cookie=COOKIE_NAME,
            )
        )
    return items


def personal_data(f: Facts) -> list[Block]:
    if f.consent:
        intro = t(
            "Peil collects nothing until you have given your consent. From then on it records"
            " the following on every visit:"
        )
        basis = t(
            "The legal basis is your consent (Article 6(1)(a) GDPR). You can withdraw it at any"
            " time; from that moment nothing more is collected."
        )
    else:
        intro = t("On every visit Peil records the following:")
        basis = t(
            "The legal basis is our legitimate interest in knowing how the site is used"
            " (Article 6(1)(f) GDPR). We keep that as light as we can: no cookies, and no"
            " identifier that lasts longer than a day."
        )
    return [
        Heading(2, t("Personal data")),
        Paragraph(intro),
        Items(collected(f)),
        Paragraph(
            t(
                "We use this data only for statistics about the use of the site and its media:"
                " which pages and videos are watched, how visitors find their way here and where"
                " they drop off. We build no profiles, use nothing for advertising and pass"
                " nothing on: no third party is involved, and the data stays on our own server."
            )
        ),
        Paragraph(basis),
    ]


def retention(f: Facts) -> list[Block]:
    totals = (
        "What remains after that are daily totals only (such as the number of visitors or"
        " views per page), with nothing about individual visitors; "
    )
    if f.aggregate_days is None:
        after = t(totals + "they are kept.")
    else:
        after = t(totals + "they are deleted after {days} days.", days=f.aggregate_days)
    return [
        Heading(2, t("Retention")),
        Paragraph(
            t(
                "The data of each visit is kept for {period}. Then it is deleted automatically:"
                " every day, the whole day that has become older than that is removed at once.",
                period=period(f.retention_days, f.retention_months),
            )
        ),
        Paragraph(after),
    ]


def cookies(f: Facts) -> list[Block]:
    provider = t("{site} (this site itself, no third party)", site=f.site_name)
    rows = []
    if f.consent:
        intro = t(
            "Peil sets a cookie only after you have given your consent; if you withdraw it, the"
            " cookie is deleted at once."
        )
        rows.append(
            [
                t("{name} (cookie)", name=COOKIE_NAME),
                provider,
                t("remembers your visitor number and session number, so your visits can be linked"),
                t(
                    "{period} from your first consent; a new session starts after {idle} minutes"
                    " without activity",
                    period=period(f.cookie_days, f.cookie_months),
                    idle=f.session_idle_min,
                ),
            ]
        )
    else:
        intro = t(
            "This site sets no cookies with Peil and stores nothing in your browser. Only if you"
            " object to being measured does your browser remember that choice:"
        )
    rows.append(
        [
            t("{name} (localStorage)", name=OPTOUT_KEY),
            provider,
            t("remembers that you do not want to be measured; only if you object"),
            t("until you clear it yourself or allow measuring again"),
        ]
    )
    headers = [t("Name"), t("Provider"), t("Purpose"), t("Expiry")]
    return [Heading(2, t("Cookies")), Paragraph(intro), Table(headers, rows)]


def contact(f: Facts) -> Text:
    if f.contact:
        return t("{contact}", contact=Link(f.contact, "mailto:" + f.contact))
    return t("the contact details on this site")


def rights(f: Facts) -> list[Block]:
    if f.consent:
        how = t(
            "To see your data, take it with you or have it deleted, send an email to {contact}"
            " with your visitor number. That is the first part of the value of the {cookie}"
            " cookie, up to the first dot (your browser shows it among the cookies of"
            " {domain}). With it we find all your data and send you a copy or delete it.",
            contact=contact(f),
            cookie=COOKIE_NAME,
            domain=f.domains[0] if f.domains else f.site_name,
        )
    else:
        how = t(
            "Because Peil uses no cookies and the visitor hash changes every day, we cannot link"
            " the data to you as a person, and so cannot find it for you either. If you have"
            " questions about your privacy, send them to {contact}.",
            contact=contact(f),
        )
    return [
        Heading(2, t("Your rights")),
        Paragraph(
            t(
                "You have the right to see your data, to have it deleted, to take it with you in"
                " a common format and to object to its processing."
            )
        ),
        Paragraph(how),
        Paragraph(
            t(
                "You can also object without us: with Do Not Track or Global Privacy Control"
                " switched on in your browser, Peil sends and stores nothing at all. And on this"
                " page, Peil's switch ({optout}, shown here in a frame) turns measuring off"
                " (and on again) in this browser.",
                optout=Link(f.optout_url, f.optout_url),
            )
        ),
        Paragraph(
            t(
                "If you disagree with how we handle your data, you can lodge a complaint with"
                " the data protection authority of your country."
            )
        ),
    ]


def blocks(f: Facts) -> list[Block]:
    return [
        Heading(1, t("Privacy statement of {site}", site=f.site_name)),
        Paragraph(
            t(
                "{site} measures the use of this site with Peil, an analytics program that runs"
                " on our own server. Below you can read which data it collects, why, how long we"
                " keep it and what your rights are.",
                site=f.site_name,
            )
        ),
        *personal_data(f),
        *retention(f),
        *cookies(f),
        *rights(f),
    ]
