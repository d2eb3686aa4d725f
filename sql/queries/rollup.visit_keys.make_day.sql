-- $1 site, $2 a closed day. Its visits' breakdown by every visit dimension
-- (the names of collector.model.vocabulary.VISIT_DIMENSIONS), and the '*'
-- row that marks the day as made.
INSERT INTO rollup_day_visit_keys (site_id, dim, day, key, visitors, visits, bounces,
                                   visit_us, pageviews, events)
SELECT $1, d.dim, $2, d.key, count(DISTINCT v.visitor), count(*),
       count(*) FILTER (WHERE v.bounce), sum(v.visit_us), sum(v.pageviews), sum(v.events)
FROM all_visits v
CROSS JOIN LATERAL (VALUES
    ('*', ''),
    ('entry_page', coalesce(v.entry_page, '')),
    ('exit_page', coalesce(v.exit_page, '')),
    ('referrer', coalesce(v.referrer, '')),
    ('utm_source', coalesce(v.utm_source, '')),
    ('utm_medium', coalesce(v.utm_medium, '')),
    ('utm_campaign', coalesce(v.utm_campaign, '')),
    ('utm_content', coalesce(v.utm_content, '')),
    ('utm_term', coalesce(v.utm_term, '')),
    ('country', coalesce(v.country, '')),
    ('region', coalesce(v.region, '')),
    ('city', coalesce(v.city, '')),
    ('browser', coalesce(v.browser, '')),
    ('os', coalesce(v.os, '')),
    ('device', coalesce(v.device, '')),
    ('screen', coalesce(v.screen, '')),
    ('language', coalesce(v.language, '')),
    ('player_version', coalesce(v.player_version, ''))
) AS d (dim, key)
WHERE v.site_id = $1 AND v.day = $2
GROUP BY d.dim, d.key
