"""Event rows encoded as the pipeline encodes them, and a writer made to lose
the answer of its first COMMIT."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from collector.durable.copy_format import NULL, bigint, integer, smallint, text
from collector.durable.copy_format import row as encode_row


def row(site_id: int, ts: datetime, client_id: str, ip: str | None = None) -> bytes:
    """A pageview row as the pipeline encodes it (ip as text, to make a poison row)."""
    event = smallint(1) + text(client_id) + NULL * 12
    request = integer(site_id) + bigint(1) + NULL * 18 + text(ip)
    return encode_row(int(ts.timestamp() * 1_000_000), 0, event, request)


def lose_the_first_commit_answer(writer) -> list[int]:
    """The first batch commits, but the writer sees the connection break (answer lost)."""
    real, commits = writer._commit, []

    async def commit_then_lose_answer(conn, batch):
        await real(conn, batch)
        commits.append(batch.records[-1].seq)
        if len(commits) == 1:
            raise asyncpg.ConnectionDoesNotExistError("connection lost after COMMIT")

    writer._commit = commit_then_lose_answer
    return commits
