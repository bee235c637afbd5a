"""``make manifests``: the complete Kubernetes manifests of the pod roles, once the stack is deployed.

Synth cannot know the ARN of a role CloudFormation names, so an IRSA manifest is written as a
``.pending`` file that kubectl refuses. After ``make deploy`` this reads the role ARNs from the
stack outputs and writes every manifest with them into ``<assembly>/k8s/``. The outputs come from
``<assembly>/outputs.json`` (``make deploy`` writes it with ``--outputs-file``) when it holds the
stack, otherwise from CloudFormation ``DescribeStacks`` with your credentials (read-only).

Usage: ``python -m onboarding_app.manifests_after_deploy --config FILE [--profile NAME] [--assembly cdk.out]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from onboarding_app.node_runtime import use_own_node
from onboarding_app.summary import OUTPUTS_FILE, deployed_outputs

DEFAULT_ASSEMBLY = "cdk.out"
#: Give up on AWS soon when it does not answer, as the account checks do.
_AWS_CONFIG = {"connect_timeout": 4, "read_timeout": 10, "retries": {"max_attempts": 3, "mode": "standard"}}


class ManifestsError(Exception):
    """A problem the user can fix, said in their terms."""


def main(argv: Sequence[str] | None = None, *, session: Any = None) -> int:
    """``session``: the boto3 session for DescribeStacks (tests pass a fake); default: a new one."""
    args = _parser().parse_args(argv)
    try:
        written = run(config_path=args.config, assembly_dir=Path(args.assembly), profile=args.profile, session=session)
    except ManifestsError as error:
        print(f"make manifests: {error}", file=sys.stderr)
        return 1
    if not written:
        print(f"{args.config} has no bedrock.pod_access entries: no Kubernetes manifests to write.")
        return 0
    print("Kubernetes manifests with the deployed role ARNs (kubectl apply -f <file>; the namespace must exist):")
    print("\n".join(f"  {path}" for path in written))
    return 0


def run(*, config_path: str, assembly_dir: Path, profile: str | None = None, session: Any = None) -> list[Path]:
    """Write the manifests of ``config_path``'s pod roles into ``assembly_dir``; return their paths."""
    use_own_node()  # before the CDK loads (the config model imports the library), as app.py does
    from onboarding_config.loader import ConfigError, load_config

    try:
        config = load_config(config_path)
    except ConfigError as error:
        raise ManifestsError(str(error)) from None
    if config.organization is not None or config.bedrock is None or not config.bedrock.pod_access:
        return []

    from onboarding_app.manifests import pod_manifests, write_manifests

    with tempfile.TemporaryDirectory() as scratch:
        stack = _account_stack(config, config_path, Path(scratch))
        wanted = {pod.output_key for pod in pod_manifests(stack)}
        from_file = _outputs_file(assembly_dir, stack.stack_name, wanted)
        outputs = (
            from_file
            if from_file is not None
            else _described_outputs(stack.stack_name, config.region, profile, session)
        )
        missing = sorted(wanted - set(outputs))
        if missing:
            raise ManifestsError(
                f"the deployed stack {stack.stack_name} has no output {', '.join(missing)}: deploy this config first"
                f" (make deploy CONFIG={config_path}), then run make manifests again"
            )
        return write_manifests(stack, assembly_dir, outputs)


def _account_stack(config: Any, config_path: str, outdir: Path) -> Any:
    """The account stack built in memory (no synth, no AWS), for its pod roles and output ids."""
    from aws_cdk import App

    from onboarding_app.assembly import add_stacks

    context = {**_cdk_json_context(), "config": config_path}
    return add_stacks(App(outdir=str(outdir), context=context), config)


def _cdk_json_context() -> dict[str, Any]:
    path = Path("cdk.json")
    if not path.is_file():
        return {}
    return dict(json.loads(path.read_text()).get("context", {}))


def _outputs_file(assembly_dir: Path, stack_name: str, wanted: set[str]) -> dict[str, str] | None:
    """The stack's outputs from ``outputs.json``, when it holds every output wanted."""
    outputs = deployed_outputs(assembly_dir).get(stack_name) if (assembly_dir / OUTPUTS_FILE).is_file() else None
    if not isinstance(outputs, dict) or not wanted <= set(outputs):
        return None
    return {str(key): str(value) for key, value in outputs.items()}


def _described_outputs(stack_name: str, region: str, profile: str | None, session: Any) -> Mapping[str, str]:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        session = session or boto3.Session(profile_name=profile)
        client = session.client("cloudformation", region_name=region, config=Config(**_AWS_CONFIG))
        stacks = client.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        if "does not exist" in message:
            raise ManifestsError(
                f"no stack {stack_name} in {region} for these credentials, and no {OUTPUTS_FILE} from make deploy:"
                " deploy first (make deploy CONFIG=...), or name the account's profile (PROFILE=...)"
            ) from None
        raise ManifestsError(f"could not read the outputs of the stack {stack_name} in {region}: {message}") from None
    except BotoCoreError as error:
        raise ManifestsError(
            f"could not read the outputs of the stack {stack_name} in {region} ({error}); check the credentials"
            " (PROFILE=... or AWS_PROFILE)"
        ) from None
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", []) if "OutputValue" in o}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m onboarding_app.manifests_after_deploy",
        description="Write the Kubernetes manifests of the config's pod roles with the deployed role ARNs.",
    )
    parser.add_argument("--config", required=True, help="the onboarding config that was deployed")
    parser.add_argument(
        "--profile", default=None, help="AWS profile for DescribeStacks (default: AWS_PROFILE or the credential chain)"
    )
    parser.add_argument(
        "--assembly",
        default=DEFAULT_ASSEMBLY,
        help=f"the cloud assembly directory: reads its {OUTPUTS_FILE}, writes k8s/ (default: {DEFAULT_ASSEMBLY})",
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
