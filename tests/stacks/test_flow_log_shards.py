"""Large estates: flow logs move to hash-sharded stacks beyond the account stack's budget, stay put
when ids are added or removed, and every stack stays within CloudFormation's limits."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnResource, Stack
from cfnlint.api import lint_file

from app import main
from onboarding_app.assembly import add_stacks
from onboarding_app.limits import MAX_TEMPLATE_BYTES, LimitError, check_template_sizes
from onboarding_config.loader import config_from_mapping
from stacks import AccountOnboardingStack, flow_log_shards
from stacks.flow_log_shards import MAX_RESOURCES, RESOURCE_BUDGET, SHARDS, FlowLogShardStack, resource_count, shard_of
from tests.synth import Synthesized, synthesize

ROLE = "arn:aws:iam::111111111111:role/airs-discovery"


def subnets(count: int, start: int = 1) -> list[str]:
    return [f"subnet-{n:017x}" for n in range(start, start + count)]


def estate(subnet_ids: list[str], clusters: int = 0, **extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "region": "us-east-1",
        "stack_name": "AirsEstate",
        "tags": {"team": "platform"},
        "flow_logs": {"subnet_ids": subnet_ids},
    }
    if clusters:
        config["eks"] = {"discovery_role_arn": ROLE, "clusters": [{"name": f"cluster-{n}"} for n in range(clusters)]}
    return config | extra


def compose(config: dict[str, Any]) -> AccountOnboardingStack:
    """The stacks of a config, constructed but not synthesized (fast)."""
    stack = add_stacks(App(), config_from_mapping(config, source="test"))
    assert isinstance(stack, AccountOnboardingStack)
    return stack


def shards_of(stack: AccountOnboardingStack) -> list[FlowLogShardStack]:
    """The shard stacks the app added beside ``stack``."""
    assert stack.node.scope is not None
    return [child for child in stack.node.scope.node.children if isinstance(child, FlowLogShardStack)]


def placement(stack: AccountOnboardingStack) -> dict[str, tuple[str, str]]:
    """subnet id -> (stack name, logical id) of its flow log."""
    homes = [stack.flow_logs] if stack.flow_logs else [shard.flow_logs for shard in shards_of(stack)]
    return {
        resource_id: (Stack.of(flow_log).stack_name, Stack.of(flow_log).resolve(flow_log.logical_id))
        for flow_logs in homes
        for resource_id, flow_log in flow_logs.flow_logs.items()
    }


# --- placement ---------------------------------------------------------------------------------------------


def test_shard_of_is_a_fixed_function_of_the_id() -> None:
    ids = subnets(2000)
    assert [shard_of(i) for i in ids] == [shard_of(i) for i in ids]
    loads = Counter(shard_of(i) for i in ids)
    assert set(loads) == set(range(SHARDS))
    assert max(loads.values()) < 1.25 * len(ids) / SHARDS  # even enough that 8 stacks hold ~3000 subnets
    assert shard_of("subnet-0a1b2c3d4e5f60718") == shard_of("subnet-0a1b2c3d4e5f60718")


def test_flow_logs_stay_in_the_account_stack_up_to_the_budget() -> None:
    base = (
        resource_count(compose(estate(subnets(1))).node.scope.node.find_child("AirsEstate")) - 1
    )  # buckets and policies
    fits = compose(estate(subnets(RESOURCE_BUDGET - base)))
    assert fits.flow_logs is not None and fits.sharded_flow_logs is None and shards_of(fits) == []
    assert resource_count(fits) == RESOURCE_BUDGET
    over = compose(estate(subnets(RESOURCE_BUDGET - base + 1)))
    assert over.flow_logs is None
    assert {shard.stack_name for shard in shards_of(over)} <= {f"AirsEstate-FlowLogs{n}" for n in range(SHARDS)}
    assert sum(len(shard.flow_logs.flow_logs) for shard in shards_of(over)) == RESOURCE_BUDGET - base + 1


def test_adding_or_removing_subnets_moves_no_other_flow_log() -> None:
    ids = subnets(600)
    before = placement(compose(estate(ids)))
    added = placement(compose(estate(subnets(5, start=10_000) + ids)))  # new ids first: order does not matter
    kept = ids[5:]
    removed = placement(compose(estate(kept)))
    assert {i: added[i] for i in ids} == before
    assert {i: removed[i] for i in kept} == {i: before[i] for i in kept}


def test_crossing_the_budget_moves_the_flow_logs_once() -> None:
    """The one move there is: an estate that grows past the budget, or shrinks back under it."""
    small = placement(compose(estate(subnets(300))))
    large = placement(compose(estate(subnets(600))))
    assert {home for home, _ in small.values()} == {"AirsEstate"}
    assert "AirsEstate" not in {home for home, _ in large.values()}


def test_shard_stacks_share_the_environment() -> None:
    stack = compose(estate(subnets(600)) | {"account": "111111111111"})
    assert len(shards_of(stack)) == SHARDS
    for shard in shards_of(stack):
        assert (shard.account, shard.region) == ("111111111111", "us-east-1")


# --- a large estate, synthesized ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """1000 subnets and 50 clusters, with the cdk-nag packs on (a finding raises)."""
    return synthesize(
        estate(subnets(1000), clusters=50, cloudtrail={}, bedrock={"ec2_role": True}), tmp_path_factory.mktemp("large")
    )


def test_large_estate_fits_every_limit(large: Synthesized) -> None:
    out = large.template_path.parent
    manifest = json.loads((out / "manifest.json").read_text())
    stacks = {name: a for name, a in manifest["artifacts"].items() if a["type"] == "aws:cloudformation:stack"}
    assert len(stacks) == 1 + SHARDS
    flow_logs = 0
    for name, artifact in stacks.items():
        path = out / artifact["properties"]["templateFile"]
        template = json.loads(path.read_text())
        assert len(template["Resources"]) <= MAX_RESOURCES and path.stat().st_size <= MAX_TEMPLATE_BYTES, name
        flow_logs += sum(r["Type"] == "AWS::EC2::FlowLog" for r in template["Resources"].values())
        if name != "AirsEstate":
            assert "AirsEstate" in artifact["dependencies"]  # the bucket and its policy come first
    assert flow_logs == 1000


def test_shard_flow_logs_write_to_the_account_stacks_bucket(large: Synthesized) -> None:
    out = large.template_path.parent
    shard = json.loads((out / "AirsEstate-FlowLogs0.template.json").read_text())
    destinations = {json.dumps(r["Properties"]["LogDestination"]) for r in shard["Resources"].values()}
    [destination] = destinations
    assert "AirsEstate" in destination and "FlowLogBucket" in destination
    assert [str(m) for m in lint_file(out / "AirsEstate-FlowLogs0.template.json")] == []
    # The config's tags reach the shard stacks too.
    assert all({"Key": "team", "Value": "platform"} in r["Properties"]["Tags"] for r in shard["Resources"].values())


# --- limits ---------------------------------------------------------------------------------------------------


def test_too_many_clusters_for_one_stack_is_refused_with_the_fix() -> None:
    with pytest.raises(LimitError) as info:
        compose(estate(subnets(1), clusters=250))
    # 250 clusters: an access entry and its custom resource each, plus the account stack's own 8.
    assert str(info.value) == (
        "stack AirsEstate would hold 508 resources (Custom::EksClusterAccess x250, AWS::EKS::AccessEntry x250,"
        f" AWS::S3::Bucket x2, ...), and CloudFormation allows {MAX_RESOURCES}. Split eks.clusters and"
        " bedrock.pod_access over several configs, each with its own stack_name."
    )


def test_an_overfull_shard_is_refused_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flow_log_shards, "SHARDS", 1)
    with pytest.raises(LimitError) as info:
        compose(estate(subnets(MAX_RESOURCES + 1)))
    # The message names the app's shard count (onboarding_app.limits.SHARDS), which the patch above leaves alone.
    assert str(info.value) == (
        f"stack AirsEstate-FlowLogs0 would hold {MAX_RESOURCES + 1} flow logs, and CloudFormation allows"
        f" {MAX_RESOURCES} resources per stack: the subnets and VPCs do not fit in {SHARDS} flow log stacks. Log whole"
        " VPCs (flow_logs.vpc_ids) instead of their subnets, or split them over several configs, each with its own"
        " stack_name."
    )


def test_a_limit_stops_the_app_with_a_message_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "big.yaml"
    config.write_text(json.dumps(estate(subnets(1), clusters=250)))
    assert main(App(outdir=str(tmp_path / "out"), context={"config": str(config)})) == 1
    err = capsys.readouterr().err
    assert f"{config}: stack AirsEstate would hold" in err and err.rstrip().endswith("Nothing was synthesized.")
    assert "Traceback" not in err


def test_template_size_limit(tmp_path: Path) -> None:
    (tmp_path / "Small.template.json").write_text("{}")
    check_template_sizes(tmp_path)
    (tmp_path / "Big.template.json").write_text(" " * (MAX_TEMPLATE_BYTES + 1))
    with pytest.raises(LimitError, match=r"Big.template.json is 1,000,001 bytes, and CloudFormation allows 1,000,000"):
        check_template_sizes(tmp_path)


def test_every_flow_log_is_a_resource_of_its_stack(large: Synthesized) -> None:
    stack = large.stack
    assert isinstance(stack, AccountOnboardingStack)
    for shard in shards_of(stack):
        own = [n for n in shard.node.find_all() if isinstance(n, CfnResource)]
        assert own and all(Stack.of(n) is shard for n in own)


def test_an_account_stack_alone_leaves_the_overflow_to_the_app() -> None:
    """The stack composes; the app adds the shard stacks beside it (``add_shard_stacks``)."""
    app = App()
    ids = subnets(600)
    stack = AccountOnboardingStack(app, "AirsEstate", config=config_from_mapping(estate(ids), source="test"))
    sharded = stack.sharded_flow_logs
    assert stack.flow_logs is None and sharded is not None
    assert list(sharded.subnet_ids) == ids and list(sharded.vpc_ids) == []
    assert sharded.bucket is stack.flow_log_bucket.bucket
    assert [child for child in app.node.children if isinstance(child, Stack)] == [stack]
    shards = flow_log_shards.add_shard_stacks(app, "AirsEstate", sharded, env=None, description="Estate")
    assert sorted(shard.node.id for shard in shards) == [f"AirsEstate-FlowLogs{n}" for n in range(SHARDS)]
    assert all(shard.template_options.description.startswith("Estate: flow logs of shard") for shard in shards)
    assert sorted(i for shard in shards for i in shard.flow_logs.flow_logs) == sorted(ids)
