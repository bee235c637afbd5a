"""The AWS partition of a region, read from its name (no AWS call, no CDK): for ARNs the app's
summary and the account checks build."""

from __future__ import annotations


def partition_of(region: str) -> str:
    """``aws-cn`` for China regions, ``aws-us-gov`` for GovCloud, ``aws`` for every other region."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
