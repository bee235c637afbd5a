"""boto3 access for the checks: clients with retries for throttling, and AccessDenied turned into
a ``MissingPermission`` that names the IAM action, so a check can report it instead of crashing."""

from __future__ import annotations

from typing import Any, Callable

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

#: Throttling is retried with backoff (adaptive mode also slows the client down).
RETRIES = Config(retries={"mode": "adaptive", "max_attempts": 10}, connect_timeout=10, read_timeout=30)
ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException", "AuthorizationError"}


class MissingPermission(Exception):
    """The caller may not call ``action`` (e.g. ``ec2:DescribeFlowLogs``)."""

    def __init__(self, action: str) -> None:
        super().__init__(action)
        self.action = action


class Aws:
    """Clients for one region, created once each."""

    def __init__(self, session: boto3.Session, region: str) -> None:
        self.session = session
        self.region = region
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.region)
        if key not in self._clients:
            self._clients[key] = self.session.client(service, region_name=key[1], config=RETRIES)
        return self._clients[key]

    def call(self, service: str, operation: str, *, region: str | None = None, **params: Any) -> dict[str, Any]:
        """``client(service).<operation>(**params)`` (in ``region``, default the config's);
        AccessDenied raises ``MissingPermission``."""
        client = self.client(service, region)
        method: Callable[..., dict[str, Any]] = getattr(client, operation)
        try:
            return method(**params)
        except ClientError as error:
            if error_code(error) in ACCESS_DENIED:
                prefix = client.meta.service_model.signing_name
                raise MissingPermission(f"{prefix}:{client.meta.method_to_api_mapping[operation]}") from None
            raise


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


__all__ = ["Aws", "MissingPermission", "error_code"]
