-- One day of one site's traffic, built visit by visit (benchmarks/analytics_queries.py).
-- $1 site id, $2 the day's start (UTC), $3 seconds of the day that get visits (less
-- than a day for today), $4 visits, $5 the day's number (visitor numbers are drawn
-- per day, as the daily salt makes hashes), $6 no event at or after this time (now).
--
-- A visitor (a number of the day) has stable attributes (location, browser,
-- device, screen, language, player version), drawn from hashes of that number;
-- several visits of a day may fall to one visitor (1.2 visits a visitor-day on
-- average). A visit: a start (busier in the afternoon), an entry referrer (none
-- for 42 %), UTM parameters on the first page for 12 %, a host, 1 to 12 pages
-- (5 % follow / -> /pricing -> /signup -> /thanks), a dwell time per page.
-- Pages are one of 2,000 paths, Zipf-like; each page view sends a pageleave
-- (eng, depth) and, by chance, clicks, hovers, elements on and off screen,
-- custom events with props, script errors; five pages carry a video
-- (videoLoad, play, seek, pause or ended, videoUnload, media errors) with
-- src/pos/from/to/dur. Every event of a page carries its host, path and query
-- (the UTM parameters) and, on the visit's first page, the referrer.
WITH visit AS MATERIALIZED (
    SELECT g AS v,
           (hashint8(vk) :: bigint << 32) | (hashint8(vk + 7) :: bigint & 4294967295) AS visitor,
           '10.0.0.0' :: inet + (n.vn % 65536) * 256 AS ip,
           h.*, r.*,
           $2 :: timestamptz + make_interval(secs => $3 * CASE
               WHEN r.r1 < 0.4 THEN r.r2
               ELSE least(0.9999, greatest(0.0, 0.6 + 0.36 * (r.r2 + r.r3 + r.r4 - 1.5))) END)
               AS start,
           r.r5 < 0.05 AS journey,
           CASE WHEN r.r5 < 0.05 THEN 4 + least(4, floor(-ln(1 - r.r6) / 0.8) :: int)
                ELSE 1 + least(11, floor(-ln(1 - r.r6) / 0.55) :: int) END AS pages,
           8 + least(300.0, -ln(1 - r.r7) * 70) AS dwell
    FROM generate_series(1, $4) g
    CROSS JOIN LATERAL (SELECT floor(random() * $4 * 2.5) :: bigint + g * 0 AS vn) n
    CROSS JOIN LATERAL (SELECT $5 :: bigint * 100000000 + n.vn * 32 AS vk) k
    CROSS JOIN LATERAL (
        SELECT (hashint8(vk + 1) & 2147483647) :: float8 / 2147483648 AS h1,
               (hashint8(vk + 2) & 2147483647) :: float8 / 2147483648 AS h2,
               (hashint8(vk + 3) & 2147483647) :: float8 / 2147483648 AS h3,
               (hashint8(vk + 4) & 2147483647) :: float8 / 2147483648 AS h4,
               (hashint8(vk + 5) & 2147483647) :: float8 / 2147483648 AS h5,
               (hashint8(vk + 6) & 2147483647) :: float8 / 2147483648 AS h6,
               (hashint8(vk + 8) & 2147483647) :: float8 / 2147483648 AS h7,
               (hashint8(vk + 9) & 2147483647) :: float8 / 2147483648 AS h8,
               (hashint8(vk + 10) & 2147483647) :: float8 / 2147483648 AS h9,
               (hashint8(vk + 11) & 2147483647) :: float8 / 2147483648 AS h10,
               (hashint8(vk + 12) & 2147483647) :: float8 / 2147483648 AS h11) h
    CROSS JOIN LATERAL (
        SELECT random() + g * 0 AS r1, random() + g * 0 AS r2, random() + g * 0 AS r3,
               random() + g * 0 AS r4, random() + g * 0 AS r5, random() + g * 0 AS r6,
               random() + g * 0 AS r7, random() + g * 0 AS r8, random() + g * 0 AS r9,
               random() + g * 0 AS r10, random() + g * 0 AS r11, random() + g * 0 AS r12) r
),
visitor AS MATERIALIZED (
    SELECT v.v, v.visitor, v.ip, v.start, v.journey, v.pages, v.dwell,
           geo.country,
           CASE WHEN geo.country IS NOT NULL
                THEN geo.country || '-R' || least(6, floor(exp(v.h3 * ln(7))) :: int) END AS region,
           CASE WHEN geo.country IS NOT NULL
                THEN 'City ' || geo.country || ' ' || least(25, floor(exp(v.h4 * ln(26))) :: int)
                END AS city,
           CASE WHEN v.h5 < 0.62 THEN 'Chrome' WHEN v.h5 < 0.8 THEN 'Safari'
                WHEN v.h5 < 0.88 THEN 'Firefox' WHEN v.h5 < 0.95 THEN 'Edge'
                WHEN v.h5 < 0.98 THEN 'Samsung Internet' ELSE 'Opera' END AS browser,
           (110 + floor(v.h10 * 22)) :: smallint AS browser_version,
           d.device,
           CASE d.device
               WHEN 1 THEN CASE WHEN v.h7 < 0.7 THEN 'Windows' WHEN v.h7 < 0.92 THEN 'Mac OS X'
                                ELSE 'Linux' END
               WHEN 2 THEN CASE WHEN v.h7 < 0.65 THEN 'Android' ELSE 'iOS' END
               ELSE CASE WHEN v.h7 < 0.6 THEN 'iOS' ELSE 'Android' END END AS os,
           (CASE d.device WHEN 1 THEN ARRAY[1920, 1536, 2560, 1366, 1440]
                          WHEN 2 THEN ARRAY[390, 412, 375, 360, 393]
                          ELSE ARRAY[810, 820, 768, 800, 1024] END)
               [1 + floor(v.h8 * 5) :: int] :: smallint AS screen_w,
           (CASE d.device WHEN 1 THEN ARRAY[1080, 864, 1440, 768, 900]
                          WHEN 2 THEN ARRAY[844, 915, 667, 800, 852]
                          ELSE ARRAY[1080, 1180, 1024, 1280, 1366] END)
               [1 + floor(v.h8 * 5) :: int] :: smallint AS screen_h,
           (ARRAY['en', 'de', 'nl', 'fr', 'es', 'it', 'pt', 'pl', 'sv', 'ja', 'zh', 'ru', 'tr',
                  'da', 'fi'])[least(15, floor(exp(v.h9 * ln(16))) :: int)] AS lang,
           CASE WHEN v.h11 < 0.7 THEN '2.3.1' WHEN v.h11 < 0.9 THEN '2.3.0'
                WHEN v.h11 < 0.98 THEN '2.2.4' END AS player_version,
           CASE WHEN v.r8 >= 0.42 THEN CASE ref.k
                WHEN 1 THEN 'www.google.com/' WHEN 2 THEN 'duckduckgo.com/'
                WHEN 3 THEN 'www.bing.com/' WHEN 4 THEN 't.co/'
                WHEN 5 THEN 'news.ycombinator.com/item' WHEN 6 THEN 'www.reddit.com/r/analytics/'
                WHEN 7 THEN 'www.linkedin.com/feed/' WHEN 8 THEN 'github.com/bench/peil'
                WHEN 9 THEN 'l.facebook.com/' WHEN 10 THEN 'search.brave.com/'
                ELSE 'site-' || ref.k || '.example/links' END END AS referrer,
           CASE WHEN v.r10 < 0.12 THEN
               'utm_source=' || (ARRAY['newsletter', 'google', 'facebook', 'twitter', 'linkedin',
                                       'partner'])[1 + utm.k % 6]
               || '&utm_medium=' || (ARRAY['email', 'cpc', 'social', 'referral'])[1 + utm.k % 4]
               || '&utm_campaign=campaign-' || utm.k
               || CASE WHEN v.r10 < 0.04 THEN '&utm_content=banner-' || (utm.k % 3)
                       || CASE WHEN v.r10 < 0.015 THEN '&utm_term=analytics+tool' ELSE '' END
                       ELSE '' END END AS query,
           CASE WHEN v.r12 < 0.85 THEN 'www.bench.example' WHEN v.r12 < 0.95
                THEN 'shop.bench.example' ELSE 'docs.bench.example' END AS host
    FROM visit v
    CROSS JOIN LATERAL (SELECT CASE WHEN v.h2 >= 0.03 THEN (ARRAY[
        'US', 'DE', 'NL', 'GB', 'FR', 'IN', 'CA', 'BR', 'ES', 'IT', 'PL', 'BE', 'SE', 'AU', 'JP',
        'CH', 'AT', 'MX', 'TR', 'RU', 'ID', 'KR', 'DK', 'NO', 'FI', 'PT', 'IE', 'CZ', 'RO', 'UA',
        'AR', 'ZA', 'CN', 'SG', 'NZ', 'IL', 'GR', 'HU', 'VN', 'PH', 'TH', 'MY', 'CO', 'CL', 'PK',
        'EG', 'NG', 'KE', 'SA', 'AE', 'SK', 'BG', 'HR', 'RS', 'SI', 'LT', 'LV', 'EE', 'LU', 'IS'
        ])[least(60, floor(exp(v.h1 * ln(61))) :: int)] END AS country) geo
    CROSS JOIN LATERAL (SELECT (CASE WHEN v.h6 < 0.55 THEN 1 WHEN v.h6 < 0.95 THEN 2 ELSE 3 END)
                                   :: smallint AS device) d
    CROSS JOIN LATERAL (SELECT least(300, floor(exp(v.r9 * ln(301))) :: int) AS k) ref
    CROSS JOIN LATERAL (SELECT least(30, floor(exp(v.r11 * ln(31))) :: int) AS k) utm
),
page AS (
    SELECT v.*, p.p, p.k,
           v.start + make_interval(secs => (p.p - 1) * v.dwell) AS at,
           CASE WHEN p.k <= 35 AND p.k % 8 = 3 THEN (p.k - 3) / 8 + 1 END AS video,
           CASE p.k WHEN 1 THEN '/' WHEN 2 THEN '/pricing' WHEN 3 THEN '/tour'
                    WHEN 4 THEN '/signup' WHEN 5 THEN '/blog' WHEN 6 THEN '/docs'
                    WHEN 7 THEN '/thanks'
                    ELSE (ARRAY['/blog/post-', '/docs/page-', '/products/item-'])[1 + p.k % 3]
                         || p.k END AS path,
           q.*
    FROM visitor v
    CROSS JOIN LATERAL (
        SELECT s AS p,
               CASE WHEN v.journey AND s <= 4 THEN (ARRAY[1, 2, 4, 7])[s]
                    ELSE least(2000, floor(exp(random() * ln(2001))) :: int) END AS k
        FROM generate_series(1, v.pages) s) p
    CROSS JOIN LATERAL (
        SELECT random() + p.p * 0 AS q_leave, random() + p.p * 0 AS q_click,
               random() + p.p * 0 AS q_click2, random() + p.p * 0 AS q_hover,
               random() + p.p * 0 AS q_ele, random() + p.p * 0 AS q_custom,
               random() + p.p * 0 AS q_err, random() + p.p * 0 AS q_play,
               random() + p.p * 0 AS q_seek, random() + p.p * 0 AS q_watch,
               random() + p.p * 0 AS q_a, random() + p.p * 0 AS q_b,
               random() + p.p * 0 AS q_c, random() + p.p * 0 AS q_d) q
),
media AS (
    SELECT page.*,
           m.dur, m.stop, m.stop >= m.dur AS ended, m.stop * 0.3 AS seek_from,
           m.stop * 0.3 + m.stop * 0.7 * 0.4 AS seek_to
    FROM page
    CROSS JOIN LATERAL (
        SELECT d.dur, least(d.dur, d.dur * power(page.q_watch, 0.6) * 1.1) AS stop
        FROM (SELECT (ARRAY[95.0, 180.0, 320.0, 610.0, 1500.0])[page.video] :: real AS dur) d) m
)
INSERT INTO events (ts, visitor, site_id, type, seq, host, path, query, referrer, origin,
                    country, region, city, browser, browser_version, os, device, screen_w,
                    screen_h, lang, player_version, ip, client_id, el, src, pos, from_pos,
                    to_pos, dur, x, y, eng, depth, name, props)
SELECT m.at + make_interval(secs => e.frac * m.dwell), m.visitor, $1, e.type, e.i,
       m.host, m.path,
       CASE WHEN m.p = 1 THEN m.query END,
       CASE WHEN m.p = 1 THEN m.referrer END,
       m.host, m.country, m.region, m.city, m.browser, m.browser_version, m.os, m.device,
       m.screen_w, m.screen_h, m.lang, m.player_version, m.ip,
       substr(encode(uuid_send(gen_random_uuid()), 'base64'), 1, 22),
       -- el
       CASE WHEN e.type IN (3, 4) THEN (ARRAY[
                'button#buy', 'a#cta', 'nav a.menu', 'a.logo', 'button#signup',
                'a#pricing-link', 'button.play', 'a.footer-link', 'input#search',
                'button#subscribe', 'a.download', 'button#close', 'a#contact', 'button.next',
                'a.prev'])[e.target]
            WHEN e.type IN (5, 6) THEN (ARRAY[
                'section#hero', 'section#pricing', 'div#testimonials', 'section#features',
                'footer', 'div#newsletter', 'section#faq', 'div#cta-banner', 'section#team',
                'div#video'])[e.target]
            WHEN e.type >= 20 OR (e.type = 7 AND e.i = 15) THEN 'video#player-' || m.video END,
       -- src
       CASE WHEN e.type >= 20 OR (e.type = 7 AND e.i = 15)
                THEN 'https://cdn.bench.example/video-' || m.video || '.mp4'
            WHEN e.type = 7 THEN 'https://www.bench.example/static/app.' || (1 + e.target % 3)
                                 || '.js' END,
       -- pos, from_pos, to_pos, dur
       CASE e.type WHEN 20 THEN 0 WHEN 21 THEN 0 WHEN 23 THEN m.seek_to
                   WHEN 22 THEN m.stop WHEN 25 THEN m.dur
                   WHEN 26 THEN CASE WHEN m.q_play < 0.6 THEN m.stop ELSE 0 END
                   WHEN 7 THEN CASE WHEN e.i = 15 THEN m.stop * m.q_d END END,
       CASE WHEN e.type = 23 THEN 0
            WHEN e.type IN (22, 25) THEN CASE WHEN m.q_seek < 0.25 THEN m.seek_to ELSE 0 END
            WHEN e.type = 26 AND m.q_play < 0.6 THEN m.stop END,
       CASE WHEN e.type = 23 THEN m.seek_from END,
       CASE WHEN e.type >= 20 OR (e.type = 7 AND e.i = 15) THEN m.dur END,
       -- x, y
       CASE WHEN e.type IN (3, 4)
            THEN least(1.0, greatest(0.0, (e.target * 0.061) % 1.0 + (m.q_a - 0.5) * 0.06)) END,
       CASE WHEN e.type IN (3, 4) THEN (e.target * 137) % 2400 + floor(m.q_b * 40) :: int END,
       -- eng, depth
       CASE WHEN e.type = 2 THEN floor(m.dwell * 1000 * (0.5 + 0.4 * m.q_c)) :: int END,
       CASE WHEN e.type = 2 THEN (10 + floor(m.q_d * 91)) :: smallint END,
       -- name: the custom event's, or the script error's message
       CASE WHEN e.type = 8 THEN CASE WHEN m.k = 4 AND m.q_custom < 0.5 THEN 'signup' ELSE
                (ARRAY['signup', 'download', 'newsletter', 'add_to_cart', 'checkout', 'search',
                       'share', 'contact', 'play_demo', 'login', 'logout', 'filter', 'sort',
                       'compare', 'wishlist', 'coupon', 'chat_open', 'faq_open', 'lang_switch',
                       'print'])[e.target] END
            WHEN e.type = 7 AND e.i <> 15 THEN (ARRAY[
                'TypeError: Cannot read properties of undefined (reading ''length'')',
                'ReferenceError: gtag is not defined',
                'TypeError: Failed to fetch',
                'SyntaxError: Unexpected token ''<''',
                'Error: ResizeObserver loop limit exceeded',
                'TypeError: null is not an object (evaluating ''el.style'')',
                'Error: Network request failed',
                'RangeError: Maximum call stack size exceeded'])[e.target] END,
       -- props
       CASE WHEN e.type = 8 THEN CASE e.target % 3
                WHEN 0 THEN jsonb_build_object(
                    'plan', (ARRAY['free', 'pro', 'team', 'enterprise'])[1 + floor(m.q_a * 4) :: int],
                    'variant', 'v' || floor(m.q_b * 5))
                WHEN 1 THEN jsonb_build_object(
                    'method', (ARRAY['email', 'google', 'github'])[1 + floor(m.q_a * 3) :: int],
                    'step', 1 + floor(m.q_b * 4))
                ELSE jsonb_build_object('item', 'sku-' || floor(m.q_a * 40), 'value',
                                        round((m.q_b * 200) :: numeric, 2)) END
            WHEN e.type = 7 AND e.i = 15 THEN jsonb_build_object('code', 2 + e.target % 3)
            WHEN e.type = 7 THEN jsonb_build_object('line', 10 + e.target * 97) END
FROM media m
CROSS JOIN LATERAL (VALUES
    -- (seq, type, share of the dwell time after the page view, kept, which element/name)
    (1, 1 :: smallint, 0.0, true, 0),
    (2, 20 :: smallint, 0.02, m.video IS NOT NULL, 0),
    (3, 21 :: smallint, 0.05, m.video IS NOT NULL AND m.q_play < 0.6, 0),
    (4, 5 :: smallint, 0.15, m.q_ele < 0.4, least(10, floor(exp(m.q_a * ln(11))) :: int)),
    (5, 4 :: smallint, 0.25, m.q_hover < 0.3, least(15, floor(exp(m.q_c * ln(16))) :: int)),
    (6, 23 :: smallint, 0.3, m.video IS NOT NULL AND m.q_play < 0.6 AND m.q_seek < 0.25, 0),
    (7, 3 :: smallint, 0.35, m.q_click < 0.35, least(15, floor(exp(m.q_b * ln(16))) :: int)),
    (8, 8 :: smallint, 0.45, m.q_custom < 0.14 OR (m.k = 4 AND m.q_custom < 0.5),
        least(20, floor(exp(m.q_d * ln(21))) :: int)),
    (9, 7 :: smallint, 0.5, m.q_err < 0.015, least(8, floor(exp(m.q_c * ln(9))) :: int)),
    (10, 6 :: smallint, 0.55, m.q_ele < 0.34, least(10, floor(exp(m.q_a * ln(11))) :: int)),
    (11, 3 :: smallint, 0.65, m.q_click2 < 0.1, least(15, floor(exp(m.q_d * ln(16))) :: int)),
    (12, CASE WHEN m.ended THEN 25 ELSE 22 END :: smallint, 0.8,
         m.video IS NOT NULL AND m.q_play < 0.6, 0),
    (13, 26 :: smallint, 0.88, m.video IS NOT NULL AND NOT (m.q_play < 0.6 AND m.ended), 0),
    (15, 7 :: smallint, 0.6, m.video IS NOT NULL AND m.q_err > 0.99, 0),
    (16, 2 :: smallint, 0.95, m.q_leave < 0.92, 0)
) e (i, type, frac, kept, target)
WHERE e.kept AND m.at + make_interval(secs => e.frac * m.dwell) < $6
