"""The layers of docs/architecture.md, held by reading the code: every import statement counts,
also the ones inside functions (they are how modules defer work past the cold start)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "chalicelib"
HANDLER_MAX_LINES = 15

# What each layer may not import (a name and everything below it).
FORBIDDEN = {
    "storage": ("chalicelib.api", "chalicelib.logic", "chalicelib.jobs", "chalicelib.webhooks"),
    "domain": ("boto3", "botocore", "chalice", "pynamodb", "chalicelib.storage", "chalicelib.api",
               "chalicelib.logic", "chalicelib.jobs", "chalicelib.webhooks", "chalicelib.services"),
    "logic": ("chalicelib.api", "chalicelib.jobs", "chalicelib.webhooks", "chalice"),
    "webhooks": ("chalicelib.storage", "chalicelib.api", "chalicelib.logic", "chalicelib.jobs"),
    "api": ("chalicelib.storage",),
    "jobs": ("chalicelib.storage", "chalicelib.api"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, imported module) for every import in the tree, relative ones resolved."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from chalicelib.api import records` imports the module chalicelib.api.records
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names
                      if _is_module(f"{target}.{alias.name}")]
    return found


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def sources(package: Path = PACKAGE) -> dict[str, tuple[Path, ast.AST]]:
    return {module_name(path): (path, ast.parse(path.read_text(), str(path))) for path in package.rglob("*.py")}


def layer_violations(modules: dict[str, tuple[Path, ast.AST]]) -> list[str]:
    problems = []
    for name, (path, tree) in modules.items():
        parts = name.split(".")
        banned = FORBIDDEN.get(parts[1], ()) if len(parts) > 1 else ()
        for line, target in imports_of(tree, name, path.name == "__init__.py"):
            if any(target == b or target.startswith(b + ".") for b in banned):
                problems.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    return problems


def resource_modules(modules) -> set[str]:
    """The api modules that declare routes (`router = Router(...)`)."""
    found = set()
    for name, (_, tree) in modules.items():
        if name.startswith("chalicelib.api.") and any(
                isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and getattr(node.value.func, "id", None) == "Router" for node in tree.body):
            found.add(name)
    return found


def cross_resource_imports(modules) -> list[str]:
    resources = resource_modules(modules)
    problems = []
    for name in resources:
        path, tree = modules[name]
        for line, target in imports_of(tree, name, False):
            if target in resources and target != name:
                problems.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    return problems


def import_cycles(modules) -> list[list[str]]:
    graph = {name: sorted({t for _, t in imports_of(tree, name, path.name == "__init__.py")
                           if t in modules and t != name})
             for name, (path, tree) in modules.items()}
    cycles, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in graph[node]:
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    return cycles


def long_handlers(modules) -> list[str]:
    """Route handlers (functions decorated with `@router.route(...)`) longer than the limit,
    counted from the `def` line to the last line of the body, decorators left out."""
    problems = []
    for name, (path, tree) in modules.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(d, ast.Call) and getattr(d.func, "attr", None) == "route" for d in node.decorator_list):
                length = node.end_lineno - node.lineno + 1
                if length > HANDLER_MAX_LINES:
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} has {length} lines")
    return problems


def test_no_layer_imports_what_it_sits_above():
    assert layer_violations(sources()) == []


def test_no_api_resource_module_imports_another():
    assert cross_resource_imports(sources()) == []


def test_chalicelib_has_no_import_cycle():
    assert import_cycles(sources()) == []


def test_every_route_handler_is_at_most_15_lines():
    assert long_handlers(sources()) == []


@pytest.mark.parametrize("layer, code, imported", [
    ("storage", "from chalicelib.webhooks.stripe import Sale", "chalicelib.webhooks.stripe"),
    ("storage", "def f():\n    from chalicelib.logic import sales", "chalicelib.logic"),
    ("domain", "import boto3", "boto3"),
    ("domain", "from pynamodb.models import Model", "pynamodb.models"),
    ("domain", "from chalicelib.storage.records import Feed", "chalicelib.storage.records"),
    ("api", "def f():\n    from chalicelib.storage.records import Feed", "chalicelib.storage.records"),
    ("api", "from chalicelib import storage", "chalicelib.storage"),
    ("jobs", "from chalicelib.storage.media import ObjectChanged", "chalicelib.storage.media"),
])
def test_the_layer_check_catches_a_forbidden_import(layer, code, imported):
    problems = layer_violations({f"chalicelib.{layer}.example": (PACKAGE / layer / "example.py", ast.parse(code))})
    assert f"chalicelib/{layer}/example.py:{code.count(chr(10)) + 1} imports {imported}" in problems


def test_the_cycle_check_finds_a_cycle_through_a_function_level_import():
    b = ast.parse("def f():\n    from chalicelib.api.openapi import document\n")
    c = ast.parse("import chalicelib.api.system\n")
    modules = {
        "chalicelib.api.openapi": (PACKAGE / "api" / "openapi.py", c),
        "chalicelib.api.system": (PACKAGE / "api" / "system.py", b),
    }
    assert import_cycles(modules) == [["chalicelib.api.openapi", "chalicelib.api.system", "chalicelib.api.openapi"]]


def test_the_handler_check_counts_a_long_handler():
    body = "\n".join(f"    x{n} = {n}" for n in range(15))
    tree = ast.parse(f"@router.route('GET', '/x')\ndef handler(ctx):\n{body}\n")
    assert long_handlers({"chalicelib.api.example": (PACKAGE / "api" / "example.py", tree)}) == [
        "chalicelib/api/example.py:2 handler has 16 lines"]
