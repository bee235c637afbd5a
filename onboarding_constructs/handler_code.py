"""The source of the custom-resource handlers, which the constructs inline into templates.

Inline code keeps templates free of assets, so they deploy through StackSets into accounts that
were never CDK-bootstrapped. Each handler is one self-contained file, ``lambda/<name>/index.py``
in the repository.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

HANDLERS = Path(__file__).resolve().parent.parent / "lambda"


@lru_cache(maxsize=None)
def handler_source(name: str) -> str:
    path = HANDLERS / name / "index.py"
    if not path.is_file():
        raise FileNotFoundError(f"handler {name!r} not found: expected {path}")
    return path.read_text(encoding="utf-8")
