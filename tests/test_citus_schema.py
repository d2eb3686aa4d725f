"""The schema stays ready for Citus (sql/citus/distribute.sql, README "Past one
machine"). Citus is in neither Debian's packages nor PyPI, so this checks
its rules where they can drift: on the live catalog of a migrated database
(every table is distributed by site_id or a reference table; a distributed
table has site_id in every primary key and unique index, and no foreign key
to another distributed table but on site_id; no reference table points at a
distributed one), and on the text of every dashboard and rollup query
(each one on a distributed table filters, joins or groups by site_id, so it
runs on one worker or on co-located shards)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DISTRIBUTE = REPO / "sql" / "citus" / "distribute.sql"
QUERIES = REPO / "sql" / "queries"

_REFERENCE = re.compile(r"create_reference_table\('(\w+)'\)")
_DISTRIBUTED = re.compile(r"create_distributed_table\(\s*'(\w+)',\s*'(\w+)'(.*?)\)", re.S)


def declared() -> tuple[set[str], dict[str, str]]:
    """(reference tables, {distributed table: its colocate_with}) of distribute.sql."""
    text = DISTRIBUTE.read_text()
    reference = set(_REFERENCE.findall(text))
    distributed = {}
    for table, column, rest in _DISTRIBUTED.findall(text):
        assert column == "site_id", f"{table} is distributed by {column}, not site_id"
        colocated = re.search(r"colocate_with\s*=>\s*'(\w+)'", rest)
        distributed[table] = colocated[1] if colocated else table
    return reference, distributed


def test_distribute_sql_names_each_table_once_and_colocates_with_events():
    reference, distributed = declared()
    assert not reference & distributed.keys()
    assert distributed.pop("events") == "events"
    assert set(distributed.values()) == {"events"}, distributed


async def test_every_table_follows_the_key_rules(db):
    reference, distributed = declared()
    tables = {
        r["relname"]
        for r in await db.fetch(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
        )
    }
    assert tables == reference | distributed.keys(), (
        "a table is neither distributed nor a reference table in sql/citus/distribute.sql:"
        f" {sorted(tables ^ (reference | distributed.keys()))}"
    )
    # site_id: the same type everywhere (co-location needs it), never NULL.
    columns = await db.fetch(
        "SELECT table_name, data_type, is_nullable FROM information_schema.columns"
        " WHERE table_schema = 'public' AND column_name = 'site_id' AND table_name = ANY($1)",
        list(distributed),
    )
    assert {r["table_name"] for r in columns} == distributed.keys()
    assert {(r["data_type"], r["is_nullable"]) for r in columns} == {("integer", "NO")}
    # Every primary key and unique index of a distributed table (and of its
    # partitions) holds site_id.
    unique = await db.fetch(
        "SELECT t.relname AS table, i.relname AS index,"
        "       bool_or(a.attname = 'site_id') AS has_site_id"
        " FROM pg_index x"
        " JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid"
        " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(x.indkey)"
        " WHERE x.indisunique AND (t.relname = ANY($1) OR t.oid IN"
        "       (SELECT inhrelid FROM pg_inherits WHERE inhparent::regclass::text = ANY($1)))"
        " GROUP BY t.relname, i.relname",
        list(distributed),
    )
    assert [r["index"] for r in unique if not r["has_site_id"]] == []
    looked = {r["table"] for r in unique}
    assert {"rollup_days", "rollup_open_seen"} <= looked  # it looked
    assert any(t.startswith("events_") for t in looked)  # day partitions' client id indexes
    # Foreign keys: distributed -> reference, or distributed -> distributed on
    # site_id alone; a reference table never points at a distributed one.
    keys = await db.fetch(
        "SELECT c.conname, f.relname AS child, p.relname AS parent,"
        "       array(SELECT attname FROM pg_attribute"
        "             WHERE attrelid = c.conrelid AND attnum = ANY(c.conkey)) AS columns"
        " FROM pg_constraint c"
        " JOIN pg_class f ON f.oid = c.conrelid JOIN pg_class p ON p.oid = c.confrelid"
        " WHERE c.contype = 'f' AND NOT f.relispartition"
    )
    assert keys, "no foreign keys found: the catalog query looks at the wrong place"
    for key in keys:
        if key["child"] in reference:
            assert key["parent"] in reference, f"{key['conname']}: reference -> distributed"
        elif key["parent"] in distributed:
            assert key["columns"] == ["site_id"], f"{key['conname']}: not on site_id"


# ---------------------------------------------------------------- queries

# Queries on distributed tables that read or change every site at once, on
# purpose. On Citus each is one statement run on every worker in parallel.
ACROSS_SITES = {
    # The incremental rollup's input: the rows committed since the last run,
    # for every site, found by transaction id (events_rollup_xact). A
    # multi-shard scan; see the README on what Citus needs of rollup_xact.
    "rollup.input_rows.has_new_rows": "new rows of every site since the last run",
    "rollup.input_rows.load_new_rows": "new rows of every site since the last run",
    # Working state of days that are closed everywhere: deleted by day.
    "rollup.open_days.close_days.oldest": "the oldest open day of any site",
    "rollup.open_days.close_days.media": "closed days' state, every site",
    "rollup.open_days.close_days.seen": "closed days' state, every site",
    "rollup.open_days.close_days.visits": "closed days' state, every site",
    "rollup.job.lost_days": "open days of every site whose state a crash emptied",
    # CREATE TEMP TABLE ... AS SELECT ... WITH NO DATA: the columns, no row.
    "rollup.input_rows.prepare_fold.media_delta": "copies a table's columns, reads no row",
}
# The same for SQL left inline, by module and function.
ACROSS_SITES_INLINE = {
    "collector/rollup/open_days.py close_days": "closed days leave rollup_open_days, every site",
}
# Names a query reads or writes: FROM/JOIN/INTO/UPDATE/DELETE FROM <name>.
_TABLE = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE)\s+([a-z_][a-z0-9_]*)", re.I)
# A condition, join or grouping on site_id: `site_id = $1`, `= ANY($1)`,
# `e.site_id = s.site_id`, `s.id = e.site_id`, `USING (site_id`, `GROUP BY site_id`,
# `ON CONFLICT (site_id, ...)`, `PARTITION BY site_id`, or the site as the
# argument of the SQL functions that read its events (`peil_day_reports('x', $1`,
# `peil_goal_rows($5, $4, $1`).
_SITE_KEYED = re.compile(
    r"(\bsite_id\s*(=|IN\b)|=\s*(\w+\.)?site_id\b|USING\s*\(\s*site_id\b"
    r"|\bpeil_day_reports\('\w+', \$1\b|\bpeil_goal_rows\(\$\d+, \$\d+, \$1\b"
    r"|GROUP BY\s+(\w+\.)?site_id\b|ON CONFLICT\s*\(\s*site_id\b|PARTITION BY\s+(\w+\.)?site_id\b"
    r"|ORDER BY\s+(\w+\.)?site_id\b|\([^()]*\bsite_id\b[^()]*\)\s*VALUES\b)",
    re.I,
)


def query_files() -> list[Path]:
    return sorted([*QUERIES.glob("dashboard.*.sql"), *QUERIES.glob("rollup.*.sql")])


def inline_sql() -> list[tuple[str, str]]:
    """(module and function, text) of the SQL string literals left in the code of
    dashboard/ and collector/rollup/."""
    found = []
    sql = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.I)
    paths = [*(REPO / "dashboard").rglob("*.py"), *(REPO / "collector/rollup").rglob("*.py")]
    for path in sorted(paths):
        for function in ast.walk(ast.parse(path.read_text())):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and sql.match(node.value)
                ):
                    found.append((f"{path.relative_to(REPO)} {function.name}", node.value))
    return found


def uses_distributed(text: str, distributed: set[str]) -> set[str]:
    names = set(_TABLE.findall(re.sub(r"--[^\n]*", "", text)))
    return {n for n in names if n in distributed or re.fullmatch(r"events_\d{8}", n)}


def test_the_checks_themselves():
    distributed = {"events", "rollup_days"}
    assert uses_distributed("SELECT 1 FROM rollup_days WHERE day = $1", distributed)
    assert not _SITE_KEYED.search("SELECT 1 FROM rollup_days WHERE day = $1")
    assert _SITE_KEYED.search("SELECT 1 FROM rollup_days WHERE site_id = $1")
    assert _SITE_KEYED.search("FROM events e JOIN sites s ON s.id = e.site_id")
    assert _SITE_KEYED.search("INSERT INTO rollup_days (day, site_id) VALUES ($1, $2)")
    assert _SITE_KEYED.search("SELECT * FROM peil_day_reports('props', $1, $2, $2, $3)")
    assert not _SITE_KEYED.search("SELECT * FROM peil_day_reports('props', $2, $1, $1, $3)")
    assert _SITE_KEYED.search("SELECT * FROM peil_goal_rows($5, $4, $1, $2, $2, $3)")
    assert not _SITE_KEYED.search("SELECT * FROM peil_goal_rows($5, $4, $2, $1, $1, $3)")
    assert not uses_distributed("SELECT 1 FROM sites -- FROM events", distributed)
    assert any("open_day" in where for where, _ in inline_sql())


@pytest.mark.parametrize("path", query_files(), ids=lambda p: p.stem)
def test_every_dashboard_and_rollup_query_is_keyed_by_site(path):
    _, distributed = declared()
    text = path.read_text()
    if path.stem in ACROSS_SITES or not uses_distributed(text, set(distributed)):
        return
    assert _SITE_KEYED.search(re.sub(r"--[^\n]*", "", text)), (
        f"{path.name} reads or writes a distributed table without a condition, join or"
        " grouping on site_id: on Citus it would touch every worker (add it to ACROSS_SITES"
        " with the reason if that is what it must do)"
    )


def test_sql_left_inline_is_keyed_by_site_too():
    _, distributed = declared()
    unkeyed = [
        where
        for where, text in inline_sql()
        if uses_distributed(text, set(distributed))
        and not _SITE_KEYED.search(text)
        and where not in ACROSS_SITES_INLINE
    ]
    assert unkeyed == []


def test_every_exception_is_still_a_query():
    names = {p.stem for p in QUERIES.glob("*.sql")}
    assert set(ACROSS_SITES) <= names, set(ACROSS_SITES) - names
    inline = {where for where, _ in inline_sql()}
    assert set(ACROSS_SITES_INLINE) <= inline, set(ACROSS_SITES_INLINE) - inline
