"""A privacy statement as a few blocks of text templates, and its two renderers.

A Text is a template with `{name}` fields. Peil's own words are the
template; everything put into the fields (a site name, a contact address, a
URL, a number) comes from the configuration and is escaped by the renderer:
Markdown gets a backslash before every mark it could read as syntax, HTML
is escaped with html.escape. A Link is rendered as a link only when its
address is a plain http(s) or mailto URL, else as text.
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Link:
    label: str
    href: str


@dataclass(frozen=True)
class Text:
    """A template with `{name}` fields; values are escaped when rendered."""

    template: str
    values: Mapping[str, object] = field(default_factory=dict)


def t(template: str, **values: object) -> Text:
    return Text(template, values)


@dataclass(frozen=True)
class Heading:
    level: int  # 1: the title, 2: a section
    text: Text


@dataclass(frozen=True)
class Paragraph:
    text: Text


@dataclass(frozen=True)
class Items:
    items: Sequence[Text]


@dataclass(frozen=True)
class Table:
    headers: Sequence[Text]
    rows: Sequence[Sequence[Text]]


Block = Heading | Paragraph | Items | Table


_FORMATTER = string.Formatter()


def fill(
    text: Text,
    escape: Callable[[str], str],
    link: Callable[[Link], str],
    literal_escape: Callable[[str], str] | None = None,
) -> str:
    """The template with its values escaped and links rendered; its literal
    parts (Peil's own text) escaped by literal_escape (by escape if None)."""
    literal_escape = literal_escape or escape
    out = []
    for literal, name, spec, _ in _FORMATTER.parse(text.template):
        out.append(literal_escape(literal))
        if name is None:
            continue
        value = text.values[name]
        if isinstance(value, Text):  # a phrase of Peil's own, with values of its own
            out.append(fill(value, escape, link, literal_escape))
        elif isinstance(value, Link):
            out.append(link(value))
        else:
            out.append(escape(format(value, spec or "")))
    return "".join(out)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-!|~])")
_PLAIN_URL = re.compile(r"^(https?://|mailto:)[^\s<>\"'`\\]+$")


def markdown_escape(text: str) -> str:
    # A value (site name, contact, domain) gets a backslash before every
    # punctuation mark Markdown could read as syntax (HTML tags included); a
    # line break would end a list item or a table row.
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _as_written(text: str) -> str:
    return text  # Peil's own Markdown


def markdown_link(link: Link) -> str:
    if not _PLAIN_URL.match(link.href):
        return markdown_escape(link.label)  # not a URL a renderer may follow: text only
    return f"[{markdown_escape(link.label)}](<{link.href}>)"


def render_markdown(blocks: Sequence[Block]) -> str:
    def md(text: Text) -> str:
        return fill(text, markdown_escape, markdown_link, literal_escape=_as_written)

    parts = []
    for block in blocks:
        if isinstance(block, Heading):
            parts.append("#" * block.level + " " + md(block.text))
        elif isinstance(block, Paragraph):
            parts.append(md(block.text))
        elif isinstance(block, Items):
            parts.append("\n".join(f"- {md(item)}" for item in block.items))
        else:
            lines = ["| " + " | ".join(md(h) for h in block.headers) + " |"]
            lines.append("|" + "---|" * len(block.headers))
            lines += ["| " + " | ".join(md(c) for c in row) + " |" for row in block.rows]
            parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def html_escape(text: str) -> str:
    return html.escape(text, quote=True)


def html_link(link: Link) -> str:
    if not _PLAIN_URL.match(link.href):
        return html_escape(link.label)
    return f'<a href="{html_escape(link.href)}">{html_escape(link.label)}</a>'


def render_html(blocks: Sequence[Block], lang: str) -> str:
    def h(text: Text) -> str:
        return fill(text, html_escape, html_link)

    parts = [f'<section class="peil-privacy" lang="{lang}">']
    for block in blocks:
        if isinstance(block, Heading):
            level = block.level + 1  # the page has its own h1
            parts.append(f"<h{level}>{h(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{h(block.text)}</p>")
        elif isinstance(block, Items):
            parts.append("<ul>" + "".join(f"<li>{h(i)}</li>" for i in block.items) + "</ul>")
        else:
            head = "".join(f"<th>{h(c)}</th>" for c in block.headers)
            body = "".join(
                "<tr>" + "".join(f"<td>{h(c)}</td>" for c in row) + "</tr>" for row in block.rows
            )
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts.append("</section>")
    return "\n".join(parts) + "\n"
