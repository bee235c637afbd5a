"""Custom::EksClusterAccess: opens an existing EKS cluster to AIRS discovery, and undoes only that.

CloudFormation cannot change a cluster it does not own, so this handler does two steps of the
onboarding on it, through the raw custom-resource protocol (no Provider framework, stdlib + boto3):

1. Authentication mode CONFIG_MAP -> API_AND_CONFIG_MAP, so an access entry can be created. A
   cluster already at API_AND_CONFIG_MAP or API gets no call. EKS cannot undo this change, so
   Delete never touches it.
2. The public endpoint allow-list: the existing list is kept verbatim and in order, and the allowed
   CIDRs not in it are appended, except those of an address family the list already admits whole
   (0.0.0.0/0 for IPv4, ::/0 for IPv6: a dual-stack endpoint filters each family by its own ranges,
   so ::/0 admits no IPv4 address). Nothing is ever removed from it. A private-only cluster is
   refused unless EnablePublicEndpoint opts in.

What this resource added is recorded in SSM Parameter Store before each change, so Delete removes
exactly that and Update converges. EKS accepts one update per call and one at a time per cluster:
each update is polled with DescribeUpdate until it ends. When the Lambda's time runs low, the work
is handed on to a new asynchronous invocation of this function; only the last one answers
CloudFormation. Every request is answered exactly once, failures included.

Resource properties: ClusterName (string), AllowedCidrs (list of strings), EnablePublicEndpoint
("true"/"false"). Environment: POLL_INTERVAL_SECONDS (default 15), TIME_BUDGET_SECONDS (how long all
invocations of one request may take before it fails, default 1740), STATE_PARAMETER_PREFIX.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import os
import re
import time
import traceback
import urllib.request
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

# Copies of the library's limits and rules, as this file cannot import it: a test
# (tests/handlers/test_handler_constants.py) asserts each equals the library's.
MAX_PUBLIC_CIDRS = 40  # EKS limit on publicAccessCidrs
# Access entries (and the authentication mode) need at least this platform version on these Kubernetes
# versions, or a later Kubernetes version (Amazon EKS User Guide, "Manage access entries").
ACCESS_ENTRY_PLATFORM_VERSIONS = (
    ("1.28", "eks.6"),
    ("1.27", "eks.10"),
    ("1.26", "eks.11"),
    ("1.25", "eks.12"),
    ("1.24", "eks.15"),
    ("1.23", "eks.17"),
)
OPEN_TO_EVERYONE = ("0.0.0.0/0", "::/0")
PHYSICAL_ID_PREFIX = "eks-cluster-access:"
MAX_RESPONSE_BYTES = 4096  # CloudFormation's limit on a custom resource's response
# Hand the work on when less than this is left after the next poll interval.
HANDOFF_MARGIN_SECONDS = 30.0
# Throttling and 5xx are retried with backoff; 409 (an update in progress) is not: we wait for it.
RETRY_CONFIG = Config(retries={"mode": "standard", "max_attempts": 8})
CLUSTER_NAME = re.compile(r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}")
# The settings the construct passes in the environment, for a handler run without them.
DEFAULT_POLL_INTERVAL_SECONDS = "15"
DEFAULT_TIME_BUDGET_SECONDS = "1740"
DEFAULT_STATE_PARAMETER_PREFIX = "/airs-onboarding/eks-cluster-access"

T = TypeVar("T")
#: A generator of waits: each yielded string says what it waits for; its return value is the result.
Steps = Generator[str, None, T]

# Indirections so tests can run the handler on a virtual clock.
_sleep = time.sleep
_now = time.time


class Failure(Exception):
    """The request fails with this reason (the user's terms, and what to do)."""


class Refused(Failure):
    """The change must not be made (a security decision, or an EKS limit): refused before anything changed."""


class HandOff(Exception):
    """The Lambda is running out of time: continue in a new invocation with this progress."""

    def __init__(self, progress: dict[str, Any]) -> None:
        super().__init__("handing off")
        self.progress = progress


class Retry(Exception):
    """Someone else's update is running (409): wait, read the cluster again, and re-plan."""


#: How a private-only cluster is opted in to public access, for this handler's resource properties.
PUBLIC_ENDPOINT_OPT_IN = (
    "set enable_public_endpoint: true for this cluster in the config (EnablePublicEndpoint) to turn it on for exactly"
    " those addresses"
)


@dataclass(frozen=True)
class Properties:
    cluster_name: str
    allowed_cidrs: tuple[str, ...]
    enable_public_endpoint: bool
    #: Completes "Turning public access on ... by itself: <this>" in the refusal of a private-only cluster.
    public_endpoint_opt_in: str = PUBLIC_ENDPOINT_OPT_IN


@dataclass
class Record:
    """What this resource changed on the cluster, kept in SSM between requests."""

    added_cidrs: list[str] = field(default_factory=list)
    enabled_public_access: bool = False

    def to_json(self) -> str:
        return json.dumps(
            {
                "added_cidrs": self.added_cidrs,
                "enabled_public_access": self.enabled_public_access,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Record:
        data = json.loads(text)
        return cls(
            added_cidrs=list(data.get("added_cidrs", [])),
            enabled_public_access=bool(data.get("enabled_public_access", False)),
        )


# --- entry point ------------------------------------------------------------------------------------


def handler(event: dict[str, Any], context: Any) -> None:
    LOG.info(
        "request %s %s (continuation: %s)",
        event.get("RequestType"),
        event.get("LogicalResourceId"),
        bool(event.get("Continuation")),
    )
    physical_id = event.get("PhysicalResourceId") or _physical_id_for(event)
    try:
        run = Run(event, context)
        physical_id, data = run.execute()
        _respond(event, "SUCCESS", "", physical_id, data)
    except HandOff as handoff:
        try:
            _hand_off(event, context, handoff.progress)
        except Exception as error:
            LOG.error("hand-off failed: %s", traceback.format_exc())
            _respond(
                event,
                "FAILED",
                f"could not continue in a new invocation of {context.function_name}: {error}",
                physical_id,
            )
    except Failure as failure:
        LOG.warning("failed: %s", failure)
        _respond(event, "FAILED", str(failure), physical_id)
    except Exception as error:
        LOG.error("unexpected error: %s", traceback.format_exc())
        _respond(event, "FAILED", f"unexpected error ({type(error).__name__}): {error}", physical_id)


def _physical_id_for(event: dict[str, Any]) -> str:
    name = (event.get("ResourceProperties") or {}).get("ClusterName")
    if isinstance(name, str) and CLUSTER_NAME.fullmatch(name):
        return PHYSICAL_ID_PREFIX + name
    # A Create with an invalid name still needs an id; its Delete then finds nothing to undo.
    return f"{PHYSICAL_ID_PREFIX}invalid:{event.get('RequestId', 'unknown')}"


# --- one request, possibly across several invocations ------------------------------------------------


class Run:
    def __init__(self, event: dict[str, Any], context: Any) -> None:
        self.event = event
        self.context = context
        self.progress: dict[str, Any] = dict(event.get("Continuation") or {})
        self.poll_interval = float(os.environ.get("POLL_INTERVAL_SECONDS", DEFAULT_POLL_INTERVAL_SECONDS))
        budget = float(os.environ.get("TIME_BUDGET_SECONDS", DEFAULT_TIME_BUDGET_SECONDS))
        self.progress.setdefault("deadline", _now() + budget)
        self.progress.setdefault("invocation", 0)
        self.progress["invocation"] += 1
        self.eks = boto3.client("eks", config=RETRY_CONFIG)
        self.ssm = boto3.client("ssm", config=RETRY_CONFIG)
        self.access = ClusterAccess(self.eks, SsmRecords(self.ssm, self._parameter_name), self.progress)

    # The request types

    def execute(self) -> tuple[str, dict[str, str]]:
        request = self.event["RequestType"]
        if request == "Delete":
            return self._delete()
        props = parse_properties(self.event.get("ResourceProperties") or {})
        physical_id = PHYSICAL_ID_PREFIX + props.cluster_name
        # An Update that renames the cluster is a Create for the new one; CloudFormation then
        # deletes the old physical id, which reverts the old cluster.
        cluster, record = self._wait_through(self.access.open(props))
        return physical_id, _data(cluster, record)

    def _delete(self) -> tuple[str, dict[str, str]]:
        physical_id = self.event.get("PhysicalResourceId", "")
        cluster_name = physical_id.removeprefix(PHYSICAL_ID_PREFIX)
        if not physical_id.startswith(PHYSICAL_ID_PREFIX) or not CLUSTER_NAME.fullmatch(cluster_name):
            return physical_id, {}  # the Create failed before it had a cluster: nothing to undo
        self._wait_through(self.access.revert(cluster_name))
        return physical_id, {}

    # Waiting, handing off, state

    def _wait_through(self, steps: Steps[T]) -> T:
        """Runs one of ClusterAccess's step generators to its end, pausing at each wait it yields."""
        while True:
            try:
                waiting_for = next(steps)
            except StopIteration as done:
                result: T = done.value
                return result
            self._pause(waiting_for)

    def _pause(self, waiting_for: str) -> None:
        if _now() + self.poll_interval > self.progress["deadline"]:
            raise Failure(
                f"Timed out waiting for {waiting_for}. The request took longer than its time budget; check the"
                " cluster's update history in the EKS console, then retry the deployment."
            )
        remaining = self.context.get_remaining_time_in_millis() / 1000.0
        if remaining < self.poll_interval + HANDOFF_MARGIN_SECONDS:
            raise HandOff(self.progress)
        _sleep(self.poll_interval)

    def _parameter_name(self, cluster_name: str) -> str:
        prefix = os.environ.get("STATE_PARAMETER_PREFIX", DEFAULT_STATE_PARAMETER_PREFIX)
        owner = f"{self.event['StackId']}/{self.event['LogicalResourceId']}"
        return f"{prefix}/{cluster_name}/{hashlib.sha256(owner.encode()).hexdigest()[:24]}"


# --- the change on one cluster, shared with the estate-coverage function ------------------------------


class SsmRecords:
    """Where ClusterAccess keeps its Record of each cluster: one SSM parameter per cluster, named by ``name_of``."""

    def __init__(self, ssm: Any, name_of: Callable[[str], str]) -> None:
        self.ssm = ssm
        self.name_of = name_of

    def load(self, cluster_name: str) -> Record | None:
        text = self.load_text(cluster_name)
        return None if text is None else Record.from_json(text)

    def load_text(self, cluster_name: str) -> str | None:
        try:
            value: str = self.ssm.get_parameter(Name=self.name_of(cluster_name))["Parameter"]["Value"]
        except ClientError as error:
            if _code(error) == "ParameterNotFound":
                return None
            raise _aws_failure(error, "ssm:GetParameter", cluster_name) from None
        return value

    def save(self, cluster_name: str, record: Record) -> None:
        self.save_text(cluster_name, record.to_json())

    def save_text(self, cluster_name: str, text: str) -> None:
        try:
            self.ssm.put_parameter(Name=self.name_of(cluster_name), Value=text, Type="String", Overwrite=True)
        except ClientError as error:
            raise _aws_failure(error, "ssm:PutParameter", cluster_name) from None

    def delete(self, cluster_name: str) -> None:
        try:
            self.ssm.delete_parameter(Name=self.name_of(cluster_name))
        except ClientError as error:
            if _code(error) != "ParameterNotFound":
                raise _aws_failure(error, "ssm:DeleteParameter", cluster_name) from None


class ClusterAccess:
    """Opens one existing cluster to discovery, or undoes exactly what its record says was done.

    ``open`` and ``revert`` are generators of steps: each value they yield names what they wait for (an
    update, a cluster that is not ACTIVE yet, someone else's update), and whoever drives them decides how
    to wait: this handler sleeps or hands off; the estate-coverage function interleaves many clusters.
    ``progress`` holds the update in flight (``pending_update``), so a new driver can finish it.
    """

    def __init__(self, eks: Any, records: SsmRecords, progress: dict[str, Any]) -> None:
        self.eks = eks
        self.records = records
        self.progress = progress

    def open(self, props: Properties) -> Steps[tuple[dict[str, Any], Record]]:
        """Auth mode to API_AND_CONFIG_MAP, then the allowed CIDRs on the endpoint; the cluster and the record."""
        yield from self._finish_pending_update()
        record = self.records.load(props.cluster_name) or Record()
        while True:
            cluster = yield from self._ready_cluster(props.cluster_name)
            mode = authentication_mode(cluster, props.cluster_name)
            vpc_change, planned = plan_endpoint(cluster, props, record)  # validates before any change
            try:
                if mode == "CONFIG_MAP":
                    # Nothing to record: EKS cannot undo this step, so Delete never will.
                    yield from self._update(
                        props.cluster_name,
                        "authentication mode",
                        accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"},
                    )
                    continue
                if vpc_change is not None:
                    # Write-ahead: what we are about to add is on record before it exists, so no crash
                    # or hand-off can lose it; a failed update puts the previous record back.
                    self.records.save(props.cluster_name, planned)
                    yield from self._update(
                        props.cluster_name, "endpoint access", restore=record, resourcesVpcConfig=vpc_change
                    )
                    record = planned
                    if vpc_change["endpointPublicAccess"] is False:
                        # The opt-in was withdrawn and public access is off again, as it was found: done. (A
                        # new plan would refuse the private-only cluster the request no longer opts in.)
                        return (yield from self._ready_cluster(props.cluster_name)), planned
                    continue
            except Retry:
                yield "someone else's update of the cluster to finish"
                continue
            if planned != record:
                self.records.save(props.cluster_name, planned)
            return cluster, planned

    def revert(self, cluster_name: str) -> Steps[bool]:
        """Removes what the record says was added, then the record; False when there was no record."""
        yield from self._finish_pending_update()
        record = self.records.load(cluster_name)
        if record is None:
            return False  # nothing was ever changed by this owner
        while True:
            cluster = self.describe(cluster_name)
            if cluster is None or cluster.get("status") == "DELETING":
                break  # the cluster is (going) away, and with it what we added
            if cluster.get("status") == "FAILED":
                # Nothing can be updated on it; blocking the stack's deletion would not help either.
                LOG.warning("cluster %s is FAILED: left %s on its endpoint", cluster_name, record.added_cidrs)
                break
            if cluster.get("status") != "ACTIVE":
                yield from self._ready_cluster(cluster_name)
                continue
            vpc_change, remaining = plan_revert(cluster, record, cluster_name)
            if vpc_change is None:
                break
            # The record stays until the revert succeeded: a failed or interrupted Delete can be retried.
            try:
                yield from self._update(cluster_name, "endpoint access", resourcesVpcConfig=vpc_change)
                record = remaining
            except Retry:
                yield "someone else's update of the cluster to finish"
        self.records.delete(cluster_name)
        return True

    # EKS calls

    def describe(self, name: str) -> dict[str, Any] | None:
        try:
            cluster: dict[str, Any] = self.eks.describe_cluster(name=name)["cluster"]
            return cluster
        except ClientError as error:
            if _code(error) == "ResourceNotFoundException":
                return None
            raise _aws_failure(error, "eks:DescribeCluster", name) from None

    def _ready_cluster(self, name: str) -> Steps[dict[str, Any]]:
        """The cluster once it is ACTIVE; waits while it is being created or updated."""
        while True:
            cluster = self.describe(name)
            if cluster is None:
                raise Failure(f"EKS cluster {name!r} does not exist in this account and region. Nothing was changed.")
            status = cluster.get("status")
            if status == "ACTIVE":
                return cluster
            if status not in ("CREATING", "UPDATING", "PENDING"):
                raise Failure(
                    f"EKS cluster {name!r} is {status or 'of no reported status'}, not ACTIVE. Nothing was changed."
                )
            yield f"cluster {name} to become ACTIVE (it is {status})"

    def _update(self, name: str, what: str, *, restore: Record | None = None, **change: Any) -> Steps[None]:
        """One UpdateClusterConfig call of one update type, then wait until EKS reports it done.

        ``restore`` is the record to put back if EKS rejects or fails the update.
        """
        LOG.info("updating %s of %s: %s", what, name, json.dumps(change))
        try:
            update_id = self.eks.update_cluster_config(name=name, **change)["update"]["id"]
        except ClientError as error:
            if _code(error) == "ResourceInUseException":
                raise Retry() from None
            if restore is not None:
                self.records.save(name, restore)
            raise _aws_failure(error, "eks:UpdateClusterConfig", name) from None
        self.progress["pending_update"] = {
            "cluster": name,
            "id": update_id,
            "what": what,
            "restore": restore.to_json() if restore is not None else None,
        }
        yield from self._finish_pending_update()

    def _finish_pending_update(self) -> Steps[None]:
        pending = self.progress.get("pending_update")
        while pending:
            try:
                update = self.eks.describe_update(name=pending["cluster"], updateId=pending["id"])["update"]
            except ClientError as error:
                raise _aws_failure(error, "eks:DescribeUpdate", pending["cluster"]) from None
            status = update.get("status")
            if status == "Successful":
                LOG.info("update %s of %s succeeded", pending["id"], pending["cluster"])
                self.progress.pop("pending_update")
                return
            if status in ("Failed", "Cancelled"):
                self.progress.pop("pending_update")
                if pending.get("restore"):
                    self.records.save(pending["cluster"], Record.from_json(pending["restore"]))
                errors = "; ".join(
                    f"{e.get('errorCode', 'Unknown')}: {e.get('errorMessage', '')}".strip()
                    for e in update.get("errors") or []
                ).rstrip(".")
                raise Failure(
                    f"EKS {pending['what']} update {pending['id']} of cluster {pending['cluster']!r} ended {status}"
                    f"{': ' + errors if errors else ''}. EKS applied nothing of it."
                )
            yield f"EKS {pending['what']} update {pending['id']} of {pending['cluster']} (status {status})"


# --- planning: pure functions of the cluster's state --------------------------------------------------


def parse_properties(raw: dict[str, Any]) -> Properties:
    name = raw.get("ClusterName")
    if not isinstance(name, str) or not CLUSTER_NAME.fullmatch(name):
        raise Failure(
            f"ClusterName {name!r} is not an EKS cluster name (1-100 letters, digits, hyphens and underscores)."
        )
    cidrs = raw.get("AllowedCidrs")
    if not isinstance(cidrs, list) or not cidrs or not all(isinstance(c, str) for c in cidrs):
        raise Failure(f"AllowedCidrs {cidrs!r} is not a non-empty list of CIDR strings.")
    problems = [problem for problem in map(cidr_problem, cidrs) if problem]
    if problems:
        raise Failure("AllowedCidrs: " + "; ".join(problems) + ". Nothing was changed.")
    opt_in = raw.get("EnablePublicEndpoint", "false")
    if str(opt_in).lower() not in ("true", "false"):
        raise Failure(f"EnablePublicEndpoint {opt_in!r} is not 'true' or 'false'.")
    return Properties(name, tuple(dict.fromkeys(cidrs)), str(opt_in).lower() == "true")


def cidr_problem(cidr: str) -> str | None:
    try:
        network = ipaddress.ip_network(cidr, strict=True)
    except ValueError as error:
        return f"{cidr!r} is not a CIDR block ({error})"
    if cidr in OPEN_TO_EVERYONE or network.prefixlen == 0:
        return f"{cidr!r} would open the endpoint to the whole internet"
    if not network.is_global:
        return f"{cidr!r} is not a public address range"
    return None


def admits_whole_family(cidrs: list[str], cidr: str) -> bool:
    """Whether ``cidrs`` hold the range of every address of ``cidr``'s family (0.0.0.0/0 or ::/0)."""
    every_ipv4, every_ipv6 = OPEN_TO_EVERYONE
    return (every_ipv6 if ipaddress.ip_network(cidr).version == 6 else every_ipv4) in cidrs


def merge_cidrs(current: list[str], allowed: tuple[str, ...] | list[str]) -> list[str]:
    """The existing list verbatim and in order, then each allowed CIDR not in it yet."""
    return [*current, *(c for c in dict.fromkeys(allowed) if c not in current)]


def remove_cidrs(current: list[str], added: list[str]) -> list[str]:
    """The list without what this resource added; everything else verbatim and in order."""
    return [c for c in current if c not in added]


def plan_endpoint(cluster: dict[str, Any], props: Properties, record: Record) -> tuple[dict[str, Any] | None, Record]:
    """The resourcesVpcConfig change for Create/Update (None: nothing to send) and the record after it.

    Raises Failure, before anything is changed, for a request that cannot or must not be done.
    """
    public, private, current = endpoint_state(cluster, props.cluster_name)
    _check_family(cluster, props.cluster_name, props.allowed_cidrs)

    if not public:
        if not props.enable_public_endpoint:
            raise Refused(
                f"EKS cluster {props.cluster_name!r} has no public endpoint (private access only), and AIRS discovery"
                f" reaches it from {', '.join(props.allowed_cidrs)}. Turning public access on is a security decision"
                f" this stack does not take by itself: {props.public_endpoint_opt_in}, or give discovery another"
                " network path. Nothing was changed."
            )
        if len(props.allowed_cidrs) > MAX_PUBLIC_CIDRS:
            raise Refused(
                f"{len(props.allowed_cidrs)} allowed CIDRs exceed the EKS limit of {MAX_PUBLIC_CIDRS}."
                " Nothing was changed."
            )
        change = {
            "endpointPublicAccess": True,
            "endpointPrivateAccess": private,
            "publicAccessCidrs": list(props.allowed_cidrs),
        }
        return change, Record(list(props.allowed_cidrs), True)

    if record.enabled_public_access and not props.enable_public_endpoint:
        # The opt-in was withdrawn: put the endpoint back the way this resource found it.
        if not private:
            raise Refused(
                f"EKS cluster {props.cluster_name!r}: this stack turned public access on, but private access is now"
                " off, so public access cannot be turned off again. Turn private access on first. Nothing was changed."
            )
        return {"endpointPublicAccess": False, "endpointPrivateAccess": True}, Record([], False)

    unwanted = [c for c in record.added_cidrs if c not in props.allowed_cidrs]
    kept = remove_cidrs(current, unwanted) or current  # never leave a public endpoint with an empty list
    wanted = merge_cidrs(kept, [c for c in props.allowed_cidrs if not admits_whole_family(kept, c)])
    if len(wanted) > MAX_PUBLIC_CIDRS:
        raise Refused(
            f"EKS cluster {props.cluster_name!r} allows {len(current)} CIDRs on its public endpoint; adding"
            f" {len(wanted) - len(kept)} more would exceed the EKS limit of {MAX_PUBLIC_CIDRS}. Nothing was changed."
        )
    added_now = [c for c in wanted if c not in current]
    still_ours = [c for c in record.added_cidrs if c in wanted and c not in added_now]
    planned = Record(still_ours + added_now, record.enabled_public_access)
    if wanted == current:
        return None, planned
    return {"endpointPublicAccess": True, "endpointPrivateAccess": private, "publicAccessCidrs": wanted}, planned


def plan_revert(cluster: dict[str, Any], record: Record, cluster_name: str) -> tuple[dict[str, Any] | None, Record]:
    """The change that undoes exactly what ``record`` says this resource did (None: nothing left)."""
    public, private, current = endpoint_state(cluster, cluster_name)
    if not public:
        return None, Record()
    if record.enabled_public_access and private:
        return {"endpointPublicAccess": False, "endpointPrivateAccess": True}, Record()
    if record.enabled_public_access:
        # EKS refuses an endpoint with neither public nor private access; turning public access off now
        # would also cut off whoever relies on it since private access was turned off.
        LOG.warning(
            "left public access on for %s: private access is off, so it is the cluster's only endpoint", cluster_name
        )
    remaining = remove_cidrs(current, record.added_cidrs)
    if remaining == current or not remaining:
        # Nothing of ours is left, or removing it would leave a public endpoint with no CIDR.
        if not remaining:
            LOG.warning(
                "kept %s on %s: removing them would leave the public endpoint without any CIDR",
                record.added_cidrs,
                cluster_name,
            )
        return None, Record()
    return {"endpointPublicAccess": True, "endpointPrivateAccess": private, "publicAccessCidrs": remaining}, Record()


def authentication_mode(cluster: dict[str, Any], cluster_name: str) -> str:
    """The cluster's authentication mode; Failure for a cluster whose platform predates access entries.

    DescribeCluster leaves accessConfig out (the API reference marks it optional) for such a cluster:
    it has only the aws-auth ConfigMap, and no mode can be set on it.
    """
    mode = (cluster.get("accessConfig") or {}).get("authenticationMode")
    if isinstance(mode, str) and mode:
        return mode
    versions = [
        f"{label} {value}"
        for label, value in (
            ("Kubernetes", cluster.get("version")),
            ("platform version", cluster.get("platformVersion")),
        )
        if value
    ]
    minimums = [f"{platform} on {kubernetes}" for kubernetes, platform in ACCESS_ENTRY_PLATFORM_VERSIONS]
    raise Refused(
        f"EKS cluster {cluster_name!r}{' (' + ', '.join(versions) + ')' if versions else ''} reports no authentication"
        " mode: its platform version is older than access entries, which the discovery role's access needs. Access"
        f" entries need Kubernetes 1.29 or later, or at least platform version {', '.join(minimums[:-1])} or"
        f" {minimums[-1]}. EKS moves clusters to newer platform versions by itself; to get there now, upgrade the"
        " cluster's Kubernetes version, then deploy again. Nothing was changed."
    )


def endpoint_state(cluster: dict[str, Any], cluster_name: str) -> tuple[bool, bool, list[str]]:
    """Public access, private access and the public CIDR list; Failure when DescribeCluster left one out.

    A guess would be a change nobody asked for: a missing private-access flag sent as false cuts nodes
    off, and a missing list read as empty narrows an endpoint open to everyone to the allowed CIDRs.
    """
    vpc = cluster.get("resourcesVpcConfig") or {}
    public, private, cidrs = (
        vpc.get("endpointPublicAccess"),
        vpc.get("endpointPrivateAccess"),
        vpc.get("publicAccessCidrs"),
    )
    missing = [
        key
        for key, value in (("endpointPublicAccess", public), ("endpointPrivateAccess", private))
        if not isinstance(value, bool)
    ]
    if public is not False and not (isinstance(cidrs, list) and cidrs and all(isinstance(c, str) for c in cidrs)):
        missing.append("publicAccessCidrs")  # EKS always lists at least one CIDR for a public endpoint
    if missing:
        raise Failure(
            f"EKS's description of cluster {cluster_name!r} has no"
            f" {', '.join('resourcesVpcConfig.' + key for key in missing)}, so what a change would do to its endpoint"
            f" cannot be known. Check the cluster with `aws eks describe-cluster --name {cluster_name}` and retry."
            " Nothing was changed."
        )
    return bool(public), bool(private), list(cidrs or [])


def _check_family(cluster: dict[str, Any], cluster_name: str, cidrs: tuple[str, ...]) -> None:
    # The public endpoint filters IPv4 sources on every cluster; IPv6 ranges only mean something
    # on an IPv6 cluster.
    family = ((cluster.get("kubernetesNetworkConfig") or {}).get("ipFamily") or "ipv4").lower()
    if family == "ipv4":
        ipv6 = [c for c in cidrs if ipaddress.ip_network(c).version == 6]
        if ipv6:
            raise Refused(
                f"EKS cluster {cluster_name!r} is an IPv4 cluster; the IPv6 ranges {', '.join(ipv6)} cannot be allowed"
                " on its endpoint. Nothing was changed."
            )


def _data(cluster: dict[str, Any], record: Record) -> dict[str, str]:
    return {
        "ClusterArn": str(cluster.get("arn", "")),
        "AddedCidrs": ",".join(record.added_cidrs),
        "PublicAccessEnabledByThisResource": str(record.enabled_public_access).lower(),
    }


# --- AWS errors, hand-off, response -----------------------------------------------------------------


def _code(error: ClientError) -> str:
    code: str = error.response.get("Error", {}).get("Code", "")
    return code


def _aws_failure(error: ClientError, action: str, cluster_name: str) -> Failure:
    code, message = _code(error), error.response.get("Error", {}).get("Message", "")
    if code in ("AccessDeniedException", "AccessDenied", "UnauthorizedOperation"):
        return Failure(
            f"Access denied: the handler's role may not call {action} for cluster {cluster_name!r} ({message})."
            " Check the role's policy and any SCP or permissions boundary."
        )
    return Failure(f"{action} for cluster {cluster_name!r} failed: {code}: {message}")


def _hand_off(event: dict[str, Any], context: Any, progress: dict[str, Any]) -> None:
    LOG.info("handing off to a new invocation (progress %s)", json.dumps(progress))
    boto3.client("lambda", config=RETRY_CONFIG).invoke(
        FunctionName=context.function_name,
        InvocationType="Event",
        Payload=json.dumps({**event, "Continuation": progress}).encode(),
    )


def _respond(
    event: dict[str, Any], status: str, reason: str, physical_id: str, data: dict[str, str] | None = None
) -> None:
    body: dict[str, Any] = {
        "Status": status,
        "Reason": reason or status,
        "PhysicalResourceId": physical_id,
        "StackId": event.get("StackId"),
        "RequestId": event.get("RequestId"),
        "LogicalResourceId": event.get("LogicalResourceId"),
        "NoEcho": False,
        "Data": data or {},
    }
    encoded = json.dumps(body).encode()
    if len(encoded) > MAX_RESPONSE_BYTES:
        overflow = len(encoded) - MAX_RESPONSE_BYTES + len(" [truncated]") + 16
        body["Reason"] = body["Reason"][: max(0, len(body["Reason"]) - overflow)] + " [truncated]"
        body["Data"] = {} if len(json.dumps(body).encode()) > MAX_RESPONSE_BYTES else body["Data"]
        encoded = json.dumps(body).encode()
    LOG.info("responding %s: %s", status, body["Reason"])
    request = urllib.request.Request(
        event["ResponseURL"],
        data=encoded,
        method="PUT",
        headers={"Content-Type": "", "Content-Length": str(len(encoded))},
    )
    for attempt in range(3):
        try:
            with urllib.request.urlopen(request, timeout=30):
                return
        except OSError:
            LOG.warning("response PUT failed (attempt %d): %s", attempt + 1, traceback.format_exc())
            if attempt < 2:  # no wait after the last attempt
                _sleep(2**attempt)
    raise RuntimeError("could not deliver the response to CloudFormation")
