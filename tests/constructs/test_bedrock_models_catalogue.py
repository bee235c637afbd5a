"""Bedrock model ids: the shape is an error, an id the catalogue does not hold is a synth warning."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Annotations, Match, Template

from onboarding_constructs import BedrockInvokerInstanceRole, PodBedrockAccess
from onboarding_constructs import _bedrock_models as bedrock_models
from onboarding_constructs._bedrock_catalogue import CATALOGUE_FILE, MAX_SUGGESTIONS, ModelCatalogue, model_catalogue
from onboarding_constructs._bedrock_models import (
    INFERENCE_PROFILE_GEOGRAPHIES,
    UNKNOWN_MODEL_WARNING,
    is_inference_profile,
    model_id_problem,
    unknown_model_id_note,
)
from tests.conftest import REPO_ROOT, flow_logs_with, new_stack
from tests.constructs.props_errors import props_error
from tests.synth import synthesize

CATALOGUE_PATH = REPO_ROOT / "onboarding_constructs" / CATALOGUE_FILE
SONNET = "anthropic.claude-3-5-sonnet-20240620-v1:0"
MISSPELT = "anthropic.claude-3-5-sonet-20240620-v1:0"


def warnings(stack: Stack, path: str) -> list[str]:
    return [str(w.entry.data) for w in Annotations.from_stack(stack).find_warning(path, Match.any_value())]


def pod_access(stack: Stack, model_ids: list[str]) -> PodBedrockAccess:
    return PodBedrockAccess(
        stack, "Pods", cluster_name="prod", namespace="app", service_account="app-sa", model_ids=model_ids
    )


# --- the catalogue file --------------------------------------------------------------------------------


def test_the_catalogue_file_names_its_aws_source_and_date() -> None:
    data = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    assert re.fullmatch(r"https://docs\.aws\.amazon\.com/bedrock/latest/userguide/[a-z0-9-]+\.html", data["source"]), (
        data["source"]
    )
    retrieved = datetime.date.fromisoformat(data["retrieved"])
    assert retrieved.isoformat() == data["retrieved"]
    assert retrieved <= datetime.date.today()
    catalogue = model_catalogue()
    assert (catalogue.source, catalogue.retrieved, list(catalogue.models)) == (
        data["source"],
        data["retrieved"],
        data["models"],
    )


def test_the_catalogue_is_sorted_without_duplicates_and_holds_foundation_model_ids_only() -> None:
    models = list(model_catalogue().models)
    assert models == sorted(models)
    assert len(models) == len(set(models))
    assert len(models) > 50
    assert [m for m in models if model_id_problem(m)] == []
    assert [m for m in models if is_inference_profile(m)] == []


def test_nothing_in_the_catalogue_is_refused_as_a_model_or_as_a_profile() -> None:
    for model in model_catalogue().models:
        for geography in INFERENCE_PROFILE_GEOGRAPHIES:
            assert model_id_problem(f"{geography}.{model}") is None, model
            assert unknown_model_id_note(f"{geography}.{model}") is None, model
        assert unknown_model_id_note(model) is None


def test_the_wheel_reads_the_catalogue_as_package_data() -> None:
    pyproject = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(rf'^onboarding_constructs = \[.*"{re.escape(CATALOGUE_FILE)}".*\]$', pyproject, re.MULTILINE)


# --- shape: an error ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "amazon.nova-pro-v1:0",
        "twelvelabs.pegasus-1-2-v1:0",
        "openai.gpt-oss-120b-1:0",
        "ai21.jamba-1-5-mini-v1:0",
        "us-gov.amazon.nova-pro-v1:0",
    ],
)
def test_providers_without_hyphens_are_accepted(value: str) -> None:
    assert model_id_problem(value) is None


def test_a_provider_with_a_hyphen_is_not_a_model_id() -> None:
    assert model_id_problem("claude-3.5-sonnet") == (
        "'claude-3.5-sonnet' is not a Bedrock model id: 'claude-3' is not a provider (the part before the first period"
        " is"
        " lowercase letters and digits, such as anthropic, amazon or meta) (expected a Bedrock model id such as"
        " anthropic.claude-3-5-sonnet-20240620-v1:0 or amazon.titan-text-express-v1, or an inference profile id such as"
        " us.anthropic.claude-3-5-sonnet-20240620-v1:0)"
    )


@pytest.mark.parametrize("construct", [BedrockInvokerInstanceRole, PodBedrockAccess])
def test_a_provider_with_a_hyphen_is_refused_by_the_constructs(construct: type) -> None:
    stack = new_stack()
    if construct is PodBedrockAccess:
        error = props_error(lambda: pod_access(stack, ["claude-3.5-sonnet"]))
    else:
        error = props_error(lambda: construct(stack, "Invoker", model_ids=["claude-3.5-sonnet"]))
    assert error.problems == (f"model_ids[0]: {model_id_problem('claude-3.5-sonnet')}",)


# --- not in the catalogue: a warning --------------------------------------------------------------------


def test_a_misspelt_id_names_the_closest_known_ids() -> None:
    catalogue = model_catalogue()
    note = unknown_model_id_note(MISSPELT)
    assert note is not None
    assert note.startswith(
        f"bedrock model id {MISSPELT!r} is not in this version's catalogue (Amazon Bedrock model ids as of"
        f" {catalogue.retrieved}); did you mean {SONNET}, "
    )
    assert note.endswith(
        "? If the id is new, run make doctor (or aws bedrock list-foundation-models in the region) to confirm the"
        " region"
        " offers it."
    )
    suggested = note.split("did you mean ", 1)[1].split("?", 1)[0].replace(" or ", ", ").split(", ")
    assert 1 <= len(suggested) <= MAX_SUGGESTIONS and all(catalogue.knows(s) for s in suggested)


def test_a_misspelt_profile_suggests_profiles_of_the_same_geography() -> None:
    note = unknown_model_id_note(f"eu.{MISSPELT}")
    assert note is not None and f"did you mean eu.{SONNET}, " in note


def test_an_id_like_no_known_one_suggests_nothing() -> None:
    note = unknown_model_id_note("zz.qq-v9")
    assert note is not None
    assert "did you mean" not in note
    assert "(Amazon Bedrock model ids as of" in note and "). If the id is new, run make doctor" in note


def test_the_instance_role_warns_about_a_misspelt_id_with_the_warning_id() -> None:
    stack = new_stack()
    BedrockInvokerInstanceRole(stack, "Invoker", model_ids=[MISSPELT])
    [message] = warnings(stack, "/TestStack/Invoker")
    assert f"did you mean {SONNET}, " in message
    assert message.endswith(f"[ack: {UNKNOWN_MODEL_WARNING}]")
    assert UNKNOWN_MODEL_WARNING == "airs-onboarding:unknownBedrockModelId"


def test_pod_access_warns_about_a_misspelt_profile() -> None:
    stack = new_stack()
    pod_access(stack, [f"us.{MISSPELT}", SONNET])
    [message] = warnings(stack, "/TestStack/Pods")
    assert f"bedrock model id 'us.{MISSPELT}' is not in this version's catalogue" in message
    assert f"did you mean us.{SONNET}, " in message and f"[ack: {UNKNOWN_MODEL_WARNING}]" in message


@pytest.mark.parametrize(
    "model_ids", [[SONNET], [f"us.{SONNET}", "global.anthropic.claude-sonnet-4-5-20250929-v1:0"], []]
)
def test_known_ids_and_known_profiles_do_not_warn(model_ids: list[str]) -> None:
    stack = new_stack()
    BedrockInvokerInstanceRole(stack, "Invoker", model_ids=model_ids)
    pod_access(stack, model_ids)
    assert warnings(stack, "*") == []


def test_the_warning_reaches_the_cloud_assembly_from_the_config(tmp_path: Path) -> None:
    result = synthesize(flow_logs_with() | {"bedrock": {"model_ids": [MISSPELT]}}, tmp_path)
    found = [
        (path, data) for path, data in result.metadata_of_type("aws:cdk:warning") if UNKNOWN_MODEL_WARNING in str(data)
    ]
    [(path, data)] = found
    assert path == "/AirsOnboarding/BedrockInvokerInstanceRole"
    assert f"bedrock model id {MISSPELT!r} is not in this version's catalogue" in data


#: A catalogue of four ids, so that a misspelling has one, two or three close matches, whatever the real one holds.
SMALL_CATALOGUE = ModelCatalogue(
    source="https://docs.aws.amazon.com/bedrock/latest/userguide/models-supported.html",
    retrieved="2026-01-01",
    models=("acme.alpha-v1:0", "acme.alpha-v2:0", "acme.alpha-v3:0", "other.zeta-v1:0"),
)


@pytest.mark.parametrize(
    ("model_id", "suggestions"),
    [
        ("other.zeta-v1:9", "other.zeta-v1:0"),
        ("us.other.zeta-v1:9", "us.other.zeta-v1:0"),
        ("acme.alpha-v:0", "acme.alpha-v3:0, acme.alpha-v2:0 or acme.alpha-v1:0"),
    ],
    ids=["one", "one-profile", "three"],  # closest first; difflib lists equally close ids in reverse order
)
def test_the_note_lists_its_suggestions_as_a_sentence(
    monkeypatch: pytest.MonkeyPatch, model_id: str, suggestions: str
) -> None:
    monkeypatch.setattr(bedrock_models, "model_catalogue", lambda: SMALL_CATALOGUE)
    assert unknown_model_id_note(model_id) == (
        f"bedrock model id {model_id!r} is not in this version's catalogue (Amazon Bedrock model ids as of 2026-01-01);"
        f" did you mean {suggestions}? If the id is new, run make doctor (or aws bedrock list-foundation-models in the"
        " region) to confirm the region offers it."
    )


def test_two_suggestions_are_joined_with_or(monkeypatch: pytest.MonkeyPatch) -> None:
    two = ModelCatalogue(SMALL_CATALOGUE.source, SMALL_CATALOGUE.retrieved, ("acme.alpha-v1:0", "acme.alpha-v2:0"))
    monkeypatch.setattr(bedrock_models, "model_catalogue", lambda: two)
    note = unknown_model_id_note("acme.alpha-v:0")
    assert note is not None and "; did you mean acme.alpha-v2:0 or acme.alpha-v1:0? If" in note


# --- what the policy says about itself ------------------------------------------------------------------


def policy_acknowledgments(construct: BedrockInvokerInstanceRole) -> dict[str, str]:
    return {
        key: reason
        for entry in construct.policy.node.default_child.node.metadata
        if entry.type == "aws:cdk:acknowledged-rules"
        for key, reason in entry.data.items()
    }


def test_the_invoke_policy_says_what_it_allows() -> None:
    stack = new_stack()
    BedrockInvokerInstanceRole(stack, "Invoker", model_ids=[SONNET])
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {"Description": "Invoke the listed Amazon Bedrock models and inference profiles, nothing else"},
    )


def test_the_wildcards_of_named_profiles_are_acknowledged_with_the_reason() -> None:
    stack = new_stack()
    construct = BedrockInvokerInstanceRole(stack, "Invoker", model_ids=[f"us.{SONNET}", SONNET])
    assert policy_acknowledgments(construct) == {
        f"AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/{SONNET}]": (
            "A cross-Region inference profile runs the request on its foundation model in another region, and Bedrock"
            " authorizes that model there (Bedrock 'Prerequisites for inference profiles'). The region is a wildcard"
            " because the profile's destinations are Bedrock's to change; the model id is exact and the statement only"
            " applies when bedrock:InferenceProfileArn is one of this role's inference profiles."
        )
    }


def test_the_wildcards_of_the_default_are_acknowledged_each_with_its_reason() -> None:
    stack = new_stack()
    construct = BedrockInvokerInstanceRole(stack, "Invoker")
    default = (
        "No model_ids were given, so the role may invoke every {what} of this region and account (the published"
        " prerequisite granted bedrock:InvokeModel on '*'; this keeps the region and the two invoke actions). Pass"
        " model_ids to name the models."
    )
    through_profiles = (
        "No model_ids were given: a cross-Region inference profile (system-defined, or an application inference"
        " profile copied from one) of this region runs requests on foundation models in other regions (region-less"
        " for global profiles), which Bedrock authorizes there. The statement only applies when"
        " bedrock:InferenceProfileArn is an inference profile or application inference profile of this region and"
        " account."
    )
    finding = "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:{}]"
    assert policy_acknowledgments(construct) == {
        finding.format("us-east-1::foundation-model/*"): default.format(what="foundation model"),
        finding.format("us-east-1:111111111111:inference-profile/*"): default.format(
            what="system-defined and application inference profile"
        ),
        finding.format("us-east-1:111111111111:application-inference-profile/*"): default.format(
            what="system-defined and application inference profile"
        ),
        finding.format("*::foundation-model/*"): through_profiles,
        finding.format("::foundation-model/*"): through_profiles,
    }
