"""Running the EKS cluster-access handler as Lambda and CloudFormation would, against FakeAws."""

from __future__ import annotations

import importlib.util
import itertools
import json
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest

from tests.conftest import REPO_ROOT
from tests.handlers.fake_aws import FakeAws

HANDLER_FILE = REPO_ROOT / "lambda" / "eks_cluster_access" / "index.py"
STACK_ID = "arn:aws:cloudformation:us-east-1:111111111111:stack/AirsOnboarding/0f1e2d3c-aaaa-bbbb-cccc-000000000000"
FUNCTION_NAME = "AirsOnboarding-EksClusterAccessHandler"
LOGICAL_ID = "EksprodeksClusterAccess"
STATE_PREFIX = "/airs-onboarding/eks-cluster-access"
# Virtual seconds each AWS request (and the response PUT) takes, unless a test sets aws.request_latency.
REQUEST_LATENCY = 0.2
_request_ids = itertools.count(1)


class LambdaTimedOut(BaseException):
    """Lambda stopped the invocation at its timeout. A BaseException, as the real end is: the handler's
    ``except Exception`` cannot catch it and answer CloudFormation after all."""


class InvocationKilled(AssertionError):
    """An invocation ran past its Lambda timeout: in AWS it would have been killed there."""


class LambdaContext:
    """The part of the Lambda context the handler uses, on the fake's virtual clock."""

    def __init__(self, aws: FakeAws, timeout_seconds: float) -> None:
        self._aws = aws
        self.timeout_seconds = timeout_seconds
        self.deadline = aws.clock.now() + timeout_seconds
        self.function_name = FUNCTION_NAME

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - self._aws.clock.now()) * 1000))


class Harness:
    """Runs the handler as Lambda does: each invocation ends at its timeout, and everything the handler
    does takes virtual time (its sleeps, and each request by ``aws.request_latency``)."""

    def __init__(self, aws: FakeAws, module: ModuleType) -> None:
        self.aws = aws
        self.module = module
        self.lambda_timeout = 900.0
        self.invocation_count = 0
        # A request that is never answered fails its test here instead of looping for ever.
        self.max_invocations = 100
        self._context: LambdaContext | None = None

    def sleep(self, seconds: float) -> None:
        """The handler's time.sleep: an invocation whose timeout comes first ends there."""
        context = self._context
        if context is not None and self.aws.clock.now() + seconds > context.deadline:
            self.aws.clock.advance(max(0.0, context.deadline - self.aws.clock.now()))
            raise LambdaTimedOut(f"asleep ({seconds:g} s) when the {context.timeout_seconds:g} s timeout came")
        self.aws.clock.sleep(seconds)

    def before_send(self, request: Any, **_kwargs: Any) -> None:
        """botocore's before-send event: no request leaves an invocation that has timed out."""
        context = self._context
        if context is not None and self.aws.clock.now() >= context.deadline:
            raise LambdaTimedOut(
                f"about to send {request.method} {request.url} after the {context.timeout_seconds:g} s timeout"
            )

    def event(
        self,
        request_type: str,
        cluster: str = "prod",
        *,
        cidrs: list[str] | None = None,
        public: bool = False,
        physical_id: str | None = None,
        old: dict[str, Any] | None = None,
        properties: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        request_id = f"request-{next(_request_ids)}"
        props = properties or {
            "ServiceToken": f"arn:aws:lambda:us-east-1:111111111111:function:{FUNCTION_NAME}",
            "ClusterName": cluster,
            "AllowedCidrs": cidrs or ["34.71.64.3/32", "34.28.60.186/32"],
            "EnablePublicEndpoint": "true" if public else "false",
        }
        event: dict[str, Any] = {
            "RequestType": request_type,
            "ResponseURL": self.aws.response_url(request_id),
            "StackId": STACK_ID,
            "RequestId": request_id,
            "LogicalResourceId": LOGICAL_ID,
            "ResourceType": "Custom::EksClusterAccess",
            "ResourceProperties": props,
        }
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        if old is not None:
            event["OldResourceProperties"] = old
        return event

    def run(self, event: dict[str, Any]) -> dict[str, Any]:
        """Invoke until the request is answered, following each hand-off; return the one answer.

        Raises InvocationKilled when an invocation runs past its timeout (its last request or the
        response included): in AWS the work after that point never happens.
        """
        queue = [event]
        invocations = 0
        while queue:
            if invocations == self.max_invocations:
                raise AssertionError(f"request {event['RequestId']} still not answered after {invocations} invocations")
            before = len(self.aws.invocations)
            context = self._context = LambdaContext(self.aws, self.lambda_timeout)
            invocations += 1
            try:
                self.module.handler(queue.pop(0), context)
            except LambdaTimedOut as timed_out:
                raise InvocationKilled(
                    f"invocation {invocations} of {event['RequestId']} was killed: {timed_out}"
                ) from None
            finally:
                self._context = None
            overrun = self.aws.clock.now() - context.deadline
            if overrun > 0:
                raise InvocationKilled(
                    f"invocation {invocations} of {event['RequestId']} ended {overrun:g} s after its"
                    f" {context.timeout_seconds:g} s timeout"
                )
            self.invocation_count += 1
            for invocation in self.aws.invocations[before:]:
                assert invocation["FunctionName"] == FUNCTION_NAME and invocation["InvocationType"] == "Event"
                queue.append(invocation["Payload"])
        answers = [r for r in self.aws.responses if r["RequestId"] == event["RequestId"]]
        assert len(answers) == 1, f"expected exactly one answer, got {answers}"
        answer = answers[0]
        assert {answer["StackId"], answer["LogicalResourceId"]} == {STACK_ID, event["LogicalResourceId"]}
        return answer

    def create(self, cluster: str = "prod", **kwargs: Any) -> dict[str, Any]:
        return self.run(self.event("Create", cluster, **kwargs))

    def delete(self, cluster: str = "prod", **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("physical_id", f"eks-cluster-access:{cluster}")
        return self.run(self.event("Delete", cluster, **kwargs))

    def mutations(self) -> list[dict[str, Any]]:
        """The UpdateClusterConfig requests so far, without botocore's random idempotency token."""
        return [
            {k: v for k, v in params.items() if k != "clientRequestToken"}
            for operation, params in self.aws.calls
            if operation == "UpdateClusterConfig"
        ]

    def endpoint(self, cluster: str = "prod") -> tuple[bool, bool, list[str]]:
        vpc = self.aws.cluster(cluster)["resourcesVpcConfig"]
        return vpc["endpointPublicAccess"], vpc["endpointPrivateAccess"], vpc["publicAccessCidrs"]

    def records(self, cluster: str = "prod") -> dict[str, dict[str, Any]]:
        """The SSM records kept for the cluster (parameter name -> parsed value), read from the fake's SSM."""
        prefix = f"{STATE_PREFIX}/{cluster}/"
        return {name: json.loads(value) for name, value in self.aws.ssm_parameters.items() if name.startswith(prefix)}

    def record(self, cluster: str = "prod") -> dict[str, Any] | None:
        """The one resource's SSM record for the cluster, None when there is none."""
        records = self.records(cluster)
        assert len(records) <= 1, f"more than one record for {cluster}: {records}"
        return next(iter(records.values()), None)


def load_handler() -> ModuleType:
    """The handler file as Lambda loads it: a module of its own, nothing of the project imported."""
    spec = importlib.util.spec_from_file_location("eks_cluster_access_index", HANDLER_FILE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAws]:
    with FakeAws() as fake:
        for name, value in fake.env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("POLL_INTERVAL_SECONDS", "15")
        monkeypatch.setenv("TIME_BUDGET_SECONDS", "1740")
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        yield fake


@pytest.fixture
def cfn(aws: FakeAws, monkeypatch: pytest.MonkeyPatch) -> Harness:
    module = load_handler()
    harness = Harness(aws, module)
    aws.request_latency = REQUEST_LATENCY
    monkeypatch.setattr(module, "_sleep", harness.sleep)
    monkeypatch.setattr(module, "_now", aws.clock.now)
    # The handler's boto3.client(...) calls use the default session: a fresh one per test, with the hook.
    session = boto3.session.Session()
    session.events.register("before-send", harness.before_send)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", session)
    return harness
