"""The config file's shape: a typed, validated, read-only object (pydantic v2).

Key names are the user-facing contract (see docs/configuration.md). Unknown keys are
errors, so a typo never silently falls back to a default. Values are strict: ``"600"`` is not 600
and ``yes`` in quotes is not true. ``load_config`` in ``config_loader`` turns a file into this;
the value types and their checks are in ``config_types``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)

from onboarding_constructs import (
    DEFAULT_OPT_IN_TAG,
    DEFAULT_PUBLIC_ENDPOINT_TAG,
    DEFAULT_RETENTION,
    DEFAULT_TRAIL_NAME,
    DEFAULT_TRAIL_RETENTION,
    DISCOVERY_CIDRS,
    DISCOVERY_ROLE_NAME,
    manifest_path,
    pod_access_id,
)
from onboarding_constructs.validation import (
    allowed_cidrs_problems,
    estate_coverage_problems,
    exclude_tag_problems,
    existing_resource_problem,
    flow_log_targets_problems,
    include_exclude_problem,
    kms_key_arn_problem,
    opt_in_tag_problems,
    pod_access_mode_problems,
    public_endpoint_tag_problems,
    repeated,
    repeated_problem,
    sensitive_read_problem,
    target_list_problems,
)

from .partitions import partition_of
from .value_types import (
    AccountId,
    AccountIds,
    AggregationSeconds,
    AuditExternalId,
    BoundaryArn,
    BucketName,
    CallAs,
    ClusterName,
    ConcurrencyMode,
    ConcurrencyPercentage,
    Coverage,
    EksCoverage,
    ExternalId,
    FileFormat,
    KmsKeyArn,
    ModelIds,
    Namespace,
    OidcIssuer,
    OrganizationalUnitIds,
    PlainText,
    PodAccessModeName,
    PublicCidrs,
    ReadOnlyDict,
    Region,
    Regions,
    RetentionDays,
    RoleArn,
    RoleName,
    RoleNamePrefix,
    ServiceAccount,
    StackName,
    SubnetIds,
    SweepMinutes,
    Tags,
    ToleratedFailurePercentage,
    TrailArn,
    TrailName,
    TrustedPrincipalArn,
    VpcIds,
    invalid,
    list_as_tuple,
    located,
    raise_if_any,
)

DEFAULT_STACK_NAME = "AirsOnboarding"

#: True while a config with an ``organization`` section is validated: its flow_logs and eks sections then
#: take the organization's defaults and rules (one member template for every account and region). Set by
#: ``OnboardingConfig`` around the validation of its sections, which cannot see the section beside them.
_IN_ORGANIZATION: ContextVar[bool] = ContextVar("in_organization", default=False)


def _one_parameter_set(what: str) -> str:
    """Why an organization config holds no id or name of one account's resource."""
    return (
        "a StackSet instance group's parameters go to every account and region it targets, and"
        f" {what} belong to one account and region"
    )


def _listed(values: Iterable[str], *, limit: int = 3) -> str:
    """Values as a message shows them: the first few, quoted, and how many more."""
    shown = list(values)
    more = f" and {len(shown) - limit} more" if len(shown) > limit else ""
    return ", ".join(map(repr, shown[:limit])) + more


#: The constructs' defaults, in the config's unit.
DEFAULT_BUCKET_RETENTION_DAYS = int(DEFAULT_RETENTION.to_days())
DEFAULT_TRAIL_RETENTION_DAYS = int(DEFAULT_TRAIL_RETENTION.to_days())


def _refuse_with_existing(
    section: BaseModel, existing_key: str, new_only: tuple[str, ...], kind: Literal["bucket", "trail"]
) -> None:
    """Keys that only shape a new resource, written next to ``existing_key``, are an error (a value of
    null or false counts as not written)."""
    if getattr(section, existing_key) is None:
        return
    clashes = [k for k in new_only if k in section.model_fields_set and getattr(section, k) not in (None, False)]
    raise_if_any(located(None, [existing_resource_problem(existing_key, kind, clashes)]))


class Section(BaseModel):
    """Shared rules: unknown keys are errors, no type coercion, and the result is read-only."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class BucketConfig(Section):
    """``flow_logs.bucket``: the bucket the flow logs are written to."""

    name: BucketName | None = None
    existing_name: BucketName | None = None
    kms_key_arn: KmsKeyArn | None = None
    retention_days: RetentionDays | None = DEFAULT_BUCKET_RETENTION_DAYS

    @model_validator(mode="after")
    def _existing_bucket_is_used_as_is(self) -> BucketConfig:
        _refuse_with_existing(self, "existing_name", ("name", "kms_key_arn", "retention_days"), "bucket")
        return self


class ExcludeTagConfig(Section):
    """``flow_logs.exclude_tag``: the tag (key and value) that keeps a VPC out of all-vpcs coverage."""

    key: PlainText
    value: PlainText

    @model_validator(mode="after")
    def _a_vpc_tag(self) -> ExcludeTagConfig:
        # The construct's rule (EC2 takes any characters in a tag): a key of 1 to 128, not aws:, a value to 256.
        raise_if_any(located(None, exclude_tag_problems((self.key, self.value))))
        return self


DEFAULT_COVERAGE: Coverage = "listed"
#: With an organization section: every VPC of each account and region (ids belong to one of them).
ORGANIZATION_COVERAGE: Coverage = "all-vpcs"
DEFAULT_EXCLUDE_TAG = ExcludeTagConfig(key="airs-discovery", value="off")
DEFAULT_SWEEP_MINUTES = 60
#: The keys that only shape all-vpcs coverage.
ALL_VPCS_ONLY = ("exclude_tag", "sweep_minutes")


class FlowLogsConfig(Section):
    """``flow_logs``: which subnets and VPCs get flow logs, and how they are written.

    ``coverage: listed`` logs ``subnet_ids`` and ``vpc_ids``; ``coverage: all-vpcs`` logs every VPC of
    the account and region except those tagged ``exclude_tag``, re-checked every ``sweep_minutes``.
    With an organization section, coverage is ``all-vpcs`` (its default there) and ids are refused.
    """

    coverage: Coverage = DEFAULT_COVERAGE
    subnet_ids: SubnetIds = ()
    vpc_ids: VpcIds = ()
    #: None: no VPC is left out.
    exclude_tag: ExcludeTagConfig | None = DEFAULT_EXCLUDE_TAG
    sweep_minutes: SweepMinutes = DEFAULT_SWEEP_MINUTES
    hourly_partitions: bool = True
    file_format: FileFormat = "plain-text"
    max_aggregation_seconds: AggregationSeconds = 600
    include_ecs_fields: bool = False
    bucket: BucketConfig = BucketConfig()

    @property
    def all_vpcs(self) -> bool:
        """True when every VPC of the account and region is logged (``coverage: all-vpcs``)."""
        return self.coverage == "all-vpcs"

    @model_validator(mode="after")
    def _each_target_once(self) -> FlowLogsConfig:
        # Whether there is anything to log at all is checked by the whole config (_something_to_log).
        raise_if_any(located(None, flow_log_targets_problems(self.subnet_ids, self.vpc_ids, at_least_one=False)))
        return self

    @model_validator(mode="before")
    @classmethod
    def _organization_default(cls, data: Any) -> Any:
        if _IN_ORGANIZATION.get() and isinstance(data, Mapping) and "coverage" not in data:
            return {**data, "coverage": ORGANIZATION_COVERAGE}
        return data

    @model_validator(mode="after")
    def _keys_fit_the_coverage(self) -> FlowLogsConfig:
        problems: list[tuple[str | None, str]] = []
        if _IN_ORGANIZATION.get():
            problems += self._organization_problems()
        elif self.all_vpcs:
            for key in ("subnet_ids", "vpc_ids"):
                if getattr(self, key):
                    problems += located(
                        f"flow_logs.{key}",
                        [
                            "not used with coverage: all-vpcs, which logs every VPC of the account and region (leave"
                            " one out with exclude_tag); remove it, or set coverage: listed to log only the listed"
                            " subnets and VPCs"
                        ],
                    )
        else:
            for key in ALL_VPCS_ONLY:
                if key in self.model_fields_set:
                    problems += located(
                        f"flow_logs.{key}",
                        [
                            f"applies to coverage: all-vpcs only, and coverage is {self.coverage}; remove it, or set"
                            " coverage: all-vpcs to log every VPC of the account and region"
                        ],
                    )
        raise_if_any(problems)
        return self

    def _organization_problems(self) -> list[tuple[str | None, str]]:
        """With an organization section: every account and region logs all its VPCs, and its owners leave
        one out with a tag."""
        advice = vpc_tag_advice(self.exclude_tag)
        problems = []
        if self.coverage == "listed":
            problems += located(
                "flow_logs.coverage",
                [
                    f"'listed' is not used with organization: {_one_parameter_set('subnet and VPC ids')}; remove it"
                    f" (coverage: {ORGANIZATION_COVERAGE} logs every VPC of each account and region), and {advice}"
                ],
            )
        for key, what in (("subnet_ids", "subnet ids"), ("vpc_ids", "VPC ids")):
            if ids := getattr(self, key):
                problems += located(
                    f"flow_logs.{key}",
                    [
                        f"{_listed(ids)} not used with organization: {_one_parameter_set(what)}; remove it (every VPC"
                        f" of each account and region is logged), and {advice}"
                    ],
                )
        return problems


def vpc_tag_advice(exclude_tag: ExcludeTagConfig | None) -> str:
    """How an account's owners leave a VPC out of all-vpcs coverage in an organization."""
    if exclude_tag is None:
        return "set flow_logs.exclude_tag (null now) to the tag with which each account's owners leave a VPC out"
    tag = f"{exclude_tag.key}={exclude_tag.value}"
    return f"each account's owners leave a VPC out by tagging it {tag} (flow_logs.exclude_tag)"


def _each_cluster_once(clusters: tuple[EksClusterConfig, ...], path: str) -> list[tuple[str | None, str]]:
    twice = repeated([cluster.name for cluster in clusters])
    return located(
        path,
        [f"cluster {', '.join(map(repr, twice))} listed more than once (expected each cluster once)"] if twice else [],
    )


class EksClusterConfig(Section):
    """``eks.clusters[]``: one existing cluster to open to discovery."""

    name: ClusterName
    enable_public_endpoint: bool = False


class OptInTagConfig(Section):
    """``eks.opt_in_tag``: the tag (key and value) that opens a cluster to discovery with ``coverage: tagged``."""

    key: PlainText
    value: PlainText

    @model_validator(mode="after")
    def _a_cluster_tag(self) -> OptInTagConfig:
        raise_if_any(located(None, opt_in_tag_problems((self.key, self.value))))
        return self


class PublicEndpointTagConfig(Section):
    """``eks.public_endpoint_tag``: the tag (key and value) with which a private-only cluster's owners let
    coverage turn its public endpoint on, for the discovery addresses only."""

    key: PlainText
    value: PlainText

    @model_validator(mode="after")
    def _a_cluster_tag(self) -> PublicEndpointTagConfig:
        raise_if_any(located(None, public_endpoint_tag_problems((self.key, self.value))))
        return self


DEFAULT_EKS_COVERAGE: EksCoverage = "listed"
#: With an organization section: the clusters their owners tag (names belong to one account and region).
ORGANIZATION_EKS_COVERAGE: EksCoverage = "tagged"
#: The construct's defaults, as config sections.
DEFAULT_OPT_IN_TAG_CONFIG = OptInTagConfig(key=DEFAULT_OPT_IN_TAG[0], value=DEFAULT_OPT_IN_TAG[1])
DEFAULT_PUBLIC_ENDPOINT_TAG_CONFIG = PublicEndpointTagConfig(
    key=DEFAULT_PUBLIC_ENDPOINT_TAG[0], value=DEFAULT_PUBLIC_ENDPOINT_TAG[1]
)


def _eks_scope(coverage: EksCoverage, *, where: str = "the account and region", tag: str = "opt_in_tag") -> str:
    """What ``coverage: tagged`` and ``coverage: all`` open, in the words of the messages."""
    return f"every cluster of {where}" + (f" that carries {tag}" if coverage == "tagged" else "")


class EksConfig(Section):
    """``eks``: the discovery role's access to existing EKS clusters.

    ``coverage: listed`` opens ``clusters``, each with a resource of its own; ``coverage: tagged`` opens
    every cluster of the account and region carrying ``opt_in_tag``, and ``coverage: all`` every cluster,
    through the estate coverage runner, which follows the clusters as they come, go and are (un)tagged.
    With an organization section, coverage is ``tagged`` (its default there) or ``all``, and cluster names
    are refused.
    """

    coverage: EksCoverage = DEFAULT_EKS_COVERAGE
    discovery_role_arn: RoleArn | None = None
    allowed_cidrs: PublicCidrs = DISCOVERY_CIDRS
    clusters: Annotated[tuple[EksClusterConfig, ...], BeforeValidator(list_as_tuple)] = ()
    #: With ``coverage: tagged``: the clusters carrying this tag are opened.
    opt_in_tag: OptInTagConfig = DEFAULT_OPT_IN_TAG_CONFIG
    #: With ``coverage: tagged`` or ``all``: a private-only cluster carrying this tag may get public
    #: endpoint access (for ``allowed_cidrs`` only); None: private-only clusters are always refused.
    public_endpoint_tag: PublicEndpointTagConfig | None = DEFAULT_PUBLIC_ENDPOINT_TAG_CONFIG
    #: KMS key of the cluster access handler's log group; None: CloudWatch Logs' own encryption.
    log_group_kms_key_arn: KmsKeyArn | None = None

    @property
    def dynamic(self) -> bool:
        """True when the coverage runner opens the clusters (``coverage: tagged`` or ``all``), not a resource
        per listed cluster."""
        return self.coverage != "listed"

    @model_validator(mode="after")
    def _each_once_and_within_limits(self) -> EksConfig:
        raise_if_any(
            [
                *_each_cluster_once(self.clusters, "eks.clusters"),
                *located("eks.allowed_cidrs", allowed_cidrs_problems(self.allowed_cidrs)),
            ]
        )
        return self

    @model_validator(mode="before")
    @classmethod
    def _organization_default(cls, data: Any) -> Any:
        if _IN_ORGANIZATION.get() and isinstance(data, Mapping) and "coverage" not in data:
            return {**data, "coverage": ORGANIZATION_EKS_COVERAGE}
        return data

    @model_validator(mode="after")
    def _keys_fit_the_coverage(self) -> EksConfig:
        problems: list[tuple[str | None, str]] = []
        in_organization = _IN_ORGANIZATION.get()
        if in_organization:
            problems += self._organization_problems()
        elif self.dynamic and self.clusters:
            problems += located(
                "eks.clusters",
                [
                    f"not used with coverage: {self.coverage}, which opens {_eks_scope(self.coverage)}; remove it, or"
                    " set coverage: listed to open only the listed clusters"
                ],
            )
        # In an organization, coverage: listed is refused above, with what to do instead.
        listed_in_organization = in_organization and not self.dynamic
        if self.coverage != "tagged" and "opt_in_tag" in self.model_fields_set and not listed_in_organization:
            problems += located(
                "eks.opt_in_tag",
                [
                    f"applies to coverage: tagged only, and coverage is {self.coverage}; remove it, or set coverage:"
                    " tagged to open only the clusters carrying the tag"
                ],
            )
        if self.dynamic:
            # Only how the two tags fit together is this section's to judge here: the role is checked beside
            # the discovery_role section (which may create it), and the VPCs are the flow_logs section's.
            public_tag = self.public_endpoint_tag
            problems += located(
                "eks.public_endpoint_tag",
                estate_coverage_problems(
                    covers_vpcs=True,
                    cluster_coverage=self.coverage,
                    discovery_role_arn=self.discovery_role_arn or "",
                    opt_in_tag=(self.opt_in_tag.key, self.opt_in_tag.value),
                    public_endpoint_tag=(public_tag.key, public_tag.value) if public_tag is not None else None,
                ),
            )
        elif "public_endpoint_tag" in self.model_fields_set and not listed_in_organization:
            problems += located(
                "eks.public_endpoint_tag",
                [
                    "applies to coverage: tagged or all only, and coverage is listed (a listed cluster allows public"
                    " access with clusters[].enable_public_endpoint); remove it, or set coverage: tagged to open the"
                    " clusters carrying opt_in_tag"
                ],
            )
        raise_if_any(problems)
        return self

    def _organization_problems(self) -> list[tuple[str | None, str]]:
        """With an organization section: every account and region opens its own clusters, those its owners
        tag (or all of them), never clusters named here."""
        advice = cluster_tag_advice(self)
        problems = []
        if self.coverage == "listed":
            problems += located(
                "eks.coverage",
                [
                    f"'listed' is not used with organization: {_one_parameter_set('cluster names')}; remove it"
                    f" (coverage: {ORGANIZATION_EKS_COVERAGE}, where {advice}), or write coverage: all to open every"
                    " cluster of each account and region"
                ],
            )
        if self.clusters:
            problems += located(
                "eks.clusters",
                [
                    f"{_listed(c.name for c in self.clusters)} not used with organization:"
                    f" {_one_parameter_set('cluster names')}; remove it, and {advice}"
                ],
            )
        return problems


def cluster_tag_advice(eks: EksConfig) -> str:
    """How an account's owners open a cluster to discovery in an organization."""
    if eks.coverage == "all":
        return "coverage: all opens every cluster of each account and region"
    tag = eks.opt_in_tag
    return f"each cluster's owners open it by tagging it {tag.key}={tag.value} (eks.opt_in_tag)"


class CloudTrailConfig(Section):
    """``cloudtrail``: the trail that records Bedrock calls, created or reused."""

    existing_trail_arn: TrailArn | None = None
    bedrock_data_events: bool = False
    trail_name: TrailName = DEFAULT_TRAIL_NAME
    kms_key_arn: KmsKeyArn | None = None
    retention_days: RetentionDays | None = DEFAULT_TRAIL_RETENTION_DAYS

    @model_validator(mode="after")
    def _existing_trail_is_used_as_is(self) -> CloudTrailConfig:
        _refuse_with_existing(
            self, "existing_trail_arn", ("trail_name", "kms_key_arn", "retention_days", "bedrock_data_events"), "trail"
        )
        return self


class PodAccessConfig(Section):
    """``bedrock.pod_access[]``: one Kubernetes service account whose pods may invoke the models."""

    cluster: ClusterName
    namespace: Namespace
    service_account: ServiceAccount
    mode: PodAccessModeName = "pod-identity"
    oidc_issuer: OidcIssuer | None = None
    install_pod_identity_agent: bool = False

    @model_validator(mode="after")
    def _mode_fits(self) -> PodAccessConfig:
        raise_if_any(
            located(
                None,
                pod_access_mode_problems(
                    self.mode, oidc_issuer=self.oidc_issuer, install_pod_identity_agent=self.install_pod_identity_agent
                ),
            )
        )
        return self


class BedrockConfig(Section):
    """``bedrock``: identities whose Bedrock calls discovery can attribute."""

    model_ids: ModelIds = ()
    ec2_role: bool = True
    pod_access: Annotated[tuple[PodAccessConfig, ...], BeforeValidator(list_as_tuple)] = ()

    @model_validator(mode="after")
    def _each_once(self) -> BedrockConfig:
        raise_if_any(located("bedrock.model_ids", [repeated_problem(self.model_ids)]))
        agents = [p.cluster for p in self.pod_access if p.install_pod_identity_agent]
        twice = repeated(agents)
        if twice:
            raise invalid(
                f"install_pod_identity_agent is true on more than one entry of cluster {twice[0]!r}; an add-on is"
                " installed"
                " once per cluster, so set it on one entry only",
                path="bedrock.pod_access",
            )
        for what, name_of in (("manifest", manifest_path), ("construct id", pod_access_id)):
            names = [name_of(p.cluster, p.namespace, p.service_account) for p in self.pod_access]
            if clashing := repeated(names):
                first, second = [i for i, name in enumerate(names) if name == clashing[0]][:2]
                raise invalid(
                    f"entries [{first}] ({_pod_access_text(self.pod_access[first])}) and [{second}]"
                    f" ({_pod_access_text(self.pod_access[second])}) would share the {what} {clashing[0]!r} (the same"
                    " service account, or names that run together at a hyphen); each service account once, and rename"
                    " one namespace or service account if the names run together",
                    path="bedrock.pod_access",
                )
        return self


def _pod_access_text(entry: PodAccessConfig) -> str:
    return f"cluster {entry.cluster}, namespace {entry.namespace}, service_account {entry.service_account}"


def _sensitive_read(value: str) -> str:
    if problem := sensitive_read_problem(value):
        raise invalid(problem)
    return value


def _each_sensitive_read_once(values: tuple[str, ...]) -> tuple[str, ...]:
    raise_if_any(located(None, [repeated_problem(values)]))
    return values


class DiscoveryRoleConfig(Section):
    """``discovery_role``: the cross-account role AIRS discovery assumes, when you create it here."""

    trusted_principal_arn: TrustedPrincipalArn
    external_id: ExternalId
    #: Sensitive reads to leave out of the role's Deny, for a vendor that shows it needs them.
    allow_sensitive_reads: Annotated[
        tuple[Annotated[str, AfterValidator(_sensitive_read)], ...],
        BeforeValidator(list_as_tuple),
        AfterValidator(_each_sensitive_read_once),
    ] = ()


class IamConfig(Section):
    """``iam``: rules every role this app creates follows."""

    permissions_boundary_arn: BoundaryArn | None = None
    role_name_prefix: RoleNamePrefix | None = None


DEFAULT_CONCURRENCY_MODE: ConcurrencyMode = "SOFT_FAILURE_TOLERANCE"
#: The role AWS Organizations creates in each account it creates (accounts invited in have it only if made).
DEFAULT_ACCESS_ROLE_NAME = "OrganizationAccountAccessRole"
#: Why an account cannot have values of its own in an organization rollout, said by the account_overrides refusal.
ACCOUNT_OVERRIDES_WHY = (
    "a StackSet instance group's parameters go to every account and region it targets, and CloudFormation refuses an"
    " OU in two groups with different parameters, so an account cannot have values of its own: each account's owners"
    " choose per resource with tags"
)


class OrganizationConfig(Section):
    """``organization``: roll the onboarding out to the accounts of AWS Organizations OUs with a
    service-managed StackSet, deployed from the management or a delegated administrator account.

    Every account and region of the OUs gets the same member template: every VPC logged and the clusters
    their owners tag opened (``flow_logs.exclude_tag`` and ``eks.opt_in_tag`` are the per-resource
    choices), a discovery role per account in the home region.
    """

    call_as: CallAs = "SELF"
    organizational_units: OrganizationalUnitIds
    regions: Regions
    include_accounts: AccountIds = ()
    exclude_accounts: AccountIds = ()
    auto_deploy: bool = True
    retain_stacks_on_account_removal: bool = True
    #: SOFT: up to max_concurrent_percentage of the accounts at once, whatever fails; STRICT: at most
    #: failure_tolerance_percentage of them + 1 (StackSetOperationPreferences, CloudFormation API Reference).
    concurrency_mode: ConcurrencyMode = DEFAULT_CONCURRENCY_MODE
    max_concurrent_percentage: ConcurrencyPercentage = 25
    failure_tolerance_percentage: ToleratedFailurePercentage = 10
    #: The role org-wide doctor and verify assume in each account (unless audit_role).
    access_role_name: RoleName = DEFAULT_ACCESS_ROLE_NAME
    #: True: the member template creates a read-only audit role in each account's home region, trusted only by
    #: the administrator account with audit_external_id; doctor and verify assume it.
    audit_role: bool = False
    audit_external_id: AuditExternalId | None = None
    #: Retired: never valid when written; read only to show the tags that do what it held (see
    #: ``OnboardingConfig._no_account_overrides``).
    account_overrides: Any = Field(default=ReadOnlyDict(), repr=False)

    @property
    def home_region(self) -> str:
        """Where account-wide resources (the discovery role, the audit role, a created multi-region trail)
        are made: the first region."""
        return self.regions[0]

    @model_validator(mode="after")
    def _targets_make_sense(self) -> OrganizationConfig:
        problems = []
        for key in ("organizational_units", "regions", "include_accounts", "exclude_accounts"):
            problems += located(f"organization.{key}", target_list_problems(key, getattr(self, key)))
        problems += located(None, [include_exclude_problem(self.include_accounts, self.exclude_accounts)])
        if "retain_stacks_on_account_removal" in self.model_fields_set and not self.auto_deploy:
            problems += located(
                None, ["retain_stacks_on_account_removal only applies with auto_deploy: true; remove it"]
            )
        raise_if_any(problems)
        return self

    @model_validator(mode="after")
    def _audit_role_has_its_external_id(self) -> OrganizationConfig:
        if self.audit_role and self.audit_external_id is None:
            raise invalid(
                "missing: with audit_role: true the audit role trusts the administrator account only with this"
                " external id (expected 2 to 1224 letters, digits and _+=,.@:/-, e.g. the output of openssl rand -hex"
                " 16); add it, or set audit_role: false",
                path="organization.audit_external_id",
            )
        if not self.audit_role and self.audit_external_id is not None:
            raise invalid(
                "applies with audit_role: true only, and audit_role is false; remove it, or set audit_role: true to"
                " create the read-only audit role it protects",
                path="organization.audit_external_id",
            )
        return self


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
    # Last: its validator reads the sections above (info.data).
    organization: OrganizationConfig | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _sections_know_the_rollout(
        cls, data: Any, handler: ModelWrapValidatorHandler[OnboardingConfig]
    ) -> OnboardingConfig:
        """The flow_logs and eks sections take the organization's defaults and rules when there is an
        organization section (a mapping with a null organization is a single account)."""
        token = _IN_ORGANIZATION.set(isinstance(data, Mapping) and data.get("organization") is not None)
        try:
            return handler(data)
        finally:
            _IN_ORGANIZATION.reset(token)

    @field_validator("organization", mode="after")
    @classmethod
    def _no_account_overrides(cls, organization: OrganizationConfig | None, info: ValidationInfo) -> Any:
        """``account_overrides`` is refused, each account's entry with the tags that do what it held."""
        if organization is None or "account_overrides" not in organization.model_fields_set:
            return organization
        overrides = organization.account_overrides
        if not isinstance(overrides, Mapping) or not overrides:
            raise invalid(
                f"not used with organization: {ACCOUNT_OVERRIDES_WHY}; remove it", path="organization.account_overrides"
            )
        sections = {key: info.data.get(key) for key in ("flow_logs", "eks")}
        iam = info.data.get("iam")
        role_name = f"{(iam.role_name_prefix if iam is not None else None) or ''}{DISCOVERY_ROLE_NAME}"
        partition = partition_of(organization.home_region)
        problems = []
        for account, override in overrides.items():
            role_arn = f"arn:{partition}:iam::{account}:role/{role_name}"
            instead = equivalent_tags(str(account), override, **sections, discovery_role_arn=role_arn)
            message = f"not used with organization: {ACCOUNT_OVERRIDES_WHY}; remove it"
            if instead:
                message += f", and {instead}"
            problems.append((f"organization.account_overrides.{account}", message))
        raise_if_any(problems)
        return organization

    @model_validator(mode="after")
    def _something_to_log(self) -> OnboardingConfig:
        # With an organization, coverage is all-vpcs: the flow_logs section refuses anything else.
        if not self.flow_logs.all_vpcs:
            raise_if_any(
                located("flow_logs", flow_log_targets_problems(self.flow_logs.subnet_ids, self.flow_logs.vpc_ids))
            )
        return self

    @model_validator(mode="after")
    def _keys_in_the_region(self) -> OnboardingConfig:
        # path -> (key ARN, what it encrypts)
        keys = {"flow_logs.bucket.kms_key_arn": (self.flow_logs.bucket.kms_key_arn, "an S3 bucket")}
        if self.cloudtrail is not None:
            keys["cloudtrail.kms_key_arn"] = (self.cloudtrail.kms_key_arn, "an S3 bucket")
        if self.eks is not None:
            keys["eks.log_group_kms_key_arn"] = (self.eks.log_group_kms_key_arn, "a CloudWatch Logs log group")
        for path, (key_arn, used_by) in keys.items():
            if key_arn and (problem := kms_key_arn_problem(key_arn, region=self.region, used_by=used_by)):
                raise invalid(problem, path=path)
        return self

    @model_validator(mode="after")
    def _eks_knows_its_role(self) -> OnboardingConfig:
        if self.eks is None:
            return self
        if self.eks.discovery_role_arn is None and self.discovery_role is None:
            raise invalid(
                "missing: give the role the AIRS onboarding created, or add a discovery_role section to create one"
                " here",
                path="eks.discovery_role_arn",
            )
        if self.eks.discovery_role_arn is not None and self.discovery_role is not None:
            raise invalid(
                "not used together with a discovery_role section (the access entries use the role created there);"
                " remove one of them",
                path="eks.discovery_role_arn",
            )
        return self

    @model_validator(mode="after")
    def _fits_every_account(self) -> OnboardingConfig:
        """One member template deploys to many accounts and regions: values that name something in
        one account or region cannot be in it."""
        if self.organization is None:
            return self
        targets = "the StackSet deploys one template to every account and region of the organization section"
        single_account = "onboard that account with a config without an organization section"
        bucket = self.flow_logs.bucket
        refusals = {
            "flow_logs.bucket.name": (
                bucket.name,
                f"bucket names are global across all of AWS, and {targets}: remove it (CloudFormation names each"
                " bucket)",
            ),
            "flow_logs.bucket.existing_name": (
                bucket.existing_name,
                f"it names one account's bucket, and {targets}: remove it (each stack instance creates its bucket), or"
                f" {single_account}",
            ),
            "flow_logs.bucket.kms_key_arn": (
                bucket.kms_key_arn,
                f"a KMS key belongs to one account and region, and {targets}: remove it (SSE-S3), or {single_account}",
            ),
            "cloudtrail.kms_key_arn": (
                self.cloudtrail.kms_key_arn if self.cloudtrail else None,
                f"a KMS key belongs to one account and region, and {targets}: remove it (SSE-S3), or {single_account}",
            ),
            "eks.log_group_kms_key_arn": (
                self.eks.log_group_kms_key_arn if self.eks else None,
                f"a KMS key belongs to one account and region, and {targets}: remove it (CloudWatch Logs' own"
                " encryption),"
                f" or {single_account}",
            ),
            "bedrock.pod_access": (
                self.bedrock.pod_access if self.bedrock else None,
                f"pod roles name clusters and namespaces of one account, and {targets}: {single_account}",
            ),
        }
        for path, (value, reason) in refusals.items():
            if value:
                raise invalid(f"not used with organization: {reason}", path=path)
        return self


def equivalent_tags(
    account: str,
    override: Any,
    *,
    flow_logs: FlowLogsConfig | None,
    eks: EksConfig | None,
    discovery_role_arn: str,
) -> str:
    """What to do instead of one retired ``account_overrides`` entry (as the YAML gave it; a null value
    is a key not given): the tags that leave the account's other VPCs out and open its listed clusters,
    and where its role comes from (``discovery_role_arn``: the one a discovery_role section makes in the
    account). Empty when the entry held nothing."""
    if not isinstance(override, Mapping):
        return ""
    given = {key: value for key, value in override.items() if value is not None}
    steps = []
    if "subnet_ids" in given or "vpc_ids" in given:
        kept = [*_names(given.get("vpc_ids")), *(f"the VPC of {s}" for s in _names(given.get("subnet_ids")))]
        vpcs = f"the VPCs of {account} not listed ({', '.join(kept)})" if kept else f"every VPC of {account}"
        exclude = flow_logs.exclude_tag if flow_logs is not None else DEFAULT_EXCLUDE_TAG
        tag = exclude or DEFAULT_EXCLUDE_TAG
        unset = " after setting flow_logs.exclude_tag (null now)" if exclude is None else ""
        steps.append(f"tag {vpcs} with {tag.key}={tag.value}{unset}")
    if "clusters" in given:
        clusters = given["clusters"]
        names = _names(c.get("name") for c in clusters if isinstance(c, Mapping)) if isinstance(clusters, list) else []
        opt_in = eks.opt_in_tag if eks is not None else DEFAULT_OPT_IN_TAG_CONFIG
        if names:
            what = f"cluster{'s' if len(names) > 1 else ''} {', '.join(names)}"
            steps.append(f"{'' if steps else 'tag '}{what} with {opt_in.key}={opt_in.value}")
        else:
            steps.append(f"leave the clusters of {account} without {opt_in.key}={opt_in.value}")
        if eks is not None and eks.coverage == "all":
            steps[-1] += " (with eks.coverage: tagged; all opens every cluster)"
    if "discovery_role_arn" in given:
        steps.append(
            f"for the role, a discovery_role section creates one in every account ({discovery_role_arn} in this"
            " one), or eks.discovery_role_arn names one role for all"
        )
    return ", and ".join(steps)


def _names(values: Any) -> list[str]:
    """The text values of a list as the YAML gave it (anything else left out)."""
    try:
        return [str(v) for v in values if isinstance(v, str)] if values is not None else []
    except TypeError:
        return []
