"""Named queries (collector/db/queries.py): read from the source with ast, every
query a module names is a file of sql/queries/, every file there is named by
the module its name says, and no SQL is left in Python strings.

A query of function `_f` (private) is file `<module>.f.sql`: the loader has
no attribute names with a leading underscore.
"""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pytest

from collector.db.queries import FOLDER, PACKAGE, module_prefix
from collector.db.splice import _PLACEHOLDER, splice

REPO = Path(__file__).resolve().parent.parent
QUERIES = REPO / "sql" / "queries"
SOURCES = sorted([*(REPO / "collector").rglob("*.py"), *(REPO / "dashboard").rglob("*.py")])

# Upper case, as Peil writes SQL: prose in messages says "delete", not "DELETE".
KEYWORD = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP)\b|\bWITH\b[\s\S]*\bAS\b")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def relative(path: Path) -> str:
    return str(path.relative_to(REPO))


@dataclass(frozen=True)
class Use:
    path: Path
    line: int
    name: str  # the part after the module: `totals`, `fold.old`
    spliced: bool  # the first argument of splice()

    @property
    def file(self) -> Path:
        return QUERIES / f"{module_prefix(module_name(self.path))}.{self.name}.sql"

    def where(self) -> str:
        return f"{relative(self.path)}:{self.line}"


def loads_queries(tree: ast.Module) -> bool:
    """A module-level `SQL = load(__name__)`."""
    return any(
        isinstance(node, ast.Assign)
        and [ast.unparse(t) for t in node.targets] == ["SQL"]
        and ast.unparse(node.value) == "load(__name__)"
        for node in tree.body
    )


def query_name(node: ast.AST) -> str | None:
    """`totals` for `SQL.totals`, `fold.old` for `SQL["fold.old"]`; else None."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.attr if node.value.id == "SQL" else None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        if node.value.id != "SQL":
            return None
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
        raise AssertionError(f"SQL[...] with a name that is not a literal: {ast.unparse(node)}")
    return None


def is_splice(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and ast.unparse(node.func) == "splice"


def uses_of(path: Path) -> list[Use]:
    tree = ast.parse(path.read_text(), str(path))
    spliced = {id(n.args[0]) for n in ast.walk(tree) if is_splice(n) and n.args}
    uses = [
        Use(path, node.lineno, name, id(node) in spliced)
        for node in ast.walk(tree)
        if (name := query_name(node)) is not None
    ]
    if uses:
        assert loads_queries(tree), f"{relative(path)} uses SQL without SQL = load(__name__)"
    return uses


USES = [use for path in SOURCES for use in uses_of(path)]


def test_every_named_query_is_a_file():
    missing = [f"{u.where()}: no {relative(u.file)}" for u in USES if not u.file.is_file()]
    assert not missing, "\n".join(missing)


def test_every_file_is_named_by_its_module():
    modules = {module_prefix(module_name(path)): path for path in SOURCES}
    used = {u.file.name for u in USES}
    wrong = []
    for file in sorted(QUERIES.glob("*.sql")):
        stem = file.name.removesuffix(".sql")
        owners = [m for m in modules if stem.startswith(m + ".")]
        if not owners:
            wrong.append(f"{file.name}: no module {stem.rsplit('.', 1)[0]}")
        elif file.name not in used:
            owner = modules[max(owners, key=len)]
            wrong.append(f"{file.name}: {relative(owner)} does not use it")
        elif not file.read_text().strip():
            wrong.append(f"{file.name}: empty")
    assert not wrong, "\n".join(wrong)


def test_placeholders_only_in_spliced_queries():
    """A file with :"name" or :'name' goes through splice(), and only such a file."""
    wrong = [
        f"{u.where()}: {u.file.name} {'has no' if u.spliced else 'has'} placeholders"
        for u in USES
        if u.file.is_file() and bool(_PLACEHOLDER.search(u.file.read_text())) != u.spliced
    ]
    assert not wrong, "\n".join(wrong)


def docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = body[0] if body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def builds_sql(node: ast.BinOp | ast.Call) -> bool:
    """`"SELECT ..." + x`, `"... %s" % x`, `"SELECT {}".format(x)`."""
    if isinstance(node, ast.BinOp):
        if not isinstance(node.op, ast.Add | ast.Mod):
            return False
        parts = [node.left, node.right]
    elif isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        parts = [node.func.value]
    else:
        return False
    return any(
        isinstance(p, ast.Constant) and isinstance(p.value, str) and KEYWORD.search(p.value)
        for p in parts
    )


def sql_in_strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    skip = docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            if KEYWORD.search(text):
                found.append(f"{relative(path)}:{node.lineno}: SQL in an f-string")
        elif isinstance(node, ast.BinOp | ast.Call) and builds_sql(node):
            found.append(f"{relative(path)}:{node.lineno}: SQL put together with + % or format")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in skip:
                continue
            several_lines = "\n" in node.value or node.end_lineno != node.lineno
            if several_lines and KEYWORD.search(node.value):
                found.append(f"{relative(path)}:{node.lineno}: SQL of more than one line")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=[relative(p) for p in SOURCES])
def test_no_sql_in_python_strings(path):
    found = sql_in_strings(path)
    assert not found, "\n".join(found)


def test_splice_is_given_named_queries_only():
    """Text is spliced into SQL in collector/db/splice.py only, and only into a named query."""
    wrong = []
    for path in SOURCES:
        source = path.read_text()
        tree = ast.parse(source, str(path))
        for node in ast.walk(tree):
            if is_splice(node) and not (node.args and query_name(node.args[0])):
                wrong.append(f"{relative(path)}:{node.lineno}: splice() of {ast.unparse(node)}")
        if path != REPO / "collector" / "db" / "splice.py" and re.search(
            r"_quote_ident|_quote_literal|asyncpg\.utils", source
        ):
            wrong.append(f"{relative(path)}: quotes SQL itself")
    assert not wrong, "\n".join(wrong)


def test_splice_quotes_names_and_literals():
    template = 'COMMENT ON TABLE :"table" IS :\'text\' -- x::"char"'
    assert splice(template, table='odd"name', text="it's") == (
        'COMMENT ON TABLE "odd""name" IS \'it\'\'s\' -- x::"char"'
    )
    with pytest.raises(KeyError, match="table"):
        splice(template, text="t")
    with pytest.raises(KeyError, match="extra"):
        splice(template, table="t", text="t", extra="e")
    with pytest.raises(ValueError, match="backslash"):
        splice(template, table="t", text="a\\b")


def test_the_package_ships_the_queries():
    """An installed package finds them as the loader does: package data of collector.sql
    (collector/sql is a symlink to the top-level sql/)."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert f"{FOLDER}/*.sql" in pyproject["tool"]["setuptools"]["package-data"][PACKAGE]
    shipped = {e.name for e in resources.files(PACKAGE).joinpath(FOLDER).iterdir()}
    assert {f.name for f in QUERIES.glob("*.sql")} <= shipped
