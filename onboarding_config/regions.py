"""The AWS regions the config may name: the library's rule (``onboarding_constructs.validation``)."""

from __future__ import annotations

from onboarding_constructs.validation import known_regions, region_problem

__all__ = ["known_regions", "region_problem"]
