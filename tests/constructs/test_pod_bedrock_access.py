"""PodBedrockAccess: exact trust policies (EKS Pod Identity and IRSA), association, add-on, every error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, CfnParameter, Environment, Stack
from aws_cdk.assertions import Template

from onboarding_app.assembly import add_compliance_checks
from onboarding_constructs.bedrock_invoker_instance_role import (
    BedrockInvokerInstanceRole,
)
from onboarding_constructs.pod_bedrock_access import (
    PodAccessMode,
    PodBedrockAccess,
    oidc_provider_path,
)
from tests.conftest import new_stack
from tests.constructs.props_errors import assert_refused, props_error
from tests.gates import policy_rules
from tests.synth import cdk_json_context

ISSUER_HOST = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
ISSUER = f"https://{ISSUER_HOST}"
SONNET = "anthropic.claude-3-5-sonnet-20240620-v1:0"
US_SONNET = f"us.{SONNET}"


def arn(rest: str) -> dict:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, rest]]}


def access(stack: Stack, construct_id: str = "App1", **props) -> PodBedrockAccess:
    return PodBedrockAccess(
        stack, construct_id, **{"cluster_name": "prod-eks", "namespace": "app1", "service_account": "app1-sa", **props}
    )


def irsa(stack: Stack, construct_id: str = "App1", **props) -> PodBedrockAccess:
    return access(stack, construct_id, **{"mode": "irsa", "oidc_issuer": ISSUER, **props})


def logical_id(stack: Stack, construct) -> str:
    target = construct.node.default_child if not hasattr(construct, "cfn_options") else construct
    return stack.resolve(stack.get_logical_id(target))


def resource(stack: Stack, construct) -> dict:
    return Template.from_stack(stack).to_json()["Resources"][logical_id(stack, construct)]


def trust(stack: Stack, construct: PodBedrockAccess) -> dict:
    return resource(stack, construct.role)["Properties"]["AssumeRolePolicyDocument"]


def test_pod_identity_trust_is_exact() -> None:
    stack = new_stack()
    construct = access(stack)
    assert trust(stack, construct) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {
                        "aws:SourceAccount": "111111111111",
                        "aws:RequestTag/eks-cluster-arn": arn(":eks:us-east-1:111111111111:cluster/prod-eks"),
                        "aws:RequestTag/kubernetes-namespace": "app1",
                        "aws:RequestTag/kubernetes-service-account": "app1-sa",
                    }
                },
            }
        ],
    }
    template = Template.from_stack(stack).to_json()
    assert policy_rules.pod_identity_trust_is_exact(template) == []
    assert policy_rules.cross_account_trust_requires_external_id(template) == []


def test_pod_identity_trust_in_an_env_agnostic_stack() -> None:
    stack = new_stack(region=None, account=None)
    condition = trust(stack, access(stack))["Statement"][0]["Condition"]["StringEquals"]
    assert condition["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert condition["aws:RequestTag/eks-cluster-arn"] == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":eks:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":cluster/prod-eks",
            ],
        ]
    }


def test_pod_identity_association_maps_the_role_after_its_policy() -> None:
    stack = new_stack()
    construct = access(stack)
    association = resource(stack, construct.association)
    assert association["Properties"] == {
        "ClusterName": "prod-eks",
        "Namespace": "app1",
        "ServiceAccount": "app1-sa",
        "RoleArn": {"Fn::GetAtt": [logical_id(stack, construct.role), "Arn"]},
        "DisableSessionTags": False,
    }
    assert association["DependsOn"] == [logical_id(stack, construct.policy)]
    assert construct.addon is None
    Template.from_stack(stack).resource_count_is("AWS::EKS::Addon", 0)


def test_pod_identity_agent_add_on_on_request() -> None:
    stack = new_stack()
    construct = access(stack, install_pod_identity_agent=True)
    assert construct.addon is not None
    assert resource(stack, construct.addon)["Properties"] == {
        "AddonName": "eks-pod-identity-agent",
        "ClusterName": "prod-eks",
    }
    assert sorted(resource(stack, construct.association)["DependsOn"]) == sorted(
        [logical_id(stack, construct.policy), logical_id(stack, construct.addon)]
    )


def test_irsa_trust_is_exact_and_makes_no_association() -> None:
    stack = new_stack()
    construct = irsa(stack)
    assert trust(stack, construct) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": arn(f":iam::111111111111:oidc-provider/{ISSUER_HOST}")},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{ISSUER_HOST}:sub": "system:serviceaccount:app1:app1-sa",
                        f"{ISSUER_HOST}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ],
    }
    assert construct.association is None and construct.addon is None
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EKS::PodIdentityAssociation", 0)
    template.resource_count_is("AWS::EKS::Addon", 0)
    template.resource_count_is("AWS::IAM::OIDCProvider", 0)


@pytest.mark.parametrize("issuer", [ISSUER, ISSUER_HOST, f"{ISSUER}/"], ids=["https", "bare", "trailing-slash"])
def test_irsa_issuer_with_or_without_scheme(issuer: str) -> None:
    stack = new_stack()
    statement = trust(stack, irsa(stack, oidc_issuer=issuer))["Statement"][0]
    assert statement["Principal"] == {"Federated": arn(f":iam::111111111111:oidc-provider/{ISSUER_HOST}")}
    assert set(statement["Condition"]["StringEquals"]) == {f"{ISSUER_HOST}:sub", f"{ISSUER_HOST}:aud"}
    assert oidc_provider_path(issuer) == ISSUER_HOST


def test_irsa_in_china_and_env_agnostic() -> None:
    host = "oidc.eks.cn-north-1.amazonaws.com.cn/id/0123456789ABCDEF0123456789ABCDEF"
    stack = new_stack(region=None, account=None)
    statement = trust(stack, irsa(stack, oidc_issuer=f"https://{host}"))["Statement"][0]
    assert statement["Principal"] == {
        "Federated": {
            "Fn::Join": [
                "",
                ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, f":oidc-provider/{host}"],
            ]
        }
    }


@pytest.mark.parametrize("make", [access, irsa], ids=["pod-identity", "irsa"])
def test_permission_policy_is_the_shared_bedrock_policy(make) -> None:
    stack = new_stack()
    construct = make(stack, model_ids=[SONNET, US_SONNET])
    reference = BedrockInvokerInstanceRole(stack, "Reference", model_ids=[SONNET, US_SONNET])
    document = resource(stack, construct.policy)["Properties"]["PolicyDocument"]
    assert document == resource(stack, reference.policy)["Properties"]["PolicyDocument"]
    assert [s["Sid"] for s in document["Statement"]] == [
        "InvokeFoundationModels",
        "InvokeInferenceProfiles",
        "InvokeModelsThroughInferenceProfiles",
    ]
    for statement in document["Statement"]:
        assert statement["Action"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
        assert "*" not in policy_rules._as_list(statement["Resource"])
    role = resource(stack, construct.role)["Properties"]
    assert "Policies" not in role and "ManagedPolicyArns" not in role
    assert resource(stack, construct.policy)["Properties"]["Roles"] == [{"Ref": logical_id(stack, construct.role)}]
    assert policy_rules.no_bedrock_wildcards(Template.from_stack(stack).to_json()) == []


def test_default_policy_allows_every_model_of_the_region() -> None:
    stack = new_stack()
    construct = access(stack)
    [direct, profiles, routed] = resource(stack, construct.policy)["Properties"]["PolicyDocument"]["Statement"]
    assert direct["Resource"] == arn(":bedrock:us-east-1::foundation-model/*")
    region_profiles = [
        arn(":bedrock:us-east-1:111111111111:inference-profile/*"),
        arn(":bedrock:us-east-1:111111111111:application-inference-profile/*"),
    ]
    assert profiles["Resource"] == region_profiles
    assert routed["Condition"] == {"ArnLike": {"bedrock:InferenceProfileArn": region_profiles}}


def test_attributes_and_role_name() -> None:
    stack = new_stack()
    construct = access(stack, model_ids=[SONNET], role_name="app1-bedrock")
    assert construct.mode is PodAccessMode.POD_IDENTITY and construct.mode == "pod-identity"
    assert (construct.cluster_name, construct.namespace, construct.service_account) == ("prod-eks", "app1", "app1-sa")
    assert construct.model_ids == (SONNET,)
    assert stack.resolve(construct.role_arn) == {"Fn::GetAtt": [logical_id(stack, construct.role), "Arn"]}
    assert resource(stack, construct.role)["Properties"]["RoleName"] == "app1-bedrock"
    assert irsa(new_stack()).mode is PodAccessMode.IRSA
    assert access(new_stack(), mode=PodAccessMode.IRSA, oidc_issuer=ISSUER).mode is PodAccessMode.IRSA


def test_deploy_time_cluster_namespace_and_service_account() -> None:
    stack = new_stack()
    cluster = CfnParameter(stack, "Cluster").value_as_string
    namespace = CfnParameter(stack, "Namespace").value_as_string
    account = CfnParameter(stack, "ServiceAccount").value_as_string
    construct = access(stack, cluster_name=cluster, namespace=namespace, service_account=account)
    condition = trust(stack, construct)["Statement"][0]["Condition"]["StringEquals"]
    assert condition["aws:RequestTag/kubernetes-namespace"] == {"Ref": "Namespace"}
    assert condition["aws:RequestTag/kubernetes-service-account"] == {"Ref": "ServiceAccount"}
    assert resource(stack, construct.association)["Properties"]["ClusterName"] == {"Ref": "Cluster"}


def test_two_service_accounts_get_two_roles() -> None:
    stack = new_stack()
    access(stack, "App1")
    access(stack, "App2", service_account="app2-sa")
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Role", 2)
    template.resource_count_is("AWS::IAM::ManagedPolicy", 2)
    template.resource_count_is("AWS::EKS::PodIdentityAssociation", 2)


@pytest.mark.parametrize("make", [access, irsa], ids=["pod-identity", "irsa"])
@pytest.mark.parametrize("env", [Environment(region="us-east-1"), None], ids=["regional", "env-agnostic"])
def test_passes_cdk_nag(tmp_path: Path, make, env: Environment | None) -> None:
    app = App(outdir=str(tmp_path), context=cdk_json_context())
    add_compliance_checks(app)
    stack = Stack(app, "Nag", env=env)
    make(stack, "Default", install_pod_identity_agent=make is access)
    make(stack, "Models", service_account="other", model_ids=[SONNET, US_SONNET, f"global.{SONNET}"])
    app.synth()  # raises on any unacknowledged AwsSolutions or NIST 800-53 R5 finding
    report = json.loads((tmp_path / "validation-report.json").read_text())
    assert all(plugin["conclusion"] == "success" for plugin in report["pluginReports"])


_NAMESPACE_EXPECTED = (
    "is not a Kubernetes namespace name (expected an RFC 1123 label: 1 to 63 lowercase letters, digits and hyphens,"
    " starting and ending with a letter or digit)"
)
_SERVICE_ACCOUNT_EXPECTED = (
    "is not a Kubernetes service account name (expected an RFC 1123 subdomain: at most 253 lowercase letters,"
    " digits, hyphens and dots, each dot-separated part starting and ending with a letter or digit)"
)
_ISSUER_EXPECTED = f"is not an EKS OIDC issuer URL (expected e.g. {ISSUER}, with or without https://)"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"namespace": "App_1"}, f"namespace: 'App_1' {_NAMESPACE_EXPECTED}"),
        ({"namespace": "a" * 64}, f"namespace: '{'a' * 64}' {_NAMESPACE_EXPECTED}"),
        ({"namespace": "app.one"}, f"namespace: 'app.one' {_NAMESPACE_EXPECTED}"),
        ({"namespace": "-app"}, f"namespace: '-app' {_NAMESPACE_EXPECTED}"),
        ({"service_account": "App-SA"}, f"service_account: 'App-SA' {_SERVICE_ACCOUNT_EXPECTED}"),
        ({"service_account": "a" * 254}, f"service_account: '{'a' * 254}' {_SERVICE_ACCOUNT_EXPECTED}"),
        ({"service_account": "sa..x"}, f"service_account: 'sa..x' {_SERVICE_ACCOUNT_EXPECTED}"),
        (
            {"cluster_name": "-prod"},
            "cluster_name: '-prod' is not an EKS cluster name (expected 1 to 100 letters, digits, hyphens and"
            " underscores, starting with a letter or digit)",
        ),
        ({"mode": "oidc"}, "mode: 'oidc' is not an access mode (expected 'pod-identity' or 'irsa')"),
        (
            {"mode": "irsa"},
            "mode 'irsa' needs oidc_issuer, the cluster's OpenID Connect issuer URL (from 'aws eks describe-cluster"
            f" --query cluster.identity.oidc.issuer', e.g. {ISSUER})",
        ),
        (
            {"mode": "irsa", "oidc_issuer": "https://example.com/id/1"},
            f"oidc_issuer: 'https://example.com/id/1' {_ISSUER_EXPECTED}",
        ),
        (
            {"mode": "irsa", "oidc_issuer": f"http://{ISSUER_HOST}"},
            f"oidc_issuer: 'http://{ISSUER_HOST}' {_ISSUER_EXPECTED}",
        ),
        (
            {"mode": "irsa", "oidc_issuer": ISSUER, "install_pod_identity_agent": True},
            "install_pod_identity_agent only applies to mode 'pod-identity' (IRSA needs no agent)",
        ),
        (
            {"oidc_issuer": ISSUER},
            "oidc_issuer only applies to mode 'irsa' (mode 'pod-identity' uses no OIDC provider): remove oidc_issuer,"
            " or set mode to 'irsa'",
        ),
        (
            {"model_ids": ["claude"]},
            "model_ids[0]: 'claude' is not a Bedrock model id (expected a Bedrock model id such as"
            " anthropic.claude-3-5-sonnet-20240620-v1:0 or amazon.titan-text-express-v1, or an inference profile id"
            " such as us.anthropic.claude-3-5-sonnet-20240620-v1:0)",
        ),
        ({"model_ids": [SONNET, SONNET]}, f"model_ids: '{SONNET}' listed more than once"),
        ({"model_ids": SONNET}, f"model_ids: '{SONNET}' is one string (expected a list of model ids)"),
        (
            {"role_name": "a b"},
            "role_name: 'a b' is not an IAM role name (expected 1 to 64 letters, digits and _+=,.@-)",
        ),
    ],
    ids=[
        "namespace-chars",
        "namespace-long",
        "namespace-dot",
        "namespace-hyphen",
        "sa-uppercase",
        "sa-long",
        "sa-empty-part",
        "cluster",
        "mode",
        "irsa-without-issuer",
        "issuer-host",
        "issuer-http",
        "agent-with-irsa",
        "issuer-with-pod-identity",
        "model-id",
        "model-duplicate",
        "model-ids-one-string",
        "role-name",
    ],
)
def test_invalid_props_are_refused(props: dict, message: str) -> None:
    assert_refused(lambda: access(new_stack(), **props), "TestStack/App1", message)


def test_every_problem_is_reported_at_once() -> None:
    error = props_error(
        lambda: access(
            new_stack(),
            namespace="App_1",
            service_account="SA",
            cluster_name="-x",
            mode="irsa",
            install_pod_identity_agent=True,
        )
    )
    assert [problem.split(" ")[0] for problem in error.problems] == [
        "cluster_name:",
        "namespace:",
        "service_account:",
        "mode",
        "install_pod_identity_agent",
    ]


def test_a_deploy_time_issuer_is_refused() -> None:
    stack = new_stack()
    issuer = CfnParameter(stack, "Issuer").value_as_string
    assert_refused(
        lambda: irsa(stack, oidc_issuer=issuer),
        "TestStack/App1",
        "oidc_issuer: an issuer only known at deploy time cannot be used: it names the trust policy's condition keys"
        " (pass the URL from 'aws eks describe-cluster --query cluster.identity.oidc.issuer', e.g."
        f" {ISSUER})",
    )


def test_the_oidc_provider_path_of_what_is_not_an_issuer_is_refused() -> None:
    assert_refused(
        lambda: oidc_provider_path("https://example.com"),
        "oidc_provider_path",
        f"issuer: 'https://example.com' {_ISSUER_EXPECTED}",
    )


@pytest.mark.parametrize(
    ("namespace", "service_account"),
    [("a" * 63, "sa.v1-" + "b" * 200), ("0", "x")],
    ids=["longest-and-dotted", "one-character"],
)
def test_valid_kubernetes_names_are_accepted(namespace: str, service_account: str) -> None:
    """Names at the edges of the Kubernetes rules reach the association and the trust unchanged."""
    stack = new_stack()
    construct = access(stack, namespace=namespace, service_account=service_account)
    assert (construct.namespace, construct.service_account) == (namespace, service_account)
    association = resource(stack, construct.association)["Properties"]
    assert (association["Namespace"], association["ServiceAccount"]) == (namespace, service_account)
    condition = trust(stack, construct)["Statement"][0]["Condition"]["StringEquals"]
    assert condition["aws:RequestTag/kubernetes-namespace"] == namespace
    assert condition["aws:RequestTag/kubernetes-service-account"] == service_account


def test_construct_ids_are_stable() -> None:
    construct = access(new_stack(), install_pod_identity_agent=True)
    assert construct.role.node.path == "TestStack/App1/Role"
    assert construct.policy.node.path == "TestStack/App1/InvokeModelsPolicy"
    assert construct.association.node.path == "TestStack/App1/PodIdentityAssociation"
    assert construct.addon.node.path == "TestStack/App1/PodIdentityAgent"
