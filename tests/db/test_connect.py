"""Database URLs in messages and logs: the password never shows."""

from __future__ import annotations

from collector.config import mask_url
from collector.db.connect import unreachable


def test_the_password_of_the_user_info_is_masked():
    described = mask_url("postgresql://peil:s3cret-pw@db.example.nl:5432/peil")
    assert "s3cret-pw" not in described
    assert described == "postgresql://peil:***@db.example.nl:5432/peil"


def test_a_password_query_parameter_is_masked():
    described = mask_url("postgresql://db.example.nl/peil?sslmode=require&password=s3cret-pw")
    assert "s3cret-pw" not in described
    assert "sslmode=require" in described


def test_an_unreachable_database_message_keeps_no_password():
    error = unreachable(
        "postgresql://peil:s3cret-pw@db.example.nl/peil", OSError("connection refused")
    )
    assert "s3cret-pw" not in str(error)
    assert "db.example.nl" in str(error)
