"""Imports point down only (DESIGN.md section 3): api -> scheduler -> solver."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "solver": {"scheduler", "api", "sqlalchemy", "alembic", "fastapi", "pydantic", "geopy"},
    "scheduler": {"api", "fastapi"},
}


def imported_packages(path: Path) -> set[str]:
    """The top-level packages a module imports, anywhere in it (functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_points_up(package: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in sorted((ROOT / package).rglob("*.py"))
    }
    assert {module: names for module, names in wrong.items() if names} == {}


def test_the_walker_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from scheduler.db import upgrade\n    import api.main\n")
    assert imported_packages(module) == {"scheduler", "api"}


def solver_imports(path: Path) -> tuple[set[str], list[int]]:
    """The ``solver`` modules a solver module imports, and the lines of imports in functions."""
    tree = ast.parse(path.read_text(), filename=str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "solver":
            modules |= {f"solver.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("solver."):
            modules.add(node.module)
    nested = [
        inner.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for inner in ast.walk(node)
        if isinstance(inner, ast.Import | ast.ImportFrom)
    ]
    return modules, nested


def test_solver_imports_point_one_way() -> None:
    """No solver module imports inside a function, and no chain of imports comes back."""
    graph, nested = {}, {}
    for path in sorted((ROOT / "solver").glob("*.py")):
        name = f"solver.{path.stem}"
        graph[name], lines = solver_imports(path)
        if lines:
            nested[name] = lines
    assert nested == {}
    done: set[str] = set()

    def visit(module: str, chain: tuple[str, ...]) -> None:
        assert module not in chain, " -> ".join((*chain, module))
        if module in done:
            return
        for imported in sorted(graph.get(module, ())):
            visit(imported, (*chain, module))
        done.add(module)

    for module in sorted(graph):
        visit(module, ())


def test_the_checker_shares_no_code_with_what_it_checks() -> None:
    """check.py reads only the plain problem and solution (DESIGN.md section 4)."""
    imported, _ = solver_imports(ROOT / "solver" / "check.py")
    own = {"solver.check_route", "solver.check_messages"}
    assert imported <= {"solver.problem", "solver.solution", *own}
    route_view, _ = solver_imports(ROOT / "solver" / "check_route.py")
    assert route_view <= {"solver.problem", "solver.solution", "solver.check_messages"}
    wording, _ = solver_imports(ROOT / "solver" / "check_messages.py")
    assert wording <= {"solver.problem"}
    users = {path.stem for path in (ROOT / "solver").glob("*.py") if own & solver_imports(path)[0]}
    assert users == {"check", "check_route"}
