"""A stateful fake of the EKS, Lambda and SSM calls the EKS cluster-access handler makes, over HTTP.

Real boto3 clients talk to it (``endpoint_url=aws.endpoint``, or the ``AWS_ENDPOINT_URL_*``
variables from ``aws.env()``), so botocore's request serialization, response and error parsing,
and retries run exactly as they do against AWS. Only the standard library is used.

Time is virtual: an EKS update ends once ``aws.clock`` has moved past its duration, judged at
each request, so a handler given ``aws.clock.sleep`` polls through minutes of updates instantly.

EKS messages are the ones real EKS returns, as quoted in public bug reports; where none could be
found the message is marked as a guess. The fake refuses at least what EKS refuses: where it is not
known whether EKS accepts a request the handler never needs to send, the fake refuses it. Anything the
handler is not expected to call (another update type, a synchronous Lambda invocation, another SSM
action) gets a 501 ``NotImplemented``, which botocore does not retry, so a test fails loudly instead
of passing against invented behaviour.

No list API is modelled: the handler calls none (DescribeCluster, UpdateClusterConfig and
DescribeUpdate name what they read), so nothing here paginates.
"""

from __future__ import annotations

import copy
import hashlib
import ipaddress
import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

ACCOUNT_ID = "111111111111"
REGION = "us-east-1"
MAX_PUBLIC_CIDRS = 40  # EKS quota "public endpoint access CIDR ranges per cluster", not adjustable
AUTHENTICATION_MODES = ("CONFIG_MAP", "API_AND_CONFIG_MAP", "API")
# One way, one step at a time: real EKS answers CONFIG_MAP -> API with "Unsupported authentication
# mode update from CONFIG_MAP to API" (AWS EKS workshop; pulumi/pulumi-eks#1493).
AUTHENTICATION_MODE_UPGRADES = {("CONFIG_MAP", "API_AND_CONFIG_MAP"), ("API_AND_CONFIG_MAP", "API")}
ENDPOINT_FIELDS = {"endpointPublicAccess", "endpointPrivateAccess", "publicAccessCidrs"}
# Ranges that are never the source of a request to a public endpoint: RFC 1918 and RFC 4193
# unique local IPv6 (fc00::/7).
PRIVATE_RANGES = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))
RESPONSE_PATH = "cloudformation-response"


class VirtualClock:
    """Time for tests: now() starts at 1_700_000_000.0; sleep(seconds) advances it instantly (thread-safe)."""

    def __init__(self) -> None:
        self._now = 1_700_000_000.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("virtual time does not go backwards")  # as time.sleep(-1) refuses
        with self._lock:
            self._now += seconds


class ApiError(Exception):
    """An AWS error response: HTTP status, error code, message, and members of the error shape."""

    def __init__(self, status: int, code: str, message: str, **members: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message, self.members = status, code, message, members


def _not_modelled(what: str) -> ApiError:
    return ApiError(501, "NotImplemented", f"FakeAws does not model {what}")


@dataclass
class _Update:
    id: str
    type: str
    params: list[dict[str, str]]
    created_at: float
    ends_at: float
    change: dict[str, dict[str, Any]]  # cluster sections to update when it succeeds
    outcome: tuple[str, list[dict[str, Any]]] | None  # (status, errors) it ends with instead
    status: str = "InProgress"
    errors: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        return copy.deepcopy(
            {
                "id": self.id,
                "status": self.status,
                "type": self.type,
                "params": self.params,
                "createdAt": self.created_at,
                "errors": self.errors,
            }
        )


# (status, JSON body or None for an empty one)
Result = tuple[int, Any]


class FakeAws:
    """Context manager: `with FakeAws() as aws:` starts the server, `aws.endpoint` is 'http://127.0.0.1:<port>'."""

    def __init__(self) -> None:
        self.clock = VirtualClock()
        # Virtual seconds an update stays InProgress, by EKS update type.
        self.update_durations: dict[str, float] = {"AccessConfigUpdate": 60.0, "EndpointAccessUpdate": 240.0}
        # Virtual seconds each request takes (the response PUT to CloudFormation included).
        self.request_latency = 0.0
        # Every EKS/Lambda/SSM request, in order: (operation, params as received, path params included;
        # botocore fills UpdateClusterConfig's clientRequestToken with a fresh UUID).
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.ssm_parameters: dict[str, str] = {}
        self.invocations: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []
        self.response_times: list[float] = []  # virtual time each response arrived, as `responses`
        self._clusters: dict[str, dict[str, Any]] = {}
        self._updates: dict[str, dict[str, _Update]] = {}  # cluster name -> update id -> update
        self._next_outcome: dict[str, tuple[str, list[dict[str, Any]]]] = {}
        self._faults: dict[str, list[ApiError]] = {}
        self._parameter_info: dict[str, tuple[str, int, float]] = {}  # name -> (type, version, modified)
        self._omitted: dict[str, tuple[str, ...]] = {}  # cluster name -> fields DescribeCluster leaves out
        self._operations: dict[str, Callable[[dict[str, Any]], Result]] = {
            "DescribeCluster": self._describe_cluster,
            "UpdateClusterConfig": self._update_cluster_config,
            "DescribeUpdate": self._describe_update,
            "Invoke": self._invoke,
            "PutParameter": self._put_parameter,
            "GetParameter": self._get_parameter,
            "DeleteParameter": self._delete_parameter,
        }
        # Requests arrive on server threads while the test thread sets things up and reads results.
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> FakeAws:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        # A short poll interval keeps shutdown (once per test) from costing half a second.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeAws is not running: use it as `with FakeAws() as aws:`")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def env(self) -> dict[str, str]:
        """Environment variables that point default boto3 clients here."""
        return {
            "AWS_ENDPOINT_URL_EKS": self.endpoint,
            "AWS_ENDPOINT_URL_LAMBDA": self.endpoint,
            "AWS_ENDPOINT_URL_SSM": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def response_url(self, request_id: str) -> str:
        """Where a custom resource answers CloudFormation; each PUT body is appended to `responses`."""
        return f"{self.endpoint}/{RESPONSE_PATH}/{quote(request_id, safe='')}"

    # --- arranging and inspecting state --------------------------------------------------------

    def add_cluster(
        self,
        name: str,
        *,
        auth_mode: str = "CONFIG_MAP",
        public: bool = True,
        private: bool = False,
        cidrs: list[str] | None = None,
        ip_family: str = "ipv4",
        status: str = "ACTIVE",
    ) -> None:
        """An existing cluster. For one that is UPDATING, use start_foreign_update instead of status."""
        if (
            auth_mode not in AUTHENTICATION_MODES
            or ip_family not in ("ipv4", "ipv6")
            or not (public or private)
            or cidrs == []
        ):
            raise ValueError(f"not a cluster EKS can have: {auth_mode=}, {ip_family=}, {public=}, {private=}, {cidrs=}")
        digest = hashlib.sha256(name.encode()).hexdigest()
        service_cidr = (
            {"serviceIpv4Cidr": "172.20.0.0/16"} if ip_family == "ipv4" else {"serviceIpv6Cidr": "fd00:ec2:a1b2::/108"}
        )
        with self._lock:
            if name in self._clusters:
                raise ValueError(f"cluster {name} already exists")
            self._clusters[name] = {
                "name": name,
                "arn": f"arn:aws:eks:{REGION}:{ACCOUNT_ID}:cluster/{name}",
                "createdAt": self.clock.now(),
                "version": "1.31",
                "endpoint": f"https://{digest[:32].upper()}.gr7.{REGION}.eks.amazonaws.com",
                "roleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/{name}-cluster",
                "resourcesVpcConfig": {
                    "subnetIds": ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a60789"],
                    "securityGroupIds": [],
                    "clusterSecurityGroupId": f"sg-{digest[:17]}",
                    "vpcId": f"vpc-{digest[17:34]}",
                    "endpointPublicAccess": public,
                    "endpointPrivateAccess": private,
                    # EKS keeps (and reads back) the list while public access is off.
                    "publicAccessCidrs": list(cidrs) if cidrs is not None else ["0.0.0.0/0"],
                },
                "kubernetesNetworkConfig": {**service_cidr, "ipFamily": ip_family},
                "status": status,
                "platformVersion": "eks.10",
                "accessConfig": {"authenticationMode": auth_mode},
                "tags": {},
            }
            self._updates[name] = {}

    def cluster(self, name: str) -> dict[str, Any]:
        """A deep copy of the cluster as DescribeCluster would return it now."""
        with self._lock:
            self._settle()
            return copy.deepcopy(self._clusters[name])

    def remove_cluster(self, name: str) -> None:
        with self._lock:
            del self._clusters[name], self._updates[name]
            self._next_outcome.pop(name, None)
            self._omitted.pop(name, None)

    def omit_from_description(self, name: str, *fields: str) -> None:
        """DescribeCluster answers for the cluster leave out these optional fields (dotted paths such as
        'accessConfig' or 'resourcesVpcConfig.publicAccessCidrs'); the cluster itself keeps them."""
        with self._lock:
            self._cluster_or_404(name)
            self._omitted[name] = fields

    def fail_next_update(
        self, name: str, *, status: str = "Failed", errors: list[dict[str, Any]] | None = None
    ) -> None:
        """The next update UpdateClusterConfig starts on this cluster ends with this status and errors, changing
        nothing."""
        if status not in ("Failed", "Cancelled"):
            raise ValueError(f"an update cannot end {status}")
        if errors is None:
            errors = [
                {
                    "errorCode": "ClusterUnreachable",
                    "errorMessage": "The cluster control plane could not be reached.",
                    "resourceIds": [name],
                }
            ]
        with self._lock:
            self._cluster_or_404(name)
            self._next_outcome[name] = (status, copy.deepcopy(errors))

    def start_foreign_update(self, name: str, *, update_type: str = "VersionUpdate", duration: float = 120.0) -> str:
        """Someone else's update runs on the cluster (UPDATING) for `duration` virtual seconds; returns its id."""
        with self._lock:
            self._cluster_or_404(name)
            return self._start_update(name, update_type, [], {}, duration, None).id

    def inject_fault(
        self,
        operation: str,
        *,
        status: int = 500,
        code: str = "InternalFailure",
        message: str = "injected",
        times: int = 1,
    ) -> None:
        """The next `times` requests of the operation get this error (botocore retries 5xx and throttling codes)."""
        with self._lock:
            self._faults.setdefault(operation, []).extend(ApiError(status, code, message) for _ in range(times))

    def count(self, operation: str) -> int:
        with self._lock:
            return sum(1 for called, _ in self.calls if called == operation)

    # --- request handling ------------------------------------------------------------------------

    def _handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request (header names in lower case) -> status, headers, body."""
        url = urlsplit(path)
        segments = [unquote(segment) for segment in url.path.split("/")[1:]]
        self.clock.advance(self.request_latency)
        if method == "PUT" and len(segments) == 2 and segments[0] == RESPONSE_PATH:
            return self._record_response(body)
        operation, params, protocol = _route(method, segments, dict(parse_qsl(url.query)), headers, body)
        with self._lock:
            self.calls.append((operation, params))
            try:
                faults = self._faults.get(operation)
                if faults:
                    raise faults.pop(0)
                self._settle()
                handler = self._operations.get(operation)
                if handler is None:
                    raise _not_modelled(operation)
                status, result = handler(params)
            except ApiError as error:
                return _error_response(error, protocol)
            except Exception as error:
                return _error_response(ApiError(501, "FakeAwsError", f"{type(error).__name__}: {error}"), protocol)
        content_type = "application/x-amz-json-1.1" if protocol == "json" else "application/json"
        payload = b"" if result is None else json.dumps(result).encode()
        return status, {"Content-Type": content_type, "x-amzn-RequestId": str(uuid.uuid4())}, payload

    def _record_response(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        try:
            response = json.loads(body)
        except ValueError:
            return 400, {}, b"the response body is not JSON"
        with self._lock:
            self.responses.append(response)
            self.response_times.append(self.clock.now())
        return 200, {}, b""

    # --- EKS ---------------------------------------------------------------------------------------

    def _settle(self) -> None:
        """Ends the updates whose virtual time is up: the change lands only now, all at once."""
        now = self.clock.now()
        for name, updates in self._updates.items():
            cluster = self._clusters[name]
            due = sorted(
                (u for u in updates.values() if u.status == "InProgress" and now >= u.ends_at), key=lambda u: u.ends_at
            )
            for update in due:
                if update.outcome is not None:
                    update.status, update.errors = update.outcome
                    continue
                update.status = "Successful"
                for section, values in update.change.items():
                    cluster[section].update(copy.deepcopy(values))
            if due and self._in_progress(name) is None:
                cluster["status"] = "ACTIVE"

    def _in_progress(self, name: str) -> _Update | None:
        return next((u for u in self._updates[name].values() if u.status == "InProgress"), None)

    def _start_update(
        self,
        name: str,
        update_type: str,
        params: list[dict[str, str]],
        change: dict[str, dict[str, Any]],
        duration: float,
        outcome: tuple[str, list[dict[str, Any]]] | None,
    ) -> _Update:
        now = self.clock.now()
        update = _Update(str(uuid.uuid4()), update_type, params, now, now + duration, change, outcome)
        self._updates[name][update.id] = update
        self._clusters[name]["status"] = "UPDATING"
        return update

    def _cluster_or_404(self, name: str) -> dict[str, Any]:
        cluster = self._clusters.get(name)
        if cluster is None:
            raise ApiError(404, "ResourceNotFoundException", f"No cluster found for name: {name}.", clusterName=name)
        return cluster

    def _describe_cluster(self, params: dict[str, Any]) -> Result:
        cluster = copy.deepcopy(self._cluster_or_404(params["name"]))
        for path in self._omitted.get(params["name"], ()):
            *parents, leaf = path.split(".")
            section = cluster
            for parent in parents:
                section = section.get(parent) or {}
            section.pop(leaf, None)
        return 200, {"cluster": cluster}

    def _describe_update(self, params: dict[str, Any]) -> Result:
        name, update_id = params["name"], params["updateId"]
        self._cluster_or_404(name)
        update = self._updates[name].get(update_id)
        if update is None:
            raise ApiError(404, "ResourceNotFoundException", f"No update found for ID: {update_id}", clusterName=name)
        return 200, {"update": update.describe()}

    def _update_cluster_config(self, params: dict[str, Any]) -> Result:
        name = params["name"]
        cluster = self._cluster_or_404(name)
        kinds = [key for key in params if key not in ("name", "clientRequestToken")]
        if len(kinds) > 1:
            raise _invalid("Only one type of update can be allowed.", name)
        if kinds == ["accessConfig"]:
            update_type, update_params, change = self._plan_access_config(cluster, params["accessConfig"])
        elif kinds == ["resourcesVpcConfig"] and set(params["resourcesVpcConfig"]) <= ENDPOINT_FIELDS:
            update_type, update_params, change = self._plan_endpoint_access(cluster, params["resourcesVpcConfig"])
        else:
            raise _not_modelled(
                f"UpdateClusterConfig with {kinds}: only authenticationMode and endpoint access updates"
            )
        update = self._start_update(
            name,
            update_type,
            update_params,
            change,
            self.update_durations[update_type],
            self._next_outcome.pop(name, None),
        )
        return 200, {"update": update.describe()}

    def _check_can_update(self, cluster: dict[str, Any], update_type: str) -> None:
        name = cluster["name"]
        running = self._in_progress(name)
        if running is not None:
            raise ApiError(
                409,
                "ResourceInUseException",
                f"Cannot {update_type} because cluster {name} currently has update {running.id} in progress",
                clusterName=name,
            )
        if cluster["status"] != "ACTIVE":
            # Guess: the code and message moto uses for other calls on a cluster that is not ACTIVE.
            raise ApiError(
                400, "InvalidRequestException", f"Cluster '{name}' is not in ACTIVE status", clusterName=name
            )

    def _plan_access_config(
        self, cluster: dict[str, Any], request: dict[str, Any]
    ) -> tuple[str, list[dict[str, str]], dict[str, dict[str, Any]]]:
        self._check_can_update(cluster, "AccessConfigUpdate")
        current, wanted = cluster["accessConfig"]["authenticationMode"], request.get("authenticationMode")
        # Real EKS gives this message for a backward move and for the current mode alike.
        if (current, wanted) not in AUTHENTICATION_MODE_UPGRADES:
            raise _invalid(f"Unsupported authentication mode update from {current} to {wanted}", cluster["name"])
        params = [{"type": "AuthenticationMode", "value": json.dumps(wanted)}]
        return "AccessConfigUpdate", params, {"accessConfig": {"authenticationMode": wanted}}

    def _plan_endpoint_access(
        self, cluster: dict[str, Any], request: dict[str, Any]
    ) -> tuple[str, list[dict[str, str]], dict[str, dict[str, Any]]]:
        name, vpc = cluster["name"], cluster["resourcesVpcConfig"]
        sent_cidrs = request.get("publicAccessCidrs")
        if sent_cidrs is not None:
            _check_cidrs(
                sent_cidrs, ipv6_allowed=cluster["kubernetesNetworkConfig"]["ipFamily"] == "ipv6", cluster_name=name
            )
        self._check_can_update(cluster, "EndpointAccessUpdate")
        # Fields not sent keep their values; a sent CIDR list replaces the old one whole.
        public = request.get("endpointPublicAccess", vpc["endpointPublicAccess"])
        private = request.get("endpointPrivateAccess", vpc["endpointPrivateAccess"])
        cidrs = list(sent_cidrs) if sent_cidrs is not None else vpc["publicAccessCidrs"]
        if not public and not private:
            raise _invalid("Both private and public endpoint access cannot be false", name)
        # Guess: the CIDRs compare as a set (EKS is seen reading a list back sorted). This check comes
        # before the one below: EKS answered "already at the desired configuration" to a request with
        # endpointPublicAccess false and the CIDR list the cluster already had
        # (terraform-aws-modules/terraform-aws-eks#2320).
        if (public, private, set(cidrs)) == (
            vpc["endpointPublicAccess"],
            vpc["endpointPrivateAccess"],
            set(vpc["publicAccessCidrs"]),
        ):
            raise _invalid(
                f"Cluster is already at the desired configuration with endpointPrivateAccess: {_bool(private)} ,"
                f" endpointPublicAccess: {_bool(public)}, and Public Endpoint Restrictions: [{', '.join(cidrs)}]",
                name,
            )
        if sent_cidrs is not None and request.get("endpointPublicAccess") is False:
            # Guess (message and refusal): a list for an endpoint the same request turns off.
            raise _invalid("publicAccessCidrs cannot be set when endpointPublicAccess is false", name)
        if public and not cidrs:
            # Guess (message and refusal): a public endpoint that nobody may reach.
            raise _invalid("publicAccessCidrs cannot be empty when endpointPublicAccess is true", name)
        # As EKS reports them: both flags as they will be, the CIDR list only when it was sent.
        params = [
            {"type": "EndpointPublicAccess", "value": _bool(public)},
            {"type": "EndpointPrivateAccess", "value": _bool(private)},
        ]
        if sent_cidrs is not None:
            params.append({"type": "PublicAccessCidrs", "value": json.dumps(cidrs, separators=(",", ":"))})
        change = {
            "resourcesVpcConfig": {
                "endpointPublicAccess": public,
                "endpointPrivateAccess": private,
                "publicAccessCidrs": cidrs,
            }
        }
        return "EndpointAccessUpdate", params, change

    # --- Lambda ------------------------------------------------------------------------------------

    def _invoke(self, params: dict[str, Any]) -> Result:
        if isinstance(params["Payload"], bytes):  # _route keeps a payload that is not JSON as bytes
            raise ApiError(400, "InvalidRequestContentException", "Could not parse request body into json")
        if params["InvocationType"] != "Event":
            raise _not_modelled(f"InvocationType {params['InvocationType']}")
        self.invocations.append(copy.deepcopy(params))
        return 202, None

    # --- SSM ---------------------------------------------------------------------------------------

    def _parameter(self, name: str) -> tuple[str, int, float]:
        # A parameter a test put straight into ssm_parameters reads as a first-version String.
        return self._parameter_info.get(name, ("String", 1, self.clock.now()))

    def _put_parameter(self, params: dict[str, Any]) -> Result:
        name = params["Name"]
        exists = name in self.ssm_parameters
        if exists and not params.get("Overwrite", False):
            raise ApiError(
                400,
                "ParameterAlreadyExists",
                "The parameter already exists. To overwrite this value, set the overwrite option in the request"
                " to true.",
            )
        old_type, old_version, _ = self._parameter(name) if exists else ("String", 0, 0.0)
        version = old_version + 1
        self.ssm_parameters[name] = params["Value"]
        self._parameter_info[name] = (params.get("Type", old_type), version, self.clock.now())
        return 200, {"Version": version, "Tier": "Standard"}

    def _get_parameter(self, params: dict[str, Any]) -> Result:
        name = params["Name"]
        if name not in self.ssm_parameters:
            raise ApiError(400, "ParameterNotFound", "")  # SSM sends this one without a message
        kind, version, modified = self._parameter(name)
        arn = f"arn:aws:ssm:{REGION}:{ACCOUNT_ID}:parameter/{name.lstrip('/')}"
        parameter = {
            "Name": name,
            "Type": kind,
            "Value": self.ssm_parameters[name],
            "Version": version,
            "LastModifiedDate": modified,
            "ARN": arn,
            "DataType": "text",
        }
        return 200, {"Parameter": parameter}

    def _delete_parameter(self, params: dict[str, Any]) -> Result:
        name = params["Name"]
        if name not in self.ssm_parameters:
            raise ApiError(400, "ParameterNotFound", "")
        del self.ssm_parameters[name]
        self._parameter_info.pop(name, None)
        return 200, {}


# --- wire protocol -------------------------------------------------------------------------------------


def _route(
    method: str, segments: list[str], query: dict[str, str], headers: dict[str, str], body: bytes
) -> tuple[str, dict[str, Any], str]:
    """The operation (botocore model name), its params and the protocol of a request."""
    target = headers.get("x-amz-target", "")
    if target.startswith("AmazonSSM."):  # json 1.1: everything is in the body
        return target.removeprefix("AmazonSSM."), json.loads(body or b"{}"), "json"
    if (
        method == "POST"
        and len(segments) == 4
        and segments[:2] == ["2015-03-31", "functions"]
        and segments[3] == "invocations"
    ):
        try:
            payload: Any = json.loads(body) if body else None
        except ValueError:
            payload = body
        params = {
            "FunctionName": segments[2],
            "InvocationType": headers.get("x-amz-invocation-type", "RequestResponse"),
            "Payload": payload,
        }
        return "Invoke", {**params, **query}, "rest-json"
    if segments[:1] == ["clusters"] and len(segments) >= 2:
        name = segments[1]
        if method == "GET" and len(segments) == 2:
            return "DescribeCluster", {"name": name}, "rest-json"
        if method == "POST" and segments[2:] == ["update-config"]:
            return "UpdateClusterConfig", {"name": name, **json.loads(body or b"{}")}, "rest-json"
        if method == "GET" and len(segments) == 4 and segments[2] == "updates":
            return "DescribeUpdate", {"name": name, "updateId": segments[3], **query}, "rest-json"
    return f"{method} /{'/'.join(segments)}", {}, "rest-json"


def _error_response(error: ApiError, protocol: str) -> tuple[int, dict[str, str], bytes]:
    request_id = str(uuid.uuid4())
    if protocol == "json":
        body = {"__type": error.code, "message": error.message}
        return (
            error.status,
            {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": request_id},
            json.dumps(body).encode(),
        )
    # rest-json: botocore takes the code from this header and the message from the body.
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": error.code, "x-amzn-RequestId": request_id}
    return error.status, headers, json.dumps({"message": error.message, **error.members}).encode()


def _invalid(message: str, cluster_name: str) -> ApiError:
    return ApiError(400, "InvalidParameterException", message, clusterName=cluster_name)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _check_cidrs(cidrs: list[str], *, ipv6_allowed: bool, cluster_name: str) -> None:
    if len(cidrs) > MAX_PUBLIC_CIDRS:
        # Guess: no real message for this quota was found.
        raise _invalid(
            f"publicAccessCidrs can contain at most {MAX_PUBLIC_CIDRS} CIDR blocks, {len(cidrs)} were given",
            cluster_name,
        )
    # Guess: private ranges share the message of malformed ones.
    invalid = [cidr for cidr in cidrs if not _is_public_cidr(cidr, ipv6_allowed=ipv6_allowed)]
    if invalid:
        raise _invalid(f"The following CIDRs are invalid in publicAccessCidrs: [{', '.join(invalid)}]", cluster_name)
    seen: set[Any] = set()
    repeated = [cidr for cidr in cidrs if (network := ipaddress.ip_network(cidr)) in seen or seen.add(network)]
    if repeated:
        # Guess: no real message for a repeated block was found.
        raise _invalid(
            f"The following CIDRs are duplicated in publicAccessCidrs: [{', '.join(repeated)}]", cluster_name
        )


def _is_public_cidr(text: str, *, ipv6_allowed: bool) -> bool:
    """A network in CIDR notation with no host bits set, outside the private ranges; IPv6 ones only on an
    IPv6 cluster (EKS API reference)."""
    if "/" not in text:
        return False
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError:
        return False
    if any(network.version == private.version and network.subnet_of(private) for private in PRIVATE_RANGES):  # type: ignore[arg-type]
        return False
    return network.version == 4 or ipv6_allowed


class _Server(ThreadingHTTPServer):
    fake: FakeAws


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _serve(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name.lower(): value for name, value in self.headers.items()}  # HTTP header names ignore case
        status, headers, payload = self.server.fake._handle(self.command, self.path, headers, body)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per request on stderr would drown the test output
