"""The tests' own multi-line SQL (oracles written in plain SQL), each
statement a file of tests/support/sql/ (`<test module>.<what>.sql`), as
Peil's queries are in sql/queries/."""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "sql"


def named_query(name: str) -> str:
    """The text of tests/support/sql/<name>.sql."""
    return (FOLDER / f"{name}.sql").read_text().strip()
