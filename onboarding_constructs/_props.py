"""How a construct says where a problem is in its props: ``prop: problem``, ``prop[i]: problem``.

The rules (``validation``) say what is wrong without saying where; these helpers add the prop
name, as the config adds its key path, and the construct raises ``PropsError`` with all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ._identifiers import not_a_list_problem


def at(prop: str, problems: Iterable[str | None]) -> list[str]:
    """Each problem found (``None`` is none), prefixed with ``prop``."""
    return [f"{prop}: {problem}" for problem in problems if problem]


def each(prop: str, values: Sequence[str], problem_of: Callable[[str], str | None], *, items: str) -> list[str]:
    """The problem of each value of a list prop, prefixed with ``prop[i]``; for a prop given one string
    instead of a list, that one problem (``items`` names what the list holds)."""
    if isinstance(values, str):
        return at(prop, [not_a_list_problem(values, items)])
    return [f"{prop}[{i}]: {problem}" for i, value in enumerate(values) if (problem := problem_of(value))]
