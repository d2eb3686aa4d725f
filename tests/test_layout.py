"""The test suite's own layout: every test module, conftest.py and shared helper
in tests/support/ opens with a docstring saying what it covers, so a reader
finds where a behaviour is tested without reading the tests themselves."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SHORTEST_DOCSTRING = 20  # characters: a sentence, not a placeholder


def modules_needing_a_docstring() -> list[Path]:
    return sorted(
        path
        for path in TESTS.rglob("*.py")
        if path.name.startswith("test_")
        or path.name == "conftest.py"
        or (path.parent == TESTS / "support" and path.name != "__init__.py")
    )


def test_the_list_of_modules_is_the_suite():
    found = {path.relative_to(TESTS).as_posix() for path in modules_needing_a_docstring()}
    assert {"conftest.py", "test_layout.py", "support/wait.py"} <= found
    assert len(found) > 40


def test_every_test_module_says_what_it_covers():
    missing = []
    for path in modules_needing_a_docstring():
        docstring = ast.get_docstring(ast.parse(path.read_text(), str(path))) or ""
        if len(docstring.strip()) < SHORTEST_DOCSTRING:
            missing.append(path.relative_to(TESTS).as_posix())
    assert missing == [], f"no docstring saying what they cover: {missing}"
