"""Event rows encoded as the pipeline encodes them, and a writer made to lose
the answer of its first COMMIT."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from collector.durable.copy_format import (
    EVENT_COLUMNS,
    NULL,
    REQUEST_COLUMNS,
    encode_request,
    encode_rows,
    text,
    values_of,
)
from collector.model.vocabulary import EVENT_TYPES


def row(site_id: int, ts: datetime, client_id: str | None = None, ip: str | None = None) -> bytes:
    """A pageview row as the pipeline encodes it; `ip` as text makes a poison
    row (PostgreSQL refuses text where an inet belongs)."""
    event = values_of(EVENT_COLUMNS, type=EVENT_TYPES["pageview"], client_id=client_id)
    request = encode_request(values_of(REQUEST_COLUMNS, site_id=site_id, visitor=1))
    if ip is not None:
        assert REQUEST_COLUMNS[-1].name == "ip" and request.endswith(NULL)
        request = request.removesuffix(NULL) + text(ip)
    return encode_rows([event], [int(ts.timestamp() * 1_000_000)], request)


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
