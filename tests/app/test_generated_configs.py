"""The whole app on generated configs (hypothesis): ``app.main`` synthesizes, or reports why not and
exits 1, naming the config file. Nothing a user can write ends in a traceback.

A config is built valid section by section (flow logs listed or all-vpcs, bucket, EKS with listed
clusters or tagged or all coverage, CloudTrail, Bedrock, discovery role, IAM, tags, organization with no
id, its coverages by default or written, its pacing, access and audit roles), then
up to two of its values are swapped for plausible mistakes. The values overlap on purpose (cluster,
namespace and service account names with hyphens, ids listed twice, the opt-in tag's key for the
public-endpoint tag), so cross-field rules are reached too. The config layer's own fuzzing is
tests/config/test_config_fuzz.py; the pod_access names that run together at a hyphen are also
tests/config/test_config_identities.py and tests/app/test_app_entry_point.py.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml
from aws_cdk import App
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

import app as app_module
from onboarding_config.partitions import partition_of
from tests.synth import cdk_json_context

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1")
ACCOUNT = "111111111111"
SUBNET_IDS = ("subnet-0a1b2c3d", "subnet-0a1b2c3d4e5f60718", "subnet-12345678", "subnet-0f1e2d3c4b5a69788")
VPC_IDS = ("vpc-0a1b2c3d", "vpc-0a1b2c3d4e5f60718", "vpc-87654321")
CLUSTERS = ("prod-eks", "a", "a-b", "dev_1")
NAMESPACES = ("app", "b-c", "c", "kube-system")
SERVICE_ACCOUNTS = ("d", "app-sa", "invoker")
MODEL_IDS = (
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "amazon.titan-text-express-v1",
    "us.anthropic.claude-3-5-sonnet-20240620-v1:0",
)
CIDRS = ("34.71.64.3/32", "34.28.60.186/32", "8.8.8.0/24", "35.190.0.1")  # the last: a host, no prefix length
ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
KEY_ID = "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"
TAG = {"key": "team/discovery", "value": "open"}
PUBLIC_TAG = {"key": "airs-discovery-public-endpoint", "value": "allow"}

#: A synth takes about 0.2 s: 100 examples keep the test near 20 s on one core, the same ones on every run;
#: HYPOTHESIS_PROFILE=thorough runs that profile's count, with new examples each time.
THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"

#: Plausible mistakes, by the key they replace (a dotted path; a missing section is created).
MISTAKES: dict[str, tuple[Any, ...]] = {
    "account": (111111111111, "11111111111", "acct-1"),
    "region": ("us-eest-1", "US-EAST-1", ""),
    "stack_name": ("1Airs", "Airs Onboarding", "a" * 129),
    "tags": ({"aws:team": "x"}, {"team": 1}, {"": "x"}, ["team"]),
    "flow_logs.subnet_ids": (
        ["subnet-12"],
        ["subnet-0A1B2C3D"],
        ["subnet-0a1b2c3d", "subnet-0a1b2c3d"],
        "subnet-0a1b2c3d",
    ),
    "flow_logs.vpc_ids": (["vpc-1"], ["subnet-0a1b2c3d"], ["vpc-0a1b2c3d", "vpc-0a1b2c3d"]),
    "flow_logs.file_format": ("csv", "Parquet"),
    "flow_logs.coverage": ("every-vpc", "ALL-VPCS", True),
    "flow_logs.exclude_tag": ({"key": "aws:reserved", "value": "off"}, {"key": "", "value": "x"}, "airs=off"),
    "flow_logs.sweep_minutes": (4, 1441, "60", 60.5),
    "flow_logs.max_aggregation_seconds": (300, "600", 600.5, True),
    "flow_logs.hourly_partitions": ("yes", 1),
    "flow_logs.bucket.name": ("My_Bucket", "xn--flow-logs", "192.168.1.1", "ab"),
    "flow_logs.bucket.existing_name": ("existing..bucket", "existing-flow-logs"),
    "flow_logs.bucket.kms_key_arn": (
        f"arn:aws:kms:eu-central-1:{ACCOUNT}:key/{KEY_ID}",
        f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/flow-logs",
    ),
    "flow_logs.bucket.retention_days": (0, -1, 36501, "365"),
    "eks.allowed_cidrs": (["10.0.0.0/8"], ["0.0.0.0/0"], ["34.71.64.3", "34.71.64.3/32"], ["34.71.64.3/24"], []),
    "eks.clusters": ([{"name": "-prod"}], [{"name": "a"}, {"name": "a"}], "prod", [{"name": "x", "public": True}]),
    "eks.coverage": ("Tagged", "every", "all-vpcs", True, None),
    "eks.opt_in_tag": (
        {"key": "aws:discovery", "value": "on"},
        {"key": "airs-onboarding:coverage", "value": "x"},
        {"key": "airs-discovery", "value": True},
        {"key": "a;b", "value": "on"},
        None,
        "airs-discovery=on",
    ),
    "eks.public_endpoint_tag": (
        {"key": "airs-discovery", "value": "allow"},  # the opt-in tag's key
        {"key": "public", "value": "a;b"},
        {"key": "", "value": "allow"},
    ),
    "eks.discovery_role_arn": ("arn:aws:iam::111111111111:user/discovery", "discovery"),
    "eks.log_group_kms_key_arn": (f"arn:aws:kms:eu-central-1:{ACCOUNT}:key/{KEY_ID}", "key"),
    "cloudtrail.existing_trail_arn": ("arn:aws:cloudtrail:us-east-1:111111111111:trail/x", "my-trail"),
    "cloudtrail.trail_name": ("a..b", "ab", "192.168.1.1"),
    "cloudtrail.retention_days": (0, "forever"),
    "bedrock.model_ids": (["gpt-4"], [MODEL_IDS[0], MODEL_IDS[0]], [""]),
    "bedrock.pod_access": (
        [
            {"cluster": "a-b", "namespace": "c", "service_account": "d"},
            {"cluster": "a", "namespace": "b-c", "service_account": "d"},
        ],
        [{"cluster": "prod", "namespace": "App", "service_account": "d"}],
        [{"cluster": "prod", "namespace": "app", "service_account": "d", "mode": "irsa"}],
        [{"cluster": "prod", "namespace": "app", "service_account": "d", "oidc_issuer": ISSUER}],
    ),
    "discovery_role.external_id": ("x", ""),
    "discovery_role.trusted_principal_arn": ("999999999999", "arn:aws:iam::999999999999:user/discovery"),
    "discovery_role.allow_sensitive_reads": (["ec2:GetPasswordData"], ["s3:GetObject"]),
    "iam.permissions_boundary_arn": ("arn:aws:iam::111111111111:role/boundary", "boundary"),
    "iam.role_name_prefix": ("airs prefix", "a" * 33, ""),
    "organization.organizational_units": (["ou-1"], [], ["r-ab12", "r-ab12"]),
    "organization.regions": (["us-eest-1"], [], ["us-east-1", "us-east-1"]),
    "organization.max_concurrent_percentage": (0, 101, "25"),
    "organization.account_overrides": (
        {"222222222222": {}},
        {"2222": {"subnet_ids": ["subnet-0a1b2c3d"]}},
        {"222222222222": {"vpc_ids": ["vpc-0a1b2c3d"], "clusters": [{"name": "dev-eks"}]}},
    ),
    "organization.concurrency_mode": ("SOFT", "strict_failure_tolerance", 1),
    "organization.access_role_name": ("Organization Access Role", "arn:aws:iam::111111111111:role/Admin", ""),
    "organization.audit_role": (True, "yes"),
    "organization.audit_external_id": ("x", "not allowed!", "0123456789abcdef"),
}


def key_arn(region: str) -> str:
    return f"arn:{partition_of(region)}:kms:{region}:{ACCOUNT}:key/{KEY_ID}"


def optional(draw: st.DrawFn, section: dict[str, Any], key: str, values: st.SearchStrategy[Any]) -> None:
    if draw(st.booleans()):
        section[key] = draw(values)


def some(values: tuple[Any, ...], *, min_size: int = 0, max_size: int = 3) -> st.SearchStrategy[list[Any]]:
    return st.lists(st.sampled_from(values), min_size=min_size, max_size=max_size, unique=True)


@st.composite
def valid_sections(draw: st.DrawFn) -> dict[str, Any]:
    """A config each section of which is valid; cross-section rules may still refuse it."""
    region = draw(st.sampled_from(REGIONS))
    organization = draw(st.integers(0, 3)) == 0
    config: dict[str, Any] = {"region": region}
    optional(draw, config, "account", st.just(ACCOUNT))
    optional(draw, config, "stack_name", st.sampled_from(["AirsOnboarding", "Airs-Test-1"]))
    optional(draw, config, "tags", st.dictionaries(st.sampled_from(["team", "cost-center"]), st.just("x"), max_size=2))

    bucket: dict[str, Any] = {}
    if not organization and draw(st.booleans()):
        bucket["existing_name"] = "existing-flow-logs"
    else:
        if not organization:
            optional(draw, bucket, "name", st.just("my-flow-logs-bucket"))
            optional(draw, bucket, "kms_key_arn", st.just(key_arn(region)))
        optional(draw, bucket, "retention_days", st.sampled_from([1, 365, None]))
    if organization or draw(st.booleans()):
        # Every VPC of the account and region, kept by the coverage sweep: no ids (in an organization, the
        # default: ids belong to one account and region).
        flow_logs: dict[str, Any] = {} if organization and draw(st.booleans()) else {"coverage": "all-vpcs"}
        optional(draw, flow_logs, "exclude_tag", st.sampled_from([None, {"key": "airs-discovery", "value": "off"}]))
        optional(draw, flow_logs, "sweep_minutes", st.sampled_from([5, 60, 1440]))
    else:
        flow_logs = {"subnet_ids": draw(some(SUBNET_IDS, min_size=1))}
        optional(draw, flow_logs, "vpc_ids", some(VPC_IDS))
    optional(draw, flow_logs, "file_format", st.sampled_from(["plain-text", "parquet"]))
    optional(draw, flow_logs, "max_aggregation_seconds", st.sampled_from([60, 600]))
    optional(draw, flow_logs, "hourly_partitions", st.booleans())
    optional(draw, flow_logs, "include_ecs_fields", st.booleans())
    if bucket:
        flow_logs["bucket"] = bucket
    config["flow_logs"] = flow_logs

    create_role = draw(st.booleans())
    if create_role:
        config["discovery_role"] = {
            "trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery",
            "external_id": "airs-example-external-id",
        }
        optional(draw, config["discovery_role"], "allow_sensitive_reads", some(("lambda:GetFunction",)))
    if draw(st.booleans()):
        # In an organization: tagged (the default there) or all; cluster names belong to one account and region.
        coverage = draw(st.sampled_from([None, "tagged", "all"] if organization else [None, "listed", "tagged", "all"]))
        eks: dict[str, Any] = {} if coverage is None else {"coverage": coverage}
        if coverage == "listed" or (coverage is None and not organization):
            eks["clusters"] = [
                {"name": name, "enable_public_endpoint": draw(st.booleans())} for name in draw(some(CLUSTERS))
            ]
        else:
            # The runner opens the clusters: no names; tagged ones by their tag.
            if coverage == "tagged":
                optional(draw, eks, "opt_in_tag", st.sampled_from([{"key": "airs-discovery", "value": "on"}, TAG]))
            optional(draw, eks, "public_endpoint_tag", st.sampled_from([None, PUBLIC_TAG]))
        if not create_role:
            eks["discovery_role_arn"] = f"arn:{partition_of(region)}:iam::{ACCOUNT}:role/airs-discovery"
        optional(draw, eks, "allowed_cidrs", some(CIDRS, min_size=1))
        if not organization:
            optional(draw, eks, "log_group_kms_key_arn", st.just(key_arn(region)))
        config["eks"] = eks

    if draw(st.booleans()):
        if draw(st.booleans()):
            cloudtrail: dict[str, Any] = {
                "existing_trail_arn": f"arn:{partition_of(region)}:cloudtrail:{region}:{ACCOUNT}:trail/org-trail"
            }
        else:
            cloudtrail = {}
            optional(draw, cloudtrail, "bedrock_data_events", st.booleans())
            optional(draw, cloudtrail, "trail_name", st.just("airs-bedrock-audit-2"))
            optional(draw, cloudtrail, "retention_days", st.sampled_from([30, None]))
            if not organization:
                optional(draw, cloudtrail, "kms_key_arn", st.just(key_arn(region)))
        config["cloudtrail"] = cloudtrail

    if draw(st.booleans()):
        bedrock: dict[str, Any] = {}
        optional(draw, bedrock, "model_ids", some(MODEL_IDS))
        optional(draw, bedrock, "ec2_role", st.booleans())
        if not organization:
            optional(draw, bedrock, "pod_access", st.lists(pod_access(), max_size=3))
        config["bedrock"] = bedrock

    if draw(st.booleans()):
        iam: dict[str, Any] = {}
        optional(draw, iam, "permissions_boundary_arn", st.just(f"arn:{partition_of(region)}:iam::{ACCOUNT}:policy/b"))
        optional(draw, iam, "role_name_prefix", st.sampled_from(["airs-", "x"]))
        config["iam"] = iam

    if organization:
        section: dict[str, Any] = {
            "organizational_units": ["ou-abcd-12345678"],
            "regions": draw(some(REGIONS[:3], min_size=1, max_size=2)),
        }
        optional(draw, section, "call_as", st.sampled_from(["SELF", "DELEGATED_ADMIN"]))
        optional(draw, section, "exclude_accounts", st.just(["333333333333"]))
        optional(
            draw, section, "concurrency_mode", st.sampled_from(["SOFT_FAILURE_TOLERANCE", "STRICT_FAILURE_TOLERANCE"])
        )
        optional(draw, section, "failure_tolerance_percentage", st.sampled_from([0, 10, 100]))
        optional(
            draw,
            section,
            "access_role_name",
            st.sampled_from(["OrganizationAccountAccessRole", "AWSControlTowerExecution"]),
        )
        if draw(st.booleans()):
            section |= {"audit_role": True, "audit_external_id": "0123456789abcdef0123456789abcdef"}
        config["organization"] = section
    return config


@st.composite
def pod_access(draw: st.DrawFn) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "cluster": draw(st.sampled_from(CLUSTERS)),
        "namespace": draw(st.sampled_from(NAMESPACES)),
        "service_account": draw(st.sampled_from(SERVICE_ACCOUNTS)),
    }
    if draw(st.booleans()):
        entry |= {"mode": "irsa", "oidc_issuer": ISSUER}
    else:
        optional(draw, entry, "install_pod_identity_agent", st.booleans())
    return entry


def with_value(config: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(config)
    *sections, key = path.split(".")
    where = changed
    for section in sections:
        where = where.setdefault(section, {})
    where[key] = copy.deepcopy(value)
    return changed


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    """A valid-by-section config with up to two of its values replaced by plausible mistakes."""
    config = draw(valid_sections())
    for path in draw(st.lists(st.sampled_from(sorted(MISTAKES)), max_size=2, unique=True)):
        config = with_value(config, path, draw(st.sampled_from(MISTAKES[path])))
    return config


def run_app(config: dict[str, Any], workdir: Path) -> tuple[int, str]:
    """``cdk synth --context config=<file>`` in-process: app.main on an App with cdk.json's context."""
    config_file = workdir / "config.yaml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    app = App(
        outdir=str(workdir / "cdk.out"),
        context={**cdk_json_context(), "config": str(config_file)},
        builtin_cloud_formation_validation=False,  # as app.py without CDK_VALIDATION=true
    )
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        status = app_module.main(app)  # any exception but the reported ones fails the test here
    return status, stderr.getvalue()


def reported_error(stderr: str, config_file: Path) -> str:
    """Which of app.py's reports ``stderr`` is: each names the config file first. Fails on anything else
    (a cdk-nag finding included: every config the config layer accepts must synthesize clean)."""
    header, _, _ = stderr.partition("\n")
    where = re.escape(f"{config_file}: ")
    if re.fullmatch(where + r"\d+ problems?; nothing was synthesized or deployed\.", header):
        return "ConfigError"
    if re.fullmatch(
        where + r"\d+ problems? found while building the stacks; nothing was synthesized or deployed\.", header
    ):
        return "PropsError"
    if re.match(where, header) and stderr.endswith(
        ("\nNothing was synthesized.\n", "\nDo not deploy this cloud assembly.\n")
    ):
        return "LimitError"
    raise AssertionError(f"not one of app.py's reports:\n{stderr}")


@settings(max_examples=settings.default.max_examples if THOROUGH else 100, deadline=None, derandomize=not THOROUGH)
@given(configs())
@example(
    {
        "region": "us-east-1",
        "flow_logs": {"subnet_ids": ["subnet-0a1b2c3d"]},
        "bedrock": {
            "pod_access": [
                {"cluster": "a-b", "namespace": "c", "service_account": "d"},
                {"cluster": "a", "namespace": "b-c", "service_account": "d"},
            ]
        },
    }
)
@example(
    {
        "region": "eu-west-1",
        "flow_logs": {},
        "eks": {"discovery_role_arn": f"arn:aws:iam::{ACCOUNT}:role/airs-discovery"},
        "organization": {
            "organizational_units": ["ou-abcd-12345678"],
            "regions": ["eu-west-1", "us-east-1"],
            "concurrency_mode": "STRICT_FAILURE_TOLERANCE",
            "audit_role": True,
            "audit_external_id": "0123456789abcdef0123456789abcdef",
        },
    }
)
@example(
    {
        "region": "eu-west-1",
        "flow_logs": {"coverage": "listed", "subnet_ids": ["subnet-0a1b2c3d"]},
        "eks": {
            "coverage": "listed",
            "clusters": [{"name": "prod-eks"}],
            "discovery_role_arn": f"arn:aws:iam::{ACCOUNT}:role/airs-discovery",
        },
        "organization": {
            "organizational_units": ["ou-abcd-12345678"],
            "regions": ["eu-west-1"],
            "account_overrides": {"222222222222": {"clusters": [{"name": "prod-eks"}]}},
        },
    }
)
def test_the_app_synthesizes_or_reports_the_config_and_exits_1(config: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="generated-config-") as directory:
        workdir = Path(directory)
        status, stderr = run_app(config, workdir)
        assert "Traceback" not in stderr
        if status == 0:
            event("synthesized")
            organization = isinstance(config.get("organization"), dict)
            if isinstance(config.get("eks"), dict):
                default = "tagged" if organization else "listed"
                event(f"synthesized with eks.coverage {config['eks'].get('coverage', default)}")
            if organization:
                event("synthesized an organization rollout")
            assert list((workdir / "cdk.out").glob("*.template.json"))
        else:
            assert status == 1
            event(f"reported: {reported_error(stderr, workdir / 'config.yaml')}")
