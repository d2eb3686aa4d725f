"""GET /api/export: raw events of a site and range, streamed as CSV or NDJSON.

Rows come from a server-side cursor inside a read-only transaction and go
out in chunks, so an export of millions of rows holds only one chunk in
memory. Every export is recorded in `audit_log` before the first byte.

The `ip` column (the truncated address, as stored) is included only when
the instance keeps addresses at all (PEIL_IPV4_PREFIX or PEIL_IPV6_PREFIX
above 0); with both at 0 there is nothing to export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import asyncpg
import orjson
from aiohttp import web

from collector.config import Settings
from collector.db.queries import load
from collector.model.vocabulary import DEVICE_NAMES, EVENT_NAMES

SQL = load(__name__)

PREFETCH_ROWS = 2000

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def query(settings: Settings) -> str:
    """The export's SELECT; its column names are the export's (the `ip` column
    only where addresses are kept)."""
    keeps_addresses = settings.ipv4_prefix > 0 or settings.ipv6_prefix > 0
    return SQL["stream.with_ip"] if keeps_addresses else SQL.stream


def neutralise(text: str) -> str:
    """A text cell a spreadsheet shows as text, never evaluates."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def plain(name: str, value: Any) -> Any:
    """A value as exported: names for codes, ISO times, JSON props parsed."""
    if value is None:
        return None
    if name == "type":
        return EVENT_NAMES.get(value, str(value))
    if name == "device":
        return DEVICE_NAMES.get(value, "unknown")
    if name == "ts":
        return value.isoformat()
    if name == "props":
        return orjson.loads(value)
    if name == "ip":
        return str(value)
    return value


def csv_cell(name: str, value: Any) -> str:
    value = plain(name, value)
    if value is None:
        return ""
    if name == "props":
        value = orjson.dumps(value).decode()
    # Only text can carry a formula; numbers Peil formats itself (a negative
    # visitor hash) are left as numbers.
    return neutralise(value) if isinstance(value, str) else str(value)


class Encoder:
    """Rows -> bytes of one format: csv, ndjson, or json (one array of objects, for the
    subject export: one document a person can open)."""

    def __init__(self, fmt: str, names: Sequence[str]) -> None:
        self.fmt = fmt
        self.names = names
        self._empty = True  # json: no element written yet

    def header(self) -> bytes:
        if self.fmt == "csv":
            return self.csv_rows([self.names])
        return b"[" if self.fmt == "json" else b""

    def rows(self, records: Iterable[asyncpg.Record]) -> bytes:
        names = self.names
        if self.fmt == "csv":
            return self.csv_rows([csv_cell(n, r[i]) for i, n in enumerate(names)] for r in records)
        objects = [orjson.dumps({n: plain(n, r[i]) for i, n in enumerate(names)}) for r in records]
        if self.fmt == "ndjson":
            return b"".join(o + b"\n" for o in objects)
        if not objects:
            return b""
        lead = b"\n" if self._empty else b",\n"
        self._empty = False
        return lead + b",\n".join(objects)

    def footer(self) -> bytes:
        if self.fmt != "json":
            return b""
        return b"]\n" if self._empty else b"\n]\n"

    @staticmethod
    def csv_rows(rows: Iterable[Sequence[str]]) -> bytes:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(rows)
        return out.getvalue().encode()


async def stream(
    request: web.Request,
    conn: asyncpg.Connection,
    site: tuple[int, str],
    span: tuple[Any, Any],
    days: tuple[date, date],
    fmt: str,
    settings: Settings,
    selection: tuple[Any, ...],
) -> web.StreamResponse:
    """Send the raw events of `site` between the UTC instants of `span` that
    the `selection` (its days, zone and filters: Selection.args()[1:]) selects."""
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson",
            "Content-Disposition": (
                f'attachment; filename="peil-{site[1]}-{days[0]}-{days[1]}.{fmt}"'
            ),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        }
    )
    response.enable_chunked_encoding()
    await response.prepare(request)
    async with conn.transaction(readonly=True, isolation="repeatable_read"):
        # Prepared inside the transaction: the query's columns name the export's.
        statement = await conn.prepare(query(settings))
        encoder = Encoder(fmt, [column.name for column in statement.get_attributes()])
        await response.write(encoder.header())
        batch: list[asyncpg.Record] = []
        await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        rows = statement.cursor(site[0], *span, *selection, prefetch=PREFETCH_ROWS)
        async for record in rows:
            batch.append(record)
            if len(batch) >= PREFETCH_ROWS:
                await response.write(encoder.rows(batch))
                batch = []
        await response.write(encoder.rows(batch))
    await response.write_eof()
    return response
