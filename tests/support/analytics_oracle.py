"""The analytics oracle: every report of issue 16 asked again in plain SQL over
the raw `events` table, from README "Definitions" and "Filters, visits and the
reports' definitions" alone (nothing of dashboard/ or collector/rollup/ is used).

One chain of CTEs states the definitions once:

- `ev`: the site's events of the local days asked for (`(ts AT TIME ZONE
  sites.timezone)::date`), each numbered into its visit: per local day and
  visitor hash in (ts, seq) order, a new visit where the gap to the previous
  event is 30 minutes or more;
- `vis`: one row per visit with its visit dimensions (of its first event;
  entry and exit page of its first and last pageview; utm_* decoded from the
  first event's kept query), its pageviews, interactions and duration;
- `vsel`: the visits matching every visit filter; `sel`: their events matching
  every event filter (the selected events); `svis`: the visits of `vsel` with
  a selected event (the selected visits).

Unknown values ('' or NULL) are NULL throughout, as `null` in the API's JSON.
Numbers come back unrounded: the checks round or allow a tolerance.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import asyncpg

from tests.support.analytics_data import NAMES

VISIT_DIMS = (
    "entry_page",
    "exit_page",
    "referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "country",
    "region",
    "city",
    "browser",
    "os",
    "device",
    "screen",
    "language",
    "player_version",
)
EVENT_DIMS = ("page", "host", "event", "media")
DIMS = VISIT_DIMS + EVENT_DIMS
OPS = ("==", "!=", "~", "!~")
NONE = "(none)"
UTM = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")

PAGEVIEW, PAGELEAVE, CLICK, HOVER, ELE_ON, ELE_OFF, ERROR, CUSTOM = 1, 2, 3, 4, 5, 6, 7, 8
LOAD, PLAY, PAUSE, SEEK, REWIND, ENDED, UNLOAD = 20, 21, 22, 23, 24, 25, 26
PLAYER = (LOAD, PLAY, PAUSE, SEEK, REWIND, ENDED, UNLOAD)
INTERACTIONS = (CLICK, CUSTOM, PLAY, PAUSE, SEEK, REWIND, ENDED)


@dataclass(frozen=True)
class Filter:
    dim: str
    op: str
    value: str

    def text(self) -> str:
        return f"{self.dim}{self.op}{self.value}"


def first_of(expr: str) -> str:
    return f"(array_agg({expr} ORDER BY ts, seq))[1]"


VISIT_COLUMNS = {
    "entry_page": "(array_agg(nullif(path, '') ORDER BY ts, seq)"
    f" FILTER (WHERE type = {PAGEVIEW}))[1]",
    "exit_page": "(array_agg(nullif(path, '') ORDER BY ts DESC, seq DESC)"
    f" FILTER (WHERE type = {PAGEVIEW}))[1]",
    "referrer": first_of("nullif(referrer, '')"),
    "country": first_of("nullif(country, '')"),
    "region": first_of("nullif(region, '')"),
    "city": first_of("nullif(city, '')"),
    "browser": first_of("nullif(browser, '')"),
    "os": first_of("nullif(os, '')"),
    "device": first_of(
        "CASE device WHEN 1 THEN 'desktop' WHEN 2 THEN 'mobile' WHEN 3 THEN 'tablet' END"
    ),
    "screen": first_of(
        "CASE WHEN screen_w IS NOT NULL AND screen_h IS NOT NULL"
        " THEN screen_w || 'x' || screen_h END"
    ),
    "language": first_of("nullif(lang, '')"),
    "player_version": first_of("nullif(player_version, '')"),
}
EVENT_COLUMNS = {
    "page": "nullif(g.path, '')",
    "host": "nullif(g.host, '')",
    "event": f"CASE WHEN g.type = {CUSTOM} THEN nullif(g.name, '') END",
    "media": "nullif(g.src, '')",
}

BASE = f"""
WITH utm AS (
    SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
        AS u(query, utm_source, utm_medium, utm_campaign, utm_content, utm_term)
), raw AS (
    SELECT e.ts, e.seq, e.visitor, e.type, e.pos::float8 AS pos, e.from_pos::float8 AS from_pos,
           e.to_pos::float8 AS to_pos, e.dur::float8 AS dur, e.x::float8 AS x, e.y, e.eng,
           e.path, e.host, e.name, e.src, e.el, e.props, e.referrer, e.query, e.country,
           e.region, e.city, e.browser, e.os, e.device, e.screen_w, e.screen_h, e.lang,
           e.player_version, (e.ts AT TIME ZONE s.timezone)::date AS day, s.timezone AS tz
    FROM events e JOIN sites s ON s.id = e.site_id
    WHERE e.site_id = $1 AND (e.ts AT TIME ZONE s.timezone)::date BETWEEN $2::date AND $3::date
), gaps AS (
    SELECT r.*,
           CASE WHEN lag(r.ts) OVER w IS NULL OR r.ts - lag(r.ts) OVER w >= interval '30 minutes'
                THEN 1 ELSE 0 END AS starts
    FROM raw r WINDOW w AS (PARTITION BY r.day, r.visitor ORDER BY r.ts, r.seq)
), ev AS (
    SELECT g.*,
           sum(g.starts) OVER (PARTITION BY g.day, g.visitor ORDER BY g.ts, g.seq
                               ROWS UNBOUNDED PRECEDING) AS visit_no,
           {", ".join(f"{sql} AS d_{dim}" for dim, sql in EVENT_COLUMNS.items())}
    FROM gaps g
), visits AS (
    SELECT day, visitor, visit_no, min(ts) AS started,
           {", ".join(f"{sql} AS v_{dim}" for dim, sql in VISIT_COLUMNS.items())},
           {first_of("query")} AS v_query,
           count(*) FILTER (WHERE type = {PAGEVIEW}) AS all_pageviews,
           count(*) FILTER (WHERE type IN {INTERACTIONS}) AS interactions,
           greatest(extract(epoch FROM max(ts) - min(ts))::float8,
                    sum(eng) FILTER (WHERE type = {PAGELEAVE}) / 1000.0) AS duration
    FROM ev GROUP BY day, visitor, visit_no
), vis AS (
    SELECT v.*, {", ".join(f"u.{name} AS v_{name}" for name in UTM)},
           (v.all_pageviews = 1 AND v.interactions = 0) AS bounce
    FROM visits v LEFT JOIN utm u ON u.query = v.v_query
), vsel AS (
    SELECT * FROM vis WHERE {{visit_filters}}
), sel AS (
    SELECT ev.*, {", ".join(f"vsel.v_{dim}" for dim in VISIT_DIMS)}, vsel.started
    FROM ev JOIN vsel USING (day, visitor, visit_no) WHERE {{event_filters}}
), svis AS (
    SELECT * FROM vsel v
    WHERE EXISTS (SELECT 1 FROM sel s
                  WHERE s.day = v.day AND s.visitor = v.visitor AND s.visit_no = v.visit_no)
)
"""


def utm_of(query: str | None) -> dict[str, str | None]:
    """The first utm_* parameters of a kept query, form-decoded; '' is unknown."""
    found: dict[str, str | None] = {}
    for name, value in parse_qsl(query or "", keep_blank_values=True):
        if name in UTM and name not in found:
            found[name] = value or None
    return found


def condition(column: str, f: Filter, args: list[Any]) -> str:
    if f.value == NONE:
        return {"==": f"{column} IS NULL", "!=": f"{column} IS NOT NULL"}[f.op]
    args.append(f.value)
    n = f"${len(args)}::text"
    contains = f"strpos(lower({column}), lower({n})) > 0"
    return {
        "==": f"{column} = {n}",
        "!=": f"{column} IS DISTINCT FROM {n}",
        "~": f"coalesce({contains}, false)",
        "!~": f"NOT coalesce({contains}, false)",
    }[f.op]


class Oracle:
    """The expected answers for one site, over one connection."""

    def __init__(self, conn: asyncpg.Connection, site_id: int, timezone: str) -> None:
        self.conn = conn
        self.site_id = site_id
        self.zone = ZoneInfo(timezone)
        self._utm: list[list[str | None]] | None = None

    async def utm_arrays(self) -> list[list[str | None]]:
        if self._utm is None:
            queries = [
                r[0]
                for r in await self.conn.fetch(
                    "SELECT DISTINCT query FROM events WHERE site_id = $1 AND query IS NOT NULL",
                    self.site_id,
                )
            ]
            decoded = [utm_of(q) for q in queries]
            self._utm = [queries] + [[d.get(name) for d in decoded] for name in UTM]
        return self._utm

    async def fetch(
        self, tail: str, first: date, last: date, filters: tuple[Filter, ...] = (), *extra: Any
    ) -> list[asyncpg.Record]:
        """Rows of BASE + `tail`; `tail` numbers its own parameters from $10 (`extra`),
        the filters' values come after."""
        args: list[Any] = [self.site_id, first, last, *await self.utm_arrays(), *extra]
        visit = [condition(f"v_{f.dim}", f, args) for f in filters if f.dim in VISIT_DIMS]
        event = [condition(f"ev.d_{f.dim}", f, args) for f in filters if f.dim in EVENT_DIMS]
        sql = BASE.format(
            visit_filters=" AND ".join(visit) or "true",
            event_filters=" AND ".join(event) or "true",
        )
        return await self.conn.fetch(sql + tail, *args)

    # -- overview -------------------------------------------------------------

    async def overview(
        self, first: date, last: date, filters: tuple[Filter, ...], interval: str
    ) -> dict[str, Any]:
        totals = (
            await self.fetch(
                f"""SELECT
                    (SELECT count(*) FROM sel WHERE type = {PAGEVIEW}) AS pageviews,
                    (SELECT count(DISTINCT (day, visitor)) FROM sel) AS visitors,
                    (SELECT count(*) FROM svis) AS visits,
                    (SELECT count(*) FILTER (WHERE bounce) FROM svis) AS bounces,
                    (SELECT coalesce(sum(duration), 0) FROM svis) AS seconds""",
                first,
                last,
                filters,
            )
        )[0]
        types = await self.fetch(
            "SELECT type, count(*) AS n FROM sel GROUP BY type", first, last, filters
        )
        visits = totals["visits"]
        return {
            "pageviews": totals["pageviews"],
            "visitors": totals["visitors"],
            "visits": visits,
            "bounce_rate": totals["bounces"] / visits if visits else None,
            "avg_visit_s": float(totals["seconds"]) / visits if visits else None,
            "events": {NAMES[r["type"]]: r["n"] for r in types},
            "series": await self.series(first, last, filters, interval),
        }

    async def series(
        self, first: date, last: date, filters: tuple[Filter, ...], interval: str
    ) -> list[dict[str, Any]]:
        if interval == "hour":
            hour = (
                "(day::timestamp AT TIME ZONE tz) + floor(extract(epoch FROM ts -"
                " (day::timestamp AT TIME ZONE tz)) / 3600) * interval '1 hour'"
            )
            events = await self.fetch(
                f"""SELECT {hour} AS bucket, count(*) FILTER (WHERE type = {PAGEVIEW}) AS pageviews,
                           count(DISTINCT (day, visitor)) AS visitors
                    FROM sel GROUP BY 1""",
                first,
                last,
                filters,
            )
            started = await self.fetch(
                f"""SELECT {hour.replace("ts -", "started -")} AS bucket, count(*) AS visits
                    FROM (SELECT day, started, s.tz FROM svis
                          CROSS JOIN (SELECT timezone AS tz FROM sites WHERE id = $1) s) v
                    GROUP BY 1""",
                first,
                last,
                filters,
            )
            counts = {r["bucket"]: dict(r) for r in events}
            visits = {r["bucket"]: r["visits"] for r in started}
            out = []
            for start in self.hours(first, last):
                row = counts.get(start, {})
                out.append(
                    {
                        "start": start.astimezone(self.zone),
                        "pageviews": row.get("pageviews", 0),
                        "visitors": row.get("visitors", 0),
                        "visits": visits.get(start, 0),
                    }
                )
            return out
        events = await self.fetch(
            f"""SELECT day, count(*) FILTER (WHERE type = {PAGEVIEW}) AS pageviews,
                       count(DISTINCT visitor) AS visitors
                FROM sel GROUP BY day""",
            first,
            last,
            filters,
        )
        started = await self.fetch(
            "SELECT day, count(*) AS visits FROM svis GROUP BY day", first, last, filters
        )
        per_day = {r["day"]: dict(r) for r in events}
        visits = {r["day"]: r["visits"] for r in started}
        buckets: dict[date, dict[str, Any]] = {}
        day = first
        while day <= last:
            start = bucket_start(day, first, interval)
            point = buckets.setdefault(
                start, {"start": start, "pageviews": 0, "visitors": 0, "visits": 0}
            )
            row = per_day.get(day, {})
            point["pageviews"] += row.get("pageviews", 0)
            point["visitors"] += row.get("visitors", 0)
            point["visits"] += visits.get(day, 0)
            day += timedelta(days=1)
        return list(buckets.values())

    def hours(self, first: date, last: date) -> list[datetime]:
        """The UTC starts of the local clock hours of the days (23 or 25 on a change)."""
        out = []
        day = first
        while day <= last:
            start = datetime.combine(day, datetime.min.time(), self.zone).astimezone(UTC)
            end = datetime.combine(
                day + timedelta(days=1), datetime.min.time(), self.zone
            ).astimezone(UTC)
            while start < end:
                out.append(start)
                start += timedelta(hours=1)
            day += timedelta(days=1)
        return out

    # -- breakdown ------------------------------------------------------------

    async def breakdown(
        self, first: date, last: date, filters: tuple[Filter, ...], by: str
    ) -> dict[Any, dict[str, Any]]:
        """Rows keyed by their key (None: unknown)."""
        if by in VISIT_DIMS:
            counts = await self.fetch(
                f"""SELECT v_{by} AS key, count(DISTINCT (day, visitor)) AS visitors,
                           count(*) FILTER (WHERE type = {PAGEVIEW}) AS pageviews,
                           count(*) AS events
                    FROM sel GROUP BY 1""",
                first,
                last,
                filters,
            )
            visits = await self.fetch(
                f"""SELECT v_{by} AS key, count(*) AS visits,
                           count(*) FILTER (WHERE bounce) AS bounces,
                           sum(duration) AS seconds
                    FROM svis GROUP BY 1""",
                first,
                last,
                filters,
            )
            rows = {r["key"]: {"key": r["key"], **dict(r)} for r in counts}
            for r in visits:
                row = rows[r["key"]]
                row["visits"] = r["visits"]
                row["bounce_rate"] = r["bounces"] / r["visits"]
                row["avg_visit_s"] = float(r["seconds"]) / r["visits"]
            return rows
        kinds = {
            "page": f"= {PAGEVIEW}",
            "host": f"= {PAGEVIEW}",
            "event": f"= {CUSTOM}",
            "media": f"IN {PLAYER}",
        }
        counts = await self.fetch(
            f"""SELECT d_{by} AS key, count(DISTINCT (day, visitor)) AS visitors,
                       count(*) FILTER (WHERE type = {PAGEVIEW}) AS pageviews,
                       count(*) AS events
                FROM sel WHERE type {kinds[by]} GROUP BY 1""",
            first,
            last,
            filters,
        )
        return {r["key"]: dict(r) for r in counts}

    # -- the other reports -------------------------------------------------------

    async def all_visitors(self, first, last, filters) -> int:
        rows = await self.fetch(
            "SELECT count(DISTINCT (day, visitor)) AS n FROM sel", first, last, filters
        )
        return rows[0]["n"]

    async def events(self, first, last, filters) -> dict[str, dict[str, Any]]:
        total = await self.all_visitors(first, last, filters)
        rows = await self.fetch(
            f"""SELECT d_event AS name, count(*) AS events,
                       count(DISTINCT (day, visitor)) AS visitors
                FROM sel WHERE type = {CUSTOM} GROUP BY 1""",
            first,
            last,
            filters,
        )
        return {
            r["name"]: {**dict(r), "conversion_rate": r["visitors"] / total if total else None}
            for r in rows
        }

    async def props(self, first, last, filters, event: str) -> dict[str, dict[Any, dict]]:
        rows = await self.fetch(
            f"""SELECT p.key, p.value, count(*) AS events,
                       count(DISTINCT (day, visitor)) AS visitors
                FROM sel, jsonb_each_text(CASE jsonb_typeof(sel.props)
                                          WHEN 'object' THEN sel.props END) AS p
                WHERE type = {CUSTOM} AND name = $10 GROUP BY 1, 2""",
            first,
            last,
            filters,
            event,
        )
        out: dict[str, dict[Any, dict]] = defaultdict(dict)
        for r in rows:
            out[r["key"]][r["value"]] = {
                "value": r["value"],
                "events": r["events"],
                "visitors": r["visitors"],
            }
        return dict(out)

    async def goals(self, first, last, filters) -> dict[str, dict[str, Any]]:
        total = await self.all_visitors(first, last, filters)
        goals = await self.conn.fetch(
            "SELECT name, kind, match FROM goals WHERE site_id = $1", self.site_id
        )
        out = {}
        for goal in goals:
            match, arg = step_condition(goal["kind"], goal["match"], "$10")
            row = (
                await self.fetch(
                    f"""SELECT count(*) AS events, count(DISTINCT (day, visitor)) AS visitors
                        FROM sel WHERE {match}""",
                    first,
                    last,
                    filters,
                    arg,
                )
            )[0]
            out[goal["name"]] = {
                "name": goal["name"],
                "kind": goal["kind"],
                "events": row["events"],
                "visitors": row["visitors"],
                "conversion_rate": row["visitors"] / total if total else None,
            }
        return out

    async def funnel(self, first, last, filters, steps: list[str]) -> list[dict[str, Any]]:
        ctes, args = [], []
        for i, step in enumerate(steps):
            kind, _, pattern = step.partition(":")
            match, arg = step_condition(kind, pattern, f"${10 + i}", "e.")
            args.append(arg)
            if i == 0:
                ctes.append(
                    f"""s0 AS (SELECT DISTINCT ON (e.day, e.visitor, e.visit_no)
                                     e.day, e.visitor, e.visit_no, e.ts, e.seq
                              FROM sel e WHERE {match}
                              ORDER BY e.day, e.visitor, e.visit_no, e.ts, e.seq)"""
                )
            else:
                ctes.append(
                    f"""s{i} AS (SELECT DISTINCT ON (e.day, e.visitor, e.visit_no)
                                       e.day, e.visitor, e.visit_no, e.ts, e.seq
                                FROM sel e JOIN s{i - 1} p ON p.day = e.day
                                     AND p.visitor = e.visitor AND p.visit_no = e.visit_no
                                WHERE {match} AND (e.ts, e.seq) > (p.ts, p.seq)
                                ORDER BY e.day, e.visitor, e.visit_no, e.ts, e.seq)"""
                )
        counts = ", ".join(
            f"(SELECT count(DISTINCT (day, visitor)) FROM s{i}) AS n{i}" for i in range(len(steps))
        )
        row = (
            await self.fetch(
                ", " + ", ".join(ctes) + f" SELECT {counts}", first, last, filters, *args
            )
        )[0]
        visitors = [row[f"n{i}"] for i in range(len(steps))]
        out = []
        for i, n in enumerate(visitors):
            previous = visitors[i - 1] if i else None
            out.append(
                {
                    "visitors": n,
                    "conversion_rate": n / visitors[0] if visitors[0] else None,
                    "drop_off": 0.0 if i == 0 else (1 - n / previous if previous else None),
                }
            )
        return out

    async def errors(self, first, last, filters) -> dict[tuple[str, Any], dict[str, Any]]:
        kind = "CASE WHEN nullif(el, '') IS NOT NULL THEN 'media' ELSE 'js' END"
        message = (
            f"CASE WHEN {kind} = 'media' THEN coalesce('code ' || (CASE jsonb_typeof(props)"
            " WHEN 'object' THEN props->>'code' END), 'media error') ELSE nullif(name, '') END"
        )
        rows = await self.fetch(
            f"""SELECT {kind} AS kind, {message} AS message, nullif(path, '') AS path,
                       count(*) AS events,
                       array_agg(DISTINCT (day, visitor)::text) AS hashes
                FROM sel WHERE type = {ERROR} GROUP BY 1, 2, 3""",
            first,
            last,
            filters,
        )
        out: dict[tuple[str, Any], dict[str, Any]] = {}
        for r in rows:
            row = out.setdefault(
                (r["kind"], r["message"]),
                {"kind": r["kind"], "message": r["message"], "events": 0, "hashes": set(),
                 "pages": {}},
            )  # fmt: skip
            row["events"] += r["events"]
            row["hashes"].update(r["hashes"])
            row["pages"][r["path"]] = row["pages"].get(r["path"], 0) + r["events"]
        for row in out.values():
            row["visitors"] = len(row.pop("hashes"))
        return out

    async def elements(self, first, last, filters) -> dict[str, dict[str, Any]]:
        rows = await self.fetch(
            f""", pairs AS (
                    SELECT o.el, extract(epoch FROM (
                        SELECT min(f.ts) FROM sel f
                        WHERE f.type = {ELE_OFF} AND f.day = o.day AND f.visitor = o.visitor
                          AND f.el = o.el
                          AND coalesce(f.path, '') = coalesce(o.path, '')
                          AND (f.ts, f.seq) > (o.ts, o.seq)) - o.ts)::float8 AS seconds
                    FROM sel o WHERE o.type = {ELE_ON} AND nullif(o.el, '') IS NOT NULL
                )
                SELECT s.el,
                       count(*) FILTER (WHERE type = {ELE_ON}) AS views,
                       count(DISTINCT (day, visitor)) FILTER (WHERE type = {ELE_ON}) AS visitors,
                       count(*) FILTER (WHERE type = {HOVER}) AS hovers,
                       count(*) FILTER (WHERE type = {CLICK}) AS clicks,
                       (SELECT avg(seconds) FROM pairs p WHERE p.el = s.el) AS avg_visible_s
                FROM sel s WHERE type IN ({ELE_ON}, {HOVER}, {CLICK}) AND nullif(el, '') IS NOT NULL
                GROUP BY s.el""",
            first,
            last,
            filters,
        )
        return {r["el"]: dict(r) for r in rows}

    async def timeline(self, first, last, filters, src: str, el: str | None):
        """The 21 points of one src (and el), and the duration they divide."""
        which = "src = $10 AND ($11::text IS NULL OR el = $11)"
        longest = (
            await self.fetch(
                f"SELECT max(dur) AS dur FROM sel WHERE {which} AND dur > 0",
                first,
                last,
                filters,
                src,
                el,
            )
        )[0]["dur"]
        counts = {
            name: [0] * 21 for name in ("clicks", "hovers", "pauses", "seeks_from", "seeks_to")
        }
        counts["errors"] = [0] * 21
        if longest:
            rows = await self.fetch(
                f"""SELECT type, pos, to_pos FROM sel
                    WHERE {which}
                      AND type IN ({CLICK}, {HOVER}, {PAUSE}, {ERROR}, {SEEK}, {REWIND})""",
                first,
                last,
                filters,
                src,
                el,
            )

            def point(p: float) -> int:  # the nearest point, a half rounded up
                return min(20, max(0, math.floor(20 * p / longest + 0.5)))

            names = {CLICK: "clicks", HOVER: "hovers", PAUSE: "pauses", ERROR: "errors"}
            for r in rows:
                if r["type"] in names and r["pos"] is not None:
                    counts[names[r["type"]]][point(r["pos"])] += 1
                elif r["type"] in (SEEK, REWIND):
                    if r["to_pos"] is not None:
                        counts["seeks_from"][point(r["to_pos"])] += 1
                    if r["pos"] is not None:
                        counts["seeks_to"][point(r["pos"])] += 1
        audience = await self.audience(first, last, filters, src, el)
        buckets = [
            {"at": i / 20, "audience": audience[i], **{name: c[i] for name, c in counts.items()}}
            for i in range(21)
        ]
        return buckets, longest

    async def audience(self, first, last, filters, src: str, el: str | None) -> list[float]:
        """The retention curve of the plays of one src (and el): percent of the plays
        with a known duration whose watched ranges contain 0 %, 5 %, ... 100 %."""
        rows = await self.fetch(
            f""", media AS (
                    SELECT day, visitor, el, src, ts, seq, type, pos, from_pos, to_pos, dur,
                           sum(CASE WHEN type = {LOAD} THEN 1 ELSE 0 END) OVER (
                               PARTITION BY day, visitor, el, src ORDER BY ts, seq
                               ROWS UNBOUNDED PRECEDING) AS session
                    FROM sel
                    WHERE type IN {PLAYER} AND src = $10 AND ($11::text IS NULL OR el = $11)
                ), plays AS (
                    SELECT day, visitor, el, src, session, max(dur) FILTER (WHERE dur > 0) AS dur
                    FROM media GROUP BY 1, 2, 3, 4, 5 HAVING bool_or(type = {PLAY})
                ), segments AS (
                    SELECT m.day, m.visitor, m.el, m.src, m.session,
                           greatest(0, m.from_pos) AS a,
                           least(CASE WHEN m.type IN ({PAUSE}, {ENDED}, {UNLOAD}) THEN m.pos
                                      ELSE m.to_pos END, p.dur) AS b
                    FROM media m JOIN plays p USING (day, visitor, el, src, session)
                    WHERE p.dur IS NOT NULL
                      AND m.type IN ({PAUSE}, {ENDED}, {UNLOAD}, {SEEK}, {REWIND})
                      AND m.from_pos IS NOT NULL
                      AND (CASE WHEN m.type IN ({PAUSE}, {ENDED}, {UNLOAD}) THEN m.pos
                                ELSE m.to_pos END) > m.from_pos
                )
                SELECT i, count(*) FILTER (WHERE EXISTS (
                           SELECT 1 FROM segments s
                           WHERE s.day = p.day AND s.visitor = p.visitor
                             AND s.el IS NOT DISTINCT FROM p.el AND s.src = p.src
                             AND s.session = p.session AND s.b > s.a
                             AND s.a <= p.dur * i / 20 AND p.dur * i / 20 <= s.b)) AS covered,
                       count(*) AS timed
                FROM plays p CROSS JOIN generate_series(0, 20) AS i
                WHERE p.dur IS NOT NULL GROUP BY i ORDER BY i""",
            first,
            last,
            filters,
            src,
            el,
        )
        if not rows:
            return [0.0] * 21
        return [100 * r["covered"] / r["timed"] for r in rows]

    async def media(self, first, last, filters) -> dict[tuple[Any, Any], dict[str, Any]]:
        """The media report per (el, src): sessions (from one videoLoad to the next,
        per visitor, element and src in a day) in SQL, each play's watched
        segments summed and merged here."""
        rows = await self.fetch(
            f""", media AS (
                    SELECT day, visitor, el, nullif(src, '') AS src, ts, seq, type, pos, from_pos,
                           to_pos, dur,
                           sum(CASE WHEN type = {LOAD} THEN 1 ELSE 0 END) OVER (
                               PARTITION BY day, visitor, el, nullif(src, '') ORDER BY ts, seq
                               ROWS UNBOUNDED PRECEDING) AS session
                    FROM sel WHERE type IN {PLAYER} AND el IS NOT NULL
                )
                SELECT day, visitor, el, src, session,
                       bool_or(type = {PLAY}) AS played, bool_or(type = {ENDED}) AS ended,
                       max(dur) FILTER (WHERE dur > 0) AS dur,
                       count(*) FILTER (WHERE type = {LOAD}) AS loads,
                       count(*) FILTER (WHERE type = {SEEK}) AS seeks,
                       count(*) FILTER (WHERE type = {REWIND}) AS rewinds,
                       coalesce(array_agg(ARRAY[from_pos, CASE WHEN type IN ({PAUSE}, {ENDED},
                                {UNLOAD}) THEN pos ELSE to_pos END] ORDER BY ts, seq)
                           FILTER (WHERE type IN ({PAUSE}, {ENDED}, {UNLOAD}, {SEEK}, {REWIND})
                                   AND from_pos IS NOT NULL
                                   AND CASE WHEN type IN ({PAUSE}, {ENDED}, {UNLOAD}) THEN pos
                                            ELSE to_pos END > from_pos), '{{}}') AS segments
                FROM media GROUP BY 1, 2, 3, 4, 5""",
            first,
            last,
            filters,
        )
        errors = await self.fetch(
            f"""SELECT el, nullif(src, '') AS src, count(*) AS n FROM sel
                WHERE type = {ERROR} AND el IS NOT NULL GROUP BY 1, 2""",
            first,
            last,
            filters,
        )
        out: dict[tuple[Any, Any], dict[str, Any]] = {}

        def row(key):
            return out.setdefault(
                key,
                {"loads": 0, "plays": 0, "viewers": set(), "watch": 0.0, "completions": 0,
                 "seeks": 0, "rewinds": 0, "errors": 0, "timed": 0, "covered": [0] * 21},
            )  # fmt: skip

        for r in rows:
            m = row((r["el"], r["src"]))
            m["loads"] += r["loads"]
            m["seeks"] += r["seeks"]
            m["rewinds"] += r["rewinds"]
            if not r["played"]:
                continue
            m["plays"] += 1
            m["viewers"].add((r["day"], r["visitor"]))
            # A 2-D array comes back as a list of [from, to] pairs (empty: []).
            segments = [(a, b) for a, b in (r["segments"] or [])]
            watched = sum(b - a for a, b in segments)
            dur = r["dur"]
            if dur is None:
                m["watch"] += watched
                m["completions"] += r["ended"]
                continue
            m["watch"] += min(watched, dur)
            m["timed"] += 1
            ranges = merged(segments, dur)
            if r["ended"] or sum(b - a for a, b in ranges) >= 0.9 * dur:
                m["completions"] += 1
            for i in range(21):
                point = dur * i / 20
                m["covered"][i] += any(a <= point <= b for a, b in ranges)
        for r in errors:
            row((r["el"], r["src"]))["errors"] += r["n"]
        report = {}
        for key, m in out.items():
            plays = m["plays"]
            report[key] = {
                "el": key[0],
                "src": key[1],
                "loads": m["loads"],
                "plays": plays,
                "play_rate": plays / m["loads"] if m["loads"] else None,
                "viewers": len(m["viewers"]),
                "watch_time_s": m["watch"],
                "avg_watch_s": m["watch"] / plays if plays else None,
                "completion_rate": m["completions"] / plays if plays else None,
                "seeks": m["seeks"],
                "rewinds": m["rewinds"],
                "errors": m["errors"],
                "retention": [100 * n / m["timed"] if m["timed"] else 0.0 for n in m["covered"]],
            }
        return report

    async def clicks(self, first, last, filters, path: str | None):
        """Heatmap cells (x: a 1 % column's left edge, y: a 10 px row's top) and
        clicks per element, of the selected clicks on one page (None: all)."""
        page = "($10::text IS NULL OR path = $10::text)"
        points = await self.fetch(
            f"""SELECT floor(x * 100)::int AS x, (floor(y / 10.0) * 10)::int AS y, count(*) AS n
                FROM sel WHERE type = {CLICK} AND x IS NOT NULL AND y IS NOT NULL AND {page}
                GROUP BY 1, 2""",
            first,
            last,
            filters,
            path,
        )
        elements = await self.fetch(
            f"""SELECT el, count(*) AS clicks FROM sel
                WHERE type = {CLICK} AND el IS NOT NULL AND {page} GROUP BY el""",
            first,
            last,
            filters,
            path,
        )
        return (
            {(r["x"], r["y"]): r["n"] for r in points},
            {r["el"]: r["clicks"] for r in elements},
        )

    async def selected(self, first, last, filters) -> list[tuple[datetime, int, int]]:
        """The selected events themselves: (ts, seq, visitor), oldest first."""
        rows = await self.fetch(
            "SELECT ts, seq, visitor FROM sel ORDER BY ts, seq", first, last, filters
        )
        return [tuple(r) for r in rows]


def merged(segments: list[tuple[float, float]], dur: float) -> list[tuple[float, float]]:
    """Watched segments clipped to [0, dur], overlapping or touching ones as one."""
    out: list[list[float]] = []
    for a, b in sorted((max(0.0, a), min(b, dur)) for a, b in segments):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def like_pattern(pattern: str) -> str:
    """A goal's path pattern (`*`: any run of characters) as a LIKE pattern."""
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


def step_condition(kind: str, match: str, param: str, prefix: str = "") -> tuple[str, str]:
    """A goal's or funnel step's test of one selected event, and its parameter."""
    if kind == "page":
        return f"{prefix}type = {PAGEVIEW} AND {prefix}path LIKE {param}::text", like_pattern(match)
    return f"{prefix}type = {CUSTOM} AND {prefix}name = {param}::text", match


def bucket_start(day: date, first: date, interval: str) -> date:
    if interval == "week":
        return max(first, day - timedelta(days=day.weekday()))
    if interval == "month":
        return max(first, day.replace(day=1))
    return day


def compare_range(first: date, last: date, compare: str) -> tuple[date, date]:
    if compare == "previous":
        days = (last - first).days + 1
        return first - timedelta(days=days), first - timedelta(days=1)
    return year_before(first), year_before(last)


def year_before(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


async def dimension_values(oracle: Oracle, first: date, last: date) -> dict[str, list[str]]:
    """Every known value of every dimension in the days, for drawing filters."""
    parts = []
    for dim in DIMS:
        table, column = ("vis", f"v_{dim}") if dim in VISIT_DIMS else ("ev", f"d_{dim}")
        parts.append(f"SELECT DISTINCT '{dim}' AS dim, {column} AS v FROM {table}")
    rows = await oracle.fetch(" UNION ALL ".join(parts) + " ORDER BY 1, 2", first, last)
    out: dict[str, list[str]] = {dim: [] for dim in DIMS}
    for r in rows:
        if r["v"] is not None:
            out[r["dim"]].append(r["v"])
    return out
