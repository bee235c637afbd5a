"""Running the EKS cluster-access handler as Lambda and CloudFormation would, against FakeAws."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from types import ModuleType
from typing import Any, Iterator

import pytest

from tests.conftest import REPO_ROOT
from tests.handlers.fake_aws import FakeAws

HANDLER_FILE = REPO_ROOT / "lambda" / "eks_cluster_access" / "index.py"
STACK_ID = "arn:aws:cloudformation:us-east-1:111111111111:stack/AirsOnboarding/0f1e2d3c-aaaa-bbbb-cccc-000000000000"
FUNCTION_NAME = "AirsOnboarding-EksClusterAccessHandler"
_request_ids = itertools.count(1)


class LambdaContext:
    """The part of the Lambda context the handler uses, on the fake's virtual clock."""

    def __init__(self, aws: FakeAws, timeout_seconds: float) -> None:
        self._aws = aws
        self._deadline = aws.clock.now() + timeout_seconds
        self.function_name = FUNCTION_NAME

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - self._aws.clock.now()) * 1000)


class Harness:
    def __init__(self, aws: FakeAws, module: ModuleType) -> None:
        self.aws = aws
        self.module = module
        self.lambda_timeout = 900.0
        self.invocation_count = 0

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
            "LogicalResourceId": "EksprodeksClusterAccess",
            "ResourceType": "Custom::EksClusterAccess",
            "ResourceProperties": props,
        }
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        if old is not None:
            event["OldResourceProperties"] = old
        return event

    def run(self, event: dict[str, Any]) -> dict[str, Any]:
        """Invoke until the request is answered, following each hand-off; return the one answer."""
        queue = [event]
        while queue:
            before = len(self.aws.invocations)
            self.module.handler(queue.pop(0), LambdaContext(self.aws, self.lambda_timeout))
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
    monkeypatch.setattr(module, "_sleep", aws.clock.sleep)
    monkeypatch.setattr(module, "_now", aws.clock.now)
    return Harness(aws, module)
