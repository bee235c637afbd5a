"""A stateful fake of the EKS, Lambda and SSM calls the EKS handlers make, over HTTP or in-process.

Real boto3 clients talk to it (``endpoint_url=aws.endpoint``, or the ``AWS_ENDPOINT_URL_*``
variables from ``aws.env()``), so botocore's request serialization, response and error parsing,
and retries run exactly as they do against AWS. Only the standard library is used. A harness that
answers botocore's ``before-send`` event itself can call ``aws._handle`` instead, with no server
(tests/handlers/coverage_harness.py does, for the estate-coverage runner).

Time is virtual: an EKS update, a cluster being created or deleted, ends once ``aws.clock`` has
moved past its duration, judged at each request, so a handler given ``aws.clock.sleep`` polls
through minutes of updates instantly. ``FakeAws(clock=...)`` shares another clock (anything with
``now()`` and ``advance(seconds)``).

EKS messages are the ones real EKS returns, as quoted in public bug reports; where none could be
found the message is marked as a guess. The fake refuses at least what EKS refuses: where it is not
known whether EKS accepts a request the handler never needs to send, the fake refuses it. Anything the
handlers are not expected to call (another update type, a synchronous Lambda invocation, another SSM
action, DeleteCluster, ListAccessEntries) gets a 501 ``NotImplemented``, which botocore does not retry,
so a test fails loudly instead of passing against invented behaviour.

Modelled for the estate-coverage runner (clusters opted in by tag): ListClusters (paginated, at most
``aws.page_size`` names a page, EKS's 100 by default), cluster and access-entry tags (TagResource,
UntagResource, ListTagsForResource, the tags in DescribeCluster), access entries (Create, Describe,
Delete) and their access policies (AssociateAccessPolicy, ListAssociatedAccessPolicies, paginated),
clusters being created or deleted, and the idempotency of ``clientRequestToken``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import ipaddress
import json
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import parse_qs, quote, unquote, urlsplit

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
MAX_PAGE_SIZE = 100  # ListClusters and ListAssociatedAccessPolicies: maxResults 1..100, 100 when not sent
MAX_TAGS = 50  # EKS API reference, TagMap: at most 50 tags per resource
# The message real EKS gives for an access-entry call on a CONFIG_MAP cluster (CreateAccessEntry and
# DescribeAccessEntry quoted in aws-ia/terraform-aws-eks-blueprints#1877, upbound/configuration-aws-eks#122).
AUTH_MODE_MESSAGE = (
    "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation."
)
# Real messages (terraform-aws-modules/terraform-aws-eks#3293, #3024, #2969; hashicorp/terraform-provider-aws#36447;
# aws-controllers-k8s/community#2144).
ENTRY_EXISTS_MESSAGE = "The specified access entry resource is already in use on this cluster."
ENTRY_MISSING_MESSAGE = (
    "The specified principalArn could not be found. You can view your available access entries with"
    " 'list-access-entries'."
)
INVALID_PRINCIPAL_MESSAGE = "The specified principalArn is invalid: invalid principal."
SERVICE_LINKED_MESSAGE = (
    "The caller is not allowed to modify access entries with a principalArn value of a Service Linked Role"
)
NOT_STANDARD_MESSAGE = 'This operation can only be performed on Access Entries with a type of "STANDARD".'
ACCESS_ENTRY_TYPES = ("STANDARD", "FARGATE_LINUX", "EC2_LINUX", "EC2_WINDOWS", "EC2", "HYBRID_LINUX", "HYPERPOD_LINUX")
# The AWS-managed access policies (EKS user guide, "Access policy permissions"); the fake knows no others.
ACCESS_POLICIES = frozenset(
    f"arn:aws:eks::aws:cluster-access-policy/{name}"
    for name in (
        "AmazonEKSAdminPolicy",
        "AmazonEKSAdminViewPolicy",
        "AmazonEKSClusterAdminPolicy",
        "AmazonEKSEditPolicy",
        "AmazonEKSViewPolicy",
    )
)
PRINCIPAL_ARN = re.compile(
    r"arn:aws:iam::(?P<account>\d{12}):(?P<kind>role|user)/(?:[\w+=,.@-]+/)*(?P<name>[\w+=,.@-]+)"
)


#: PutParameter's Type values (SSM API reference), in the order SSM's validation message lists them.
PARAMETER_TYPES = ("SecureString", "StringList", "String")


class Clock(Protocol):
    """What the fake needs of a clock: a harness may share its own."""

    def now(self) -> float: ...

    def advance(self, seconds: float) -> None: ...


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


#: EKS's publicAccessCidrs when none are given, by ipFamily.
DEFAULT_PUBLIC_CIDRS = {"ipv4": ["0.0.0.0/0"], "ipv6": ["0.0.0.0/0", "::/0"]}


class FakeAws:
    """Context manager: `with FakeAws() as aws:` starts the server, `aws.endpoint` is 'http://127.0.0.1:<port>'.

    clock: the virtual time the fake judges durations by. Default: a VirtualClock of its own.
    account_id: the account in the ARNs of its clusters, access entries and parameters. Default: 111111111111.
    """

    def __init__(self, clock: Clock | None = None, *, account_id: str = ACCOUNT_ID) -> None:
        self.clock: Any = clock if clock is not None else VirtualClock()
        self.account_id = account_id
        # Items a list page holds at most (ListClusters, ListAssociatedAccessPolicies), below maxResults: EKS's
        # maximum by default; a test sets a small one to make a caller follow nextToken.
        self.page_size = MAX_PAGE_SIZE
        # Guess: EKS refuses CreateAccessEntry, DeleteAccessEntry and AssociateAccessPolicy (409
        # ResourceInUseException) while a cluster update runs, as it refuses a second update. Not documented;
        # False accepts them.
        self.refuse_access_entry_changes_while_updating = True
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
        # cluster name -> (CREATING or DELETING, virtual time it ends: ACTIVE, or gone)
        self._lifecycle: dict[str, tuple[str, float]] = {}
        # cluster name -> principal ARN -> access entry (as DescribeAccessEntry returns it)
        self._access_entries: dict[str, dict[str, dict[str, Any]]] = {}
        # (cluster name, principal ARN) -> policy ARN -> association (as ListAssociatedAccessPolicies returns it)
        self._access_policies: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        # (operation, cluster name, clientRequestToken) -> (the request without its token, the first answer)
        self._tokens: dict[tuple[str, str, str], tuple[str, Result]] = {}
        self._operations: dict[str, Callable[[dict[str, Any]], Result]] = {
            "ListClusters": self._list_clusters,
            "DescribeCluster": self._describe_cluster,
            "UpdateClusterConfig": self._idempotent(self._update_cluster_config),
            "DescribeUpdate": self._describe_update,
            "TagResource": self._tag_resource,
            "UntagResource": self._untag_resource,
            "ListTagsForResource": self._list_tags_for_resource,
            "CreateAccessEntry": self._idempotent(self._create_access_entry),
            "DescribeAccessEntry": self._describe_access_entry,
            "DeleteAccessEntry": self._delete_access_entry,
            "AssociateAccessPolicy": self._associate_access_policy,
            "ListAssociatedAccessPolicies": self._list_associated_access_policies,
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
        tags: Mapping[str, str] | None = None,
        creating_for: float | None = None,
    ) -> None:
        """An existing cluster, with these tags (default: none). For one that is UPDATING, use start_foreign_update
        instead of status; for one being created, creating_for: it is CREATING (no endpoint yet) for that many
        virtual seconds, then ACTIVE."""
        if (
            auth_mode not in AUTHENTICATION_MODES
            or ip_family not in ("ipv4", "ipv6")
            or not (public or private)
            or cidrs == []
            or (creating_for is not None and (creating_for < 0 or status != "ACTIVE"))
        ):
            raise ValueError(
                f"not a cluster EKS can have: {auth_mode=}, {ip_family=}, {public=}, {private=}, {cidrs=},"
                f" {status=}, {creating_for=}"
            )
        digest = hashlib.sha256(name.encode()).hexdigest()
        service_cidr = (
            {"serviceIpv4Cidr": "172.20.0.0/16"} if ip_family == "ipv4" else {"serviceIpv6Cidr": "fd00:ec2:a1b2::/108"}
        )
        with self._lock:
            if name in self._clusters:
                raise ValueError(f"cluster {name} already exists")
            self._clusters[name] = {
                "name": name,
                "arn": f"arn:aws:eks:{REGION}:{self.account_id}:cluster/{name}",
                "createdAt": self.clock.now(),
                "version": "1.31",
                "endpoint": _endpoint(name),
                "roleArn": f"arn:aws:iam::{self.account_id}:role/{name}-cluster",
                "resourcesVpcConfig": {
                    "subnetIds": ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a60789"],
                    "securityGroupIds": [],
                    "clusterSecurityGroupId": f"sg-{digest[:17]}",
                    "vpcId": f"vpc-{digest[17:34]}",
                    "endpointPublicAccess": public,
                    "endpointPrivateAccess": private,
                    # EKS keeps (and reads back) the list while public access is off. Its default: 0.0.0.0/0,
                    # and ::/0 too on a dual-stack (IPv6) cluster (EKS API reference, VpcConfigRequest).
                    "publicAccessCidrs": list(cidrs) if cidrs is not None else DEFAULT_PUBLIC_CIDRS[ip_family],
                },
                "kubernetesNetworkConfig": {**service_cidr, "ipFamily": ip_family},
                "status": status,
                "platformVersion": "eks.10",
                "accessConfig": {"authenticationMode": auth_mode},
                "tags": dict(tags or {}),
            }
            self._updates[name] = {}
            self._access_entries[name] = {}
            if creating_for is not None:
                self._clusters[name]["status"] = "CREATING"
                del self._clusters[name]["endpoint"]  # EKS gives the endpoint once the cluster is ACTIVE
                self._lifecycle[name] = ("CREATING", self.clock.now() + creating_for)

    def cluster(self, name: str) -> dict[str, Any]:
        """A deep copy of the cluster as DescribeCluster would return it now."""
        with self._lock:
            self._settle()
            return copy.deepcopy(self._clusters[name])

    def remove_cluster(self, name: str) -> None:
        """The cluster is gone at once, with its updates, access entries and tags."""
        with self._lock:
            self._forget(name)

    def delete_cluster(self, name: str, *, duration: float = 300.0) -> None:
        """Someone deletes the cluster: it is DELETING for `duration` virtual seconds, then gone (remove_cluster)."""
        with self._lock:
            self._settle()
            cluster = self._cluster_or_404(name)
            if cluster["status"] == "DELETING":
                raise ValueError(f"cluster {name} is being deleted already")
            cluster["status"] = "DELETING"
            self._lifecycle[name] = ("DELETING", self.clock.now() + duration)

    def tag(self, name: str, tags: Mapping[str, str]) -> None:
        """Someone tags the cluster (as TagResource: keys are added or overwritten)."""
        with self._lock:
            self._settle()
            self._cluster_or_404(name)["tags"].update(tags)

    def untag(self, name: str, *keys: str) -> None:
        """Someone removes these tag keys from the cluster (absent ones are ignored, as by UntagResource)."""
        with self._lock:
            self._settle()
            cluster_tags = self._cluster_or_404(name)["tags"]
            for key in keys:
                cluster_tags.pop(key, None)

    def tags(self, name: str) -> dict[str, str]:
        with self._lock:
            self._settle()
            return dict(self._cluster_or_404(name)["tags"])

    def add_access_entry(
        self,
        name: str,
        principal_arn: str,
        *,
        tags: Mapping[str, str] | None = None,
        policies: Mapping[str, Mapping[str, Any]] | None = None,
        entry_type: str = "STANDARD",
    ) -> str:
        """An access entry someone else made (the cluster must be in API or API_AND_CONFIG_MAP), with these tags
        and policies (policy ARN -> accessScope; default: none); returns its ARN."""
        with self._lock:
            self._settle()
            cluster = self._cluster_or_404(name)
            if cluster["accessConfig"]["authenticationMode"] == "CONFIG_MAP":
                raise ValueError(f"cluster {name} is in CONFIG_MAP mode: it can have no access entry")
            if principal_arn in self._access_entries[name]:
                raise ValueError(f"cluster {name} has an access entry for {principal_arn} already")
            _check_principal(principal_arn, name)
            entry = self._new_access_entry(name, principal_arn, entry_type, tags or {}, [], None)
            for policy_arn, scope in (policies or {}).items():
                self._associate(name, principal_arn, policy_arn, dict(scope))
            return str(entry["accessEntryArn"])

    def access_entry(self, name: str, principal_arn: str) -> dict[str, Any] | None:
        """A copy of the access entry as DescribeAccessEntry returns it, None when the cluster has none for the
        principal."""
        with self._lock:
            self._settle()
            entry = self._access_entries.get(name, {}).get(principal_arn)
            return copy.deepcopy(entry)

    def access_entries(self, name: str) -> dict[str, dict[str, Any]]:
        """The cluster's access entries by principal ARN (copies)."""
        with self._lock:
            self._settle()
            return copy.deepcopy(self._access_entries.get(name, {}))

    def access_policies(self, name: str, principal_arn: str) -> dict[str, dict[str, Any]]:
        """The access policies associated with the entry, by policy ARN (copies; empty when there is no entry)."""
        with self._lock:
            self._settle()
            return copy.deepcopy(self._access_policies.get((name, principal_arn), {}))

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
        operation, params, protocol = _route(method, segments, parse_qs(url.query), headers, body)
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
        """Ends what is due by now: clusters being created become ACTIVE, those being deleted are gone, and an
        update's change lands only now, all at once."""
        now = self.clock.now()
        for name, (state, ends_at) in list(self._lifecycle.items()):
            if now < ends_at:
                continue
            if state == "DELETING":
                self._forget(name)
            else:
                del self._lifecycle[name]
                self._clusters[name].update(status="ACTIVE", endpoint=_endpoint(name))
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
            if due and self._in_progress(name) is None and cluster["status"] == "UPDATING":
                cluster["status"] = "ACTIVE"

    def _forget(self, name: str) -> None:
        if name not in self._clusters:
            raise KeyError(name)
        del self._clusters[name], self._updates[name], self._access_entries[name]
        self._next_outcome.pop(name, None)
        self._omitted.pop(name, None)
        self._lifecycle.pop(name, None)
        for key in [key for key in self._access_policies if key[0] == name]:
            del self._access_policies[key]
        for token in [token for token in self._tokens if token[1] == name]:
            del self._tokens[token]

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

    # --- EKS: idempotency, lists, tags --------------------------------------------------------------

    def _idempotent(self, handler: Callable[[dict[str, Any]], Result]) -> Callable[[dict[str, Any]], Result]:
        """clientRequestToken, as the EKS API reference documents it: a request repeated with the token of one that
        succeeded (botocore's retry after an answer was lost) gets the first answer and changes nothing again."""

        def run(params: dict[str, Any]) -> Result:
            token = params.get("clientRequestToken")
            if not token:
                return handler(params)
            name = str(params.get("name") or params.get("clusterName"))
            key = (handler.__name__, name, token)
            request = json.dumps({k: v for k, v in params.items() if k != "clientRequestToken"}, sort_keys=True)
            if key in self._tokens:
                first_request, answer = self._tokens[key]
                if first_request != request:
                    # Guess (code and message): the token of another request.
                    raise _invalid(f"The clientRequestToken {token} was used with other parameters", name)
                return copy.deepcopy(answer)
            answer = handler(params)
            self._tokens[key] = (request, copy.deepcopy(answer))
            return answer

        return run

    def _page(
        self, operation: str, items: list[tuple[str, Any]], params: dict[str, Any]
    ) -> tuple[list[Any], str | None]:
        """One page of (sort key, item) pairs sorted by key; the token names the last key returned, so an item
        added or removed between pages neither repeats nor hides another."""
        size = MAX_PAGE_SIZE
        if params.get("maxResults") is not None:
            size = int(params["maxResults"])
            if not 1 <= size <= MAX_PAGE_SIZE:
                # Guess (code and message): EKS's validation message for an integer out of its model's range.
                constraint = "greater than or equal to 1" if size < 1 else f"less than or equal to {MAX_PAGE_SIZE}"
                raise ApiError(
                    400,
                    "InvalidParameterException",
                    f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy constraint:"
                    f" Member must have value {constraint}",
                )
        size = min(size, self.page_size)
        start = 0
        token = params.get("nextToken")
        if token:
            try:
                decoded = json.loads(base64.b64decode(token, validate=True))
                kind, after = decoded["operation"], decoded["after"]
            except (ValueError, TypeError, KeyError):
                kind, after = None, None
            if kind != operation:
                # Guess (code and message).
                raise ApiError(400, "InvalidParameterException", f"The nextToken provided is invalid: {token}")
            start = next((i for i, (key, _) in enumerate(items) if key > after), len(items))
        page = items[start : start + size]
        following = None
        if start + size < len(items):
            following = base64.b64encode(json.dumps({"operation": operation, "after": page[-1][0]}).encode()).decode()
        return [item for _, item in page], following

    def _list_clusters(self, params: dict[str, Any]) -> Result:
        if params.get("include") not in (None, "all"):
            raise _not_modelled(f"ListClusters include={params['include']}")
        names, token = self._page("ListClusters", [(name, name) for name in sorted(self._clusters)], params)
        return 200, {"clusters": names, **({"nextToken": token} if token else {})}

    def _tagged(self, arn: str) -> dict[str, str]:
        """The tags of the cluster or access entry with this ARN."""
        match = re.fullmatch(rf"arn:aws:eks:{REGION}:{self.account_id}:(cluster|access-entry)/(.+)", arn)
        if match is None:
            # Guess (message): an ARN that is no EKS cluster or access entry of this account and region.
            raise ApiError(400, "BadRequestException", f"{arn} is not a valid resource ARN")
        if match[1] == "cluster" and match[2] in self._clusters:
            tags: dict[str, str] = self._clusters[match[2]]["tags"]
            return tags
        if match[1] == "access-entry":
            for entry in self._access_entries.get(match[2].split("/")[0], {}).values():
                if entry["accessEntryArn"] == arn:
                    entry_tags: dict[str, str] = entry["tags"]
                    return entry_tags
        # Guess (message).
        raise ApiError(404, "NotFoundException", f"Resource was not found: {arn}")

    def _tag_resource(self, params: dict[str, Any]) -> Result:
        tags = self._tagged(params["resourceArn"])
        _check_tags(tags, params.get("tags") or {}, "BadRequestException")
        tags.update(params["tags"])
        return 200, {}

    def _untag_resource(self, params: dict[str, Any]) -> Result:
        tags = self._tagged(params["resourceArn"])
        for key in params.get("tagKeys", []):
            tags.pop(key, None)  # a key the resource does not carry is no error
        return 200, {}

    def _list_tags_for_resource(self, params: dict[str, Any]) -> Result:
        return 200, {"tags": dict(self._tagged(params["resourceArn"]))}

    # --- EKS: access entries and their policies -------------------------------------------------------------

    def _access_cluster(self, name: str, *, changing: bool) -> dict[str, Any]:
        """The cluster, if access entries can be read (changing=False) or changed on it now."""
        cluster = self._cluster_or_404(name)
        if cluster["accessConfig"]["authenticationMode"] == "CONFIG_MAP":
            raise ApiError(400, "InvalidRequestException", AUTH_MODE_MESSAGE, clusterName=name)
        if not changing:
            return cluster
        running = self._in_progress(name)
        if running is not None and self.refuse_access_entry_changes_while_updating:
            # Guess (refusal and message): see refuse_access_entry_changes_while_updating.
            raise ApiError(
                409,
                "ResourceInUseException",
                f"Cannot change access entries because cluster {name} currently has update {running.id} in progress",
                clusterName=name,
            )
        if cluster["status"] not in ("ACTIVE", "UPDATING"):
            # Guess: as UpdateClusterConfig on a cluster that is not ACTIVE (CREATING, DELETING, FAILED).
            raise ApiError(
                400, "InvalidRequestException", f"Cluster '{name}' is not in ACTIVE status", clusterName=name
            )
        return cluster

    def _entry_or_404(self, name: str, principal_arn: str) -> dict[str, Any]:
        entry = self._access_entries[name].get(principal_arn)
        if entry is None:
            raise ApiError(404, "ResourceNotFoundException", ENTRY_MISSING_MESSAGE, clusterName=name)
        return entry

    def _new_access_entry(
        self,
        name: str,
        principal_arn: str,
        entry_type: str,
        tags: Mapping[str, str],
        groups: list[str],
        username: str | None,
    ) -> dict[str, Any]:
        match = PRINCIPAL_ARN.fullmatch(principal_arn)
        assert match is not None  # _check_principal ran
        kind, account, principal = match["kind"], match["account"], match["name"]
        if username is None:
            # EKS's default username: the assumed-role session for a role, the ARN for a user.
            session = f"arn:aws:sts::{account}:assumed-role/{principal}/{{{{SessionName}}}}"
            username = session if kind == "role" else principal_arn
        now = self.clock.now()
        entry = {
            "clusterName": name,
            "principalArn": principal_arn,
            "kubernetesGroups": list(groups),
            "accessEntryArn": (
                f"arn:aws:eks:{REGION}:{self.account_id}:access-entry/{name}/{kind}/{account}/{principal}/{uuid.uuid4()}"
            ),
            "createdAt": now,
            "modifiedAt": now,
            "tags": dict(tags),
            "username": username,
            "type": entry_type,
        }
        self._access_entries[name][principal_arn] = entry
        return entry

    def _create_access_entry(self, params: dict[str, Any]) -> Result:
        name, principal_arn = params["clusterName"], params["principalArn"]
        self._cluster_or_404(name)
        entry_type = params.get("type", "STANDARD")
        if entry_type not in ACCESS_ENTRY_TYPES:
            # Guess (message).
            raise _invalid(f"The access entry type {entry_type} is invalid", name)
        _check_principal(principal_arn, name)
        groups, username = params.get("kubernetesGroups", []), params.get("username")
        if entry_type != "STANDARD" and (groups or username):
            # Guess (message); the refusal is documented for EC2_LINUX and EC2_WINDOWS.
            raise _invalid(f"kubernetesGroups and username cannot be set on an access entry of type {entry_type}", name)
        _check_tags({}, params.get("tags") or {}, "InvalidParameterException")
        self._access_cluster(name, changing=True)
        if principal_arn in self._access_entries[name]:
            raise ApiError(409, "ResourceInUseException", ENTRY_EXISTS_MESSAGE, clusterName=name)
        entry = self._new_access_entry(name, principal_arn, entry_type, params.get("tags") or {}, groups, username)
        return 200, {"accessEntry": copy.deepcopy(entry)}

    def _describe_access_entry(self, params: dict[str, Any]) -> Result:
        name = params["clusterName"]
        self._access_cluster(name, changing=False)
        return 200, {"accessEntry": copy.deepcopy(self._entry_or_404(name, params["principalArn"]))}

    def _delete_access_entry(self, params: dict[str, Any]) -> Result:
        name, principal_arn = params["clusterName"], params["principalArn"]
        self._access_cluster(name, changing=True)
        self._entry_or_404(name, principal_arn)
        del self._access_entries[name][principal_arn]
        self._access_policies.pop((name, principal_arn), None)
        return 200, {}

    def _associate(self, name: str, principal_arn: str, policy_arn: str, scope: dict[str, Any]) -> dict[str, Any]:
        if policy_arn not in ACCESS_POLICIES:
            # Guess (code and message): a policy EKS does not have.
            raise _invalid(f"The specified policyArn is invalid: {policy_arn}", name)
        kind, namespaces = scope.get("type"), scope.get("namespaces") or []
        # Guess (messages): EKS's rules for the scope (a namespace scope needs namespaces, a cluster scope has none).
        if kind not in ("cluster", "namespace"):
            raise _invalid(f"The access scope type {kind} is invalid: expected cluster or namespace", name)
        if (kind == "namespace") != bool(namespaces):
            raise _invalid(f"An access scope of type {kind} cannot have namespaces {namespaces}", name)
        now = self.clock.now()
        policies = self._access_policies.setdefault((name, principal_arn), {})
        # Associating a policy that is associated already changes its scope (EKS API reference).
        association = policies.setdefault(policy_arn, {"policyArn": policy_arn, "associatedAt": now})
        association.update(accessScope={"type": kind, "namespaces": list(namespaces)}, modifiedAt=now)
        return association

    def _associate_access_policy(self, params: dict[str, Any]) -> Result:
        name, principal_arn = params["clusterName"], params["principalArn"]
        self._access_cluster(name, changing=True)
        entry = self._entry_or_404(name, principal_arn)
        if entry["type"] != "STANDARD":
            raise _invalid(NOT_STANDARD_MESSAGE, name)
        association = self._associate(name, principal_arn, params["policyArn"], params.get("accessScope") or {})
        result = {"clusterName": name, "principalArn": principal_arn, "associatedAccessPolicy": association}
        return 200, copy.deepcopy(result)

    def _list_associated_access_policies(self, params: dict[str, Any]) -> Result:
        name, principal_arn = params["clusterName"], params["principalArn"]
        self._access_cluster(name, changing=False)
        self._entry_or_404(name, principal_arn)
        policies = sorted(self._access_policies.get((name, principal_arn), {}).items())
        page, token = self._page("ListAssociatedAccessPolicies", policies, params)
        result = {
            "clusterName": name,
            "principalArn": principal_arn,
            "associatedAccessPolicies": copy.deepcopy(page),
            **({"nextToken": token} if token else {}),
        }
        return 200, result

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
        if "Type" in params and params["Type"] not in PARAMETER_TYPES:
            raise ApiError(
                400,
                "ValidationException",
                f"1 validation error detected: Value '{params['Type']}' at 'type' failed to satisfy constraint:"
                f" Member must satisfy enum value set: [{', '.join(PARAMETER_TYPES)}]",
            )
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
        arn = f"arn:aws:ssm:{REGION}:{self.account_id}:parameter/{name.lstrip('/')}"
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
    method: str, segments: list[str], query_lists: dict[str, list[str]], headers: dict[str, str], body: bytes
) -> tuple[str, dict[str, Any], str]:
    """The operation (botocore model name), its params (botocore's member names) and the protocol of a request."""
    query: dict[str, Any] = {key: values[-1] for key, values in query_lists.items()}
    if "maxResults" in query:
        query["maxResults"] = int(query["maxResults"])
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
    if segments == ["clusters"] and method == "GET":
        return "ListClusters", query, "rest-json"
    if segments[:1] == ["clusters"] and len(segments) >= 2:
        name = segments[1]
        if method == "GET" and len(segments) == 2:
            return "DescribeCluster", {"name": name}, "rest-json"
        if method == "POST" and segments[2:] == ["update-config"]:
            return "UpdateClusterConfig", {"name": name, **json.loads(body or b"{}")}, "rest-json"
        if method == "GET" and len(segments) == 4 and segments[2] == "updates":
            return "DescribeUpdate", {"name": name, "updateId": segments[3], **query}, "rest-json"
        if segments[2:3] == ["access-entries"]:
            routed = _route_access_entries(method, name, segments[3:], query, body)
            if routed is not None:
                return (*routed, "rest-json")
    if segments[:1] == ["tags"] and len(segments) == 2:
        arn = segments[1]
        if method == "POST":
            return "TagResource", {"resourceArn": arn, **json.loads(body or b"{}")}, "rest-json"
        if method == "DELETE":
            return "UntagResource", {"resourceArn": arn, "tagKeys": query_lists.get("tagKeys", [])}, "rest-json"
        if method == "GET":
            return "ListTagsForResource", {"resourceArn": arn}, "rest-json"
    return f"{method} /{'/'.join(segments)}", {}, "rest-json"


def _route_access_entries(
    method: str, name: str, rest: list[str], query: dict[str, Any], body: bytes
) -> tuple[str, dict[str, Any]] | None:
    """/clusters/{name}/access-entries[/{principalArn}[/access-policies]]. botocore percent-encodes the '/' of a
    principal ARN, but a proxy may not: a '/' in the path is taken as part of the ARN."""
    if not rest:
        return ("CreateAccessEntry", {"clusterName": name, **json.loads(body or b"{}")}) if method == "POST" else None
    if rest[-1] == "access-policies" and len(rest) >= 2:
        params = {"clusterName": name, "principalArn": "/".join(rest[:-1])}
        if method == "POST":
            return "AssociateAccessPolicy", {**params, **json.loads(body or b"{}")}
        if method == "GET":
            return "ListAssociatedAccessPolicies", {**params, **query}
        return None
    params = {"clusterName": name, "principalArn": "/".join(rest)}
    if method == "GET":
        return "DescribeAccessEntry", params
    if method == "DELETE":
        return "DeleteAccessEntry", params
    return None


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


def _endpoint(name: str) -> str:
    digest = hashlib.sha256(name.encode()).hexdigest()
    return f"https://{digest[:32].upper()}.gr7.{REGION}.eks.amazonaws.com"


def _check_principal(principal_arn: str, cluster_name: str) -> None:
    """An IAM role or user of the aws partition (EKS API reference, CreateAccessEntry principalArn)."""
    if PRINCIPAL_ARN.fullmatch(principal_arn) is None:
        raise _invalid(INVALID_PRINCIPAL_MESSAGE, cluster_name)
    if principal_arn.split(":", 5)[5].startswith("role/aws-service-role/"):
        raise _invalid(SERVICE_LINKED_MESSAGE, cluster_name)


def _check_tags(existing: Mapping[str, str], new: Mapping[str, str], code: str) -> None:
    """The tag rules of the EKS API reference (TagMap): at most 50 a resource, keys of 1 to 128 characters,
    values of at most 256, no aws: prefix. The messages are guesses."""
    for key, value in new.items():
        if key.lower().startswith("aws:"):
            raise ApiError(400, code, f"Tag keys beginning with aws: are reserved for AWS use: {key}")
        if not 1 <= len(key) <= 128 or len(value) > 256:
            raise ApiError(400, code, f"Tag {key}={value}: keys have 1 to 128 characters, values at most 256")
    count = len(set(existing) | set(new))
    if count > MAX_TAGS:
        raise ApiError(400, code, f"A resource can have at most {MAX_TAGS} tags, this request would give it {count}")


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
    repeated = []
    for cidr in cidrs:
        network = ipaddress.ip_network(cidr)
        if network in seen:
            repeated.append(cidr)
        seen.add(network)
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
