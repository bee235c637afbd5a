"""The one Lambda function per stack that serves every ``Custom::EksClusterAccess`` resource."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from ._errors import PropsError
from ._handler_function import handler_log_group, inline_handler_function
from ._signature import public_signature
from ._suppressions import (
    acknowledge_nag,
    ignore_cfn_lint,
    nag_resource_text,
    skip_checkov,
)

HANDLER_ID = "EksClusterAccessHandler"
#: How long CloudFormation waits for an answer; the handler gives up a minute earlier, with a reason.
SERVICE_TIMEOUT = Duration.minutes(30)
FUNCTION_TIMEOUT = Duration.minutes(15)
POLL_INTERVAL = Duration.seconds(15)
#: SSM parameters under this path record what each resource added to its cluster.
STATE_PARAMETER_PREFIX = "/airs-onboarding/eks-cluster-access"
EKS_ACTIONS = ("eks:DescribeCluster", "eks:UpdateClusterConfig", "eks:DescribeUpdate")
SSM_ACTIONS = ("ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter")


@public_signature
class EksClusterAccessHandler(Construct):
    """Lambda function, role and log group of the EKS cluster access custom resource.

    Use ``EksClusterAccessHandler.of(scope)``: one per stack, shared by every cluster. Its role may
    call the EKS actions only on the clusters registered with ``allow_cluster``, keep its records
    under ``STATE_PARAMETER_PREFIX`` in SSM, write its own log group and invoke itself (to continue
    long work in a new invocation).
    """

    @classmethod
    def of(cls, scope: IConstruct, *, log_group_encryption_key: kms.IKey | None = None) -> EksClusterAccessHandler:
        """The stack's handler, created on first use. Every caller must ask for the same log group key."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(HANDLER_ID)
        if not isinstance(existing, EksClusterAccessHandler):
            return cls(stack, HANDLER_ID, log_group_encryption_key=log_group_encryption_key)
        if not _same_key(existing.log_group_encryption_key, log_group_encryption_key):
            raise PropsError(
                scope.node.path,
                [
                    "log_group_encryption_key: one handler and log group serve every cluster of the stack, already"
                    f" with {_shown(existing.log_group_encryption_key)}; pass the same key"
                    f" (received {_shown(log_group_encryption_key)})"
                ],
            )
        return existing

    def __init__(
        self, scope: Construct, construct_id: str, *, log_group_encryption_key: kms.IKey | None = None
    ) -> None:
        """Define the handler; prefer ``EksClusterAccessHandler.of(scope)``, which makes one per stack.

        :param scope: The construct this one is defined in.
        :param construct_id: Its id in ``scope``; part of the logical id of every resource it defines,
            so changing it replaces them.
        :param log_group_encryption_key: KMS key that encrypts the log group. A key defined in the same
            app gets a key-policy statement for CloudWatch Logs in this region, limited to log groups of
            this account and region (``kms:EncryptionContext:aws:logs:arn``); an imported key's policy is
            its owner's to change, and synth warns about it. Default: CloudWatch Logs' own encryption
            at rest (service-owned keys).
        """
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self._log_group_encryption_key = log_group_encryption_key
        self._log_group = handler_log_group(self, log_group_encryption_key, whose="the handler's")
        self._role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Custom::EksClusterAccess handler: authentication mode and endpoint allow-list of listed EKS"
            " clusters",
        )
        self._cluster_statement = iam.PolicyStatement(actions=list(EKS_ACTIONS), resources=[])
        self._state_parameters = stack.format_arn(
            service="ssm", resource="parameter", resource_name=f"{STATE_PARAMETER_PREFIX.lstrip('/')}/*"
        )
        self._function = inline_handler_function(
            self,
            handler="eks_cluster_access",
            role=self._role,
            log_group=self._log_group,
            timeout=FUNCTION_TIMEOUT,
            description="Custom::EksClusterAccess: opens existing EKS clusters to AIRS discovery, and undoes only that",
            environment={
                "POLL_INTERVAL_SECONDS": str(POLL_INTERVAL.to_seconds()),
                # Answer CloudFormation with a reason a minute before it would stop waiting.
                "TIME_BUDGET_SECONDS": str(SERVICE_TIMEOUT.to_seconds() - 60),
                "STATE_PARAMETER_PREFIX": STATE_PARAMETER_PREFIX,
            },
        )
        # A customer managed policy attached to the role: the function's own ARN in the role's
        # default policy would make a dependency cycle, and NIST 800-53 asks for no inline policies.
        self._policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="Custom::EksClusterAccess handler: listed EKS clusters, its SSM records, its logs, itself",
            roles=[self._role],
            statements=[
                self._cluster_statement,
                iam.PolicyStatement(actions=list(SSM_ACTIONS), resources=[self._state_parameters]),
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[self._log_group.log_group_arn]
                ),
                iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[self._function.function_arn]),
            ],
        )
        self._acknowledge_findings()

    @property
    def function(self) -> lambda_.IFunction:
        """The Lambda function that serves every ``Custom::EksClusterAccess`` resource of the stack."""
        return self._function

    @property
    def role(self) -> iam.IRole:
        """The function's execution role."""
        return self._role

    @property
    def policy(self) -> iam.IManagedPolicy:
        """The customer managed policy attached to ``role``: the registered clusters, the SSM records, the log
        group and the function itself."""
        return self._policy

    @property
    def log_group(self) -> logs.ILogGroup:
        """The function's log group, kept for ``LOG_RETENTION``."""
        return self._log_group

    @property
    def log_group_encryption_key(self) -> kms.IKey | None:
        """The KMS key of ``log_group``; ``None`` with CloudWatch Logs' own encryption at rest."""
        return self._log_group_encryption_key

    @property
    def service_token(self) -> str:
        """The function's ARN, the ``ServiceToken`` of each ``Custom::EksClusterAccess`` resource."""
        return self._function.function_arn

    def allow_cluster(self, cluster_name: str) -> None:
        """Let the handler describe and update this cluster (and nothing else)."""
        arn = Stack.of(self).format_arn(service="eks", resource="cluster", resource_name=cluster_name)
        self._cluster_statement.add_resources(arn)

    def _acknowledge_findings(self) -> None:
        function = self._function
        ignore_cfn_lint(
            function,
            "W3005",
            "lambda.Function always adds DependsOn on its role, which the Role GetAtt already implies; harmless.",
        )
        acknowledge_nag(
            function,
            "NIST.800.53.R5-LambdaInsideVPC",
            "The handler calls the regional EKS, SSM and Lambda APIs and the CloudFormation response URL; a VPC would"
            " need"
            " NAT or five endpoints in every account for no isolation gain.",
        )
        skip_checkov(
            function,
            "CKV_AWS_117",
            "The handler calls regional AWS APIs and the CloudFormation response URL only; see the NIST"
            " LambdaInsideVPC acknowledgment.",
        )
        acknowledge_nag(
            function,
            "NIST.800.53.R5-LambdaDLQ",
            "CloudFormation waits for the answer, with ServiceTimeout: a lost invocation fails the stack operation"
            " within"
            " 30 minutes instead of sitting in a queue nobody reads.",
        )
        skip_checkov(
            function,
            "CKV_AWS_116",
            "CloudFormation waits for the answer with ServiceTimeout; a dead-letter queue would hold failures nobody"
            " reads.",
        )
        acknowledge_nag(
            function,
            "NIST.800.53.R5-LambdaConcurrency",
            "Runs only during deployments, one invocation per cluster at a time; reserving concurrency would take it"
            " from the"
            " account's unreserved pool, which new accounts cannot spare.",
        )
        skip_checkov(
            function,
            "CKV_AWS_115",
            "Runs only during deployments; reserved concurrency would be taken from the account's unreserved pool.",
        )
        skip_checkov(
            function,
            "CKV_AWS_173",
            "The environment holds three non-secret settings (poll interval, time budget, SSM path); a KMS key for"
            " them adds cost and no protection.",
        )
        if self._log_group_encryption_key is None:
            acknowledge_nag(
                self._log_group,
                "NIST.800.53.R5-CloudWatchLogGroupEncrypted",
                "The handler logs cluster names, CIDR lists and update ids, no secrets; CloudWatch Logs encrypts at"
                " rest with"
                " service keys already. Pass log_group_encryption_key (config: eks.log_group_kms_key_arn) for a KMS"
                " key.",
            )
            skip_checkov(
                self._log_group,
                "CKV_AWS_158",
                "The handler logs cluster names, CIDR lists and update ids, no secrets; service-key encryption at rest"
                " applies.",
            )
        acknowledge_nag(
            self._policy,
            f"AwsSolutions-IAM5[Resource::{nag_resource_text(Stack.of(self), self._state_parameters)}]",
            "One SSM parameter per cluster and resource, named at run time from the stack and resource ids; the path is"
            " this handler's own.",
        )


def _same_key(first: kms.IKey | None, second: kms.IKey | None) -> bool:
    if first is None or second is None:
        return first is second
    return first is second or Stack.of(first).resolve(first.key_arn) == Stack.of(second).resolve(second.key_arn)


def _shown(key: kms.IKey | None) -> str:
    if key is None:
        return "no key"
    arn = Stack.of(key).resolve(key.key_arn)
    return repr(arn) if isinstance(arn, str) else f"the key {key.node.path}"
