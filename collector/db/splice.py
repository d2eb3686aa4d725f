"""The one place where Peil puts a name or a literal into SQL text.

PostgreSQL takes `$1` parameters for values in queries and data changes
only. A table name never can be one, and neither can anything in DDL: the
day partition the purge deletes rows from, `events_20261201` (it deletes by
ctid, which is only unique within one partition, so it must name the
partition, not `events`), the bounds in `CREATE TABLE ... FOR VALUES FROM
('...')`, the text of `COMMENT ON TABLE ... IS '...'`, the database in
`CREATE DATABASE`.

Such statements are still named files in sql/queries/ (see queries.py),
written with psql's own variables: `:"name"` for an identifier, `:'name'`
for a literal. A file reads as the statement it is and runs in psql as it
is, after `\\set partition events_20261201`. `splice` fills them in:

    await conn.execute(splice(SQL.drop_detached, partition="events_20261201"))

Identifiers and literals are quoted as PostgreSQL's own quote_ident and
quote_literal do (the quote character doubled; a backslash in a literal is
refused, so it means the same whatever standard_conforming_strings says);
every placeholder must be given a value and every value must have its
placeholder. Nothing else in Peil splices
text into SQL (tests/test_named_queries.py checks that `splice` is only
ever given a named query and that no f-string holds SQL).

Why not a PL/pgSQL function that quotes with format('%I'): it would need a
migration, and the purge's deletes would run as dynamic SQL inside it, planned
anew on each call instead of as the prepared statements they are.
"""

from __future__ import annotations

import re

# `:"name"` or `:'name'`, but not the `::"char"` of a cast.
_PLACEHOLDER = re.compile(r"(?<!:):([\"'])([A-Za-z_][A-Za-z0-9_]*)\1")


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def splice(query: str, **values: str) -> str:
    """`query` with each `:"name"` an identifier and each `:'name'` a literal of values[name]."""
    used = set()

    def fill(match: re.Match[str]) -> str:
        quote, name = match[1], match[2]
        if name not in values:
            raise KeyError(f"no value for :{quote}{name}{quote}")
        value = values[name]
        used.add(name)
        if "\0" in value:
            raise ValueError(f"{name}: a NUL byte cannot be in SQL text")
        if quote == '"':
            return quote_ident(value)
        if "\\" in value:
            raise ValueError(f"{name}: a literal with a backslash is not spliced")
        return quote_literal(value)

    text = _PLACEHOLDER.sub(fill, query)
    if unused := set(values) - used:
        raise KeyError(f"no placeholder for {', '.join(sorted(unused))}")
    return text
