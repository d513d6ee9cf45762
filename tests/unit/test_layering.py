"""The packages stand in one order, each using only those to its left, and no modules import in a circle.

config → casework → telephony → recordings → agent_desk → web. Read from the source (every
`import`, at any depth, including those inside functions), so a late import cannot hide a cycle.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ORDER = ("config", "casework", "telephony", "recordings", "agent_desk", "web")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> dict[str, Path]:
    return {module_name(p): p for top in ORDER for p in (ROOT / top).rglob("*.py")}


def imported(path: Path, name: str, known: set[str]) -> set[str]:
    """The project's modules that `path` imports; `from pkg import mod` counts mod when it is a module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return {m for m in found if m in known}


def graph() -> dict[str, set[str]]:
    mods = sources()
    known = set(mods)
    return {name: imported(path, name, known) - {name} for name, path in mods.items()}


def wrong_way(edges: dict[str, set[str]]) -> list[str]:
    rank = {top: i for i, top in enumerate(ORDER)}
    return sorted(f"{m} → {d}" for m, deps in edges.items() for d in deps
                  if rank[d.split(".")[0]] > rank[m.split(".")[0]])


def test_no_package_imports_one_to_its_right() -> None:
    assert wrong_way(graph()) == []


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(edges[nxt]))))
                elif nxt in on:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    m = stack.pop()
                    on.discard(m)
                    group.append(m)
                    if m == node:
                        break
                if len(group) > 1:
                    out.append(sorted(group))
    return out


def without_parents(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """A package's __init__ importing its own submodules is not a circle with them."""
    return {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in edges.items()}


def test_no_modules_import_each_other_in_a_circle() -> None:
    assert cycles(without_parents(graph())) == []


def test_the_checks_see_a_circle_and_a_wrong_way_import() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]
    assert wrong_way({"casework.x": {"web.y", "config.z"}, "web.y": {"casework.x"}}) == ["casework.x → web.y"]
    g = graph()
    assert {"casework.clock", "web.handlers.cases", "web.lifetimes.telephony"} <= g["web.app"]
    assert "casework.cases.lists" in g["web.handlers.cases"]


def test_the_scan_sees_relative_function_level_and_type_checking_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "telephony" / "simulator"
    pkg.mkdir(parents=True)
    source = pkg / "m.py"
    source.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .server import X\n"
                      "def f():\n    from . import actions\n    from telephony.bus import Bus\n", encoding="utf-8")
    known = {"telephony.simulator.server", "telephony.simulator.actions", "telephony.bus"}
    assert imported(source, "telephony.simulator.m", known) == known
