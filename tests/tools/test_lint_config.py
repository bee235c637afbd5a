"""make lint's settings: what mypy reads of the CDK, and that make test runs lint first."""

from __future__ import annotations

import ast
import re
import tomllib

from tests.conftest import REPO_ROOT
from tests.tools.test_layers import ALLOWED, sources

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def aws_cdk_modules_we_import() -> set[str]:
    found = set()
    for package in ALLOWED:
        for path in sources(package):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    if node.module == "aws_cdk":
                        found |= {f"aws_cdk.{a.name}" for a in node.names if a.name.startswith(("aws_", "region_"))}
                        found.add("aws_cdk")
                    elif node.module.startswith("aws_cdk."):
                        found.add(node.module)
                elif isinstance(node, ast.Import):
                    found |= {a.name for a in node.names if a.name.split(".")[0] == "aws_cdk"}
    return found


def mypy_overrides(follow_imports: str) -> set[str]:
    return {
        module
        for override in PYPROJECT["tool"]["mypy"]["overrides"]
        if override.get("follow_imports") == follow_imports
        for module in override["module"]
    }


def test_mypy_reads_every_cdk_module_our_code_imports() -> None:
    """The other CDK modules are skipped (treated as Any) to keep mypy fast: a module we import
    but left off the list would lose its type checks without a word."""
    assert mypy_overrides("skip") == {"aws_cdk.*"}
    missing = aws_cdk_modules_we_import() - mypy_overrides("normal")
    assert not missing, f"add to the follow_imports = normal list in pyproject.toml: {sorted(missing)}"
    assert {"aws_cdk", "aws_cdk.aws_s3", "aws_cdk.aws_iam"} <= aws_cdk_modules_we_import()


def test_the_library_gets_every_per_module_flag_of_strict() -> None:
    [library] = [o for o in PYPROJECT["tool"]["mypy"]["overrides"] if "onboarding_constructs" in o["module"]]
    strict_flags = {
        "disallow_any_generics",
        "disallow_subclassing_any",
        "disallow_untyped_calls",
        "disallow_untyped_defs",
        "disallow_incomplete_defs",
        "disallow_untyped_decorators",
        "warn_return_any",
        "no_implicit_reexport",
    }
    assert {flag for flag, on in library.items() if on is True} == strict_flags
    mypy = PYPROJECT["tool"]["mypy"]
    assert mypy["check_untyped_defs"] and mypy["strict_equality"] and mypy["warn_unused_ignores"]


def test_make_test_runs_lint_first() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test: lint ", makefile, re.MULTILINE)
    lint = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert [line.split("/bin/", 1)[1] for line in lint.splitlines() if "/bin/" in line] == [
        "ruff check --quiet .",
        "ruff format --check --quiet .",
        "mypy",
        'mypy --strict "$$handler"; done',
    ]
    assert "for handler in lambda/*/index.py; do" in lint
    assert PYPROJECT["tool"]["ruff"]["line-length"] == 120
