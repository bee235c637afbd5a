"""PropsError: the library's one error type, with the construct path and every problem."""

from __future__ import annotations

import pytest

from onboarding_constructs import PropsError


def test_the_text_is_one_line_per_problem_each_with_the_path() -> None:
    error = PropsError("Stack/FlowLogs", ["subnet_ids[0]: bad", "vpc_ids[1]: worse"])
    assert str(error) == "Stack/FlowLogs: subnet_ids[0]: bad\nStack/FlowLogs: vpc_ids[1]: worse"
    assert (error.path, error.problems) == ("Stack/FlowLogs", ("subnet_ids[0]: bad", "vpc_ids[1]: worse"))


def test_it_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"^render_manifest: mode: wrong$"):
        raise PropsError("render_manifest", ["mode: wrong"])


def test_it_needs_a_problem() -> None:
    with pytest.raises(ValueError, match=r"^PropsError needs at least one problem$"):
        PropsError("Stack/X", [])


def test_raise_if_any_raises_every_problem_and_nothing_without_one() -> None:
    PropsError.raise_if_any("Stack/X", [])
    PropsError.raise_if_any("Stack/X", iter(()))
    with pytest.raises(PropsError) as raised:
        PropsError.raise_if_any("Stack/X", (p for p in ["a", "b"]))
    assert raised.value.problems == ("a", "b")
