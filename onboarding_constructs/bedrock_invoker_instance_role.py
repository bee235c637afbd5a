"""``BedrockInvokerInstanceRole``: an EC2 instance role that may invoke Bedrock models, and nothing else."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam
from constructs import Construct

from ._bedrock_models import invoke_models_policy, model_ids_problems
from ._errors import PropsError
from ._identifiers import role_name_problem
from ._props import at
from ._signature import public_signature

EC2_SERVICE = "ec2.amazonaws.com"


@public_signature
class BedrockInvokerInstanceRole(Construct):
    """An IAM role for EC2 instances, with its instance profile, allowed to invoke Bedrock models.

    The prerequisite "Associate a role for VM model invocation", done safely: the role trusts
    ``ec2.amazonaws.com`` (``sts:AssumeRole``) and a customer managed policy allows exactly
    ``bedrock:InvokeModel`` and ``bedrock:InvokeModelWithResponseStream`` (which also authorize
    Converse and ConverseStream) on the models of this stack's region, never ``bedrock:*`` or
    ``Resource: "*"``. Calls are made as this role, so CloudTrail records which instance role invoked
    which model. Attach the instance profile to the instances (launch template or
    ``aws ec2 associate-iam-instance-profile``); this construct changes no existing instance.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        model_ids: Sequence[str] = (),
        role_name: str | None = None,
    ) -> None:
        """Define the role, its invoke policy and its instance profile.

        :param scope: The construct this one is defined in.
        :param construct_id: Its id in ``scope``; part of the logical id of every resource it defines,
            so changing it replaces them.
        :param model_ids: Bedrock model ids (``anthropic.claude-3-5-sonnet-20240620-v1:0``) and
            cross-Region inference profile ids (``us.anthropic.claude-3-5-sonnet-20240620-v1:0``) the
            instances may invoke. An inference profile also allows its foundation model in the profile's
            destination regions, only through that profile. Default: every foundation model and
            inference profile of the stack's region.
        :param role_name: Name of the role. IAM names are global per account: a named role deployed to
            two regions of one account collides, so leave it unset for StackSets. Default: a name
            CloudFormation generates.
        """
        super().__init__(scope, construct_id)
        PropsError.raise_if_any(self.node.path, _validate(model_ids=model_ids, role_name=role_name))
        self._model_ids = tuple(model_ids)
        self._role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            assumed_by=iam.ServicePrincipal(EC2_SERVICE),
            description="EC2 instances that invoke Amazon Bedrock models (AIRS onboarding)",
        )
        self._policy = invoke_models_policy(self, self._role, self._model_ids)
        self._instance_profile = iam.InstanceProfile(self, "InstanceProfile", role=self._role)

    @property
    def role(self) -> iam.IRole:
        """The instance role."""
        return self._role

    @property
    def role_arn(self) -> str:
        """ARN of the instance role."""
        return self._role.role_arn

    @property
    def policy(self) -> iam.IManagedPolicy:
        """The customer managed policy that lets the role invoke the models."""
        return self._policy

    @property
    def instance_profile(self) -> iam.IInstanceProfile:
        """The instance profile to attach to the instances."""
        return self._instance_profile

    @property
    def model_ids(self) -> tuple[str, ...]:
        """The model and inference profile ids the role may invoke; empty means every model of the region."""
        return self._model_ids


def _validate(*, model_ids: Sequence[str], role_name: str | None) -> list[str]:
    problems = model_ids_problems(model_ids)
    if role_name is not None:
        problems += at("role_name", [role_name_problem(role_name)])
    return problems
