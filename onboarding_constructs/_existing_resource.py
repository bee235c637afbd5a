"""One rule for constructs that either create a resource or use an existing one as it is."""

from __future__ import annotations

from collections.abc import Mapping


def refuse_props_for_existing(
    owner: str, existing_prop: str, kind: str, given: Mapping[str, bool], *, kept: str = ""
) -> None:
    """Props that only shape a new ``kind`` are an error next to ``existing_prop``, not silently ignored.

    :param given: prop name -> whether the caller set it (differs from its default).
    :param kept: what of the existing resource stays its owner's, for the message (e.g. "its policy").
    """
    clashes = [name for name, is_given in given.items() if is_given]
    if not clashes:
        return
    also = f" ({kept})" if kept else ""
    raise ValueError(
        f"{owner}: {existing_prop} cannot be combined with {', '.join(clashes)}: those shape a new {kind}, and an"
        f" existing {kind} is used exactly as it is{also}. Pass {existing_prop} alone, or drop it to create a {kind}."
    )
