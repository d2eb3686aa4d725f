"""The rollup's SQL, read without a database: every query is a file of its own
(sql/queries/rollup.*.sql), none is put together in Python, and the lists a
query spells out (breakdown dimensions, tables, media counters, the columns
of a fold's input) match the Python constants they stand for."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from collector.db.queries import load
from collector.model.vocabulary import DIMENSIONS
from collector.rollup import (
    day_reports,
    fold,
    input_rows,
    job,
    media_fold,
    month_keys,
    open_days,
    visit_keys,
)

REPO = Path(__file__).resolve().parents[2]
ROLLUP = REPO / "collector" / "rollup"
QUERIES = REPO / "sql" / "queries"
MODULES = (day_reports, fold, input_rows, job, media_fold, month_keys, open_days, visit_keys)
RUNS_SQL = {"execute", "executemany", "fetch", "fetchrow", "fetchval", "cursor", "prepare"}


def cases(sql: str, then: str) -> list[tuple[str, str]]:
    """(expression, result) of each `WHEN GROUPING(expression) = 0 THEN result`
    whose result matches the pattern `then`."""
    return re.findall(rf"WHEN GROUPING\((.+?)\) = 0 THEN ({then})\n", sql)


def parenthesized_list(sql: str, opening: str) -> list[str]:
    """The comma-separated items, one a line, from the line after `opening`
    (which ends its line) up to the closing `)`."""
    start = sql.index(opening + "\n") + len(opening) + 1
    items = []
    for line in sql[start:].splitlines():
        line = line.strip()
        if line.startswith(")"):
            return items
        items.append(line.removesuffix(","))
    raise AssertionError(f"no end of {opening!r}")


def test_the_breakdown_query_has_the_dimensions_of_the_vocabulary_in_order():
    sql = fold.SQL.fold_keys
    codes = cases(sql, r"\d+")
    names = cases(sql, r"'\w+'")
    # Pageview dimensions in grouping sets; `event` and `media` last, apart.
    pageview_dimensions = DIMENSIONS[:-2]
    assert [int(code) for _, code in codes] == list(range(1, len(pageview_dimensions) + 1))
    assert [name.strip("'") for _, name in names] == list(pageview_dimensions)
    assert DIMENSIONS[-2:] == ("event", "media")
    assert f"THEN {len(DIMENSIONS) - 1} ELSE {len(DIMENSIONS)} END" in sql
    assert "THEN 'event' ELSE 'media' END," in sql
    # Each dimension is one expression, the same in every part of the query.
    expressions = [e for e, _ in codes]
    assert [e for e, _ in names] == expressions
    assert parenthesized_list(sql, "coalesce(") == expressions
    sets = parenthesized_list(sql, "GROUPING SETS (")
    assert sets == [f"({e})" for e in expressions]
    assert fold.ANY_EVENT == 0  # the day's visitors: not a dimension code


def test_the_input_columns_are_the_same_in_every_query_that_fills_rollup_input():
    def columns(sql: str) -> str:
        return sql[sql.index("SELECT") : sql.index("FROM events")]

    made = columns(input_rows.SQL["prepare_fold.input"])
    assert "e.site_id, (e.ts AT TIME ZONE s.timezone)::date AS day" in made
    assert columns(input_rows.SQL.load_new_rows) == made
    assert columns(input_rows.SQL.load_day) == made


def tables_deleted_from(sql: str) -> list[str]:
    return re.findall(r"DELETE FROM (\w+)", sql)


def test_a_cleared_day_leaves_every_aggregate_and_state_table():
    assert tables_deleted_from(open_days.SQL.clear_day) == list(fold.ROLLUP_TABLES)
    assert tables_deleted_from(open_days.SQL.drop_day_state) == [
        "rollup_open_days",
        *open_days.OPEN_STATE_TABLES,
    ]


def test_closing_days_covers_every_state_table():
    assert [table for table, _ in open_days._CLOSE] == list(open_days.OPEN_STATE_TABLES)
    for table, delete in open_days._CLOSE:
        assert set(re.findall(r"DELETE FROM (\w+)", delete)) == {table}
        # A closed day's visits are moved, not lost: the reports read them.
        moved = set(re.findall(r"INSERT INTO (\w+)", delete))
        assert moved == ({"visits"} if table == "rollup_open_visits" else set())
    oldest = open_days.SQL["close_days.oldest"]
    assert re.findall(r"FROM (\w+)\) AS (\w+)", oldest) == [
        (t, t) for t in open_days.OPEN_STATE_TABLES
    ]


def test_the_media_query_adds_every_media_counter():
    sql = media_fold.SQL["fold_media.add"]
    sums = re.findall(r"(\w+) = m\.(\w+) \+ excluded\.(\w+)", sql)
    assert sums == [(c, c, c) for c in (*media_fold.MEDIA_COUNTS, "watch_us")]
    for counter in media_fold.MEDIA_COUNTS:
        assert sql.count(f" {counter},") + sql.count(f" {counter}\n") >= 2, counter


def sql_arguments(path: Path) -> list[tuple[int, ast.expr]]:
    """(line, first argument) of every call of a connection method that runs SQL."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in RUNS_SQL
            and node.args
        ):
            found.append((node.lineno, node.args[0]))
    return found


def is_named_query(node: ast.expr) -> bool:
    """SQL.name, SQL["name"], or a name bound to one (the loop of close_days)."""
    if isinstance(node, ast.Attribute):
        return isinstance(node.value, ast.Name) and node.value.id == "SQL"
    if isinstance(node, ast.Subscript):
        return (
            isinstance(node.value, ast.Name)
            and node.value.id == "SQL"
            and isinstance(node.slice, ast.Constant)
        )
    return isinstance(node, ast.Name)


@pytest.mark.parametrize("path", sorted(ROLLUP.glob("*.py")), ids=lambda p: p.name)
def test_no_sql_is_put_together_in_python(path):
    """Every statement run is a named query or a one-line string constant: no
    f-string, %, .format, + or join makes SQL."""
    for line, arg in sql_arguments(path):
        if isinstance(arg, ast.Constant):
            assert isinstance(arg.value, str) and "\n" not in arg.value, (path.name, line)
        else:
            assert is_named_query(arg), (path.name, line, ast.unparse(arg))
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = ast.unparse(node)
            assert not re.search(r"\b(SELECT|INSERT|UPDATE|DELETE|SET|FROM)\b", text), text


def names_used(module) -> set[str]:
    """The query names a module reads from its SQL (SQL.name, SQL["name"])."""
    used = set()
    for node in ast.walk(ast.parse(Path(module.__file__).read_text())):
        if isinstance(node, ast.Attribute) and is_named_query(node):
            used.add(node.attr)
        elif isinstance(node, ast.Subscript) and is_named_query(node):
            used.add(node.slice.value)
    return used


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_every_query_file_of_a_module_is_used_and_every_query_used_exists(module):
    assert names_used(module) == set(load(module.__name__).names())


def test_every_rollup_query_file_belongs_to_a_rollup_module():
    modules = {m.__name__.removeprefix("collector.") for m in MODULES}
    for path in QUERIES.glob("rollup.*.sql"):
        module = ".".join(path.name.split(".")[:2])
        assert module in modules, path.name
