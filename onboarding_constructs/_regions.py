"""The AWS regions the CDK knows, offline (no AWS call): a region a user names must be one of them."""

from __future__ import annotations

import difflib
from functools import lru_cache

from aws_cdk import region_info


@lru_cache(maxsize=1)
def known_regions() -> frozenset[str]:
    return frozenset(region.name for region in region_info.RegionInfo.regions)


def region_problem(value: str) -> str | None:
    """A region code this version of the CDK knows, with the closest codes for a typo."""
    if isinstance(value, str) and value in known_regions():
        return None
    close = difflib.get_close_matches(value, sorted(known_regions()), n=3, cutoff=0.6) if isinstance(value, str) else []
    hint = f"; did you mean {' or '.join(close)}?" if close else " such as us-east-1"
    return f"{value!r} is not an AWS region (expected a region code{hint})"
