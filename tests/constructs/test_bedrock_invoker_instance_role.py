"""BedrockInvokerInstanceRole and the shared Bedrock policy builder: exact trust, exact permissions, every error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, CfnParameter, Environment, Stack
from aws_cdk.assertions import Match, Template

from onboarding_app.assembly import add_compliance_checks
from onboarding_constructs._bedrock_models import (
    INVOKE_ACTIONS,
    foundation_model_arn,
    inference_profile_arn,
    invoke_grants,
    is_inference_profile,
    model_id_problem,
    profile_model_id,
)
from onboarding_constructs.bedrock_invoker_instance_role import (
    BedrockInvokerInstanceRole,
)
from tests.conftest import new_stack
from tests.constructs.props_errors import assert_refused, props_error
from tests.gates import iam_actions, policy_rules
from tests.synth import cdk_json_context

SONNET = "anthropic.claude-3-5-sonnet-20240620-v1:0"
US_SONNET = f"us.{SONNET}"
SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
GLOBAL_SONNET_45 = f"global.{SONNET_45}"
TITAN = "amazon.titan-text-express-v1"
ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]


def arn(rest: str) -> dict:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, rest]]}


def logical_id(stack: Stack, construct) -> str:
    target = construct.node.default_child if not hasattr(construct, "cfn_options") else construct
    return stack.resolve(stack.get_logical_id(target))


def resource(stack: Stack, construct) -> dict:
    return Template.from_stack(stack).to_json()["Resources"][logical_id(stack, construct)]


def statements(stack: Stack, construct: BedrockInvokerInstanceRole) -> list[dict]:
    return resource(stack, construct.policy)["Properties"]["PolicyDocument"]["Statement"]


def assert_no_bedrock_wildcards(stack: Stack) -> None:
    template = Template.from_stack(stack).to_json()
    assert policy_rules.no_bedrock_wildcards(template) == []
    assert policy_rules.no_wildcard_actions(template) == []
    for statement in (
        s for d in policy_rules._policy_documents(template) for s in policy_rules._as_list(d[1]["Statement"])
    ):
        assert "*" not in policy_rules._as_list(statement.get("Resource", []))
        assert all(not a.endswith("*") for a in policy_rules._as_list(statement["Action"]))


def test_defaults_trust_ec2_and_allow_every_model_of_the_region() -> None:
    stack = new_stack()
    construct = BedrockInvokerInstanceRole(stack, "Invoker")
    role = resource(stack, construct.role)["Properties"]
    assert role["AssumeRolePolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}],
    }
    assert "Policies" not in role and "ManagedPolicyArns" not in role and "RoleName" not in role
    assert statements(stack, construct) == [
        {
            "Sid": "InvokeFoundationModels",
            "Action": ACTIONS,
            "Effect": "Allow",
            "Resource": arn(":bedrock:us-east-1::foundation-model/*"),
        },
        {
            "Sid": "InvokeInferenceProfiles",
            "Action": ACTIONS,
            "Effect": "Allow",
            "Resource": [
                arn(":bedrock:us-east-1:111111111111:inference-profile/*"),
                arn(":bedrock:us-east-1:111111111111:application-inference-profile/*"),
            ],
        },
        {
            "Sid": "InvokeModelsThroughInferenceProfiles",
            "Action": ACTIONS,
            "Effect": "Allow",
            "Resource": [arn(":bedrock:*::foundation-model/*"), arn(":bedrock:::foundation-model/*")],
            "Condition": {
                "ArnLike": {
                    "bedrock:InferenceProfileArn": [
                        arn(":bedrock:us-east-1:111111111111:inference-profile/*"),
                        arn(":bedrock:us-east-1:111111111111:application-inference-profile/*"),
                    ]
                }
            },
        },
    ]
    assert_no_bedrock_wildcards(stack)
    assert construct.model_ids == ()


def test_default_invokes_application_inference_profiles_of_the_region_and_account_only() -> None:
    stack = new_stack()
    BedrockInvokerInstanceRole(stack, "Invoker")
    application_profiles = arn(":bedrock:us-east-1:111111111111:application-inference-profile/*")
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "InvokeInferenceProfiles",
                                "Action": ACTIONS,
                                "Resource": Match.array_with([application_profiles]),
                            }
                        ),
                        Match.object_like(
                            {
                                "Sid": "InvokeModelsThroughInferenceProfiles",
                                "Action": ACTIONS,
                                "Condition": {
                                    "ArnLike": {"bedrock:InferenceProfileArn": Match.array_with([application_profiles])}
                                },
                            }
                        ),
                    ]
                )
            }
        },
    )
    text = json.dumps(template.to_json())
    assert ":bedrock:*:*:application-inference-profile" not in text and ":bedrock:us-east-1:*:" not in text


def test_named_models_never_open_application_inference_profiles() -> None:
    stack = new_stack()
    BedrockInvokerInstanceRole(stack, "Invoker", model_ids=[SONNET, US_SONNET])
    assert "application-inference-profile" not in json.dumps(Template.from_stack(stack).to_json())


def test_the_granted_actions_are_every_model_invocation_action_of_the_pinned_list() -> None:
    agents_and_flows = (
        "bedrock:InvokeAgent",
        "bedrock:InvokeBuilder",
        "bedrock:InvokeFlow",
        "bedrock:InvokeInlineAgent",
    )
    invoke = [a for a in iam_actions.expand("bedrock:Invoke*") if a not in agents_and_flows]
    assert list(INVOKE_ACTIONS) == invoke == ACTIONS


def test_managed_policy_attached_to_the_role_and_an_instance_profile() -> None:
    stack = new_stack()
    construct = BedrockInvokerInstanceRole(stack, "Invoker")
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Role", 1)
    template.resource_count_is("AWS::IAM::ManagedPolicy", 1)
    template.resource_count_is("AWS::IAM::Policy", 0)
    template.resource_count_is("AWS::IAM::InstanceProfile", 1)
    role_ref = {"Ref": logical_id(stack, construct.role)}
    assert resource(stack, construct.policy)["Properties"]["Roles"] == [role_ref]
    assert resource(stack, construct.instance_profile)["Properties"] == {"Roles": [role_ref]}
    assert stack.resolve(construct.role_arn) == {"Fn::GetAtt": [logical_id(stack, construct.role), "Arn"]}


def test_model_ids_are_granted_exactly_and_profiles_reach_their_models_only_through_themselves() -> None:
    stack = new_stack()
    construct = BedrockInvokerInstanceRole(stack, "Invoker", model_ids=[SONNET, TITAN, US_SONNET, GLOBAL_SONNET_45])
    profiles = [
        arn(f":bedrock:us-east-1:111111111111:inference-profile/{US_SONNET}"),
        arn(f":bedrock:us-east-1:111111111111:inference-profile/{GLOBAL_SONNET_45}"),
    ]
    assert statements(stack, construct) == [
        {
            "Sid": "InvokeFoundationModels",
            "Action": ACTIONS,
            "Effect": "Allow",
            "Resource": [
                arn(f":bedrock:us-east-1::foundation-model/{SONNET}"),
                arn(f":bedrock:us-east-1::foundation-model/{TITAN}"),
            ],
        },
        {"Sid": "InvokeInferenceProfiles", "Action": ACTIONS, "Effect": "Allow", "Resource": profiles},
        {
            "Sid": "InvokeModelsThroughInferenceProfiles",
            "Action": ACTIONS,
            "Effect": "Allow",
            "Resource": [
                arn(f":bedrock:*::foundation-model/{SONNET}"),
                arn(f":bedrock:*::foundation-model/{SONNET_45}"),
                arn(f":bedrock:::foundation-model/{SONNET_45}"),  # global profiles route to the region-less ARN
            ],
            "Condition": {"StringEquals": {"bedrock:InferenceProfileArn": profiles}},
        },
    ]
    assert_no_bedrock_wildcards(stack)
    assert construct.model_ids == (SONNET, TITAN, US_SONNET, GLOBAL_SONNET_45)


def test_only_foundation_models_means_one_statement() -> None:
    stack = new_stack()
    construct = BedrockInvokerInstanceRole(stack, "Invoker", model_ids=[TITAN])
    assert statements(stack, construct) == [
        {
            "Sid": "InvokeFoundationModels",
            "Action": ACTIONS,
            "Effect": "Allow",
            "Resource": arn(f":bedrock:us-east-1::foundation-model/{TITAN}"),
        }
    ]


def test_only_a_geographic_profile_has_no_direct_model_statement_and_no_region_less_arn() -> None:
    stack = new_stack()
    construct = BedrockInvokerInstanceRole(stack, "Invoker", model_ids=[US_SONNET])
    sids = [s["Sid"] for s in statements(stack, construct)]
    assert sids == ["InvokeInferenceProfiles", "InvokeModelsThroughInferenceProfiles"]
    assert statements(stack, construct)[1]["Resource"] == arn(f":bedrock:*::foundation-model/{SONNET}")


def test_env_agnostic_stack_uses_the_deploy_time_region_and_account() -> None:
    stack = new_stack(region=None, account=None)
    construct = BedrockInvokerInstanceRole(stack, "Invoker", model_ids=[SONNET, US_SONNET])
    region_account = [
        ":bedrock:",
        {"Ref": "AWS::Region"},
        ":",
        {"Ref": "AWS::AccountId"},
        f":inference-profile/{US_SONNET}",
    ]
    profile = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, *region_account]]}
    assert statements(stack, construct) == [
        {
            "Sid": "InvokeFoundationModels",
            "Action": ACTIONS,
            "Effect": "Allow",
            "Resource": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":bedrock:",
                        {"Ref": "AWS::Region"},
                        f"::foundation-model/{SONNET}",
                    ],
                ]
            },
        },
        {"Sid": "InvokeInferenceProfiles", "Action": ACTIONS, "Effect": "Allow", "Resource": profile},
        {
            "Sid": "InvokeModelsThroughInferenceProfiles",
            "Action": ACTIONS,
            "Effect": "Allow",
            "Resource": arn(f":bedrock:*::foundation-model/{SONNET}"),
            "Condition": {"StringEquals": {"bedrock:InferenceProfileArn": [profile]}},
        },
    ]


def test_other_partitions_come_from_the_stack() -> None:
    stack = new_stack(region="cn-north-1", account="111111111111")
    assert stack.resolve(foundation_model_arn(stack, TITAN)) == arn(f":bedrock:cn-north-1::foundation-model/{TITAN}")
    assert stack.resolve(inference_profile_arn(stack, US_SONNET)) == arn(
        f":bedrock:cn-north-1:111111111111:inference-profile/{US_SONNET}"
    )


def test_role_name() -> None:
    stack = new_stack()
    construct = BedrockInvokerInstanceRole(stack, "Invoker", role_name="airs-bedrock-invoker")
    assert resource(stack, construct.role)["Properties"]["RoleName"] == "airs-bedrock-invoker"


def test_wildcard_resources_are_acknowledged_on_the_policy_only() -> None:
    stack = new_stack()
    construct = BedrockInvokerInstanceRole(stack, "Invoker", model_ids=[US_SONNET])
    acknowledged = {
        key: reason
        for entry in construct.policy.node.default_child.node.metadata
        if entry.type == "aws:cdk:acknowledged-rules"
        for key, reason in entry.data.items()
    }
    assert list(acknowledged) == [
        f"AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/{SONNET}]"
    ]
    assert "bedrock:InferenceProfileArn" in next(iter(acknowledged.values()))
    for construct_ in (construct.role.node.default_child, construct.instance_profile.node.default_child):
        assert not [e for e in construct_.node.metadata if e.type == "aws:cdk:acknowledged-rules"]


@pytest.mark.parametrize("model_ids", [(), (SONNET, US_SONNET, GLOBAL_SONNET_45, TITAN)], ids=["default", "models"])
@pytest.mark.parametrize("env", [Environment(region="us-east-1"), None], ids=["regional", "env-agnostic"])
def test_passes_cdk_nag(tmp_path: Path, model_ids: tuple, env: Environment | None) -> None:
    app = App(outdir=str(tmp_path), context=cdk_json_context())
    add_compliance_checks(app)
    BedrockInvokerInstanceRole(Stack(app, "Nag", env=env), "Invoker", model_ids=model_ids)
    app.synth()  # raises on any unacknowledged AwsSolutions or NIST 800-53 R5 finding
    report = json.loads((tmp_path / "validation-report.json").read_text())
    assert all(plugin["conclusion"] == "success" for plugin in report["pluginReports"])


@pytest.mark.parametrize(
    "value",
    [
        SONNET,
        TITAN,
        "meta.llama3-1-70b-instruct-v1:0",
        "anthropic.claude-3-haiku-20240307-v1:0:200k",
        "ai21.jamba-1-5-large-v1:0",
        "cohere.embed-english-v3",
        US_SONNET,
        GLOBAL_SONNET_45,
        "eu.amazon.nova-pro-v1:0",
        "apac.anthropic.claude-3-5-sonnet-20240620-v1:0",
        "us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0",
    ],
)
def test_valid_model_ids(value: str) -> None:
    assert model_id_problem(value) is None


def test_profiles_and_their_models() -> None:
    assert is_inference_profile(US_SONNET) and is_inference_profile(GLOBAL_SONNET_45)
    assert not is_inference_profile(SONNET) and not is_inference_profile(TITAN)
    assert profile_model_id(US_SONNET) == SONNET
    assert [g.statement().sid for g in invoke_grants(new_stack(), [TITAN])] == ["InvokeFoundationModels"]
    assert INVOKE_ACTIONS == tuple(ACTIONS)


_MODEL_EXPECTED = (
    "(expected a Bedrock model id such as anthropic.claude-3-5-sonnet-20240620-v1:0 or amazon.titan-text-express-v1,"
    " or an inference profile id such as us.anthropic.claude-3-5-sonnet-20240620-v1:0)"
)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"model_ids": ["claude"]}, f"model_ids[0]: 'claude' is not a Bedrock model id {_MODEL_EXPECTED}"),
        (
            {"model_ids": [TITAN, "Anthropic.Claude-v2"]},
            "model_ids[1]: 'Anthropic.Claude-v2' is not a Bedrock model id: 'Anthropic' is not a provider (the part"
            " before the first period is lowercase letters and digits, such as anthropic, amazon or meta)"
            f" {_MODEL_EXPECTED}",
        ),
        (
            {"model_ids": ["anthropic.claude v2"]},
            f"model_ids[0]: 'anthropic.claude v2' is not a Bedrock model id {_MODEL_EXPECTED}",
        ),
        ({"model_ids": [""]}, f"model_ids[0]: '' is not a Bedrock model id {_MODEL_EXPECTED}"),
        ({"model_ids": [TITAN, 42]}, f"model_ids[1]: 42 is not a Bedrock model id {_MODEL_EXPECTED}"),
        ({"model_ids": ["us.anthropic"]}, f"model_ids[0]: 'us.anthropic' is not a Bedrock model id {_MODEL_EXPECTED}"),
        (
            {"model_ids": ["xx.anthropic.claude-v2"]},
            "model_ids[0]: 'xx.anthropic.claude-v2' is not a Bedrock model id (an inference profile id starts with one"
            " of us., us-gov., eu., apac., jp., au., ca., global.)",
        ),
        (
            {"model_ids": ["arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1"]},
            "model_ids[0]: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1' is an ARN; give"
            f" the model or inference profile id instead {_MODEL_EXPECTED}",
        ),
        ({"model_ids": [TITAN, TITAN]}, f"model_ids: '{TITAN}' listed more than once"),
        ({"model_ids": TITAN}, f"model_ids: '{TITAN}' is one string (expected a list of model ids)"),
        (
            {"role_name": "bad name"},
            "role_name: 'bad name' is not an IAM role name (expected 1 to 64 letters, digits and _+=,.@-)",
        ),
        (
            {"role_name": "r" * 65},
            f"role_name: '{'r' * 65}' is not an IAM role name (expected 1 to 64 letters, digits and _+=,.@-)",
        ),
    ],
    ids=[
        "no-provider",
        "uppercase",
        "space",
        "empty",
        "not-a-string",
        "geo-without-model",
        "unknown-geo",
        "arn",
        "duplicate",
        "one-string",
        "role-name",
        "role-name-long",
    ],
)
def test_invalid_props_are_refused(props: dict, message: str) -> None:
    assert_refused(lambda: BedrockInvokerInstanceRole(new_stack(), "Invoker", **props), "TestStack/Invoker", message)


def test_every_problem_is_reported_at_once() -> None:
    error = props_error(
        lambda: BedrockInvokerInstanceRole(new_stack(), "Invoker", model_ids=["claude", "x", "x"], role_name="a b")
    )
    assert [problem.split(":")[0] for problem in error.problems] == [
        "model_ids[0]",
        "model_ids[1]",
        "model_ids[2]",
        "model_ids",
        "role_name",
    ]


def test_a_deploy_time_model_id_is_refused() -> None:
    stack = new_stack()
    token = CfnParameter(stack, "ModelId").value_as_string
    assert_refused(
        lambda: BedrockInvokerInstanceRole(stack, "Invoker", model_ids=[token]),
        "TestStack/Invoker",
        "model_ids[0]: a model id only known at deploy time cannot be used (the policy differs for models and"
        " inference profiles)",
    )


def test_a_deploy_time_role_name_is_accepted() -> None:
    stack = new_stack()
    construct = BedrockInvokerInstanceRole(stack, "Invoker", role_name=CfnParameter(stack, "RoleName").value_as_string)
    assert resource(stack, construct.role)["Properties"]["RoleName"] == {"Ref": "RoleName"}


def test_construct_ids_are_stable() -> None:
    construct = BedrockInvokerInstanceRole(new_stack(), "Invoker")
    assert construct.role.node.path == "TestStack/Invoker/Role"
    assert construct.policy.node.path == "TestStack/Invoker/InvokeModelsPolicy"
    assert construct.instance_profile.node.path == "TestStack/Invoker/InstanceProfile"
