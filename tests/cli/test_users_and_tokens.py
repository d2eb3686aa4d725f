"""`peil users` (roles, grants, list, remove, passwd) and `peil tokens` (names,
expiry, list, revoke): what each prints, what it stores, its audit row, and one
sentence with exit 2 for every expected failure."""

from __future__ import annotations

import hashlib

import asyncpg
import pytest

from tests.support.accounts import cookie_session, log_in
from tests.support.app import running_app
from tests.support.cli import run_cli

PW = "cli password 12\n"


@pytest.fixture(scope="module")
def sites(env):
    return [
        run_cli("sites", "add", name, "--domain", f"{name}.nl", env=env).out.split()[0]
        for name in "ab"
    ]


def audit(db_rows, action):
    return db_rows("SELECT actor, detail::text FROM audit_log WHERE action = $1", action)


def test_the_first_user_is_an_admin_and_later_ones_viewers(cli, db_rows, sites):
    first = cli("users", "add", "first@cli.nl", "--password-stdin", stdin=PW)
    assert first.code == 0 and first.out == "added first@cli.nl as admin\n"
    later = cli("users", "add", "later@cli.nl", "--site", sites[0], "--password-stdin", stdin=PW)
    assert later.out == f"added later@cli.nl as viewer reading {sites[0]}\n"
    rows = db_rows(
        "SELECT u.email, u.role, array(SELECT s.key FROM site_grants g JOIN sites s"
        " ON s.id = g.site_id WHERE g.user_id = u.id) FROM users u ORDER BY u.id"
    )
    assert rows == [("first@cli.nl", "admin", []), ("later@cli.nl", "viewer", [sites[0]])]
    assert [actor.startswith("cli:") for actor, _ in audit(db_rows, "user-add")] == [True, True]


def test_users_list_shows_roles_sites_and_tokens(cli, sites):
    cli("users", "add", "lister@cli.nl", "--role", "viewer", "--password-stdin", stdin=PW)
    cli("users", "grant", "lister@cli.nl", "--site", sites[1])
    cli("tokens", "create", "--user", "lister@cli.nl")
    result = cli("users", "list")
    assert result.code == 0
    header, *lines = result.out.splitlines()
    assert header.split() == ["EMAIL", "ROLE", "SITES", "TOKENS", "ADDED"]
    (line,) = [line for line in lines if line.startswith("lister@cli.nl")]
    assert line.split()[:4] == ["lister@cli.nl", "viewer", sites[1], "1"]


def test_grant_and_revoke_change_what_a_viewer_reads(cli, db_rows, sites):
    cli("users", "add", "grantee@cli.nl", "--role", "viewer", "--password-stdin", stdin=PW)
    assert cli("users", "grant", "grantee@cli.nl", "--site", sites[0]).out.endswith(
        f"now reads {sites[0]}\n"
    )
    again = cli("users", "grant", "grantee@cli.nl", "--site", sites[0])
    assert again.code == 0 and "already read" in again.out
    assert cli("users", "revoke", "grantee@cli.nl", "--site", sites[0]).code == 0
    granted = db_rows(
        "SELECT count(*) FROM site_grants g JOIN users u ON u.id = g.user_id"
        " WHERE u.email = 'grantee@cli.nl'"
    )
    assert granted == [(0,)]
    assert len(audit(db_rows, "grant")) >= 1 and len(audit(db_rows, "revoke")) >= 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("users", "grant", "nobody@cli.nl", "--site", "x"), "There is no user nobody@cli.nl"),
        (("users", "grant", "first@cli.nl", "--site", "nosuchsite"), "no site with the key"),
        (("users", "remove", "nobody@cli.nl"), "There is no user nobody@cli.nl"),
        (("tokens", "revoke", "999999"), "There is no token 999999"),
        (("tokens", "create", "--user", "first@cli.nl", "--expires-days", "0"), "positive"),
        (("users", "add", "r@cli.nl", "--role", "owner"), "invalid choice"),
    ],
)
def test_expected_failures_are_one_sentence_and_exit_2(cli, sites, argv, message):
    result = cli(*argv)
    assert result.code == 2
    assert message in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err


def test_the_last_admin_cannot_be_removed(cli, db_rows):
    admins = db_rows("SELECT email FROM users WHERE role = 'admin'")
    for (email,) in admins[1:]:
        assert cli("users", "remove", email).code == 0
    result = cli("users", "remove", admins[0][0])
    assert result.code == 2
    assert result.err == f"peil: {admins[0][0]} is the last admin; make another user admin first.\n"


async def test_passwd_ends_the_users_sessions(cli, settings, database_url, sites):
    cli("users", "add", "pw@cli.nl", "--role", "viewer", "--password-stdin", stdin=PW)
    async with running_app(settings, database_url) as server, cookie_session() as http:
        assert (await log_in(http, server.url, "pw@cli.nl", PW.strip())).status == 303
        async with http.get(f"{server.url}/api/session") as me:
            assert me.status == 200
        result = cli("users", "passwd", "pw@cli.nl", "--password-stdin", stdin="a new password 1\n")
        assert result.code == 0 and result.out == "password changed; 1 session ended\n"
        async with http.get(f"{server.url}/api/session") as me:
            assert me.status == 401
        assert (await log_in(http, server.url, "pw@cli.nl", PW.strip())).status == 401
        assert (await log_in(http, server.url, "pw@cli.nl", "a new password 1")).status == 303


def test_removing_a_user_removes_their_tokens_and_sessions(cli, db_rows):
    cli("users", "add", "gone@cli.nl", "--role", "viewer", "--password-stdin", stdin=PW)
    cli("tokens", "create", "--user", "gone@cli.nl")
    assert cli("users", "remove", "gone@cli.nl").out == "removed gone@cli.nl\n"
    assert db_rows(
        "SELECT count(*) FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id WHERE u.id IS NULL"
    ) == [(0,)]
    assert any("gone@cli.nl" in detail for _, detail in audit(db_rows, "user-remove"))


async def test_tokens_expire_and_can_be_revoked(cli, db_rows, settings, database_url, sites):
    cli(
        "users",
        "add",
        "tok@cli.nl",
        "--role",
        "viewer",
        "--site",
        sites[0],
        "--password-stdin",
        stdin=PW,
    )
    lasting = cli("tokens", "create", "--user", "tok@cli.nl", "--name", "ci").out.strip()
    short = cli("tokens", "create", "--user", "tok@cli.nl", "--expires-days", "1").out.strip()
    listing = cli("tokens", "list", "--user", "tok@cli.nl").out.splitlines()
    assert listing[0].split() == [
        "ID",
        "USER",
        "NAME",
        "STATE",
        "CREATED",
        "EXPIRES",
        "LAST",
        "USED",
    ]
    assert len(listing) == 3 and all(" active " in line for line in listing[1:])
    assert lasting not in "".join(listing) and short not in "".join(listing)
    url = f"/api/stats/overview?site={sites[0]}"

    async def status(token):
        async with (
            cookie_session() as http,
            http.get(server.url + url, headers={"Authorization": f"Bearer {token}"}) as response,
        ):
            return response.status

    async with running_app(settings, database_url) as server:
        assert await status(lasting) == 200 and await status(short) == 200
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(
                "UPDATE api_tokens SET expires_at = now() - interval '1 second'"
                " WHERE token_hash = $1",
                hashlib.sha256(short.encode()).digest(),
            )
            token_id = await conn.fetchval(
                "SELECT id FROM api_tokens WHERE token_hash = $1",
                hashlib.sha256(lasting.encode()).digest(),
            )
        finally:
            await conn.close()
        assert await status(short) == 401
        revoked = cli("tokens", "revoke", str(token_id))
        assert revoked.code == 0 and revoked.out == f"revoked token {token_id} of tok@cli.nl\n"
        assert await status(lasting) == 401
    states = {
        line.split()[0]: line.split()[3] for line in cli("tokens", "list").out.splitlines()[1:]
    }
    assert states[str(token_id)] == "revoked"
    assert "expired" in states.values()
    assert audit(db_rows, "token-revoke")
