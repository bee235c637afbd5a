"""The one error type of the library: props a construct cannot be built from."""

from __future__ import annotations

from collections.abc import Iterable


class PropsError(ValueError):
    """Every problem found in a construct's props, with the construct's path in the tree.

    ``path`` is the construct path (``Stack/FlowLogs``), or a function's name for a helper that is
    not a construct; ``problems`` lists each problem in the prop's terms (``subnet_ids[0]: ...``).
    ``str()`` gives one line per problem, each prefixed with the path.
    """

    def __init__(self, path: str, problems: Iterable[str]) -> None:
        self.path = path
        self.problems: tuple[str, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("PropsError needs at least one problem")
        super().__init__("\n".join(f"{path}: {problem}" for problem in self.problems))

    @classmethod
    def raise_if_any(cls, path: str, problems: Iterable[str]) -> None:
        """Raise with every problem in ``problems``; nothing when there are none."""
        found = tuple(problems)
        if found:
            raise cls(path, found)
