"""The package graph: read from the imports (ast), it has no cycle, and every
import goes down the layers of the README's architecture, never up."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Bottom first. A node may import nodes of its own layer's index or lower;
# nodes of one layer import each other only where that makes no cycle.
LAYERS: list[tuple[str, ...]] = [
    ("collector.model", "collector.errors"),
    ("collector.config",),
    ("collector.metrics",),
    ("collector.db",),
    ("collector.store",),
    ("collector.accounts",),
    ("collector.durable",),
    ("collector.ingest",),
    ("collector.rollup",),
    ("collector.retention",),
    ("collector.privacy",),
    ("collector.jobs",),
    ("collector.keys", "collector.tracker", "collector.static", "collector.sql"),
    # logs truncates addresses as ingest does (ServerLog, PrivateFormatter)
    ("collector.logs",),
    ("dashboard.stats", "dashboard.params", "dashboard.access", "dashboard.export"),
    ("dashboard.login", "dashboard.page"),
    ("dashboard.admin",),
    ("dashboard.privacy_requests",),
    ("dashboard.api",),
    ("collector.health",),
    ("collector.app",),
    ("collector.server",),
    ("collector.cli", "collector.__main__"),
]
LAYER_OF = {node: i for i, nodes in enumerate(LAYERS) for node in nodes}


def node_of(module: str) -> str | None:
    """The sub-package (or top-level module) a module belongs to."""
    parts = module.split(".")
    if parts[0] not in ("collector", "dashboard") or len(parts) < 2:
        return None
    return ".".join(parts[:2])


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every Peil module `path` imports (at any depth of the file)."""
    found = set()
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else None
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = (package or module_name(path)).split(".")
                base = ".".join(anchor[: len(anchor) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in found if m.split(".")[0] in ("collector", "dashboard")}


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for root in ("collector", "dashboard"):
        for path in sorted((REPO / root).rglob("*.py")):
            source = node_of(module_name(path))
            if source is None:
                continue
            targets = graph.setdefault(source, set())
            for imported in imports_of(path):
                target = node_of(imported)
                if target is not None and target != source and target in LAYER_OF:
                    targets.add(target)
                elif target is not None and target != source:
                    # A name imported from a package face (`from collector import x`)
                    # resolves to the sub-module node when there is one.
                    assert target in LAYER_OF or imported.count(".") == 1, imported
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_every_sub_package_has_a_layer():
    assert set(package_graph()) - {"collector.__init__"} <= set(LAYER_OF)


def test_the_package_graph_has_no_cycle():
    assert find_cycle(package_graph()) is None


def test_a_cycle_is_found_when_there_is_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_imports_only_go_down_the_layers():
    upward = [
        f"{source} imports {target}"
        for source, targets in package_graph().items()
        for target in targets
        if LAYER_OF[target] > LAYER_OF[source]
    ]
    assert upward == []


def test_the_bottom_layer_imports_nothing_of_peil():
    graph = package_graph()
    assert graph["collector.model"] == set()


def test_the_site_registry_loads_no_job_rollup_or_purge():
    """The ingest step that knows the sites needs neither the jobs nor the rollup."""
    probe = (
        "import sys, collector.ingest.sites; "
        "print(' '.join(m for m in sys.modules if m.startswith(('collector.', 'dashboard'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout.split()
    assert "collector.ingest.sites" in loaded
    assert not [
        m
        for m in loaded
        if m.startswith(("collector.jobs", "collector.rollup", "collector.retention", "dashboard"))
    ]


def test_only_ingests_receive_step_reads_the_raw_client_address():
    """The full peer address (`request.remote`) is read in one place,
    collector/ingest/receive.py, which hands it to enrichment's truncation;
    logs, the login throttle and /metrics get it from there (privacy rule 1)."""
    readers = sorted(
        str(path.relative_to(REPO))
        for folder in ("collector", "dashboard")
        for path in (REPO / folder).rglob("*.py")
        if re.search(r"\.remote\b", path.read_text())
    )
    assert readers == ["collector/ingest/receive.py"]
