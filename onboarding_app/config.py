"""The config file's shape: a typed, validated, read-only object (pydantic v2).

Key names are the user-facing contract (see the README's config reference). Unknown keys are
errors, so a typo never silently falls back to a default. Values are strict: ``"600"`` is not 600
and ``yes`` in quotes is not true. ``load_config`` in ``config_loader`` turns a file into this;
the value types and their checks are in ``config_types``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from onboarding_constructs.bedrock_audit_trail import DEFAULT_TRAIL_NAME
from onboarding_constructs.eks_discovery_access import DISCOVERY_CIDRS, MAX_PUBLIC_CIDRS
from onboarding_constructs.identifiers import kms_key_arn_problem
from onboarding_constructs.kubernetes_manifest import manifest_path

from .config_types import (
    AccountId,
    BoundaryArn,
    BucketName,
    ClusterName,
    ExternalId,
    KmsKeyArn,
    ModelIds,
    Namespace,
    OidcIssuer,
    PublicCidrs,
    ReadOnlyDict,
    Region,
    RetentionDays,
    RoleArn,
    RoleNamePrefix,
    ServiceAccount,
    StackName,
    SubnetIds,
    Tags,
    TrailArn,
    TrailName,
    TrustedPrincipalArn,
    VpcIds,
    invalid,
    list_as_tuple,
    whole_number,
)

DEFAULT_STACK_NAME = "AirsOnboarding"
DEFAULT_RETENTION_DAYS = 365


def _refuse_with_existing(section: BaseModel, existing_key: str, new_only: tuple[str, ...], kind: str, *, kept: str) -> None:
    """Keys that only shape a new resource, written next to ``existing_key``, are an error (a value of
    null or false counts as not written)."""
    if getattr(section, existing_key) is None:
        return
    clashes = [k for k in new_only if k in section.model_fields_set and getattr(section, k) not in (None, False)]
    if clashes:
        keys = ", ".join(clashes)
        raise invalid(
            f"{existing_key} cannot be combined with {keys}: those shape a new {kind}, and an existing {kind} is used"
            f" exactly as it is ({kept} are never changed). Remove {keys}, or remove {existing_key} to create a {kind}."
        )


class Section(BaseModel):
    """Shared rules: unknown keys are errors, no type coercion, and the result is read-only."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class BucketConfig(Section):
    """``flow_logs.bucket``: the bucket the flow logs are written to."""

    name: BucketName | None = None
    existing_name: BucketName | None = None
    kms_key_arn: KmsKeyArn | None = None
    retention_days: RetentionDays | None = DEFAULT_RETENTION_DAYS

    @model_validator(mode="after")
    def _existing_bucket_is_used_as_is(self) -> BucketConfig:
        _refuse_with_existing(
            self, "existing_name", ("name", "kms_key_arn", "retention_days"), "bucket", kept="its policy, encryption and lifecycle"
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

    discovery_role_arn: RoleArn | None = None
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


class CloudTrailConfig(Section):
    """``cloudtrail``: the trail that records Bedrock calls, created or reused."""

    existing_trail_arn: TrailArn | None = None
    bedrock_data_events: bool = False
    trail_name: TrailName = DEFAULT_TRAIL_NAME
    kms_key_arn: KmsKeyArn | None = None
    retention_days: RetentionDays | None = DEFAULT_RETENTION_DAYS

    @model_validator(mode="after")
    def _existing_trail_is_used_as_is(self) -> CloudTrailConfig:
        _refuse_with_existing(
            self,
            "existing_trail_arn",
            ("trail_name", "kms_key_arn", "retention_days", "bedrock_data_events"),
            "trail",
            kept="its selectors, bucket and key",
        )
        return self


class PodAccessConfig(Section):
    """``bedrock.pod_access[]``: one Kubernetes service account whose pods may invoke the models."""

    cluster: ClusterName
    namespace: Namespace
    service_account: ServiceAccount
    mode: Literal["pod-identity", "irsa"] = "pod-identity"
    oidc_issuer: OidcIssuer | None = None
    install_pod_identity_agent: bool = False

    @model_validator(mode="after")
    def _mode_fits(self) -> PodAccessConfig:
        if self.mode == "irsa" and self.oidc_issuer is None:
            raise invalid("mode irsa needs oidc_issuer (the cluster's OpenID Connect issuer URL, from `aws eks describe-cluster`)")
        if self.mode == "pod-identity" and self.oidc_issuer is not None:
            raise invalid("oidc_issuer is only used with mode: irsa; remove it, or set mode: irsa")
        if self.mode == "irsa" and self.install_pod_identity_agent:
            raise invalid("install_pod_identity_agent is only used with mode: pod-identity")
        return self


class BedrockConfig(Section):
    """``bedrock``: identities whose Bedrock calls discovery can attribute."""

    model_ids: ModelIds = ()
    ec2_role: bool = True
    pod_access: Annotated[tuple[PodAccessConfig, ...], BeforeValidator(list_as_tuple)] = ()

    @model_validator(mode="after")
    def _each_once(self) -> BedrockConfig:
        repeated = sorted({m for m in self.model_ids if self.model_ids.count(m) > 1})
        if repeated:
            raise invalid(f"{', '.join(map(repr, repeated))} listed more than once", path="bedrock.model_ids")
        agents = [p.cluster for p in self.pod_access if p.install_pod_identity_agent]
        twice = sorted({c for c in agents if agents.count(c) > 1})
        if twice:
            raise invalid(
                f"install_pod_identity_agent is true on more than one entry of cluster {twice[0]!r}; an add-on is installed"
                " once per cluster, so set it on one entry only",
                path="bedrock.pod_access",
            )
        paths = [manifest_path(p.cluster, p.namespace, p.service_account) for p in self.pod_access]
        clashing = sorted({p for p in paths if paths.count(p) > 1})
        if clashing:
            raise invalid(
                f"two entries would share the manifest {clashing[0]} (the same cluster, namespace and service account,"
                " or names that run together); each service account once",
                path="bedrock.pod_access",
            )
        return self


class DiscoveryRoleConfig(Section):
    """``discovery_role``: the cross-account role AIRS discovery assumes, when you create it here."""

    trusted_principal_arn: TrustedPrincipalArn
    external_id: ExternalId


class IamConfig(Section):
    """``iam``: rules every role this app creates follows."""

    permissions_boundary_arn: BoundaryArn | None = None
    role_name_prefix: RoleNamePrefix | None = None


class OnboardingConfig(Section):
    """The whole config file."""

    account: AccountId | None = None
    region: Region
    stack_name: StackName = DEFAULT_STACK_NAME
    tags: Tags = ReadOnlyDict()
    flow_logs: FlowLogsConfig
    eks: EksConfig | None = None
    cloudtrail: CloudTrailConfig | None = None
    bedrock: BedrockConfig | None = None
    discovery_role: DiscoveryRoleConfig | None = None
    iam: IamConfig = IamConfig()

    @model_validator(mode="after")
    def _keys_in_the_region(self) -> OnboardingConfig:
        keys = {"flow_logs.bucket.kms_key_arn": self.flow_logs.bucket.kms_key_arn}
        if self.cloudtrail is not None:
            keys["cloudtrail.kms_key_arn"] = self.cloudtrail.kms_key_arn
        for path, key_arn in keys.items():
            if key_arn and (problem := kms_key_arn_problem(key_arn, region=self.region)):
                raise invalid(problem, path=path)
        return self

    @model_validator(mode="after")
    def _eks_knows_its_role(self) -> OnboardingConfig:
        if self.eks is None:
            return self
        if self.eks.discovery_role_arn is None and self.discovery_role is None:
            raise invalid(
                "missing: give the role the AIRS onboarding created, or add a discovery_role section to create one here",
                path="eks.discovery_role_arn",
            )
        if self.eks.discovery_role_arn is not None and self.discovery_role is not None:
            raise invalid(
                "not used together with a discovery_role section (the access entries use the role created there);"
                " remove one of them",
                path="eks.discovery_role_arn",
            )
        return self
