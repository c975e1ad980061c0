"""No cycle between the core's packages (engine, knowledge, adapters, models...), on the real import graph."""
from __future__ import annotations


def _package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:3])


def test_no_cycle_between_core_packages():
    import grimp

    graph = grimp.build_graph("assistant", cache_dir=None)
    edges: dict[str, set[str]] = {}
    for importer in graph.modules:
        if not importer.startswith("assistant.core."):
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            a, b = _package_of(importer), _package_of(imported)
            if imported.startswith("assistant.core.") and a != b:
                edges.setdefault(a, set()).add(b)
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(edges.get(node, ())):
            if nxt in path:
                cycles.append(path[path.index(nxt):] + [nxt])
            elif len(path) < 12:
                visit(nxt, path + [nxt])

    for start in sorted(edges):
        visit(start, [start])
    assert not cycles, "cycles between core packages: " + "; ".join(" -> ".join(c) for c in cycles[:5])
