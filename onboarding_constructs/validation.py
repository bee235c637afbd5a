"""The rules the constructs check their props against, public so that a config layer or an account
check asks the same question and gets the same answer.

Each ``*_problem`` function takes a value and returns what is wrong with it (``None`` when nothing
is); each ``*_problems`` function returns every problem of a list or of settings that depend on
each other (an empty list when there is none). Their words never say where the value came from:
the caller prefixes the location (``flow_logs.subnet_ids[0]`` in a config, ``subnet_ids[0]`` in a
construct's props). A rule over a list judges the list as a whole (empty, a value twice, too many);
each value is judged by the rule for one value. The limits of CloudFormation and EKS are the named
constants below. A construct that is given bad props raises ``PropsError``, which lists every
problem with the construct's path.
"""

from __future__ import annotations

from ._aws_limits import (
    MAX_CUSTOM_RESOURCE_RESPONSE_BYTES,
    MAX_FN_OR_CONDITIONS,
    MAX_PUBLIC_ACCESS_CIDRS,
    MAX_STACK_RESOURCES,
    MAX_TEMPLATE_BODY_BYTES,
    MAX_TEMPLATE_BYTES,
    MAX_TEMPLATE_PARAMETERS,
)
from ._bedrock_models import model_id_problem
from ._errors import PropsError
from ._existing_resource import existing_resource_problem
from ._flow_log_fields import STANDARD_FIELDS_BY_VERSION, missing_standard_fields
from ._identifiers import (
    CLUSTER_NAME_PATTERN,
    ROLE_ARN_PATTERN,
    SUBNET_ID_PATTERN,
    VPC_ID_PATTERN,
    account_id_problem,
    bucket_name_problem,
    canonical_cidr,
    cluster_name_problem,
    is_token,
    kms_key_arn_problem,
    organizational_unit_id_problem,
    public_cidr_problem,
    repeated,
    repeated_problem,
    role_arn_problem,
    role_name_problem,
    subnet_id_problem,
    trail_arn_problem,
    trail_name_problem,
    vpc_id_problem,
)
from ._regions import known_regions, region_problem
from .discovery_role import external_id_problem, principal_arn_problem, sensitive_read_problem
from .eks_discovery_access import allowed_cidrs_problems
from .estate_coverage import (
    cluster_coverage_problem,
    estate_coverage_problems,
    exclude_tag_problems,
    opt_in_tag_problems,
    owner_problem,
    public_endpoint_tag_problems,
    report_parameter_name_problem,
    sweep_interval_problem,
    sweep_minutes_problem,
)
from .flow_logs import aggregation_interval_problem, file_format_problem, flow_log_targets_problems
from .pod_bedrock_access import (
    mode_problem,
    namespace_problem,
    oidc_issuer_problem,
    pod_access_mode_problems,
    service_account_problem,
)
from .role_policy import boundary_arn_problem, role_name_prefix_problem
from .service_managed_stack_set import (
    call_as_problem,
    concurrency_mode_problem,
    include_exclude_problem,
    percentage_problem,
    target_list_problems,
)

__all__ = [
    "CLUSTER_NAME_PATTERN",
    "MAX_CUSTOM_RESOURCE_RESPONSE_BYTES",
    "MAX_FN_OR_CONDITIONS",
    "MAX_PUBLIC_ACCESS_CIDRS",
    "MAX_STACK_RESOURCES",
    "MAX_TEMPLATE_BODY_BYTES",
    "MAX_TEMPLATE_BYTES",
    "MAX_TEMPLATE_PARAMETERS",
    "ROLE_ARN_PATTERN",
    "STANDARD_FIELDS_BY_VERSION",
    "SUBNET_ID_PATTERN",
    "VPC_ID_PATTERN",
    "PropsError",
    "account_id_problem",
    "aggregation_interval_problem",
    "allowed_cidrs_problems",
    "boundary_arn_problem",
    "bucket_name_problem",
    "call_as_problem",
    "canonical_cidr",
    "cluster_coverage_problem",
    "cluster_name_problem",
    "concurrency_mode_problem",
    "estate_coverage_problems",
    "exclude_tag_problems",
    "existing_resource_problem",
    "external_id_problem",
    "file_format_problem",
    "flow_log_targets_problems",
    "include_exclude_problem",
    "is_token",
    "kms_key_arn_problem",
    "known_regions",
    "missing_standard_fields",
    "mode_problem",
    "model_id_problem",
    "namespace_problem",
    "oidc_issuer_problem",
    "opt_in_tag_problems",
    "organizational_unit_id_problem",
    "owner_problem",
    "percentage_problem",
    "pod_access_mode_problems",
    "principal_arn_problem",
    "public_cidr_problem",
    "public_endpoint_tag_problems",
    "region_problem",
    "repeated",
    "repeated_problem",
    "report_parameter_name_problem",
    "role_arn_problem",
    "role_name_prefix_problem",
    "role_name_problem",
    "sensitive_read_problem",
    "service_account_problem",
    "subnet_id_problem",
    "sweep_interval_problem",
    "sweep_minutes_problem",
    "target_list_problems",
    "trail_arn_problem",
    "trail_name_problem",
    "vpc_id_problem",
]
