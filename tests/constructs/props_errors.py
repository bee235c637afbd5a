"""How the construct tests look at a ``PropsError``: its path, every problem, and the text a user reads."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from onboarding_constructs import PropsError


def props_error(build: Callable[[], object]) -> PropsError:
    """The ``PropsError`` that ``build()`` raises (the test fails if it raises none)."""
    with pytest.raises(PropsError) as raised:
        build()
    return raised.value


def assert_problems(error: PropsError, path: str, *problems: str) -> None:
    """``error`` is at ``path`` and lists exactly ``problems``, in order, one line each in its text."""
    assert (error.path, error.problems) == (path, problems)
    assert str(error) == "\n".join(f"{path}: {problem}" for problem in problems)


def assert_refused(build: Callable[[], object], path: str, *problems: str) -> None:
    """``build()`` raises a ``PropsError`` at ``path`` with exactly ``problems``."""
    assert_problems(props_error(build), path, *problems)
