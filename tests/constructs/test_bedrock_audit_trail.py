"""BedrockAuditTrail: defaults, every prop, every error message, the policies CloudTrail needs."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, CfnParameter, Duration, Environment, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Annotations, Capture, Match, Template

from onboarding_app.assembly import add_compliance_checks
from onboarding_constructs.bedrock_audit_trail import (
    BEDROCK_DATA_RESOURCE_TYPES,
    CLOUDTRAIL_SERVICE,
    DEFAULT_TRAIL_NAME,
    DEFAULT_TRAIL_RETENTION,
    BedrockAuditTrail,
)
from tests.conftest import new_stack
from tests.constructs.bucket_checks import assert_access_logs_bucket, assert_hardened_log_bucket
from tests.constructs.props_errors import assert_refused, props_error
from tests.synth import cdk_json_context

KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
EXISTING_TRAIL_ARN = "arn:aws:cloudtrail:us-east-1:999999999999:trail/org-trail"


def trail_arn(name: str = DEFAULT_TRAIL_NAME, *, region: str = "us-east-1", account: str = "111111111111") -> dict:
    """The trail ARN as the template spells it: partition-aware, built from the name (no GetAtt)."""
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":cloudtrail:{region}:{account}:trail/{name}"]]}


def logical_id(stack: Stack, construct: Any) -> str:
    resource = construct if hasattr(construct, "cfn_options") else construct.node.default_child
    return stack.resolve(stack.get_logical_id(resource))


def trail_resource(stack: Stack, construct: BedrockAuditTrail) -> dict:
    assert construct.trail is not None
    return Template.from_stack(stack).to_json()["Resources"][logical_id(stack, construct.trail)]


def bucket_id(stack: Stack, construct: BedrockAuditTrail) -> str:
    assert construct.bucket is not None
    return logical_id(stack, construct.bucket)


# --- A new trail: defaults -----------------------------------------------------------------------


def test_default_trail_logs_all_management_events_in_every_region() -> None:
    stack = new_stack()
    construct = BedrockAuditTrail(stack, "Audit")
    resource = trail_resource(stack, construct)
    assert resource["Properties"] == {
        "TrailName": "airs-bedrock-audit",
        "S3BucketName": {"Ref": bucket_id(stack, construct)},
        "IsLogging": True,
        "IsMultiRegionTrail": True,
        "IncludeGlobalServiceEvents": True,
        "EnableLogFileValidation": True,
        "EventSelectors": [{"IncludeManagementEvents": True, "ReadWriteType": "All"}],
    }
    Template.from_stack(stack).resource_count_is("AWS::CloudTrail::Trail", 1)


def test_trail_waits_for_the_bucket_policy_cloudtrail_checks() -> None:
    stack = new_stack()
    construct = BedrockAuditTrail(stack, "Audit")
    assert construct.bucket is not None and construct.bucket.policy is not None
    assert logical_id(stack, construct.bucket.policy) in trail_resource(stack, construct)["DependsOn"]


def test_default_attributes() -> None:
    stack = new_stack()
    construct = BedrockAuditTrail(stack, "Audit")
    assert construct.created is True
    assert construct.trail is not None
    assert construct.bucket is not None
    assert construct.access_logs_bucket is not None
    assert construct.encryption_key is None
    assert stack.resolve(construct.trail_arn) == trail_arn()
    assert DEFAULT_TRAIL_NAME == "airs-bedrock-audit"
    assert DEFAULT_TRAIL_RETENTION.to_days() == 365


def test_default_bucket_is_hardened_and_retained() -> None:
    stack = new_stack()
    construct = BedrockAuditTrail(stack, "Audit")
    assert construct.bucket is not None
    assert_hardened_log_bucket(stack, construct.bucket)
    props = Template.from_stack(stack).to_json()["Resources"][bucket_id(stack, construct)]["Properties"]
    rules = {rule["Id"]: rule for rule in props["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireObjects"]["ExpirationInDays"] == 365


def test_bucket_policy_lets_only_this_trail_check_the_acl_and_write_logs() -> None:
    stack = new_stack(region="eu-west-1", account="222222222222")
    construct = BedrockAuditTrail(stack, "Audit")
    arn = {"Fn::GetAtt": [bucket_id(stack, construct), "Arn"]}
    source_arn = trail_arn(region="eu-west-1", account="222222222222")
    Template.from_stack(stack).has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": bucket_id(stack, construct)},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Sid": "AWSCloudTrailAclCheck",
                            "Effect": "Allow",
                            "Principal": {"Service": CLOUDTRAIL_SERVICE},
                            "Action": "s3:GetBucketAcl",
                            "Resource": arn,
                            "Condition": {"StringEquals": {"aws:SourceArn": source_arn}},
                        },
                        {
                            "Sid": "AWSCloudTrailWrite",
                            "Effect": "Allow",
                            "Principal": {"Service": CLOUDTRAIL_SERVICE},
                            "Action": "s3:PutObject",
                            "Resource": {"Fn::Join": ["", [arn, "/AWSLogs/222222222222/*"]]},
                            "Condition": {
                                "StringEquals": {
                                    "s3:x-amz-acl": "bucket-owner-full-control",
                                    "aws:SourceArn": source_arn,
                                }
                            },
                        },
                    ]
                )
            },
        },
    )


def test_every_cloudtrail_statement_is_conditioned_on_the_trail_arn() -> None:
    """The gates do not check service-principal conditions: no statement may go without one."""
    stack = new_stack()
    BedrockAuditTrail(stack, "Audit", encryption_key=kms.Key(stack, "Key", enable_key_rotation=True))
    template = Template.from_stack(stack).to_json()["Resources"]
    documents = [r["Properties"]["PolicyDocument"] for r in template.values() if r["Type"] == "AWS::S3::BucketPolicy"]
    documents += [r["Properties"]["KeyPolicy"] for r in template.values() if r["Type"] == "AWS::KMS::Key"]
    statements = [s for d in documents for s in d["Statement"] if s.get("Principal") == {"Service": CLOUDTRAIL_SERVICE}]
    assert len(statements) == 5  # 2 bucket, 3 key
    for statement in statements:
        assert statement["Condition"]["StringEquals"]["aws:SourceArn"] == trail_arn(), statement["Sid"]


def test_server_access_logs_go_to_a_separate_hardened_bucket() -> None:
    stack = new_stack()
    construct = BedrockAuditTrail(stack, "Audit")
    assert construct.bucket is not None and construct.access_logs_bucket is not None
    assert_access_logs_bucket(
        stack, logged=construct.bucket, access_logs=construct.access_logs_bucket, prefix="bedrock-audit-trail-bucket/"
    )


def test_gate_findings_are_acknowledged_on_the_trail_with_reasons() -> None:
    stack = new_stack()
    construct = BedrockAuditTrail(stack, "Audit")
    assert construct.trail is not None
    acknowledged = {
        rule: reason
        for entry in construct.trail.node.metadata
        if entry.type == "aws:cdk:acknowledged-rules"
        for rule, reason in entry.data.items()
    }
    assert set(acknowledged) == {
        "NIST.800.53.R5::NIST.800.53.R5-CloudTrailCloudWatchLogsEnabled",
        "NIST.800.53.R5::NIST.800.53.R5-CloudTrailEncryptionEnabled",
    }
    assert all(len(reason) > 40 for reason in acknowledged.values())
    skips = trail_resource(stack, construct)["Metadata"]["checkov"]["skip"]
    assert [skip["id"] for skip in skips] == ["CKV_AWS_35"]


# --- Props -----------------------------------------------------------------------------------------


def test_trail_name_names_the_trail_and_every_source_arn() -> None:
    stack = new_stack()
    construct = BedrockAuditTrail(stack, "Audit", trail_name="acme.bedrock_audit-1")
    assert trail_resource(stack, construct)["Properties"]["TrailName"] == "acme.bedrock_audit-1"
    assert stack.resolve(construct.trail_arn) == trail_arn("acme.bedrock_audit-1")
    written_by = Capture()
    Template.from_stack(stack).has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Sid": "AWSCloudTrailWrite", "Condition": {"StringEquals": written_by}})]
                )
            }
        },
    )
    assert written_by.as_object()["aws:SourceArn"] == trail_arn("acme.bedrock_audit-1")


def test_trail_name_known_only_at_deploy_is_not_checked() -> None:
    stack = new_stack()
    name = CfnParameter(stack, "TrailName").value_as_string
    construct = BedrockAuditTrail(stack, "Audit", trail_name=name)
    assert trail_resource(stack, construct)["Properties"]["TrailName"] == {"Ref": "TrailName"}


def test_env_agnostic_stack_uses_the_deploy_time_region_and_account() -> None:
    stack = Stack(App(), "TestStack")
    construct = BedrockAuditTrail(stack, "Audit")
    assert stack.resolve(construct.trail_arn) == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":cloudtrail:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":trail/airs-bedrock-audit",
            ],
        ]
    }


def test_retention_is_configurable() -> None:
    stack = new_stack()
    BedrockAuditTrail(stack, "Audit", retention=Duration.days(90))
    Template.from_stack(stack).has_resource_properties(
        "AWS::S3::Bucket",
        {"LifecycleConfiguration": {"Rules": Match.array_with([Match.object_like({"ExpirationInDays": 90})])}},
    )


def test_retention_none_keeps_log_files() -> None:
    stack = new_stack()
    construct = BedrockAuditTrail(stack, "Audit", retention=None)
    rules = Template.from_stack(stack).to_json()["Resources"][bucket_id(stack, construct)]["Properties"][
        "LifecycleConfiguration"
    ]["Rules"]
    assert not any("ExpirationInDays" in rule for rule in rules)


def test_removal_policy_destroy_is_applied_to_both_buckets() -> None:
    stack = new_stack()
    construct = BedrockAuditTrail(stack, "Audit", removal_policy=RemovalPolicy.DESTROY)
    buckets = Template.from_stack(stack).find_resources("AWS::S3::Bucket")
    assert len(buckets) == 2
    assert {b["DeletionPolicy"] for b in buckets.values()} == {"Delete"}
    assert "DeletionPolicy" not in trail_resource(stack, construct)


def test_kms_key_in_the_app_encrypts_bucket_and_trail_and_gets_key_policy() -> None:
    stack = new_stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    construct = BedrockAuditTrail(stack, "Audit", encryption_key=key)
    key_arn = {"Fn::GetAtt": [logical_id(stack, key), "Arn"]}
    template = Template.from_stack(stack)
    assert trail_resource(stack, construct)["Properties"]["KMSKeyId"] == key_arn
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {
                        "BucketKeyEnabled": True,
                        "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
                    }
                ]
            }
        },
    )
    principal = {"Service": CLOUDTRAIL_SERVICE}
    this_trail = {"aws:SourceArn": trail_arn()}
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        {
                            "Sid": "AllowCloudTrailToEncryptLogs",
                            "Effect": "Allow",
                            "Principal": principal,
                            "Action": "kms:GenerateDataKey*",
                            "Resource": "*",
                            "Condition": {
                                "StringEquals": this_trail,
                                "StringLike": {
                                    "kms:EncryptionContext:aws:cloudtrail:arn": {
                                        "Fn::Join": [
                                            "",
                                            ["arn:", {"Ref": "AWS::Partition"}, ":cloudtrail:*:111111111111:trail/*"],
                                        ]
                                    }
                                },
                            },
                        },
                        {
                            "Sid": "AllowCloudTrailToDecryptWithBucketKey",
                            "Effect": "Allow",
                            "Principal": principal,
                            "Action": "kms:Decrypt",
                            "Resource": "*",
                            "Condition": {"StringEquals": this_trail},
                        },
                        {
                            "Sid": "AllowCloudTrailToDescribeKey",
                            "Effect": "Allow",
                            "Principal": principal,
                            "Action": "kms:DescribeKey",
                            "Resource": "*",
                            "Condition": {"StringEquals": this_trail},
                        },
                    ]
                )
            }
        },
    )
    assert construct.encryption_key is key
    assert not Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("key policy"))


def test_encrypted_trail_needs_no_encryption_acknowledgment() -> None:
    stack = new_stack()
    construct = BedrockAuditTrail(stack, "Audit", encryption_key=kms.Key(stack, "Key", enable_key_rotation=True))
    assert construct.trail is not None
    rules = {rule for e in construct.trail.node.metadata if e.type == "aws:cdk:acknowledged-rules" for rule in e.data}
    assert rules == {"NIST.800.53.R5::NIST.800.53.R5-CloudTrailCloudWatchLogsEnabled"}
    assert "Metadata" not in trail_resource(stack, construct)


def test_imported_kms_key_policy_is_not_touched_and_synth_warns() -> None:
    stack = new_stack()
    key = kms.Key.from_key_arn(stack, "Key", KEY_ARN)
    construct = BedrockAuditTrail(stack, "Audit", encryption_key=key)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 0)
    assert trail_resource(stack, construct)["Properties"]["KMSKeyId"] == KEY_ARN
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN}}
                ]
            }
        },
    )
    warnings = Annotations.from_stack(stack).find_warning("/TestStack/Audit", Match.string_like_regexp(".*"))
    assert len(warnings) == 1
    message = warnings[0].entry.data
    assert KEY_ARN in message and CLOUDTRAIL_SERVICE in message and "'airs-bedrock-audit'" in message
    assert all(action in message for action in ("kms:GenerateDataKey*", "kms:Decrypt", "kms:DescribeKey"))


def test_bedrock_data_events_use_advanced_selectors_with_a_management_selector() -> None:
    stack = new_stack()
    construct = BedrockAuditTrail(stack, "Audit", bedrock_data_events=True)
    props = trail_resource(stack, construct)["Properties"]
    assert "EventSelectors" not in props  # CloudTrail refuses a trail with both kinds
    assert props["AdvancedEventSelectors"] == [
        {"Name": "Management events", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
        *(
            {
                "Name": f"Bedrock data events: {resource_type}",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": [resource_type]},
                ],
            }
            for resource_type in BEDROCK_DATA_RESOURCE_TYPES
        ),
    ]
    assert props["IsMultiRegionTrail"] is True and props["EnableLogFileValidation"] is True


def test_bedrock_data_resource_types_are_the_documented_ones() -> None:
    """CloudTrail rejects an unknown resources.type at deploy; these are spelled as its table spells them."""
    assert set(BEDROCK_DATA_RESOURCE_TYPES) == {
        "AWS::Bedrock::AgentAlias",
        "AWS::Bedrock::InlineAgent",
        "AWS::Bedrock::Session",
        "AWS::Bedrock::KnowledgeBase",
        "AWS::Bedrock::FlowAlias",
        "AWS::Bedrock::FlowExecution",
        "AWS::Bedrock::Guardrail",
        "AWS::Bedrock::PromptVersion",
        "AWS::Bedrock::AsyncInvoke",
        "AWS::Bedrock::Model",
    }
    assert len(BEDROCK_DATA_RESOURCE_TYPES) == len(set(BEDROCK_DATA_RESOURCE_TYPES))
    assert "AWS::Bedrock::Prompt" not in BEDROCK_DATA_RESOURCE_TYPES


@pytest.mark.parametrize(
    "props",
    [
        {},
        {"bedrock_data_events": True},
        {"encryption_key": "app"},
        {"encryption_key": "imported", "bedrock_data_events": True},
    ],
    ids=["default", "data-events", "app-key", "imported-key-data-events"],
)
def test_synthesizes_with_no_unacknowledged_nag_finding(props: dict, tmp_path) -> None:
    app = App(outdir=str(tmp_path), context=cdk_json_context())
    add_compliance_checks(app)
    stack = Stack(app, "TestStack", env=Environment(region="us-east-1"))
    if props.get("encryption_key") == "app":
        props = {**props, "encryption_key": kms.Key(stack, "Key", enable_key_rotation=True)}
    elif props.get("encryption_key") == "imported":
        props = {**props, "encryption_key": kms.Key.from_key_arn(stack, "Key", KEY_ARN)}
    BedrockAuditTrail(stack, "Audit", **props)
    app.synth()  # raises on an unacknowledged AwsSolutions or NIST 800-53 R5 finding


# --- An existing trail -----------------------------------------------------------------------------


def test_existing_trail_defines_nothing() -> None:
    stack = new_stack()
    construct = BedrockAuditTrail(stack, "Audit", existing_trail_arn=EXISTING_TRAIL_ARN)
    assert Template.from_stack(stack).to_json().get("Resources", {}) == {}
    assert construct.trail_arn == EXISTING_TRAIL_ARN
    assert construct.created is False
    assert construct.trail is None
    assert construct.bucket is None
    assert construct.access_logs_bucket is None
    assert construct.encryption_key is None
    assert construct.node.children == []


@pytest.mark.parametrize(
    "arn",
    [
        EXISTING_TRAIL_ARN,
        "arn:aws-us-gov:cloudtrail:us-gov-west-1:123456789012:trail/Org.Trail_1",
        "arn:aws-cn:cloudtrail:cn-north-1:123456789012:trail/abc",
    ],
)
def test_existing_trail_arn_in_any_partition_is_accepted(arn: str) -> None:
    assert BedrockAuditTrail(new_stack(), "Audit", existing_trail_arn=arn).trail_arn == arn


def test_existing_trail_arn_known_only_at_deploy_is_not_checked() -> None:
    stack = new_stack()
    arn = CfnParameter(stack, "TrailArn").value_as_string
    construct = BedrockAuditTrail(stack, "Audit", existing_trail_arn=arn)
    assert stack.resolve(construct.trail_arn) == {"Ref": "TrailArn"}
    assert construct.created is False


@pytest.mark.parametrize(
    "arn",
    [
        "org-trail",
        "arn:aws:cloudtrail:us-east-1:999999999999:org-trail",
        "arn:aws:s3:::org-trail",
        "arn:aws:cloudtrail:us-east-1:99999999999:trail/org-trail",
        "arn:aws:cloudtrail::999999999999:trail/org-trail",
        "arn:aws:cloudtrail:us-east-1:999999999999:trail/ab",
        "arn:aws:cloudtrail:us-east-1:999999999999:eventdatastore/abc",
    ],
)
def test_invalid_existing_trail_arn_is_refused(arn: str) -> None:
    assert_refused(
        lambda: BedrockAuditTrail(new_stack(), "Audit", existing_trail_arn=arn),
        "TestStack/Audit",
        f"existing_trail_arn: '{arn}' is not a CloudTrail trail ARN"
        " (expected arn:<partition>:cloudtrail:<region>:<12-digit account>:trail/<name>)",
    )


@pytest.mark.parametrize(
    ("props", "named"),
    [
        ({"trail_name": "my-trail"}, "trail_name"),
        ({"encryption_key": "imported"}, "encryption_key"),
        ({"retention": Duration.days(30)}, "retention"),
        ({"retention": None}, "retention"),
        ({"removal_policy": RemovalPolicy.DESTROY}, "removal_policy"),
        ({"bedrock_data_events": True}, "bedrock_data_events"),
    ],
    ids=["trail_name", "encryption_key", "retention", "retention-none", "removal_policy", "bedrock_data_events"],
)
def test_existing_trail_with_new_trail_props_is_refused(props: dict, named: str) -> None:
    stack = new_stack()
    if props.get("encryption_key") == "imported":
        props = {"encryption_key": kms.Key.from_key_arn(stack, "Key", KEY_ARN)}
    assert_refused(
        lambda: BedrockAuditTrail(stack, "Audit", existing_trail_arn=EXISTING_TRAIL_ARN, **props),
        "TestStack/Audit",
        f"existing_trail_arn cannot be combined with {named}: those shape a new trail, and an existing trail is used"
        " exactly as it is (its selectors, bucket and key are never changed)."
        f" Remove {named}, or remove existing_trail_arn to create a trail.",
    )


def test_existing_trail_refusal_names_every_clashing_prop() -> None:
    stack = new_stack()
    error = props_error(
        lambda: BedrockAuditTrail(
            stack,
            "Audit",
            existing_trail_arn=EXISTING_TRAIL_ARN,
            trail_name="other",
            removal_policy=RemovalPolicy.DESTROY,
            bedrock_data_events=True,
        )
    )
    [problem] = error.problems
    assert problem.startswith(
        "existing_trail_arn cannot be combined with trail_name, removal_policy, bedrock_data_events: those shape"
    )
    assert problem.endswith(
        "Remove trail_name, removal_policy, bedrock_data_events, or remove existing_trail_arn to create a trail."
    )


def test_an_invalid_existing_trail_arn_and_new_trail_props_are_both_reported() -> None:
    error = props_error(lambda: BedrockAuditTrail(new_stack(), "Audit", existing_trail_arn="org", trail_name="other"))
    assert [problem.split(":")[0] for problem in error.problems] == [
        "existing_trail_arn",
        "existing_trail_arn cannot be combined with trail_name",
    ]


# --- Validation ------------------------------------------------------------------------------------

_NAME_RULE = (
    "expected 3 to 128 ASCII letters, digits, periods, underscores and hyphens,"
    " starting and ending with a letter or digit"
)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("ab", _NAME_RULE),
        ("a" * 129, _NAME_RULE),
        ("-audit", _NAME_RULE),
        ("audit.", _NAME_RULE),
        ("my audit", _NAME_RULE),
        ("audit/trail", _NAME_RULE),
        ("tráil", _NAME_RULE),
        ("my--trail", "periods, underscores and hyphens may not be next to each other"),
        ("my-_trail", "periods, underscores and hyphens may not be next to each other"),
        ("my..trail", "periods, underscores and hyphens may not be next to each other"),
        ("192.168.5.4", "it may not look like an IP address"),
    ],
)
def test_invalid_trail_name_is_refused_with_the_rule(name: str, reason: str) -> None:
    assert_refused(
        lambda: BedrockAuditTrail(new_stack(), "Audit", trail_name=name),
        "TestStack/Audit",
        f"trail_name: {name!r} is not a valid trail name ({reason})",
    )


@pytest.mark.parametrize("name", ["abc", "a" * 128, "Org.Trail_1-b", "1trail9"])
def test_valid_trail_names_are_accepted(name: str) -> None:
    stack = new_stack()
    construct = BedrockAuditTrail(stack, "Audit", trail_name=name)
    assert trail_resource(stack, construct)["Properties"]["TrailName"] == name


@pytest.mark.parametrize(
    ("hours", "shown"), [(12, "12 hours"), (36, "1 day 12 hours")], ids=["under-a-day", "not-whole-days"]
)
def test_retention_must_be_whole_days(hours: int, shown: str) -> None:
    assert_refused(
        lambda: BedrockAuditTrail(new_stack(), "Audit", retention=Duration.hours(hours)),
        "TestStack/Audit",
        f"retention: {shown} is not a whole number of days of at least 1 (S3 lifecycle rules count in days)",
    )


def test_a_bad_trail_name_and_retention_are_both_reported() -> None:
    error = props_error(lambda: BedrockAuditTrail(new_stack(), "Audit", trail_name="ab", retention=Duration.hours(1)))
    assert [problem.split(":")[0] for problem in error.problems] == ["trail_name", "retention"]


# --- Construct ids are API -------------------------------------------------------------------------


def test_construct_ids_are_stable() -> None:
    """Renaming these ids replaces the trail and the buckets: the logical ids must not drift."""
    stack = new_stack()
    construct = BedrockAuditTrail(stack, "Audit")
    assert construct.trail is not None and construct.bucket is not None and construct.access_logs_bucket is not None
    assert construct.trail.node.path == "TestStack/Audit/Trail"
    assert construct.bucket.node.path == "TestStack/Audit/Bucket"
    assert construct.access_logs_bucket.node.path == "TestStack/Audit/AccessLogsBucket"


# --- What the reviewer and the user read ----------------------------------------------------------------


def acknowledged(resource: Any) -> dict[str, str]:
    return {
        rule: reason
        for entry in resource.node.metadata
        if entry.type == "aws:cdk:acknowledged-rules"
        for rule, reason in entry.data.items()
    }


SSE_S3_TRAIL_REASON = (
    "Log files are encrypted with SSE-S3, CloudTrail's default, which needs no key policy; pass encryption_key for"
    " SSE-KMS on the trail and its bucket."
)


def test_each_acknowledgment_on_the_trail_gives_its_reason() -> None:
    stack = new_stack()
    construct = BedrockAuditTrail(stack, "Audit")
    assert construct.trail is not None
    assert acknowledged(construct.trail) == {
        "NIST.800.53.R5::NIST.800.53.R5-CloudTrailCloudWatchLogsEnabled": "The trail delivers to S3, where AI Runtime"
        " Security reads it; a CloudWatch Logs copy would bill ingestion of every event a second time and needs a log"
        " group and delivery role no reader uses. Set CloudWatchLogsLogGroupArn/RoleArn on the trail for metric"
        " filters or alarms.",
        "NIST.800.53.R5::NIST.800.53.R5-CloudTrailEncryptionEnabled": SSE_S3_TRAIL_REASON,
    }
    assert trail_resource(stack, construct)["Metadata"]["checkov"]["skip"] == [
        {"id": "CKV_AWS_35", "comment": SSE_S3_TRAIL_REASON}
    ]


def test_the_log_bucket_says_why_sse_s3_is_enough_and_a_key_needs_no_such_reason() -> None:
    stack = new_stack()
    plain = BedrockAuditTrail(stack, "Audit")
    assert plain.bucket is not None
    encryption = "NIST.800.53.R5::NIST.800.53.R5-S3DefaultEncryptionKMS"
    assert acknowledged(plain.bucket.node.default_child)[encryption] == (
        "SSE-S3 is CloudTrail's default encryption and needs no key policy; pass encryption_key for SSE-KMS on the"
        " bucket and the trail."
    )
    encrypted = BedrockAuditTrail(
        stack, "Encrypted", trail_name="encrypted", encryption_key=kms.Key(stack, "Key", enable_key_rotation=True)
    )
    assert encrypted.bucket is not None
    assert encryption not in acknowledged(encrypted.bucket.node.default_child)


def test_the_imported_key_warning_says_exactly_what_its_policy_must_allow() -> None:
    stack = new_stack()
    BedrockAuditTrail(
        stack, "Audit", trail_name="acme-audit", encryption_key=kms.Key.from_key_arn(stack, "Key", KEY_ARN)
    )
    [warning] = Annotations.from_stack(stack).find_warning("/TestStack/Audit", Match.any_value())
    assert warning.entry.data == (
        f"The key policy of {KEY_ARN} is not managed here: it must allow cloudtrail.amazonaws.com kms:GenerateDataKey*,"
        " kms:Decrypt and kms:DescribeKey for the trail 'acme-audit' of this account, or CloudTrail refuses to create"
        " the trail. See the AWS CloudTrail User Guide, 'Configure AWS KMS key policies for CloudTrail'."
        " [ack: airs-onboarding:importedTrailKmsKey]"
    )
