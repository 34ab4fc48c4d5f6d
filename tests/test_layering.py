"""The project's modules form no import circle, and the layers point one way.

Every `import` counts, at module level or inside a function: a function-level import only
postpones a circle to the first call (and hides it from readers). Built from `ast`, so nothing
is imported to check it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("crawlers", "pipelines")


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


def import_graph() -> nx.DiGraph:
    """module -> every project module it imports (`from a import b` counts a.b when b is one)."""
    mods = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(mods)
    for name, path in mods.items():
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".")[: len(name.split(".")) - node.level + (1 if is_pkg else 0)]
                    base = ".".join([*anchor, *([base] if base else [])])
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            for t in targets:
                while t and t not in mods:
                    t = t.rpartition(".")[0]
                # a package's __init__ importing its own submodules (registration) is no circle
                if t and t != name and not (is_pkg and t.startswith(name + ".")):
                    graph.add_edge(name, t)
    return graph


def test_the_graph_sees_imports_inside_functions() -> None:
    graph = import_graph()
    assert graph.has_edge("pipelines.store", "crawlers.db")  # module level
    assert graph.has_edge("crawlers.monitors", "pipelines.store")  # inside HealthRecorder.engine_stopped


def test_no_import_cycles() -> None:
    cycles = sorted(sorted(c) for c in nx.simple_cycles(import_graph()))
    assert cycles == [], "import circles: " + "; ".join(" -> ".join(c) for c in cycles[:10])


@pytest.mark.parametrize("low, high", [
    ("pipelines", "crawlers.cli"), ("pipelines", "crawlers.spiders"), ("pipelines", "crawlers.monitors"),
    ("pipelines", "crawlers.runner"), ("pipelines", "crawlers.scaleout"), ("crawlers.db", "pipelines"),
    ("crawlers.db", "crawlers.cli"), ("crawlers.extract", "pipelines.store"), ("crawlers.schema", "pipelines"),
])
def test_layers_point_one_way(low: str, high: str) -> None:
    graph = import_graph()
    bad = [(a, b) for a, b in graph.edges if (a == low or a.startswith(low + "."))
           and (b == high or b.startswith(high + "."))]
    assert bad == [], f"{low} must not import {high}: {bad}"
