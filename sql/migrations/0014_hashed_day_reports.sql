-- peil_day_reports (migration 0010) with the same rows, counted faster: a
-- report's distinct visitors are its (key, visitor) groups counted, two
-- hashed groupings, where count(DISTINCT visitor) sorted every row of the
-- day by its text keys; an element's next eleOff is a running minimum over
-- the later rows (read backwards), not a frame recomputed for every row. An
-- eleOff at the very instant and seq of an eleOn is not later: the eleOn
-- sorts before it (type), so it is not in the eleOn's frame.

CREATE OR REPLACE FUNCTION peil_day_reports(report text, site integer, first_day date, last_day date,
                                 tz text, vd text[], vo text[], vp text[],
                                 ed text[], eo text[], ep text[])
RETURNS TABLE (day date, a text, b text, c text, events bigint, visitors bigint,
               hovers bigint, clicks bigint, seconds float8, shown bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH e AS MATERIALIZED (
        SELECT * FROM peil_selected_events(site, first_day, last_day, tz, vd, vo, vp,
                                           ed, eo, ep)
        WHERE (report = 'props' AND type = 8)
           OR (report IN ('errors', 'error_pages') AND type = 7)
           OR (report = 'elements' AND type IN (3, 4, 5, 6) AND el IS NOT NULL)
           OR (report = 'timeline' AND type IN (3, 4, 7, 22, 23, 24) AND src IS NOT NULL)
           OR (report = 'media_duration' AND el IS NOT NULL AND dur > 0
               AND type IN (7, 20, 21, 22, 23, 24, 25, 26))
    ), error_rows AS (
        SELECT day, visitor, coalesce(path, '') AS path,
               CASE WHEN el IS NULL THEN 'js' ELSE 'media' END AS kind,
               CASE WHEN el IS NULL THEN coalesce(name, '')
                    ELSE coalesce('code ' || (props ->> 'code'), 'media error') END AS message
        FROM e WHERE type = 7
    ), shown AS (
        -- An element's time on screen: from an eleOn to the next eleOff of the
        -- same visitor, element and page that day.
        SELECT day, el, extract(epoch FROM next_off - ts)::float8 AS seconds FROM (
            SELECT day, el, type, ts, min(ts) FILTER (WHERE type = 6) OVER (
                PARTITION BY day, visitor, el, coalesce(path, '')
                ORDER BY ts DESC, seq DESC, type
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS next_off
            FROM e WHERE type IN (5, 6)) w
        WHERE type = 5 AND next_off IS NOT NULL
    )
    SELECT day, name, key, value, sum(n)::bigint, count(*), 0::bigint, 0::bigint, 0::float8,
           0::bigint
    FROM (
        SELECT e.day, coalesce(e.name, '') AS name, p.key, p.value, e.visitor, count(*) AS n
        FROM e CROSS JOIN LATERAL jsonb_each_text(
            CASE WHEN jsonb_typeof(e.props) = 'object' THEN e.props ELSE '{}' END) p
        WHERE report = 'props'
        GROUP BY e.day, coalesce(e.name, ''), p.key, p.value, e.visitor) v
    GROUP BY day, name, key, value
    UNION ALL
    SELECT day, kind, message, '', sum(n)::bigint, count(*), 0, 0, 0, 0
    FROM (SELECT day, kind, message, visitor, count(*) AS n
          FROM error_rows WHERE report = 'errors'
          GROUP BY day, kind, message, visitor) v
    GROUP BY day, kind, message
    UNION ALL
    SELECT day, kind, message, path, count(*), 0, 0, 0, 0, 0
    FROM error_rows WHERE report = 'error_pages'
    GROUP BY day, kind, message, path
    UNION ALL
    SELECT c.day, c.el, '', '', c.views, c.visitors, c.hovers, c.clicks,
           coalesce(s.seconds, 0), coalesce(s.shown, 0)
    FROM (
        SELECT day, el, sum(views)::bigint AS views,
               count(*) FILTER (WHERE views > 0) AS visitors,
               sum(hovers)::bigint AS hovers, sum(clicks)::bigint AS clicks
        FROM (SELECT day, el, visitor, count(*) FILTER (WHERE type = 5) AS views,
                     count(*) FILTER (WHERE type = 4) AS hovers,
                     count(*) FILTER (WHERE type = 3) AS clicks
              FROM e WHERE report = 'elements' GROUP BY day, el, visitor) v
        GROUP BY day, el) c
    LEFT JOIN (SELECT day, el, sum(seconds) AS seconds, count(*) AS shown
               FROM shown GROUP BY day, el) s USING (day, el)
    UNION ALL
    -- Interactions with a media at a position of its timeline: clicks, hovers,
    -- pauses and errors at their pos; a seek or rewind where it left (its
    -- `to`) and where it went (its pos). Per exact position: the timeline's
    -- points depend on the range's duration.
    SELECT e.day, e.src, coalesce(e.el, ''), i.kind, count(*), 0, 0, 0, i.at, 0
    FROM e CROSS JOIN LATERAL (VALUES
        (CASE e.type WHEN 3 THEN 'clicks' WHEN 4 THEN 'hovers' WHEN 22 THEN 'pauses'
                     WHEN 7 THEN 'errors' ELSE 'seeks_to' END, e.pos::float8),
        (CASE WHEN e.type IN (23, 24) THEN 'seeks_from' END, e.to_pos::float8)
    ) AS i (kind, at)
    WHERE report = 'timeline' AND i.kind IS NOT NULL AND i.at IS NOT NULL
    GROUP BY e.day, e.src, e.el, i.kind, i.at
    UNION ALL
    -- The longest duration a media's player and error events gave that day.
    SELECT day, coalesce(src, ''), el, '', 0, 0, 0, 0, max(dur)::float8, 0
    FROM e WHERE report = 'media_duration'
    GROUP BY day, src, el
$$;
