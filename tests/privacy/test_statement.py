"""The privacy statement: it follows the live configuration (retention, the
address prefixes, the kept query parameters, GeoIP, consent mode, contact),
in Dutch and English, as Markdown and as HTML without script in which a
hostile site name or contact stays text; the tracker's cookie facts are
read from its source."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from collector.config import load_settings
from collector.errors import PeilError
from collector.privacy.facts import COOKIE_DAYS, OPTOUT_KEY, SESSION_IDLE_MIN
from collector.privacy.statement import statement
from collector.store.sites import Site

REPO = Path(__file__).resolve().parents[2]
SITE = Site(1, "abc123", "Studio Pix", ["pix.example.nl"], None, "Europe/Amsterdam")
SETTINGS = load_settings({"PEIL_PUBLIC_URL": "https://stats.example.nl"})


def text(site=SITE, settings=SETTINGS, lang="nl", fmt="md") -> str:
    return statement(site, settings, lang, fmt)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_sections_of_a_statement(lang):
    headings = [line for line in text(lang=lang).splitlines() if line.startswith("#")]
    if lang == "nl":
        assert headings == [
            "# Privacyverklaring van Studio Pix",
            "## Persoonsgegevens",
            "## Bewaartermijnen",
            "## Cookies",
            "## Jouw rechten",
        ]
    else:
        assert headings == [
            "# Privacy statement of Studio Pix",
            "## Personal data",
            "## Retention",
            "## Cookies",
            "## Your rights",
        ]


def test_retention_follows_the_instance_and_the_site():
    assert "6 maanden (183 dagen)" in text()
    assert "12 months (365 days)" in text(settings=replace(SETTINGS, retention_days=365), lang="en")
    shorter = replace(SITE, retention_days=30)
    assert "1 maand (30 dagen)" in text(shorter)
    assert "1 month (30 days)" in text(shorter, lang="en")
    # A site cannot keep longer than the instance: the purge drops whole days.
    assert "6 maanden (183 dagen)" in text(replace(SITE, retention_days=400))
    assert "na 90 dagen verwijderd" in text(settings=replace(SETTINGS, aggregate_retention_days=90))


def test_the_address_prefixes_or_none():
    assert "de eerste 24 bits over, van een IPv6-adres de eerste 48" in text()
    assert "the first 16 bits of an IPv4 address are kept, the first 32" in text(
        settings=replace(SETTINGS, ipv4_prefix=16, ipv6_prefix=32), lang="en"
    )
    none = text(settings=replace(SETTINGS, ipv4_prefix=0, ipv6_prefix=0))
    assert "je IP-adres wordt niet opgeslagen" in none and "bits" not in none
    assert "an IPv4 address is not stored; of an IPv6 address only the first 48 bits" in text(
        settings=replace(SETTINGS, ipv4_prefix=0), lang="en"
    )


def test_query_parameters_and_location():
    kept = "utm_source, utm_medium, utm_campaign, utm_content, utm_term, ref en source"
    assert f"behalve {kept};" in text(fmt="html")
    assert "behalve " + kept.replace("_", r"\_") in text()  # Markdown: values escaped
    assert "everything after the question mark is removed" in text(
        settings=replace(SETTINGS, keep_query=()), lang="en"
    )
    assert "stad" not in text()
    located = text(settings=replace(SETTINGS, geoip_db=Path("/x.mmdb")))
    assert "het land, de regio en de stad" in located and "alleen in het werkgeheugen" in located


def test_consent_mode_brings_the_cookie_into_the_table():
    cookieless = text()
    assert "geen cookies" in cookieless and r"| peil\_id (cookie)" not in cookieless
    assert r"| peil\_optout (localStorage) |" in cookieless
    consent = text(replace(SITE, consent="required"))
    assert r"| peil\_id (cookie) | Studio Pix (deze website zelf, geen derde partij) |" in consent
    assert "13 maanden (395 dagen) vanaf je eerste toestemming" in consent
    assert "na 30 minuten zonder activiteit" in consent
    assert "toestemming (artikel 6, lid 1, onder a AVG)" in consent
    assert "gerechtvaardigd belang" in cookieless and "gerechtvaardigd belang" not in consent
    english = text(replace(SITE, consent="required"), lang="en")
    assert "13 months (395 days) from your first consent" in english


def test_rights_name_the_contact_and_the_optout_page():
    md = text(replace(SITE, contact="privacy@pix.example.nl", consent="required"))
    assert "[privacy@pix.example.nl](<mailto:privacy@pix.example.nl>)" in md
    assert "[https://stats.example.nl/optout](<https://stats.example.nl/optout>)" in md
    assert "Do Not Track" in md and "Global Privacy Control" in md
    assert "Autoriteit Persoonsgegevens" in md
    assert "de contactgegevens op deze website" in text()


def test_the_tracker_defaults_the_statement_states():
    source = (REPO / "tracker_js/src/peil.js").read_text()
    assert re.search(r"cfg\('cookie-days'\)\s*\|\|\s*(\d+)", source)[1] == str(COOKIE_DAYS)
    assert "t - seen < 18e5" in source and SESSION_IDLE_MIN * 60_000 == 18e5
    assert "peil_id=${value}" in source
    # The opt-out key is read and written under the name the statement gives.
    assert f"getItem('{OPTOUT_KEY}')" in source and f"setItem('{OPTOUT_KEY}', '1')" in source


HOSTILE = Site(
    2,
    "evil",
    '<script>alert(1)</script> & "Studio" | *x*',
    ["evil.example.nl"],
    None,
    "UTC",
    consent="required",
    contact='x@y.nl"><script>alert(2)</script>',
)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_html_is_a_fragment_without_script_and_escapes_every_value(lang):
    page = text(HOSTILE, lang=lang, fmt="html")
    assert "<script" not in page.lower() and "<style" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Studio&quot;" in page
    assert 'href="mailto:' not in page  # a contact that is no plain address is text only
    assert page.startswith(f'<section class="peil-privacy" lang="{lang}">')
    assert page.rstrip().endswith("</section>")
    assert re.findall(r"<(\w+)", page) and set(re.findall(r"<(\w+)", page)) <= {
        "section", "h2", "h3", "p", "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "a"
    }  # fmt: skip
    assert re.findall(r'href="([^"]*)"', page) == ["https://stats.example.nl/optout"]


def test_markdown_escapes_every_value():
    md = text(HOSTILE)
    assert "<script>" not in md
    assert r"\<script\>alert\(1\)\</script\> & \"Studio\" \| \*x\*" in md.replace('"', '\\"')


def test_an_unknown_language_or_format_is_one_sentence():
    with pytest.raises(PeilError):
        text(lang="de")
    with pytest.raises(PeilError):
        text(fmt="pdf")
