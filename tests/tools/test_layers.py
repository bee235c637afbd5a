"""The packages import downward only, and other packages reach the library through its public API.

library (onboarding_constructs) <- config (onboarding_config) <- stacks <- app (onboarding_app);
the account checks (onboarding_checks) sit beside the app. The entry points are on top: app.py and
each package's ``__main__`` (which sets up the process, e.g. the Node.js jsii runs on, before the
package loads). The custom-resource handlers run in Lambda and import nothing of ours.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

#: What each of our packages may import of ours (besides itself).
ALLOWED: dict[str, set[str]] = {
    "onboarding_constructs": set(),
    "onboarding_config": {"onboarding_constructs"},
    "stacks": {"onboarding_config", "onboarding_constructs"},
    "onboarding_app": {"stacks", "onboarding_config", "onboarding_constructs"},
    "onboarding_checks": {"onboarding_config", "onboarding_constructs"},
    "app": {"onboarding_app", "onboarding_checks", "stacks", "onboarding_config", "onboarding_constructs"},
    "lambda": set(),
}
OURS = set(ALLOWED) - {"app", "lambda"}
#: The library's public modules: the package itself and ``validation``.
PUBLIC_LIBRARY = {"onboarding_constructs", "onboarding_constructs.validation"}


def sources(package: str) -> list[Path]:
    """The modules of ``package``; ``app`` stands for the entry points."""
    entry_points = [REPO_ROOT / "app.py", *sorted(REPO_ROOT.glob("onboarding_*/__main__.py"))]
    if package == "app":
        return entry_points
    return [path for path in sorted((REPO_ROOT / package).rglob("*.py")) if path not in entry_points]


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in ``path``, at any depth (imports inside functions too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {package: set() for package in ALLOWED}
    for package in ALLOWED:
        for path in sources(package):
            for _, module in imported_modules(path):
                top = module.split(".")[0]
                if top in OURS and top != package:
                    graph[package].add(top)
    return graph


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_the_layers_below_it(package: str) -> None:
    wrong = [
        f"{path.relative_to(REPO_ROOT)}:{line} imports {module}"
        for path in sources(package)
        for line, module in imported_modules(path)
        if module.split(".")[0] in OURS - {package} - ALLOWED[package]
    ]
    assert not wrong, "\n".join(wrong)


def test_there_is_no_import_cycle_between_our_packages() -> None:
    graph = edges()
    visiting: list[str] = []
    done: set[str] = set()

    def visit(package: str) -> None:
        assert package not in visiting, "import cycle: " + " -> ".join([*visiting, package])
        if package in done:
            return
        visiting.append(package)
        for imported in sorted(graph[package]):
            visit(imported)
        visiting.pop()
        done.add(package)

    for package in sorted(graph):
        visit(package)


def test_the_cycle_check_finds_a_cycle(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above fails on a cycle (here: the library importing the config layer back)."""
    real = edges()
    monkeypatch.setitem(globals(), "edges", lambda: real | {"onboarding_constructs": {"onboarding_config"}})
    with pytest.raises(AssertionError, match=r"import cycle: .*onboarding_constructs -> onboarding_config"):
        test_there_is_no_import_cycle_between_our_packages()


@pytest.mark.parametrize("package", sorted(set(ALLOWED) - {"onboarding_constructs", "lambda"}))
def test_other_packages_use_only_the_librarys_public_modules(package: str) -> None:
    private = [
        f"{path.relative_to(REPO_ROOT)}:{line} imports {module}"
        for path in sources(package)
        for line, module in imported_modules(path)
        if module.startswith("onboarding_constructs") and module not in PUBLIC_LIBRARY
    ]
    assert not private, "\n".join(private)
