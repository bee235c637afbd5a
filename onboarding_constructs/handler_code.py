"""The source of the custom-resource handlers, which the constructs inline into templates.

Inline code keeps templates free of assets, so they deploy through StackSets into accounts that
were never CDK-bootstrapped. Each handler is one self-contained file, ``lambda/<name>/index.py``
in the repository; an installed package carries a copy under ``onboarding_constructs/_lambda/``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_PACKAGE_COPY = Path(__file__).resolve().parent / "_lambda"
_REPOSITORY = Path(__file__).resolve().parent.parent / "lambda"


@lru_cache(maxsize=None)
def handler_source(name: str) -> str:
    for root in (_PACKAGE_COPY, _REPOSITORY):
        path = root / name / "index.py"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError(f"handler {name!r} not found in {_PACKAGE_COPY} or {_REPOSITORY}")
