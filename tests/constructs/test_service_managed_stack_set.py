"""ServiceManagedStackSet: defaults, the one stack-instance group, pacing, every error message."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import CfnParameter, Stack
from aws_cdk.assertions import Match, Template

from onboarding_constructs import ConcurrencyMode, ServiceManagedStackSet
from tests.conftest import new_stack
from tests.constructs.props_errors import assert_refused
from tests.gates import stack_set_provider as provider

URL = "https://bucket.s3.us-east-1.amazonaws.com/member.json"
OU = "ou-abcd-12345678"
REGIONS = ["us-east-1", "eu-west-1"]


def stack_set_in(stack: Stack, **props: Any) -> ServiceManagedStackSet:
    return ServiceManagedStackSet(
        stack,
        "StackSet",
        **{"template_url": URL, "stack_set_name": "Members", "organizational_units": [OU], "regions": REGIONS, **props},
    )


def properties(**props: Any) -> dict[str, Any]:
    stack = new_stack()
    stack_set_in(stack, **props)
    [resource] = Template.from_stack(stack).find_resources("AWS::CloudFormation::StackSet").values()
    return resource["Properties"]


def groups(**props: Any) -> list[dict[str, Any]]:
    found = properties(**props)
    # Whatever the targets, the provider accepts them and each OU is in one group.
    assert provider.provider_error(found) is None
    assert provider.ous_in_more_than_one_group(found) == []
    return found["StackInstancesGroup"]


def test_defaults() -> None:
    stack = new_stack()
    construct = stack_set_in(stack)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::CloudFormation::StackSet", 1)
    template.has_resource_properties(
        "AWS::CloudFormation::StackSet",
        {
            "StackSetName": "Members",
            "TemplateURL": URL,
            "PermissionModel": "SERVICE_MANAGED",
            "CallAs": "SELF",
            "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
            "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": True},
            "ManagedExecution": {"Active": True},
            "OperationPreferences": {
                "RegionConcurrencyType": "PARALLEL",
                "MaxConcurrentPercentage": 25,
                "FailureTolerancePercentage": 10,
                "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE",
            },
            "Parameters": Match.absent(),
            "Description": Match.absent(),
        },
    )
    assert construct.node.default_child is construct.stack_set
    assert stack.resolve(construct.stack_set_id) == {
        "Fn::GetAtt": [stack.get_logical_id(construct.stack_set), "StackSetId"]
    }


def test_logical_id_is_the_construct_id_directly_under_a_stack() -> None:
    """So a stack that moves its L1 StackSet into this construct, under the same id, keeps the StackSet."""
    stack = new_stack()
    construct = stack_set_in(stack)
    assert stack.get_logical_id(construct.stack_set) == construct.node.id


def test_every_prop() -> None:
    stack = new_stack()
    stack_set_in(
        stack,
        call_as="DELEGATED_ADMIN",
        auto_deploy=True,
        retain_stacks_on_account_removal=False,
        max_concurrent_percentage=100,
        failure_tolerance_percentage=0,
        concurrency_mode=ConcurrencyMode.STRICT_FAILURE_TOLERANCE,
        parameters={"AdministratorAccountId": "111111111111"},
        capabilities=["CAPABILITY_IAM"],
        description="Onboarding",
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::CloudFormation::StackSet",
        {
            "CallAs": "DELEGATED_ADMIN",
            "Capabilities": ["CAPABILITY_IAM"],
            "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": False},
            "OperationPreferences": {
                "MaxConcurrentPercentage": 100,
                "FailureTolerancePercentage": 0,
                "ConcurrencyMode": "STRICT_FAILURE_TOLERANCE",
            },
            "Parameters": [{"ParameterKey": "AdministratorAccountId", "ParameterValue": "111111111111"}],
            "Description": "Onboarding",
        },
    )


def test_the_concurrency_mode_may_be_given_as_the_api_spells_it() -> None:
    stack = new_stack()
    stack_set_in(stack, concurrency_mode="STRICT_FAILURE_TOLERANCE")
    Template.from_stack(stack).has_resource_properties(
        "AWS::CloudFormation::StackSet", {"OperationPreferences": {"ConcurrencyMode": "STRICT_FAILURE_TOLERANCE"}}
    )


def test_parameters_are_one_set_for_every_account_and_region() -> None:
    """The StackSet's own parameter values, never a group's overrides: the provider allows one parameter set per OU."""
    found = properties(
        parameters={"AdministratorAccountId": "111111111111", "Mode": "strict"}, exclude_accounts=["999999999999"]
    )
    assert found["Parameters"] == [
        {"ParameterKey": "AdministratorAccountId", "ParameterValue": "111111111111"},
        {"ParameterKey": "Mode", "ParameterValue": "strict"},
    ]
    [group] = found["StackInstancesGroup"]
    assert "ParameterOverrides" not in group
    assert provider.provider_error(found) is None


@pytest.mark.parametrize("retain", [True, False])
def test_retain_is_left_out_without_auto_deployment(retain: bool) -> None:
    stack = new_stack()
    stack_set_in(stack, auto_deploy=False, retain_stacks_on_account_removal=retain)
    # CloudFormation accepts RetainStacksOnAccountRemoval only with auto-deployment on.
    Template.from_stack(stack).has_resource_properties(
        "AWS::CloudFormation::StackSet", {"AutoDeployment": Match.object_equals({"Enabled": False})}
    )


def test_every_account_of_the_units_when_nothing_narrows_them() -> None:
    assert groups() == [{"DeploymentTargets": {"OrganizationalUnitIds": [OU]}, "Regions": REGIONS}]


def test_exclude_accounts_are_left_out() -> None:
    assert groups(exclude_accounts=["999999999999"]) == [
        {
            "DeploymentTargets": {
                "OrganizationalUnitIds": [OU],
                "AccountFilterType": "DIFFERENCE",
                "Accounts": ["999999999999"],
            },
            "Regions": REGIONS,
        }
    ]


def test_include_accounts_are_the_only_targets() -> None:
    assert groups(include_accounts=["222222222222", "444444444444"]) == [
        {
            "DeploymentTargets": {
                "OrganizationalUnitIds": [OU],
                "AccountFilterType": "INTERSECTION",
                "Accounts": ["222222222222", "444444444444"],
            },
            "Regions": REGIONS,
        }
    ]


def test_several_ous_are_one_group() -> None:
    assert groups(organizational_units=[OU, "r-ab12"], include_accounts=["222222222222"]) == [
        {
            "DeploymentTargets": {
                "OrganizationalUnitIds": [OU, "r-ab12"],
                "AccountFilterType": "INTERSECTION",
                "Accounts": ["222222222222"],
            },
            "Regions": REGIONS,
        }
    ]


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"organizational_units": []},
            "organizational_units: empty (expected at least one OU id, e.g. 'ou-abcd-12345678')",
        ),
        (
            {"organizational_units": [OU, "ou-AB12-cd345678"]},
            "organizational_units[1]: 'ou-AB12-cd345678' is not an organizational unit id (expected ou-<4 to 32"
            " lowercase letters or digits>-<8 to 32 more>, e.g. ou-ab12-cd345678, or the root id r-<4 to 32>)",
        ),
        ({"organizational_units": [OU, OU]}, f"organizational_units: '{OU}' listed more than once"),
        ({"regions": []}, "regions: empty (expected at least one region, e.g. 'us-east-1')"),
        ({"regions": ["us-east-1", "us-east-1"]}, "regions: 'us-east-1' listed more than once"),
        ({"regions": "us-east-1"}, "regions: 'us-east-1' is one string (expected a list of regions)"),
        (
            {"include_accounts": ["22222222222"]},
            "include_accounts[0]: '22222222222' is not an AWS account id (expected exactly 12 digits)",
        ),
        (
            {"exclude_accounts": ["222222222222", "222222222222"]},
            "exclude_accounts: '222222222222' listed more than once",
        ),
        (
            {"include_accounts": ["222222222222"], "exclude_accounts": ["333333333333"]},
            "include_accounts and exclude_accounts cannot both be given: list the accounts to deploy to in"
            " include_accounts, or the accounts to leave out in exclude_accounts",
        ),
        (
            {"parameters": {"Administrator-Account": "111111111111"}},
            "parameters: 'Administrator-Account' is not a parameter name (expected 1 to 255 letters and digits, as"
            " the template names them)",
        ),
        (
            {"parameters": {"A": "b", "Count": 3}},
            "parameters: the value of 'Count' is not a string (CloudFormation passes parameters as text)",
        ),
        (
            {"concurrency_mode": "SOFT"},
            "concurrency_mode: 'SOFT' is not allowed (expected 'SOFT_FAILURE_TOLERANCE', which deploys to up to"
            " max_concurrent_percentage of the accounts at once, or 'STRICT_FAILURE_TOLERANCE', which deploys to at"
            " most failure_tolerance_percentage of them + 1 at once)",
        ),
        (
            {"max_concurrent_percentage": 0},
            "max_concurrent_percentage: 0 is out of range (expected a whole percentage from 1 to 100)",
        ),
        (
            {"max_concurrent_percentage": 101},
            "max_concurrent_percentage: 101 is out of range (expected a whole percentage from 1 to 100)",
        ),
        (
            {"max_concurrent_percentage": 2.5},
            "max_concurrent_percentage: 2.5 is out of range (expected a whole percentage from 1 to 100)",
        ),
        (
            {"failure_tolerance_percentage": -1},
            "failure_tolerance_percentage: -1 is out of range (expected a whole percentage from 0 to 100)",
        ),
        (
            {"failure_tolerance_percentage": 101},
            "failure_tolerance_percentage: 101 is out of range (expected a whole percentage from 0 to 100)",
        ),
        (
            {"call_as": "ADMIN"},
            "call_as: 'ADMIN' is not allowed (expected 'SELF' in the management account or 'DELEGATED_ADMIN' in a"
            " delegated administrator account)",
        ),
    ],
)
def test_error_messages(props: dict[str, Any], message: str) -> None:
    assert_refused(lambda: stack_set_in(new_stack(), **props), "TestStack/StackSet", message)


def test_every_problem_is_reported_at_once() -> None:
    assert_refused(
        lambda: stack_set_in(new_stack(), organizational_units=[], regions=[], call_as="ADMIN"),
        "TestStack/StackSet",
        "organizational_units: empty (expected at least one OU id, e.g. 'ou-abcd-12345678')",
        "regions: empty (expected at least one region, e.g. 'us-east-1')",
        "call_as: 'ADMIN' is not allowed (expected 'SELF' in the management account or 'DELEGATED_ADMIN' in a"
        " delegated administrator account)",
    )


def test_deploy_time_values_are_not_checked() -> None:
    stack = new_stack()
    account = CfnParameter(stack, "Account").value_as_string
    included = CfnParameter(stack, "Included").value_as_string
    stack_set_in(
        stack,
        include_accounts=[included],
        parameters={"AdministratorAccountId": account},
        concurrency_mode=CfnParameter(stack, "Mode").value_as_string,
        call_as=CfnParameter(stack, "CallAs").value_as_string,
        max_concurrent_percentage=CfnParameter(stack, "Concurrency", type="Number").value_as_number,
        failure_tolerance_percentage=CfnParameter(stack, "Tolerance", type="Number").value_as_number,
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::CloudFormation::StackSet",
        {
            "CallAs": {"Ref": "CallAs"},
            "OperationPreferences": {
                "MaxConcurrentPercentage": {"Ref": "Concurrency"},
                "ConcurrencyMode": {"Ref": "Mode"},
            },
            "Parameters": [{"ParameterKey": "AdministratorAccountId", "ParameterValue": {"Ref": "Account"}}],
        },
    )
