"""The rules the constructs check their props against, public so that a config layer or an account
check asks the same question and gets the same answer.

Each ``*_problem`` function takes a value and returns what is wrong with it (``None`` when nothing
is), in words that do not say where the value came from: the caller prefixes the location
(``flow_logs.subnet_ids[0]`` in a config, ``subnet_ids[0]`` in a construct's props). The limits of
CloudFormation and EKS are the named constants below. A construct that is given bad props raises
``PropsError``, which lists every problem with the construct's path.
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
from ._flow_log_fields import STANDARD_FIELDS_BY_VERSION, missing_standard_fields
from ._identifiers import (
    CLUSTER_NAME_PATTERN,
    ROLE_ARN_PATTERN,
    SUBNET_ID_PATTERN,
    VPC_ID_PATTERN,
    bucket_name_problem,
    canonical_cidr,
    cluster_name_problem,
    is_token,
    kms_key_arn_problem,
    public_cidr_problem,
    repeated,
    role_arn_problem,
    subnet_id_problem,
    trail_arn_problem,
    trail_name_problem,
    vpc_id_problem,
)
from .discovery_role import external_id_problem, principal_arn_problem, sensitive_read_problem
from .pod_bedrock_access import namespace_problem, oidc_issuer_problem, service_account_problem
from .role_policy import boundary_arn_problem, role_name_prefix_problem

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
    "boundary_arn_problem",
    "bucket_name_problem",
    "canonical_cidr",
    "cluster_name_problem",
    "external_id_problem",
    "is_token",
    "kms_key_arn_problem",
    "missing_standard_fields",
    "model_id_problem",
    "namespace_problem",
    "oidc_issuer_problem",
    "principal_arn_problem",
    "public_cidr_problem",
    "repeated",
    "role_arn_problem",
    "role_name_prefix_problem",
    "sensitive_read_problem",
    "service_account_problem",
    "subnet_id_problem",
    "trail_arn_problem",
    "trail_name_problem",
    "vpc_id_problem",
]
