"""cdk-nag (AwsSolutions and NIST 800-53 R5): zero unacknowledged findings, every acknowledgment narrow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import CfnResource, Stack
from aws_cdk import aws_s3 as s3

from tests.gates.scenarios import SCENARIOS
from tests.synth import Synthesized

ACKNOWLEDGED = "aws:cdk:acknowledged-rules"
NAG_PACKS = {"AwsSolutions", "NIST.800.53.R5"}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_scenario_synthesizes_with_no_unacknowledged_finding(
    synthesized: dict[str, Synthesized], scenario: str
) -> None:
    # synthesize() raises on any unacknowledged finding; here we also read the report it leaves.
    report = json.loads((synthesized[scenario].template_path.parent / "validation-report.json").read_text())
    nag_reports = [r for r in report["pluginReports"] if r["pluginName"] in NAG_PACKS]
    assert [v for r in nag_reports for v in r["violations"]] == []
    # Construct annotations may warn (an imported key's policy), never error.
    severities = {v["severity"] for r in report["pluginReports"] for v in r["violations"]}
    assert severities <= {"warning"}


def test_acknowledgments_are_narrow_namespaced_and_explained(synthesized: dict[str, Synthesized]) -> None:
    """Each acknowledgment sits on a CloudFormation resource (never a stack or an L2 scope), names one
    finding of a nag pack, and gives a reason."""
    entries = [
        (path, data, result) for result in synthesized.values() for path, data in result.metadata_of_type(ACKNOWLEDGED)
    ]
    assert entries, "expected the known acknowledgments (e.g. access-log bucket logging)"
    for path, data, result in entries:
        resource_paths = {"/" + c.node.path for c in result.stack.node.find_all() if isinstance(c, CfnResource)}
        assert path in resource_paths, f"{path} is not a CloudFormation resource"
        for finding, reason in data.items():
            pack, _, rule = finding.partition("::")
            assert pack in NAG_PACKS and rule.startswith(f"{pack}-"), finding
            assert len(reason) > 40, (path, finding)


def test_an_unacknowledged_finding_fails_synth(tmp_path: Path) -> None:
    """The gate itself works: an insecure bucket in the app stops synthesis."""
    from aws_cdk import App

    from onboarding_app.assembly import add_compliance_checks
    from tests.synth import cdk_json_context

    app = App(outdir=str(tmp_path), context=cdk_json_context())
    add_compliance_checks(app)
    s3.Bucket(Stack(app, "Insecure"), "Bucket")
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = {violation["ruleName"] for plugin in report["pluginReports"] for violation in plugin["violations"]}
    assert {"AwsSolutions-S1", "AwsSolutions-S10", "NIST.800.53.R5-S3BucketVersioningEnabled"} <= rules
