"""A stateful fake of the read-only EKS, Bedrock and CloudFormation calls the checks make: moto has
no EKS access entries, add-ons or pod identity associations, no Bedrock model lists, and its
CloudFormation needs packages this project does not install. Use it with moto passing these
services through (``PASSTHROUGH``).

It answers through botocore's ``before-send`` event, registered first on a boto3 session, so real
request serialization, response parsing, error handling and retries (throttling) run as against AWS.

For moto's EC2 and SSM it adds what moto lacks: the EC2 lists the checks read whole (DescribeVpcs,
DescribeFlowLogs) come a page at a time, as AWS's do, and a call in ``denied`` is refused.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

import boto3
from botocore.awsrequest import AWSResponse

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
SERVICES = ("eks", "bedrock", "cloudformation")
#: The EC2 lists moto answers whole, with the key of their items: the fake hands them out a page at a time.
EC2_PAGED = {"DescribeVpcs": "Vpcs", "DescribeFlowLogs": "FlowLogs"}
#: moto's services whose calls the fake refuses when ``denied`` names them.
MOTO_REFUSED = ("ec2", "ssm")
#: moto's config for the services this fake answers instead.
PASSTHROUGH = {"core": {"passthrough": {"services": list(SERVICES)}}}


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_kwargs: Any) -> Any:
        yield self._body


@dataclass
class FakeServices:
    clusters: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: (cluster, principal ARN) -> associated access policy ARNs
    access_entries: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    #: (cluster, principal ARN) -> the access entry's tags (DescribeAccessEntry leaves out an entry's no tags)
    access_entry_tags: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    addons: dict[str, set[str]] = field(default_factory=dict)
    #: (cluster, namespace, service account) of each pod identity association
    associations: list[tuple[str, str, str]] = field(default_factory=list)
    models: set[str] = field(default_factory=set)
    profiles: set[str] = field(default_factory=set)
    #: operation -> how many of its next calls are throttled (HTTP 429)
    throttled: dict[str, int] = field(default_factory=dict)
    #: operations answered with AccessDeniedException (EC2: UnauthorizedOperation)
    denied: set[str] = field(default_factory=set)
    #: deployed stack name -> its outputs ({OutputKey, OutputValue, Description})
    stacks: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    #: The EC2 list pages moto's answers were cut into, one operation name a page.
    ec2_pages: list[str] = field(default_factory=list)
    #: The most items one page of a paginated list holds (the caller's maxResults may ask for fewer).
    #: AWS's own default is larger; tests use 1 so every list is read across pages.
    page_size: int = 100

    def attach(self, session: boto3.Session) -> boto3.Session:
        for service in SERVICES:
            session.events.register_first(f"before-send.{service}", self._answer)
        for service in MOTO_REFUSED:
            session.events.register_first(f"before-send.{service}", self._refuse)
        for operation in EC2_PAGED:
            session.events.register_first(f"before-call.ec2.{operation}", self._ask_for_page)
            session.events.register_first(f"after-call.ec2.{operation}", self._cut_page)
        return session

    def add_cluster(
        self,
        name: str,
        *,
        status: str = "ACTIVE",
        version: str = "1.31",
        platform_version: str = "eks.12",
        auth_mode: str = "API_AND_CONFIG_MAP",
        public: bool = True,
        private: bool = True,
        cidrs: list[str] | None = None,
        tags: dict[str, str] | None = None,
        ip_family: str = "ipv4",
    ) -> None:
        """A cluster as DescribeCluster answers it; ListClusters lists the clusters in the order they were added."""
        self.clusters[name] = {
            "name": name,
            "arn": f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{name}",
            "status": status,
            "version": version,
            "platformVersion": platform_version,
            "accessConfig": {"authenticationMode": auth_mode},
            "resourcesVpcConfig": {
                "endpointPublicAccess": public,
                "endpointPrivateAccess": private,
                # EKS's default: 0.0.0.0/0, and ::/0 too on a dual-stack (IPv6) cluster.
                "publicAccessCidrs": cidrs
                if cidrs is not None
                else (["0.0.0.0/0", "::/0"] if ip_family == "ipv6" else ["0.0.0.0/0"])
                if public
                else [],
            },
            "kubernetesNetworkConfig": {"ipFamily": ip_family},
            # DescribeCluster leaves tags out of a cluster that has none.
            **({"tags": dict(tags)} if tags else {}),
        }
        self.addons.setdefault(name, set())

    # --- the wire ------------------------------------------------------------------------------------

    def _answer(self, request: Any, event_name: str, **_kwargs: Any) -> AWSResponse:
        operation = event_name.rsplit(".", 1)[-1]
        self.calls.append(operation)
        url = urlsplit(request.url)
        segments = [unquote(s) for s in url.path.strip("/").split("/")]
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if self.throttled.get(operation, 0) > 0:
            self.throttled[operation] -= 1
            return _error(request.url, 429, "ThrottlingException", "Rate exceeded")
        if operation in self.denied:
            if operation == "DescribeStacks":  # the query protocol: errors are XML
                return _xml_error(
                    request.url, 403, "AccessDenied", f"not authorized to perform cloudformation:{operation}"
                )
            return _error(request.url, 403, "AccessDeniedException", f"not authorized to perform {operation}")
        handler = getattr(self, f"_{operation}", None)
        if handler is None:
            raise NotImplementedError(f"the fake does not model {operation}")
        if operation == "DescribeStacks":
            return self._describe_stacks(request)
        try:
            return _ok(request.url, handler(segments, query))
        except _NotFound as missing:
            return _error(request.url, 404, "ResourceNotFoundException", str(missing))
        except _BadToken as bad:
            code = "ValidationException" if operation == "ListInferenceProfiles" else "InvalidParameterException"
            return _error(request.url, 400, code, str(bad))

    # --- moto's EC2 and SSM -------------------------------------------------------------------------------

    def _refuse(self, request: Any, event_name: str, **_kwargs: Any) -> AWSResponse | None:
        """AccessDenied for an operation in ``denied``, in the protocol's words; moto answers the rest."""
        service, operation = event_name.split(".")[-2:]
        if operation not in self.denied:
            return None
        if service == "ec2":  # EC2's query protocol: errors are XML, under Response/Errors
            body = (
                "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to"
                f" perform this operation. ({operation})</Message></Error></Errors><RequestID>r</RequestID></Response>"
            )
            return AWSResponse(request.url, 403, {"Content-Type": "text/xml"}, _Raw(body.encode()))
        body = json.dumps({"__type": "AccessDeniedException", "message": f"not authorized to perform {operation}"})
        return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.1"}, _Raw(body.encode()))

    def _ask_for_page(self, params: dict[str, Any], context: dict[str, Any], **_kwargs: Any) -> Any:
        """Before moto answers a whole EC2 list: which page the caller asks for (``MaxResults``, ``NextToken``);
        an unknown token is refused as EC2 refuses it."""
        body = params.get("body") or {}
        try:
            start = _offset(body["NextToken"]) if "NextToken" in body else 0
        except _BadToken as bad:
            error = {"Code": "InvalidParameterValue", "Message": str(bad)}
            return AWSResponse(params.get("url", ""), 400, {}, _Raw(b"")), {
                "Error": error,
                "ResponseMetadata": {"HTTPStatusCode": 400},
            }
        context[_EC2_PAGE] = (start, min(self.page_size, int(body.get("MaxResults", self.page_size))))
        return None

    def _cut_page(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_kwargs: Any) -> None:
        """After botocore parsed moto's whole list: only the page asked for, and a ``NextToken`` while items are
        left."""
        if _EC2_PAGE not in context or "Error" in parsed:
            return
        start, size = context.pop(_EC2_PAGE)
        key = EC2_PAGED[model.name]
        items = parsed.get(key, [])
        parsed[key] = items[start : start + size]
        parsed.pop("NextToken", None)
        if start + size < len(items):
            parsed["NextToken"] = base64.urlsafe_b64encode(f"offset:{start + size}".encode()).decode()
        self.ec2_pages.append(model.name)

    # --- EKS and Bedrock ------------------------------------------------------------------------------------

    def _page(self, items: list[Any], query: dict[str, str], key: str) -> dict[str, Any]:
        """One page of ``items`` under ``key``, and a ``nextToken`` while more are left, as the paginated
        EKS and Bedrock list operations answer (``maxResults``, ``nextToken`` in the query string)."""
        start = _offset(query["nextToken"]) if "nextToken" in query else 0
        size = min(self.page_size, int(query.get("maxResults", self.page_size)))
        page: dict[str, Any] = {key: items[start : start + size]}
        if start + size < len(items):
            page["nextToken"] = base64.urlsafe_b64encode(f"offset:{start + size}".encode()).decode()
        return page

    def _cluster(self, name: str) -> dict[str, Any]:
        if name not in self.clusters:
            raise _NotFound(f"No cluster found for name: {name}.")
        return self.clusters[name]

    def _ListClusters(self, _segments: list[str], query: dict[str, str]) -> dict[str, Any]:
        return self._page(list(self.clusters), query, "clusters")

    def _DescribeCluster(self, segments: list[str], _query: dict[str, str]) -> dict[str, Any]:
        return {"cluster": self._cluster(segments[1])}

    def _DescribeAccessEntry(self, segments: list[str], _query: dict[str, str]) -> dict[str, Any]:
        cluster, principal = segments[1], segments[3]
        self._cluster(cluster)
        if (cluster, principal) not in self.access_entries:
            raise _NotFound(f"The specified principalArn could not be found: {principal}")
        entry = {"clusterName": cluster, "principalArn": principal, "type": "STANDARD"}
        tags = self.access_entry_tags.get((cluster, principal))
        return {"accessEntry": {**entry, **({"tags": tags} if tags else {})}}

    def _ListAssociatedAccessPolicies(self, segments: list[str], query: dict[str, str]) -> dict[str, Any]:
        cluster, principal = segments[1], segments[3]
        self._cluster(cluster)
        if (cluster, principal) not in self.access_entries:
            raise _NotFound(f"The specified principalArn could not be found: {principal}")
        policies = [
            {"policyArn": arn, "accessScope": {"type": "cluster"}} for arn in self.access_entries[(cluster, principal)]
        ]
        return {
            "clusterName": cluster,
            "principalArn": principal,
            **self._page(policies, query, "associatedAccessPolicies"),
        }

    def _DescribeAddon(self, segments: list[str], _query: dict[str, str]) -> dict[str, Any]:
        cluster, addon = segments[1], segments[3]
        self._cluster(cluster)
        if addon not in self.addons.get(cluster, set()):
            raise _NotFound(f"No addon: {addon} found in cluster: {cluster}")
        return {"addon": {"addonName": addon, "clusterName": cluster, "status": "ACTIVE"}}

    def _ListPodIdentityAssociations(self, segments: list[str], query: dict[str, str]) -> dict[str, Any]:
        cluster = segments[1]
        self._cluster(cluster)
        found = [
            {"clusterName": c, "namespace": ns, "serviceAccount": sa, "associationId": f"a-{i:017d}"}
            for i, (c, ns, sa) in enumerate(self.associations)
            if c == cluster and query.get("namespace", ns) == ns and query.get("serviceAccount", sa) == sa
        ]
        return self._page(found, query, "associations")

    def _ListFoundationModels(self, _segments: list[str], _query: dict[str, str]) -> dict[str, Any]:
        # Not paginated: the API has no nextToken and answers every model at once.
        return {
            "modelSummaries": [
                {"modelId": m, "modelArn": f"arn:aws:bedrock:{REGION}::foundation-model/{m}"}
                for m in sorted(self.models)
            ]
        }

    def _ListInferenceProfiles(self, _segments: list[str], query: dict[str, str]) -> dict[str, Any]:
        return self._page(
            [{"inferenceProfileId": p} for p in sorted(self.profiles)], query, "inferenceProfileSummaries"
        )

    def _DescribeStacks(self, _segments: list[str], _query: dict[str, str]) -> dict[str, Any]:
        raise AssertionError("answered by _describe_stacks (query protocol)")

    def _describe_stacks(self, request: Any) -> AWSResponse:
        # Not paginated: asked for one StackName, CloudFormation answers that one stack and no NextToken.
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
        name = unquote(parse_qs(body).get("StackName", [""])[0])
        if name not in self.stacks:
            return _xml_error(request.url, 400, "ValidationError", f"Stack with id {name} does not exist")
        outputs = "".join(
            "<member>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in output.items()) + "</member>"
            for output in self.stacks[name]
        )
        xml = (
            '<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>'
            f"<StackName>{escape(name)}</StackName><StackId>arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{escape(name)}/1</StackId>"
            f"<CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>{outputs}</Outputs>"
            "</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeStacksResponse>"
        )
        return AWSResponse(request.url, 200, {"Content-Type": "text/xml"}, _Raw(xml.encode()))


_EC2_PAGE = "fake_services_ec2_page"


class _NotFound(Exception):
    pass


class _BadToken(Exception):
    pass


def _offset(token: str) -> int:
    try:
        kind, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind == "offset" and offset.isdigit():
            return int(offset)
    except ValueError:
        pass
    raise _BadToken(f"The nextToken is not valid: {token}")


def _ok(url: str, body: dict[str, Any]) -> AWSResponse:
    return AWSResponse(url, 200, {"Content-Type": "application/json"}, _Raw(json.dumps(body).encode()))


def _error(url: str, status: int, code: str, message: str) -> AWSResponse:
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": code}
    return AWSResponse(url, status, headers, _Raw(json.dumps({"message": message}).encode()))


def _xml_error(url: str, status: int, code: str, message: str) -> AWSResponse:
    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
        "<RequestId>r</RequestId></ErrorResponse>"
    )
    return AWSResponse(url, status, {"Content-Type": "text/xml"}, _Raw(body.encode()))
