"""The ids users acknowledge a warning by appear in its synthesized annotation."""

from __future__ import annotations

from aws_cdk import CfnParameter, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Annotations, Match

from onboarding_constructs import BedrockAuditTrail, BedrockInvokerInstanceRole, FlowLogBucket
from onboarding_constructs.role_policy import apply_role_policy
from tests.conftest import new_stack

KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def warning_messages(stack: Stack, path: str) -> list[str]:
    return [str(w.entry.data) for w in Annotations.from_stack(stack).find_warning(path, Match.any_value())]


def assert_warns_with_id(stack: Stack, path: str, warning_id: str) -> None:
    messages = warning_messages(stack, path)
    assert any(warning_id in m for m in messages), messages
    # The CDK names the id to acknowledge at the end of the message.
    assert any(f"[ack: {warning_id}]" in m for m in messages), messages


def test_role_name_only_known_at_deploy_time_warns_with_role_name_unchecked() -> None:
    stack = new_stack()
    apply_role_policy(stack, role_name_prefix="acme-")
    name = CfnParameter(stack, "RoleName").value_as_string
    iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), role_name=name)
    assert_warns_with_id(stack, "/TestStack/Role/Resource", "airs-onboarding:roleNameUnchecked")


def test_flow_log_bucket_with_an_imported_key_warns_with_imported_kms_key() -> None:
    stack = new_stack()
    FlowLogBucket(stack, "Logs", encryption_key=kms.Key.from_key_arn(stack, "Key", KEY_ARN))
    assert_warns_with_id(stack, "/TestStack/Logs", "airs-onboarding:importedKmsKey")


def test_audit_trail_with_an_imported_key_warns_with_imported_trail_kms_key() -> None:
    stack = new_stack()
    BedrockAuditTrail(stack, "Audit", encryption_key=kms.Key.from_key_arn(stack, "Key", KEY_ARN))
    assert_warns_with_id(stack, "/TestStack/Audit", "airs-onboarding:importedTrailKmsKey")


def test_a_model_id_not_in_the_catalogue_warns_with_unknown_bedrock_model_id() -> None:
    stack = new_stack()
    BedrockInvokerInstanceRole(stack, "Invoker", model_ids=["anthropic.claude-3-5-sonet-20240620-v1:0"])
    assert_warns_with_id(stack, "/TestStack/Invoker", "airs-onboarding:unknownBedrockModelId")


def test_the_ids_are_distinct_per_case() -> None:
    stack = new_stack()
    FlowLogBucket(stack, "Logs", encryption_key=kms.Key.from_key_arn(stack, "Key", KEY_ARN))
    messages = warning_messages(stack, "/TestStack/Logs")
    assert not any("importedTrailKmsKey" in m for m in messages)
