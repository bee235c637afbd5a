"""One botocore client class per service and API version in a test process.

botocore builds a new class for every client it makes: a method and a docstring for each operation
(about 700 for EC2), then the ``creating-client-class`` hooks. That is most of the 20 to 50 ms a client
costs, more than most calls to moto, and the tests make thousands of clients (each handler invocation,
fake account and member session makes its own, as in AWS). The class depends only on the service model
and on those hooks, which boto3 and botocore register alike on every session (no test registers one), so
the first class made for a service and version is reused. Clients, their hooks, credentials and retry
state stay per client.
"""

from __future__ import annotations

from typing import Any

import botocore.client

# botocore's own method, also when this module is imported again in one process (make mutate's worker
# imports the tests afresh for every mutant): the wrapper below must never wrap itself.
_original = getattr(
    botocore.client.ClientCreator._create_client_class,
    "botocore_original",
    botocore.client.ClientCreator._create_client_class,
)
_classes: dict[tuple[str, str, str], type] = {}


def _create_client_class(self: botocore.client.ClientCreator, service_name: str, service_model: Any) -> type:
    key = (service_name, service_model.api_version, service_model.metadata.get("protocol", ""))
    if key not in _classes:
        _classes[key] = _original(self, service_name, service_model)
    return _classes[key]


_create_client_class.botocore_original = _original  # type: ignore[attr-defined]


def reuse_client_classes() -> None:
    """From now on in this process, a client class is made once per service, API version and protocol."""
    botocore.client.ClientCreator._create_client_class = _create_client_class  # type: ignore[method-assign]
