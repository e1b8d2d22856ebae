"""The layout stays readable: no import cycle in `dashboard/`, no module there past ~400
lines, and the benchmark and tests are not part of the installed package."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dashboard"
MAX_LINES = 420  # "about 400": a module past it does more than one job


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts
    }


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the dashboard modules it imports, anywhere in its body (an import inside a
    function is still a dependency)."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: counted from this module's package
                    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                targets.add(base)
                # `from dashboard.x import y` imports the module dashboard.x.y when y is one.
                targets.update(f"{base}.{alias.name}" for alias in node.names)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_the_checker_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_in_dashboard_imports_itself_through_others():
    assert cycles(import_graph(_modules())) == []


def test_no_module_in_dashboard_is_over_about_400_lines():
    long = {
        name: lines
        for name, path in _modules().items()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_installed_package_is_the_dashboard_alone():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["tool"]["setuptools"]["packages"]["find"]["include"] == ["dashboard*"]
    assert not any(PACKAGE.rglob("bench*.py")) and not any((PACKAGE / "benchmark").rglob("*.py"))
    copied = [
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("COPY")
    ]
    assert "COPY dashboard ./dashboard" in copied
    assert not any("bench" in line or "tests" in line for line in copied)


def test_every_setting_the_code_reads_is_documented_in_env_example():
    import re

    settings_py = (PACKAGE / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', settings_py))
    read |= set(re.findall(r'_required\(\s*"([A-Z][A-Z0-9_]+)"', settings_py))
    documented = set(
        re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    assert read, "found no settings read from the environment"
    assert read - documented == set()
