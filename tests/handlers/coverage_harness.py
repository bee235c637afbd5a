"""Running the estate-coverage handler as Lambda, CloudFormation and EventBridge would, on moto made to act like AWS.

The handler's default boto3 clients talk to moto in-process (``moto.mock_aws``) through a boto3 session of
the harness, so botocore's serialization, parsing and standard-mode retries all run. The session's event
hooks count every API call per operation (``provide-client-params``) and every attempt (``before-send``), and can
answer an attempt with an injected error (throttling, 5xx, access denied) before moto sees it.

EKS is not moto's (moto has no access entries, no DescribeUpdate, and replaces a cluster's whole VPC config):
``harness.eks`` is the suite's stateful EKS fake (tests/handlers/fake_aws.py), on the harness's clock, and the
``before-send`` hook answers each EKS request with the fake's own request handling, in-process (no server).
EKS calls are counted, timed and open to injected faults as the others are; ``harness.eks_client`` is a boto3
client of the arranging session that reaches the fake too (uncounted). SSM stays on moto. Lambda's Invoke goes
to the same fake, which accepts an asynchronous invocation (InvocationType Event: 202) and records it in
``harness.invocations`` (moto would refuse it: the function is not deployed there).

moto is patched where it differs from AWS in something the handler depends on (``AwsRules``); each
difference is pinned by a test of the harness itself (tests/handlers/test_estate_coverage_harness.py):

- DescribeVpcs and DescribeFlowLogs paginate (moto ignores MaxResults and returns everything). DescribeVpcs
  refuses MaxResults outside 5..1000 (its API model); DescribeFlowLogs refuses more than 1000.
- CreateFlowLogs refuses more than 300 resource ids (the EC2 API reference; see MAX_VPCS_PER_CREATE in the
  handler), and TagSpecifications of any resource type but vpc-flow-log. Per VPC it reports in
  ``Unsuccessful``: a VPC that does not exist (moto: the whole call fails), a third flow log on one VPC
  (EC2 allows 2; moto has no limit), and a flow log identical to one the VPC has (moto: the whole call fails,
  and on any second flow log to the same destination, whatever its format). It keeps DestinationOptions
  (moto drops them).
- DeleteFlowLogs refuses more than 1000 ids and reports ids that do not exist in ``Unsuccessful``
  (moto: the whole call fails, after deleting the others).
- SSM PutParameter refuses a value over its tier's limit (standard 4 KB, advanced 8 KB) and an advanced
  parameter put back as standard (moto accepts both).
- Deleting a VPC deletes its flow logs.
- CreateFlowLogs honours ClientToken: a repeat with the same token and parameters gets the first answer.
- SSM GetParametersByPath pages (moto honours MaxResults and refuses more than 10, as SSM does); a page
  limit returns fewer parameters than asked for.

Where AWS's behaviour is not documented (whether a per-VPC problem fails the whole CreateFlowLogs call or
only its item; whether a duplicate is judged on the whole configuration or on the destination alone), the
``AwsRules`` switches give both answers, and the handler is tested against each.

Time is virtual: the handler's clock and sleeps, botocore's retry back-off and each request's latency move
``harness.clock``; an invocation that would run past its Lambda timeout ends there (LambdaTimedOut).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import inspect
import itertools
import json
import os
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import boto3
import botocore.endpoint
import botocore.session
from botocore.awsrequest import AWSResponse
from moto import mock_aws
from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse
from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import EC2Backend, ec2_backends
from moto.ec2.models.flow_logs import FlowLogs as _FlowLogs
from moto.ec2.responses.flow_logs import FlowLogs as FlowLogResponses
from moto.ec2.responses.vpcs import VPCs as VpcResponses
from moto.ec2.utils import random_flow_log_id
from moto.ssm.exceptions import ValidationException
from moto.ssm.models import SimpleSystemManagerBackend

from tests.handlers.fake_aws import FakeAws

REPO_ROOT = Path(__file__).resolve().parents[2]
HANDLER_FILE = REPO_ROOT / "lambda" / "estate_coverage" / "index.py"
ACCOUNT_ID = "123456789012"  # moto's account
REGION = "us-east-1"
BUCKET = "airs-flow-logs-123456789012"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
LOG_FORMAT = (
    "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets}"
    " ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${flow-direction}"
)
OWNER = "AirsOnboarding-123456789012-us-east-1"
COVERAGE_TAG_KEY = "airs-onboarding:coverage"
REPORT_PARAMETER = "/airs-onboarding/coverage/AirsOnboarding"
LEASE_PARAMETER = f"{REPORT_PARAMETER}/lease"
EXCLUDE_TAG = ("airs-discovery", "off")
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/AirsOnboarding/0f1e2d3c-aaaa-bbbb-cccc-000000000000"
LOGICAL_ID = "FlowLogsCoverage"
FUNCTION_NAME = "AirsOnboarding-EstateCoverageHandler"
ENVIRONMENT = {
    "BUCKET_ARN": BUCKET_ARN,
    "LOG_FORMAT": LOG_FORMAT,
    "FILE_FORMAT": "parquet",
    "PER_HOUR_PARTITION": "true",
    "HIVE_COMPATIBLE_PARTITIONS": "false",
    "MAX_AGGREGATION_INTERVAL": "60",
    "EXCLUDE_TAG_KEY": EXCLUDE_TAG[0],
    "EXCLUDE_TAG_VALUE": EXCLUDE_TAG[1],
    "OWNER": OWNER,
    "REPORT_PARAMETER": REPORT_PARAMETER,
}
#: The cluster settings of a tagged EstateCoverage, as the construct writes them.
CLUSTER_SETTINGS = {
    "CLUSTER_COVERAGE": "tagged",
    "OPT_IN_TAG_KEY": "airs-discovery",
    "OPT_IN_TAG_VALUE": "on",
    "PUBLIC_ENDPOINT_TAG_KEY": "airs-discovery-public-endpoint",
    "PUBLIC_ENDPOINT_TAG_VALUE": "allow",
    "DISCOVERY_ROLE_ARN": f"arn:aws:iam::{ACCOUNT_ID}:role/airs-discovery",
    "ALLOWED_CIDRS": "34.71.64.3/32,34.28.60.186/32",
    "ACCESS_POLICY_ARN": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
}
#: A tagged EstateCoverage without a bucket: clusters only.
CLUSTER_ENVIRONMENT = {**ENVIRONMENT, "COVER_VPCS": "false", **CLUSTER_SETTINGS, "POLL_INTERVAL_SECONDS": "15"}
# The settings as the construct passes them (Custom::EstateCoverage's Settings property).
SETTINGS = {k: v for k, v in ENVIRONMENT.items() if k not in ("OWNER", "REPORT_PARAMETER")}
READ_PREFIXES = ("Describe", "Get", "List")
# Services the harness answers with the suite's fake (tests/handlers/fake_aws.py) instead of moto.
FAKE_SERVICES = ("eks", "lambda")
# CreateFlowLogs' default record format (the version 2 fields).
LOG_FORMAT_V2 = (
    "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets}"
    " ${bytes} ${start} ${end} ${action} ${log-status}"
)

# AWS's messages where they are documented or quoted; the rest are marked as guesses in their constant.
MAX_CREATE_RESOURCE_IDS = 300  # EC2 API reference, CreateFlowLogs ResourceIds (non-transit-gateway types)
MAX_FLOW_LOG_IDS = 1000  # EC2 API reference, DeleteFlowLogs / DescribeFlowLogs FlowLogIds
FLOW_LOGS_PER_RESOURCE = 2  # Amazon VPC quotas: flow logs per single network interface, subnet or VPC
LIMIT_MESSAGE = "You've reached the limit on the number of flow logs you can create."  # EC2 error codes table
DUPLICATE_MESSAGE = "Error. There is an existing Flow Log with the same configuration and log destination."
STANDARD_LIMIT_MESSAGE = (  # a guess at AWS's wording
    "Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter"
    " value, upgrade the parameter to use the advanced-parameter tier."
)
DOWNGRADE_MESSAGE = "This parameter uses the advanced-parameter tier. You can't downgrade it to standard."  # a guess

_request_ids = itertools.count(1)
# moto's flow log model (typed as abstract by moto's stubs; it is instantiated by moto itself the same way).
FlowLogModel: Any = _FlowLogs
# One loader for every session the harness makes: it caches the service models, which take ~0.4 s to read.
_LOADER = botocore.session.Session().get_component("data_loader")


def _new_session() -> boto3.session.Session:
    core = botocore.session.Session()
    core.register_component("data_loader", _LOADER)
    return boto3.session.Session(botocore_session=core)


class LambdaTimedOut(BaseException):
    """Lambda ended the invocation at its timeout (a BaseException: the handler cannot catch it)."""


class VirtualClock:
    """now() starts at 1_700_000_000.0 (2023-11-14T22:13:20Z); sleep() moves it at once."""

    def __init__(self) -> None:
        self._now = 1_700_000_000.0
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("virtual time does not go backwards")
        with self._lock:
            self._now += seconds


class LambdaContext:
    def __init__(self, clock: VirtualClock, timeout_seconds: float, request_id: str) -> None:
        self._clock = clock
        self.deadline = clock.now() + timeout_seconds
        self.timeout_seconds = timeout_seconds
        self.function_name = FUNCTION_NAME
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{FUNCTION_NAME}"
        self.aws_request_id = request_id

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - self._clock.now()) * 1000))


@dataclass
class Fault:
    """Answer the next `times` attempts of `operation` (None: every attempt) with this error."""

    operation: str
    code: str
    status: int
    message: str
    times: int | None
    after: int = 0  # let this many attempts through first
    executed: bool = False  # AWS carried the request out, and the answer is lost (a 5xx on the way back)


@dataclass
class AwsRules:
    """How the fake answers where AWS's behaviour is not documented (both answers are tested)."""

    # CreateFlowLogs and DeleteFlowLogs: a problem with one item is reported in Unsuccessful (the call
    # succeeds for the others), or fails the whole call and changes nothing ("whole-call").
    per_item_errors: str = "unsuccessful"
    # A new flow log is a duplicate of one with the same configuration ("configuration"), or of any flow
    # log of the same resource to the same destination ("destination", moto's rule).
    duplicate_rule: str = "configuration"
    # Items per page at most, below MaxResults (AWS may return fewer than asked for): DescribeVpcs,
    # DescribeFlowLogs and SSM GetParametersByPath. EKS has its own: harness.eks.page_size.
    page_limit: int | None = None
    # Called with the operation name before each Describe* call is answered (to change the estate between
    # a run's reads).
    before_describe: Callable[[str], None] | None = None


@dataclass
class Call:
    operation: str
    params: dict[str, Any]


@dataclass
class Harness:
    module: ModuleType
    clock: VirtualClock
    rules: AwsRules
    session: boto3.session.Session
    arrange: boto3.session.Session
    responses: list[dict[str, Any]]
    response_base: str
    eks: FakeAws  # the EKS the handler sees: arrange clusters with harness.eks.add_cluster(...)
    calls: list[Call] = field(default_factory=list)
    attempts: Counter[str] = field(default_factory=Counter)
    faults: list[Fault] = field(default_factory=list)
    lambda_timeout: float = 900.0
    request_latency: float = 0.0
    # operation -> callbacks run (once each) when the handler is about to call it: to change the estate, or
    # to start another invocation, at an exact point of a run.
    on_call: dict[str, list[Callable[[dict[str, Any]], object]]] = field(default_factory=dict)
    on_sleep: Callable[[float], None] | None = None  # runs at each of the handler's own sleeps
    _context: LambdaContext | None = None

    # --- arranging the estate ---------------------------------------------------------------------

    @functools.cached_property
    def ec2(self) -> Any:
        return self.arrange.client("ec2", region_name=REGION)

    @functools.cached_property
    def ssm(self) -> Any:
        return self.arrange.client("ssm", region_name=REGION)

    @property
    def invocations(self) -> list[dict[str, Any]]:
        """The asynchronous Lambda invocations so far: FunctionName, InvocationType and Payload (parsed JSON)."""
        return self.eks.invocations

    @functools.cached_property
    def eks_client(self) -> Any:
        """A boto3 EKS client that reaches harness.eks without being counted or answered by a fault."""
        return self.arrange.client("eks", region_name=REGION)

    @property
    def backend(self) -> Any:
        return ec2_backends[ACCOUNT_ID][REGION]

    def default_vpc(self) -> str:
        return str(next(v.id for v in self.backend.vpcs.values() if v.is_default))

    def add_vpc(self, tags: dict[str, str] | None = None) -> str:
        specs = [{"ResourceType": "vpc", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}] if tags else []
        vpc_id: str = self.ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=specs)["Vpc"]["VpcId"]
        return vpc_id

    def add_vpcs(self, count: int) -> list[str]:
        """Many VPCs at once, straight into moto's backend (the API takes ~5 ms per VPC)."""
        return [self.backend.create_vpc("10.0.0.0/16").id for _ in range(count)]

    def vpc_ids(self) -> list[str]:
        return sorted(self.backend.vpcs)

    def tag(self, vpc_id: str, key: str, value: str) -> None:
        self.ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": key, "Value": value}])

    def untag(self, vpc_id: str, key: str) -> None:
        self.ec2.delete_tags(Resources=[vpc_id], Tags=[{"Key": key}])

    def exclude(self, vpc_id: str) -> None:
        self.tag(vpc_id, *EXCLUDE_TAG)

    def delete_vpc(self, vpc_id: str) -> None:
        self.ec2.delete_vpc(VpcId=vpc_id)

    def add_flow_log(
        self,
        vpc_id: str,
        *,
        owner: str | None = None,
        tags: dict[str, str] | None = None,
        **overrides: Any,
    ) -> str:
        """A flow log as someone (or an earlier run, with `owner`) created it; it matches ours unless overridden."""
        tag_list = [{"Key": k, "Value": v} for k, v in (tags or {}).items()]
        if owner is not None:
            tag_list.append({"Key": COVERAGE_TAG_KEY, "Value": owner})
        params: dict[str, Any] = {
            "ResourceType": "VPC",
            "ResourceIds": [vpc_id],
            "TrafficType": "ALL",
            "LogDestinationType": "s3",
            "LogDestination": BUCKET_ARN,
            "LogFormat": LOG_FORMAT,
            "MaxAggregationInterval": 60,
            "DestinationOptions": {
                "FileFormat": "parquet",
                "PerHourPartition": True,
                "HiveCompatiblePartitions": False,
            },
        }
        params.update(overrides)
        params = {k: v for k, v in params.items() if v is not None}
        if tag_list:
            params["TagSpecifications"] = [{"ResourceType": "vpc-flow-log", "Tags": tag_list}]
        response = self.ec2.create_flow_logs(**params)
        assert not response["Unsuccessful"], response["Unsuccessful"]
        flow_log_id: str = response["FlowLogIds"][0]
        return flow_log_id

    def add_flow_logs_directly(
        self, vpc_ids: list[str], *, owner: str | None, log_format: str = LOG_FORMAT
    ) -> list[str]:
        """Matching flow logs straight into moto's backend, without the API's checks (for large numbers)."""
        ids = []
        for vpc_id in vpc_ids:
            flow_log = FlowLogModel(
                self.backend, random_flow_log_id(), vpc_id, "ALL", BUCKET_ARN, None, None, 60, "s3", log_format
            )
            flow_log.destination_options = {
                "file_format": "parquet",
                "hive_compatible_partitions": False,
                "per_hour_partition": True,
            }
            if owner is not None:
                flow_log.add_tag(COVERAGE_TAG_KEY, owner)
            self.backend.flow_logs[flow_log.id] = flow_log
            ids.append(flow_log.id)
        return ids

    def flow_logs(self, vpc_id: str | None = None) -> list[dict[str, Any]]:
        filters = [{"Name": "resource-id", "Values": [vpc_id]}] if vpc_id else []
        found: list[dict[str, Any]] = self.ec2.describe_flow_logs(Filters=filters)["FlowLogs"]
        return found

    def ours(self, vpc_id: str | None = None) -> list[dict[str, Any]]:
        return [f for f in self.flow_logs(vpc_id) if {"Key": COVERAGE_TAG_KEY, "Value": OWNER} in f.get("Tags", [])]

    def delete_flow_log(self, flow_log_id: str) -> None:
        self.ec2.delete_flow_logs(FlowLogIds=[flow_log_id])

    def parameter(self, name: str) -> str | None:
        try:
            value: str = self.ssm.get_parameter(Name=name)["Parameter"]["Value"]
        except self.ssm.exceptions.ParameterNotFound:
            return None
        return value

    def report(self) -> Any:
        value = self.parameter(REPORT_PARAMETER)
        return None if value is None else json.loads(value)

    def report_tier(self) -> str:
        found = self.ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [REPORT_PARAMETER]}])
        tier: str = found["Parameters"][0]["Tier"]
        return tier

    # --- faults ------------------------------------------------------------------------------------

    def fail(
        self,
        operation: str,
        code: str,
        *,
        status: int = 400,
        message: str = "",
        times: int | None = 1,
        after: int = 0,
        executed: bool = False,
    ) -> None:
        self.faults.append(Fault(operation, code, status, message or f"injected {code}", times, after, executed))

    def when(self, operation: str, callback: Callable[[dict[str, Any]], object]) -> None:
        """Run callback(params) once, when the handler is about to call `operation`."""
        self.on_call.setdefault(operation, []).append(callback)

    # --- invoking ----------------------------------------------------------------------------------

    def invoke(self, event: dict[str, Any]) -> Any:
        """One invocation; another may start inside it (from a `when` callback) and ends first."""
        outer = self._context
        context = self._context = LambdaContext(self.clock, self.lambda_timeout, f"invocation-{next(_request_ids)}")
        try:
            return self.module.handler(event, context)
        finally:
            self._context = outer

    def sweep(self) -> Any:
        return self.invoke(scheduled_event())

    def on_event(self, event_name: str = "CreateVpc") -> Any:
        return self.invoke(cloudtrail_event(event_name))

    def cfn_event(
        self,
        request_type: str,
        *,
        physical_id: str | None = None,
        properties: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        request_id = f"request-{next(_request_ids)}"
        event: dict[str, Any] = {
            "RequestType": request_type,
            "ServiceToken": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{FUNCTION_NAME}",
            "ResponseURL": f"{self.response_base}/{request_id}?X-Amz-Signature=secret-signature",
            "StackId": STACK_ID,
            "RequestId": request_id,
            "LogicalResourceId": LOGICAL_ID,
            "ResourceType": "Custom::EstateCoverage",
            "ResourceProperties": properties
            or {"ServiceToken": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{FUNCTION_NAME}", "Settings": SETTINGS},
        }
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        if request_type == "Update":
            event["OldResourceProperties"] = event["ResourceProperties"]
        return event

    def cfn(self, request_type: str, **kwargs: Any) -> dict[str, Any]:
        """Send a custom-resource request; return CloudFormation's one answer (the PUT body)."""
        if request_type != "Create":
            kwargs.setdefault("physical_id", f"estate-coverage:{OWNER}")
        event = self.cfn_event(request_type, **kwargs)
        return self.answer(event, lambda: self.invoke(event))

    def answer(self, event: dict[str, Any], run: Callable[[], Any]) -> dict[str, Any]:
        before = len(self.responses)
        assert run() is None
        answers = [r for r in self.responses[before:] if r["RequestId"] == event["RequestId"]]
        assert len(answers) == 1, f"expected exactly one answer, got {answers}"
        return answers[0]

    # --- what the handler called -------------------------------------------------------------------

    def counts(self) -> Counter[str]:
        return Counter(call.operation for call in self.calls)

    def reads(self) -> Counter[str]:
        return Counter(c.operation for c in self.calls if c.operation.startswith(READ_PREFIXES))

    def writes(self) -> Counter[str]:
        return Counter(c.operation for c in self.calls if not c.operation.startswith(READ_PREFIXES))

    def of(self, operation: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.operation == operation]

    def reset_calls(self) -> None:
        self.calls.clear()
        self.attempts.clear()

    # --- hooks -------------------------------------------------------------------------------------

    def _before_call(self, event_name: str, params: dict[str, Any], **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        self.calls.append(Call(operation, json.loads(json.dumps(params, default=_recordable))))
        callbacks = self.on_call.get(operation)
        if callbacks:
            callbacks.pop(0)(params)

    def _before_send(self, event_name: str, request: Any, **_: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        service = event_name.split(".")[1]
        self.attempts[operation] += 1
        context = self._context
        if context is not None and self.clock.now() >= context.deadline:
            raise LambdaTimedOut(f"about to send {operation} after the {context.timeout_seconds:g} s timeout")
        self.clock.advance(self.request_latency)
        chosen = None
        for fault in self.faults:
            if fault.operation != operation:
                continue
            if fault.after > 0:
                fault.after -= 1
            elif chosen is None and fault.times != 0:
                chosen = fault
        if chosen is not None:
            if chosen.times is not None:
                chosen.times -= 1
            # botocore calls every before-send handler: keep moto from carrying out the refused request.
            request.harness_refused = not chosen.executed or service in FAKE_SERVICES
            if chosen.executed and service in FAKE_SERVICES:
                _fake_response(self.eks, request)  # carried out; its answer is lost
            return _error_response(request.url, service, chosen)
        if service in FAKE_SERVICES:
            request.harness_refused = True  # moto must not carry it out as well
            return _fake_response(self.eks, request)
        return None

    def _arrange_eks(self, request: Any, **_: Any) -> AWSResponse:
        request.harness_refused = True
        return _fake_response(self.eks, request)

    def sleep(self, seconds: float) -> None:
        """The handler's time.sleep: the invocation ends if its timeout comes first."""
        context = self._context
        self.clock.sleeps.append(seconds)
        if context is not None and self.clock.now() + seconds > context.deadline:
            raise LambdaTimedOut(f"asleep ({seconds:g} s) when the {context.timeout_seconds:g} s timeout came")
        self.clock.advance(seconds)
        if self.on_sleep is not None:
            self.on_sleep(seconds)


def _recordable(value: Any) -> Any:
    """A parameter JSON cannot hold, as a test reads it: a payload's bytes as text."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _fake_response(fake: FakeAws, request: Any) -> AWSResponse:
    """The fake's answer to a prepared botocore request, as the HTTP response botocore would have received."""
    url = urlsplit(request.url)
    body = request.body
    if body is None:
        body = b""
    elif isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, bytes):
        body = body.read()
    headers = {
        name.lower(): value.decode() if isinstance(value, bytes) else str(value)
        for name, value in request.headers.items()
    }
    path = url.path + (f"?{url.query}" if url.query else "")
    status, answer_headers, payload = fake._handle(request.method, path, headers, body)
    # botocore's parsers look headers up by their lower-case names.
    lower = {name.lower(): value for name, value in answer_headers.items()}
    return AWSResponse(request.url, status, lower, MockRawResponse(payload))


def _error_response(url: str, service: str, fault: Fault) -> AWSResponse:
    if service == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{fault.code}</Code><Message>{fault.message}</Message></Error></Errors>"
            "<RequestID>injected</RequestID></Response>"
        )
        headers = {"content-type": "text/xml"}
    elif service in ("eks", "lambda"):  # rest-json: the code travels in a header
        body = json.dumps({"message": fault.message})
        headers = {"content-type": "application/json", "x-amzn-errortype": fault.code}
    else:
        body = json.dumps({"__type": fault.code, "message": fault.message})
        headers = {"content-type": "application/x-amz-json-1.1"}
    return AWSResponse(url, fault.status, headers, MockRawResponse(body))


def scheduled_event() -> dict[str, Any]:
    return {
        "version": "0",
        "id": "5f1c0d3e-0000-4000-8000-000000000001",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": "2023-11-14T22:15:00Z",
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/AirsOnboarding-CoverageSweep"],
        "detail": {},
    }


def cloudtrail_event(event_name: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "5f1c0d3e-0000-4000-8000-000000000002",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.ec2",
        "account": ACCOUNT_ID,
        "time": "2023-11-14T22:16:00Z",
        "region": REGION,
        "resources": [],
        "detail": {
            "eventSource": "ec2.amazonaws.com",
            "eventName": event_name,
            "awsRegion": REGION,
            "requestParameters": {"cidrBlock": "10.0.0.0/16"},
        },
    }


def load_handler() -> ModuleType:
    """The handler as Lambda loads it: the function's inline code (the handler file with the EKS handler's
    bundled in), run as a module of its own."""
    from onboarding_constructs._handler_code import inline_source

    module = ModuleType("estate_coverage_index")
    module.__file__ = str(HANDLER_FILE)
    sys.modules[module.__name__] = module  # dataclasses resolve their module through sys.modules
    exec(compile(inline_source("estate_coverage"), str(HANDLER_FILE), "exec"), module.__dict__)
    return module


# --- moto, made to answer as AWS does --------------------------------------------------------------


def _invalid(message: str) -> EC2ClientError:
    return EC2ClientError("InvalidParameterValue", message)


def _paginate(
    rules: AwsRules, items: list[Any], max_results: int | None, token: str | None, operation: str, lowest: int
) -> tuple[list[Any], str | None]:
    if max_results is not None and not lowest <= max_results <= 1000:
        raise _invalid(
            f"Value ( {max_results} ) for parameter maxResults is invalid. Expecting a value between {lowest} and 1000."
        )
    start = 0
    if token:
        try:
            kind, offset = base64.b64decode(token).decode().split(":")
            start = int(offset)
        except ValueError:
            raise _invalid(f"Invalid value for nextToken: {token}") from None
        if kind != operation:
            raise _invalid(f"Invalid value for nextToken: {token}")
    if max_results is None and token is None:
        return items, None
    size = min(max_results or 1000, rules.page_limit or 1000)
    end = start + size
    following = base64.b64encode(f"{operation}:{end}".encode()).decode() if end < len(items) else None
    return items[start:end], following


def _patch_moto(rules: AwsRules, stack: contextlib.ExitStack) -> None:
    def describe_vpcs(self: Any) -> ActionResult:
        self.error_on_dryrun()
        if rules.before_describe:
            rules.before_describe("DescribeVpcs")
        vpcs = self.ec2_backend.describe_vpcs(
            vpc_ids=self._get_param("VpcIds", []), filters=self._filters_from_querystring()
        )
        page, token = _paginate(
            rules, vpcs, self._get_int_param("MaxResults"), self._get_param("NextToken"), "DescribeVpcs", 5
        )
        return ActionResult({"Vpcs": page, **({"NextToken": token} if token else {})})

    def describe_flow_logs(self: Any) -> ActionResult:
        self.error_on_dryrun()
        if rules.before_describe:
            rules.before_describe("DescribeFlowLogs")
        ids = self._get_param("FlowLogIds", [])
        if len(ids) > MAX_FLOW_LOG_IDS:
            raise _invalid(f"FlowLogIds: at most {MAX_FLOW_LOG_IDS} flow log ids ({len(ids)} given)")
        flow_logs = self.ec2_backend.describe_flow_logs(ids, self._filters_from_querystring())
        page, token = _paginate(
            rules, flow_logs, self._get_int_param("MaxResults"), self._get_param("NextToken"), "DescribeFlowLogs", 1
        )
        return ActionResult({"FlowLogs": page, **({"NextToken": token} if token else {})})

    tokens: dict[str, tuple[str, dict[str, Any]]] = {}

    def create_flow_logs(self: Any) -> ActionResult:
        # EC2 idempotency: the same ClientToken with the same parameters gets the first answer again.
        token = self._get_param("ClientToken")
        fingerprint = json.dumps(
            {k: v for k, v in sorted(self.params.items()) if k != "ClientToken"}, sort_keys=True, default=str
        )
        if token in tokens:
            if tokens[token][0] != fingerprint:
                raise EC2ClientError(
                    "IdempotentParameterMismatch", "The client token was already used with different parameters."
                )
            return ActionResult(tokens[token][1])
        result = _create_flow_logs(self)
        if token:
            tokens[token] = (fingerprint, result)
        return ActionResult(result)

    def _create_flow_logs(self: Any) -> dict[str, Any]:
        self.error_on_dryrun()
        backend = self.ec2_backend
        resource_type = self._get_param("ResourceType")
        resource_ids = self._get_param("ResourceIds", [])
        if resource_type not in ("TransitGateway", "TransitGatewayAttachment") and len(resource_ids) > 300:
            raise _invalid(f"ResourceIds: at most {MAX_CREATE_RESOURCE_IDS} resource ids ({len(resource_ids)} given)")
        tags: dict[str, str] = {}
        for spec in self._get_param("TagSpecifications", []):
            if spec.get("ResourceType") != "vpc-flow-log":
                raise _invalid(
                    f"'{spec.get('ResourceType')}' is not a valid taggable resource type for this operation."
                )
            tags.update({t["Key"]: t.get("Value", "") for t in spec.get("Tags", [])})
        options = self._get_param("DestinationOptions") or {}
        config = {
            "traffic_type": self._get_param("TrafficType"),
            "log_destination_type": self._get_param("LogDestinationType") or "cloud-watch-logs",
            "log_destination": self._get_param("LogDestination"),
            "log_group_name": self._get_param("LogGroupName"),
            "deliver_logs_permission_arn": self._get_param("DeliverLogsPermissionArn"),
            "max_aggregation_interval": self._get_int_param("MaxAggregationInterval") or 600,
            "log_format": self._get_param("LogFormat") or LOG_FORMAT_V2,
            "destination_options": {
                "file_format": options.get("FileFormat", "plain-text"),
                "hive_compatible_partitions": _bool(options.get("HiveCompatiblePartitions", False)),
                "per_hour_partition": _bool(options.get("PerHourPartition", False)),
            },
        }
        backend._validate_request(
            config["log_group_name"],
            config["log_destination"],
            config["log_destination_type"],
            config["max_aggregation_interval"],
            config["deliver_logs_permission_arn"],
        )
        problems: dict[str, tuple[str, str]] = {}
        for resource_id in resource_ids:
            problem = _create_problem(rules, backend, resource_type, resource_id, config)
            if problem:
                problems[resource_id] = problem
        if problems and rules.per_item_errors == "whole-call":
            raise EC2ClientError(*next(iter(problems.values())))
        created = []
        for resource_id in resource_ids:
            if resource_id in problems:
                continue
            flow_log = FlowLogModel(
                backend,
                random_flow_log_id(),
                resource_id,
                config["traffic_type"],
                config["log_destination"],
                config["log_group_name"],
                config["deliver_logs_permission_arn"],
                config["max_aggregation_interval"],
                config["log_destination_type"],
                config["log_format"],
            )
            flow_log.destination_options = config["destination_options"]
            flow_log.add_tags(tags)
            backend.flow_logs[flow_log.id] = flow_log
            created.append(flow_log.id)
        unsuccessful = [
            {"ResourceId": rid, "Error": {"Code": code, "Message": message}}
            for rid, (code, message) in problems.items()
        ]
        return {"FlowLogIds": created, "Unsuccessful": unsuccessful}

    def delete_flow_logs(self: Any) -> ActionResult:
        self.error_on_dryrun()
        ids = self._get_param("FlowLogIds", [])
        if len(ids) > MAX_FLOW_LOG_IDS:
            raise _invalid(f"FlowLogIds: at most {MAX_FLOW_LOG_IDS} flow log ids ({len(ids)} given)")
        backend = self.ec2_backend
        missing = [i for i in ids if i not in backend.flow_logs]
        if missing and rules.per_item_errors == "whole-call":
            raise EC2ClientError(
                "InvalidFlowLogId.NotFound",
                f"These flow log ids in the input list are not found: [TotalCount: {len(missing)}] {' '.join(missing)}",
            )
        for flow_log_id in ids:
            backend.flow_logs.pop(flow_log_id, None)
        unsuccessful = [
            {
                "ResourceId": i,
                "Error": {"Code": "InvalidFlowLogId.NotFound", "Message": f"The flow log ID '{i}' does not exist"},
            }
            for i in missing
        ]
        return ActionResult({"Unsuccessful": unsuccessful})

    original_put = SimpleSystemManagerBackend.put_parameter
    original_by_path = SimpleSystemManagerBackend.get_parameters_by_path

    def get_parameters_by_path(self: Any, *args: Any, **kwargs: Any) -> Any:
        arguments = inspect.signature(original_by_path).bind(self, *args, **kwargs)
        arguments.apply_defaults()
        if rules.page_limit is not None and int(arguments.arguments["max_results"]) <= 10:
            arguments.arguments["max_results"] = min(int(arguments.arguments["max_results"]), rules.page_limit)
        return original_by_path(*arguments.args, **arguments.kwargs)

    original_delete_vpc = EC2Backend.delete_vpc

    def put_parameter(self: Any, *args: Any, **kwargs: Any) -> Any:
        arguments = inspect.signature(original_put).bind(self, *args, **kwargs).arguments
        name, value, overwrite = arguments["name"], arguments["value"], arguments["overwrite"]
        tier = arguments.get("tier") or "Standard"
        limit = 4096 if tier == "Standard" else 8192
        if len(value.encode()) > limit:
            raise ValidationException(
                STANDARD_LIMIT_MESSAGE if tier == "Standard" else f"Parameter value exceeds {limit} characters."
            )
        existing = self.get_parameter(name)
        if existing is not None and overwrite and existing.tier == "Advanced" and tier == "Standard":
            raise ValidationException(DOWNGRADE_MESSAGE)
        return original_put(self, *args, **kwargs)

    def delete_vpc(self: Any, vpc_id: str) -> Any:
        deleted = original_delete_vpc(self, vpc_id)
        for flow_log_id in [f.id for f in self.flow_logs.values() if f.resource_id == vpc_id]:
            del self.flow_logs[flow_log_id]
        return deleted

    original_stubber = BotocoreStubber.__call__

    def stubber(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        if getattr(request, "harness_refused", False):
            return None  # answered by an injected fault: AWS did nothing
        return original_stubber(self, event_name, request, **kwargs)

    stack.enter_context(mock.patch.object(BotocoreStubber, "__call__", stubber))
    stack.enter_context(mock.patch.object(VpcResponses, "describe_vpcs", describe_vpcs))
    stack.enter_context(mock.patch.object(FlowLogResponses, "describe_flow_logs", describe_flow_logs))
    stack.enter_context(mock.patch.object(FlowLogResponses, "create_flow_logs", create_flow_logs))
    stack.enter_context(mock.patch.object(FlowLogResponses, "delete_flow_logs", delete_flow_logs))
    stack.enter_context(mock.patch.object(SimpleSystemManagerBackend, "put_parameter", put_parameter))
    stack.enter_context(mock.patch.object(SimpleSystemManagerBackend, "get_parameters_by_path", get_parameters_by_path))
    stack.enter_context(mock.patch.object(EC2Backend, "delete_vpc", delete_vpc))


def _bool(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _create_problem(
    rules: AwsRules, backend: Any, resource_type: str, resource_id: str, config: dict[str, Any]
) -> tuple[str, str] | None:
    if resource_type == "VPC" and resource_id not in backend.vpcs:
        return "InvalidVpcID.NotFound", f"The vpc ID '{resource_id}' does not exist"
    if config["log_destination_type"] == "s3":
        bucket = config["log_destination"].split(":", 5)[5].split("/")[0]
        from moto.s3.models import s3_backends

        if bucket not in s3_backends[ACCOUNT_ID]["aws"].buckets:
            return "400", f"LogDestination: {bucket} does not exist."
    existing = [f for f in backend.flow_logs.values() if f.resource_id == resource_id]
    for flow_log in existing:
        same_destination = (flow_log.log_destination, flow_log.log_group_name) == (
            config["log_destination"],
            config["log_group_name"],
        )
        same_configuration = same_destination and all(
            getattr(flow_log, name, None) == config[name]
            for name in (
                "traffic_type",
                "log_destination_type",
                "max_aggregation_interval",
                "log_format",
                "destination_options",
            )
        )
        if same_configuration or (rules.duplicate_rule == "destination" and same_destination):
            return "FlowLogAlreadyExists", DUPLICATE_MESSAGE
    if len(existing) >= FLOW_LOGS_PER_RESOURCE:
        return "FlowLogsLimitExceeded", LIMIT_MESSAGE
    return None


# --- the CloudFormation side ----------------------------------------------------------------------


class _ResponseServer(ThreadingHTTPServer):
    responses: list[dict[str, Any]]


class _ResponseHandler(BaseHTTPRequestHandler):
    server: _ResponseServer

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer = json.loads(body)
        answer["_path"] = self.path
        answer["_content_type"] = self.headers.get("Content-Type")
        answer["_bytes"] = len(body)
        self.server.responses.append(answer)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def coverage_harness(
    environment: dict[str, str] | None = None, *, rules: AwsRules | None = None, bucket: bool = True
) -> Iterator[Harness]:
    """moto (patched to act like AWS), the handler loaded fresh with its environment, the virtual clock,
    and a local endpoint that records CloudFormation's answers."""
    rules = rules or AwsRules()
    with contextlib.ExitStack() as stack:
        env = {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            # moto loads ~8000 AMIs into each EC2 backend otherwise (~0.6 s); the handler reads none.
            "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
            **(ENVIRONMENT if environment is None else environment),
        }
        stack.enter_context(mock.patch.dict(os.environ, env))
        for name in ("AWS_PROFILE", "TIME_BUDGET_SECONDS", *(set(ENVIRONMENT) - set(env))):
            os.environ.pop(name, None)
        stack.enter_context(mock_aws())
        _patch_moto(rules, stack)
        server = _ResponseServer(("127.0.0.1", 0), _ResponseHandler)
        server.responses = []
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        thread.start()
        stack.callback(server.server_close)
        stack.callback(server.shutdown)
        module = load_handler()
        clock = VirtualClock()
        session = _new_session()
        harness = Harness(
            module=module,
            clock=clock,
            rules=rules,
            session=session,
            arrange=_new_session(),
            responses=server.responses,
            response_base=f"http://127.0.0.1:{server.server_address[1]}/cloudformation-response",
            eks=FakeAws(clock=clock, account_id=ACCOUNT_ID),
        )
        # provide-client-params: once per API call (not per attempt), with the parameters as the handler gave
        # them (before botocore's own aliasing, such as EC2's Filters -> Filter).
        session.events.register("provide-client-params", harness._before_call)
        session.events.register_first("before-send", harness._before_send)
        harness.arrange.events.register_first("before-send.eks", harness._arrange_eks)
        stack.enter_context(mock.patch.object(boto3, "DEFAULT_SESSION", session))
        stack.enter_context(mock.patch.object(module, "_now", clock.now))
        stack.enter_context(mock.patch.object(module, "_sleep", harness.sleep))

        # botocore's retry back-off sleeps in botocore.endpoint: on the virtual clock too.
        def retry_sleep(seconds: float) -> None:
            clock.sleeps.append(seconds)
            clock.advance(seconds)

        retry_time = SimpleNamespace(sleep=retry_sleep)
        stack.enter_context(mock.patch.object(botocore.endpoint, "time", retry_time))
        if bucket:
            harness.arrange.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
        yield harness
