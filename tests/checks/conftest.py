"""A fake AWS account for the checks: moto for EC2, S3, CloudTrail, IAM and STS, and
``FakeServices`` for EKS, Bedrock and CloudFormation, all behind one boto3 session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
import yaml
from moto import mock_aws

from onboarding_checks.cli import main
from tests.checks.fake_services import ACCOUNT, PASSTHROUGH, REGION, FakeServices
from tests.checks.silent_server import SilentServer, silent_server

#: botocore's service models, read once for every test (reading them per session was most of a test's time).
SHARED_LOADER = botocore.loaders.create_loader()


@dataclass
class Account:
    """The fake account: ``fake`` holds EKS, Bedrock and CloudFormation state, ``session`` is what
    the checks use, ``client(service)`` arranges moto's state."""

    fake: FakeServices
    session: boto3.Session
    tmp_path: Path
    account_id: str = ACCOUNT
    region: str = REGION

    def client(self, service: str) -> Any:
        """A client on the checks' own session, to arrange moto's state (created once per test)."""
        clients = vars(self).setdefault("_clients", {})
        if service not in clients:
            clients[service] = self.session.client(service, region_name=self.region)
        return clients[service]

    def config_file(self, config: dict[str, Any]) -> str:
        return write_config(self.tmp_path, config)

    def run(self, command: str, config: dict[str, Any], *extra: str) -> int:
        return main([command, "--config", self.config_file(config), *extra], session=self.session)


@pytest.fixture
def account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",  # no check reads AMIs; loading them is slow
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws(config=PASSTHROUGH):
        fake = FakeServices(page_size=1)  # every paginated list answers one item a page
        botocore_session = botocore.session.get_session()
        botocore_session.register_component("data_loader", SHARED_LOADER)
        session = fake.attach(boto3.Session(botocore_session=botocore_session, region_name=REGION))
        yield Account(fake=fake, session=session, tmp_path=tmp_path)


def write_config(directory: Path, config: dict[str, Any]) -> str:
    """``config`` (in the fake account's region) as directory/config.yaml."""
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump({"region": REGION, **config}))
    return str(path)


@pytest.fixture
def no_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No AWS credentials or settings anywhere, nothing that looks for them on the network, and no
    proxy between a client and 127.0.0.1."""
    for name in list(os.environ):
        if name.startswith("AWS_") or name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def silent_sts(no_aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[SilentServer]:
    """Credentials that need no network, and an STS endpoint on 127.0.0.1 that never answers."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with silent_server() as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", server.url)
        yield server
