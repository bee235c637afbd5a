"""Recording accepted findings: on the CloudFormation resource, under the rule pack's name."""

from __future__ import annotations

import re

import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from constructs import Construct

from onboarding_constructs._suppressions import acknowledge_nag, skip_checkov
from tests.conftest import new_stack


def test_checkov_skips_accumulate_in_resource_metadata() -> None:
    stack = new_stack()
    bucket = s3.Bucket(stack, "Bucket")
    skip_checkov(bucket, "CKV_AWS_18", "first reason")
    skip_checkov(bucket, "CKV_AWS_21", "second reason")
    [resource] = Template.from_stack(stack).find_resources("AWS::S3::Bucket").values()
    assert resource["Metadata"]["checkov"] == {
        "skip": [{"id": "CKV_AWS_18", "comment": "first reason"}, {"id": "CKV_AWS_21", "comment": "second reason"}]
    }


def test_nag_acknowledgment_is_filed_under_its_pack() -> None:
    stack = new_stack()
    bucket = s3.Bucket(stack, "Bucket")
    acknowledge_nag(bucket, "AwsSolutions-IAM5[Resource::arn:aws:s3:::my-bucket/*]", "reason")
    entries = [e.data for e in bucket.node.default_child.node.metadata if e.type == "aws:cdk:acknowledged-rules"]
    assert entries == [{"AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:s3:::my-bucket/*]": "reason"}]


def test_a_finding_id_without_a_pack_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r"'S1' is not a cdk-nag finding id \(expected <pack>-<rule>, e.g. AwsSolutions-S1\)"
    ):
        acknowledge_nag(s3.Bucket(new_stack(), "Bucket"), "S1", "reason")


def test_a_construct_without_a_resource_is_refused() -> None:
    stack = new_stack()
    with pytest.raises(TypeError, match="TestStack/Empty has no CloudFormation resource"):
        skip_checkov(Construct(stack, "Empty"), "CKV_AWS_18", "reason")


def test_cfn_lint_ignores_are_recorded_with_their_reasons() -> None:
    from onboarding_constructs._suppressions import ignore_cfn_lint

    stack = new_stack()
    bucket = s3.Bucket(stack, "Bucket")
    ignore_cfn_lint(bucket, "W3005", "why")
    [resource] = Template.from_stack(stack).find_resources("AWS::S3::Bucket").values()
    assert resource["Metadata"]["cfn-lint"] == {"config": {"ignore_checks": ["W3005"]}, "reasons": {"W3005": "why"}}


def test_missing_handler_source_is_explained() -> None:
    from onboarding_constructs._handler_code import handler_source

    with pytest.raises(FileNotFoundError, match="handler 'nope' not found"):
        handler_source("nope")


def test_a_value_cdk_nag_cannot_flatten_is_refused_naming_it() -> None:
    from aws_cdk import CfnParameter, Fn

    from onboarding_constructs._suppressions import nag_resource_text

    stack = new_stack()
    selected = Fn.select(0, CfnParameter(stack, "Arns", type="CommaDelimitedList").value_as_list)
    with pytest.raises(
        ValueError, match=r"^cannot name the cdk-nag finding for \{'Fn::Select': \[0, \{'Ref': 'Arns'\}\]\}$"
    ):
        nag_resource_text(stack, selected)
    # Nested in a join, the part it cannot flatten is the one named.
    with pytest.raises(ValueError, match=re.escape("cannot name the cdk-nag finding for {'Fn::Select'")):
        nag_resource_text(stack, Fn.join("", ["arn:aws:s3:::", selected, "/*"]))


def test_missing_handler_source_names_every_place_it_looked() -> None:
    from onboarding_constructs._handler_code import HANDLER_DIRS, handler_source

    with pytest.raises(FileNotFoundError) as error:
        handler_source("nope")
    message = str(error.value)
    assert "expected one of" in message
    assert len(HANDLER_DIRS) == 2
    for directory in HANDLER_DIRS:
        assert str(directory / "nope" / "index.py") in message
