"""Imports point down only (DESIGN.md section 3): api -> scheduler -> solver; inside
``scheduler/`` each package imports only the siblings its docstring's ``May import:`` line
names; no module imports itself back through others."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("solver", "scheduler", "api")
FORBIDDEN = {
    "solver": {"scheduler", "api", "sqlalchemy", "alembic", "fastapi", "pydantic", "geopy"},
    "scheduler": {"api", "fastapi"},
}


def imported_modules(path: Path) -> set[str]:
    """The dotted modules a module imports, anywhere in it (functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # ``from scheduler.exchange import csv_table`` imports a module, not a name.
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def imported_packages(path: Path) -> set[str]:
    """The top-level packages a module imports, anywhere in it (functions included)."""
    return {name.split(".")[0] for name in imported_modules(path)}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {module_name(path): path for layer in LAYERS for path in (ROOT / layer).rglob("*.py")}


def import_graph(paths: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the project modules it imports (names that are not modules are dropped).

    A module's own packages are left out: Python initialises them before the module, so
    ``from solver import check_messages`` inside ``solver`` closes no circle."""
    return {
        name: {
            target
            for target in imported_modules(path) & paths.keys()
            if target != name and not name.startswith(f"{target}.")
        }
        for name, path in paths.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other in a circle (Tarjan's components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def allowed_siblings(package: Path) -> set[str]:
    """The ``May import:`` line of a ``scheduler`` package's docstring, as names."""
    docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
    match = re.search(r"^May import: (.*?)\.$", docstring, re.MULTILINE | re.DOTALL)
    assert match, f"{package.name}/__init__.py has no 'May import: ...' line"
    if match[1] == "nothing else in scheduler":
        return set()
    return {name.strip() for name in match[1].replace("\n", " ").split(",")}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_points_up(package: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in sorted((ROOT / package).rglob("*.py"))
    }
    assert {module: names for module, names in wrong.items() if names} == {}


def test_no_import_cycle() -> None:
    assert cycles(_project_graph()) == []


def _imports_in_functions(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        inner.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for inner in ast.walk(node)
        if isinstance(inner, ast.Import | ast.ImportFrom)
    ]


def test_no_solver_module_imports_inside_a_function() -> None:
    """An import hidden in a function is how the solve <-> decompose cycle once hid."""
    nested = {
        path.name: lines
        for path in sorted((ROOT / "solver").glob("*.py"))
        if (lines := _imports_in_functions(path))
    }
    assert nested == {}


@functools.cache
def _project_graph() -> dict[str, set[str]]:
    return import_graph(_modules())


def _solver_imports(name: str) -> set[str]:
    return _project_graph()[f"solver.{name}"]


def test_the_checker_shares_no_code_with_what_it_checks() -> None:
    """check.py reads only the plain problem and solution (DESIGN.md section 4); a
    re-plan's frozen stops are part of the problem (``solver.freeze`` defines them from
    the plain input alone)."""
    own = {"solver.check_route", "solver.check_messages"}
    problem = {"solver.problem", "solver.current_plan", "solver.freeze"}
    assert _solver_imports("check") <= {*problem, "solver.solution", *own}
    assert _solver_imports("freeze") <= {"solver.problem", "solver.current_plan"}
    route_view = _solver_imports("check_route")
    assert route_view <= {"solver.problem", "solver.solution", "solver.check_messages"}
    assert _solver_imports("check_messages") <= {"solver.problem"}
    users = {
        module.removeprefix("solver.")
        for module, imported in _project_graph().items()
        if module.startswith("solver") and own & imported
    }
    assert users == {"check", "check_route"}


def test_the_week_checker_shares_no_code_with_the_week_solver() -> None:
    """week/check.py rebuilds each day from the plain week problem and hands it to the
    day's independent checker; the week's assignment, routing and reasons stay out."""
    plain = {"solver.problem", "solver.solution", "solver.week.problem", "solver.week.solution"}
    assert _solver_imports("week.check") <= {*plain, "solver.check"}


SCHEDULER_PACKAGES = sorted(path.parent.name for path in (ROOT / "scheduler").glob("*/__init__.py"))


@pytest.mark.parametrize("package", SCHEDULER_PACKAGES)
def test_a_package_imports_only_the_siblings_it_names(package: str) -> None:
    allowed = allowed_siblings(ROOT / "scheduler" / package) | {package}
    wrong = {}
    for path in sorted((ROOT / "scheduler" / package).rglob("*.py")):
        siblings = {
            name.split(".")[1] for name in imported_modules(path) if name.startswith("scheduler.")
        }
        if siblings - allowed:
            wrong[str(path.relative_to(ROOT))] = sorted(siblings - allowed)
    assert wrong == {}


def test_the_top_of_scheduler_holds_only_what_everything_uses() -> None:
    top = {path.name for path in (ROOT / "scheduler").glob("*.py")}
    assert top == {"__init__.py", "config.py", "errors.py"}


def test_the_walker_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from scheduler.db import upgrade\n    import api.main\n")
    assert imported_packages(module) == {"scheduler", "api"}


def test_a_cycle_is_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_may_import_line_is_read(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text('"""Doc.\n\nMay import: errors,\nmodels.\n"""\n')
    assert allowed_siblings(tmp_path) == {"errors", "models"}
