"""`peil sites add|list`: key first, then the snippet; validated input."""

from __future__ import annotations

import re

import pytest


def test_add_prints_key_then_snippet_and_stores_the_site(cli, db_rows):
    result = cli(
        "sites",
        "add",
        "Studio Noord",
        "--domain",
        "https://WWW.Example.NL/x",
        "--domain",
        "example.org",
        "--timezone",
        "Europe/Amsterdam",
        "--retention-days",
        "30",
    )
    assert result.code == 0, result.err
    key, snippet = result.out.splitlines()
    assert re.fullmatch(r"[a-z2-9]{12}", key)
    assert snippet == (
        f'<script defer src="http://127.0.0.1:1/peil.js" data-site="{key}"></script>'
    )
    row = db_rows("SELECT name, domains, retention_days, timezone FROM sites WHERE key = $1", key)
    assert row == [("Studio Noord", ["www.example.nl", "example.org"], 30, "Europe/Amsterdam")]


def test_snippet_uses_public_url(cli):
    result = cli(
        "sites", "add", "Pub", "--domain", "pub.nl", PEIL_PUBLIC_URL="https://stats.example.nl"
    )
    assert 'src="https://stats.example.nl/peil.js"' in result.out.splitlines()[1]


def test_list_shows_key_name_domains_retention_and_event_count(cli, db_rows):
    key = cli("sites", "add", "Listed", "--domain", "listed.nl").out.splitlines()[0]
    site_id = db_rows("SELECT id FROM sites WHERE key = $1", key)[0][0]
    db_rows(
        "INSERT INTO events (ts, visitor, site_id, type) "
        "SELECT now(), g, $1, 1 FROM generate_series(1, 3) g",
        site_id,
    )
    result = cli("sites", "list")
    assert result.code == 0
    header, *lines = result.out.splitlines()
    assert header.split() == [
        "KEY",
        "NAME",
        "DOMAINS",
        "RETENTION",
        "TIMEZONE",
        "CONSENT",
        "EVENTS",
    ]
    line = next(line for line in lines if line.startswith(key))
    assert line.split() == [key, "Listed", "listed.nl", "183d", "UTC", "none", "3"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--domain", "not a domain"], "'not a domain' is not a domain name such as example.nl."),
        (["--domain", "a.nl", "--timezone", "Mars/Base"], "'Mars/Base' is not a known time zone"),
        (
            ["--domain", "a.nl", "--retention-days", "400"],
            "retention must be 1 to 183 days, at most PEIL_RETENTION_DAYS",
        ),
        (["--domain", "a.nl", "--retention-days", "zero"], "'zero' is not a whole number"),
        ([], "The following arguments are required: --domain"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(cli, args, message):
    result = cli("sites", "add", "X", *args)
    assert result.code == 2
    assert result.out == ""
    assert message in result.err
    assert result.err.count("\n") == 1 and result.err.startswith("peil: ")
