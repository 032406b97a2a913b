"""The import graph, read from the source: no cycles, layers that hold, no UI in the core.

Every module's AST is parsed and every import executed at run time counts — at module
level and inside functions — with relative imports resolved, so an import hidden in a
function cannot hide a cycle. Imports under ``if TYPE_CHECKING:`` are left out: they
never run, and an annotation naming the caller is not a dependency (import-linter is
configured the same way, ``exclude_type_checking_imports``). Layers, lowest first:
datasets → engine → lessons → tui (a module never imports a higher layer), and
engine/lessons never import textual, rich or plotext. Inside tui, widgets never import
screens or the app, and the UI boundary modules (session, snapshot, choices, textlog,
headless) import no widget, screen or app. No module imports another module's private
(``_name``) names, even for type checking. Failures name the chain.

``KNOWN_VIOLATIONS`` lists the cases other work packages are removing right now;
each is an xfail(strict=False) test below, so the list can be deleted once they land.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("datasets", "engine", "lessons", "tui")  # lowest first
UI_LIBRARIES = ("textual", "rich", "plotext")
UI_FREE = ("engine", "lessons")
_TUI = "linreg_tui.tui"
BOUNDARY = tuple(f"{_TUI}.{m}" for m in ("session", "snapshot", "choices", "textlog", "headless"))
# (importers, what they must not import): module names or package prefixes
TUI_RULES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    ((f"{_TUI}.widgets",), (f"{_TUI}.screens", f"{_TUI}.app")),
    ((f"{_TUI}.render",), (f"{_TUI}.widgets", f"{_TUI}.screens", f"{_TUI}.app")),
    (BOUNDARY, (f"{_TUI}.widgets", f"{_TUI}.screens", f"{_TUI}.app")),
)

# (kind, the violation as reported below, who is removing it). Delete after merging.
KNOWN_VIOLATIONS: list[tuple[str, str, str]] = []


@dataclass(frozen=True)
class Edge:
    """``source`` imports ``target`` at ``line`` of ``path``."""

    source: str
    target: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} ({self.path}:{self.line})"


def _module_files() -> dict[str, Path]:
    """Module name → file, for every module of the four packages."""
    out: dict[str, Path] = {}
    for package in LAYERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(["linreg_tui", *parts])] = path
    return out


MODULES = _module_files()


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> list[str]:
    """The modules an ``from … import …`` names (a submodule when the name is one)."""
    if node.level:
        base = _package_of(module, path).split(".")
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    names = [f"{prefix}.{alias.name}" for alias in node.names]
    found = [name for name in names if name in MODULES]
    return found if len(found) == len(names) else [prefix, *found]


def _type_checking_only(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:`` / ``if typing.TYPE_CHECKING:``."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(node: ast.AST) -> list[ast.AST]:
    """Every node under ``node`` except the bodies of ``if TYPE_CHECKING:`` blocks."""
    out: list[ast.AST] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        if _type_checking_only(current):
            stack += current.orelse  # type: ignore[attr-defined]
            continue
        stack += list(ast.iter_child_nodes(current))
    return out


def imports_of(module: str, path: Path) -> list[tuple[str, int]]:
    """(imported module, line) for every run-time import anywhere in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out: list[tuple[str, int]] = []
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            out += [(name, node.lineno) for name in _resolve(module, path, node)]
    return sorted(out, key=lambda item: item[1])


def private_imports() -> list[str]:
    """``a -> b._name (file:line)`` for each private name imported from another module."""
    out: list[str] = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):  # TYPE_CHECKING blocks included: still a private name
            if not isinstance(node, ast.ImportFrom):
                continue
            source = _resolve(module, path, node)[0] if node.level else node.module or ""
            if not source.startswith("linreg_tui") or source == module:
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    out.append(f"{module} -> {source}.{alias.name} ({where})")
    return out


def _internal(name: str) -> str | None:
    """The project module ``name`` refers to (itself or its nearest enclosing one)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def build_graph() -> tuple[list[Edge], list[Edge]]:
    """(edges between project modules, edges to other top-level packages)."""
    internal: list[Edge] = []
    external: list[Edge] = []
    for module, path in MODULES.items():
        rel = str(path.relative_to(ROOT))
        for name, line in imports_of(module, path):
            if name.startswith("linreg_tui"):
                target = _internal(name)
                if target and target != module:
                    internal.append(Edge(module, target, rel, line))
            else:
                external.append(Edge(module, name.split(".")[0], rel, line))
    return internal, external


def layer_of(module: str) -> str:
    return module.split(".")[1]


def layer_violations(edges: list[Edge]) -> list[Edge]:
    """Edges from a lower layer to a higher one."""
    rank = {name: i for i, name in enumerate(LAYERS)}
    return [e for e in edges if rank[layer_of(e.source)] < rank[layer_of(e.target)]]


def ui_violations(external: list[Edge]) -> list[Edge]:
    return [e for e in external if layer_of(e.source) in UI_FREE and e.target in UI_LIBRARIES]


def _under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def tui_violations(edges: list[Edge]) -> list[Edge]:
    """Edges breaking the rules inside tui (``TUI_RULES``)."""
    return [
        e
        for e in edges
        for importers, banned in TUI_RULES
        if _under(e.source, importers) and _under(e.target, banned)
    ]


def cycles(edges: list[Edge]) -> list[list[Edge]]:
    """One chain per strongly connected group of modules inside one layer package."""
    graph: dict[str, list[Edge]] = {}
    for e in edges:
        if layer_of(e.source) == layer_of(e.target):
            graph.setdefault(e.source, []).append(e)
    found: list[list[Edge]] = []
    seen_groups: set[frozenset[str]] = set()
    for start in sorted(graph):
        chain = _cycle_from(start, graph)
        if chain:
            group = frozenset(e.source for e in chain)
            if group not in seen_groups:
                seen_groups.add(group)
                found.append(chain)
    return found


def _cycle_from(start: str, graph: dict[str, list[Edge]]) -> list[Edge] | None:
    """The shortest chain of edges from ``start`` back to itself (breadth first)."""
    parent: dict[str, Edge] = {}
    frontier = [start]
    while frontier:
        nxt: list[str] = []
        for node in frontier:
            for e in graph.get(node, []):
                if e.target == start:
                    chain = [e]
                    while chain[0].source != start:
                        chain.insert(0, parent[chain[0].source])
                    return chain
                if e.target not in parent:
                    parent[e.target] = e
                    nxt.append(e.target)
        frontier = nxt
    return None


def _matches(known: str, report: str) -> bool:
    """A known violation names its modules; ``a <-> b`` matches a cycle through both."""
    if "<->" in known:
        a, b = (s.strip() for s in known.split("<->"))
        return f"{a} ->" in report and f"{b} ->" in report
    source, target = (s.strip() for s in known.split("->"))
    return f"{source} -> {target}" in report


def all_violations() -> list[tuple[str, str]]:
    """(kind, report) of every violation in the tree today."""
    edges, external = build_graph()
    out = [("layer", str(e)) for e in layer_violations(edges)]
    out += [("ui", str(e)) for e in ui_violations(external)]
    out += [("tui", str(e)) for e in tui_violations(edges)]
    out += [("private", report) for report in private_imports()]
    out += [("cycle", "\n    ".join(str(e) for e in chain)) for chain in cycles(edges)]
    return out


def _is_known(kind: str, report: str) -> bool:
    return any(k == kind and _matches(v, report) for k, v, _ in KNOWN_VIOLATIONS)


def test_every_module_is_found_and_parsed() -> None:
    assert {layer_of(m) for m in MODULES} == set(LAYERS)
    assert "linreg_tui.engine.run" in MODULES and "linreg_tui.tui.screens.home" in MODULES
    edges, _ = build_graph()
    assert any(e.source == "linreg_tui.lessons.validate" for e in edges)


def test_no_cycles_no_inverted_layers_no_ui_in_the_core() -> None:
    unknown = [(k, r) for k, r in all_violations() if not _is_known(k, r)]
    assert not unknown, "import graph violations:\n" + "\n".join(
        f"  {kind}: {report}" for kind, report in unknown
    )


@pytest.mark.parametrize(
    "kind, violation, owner",
    [
        pytest.param(*v, marks=pytest.mark.xfail(strict=False, reason=v[2]))
        for v in KNOWN_VIOLATIONS
    ],
)
def test_known_violation_is_gone(kind: str, violation: str, owner: str) -> None:
    still = [r for k, r in all_violations() if _matches(violation, r)]
    assert not still, f"{violation} (owner: {owner}):\n" + "\n".join(still)


# -- the checker itself catches what it must ------------------------------------------------


def _edge(a: str, b: str) -> Edge:
    return Edge(f"linreg_tui.{a}", f"linreg_tui.{b}", "x.py", 1)


def test_checker_finds_a_function_level_cycle_and_names_the_chain() -> None:
    src = "def f():\n    from .loader import load\n"
    tree_edges = [
        _edge("lessons.validate", "lessons.loader"),
        _edge("lessons.loader", "lessons.validate"),
    ]
    chain = cycles(tree_edges)
    assert [[str(e).split(" (")[0] for e in c] for c in chain] == [
        [
            "linreg_tui.lessons.loader -> linreg_tui.lessons.validate",
            "linreg_tui.lessons.validate -> linreg_tui.lessons.loader",
        ]
    ]
    node = ast.parse(src).body[0].body[0]  # type: ignore[attr-defined]
    path = ROOT / "lessons" / "validate.py"
    assert _resolve("linreg_tui.lessons.validate", path, node) == ["linreg_tui.lessons.loader"]


def test_checker_flags_an_inverted_layer_and_a_ui_import() -> None:
    assert layer_violations([_edge("engine.run", "tui.app")]) == [_edge("engine.run", "tui.app")]
    assert layer_violations([_edge("tui.app", "engine.run")]) == []
    rich = Edge("linreg_tui.lessons.checks", "rich", "x.py", 1)
    assert ui_violations([rich]) == [rich]
    assert tui_violations([_edge("tui.widgets.fit_chart", "tui.screens.home")])
    assert tui_violations([_edge("tui.snapshot", "tui.widgets.step_panel")])
    assert not tui_violations([_edge("tui.screens.home", "tui.widgets.step_panel")])


def test_type_checking_imports_are_left_out_and_function_imports_kept(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import A\n"
        "def f():\n    from .b import B\n",
        encoding="utf-8",
    )
    names = [name for name, _ in imports_of("linreg_tui.engine.m", path)]
    assert names == ["typing", "linreg_tui.engine.b"]


def test_relative_imports_resolve_to_submodules_and_packages() -> None:
    path = ROOT / "lessons" / "checks.py"
    node = ast.parse("from . import schema").body[0]
    assert _resolve("linreg_tui.lessons.checks", path, node) == ["linreg_tui.lessons.schema"]  # type: ignore[arg-type]
    init = ROOT / "tui" / "screens" / "__init__.py"
    node = ast.parse("from ..widgets import step_panel").body[0]
    assert _resolve("linreg_tui.tui.screens", init, node) == ["linreg_tui.tui.widgets.step_panel"]  # type: ignore[arg-type]


# -- the engine's public surface and a Run's internals ---------------------------------------

OUTSIDE_ENGINE = ("lessons", "tui")
RUN_INTERNALS = frozenset({"history", "batcher", "problem", "rule", "standardizer"})
_ENGINE = "linreg_tui.engine"


def engine_submodule_imports(module: str, path: Path, source: str | None = None) -> list[str]:
    """``file:line name`` for each import of an engine submodule, ``if TYPE_CHECKING:``
    blocks included (the surface is ``linreg_tui.engine``, whatever the import is for)."""
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
    out: list[str] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = _resolve(module, path, node)
            if names and names[0] == _ENGINE:
                names = [f"{_ENGINE}.{a.name}" for a in node.names]
        for name in names:
            if name.startswith(_ENGINE + ".") and _internal(name) != _ENGINE:
                out.append(f"{path.name}:{node.lineno} {name}")
    return sorted(out, key=lambda hit: int(hit.split(" ")[0].rpartition(":")[2]))


def run_internal_reads(source: str) -> list[str]:
    """``line .name`` for each read of an attribute a Run keeps to itself from an expression
    that names a run (``run.history``, ``self._run.batcher``, ``session.runs[i].problem``).
    A stopping rule's ``stopped.rule`` is not a Run's; an alias (``r = run``) would hide a
    read, so outside the engine a Run is always called ``run``/``runs``."""
    tree = ast.parse(source)
    found = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in RUN_INTERNALS
        and "run" in ast.unparse(node.value).lower()
    ]
    return [f"{node.lineno} .{node.attr}" for node in sorted(found, key=lambda n: n.lineno)]


def test_lessons_and_the_ui_import_the_engine_only_through_its_package() -> None:
    found = [
        f"{module}: {hit}"
        for module, path in MODULES.items()
        if layer_of(module) in OUTSIDE_ENGINE
        for hit in engine_submodule_imports(module, path)
    ]
    assert not found, "import these names from linreg_tui.engine:\n" + "\n".join(found)


def test_no_module_outside_the_engine_reads_a_runs_internals() -> None:
    """``history``, ``batcher``, ``problem``, ``rule`` and ``standardizer`` are a Run's own
    (use the Run's methods: history_columns, history_row, trace, batch_plan, …)."""
    found = [
        f"{path.relative_to(ROOT)}:{hit}"
        for module, path in MODULES.items()
        if layer_of(module) in OUTSIDE_ENGINE
        for hit in run_internal_reads(path.read_text(encoding="utf-8"))
    ]
    assert not found, "a Run's internals read outside the engine:\n" + "\n".join(found)


def test_the_surface_checkers_catch_what_they_must() -> None:
    path = ROOT / "tui" / "snapshot.py"
    source = (
        "from typing import TYPE_CHECKING\nfrom linreg_tui.engine import Run, analysis\n"
        "if TYPE_CHECKING:\n    from linreg_tui.engine.step import Step\n"
        "import linreg_tui.engine.run\nfrom linreg_tui.engine import RunConfig\n"
    )
    hits = engine_submodule_imports("linreg_tui.tui.snapshot", path, source)
    assert [h.split(" ")[1] for h in hits] == [
        "linreg_tui.engine.analysis",
        "linreg_tui.engine.step",
        "linreg_tui.engine.run",
    ]
    source = "h = run.history\nx = run.config\nrun.rule.formula()\nstopped.rule\nruns[0].problem"
    assert run_internal_reads(source) == ["1 .history", "3 .rule", "5 .problem"]
