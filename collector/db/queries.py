"""Named queries: every multi-line SQL statement of Peil is a file of its own.

A query run by function `f` of module `collector/x/y.py` lives in
`sql/queries/x.y.f.sql` (`dashboard/stats/overview.py` -> `sql/queries/
dashboard.stats.overview.f.sql`), so the file says who runs it, and the SQL
reads as SQL and can be pasted into psql as it is (parameters are `$1`,
`$2`, ...; never text put together in Python). A function with more than one
statement, or a statement with an optional part, names its files
`x.y.f.part.sql` and reads them as `SQL["f.part"]`: small named fragments
instead of string building.

A module loads its queries once, at import:

    SQL = load(__name__)
    ...
    await conn.fetch(SQL.totals, site_id, lo, hi)

An unknown name fails at once, naming the file that is missing.
"""

from __future__ import annotations

from importlib import resources

PACKAGE = "collector.sql"
FOLDER = "queries"


class Queries:
    """The queries of one module, by function name (attribute) or full name (item)."""

    def __init__(self, module: str, texts: dict[str, str]) -> None:
        self._module = module
        self._texts = texts

    def __getitem__(self, name: str) -> str:
        try:
            return self._texts[name]
        except KeyError:
            raise KeyError(f"no query {FOLDER}/{self._module}.{name}.sql") from None

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError as missing:
            raise AttributeError(str(missing)) from None

    def names(self) -> list[str]:
        return sorted(self._texts)


def module_prefix(module: str) -> str:
    """`collector.rollup.fold` -> `rollup.fold`; `dashboard.api` stays as it is."""
    return module.removeprefix("collector.")


def load(module: str) -> Queries:
    """Every `sql/queries/<module>.*.sql` file of this module, read once."""
    prefix = module_prefix(module) + "."
    texts = {}
    for entry in resources.files(PACKAGE).joinpath(FOLDER).iterdir():
        name = entry.name
        if name.startswith(prefix) and name.endswith(".sql"):
            texts[name[len(prefix) : -len(".sql")]] = entry.read_text().strip()
    return Queries(prefix[:-1], texts)
