"""The AWS regions the CDK knows, offline (no AWS call): the config must name one of them."""

from __future__ import annotations

import difflib
from functools import lru_cache

from aws_cdk import region_info


@lru_cache(maxsize=1)
def known_regions() -> frozenset[str]:
    return frozenset(region.name for region in region_info.RegionInfo.regions)


def region_problem(value: str) -> str | None:
    if value in known_regions():
        return None
    close = difflib.get_close_matches(value, sorted(known_regions()), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else " such as us-east-1"
    return f"{value!r} is not an AWS region (expected a region code{hint})"
