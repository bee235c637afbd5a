"""discovery_role.allow_sensitive_reads in a config file reaches the role's Deny statement."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import config_with
from tests.gates import policy_rules
from tests.synth import synthesize

DISCOVERY = {"trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery", "external_id": "airs-ext-1234"}


def _deny(template: dict) -> list[str]:
    [policy] = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::ManagedPolicy"
        and any(s.get("Sid") == "DenySensitiveReads" for s in r["Properties"]["PolicyDocument"]["Statement"])
    ]
    [deny] = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s.get("Sid") == "DenySensitiveReads"]
    return sorted(policy_rules._as_list(deny["Action"]))


def test_a_config_without_the_key_denies_every_sensitive_read(tmp_path: Path) -> None:
    template = synthesize(config_with(discovery_role=DISCOVERY), tmp_path).template
    assert _deny(template) == sorted(policy_rules.SENSITIVE_READS)


def test_allow_sensitive_reads_leaves_the_listed_actions_out_of_the_deny(tmp_path: Path) -> None:
    config = config_with(discovery_role={**DISCOVERY, "allow_sensitive_reads": ["lambda:GetFunction"]})
    template = synthesize(config, tmp_path).template
    assert _deny(template) == sorted(a for a in policy_rules.SENSITIVE_READS if a != "lambda:GetFunction")
