"""`peil sites add/edit` with consent and contact (the snippet follows), and `peil sites
remove --yes`: the site's raw events in every partition and its aggregates go, other
sites keep theirs, the removal is audited; and `peil goals add/list/remove`."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from collector.rollup.fold import ROLLUP_TABLES
from collector.store.sites import site_by_key
from tests.support.dashboard_data import EXAMPLE_DAY, add_events, at, fold


def test_add_with_consent_puts_it_in_the_snippet(cli, db_rows):
    result = cli(
        "sites",
        "add",
        "Consent",
        "--domain",
        "c.nl",
        "--consent",
        "required",
        "--contact",
        "privacy@c.nl",
    )
    key, snippet = result.out.splitlines()
    assert snippet.endswith(f'data-site="{key}" data-consent="required"></script>')
    assert db_rows("SELECT consent, contact FROM sites WHERE key = $1", key) == [
        ("required", "privacy@c.nl")
    ]


def test_edit_changes_only_what_is_given(cli, db_rows):
    key = cli(
        "sites", "add", "Before", "--domain", "before.nl", "--timezone", "Europe/Amsterdam"
    ).out.split()[0]
    result = cli("sites", "edit", key, "--name", "After", "--consent", "required")
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == f"changed {key}: consent, name"
    assert 'data-consent="required"' in result.out.splitlines()[1]
    assert db_rows("SELECT name, domains, timezone, consent FROM sites WHERE key = $1", key) == [
        ("After", ["before.nl"], "Europe/Amsterdam", "required")
    ]
    cli("sites", "edit", key, "--consent", "none", "--domain", "a.nl", "--domain", "b.nl")
    assert db_rows("SELECT domains, consent FROM sites WHERE key = $1", key) == [
        (["a.nl", "b.nl"], "none")
    ]
    details = db_rows("SELECT detail->>'site' FROM audit_log WHERE action = 'site-edit'")
    assert (key,) in details


def test_edit_refuses_bad_values_in_one_sentence(cli):
    key = cli("sites", "add", "Strict", "--domain", "strict.nl").out.split()[0]
    for argv, message in [
        ((), "Nothing to change"),
        (("--timezone", "Mars/Olympus"), "not a known time zone"),
        (("--contact", "not-an-email"), "is not an email address"),
        (("--retention-days", "99999"), "at most PEIL_RETENTION_DAYS"),
        (("--domain", "bad domain"), "is not a domain name"),
    ]:
        result = cli("sites", "edit", key, *argv)
        assert result.code == 2 and message in result.err, (argv, result.err)
    missing = cli("sites", "edit", "nosuchsite", "--name", "X")
    assert missing.code == 2 and "no site with the key 'nosuchsite'" in missing.err


async def test_remove_deletes_raw_events_and_aggregates_of_that_site_only(
    cli, database_url, db_rows
):
    keep_key = cli("sites", "add", "Keep", "--domain", "keep.nl").out.split()[0]
    gone_key = cli("sites", "add", "Gone", "--domain", "gone.nl").out.split()[0]
    conn = await asyncpg.connect(database_url)
    try:
        sites = {k: await site_by_key(conn, k) for k in (keep_key, gone_key)}
        for key, site in sites.items():
            events = [
                {
                    "ts": at(EXAMPLE_DAY - timedelta(days=d), "10:00"),
                    "visitor": v,
                    "t": "pageview",
                    "path": f"/{key}",
                }
                for d in range(3)
                for v in range(5)
            ]
            await add_events(conn, {"id": site.id}, *events)
            await fold(conn, {"id": site.id})
        counts_before = {
            table: await conn.fetchval(
                f"SELECT count(*) FROM {table} WHERE site_id = $1", sites[keep_key].id
            )
            for table in ROLLUP_TABLES
        }
    finally:
        await conn.close()

    refused = cli("sites", "remove", gone_key)
    assert refused.code == 2 and "add --yes" in refused.err
    result = cli("sites", "remove", gone_key, "--yes")
    assert result.code == 0, result.err
    assert result.out == f"removed {gone_key} and 15 raw events with its aggregates\n"

    gone_id, keep_id = sites[gone_key].id, sites[keep_key].id
    assert db_rows("SELECT count(*) FROM events WHERE site_id = $1", gone_id) == [(0,)]
    assert db_rows("SELECT count(*) FROM events WHERE site_id = $1", keep_id) == [(15,)]
    for table in ROLLUP_TABLES:
        assert db_rows(f"SELECT count(*) FROM {table} WHERE site_id = $1", gone_id) == [(0,)]
        assert db_rows(f"SELECT count(*) FROM {table} WHERE site_id = $1", keep_id) == [
            (counts_before[table],)
        ]
    assert db_rows(
        "SELECT detail->>'site', (detail->>'rows')::int FROM audit_log WHERE action = 'site-remove'"
    ) == [(gone_key, 15)]
    assert cli("sites", "remove", gone_key, "--yes").code == 2


def test_goals_add_list_remove(cli, db_rows):
    key = cli("sites", "add", "Goals", "--domain", "goals.nl").out.split()[0]
    assert cli("goals", "add", "--site", key, "Signed up", "--event", "signup").code == 0
    assert cli("goals", "add", "--site", key, "Thanks", "--page", "/thanks/*").code == 0
    listing = cli("goals", "list", "--site", key).out.splitlines()
    assert [line.split()[-2:] for line in listing[1:]] == [
        ["event", "signup"],
        ["page", "/thanks/*"],
    ]
    duplicate = cli("goals", "add", "--site", key, "Thanks", "--event", "x")
    assert duplicate.code == 2 and "already has a goal named 'Thanks'" in duplicate.err
    bad = cli("goals", "add", "--site", key, "Bad", "--page", "thanks")
    assert bad.code == 2 and "is a path" in bad.err
    both = cli("goals", "add", "--site", key, "Both", "--page", "/a", "--event", "b")
    assert both.code == 2
    assert cli("goals", "remove", "--site", key, "Thanks").code == 0
    assert db_rows(
        "SELECT g.name FROM goals g JOIN sites s ON s.id = g.site_id WHERE s.key = $1", key
    ) == [("Signed up",)]
    assert cli("goals", "remove", "--site", key, "Thanks").code == 2
    actions = db_rows("SELECT action FROM audit_log WHERE action LIKE 'goal-%' ORDER BY id")
    assert actions == [("goal-add",), ("goal-add",), ("goal-remove",)]
