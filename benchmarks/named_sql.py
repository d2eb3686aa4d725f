"""The benchmarks' multi-line SQL, each statement a file of benchmarks/sql/
(`<benchmark>.<what>.sql`), as Peil's own queries are in sql/queries/."""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "sql"


def named_query(name: str) -> str:
    """The text of benchmarks/sql/<name>.sql."""
    return (FOLDER / f"{name}.sql").read_text().strip()
