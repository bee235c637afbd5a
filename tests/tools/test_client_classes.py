"""The test processes' shared botocore client classes: one class per service, and clients that stay apart."""

from __future__ import annotations

import importlib.util

import boto3
import botocore.session

from tests import client_classes
from tests.conftest import REPO_ROOT


def _session() -> boto3.Session:
    return boto3.Session(
        botocore_session=botocore.session.Session(),
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )


def test_clients_of_one_service_share_their_class_and_nothing_else() -> None:
    first, second = _session(), _session()
    a = first.client("ec2")
    b = second.client("ec2", region_name="eu-west-1")
    assert type(a) is type(b)
    assert botocore.client.ClientCreator._create_client_class is client_classes._create_client_class
    assert a.meta.region_name == "us-east-1" and b.meta.region_name == "eu-west-1"
    assert a.meta.events is not b.meta.events
    seen: list[str] = []
    first.events.register("provide-client-params.ec2.DescribeVpcs", lambda **kwargs: seen.append("first"))
    hooked = first.client("ec2")  # a client copies its session's hooks when it is made, as before
    assert type(hooked) is type(a)
    hooked.meta.events.emit("provide-client-params.ec2.DescribeVpcs", params={}, model=None, context={})
    b.meta.events.emit("provide-client-params.ec2.DescribeVpcs", params={}, model=None, context={})
    assert seen == ["first"]


def test_each_service_has_its_own_class_with_its_own_operations() -> None:
    session = _session()
    ec2, s3 = session.client("ec2"), session.client("s3")
    assert type(ec2) is not type(s3)
    assert hasattr(ec2, "describe_vpcs") and not hasattr(s3, "describe_vpcs")
    assert hasattr(s3, "upload_file")  # boto3's creating-client-class hook ran for the class that is kept


def test_importing_the_module_again_never_wraps_the_wrapper() -> None:
    # make mutate's worker imports the tests afresh for each mutant, in one process.
    spec = importlib.util.spec_from_file_location("client_classes_again", REPO_ROOT / "tests" / "client_classes.py")
    assert spec is not None and spec.loader is not None
    again = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(again)
    again.reuse_client_classes()
    try:
        assert again._original is client_classes._original
        assert again._original.__qualname__ == "ClientCreator._create_client_class"
    finally:
        client_classes.reuse_client_classes()
