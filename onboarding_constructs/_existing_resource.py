"""One rule for constructs that either create a resource or use an existing one as it is."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

#: What of an existing resource stays as its owner made it, by kind of resource.
KEPT: dict[str, str] = {
    "bucket": "its policy, encryption and lifecycle",
    "trail": "its selectors, bucket and key",
}


def existing_resource_problem(existing: str, kind: Literal["bucket", "trail"], clashes: Sequence[str]) -> str | None:
    """Settings that only shape a new ``kind`` are an error next to ``existing`` (the setting that names an
    existing one), not silently ignored.

    :param clashes: the settings given next to ``existing`` (none: no problem).
    """
    if not clashes:
        return None
    names = ", ".join(clashes)
    return (
        f"{existing} cannot be combined with {names}: those shape a new {kind}, and an existing {kind} is used exactly"
        f" as it is ({KEPT[kind]} are never changed). Remove {names}, or remove {existing} to create a {kind}."
    )
