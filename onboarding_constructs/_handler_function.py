"""What the custom-resource handlers' functions share: the runtime, the inline function, and its log
group with the KMS key policy CloudWatch Logs needs."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from . import _secure_bucket as secure_bucket
from ._handler_code import inline_source

#: The Python every handler runs on (the latest Lambda offers: cdk-nag's AwsSolutions-L1).
HANDLER_RUNTIME = lambda_.Runtime.PYTHON_3_14
#: Memory of each handler's function: the handlers page through API answers, nothing large.
HANDLER_MEMORY_MB = 256
#: How long a handler's log group keeps its logs.
LOG_RETENTION = logs.RetentionDays.ONE_YEAR


def inline_handler_function(
    scope: Construct,
    *,
    handler: str,
    role: iam.IRole,
    log_group: logs.ILogGroup,
    timeout: Duration,
    description: str,
    environment: Mapping[str, str],
) -> lambda_.Function:
    """The function (construct id ``Function``) of ``lambda/<handler>/index.py``, inline: no asset, so the
    template deploys through a StackSet into accounts that were never CDK-bootstrapped."""
    return lambda_.Function(
        scope,
        "Function",
        runtime=HANDLER_RUNTIME,
        handler="index.handler",
        code=lambda_.Code.from_inline(inline_source(handler)),
        role=role,
        timeout=timeout,
        memory_size=HANDLER_MEMORY_MB,
        log_group=log_group,
        description=description,
        environment=dict(environment),
    )


def handler_log_group(scope: Construct, key: kms.IKey | None, *, whose: str) -> logs.LogGroup:
    """A custom-resource function's log group (construct id ``LogGroup``), kept for ``LOG_RETENTION``,
    encrypted with ``key`` if given: a key defined in the app gets CloudWatch Logs' key-policy statement;
    an imported key gets a synth warning naming what its policy needs (``whose``: "the handler's", ...)."""
    log_group = logs.LogGroup(scope, "LogGroup", retention=LOG_RETENTION, encryption_key=key)
    if key is not None:
        secure_bucket.allow_key_use(
            scope,
            key,
            [log_group_key_statement(scope)],
            warning_id="airs-onboarding:importedLogGroupKmsKey",
            requirement=f"{logs_service_principal(scope)} kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*,"
            " kms:GenerateDataKey* and kms:Describe* with the condition ArnLike kms:EncryptionContext:aws:logs:arn"
            f" on this account's log groups in this region, or CloudFormation cannot create {whose} log group. See"
            " the Amazon CloudWatch Logs User Guide, 'Encrypt log data in CloudWatch Logs using AWS Key Management"
            " Service'.",
        )
    return log_group


def logs_service_principal(scope: IConstruct) -> str:
    """CloudWatch Logs' regional service principal, which a log group's KMS key policy must name."""
    return f"logs.{Stack.of(scope).region}.amazonaws.com"


def log_group_key_statement(scope: IConstruct) -> iam.PolicyStatement:
    """The key-policy statement CloudWatch Logs needs to encrypt log groups of this account and region.

    The log group's name is made by CloudFormation, and naming its ARN here would make the key
    policy and the log group depend on each other, so the condition covers this account's log
    groups in this region, as the CloudWatch Logs User Guide's example does.
    """
    stack = Stack.of(scope)
    return iam.PolicyStatement(
        sid="AllowCloudWatchLogsToUseTheKey",
        principals=[iam.ServicePrincipal(logs_service_principal(scope))],
        actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        resources=["*"],
        conditions={
            "ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                    service="logs", resource="log-group", resource_name="*", arn_format=ArnFormat.COLON_RESOURCE_NAME
                )
            }
        },
    )
