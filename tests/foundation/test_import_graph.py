"""The import graph of `reconciler`: one engine under a thin CLI; `sitegen` beside it, on top.

Below `cli/` nothing sees command-line arguments or a command; no import hides behind a string (importlib is
for loading the command being run, lazily); no module imports itself back through others; and the engine's
skeleton (settings, state dir, load, model, build, db, cli) is on no cycle between packages.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "reconciler"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(path: Path) -> Iterator[tuple[str, ast.AST]]:
    """Every module a file imports, wherever in the file (lazy imports and TYPE_CHECKING blocks too)."""
    name = module_name(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            yield base, node
            yield from ((f"{base}.{alias.name}", node) for alias in node.names if f"{base}.{alias.name}" in MODULES)


def graph() -> dict[str, set[str]]:
    return {name: {m for m, _ in imported(path) if m in MODULES and m != name} for name, path in MODULES.items()}


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def package_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_the_module_graph_has_no_cycle() -> None:
    edges = graph()
    assert "reconciler.herald.compile" in edges["reconciler.build"]  # the graph is read, lazy imports too
    assert "reconciler.db.record" in edges["reconciler.cli.reconcile"]
    assert cycles(edges) == []
    assert cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b", "a"]]


def test_the_packages_are_layered_with_no_cycle() -> None:
    """Sub-packages depend on one another in one direction only (model at the bottom, cli at the top)."""
    packages: dict[str, set[str]] = {}
    for module, targets in graph().items():
        for target in targets:
            if package_of(target) not in (package_of(module), "reconciler"):
                packages.setdefault(package_of(module), set()).add(package_of(target))
    assert "reconciler.model" in packages["reconciler.keeper"]  # the graph is read
    assert cycles(packages) == []


def below_cli() -> Iterator[tuple[str, Path]]:
    for name, path in MODULES.items():
        if name != "reconciler.__main__" and not name.startswith("reconciler.cli"):
            yield name, path


@pytest.mark.parametrize("forbidden", ["argparse", "reconciler.cli"])
def test_nothing_below_the_cli_sees_arguments_or_commands(forbidden: str) -> None:
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{node.lineno}"
        for _, path in below_cli()
        for module, node in imported(path)
        if module == forbidden or module.startswith(f"{forbidden}.")
    ]
    assert offenders == []
    assert any(module == "argparse" for module, _ in imported(MODULES["reconciler.cli.options"]))


def test_commands_never_import_one_another() -> None:
    from reconciler.cli import COMMANDS

    commands = {f"reconciler.cli.{name}" for name in COMMANDS}
    offenders = [
        f"{name} imports {module}"
        for name in commands
        for module, _ in imported(MODULES[name])
        if module in commands and module != name
    ]
    assert offenders == []


def _string_imports(path: Path) -> list[int]:
    """Lines that import a module named by a string (`importlib.import_module`, `__import__`)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in ("import_module", "__import__"):
                lines.append(node.lineno)
    return lines


def test_no_import_hides_behind_a_string_except_the_lazy_commands() -> None:
    offenders = {}
    for name, path in MODULES.items():
        relative = str(path.relative_to(REPO_ROOT))
        if name == "reconciler.cli":
            continue
        if found := _string_imports(path):
            offenders[relative] = found
    assert offenders == {}


def test_the_lazy_command_loader_is_seen() -> None:
    """The check above would pass on a file it cannot read: it must see the one loader there is."""
    assert _string_imports(MODULES["reconciler.cli"])


SITEGEN = REPO_ROOT / "sitegen"
# sitegen's front ends: the site command, the site build it shares with `portal daemon --site-out`, and the
# terminal sidecar.
SITEGEN_COMMANDS = ("reconciler.cli.site", "reconciler.cli.site_writer", "reconciler.cli.terminal")


def test_sitegen_uses_the_engine_and_the_engine_never_uses_sitegen_but_for_its_commands() -> None:
    offenders = [
        f"{name} imports {module}"
        for name, path in MODULES.items()
        for module, _ in imported(path)
        if (module == "sitegen" or module.startswith("sitegen.")) and name not in SITEGEN_COMMANDS
    ]
    assert offenders == []
    for command in SITEGEN_COMMANDS:
        assert any(module.startswith("sitegen.") for module, _ in imported(MODULES[command])), command
    # The daemon reaches the site generator only through the builder its command hands it.
    edges = graph()
    assert "reconciler.cli.site_writer" in edges["reconciler.cli.daemon"]
    assert not any(name.startswith("reconciler.cli") for name in edges["reconciler.daemon.cycle"])
    below_the_cli = [
        f"{path.relative_to(REPO_ROOT)} imports {module}"
        for path in sorted(SITEGEN.rglob("*.py"))
        for module, _ in imported(path)
        if module in ("argparse", "reconciler.cli") or module.startswith("reconciler.cli.")
    ]
    assert below_the_cli == []
    assert any(m.startswith("reconciler.") for p in SITEGEN.rglob("*.py") for m, _ in imported(p))
