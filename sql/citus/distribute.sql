-- Distribute an existing Peil database over a Citus cluster (README: "Past
-- one machine", moving to Citus). Run once, with psql, on the coordinator,
-- in Peil's database, with every `peil serve` stopped and its spool empty
-- (`peil status`), after the coordinator and the workers have the citus
-- extension and `citus_add_node()` has added the workers.
--
-- Every table is one of two kinds (tests/test_citus_schema.py checks the
-- live schema against this file):
-- - distributed by site_id, co-located with `events`, so that a site's raw
--   events, aggregates and working state live on the same worker and every
--   dashboard and rollup query of a site runs on one worker only;
-- - a reference table: small, copied to every worker, joinable with all.
--
-- Reference tables first, parents before children: a distributed table's
-- foreign key may only point at a reference table.

CREATE EXTENSION IF NOT EXISTS citus;

BEGIN;

SELECT create_reference_table('sites');
SELECT create_reference_table('users');
SELECT create_reference_table('site_grants');
SELECT create_reference_table('api_tokens');
SELECT create_reference_table('sessions');
SELECT create_reference_table('goals');
SELECT create_reference_table('audit_log');
SELECT create_reference_table('salts');
SELECT create_reference_table('login_failures');
SELECT create_reference_table('forget_requests');
SELECT create_reference_table('schema_migrations');
SELECT create_reference_table('spool_progress');
SELECT create_reference_table('rollup_state');

-- Raw events: the partitioned table and every day partition at once; day
-- partitions the upkeep job creates later are distributed as they come.
SELECT create_distributed_table('events', 'site_id');

SELECT create_distributed_table('rollup_days', 'site_id', colocate_with => 'events');
SELECT create_distributed_table('rollup_day_types', 'site_id', colocate_with => 'events');
SELECT create_distributed_table('rollup_day_keys', 'site_id', colocate_with => 'events');
SELECT create_distributed_table('rollup_day_visit_keys', 'site_id', colocate_with => 'events');
SELECT create_distributed_table('rollup_day_reports', 'site_id', colocate_with => 'events');
SELECT create_distributed_table('rollup_day_media', 'site_id', colocate_with => 'events');
SELECT create_distributed_table('rollup_day_clicks', 'site_id', colocate_with => 'events');
SELECT create_distributed_table(
    'rollup_day_click_elements', 'site_id', colocate_with => 'events');
SELECT create_distributed_table('rollup_day_site_clicks', 'site_id', colocate_with => 'events');
SELECT create_distributed_table('rollup_month_keys', 'site_id', colocate_with => 'events');
SELECT create_distributed_table('rollup_open_days', 'site_id', colocate_with => 'events');
SELECT create_distributed_table('rollup_open_seen', 'site_id', colocate_with => 'events');
SELECT create_distributed_table('rollup_open_visits', 'site_id', colocate_with => 'events');
SELECT create_distributed_table('visits', 'site_id', colocate_with => 'events');
SELECT create_distributed_table('rollup_open_media', 'site_id', colocate_with => 'events');

COMMIT;
