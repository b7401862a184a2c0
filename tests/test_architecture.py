"""The package map in docs/architecture.md, held against the code's own imports.

Read from the source text (no module is run), so a new import that breaks a rule fails here
with the importing file and line, before anyone has to draw the graph again.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# What each services package may import besides the layers below services (domain, store, ...).
# Mirrors the docstring of each package's __init__.py.
SERVICES_MAY_IMPORT: dict[str, set[str]] = {
    "common": set(),
    "deadlines": {"common"},
    "campaigns": {"common", "deadlines"},
    "lifecycle": {"common", "deadlines"},
    "scoring": {"common", "deadlines", "lifecycle"},
    "evidence": {"common", "lifecycle", "scoring"},
    "results": {"common", "lifecycle", "scoring", "evidence"},
    "monitoring": {"common", "deadlines", "results"},
    "backup": {"common", "evidence"},
    "simulation": {"common", "deadlines", "lifecycle"},
    "accounts": {"common"},
}
# Layers: a package may import those to its left, never those to its right.
LOWER_THAN_SERVICES = {"domain", "store", "clock", "settings", "yamlsource", "i18n", "observability"}
# season_replay drives a whole season through the services, as demo_season does
ABOVE_SERVICES = {"web", "cli", "scheduler", "demo", "demo_season", "season_replay"}
# The CLI imports a command's code when that command runs, so that `parflow --help` stays fast.
LAZY_ALLOWED = ("parflow.cli.",)


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int
    top_level: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {
        module_name(p): p
        for p in SRC.rglob("*.py")
        if "migrations" not in p.parts  # Alembic scripts are loaded by Alembic, not imported
    }


def imports_of(name: str, path: Path, known: set[str]) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_nodes = {id(n) for n in tree.body}
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("parflow"):
            targets = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in known]
            targets = targets or [node.module]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names if a.name.startswith("parflow")]
        else:
            continue
        for target in targets:
            if target in known and target != name:
                found.append(Import(name, target, node.lineno, id(node) in top_nodes))
    return found


@pytest.fixture(scope="module")
def graph() -> list[Import]:
    modules = all_modules()
    known = set(modules)
    return [imp for name, path in modules.items() for imp in imports_of(name, path, known)]


def area(module: str) -> str:
    """`parflow.services.deadlines.tick` -> `services.deadlines`; `parflow.web.api.x` -> `web`."""
    parts = module.split(".")[1:]
    if not parts:
        return "parflow"
    if parts[0] == "services" and len(parts) > 1:
        return f"services.{parts[1]}"
    return parts[0]


def test_no_import_inside_a_function_outside_the_cli(graph: list[Import]) -> None:
    late = [
        f"{i.source}:{i.line} imports {i.target}"
        for i in graph
        if not i.top_level and not i.source.startswith(LAZY_ALLOWED) and "TYPE_CHECKING" not in i.source
    ]
    assert late == []


def test_no_import_cycle_between_modules(graph: list[Import]) -> None:
    edges: dict[str, set[str]] = {}
    for i in graph:
        edges.setdefault(i.source, set()).add(i.target)
    assert find_cycles(edges) == []


def test_no_import_cycle_between_packages(graph: list[Import]) -> None:
    edges: dict[str, set[str]] = {}
    for i in graph:
        a, b = area(i.source), area(i.target)
        if a != b and b != "parflow":
            edges.setdefault(a, set()).add(b)
    assert find_cycles(edges) == []


def test_services_packages_import_only_what_their_docstring_allows(graph: list[Import]) -> None:
    wrong = []
    for i in graph:
        src, dst = area(i.source), area(i.target)
        if not src.startswith("services.") or src == dst:
            continue
        allowed = {f"services.{p}" for p in SERVICES_MAY_IMPORT[src.split(".")[1]]} | LOWER_THAN_SERVICES
        if dst not in allowed:
            wrong.append(f"{i.source}:{i.line} imports {i.target}")
    assert wrong == []


def test_every_services_package_is_in_the_table() -> None:
    packages = {p.name for p in (SRC / "parflow" / "services").iterdir() if (p / "__init__.py").exists()}
    assert packages == set(SERVICES_MAY_IMPORT)
    loose = [p.name for p in (SRC / "parflow" / "services").glob("*.py") if p.name != "__init__.py"]
    assert loose == [], "services/ holds packages only; put a module in the package of its concept"


def test_lower_layers_never_import_upwards(graph: list[Import]) -> None:
    wrong = [
        f"{i.source}:{i.line} imports {i.target}"
        for i in graph
        # the domain may read YAML with line numbers (yamlsource is plain PyYAML, no I/O besides)
        if (area(i.source) == "domain" and area(i.target) not in {"domain", "yamlsource"})
        or (area(i.source) in LOWER_THAN_SERVICES and area(i.target).startswith("services"))
        or (area(i.source).startswith("services") and area(i.target) in ABOVE_SERVICES | {"notify"})
    ]
    # the pure core: no web, database or mail library either
    outside = {"fastapi", "starlette", "sqlalchemy", "sqlmodel", "aiosmtplib", "smtplib"}
    for path in (SRC / "parflow" / "domain").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for n in names:
                if n.split(".")[0] in outside:
                    wrong.append(f"{path.name}:{node.lineno} imports {n}")
    assert wrong == []


@pytest.mark.parametrize("package", sorted(SERVICES_MAY_IMPORT))
def test_each_services_package_imports_on_its_own(package: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import parflow.services.{package}, pkgutil, importlib, parflow.services.{package} as p; "
            "[importlib.import_module(m.name) for m in pkgutil.iter_modules(p.__path__, p.__name__ + '.')]",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    doc = " ".join((__import__(f"parflow.services.{package}", fromlist=["_"]).__doc__ or "").split())
    assert "may import" in doc, f"parflow.services.{package}.__init__ says what it owns and may import"


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in list(edges):
        if v not in index:
            visit(v)
    return cycles
