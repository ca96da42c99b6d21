"""The studio's modules import each other without a cycle, and only the model writes generations in bulk."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import grokstudio.studio

ROOT = Path(grokstudio.studio.__file__).parent
PACKAGE = "grokstudio.studio"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join((PACKAGE, *parts[: -1 if parts[-1] == "__init__" else None]))


def imported(path: Path, modules: set[str]) -> set[str]:
    """The studio modules `path` imports; `from package import name` counts as the module `name`."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found & modules


def test_studio_modules_import_each_other_without_a_cycle():
    paths = {module_name(path): path for path in ROOT.rglob("*.py")}
    graph = {name: imported(path, set(paths)) - {name} for name, path in paths.items()}

    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError naming the cycle


def _receivers(node: ast.AST):
    """The chain a method is called on: `A.objects.filter(...).update` yields each link."""
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
        yield node


def test_only_the_model_writes_generations_in_bulk():
    writes = []
    for path in ROOT.parent.rglob("*.py"):
        if (path.name == "models.py" and path.parent == ROOT) or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            bulk = isinstance(node, ast.Call) and getattr(node.func, "attr", "") in {"update", "bulk_update"}
            if bulk and any(
                isinstance(link, ast.Attribute)
                and link.attr == "objects"
                and getattr(link.value, "id", "") == "Generation"
                for link in _receivers(node.func)
            ):
                writes.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}")

    assert writes == [], "writes to Generation belong in its model or queryset methods"
