"""boto3 access for the checks: clients that retry throttling patiently and give up on silence within
a time budget, and AccessDenied turned into a ``MissingPermission`` that names the IAM action, so a
check can report it instead of crashing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

ACCESS_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedException",
    "AuthorizationError",
}
#: No answer at all: no connection, a timeout, a connection dropped (botocore retries these too).
NO_ANSWER = (ConnectionError, HTTPClientError)
#: The longest botocore waits before retrying a request that got no answer (its backoff before the
#: second attempt is at most 1 s in every retry mode; 50 ms in the current standard and adaptive modes).
MAX_BACKOFF_BEFORE_RETRY = 1.0


@dataclass(frozen=True)
class Timing:
    """How long the checks wait for AWS. Throttling is an answer and is retried with backoff (adaptive
    mode also slows the client down); silence is given up on within ``no_answer_budget`` seconds."""

    connect_timeout: float = 4
    read_timeout: float = 10
    #: attempts of one request that gets no answer (then the run stops: AWS is unreachable)
    no_answer_attempts: int = 2
    #: seconds without any answer from AWS after which the run stops
    no_answer_budget: float = 30
    #: attempts of one request in all (throttled ones included)
    total_max_attempts: int = 11

    @property
    def longest_attempt(self) -> float:
        return self.connect_timeout + self.read_timeout

    def longest_silence(self) -> float:
        """The longest one request can wait with no answer before the checks give up on it."""
        return self.no_answer_attempts * self.longest_attempt + (self.no_answer_attempts - 1) * MAX_BACKOFF_BEFORE_RETRY

    def client_config(self) -> Config:
        return Config(
            retries={"mode": "adaptive", "total_max_attempts": self.total_max_attempts},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
        )


DEFAULT_TIMING = Timing()


class Unreachable(BotoCoreError):
    """AWS did not answer at ``where`` (an endpoint's host) within the time budget."""

    fmt = "cannot reach AWS ({where}) within {seconds:g} s: {fix}"
    FIX = "check your network, proxy (HTTPS_PROXY) or VPC endpoints"

    def __init__(self, where: str, seconds: float) -> None:
        super().__init__(where=where, seconds=seconds, fix=self.FIX)
        self.where = where
        self.seconds = seconds

    @property
    def detail(self) -> str:
        return f"cannot reach AWS ({self.where}) within {self.seconds:g} s"

    @property
    def fix(self) -> str:
        return self.FIX


class MissingPermission(Exception):
    """The caller may not call ``action`` (e.g. ``ec2:DescribeFlowLogs``)."""

    def __init__(self, action: str) -> None:
        super().__init__(action)
        self.action = action


class Aws:
    """Clients for one region, created once each. Once AWS has not answered within the budget, every
    later call raises ``Unreachable`` at once: the run stops instead of waiting again per check."""

    def __init__(self, session: boto3.Session, region: str, *, timing: Timing = DEFAULT_TIMING) -> None:
        self.session = session
        self.region = region
        self.timing = timing
        self.gave_up: Unreachable | None = None
        self._config = timing.client_config()
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.region)
        if key not in self._clients:
            client = self.session.client(service, region_name=key[1], config=self._config)
            client.meta.events.register("before-call", self._before_call)
            client.meta.events.register_first("needs-retry", self._after_attempt)
            self._clients[key] = client
        return self._clients[key]

    def endpoint(self, service: str, region: str | None = None) -> str | None:
        """The host (and port) a client of ``service`` talks to, once that client exists."""
        client = self._clients.get((service, region or self.region))
        return urlsplit(client.meta.endpoint_url).netloc if client is not None else None

    def call(self, service: str, operation: str, *, region: str | None = None, **params: Any) -> dict[str, Any]:
        """``client(service).<operation>(**params)`` (in ``region``, default the config's);
        AccessDenied raises ``MissingPermission``, no answer within the budget ``Unreachable``."""
        client = self.client(service, region)
        method: Callable[..., dict[str, Any]] = getattr(client, operation)
        try:
            return method(**params)
        except ClientError as error:
            raise _missing_permission(client, operation, error) from None

    def pages(self, service: str, operation: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every page of a paginated call, following its tokens with botocore's paginator; errors as ``call``."""
        client = self.client(service)
        try:
            yield from client.get_paginator(operation).paginate(**params)
        except ClientError as error:
            raise _missing_permission(client, operation, error) from None

    # botocore events: one API call is one before-call, then one needs-retry per attempt.

    def _before_call(self, context: dict[str, Any], **_kwargs: Any) -> None:
        if self.gave_up is not None:
            raise Unreachable(self.gave_up.where, self.gave_up.seconds)
        context[_SILENT_SINCE] = time.monotonic()
        context[_SILENT_ATTEMPTS] = 0

    def _after_attempt(
        self, request_dict: dict[str, Any], caught_exception: Exception | None = None, **_kwargs: Any
    ) -> None:
        context = request_dict["context"]
        now = time.monotonic()
        if not isinstance(caught_exception, NO_ANSWER):
            context[_SILENT_SINCE] = now  # an answer, even an error or a throttle
            context[_SILENT_ATTEMPTS] = 0
            return
        context[_SILENT_ATTEMPTS] = context.get(_SILENT_ATTEMPTS, 0) + 1
        silent_for = now - context.get(_SILENT_SINCE, now)
        timing = self.timing
        if (
            context[_SILENT_ATTEMPTS] >= timing.no_answer_attempts
            or silent_for + timing.longest_attempt > timing.no_answer_budget
        ):
            self.gave_up = Unreachable(urlsplit(request_dict["url"]).netloc, timing.no_answer_budget)
            raise self.gave_up from caught_exception


_SILENT_SINCE = "onboarding_checks_silent_since"
_SILENT_ATTEMPTS = "onboarding_checks_silent_attempts"


def _missing_permission(client: Any, operation: str, error: ClientError) -> Exception:
    """What a refused call raises: ``MissingPermission`` naming the IAM action for AccessDenied,
    otherwise the error itself."""
    if error_code(error) in ACCESS_DENIED:
        return MissingPermission(
            f"{client.meta.service_model.signing_name}:{client.meta.method_to_api_mapping[operation]}"
        )
    return error


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


__all__ = ["DEFAULT_TIMING", "Aws", "MissingPermission", "Timing", "Unreachable", "error_code"]
