"""The config file's shape: a typed, validated, read-only object (pydantic v2).

Key names are the user-facing contract (see the README's config reference). Unknown keys are
errors, so a typo never silently falls back to a default. Values are strict: ``"600"`` is not 600
and ``yes`` in quotes is not true. ``load_config`` in ``config_loader`` turns a file into this;
the value types and their checks are in ``config_types``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from onboarding_constructs.eks_discovery_access import DISCOVERY_CIDRS, MAX_PUBLIC_CIDRS
from onboarding_constructs.identifiers import kms_key_arn_problem

from .config_types import (
    AccountId,
    BucketName,
    ClusterName,
    KmsKeyArn,
    PublicCidrs,
    ReadOnlyDict,
    Region,
    RoleArn,
    StackName,
    SubnetIds,
    Tags,
    VpcIds,
    invalid,
    list_as_tuple,
    whole_number,
)

DEFAULT_STACK_NAME = "AirsOnboarding"
DEFAULT_RETENTION_DAYS = 365


class Section(BaseModel):
    """Shared rules: unknown keys are errors, no type coercion, and the result is read-only."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class BucketConfig(Section):
    """``flow_logs.bucket``: the bucket the flow logs are written to."""

    name: BucketName | None = None
    existing_name: BucketName | None = None
    kms_key_arn: KmsKeyArn | None = None
    retention_days: Annotated[int, Field(ge=1, le=36500)] | None = DEFAULT_RETENTION_DAYS

    @model_validator(mode="after")
    def _existing_bucket_is_used_as_is(self) -> BucketConfig:
        if self.existing_name is None:
            return self
        clashes = [
            key
            for key in ("name", "kms_key_arn", "retention_days")
            if key in self.model_fields_set and getattr(self, key) is not None
        ]
        if clashes:
            raise invalid(
                f"existing_name cannot be combined with {', '.join(clashes)}: those shape a new bucket, and an existing"
                " bucket is used exactly as it is (its policy, encryption and lifecycle are never changed)."
                f" Remove {', '.join(clashes)} (or set to null), or remove existing_name to create a bucket."
            )
        return self


class FlowLogsConfig(Section):
    """``flow_logs``: which subnets and VPCs get flow logs, and how they are written."""

    subnet_ids: SubnetIds = ()
    vpc_ids: VpcIds = ()
    hourly_partitions: bool = True
    file_format: Literal["plain-text", "parquet"] = "plain-text"
    max_aggregation_seconds: Annotated[Literal[60, 600], BeforeValidator(whole_number)] = 600
    include_ecs_fields: bool = False
    bucket: BucketConfig = BucketConfig()

    @model_validator(mode="after")
    def _each_target_once(self) -> FlowLogsConfig:
        targets = [*self.subnet_ids, *self.vpc_ids]
        if not targets:
            raise invalid("no subnet_ids and no vpc_ids (expected at least one subnet or VPC to log)")
        duplicates = sorted({t for t in targets if targets.count(t) > 1})
        if duplicates:
            raise invalid(f"{', '.join(map(repr, duplicates))} listed more than once (expected each id once)")
        return self


class EksClusterConfig(Section):
    """``eks.clusters[]``: one existing cluster to open to discovery."""

    name: ClusterName
    enable_public_endpoint: bool = False


class EksConfig(Section):
    """``eks``: the discovery role's access to existing EKS clusters."""

    discovery_role_arn: RoleArn
    allowed_cidrs: PublicCidrs = DISCOVERY_CIDRS
    clusters: Annotated[tuple[EksClusterConfig, ...], BeforeValidator(list_as_tuple)] = ()

    @model_validator(mode="after")
    def _each_once_and_within_limits(self) -> EksConfig:
        names = [cluster.name for cluster in self.clusters]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise invalid(f"cluster {', '.join(map(repr, duplicates))} listed more than once (expected each cluster once)", path="eks.clusters")
        cidrs = list(self.allowed_cidrs)
        if not cidrs:
            raise invalid("empty (expected the discovery service's addresses; omit the key for the default)", path="eks.allowed_cidrs")
        repeated = sorted({c for c in cidrs if cidrs.count(c) > 1})
        if repeated:
            raise invalid(f"{', '.join(map(repr, repeated))} listed more than once", path="eks.allowed_cidrs")
        if len(cidrs) > MAX_PUBLIC_CIDRS:
            raise invalid(f"{len(cidrs)} CIDRs (EKS allows at most {MAX_PUBLIC_CIDRS} on an endpoint)", path="eks.allowed_cidrs")
        return self


class OnboardingConfig(Section):
    """The whole config file."""

    account: AccountId | None = None
    region: Region
    stack_name: StackName = DEFAULT_STACK_NAME
    tags: Tags = ReadOnlyDict()
    flow_logs: FlowLogsConfig
    eks: EksConfig | None = None

    @model_validator(mode="after")
    def _key_in_bucket_region(self) -> OnboardingConfig:
        key_arn = self.flow_logs.bucket.kms_key_arn
        if key_arn and (problem := kms_key_arn_problem(key_arn, region=self.region)):
            raise invalid(problem, path="flow_logs.bucket.kms_key_arn")
        return self
