"""The privacy statement of a site, generated from what Peil really does
with the live configuration: which fields are stored (the query parameters
kept, the address prefix or none, location or none), how long, which
cookie and storage entry, and the visitor's rights with the site's contact.

facts.py gathers what is true of the site; the texts (texts_nl.py,
texts_en.py) say it as a few blocks (headings, paragraphs, lists, one
table) of text templates (document.py); the values put into them (site
name, contact, URLs, numbers) are escaped by the renderer of the format,
never trusted. Markdown gets its punctuation backslashed; HTML is a
self-contained fragment (no script, no style sheet, no external resource)
with every value escaped, so a site named `<script>` stays text.
"""

from __future__ import annotations

import asyncpg

from collector.config import Settings
from collector.errors import PeilError
from collector.privacy import texts_en, texts_nl
from collector.privacy.document import render_html, render_markdown
from collector.privacy.facts import facts
from collector.store import audit
from collector.store.sites import Site, site_by_key

LANGUAGES = ("nl", "en")
FORMATS = ("md", "html")
TEXTS = {"nl": texts_nl, "en": texts_en}


def statement(site: Site, settings: Settings, lang: str = "nl", fmt: str = "md") -> str:
    """The site's privacy statement in `lang` (nl, en) as `fmt` (md, html)."""
    if lang not in LANGUAGES:
        raise PeilError(f"{lang!r} is not a language of the statement; use nl or en.")
    if fmt not in FORMATS:
        raise PeilError(f"{fmt!r} is not a format of the statement; use md or html.")
    blocks = TEXTS[lang].blocks(facts(site, settings))
    return render_markdown(blocks) if fmt == "md" else render_html(blocks, lang)


async def statement_for(
    conn: asyncpg.Connection, key: str, settings: Settings, lang: str, fmt: str, *, actor: str
) -> str:
    """The statement of the site with this key, its generation audited."""
    site = await site_by_key(conn, key)
    if site is None:
        raise PeilError(f"There is no site with key {key!r}; `peil sites list` shows the keys.")
    text = statement(site, settings, lang, fmt)
    await audit.record(conn, actor, "privacy-statement", {"site": key, "lang": lang, "format": fmt})
    return text
