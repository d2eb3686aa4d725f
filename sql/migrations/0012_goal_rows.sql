-- Page goals with a wildcard, per day (collector/rollup/day_reports.py).
--
-- The daily rollup answers an event goal (its `event` key) and a page goal
-- naming one path (its `page` key), but not a pattern: the visitors of
-- several pages are not the sum of each page's. So each made day also keeps,
-- in rollup_day_reports, a row per wildcard pattern of its site's goals:
--
-- report       a        b, c     events                 visitors
-- 'goal_pages' pattern  '', ''   pageviews it matched   distinct visitors of them
--                                (that day, as every report: README, "Filters,
--                                visits and the reports' definitions")
--
-- one even when nothing matched (the row says the pattern is made for that
-- day). A goal added later is made for the days already made by the next
-- rollup runs; until then those days are counted from their events.
-- `goals.days_made` says that has been done: a run looks for missing rows of
-- those goals only, not of every goal on every day.
ALTER TABLE goals ADD COLUMN days_made boolean NOT NULL DEFAULT false;

-- Per day of the selected events (peil_selected_events: the same ten
-- parameters), the events reaching each goal given by `kinds` and `matches`
-- (pairwise): an event goal's custom events of its name, a page goal's
-- pageviews whose path matches its pattern (`*` any run of characters, else
-- the whole path), and their visitors. The filtered goals report sums these
-- rows over its days; the kept rows are these rows of one day.
CREATE FUNCTION peil_goal_rows(kinds text[], matches text[], site integer, first_day date,
                               last_day date, tz text, vd text[], vo text[], vp text[],
                               ed text[], eo text[], ep text[])
RETURNS TABLE (day date, kind text, match text, events bigint, visitors bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH g AS (
        SELECT DISTINCT kind, match, peil_like_pattern(match) AS matching
        FROM unnest(kinds, matches) AS u (kind, match)
    ), e AS MATERIALIZED (
        SELECT type, name, path, day, visitor
        FROM peil_selected_events(site, first_day, last_day, tz, vd, vo, vp, ed, eo, ep)
        WHERE (type = 1 AND 'page' = ANY (kinds)) OR (type = 8 AND 'event' = ANY (kinds))
    )
    -- Visitors: the (goal, visitor) groups counted (hashed, not sorted).
    SELECT day, kind, match, sum(n)::bigint, count(*)
    FROM (
        SELECT e.day, g.kind, g.match, e.visitor, count(*) AS n
        FROM e JOIN g ON g.kind = 'event' AND e.name = g.match
        WHERE e.type = 8
        GROUP BY e.day, g.kind, g.match, e.visitor
        UNION ALL
        SELECT e.day, g.kind, g.match, e.visitor, count(*)
        FROM e JOIN g ON g.kind = 'page' AND e.path LIKE g.matching
        WHERE e.type = 1
        GROUP BY e.day, g.kind, g.match, e.visitor
    ) v
    GROUP BY day, kind, match
$$;
