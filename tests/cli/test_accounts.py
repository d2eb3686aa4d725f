"""`peil users add` (argon2id) and `peil tokens create` (only the token)."""

from __future__ import annotations

import hashlib
import re

from argon2 import PasswordHasher


def test_user_is_stored_with_an_argon2id_hash(cli, db_rows):
    result = cli(
        "users", "add", "ana@studio.nl", "--password-stdin", stdin="correct horse battery\n"
    )
    assert result.code == 0, result.err
    [(stored,)] = db_rows("SELECT password_hash FROM users WHERE email = 'ana@studio.nl'")
    assert stored.startswith("$argon2id$")
    assert PasswordHasher().verify(stored, "correct horse battery")


def test_duplicate_user_is_refused_in_one_sentence(cli):
    cli("users", "add", "dup@studio.nl", "--password-stdin", stdin="long enough pw\n")
    result = cli("users", "add", "DUP@studio.nl", "--password-stdin", stdin="another pw 123\n")
    assert result.code == 2
    assert result.err == "peil: A user with the email DUP@studio.nl already exists.\n"


def test_short_password_and_bad_email_are_refused(cli):
    short = cli("users", "add", "short@studio.nl", "--password-stdin", stdin="abc\n")
    assert short.code == 2 and "at least 10 characters" in short.err
    bad = cli("users", "add", "not-an-email", "--password-stdin", stdin="long enough pw\n")
    assert bad.code == 2 and "'not-an-email' is not an email address." in bad.err


def test_without_a_terminal_the_password_must_come_from_stdin(cli):
    result = cli("users", "add", "tty@studio.nl")
    assert result.code == 2
    assert "--password-stdin" in result.err


def test_token_create_prints_only_the_token_and_stores_its_hash(cli, db_rows):
    cli("users", "add", "tok@studio.nl", "--password-stdin", stdin="long enough pw\n")
    result = cli("tokens", "create", "--user", "tok@studio.nl")
    assert result.code == 0
    token = result.out.strip()
    assert result.out == token + "\n"
    assert re.fullmatch(r"peil_[A-Za-z0-9_-]{43}", token)
    rows = db_rows(
        "SELECT u.email FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
        hashlib.sha256(token.encode()).digest(),
    )
    assert rows == [("tok@studio.nl",)]


def test_token_for_unknown_user_is_refused(cli):
    result = cli("tokens", "create", "--user", "nobody@studio.nl")
    assert result.code == 2
    assert result.err == (
        "peil: There is no user nobody@studio.nl; add one with: peil users add EMAIL.\n"
    )
