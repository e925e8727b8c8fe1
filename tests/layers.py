"""The package's layers and a checker of its imports (importable as ``layers``, used by tests/test_layers.py).

docs/architecture.md explains the layers; :data:`ALLOWED` is their rule in code.  Every
import counts — at the top of a module or inside a function, relative or absolute —
except under ``if TYPE_CHECKING:``, which never runs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "bsc_widgets"

BASE = frozenset({"errors", "config", "resources", "version", "roster"})
"""Modules at the top of the package that import none of its layers: every layer may use them."""

ALLOWED: dict[str, frozenset[str]] = {
    "model": frozenset(),
    "store": frozenset({"model"}),
    "scoring": frozenset({"model"}),
    "smart": frozenset({"model"}),
    "render": frozenset({"model", "scoring", "smart"}),
    "io": frozenset({"model", "store", "scoring", "render"}),
    "reports": frozenset({"model", "store", "scoring", "smart", "render", "io"}),
    "forms": frozenset({"model", "store", "scoring", "smart", "render", "io", "reports"}),
    "app": frozenset(),
    "cli": frozenset({"model", "store", "scoring", "smart", "render", "io", "reports", "app"}),
}
"""Each layer (subpackage) and the layers it may import, besides itself and :data:`BASE`."""


@dataclass(frozen=True)
class Import:
    """One import statement: who imports what, where, and whether it runs when the module loads."""

    importer: str
    target: str
    line: int
    at_load: bool


def module_name(root: Path, path: Path) -> str:
    """``bsc_widgets.model.schema`` for ``<root>/bsc_widgets/model/schema.py``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules(root: Path) -> dict[str, Path]:
    """Every module of the package under ``root`` (the folder that holds ``bsc_widgets/``)."""
    return {module_name(root, p): p for p in sorted((root / PACKAGE).rglob("*.py")) if "_shipped" not in p.parts}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(node: ast.AST, at_load: bool) -> Iterable[tuple[ast.AST, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for grandchild in child.orelse:
                yield from _walk_one(grandchild, at_load)
            continue
        inside = at_load and not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        yield child, at_load
        yield from _walk(child, inside)


def _walk_one(node: ast.AST, at_load: bool) -> Iterable[tuple[ast.AST, bool]]:
    yield node, at_load
    yield from _walk(node, at_load)


def imports(root: Path) -> list[Import]:
    """Every import of one package module by another, resolved to absolute module names."""
    known = modules(root)
    found = []
    for name, path in known.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node, at_load in _walk(tree, True):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[:len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
            else:
                continue
            for target in targets:
                if target == PACKAGE or target.startswith(PACKAGE + "."):
                    found.append(Import(name, target, getattr(node, "lineno", 0), at_load))
    return found


def layer(module: str) -> str:
    """The layer of a module: its subpackage (``model``), a base module's name, or ``""`` for the package itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def violations(found: Iterable[Import]) -> list[str]:
    """Every import that goes against :data:`ALLOWED` (or imports the package's own ``__init__``), in words."""
    out = []
    for imp in found:
        source, target = layer(imp.importer), layer(imp.target)
        if source == "":
            continue  # the package's __init__ is the public facade: it may name anything
        if target == "":
            out.append(f"{imp.importer} (line {imp.line}) imports the package itself ({imp.target}); import the "
                       "module that defines the name instead")
        elif source in BASE:
            if target not in BASE:
                out.append(f"{imp.importer} (line {imp.line}) imports {imp.target}, but base modules import "
                           "nothing from the package's layers")
        elif source not in ALLOWED:
            out.append(f"{imp.importer}: the folder '{source}' is not a known layer; add it to ALLOWED in "
                       "tests/layers.py and to docs/architecture.md")
        elif target != source and target not in BASE and target not in ALLOWED[source]:
            out.append(f"{imp.importer} (line {imp.line}) imports {imp.target}: layer '{source}' may import only "
                       f"{', '.join(sorted(ALLOWED[source] | BASE)) or 'the base modules'}")
    return out


def cycles(found: Iterable[Import]) -> list[list[str]]:
    """Groups of modules that import each other (directly or through others) when they load.

    Importing ``a.b.c`` runs ``a`` and ``a.b`` first, so each import also counts as an
    import of the target's packages.
    """
    graph: dict[str, set[str]] = {}
    for imp in found:
        if not imp.at_load:
            continue
        parts = imp.target.split(".")
        targets = {".".join(parts[:i]) for i in range(2, len(parts) + 1)}
        graph.setdefault(imp.importer, set()).update(t for t in targets if t != imp.importer
                                                      and not imp.importer.startswith(t + "."))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups
