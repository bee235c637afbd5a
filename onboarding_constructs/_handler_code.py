"""The source of the custom-resource handlers, which the constructs inline into templates.

Inline code keeps templates free of assets, so they deploy through StackSets into accounts that
were never CDK-bootstrapped. Each handler is one self-contained file, ``lambda/<name>/index.py``
in the repository.

An installed package carries those files as ``onboarding_constructs/lambda_handlers/<name>/index.py``
(pyproject.toml maps that subpackage to ``lambda/``), so that location is read first; a source
checkout has no such directory and reads the repository's ``lambda/`` instead.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
#: Where to look for ``<name>/index.py``, in order: the installed package, then the source checkout.
HANDLER_DIRS = (_PACKAGE / "lambda_handlers", _PACKAGE.parent / "lambda")


@cache
def handler_source(name: str) -> str:
    for directory in HANDLER_DIRS:
        path = directory / name / "index.py"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    tried = ", ".join(str(directory / name / "index.py") for directory in HANDLER_DIRS)
    raise FileNotFoundError(f"handler {name!r} not found: expected one of {tried}")
