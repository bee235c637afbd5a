"""The estate-coverage handler and the EstateCoverage construct that deploys it agree: the environment the
construct sets is one the handler accepts, and the names and limits they share are the same."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from onboarding_constructs import COVERAGE_TAG_KEY, EstateCoverage
from onboarding_constructs._handler_code import inline_source
from onboarding_constructs.estate_coverage import LEASE_SUFFIX
from onboarding_constructs.validation import MAX_CUSTOM_RESOURCE_RESPONSE_BYTES
from tests.conftest import new_stack
from tests.handlers.coverage_harness import load_handler

handler = load_handler()


def synthesized(**props: Any) -> tuple[Stack, dict[str, Any]]:
    stack = new_stack()
    EstateCoverage(stack, "Coverage", bucket=s3.Bucket(stack, "Logs", enforce_ssl=True), **props)
    return stack, Template.from_stack(stack).to_json()["Resources"]


def of_type(resources: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in resources.values() if r["Type"] == kind]


def test_the_shared_names_and_limits_are_the_same() -> None:
    assert handler.COVERAGE_TAG_KEY == COVERAGE_TAG_KEY
    assert handler.lease_parameter("/airs-onboarding/coverage/x") == "/airs-onboarding/coverage/x" + LEASE_SUFFIX
    assert handler.MAX_RESPONSE_BYTES == MAX_CUSTOM_RESOURCE_RESPONSE_BYTES


@pytest.mark.parametrize(
    "props",
    [
        {},
        {"file_format": "parquet", "max_aggregation_interval": 60, "hourly_partitions": False},
        {"exclude_tag": None, "include_ecs_fields": True, "owner": "team a", "report_parameter_name": "/ops/cov"},
    ],
    ids=["defaults", "options", "no-exclude-tag"],
)
def test_the_handler_accepts_the_environment_the_construct_sets(props: dict[str, Any]) -> None:
    _stack, resources = synthesized(**props)
    (function,) = [
        f for f in of_type(resources, "AWS::Lambda::Function") if f["Properties"].get("Code", {}).get("ZipFile")
    ]
    environment = dict(function["Properties"]["Environment"]["Variables"])
    assert environment["BUCKET_ARN"] == {"Fn::GetAtt": [environment["BUCKET_ARN"]["Fn::GetAtt"][0], "Arn"]}
    environment["BUCKET_ARN"] = "arn:aws:s3:::the-bucket"  # the bucket's ARN, once deployed
    settings = handler.read_settings(environment)
    assert settings.bucket_arn == "arn:aws:s3:::the-bucket"
    assert function["Properties"]["Code"]["ZipFile"] == inline_source("estate_coverage")
    assert function["Properties"]["Handler"] == "index.handler"
    # A lease is broken when older than Lambda's maximum timeout: no invocation of the function lives longer.
    assert function["Properties"]["Timeout"] <= handler.LAMBDA_MAX_TIMEOUT_SECONDS


def test_the_custom_resource_is_the_one_the_handler_answers() -> None:
    _stack, resources = synthesized()
    (custom,) = of_type(resources, "Custom::EstateCoverage")
    assert set(custom["Properties"]) >= {"ServiceToken", "Settings"}
